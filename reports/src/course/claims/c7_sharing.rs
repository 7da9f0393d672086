//! C7: shared memory is cheaper than message passing, which is cheaper
//! than a server process (Manager).
//!
//! Rule, on `shared-counter` (two processes increment one counter, the
//! count is the answer): the time per increment through a queue must be
//! at least 1.5× that through shared memory, and through a server
//! process at least 1.5× that through a queue — in CPython (`Value`,
//! `Queue`, `Manager`, under `py-seq`) and in Rust (an atomic in a
//! shared mapping, a pipe, a server process, under `seq`).

use super::{bars, median_point, series, ClaimDef};
use crate::course::rule::{find, pair, param, ratio_of, values, Check, Expect};
use crate::course::{Claim, Evidence, Quote};
use crate::format::local;
use crate::{CaseRecord, Lang, Results};

/// Each way costs half again as much as the one before, at least.
const DEARER: f64 = 1.5;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C7",
        short_en: "Shared memory beats messages, messages beat a Manager",
        short_ru: "Общая память дешевле сообщений, сообщения дешевле Manager",
        en: "Between processes, shared memory is cheaper than message passing, which is cheaper than a server process (Manager).",
        ru: "Между процессами общая память дешевле передачи сообщений, а передача сообщений дешевле серверного процесса (Manager).",
        quotes: &[
            Quote {
                file: "001_d49bf07d4e216a0a.txt",
                lines: "283–310",
                text: "`result = multiprocessing.Value(\"i\")` … `with multiprocessing.Manager() as manager:` … `q = multiprocessing.Queue()`",
            },
            Quote {
                file: "004_84cef44e44ee8278.txt",
                lines: "272",
                text: "Менеджеры серверных процессов более гибкие, чем использование объектов общей памяти, т. к. могут быть созданы для поддержки произвольных типов объектов. … Однако они медленнее, чем при использовании общей памяти.",
            },
        ],
    },
    judge,
    holds: ("Shared memory is cheapest, then a queue, then a Manager", "Общая память дешевле очереди, очередь дешевле Manager"),
};

/// The three ways, cheapest first as the claim orders them.
const WAYS: [&str; 3] = ["shared", "queue", "manager"];

/// Seconds per increment in each repetition: a batch's wall over its
/// tasks and each task's increments.
fn per_increment(c: &CaseRecord) -> Vec<f64> {
    let increments: f64 = param(c, "increments")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let tasks = c.tasks.max(1) as f64;
    values(c, |r| Some(r.wall.secs() / tasks / increments.max(1.0)))
}

fn case<'r>(r: &'r Results, runner: &str, via: &str, lang: Lang) -> Result<&'r CaseRecord, String> {
    find(
        r,
        "shared-counter",
        runner,
        |c| param(c, "via") == Some(via),
        lang,
    )
}

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let mut parts = Vec::new();
    for runner in ["py-seq", "seq"] {
        let cases: Vec<_> = WAYS.iter().map(|w| case(r, runner, w, lang)).collect();
        let times: Vec<String> = cases
            .iter()
            .map(|c| {
                c.as_ref()
                    .ok()
                    .and_then(|c| crate::Stat::of(&per_increment(c)))
                    .map_or("—".into(), |s| local::short_duration(s.median, lang))
            })
            .collect();
        for i in 0..2 {
            let (cheap, dear) = (&cases[i], &cases[i + 1]);
            let what = match lang {
                Lang::En => format!(
                    "{runner}: via={} ÷ via={}, time per increment",
                    WAYS[i + 1],
                    WAYS[i]
                ),
                Lang::Ru => format!(
                    "{runner}: via={} ÷ via={}, время на одно увеличение",
                    WAYS[i + 1],
                    WAYS[i]
                ),
            };
            let check = Check::decide(
                what,
                "time_per_increment",
                pair(cheap, dear),
                ratio_of(cheap, dear, per_increment, lang),
                Expect::Above,
                DEARER,
                lang,
            );
            ev.checks.push(check);
        }
        if times.iter().any(|t| t != "—") {
            let language = if runner == "seq" { "Rust" } else { "CPython" };
            parts.push(format!("{language} {}", times.join(" → ")));
        }
    }
    ev.numbers = match lang {
        Lang::En => format!(
            "per increment, shared memory → queue → Manager: {}",
            parts.join("; ")
        ),
        Lang::Ru => format!(
            "на одно увеличение, общая память → очередь → Manager: {}",
            parts.join("; ")
        ),
    };
    ev.notes.push(
        lang.pick(
            "A task starts its two processes (and the server) itself; the time per increment includes that start, spread over the task's increments.",
            "Задача сама запускает два процесса (и сервер); время на одно увеличение включает этот запуск, разделённый на все увеличения задачи.",
        )
        .into(),
    );
    ev.figure = Some(figure(r, lang));
    ev
}

/// Time per increment by way of sharing, CPython and Rust.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let mut out = Vec::new();
    for runner in ["py-seq", "seq"] {
        let mut first = None;
        let points: Vec<_> = WAYS
            .iter()
            .enumerate()
            .filter_map(|(i, way)| {
                let c = case(r, runner, way, lang).ok()?;
                first.get_or_insert(c);
                median_point(i, &per_increment(c), 1e-6)
            })
            .collect();
        if let Some(c) = first {
            out.push(series(c, runner.to_string(), points));
        }
    }
    let categories = match lang {
        Lang::En => ["shared memory (Value)", "queue (Queue)", "server (Manager)"],
        Lang::Ru => [
            "общая память (Value)",
            "очередь (Queue)",
            "сервер (Manager)",
        ],
    };
    bars(
        "C7",
        lang.pick(
            "shared-counter: time per increment of one counter shared by two processes",
            "shared-counter: время одного увеличения общего счётчика двух процессов",
        )
        .into(),
        lang.pick(
            "py-seq runs the course's Value, Queue and Manager; seq runs the same three ways in Rust. Medians with their 95 % intervals.",
            "py-seq выполняет Value, Queue и Manager из курса; seq — те же три способа на Rust. Медианы с 95-процентными интервалами.",
        )
        .into(),
        (
            lang.pick("way of sharing", "способ обмена").into(),
            lang.pick("time per increment (µs)", "время одного увеличения (мкс)").into(),
        ),
        categories.iter().map(|s| s.to_string()).collect(),
        out,
    )
}

//! C6: send a few large messages rather than many small ones.
//!
//! Rule, on `noop` tasks through a process pool (the message is all the
//! work): throughput with the largest `chunksize` measured must be at
//! least 1.5× the throughput with `chunksize=1` (one task per message),
//! for CPython's `Pool` under fork and for Rust's fork-pool. The spawn
//! pools are shown beside them for context.

use super::{bars, median_point, series, ClaimDef};
use crate::course::rule::{find, pair, param, ratio_of, throughput, Check, Expect};
use crate::course::{times, Claim, Evidence, Quote};
use crate::format::local;
use crate::{CaseRecord, Lang, Results};

/// Batching pays when it gains half again.
const PAYS: f64 = 1.5;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C6",
        short_en: "Few large messages beat many small ones",
        short_ru: "Лучше несколько крупных сообщений, чем много мелких",
        en: "Sending a few large objects between processes is faster than sending many small ones.",
        ru: "Передавать между процессами несколько крупных объектов быстрее, чем много мелких.",
        quotes: &[
            Quote {
                file: "000_dc2d6137d8000791.txt",
                lines: "677",
                text: "Каждый элемент, помещаемый в очередь, преобразуется в последовательность байтов и отправляется процессу через канал или сетевое соединение. С точки зрения производительности лучше послать небольшое количество крупных объектов, чем много маленьких.",
            },
            Quote {
                file: "003_316eabcc66477576.txt",
                lines: "57",
                text: "Параметр `chunksize` определяет размер чанков, на которые распределяется итерабельный объект по процессам из пула. Для больших коллекций имеет смысл увеличить значение `chunksize` и таким образом ускорить обработку.",
            },
        ],
    },
    judge,
    holds: ("Few large messages beat many small ones", "Несколько крупных сообщений быстрее множества мелких"),
};

/// A case's `chunksize` (1 when not set).
fn chunksize(c: &CaseRecord) -> u64 {
    param(c, "chunksize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// The task count of the chunk-size sweep: that of the `noop` cases
/// with a chunk size above 1.
fn sweep_tasks(r: &Results) -> Option<u64> {
    super::noop_tasks(r, |c| chunksize(c) > 1)
}

/// The chunk sizes measured for `noop`, ascending.
fn sizes(r: &Results) -> Vec<u64> {
    let tasks = sweep_tasks(r);
    let mut v: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| c.workload == "noop" && c.runner_params.contains_key("chunksize"))
        .filter(|c| Some(c.tasks) == tasks)
        .map(chunksize)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

const RUNNERS: [&str; 4] = ["py-fork", "fork-pool", "py-spawn", "spawn-pool"];

fn case<'r>(r: &'r Results, runner: &str, size: u64, lang: Lang) -> Result<&'r CaseRecord, String> {
    let tasks = sweep_tasks(r);
    find(
        r,
        "noop",
        runner,
        |c| {
            c.runner_params.contains_key("chunksize")
                && chunksize(c) == size
                && Some(c.tasks) == tasks
        },
        lang,
    )
}

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let large = sizes(r).last().copied().unwrap_or(1).max(2);
    let mut parts = Vec::new();
    for (i, runner) in RUNNERS.iter().enumerate() {
        let one = case(r, runner, 1, lang);
        let big = case(r, runner, large, lang);
        let what = match lang {
            Lang::En => format!("{runner}: chunksize={large} ÷ chunksize=1, throughput"),
            Lang::Ru => {
                format!("{runner}: chunksize={large} ÷ chunksize=1, пропускная способность")
            }
        };
        let check = Check::decide(
            what,
            "throughput",
            pair(&one, &big),
            ratio_of(&one, &big, throughput, lang),
            Expect::Above,
            PAYS,
            lang,
        );
        if i < 2 {
            if let Some(ratio) = &check.ratio {
                parts.push(format!("{runner} {}", times(ratio.value, lang)));
            }
            ev.checks.push(check);
        } else if one.is_ok() || big.is_ok() {
            ev.checks.push(check.context());
        }
    }
    ev.numbers = match lang {
        Lang::En => format!(
            "{large} tasks per message instead of 1: {}",
            parts.join(", ")
        ),
        Lang::Ru => format!(
            "{large} задач в сообщении вместо одной: {}",
            parts.join(", ")
        ),
    };
    ev.figure = Some(figure(r, lang));
    ev
}

/// Throughput by chunk size, one bar per pool.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let sizes = sizes(r);
    let mut out = Vec::new();
    for runner in RUNNERS {
        let mut first = None;
        let points: Vec<_> = sizes
            .iter()
            .enumerate()
            .filter_map(|(i, &n)| {
                let c = case(r, runner, n, lang).ok()?;
                first.get_or_insert(c);
                median_point(i, &throughput(c), 1.0)
            })
            .collect();
        if let Some(c) = first {
            out.push(series(c, runner.to_string(), points));
        }
    }
    bars(
        "C6",
        lang.pick(
            "noop through a process pool: throughput by tasks per message",
            "noop через пул процессов: пропускная способность по числу задач в сообщении",
        )
        .into(),
        lang.pick(
            "A noop task is all message: the bars measure what sending costs. Medians with their 95 % intervals.",
            "Задача noop — это только сообщение: столбцы измеряют цену пересылки. Медианы с 95-процентными интервалами.",
        )
        .into(),
        (
            lang.pick("chunksize (tasks per message)", "задач в одном сообщении").into(),
            lang.pick("throughput (tasks/s)", "пропускная способность (задач/с)").into(),
        ),
        sizes.iter().map(|n| local::number(*n as f64, lang)).collect(),
        out,
    )
}

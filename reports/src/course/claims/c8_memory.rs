//! C8: an async task costs far less memory than a thread.
//!
//! Rule, on concurrent sleeps: the peak memory per waiting task must be
//! at least 3× larger with a thread per task than with an async task, at
//! the largest count both were measured at — `py-threads` (as many
//! threads as sleeps) against `py-asyncio`, and `thread-per-task` against
//! `tokio-mt`.
//!
//! Memory per task is the whole process's peak, less the peak of the same
//! language's event loop waiting on a single sleep, over the tasks. Not
//! the peak above the case's idle memory: `py-threads` starts its threads
//! before the first batch, so their stacks are part of its idle memory
//! and would not count.

use super::{bars, median_point, series, ClaimDef};
use crate::course::rule::{find, pair, ratio_of, values, Check, Expect};
use crate::course::{times, Claim, Evidence, Quote};
use crate::format::local;
use crate::{CaseRecord, Lang, Results};

/// "Far less": a third or less.
const FAR: f64 = 3.0;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C8",
        short_en: "An async task costs far less memory than a thread",
        short_ru: "Асинхронная задача занимает гораздо меньше памяти, чем поток",
        en: "A waiting async task costs far less memory than a waiting thread.",
        ru: "Ожидающая асинхронная задача занимает гораздо меньше памяти, чем ожидающий поток.",
        quotes: &[
            Quote {
                file: "002_7e41121ff32d9a8f.txt",
                lines: "936, 955",
                text: "[Отдельные потоки] + Используют немного памяти. … [Асинхронность] + Экономное использование памяти.",
            },
            Quote {
                file: "000_dc2d6137d8000791.txt",
                lines: "119",
                text: "Вообще не стоит писать программы, запускающие 10 000 потоков, потому что каждый потребляет ресурсы системы и увеличивает нагрузку.",
            },
        ],
    },
    judge,
    holds: ("A waiting async task costs far less memory than a thread", "Ожидающая асинхронная задача занимает гораздо меньше памяти, чем поток"),
};

/// The footprint every task count starts from: the median whole-process
/// peak of `runner`'s loop waiting on one sleep (`py-asyncio` for
/// CPython, `tokio-mt` for Rust).
fn footprint(r: &Results, runner: &str, lang: Lang) -> Option<f64> {
    let one = case(r, runner, 1, lang).ok()?;
    let peaks = values(one, |r| r.process_peak_rss.map(|b| b.0 as f64));
    crate::Stat::of(&peaks).map(|s| s.median)
}

/// Memory per task, in bytes, per repetition: the process's peak less
/// `base`, over the tasks; without a base (or a whole-process peak), the
/// peak above the case's idle memory.
fn per_task(c: &CaseRecord, base: Option<f64>) -> Vec<f64> {
    let tasks = c.tasks.max(1) as f64;
    values(c, |r| match (base, r.process_peak_rss) {
        (Some(b), Some(p)) => Some((p.0 as f64 - b).max(0.0) / tasks),
        _ => Some(r.peak_rss.0 as f64 / tasks),
    })
}

/// A sleep case of `runner` with `tasks` in flight (py-threads with as
/// many threads).
fn case<'r>(
    r: &'r Results,
    runner: &str,
    tasks: u64,
    lang: Lang,
) -> Result<&'r CaseRecord, String> {
    find(
        r,
        "sleep",
        runner,
        |c| c.tasks == tasks && (runner != "py-threads" || c.workers == Some(tasks)),
        lang,
    )
}

/// The largest task count both runners were measured at; else the
/// largest `a` was planned at (so that a check names why it is missing).
fn common(r: &Results, a: &str, b: &str, lang: Lang) -> Option<u64> {
    let planned: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| c.workload == "sleep" && c.runner == a && c.tasks > 1)
        .map(|c| c.tasks)
        .collect();
    let both = planned
        .iter()
        .copied()
        .filter(|&n| case(r, a, n, lang).is_ok() && case(r, b, n, lang).is_ok())
        .max();
    both.or_else(|| planned.into_iter().max())
}

const PAIRS: [(&str, &str); 2] = [
    ("py-threads", "py-asyncio"),
    ("thread-per-task", "tokio-mt"),
];

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let mut parts = Vec::new();
    for (thread, task) in PAIRS {
        let n = common(r, thread, task, lang).unwrap_or(10_000);
        let (t, a) = (case(r, thread, n, lang), case(r, task, n, lang));
        let base = footprint(r, task, lang);
        if base.is_none() {
            ev.limits.push(match lang {
                Lang::En => format!("no single-sleep `{task}` case: memory per task is measured above each case's idle memory, which holds py-threads' threads already"),
                Lang::Ru => format!("нет замера `{task}` с одним ожиданием: память на задачу считается сверх простоя каждого замера, а в нём потоки py-threads уже созданы"),
            });
        }
        let per_task = |c: &CaseRecord| per_task(c, base);
        let what = match lang {
            Lang::En => format!("{thread} ÷ {task}, memory per waiting task, {n} in flight"),
            Lang::Ru => format!("{thread} ÷ {task}, память на ожидающую задачу, {n} одновременно"),
        };
        let check = Check::decide(
            what,
            "bytes_per_task",
            pair(&a, &t),
            ratio_of(&a, &t, per_task, lang),
            Expect::Above,
            FAR,
            lang,
        );
        if let (Ok(t), Ok(a), Some(ratio)) = (&t, &a, &check.ratio) {
            let med = |c: &CaseRecord| crate::Stat::of(&per_task(c)).map_or(0.0, |s| s.median);
            parts.push(match lang {
                Lang::En => format!(
                    "{} per thread against {} per task ({}, {n} in flight)",
                    local::bytes(med(t), lang),
                    local::bytes(med(a), lang),
                    times(ratio.value, lang)
                ),
                Lang::Ru => format!(
                    "{} на поток против {} на задачу ({}, {n} одновременно)",
                    local::bytes(med(t), lang),
                    local::bytes(med(a), lang),
                    times(ratio.value, lang)
                ),
            });
        }
        ev.checks.push(check);
    }
    ev.numbers = parts.join("; ");
    ev.limits.push(
        lang.pick(
            "Resident memory counts the pages a thread touched, not the stack it reserved (8 MiB of address space each by default): the figure is what the machine had to find, not what was promised.",
            "Резидентная память учитывает страницы, которых поток коснулся, а не зарезервированный стек (по умолчанию 8 МиБ адресного пространства): это то, что машине пришлось выделить, а не обещанное.",
        )
        .into(),
    );
    ev.figure = Some(figure(r, lang));
    ev
}

/// Memory per waiting task, by tasks in flight.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let mut counts: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| {
            c.workload == "sleep" && PAIRS.iter().any(|(a, b)| c.runner == *a || c.runner == *b)
        })
        .filter(|c| c.tasks >= 100)
        .map(|c| c.tasks)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let mut out = Vec::new();
    for (runner, loop_of) in [
        ("py-threads", "py-asyncio"),
        ("py-asyncio", "py-asyncio"),
        ("thread-per-task", "tokio-mt"),
        ("tokio-mt", "tokio-mt"),
    ] {
        let base = footprint(r, loop_of, lang);
        let mut first = None;
        let points: Vec<_> = counts
            .iter()
            .enumerate()
            .filter_map(|(i, &n)| {
                let c = case(r, runner, n, lang).ok()?;
                first.get_or_insert(c);
                median_point(i, &per_task(c, base), 1024.0)
            })
            .collect();
        if let Some(c) = first {
            out.push(series(c, runner.to_string(), points));
        }
    }
    bars(
        "C8",
        lang.pick(
            "sleep: peak memory per waiting task, threads against async tasks",
            "sleep: пиковая память на ожидающую задачу, потоки против асинхронных задач",
        )
        .into(),
        lang.pick(
            "The process's peak resident memory less that of the same language's event loop waiting on one sleep, over the tasks in flight. Medians with their 95 % intervals.",
            "Пиковая резидентная память процесса за вычетом памяти цикла событий того же языка с одним ожиданием, делённая на число одновременных задач. Медианы с 95-процентными интервалами.",
        )
        .into(),
        (
            lang.pick("tasks in flight", "задач одновременно").into(),
            lang.pick("memory per task (KiB)", "память на задачу (КиБ)").into(),
        ),
        counts.iter().map(|n| local::number(*n as f64, lang)).collect(),
        out,
    )
}

//! C8: an async task costs far less memory than a thread.
//!
//! Rule, on concurrent sleeps: the peak memory per waiting task must be
//! at least 3× larger with a thread per task than with an async task, at
//! the largest count both were measured at — `py-threads` (as many
//! threads as sleeps) against `py-asyncio`, and `thread-per-task` against
//! `tokio-mt`.
//!
//! Memory per task is what one more waiting task adds: the whole
//! process's peak less that of the same runner with fewer sleeps, over the
//! sleeps added. Not the peak above the case's idle memory: `py-threads`
//! starts its threads before the first batch, so their stacks are part of
//! its idle memory and would not count; and not over another runner's
//! footprint (`py-asyncio` imports more modules than `py-threads` does).

use super::{bars, median_point, series, sleep_case, thread_sleep_length, ClaimDef};
use crate::course::rule::{pair, ratio_of, values, Check, Expect};
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

/// The case a memory figure of `c` is taken from: the same runner's
/// case with the fewest sleeps of the same length, fewer than `c`'s (and
/// for `py-threads`, as many threads as sleeps).
fn smaller<'r>(r: &'r Results, c: &CaseRecord) -> Option<&'r CaseRecord> {
    r.cases
        .iter()
        .filter(|b| {
            b.workload == c.workload
                && b.runner == c.runner
                && b.workload_params == c.workload_params
                && b.tasks < c.tasks
                && (c.runner != "py-threads" || b.workers == Some(b.tasks))
                && crate::figures::is_drawable(b)
        })
        .min_by_key(|b| b.tasks)
}

/// `c` when it has a smaller case to be measured against ([`smaller`]),
/// else why not.
fn with_base<'r>(
    r: &'r Results,
    c: Result<&'r CaseRecord, String>,
    lang: Lang,
) -> Result<&'r CaseRecord, String> {
    let c = c?;
    smaller(r, c).map(|_| c).ok_or_else(|| match lang {
        Lang::En => format!(
            "`{}` has no case with fewer sleeps to be measured against",
            c.runner
        ),
        Lang::Ru => format!(
            "у `{}` нет замера с меньшим числом ожиданий, от которого считать",
            c.runner
        ),
    })
}

/// Memory per added waiting task, in bytes, per repetition of `c`: its
/// process's peak less the median peak of `base` (the same runner with
/// fewer tasks), over the tasks added. A difference of two task counts
/// of one runner, so that what the runner holds whatever the count (an
/// interpreter's modules, a pool's idle threads, a runtime) cancels out.
fn per_task(c: &CaseRecord, base: &CaseRecord) -> Vec<f64> {
    let peaks = values(base, |r| r.process_peak_rss.map(|b| b.0 as f64));
    let Some(b) = crate::Stat::of(&peaks) else {
        return Vec::new();
    };
    let added = c.tasks.saturating_sub(base.tasks).max(1) as f64;
    values(c, |r| {
        r.process_peak_rss
            .map(|p| (p.0 as f64 - b.median).max(0.0) / added)
    })
}

/// The largest task count both runners were measured at; else the
/// largest `a` was planned at (so that a check names why it is missing).
fn common(r: &Results, a: &str, b: &str, lang: Lang) -> Option<u64> {
    let length = thread_sleep_length(r);
    let planned: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| c.workload == "sleep" && c.runner == a && c.tasks > 1)
        .map(|c| c.tasks)
        .collect();
    let both = planned
        .iter()
        .copied()
        .filter(|&n| {
            sleep_case(r, a, n, length, lang).is_ok() && sleep_case(r, b, n, length, lang).is_ok()
        })
        .max();
    both.or_else(|| planned.into_iter().max())
}

const PAIRS: [(&str, &str); 2] = [
    ("py-threads", "py-asyncio"),
    ("thread-per-task", "tokio-mt"),
];

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let length = thread_sleep_length(r);
    let mut parts = Vec::new();
    for (thread, task) in PAIRS {
        let n = common(r, thread, task, lang).unwrap_or(10_000);
        let (t, a) = (
            sleep_case(r, thread, n, length, lang),
            sleep_case(r, task, n, length, lang),
        );
        // Each case over its own runner's smaller case.
        let (t, a) = (with_base(r, t, lang), with_base(r, a, lang));
        let per_task = |c: &CaseRecord| smaller(r, c).map_or_else(Vec::new, |b| per_task(c, b));
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
            let language = if thread == "py-threads" {
                "CPython"
            } else {
                "Rust"
            };
            parts.push(match lang {
                Lang::En => format!(
                    "{language} {} per thread, {} per task ({})",
                    local::bytes(med(t), lang),
                    local::bytes(med(a), lang),
                    times(ratio.value, lang)
                ),
                Lang::Ru => format!(
                    "{language} — {} на поток, {} на задачу ({})",
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
    let length = thread_sleep_length(r);
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
    for runner in ["py-threads", "py-asyncio", "thread-per-task", "tokio-mt"] {
        let mut first = None;
        let points: Vec<_> = counts
            .iter()
            .enumerate()
            .filter_map(|(i, &n)| {
                let c = sleep_case(r, runner, n, length, lang).ok()?;
                first.get_or_insert(c);
                median_point(i, &per_task(c, smaller(r, c)?), 1024.0)
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
            "What one more waiting task adds: the process's peak resident memory less the same runner's with fewer sleeps, over the sleeps added. Medians with their 95 % intervals.",
            "Сколько добавляет ещё одна ожидающая задача: пиковая резидентная память процесса за вычетом памяти той же модели с меньшим числом ожиданий, делённая на число добавленных ожиданий. Медианы с 95-процентными интервалами.",
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

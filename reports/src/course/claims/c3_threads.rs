//! C3: 100 threads are fine, 10 000 are terrible.
//!
//! Rule, on concurrent sleeps with a thread per task (`thread-per-task`):
//! at 100 threads the batch must last less than 1.2× the sleep itself
//! (fine: the threads cost little beside the wait), and at 10 000 threads
//! the batch must last at least 1.5× as long as at 100 (terrible: the
//! threads themselves now cost half a sleep or more). CPython's threads
//! and an async runtime are shown beside them for context, with the
//! memory each thread takes and the p99 latency.

use super::{bars, median_point, series, sleep_case, sleep_secs, thread_sleep_length, ClaimDef};
use crate::course::rule::{pair, ratio_of, wall, Check, Expect, Ratio};
use crate::course::{times, Claim, Evidence, Quote};
use crate::format::local;
use crate::{Lang, Results};

/// "Fine": at most a fifth longer than the sleep.
const FINE: f64 = 1.2;
/// "Terrible": half as long again as at 100.
const TERRIBLE: f64 = 1.5;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C3",
        short_en: "100 threads are fine, 10 000 are terrible",
        short_ru: "100 потоков — хорошо, 10 000 — ужасно",
        en: "A program that works well with 100 threads works terribly with 10 000.",
        ru: "Программа, которая хорошо работает со 100 потоками, ужасно работает с 10 000.",
        quotes: &[Quote {
            file: "000_dc2d6137d8000791.txt",
            lines: "119",
            text: "Многопоточный сетевой сервер может иметь прекрасную производительность при одновременной работе 100 потоков — и ужасную, когда их число увеличивается до 10 000. Вообще не стоит писать программы, запускающие 10 000 потоков, потому что каждый потребляет ресурсы системы и увеличивает нагрузку.",
        }],
    },
    judge,
    holds: ("100 threads are fine, 10 000 are not", "100 потоков — хорошо, 10 000 — плохо"),
};

/// Runners shown: a thread per task (judged), then context.
const RUNNERS: [&str; 4] = ["thread-per-task", "py-threads", "tokio-mt", "py-asyncio"];

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let length = thread_sleep_length(r);
    let few = sleep_case(r, "thread-per-task", 100, length, lang);
    let many = sleep_case(r, "thread-per-task", 10_000, length, lang);
    let fine = match &few {
        Ok(c) => sleep_secs(c)
            .and_then(|d| Ratio::over(&wall(c), d))
            .ok_or_else(|| {
                lang.pick("no sleep length", "неизвестна длина ожидания")
                    .to_string()
            }),
        Err(e) => Err(e.clone()),
    };
    let fine = Check::decide(
        lang.pick(
            "thread-per-task: 100 threads, wall ÷ the sleep",
            "thread-per-task: 100 потоков, время ÷ длина ожидания",
        )
        .into(),
        "wall",
        (None, few.as_ref().ok().copied()),
        fine,
        Expect::Below,
        FINE,
        lang,
    );
    let terrible = Check::decide(
        lang.pick(
            "thread-per-task: 10 000 threads ÷ 100, wall",
            "thread-per-task: 10 000 потоков ÷ 100, время",
        )
        .into(),
        "wall",
        pair(&few, &many),
        ratio_of(&few, &many, wall, lang),
        Expect::Above,
        TERRIBLE,
        lang,
    );
    let x = |c: &Check| c.ratio.map_or("—".to_string(), |r| times(r.value, lang));
    ev.numbers = match lang {
        Lang::En => format!(
            "100 threads take {} the sleep itself, 10 000 threads {} as long as 100",
            x(&fine),
            x(&terrible)
        ),
        Lang::Ru => format!(
            "100 потоков — {} длины самого ожидания, 10 000 потоков — в {} дольше, чем 100",
            x(&fine),
            terrible
                .ratio
                .map_or("—".to_string(), |r| local::times_count(r.value))
        ),
    };
    ev.checks = vec![fine, terrible];
    for runner in &RUNNERS[1..] {
        let a = sleep_case(r, runner, 100, length, lang);
        let b = sleep_case(r, runner, 10_000, length, lang);
        if a.is_ok() || b.is_ok() {
            let what = match lang {
                Lang::En => format!("{runner}: 10 000 ÷ 100, wall"),
                Lang::Ru => format!("{runner}: 10 000 ÷ 100, время"),
            };
            ev.checks.push(
                Check::decide(
                    what,
                    "wall",
                    pair(&a, &b),
                    ratio_of(&a, &b, wall, lang),
                    Expect::Above,
                    TERRIBLE,
                    lang,
                )
                .context(),
            );
        }
    }
    // What a thread costs: memory per task and the slowest sleeps.
    for runner in RUNNERS {
        for tasks in [100, 10_000] {
            let Ok(c) = sleep_case(r, runner, tasks, length, lang) else {
                continue;
            };
            let Some(s) = c.summary.as_ref() else {
                continue;
            };
            let per_task = s.peak_rss_bytes.median / tasks as f64;
            ev.notes.push(match lang {
                Lang::En => format!(
                    "{runner}, {tasks} sleeps: {} of memory per task, p99 latency {}",
                    local::bytes(per_task, lang),
                    local::duration(s.latency_p99_s.median, lang)
                ),
                Lang::Ru => format!(
                    "{runner}, {tasks} ожиданий: {} памяти на задачу, p99 задержки {}",
                    local::bytes(per_task, lang),
                    local::duration(s.latency_p99_s.median, lang)
                ),
            });
        }
    }
    if let Some(m) = r.environment.max_map_count {
        ev.limits.push(match lang {
            Lang::En => format!(
                "`vm.max_map_count` is {m}: a process cannot hold more than about {} threads",
                m / 4
            ),
            Lang::Ru => format!(
                "`vm.max_map_count` = {m}: процесс не удержит больше примерно {} потоков",
                m / 4
            ),
        });
    }
    ev.figure = Some(figure(r, lang));
    ev
}

/// Wall time over the sleep's own length, per runner and thread count.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let length = thread_sleep_length(r);
    let mut counts: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| c.workload == "sleep" && c.runner == "thread-per-task")
        .map(|c| c.tasks)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let mut out = Vec::new();
    for runner in RUNNERS {
        let mut first = None;
        let points: Vec<_> = counts
            .iter()
            .enumerate()
            .filter_map(|(i, &n)| {
                let c = sleep_case(r, runner, n, length, lang).ok()?;
                first.get_or_insert(c);
                median_point(i, &wall(c), sleep_secs(c)?)
            })
            .collect();
        if let Some(c) = first {
            out.push(series(c, runner.to_string(), points));
        }
    }
    bars(
        "C3",
        lang.pick(
            "sleep: a batch's wall time over the sleep, by threads (or tasks) in flight",
            "sleep: время пакета, делённое на длину ожидания, по числу потоков (или задач)",
        )
        .into(),
        lang.pick(
            "1× means the threads cost nothing beside the wait; each bar is a median with its 95 % interval.",
            "1× значит, что потоки ничего не стоят на фоне ожидания; каждый столбец — медиана с 95-процентным интервалом.",
        )
        .into(),
        (
            lang.pick("threads or tasks in flight", "потоков или задач одновременно").into(),
            lang.pick("wall time ÷ sleep (×)", "время ÷ ожидание (×)").into(),
        ),
        counts
            .iter()
            .map(|n| local::number(*n as f64, lang))
            .collect(),
        out,
    )
}

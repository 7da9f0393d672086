//! C1: CPU-bound Python code does not get faster in threads (the GIL);
//! in processes it does; Rust threads do.
//!
//! Rule: at N workers (the most measured, at most the cores), the
//! speed-up of `countdown` over its sequential baseline — the ratio of
//! throughputs, with its 95 % interval — must be below 1.2 for
//! `py-threads` over `py-seq`, and at least 1.2 for `py-fork` over
//! `py-seq` and for `thread-pool` over `seq`. 1.2 is a fifth faster:
//! less than any real parallel gain on two cores (ideal: 2×), more than
//! what a GIL-bound model's noise reaches.

use super::{bars, judged_workers, point, same_work, series, workers_label, ClaimDef};
use crate::course::rule::{find, pair, ratio_of, throughput, Check, Expect, Outcome};
use crate::course::{times, Claim, Evidence, Quote};
use crate::{Lang, Results};

/// The speed-up threshold.
const FASTER: f64 = 1.2;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C1",
        short_en: "The GIL: threads do not speed up Python's CPU work",
        short_ru: "GIL: потоки не ускоряют вычисления на Python",
        en: "CPU-bound Python code does not get faster in threads (the GIL); in processes it does; Rust threads do.",
        ru: "Вычисления на Python не ускоряются в потоках (GIL), а в процессах ускоряются; потоки Rust ускоряются.",
        quotes: &[
            Quote {
                file: "000_dc2d6137d8000791.txt",
                lines: "117",
                text: "разделение приложения, выполняющего объемные вычисления, на несколько потоков не только не дает преимуществ, но и снижает производительность программы. Это снижение окажется намного существеннее, чем вы могли бы предположить. Подобные программы лучше реализовывать в виде нескольких процессов",
            },
            Quote {
                file: "001_d49bf07d4e216a0a.txt",
                lines: "264–272",
                text: "`def countdown(n): while n > 0: n -= 1` … `with multiprocessing.Pool(2) as p: p.apply_async(countdown, (100000000,)); p.apply_async(countdown, (100000000,))`",
            },
            Quote {
                file: "002_7e41121ff32d9a8f.txt",
                lines: "196",
                text: "Во многих языках программирования потоки создавались именно для того, чтобы выполнять задачи параллельно, но не в Python. А виноват в этом GIL.",
            },
        ],
    },
    judge,
    holds: ("CPython threads do not speed up countdown, processes and Rust threads do", "Потоки CPython не ускоряют countdown, процессы и потоки Rust — ускоряют"),
};

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let runners = ["py-threads", "py-fork", "thread-pool", "rayon"];
    let Some(n) = judged_workers(r, "countdown", &runners) else {
        ev.checks.push(Check::decide(
            lang.pick("countdown speed-ups", "ускорения countdown")
                .into(),
            "throughput",
            (None, None),
            Err(lang
                .pick(
                    "this run has no countdown cases with a worker count",
                    "в этом прогоне нет замеров countdown с числом исполнителей",
                )
                .into()),
            Expect::Above,
            FASTER,
            lang,
        ));
        return ev;
    };
    // Each model over its own language's sequential run of the same work.
    let speedup = |runner: &str, base: &str, workers: u64, expect: Expect| {
        let new = find(r, "countdown", runner, |c| c.workers == Some(workers), lang);
        let seq = match &new {
            Ok(c) => find(r, "countdown", base, |b| same_work(b, c), lang),
            Err(_) => find(r, "countdown", base, |_| true, lang),
        };
        let what = match lang {
            Lang::En => format!(
                "{runner} ÷ {base}, throughput, {}",
                workers_label(workers, lang)
            ),
            Lang::Ru => format!(
                "{runner} ÷ {base}, пропускная способность, {}",
                workers_label(workers, lang)
            ),
        };
        let ratio = ratio_of(&seq, &new, throughput, lang);
        Check::decide(
            what,
            "throughput",
            pair(&seq, &new),
            ratio,
            expect,
            FASTER,
            lang,
        )
    };
    let mut threads = speedup("py-threads", "py-seq", n, Expect::Below);
    let mut procs = speedup("py-fork", "py-seq", n, Expect::Above);
    let mut rust = speedup("thread-pool", "seq", n, Expect::Above);
    if r.environment.logical_cores < 2 {
        let why = lang.pick(
            "one core: nothing can run in parallel here",
            "одно ядро: здесь ничто не выполняется параллельно",
        );
        for c in [&mut threads, &mut procs, &mut rust] {
            c.outcome = Outcome::Inconclusive;
            c.why = Some(why.into());
        }
    }
    let x = |c: &Check| c.ratio.map_or("—".to_string(), |r| times(r.value, lang));
    ev.numbers = match lang {
        Lang::En => format!(
            "CPython threads {}, processes {}, Rust threads {} on {n} workers",
            x(&threads),
            x(&procs),
            x(&rust)
        ),
        Lang::Ru => format!(
            "потоки CPython — {}, процессы — {}, потоки Rust — {} ({})",
            x(&threads),
            x(&procs),
            x(&rust),
            workers_label(n, lang)
        ),
    };
    let rayon = speedup("rayon", "seq", n, Expect::Above).context();
    ev.checks = vec![threads, procs, rust, rayon];
    ev.figure = Some(figure(r, lang));
    ev
}

/// Speed-up over the sequential baseline, one bar per model and worker
/// count.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let mut workers: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| c.workload == "countdown")
        .filter_map(|c| c.workers)
        .collect();
    workers.sort_unstable();
    workers.dedup();
    let mut out = Vec::new();
    for (runner, base) in [
        ("py-threads", "py-seq"),
        ("py-fork", "py-seq"),
        ("thread-pool", "seq"),
        ("rayon", "seq"),
    ] {
        let mut points = Vec::new();
        let mut any = None;
        for (i, w) in workers.iter().enumerate() {
            let Ok(c) = find(r, "countdown", runner, |c| c.workers == Some(*w), lang) else {
                continue;
            };
            let Ok(b) = find(r, "countdown", base, |b| same_work(b, c), lang) else {
                continue;
            };
            if let Some(ratio) = crate::course::Ratio::of(&throughput(b), &throughput(c)) {
                points.push(point(i, &ratio));
                any = Some(c);
            }
        }
        if let Some(c) = any {
            out.push(series(c, format!("{runner} ÷ {base}"), points));
        }
    }
    bars(
        "C1",
        lang.pick(
            "countdown: speed-up over one after another (1× = no gain)",
            "countdown: ускорение относительно последовательного запуска (1× — без выигрыша)",
        )
        .into(),
        lang.pick(
            "Each bar is a model's throughput over its own language's sequential run of the same countdown tasks, with the 95 % interval of that ratio.",
            "Каждый столбец — пропускная способность модели, делённая на последовательный запуск тех же задач countdown на том же языке, с 95-процентным интервалом этого отношения.",
        )
        .into(),
        (
            lang.pick("workers", "исполнители").into(),
            lang.pick("speed-up (×)", "ускорение (×)").into(),
        ),
        workers.iter().map(|w| workers_label(*w, lang)).collect(),
        out,
    )
}

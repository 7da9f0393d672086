//! C9: C code that releases the GIL runs in parallel in threads
//! (`hashlib` on large buffers, `time.sleep`).
//!
//! Rule: at N threads (the most measured, at most the cores), the
//! speed-up of `py-threads` over `py-seq` must be at least 1.2 on
//! `sha256` over 64 KiB buffers (`hashlib` releases the GIL above 2 KiB)
//! and on `sleep` (`time.sleep` releases it). Countdown under the same
//! threads, which holds the GIL, is shown beside them for context.

use super::{bars, judged_workers, point, same_work, series, workers_label, ClaimDef};
use crate::course::rule::{find, pair, ratio_of, throughput, Check, Expect, Ratio};
use crate::course::{times, Claim, Evidence, Quote};
use crate::{Lang, Results};

/// The speed-up threshold, as in C1.
const FASTER: f64 = 1.2;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C9",
        short_en: "C code that releases the GIL runs in parallel in threads",
        short_ru: "Код на C, отпускающий GIL, выполняется в потоках параллельно",
        en: "C code that releases the GIL (`hashlib` on large buffers, `time.sleep`) runs in parallel in Python threads.",
        ru: "Код на C, который отпускает GIL (`hashlib` на больших буферах, `time.sleep`), выполняется в потоках Python параллельно.",
        quotes: &[Quote {
            file: "002_7e41121ff32d9a8f.txt",
            lines: "545–547",
            text: "Например, библиотеки `hashlib` и `NumPy` выполняют расчеты на чистом C и освобождают GIL. `time.sleep()` — реализация этой функции освобождает GIL и выполняется на уровне системы и работает вне кода Python.",
        }],
    },
    judge,
    holds: ("`hashlib` and `time.sleep` run in parallel in CPython threads", "`hashlib` и `time.sleep` выполняются в потоках CPython параллельно"),
};

/// The workloads compared: the two that release the GIL, then countdown.
const WORKLOADS: [&str; 3] = ["sha256", "sleep", "countdown"];

/// py-threads at `workers` over py-seq on the same `workload` work.
fn speedup(r: &Results, workload: &str, workers: u64, expect: Expect, lang: Lang) -> Check {
    let new = find(
        r,
        workload,
        "py-threads",
        |c| c.workers == Some(workers),
        lang,
    );
    let seq = match &new {
        Ok(c) => find(r, workload, "py-seq", |b| same_work(b, c), lang),
        Err(_) => find(r, workload, "py-seq", |_| true, lang),
    };
    let what = match lang {
        Lang::En => format!(
            "{workload}: py-threads ÷ py-seq, throughput, {}",
            workers_label(workers, lang)
        ),
        Lang::Ru => format!(
            "{workload}: py-threads ÷ py-seq, пропускная способность, {}",
            workers_label(workers, lang)
        ),
    };
    Check::decide(
        what,
        "throughput",
        pair(&seq, &new),
        ratio_of(&seq, &new, throughput, lang),
        expect,
        FASTER,
        lang,
    )
}

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let n = judged_workers(r, "sha256", &["py-threads"]).unwrap_or(2);
    let hash = speedup(r, "sha256", n, Expect::Above, lang);
    let sleep = speedup(r, "sleep", n, Expect::Above, lang);
    let count = speedup(r, "countdown", n, Expect::Below, lang).context();
    let x = |c: &Check| c.ratio.map_or("—".to_string(), |r| times(r.value, lang));
    ev.numbers = match lang {
        Lang::En => format!(
            "{n} threads: sha256 {}, sleep {}, countdown {}",
            x(&hash),
            x(&sleep),
            x(&count)
        ),
        Lang::Ru => format!(
            "{}: sha256 — {}, sleep — {}, countdown — {}",
            lang.count(n, ("thread", "threads"), ("поток", "потока", "потоков")),
            x(&hash),
            x(&sleep),
            x(&count)
        ),
    };
    ev.checks = vec![hash, sleep, count];
    ev.figure = Some(figure(r, n, lang));
    ev
}

/// py-threads' speed-up over py-seq per workload.
fn figure(r: &Results, n: u64, lang: Lang) -> crate::figures::Plot {
    let mut points = Vec::new();
    let mut first = None;
    for (i, w) in WORKLOADS.iter().enumerate() {
        let Ok(c) = find(r, w, "py-threads", |c| c.workers == Some(n), lang) else {
            continue;
        };
        let Ok(b) = find(r, w, "py-seq", |b| same_work(b, c), lang) else {
            continue;
        };
        if let Some(ratio) = Ratio::of(&throughput(b), &throughput(c)) {
            points.push(point(i, &ratio));
            first.get_or_insert(c);
        }
    }
    // The worker count is in the headline and the x axis's categories
    // speak of one count: the legend stays short enough to read.
    let out = first
        .map(|c| vec![series(c, "py-threads ÷ py-seq".into(), points)])
        .unwrap_or_default();
    bars(
        "C9",
        format!(
            "{}: {}",
            lang.count(
                n,
                ("CPython thread", "CPython threads"),
                ("поток CPython", "потока CPython", "потоков CPython")
            ),
            lang.pick(
                "speed-up over one after another, by what the task does",
                "ускорение относительно последовательного запуска по роду задачи",
            )
        ),
        lang.pick(
            "sha256 hashes 64 KiB buffers with hashlib, sleep calls `time.sleep`, countdown is pure Python. Ratios of throughputs with their 95 % intervals.",
            "sha256 хеширует буферы по 64 КиБ через hashlib, sleep вызывает `time.sleep`, countdown — чистый Python. Отношения пропускной способности с 95-процентными интервалами.",
        )
        .into(),
        (
            lang.pick("workload", "нагрузка").into(),
            lang.pick("speed-up (×)", "ускорение (×)").into(),
        ),
        WORKLOADS.iter().map(|s| s.to_string()).collect(),
        out,
    )
}

//! C5: CPU work blocks the event loop; offloading it keeps the loop
//! responsive.
//!
//! Rule, on `loop-lag` (a heartbeat timer beside CPU tasks): the p99
//! lateness of the heartbeat with the CPU work inline on the loop must
//! be at least 2× its lateness with the work offloaded — for
//! `py-asyncio` to a thread (`asyncio.to_thread`) and to a process
//! (`run_in_executor` with a `ProcessPoolExecutor`), and for `tokio-mt`
//! to its blocking pool. Twice is a conservative floor: a blocked loop is
//! late by a whole task, a free one by a scheduling slice.

use super::{bars, median_point, series, ClaimDef};
use crate::course::rule::{find, pair, param, ratio_of, values, Check, Expect};
use crate::course::{Claim, Evidence, Quote};
use crate::format::local;
use crate::{CaseRecord, Lang, Results};

/// Offloading at least halves the lateness.
const BLOCKS: f64 = 2.0;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C5",
        short_en: "CPU work blocks the event loop; offloading frees it",
        short_ru: "Вычисления блокируют цикл событий; вынос их освобождает",
        en: "CPU-bound work blocks every task of an event loop; moving it to a thread or a process keeps the loop responsive.",
        ru: "Вычисления блокируют все задачи цикла событий; вынос их в поток или процесс сохраняет отзывчивость цикла.",
        quotes: &[Quote {
            file: "002_7e41121ff32d9a8f.txt",
            lines: "964",
            text: "CPU bound операции блокируют все задачи.",
        }],
    },
    judge,
    holds: ("CPU work blocks the event loop; offloading keeps it on time", "Вычисления блокируют цикл событий, вынос сохраняет его отзывчивость"),
};

/// The heartbeat's p99 lateness per repetition, in seconds.
fn lag_p99(c: &CaseRecord) -> Vec<f64> {
    values(c, |r| r.loop_lag.as_ref().map(|l| l.p99.secs()))
}

/// The configurations the figure shows: those the rule judges, the
/// inline one first per runner (smol, for context, is in the table only).
const CONFIGS: [(&str, &str); 5] = [
    ("py-asyncio", "inline"),
    ("py-asyncio", "thread"),
    ("py-asyncio", "process"),
    ("tokio-mt", "inline"),
    ("tokio-mt", "offload"),
];

fn case<'r>(r: &'r Results, runner: &str, cpu: &str, lang: Lang) -> Result<&'r CaseRecord, String> {
    find(
        r,
        "loop-lag",
        runner,
        |c| param(c, "cpu") == Some(cpu),
        lang,
    )
}

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    // runner → its inline lateness and each offloaded one.
    let mut parts: Vec<(&str, String, Vec<String>)> = Vec::new();
    for (runner, offload, counts) in [
        ("py-asyncio", "thread", true),
        ("py-asyncio", "process", true),
        ("tokio-mt", "offload", true),
        ("smol", "offload", false),
    ] {
        let inline = case(r, runner, "inline", lang);
        let off = case(r, runner, offload, lang);
        let what = match lang {
            Lang::En => format!("{runner}: cpu=inline ÷ cpu={offload}, heartbeat p99 lateness"),
            Lang::Ru => format!("{runner}: cpu=inline ÷ cpu={offload}, p99 опоздания пульса"),
        };
        let check = Check::decide(
            what,
            "loop_lag_p99",
            pair(&off, &inline),
            ratio_of(&off, &inline, lag_p99, lang),
            Expect::Above,
            BLOCKS,
            lang,
        );
        if counts {
            if let (Ok(i), Ok(o)) = (&inline, &off) {
                let med = |c: &CaseRecord| crate::Stat::of(&lag_p99(c)).map_or(0.0, |s| s.median);
                let how = match (offload, lang) {
                    ("thread", Lang::En) => "thread",
                    ("thread", Lang::Ru) => "поток",
                    ("process", Lang::En) => "process",
                    ("process", Lang::Ru) => "процесс",
                    (_, Lang::En) => "offload",
                    (_, Lang::Ru) => "вынос",
                };
                let off = format!("{} ({how})", local::short_duration(med(o), lang));
                match parts.iter_mut().find(|p| p.0 == runner) {
                    Some(p) => p.2.push(off),
                    None => parts.push((runner, local::short_duration(med(i), lang), vec![off])),
                }
            }
            ev.checks.push(check);
        } else if inline.is_ok() || off.is_ok() {
            ev.checks.push(check.context());
        }
    }
    let parts: Vec<String> = parts
        .iter()
        .map(|(runner, inline, off)| format!("{runner} {inline} → {}", off.join(", ")))
        .collect();
    ev.numbers = match lang {
        Lang::En => format!("heartbeat p99 late by {}", parts.join("; ")),
        Lang::Ru => format!("p99 опоздания пульса: {}", parts.join("; ")),
    };
    ev.figure = Some(figure(r, lang));
    ev
}

/// The heartbeat's p99 lateness per configuration.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let runners = ["py-asyncio", "tokio-mt"];
    let mut out = Vec::new();
    for (runner, cpu) in CONFIGS {
        let Ok(c) = case(r, runner, cpu, lang) else {
            continue;
        };
        let Some(i) = runners.iter().position(|x| *x == runner) else {
            continue;
        };
        let Some(p) = median_point(i, &lag_p99(c), 1e-3) else {
            continue;
        };
        out.push(series(c, format!("{runner} cpu={cpu}"), vec![p]));
    }
    bars(
        "C5",
        lang.pick(
            "loop-lag: how late a 1 ms heartbeat wakes beside CPU work, p99",
            "loop-lag: насколько опаздывает пульс раз в 1 мс рядом с вычислениями, p99",
        )
        .into(),
        lang.pick(
            "cpu=inline runs the countdowns on the loop; thread, process and offload move them off it. Medians of each repetition's p99, with their 95 % intervals.",
            "cpu=inline выполняет countdown в самом цикле; thread, process и offload выносят их из него. Медианы p99 по повторениям с 95-процентными интервалами.",
        )
        .into(),
        (
            lang.pick("event loop", "цикл событий").into(),
            lang.pick("heartbeat lateness, p99 (ms)", "опоздание пульса, p99 (мс)").into(),
        ),
        runners.iter().map(|s| s.to_string()).collect(),
        out,
    )
}

//! C4: fork starts a pool faster than forkserver, which starts faster
//! than spawn; fork's cost grows with the parent's memory.
//!
//! Rule, on CPython's pools (the course's subject): the start-up of a
//! `Pool` — the pool's own part, the interpreter's start left out — must
//! be at least 1.1× longer under forkserver than under fork, and under
//! spawn than under forkserver, with an empty parent; and under fork, at
//! least 1.2× longer with the largest parent measured (1 GiB) than with
//! an empty one. Each ratio is over the start-ups a case repeated
//! (`starts`); a case that started once has no interval, and its check
//! is inconclusive. Rust's pools are shown beside them for context.

use super::{bars, median_point, series, ClaimDef};
use crate::course::rule::{find, pair, Check, Expect, Ratio};
use crate::course::{times, Claim, Evidence, Quote};
use crate::format::local;
use crate::{CaseRecord, Lang, Results};

/// One start method slower than another: by a tenth at least.
const SLOWER: f64 = 1.1;
/// fork's start with a large parent: a fifth longer at least.
const GROWS: f64 = 1.2;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C4",
        short_en: "fork starts faster than forkserver, forkserver than spawn",
        short_ru: "fork запускается быстрее forkserver, forkserver — быстрее spawn",
        en: "A process pool starts fastest with fork, then forkserver, then spawn; fork's start grows with the parent's memory.",
        ru: "Пул процессов быстрее всего запускается через fork, затем forkserver, затем spawn; запуск через fork дорожает с памятью родителя.",
        quotes: &[
            Quote {
                file: "003_316eabcc66477576.txt",
                lines: "76",
                text: "**Преимущества:** быстрый запуск (просто копируется память процесса)",
            },
            Quote {
                file: "003_316eabcc66477576.txt",
                lines: "103, 118",
                text: "[spawn] медленнее `fork` (требуется запуск нового интерпретатора) … [forkserver] быстрее `spawn` после первоначального запуска сервера",
            },
            Quote {
                file: "004_84cef44e44ee8278.txt",
                lines: "57",
                text: "Запуск процесса с использованием этого метода довольно медленный по сравнению с использованием fork или forkserver.",
            },
        ],
    },
    judge,
    holds: ("fork starts first, then forkserver, then spawn", "fork запускается быстрее всех, затем forkserver, затем spawn"),
};

/// Every start-up a case measured, in seconds: the pool's own part (for
/// CPython, without the interpreter's start).
pub(crate) fn startups(c: &CaseRecord) -> Vec<f64> {
    c.startup_samples()
}

/// The parent's memory of a case, in MiB (0 when not set).
fn parent_mb(c: &CaseRecord) -> u64 {
    c.runner_params
        .get("parent_mb")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether `c` belongs to the start-up sweep: a pool case of `noop`
/// with the task count of the cases whose parent holds memory (the
/// chunk-size sweep's cases carry `parent_mb=0` too), and a start-up.
fn in_sweep(r: &Results, c: &CaseRecord) -> bool {
    let tasks = super::noop_tasks(r, |c| parent_mb(c) > 0);
    c.runner_params.contains_key("parent_mb") && Some(c.tasks) == tasks && c.startup.is_some()
}

fn ratio(
    base: &Result<&CaseRecord, String>,
    new: &Result<&CaseRecord, String>,
    lang: Lang,
) -> Result<Ratio, String> {
    let (b, n) = match (base, new) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) | (_, Err(e)) => return Err(e.clone()),
    };
    Ratio::of(&startups(b), &startups(n)).ok_or_else(|| {
        lang.pick(
            "one start-up per case: no interval (run with --starts 5)",
            "по одному запуску на замер: интервала нет (запустите с --starts 5)",
        )
        .to_string()
    })
}

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let largest = r
        .cases
        .iter()
        .filter(|c| c.runner == "py-fork" || c.runner == "fork-pool")
        .map(parent_mb)
        .max()
        .unwrap_or(0);
    let case = |runner: &str, mb: u64| {
        find(
            r,
            "noop",
            runner,
            |c| in_sweep(r, c) && parent_mb(c) == mb,
            lang,
        )
    };
    for (fork, forkserver, spawn, counts) in [
        ("py-fork", "py-forkserver", "py-spawn", true),
        ("fork-pool", "forkserver-pool", "spawn-pool", false),
    ] {
        let (f, fs, s) = (case(fork, 0), case(forkserver, 0), case(spawn, 0));
        let big = case(fork, largest);
        let what = |a: &str, b: &str| match lang {
            Lang::En => format!("{a} ÷ {b}, pool start-up, empty parent"),
            Lang::Ru => format!("{a} ÷ {b}, запуск пула, пустой родитель"),
        };
        let mut checks = vec![
            Check::decide(
                what(forkserver, fork),
                "startup",
                pair(&f, &fs),
                ratio(&f, &fs, lang),
                Expect::Above,
                SLOWER,
                lang,
            ),
            Check::decide(
                what(spawn, forkserver),
                "startup",
                pair(&fs, &s),
                ratio(&fs, &s, lang),
                Expect::Above,
                SLOWER,
                lang,
            ),
        ];
        if largest > 0 {
            let what = match lang {
                Lang::En => format!(
                    "{fork}: parent of {} ÷ empty, pool start-up",
                    local::bytes(largest as f64 * 1048576.0, lang)
                ),
                Lang::Ru => format!(
                    "{fork}: родитель {} ÷ пустой, запуск пула",
                    local::bytes(largest as f64 * 1048576.0, lang)
                ),
            };
            checks.push(Check::decide(
                what,
                "startup",
                pair(&f, &big),
                ratio(&f, &big, lang),
                Expect::Above,
                GROWS,
                lang,
            ));
        }
        if counts {
            let x = |c: &Check| c.ratio.map_or("—".to_string(), |r| times(r.value, lang));
            let ms = |c: &Result<&CaseRecord, String>| {
                c.as_ref()
                    .ok()
                    .and_then(|c| crate::Stat::of(&startups(c)))
                    .map_or("—".to_string(), |s| local::short_duration(s.median, lang))
            };
            let parent = local::bytes(largest as f64 * 1048576.0, lang);
            ev.numbers = match lang {
                Lang::En => format!(
                    "Pool starts in {} with fork, {} with forkserver, {} with spawn; fork with a {parent} parent takes {} as long",
                    ms(&f),
                    ms(&fs),
                    ms(&s),
                    checks.get(2).map_or("—".to_string(), x)
                ),
                Lang::Ru => format!(
                    "Pool запускается за {} через fork, {} через forkserver, {} через spawn; fork при родителе в {parent} — в {} дольше",
                    ms(&f),
                    ms(&fs),
                    ms(&s),
                    checks
                        .get(2)
                        .and_then(|c| c.ratio)
                        .map_or("—".to_string(), |r| local::times_count(r.value))
                ),
            };
        } else {
            checks = checks.into_iter().map(Check::context).collect();
        }
        ev.checks.extend(checks);
    }
    ev.notes.push(
        lang.pick(
            "Rust's forkserver-pool spawns its server for every pool, so its start-up includes one spawn: the course's ordering is about CPython's multiprocessing, whose forkserver is started once per program.",
            "forkserver-pool в Rust запускает свой сервер для каждого пула, поэтому в его запуск входит один spawn: порядок из курса относится к multiprocessing в CPython, где сервер запускается один раз на программу.",
        )
        .into(),
    );
    ev.figure = Some(figure(r, lang));
    ev
}

/// Pool start-up per start method, by the parent's memory.
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    let mut sizes: Vec<u64> = r
        .cases
        .iter()
        .filter(|c| c.workload == "noop" && in_sweep(r, c))
        .map(parent_mb)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut out = Vec::new();
    for runner in [
        "py-fork",
        "py-forkserver",
        "py-spawn",
        "fork-pool",
        "forkserver-pool",
        "spawn-pool",
    ] {
        let mut first = None;
        let points: Vec<_> = sizes
            .iter()
            .enumerate()
            .filter_map(|(i, &mb)| {
                let c = find(
                    r,
                    "noop",
                    runner,
                    |c| in_sweep(r, c) && parent_mb(c) == mb,
                    lang,
                )
                .ok()?;
                first.get_or_insert(c);
                median_point(i, &startups(c), 1e-3)
            })
            .collect();
        if let Some(c) = first {
            out.push(series(c, runner.to_string(), points));
        }
    }
    bars(
        "C4",
        lang.pick(
            "noop: a pool's start-up by start method and the parent's memory",
            "noop: запуск пула по способу запуска и памяти родителя",
        )
        .into(),
        lang.pick(
            "The pool's own start-up (CPython's interpreter start left out), median over the case's starts with its 95 % interval.",
            "Собственный запуск пула (без запуска интерпретатора CPython), медиана по запускам замера с 95-процентным интервалом.",
        )
        .into(),
        (
            lang.pick("the parent's memory", "память родителя").into(),
            lang.pick("pool start-up (ms)", "запуск пула (мс)").into(),
        ),
        sizes
            .iter()
            .map(|mb| local::bytes(*mb as f64 * 1048576.0, lang))
            .collect(),
        out,
    )
}

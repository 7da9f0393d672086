//! The course deck's verdict rules on synthetic results: for every claim,
//! measurements that support it hold, measurements that contradict it
//! refute it, and missing or noisy measurements leave it inconclusive;
//! and the deck renders from results alone in both languages.

use std::collections::BTreeMap;
use std::path::Path;

use bakeoff_reports::course::{self, Outcome};
use bakeoff_reports::{
    Bytes, CaseRecord, CaseStatus, Failure, Family, Interference, Lang, Nanos, Percentiles, Results,
};

fn fixture() -> Results {
    Results::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpu-small.json"))
        .unwrap()
}

/// How a scenario's values are spread over a case's 7 repetitions.
#[derive(Clone, Copy, PartialEq)]
enum Spread {
    /// About ±2 %.
    Tight,
    /// From half to one and a half times.
    Wild,
}

fn spread(x: f64, s: Spread) -> Vec<f64> {
    let k: &[f64] = match s {
        Spread::Tight => &[0.99, 1.0, 1.01, 0.995, 1.005, 0.98, 1.02],
        Spread::Wild => &[0.5, 1.6, 0.8, 1.3, 1.0, 0.6, 1.5],
    };
    k.iter().map(|k| x * k).collect()
}

/// What one case measured in each repetition.
#[derive(Clone, Copy, Default)]
struct Values {
    /// Seconds per batch.
    wall: f64,
    /// The heartbeat's p99 lateness, seconds.
    lag: Option<f64>,
    /// The whole process's peak, bytes.
    process_peak: Option<f64>,
    /// Pool start-up, seconds.
    startup: Option<f64>,
}

/// Builds synthetic runs from one template case.
struct Run {
    template: CaseRecord,
    spread: Spread,
    cases: Vec<CaseRecord>,
}

impl Run {
    fn new(spread: Spread) -> Run {
        let template = fixture()
            .cases
            .into_iter()
            .find(|c| c.status == CaseStatus::Ok)
            .unwrap();
        Run {
            template,
            spread,
            cases: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        workload: &str,
        runner: &str,
        workers: Option<u64>,
        tasks: u64,
        wparams: &[(&str, &str)],
        rparams: &[(&str, &str)],
        v: Values,
    ) {
        let mut c = self.template.clone();
        let map = |p: &[(&str, &str)]| -> BTreeMap<String, String> {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        c.workload = workload.into();
        c.runner = runner.into();
        c.family = family(runner);
        c.workers = workers;
        c.tasks = tasks;
        c.workload_params = map(wparams);
        c.runner_params = map(rparams);
        c.runner_label = None;
        c.id = format!("{workload}{wparams:?}/{runner}{rparams:?}/w{workers:?}/t{tasks}");
        let first = c.repetitions[0].clone();
        let walls = spread(v.wall, self.spread);
        c.repetitions = walls
            .iter()
            .map(|&wall| {
                let mut r = first.clone();
                let k = wall / v.wall;
                r.wall = Nanos((wall * 1e9) as u64);
                r.throughput = tasks as f64 / wall;
                r.loop_lag = v.lag.map(|l| {
                    let n = Nanos((l * k * 1e9) as u64);
                    Percentiles {
                        p50: n,
                        p90: n,
                        p99: n,
                        p999: n,
                        max: n,
                        mean: n,
                    }
                });
                r.process_peak_rss = v.process_peak.map(|p| Bytes((p * k) as u64));
                r.interference = None;
                r
            })
            .collect();
        c.startup = v.startup.map(|s| Nanos((s * 1e9) as u64));
        c.startups = v.startup.map(|s| {
            spread(s, self.spread)
                .iter()
                .map(|s| Nanos((s * 1e9) as u64))
                .collect()
        });
        c.interpreter_startup = None;
        c.interpreter_startups = None;
        self.cases.push(c);
    }

    fn results(self) -> Results {
        let mut r = fixture();
        r.environment.logical_cores = 2;
        r.cases = self.cases;
        r
    }
}

fn family(runner: &str) -> Family {
    match runner {
        "seq" => Family::Baseline,
        "thread-per-task" | "thread-pool" | "rayon" => Family::Threads,
        "fork-pool" | "spawn-pool" | "forkserver-pool" => Family::Processes,
        r if r.starts_with("py-") => Family::Cpython,
        _ => Family::Async,
    }
}

fn wall(w: f64) -> Values {
    Values {
        wall: w,
        ..Values::default()
    }
}

/// Every claim's cases, with values that support each claim (`Holds`)
/// or contradict it (`Refuted`).
fn scenario(want: Outcome, spread: Spread) -> Results {
    let holds = want == Outcome::Holds;
    let mut run = Run::new(spread);
    let n = &[("n", "1000")][..];
    // C1: speed-ups are 1 / wall with the sequential wall at 1 s.
    run.add("countdown", "py-seq", None, 4, n, &[], wall(1.0));
    let py_threads = if holds { 1.0 } else { 1.0 / 1.9 };
    run.add(
        "countdown",
        "py-threads",
        Some(2),
        4,
        n,
        &[],
        wall(py_threads),
    );
    run.add("countdown", "py-fork", Some(2), 4, n, &[], wall(1.0 / 1.9));
    run.add("countdown", "seq", None, 4, n, &[], wall(1.0));
    run.add(
        "countdown",
        "thread-pool",
        Some(2),
        4,
        n,
        &[],
        wall(1.0 / 1.9),
    );
    run.add("countdown", "rayon", Some(2), 4, n, &[], wall(1.0 / 1.9));
    // C2, C3, C8: sleeps of 1 s.
    let d = &[("duration", "1s")][..];
    let many = if holds { 1.05 } else { 1.6 };
    for runner in ["py-asyncio", "tokio-mt"] {
        let base = if runner == "py-asyncio" { 20e6 } else { 5e6 };
        let w = if runner == "tokio-mt" { Some(2) } else { None };
        let v = |wall: f64, tasks: f64, per: f64| Values {
            wall,
            process_peak: Some(base + tasks * per),
            ..Values::default()
        };
        run.add("sleep", runner, w, 1, d, &[], v(1.0, 1.0, 2000.0));
        run.add("sleep", runner, w, 1000, d, &[], v(1.02, 1000.0, 2000.0));
        run.add(
            "sleep",
            runner,
            w,
            10_000,
            d,
            &[],
            v(many, 10_000.0, 2000.0),
        );
    }
    let per_thread = if holds { 20_000.0 } else { 2000.0 };
    let threads = if holds { 2.0 } else { 1.06 };
    let peak = |base: f64, tasks: f64| Some(base + tasks * per_thread);
    run.add(
        "sleep",
        "thread-per-task",
        None,
        100,
        d,
        &[],
        Values {
            wall: 1.05,
            process_peak: peak(5e6, 100.0),
            ..Values::default()
        },
    );
    run.add(
        "sleep",
        "thread-per-task",
        None,
        10_000,
        d,
        &[],
        Values {
            wall: threads,
            process_peak: peak(5e6, 10_000.0),
            ..Values::default()
        },
    );
    run.add(
        "sleep",
        "py-threads",
        Some(100),
        100,
        d,
        &[],
        Values {
            wall: 1.02,
            process_peak: peak(20e6, 100.0),
            ..Values::default()
        },
    );
    run.add(
        "sleep",
        "py-threads",
        Some(1000),
        1000,
        d,
        &[],
        Values {
            wall: 1.1,
            process_peak: peak(20e6, 1000.0),
            ..Values::default()
        },
    );
    // C9: sha256 and short sleeps under CPython's threads.
    let hash = if holds { 1.0 / 1.9 } else { 1.0 };
    run.add("sha256", "py-seq", None, 64, &[], &[], wall(1.0));
    run.add("sha256", "py-threads", Some(2), 64, &[], &[], wall(hash));
    let short = &[("duration", "10ms")][..];
    run.add("sleep", "py-seq", None, 20, short, &[], wall(0.2));
    run.add("sleep", "py-threads", Some(2), 20, short, &[], wall(0.1));
    // C4: pool start-ups, with 7 starts each.
    for (runner, ms) in [
        ("py-fork", 20.0),
        ("py-forkserver", if holds { 150.0 } else { 10.0 }),
        ("py-spawn", 230.0),
        ("fork-pool", 1.0),
        ("forkserver-pool", 2.6),
        ("spawn-pool", 2.1),
    ] {
        for mb in [0, 1024] {
            let grow = if mb > 0 && runner.contains("fork") && !runner.contains("server") {
                1.6
            } else {
                1.0
            };
            let params = [
                ("chunksize", "1"),
                ("parent_mb", if mb > 0 { "1024" } else { "0" }),
            ];
            run.add(
                "noop",
                runner,
                Some(2),
                10,
                &[],
                &params,
                Values {
                    wall: 0.001,
                    startup: Some(ms * grow * 1e-3),
                    ..Values::default()
                },
            );
        }
    }
    // C5: the heartbeat's lateness.
    let inline_lag = if holds { 0.18 } else { 0.004 };
    for (runner, cpu, lag) in [
        ("py-asyncio", "inline", inline_lag),
        ("py-asyncio", "thread", 0.004),
        ("py-asyncio", "process", 0.004),
        ("tokio-mt", "inline", inline_lag),
        ("tokio-mt", "offload", 0.004),
    ] {
        let w = &[("n", "1000")][..];
        run.add(
            "loop-lag",
            runner,
            Some(2),
            5,
            w,
            &[("cpu", cpu)],
            Values {
                wall: 1.0,
                lag: Some(lag),
                ..Values::default()
            },
        );
    }
    // C6: one task per message against a hundred.
    let batched = if holds { 0.1 } else { 1.0 };
    for runner in ["py-fork", "fork-pool"] {
        for (size, w) in [("1", 1.0), ("100", batched)] {
            run.add(
                "noop",
                runner,
                Some(2),
                2000,
                &[],
                &[("chunksize", size), ("parent_mb", "0")],
                wall(w),
            );
        }
    }
    // C7: a counter shared three ways.
    let queue = if holds { 10.0 } else { 0.5 };
    for runner in ["py-seq", "seq"] {
        for (via, w) in [("shared", 1.0), ("queue", queue), ("manager", queue * 5.0)] {
            run.add(
                "shared-counter",
                runner,
                None,
                1,
                &[("via", via), ("increments", "1000")],
                &[],
                wall(w),
            );
        }
    }
    run.results()
}

/// Each claim's verdict.
fn verdicts(r: &Results) -> Vec<(&'static str, Outcome)> {
    course::judge(r, Lang::En)
        .into_iter()
        .map(|j| (j.claim.id, j.outcome))
        .collect()
}

#[test]
fn measurements_that_support_every_claim_make_it_hold() {
    let r = scenario(Outcome::Holds, Spread::Tight);
    for (id, outcome) in verdicts(&r) {
        assert_eq!(
            outcome,
            Outcome::Holds,
            "{id}: {:#?}",
            course::judge(&r, Lang::En)
                .into_iter()
                .find(|j| j.claim.id == id)
                .unwrap()
                .checks
        );
    }
}

#[test]
fn measurements_that_contradict_every_claim_refute_it() {
    let r = scenario(Outcome::Refuted, Spread::Tight);
    for (id, outcome) in verdicts(&r) {
        assert_eq!(outcome, Outcome::Refuted, "{id}");
    }
}

#[test]
fn noise_larger_than_the_margin_leaves_a_claim_inconclusive() {
    let r = scenario(Outcome::Holds, Spread::Wild);
    let j = course::judge(&r, Lang::En);
    let c1 = j.iter().find(|j| j.claim.id == "C1").unwrap();
    // py-threads at 1.0× with the spread of half to one and a half
    // times: its interval reaches past 1.2.
    assert_eq!(c1.outcome, Outcome::Inconclusive);
    assert!(c1
        .checks
        .iter()
        .any(|c| c.why.as_deref().is_some_and(|w| w.contains("straddles"))));
}

#[test]
fn a_busy_machine_leaves_a_claim_inconclusive_whatever_the_numbers() {
    let mut r = scenario(Outcome::Holds, Spread::Tight);
    for c in r.cases.iter_mut().filter(|c| c.workload == "countdown") {
        for rep in &mut c.repetitions {
            rep.interference = Some(Interference {
                steal: 0.0,
                others: 0.4,
                runnable: 3,
                cpu_mhz: None,
                pressure: None,
                resolution: 0.01,
                flagged: true,
            });
        }
    }
    let j = course::judge(&r, Lang::En);
    let c1 = j.iter().find(|j| j.claim.id == "C1").unwrap();
    assert_eq!(c1.outcome, Outcome::Inconclusive);
    assert!(c1.checks[0].why.as_deref().unwrap().contains("busy"));
}

#[test]
fn without_python_every_claim_but_the_os_threads_one_is_inconclusive_and_says_why() {
    let mut r = scenario(Outcome::Holds, Spread::Tight);
    for c in r.cases.iter_mut().filter(|c| c.runner.starts_with("py-")) {
        c.status = CaseStatus::Skipped;
        c.repetitions.clear();
        c.summary = None;
        c.failure = Some(Failure {
            reason: "no Python interpreter at python3".into(),
            stderr_tail: Vec::new(),
        });
    }
    for j in course::judge(&r, Lang::En) {
        // C3 is judged on OS threads (`thread-per-task`); CPython's are
        // shown beside them.
        if j.claim.id == "C3" {
            assert_eq!(j.outcome, Outcome::Holds);
            continue;
        }
        assert_eq!(j.outcome, Outcome::Inconclusive, "{}", j.claim.id);
        assert!(
            j.checks.iter().any(|c| c
                .why
                .as_deref()
                .is_some_and(|w| w.contains("no Python interpreter"))),
            "{}: {:?}",
            j.claim.id,
            j.checks
        );
    }
}

#[test]
fn the_deck_renders_from_results_alone_in_both_languages() {
    for want in [Outcome::Holds, Outcome::Refuted] {
        let r = scenario(want, Spread::Tight);
        for lang in [Lang::En, Lang::Ru] {
            let dir = tempfile::tempdir().unwrap();
            let deck = course::render_deck(&r, None, None, dir.path(), lang).unwrap();
            // minijinja writes `/` in attributes as `&#x2f;`.
            let html = std::fs::read_to_string(&deck.index)
                .unwrap()
                .replace("&#x2f;", "/");
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&deck.verdicts).unwrap()).unwrap();
            let claims = json["claims"].as_array().unwrap();
            assert_eq!(claims.len(), 9);
            for (i, c) in claims.iter().enumerate() {
                let id = format!("C{}", i + 1);
                assert_eq!(c["id"], id.as_str());
                assert_eq!(c["verdict"], want_str(want));
                assert!(c["claim"].as_str().is_some_and(|s| !s.is_empty()));
                assert!(c["source"][0]["file"].as_str().unwrap().ends_with(".txt"));
                assert!(!c["evidence"]["checks"].as_array().unwrap().is_empty());
                assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
                for ext in ["svg", "png"] {
                    let slide = dir.path().join(format!("slides/{id}.{ext}"));
                    assert!(
                        std::fs::metadata(&slide).unwrap().len() > 1000,
                        "{}",
                        slide.display()
                    );
                    assert!(html.contains(&format!("slides/{id}.{ext}")));
                }
                let svg =
                    std::fs::read_to_string(dir.path().join(format!("slides/{id}.svg"))).unwrap();
                assert!(svg.contains("width=\"1920\"") && svg.contains("height=\"1080\""));
            }
            assert!(
                !html.contains("href=\"/") && !html.contains("src=\"/"),
                "links must be relative"
            );
        }
    }
}

fn want_str(o: Outcome) -> &'static str {
    o.as_str()
}

/// The text of a page without its quotations: the course's passages are
/// quoted as the course writes them ("CPU bound", `NumPy`), which is the
/// one place a Russian deck may carry the course's own English words.
fn without_quotes(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<blockquote>") {
        out.push_str(&rest[..i]);
        rest = match rest[i..].find("</blockquote>") {
            Some(j) => &rest[i + j + "</blockquote>".len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[test]
fn the_russian_deck_has_no_stray_english_and_writes_numbers_the_russian_way() {
    use bakeoff_reports::lang::{stray_english, visible_text};
    let mut skipped = scenario(Outcome::Holds, Spread::Wild);
    for c in skipped.cases.iter_mut().filter(|c| c.runner == "py-fork") {
        c.status = CaseStatus::Skipped;
        c.summary = None;
        c.failure = Some(Failure {
            reason: "no Python interpreter at python3".into(),
            stderr_tail: Vec::new(),
        });
    }
    for r in [
        scenario(Outcome::Holds, Spread::Tight),
        scenario(Outcome::Refuted, Spread::Tight),
        skipped,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let deck = course::render_deck(&r, None, None, dir.path(), Lang::Ru).unwrap();
        let html = std::fs::read_to_string(&deck.index).unwrap();
        let text = visible_text(&without_quotes(&html));
        assert_eq!(stray_english(&text), Vec::<String>::new(), "{text}");
        // Decimal commas: no `1.5` outside code (`p99.9` is a name).
        let dotted = text
            .split_whitespace()
            .filter(|w| !w.contains("p99.9"))
            .find(|w| {
                w.as_bytes()
                    .windows(3)
                    .any(|b| b[0].is_ascii_digit() && b[1] == b'.' && b[2].is_ascii_digit())
            });
        assert_eq!(dotted, None, "{text}");
        for unit in [" ms", " µs", " KiB", " MiB"] {
            assert!(!text.contains(unit), "{unit} in {text}");
        }
        for slide in deck
            .slides
            .iter()
            .filter(|p| p.extension().unwrap() == "svg")
        {
            let svg = std::fs::read_to_string(slide).unwrap();
            let words = visible_text(&svg);
            assert_eq!(
                stray_english(&words),
                Vec::<String>::new(),
                "{}",
                slide.display()
            );
            // Regression: the claims' figures were drawn in English, so
            // a Russian slide's ticks read `500k` and `10M`.
            let english_suffix = words.split_whitespace().find(|w| {
                w.strip_suffix(['k', 'M', 'G']).is_some_and(|n| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == ',')
                })
            });
            assert_eq!(english_suffix, None, "{}", slide.display());
        }
    }
}

//! CPython's runners and skipped cases in every output: a synthetic run
//! built from the `cpu-small.json` fixture, with `py-seq`, `py-threads`
//! and `py-fork` cases on `primes` (their speed-up over `py-seq`, their
//! start-up split into the interpreter's part and the pool's) and three
//! `py-spawn` cases on `noop` skipped for want of an interpreter.

use std::collections::BTreeMap;
use std::path::Path;

use bakeoff_reports::figures::{self, family_colour, reference_colour, FigureKind, Plot, Rgb};
use bakeoff_reports::{
    compare, render_sources, CaseRecord, CaseStatus, Failure, Family, Lang, Nanos, PythonEnv,
    RenderOptions, Results, Source, Verification,
};

const SKIP_REASON: &str =
    "no Python interpreter found (python3 is not on PATH); set BAKEOFF_PYTHON or --set python=PATH";

fn fixture() -> Results {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpu-small.json");
    Results::read(&p).expect("fixture parses")
}

/// `from` as a case of CPython runner `runner`: its throughput scaled by
/// `scale`, its speed-up over `py-seq` (throughput `py_seq`, or itself
/// when `None`), a 41 ms start-up of which 18 ms is the interpreter's.
fn python_case(from: &CaseRecord, runner: &str, scale: f64, py_seq: Option<f64>) -> CaseRecord {
    let mut c = from.clone();
    c.id =
        c.id.replacen(&format!("/{}/", from.runner), &format!("/{runner}/"), 1);
    c.runner = runner.into();
    c.runner_label = Some(runner.into());
    c.runner_params = BTreeMap::new();
    c.family = Family::Cpython;
    let s = c
        .summary
        .as_mut()
        .expect("the fixture's cases have summaries");
    let t = &mut s.throughput;
    for v in [
        &mut t.median,
        &mut t.mean,
        &mut t.ci95_low,
        &mut t.ci95_high,
        &mut t.min,
        &mut t.max,
        &mut t.stddev,
    ] {
        *v *= scale;
    }
    let median = s.throughput.median;
    c.speedup_vs_seq = Some(py_seq.map_or(1.0, |p| median / p));
    c.speedup_baseline = Some("py-seq".into());
    c.startup = Some(Nanos(41_000_000));
    c.interpreter_startup = Some(Nanos(18_000_000));
    c
}

/// A `py-spawn` case on `noop` that was not run.
fn skipped_case(from: &CaseRecord, workers: u64) -> CaseRecord {
    let mut c = from.clone();
    c.id = format!("noop/py-spawn/w{workers}/c-/t8");
    c.runner = "py-spawn".into();
    c.runner_label = Some("py-spawn".into());
    c.runner_params = BTreeMap::from([("chunksize".into(), "1".into())]);
    c.family = Family::Cpython;
    c.workers = Some(workers);
    c.status = CaseStatus::Skipped;
    c.failure = Some(Failure {
        reason: SKIP_REASON.into(),
        stderr_tail: Vec::new(),
    });
    c.verification = Verification::default();
    c.startup = None;
    c.teardown = None;
    c.baseline_rss = None;
    c.repetitions = Vec::new();
    c.summary = None;
    c.speedup_vs_seq = None;
    c.speedup_baseline = Some("py-seq".into());
    c
}

/// The synthetic run: the fixture, CPython cases on primes (py-seq at a
/// tenth of seq's throughput, py-threads no faster than py-seq, py-fork
/// 1.8× it at 2 workers) and three skipped py-spawn cases on noop.
fn run() -> Results {
    let mut r = fixture();
    r.environment.python = Some(PythonEnv {
        path: "/usr/bin/python3".into(),
        implementation: "cpython".into(),
        version: "3.11.2".into(),
        gil_enabled: true,
    });
    let by_id = |r: &Results, id: &str| {
        r.cases
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no case {id}"))
            .clone()
    };
    let seq = by_id(&r, "primes[numbers=1000003:999999]/seq/w-/c-/t8");
    let seq_tput = seq.summary.as_ref().unwrap().throughput.median;
    let py_seq = python_case(&seq, "py-seq", 0.1, None);
    let py_tput = seq_tput * 0.1;
    let mut added = vec![py_seq];
    for w in [1, 2] {
        let pool = by_id(
            &r,
            &format!("primes[numbers=1000003:999999]/thread-pool/w{w}/c-/t8"),
        );
        let pool_tput = pool.summary.as_ref().unwrap().throughput.median;
        // py-threads: py-seq's throughput at every worker count (the GIL);
        // py-fork: 0.9× py-seq per worker.
        added.push(python_case(
            &pool,
            "py-threads",
            py_tput / pool_tput,
            Some(py_tput),
        ));
        let fork = python_case(
            &pool,
            "py-fork",
            py_tput * 0.9 * w as f64 / pool_tput,
            Some(py_tput),
        );
        added.push(fork);
    }
    let noop = by_id(&r, "noop/seq/w-/c-/t8");
    for w in [1, 2, 3] {
        added.push(skipped_case(&noop, w));
    }
    r.cases.extend(added);
    r.planned_cases = r.cases.len() as u64;
    r
}

/// Every plot of every group of `r`, in `lang`.
fn all_plots(r: &Results, lang: Lang) -> Vec<Plot> {
    figures::groups(r, "m0")
        .iter()
        .enumerate()
        .flat_map(|(i, g)| figures::plots_for(g, i, lang))
        .collect()
}

/// index.html (with the `/` that minijinja escapes put back) and
/// summary.md of a report of `r` in `lang`.
fn report(r: &Results, lang: Lang) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = render_sources(
        &[Source {
            results: r.clone(),
            path: None,
        }],
        dir.path(),
        RenderOptions {
            lang,
            ..RenderOptions::default()
        },
    )
    .expect("the report renders");
    (
        std::fs::read_to_string(out.index)
            .unwrap()
            .replace("&#x2f;", "/"),
        std::fs::read_to_string(out.summary).unwrap(),
    )
}

#[test]
fn skipped_cases_are_one_line_per_reason_and_never_failures() {
    let r = run();
    let line = format!("3 cases skipped: {SKIP_REASON}");
    // Terminal summary: counted as skipped, not failed; one line for all three.
    let text = bakeoff_reports::summary::render(&r);
    assert_eq!(text.matches(&line).count(), 1, "{text}");
    assert!(text.contains(", 0 failed, 3 skipped,"), "{text}");
    assert!(!text.contains('✗'), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("│ py-spawn") && l.contains("skipped"))
            .count(),
        3,
        "{text}"
    );
    // Not a warning: nothing they measured is wrong.
    let warnings = bakeoff_reports::view::warnings(&r, Lang::En);
    assert!(
        warnings.iter().all(|w| !w.case.contains("py-spawn")),
        "{warnings:?}"
    );
    let groups = bakeoff_reports::view::skipped([&r]);
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].cases.len(), 3);

    let (html, md) = report(&r, Lang::En);
    // The HTML escapes nothing in this line but the reason's own text.
    assert_eq!(html.matches(&line).count(), 1, "{html}");
    assert_eq!(html.matches(">skipped</td>").count(), 3, "{html}");
    assert!(
        !html.contains("<strong>skipped</strong>"),
        "a per-case warning: {html}"
    );
    assert_eq!(md.matches(&line).count(), 1, "{md}");
    assert_eq!(md.matches("| skipped |").count(), 3, "{md}");
    assert!(!md.contains("| failed |"), "{md}");

    let (html_ru, md_ru) = report(&r, Lang::Ru);
    // The run's own reason stays as it wrote it, as data beside the words.
    let line_ru = "не запущено 3 замера: не найден интерпретатор Python — ";
    assert_eq!(
        html_ru
            .matches(&format!("{line_ru}<code>{SKIP_REASON}</code>"))
            .count(),
        1,
        "{html_ru}"
    );
    assert!(html_ru.contains("Не запущено"), "{html_ru}");
    assert_eq!(
        md_ru.matches(&format!("{line_ru}`{SKIP_REASON}`")).count(),
        1,
        "{md_ru}"
    );
    assert_eq!(md_ru.matches("| не запущен |").count(), 3, "{md_ru}");
}

#[test]
fn a_run_of_only_skipped_problems_has_no_warning_box() {
    let mut r = run();
    r.cases.retain(|c| c.workload == "noop");
    // The fixture's noop cases are noisy: a warning of their own.
    for s in r.cases.iter_mut().filter_map(|c| c.summary.as_mut()) {
        s.noisy = false;
    }
    let (html, _) = report(&r, Lang::En);
    assert!(
        html.contains("No warnings: every case that ran matched the seq answer"),
        "{html}"
    );
    assert!(!html.contains("class=\"warnings\""), "{html}");
}

#[test]
fn a_workload_whose_every_case_was_skipped_says_so_instead_of_a_figure() {
    let mut r = run();
    r.cases.retain(|c| c.status == CaseStatus::Skipped);
    let (html, _) = report(&r, Lang::En);
    assert!(
        html.contains("No figure: every case of this workload was skipped (see above)."),
        "{html}"
    );
    assert!(
        !html.contains("no case of this workload succeeded"),
        "{html}"
    );
}

#[test]
fn skipped_cases_are_never_drawn() {
    let r = run();
    for p in all_plots(&r, Lang::En) {
        for s in &p.series {
            assert!(!s.name.contains("py-spawn"), "{}: {}", p.id, s.name);
        }
    }
}

/// The CIE 1976 colour difference of two sRGB colours (D65).
fn delta_e(a: Rgb, b: Rgb) -> f64 {
    fn lab(c: Rgb) -> [f64; 3] {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v > 0.04045 {
                ((v + 0.055) / 1.055).powf(2.4)
            } else {
                v / 12.92
            }
        };
        let (r, g, b) = (lin(c.0), lin(c.1), lin(c.2));
        let x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047;
        let y = r * 0.2126 + g * 0.7152 + b * 0.0722;
        let z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883;
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }
    let (p, q) = (lab(a), lab(b));
    p.iter()
        .zip(q)
        .map(|(u, v)| (u - v).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn cpython_has_its_own_colours_and_comes_last_in_every_legend() {
    let others: Vec<_> = [
        Family::Baseline,
        Family::Threads,
        Family::Processes,
        Family::Async,
    ]
    .into_iter()
    .flat_map(|f| (0..8).map(move |i| family_colour(f, i)))
    .collect();
    // No CPython shade, nor py-seq's ideal line, is near any other
    // family's: 25 CIELAB units (ΔE*76) apart at least.
    let cpython = (0..6)
        .map(|i| family_colour(Family::Cpython, i))
        .chain([reference_colour(Family::Cpython)]);
    for c in cpython {
        for o in &others {
            let d = delta_e(c, *o);
            assert!(
                d >= 25.0,
                "CPython's {} is {d:.1} from {}",
                c.hex(),
                o.hex()
            );
        }
    }
    // The figures: CPython series are drawn in CPython's shades, and the
    // legend goes baseline, threads, processes, async, CPython.
    let r = run();
    let plots = all_plots(&r, Lang::En);
    let mut drew_cpython = false;
    for p in &plots {
        let families: Vec<Family> = p.series.iter().filter_map(|s| s.family).collect();
        assert!(
            families.windows(2).all(|w| w[0] <= w[1]),
            "{}: {families:?}",
            p.id
        );
        for s in p
            .series
            .iter()
            .filter(|s| s.family == Some(Family::Cpython))
        {
            drew_cpython = true;
            assert!(
                !others.contains(&s.colour),
                "{}: {} {:?}",
                p.id,
                s.name,
                s.colour
            );
        }
    }
    assert!(drew_cpython, "no figure drew a CPython series");
}

#[test]
fn cpython_speed_ups_are_over_py_seq_and_say_so() {
    let r = run();
    let plots = all_plots(&r, Lang::En);
    let primes: Vec<&Plot> = plots
        .iter()
        .filter(|p| p.group.starts_with("primes"))
        .collect();
    let speedup = primes
        .iter()
        .find(|p| p.kind == FigureKind::Speedup)
        .expect("a speed-up figure");
    assert!(speedup.y_title.contains("py-seq"), "{}", speedup.y_title);
    assert!(
        speedup.caption.contains("over py-seq"),
        "{}",
        speedup.caption
    );
    // py-seq is a reference, like seq: no bar of its own.
    assert!(speedup
        .series
        .iter()
        .all(|s| s.name != "py-seq" && s.name != "seq"));
    // py-threads: 1× py-seq at both worker counts; py-fork 1.8× at 2.
    let bars = |name: &str| -> Vec<f64> {
        speedup
            .series
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} bars"))
            .points
            .iter()
            .map(|p| p.y)
            .collect()
    };
    for y in bars("py-threads") {
        assert!((y - 1.0).abs() < 1e-9, "{y}");
    }
    assert!((bars("py-fork")[1] - 1.8).abs() < 1e-9);
    // The throughput figure draws py-seq's ideal beside seq's.
    let tput = primes
        .iter()
        .find(|p| p.kind == FigureKind::Throughput)
        .expect("a throughput figure");
    let names: Vec<&str> = tput.series.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"ideal (py-seq × workers)"), "{names:?}");
    assert!(names.contains(&"ideal (seq × workers)"), "{names:?}");

    let ru = all_plots(&r, Lang::Ru);
    let speedup_ru = ru
        .iter()
        .find(|p| p.kind == FigureKind::Speedup && p.group.starts_with("primes"))
        .unwrap();
    assert!(
        speedup_ru
            .y_title
            .contains("ускорение относительно seq или py-seq"),
        "{}",
        speedup_ru.y_title
    );
    // The tables say it too.
    // Under primes' table only: noop's py-* cases were skipped.
    let note = "CPython runners: speed-up over py-seq";
    let text = bakeoff_reports::summary::render(&r);
    assert_eq!(
        text.matches(&format!("note: {note}\n")).count(),
        1,
        "{text}"
    );
    let (html, md) = report(&r, Lang::En);
    assert_eq!(html.matches(&format!("{note}.")).count(), 1, "{html}");
    assert_eq!(md.matches(&format!("{note}.")).count(), 1, "{md}");
}

#[test]
fn py_seq_is_a_reference_whether_or_not_it_names_itself() {
    // Whether py-seq's own record says `speedup_baseline: py-seq` or
    // leaves it out, it is the reference of the CPython bars, not a bar.
    let mut r = run();
    for c in r.cases.iter_mut().filter(|c| c.runner == "py-seq") {
        c.speedup_baseline = None;
    }
    let plots = all_plots(&r, Lang::En);
    let speedup = plots
        .iter()
        .find(|p| p.kind == FigureKind::Speedup && p.group.starts_with("primes"))
        .expect("a speed-up figure");
    let names: Vec<&str> = speedup.series.iter().map(|s| s.name.as_str()).collect();
    assert!(!names.contains(&"py-seq"), "{names:?}");
    assert!(names.contains(&"py-fork"), "{names:?}");
}

#[test]
fn the_interpreter_and_its_gil_are_stated_beside_the_machine() {
    let r = run();
    let line = "CPython 3.11.2 (/usr/bin/python3), GIL enabled";
    let text = bakeoff_reports::summary::render(&r);
    assert!(text.contains(&format!("python: {line}\n")), "{text}");
    let (html, md) = report(&r, Lang::En);
    // The version and the path are data.
    assert!(
        html.contains(
            "<th>python</th><td>CPython <code>3.11.2</code> (<code>/usr/bin/python3</code>), GIL enabled</td>"
        ),
        "{html}"
    );
    assert!(
        md.contains("- python: CPython `3.11.2` (`/usr/bin/python3`), GIL enabled\n"),
        "{md}"
    );
    let (html_ru, _) = report(&r, Lang::Ru);
    assert!(html_ru.contains("GIL включён"), "{html_ru}");

    // None found: said so, with the cases skipped for it.
    let mut none = run();
    none.environment.python = None;
    let text = bakeoff_reports::summary::render(&none);
    assert!(
        text.contains("python: no interpreter found: 3 of 8 CPython cases skipped"),
        "{text}"
    );
    // A run without CPython cases says nothing about Python.
    let text = bakeoff_reports::summary::render(&fixture());
    assert!(!text.contains("python:"), "{text}");
}

#[test]
fn start_up_shows_the_interpreters_share_and_the_csv_has_it() {
    let r = run();
    let (html, md) = report(&r, Lang::En);
    assert!(html.contains("41 ms (interpreter 18 ms)"), "{html}");
    assert!(md.contains("41 ms (interpreter 18 ms)"), "{md}");
    let (html_ru, _) = report(&r, Lang::Ru);
    assert!(html_ru.contains("41 мс (интерпретатор 18 мс)"), "{html_ru}");

    let mut bytes = Vec::new();
    bakeoff_reports::csv::write(&r, &mut bytes).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let (runner, status, interp, base) = (
        col("runner"),
        col("status"),
        col("interpreter_startup_s"),
        col("speedup_baseline"),
    );
    let mut seen = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        match (&rec[runner], &rec[status]) {
            (_, "skipped") => {
                seen |= 1;
                assert_eq!(&rec[interp], "");
                assert_eq!(&rec[base], "", "a skipped case has no speed-up");
            }
            (py, _) if py.starts_with("py-") => {
                seen |= 2;
                assert_eq!(&rec[interp], "0.018");
                assert_eq!(&rec[base], "py-seq");
            }
            _ => {
                seen |= 4;
                assert_eq!(&rec[interp], "");
                assert_eq!(&rec[base], "seq");
            }
        }
    }
    assert_eq!(seen, 7, "the CSV lacks a kind of row");
}

#[test]
fn compare_neither_compares_nor_misses_skipped_cases() {
    let base = run();
    let mut new = run();
    // The new run lacks one skipped case and skips one the base did not
    // have; neither is "added" or "removed".
    new.cases.retain(|c| c.id != "noop/py-spawn/w3/c-/t8");
    let mut extra = new.cases.last().unwrap().clone();
    extra.id = "noop/py-spawn/w4/c-/t8".into();
    extra.workers = Some(4);
    new.cases.push(extra);
    let cmp = compare::compare(&base, &new);
    let skipped: Vec<&str> = cmp.skipped.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    for id in ["noop/py-spawn/w3/c-/t8", "noop/py-spawn/w4/c-/t8"] {
        assert!(skipped.contains(&id), "{skipped:?}");
    }
    assert!(cmp.added.is_empty() && cmp.removed.is_empty(), "{cmp:?}");
    assert!(cmp.failed.is_empty(), "{:?}", cmp.failed);
    assert!(cmp.cases.iter().all(|c| !c.id.contains("py-spawn")));
    assert!(cmp.cases.iter().any(|c| c.id.contains("py-fork")));
    let md = cmp.to_markdown("a", "b");
    assert!(md.contains("Not compared (skipped, not run):"), "{md}");
    // One line per side and reason, not one per case.
    assert_eq!(md.matches(SKIP_REASON).count(), 2, "{md}");
    assert!(
        md.contains(&format!("- 3 cases: new: {SKIP_REASON}")),
        "{md}"
    );
}

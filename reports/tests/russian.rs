//! The Russian report reads as Russian: every word a reader sees on the
//! page, in summary.md and in the figures is Russian or a name the
//! allowlist of `lang::stray_english` documents; numbers have decimal
//! commas and units are Russian (мс, мкс, КиБ). Rendered from the
//! fixtures, with every kind of line a report can hold: warnings of each
//! kind, failed and skipped cases, CPython runners with speed-ups over
//! py-seq, a speed-up above the cores, an embedded server's share and
//! start-up against the parent's memory.

use std::collections::BTreeMap;
use std::path::Path;

use bakeoff_reports::lang::{stray_english, visible_markdown, visible_text};
use bakeoff_reports::{
    render_sources, Calibration, CaseRecord, CaseStatus, Failure, Family, Interference, Lang,
    Nanos, PythonEnv, RenderOptions, Results, ServerUsage, Source, StopReason, Stopping, Style,
    Verification,
};

fn fixture(name: &str) -> Results {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    Results::read(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn find<'a>(r: &'a Results, id: &str) -> &'a CaseRecord {
    r.cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

/// `from` as a case of CPython runner `runner`, its throughput scaled by
/// `scale`, its speed-up over py-seq's throughput `py_seq`.
fn python_case(from: &CaseRecord, runner: &str, scale: f64, py_seq: Option<f64>) -> CaseRecord {
    let mut c = from.clone();
    c.id =
        c.id.replacen(&format!("/{}/", from.runner), &format!("/{runner}/"), 1);
    c.runner = runner.into();
    c.runner_label = Some(runner.into());
    c.runner_params = BTreeMap::new();
    c.family = Family::Cpython;
    let t = &mut c.summary.as_mut().unwrap().throughput;
    for v in [
        &mut t.median,
        &mut t.mean,
        &mut t.ci95_low,
        &mut t.ci95_high,
        &mut t.min,
        &mut t.max,
        &mut t.stddev,
        &mut t.median_low,
        &mut t.median_high,
    ] {
        *v *= scale;
    }
    let median = t.median;
    c.speedup_vs_seq = Some(py_seq.map_or(1.0, |p| median / p));
    c.speedup_baseline = Some("py-seq".into());
    c.startup = Some(Nanos(41_000_000));
    c.interpreter_startup = Some(Nanos(18_000_000));
    c
}

/// The CPU fixture with everything a Russian reader may meet: CPython
/// cases (py-threads slower than py-seq, py-fork faster), three py-spawn
/// cases skipped for want of an interpreter, a failed case, an unverified
/// one, a speed-up above the cores, a disturbed case, a repetition beside
/// other work, and the fixture's own noisy cases.
fn cpu_run() -> Results {
    let mut r = fixture("cpu-small.json");
    r.environment.python = Some(PythonEnv {
        path: "/usr/bin/python3".into(),
        implementation: "cpython".into(),
        version: "3.11.2".into(),
        gil_enabled: true,
    });
    let seq = find(&r, "primes[numbers=1000003:999999]/seq/w-/c-/t8").clone();
    let py_tput = seq.summary.as_ref().unwrap().throughput.median * 0.1;
    let mut added = vec![python_case(&seq, "py-seq", 0.1, None)];
    for w in [1u64, 2] {
        let pool = find(
            &r,
            &format!("primes[numbers=1000003:999999]/thread-pool/w{w}/c-/t8"),
        )
        .clone();
        let pool_tput = pool.summary.as_ref().unwrap().throughput.median;
        added.push(python_case(
            &pool,
            "py-threads",
            py_tput * 0.75 / pool_tput,
            Some(py_tput),
        ));
        added.push(python_case(
            &pool,
            "py-fork",
            py_tput * 0.9 * w as f64 / pool_tput,
            Some(py_tput),
        ));
    }
    let noop = find(&r, "noop/seq/w-/c-/t8").clone();
    for w in [1, 2, 3] {
        let mut c = noop.clone();
        c.id = format!("noop/py-spawn/w{w}/c-/t8");
        c.runner = "py-spawn".into();
        c.runner_label = Some("py-spawn".into());
        c.runner_params = BTreeMap::from([("chunksize".into(), "1".into())]);
        c.family = Family::Cpython;
        c.workers = Some(w);
        c.status = CaseStatus::Skipped;
        c.failure = Some(Failure {
            reason: "no Python interpreter: python3 is not on PATH; install it, or name one with BAKEOFF_PYTHON=PATH or --set python=PATH".into(),
            stderr_tail: Vec::new(),
        });
        c.verification = Verification::default();
        c.startup = None;
        c.repetitions = Vec::new();
        c.summary = None;
        c.speedup_vs_seq = None;
        c.speedup_baseline = Some("py-seq".into());
        added.push(c);
    }
    r.cases.extend(added);
    let at = |r: &Results, runner: &str, w: u64| {
        r.cases
            .iter()
            .position(|c| c.workload == "primes" && c.runner == runner && c.workers == Some(w))
            .unwrap()
    };
    let rayon = at(&r, "rayon", 2);
    r.cases[rayon].speedup_vs_seq = Some(2.6);
    let failed = at(&r, "thread-pool", 1);
    r.cases[failed].status = CaseStatus::Failed;
    r.cases[failed].failure = Some(Failure {
        reason: "digest mismatch: task 3 returned 0x1f, seq returned 0x2e".into(),
        stderr_tail: Vec::new(),
    });
    let unverified = at(&r, "rayon", 1);
    r.cases[unverified].verification.verified = false;
    let disturbed = at(&r, "thread-pool", 2);
    let rep = &mut r.cases[disturbed].repetitions[0];
    rep.worker_deaths = Some(1);
    rep.tasks_retried = Some(2);
    rep.workers_replaced = Some(1);
    rep.worker_death_causes = Some(vec!["killed by SIGKILL".into()]);
    let busy = Interference {
        steal: 0.031,
        others: 0.25,
        runnable: 3,
        cpu_mhz: None,
        pressure: None,
        resolution: 0.02,
        flagged: true,
    };
    r.cases[rayon].repetitions[0].interference = Some(busy);
    // What a run with `--reps 2` records: calibration not asked for, a
    // fixed count, no precision (too few repetitions for an interval:
    // the harness writes f64::MAX) and no budget.
    let fixed = at(&r, "thread-pool", 2);
    r.cases[fixed].calibration = Some(Calibration {
        target: Nanos(0),
        batch_wall: Nanos(0),
        batches: 1,
        inherited: false,
    });
    r.cases[fixed].stopping = Some(Stopping {
        reason: StopReason::Fixed,
        precision_target: 0.0,
        precision: f64::MAX,
        budget: Nanos(0),
    });
    let precise = at(&r, "tokio-mt", 2);
    r.cases[precise].calibration = Some(Calibration {
        target: Nanos(100_000_000),
        batch_wall: Nanos(24_100_000),
        batches: 5,
        inherited: false,
    });
    r.cases[precise].stopping = Some(Stopping {
        reason: StopReason::Precise,
        precision_target: 0.02,
        precision: 0.018,
        budget: Nanos(3_000_000_000),
    });
    r.planned_cases = r.cases.len() as u64 + 2;
    r.complete = false;
    r
}

/// The IO fixture with an embedded server that kept the cores busy.
fn io_run() -> Results {
    let mut r = fixture("io-small.json");
    let at = r
        .cases
        .iter()
        .position(|c| c.runner == "tokio-mt" && c.tasks == 100)
        .unwrap();
    let c = &mut r.cases[at];
    let requests = c.tasks * (c.warmup + c.repetitions.len() as u64);
    let per_request_ns = 200_000;
    c.server = Some(ServerUsage {
        kind: "echo".into(),
        requests,
        connections: requests,
        cpu_user: Nanos(requests * per_request_ns / 5),
        cpu_system: Nanos(requests * per_request_ns * 4 / 5),
    });
    r
}

/// A Russian report of `r`: index.html, summary.md and every figure's SVG.
fn russian(r: &Results) -> (String, String, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let out = render_sources(
        &[Source {
            results: r.clone(),
            path: None,
        }],
        dir.path(),
        RenderOptions {
            style: Style::Screen,
            lang: Lang::Ru,
        },
    )
    .expect("the report renders");
    let svgs = out
        .figures
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    (
        std::fs::read_to_string(&out.index).unwrap(),
        std::fs::read_to_string(&out.summary).unwrap(),
        svgs,
    )
}

/// The decimal points in `text` (a digit, `.`, a digit) outside the
/// percentile names `p99.9`, with what surrounds them.
fn decimal_points(text: &str) -> Vec<String> {
    let text = text.replace("p99.9", "p99_9");
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(3)
        .enumerate()
        .filter(|(_, w)| w[0].is_ascii_digit() && w[1] == '.' && w[2].is_ascii_digit())
        .map(|(i, _)| {
            chars[i.saturating_sub(20)..(i + 20).min(chars.len())]
                .iter()
                .collect()
        })
        .collect()
}

/// Asserts that `text`, what a reader of `what` sees, is Russian.
fn assert_russian(what: &str, text: &str) {
    let stray = stray_english(text);
    assert!(
        stray.is_empty(),
        "{what}: English words {stray:?} in\n{text}"
    );
    let points = decimal_points(text);
    assert!(
        points.is_empty(),
        "{what}: decimal points {points:?} in\n{text}"
    );
    for unit in ["µs", " ms", " ns", "KiB", "MiB", "GiB", "/s "] {
        assert!(!text.contains(unit), "{what}: `{unit}` in\n{text}");
    }
}

#[test]
fn a_russian_report_has_no_stray_english_and_russian_numbers() {
    for (name, r) in [
        ("cpu", cpu_run()),
        ("io", io_run()),
        ("pools", fixture("pools-parent-mb.json")),
    ] {
        let (html, md, svgs) = russian(&r);
        let page = visible_text(&html);
        assert_russian(&format!("{name}: index.html"), &page);
        assert_russian(&format!("{name}: summary.md"), &visible_markdown(&md));
        assert!(!svgs.is_empty(), "{name}: no figures");
        for (path, svg) in &svgs {
            assert_russian(path, &visible_text(svg));
        }
        // Units are Russian, scaled to a readable prefix.
        assert!(page.contains(" мс") || page.contains(" мкс"), "{page}");
        assert!(page.contains("КиБ") || page.contains("МиБ"), "{page}");
    }
}

#[test]
fn the_russian_report_says_what_the_english_one_does_in_russian_words() {
    let (html, md, _) = russian(&cpu_run());
    let page = visible_text(&html);
    // Findings as Russian speaks them, not «×1,8 к скорости seq».
    assert!(page.contains("раза быстрее seq"), "{page}");
    assert!(page.contains("раза медленнее seq"), "{page}");
    assert!(!page.contains("к скорости"), "{page}");
    // The warnings box, the run's state and the skip reason.
    assert!(page.contains("Предупреждения ("), "{page}");
    assert!(page.contains("не завершён"), "{page}");
    assert!(
        page.contains("не запущено 3 замера: не найден интерпретатор Python"),
        "{page}"
    );
    // What the run wrote stays as it wrote it, as data.
    assert!(
        html.contains("<code>digest mismatch: task 3 returned 0x1f, seq returned 0x2e</code>"),
        "{html}"
    );
    assert!(html.contains("<code>killed by SIGKILL</code>"), "{html}");
    assert!(html.contains("<code>3.11.2</code>"), "{html}");
    // The `reps` column's tooltip: a fixed count states no precision.
    assert!(
        html.contains(
            "title=\"калибровка не задана: один прогон на повтор; остановлено после 2 повторов: число повторов задано\">"
        ),
        "{html}"
    );
    assert!(
        page.contains("медиана известна с точностью ±1,8 % (задано ±2 %), бюджет 3 с"),
        "{page}"
    );
    // summary.md: Russian headings and statuses.
    assert!(md.starts_with("# Сводка bakeoff\n"), "{md}");
    assert!(md.contains("| модель |"), "{md}");
    assert!(md.contains("| сбой |"), "{md}");
    assert!(md.contains("| не запущен |"), "{md}");
    assert!(!md.contains("| ok |"), "{md}");
}

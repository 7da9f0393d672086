//! `compare` on real results files whose cases get synthetic repetitions:
//! a quiet re-run is the same everywhere, a known regression is slower
//! and only there, too few repetitions never make a change.

use std::path::Path;

use bakeoff_reports::compare::{compare, Metric, Verdict};
use bakeoff_reports::{CaseRecord, CaseStatus, Interference, Nanos, Results};

fn fixture(name: &str) -> Results {
    Results::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}")))
        .unwrap()
}

/// Gives `c` `n` repetitions copied from its first, with throughput
/// times `speed`, CPU time over `speed`, and a spread of about ±1 % that
/// `phase` shifts (two runs of different phase are not identical).
fn set_reps(c: &mut CaseRecord, n: usize, speed: f64, phase: usize) {
    let first = c.repetitions[0].clone();
    c.repetitions = (0..n)
        .map(|i| {
            // -1 % … +1 % in 11 steps, in a scrambled order.
            let noise = 1.0 + 0.002 * (((i + phase) * 7 % 11) as f64 - 5.0);
            let mut r = first.clone();
            r.throughput = first.throughput * speed * noise;
            let scale = |x: Nanos, k: f64| Nanos((x.0 as f64 * k).round() as u64);
            r.cpu_user = scale(first.cpu_user, noise / speed);
            r.cpu_system = scale(first.cpu_system, noise / speed);
            r.latency.p99 = scale(first.latency.p99, noise);
            r.peak_rss.0 = (first.peak_rss.0 as f64 * noise).round() as u64;
            r
        })
        .collect();
}

/// The fixture with every measured case given 10 quiet repetitions.
fn quiet(name: &str, phase: usize) -> Results {
    let mut r = fixture(name);
    for c in &mut r.cases {
        if c.status == CaseStatus::Ok {
            set_reps(c, 10, 1.0, phase);
        }
    }
    r
}

#[test]
fn a_quiet_rerun_is_the_same_everywhere() {
    for name in ["cpu-small.json", "io-small.json"] {
        let base = quiet(name, 0);
        let new = quiet(name, 3);
        let cmp = compare(&base, &new);
        let compared = base
            .cases
            .iter()
            .filter(|c| c.status == CaseStatus::Ok)
            .count();
        assert_eq!(cmp.cases.len(), compared);
        assert!(cmp.added.is_empty() && cmp.removed.is_empty());
        for c in &cmp.cases {
            for m in &c.metrics {
                assert_eq!(m.verdict, Verdict::Same, "{} {:?}", c.id, m);
                assert!(m.low <= m.change && m.change <= m.high, "{m:?}");
            }
        }
        let counts = cmp.counts();
        assert_eq!((counts.same, counts.total()), (compared, compared));
        let md = cmp.to_markdown("a", "b");
        assert!(
            md.contains(&format!("{compared} cases: {compared} same.")),
            "{md}"
        );
    }
}

#[test]
fn the_primary_metric_is_cpu_time_for_cpu_cases_and_throughput_for_io() {
    let cpu = compare(&quiet("cpu-small.json", 0), &quiet("cpu-small.json", 1));
    for c in &cpu.cases {
        assert_eq!(c.primary().metric, Metric::CpuPerTask, "{}", c.id);
        assert_eq!(c.metrics.iter().filter(|m| m.primary).count(), 1);
        assert_eq!(c.metrics.len(), 4);
    }
    let io = compare(&quiet("io-small.json", 0), &quiet("io-small.json", 1));
    for c in &io.cases {
        assert_eq!(c.primary().metric, Metric::Throughput, "{}", c.id);
        assert!(c.metric(Metric::CpuPerTask).is_none(), "{}", c.id);
    }
}

#[test]
fn a_halved_case_is_slower_and_only_there() {
    let base = quiet("cpu-small.json", 0);
    let mut new = quiet("cpu-small.json", 5);
    let victim = new
        .cases
        .iter()
        .position(|c| c.status == CaseStatus::Ok)
        .unwrap();
    set_reps(&mut new.cases[victim], 10, 0.5, 5);
    let removed = new.cases.pop().unwrap().id;
    let cmp = compare(&base, &new);
    let id = &new.cases[victim].id;
    for c in &cmp.cases {
        let p = c.primary();
        if &c.id == id {
            assert_eq!(p.verdict, Verdict::Slower, "{p:?}");
            // CPU time per task doubled.
            assert!((p.change - 1.0).abs() < 0.03, "{p:?}");
            assert!(p.p < 0.001 && p.level >= 0.95, "{p:?}");
            let t = c.metric(Metric::Throughput).unwrap();
            assert_eq!(t.verdict, Verdict::Slower);
            assert!((t.change + 0.5).abs() < 0.02, "{t:?}");
            assert_eq!(c.metric(Metric::PeakRss).unwrap().verdict, Verdict::Same);
        } else {
            assert_eq!(p.verdict, Verdict::Same, "{}", c.id);
        }
    }
    assert_eq!(cmp.removed, [removed]);
    assert_eq!(cmp.counts().slower, 1);
    let md = cmp.to_markdown("base.json", "new.json");
    assert!(
        md.contains("| CPU time per task | +") && md.contains("| slower | -50."),
        "{md}"
    );
    assert!(md.contains(" 1 slower, "), "{md}");
    assert!(md.contains("Only in the base run"), "{md}");
}

#[test]
fn an_io_case_twice_as_fast_is_faster() {
    let base = quiet("io-small.json", 0);
    let mut new = quiet("io-small.json", 2);
    set_reps(&mut new.cases[0], 10, 2.0, 2);
    let cmp = compare(&base, &new);
    let c = &cmp.cases[0];
    assert_eq!(c.primary().metric, Metric::Throughput);
    assert_eq!(c.primary().verdict, Verdict::Faster, "{c:?}");
    assert_eq!(cmp.counts().faster, 1);
}

#[test]
fn three_repetitions_each_never_make_a_change() {
    let mut base = fixture("cpu-small.json");
    let mut new = base.clone();
    for (b, n) in base.cases.iter_mut().zip(&mut new.cases) {
        set_reps(b, 3, 1.0, 0);
        set_reps(n, 3, 0.5, 0);
    }
    let cmp = compare(&base, &new);
    for c in &cmp.cases {
        for m in &c.metrics {
            assert_ne!(m.verdict, Verdict::Slower, "{} {m:?}", c.id);
            assert_ne!(m.verdict, Verdict::Faster, "{} {m:?}", c.id);
            assert!(m.level < 0.95);
        }
    }
    let md = cmp.to_markdown("a", "b");
    assert!(md.contains("(90 %)"), "{md}");
}

#[test]
fn a_speedup_above_the_cores_is_a_measurement_problem() {
    let base = quiet("cpu-small.json", 0);
    let mut new = quiet("cpu-small.json", 1);
    assert_eq!(new.environment.logical_cores, 2);
    new.cases[2].speedup_vs_seq = Some(2.6);
    // Within the slack: not a problem.
    new.cases[3].speedup_vs_seq = Some(2.05);
    let cmp = compare(&base, &new);
    assert_eq!(cmp.measurement_problems.len(), 1, "{cmp:?}");
    let p = &cmp.measurement_problems[0];
    assert_eq!(
        (p.id.as_str(), p.side, p.speedup, p.cores),
        (new.cases[2].id.as_str(), "new", 2.6, 2)
    );
    let md = cmp.to_markdown("a", "b");
    assert!(md.contains("Measurement problems"), "{md}");
    assert!(md.contains("2.60× seq on 2 logical cores"), "{md}");
}

#[test]
fn repetitions_beside_other_work_are_counted() {
    let mut base = quiet("cpu-small.json", 0);
    let new = quiet("cpu-small.json", 1);
    for r in base.cases[1].repetitions.iter_mut().take(3) {
        r.interference = Some(Interference {
            steal: 0.0,
            others: 0.4,
            runnable: 4,
            cpu_mhz: None,
            pressure: None,
            resolution: 0.02,
            flagged: true,
        });
    }
    let cmp = compare(&base, &new);
    let c = &cmp.cases[1];
    assert_eq!((c.base_flagged, c.new_flagged, c.base_reps), (3, 0, 10));
    let md = cmp.to_markdown("a", "b");
    assert!(
        md.contains("1 case had repetitions measured beside other work"),
        "{md}"
    );
    assert!(md.contains("base 3 of 10, new 0 of 10"), "{md}");
}

#[test]
fn json_has_one_object_per_case_and_metric() {
    let base = quiet("cpu-small.json", 0);
    let mut new = quiet("cpu-small.json", 4);
    set_reps(&mut new.cases[0], 10, 0.5, 4);
    // One repetition: no interval, no p-value (null), inconclusive.
    set_reps(&mut new.cases[1], 1, 1.0, 4);
    new.cases[2].status = CaseStatus::Failed;
    let cmp = compare(&base, &new);
    let json: serde_json::Value = serde_json::from_str(&cmp.to_json("a.json", "b.json")).unwrap();
    assert_eq!(json["base"], "a.json");
    assert_eq!(json["threshold"], 0.05);
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        cmp.cases.iter().map(|c| c.metrics.len()).sum::<usize>()
    );
    for c in cases {
        for key in [
            "id", "metric", "primary", "base", "new", "change", "low", "high", "verdict", "p",
        ] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
        let verdict = c["verdict"].as_str().unwrap();
        assert!(
            ["faster", "slower", "same", "inconclusive"].contains(&verdict),
            "{c}"
        );
    }
    let summary = &json["summary"];
    let counts = cmp.counts();
    assert_eq!(summary["slower"], counts.slower);
    assert_eq!(summary["inconclusive"], 1);
    assert_eq!(counts.total(), cmp.cases.len());
    let one = cases
        .iter()
        .find(|c| c["id"] == new.cases[1].id.as_str() && c["primary"] == true)
        .unwrap();
    assert!(one["p"].is_null() && one["low"].is_null(), "{one}");
    assert_eq!(one["verdict"], "inconclusive");
    assert_eq!(json["failed"][0]["id"], new.cases[2].id.as_str());
    assert!(json["failed"][0]["reason"].is_string());
}

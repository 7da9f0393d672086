//! `compare` on a real results file against altered copies of itself: a
//! known regression is called slower, an unchanged run is within noise.

use std::path::Path;

use bakeoff_reports::compare::{compare, Verdict};
use bakeoff_reports::{Results, Stat};

fn fixture() -> Results {
    Results::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpu-small.json"))
        .unwrap()
}

fn scale(s: &mut Stat, k: f64) {
    for v in [
        &mut s.median,
        &mut s.mean,
        &mut s.min,
        &mut s.max,
        &mut s.ci95_low,
        &mut s.ci95_high,
    ] {
        *v *= k;
    }
}

#[test]
fn the_same_run_is_within_noise_everywhere() {
    let base = fixture();
    let cmp = compare(&base, &base);
    let compared = base.cases.iter().filter(|c| c.summary.is_some()).count();
    assert_eq!(cmp.changed.len(), compared);
    assert!(cmp.added.is_empty() && cmp.removed.is_empty());
    for c in &cmp.changed {
        assert_eq!(c.throughput.verdict, Verdict::WithinNoise, "{}", c.id);
        assert_eq!(c.latency_p99.verdict, Verdict::WithinNoise, "{}", c.id);
        assert_eq!(c.peak_rss.verdict, Verdict::WithinNoise, "{}", c.id);
    }
}

#[test]
fn a_halved_throughput_is_a_regression_and_only_there() {
    let base = fixture();
    let mut new = base.clone();
    let victim = new.cases.iter().position(|c| c.summary.is_some()).unwrap();
    let s = new.cases[victim].summary.as_mut().unwrap();
    scale(&mut s.throughput, 0.5);
    scale(&mut s.latency_p99_s, 3.0);
    let removed = new.cases.pop().unwrap().id;
    let cmp = compare(&base, &new);
    let id = &new.cases[victim].id;
    for c in &cmp.changed {
        if &c.id == id {
            assert_eq!(c.throughput.verdict, Verdict::Worse);
            assert!((c.throughput.ratio + 0.5).abs() < 1e-9);
            assert_eq!(c.latency_p99.verdict, Verdict::Worse);
        } else {
            assert_eq!(c.throughput.verdict, Verdict::WithinNoise, "{}", c.id);
        }
    }
    assert_eq!(cmp.removed, [removed]);
    let md = cmp.to_markdown("base.json", "new.json");
    assert!(md.contains("| slower |") && md.contains("-50.0 %"), "{md}");
    assert!(md.contains("Only in the base run"), "{md}");
}

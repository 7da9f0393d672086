//! Regression: `report` and `compare` accepted impossible numbers — a
//! results file with negative throughput or speed-up rendered (the
//! speed-up axis started at −3) and compare printed "−200.0 % slower".
//! Reading a results file now refuses them with one line that names the
//! case and the field.

use std::path::Path;

use bakeoff_reports::{ReportError, Results};
use serde_json::Value;

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpu-small.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes `v` to a file and reads it back as results.
fn read(v: &Value) -> Result<Results, ReportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    std::fs::write(&path, serde_json::to_vec(v).unwrap()).unwrap();
    Results::read(&path)
}

/// Changes `v` at the JSON pointer `at` to `to`, reads it, and checks the
/// error names the case, `field` and every needle, in one line.
fn refused(at: &str, to: Value, field: &str, needles: &[&str]) {
    let mut v = fixture();
    let case = v["cases"][1]["id"].as_str().unwrap().to_string();
    *v.pointer_mut(at)
        .unwrap_or_else(|| panic!("{at} is in the fixture")) = to;
    let e = read(&v).expect_err(at).to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    for needle in [case.as_str(), field].iter().chain(needles) {
        assert!(e.contains(needle), "`{needle}` not in: {e}");
    }
}

#[test]
fn the_fixture_itself_reads() {
    read(&fixture()).unwrap();
}

#[test]
fn negative_rates_and_speed_ups_are_refused_naming_case_and_field() {
    refused(
        "/cases/1/repetitions/0/throughput",
        (-5.0).into(),
        "repetitions[0].throughput",
        &["negative"],
    );
    refused(
        "/cases/1/speedup_vs_seq",
        (-3.0).into(),
        "speedup_vs_seq",
        &["-3", "negative"],
    );
    refused(
        "/cases/1/summary/throughput/median",
        (-1.0).into(),
        "summary.throughput.median",
        &["negative"],
    );
}

#[test]
fn negative_durations_and_memory_are_refused_naming_case_and_field() {
    refused(
        "/cases/1/repetitions/0/wall",
        (-5).into(),
        "repetitions[0].wall",
        &["-5"],
    );
    refused(
        "/cases/1/repetitions/1/peak_rss",
        (-1).into(),
        "repetitions[1].peak_rss",
        &["-1"],
    );
}

#[test]
fn a_percentile_above_the_maximum_is_refused() {
    let mut v = fixture();
    let max = v["cases"][1]["repetitions"][0]["latency"]["max"]
        .as_u64()
        .unwrap();
    refused(
        "/cases/1/repetitions/0/latency/p99",
        (max + 1).into(),
        "repetitions[0].latency",
        &["above"],
    );
    // A median outside its own min and max.
    let min = v["cases"][1]["summary"]["wall_s"]["min"].as_f64().unwrap();
    *v.pointer_mut("/cases/1/summary/wall_s/median").unwrap() = (min / 2.0).into();
    let e = read(&v).unwrap_err().to_string();
    assert!(
        e.contains("summary.wall_s.median") && e.contains("outside"),
        "{e}"
    );
}

/// `startups` and `interpreter_startups` (repeated start-ups) go together:
/// a measured list is never empty and the interpreter's part has one value
/// per start.
#[test]
fn start_up_lists_that_do_not_match_are_refused() {
    let mut v = fixture();
    v["cases"][1]["startups"] = serde_json::json!([3, 2, 1]);
    v["cases"][1]["interpreter_startups"] = serde_json::json!([1, 1, 1]);
    read(&v).unwrap();
    let mut v = fixture();
    v["cases"][1]["startups"] = serde_json::json!([3, 2, 1]);
    v["cases"][1]["interpreter_startups"] = serde_json::json!([1, 1]);
    let e = read(&v).unwrap_err().to_string();
    assert!(
        e.contains("interpreter_startups") && e.contains("2 values for 3"),
        "{e}"
    );
    v["cases"][1]["startups"] = serde_json::json!([]);
    let e = read(&v).unwrap_err().to_string();
    assert!(e.contains("startups") && e.contains("empty"), "{e}");
}

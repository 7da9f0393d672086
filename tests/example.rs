//! The embedding story of the README, run as a user runs it: the examples
//! `custom_workload` (a CPU workload of one's own) and `io_workload` (an IO
//! workload of one's own, against the embedded echo server) each compare
//! every runner in child processes that re-execute the example binary, and
//! a program that forgets `child_entry` is stopped with one line naming it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bakeoff::runners::RunnerKind;

/// `target/<profile>/examples/NAME`, which `cargo test` builds beside the
/// test binaries (`target/<profile>/deps/`).
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join("examples").join(name);
    assert!(
        bin.exists(),
        "{} is missing; `cargo test` builds examples, run it through cargo",
        bin.display()
    );
    bin
}

fn run_example(name: &str, out: &Path, args: &[&str]) -> Output {
    Command::new(example_binary(name))
        .arg("--out")
        .arg(out)
        .args(args)
        .env("BAKEOFF_EXAMPLE_QUIET", "1")
        .env_remove("BAKEOFF_ROLE")
        // An error returned from main would print a backtrace after it.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap()
}

/// Checks that `dir` holds a verified run of `workload` under every runner
/// of the runner table — CPython's skipped, naming why: a workload of
/// one's own has no Python form — and its report when `report`.
fn every_runner_verified(dir: &Path, workload: &str, report: bool) {
    let text = std::fs::read_to_string(dir.join("results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = results["cases"].as_array().unwrap();
    let runners: Vec<&str> = cases
        .iter()
        .map(|c| c["runner"].as_str().unwrap())
        .collect();
    let every: Vec<&str> = RunnerKind::all().map(|k| k.id()).collect();
    assert_eq!(runners, every);
    let reference = cases[0]["verification"]["reference"].clone();
    assert!(reference.is_string(), "{:#}", cases[0]);
    for c in cases {
        assert_eq!(c["workload"], workload);
        if c["family"] == "cpython" {
            assert_eq!(c["status"], "skipped", "{c:#}");
            let reason = c["failure"]["reason"].as_str().unwrap_or_default();
            assert!(reason.contains("has no Python form"), "{reason}");
            continue;
        }
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["verification"]["verified"], true, "{c:#}");
        assert_eq!(c["verification"]["reference"], reference);
    }
    assert!(dir.join("results.csv").exists());
    if report {
        // Bakeoff::run writes the report, as `bakeoff run` does.
        let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(index.contains(workload), "the report names {workload}");
        assert!(dir.join("summary.md").exists());
    } else {
        assert!(!dir.join("index.html").exists(), "report(false) wrote one");
    }
}

#[test]
fn the_custom_workload_example_runs_verified_under_every_runner() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_example("custom_workload", dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "example failed: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("results.json"));
    every_runner_verified(dir.path(), "collatz", true);
}

#[test]
fn the_io_workload_example_talks_to_the_embedded_server_under_every_runner() {
    let dir = tempfile::tempdir().unwrap();
    // Also the builder's `.report(false)`.
    let out = run_example("io_workload", dir.path(), &["--no-report"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "example failed: {stderr}");
    every_runner_verified(dir.path(), "heartbeat", false);
    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&text).unwrap();
    for c in results["cases"].as_array().unwrap() {
        if c["status"] == "skipped" {
            continue;
        }
        // 20 tasks × 4 beats per batch, one warm-up and two repetitions:
        // every request reached the echo server this program started.
        assert_eq!(c["server"]["kind"], "echo", "{c:#}");
        assert_eq!(c["server"]["requests"], 20 * 4 * 3, "{c:#}");
    }
}

/// Regression: a program that forgot `child_entry` re-executed itself
/// without end (976 output directories and about 978 processes in 15 s).
/// Now its case child refuses to start a run, and the run stops with one
/// line naming `child_entry`: a handshake, not a timeout.
#[test]
fn a_program_that_forgets_child_entry_is_stopped_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    let out = run_example("forgot_child_entry", &out_dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    for needle in [
        "did not answer as a bakeoff case child",
        // Stopped by the handshake (the child exited), not the 30 s timeout.
        "without its hello line",
        "bakeoff::child_entry(&registry)",
        // The child's own refusal, quoted.
        "a run was started inside a bakeoff case process",
    ] {
        assert!(lines[0].contains(needle), "`{needle}` not in: {stderr}");
    }
    // Only the run's own directory was made: no child started a run.
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(made.len(), 1);
}

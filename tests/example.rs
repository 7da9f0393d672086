//! `examples/custom_workload.rs` is the embedding story of the README: a
//! user workload registered in a dozen lines, run under several runners in
//! child processes that re-execute the example binary. This test runs it.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/custom_workload`, which `cargo test` builds
/// beside the test binaries (`target/<profile>/deps/`).
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join("examples").join("custom_workload");
    assert!(
        bin.exists(),
        "{} is missing; `cargo test` builds examples, run it through cargo",
        bin.display()
    );
    bin
}

#[test]
fn the_custom_workload_example_runs_verified_under_every_listed_runner() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(example_binary())
        .arg("--out")
        .arg(dir.path())
        .env("BAKEOFF_EXAMPLE_QUIET", "1")
        .env_remove("BAKEOFF_ROLE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "example failed: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("results.json"));

    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = results["cases"].as_array().unwrap();
    let runners: Vec<&str> = cases
        .iter()
        .map(|c| c["runner"].as_str().unwrap())
        .collect();
    assert_eq!(
        runners,
        [
            "seq",
            "thread-pool",
            "rayon",
            "tokio-mt",
            "fork-pool",
            "spawn-pool",
            "forkserver-pool"
        ]
    );
    let reference = cases[0]["verification"]["reference"].clone();
    for c in cases {
        assert_eq!(c["workload"], "collatz");
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["verification"]["verified"], true, "{c:#}");
        assert_eq!(c["verification"]["reference"], reference);
    }
}

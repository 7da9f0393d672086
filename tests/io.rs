//! IO workloads through the command line: the course's concurrent sleeps
//! verified against their declared digest, and the operating-system limits
//! a high concurrency runs into, each failing with its name and fix
//! (provoked with low limits in a child shell) — never a hang.

use std::path::Path;

use serde_json::Value;

fn bakeoff_path() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("bakeoff")
}

fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// Runs `bakeoff ARGS` under `sh -c 'LIMITS; exec bakeoff ARGS'`.
fn under_limits(limits: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{limits}; exec \"$0\" \"$@\""))
        .arg(bakeoff_path())
        .args(args)
        .env_remove("BAKEOFF_ROLE")
        .output()
        .unwrap()
}

#[test]
fn concurrent_sleeps_match_their_declared_digest_under_every_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = under_limits(
        "true",
        &[
            "run",
            "--workload",
            "sleep",
            "--runner",
            "thread-per-task,thread-pool,tokio-ct,tokio-mt,async-std,smol,fork-pool",
            "--set",
            "duration=5ms",
            "--tasks",
            "40",
            "--workers",
            "2",
            "--reps",
            "1",
            "--quiet",
            "--out",
            out,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    // No seq reference run is added for an IO workload.
    assert_eq!(cases.len(), 7);
    for c in cases {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["verification"]["verified"], true, "{c}");
        assert_eq!(c["workload_kind"], "io");
    }
}

#[test]
fn a_thread_limit_fails_the_case_naming_the_limit_and_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // 600 MB of address space holds a few dozen 2 MiB thread stacks (and
    // malloc arenas), far fewer than the 2000 sleeping threads asked for.
    let o = under_limits(
        "ulimit -v 600000",
        &[
            "run",
            "--workload",
            "sleep",
            "--runner",
            "thread-per-task",
            "--set",
            "duration=200ms",
            "--tasks",
            "2000",
            "--reps",
            "1",
            "--quiet",
            "--out",
            out,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = results(dir.path());
    let c = &r["cases"][0];
    assert_eq!(c["status"], "failed");
    let reason = c["failure"]["reason"].as_str().unwrap();
    assert!(reason.contains("cannot start thread"), "{reason}");
    assert!(
        reason.contains("address-space limit") && reason.contains("ulimit -v"),
        "{reason}"
    );
    assert_eq!(reason.lines().count(), 1, "{reason}");
}

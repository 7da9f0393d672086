//! Peak memory as the case process really had it: the reported peak
//! against an outside `/proc` poller, and bytes per task against the
//! number of warm-up batches.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

/// One run at a time: a second case beside it changes how the tokio
/// workers share the tasks, and with that how the memory falls between
/// their allocator arenas.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// `VmRSS` of `pid` from `/proc/<pid>/status`, in bytes.
fn vm_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// The case child of `parent`: its child with `BAKEOFF_ROLE=case`.
fn case_child(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The fields after the command name, which may hold spaces.
        let ppid: u32 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
        let is_case = environ
            .split(|b| *b == 0)
            .any(|v| v == b"BAKEOFF_ROLE=case");
        (ppid == parent && is_case).then_some(pid)
    })
}

/// Runs `bakeoff run -q --out <out> <args>` (one case) while polling its
/// case process's `VmRSS` from outside every millisecond; returns the case
/// from results.json and the largest `VmRSS` seen, in bytes.
fn run_polled(out: &Path, args: &[&str]) -> (Value, u64) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("bakeoff"))
        .env_remove("BAKEOFF_ROLE")
        .args(["run", "-q", "--force", "--out"])
        .arg(out)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (mut case, mut max) = (None, 0);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if case.is_none() {
            case = case_child(child.id());
        }
        if let Some(rss) = case.and_then(vm_rss) {
            max = max.max(rss);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert!(status.success(), "bakeoff run {args:?}: {status}");
    assert!(max > 0, "the case process was never seen");
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    let results: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results["cases"].as_array().unwrap().len(), 1, "one case");
    (results["cases"][0].clone(), max)
}

fn bytes(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not a byte count: {v}"))
}

#[test]
fn the_reported_peak_is_the_one_an_outside_poller_sees() {
    // The issue: 100 000 sleeps peaked at 69–71 MiB from outside while
    // `baseline_rss + peak_rss` said 49–51 MiB. 20 000 sleeps of 500 ms
    // hold their peak for long enough that a 1 ms poller sees it.
    let dir = tempfile::tempdir().unwrap();
    let (case, outside) = run_polled(
        dir.path(),
        &[
            "--workload",
            "sleep",
            "--runner",
            "tokio-mt",
            "--tasks",
            "20000",
            "--set",
            "duration=500ms",
            "--reps",
            "1",
            "--warmup",
            "0",
        ],
    );
    let rep = &case["repetitions"][0];
    let reported = bytes(&rep["process_peak_rss"]);
    let source = rep["peak_rss_source"].as_str().unwrap();
    assert!(["vm_hwm", "sampler"].contains(&source), "{source}");
    if source == "sampler" {
        println!("note: this kernel would not reset VmHWM; the 1 ms sampler measured");
    }
    let off = reported.abs_diff(outside) as f64 / outside as f64;
    println!("peak: reported {reported} B ({source}), outside poller {outside} B");
    assert!(
        off <= 0.10,
        "reported peak {reported} B, outside poller {outside} B: {:.1} % apart",
        off * 100.0
    );
    // The peak above idle leaves out what the process held before its
    // first batch (baseline, runner, the harness's job): less than the
    // peak, and not nothing.
    let above_idle = bytes(&rep["peak_rss"]);
    assert!(above_idle < reported, "{above_idle} >= {reported}");
    assert!(above_idle > 0, "20 000 sleeps took no memory");
}

#[test]
fn bytes_per_task_do_not_depend_on_the_number_of_warm_ups() {
    // Regression: `peak_rss` was measured from the RSS just before each
    // batch, which after an earlier batch holds free memory the allocator
    // kept (the tops of the tokio workers' glibc arenas, which
    // `malloc_trim` cannot return) and the batch then reuses: every batch
    // but a case's first seemed to need about a fifth less (medians 15–25 %
    // below the first batch here, against at most 5 % now).
    let tasks = 50_000;
    let args = |warmup: &'static str| {
        vec![
            "--workload",
            "sleep",
            "--runner",
            "tokio-mt",
            "--tasks",
            "50000",
            "--set",
            "duration=200ms",
            "--reps",
            "3",
            "--warmup",
            warmup,
        ]
    };
    let per_task = |case: &Value| -> Vec<f64> {
        case["repetitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| bytes(&r["peak_rss"]) as f64 / tasks as f64)
            .collect()
    };
    // The median of the repetitions, as the figures and tables show it.
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let dir = tempfile::tempdir().unwrap();
    let (none, _) = run_polled(&dir.path().join("w0"), &args("0"));
    let (two, _) = run_polled(&dir.path().join("w2"), &args("2"));
    let (none, two) = (per_task(&none), per_task(&two));
    // The case's first batch, with nothing before it to reuse.
    let first = none[0];
    let (none, two) = (median(none), median(two));
    println!("bytes per task: first batch {first:.0}, median {none:.0} with no warm-up, {two:.0} after 2");
    // The regression read later batches low, 15–25 % below the first. A
    // busy machine (other builds running, tokio's workers scheduled late)
    // moves a batch's peak up, by 12 % once here: that direction is noise,
    // bounded wider.
    for (what, value, against) in [
        ("no warm-up", none, first),
        ("2 warm-ups", two, first),
        ("2 warm-ups against none", two, none),
    ] {
        let off = (value - against) / against;
        assert!(
            (-0.10..=0.25).contains(&off),
            "bytes per task with {what}: {value:.0} against {against:.0}, {:+.1} % (a reused arena reads low)",
            off * 100.0
        );
    }
}

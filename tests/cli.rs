//! The command line as a user meets it: listing, bad input, faults,
//! Ctrl-C, and the files a run leaves behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn bakeoff() -> Command {
    let mut c = Command::cargo_bin("bakeoff").unwrap();
    c.env_remove("BAKEOFF_ROLE");
    c
}

fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// Runs `args` and expects exit code 2 with one `error:` line naming `needles`.
fn rejects(args: &[&str], needles: &[&str]) {
    let out = bakeoff().args(args).assert().code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "`{n}` not in: {stderr}");
    }
}

#[test]
fn list_shows_every_workload_and_runner_with_parameters() {
    let out = bakeoff()
        .arg("list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for id in [
        "noop",
        "countdown",
        "primes",
        "sha256",
        "mandelbrot",
        "shared-counter",
        "seq",
        "thread-per-task",
        "thread-pool",
        "rayon",
        "tokio-ct",
        "tokio-mt",
        "async-std",
        "smol",
    ] {
        assert!(text.contains(id), "{id} missing from list");
    }
    assert!(text.contains("n = 100000000"), "countdown default");
    assert!(text.contains("cpu = inline"), "async runner parameter");
    assert!(text.contains("deprecated upstream"), "async-std note");
    assert!(text.contains("available: yes"));
    assert!(
        text.contains("one task at a time, under seq or py-seq only"),
        "shared-counter's constraint"
    );
}

#[test]
fn unknown_ids_suggest_the_closest() {
    rejects(
        &["run", "--workload", "prims"],
        &["unknown workload `prims`", "did you mean `primes`"],
    );
    rejects(
        &["run", "--workload", "primes", "--runner", "tokio"],
        &["unknown runner `tokio`", "did you mean `tokio-ct`"],
    );
    rejects(
        &["run", "--workload", "primes", "--set", "numbrs=7"],
        &["`numbrs`", "did you mean `numbers`"],
    );
    // Regression: ids are lower case, and one typed in capitals got no hint.
    rejects(
        &["run", "--workload", "primes", "--runner", "THREAD-POOL"],
        &["unknown runner `THREAD-POOL`", "did you mean `thread-pool`"],
    );
}

#[test]
fn zero_and_malformed_values_are_named() {
    rejects(
        &["run", "--workload", "noop", "--workers", "0"],
        &["workers=0", "at least 1"],
    );
    rejects(&["run", "--workload", "noop", "--tasks", "0"], &["tasks=0"]);
    rejects(
        &["run", "--workload", "noop", "--workers", "1,x"],
        &["--workers `1,x`", "`x` is not a whole number"],
    );
    rejects(
        &["run", "--workload", "noop", "--workers", "1,,2"],
        &["empty item"],
    );
    rejects(
        &["run", "--workload", "noop", "--set", "cpu"],
        &["--set `cpu`", "KEY=VALUE"],
    );
    rejects(
        &[
            "run",
            "--workload",
            "noop",
            "--runner",
            "tokio-mt",
            "--set",
            "cpu=sideways",
        ],
        &["cpu=sideways", "inline or offload"],
    );
    rejects(
        &["run", "--workload", "countdown", "--set", "n=-3"],
        &["n=-3"],
    );
    rejects(
        &["run", "--runner", "rayon"],
        &["--runner needs --workload"],
    );
}

#[test]
fn suite_file_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad_key = dir.path().join("bad_key.toml");
    std::fs::write(
        &bad_key,
        "name = \"x\"\n\n[[sweep]]\nworkload = \"noop\"\nworkrs = 2\n",
    )
    .unwrap();
    rejects(
        &["run", "--suite", bad_key.to_str().unwrap()],
        &["bad_key.toml:5", "workrs"],
    );
    let bad_workload = dir.path().join("bad_workload.toml");
    std::fs::write(
        &bad_workload,
        "[[sweep]]\nworkload = \"noop\"\n\n[[sweep]]\nworkload = \"sha265\"\n",
    )
    .unwrap();
    rejects(
        &["run", "--suite", bad_workload.to_str().unwrap()],
        &["bad_workload.toml:4", "did you mean `sha256`"],
    );
    let bad_type = dir.path().join("bad_type.toml");
    std::fs::write(
        &bad_type,
        "reps = 0\n[[sweep]]\nworkload = \"noop\"\nworkers = \"2\"\n",
    )
    .unwrap();
    rejects(
        &["run", "--suite", bad_type.to_str().unwrap()],
        &["bad_type.toml:4", "`workers`", "workers = [1, 2]"],
    );
    std::fs::write(&bad_type, "reps = 0\n[[sweep]]\nworkload = \"noop\"\n").unwrap();
    rejects(
        &["run", "--suite", bad_type.to_str().unwrap()],
        &["bad_type.toml:1", "`reps`: 0 is invalid"],
    );
    let bad_toml = dir.path().join("bad_toml.toml");
    std::fs::write(&bad_toml, "[[sweep]\nworkload = 1\n").unwrap();
    rejects(
        &["run", "--suite", bad_toml.to_str().unwrap()],
        &["bad_toml.toml:1"],
    );
    rejects(
        &["run", "--suite", "quik"],
        &["suite `quik`", "smoke, quick, standard"],
    );
}

#[test]
fn an_unwritable_output_directory_is_refused_before_running() {
    rejects(
        &[
            "run",
            "--workload",
            "noop",
            "--out",
            "/proc/bakeoff-cannot-write",
        ],
        &["/proc/bakeoff-cannot-write", "--out"],
    );
}

#[test]
fn an_ad_hoc_sweep_writes_valid_results_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "primes",
            "--runner",
            "rayon,tokio-mt",
            "--workers",
            "1,2",
            "--reps",
            "2",
        ])
        .args([
            "--set",
            "numbers=1000003:999999",
            "--set",
            "cpu=inline,offload",
            "--tasks",
            "8",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    // seq (added as the reference) + rayon × 2 workers + tokio-mt × 2 workers × 2 cpu modes.
    assert_eq!(cases.len(), 1 + 2 + 4, "{:#}", r["cases"]);
    assert_eq!(cases[0]["runner"], "seq");
    for c in cases {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["verification"]["verified"], true);
        assert_eq!(c["repetitions"].as_array().unwrap().len(), 2);
        assert!(c["speedup_vs_seq"].as_f64().unwrap() > 0.0);
        assert!(c["summary"]["throughput"]["median"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(r["complete"], true);
    assert!(r["environment"]["logical_cores"].as_u64().unwrap() >= 1);
    assert!(r["environment"]["crates"]["tokio"].is_string());
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 7 * 2,
        "a header and a row per case and repetition"
    );
    assert!(csv.lines().next().unwrap().starts_with("case_id,workload,"));

    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("docs/results.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&r)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "results.json does not match the schema: {errors:#?}"
    );
}

#[test]
fn the_committed_json_schema_is_the_generated_one() {
    let generated = bakeoff_reports_schema();
    let path = Path::new("docs/results.schema.json");
    if std::env::var_os("BAKEOFF_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/results.schema.json is stale: run `cargo run -- schema > docs/results.schema.json`"
    );
}

fn bakeoff_reports_schema() -> String {
    String::from_utf8(
        bakeoff()
            .arg("schema")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
}

#[test]
fn crashing_and_hanging_cases_are_recorded_as_failed_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "fault",
            "--runner",
            "thread-pool",
            "--workers",
            "2",
            "--reps",
            "1",
            "--warmup",
            "0",
        ])
        .args([
            "--set",
            "mode=none,panic,segfault,exit,abort,hang",
            "--set",
            "at=1",
            "--case-timeout",
            "3",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(1);
    let r = results(dir.path());
    let reason = |mode: &str, runner: &str| -> String {
        let case = r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["workload_params"]["mode"] == mode && c["runner"] == runner)
            .unwrap_or_else(|| panic!("no {mode}/{runner} case"));
        case["failure"]["reason"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(reason("none", "thread-pool"), "");
    assert!(
        reason("panic", "thread-pool").contains("task 1 panicked: fault workload"),
        "{}",
        reason("panic", "thread-pool")
    );
    assert!(reason("segfault", "thread-pool").contains("SIGSEGV"));
    assert!(reason("abort", "thread-pool").contains("SIGABRT"));
    assert!(reason("exit", "thread-pool").contains("exited with status 3"));
    assert!(reason("hang", "thread-pool").contains("timed out after 3 s"));
    // The seq reference of a faulty configuration fails too, and nothing
    // failed is summarised as a success.
    for c in r["cases"].as_array().unwrap() {
        if c["status"] == "failed" {
            assert!(c["summary"].is_null(), "{c:#}");
        }
    }
    assert_eq!(r["complete"], true);
}

/// Runs `bakeoff case` with `case` on stdin's first line and `commands`
/// after it; the hello line and the messages it printed.
fn case_child(case: &Value, commands: &[&str]) -> (String, Vec<Value>) {
    let mut input = case.to_string() + "\n";
    for c in commands {
        input += c;
        input += "\n";
    }
    let out = bakeoff()
        .arg("case")
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    let hello = lines.next().unwrap_or_default().to_string();
    let messages = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    (hello, messages)
}

#[test]
fn the_case_child_reports_metrics_the_orchestrator_parses() {
    let case = serde_json::json!({
        "workload": "countdown", "workload_params": {"n": "1000"}, "runner": "smol",
        "runner_params": {"cpu": "offload"}, "workers": 2, "concurrency": 2, "tasks": 6,
        "seed": 1, "reps": 2, "warmup": 1
    });
    // The hello line of the case-child handshake, then one message per
    // line: ready, a repetition per `rep`, done after `stop`.
    let (hello, messages) = case_child(&case, &["rep", "rep", "stop"]);
    assert_eq!(hello, "bakeoff-case-child protocol=2");
    assert_eq!(messages.len(), 4, "{messages:#?}");
    let ready = &messages[0]["ready"];
    assert!(ready["startup"].as_u64().is_some(), "{messages:#?}");
    // No target time: one batch per repetition.
    assert_eq!(ready["calibration"]["batches"], 1);
    let reps: Vec<&Value> = messages[1..3].iter().map(|m| &m["rep"]).collect();
    for r in &reps {
        assert!(r["wall"].as_u64().unwrap() > 0);
        assert!(r["latency"]["p50"].as_u64().unwrap() <= r["latency"]["max"].as_u64().unwrap());
        assert!(r["service"]["p99"].as_u64().unwrap() > 0);
        assert_eq!(r["digest"], reps[0]["digest"]);
        assert!(r["digest"].as_str().unwrap().ends_with("/6"));
        assert!(r.get("batches").is_none(), "{r:#}");
        let i = &r["interference"];
        assert!(i["steal"].as_f64().unwrap() >= 0.0 && i["others"].as_f64().unwrap() >= 0.0);
        assert!(i["flagged"].is_boolean(), "{i:#}");
    }
    assert!(
        messages[3]["done"]["teardown"].as_u64().is_some(),
        "{messages:#?}"
    );
}

#[test]
fn a_case_child_calibrates_batches_to_the_target_or_takes_them_as_given() {
    let mut case = serde_json::json!({
        "workload": "countdown", "workload_params": {"n": "1000"}, "runner": "thread-pool",
        "runner_params": {}, "workers": 2, "tasks": 4,
        "seed": 1, "reps": 1, "warmup": 0, "target_ns": 20_000_000u64
    });
    // 4 countdowns of 1 000 take microseconds: 20 ms needs many batches,
    // at most Calibration::MAX_BATCHES.
    let (_, messages) = case_child(&case, &["rep", "stop"]);
    let calibration = &messages[0]["ready"]["calibration"];
    let batches = calibration["batches"].as_u64().unwrap();
    assert!(batches > 1 && batches <= 1000, "{calibration:#}");
    assert_eq!(calibration["inherited"], false);
    assert!(calibration["batch_wall"].as_u64().unwrap() > 0);
    let rep = &messages[1]["rep"];
    assert_eq!(rep["batches"].as_u64(), Some(batches), "{rep:#}");
    // Every batch's tasks count: the digest is one batch's, the rate is
    // over all of them.
    assert!(rep["digest"].as_str().unwrap().ends_with("/4"));
    // Batches given (by the other build in an interleaved compare) are
    // taken as they are.
    case["batches"] = 7.into();
    let (_, messages) = case_child(&case, &["rep"]);
    let calibration = &messages[0]["ready"]["calibration"];
    assert_eq!(
        (
            calibration["batches"].as_u64(),
            calibration["inherited"].as_bool()
        ),
        (Some(7), Some(true))
    );
    assert_eq!(messages[1]["rep"]["batches"], 7);
    // The end of stdin stops the child as `stop` does.
    assert!(
        messages.last().unwrap()["done"].is_object(),
        "{messages:#?}"
    );
}

#[test]
fn a_case_child_answers_an_unknown_command_with_an_error() {
    let case = serde_json::json!({
        "workload": "noop", "workload_params": {}, "runner": "seq", "runner_params": {},
        "workers": null, "tasks": 4, "seed": 1, "reps": 1, "warmup": 0
    });
    let (_, messages) = case_child(&case, &["again"]);
    let error = messages.last().unwrap()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("unknown command `again`"), "{messages:#?}");
}

fn processes_with_marker(marker: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(env) = std::fs::read(entry.path().join("environ")) {
            if env.split(|b| *b == 0).any(|kv| kv == marker.as_bytes()) {
                pids.push(pid);
            }
        }
    }
    pids
}

#[test]
fn ctrl_c_keeps_finished_cases_and_leaves_no_process_behind() {
    // The noop case finishes; the fault case then hangs at task 0 until Ctrl-C.
    let args = [
        "--workload",
        "noop,fault",
        "--runner",
        "seq",
        "--set",
        "mode=hang",
    ];
    interrupt_after_one_case(&args, 2, "seq");
}

#[test]
fn ctrl_c_during_a_pool_case_ends_its_workers_too() {
    // seq runs the 3M no-op tasks in well under a second; spawn-pool needs
    // tens of seconds, and is interrupted with its two workers alive.
    for runner in ["spawn-pool", "forkserver-pool", "fork-pool"] {
        let args = [
            "--workload",
            "noop",
            "--tasks",
            "3000000",
            "--runner",
            runner,
            "--workers",
            "2",
            "--warmup",
            "0",
        ];
        interrupt_after_one_case(&args, 4, runner);
    }
}

/// The CPython runners' interpreter and its pool's workers (and, for
/// forkserver, the server process and multiprocessing's resource
/// tracker): Ctrl-C and SIGKILL of the orchestrator leave no python
/// process. The noop cases finish; the 60 s sleeps are interrupted.
#[test]
fn ctrl_c_or_sigkill_during_a_cpython_case_leaves_no_python_process() {
    if bakeoff::runners::python::interpreter("auto").is_err() {
        eprintln!("note: no python3 here; nothing to interrupt");
        return;
    }
    for runner in ["py-fork", "py-spawn", "py-forkserver", "py-asyncio"] {
        let args = [
            "--workload",
            "noop,sleep",
            "--runner",
            runner,
            "--workers",
            "2",
            "--tasks",
            "100",
            "--set",
            "duration=60s",
        ];
        // The orchestrator, the case and the interpreter; a pool's two
        // workers beside them.
        let alive = if runner == "py-asyncio" { 3 } else { 5 };
        let interrupted: Vec<&str> = args.iter().copied().chain(["--warmup", "0"]).collect();
        interrupt_after_one_case(&interrupted, alive, runner);
        // (kill_orchestrator_when_running sets --warmup itself.)
        kill_orchestrator_when_running(&args, alive, runner);
    }
}

#[test]
fn ctrl_c_during_an_io_case_stops_the_embedded_server_too() {
    // tokio-mt has all 300 echoes in flight and finishes in ~60 ms;
    // thread-pool's two workers need seconds, and are interrupted with the
    // orchestrator, the case and the echo server alive.
    let args = [
        "--workload",
        "echo",
        "--runner",
        "tokio-mt,thread-pool",
        "--workers",
        "2",
        "--tasks",
        "300",
        "--set",
        "delay=50ms",
        "--warmup",
        "0",
    ];
    interrupt_after_one_case(&args, 3, "echo");
}

/// Runs `bakeoff run ARGS`, waits until one case is saved and at least
/// `alive` marked processes run (orchestrator, case, workers), sends
/// SIGINT, and checks the results file and that no process is left.
fn interrupt_after_one_case(args: &[&str], alive: usize, what: &str) {
    stop_after_one_case(args, alive, what, libc::SIGINT);
}

/// Regression: a run stopped by SIGTERM was reported as "interrupted by
/// Ctrl-C". It records and says the signal, and exits 128 + its number.
#[test]
fn sigterm_is_named_as_what_stopped_the_run() {
    let args = [
        "--workload",
        "noop,fault",
        "--runner",
        "seq",
        "--set",
        "mode=hang",
    ];
    stop_after_one_case(&args, 2, "sigterm", libc::SIGTERM);
}

/// [`interrupt_after_one_case`] with `signal` instead of SIGINT.
fn stop_after_one_case(args: &[&str], alive: usize, what: &str, signal: i32) {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = (
        "BAKEOFF_TEST_MARKER",
        format!("{}-{what}", std::process::id()),
    );
    let marker = format!("{key}={value}");
    let exe: PathBuf = assert_cmd::cargo::cargo_bin("bakeoff");
    let child = std::process::Command::new(exe)
        .arg("run")
        .args(args)
        .args(["--reps", "1", "-q", "--out"])
        .arg(dir.path())
        .env(key, &value)
        .env_remove("BAKEOFF_ROLE")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = std::fs::read_to_string(dir.path().join("results.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|r| r["cases"].as_array().map(Vec::len))
            .unwrap_or(0);
        if done == 1 && processes_with_marker(&marker).len() >= alive {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the run never reached the long case"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + signal));
    let r = results(dir.path());
    assert_eq!(r["interrupted"], true);
    let name = if signal == libc::SIGTERM {
        "SIGTERM"
    } else {
        "SIGINT"
    };
    assert_eq!(r["interrupted_by"], name);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("interrupted by {name}"))
            || name == "SIGINT" && stderr.contains("interrupted by Ctrl-C (SIGINT)"),
        "{stderr}"
    );
    assert_eq!(r["complete"], false);
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        1,
        "the finished case is kept, the interrupted one is not recorded"
    );
    assert_eq!(cases[0]["status"], "ok");
    assert_all_gone(&marker, &format!("{what}: processes left behind"));
}

/// Waits (10 s at most: killed processes may take a moment to be gone
/// from /proc) until no process carries `marker`, and fails with `what`
/// naming those that still do.
fn assert_all_gone(marker: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_with_marker(marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(processes_with_marker(marker), Vec::<u32>::new(), "{what}");
}

#[test]
fn every_option_reads_its_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = bakeoff()
        .args(["run"])
        .env("BAKEOFF_WORKLOAD", "primes")
        .env("BAKEOFF_RUNNER", "tokio-mt")
        .env("BAKEOFF_WORKERS", "2")
        .env("BAKEOFF_REPS", "1")
        .env("BAKEOFF_SET", "numbers=7:11 cpu=inline,offload")
        .env("BAKEOFF_QUIET", "1")
        .env("BAKEOFF_OUT", dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(!stdout.contains('┌'), "quiet: no table in {stdout}");
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    let modes: Vec<&str> = cases[1..]
        .iter()
        .map(|c| c["runner_params"]["cpu"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["inline", "offload"]);
    assert!(cases
        .iter()
        .all(|c| c["workload_params"]["numbers"] == "7:11"));
}

#[test]
fn process_pools_run_every_cpu_workload_verified_from_the_binary() {
    // Through the harness: the case process forks its own helper for
    // fork-pool and re-executes this binary for the other two.
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "noop,countdown,primes,sha256,mandelbrot",
        ])
        .args([
            "--runner",
            "fork-pool,spawn-pool,forkserver-pool",
            "--workers",
            "2",
            "--reps",
            "1",
        ])
        .args([
            "--tasks",
            "6",
            "--set",
            "n=1000",
            "--set",
            "numbers=1000003:7",
            "--set",
            "size=512",
        ])
        .args([
            "--set",
            "width=40",
            "--set",
            "max_iter=40",
            "--set",
            "chunksize=1,4",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5 * (1 + 3 * 2), "{:#}", r["cases"]);
    for c in cases {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["verification"]["verified"], true, "{c:#}");
    }
}

#[test]
fn a_crashing_pool_worker_fails_the_case_with_its_signal() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "fault",
            "--set",
            "mode=segfault",
            "--set",
            "at=1",
        ])
        .args([
            "--runner",
            "spawn-pool,fork-pool",
            "--workers",
            "2",
            "--reps",
            "1",
            "--warmup",
            "0",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(1);
    let r = results(dir.path());
    let reason = |runner: &str| {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["runner"] == runner)
            .unwrap()["failure"]["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let spawn = reason("spawn-pool");
    assert!(
        spawn.contains("task 1 failed: worker") && spawn.contains("SIGSEGV"),
        "{spawn}"
    );
    assert!(
        reason("fork-pool").contains("task 1 failed: worker")
            && reason("fork-pool").contains("SIGSEGV"),
        "{}",
        reason("fork-pool")
    );
}

#[test]
fn pool_flags_parent_memory_and_the_process_limit() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--tasks",
            "20",
            "--runner",
            "fork-pool,spawn-pool",
        ])
        .args([
            "--workers",
            "2",
            "--reps",
            "1",
            "--set",
            "parent_mb=0,16",
            "--retry",
            "1",
        ])
        .args(["--task-timeout", "5", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1 + 2 * 2, "{:#}", r["cases"]);
    for c in &cases[1..] {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["runner_params"]["retry"], "1");
        assert_eq!(c["runner_params"]["task_timeout"], "5");
        assert!(c["startup"].as_u64().unwrap() > 0, "{c:#}");
        let rep = &c["repetitions"][0];
        let (rss, pss) = (
            rep["pool_rss"].as_u64().unwrap(),
            rep["pool_pss"].as_u64().unwrap(),
        );
        assert!(pss > 0 && pss <= rss, "{rep:#}");
    }
    rejects(
        &[
            "run",
            "--workload",
            "noop",
            "--runner",
            "spawn-pool",
            "--set",
            "task_timeout=-1",
        ],
        &["task_timeout", "seconds"],
    );
    // More workers than the process limit allows: refused before starting.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -u 4 && exec {} run --workload noop --runner spawn-pool --workers 8 --reps 1 -q --out {}",
            assert_cmd::cargo::cargo_bin("bakeoff").display(),
            dir.path().join("limited").display()
        ))
        .env_remove("BAKEOFF_ROLE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let results =
        std::fs::read_to_string(dir.path().join("limited/results.json")).unwrap_or_default();
    assert!(
        results.contains("RLIMIT_NPROC") || stderr.contains("RLIMIT_NPROC"),
        "{stderr}\n{results}"
    );
}

#[test]
fn plan_lists_the_cases_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = bakeoff()
        .args(["run", "--suite", "smoke", "--plan", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (ids, last) = lines.split_at(lines.len() - 3);
    assert_eq!(last[2], format!("smoke: {} cases", ids.len()));
    assert!(
        last[1].starts_with("estimate: ")
            && last[1].ends_with(&format!("; {} runner start-ups", ids.len())),
        "{}",
        last[1]
    );
    assert!(
        last[0].starts_with("options: reps ")
            && last[0].contains("starts 1,")
            && last[0].contains("case timeout 600 s"),
        "{}",
        last[0]
    );
    assert!(
        ids.iter()
            .any(|l| l.starts_with("sleep[duration=10ms]/tokio-mt")),
        "{text}"
    );
    assert!(ids.iter().any(|l| l.starts_with("primes[")), "{text}");
    assert!(!dir.path().join("results.json").exists(), "nothing ran");
}

/// Regression: bare `bakeoff` built its options with Rust's `Default`,
/// which bypassed clap's defaults (a case timeout of 0 s), so the README's
/// first command failed at once while `bakeoff run` worked.
#[test]
fn bare_bakeoff_plans_what_bakeoff_run_plans() {
    let plan = |args: &[&str]| {
        let out = bakeoff()
            .args(args)
            .env("BAKEOFF_PLAN", "1")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let bare = plan(&[]);
    assert_eq!(bare, plan(&["run"]));
    assert!(bare.contains("case timeout 600 s"), "{bare}");
    assert!(bare.trim_end().ends_with(" cases"), "{bare}");
    // The variables apply to both alike.
    let timeout = |args: &[&str]| {
        let out = bakeoff()
            .args(args)
            .env("BAKEOFF_PLAN", "1")
            .env("BAKEOFF_CASE_TIMEOUT", "42")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    assert!(timeout(&[]).contains("case timeout 42 s"));
    assert_eq!(timeout(&[]), timeout(&["run"]));
}

/// Regression: SIGKILL of the orchestrator (which can clean up nothing)
/// left its case child, in a process group of its own, running under init
/// for ever, and pool workers until their case ended. Every process bakeoff
/// starts now dies with the one that started it (PR_SET_PDEATHSIG).
#[test]
fn sigkill_of_the_orchestrator_takes_every_process_it_started_with_it() {
    let hang = [
        "--workload",
        "fault",
        "--set",
        "mode=hang",
        "--runner",
        "seq",
    ];
    kill_orchestrator_when_running(&hang, 2, "seq");
    // seq runs the 3M no-op tasks in well under a second; the pools need
    // tens of seconds, and are killed with the orchestrator, the case and
    // two workers alive (and a fork server, for two of them).
    for runner in ["spawn-pool", "forkserver-pool", "fork-pool"] {
        let args = [
            "--workload",
            "noop",
            "--tasks",
            "3000000",
            "--runner",
            runner,
            "--workers",
            "2",
        ];
        kill_orchestrator_when_running(&args, 4, runner);
    }
    // An IO case: the orchestrator, its embedded echo server, the case.
    let echo = [
        "--workload",
        "echo",
        "--runner",
        "seq",
        "--tasks",
        "2",
        "--set",
        "delay=20s",
    ];
    kill_orchestrator_when_running(&echo, 3, "echo");
}

/// Runs `bakeoff run ARGS`, waits until at least `alive` marked processes
/// run, SIGKILLs the orchestrator alone and checks that none is left.
fn kill_orchestrator_when_running(args: &[&str], alive: usize, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = (
        "BAKEOFF_TEST_MARKER",
        format!("{}-kill-{what}", std::process::id()),
    );
    let marker = format!("{key}={value}");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bakeoff"))
        .arg("run")
        .args(args)
        .args(["--reps", "1", "--warmup", "0", "-q", "--out"])
        .arg(dir.path())
        .env(key, &value)
        .env_remove("BAKEOFF_ROLE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while processes_with_marker(&marker).len() < alive {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: never saw {alive} processes running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_all_gone(
        &marker,
        &format!("{what}: processes outlived a SIGKILLed orchestrator"),
    );
}

/// Regression: a second run into an existing --out directory replaced its
/// results.json without a word and left the first run's figures beside its
/// own; `report A --out B` left B's index.html describing A beside B's own
/// results. Measured results are never overwritten silently now.
#[test]
fn an_out_directory_with_results_is_refused_unless_forced_and_then_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    let run = |extra: &[&str]| {
        let mut cmd = bakeoff();
        cmd.args([
            "run",
            "--workload",
            "primes,countdown",
            "--runner",
            "seq,thread-pool",
        ])
        .args([
            "--tasks", "2", "--reps", "1", "--warmup", "0", "-q", "--out",
        ])
        .arg(&d)
        .args(extra);
        cmd
    };
    run(&[]).assert().success();
    let first = std::fs::read(d.join("results.json")).unwrap();
    let figures = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d.join("figures"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let first_figures = figures(&d);

    // A second run into it is refused, before anything is printed, and
    // the first run is untouched.
    let out = bakeoff()
        .args([
            "run",
            "--workload",
            "sha256",
            "--runner",
            "seq",
            "--tasks",
            "2",
        ])
        .args(["--reps", "1", "--warmup", "0", "--out"])
        .arg(&d)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for needle in [
        d.to_str().unwrap(),
        "already holds measured results",
        "--force",
        "4 cases",
    ] {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
    assert_eq!(std::fs::read(d.join("results.json")).unwrap(), first);

    // --force replaces it whole: the new run's cases and figures only,
    // and a file of the user's own is left alone.
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "sha256",
            "--runner",
            "seq",
            "--tasks",
            "2",
        ])
        .args(["--reps", "1", "--warmup", "0", "-q", "--force", "--out"])
        .arg(&d)
        .assert()
        .success();
    let r = results(&d);
    let cases = r["cases"].as_array().unwrap();
    assert!(cases.iter().all(|c| c["workload"] == "sha256"), "{r:#}");
    let now = figures(&d);
    assert!(!now.is_empty());
    assert!(
        now.iter()
            .all(|f| !first_figures.contains(f) || f.contains("sha256")),
        "stale figures: {now:?}"
    );
    assert!(
        now.iter()
            .all(|f| !f.contains("primes") && !f.contains("countdown")),
        "{now:?}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("notes.txt")).unwrap(),
        "mine"
    );

    // `report A --out B`, B holding another run: refused; with --force, B
    // is A's report alone.
    let a = dir.path().join("a");
    run(&[]).assert().code(2); // d holds results: still refused
    bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--runner",
            "seq",
            "--tasks",
            "2",
        ])
        .args(["--reps", "1", "--warmup", "0", "-q", "--out"])
        .arg(&a)
        .assert()
        .success();
    let report = |force: bool| {
        let mut cmd = bakeoff();
        cmd.arg("report")
            .arg(a.join("results.json"))
            .arg("--out")
            .arg(&d);
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    let refused = report(false).code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("already holds measured results"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    report(true).success();
    assert!(!d.join("results.json").exists());
    assert!(
        figures(&d).iter().all(|f| !f.contains("sha256")),
        "{:?}",
        figures(&d)
    );
    // Re-rendering a run into its own folder needs no --force.
    bakeoff()
        .arg("report")
        .arg(a.join("results.json"))
        .assert()
        .success();
}

/// Regression: `run --out FILE` printed its banner before the error.
#[test]
fn an_out_that_is_a_file_is_refused_before_the_banner() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let out = bakeoff()
        .args(["run", "--workload", "noop", "--runner", "seq", "--out"])
        .arg(file.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is a file, not a directory"), "{stderr}");
}

/// Regression: `--tasks 1000000000000` was not refused: every case died
/// with SIGABRT and a backtrace whose allocation-failure line was cut off.
#[test]
fn a_batch_larger_than_memory_is_refused_and_a_failed_allocation_is_named() {
    rejects(
        &[
            "run",
            "--workload",
            "primes",
            "--runner",
            "seq",
            "--tasks",
            "1000000000000",
        ],
        &[
            "tasks=1000000000000 needs at least",
            "TiB",
            "is available",
            "lower --tasks",
        ],
    );
    // A batch that fits the machine but not the address space the case
    // may use (ulimit -v 512 MiB) dies in a failed allocation, which its
    // failure reason names.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("bakeoff"));
    cmd.args([
        "run",
        "--workload",
        "noop",
        "--runner",
        "seq",
        "--tasks",
        "8000000",
    ])
    .args(["--reps", "1", "--warmup", "0", "-q", "--out"])
    .arg(dir.path())
    .env_remove("BAKEOFF_ROLE")
    .env_remove("RUST_BACKTRACE");
    // SAFETY: setrlimit is async-signal-safe and touches no memory of ours.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            let limit = libc::rlimit {
                rlim_cur: 512 << 20,
                rlim_max: 512 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = results(dir.path());
    let reason = r["cases"][0]["failure"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("ran out of memory (memory allocation of") && reason.contains("SIGABRT"),
        "{reason}"
    );
}

/// Regression: `--reps 100000 --tasks 1` ran for minutes and wrote a 66 MB
/// results.json without a word. The plan says what it will cost, and a
/// large one is warned about before it runs.
#[test]
fn a_large_plan_is_estimated_and_warned_about() {
    let out = bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--runner",
            "seq",
            "--tasks",
            "1",
        ])
        .args(["--reps", "100000", "--plan"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("estimate: 100000 repetitions in all, results.json about 66.8 MiB"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: this plan runs 100000 repetitions")
            && stderr.contains("lower --reps"),
        "{stderr}"
    );
    // The smoke suite is not large.
    let out = bakeoff()
        .args(["run", "--suite", "smoke", "--plan"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Regression: worker counts past a thread limit crashed (SIGABRT for
/// thread-pool, tokio-mt and smol, exit 101 for async-std) or hung until
/// --case-timeout (rayon), naming no limit. Every runner that starts a
/// fixed number of threads checks the limits first and says which one.
#[test]
fn too_many_worker_threads_are_refused_naming_the_limit() {
    let Some(max) = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    else {
        eprintln!("skipped: no /proc/sys/vm/max_map_count to exceed");
        return;
    };
    // Past the mappings limit: about 4 mappings per thread.
    let workers = max / 4 + 1000;
    if workers > 1_000_000 {
        eprintln!("skipped: vm.max_map_count is {max}, too high to exceed with a test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let workers = workers.to_string();
    bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--tasks",
            "10",
            "--reps",
            "1",
            "--warmup",
            "0",
        ])
        .args([
            "--runner",
            "thread-pool,rayon,tokio-mt,async-std,smol",
            "--workers",
        ])
        .arg(&workers)
        .args(["--case-timeout", "60", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .code(1);
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6, "seq and the five runners");
    for c in &cases[1..] {
        assert_eq!(c["status"], "failed", "{c:#}");
        let reason = c["failure"]["reason"].as_str().unwrap();
        let runner = c["runner"].as_str().unwrap();
        assert!(
            reason.starts_with(&format!(
                "{runner}: cannot start {workers} threads: vm.max_map_count is {max}"
            )) && reason.contains("lower --workers"),
            "{reason}"
        );
    }
}

/// Regression (the issue): a pool worker SIGKILLed mid-batch whose task
/// `--retry` ran again left no trace — the case was ok and nothing in
/// results.json, the CSV, the summary or the report mentioned it. The
/// worker is killed on its first attempt only (`once`, `skip=1`: the seq
/// reference's run of task 1 passes), so the case stays ok and verified,
/// and is flagged everywhere as not a clean measurement.
#[test]
fn a_pool_worker_killed_once_and_retried_is_recorded_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let once = format!("once={}", dir.path().join("runs").display());
    let output = bakeoff()
        .args(["run", "--workload", "fault", "--set", "mode=kill"])
        .args(["--set", "at=1", "--set", &once, "--set", "skip=1"])
        .args(["--runner", "spawn-pool", "--workers", "2", "--retry", "1"])
        .args(["--reps", "1", "--warmup", "0", "--case-timeout", "60"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .clone();
    let r = results(&out);
    let cases = r["cases"].as_array().unwrap();
    let seq = cases.iter().find(|c| c["runner"] == "seq").unwrap();
    assert!(
        seq["repetitions"][0].get("worker_deaths").is_none(),
        "{seq:#}"
    );
    let pool = cases.iter().find(|c| c["runner"] == "spawn-pool").unwrap();
    assert_eq!(pool["status"], "ok", "{pool:#}");
    assert_eq!(pool["verification"]["verified"], true, "{pool:#}");
    let rep = &pool["repetitions"][0];
    assert_eq!(rep["worker_deaths"], 1, "{rep:#}");
    assert_eq!(rep["worker_death_causes"], serde_json::json!(["SIGKILL"]));
    assert_eq!(rep["tasks_retried"], 1, "{rep:#}");
    assert_eq!(rep["workers_replaced"], 1, "{rep:#}");

    // The CSV: columns found by name, read from the end of the row (the
    // case id before them is quoted and holds commas; these do not).
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row = csv.lines().find(|l| l.contains("spawn-pool")).unwrap();
    let cells: Vec<&str> = row.rsplit(',').collect();
    let cell = |name: &str| {
        let i = header.iter().position(|h| *h == name).unwrap();
        cells[header.len() - 1 - i]
    };
    assert_eq!(cell("worker_deaths"), "1", "{row}");
    assert_eq!(cell("worker_death_causes"), "SIGKILL", "{row}");
    assert_eq!(cell("tasks_retried"), "1", "{row}");
    assert_eq!(cell("workers_replaced"), "1", "{row}");

    // The report's warning, summary.md's and the terminal's marks.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        html.contains("<strong>disturbed</strong>")
            && html.contains(
                "1 worker died (SIGKILL) and 1 task was retried (1 worker replaced, in 1 of 1 repetitions): timing is not a clean measurement"
            ),
        "{html}"
    );
    // ... and the mark in the case table, beside the throughput.
    assert!(
        html.contains(" †</td>") && html.contains("its task was retried: not a clean measurement"),
        "{html}"
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("| †"), "{md}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(" †") && stdout.contains("1 disturbed"),
        "{stdout}"
    );
}

/// No interpreter where BAKEOFF_PYTHON points: `list` says why the py-*
/// runners are unavailable, and a run records their cases as skipped with
/// that reason, runs the rest and succeeds.
#[test]
fn a_missing_python_interpreter_skips_its_cases_with_the_reason() {
    let missing = "/nonexistent/bin/python3";
    let list = bakeoff()
        .arg("list")
        .env("BAKEOFF_PYTHON", missing)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8_lossy(&list);
    let py_seq = list
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("py-seq"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        py_seq.contains("available: no") && py_seq.contains(missing),
        "{py_seq}"
    );

    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "countdown",
            "--runner",
            "seq,py-seq,py-threads",
        ])
        .args([
            "--set", "n=1000", "--tasks", "2", "--reps", "1", "--warmup", "0", "-q",
        ])
        .arg("--out")
        .arg(dir.path())
        .env("BAKEOFF_PYTHON", missing)
        .assert()
        .success();
    let results = bakeoff::reports::Results::read(&dir.path().join("results.json")).unwrap();
    let status = |runner: &str| {
        let c = results.cases.iter().find(|c| c.runner == runner).unwrap();
        (c.status, c.failure.as_ref().map(|f| f.reason.clone()))
    };
    assert_eq!(status("seq").0, bakeoff::reports::CaseStatus::Ok);
    for runner in ["py-seq", "py-threads"] {
        let (s, reason) = status(runner);
        assert_eq!(s, bakeoff::reports::CaseStatus::Skipped, "{runner}");
        let reason = reason.unwrap_or_default();
        assert!(
            reason.contains(missing) && reason.contains("BAKEOFF_PYTHON"),
            "{runner}: {reason}"
        );
    }
    assert!(results.environment.python.is_none());
}

/// With an interpreter, every CPython runner's countdown gives Rust seq's
/// digest, the environment names the interpreter, start-up is split, and
/// CPython's speed-ups are over py-seq.
#[test]
fn cpython_cases_are_verified_against_rust_seq_and_measured_over_py_seq() {
    if bakeoff::runners::python::interpreter("auto").is_err() {
        eprintln!("note: no python3 here; the CPython runners are skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args(["run", "--workload", "countdown", "--runner", "cpython"])
        .args(["--set", "n=20000", "--tasks", "4", "--workers", "2"])
        .args(["--reps", "2", "--warmup", "0", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let results = bakeoff::reports::Results::read(&dir.path().join("results.json")).unwrap();
    let python = results
        .environment
        .python
        .as_ref()
        .expect("the interpreter is recorded");
    assert!(!python.version.is_empty() && !python.path.is_empty());
    let py: Vec<_> = results
        .cases
        .iter()
        .filter(|c| c.runner.starts_with("py-"))
        .collect();
    assert_eq!(py.len(), 6, "every CPython runner ran");
    for c in py {
        assert_eq!(c.status, bakeoff::reports::CaseStatus::Ok, "{}", c.id);
        assert!(c.verification.verified, "{}: {:?}", c.id, c.verification);
        assert_eq!(c.speedup_baseline.as_deref(), Some("py-seq"), "{}", c.id);
        assert!(c.speedup_vs_seq.is_some(), "{}", c.id);
        let (total, interp) = (c.startup.unwrap().0, c.interpreter_startup.unwrap().0);
        assert!(
            interp > 0 && interp <= total,
            "{}: {interp} of {total}",
            c.id
        );
        for r in &c.repetitions {
            assert!(
                r.cpu_user.0 + r.cpu_system.0 > 0,
                "{}: no CPU counted",
                c.id
            );
            assert!(
                r.latency.p50.0 > 0 && r.latency.p50 <= r.latency.max,
                "{}",
                c.id
            );
        }
    }
}

/// The path of the bakeoff binary these tests run.
fn bakeoff_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("bakeoff")
}

#[test]
fn compare_base_new_runs_two_programs_interleaved_and_verifies_both() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ab");
    let bin = bakeoff_path();
    bakeoff()
        .args(["compare", "--base"])
        .arg(&bin)
        .arg("--new")
        .arg(&bin)
        .args([
            "--workload",
            "countdown",
            "--runner",
            "seq,thread-pool",
            "--workers",
            "2",
            "--tasks",
            "4",
            "--set",
            "n=10000",
            "--reps",
            "3",
            "--rep-time",
            "5ms",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let (base, new) = (results(&out.join("base")), results(&out.join("new")));
    for (side, r) in [("base", &base), ("new", &new)] {
        assert_eq!(r["complete"], true, "{side}");
        assert!(
            r["program"].as_str().unwrap().ends_with("bakeoff"),
            "{side}"
        );
        for c in r["cases"].as_array().unwrap() {
            assert_eq!(c["status"], "ok", "{side}: {c:#}");
            assert_eq!(c["verification"]["verified"], true, "{side}");
            assert_eq!(c["repetitions"].as_array().unwrap().len(), 3);
            assert_eq!(c["stopping"]["reason"], "fixed");
        }
    }
    // The base calibrates; the new takes its batches per repetition.
    for (b, n) in base["cases"]
        .as_array()
        .unwrap()
        .iter()
        .zip(new["cases"].as_array().unwrap())
    {
        assert_eq!(b["id"], n["id"]);
        assert_eq!(b["calibration"]["inherited"], false);
        assert_eq!(n["calibration"]["inherited"], true);
        assert_eq!(b["calibration"]["batches"], n["calibration"]["batches"]);
        assert!(b["calibration"]["batches"].as_u64().unwrap() > 1, "{b:#}");
    }
    assert!(out.join("compare.md").exists());
}

#[test]
fn compare_drives_an_older_builds_protocol_1_case_children() {
    // A protocol-1 case child, as builds before protocol 2 were: the case
    // JSON on stdin to its end, then one report line with every
    // repetition. It measures through this build's case child, so its
    // numbers and digests are real.
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old-bakeoff");
    let script = format!(
        r#"#!/usr/bin/env python3
import json, os, subprocess, sys
print("bakeoff-case-child protocol=1", flush=True)
# The case child it starts dies with its parent: this script.
env = dict(os.environ, BAKEOFF_PARENT_PID=str(os.getpid()))
case = json.loads(sys.stdin.read())
commands = "\n".join([json.dumps(case)] + ["rep"] * case["reps"] + ["stop"]) + "\n"
out = subprocess.run([{bin:?}, "case"], input=commands, capture_output=True, text=True, env=env).stdout
lines = [json.loads(l) for l in out.splitlines()[1:]]
ready = lines[0]["ready"]
print(json.dumps({{"startup": ready["startup"], "teardown": lines[-1]["done"]["teardown"],
    "baseline_rss": ready["baseline_rss"],
    "repetitions": [l["rep"] for l in lines if "rep" in l], "error": None}}), flush=True)
"#,
        bin = bakeoff_path().display().to_string()
    );
    std::fs::write(&old, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("ab");
    bakeoff()
        .args(["compare", "--base"])
        .arg(&old)
        .arg("--new")
        .arg(bakeoff_path())
        .args([
            "--workload",
            "countdown",
            "--runner",
            "seq,rayon",
            "--workers",
            "2",
            "--tasks",
            "4",
            "--set",
            "n=10000",
            "--reps",
            "2",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let base = results(&out.join("base"));
    for c in base["cases"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["verification"]["verified"], true);
        // One process per repetition, each of one batch.
        assert_eq!(c["repetitions"].as_array().unwrap().len(), 2);
        assert_eq!(c["calibration"]["batches"], 1);
    }
    assert_eq!(results(&out.join("new"))["cases"][1]["status"], "ok");
}

#[test]
fn compare_refuses_a_missing_program_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args(["compare", "--base", "/nonexistent/bakeoff-old", "--new"])
        .arg(bakeoff_path())
        .args(["--workload", "noop", "--runner", "seq", "--out"])
        .arg(dir.path().join("x"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("--base /nonexistent/bakeoff-old"));
}

#[test]
fn wait_quiet_takes_seconds_and_names_a_bad_value() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--runner",
            "seq",
            "--wait-quiet=-1",
            "--out",
        ])
        .arg(dir.path().join("x"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("--wait-quiet -1 is invalid"));
    // A quiet machine or not, a bounded wait ends and the case runs.
    let out = dir.path().join("y");
    bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--runner",
            "seq",
            "--tasks",
            "10",
            "--reps",
            "1",
        ])
        .args(["--rep-time", "0", "--wait-quiet", "0.5", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(results(&out)["cases"][0]["status"], "ok");
}

/// `--starts 3`: the case child starts and stops each runner twice before
/// the start that runs the batches, and records all three start-ups
/// (CPython's: the pool's part, beside the interpreter's), the last one
/// being the `startup` that ran them; the extra starts' workers, fork
/// helpers and interpreters are gone when the run ends.
#[test]
fn starts_records_every_start_up_and_leaves_no_worker_behind() {
    let python = bakeoff::runners::python::interpreter("auto").is_ok();
    if !python {
        eprintln!("note: no python3 here; py-fork is skipped, fork-pool is checked alone");
    }
    let runners = if python {
        "fork-pool,py-fork"
    } else {
        "fork-pool"
    };
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = (
        "BAKEOFF_TEST_MARKER",
        format!("{}-starts", std::process::id()),
    );
    bakeoff()
        .args(["run", "--workload", "noop", "--runner", runners])
        .args([
            "--workers",
            "2",
            "--starts",
            "3",
            "--reps",
            "2",
            "--tasks",
            "4",
        ])
        .args(["-q", "--out"])
        .arg(dir.path())
        .env(key, &value)
        .assert()
        .success();
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    let ran: Vec<&str> = cases
        .iter()
        .map(|c| c["runner"].as_str().unwrap())
        .collect();
    let mut expected = vec!["seq", "fork-pool"];
    if python {
        expected.push("py-fork");
    }
    assert_eq!(ran, expected);
    let nanos = |v: &Value| -> Vec<u64> {
        v.as_array()
            .unwrap_or_else(|| panic!("not a list: {v}"))
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect()
    };
    for c in cases {
        let runner = c["runner"].as_str().unwrap();
        assert_eq!(c["status"], "ok", "{runner}: {c}");
        let startups = nanos(&c["startups"]);
        assert_eq!(startups.len(), 3, "{runner}: {startups:?}");
        assert!(startups.iter().all(|&s| s > 0), "{runner}: {startups:?}");
        let startup = c["startup"].as_u64().unwrap();
        if runner == "py-fork" {
            // The samples are the pool's part; the interpreter's are beside
            // them, and the last start is the one that ran the batches.
            let interpreter = nanos(&c["interpreter_startups"]);
            assert_eq!(interpreter.len(), 3, "{interpreter:?}");
            assert!(interpreter.iter().all(|&s| s > 0), "{interpreter:?}");
            assert_eq!(c["interpreter_startup"].as_u64(), Some(interpreter[2]));
            assert_eq!(startup, startups[2] + interpreter[2]);
        } else {
            assert!(c.get("interpreter_startups").is_none(), "{runner}: {c}");
            assert_eq!(startup, startups[2], "{runner}");
        }
        // Teardown is the last start's only: one value, as before.
        assert!(c["teardown"].as_u64().is_some(), "{runner}");
    }
    assert_all_gone(
        &format!("{key}={value}"),
        "processes of the extra starts left behind",
    );
}

/// `--starts` and `BAKEOFF_STARTS` reach `--plan`, and 0 is refused with
/// the fix.
#[test]
fn starts_is_shown_by_plan_and_zero_is_refused() {
    let out = bakeoff()
        .args(["run", "--workload", "noop", "--runner", "seq,thread-pool"])
        .args(["--workers", "2", "--plan"])
        .env("BAKEOFF_STARTS", "4")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(", starts 4, "), "{text}");
    assert!(text.contains("; 8 runner start-ups"), "{text}");
    rejects(
        &["run", "--workload", "noop", "--starts", "0"],
        &["--starts 0 is invalid", "at least once"],
    );
}

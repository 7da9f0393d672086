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

/// `bakeoff run --workload WORKLOAD --runner RUNNERS --tasks TASKS --reps 1
/// --quiet --out OUT`, with `--set` for each of `sets` and then `extra`,
/// under `limits` (see [`under_limits`]).
fn run_io(
    limits: &str,
    workload: &str,
    runners: &str,
    sets: &[&str],
    tasks: &str,
    extra: &[&str],
    out: &Path,
) -> std::process::Output {
    let mut args = vec![
        "run",
        "--workload",
        workload,
        "--runner",
        runners,
        "--tasks",
        tasks,
        "--reps",
        "1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    args.extend(extra);
    under_limits(limits, &args)
}

#[test]
fn concurrent_sleeps_match_their_declared_digest_under_every_model() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_io(
        "true",
        "sleep",
        "thread-per-task,thread-pool,tokio-ct,tokio-mt,async-std,smol,fork-pool",
        &["duration=5ms"],
        "40",
        &["--workers", "2"],
        dir.path(),
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
    // 600 MB of address space holds a few dozen 2 MiB thread stacks (and
    // malloc arenas), far fewer than the 2000 sleeping threads asked for.
    let o = run_io(
        "ulimit -v 600000",
        "sleep",
        "thread-per-task",
        &["duration=200ms"],
        "2000",
        &[],
        dir.path(),
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

/// Processes whose command line holds every one of `needles`.
fn processes_with(needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if needles.iter().all(|n| cmd.contains(n)) {
            found.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
        }
    }
    found
}

#[test]
fn echo_and_http_words_reach_the_embedded_servers_which_are_gone_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    // A delay no other test uses marks this run's servers.
    let o = run_io(
        "true",
        "echo,http-words",
        "seq,thread-pool,tokio-ct,smol,spawn-pool",
        &["delay=3ms", "jitter=1ms"],
        "12",
        &["--workers", "2"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = results(dir.path());
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for c in cases {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["verification"]["verified"], true, "{c}");
        // Every request waited for the server's delay: p50 ≥ 3 ms - 1 ms.
        let p50 = c["summary"]["latency_p50_s"]["median"].as_f64().unwrap();
        assert!(p50 >= 0.002, "{}: p50 {p50}", c["id"]);
        // The server counted exactly this case's work: a connection per
        // task and `requests` (echo) or `pages` (http-words) requests on
        // it, in the warm-up batch and the measured one.
        let param = |k: &str| {
            c["workload_params"][k]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        let per_task = match c["workload"].as_str().unwrap() {
            "echo" => param("requests"),
            _ => param("pages"),
        };
        let batches = c["warmup"].as_u64().unwrap() + 1;
        let server = &c["server"];
        let kind = if c["workload"] == "echo" {
            "echo"
        } else {
            "http"
        };
        assert_eq!(server["kind"], kind, "{c}");
        assert_eq!(server["connections"], 12 * batches, "{c}");
        assert_eq!(server["requests"], 12 * batches * per_task, "{c}");
        let cpu = server["cpu_user"].as_u64().unwrap() + server["cpu_system"].as_u64().unwrap();
        assert!(cpu > 0, "{c}");
    }
    let left = processes_with(&["serve", "--delay", "3000000ns"]);
    assert!(left.is_empty(), "servers left: {left:?}");
}

#[test]
fn target_sends_requests_to_a_server_already_running() {
    let exe = bakeoff_path();
    let server = bakeoff::serve::ServerChild::start(
        &exe,
        bakeoff::serve::ServerKind::Echo,
        std::time::Duration::from_millis(2),
        std::time::Duration::ZERO,
    )
    .unwrap();
    let addr = server.addr().to_string();
    let dir = tempfile::tempdir().unwrap();
    let o = run_io(
        "true",
        "echo",
        "tokio-mt",
        &[],
        "8",
        &["--target", &addr],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = results(dir.path());
    assert_eq!(r["cases"][0]["status"], "ok");
    assert_eq!(r["cases"][0]["workload_params"]["target"], addr.as_str());
    // A server bakeoff did not start is not one it can account for.
    assert!(r["cases"][0].get("server").is_none(), "{}", r["cases"][0]);
    server.stop().unwrap();
    // A bad address is refused before anything runs.
    let o = under_limits(
        "true",
        &[
            "run",
            "--workload",
            "echo",
            "--target",
            "localhost:80",
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--target `localhost:80`") && err.contains("HOST:PORT"),
        "{err}"
    );
}

#[test]
fn too_few_open_files_fail_naming_ulimit_n_and_a_low_soft_limit_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    // Each run gets a directory of its own: a second run into one that
    // holds results is refused.
    let run = |limits: &str, out: &Path| {
        run_io(
            limits,
            "echo",
            "tokio-mt",
            &["delay=0", "jitter=0"],
            "500",
            &[],
            out,
        )
    };
    let (hard, soft) = (dir.path().join("hard"), dir.path().join("soft"));
    // Hard limit 128: 500 connections at once cannot fit.
    let o = run("ulimit -n 128", &hard);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let reason = results(&hard)["cases"][0]["failure"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("open-files limit is 128") && reason.contains("ulimit -n"),
        "{reason}"
    );
    // Soft 128 under a hard 4096: raised, and the case runs.
    let o = run("ulimit -Sn 128; ulimit -Hn 4096", &soft);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(results(&soft)["cases"][0]["status"], "ok");
}

#[test]
fn thread_per_task_stops_at_vm_max_map_count_with_its_name_not_a_crash() {
    // About 4 mappings per thread (stack, guard, signal stack, guard): with
    // the default 65530 a process stops near 16 000 threads. Past that
    // point Rust's runtime would abort the process inside the new thread;
    // the runner must stop before and say why.
    let max: u64 = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u64::MAX);
    if max > 100_000 {
        eprintln!("vm.max_map_count is {max}: too high to reach here; not tested");
        return;
    }
    let tasks = (max / 4 + 4000).to_string();
    let dir = tempfile::tempdir().unwrap();
    let o = run_io(
        "true",
        "sleep",
        "thread-per-task",
        &["duration=4s"],
        &tasks,
        &["--warmup", "0"],
        dir.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = results(dir.path());
    let reason = r["cases"][0]["failure"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains(&format!("vm.max_map_count is {max}")) && reason.contains("sysctl"),
        "{reason}"
    );
}

/// scripts/bare-echo-server.c, the yardstick docs/SERVE.md measures the
/// embedded server against, speaks the same protocol: the echo workload
/// verifies against it (with several requests per connection), and it
/// stops when its stdin closes.
#[test]
fn the_bare_c_echo_server_answers_the_echo_workload_and_stops_on_stdin_eof() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("bare-echo-server");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bare-echo-server.c");
    let cc = std::process::Command::new("gcc")
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let mut server = std::process::Command::new(&exe)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let addr = bakeoff::serve::parse_ready_line(&ready)
        .unwrap()
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{ready}");
    let out = dir.path().join("run");
    let o = run_io(
        "true",
        "echo",
        "tokio-ct,thread-pool",
        &["requests=3", "size=70000"],
        "20",
        &["--target", &addr],
        &out,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = results(&out);
    for c in r["cases"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["verification"]["verified"], true, "{c}");
    }
    drop(server.stdin.take());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = server.kill();
            let _ = server.wait();
            panic!("the bare server did not stop on stdin's end");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(status.success(), "{status}");
}

//! Every runner × every workload (CPU and IO) on tiny sizes yields the
//! `seq` digest, and every IO workload's `seq` digest is the one it
//! declares without running.
//!
//! The runners come from the runner table (`RunnerKind::all`), so a new
//! runner is covered by adding it to the table.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use bakeoff_runners::{Family, Job, RunnerConfig, RunnerKind};
use bakeoff_workloads::{BatchDigest, Registry, Runs};

/// Tiny parameters per workload: enough to exercise every code path. The
/// server workloads talk to this process's test servers.
fn tiny(id: &str) -> (BTreeMap<String, String>, usize) {
    let p = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    match id {
        "noop" => (p(&[]), 200),
        "countdown" => (p(&[("n", "20000")]), 5),
        "primes" => (p(&[("numbers", "1000003:1000033:1000037:999999:17")]), 7),
        "sha256" => (p(&[("size", "1000")]), 9),
        "mandelbrot" => (p(&[("width", "40"), ("max_iter", "50")]), 13),
        "fault" => (p(&[("mode", "none")]), 11),
        "shared-counter" => (p(&[("via", "queue"), ("increments", "301")]), 2),
        "sleep" => (p(&[("duration", "2ms")]), 23),
        // `patience` ends the heartbeat where its countdowns cannot run
        // beside it (concurrency 1).
        "loop-lag" => (p(&[("n", "20000"), ("patience", "20ms")]), 6),
        "echo" => (
            p(&[
                ("size", "300"),
                ("requests", "3"),
                ("target", common::echo_addr()),
            ]),
            12,
        ),
        "http-words" => (
            p(&[
                ("pages", "2"),
                ("bytes", "512"),
                ("top", "5"),
                ("target", common::http_addr()),
            ]),
            8,
        ),
        "file-io" => (p(&[("size", "2000"), ("fsync", "true")]), 6),
        other => panic!("add tiny parameters for workload `{other}`"),
    }
}

fn digest_under(
    kind: RunnerKind,
    workload: &str,
    workers: usize,
    concurrency: Option<usize>,
    cpu: &str,
) -> BatchDigest {
    let registry = Registry::builtin();
    let entry = registry.get(workload).unwrap();
    let (given, tasks) = tiny(workload);
    let batch = entry
        .batch(&entry.params(&given).unwrap(), tasks, 42)
        .unwrap();
    let mut runner_params = BTreeMap::new();
    if has_cpu_param(kind) {
        runner_params.insert("cpu".to_string(), cpu.to_string());
    }
    let config = RunnerConfig {
        workers,
        concurrency,
        params: kind.params(&runner_params).unwrap(),
    };
    let mut runner = kind.start(&config).unwrap();
    // Two batches through one runner: a runner must be reusable.
    let mut digests = Vec::new();
    for _ in 0..2 {
        let job = Job::new(Arc::clone(&batch));
        runner.run(&job).unwrap();
        assert!(job.failure().is_none());
        for (_, r) in job.records() {
            assert!(r.submit_ns <= r.start_ns && r.start_ns <= r.end_ns, "{r:?}");
        }
        digests.push(job.digest().expect("every task finished"));
    }
    runner.stop().unwrap();
    assert_eq!(digests[0], digests[1]);
    digests[0]
}

fn reference(workload: &str) -> BatchDigest {
    digest_under(RunnerKind::reference(), workload, 1, None, "inline")
}

/// Every in-process runner of the table, so none can be missing (the
/// pools are tested by tests/pools.rs, which is its own program: workers
/// re-execute it): every workload's digest under it matches seq's.
#[test]
fn every_runner_matches_seq_on_every_workload() {
    let registry = Registry::builtin();
    let workloads: Vec<&str> = registry.iter().map(|e| e.info.id).collect();
    let want: Vec<BatchDigest> = workloads.iter().map(|w| reference(w)).collect();
    for kind in in_process() {
        for (w, want) in workloads.iter().zip(&want) {
            let k = kind.id();
            // A workload that runs one task at a time is refused by the
            // others (the plan's check); what may run it must match.
            let entry = registry.get(w).unwrap();
            if let Some(why) = kind.refuses(entry) {
                assert!(
                    matches!(entry.runs, Runs::OneAtATime { .. }) && !kind.one_task_at_a_time(),
                    "{k} refuses {w}: {why}"
                );
                continue;
            }
            assert_eq!(
                digest_under(kind, w, 2, None, "inline"),
                *want,
                "{k} {w}: unbounded"
            );
            // (CPython's runners other than py-asyncio take no
            // concurrency: each start is an interpreter's.)
            if kind.uses_concurrency() || kind.family() != Family::Cpython {
                assert_eq!(
                    digest_under(kind, w, 2, Some(3), "inline"),
                    *want,
                    "{k} {w}: concurrency 3"
                );
                assert_eq!(
                    digest_under(kind, w, 1, Some(1), "inline"),
                    *want,
                    "{k} {w}: one at a time"
                );
            }
            for cpu in other_cpu_modes(kind) {
                assert_eq!(
                    digest_under(kind, w, 2, Some(4), cpu),
                    *want,
                    "{k} {w}: cpu={cpu}"
                );
            }
        }
    }
}

/// The constraint `shared-counter` declares keeps it to `seq` and
/// `py-seq`, naming them in every other runner's refusal; every other
/// workload runs anywhere.
#[test]
fn only_seq_and_py_seq_run_a_one_task_at_a_time_workload() {
    let registry = Registry::builtin();
    for entry in registry.iter() {
        let may: Vec<&str> = RunnerKind::all()
            .filter(|k| k.refuses(entry).is_none())
            .map(|k| k.id())
            .collect();
        match entry.runs {
            Runs::Anywhere => assert_eq!(may.len(), RunnerKind::all().count(), "{}", entry.info.id),
            Runs::OneAtATime { .. } => assert_eq!(may, ["seq", "py-seq"], "{}", entry.info.id),
        }
    }
    let counter = registry.get("shared-counter").unwrap();
    assert!(matches!(counter.runs, Runs::OneAtATime { .. }));
    let why = RunnerKind::from_id("py-fork")
        .unwrap()
        .refuses(counter)
        .unwrap();
    assert!(
        why.starts_with("runner `py-fork` cannot run workload `shared-counter`")
            && why.contains("(--runner seq,py-seq)"),
        "{why}"
    );
}

/// `shared-counter` counts the same in Rust and CPython every way, and a
/// lost increment fails the task in both.
#[test]
fn shared_counter_matches_between_seq_and_py_seq_every_way() {
    if bakeoff_runners::python::interpreter("auto").is_err() {
        eprintln!("note: no python3 here; py-seq is not compared");
        return;
    }
    let py_seq = RunnerKind::from_id("py-seq").unwrap();
    for via in ["shared", "queue", "manager"] {
        let given = [("via", via), ("increments", "501")];
        let (seq, batch) = run_with(RunnerKind::reference(), "shared-counter", &given, 2);
        let (py, _) = run_with(py_seq, "shared-counter", &given, 2);
        let mut want = BatchDigest::default();
        for i in 0..batch.len() {
            want.add(i, 501);
        }
        assert_eq!(seq.digest(), Ok(want), "seq via={via}: {:?}", seq.failure());
        assert_eq!(
            py.digest(),
            Ok(want),
            "py-seq via={via}: {:?}",
            py.failure()
        );
        let lost = [("via", via), ("increments", "501"), ("lose", "2")];
        for kind in [RunnerKind::reference(), py_seq] {
            let (job, _) = run_with(kind, "shared-counter", &lost, 1);
            let (_, msg) = job.failure().cloned().expect("a lost increment fails");
            assert!(
                msg.contains(&format!(
                    "shared-counter via={via}: counted 499 of 501 increments (2 lost)"
                )),
                "{} via={via}: {msg}",
                kind.id()
            );
        }
    }
}

#[test]
fn the_table_has_one_reference_and_unique_ids() {
    assert_eq!(RunnerKind::reference().family(), Family::Baseline);
    let ids: Vec<&str> = RunnerKind::all().map(|k| k.id()).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    for k in RunnerKind::all() {
        assert_eq!(RunnerKind::from_id(k.id()).unwrap(), k);
    }
}

#[test]
fn a_panicking_task_is_reported_not_hung() {
    let registry = Registry::builtin();
    let entry = registry.get("fault").unwrap();
    let given = BTreeMap::from([
        ("mode".to_string(), "panic".to_string()),
        ("at".to_string(), "2".to_string()),
    ]);
    let batch = entry.batch(&entry.params(&given).unwrap(), 5, 0).unwrap();
    std::panic::set_hook(Box::new(|_| {}));
    for kind in in_process() {
        let config = RunnerConfig {
            workers: 2,
            concurrency: None,
            params: kind.params(&BTreeMap::new()).unwrap(),
        };
        let mut runner = kind.start(&config).unwrap();
        let job = Job::new(Arc::clone(&batch));
        runner.run(&job).unwrap();
        let (index, msg) = job.failure().expect("the panic is kept").clone();
        assert_eq!(index, 2, "{}", kind.id());
        assert!(msg.contains("panics as asked"), "{msg}");
        assert_eq!(job.digest(), Err(1), "{}: one task unfinished", kind.id());
        runner.stop().unwrap();
    }
    let _ = std::panic::take_hook();
}

#[test]
fn io_workloads_declare_the_digest_seq_computes() {
    let registry = Registry::builtin();
    let io: Vec<&str> = registry
        .iter()
        .filter(|e| e.info.kind == bakeoff_workloads::Kind::Io)
        .map(|e| e.info.id)
        .collect();
    for w in ["sleep", "echo", "http-words", "file-io"] {
        assert!(io.contains(&w), "{w} not in {io:?}");
    }
    for w in io {
        let entry = registry.get(w).unwrap();
        let (given, tasks) = tiny(w);
        let batch = entry
            .batch(&entry.params(&given).unwrap(), tasks, 42)
            .unwrap();
        let mut expected = BatchDigest::default();
        for i in 0..batch.len() {
            expected.add(i, batch.expected(i).expect("IO workloads declare"));
        }
        assert_eq!(reference(w), expected, "{w}");
    }
}

/// A batch of `workload` with `given` over `tiny`'s, run by `kind`: the
/// job.
fn run_with(
    kind: RunnerKind,
    workload: &str,
    given: &[(&str, &str)],
    tasks: usize,
) -> (Arc<Job>, Arc<dyn bakeoff_workloads::Batch>) {
    let registry = Registry::builtin();
    let entry = registry.get(workload).unwrap();
    let (mut params, _) = tiny(workload);
    for (k, v) in given {
        params.insert(k.to_string(), v.to_string());
    }
    let batch = entry
        .batch(&entry.params(&params).unwrap(), tasks, 7)
        .unwrap();
    let config = RunnerConfig {
        workers: 2,
        concurrency: None,
        params: kind.params(&BTreeMap::new()).unwrap(),
    };
    let mut runner = kind.start(&config).unwrap();
    let job = Job::new(Arc::clone(&batch));
    runner.run(&job).unwrap();
    runner.stop().unwrap();
    (job, batch)
}

#[test]
fn a_server_workload_against_a_closed_port_fails_naming_the_address() {
    // (The blocking face panics with the IO error: expect messages on
    // stderr.)
    let addr = common::closed_addr();
    for w in ["echo", "http-words"] {
        for kind in in_process() {
            let (job, _) = run_with(kind, w, &[("target", &addr)], 3);
            let (_, msg) = job
                .failure()
                .unwrap_or_else(|| panic!("{w} under {}: no failure", kind.id()))
                .clone();
            assert!(
                msg.contains(&format!("connect to {addr}")) && msg.contains(w),
                "{w} under {}: {msg}",
                kind.id()
            );
        }
    }
}

#[test]
fn file_io_without_fsync_matches_under_every_runner() {
    // (With fsync, file-io runs in every_workload_matches_seq; the
    // directories it leaves — none — are checked by tests/pools.rs, which
    // runs one test at a time.)
    for kind in in_process() {
        let (job, batch) = run_with(kind, "file-io", &[("fsync", "false")], 9);
        let mut want = BatchDigest::default();
        for i in 0..batch.len() {
            want.add(i, batch.expected(i).unwrap());
        }
        assert_eq!(job.digest(), Ok(want), "{}: {:?}", kind.id(), job.failure());
    }
}

#[test]
fn unknown_runner_suggests_the_closest() {
    let err = RunnerKind::from_id("tokio_mt").unwrap_err().to_string();
    assert!(err.contains("did you mean `tokio-mt`"), "{err}");
}

#[test]
fn one_runner_runs_many_batches_of_every_size_in_a_row() {
    // Pools keep state between batches (queues, epochs, sleeping workers);
    // a lost wake-up or a stale batch shows up here as a hang or a wrong
    // digest. Sizes include 0 and 1, with and without a concurrency limit.
    let registry = Registry::builtin();
    let entry = registry.get("noop").unwrap();
    let params = entry.params(&BTreeMap::new()).unwrap();
    for kind in in_process() {
        let limits: &[Option<usize>] = if kind.uses_concurrency() {
            &[None, Some(1), Some(3)]
        } else {
            &[None]
        };
        for &concurrency in limits {
            let config = RunnerConfig {
                workers: 2,
                concurrency,
                params: kind.params(&BTreeMap::new()).unwrap(),
            };
            let mut runner = kind.start(&config).unwrap();
            for round in 0..60 {
                let tasks = [0, 1, 2, 3, 17, 200][round % 6];
                let batch = entry.batch(&params, tasks, round as u64).unwrap();
                let want = {
                    let job = Job::new(Arc::clone(&batch));
                    (0..tasks).for_each(|i| job.execute_inline(i));
                    job.digest().unwrap()
                };
                let job = Job::new(batch);
                runner.run(&job).unwrap();
                assert_eq!(
                    job.digest(),
                    Ok(want),
                    "{} concurrency {concurrency:?} round {round}",
                    kind.id()
                );
            }
            runner.stop().unwrap();
        }
    }
}

/// The runners that run inside this process.
/// Whether `kind` says where its CPU work runs (`cpu=`).
fn has_cpu_param(kind: RunnerKind) -> bool {
    kind.info().params.iter().any(|p| p.name == "cpu")
}

/// The `cpu=` values of `kind` beside `inline`.
fn other_cpu_modes(kind: RunnerKind) -> &'static [&'static str] {
    match (has_cpu_param(kind), kind.family()) {
        (false, _) => &[],
        (true, Family::Cpython) => &["thread", "process"],
        (true, _) => &["offload"],
    }
}

/// The in-process runners and CPython's (its pools' workers are the
/// interpreter's, not this program's).
fn in_process() -> impl Iterator<Item = RunnerKind> {
    RunnerKind::all().filter(|k| k.family() != Family::Processes)
}

/// A Python worker that dies (SIGKILL, os._exit, a segfault) fails its
/// task with how it died; where the task ran in the interpreter itself
/// (py-seq, py-threads, py-asyncio inline), the batch fails naming the
/// interpreter's death. Nothing hangs.
#[test]
fn a_dying_python_worker_fails_its_task_with_the_reason() {
    let python: Vec<RunnerKind> = RunnerKind::all()
        .filter(|k| k.family() == Family::Cpython)
        .collect();
    if bakeoff_runners::python::interpreter("auto").is_err() {
        eprintln!("note: no python3 here; the CPython runners are skipped");
        return;
    }
    let registry = Registry::builtin();
    let entry = registry.get("fault").unwrap();
    for (mode, says) in [
        ("kill", "killed by signal 9 (SIGKILL)"),
        ("exit", "exited with status"),
        ("segfault", "killed by signal 11 (SIGSEGV)"),
    ] {
        let given = BTreeMap::from([
            ("mode".to_string(), mode.to_string()),
            ("at".to_string(), "1".to_string()),
        ]);
        let batch = entry.batch(&entry.params(&given).unwrap(), 4, 0).unwrap();
        for kind in &python {
            for cpu in ["inline", "process"] {
                if cpu == "process" && !has_cpu_param(*kind) {
                    continue;
                }
                let mut params = BTreeMap::new();
                if has_cpu_param(*kind) {
                    params.insert("cpu".to_string(), cpu.to_string());
                }
                let config = RunnerConfig {
                    workers: 2,
                    concurrency: None,
                    params: kind.params(&params).unwrap(),
                };
                let mut runner = kind.start(&config).unwrap();
                let job = Job::new(Arc::clone(&batch));
                let what = format!("{} cpu={cpu} mode={mode}", kind.id());
                let reason = match runner.run(&job) {
                    Err(e) => e.to_string(),
                    Ok(()) => job.failure().expect(&what).1.clone(),
                };
                // Known race (issue 16's closing note): asyncio's
                // ProcessPoolExecutor, once broken, SIGTERMs the workers
                // it has left, and now and then the harness sees only
                // those; the task still fails, naming a worker's death.
                let executor_race = kind.id() == "py-asyncio"
                    && cpu == "process"
                    && reason.contains("(SIGTERM) while tasks were running");
                assert!(reason.contains(says) || executor_race, "{what}: {reason}");
                assert!(job.digest().is_err(), "{what}: a task is missing");
                drop(runner);
            }
        }
    }
}

/// Regression: CPython's pools with a chunk size above 1 failed every
/// batch ("'generator' object has no attribute 'next'"): for such a
/// chunk size `Pool.imap_unordered` returns a plain generator, which has
/// no `next(timeout)` to watch for a dead worker with. The runner now
/// sends the chunks itself; every chunk size gives seq's digest.
#[test]
fn cpython_pools_keep_the_digest_with_chunks_of_any_size() {
    if bakeoff_runners::python::interpreter("auto").is_err() {
        eprintln!("note: no python3 here; the CPython pools are skipped");
        return;
    }
    let registry = Registry::builtin();
    let entry = registry.get("primes").unwrap();
    let (given, tasks) = tiny("primes");
    let batch = entry
        .batch(&entry.params(&given).unwrap(), tasks, 42)
        .unwrap();
    let want = reference("primes");
    for id in ["py-fork", "py-spawn"] {
        let kind = RunnerKind::from_id(id).unwrap();
        for chunksize in [1, 3, 100] {
            let params = BTreeMap::from([("chunksize".to_string(), chunksize.to_string())]);
            let config = RunnerConfig {
                workers: 2,
                concurrency: None,
                params: kind.params(&params).unwrap(),
            };
            let mut runner = kind.start(&config).unwrap();
            let job = Job::new(Arc::clone(&batch));
            runner.run(&job).unwrap();
            assert!(
                job.failure().is_none(),
                "{id} chunksize {chunksize}: {:?}",
                job.failure()
            );
            assert_eq!(job.digest(), Ok(want), "{id} chunksize {chunksize}");
            runner.stop().unwrap();
        }
    }
}

//! A task's latency means one thing under every runner of the table: it
//! starts when the batch is handed to the model, or, under a concurrency
//! limit, when the limit admits the task (`common::latency` states the
//! invariants). The process pools are checked by tests/pools.rs, whose
//! workers re-execute that program.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use bakeoff_runners::{Family, Job, RunnerConfig, RunnerKind};
use bakeoff_workloads::Registry;

use common::latency::{admitted_under, one_worker_from_the_handover};

/// Runners that do not run one task after another with `workers = 1` in
/// this process: one thread per task, and async-std, whose global
/// executor is sized by an environment variable its case process gets
/// (`ASYNC_STD_THREAD_COUNT`) and this test program does not.
const NOT_ONE_AT_A_TIME: &[&str] = &["thread-per-task", "async-std"];

/// The runners of the table that run inside this process or in an
/// interpreter (when a python3 is found), but not the process pools.
fn runners() -> Vec<RunnerKind> {
    let python = bakeoff_runners::python::interpreter("auto").is_ok();
    if !python {
        eprintln!("note: no python3 here; the CPython runners are skipped");
    }
    RunnerKind::all()
        .filter(|k| k.family() != Family::Processes)
        .filter(|k| python || k.family() != Family::Cpython)
        .collect()
}

/// Two batches of `tasks` tasks of `workload` with `given`, run by `kind`
/// with `workers` and `concurrency`; each batch's job.
fn run(
    kind: RunnerKind,
    workload: &str,
    given: &[(&str, &str)],
    tasks: usize,
    workers: usize,
    concurrency: Option<usize>,
) -> Vec<Arc<Job>> {
    let registry = Registry::builtin();
    let entry = registry.get(workload).unwrap();
    let given: BTreeMap<String, String> = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let batch = entry
        .batch(&entry.params(&given).unwrap(), tasks, 3)
        .unwrap();
    let config = RunnerConfig {
        workers,
        concurrency,
        params: kind.params(&BTreeMap::new()).unwrap(),
    };
    let mut runner = kind.start(&config).unwrap();
    let jobs = (0..2)
        .map(|_| {
            let job = Job::new(Arc::clone(&batch));
            runner.run(&job).unwrap();
            job
        })
        .collect();
    runner.stop().unwrap();
    jobs
}

#[test]
fn the_runners_left_out_are_in_the_table() {
    for id in NOT_ONE_AT_A_TIME {
        assert!(RunnerKind::from_id(id).is_ok(), "{id}");
    }
}

/// One worker, no limit, CPU tasks: every task is submitted at the
/// batch's handover, so the last one's latency covers every task's work
/// (under `seq` too: its latency is not its service time).
#[test]
fn one_worker_runs_the_batch_from_its_handover() {
    for kind in runners() {
        if NOT_ONE_AT_A_TIME.contains(&kind.id()) {
            continue;
        }
        for (b, job) in run(kind, "countdown", &[("n", "100000")], 8, 1, None)
            .iter()
            .enumerate()
        {
            if let Err(e) = one_worker_from_the_handover(job, &format!("{} batch {b}", kind.id())) {
                panic!("{e}");
            }
        }
    }
}

/// Concurrency 1, on IO (`sleep`) and CPU tasks: each task is submitted
/// when the limit admits it, after the task before it ended, so latencies
/// do not pile up the whole batch.
#[test]
fn one_task_in_flight_is_timed_from_its_admission() {
    for kind in runners() {
        if !kind.uses_concurrency() {
            continue;
        }
        for (workload, given) in [
            ("sleep", &[("duration", "2ms")][..]),
            ("countdown", &[("n", "20000")][..]),
        ] {
            for (b, job) in run(kind, workload, given, 6, 1, Some(1)).iter().enumerate() {
                let what = format!("{} {workload} concurrency 1 batch {b}", kind.id());
                if let Err(e) = admitted_under(job, 1, &what) {
                    panic!("{e}");
                }
            }
        }
    }
}

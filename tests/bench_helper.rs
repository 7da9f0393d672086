//! `bakeoff::bench`, the helper for an embedder's own criterion bench,
//! tested from a program of its own: `spawn-pool` re-executes this binary,
//! so `main` calls `child_entry` first — the rule every embedding program
//! follows — and `harness = false` (Cargo.toml) gives it that `main`.
//! Timing is a hand-made loop through `RunnerBench::time`, the shape of
//! criterion's `iter_custom`; nothing here asserts on a duration.
//!
//! Prints one line per test and a closing `N passed, M failed` line.

use std::panic::{catch_unwind, AssertUnwindSafe};

use bakeoff::bench::Runners;
use bakeoff::prelude::*;

/// A workload that computes a different digest inside a pool worker
/// process (where `BAKEOFF_ROLE` is set) than in the bench process: what a
/// broken runner looks like to the digest check.
struct WrongInWorkers;

impl CpuWorkload for WrongInWorkers {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "wrong-in-workers",
        kind: Kind::Cpu,
        description: "task i returns i, or i + 1 in a pool worker process",
        default_tasks: 3,
        params: &[],
    };
    type Task = u64;

    fn from_params(_: &Params) -> Result<Self, ParamError> {
        Ok(WrongInWorkers)
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        (0..count as u64).collect()
    }

    fn execute(&self, &task: &u64) -> u64 {
        task + u64::from(std::env::var_os("BAKEOFF_ROLE").is_some())
    }
}

/// Tiny `primes`: two numbers, four tasks.
const PRIMES: [(&str, &str); 1] = [("numbers", "1000003:999999")];

/// One in-process runner and two process pools (one forked, one exec'd).
const RUNNERS: [&str; 3] = ["thread-pool", "fork-pool", "spawn-pool"];

/// Every runner is started, timed twice and checked twice against `seq`.
fn every_sample_is_checked(registry: &Registry) {
    let mut seen = Vec::new();
    Runners::new(registry, "primes")
        .params(PRIMES)
        .tasks(4)
        .workers(2)
        .runners(RUNNERS)
        .for_each(|run| {
            assert_eq!(run.tasks(), 4);
            run.time(3);
            run.time(1);
            seen.push((run.id(), run.checked()));
        });
    assert_eq!(
        seen,
        [("thread-pool", 2), ("fork-pool", 2), ("spawn-pool", 2)]
    );
}

/// A runner whose digest differs from `seq` fails the bench, naming the
/// runner and the workload; the runner before it passed.
fn a_wrong_digest_panics_naming_the_runner(registry: &Registry) {
    let mut passed = Vec::new();
    let message = panic_message(|| {
        Runners::new(registry, "wrong-in-workers")
            .workers(1)
            .runners(["thread-pool", "spawn-pool"])
            .for_each(|run| {
                run.time(2);
                passed.push(run.id());
            });
    });
    assert_eq!(passed, ["thread-pool"]);
    assert!(
        message.contains("`wrong-in-workers` under `spawn-pool` computed digest")
            && message.contains("but `seq` computed"),
        "{message}"
    );
}

/// A batch run with `run_batch` (criterion's `iter` shape) is checked
/// after the closure returns.
fn run_batch_is_checked_when_the_bench_ends(registry: &Registry) {
    let message = panic_message(|| {
        Runners::new(registry, "wrong-in-workers")
            .workers(1)
            .runners(["spawn-pool"])
            .for_each(|run| {
                run.start();
                run.run_batch();
                run.run_batch();
                assert_eq!(run.checked(), 0, "nothing is checked inside the clock");
            });
    });
    assert!(
        message.contains("`wrong-in-workers` under `spawn-pool`"),
        "{message}"
    );
}

/// What `--list` or a name filter does: criterion never calls the bench
/// closure. Nothing may start or be checked, and nothing may panic — not
/// even for a workload whose digest would be wrong.
fn a_bench_that_never_ran_checks_nothing(registry: &Registry) {
    let mut ids = Vec::new();
    Runners::new(registry, "wrong-in-workers")
        .runners(RUNNERS)
        .for_each(|run| ids.push((run.id(), run.checked())));
    assert_eq!(
        ids,
        [("thread-pool", 0), ("fork-pool", 0), ("spawn-pool", 0)]
    );
}

/// An unknown runner id panics with the closest id.
fn an_unknown_runner_is_named_with_a_suggestion(registry: &Registry) {
    let message = panic_message(|| {
        let _ = Runners::new(registry, "primes").runners(["spawn-poll"]);
    });
    assert!(
        message.contains("spawn-poll") && message.contains("spawn-pool"),
        "{message}"
    );
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

type Test = fn(&Registry);

fn main() {
    let mut registry = Registry::builtin();
    registry.register_cpu::<WrongInWorkers>().expect("a new id");
    if let Some(code) = child_entry(&registry) {
        std::process::exit(code);
    }
    let tests: &[(&str, Test)] = &[
        ("every_sample_is_checked", every_sample_is_checked),
        (
            "a_wrong_digest_panics_naming_the_runner",
            a_wrong_digest_panics_naming_the_runner,
        ),
        (
            "run_batch_is_checked_when_the_bench_ends",
            run_batch_is_checked_when_the_bench_ends,
        ),
        (
            "a_bench_that_never_ran_checks_nothing",
            a_bench_that_never_ran_checks_nothing,
        ),
        (
            "an_unknown_runner_is_named_with_a_suggestion",
            an_unknown_runner_is_named_with_a_suggestion,
        ),
    ];
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    // The expected panics print through the default hook; keep the output
    // to one line per test.
    std::panic::set_hook(Box::new(|_| {}));
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match catch_unwind(|| test(&registry)) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(p) => {
                let why = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("test {name} ... FAILED: {why}");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

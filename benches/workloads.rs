//! Run with: cargo bench --bench workloads
//!
//! The regression path for runtime authors, and the proof that embedding
//! works for criterion users: each CPU workload at a small size — the
//! built-in ones and `collatz`, a workload defined in this file with the
//! public API only, as a user would — under every runner, in-process and
//! process pools alike, so a change to a runner (or to the `Job` recorder
//! every runner shares) shows up as a criterion diff.
//!
//! One benchmark group per workload, one bench function per runner id. A
//! runner is started once per bench function, before the timed loop, so
//! start-up and tear-down are not measured (the `bakeoff` binary measures
//! those, in a fresh process per case). After the loop, outside timing,
//! the last job's digest is checked against the `seq` reference: a bench
//! that silently computes the wrong thing is worthless.
//!
//! This bench is its own program (`harness = false`): spawn-pool and
//! forkserver-pool workers re-execute it, so `main` first hands such a
//! child to bakeoff's entry point with the same registry — which is how a
//! pool worker rebuilds `collatz` from its id — exactly like any program
//! that embeds bakeoff.
//!
//! Everything else runs in this one process, unlike `bakeoff run`. In
//! particular async-std sizes its global executor from
//! `ASYNC_STD_THREAD_COUNT` once, at first use, and nothing here sets it
//! (that would need `unsafe` `std::env::set_var`): the `async-std` rows use
//! async-std's default thread count (one per core), not `workers: 2`.
//! Export `ASYNC_STD_THREAD_COUNT=2` before `cargo bench` to match the
//! other runners.

#[path = "../examples/support/collatz.rs"]
mod collatz;
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use bakeoff::prelude::*;
use bakeoff::runners::{Job, Runner, RunnerConfig, RunnerKind};
use bakeoff::workloads::{Batch, BatchDigest};
use collatz::Collatz;
use criterion::{Criterion, Throughput};

/// Worker threads every runner gets (sized for a 2-core machine).
const WORKERS: usize = 2;

/// A workload at bench size: id, parameters, tasks per batch.
struct Size {
    id: &'static str,
    params: &'static [(&'static str, &'static str)],
    tasks: usize,
}

/// Small sizes: the whole bench takes about two minutes on two cores.
const SIZES: &[Size] = &[
    Size {
        id: "collatz",
        params: &[("span", "2000")],
        tasks: 16,
    },
    Size {
        id: "noop",
        params: &[],
        tasks: 1000,
    },
    Size {
        id: "countdown",
        params: &[("n", "200000")],
        tasks: 4,
    },
    Size {
        id: "primes",
        params: &[("numbers", "1000003:1000033:999999:1000037")],
        tasks: 8,
    },
    Size {
        id: "sha256",
        params: &[("size", "4096")],
        tasks: 16,
    },
    Size {
        id: "mandelbrot",
        params: &[("width", "100"), ("max_iter", "100")],
        tasks: 32,
    },
];

/// Workloads deliberately not benchmarked.
const SKIPPED: &[&str] = &["fault"];

fn config(kind: RunnerKind) -> RunnerConfig {
    RunnerConfig {
        workers: WORKERS,
        concurrency: None,
        // No parameters given: async runners use their default, cpu=inline.
        params: kind
            .params(&BTreeMap::new())
            .unwrap_or_else(|e| panic!("{}: {e}", kind.id())),
    }
}

fn start(kind: RunnerKind) -> Box<dyn Runner> {
    kind.start(&config(kind))
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", kind.id()))
}

/// Runs one batch through `runner` and returns the finished job.
fn run_once(runner: &mut dyn Runner, batch: &Arc<dyn Batch>) -> Arc<Job> {
    let job = Job::new(Arc::clone(batch));
    if let Err(e) = runner.run(&job) {
        panic!("{e}");
    }
    job
}

/// The job's digest, or a panic saying why it has none.
fn digest_of(job: &Job, what: &str) -> BatchDigest {
    if let Some((i, reason)) = job.failure() {
        panic!("{what}: task {i} {reason}");
    }
    job.digest()
        .unwrap_or_else(|missing| panic!("{what}: {missing} task(s) never finished"))
}

fn bench_workload(c: &mut Criterion, registry: &Registry, size: &Size) {
    let entry = registry
        .get(size.id)
        .unwrap_or_else(|e| panic!("bench sizes name a missing workload: {e}"));
    let given = size
        .params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = entry
        .params(&given)
        .unwrap_or_else(|e| panic!("{}: {e}", size.id));
    let batch = entry
        .batch(&params, size.tasks, bakeoff::DEFAULT_SEED)
        .unwrap_or_else(|e| panic!("{}: {e}", size.id));

    // The reference, computed before anything is timed.
    let want = {
        let mut seq = start(RunnerKind::Seq);
        let job = run_once(seq.as_mut(), &batch);
        seq.stop().expect("seq stops");
        digest_of(&job, &format!("{} under seq", size.id))
    };

    let mut group = c.benchmark_group(size.id);
    group.throughput(Throughput::Elements(size.tasks as u64));

    for kind in RunnerKind::ALL {
        let what = format!("{} under {}", size.id, kind.id());
        // Started lazily on the closure's first call, so a bench filtered
        // out on the command line starts nothing; criterion calls the
        // closure once per sample, and the runner is reused across them.
        let mut runner: Option<Box<dyn Runner>> = None;
        let mut last: Option<Arc<Job>> = None;
        group.bench_function(kind.id(), |b| {
            let runner = runner.get_or_insert_with(|| start(kind));
            b.iter(|| {
                // Replacing `last` drops the previous job here, just as a
                // job local to this closure would be dropped: same cost.
                last = Some(run_once(runner.as_mut(), &batch));
            });
        });
        if let Some(runner) = runner {
            runner
                .stop()
                .unwrap_or_else(|e| panic!("cannot stop {}: {e}", kind.id()));
        }
        // Outside timing: the last measured batch computed the right thing.
        if let Some(job) = last {
            assert_eq!(
                digest_of(&job, &what),
                want,
                "{what}: digest differs from seq"
            );
        }
    }
    group.finish();
}

fn workloads(c: &mut Criterion, registry: &Registry) {
    for entry in registry.iter() {
        let id = entry.info.id;
        if entry.info.kind == Kind::Cpu
            && !SKIPPED.contains(&id)
            && !SIZES.iter().any(|s| s.id == id)
        {
            eprintln!("warning: CPU workload `{id}` has no bench size in benches/workloads.rs; it is not benchmarked");
        }
    }
    for size in SIZES {
        bench_workload(c, registry, size);
    }
}

fn main() {
    let mut registry = Registry::builtin();
    registry
        .register_cpu::<Collatz>()
        .expect("collatz is a new id");
    // A pool worker or fork server re-executing this bench serves its
    // role and exits; it never reaches criterion.
    if let Some(code) = child_entry(&registry) {
        std::process::exit(code);
    }
    // Criterion starts threads of its own between benches; fork-pool
    // workers must come from a helper forked while this is single-threaded.
    bakeoff::runners::process::prepare_fork_helper(&registry).expect("fork helper starts");
    let mut c = common::criterion();
    workloads(&mut c, &registry);
    c.final_summary();
}

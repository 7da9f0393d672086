//! Run with: cargo bench --bench workloads
//!
//! The regression path for runtime authors, and the proof that embedding
//! works for criterion users: each CPU workload at a small size — the
//! built-in ones and `collatz`, a workload defined in this file with the
//! public API only, as a user would — under every runner, in-process and
//! process pools alike, so a change to a runner (or to the `Job` recorder
//! every runner shares) shows up as a criterion diff.
//!
//! One benchmark group per workload, one bench function per runner id,
//! all through `bakeoff::bench::Runners`, the helper an embedder uses
//! (docs/BENCHES.md, "Benching your own workload"). A runner is started
//! once per bench function, before the timed loop, so start-up and
//! tear-down are not measured (the `bakeoff` binary measures those, in a
//! fresh process per case). After each sample, outside timing, the last
//! job's digest is checked against the `seq` reference: a bench that
//! silently computes the wrong thing is worthless.
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

use bakeoff::bench::Runners;
use bakeoff::prelude::*;
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

/// Workloads deliberately not benchmarked: `fault` fails on purpose;
/// `shared-counter` runs one task at a time (every other runner refuses
/// it), and `benches/sync.rs` (group `shared_state`) measures its three
/// ways with the same code.
const SKIPPED: &[&str] = &["fault", "shared-counter"];

fn bench_workload(c: &mut Criterion, registry: &Registry, size: &Size) {
    let mut group = c.benchmark_group(size.id);
    group.throughput(Throughput::Elements(size.tasks as u64));
    // The helper starts each runner on the closure's first call, outside
    // the clock, so a bench filtered out on the command line starts
    // nothing; after each sample it checks the last batch against `seq`.
    Runners::new(registry, size.id)
        .params(size.params.iter().copied())
        .tasks(size.tasks)
        .workers(WORKERS)
        .for_each(|run| {
            group.bench_function(run.id(), |b| b.iter_custom(|n| run.time(n)));
        });
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
    // Criterion starts threads of its own between benches: the first
    // `Runners::new`, before any bench runs, forks the fork-pool helper
    // while this is still single-threaded.
    let mut c = common::criterion();
    workloads(&mut c, &registry);
    c.final_summary();
}

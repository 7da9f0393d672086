#![doc = include_str!("../README.md")]
//!
//! # Library
//!
//! The harness is the `bakeoff` crate: it plans cases from sweeps or suite
//! files, runs each case in a fresh child process, verifies digests against
//! the `seq` reference, and writes results. Its one key design decision is
//! **a process per case**: memory baselines, thread counts and crashes never
//! leak from one case into the next. A program that embeds bakeoff must
//! therefore call [`child_entry`] first thing in `main`.

mod case;
pub mod child;
mod environment;
pub mod measure;
pub mod orchestrator;
mod output;
pub mod plan;
pub mod serve;
pub mod suite;
pub mod summary;

use std::path::PathBuf;
use std::time::Duration;

pub use bakeoff_reports as reports;
pub use bakeoff_runners as runners;
pub use bakeoff_workloads as workloads;
pub use case::Case;
pub use child::child_entry;
pub use environment::collect as collect_environment;
pub use orchestrator::{RunOptions, RunOutcome};
pub use output::write_atomic;
pub use plan::{Plan, Repeat, Sweep};

/// The seed task lists are built from unless one is given.
pub const DEFAULT_SEED: u64 = 0x5EED;

/// Everything an embedding program needs.
pub mod prelude {
    pub use crate::{child_entry, Bakeoff};
    pub use bakeoff_workloads::{
        CpuWorkload, Kind, ParamError, ParamSpec, Params, Registry, WorkloadEntry, WorkloadInfo,
    };
}

/// A comparison built in code: the library face of `bakeoff run`.
///
/// ```no_run
/// use bakeoff::prelude::*;
/// let registry = Registry::builtin();
/// if let Some(code) = child_entry(&registry) {
///     std::process::exit(code);
/// }
/// let outcome = Bakeoff::new(registry).workload("primes").runners(["rayon", "tokio-mt"]).run()?;
/// println!("{}", outcome.dir.display());
/// # Ok::<(), anyhow::Error>(())
/// ```
pub struct Bakeoff {
    registry: workloads::Registry,
    sweep: Sweep,
    repeat: Repeat,
    options: RunOptions,
    print: bool,
}

impl Bakeoff {
    /// A comparison over the workloads of `registry`.
    pub fn new(registry: workloads::Registry) -> Self {
        Bakeoff {
            registry,
            sweep: Sweep::default(),
            repeat: Repeat {
                reps: 3,
                warmup: 1,
                seed: DEFAULT_SEED,
            },
            options: RunOptions {
                out: None,
                case_timeout: Duration::from_secs(600),
                progress: true,
            },
            print: true,
        }
    }

    /// Adds a workload by id.
    pub fn workload(mut self, id: &str) -> Self {
        self.sweep.workloads.push(id.to_string());
        self
    }

    /// The runners to compare (default: all).
    pub fn runners<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        self.sweep.runners = ids.into_iter().map(str::to_string).collect();
        self
    }

    /// Worker counts to sweep (default: available cores).
    pub fn workers(mut self, counts: impl IntoIterator<Item = usize>) -> Self {
        self.sweep.workers = counts.into_iter().collect();
        self
    }

    /// Tasks per batch to sweep (default: the workload's).
    pub fn tasks(mut self, counts: impl IntoIterator<Item = usize>) -> Self {
        self.sweep.tasks = counts.into_iter().collect();
        self
    }

    /// Tasks in flight to sweep (default: the whole batch).
    pub fn concurrency(mut self, counts: impl IntoIterator<Item = usize>) -> Self {
        self.sweep.concurrency = counts.into_iter().collect();
        self
    }

    /// Sets a workload or runner parameter (call again to sweep values).
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.sweep
            .set
            .entry(key.to_string())
            .or_default()
            .push(value.to_string());
        self
    }

    /// Measured repetitions per case.
    pub fn reps(mut self, reps: usize) -> Self {
        self.repeat.reps = reps;
        self
    }

    /// Warm-up batches per case.
    pub fn warmup(mut self, warmup: usize) -> Self {
        self.repeat.warmup = warmup;
        self
    }

    /// Directory for results (default: a new `target/bakeoff/runs/<timestamp>`).
    pub fn out(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options.out = Some(dir.into());
        self
    }

    /// Whether to print progress and the summary table (default: yes).
    pub fn print(mut self, print: bool) -> Self {
        self.print = print;
        self.options.progress = print;
        self
    }

    /// Plans, runs, verifies and writes results; prints the summary.
    pub fn run(self) -> anyhow::Result<RunOutcome> {
        let plan = Plan::build("ad-hoc", &self.registry, &[self.sweep], self.repeat)?;
        let outcome = orchestrator::run(&plan, &self.registry, &self.options)?;
        if self.print {
            println!("{}", summary::render(&outcome.results));
            println!("results: {}", outcome.dir.join("results.json").display());
        }
        Ok(outcome)
    }
}

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

pub mod bench;
mod case;
pub mod child;
mod drive;
mod environment;
mod kinds;
pub mod measure;
pub mod orchestrator;
mod output;
pub mod plan;
mod reference;
pub mod suite;

use std::path::PathBuf;
use std::time::Duration;

pub use bakeoff_reports as reports;
pub use bakeoff_runners as runners;
/// The embedded loopback servers (`bakeoff serve`) and [`serve::ServerChild`],
/// which starts one as the `server` role.
pub use bakeoff_servers as serve;
pub use bakeoff_workloads as workloads;
pub use case::{Case, Until};
pub use child::child_entry;
pub use environment::collect as collect_environment;
pub use orchestrator::{RunOptions, RunOutcome};
pub use output::{check_out_dir, claim_dir, existing_results, write_atomic};
pub use plan::{Plan, Repeat, RepeatSettings, Sweep};

/// The seed task lists are built from unless one is given.
pub const DEFAULT_SEED: u64 = 0x5EED;

/// Everything an embedding program needs: the builder, the entry point,
/// and the traits and types of a CPU workload (`CpuWorkload`) and of an
/// IO workload (`IoWorkload`, with its blocking and async faces and the
/// parameters of an embedded server), and what a run gives back.
pub mod prelude {
    pub use crate::{child_entry, write_report, Bakeoff, RunOutcome};
    pub use bakeoff_reports::{CaseStatus, Lang, RenderOptions, Style};
    pub use bakeoff_workloads::io::{
        AsyncConn, AsyncIo, BlockingIo, IoFuture, IoWorkload, Target, DELAY_PARAM, JITTER_PARAM,
        TARGET_PARAM,
    };
    pub use bakeoff_workloads::protocol::ServerKind;
    pub use bakeoff_workloads::{
        mix64, CpuWorkload, Kind, ParamError, ParamSpec, Params, Registry, WorkloadEntry,
        WorkloadInfo,
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
    report: Option<reports::RenderOptions>,
}

/// Writes the report of a finished run into its directory — `index.html`,
/// `summary.md`, `figures/` — and returns the page's path. A report that
/// cannot be written loses nothing: the results files are already there,
/// and `bakeoff report DIR/results.json` renders it again.
pub fn write_report(
    outcome: &RunOutcome,
    options: reports::RenderOptions,
) -> Result<PathBuf, reports::ReportError> {
    reports::render(
        std::slice::from_ref(&outcome.results),
        &outcome.dir,
        options,
    )
    .map(|rendered| rendered.index)
}

impl Bakeoff {
    /// A comparison over the workloads of `registry`.
    pub fn new(registry: workloads::Registry) -> Self {
        Bakeoff {
            registry,
            sweep: Sweep::default(),
            repeat: Repeat::adaptive(DEFAULT_SEED),
            options: RunOptions {
                out: None,
                case_timeout: Duration::from_secs(600),
                progress: true,
                force: false,
                wait_quiet: None,
            },
            print: true,
            report: Some(reports::RenderOptions::default()),
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

    /// Exactly `reps` measured repetitions per case, one batch each,
    /// instead of calibrated repetitions repeated until the median is
    /// known to ±2 % (the default, [`Repeat::adaptive`]).
    pub fn reps(mut self, reps: usize) -> Self {
        let starts = self.repeat.starts;
        self.repeat = Repeat::fixed(reps, self.repeat.warmup, self.repeat.seed);
        self.repeat.starts = starts;
        self
    }

    /// Times each case starts its runner (default 1): the extra starts,
    /// each stopped again, come before the one that runs the batches, and
    /// every start-up is recorded (`startups` in results.json).
    pub fn starts(mut self, starts: usize) -> Self {
        self.repeat.starts = starts;
        self
    }

    /// How cases are repeated, whole (calibration target, stopping rule).
    pub fn repeat(mut self, repeat: Repeat) -> Self {
        self.repeat = repeat;
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

    /// Whether an [`out`](Self::out) directory that already holds results
    /// is replaced whole (default: no, such a directory is refused).
    pub fn force(mut self, force: bool) -> Self {
        self.options.force = force;
        self
    }

    /// Whether to print progress and the summary table (default: yes).
    pub fn print(mut self, print: bool) -> Self {
        self.print = print;
        self.options.progress = print;
        self
    }

    /// Seconds a case may run before it is killed and recorded as failed
    /// (default: 600).
    pub fn case_timeout(mut self, timeout: Duration) -> Self {
        self.options.case_timeout = timeout;
        self
    }

    /// Before each case, wait at most `longest` for the machine to be
    /// quiet (as `--wait-quiet` does; default: do not wait).
    pub fn wait_quiet(mut self, longest: Duration) -> Self {
        self.options.wait_quiet = Some(longest);
        self
    }

    /// Whether to write the HTML report, `summary.md` and the figures
    /// beside the results (default: yes, as `bakeoff run` does).
    pub fn report(mut self, write: bool) -> Self {
        self.report = write.then(|| self.report.unwrap_or_default());
        self
    }

    /// How the report is drawn (screen or course style, English or
    /// Russian); implies [`report(true)`](Self::report).
    pub fn look(mut self, options: reports::RenderOptions) -> Self {
        self.report = Some(options);
        self
    }

    /// Plans, runs, verifies and writes results and the report; prints the
    /// summary. Inside a process that bakeoff started (a case child of a
    /// program that forgot [`child_entry`]) it refuses with an error that
    /// says so, instead of starting a run of its own.
    pub fn run(self) -> anyhow::Result<RunOutcome> {
        child::refuse_nested_run()?;
        let plan = Plan::build("ad-hoc", &self.registry, &[self.sweep], self.repeat)?;
        let mut outcome = orchestrator::run(&plan, &self.registry, &self.options)?;
        if self.print {
            println!("{}", bakeoff_reports::summary::render(&outcome.results));
            println!("results: {}", outcome.dir.join("results.json").display());
        }
        if let Some(look) = self.report {
            match write_report(&outcome, look) {
                Ok(index) => {
                    if self.print {
                        println!("report: {}", index.display());
                    }
                    outcome.report = Some(index);
                }
                Err(e) => eprintln!("warning: the report was not written: {e}"),
            }
        }
        Ok(outcome)
    }
}

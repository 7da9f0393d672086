//! Runners for bakeoff: one way each of running a batch of tasks.
//!
//! The key design decision: **every runner gets the same [`Job`] and
//! records into it the same way** — the batch's handover first thing in
//! `run` ([`Job::hand_over`], every task's submit time) or a task's
//! admission under a concurrency limit ([`Job::submit`]), start and end
//! time around the work — so that latency, service time and digests mean
//! the same thing for threads, process pools and event loops. A runner
//! only decides *how* tasks reach a core.
//!
//! # Adding a runner
//!
//! Write one file in its family's folder (`src/threads/`, `src/async_rt/`,
//! `src/process/`) with a type implementing [`Runner`] and a unit struct
//! implementing [`RunnerDef`] (its id, family, parameters and how it
//! starts), declare the file's `mod`, and add one line to the table,
//! `src/table.rs`. [`RunnerKind`] is a handle on a table entry; the plan,
//! `bakeoff list` and the digest tests (`tests/digests.rs`,
//! `tests/pools.rs`) read the table, so they cover it for every workload.

mod async_rt;
mod def;
mod job;
mod kind;
mod limits;
pub mod process;
pub mod python;
mod seq;
pub mod sync;
mod table;
mod threads;

pub use async_rt::CpuMode;
pub use def::{Family, RunnerConfig, RunnerDef, RunnerInfo};
pub use job::{Incidents, Job, TaskRecord};
pub use kind::RunnerKind;
pub use python::{PythonInfo, PYTHON_ENV};

use std::sync::Arc;

use thiserror::Error;

/// Something that runs every task of a [`Job`] and returns when all are done.
///
/// A runner is started once per case (start-up is timed), runs the warm-up
/// and every measured batch, then is stopped (tear-down is timed).
pub trait Runner {
    /// Runs every task of `job`, recording each through the job.
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError>;

    /// Releases threads, runtimes and processes. The default drops `self`.
    fn stop(self: Box<Self>) -> Result<(), RunnerError> {
        Ok(())
    }

    /// CPU time used so far by worker processes that are alive now, for
    /// runners that have them (`None` for in-process runners, whose CPU
    /// time is the process's own).
    fn workers_cpu(&self) -> Option<CpuTime> {
        None
    }

    /// Memory of the live worker processes now, for runners that have them.
    fn workers_memory(&self) -> Option<WorkersMemory> {
        None
    }

    /// What happened to worker processes during the last `run` call
    /// (deaths, retries, replacements), for runners that have them; `None`
    /// for in-process runners.
    fn incidents(&self) -> Option<Incidents> {
        None
    }

    /// Start-up in its two parts, for runners that start a program and
    /// then a model inside it (the `py-*` runners: the interpreter, then
    /// its pool); `None` for the rest, whose start-up is one thing.
    fn startup_parts(&self) -> Option<StartupParts> {
        None
    }

    /// What a runner that runs its batches inside another program (an
    /// interpreter) measured there during the last `run`, taken; `None`
    /// for runners whose batches run in this process, which the harness
    /// measures itself.
    fn measured_inside(&mut self) -> Option<MeasuredInside> {
        None
    }
}

/// A runner's start-up in two parts (see [`Runner::startup_parts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartupParts {
    /// From starting the interpreter to its first message, its modules
    /// imported.
    pub interpreter: std::time::Duration,
    /// The model's own start inside it: the pool built and every worker
    /// ready (measured there, without the `parent_mb` allocation before).
    pub model: std::time::Duration,
}

/// What a batch measured inside the program that ran it, on that
/// program's side of the exchange (see [`Runner::measured_inside`]): the
/// harness takes these instead of its own, which would count the
/// exchange too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasuredInside {
    /// From just before the first task was handed over to just after the
    /// last finished.
    pub wall: std::time::Duration,
    /// The program's peak resident memory during the batch (its VmHWM,
    /// reset before the batch), in bytes.
    pub peak_rss: u64,
    /// Whether `peak_rss` is the kernel's mark (`false`: the RSS at the
    /// end, where the mark could not be reset).
    pub peak_exact: bool,
    /// The program's resident memory before its first batch, idle, in
    /// bytes: what `peak_rss` of every batch is measured from.
    pub idle_rss: u64,
    /// Side samples (`loop-lag`'s heartbeat lateness, ns), when the
    /// workload takes them.
    pub samples: Option<Vec<u64>>,
}

/// Memory of a pool's worker processes, in bytes, summed over workers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkersMemory {
    /// Resident set size (shared pages counted once per worker).
    pub rss: u64,
    /// Proportional set size (shared pages split between their sharers).
    pub pss: u64,
}

/// CPU time, in nanoseconds, and context switches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// User time.
    pub user_ns: u64,
    /// System time.
    pub system_ns: u64,
    /// Voluntary context switches, where the runner counts them (0
    /// otherwise).
    pub voluntary: u64,
    /// Involuntary context switches, where the runner counts them.
    pub involuntary: u64,
}

/// A runner could not start or finish a batch.
#[derive(Debug, Error)]
pub enum RunnerError {
    /// No runner has this id.
    #[error("unknown runner `{id}`{}; run `bakeoff list` to see them all", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        /// The id that was asked for.
        id: String,
        /// The closest id, if one is close.
        suggestion: Option<String>,
    },
    /// A parameter was invalid.
    #[error(transparent)]
    Param(#[from] bakeoff_workloads::ParamError),
    /// The operating system refused a thread.
    #[error("{runner}: cannot start thread {index} ({os_error}): {limit}")]
    Thread {
        /// The runner id.
        runner: &'static str,
        /// How many threads were already running.
        index: usize,
        /// The error from the OS.
        os_error: std::io::Error,
        /// The limit that was hit, its value and the fix, in one line.
        limit: String,
    },
    /// A runner would start more threads than a limit allows: refused
    /// before it started any.
    #[error("{runner}: cannot start {count} threads: {limit}")]
    Threads {
        /// The runner id.
        runner: &'static str,
        /// How many threads it would start.
        count: usize,
        /// The limit that would be hit, its value and the fix, in one line.
        limit: String,
    },
    /// A runtime could not be built.
    #[error("{runner}: cannot build the runtime: {source}")]
    Runtime {
        /// The runner id.
        runner: &'static str,
        /// The error from the runtime.
        source: std::io::Error,
    },
    /// A process pool could not start, replace or talk to a worker.
    #[error("{runner}: {reason}")]
    Pool {
        /// The runner's id.
        runner: &'static str,
        /// One line: what failed and the fix.
        reason: String,
    },
    /// A task did not complete (its thread or async task died).
    #[error("{runner}: task {index} did not complete: {reason}")]
    Task {
        /// The runner id.
        runner: &'static str,
        /// The task index.
        index: usize,
        /// What happened.
        reason: String,
    },
}

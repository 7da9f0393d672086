//! [`RunnerDef`], what each runner file defines (every fact about one
//! runner and how it starts), with the plain facts it answers in:
//! [`Family`], [`RunnerInfo`] and [`RunnerConfig`].

use bakeoff_workloads::{ParamSpec, Params};

use crate::{Runner, RunnerError};

/// The families figures colour by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// One thread, one task at a time.
    Baseline,
    /// OS threads in one process.
    Threads,
    /// Worker processes.
    Processes,
    /// Async event loops.
    Async,
    /// CPython's own models, in an interpreter bakeoff starts.
    Cpython,
}

impl Family {
    /// `baseline`, `threads`, `processes` or `async`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::Threads => "threads",
            Family::Processes => "processes",
            Family::Async => "async",
            Family::Cpython => "cpython",
        }
    }
}

/// Static description of a runner, shown by `bakeoff list`.
#[derive(Clone, Copy, Debug)]
pub struct RunnerInfo {
    /// The id used on the command line and in results.
    pub id: &'static str,
    /// Which family it belongs to.
    pub family: Family,
    /// One line saying what model it is.
    pub description: &'static str,
    /// What `workers` (and `concurrency`) mean for it, in a few words.
    pub workers: &'static str,
    /// Its own parameters (beyond `workers` and `concurrency`).
    pub params: &'static [ParamSpec],
    /// A caveat shown beside it (deprecation, platform).
    pub note: Option<&'static str>,
}

/// How a case configures its runner.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Worker threads (or processes) the model may use.
    pub workers: usize,
    /// Tasks in flight at most; `None` submits the whole batch at once.
    pub concurrency: Option<usize>,
    /// The runner's own parameters, resolved.
    pub params: Params,
}

/// What one runner file defines: every fact about the runner, and how it
/// starts. Its parameters are parsed once per call into the runner's own
/// typed struct (see `AsyncParams`, `PoolParams`), so a bad value fails
/// with the same one-line error wherever it is first read.
pub trait RunnerDef: Sync {
    /// Its id, family, description and parameters.
    fn info(&self) -> RunnerInfo;

    /// Checks its parameters without starting anything.
    fn check(&self, params: &Params) -> Result<(), RunnerError> {
        let _ = params;
        Ok(())
    }

    /// Why this machine cannot run it with these parameters (no
    /// interpreter), or cannot run `workload` (no form in its language),
    /// in one line naming the fix; `None` when it can. Such a case is
    /// recorded as skipped, with the reason, and the run goes on.
    fn unavailable(&self, params: &Params, workload: Option<&str>) -> Option<String> {
        let _ = (params, workload);
        None
    }

    /// MiB the case process must allocate and touch before the runner
    /// starts, so that the runner's start pays for a parent that large
    /// (the process pools' `parent_mb`: fork copies its page tables); 0
    /// for runners whose parent is not the case process.
    fn case_parent_mib(&self, params: &Params) -> Result<usize, RunnerError> {
        let _ = params;
        Ok(0)
    }

    /// Whether `workers` changes what it does with these parameters (a
    /// sweep over workers skips it otherwise).
    fn uses_workers(&self, params: &Params) -> bool {
        let _ = params;
        true
    }

    /// Whether `concurrency` changes what it does.
    fn uses_concurrency(&self) -> bool {
        true
    }

    /// Whether it runs one task at a time on its own thread, in its own
    /// process (`seq`, `py-seq`): the runners a workload that runs
    /// [`Runs::OneAtATime`](bakeoff_workloads::Runs) may run under.
    fn one_task_at_a_time(&self) -> bool {
        false
    }

    /// Environment variables the case process must start with, for
    /// runtimes that read their size from the environment once.
    fn child_env(&self, config: &RunnerConfig) -> Vec<(&'static str, String)> {
        let _ = config;
        Vec::new()
    }

    /// How many threads it starts (or may start, for a runtime's blocking
    /// pool sized by `workers`) beside the calling one, before its first
    /// task: what [`RunnerKind::start`] checks against the thread limits.
    /// 0 for runners that start threads per task or processes (they check
    /// their own limits).
    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        let _ = config;
        Ok(0)
    }

    /// Builds its threads, runtime or processes.
    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError>;
}

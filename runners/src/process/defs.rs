//! `fork-pool`, `spawn-pool` and `forkserver-pool` in the runner table:
//! one [`ProcessPool`] definition, one table line per [`StartMethod`].

use std::num::NonZeroUsize;
use std::time::Duration;

use bakeoff_workloads::{ParamSpec, Params};

use super::{PoolOptions, ProcessPool, StartMethod};
use crate::{Family, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

const POOL_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "chunksize",
        default: "1",
        help: "tasks per message to a worker (like Pool.map's chunksize)",
    },
    ParamSpec {
        name: "retry",
        default: "0",
        help: "times a task whose worker died is run again on a fresh worker",
    },
    ParamSpec {
        name: "task_timeout",
        default: "0",
        help: "seconds per task before its worker is killed and replaced (0: no limit)",
    },
    ParamSpec {
        name: "parent_mb",
        default: "0",
        help: "MiB the case process allocates and touches before the pool starts (fork copies its page tables)",
    },
];

/// A pool's parameters, parsed. (`parent_mb` is checked here and used by
/// the case process, which allocates it before the pool starts.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PoolParams {
    chunksize: NonZeroUsize,
    retry: usize,
    /// `None` for 0: no limit.
    task_timeout: Option<Duration>,
}

/// A pool's `chunksize`, at least 1 (Rust's pools and CPython's).
pub(crate) fn chunksize(p: &Params) -> Result<NonZeroUsize, RunnerError> {
    Ok(NonZeroUsize::new(p.get::<usize>("chunksize")?)
        .ok_or_else(|| p.invalid("chunksize", "must be at least 1"))?)
}

impl PoolParams {
    fn parse(p: &Params) -> Result<Self, RunnerError> {
        let chunksize = chunksize(p)?;
        p.get::<usize>("parent_mb")?;
        let retry = p.get::<usize>("retry")?;
        let secs = p.get::<f64>("task_timeout")?;
        if !(secs >= 0.0 && secs.is_finite()) {
            return Err(p
                .invalid("task_timeout", "use seconds ≥ 0 (0: no limit)")
                .into());
        }
        Ok(PoolParams {
            chunksize,
            retry,
            task_timeout: (secs > 0.0).then(|| Duration::from_secs_f64(secs)),
        })
    }
}

/// A process pool in the runner table, named by how its workers start:
/// `fork-pool`, `spawn-pool`, `forkserver-pool`.
pub struct Pool(pub StartMethod);

impl RunnerDef for Pool {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: self.0.runner_id(),
            family: Family::Processes,
            description: match self.0 {
                StartMethod::Fork => "N worker processes made by fork(), copies of the case process (like multiprocessing's fork)",
                StartMethod::Spawn => "N worker processes started fresh by exec of this program (like multiprocessing's spawn)",
                StartMethod::Forkserver => "N worker processes forked by a clean fork server (like multiprocessing's forkserver)",
            },
            workers: "`workers` processes",
            params: POOL_PARAMS,
            note: None,
        }
    }

    fn check(&self, params: &Params) -> Result<(), RunnerError> {
        PoolParams::parse(params).map(drop)
    }

    /// The pool's workers are started by the case process: `parent_mb`
    /// is its memory.
    fn case_parent_mib(&self, params: &Params) -> Result<usize, RunnerError> {
        Ok(params.get::<usize>("parent_mb")?)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let p = PoolParams::parse(&config.params)?;
        let options = PoolOptions {
            chunksize: p.chunksize.get(),
            concurrency: config.concurrency,
            retry: p.retry,
            task_timeout: p.task_timeout,
        };
        Ok(Box::new(ProcessPool::start(
            self.0,
            config.workers,
            options,
        )?))
    }
}

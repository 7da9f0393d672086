//! [`RunnerKind`]: the list of runners, their descriptions, and the one
//! place where a kind becomes a `Box<dyn Runner>`.

use std::collections::BTreeMap;

use bakeoff_workloads::{ParamSpec, Params};

use crate::async_rt::{AsyncStdRunner, CpuMode, SmolRunner, TokioRunner};
use crate::process::{PoolOptions, ProcessPool, StartMethod};
use crate::seq::SeqRunner;
use crate::threads::{RayonRunner, ThreadPerTask, ThreadPool};
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
}

impl Family {
    /// `baseline`, `threads`, `processes` or `async`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::Threads => "threads",
            Family::Processes => "processes",
            Family::Async => "async",
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
    /// Its own parameters (beyond `workers` and `concurrency`).
    pub params: &'static [ParamSpec],
    /// A caveat shown beside it (deprecation, platform).
    pub note: Option<&'static str>,
}

const CPU_PARAM: &[ParamSpec] = &[ParamSpec {
    name: "cpu",
    default: "inline",
    help: "inline: run CPU tasks on the executor threads (blocks the loop); offload: the runtime's blocking pool, `workers` threads",
}];

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

/// Every runner bakeoff knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunnerKind {
    /// `seq`.
    Seq,
    /// `thread-per-task`.
    ThreadPerTask,
    /// `thread-pool`.
    ThreadPool,
    /// `rayon`.
    Rayon,
    /// `tokio-ct`.
    TokioCt,
    /// `tokio-mt`.
    TokioMt,
    /// `async-std`.
    AsyncStd,
    /// `smol`.
    Smol,
    /// Worker processes forked (via a single-threaded helper) from the case process.
    ForkPool,
    /// Worker processes started by exec of the current executable.
    SpawnPool,
    /// Worker processes forked by a fork server started by exec.
    ForkserverPool,
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

impl RunnerKind {
    /// Every runner, in the order reports list them.
    pub const ALL: [RunnerKind; 11] = [
        RunnerKind::Seq,
        RunnerKind::ThreadPerTask,
        RunnerKind::ThreadPool,
        RunnerKind::Rayon,
        RunnerKind::TokioCt,
        RunnerKind::TokioMt,
        RunnerKind::AsyncStd,
        RunnerKind::Smol,
        RunnerKind::ForkPool,
        RunnerKind::SpawnPool,
        RunnerKind::ForkserverPool,
    ];

    /// The runner's description.
    pub fn info(self) -> RunnerInfo {
        use Family::*;
        let (id, family, description, params, note) = match self {
            RunnerKind::Seq => (
                "seq",
                Baseline,
                "one thread, one task at a time: the reference",
                &[][..],
                None,
            ),
            RunnerKind::ThreadPerTask => (
                "thread-per-task",
                Threads,
                "std::thread::spawn per task, at most `concurrency` alive",
                &[][..],
                None,
            ),
            RunnerKind::ThreadPool => (
                "thread-pool",
                Threads,
                "N long-lived std threads and a shared queue (like ThreadPoolExecutor)",
                &[][..],
                None,
            ),
            RunnerKind::Rayon => (
                "rayon",
                Threads,
                "rayon's work-stealing pool of N threads (par_iter)",
                &[][..],
                None,
            ),
            RunnerKind::TokioCt => (
                "tokio-ct",
                Async,
                "tokio current-thread runtime: one event loop, like asyncio",
                CPU_PARAM,
                None,
            ),
            RunnerKind::TokioMt => (
                "tokio-mt",
                Async,
                "tokio multi-thread runtime, N worker threads",
                CPU_PARAM,
                None,
            ),
            RunnerKind::AsyncStd => (
                "async-std",
                Async,
                "async-std's global executor, N threads",
                CPU_PARAM,
                Some("async-std is deprecated upstream in favour of smol; kept for comparison"),
            ),
            RunnerKind::Smol => (
                "smol",
                Async,
                "a smol Executor run by N threads",
                CPU_PARAM,
                None,
            ),
            RunnerKind::ForkPool => (
                "fork-pool",
                Processes,
                "N worker processes made by fork(), copies of the case process (like multiprocessing's fork)",
                POOL_PARAMS,
                None,
            ),
            RunnerKind::SpawnPool => (
                "spawn-pool",
                Processes,
                "N worker processes started fresh by exec of this program (like multiprocessing's spawn)",
                POOL_PARAMS,
                None,
            ),
            RunnerKind::ForkserverPool => (
                "forkserver-pool",
                Processes,
                "N worker processes forked by a clean fork server (like multiprocessing's forkserver)",
                POOL_PARAMS,
                None,
            ),
        };
        RunnerInfo {
            id,
            family,
            description,
            params,
            note,
        }
    }

    /// The id used on the command line.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The runner with this id.
    pub fn from_id(id: &str) -> Result<RunnerKind, RunnerError> {
        Self::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .ok_or_else(|| RunnerError::Unknown {
                id: id.to_string(),
                suggestion: bakeoff_workloads::closest(id, Self::ALL.iter().map(|k| k.id()))
                    .map(str::to_string),
            })
    }

    /// Resolves the runner's own parameters.
    pub fn params(self, given: &BTreeMap<String, String>) -> Result<Params, RunnerError> {
        Ok(Params::resolve(self.id(), self.info().params, given)?)
    }

    /// Whether `workers` changes what this runner does with these
    /// parameters (a sweep over workers skips it otherwise).
    pub fn uses_workers(self, params: &Params) -> bool {
        match self {
            RunnerKind::Seq | RunnerKind::ThreadPerTask => false,
            RunnerKind::TokioCt => params.raw("cpu") == "offload",
            _ => true,
        }
    }

    /// Whether the runner can run on this machine, and if not, why.
    pub fn available(self) -> Result<(), String> {
        Ok(())
    }

    /// Environment variables the case process must start with, for
    /// runtimes that read their size from the environment once.
    pub fn child_env(self, config: &RunnerConfig) -> Vec<(&'static str, String)> {
        let n = config.workers.to_string();
        match self {
            // async-std sizes its global executor from ASYNC_STD_THREAD_COUNT;
            // its spawn_blocking and smol's unblock use the `blocking` pool,
            // sized by BLOCKING_MAX_THREADS.
            RunnerKind::AsyncStd => vec![
                ("ASYNC_STD_THREAD_COUNT", n.clone()),
                ("BLOCKING_MAX_THREADS", n),
            ],
            RunnerKind::Smol => vec![("BLOCKING_MAX_THREADS", n)],
            _ => vec![],
        }
    }

    /// The parameters worth showing in a label, as ` key=value` pairs: `cpu`
    /// always (it changes the model), the others only when they differ
    /// from their defaults.
    pub fn label_params(self, params: &BTreeMap<String, String>) -> String {
        let specs = self.info().params;
        params
            .iter()
            .filter(|(k, v)| {
                k.as_str() == "cpu"
                    || specs
                        .iter()
                        .find(|s| s.name == k.as_str())
                        .is_none_or(|s| s.default != v.as_str())
            })
            .map(|(k, v)| format!(" {k}={v}"))
            .collect()
    }

    /// Checks the runner's parameters without starting anything.
    pub fn check_params(self, params: &Params) -> Result<(), RunnerError> {
        match self.info().family {
            Family::Async => {
                params.get::<CpuMode>("cpu")?;
            }
            Family::Processes => {
                params.get_at_least::<usize>("chunksize", 1)?;
                params.get::<usize>("parent_mb")?;
                params.get::<usize>("retry")?;
                task_timeout(params)?;
            }
            Family::Baseline | Family::Threads => {}
        }
        Ok(())
    }

    /// Starts the runner: builds its threads or runtime.
    pub fn start(self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let cpu = || -> Result<CpuMode, RunnerError> { Ok(config.params.get::<CpuMode>("cpu")?) };
        let threads = self.threads_started(config)?;
        if threads > 0 {
            crate::limits::room_for_threads(threads, "--workers").map_err(|limit| {
                RunnerError::Threads {
                    runner: self.id(),
                    count: threads,
                    limit,
                }
            })?;
        }
        Ok(match self {
            RunnerKind::Seq => Box::new(SeqRunner),
            RunnerKind::ThreadPerTask => Box::new(ThreadPerTask::new(config.concurrency)),
            RunnerKind::ThreadPool => {
                Box::new(ThreadPool::start(config.workers, config.concurrency)?)
            }
            RunnerKind::Rayon => Box::new(RayonRunner::start(config.workers, config.concurrency)?),
            RunnerKind::TokioCt => Box::new(TokioRunner::current_thread(config, cpu()?)?),
            RunnerKind::TokioMt => Box::new(TokioRunner::multi_thread(config, cpu()?)?),
            RunnerKind::AsyncStd => Box::new(AsyncStdRunner::start(config, cpu()?)),
            RunnerKind::Smol => Box::new(SmolRunner::start(config, cpu()?)?),
            RunnerKind::ForkPool => pool(StartMethod::Fork, config)?,
            RunnerKind::SpawnPool => pool(StartMethod::Spawn, config)?,
            RunnerKind::ForkserverPool => pool(StartMethod::Forkserver, config)?,
        })
    }
}

impl RunnerKind {
    /// How many threads the runner starts (or may start, for a runtime's
    /// blocking pool sized by `workers`) beside the calling one, before
    /// its first task: what [`start`](Self::start) checks against the
    /// thread limits. 0 for runners that start threads per task
    /// (thread-per-task checks each one) or processes (the pools check
    /// the process limit).
    pub fn threads_started(self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        let offload = || -> Result<bool, RunnerError> {
            Ok(config.params.get::<CpuMode>("cpu")? == CpuMode::Offload)
        };
        let w = config.workers;
        Ok(match self {
            RunnerKind::Seq | RunnerKind::ThreadPerTask => 0,
            RunnerKind::ForkPool | RunnerKind::SpawnPool | RunnerKind::ForkserverPool => 0,
            RunnerKind::ThreadPool | RunnerKind::Rayon => w,
            RunnerKind::TokioCt => {
                if offload()? {
                    w
                } else {
                    0
                }
            }
            RunnerKind::TokioMt | RunnerKind::AsyncStd | RunnerKind::Smol => {
                if offload()? {
                    2 * w
                } else {
                    w
                }
            }
        })
    }
}

fn pool(method: StartMethod, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
    let p = &config.params;
    let options = PoolOptions {
        chunksize: p.get_at_least::<usize>("chunksize", 1)?,
        concurrency: config.concurrency,
        retry: p.get::<usize>("retry")?,
        task_timeout: task_timeout(p)?,
    };
    Ok(Box::new(ProcessPool::start(
        method,
        config.workers,
        options,
    )?))
}

/// A pool's `task_timeout` parameter: `None` for 0 (no limit).
fn task_timeout(p: &Params) -> Result<Option<std::time::Duration>, RunnerError> {
    let secs = p.get::<f64>("task_timeout")?;
    if !(secs >= 0.0 && secs.is_finite()) {
        return Err(p
            .invalid("task_timeout", "use seconds ≥ 0 (0: no limit)")
            .into());
    }
    Ok((secs > 0.0).then(|| std::time::Duration::from_secs_f64(secs)))
}

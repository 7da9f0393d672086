//! The six `py-*` lines of the runner table: one [`RunnerDef`] per model,
//! all started the same way ([`start`]).

use std::num::NonZeroUsize;

use bakeoff_workloads::{ParamSpec, Params};
use serde_json::{json, Value};

use super::interpreter::{self, PYTHON_PARAM};
use super::session::PythonRunner;
use crate::process::StartMethod;
use crate::{Family, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// The workloads with a Python form (`SUPPORTED` in
/// `bakeoff_workloads.py`; a test holds the two lists equal).
pub const PY_WORKLOADS: &[&str] = &[
    "noop",
    "countdown",
    "primes",
    "sha256",
    "mandelbrot",
    "shared-counter",
    "fault",
    "sleep",
    "echo",
    "http-words",
    "file-io",
    "loop-lag",
];

const ONLY_PYTHON: &[ParamSpec] = &[PYTHON_PARAM];

const POOL_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "chunksize",
        default: "1",
        help: "tasks per message to a worker (Pool.imap_unordered's chunksize)",
    },
    ParamSpec {
        name: "parent_mb",
        default: "0",
        help: "MiB the interpreter allocates and touches before the pool starts (fork copies its page tables)",
    },
    PYTHON_PARAM,
];

const ASYNCIO_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "cpu",
        default: "inline",
        help: "inline: CPU tasks on the event loop (it blocks); thread: asyncio.to_thread, `workers` threads; process: run_in_executor with a ProcessPoolExecutor(workers)",
    },
    PYTHON_PARAM,
];

/// Why a `py-*` runner cannot run here with `params`, or on `workload`.
fn unavailable(params: &Params, workload: Option<&str>) -> Option<String> {
    if let Some(w) = workload.filter(|w| !PY_WORKLOADS.contains(w)) {
        return Some(format!(
            "workload `{w}` has no Python form; the py-* runners run {}",
            PY_WORKLOADS.join(", ")
        ));
    }
    interpreter::find(params.raw(PYTHON_PARAM.name)).err()
}

/// Finds the interpreter, writes the module, starts the model `start`
/// describes (its `op` and `workers` filled in here). The interpreter is
/// not asked to describe itself again here, in every case process: the
/// orchestrator did that before the case (`unavailable`), and the module
/// refuses a Python too old itself.
fn start(
    runner: &'static str,
    config: &RunnerConfig,
    mut start: Value,
) -> Result<Box<dyn Runner>, RunnerError> {
    let fail = |reason: String| RunnerError::Pool { runner, reason };
    let python = interpreter::locate(config.params.raw(PYTHON_PARAM.name)).map_err(fail)?;
    let dir = interpreter::module_dir().map_err(fail)?;
    start["op"] = json!("start");
    start["workers"] = json!(config.workers.max(1));
    Ok(Box::new(PythonRunner::start(runner, &python, &dir, start)?))
}

/// `py-seq` in the runner table.
pub struct PySeq;

impl RunnerDef for PySeq {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "py-seq",
            family: Family::Cpython,
            description: "one CPython interpreter, one task after another: a plain loop (CPython's reference)",
            workers: "one thread; workers and concurrency are not used",
            params: ONLY_PYTHON,
            note: None,
        }
    }

    fn unavailable(&self, params: &Params, workload: Option<&str>) -> Option<String> {
        unavailable(params, workload)
    }

    fn uses_workers(&self, _: &Params) -> bool {
        false
    }

    fn uses_concurrency(&self) -> bool {
        false
    }

    fn one_task_at_a_time(&self) -> bool {
        true
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        start("py-seq", config, json!({"model": "seq"}))
    }
}

/// `py-threads` in the runner table.
pub struct PyThreads;

impl RunnerDef for PyThreads {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "py-threads",
            family: Family::Cpython,
            description: "concurrent.futures.ThreadPoolExecutor(workers) in one CPython interpreter (one thread holds the GIL at a time)",
            workers: "`workers` threads, started before the first batch",
            params: ONLY_PYTHON,
            note: None,
        }
    }

    fn unavailable(&self, params: &Params, workload: Option<&str>) -> Option<String> {
        unavailable(params, workload)
    }

    fn uses_concurrency(&self) -> bool {
        false
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        Ok(config.workers)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        start("py-threads", config, json!({"model": "threads"}))
    }
}

/// `py-fork`, `py-spawn` and `py-forkserver` in the runner table:
/// `multiprocessing.get_context(method).Pool(workers)`.
pub struct PyPool(pub StartMethod);

impl PyPool {
    fn id(&self) -> &'static str {
        match self.0 {
            StartMethod::Fork => "py-fork",
            StartMethod::Spawn => "py-spawn",
            StartMethod::Forkserver => "py-forkserver",
        }
    }

    fn method(&self) -> &'static str {
        match self.0 {
            StartMethod::Fork => "fork",
            StartMethod::Spawn => "spawn",
            StartMethod::Forkserver => "forkserver",
        }
    }

    fn parse(p: &Params) -> Result<(NonZeroUsize, usize), RunnerError> {
        Ok((crate::process::chunksize(p)?, p.get::<usize>("parent_mb")?))
    }
}

impl RunnerDef for PyPool {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: self.id(),
            family: Family::Cpython,
            description: match self.0 {
                StartMethod::Fork => "multiprocessing.get_context(\"fork\").Pool(workers): workers are fork()ed copies of the interpreter",
                StartMethod::Spawn => "multiprocessing.get_context(\"spawn\").Pool(workers): each worker a fresh interpreter that imports the main module",
                StartMethod::Forkserver => "multiprocessing.get_context(\"forkserver\").Pool(workers): workers forked by a clean server process",
            },
            workers: "`workers` processes, each ready before the first batch",
            params: POOL_PARAMS,
            note: None,
        }
    }

    fn check(&self, params: &Params) -> Result<(), RunnerError> {
        Self::parse(params).map(drop)
    }

    fn unavailable(&self, params: &Params, workload: Option<&str>) -> Option<String> {
        unavailable(params, workload)
    }

    fn uses_concurrency(&self) -> bool {
        false
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let (chunksize, parent_mb) = Self::parse(&config.params)?;
        start(
            self.id(),
            config,
            json!({
                "model": "pool",
                "method": self.method(),
                "chunksize": chunksize.get(),
                "parent_mb": parent_mb,
            }),
        )
    }
}

/// `py-asyncio` in the runner table.
pub struct PyAsyncio;

/// Where `py-asyncio` runs CPU work (`cpu=`).
fn cpu_mode(p: &Params) -> Result<&'static str, RunnerError> {
    match p.raw("cpu") {
        "inline" => Ok("inline"),
        "thread" => Ok("thread"),
        "process" => Ok("process"),
        _ => Err(p.invalid("cpu", "use inline, thread or process").into()),
    }
}

impl RunnerDef for PyAsyncio {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "py-asyncio",
            family: Family::Cpython,
            description: "one asyncio event loop in CPython: every task a coroutine, asyncio.gather",
            workers: "threads (cpu=thread) or processes (cpu=process) for CPU work; concurrency: a Semaphore",
            params: ASYNCIO_PARAMS,
            note: None,
        }
    }

    fn check(&self, params: &Params) -> Result<(), RunnerError> {
        cpu_mode(params).map(drop)
    }

    fn unavailable(&self, params: &Params, workload: Option<&str>) -> Option<String> {
        unavailable(params, workload)
    }

    fn uses_workers(&self, params: &Params) -> bool {
        cpu_mode(params).is_ok_and(|m| m != "inline")
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        start(
            "py-asyncio",
            config,
            json!({
                "model": "asyncio",
                "cpu": cpu_mode(&config.params)?,
                "concurrency": config.concurrency,
            }),
        )
    }
}

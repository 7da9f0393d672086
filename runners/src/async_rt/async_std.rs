//! `async-std`: the global executor of async-std.
//!
//! async-std is deprecated upstream in favour of smol; it stays here for
//! comparison. Its executor is sized once, from `ASYNC_STD_THREAD_COUNT`,
//! and its `spawn_blocking` pool from `BLOCKING_MAX_THREADS`; the
//! orchestrator sets both when it starts the case process
//! ([`crate::RunnerDef::child_env`]).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ::async_std::io::{ReadExt, WriteExt};
use bakeoff_workloads::io::{AsyncConn, AsyncIo, IoFuture};

use ::async_std::task;

use super::{drive, AsyncParams, CpuMode, Spawner, Then, CPU_PARAM};
use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `async-std` in the runner table.
pub struct AsyncStd;

impl RunnerDef for AsyncStd {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "async-std",
            family: Family::Async,
            description: "async-std's global executor, N threads",
            workers: "`workers` threads",
            params: CPU_PARAM,
            note: Some("async-std is deprecated upstream in favour of smol; kept for comparison"),
        }
    }

    fn check(&self, params: &bakeoff_workloads::Params) -> Result<(), RunnerError> {
        AsyncParams::parse(params).map(drop)
    }

    /// async-std sizes its global executor from ASYNC_STD_THREAD_COUNT;
    /// its spawn_blocking uses the `blocking` pool, sized by
    /// BLOCKING_MAX_THREADS.
    fn child_env(&self, config: &RunnerConfig) -> Vec<(&'static str, String)> {
        let n = config.workers.to_string();
        vec![
            ("ASYNC_STD_THREAD_COUNT", n.clone()),
            ("BLOCKING_MAX_THREADS", n),
        ]
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        AsyncParams::threads(config, config.workers)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let p = AsyncParams::parse(&config.params)?;
        Ok(Box::new(AsyncStdRunner::start(config, p.cpu)))
    }
}

/// async-std's global runtime (it cannot be shut down; tear-down is free).
pub struct AsyncStdRunner {
    cpu: CpuMode,
    concurrency: Option<usize>,
}

struct AsyncStdSpawner;

impl Spawner for AsyncStdSpawner {
    type Handle = task::JoinHandle<()>;

    fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) -> Self::Handle {
        task::spawn(fut)
    }

    fn joined(out: <Self::Handle as Future>::Output) -> Result<(), String> {
        Ok(out)
    }

    fn io(cpu: CpuMode) -> &'static dyn AsyncIo {
        match cpu {
            CpuMode::Inline => &AsyncStdIo(CpuMode::Inline),
            CpuMode::Offload => &AsyncStdIo(CpuMode::Offload),
        }
    }

    fn unblock(f: impl FnOnce() + Send + 'static) -> impl Future<Output = ()> + Send + 'static {
        task::spawn_blocking(f)
    }
}

impl AsyncStdRunner {
    /// Starts the global executor's threads (they start lazily otherwise,
    /// and the first batch would pay for them).
    pub fn start(config: &RunnerConfig, cpu: CpuMode) -> Self {
        task::block_on(task::spawn(async {}));
        AsyncStdRunner {
            cpu,
            concurrency: config.concurrency,
        }
    }
}

impl Runner for AsyncStdRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        job.hand_over();
        task::block_on(drive(
            "async-std",
            &AsyncStdSpawner,
            job.clone(),
            self.cpu,
            self.concurrency,
        ))
    }
}

/// async-std's IO for IO workloads: `task::sleep`, `async_std::net` and
/// `async_std::fs` (file calls on its blocking pool).
pub(crate) struct AsyncStdIo(CpuMode);

impl AsyncIo for AsyncStdIo {
    fn runtime(&self) -> &'static str {
        "async-std"
    }

    fn sleep(&self, d: Duration) -> IoFuture<'static, ()> {
        Box::pin(task::sleep(d))
    }

    fn sleep_then(&self, d: Duration, value: u64) -> IoFuture<'static, io::Result<u64>> {
        Box::pin(Then::new(task::sleep(d), value))
    }

    fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>> {
        Box::pin(async move {
            let s = ::async_std::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            Ok(Box::new(AsyncStdConn(s)) as Box<dyn AsyncConn>)
        })
    }

    fn write_file<'a>(
        &'a self,
        path: &'a Path,
        data: &'a [u8],
        sync: bool,
    ) -> IoFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut f = ::async_std::fs::File::create(path).await?;
            f.write_all(data).await?;
            // The file buffers writes: they reach the kernel on flush (or
            // on sync_all, which flushes first), not on drop.
            if sync {
                f.sync_all().await
            } else {
                f.flush().await
            }
        })
    }

    fn read_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(::async_std::fs::read(path))
    }

    fn cpu(&self, work: Box<dyn FnOnce() -> u64 + Send>) -> IoFuture<'static, u64> {
        match self.0 {
            CpuMode::Inline => Box::pin(async move { work() }),
            CpuMode::Offload => Box::pin(task::spawn_blocking(work)),
        }
    }

    fn remove_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<()>> {
        Box::pin(::async_std::fs::remove_file(path))
    }
}

/// An `async_std::net::TcpStream`.
struct AsyncStdConn(::async_std::net::TcpStream);

impl AsyncConn for AsyncStdConn {
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> IoFuture<'a, io::Result<()>> {
        Box::pin(self.0.write_all(buf))
    }

    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> IoFuture<'a, io::Result<usize>> {
        Box::pin(self.0.read(buf))
    }
}

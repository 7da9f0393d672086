//! `tokio-ct` and `tokio-mt`: tokio runtimes built with `runtime::Builder`,
//! as tokio's docs recommend when the worker count is chosen by the program.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ::tokio::io::{AsyncReadExt, AsyncWriteExt};
use bakeoff_workloads::io::{AsyncConn, AsyncIo, IoFuture};

use ::tokio::runtime::{Builder, Runtime};

use super::{drive, AsyncParams, CpuMode, Spawner, Then, CPU_PARAM};
use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `tokio-ct` in the runner table.
pub struct TokioCt;

impl RunnerDef for TokioCt {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "tokio-ct",
            family: Family::Async,
            description: "tokio current-thread runtime: one event loop, like asyncio",
            workers: "one event loop; workers sizes the blocking pool (cpu=offload)",
            params: CPU_PARAM,
            note: None,
        }
    }

    fn check(&self, params: &bakeoff_workloads::Params) -> Result<(), RunnerError> {
        AsyncParams::parse(params).map(drop)
    }

    fn uses_workers(&self, params: &bakeoff_workloads::Params) -> bool {
        AsyncParams::offloads(params)
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        AsyncParams::threads(config, 0)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let p = AsyncParams::parse(&config.params)?;
        Ok(Box::new(TokioRunner::current_thread(config, p.cpu)?))
    }
}

/// `tokio-mt` in the runner table.
pub struct TokioMt;

impl RunnerDef for TokioMt {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "tokio-mt",
            family: Family::Async,
            description: "tokio multi-thread runtime, N worker threads",
            workers: "`workers` threads",
            params: CPU_PARAM,
            note: None,
        }
    }

    fn check(&self, params: &bakeoff_workloads::Params) -> Result<(), RunnerError> {
        AsyncParams::parse(params).map(drop)
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        AsyncParams::threads(config, config.workers)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let p = AsyncParams::parse(&config.params)?;
        Ok(Box::new(TokioRunner::multi_thread(config, p.cpu)?))
    }
}

/// A tokio runtime and how to run CPU tasks on it.
pub struct TokioRunner {
    id: &'static str,
    rt: Option<Runtime>,
    cpu: CpuMode,
    concurrency: Option<usize>,
}

struct TokioSpawner;

impl Spawner for TokioSpawner {
    type Handle = ::tokio::task::JoinHandle<()>;

    fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) -> Self::Handle {
        ::tokio::spawn(fut)
    }

    fn joined(out: <Self::Handle as Future>::Output) -> Result<(), String> {
        out.map_err(|e| e.to_string())
    }

    fn io(cpu: CpuMode) -> &'static dyn AsyncIo {
        match cpu {
            CpuMode::Inline => &TokioIo(CpuMode::Inline),
            CpuMode::Offload => &TokioIo(CpuMode::Offload),
        }
    }

    fn unblock(f: impl FnOnce() + Send + 'static) -> impl Future<Output = ()> + Send + 'static {
        let handle = ::tokio::task::spawn_blocking(f);
        async move {
            let _ = handle.await;
        }
    }
}

impl TokioRunner {
    /// One event loop on one thread (`Builder::new_current_thread`), the
    /// model of asyncio; offloaded CPU work gets `workers` blocking threads.
    pub fn current_thread(config: &RunnerConfig, cpu: CpuMode) -> Result<Self, RunnerError> {
        let mut b = Builder::new_current_thread();
        b.max_blocking_threads(config.workers);
        Self::build("tokio-ct", b, config, cpu)
    }

    /// `workers` worker threads (`Builder::new_multi_thread`), and as many
    /// blocking threads for offloaded CPU work.
    pub fn multi_thread(config: &RunnerConfig, cpu: CpuMode) -> Result<Self, RunnerError> {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(config.workers)
            .max_blocking_threads(config.workers);
        Self::build("tokio-mt", b, config, cpu)
    }

    fn build(
        id: &'static str,
        mut b: Builder,
        config: &RunnerConfig,
        cpu: CpuMode,
    ) -> Result<Self, RunnerError> {
        let rt = b
            .enable_all()
            .build()
            .map_err(|source| RunnerError::Runtime { runner: id, source })?;
        Ok(TokioRunner {
            id,
            rt: Some(rt),
            cpu,
            concurrency: config.concurrency,
        })
    }
}

impl Runner for TokioRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        job.hand_over();
        let rt = self.rt.as_ref().expect("runtime lives until stopped");
        rt.block_on(drive(
            self.id,
            &TokioSpawner,
            job.clone(),
            self.cpu,
            self.concurrency,
        ))
    }

    fn stop(mut self: Box<Self>) -> Result<(), RunnerError> {
        if let Some(rt) = self.rt.take() {
            // Waits for the worker and blocking threads to exit, so that
            // tear-down time is the runtime's whole cost.
            rt.shutdown_timeout(std::time::Duration::from_secs(10));
        }
        Ok(())
    }
}

/// tokio's IO for IO workloads: `tokio::time::sleep`, `tokio::net`, and
/// `tokio::fs` (which runs file calls on tokio's blocking pool).
pub(crate) struct TokioIo(CpuMode);

impl AsyncIo for TokioIo {
    fn runtime(&self) -> &'static str {
        "tokio"
    }

    fn sleep(&self, d: Duration) -> IoFuture<'static, ()> {
        Box::pin(::tokio::time::sleep(d))
    }

    fn sleep_then(&self, d: Duration, value: u64) -> IoFuture<'static, io::Result<u64>> {
        Box::pin(Then::new(::tokio::time::sleep(d), value))
    }

    fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>> {
        Box::pin(async move {
            let s = ::tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            Ok(Box::new(TokioConn(s)) as Box<dyn AsyncConn>)
        })
    }

    fn write_file<'a>(
        &'a self,
        path: &'a Path,
        data: &'a [u8],
        sync: bool,
    ) -> IoFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut f = ::tokio::fs::File::create(path).await?;
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
        Box::pin(::tokio::fs::read(path))
    }

    fn cpu(&self, work: Box<dyn FnOnce() -> u64 + Send>) -> IoFuture<'static, u64> {
        match self.0 {
            CpuMode::Inline => Box::pin(async move { work() }),
            CpuMode::Offload => Box::pin(async move {
                match ::tokio::task::spawn_blocking(work).await {
                    Ok(v) => v,
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            }),
        }
    }

    fn remove_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<()>> {
        Box::pin(::tokio::fs::remove_file(path))
    }
}

/// A `tokio::net::TcpStream`.
struct TokioConn(::tokio::net::TcpStream);

impl AsyncConn for TokioConn {
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> IoFuture<'a, io::Result<()>> {
        Box::pin(self.0.write_all(buf))
    }

    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> IoFuture<'a, io::Result<usize>> {
        Box::pin(self.0.read(buf))
    }
}

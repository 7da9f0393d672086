//! `smol`: a `smol::Executor` run by N threads, as smol's docs show for a
//! multi-threaded executor; offloaded CPU work goes to `smol::unblock`
//! (the `blocking` pool, sized by `BLOCKING_MAX_THREADS`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ::smol::io::{AsyncReadExt, AsyncWriteExt};
use bakeoff_workloads::io::{AsyncConn, AsyncIo, IoFuture};
use std::thread::{self, JoinHandle};

use ::smol::channel::{unbounded, Sender};
use ::smol::{future, Executor};

use super::{drive, AsyncParams, CpuMode, Spawner, Then, CPU_PARAM};
use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `smol` in the runner table.
pub struct Smol;

impl RunnerDef for Smol {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "smol",
            family: Family::Async,
            description: "a smol Executor run by N threads",
            workers: "`workers` threads",
            params: CPU_PARAM,
            note: None,
        }
    }

    fn check(&self, params: &bakeoff_workloads::Params) -> Result<(), RunnerError> {
        AsyncParams::parse(params).map(drop)
    }

    /// smol's unblock uses the `blocking` pool, sized by
    /// BLOCKING_MAX_THREADS.
    fn child_env(&self, config: &RunnerConfig) -> Vec<(&'static str, String)> {
        vec![("BLOCKING_MAX_THREADS", config.workers.to_string())]
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        AsyncParams::threads(config, config.workers)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let p = AsyncParams::parse(&config.params)?;
        Ok(Box::new(SmolRunner::start(config, p.cpu)?))
    }
}

/// An executor, the threads that run it, and the signal that stops them.
pub struct SmolRunner {
    ex: Arc<Executor<'static>>,
    stop: Option<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
    cpu: CpuMode,
    concurrency: Option<usize>,
}

struct SmolSpawner(Arc<Executor<'static>>);

impl Spawner for SmolSpawner {
    type Handle = ::smol::Task<()>;

    fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) -> Self::Handle {
        self.0.spawn(fut)
    }

    fn joined(out: <Self::Handle as Future>::Output) -> Result<(), String> {
        Ok(out)
    }

    fn io(cpu: CpuMode) -> &'static dyn AsyncIo {
        match cpu {
            CpuMode::Inline => &SmolIo(CpuMode::Inline),
            CpuMode::Offload => &SmolIo(CpuMode::Offload),
        }
    }

    fn unblock(f: impl FnOnce() + Send + 'static) -> impl Future<Output = ()> + Send + 'static {
        ::smol::unblock(f)
    }
}

impl SmolRunner {
    /// Starts `workers` threads, each running the shared executor until
    /// the runner stops.
    pub fn start(config: &RunnerConfig, cpu: CpuMode) -> Result<Self, RunnerError> {
        let ex = Arc::new(Executor::new());
        let (stop, stopped) = unbounded::<()>();
        let mut runner = SmolRunner {
            ex: ex.clone(),
            stop: Some(stop),
            threads: Vec::with_capacity(config.workers),
            cpu,
            concurrency: config.concurrency,
        };
        for index in 0..config.workers {
            let (ex, stopped) = (ex.clone(), stopped.clone());
            let handle = thread::Builder::new()
                .name(format!("smol-{index}"))
                .spawn(move || {
                    let _ = future::block_on(ex.run(stopped.recv()));
                })
                .map_err(|source| RunnerError::Thread {
                    runner: "smol",
                    index,
                    os_error: source,
                    limit: crate::limits::thread_limit(index),
                })?;
            runner.threads.push(handle);
        }
        Ok(runner)
    }

    fn shutdown(&mut self) {
        self.stop.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Runner for SmolRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        job.hand_over();
        let spawner = SmolSpawner(self.ex.clone());
        future::block_on(drive(
            "smol",
            &spawner,
            job.clone(),
            self.cpu,
            self.concurrency,
        ))
    }

    fn stop(mut self: Box<Self>) -> Result<(), RunnerError> {
        self.shutdown();
        Ok(())
    }
}

impl Drop for SmolRunner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// smol's IO for IO workloads: `Timer`, `smol::net` (built on `Async`) and
/// `smol::fs` (file calls on the `blocking` pool).
pub(crate) struct SmolIo(CpuMode);

impl AsyncIo for SmolIo {
    fn runtime(&self) -> &'static str {
        "smol"
    }

    fn sleep(&self, d: Duration) -> IoFuture<'static, ()> {
        Box::pin(Elapsed(::smol::Timer::after(d)))
    }

    fn sleep_then(&self, d: Duration, value: u64) -> IoFuture<'static, io::Result<u64>> {
        Box::pin(Then::new(::smol::Timer::after(d), value))
    }

    fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>> {
        Box::pin(async move {
            let s = ::smol::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            Ok(Box::new(SmolConn(s)) as Box<dyn AsyncConn>)
        })
    }

    fn write_file<'a>(
        &'a self,
        path: &'a Path,
        data: &'a [u8],
        sync: bool,
    ) -> IoFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut f = ::smol::fs::File::create(path).await?;
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
        Box::pin(::smol::fs::read(path))
    }

    fn cpu(&self, work: Box<dyn FnOnce() -> u64 + Send>) -> IoFuture<'static, u64> {
        match self.0 {
            CpuMode::Inline => Box::pin(async move { work() }),
            CpuMode::Offload => Box::pin(::smol::unblock(work)),
        }
    }

    fn remove_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<()>> {
        Box::pin(::smol::fs::remove_file(path))
    }
}

/// A `smol::net::TcpStream`.
struct SmolConn(::smol::net::TcpStream);

impl AsyncConn for SmolConn {
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> IoFuture<'a, io::Result<()>> {
        Box::pin(self.0.write_all(buf))
    }

    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> IoFuture<'a, io::Result<usize>> {
        Box::pin(self.0.read(buf))
    }
}

/// A `smol::Timer` whose firing instant is dropped: the timer itself, with
/// no async block around it (which would add its own state to every
/// sleeping task).
struct Elapsed(::smol::Timer);

impl Future for Elapsed {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

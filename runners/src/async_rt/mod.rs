//! Async runners: tokio (current-thread and multi-thread), async-std, smol.
//!
//! All three run the same driver ([`drive`]): spawn one task per job task
//! (after taking a permit when `concurrency` is bounded, which is when the
//! task's latency starts; else at the batch's handover), then await every
//! handle. Only the [`Spawner`] differs — each runtime's own `spawn` and its
//! own blocking pool — so no runtime is favoured by shared glue.

mod async_std;
mod smol;
mod tokio;

pub use self::async_std::AsyncStd;
pub use self::smol::Smol;
pub use self::tokio::{TokioCt, TokioMt};

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use async_lock::Semaphore;

use crate::{Job, RunnerConfig, RunnerError};
use bakeoff_workloads::io::AsyncIo;
use bakeoff_workloads::{ParamSpec, Params};

/// The parameter every async runner accepts.
pub(crate) const CPU_PARAM: &[ParamSpec] = &[ParamSpec {
    name: "cpu",
    default: "inline",
    help: "inline: run CPU tasks on the executor threads (blocks the loop); offload: the runtime's blocking pool, `workers` threads",
}];

/// An async runner's parameters, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AsyncParams {
    /// Where CPU tasks run.
    pub cpu: CpuMode,
}

impl AsyncParams {
    /// Parses [`CPU_PARAM`].
    pub fn parse(params: &Params) -> Result<Self, RunnerError> {
        Ok(AsyncParams {
            cpu: params.get::<CpuMode>("cpu")?,
        })
    }

    /// Whether CPU tasks go to the blocking pool (sized by `workers`).
    pub fn offloads(params: &Params) -> bool {
        Self::parse(params).is_ok_and(|p| p.cpu == CpuMode::Offload)
    }

    /// The threads a runtime with `executor` threads starts before its
    /// first task: its own, and `workers` blocking threads when offloading.
    pub fn threads(config: &RunnerConfig, executor: usize) -> Result<usize, RunnerError> {
        let offload = Self::parse(&config.params)?.cpu == CpuMode::Offload;
        Ok(executor + if offload { config.workers } else { 0 })
    }
}

/// Where an async runner executes CPU-bound tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuMode {
    /// On the executor threads: the event loop is blocked while a task runs.
    Inline,
    /// On the runtime's blocking pool, awaited from an async task.
    Offload,
}

impl FromStr for CpuMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "inline" => Ok(CpuMode::Inline),
            "offload" => Ok(CpuMode::Offload),
            other => Err(format!("unknown cpu mode `{other}`; use inline or offload")),
        }
    }
}

/// One runtime's way to start an async task and to run blocking code.
pub(crate) trait Spawner {
    /// What [`Spawner::spawn`] returns: the runtime's own join handle, kept
    /// as it is (a wrapper would add its size to every task in flight).
    type Handle: Future + Send + 'static;

    /// Starts `fut` on the runtime.
    fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) -> Self::Handle;

    /// What a finished handle said: `Ok`, or why the task failed.
    fn joined(out: <Self::Handle as Future>::Output) -> Result<(), String>;

    /// Runs `f` on the runtime's blocking pool.
    fn unblock(f: impl FnOnce() + Send + 'static) -> impl Future<Output = ()> + Send + 'static;

    /// The runtime's own IO, for IO workloads, running their CPU parts
    /// as `cpu` says.
    fn io(cpu: CpuMode) -> &'static dyn AsyncIo;
}

/// Runs every task of `job` through `spawner`; the caller has handed the
/// batch over ([`Job::hand_over`]) before entering the runtime.
pub(crate) async fn drive<S: Spawner + 'static>(
    runner: &'static str,
    spawner: &S,
    job: Arc<Job>,
    cpu: CpuMode,
    concurrency: Option<usize>,
) -> Result<(), RunnerError> {
    let permits = concurrency.map(|c| Arc::new(Semaphore::new(c)));
    // Decided once per batch, so a CPU task's future carries no IO state.
    let io = job.batch().is_io().then(|| S::io(cpu));
    let mut handles = Vec::with_capacity(job.len());
    for i in 0..job.len() {
        let permit = match &permits {
            Some(s) => {
                let p = s.acquire_arc().await;
                // Admitted by the limit: its latency starts now.
                job.submit(i);
                Some(p)
            }
            None => None,
        };
        let j = job.clone();
        handles.push(match io {
            // IO tasks await the runtime's own IO (holding no permit
            // at all when concurrency is unbounded).
            Some(io) => match permit {
                Some(p) => spawner.spawn(j.run_io(i, io, p)),
                None => spawner.spawn(j.run_io(i, io, ())),
            },
            // CPU tasks run inline or on the blocking pool.
            None => spawner.spawn(async move {
                match cpu {
                    CpuMode::Inline => j.execute(i),
                    CpuMode::Offload => S::unblock(move || j.execute(i)).await,
                }
                drop(permit);
            }),
        });
    }
    for (index, h) in handles.into_iter().enumerate() {
        S::joined(h.await).map_err(|reason| RunnerError::Task {
            runner,
            index,
            reason,
        })?;
    }
    Ok(())
}

pin_project_lite::pin_project! {
    /// A runtime's own timer future `wait`, stored in place, then
    /// `Ok(value)`: each runtime's [`AsyncIo::sleep_then`].
    pub(crate) struct Then<F> {
        #[pin]
        wait: F,
        value: u64,
    }
}

impl<F> Then<F> {
    /// `wait`, then `Ok(value)`.
    pub(crate) fn new(wait: F, value: u64) -> Self {
        Then { wait, value }
    }
}

impl<F: Future> Future for Then<F> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.project();
        ready!(this.wait.poll(cx));
        Poll::Ready(Ok(*this.value))
    }
}

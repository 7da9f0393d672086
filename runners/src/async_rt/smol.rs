//! `smol`: a `smol::Executor` run by N threads, as smol's docs show for a
//! multi-threaded executor; offloaded CPU work goes to `smol::unblock`
//! (the `blocking` pool, sized by `BLOCKING_MAX_THREADS`).

use std::future::Future;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use ::smol::channel::{unbounded, Sender};
use ::smol::{future, Executor};

use super::{drive, CpuMode, Spawner};
use crate::{Job, Runner, RunnerConfig, RunnerError};

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
    fn spawn(
        &self,
        fut: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = Result<(), String>> + Send + 'static {
        let task = self.0.spawn(fut);
        async move {
            task.await;
            Ok(())
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
                    source,
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

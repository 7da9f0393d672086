//! `async-std`: the global executor of async-std.
//!
//! async-std is deprecated upstream in favour of smol; it stays here for
//! comparison. Its executor is sized once, from `ASYNC_STD_THREAD_COUNT`,
//! and its `spawn_blocking` pool from `BLOCKING_MAX_THREADS`; the
//! orchestrator sets both when it starts the case process
//! ([`crate::RunnerKind::child_env`]).

use std::future::Future;
use std::sync::Arc;

use ::async_std::task;

use super::{drive, CpuMode, Spawner};
use crate::{Job, Runner, RunnerConfig, RunnerError};

/// async-std's global runtime (it cannot be shut down; tear-down is free).
pub struct AsyncStdRunner {
    cpu: CpuMode,
    concurrency: Option<usize>,
}

struct AsyncStdSpawner;

impl Spawner for AsyncStdSpawner {
    fn spawn(
        &self,
        fut: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = Result<(), String>> + Send + 'static {
        let handle = task::spawn(fut);
        async move {
            handle.await;
            Ok(())
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
        task::block_on(drive(
            "async-std",
            &AsyncStdSpawner,
            job.clone(),
            self.cpu,
            self.concurrency,
        ))
    }
}

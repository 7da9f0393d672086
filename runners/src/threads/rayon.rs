//! `rayon`: rayon's work-stealing pool, used the way its docs recommend
//! for a list of independent items — a parallel iterator.

use std::sync::Arc;

use ::rayon::prelude::*;
use ::rayon::{ThreadPool, ThreadPoolBuilder};

use crate::sync::{Gate, Latch};
use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `rayon` in the runner table.
pub struct Rayon;

impl RunnerDef for Rayon {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "rayon",
            family: Family::Threads,
            description: "rayon's work-stealing pool of N threads (par_iter)",
            workers: "`workers` threads",
            params: &[],
            note: None,
        }
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        Ok(config.workers)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        Ok(Box::new(RayonRunner::start(
            config.workers,
            config.concurrency,
        )?))
    }
}

/// A dedicated rayon pool of N threads.
pub struct RayonRunner {
    pool: ThreadPool,
    concurrency: Option<usize>,
}

impl RayonRunner {
    /// Builds a pool of `workers` threads.
    pub fn start(workers: usize, concurrency: Option<usize>) -> Result<Self, RunnerError> {
        let pool = ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("rayon-{i}"))
            .build()
            .map_err(|e| RunnerError::Runtime {
                runner: "rayon",
                source: std::io::Error::other(e.to_string()),
            })?;
        Ok(RayonRunner { pool, concurrency })
    }
}

impl Runner for RayonRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        job.hand_over();
        match self.concurrency {
            // The whole batch is handed over at once: every task's submit
            // time is the handover, just before the parallel iterator.
            None => {
                self.pool
                    .install(|| (0..job.len()).into_par_iter().for_each(|i| job.execute(i)));
            }
            // A bounded number in flight: one `spawn` per task, gated from
            // the calling thread (never from a pool thread, which could
            // deadlock a one-thread pool).
            Some(c) => {
                let gate = Arc::new(Gate::new(c));
                let latch = Arc::new(Latch::new(job.len()));
                for i in 0..job.len() {
                    gate.acquire();
                    // Admitted by the limit: its latency starts now.
                    job.submit(i);
                    let (job, gate, latch) = (job.clone(), gate.clone(), latch.clone());
                    self.pool.spawn(move || {
                        job.execute(i);
                        gate.release();
                        latch.arrive();
                    });
                }
                latch.wait();
            }
        }
        Ok(())
    }
}

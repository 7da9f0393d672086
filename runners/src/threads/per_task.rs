//! `thread-per-task`: a fresh OS thread for every task.

use std::sync::Arc;
use std::thread;

use crate::sync::{Gate, Latch};
use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `thread-per-task` in the runner table.
pub struct ThreadPerTask;

impl RunnerDef for ThreadPerTask {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "thread-per-task",
            family: Family::Threads,
            description: "std::thread::spawn per task, at most `concurrency` alive",
            workers: "one thread per task; workers is not used",
            params: &[],
            note: None,
        }
    }

    fn uses_workers(&self, _: &bakeoff_workloads::Params) -> bool {
        false
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        Ok(Box::new(ThreadPerTaskRunner::new(config.concurrency)))
    }
}

/// Spawns one detached thread per task, at most `concurrency` alive.
pub struct ThreadPerTaskRunner {
    gate: Option<Arc<Gate>>,
}

impl ThreadPerTaskRunner {
    /// A runner that keeps at most `concurrency` threads alive (all tasks
    /// at once when `None`).
    pub fn new(concurrency: Option<usize>) -> Self {
        ThreadPerTaskRunner {
            gate: concurrency.map(|c| Arc::new(Gate::new(c))),
        }
    }
}

impl Runner for ThreadPerTaskRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        // Every task is handed over now, so a task's latency includes the
        // spawning of the threads before its own.
        job.hand_over();
        let n = job.len();
        // Threads are detached rather than joined: a joinable thread keeps
        // its stack until joined, which would hold `n` stacks at once even
        // with a small `concurrency`.
        let latch = Arc::new(Latch::new(n));
        let mut budget = crate::limits::ThreadBudget::new();
        for i in 0..n {
            if let Some(g) = &self.gate {
                g.acquire();
                // Admitted by the limit: its latency starts now.
                job.submit(i);
            }
            // Task `i` cannot start: account for the tasks never started,
            // wait for the ones that were, then report the limit.
            let give_up = |os_error, limit| {
                if let Some(g) = &self.gate {
                    g.release();
                }
                for _ in i..n {
                    latch.arrive();
                }
                latch.wait();
                Err(RunnerError::Thread {
                    runner: "thread-per-task",
                    index: i,
                    os_error,
                    limit,
                })
            };
            if let Err(limit) = budget.check(i) {
                // The limit that would be hit.
                return give_up(std::io::Error::from_raw_os_error(libc::ENOMEM), limit);
            }
            let (task_job, task_latch, task_gate) = (job.clone(), latch.clone(), self.gate.clone());
            let spawned = thread::Builder::new().spawn(move || {
                task_job.execute(i);
                if let Some(g) = task_gate {
                    g.release();
                }
                task_latch.arrive();
            });
            if let Err(source) = spawned {
                // Diagnosed now, while the threads that exhausted the
                // limit still run.
                return give_up(source, crate::limits::thread_limit(i));
            }
        }
        latch.wait();
        Ok(())
    }
}

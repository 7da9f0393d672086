//! `thread-pool`: N long-lived threads pulling from one shared queue, the
//! model of Python's `ThreadPoolExecutor`.

use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{unbounded, Sender};

use crate::sync::{Gate, Latch};
use crate::{Job, Runner, RunnerError};

/// What one batch's workers share: the job, its completion latch, and the
/// in-flight gate.
struct BatchCtx {
    job: Arc<Job>,
    latch: Latch,
    gate: Option<Gate>,
}

/// One queued work item: the batch it belongs to and the task index.
type WorkItem = (Arc<BatchCtx>, usize);

/// N worker threads and a multi-consumer queue (crossbeam's unbounded
/// channel, which only wakes a worker that is actually asleep).
pub struct ThreadPool {
    tx: Option<Sender<WorkItem>>,
    threads: Vec<JoinHandle<()>>,
    concurrency: Option<usize>,
}

impl ThreadPool {
    /// Starts `workers` threads.
    pub fn start(workers: usize, concurrency: Option<usize>) -> Result<Self, RunnerError> {
        let (tx, rx) = unbounded::<WorkItem>();
        let mut pool = ThreadPool {
            tx: Some(tx),
            threads: Vec::with_capacity(workers),
            concurrency,
        };
        for index in 0..workers {
            let rx = rx.clone();
            let handle = thread::Builder::new()
                .name(format!("pool-{index}"))
                .spawn(move || {
                    for (ctx, i) in rx {
                        ctx.job.execute(i);
                        if let Some(g) = &ctx.gate {
                            g.release();
                        }
                        ctx.latch.arrive();
                    }
                })
                .map_err(|source| RunnerError::Thread {
                    runner: "thread-pool",
                    index,
                    source,
                })?;
            pool.threads.push(handle);
        }
        Ok(pool)
    }

    fn shutdown(&mut self) {
        self.tx.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Runner for ThreadPool {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        let tx = self.tx.as_ref().expect("pool is running until stopped");
        let ctx = Arc::new(BatchCtx {
            job: job.clone(),
            latch: Latch::new(job.len()),
            gate: self.concurrency.map(Gate::new),
        });
        for i in 0..job.len() {
            if let Some(g) = &ctx.gate {
                g.acquire();
            }
            job.submit(i);
            tx.send((ctx.clone(), i))
                .expect("workers live until the pool stops");
        }
        ctx.latch.wait();
        Ok(())
    }

    fn stop(mut self: Box<Self>) -> Result<(), RunnerError> {
        self.shutdown();
        Ok(())
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

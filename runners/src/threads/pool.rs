//! `thread-pool`: N long-lived threads pulling from one shared FIFO queue,
//! the model of Python's `ThreadPoolExecutor`.
//!
//! The caller hands the batch over (its tasks' submit time), then
//! publishes tasks one at a time (waiting for a free slot first when
//! `concurrency` limits tasks in flight, and stamping a task's submit time
//! when the slot admits it); any idle worker takes the oldest published
//! task. The queue is
//! specialised to what a batch is: its items are the batch's task indices
//! in order, so a queue entry is one published counter and taking one is a
//! compare-and-swap on a claim counter. Nothing is allocated or reference
//! counted per task, which is what a careful hand-written pool does and
//! what makes the no-op figure measure dispatch rather than allocator
//! traffic. A general-purpose channel (crossbeam's) measured 0.25–0.4× of
//! rayon's no-op throughput here; this queue is the same model without the
//! per-message overhead.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crossbeam_utils::{Backoff, CachePadded};

use crate::sync::{Gate, Latch};
use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `thread-pool` in the runner table.
pub struct ThreadPool;

impl RunnerDef for ThreadPool {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "thread-pool",
            family: Family::Threads,
            description: "N long-lived std threads and a shared queue (like ThreadPoolExecutor)",
            workers: "`workers` threads",
            params: &[],
            note: None,
        }
    }

    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        Ok(config.workers)
    }

    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        Ok(Box::new(ThreadPoolRunner::start(
            config.workers,
            config.concurrency,
        )?))
    }
}

/// One batch as a queue: tasks `0..published` have been submitted, tasks
/// `0..claimed` have been taken by a worker.
struct BatchQueue {
    job: Arc<Job>,
    published: CachePadded<AtomicUsize>,
    claimed: CachePadded<AtomicUsize>,
    latch: Latch,
    gate: Option<Gate>,
}

impl BatchQueue {
    /// Takes the oldest submitted task, if any is waiting.
    fn take(&self) -> Option<usize> {
        let mut claimed = self.claimed.load(SeqCst);
        loop {
            if claimed >= self.published.load(SeqCst) {
                return None;
            }
            match self
                .claimed
                .compare_exchange_weak(claimed, claimed + 1, SeqCst, SeqCst)
            {
                Ok(_) => return Some(claimed),
                Err(now) => claimed = now,
            }
        }
    }

    /// Whether every task of the batch has been taken.
    fn drained(&self) -> bool {
        self.claimed.load(SeqCst) >= self.job.len()
    }
}

/// What the caller and the workers share.
struct Shared {
    /// The batch being run, with a number that changes for every batch.
    current: Mutex<Current>,
    /// Signalled when a batch starts, a task is submitted to a sleeping
    /// pool, or the pool stops.
    wake: Condvar,
    /// Workers inside `wake.wait` (or about to be): the caller only takes
    /// the lock to notify when this is non-zero.
    sleepers: CachePadded<AtomicUsize>,
}

#[derive(Default)]
struct Current {
    epoch: u64,
    batch: Option<Arc<BatchQueue>>,
    stopping: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Current> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes sleeping workers, if there are any.
    fn wake_sleepers(&self) {
        if self.sleepers.load(SeqCst) > 0 {
            let _guard = self.lock();
            self.wake.notify_all();
        }
    }
}

/// N worker threads and one shared FIFO queue.
pub struct ThreadPoolRunner {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    concurrency: Option<usize>,
}

impl ThreadPoolRunner {
    /// Starts `workers` threads.
    pub fn start(workers: usize, concurrency: Option<usize>) -> Result<Self, RunnerError> {
        let shared = Arc::new(Shared {
            current: Mutex::new(Current::default()),
            wake: Condvar::new(),
            sleepers: CachePadded::new(AtomicUsize::new(0)),
        });
        let mut pool = ThreadPoolRunner {
            shared,
            threads: Vec::with_capacity(workers),
            concurrency,
        };
        for index in 0..workers {
            let shared = Arc::clone(&pool.shared);
            let handle = thread::Builder::new()
                .name(format!("pool-{index}"))
                .spawn(move || worker(&shared))
                .map_err(|source| RunnerError::Thread {
                    runner: "thread-pool",
                    index,
                    os_error: source,
                    limit: crate::limits::thread_limit(index),
                })?;
            pool.threads.push(handle);
        }
        Ok(pool)
    }

    fn shutdown(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A worker's loop: wait for a batch, take tasks until it is drained, then
/// count what it ran into the batch's latch in one step.
///
/// Counting locally and adding once keeps a contended atomic off the
/// per-task path; the latch still reaches zero exactly when the last task
/// is done, because every worker adds its count before it waits again.
fn worker(shared: &Shared) {
    let mut seen = 0;
    loop {
        let batch = {
            let mut current = shared.lock();
            loop {
                if current.stopping {
                    return;
                }
                if current.epoch != seen {
                    seen = current.epoch;
                    if let Some(b) = &current.batch {
                        break Arc::clone(b);
                    }
                }
                current = shared
                    .wake
                    .wait(current)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let done = run_batch(shared, &batch);
        batch.latch.arrive_many(done);
    }
}

/// Takes and runs tasks of `batch` until all are taken; returns how many
/// this worker ran.
fn run_batch(shared: &Shared, batch: &BatchQueue) -> usize {
    let mut done = 0;
    let backoff = Backoff::new();
    loop {
        if let Some(i) = batch.take() {
            batch.job.execute(i);
            if let Some(g) = &batch.gate {
                g.release();
            }
            done += 1;
            backoff.reset();
            continue;
        }
        if batch.drained() {
            return done;
        }
        if !backoff.is_completed() {
            backoff.snooze();
            continue;
        }
        // Nothing submitted for a while: sleep until the caller submits.
        shared.sleepers.fetch_add(1, SeqCst);
        let mut current = shared.lock();
        while batch.claimed.load(SeqCst) >= batch.published.load(SeqCst) && !batch.drained() {
            current = shared
                .wake
                .wait(current)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(current);
        shared.sleepers.fetch_sub(1, SeqCst);
        backoff.reset();
    }
}

impl Runner for ThreadPoolRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        job.hand_over();
        let batch = Arc::new(BatchQueue {
            job: Arc::clone(job),
            published: CachePadded::new(AtomicUsize::new(0)),
            claimed: CachePadded::new(AtomicUsize::new(0)),
            latch: Latch::new(job.len()),
            gate: self.concurrency.map(Gate::new),
        });
        {
            let mut current = self.shared.lock();
            current.epoch += 1;
            current.batch = Some(Arc::clone(&batch));
        }
        self.shared.wake.notify_all();
        for i in 0..job.len() {
            if let Some(g) = &batch.gate {
                g.acquire();
                // Admitted by the limit: its latency starts now.
                job.submit(i);
            }
            batch.published.store(i + 1, SeqCst);
            self.shared.wake_sleepers();
        }
        batch.latch.wait();
        self.shared.lock().batch = None;
        Ok(())
    }

    fn stop(mut self: Box<Self>) -> Result<(), RunnerError> {
        self.shutdown();
        Ok(())
    }
}

impl Drop for ThreadPoolRunner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

//! A batch being run, and the per-task timestamps every runner records.
//!
//! A task's latency starts when the batch hands it to the model: at the
//! batch's handover ([`Job::hand_over`], which every runner calls first
//! thing in `run`), or, under a concurrency limit, when the limit admits
//! it ([`Job::submit`]). Its end is when it finished, so under one worker
//! the last task's latency includes every task before it, as a caller who
//! submitted the whole batch at once waits.
//!
//! Each task owns one cache-line-sized slot (so tasks finishing on
//! different cores do not share a line) where the thread that runs it
//! writes its start and end times and its digest with relaxed atomic
//! stores. Submit times live apart, in one dense array written by the
//! submitting thread, so handing a task over does not drag its slot's
//! cache line from the submitter's core to the worker's. The harness reads
//! both once the batch is over.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bakeoff_workloads::io::AsyncIo;
use bakeoff_workloads::{Batch, BatchDigest};

/// One task's timestamps, in nanoseconds since the batch's start, plus one
/// (so that zero can mean "not yet").
#[repr(align(64))]
#[derive(Default)]
struct Slot {
    start: AtomicU64,
    end: AtomicU64,
    digest: AtomicU64,
}

/// What the runner recorded for one finished task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    /// When the task was handed to the model (ns since the job was
    /// created): its admission under a concurrency limit, else the batch's
    /// handover, else (a runner that never called [`Job::hand_over`]) its
    /// start.
    pub submit_ns: u64,
    /// When the task began executing.
    pub start_ns: u64,
    /// When it finished.
    pub end_ns: u64,
    /// Its output digest.
    pub digest: u64,
}

impl TaskRecord {
    /// Submit → done: what a caller waits, from the batch's handover (or
    /// the task's admission under a concurrency limit).
    pub fn latency_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.submit_ns)
    }

    /// Start → done: the work itself, inside the worker.
    pub fn service_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// A batch of tasks plus the slots its runner records into.
///
/// Runners share it as `Arc<Job>` with every thread or task they start.
pub struct Job {
    batch: Arc<dyn Batch>,
    t0: Instant,
    slots: Box<[Slot]>,
    submits: Box<[AtomicU64]>,
    /// When the runner took the batch ([`Job::now`] units, 0: not yet).
    handover: AtomicU64,
    panic: OnceLock<(usize, String)>,
}

impl Job {
    /// What a job holds per task, in bytes: its slot, its submit time,
    /// and the record [`records`](Self::records) reads back from them.
    pub const BYTES_PER_TASK: usize = std::mem::size_of::<Slot>()
        + std::mem::size_of::<u64>()
        + std::mem::size_of::<TaskRecord>();

    /// Wraps `batch`; allocates and touches every slot up front, so the
    /// memory measured during the batch is the model's, not the recorder's.
    pub fn new(batch: Arc<dyn Batch>) -> Arc<Job> {
        let slots: Box<[Slot]> = (0..batch.len()).map(|_| Slot::default()).collect();
        let submits: Box<[AtomicU64]> = (0..batch.len()).map(|_| AtomicU64::new(0)).collect();
        Arc::new(Job {
            batch,
            t0: Instant::now(),
            slots,
            submits,
            handover: AtomicU64::new(0),
            panic: OnceLock::new(),
        })
    }

    /// The number of tasks.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the batch has no tasks.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Nanoseconds since the job was created, plus one.
    #[inline]
    pub fn now(&self) -> u64 {
        self.t0.elapsed().as_nanos() as u64 + 1
    }

    /// Records that the runner took the batch now: the submit time of
    /// every task not given one of its own by [`Job::submit`] (or
    /// [`Job::complete_at`]). Every runner calls it first thing in `run`;
    /// only the first call counts, so a runner that wraps another may
    /// call it too.
    #[inline]
    pub fn hand_over(&self) {
        let _ = self
            .handover
            .compare_exchange(0, self.now(), Relaxed, Relaxed);
    }

    /// Records that task `i` was handed to the model now: for a runner
    /// whose concurrency limit has just admitted it. (A task retried
    /// elsewhere is not submitted again: it keeps its first time.)
    #[inline]
    pub fn submit(&self, i: usize) {
        self.submits[i].store(self.now(), Relaxed);
    }

    /// Executes task `i`, submitted at the batch's handover or by an
    /// earlier [`Job::submit`].
    #[inline]
    pub fn execute(&self, i: usize) {
        let start = self.now();
        self.finish(i, start);
    }

    /// Executes task `i` that was submitted at `submitted` (a [`Job::now`]
    /// value, at least 1), for a model that times its own handover.
    #[inline]
    pub fn execute_submitted_at(&self, i: usize, submitted: u64) {
        self.submits[i].store(submitted.max(1), Relaxed);
        self.execute(i);
    }

    /// Executes task `i` on the calling thread, right now: the sequential
    /// baseline. Its submit time is the batch's handover like any other
    /// runner's, so its latency includes the tasks run before it.
    #[inline]
    pub fn execute_inline(&self, i: usize) {
        self.execute(i);
    }

    #[inline]
    fn finish(&self, i: usize, start: u64) {
        // A panicking task is left unfinished and its message kept, so no
        // runner can hang waiting for it; catch_unwind is free when nothing
        // panics.
        let digest = match std::panic::catch_unwind(AssertUnwindSafe(|| self.batch.run(i))) {
            Ok(d) => d,
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_string());
                self.fail(i, format!("panicked: {msg}"));
                return;
            }
        };
        self.store(i, start, self.now(), digest);
    }

    /// Writes task `i`'s record; `end` last, since it marks it finished.
    #[inline]
    fn store(&self, i: usize, start: u64, end: u64, digest: u64) {
        let slot = &self.slots[i];
        slot.start.store(start, Relaxed);
        slot.digest.store(digest, Relaxed);
        slot.end.store(end, Relaxed);
    }

    /// Runs task `i` of an IO batch through `io` and records it like
    /// [`Job::execute`] (an IO error fails the task), holding `permit` (a
    /// concurrency permit, or `()`) until it is recorded; a CPU batch,
    /// which has no async form, runs the task inline.
    ///
    /// One future that owns its share of the job, so that the state of a
    /// waiting task is only the job, its index, the runtime, the
    /// workload's boxed future and the start time: it is what a runtime
    /// stores per task, and what `bytes per task` measures beside a bare
    /// program.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn stores its arguments twice: 32 bytes more per task in flight"
    )]
    pub fn run_io<P: Send>(
        self: Arc<Self>,
        i: usize,
        io: &'static dyn AsyncIo,
        permit: P,
    ) -> impl Future<Output = ()> + Send {
        async move {
            let Some(fut) = self.batch.run_async(io, i) else {
                return self.execute(i);
            };
            let start = self.now();
            match fut.await {
                Ok(digest) => self.store(i, start, self.now(), digest),
                Err(e) => self.fail(
                    i,
                    format!("{} ({} IO): {e}", self.batch.spec().workload, io.runtime()),
                ),
            }
            drop(permit);
        }
    }

    /// Records task `i` as done elsewhere (in a worker process): it ended
    /// now, after `service_ns` of work measured by the worker, with
    /// `digest`. Start is placed `service_ns` before the end, on this
    /// process's clock.
    pub fn complete_remote(&self, i: usize, service_ns: u64, digest: u64) {
        let end = self.now();
        self.store(i, end.saturating_sub(service_ns).max(1), end, digest);
    }

    /// Records task `i` as timed elsewhere on this job's clock (values of
    /// [`Job::now`], so at least 1): handed over at `submit`, started at
    /// `start`, done at `end`, with `digest`.
    pub fn complete_at(&self, i: usize, submit: u64, start: u64, end: u64, digest: u64) {
        self.submits[i].store(submit.max(1), Relaxed);
        self.store(i, start.max(1), end.max(1), digest);
    }

    /// Records that task `i` failed, with a one-line reason such as
    /// `panicked: …` or `worker 123 killed by signal 9 (SIGKILL)`. The
    /// first failure is kept; the task stays unfinished.
    pub fn fail(&self, i: usize, reason: impl Into<String>) {
        let _ = self.panic.set((i, reason.into()));
    }

    /// The batch this job runs.
    pub fn batch(&self) -> &Arc<dyn Batch> {
        &self.batch
    }

    /// The record of task `i`, or `None` if it has not finished.
    ///
    /// Call after the runner returned: its join or channel gives the
    /// happens-before that makes the relaxed stores visible.
    pub fn record(&self, i: usize) -> Option<TaskRecord> {
        let s = &self.slots[i];
        let end = s.end.load(Relaxed);
        if end == 0 {
            return None;
        }
        let start = s.start.load(Relaxed);
        // Its own submit time, else the batch's handover, else its start;
        // never after its start (a handover stamped late by a runner that
        // ran tasks first would otherwise give a negative wait).
        let submit = match self.submits[i].load(Relaxed) {
            0 => match self.handover.load(Relaxed) {
                0 => start,
                h => h.min(start),
            },
            own => own,
        };
        Some(TaskRecord {
            submit_ns: submit - 1,
            start_ns: start - 1,
            end_ns: end - 1,
            digest: s.digest.load(Relaxed),
        })
    }

    /// Every finished task's record, by index.
    pub fn records(&self) -> impl Iterator<Item = (usize, TaskRecord)> + '_ {
        (0..self.len()).filter_map(|i| self.record(i).map(|r| (i, r)))
    }

    /// The first task that failed, with its reason (`panicked: …`, or how
    /// its worker process died).
    pub fn failure(&self) -> Option<&(usize, String)> {
        self.panic.get()
    }

    /// The batch digest, or the number of unfinished tasks.
    pub fn digest(&self) -> Result<BatchDigest, usize> {
        let mut d = BatchDigest::default();
        let mut missing = 0;
        for i in 0..self.len() {
            match self.record(i) {
                Some(r) => d.add(i, r.digest),
                None => missing += 1,
            }
        }
        if missing == 0 {
            Ok(d)
        } else {
            Err(missing)
        }
    }
}

/// What happened to a runner's worker processes during one batch besides
/// the work: the ones that died, and what the runner did about it. A batch
/// with any death is not a clean measurement even when every task finished
/// (a retried task ran twice, a replacement worker started mid-batch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Incidents {
    /// Worker processes that died during the batch (killed by a signal,
    /// exited, or killed by the runner for passing the task timeout).
    pub worker_deaths: usize,
    /// How the first [`Incidents::CAUSES_KEPT`] of them ended, in order:
    /// `SIGKILL`, `exit 3`, `task timeout`.
    pub death_causes: Vec<String>,
    /// Tasks that were running on a worker when it died and were run
    /// again on another (the pools' `retry`). Tasks queued behind them,
    /// not yet started, go to another worker too but are not counted: they
    /// run once.
    pub tasks_retried: usize,
    /// Workers started during the batch to replace dead ones.
    pub workers_replaced: usize,
}

impl Incidents {
    /// Causes kept per batch: a worker that dies on every task (a
    /// deterministic crash under `retry`) would otherwise add a line per
    /// death; `worker_deaths` keeps the count.
    pub const CAUSES_KEPT: usize = 5;

    /// Records a worker's death and how it ended.
    pub fn death(&mut self, cause: impl Into<String>) {
        self.worker_deaths += 1;
        if self.death_causes.len() < Self::CAUSES_KEPT {
            self.death_causes.push(cause.into());
        }
    }

    /// Whether nothing happened.
    pub fn is_clean(&self) -> bool {
        self.worker_deaths == 0 && self.tasks_retried == 0 && self.workers_replaced == 0
    }
}

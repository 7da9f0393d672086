//! `loop-lag`: a heartbeat that asks to wake every `beat` beside CPU tasks,
//! recording how late each wake-up comes — the course's "CPU work blocks
//! the event loop", measured. Under `cpu=inline` the countdowns run on the
//! event-loop threads and the heartbeat waits for them; under
//! `cpu=offload` they run on the runtime's blocking pool and the loop stays
//! free.
//!
//! Task 0 is the heartbeat, tasks 1.. are countdowns of `n`. The heartbeat
//! beats until every countdown of its batch is done, then hands its
//! lateness samples to the harness ([`IoWorkload::take_samples`]). Under
//! the blocking face (threads, process pools) there is no event loop to
//! block: the heartbeat returns at once and records nothing.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{duration_param, parse_duration, task_ids, AsyncIo, IoFuture, IoWorkload};
use crate::cpu::countdown::countdown;
use crate::{mix64, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// The digest of the heartbeat task.
const HEARTBEAT: u64 = 0x006c_6f6f_706c_6167;

/// One task of a `loop-lag` batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LagTask {
    /// Task 0: wakes every `beat` until the countdowns are done.
    Heartbeat,
    /// A countdown of `n`, with a seeded id for its digest.
    Countdown(u64),
}

/// The heartbeat and the countdowns beside it.
#[derive(Debug)]
pub struct LoopLag {
    n: u64,
    beat: Duration,
    patience: Duration,
    /// Countdowns in a batch (tasks − 1), set by `tasks`.
    countdowns: AtomicU64,
    /// Countdowns finished since this workload was built.
    done: AtomicU64,
    /// Heartbeats started since this workload was built.
    heartbeats: AtomicU64,
    /// Lateness of every beat of the last batch, in nanoseconds.
    samples: Mutex<Vec<u64>>,
}

impl IoWorkload for LoopLag {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "loop-lag",
        kind: Kind::Io,
        description: "a heartbeat every `beat` beside countdowns: how late the event loop wakes",
        default_tasks: 9,
        params: &[
            ParamSpec {
                name: "n",
                default: "20000000",
                help: "each countdown's start (the course's loop, ~20 ms at 20M)",
            },
            ParamSpec {
                name: "beat",
                default: "1ms",
                help: "the heartbeat's period",
            },
            ParamSpec {
                name: "patience",
                default: "5s",
                help: "the heartbeat stops when no countdown finished for this long (countdowns that cannot run beside it: concurrency 1)",
            },
        ],
    };
    type Task = LagTask;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        let beat = parse_duration(p.raw("beat"))
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| p.invalid("beat", "write a positive duration, e.g. 1ms"))?;
        let patience = duration_param(p, "patience")?;
        Ok(LoopLag {
            n: p.get("n")?,
            beat,
            patience,
            countdowns: AtomicU64::new(0),
            done: AtomicU64::new(0),
            heartbeats: AtomicU64::new(0),
            samples: Mutex::new(Vec::new()),
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<LagTask> {
        self.countdowns
            .store(count.saturating_sub(1) as u64, Ordering::Relaxed);
        task_ids(count, seed)
            .into_iter()
            .enumerate()
            .map(|(i, id)| match i {
                0 => LagTask::Heartbeat,
                _ => LagTask::Countdown(id),
            })
            .collect()
    }

    fn expected(&self, task: &LagTask) -> u64 {
        match task {
            LagTask::Heartbeat => HEARTBEAT,
            // countdown(n) returns n ^ n.rotate_left(32).
            LagTask::Countdown(id) => mix64(*id) ^ self.n ^ self.n.rotate_left(32),
        }
    }

    fn run<'a>(&'a self, io: &'a dyn AsyncIo, task: &'a LagTask) -> IoFuture<'a, io::Result<u64>> {
        Box::pin(async move {
            Ok(match task {
                // Under blocking IO no task runs beside the heartbeat on
                // its thread: there is no loop to be late, so it beats
                // not at all.
                LagTask::Heartbeat if io.blocks() => HEARTBEAT,
                LagTask::Heartbeat => {
                    self.heartbeat(io).await;
                    HEARTBEAT
                }
                LagTask::Countdown(id) => {
                    let n = self.n;
                    let v = mix64(*id) ^ io.cpu(Box::new(move || countdown(n))).await;
                    self.done.fetch_add(1, Ordering::Release);
                    v
                }
            })
        })
    }

    fn take_samples(&self) -> Option<Vec<u64>> {
        let mut s = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        Some(std::mem::take(&mut *s))
    }
}

impl LoopLag {
    /// Beats until this batch's countdowns are done (or none finished for
    /// `patience`); keeps the lateness.
    async fn heartbeat(&self, io: &dyn AsyncIo) {
        let round = self.heartbeats.fetch_add(1, Ordering::Relaxed) + 1;
        let target = round * self.countdowns.load(Ordering::Relaxed);
        let mut late = Vec::new();
        let (mut seen, mut progress) = (self.done.load(Ordering::Acquire), Instant::now());
        while seen < target && progress.elapsed() < self.patience {
            let t = Instant::now();
            io.sleep(self.beat).await;
            late.push(t.elapsed().saturating_sub(self.beat).as_nanos() as u64);
            let now = self.done.load(Ordering::Acquire);
            if now != seen {
                (seen, progress) = (now, Instant::now());
            }
        }
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(late);
    }
}

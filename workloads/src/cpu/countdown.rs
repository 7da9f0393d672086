//! `countdown`: the course's GIL demonstration loop.
//!
//! ```python
//! def countdown(n):
//!     while n > 0:
//!         n -= 1
//! ```
//!
//! The lecture runs `countdown(100000000)` twice, in threads and in a
//! `multiprocessing.Pool(2)`; the defaults here are that: `n = 100000000`,
//! two tasks.

use std::hint::black_box;

use crate::{CpuWorkload, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// Counts `n` down to zero, one decrement at a time.
#[derive(Clone, Copy, Debug)]
pub struct Countdown {
    n: u64,
}

impl CpuWorkload for Countdown {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "countdown",
        kind: Kind::Cpu,
        description:
            "`while n > 0: n -= 1`, the course's GIL demo loop (kept from being optimised away)",
        default_tasks: 2,
        params: &[ParamSpec {
            name: "n",
            default: "100000000",
            help: "decrements per task (the course uses 100000000)",
        }],
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Countdown { n: p.get("n")? })
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        vec![self.n; count]
    }

    fn execute(&self, task: &u64) -> u64 {
        countdown(*task)
    }
}

/// The course's loop: counts `start` down to zero, one observable
/// decrement at a time; returns `start ^ steps.rotate_left(32)`.
pub(crate) fn countdown(start: u64) -> u64 {
    let mut n = start;
    let mut steps = 0u64;
    while n > 0 {
        // `black_box` makes every decrement observable, so the loop
        // cannot be folded into `n = 0`.
        n = black_box(n) - 1;
        steps += 1;
    }
    start ^ steps.rotate_left(32) ^ n
}

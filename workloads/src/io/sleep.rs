//! `sleep`: every task waits D and does nothing else — the course's
//! "10 000 concurrent sleeps take as long as one" (`asyncio.sleep(5)`
//! under `gather`), with a shorter D by default.

use std::io;
use std::time::Duration;

use super::{duration_param, task_ids, AsyncIo, IoFuture, IoWorkload};
use crate::{mix64, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// Each task sleeps `duration`; its digest is a hash of its seeded id.
#[derive(Clone, Copy, Debug)]
pub struct Sleep {
    duration: Duration,
}

impl IoWorkload for Sleep {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "sleep",
        kind: Kind::Io,
        description: "each task sleeps `duration`: the course's 10 000 concurrent sleeps",
        default_tasks: 10_000,
        params: &[ParamSpec {
            name: "duration",
            default: "100ms",
            help: "how long each task sleeps (250us, 5ms, 1s, …)",
        }],
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Sleep {
            duration: duration_param(p, "duration")?,
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<u64> {
        task_ids(count, seed)
    }

    fn expected(&self, task: &u64) -> u64 {
        mix64(*task)
    }

    fn run<'a>(&'a self, io: &'a dyn AsyncIo, task: &'a u64) -> IoFuture<'a, io::Result<u64>> {
        // A task that only waits: the runtime's timer and the digest, in
        // one allocation, are all a sleeping task holds.
        io.sleep_then(self.duration, mix64(*task))
    }
}

//! `noop`: no work at all, so a batch measures only a model's dispatch cost.

use std::hint::black_box;

use crate::{CpuWorkload, Kind, ParamError, Params, WorkloadInfo};

/// Each task returns its own index, through `black_box` so it is not elided.
#[derive(Clone, Copy, Debug, Default)]
pub struct Noop;

impl CpuWorkload for Noop {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "noop",
        kind: Kind::Cpu,
        description: "no work: each model's own cost to dispatch and complete a task",
        default_tasks: 10_000,
        params: &[],
    };
    type Task = u64;

    fn from_params(_: &Params) -> Result<Self, ParamError> {
        Ok(Noop)
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        (0..count as u64).collect()
    }

    #[inline]
    fn execute(&self, task: &u64) -> u64 {
        black_box(*task)
    }
}

//! The `collatz` workload: a user-defined CPU workload, written with the
//! public API only. Shared by `examples/custom_workload.rs` and
//! `benches/workloads.rs`, the two places that show embedding.

use bakeoff::prelude::*;
use bakeoff::workloads::mix64;

/// Collatz stopping times: each task sums the steps to reach 1 over `span`
/// consecutive numbers from a seeded starting point.
pub struct Collatz {
    span: u64,
}

impl CpuWorkload for Collatz {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "collatz",
        kind: Kind::Cpu,
        description: "total Collatz steps to 1 over `span` numbers from a seeded start",
        default_tasks: 64,
        params: &[ParamSpec {
            name: "span",
            default: "20000",
            help: "consecutive numbers per task",
        }],
    };
    /// The first number of the task's range.
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Collatz {
            span: p.get_at_least("span", 1u64)?,
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<u64> {
        // Deterministic: the same seed and index give the same start.
        (0..count as u64)
            .map(|i| 1 + mix64(seed ^ mix64(i)) % 1_000_000)
            .collect()
    }

    fn execute(&self, &start: &u64) -> u64 {
        (start..start + self.span).map(steps_to_one).sum()
    }
}

/// Steps of `n → n/2` (even) or `n → 3n+1` (odd) until `n == 1`.
fn steps_to_one(mut n: u64) -> u64 {
    let mut steps = 0;
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    steps
}

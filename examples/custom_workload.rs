//! Run with: cargo run --release --example custom_workload
//!
//! Embedding bakeoff: define your own CPU workload, register it next to the
//! built-in ones, and compare runners on it from code.
//!
//! Options: `--out DIR` writes results to `DIR` (default: a new
//! `target/bakeoff/runs/<timestamp>`); `BAKEOFF_EXAMPLE_QUIET=1` turns off
//! progress and the summary table.

use anyhow::{bail, Context};
use bakeoff::prelude::*;
use bakeoff::workloads::mix64;

/// Collatz stopping times: each task sums the steps to reach 1 over `span`
/// consecutive numbers from a seeded starting point.
struct Collatz {
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

fn main() -> anyhow::Result<()> {
    let mut registry = Registry::builtin();
    registry.register_cpu::<Collatz>()?;

    // First thing, before any thread starts: every case runs in a child
    // process that re-executes this binary, and so do spawn-pool workers
    // and the forkserver; such a child must do its job instead of the
    // comparison below (Python's `if __name__ == "__main__":`). It needs
    // the same registry to rebuild `collatz` from its id.
    if let Some(code) = child_entry(&registry) {
        std::process::exit(code);
    }

    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(args.next().context("--out needs a directory")?),
            other => bail!("unknown argument `{other}`; usage: custom_workload [--out DIR]"),
        }
    }
    let quiet = std::env::var("BAKEOFF_EXAMPLE_QUIET").is_ok_and(|v| v == "1");

    let mut bakeoff = Bakeoff::new(registry)
        .workload("collatz")
        .runners([
            "seq",
            "thread-pool",
            "rayon",
            "tokio-mt",
            "fork-pool",
            "spawn-pool",
            "forkserver-pool",
        ])
        .workers([2])
        .reps(2)
        .print(!quiet);
    if let Some(dir) = out {
        bakeoff = bakeoff.out(dir);
    }
    let outcome = bakeoff.run()?;
    if quiet {
        // Bakeoff::run already printed this line unless printing is off.
        println!("results: {}", outcome.dir.join("results.json").display());
    }
    Ok(())
}

//! Run with: cargo run --release --example custom_workload
//!
//! Embedding bakeoff: define your own CPU workload (`Collatz`, in
//! `support/collatz.rs`), register it next to the built-in ones, and
//! compare every runner on it from code. `Bakeoff::run` writes the results
//! and, as `bakeoff run` does, the report (`.report(false)` turns it off).
//! For an IO workload of your own, see `examples/io_workload.rs`.
//!
//! Options: `--out DIR` writes results to `DIR` (default: a new
//! `target/bakeoff/runs/<timestamp>`); `BAKEOFF_EXAMPLE_QUIET=1` turns off
//! progress and the summary table.

#[path = "support/collatz.rs"]
mod collatz;

use anyhow::{bail, Context};
use bakeoff::prelude::*;
use bakeoff::runners::RunnerKind;
use collatz::Collatz;

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
        .runners(RunnerKind::all().map(|k| k.id()))
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

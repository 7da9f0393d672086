//! Run with: cargo run --release --example forgot_child_entry
//!
//! What happens when `main` forgets to call `child_entry`: the mistake
//! this example makes on purpose, so that you meet its error here first.
//! Every case runs in a child process that re-executes this program; a
//! child that runs `main` again would start a comparison of its own, whose
//! children would do the same, without end. Instead the child's
//! `Bakeoff::run` refuses (it sees `BAKEOFF_ROLE`), and the run stops at
//! its first case with one line that names `child_entry`:
//!
//! ```text
//! Error: …/forgot_child_entry did not answer as a bakeoff case child (it exited (exit status: 1) without its hello line): a program that embeds bakeoff must call `bakeoff::child_entry(&registry)` first thing in main and exit with the code it returns; it said on stderr: Error: a run was started inside a bakeoff case process (BAKEOFF_ROLE=case): …
//! ```
//!
//! The fix is the three lines `examples/custom_workload.rs` opens `main`
//! with. Options: `--out DIR`.

use bakeoff::prelude::*;

fn main() -> anyhow::Result<()> {
    let registry = Registry::builtin();
    // Missing here:
    // if let Some(code) = child_entry(&registry) { std::process::exit(code); }
    let mut bakeoff = Bakeoff::new(registry)
        .workload("noop")
        .runners(["seq"])
        .reps(1)
        .warmup(0)
        .print(false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--out" {
            bakeoff = bakeoff.out(args.next().unwrap_or_default());
        }
    }
    bakeoff.run()?;
    Ok(())
}

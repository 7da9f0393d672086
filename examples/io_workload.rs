//! Run with: cargo run --release --example io_workload
//!
//! Embedding bakeoff with an IO workload of your own: `heartbeat`, a client
//! that talks to the embedded echo server, registered next to the built-in
//! workloads and compared under every runner — the threads, the three
//! process pools and the async runtimes — from code.
//!
//! An IO workload is written once, against bakeoff's small IO interface:
//! [`IoWorkload::run`] through [`AsyncIo`], which each async runtime
//! implements with its own sockets and timers, and [`BlockingIo`] with the
//! standard library (what `seq`, the thread runners and the pools' worker
//! processes run; its futures are ready on their first poll). Declaring
//! `SERVER = Some(ServerKind::Echo)` and listing the `target`, `delay` and `jitter`
//! parameters is what makes the run start the embedded echo server
//! (4-byte little-endian length, then the payload, echoed back after
//! `delay` ± `jitter`; see docs/SERVE.md) and tell every case where it
//! listens. The server runs as a role of this very program, so `main` must
//! hand such a process to [`child_entry`] first, like a case child.
//!
//! Options: `--out DIR` writes results to `DIR` (default: a new
//! `target/bakeoff/runs/<timestamp>`); `--no-report` writes the results
//! files only, no `index.html`; `BAKEOFF_EXAMPLE_QUIET=1` turns off
//! progress and the summary table.

use std::io;

use anyhow::{bail, Context};
use bakeoff::prelude::*;
use bakeoff::runners::RunnerKind;

/// Each task opens one connection and sends `beats` frames of 8 bytes, a
/// counter keyed by the task, reading each echo back before the next; its
/// digest folds the counters that came back.
#[derive(Debug)]
struct Heartbeat {
    beats: u64,
    target: Target,
}

impl Heartbeat {
    /// Frame `beat` of task `task`: its length, then the counter.
    fn frame(task: u64, beat: u64) -> [u8; 12] {
        let mut frame = [0u8; 12];
        frame[..4].copy_from_slice(&8u32.to_le_bytes());
        frame[4..].copy_from_slice(&mix64(task ^ beat).to_le_bytes());
        frame
    }

    /// What a task's digest folds in for one reply (`reply` is a whole
    /// frame); an echo that differs from the frame sent is an error.
    fn fold(digest: u64, sent: &[u8; 12], reply: &[u8; 12]) -> io::Result<u64> {
        if sent != reply {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the echo {reply:02x?} differs from the frame sent, {sent:02x?}"),
            ));
        }
        let counter = u64::from_le_bytes(reply[4..].try_into().expect("8 bytes"));
        Ok(mix64(digest ^ counter))
    }
}

impl IoWorkload for Heartbeat {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "heartbeat",
        kind: Kind::Io,
        description: "each task sends `beats` 8-byte frames over one connection to the echo server, one round trip at a time",
        default_tasks: 50,
        params: &[
            ParamSpec {
                name: "beats",
                default: "4",
                help: "frames (and round trips) per task",
            },
            TARGET_PARAM,
            DELAY_PARAM,
            JITTER_PARAM,
        ],
    };
    const SERVER: Option<ServerKind> = Some(ServerKind::Echo);
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Heartbeat {
            beats: p.get_at_least("beats", 1)?,
            target: Target::from_params(p)?,
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<u64> {
        (0..count as u64).map(|i| mix64(seed ^ i)).collect()
    }

    fn expected(&self, task: &u64) -> u64 {
        (0..self.beats).fold(*task, |d, beat| {
            let frame = Self::frame(*task, beat);
            Self::fold(d, &frame, &frame).expect("a frame equals itself")
        })
    }

    fn run<'a>(&'a self, io: &'a dyn AsyncIo, task: &'a u64) -> IoFuture<'a, io::Result<u64>> {
        Box::pin(async move {
            let mut conn = io.connect(self.target.addr()?).await?;
            let mut digest = *task;
            for beat in 0..self.beats {
                let sent = Self::frame(*task, beat);
                conn.write_all(&sent).await?;
                // A reply may arrive in pieces: read until the frame is in.
                let mut reply = [0u8; 12];
                let mut filled = 0;
                while filled < reply.len() {
                    match conn.read(&mut reply[filled..]).await? {
                        0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                        n => filled += n,
                    }
                }
                digest = Self::fold(digest, &sent, &reply)?;
            }
            Ok(digest)
        })
    }
}

fn main() -> anyhow::Result<()> {
    let mut registry = Registry::builtin();
    registry.register_io::<Heartbeat>()?;

    // First thing, before any thread starts: case children, spawn-pool
    // workers, the fork server and the embedded echo server are all this
    // binary started again, and each must do its job instead of `main`.
    if let Some(code) = child_entry(&registry) {
        std::process::exit(code);
    }

    let mut out = None;
    let mut report = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(args.next().context("--out needs a directory")?),
            "--no-report" => report = false,
            other => {
                bail!("unknown argument `{other}`; usage: io_workload [--out DIR] [--no-report]")
            }
        }
    }
    let quiet = std::env::var("BAKEOFF_EXAMPLE_QUIET").is_ok_and(|v| v == "1");

    let mut bakeoff = Bakeoff::new(registry)
        .workload("heartbeat")
        .runners(RunnerKind::all().map(|k| k.id()))
        .workers([2])
        .tasks([20])
        .concurrency([10])
        .set("delay", "1ms")
        .reps(2)
        .report(report)
        .print(!quiet);
    if let Some(dir) = out {
        bakeoff = bakeoff.out(dir);
    }
    let outcome = bakeoff.run()?;
    if quiet {
        println!("results: {}", outcome.dir.join("results.json").display());
    }
    let failed = outcome
        .results
        .cases
        .iter()
        .filter(|c| c.status == CaseStatus::Failed)
        .count();
    if failed > 0 {
        bail!("{failed} cases failed; see {}", outcome.dir.display());
    }
    Ok(())
}

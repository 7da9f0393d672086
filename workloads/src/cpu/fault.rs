//! `fault`: a workload that fails on purpose, to test how runners and the
//! orchestrator handle a task that panics, aborts, crashes, is killed,
//! exits or hangs.
//!
//! Every task but the one at index `at` returns its index like `noop`.
//!
//! With `once=DIR`, task `at` fails on one of its runs only, so that a
//! runner that runs it again (a process pool's `retry`) finishes the batch
//! with the right digest. Runs are counted across processes in `DIR`:
//! each run of task `at` claims the lowest free number by creating the
//! file `run-N` there (exclusively, so two runs never claim the same one),
//! and only run number `skip` fails. The count depends only on the order
//! of runs: in `bakeoff run`, where the `seq` reference runs first with
//! one batch per warm-up and repetition, `--warmup 0 --reps 1` with
//! `skip=1` lets `seq` pass and fails the next case's first attempt.

use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::{CpuWorkload, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// How the faulty task fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMode {
    /// `panic!`.
    Panic,
    /// `std::process::abort()` (SIGABRT).
    Abort,
    /// A segmentation fault (SIGSEGV raised on the process).
    Segfault,
    /// SIGKILL raised on the process: a death nothing can catch, as from
    /// the OOM killer.
    Kill,
    /// `std::process::exit(3)`.
    Exit,
    /// Sleeps for an hour: a task that never finishes in time.
    Hang,
    /// Does not fail: the workload behaves like `noop`.
    None,
}

impl FromStr for FaultMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "panic" => FaultMode::Panic,
            "abort" => FaultMode::Abort,
            "segfault" => FaultMode::Segfault,
            "kill" => FaultMode::Kill,
            "exit" => FaultMode::Exit,
            "hang" => FaultMode::Hang,
            "none" => FaultMode::None,
            other => {
                return Err(format!(
                    "unknown mode `{other}`; use panic, abort, segfault, kill, exit, hang or none"
                ))
            }
        })
    }
}

/// Fails at task `at` in the way `mode` says (on one run only with `once`).
#[derive(Clone, Debug)]
pub struct Fault {
    mode: FaultMode,
    at: u64,
    /// Where runs of task `at` are counted; `None`: every run fails.
    once: Option<PathBuf>,
    /// The run (from 0) that fails, with `once`.
    skip: u64,
}

impl Fault {
    /// Whether this run of task `at` fails: always without `once`;
    /// otherwise only when the number it claims in `once` is `skip`.
    fn fails_now(&self) -> bool {
        let Some(dir) = &self.once else {
            return true;
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            panic!("fault workload: cannot create once={}: {e}", dir.display());
        }
        for n in 0.. {
            let claim = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(dir.join(format!("run-{n}")));
            match claim {
                Ok(_) => return n == self.skip,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!(
                    "fault workload: cannot count runs in once={}: {e}",
                    dir.display()
                ),
            }
        }
        unreachable!("u64 runs")
    }
}

impl CpuWorkload for Fault {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "fault",
        kind: Kind::Cpu,
        description:
            "fault injection for tests: task `at` panics, aborts, segfaults, is killed, exits or hangs",
        default_tasks: 4,
        params: &[
            ParamSpec {
                name: "mode",
                default: "panic",
                help: "panic | abort | segfault | kill (SIGKILL) | exit | hang | none",
            },
            ParamSpec {
                name: "at",
                default: "0",
                help: "index of the task that fails",
            },
            ParamSpec {
                name: "once",
                default: "",
                help: "a directory where runs of task `at` are counted (files run-0, run-1, …): only run `skip` fails; empty: every run fails",
            },
            ParamSpec {
                name: "skip",
                default: "0",
                help: "with `once`: the runs of task `at` that pass before the one that fails",
            },
        ],
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        let once: String = p.get("once")?;
        Ok(Fault {
            mode: p.get("mode")?,
            at: p.get("at")?,
            once: (!once.is_empty()).then(|| PathBuf::from(once)),
            skip: p.get("skip")?,
        })
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        (0..count as u64).collect()
    }

    fn execute(&self, task: &u64) -> u64 {
        if *task == self.at && self.mode != FaultMode::None && self.fails_now() {
            match self.mode {
                FaultMode::Panic => panic!("fault workload: task {task} panics as asked"),
                FaultMode::Abort => std::process::abort(),
                FaultMode::Segfault => {
                    // Rust's runtime handles SIGSEGV to report stack
                    // overflows; its handler ignores a raised signal and
                    // returns, so restore the default action first. The
                    // process then dies of SIGSEGV, as on a real fault.
                    // SAFETY: installing SIG_DFL and raising a signal have
                    // no memory-safety preconditions.
                    unsafe {
                        libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                        libc::raise(libc::SIGSEGV);
                    }
                }
                FaultMode::Kill => {
                    // SAFETY: raising a signal has no memory-safety
                    // preconditions; SIGKILL does not return.
                    unsafe {
                        libc::raise(libc::SIGKILL);
                    }
                }
                FaultMode::Exit => std::process::exit(3),
                FaultMode::Hang => std::thread::sleep(Duration::from_secs(3600)),
                FaultMode::None => {}
            }
        }
        black_box(*task)
    }
}

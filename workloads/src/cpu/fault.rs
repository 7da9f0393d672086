//! `fault`: a workload that fails on purpose, to test how runners and the
//! orchestrator handle a task that panics, aborts, crashes, exits or hangs.
//!
//! Every task but the one at index `at` returns its index like `noop`.

use std::hint::black_box;
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
            "exit" => FaultMode::Exit,
            "hang" => FaultMode::Hang,
            "none" => FaultMode::None,
            other => {
                return Err(format!(
                    "unknown mode `{other}`; use panic, abort, segfault, exit, hang or none"
                ))
            }
        })
    }
}

/// Fails at task `at` in the way `mode` says.
#[derive(Clone, Copy, Debug)]
pub struct Fault {
    mode: FaultMode,
    at: u64,
}

impl CpuWorkload for Fault {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "fault",
        kind: Kind::Cpu,
        description:
            "fault injection for tests: task `at` panics, aborts, segfaults, exits or hangs",
        default_tasks: 4,
        params: &[
            ParamSpec {
                name: "mode",
                default: "panic",
                help: "panic | abort | segfault | exit | hang | none",
            },
            ParamSpec {
                name: "at",
                default: "0",
                help: "index of the task that fails",
            },
        ],
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Fault {
            mode: p.get("mode")?,
            at: p.get("at")?,
        })
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        (0..count as u64).collect()
    }

    fn execute(&self, task: &u64) -> u64 {
        if *task == self.at {
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
                FaultMode::Exit => std::process::exit(3),
                FaultMode::Hang => std::thread::sleep(Duration::from_secs(3600)),
                FaultMode::None => {}
            }
        }
        black_box(*task)
    }
}

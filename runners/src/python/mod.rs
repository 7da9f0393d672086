//! The CPython runners: `py-seq`, `py-threads`, `py-fork`, `py-spawn`,
//! `py-forkserver` and `py-asyncio` — the models the course teaches, run
//! by the interpreter itself on the same tasks as every Rust runner.
//!
//! The key design decision: **the interpreter runs the model, bakeoff
//! measures it the same way.** bakeoff writes its Python module
//! (`runners/python/`, compiled into the binary) to a cache folder,
//! starts the interpreter on it, and hands it each batch's tasks as the
//! Rust workload built them (`Batch::tasks_json`; nothing is derived
//! again from the seed in Python). The interpreter runs them under its
//! model and sends back, per task, the handover, start and end times on
//! CLOCK_MONOTONIC and the digest, which the harness verifies against the
//! Rust `seq` reference like any other runner's. The interpreter measures
//! the batch's wall and its own peak memory itself, so the exchange is
//! not counted; CPU time and context switches are read from /proc for the
//! interpreter and every process below it.

mod defs;
mod interpreter;
mod session;

pub use defs::{PyAsyncio, PyPool, PySeq, PyThreads, PY_WORKLOADS};
pub use interpreter::{interpreter, PythonInfo, PYTHON_ENV};

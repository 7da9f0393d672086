//! [`RUNNERS`]: every runner bakeoff knows, one line each, in the order
//! reports list them (as ripgrep's `crates/core/flags/defs.rs` lists its
//! flags).
//!
//! # Adding a runner
//!
//! Write one file that defines a unit struct implementing
//! [`RunnerDef`](crate::RunnerDef) (its id, family, parameters and how it
//! starts) beside the [`Runner`](crate::Runner) it starts, declare the
//! file's `mod`, and add one line here. The plan, `bakeoff list` and the
//! digest tests (`tests/digests.rs`, `tests/pools.rs`) read this slice, so
//! they cover it with no other change.

use crate::async_rt::{AsyncStd, Smol, TokioCt, TokioMt};
use crate::def::RunnerDef;
use crate::process::{Pool, StartMethod};
use crate::python::{PyAsyncio, PyPool, PySeq, PyThreads};
use crate::seq::Seq;
use crate::threads::{Rayon, ThreadPerTask, ThreadPool};

/// Every runner, in the order reports list them; the first is the
/// reference every other runner's digests are checked against.
pub(crate) static RUNNERS: &[&dyn RunnerDef] = &[
    &Seq,
    &ThreadPerTask,
    &ThreadPool,
    &Rayon,
    &TokioCt,
    &TokioMt,
    &AsyncStd,
    &Smol,
    &Pool(StartMethod::Fork),
    &Pool(StartMethod::Spawn),
    &Pool(StartMethod::Forkserver),
    &PySeq,
    &PyThreads,
    &PyPool(StartMethod::Fork),
    &PyPool(StartMethod::Spawn),
    &PyPool(StartMethod::Forkserver),
    &PyAsyncio,
];

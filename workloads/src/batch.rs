//! The type-erased [`Batch`] runners execute, and [`TaskExec`], its worker
//! side: one shape for CPU and IO workloads alike.
//!
//! A workload kind says how one of its tasks runs through [`Face`]; then
//! [`Tasks`] erases it with its tasks to a [`Batch`], and [`Exec`] to a
//! [`TaskExec`]. Nothing else differs between CPU and IO batches.

use std::io;
use std::sync::Arc;

use serde::{de::DeserializeOwned, Serialize};

use crate::async_io::{AsyncIo, IoFuture};
use crate::{ParamError, Params};

/// A built list of tasks that any runner can execute by index.
///
/// This is the only thing runners see of a workload.
pub trait Batch: Send + Sync {
    /// The number of tasks.
    fn len(&self) -> usize;

    /// Whether the batch has no tasks.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs task `index` and returns its digest.
    fn run(&self, index: usize) -> u64;

    /// The workload id and resolved parameters this batch was built from:
    /// what a worker process needs to rebuild the workload's code.
    fn spec(&self) -> &BatchSpec;

    /// Appends task `index`'s input, postcard-encoded, to `out`: what
    /// travels to a worker process.
    fn encode_task(&self, index: usize, out: &mut Vec<u8>);

    /// Every task's input as one JSON array, in index order: what travels
    /// to a runner in another language (the CPython runners), which reads
    /// the same tasks rather than deriving them again from the seed.
    fn tasks_json(&self) -> String;

    /// Whether this is an IO workload, whose tasks have an async form
    /// ([`Batch::run_async`]).
    fn is_io(&self) -> bool {
        false
    }

    /// The digest task `index` must return, when the workload can say it
    /// without running the task (IO workloads); `None` for CPU workloads,
    /// which are checked against a `seq` run instead.
    fn expected(&self, index: usize) -> Option<u64> {
        let _ = index;
        None
    }

    /// Samples measured on the side during the last batch (nanoseconds),
    /// taken: `loop-lag`'s heartbeat lateness; `None` for most workloads.
    fn take_samples(&self) -> Option<Vec<u64>> {
        None
    }

    /// Task `index` through an async runtime's IO, for IO workloads; `None`
    /// for CPU workloads, whose tasks async runners run as plain code.
    fn run_async<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        index: usize,
    ) -> Option<IoFuture<'a, std::io::Result<u64>>> {
        let _ = (io, index);
        None
    }
}

/// Which workload, with which parameters: enough for a worker process to
/// rebuild it from a [`crate::Registry`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BatchSpec {
    /// The workload's id.
    pub workload: String,
    /// Its resolved parameters (defaults filled in).
    pub params: std::collections::BTreeMap<String, String>,
}

impl BatchSpec {
    /// The spec of workload `id` with its resolved `params`.
    pub(crate) fn of(id: &str, params: &Params) -> BatchSpec {
        BatchSpec {
            workload: id.to_string(),
            params: params.values().clone(),
        }
    }
}

/// Appends `task`, postcard-encoded, to `out`.
pub(crate) fn encode(task: &impl Serialize, out: &mut Vec<u8>) {
    let buf = std::mem::take(out);
    *out = postcard::to_extend(task, buf).expect("tasks serialise (their types derive Serialize)");
}

/// Runs encoded tasks of one workload (the worker side of a process pool).
pub trait TaskExec: Send {
    /// Decodes one task's input and runs it; the digest, or why the bytes
    /// are not a task of this workload.
    fn run_encoded(&self, input: &[u8]) -> Result<u64, String>;
}

/// How the tasks of one kind of workload run: what [`Tasks`] and [`Exec`]
/// erase. CPU workloads ([`crate::CpuWorkload`]) and IO workloads
/// ([`crate::io::IoWorkload`]) each implement it once.
pub(crate) trait Face: Send + Sync + Sized + 'static {
    /// The workload's id, for messages.
    const ID: &'static str;
    /// Whether tasks have an async form ([`Batch::is_io`]).
    const IS_IO: bool;
    /// One unit of work.
    type Task: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Builds the workload from resolved parameters.
    fn from_params(params: &Params) -> Result<Self, ParamError>;

    /// The deterministic list of `count` tasks for `seed`.
    fn tasks(&self, count: usize, seed: u64) -> Vec<Self::Task>;

    /// Runs `task` on the calling thread: its digest, or why it failed.
    fn run(&self, task: &Self::Task) -> Result<u64, String>;

    /// See [`Batch::expected`].
    fn expected(&self, task: &Self::Task) -> Option<u64>;

    /// See [`Batch::take_samples`].
    fn take_samples(&self) -> Option<Vec<u64>>;

    /// See [`Batch::run_async`].
    fn run_async<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        task: &'a Self::Task,
    ) -> Option<IoFuture<'a, io::Result<u64>>>;
}

/// A workload with its tasks, erased to a [`Batch`].
pub(crate) struct Tasks<F: Face> {
    face: F,
    tasks: Vec<F::Task>,
    spec: BatchSpec,
}

impl<F: Face> Tasks<F> {
    /// The batch of `count` tasks for `seed` of the workload `params` build.
    pub(crate) fn build(
        params: &Params,
        count: usize,
        seed: u64,
    ) -> Result<Arc<dyn Batch>, ParamError> {
        let face = F::from_params(params)?;
        let tasks = face.tasks(count, seed);
        let spec = BatchSpec::of(F::ID, params);
        Ok(Arc::new(Tasks { face, tasks, spec }))
    }

    /// The worker-side executor for `params`.
    pub(crate) fn executor(params: &Params) -> Result<Box<dyn TaskExec>, ParamError> {
        Ok(Box::new(Exec(F::from_params(params)?)))
    }
}

impl<F: Face> Batch for Tasks<F> {
    fn len(&self) -> usize {
        self.tasks.len()
    }

    /// A failed task panics with its reason, which every runner records
    /// as the task's failure.
    #[inline]
    fn run(&self, index: usize) -> u64 {
        self.face
            .run(&self.tasks[index])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn spec(&self) -> &BatchSpec {
        &self.spec
    }

    fn encode_task(&self, index: usize, out: &mut Vec<u8>) {
        encode(&self.tasks[index], out);
    }

    fn tasks_json(&self) -> String {
        serde_json::to_string(&self.tasks).expect("tasks serialise (their types derive Serialize)")
    }

    fn is_io(&self) -> bool {
        F::IS_IO
    }

    fn expected(&self, index: usize) -> Option<u64> {
        self.face.expected(&self.tasks[index])
    }

    fn take_samples(&self) -> Option<Vec<u64>> {
        self.face.take_samples()
    }

    fn run_async<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        index: usize,
    ) -> Option<IoFuture<'a, io::Result<u64>>> {
        self.face.run_async(io, &self.tasks[index])
    }
}

/// A workload rebuilt in a worker process.
struct Exec<F: Face>(F);

impl<F: Face> TaskExec for Exec<F> {
    fn run_encoded(&self, input: &[u8]) -> Result<u64, String> {
        let task: F::Task = postcard::from_bytes(input)
            .map_err(|e| format!("task bytes do not decode for `{}`: {e}", F::ID))?;
        self.0.run(&task)
    }
}

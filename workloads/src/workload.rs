//! The [`CpuWorkload`] trait and the type-erased [`Batch`] runners execute.

use std::sync::Arc;

use serde::{de::DeserializeOwned, Serialize};

use crate::{ParamError, ParamSpec, Params};

/// What kind of work a workload does; it decides which figures it feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Pure computation: the task holds a core for its whole duration.
    Cpu,
    /// Waiting on the outside world (timers, sockets, files).
    Io,
}

impl Kind {
    /// `cpu` or `io`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cpu => "cpu",
            Kind::Io => "io",
        }
    }
}

/// Static description of a workload, shown by `bakeoff list`.
#[derive(Clone, Copy, Debug)]
pub struct WorkloadInfo {
    /// The id used on the command line and in results (`primes`).
    pub id: &'static str,
    /// CPU or IO.
    pub kind: Kind,
    /// One line saying what a task does.
    pub description: &'static str,
    /// How many tasks a batch has when the user does not say.
    pub default_tasks: usize,
    /// The parameters it accepts, with defaults.
    pub params: &'static [ParamSpec],
}

/// A CPU-bound workload: one pure function from a task to a digest.
///
/// Implementations must be deterministic: the same parameters, count and
/// seed give the same tasks, and the same task gives the same digest, in
/// any thread or process. The blocking and async forms of the work are
/// derived from [`CpuWorkload::execute`] by the runners.
pub trait CpuWorkload: Send + Sync + Sized + 'static {
    /// Name, description and parameters.
    const INFO: WorkloadInfo;
    /// One unit of work. Serialisable, so process pools can ship it.
    type Task: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Builds the workload from resolved parameters.
    fn from_params(params: &Params) -> Result<Self, ParamError>;

    /// The deterministic list of `count` tasks for `seed`.
    fn tasks(&self, count: usize, seed: u64) -> Vec<Self::Task>;

    /// Executes one task and returns its digest.
    fn execute(&self, task: &Self::Task) -> u64;
}

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
        io: &'a dyn crate::io::AsyncIo,
        index: usize,
    ) -> Option<crate::io::IoFuture<'a, std::io::Result<u64>>> {
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

/// A [`CpuWorkload`] with its tasks, erased to a [`Batch`].
pub(crate) struct CpuBatch<W: CpuWorkload> {
    workload: W,
    tasks: Vec<W::Task>,
    spec: BatchSpec,
}

impl<W: CpuWorkload> CpuBatch<W> {
    pub(crate) fn build(
        params: &Params,
        count: usize,
        seed: u64,
    ) -> Result<Arc<dyn Batch>, ParamError> {
        let workload = W::from_params(params)?;
        let tasks = workload.tasks(count, seed);
        let spec = BatchSpec::of(W::INFO.id, params);
        Ok(Arc::new(CpuBatch {
            workload,
            tasks,
            spec,
        }))
    }

    /// The worker-side executor for `params`.
    pub(crate) fn executor(params: &Params) -> Result<Box<dyn TaskExec>, ParamError> {
        Ok(Box::new(CpuExec(W::from_params(params)?)))
    }
}

impl<W: CpuWorkload> Batch for CpuBatch<W> {
    fn len(&self) -> usize {
        self.tasks.len()
    }

    #[inline]
    fn run(&self, index: usize) -> u64 {
        self.workload.execute(&self.tasks[index])
    }

    fn spec(&self) -> &BatchSpec {
        &self.spec
    }

    fn encode_task(&self, index: usize, out: &mut Vec<u8>) {
        encode(&self.tasks[index], out);
    }
}

/// A CPU workload rebuilt in a worker process.
struct CpuExec<W: CpuWorkload>(W);

impl<W: CpuWorkload> TaskExec for CpuExec<W> {
    fn run_encoded(&self, input: &[u8]) -> Result<u64, String> {
        let task: W::Task = postcard::from_bytes(input)
            .map_err(|e| format!("task bytes do not decode for `{}`: {e}", W::INFO.id))?;
        Ok(self.0.execute(&task))
    }
}

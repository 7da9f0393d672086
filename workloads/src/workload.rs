//! The [`CpuWorkload`] trait, what every workload describes itself with
//! ([`WorkloadInfo`]), and the [`Face`] that erases a CPU workload.

use serde::{de::DeserializeOwned, Serialize};

use crate::async_io::{AsyncIo, IoFuture};
use crate::batch::Face;
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

/// Which runners may run a workload's tasks: a constraint the workload
/// declares ([`CpuWorkload::RUNS`]), the plan enforces (a runner that
/// cannot is refused, naming the runners that can) and the digest tests
/// read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    /// Under every runner.
    Anywhere,
    /// Only under a runner that runs one task at a time on its own thread,
    /// in its own process (`seq`, `py-seq`): for tasks that start
    /// processes of their own, which a pool worker may not do and which
    /// concurrent tasks would fight over.
    OneAtATime {
        /// Why, in a few words, for the refusal's message.
        why: &'static str,
    },
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
    /// Which runners may run it; [`Runs::Anywhere`] unless it says.
    const RUNS: Runs = Runs::Anywhere;
    /// One unit of work. Serialisable, so process pools can ship it.
    type Task: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Builds the workload from resolved parameters.
    fn from_params(params: &Params) -> Result<Self, ParamError>;

    /// The deterministic list of `count` tasks for `seed`.
    fn tasks(&self, count: usize, seed: u64) -> Vec<Self::Task>;

    /// Executes one task and returns its digest.
    fn execute(&self, task: &Self::Task) -> u64;
}

/// A [`CpuWorkload`] as a [`Face`]: its tasks run as plain code.
pub(crate) struct Cpu<W>(W);

impl<W: CpuWorkload> Face for Cpu<W> {
    const ID: &'static str = W::INFO.id;
    const IS_IO: bool = false;
    type Task = W::Task;

    fn from_params(params: &Params) -> Result<Self, ParamError> {
        W::from_params(params).map(Cpu)
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<W::Task> {
        self.0.tasks(count, seed)
    }

    #[inline]
    fn run(&self, task: &W::Task) -> Result<u64, String> {
        Ok(self.0.execute(task))
    }

    /// CPU workloads are checked against a `seq` run instead.
    fn expected(&self, _: &W::Task) -> Option<u64> {
        None
    }

    fn take_samples(&self) -> Option<Vec<u64>> {
        None
    }

    /// Async runners run CPU tasks as plain code.
    fn run_async<'a>(
        &'a self,
        _: &'a dyn AsyncIo,
        _: &'a W::Task,
    ) -> Option<IoFuture<'a, std::io::Result<u64>>> {
        None
    }
}

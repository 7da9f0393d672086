//! [`RunnerKind`], a handle on one [`RunnerDef`] in the
//! [table](crate::table): the one place where a kind becomes a
//! `Box<dyn Runner>`.

use std::collections::BTreeMap;

use bakeoff_workloads::{Params, Runs, WorkloadEntry};

use crate::def::{Family, RunnerConfig, RunnerDef, RunnerInfo};
use crate::table::RUNNERS;
use crate::{Runner, RunnerError};

/// A runner: a handle on one definition in the table, compared, hashed
/// and serialised by its id.
#[derive(Clone, Copy)]
pub struct RunnerKind(&'static dyn RunnerDef);

impl PartialEq for RunnerKind {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for RunnerKind {}

impl std::hash::Hash for RunnerKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl std::fmt::Debug for RunnerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RunnerKind({})", self.id())
    }
}

impl serde::Serialize for RunnerKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for RunnerKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        RunnerKind::from_id(&id).map_err(serde::de::Error::custom)
    }
}

impl RunnerKind {
    /// Every runner, in the order reports list them.
    pub fn all() -> impl Iterator<Item = RunnerKind> + Clone {
        RUNNERS.iter().map(|&d| RunnerKind(d))
    }

    /// The runner every other one's digests are checked against: `seq`.
    pub fn reference() -> RunnerKind {
        RunnerKind(RUNNERS[0])
    }

    /// The runner's description.
    pub fn info(self) -> RunnerInfo {
        self.0.info()
    }

    /// The id used on the command line.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Its family.
    pub fn family(self) -> Family {
        self.info().family
    }

    /// The runner with this id.
    pub fn from_id(id: &str) -> Result<RunnerKind, RunnerError> {
        Self::all()
            .find(|k| k.id() == id)
            .ok_or_else(|| RunnerError::Unknown {
                id: id.to_string(),
                suggestion: bakeoff_workloads::closest(id, Self::all().map(|k| k.id()))
                    .map(str::to_string),
            })
    }

    /// Resolves the runner's own parameters.
    pub fn params(self, given: &BTreeMap<String, String>) -> Result<Params, RunnerError> {
        Ok(Params::resolve(self.id(), self.info().params, given)?)
    }

    /// Whether `workers` changes what this runner does with these
    /// parameters (a sweep over workers skips it otherwise).
    pub fn uses_workers(self, params: &Params) -> bool {
        self.0.uses_workers(params)
    }

    /// Whether `concurrency` changes what this runner does.
    pub fn uses_concurrency(self) -> bool {
        self.0.uses_concurrency()
    }

    /// Whether it runs one task at a time on its own thread, in its own
    /// process ([`RunnerDef::one_task_at_a_time`]).
    pub fn one_task_at_a_time(self) -> bool {
        self.0.one_task_at_a_time()
    }

    /// Why this runner may not run `workload` at all, whatever the
    /// machine (the constraint the workload declares, [`Runs`]), in one
    /// line naming the runners that may and the fix; `None` when it may.
    /// The plan refuses such a case before anything runs.
    pub fn refuses(self, workload: &WorkloadEntry) -> Option<String> {
        match workload.runs {
            Runs::Anywhere => None,
            Runs::OneAtATime { .. } if self.one_task_at_a_time() => None,
            Runs::OneAtATime { why } => {
                let may: Vec<&str> = RunnerKind::all()
                    .filter(|k| k.one_task_at_a_time())
                    .map(RunnerKind::id)
                    .collect();
                Some(format!(
                    "runner `{}` cannot run workload `{}`: {why}, so it runs one task at a time, under {} only; name those (--runner {})",
                    self.id(),
                    workload.info.id,
                    may.join(" or "),
                    may.join(","),
                ))
            }
        }
    }

    /// Whether the runner can run on this machine with its default
    /// parameters, and if not, why (what `bakeoff list` shows).
    pub fn available(self) -> Result<(), String> {
        let params = self.params(&BTreeMap::new()).map_err(|e| e.to_string())?;
        self.unavailable(&params, None).map_or(Ok(()), Err)
    }

    /// Why this machine cannot run the runner with `params`, or on
    /// `workload`, in one line naming the fix ([`RunnerDef::unavailable`]).
    pub fn unavailable(self, params: &Params, workload: Option<&str>) -> Option<String> {
        self.0.unavailable(params, workload)
    }

    /// MiB the case process allocates before the runner starts
    /// ([`RunnerDef::case_parent_mib`]).
    pub fn case_parent_mib(self, params: &Params) -> Result<usize, RunnerError> {
        self.0.case_parent_mib(params)
    }

    /// Environment variables the case process must start with, for
    /// runtimes that read their size from the environment once.
    pub fn child_env(self, config: &RunnerConfig) -> Vec<(&'static str, String)> {
        self.0.child_env(config)
    }

    /// The parameters worth showing in a label, as ` key=value` pairs: `cpu`
    /// always (it changes the model), the others only when they differ
    /// from their defaults.
    pub fn label_params(self, params: &BTreeMap<String, String>) -> String {
        let specs = self.info().params;
        params
            .iter()
            .filter(|(k, v)| {
                k.as_str() == "cpu"
                    || specs
                        .iter()
                        .find(|s| s.name == k.as_str())
                        .is_none_or(|s| s.default != v.as_str())
            })
            .map(|(k, v)| format!(" {k}={v}"))
            .collect()
    }

    /// Checks the runner's parameters without starting anything.
    pub fn check_params(self, params: &Params) -> Result<(), RunnerError> {
        self.0.check(params)
    }

    /// How many threads the runner starts beside the calling one before
    /// its first task ([`RunnerDef::threads_started`]).
    pub fn threads_started(self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        self.0.threads_started(config)
    }

    /// Starts the runner: builds its threads or runtime, after checking
    /// that the threads it starts fit the limits.
    pub fn start(self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        let threads = self.threads_started(config)?;
        if threads > 0 {
            crate::limits::room_for_threads(threads, "--workers").map_err(|limit| {
                RunnerError::Threads {
                    runner: self.id(),
                    count: threads,
                    limit,
                }
            })?;
        }
        self.0.start(config)
    }
}

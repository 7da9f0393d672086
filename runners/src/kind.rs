//! [`RunnerDef`], what each runner file defines, and [`RunnerKind`], a
//! handle on one of them in the [table](crate::table): the one place where
//! a kind becomes a `Box<dyn Runner>`.

use std::collections::BTreeMap;

use bakeoff_workloads::{ParamSpec, Params};

use crate::table::RUNNERS;
use crate::{Runner, RunnerError};

/// The families figures colour by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// One thread, one task at a time.
    Baseline,
    /// OS threads in one process.
    Threads,
    /// Worker processes.
    Processes,
    /// Async event loops.
    Async,
}

impl Family {
    /// `baseline`, `threads`, `processes` or `async`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::Threads => "threads",
            Family::Processes => "processes",
            Family::Async => "async",
        }
    }
}

/// Static description of a runner, shown by `bakeoff list`.
#[derive(Clone, Copy, Debug)]
pub struct RunnerInfo {
    /// The id used on the command line and in results.
    pub id: &'static str,
    /// Which family it belongs to.
    pub family: Family,
    /// One line saying what model it is.
    pub description: &'static str,
    /// What `workers` (and `concurrency`) mean for it, in a few words.
    pub workers: &'static str,
    /// Its own parameters (beyond `workers` and `concurrency`).
    pub params: &'static [ParamSpec],
    /// A caveat shown beside it (deprecation, platform).
    pub note: Option<&'static str>,
}

/// How a case configures its runner.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Worker threads (or processes) the model may use.
    pub workers: usize,
    /// Tasks in flight at most; `None` submits the whole batch at once.
    pub concurrency: Option<usize>,
    /// The runner's own parameters, resolved.
    pub params: Params,
}

/// What one runner file defines: every fact about the runner, and how it
/// starts. Its parameters are parsed once per call into the runner's own
/// typed struct (see `AsyncParams`, `PoolParams`), so a bad value fails
/// with the same one-line error wherever it is first read.
pub trait RunnerDef: Sync {
    /// Its id, family, description and parameters.
    fn info(&self) -> RunnerInfo;

    /// Checks its parameters without starting anything.
    fn check(&self, params: &Params) -> Result<(), RunnerError> {
        let _ = params;
        Ok(())
    }

    /// Whether `workers` changes what it does with these parameters (a
    /// sweep over workers skips it otherwise).
    fn uses_workers(&self, params: &Params) -> bool {
        let _ = params;
        true
    }

    /// Whether `concurrency` changes what it does.
    fn uses_concurrency(&self) -> bool {
        true
    }

    /// Environment variables the case process must start with, for
    /// runtimes that read their size from the environment once.
    fn child_env(&self, config: &RunnerConfig) -> Vec<(&'static str, String)> {
        let _ = config;
        Vec::new()
    }

    /// How many threads it starts (or may start, for a runtime's blocking
    /// pool sized by `workers`) beside the calling one, before its first
    /// task: what [`RunnerKind::start`] checks against the thread limits.
    /// 0 for runners that start threads per task or processes (they check
    /// their own limits).
    fn threads_started(&self, config: &RunnerConfig) -> Result<usize, RunnerError> {
        let _ = config;
        Ok(0)
    }

    /// Builds its threads, runtime or processes.
    fn start(&self, config: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError>;
}

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

    /// Whether the runner can run on this machine, and if not, why.
    pub fn available(self) -> Result<(), String> {
        Ok(())
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

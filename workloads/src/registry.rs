//! The explicit list of workloads a program knows, looked up by id.
//!
//! Child processes cannot receive closures, so a case child (and later a
//! pool worker) rebuilds its workload from the id and parameters through
//! this registry. Registration is a plain function call — no linker magic.

use std::collections::BTreeMap;
use std::sync::Arc;

use thiserror::Error;

use crate::batch::Tasks;
use crate::protocol::ServerKind;
use crate::workload::Cpu;
use crate::{Batch, BatchSpec, CpuWorkload, ParamError, Params, Runs, TaskExec, WorkloadInfo};

type BuildFn = fn(&Params, usize, u64) -> Result<Arc<dyn Batch>, ParamError>;
type ExecFn = fn(&Params) -> Result<Box<dyn TaskExec>, ParamError>;

/// The registry a worker process looks workloads up in; set once by the
/// program's entry point ([`Registry::install`]).
static INSTALLED: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();

/// One registered workload: its description and how to build a batch.
#[derive(Clone)]
pub struct WorkloadEntry {
    /// Name, kind, description and parameters.
    pub info: WorkloadInfo,
    /// The embedded server an IO workload talks to.
    pub server: Option<ServerKind>,
    /// Which runners may run it.
    pub runs: Runs,
    build: BuildFn,
    exec: ExecFn,
}

impl std::fmt::Debug for WorkloadEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadEntry")
            .field("id", &self.info.id)
            .finish()
    }
}

impl WorkloadEntry {
    /// The entry for a CPU workload type.
    pub fn cpu<W: CpuWorkload>() -> Self {
        WorkloadEntry {
            info: W::INFO,
            server: None,
            runs: W::RUNS,
            build: Tasks::<Cpu<W>>::build,
            exec: Tasks::<Cpu<W>>::executor,
        }
    }

    /// The entry for an IO workload type.
    pub fn io<W: crate::io::IoWorkload>() -> Self {
        WorkloadEntry {
            info: W::INFO,
            server: W::SERVER,
            runs: Runs::Anywhere,
            build: Tasks::<crate::io::Io<W>>::build,
            exec: Tasks::<crate::io::Io<W>>::executor,
        }
    }

    /// Resolves user-given parameters against this workload's specs.
    pub fn params(&self, given: &BTreeMap<String, String>) -> Result<Params, ParamError> {
        Params::resolve(self.info.id, self.info.params, given)
    }

    /// Builds the deterministic batch of `count` tasks for `seed`.
    pub fn batch(
        &self,
        params: &Params,
        count: usize,
        seed: u64,
    ) -> Result<Arc<dyn Batch>, ParamError> {
        (self.build)(params, count, seed)
    }

    /// The worker-side executor of encoded tasks for `params`.
    pub fn executor(&self, params: &Params) -> Result<Box<dyn TaskExec>, ParamError> {
        (self.exec)(params)
    }
}

/// A lookup failure, with the closest known id.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RegistryError {
    /// No workload has this id.
    #[error("unknown workload `{id}`{}; run `bakeoff list` to see them all", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        /// The id that was asked for.
        id: String,
        /// The closest registered id, if one is close.
        suggestion: Option<String>,
    },
    /// Two workloads were registered under one id.
    #[error("workload id `{0}` is registered twice; pick a unique id")]
    Duplicate(String),
}

/// The workloads a program can run, in registration order.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<WorkloadEntry>,
}

impl Registry {
    /// A registry with no workloads.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// Every built-in workload.
    pub fn builtin() -> Self {
        let mut r = Registry::empty();
        for e in crate::cpu::entries()
            .into_iter()
            .chain(crate::io::entries())
        {
            r.register(e).expect("built-in ids are unique");
        }
        r
    }

    /// Adds a workload; its id must be new.
    pub fn register(&mut self, entry: WorkloadEntry) -> Result<&mut Self, RegistryError> {
        if self.entries.iter().any(|e| e.info.id == entry.info.id) {
            return Err(RegistryError::Duplicate(entry.info.id.to_string()));
        }
        self.entries.push(entry);
        Ok(self)
    }

    /// Adds the CPU workload type `W`.
    pub fn register_cpu<W: CpuWorkload>(&mut self) -> Result<&mut Self, RegistryError> {
        self.register(WorkloadEntry::cpu::<W>())
    }

    /// Adds an IO workload type; its id must be new.
    pub fn register_io<W: crate::io::IoWorkload>(&mut self) -> Result<&mut Self, RegistryError> {
        self.register(WorkloadEntry::io::<W>())
    }

    /// Makes this the registry worker processes look workloads up in.
    /// The first call wins; later calls return `false` and change nothing.
    pub fn install(self) -> bool {
        INSTALLED.set(self).is_ok()
    }

    /// The installed registry, if a program installed one.
    pub fn installed() -> Option<&'static Registry> {
        INSTALLED.get()
    }

    /// The executor for `spec`, looked up in this registry.
    pub fn executor(&self, spec: &BatchSpec) -> Result<Box<dyn TaskExec>, String> {
        let entry = self.get(&spec.workload).map_err(|e| e.to_string())?;
        let params = entry.params(&spec.params).map_err(|e| e.to_string())?;
        entry.executor(&params).map_err(|e| e.to_string())
    }

    /// The workload with this id.
    pub fn get(&self, id: &str) -> Result<&WorkloadEntry, RegistryError> {
        self.entries
            .iter()
            .find(|e| e.info.id == id)
            .ok_or_else(|| RegistryError::Unknown {
                id: id.to_string(),
                suggestion: crate::closest(id, self.ids()).map(str::to_string),
            })
    }

    /// Every id, in registration order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.info.id)
    }

    /// Every entry, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &WorkloadEntry> {
        self.entries.iter()
    }
}

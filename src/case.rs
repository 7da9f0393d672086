//! A [`Case`]: one point of a sweep, and its stable id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything a case child needs to run one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Workload id.
    pub workload: String,
    /// Workload parameters, resolved (defaults included).
    pub workload_params: BTreeMap<String, String>,
    /// Runner id.
    pub runner: String,
    /// Runner parameters, resolved.
    pub runner_params: BTreeMap<String, String>,
    /// Workers, or `None` for runners that have no worker count.
    pub workers: Option<usize>,
    /// Tasks in flight at most (`None`: the whole batch at once).
    pub concurrency: Option<usize>,
    /// Tasks per batch.
    pub tasks: usize,
    /// Seed for the task list.
    pub seed: u64,
    /// Measured batches.
    pub reps: usize,
    /// Unmeasured warm-up batches.
    pub warmup: usize,
}

fn params(p: &BTreeMap<String, String>) -> String {
    if p.is_empty() {
        String::new()
    } else {
        format!("[{}]", bakeoff_reports::join_params(p, ","))
    }
}

impl Case {
    /// `workload[params]/runner[params]/w2/c-/t6`.
    pub fn id(&self) -> String {
        let opt = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        format!(
            "{}{}/{}{}/w{}/c{}/t{}",
            self.workload,
            params(&self.workload_params),
            self.runner,
            params(&self.runner_params),
            opt(self.workers),
            opt(self.concurrency),
            self.tasks
        )
    }

    /// What must compute the same digest: the workload, its parameters,
    /// the task count and the seed.
    pub fn work_key(&self) -> String {
        format!(
            "{}{}/t{}/s{}",
            self.workload,
            params(&self.workload_params),
            self.tasks,
            self.seed
        )
    }

    /// A short label for progress lines and tables.
    pub fn label(&self) -> String {
        let mut s = format!("{} × {}", self.workload, self.runner);
        if let Some(w) = self.workers {
            s += &format!(" w={w}");
        }
        if let Some(c) = self.concurrency {
            s += &format!(" c={c}");
        }
        if let Ok(kind) = bakeoff_runners::RunnerKind::from_id(&self.runner) {
            s += &kind.label_params(&self.runner_params);
        }
        s
    }
}

//! A [`Case`]: one point of a sweep, and its stable id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything a case child needs to run one case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// The time a repetition should last at least, in nanoseconds: the
    /// case child runs as many batches per repetition as that takes,
    /// timed from the warm-up (0: one batch per repetition).
    #[serde(default)]
    pub target_ns: u64,
    /// Batches per repetition decided elsewhere (by the other build's
    /// case child, in `compare --base BIN --new BIN`), instead of
    /// calibrating.
    #[serde(default)]
    pub batches: Option<u64>,
    /// When to stop repeating (the orchestrator's rule; the case child
    /// only measures what it is asked): `None` measures exactly `reps`,
    /// otherwise `reps` is the most.
    #[serde(default)]
    pub until: Option<Until>,
    /// Times the case child starts the runner: `starts - 1` extra starts,
    /// each stopped again, before the one that runs the batches; every
    /// start-up is recorded. Serde's default is 1, so a case written by an
    /// older orchestrator starts its runner once, as it did.
    #[serde(default = "one_start")]
    pub starts: usize,
}

/// A case's start count when it says none: the runner starts once.
fn one_start() -> usize {
    1
}

/// The stopping rule of a case: repeat until the median throughput is
/// known to within `precision`, at least `min_reps` times, and stop early
/// when `budget_ns` of repetitions is spent.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Until {
    /// Repetitions measured whatever the precision (6 is the fewest whose
    /// median has a 95 % order-statistic interval).
    pub min_reps: usize,
    /// The half-width of the median's 95 % interval over the median at
    /// which repeating stops (0.02 = ±2 %).
    pub precision: f64,
    /// Time the case's repetitions may take, in nanoseconds; once spent,
    /// repeating stops after `min_reps`. A hard stop at three times it
    /// ends cases whose repetitions are long, after at least 3.
    pub budget_ns: u64,
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

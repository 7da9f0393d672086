//! From what the user asked for (a [`Sweep`]) to the validated list of
//! [`Case`]s that will run (a [`Plan`]).
//!
//! Every comma list is an axis; the plan is their product, minus points
//! that would repeat a case (a runner with no worker count is run once,
//! not once per `workers` value). Every workload configuration gets a
//! `seq` case, run first: it is the reference digest and the base of the
//! speed-up.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use bakeoff_runners::RunnerKind;
use bakeoff_workloads::Registry;

use crate::Case;

/// The axes of one sweep. Empty `workers`, `tasks` or `concurrency` mean
/// the default (available cores, the workload's default, whole batch).
#[derive(Clone, Debug, Default)]
pub struct Sweep {
    /// Workload ids.
    pub workloads: Vec<String>,
    /// Runner ids; `all` stands for every runner.
    pub runners: Vec<String>,
    /// Worker counts.
    pub workers: Vec<usize>,
    /// Tasks per batch.
    pub tasks: Vec<usize>,
    /// Tasks in flight.
    pub concurrency: Vec<usize>,
    /// Workload or runner parameters, each with one or more values.
    pub set: BTreeMap<String, Vec<String>>,
    /// Runner starts per case for this sweep's cases, over the plan's
    /// `starts` (a suite's `[[sweep]]` key; `--starts` clears it). A case
    /// two sweeps produce is run once, with the first sweep's value.
    pub starts: Option<usize>,
}

/// Repetition settings shared by every case of a plan.
#[derive(Clone, Copy, Debug)]
pub struct Repeat {
    /// Measured repetitions per case: exactly these when `until` is
    /// `None`, else the most.
    pub reps: usize,
    /// Warm-up batches per case.
    pub warmup: usize,
    /// Seed for task lists.
    pub seed: u64,
    /// The time a repetition should last at least; batches per repetition
    /// are calibrated to it (zero: one batch per repetition).
    pub target: std::time::Duration,
    /// When to stop repeating before `reps`; `None`: a fixed count.
    pub until: Option<crate::case::Until>,
    /// Times each case starts its runner (`starts`, `--starts`): the
    /// extra starts, each stopped again, come before the one that runs
    /// the batches, so that start-up has a median and an interval.
    pub starts: usize,
}

impl Repeat {
    /// Repetitions of a case when nothing else is said: up to 30.
    pub const MAX_REPS: usize = 30;
    /// The fewest repetitions of a case under a stopping rule: 6, the
    /// fewest whose median has a 95 % order-statistic interval.
    pub const MIN_REPS: usize = 6;
    /// The precision a case is repeated to when nothing else is said:
    /// its median throughput known to ±2 %.
    pub const PRECISION: f64 = 0.02;
    /// The time a case's repetitions may take when nothing else is said.
    pub const BUDGET: std::time::Duration = std::time::Duration::from_secs(3);
    /// The time a repetition should last when nothing else is said.
    pub const TARGET: std::time::Duration = std::time::Duration::from_millis(100);

    /// Calibrated repetitions, repeated until the median is known to
    /// ±2 % (6 to 30 of them, within 3 s a case), with one warm-up batch.
    pub fn adaptive(seed: u64) -> Repeat {
        Repeat {
            reps: Repeat::MAX_REPS,
            warmup: 1,
            seed,
            target: Repeat::TARGET,
            until: Some(crate::case::Until {
                min_reps: Repeat::MIN_REPS,
                precision: Repeat::PRECISION,
                budget_ns: Repeat::BUDGET.as_nanos() as u64,
            }),
            starts: 1,
        }
    }

    /// Calibration times the warm-up: with a target, at least one
    /// warm-up batch (the record then says so).
    fn calibrating(mut self) -> Repeat {
        if !self.target.is_zero() {
            self.warmup = self.warmup.max(1);
        }
        self
    }

    /// Exactly `reps` repetitions of one batch each (no calibration).
    pub fn fixed(reps: usize, warmup: usize, seed: u64) -> Repeat {
        Repeat {
            reps,
            warmup,
            seed,
            target: std::time::Duration::ZERO,
            until: None,
            starts: 1,
        }
    }
}

/// What a suite file or the command line says about repetitions, each
/// `None` where it says nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct RepeatSettings {
    /// A fixed count (`reps`, `--reps`): no stopping rule.
    pub reps: Option<usize>,
    /// Warm-up batches.
    pub warmup: Option<usize>,
    /// Seed.
    pub seed: Option<u64>,
    /// Calibration target per repetition (`rep_time`, `--rep-time`).
    pub target: Option<std::time::Duration>,
    /// Stopping precision (`precision`, `--precision`).
    pub precision: Option<f64>,
    /// Per-case budget (`budget`, `--budget`).
    pub budget: Option<std::time::Duration>,
    /// Fewest repetitions (`min_reps`, `--min-reps`).
    pub min_reps: Option<usize>,
    /// Most repetitions (`max_reps`, `--max-reps`).
    pub max_reps: Option<usize>,
    /// Runner starts per case (`starts`, `--starts`).
    pub starts: Option<usize>,
}

impl RepeatSettings {
    /// `self` where it says something, else `base`.
    pub fn over(self, base: RepeatSettings) -> RepeatSettings {
        RepeatSettings {
            reps: self.reps.or(base.reps),
            warmup: self.warmup.or(base.warmup),
            seed: self.seed.or(base.seed),
            target: self.target.or(base.target),
            precision: self.precision.or(base.precision),
            budget: self.budget.or(base.budget),
            min_reps: self.min_reps.or(base.min_reps),
            max_reps: self.max_reps.or(base.max_reps),
            starts: self.starts.or(base.starts),
        }
    }

    /// The settings, with defaults for what is unsaid: a fixed `reps`
    /// gives exactly that many one-batch repetitions unless a `rep_time` is
    /// also given; otherwise [`Repeat::adaptive`] with what is set.
    pub fn resolve(self) -> Result<Repeat> {
        let seed = self.seed.unwrap_or(crate::DEFAULT_SEED);
        if let Some(p) = self
            .precision
            .filter(|p| !(p.is_finite() && *p > 0.0 && *p < 1.0))
        {
            bail!("--precision {p} is invalid: give the half-width of the median's interval as a fraction between 0 and 1, e.g. 0.02 for ±2 %");
        }
        if self.min_reps == Some(0) || self.max_reps == Some(0) {
            bail!("--min-reps and --max-reps must be at least 1");
        }
        if self.starts == Some(0) {
            bail!("--starts 0 is invalid: a case starts its runner at least once (1, the default, measures one start-up)");
        }
        let starts = self.starts.unwrap_or(1);
        if let Some(reps) = self.reps {
            if reps == 0 {
                bail!("--reps 0 is invalid: measure at least 1 repetition");
            }
            let mut r = Repeat::fixed(reps, self.warmup.unwrap_or(1), seed);
            r.target = self.target.unwrap_or_default();
            r.starts = starts;
            return Ok(r.calibrating());
        }
        if let (Some(min), Some(max)) = (self.min_reps, self.max_reps) {
            if min > max {
                bail!("--min-reps {min} is more than --max-reps {max}: give a range, e.g. --min-reps 6 --max-reps 30");
            }
        }
        let mut r = Repeat::adaptive(seed);
        r.starts = starts;
        r.warmup = self.warmup.unwrap_or(r.warmup);
        r.target = self.target.unwrap_or(r.target);
        r.reps = self.max_reps.unwrap_or(r.reps);
        if let Some(until) = r.until.as_mut() {
            until.min_reps = self.min_reps.unwrap_or(until.min_reps).min(r.reps);
            until.precision = self.precision.unwrap_or(until.precision);
            until.budget_ns = self.budget.map_or(until.budget_ns, |b| b.as_nanos() as u64);
        }
        Ok(r)
    }
}

/// The validated, ordered cases of a run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Suite name, or `ad-hoc`.
    pub name: String,
    /// Cases in run order (each `seq` reference before the cases it checks).
    pub cases: Vec<Case>,
}

/// Available cores (the default worker count).
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Every combination of the values in `axes`, as key → value maps.
fn product(axes: &[(&String, &Vec<String>)]) -> Vec<BTreeMap<String, String>> {
    let mut out = vec![BTreeMap::new()];
    for (key, values) in axes {
        out = out
            .into_iter()
            .flat_map(|m| {
                values.iter().map(move |v| {
                    let mut m = m.clone();
                    m.insert((*key).clone(), v.clone());
                    m
                })
            })
            .collect();
    }
    out
}

/// The task, worker and concurrency points of one workload and runner
/// configuration, in plan order (tasks outermost, concurrency innermost).
fn points<'a>(
    tasks: &'a [usize],
    workers: &'a [usize],
    concurrency: &'a [Option<usize>],
) -> impl Iterator<Item = (usize, usize, Option<usize>)> + 'a {
    tasks.iter().flat_map(move |&t| {
        workers
            .iter()
            .flat_map(move |&w| concurrency.iter().map(move |&c| (t, w, c)))
    })
}

/// The runners a sweep names (`all`, or none, for every runner).
fn runners_of(sweep: &Sweep) -> Result<Vec<RunnerKind>> {
    let cpython = |k: &RunnerKind| k.family() == bakeoff_runners::Family::Cpython;
    let mut runners = Vec::new();
    for r in &sweep.runners {
        match r.as_str() {
            "all" => runners.extend(RunnerKind::all()),
            // Rust's runners, or CPython's: the course's loops take
            // seconds in the interpreter where they take milliseconds in
            // Rust, so a suite sizes the two apart.
            "rust" => runners.extend(RunnerKind::all().filter(|k| !cpython(k))),
            "cpython" => runners.extend(RunnerKind::all().filter(cpython)),
            _ => runners.push(RunnerKind::from_id(r)?),
        }
    }
    if runners.is_empty() {
        runners.extend(RunnerKind::all());
    }
    Ok(runners)
}

/// Refuses zero workers, tasks or concurrency, and batches that cannot fit
/// in memory.
fn check_counts(sweep: &Sweep) -> Result<()> {
    for &w in &sweep.workers {
        if w == 0 {
            bail!("workers=0 is invalid: a model needs at least 1 worker (try --workers 1,2)");
        }
    }
    for &t in &sweep.tasks {
        if t == 0 {
            bail!("tasks=0 is invalid: a batch needs at least 1 task (try --tasks 100)");
        }
        batch_fits(t)?;
    }
    for &c in &sweep.concurrency {
        if c == 0 {
            bail!("concurrency=0 is invalid: at least 1 task must be in flight");
        }
    }
    Ok(())
}

/// Every --set key must mean something to a chosen workload or runner.
fn check_set_keys(
    sweep: &Sweep,
    entries: &[&bakeoff_workloads::WorkloadEntry],
    runners: &[RunnerKind],
) -> Result<()> {
    for key in sweep.set.keys() {
        let known = entries
            .iter()
            .any(|e| e.info.params.iter().any(|p| p.name == key))
            || runners
                .iter()
                .any(|r| r.info().params.iter().any(|p| p.name == key));
        if !known {
            let mut accepted: Vec<&str> = entries
                .iter()
                .flat_map(|e| e.info.params.iter().map(|p| p.name))
                .collect();
            accepted.extend(
                runners
                    .iter()
                    .flat_map(|r| r.info().params.iter().map(|p| p.name)),
            );
            accepted.sort();
            accepted.dedup();
            let hint = bakeoff_workloads::closest(key, accepted.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            bail!(
                "parameter `{key}` is not accepted by the chosen workloads or runners{hint}; they accept: {}",
                if accepted.is_empty() { "none".to_string() } else { accepted.join(", ") }
            );
        }
    }
    Ok(())
}

/// The `--set` axes among `params` (a workload's or a runner's).
fn set_axes<'a>(
    sweep: &'a Sweep,
    params: &[bakeoff_workloads::ParamSpec],
) -> Vec<(&'a String, &'a Vec<String>)> {
    sweep
        .set
        .iter()
        .filter(|(k, _)| params.iter().any(|p| p.name == *k))
        .collect()
}

/// Appends the cases of `sweep` to `cases` in plan order, skipping any
/// whose id `seen` holds already.
fn sweep_cases(
    sweep: &Sweep,
    registry: &Registry,
    repeat: Repeat,
    cases: &mut Vec<Case>,
    seen: &mut BTreeSet<String>,
) -> Result<()> {
    if sweep.workloads.is_empty() {
        bail!("no workload given: name one with --workload (see `bakeoff list`)");
    }
    let runners = runners_of(sweep)?;
    check_counts(sweep)?;
    let entries = sweep
        .workloads
        .iter()
        .map(|w| registry.get(w))
        .collect::<Result<Vec<_>, _>>()?;
    check_set_keys(sweep, &entries, &runners)?;
    let workers = if sweep.workers.is_empty() {
        vec![default_workers()]
    } else {
        sweep.workers.clone()
    };
    let concurrency: Vec<Option<usize>> = if sweep.concurrency.is_empty() {
        vec![None]
    } else {
        sweep.concurrency.iter().map(|c| Some(*c)).collect()
    };
    for entry in &entries {
        let tasks = if sweep.tasks.is_empty() {
            vec![entry.info.default_tasks]
        } else {
            sweep.tasks.clone()
        };
        for wp in product(&set_axes(sweep, entry.info.params)) {
            let workload_params = entry.params(&wp)?;
            // Parse once here so bad values fail before anything runs.
            entry.batch(&workload_params, 1, repeat.seed)?;
            for &kind in &runners {
                if let Some(why) = kind.refuses(entry) {
                    bail!("{why}");
                }
                for rp in product(&set_axes(sweep, kind.info().params)) {
                    let runner_params = kind.params(&rp)?;
                    kind.start_check(&runner_params)?;
                    for (t, w, c) in points(&tasks, &workers, &concurrency) {
                        let case = Case {
                            workload: entry.info.id.to_string(),
                            workload_params: workload_params.values().clone(),
                            runner: kind.id().to_string(),
                            runner_params: runner_params.values().clone(),
                            workers: kind.uses_workers(&runner_params).then_some(w),
                            concurrency: c.filter(|_| kind.uses_concurrency()),
                            tasks: t,
                            seed: repeat.seed,
                            reps: repeat.reps,
                            warmup: repeat.warmup,
                            target_ns: repeat.target.as_nanos() as u64,
                            batches: None,
                            until: repeat.until,
                            starts: sweep.starts.unwrap_or(repeat.starts),
                        };
                        if seen.insert(case.id()) {
                            cases.push(case);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// `cases` grouped by workload configuration, in order of first
/// appearance, each CPU group led by its `seq` reference (added when the
/// sweep named none).
fn seq_first(registry: &Registry, cases: &[Case]) -> Result<Vec<Case>> {
    let mut ordered: Vec<Case> = Vec::with_capacity(cases.len());
    let mut keys: Vec<String> = Vec::new();
    for c in cases {
        if !keys.contains(&c.work_key()) {
            keys.push(c.work_key());
        }
    }
    for key in keys {
        let group: Vec<&Case> = cases.iter().filter(|c| c.work_key() == key).collect();
        // IO workloads are checked against the digest they declare
        // (`IoWorkload::expected`); no seq run is added for them.
        if registry.get(&group[0].workload)?.info.kind == bakeoff_workloads::Kind::Io {
            ordered.extend(group.into_iter().cloned());
            continue;
        }
        let reference = RunnerKind::reference().id();
        let seq = match group.iter().find(|c| c.runner == reference) {
            Some(c) => (*c).clone(),
            None => Case {
                runner: reference.into(),
                runner_params: BTreeMap::new(),
                workers: None,
                concurrency: None,
                ..group[0].clone()
            },
        };
        let seq_id = seq.id();
        ordered.push(seq);
        ordered.extend(group.into_iter().filter(|c| c.id() != seq_id).cloned());
    }
    Ok(ordered)
}

impl Plan {
    /// Builds and validates the cases of `sweeps`.
    pub fn build(
        name: &str,
        registry: &Registry,
        sweeps: &[Sweep],
        repeat: Repeat,
    ) -> Result<Plan> {
        if repeat.reps == 0 {
            bail!("--reps 0 is invalid: measure at least 1 repetition");
        }
        if repeat.starts == 0 {
            bail!("--starts 0 is invalid: a case starts its runner at least once (1, the default, measures one start-up)");
        }
        let mut cases: Vec<Case> = Vec::new();
        let mut seen = BTreeSet::new();
        for sweep in sweeps {
            sweep_cases(sweep, registry, repeat, &mut cases, &mut seen)?;
        }
        // A seq reference for every workload configuration, run first.
        Ok(Plan {
            name: name.to_string(),
            cases: seq_first(registry, &cases)?,
        })
    }
}

/// What a plan costs at the least, known before anything runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// Measured repetitions in all.
    pub repetitions: u64,
    /// Batches in all, warm-ups included.
    pub batches: u64,
    /// Runner start-ups in all: `starts` per case.
    pub startups: u64,
    /// About how large `results.json` grows.
    pub results_bytes: u64,
    /// Time the harness itself spends at the least, whatever the work
    /// takes: a process per case and the measuring around each batch.
    pub min_time: std::time::Duration,
}

/// Bytes one repetition adds to `results.json` (pretty-printed), about.
pub const REPETITION_JSON_BYTES: u64 = 700;
/// Bytes one case adds to `results.json` beside its repetitions, about.
pub const CASE_JSON_BYTES: u64 = 2_000;
/// Time the harness spends around one batch at the least (the memory
/// sampler, rusage, the histograms), whatever the batch does.
pub const MIN_BATCH_OVERHEAD: std::time::Duration = std::time::Duration::from_millis(2);
/// Time to start, hand a case to, and reap a case process, at the least.
pub const MIN_CASE_OVERHEAD: std::time::Duration = std::time::Duration::from_millis(10);

impl Estimate {
    /// Whether the plan is large enough to warn about before it runs.
    pub fn is_large(&self) -> bool {
        self.results_bytes > 32 << 20 || self.min_time > std::time::Duration::from_secs(600)
    }
}

impl Plan {
    /// What running this plan costs at the least.
    pub fn estimate(&self) -> Estimate {
        // The fewest repetitions each case may stop at.
        let reps = |c: &Case| c.until.map_or(c.reps, |u| u.min_reps.min(c.reps)) as u64;
        let repetitions: u64 = self.cases.iter().map(reps).sum();
        let batches: u64 = self.cases.iter().map(|c| reps(c) + c.warmup as u64).sum();
        let cases = self.cases.len() as u32;
        Estimate {
            repetitions,
            batches,
            startups: self.cases.iter().map(|c| c.starts as u64).sum(),
            results_bytes: repetitions * REPETITION_JSON_BYTES + cases as u64 * CASE_JSON_BYTES,
            min_time: MIN_CASE_OVERHEAD * cases
                + MIN_BATCH_OVERHEAD * u32::try_from(batches).unwrap_or(u32::MAX),
        }
    }
}

/// Memory one task of a batch needs at the least, whatever its workload:
/// its timing slot and submit time in the [`Job`](bakeoff_runners::Job),
/// the record read back from them, and the task itself (a 64-bit id or
/// number for the smallest workloads).
pub const MIN_BYTES_PER_TASK: u64 = bakeoff_runners::Job::BYTES_PER_TASK as u64 + 8;

/// Refuses a task count whose batch cannot fit in the memory available:
/// without this, `--tasks 1000000000000` started case after case that
/// died in a failed allocation.
fn batch_fits(tasks: usize) -> Result<()> {
    let needed = (tasks as u64).saturating_mul(MIN_BYTES_PER_TASK);
    match bakeoff_os::meminfo(bakeoff_os::MemField::Available) {
        Some(available) if needed > available => bail!(
            "tasks={tasks} needs at least {} for one batch ({MIN_BYTES_PER_TASK} bytes per task: its timing slot, submit time and record, and the task itself), and {} of memory is available; lower --tasks",
            bakeoff_reports::format::bytes(needed as f64),
            bakeoff_reports::format::bytes(available as f64)
        ),
        _ => Ok(()),
    }
}

/// Parameter checks a runner kind can do before anything runs. (A runner
/// this machine cannot run is not a bad plan: its cases are recorded as
/// skipped, with the reason, when the run reaches them.)
trait StartCheck {
    fn start_check(self, params: &bakeoff_workloads::Params) -> Result<()>;
}

impl StartCheck for RunnerKind {
    fn start_check(self, params: &bakeoff_workloads::Params) -> Result<()> {
        Ok(self.check_params(params)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_suite_plans_each_case_once_with_its_seq_reference_first() {
        let suite = crate::suite::Suite::load("quick").unwrap();
        let sweeps: Vec<Sweep> = suite.sweeps.iter().map(|(_, s)| s.clone()).collect();
        let registry = Registry::builtin();
        let plan = Plan::build(
            "quick",
            &registry,
            &sweeps,
            suite.repeat(Default::default()).unwrap(),
        )
        .unwrap();
        assert!(!plan.cases.is_empty());
        let ids: BTreeSet<String> = plan.cases.iter().map(Case::id).collect();
        assert_eq!(ids.len(), plan.cases.len(), "a case is planned twice");
        // The same sweeps give the same plan, in the same order.
        let again = Plan::build(
            "quick",
            &registry,
            &sweeps,
            suite.repeat(Default::default()).unwrap(),
        )
        .unwrap();
        let order = |p: &Plan| p.cases.iter().map(Case::id).collect::<Vec<_>>();
        assert_eq!(order(&plan), order(&again));
        // Each CPU configuration starts with its seq case, and its cases
        // follow it without another configuration in between.
        let mut seen_keys: Vec<String> = Vec::new();
        for (i, case) in plan.cases.iter().enumerate() {
            let key = case.work_key();
            let is_io =
                registry.get(&case.workload).unwrap().info.kind == bakeoff_workloads::Kind::Io;
            if seen_keys.last() != Some(&key) {
                assert!(!seen_keys.contains(&key), "{key} is split");
                if !is_io {
                    assert_eq!(case.runner, "seq", "case {i} ({}) leads {key}", case.id());
                }
                seen_keys.push(key);
            }
            if case.runner == "seq" {
                assert_eq!((case.workers, case.concurrency), (None, None));
            }
        }
    }

    #[test]
    fn a_one_task_at_a_time_workload_is_refused_by_every_other_runner() {
        let registry = Registry::builtin();
        let plan = |runners: &[&str]| {
            let sweep = Sweep {
                workloads: vec!["shared-counter".into()],
                runners: runners.iter().map(|r| r.to_string()).collect(),
                ..Default::default()
            };
            Plan::build("t", &registry, &[sweep], Repeat::fixed(1, 0, 1))
        };
        let ok = plan(&["seq", "py-seq"]).unwrap();
        let runners: Vec<&str> = ok.cases.iter().map(|c| c.runner.as_str()).collect();
        assert_eq!(runners, ["seq", "py-seq"]);
        for (runners, refused) in [
            (&["seq", "thread-pool"][..], "thread-pool"),
            (&["py-fork"][..], "py-fork"),
            (&["all"][..], "thread-per-task"),
        ] {
            let err = plan(runners).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("runner `{refused}` cannot run workload `shared-counter`: each task starts its own processes (CPython's Pool workers may not have children), so it runs one task at a time, under seq or py-seq only; name those (--runner seq,py-seq)")
            );
        }
    }

    #[test]
    fn points_run_tasks_outermost_and_concurrency_innermost() {
        let got: Vec<_> = points(&[1, 2], &[3], &[None, Some(4)]).collect();
        assert_eq!(
            got,
            [(1, 3, None), (1, 3, Some(4)), (2, 3, None), (2, 3, Some(4))]
        );
    }
}

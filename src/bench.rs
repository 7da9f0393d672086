//! Bench your own workload under every runner, with criterion or any other
//! timing harness, in a few lines.
//!
//! The one key design decision: **the helper owns the runners, the caller
//! owns the clock's harness**. [`Runners::for_each`] starts each runner
//! once, hands it to your closure as a [`RunnerBench`] whose
//! [`time`](RunnerBench::time) runs and times `n` batches (criterion's
//! `iter_custom` shape), checks every timed sample's last batch against
//! the `seq` reference outside the clock, and stops the runner afterwards.
//! bakeoff therefore does not depend on criterion, and works with whichever
//! criterion version (or divan, or a hand-made loop) the bench uses.
//!
//! ```no_run
//! // benches/primes.rs, with `[[bench]] name = "primes"` and `harness = false`
//! use bakeoff::bench::Runners;
//! use bakeoff::workloads::Registry;
//! use criterion::Criterion;
//!
//! fn main() {
//!     let registry = Registry::builtin(); // or your own, after register_cpu
//!     if let Some(code) = bakeoff::child_entry(&registry) { std::process::exit(code); }
//!     let mut c = Criterion::default().configure_from_args();
//!     let mut g = c.benchmark_group("primes");
//!     Runners::new(&registry, "primes").params([("numbers", "1000003:999999")]).tasks(8).workers(2)
//!         .for_each(|run| { g.bench_function(run.id(), |b| b.iter_custom(|n| run.time(n))); });
//! }
//! ```
//!
//! The same example, and the criterion features that keep it from
//! panicking on plots, are in `docs/BENCHES.md` ("Benching your own
//! workload").
//!
//! # What it does for you
//!
//! - Process pools: [`Runners::new`] prepares the `fork-pool` helper (see
//!   [`prepare_fork_helper`]) while the program is still single-threaded,
//!   so create the first `Runners` before criterion runs any bench. The
//!   `spawn-pool` and `forkserver-pool` re-execute the bench binary, which
//!   is why `main` must call [`child_entry`](crate::child_entry) first.
//! - A runner is started on the first call of [`RunnerBench::time`] (or
//!   [`RunnerBench::start`]), outside the clock, and reused for every
//!   sample; a bench that the command line filters out (`--list`, a name
//!   filter, `--exact`) never calls it, so it starts and checks nothing.
//! - The `seq` reference is computed once per workload, outside the clock,
//!   when the first runner first runs.
//!
//! Everything runs in the bench's own process, unlike `bakeoff run`: in
//! particular async-std sizes its global executor from
//! `ASYNC_STD_THREAD_COUNT` once, at first use, so the `async-std` rows use
//! its default (one thread per core) unless that variable is exported
//! before `cargo bench`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bakeoff_runners::process::prepare_fork_helper;
use bakeoff_runners::{Job, Runner, RunnerConfig, RunnerKind};
use bakeoff_workloads::{Batch, BatchDigest, Registry};

/// One workload, set up to be benched under several runners.
///
/// Built with [`Runners::new`] and the setters below; consumed by
/// [`Runners::for_each`]. Invalid ids or parameters panic there, with a
/// message naming the workload or runner and the fix.
pub struct Runners<'r> {
    registry: &'r Registry,
    workload: String,
    params: BTreeMap<String, String>,
    tasks: Option<usize>,
    workers: usize,
    concurrency: Option<usize>,
    seed: u64,
    kinds: Vec<RunnerKind>,
}

impl<'r> Runners<'r> {
    /// The workload `id` of `registry`, under every runner
    /// ([`RunnerKind::all`]), with its default parameters and task count,
    /// one worker per core.
    ///
    /// Also prepares the `fork-pool` helper, which must be forked while
    /// the process is single-threaded: call this before criterion runs
    /// its first bench. If the process already runs other threads, this
    /// step is skipped and starting `fork-pool` later fails, saying why.
    pub fn new(registry: &'r Registry, id: &str) -> Self {
        // Idempotent; an error here (other threads already running) comes
        // back, with its fix, from the fork-pool's own start.
        let _ = prepare_fork_helper(registry);
        Runners {
            registry,
            workload: id.to_string(),
            params: BTreeMap::new(),
            tasks: None,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            concurrency: None,
            seed: crate::DEFAULT_SEED,
            kinds: RunnerKind::all().collect(),
        }
    }

    /// Sets workload parameters (the others keep their defaults).
    pub fn params<K, V>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.params
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Tasks per batch (default: the workload's `default_tasks`).
    pub fn tasks(mut self, tasks: usize) -> Self {
        self.tasks = Some(tasks);
        self
    }

    /// Worker threads (or processes) each runner may use (default: the
    /// available cores).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Tasks in flight at most (default: the whole batch).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = Some(concurrency);
        self
    }

    /// The seed the task list is built from (default:
    /// [`DEFAULT_SEED`](crate::DEFAULT_SEED)).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The runners to bench, by id, in this order (default: all).
    ///
    /// # Panics
    ///
    /// If an id names no runner (the message suggests the closest one).
    pub fn runners<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        self.kinds = ids
            .into_iter()
            .map(|id| RunnerKind::from_id(id).unwrap_or_else(|e| panic!("bakeoff::bench: {e}")))
            .collect();
        self
    }

    /// Calls `bench` once per runner, in order, with that runner ready to
    /// be timed; after `bench` returns, stops the runner (if it started)
    /// and checks the last batch it ran, if one is still unchecked.
    ///
    /// # Panics
    ///
    /// If the workload or a parameter is unknown, if a runner may not run
    /// the workload ([`RunnerKind::refuses`]), if a runner cannot start,
    /// run or stop, or if a batch's digest differs from `seq`'s; each
    /// message names the workload and the runner.
    pub fn for_each(self, mut bench: impl FnMut(&mut RunnerBench<'_>)) {
        let workload = self.workload.as_str();
        let entry = self
            .registry
            .get(workload)
            .unwrap_or_else(|e| panic!("bakeoff::bench: {e}"));
        let params = entry
            .params(&self.params)
            .unwrap_or_else(|e| panic!("bakeoff::bench: {workload}: {e}"));
        let tasks = self.tasks.unwrap_or(entry.info.default_tasks);
        let batch = entry
            .batch(&params, tasks, self.seed)
            .unwrap_or_else(|e| panic!("bakeoff::bench: {workload}: {e}"));
        let config = |kind: RunnerKind| RunnerConfig {
            workers: self.workers,
            concurrency: self.concurrency,
            // Each runner's own parameters at their defaults (cpu=inline,
            // chunksize 1, ...).
            params: kind
                .params(&BTreeMap::new())
                .unwrap_or_else(|e| panic!("bakeoff::bench: {}: {e}", kind.id())),
        };
        if let Some(why) = self.kinds.iter().find_map(|k| k.refuses(entry)) {
            panic!("bakeoff::bench: {why}");
        }
        let mut reference = None;
        for &kind in &self.kinds {
            let mut run = RunnerBench {
                kind,
                config: config(kind),
                seq_config: config(RunnerKind::reference()),
                workload,
                batch: &batch,
                reference: &mut reference,
                runner: None,
                last: None,
                checked: 0,
            };
            bench(&mut run);
            run.finish();
        }
    }
}

/// One runner with one workload's batch, as [`Runners::for_each`] hands it
/// to the timing harness.
pub struct RunnerBench<'a> {
    kind: RunnerKind,
    config: RunnerConfig,
    seq_config: RunnerConfig,
    workload: &'a str,
    batch: &'a Arc<dyn Batch>,
    /// The `seq` digest, shared by every runner of the workload; computed
    /// when first needed.
    reference: &'a mut Option<BatchDigest>,
    runner: Option<Box<dyn Runner>>,
    /// The last batch run and not yet checked.
    last: Option<Arc<Job>>,
    checked: u64,
}

impl RunnerBench<'_> {
    /// The runner's id (`rayon`, `fork-pool`, ...): a natural bench name.
    pub fn id(&self) -> &'static str {
        self.kind.id()
    }

    /// The runner this is.
    pub fn kind(&self) -> RunnerKind {
        self.kind
    }

    /// Tasks per batch: what criterion's `Throughput::Elements` counts.
    pub fn tasks(&self) -> usize {
        self.batch.len()
    }

    /// How many batches have had their digest checked against `seq`.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Starts the runner and computes the `seq` reference, if not done
    /// yet. [`time`](Self::time) calls it before starting its clock; call
    /// it yourself before timing [`run_batch`](Self::run_batch).
    pub fn start(&mut self) {
        if self.reference.is_none() {
            let mut seq = start(RunnerKind::reference(), &self.seq_config);
            let job = run_once(seq.as_mut(), self.batch, self.workload, "seq");
            stop(seq, self.workload, "seq");
            *self.reference = Some(digest_of(&job, self.workload, "seq"));
        }
        if self.runner.is_none() {
            self.runner = Some(start(self.kind, &self.config));
        }
    }

    /// Runs `batches` batches back to back and returns the time they took
    /// (the shape of criterion's `iter_custom`); then, outside that time,
    /// checks the last one's digest against `seq`.
    ///
    /// # Panics
    ///
    /// If the runner fails or the digest differs, naming runner and
    /// workload.
    pub fn time(&mut self, batches: u64) -> Duration {
        self.start();
        let t = Instant::now();
        for _ in 0..batches {
            // Replacing `last` drops the previous job here, as a job local
            // to the loop would be dropped: the same cost either way.
            self.run_batch();
        }
        let elapsed = t.elapsed();
        self.check_last();
        elapsed
    }

    /// Runs one batch, to be timed by the caller (criterion's `iter`,
    /// divan's `bench`); its digest is checked after the caller's closure
    /// returns. Starts the runner first if [`start`](Self::start) was not
    /// called, which a harness then times once.
    pub fn run_batch(&mut self) {
        if self.runner.is_none() {
            self.start();
        }
        let runner = self.runner.as_mut().expect("started above");
        self.last = Some(run_once(
            runner.as_mut(),
            self.batch,
            self.workload,
            self.kind.id(),
        ));
    }

    /// Checks the last batch run, if not checked yet.
    fn check_last(&mut self) {
        let Some(job) = self.last.take() else {
            return;
        };
        let runner = self.kind.id();
        let got = digest_of(&job, self.workload, runner);
        let want = self.reference.expect("the reference is computed on start");
        assert!(
            got == want,
            "bakeoff::bench: `{}` under `{runner}` computed digest {got}, but `seq` computed {want}: \
             the runner (or the workload's determinism) is broken",
            self.workload
        );
        self.checked += 1;
    }

    /// Stops the runner (if it started), then checks any unchecked batch.
    fn finish(mut self) {
        if let Some(runner) = self.runner.take() {
            stop(runner, self.workload, self.kind.id());
        }
        self.check_last();
    }
}

fn start(kind: RunnerKind, config: &RunnerConfig) -> Box<dyn Runner> {
    kind.start(config)
        .unwrap_or_else(|e| panic!("bakeoff::bench: cannot start `{}`: {e}", kind.id()))
}

fn stop(runner: Box<dyn Runner>, workload: &str, id: &str) {
    runner
        .stop()
        .unwrap_or_else(|e| panic!("bakeoff::bench: `{workload}`: cannot stop `{id}`: {e}"));
}

/// Runs one batch through `runner` and returns the finished job.
fn run_once(runner: &mut dyn Runner, batch: &Arc<dyn Batch>, workload: &str, id: &str) -> Arc<Job> {
    let job = Job::new(Arc::clone(batch));
    if let Err(e) = runner.run(&job) {
        panic!("bakeoff::bench: `{workload}` under `{id}`: {e}");
    }
    job
}

/// The job's digest, or a panic saying why it has none.
fn digest_of(job: &Job, workload: &str, runner: &str) -> BatchDigest {
    if let Some((i, reason)) = job.failure() {
        panic!("bakeoff::bench: `{workload}` under `{runner}`: task {i} {reason}");
    }
    job.digest().unwrap_or_else(|missing| {
        panic!("bakeoff::bench: `{workload}` under `{runner}`: {missing} task(s) never finished")
    })
}

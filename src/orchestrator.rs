//! Runs a [`Plan`]: one child process per case, with a timeout, Ctrl-C
//! handling, progress, verification against the `seq` reference, and the
//! results file rewritten atomically after every case.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bakeoff_reports::{
    CaseRecord, CaseStatus, Environment, Failure, Interference, Nanos, Repetition, Results,
    ServerUsage, Stat, StopReason, Stopping, Summary, Verification, SCHEMA,
};
use bakeoff_runners::RunnerKind;
use bakeoff_workloads::protocol::ServerKind;
use bakeoff_workloads::Registry;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::child::Ready;
use crate::drive::{lock, CaseChild, Stop};
use crate::reference::References;
use crate::{output, Case, Plan};

/// How a run behaves, beyond its cases.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// `--out DIR`; `None` makes a new `target/bakeoff/runs/<timestamp>`.
    pub out: Option<PathBuf>,
    /// A case running longer than this is killed and recorded as failed.
    pub case_timeout: Duration,
    /// Show a progress bar / progress lines.
    pub progress: bool,
    /// `--force`: replace the results an `out` directory already holds
    /// (otherwise such a directory is refused).
    pub force: bool,
    /// `--wait-quiet`: before each case, wait at most this long for the
    /// machine to be quiet.
    pub wait_quiet: Option<Duration>,
}

/// A finished (or interrupted) run.
pub struct RunOutcome {
    /// Everything measured.
    pub results: Results,
    /// The directory results were written to.
    pub dir: PathBuf,
    /// The report's `index.html`, once it is written (`None` until then,
    /// or when no report was asked for or it could not be written).
    pub report: Option<PathBuf>,
}

/// The signal that stopped the run (SIGINT, SIGTERM or SIGHUP), 0 while
/// none has arrived. Shared with the handlers, which only store into it.
fn interrupt_flag() -> &'static Arc<AtomicUsize> {
    static FLAG: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicUsize::new(0));
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // Only an invalid or forbidden signal fails; these are neither.
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&flag), sig as usize);
        }
        flag
    })
}

/// Installs the handlers once: they only record the signal, which the
/// orchestrator checks while it waits for a case.
fn install_interrupt_handler() {
    interrupt_flag();
}

/// Whether a signal stopped the last run.
pub fn was_interrupted() -> bool {
    interrupted_by().is_some()
}

/// The signal that stopped the last run: `"SIGINT"` (Ctrl-C), `"SIGTERM"`
/// or `"SIGHUP"`; `None` if none did.
pub fn interrupted_by() -> Option<&'static str> {
    interrupt_signal().map(signal_name)
}

/// The number of the signal that stopped the last run, if one did (a
/// command line exits with 128 + it, as a shell reports such an end).
pub fn interrupt_signal() -> Option<i32> {
    match interrupt_flag().load(Ordering::SeqCst) as i32 {
        0 => None,
        sig => Some(sig),
    }
}

fn interrupted() -> bool {
    interrupt_flag().load(Ordering::SeqCst) != 0
}

use bakeoff_os::signal_name;

/// This program, to start case and server processes from. `/proc/self/exe`
/// names the very file this process runs, even after a rebuild replaced
/// the one at its path, so a long run survives `cargo build` in another
/// terminal and every process runs the same code.
fn self_program() -> Result<PathBuf> {
    bakeoff_os::self_exe().context("cannot find the bakeoff executable to start a process")
}

/// The embedded servers of a run, one per kind, delay and jitter, started
/// when the first case that needs one runs and stopped (and reaped) when
/// the run ends — or when the orchestrator unwinds.
#[derive(Default)]
struct Servers {
    running: BTreeMap<ServerKey, crate::serve::ServerChild>,
}

/// An embedded server: its kind, delay and jitter.
type ServerKey = (ServerKind, Duration, Duration);

/// Environment variables for a case process.
type Env = Vec<(String, String)>;

impl Servers {
    /// The environment a case needs to reach its embedded server, and
    /// which server that is: nothing for workloads without one or with a
    /// `target` elsewhere.
    fn env_for(&mut self, registry: &Registry, case: &Case) -> Result<(Env, Option<ServerKey>)> {
        let entry = registry.get(&case.workload)?;
        let Some(kind) = entry.server else {
            return Ok((Vec::new(), None));
        };
        if case.workload_params.get("target").map(String::as_str) != Some("embedded") {
            return Ok((Vec::new(), None));
        }
        let duration = |key: &str| -> Result<Duration> {
            let raw = case.workload_params.get(key).map_or("0", String::as_str);
            bakeoff_workloads::io::parse_duration(raw)
                .map_err(|e| anyhow::anyhow!("{} parameter {key}: {e}", case.workload))
        };
        let key = (kind, duration("delay")?, duration("jitter")?);
        let addr = match self.running.entry(key) {
            Entry::Occupied(running) => running.get().addr(),
            Entry::Vacant(slot) => {
                let server =
                    crate::serve::ServerChild::start(&self_program()?, kind, key.1, key.2)?;
                slot.insert(server).addr()
            }
        };
        let env = vec![(
            bakeoff_workloads::io::SERVE_ADDR_ENV.to_string(),
            addr.to_string(),
        )];
        Ok((env, Some(key)))
    }

    /// What server `key` has done so far; `None` if it cannot say (the
    /// case is then recorded without its server's share).
    fn stats(&mut self, key: &ServerKey) -> Option<crate::serve::ServerStats> {
        self.running.get_mut(key)?.stats().ok()
    }

    /// What the embedded server `key` did since `before`.
    fn usage_since(
        &mut self,
        key: Option<ServerKey>,
        before: Option<crate::serve::ServerStats>,
    ) -> Option<ServerUsage> {
        let (k, before) = key.zip(before)?;
        let used = self.stats(&k)?.since(before);
        Some(ServerUsage {
            kind: k.0.to_string(),
            requests: used.requests,
            connections: used.connections,
            cpu_user: Nanos(used.cpu_user_ns),
            cpu_system: Nanos(used.cpu_system_ns),
        })
    }

    /// Stops every server.
    fn stop(&mut self) {
        for (_, s) in std::mem::take(&mut self.running) {
            let _ = s.stop();
        }
    }
}

/// A median throughput known less well than this (the half-width of its
/// 95 % interval over it) marks a case noisy.
const NOISY_PRECISION: f64 = 0.05;

fn summarise(reps: &[bakeoff_reports::Repetition]) -> Option<Summary> {
    let col = |f: &dyn Fn(&bakeoff_reports::Repetition) -> f64| {
        Stat::of(&reps.iter().map(f).collect::<Vec<_>>())
    };
    let throughput = col(&|r| r.throughput)?;
    Some(Summary {
        wall_s: col(&|r| r.wall.secs())?,
        // By the median's interval where there are enough repetitions for
        // one, else by the spread.
        noisy: if throughput.median_level >= 0.95 {
            throughput.median_precision() > NOISY_PRECISION
        } else {
            throughput.is_noisy()
        },
        throughput,
        latency_p50_s: col(&|r| r.latency.p50.secs())?,
        latency_p99_s: col(&|r| r.latency.p99.secs())?,
        cpu_s: col(&|r| r.cpu_user.secs() + r.cpu_system.secs())?,
        peak_rss_bytes: col(&|r| r.peak_rss.0 as f64)?,
    })
}

/// The digest `case`'s batch must have when its workload declares one
/// without running (IO workloads); `None` when a `seq` run is the reference.
fn expected_digest(registry: &Registry, case: &Case) -> Result<Option<String>> {
    let entry = registry.get(&case.workload)?;
    // CPU workloads declare none: building their batch here would be
    // wasted work in the orchestrator.
    if entry.info.kind != bakeoff_workloads::Kind::Io {
        return Ok(None);
    }
    let params = entry.params(&case.workload_params)?;
    let batch = entry.batch(&params, case.tasks, case.seed)?;
    let mut digest = bakeoff_workloads::BatchDigest::default();
    for i in 0..batch.len() {
        match batch.expected(i) {
            Some(d) => digest.add(i, d),
            None => return Ok(None),
        }
    }
    Ok(Some(digest.to_string()))
}

/// The progress bar of a run of `total` cases: only when progress is
/// asked for and stdout is a terminal (else progress is printed as lines).
fn progress_bar(opts: &RunOptions, total: usize) -> Option<ProgressBar> {
    let tty = std::io::stdout().is_terminal();
    if opts.progress && tty {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{pos}/{len}] {wide_msg} {elapsed_precise} ETA {eta}",
            )
            .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    } else {
        None
    }
}

/// The time now, as results files write it.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The results file of a run that has measured nothing yet.
fn new_results(plan: &Plan) -> Results {
    Results {
        schema: SCHEMA.to_string(),
        bakeoff_version: env!("CARGO_PKG_VERSION").to_string(),
        suite: plan.name.clone(),
        started_at: now(),
        updated_at: now(),
        complete: false,
        interrupted: false,
        interrupted_by: None,
        planned_cases: plan.cases.len() as u64,
        program: None,
        environment: Environment {
            python: python_of(plan),
            ..crate::environment::collect()
        },
        cases: Vec::new(),
    }
}

/// The interpreter the plan's first CPython case uses, as it describes
/// itself; `None` when the plan has none or the interpreter is missing
/// (its cases are then skipped, with the reason).
fn python_of(plan: &Plan) -> Option<bakeoff_reports::PythonEnv> {
    let case = plan.cases.iter().find(|c| {
        RunnerKind::from_id(&c.runner).is_ok_and(|k| k.family() == bakeoff_runners::Family::Cpython)
    })?;
    let python = case
        .runner_params
        .get("python")
        .map_or("auto", String::as_str);
    let info = bakeoff_runners::python::interpreter(python).ok()?;
    Some(bakeoff_reports::PythonEnv {
        path: info.path,
        implementation: info.implementation,
        version: info.version,
        gil_enabled: info.gil_enabled,
    })
}

/// One line of progress: `[3/116] ok     countdown × seq 0.42 s`.
fn progress_line(
    index: usize,
    total: usize,
    case: &Case,
    started: Instant,
    failure: Option<&str>,
) -> String {
    format!(
        "[{}/{}] {} {} {:.2} s{}",
        index + 1,
        total,
        if failure.is_none() {
            "ok    "
        } else {
            "FAILED"
        },
        case.label(),
        started.elapsed().as_secs_f64(),
        failure.map(|f| format!(": {f}")).unwrap_or_default()
    )
}

/// One case done: the bar moves on, printing `line` above it when it says
/// something the reader must see (`notable`: a failure, a skip); without a
/// bar, `--progress` prints every line.
fn show_progress(bar: Option<&ProgressBar>, opts: &RunOptions, line: &str, notable: bool) {
    match bar {
        Some(bar) => {
            if notable {
                bar.println(line);
            }
            bar.inc(1);
        }
        None if opts.progress => println!("{line}"),
        None => {}
    }
}

/// Why this machine cannot run `case` (no interpreter for a `py-*`
/// runner, a workload with no Python form), or `None`.
fn unavailable(kind: RunnerKind, case: &Case) -> Option<String> {
    let params = kind.params(&case.runner_params).ok()?;
    kind.unavailable(&params, Some(&case.workload))
}

/// The runner whose case of the same work a case's speed-up is over:
/// `py-seq` (the same tasks one after another in one interpreter) for
/// CPython's runners, `seq` for the rest.
fn speedup_baseline(kind: RunnerKind) -> &'static str {
    if kind.family() == bakeoff_runners::Family::Cpython {
        PY_SEQ
    } else {
        RunnerKind::reference().id()
    }
}

/// Median throughput of each baseline case, by baseline runner and work.
type Baselines = BTreeMap<(&'static str, String), f64>;

/// Speed-ups of cases that ran before their baseline (a plan that names
/// `py-seq` after CPython's other runners), once every case ran.
fn late_speedups(plan: &Plan, results: &mut Results, baselines: &Baselines) {
    for (case, r) in plan.cases.iter().zip(results.cases.iter_mut()) {
        let (Some(s), None) = (&r.summary, r.speedup_vs_seq) else {
            continue;
        };
        let Ok(kind) = RunnerKind::from_id(&case.runner) else {
            continue;
        };
        r.speedup_vs_seq = baselines
            .get(&(speedup_baseline(kind), case.work_key()))
            .map(|base| s.throughput.median / base);
    }
}

/// CPython's sequential runner, that its other runners are compared with.
const PY_SEQ: &str = "py-seq";

/// What one program's case children measured of one case.
#[derive(Default)]
struct Measured {
    ready: Option<Ready>,
    repetitions: Vec<Repetition>,
    teardown: Option<Nanos>,
    failure: Option<String>,
    stopping: Option<Stopping>,
}

/// Why a run stops in the middle of a case.
enum Abort {
    /// A signal.
    Interrupted,
    /// The program started is not a case child (the reason).
    NotACaseChild(String),
}

/// Whether a case measured `reps` in `elapsed` (its share of the time, when
/// several programs alternate) has been repeated enough, and why.
fn stop_reason(case: &Case, reps: &[Repetition], elapsed: Duration) -> Option<StopReason> {
    let n = reps.len();
    let Some(until) = case.until else {
        return (n >= case.reps).then_some(StopReason::Fixed);
    };
    if n >= case.reps {
        return Some(StopReason::MaxReps);
    }
    let budget = Duration::from_nanos(until.budget_ns);
    if n >= until.min_reps && precision_of(reps) <= until.precision {
        return Some(StopReason::Precise);
    }
    // Past the budget: stop once the fewest repetitions are in, or, when
    // repetitions are so long that even they do not fit, at three times
    // the budget after at least 3.
    if (n >= until.min_reps && elapsed >= budget) || (n >= 3 && elapsed >= budget * 3) {
        return Some(StopReason::Budget);
    }
    None
}

/// How well the repetitions know the median throughput: the half-width
/// of its 95 % order-statistic interval over the median (infinite while
/// too few repetitions give such an interval).
fn precision_of(reps: &[Repetition]) -> f64 {
    let values: Vec<f64> = reps.iter().map(|r| r.throughput).collect();
    Stat::of(&values)
        .filter(|s| s.median_level >= 0.95)
        .map_or(f64::INFINITY, |s| s.median_precision())
}

/// Measures `case` with every program in `programs`, repetitions
/// alternating when there are several (AB BA AB…): the first calibrates,
/// the others take its batches per repetition. Each program's tail of stderr
/// goes to its entry in `tails`.
fn measure_case(
    programs: &[PathBuf],
    case: &Case,
    env: &[(String, String)],
    timeout: Duration,
    tails: &[crate::drive::Tail],
) -> Result<std::result::Result<Vec<Measured>, Abort>> {
    let mut measured: Vec<Measured> = programs.iter().map(|_| Measured::default()).collect();
    let mut children: Vec<Option<CaseChild>> = Vec::new();
    let mut batches: Option<u64> = None;
    for (i, program) in programs.iter().enumerate() {
        let mut this = case.clone();
        if batches.is_some() {
            this.batches = batches;
        }
        match CaseChild::start(program, &this, env, &tails[i], timeout, &interrupted)? {
            Ok((child, ready)) => {
                batches.get_or_insert(ready.calibration.batches);
                measured[i].ready = Some(ready);
                children.push(Some(child));
            }
            Err(stop) => {
                if let Some(a) = abort_of(&stop) {
                    return Ok(Err(a));
                }
                if let Stop::Failed(reason) = stop {
                    measured[i].failure = Some(reason);
                }
                children.push(None);
            }
        }
    }
    // Each program's time spent measuring, for its budget.
    let mut spent = vec![Duration::ZERO; programs.len()];
    for round in 0.. {
        if children.iter().all(Option::is_none) {
            break;
        }
        // AB, then BA: the order swaps every round, so that neither
        // program always measures first after the other (ABBA cancels a
        // drift of the machine's speed across a round).
        let mut order: Vec<usize> = (0..children.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let Some(child) = children[i].as_mut() else {
                continue;
            };
            let t = Instant::now();
            let rep = child.repetition(&interrupted);
            spent[i] += t.elapsed();
            match rep {
                Ok(rep) => measured[i].repetitions.push(rep),
                Err(stop) => {
                    if let Some(a) = abort_of(&stop) {
                        return Ok(Err(a));
                    }
                    if let Stop::Failed(reason) = stop {
                        measured[i].failure = Some(reason);
                    }
                    children[i] = None;
                }
            }
        }
        // Every program still running stops together, when each has been
        // repeated enough within its own time.
        let reasons: Vec<Option<StopReason>> = (0..children.len())
            .filter(|&i| children[i].is_some())
            .map(|i| stop_reason(case, &measured[i].repetitions, spent[i]))
            .collect();
        if reasons.iter().all(Option::is_some) {
            let running: Vec<usize> = (0..children.len())
                .filter(|&i| children[i].is_some())
                .collect();
            for (i, reason) in running.into_iter().zip(reasons) {
                let m = &mut measured[i];
                m.stopping = Some(stopping_of(case, &m.repetitions, reason.expect("all some")));
                let child = children[i].take().expect("running");
                match child.stop(&interrupted) {
                    Ok(teardown) => m.teardown = teardown,
                    Err(stop) => {
                        if let Some(a) = abort_of(&stop) {
                            return Ok(Err(a));
                        }
                        if let Stop::Failed(reason) = stop {
                            m.failure = Some(reason);
                        }
                    }
                }
            }
            break;
        }
    }
    for m in measured.iter_mut() {
        if m.failure.is_some() && m.stopping.is_none() {
            m.stopping = Some(stopping_of(case, &m.repetitions, StopReason::Failed));
        }
    }
    Ok(Ok(measured))
}

/// The run-stopping part of a [`Stop`].
fn abort_of(stop: &Stop) -> Option<Abort> {
    match stop {
        Stop::Interrupted => Some(Abort::Interrupted),
        Stop::NotACaseChild(reason) => Some(Abort::NotACaseChild(reason.clone())),
        Stop::Failed(_) => None,
    }
}

/// The record of why `case` stopped after `reps`.
fn stopping_of(case: &Case, reps: &[Repetition], reason: StopReason) -> Stopping {
    Stopping {
        reason,
        precision_target: case.until.map_or(0.0, |u| u.precision),
        precision: precision_of(reps).min(f64::MAX),
        budget: Nanos(case.until.map_or(0, |u| u.budget_ns)),
    }
}

/// Waits until the machine is quiet — other processes and the hypervisor
/// take less than [`Interference::OTHERS_LIMIT`] and
/// [`Interference::STEAL_LIMIT`] of the cores over half a second — for at
/// most `longest`. Returns how long it waited, and the last shares seen
/// when it gave up (`None` when the machine became quiet).
fn wait_quiet(longest: Duration) -> (Duration, Option<(f64, f64)>) {
    const WINDOW: Duration = Duration::from_millis(500);
    let start = Instant::now();
    loop {
        let before = bakeoff_os::machine_cpu();
        let t = Instant::now();
        std::thread::sleep(WINDOW);
        let after = bakeoff_os::machine_cpu();
        let (Some(b), Some(a)) = (before, after) else {
            // Nothing to read: nothing to wait for.
            return (start.elapsed(), None);
        };
        let i = crate::measure::interference(&b, &a, t.elapsed().as_nanos() as u64, 0);
        if !Interference::flags(i.steal, i.others, 0.0) {
            return (start.elapsed(), None);
        }
        if interrupted() || start.elapsed() >= longest {
            return (start.elapsed(), Some((i.others, i.steal)));
        }
    }
}

/// What the orchestrator concluded about one case beside what was
/// measured: whether it failed, its verification, summary and speed-up.
struct Outcome {
    /// Not run: this machine cannot (`failure` says why).
    skipped: bool,
    failure: Option<String>,
    stderr_tail: Vec<String>,
    verification: Verification,
    summary: Option<Summary>,
    speedup: Option<f64>,
    server: Option<ServerUsage>,
}

impl Outcome {
    /// A case that did not run, for `reason`: no digests, no summary.
    fn failed(reason: String) -> Outcome {
        Outcome {
            skipped: false,
            failure: Some(reason),
            stderr_tail: Vec::new(),
            verification: Verification::default(),
            summary: None,
            speedup: None,
            server: None,
        }
    }
}

/// The record of one case, as results.json keeps it.
fn case_record(
    registry: &Registry,
    case: &Case,
    kind: RunnerKind,
    measured: Measured,
    outcome: Outcome,
) -> CaseRecord {
    let ready = measured.ready.unwrap_or_default();
    CaseRecord {
        id: case.id(),
        workload: case.workload.clone(),
        workload_kind: registry
            .get(&case.workload)
            .map_or(bakeoff_reports::WorkloadKind::Cpu, |e| {
                crate::kinds::workload_kind(e.info.kind)
            }),
        workload_params: case.workload_params.clone(),
        runner: case.runner.clone(),
        family: crate::kinds::family(kind.info().family),
        runner_params: case.runner_params.clone(),
        runner_label: Some(format!(
            "{}{}",
            case.runner,
            kind.label_params(&case.runner_params)
        )),
        workers: case.workers.map(|w| w as u64),
        concurrency: case.concurrency.map(|c| c as u64),
        tasks: case.tasks as u64,
        seed: case.seed,
        warmup: case.warmup as u64,
        status: match (&outcome.failure, outcome.skipped) {
            (_, true) => CaseStatus::Skipped,
            (None, false) => CaseStatus::Ok,
            (Some(_), false) => CaseStatus::Failed,
        },
        failure: outcome.failure.map(|reason| Failure {
            reason,
            stderr_tail: outcome.stderr_tail,
        }),
        verification: outcome.verification,
        startup: ready.startup,
        interpreter_startup: ready.interpreter_startup,
        startups: ready.startups,
        interpreter_startups: ready.interpreter_startups,
        teardown: measured.teardown,
        baseline_rss: ready.baseline_rss,
        repetitions: measured.repetitions,
        summary: outcome.summary,
        speedup_vs_seq: outcome.speedup,
        speedup_baseline: Some(speedup_baseline(kind))
            .filter(|b| *b != RunnerKind::reference().id())
            .map(str::to_string),
        server: outcome.server,
        calibration: (!outcome.skipped && ready.startup.is_some()).then_some(ready.calibration),
        stopping: measured.stopping,
    }
}

/// One program whose case children a run measures, and what it measured.
struct Side {
    program: PathBuf,
    dir: PathBuf,
    results: Results,
    references: References,
    baselines: Baselines,
}

impl Side {
    fn new(program: PathBuf, dir: PathBuf, plan: &Plan) -> Side {
        Side {
            program,
            dir,
            results: new_results(plan),
            references: References::default(),
            baselines: Baselines::new(),
        }
    }

    /// Records `case` as measured (or failed), verified against this
    /// side's references, and writes the results file; the failure, if any.
    fn record(
        &mut self,
        registry: &Registry,
        case: &Case,
        kind: RunnerKind,
        mut measured: Measured,
        stderr_tail: Vec<String>,
        server: Option<ServerUsage>,
    ) -> Result<Option<String>> {
        let key = case.work_key();
        let is_reference = kind == RunnerKind::reference();
        if !self.references.has(&key) {
            if let Some(expected) = expected_digest(registry, case)? {
                self.references.declare(&key, expected);
            }
        }
        let digests: Vec<String> = measured
            .repetitions
            .iter()
            .map(|r| r.digest.clone())
            .collect();
        let mut failure = measured.failure.take();
        let verdict = self
            .references
            .check(&key, is_reference, failure.is_some(), &digests);
        failure = failure.or(verdict.failure);
        let summary = if failure.is_none() {
            summarise(&measured.repetitions)
        } else {
            None
        };
        let baseline = (speedup_baseline(kind), key.clone());
        if case.runner == baseline.0 {
            if let Some(s) = &summary {
                self.baselines.insert(baseline.clone(), s.throughput.median);
            }
        }
        let speedup = summary.as_ref().and_then(|s| {
            self.baselines
                .get(&baseline)
                .map(|base| s.throughput.median / base)
        });
        let outcome = Outcome {
            skipped: false,
            failure: failure.clone(),
            stderr_tail,
            verification: Verification {
                reference: verdict.reference,
                digests,
                verified: verdict.verified,
            },
            summary,
            speedup,
            server,
        };
        let record = case_record(registry, case, kind, measured, outcome);
        self.results.cases.push(record);
        self.results.updated_at = now();
        output::write_results(&self.dir, &self.results)?;
        Ok(failure)
    }
}

/// Runs every case of `plan` and writes results after each one.
///
/// Refuses to start inside a process bakeoff started for one of its roles
/// (see [`crate::child::refuse_nested_run`]).
pub fn run(plan: &Plan, registry: &Registry, opts: &RunOptions) -> Result<RunOutcome> {
    crate::child::refuse_nested_run()?;
    let dir = output::prepare_dir(opts.out.as_deref(), opts.force)?;
    let side = Side::new(self_program()?, dir.clone(), plan);
    output::write_results(&dir, &side.results)?;
    if opts.out.is_none() {
        output::update_latest(&dir)?;
    }
    let mut sides = run_sides(plan, registry, opts, vec![side])?;
    let side = sides.remove(0);
    Ok(RunOutcome {
        results: side.results,
        dir: side.dir,
        report: None,
    })
}

/// Runs every case of `plan` with the case children of two programs
/// (two builds of bakeoff, or of a program that embeds it), their
/// repetitions alternating (ABAB) case by case, so that both are measured
/// on the same machine in the same moments. Writes `base/results.json`
/// and `new/results.json` under the run's directory, after every case.
pub fn run_interleaved(
    plan: &Plan,
    registry: &Registry,
    opts: &RunOptions,
    base: &std::path::Path,
    new: &std::path::Path,
) -> Result<(RunOutcome, RunOutcome)> {
    crate::child::refuse_nested_run()?;
    let root = output::prepare_dir(opts.out.as_deref(), opts.force)?;
    let mut sides = Vec::new();
    for (name, program) in [("base", base), ("new", new)] {
        let dir = output::prepare_dir(Some(&root.join(name)), opts.force)?;
        let program = program.canonicalize().map_err(|e| {
            anyhow::anyhow!(
                "--{name} {}: {e}; give the path of a bakeoff binary (or of a program that embeds bakeoff)",
                program.display()
            )
        })?;
        let mut side = Side::new(program.clone(), dir, plan);
        side.results.program = Some(program.display().to_string());
        output::write_results(&side.dir, &side.results)?;
        sides.push(side);
    }
    let mut sides = run_sides(plan, registry, opts, sides)?
        .into_iter()
        .map(|s| RunOutcome {
            results: s.results,
            dir: s.dir,
            report: None,
        });
    let (b, n) = (sides.next().expect("base"), sides.next().expect("new"));
    Ok((b, n))
}

fn run_sides(
    plan: &Plan,
    registry: &Registry,
    opts: &RunOptions,
    mut sides: Vec<Side>,
) -> Result<Vec<Side>> {
    install_interrupt_handler();
    interrupt_flag().store(0, Ordering::SeqCst);
    let bar = progress_bar(opts, plan.cases.len());
    let total = plan.cases.len();
    let mut servers = Servers::default();
    let programs: Vec<PathBuf> = sides.iter().map(|s| s.program.clone()).collect();
    let mut interrupted_run = false;
    for (index, case) in plan.cases.iter().enumerate() {
        if let Some(bar) = &bar {
            bar.set_message(case.label());
        }
        let kind = RunnerKind::from_id(&case.runner)?;
        if let Some(reason) = unavailable(kind, case) {
            let line = format!(
                "[{}/{total}] {}: skipped: {reason}",
                index + 1,
                case.label()
            );
            show_progress(bar.as_ref(), opts, &line, true);
            for side in sides.iter_mut() {
                let outcome = Outcome {
                    skipped: true,
                    ..Outcome::failed(reason.clone())
                };
                side.results.cases.push(case_record(
                    registry,
                    case,
                    kind,
                    Measured::default(),
                    outcome,
                ));
                side.results.updated_at = now();
                output::write_results(&side.dir, &side.results)?;
            }
            continue;
        }
        if let Some(longest) = opts.wait_quiet {
            if let (waited, Some((others, steal))) = wait_quiet(longest) {
                let line = format!(
                    "[{}/{total}] {}: the machine was not quiet after {:.0} s (other processes {:.0} %, steal {:.0} % of the cores); running it anyway",
                    index + 1,
                    case.label(),
                    waited.as_secs_f64(),
                    others * 100.0,
                    steal * 100.0
                );
                show_progress_line(bar.as_ref(), &line);
            }
        }
        let started = Instant::now();
        let tails: Vec<crate::drive::Tail> = sides.iter().map(|_| Arc::default()).collect();
        let (env, key) = match servers.env_for(registry, case) {
            Ok(found) => found,
            Err(e) => {
                let reason = format!("{e:#}");
                for side in sides.iter_mut() {
                    let m = Measured {
                        failure: Some(reason.clone()),
                        ..Measured::default()
                    };
                    side.record(registry, case, kind, m, Vec::new(), None)?;
                }
                let line = progress_line(index, total, case, started, Some(&reason));
                show_progress(bar.as_ref(), opts, &line, true);
                continue;
            }
        };
        let before = key.as_ref().and_then(|k| servers.stats(k));
        let measured = match measure_case(&programs, case, &env, opts.case_timeout, &tails)? {
            Ok(m) => m,
            Err(Abort::Interrupted) => {
                interrupted_run = true;
                break;
            }
            Err(Abort::NotACaseChild(reason)) => {
                servers.stop();
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                anyhow::bail!("{reason}");
            }
        };
        // The server served every program's children: its share is one
        // program's only when there is one.
        let server = servers
            .usage_since(key, before)
            .filter(|_| sides.len() == 1);
        let mut failures = Vec::new();
        for ((side, m), tail) in sides.iter_mut().zip(measured).zip(&tails) {
            let stderr_tail: Vec<String> = lock(tail).iter().cloned().collect();
            if let Some(f) = side.record(registry, case, kind, m, stderr_tail, server.clone())? {
                failures.push(if programs.len() > 1 {
                    format!("{}: {f}", side_name(side, &programs))
                } else {
                    f
                });
            }
        }
        let failure = (!failures.is_empty()).then(|| failures.join("; "));
        let line = progress_line(index, total, case, started, failure.as_deref());
        show_progress(bar.as_ref(), opts, &line, failure.is_some());
    }
    servers.stop();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for side in sides.iter_mut() {
        if interrupted_run {
            side.results.interrupted = true;
            side.results.interrupted_by = interrupted_by().map(str::to_string);
        }
        late_speedups(plan, &mut side.results, &side.baselines);
        side.results.complete = !side.results.interrupted && side.results.cases.len() == total;
        side.results.updated_at = now();
        output::write_results(&side.dir, &side.results)?;
    }
    Ok(sides)
}

/// `base` or `new`: which of two programs a side is.
fn side_name(side: &Side, programs: &[PathBuf]) -> &'static str {
    if programs.first() == Some(&side.program) {
        "base"
    } else {
        "new"
    }
}

/// Prints a line above the bar (or as a line without one), without
/// moving the bar.
fn show_progress_line(bar: Option<&ProgressBar>, line: &str) {
    match bar {
        Some(bar) => bar.println(line),
        None => eprintln!("{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Until;

    fn case(reps: usize, until: Option<Until>) -> Case {
        Case {
            workload: "noop".into(),
            workload_params: BTreeMap::new(),
            runner: "seq".into(),
            runner_params: BTreeMap::new(),
            workers: None,
            concurrency: None,
            tasks: 1,
            seed: 1,
            reps,
            warmup: 0,
            target_ns: 0,
            batches: None,
            until,
            starts: 1,
        }
    }

    fn reps(throughputs: &[f64]) -> Vec<Repetition> {
        let text = r#"{"wall":1,"throughput":1,"latency":{"p50":1,"p90":1,"p99":1,"p999":1,"max":1,"mean":1},"service":{"p50":1,"p90":1,"p99":1,"p999":1,"max":1,"mean":1},"cpu_user":1,"cpu_system":0,"peak_rss":0,"voluntary_switches":0,"involuntary_switches":0,"digest":"1/1"}"#;
        let one: Repetition = serde_json::from_str(text).unwrap();
        throughputs
            .iter()
            .map(|&t| Repetition {
                throughput: t,
                ..one.clone()
            })
            .collect()
    }

    #[test]
    fn the_stopping_rule_reaches_each_reason() {
        let until = Until {
            min_reps: 6,
            precision: 0.02,
            budget_ns: 1_000_000_000,
        };
        let s = Duration::from_secs;
        let steady = [100.0, 101.0, 99.5, 100.5, 100.2, 99.8];
        let noisy = [100.0, 130.0, 80.0, 110.0, 95.0, 120.0];
        // A fixed count stops at it, whatever the spread.
        assert_eq!(stop_reason(&case(3, None), &reps(&noisy[..2]), s(0)), None);
        assert_eq!(
            stop_reason(&case(3, None), &reps(&noisy[..3]), s(0)),
            Some(StopReason::Fixed)
        );
        let adaptive = case(30, Some(until));
        // Fewer than the fewest: go on, however steady.
        assert_eq!(stop_reason(&adaptive, &reps(&steady[..5]), s(0)), None);
        // Six steady ones: the median is known to ±1 %.
        assert_eq!(
            stop_reason(&adaptive, &reps(&steady), s(0)),
            Some(StopReason::Precise)
        );
        // Six noisy ones inside the budget: go on; past it, stop.
        assert_eq!(stop_reason(&adaptive, &reps(&noisy), s(0)), None);
        assert_eq!(
            stop_reason(&adaptive, &reps(&noisy), s(1)),
            Some(StopReason::Budget)
        );
        // Long repetitions: three of them at three budgets.
        assert_eq!(stop_reason(&adaptive, &reps(&noisy[..3]), s(2)), None);
        assert_eq!(
            stop_reason(&adaptive, &reps(&noisy[..3]), s(3)),
            Some(StopReason::Budget)
        );
        // The most repetitions, whatever else.
        let few = case(6, Some(until));
        assert_eq!(
            stop_reason(&few, &reps(&noisy), s(0)),
            Some(StopReason::MaxReps)
        );
        assert!(precision_of(&reps(&noisy[..5])).is_infinite());
        assert!((precision_of(&reps(&steady)) - 0.75 / 100.1).abs() < 1e-9);
    }
}

//! Runs a [`Plan`]: one child process per case, with a timeout, Ctrl-C
//! handling, progress, verification against the `seq` reference, and the
//! results file rewritten atomically after every case.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bakeoff_reports::{
    CaseRecord, CaseStatus, Environment, Failure, Nanos, Results, ServerUsage, Stat, Summary,
    Verification, SCHEMA,
};
use bakeoff_runners::{RunnerConfig, RunnerKind};
use bakeoff_workloads::protocol::ServerKind;
use bakeoff_workloads::Registry;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::child::{ChildReport, ROLE_ENV};
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

enum Ended {
    Report(ChildReport),
    Failed(String),
    Interrupted,
    /// The program started did not answer as a case child: the whole run
    /// stops with this reason, since every other case would do the same.
    NotACaseChild(String),
}

/// How long a case child may take to print its hello line. It prints it
/// before it reads its case, so only starting the program counts.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);

/// What the hello line (or its absence) says about the program started.
#[derive(Clone, Debug, PartialEq)]
enum Hello {
    /// Nothing yet.
    Waiting,
    /// A case child speaking our protocol.
    Ok,
    /// A case child speaking another version of it.
    Other(String),
}

fn hello_of(line: &str) -> Option<Hello> {
    let version = line.trim().strip_prefix(crate::child::HELLO_PREFIX)?;
    Some(if version == crate::child::CASE_PROTOCOL.to_string() {
        Hello::Ok
    } else {
        Hello::Other(version.to_string())
    })
}

/// The one-line reason a program is not a case child, with what it said
/// on stderr: its error line (an embedding program's own `Error: …`), or
/// else its first line, so that a backtrace after it does not hide it.
fn not_a_case_child(program: &std::path::Path, what: &str, tail: &[String]) -> String {
    let lines = || tail.iter().map(|l| l.trim()).filter(|l| !l.is_empty());
    let said = lines()
        .find(|l| l.to_ascii_lowercase().starts_with("error"))
        .or_else(|| lines().next())
        .map(|l| format!("; it said on stderr: {l}"))
        .unwrap_or_default();
    // `/proc/self/exe` is what was started; the user knows it by its path.
    let program = match program.canonicalize() {
        Ok(path) => path,
        Err(_) => program.to_path_buf(),
    };
    format!(
        "{} did not answer as a bakeoff case child ({what}): a program that embeds bakeoff must call `bakeoff::child_entry(&registry)` first thing in main and exit with the code it returns{said}",
        program.display()
    )
}

/// Kills the case's whole process group (the case and any workers it made).
fn kill_group(child: &Child) {
    // The group id is the child's pid: it was started with process_group(0).
    bakeoff_os::kill_group(child.id());
}

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

    /// Runs `case` in a child process beside the embedded server it needs,
    /// and says what that server did for it. A server that cannot be
    /// started fails the case, not the run.
    fn run_case(
        &mut self,
        registry: &Registry,
        case: &Case,
        timeout: Duration,
        tail: &Arc<Mutex<VecDeque<String>>>,
    ) -> Result<(Ended, Option<ServerUsage>)> {
        let (env, key) = match self.env_for(registry, case) {
            Ok(found) => found,
            Err(e) => return Ok((Ended::Failed(format!("{e:#}")), None)),
        };
        let before = key.as_ref().and_then(|k| self.stats(k));
        let ended = run_child(case, &env, timeout, tail)?;
        let server = key.zip(before).and_then(|(k, before)| {
            let used = self.stats(&k)?.since(before);
            Some(ServerUsage {
                kind: k.0.to_string(),
                requests: used.requests,
                connections: used.connections,
                cpu_user: Nanos(used.cpu_user_ns),
                cpu_system: Nanos(used.cpu_system_ns),
            })
        });
        Ok((ended, server))
    }

    /// Stops every server.
    fn stop(&mut self) {
        for (_, s) in std::mem::take(&mut self.running) {
            let _ = s.stop();
        }
    }
}

/// Reads a case child's stdout on a thread of its own: notes its hello
/// line in `heard` and gives back the last non-empty line (the report).
fn read_stdout(stdout: ChildStdout, heard: Arc<Mutex<Hello>>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut last = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let mut h = heard.lock().unwrap_or_else(|e| e.into_inner());
            if *h == Hello::Waiting {
                if let Some(said) = hello_of(&line) {
                    *h = said;
                    continue;
                }
            }
            if !line.trim().is_empty() {
                last = line;
            }
        }
        last
    })
}

/// Reads a case child's stderr on a thread of its own, keeping its last
/// 20 lines in `tail`, and the allocator's one line in `alloc_failure`
/// whatever follows it (a backtrace after it would push it out of the
/// tail).
fn read_stderr(
    stderr: ChildStderr,
    tail: Arc<Mutex<VecDeque<String>>>,
    alloc_failure: Arc<Mutex<Option<String>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("memory allocation of") && line.contains("failed") {
                alloc_failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert_with(|| line.trim().to_string());
            }
            let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
            if t.len() == 20 {
                t.pop_front();
            }
            t.push_back(line);
        }
    })
}

fn run_child(
    case: &Case,
    env: &[(String, String)],
    timeout: Duration,
    stderr_tail: &Arc<Mutex<VecDeque<String>>>,
) -> Result<Ended> {
    let program = self_program()?;
    let kind = RunnerKind::from_id(&case.runner)?;
    let config = RunnerConfig {
        workers: case.workers.unwrap_or(1),
        concurrency: case.concurrency,
        params: kind.params(&case.runner_params)?,
    };
    let mut cmd = Command::new(&program);
    cmd.env(ROLE_ENV, "case")
        .env(
            bakeoff_runners::process::PARENT_ENV,
            std::process::id().to_string(),
        )
        .envs(kind.child_env(&config))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: the terminal's Ctrl-C reaches only the
        // orchestrator, which then stops the whole group itself.
        .process_group(0);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start case process {}", program.display()))?;
    let input = serde_json::to_vec(case).expect("case serialises");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&input);
    }
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let hello = Arc::new(Mutex::new(Hello::Waiting));
    let out_reader = read_stdout(stdout, hello.clone());
    let hello_now = || hello.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let tail_now = || -> Vec<String> {
        stderr_tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    };
    let alloc_failure: Arc<Mutex<Option<String>>> = Arc::default();
    let err_reader = read_stderr(stderr, stderr_tail.clone(), alloc_failure.clone());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if interrupted() || started.elapsed() > timeout {
            break None;
        }
        if started.elapsed() > HELLO_TIMEOUT && hello_now() == Hello::Waiting {
            kill_group(&child);
            let _ = child.wait();
            let _ = err_reader.join();
            let _ = out_reader.join();
            let what = format!("no hello line within {} s", HELLO_TIMEOUT.as_secs());
            return Ok(Ended::NotACaseChild(not_a_case_child(
                &program,
                &what,
                &tail_now(),
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever happened, nothing of the case may outlive it.
    kill_group(&child);
    let status = match status {
        Some(s) => s,
        None => {
            let _ = child.wait();
            let _ = err_reader.join();
            let _ = out_reader.join();
            if interrupted() {
                return Ok(Ended::Interrupted);
            }
            return Ok(Ended::Failed(format!(
                "timed out after {} s (--case-timeout); the case process was killed",
                timeout.as_secs_f64()
            )));
        }
    };
    let last = out_reader.join().unwrap_or_default();
    let _ = err_reader.join();
    match hello_now() {
        Hello::Ok => {}
        Hello::Waiting => {
            let what = format!("it exited ({status}) without its hello line");
            return Ok(Ended::NotACaseChild(not_a_case_child(
                &program,
                &what,
                &tail_now(),
            )));
        }
        Hello::Other(version) => {
            let what = format!(
                "it speaks case protocol {version}, this run {}: build both from the same bakeoff",
                crate::child::CASE_PROTOCOL
            );
            return Ok(Ended::NotACaseChild(not_a_case_child(&program, &what, &[])));
        }
    }
    if let Some(sig) = status.signal() {
        let alloc = alloc_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        return Ok(Ended::Failed(match alloc {
            Some(line) => format!(
                "case process ran out of memory ({line}) and was killed by signal {sig} ({}); lower --tasks or --concurrency",
                signal_name(sig)
            ),
            None => format!(
                "case process killed by signal {sig} ({})",
                signal_name(sig)
            ),
        }));
    }
    if !status.success() {
        return Ok(Ended::Failed(format!(
            "case process exited with status {}",
            status.code().unwrap_or(-1)
        )));
    }
    match serde_json::from_str::<ChildReport>(&last) {
        Ok(r) => Ok(Ended::Report(r)),
        Err(e) => Ok(Ended::Failed(format!(
            "case process printed no report ({e})"
        ))),
    }
}

fn summarise(reps: &[bakeoff_reports::Repetition]) -> Option<Summary> {
    let col = |f: &dyn Fn(&bakeoff_reports::Repetition) -> f64| {
        Stat::of(&reps.iter().map(f).collect::<Vec<_>>())
    };
    let throughput = col(&|r| r.throughput)?;
    Some(Summary {
        wall_s: col(&|r| r.wall.secs())?,
        noisy: throughput.is_noisy(),
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

/// What the orchestrator concluded about one case beside the child's
/// report: whether it failed, its verification, summary and speed-up.
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
    report: ChildReport,
    outcome: Outcome,
) -> CaseRecord {
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
        startup: report.startup,
        interpreter_startup: report.interpreter_startup,
        teardown: report.teardown,
        baseline_rss: report.baseline_rss,
        repetitions: report.repetitions,
        summary: outcome.summary,
        speedup_vs_seq: outcome.speedup,
        speedup_baseline: Some(speedup_baseline(kind))
            .filter(|b| *b != RunnerKind::reference().id())
            .map(str::to_string),
        server: outcome.server,
        calibration: None,
        stopping: None,
    }
}

/// Runs every case of `plan` and writes results after each one.
///
/// Refuses to start inside a process bakeoff started for one of its roles
/// (see [`crate::child::refuse_nested_run`]).
pub fn run(plan: &Plan, registry: &Registry, opts: &RunOptions) -> Result<RunOutcome> {
    crate::child::refuse_nested_run()?;
    let dir = output::prepare_dir(opts.out.as_deref(), opts.force)?;
    install_interrupt_handler();
    interrupt_flag().store(0, Ordering::SeqCst);
    let mut results = new_results(plan);
    output::write_results(&dir, &results)?;
    if opts.out.is_none() {
        output::update_latest(&dir)?;
    }

    let bar = progress_bar(opts, plan.cases.len());

    let mut references = References::default();
    let mut baselines = Baselines::new();
    let total = plan.cases.len();
    let mut servers = Servers::default();
    for (index, case) in plan.cases.iter().enumerate() {
        if let Some(bar) = &bar {
            bar.set_message(case.label());
        }
        let started = Instant::now();
        let kind = RunnerKind::from_id(&case.runner)?;
        if let Some(reason) = unavailable(kind, case) {
            let line = format!(
                "[{}/{total}] {}: skipped: {reason}",
                index + 1,
                case.label()
            );
            show_progress(bar.as_ref(), opts, &line, true);
            let outcome = Outcome {
                skipped: true,
                ..Outcome::failed(reason)
            };
            results.cases.push(case_record(
                registry,
                case,
                kind,
                ChildReport::default(),
                outcome,
            ));
            results.updated_at = now();
            output::write_results(&dir, &results)?;
            continue;
        }
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let (ended, server) = servers.run_case(registry, case, opts.case_timeout, &tail)?;
        let stderr_tail: Vec<String> = tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        let (report, mut failure) = match ended {
            Ended::Interrupted => {
                results.interrupted = true;
                results.interrupted_by = interrupted_by().map(str::to_string);
                break;
            }
            Ended::Report(r) => {
                let failure = r.error.clone();
                (r, failure)
            }
            Ended::Failed(reason) => (ChildReport::default(), Some(reason)),
            Ended::NotACaseChild(reason) => {
                servers.stop();
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                anyhow::bail!("{reason}");
            }
        };
        let key = case.work_key();
        let is_reference = kind == RunnerKind::reference();
        if !references.has(&key) {
            if let Some(expected) = expected_digest(registry, case)? {
                references.declare(&key, expected);
            }
        }
        let digests: Vec<String> = report
            .repetitions
            .iter()
            .map(|r| r.digest.clone())
            .collect();
        let verdict = references.check(&key, is_reference, failure.is_some(), &digests);
        failure = failure.or(verdict.failure);
        let summary = if failure.is_none() {
            summarise(&report.repetitions)
        } else {
            None
        };
        let baseline = (speedup_baseline(kind), key.clone());
        if case.runner == baseline.0 {
            if let Some(s) = &summary {
                baselines.insert(baseline.clone(), s.throughput.median);
            }
        }
        let speedup = summary.as_ref().and_then(|s| {
            baselines
                .get(&baseline)
                .map(|base| s.throughput.median / base)
        });
        let line = progress_line(index, total, case, started, failure.as_deref());
        show_progress(bar.as_ref(), opts, &line, failure.is_some());
        let outcome = Outcome {
            skipped: false,
            failure,
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
        let record = case_record(registry, case, kind, report, outcome);
        results.cases.push(record);
        results.updated_at = now();
        output::write_results(&dir, &results)?;
    }
    servers.stop();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    late_speedups(plan, &mut results, &baselines);
    results.complete = !results.interrupted && results.cases.len() == total;
    results.updated_at = now();
    output::write_results(&dir, &results)?;
    Ok(RunOutcome {
        results,
        dir,
        report: None,
    })
}

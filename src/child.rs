//! The case child: runs one [`Case`] in a fresh process and prints its
//! measurements as one JSON line on stdout.
//!
//! The orchestrator starts the current executable with
//! `BAKEOFF_ROLE=case` and the case as JSON on stdin; [`child_entry`]
//! recognises that and takes over `main`. A program that embeds bakeoff
//! must call it first thing in `main`, before starting any thread.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use bakeoff_reports::{Bytes, Calibration, Nanos, Repetition};
use bakeoff_runners::{Job, RunnerConfig, RunnerKind};
use bakeoff_workloads::Registry;
use serde::{Deserialize, Serialize};

use crate::measure::{self, PeakRss, PeakRssSource, Usage};
use crate::Case;

/// The environment variable that marks a case child (the one that names
/// every process role, defined with the process pools).
pub use bakeoff_runners::process::ROLE_ENV;

/// The version of the exchange between the orchestrator and a case child.
/// Bump it when either side changes shape.
///
/// - 1: the case JSON on stdin, to its end; the hello, then one report
///   line ([`ChildReport`]) after every repetition ran.
/// - 2: the case JSON as the first line of stdin, then one command per
///   line (`rep`: measure one repetition; `stop`, or the end of stdin:
///   stop the runner and exit); on stdout the hello, then one
///   [`Message`] per line: `ready` once the runner is started, warmed up
///   and calibrated, `rep` per repetition, `done` at the end, `error`
///   when the case cannot go on. The orchestrator asks for repetitions one
///   at a time, so it decides when to stop and can alternate the
///   repetitions of two builds' case children.
pub const CASE_PROTOCOL: u32 = 2;

/// The protocol versions this orchestrator can drive: its own, and 1
/// (older builds of bakeoff, for `compare --base OLD --new NEW`), whose
/// case children measure a fixed count of one-batch repetitions per
/// process.
pub const PROTOCOLS_DRIVEN: [u32; 2] = [1, CASE_PROTOCOL];

/// What the start of a case child's first line on stdout says, before
/// its protocol version: the handshake by which the orchestrator knows
/// that the program it started really is a case child, and not a program
/// that forgot to call [`child_entry`] and is running its own `main`.
pub const HELLO_PREFIX: &str = "bakeoff-case-child protocol=";

/// The hello line a case child prints first, with no newline.
pub fn hello_line() -> String {
    format!("{HELLO_PREFIX}{CASE_PROTOCOL}")
}

/// A command from the orchestrator, one per line on the case child's
/// stdin after the case.
pub const REP_COMMAND: &str = "rep";
/// Stops the case child (as the end of stdin does).
pub const STOP_COMMAND: &str = "stop";

/// The one-line refusal for a comparison started inside a process that
/// bakeoff started for one of its roles (`BAKEOFF_ROLE` is set): the mark
/// of a program that does not call [`child_entry`] first thing in `main`.
/// Without the refusal, each case child would start a run of its own,
/// which starts case children of its own, without end.
pub fn refuse_nested_run() -> Result<()> {
    match std::env::var(ROLE_ENV) {
        Ok(role) => Err(anyhow!(
            "a run was started inside a bakeoff {role} process ({ROLE_ENV}={role}): call `bakeoff::child_entry(&registry)` first thing in main, before Bakeoff::run, and exit with the code it returns"
        )),
        Err(_) => Ok(()),
    }
}

/// What a protocol-1 case child reported on stdout, in one line (an
/// older build's; this build's case child speaks [`Message`]s).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ChildReport {
    /// Runner start-up time.
    pub startup: Option<Nanos>,
    /// The interpreter's part of `startup`, for runners in an interpreter.
    #[serde(default)]
    pub interpreter_startup: Option<Nanos>,
    /// Runner tear-down time.
    pub teardown: Option<Nanos>,
    /// RSS of the case process before the runner started.
    pub baseline_rss: Option<Bytes>,
    /// The repetitions measured (all of them, or those before an error).
    pub repetitions: Vec<Repetition>,
    /// Why the case could not finish, if it could not.
    pub error: Option<String>,
}

/// What a case child knows once its runner is started, warmed up and
/// calibrated.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Ready {
    /// Runner start-up time.
    pub startup: Option<Nanos>,
    /// The interpreter's part of `startup`, for runners in an interpreter.
    #[serde(default)]
    pub interpreter_startup: Option<Nanos>,
    /// Every start-up measured, in order (the case's `starts`), the last
    /// the start that runs the batches; for runners in an interpreter the
    /// model's part only (`startup` less `interpreter_startup`). Absent
    /// from a case child older than repeated starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startups: Option<Vec<Nanos>>,
    /// The interpreter's part of each of `startups`, for runners in an
    /// interpreter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_startups: Option<Vec<Nanos>>,
    /// RSS of the case process before the runner started.
    pub baseline_rss: Option<Bytes>,
    /// Batches per repetition, and how they were chosen.
    pub calibration: Calibration,
}

/// One line a protocol-2 case child prints on stdout after its hello.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// The runner is started, warmed up and calibrated.
    Ready(Ready),
    /// One measured repetition.
    Rep(Box<Repetition>),
    /// The runner stopped; its tear-down time.
    Done {
        /// Runner tear-down time.
        teardown: Nanos,
    },
    /// The case cannot go on (a task failed, the runner would not start).
    Error(String),
}

/// If this process was started as a case child, runs the case and returns
/// the exit code for `main` to exit with; otherwise returns `None`.
///
/// It also serves the roles of process-pool workers and fork servers
/// (`spawn-pool` and `forkserver-pool` re-execute this program) and of the
/// embedded loopback servers that IO workloads talk to.
pub fn child_entry(registry: &Registry) -> Option<i32> {
    if let Some(code) = bakeoff_runners::process::entry(registry) {
        return Some(code);
    }
    match std::env::var(ROLE_ENV).ok()?.as_str() {
        "case" => {
            bakeoff_runners::process::die_with_parent(bakeoff_runners::process::parent_from_env())
        }
        crate::serve::SERVER_ROLE => {
            bakeoff_runners::process::die_with_parent(bakeoff_runners::process::parent_from_env());
            return Some(crate::serve::serve_role());
        }
        _ => return None,
    }
    // Fork-pool workers are copies of this process: they find the
    // workloads here.
    registry.clone().install();
    Some(run_from_stdin(registry))
}

/// Prints one message on stdout, as one line.
fn say(message: &Message) {
    let line = serde_json::to_string(message).expect("a message serialises");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Reads a case from stdin's first line, then runs the orchestrator's
/// commands (see [`CASE_PROTOCOL`]); the exit code.
pub fn run_from_stdin(registry: &Registry) -> i32 {
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", hello_line());
        let _ = out.flush();
    }
    let mut stdin = std::io::stdin().lock();
    let mut first = String::new();
    let case: Case = match stdin
        .read_line(&mut first)
        .map_err(anyhow::Error::from)
        .and_then(|_| serde_json::from_str(&first).context("case JSON on stdin's first line"))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 2;
        }
    };
    let mut session = match Session::start(registry, &case) {
        Ok((session, ready)) => {
            say(&Message::Ready(ready));
            session
        }
        Err(e) => {
            say(&Message::Error(format!("{e:#}")));
            return 0;
        }
    };
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        match line.trim() {
            REP_COMMAND => match session.repetition() {
                Ok(rep) => say(&Message::Rep(Box::new(rep))),
                Err(e) => {
                    say(&Message::Error(format!("{e:#}")));
                    // The runner may be broken: stop it, but the error is
                    // what the orchestrator records.
                    let _ = session.stop();
                    return 0;
                }
            },
            STOP_COMMAND => break,
            other => {
                say(&Message::Error(format!(
                    "unknown command `{other}` on stdin (expected `{REP_COMMAND}` or `{STOP_COMMAND}`)"
                )));
                let _ = session.stop();
                return 0;
            }
        }
    }
    match session.stop() {
        Ok(teardown) => say(&Message::Done { teardown }),
        Err(e) => say(&Message::Error(format!("{e:#}"))),
    }
    0
}

/// A case being measured: its runner started, its batch built.
struct Session {
    runner: Box<dyn bakeoff_runners::Runner>,
    batch: Arc<dyn bakeoff_workloads::Batch>,
    /// Batches per repetition.
    batches: u64,
    /// The idle RSS, that `peak_rss` is measured from: just before the
    /// case's first batch, warm-up or measured (see [`idle_rss`]).
    idle: Option<u64>,
    /// Process pools' `parent_mb`, kept until the case ends.
    _ballast: Vec<u8>,
}

/// Fails with the first failed task, or tasks that never finished.
fn check(job: &Job) -> Result<()> {
    if let Some((i, reason)) = job.failure() {
        return Err(anyhow!("task {i} {reason}"));
    }
    job.digest()
        .map(|_| ())
        .map_err(|missing| anyhow!("{missing} task(s) never finished"))
}

impl Session {
    /// Starts the runner, runs the warm-up batches and calibrates.
    fn start(registry: &Registry, case: &Case) -> Result<(Session, Ready)> {
        let entry = registry.get(&case.workload)?;
        if entry.server.is_some() {
            // One socket per task in flight, and some to spare.
            let in_flight = case.concurrency.unwrap_or(case.tasks).min(case.tasks) as u64;
            measure::ensure_open_files(in_flight, in_flight + 64)?;
        }
        let batch = entry.batch(&entry.params(&case.workload_params)?, case.tasks, case.seed)?;
        let kind = RunnerKind::from_id(&case.runner)?;
        let config = RunnerConfig {
            workers: case.workers.unwrap_or(1),
            concurrency: case.concurrency,
            params: kind.params(&case.runner_params)?,
        };

        // Process pools' `parent_mb`: the parent's memory that fork copies
        // (page tables) and spawn does not; allocated and touched before
        // the start-up clock runs, kept until the case ends. (A CPython
        // pool's parent is its interpreter, which allocates it itself.)
        let ballast = match kind.case_parent_mib(&config.params)? {
            0 => Vec::new(),
            mib => measure::ballast(mib),
        };
        // `starts - 1` extra starts, each stopped whole before the next,
        // then the start that runs the batches: all timed alike.
        let starts = case.starts.max(1);
        let mut ready = Ready::default();
        let (mut startups, mut interpreter_startups) = (Vec::new(), Vec::new());
        let mut started = None;
        for n in 1..=starts {
            let last = n == starts;
            if last {
                ready.baseline_rss = Some(Bytes(measure::current_rss()));
            }
            let before = (!last).then(Before::now);
            let t = Instant::now();
            let runner = match kind.start(&config) {
                Ok(runner) => runner,
                Err(e) if starts > 1 => {
                    return Err(anyhow::Error::from(e).context(format!("start {n} of {starts}")))
                }
                Err(e) => return Err(e.into()),
            };
            let elapsed = t.elapsed();
            // A runner in an interpreter times its parts itself, without the
            // exchange and the `parent_mb` allocation between them; its
            // samples are the model's part (the interpreter's start is the
            // same whatever the start method).
            let (whole, model, interpreter) = match runner.startup_parts() {
                Some(parts) => (
                    parts.interpreter + parts.model,
                    parts.model,
                    Some(parts.interpreter),
                ),
                None => (elapsed, elapsed, None),
            };
            startups.push(Nanos::from(model));
            interpreter_startups.extend(interpreter.map(Nanos::from));
            match before {
                None => {
                    ready.startup = Some(whole.into());
                    ready.interpreter_startup = interpreter.map(Into::into);
                    started = Some(runner);
                }
                Some(before) => before
                    .stop_whole(runner, &case.runner)
                    .with_context(|| format!("stopping start {n} of {starts}"))?,
            }
        }
        let runner = started.expect("the last start is kept");
        ready.startups = Some(startups);
        ready.interpreter_startups =
            (!interpreter_startups.is_empty()).then_some(interpreter_startups);
        let mut session = Session {
            runner,
            batch,
            batches: 1,
            idle: None,
            _ballast: ballast,
        };
        // Calibration times the warm-up, so it needs one.
        let warmup = if case.target_ns > 0 && case.batches.is_none() {
            case.warmup.max(1)
        } else {
            case.warmup
        };
        let mut fastest = u64::MAX;
        for _ in 0..warmup {
            let job = Job::new(Arc::clone(&session.batch));
            session.idle.get_or_insert_with(idle_rss);
            let (wall, _) = session.run_batch(&job)?;
            check(&job)?;
            fastest = fastest.min(wall.as_nanos() as u64);
        }
        // Side samples of the warm-up are not the measurement's.
        let _ = session.batch.take_samples();
        let measured = if fastest == u64::MAX { 0 } else { fastest };
        ready.calibration = match case.batches {
            Some(batches) => Calibration {
                target: Nanos(case.target_ns),
                batch_wall: Nanos(measured),
                batches: batches.clamp(1, Calibration::MAX_BATCHES),
                inherited: true,
            },
            None => Calibration {
                target: Nanos(case.target_ns),
                batch_wall: Nanos(measured),
                batches: Calibration::batches_for(case.target_ns, measured),
                inherited: false,
            },
        };
        session.batches = ready.calibration.batches;
        Ok((session, ready))
    }

    /// Runs one batch: its wall time (the interpreter's own, for runners
    /// that measure inside one) and what the runner measured inside.
    fn run_batch(
        &mut self,
        job: &Arc<Job>,
    ) -> Result<(std::time::Duration, Option<bakeoff_runners::MeasuredInside>)> {
        let t = Instant::now();
        let ran = self.runner.run(job);
        let wall = t.elapsed();
        let inside = self.runner.measured_inside();
        ran?;
        Ok((inside.as_ref().map_or(wall, |i| i.wall), inside))
    }

    /// Measures one repetition: `batches` batches back to back.
    fn repetition(&mut self) -> Result<Repetition> {
        let k = self.batches.max(1);
        // The first job (and its per-task slots) is allocated before the
        // idle RSS is taken, so it does not count as the model's memory;
        // each later one replaces the one before, freed first.
        let mut job = Some(Job::new(Arc::clone(&self.batch)));
        let idle = *self.idle.get_or_insert_with(idle_rss);
        // Free memory goes back to the kernel before every repetition, so
        // what an earlier one left behind weighs on this one's peak as
        // little as the allocator allows.
        measure::release_free_memory();
        let peak = PeakRss::start();
        let neighbours = measure::Neighbours::start();
        let usage = Usage::now();
        let workers_before = self.runner.workers_cpu();
        let span = Instant::now();
        let (mut latency, mut service, mut lag) = (
            measure::histogram(),
            measure::histogram(),
            measure::histogram(),
        );
        let mut wall = std::time::Duration::ZERO;
        let mut inside_peak: Option<(u64, u64, bool)> = None;
        let mut digest: Option<String> = None;
        let mut incidents: Option<bakeoff_runners::Incidents> = None;
        let mut tasks = 0usize;
        for b in 0..k {
            let this = match job.take() {
                Some(j) if b == 0 => j,
                old => {
                    drop(old);
                    Job::new(Arc::clone(&self.batch))
                }
            };
            let ran = self.run_batch(&this);
            if let Some(i) = self.runner.incidents() {
                let sum = incidents.get_or_insert_with(Default::default);
                sum.worker_deaths += i.worker_deaths;
                sum.tasks_retried += i.tasks_retried;
                sum.workers_replaced += i.workers_replaced;
                for cause in i.death_causes {
                    if sum.death_causes.len() < bakeoff_runners::Incidents::CAUSES_KEPT {
                        sum.death_causes.push(cause);
                    }
                }
            }
            let (batch_wall, inside) = ran?;
            check(&this)?;
            wall += batch_wall;
            let this_digest = this.digest().expect("checked above").to_string();
            match &digest {
                None => digest = Some(this_digest),
                Some(d) if *d != this_digest => {
                    return Err(anyhow!(
                        "batch {b} of a repetition computed {this_digest}, the first {d}: the same tasks gave another answer"
                    ))
                }
                Some(_) => {}
            }
            for (_, r) in this.records() {
                latency.saturating_record(r.latency_ns().max(1));
                service.saturating_record(r.service_ns().max(1));
            }
            tasks += this.len();
            let mut inside = inside;
            let samples = inside
                .as_mut()
                .and_then(|i| i.samples.take())
                .or_else(|| self.batch.take_samples());
            for v in samples.into_iter().flatten() {
                lag.saturating_record(v.max(1));
            }
            // A batch run inside an interpreter: its memory is the
            // interpreter's, measured there.
            if let Some(i) = inside {
                let (p, idle_inside, exact) = inside_peak.get_or_insert((0, i.idle_rss, true));
                *p = (*p).max(i.peak_rss);
                *idle_inside = (*idle_inside).min(i.idle_rss);
                *exact &= i.peak_exact;
            }
            job = Some(this);
        }
        let outer = span.elapsed();
        let mut used = Usage::now().since(usage);
        let pool_memory = self.runner.workers_memory();
        // Worker processes are not our waited-for children until the pool
        // stops, so rusage misses them: add what /proc says they used.
        if let (Some(a), Some(b)) = (workers_before, self.runner.workers_cpu()) {
            used.user += b.user_ns.saturating_sub(a.user_ns);
            used.system += b.system_ns.saturating_sub(a.system_ns);
            used.voluntary += b.voluntary.saturating_sub(a.voluntary);
            used.involuntary += b.involuntary.saturating_sub(a.involuntary);
        }
        let interference = neighbours.finish(outer.as_nanos() as u64, used.user + used.system);
        let (mut peak, mut peak_source) = peak.finish();
        let mut idle = idle;
        if let Some((p, i, exact)) = inside_peak {
            (peak, idle) = (p, i);
            peak_source = if exact {
                PeakRssSource::VmHwm
            } else {
                PeakRssSource::Sampler
            };
        }
        let loop_lag = (!lag.is_empty()).then(|| measure::percentiles(&lag));
        let per_batch = |v: u64| v / k;
        Ok(Repetition {
            wall: (wall / k as u32).into(),
            throughput: tasks as f64 / wall.as_secs_f64().max(1e-12),
            latency: measure::percentiles(&latency),
            service: measure::percentiles(&service),
            cpu_user: Nanos(per_batch(used.user)),
            cpu_system: Nanos(per_batch(used.system)),
            peak_rss: Bytes(peak.saturating_sub(idle)),
            process_peak_rss: Some(Bytes(peak)),
            peak_rss_source: Some(peak_source),
            voluntary_switches: per_batch(used.voluntary),
            involuntary_switches: per_batch(used.involuntary),
            pool_rss: pool_memory.map(|m| Bytes(m.rss)),
            pool_pss: pool_memory.map(|m| Bytes(m.pss)),
            loop_lag,
            worker_deaths: incidents.as_ref().map(|i| i.worker_deaths as u64),
            worker_death_causes: incidents
                .as_ref()
                .map(|i| i.death_causes.clone())
                .filter(|c| !c.is_empty()),
            tasks_retried: incidents.as_ref().map(|i| i.tasks_retried as u64),
            workers_replaced: incidents.as_ref().map(|i| i.workers_replaced as u64),
            digest: digest.unwrap_or_default(),
            batches: (k > 1).then_some(k),
            interference,
        })
    }

    /// Stops the runner; its tear-down time.
    fn stop(self) -> Result<Nanos> {
        let t = Instant::now();
        self.runner.stop()?;
        Ok(t.elapsed().into())
    }
}

/// How long the processes an extra start started may take to exit once
/// their runner stopped (a CPython pool's interpreter, multiprocessing's
/// fork server and resource tracker leave after it).
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long an extra start's threads may take to end once their runner
/// stopped (rayon's leave after its pool is dropped); a runtime that keeps
/// its threads for the life of the process (async-std's global executor)
/// is not waited for longer.
const THREAD_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// The case process's processes and threads before a start, so that what
/// the start added can be waited for once its runner stops.
struct Before {
    processes: Vec<u32>,
    threads: u64,
}

impl Before {
    fn now() -> Before {
        Before {
            processes: bakeoff_os::descendants(std::process::id()),
            threads: bakeoff_os::status_field(bakeoff_os::StatusField::Threads).unwrap_or(1),
        }
    }

    /// Stops a runner started only to time its start, and waits until
    /// every process it added below this one has exited (workers, fork
    /// servers, an interpreter and what it started), so that the next
    /// start shares the machine with none of them; a process still
    /// running after [`STOP_WAIT`] fails the case. Its threads get
    /// [`THREAD_WAIT`] to end.
    fn stop_whole(&self, runner: Box<dyn bakeoff_runners::Runner>, id: &str) -> Result<()> {
        let added: Vec<u32> = bakeoff_os::descendants(std::process::id())
            .into_iter()
            .filter(|p| !self.processes.contains(p))
            .collect();
        runner.stop()?;
        let threads = || bakeoff_os::status_field(bakeoff_os::StatusField::Threads).unwrap_or(1);
        let since = Instant::now();
        loop {
            let left: Vec<u32> = added
                .iter()
                .copied()
                .filter(|&p| bakeoff_os::process_running(p))
                .collect();
            if left.is_empty() && (threads() <= self.threads || since.elapsed() >= THREAD_WAIT) {
                return Ok(());
            }
            if since.elapsed() >= STOP_WAIT {
                let pids: Vec<String> = left.iter().map(u32::to_string).collect();
                return Err(anyhow!(
                    "{id} left {} process(es) running {} s after it stopped (pid {}), so the next start would share the machine with them; lower --starts to 1 to measure this runner",
                    left.len(),
                    STOP_WAIT.as_secs(),
                    pids.join(", ")
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

/// The case process's RSS with its runner started and idle and the first
/// batch's job allocated, once the free heap is back with the kernel, in
/// bytes: what every batch's `peak_rss` is measured from.
///
/// It is taken once, before the first batch, because the allocator keeps
/// memory a batch freed (glibc's `malloc_trim` cannot shrink the heaps of
/// other threads' arenas, and freeing a large block raises its trim
/// threshold): measured before each batch, that memory would count as
/// idle, and the next batch, reusing it, would seem to need less — the
/// more so the more warm-up batches ran. The peak is absolute, so memory
/// kept and reused counts once, and memory kept and not reused counts
/// as the batch's.
fn idle_rss() -> u64 {
    measure::release_free_memory();
    measure::current_rss()
}

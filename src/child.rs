//! The case child: runs one [`Case`] in a fresh process and prints its
//! measurements as one JSON line on stdout.
//!
//! The orchestrator starts the current executable with
//! `BAKEOFF_ROLE=case` and the case as JSON on stdin; [`child_entry`]
//! recognises that and takes over `main`. A program that embeds bakeoff
//! must call it first thing in `main`, before starting any thread.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use bakeoff_reports::{Bytes, Nanos, Repetition};
use bakeoff_runners::{Job, RunnerConfig, RunnerKind};
use bakeoff_workloads::Registry;
use serde::{Deserialize, Serialize};

use crate::measure::{self, PeakRss, PeakRssSource, Usage};
use crate::Case;

/// The environment variable that marks a case child (the one that names
/// every process role, defined with the process pools).
pub use bakeoff_runners::process::ROLE_ENV;

/// The version of the exchange between the orchestrator and a case child
/// (the case JSON on stdin; the hello and the report on stdout). Bump it
/// when either side changes shape.
pub const CASE_PROTOCOL: u32 = 1;

/// What the start of a case child's first line on stdout says, before
/// its protocol version: the handshake by which the orchestrator knows
/// that the program it started really is a case child, and not a program
/// that forgot to call [`child_entry`] and is running its own `main`.
pub const HELLO_PREFIX: &str = "bakeoff-case-child protocol=";

/// The hello line a case child prints first, with no newline.
pub fn hello_line() -> String {
    format!("{HELLO_PREFIX}{CASE_PROTOCOL}")
}

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

/// What a case child reports on stdout.
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

/// Reads a case from stdin, runs it, prints the report; the exit code.
pub fn run_from_stdin(registry: &Registry) -> i32 {
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", hello_line());
        let _ = out.flush();
    }
    let mut input = String::new();
    let case: Case = match std::io::stdin()
        .read_to_string(&mut input)
        .map_err(anyhow::Error::from)
        .and_then(|_| serde_json::from_str(&input).context("case JSON on stdin"))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 2;
        }
    };
    let mut report = ChildReport::default();
    if let Err(e) = run_case(registry, &case, &mut report) {
        report.error = Some(format!("{e:#}"));
    }
    let line = serde_json::to_string(&report).expect("report serialises");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    0
}

fn run_case(registry: &Registry, case: &Case, report: &mut ChildReport) -> Result<()> {
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
    // (page tables) and spawn does not; allocated and touched before the
    // start-up clock runs, kept until the case ends. (A CPython pool's
    // parent is its interpreter, which allocates it itself.)
    let _ballast = match kind.case_parent_mib(&config.params)? {
        0 => Vec::new(),
        mib => measure::ballast(mib),
    };
    report.baseline_rss = Some(Bytes(measure::current_rss()));
    let t = Instant::now();
    let mut runner = kind.start(&config)?;
    report.startup = Some(t.elapsed().into());
    // A runner in an interpreter times its parts itself, without the
    // exchange and the `parent_mb` allocation between them.
    if let Some(parts) = runner.startup_parts() {
        report.startup = Some((parts.interpreter + parts.model).into());
        report.interpreter_startup = Some(parts.interpreter.into());
    }

    let check = |job: &Job| -> Result<()> {
        if let Some((i, reason)) = job.failure() {
            return Err(anyhow!("task {i} {reason}"));
        }
        job.digest()
            .map(|_| ())
            .map_err(|missing| anyhow!("{missing} task(s) never finished"))
    };
    let mut outcome = Ok(());
    // The idle RSS, that `peak_rss` is measured from: just before the
    // case's first batch, warm-up or measured (see `idle_rss`).
    let mut idle = None;
    for _ in 0..case.warmup {
        let job = Job::new(Arc::clone(&batch));
        idle.get_or_insert_with(idle_rss);
        runner.run(&job)?;
        check(&job)?;
    }
    // Side samples of the warm-up are not the measurement's.
    let _ = batch.take_samples();
    for _ in 0..case.reps {
        // The job (and its per-task slots) is allocated before the idle
        // RSS is taken, so it does not count as the model's memory.
        let job = Job::new(Arc::clone(&batch));
        let idle = *idle.get_or_insert_with(idle_rss);
        // Free memory goes back to the kernel before every batch, so what
        // an earlier batch left behind weighs on this one's peak as
        // little as the allocator allows.
        measure::release_free_memory();
        let peak = PeakRss::start();
        let usage = Usage::now();
        let workers_before = runner.workers_cpu();
        let t = Instant::now();
        let ran = runner.run(&job);
        let mut wall = t.elapsed();
        let mut used = Usage::now().since(usage);
        let pool_memory = runner.workers_memory();
        // Worker deaths, retries and replacements of this batch.
        let incidents = runner.incidents();
        // Worker processes are not our waited-for children until the pool
        // stops, so rusage misses them: add what /proc says they used.
        if let (Some(a), Some(b)) = (workers_before, runner.workers_cpu()) {
            used.user += b.user_ns.saturating_sub(a.user_ns);
            used.system += b.system_ns.saturating_sub(a.system_ns);
            used.voluntary += b.voluntary.saturating_sub(a.voluntary);
            used.involuntary += b.involuntary.saturating_sub(a.involuntary);
        }
        let (mut peak, mut peak_source) = peak.finish();
        let mut idle = idle;
        let mut samples = None;
        // A batch run inside an interpreter: its wall and memory are the
        // interpreter's, measured there.
        if let Some(inside) = runner.measured_inside() {
            wall = inside.wall;
            (peak, idle) = (inside.peak_rss, inside.idle_rss);
            peak_source = if inside.peak_exact {
                PeakRssSource::VmHwm
            } else {
                PeakRssSource::Sampler
            };
            samples = inside.samples;
        }
        if let Err(e) = ran.map_err(anyhow::Error::from).and_then(|_| check(&job)) {
            outcome = Err(e);
            break;
        }
        let (mut latency, mut service) = (measure::histogram(), measure::histogram());
        for (_, r) in job.records() {
            latency.saturating_record(r.latency_ns().max(1));
            service.saturating_record(r.service_ns().max(1));
        }
        let digest = job.digest().expect("checked above");
        let loop_lag = samples
            .or_else(|| batch.take_samples())
            .filter(|s| !s.is_empty())
            .map(|s| {
                let mut h = measure::histogram();
                for v in s {
                    h.saturating_record(v.max(1));
                }
                measure::percentiles(&h)
            });
        report.repetitions.push(Repetition {
            wall: wall.into(),
            throughput: job.len() as f64 / wall.as_secs_f64().max(1e-12),
            latency: measure::percentiles(&latency),
            service: measure::percentiles(&service),
            cpu_user: Nanos(used.user),
            cpu_system: Nanos(used.system),
            peak_rss: Bytes(peak.saturating_sub(idle)),
            process_peak_rss: Some(Bytes(peak)),
            peak_rss_source: Some(peak_source),
            voluntary_switches: used.voluntary,
            involuntary_switches: used.involuntary,
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
            digest: digest.to_string(),
            batches: None,
            interference: None,
        });
    }
    let t = Instant::now();
    runner.stop()?;
    report.teardown = Some(t.elapsed().into());
    outcome
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

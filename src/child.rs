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

use crate::measure::{self, RssSampler, Usage};
use crate::Case;

/// The environment variable that marks a case child.
pub const ROLE_ENV: &str = "BAKEOFF_ROLE";

/// What a case child reports on stdout.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ChildReport {
    /// Runner start-up time.
    pub startup: Option<Nanos>,
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
/// (`spawn-pool` and `forkserver-pool` re-execute this program).
pub fn child_entry(registry: &Registry) -> Option<i32> {
    if let Some(code) = bakeoff_runners::process::entry(registry) {
        return Some(code);
    }
    if std::env::var(ROLE_ENV).ok()? != "case" {
        return None;
    }
    // Fork-pool workers are copies of this process: they find the
    // workloads here.
    registry.clone().install();
    Some(run_from_stdin(registry))
}

/// Reads a case from stdin, runs it, prints the report; the exit code.
pub fn run_from_stdin(registry: &Registry) -> i32 {
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
    // start-up clock runs, kept until the case ends.
    let _ballast = match config.params.values().get("parent_mb") {
        Some(_) => measure::ballast(config.params.get::<usize>("parent_mb")?),
        None => Vec::new(),
    };
    report.baseline_rss = Some(Bytes(measure::current_rss()));
    let t = Instant::now();
    let mut runner = kind.start(&config)?;
    report.startup = Some(t.elapsed().into());

    let check = |job: &Job| -> Result<()> {
        if let Some((i, reason)) = job.failure() {
            return Err(anyhow!("task {i} {reason}"));
        }
        job.digest()
            .map(|_| ())
            .map_err(|missing| anyhow!("{missing} task(s) never finished"))
    };
    let mut outcome = Ok(());
    for _ in 0..case.warmup {
        let job = Job::new(Arc::clone(&batch));
        runner.run(&job)?;
        check(&job)?;
    }
    // Side samples of the warm-up are not the measurement's.
    let _ = batch.take_samples();
    for _ in 0..case.reps {
        // The job (and its per-task slots) is allocated before the
        // baseline is taken, so it does not count as the model's memory.
        let job = Job::new(Arc::clone(&batch));
        // Memory the last batch freed goes back to the kernel first, so
        // the peak above this baseline is what this batch holds, not what
        // it could reuse from the warm-up.
        measure::release_free_memory();
        let rss_before = measure::current_rss();
        let sampler = RssSampler::start();
        let usage = Usage::now();
        let workers_before = runner.workers_cpu();
        let t = Instant::now();
        let ran = runner.run(&job);
        let wall = t.elapsed();
        let mut used = Usage::now().since(usage);
        let pool_memory = runner.workers_memory();
        // Worker processes are not our waited-for children until the pool
        // stops, so rusage misses them: add what /proc says they used.
        if let (Some(a), Some(b)) = (workers_before, runner.workers_cpu()) {
            used.user += b.user_ns.saturating_sub(a.user_ns);
            used.system += b.system_ns.saturating_sub(a.system_ns);
        }
        let peak = sampler.finish();
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
        let loop_lag = batch.take_samples().filter(|s| !s.is_empty()).map(|s| {
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
            peak_rss: Bytes(peak.saturating_sub(rss_before)),
            voluntary_switches: used.voluntary,
            involuntary_switches: used.involuntary,
            pool_rss: pool_memory.map(|m| Bytes(m.rss)),
            pool_pss: pool_memory.map(|m| Bytes(m.pss)),
            loop_lag,
            digest: digest.to_string(),
        });
    }
    let t = Instant::now();
    runner.stop()?;
    report.teardown = Some(t.elapsed().into());
    outcome
}

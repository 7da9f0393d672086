//! `results.json`, schema `bakeoff.results/1`: the canonical result.
//!
//! Every field is documented here and in docs/RESULTS-SCHEMA.md; the JSON
//! Schema in docs/results.schema.json is generated from these types
//! ([`Results::json_schema`]), so each doc comment below is also a field's
//! `description` there. Tests keep the three in step: `tests/cli.rs`
//! compares the committed schema with the generated one, and
//! `reports/tests/schema_doc.rs` compares the document's field tables with
//! the schema's properties.
//!
//! Units: a [`Nanos`] field is an integer number of nanoseconds and a
//! [`Bytes`] field an integer number of bytes, and every such field's
//! comment says so (a test checks), since the field names carry no unit;
//! the floats of [`Summary`] and [`crate::Stat`] carry theirs in their
//! names (`wall_s`, `peak_rss_bytes`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::stats::Stat;
use crate::ReportError;

/// The schema id this version writes and reads.
pub const SCHEMA: &str = "bakeoff.results/1";

/// A duration in whole nanoseconds (JSON: an integer).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Nanos(pub u64);

impl Nanos {
    /// As a [`Duration`].
    pub fn duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// As seconds.
    pub fn secs(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

impl From<Duration> for Nanos {
    fn from(d: Duration) -> Self {
        Nanos(d.as_nanos().min(u64::MAX as u128) as u64)
    }
}

/// A size in bytes (JSON: an integer).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Bytes(pub u64);

/// One whole run: what ran, where, and every case's measurements.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    /// Always `bakeoff.results/1` for this version.
    pub schema: String,
    /// Version of bakeoff that wrote the file.
    pub bakeoff_version: String,
    /// Name of the suite, or `ad-hoc` for a `run --workload …` sweep.
    pub suite: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// When the file was last written (RFC 3339, UTC).
    pub updated_at: String,
    /// True once every planned case has run.
    pub complete: bool,
    /// True if the run was stopped by a signal (Ctrl-C, SIGTERM, SIGHUP);
    /// the cases present are valid.
    pub interrupted: bool,
    /// The signal that stopped the run: `SIGINT` (Ctrl-C), `SIGTERM` or
    /// `SIGHUP`; absent when it was not stopped, and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted_by: Option<String>,
    /// Cases planned in total (the file may hold fewer while running).
    pub planned_cases: u64,
    /// The program whose case children measured these cases, when it was
    /// not the bakeoff that wrote the file (`compare --base BIN --new
    /// BIN`, which writes one file per program); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The machine and software the run measured.
    pub environment: Environment,
    /// Every case that finished, successfully or not, in run order.
    pub cases: Vec<CaseRecord>,
}

/// The machine, limits and versions a run measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// Host name.
    pub hostname: String,
    /// CPU model name from /proc/cpuinfo.
    pub cpu_model: String,
    /// Logical CPUs available to the process.
    pub logical_cores: u32,
    /// Physical cores (distinct core ids).
    pub physical_cores: u32,
    /// Total memory, in bytes.
    pub memory: Bytes,
    /// OS and kernel release (`Linux 6.1.0`).
    pub kernel: String,
    /// `rustc -V` of the compiler that built bakeoff.
    pub rustc: String,
    /// Cargo profile bakeoff was built with (`release` or `debug`).
    pub profile: String,
    /// Versions of the runtimes under test (`tokio`, `async-std`, `smol`, `rayon`, …).
    pub crates: BTreeMap<String, String>,
    /// Soft limit on open files (`ulimit -n`), if known.
    pub open_files_limit: Option<u64>,
    /// Soft limit on processes and threads (`ulimit -u`), if known.
    pub process_limit: Option<u64>,
    /// `vm.max_map_count`: memory mappings per process (about 4 per thread).
    pub max_map_count: Option<u64>,
    /// `kernel.threads-max`: threads system-wide.
    pub threads_max: Option<u64>,
    /// 1, 5 and 15-minute load averages when the run started.
    pub load_average: [f64; 3],
    /// Git commit of the bakeoff source tree, if it is a checkout.
    pub git_commit: Option<String>,
    /// The full command line.
    pub command_line: Vec<String>,
    /// The Python interpreter the `py-*` runners use, when one was found
    /// (absent when none was, or in results written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PythonEnv>,
}

/// The Python interpreter of a run, as it describes itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PythonEnv {
    /// The interpreter's path (`sys.executable`).
    pub path: String,
    /// `sys.implementation.name`: `cpython`, `pypy`, …
    pub implementation: String,
    /// `platform.python_version()`: `3.11.2`.
    pub version: String,
    /// Whether the GIL is enabled: `sys._is_gil_enabled()` where the
    /// interpreter has it (3.13 and later), `true` otherwise.
    pub gil_enabled: bool,
}

/// Whether a case produced trustworthy numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Ran to the end and every repetition matched the reference digest.
    Ok,
    /// Crashed, timed out, had an unfinished task, or computed a different
    /// answer: never summarised as a success.
    Failed,
    /// Not run, because this machine cannot run it (no Python interpreter
    /// for a `py-*` runner): `failure.reason` says why. Neither a success
    /// nor a failure: a run whose other cases pass still passes.
    Skipped,
}

/// What a workload's tasks spend their time on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    /// The work computes (`noop`, `countdown`, `primes`, `sha256`, …).
    Cpu,
    /// The work waits: sleeps, sockets, files, the heartbeat of `loop-lag`.
    Io,
}

impl WorkloadKind {
    /// `cpu` or `io`, as results.json and the CSV write it.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Cpu => "cpu",
            WorkloadKind::Io => "io",
        }
    }
}

/// The concurrency model a runner belongs to; it picks a runner's colour.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// One plain loop (`seq`): what every speed-up is measured against.
    Baseline,
    /// Threads in one process.
    Threads,
    /// Worker processes.
    Processes,
    /// Tasks on an async runtime.
    Async,
    /// CPython's own models (`py-seq`, `py-threads`, `py-fork`, …): the
    /// same work in the interpreter the course teaches.
    Cpython,
}

impl Family {
    /// `baseline`, `threads`, `processes`, `async` or `cpython`, as results.json
    /// and the CSV write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::Threads => "threads",
            Family::Processes => "processes",
            Family::Async => "async",
            Family::Cpython => "cpython",
        }
    }
}

/// One point of a sweep: a workload and a runner with all their settings.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CaseRecord {
    /// Stable id: `workload[params]/runner[params]/w…/c…/t…`.
    pub id: String,
    /// Workload id.
    pub workload: String,
    /// `cpu` (the work computes) or `io` (the work waits: sleeps,
    /// sockets, files, the heartbeat of `loop-lag`).
    pub workload_kind: WorkloadKind,
    /// Every workload parameter, resolved (defaults included).
    pub workload_params: BTreeMap<String, String>,
    /// Runner id.
    pub runner: String,
    /// `baseline`, `threads`, `processes`, `async` or `cpython`.
    pub family: Family,
    /// Every runner parameter, resolved.
    pub runner_params: BTreeMap<String, String>,
    /// The runner as a legend shows it: its id and the parameters worth
    /// showing (`cpu` always, others when not default), e.g.
    /// `tokio-mt cpu=offload` or `fork-pool chunksize=4`. Absent in files
    /// from older versions, where figures show every parameter. Not unique:
    /// cases that differ only in workers, concurrency, tasks or workload
    /// parameters share it (results.csv's `runner_label` adds those).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_label: Option<String>,
    /// Worker threads or processes; null for runners that have none.
    pub workers: Option<u64>,
    /// Tasks in flight at most; null when the whole batch is submitted at once.
    pub concurrency: Option<u64>,
    /// Tasks per batch.
    pub tasks: u64,
    /// Seed the task list was built from.
    pub seed: u64,
    /// Unmeasured batches run before the repetitions.
    pub warmup: u64,
    /// `ok`, `failed` or `skipped`.
    pub status: CaseStatus,
    /// Why the case failed, or why it was skipped; null when it is `ok`.
    pub failure: Option<Failure>,
    /// Digests and whether they match the reference.
    pub verification: Verification,
    /// Time to start the runner (threads, runtime, pool), in nanoseconds.
    pub startup: Option<Nanos>,
    /// For runners that run in an interpreter (`py-*`): the part of
    /// `startup` spent starting the interpreter and importing bakeoff's
    /// module, up to its first message, in nanoseconds; the rest of
    /// `startup` is the model's own start (the pool's workers ready).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_startup: Option<Nanos>,
    /// Every start-up the case measured, in nanoseconds, in order: with
    /// `starts` = k, the case child started and stopped the runner k − 1
    /// times before the start that ran the batches (`startup`, the last
    /// here). For runners in an interpreter, the model's part of each (the
    /// pool's start once the interpreter is up, without
    /// `interpreter_startups`). Absent in older files and from case
    /// children of older builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startups: Option<Vec<Nanos>>,
    /// For runners in an interpreter (`py-*`): the interpreter's part of
    /// each start (as `interpreter_startup` is of `startup`), in
    /// nanoseconds, in the order of `startups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_startups: Option<Vec<Nanos>>,
    /// Time to stop the runner, in nanoseconds.
    pub teardown: Option<Nanos>,
    /// Resident memory of the case process before the runner started, in bytes.
    pub baseline_rss: Option<Bytes>,
    /// Every measured batch.
    pub repetitions: Vec<Repetition>,
    /// Statistics across repetitions; null when the case failed.
    pub summary: Option<Summary>,
    /// Median throughput over that of the `seq` case of the same workload,
    /// parameters, tasks and seed (a ratio; 1 for `seq` itself), or of the
    /// `py-seq` case for CPython's runners (see `speedup_baseline`); null
    /// when either has no summary.
    pub speedup_vs_seq: Option<f64>,
    /// The runner `speedup_vs_seq` is measured against, when it is not
    /// `seq`: `py-seq` for CPython's runners, whose speed-up is over one
    /// interpreter running the same tasks one after another (absent:
    /// `seq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup_baseline: Option<String>,
    /// IO cases that talked to an embedded server: what that server did
    /// and the CPU it used while the case ran (absent otherwise, and with
    /// `--target`, whose server bakeoff cannot see).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerUsage>,
    /// How many batches a repetition runs, and why (absent in files
    /// written before calibration, where a repetition was one batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    /// Why the harness stopped repeating the case (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopping: Option<Stopping>,
}

/// What calibration chose for a case: enough batches per repetition that
/// a repetition lasts at least `target`, as pyperf calibrates its loops.
/// The task count is never changed (it is part of the question: 10 000
/// sleeps stay 10 000); more batches of the same tasks are run instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Calibration {
    /// The suite's target time per repetition, in nanoseconds (0: no
    /// calibration asked for, one batch per repetition).
    pub target: Nanos,
    /// One batch's wall time as the warm-up batches measured it (their
    /// fastest), in nanoseconds.
    pub batch_wall: Nanos,
    /// Batches per repetition: `ceil(target / batch_wall)`, at least 1 and
    /// at most [`Calibration::MAX_BATCHES`].
    pub batches: u64,
    /// True when another build's case child chose it and this one took it
    /// over (`compare --base BIN --new BIN` runs both sides with the same
    /// batches per repetition).
    #[serde(default)]
    pub inherited: bool,
}

impl Calibration {
    /// The most batches one repetition runs, however short a batch is.
    pub const MAX_BATCHES: u64 = 1000;

    /// Batches per repetition for a batch of `batch_wall` ns and a
    /// repetition of `target` ns.
    pub fn batches_for(target: u64, batch_wall: u64) -> u64 {
        if target == 0 {
            return 1;
        }
        target
            .div_ceil(batch_wall.max(1))
            .clamp(1, Calibration::MAX_BATCHES)
    }
}

/// When and why the harness stopped repeating a case.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stopping {
    /// Why it stopped.
    pub reason: StopReason,
    /// The precision asked for: the median's interval half-width over the
    /// median (0.02 = ±2 %).
    pub precision_target: f64,
    /// The precision reached, of the metric the stopping rule watches
    /// (throughput).
    pub precision: f64,
    /// The time budget of the case's repetitions, in nanoseconds.
    pub budget: Nanos,
}

/// Why the harness stopped repeating a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The median's interval became narrow enough.
    Precise,
    /// The case's time budget was spent first.
    Budget,
    /// The most repetitions allowed were measured first.
    MaxReps,
    /// A fixed count was asked for (`--reps N`, or a suite's fixed `reps`).
    Fixed,
    /// A repetition failed (or the run was stopped): no more were asked.
    Failed,
}

impl StopReason {
    /// The word results files use.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Precise => "precise",
            StopReason::Budget => "budget",
            StopReason::MaxReps => "max_reps",
            StopReason::Fixed => "fixed",
            StopReason::Failed => "failed",
        }
    }
}

/// What else the machine did while one repetition ran, from /proc/stat
/// read before and after it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Interference {
    /// CPU time the hypervisor gave to other guests (`steal`), as a share
    /// of every core over the repetition's wall time (0.05 = 5 %).
    pub steal: f64,
    /// CPU time used by everything but the case's own processes (the
    /// machine's busy time, minus steal, minus the case's CPU time), as a
    /// share of every core over the wall time: neighbours, the
    /// orchestrator, an embedded server.
    pub others: f64,
    /// The most runnable tasks on the machine (`procs_running`), read at
    /// the start and the end, the case's own included.
    pub runnable: u64,
    /// The mean CPU frequency over the cores at the end, in MHz, where
    /// the kernel exposes it (`cpufreq/scaling_cur_freq`; absent on most
    /// virtual machines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_mhz: Option<f64>,
    /// The share of the wall time during which some runnable task on the
    /// machine waited for a CPU (PSI `cpu some`), where the kernel has
    /// PSI: a case with more runnable threads than cores raises it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pressure: Option<f64>,
    /// How far `steal` and `others` may be off: /proc/stat counts whole
    /// clock ticks, so over a short repetition a tick or two at either end
    /// is a large share (2 ticks / wall).
    #[serde(default)]
    pub resolution: f64,
    /// True when `steal` or `others` is above [`Interference::STEAL_LIMIT`]
    /// or [`Interference::OTHERS_LIMIT`] by more than `resolution`: the
    /// repetition ran beside enough other work to move its timing.
    pub flagged: bool,
}

impl Interference {
    /// Steal above this share flags a repetition.
    pub const STEAL_LIMIT: f64 = 0.02;
    /// Other processes' CPU above this share flags a repetition.
    pub const OTHERS_LIMIT: f64 = 0.10;

    /// Whether these shares, known to within `resolution`, flag a
    /// repetition.
    pub fn flags(steal: f64, others: f64, resolution: f64) -> bool {
        steal - resolution > Interference::STEAL_LIMIT
            || others - resolution > Interference::OTHERS_LIMIT
    }
}

/// The embedded server's share of a case: counted by the server itself,
/// from just before the case process started to just after it ended
/// (warm-up batches included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServerUsage {
    /// `echo` or `http`.
    pub kind: String,
    /// Requests it answered (echo frames, HTTP responses).
    pub requests: u64,
    /// Connections it accepted.
    pub connections: u64,
    /// User CPU time of the server process, in nanoseconds.
    pub cpu_user: Nanos,
    /// System CPU time of the server process, in nanoseconds.
    pub cpu_system: Nanos,
}

impl ServerUsage {
    /// Server CPU seconds per request answered.
    pub fn cpu_per_request(&self) -> Option<f64> {
        (self.requests > 0)
            .then(|| (self.cpu_user.0 + self.cpu_system.0) as f64 / 1e9 / self.requests as f64)
    }
}

impl Repetition {
    /// Whether a worker process died during the batch (or a task was
    /// retried, or a worker replaced): its timing is not a clean
    /// measurement, even though its digest may be right.
    pub fn disturbed(&self) -> bool {
        [
            self.worker_deaths,
            self.tasks_retried,
            self.workers_replaced,
        ]
        .into_iter()
        .any(|n| n.unwrap_or(0) > 0)
    }
}

impl CaseRecord {
    /// Whether any repetition was [`Repetition::disturbed`]: a worker died
    /// during a measured batch. The case keeps its status (its digests may
    /// still verify) and is flagged wherever it is shown.
    pub fn disturbed(&self) -> bool {
        self.repetitions.iter().any(Repetition::disturbed)
    }

    /// The model's start-up times in seconds: `startups` when present,
    /// else the one `startup` (less `interpreter_startup`, for runners in
    /// an interpreter, so that the samples mean the same in older files);
    /// empty when start-up was not measured.
    pub fn startup_samples(&self) -> Vec<f64> {
        match &self.startups {
            Some(all) => all.iter().map(|s| s.secs()).collect(),
            None => self
                .startup
                .map(|s| s.secs() - self.interpreter_startup.map_or(0.0, Nanos::secs))
                .into_iter()
                .collect(),
        }
    }

    /// Whole start-up times in seconds, the interpreter's part included:
    /// each of [`startup_samples`](Self::startup_samples) plus its
    /// `interpreter_startups` entry, or the one `startup`.
    pub fn whole_startup_samples(&self) -> Vec<f64> {
        match (&self.startups, &self.interpreter_startups) {
            (Some(model), Some(interpreter)) if model.len() == interpreter.len() => model
                .iter()
                .zip(interpreter)
                .map(|(m, i)| m.secs() + i.secs())
                .collect(),
            (Some(model), None) => model.iter().map(|s| s.secs()).collect(),
            _ => self.startup.map(Nanos::secs).into_iter().collect(),
        }
    }

    /// How many cores the embedded server kept busy while the case's
    /// batches ran: its CPU time per task (over the warm-up batches and
    /// every batch of every repetition, [`Repetition::batches`]) times the
    /// median tasks per second. `None` without a server or a summary.
    pub fn server_cores(&self) -> Option<f64> {
        let server = self.server.as_ref()?;
        let summary = self.summary.as_ref()?;
        let measured: u64 = self
            .repetitions
            .iter()
            .map(|r| r.batches.unwrap_or(1))
            .sum();
        let batches = self.warmup + measured;
        let tasks = (self.tasks * batches) as f64;
        (tasks > 0.0).then(|| {
            (server.cpu_user.0 + server.cpu_system.0) as f64 / 1e9 / tasks
                * summary.throughput.median
        })
    }
}

/// Why a case failed.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Failure {
    /// One line, for example `case process exited with status 3`,
    /// `case process killed by signal 11 (SIGSEGV)`, `timed out after 60 s
    /// (--case-timeout); the case process was killed`, `digest mismatch:
    /// expected … (seq), got …`, `task 2 panicked: …`.
    pub reason: String,
    /// The last lines the case process wrote to stderr.
    pub stderr_tail: Vec<String>,
}

/// The answer a case computed, checked against the reference.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Verification {
    /// The reference digest (from the `seq` case of the same work), `sum/count` in hex.
    pub reference: Option<String>,
    /// The digest of each repetition, in order.
    pub digests: Vec<String>,
    /// True when every digest equals the reference.
    pub verified: bool,
}

/// Latency percentiles of one batch, from an HDR histogram (3 significant digits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Percentiles {
    /// Median, in nanoseconds.
    pub p50: Nanos,
    /// 90th percentile, in nanoseconds.
    pub p90: Nanos,
    /// 99th percentile, in nanoseconds.
    pub p99: Nanos,
    /// 99.9th percentile, in nanoseconds.
    pub p999: Nanos,
    /// Slowest task, in nanoseconds.
    pub max: Nanos,
    /// Arithmetic mean, in nanoseconds (rounded).
    pub mean: Nanos,
}

/// How a batch's peak resident memory was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeakRssSource {
    /// `VmHWM` from `/proc/self/status`, reset to the current RSS before
    /// the batch by writing `5` to `/proc/self/clear_refs` (or, where the
    /// kernel refuses the reset, a lifetime high-water mark the batch
    /// raised): the kernel's own peak, which no sampling interval misses.
    VmHwm,
    /// The largest of `/proc/self/statm` samples taken every millisecond
    /// during the batch: the kernel would not reset `VmHWM` and the batch
    /// stayed below the process's earlier peak; a spike shorter than the
    /// interval can be missed, so this is a lower bound.
    Sampler,
}

/// One measured batch.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Repetition {
    /// The runner's whole `run` call for the batch (its per-batch set-up,
    /// every submit and the wait for the last completion), as seen by the
    /// case process, in nanoseconds.
    pub wall: Nanos,
    /// Tasks per second of `wall`.
    pub throughput: f64,
    /// Per task: submit → done, in nanoseconds.
    pub latency: Percentiles,
    /// Per task: start → done, inside the worker, in nanoseconds.
    pub service: Percentiles,
    /// User CPU time of the case process (all threads) and its worker
    /// processes, in nanoseconds.
    pub cpu_user: Nanos,
    /// System CPU time, likewise, in nanoseconds.
    pub cpu_system: Nanos,
    /// Peak resident memory of the case process during the batch above
    /// its *idle* resident memory, in bytes: `process_peak_rss` minus the
    /// RSS just before the case's first batch (warm-up or measured), when
    /// the runner had started, that batch's job was allocated and free
    /// heap had been returned to the kernel; 0 if it never rose. Measured
    /// from that one point for every repetition, so memory the allocator
    /// kept from an earlier batch does not shrink it: it does not depend
    /// on the number of warm-up batches.
    pub peak_rss: Bytes,
    /// Peak resident memory of the case process during the batch, whole,
    /// in bytes: baseline, runner, harness and the batch itself (what
    /// `VmRSS` polled from outside peaks at). Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_peak_rss: Option<Bytes>,
    /// How `process_peak_rss` was measured: `vm_hwm`, the kernel's exact
    /// high-water mark, or `sampler`, the largest of 1 ms samples (a lower
    /// bound) where the kernel would not reset the mark. Absent in older
    /// files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_source: Option<PeakRssSource>,
    /// Voluntary context switches (a thread waited).
    pub voluntary_switches: u64,
    /// Involuntary context switches (a thread was preempted).
    pub involuntary_switches: u64,
    /// Process pools only: resident memory of the live worker processes at
    /// the end of the batch, summed, in bytes (pages shared between
    /// workers are counted once per worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_rss: Option<Bytes>,
    /// Process pools only: proportional set size of the live workers at the
    /// end of the batch, summed, in bytes — each shared page split between
    /// its sharers, so fork's copy-on-write pages are not double-counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_pss: Option<Bytes>,
    /// `loop-lag`: how late the heartbeat woke, over every beat of the
    /// batch, in nanoseconds (absent for other workloads, and when no beat
    /// was taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_lag: Option<Percentiles>,
    /// Process pools only: worker processes that died during the batch
    /// (killed by a signal, exited, or killed for passing the task
    /// timeout). More than 0 makes the batch disturbed: every task may
    /// have finished, but its timing is not a clean measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_deaths: Option<u64>,
    /// Process pools only: how the first few (at most 5) of those workers
    /// ended, in order: `SIGKILL`, `SIGSEGV`, `exit 3`, `task timeout`;
    /// absent when none died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_death_causes: Option<Vec<String>>,
    /// Process pools only: tasks that were running on a worker when it
    /// died and were run again on another (the pool's `retry`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_retried: Option<u64>,
    /// Process pools only: workers started during the batch to replace
    /// dead ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers_replaced: Option<u64>,
    /// The batch digest, `sum/count` in hex.
    pub digest: String,
    /// Batches this repetition ran back to back (absent: 1). With more
    /// than one, `wall`, CPU times and switches are per batch (the
    /// repetition's total over `batches`), `throughput` is every batch's
    /// tasks over their total wall time, latencies are over every task of
    /// every batch, and the peak memory is the highest of any batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batches: Option<u64>,
    /// What else the machine did meanwhile (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interference: Option<Interference>,
}

/// Statistics across a case's repetitions.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Wall time per batch, in seconds.
    pub wall_s: Stat,
    /// Throughput per batch, in tasks per second.
    pub throughput: Stat,
    /// Median latency per batch, in seconds.
    pub latency_p50_s: Stat,
    /// 99th-percentile latency per batch, in seconds.
    pub latency_p99_s: Stat,
    /// User + system CPU per batch, in seconds.
    pub cpu_s: Stat,
    /// Peak RSS above idle per batch (`peak_rss`), in bytes (as a float).
    pub peak_rss_bytes: Stat,
    /// True when the median throughput is known less well than ±5 %: the
    /// half-width of its 95 % order-statistic interval over the median
    /// exceeds 0.05 (from 6 repetitions on); with fewer repetitions, or in
    /// files written before this rule, when throughput varied by more
    /// than 10 % (coefficient of variation `stddev / |mean|` above 0.10).
    pub noisy: bool,
}

impl Results {
    /// Reads a results file, checking its schema version first and, after
    /// parsing, that it holds no impossible number (negative rates or
    /// durations, a percentile above the maximum): such a file is an
    /// [`ReportError::Invalid`] naming the case and the field.
    pub fn read(path: &Path) -> Result<Results, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            error: source,
        })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|source| ReportError::Parse {
                path: path.to_path_buf(),
                error: source,
            })?;
        let found = value
            .get("schema")
            .and_then(|s| s.as_str())
            .unwrap_or("(none)");
        if found != SCHEMA {
            return Err(ReportError::Version {
                path: path.to_path_buf(),
                found: found.to_string(),
            });
        }
        // Case ids by index, for naming the case of a field that does not
        // parse.
        let cases: Vec<String> = value["cases"]
            .as_array()
            .map(|cases| {
                cases
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        c["id"]
                            .as_str()
                            .map_or_else(|| format!("#{i}"), str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The path of a field that does not parse (a negative duration is
        // not a u64) names its case.
        let results: Results = serde_path_to_error::deserialize(value).map_err(|e| {
            let at = e.path().to_string();
            let in_case = at.strip_prefix("cases[").and_then(|rest| {
                let (index, field) = rest.split_once(']')?;
                let case = cases.get(index.parse::<usize>().ok()?)?.clone();
                Some((case, field.trim_start_matches('.').to_string()))
            });
            match in_case {
                Some((case, field)) => ReportError::Invalid {
                    path: path.to_path_buf(),
                    case,
                    field,
                    reason: e.into_inner().to_string(),
                },
                None => ReportError::Parse {
                    path: path.to_path_buf(),
                    error: e.into_inner(),
                },
            }
        })?;
        if let Some((case, field, reason)) = crate::validate::first_problem(&results) {
            return Err(ReportError::Invalid {
                path: path.to_path_buf(),
                case,
                field,
                reason,
            });
        }
        Ok(results)
    }

    /// The JSON Schema of results files, pretty-printed.
    pub fn json_schema() -> String {
        serde_json::to_string_pretty(&schemars::schema_for!(Results)).expect("schema serialises")
            + "\n"
    }
}

/// Parameters as `key=value` pairs joined by `sep`, in key order: the one
/// spelling of a parameter map in ids, labels, tables and CSV.
pub fn join_params(params: &BTreeMap<String, String>, sep: &str) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(sep)
}

//! `results.json`, schema `bakeoff.results/1`: the canonical result.
//!
//! Every field is documented here and in docs/RESULTS-SCHEMA.md; the JSON
//! Schema in docs/results.schema.json is generated from these types
//! ([`Results::json_schema`]) and a test keeps the two in step.

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
    /// True if the run was stopped by Ctrl-C; the cases present are valid.
    pub interrupted: bool,
    /// Cases planned in total (the file may hold fewer while running).
    pub planned_cases: u64,
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
    /// Total memory.
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
}

/// One point of a sweep: a workload and a runner with all their settings.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CaseRecord {
    /// Stable id: `workload[params]/runner[params]/w…/c…/t…`.
    pub id: String,
    /// Workload id.
    pub workload: String,
    /// `cpu` or `io`.
    pub workload_kind: String,
    /// Every workload parameter, resolved (defaults included).
    pub workload_params: BTreeMap<String, String>,
    /// Runner id.
    pub runner: String,
    /// `baseline`, `threads`, `processes` or `async`.
    pub family: String,
    /// Every runner parameter, resolved.
    pub runner_params: BTreeMap<String, String>,
    /// The runner as a legend shows it: its id and the parameters worth
    /// showing (`cpu` always, others when not default), e.g.
    /// `tokio-mt cpu=offload` or `fork-pool chunksize=4`. Absent in files
    /// from older versions, where figures show every parameter.
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
    /// `ok` or `failed`.
    pub status: CaseStatus,
    /// Why the case failed, when it did.
    pub failure: Option<Failure>,
    /// Digests and whether they match the reference.
    pub verification: Verification,
    /// Time to start the runner (threads, runtime, pool).
    pub startup: Option<Nanos>,
    /// Time to stop it.
    pub teardown: Option<Nanos>,
    /// Resident memory of the case process before the runner started.
    pub baseline_rss: Option<Bytes>,
    /// Every measured batch.
    pub repetitions: Vec<Repetition>,
    /// Statistics across repetitions (absent when the case failed).
    pub summary: Option<Summary>,
    /// Median throughput over the `seq` case of the same workload, parameters and tasks.
    pub speedup_vs_seq: Option<f64>,
    /// IO cases that talked to an embedded server: what that server did
    /// and the CPU it used while the case ran (absent otherwise, and with
    /// `--target`, whose server bakeoff cannot see).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerUsage>,
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
    /// User CPU time of the server process.
    pub cpu_user: Nanos,
    /// System CPU time of the server process.
    pub cpu_system: Nanos,
}

impl ServerUsage {
    /// Server CPU seconds per request answered.
    pub fn cpu_per_request(&self) -> Option<f64> {
        (self.requests > 0)
            .then(|| (self.cpu_user.0 + self.cpu_system.0) as f64 / 1e9 / self.requests as f64)
    }
}

impl CaseRecord {
    /// How many cores the embedded server kept busy while the case's
    /// batches ran: its CPU time per task (over the warm-up and measured
    /// batches) times the median tasks per second. `None` without a
    /// server or a summary.
    pub fn server_cores(&self) -> Option<f64> {
        let server = self.server.as_ref()?;
        let summary = self.summary.as_ref()?;
        let batches = self.warmup + self.repetitions.len() as u64;
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
    /// Median.
    pub p50: Nanos,
    /// 90th percentile.
    pub p90: Nanos,
    /// 99th percentile.
    pub p99: Nanos,
    /// 99.9th percentile.
    pub p999: Nanos,
    /// Slowest task.
    pub max: Nanos,
    /// Arithmetic mean.
    pub mean: Nanos,
}

/// One measured batch.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Repetition {
    /// The runner's whole `run` call for the batch (its per-batch set-up,
    /// every submit and the wait for the last completion), as seen by the
    /// case process.
    pub wall: Nanos,
    /// Tasks per second of wall time.
    pub throughput: f64,
    /// Per task: submit → done.
    pub latency: Percentiles,
    /// Per task: start → done, inside the worker.
    pub service: Percentiles,
    /// User CPU time of the case process (all threads) and its worker processes.
    pub cpu_user: Nanos,
    /// System CPU time, likewise.
    pub cpu_system: Nanos,
    /// Peak resident memory during the batch above `baseline_rss`.
    pub peak_rss: Bytes,
    /// Voluntary context switches (a thread waited).
    pub voluntary_switches: u64,
    /// Involuntary context switches (a thread was preempted).
    pub involuntary_switches: u64,
    /// Process pools only: resident memory of the live worker processes at
    /// the end of the batch, summed (pages shared between workers are
    /// counted once per worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_rss: Option<Bytes>,
    /// Process pools only: proportional set size of the live workers at the
    /// end of the batch, summed — each shared page split between its
    /// sharers, so fork's copy-on-write pages are not double-counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_pss: Option<Bytes>,
    /// `loop-lag`: how late the heartbeat woke, over every beat of the
    /// batch (absent for other workloads, and when no beat was taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_lag: Option<Percentiles>,
    /// The batch digest, `sum/count` in hex.
    pub digest: String,
}

/// Statistics across a case's repetitions.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Wall time per batch, in seconds.
    pub wall_s: Stat,
    /// Tasks per second.
    pub throughput: Stat,
    /// Median latency per batch, in seconds.
    pub latency_p50_s: Stat,
    /// 99th-percentile latency per batch, in seconds.
    pub latency_p99_s: Stat,
    /// User + system CPU per batch, in seconds.
    pub cpu_s: Stat,
    /// Peak RSS above baseline per batch, in bytes.
    pub peak_rss_bytes: Stat,
    /// True when throughput varied by more than 10 % (coefficient of variation).
    pub noisy: bool,
}

impl Results {
    /// Reads a results file, checking its schema version first.
    pub fn read(path: &Path) -> Result<Results, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|source| ReportError::Parse {
                path: path.to_path_buf(),
                source,
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
        serde_json::from_value(value).map_err(|source| ReportError::Parse {
            path: path.to_path_buf(),
            source,
        })
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

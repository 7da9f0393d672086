//! `results.csv`: one row per case and repetition (tidy, ready for pandas).
//! Failed cases with no repetition get one row with empty per-repetition
//! columns.
//!
//! The key design decision: the columns are one table of (name, value)
//! pairs, [`COLUMNS`], so the header and the cells cannot drift apart,
//! and docs/RESULTS-SCHEMA.md is tested against the same table. Columns
//! that describe the case come first and repeat on each of its rows; the
//! repetition's own measurements follow. Columns added since (batches,
//! interference, calibration, stopping) are appended at the end, so a
//! reader of the earlier layout keeps its positions.
//!
//! `runner_label` and `series_label` are the columns that are not copies
//! of a field. `series_label` is the runner's legend label plus every axis
//! ([`crate::axes`]) that varies among the cases of the same workload with
//! that legend label: unique within a workload, and the same for one
//! runner configuration across workloads (a pivot table's index).
//! `runner_label` is `series_label` plus `workload=ID` when the run holds
//! more than one workload (the workload is then an axis that varies too),
//! so that grouping by `runner_label` alone gives one group per case.

use std::collections::BTreeMap;
use std::io::Write;

use crate::axes::{self, Axes};
use crate::{CaseRecord, Nanos, Percentiles, Repetition, ReportError, Results};

/// What a column's value is computed from: a case, its label, and the
/// repetition of the row (`None` in the single row of a case that has no
/// repetitions).
pub struct Row<'a> {
    /// The case.
    pub case: &'a CaseRecord,
    /// Its `runner_label` ([`runner_labels`]).
    pub label: &'a str,
    /// Its `series_label` ([`series_labels`]).
    pub series: &'a str,
    /// The repetition's index and measurements.
    pub rep: Option<(usize, &'a Repetition)>,
}

/// One column: its header and how a row's cell is written.
pub type Column = (&'static str, fn(&Row<'_>) -> String);

fn secs(n: Nanos) -> String {
    n.secs().to_string()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The cell of a per-repetition column: empty without a repetition.
fn rep(row: &Row<'_>, f: impl Fn(usize, &Repetition) -> String) -> String {
    row.rep.map(|(i, r)| f(i, r)).unwrap_or_default()
}

/// A loop-lag percentile in seconds, empty when the batch has none.
fn lag(row: &Row<'_>, f: fn(&Percentiles) -> Nanos) -> String {
    opt(row
        .rep
        .and_then(|(_, r)| r.loop_lag.as_ref())
        .map(|p| f(p).secs()))
}

/// Every column of `results.csv`, in order.
pub const COLUMNS: &[Column] = &[
    // Per case, repeated on each of its rows.
    ("case_id", |r| r.case.id.clone()),
    ("workload", |r| r.case.workload.clone()),
    ("workload_kind", |r| r.case.workload_kind.as_str().into()),
    ("workload_params", |r| {
        crate::join_params(&r.case.workload_params, ";")
    }),
    ("runner", |r| r.case.runner.clone()),
    ("runner_label", |r| r.label.to_string()),
    ("series_label", |r| r.series.to_string()),
    ("family", |r| r.case.family.as_str().into()),
    ("runner_params", |r| {
        crate::join_params(&r.case.runner_params, ";")
    }),
    ("workers", |r| opt(r.case.workers)),
    ("concurrency", |r| opt(r.case.concurrency)),
    ("tasks", |r| r.case.tasks.to_string()),
    ("status", |r| format!("{:?}", r.case.status).to_lowercase()),
    ("verified", |r| r.case.verification.verified.to_string()),
    ("noisy", |r| opt(r.case.summary.as_ref().map(|s| s.noisy))),
    ("speedup_vs_seq", |r| opt(r.case.speedup_vs_seq)),
    ("speedup_baseline", |r| {
        // Absent means `seq`; the column names the reference either way.
        opt(r
            .case
            .speedup_vs_seq
            .map(|_| r.case.speedup_baseline.as_deref().unwrap_or("seq")))
    }),
    ("startup_s", |r| opt(r.case.startup.map(Nanos::secs))),
    ("interpreter_startup_s", |r| {
        opt(r.case.interpreter_startup.map(Nanos::secs))
    }),
    ("teardown_s", |r| opt(r.case.teardown.map(Nanos::secs))),
    ("server_kind", |r| {
        opt(r.case.server.as_ref().map(|s| &s.kind))
    }),
    ("server_requests", |r| {
        opt(r.case.server.as_ref().map(|s| s.requests))
    }),
    ("server_connections", |r| {
        opt(r.case.server.as_ref().map(|s| s.connections))
    }),
    ("server_cpu_user_s", |r| {
        opt(r.case.server.as_ref().map(|s| s.cpu_user.secs()))
    }),
    ("server_cpu_system_s", |r| {
        opt(r.case.server.as_ref().map(|s| s.cpu_system.secs()))
    }),
    ("server_cpu_per_request_s", |r| {
        opt(r.case.server.as_ref().and_then(|s| s.cpu_per_request()))
    }),
    ("server_cores", |r| opt(r.case.server_cores())),
    // Per repetition.
    ("repetition", |r| rep(r, |i, _| i.to_string())),
    ("wall_s", |r| rep(r, |_, x| secs(x.wall))),
    ("throughput_per_s", |r| {
        rep(r, |_, x| x.throughput.to_string())
    }),
    ("latency_p50_s", |r| rep(r, |_, x| secs(x.latency.p50))),
    ("latency_p90_s", |r| rep(r, |_, x| secs(x.latency.p90))),
    ("latency_p99_s", |r| rep(r, |_, x| secs(x.latency.p99))),
    ("latency_p999_s", |r| rep(r, |_, x| secs(x.latency.p999))),
    ("latency_max_s", |r| rep(r, |_, x| secs(x.latency.max))),
    ("service_p50_s", |r| rep(r, |_, x| secs(x.service.p50))),
    ("service_p99_s", |r| rep(r, |_, x| secs(x.service.p99))),
    ("cpu_user_s", |r| rep(r, |_, x| secs(x.cpu_user))),
    ("cpu_system_s", |r| rep(r, |_, x| secs(x.cpu_system))),
    ("peak_rss_bytes", |r| {
        rep(r, |_, x| x.peak_rss.0.to_string())
    }),
    ("voluntary_switches", |r| {
        rep(r, |_, x| x.voluntary_switches.to_string())
    }),
    ("involuntary_switches", |r| {
        rep(r, |_, x| x.involuntary_switches.to_string())
    }),
    ("pool_rss_bytes", |r| {
        rep(r, |_, x| opt(x.pool_rss.map(|b| b.0)))
    }),
    ("pool_pss_bytes", |r| {
        rep(r, |_, x| opt(x.pool_pss.map(|b| b.0)))
    }),
    ("loop_lag_p50_s", |r| lag(r, |p| p.p50)),
    ("loop_lag_p90_s", |r| lag(r, |p| p.p90)),
    ("loop_lag_p99_s", |r| lag(r, |p| p.p99)),
    ("loop_lag_p999_s", |r| lag(r, |p| p.p999)),
    ("loop_lag_max_s", |r| lag(r, |p| p.max)),
    ("worker_deaths", |r| rep(r, |_, x| opt(x.worker_deaths))),
    ("worker_death_causes", |r| {
        rep(r, |_, x| {
            x.worker_death_causes
                .as_ref()
                .map(|c| c.join(";"))
                .unwrap_or_default()
        })
    }),
    ("tasks_retried", |r| rep(r, |_, x| opt(x.tasks_retried))),
    ("workers_replaced", |r| {
        rep(r, |_, x| opt(x.workers_replaced))
    }),
    ("process_peak_rss_bytes", |r| {
        rep(r, |_, x| opt(x.process_peak_rss.map(|b| b.0)))
    }),
    ("digest", |r| rep(r, |_, x| x.digest.clone())),
    // Added later, at the end so that older readers' positions hold:
    // per repetition, then per case.
    ("batches", |r| {
        rep(r, |_, x| x.batches.unwrap_or(1).to_string())
    }),
    ("steal", |r| {
        rep(r, |_, x| opt(x.interference.map(|i| i.steal)))
    }),
    ("others", |r| {
        rep(r, |_, x| opt(x.interference.map(|i| i.others)))
    }),
    ("interfered", |r| {
        rep(r, |_, x| opt(x.interference.map(|i| i.flagged)))
    }),
    ("calibration_batches", |r| {
        opt(r.case.calibration.map(|k| k.batches))
    }),
    ("stop_reason", |r| {
        opt(r.case.stopping.map(|s| s.reason.as_str()))
    }),
];

/// The header row: every column's name, in order.
pub fn header() -> Vec<&'static str> {
    COLUMNS.iter().map(|(name, _)| *name).collect()
}

/// The `runner_label` of every case of `results`, by index: its
/// [`series_labels`] entry, followed by `workload=ID` when the run holds
/// more than one workload, e.g. `tokio-mt cpu=inline tasks=1000
/// workload=sleep`. No two cases of a run share one, so `runner_label`
/// alone names a case.
pub fn runner_labels(results: &Results) -> Vec<String> {
    let series = series_labels(results);
    let first = results.cases.first().map(|c| c.workload.as_str());
    let several = results
        .cases
        .iter()
        .any(|c| Some(c.workload.as_str()) != first);
    results
        .cases
        .iter()
        .zip(series)
        .map(|(c, label)| {
            if several {
                format!("{label} workload={}", c.workload)
            } else {
                label
            }
        })
        .collect()
}

/// The `series_label` of every case of `results`, by index: the legend
/// label ([`axes::legend`]) followed by each axis that varies among the
/// cases of the same workload and legend label ([`Axes::label`]), e.g.
/// `tokio-mt cpu=inline tasks=1000`. Within one workload no two cases
/// share a label, so (`workload`, `series_label`) names a case, and one
/// runner configuration has the same label in every workload.
pub fn series_labels(results: &Results) -> Vec<String> {
    let mut sets: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in results.cases.iter().enumerate() {
        sets.entry((c.workload.as_str(), axes::legend(c)))
            .or_default()
            .push(i);
    }
    let mut labels = vec![String::new(); results.cases.len()];
    for indices in sets.values() {
        let cases: Vec<&CaseRecord> = indices.iter().map(|&i| &results.cases[i]).collect();
        let axes = Axes::of(&cases);
        for (&i, c) in indices.iter().zip(cases) {
            labels[i] = axes.label(c);
        }
    }
    labels
}

/// Writes the CSV form of `results` to `out`.
pub fn write(results: &Results, out: impl Write) -> Result<(), ReportError> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(header())?;
    let labels = runner_labels(results);
    let series = series_labels(results);
    for ((case, label), series) in results.cases.iter().zip(&labels).zip(&series) {
        let reps: Vec<Option<(usize, &Repetition)>> = if case.repetitions.is_empty() {
            vec![None]
        } else {
            case.repetitions.iter().enumerate().map(Some).collect()
        };
        for rep in reps {
            let row = Row {
                case,
                label,
                series,
                rep,
            };
            w.write_record(COLUMNS.iter().map(|(_, cell)| cell(&row)))?;
        }
    }
    w.flush().map_err(|e| ReportError::Csv(e.into()))?;
    Ok(())
}

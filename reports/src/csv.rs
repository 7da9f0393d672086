//! `results.csv`: one row per case and repetition (tidy, ready for pandas).
//! Failed cases with no repetition get one row with empty metrics.

use std::io::Write;

use crate::{ReportError, Results};

const HEADER: &[&str] = &[
    "case_id",
    "workload",
    "workload_params",
    "runner",
    "family",
    "runner_params",
    "workers",
    "concurrency",
    "tasks",
    "status",
    "verified",
    "repetition",
    "wall_s",
    "throughput_per_s",
    "latency_p50_s",
    "latency_p90_s",
    "latency_p99_s",
    "latency_p999_s",
    "latency_max_s",
    "service_p50_s",
    "service_p99_s",
    "cpu_user_s",
    "cpu_system_s",
    "peak_rss_bytes",
    "voluntary_switches",
    "involuntary_switches",
    "pool_rss_bytes",
    "pool_pss_bytes",
    "startup_s",
    "teardown_s",
    "digest",
];

fn join_params(p: &std::collections::BTreeMap<String, String>) -> String {
    crate::join_params(p, ";")
}

/// Writes the CSV form of `results` to `out`.
pub fn write(results: &Results, out: impl Write) -> Result<(), ReportError> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for c in &results.cases {
        let fixed = [
            c.id.clone(),
            c.workload.clone(),
            join_params(&c.workload_params),
            c.runner.clone(),
            c.family.clone(),
            join_params(&c.runner_params),
            opt(c.workers),
            opt(c.concurrency),
            c.tasks.to_string(),
            format!("{:?}", c.status).to_lowercase(),
            c.verification.verified.to_string(),
        ];
        let startup = c.startup.map(|n| n.secs().to_string()).unwrap_or_default();
        let teardown = c.teardown.map(|n| n.secs().to_string()).unwrap_or_default();
        if c.repetitions.is_empty() {
            let mut row = fixed.to_vec();
            row.resize(HEADER.len(), String::new());
            w.write_record(&row)?;
        }
        for (i, r) in c.repetitions.iter().enumerate() {
            let mut row = fixed.to_vec();
            row.extend([
                i.to_string(),
                r.wall.secs().to_string(),
                r.throughput.to_string(),
                r.latency.p50.secs().to_string(),
                r.latency.p90.secs().to_string(),
                r.latency.p99.secs().to_string(),
                r.latency.p999.secs().to_string(),
                r.latency.max.secs().to_string(),
                r.service.p50.secs().to_string(),
                r.service.p99.secs().to_string(),
                r.cpu_user.secs().to_string(),
                r.cpu_system.secs().to_string(),
                r.peak_rss.0.to_string(),
                r.voluntary_switches.to_string(),
                r.involuntary_switches.to_string(),
                opt(r.pool_rss.map(|b| b.0)),
                opt(r.pool_pss.map(|b| b.0)),
                startup.clone(),
                teardown.clone(),
                r.digest.clone(),
            ]);
            w.write_record(&row)?;
        }
    }
    w.flush().map_err(|e| ReportError::Csv(e.into()))?;
    Ok(())
}

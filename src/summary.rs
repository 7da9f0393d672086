//! The terminal summary: one table per workload.

use bakeoff_reports::{CaseStatus, Results};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

/// Seconds in a readable unit.
pub fn fmt_secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// Bytes in a readable unit.
pub fn fmt_bytes(b: f64) -> String {
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else if b >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    } else if b >= 1024.0 {
        format!("{:.0} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

fn fmt_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2} M/s", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1} k/s", r / 1e3)
    } else {
        format!("{r:.2} /s")
    }
}

/// Renders the summary tables of `results` as text.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let env = &results.environment;
    out += &format!(
        "machine: {} · {} logical / {} physical cores · {} · {} · load {:.2}\n",
        env.cpu_model,
        env.logical_cores,
        env.physical_cores,
        fmt_bytes(env.memory.0 as f64),
        env.kernel,
        env.load_average[0]
    );
    if env.logical_cores <= 2 {
        out += "note: with 2 or fewer cores, no model can show more than a 2× speed-up, and the harness shares the cores.\n";
    }
    let mut workloads: Vec<&str> = Vec::new();
    for c in &results.cases {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }
    for w in workloads {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "runner",
            "workers",
            "conc",
            "tasks",
            "throughput",
            "p50",
            "p99",
            "CPU u+s",
            "peak RSS",
            "vs seq",
            "ok",
        ]);
        let mut params = String::new();
        for c in results.cases.iter().filter(|c| c.workload == w) {
            params = bakeoff_reports::join_params(&c.workload_params, " ");
            let runner = c.runner_label.clone().unwrap_or_else(|| c.runner.clone());
            let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            let row = match (&c.summary, c.status) {
                (Some(s), CaseStatus::Ok) => vec![
                    runner,
                    opt(c.workers),
                    opt(c.concurrency),
                    c.tasks.to_string(),
                    format!(
                        "{}{}",
                        fmt_rate(s.throughput.median),
                        if s.noisy { " ~" } else { "" }
                    ),
                    fmt_secs(s.latency_p50_s.median),
                    fmt_secs(s.latency_p99_s.median),
                    fmt_secs(s.cpu_s.median),
                    fmt_bytes(s.peak_rss_bytes.median),
                    c.speedup_vs_seq
                        .map(|x| format!("{x:.2}×"))
                        .unwrap_or_else(|| "-".into()),
                    "✓".into(),
                ],
                _ => {
                    let reason = c
                        .failure
                        .as_ref()
                        .map(|f| f.reason.as_str())
                        .unwrap_or("failed");
                    let mut r = vec![
                        runner,
                        opt(c.workers),
                        opt(c.concurrency),
                        c.tasks.to_string(),
                    ];
                    r.push(reason.chars().take(60).collect());
                    r.extend(std::iter::repeat_n(String::new(), 5));
                    r.push("✗".into());
                    r
                }
            };
            table.add_row(row);
        }
        for i in 1..=9 {
            if let Some(col) = table.column_mut(i) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        out += &format!("\n{w} {params}\n{table}\n");
    }
    let failed = results
        .cases
        .iter()
        .filter(|c| c.status == CaseStatus::Failed)
        .count();
    let noisy = results
        .cases
        .iter()
        .filter(|c| c.summary.as_ref().is_some_and(|s| s.noisy))
        .count();
    out += &format!(
        "\n{} cases, {} failed, {} noisy (~: throughput varied >10% across repetitions){}\n",
        results.cases.len(),
        failed,
        noisy,
        if results.interrupted {
            "; interrupted by Ctrl-C, results hold the cases that finished"
        } else {
            ""
        }
    );
    let _ = Cell::new("");
    out
}

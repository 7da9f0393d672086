//! The HTML report: a self-contained `index.html` rendered from
//! `templates/report.html` with minijinja.
//!
//! The key design decision: the template gets plain, already-formatted
//! strings and autoescapes every one of them (the template's name ends in
//! `.html`); the only values marked safe are the figures' SVG documents,
//! whose text plotters' SVG backend has already XML-escaped.

use serde::Serialize;

use crate::figures::{self, Group, Plot};
use crate::{CaseRecord, CaseStatus, Environment, Results, Stat};

/// The template, embedded so the binary needs no files beside it.
const TEMPLATE: &str = include_str!("../templates/report.html");

/// One machine's runs, as the template shows them.
#[derive(Debug, Serialize)]
pub struct MachineView {
    /// `vm — AMD EPYC, 2 cores`.
    pub title: String,
    /// Environment rows: (name, value).
    pub environment: Vec<(String, String)>,
    /// The results files (runs) merged into this machine's section.
    pub runs: Vec<RunView>,
    /// One section per workload group.
    pub workloads: Vec<WorkloadView>,
}

/// One results file: suite, when, complete or not, where.
#[derive(Debug, Serialize)]
pub struct RunView {
    /// Suite name.
    pub suite: String,
    /// Start time.
    pub started_at: String,
    /// `complete`, `interrupted` or `incomplete`.
    pub state: String,
    /// Cases present / planned.
    pub cases: String,
    /// Link to its results.json, if known.
    pub json_href: Option<String>,
    /// Link to its results.csv, if known.
    pub csv_href: Option<String>,
}

/// One workload group: its figures and its table of cases.
#[derive(Debug, Serialize)]
pub struct WorkloadView {
    /// `primes numbers=course, 8 tasks`.
    pub label: String,
    /// The figures.
    pub figures: Vec<FigureView>,
    /// Every case of the group.
    pub cases: Vec<CaseRow>,
}

/// One figure, inline.
#[derive(Debug, Serialize)]
pub struct FigureView {
    /// File stem (also the HTML id).
    pub id: String,
    /// Title.
    pub title: String,
    /// One-sentence caption.
    pub caption: String,
    /// The SVG document (text escaped by plotters).
    pub svg: String,
    /// Relative link to the PNG, when one was written.
    pub png: Option<String>,
}

/// One row of a workload's table; every number already formatted.
#[derive(Debug, Serialize)]
pub struct CaseRow {
    /// Case id.
    pub id: String,
    /// Runner with parameters.
    pub runner: String,
    /// Workers or `—`.
    pub workers: String,
    /// Concurrency or `—`.
    pub concurrency: String,
    /// `ok`, `failed` or `unverified`.
    pub status: String,
    /// Median throughput.
    pub throughput: String,
    /// Its 95 % interval.
    pub throughput_ci: String,
    /// Speed-up over seq.
    pub speedup: String,
    /// Median of per-batch p50 latency.
    pub p50: String,
    /// Median of per-batch p99 latency.
    pub p99: String,
    /// Median CPU seconds per batch.
    pub cpu: String,
    /// Median peak RSS above baseline.
    pub rss: String,
    /// Whether throughput was noisy.
    pub noisy: bool,
}

/// A case the reader should not trust, with why.
#[derive(Debug, Serialize)]
pub struct Warning {
    /// Case id.
    pub case: String,
    /// `failed`, `unverified` or `noisy`.
    pub kind: String,
    /// The reason.
    pub reason: String,
}

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub struct ReportView {
    /// Page title.
    pub title: String,
    /// bakeoff version(s) that wrote the results.
    pub versions: String,
    /// Machine sections.
    pub machines: Vec<MachineView>,
    /// Failed, unverified and noisy cases.
    pub warnings: Vec<Warning>,
}

/// Renders the report view to HTML.
pub fn render_html(view: &ReportView) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?.render(view)
}

/// Formats seconds with a unit that keeps 3 significant digits readable.
pub fn secs(v: f64) -> String {
    let (unit, per) = figures::time_unit(v.abs());
    format!("{} {unit}", sig3(v / per))
}

/// Bytes as KiB, MiB or GiB.
pub fn bytes(v: f64) -> String {
    const K: f64 = 1024.0;
    if v >= K * K * K {
        format!("{} GiB", sig3(v / (K * K * K)))
    } else if v >= K * K {
        format!("{} MiB", sig3(v / (K * K)))
    } else if v >= K {
        format!("{} KiB", sig3(v / K))
    } else {
        format!("{v:.0} B")
    }
}

/// Three significant digits, without trailing zeros.
pub fn sig3(v: f64) -> String {
    figures::format_number(v)
}

/// Environment rows for the template.
pub fn environment_rows(e: &Environment) -> Vec<(String, String)> {
    let opt = |v: Option<u64>| v.map_or_else(|| "unknown".to_string(), |v| v.to_string());
    let crates = e
        .crates
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        (
            "machine".into(),
            format!("{} — {}", e.hostname, e.cpu_model),
        ),
        (
            "cores".into(),
            format!("{} logical, {} physical", e.logical_cores, e.physical_cores),
        ),
        ("memory".into(), bytes(e.memory.0 as f64)),
        ("kernel".into(), e.kernel.clone()),
        ("rustc".into(), format!("{} ({})", e.rustc, e.profile)),
        ("crates".into(), crates),
        (
            "limits".into(),
            format!(
                "open files {}, processes {}, vm.max_map_count {}, threads-max {}",
                opt(e.open_files_limit),
                opt(e.process_limit),
                opt(e.max_map_count),
                opt(e.threads_max)
            ),
        ),
        (
            "load at start".into(),
            format!(
                "{:.2} {:.2} {:.2} (1, 5, 15 min)",
                e.load_average[0], e.load_average[1], e.load_average[2]
            ),
        ),
        (
            "commit".into(),
            e.git_commit.clone().unwrap_or_else(|| "unknown".into()),
        ),
        ("command line".into(), e.command_line.join(" ")),
    ]
}

fn status_of(c: &CaseRecord) -> &'static str {
    match (c.status, c.verification.verified) {
        (CaseStatus::Failed, _) => "failed",
        (CaseStatus::Ok, false) => "unverified",
        (CaseStatus::Ok, true) => "ok",
    }
}

/// A table row for a case.
pub fn case_row(c: &CaseRecord) -> CaseRow {
    let dash = || "—".to_string();
    let median = |f: fn(&crate::Summary) -> &Stat, fmt: fn(f64) -> String| {
        c.summary
            .as_ref()
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |s| fmt(f(s).median))
    };
    CaseRow {
        id: c.id.clone(),
        runner: figures::series_name(c),
        workers: c.workers.map_or_else(dash, |w| w.to_string()),
        concurrency: c.concurrency.map_or_else(dash, |w| w.to_string()),
        status: status_of(c).to_string(),
        throughput: median(|s| &s.throughput, |v| format!("{}/s", sig3(v))),
        throughput_ci: c
            .summary
            .as_ref()
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |s| {
                format!(
                    "{} – {}",
                    sig3(s.throughput.ci95_low),
                    sig3(s.throughput.ci95_high)
                )
            }),
        speedup: c
            .speedup_vs_seq
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |v| format!("{}×", sig3(v))),
        p50: median(|s| &s.latency_p50_s, secs),
        p99: median(|s| &s.latency_p99_s, secs),
        cpu: median(|s| &s.cpu_s, secs),
        rss: median(|s| &s.peak_rss_bytes, bytes),
        noisy: c.summary.as_ref().is_some_and(|s| s.noisy),
    }
}

/// Failed, unverified and noisy cases of `results`.
pub fn warnings(results: &Results) -> Vec<Warning> {
    let mut out = Vec::new();
    for c in &results.cases {
        match status_of(c) {
            "failed" => out.push(Warning {
                case: c.id.clone(),
                kind: "failed".into(),
                reason: c
                    .failure
                    .as_ref()
                    .map_or_else(|| "no reason recorded".into(), |f| f.reason.clone()),
            }),
            "unverified" => out.push(Warning {
                case: c.id.clone(),
                kind: "unverified".into(),
                reason: "its digests were not checked against a seq reference".into(),
            }),
            _ => {}
        }
        if let Some(s) = c.summary.as_ref().filter(|s| s.noisy) {
            out.push(Warning {
                case: c.id.clone(),
                kind: "noisy".into(),
                reason: format!(
                    "throughput varied by {:.0} % across {} repetitions (more than 10 %)",
                    s.throughput.cv() * 100.0,
                    s.throughput.n
                ),
            });
        }
    }
    out
}

/// A workload section from a group and its plots.
pub fn workload_view(g: &Group<'_>, plots: &[(Plot, String, Option<String>)]) -> WorkloadView {
    WorkloadView {
        label: g.label(),
        figures: plots
            .iter()
            .map(|(p, svg, png)| FigureView {
                id: p.id.clone(),
                title: p.title.clone(),
                caption: p.caption.clone(),
                svg: svg.clone(),
                png: png.clone(),
            })
            .collect(),
        cases: g.cases.iter().map(|c| case_row(c)).collect(),
    }
}

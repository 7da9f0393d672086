//! `bakeoff compare`: what changed between two runs, case by case.
//!
//! Cases are matched by id. Each metric of a matched case is compared on
//! its per-repetition values (never the summaries) with
//! [`twosample::shift`]: the ratio of the new run to the base as the
//! Hodges–Lehmann estimate, its distribution-free 95 % interval from the
//! Mann–Whitney distribution, and the test's p-value; [`twosample::judge`]
//! turns that into one of four verdicts — faster, slower, same or
//! inconclusive — with the threshold [`THRESHOLD`] (5 %).
//!
//! A case's speed verdict is that of its *primary* metric: CPU time per
//! task for CPU-bound cases, which a neighbour on a shared machine
//! disturbs less than wall time (a preempted thread waits without
//! burning CPU), and throughput for IO cases, whose CPU time is not what
//! they are about. Every other metric keeps its own verdict beside it.
//! See docs/STATISTICS.md.

use std::fmt::Write as _;

use serde::Serialize;

use crate::twosample::{self, median};
pub use crate::twosample::{Direction, Verdict, LEVEL, THRESHOLD};
use crate::{CaseRecord, CaseStatus, Results, WorkloadKind};

/// A speed-up over `seq` above the run's logical cores times this is a
/// measurement problem (a little slack for timer granularity).
pub const SPEEDUP_SLACK: f64 = 1.05;

/// The case with this id in `r`.
fn find<'a>(r: &'a Results, id: &str) -> Option<&'a CaseRecord> {
    r.cases.iter().find(|c| c.id == id)
}

/// A metric `compare` judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Tasks per second of a repetition's wall time; higher is better.
    Throughput,
    /// User + system CPU seconds per task, `(cpu_user + cpu_system) /
    /// tasks` of each repetition (its CPU times are per batch, so over
    /// the case's tasks per batch); lower is better. CPU-bound cases only.
    CpuPerTask,
    /// The 99th-percentile latency of a repetition, in seconds; lower is
    /// better.
    LatencyP99,
    /// Peak resident memory above idle of a repetition (`peak_rss`), in
    /// bytes; lower is better.
    PeakRss,
}

impl Metric {
    /// Every metric, in the order tables and JSON list them.
    pub const ALL: [Metric; 4] = [
        Metric::Throughput,
        Metric::CpuPerTask,
        Metric::LatencyP99,
        Metric::PeakRss,
    ];

    /// `throughput`, `cpu_per_task`, `latency_p99` or `peak_rss`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Throughput => "throughput",
            Metric::CpuPerTask => "cpu_per_task",
            Metric::LatencyP99 => "latency_p99",
            Metric::PeakRss => "peak_rss",
        }
    }

    /// Its name in the markdown table.
    fn label(self) -> &'static str {
        match self {
            Metric::Throughput => "throughput",
            Metric::CpuPerTask => "CPU time per task",
            Metric::LatencyP99 => "p99 latency",
            Metric::PeakRss => "peak RSS",
        }
    }

    /// Whether more is better.
    pub fn direction(self) -> Direction {
        match self {
            Metric::Throughput => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        }
    }

    /// Whether cases of this kind have the metric (CPU time per task is
    /// only compared for CPU-bound cases).
    pub fn applies_to(self, kind: WorkloadKind) -> bool {
        self != Metric::CpuPerTask || kind == WorkloadKind::Cpu
    }

    /// The metric a case's speed verdict follows: CPU time per task for
    /// CPU-bound cases, throughput for IO cases.
    pub fn primary_for(kind: WorkloadKind) -> Metric {
        match kind {
            WorkloadKind::Cpu => Metric::CpuPerTask,
            WorkloadKind::Io => Metric::Throughput,
        }
    }

    /// The metric's value in each of the case's repetitions.
    pub fn values(self, c: &CaseRecord) -> Vec<f64> {
        c.repetitions
            .iter()
            .map(|r| match self {
                Metric::Throughput => r.throughput,
                Metric::CpuPerTask => {
                    (r.cpu_user.0 + r.cpu_system.0) as f64 / 1e9 / c.tasks.max(1) as f64
                }
                Metric::LatencyP99 => r.latency.p99.secs(),
                Metric::PeakRss => r.peak_rss.0 as f64,
            })
            .collect()
    }
}

/// How one metric of one case moved.
///
/// `change`, `low` and `high` are all relative changes, ratio − 1 (0.10 =
/// 10 % more): the estimate and the ends of its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricChange {
    /// The metric.
    pub metric: Metric,
    /// Median over the base run's repetitions.
    pub base: f64,
    /// Median over the new run's repetitions.
    pub new: f64,
    /// The Hodges–Lehmann ratio new / base, minus 1. Without a ratio (a
    /// side with fewer than 2 repetitions) the ratio of the medians minus
    /// 1; NaN when there is none either (a base median of 0).
    pub change: f64,
    /// Lower end of the interval of the ratio, minus 1 (NaN without one).
    pub low: f64,
    /// Upper end of the interval of the ratio, minus 1 (NaN without one).
    pub high: f64,
    /// The coverage of `[low, high]` (0 without an interval).
    pub level: f64,
    /// Two-sided Mann–Whitney p-value (NaN without one).
    pub p: f64,
    /// The verdict; inconclusive without a ratio.
    pub verdict: Verdict,
    /// Whether this is the case's speed metric.
    pub primary: bool,
}

/// Compares one metric's per-repetition values.
pub fn change(metric: Metric, base: &[f64], new: &[f64], primary: bool) -> MetricChange {
    let (bm, nm) = (median(base), median(new));
    let mut out = MetricChange {
        metric,
        base: bm,
        new: nm,
        change: if bm > 0.0 {
            nm / bm - 1.0
        } else if bm == nm {
            0.0
        } else {
            f64::NAN
        },
        low: f64::NAN,
        high: f64::NAN,
        level: 0.0,
        p: f64::NAN,
        verdict: Verdict::Inconclusive,
        primary,
    };
    if let Some(s) = twosample::shift(base, new) {
        out.change = s.ratio - 1.0;
        out.low = s.low - 1.0;
        out.high = s.high - 1.0;
        out.level = s.level;
        out.p = s.p;
        out.verdict = twosample::judge(&s, metric.direction(), THRESHOLD);
    }
    out
}

/// One case measured in both runs.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseComparison {
    /// The case id.
    pub id: String,
    /// CPU-bound or IO (of the new run's case).
    pub workload_kind: WorkloadKind,
    /// Every metric that applies, in [`Metric::ALL`]'s order; exactly one
    /// is `primary`.
    pub metrics: Vec<MetricChange>,
    /// Repetitions in the base run.
    pub base_reps: usize,
    /// Repetitions in the new run.
    pub new_reps: usize,
    /// Base repetitions measured beside other work (`interference.flagged`).
    pub base_flagged: usize,
    /// New repetitions measured beside other work.
    pub new_flagged: usize,
}

impl CaseComparison {
    /// The speed metric's change.
    pub fn primary(&self) -> &MetricChange {
        self.metrics
            .iter()
            .find(|m| m.primary)
            .expect("a case comparison has a primary metric")
    }

    /// The change of `metric`, if the case has it.
    pub fn metric(&self, metric: Metric) -> Option<&MetricChange> {
        self.metrics.iter().find(|m| m.metric == metric)
    }
}

/// A number no measurement can give: a speed-up over `seq` above the
/// run's logical cores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasurementProblem {
    /// The case id.
    pub id: String,
    /// `base` or `new`: the run it is in.
    pub side: &'static str,
    /// Its `speedup_vs_seq`.
    pub speedup: f64,
    /// The run's `environment.logical_cores`.
    pub cores: u32,
}

/// How many cases got each speed verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Faster by at least the threshold.
    pub faster: usize,
    /// Slower by at least the threshold.
    pub slower: usize,
    /// Within the threshold.
    pub same: usize,
    /// Noise larger than the effect.
    pub inconclusive: usize,
}

impl Counts {
    /// Every case counted.
    pub fn total(&self) -> usize {
        self.faster + self.slower + self.same + self.inconclusive
    }
}

/// Everything `compare` found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Cases measured in both runs.
    pub cases: Vec<CaseComparison>,
    /// CPU-bound cases of either run whose speed-up over `seq` exceeds
    /// that run's logical cores (× [`SPEEDUP_SLACK`]).
    pub measurement_problems: Vec<MeasurementProblem>,
    /// Cases in only the new run.
    pub added: Vec<String>,
    /// Cases in only the base run.
    pub removed: Vec<String>,
    /// Cases failed in either run, with the reason: not compared.
    pub failed: Vec<(String, String)>,
    /// Cases skipped in either run (that machine could not run them), with
    /// the reason: neither compared nor counted as added or removed.
    pub skipped: Vec<(String, String)>,
    /// True when the two runs were measured interleaved, repetition by
    /// repetition (`compare --base BIN --new BIN`: both files name their
    /// `program`); false for two separate runs, whose difference also
    /// carries whatever the machine did differently between them.
    pub interleaved: bool,
}

/// Compares two runs of one case, metric by metric.
pub fn compare_case(base: &CaseRecord, new: &CaseRecord) -> CaseComparison {
    let kind = new.workload_kind;
    let primary = Metric::primary_for(kind);
    let flagged = |c: &CaseRecord| {
        c.repetitions
            .iter()
            .filter(|r| r.interference.is_some_and(|i| i.flagged))
            .count()
    };
    CaseComparison {
        id: new.id.clone(),
        workload_kind: kind,
        metrics: Metric::ALL
            .into_iter()
            .filter(|m| m.applies_to(kind))
            .map(|m| change(m, &m.values(base), &m.values(new), m == primary))
            .collect(),
        base_reps: base.repetitions.len(),
        new_reps: new.repetitions.len(),
        base_flagged: flagged(base),
        new_flagged: flagged(new),
    }
}

/// Compares `new` against `base`.
pub fn compare(base: &Results, new: &Results) -> Comparison {
    let mut out = Comparison {
        interleaved: base.program.is_some() && new.program.is_some(),
        ..Comparison::default()
    };
    // Ids are unique within a results file: the first match is the case.
    for n in &new.cases {
        let b = find(base, &n.id);
        // A skipped case was never run: there is nothing to compare, and
        // its absence from the other run is not a change of the plan.
        if let Some((side, c)) = [("new", Some(n)), ("base", b)]
            .into_iter()
            .find_map(|(side, c)| Some((side, c?)).filter(|(_, c)| c.status == CaseStatus::Skipped))
        {
            out.skipped
                .push((n.id.clone(), format!("{side}: {}", reason(c))));
            continue;
        }
        let Some(b) = b else {
            out.added.push(n.id.clone());
            continue;
        };
        match (summary_of(b), summary_of(n)) {
            (Ok(_), Ok(_)) => out.cases.push(compare_case(b, n)),
            (Err(why), _) => out.failed.push((n.id.clone(), format!("base: {why}"))),
            (_, Err(why)) => out.failed.push((n.id.clone(), format!("new: {why}"))),
        }
    }
    for b in &base.cases {
        if find(new, &b.id).is_none() {
            if b.status == CaseStatus::Skipped {
                out.skipped
                    .push((b.id.clone(), format!("base: {}", reason(b))));
            } else {
                out.removed.push(b.id.clone());
            }
        }
    }
    for (side, run) in [("base", base), ("new", new)] {
        out.measurement_problems
            .extend(measurement_problems(run, side));
    }
    out
}

/// The CPU-bound cases of `run` whose speed-up over `seq` is above the
/// run's logical cores: work that computes cannot go faster than every
/// core running it, so such a number is a measurement problem (a `seq`
/// slowed by a neighbour, a wrong core count). IO cases wait, and can
/// rightly overlap many more waits than there are cores.
fn measurement_problems(run: &Results, side: &'static str) -> Vec<MeasurementProblem> {
    let cores = run.environment.logical_cores;
    if cores == 0 {
        return Vec::new();
    }
    run.cases
        .iter()
        .filter(|c| c.workload_kind == WorkloadKind::Cpu)
        .filter_map(|c| {
            let s = c.speedup_vs_seq?;
            (s > f64::from(cores) * SPEEDUP_SLACK).then(|| MeasurementProblem {
                id: c.id.clone(),
                side,
                speedup: s,
                cores,
            })
        })
        .collect()
}

/// The reason a case records for failing or being skipped.
fn reason(c: &CaseRecord) -> String {
    c.failure
        .as_ref()
        .map(|f| f.reason.clone())
        .unwrap_or_else(|| "no summary".into())
}

fn summary_of(c: &CaseRecord) -> Result<&crate::Summary, String> {
    match (&c.summary, c.status) {
        (Some(s), CaseStatus::Ok) => Ok(s),
        _ => Err(reason(c)),
    }
}

/// A relative change as a signed percentage, `—` when there is none.
fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1} %", x * 100.0)
    } else {
        "—".into()
    }
}

/// The interval of a change, with its coverage when it falls short of
/// [`LEVEL`]; `—` without one.
fn interval(c: &MetricChange) -> String {
    if !(c.low.is_finite() && c.high.is_finite()) {
        return "—".into();
    }
    let mut s = format!("[{}, {}]", pct(c.low), pct(c.high));
    if c.level < LEVEL {
        let _ = write!(s, " ({:.0} %)", c.level * 100.0);
    }
    s
}

/// The verdict's word for `metric`: latency and memory are "lower" or
/// "higher" rather than faster or slower.
fn word(c: &MetricChange) -> &'static str {
    match (c.metric, c.verdict) {
        (Metric::LatencyP99 | Metric::PeakRss, Verdict::Faster) => "lower",
        (Metric::LatencyP99 | Metric::PeakRss, Verdict::Slower) => "higher",
        (_, v) => v.as_str(),
    }
}

/// Escapes a table cell for markdown.
fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('|', "\\|")
}

/// A finite number, or `None` (JSON `null`).
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// One case and metric in `compare.json`.
#[derive(Serialize)]
struct JsonCase<'a> {
    id: &'a str,
    metric: Metric,
    primary: bool,
    base: Option<f64>,
    new: Option<f64>,
    change: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    level: Option<f64>,
    verdict: Verdict,
    p: Option<f64>,
}

/// A case some of whose repetitions ran beside other work.
#[derive(Serialize)]
struct JsonInterference<'a> {
    id: &'a str,
    base_flagged: usize,
    base_reps: usize,
    new_flagged: usize,
    new_reps: usize,
}

/// A case that was not compared, and why.
#[derive(Serialize)]
struct JsonReason<'a> {
    id: &'a str,
    reason: &'a str,
}

/// The `failed` or `skipped` list as JSON objects.
fn reasons(list: &[(String, String)]) -> Vec<JsonReason<'_>> {
    list.iter()
        .map(|(id, reason)| JsonReason { id, reason })
        .collect()
}

/// `compare.json`.
#[derive(Serialize)]
struct JsonComparison<'a> {
    base: &'a str,
    new: &'a str,
    interleaved: bool,
    threshold: f64,
    level: f64,
    summary: Counts,
    cases: Vec<JsonCase<'a>>,
    measurement_problems: &'a [MeasurementProblem],
    interference: Vec<JsonInterference<'a>>,
    added: &'a [String],
    removed: &'a [String],
    failed: Vec<JsonReason<'a>>,
    skipped: Vec<JsonReason<'a>>,
}

impl Comparison {
    /// How many matched cases got each speed (primary) verdict.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for case in &self.cases {
            match case.primary().verdict {
                Verdict::Faster => c.faster += 1,
                Verdict::Slower => c.slower += 1,
                Verdict::Same => c.same += 1,
                Verdict::Inconclusive => c.inconclusive += 1,
            }
        }
        c
    }

    /// The count line: `44 cases: 1 slower, 40 same, 3 inconclusive`.
    pub fn counts_line(&self) -> String {
        let c = self.counts();
        let parts: Vec<String> = [
            (c.faster, "faster"),
            (c.slower, "slower"),
            (c.same, "same"),
            (c.inconclusive, "inconclusive"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        let total = c.total();
        let cases = if total == 1 { "case" } else { "cases" };
        if parts.is_empty() {
            format!("{total} {cases} compared")
        } else {
            format!("{total} {cases}: {}", parts.join(", "))
        }
    }

    /// Cases with at least one repetition measured beside other work.
    fn interfered(&self) -> impl Iterator<Item = &CaseComparison> {
        self.cases
            .iter()
            .filter(|c| c.base_flagged + c.new_flagged > 0)
    }

    /// The comparison as pretty JSON, for scripts and CI: `base` and `new`
    /// name the two inputs (see docs/STATISTICS.md for every field).
    /// Numbers that are not finite are `null`.
    pub fn to_json(&self, base: &str, new: &str) -> String {
        let out = JsonComparison {
            base,
            new,
            interleaved: self.interleaved,
            threshold: THRESHOLD,
            level: LEVEL,
            summary: self.counts(),
            cases: self
                .cases
                .iter()
                .flat_map(|c| {
                    c.metrics.iter().map(|m| JsonCase {
                        id: &c.id,
                        metric: m.metric,
                        primary: m.primary,
                        base: finite(m.base),
                        new: finite(m.new),
                        change: finite(m.change),
                        low: finite(m.low),
                        high: finite(m.high),
                        level: finite(m.level).filter(|_| m.low.is_finite()),
                        verdict: m.verdict,
                        p: finite(m.p),
                    })
                })
                .collect(),
            measurement_problems: &self.measurement_problems,
            interference: self
                .interfered()
                .map(|c| JsonInterference {
                    id: &c.id,
                    base_flagged: c.base_flagged,
                    base_reps: c.base_reps,
                    new_flagged: c.new_flagged,
                    new_reps: c.new_reps,
                })
                .collect(),
            added: &self.added,
            removed: &self.removed,
            failed: reasons(&self.failed),
            skipped: reasons(&self.skipped),
        };
        let mut s = serde_json::to_string_pretty(&out).expect("a comparison serializes");
        s.push('\n');
        s
    }

    /// The comparison as a markdown document (also what the terminal shows).
    pub fn to_markdown(&self, base: &str, new: &str) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# bakeoff compare\n\nbase: `{}`  \nnew: `{}`\n",
            cell(base),
            cell(new)
        );
        let t = THRESHOLD * 100.0;
        let _ = writeln!(
            md,
            "Speed is judged on CPU time per task for CPU-bound cases and on throughput for IO cases, \
             from the values of every repetition. A change needs the {level:.0} % interval of the \
             ratio of medians (Hodges–Lehmann, from the Mann–Whitney distribution) to exclude 1 and \
             the change to reach ±{t:.0} %; \"same\" means the whole interval lies within ±{t:.0} %; \
             anything else is \"inconclusive\": the noise is larger than the effect. \
             Intervals marked with a smaller coverage come from too few repetitions to reach \
             {level:.0} % and never make a change. See docs/STATISTICS.md.\n",
            level = LEVEL * 100.0,
        );
        if !self.interleaved {
            let _ = writeln!(
                md,
                "These are two separate runs: besides the code, their difference carries whatever the \
                 machine did differently between them, which no interval inside one run can see (on a \
                 shared virtual machine the same batch can take twice as long for seconds at a time). \
                 For a verdict on the code alone, measure both builds interleaved: \
                 `bakeoff compare --base OLD_BIN --new NEW_BIN`.\n"
            );
        }
        let _ = writeln!(md, "{}.\n", self.counts_line());
        if !self.cases.is_empty() {
            let _ = writeln!(
                md,
                "| case | speed metric | change | {:.0} % interval | verdict | throughput | p99 latency | peak RSS |",
                LEVEL * 100.0
            );
            let _ = writeln!(md, "|---|---|---:|---|---|---|---|---|");
            for c in &self.cases {
                let p = c.primary();
                let other = |m: Metric| {
                    c.metric(m)
                        .map(|m| format!("{} {}", pct(m.change), word(m)))
                        .unwrap_or_else(|| "—".into())
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    cell(&c.id),
                    p.metric.label(),
                    pct(p.change),
                    interval(p),
                    p.verdict.as_str(),
                    other(Metric::Throughput),
                    other(Metric::LatencyP99),
                    other(Metric::PeakRss),
                );
            }
        }
        if !self.measurement_problems.is_empty() {
            let _ = writeln!(
                md,
                "\nMeasurement problems: work that computes cannot run faster than all the cores \
                 running it, so a speed-up over seq above the logical cores is a measurement \
                 problem (seq slowed by other work, or a wrong core count), not a result:"
            );
            for m in &self.measurement_problems {
                let _ = writeln!(
                    md,
                    "- `{}` ({}): {:.2}× seq on {} logical cores",
                    cell(&m.id),
                    m.side,
                    m.speedup,
                    m.cores
                );
            }
        }
        let interfered: Vec<&CaseComparison> = self.interfered().collect();
        if !interfered.is_empty() {
            let _ = writeln!(
                md,
                "\n{} {} had repetitions measured beside other work (steal or other processes' CPU \
                 above the limits; the ranks keep a few of them from moving a verdict):",
                interfered.len(),
                if interfered.len() == 1 {
                    "case"
                } else {
                    "cases"
                },
            );
            for c in interfered {
                let _ = writeln!(
                    md,
                    "- `{}`: base {} of {}, new {} of {}",
                    cell(&c.id),
                    c.base_flagged,
                    c.base_reps,
                    c.new_flagged,
                    c.new_reps
                );
            }
        }
        for (title, list) in [
            ("Only in the new run", &self.added),
            ("Only in the base run", &self.removed),
        ] {
            if !list.is_empty() {
                let _ = writeln!(
                    md,
                    "\n{title}: {}",
                    list.iter()
                        .map(|s| format!("`{}`", cell(s)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        if !self.failed.is_empty() {
            let _ = writeln!(md, "\nNot compared (failed):");
            for (id, why) in &self.failed {
                let _ = writeln!(md, "- `{}`: {}", cell(id), cell(why));
            }
        }
        if !self.skipped.is_empty() {
            // One line per reason, however many cases it kept from running.
            let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
            for (id, why) in &self.skipped {
                match reasons.iter_mut().find(|(r, _)| *r == why) {
                    Some((_, ids)) => ids.push(id),
                    None => reasons.push((why, vec![id])),
                }
            }
            let _ = writeln!(md, "\nNot compared (skipped, not run):");
            for (why, ids) in reasons {
                let _ = writeln!(
                    md,
                    "- {} {}: {}",
                    ids.len(),
                    if ids.len() == 1 { "case" } else { "cases" },
                    cell(why)
                );
            }
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_judges_raw_values() {
        let base = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2];
        let slower: Vec<f64> = base.iter().map(|v| v * 0.8).collect();
        let c = change(Metric::Throughput, &base, &slower, true);
        assert_eq!(c.verdict, Verdict::Slower);
        assert!((c.change + 0.2).abs() < 1e-9, "{c:?}");
        assert!(c.low <= c.change && c.change <= c.high);
        assert!((c.base - 100.1).abs() < 1e-9 && (c.new - 80.08).abs() < 1e-9);
        // Lower is better: the same numbers are faster CPU time.
        let c = change(Metric::CpuPerTask, &base, &slower, true);
        assert_eq!(c.verdict, Verdict::Faster);
        // Against itself: the same.
        let c = change(Metric::LatencyP99, &base, &base, false);
        assert_eq!(c.verdict, Verdict::Same);
        assert!(c.change.abs() < 1e-12);
    }

    #[test]
    fn one_repetition_is_inconclusive_with_the_medians_ratio() {
        let c = change(Metric::Throughput, &[100.0], &[50.0], true);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert!((c.change + 0.5).abs() < 1e-12);
        assert!(c.low.is_nan() && c.p.is_nan());
        assert_eq!(interval(&c), "—");
        // No ratio at all from a base of 0.
        let c = change(Metric::PeakRss, &[0.0], &[4096.0], false);
        assert!(c.change.is_nan());
        assert_eq!(pct(c.change), "—");
    }

    #[test]
    fn words_and_intervals() {
        let mut c = change(Metric::LatencyP99, &[1.0, 1.0], &[2.0, 2.0], false);
        // 2 against 2: every difference, covering 1 − 2/6.
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert_eq!(interval(&c), "[+100.0 %, +100.0 %] (67 %)");
        c.verdict = Verdict::Slower;
        assert_eq!(word(&c), "higher");
        c.metric = Metric::CpuPerTask;
        assert_eq!(word(&c), "slower");
    }
}

//! `bakeoff compare`: what changed between two runs, case by case.
//!
//! Cases are matched by id. For each metric the verdict follows the
//! repetitions' spread, like criterion's "no change in performance
//! detected": a change counts only when the two 95 % confidence intervals
//! do not overlap *and* the medians differ by more than the noise
//! threshold; anything else is "within noise".

use std::fmt::Write as _;

use crate::{CaseRecord, CaseStatus, Results, Stat};

/// Medians closer than this (relative) are "within noise" whatever the
/// intervals say.
pub const NOISE_THRESHOLD: f64 = 0.02;

/// The case with this id in `r`.
fn find<'a>(r: &'a Results, id: &str) -> Option<&'a CaseRecord> {
    r.cases.iter().find(|c| c.id == id)
}

/// How one metric moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Better: more throughput, or less latency or memory.
    Better,
    /// Worse.
    Worse,
    /// The change is inside the repetitions' spread.
    WithinNoise,
}

impl Verdict {
    /// The word a table shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Better => "faster",
            Verdict::Worse => "slower",
            Verdict::WithinNoise => "within noise",
        }
    }
}

/// One metric of one case, before and after.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Base median.
    pub base: f64,
    /// New median.
    pub new: f64,
    /// New / base − 1 (0.10 = 10 % more).
    pub ratio: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// Whether a larger value of a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Throughput.
    HigherIsBetter,
    /// Latency, memory.
    LowerIsBetter,
}

/// Compares two summaries of one metric.
pub fn change(base: &Stat, new: &Stat, direction: Direction) -> Change {
    let ratio = if base.median != 0.0 {
        new.median / base.median - 1.0
    } else if new.median == 0.0 {
        0.0
    } else {
        f64::INFINITY
    };
    let overlap = base.ci95_low <= new.ci95_high && new.ci95_low <= base.ci95_high;
    let verdict = if overlap || ratio.abs() < NOISE_THRESHOLD {
        Verdict::WithinNoise
    } else {
        match (new.median > base.median, direction) {
            (true, Direction::HigherIsBetter) | (false, Direction::LowerIsBetter) => {
                Verdict::Better
            }
            _ => Verdict::Worse,
        }
    };
    Change {
        base: base.median,
        new: new.median,
        ratio,
        verdict,
    }
}

/// One case in both runs.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseChange {
    /// The case id.
    pub id: String,
    /// Throughput (tasks/s).
    pub throughput: Change,
    /// p99 latency (s).
    pub latency_p99: Change,
    /// Peak RSS above idle, `peak_rss` (bytes).
    pub peak_rss: Change,
}

/// Everything `compare` found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Cases measured in both runs.
    pub changed: Vec<CaseChange>,
    /// Cases in only the new run.
    pub added: Vec<String>,
    /// Cases in only the base run.
    pub removed: Vec<String>,
    /// Cases failed in either run, with the reason: not compared.
    pub failed: Vec<(String, String)>,
    /// Cases skipped in either run (that machine could not run them), with
    /// the reason: neither compared nor counted as added or removed.
    pub skipped: Vec<(String, String)>,
}

/// Compares `new` against `base`.
pub fn compare(base: &Results, new: &Results) -> Comparison {
    let mut out = Comparison::default();
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
            (Ok(bs), Ok(ns)) => out.changed.push(CaseChange {
                id: n.id.clone(),
                throughput: change(&bs.throughput, &ns.throughput, Direction::HigherIsBetter),
                latency_p99: change(
                    &bs.latency_p99_s,
                    &ns.latency_p99_s,
                    Direction::LowerIsBetter,
                ),
                peak_rss: change(
                    &bs.peak_rss_bytes,
                    &ns.peak_rss_bytes,
                    Direction::LowerIsBetter,
                ),
            }),
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
    out
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

fn pct(c: &Change) -> String {
    if c.ratio.is_finite() {
        format!("{:+.1} %", c.ratio * 100.0)
    } else {
        "new".into()
    }
}

/// Escapes a table cell for markdown.
fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('|', "\\|")
}

impl Comparison {
    /// The comparison as a markdown document (also what the terminal shows).
    pub fn to_markdown(&self, base: &str, new: &str) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# bakeoff compare\n\nbase: `{}`  \nnew: `{}`\n",
            cell(base),
            cell(new)
        );
        let _ = writeln!(
            md,
            "Verdicts follow the repetitions' 95 % intervals: a change is real when the intervals do not overlap and the medians differ by more than {:.0} %.\n",
            NOISE_THRESHOLD * 100.0
        );
        let _ = writeln!(
            md,
            "| case | throughput | | p99 latency | | peak RSS above idle | |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|");
        for c in &self.changed {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&c.id),
                pct(&c.throughput),
                c.throughput.verdict.as_str(),
                pct(&c.latency_p99),
                lower_word(c.latency_p99.verdict),
                pct(&c.peak_rss),
                lower_word(c.peak_rss.verdict),
            );
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

/// Latency and memory: "better" reads as "lower", "worse" as "higher".
fn lower_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Better => "lower",
        Verdict::Worse => "higher",
        Verdict::WithinNoise => "within noise",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(median: f64, half_width: f64) -> Stat {
        Stat {
            n: 5,
            median,
            mean: median,
            stddev: half_width / 2.0,
            min: median - half_width,
            max: median + half_width,
            ci95_low: median - half_width,
            ci95_high: median + half_width,
            median_low: median - half_width,
            median_high: median + half_width,
            median_level: 0.95,
        }
    }

    #[test]
    fn verdicts_follow_the_intervals_and_the_threshold() {
        let (hi, lo) = (Direction::HigherIsBetter, Direction::LowerIsBetter);
        // (base median, half-width, new median, half-width, direction, verdict)
        let cases = [
            (100.0, 1.0, 120.0, 1.0, hi, Verdict::Better),
            (100.0, 1.0, 80.0, 1.0, hi, Verdict::Worse),
            // Overlapping intervals: noise, even with a 10 % median change.
            (100.0, 8.0, 110.0, 8.0, hi, Verdict::WithinNoise),
            // Disjoint but tiny: under the threshold.
            (100.0, 0.1, 101.0, 0.1, hi, Verdict::WithinNoise),
            (1.0, 0.01, 2.0, 0.01, lo, Verdict::Worse),
        ];
        for (b, bw, n, nw, dir, want) in cases {
            let c = change(&stat(b, bw), &stat(n, nw), dir);
            assert_eq!(c.verdict, want, "{b}±{bw} → {n}±{nw}");
            assert!((c.ratio - (n / b - 1.0)).abs() < 1e-12);
        }
    }
}

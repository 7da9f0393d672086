//! What a results file may not say: the checks [`Results::read`] makes
//! after parsing, so that `report` and `compare` never draw or compare a
//! number no measurement can give (a negative rate, a speed-up below zero,
//! a percentile above the maximum). A file edited by hand, or written by a
//! broken build, is refused with one line naming the case and the field.

use crate::{CaseRecord, Percentiles, Repetition, Results, Stat, Summary};

/// The first impossible value in `results`: the case's id, the field's
/// path within the case and what is wrong with it.
pub(crate) fn first_problem(results: &Results) -> Option<(String, String, String)> {
    results
        .cases
        .iter()
        .find_map(|c| case_problem(c).map(|(field, reason)| (c.id.clone(), field, reason)))
}

/// A field path and what is wrong with its value.
type Problem = (String, String);

fn case_problem(c: &CaseRecord) -> Option<Problem> {
    if let Some(s) = c.speedup_vs_seq {
        if let Some(why) = not_a_size(s) {
            return Some(("speedup_vs_seq".into(), format!("{s}: {why}")));
        }
    }
    if let Some(problem) = startups_problem(c) {
        return Some(problem);
    }
    for (i, r) in c.repetitions.iter().enumerate() {
        if let Some((field, why)) = repetition_problem(r) {
            return Some((format!("repetitions[{i}].{field}"), why));
        }
    }
    c.summary.as_ref().and_then(summary_problem)
}

/// Start-ups that were measured have one value per start, and an
/// interpreter's part for each of them.
fn startups_problem(c: &CaseRecord) -> Option<Problem> {
    let starts = c.startups.as_ref().map(Vec::len);
    if starts == Some(0) {
        return Some((
            "startups".into(),
            "an empty list: a start-up that was measured has a value".into(),
        ));
    }
    match (starts, c.interpreter_startups.as_ref().map(Vec::len)) {
        (Some(s), Some(i)) if s != i => Some((
            "interpreter_startups".into(),
            format!("{i} values for {s} start-ups: one per start"),
        )),
        (None, Some(_)) => Some((
            "interpreter_startups".into(),
            "present without `startups`, whose starts it divides".into(),
        )),
        _ => None,
    }
}

/// Why `v` cannot be a rate, a ratio or an amount: negative, or not a
/// finite number.
fn not_a_size(v: f64) -> Option<&'static str> {
    if !v.is_finite() {
        Some("not a finite number")
    } else if v < 0.0 {
        Some("negative")
    } else {
        None
    }
}

fn repetition_problem(r: &Repetition) -> Option<Problem> {
    if let Some(why) = not_a_size(r.throughput) {
        return Some(("throughput".into(), format!("{}: {why}", r.throughput)));
    }
    for (name, p) in [("latency", &r.latency), ("service", &r.service)]
        .into_iter()
        .chain(r.loop_lag.as_ref().map(|p| ("loop_lag", p)))
    {
        if let Some((field, why)) = percentile_problem(p) {
            return Some((format!("{name}.{field}"), why));
        }
    }
    None
}

/// Percentiles must not decrease, and none may exceed the maximum.
fn percentile_problem(p: &Percentiles) -> Option<Problem> {
    let order = [
        ("p50", p.p50),
        ("p90", p.p90),
        ("p99", p.p99),
        ("p999", p.p999),
        ("max", p.max),
    ];
    order.windows(2).find_map(|w| {
        let ((a, va), (b, vb)) = (w[0], w[1]);
        (va.0 > vb.0).then(|| {
            (
                a.to_string(),
                format!("{} ns, above {b} ({} ns)", va.0, vb.0),
            )
        })
    })
}

fn summary_problem(s: &Summary) -> Option<Problem> {
    let stats: [(&str, &Stat); 6] = [
        ("wall_s", &s.wall_s),
        ("throughput", &s.throughput),
        ("latency_p50_s", &s.latency_p50_s),
        ("latency_p99_s", &s.latency_p99_s),
        ("cpu_s", &s.cpu_s),
        ("peak_rss_bytes", &s.peak_rss_bytes),
    ];
    stats.into_iter().find_map(|(name, st)| {
        let values = [
            ("median", st.median),
            ("mean", st.mean),
            ("min", st.min),
            ("max", st.max),
        ];
        if let Some((field, v, why)) = values
            .iter()
            .find_map(|&(f, v)| not_a_size(v).map(|why| (f, v, why)))
        {
            return Some((format!("summary.{name}.{field}"), format!("{v}: {why}")));
        }
        (st.min > st.median || st.median > st.max).then(|| {
            (
                format!("summary.{name}.median"),
                format!("{} is outside [min {}, max {}]", st.median, st.min, st.max),
            )
        })
    })
}

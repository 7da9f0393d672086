//! The nine claims of the course, one file each: the claim's words, the
//! passages it quotes, and the rule that judges it — which cases, which
//! ratios, which thresholds — with the figure that shows it.

mod c1_gil;
mod c2_sleeps;
mod c3_threads;
mod c4_start;
mod c5_loop;
mod c6_chunks;
mod c7_sharing;
mod c8_memory;
mod c9_release;

use super::rule::Ratio;
use super::{Claim, Evidence};
use crate::figures::{series_style, FigureKind, Mark, Plot, Point, Series};
use crate::{CaseRecord, Lang, Results};

/// A claim with its rule.
pub struct ClaimDef {
    /// What it says.
    pub claim: Claim,
    /// Its checks, numbers, limits and figure, from a results file.
    pub judge: fn(&Results, Lang) -> Evidence,
    /// The headline's opening words when the claim holds, in English
    /// and Russian (otherwise they name the claim and the verdict).
    pub holds: (&'static str, &'static str),
}

/// Every claim, in the deck's order.
pub static ALL: [ClaimDef; 9] = [
    c1_gil::DEF,
    c2_sleeps::DEF,
    c3_threads::DEF,
    c4_start::DEF,
    c5_loop::DEF,
    c6_chunks::DEF,
    c7_sharing::DEF,
    c8_memory::DEF,
    c9_release::DEF,
];

/// A bar chart for a claim: one bar per series and category, with each
/// point's interval as its whisker.
fn bars(
    claim: &str,
    title: String,
    caption: String,
    (x_title, y_title): (String, String),
    categories: Vec<String>,
    series: Vec<Series>,
) -> Plot {
    let mut p = crate::figures::plot(
        FigureKind::Claim,
        title,
        caption,
        &x_title,
        &y_title,
        Mark::Bars,
        categories,
        series,
    );
    p.id = claim.to_string();
    p.group = claim.to_string();
    p.series.retain(|s| !s.points.is_empty());
    p.decide_log_y();
    p
}

/// A series in the runner's own colour and fill (the same in every
/// figure: offloaded work hatched).
fn series(c: &CaseRecord, name: String, points: Vec<Point>) -> Series {
    let (colour, fill) = series_style(c);
    Series {
        name,
        family: Some(c.family),
        colour,
        fill,
        dashed: false,
        horizontal: false,
        points,
    }
}

/// A bar at category `x` from a ratio and its interval.
fn point(x: usize, r: &Ratio) -> Point {
    Point {
        x: x as f64,
        y: r.value,
        ci95: Some((r.low, r.high)),
    }
}

/// A bar at category `x`: the median of `values` (scaled by `per`) and
/// its interval.
fn median_point(x: usize, values: &[f64], per: f64) -> Option<Point> {
    let s = crate::Stat::of(values)?;
    let (lo, hi) = s.interval();
    Some(Point {
        x: x as f64,
        y: s.median / per,
        ci95: Some((lo / per, hi / per)),
    })
}

/// Whether two cases do the same work: workload parameters and tasks.
fn same_work(a: &CaseRecord, b: &CaseRecord) -> bool {
    a.workload_params == b.workload_params && a.tasks == b.tasks
}

/// The worker count a speed-up claim is judged at: the largest measured
/// count that is at most the cores (at least 2 where measured), else the
/// largest measured.
fn judged_workers(results: &Results, workload: &str, runners: &[&str]) -> Option<u64> {
    let cores = u64::from(results.environment.logical_cores).max(2);
    let mut counts: Vec<u64> = results
        .cases
        .iter()
        .filter(|c| c.workload == workload && runners.contains(&c.runner.as_str()))
        .filter_map(|c| c.workers)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
        .iter()
        .rev()
        .find(|&&w| w <= cores)
        .or(counts.last())
        .copied()
}

/// "1 worker" / «2 исполнителя».
fn workers_label(n: u64, lang: Lang) -> String {
    lang.count(
        n,
        ("worker", "workers"),
        ("исполнитель", "исполнителя", "исполнителей"),
    )
}

/// A line chart for a claim: x is the log10 of a count (tasks in
/// flight, parent memory) when `log_x`.
fn lines(
    claim: &str,
    title: String,
    caption: String,
    (x_title, y_title): (String, String),
    log_x: bool,
    series: Vec<Series>,
) -> Plot {
    let mut p = bars(
        claim,
        title,
        caption,
        (x_title, y_title),
        Vec::new(),
        series,
    );
    p.mark = Mark::Lines;
    p.log_x = log_x;
    p
}

/// A `sleep` case of `runner` with `tasks` sleeps in flight, each of
/// `length` when given (for `py-threads`, with as many threads: its
/// threads are its concurrency).
fn sleep_case<'r>(
    r: &'r Results,
    runner: &str,
    tasks: u64,
    length: Option<&str>,
    lang: Lang,
) -> Result<&'r CaseRecord, String> {
    super::rule::find(
        r,
        "sleep",
        runner,
        |c| {
            c.tasks == tasks
                && (runner != "py-threads" || c.workers == Some(tasks))
                && length.is_none_or(|d| {
                    c.workload_params.get("duration").map(String::as_str) == Some(d)
                })
        },
        lang,
    )
}

/// The sleep length the thread claims (C3, C8) compare at: that of the
/// first `thread-per-task` sleep, else of the first `py-threads` sleep
/// with as many threads as sleeps (the course suites give every runner
/// they compare there one length; a run may hold other lengths too).
fn thread_sleep_length(r: &Results) -> Option<&str> {
    let first = |keep: &dyn Fn(&CaseRecord) -> bool| {
        r.cases
            .iter()
            .find(|c| c.workload == "sleep" && keep(c))
            .and_then(|c| c.workload_params.get("duration"))
            .map(String::as_str)
    };
    first(&|c| c.runner == "thread-per-task").or_else(|| {
        first(&|c| c.runner == "py-threads" && c.workers == Some(c.tasks) && c.tasks >= 100)
    })
}

/// The sleep length of a `sleep` case, in seconds.
fn sleep_secs(c: &CaseRecord) -> Option<f64> {
    let d = c.workload_params.get("duration")?;
    parse_duration(d)
}

/// `100ms`, `1s`, `250us`, `5` (seconds) as seconds.
fn parse_duration(d: &str) -> Option<f64> {
    let d = d.trim();
    let (num, per) = if let Some(v) = d.strip_suffix("ms") {
        (v, 1e-3)
    } else if let Some(v) = d.strip_suffix("us").or_else(|| d.strip_suffix("µs")) {
        (v, 1e-6)
    } else if let Some(v) = d.strip_suffix("ns") {
        (v, 1e-9)
    } else if let Some(v) = d.strip_suffix('s') {
        (v, 1.0)
    } else {
        (d, 1.0)
    };
    num.trim().parse::<f64>().ok().map(|v| v * per)
}

/// The task count of the pool cases of `noop` that `pick` accepts (the
/// smallest): how the start-up sweep (C4) and the chunk-size sweep (C6)
/// of the course suite tell their cases apart, since a pool case carries
/// every parameter, defaults included.
fn noop_tasks(r: &Results, pick: impl Fn(&CaseRecord) -> bool) -> Option<u64> {
    r.cases
        .iter()
        .filter(|c| c.workload == "noop" && pick(c))
        .map(|c| c.tasks)
        .min()
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_parse_in_every_unit_the_suites_use() {
        assert_eq!(super::parse_duration("100ms"), Some(0.1));
        assert_eq!(super::parse_duration("1s"), Some(1.0));
        assert_eq!(super::parse_duration("250us"), Some(0.00025));
        assert_eq!(super::parse_duration("5"), Some(5.0));
        assert_eq!(super::parse_duration("soon"), None);
    }
}

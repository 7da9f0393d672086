//! Figures drawn from results with `plotters`, as SVG (and PNG).
//!
//! The key design decision: a figure is first built as a [`Plot`] — plain
//! data: title, axis titles, series of points with their confidence
//! intervals — and only then drawn by one function, [`Plot::to_svg`] or
//! [`Plot::write_png`]. Tests assert on the [`Plot`] (series names, axis
//! titles, point counts) without looking at pixels, and every figure gets
//! the same axes, legend, palette and error bars.
//!
//! To add a figure: write a module with a `fn build(group: &Group) ->
//! Option<Plot>` that returns `None` when the results lack its data, and
//! list it in [`plots_for`].

mod cpu;
mod draw;
mod io;
mod lag;
mod latency;
mod palette;
mod speedup;
mod startup;
mod style;
mod switches;
mod throughput;

use std::collections::BTreeMap;

use crate::{CaseRecord, CaseStatus, Family, Lang, Results, WorkloadKind};

pub(crate) use crate::format::local::{
    bytes as format_bytes, number as format_number, short as format_short, time_unit,
};
pub use palette::{family_colour, reference_colour, runner_colour, Rgb};
pub use style::{Metrics, Style};

/// Which figure of issue 5's list a [`Plot`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FigureKind {
    /// 1. Throughput vs workers, one line per runner, with ideal scaling.
    Throughput,
    /// 2. Speed-up over `seq` at each worker count.
    Speedup,
    /// 3. IO: wall time of a batch against tasks in flight.
    IoWall,
    /// 3. IO: peak memory per task in flight.
    IoBytes,
    /// 4. Latency percentiles p50, p90, p99, p99.9 per runner.
    Latency,
    /// 5. Start-up cost per runner.
    StartupCost,
    /// 5. Process-pool start-up against the parent's memory.
    Startup,
    /// 6. `loop-lag`: heartbeat lateness percentiles per runner.
    LoopLag,
    /// 7. CPU time (user + system) against wall time × cores.
    Cpu,
    /// 8. Context switches per task.
    Switches,
    /// `cargo bench`: criterion's medians per bench group.
    Primitives,
}

impl FigureKind {
    /// Short name, used in file names (`primes-throughput.svg`).
    pub fn slug(self) -> &'static str {
        match self {
            FigureKind::Throughput => "throughput",
            FigureKind::Speedup => "speedup",
            FigureKind::IoWall => "io-wall",
            FigureKind::IoBytes => "io-bytes",
            FigureKind::Latency => "latency",
            FigureKind::StartupCost => "startup-cost",
            FigureKind::Startup => "startup",
            FigureKind::LoopLag => "loop-lag",
            FigureKind::Cpu => "cpu",
            FigureKind::Switches => "switches",
            FigureKind::Primitives => "primitives",
        }
    }
}

/// How the points of a plot are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Lines through points at numeric x values (workers).
    Lines,
    /// Grouped bars, one group per x category.
    Bars,
}

/// One point: an x position (a number, or a category index for bars),
/// the median and, when the repetitions allow, the 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// x value; for [`Mark::Bars`], the index into [`Plot::categories`].
    pub x: f64,
    /// The plotted value (a median).
    pub y: f64,
    /// The 95 % confidence interval of y, when there is one.
    pub ci95: Option<(f64, f64)>,
}

/// One series: a runner configuration, or a reference line.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry, e.g. `tokio-mt cpu=offload`.
    pub name: String,
    /// Runner family, or `None` for a reference line such as ideal
    /// scaling.
    pub family: Option<Family>,
    /// Its colour (from the family's shades).
    pub colour: Rgb,
    /// Drawn dashed (reference lines and runners without a worker count).
    pub dashed: bool,
    /// A horizontal line across the plot instead of points (a runner that
    /// has no worker count, drawn against a workers axis).
    pub horizontal: bool,
    /// The points, in x order.
    pub points: Vec<Point>,
}

/// A figure as data, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// Which figure this is.
    pub kind: FigureKind,
    /// File stem, unique within a report, e.g. `m0-primes-throughput`.
    pub id: String,
    /// The workload group it belongs to (see [`Group::label`]).
    pub group: String,
    /// Title drawn above the plot: what it shows.
    pub title: String,
    /// What the data says, in one line (`rayon reaches 1.9× seq on 2
    /// workers; tokio-ct only 1.0×`): the title of a course-style figure.
    pub finding: Option<String>,
    /// One sentence saying what the figure shows, for the HTML caption.
    pub caption: String,
    /// x axis title, with unit.
    pub x_title: String,
    /// y axis title, with unit.
    pub y_title: String,
    /// Lines or bars.
    pub mark: Mark,
    /// Category labels for [`Mark::Bars`] (empty for lines).
    pub categories: Vec<String>,
    /// Whether the y axis is logarithmic (values span more than 2 decades).
    pub log_y: bool,
    /// Whether x values are log10 of the quantity (ticks show 10^x).
    pub log_x: bool,
    /// The series, in legend order.
    pub series: Vec<Series>,
    /// The language of its words, and of its tick labels' numbers
    /// (`2,5`, `10 тыс.` in Russian).
    pub lang: Lang,
}

/// What a test or a caption needs to know about a plot, without pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureDesc {
    /// Title.
    pub title: String,
    /// The finding, when the data gives one.
    pub finding: Option<String>,
    /// x axis title.
    pub x_title: String,
    /// y axis title.
    pub y_title: String,
    /// Category labels of a bar chart.
    pub categories: Vec<String>,
    /// Series names with their number of points, in legend order.
    pub series: Vec<(String, usize)>,
    /// Whether the y axis is logarithmic.
    pub log_y: bool,
}

impl Plot {
    /// Title, axes and series of this plot.
    pub fn describe(&self) -> FigureDesc {
        FigureDesc {
            title: self.title.clone(),
            finding: self.finding.clone(),
            x_title: self.x_title.clone(),
            y_title: self.y_title.clone(),
            categories: self.categories.clone(),
            series: self
                .series
                .iter()
                .map(|s| (s.name.clone(), s.points.len()))
                .collect(),
            log_y: self.log_y,
        }
    }

    /// Sets [`Plot::log_y`] when the positive medians span more than two
    /// decades.
    pub(crate) fn decide_log_y(&mut self) {
        let values: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .map(|p| p.y)
            .filter(|v| *v > 0.0 && v.is_finite())
            .collect();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        self.log_y = !values.is_empty() && hi / lo > 100.0;
    }
}

/// The cases of one work key (workload, parameters, tasks) on one machine:
/// what one set of figures is drawn from.
#[derive(Clone, Debug)]
pub struct Group<'a> {
    /// File-name prefix of the machine (`m0`, `m1`, …).
    pub machine: String,
    /// Logical cores of the machine the cases ran on.
    pub cores: u32,
    /// Workload id.
    pub workload: String,
    /// Workload parameters, `key=value` joined by spaces.
    pub params: String,
    /// Tasks per batch; 0 when the group's cases differ (an IO workload's
    /// sweep over tasks in flight).
    pub tasks: u64,
    /// Every case of the group, failed ones included, in run order.
    pub cases: Vec<&'a CaseRecord>,
}

impl Group<'_> {
    /// `primes numbers=course, 8 tasks`.
    pub fn label(&self, lang: Lang) -> String {
        let params = if self.params.is_empty() {
            String::new()
        } else {
            format!(" {}", self.params)
        };
        if self.tasks == 0 {
            return format!("{}{params}", self.workload);
        }
        let tasks = lang.count(self.tasks, ("task", "tasks"), ("задача", "задачи", "задач"));
        format!("{}{params}, {tasks}", self.workload)
    }

    /// The cases that may be drawn: `ok`, verified and summarised.
    /// Failed or unverified cases are never drawn.
    pub fn drawable(&self) -> impl Iterator<Item = &CaseRecord> {
        self.cases.iter().copied().filter(|c| is_drawable(c))
    }

    /// A file-name-safe stem for this group's figures.
    fn stem(&self, index: usize) -> String {
        let w: String = self
            .workload
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        format!("{}-g{index}-{w}", self.machine)
    }
}

/// Whether a case's numbers may be drawn as a success.
pub fn is_drawable(c: &CaseRecord) -> bool {
    c.status == CaseStatus::Ok && c.verification.verified && c.summary.is_some()
}

/// Splits the cases of one results file into groups by work key, in
/// first-seen order. `machine` names the file-name prefix.
pub fn groups<'a>(results: &'a Results, machine: &str) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    for c in &results.cases {
        let params = crate::join_params(&c.workload_params, " ");
        // An IO workload's sweep over tasks in flight is one group (its
        // task count usually grows with its concurrency).
        let io = c.workload_kind == WorkloadKind::Io;
        match out
            .iter_mut()
            .find(|g| g.workload == c.workload && g.params == params && (io || g.tasks == c.tasks))
        {
            Some(g) => {
                if g.tasks != c.tasks {
                    g.tasks = 0;
                }
                g.cases.push(c)
            }
            None => out.push(Group {
                machine: machine.to_string(),
                cores: results.environment.logical_cores,
                workload: c.workload.clone(),
                params,
                tasks: c.tasks,
                cases: vec![c],
            }),
        }
    }
    out
}

/// The legend name of a case's runner configuration: the runner id, its
/// parameters, and its concurrency when set (`tokio-mt cpu=offload c=100`).
pub fn series_name(c: &CaseRecord) -> String {
    let mut name = crate::axes::legend(c);
    if let Some(conc) = c.concurrency {
        name.push_str(&format!(" c={conc}"));
    }
    name
}

/// The runner a case's speed-up is measured against: its
/// `speedup_baseline` (`py-seq` for CPython's runners), else `seq`.
pub fn reference_of(c: &CaseRecord) -> &str {
    c.speedup_baseline.as_deref().unwrap_or("seq")
}

impl Group<'_> {
    /// Whether case `c` is a reference runner of this group — `seq`, or
    /// a runner another case's speed-up is over (`py-seq`) — whose
    /// speed-up is 1 by definition: speed-up figures leave it out and
    /// findings do not rank it. Asked of the group, so `py-seq` is one
    /// whether or not its own record names itself as its baseline.
    pub fn is_reference(&self, c: &CaseRecord) -> bool {
        c.family == Family::Baseline
            || self
                .cases
                .iter()
                .any(|other| other.status != CaseStatus::Skipped && reference_of(other) == c.runner)
    }
}

/// Runner configurations of the drawable cases, each with its family and
/// cases; colours assigned by family. Ordered by family — baseline,
/// threads, processes, async, CPython (the order of [`Family`]) — so every
/// legend reads the same way, and within a family in first-seen order.
pub(crate) fn runner_series<'a>(
    g: &'a Group<'a>,
) -> Vec<(String, Family, Rgb, Vec<&'a CaseRecord>)> {
    let mut order: Vec<(String, Family, Vec<&CaseRecord>)> = Vec::new();
    for c in g.drawable() {
        let name = series_name(c);
        match order.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, _, cases)) => cases.push(c),
            None => order.push((name, c.family, vec![c])),
        }
    }
    // Stable: runners of one family keep the order they ran in.
    order.sort_by_key(|(_, family, _)| *family);
    let mut shade: BTreeMap<Family, usize> = BTreeMap::new();
    order
        .into_iter()
        .map(|(name, family, cases)| {
            let i = shade.entry(family).or_default();
            let colour = family_colour(family, *i);
            *i += 1;
            (name, family, colour, cases)
        })
        .collect()
}

/// Bars at worker categories: one series per runner configuration whose
/// cases `keep` accepts, one bar per case at its category in `keys`, with
/// the height (and 95 % interval) `value` gives; cases without a value or
/// a category are left out.
pub(crate) fn category_bars(
    g: &Group<'_>,
    keys: &[Option<u64>],
    keep: impl Fn(&CaseRecord) -> bool,
    value: impl Fn(&CaseRecord) -> Option<(f64, Option<(f64, f64)>)>,
) -> Vec<Series> {
    runner_series(g)
        .into_iter()
        .filter(|(_, _, _, cases)| cases.iter().all(|c| keep(c)))
        .map(|(name, family, colour, cases)| Series {
            name,
            family: Some(family),
            colour,
            dashed: false,
            horizontal: false,
            points: cases
                .iter()
                .filter_map(|c| {
                    let x = keys.iter().position(|k| *k == c.workers)? as f64;
                    let (y, ci95) = value(c)?;
                    Some(Point { x, y, ci95 })
                })
                .collect(),
        })
        .collect()
}

/// The median and 95 % interval of `metric` over a case's repetitions
/// (repetitions it returns `None` for are skipped).
pub(crate) fn per_repetition(
    c: &CaseRecord,
    metric: impl Fn(&crate::Repetition) -> Option<f64>,
) -> Option<(f64, Option<(f64, f64)>)> {
    let v: Vec<f64> = c.repetitions.iter().filter_map(metric).collect();
    let s = crate::Stat::of(&v)?;
    Some((s.median, Some(s.interval())))
}

/// Reads one percentile of a [`crate::Percentiles`], in nanoseconds.
pub(crate) type Pick = fn(&crate::Percentiles) -> u64;

/// One bar per percentile in `picks` (x = its index): the median over
/// `reps` (one set of percentiles per repetition) in units of `per`
/// seconds, with its 95 % interval.
pub(crate) fn percentile_points<'r>(
    reps: impl Iterator<Item = &'r crate::Percentiles> + Clone,
    picks: &[(&str, Pick)],
    per: f64,
) -> Vec<Point> {
    picks
        .iter()
        .enumerate()
        .filter_map(|(i, (_, get))| {
            let v: Vec<f64> = reps.clone().map(|p| get(p) as f64 * 1e-9 / per).collect();
            let s = crate::Stat::of(&v)?;
            Some(Point {
                x: i as f64,
                y: s.median,
                ci95: Some(s.interval()),
            })
        })
        .collect()
}

/// Every figure the group's data allows, in issue 5's order, with its
/// words in `lang`.
pub fn plots_for(g: &Group<'_>, index: usize, lang: Lang) -> Vec<Plot> {
    let builders: [fn(&Group<'_>, Lang) -> Option<Plot>; 10] = [
        throughput::build,
        speedup::build,
        io::build_wall,
        io::build_bytes,
        latency::build,
        startup::build_cost,
        startup::build,
        lag::build,
        cpu::build,
        switches::build,
    ];
    let stem = g.stem(index);
    builders
        .iter()
        .filter_map(|b| b(g, lang))
        .filter(|p| p.series.iter().any(|s| !s.points.is_empty()))
        .map(|mut p| {
            // A runner with nothing drawn has no place in the legend.
            p.series.retain(|s| !s.points.is_empty());
            p.id = format!("{stem}-{}", p.kind.slug());
            p.lang = lang;
            p.group = g.label(lang);
            // Every quantity drawn is non-negative; a wide interval from
            // few repetitions may reach below zero, which is clipped.
            for s in &mut p.series {
                for pt in &mut s.points {
                    if let Some((lo, hi)) = pt.ci95 {
                        pt.ci95 = Some((lo.max(0.0), hi));
                    }
                }
            }
            // Figure 3 is log–log by definition: tasks in flight span
            // decades, and equal ratios should look equal.
            if matches!(p.kind, FigureKind::IoWall | FigureKind::IoBytes) {
                p.log_y = true;
            } else {
                p.decide_log_y();
            }
            p
        })
        .collect()
}

/// A new plot with the common fields filled in; `id` and `group` are set
/// by [`plots_for`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn plot(
    kind: FigureKind,
    title: String,
    caption: String,
    x_title: &str,
    y_title: &str,
    mark: Mark,
    categories: Vec<String>,
    series: Vec<Series>,
) -> Plot {
    Plot {
        kind,
        id: String::new(),
        group: String::new(),
        title,
        finding: None,
        caption,
        x_title: x_title.to_string(),
        y_title: y_title.to_string(),
        mark,
        categories,
        log_y: false,
        log_x: false,
        series,
        lang: Lang::En,
    }
}

/// Distinct worker counts of the drawable cases, ascending.
pub(crate) fn worker_counts(g: &Group<'_>) -> Vec<u64> {
    let mut w: Vec<u64> = g.drawable().filter_map(|c| c.workers).collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// Categories "no pool" (cases without a worker count, when there are
/// any), "1 worker", "2 workers", …, from the drawable cases that `keep`
/// accepts; returns the labels and the workers value of each category.
pub(crate) fn worker_categories(
    g: &Group<'_>,
    lang: Lang,
    keep: impl Fn(&CaseRecord) -> bool,
) -> (Vec<String>, Vec<Option<u64>>) {
    let mut keys: Vec<Option<u64>> = Vec::new();
    if g.drawable().any(|c| keep(c) && c.workers.is_none()) {
        keys.push(None);
    }
    let mut w: Vec<u64> = g
        .drawable()
        .filter(|c| keep(c))
        .filter_map(|c| c.workers)
        .collect();
    w.sort_unstable();
    w.dedup();
    keys.extend(w.into_iter().map(Some));
    let labels = keys
        .iter()
        .map(|k| match k {
            None => lang.pick("no pool", "без пула").to_string(),
            Some(n) => lang.count(
                *n,
                ("worker", "workers"),
                ("исполнитель", "исполнителя", "исполнителей"),
            ),
        })
        .collect();
    (labels, keys)
}

/// The runner series of `plot` (reference lines left out) with the value
/// each has at x = `at` (or its last point when `at` is `None`), lowest
/// first; for findings.
pub(crate) fn ranked(plot: &Plot, at: Option<f64>) -> Vec<(&str, f64)> {
    let mut v: Vec<(&str, f64)> = plot
        .series
        .iter()
        .filter(|s| s.family.is_some())
        .filter_map(|s| {
            let p = match at {
                Some(x) => s.points.iter().find(|p| (p.x - x).abs() < 1e-9)?,
                None => s.points.last()?,
            };
            Some((s.name.as_str(), p.y))
        })
        .filter(|(_, y)| y.is_finite())
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1));
    v
}

/// A finding that contrasts the highest and the lowest of `ranked`:
/// `high(name, value)` alone when they are within 10 % of each other
/// (`alike(low, high)` then), else `contrast(high, low)`.
pub(crate) fn contrast(
    ranked: &[(&str, f64)],
    alike: impl Fn(f64, f64) -> String,
    differ: impl Fn((&str, f64), (&str, f64)) -> String,
) -> Option<String> {
    let (lo, hi) = (*ranked.first()?, *ranked.last()?);
    if ranked.len() == 1 || hi.1 <= lo.1 * 1.1 {
        Some(alike(lo.1, hi.1))
    } else {
        Some(differ(hi, lo))
    }
}

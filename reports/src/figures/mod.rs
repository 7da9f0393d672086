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

use crate::{CaseRecord, CaseStatus, Family, Lang, Results, WorkloadKind};

pub(crate) use crate::format::local::{
    bytes as format_bytes, number as format_number, short as format_short, time_unit,
};
pub use palette::{
    family_colour, reference_colour, runner_colour, runner_style, series_style, Fill, Rgb,
};
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
    /// A claim of the course deck: what its rule compares.
    Claim,
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
            FigureKind::Claim => "claim",
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
    /// Its runner's colour ([`runner_colour`]), the same in every figure;
    /// a reference line's own colour.
    pub colour: Rgb,
    /// How its CPU mode sets it apart within that colour: solid, or
    /// lighter and hatched (bars), dashed or dotted (lines). The colour a
    /// bar is filled with is `fill.face(colour)`.
    pub fill: Fill,
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
        self.label_at(self.tasks, lang)
    }

    /// The label of the group's cases of `tasks` tasks per batch (`sleep
    /// duration=100ms, 10000 tasks`): the title of a figure that draws
    /// one size of a group whose cases differ in size. `tasks` 0 leaves
    /// the size out.
    pub fn label_at(&self, tasks: u64, lang: Lang) -> String {
        let params = if self.params.is_empty() {
            String::new()
        } else {
            format!(" {}", self.params)
        };
        if tasks == 0 {
            return format!("{}{params}", self.workload);
        }
        let tasks = lang.count(tasks, ("task", "tasks"), ("задача", "задачи", "задач"));
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

/// One runner configuration of a group: its legend name, family, colour
/// and fill ([`series_style`]), and its drawable cases in run order.
pub(crate) struct RunnerSeries<'a> {
    /// Legend name ([`series_name`]).
    pub name: String,
    /// The runner's family.
    pub family: Family,
    /// The runner's colour, the same in every figure.
    pub colour: Rgb,
    /// How its CPU mode is drawn.
    pub fill: Fill,
    /// Its drawable cases.
    pub cases: Vec<&'a CaseRecord>,
}

impl RunnerSeries<'_> {
    /// A solid-line (or bar) series of this configuration with `points`.
    pub fn series(&self, points: Vec<Point>) -> Series {
        Series {
            name: self.name.clone(),
            family: Some(self.family),
            colour: self.colour,
            fill: self.fill,
            dashed: false,
            horizontal: false,
            points,
        }
    }
}

/// Runner configurations of the drawable cases, each with its family,
/// colour, fill and cases. Colours belong to runners ([`series_style`]),
/// not to places in a legend. Ordered by family — baseline, threads,
/// processes, async, CPython (the order of [`Family`]) — then by the
/// runner table's order, so every legend reads the same way and a
/// runner's inline and offload stand side by side; configurations of
/// one runner, and runners outside the table, in first-seen order.
pub(crate) fn runner_series<'a>(g: &'a Group<'a>) -> Vec<RunnerSeries<'a>> {
    let mut order: Vec<RunnerSeries<'a>> = Vec::new();
    for c in g.drawable() {
        let name = series_name(c);
        match order.iter_mut().find(|s| s.name == name) {
            Some(s) => s.cases.push(c),
            None => {
                let (colour, fill) = series_style(c);
                order.push(RunnerSeries {
                    name,
                    family: c.family,
                    colour,
                    fill,
                    cases: vec![c],
                })
            }
        }
    }
    // Stable: configurations of one runner keep the order they ran in.
    order.sort_by_key(|s| (s.family, palette::legend_rank(&s.cases[0].runner)));
    order
}

/// A category of a bar chart drawn per runner: the cases of one worker
/// count or, in a group whose cases differ in tasks per batch (an IO
/// sweep over 100, 1000 and 10 000 sleeps), of one task count — so that
/// no bar stands for cases of different sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Category {
    /// Cases of this worker count (`None`: no pool).
    Workers(Option<u64>),
    /// Cases of this many tasks per batch.
    Tasks(u64),
    /// Cases of this many tasks and this worker count, when a runner was
    /// measured at several worker counts of one size.
    TasksWorkers(u64, Option<u64>),
}

impl Category {
    /// Whether case `c` belongs to this category.
    pub fn holds(self, c: &CaseRecord) -> bool {
        match self {
            Category::Workers(w) => c.workers == w,
            Category::Tasks(t) => c.tasks == t,
            Category::TasksWorkers(t, w) => c.tasks == t && c.workers == w,
        }
    }

    /// Its label: `2 workers`, `no pool`, `1000 tasks`, `1000 tasks, 2
    /// workers`.
    fn label(self, lang: Lang) -> String {
        let workers = |w: Option<u64>| match w {
            None => lang.pick("no pool", "без пула").to_string(),
            Some(n) => lang.count(
                n,
                ("worker", "workers"),
                ("исполнитель", "исполнителя", "исполнителей"),
            ),
        };
        let tasks = |t: u64| lang.count(t, ("task", "tasks"), ("задача", "задачи", "задач"));
        match self {
            Category::Workers(w) => workers(w),
            Category::Tasks(t) => tasks(t),
            Category::TasksWorkers(t, w) => format!("{}, {}", tasks(t), workers(w)),
        }
    }
}

/// The categories of a bar chart: their labels and what each holds.
pub(crate) struct Categories {
    /// Category labels, in x order.
    pub labels: Vec<String>,
    /// What each category holds.
    pub keys: Vec<Category>,
}

impl Categories {
    /// Whether the categories are task counts (the group's cases differ
    /// in size).
    fn by_tasks(&self) -> bool {
        self.keys.iter().any(|k| !matches!(k, Category::Workers(_)))
    }

    /// The x axis title: `workers` as the figure words it, or, when the
    /// categories are task counts, tasks per batch (and workers).
    pub fn axis(&self, workers: &str, lang: Lang) -> String {
        match self.keys.first() {
            Some(Category::Tasks(_)) => lang.pick("tasks per batch", "задач в прогоне").into(),
            Some(Category::TasksWorkers(..)) => format!(
                "{}, {workers}",
                lang.pick("tasks per batch", "задач в прогоне")
            ),
            _ => workers.into(),
        }
    }

    /// The index of the last category, whose bars a finding speaks of.
    pub fn last(&self) -> f64 {
        (self.keys.len().max(1) - 1) as f64
    }

    /// A finding about the last category, followed by that category's
    /// label when the categories are task counts (`smol … (1000
    /// tasks)`), so that it names the size it speaks of.
    pub fn about_last(&self, finding: Option<String>) -> Option<String> {
        match (self.by_tasks(), self.labels.last()) {
            (true, Some(size)) => finding.map(|f| format!("{f} ({size})")),
            _ => finding,
        }
    }
}

/// Bars at categories: one series per runner configuration whose cases
/// `keep` accepts, one bar per case at its category in `cats`, with the
/// height (and 95 % interval) `value` gives; cases without a value or a
/// category are left out. A series has one bar per category at most.
pub(crate) fn category_bars(
    g: &Group<'_>,
    cats: &Categories,
    keep: impl Fn(&CaseRecord) -> bool,
    value: impl Fn(&CaseRecord) -> Option<(f64, Option<(f64, f64)>)>,
) -> Vec<Series> {
    runner_series(g)
        .into_iter()
        .filter(|s| s.cases.iter().all(|c| keep(c)))
        .map(|s| {
            let mut points: Vec<Point> = Vec::new();
            for c in &s.cases {
                let Some(x) = cats.keys.iter().position(|k| k.holds(c)) else {
                    continue;
                };
                let x = x as f64;
                // Two cases of one configuration in one category are the
                // same case run twice (a suite listing it in two sweeps):
                // the first is drawn.
                if points.iter().any(|p| p.x == x) {
                    continue;
                }
                if let Some((y, ci95)) = value(c) {
                    points.push(Point { x, y, ci95 });
                }
            }
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            s.series(points)
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
/// accepts. When those cases differ in tasks per batch, the categories
/// are the task counts instead ("100 tasks", "1000 tasks"), each split by
/// workers only when some runner configuration was measured at several
/// worker counts of one size: a bar never mixes sizes.
pub(crate) fn worker_categories(
    g: &Group<'_>,
    lang: Lang,
    keep: impl Fn(&CaseRecord) -> bool,
) -> Categories {
    let kept: Vec<&CaseRecord> = g.drawable().filter(|c| keep(c)).collect();
    let mut tasks: Vec<u64> = kept.iter().map(|c| c.tasks).collect();
    tasks.sort_unstable();
    tasks.dedup();
    let mut keys: Vec<Category> = if tasks.len() < 2 {
        kept.iter().map(|c| Category::Workers(c.workers)).collect()
    } else {
        // Several worker counts of one runner configuration at one size?
        let split = kept.iter().any(|a| {
            kept.iter().any(|b| {
                a.tasks == b.tasks && a.workers != b.workers && series_name(a) == series_name(b)
            })
        });
        kept.iter()
            .map(|c| {
                if split {
                    Category::TasksWorkers(c.tasks, c.workers)
                } else {
                    Category::Tasks(c.tasks)
                }
            })
            .collect()
    };
    // `None` (no pool) sorts before every worker count.
    keys.sort_unstable();
    keys.dedup();
    Categories {
        labels: keys.iter().map(|k| k.label(lang)).collect(),
        keys,
    }
}

/// Which case of each runner configuration a figure of percentiles
/// (latency, loop-lag) draws: the one at the largest worker count (a
/// runner without one, always) and, when the group's cases differ in
/// tasks per batch, at the largest task count — the course's 10 000
/// concurrent sleeps — never a mix of sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slice {
    /// The worker count drawn, when the group has one.
    pub workers: Option<u64>,
    /// The task count drawn, when the group's cases differ in it.
    pub tasks: Option<u64>,
}

impl Slice {
    /// The slice of `g` among the drawable cases `has` accepts.
    pub fn of(g: &Group<'_>, has: impl Fn(&CaseRecord) -> bool) -> Slice {
        let cases: Vec<&CaseRecord> = g.drawable().filter(|c| has(c)).collect();
        let workers = cases.iter().filter_map(|c| c.workers).max();
        let mut tasks: Vec<u64> = cases.iter().map(|c| c.tasks).collect();
        tasks.sort_unstable();
        tasks.dedup();
        Slice {
            workers,
            tasks: if tasks.len() > 1 {
                tasks.last().copied()
            } else {
                None
            },
        }
    }

    /// Whether case `c` is in the slice.
    pub fn holds(&self, c: &CaseRecord) -> bool {
        (c.workers.is_none() || c.workers == self.workers)
            && self.tasks.is_none_or(|t| c.tasks == t)
    }

    /// The group's label with the task count drawn (`sleep
    /// duration=100ms, 10000 tasks`), for the figure's title.
    pub fn label(&self, g: &Group<'_>, lang: Lang) -> String {
        match self.tasks {
            Some(t) => g.label_at(t, lang),
            None => g.label(lang),
        }
    }
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

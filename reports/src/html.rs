//! The HTML report: a self-contained `index.html` rendered from
//! `templates/report.html` with minijinja.
//!
//! The key design decision: the template gets plain, already-formatted
//! strings and autoescapes every one of them (the template's name ends in
//! `.html`); the only values marked safe are the figures' SVG documents,
//! whose text plotters' SVG backend has already XML-escaped.

use serde::Serialize;

use crate::figures::{self, Group, Plot};
use crate::format::{bytes, duration, number, rate, ratio};
use crate::{Axes, CaseRecord, CaseStatus, Environment, Lang, Results, Stat};

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
    /// The table of the group's cases.
    pub table: CaseTable,
    /// Whether any case talked to an embedded server (the table then has
    /// a column for the server's share).
    pub server: bool,
}

/// A group's table of cases, as the HTML report and summary.md show it.
#[derive(Debug, Serialize)]
pub struct CaseTable {
    /// The axes that vary within the group ([`Axes::of`]), one column
    /// each, between the runner and the status.
    pub axes: Vec<AxisColumn>,
    /// The axes every case shares that the group's heading does not
    /// state, for a line above the table (`workers 2`); empty if none.
    pub common: String,
    /// One row per case, in run order.
    pub rows: Vec<CaseRow>,
}

/// The column of one varying axis.
#[derive(Debug, Serialize)]
pub struct AxisColumn {
    /// Its heading: `workers`, `tasks`, a parameter's name.
    pub heading: String,
    /// Whether every value is a number (right-aligned).
    pub numeric: bool,
}

/// The table of group `g`'s cases, with axis headings in `lang`.
pub fn case_table(g: &Group<'_>, lang: Lang) -> CaseTable {
    let axes = Axes::of(&g.cases);
    CaseTable {
        axes: axes
            .varying
            .iter()
            .map(|a| AxisColumn {
                heading: a.heading(lang),
                numeric: a.is_numeric(&g.cases),
            })
            .collect(),
        common: axes.common(lang),
        rows: g.cases.iter().map(|c| case_row(c, &axes)).collect(),
    }
}

/// One figure, inline.
#[derive(Debug, Serialize)]
pub struct FigureView {
    /// File stem (also the HTML id).
    pub id: String,
    /// Title.
    pub title: String,
    /// What the data says, when the figure has a finding.
    pub finding: Option<String>,
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
    /// Runner with the parameters that have no column ([`Axes::runner`]).
    pub runner: String,
    /// The case's value on each varying axis, `—` where unset.
    pub axes: Vec<String>,
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
    /// Median peak RSS above idle (`peak_rss`).
    pub rss: String,
    /// Whether throughput was noisy.
    pub noisy: bool,
    /// Whether a worker died during a measured batch
    /// ([`CaseRecord::disturbed`]).
    pub disturbed: bool,
    /// The embedded server's share: cores kept busy and CPU per request,
    /// e.g. `0.77 cores, 51.2 µs`; `—` without one.
    pub server: String,
}

/// A case the reader should not trust, with why.
#[derive(Debug, Serialize)]
pub struct Warning {
    /// Case id.
    pub case: String,
    /// `failed`, `unverified`, `disturbed`, `noisy` or `server`.
    pub kind: String,
    /// The reason.
    pub reason: String,
}

/// The page's fixed words in one language.
#[derive(Debug, Serialize)]
pub struct Words {
    /// The line under the title, before the version.
    pub written_by: &'static str,
    /// The line under the title, after the version.
    pub method: &'static str,
    /// Heading of the warnings box.
    pub warnings: &'static str,
    /// The box shown when there is no warning.
    pub no_warnings: &'static str,
    /// `Runs:`.
    pub runs: &'static str,
    /// `started`.
    pub started: &'static str,
    /// `cases`.
    pub cases: &'static str,
    /// `raw data`.
    pub raw_data: &'static str,
    /// Shown for a workload without figures.
    pub no_figure: &'static str,
    /// Table headings, in column order; the first two come before the
    /// columns of the varying axes, the others after them.
    pub columns: [&'static str; 10],
    /// Introduces the axes every case of a table shares.
    pub every_case: &'static str,
    /// The tooltip of `†` beside a disturbed case's throughput.
    pub disturbed_title: &'static str,
    /// Heading of the primitives section.
    pub primitives: &'static str,
    /// The sentence under it.
    pub primitives_intro: &'static str,
    /// Its table headings.
    pub primitive_columns: [&'static str; 5],
    /// Heading of the server column of IO cases' tables.
    pub server_column: &'static str,
}

impl Words {
    /// The page's words in `lang`.
    pub fn new(lang: Lang) -> Words {
        match lang {
            Lang::En => Words {
                written_by: "Written by bakeoff",
                method: "Medians across repetitions; intervals are 95 % confidence intervals of the mean. Failed or unverified cases are listed, never plotted.",
                warnings: "Warnings",
                no_warnings: "No warnings: every case ran, matched the seq answer and was steady.",
                runs: "Runs:",
                started: "started",
                cases: "cases",
                raw_data: "raw data",
                no_figure: "No figure: no case of this workload succeeded.",
                columns: ["case", "runner", "status", "throughput", "CI95", "speed-up", "p50 latency", "p99 latency", "CPU / batch", "peak RSS above idle"],
                every_case: "Every case:",
                disturbed_title: "† a pool worker died during a repetition and its task was retried: not a clean measurement",
                primitives: "Primitives (cargo bench)",
                primitives_intro: "What the costs behind the figures are, as criterion measured them: the median time per operation (per element where a bench handles several per iteration) with the 95 % interval of the median.",
                primitive_columns: ["bench", "median per operation", "CI95", "elements per iteration", "bandwidth"],
                server_column: "server: cores busy, CPU per request",
            },
            Lang::Ru => Words {
                written_by: "Создано bakeoff",
                method: "Медианы по повторам; интервалы — 95 % доверительные интервалы среднего. Упавшие и непроверенные случаи перечислены, но не нарисованы.",
                warnings: "Предупреждения",
                no_warnings: "Предупреждений нет: каждый случай выполнился, совпал с ответом seq и был стабилен.",
                runs: "Прогоны:",
                started: "начат",
                cases: "случаев",
                raw_data: "исходные данные",
                no_figure: "Нет рисунка: ни один случай этой нагрузки не прошёл.",
                columns: ["случай", "модель", "статус", "пропускная способность", "ДИ95", "ускорение", "задержка p50", "задержка p99", "CPU / прогон", "пик RSS сверх простоя"],
                every_case: "У всех случаев:",
                disturbed_title: "† в одном из повторов погиб рабочий процесс пула и его задачу выполнили заново: замер не чистый",
                primitives: "Примитивы (cargo bench)",
                primitives_intro: "Стоимость примитивов, стоящих за рисунками, по замерам criterion: медиана времени на операцию (на элемент, если замер обрабатывает несколько за итерацию) с 95 % интервалом медианы.",
                primitive_columns: ["замер", "медиана на операцию", "ДИ95", "элементов за итерацию", "пропускная способность"],
                server_column: "сервер: занято ядер, CPU на запрос",
            },
        }
    }
}

/// The "Primitives" section: criterion's estimates from `cargo bench`.
#[derive(Debug, Serialize)]
pub struct PrimitivesView {
    /// One bar chart per bench group.
    pub figures: Vec<FigureView>,
    /// One row per bench.
    pub rows: Vec<PrimitiveRow>,
}

/// One bench's estimate, formatted.
#[derive(Debug, Serialize)]
pub struct PrimitiveRow {
    /// `group/function[/value]`.
    pub id: String,
    /// Median time per operation (per element when the bench set them).
    pub per_op: String,
    /// Its 95 % interval.
    pub per_op_ci: String,
    /// Elements per iteration, or `—`.
    pub elements: String,
    /// Bytes per second, for byte-throughput benches, or `—`.
    pub bandwidth: String,
}

/// The primitives section from criterion's estimates and their figures.
pub fn primitives_view(
    estimates: &[crate::criterion::Estimate],
    plots: &[(Plot, String, Option<String>)],
) -> PrimitivesView {
    PrimitivesView {
        figures: figure_views(plots),
        rows: estimates
            .iter()
            .map(|e| {
                let (m, (lo, hi)) = e.per_op_secs();
                PrimitiveRow {
                    id: e.id(),
                    per_op: duration(m),
                    per_op_ci: format!("{} – {}", duration(lo), duration(hi)),
                    elements: match e.elements() {
                        1 => "—".into(),
                        n => n.to_string(),
                    },
                    bandwidth: e
                        .bytes_per_sec()
                        .map_or_else(|| "—".into(), |b| format!("{}/s", bytes(b))),
                }
            })
            .collect(),
    }
}

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub struct ReportView {
    /// The primitives section, when criterion estimates were given.
    pub primitives: Option<PrimitivesView>,
    /// The HTML `lang` attribute.
    pub lang: &'static str,
    /// The page's fixed words.
    pub words: Words,
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

/// Environment rows for the template.
pub fn environment_rows(e: &Environment, lang: Lang) -> Vec<(String, String)> {
    let opt = |v: Option<u64>| v.map_or_else(|| "unknown".to_string(), |v| v.to_string());
    let crates = e
        .crates
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let l = |en: &str, ru: &str| lang.pick(en, ru).to_string();
    vec![
        (
            l("machine", "машина"),
            format!("{} — {}", e.hostname, e.cpu_model),
        ),
        (
            l("cores", "ядра"),
            lang.pick(
                format!("{} logical, {} physical", e.logical_cores, e.physical_cores),
                format!(
                    "{} логических, {} физических",
                    e.logical_cores, e.physical_cores
                ),
            ),
        ),
        (l("memory", "память"), bytes(e.memory.0 as f64)),
        (l("kernel", "ядро ОС"), e.kernel.clone()),
        ("rustc".into(), format!("{} ({})", e.rustc, e.profile)),
        (l("crates", "крейты"), crates),
        (
            l("limits", "лимиты"),
            format!(
                "open files {}, processes {}, vm.max_map_count {}, threads-max {}",
                opt(e.open_files_limit),
                opt(e.process_limit),
                opt(e.max_map_count),
                opt(e.threads_max)
            ),
        ),
        (
            l("load at start", "загрузка в начале"),
            format!(
                "{:.2} {:.2} {:.2} (1, 5, 15 min)",
                e.load_average[0], e.load_average[1], e.load_average[2]
            ),
        ),
        (
            l("commit", "коммит"),
            e.git_commit.clone().unwrap_or_else(|| "unknown".into()),
        ),
        (
            l("command line", "командная строка"),
            e.command_line.join(" "),
        ),
    ]
}

fn status_of(c: &CaseRecord) -> &'static str {
    match (c.status, c.verification.verified) {
        (CaseStatus::Failed, _) => "failed",
        (CaseStatus::Ok, false) => "unverified",
        (CaseStatus::Ok, true) => "ok",
    }
}

/// A table row for a case, with a cell for each of `axes`' varying axes.
pub fn case_row(c: &CaseRecord, axes: &Axes) -> CaseRow {
    let dash = || "—".to_string();
    let median = |f: fn(&crate::Summary) -> &Stat, fmt: fn(f64) -> String| {
        c.summary
            .as_ref()
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |s| fmt(f(s).median))
    };
    CaseRow {
        id: c.id.clone(),
        runner: axes.runner(c),
        axes: axes.values(c),
        status: status_of(c).to_string(),
        throughput: median(|s| &s.throughput, rate),
        throughput_ci: c
            .summary
            .as_ref()
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |s| {
                // A throughput is never negative; the interval of a
                // mean over few repetitions may reach below zero.
                format!(
                    "{} – {}",
                    number(s.throughput.ci95_low.max(0.0)),
                    number(s.throughput.ci95_high)
                )
            }),
        speedup: c
            .speedup_vs_seq
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, ratio),
        p50: median(|s| &s.latency_p50_s, duration),
        p99: median(|s| &s.latency_p99_s, duration),
        cpu: median(|s| &s.cpu_s, duration),
        rss: median(|s| &s.peak_rss_bytes, bytes),
        noisy: c.summary.as_ref().is_some_and(|s| s.noisy),
        disturbed: c.disturbed(),
        server: match (&c.server, c.server_cores()) {
            (Some(server), Some(busy)) => format!(
                "{} cores, {}",
                number(busy),
                server.cpu_per_request().map_or_else(dash, duration)
            ),
            _ => dash(),
        },
    }
}

/// The share of the machine's cores an embedded server may keep busy
/// during a case before the report says the case's rate is the machine's
/// (runner and server together), not the runner's alone.
pub const SERVER_SHARE: f64 = 0.25;

/// Failed, unverified, disturbed and noisy cases of `results`, and IO cases whose
/// embedded server kept more than [`SERVER_SHARE`] of the cores busy.
pub fn warnings(results: &Results) -> Vec<Warning> {
    let mut out = Vec::new();
    let machine = f64::from(results.environment.logical_cores.max(1));
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
        if let (Some(server), Some(busy)) = (&c.server, c.server_cores()) {
            if busy >= SERVER_SHARE * machine {
                out.push(Warning {
                    case: c.id.clone(),
                    kind: "server".into(),
                    reason: format!(
                        "the embedded {} server kept {} of the {} cores busy ({} of CPU per request): the rate is the machine's, runner and server together",
                        server.kind,
                        number(busy),
                        machine,
                        server.cpu_per_request().map_or_else(|| "—".into(), duration),
                    ),
                });
            }
        }
        if c.status == CaseStatus::Ok && c.disturbed() {
            out.push(disturbed(c));
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

/// The warning for a case whose workers died during measured batches:
/// how many died and how, and what was retried, over its repetitions.
fn disturbed(c: &CaseRecord) -> Warning {
    let sum = |f: fn(&crate::Repetition) -> Option<u64>| -> u64 {
        c.repetitions.iter().filter_map(f).sum()
    };
    let (deaths, retried, replaced) = (
        sum(|r| r.worker_deaths),
        sum(|r| r.tasks_retried),
        sum(|r| r.workers_replaced),
    );
    let mut causes: Vec<&str> = Vec::new();
    for cause in c
        .repetitions
        .iter()
        .flat_map(|r| r.worker_death_causes.iter().flatten())
    {
        if !causes.contains(&cause.as_str()) {
            causes.push(cause);
        }
    }
    let hit = c.repetitions.iter().filter(|r| r.disturbed()).count();
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    Warning {
        case: c.id.clone(),
        kind: "disturbed".into(),
        reason: format!(
            "{} died{} and {} retried ({} replaced, in {hit} of {} repetitions): timing is not a clean measurement",
            plural(deaths, "worker", "workers"),
            if causes.is_empty() {
                String::new()
            } else {
                format!(" ({})", causes.join(", "))
            },
            plural(retried, "task was", "tasks were"),
            plural(replaced, "worker", "workers"),
            c.repetitions.len(),
        ),
    }
}

/// A workload section from a group and its plots.
pub fn workload_view(
    g: &Group<'_>,
    plots: &[(Plot, String, Option<String>)],
    lang: Lang,
) -> WorkloadView {
    WorkloadView {
        label: g.label(lang),
        figures: figure_views(plots),
        table: case_table(g, lang),
        server: g.cases.iter().any(|c| c.server.is_some()),
    }
}

/// The template's view of drawn plots.
fn figure_views(plots: &[(Plot, String, Option<String>)]) -> Vec<FigureView> {
    plots
        .iter()
        .map(|(p, svg, png)| FigureView {
            id: p.id.clone(),
            title: p.title.clone(),
            finding: p.finding.clone(),
            caption: p.caption.clone(),
            svg: svg.clone(),
            png: png.clone(),
        })
        .collect()
}

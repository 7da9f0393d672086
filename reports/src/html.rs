//! The HTML report: a self-contained `index.html` rendered from
//! `templates/report.html` with minijinja.
//!
//! The key design decision: the template gets plain, already-formatted
//! strings and autoescapes every one of them (the template's name ends in
//! `.html`); the only values marked safe are the figures' SVG documents,
//! whose text plotters' SVG backend has already XML-escaped.

use serde::Serialize;

use crate::figures::{FigureKind, Group, Plot};
use crate::format::local::{bytes, duration};
use crate::view::{case_table, CaseTable, Rich, WarningGroup};
use crate::{Environment, Lang, Results};

/// The template, embedded so the binary needs no files beside it.
const TEMPLATE: &str = include_str!("../templates/report.html");

/// One machine's runs, as the template shows them.
#[derive(Debug, Serialize)]
pub struct MachineView {
    /// `vm — AMD EPYC, 2 cores`, the host and the CPU as data
    /// ([`machine_title`]).
    pub title: Rich,
    /// Environment rows: (name, value).
    pub environment: Vec<(String, Rich)>,
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
    /// `complete`, `interrupted` or `incomplete`, in the report's
    /// language ([`run_state`]).
    pub state: String,
    /// Cases present / planned: `12 of 14 cases` / «12 из 14 замеров».
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
    /// Which runners' speed-ups are over a reference other than `seq`
    /// ([`crate::view::speedup_note`]).
    pub speedup_note: Option<String>,
    /// Whether every case of the group was skipped (not run).
    pub all_skipped: bool,
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
    /// A sentence to read beside it: the cores limit under a speed-up
    /// figure ([`crate::view::cores_note`]).
    pub note: Option<String>,
    /// Relative link to the PNG, when one was written.
    pub png: Option<String>,
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
    /// The box shown when there is no warning but some cases were
    /// skipped.
    pub no_warnings_ran: &'static str,
    /// Heading of the list of skipped cases, one line per reason.
    pub skipped: &'static str,
    /// The tooltip of a speed-up over a reference other than `seq`
    /// (`over` + the runner).
    pub speedup_over: &'static str,
    /// `Runs:`.
    pub runs: &'static str,
    /// `started`.
    pub started: &'static str,
    /// `raw data`.
    pub raw_data: &'static str,
    /// Shown for a workload without figures.
    pub no_figure: &'static str,
    /// Shown for a workload none of whose cases was run.
    pub no_figure_skipped: &'static str,
    /// Table headings, in column order; the first two come before the
    /// columns of the varying axes, the others after them.
    pub columns: [&'static str; 11],
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
    /// Heading of the column of what calibration and the stopping rule
    /// chose (`4×9 precise`).
    pub reps_column: &'static str,
    /// The tooltip of `~` beside a noisy case's throughput.
    pub noisy_title: &'static str,
    /// The tooltip of `!` beside a speed-up above the cores.
    pub above_cores_title: &'static str,
    /// The line under summary.md's tables that says what its marks mean.
    pub markdown_legend: &'static str,
    /// summary.md's heading.
    pub summary_title: &'static str,
    /// summary.md's table headings, in column order; the first comes
    /// before the columns of the varying axes, the others after them
    /// (the `reps` column, when there is one, before the speed-up).
    pub markdown_columns: [&'static str; 7],
}

impl Words {
    /// The page's words in `lang`.
    pub fn new(lang: Lang) -> Words {
        match lang {
            Lang::En => Words {
                written_by: "Written by bakeoff",
                method: "Medians across repetitions; whiskers and intervals are the medians' own, from order statistics (95 % from 6 repetitions on; with fewer, the range of the repetitions). Failed, unverified and skipped cases are listed, never plotted.",
                warnings: "Warnings",
                no_warnings: "No warnings: every case ran, matched the seq answer and was steady.",
                no_warnings_ran: "No warnings: every case that ran matched the seq answer and was steady.",
                skipped: "Not run",
                speedup_over: "speed-up over",
                runs: "Runs:",
                started: "started",
                raw_data: "raw data",
                no_figure: "No figure: no case of this workload succeeded.",
                no_figure_skipped: "No figure: every case of this workload was skipped (see above).",
                columns: ["case", "runner", "status", "throughput", "CI95", "speed-up", "p50 latency", "p99 latency", "CPU / batch", "peak RSS above idle", "start-up"],
                every_case: "Every case:",
                disturbed_title: "† a pool worker died during a repetition and its task was retried: not a clean measurement",
                primitives: "Primitives",
                primitives_intro: "What the costs behind the figures are, as criterion measured them: the median time per operation (per element where a bench handles several per iteration) with the 95 % interval of the median.",
                primitive_columns: ["bench", "median per operation", "CI95", "elements per iteration", "bandwidth"],
                server_column: "server: cores busy, CPU per request",
                reps_column: "reps",
                noisy_title: "~ noisy: the median throughput is known only to worse than ±5 % (with fewer than 6 repetitions: it varied by more than 10 %)",
                above_cores_title: "! more than the machine's cores allow: a measurement problem, not a result",
                markdown_legend: "`~` marks noisy throughput (its median known only to worse than ±5 %; with fewer than 6 repetitions, a coefficient of variation above 10 %); `!` a speed-up above what the machine's logical cores allow (a measurement problem); `†` a case whose worker process died during a measured batch (its tasks were retried: timing is not a clean measurement); `—` means not set or not measured; `skipped` a case this machine could not run (the reason is under the machine's heading).",
                summary_title: "bakeoff summary",
                markdown_columns: ["runner", "status", "throughput (median)", "CI95", "speed-up", "p99 latency", "start-up"],
            },
            Lang::Ru => Words {
                written_by: "Отчёт составлен bakeoff версии",
                method: "Медианы по повторам; усы и интервалы — доверительные интервалы самих медиан по порядковым статистикам (95 % начиная с 6 повторов; при меньшем числе — размах повторов). Замеры со сбоем, непроверенные и незапущенные перечислены в таблицах, но не нарисованы.",
                warnings: "Предупреждения",
                no_warnings: "Предупреждений нет: все замеры выполнены, совпали с ответом seq и были стабильны.",
                no_warnings_ran: "Предупреждений нет: все выполненные замеры совпали с ответом seq и были стабильны.",
                skipped: "Не запущено",
                speedup_over: "ускорение относительно",
                runs: "Файлы результатов:",
                started: "начало —",
                raw_data: "исходные данные",
                no_figure: "Рисунка нет: ни один замер этой нагрузки не удался.",
                no_figure_skipped: "Рисунка нет: ни один замер этой нагрузки не запускался (см. выше).",
                columns: ["замер", "модель", "статус", "пропускная способность", "ДИ95", "ускорение", "задержка p50", "задержка p99", "CPU на прогон", "пик RSS сверх простоя", "запуск"],
                every_case: "Во всех замерах:",
                disturbed_title: "† в одном из повторов погиб рабочий процесс пула и его задачу выполнили заново: замер не чистый",
                primitives: "Примитивы",
                primitives_intro: "Стоимость примитивов, стоящих за рисунками, по замерам criterion: медиана времени на операцию (на элемент, если замер обрабатывает несколько элементов за итерацию) с 95 % доверительным интервалом медианы.",
                primitive_columns: ["замер", "медиана на операцию", "ДИ95", "элементов за итерацию", "пропускная способность"],
                server_column: "сервер: занято ядер, CPU на запрос",
                reps_column: "повторы",
                noisy_title: "~ шумный замер: медиана пропускной способности известна с точностью хуже ±5 % (при менее чем 6 повторах — разброс больше 10 %)",
                above_cores_title: "! больше, чем позволяют ядра машины: ошибка измерения, а не результат",
                markdown_legend: "«~» — шумная пропускная способность (медиана известна с точностью хуже ±5 %; при менее чем 6 повторах — коэффициент вариации больше 10 %); «!» — ускорение больше, чем позволяют логические ядра машины (ошибка измерения); «†» — во время замера погиб рабочий процесс (его задачи выполнены заново: замер не чистый); «—» — не задано или не измерено; «не запущен» — замер, который эта машина не смогла выполнить (причина — под заголовком машины).",
                summary_title: "Сводка bakeoff",
                markdown_columns: ["модель", "статус", "пропускная способность (медиана)", "ДИ95", "ускорение", "задержка p99", "запуск"],
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
    lang: Lang,
) -> PrimitivesView {
    PrimitivesView {
        figures: figure_views(plots, None),
        rows: estimates
            .iter()
            .map(|e| {
                let (m, (lo, hi)) = e.per_op_secs();
                PrimitiveRow {
                    id: e.id(),
                    per_op: duration(m, lang),
                    per_op_ci: format!("{} – {}", duration(lo, lang), duration(hi, lang)),
                    elements: match e.elements() {
                        1 => "—".into(),
                        n => n.to_string(),
                    },
                    bandwidth: e.bytes_per_sec().map_or_else(
                        || "—".into(),
                        |b| format!("{}{}", bytes(b, lang), lang.pick("/s", "/с")),
                    ),
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
    /// Page title (the `<title>`, words and suite names together).
    pub title: String,
    /// The first heading's words, before the suite names.
    pub heading: String,
    /// The suites' names, shown as data after [`ReportView::heading`].
    pub suites: String,
    /// bakeoff version(s) that wrote the results.
    pub versions: String,
    /// Machine sections.
    pub machines: Vec<MachineView>,
    /// Every warning, one group per kind, in the order of
    /// [`crate::view::WarningKind`] ([`crate::view::group_warnings`]).
    pub warnings: Vec<WarningGroup>,
    /// How many warnings the groups hold together.
    pub warning_count: usize,
    /// Skipped cases, one line per reason
    /// ([`crate::view::SkippedGroup::rich`]).
    pub skipped: Vec<Rich>,
}

/// Renders the report view to HTML.
pub fn render_html(view: &ReportView) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?.render(view)
}

/// The title of a machine's section: `vm — AMD EPYC, 2 cores`, the host
/// name and the CPU model as data.
pub fn machine_title(e: &Environment, lang: Lang) -> Rich {
    let cores = lang.count(
        e.logical_cores.into(),
        ("core", "cores"),
        ("ядро", "ядра", "ядер"),
    );
    Rich::code(&e.hostname)
        .and(" — ")
        .and_code(&e.cpu_model)
        .and(format!(", {cores}"))
}

/// Environment rows for the template: the names in `lang`, the values
/// as words where bakeoff says something about them (cores, memory,
/// limits, load) and as data where they are the machine's own strings
/// (host, kernel, compiler, crates, commit, command line).
pub fn environment_rows(e: &Environment, lang: Lang) -> Vec<(String, Rich)> {
    let unknown = lang.pick("unknown", "неизвестно");
    let opt = |v: Option<u64>| v.map_or_else(|| unknown.to_string(), |v| v.to_string());
    let crates = e
        .crates
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let l = |en: &str, ru: &str| lang.pick(en, ru).to_string();
    let load = e
        .load_average
        .iter()
        .map(|v| match lang {
            Lang::En => format!("{v:.2}"),
            Lang::Ru => format!("{v:.2}").replace('.', ","),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let data = |v: &str| {
        if v.is_empty() {
            Rich::text("—")
        } else {
            Rich::code(v)
        }
    };
    vec![
        (
            l("machine", "машина"),
            Rich::code(&e.hostname).and(" — ").and_code(&e.cpu_model),
        ),
        (
            l("cores", "ядра"),
            Rich::text(lang.pick(
                format!("{} logical, {} physical", e.logical_cores, e.physical_cores),
                format!(
                    "{} логических, {} физических",
                    e.logical_cores, e.physical_cores
                ),
            )),
        ),
        (
            l("memory", "память"),
            Rich::text(bytes(e.memory.0 as f64, lang)),
        ),
        (l("kernel", "ядро ОС"), data(&e.kernel)),
        (
            l("rustc", "компилятор Rust"),
            data(&format!("{} ({})", e.rustc, e.profile)),
        ),
        (l("crates", "крейты"), data(&crates)),
        (
            l("limits", "лимиты"),
            match lang {
                Lang::En => Rich::text(format!(
                    "open files {}, processes {}, vm.max_map_count {}, threads-max {}",
                    opt(e.open_files_limit),
                    opt(e.process_limit),
                    opt(e.max_map_count),
                    opt(e.threads_max)
                )),
                Lang::Ru => Rich::text(format!(
                    "открытых файлов {}, процессов {}, ",
                    opt(e.open_files_limit),
                    opt(e.process_limit),
                ))
                .and_code("vm.max_map_count")
                .and(format!(" {}, ", opt(e.max_map_count)))
                .and_code("threads-max")
                .and(format!(" {}", opt(e.threads_max))),
            },
        ),
        (
            l("load at start", "загрузка в начале"),
            Rich::text(lang.pick(
                format!("{load} (1, 5, 15 min)"),
                format!("{load} (за 1, 5 и 15 мин)"),
            )),
        ),
        (
            l("commit", "коммит"),
            e.git_commit
                .as_deref()
                .map_or_else(|| Rich::text(unknown), Rich::code),
        ),
        (
            l("command line", "командная строка"),
            data(&e.command_line.join(" ")),
        ),
    ]
}

/// The environment row of the Python interpreter (`python`), from the
/// first of a machine's `runs` that has CPython cases
/// ([`crate::view::python`]); `None` when none has.
pub fn python_row<'a>(
    runs: impl IntoIterator<Item = &'a Results>,
    lang: Lang,
) -> Option<(String, Rich)> {
    let value = runs
        .into_iter()
        .find_map(|r| crate::view::python_rich(r, lang))?;
    Some((lang.pick("python", "Python").into(), value))
}

/// A workload section from a group and its plots.
pub fn workload_view(
    g: &Group<'_>,
    plots: &[(Plot, String, Option<String>)],
    lang: Lang,
) -> WorkloadView {
    let table = case_table(g, lang);
    // Under a speed-up figure: the cores limit, and what a bar above it
    // means when the group has one.
    let cores = crate::view::cores_note(g.cores, lang);
    let note = match &table.above_cores_note {
        Some(legend) => format!("{cores}. {legend}"),
        None => cores,
    };
    WorkloadView {
        label: g.label(lang),
        figures: figure_views(plots, Some(&note)),
        table,
        server: g.cases.iter().any(|c| c.server.is_some()),
        speedup_note: crate::view::speedup_note(g.cases.iter().copied(), lang),
        all_skipped: g
            .cases
            .iter()
            .all(|c| c.status == crate::CaseStatus::Skipped),
    }
}

/// A run's state in `lang`: `complete` / «завершён», `interrupted` /
/// «прерван», `incomplete` / «не завершён».
pub fn run_state(complete: bool, interrupted: bool, lang: Lang) -> &'static str {
    if complete {
        lang.pick("complete", "завершён")
    } else if interrupted {
        lang.pick("interrupted", "прерван")
    } else {
        lang.pick("incomplete", "не завершён")
    }
}

/// `12 of 14 cases` / «12 из 14 замеров»: the cases a run holds of those
/// it planned.
pub fn cases_of(present: usize, planned: u64, lang: Lang) -> String {
    lang.pick(
        format!("{present} of {planned} cases"),
        format!(
            "{present} из {}",
            lang.count(planned, ("", ""), ("замера", "замеров", "замеров"))
        ),
    )
}

/// The template's view of drawn plots; a speed-up figure gets
/// `speedup_note` (the cores limit) beside its caption.
fn figure_views(
    plots: &[(Plot, String, Option<String>)],
    speedup_note: Option<&str>,
) -> Vec<FigureView> {
    plots
        .iter()
        .map(|(p, svg, png)| FigureView {
            id: p.id.clone(),
            title: p.title.clone(),
            finding: p.finding.clone(),
            caption: p.caption.clone(),
            svg: svg.clone(),
            note: speedup_note
                .filter(|_| p.kind == FigureKind::Speedup)
                .map(str::to_string),
            png: png.clone(),
        })
        .collect()
}

//! The one view of results that every output shows: the HTML page
//! ([`crate::html`]), `summary.md` ([`crate::markdown`]) and the terminal
//! summary ([`crate::summary`]) read the same rows, statuses and
//! warnings, with every number already formatted ([`crate::format`]).

use serde::Serialize;

use crate::figures::{self, Group};
use crate::format::local::{bytes, duration, number, rate, ratio};
pub use crate::status::Status;
use crate::status::{failure_reason, skip_reason};
use crate::warnings::{above_cores, above_cores_legend, noisy};
use crate::{Axes, Axis, CaseRecord, CaseStatus, Family, Lang, Results, Stat, StopReason};

pub use crate::warnings::{
    cores_note, group as group_warnings, steal, steal_label, warnings, Warning, WarningGroup,
    WarningKind, SERVER_SHARE,
};

/// One piece of a line a reader sees: words in the report's language, or
/// data shown as it is (a path, a version, a reason as the run wrote it),
/// which the page puts in `<code>` and summary.md in backticks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The text.
    pub text: String,
    /// Whether it is data, shown as it is.
    pub code: bool,
}

/// A line of [`Span`]s: words and data, each shown its own way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Rich(pub Vec<Span>);

impl Rich {
    /// A line of words.
    pub fn text(text: impl Into<String>) -> Rich {
        Rich::default().and(text)
    }

    /// A line of data.
    pub fn code(text: impl Into<String>) -> Rich {
        Rich::default().and_code(text)
    }

    /// This line followed by words (nothing when `text` is empty).
    pub fn and(mut self, text: impl Into<String>) -> Rich {
        let text = text.into();
        if !text.is_empty() {
            self.0.push(Span { text, code: false });
        }
        self
    }

    /// This line followed by data (nothing when `text` is empty).
    pub fn and_code(mut self, text: impl Into<String>) -> Rich {
        let text = text.into();
        if !text.is_empty() {
            self.0.push(Span { text, code: true });
        }
        self
    }

    /// The line as plain text (a tooltip, the terminal).
    pub fn plain(&self) -> String {
        self.0.iter().map(|s| s.text.as_str()).collect()
    }

    /// The line in Markdown: data in backticks, each piece through
    /// `escape` (a table cell's escaping).
    pub fn markdown(&self, escape: impl Fn(&str) -> String) -> String {
        self.0
            .iter()
            .map(|s| {
                if s.code {
                    format!("`{}`", escape(&s.text).replace('`', "'"))
                } else {
                    escape(&s.text)
                }
            })
            .collect()
    }
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
    /// Whether any case records what calibration or the stopping rule
    /// chose: the table then has a `reps` column ([`CaseRow::reps`]).
    pub reps: bool,
    /// The legend of `!` ([`above_cores_legend`]), for under the table,
    /// when a row's speed-up is marked ([`CaseRow::above_cores`]).
    pub above_cores_note: Option<String>,
}

/// The column of one varying axis.
#[derive(Debug, Serialize)]
pub struct AxisColumn {
    /// Its heading: `workers`, `tasks`, a parameter's name.
    pub heading: String,
    /// Whether the heading and values are a parameter's name and values,
    /// shown as they are written (in `<code>` on the page).
    pub code: bool,
    /// Whether every value is a number (right-aligned).
    pub numeric: bool,
}

/// The table of group `g`'s cases, with axis headings (and the words
/// inside its cells) in `lang`.
pub fn case_table(g: &Group<'_>, lang: Lang) -> CaseTable {
    let axes = Axes::of(&g.cases);
    let rows: Vec<CaseRow> = g
        .cases
        .iter()
        .map(|c| case_row(c, &axes, g.cores, lang))
        .collect();
    CaseTable {
        axes: axes
            .varying
            .iter()
            .map(|a| AxisColumn {
                heading: a.heading(lang),
                code: matches!(a, Axis::RunnerParam(_) | Axis::WorkloadParam(_)),
                numeric: a.is_numeric(&g.cases),
            })
            .collect(),
        common: axes.common(lang),
        reps: rows.iter().any(|r| r.reps.is_some()),
        above_cores_note: rows
            .iter()
            .any(|r| r.above_cores)
            .then(|| above_cores_legend(g.cores, lang)),
        rows,
    }
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
    /// Whether its numbers can be trusted.
    pub status: Status,
    /// [`CaseRow::status`] in the report's language ([`Status::label`]).
    pub status_label: String,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    /// Why it was not run, when it was skipped, in the report's language
    /// (the run's own words in English; see [`skip_words`]).
    pub skipped: Option<String>,
    /// Median throughput.
    pub throughput: String,
    /// Its 95 % interval.
    pub throughput_ci: String,
    /// Speed-up over its reference runner (`seq`, or `py-seq` for
    /// CPython's runners: [`CaseRecord::speedup_baseline`]).
    pub speedup: String,
    /// The runner its speed-up is over, when it is not `seq`.
    pub speedup_baseline: Option<String>,
    /// Whether its speed-up is above what the machine's cores allow
    /// ([`crate::warnings::above_cores`]): marked `!` wherever it is shown.
    pub above_cores: bool,
    /// What calibration and the stopping rule chose, `4×9 precise`
    /// (batches per repetition × repetitions, and why it stopped); `None`
    /// when the case records neither (older files).
    pub reps: Option<String>,
    /// The details of [`CaseRow::reps`], for its tooltip: the target
    /// per repetition, one batch's measured wall time, the precision
    /// reached against the one asked for.
    pub reps_title: Option<String>,
    /// Start-up time, with the interpreter's share for runners that have
    /// one: `41 ms (interpreter 18 ms)`, with several starts their median
    /// and interval (`41 ms [38 ms–45 ms] (interpreter 18 ms)`); `—` when
    /// not measured.
    pub startup: String,
    /// Median of per-batch p50 latency.
    pub p50: String,
    /// Median of per-batch p99 latency.
    pub p99: String,
    /// Median CPU seconds per batch.
    pub cpu: String,
    /// Median peak RSS above idle (`peak_rss`).
    pub rss: String,
    /// Whether throughput was noisy ([`crate::warnings::noisy`]).
    pub noisy: bool,
    /// Whether a worker died during a measured batch
    /// ([`CaseRecord::disturbed`]).
    pub disturbed: bool,
    /// The embedded server's share: cores kept busy and CPU per request,
    /// e.g. `0.77 cores, 51.2 µs`; `—` without one.
    pub server: String,
}

/// Batches per repetition: calibration's choice, else what the
/// repetitions record, else 1.
fn batches(c: &CaseRecord) -> u64 {
    c.calibration
        .map(|k| k.batches)
        .or_else(|| c.repetitions.iter().find_map(|r| r.batches))
        .unwrap_or(1)
}

/// The word for why the harness stopped repeating a case.
pub fn stop_word(reason: StopReason, lang: Lang) -> &'static str {
    match reason {
        StopReason::Precise => lang.pick("precise", "точность"),
        StopReason::Budget => lang.pick("budget", "бюджет"),
        StopReason::MaxReps => lang.pick("max reps", "предел"),
        StopReason::Fixed => lang.pick("fixed", "задано"),
        StopReason::Failed => lang.pick("failed", "сбой"),
    }
}

/// `4×9 precise`: batches per repetition × repetitions, and why the
/// harness stopped; `None` when the case records neither calibration nor
/// a stopping rule, nor batches per repetition.
fn reps(c: &CaseRecord, lang: Lang) -> Option<String> {
    let known = c.calibration.is_some()
        || c.stopping.is_some()
        || c.repetitions.iter().any(|r| r.batches.is_some());
    known.then(|| {
        let counts = format!("{}×{}", batches(c), c.repetitions.len());
        match c.stopping {
            Some(s) => format!("{counts} {}", stop_word(s.reason, lang)),
            None => counts,
        }
    })
}

/// The tooltip of [`reps`]: what calibration measured and chose, and
/// when and why the harness stopped.
fn reps_title(c: &CaseRecord, lang: Lang) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(k) = c.calibration {
        let batches = Lang::En.count(k.batches, ("batch", "batches"), ("", "", ""));
        let batches_ru = Lang::Ru.count(k.batches, ("", ""), ("прогон", "прогона", "прогонов"));
        parts.push(if k.target.0 == 0 {
            lang.pick(
                "no calibration asked for: one batch per repetition".to_string(),
                "калибровка не задана: один прогон на повтор".to_string(),
            )
        } else {
            let (target, wall) = (
                duration(k.target.secs(), lang),
                duration(k.batch_wall.secs(), lang),
            );
            lang.pick(
                format!("{batches} per repetition, for at least {target} each: one batch took {wall} in the warm-up"),
                format!("{batches_ru} на повтор, чтобы повтор длился не меньше {target}: один прогон на разогреве занял {wall}"),
            )
        });
        if k.inherited {
            parts.push(
                lang.pick("taken over from the other build", "взято у другой сборки")
                    .into(),
            );
        }
    }
    let n = c.repetitions.len() as u64;
    if let Some(s) = c.stopping {
        let pct = |share: f64| number(share * 100.0, lang);
        let why = match s.reason {
            StopReason::Precise => lang.pick(
                "the median's interval became narrow enough",
                "интервал медианы стал достаточно узким",
            ),
            StopReason::Budget => lang.pick(
                "the time budget was spent first",
                "время, отведённое на замер, кончилось раньше",
            ),
            StopReason::MaxReps => lang.pick(
                "the most repetitions allowed were measured first",
                "раньше набралось наибольшее число повторов",
            ),
            StopReason::Fixed => lang.pick("a fixed count was asked for", "число повторов задано"),
            StopReason::Failed => lang.pick(
                "a repetition failed, or the run was stopped",
                "повтор не удался или запуск остановлен",
            ),
        };
        let mut stopped = lang.pick(
            format!(
                "stopped after {}: {why}",
                Lang::En.count(n, ("repetition", "repetitions"), ("", "", "")),
            ),
            format!(
                "остановлено после {}: {why}",
                Lang::Ru.count(n, ("", ""), ("повтора", "повторов", "повторов")),
            ),
        );
        // A fixed count asks for no precision and has no budget: its
        // record holds a zero target and budget and, when too few
        // repetitions give no interval, an unbounded precision (the
        // harness writes f64::MAX); above ±1000 % it says nothing.
        if s.precision.is_finite() && s.precision <= 10.0 {
            stopped += &lang.pick(
                format!("; median known to ±{} %", pct(s.precision)),
                format!("; медиана известна с точностью ±{} %", pct(s.precision)),
            );
            if s.precision_target > 0.0 {
                stopped += &lang.pick(
                    format!(" (asked ±{} %)", pct(s.precision_target)),
                    format!(" (задано ±{} %)", pct(s.precision_target)),
                );
            }
        }
        if s.budget.0 > 0 {
            let budget = duration(s.budget.secs(), lang);
            stopped += &lang.pick(format!(", budget {budget}"), format!(", бюджет {budget}"));
        }
        parts.push(stopped);
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A case's start-up, with the interpreter's share when it has one:
/// `41 ms (interpreter 18 ms)`, or `—`. With several starts, the median
/// of each and the whole start's interval: `41 ms [38 ms–45 ms]
/// (interpreter 18 ms)`.
pub fn startup(c: &CaseRecord, lang: Lang) -> String {
    let Some(whole) = Stat::of(&c.whole_startup_samples()) else {
        return "—".into();
    };
    let mut text = duration(whole.median, lang);
    if whole.n > 1 {
        let (lo, hi) = whole.interval();
        text += &format!(" [{}–{}]", duration(lo, lang), duration(hi, lang));
    }
    let interpreter: Vec<f64> = match &c.interpreter_startups {
        Some(all) => all.iter().map(|i| i.secs()).collect(),
        None => c
            .interpreter_startup
            .map(|i| i.secs())
            .into_iter()
            .collect(),
    };
    if let Some(i) = Stat::of(&interpreter) {
        text += &format!(
            " ({} {})",
            lang.pick("interpreter", "интерпретатор"),
            duration(i.median, lang)
        );
    }
    text
}

/// A table row for a case of a run on `cores` logical cores, with a cell
/// for each of `axes`' varying axes and its words in `lang`.
pub fn case_row(c: &CaseRecord, axes: &Axes, cores: u32, lang: Lang) -> CaseRow {
    let dash = || "—".to_string();
    let median = |f: fn(&crate::Summary) -> &Stat, fmt: fn(f64, Lang) -> String| {
        c.summary
            .as_ref()
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |s| fmt(f(s).median, lang))
    };
    CaseRow {
        id: c.id.clone(),
        runner: axes.runner(c),
        axes: axes.values(c),
        status: Status::of(c),
        status_label: Status::of(c).label(lang).to_string(),
        failure: failure_reason(c),
        skipped: skip_reason(c).map(|r| match lang {
            Lang::En => r,
            Lang::Ru => skip_words(&r, lang).to_string(),
        }),
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
                    number(s.throughput.interval().0.max(0.0), lang),
                    number(s.throughput.interval().1, lang)
                )
            }),
        speedup: c
            .speedup_vs_seq
            .filter(|_| figures::is_drawable(c))
            .map_or_else(dash, |v| ratio(v, lang)),
        speedup_baseline: c.speedup_baseline.clone(),
        above_cores: above_cores(c, cores),
        reps: reps(c, lang),
        reps_title: reps_title(c, lang),
        startup: startup(c, lang),
        p50: median(|s| &s.latency_p50_s, duration),
        p99: median(|s| &s.latency_p99_s, duration),
        cpu: median(|s| &s.cpu_s, duration),
        rss: median(|s| &s.peak_rss_bytes, bytes),
        noisy: noisy(c).is_some(),
        disturbed: c.disturbed(),
        server: match (&c.server, c.server_cores()) {
            (Some(server), Some(busy)) => format!(
                "{} {}, {}",
                number(busy, lang),
                cores_word(busy, lang),
                server
                    .cpu_per_request()
                    .map_or_else(dash, |v| duration(v, lang))
            ),
            _ => dash(),
        },
    }
}

/// `cores` / «ядра», «ядер»: the word after a number of cores `n`
/// (a fraction takes «ядра»).
pub(crate) fn cores_word(n: f64, lang: Lang) -> &'static str {
    if n.fract() != 0.0 {
        return lang.pick("cores", "ядра");
    }
    let forms = lang.count(n as u64, ("core", "cores"), ("ядро", "ядра", "ядер"));
    match forms.rsplit(' ').next() {
        Some("core") => "core",
        Some("ядро") => "ядро",
        Some("ядра") => "ядра",
        Some("ядер") => "ядер",
        _ => "cores",
    }
}

/// A skip reason the run wrote (always in English) told in `lang`'s
/// words: the two reasons bakeoff's own runners give — no interpreter, a
/// workload without a Python form — by name, any other as a pointer to the
/// message the run recorded. English returns it as it is.
pub fn skip_words(reason: &str, lang: Lang) -> &str {
    match lang {
        Lang::En => reason,
        Lang::Ru if reason.starts_with("no Python interpreter") => "не найден интерпретатор Python",
        Lang::Ru if reason.contains("has no Python form") => "у этой нагрузки нет версии на Python",
        Lang::Ru => "причина — в сообщении",
    }
}

/// The cases of a run that were not run for one reason (`no Python
/// interpreter found …`): every output shows them as one line, however
/// many cases share the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedGroup {
    /// The one-line reason the cases' records give.
    pub reason: String,
    /// The skipped cases' ids, in run order.
    pub cases: Vec<String>,
}

impl SkippedGroup {
    /// `12 cases skipped: no Python interpreter found …` in `lang` (the
    /// reason stays as the run wrote it).
    pub fn line(&self, lang: Lang) -> String {
        let n = self.cases.len() as u64;
        lang.pick(
            format!(
                "{} skipped: {}",
                Lang::En.count(n, ("case", "cases"), ("", "", "")),
                self.reason
            ),
            format!(
                "не запущено замеров: {n} — {}: {}",
                skip_words(&self.reason, lang),
                self.reason
            ),
        )
    }
}

impl SkippedGroup {
    /// [`SkippedGroup::line`] with the run's own reason as data: in
    /// Russian `не запущено 3 замера: не найден интерпретатор Python —`
    /// and the reason in `<code>`; in English the line as it is.
    pub fn rich(&self, lang: Lang) -> Rich {
        match lang {
            Lang::En => Rich::text(self.line(lang)),
            Lang::Ru => {
                let n = self.cases.len() as u64;
                Rich::text(format!(
                    "{} {}: {} — ",
                    if n % 10 == 1 && n % 100 != 11 {
                        "не запущен"
                    } else {
                        "не запущено"
                    },
                    lang.count(n, ("", ""), ("замер", "замера", "замеров")),
                    skip_words(&self.reason, lang)
                ))
                .and_code(&self.reason)
            }
        }
    }
}

/// The skipped cases of `runs`, one group per distinct reason, in the
/// order the reasons first appear.
pub fn skipped<'a>(runs: impl IntoIterator<Item = &'a Results>) -> Vec<SkippedGroup> {
    let mut out: Vec<SkippedGroup> = Vec::new();
    for c in runs.into_iter().flat_map(|r| &r.cases) {
        let Some(reason) = skip_reason(c) else {
            continue;
        };
        match out.iter_mut().find(|g| g.reason == reason) {
            Some(g) => g.cases.push(c.id.clone()),
            None => out.push(SkippedGroup {
                reason,
                cases: vec![c.id.clone()],
            }),
        }
    }
    out
}

/// The Python interpreter of a run, for the environment block of every
/// output, when the run has CPython cases: `CPython 3.11.2
/// (/usr/bin/python3), GIL enabled`, or, when none was found, that none
/// was and how many cases were skipped for it. `None` for a run without
/// CPython cases.
pub fn python(results: &Results, lang: Lang) -> Option<String> {
    let cpython: Vec<&CaseRecord> = results
        .cases
        .iter()
        .filter(|c| c.family == Family::Cpython)
        .collect();
    if cpython.is_empty() {
        return None;
    }
    Some(match &results.environment.python {
        Some(p) => {
            let name = match p.implementation.as_str() {
                "cpython" => "CPython",
                "pypy" => "PyPy",
                other => other,
            };
            let gil = match (p.gil_enabled, lang) {
                (true, Lang::En) => "GIL enabled",
                (false, Lang::En) => "GIL disabled (free-threaded)",
                (true, Lang::Ru) => "GIL включён",
                (false, Lang::Ru) => "GIL выключен (сборка без GIL)",
            };
            format!("{name} {} ({}), {gil}", p.version, p.path)
        }
        None => {
            let skipped = cpython
                .iter()
                .filter(|c| c.status == CaseStatus::Skipped)
                .count();
            lang.pick(
                format!(
                    "no interpreter found: {skipped} of {} CPython cases skipped",
                    cpython.len()
                ),
                format!(
                    "интерпретатор не найден: не запущено {skipped} из {} замеров CPython",
                    cpython.len()
                ),
            )
        }
    })
}

/// [`python`] with the data as data: the version and the path in
/// `<code>`, the words in `lang`.
pub fn python_rich(results: &Results, lang: Lang) -> Option<Rich> {
    let line = python(results, lang)?;
    Some(match &results.environment.python {
        Some(p) => {
            let name = match p.implementation.as_str() {
                "cpython" => Rich::text("CPython "),
                "pypy" => Rich::text("PyPy "),
                other => Rich::code(other).and(" "),
            };
            let gil = match (p.gil_enabled, lang) {
                (true, Lang::En) => "GIL enabled",
                (false, Lang::En) => "GIL disabled (free-threaded)",
                (true, Lang::Ru) => "GIL включён",
                (false, Lang::Ru) => "GIL выключен (сборка без GIL)",
            };
            name.and_code(&p.version)
                .and(" (")
                .and_code(&p.path)
                .and(format!("), {gil}"))
        }
        None => Rich::text(line),
    })
}

/// The note under a table or figure whose speed-ups are over more than
/// one reference runner: `CPython runners: speed-up over py-seq`, one
/// clause per reference other than `seq`; `None` when every speed-up
/// shown among `cases` is over `seq`.
pub fn speedup_note<'a>(
    cases: impl IntoIterator<Item = &'a CaseRecord>,
    lang: Lang,
) -> Option<String> {
    let mut bases: Vec<(Family, &str)> = Vec::new();
    // Only the cases whose speed-up is shown: a skipped py-* case has none.
    for c in cases
        .into_iter()
        .filter(|c| c.speedup_vs_seq.is_some() && figures::is_drawable(c))
    {
        if let Some(b) = c.speedup_baseline.as_deref() {
            if !bases.contains(&(c.family, b)) {
                bases.push((c.family, b));
            }
        }
    }
    let clauses: Vec<String> = bases
        .iter()
        .map(|(family, base)| {
            let who = match family {
                Family::Cpython => lang.pick("CPython runners", "модели CPython"),
                Family::Baseline => lang.pick("the baseline", "базовая модель"),
                Family::Threads => lang.pick("thread runners", "модели на потоках"),
                Family::Processes => lang.pick("process runners", "модели на процессах"),
                Family::Async => lang.pick("async runners", "асинхронные модели"),
            };
            lang.pick(
                format!("{who}: speed-up over {base}"),
                format!("{who}: ускорение относительно {base}"),
            )
        })
        .collect();
    (!clauses.is_empty()).then(|| clauses.join("; "))
}

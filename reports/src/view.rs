//! The one view of results that every output shows: the HTML page
//! ([`crate::html`]), `summary.md` ([`crate::markdown`]) and the terminal
//! summary ([`crate::summary`]) read the same rows, statuses and
//! warnings, with every number already formatted ([`crate::format`]).

use std::fmt;

use serde::Serialize;

use crate::figures::{self, Group};
use crate::format::{bytes, duration, number, rate, ratio};
use crate::{Axes, CaseRecord, CaseStatus, Family, Lang, Results, Stat};

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

/// The table of group `g`'s cases, with axis headings (and the words
/// inside its cells) in `lang`.
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
        rows: g.cases.iter().map(|c| case_row(c, &axes, lang)).collect(),
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
    /// Why it failed, when it did.
    pub failure: Option<String>,
    /// Why it was not run, when it was skipped.
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
    /// Start-up time, with the interpreter's share for runners that have
    /// one: `41 ms (interpreter 18 ms)`; `—` when not measured.
    pub startup: String,
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
    /// What is wrong with it.
    pub kind: WarningKind,
    /// The reason.
    pub reason: String,
}

/// Whether a case's numbers can be trusted, as every table shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Ran and matched the seq reference.
    Ok,
    /// Crashed, timed out or computed a different answer.
    Failed,
    /// Ran, but its digests were not checked against a seq reference.
    Unverified,
    /// Not run: this machine cannot run it (no Python interpreter).
    /// Neither a success nor a failure, and never drawn.
    Skipped,
}

impl Status {
    /// The status of case `c`.
    pub fn of(c: &CaseRecord) -> Status {
        match (c.status, c.verification.verified) {
            (CaseStatus::Failed, _) => Status::Failed,
            (CaseStatus::Skipped, _) => Status::Skipped,
            (CaseStatus::Ok, false) => Status::Unverified,
            (CaseStatus::Ok, true) => Status::Ok,
        }
    }

    /// `ok`, `failed`, `unverified` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Unverified => "unverified",
            Status::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the reader should not trust a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WarningKind {
    /// The case failed.
    Failed,
    /// Its digests were not checked.
    Unverified,
    /// A worker died during a measured batch.
    Disturbed,
    /// Its throughput varied by more than 10 % across repetitions.
    Noisy,
    /// Its embedded server kept a large share of the cores busy.
    Server,
}

/// The reason a case with `status` records (`no reason recorded` when
/// its record says none); `None` for a case of another status.
fn reason_if(c: &CaseRecord, status: CaseStatus) -> Option<String> {
    (c.status == status).then(|| {
        c.failure
            .as_ref()
            .map_or_else(|| "no reason recorded".into(), |f| f.reason.clone())
    })
}

/// Why a failed case failed; `None` for a case that did not fail.
fn failure_reason(c: &CaseRecord) -> Option<String> {
    reason_if(c, CaseStatus::Failed)
}

/// Why a skipped case was not run; `None` for a case that was not
/// skipped.
fn skip_reason(c: &CaseRecord) -> Option<String> {
    reason_if(c, CaseStatus::Skipped)
}

/// A case's start-up, with the interpreter's share when it has one:
/// `41 ms (interpreter 18 ms)`, or `—`.
pub fn startup(c: &CaseRecord, lang: Lang) -> String {
    match (c.startup, c.interpreter_startup) {
        (None, _) => "—".into(),
        (Some(s), None) => duration(s.secs()),
        (Some(s), Some(i)) => format!(
            "{} ({} {})",
            duration(s.secs()),
            lang.pick("interpreter", "интерпретатор"),
            duration(i.secs())
        ),
    }
}

/// A table row for a case, with a cell for each of `axes`' varying axes
/// and its words in `lang`.
pub fn case_row(c: &CaseRecord, axes: &Axes, lang: Lang) -> CaseRow {
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
        status: Status::of(c),
        failure: failure_reason(c),
        skipped: skip_reason(c),
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
        speedup_baseline: c.speedup_baseline.clone(),
        startup: startup(c, lang),
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
/// Skipped cases are not among them: nothing they measured is wrong, and
/// [`skipped`] groups them by reason.
pub fn warnings(results: &Results) -> Vec<Warning> {
    let mut out = Vec::new();
    let machine = f64::from(results.environment.logical_cores.max(1));
    for c in &results.cases {
        match Status::of(c) {
            Status::Failed => out.push(Warning {
                case: c.id.clone(),
                kind: WarningKind::Failed,
                reason: failure_reason(c).unwrap_or_default(),
            }),
            Status::Unverified => out.push(Warning {
                case: c.id.clone(),
                kind: WarningKind::Unverified,
                reason: "its digests were not checked against a seq reference".into(),
            }),
            // Not a reason to distrust anything: [`skipped`] lists them.
            Status::Skipped | Status::Ok => {}
        }
        if let (Some(server), Some(busy)) = (&c.server, c.server_cores()) {
            if busy >= SERVER_SHARE * machine {
                out.push(Warning {
                    case: c.id.clone(),
                    kind: WarningKind::Server,
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
                kind: WarningKind::Noisy,
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
        kind: WarningKind::Disturbed,
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
            format!("пропущено случаев: {n} — {}", self.reason),
        )
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
                (false, Lang::Ru) => "GIL выключен (free-threaded)",
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
                    "интерпретатор не найден: пропущено {skipped} из {} случаев CPython",
                    cpython.len()
                ),
            )
        }
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

//! Results of bakeoff runs: the schema, statistics and exports.
//!
//! The key design decision: **this crate only reads results** — it knows
//! no runner and no workload, so a results file from any machine or any
//! version of the schema it understands can be summarised, exported and
//! plotted without running anything: [`render()`] turns results into an
//! HTML report with figures ([`figures`], [`html`]) and a Markdown summary.

pub mod axes {
    //! The axes along which the cases of one table differ — workers,
    //! concurrency, tasks, each workload and runner parameter — and the
    //! one decision of which of them a table shows as columns.
    //!
    //! The terminal summary, `summary.md`, the HTML report and the CSV's
    //! `runner_label` all ask [`Axes::of`], so an axis that varies within
    //! a group is shown, and named, the same way everywhere.

    use std::collections::BTreeSet;

    use crate::{CaseRecord, Lang};

    /// One dimension of a sweep.
    ///
    /// The order of the variants is the order of a table's columns: the
    /// runner's parameters beside the runner, then the counts, then the
    /// workload's parameters.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Axis {
        /// A runner parameter (`cpu`, `chunksize`, …), by name.
        RunnerParam(String),
        /// Worker threads or processes.
        Workers,
        /// Tasks in flight at most.
        Concurrency,
        /// Tasks per batch.
        Tasks,
        /// A workload parameter (`duration`, `numbers`, …), by name.
        WorkloadParam(String),
    }

    impl Axis {
        /// Its name in labels (`workers=2`) and CSV-minded text.
        pub fn name(&self) -> &str {
            match self {
                Axis::RunnerParam(k) | Axis::WorkloadParam(k) => k,
                Axis::Workers => "workers",
                Axis::Concurrency => "concurrency",
                Axis::Tasks => "tasks",
            }
        }

        /// Its column heading in `lang` (parameters keep their names).
        pub fn heading(&self, lang: Lang) -> String {
            match self {
                Axis::Workers => lang.pick("workers", "исполнители").into(),
                Axis::Concurrency => lang.pick("concurrency", "задач одновременно").into(),
                Axis::Tasks => lang.pick("tasks", "задач").into(),
                Axis::RunnerParam(k) | Axis::WorkloadParam(k) => k.clone(),
            }
        }

        /// The case's value on this axis; `None` when it is not set (no
        /// worker count, the whole batch in flight) or does not apply (a
        /// parameter the case's runner or workload does not have).
        pub fn value(&self, c: &CaseRecord) -> Option<String> {
            match self {
                Axis::RunnerParam(k) => c.runner_params.get(k).cloned(),
                Axis::WorkloadParam(k) => c.workload_params.get(k).cloned(),
                Axis::Workers => c.workers.map(|w| w.to_string()),
                Axis::Concurrency => c.concurrency.map(|w| w.to_string()),
                Axis::Tasks => Some(c.tasks.to_string()),
            }
        }

        /// Whether every value of this axis among `cases` is a number (or
        /// unset): its column is then right-aligned.
        pub fn is_numeric(&self, cases: &[&CaseRecord]) -> bool {
            cases
                .iter()
                .all(|c| self.value(c).is_none_or(|v| v.parse::<f64>().is_ok()))
        }

        /// Whether a case without a value is a value of its own on this
        /// axis. For the counts it is (`seq` has no workers, a pool has
        /// two: that is a difference); for a parameter it is not, since
        /// every case of a runner or a workload has all of its parameters
        /// and one without the key belongs to another runner or workload.
        fn unset_is_a_value(&self) -> bool {
            matches!(self, Axis::Workers | Axis::Concurrency | Axis::Tasks)
        }
    }

    /// The axes of a set of cases: those that take more than one value
    /// among them, and those that take exactly one.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Axes {
        /// Axes with more than one value, in column order: each gets a
        /// column (and a place in [`Axes::label`]).
        pub varying: Vec<Axis>,
        /// Axes with a single value that some case sets, with that value:
        /// the same for every case that has the axis.
        pub constant: Vec<(Axis, String)>,
    }

    impl Axes {
        /// Decides which axes vary among `cases`: an axis varies when
        /// the cases take more than one value on it. For workers,
        /// concurrency and tasks "not set" counts as a value (`seq`
        /// beside a pool of two is a difference); for a parameter it does
        /// not, since only cases of another runner or workload lack it.
        pub fn of(cases: &[&CaseRecord]) -> Axes {
            let mut all: BTreeSet<Axis> = [Axis::Workers, Axis::Concurrency, Axis::Tasks].into();
            for c in cases {
                all.extend(c.runner_params.keys().cloned().map(Axis::RunnerParam));
                all.extend(c.workload_params.keys().cloned().map(Axis::WorkloadParam));
            }
            let mut axes = Axes::default();
            for axis in all {
                let values: BTreeSet<Option<String>> = cases
                    .iter()
                    .map(|c| axis.value(c))
                    .filter(|v| v.is_some() || axis.unset_is_a_value())
                    .collect();
                match values.len() {
                    0 => {}
                    1 => {
                        if let Some(Some(v)) = values.into_iter().next() {
                            axes.constant.push((axis, v));
                        }
                    }
                    _ => axes.varying.push(axis),
                }
            }
            axes
        }

        /// Whether `axis` has a column.
        pub fn varies(&self, axis: &Axis) -> bool {
            self.varying.contains(axis)
        }

        /// The case's value in each varying axis' column, `—` where it is
        /// not set.
        pub fn values(&self, c: &CaseRecord) -> Vec<String> {
            self.varying
                .iter()
                .map(|a| a.value(c).unwrap_or_else(|| "—".into()))
                .collect()
        }

        /// The column headings of the varying axes in `lang`.
        pub fn headings(&self, lang: Lang) -> Vec<String> {
            self.varying.iter().map(|a| a.heading(lang)).collect()
        }

        /// The runner as a table's runner column shows it: its legend
        /// label ([`legend`]) without the parameters that have a column
        /// of their own (`tokio-mt`, with `offload` under `cpu`).
        pub fn runner(&self, c: &CaseRecord) -> String {
            let legend = legend(c);
            let mut words = legend.split(' ');
            let mut out = words.next().unwrap_or_default().to_string();
            for w in words {
                let key = w.split_once('=').map_or(w, |(k, _)| k);
                if !self.varies(&Axis::RunnerParam(key.to_string())) {
                    out.push(' ');
                    out.push_str(w);
                }
            }
            out
        }

        /// The runner's legend label followed by the case's value on
        /// every varying axis the label does not show yet, e.g.
        /// `tokio-mt cpu=inline tasks=1000`. Among the cases these axes
        /// were decided for, different cases get different labels.
        pub fn label(&self, c: &CaseRecord) -> String {
            let mut out = legend(c);
            for axis in &self.varying {
                if let Some(v) = axis.value(c) {
                    let pair = format!("{}={v}", axis.name());
                    if !out.split(' ').any(|w| w == pair) {
                        out.push(' ');
                        out.push_str(&pair);
                    }
                }
            }
            out
        }

        /// The constant axes a group's heading does not already state
        /// (it names the workload parameters and, when constant, the
        /// tasks; the runner column keeps constant runner parameters):
        /// `workers 2, concurrency 100`, in Russian `2 исполнителя, не
        /// больше 100 задач одновременно`; or empty.
        pub fn common(&self, lang: Lang) -> String {
            self.constant
                .iter()
                .filter(|(a, _)| matches!(a, Axis::Workers | Axis::Concurrency))
                .map(|(a, v)| match (lang, a, v.parse::<u64>()) {
                    (Lang::Ru, Axis::Workers, Ok(n)) => {
                        lang.count(n, ("", ""), ("исполнитель", "исполнителя", "исполнителей"))
                    }
                    (Lang::Ru, Axis::Concurrency, Ok(n)) => format!(
                        "не больше {} одновременно",
                        lang.count(n, ("", ""), ("задачи", "задач", "задач"))
                    ),
                    _ => format!("{} {v}", a.heading(lang)),
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// The runner as a legend shows it: the case's `runner_label` (its
    /// id, `cpu` and the parameters that differ from their defaults) or,
    /// in files that have none, its id and every parameter.
    pub fn legend(c: &CaseRecord) -> String {
        match &c.runner_label {
            Some(label) => label.clone(),
            None => {
                let mut name = c.runner.clone();
                for (k, v) in &c.runner_params {
                    name.push_str(&format!(" {k}={v}"));
                }
                name
            }
        }
    }
}
pub mod compare;
pub mod course;
pub mod criterion;
pub mod csv;
pub mod figures;
pub mod format;
pub mod html;
pub mod lang;
pub mod markdown;
pub mod render;
pub mod schema;
pub mod stats;
mod status;
pub mod summary;
pub mod twosample;
mod validate;
pub mod view;
pub mod warnings;

pub use axes::{Axes, Axis};
pub use figures::Style;
pub use lang::Lang;
pub use render::{render, render_report, render_sources, RenderOptions, RenderedReport, Source};
pub use schema::{
    join_params, Bytes, Calibration, CaseRecord, CaseStatus, Environment, Failure, Family,
    Interference, Nanos, Percentiles, PythonEnv, Repetition, Results, ServerUsage, StopReason,
    Stopping, Summary, Verification, WorkloadKind, SCHEMA,
};
pub use stats::Stat;

/// Reading or writing a results file failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error (in the message, so not also a `source()`: a
        /// chain printed with `{:#}` would say it twice).
        error: std::io::Error,
    },
    /// The file is not JSON of the expected shape.
    #[error("{path}: not a bakeoff results file: {error}")]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's complaint (in the message, not a `source()`).
        error: serde_json::Error,
    },
    /// The file holds a value no measurement can give.
    #[error("{path}: case `{case}`: {field} is {reason}; the file was not written by a bakeoff run as it is (re-run the case, or fix the value)")]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// The case's id.
        case: String,
        /// The field, as a path from the case (or the file) down.
        field: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// The file uses another schema version.
    #[error(
        "{path}: schema `{found}` is not supported; this bakeoff reads `{}`",
        SCHEMA
    )]
    Version {
        /// The file.
        path: std::path::PathBuf,
        /// The schema it declares.
        found: String,
    },
    /// A figure could not be drawn.
    #[error("figure {figure}: {message}")]
    Figure {
        /// The figure's id.
        figure: String,
        /// What plotters said.
        message: String,
    },
    /// The HTML template failed to render.
    #[error("HTML report: {0}")]
    Template(#[from] minijinja::Error),
    /// A criterion output directory could not be read.
    #[error("{path}: {message}")]
    Criterion {
        /// The directory or file.
        path: std::path::PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// CSV export failed.
    #[error("CSV export: {0}")]
    Csv(#[from] ::csv::Error),
}

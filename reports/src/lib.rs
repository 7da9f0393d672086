//! Results of bakeoff runs: the schema, statistics and exports.
//!
//! The key design decision: **this crate only reads results** — it knows
//! no runner and no workload, so a results file from any machine or any
//! version of the schema it understands can be summarised, exported and
//! plotted without running anything: [`render()`] turns results into an
//! HTML report with figures ([`figures`], [`html`]) and a Markdown summary.

pub mod compare;
pub mod criterion;
pub mod csv;
pub mod figures;
pub mod html;
pub mod lang;
pub mod markdown;
pub mod render;
pub mod schema;
pub mod stats;

pub use figures::Style;
pub use lang::Lang;
pub use render::{render, render_report, render_sources, RenderOptions, RenderedReport, Source};
pub use schema::{
    join_params, Bytes, CaseRecord, CaseStatus, Environment, Failure, Nanos, Percentiles,
    Repetition, Results, ServerUsage, Summary, Verification, SCHEMA,
};
pub use stats::Stat;

/// Reading or writing a results file failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not JSON of the expected shape.
    #[error("{path}: not a bakeoff results file: {source}")]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's complaint.
        source: serde_json::Error,
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

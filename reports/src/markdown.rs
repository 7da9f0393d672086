//! `summary.md`: one Markdown table per machine and workload group, for
//! pasting into an issue or a pull request.

use std::fmt::Write;

use crate::figures::Group;
use crate::html::Words;
use crate::summary::FOLDED;
use crate::view::{case_table, speedup_note, Rich, WarningGroup};
use crate::Lang;

/// One machine's part of the summary.
#[derive(Debug)]
pub struct MachineSummary<'a> {
    /// `vm — AMD EPYC, 2 cores` ([`crate::html::machine_title`]).
    pub title: Rich,
    /// Lines under the title: the Python interpreter, when the runs have
    /// CPython cases ([`crate::view::python_rich`]), one line per reason
    /// cases were skipped ([`crate::view::SkippedGroup::rich`]), and the
    /// steal.
    pub notes: Vec<Rich>,
    /// Its runs' warnings, one group per kind ([`crate::view::group_warnings`]).
    pub warnings: Vec<WarningGroup>,
    /// Its workload groups, in report order.
    pub groups: Vec<Group<'a>>,
}

/// Escapes a table cell: `|` would end the cell, a newline the row, and
/// `<`, `&` could start HTML in renderers that allow it.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The Markdown summary of `machines`. Each group's table has a column
/// for every axis that varies among its cases ([`crate::Axes::of`]); the
/// axes they share are stated above it.
pub fn summary(machines: &[MachineSummary<'_>], lang: Lang) -> String {
    let words = Words::new(lang);
    let mut out = format!("# {}\n", words.summary_title);
    for m in machines {
        let _ = write!(out, "\n## {}\n", m.title.markdown(cell));
        if !m.notes.is_empty() {
            out.push('\n');
            for note in &m.notes {
                let _ = writeln!(out, "- {}", note.markdown(cell));
            }
        }
        if !m.warnings.is_empty() {
            let total: usize = m.warnings.iter().map(WarningGroup::count).sum();
            let _ = write!(out, "\n**{} ({total})**\n\n", words.warnings);
            for g in &m.warnings {
                let _ = writeln!(
                    out,
                    "- **{}** ({}): {}. {}.",
                    cell(&g.name),
                    g.count(),
                    cell(&g.meaning),
                    g.first_cases(FOLDED, lang, |id| format!("`{}`", cell(id)))
                );
            }
        }
        for g in &m.groups {
            let table = case_table(g, lang);
            let _ = write!(out, "\n### {}\n\n", cell(&g.label(lang)));
            if !table.common.is_empty() {
                let _ = write!(out, "{} {}.\n\n", words.every_case, cell(&table.common));
            }
            let code = |text: &str, code: bool| {
                if code {
                    format!("`{}`", cell(text))
                } else {
                    cell(text)
                }
            };
            let axes: String = table
                .axes
                .iter()
                .map(|a| format!(" {} |", code(&a.heading, a.code)))
                .collect();
            let align: String = table
                .axes
                .iter()
                .map(|a| if a.numeric { " ---: |" } else { " --- |" })
                .collect();
            let (reps_head, reps_align) = if table.reps {
                (format!(" {} |", words.reps_column), " ---: |")
            } else {
                (String::new(), "")
            };
            let [runner, status, throughput, ci, speedup, p99, startup] = words.markdown_columns;
            let _ = writeln!(
                out,
                "| {runner} |{axes} {status} | {throughput} | {ci} |{reps_head} {speedup} | {p99} | {startup} |\n| --- |{align} --- | ---: | ---: |{reps_align} ---: | ---: | ---: |"
            );
            for r in &table.rows {
                let marks = match (r.disturbed, r.noisy) {
                    (true, true) => "†~",
                    (true, false) => "†",
                    (false, true) => "~",
                    (false, false) => "",
                };
                let values: String = r
                    .axes
                    .iter()
                    .zip(&table.axes)
                    .map(|(v, a)| format!(" {} |", code(v, a.code && v != "—")))
                    .collect();
                let reps = if table.reps {
                    format!(" {} |", r.reps.as_deref().unwrap_or("—"))
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "| {} |{values} {} | {marks}{} | {} |{reps} {}{} | {} | {} |",
                    cell(&r.runner),
                    r.status_label,
                    r.throughput,
                    r.throughput_ci,
                    r.speedup,
                    if r.above_cores { " !" } else { "" },
                    r.p99,
                    cell(&r.startup)
                );
            }
            if let Some(note) = speedup_note(g.cases.iter().copied(), lang) {
                let _ = write!(out, "\n{}.\n", cell(&note));
            }
            if let Some(legend) = &table.above_cores_note {
                let _ = write!(out, "\n{}.\n", cell(legend));
            }
        }
    }
    let _ = write!(out, "\n{}\n", words.markdown_legend);
    out
}

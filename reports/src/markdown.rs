//! `summary.md`: one Markdown table per machine and workload group, for
//! pasting into an issue or a pull request.

use std::fmt::Write;

use crate::figures::Group;
use crate::html::Words;
use crate::view::case_table;
use crate::Lang;

/// Escapes a table cell: `|` would end the cell, a newline the row, and
/// `<`, `&` could start HTML in renderers that allow it.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The Markdown summary of `machines`: (machine title, its groups).
/// Each group's table has a column for every axis that varies among its
/// cases ([`crate::Axes::of`]); the axes they share are stated above it.
pub fn summary(machines: &[(String, Vec<Group<'_>>)], lang: Lang) -> String {
    let words = Words::new(lang);
    let mut out = String::from("# bakeoff summary\n");
    for (title, groups) in machines {
        let _ = write!(out, "\n## {}\n", cell(title));
        for g in groups {
            let table = case_table(g, lang);
            let _ = write!(out, "\n### {}\n\n", cell(&g.label(lang)));
            if !table.common.is_empty() {
                let _ = write!(out, "{} {}.\n\n", words.every_case, cell(&table.common));
            }
            let axes: String = table
                .axes
                .iter()
                .map(|a| format!(" {} |", cell(&a.heading)))
                .collect();
            let align: String = table
                .axes
                .iter()
                .map(|a| if a.numeric { " ---: |" } else { " --- |" })
                .collect();
            let _ = writeln!(
                out,
                "| runner |{axes} status | throughput (median) | CI95 | speed-up | p99 latency |\n| --- |{align} --- | ---: | ---: | ---: | ---: |"
            );
            for r in &table.rows {
                let marks = match (r.disturbed, r.noisy) {
                    (true, true) => "†~",
                    (true, false) => "†",
                    (false, true) => "~",
                    (false, false) => "",
                };
                let values: String = r.axes.iter().map(|v| format!(" {} |", cell(v))).collect();
                let _ = writeln!(
                    out,
                    "| {} |{values} {} | {marks}{} | {} | {} | {} |",
                    cell(&r.runner),
                    r.status,
                    r.throughput,
                    r.throughput_ci,
                    r.speedup,
                    r.p99
                );
            }
        }
    }
    out.push_str("\n`~` marks noisy throughput (coefficient of variation above 10 %); `†` a case whose worker process died during a measured batch (its tasks were retried: timing is not a clean measurement); `—` means not set or not measured.\n");
    out
}

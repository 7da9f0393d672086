//! `summary.md`: one Markdown table per machine and workload group, for
//! pasting into an issue or a pull request.

use std::fmt::Write;

use crate::figures::Group;
use crate::html::case_row;
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
pub fn summary(machines: &[(String, Vec<Group<'_>>)], lang: Lang) -> String {
    let mut out = String::from("# bakeoff summary\n");
    for (title, groups) in machines {
        let _ = write!(out, "\n## {}\n", cell(title));
        for g in groups {
            let _ = write!(
                out,
                "\n### {}\n\n| runner | workers | concurrency | status | throughput (median) | CI95 | speed-up | p99 latency |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n",
                cell(&g.label(lang))
            );
            for c in &g.cases {
                let r = case_row(c);
                let noisy = if r.noisy { "~" } else { "" };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {noisy}{} | {} | {} | {} |",
                    cell(&r.runner),
                    r.workers,
                    r.concurrency,
                    r.status,
                    r.throughput,
                    r.throughput_ci,
                    r.speedup,
                    r.p99
                );
            }
        }
    }
    out.push_str("\n`~` marks noisy throughput (coefficient of variation above 10 %); `—` means not set or not measured.\n");
    out
}

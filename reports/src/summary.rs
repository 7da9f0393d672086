//! The terminal summary: one table per workload group (the report's
//! groups), with a column for every axis that varies within it — the
//! same rows, statuses and warnings ([`crate::view`]) as summary.md and
//! the HTML report.

use crate::format::bytes;
use crate::view::{
    case_table, cores_note, group_warnings, python, skipped, speedup_note, steal, warnings, Status,
    WarningKind,
};
use crate::{figures, Lang, Results};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};

/// Renders the summary tables of `results` as text.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let env = &results.environment;
    out += &format!(
        "machine: {} · {} logical / {} physical cores · {} · {} · load {:.2}\n",
        env.cpu_model,
        env.logical_cores,
        env.physical_cores,
        bytes(env.memory.0 as f64),
        env.kernel,
        env.load_average[0]
    );
    if let Some(python) = python(results, Lang::En) {
        out += &format!("python: {python}\n");
    }
    if let Some(steal) = steal([results], Lang::En) {
        out += &format!("steal: {steal}\n");
    }
    if env.logical_cores <= 2 {
        out += &format!("note: {}.\n", cores_note(env.logical_cores, Lang::En));
    }
    for g in figures::groups(results, "m0") {
        let view = case_table(&g, Lang::En);
        let mut header = vec!["runner".to_string()];
        header.extend(view.axes.iter().map(|a| a.heading.clone()));
        let metrics = [
            "throughput",
            "p50",
            "p99",
            "CPU u+s",
            "peak RSS above idle",
            "vs seq",
            "ok",
        ];
        header.extend(metrics.map(String::from));
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(header);
        for r in view.rows {
            let mut row = vec![r.runner];
            row.extend(r.axes);
            match (r.failure, r.skipped) {
                (Some(reason), _) => {
                    row.push(reason.chars().take(60).collect());
                    row.extend(std::iter::repeat_n(String::new(), 5));
                    row.push("✗".into());
                }
                (None, Some(_)) => {
                    // The reason is said once below the tables, for every
                    // case it kept from running.
                    row.push("skipped".into());
                    row.extend(std::iter::repeat_n(String::new(), 5));
                    row.push("–".into());
                }
                (None, None) => row.extend([
                    format!(
                        "{}{}{}",
                        r.throughput,
                        if r.noisy { " ~" } else { "" },
                        if r.disturbed { " †" } else { "" }
                    ),
                    r.p50,
                    r.p99,
                    r.cpu,
                    r.rss,
                    format!("{}{}", r.speedup, if r.above_cores { " !" } else { "" }),
                    if r.status == Status::Ok { "✓" } else { "?" }.into(),
                ]),
            }
            table.add_row(row);
        }
        // Right-align numeric axes and the metrics; the runner, the
        // parameters with words for values and the ✓ stay left.
        let right: Vec<bool> = view
            .axes
            .iter()
            .map(|a| a.numeric)
            .chain(metrics.iter().map(|m| *m != "ok"))
            .collect();
        for (i, right) in right.into_iter().enumerate() {
            if let (true, Some(col)) = (right, table.column_mut(i + 1)) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        out += &format!("\n{}\n", g.label(Lang::En));
        if !view.common.is_empty() {
            out += &format!("every case: {}\n", view.common);
        }
        out += &format!("{table}\n");
        if let Some(note) = speedup_note(g.cases.iter().copied(), Lang::En) {
            out += &format!("note: {note}\n");
        }
        if let Some(legend) = view.above_cores_note {
            out += &format!("{legend}\n");
        }
    }
    let warnings = warnings(results, Lang::En);
    let count = |kind: WarningKind| warnings.iter().filter(|w| w.kind == kind).count();
    let (failed, noisy, disturbed) = (
        count(WarningKind::Failed),
        count(WarningKind::Noisy),
        count(WarningKind::Disturbed),
    );
    let skipped = skipped([results]);
    let skipped_count: usize = skipped.iter().map(|g| g.cases.len()).sum();
    out += &format!(
        "\n{} cases, {} failed, {}{} noisy (~: median throughput known only to worse than ±5%, or, under 6 repetitions, varied >10%){}{}\n",
        results.cases.len(),
        failed,
        if skipped_count > 0 {
            format!("{skipped_count} skipped, ")
        } else {
            String::new()
        },
        noisy,
        if disturbed > 0 {
            format!(", {disturbed} disturbed (†: a worker process died during a measured batch and its tasks were retried; timing is not a clean measurement)")
        } else {
            String::new()
        },
        if results.interrupted {
            format!(
                "; interrupted by {}, results hold the cases that finished",
                match results.interrupted_by.as_deref() {
                    Some("SIGINT") | None => "Ctrl-C (SIGINT)",
                    Some(signal) => signal,
                }
            )
        } else {
            String::new()
        }
    );
    for g in &skipped {
        out += &format!("{}\n", g.line(Lang::En));
    }
    let groups = group_warnings(warnings, Lang::En);
    if !groups.is_empty() {
        out += "warnings, by kind (what changes a conclusion first):\n";
        for g in &groups {
            out += &format!(
                "  {} — {}\n",
                g.line(),
                g.first_cases(FOLDED, Lang::En, str::to_string)
            );
        }
    }
    out
}

/// How many cases of a warning group the terminal and summary.md name
/// before `and N more`.
pub const FOLDED: usize = 3;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::Results;

    fn fixture(name: &str) -> Results {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        Results::read(&path).unwrap()
    }

    /// The lines of the table under the heading that starts with `heading`.
    fn table<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
        text.lines()
            .skip_while(|l| !l.starts_with(heading))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn every_axis_that_varies_in_a_group_has_a_column() {
        // Regression: the sleep table showed 10 and 100 tasks as rows that
        // looked the same.
        let text = super::render(&fixture("io-small.json"));
        let sleep = table(&text, "sleep duration=5ms");
        let header: Vec<&str> = sleep[1]
            .split('┆')
            .map(|c| c.trim_matches(['│', ' ']))
            .collect();
        assert_eq!(
            header[..4],
            ["runner", "workers", "tasks", "throughput"],
            "{text}"
        );
        let rows: Vec<&&str> = sleep.iter().filter(|l| l.contains("tokio-mt")).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(
            rows[0].contains("┆    10 ┆") && rows[1].contains("┆   100 ┆"),
            "{text}"
        );
        // loop-lag: `cpu` has a column, so the runner column drops it.
        let lag = table(&text, "loop-lag beat=1ms n=2000000, 5 tasks");
        assert!(
            lag[1].contains("┆ cpu ") && lag[1].contains("┆ workers ┆"),
            "{text}"
        );
        assert!(
            lag.iter()
                .any(|l| l.starts_with("│ smol ") && l.contains("┆ offload ")),
            "{text}"
        );
        // thread-per-task and tokio-ct inline have no worker count, so no
        // axis is the same for every case of either table.
        assert!(!text.contains("every case:"), "{text}");
    }

    #[test]
    fn an_axis_every_case_shares_is_stated_above_its_table() {
        let mut r = fixture("io-small.json");
        r.cases
            .retain(|c| c.workload == "sleep" && c.workers == Some(2));
        let text = super::render(&r);
        let sleep = table(&text, "sleep duration=5ms");
        assert_eq!(sleep[0], "every case: workers 2", "{text}");
        assert!(!sleep[2].contains("workers"), "{text}");
    }
}

//! Figure 1: throughput against worker count for a CPU workload, one line
//! per runner configuration, with the ideal linear scaling of `seq`.

use super::{plot, runner_series, worker_counts, FigureKind, Group, Mark, Plot, Point, Series};
use crate::figures::palette::family_colour;

/// The figure, when the group is a CPU workload measured at two worker
/// counts or more (with one, there is no line to draw; figure 2 shows it).
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    if g.cases.first()?.workload_kind != "cpu" {
        return None;
    }
    let workers = worker_counts(g);
    if workers.len() < 2 {
        return None;
    }
    let mut series = Vec::new();
    let mut seq_throughput = None;
    for (name, family, colour, cases) in runner_series(g) {
        let horizontal = cases.iter().all(|c| c.workers.is_none());
        let mut points: Vec<Point> = cases
            .iter()
            .filter_map(|c| {
                let s = c.summary.as_ref()?;
                let x = match c.workers {
                    Some(w) => w as f64,
                    None if horizontal => 0.0,
                    None => return None,
                };
                if c.runner == "seq" && seq_throughput.is_none() {
                    seq_throughput = Some(s.throughput.median);
                }
                Some(Point {
                    x,
                    y: s.throughput.median,
                    ci95: Some((s.throughput.ci95_low, s.throughput.ci95_high)),
                })
            })
            .collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        series.push(Series {
            name,
            family,
            colour,
            dashed: horizontal,
            horizontal,
            points,
        });
    }
    if let Some(seq) = seq_throughput {
        series.push(Series {
            name: "ideal (seq × workers)".into(),
            family: "reference".into(),
            colour: family_colour("baseline", 1),
            dashed: true,
            horizontal: false,
            points: workers
                .iter()
                .map(|&w| Point {
                    x: w as f64,
                    y: seq * w as f64,
                    ci95: None,
                })
                .collect(),
        });
    }
    Some(plot(
        FigureKind::Throughput,
        format!("{}: throughput vs workers", g.label()),
        "Median tasks per second at each worker count, with 95 % intervals; the dashed grey line is seq's throughput times the workers, perfect scaling.".into(),
        "workers (threads or processes)",
        "throughput (tasks/s)",
        Mark::Lines,
        Vec::new(),
        series,
    ))
}

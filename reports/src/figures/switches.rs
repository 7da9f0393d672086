//! Figure 8: context switches (voluntary + involuntary) per task.

use super::{plot, runner_series, worker_categories, FigureKind, Group, Mark, Plot, Point, Series};
use crate::Stat;

/// The figure, when some drawable case has repetitions.
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    let (categories, keys) = worker_categories(g, |_| true);
    let series: Vec<Series> = runner_series(g)
        .into_iter()
        .map(|(name, family, colour, cases)| Series {
            name,
            family,
            colour,
            dashed: false,
            horizontal: false,
            points: cases
                .iter()
                .filter(|c| c.tasks > 0)
                .filter_map(|c| {
                    let x = keys.iter().position(|k| *k == c.workers)? as f64;
                    let v: Vec<f64> = c
                        .repetitions
                        .iter()
                        .map(|r| {
                            (r.voluntary_switches + r.involuntary_switches) as f64 / c.tasks as f64
                        })
                        .collect();
                    let s = Stat::of(&v)?;
                    Some(Point {
                        x,
                        y: s.median,
                        ci95: Some((s.ci95_low, s.ci95_high)),
                    })
                })
                .collect(),
        })
        .collect();
    Some(plot(
        FigureKind::Switches,
        format!("{}: context switches per task", g.label()),
        "Voluntary plus involuntary context switches of the whole case process per batch, divided by the tasks in the batch.".into(),
        "workers",
        "context switches per task",
        Mark::Bars,
        categories,
        series,
    ))
}

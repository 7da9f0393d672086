//! Figure 8: context switches (voluntary + involuntary) per task.

use super::{
    category_bars, per_repetition, plot, worker_categories, FigureKind, Group, Mark, Plot,
};

/// The figure, when some drawable case has repetitions.
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    let (categories, keys) = worker_categories(g, |_| true);
    let series = category_bars(
        g,
        &keys,
        |_| true,
        |c| {
            if c.tasks == 0 {
                return None;
            }
            per_repetition(c, |r| {
                Some((r.voluntary_switches + r.involuntary_switches) as f64 / c.tasks as f64)
            })
        },
    );
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

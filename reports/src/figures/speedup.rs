//! Figure 2: speed-up over `seq` at each worker count, as grouped bars.

use super::{category_bars, plot, worker_categories, FigureKind, Group, Mark, Plot};

/// The figure, when the group has a `seq` case and another runner.
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    let seq = g
        .drawable()
        .find(|c| c.runner == "seq")?
        .summary
        .as_ref()?
        .throughput
        .median;
    if seq <= 0.0 {
        return None;
    }
    let (categories, keys) = worker_categories(g, |c| c.runner != "seq");
    let series = category_bars(
        g,
        &keys,
        |c| c.runner != "seq",
        |c| {
            let s = c.summary.as_ref()?;
            let y = c.speedup_vs_seq.unwrap_or(s.throughput.median / seq);
            Some((
                y,
                Some((s.throughput.ci95_low / seq, s.throughput.ci95_high / seq)),
            ))
        },
    );
    if series.is_empty() {
        return None;
    }
    Some(plot(
        FigureKind::Speedup,
        format!("{}: speed-up over seq", g.label()),
        "Each runner's median throughput divided by seq's, per worker count; 1 means no faster than one plain loop, and the bars' whiskers are 95 % intervals.".into(),
        "workers",
        "speed-up over seq (×)",
        Mark::Bars,
        categories,
        series,
    ))
}

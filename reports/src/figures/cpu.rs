//! Figure 7: CPU accounting per runner — user + system CPU time as a share
//! of the CPU the machine offered during the batch (wall time × cores).

use super::{plot, runner_series, worker_categories, FigureKind, Group, Mark, Plot, Point, Series};
use crate::Stat;

/// The figure, when the machine's core count is known and some drawable
/// case has repetitions.
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    if g.cores == 0 {
        return None;
    }
    let cores = g.cores as f64;
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
                .filter_map(|c| {
                    let x = keys.iter().position(|k| *k == c.workers)? as f64;
                    let v: Vec<f64> = c
                        .repetitions
                        .iter()
                        .filter(|r| r.wall.0 > 0)
                        .map(|r| {
                            100.0 * (r.cpu_user.secs() + r.cpu_system.secs())
                                / (r.wall.secs() * cores)
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
        FigureKind::Cpu,
        format!("{}: CPU used of wall × {} cores", g.label(), g.cores),
        format!("User plus system CPU time of the case process per batch, as a percentage of wall time × {} cores: 100 % means every core was busy for the whole batch.", g.cores),
        "workers",
        "CPU (user + sys) ÷ (wall × cores) (%)",
        Mark::Bars,
        categories,
        series,
    ))
}

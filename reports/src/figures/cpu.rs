//! Figure 7: CPU accounting per runner — user + system CPU time as a share
//! of the CPU the machine offered during the batch (wall time × cores).

use super::{
    category_bars, per_repetition, plot, worker_categories, FigureKind, Group, Mark, Plot,
};

/// The figure, when the machine's core count is known and some drawable
/// case has repetitions.
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    if g.cores == 0 {
        return None;
    }
    let cores = g.cores as f64;
    let (categories, keys) = worker_categories(g, |_| true);
    let series = category_bars(
        g,
        &keys,
        |_| true,
        |c| {
            per_repetition(c, |r| {
                (r.wall.0 > 0).then(|| {
                    100.0 * (r.cpu_user.secs() + r.cpu_system.secs()) / (r.wall.secs() * cores)
                })
            })
        },
    );
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

//! Figure 5: process-pool start-up against the parent's memory — fork
//! copies the parent's page tables, spawn and forkserver do not.

use std::collections::BTreeMap;

use super::{family_colour, plot, time_unit, FigureKind, Group, Mark, Plot, Point, Series};

/// The figure, when the group has pool cases at two or more `parent_mb`
/// values with a start-up time.
pub(super) fn build(g: &Group<'_>) -> Option<Plot> {
    // runner id → (parent MiB, start-up seconds), one point per case.
    let mut by_runner: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for c in g.drawable() {
        let (Some(mb), Some(startup)) = (c.runner_params.get("parent_mb"), c.startup) else {
            continue;
        };
        let Ok(mb) = mb.parse::<f64>() else {
            continue;
        };
        if !order.contains(&c.runner.as_str()) {
            order.push(&c.runner);
        }
        by_runner
            .entry(&c.runner)
            .or_default()
            .push((mb, startup.secs()));
    }
    let mut sizes: Vec<f64> = by_runner.values().flatten().map(|(mb, _)| *mb).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    if sizes.len() < 2 {
        return None;
    }
    let longest = by_runner
        .values()
        .flatten()
        .map(|(_, s)| *s)
        .fold(0.0, f64::max);
    let (unit, per) = time_unit(longest);
    let series = order
        .iter()
        .enumerate()
        .map(|(i, runner)| {
            let mut points: Vec<Point> = by_runner[runner]
                .iter()
                .map(|&(mb, s)| Point {
                    x: mb,
                    y: s / per,
                    ci95: None,
                })
                .collect();
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            Series {
                name: runner.to_string(),
                family: "processes".into(),
                colour: family_colour("processes", i),
                dashed: false,
                horizontal: false,
                points,
            }
        })
        .collect();
    Some(plot(
        FigureKind::Startup,
        format!("{}: pool start-up vs parent memory", g.label()),
        "Time from starting the pool until every worker said it was ready, against the memory the parent process had allocated and touched first (one start per case).".into(),
        "parent memory (MiB)",
        &format!("pool start-up ({unit})"),
        Mark::Lines,
        Vec::new(),
        series,
    ))
}

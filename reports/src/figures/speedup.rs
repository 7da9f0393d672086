//! Figure 2: speed-up over `seq` at each worker count, as grouped bars.

use super::throughput::speedup_finding;
use super::{category_bars, plot, ranked, worker_categories, FigureKind, Group, Mark, Plot};
use crate::{Family, Lang};

/// The figure, when the group has a `seq` case and another runner.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    let seq = g
        .drawable()
        .find(|c| c.family == Family::Baseline)?
        .summary
        .as_ref()?
        .throughput
        .median;
    if seq <= 0.0 {
        return None;
    }
    let (categories, keys) = worker_categories(g, lang, |c| c.family != Family::Baseline);
    let series = category_bars(
        g,
        &keys,
        |c| c.family != Family::Baseline,
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
    let mut p = plot(
        FigureKind::Speedup,
        lang.pick(
            format!("{}: speed-up over seq", g.label(lang)),
            format!("{}: ускорение относительно seq", g.label(lang)),
        ),
        lang.pick(
            "Each runner's median throughput divided by seq's, per worker count; 1 means no faster than one plain loop, and the bars' whiskers are 95 % intervals.",
            "Медианная пропускная способность каждой модели, делённая на пропускную способность seq, для каждого числа исполнителей; 1 — не быстрее простого цикла, усы — 95 % интервалы.",
        ).into(),
        lang.pick("workers", "исполнители"),
        lang.pick("speed-up over seq (×)", "ускорение относительно seq (×)"),
        Mark::Bars,
        categories,
        series,
    );
    if let Some(Some(w)) = keys.last() {
        p.finding = speedup_finding(&ranked(&p, Some((keys.len() - 1) as f64)), *w, lang);
    }
    Some(p)
}

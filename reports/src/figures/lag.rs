//! Figure 6: `loop-lag` — how late the event loop's heartbeat woke, per
//! runner configuration (inline vs offload), as percentiles on a log axis.

use super::{
    contrast, format_short, percentile_points, plot, ranked, runner_series, time_unit, FigureKind,
    Group, Mark, Pick, Plot, Series, Slice,
};
use crate::Lang;

/// The percentiles drawn, with their labels.
const PERCENTILES: [(&str, Pick); 5] = [
    ("p50", |p| p.p50.0),
    ("p90", |p| p.p90.0),
    ("p99", |p| p.p99.0),
    ("p99.9", |p| p.p999.0),
    ("max", |p| p.max.0),
];

/// A percentile's label in `lang`: `max` is «макс.».
fn label(name: &str, lang: Lang) -> String {
    match name {
        "max" => lang.pick("max", "макс.").to_string(),
        other => other.to_string(),
    }
}

/// The figure, when some drawable case recorded heartbeat lateness: at
/// the largest worker count and, when the group's cases differ in tasks
/// per batch, at the largest task count, which its title names.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    let lagged = |c: &crate::CaseRecord| c.repetitions.iter().any(|r| r.loop_lag.is_some());
    let slice = Slice::of(g, lagged);
    let max_s = g
        .drawable()
        .filter(|c| slice.holds(c))
        .flat_map(|c| c.repetitions.iter())
        .filter_map(|r| r.loop_lag.as_ref())
        .map(|p| p.max.secs())
        .fold(0.0, f64::max);
    if max_s <= 0.0 {
        return None;
    }
    let (unit, per) = time_unit(max_s, lang);
    let series: Vec<Series> = runner_series(g)
        .into_iter()
        .filter_map(|s| {
            let c = s.cases.iter().find(|c| slice.holds(c) && lagged(c))?;
            let points = percentile_points(
                c.repetitions.iter().filter_map(|r| r.loop_lag.as_ref()),
                &PERCENTILES,
                per,
            );
            Some(s.series(points))
        })
        .collect();
    let mut p = plot(
        FigureKind::LoopLag,
        lang.pick(
            format!("{}: how late the event loop wakes", slice.label(g, lang)),
            format!("{}: насколько опаздывает цикл событий", slice.label(g, lang)),
        ),
        lang.pick(
            "Lateness of a heartbeat that asks to wake every beat while countdowns run beside it: with cpu=inline the countdowns hold the event-loop threads, with cpu=offload they run on the blocking pool. Medians over repetitions of each batch's percentiles.",
            "Опоздание «пульса», который просит будить его каждый такт, пока рядом идут циклы countdown: при cpu=inline они занимают потоки цикла событий, при cpu=offload уходят в пул блокирующих задач. Медианы по повторам от перцентилей каждого прогона.",
        )
        .into(),
        lang.pick("percentile of heartbeat lateness", "перцентиль опоздания пульса"),
        &lang.pick(format!("lateness ({unit})"), format!("опоздание ({unit})")),
        Mark::Bars,
        PERCENTILES.iter().map(|(l, _)| label(l, lang)).collect(),
        series,
    );
    // Russian scales each value to its own unit (`270 нс`, not `0,27 мкс`).
    let f = |v: f64| match lang {
        Lang::En => format!("{} {unit}", format_short(v, lang)),
        Lang::Ru => crate::format::local::short_duration(v * per, lang),
    };
    p.finding = contrast(
        &ranked(&p, Some(2.0)),
        |lo, hi| {
            lang.pick(
                format!(
                    "The heartbeat's p99 lateness is {}–{} under every runner",
                    f(lo),
                    f(hi)
                ),
                format!("p99 опоздания пульса у всех моделей — {}–{}", f(lo), f(hi)),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!(
                    "p99 heartbeat lateness: {} under {hi}, {} under {lo}",
                    f(h),
                    f(l)
                ),
                format!("p99 опоздания пульса: {} у {hi}, {} у {lo}", f(h), f(l)),
            )
        },
    );
    Some(p)
}

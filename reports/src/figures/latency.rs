//! Figure 4: task latency percentiles (p50, p90, p99, p99.9) per runner,
//! at the largest worker count measured.

use super::{
    contrast, format_short, percentile_points, plot, ranked, runner_series, time_unit, FigureKind,
    Group, Mark, Pick, Plot, Series, Slice,
};
use crate::Lang;

/// The percentiles drawn, with their labels.
const PERCENTILES: [(&str, Pick); 4] = [
    ("p50", |p| p.p50.0),
    ("p90", |p| p.p90.0),
    ("p99", |p| p.p99.0),
    ("p99.9", |p| p.p999.0),
];

/// The figure, when some drawable case has repetitions: at the largest
/// worker count and, when the group's cases differ in tasks per batch, at
/// the largest task count, which its title names.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    let slice = Slice::of(g, |_| true);
    let at = slice.workers;
    let max_s = g
        .drawable()
        .filter(|c| slice.holds(c))
        .flat_map(|c| c.repetitions.iter())
        .map(|r| r.latency.p999.secs())
        .fold(0.0, f64::max);
    if max_s <= 0.0 {
        return None;
    }
    let (unit, per) = time_unit(max_s);
    let series: Vec<Series> = runner_series(g)
        .into_iter()
        .filter_map(|s| {
            let c = s.cases.iter().find(|c| slice.holds(c))?;
            let points =
                percentile_points(c.repetitions.iter().map(|r| &r.latency), &PERCENTILES, per);
            Some(s.series(points))
        })
        .collect();
    let at_text = match at {
        Some(1) => lang.pick(" at 1 worker", ", 1 исполнитель").to_string(),
        Some(w) => lang.pick(format!(" at {w} workers"), format!(", исполнителей: {w}")),
        None => String::new(),
    };
    let mut p = plot(
        FigureKind::Latency,
        lang.pick(
            format!("{}: task latency{at_text}", slice.label(g, lang)),
            format!("{}: задержка задач{at_text}", slice.label(g, lang)),
        ),
        lang.pick(
            format!("How long a task waited and ran, from hand-over to the model until done{at_text}: medians over repetitions of each batch's percentiles."),
            format!("Сколько задача ждала и выполнялась, от передачи модели до завершения{at_text}: медианы по повторам перцентилей каждого прогона."),
        ),
        lang.pick("percentile of task latency", "перцентиль задержки задачи"),
        &lang.pick(
            format!("latency, submit → done ({unit})"),
            format!("задержка, отправка → готово ({unit})"),
        ),
        Mark::Bars,
        PERCENTILES.iter().map(|(l, _)| l.to_string()).collect(),
        series,
    );
    let f = |v: f64| format!("{} {unit}", format_short(v));
    p.finding = contrast(
        &ranked(&p, Some(2.0)),
        |lo, hi| {
            lang.pick(
                format!(
                    "Every runner's p99 latency is within 10 %: {}–{}",
                    f(lo),
                    f(hi)
                ),
                format!(
                    "Задержка p99 у всех моделей в пределах 10 %: {}–{}",
                    f(lo),
                    f(hi)
                ),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!("p99 latency: {} under {lo}, {} under {hi}", f(l), f(h)),
                format!("Задержка p99: {} у {lo}, {} у {hi}", f(l), f(h)),
            )
        },
    );
    Some(p)
}

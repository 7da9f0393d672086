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
    let (unit, per) = time_unit(max_s, lang);
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
        Some(w) => lang.pick(
            Lang::En.count(w, ("worker", "workers"), ("", "", "")),
            Lang::Ru.count(w, ("", ""), ("исполнителе", "исполнителях", "исполнителях")),
        ),
        None => String::new(),
    };
    let at_en = |t: &str| {
        if t.is_empty() {
            String::new()
        } else {
            format!(" at {t}")
        }
    };
    let at_ru = |t: &str| {
        if t.is_empty() {
            String::new()
        } else {
            format!(" на {t}")
        }
    };
    let mut p = plot(
        FigureKind::Latency,
        lang.pick(
            format!("{}: task latency{}", slice.label(g, lang), at_en(&at_text)),
            format!("{}: задержка задач{}", slice.label(g, lang), at_ru(&at_text)),
        ),
        lang.pick(
            format!("How long a task waited and ran, from hand-over to the model until done{}: medians over repetitions of each batch's percentiles.", at_en(&at_text)),
            format!("Сколько задача ждала и выполнялась, от передачи модели до завершения{}: медианы по повторам от перцентилей каждого прогона.", at_ru(&at_text)),
        ),
        lang.pick("percentile of task latency", "перцентиль задержки задачи"),
        &lang.pick(
            format!("latency, submit → done ({unit})"),
            format!("задержка от отправки до готовности ({unit})"),
        ),
        Mark::Bars,
        PERCENTILES.iter().map(|(l, _)| l.to_string()).collect(),
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

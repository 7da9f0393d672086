//! Figure 2: speed-up over `seq` at each worker count, as grouped bars.
//! CPython's runners are over `py-seq` (their `speedup_baseline`), one
//! interpreter running the same tasks in a plain loop: the figure says so
//! in its axis title, caption and finding.

use std::collections::BTreeMap;

use super::throughput::speedup_finding;
use super::{
    category_bars, plot, ranked, reference_of, worker_categories, Category, FigureKind, Group,
    Mark, Plot,
};
use crate::Lang;

/// The figure, when the group has a reference case (`seq`, or `py-seq`
/// for CPython's runners) and another runner measured against it.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    // Each reference runner's median throughput (its first drawable case).
    let mut references: BTreeMap<&str, f64> = BTreeMap::new();
    for c in g.drawable().filter(|c| g.is_reference(c)) {
        let median = c.summary.as_ref()?.throughput.median;
        if median > 0.0 {
            references.entry(c.runner.as_str()).or_insert(median);
        }
    }
    let measured =
        |c: &crate::CaseRecord| !g.is_reference(c) && references.contains_key(reference_of(c));
    let cats = worker_categories(g, lang, measured);
    let series = category_bars(g, &cats, measured, |c| {
        let s = c.summary.as_ref()?;
        let reference = references[reference_of(c)];
        let y = c.speedup_vs_seq.unwrap_or(s.throughput.median / reference);
        Some((
            y,
            Some((
                s.throughput.interval().0 / reference,
                s.throughput.interval().1 / reference,
            )),
        ))
    });
    if series.is_empty() {
        return None;
    }
    // The references other than seq that a drawn bar is over.
    let mut others: Vec<&str> = g
        .drawable()
        .filter(|c| measured(c))
        .map(reference_of)
        .filter(|r| *r != "seq")
        .collect();
    others.sort_unstable();
    others.dedup();
    let cpython = !others.is_empty();
    let over = std::iter::once("seq")
        .chain(others.iter().copied())
        .collect::<Vec<_>>();
    let over_en = over.join(" or ");
    let over_ru = over.join(" или ");
    let mut p = plot(
        FigureKind::Speedup,
        lang.pick(
            format!("{}: speed-up over {over_en}", g.label(lang)),
            format!("{}: ускорение относительно {over_ru}", g.label(lang)),
        ),
        lang.pick(
            format!(
                "Each runner's median throughput divided by {}, per worker count; 1 means no faster than one plain loop, and the bars' whiskers are 95 % intervals.{}",
                if cpython { "its reference's" } else { "seq's" },
                if cpython {
                    format!(" CPython's runners are over {}, one interpreter running the same tasks one after another; Rust's over seq.", others.join(", "))
                } else {
                    String::new()
                }
            ),
            format!(
                "Медианная пропускная способность каждой модели, делённая на пропускную способность {}, для каждого числа исполнителей; 1 — не быстрее простого цикла, усы — 95 % интервалы.{}",
                if cpython { "её эталона" } else { "seq" },
                if cpython {
                    format!(" Модели CPython — относительно {}, одного интерпретатора, выполняющего те же задачи по очереди; модели Rust — относительно seq.", others.join(", "))
                } else {
                    String::new()
                }
            ),
        ),
        &cats.axis(lang.pick("workers", "исполнители"), lang),
        &lang.pick(
            format!("speed-up over {over_en} (×)"),
            format!("ускорение относительно {over_ru} (×)"),
        ),
        Mark::Bars,
        cats.labels.clone(),
        series,
    );
    // The worker count of the last category's bars: its own, or (a
    // category of one task count) the largest its cases ran on.
    let workers = match cats.keys.last() {
        Some(Category::Workers(w) | Category::TasksWorkers(_, w)) => *w,
        Some(Category::Tasks(t)) => g
            .drawable()
            .filter(|c| measured(c) && c.tasks == *t)
            .filter_map(|c| c.workers)
            .max(),
        None => None,
    };
    if let Some(w) = workers {
        let bases: BTreeMap<String, &str> = g
            .drawable()
            .map(|c| (super::series_name(c), reference_of(c)))
            .collect();
        p.finding = cats.about_last(speedup_finding(
            &ranked(&p, Some(cats.last())),
            w,
            |name| bases.get(name).copied().unwrap_or("seq").to_string(),
            lang,
        ));
    }
    Some(p)
}

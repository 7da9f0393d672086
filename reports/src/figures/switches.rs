//! Figure 8: context switches (voluntary + involuntary) per task.

use super::{
    category_bars, contrast, format_short, per_repetition, plot, ranked, worker_categories,
    FigureKind, Group, Mark, Plot,
};
use crate::format::local::short_count;
use crate::Lang;

/// «переключение», «переключения», «переключений».
const SWITCHES: (&str, &str, &str) = ("переключение", "переключения", "переключений");

/// The figure, when some drawable case has repetitions.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    let cats = worker_categories(g, lang, |_| true);
    let series = category_bars(
        g,
        &cats,
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
    let mut p = plot(
        FigureKind::Switches,
        lang.pick(
            format!("{}: context switches per task", g.label(lang)),
            format!("{}: переключения контекста на задачу", g.label(lang)),
        ),
        lang.pick(
            "Voluntary plus involuntary context switches of the whole case process per batch, divided by the tasks in the batch.",
            "Добровольные и принудительные переключения контекста всего процесса замера за прогон, делённые на число задач в прогоне.",
        ).into(),
        &cats.axis(lang.pick("workers", "исполнители"), lang),
        lang.pick("context switches per task", "переключений контекста на задачу"),
        Mark::Bars,
        cats.labels.clone(),
        series,
    );
    let f = |v: f64| format_short(v, lang);
    p.finding = cats.about_last(contrast(
        &ranked(&p, Some(cats.last())),
        |lo, hi| {
            lang.pick(
                format!(
                    "Every runner: {}–{} context switches per task",
                    f(lo),
                    f(hi)
                ),
                format!(
                    "Все модели: {}–{} контекста на задачу",
                    f(lo),
                    short_count(hi, lang, ("", ""), SWITCHES)
                ),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!("{hi}: {} context switches per task; {lo}: {}", f(h), f(l)),
                format!(
                    "{hi}: {} контекста на задачу, {lo}: {}",
                    short_count(h, lang, ("", ""), SWITCHES),
                    f(l)
                ),
            )
        },
    ));
    Some(p)
}

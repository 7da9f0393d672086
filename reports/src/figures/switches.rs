//! Figure 8: context switches (voluntary + involuntary) per task.

use super::{
    category_bars, contrast, format_short, per_repetition, plot, ranked, worker_categories,
    FigureKind, Group, Mark, Plot,
};
use crate::Lang;

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
            "Добровольные и принудительные переключения контекста всего процесса случая за прогон, делённые на число задач в прогоне.",
        ).into(),
        &cats.axis(lang.pick("workers", "исполнители"), lang),
        lang.pick("context switches per task", "переключений контекста на задачу"),
        Mark::Bars,
        cats.labels.clone(),
        series,
    );
    let f = format_short;
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
                    "Все модели: {}–{} переключений контекста на задачу",
                    f(lo),
                    f(hi)
                ),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!("{hi}: {} context switches per task; {lo}: {}", f(h), f(l)),
                format!(
                    "{hi}: {} переключений контекста на задачу, {lo}: {}",
                    f(h),
                    f(l)
                ),
            )
        },
    ));
    Some(p)
}

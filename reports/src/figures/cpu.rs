//! Figure 7: CPU accounting per runner — user + system CPU time as a share
//! of the CPU the machine offered during the batch (wall time × cores).

use super::{
    category_bars, contrast, format_short, per_repetition, plot, ranked, worker_categories,
    FigureKind, Group, Mark, Plot,
};
use crate::Lang;

/// The figure, when the machine's core count is known and some drawable
/// case has repetitions.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    if g.cores == 0 {
        return None;
    }
    let cores = g.cores as f64;
    let cats = worker_categories(g, lang, |_| true);
    let series = category_bars(
        g,
        &cats,
        |_| true,
        |c| {
            // The share cannot pass 100 %; an interval from two or three
            // repetitions may, and is cut there.
            per_repetition(c, |r| {
                (r.wall.0 > 0).then(|| {
                    100.0 * (r.cpu_user.secs() + r.cpu_system.secs()) / (r.wall.secs() * cores)
                })
            })
            .map(|(y, ci)| (y, ci.map(|(lo, hi)| (lo, hi.min(100.0)))))
        },
    );
    let n = g.cores;
    // «доля от 2 ядер», «загружает 2 ядра».
    let cores_of = lang.count(n.into(), ("core", "cores"), ("ядра", "ядер", "ядер"));
    let cores = lang.count(n.into(), ("core", "cores"), ("ядро", "ядра", "ядер"));
    let mut p = plot(
        FigureKind::Cpu,
        lang.pick(
            format!("{}: CPU used of wall × {n} cores", g.label(lang)),
            format!("{}: загрузка CPU (доля от {cores_of})", g.label(lang)),
        ),
        lang.pick(
            format!("User plus system CPU time of the case process per batch, as a percentage of wall time × {n} cores: 100 % means every core was busy for the whole batch."),
            format!("Процессорное время процесса замера за прогон (пользовательское и системное) в процентах от того, что за это время могли дать {cores}: 100 % — все ядра заняты весь прогон."),
        ),
        &cats.axis(lang.pick("workers", "исполнители"), lang),
        lang.pick(
            "CPU (user + sys) ÷ (wall × cores) (%)",
            "CPU (польз. + сист.) ÷ (время × ядра), %",
        ),
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
                    "Every runner keeps {}–{} % of the {n} cores busy",
                    f(lo),
                    f(hi)
                ),
                format!("Все модели загружают {cores} на {}–{} %", f(lo), f(hi)),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!(
                    "{hi} keeps {} % of the {n} cores busy; {lo} only {} %",
                    f(h),
                    f(l)
                ),
                format!(
                    "{hi} загружает {cores} на {} %, а {lo} — лишь на {} %",
                    f(h),
                    f(l)
                ),
            )
        },
    ));
    Some(p)
}

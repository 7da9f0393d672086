//! Figure 5: start-up cost per runner, and process-pool start-up against
//! the parent's memory — fork copies the parent's page tables, spawn and
//! forkserver do not.

use std::collections::BTreeMap;

use super::{
    category_bars, contrast, format_number, format_short, plot, ranked, runner_colour, time_unit,
    worker_categories, FigureKind, Fill, Group, Mark, Plot, Point, Series,
};
use crate::format::local::times_count;
use crate::{CaseRecord, Family, Lang, Stat};

/// A median and, when there were several samples, its interval.
type Median = (f64, Option<(f64, f64)>);

/// The median of `samples` and, when there are several, its interval.
fn median_of(samples: &[f64]) -> Option<Median> {
    let s = Stat::of(samples)?;
    Some((s.median, (s.n > 1).then(|| s.interval())))
}

/// The figure, when the group has pool cases at two or more `parent_mb`
/// values with a start-up time.
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    // runner id → (parent MiB, median start-up seconds, its interval),
    // one point per case; the runners in order with their family
    // (`py-fork` is CPython's).
    let mut by_runner: BTreeMap<&str, Vec<(f64, Median)>> = BTreeMap::new();
    let mut order: Vec<(&str, Family)> = Vec::new();
    for c in g.drawable() {
        let Some(mb) = c.runner_params.get("parent_mb") else {
            continue;
        };
        let Ok(mb) = mb.parse::<f64>() else {
            continue;
        };
        // A CPython pool's start begins once its interpreter is up: the
        // interpreter's own start is the same for every start method, and
        // the samples leave it out.
        let Some((median, interval)) = median_of(&c.startup_samples()) else {
            continue;
        };
        if !order.iter().any(|(r, _)| *r == c.runner) {
            order.push((&c.runner, c.family));
        }
        by_runner
            .entry(&c.runner)
            .or_default()
            .push((mb, (median, interval)));
    }
    let mut sizes: Vec<f64> = by_runner.values().flatten().map(|(mb, ..)| *mb).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    if sizes.len() < 2 {
        return None;
    }
    let longest = by_runner
        .values()
        .flatten()
        .map(|(_, (s, _))| *s)
        .fold(0.0, f64::max);
    let (unit, per) = time_unit(longest, lang);
    order.sort_by_key(|(_, family)| *family);
    let series = order
        .iter()
        .map(|(runner, family)| {
            let mut points: Vec<Point> = by_runner[runner]
                .iter()
                .map(|&(mb, (s, interval))| Point {
                    x: mb,
                    y: s / per,
                    ci95: interval.map(|(lo, hi)| (lo / per, hi / per)),
                })
                .collect();
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            Series {
                name: runner.to_string(),
                family: Some(*family),
                colour: runner_colour(runner, *family),
                fill: Fill::Solid,
                dashed: false,
                horizontal: false,
                points,
            }
        })
        .collect();
    let mut p = plot(
        FigureKind::Startup,
        lang.pick(
            format!("{}: pool start-up vs parent memory", g.label(lang)),
            format!("{}: запуск пула и память родителя", g.label(lang)),
        ),
        lang.pick(
            "Time from starting the pool until every worker said it was ready, against the memory the parent process had allocated and touched first (the median of each case's starts, with its 95 % interval when there are several; a CPython pool's once its interpreter is up).",
            "Время от запуска пула до готовности всех исполнителей в зависимости от памяти, которую родительский процесс заранее выделил и заполнил (медиана запусков каждого замера, при нескольких — с 95-процентным интервалом; у пулов CPython — отсчёт после запуска интерпретатора).",
        ).into(),
        lang.pick("parent memory (MiB)", "память родителя (МиБ)"),
        &lang.pick(format!("pool start-up ({unit})"), format!("запуск пула ({unit})")),
        Mark::Lines,
        Vec::new(),
        series,
    );
    // Growth of each runner's start-up from the smallest to the largest
    // parent it was measured at.
    let mut growth: Vec<(&str, f64)> = p
        .series
        .iter()
        .filter_map(|s| {
            let (a, b) = (s.points.first()?, s.points.last()?);
            (a.y > 0.0 && b.x > a.x).then(|| (s.name.as_str(), b.y / a.y))
        })
        .collect();
    growth.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (lo_mb, hi_mb) = (
        format_number(sizes[0], lang),
        format_number(sizes[sizes.len() - 1], lang),
    );
    let f = |v: f64| format_short(v, lang);
    // A growth that rounds to 1: «в 1 раз» is no Russian.
    let barely = |v: f64| crate::format::short(v) == "1";
    p.finding = contrast(
        &growth,
        |_, hi| {
            lang.pick(
                format!("Every pool's start-up grows at most {}× from {lo_mb} to {hi_mb} MiB of parent memory", f(hi)),
                format!("При росте памяти родителя с {lo_mb} до {hi_mb} МиБ запуск любого пула {}", if barely(hi) { "почти не замедляется".to_string() } else { format!("замедляется не больше чем в {}", times_count(hi)) }),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!("{hi} start-up grows {}× from {lo_mb} to {hi_mb} MiB of parent memory; {lo} only {}×", f(h), f(l)),
                format!("При росте памяти родителя с {lo_mb} до {hi_mb} МиБ запуск {hi} замедляется в {}, а {lo} — {}", times_count(h), if barely(l) { "почти не замедляется".to_string() } else { format!("лишь в {}", times_count(l)) }),
            )
        },
    );
    Some(p)
}

/// Figure 5, first half: the time each runner takes to start (threads,
/// runtime or pool ready), at each worker count — when two or more
/// runner configurations report one.
pub(super) fn build_cost(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    // The whole start, interpreter included: the median of the case's
    // starts, with its interval when there are several.
    let whole = |c: &CaseRecord| median_of(&c.whole_startup_samples());
    let longest = g
        .drawable()
        .filter_map(&whole)
        .map(|(m, _)| m)
        .fold(0.0, f64::max);
    if longest <= 0.0 {
        return None;
    }
    let (unit, per) = time_unit(longest, lang);
    let cats = worker_categories(g, lang, |c| c.startup.is_some());
    let series = category_bars(
        g,
        &cats,
        |c| c.startup.is_some(),
        |c| {
            let (m, interval) = whole(c)?;
            Some((m / per, interval.map(|(lo, hi)| (lo / per, hi / per))))
        },
    );
    if series.len() < 2 {
        return None;
    }
    let interpreter = g.drawable().any(|c| c.interpreter_startup.is_some());
    let mut p = plot(
        FigureKind::StartupCost,
        lang.pick(
            format!("{}: start-up per runner", g.label(lang)),
            format!("{}: запуск каждой модели", g.label(lang)),
        ),
        format!(
            "{}{}",
            lang.pick(
                "Time to start each runner before its first batch — threads spawned, runtime built, or every pool worker ready — the median of each case's starts.",
                "Время запуска каждой модели перед первым прогоном — на создание потоков, построение среды выполнения или готовность всех процессов пула; медиана запусков каждого замера.",
            ),
            if interpreter {
                lang.pick(
                    " CPython's bars include the interpreter's own start; the tables give its share.",
                    " Столбцы CPython включают запуск самого интерпретатора; его долю показывают таблицы.",
                )
            } else {
                ""
            }
        ),
        &cats.axis(lang.pick("workers", "исполнители"), lang),
        &lang.pick(format!("start-up ({unit})"), format!("запуск ({unit})")),
        Mark::Bars,
        cats.labels.clone(),
        series,
    );
    // Russian scales each value to its own unit (`120 мкс`, not `0,12 мс`).
    let f = |v: f64| match lang {
        Lang::En => format!("{} {unit}", format_short(v, lang)),
        Lang::Ru => crate::format::local::short_duration(v * per, lang),
    };
    p.finding = cats.about_last(contrast(
        &ranked(&p, Some(cats.last())),
        |lo, hi| {
            lang.pick(
                format!("Every runner starts in {}–{}", f(lo), f(hi)),
                format!("Любая модель запускается за {}–{}", f(lo), f(hi)),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!("{hi} takes {} to start; {lo} {}", f(h), f(l)),
                format!("Запуск {hi} — {}, {lo} — {}", f(h), f(l)),
            )
        },
    ));
    Some(p)
}

//! Figure 3: IO workloads against concurrency — wall time of a batch and
//! memory per task in flight, log–log, one line per runner: "10 000
//! concurrent sleeps take as long as one" and what each model pays per
//! waiting task.

use super::{
    contrast, format_bytes, format_short, plot, ranked, runner_series, time_unit, FigureKind,
    Group, Mark, Plot, Point, Series,
};
use crate::{CaseRecord, Lang, WorkloadKind};

/// Tasks in flight in a case: its concurrency limit, or all its tasks.
pub(crate) fn in_flight(c: &CaseRecord) -> u64 {
    c.concurrency.map_or(c.tasks, |n| n.min(c.tasks)).max(1)
}

/// Lines of `value` against log10(tasks in flight), one per runner with
/// two concurrency levels or more — and one per worker count of a runner
/// measured at several (`tokio-mt cpu=inline w=1`), so that no line joins
/// points of different pools.
fn lines(
    g: &Group<'_>,
    value: impl Fn(&CaseRecord) -> Option<(f64, Option<(f64, f64)>)>,
) -> Vec<Series> {
    // Concurrency is the x axis, not part of a runner's name: the series
    // `tokio-mt c=100` and `tokio-mt c=1000` are one line.
    let all = runner_series(g);
    let base = |name: &str| match name.rfind(" c=") {
        Some(i) => name[..i].to_string(),
        None => name.to_string(),
    };
    let pools = |b: &str| {
        let mut w: Vec<Option<u64>> = all
            .iter()
            .filter(|rs| base(&rs.name) == b)
            .flat_map(|rs| rs.cases.iter().map(|c| c.workers))
            .collect();
        w.sort_unstable();
        w.dedup();
        w.len()
    };
    let mut out: Vec<Series> = Vec::new();
    for rs in &all {
        let b = base(&rs.name);
        let split = pools(&b) > 1;
        for c in &rs.cases {
            let Some((y, ci95)) = value(c) else { continue };
            let point = Point {
                x: (in_flight(c) as f64).log10(),
                y,
                ci95,
            };
            let name = match c.workers {
                Some(w) if split => format!("{b} w={w}"),
                _ => b.clone(),
            };
            match out.iter_mut().find(|s| s.name == name) {
                Some(s) => s.points.push(point),
                None => out.push(Series {
                    name,
                    ..rs.series(vec![point])
                }),
            }
        }
    }
    for s in &mut out {
        s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    out.retain(|s| s.points.len() >= 2);
    out
}

/// The largest x (log10 of tasks in flight) any series of `p` reaches.
fn top_x(p: &Plot) -> f64 {
    p.series
        .iter()
        .flat_map(|s| s.points.iter().map(|pt| pt.x))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Whether the group is an IO workload measured at two or more levels of
/// concurrency.
fn applies(g: &Group<'_>) -> bool {
    let mut levels: Vec<u64> = g
        .drawable()
        .filter(|c| c.workload_kind == WorkloadKind::Io)
        .map(in_flight)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    levels.len() >= 2
}

/// Wall time of a batch against tasks in flight.
pub(super) fn build_wall(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    if !applies(g) {
        return None;
    }
    let longest = g
        .drawable()
        .filter_map(|c| c.summary.as_ref())
        .map(|s| s.wall_s.median)
        .fold(0.0, f64::max);
    let (unit, per) = time_unit(longest, lang);
    let series = lines(g, |c| {
        let s = &c.summary.as_ref()?.wall_s;
        Some((
            s.median / per,
            Some((s.interval().0 / per, s.interval().1 / per)),
        ))
    });
    let mut p = plot(
        FigureKind::IoWall,
        lang.pick(
            format!("{}: wall time vs tasks in flight", g.label(lang)),
            format!("{}: время и число одновременных задач", g.label(lang)),
        ),
        lang.pick(
            "Median wall time of one batch against the number of tasks in flight at once, both on log scales; a flat line means waiting tasks overlap perfectly.",
            "Медианное время одного прогона в зависимости от числа одновременно выполняемых задач, обе оси логарифмические; горизонтальная линия — ожидания полностью перекрываются.",
        )
        .into(),
        lang.pick("tasks in flight", "число одновременных задач"),
        &lang.pick(format!("wall time per batch ({unit})"), format!("время прогона ({unit})")),
        Mark::Lines,
        Vec::new(),
        series,
    );
    p.log_x = true;
    let top = top_x(&p);
    let n = 10f64.powf(top).round();
    // Russian scales each value to its own unit (`270 нс`, not `0,27 мкс`).
    let f = |v: f64| match lang {
        Lang::En => format!("{} {unit}", format_short(v, lang)),
        Lang::Ru => crate::format::local::short_duration(v * per, lang),
    };
    p.finding = contrast(
        &ranked(&p, Some(top)),
        |lo, hi| {
            lang.pick(
                format!(
                    "{} tasks in flight finish in {}–{} under every runner",
                    format_short(n, lang),
                    f(lo),
                    f(hi)
                ),
                format!(
                    "{} одновременных задач все модели выполняют за {}–{}",
                    format_short(n, lang),
                    f(lo),
                    f(hi)
                ),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!(
                    "{} tasks in flight: {} under {lo}, {} under {hi}",
                    format_short(n, lang),
                    f(l),
                    f(h)
                ),
                format!(
                    "{} одновременных задач: {} у {lo}, {} у {hi}",
                    format_short(n, lang),
                    f(l),
                    f(h)
                ),
            )
        },
    );
    Some(p)
}

/// Peak memory above the case's idle memory (`peak_rss`), per task in flight.
pub(super) fn build_bytes(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    if !applies(g) {
        return None;
    }
    let series = lines(g, |c| {
        let s = &c.summary.as_ref()?.peak_rss_bytes;
        let n = in_flight(c) as f64;
        (s.median > 0.0).then(|| {
            (
                s.median / n,
                Some((s.interval().0.max(0.0) / n, s.interval().1 / n)),
            )
        })
    });
    let mut p = plot(
        FigureKind::IoBytes,
        lang.pick(
            format!("{}: memory per task in flight", g.label(lang)),
            format!("{}: память на одновременную задачу", g.label(lang)),
        ),
        lang.pick(
            "Peak resident memory of the case process during a batch above its idle memory (runner started, nothing run yet), divided by the tasks in flight: what each waiting thread, process or async task costs.",
            "Пиковая резидентная память процесса замера во время прогона сверх памяти простоя (модель запущена, ничего ещё не выполнено), делённая на число одновременных задач: во что обходится каждый ожидающий поток, процесс или асинхронная задача.",
        )
        .into(),
        lang.pick("tasks in flight", "число одновременных задач"),
        lang.pick(
            "peak RSS above idle per task (bytes)",
            "пик RSS сверх простоя на задачу (байты)",
        ),
        Mark::Lines,
        Vec::new(),
        series,
    );
    p.log_x = true;
    let top = top_x(&p);
    let n = format_short(10f64.powf(top).round(), lang);
    let bytes = |v: f64| format_bytes(v, lang);
    p.finding = contrast(
        &ranked(&p, Some(top)),
        |lo, hi| {
            lang.pick(
                format!(
                    "At {n} tasks in flight every runner holds {}–{} per task",
                    bytes(lo),
                    bytes(hi)
                ),
                format!(
                    "При {n} одновременных задачах любая модель держит {}–{} на задачу",
                    bytes(lo),
                    bytes(hi)
                ),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!(
                    "At {n} tasks in flight {hi} holds {} per task; {lo} {}",
                    bytes(h),
                    bytes(l)
                ),
                format!(
                    "При {n} одновременных задачах {hi} держит {} на задачу, {lo} — {}",
                    bytes(h),
                    bytes(l)
                ),
            )
        },
    );
    Some(p)
}

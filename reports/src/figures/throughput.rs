//! Figure 1: throughput against worker count for a CPU workload, one line
//! per runner configuration, with the ideal linear scaling of `seq` (and
//! of `py-seq`, when CPython's runners are drawn: their reference).

use std::collections::BTreeMap;

use super::{
    contrast, format_short, plot, ranked, reference_of, runner_series, worker_counts, FigureKind,
    Fill, Group, Mark, Plot, Point, Series,
};
use crate::figures::palette::reference_colour;
use crate::format::local::{times, times_range};
use crate::{Family, Lang, WorkloadKind};

/// The figure, when the group is a CPU workload measured at two worker
/// counts or more (with one, there is no line to draw; figure 2 shows it).
pub(super) fn build(g: &Group<'_>, lang: Lang) -> Option<Plot> {
    if g.cases.first()?.workload_kind != WorkloadKind::Cpu {
        return None;
    }
    let workers = worker_counts(g);
    if workers.len() < 2 {
        return None;
    }
    let mut series = Vec::new();
    // Each reference runner's throughput (`seq`, `py-seq`), with its
    // family, in legend order; and each series' reference.
    let mut references: Vec<(String, Family, f64)> = Vec::new();
    let mut reference_of_series: BTreeMap<String, String> = BTreeMap::new();
    let mut reference_series: Vec<String> = Vec::new();
    for rs in runner_series(g) {
        let (name, cases) = (rs.name.clone(), &rs.cases);
        if let Some(c) = cases.first() {
            reference_of_series.insert(name.clone(), reference_of(c).to_string());
        }
        if cases.iter().all(|c| g.is_reference(c)) {
            reference_series.push(name.clone());
        }
        let horizontal = cases.iter().all(|c| c.workers.is_none());
        let mut points: Vec<Point> = cases
            .iter()
            .filter_map(|c| {
                let s = c.summary.as_ref()?;
                let x = match c.workers {
                    Some(w) => w as f64,
                    None if horizontal => 0.0,
                    None => return None,
                };
                if g.is_reference(c) && !references.iter().any(|(r, _, _)| *r == c.runner) {
                    references.push((c.runner.clone(), c.family, s.throughput.median));
                }
                Some(Point {
                    x,
                    y: s.throughput.median,
                    ci95: Some(s.throughput.interval()),
                })
            })
            .collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        series.push(Series {
            dashed: horizontal,
            horizontal,
            ..rs.series(points)
        });
    }
    for (runner, family, throughput) in &references {
        series.push(Series {
            name: lang.pick(
                format!("ideal ({runner} × workers)"),
                format!("идеал ({runner} × исполнители)"),
            ),
            family: None,
            // seq's ideal in light grey; py-seq's in a pale tan.
            colour: reference_colour(*family),
            fill: Fill::Solid,
            dashed: true,
            horizontal: false,
            points: workers
                .iter()
                .map(|&w| Point {
                    x: w as f64,
                    y: throughput * w as f64,
                    ci95: None,
                })
                .collect(),
        });
    }
    let mut p = plot(
        FigureKind::Throughput,
        lang.pick(
            format!("{}: throughput vs workers", g.label(lang)),
            format!("{}: пропускная способность и число исполнителей", g.label(lang)),
        ),
        lang.pick(
            "Median tasks per second at each worker count, with 95 % intervals; the dashed grey line is seq's throughput times the workers, perfect scaling (the dashed tan one, py-seq's: CPython's perfect scaling).",
            "Медиана задач в секунду при каждом числе исполнителей, с 95 % интервалами; серая пунктирная линия — пропускная способность seq, умноженная на число исполнителей, идеальное масштабирование (светло-коричневая пунктирная — то же для py-seq, идеал CPython).",
        ).into(),
        lang.pick("workers (threads or processes)", "исполнители (потоки или процессы)"),
        lang.pick("throughput (tasks/s)", "пропускная способность (задач/с)"),
        Mark::Lines,
        Vec::new(),
        series,
    );
    if let Some(&w) = workers.last() {
        let reference = |name: &str| reference_of_series.get(name).map_or("seq", String::as_str);
        let throughput_of = |runner: &str| {
            references
                .iter()
                .find(|(r, _, _)| r == runner)
                .map(|(_, _, t)| *t)
        };
        let mut speedups: Vec<(&str, f64)> = ranked(&p, Some(w as f64))
            .into_iter()
            .filter(|(name, _)| !reference_series.iter().any(|r| r == name))
            .filter_map(|(name, y)| Some((name, y / throughput_of(reference(name))?)))
            .collect();
        speedups.sort_by(|a, b| a.1.total_cmp(&b.1));
        p.finding = speedup_finding(&speedups, w, |name| reference(name).to_string(), lang);
    }
    Some(p)
}

/// "rayon runs at 1.9× seq's speed on 2 workers; tokio-ct at 1.0×" /
/// «На 2 исполнителях rayon — в 1,9 раза быстрее seq, а tokio-ct — так
/// же быстро, как seq»: the finding of figures 1 and 2, from (runner,
/// speed-up) lowest first; `reference` names the runner a series'
/// speed-up is over (`seq`, or `py-seq` for CPython's runners).
pub(super) fn speedup_finding(
    speedups: &[(&str, f64)],
    workers: u64,
    reference: impl Fn(&str) -> String,
    lang: Lang,
) -> Option<String> {
    let f = |v: f64| format_short(v, lang);
    let mut all: Vec<String> = speedups.iter().map(|(name, _)| reference(name)).collect();
    all.sort_unstable();
    all.dedup();
    // «на 1 исполнителе», «на 2 исполнителях».
    let on_ru = Lang::Ru.count(
        workers,
        ("", ""),
        ("исполнителе", "исполнителях", "исполнителях"),
    );
    contrast(
        speedups,
        |lo, hi| match all.as_slice() {
            [one] => lang.pick(
                format!(
                    "Every runner runs at {}–{}× {one}'s speed on {workers} workers",
                    f(lo),
                    f(hi)
                ),
                format!(
                    "На {on_ru} все модели — {}",
                    times_range(lo, hi, one, Lang::Ru)
                ),
            ),
            several => lang.pick(
                format!(
                    "Every runner runs at {}–{}× its reference's speed ({}) on {workers} workers",
                    f(lo),
                    f(hi),
                    several.join(", ")
                ),
                format!(
                    "На {on_ru} все модели — {} ({})",
                    times_range(lo, hi, "своего эталона", Lang::Ru),
                    several.join(", ")
                ),
            ),
        },
        |(hi, h), (lo, l)| {
            let (rh, rl) = (reference(hi), reference(lo));
            // The low runner's reference is named only when it differs.
            let lo_en = if rh == rl {
                String::new()
            } else {
                format!(" {rl}'s")
            };
            lang.pick(
                format!(
                    "{hi} runs at {}× {rh}'s speed on {workers} workers; {lo} at {}×{lo_en}",
                    f(h),
                    f(l)
                ),
                format!(
                    "На {on_ru} {hi} — {}, а {lo} — {}",
                    times(h, &rh, Lang::Ru),
                    times(l, &rl, Lang::Ru)
                ),
            )
        },
    )
}

//! Figure 1: throughput against worker count for a CPU workload, one line
//! per runner configuration, with the ideal linear scaling of `seq`.

use super::{
    contrast, format_short, plot, ranked, runner_series, worker_counts, FigureKind, Group, Mark,
    Plot, Point, Series,
};
use crate::figures::palette::family_colour;
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
    let mut seq_throughput = None;
    for (name, family, colour, cases) in runner_series(g) {
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
                if c.family == Family::Baseline && seq_throughput.is_none() {
                    seq_throughput = Some(s.throughput.median);
                }
                Some(Point {
                    x,
                    y: s.throughput.median,
                    ci95: Some((s.throughput.ci95_low, s.throughput.ci95_high)),
                })
            })
            .collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        series.push(Series {
            name,
            family: Some(family),
            colour,
            dashed: horizontal,
            horizontal,
            points,
        });
    }
    if let Some(seq) = seq_throughput {
        series.push(Series {
            name: lang
                .pick("ideal (seq × workers)", "идеал (seq × исполнители)")
                .into(),
            family: None,
            colour: family_colour(Family::Baseline, 1),
            dashed: true,
            horizontal: false,
            points: workers
                .iter()
                .map(|&w| Point {
                    x: w as f64,
                    y: seq * w as f64,
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
            "Median tasks per second at each worker count, with 95 % intervals; the dashed grey line is seq's throughput times the workers, perfect scaling.",
            "Медиана задач в секунду при каждом числе исполнителей, с 95 % интервалами; серая пунктирная линия — пропускная способность seq, умноженная на число исполнителей, идеальное масштабирование.",
        ).into(),
        lang.pick("workers (threads or processes)", "исполнители (потоки или процессы)"),
        lang.pick("throughput (tasks/s)", "пропускная способность (задач/с)"),
        Mark::Lines,
        Vec::new(),
        series,
    );
    if let (Some(seq), Some(&w)) = (seq_throughput, workers.last()) {
        let baseline: Vec<&str> = p
            .series
            .iter()
            .filter(|s| s.family == Some(Family::Baseline))
            .map(|s| s.name.as_str())
            .collect();
        let speedups: Vec<(&str, f64)> = ranked(&p, Some(w as f64))
            .into_iter()
            .filter(|(name, _)| !baseline.contains(name))
            .map(|(name, y)| (name, y / seq))
            .collect();
        p.finding = speedup_finding(&speedups, w, lang);
    }
    Some(p)
}

/// "rayon runs at 1.9× seq's speed on 2 workers; tokio-ct at 1.0×":
/// the finding of figures 1 and 2, from (runner, speed-up) lowest first.
pub(super) fn speedup_finding(
    speedups: &[(&str, f64)],
    workers: u64,
    lang: Lang,
) -> Option<String> {
    let f = format_short;
    contrast(
        speedups,
        |lo, hi| {
            lang.pick(
                format!(
                    "Every runner runs at {}–{}× seq's speed on {workers} workers",
                    f(lo),
                    f(hi)
                ),
                format!(
                    "Все модели: ×{}–{} к скорости seq (исполнителей: {workers})",
                    f(lo),
                    f(hi)
                ),
            )
        },
        |(hi, h), (lo, l)| {
            lang.pick(
                format!(
                    "{hi} runs at {}× seq's speed on {workers} workers; {lo} at {}×",
                    f(h),
                    f(l)
                ),
                format!(
                    "{hi}: ×{} к скорости seq, {lo}: ×{} (исполнителей: {workers})",
                    f(h),
                    f(l)
                ),
            )
        },
    )
}

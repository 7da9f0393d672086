//! Figures, the HTML report and summary.md, rendered from fixture results
//! files (made by `bakeoff run --workload primes,noop --runner
//! seq,thread-pool,rayon,tokio-mt --workers 1,2 --set
//! numbers=1000003:999999 --set cpu=inline,offload --tasks 8 --reps 2`).
//! Assertions are on titles, axis titles, series and point counts, not pixels.

use std::path::{Path, PathBuf};

use bakeoff_reports::figures::{self, FigureKind, Fill, Plot, Rgb};
use bakeoff_reports::{
    render_sources, CaseStatus, Family, Lang, Nanos, RenderOptions, ReportError, Results, Source,
    Style,
};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpu-small.json")
}

fn fixture() -> Results {
    Results::read(&fixture_path()).expect("fixture parses")
}

/// The plots of the group of `workload` in `r`.
fn plots(r: &Results, workload: &str) -> Vec<Plot> {
    let groups = figures::groups(r, "m0");
    let (i, g) = groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.workload == workload)
        .expect("group exists");
    figures::plots_for(g, i, Lang::En)
}

fn plot(plots: &[Plot], kind: FigureKind) -> &Plot {
    plots
        .iter()
        .find(|p| p.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} figure"))
}

fn series(p: &Plot) -> Vec<(String, usize)> {
    p.describe().series
}

fn owned(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

const RUNNERS: [&str; 5] = [
    "seq",
    "thread-pool",
    "rayon",
    "tokio-mt cpu=inline",
    "tokio-mt cpu=offload",
];

#[test]
fn every_figure_is_drawn_for_a_cpu_workload_in_order() {
    let r = fixture();
    let kinds: Vec<FigureKind> = plots(&r, "primes").iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            FigureKind::Throughput,
            FigureKind::Speedup,
            FigureKind::Latency,
            FigureKind::StartupCost,
            FigureKind::Cpu,
            FigureKind::Switches
        ]
    );
    for p in plots(&r, "primes").iter().chain(plots(&r, "noop").iter()) {
        let svg = p.to_svg(Style::Screen).expect("renders");
        assert!(svg.starts_with("<svg"), "{}", p.id);
        assert!(
            svg.contains(&p.x_title) && svg.contains(&p.y_title),
            "{}",
            p.id
        );
        for (name, _) in series(p) {
            assert!(svg.contains(&name), "{}: legend lacks {name}", p.id);
        }
    }
}

#[test]
fn throughput_has_a_line_per_runner_and_ideal_scaling() {
    let r = fixture();
    let all = plots(&r, "primes");
    let p = plot(&all, FigureKind::Throughput);
    let d = p.describe();
    assert_eq!(d.x_title, "workers (threads or processes)");
    assert_eq!(d.y_title, "throughput (tasks/s)");
    assert!(d.title.contains("primes") && d.title.contains("throughput"));
    // seq has no worker count: one point, drawn as a horizontal line.
    assert_eq!(
        d.series,
        owned(&[
            ("seq", 1),
            ("thread-pool", 2),
            ("rayon", 2),
            ("tokio-mt cpu=inline", 2),
            ("tokio-mt cpu=offload", 2),
            ("ideal (seq × workers)", 2),
        ])
    );
    assert!(p.series[0].horizontal);
    // Ideal scaling is seq's throughput times the workers.
    let seq = p.series[0].points[0].y;
    let ideal = &p.series[5].points;
    assert!((ideal[1].y - 2.0 * seq).abs() < 1e-6 * seq);
    // Error bars come from the repetitions' CI95, never below zero.
    assert!(p.series[1]
        .points
        .iter()
        .all(|pt| pt.ci95.is_some_and(|(lo, hi)| lo >= 0.0 && lo <= hi)));
}

#[test]
fn speedup_latency_cpu_and_switches_describe_their_series() {
    let r = fixture();
    let all = plots(&r, "primes");
    let s = plot(&all, FigureKind::Speedup);
    assert_eq!(s.y_title, "speed-up over seq (×)");
    assert_eq!(s.categories, ["1 worker", "2 workers"]);
    assert_eq!(
        series(s),
        owned(&RUNNERS[1..].iter().map(|n| (*n, 2)).collect::<Vec<_>>())
    );

    let l = plot(&all, FigureKind::Latency);
    assert_eq!(l.categories, ["p50", "p90", "p99", "p99.9"]);
    assert!(l.y_title.starts_with("latency, submit → done ("));
    assert!(l.title.ends_with("at 2 workers"));
    assert_eq!(
        series(l),
        owned(&RUNNERS.iter().map(|n| (*n, 4)).collect::<Vec<_>>())
    );

    let c = plot(&all, FigureKind::Cpu);
    assert_eq!(c.y_title, "CPU (user + sys) ÷ (wall × cores) (%)");
    assert_eq!(c.categories, ["no pool", "1 worker", "2 workers"]);
    assert_eq!(
        series(c),
        owned(&[
            ("seq", 1),
            ("thread-pool", 2),
            ("rayon", 2),
            ("tokio-mt cpu=inline", 2),
            ("tokio-mt cpu=offload", 2),
        ])
    );

    let w = plot(&all, FigureKind::Switches);
    assert_eq!(w.y_title, "context switches per task");
    assert_eq!(series(w).len(), 5);
}

#[test]
fn runner_families_get_their_colour_families() {
    let r = fixture();
    let all = plots(&r, "primes");
    let p = plot(&all, FigureKind::Latency);
    let style = |name: &str| {
        let s = p.series.iter().find(|s| s.name == name).unwrap();
        (s.colour, s.fill)
    };
    // Each runner in its own colour, whichever runners share the figure:
    // thread-pool is the threads' second colour although it is the first
    // drawn here (thread-per-task is not in this run).
    assert_eq!(
        style("seq"),
        (figures::family_colour(Family::Baseline, 0), Fill::Solid)
    );
    assert_eq!(
        style("thread-pool"),
        (
            figures::runner_colour("thread-pool", Family::Threads),
            Fill::Solid
        )
    );
    assert_eq!(
        style("thread-pool").0,
        figures::family_colour(Family::Threads, 1)
    );
    assert_eq!(style("rayon").0, figures::family_colour(Family::Threads, 2));
    assert_eq!(
        style("tokio-mt cpu=inline"),
        (
            figures::runner_colour("tokio-mt", Family::Async),
            Fill::Solid
        )
    );
    assert_ne!(style("thread-pool"), style("rayon"));
}

/// Relative luminance of an sRGB colour, 0 (black) to 1 (white).
fn luminance(c: Rgb) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

#[test]
fn a_runner_has_one_colour_in_every_figure_of_a_report() {
    // Two workloads of the CPU fixture and both of the IO fixture, in one
    // report: every legend entry is drawn in one colour and fill wherever
    // it appears, and a runner's inline and offload share the colour.
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<Source> = [fixture(), io_fixture()]
        .into_iter()
        .map(|results| Source {
            results,
            path: None,
        })
        .collect();
    let out = render_sources(&sources, dir.path(), RenderOptions::default()).unwrap();
    let mut seen: std::collections::BTreeMap<String, (Rgb, Fill, usize)> = Default::default();
    for p in &out.plots {
        for s in p.series.iter().filter(|s| s.family.is_some()) {
            let e = seen.entry(s.name.clone()).or_insert((s.colour, s.fill, 0));
            assert_eq!((e.0, e.1), (s.colour, s.fill), "{} in {}", s.name, p.id);
            e.2 += 1;
        }
    }
    // tokio-mt cpu=inline is drawn in both runs' figures, in one colour.
    let figures_with = |name: &str| seen.get(name).map_or(0, |e| e.2);
    assert!(figures_with("tokio-mt cpu=inline") >= 8, "{seen:?}");
    assert!(figures_with("smol cpu=inline") >= 4, "{seen:?}");
    let runner = |name: &str| name.split(' ').next().unwrap().to_string();
    for (name, (colour, _, _)) in &seen {
        for (other, (c, _, _)) in &seen {
            assert_eq!(
                runner(name) == runner(other),
                colour == c,
                "{name} and {other}"
            );
        }
    }
}

#[test]
fn offload_is_its_runners_colour_lighter_and_hatched() {
    let r = fixture();
    let all = plots(&r, "primes");
    for kind in [FigureKind::Speedup, FigureKind::Throughput, FigureKind::Cpu] {
        let p = plot(&all, kind);
        let find = |name: &str| p.series.iter().find(|s| s.name == name).unwrap();
        let (inline, offload) = (find("tokio-mt cpu=inline"), find("tokio-mt cpu=offload"));
        assert_eq!(inline.family, offload.family);
        assert_eq!(inline.colour, offload.colour, "{kind:?}: the runner's hue");
        assert_eq!((inline.fill, offload.fill), (Fill::Solid, Fill::Hatched));
        assert_eq!(inline.fill.face(inline.colour), inline.colour);
        assert!(
            luminance(offload.fill.face(offload.colour)) > luminance(inline.colour) + 0.15,
            "{kind:?}: offload is drawn lighter"
        );
    }
    // The loop-lag figure: each runtime inline and offload, four styles.
    let io = io_fixture();
    let all = plots(&io, "loop-lag");
    let p = plot(&all, FigureKind::LoopLag);
    let styles: Vec<(Rgb, Fill)> = p.series.iter().map(|s| (s.colour, s.fill)).collect();
    assert_eq!(
        styles,
        [
            (
                figures::runner_colour("tokio-ct", Family::Async),
                Fill::Solid
            ),
            (
                figures::runner_colour("tokio-ct", Family::Async),
                Fill::Hatched
            ),
            (figures::runner_colour("smol", Family::Async), Fill::Solid),
            (figures::runner_colour("smol", Family::Async), Fill::Hatched),
        ]
    );
}

#[test]
fn latency_spanning_decades_uses_a_log_axis() {
    // noop: seq's p50 is tens of nanoseconds, a pool's tens of microseconds.
    let r = fixture();
    let all = plots(&r, "noop");
    assert!(plot(&all, FigureKind::Latency).log_y);
    assert!(!plot(&all, FigureKind::Speedup).log_y);
}

#[test]
fn failed_and_unverified_cases_are_never_drawn() {
    let mut r = fixture();
    for c in &mut r.cases {
        if c.workload == "primes" && c.runner == "rayon" && c.workers == Some(2) {
            c.status = CaseStatus::Failed;
            c.summary = None;
            c.failure = Some(bakeoff_reports::Failure {
                reason: "digest mismatch: expected a (seq), got b".into(),
                stderr_tail: vec![],
            });
        }
        if c.workload == "primes" && c.runner == "thread-pool" {
            // Every thread-pool case unverified: the runner disappears.
            c.verification.verified = false;
        }
    }
    let all = plots(&r, "primes");
    let names: Vec<(String, usize)> = series(plot(&all, FigureKind::Throughput));
    assert!(names.contains(&("rayon".to_string(), 1)), "{names:?}");
    assert!(!names.iter().any(|(n, _)| n == "thread-pool"), "{names:?}");

    let dir = tempfile::tempdir().unwrap();
    let src = Source {
        results: r,
        path: None,
    };
    let out = render_sources(&[src], dir.path(), RenderOptions::default()).unwrap();
    let html = std::fs::read_to_string(&out.index).unwrap();
    assert!(html.contains("digest mismatch: expected a (seq), got b"));
    assert!(html.contains("<strong>unverified</strong>"));
    assert!(html.contains("<strong>failed</strong>"));
}

#[test]
fn render_writes_html_svg_png_and_summary_without_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    // Put the results beside the report, as `bakeoff run` does.
    std::fs::copy(fixture_path(), dir.path().join("results.json")).unwrap();
    std::fs::write(dir.path().join("results.csv"), "case_id\n").unwrap();
    let out = bakeoff_reports::render(&[fixture()], dir.path(), RenderOptions::default()).unwrap();
    assert_eq!(out.index, dir.path().join("index.html"));
    assert_eq!(out.plots.len(), 12, "6 figures for each of 2 workloads");
    assert_eq!(out.figures.len(), 24, "an SVG and a PNG each");
    for f in &out.figures {
        let bytes = std::fs::read(f).unwrap();
        if f.extension().unwrap() == "png" {
            assert_eq!(&bytes[1..4], b"PNG", "{}", f.display());
        } else {
            assert!(bytes.starts_with(b"<svg"), "{}", f.display());
        }
    }
    let html = std::fs::read_to_string(&out.index).unwrap();
    assert!(html.contains("<a href=\"results.json\"><code>results.json</code></a>"));
    assert!(html.contains("<a href=\"results.csv\"><code>results.csv</code></a>"));
    assert_eq!(html.matches("<figure ").count(), 12);
    assert_eq!(html.matches("<svg ").count(), 12, "figures are inline");
    assert!(!html.contains("<script"), "no JavaScript, no network");
    assert!(!html.contains("http://") || html.matches("http://").count() == 12); // xmlns only
    assert!(html.contains("AMD EPYC") && html.contains("rustc 1.95.0"));
    let md = std::fs::read_to_string(&out.summary).unwrap();
    assert!(md.contains("### primes numbers=1000003:999999, 8 tasks"));
    // `cpu` varies within the group, so it has a column of its own.
    assert!(md.contains("| runner | `cpu` | workers | status |"), "{md}");
    assert!(md.contains("| tokio-mt | `offload` | 2 |"), "{md}");
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn hostile_labels_are_escaped_in_html_svg_and_markdown() {
    const HOSTILE: &str = "<script>alert(1)</script>";
    let mut r = fixture();
    r.suite = HOSTILE.into();
    r.environment.hostname = HOSTILE.into();
    for c in &mut r.cases {
        c.workload = HOSTILE.into();
        c.id = format!("{HOSTILE}/{}", c.id);
        if c.runner == "rayon" {
            c.runner = HOSTILE.into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = render_sources(
        &[Source {
            results: r,
            path: None,
        }],
        dir.path(),
        RenderOptions::default(),
    )
    .unwrap();
    assert!(!out.plots.is_empty());
    let html = std::fs::read_to_string(&out.index).unwrap();
    assert!(!html.contains(HOSTILE), "raw label in index.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    let svgs: Vec<_> = out
        .figures
        .iter()
        .filter(|f| f.extension().unwrap() == "svg")
        .collect();
    assert!(!svgs.is_empty());
    for f in svgs {
        let svg = std::fs::read_to_string(f).unwrap();
        assert!(!svg.contains("<script"), "{}", f.display());
        assert!(svg.contains("&lt;script&gt;"), "{}", f.display());
    }
    let md = std::fs::read_to_string(&out.summary).unwrap();
    assert!(!md.contains("<script"));
}

#[test]
fn results_from_two_machines_merge_into_one_report_grouped_by_machine() {
    let a = fixture();
    let mut b = fixture();
    b.environment.hostname = "second-host".into();
    let mut c = fixture();
    c.suite = "again".into();
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<Source> = [a, b, c]
        .into_iter()
        .map(|results| Source {
            results,
            path: None,
        })
        .collect();
    let out = render_sources(&sources, dir.path(), RenderOptions::default()).unwrap();
    let html = std::fs::read_to_string(&out.index).unwrap();
    // The host and the CPU model are data.
    assert_eq!(
        html.matches("<h2><code>vm</code> — <code>AMD EPYC</code>, 2 cores</h2>")
            .count(),
        1
    );
    assert_eq!(
        html.matches("<h2><code>second-host</code> — <code>AMD EPYC</code>, 2 cores</h2>")
            .count(),
        1
    );
    // Three runs, two workloads each, six figures each; ids are unique.
    assert_eq!(out.plots.len(), 36);
    let mut ids: Vec<_> = out.plots.iter().map(|p| p.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 36);
}

#[test]
fn another_schema_version_names_the_version_needed() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("results.json");
    let text = std::fs::read_to_string(fixture_path()).unwrap().replacen(
        "bakeoff.results/1",
        "bakeoff.results/0",
        1,
    );
    std::fs::write(&old, text).unwrap();
    let err = Source::read(&old).unwrap_err();
    assert!(matches!(err, ReportError::Version { .. }));
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "{msg}");
    assert!(
        msg.contains("bakeoff.results/0") && msg.contains("this bakeoff reads `bakeoff.results/1`"),
        "{msg}"
    );
}

#[test]
fn an_unknown_family_or_workload_kind_names_its_case_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture_path()).unwrap();
    for (from, to, field) in [
        (
            "\"family\": \"threads\"",
            "\"family\": \"fibers\"",
            "family",
        ),
        (
            "\"workload_kind\": \"cpu\"",
            "\"workload_kind\": \"gpu\"",
            "workload_kind",
        ),
    ] {
        assert!(text.contains(from), "the fixture has {from}");
        let path = dir.path().join("results.json");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let err = Source::read(&path).unwrap_err();
        assert!(
            matches!(&err, ReportError::Invalid { field: f, .. } if f == field),
            "{err}"
        );
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.contains("unknown variant"), "{msg}");
    }
}

#[test]
fn throughput_needs_two_worker_counts() {
    // With one worker count there is no line; the speed-up bars remain.
    let mut r = fixture();
    r.cases.retain(|c| c.workers != Some(1));
    let kinds: Vec<FigureKind> = plots(&r, "primes").iter().map(|p| p.kind).collect();
    assert!(!kinds.contains(&FigureKind::Throughput), "{kinds:?}");
    assert!(kinds.contains(&FigureKind::Speedup), "{kinds:?}");
}

#[test]
fn pool_start_up_is_drawn_against_parent_memory() {
    // bakeoff run --workload noop --tasks 10 --runner
    // fork-pool,spawn-pool,forkserver-pool --workers 2 --set
    // parent_mb=0,64,256 --reps 2
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pools-parent-mb.json");
    let r = Results::read(&path).unwrap();
    let all = plots(&r, "noop");
    let p = plot(&all, FigureKind::Startup);
    let d = p.describe();
    assert_eq!(d.x_title, "parent memory (MiB)");
    assert!(d.y_title.starts_with("pool start-up ("), "{}", d.y_title);
    assert_eq!(
        series(p),
        owned(&[("fork-pool", 3), ("spawn-pool", 3), ("forkserver-pool", 3)])
    );
    // The CPU fixture has no parent_mb sweep: no such figure there.
    assert!(plots(&fixture(), "primes")
        .iter()
        .all(|p| p.kind != FigureKind::Startup));
    // fork's start-up grows with the parent's memory in the fixture.
    let fork = &p.series[0].points;
    assert!(fork.last().unwrap().y > fork[0].y, "{fork:?}");
}

/// With `starts` above 1 a case records every start-up (`startups`): the
/// figures draw each case's median with its interval, and the tables show
/// them, where one start-up gave one point and no interval.
#[test]
fn several_start_ups_are_drawn_as_their_median_with_its_interval() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pools-parent-mb.json");
    let mut r = Results::read(&path).unwrap();
    // fork-pool's three cases: starts of 1, 3 and 2 ms (×(k+1)), median 2.
    let mut k = 0u64;
    for c in r.cases.iter_mut().filter(|c| c.runner == "fork-pool") {
        k += 1;
        c.startups = Some(vec![
            Nanos(1_000_000 * k),
            Nanos(3_000_000 * k),
            Nanos(2_000_000 * k),
        ]);
        c.startup = Some(Nanos(2_000_000 * k));
        close(
            &c.startup_samples(),
            &[0.001 * k as f64, 0.003 * k as f64, 0.002 * k as f64],
        );
    }
    let all = plots(&r, "noop");
    let p = plot(&all, FigureKind::Startup);
    assert!(p.y_title.ends_with("(ms)"), "{}", p.y_title);
    let fork = &p
        .series
        .iter()
        .find(|s| s.name == "fork-pool")
        .unwrap()
        .points;
    for (i, pt) in fork.iter().enumerate() {
        let k = (i + 1) as f64;
        assert!((pt.y - 2.0 * k).abs() < 1e-9, "{pt:?}");
        // Three values: the widest interval, min to max.
        let (lo, hi) = pt.ci95.expect("an interval from several starts");
        assert!(
            (lo - k).abs() < 1e-9 && (hi - 3.0 * k).abs() < 1e-9,
            "{pt:?}"
        );
    }
    // One start-up: one point, no interval, as before.
    let spawn = &p
        .series
        .iter()
        .find(|s| s.name == "spawn-pool")
        .unwrap()
        .points;
    assert!(spawn.iter().all(|pt| pt.ci95.is_none()), "{spawn:?}");
    let fork0 = r.cases.iter().find(|c| c.runner == "fork-pool").unwrap();
    assert_eq!(
        bakeoff_reports::view::startup(fork0, Lang::En),
        "2 ms [1 ms–3 ms]"
    );
    // CPython's: the model's samples plus the interpreter's make the whole.
    let mut py = fork0.clone();
    py.startups = Some(vec![Nanos(10_000_000), Nanos(30_000_000)]);
    py.interpreter_startups = Some(vec![Nanos(100_000_000), Nanos(100_000_000)]);
    close(&py.startup_samples(), &[0.01, 0.03]);
    close(&py.whole_startup_samples(), &[0.11, 0.13]);
    // An older file: `startup` alone, less the interpreter's part.
    py.startups = None;
    py.interpreter_startups = None;
    py.startup = Some(Nanos(130_000_000));
    py.interpreter_startup = Some(Nanos(100_000_000));
    close(&py.startup_samples(), &[0.03]);
    close(&py.whole_startup_samples(), &[0.13]);
}

/// `got` and `want` are the same seconds, to a nanosecond's rounding.
fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[1..4], b"PNG", "{}", path.display());
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

#[test]
fn course_style_draws_slides_titled_by_their_finding() {
    let dir = tempfile::tempdir().unwrap();
    let options = RenderOptions {
        style: Style::Course,
        lang: Lang::En,
    };
    let out = bakeoff_reports::render(&[fixture()], dir.path(), options).unwrap();
    let pngs: Vec<_> = out
        .figures
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert!(!pngs.is_empty());
    for png in pngs {
        assert_eq!(png_size(png), (1920, 1080), "{}", png.display());
    }
    for p in &out.plots {
        let finding = p
            .finding
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no finding", p.id));
        let svg =
            std::fs::read_to_string(dir.path().join(format!("figures/{}.svg", p.id))).unwrap();
        assert!(svg.contains(r#"width="1920" height="1080""#), "{}", p.id);
        assert!(
            svg.contains(&finding.replace('\'', "&apos;")),
            "{}: finding not drawn",
            p.id
        );
    }
    // The speed-up finding names the fastest and the slowest runner at the
    // largest worker count, computed here from the records themselves.
    let r = fixture();
    let seq = r
        .cases
        .iter()
        .find(|c| c.workload == "primes" && c.runner == "seq")
        .and_then(|c| c.summary.as_ref())
        .unwrap()
        .throughput
        .median;
    let mut at2: Vec<(String, f64)> = r
        .cases
        .iter()
        .filter(|c| c.workload == "primes" && c.workers == Some(2) && figures::is_drawable(c))
        .map(|c| {
            let s = c.summary.as_ref().unwrap().throughput.median;
            (figures::series_name(c), c.speedup_vs_seq.unwrap_or(s / seq))
        })
        .collect();
    at2.sort_by(|a, b| a.1.total_cmp(&b.1));
    let all = plots(&r, "primes");
    let finding = plot(&all, FigureKind::Speedup).finding.clone().unwrap();
    let (lo, hi) = (&at2[0], &at2[at2.len() - 1]);
    assert!(
        finding.starts_with(&format!(
            "{} runs at {}×",
            hi.0,
            bakeoff_reports::format::short(hi.1)
        )),
        "{finding}"
    );
    assert!(finding.contains(&format!("{} at", lo.0)), "{finding}");
    assert!(finding.contains("on 2 workers"), "{finding}");
}

#[test]
fn russian_report_translates_titles_axes_legends_and_headings() {
    let cyrillic = |s: &str| s.chars().any(|c| ('а'..='я').contains(&c));
    let r = fixture();
    let groups = figures::groups(&r, "m0");
    for (i, g) in groups.iter().enumerate() {
        for p in figures::plots_for(g, i, Lang::Ru) {
            let d = p.describe();
            assert!(cyrillic(&d.title), "{}", d.title);
            assert!(
                cyrillic(&d.x_title) || d.x_title.contains("перцентиль"),
                "{}",
                d.x_title
            );
            assert!(cyrillic(&d.y_title), "{}", d.y_title);
            assert!(cyrillic(&p.caption), "{}", p.caption);
            assert!(
                p.finding.as_deref().is_some_and(cyrillic),
                "{:?}",
                p.finding
            );
            assert!(d.title.contains("задач"), "{}", d.title);
            if p.kind == FigureKind::Speedup {
                assert_eq!(d.categories, ["1 исполнитель", "2 исполнителя"]);
            }
            if p.kind == FigureKind::Throughput {
                assert!(d
                    .series
                    .iter()
                    .any(|(n, _)| n == "идеал (seq × исполнители)"));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let options = RenderOptions {
        style: Style::Screen,
        lang: Lang::Ru,
    };
    let out = bakeoff_reports::render(&[r], dir.path(), options).unwrap();
    let html = std::fs::read_to_string(&out.index).unwrap();
    assert!(html.contains(r#"<html lang="ru">"#));
    assert!(html.contains("Отчёт bakeoff"));
    assert!(html.contains("Предупреждени"));
    assert!(html.contains("<th>пропускная способность</th>"));
}

#[test]
fn start_up_cost_has_a_bar_per_runner_at_its_worker_count() {
    let r = fixture();
    let all = plots(&r, "primes");
    let p = plot(&all, FigureKind::StartupCost);
    assert!(p.y_title.starts_with("start-up ("), "{}", p.y_title);
    assert_eq!(p.categories, ["no pool", "1 worker", "2 workers"]);
    // seq has no workers: one bar under "no pool"; the rest one per count.
    assert_eq!(
        series(p),
        owned(&[
            ("seq", 1),
            ("thread-pool", 2),
            ("rayon", 2),
            ("tokio-mt cpu=inline", 2),
            ("tokio-mt cpu=offload", 2),
        ])
    );
    // Heights are the cases' own start-up times, in the axis unit.
    let rayon2 = r
        .cases
        .iter()
        .find(|c| c.workload == "primes" && c.runner == "rayon" && c.workers == Some(2))
        .unwrap();
    let unit = p
        .y_title
        .trim_start_matches("start-up (")
        .trim_end_matches(')');
    let per = match unit {
        "s" => 1.0,
        "ms" => 1e-3,
        "µs" => 1e-6,
        _ => 1e-9,
    };
    let bar = p.series[2].points.iter().find(|pt| pt.x == 2.0).unwrap();
    assert!((bar.y - rayon2.startup.unwrap().secs() / per).abs() < 1e-9 * bar.y.max(1.0));
}

fn io_fixture() -> Results {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/io-small.json");
    Results::read(&p).expect("io fixture parses")
}

#[test]
fn io_wall_time_and_memory_are_drawn_against_tasks_in_flight_log_log() {
    // io-small.json: `sleep` 5ms at 10 and 100 tasks under thread-per-task,
    // tokio-mt and smol; `loop-lag` under tokio-ct and smol, inline and
    // offload (made by `bakeoff run` with a suite file, see its `suite`).
    let r = io_fixture();
    let all = plots(&r, "sleep");
    let wall = plot(&all, FigureKind::IoWall);
    assert!(wall.log_x && wall.log_y, "log-log");
    assert_eq!(wall.x_title, "tasks in flight");
    assert!(wall.y_title.starts_with("wall time per batch ("));
    // One line per runner, concurrency folded into the x axis.
    assert_eq!(
        series(wall),
        owned(&[
            ("thread-per-task", 2),
            ("tokio-mt cpu=inline", 2),
            ("smol cpu=inline", 2)
        ])
    );
    let xs: Vec<f64> = wall.series[0].points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [1.0, 2.0], "log10 of 10 and 100 tasks");
    let bytes = plot(&all, FigureKind::IoBytes);
    assert_eq!(bytes.y_title, "peak RSS above idle per task (bytes)");
    // Each point is the case's median peak RSS divided by its tasks.
    let case = r
        .cases
        .iter()
        .find(|c| c.workload == "sleep" && c.runner == "smol" && c.tasks == 100)
        .unwrap();
    let want = case.summary.as_ref().unwrap().peak_rss_bytes.median / 100.0;
    let got = bytes.series[2].points[1].y;
    assert!((got - want).abs() < 1e-9 * want.max(1.0), "{got} vs {want}");
    assert!(wall
        .finding
        .as_deref()
        .unwrap()
        .contains("100 tasks in flight"));
    // No seq in an IO group: no speed-up figure.
    assert!(all.iter().all(|p| p.kind != FigureKind::Speedup));
}

#[test]
fn loop_lag_draws_heartbeat_lateness_per_runner_inline_and_offload() {
    let r = io_fixture();
    let all = plots(&r, "loop-lag");
    let p = plot(&all, FigureKind::LoopLag);
    assert_eq!(p.categories, ["p50", "p90", "p99", "p99.9", "max"]);
    assert_eq!(
        series(p),
        owned(&[
            ("tokio-ct cpu=inline", 5),
            ("tokio-ct cpu=offload", 5),
            ("smol cpu=inline", 5),
            ("smol cpu=offload", 5),
        ])
    );
    assert!(p.x_title.contains("heartbeat lateness"));
    assert!(p.finding.as_deref().unwrap().contains("p99"));
    // Four async configurations here (eight in the suites): no style
    // twice — two runtimes' colours, each solid inline and hatched offload.
    let mut styles: Vec<_> = p.series.iter().map(|s| (s.colour, s.fill)).collect();
    styles.dedup();
    assert_eq!(styles.len(), p.series.len());
    assert!((0..4)
        .all(|i| (0..i).all(|j| figures::family_colour(Family::Async, i)
            != figures::family_colour(Family::Async, j))));
    // Russian words for the course.
    let groups = figures::groups(&r, "m0");
    let (i, g) = groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.workload == "loop-lag")
        .unwrap();
    let ru = figures::plots_for(g, i, Lang::Ru);
    let ru = ru.iter().find(|p| p.kind == FigureKind::LoopLag).unwrap();
    assert!(ru.title.contains("цикл событий"), "{}", ru.title);
}

#[test]
fn a_case_whose_embedded_server_kept_a_quarter_of_the_cores_busy_is_warned_about() {
    use bakeoff_reports::{Nanos, ServerUsage};
    let mut r = io_fixture();
    assert_eq!(r.environment.logical_cores, 2);
    let at = r
        .cases
        .iter()
        .position(|c| c.runner == "tokio-mt" && c.tasks == 100)
        .unwrap();
    // One request per task, `per_request_ns` of server CPU each.
    let give = |r: &mut Results, per_request_ns: u64| {
        let c = &mut r.cases[at];
        let requests = c.tasks * (c.warmup + c.repetitions.len() as u64);
        c.server = Some(ServerUsage {
            kind: "echo".into(),
            requests,
            connections: requests,
            cpu_user: Nanos(requests * per_request_ns / 5),
            cpu_system: Nanos(requests * per_request_ns * 4 / 5),
        });
        per_request_ns as f64 * 1e-9 * c.summary.as_ref().unwrap().throughput.median
    };
    let server_warnings = |r: &Results| -> Vec<String> {
        bakeoff_reports::view::warnings(r, Lang::En)
            .into_iter()
            .filter(|w| w.kind == bakeoff_reports::view::WarningKind::Server)
            .map(|w| format!("{} — {}", w.case, w.reason))
            .collect()
    };
    // ~10 900 tasks/s × 50 µs: more than half a core of the two.
    let busy = give(&mut r, 50_000);
    assert!(busy > 0.5, "{busy}");
    let w = server_warnings(&r);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with(&r.cases[at].id), "{w:?}");
    assert!(w[0].contains("embedded echo server"), "{w:?}");
    assert!(
        w[0].contains(&format!(
            "kept {} of the 2 cores",
            bakeoff_reports::format::number(busy)
        )),
        "{w:?}"
    );
    assert!(w[0].contains("50 µs of CPU per request"), "{w:?}");
    // The group's table gains a server column; that case's cell says the
    // same, the other cases' say nothing.
    let html = |r: &Results| {
        let dir = tempfile::tempdir().unwrap();
        let src = Source {
            results: r.clone(),
            path: None,
        };
        let out = render_sources(&[src], dir.path(), RenderOptions::default()).unwrap();
        std::fs::read_to_string(&out.index).unwrap()
    };
    let page = html(&r);
    assert_eq!(
        page.matches("<th>server: cores busy, CPU per request</th>")
            .count(),
        1,
        "one group of the two has a server"
    );
    let cell = format!(
        "<td class=\"num\">{} cores, 50 µs</td>",
        bakeoff_reports::format::number(busy)
    );
    assert!(page.contains(&cell), "no {cell}");
    // × 20 µs: a fifth of a core of the two, below a quarter of them.
    let busy = give(&mut r, 20_000);
    assert!(busy < 0.5, "{busy}");
    assert_eq!(server_warnings(&r), Vec::<String>::new());
    // Regression: with 4 batches per repetition the server answered 4
    // times the tasks of one batch per repetition; its CPU per task is
    // over all of them.
    let single = r.cases[at].server_cores().unwrap();
    for rep in &mut r.cases[at].repetitions {
        rep.batches = Some(4);
    }
    let c = &r.cases[at];
    let all = (c.warmup + 4 * c.repetitions.len() as u64) as f64;
    let one = (c.warmup + c.repetitions.len() as u64) as f64;
    let four = c.server_cores().unwrap();
    assert!((four - single * one / all).abs() < 1e-9, "{four} {single}");
}

#[test]
fn no_bar_of_the_sleep_figures_mixes_task_counts() {
    // Regression: the sleep group holds 10- and 100-task cases of each
    // runner at one worker count, and the CPU, switches and start-up bars
    // drew both sizes into one bar, under a finding about the first.
    let r = io_fixture();
    let all = plots(&r, "sleep");
    for kind in [
        FigureKind::Cpu,
        FigureKind::Switches,
        FigureKind::StartupCost,
    ] {
        let p = plot(&all, kind);
        assert_eq!(p.categories, ["10 tasks", "100 tasks"], "{kind:?}");
        assert_eq!(p.x_title, "tasks per batch", "{kind:?}");
        for s in &p.series {
            let mut xs: Vec<f64> = s.points.iter().map(|pt| pt.x).collect();
            xs.dedup();
            assert_eq!(xs, [0.0, 1.0], "{kind:?} {}: one bar per size", s.name);
        }
        // The finding speaks of the last category, and says which.
        let finding = p.finding.as_deref().unwrap();
        assert!(finding.ends_with(" (100 tasks)"), "{kind:?}: {finding}");
    }
    // Each CPU bar is its own case's share: the 100-task case at x = 1.
    let p = plot(&all, FigureKind::Cpu);
    let smol = p
        .series
        .iter()
        .find(|s| s.name == "smol cpu=inline")
        .unwrap();
    for (x, tasks) in [(0.0, 10), (1.0, 100)] {
        let c = r
            .cases
            .iter()
            .find(|c| c.workload == "sleep" && c.runner == "smol" && c.tasks == tasks)
            .unwrap();
        let shares: Vec<f64> = c
            .repetitions
            .iter()
            .map(|rep| {
                100.0 * (rep.cpu_user.secs() + rep.cpu_system.secs())
                    / (rep.wall.secs() * f64::from(r.environment.logical_cores))
            })
            .collect();
        let median = bakeoff_reports::Stat::of(&shares).unwrap().median;
        let bar = smol.points.iter().find(|pt| pt.x == x).unwrap();
        assert!(
            (bar.y - median).abs() < 1e-9 * median.max(1.0),
            "{tasks} tasks"
        );
    }
    // Latency percentiles are of one size, the largest, named in the title.
    let l = plot(&all, FigureKind::Latency);
    assert!(
        l.title
            .starts_with("sleep duration=5ms, 100 tasks: task latency"),
        "{}",
        l.title
    );
    let tokio100 = r
        .cases
        .iter()
        .find(|c| c.workload == "sleep" && c.runner == "tokio-mt" && c.tasks == 100)
        .unwrap();
    let p50s: Vec<f64> = tokio100
        .repetitions
        .iter()
        .map(|rep| rep.latency.p50.secs())
        .collect();
    let p50 = bakeoff_reports::Stat::of(&p50s).unwrap().median;
    let unit = match l.y_title.rsplit('(').next().unwrap().trim_end_matches(')') {
        "s" => 1.0,
        "ms" => 1e-3,
        "µs" => 1e-6,
        _ => 1e-9,
    };
    let s = l
        .series
        .iter()
        .find(|s| s.name == "tokio-mt cpu=inline")
        .unwrap();
    assert!(
        (s.points[0].y * unit - p50).abs() < 1e-6 * p50,
        "p50 of the 100-task case"
    );
}

#[test]
fn a_report_outside_the_results_folder_links_to_them_relatively() {
    // Regression: a report written elsewhere linked to results.json by
    // its absolute path, which broke when the folder was moved or zipped.
    let run = tempfile::tempdir().unwrap();
    let json = run.path().join("results.json");
    std::fs::copy(fixture_path(), &json).unwrap();
    std::fs::write(run.path().join("results.csv"), "case_id\n").unwrap();
    for sub in ["report", "deep/er/report"] {
        let out = run.path().join(sub);
        let src = Source::read(&json).unwrap();
        let rendered = render_sources(&[src], &out, RenderOptions::default()).unwrap();
        let html = std::fs::read_to_string(&rendered.index).unwrap();
        let links = hrefs(&html);
        let up = "../".repeat(sub.split('/').count());
        for file in ["results.json", "results.csv"] {
            let href = format!("{up}{file}");
            assert!(links.contains(&href), "{sub}: no link {href} in {links:?}");
            // The link resolves from the report's folder to the file.
            assert_eq!(
                out.join(&href).canonicalize().unwrap(),
                run.path().join(file).canonicalize().unwrap()
            );
        }
        // No link on the page is absolute, nor leaves for the network.
        assert!(
            links
                .iter()
                .all(|l| !l.starts_with('/') && !l.contains(':')),
            "{sub}: {links:?}"
        );
    }
}

/// The targets of the page's `href` attributes, their HTML escapes
/// decoded (the template escapes `/` as `&#x2f;`).
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| {
            h.replace("&#x2f;", "/")
                .replace("&#x27;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn a_runner_at_two_worker_counts_of_one_size_is_never_merged_either() {
    // The sleep fixture with tokio-mt measured on 1 worker as well as 2:
    // the lines against tasks in flight split by workers, and the bars
    // split each task count by workers.
    let mut r = io_fixture();
    let more: Vec<_> = r
        .cases
        .iter()
        .filter(|c| c.workload == "sleep" && c.runner == "tokio-mt")
        .cloned()
        .map(|mut c| {
            c.workers = Some(1);
            c.id = c.id.replace("/w2/", "/w1/");
            c
        })
        .collect();
    r.cases.extend(more);
    let all = plots(&r, "sleep");
    let wall = plot(&all, FigureKind::IoWall);
    assert_eq!(
        series(wall),
        owned(&[
            ("thread-per-task", 2),
            ("tokio-mt cpu=inline w=2", 2),
            ("tokio-mt cpu=inline w=1", 2),
            ("smol cpu=inline", 2)
        ])
    );
    let cpu = plot(&all, FigureKind::Cpu);
    assert_eq!(
        cpu.categories,
        [
            "10 tasks, no pool",
            "10 tasks, 1 worker",
            "10 tasks, 2 workers",
            "100 tasks, no pool",
            "100 tasks, 1 worker",
            "100 tasks, 2 workers"
        ]
    );
    assert_eq!(cpu.x_title, "tasks per batch, workers");
    let tokio = cpu
        .series
        .iter()
        .find(|s| s.name == "tokio-mt cpu=inline")
        .unwrap();
    let xs: Vec<f64> = tokio.points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [1.0, 2.0, 4.0, 5.0], "one bar per size and pool");
    let l = plot(&all, FigureKind::Latency);
    assert!(
        l.title.contains("100 tasks: task latency at 2 workers"),
        "{}",
        l.title
    );
}

//! Warnings grouped by kind, speed-ups above the cores, interference, the
//! noisy rule by the median's interval and the `reps` column, on the
//! fixtures with fields set the way a newer harness writes them.

use std::path::Path;

use bakeoff_reports::view::{self, WarningKind};
use bakeoff_reports::{
    render_sources, Calibration, Interference, Lang, Nanos, RenderOptions, Results, Source,
    StopReason, Stopping,
};

fn fixture(name: &str) -> Results {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    Results::read(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The index of the first case of runner `runner` at `workers` workers
/// of workload `workload`.
fn case(r: &Results, workload: &str, runner: &str, workers: u64) -> usize {
    r.cases
        .iter()
        .position(|c| c.workload == workload && c.runner == runner && c.workers == Some(workers))
        .unwrap_or_else(|| panic!("no {workload} {runner} w{workers}"))
}

/// The HTML page and summary.md of `r` in `lang`.
fn report(r: &Results, lang: Lang) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = Source {
        results: r.clone(),
        path: None,
    };
    let options = RenderOptions {
        lang,
        ..RenderOptions::default()
    };
    let out = render_sources(&[src], dir.path(), options).unwrap();
    (
        std::fs::read_to_string(&out.index).unwrap(),
        std::fs::read_to_string(&out.summary).unwrap(),
    )
}

fn of_kind(r: &Results, kind: WarningKind) -> Vec<view::Warning> {
    view::warnings(r, Lang::En)
        .into_iter()
        .filter(|w| w.kind == kind)
        .collect()
}

/// The fixture with every case steady, so that only what a test sets
/// warns.
fn quiet() -> Results {
    let mut r = fixture("cpu-small.json");
    for s in r.cases.iter_mut().filter_map(|c| c.summary.as_mut()) {
        s.noisy = false;
    }
    assert!(view::warnings(&r, Lang::En).is_empty());
    r
}

#[test]
fn a_speedup_above_the_cores_is_a_measurement_problem_marked_wherever_it_is_shown() {
    let mut r = quiet();
    assert_eq!(r.environment.logical_cores, 2);
    let at = case(&r, "primes", "rayon", 2);
    r.cases[at].speedup_vs_seq = Some(2.6);
    // 2.09 is within 5 % of the 2 cores: not a warning.
    let near = case(&r, "primes", "thread-pool", 2);
    r.cases[near].speedup_vs_seq = Some(2.09);
    let w = of_kind(&r, WarningKind::SpeedupAboveCores);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].case, r.cases[at].id);
    assert!(
        w[0].reason.starts_with(
            "×2.6 over seq on 2 logical cores: more than the cores allow — a measurement problem"
        ),
        "{}",
        w[0].reason
    );
    let ru = view::warnings(&r, Lang::Ru);
    assert!(
        ru.iter().any(|w| w
            .reason
            .starts_with("в 2,6 раза быстрее seq на 2 логических ядрах")),
        "{ru:?}"
    );

    // Terminal: the `vs seq` cell ends in `!`, the legend is under the table.
    let text = bakeoff_reports::summary::render(&r);
    let marked: Vec<&str> = text.lines().filter(|l| l.contains("2.6× !")).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].starts_with("│ rayon"), "{text}");
    assert!(!text.contains("2.09× !"), "{text}");
    assert_eq!(
        text.matches("! a speed-up above ×2.1, more than the 2 logical cores allow")
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("speed-up above the cores (1): "),
        "the grouped line: {text}"
    );

    let (html, md) = report(&r, Lang::En);
    assert!(
        html.contains(
            "<td class=\"num suspect\" title=\"! more than the machine&#x27;s cores allow"
        ),
        "{html}"
    );
    assert_eq!(html.matches("2.6× !").count(), 1, "{html}");
    assert!(html.contains("<p class=\"note suspect\">! a speed-up above ×2.1"));
    // The cores limit, once under each speed-up figure.
    let figures = html.matches("<figure id=\"m0r0-g").count();
    assert!(figures > 0);
    assert_eq!(
        html.matches("with 2 or fewer cores, no model can show more than a 2× speed-up")
            .count(),
        2,
        "one per speed-up figure (primes, noop)"
    );
    // The primes figure, whose rayon bar is above the cores, says what it means.
    assert_eq!(
        html.matches("shares the cores. ! a speed-up above ×2.1")
            .count(),
        1,
        "{html}"
    );
    assert_eq!(md.matches("| 2.6× ! |").count(), 1, "{md}");
    assert!(md.contains("\n! a speed-up above ×2.1"), "{md}");
    let (html_ru, _) = report(&r, Lang::Ru);
    assert!(html_ru.contains("при двух ядрах или меньше"), "{html_ru}");
    assert!(
        html_ru.contains("! ускорение больше чем в 2,1 раза"),
        "{html_ru}"
    );
}

#[test]
fn a_repetition_beside_other_work_warns_and_the_machine_states_the_steal() {
    let mut r = quiet();
    let at = case(&r, "noop", "tokio-mt", 2);
    let mut flagged = Interference {
        steal: 0.031,
        others: 0.25,
        runnable: 3,
        cpu_mhz: None,
        pressure: None,
        resolution: 0.02,
        flagged: true,
    };
    let calm = Interference {
        steal: 0.004,
        others: 0.01,
        runnable: 1,
        cpu_mhz: None,
        pressure: None,
        resolution: 0.02,
        flagged: false,
    };
    for c in &mut r.cases {
        for rep in &mut c.repetitions {
            rep.interference = Some(calm);
        }
    }
    // Without a flagged repetition: no warning, but the steal is stated.
    assert!(of_kind(&r, WarningKind::Interference).is_empty());
    let text = bakeoff_reports::summary::render(&r);
    assert!(
        text.contains("steal: median 0.4 % of the cores over 36 repetitions, at most 0.4 %"),
        "{text}"
    );
    r.cases[at].repetitions[1].interference = Some(flagged);
    flagged.steal = 0.02;
    flagged.others = 0.12;
    r.cases[at].repetitions[0].interference = Some(flagged);
    let w = of_kind(&r, WarningKind::Interference);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].case, r.cases[at].id);
    assert_eq!(
        w[0].reason,
        "2 of 2 repetitions ran beside other work: steal up to 3.1 %, other processes up to 25 % of the cores"
    );
    let ru = view::warnings(&r, Lang::Ru);
    assert!(
        ru.iter().any(|w| w.reason
            == "рядом с другой работой шли 2 из 2 повторов: гипервизор забирал до 3,1 %, чужие процессы — до 25 % ядер"),
        "{ru:?}"
    );
    let (html, md) = report(&r, Lang::En);
    assert!(
        html.contains(
            "<tr><th>steal</th><td>median 0.4 % of the cores over 36 repetitions, at most 3.1 %"
        ),
        "{html}"
    );
    assert!(md.contains("- steal: median 0.4 %"), "{md}");
    assert!(
        md.contains("- **interference** (1): some repetitions ran beside other work"),
        "{md}"
    );
    // One flagged repetition: the Russian verb agrees with it.
    r.cases[at].repetitions[0].interference = Some(calm);
    let ru = view::warnings(&r, Lang::Ru);
    assert!(
        ru.iter().any(|w| w
            .reason
            .starts_with("рядом с другой работой шёл 1 из 2 повторов:")),
        "{ru:?}"
    );
}

#[test]
fn the_html_folds_one_details_per_kind_with_its_count_in_order() {
    let mut r = fixture("cpu-small.json");
    let noisy = view::warnings(&r, Lang::En).len();
    assert!(noisy > 3, "the fixture has noisy cases: {noisy}");
    let at = case(&r, "primes", "rayon", 2);
    r.cases[at].speedup_vs_seq = Some(2.6);
    r.cases[at].verification.verified = false;
    let (html, md) = report(&r, Lang::En);
    assert_eq!(html.matches("<details").count(), 2, "{html}");
    assert_eq!(
        html.matches("<details open").count(),
        0,
        "closed by default"
    );
    let position = |id: &str| {
        html.find(&format!(
            "<details class=\"warning\" id=\"warnings-{id}\"><summary><strong>"
        ))
        .unwrap_or_else(|| panic!("no {id} group: {html}"))
    };
    // What changes a conclusion first, noisy last.
    assert!(position("unverified") < position("noisy"));
    // An unverified case is not drawn, so its speed-up is not shown and
    // not warned about.
    assert!(!html.contains("warnings-speedup_above_cores"));
    r.cases[at].verification.verified = true;
    let (html, _) = report(&r, Lang::En);
    assert!(html.contains(&format!(
        "<strong>noisy</strong> ({noisy}): the median throughput is known only to worse than ±5 %"
    )));
    assert!(html.contains("<strong>speed-up above the cores</strong> (1): "));
    assert!(
        html.find("warnings-speedup_above_cores").unwrap() < html.find("warnings-noisy").unwrap()
    );
    let section = &html[html.find("<section class=\"warnings\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert_eq!(
        section.matches("<li><code>").count(),
        noisy + 1,
        "every case inside its fold"
    );
    // summary.md: one line per kind, three cases then `and N more`.
    let line = md
        .lines()
        .find(|l| l.starts_with("- **noisy**"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        line.ends_with(&format!(" and {} more.", noisy - 3)),
        "{line}"
    );
    assert_eq!(md.matches("- **unverified**").count(), 1, "{md}");
    let (html_ru, md_ru) = report(&r, Lang::Ru);
    assert!(
        html_ru.contains("<strong>шумные замеры</strong>"),
        "{html_ru}"
    );
    assert!(md_ru.contains(&format!(" и ещё {}.", noisy - 3)), "{md_ru}");
}

#[test]
fn noisy_follows_the_median_interval_when_it_reaches_95_percent() {
    let mut r = quiet();
    let at = case(&r, "primes", "rayon", 2);
    let set = |r: &mut Results, low: f64, high: f64, level: f64, noisy: bool| {
        let s = r.cases[at].summary.as_mut().unwrap();
        s.noisy = noisy;
        let t = &mut s.throughput;
        t.n = 9;
        t.median = 100.0;
        (t.median_low, t.median_high, t.median_level) = (low, high, level);
    };
    // ±1 %: steady, whatever the coefficient of variation says.
    set(&mut r, 99.0, 101.0, 0.96, true);
    assert!(of_kind(&r, WarningKind::Noisy).is_empty());
    // ±7.5 %: noisy, though the coefficient of variation is small.
    set(&mut r, 92.5, 107.5, 0.96, false);
    let w = of_kind(&r, WarningKind::Noisy);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0].reason,
        "the median throughput is known only to ±7.5 % (95 % interval over 9 repetitions)"
    );
    let text = bakeoff_reports::summary::render(&r);
    assert_eq!(text.matches(" ~ ┆").count(), 1, "{text}");
    let ru = view::warnings(&r, Lang::Ru);
    assert_eq!(
        ru[0].reason,
        "медиана пропускной способности известна лишь с точностью ±7,5 % (95 % интервал по 9 повторам)"
    );
    // Below 95 % (fewer than 6 repetitions): `Summary.noisy` decides.
    set(&mut r, 50.0, 150.0, 0.9375, false);
    assert!(of_kind(&r, WarningKind::Noisy).is_empty());
    set(&mut r, 99.0, 101.0, 0.9375, true);
    let w = of_kind(&r, WarningKind::Noisy);
    assert!(
        w[0].reason.starts_with("throughput varied by "),
        "{}",
        w[0].reason
    );
}

#[test]
fn the_reps_column_shows_batches_times_repetitions_and_why_it_stopped() {
    let mut r = quiet();
    let at = case(&r, "primes", "rayon", 2);
    r.cases[at].calibration = Some(Calibration {
        target: Nanos(100_000_000),
        batch_wall: Nanos(24_100_000),
        batches: 5,
        inherited: false,
    });
    r.cases[at].stopping = Some(Stopping {
        reason: StopReason::Precise,
        precision_target: 0.02,
        precision: 0.018,
        budget: Nanos(10_000_000_000),
    });
    let (html, md) = report(&r, Lang::En);
    // Only the primes table has the column.
    assert_eq!(html.matches("<th>reps</th>").count(), 1, "{html}");
    assert!(
        html.contains(
            "title=\"5 batches per repetition, for at least 100 ms each: one batch took 24.1 ms in the warm-up; stopped after 2 repetitions: the median&#x27;s interval became narrow enough; median known to ±1.8 % (asked ±2 %), budget 10 s\">5×2 precise</td>"
        ),
        "{html}"
    );
    assert_eq!(md.matches(" reps |").count(), 1, "{md}");
    assert!(md.contains("| 5×2 precise |"), "{md}");
    let (html_ru, _) = report(&r, Lang::Ru);
    assert!(html_ru.contains(">5×2 точность</td>"), "{html_ru}");
    assert!(
        html_ru.contains("один прогон на разогреве занял 24,1 мс"),
        "{html_ru}"
    );
    // Not in the terminal table: it is wide enough.
    let text = bakeoff_reports::summary::render(&r);
    assert!(!text.contains("5×2"), "{text}");
}

#[test]
fn results_without_the_new_fields_render_as_before() {
    for name in ["cpu-small.json", "io-small.json", "pools-parent-mb.json"] {
        let r = fixture(name);
        // The noisy cases are exactly those `Summary.noisy` marks, and no
        // kind the new fields bring appears.
        let noisy: Vec<String> = of_kind(&r, WarningKind::Noisy)
            .into_iter()
            .map(|w| w.case)
            .collect();
        let marked: Vec<String> = r
            .cases
            .iter()
            .filter(|c| c.summary.as_ref().is_some_and(|s| s.noisy))
            .map(|c| c.id.clone())
            .collect();
        assert_eq!(noisy, marked, "{name}");
        assert!(of_kind(&r, WarningKind::Interference).is_empty(), "{name}");
        assert!(
            of_kind(&r, WarningKind::SpeedupAboveCores).is_empty(),
            "{name}"
        );
        let (html, md) = report(&r, Lang::En);
        assert!(!html.contains("<th>reps</th>"), "{name}");
        assert!(!html.contains("<th>steal</th>"), "{name}");
        assert!(!html.contains(" !</td>"), "{name}");
        assert!(!md.contains(" reps |"), "{name}");
        assert!(!md.contains("steal:"), "{name}");
        let text = bakeoff_reports::summary::render(&r);
        assert!(!text.contains("steal:"), "{name}");
        assert!(!text.contains(" !"), "{name}");
    }
}

#[test]
fn the_csv_appends_batches_interference_calibration_and_stop_reason() {
    let mut r = quiet();
    let at = case(&r, "primes", "rayon", 2);
    let header = bakeoff_reports::csv::header();
    assert_eq!(
        header[header.len() - 6..],
        [
            "batches",
            "steal",
            "others",
            "interfered",
            "calibration_batches",
            "stop_reason"
        ]
    );
    let rows = |r: &Results| {
        let mut bytes = Vec::new();
        bakeoff_reports::csv::write(r, &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .records()
            .map(|rec| {
                let rec = rec.unwrap();
                rec.iter()
                    .rev()
                    .take(7)
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    // Absent: 1 batch, the rest empty (reversed: stop_reason first).
    let before = rows(&r);
    assert!(before
        .iter()
        .all(|row| row[..6] == ["", "", "", "", "", "1"]));
    r.cases[at].calibration = Some(Calibration {
        target: Nanos(100_000_000),
        batch_wall: Nanos(24_100_000),
        batches: 5,
        inherited: false,
    });
    r.cases[at].stopping = Some(Stopping {
        reason: StopReason::MaxReps,
        precision_target: 0.02,
        precision: 0.03,
        budget: Nanos(10_000_000_000),
    });
    r.cases[at].repetitions[0].batches = Some(5);
    r.cases[at].repetitions[0].interference = Some(Interference {
        steal: 0.031,
        others: 0.25,
        runnable: 3,
        cpu_mhz: Some(2400.0),
        pressure: None,
        resolution: 0.02,
        flagged: true,
    });
    let after = rows(&r);
    let first = r.cases[..at]
        .iter()
        .map(|c| c.repetitions.len())
        .sum::<usize>();
    assert_eq!(
        after[first][..6],
        ["max_reps", "5", "true", "0.25", "0.031", "5"]
    );
    assert_eq!(after[first + 1][..6], ["max_reps", "5", "", "", "", "1"]);
}

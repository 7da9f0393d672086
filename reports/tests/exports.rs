//! results.csv and the tables of summary.md and the HTML report, from the
//! fixtures: one CSV group per case, per-case columns on every row, and a
//! column for every axis that varies within a table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bakeoff_reports::figures;
use bakeoff_reports::{
    render_sources, Axes, Axis, Lang, Nanos, RenderOptions, Results, ServerUsage, Source,
};

fn fixture(name: &str) -> Results {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    Results::read(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const FIXTURES: [&str; 3] = ["cpu-small.json", "io-small.json", "pools-parent-mb.json"];

/// The CSV of `r`, as rows of column → cell.
fn csv_rows(r: &Results) -> Vec<BTreeMap<String, String>> {
    let mut bytes = Vec::new();
    bakeoff_reports::csv::write(r, &mut bytes).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!(rec.len(), header.len());
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// `case_id`s per value of the `keys` columns.
fn groups(
    rows: &[BTreeMap<String, String>],
    keys: &[&str],
) -> BTreeMap<Vec<String>, BTreeSet<String>> {
    let mut out: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let key = keys.iter().map(|k| row[*k].clone()).collect();
        out.entry(key).or_default().insert(row["case_id"].clone());
    }
    out
}

#[test]
fn grouping_by_runner_label_gives_one_group_per_case() {
    // Regression: results.csv had no runner_label, and grouping by runner
    // and workload merged cases that differ in workers, tasks or `cpu`.
    for name in FIXTURES {
        let r = fixture(name);
        let rows = csv_rows(&r);
        for keys in [&["runner_label"][..], &["workload", "series_label"]] {
            let by_label = groups(&rows, keys);
            assert_eq!(
                by_label.len(),
                r.cases.len(),
                "{name} {keys:?}: {by_label:#?}"
            );
            assert!(by_label.values().all(|ids| ids.len() == 1), "{name}");
        }
        // The merge the issue describes, for contrast.
        let by_runner = groups(&rows, &["workload", "runner"]);
        assert!(
            by_runner.len() < r.cases.len(),
            "{name}: the fixture has no merge to undo"
        );
    }
}

#[test]
fn runner_labels_add_only_the_axes_that_vary_for_that_runner() {
    let labels = |name: &str, workload: &str| -> Vec<String> {
        let r = fixture(name);
        let all = bakeoff_reports::csv::series_labels(&r);
        r.cases
            .iter()
            .zip(all)
            .filter(|(c, _)| c.workload == workload)
            .map(|(_, l)| l)
            .collect()
    };
    // cpu-small has no runner_label in its cases (an older file): the
    // legend shows every parameter.
    assert_eq!(
        labels("cpu-small.json", "primes"),
        [
            "seq",
            "thread-pool workers=1",
            "thread-pool workers=2",
            "rayon workers=1",
            "rayon workers=2",
            "tokio-mt cpu=inline workers=1",
            "tokio-mt cpu=inline workers=2",
            "tokio-mt cpu=offload workers=1",
            "tokio-mt cpu=offload workers=2",
        ]
    );
    assert_eq!(
        labels("io-small.json", "sleep"),
        [
            "thread-per-task tasks=10",
            "tokio-mt cpu=inline tasks=10",
            "smol cpu=inline tasks=10",
            "thread-per-task tasks=100",
            "tokio-mt cpu=inline tasks=100",
            "smol cpu=inline tasks=100",
        ]
    );
    // The legend hides a parameter at its default; the labels still differ.
    assert_eq!(
        labels("pools-parent-mb.json", "noop")[..4],
        [
            "seq",
            "fork-pool",
            "fork-pool parent_mb=64",
            "fork-pool parent_mb=256"
        ]
    );
}

#[test]
fn per_case_columns_repeat_on_each_of_its_rows() {
    let r = fixture("cpu-small.json");
    let rows = csv_rows(&r);
    for c in &r.cases {
        let mine: Vec<_> = rows.iter().filter(|row| row["case_id"] == c.id).collect();
        assert_eq!(mine.len(), c.repetitions.len());
        for row in mine {
            assert_eq!(row["workload_kind"], "cpu");
            assert_eq!(
                row["speedup_vs_seq"].parse::<f64>().unwrap(),
                c.speedup_vs_seq.unwrap()
            );
            assert_eq!(row["noisy"], c.summary.as_ref().unwrap().noisy.to_string());
            assert_eq!(
                row["startup_s"].parse::<f64>().unwrap(),
                c.startup.unwrap().secs()
            );
            assert_eq!(row["server_requests"], "", "no embedded server");
            assert_eq!(row["loop_lag_p99_s"], "", "not loop-lag");
        }
    }
}

#[test]
fn loop_lag_percentiles_are_columns_in_seconds() {
    let r = fixture("io-small.json");
    let rows = csv_rows(&r);
    let mut checked = 0;
    for c in r.cases.iter().filter(|c| c.workload == "loop-lag") {
        let mine: Vec<_> = rows.iter().filter(|row| row["case_id"] == c.id).collect();
        for (row, rep) in mine.iter().zip(&c.repetitions) {
            let lag = rep.loop_lag.expect("the fixture's loop-lag cases have lag");
            for (column, want) in [
                ("loop_lag_p50_s", lag.p50),
                ("loop_lag_p90_s", lag.p90),
                ("loop_lag_p99_s", lag.p99),
                ("loop_lag_p999_s", lag.p999),
                ("loop_lag_max_s", lag.max),
            ] {
                assert_eq!(row[column].parse::<f64>().unwrap(), want.secs(), "{column}");
            }
            assert_eq!(row["workload_kind"], "io");
            checked += 1;
        }
    }
    assert!(checked >= 4);
}

#[test]
fn the_embedded_servers_share_is_in_every_row_of_its_case() {
    let mut r = fixture("io-small.json");
    let at = r
        .cases
        .iter()
        .position(|c| c.runner == "smol" && c.tasks == 100)
        .unwrap();
    let server = ServerUsage {
        kind: "echo".into(),
        requests: 300,
        connections: 300,
        cpu_user: Nanos(3_000_000),
        cpu_system: Nanos(12_000_000),
    };
    r.cases[at].server = Some(server);
    let cores = r.cases[at].server_cores().unwrap();
    let rows = csv_rows(&r);
    let mine: Vec<_> = rows
        .iter()
        .filter(|row| row["case_id"] == r.cases[at].id)
        .collect();
    assert_eq!(mine.len(), r.cases[at].repetitions.len());
    for row in mine {
        assert_eq!(row["server_kind"], "echo");
        assert_eq!(row["server_requests"], "300");
        assert_eq!(row["server_connections"], "300");
        assert_eq!(row["server_cpu_user_s"].parse::<f64>().unwrap(), 0.003);
        assert_eq!(row["server_cpu_system_s"].parse::<f64>().unwrap(), 0.012);
        // 15 ms of CPU over 300 requests.
        let per_request: f64 = row["server_cpu_per_request_s"].parse().unwrap();
        assert!((per_request - 50e-6).abs() < 1e-12, "{per_request}");
        assert_eq!(row["server_cores"].parse::<f64>().unwrap(), cores);
    }
}

#[test]
fn a_case_without_repetitions_keeps_its_case_columns_in_its_one_row() {
    let mut r = fixture("cpu-small.json");
    let c = &mut r.cases[3];
    c.repetitions.clear();
    c.summary = None;
    c.speedup_vs_seq = None;
    c.status = bakeoff_reports::CaseStatus::Failed;
    let id = c.id.clone();
    let rows = csv_rows(&r);
    let mine: Vec<_> = rows.iter().filter(|row| row["case_id"] == id).collect();
    assert_eq!(mine.len(), 1);
    let row = mine[0];
    assert_eq!(row["status"], "failed");
    assert_eq!(row["runner_label"], "rayon workers=1 workload=primes");
    assert_eq!(row["series_label"], "rayon workers=1");
    assert!(!row["startup_s"].is_empty(), "it got as far as starting");
    for empty in ["noisy", "speedup_vs_seq", "repetition", "wall_s", "digest"] {
        assert_eq!(row[empty], "", "{empty}");
    }
}

/// The group of `workload` in `r`.
fn group<'a>(r: &'a Results, workload: &str) -> figures::Group<'a> {
    figures::groups(r, "m0")
        .into_iter()
        .find(|g| g.workload == workload)
        .unwrap()
}

#[test]
fn the_axes_that_vary_within_a_group_are_its_columns() {
    let r = fixture("io-small.json");
    let sleep = Axes::of(&group(&r, "sleep").cases);
    // thread-per-task has no worker count, the runtimes two.
    assert_eq!(sleep.varying, [Axis::Workers, Axis::Tasks]);
    assert!(sleep
        .constant
        .contains(&(Axis::WorkloadParam("duration".into()), "5ms".into())));
    let lag = Axes::of(&group(&r, "loop-lag").cases);
    assert_eq!(
        lag.varying,
        [Axis::RunnerParam("cpu".into()), Axis::Workers]
    );
    let tokio_ct = group(&r, "loop-lag").cases[1];
    assert_eq!(lag.runner(tokio_ct), "tokio-ct", "cpu has its own column");
    assert_eq!(lag.values(tokio_ct), ["offload", "2"]);
    assert_eq!(lag.label(tokio_ct), "tokio-ct cpu=offload workers=2");

    // Where every case has the same worker count, it is stated once.
    let mut r = r;
    r.cases
        .retain(|c| c.workload == "sleep" && c.runner != "thread-per-task");
    let axes = Axes::of(&group(&r, "sleep").cases);
    assert_eq!(axes.varying, [Axis::Tasks]);
    assert_eq!(axes.common(Lang::En), "workers 2");
    assert_eq!(axes.common(Lang::Ru), "2 исполнителя");
}

#[test]
fn summary_md_and_the_html_tables_show_the_varying_axes() {
    // Regression: the sleep table had no tasks column, so its rows for 10
    // and 100 tasks looked the same.
    let mut r = fixture("io-small.json");
    let dir = tempfile::tempdir().unwrap();
    let render = |r: &Results, dir: &Path| {
        let src = Source {
            results: r.clone(),
            path: None,
        };
        let out = render_sources(&[src], dir, RenderOptions::default()).unwrap();
        (
            std::fs::read_to_string(out.summary).unwrap(),
            std::fs::read_to_string(out.index).unwrap(),
        )
    };
    let (md, html) = render(&r, dir.path());
    assert!(md.contains("| runner | workers | tasks | status |"), "{md}");
    assert!(md.contains("| tokio-mt cpu=inline | 2 | 10 | ok |"), "{md}");
    assert!(
        md.contains("| tokio-mt cpu=inline | 2 | 100 | ok |"),
        "{md}"
    );
    // A parameter's name and values are shown as written: code.
    assert!(md.contains("| runner | `cpu` | workers | status |"), "{md}");
    assert!(md.contains("| smol | `offload` | 2 | ok |"), "{md}");
    assert!(
        html.contains("<th>runner</th><th>workers</th><th>tasks</th><th>status</th>"),
        "no tasks column in the HTML sleep table"
    );
    assert!(
        html.contains("<th>runner</th><th><code>cpu</code></th><th>workers</th><th>status</th>")
    );
    assert!(html.contains("<td>tokio-ct</td><td><code>inline</code></td><td class=\"num\">—</td>"));
    assert!(!html.contains("Every case:"));

    // A constant axis moves above the table.
    r.cases
        .retain(|c| c.runner != "thread-per-task" && c.runner != "tokio-ct");
    let (md, html) = render(&r, dir.path());
    assert!(
        md.contains(
            "### sleep duration=5ms\n\nEvery case: workers 2.\n\n| runner | tasks | status |"
        ),
        "{md}"
    );
    assert!(html.contains("<p class=\"common\">Every case: workers 2.</p>"));
    assert!(html.contains("<th>runner</th><th>tasks</th><th>status</th>"));
}

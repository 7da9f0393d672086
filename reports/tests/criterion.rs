//! The "Primitives" section: criterion's saved estimates read back, drawn
//! and tabled. The fixture is a subset of a real `target/criterion` (only
//! `new/benchmark.json` and `new/estimates.json`, plus criterion's own
//! `report/` page, which must be skipped).

use std::path::{Path, PathBuf};

use bakeoff_reports::criterion::{self, Throughput};
use bakeoff_reports::figures::FigureKind;
use bakeoff_reports::{render_report, Lang, RenderOptions, ReportError};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion")
}

/// The median a fixture file holds, read independently of the crate.
fn median_ns(id: &str) -> f64 {
    let text = std::fs::read_to_string(fixture().join(id).join("new/estimates.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["median"]["point_estimate"].as_f64().unwrap()
}

#[test]
fn estimates_are_read_with_ids_throughput_and_medians() {
    let e = criterion::read_dir(&fixture()).unwrap();
    let ids: Vec<String> = e.iter().map(|e| e.id()).collect();
    assert_eq!(
        ids,
        [
            "channels/crossbeam-bounded1/1x1",
            "ipc_roundtrip/pipe/1B",
            "ipc_roundtrip/pipe/64KiB",
            "ipc_roundtrip/socketpair/1B",
            "ipc_roundtrip/socketpair/64KiB",
            "spawn/fork-wait",
            "spawn/std-thread",
            "spawn/tokio-ct",
        ]
    );
    let ch = &e[0];
    assert_eq!(ch.throughput, Some(Throughput::Elements(10_000)));
    let (per_op, (lo, hi)) = ch.per_op_secs();
    let want = median_ns("channels/crossbeam-bounded1/1x1") * 1e-9 / 10_000.0;
    assert!((per_op - want).abs() < want * 1e-9);
    assert!(lo <= per_op && per_op <= hi);
    let fork = e.iter().find(|e| e.function == "fork-wait").unwrap();
    assert_eq!(fork.value, None);
    assert!((fork.median_ns - median_ns("spawn/fork-wait")).abs() < 1e-6);
}

#[test]
fn each_group_is_a_bar_chart_coloured_by_family_or_split_by_parameter() {
    let e = criterion::read_dir(&fixture()).unwrap();
    let plots = criterion::plots(&e, Lang::En);
    let groups: Vec<&str> = plots.iter().map(|p| p.group.as_str()).collect();
    assert_eq!(groups, ["channels", "ipc_roundtrip", "spawn"]);
    for p in &plots {
        assert_eq!(p.kind, FigureKind::Primitives);
        assert!(p.title.contains(&p.group));
    }
    // A parameterised group: a series per message size, a bar per transport.
    let ipc = &plots[1];
    assert_eq!(ipc.categories, ["pipe", "socketpair"]);
    assert_eq!(
        ipc.describe().series,
        [("1B".to_string(), 2), ("64KiB".to_string(), 2)]
    );
    assert!(ipc.y_title.starts_with("time per iteration ("));
    // Without parameters: a series per model family.
    let spawn = &plots[2];
    assert_eq!(spawn.categories, ["fork-wait", "std-thread", "tokio-ct"]);
    let names: Vec<String> = spawn.describe().series.into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["processes", "threads", "async"]);
    // fork+wait costs decades more than a tokio task: a log axis.
    assert!(spawn.log_y);
    let f = spawn.finding.as_deref().unwrap();
    assert!(f.contains("tokio-ct") && f.contains("fork-wait"), "{f}");
    // Per element when the bench declared elements.
    assert!(plots[0].y_title.starts_with("time per operation ("));
}

#[test]
fn the_report_gains_a_primitives_section_with_figures_and_a_table() {
    let e = criterion::read_dir(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = render_report(&[], &e, dir.path(), RenderOptions::default()).unwrap();
    let html = std::fs::read_to_string(&out.index).unwrap();
    assert!(html.contains(r#"<h2 id="primitives">Primitives (<code>cargo bench</code>)</h2>"#));
    assert_eq!(html.matches("<figure id=\"criterion-").count(), 3);
    assert!(html.contains("<code>spawn&#x2f;fork-wait</code>"));
    for p in &out.plots {
        assert!(dir.path().join(format!("figures/{}.svg", p.id)).is_file());
        assert!(dir.path().join(format!("figures/{}.png", p.id)).is_file());
    }
}

#[test]
fn a_missing_or_empty_directory_says_to_run_cargo_bench() {
    let err = criterion::read_dir(Path::new("/nonexistent/criterion")).unwrap_err();
    assert!(matches!(err, ReportError::Criterion { .. }));
    assert!(err.to_string().contains("run `cargo bench` first"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = criterion::read_dir(empty.path()).unwrap_err();
    assert!(
        err.to_string().contains("holds no criterion estimates"),
        "{err}"
    );
}

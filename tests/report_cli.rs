//! `bakeoff report` and the report `bakeoff run` writes beside its results.

use std::path::Path;

use assert_cmd::Command;

fn bakeoff() -> Command {
    let mut c = Command::cargo_bin("bakeoff").unwrap();
    c.env_remove("BAKEOFF_ROLE");
    c.env_remove("BAKEOFF_REPORT_OUT");
    c
}

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reports/tests/fixtures/cpu-small.json"
    ))
}

#[test]
fn report_renders_from_a_results_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = bakeoff()
        .args(["report", fixture().to_str().unwrap(), "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let index = dir.path().join("index.html");
    assert_eq!(stdout.trim(), format!("report: {}", index.display()));
    assert!(index.is_file());
    assert!(dir.path().join("summary.md").is_file());
    let svgs = std::fs::read_dir(dir.path().join("figures"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "svg")
        .count();
    assert_eq!(svgs, 12, "6 figures for each of 2 workloads");
}

#[test]
fn report_on_another_schema_version_says_which_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("results.json");
    let text = std::fs::read_to_string(fixture()).unwrap().replacen(
        "bakeoff.results/1",
        "bakeoff.results/0",
        1,
    );
    std::fs::write(&old, text).unwrap();
    let out = bakeoff()
        .arg("report")
        .arg(&old)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains(
            "`bakeoff.results/0` is not supported; this bakeoff reads `bakeoff.results/1`"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("index.html").exists());
}

#[test]
fn run_writes_the_report_beside_results_and_prints_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = bakeoff()
        .args([
            "run",
            "--workload",
            "noop",
            "--runner",
            "seq,thread-pool",
            "--workers",
            "1",
            "--tasks",
            "50",
            "--reps",
            "2",
            "--warmup",
            "0",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let index = dir.path().join("index.html");
    assert!(
        stdout.contains(&format!("report: {}", index.display())),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&index).unwrap();
    assert!(html.contains("<a href=\"results.json\"><code>results.json</code></a>"));
    assert!(html.contains("<a href=\"results.csv\"><code>results.csv</code></a>"));
    assert!(dir.path().join("summary.md").is_file());
    assert!(dir.path().join("figures").is_dir());
}

#[test]
fn compare_prints_and_writes_markdown() {
    let fixture = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp.md");
    let assert = bakeoff()
        .args(["compare"])
        .arg(fixture)
        .arg(fixture)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    // Two repetitions a side: no interval reaches 95 %, so nothing is a
    // change.
    assert!(
        stdout.contains("18 cases: ")
            && stdout.contains("| inconclusive |")
            && !stdout.contains("| slower |")
            && !stdout.contains("| faster |"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("# bakeoff compare"), "{md}");
    // The JSON beside it, named after it.
    let json = std::fs::read_to_string(dir.path().join("cmp.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["summary"]["slower"], 0, "{json}");
    // A file of another schema version is refused in one line.
    let old = dir.path().join("old.json");
    let text = std::fs::read_to_string(fixture)
        .unwrap()
        .replace("bakeoff.results/1", "bakeoff.results/0");
    std::fs::write(&old, text).unwrap();
    let assert = bakeoff()
        .args(["compare"])
        .arg(&old)
        .arg(fixture)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("bakeoff.results/1") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
}

/// `results` with every measured case given 6 repetitions copied from
/// its first, about ±0.6 % apart, at `speed(id)` times its throughput
/// and over it its CPU time.
fn with_reps(results: &mut bakeoff::reports::Results, speed: impl Fn(&str) -> f64) {
    use bakeoff::reports::{CaseStatus, Nanos};
    for c in &mut results.cases {
        if c.status != CaseStatus::Ok {
            continue;
        }
        let k = speed(&c.id);
        let first = c.repetitions[0].clone();
        c.repetitions = (0..6)
            .map(|i| {
                let noise = 1.0 + 0.002 * (i as f64 - 2.5);
                let mut r = first.clone();
                r.throughput = first.throughput * k * noise;
                let cpu = |x: Nanos| Nanos((x.0 as f64 * noise / k).round() as u64);
                r.cpu_user = cpu(first.cpu_user);
                r.cpu_system = cpu(first.cpu_system);
                r
            })
            .collect();
    }
}

#[test]
fn compare_json_prints_only_the_json_and_writes_both() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = bakeoff::reports::Results::read(fixture()).unwrap();
    let victim = fixture.cases[0].id.clone();
    let mut base = fixture.clone();
    with_reps(&mut base, |_| 1.0);
    let mut new = fixture;
    with_reps(&mut new, |id| if id == victim { 0.5 } else { 1.0 });
    let (base_path, new_path) = (dir.path().join("base.json"), dir.path().join("new.json"));
    std::fs::write(&base_path, serde_json::to_string(&base).unwrap()).unwrap();
    std::fs::write(&new_path, serde_json::to_string(&new).unwrap()).unwrap();
    let out = bakeoff()
        .env_remove("BAKEOFF_COMPARE_OUT")
        .args(["compare", "--json"])
        .arg(&base_path)
        .arg(&new_path)
        .assert()
        .success()
        .get_output()
        .clone();
    // stdout is one JSON document and nothing else.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["threshold"], 0.05);
    let cases = json["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        for key in [
            "id", "metric", "primary", "base", "new", "change", "low", "high", "verdict", "p",
        ] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
        assert!(
            ["faster", "slower", "same", "inconclusive"].contains(&c["verdict"].as_str().unwrap()),
            "{c}"
        );
        assert!(
            ["throughput", "cpu_per_task", "latency_p99", "peak_rss"]
                .contains(&c["metric"].as_str().unwrap()),
            "{c}"
        );
    }
    let speed = |id: &str| {
        cases
            .iter()
            .find(|c| c["id"] == id && c["primary"] == true)
            .unwrap()
            .clone()
    };
    let slowed = speed(&victim);
    assert_eq!(
        (slowed["metric"].as_str(), slowed["verdict"].as_str()),
        (Some("cpu_per_task"), Some("slower")),
        "{slowed}"
    );
    assert_eq!(speed(&new.cases[1].id)["verdict"], "same");
    assert_eq!(json["summary"]["slower"], 1, "{json}");
    // Both files beside NEW.json.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("compare.json")).unwrap())
            .unwrap();
    assert_eq!(written, json);
    let md = std::fs::read_to_string(dir.path().join("compare.md")).unwrap();
    assert!(md.contains("| slower |"), "{md}");
}

#[test]
fn report_draws_course_slides_in_russian_and_rejects_unknown_looks() {
    let dir = tempfile::tempdir().unwrap();
    bakeoff()
        .arg("report")
        .arg(fixture())
        .args(["--style", "course", "--lang", "ru", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains(r#"<html lang="ru">"#));
    assert!(html.contains(r#"width="1920" height="1080""#));
    bakeoff()
        .arg("report")
        .arg(fixture())
        .args(["--style", "slide"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "unknown style `slide`; use screen or course",
        ));
    bakeoff()
        .arg("report")
        .arg(fixture())
        .args(["--lang", "de"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "unknown language `de`; use en or ru",
        ));
}

/// Regression: report and compare printed an IO or parse error's message
/// twice (`…(os error 30): …(os error 30)`): the error's text was both in
/// its message and its `source()`, and `{:#}` prints the chain.
#[test]
fn io_and_parse_errors_are_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{").unwrap();
    let good = dir.path().join("results.json");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reports/tests/fixtures/cpu-small.json"
        ),
        &good,
    )
    .unwrap();
    let not_a_dir = dir.path().join("bad.json").join("compare.md");
    let missing = dir.path().join("missing.json");
    let cases: [(Vec<&std::ffi::OsStr>, &str); 4] = [
        (
            vec!["report".as_ref(), missing.as_os_str()],
            "No such file or directory",
        ),
        (
            vec!["report".as_ref(), bad.as_os_str()],
            "EOF while parsing",
        ),
        (
            vec!["compare".as_ref(), bad.as_os_str(), good.as_os_str()],
            "EOF while parsing",
        ),
        (
            vec![
                "compare".as_ref(),
                good.as_os_str(),
                good.as_os_str(),
                "--out".as_ref(),
                not_a_dir.as_os_str(),
            ],
            "Not a directory",
        ),
    ];
    for (args, said) in cases {
        let out = assert_cmd::Command::cargo_bin("bakeoff")
            .unwrap()
            .env_remove("BAKEOFF_ROLE")
            .args(&args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.matches(said).count(), 1, "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn report_course_renders_the_deck_from_a_results_file_alone() {
    // A results file with none of the course's cases: every claim is
    // inconclusive, says which case is missing, and still has its
    // section and slide.
    let dir = tempfile::tempdir().unwrap();
    let out = bakeoff()
        .args([
            "report",
            fixture().to_str().unwrap(),
            "--course",
            "--lang",
            "ru",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let index = dir.path().join("index.html");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("deck: {}", index.display())
    );
    let verdicts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("verdicts.json")).unwrap())
            .unwrap();
    let claims = verdicts["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 9);
    for c in claims {
        assert_eq!(c["verdict"], "inconclusive", "{c}");
        let id = c["id"].as_str().unwrap();
        assert!(dir.path().join(format!("slides/{id}.png")).is_file());
        assert!(dir.path().join(format!("slides/{id}.svg")).is_file());
        let why = c["evidence"]["checks"][0]["why"].as_str().unwrap();
        assert!(why.contains("нет замер"), "{id}: {why}");
    }
    let html = std::fs::read_to_string(index).unwrap();
    assert!(html.contains("lang=\"ru\""));
}

#[test]
fn report_course_takes_one_results_file() {
    let f = fixture().to_str().unwrap();
    let out = bakeoff()
        .args(["report", f, f, "--course", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--course renders one run's deck"),
        "{stderr}"
    );
}

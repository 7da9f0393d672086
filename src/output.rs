//! Where results go, written so that nothing is ever half-written.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bakeoff_reports::Results;

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, then renamed over the target (the reports crate's writer, so
/// results and reports are written the same way).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(bakeoff_reports::render::write_atomic(path, bytes)?)
}

/// Writes results.json and results.csv into `dir`.
pub fn write_results(dir: &Path, results: &Results) -> Result<()> {
    let json = serde_json::to_vec_pretty(results).expect("results serialise");
    write_atomic(&dir.join("results.json"), &json)?;
    let mut csv = Vec::new();
    bakeoff_reports::csv::write(results, &mut csv)?;
    write_atomic(&dir.join("results.csv"), &csv)
}

/// The default root for runs: `$CARGO_TARGET_DIR/bakeoff` or `target/bakeoff`.
pub fn default_root() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("bakeoff")
}

/// What a run writes into its directory: removed by `--force` before a
/// run replaces the one there, so that nothing of the old run is left
/// beside the new one (a stale figure, a summary of other cases).
pub const RUN_FILES: &[&str] = &[
    "results.json",
    "results.csv",
    "index.html",
    "summary.md",
    "compare.md",
    "compare.json",
    "figures",
];

/// The measured results `dir` already holds, if any: the file that says
/// so, for a message.
pub fn existing_results(dir: &Path) -> Option<PathBuf> {
    ["results.json", "results.csv"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
}

/// What `path` (a results.json) says about itself in one phrase: its
/// suite, case count and start time, when it parses.
fn describe(path: &Path) -> String {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map(|r| {
            format!(
                " (suite {}, {} cases, started {})",
                r["suite"].as_str().unwrap_or("?"),
                r["cases"].as_array().map_or(0, Vec::len),
                r["started_at"].as_str().unwrap_or("?")
            )
        })
        .unwrap_or_default()
}

/// Refuses to write into `dir` when it holds measured results, unless
/// `force`, in which case the run's own files ([`RUN_FILES`]) are removed
/// first and nothing else is touched. `flag` is the option that chose it.
pub fn claim_dir(dir: &Path, force: bool, flag: &str) -> Result<()> {
    let Some(found) = existing_results(dir) else {
        return Ok(());
    };
    if !force {
        anyhow::bail!(
            "{flag} {} already holds measured results ({}{}): choose a new directory, or pass --force to replace that run whole",
            dir.display(),
            found.display(),
            describe(&dir.join("results.json"))
        );
    }
    for name in RUN_FILES {
        let path = dir.join(name);
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("--force cannot remove {}", path.display()))
            }
        }
    }
    Ok(())
}

/// Whether a run may write into `--out` `dir`, changing nothing: the
/// refusals of [`prepare_dir`], for a command line to give before it
/// prints anything else.
pub fn check_out_dir(dir: &Path, force: bool) -> Result<()> {
    if dir.is_file() {
        anyhow::bail!(
            "--out {} is a file, not a directory: name a directory for the run's results, e.g. --out runs/today",
            dir.display()
        );
    }
    match existing_results(dir) {
        Some(_) if !force => claim_dir(dir, false, "--out"),
        _ => Ok(()),
    }
}

/// Creates (and proves writable) the directory for this run: `--out` as
/// given, or a new `runs/<timestamp>` under the default root. A given
/// directory that already holds results is refused unless `force` (see
/// [`claim_dir`]): measured results are never overwritten silently.
pub fn prepare_dir(out: Option<&Path>, force: bool) -> Result<PathBuf> {
    if let Some(d) = out {
        check_out_dir(d, force)?;
        claim_dir(d, force, "--out")?;
    }
    let dir = match out {
        Some(d) => d.to_path_buf(),
        None => {
            let stamp = chrono::Utc::now().format("%Y-%m-%dT%H-%M-%SZ").to_string();
            let runs = default_root().join("runs");
            let mut dir = runs.join(&stamp);
            let mut n = 2;
            while dir.exists() {
                dir = runs.join(format!("{stamp}-{n}"));
                n += 1;
            }
            dir
        }
    };
    let fix = "choose a writable directory with --out DIR";
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create output directory {}; {fix}", dir.display()))?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("output directory {} is not writable; {fix}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(dir)
}

/// Points `<root>/latest` at `dir` (a relative symlink, replaced atomically).
pub fn update_latest(dir: &Path) -> Result<()> {
    let root = default_root();
    let Ok(rel) = dir.strip_prefix(&root) else {
        return Ok(());
    };
    let link = root.join("latest");
    let tmp = root.join(format!(".latest.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(rel, &tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    std::fs::rename(&tmp, &link).with_context(|| format!("cannot update {}", link.display()))?;
    Ok(())
}

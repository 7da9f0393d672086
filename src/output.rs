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

/// Creates (and proves writable) the directory for this run: `--out` as
/// given, or a new `runs/<timestamp>` under the default root.
pub fn prepare_dir(out: Option<&Path>) -> Result<PathBuf> {
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

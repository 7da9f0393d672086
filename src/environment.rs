//! What machine a run measured: CPU, memory, kernel, limits, versions.

use std::collections::{BTreeMap, BTreeSet};

use bakeoff_os::{soft_limit_raw, Resource, Sysctl};
use bakeoff_reports::{Bytes, Environment};

/// The crates whose versions a results file records: the runtimes under
/// test and the pieces of them that decide their behaviour.
const RECORDED_CRATES: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "rayon",
    "rayon-core",
    "crossbeam-utils",
    "async-executor",
    "async-io",
    "blocking",
];

/// Versions of [`RECORDED_CRATES`] compiled into the running program: read
/// from the program file itself, which names every crate it was built
/// from in its source paths (`…/tokio-1.48.0/src/…`, kept by panic
/// locations whatever `strip` or `trim-paths` say). So a program that
/// embeds bakeoff records the versions its own build resolved, not those
/// of bakeoff's lock file. A crate the file does not name (not compiled
/// in, or vendored without versions in its folder names) is not recorded;
/// several versions of one crate are listed with commas.
fn crate_versions() -> BTreeMap<String, String> {
    let program = std::env::current_exe()
        .and_then(std::fs::read)
        .unwrap_or_default();
    versions_in(&program, RECORDED_CRATES)
}

/// `name-version` path components followed by `/src/` in `bytes`, for the
/// names in `wanted`.
fn versions_in(bytes: &[u8], wanted: &[&str]) -> BTreeMap<String, String> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for at in memchr::memmem::find_iter(bytes, b"/src/") {
        // The path component before `/src/`.
        let component = bytes[..at]
            .iter()
            .rev()
            .take(96)
            .take_while(|&&b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b))
            .count();
        let Ok(component) = std::str::from_utf8(&bytes[at - component..at]) else {
            continue;
        };
        let Some((name, version)) = split_name_version(component) else {
            continue;
        };
        if wanted.contains(&name) {
            found
                .entry(name.to_string())
                .or_default()
                .insert(version.to_string());
        }
    }
    found
        .into_iter()
        .map(|(name, versions)| (name, versions.into_iter().collect::<Vec<_>>().join(", ")))
        .collect()
}

/// `tokio-1.48.0` → (`tokio`, `1.48.0`); `async-std-1.13.2-rc.1` →
/// (`async-std`, `1.13.2-rc.1`): the name ends at the first `-` that a
/// `MAJOR.MINOR.PATCH` version follows.
fn split_name_version(component: &str) -> Option<(&str, &str)> {
    component.match_indices('-').find_map(|(i, _)| {
        let version = &component[i + 1..];
        let core = version.split(['-', '+']).next()?;
        let parts: Vec<&str> = core.split('.').collect();
        (parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        .then(|| (&component[..i], version))
    })
}

/// The nearest folder above `exe` that holds a `Cargo.toml`: the package
/// or workspace the program was built in.
fn program_root(exe: &std::path::Path) -> Option<&std::path::Path> {
    exe.ancestors()
        .skip(1)
        .find(|d| d.join("Cargo.toml").is_file())
}

/// The commit of the running program's own checkout, where it has one:
/// the git work tree around the nearest folder above the executable that
/// holds a `Cargo.toml` (`…/proj/target/release/prog` → `…/proj`). For the
/// `bakeoff` binary that is bakeoff's checkout; for a program that embeds
/// bakeoff, that program's, not bakeoff's. `None` for an installed binary
/// (`~/.cargo/bin`) or a checkout without git.
fn git_commit() -> Option<String> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let root = program_root(&exe)?;
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Reads the environment now.
pub fn collect() -> Environment {
    let cpu = bakeoff_os::Cpu::now();
    let cpu_model = cpu.model.unwrap_or_else(|| "unknown".into());
    let logical = crate::plan::default_workers() as u32;
    let memory = bakeoff_os::meminfo(bakeoff_os::MemField::Total).unwrap_or(0);
    let load = bakeoff_os::LoadAverage::now();
    Environment {
        hostname: Sysctl::Hostname.read().unwrap_or_default(),
        cpu_model,
        logical_cores: logical,
        physical_cores: if cpu.physical_cores == 0 {
            logical
        } else {
            cpu.physical_cores as u32
        },
        memory: Bytes(memory),
        kernel: format!(
            "{} {}",
            Sysctl::OsType
                .read()
                .unwrap_or_else(|| std::env::consts::OS.into()),
            Sysctl::OsRelease.read().unwrap_or_default()
        ),
        rustc: env!("BAKEOFF_RUSTC").to_string(),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_string(),
        crates: crate_versions(),
        open_files_limit: soft_limit_raw(Resource::RLIMIT_NOFILE),
        process_limit: soft_limit_raw(Resource::RLIMIT_NPROC),
        max_map_count: Sysctl::MaxMapCount.number(),
        threads_max: Sysctl::ThreadsMax.number(),
        load_average: load.averages,
        git_commit: git_commit(),
        command_line: std::env::args().collect(),
        python: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_source_paths_in_the_program() {
        let bytes = b"\0/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tokio-1.48.0/src/runtime/mod.rs\0\
            tokio-1.48.0/src/net.rs\0/r/async-std-1.13.2/src/task.rs\0/v/rayon-core-1.13.0-rc.1/src/lib.rs\0\
            /x/crossbeam-utils-0.8.20/src/a.rs\0/x/crossbeam-utils-0.8.21/src/a.rs\0\
            /x/not-tokio-1.0.0/src/a.rs\0/x/tokio/src/b.rs\0/x/smol-2.0/src/c.rs\0";
        let v = versions_in(bytes, RECORDED_CRATES);
        assert_eq!(v["tokio"], "1.48.0");
        assert_eq!(v["async-std"], "1.13.2");
        assert_eq!(v["rayon-core"], "1.13.0-rc.1");
        assert_eq!(v["crossbeam-utils"], "0.8.20, 0.8.21");
        // A folder without a whole version names no version.
        assert!(!v.contains_key("smol"), "{v:?}");
        assert_eq!(v.len(), 4, "{v:?}");
    }

    #[test]
    fn the_program_root_is_the_package_it_was_built_in_not_bakeoffs() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("my-bench");
        let exe = mine.join("target/release/examples/my-bench");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(mine.join("Cargo.toml"), "[package]").unwrap();
        assert_eq!(program_root(&exe), Some(mine.as_path()));
        // An installed binary has no package around it.
        let installed = dir.path().join(".cargo/bin/my-bench");
        assert_eq!(program_root(&installed), None);
    }

    #[test]
    fn this_test_binary_names_the_runtimes_it_was_built_with() {
        // The test binary links bakeoff-runners, so tokio is compiled in,
        // at the version this workspace's lock file resolved (beside the
        // made-up ones of the test above, whose strings are in it too).
        let lock = include_str!("../Cargo.lock");
        let locked = lock
            .split("[[package]]")
            .find(|p| p.contains("\nname = \"tokio\"\n"))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
            .map(|v| v.trim_matches('"'))
            .expect("tokio is in Cargo.lock");
        let v = crate_versions();
        let tokio = v.get("tokio").expect("tokio is compiled into the tests");
        assert!(
            tokio.split(", ").any(|t| t == locked),
            "{tokio} lacks {locked}"
        );
    }
}

//! What machine a run measured: CPU, memory, kernel, limits, versions.

use std::collections::{BTreeMap, BTreeSet};

use bakeoff_reports::{Bytes, Environment};

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn read_u64(path: &str) -> Option<u64> {
    read(path)?.parse().ok()
}

fn rlimit(resource: libc::__rlimit_resource_t) -> Option<u64> {
    // SAFETY: getrlimit only writes the struct we pass.
    let mut r: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(resource, &mut r) } != 0 {
        return None;
    }
    Some(r.rlim_cur)
}

/// Versions of the runtimes under test, from the lock file bakeoff was built with.
fn crate_versions() -> BTreeMap<String, String> {
    let lock = include_str!("../Cargo.lock");
    let wanted = [
        "tokio",
        "async-std",
        "smol",
        "rayon",
        "crossbeam-utils",
        "async-executor",
        "blocking",
    ];
    let mut out = BTreeMap::new();
    let mut name: Option<&str> = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"'));
        } else if let (Some(n), Some(v)) = (name, line.strip_prefix("version = ")) {
            if wanted.contains(&n) {
                out.insert(n.to_string(), v.trim_matches('"').to_string());
            }
            name = None;
        }
    }
    out
}

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Reads the environment now.
pub fn collect() -> Environment {
    let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let logical = crate::plan::default_workers() as u32;
    let mut cores = BTreeSet::new();
    let (mut phys, mut core) = ("", "");
    for line in cpuinfo.lines() {
        let value = line.split(':').nth(1).map(str::trim).unwrap_or("");
        if line.starts_with("physical id") {
            phys = value;
        } else if line.starts_with("core id") {
            core = value;
            cores.insert((phys.to_string(), core.to_string()));
        }
    }
    let _ = core;
    let memory = read("/proc/meminfo")
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0);
    let load: Vec<f64> = read("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    Environment {
        hostname: read("/proc/sys/kernel/hostname").unwrap_or_default(),
        cpu_model,
        logical_cores: logical,
        physical_cores: if cores.is_empty() {
            logical
        } else {
            cores.len() as u32
        },
        memory: Bytes(memory),
        kernel: format!(
            "{} {}",
            read("/proc/sys/kernel/ostype").unwrap_or_else(|| std::env::consts::OS.into()),
            read("/proc/sys/kernel/osrelease").unwrap_or_default()
        ),
        rustc: env!("BAKEOFF_RUSTC").to_string(),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_string(),
        crates: crate_versions(),
        open_files_limit: rlimit(libc::RLIMIT_NOFILE),
        process_limit: rlimit(libc::RLIMIT_NPROC),
        max_map_count: read_u64("/proc/sys/vm/max_map_count"),
        threads_max: read_u64("/proc/sys/kernel/threads-max"),
        load_average: [
            load.first().copied().unwrap_or(0.0),
            load.get(1).copied().unwrap_or(0.0),
            load.get(2).copied().unwrap_or(0.0),
        ],
        git_commit: git_commit(),
        command_line: std::env::args().collect(),
    }
}

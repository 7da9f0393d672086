//! Finding the Python interpreter the `py-*` runners use, asking it what
//! it is, and writing bakeoff's Python module where it can import it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use bakeoff_workloads::ParamSpec;
use serde::{Deserialize, Serialize};

/// The environment variable naming the interpreter (`BAKEOFF_PYTHON=/usr/bin/pypy3`).
pub const PYTHON_ENV: &str = "BAKEOFF_PYTHON";

/// The interpreter a case asks for; `auto` is [`PYTHON_ENV`], else
/// `python3` on PATH.
pub(crate) const PYTHON_PARAM: ParamSpec = ParamSpec {
    name: "python",
    default: "auto",
    help: "the interpreter: `auto` ($BAKEOFF_PYTHON, else python3 on PATH) or a path (PyPy, a free-threaded build)",
};

/// The oldest Python the module is written for.
const OLDEST: (u32, u32) = (3, 8);

/// bakeoff's Python side, compiled into the binary: the models, and the
/// workloads' Python forms.
pub(crate) const SOURCES: [(&str, &str); 2] = [
    (
        "bakeoff_runner.py",
        include_str!("../../python/bakeoff_runner.py"),
    ),
    (
        "bakeoff_workloads.py",
        include_str!("../../python/bakeoff_workloads.py"),
    ),
];

/// What an interpreter says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonInfo {
    /// `sys.executable`.
    pub path: String,
    /// `sys.implementation.name` (`cpython`, `pypy`).
    pub implementation: String,
    /// `platform.python_version()`.
    pub version: String,
    /// `sys._is_gil_enabled()` where it exists; `true` otherwise.
    pub gil_enabled: bool,
}

/// What `-c` prints: the same dictionary `bakeoff_runner.describe` sends,
/// and the version as numbers, to check against [`OLDEST`].
const DESCRIBE: &str = "import json, platform, sys\n\
g = getattr(sys, '_is_gil_enabled', None)\n\
print(json.dumps({'path': sys.executable, 'implementation': sys.implementation.name, \
'version': platform.python_version(), 'gil_enabled': bool(g()) if g else True, \
'major': sys.version_info[0], 'minor': sys.version_info[1]}))";

#[derive(Deserialize)]
struct Described {
    #[serde(flatten)]
    info: PythonInfo,
    major: u32,
    minor: u32,
}

/// The interpreter the `python` parameter names: a path as given, or for
/// `auto`, [`PYTHON_ENV`] when set, else the first `python3` on PATH.
/// An error says where it looked and how to name one.
pub(crate) fn locate(param: &str) -> Result<PathBuf, String> {
    let (named, how) = match param {
        "auto" => match std::env::var_os(PYTHON_ENV) {
            Some(v) if !v.is_empty() => (PathBuf::from(v), PYTHON_ENV.to_string()),
            _ => {
                return on_path("python3").ok_or_else(|| {
                    format!("no Python interpreter: python3 is not on PATH; install it, or name one with {PYTHON_ENV}=PATH or --set python=PATH")
                })
            }
        },
        path => (PathBuf::from(path), "python=".to_string()),
    };
    let found = if named.components().count() == 1 {
        on_path(&named.to_string_lossy())
    } else {
        Some(named.clone())
    };
    match found {
        Some(p) if is_executable(&p) => Ok(p),
        _ => Err(format!(
            "no Python interpreter at `{}` ({how}); name an executable python, e.g. {PYTHON_ENV}=/usr/bin/python3",
            named.display()
        )),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The interpreter at `path`, described by itself; asked once per path
/// per process. An error is one line: it would not start, or it is older
/// than Python 3.8.
pub(crate) fn describe(path: &Path) -> Result<PythonInfo, String> {
    static SEEN: OnceLock<Mutex<BTreeMap<PathBuf, Result<PythonInfo, String>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(known) = seen.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return known.clone();
    }
    let answer = ask(path);
    seen.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_path_buf(), answer.clone());
    answer
}

fn ask(path: &Path) -> Result<PythonInfo, String> {
    let shown = path.display();
    let out = Command::new(path)
        .args(["-E", "-s", "-c", DESCRIBE])
        .output()
        .map_err(|e| format!("cannot start the Python interpreter `{shown}`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim();
        return Err(format!(
            "the Python interpreter `{shown}` failed to describe itself ({}): {last}",
            out.status
        ));
    }
    let d: Described = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "the Python interpreter `{shown}` answered something else than its description: {e}"
        )
    })?;
    if (d.major, d.minor) < OLDEST {
        return Err(format!(
            "`{shown}` is Python {}; the py-* runners need {}.{} or later: name one with {PYTHON_ENV}=PATH or --set python=PATH",
            d.info.version, OLDEST.0, OLDEST.1
        ));
    }
    Ok(d.info)
}

/// The interpreter `param` names, found and described, or why not.
pub(crate) fn find(param: &str) -> Result<(PathBuf, PythonInfo), String> {
    let path = locate(param)?;
    let info = describe(&path)?;
    Ok((path, info))
}

/// The interpreter a `python` parameter (`auto`, or a path) names here,
/// described; or why there is none (for the environment block of a run).
pub fn interpreter(python: &str) -> Result<PythonInfo, String> {
    find(python).map(|(_, info)| info)
}

/// Where bakeoff's Python module is written: `$XDG_CACHE_HOME/bakeoff`,
/// else `~/.cache/bakeoff`, else the temporary directory; one folder per
/// version of the sources, so two builds never share a copy.
fn cache_root() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("bakeoff")
}

/// The folder holding this build's copy of the Python module, written if
/// it is not there yet (atomically: each file is written beside its name
/// and renamed, so a concurrent run never imports half a file).
pub(crate) fn module_dir() -> Result<PathBuf, String> {
    let mut h = 0u64;
    for (name, text) in SOURCES {
        for b in name.bytes().chain(text.bytes()) {
            h = bakeoff_workloads::mix64(h ^ u64::from(b));
        }
    }
    let roots = [cache_root(), std::env::temp_dir().join("bakeoff-cache")];
    let mut errors = Vec::new();
    for root in roots {
        let dir = root.join(format!("python-{h:016x}"));
        match write_sources(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    Err(format!(
        "cannot write bakeoff's Python module ({}); set XDG_CACHE_HOME to a writable folder",
        errors.join("; ")
    ))
}

fn write_sources(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in SOURCES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|have| have == text.as_bytes()) {
            continue;
        }
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.persist(&path).map_err(|e| e.error)?;
    }
    Ok(())
}

//! Reading criterion's saved estimates (`target/criterion`) for the
//! report's "Primitives" section: what `cargo bench` measured, drawn in
//! the same palette and style as the other figures.
//!
//! Criterion keeps, per benchmark, `<dir>/<group>/<function>[/<value>]/new/`
//! with `benchmark.json` (its ids and throughput) and `estimates.json`
//! (bootstrap estimates in nanoseconds per iteration); only those two files
//! are read, so the section works with any criterion that writes them.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::figures::{family_colour, FigureKind, Fill, Mark, Plot, Point, Series};
use crate::format::local::{number as format_number, time_unit};
use crate::{Family, Lang, ReportError};

/// One benchmark's median, as criterion estimated it.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Criterion's group (`spawn`, `ipc_roundtrip`).
    pub group: String,
    /// The function within the group (`std-thread`, `pipe`).
    pub function: String,
    /// The parameter, when the bench has one (`1B`, `4x4`).
    pub value: Option<String>,
    /// Median time per iteration, in nanoseconds.
    pub median_ns: f64,
    /// 95 % confidence interval of that median, in nanoseconds.
    pub ci95_ns: (f64, f64),
    /// Elements or bytes one iteration handles, when the bench said so.
    pub throughput: Option<Throughput>,
}

/// What one iteration of a bench handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Throughput {
    /// Elements (messages, tasks, operations).
    Elements(u64),
    /// Bytes.
    Bytes(u64),
    /// Bytes, reported in decimal units.
    BytesDecimal(u64),
    /// Elements and bytes.
    ElementsAndBytes {
        /// Elements.
        elements: u64,
        /// Bytes.
        bytes: u64,
    },
}

impl Estimate {
    /// `group/function[/value]`, as criterion names it.
    pub fn id(&self) -> String {
        match &self.value {
            Some(v) => format!("{}/{}/{v}", self.group, self.function),
            None => format!("{}/{}", self.group, self.function),
        }
    }

    /// Elements per iteration (1 when the bench set none or set bytes):
    /// the divisor that turns time per iteration into time per operation.
    pub fn elements(&self) -> u64 {
        match self.throughput {
            Some(Throughput::Elements(n)) => n.max(1),
            Some(Throughput::ElementsAndBytes { elements, .. }) => elements.max(1),
            _ => 1,
        }
    }

    /// Median and interval per operation (per element), in seconds.
    pub fn per_op_secs(&self) -> (f64, (f64, f64)) {
        let k = 1e-9 / self.elements() as f64;
        (self.median_ns * k, (self.ci95_ns.0 * k, self.ci95_ns.1 * k))
    }

    /// Bytes per second at the median, for byte-throughput benches.
    pub fn bytes_per_sec(&self) -> Option<f64> {
        match self.throughput? {
            Throughput::Bytes(b)
            | Throughput::BytesDecimal(b)
            | Throughput::ElementsAndBytes { bytes: b, .. } => {
                Some(b as f64 / (self.median_ns * 1e-9))
            }
            Throughput::Elements(_) => None,
        }
    }
}

#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<Throughput>,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct Point95 {
    confidence_interval: Interval,
    point_estimate: f64,
}

#[derive(Deserialize)]
struct EstimatesJson {
    median: Point95,
}

/// Reads every benchmark under `dir` (criterion's output directory,
/// usually `target/criterion`), sorted by group, then in directory order.
pub fn read_dir(dir: &Path) -> Result<Vec<Estimate>, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::Criterion {
            path: dir.to_path_buf(),
            message:
                "no such directory; run `cargo bench` first (criterion writes target/criterion)"
                    .into(),
        });
    }
    let mut found = Vec::new();
    collect(dir, &mut found)?;
    if found.is_empty() {
        return Err(ReportError::Criterion {
            path: dir.to_path_buf(),
            message:
                "holds no criterion estimates (no */new/estimates.json); run `cargo bench` first"
                    .into(),
        });
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, dir)| read_one(&dir)).collect()
}

/// Directories holding `benchmark.json` and `estimates.json`, found below
/// `dir` (criterion's own `report` pages are skipped).
fn collect(dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: dir.to_path_buf(),
        error: source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "new" {
            if p.join("estimates.json").is_file() && p.join("benchmark.json").is_file() {
                out.push((dir.to_path_buf(), p));
            }
        } else if name != "report" && name != "base" && name != "change" {
            collect(&p, out)?;
        }
    }
    Ok(())
}

fn read_one(new_dir: &Path) -> Result<Estimate, ReportError> {
    fn load<T: serde::de::DeserializeOwned>(path: PathBuf) -> Result<T, ReportError> {
        let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Io {
            path: path.clone(),
            error: source,
        })?;
        serde_json::from_str(&text).map_err(|e| ReportError::Criterion {
            path,
            message: format!("not a criterion file this bakeoff reads: {e}"),
        })
    }
    let b: BenchmarkJson = load(new_dir.join("benchmark.json"))?;
    let e: EstimatesJson = load(new_dir.join("estimates.json"))?;
    Ok(Estimate {
        function: b.function_id.unwrap_or_else(|| b.group_id.clone()),
        group: b.group_id,
        value: b.value_str,
        median_ns: e.median.point_estimate,
        ci95_ns: (
            e.median.confidence_interval.lower_bound,
            e.median.confidence_interval.upper_bound,
        ),
        throughput: b.throughput,
    })
}

/// The model family a bench id belongs to, for its colour: processes
/// (fork, spawn, pipes, sockets, shared memory between processes), async
/// (tokio, async-std, smol, async channels) or threads (everything in one
/// process); the baseline when nothing matches.
pub fn family_of(group: &str, function: &str) -> Family {
    let id = format!("{group}/{function}").to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| id.contains(w));
    if any(&["tokio", "async", "smol"]) {
        Family::Async
    } else if any(&[
        "fork",
        "spawn-pool",
        "posix-spawn",
        "process",
        "ipc",
        "pipe",
        "socket",
        "fifo",
        "tcp",
        "mqueue",
        "signal",
        "shm",
        "mmap",
        "manager",
        "shared_state",
        "roundtrip",
    ]) {
        Family::Processes
    } else if any(&[
        "thread",
        "rayon",
        "mutex",
        "rwlock",
        "condvar",
        "barrier",
        "atomic",
        "semaphore",
        "crossbeam",
        "flume",
        "mpsc",
        "channel",
        "sync",
        "spawn",
    ]) {
        Family::Threads
    } else {
        Family::Baseline
    }
}

/// One bar chart per criterion group: a bar per function (and, when the
/// group's benches take a parameter, a series per parameter value), the
/// median time per operation with its 95 % interval.
pub fn plots(estimates: &[Estimate], lang: Lang) -> Vec<Plot> {
    let mut groups: Vec<&str> = Vec::new();
    for e in estimates {
        if !groups.contains(&e.group.as_str()) {
            groups.push(&e.group);
        }
    }
    groups
        .iter()
        .enumerate()
        .map(|(gi, group)| {
            let rows: Vec<&Estimate> = estimates.iter().filter(|e| e.group == *group).collect();
            group_plot(gi, group, &rows, lang)
        })
        .collect()
}

fn group_plot(index: usize, group: &str, rows: &[&Estimate], lang: Lang) -> Plot {
    let mut functions: Vec<&str> = Vec::new();
    let mut values: Vec<Option<&str>> = Vec::new();
    for e in rows {
        if !functions.contains(&e.function.as_str()) {
            functions.push(&e.function);
        }
        if !values.contains(&e.value.as_deref()) {
            values.push(e.value.as_deref());
        }
    }
    let longest = rows.iter().map(|e| e.per_op_secs().0).fold(0.0, f64::max);
    let (unit, per) = time_unit(longest, lang);
    let per_element = rows.iter().any(|e| e.elements() > 1);
    let point = |e: &Estimate, x: usize| {
        let (m, (lo, hi)) = e.per_op_secs();
        Point {
            x: x as f64,
            y: m / per,
            ci95: Some((lo / per, hi / per)),
        }
    };
    let series: Vec<Series> = if values.len() > 1 || values[0].is_some() {
        // A series per parameter value, coloured as the group's family.
        let family = family_of(group, "");
        values
            .iter()
            .enumerate()
            .map(|(vi, v)| Series {
                name: v.unwrap_or("—").to_string(),
                family: Some(family),
                colour: family_colour(family, vi),
                fill: Fill::Solid,
                dashed: false,
                horizontal: false,
                points: rows
                    .iter()
                    .filter(|e| e.value.as_deref() == *v)
                    .filter_map(|e| {
                        let x = functions.iter().position(|f| *f == e.function)?;
                        Some(point(e, x))
                    })
                    .collect(),
            })
            .collect()
    } else {
        // A series per model family, each bar at its function.
        let mut out: Vec<Series> = Vec::new();
        for (x, f) in functions.iter().enumerate() {
            let Some(e) = rows.iter().find(|e| e.function == *f) else {
                continue;
            };
            let family = family_of(group, f);
            let name = match family {
                Family::Processes => lang.pick("processes", "процессы"),
                Family::Async => lang.pick("async", "асинхронные"),
                Family::Threads => lang.pick("threads", "потоки"),
                Family::Baseline => lang.pick("other", "прочее"),
                Family::Cpython => "CPython",
            };
            match out.iter_mut().find(|s| s.family == Some(family)) {
                Some(s) => s.points.push(point(e, x)),
                None => out.push(Series {
                    name: name.to_string(),
                    family: Some(family),
                    colour: family_colour(family, 0),
                    fill: Fill::Solid,
                    dashed: false,
                    horizontal: false,
                    points: vec![point(e, x)],
                }),
            }
        }
        out
    };
    let what = if per_element {
        lang.pick("time per operation", "время на операцию")
    } else {
        lang.pick("time per iteration", "время на итерацию")
    };
    let fastest = rows
        .iter()
        .min_by(|a, b| a.per_op_secs().0.total_cmp(&b.per_op_secs().0));
    let slowest = rows
        .iter()
        .max_by(|a, b| a.per_op_secs().0.total_cmp(&b.per_op_secs().0));
    let finding = match (fastest, slowest) {
        (Some(f), Some(s)) if f.id() != s.id() => {
            let name = |e: &Estimate| match &e.value {
                Some(v) => format!("{} {v}", e.function),
                None => e.function.clone(),
            };
            let t =
                |e: &Estimate| format!("{} {unit}", format_number(e.per_op_secs().0 / per, lang));
            Some(lang.pick(
                format!(
                    "{}: {} for {}, {} for {}",
                    group,
                    t(f),
                    name(f),
                    t(s),
                    name(s)
                ),
                format!("{}: {} у {}, {} у {}", group, t(f), name(f), t(s), name(s)),
            ))
        }
        _ => None,
    };
    let mut p = Plot {
        kind: FigureKind::Primitives,
        id: format!("criterion-{index}-{}", slug(group)),
        group: group.to_string(),
        title: lang.pick(
            format!("cargo bench: {group}"),
            format!("cargo bench: {group}"),
        ),
        finding,
        caption: lang.pick(
            format!("Criterion's median {what} for each bench of the `{group}` group, with the 95 % interval of the median; the colour is the model family."),
            format!("Медиана criterion ({what}) для каждого замера группы `{group}`, с 95 % интервалом медианы; цвет — семейство модели."),
        ),
        x_title: lang.pick("bench", "замер").to_string(),
        y_title: format!("{what} ({unit})"),
        mark: Mark::Bars,
        categories: functions.iter().map(|f| f.to_string()).collect(),
        log_y: false,
        log_x: false,
        series,
        lang,
    };
    p.decide_log_y();
    p
}

/// A file-name-safe version of a group name.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect()
}

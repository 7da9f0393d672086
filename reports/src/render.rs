//! Writing a whole report: `index.html`, `figures/*.svg` and `*.png`, and
//! `summary.md`, each written atomically (a temporary file, then rename).

use std::path::{Path, PathBuf};

use crate::figures::{self, Group, Plot};
use crate::html::{self, MachineView, ReportView, RunView};
use crate::{ReportError, Results};

/// A results file to report on, and where it was read from (for links).
#[derive(Clone, Debug)]
pub struct Source {
    /// The results.
    pub results: Results,
    /// The file it came from, if any; the report links to it and to the
    /// `results.csv` beside it.
    pub path: Option<PathBuf>,
}

impl Source {
    /// Reads a results file (checking its schema version).
    pub fn read(path: &Path) -> Result<Source, ReportError> {
        Ok(Source {
            results: Results::read(path)?,
            path: Some(path.to_path_buf()),
        })
    }
}

/// What [`render`] wrote.
#[derive(Debug)]
pub struct RenderedReport {
    /// The HTML report.
    pub index: PathBuf,
    /// The Markdown summary.
    pub summary: PathBuf,
    /// Every figure file written (SVG and PNG).
    pub figures: Vec<PathBuf>,
    /// The plots drawn, in report order.
    pub plots: Vec<Plot>,
}

/// Renders a report of `results` into `out_dir`, linking to the
/// `results.json` and `results.csv` in `out_dir` when they exist there.
pub fn render(results: &[Results], out_dir: &Path) -> Result<RenderedReport, ReportError> {
    let sources: Vec<Source> = results
        .iter()
        .map(|r| Source {
            results: r.clone(),
            path: Some(out_dir.join("results.json")).filter(|p| p.exists()),
        })
        .collect();
    render_sources(&sources, out_dir)
}

/// Renders a report of `sources` into `out_dir`. Runs from the same
/// machine (host name, CPU model and core count) share a section.
pub fn render_sources(sources: &[Source], out_dir: &Path) -> Result<RenderedReport, ReportError> {
    let fig_dir = out_dir.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|source| ReportError::Io {
        path: fig_dir.clone(),
        source,
    })?;

    // Machines in first-seen order, each with its sources.
    let mut machines: Vec<(String, Vec<&Source>)> = Vec::new();
    for s in sources {
        let e = &s.results.environment;
        let key = format!("{}\u{0}{}\u{0}{}", e.hostname, e.cpu_model, e.logical_cores);
        match machines.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(s),
            None => machines.push((key, vec![s])),
        }
    }

    let mut written = Vec::new();
    let mut all_plots = Vec::new();
    let mut views = Vec::new();
    let mut md_groups: Vec<(String, Vec<Group<'_>>)> = Vec::new();
    let mut warnings = Vec::new();
    for (mi, (_, srcs)) in machines.iter().enumerate() {
        let env = &srcs[0].results.environment;
        let title = format!(
            "{} — {}, {} cores",
            env.hostname, env.cpu_model, env.logical_cores
        );
        let groups: Vec<Group<'_>> = srcs
            .iter()
            .enumerate()
            .flat_map(|(ri, s)| figures::groups(&s.results, &format!("m{mi}r{ri}")))
            .collect();
        let mut workloads = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let mut drawn = Vec::new();
            for p in figures::plots_for(g, gi) {
                let svg = p.to_svg().map_err(|message| ReportError::Figure {
                    figure: p.id.clone(),
                    message,
                })?;
                let svg_path = fig_dir.join(format!("{}.svg", p.id));
                write_atomic(&svg_path, svg.as_bytes())?;
                written.push(svg_path);
                let png_path = fig_dir.join(format!("{}.png", p.id));
                let png = write_png_atomic(&p, &png_path)?;
                written.push(png_path);
                drawn.push((p, svg, Some(format!("figures/{png}"))));
            }
            workloads.push(html::workload_view(g, &drawn));
            all_plots.extend(drawn.into_iter().map(|(p, _, _)| p));
        }
        for s in srcs {
            warnings.extend(html::warnings(&s.results));
        }
        views.push(MachineView {
            title: title.clone(),
            environment: html::environment_rows(env),
            runs: srcs.iter().map(|s| run_view(s, out_dir)).collect(),
            workloads,
        });
        md_groups.push((title, groups));
    }

    let mut versions: Vec<String> = sources
        .iter()
        .map(|s| s.results.bakeoff_version.clone())
        .collect();
    versions.sort();
    versions.dedup();
    let suites: Vec<String> = sources.iter().map(|s| s.results.suite.clone()).collect();
    let view = ReportView {
        title: format!("bakeoff report: {}", suites.join(", ")),
        versions: versions.join(", "),
        machines: views,
        warnings,
    };
    let page = html::render_html(&view)?;
    let index = out_dir.join("index.html");
    write_atomic(&index, page.as_bytes())?;
    let summary = out_dir.join("summary.md");
    write_atomic(&summary, crate::markdown::summary(&md_groups).as_bytes())?;
    Ok(RenderedReport {
        index,
        summary,
        figures: written,
        plots: all_plots,
    })
}

/// Links from `out_dir` to the run's raw files: a bare file name when they
/// sit in `out_dir`, else an absolute path.
fn run_view(s: &Source, out_dir: &Path) -> RunView {
    let r = &s.results;
    let state = if r.complete {
        "complete"
    } else if r.interrupted {
        "interrupted"
    } else {
        "incomplete"
    };
    let link = |p: &Path| -> Option<String> {
        if !p.exists() {
            return None;
        }
        let p = p.canonicalize().ok()?;
        let here = out_dir.canonicalize().ok()?;
        Some(match p.strip_prefix(&here) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => p.display().to_string(),
        })
    };
    let json = s.path.as_deref();
    RunView {
        suite: r.suite.clone(),
        started_at: r.started_at.clone(),
        state: state.into(),
        cases: format!("{} of {}", r.cases.len(), r.planned_cases),
        json_href: json.and_then(link),
        csv_href: json.and_then(|j| link(&j.with_file_name("results.csv"))),
    }
}

/// A temporary name beside `path`, keeping its extension.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    path.with_file_name(format!(".{name}.tmp-{}.{ext}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = temp_path(path);
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Draws `plot` as a PNG at `path` atomically; returns the file name.
fn write_png_atomic(plot: &Plot, path: &Path) -> Result<String, ReportError> {
    let tmp = temp_path(path);
    plot.write_png(&tmp).map_err(|message| {
        let _ = std::fs::remove_file(&tmp);
        ReportError::Figure {
            figure: plot.id.clone(),
            message,
        }
    })?;
    std::fs::rename(&tmp, path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}

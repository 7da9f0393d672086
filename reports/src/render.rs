//! Writing a whole report: `index.html`, `figures/*.svg` and `*.png`, and
//! `summary.md`, each written atomically (a temporary file, then rename).

use std::path::{Path, PathBuf};

use crate::criterion::Estimate;
use crate::figures::{self, Group, Plot, Style};
use crate::html::{self, MachineView, ReportView, RunView};
use crate::markdown::MachineSummary;
use crate::{Lang, ReportError, Results};

/// How a report is drawn: figure style and language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Screen figures (the default) or slide figures.
    pub style: Style,
    /// The language of titles, axes, legends, captions and headings.
    pub lang: Lang,
}

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
pub fn render(
    results: &[Results],
    out_dir: &Path,
    options: RenderOptions,
) -> Result<RenderedReport, ReportError> {
    let sources: Vec<Source> = results
        .iter()
        .map(|r| Source {
            results: r.clone(),
            path: Some(out_dir.join("results.json")).filter(|p| p.exists()),
        })
        .collect();
    render_sources(&sources, out_dir, options)
}

/// Renders a report of `sources` into `out_dir`. Runs from the same
/// machine (host name, CPU model and core count) share a section.
pub fn render_sources(
    sources: &[Source],
    out_dir: &Path,
    options: RenderOptions,
) -> Result<RenderedReport, ReportError> {
    render_report(sources, &[], out_dir, options)
}

/// Renders a report of `sources` and, when `primitives` is not empty, a
/// "Primitives" section of criterion's estimates (see
/// [`crate::criterion::read_dir`]), into `out_dir`.
pub fn render_report(
    sources: &[Source],
    primitives: &[Estimate],
    out_dir: &Path,
    options: RenderOptions,
) -> Result<RenderedReport, ReportError> {
    let RenderOptions { style, lang } = options;
    let fig_dir = out_dir.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|source| ReportError::Io {
        path: fig_dir.clone(),
        error: source,
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
    let mut md_machines: Vec<MachineSummary<'_>> = Vec::new();
    let mut warnings = Vec::new();
    for (mi, (_, srcs)) in machines.iter().enumerate() {
        let env = &srcs[0].results.environment;
        let title = html::machine_title(env, lang);
        let groups: Vec<Group<'_>> = srcs
            .iter()
            .enumerate()
            .flat_map(|(ri, s)| figures::groups(&s.results, &format!("m{mi}r{ri}")))
            .collect();
        let mut workloads = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let drawn = draw_all(
                figures::plots_for(g, gi, lang),
                &fig_dir,
                style,
                &mut written,
            )?;
            workloads.push(html::workload_view(g, &drawn, lang));
            all_plots.extend(drawn.into_iter().map(|(p, _, _)| p));
        }
        let machine_warnings: Vec<crate::view::Warning> = srcs
            .iter()
            .flat_map(|s| crate::view::warnings(&s.results, lang))
            .collect();
        warnings.extend(machine_warnings.iter().cloned());
        let mut environment = html::environment_rows(env, lang);
        environment.extend(html::python_row(srcs.iter().map(|s| &s.results), lang));
        environment.extend(
            crate::view::steal(srcs.iter().map(|s| &s.results), lang).map(|steal| {
                (
                    crate::view::steal_label(lang).to_string(),
                    crate::view::Rich::text(steal),
                )
            }),
        );
        views.push(MachineView {
            title: title.clone(),
            environment,
            runs: srcs.iter().map(|s| run_view(s, out_dir, lang)).collect(),
            workloads,
        });
        let runs = || srcs.iter().map(|s| &s.results);
        md_machines.push(MachineSummary {
            title,
            notes: runs()
                .find_map(|r| crate::view::python_rich(r, lang))
                .map(|p| {
                    let mut line =
                        crate::view::Rich::text(format!("{}: ", lang.pick("python", "Python")));
                    line.0.extend(p.0);
                    line
                })
                .into_iter()
                .chain(crate::view::skipped(runs()).iter().map(|g| g.rich(lang)))
                .chain(crate::view::steal(runs(), lang).map(|s| {
                    crate::view::Rich::text(format!("{}: {s}", crate::view::steal_label(lang)))
                }))
                .collect(),
            warnings: crate::view::group_warnings(machine_warnings, lang),
            groups,
        });
    }

    let mut versions: Vec<String> = sources
        .iter()
        .map(|s| s.results.bakeoff_version.clone())
        .collect();
    versions.sort();
    versions.dedup();
    let mut suites: Vec<String> = sources.iter().map(|s| s.results.suite.clone()).collect();
    let primitives = if primitives.is_empty() {
        None
    } else {
        let drawn = draw_all(
            crate::criterion::plots(primitives, lang),
            &fig_dir,
            style,
            &mut written,
        )?;
        let view = html::primitives_view(primitives, &drawn, lang);
        all_plots.extend(drawn.into_iter().map(|(p, _, _)| p));
        Some(view)
    };
    if suites.is_empty() {
        suites.push("cargo bench".into());
    }
    let view = ReportView {
        primitives,
        lang: lang.code(),
        words: html::Words::new(lang),
        title: lang.pick(
            format!("bakeoff report: {}", suites.join(", ")),
            format!("Отчёт bakeoff: {}", suites.join(", ")),
        ),
        heading: lang.pick("bakeoff report: ", "Отчёт bakeoff: ").into(),
        suites: suites.join(", "),
        versions: versions.join(", "),
        machines: views,
        warning_count: warnings.len(),
        warnings: crate::view::group_warnings(warnings, lang),
        skipped: crate::view::skipped(sources.iter().map(|s| &s.results))
            .iter()
            .map(|g| g.rich(lang))
            .collect(),
    };
    remove_stale_figures(&fig_dir, &written)?;
    let page = html::render_html(&view)?;
    let index = out_dir.join("index.html");
    write_atomic(&index, page.as_bytes())?;
    let summary = out_dir.join("summary.md");
    write_atomic(
        &summary,
        crate::markdown::summary(&md_machines, lang).as_bytes(),
    )?;
    Ok(RenderedReport {
        index,
        summary,
        figures: written,
        plots: all_plots,
    })
}

/// Removes the figures in `fig_dir` that this report did not draw (an
/// earlier report's), so that the folder holds this report's figures only.
fn remove_stale_figures(fig_dir: &Path, written: &[PathBuf]) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: fig_dir.to_path_buf(),
        error: source,
    };
    for entry in std::fs::read_dir(fig_dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let figure = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("svg" | "png")
        );
        if figure && !written.contains(&path) {
            std::fs::remove_file(&path).map_err(|source| ReportError::Io {
                path: path.clone(),
                error: source,
            })?;
        }
    }
    Ok(())
}

/// Links from `out_dir` to the run's raw files, relative (`results.json`
/// beside the report, `../results.json` above it), so that the report
/// folder can be moved or zipped with its results.
fn run_view(s: &Source, out_dir: &Path, lang: Lang) -> RunView {
    let r = &s.results;
    let state = html::run_state(r.complete, r.interrupted, lang);
    let link = |p: &Path| -> Option<String> {
        if !p.exists() {
            return None;
        }
        relative_link(&out_dir.canonicalize().ok()?, &p.canonicalize().ok()?)
    };
    let json = s.path.as_deref();
    RunView {
        suite: r.suite.clone(),
        started_at: r.started_at.clone(),
        state: state.into(),
        cases: html::cases_of(r.cases.len(), r.planned_cases, lang),
        json_href: json.and_then(link),
        csv_href: json.and_then(|j| link(&j.with_file_name("results.csv"))),
    }
}

/// The relative URL of file `to` from folder `from`, both absolute and
/// canonical: up (`..`) to their common ancestor, then down to `to`,
/// with `/` between parts and each part percent-encoded where a URL
/// needs it. `None` when a part is not UTF-8.
pub(crate) fn relative_link(from: &Path, to: &Path) -> Option<String> {
    use std::path::Component;
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    for c in &to[common..] {
        parts.push(url_part(c.as_os_str().to_str()?));
    }
    Some(parts.join("/"))
}

/// A path part as a relative URL's segment: bytes other than letters,
/// digits and `-._~` percent-encoded (so `#`, `?`, `%` and spaces in a
/// folder name do not end or change the link).
fn url_part(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Draws `plots` as SVG and PNG files in `fig_dir` (adding their paths to
/// `written`); returns each plot with its SVG text and PNG link.
fn draw_all(
    plots: Vec<Plot>,
    fig_dir: &Path,
    style: Style,
    written: &mut Vec<PathBuf>,
) -> Result<Vec<(Plot, String, Option<String>)>, ReportError> {
    let mut drawn = Vec::new();
    for p in plots {
        let svg = p.to_svg(style).map_err(|message| ReportError::Figure {
            figure: p.id.clone(),
            message,
        })?;
        let svg_path = fig_dir.join(format!("{}.svg", p.id));
        write_atomic(&svg_path, svg.as_bytes())?;
        written.push(svg_path);
        let png_path = fig_dir.join(format!("{}.png", p.id));
        let png = write_png_atomic(&p, &png_path, style)?;
        written.push(png_path);
        drawn.push((p, svg, Some(format!("figures/{png}"))));
    }
    Ok(drawn)
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
        error: source,
    };
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Draws `plot` as a PNG at `path` atomically; returns the file name.
fn write_png_atomic(plot: &Plot, path: &Path, style: Style) -> Result<String, ReportError> {
    let tmp = temp_path(path);
    plot.write_png(&tmp, style).map_err(|message| {
        let _ = std::fs::remove_file(&tmp);
        ReportError::Figure {
            figure: plot.id.clone(),
            message,
        }
    })?;
    std::fs::rename(&tmp, path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        error: source,
    })?;
    Ok(path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::relative_link;
    use std::path::Path;

    #[test]
    fn links_go_up_to_the_common_folder_and_down() {
        let link = |from: &str, to: &str| relative_link(Path::new(from), Path::new(to)).unwrap();
        assert_eq!(link("/r/run", "/r/run/results.json"), "results.json");
        assert_eq!(
            link("/r/run/report", "/r/run/results.json"),
            "../results.json"
        );
        assert_eq!(
            link("/tmp/out/a/b", "/r/run 1/results.csv"),
            "../../../../r/run%201/results.csv"
        );
        assert_eq!(link("/r/x#y", "/r/x#y/a?b.json"), "a%3Fb.json");
    }
}

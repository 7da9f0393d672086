//! Drawing a [`Plot`] on any plotters backend: SVG into a string, PNG into
//! a file. Text is measured with DejaVu Sans from the `dejavu` crate, so no
//! system font is needed.

use std::path::Path;
use std::sync::Once;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{Fill, Mark, Metrics, Plot, Rgb, Series, Style};
use crate::format::local::number as format_number;

static FONT: Once = Once::new();

/// Registers the embedded DejaVu Sans as plotters' `sans-serif`.
fn register_font() {
    FONT.call_once(|| {
        // The bytes are a valid TrueType font shipped by the dejavu crate.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A drawing error of backend `DB`.
type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

/// The chart a figure draws its series on: two [`Axis`] scales.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

impl Plot {
    /// The plot as a standalone SVG document in `style`. Text (titles,
    /// legend, ticks) is XML-escaped by plotters' SVG backend.
    pub fn to_svg(&self, style: Style) -> Result<String, String> {
        register_font();
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, style.metrics().size).into_drawing_area();
            self.draw_on(&root, style)?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(buf)
    }

    /// Writes the plot as a PNG file at `path`, in `style`.
    pub fn write_png(&self, path: &Path, style: Style) -> Result<(), String> {
        register_font();
        let root = BitMapBackend::new(path, style.metrics().size).into_drawing_area();
        self.draw_on(&root, style)?;
        root.present().map_err(|e| e.to_string())
    }

    /// Draws the plot: title (in course style, the finding with the
    /// subject below it), axes with titles, series with error bars, and
    /// a legend pane on the right.
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: Style,
    ) -> Result<(), String> {
        let m = style.metrics();
        let err = |e: DrawError<DB>| e.to_string();
        let (root, title_size) = self.draw_frame(root, style).map_err(err)?;
        let (width, _) = root.dim_in_pixel();
        let (chart_area, legend_area) = root.split_horizontally(width - m.legend_width);
        let y = YScale::new(self);
        let x = self.x_range();
        let mut chart = self
            .draw_axes(&chart_area, title_size, &y, &x, m)
            .map_err(err)?;
        let slots = BarSlots::new(self);
        for si in 0..self.series.len() {
            self.draw_series(&mut chart, si, &y, &slots, (x.0, x.1), m)
                .map_err(err)?;
        }
        draw_legend(self, &legend_area, m).map_err(err)?;
        Ok(())
    }

    /// Fills the background and, in course style with a finding, draws
    /// the finding as the title; returns the area left for the chart and
    /// legend, and the size of the chart's own caption ([`Plot::title`]:
    /// the subject below a finding, or the title beside the legend).
    fn draw_frame<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: Style,
    ) -> Result<(DrawingArea<DB, Shift>, u32), DrawError<DB>> {
        let m = style.metrics();
        root.fill(&WHITE)?;
        Ok(match (style, &self.finding) {
            (Style::Course, Some(finding)) => {
                // A finding of several lines: the first in bold at the
                // title's size, the rest a fifth smaller, each shrunk
                // only as far as it must to fit the width.
                let pad = m.title as i32 / 2;
                let mut below = root.margin(pad, 0, pad, pad);
                for (i, line) in finding.lines().enumerate() {
                    let font = if i == 0 {
                        ("sans-serif", fit(line, m.title, m.size.0))
                            .into_font()
                            .style(FontStyle::Bold)
                    } else {
                        ("sans-serif", fit(line, m.title * 4 / 5, m.size.0)).into_font()
                    };
                    below = below.titled(line, font)?;
                }
                (
                    below,
                    fit(&self.title, m.subtitle, m.size.0 - m.legend_width),
                )
            }
            _ => (
                root.clone(),
                fit(&self.title, m.title, m.size.0 - m.legend_width),
            ),
        })
    }

    /// Builds the chart on `chart_area` with its caption, and draws the
    /// axes: tick labels (category names for bars, standing upright when
    /// they would not fit side by side), axis titles and the horizontal
    /// grid lines. `x` is [`Plot::x_range`]'s range and ticks.
    fn draw_axes<'a, DB: DrawingBackend>(
        &self,
        chart_area: &'a DrawingArea<DB, Shift>,
        title_size: u32,
        y: &YScale,
        (x_lo, x_hi, x_ticks): &(f64, f64, Vec<f64>),
        m: Metrics,
    ) -> Result<Chart<'a, DB>, DrawError<DB>> {
        let is_bars = self.mark == Mark::Bars;
        // Category labels that would not fit side by side stand upright,
        // hanging down from the axis: plotters turns a label about its
        // centre, so each is led by no-break spaces as wide as itself.
        let font = ("sans-serif", m.ticks).into_font();
        let text_px = |t: &str| font.box_size(t).map_or(0, |(w, _)| w);
        let widest = self
            .categories
            .iter()
            .map(|c| text_px(c))
            .max()
            .unwrap_or(0);
        let plot_px = chart_area.dim_in_pixel().0.saturating_sub(m.y_label_area);
        let upright = is_bars && self.categories.len() as u32 * (widest + m.ticks) > plot_px;
        let (categories, x_label_area) = if upright {
            let space = text_px("\u{a0}\u{a0}").max(2) / 2;
            let lead = |c: &String| "\u{a0}".repeat((text_px(c) / space) as usize + 1) + c;
            (
                self.categories.iter().map(lead).collect(),
                m.x_label_area + widest,
            )
        } else {
            (self.categories.clone(), m.x_label_area)
        };
        let tick_style = TextStyle::from(("sans-serif", m.ticks).into_font());
        let x_tick_style = if upright {
            tick_style.transform(FontTransform::Rotate90)
        } else {
            tick_style.clone()
        };
        let mut chart = ChartBuilder::on(chart_area)
            .caption(&self.title, ("sans-serif", title_size))
            .margin(m.size.1 / 45)
            .x_label_area_size(x_label_area)
            .y_label_area_size(m.y_label_area)
            .build_cartesian_2d(
                Axis {
                    lo: *x_lo,
                    hi: *x_hi,
                    ticks: x_ticks.clone(),
                },
                Axis {
                    lo: y.lo,
                    hi: y.hi,
                    ticks: y.ticks.clone(),
                },
            )?;
        let x_fmt = |x: &f64| {
            if is_bars {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < categories.len() {
                    categories[i as usize].clone()
                } else {
                    String::new()
                }
            } else if self.log_x {
                format_number(10f64.powf(*x).round(), self.lang)
            } else {
                format_number(*x, self.lang)
            }
        };
        let y_fmt = |v: &f64| format_number(y.value(*v), self.lang);
        chart
            .configure_mesh()
            .x_desc(&self.x_title)
            .y_desc(&self.y_title)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .axis_desc_style(("sans-serif", m.axis))
            .y_label_style(tick_style)
            .x_label_style(x_tick_style)
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .disable_x_mesh()
            .draw()?;
        Ok(chart)
    }

    /// Draws series `si`: its line (solid, or dashed or dotted for a
    /// hatched [`Fill`]) and markers, or its bars (lighter and hatched
    /// when the fill is), and (unless it is a horizontal reference) the
    /// error bars of its 95 % intervals.
    fn draw_series<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        si: usize,
        y: &YScale,
        slots: &BarSlots,
        (x_lo, x_hi): (f64, f64),
        m: Metrics,
    ) -> Result<(), DrawError<DB>> {
        let s = &self.series[si];
        let is_bars = self.mark == Mark::Bars;
        let colour = rgb(s.colour);
        let face = rgb(s.fill.face(s.colour));
        // Lines keep the runner's full colour (a lighter one is too faint
        // on white at a line's width): their dashes tell the CPU mode.
        let line = ShapeStyle::from(&colour).stroke_width(m.stroke);
        match self.mark {
            Mark::Lines if s.horizontal => {
                if let Some(p) = s.points.first() {
                    let yy = y.pos(p.y);
                    chart.draw_series(DashedLineSeries::new(
                        [(x_lo, yy), (x_hi, yy)],
                        4 * m.stroke,
                        3 * m.stroke,
                        line,
                    ))?;
                }
            }
            Mark::Lines => {
                let pts: Vec<(f64, f64)> = s.points.iter().map(|p| (p.x, y.pos(p.y))).collect();
                match dashes(s, m) {
                    Some((size, gap)) => {
                        chart.draw_series(DashedLineSeries::new(pts.clone(), size, gap, line))?;
                    }
                    None => {
                        chart.draw_series(LineSeries::new(pts.clone(), line))?;
                    }
                }
                // Markers in the runner's own colour, whatever its fill;
                // reference lines have none.
                if !s.dashed {
                    chart.draw_series(pts.iter().map(|&(x, yy)| marker(si, (x, yy), colour, m)))?;
                }
            }
            Mark::Bars => {
                let w = slots.width;
                let rects: Vec<[(f64, f64); 2]> = s
                    .points
                    .iter()
                    .map(|p| {
                        let cx = slots.centre(si, p.x);
                        [(cx - w * 0.45, y.lo), (cx + w * 0.45, y.pos(p.y))]
                    })
                    .collect();
                chart.draw_series(rects.iter().map(|r| Rectangle::new(*r, face.filled())))?;
                if s.fill != Fill::Solid {
                    // Hatching is laid out in pixels, so that its lines
                    // run at 45° and as far apart on every bar, then
                    // mapped back to the chart's coordinates.
                    let ink = ShapeStyle::from(&colour).stroke_width(m.stroke.div_ceil(2));
                    for r in &rects {
                        let (a, b) = (chart.backend_coord(&r[0]), chart.backend_coord(&r[1]));
                        if a.0 == b.0 || a.1 == b.1 {
                            continue;
                        }
                        let back = |(u, v): (i32, i32)| {
                            (
                                r[0].0
                                    + (r[1].0 - r[0].0) * f64::from(u - a.0) / f64::from(b.0 - a.0),
                                r[0].1
                                    + (r[1].1 - r[0].1) * f64::from(v - a.1) / f64::from(b.1 - a.1),
                            )
                        };
                        let lines =
                            hatch_lines(a, b, hatch_spacing(m), s.fill == Fill::CrossHatched);
                        chart.draw_series(
                            lines
                                .into_iter()
                                .map(|[p, q]| PathElement::new(vec![back(p), back(q)], ink)),
                        )?;
                        chart.draw_series(std::iter::once(Rectangle::new(
                            *r,
                            ShapeStyle::from(&colour).stroke_width(1),
                        )))?;
                    }
                }
            }
        }
        // Error bars from the repetitions' 95 % interval.
        if !s.horizontal {
            let at = |x: f64| if is_bars { slots.centre(si, x) } else { x };
            let whisker = if is_bars { BLACK } else { colour };
            let cap = if is_bars {
                0.25 * slots.width
            } else {
                0.015 * (x_hi - x_lo)
            };
            for p in &s.points {
                let Some((lo, hi)) = p.ci95 else { continue };
                if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
                    continue;
                }
                let (x, lo, hi) = (at(p.x), y.pos(lo), y.pos(hi));
                let style = ShapeStyle::from(&whisker).stroke_width(m.stroke.div_ceil(2));
                for path in [
                    vec![(x, lo), (x, hi)],
                    vec![(x - cap, lo), (x + cap, lo)],
                    vec![(x - cap, hi), (x + cap, hi)],
                ] {
                    chart.draw_series(std::iter::once(PathElement::new(path, style)))?;
                }
            }
        }
        Ok(())
    }

    /// x range and tick positions: category indices for bars, the
    /// distinct x values for lines.
    fn x_range(&self) -> (f64, f64, Vec<f64>) {
        if self.mark == Mark::Bars {
            let n = self.categories.len().max(1);
            return (-0.5, n as f64 - 0.5, (0..n).map(|i| i as f64).collect());
        }
        let mut xs: Vec<f64> = self
            .series
            .iter()
            .filter(|s| !s.horizontal)
            .flat_map(|s| s.points.iter().map(|p| p.x))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        match (xs.first(), xs.last()) {
            (Some(&lo), Some(&hi)) if hi > lo => {
                let pad = (hi - lo) * 0.05;
                (lo - pad, hi + pad, xs)
            }
            (Some(&v), _) => (v - 0.5, v + 0.5, xs),
            _ => (0.0, 1.0, vec![0.0, 1.0]),
        }
    }
}

/// Where bars go: in each category, only the series that have a bar
/// there, side by side and centred, all of one width.
struct BarSlots {
    /// Per category, the indices of the series with a point in it.
    present: Vec<Vec<usize>>,
    /// Width of one bar, in category units.
    width: f64,
}

impl BarSlots {
    fn new(plot: &Plot) -> BarSlots {
        let mut present = vec![Vec::new(); plot.categories.len()];
        for (si, s) in plot.series.iter().enumerate() {
            for p in &s.points {
                if let Some(list) = present.get_mut(p.x.round().max(0.0) as usize) {
                    if !list.contains(&si) {
                        list.push(si);
                    }
                }
            }
        }
        let most = present.iter().map(Vec::len).max().unwrap_or(1).max(1);
        BarSlots {
            present,
            width: 0.8 / most as f64,
        }
    }

    /// The centre of series `si`'s bar in the category at `x`.
    fn centre(&self, si: usize, x: f64) -> f64 {
        let Some(list) = self.present.get(x.round().max(0.0) as usize) else {
            return x;
        };
        let k = list.iter().position(|&i| i == si).unwrap_or(0) as f64;
        x + (k + 0.5 - list.len() as f64 / 2.0) * self.width
    }
}

/// A linear axis whose ticks are exactly the given positions (category
/// indices, worker counts, decades), so labels never fall between them.
#[derive(Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let f = if span > 0.0 {
            (value - self.lo) / span
        } else {
            0.5
        };
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks
            .iter()
            .copied()
            .filter(|t| *t >= self.lo - 1e-9 && *t <= self.hi + 1e-9)
            .collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// A y axis, linear or log10: plotting positions, range and ticks.
struct YScale {
    log: bool,
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    /// Smallest positive value, for clamping on a log axis.
    floor: f64,
}

impl YScale {
    fn new(plot: &Plot) -> YScale {
        let values: Vec<f64> = plot
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .flat_map(|p| [Some(p.y), p.ci95.map(|c| c.0), p.ci95.map(|c| c.1)])
            .flatten()
            .filter(|v| v.is_finite())
            .collect();
        let max = values.iter().copied().fold(0.0, f64::max);
        if plot.log_y {
            // The range starts at the decade below the smallest median;
            // interval ends below it are clipped, not allowed to stretch it.
            let floor = plot
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.y))
                .filter(|v| *v > 0.0 && v.is_finite())
                .fold(f64::INFINITY, f64::min);
            let lo = floor.log10().floor();
            let hi = max.log10().ceil().max(lo + 1.0);
            let mut ticks = Vec::new();
            let mut d = lo;
            while d <= hi + 1e-9 {
                ticks.push(d);
                if hi - lo <= 3.0 && d < hi {
                    ticks.push(d + 2f64.log10());
                    ticks.push(d + 5f64.log10());
                }
                d += 1.0;
            }
            YScale {
                log: true,
                lo,
                hi,
                ticks,
                floor: 10f64.powf(lo),
            }
        } else {
            let min = values.iter().copied().fold(0.0, f64::min);
            let hi = if max > min { max * 1.08 } else { min + 1.0 };
            let step = nice_step((hi - min) / 6.0);
            let lo = (min / step).floor() * step;
            let ticks = (0..)
                .map(|i| lo + i as f64 * step)
                .take_while(|t| *t <= hi + step * 1e-9)
                .collect();
            YScale {
                log: false,
                lo,
                hi,
                ticks,
                floor: 0.0,
            }
        }
    }

    /// Plotting position of value `v`.
    fn pos(&self, v: f64) -> f64 {
        if self.log {
            v.max(self.floor).log10().clamp(self.lo, self.hi)
        } else {
            v
        }
    }

    /// The value at plotting position `p` (for tick labels).
    fn value(&self, p: f64) -> f64 {
        if self.log {
            10f64.powf(p)
        } else {
            p
        }
    }
}

/// A step of 1, 2 or 5 × 10^k no smaller than `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// The dash and gap of a series' line, in pixels, or `None` for a solid
/// line: reference lines and [`Fill::Hatched`] runners dashed,
/// [`Fill::CrossHatched`] runners dotted.
fn dashes(s: &Series, m: Metrics) -> Option<(u32, u32)> {
    match s.fill {
        Fill::CrossHatched => Some((m.stroke, 2 * m.stroke)),
        Fill::Hatched => Some((4 * m.stroke, 3 * m.stroke)),
        Fill::Solid if s.dashed => Some((4 * m.stroke, 3 * m.stroke)),
        Fill::Solid => None,
    }
}

/// Pixels between the lines of a hatch.
fn hatch_spacing(m: Metrics) -> i32 {
    (m.legend as i32 / 2).max(5)
}

/// The hatch of the rectangle with corners `a` and `b` (pixels, in any
/// order): 45° lines `spacing` apart rising to the right, and, when
/// `cross`, falling ones too; each cut to the rectangle.
fn hatch_lines(a: (i32, i32), b: (i32, i32), spacing: i32, cross: bool) -> Vec<[(i32, i32); 2]> {
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    let spacing = spacing.max(1);
    let mut out = Vec::new();
    // Rising (screen y grows downwards): x + y = k.
    let mut k = x0 + y0 + spacing / 2;
    while k < x1 + y1 {
        let (xa, xb) = ((k - y1).max(x0), (k - y0).min(x1));
        if xa < xb {
            out.push([(xa, k - xa), (xb, k - xb)]);
        }
        k += spacing;
    }
    if cross {
        // Falling: x - y = k.
        let mut k = x0 - y1 + spacing / 2;
        while k < x1 - y0 {
            let (xa, xb) = ((k + y0).max(x0), (k + y1).min(x1));
            if xa < xb {
                out.push([(xa, xa - k), (xb, xb - k)]);
            }
            k += spacing;
        }
    }
    out
}

/// Markers differ by series so that lines stay distinct without colour.
fn marker<DB: DrawingBackend, C: Clone + 'static>(
    i: usize,
    at: C,
    c: RGBColor,
    m: Metrics,
) -> DynElement<'static, DB, C> {
    let r = m.marker as i32;
    match i % 3 {
        0 => Circle::new(at, r, c.filled()).into_dyn(),
        1 => TriangleMarker::new(at, r + 1, c.filled()).into_dyn(),
        _ => Cross::new(at, r, ShapeStyle::from(&c).stroke_width(m.stroke)).into_dyn(),
    }
}

/// The type size at most `size` at which `text` fits in `width` pixels
/// (DejaVu Sans averages about 0.55 em per character), never below 60 %.
fn fit(text: &str, size: u32, width: u32) -> u32 {
    let chars = text.chars().count().max(1) as f64;
    let fits = (width as f64 * 0.94 / (0.55 * chars)) as u32;
    fits.clamp(size * 3 / 5, size)
}

/// The legend pane: a swatch and the series name per line.
fn draw_legend<DB: DrawingBackend>(
    plot: &Plot,
    area: &DrawingArea<DB, Shift>,
    m: Metrics,
) -> Result<(), DrawError<DB>> {
    let top = 60 * m.legend_row as i32 / 24;
    let row = m.legend_row as i32;
    let u = m.legend as i32; // one em
    let stroke = ShapeStyle::from(&BLACK).stroke_width(m.stroke);
    for (i, s) in plot.series.iter().enumerate() {
        let y = top + i as i32 * row;
        let c = rgb(s.colour);
        let line = ShapeStyle {
            color: c.to_rgba(),
            ..stroke
        };
        let face = rgb(s.fill.face(s.colour));
        let swatch = vec![(u / 2, y), (u * 5 / 2, y)];
        if plot.mark == Mark::Bars {
            let (a, b) = ((u / 2, y - u / 2), (u * 2, y + u / 2));
            area.draw(&Rectangle::new([a, b], face.filled()))?;
            if s.fill != Fill::Solid {
                let ink = ShapeStyle::from(&c).stroke_width(m.stroke.div_ceil(2));
                for [p, q] in hatch_lines(a, b, u / 3, s.fill == Fill::CrossHatched) {
                    area.draw(&PathElement::new(vec![p, q], ink))?;
                }
                area.draw(&Rectangle::new(
                    [a, b],
                    ShapeStyle::from(&c).stroke_width(1),
                ))?;
            }
        } else {
            match dashes(s, m) {
                // The legend's line is short: its dashes are too.
                Some((size, gap)) => {
                    let (size, gap) = if s.fill == Fill::CrossHatched {
                        (size, gap)
                    } else {
                        (u as u32 / 2, u as u32 / 3)
                    };
                    area.draw(&DashedPathElement::new(swatch, size, gap, line))?
                }
                None => area.draw(&PathElement::new(swatch, line))?,
            }
            if !s.dashed {
                area.draw(&marker::<DB, _>(i, (u * 3 / 2, y), c, m))?;
            }
        }
        let name: String = if s.name.chars().count() > m.legend_chars {
            s.name
                .chars()
                .take(m.legend_chars - 1)
                .chain(['…'])
                .collect()
        } else {
            s.name.clone()
        };
        area.draw(&Text::new(
            name,
            (u * 3, y - u * 4 / 7),
            ("sans-serif", m.legend).into_font().color(&BLACK),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hatch_lines;

    #[test]
    fn hatch_lines_run_at_45_degrees_inside_their_rectangle() {
        for cross in [false, true] {
            // Corners in any order: a bar's top left may come second.
            let lines = hatch_lines((10, 80), (30, 20), 7, cross);
            assert!(!lines.is_empty());
            let (mut rising, mut falling) = (0, 0);
            for [(x1, y1), (x2, y2)] in &lines {
                for (x, y) in [(x1, y1), (x2, y2)] {
                    assert!((10..=30).contains(x) && (20..=80).contains(y), "{lines:?}");
                }
                assert_eq!((x2 - x1).abs(), (y2 - y1).abs(), "45°: {lines:?}");
                if (x2 - x1) * (y2 - y1) < 0 {
                    rising += 1;
                } else {
                    falling += 1;
                }
            }
            // x + y runs over 30..110: a line every 7 from half a
            // spacing in, at 33, 40, …, 103.
            assert_eq!(rising, 11);
            assert_eq!(falling, if cross { rising } else { 0 });
        }
        // A bar too thin for a line gets none.
        assert!(hatch_lines((5, 5), (5, 40), 7, true).is_empty());
    }
}

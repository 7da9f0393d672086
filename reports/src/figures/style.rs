//! How big a figure is drawn: for a screen (the HTML report) or for a
//! slide (`--style course`: 16:9 at 1920×1080, large type, thick lines,
//! and a title that states the finding).

use std::fmt;
use std::str::FromStr;

/// Where the figures will be shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Style {
    /// 960×540 figures for reading in the HTML report.
    #[default]
    Screen,
    /// 1920×1080 slide figures: large type, thick lines, the finding as
    /// the title and the figure's subject below it.
    Course,
}

/// The sizes one [`Style`] draws with, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metrics {
    /// Figure width and height.
    pub size: (u32, u32),
    /// Width of the legend pane on the right.
    pub legend_width: u32,
    /// Finding (course) or title (screen) type size.
    pub title: u32,
    /// The subject line under a course finding.
    pub subtitle: u32,
    /// Axis titles.
    pub axis: u32,
    /// Tick labels.
    pub ticks: u32,
    /// Legend entries.
    pub legend: u32,
    /// Legend row height.
    pub legend_row: u32,
    /// Line width of series.
    pub stroke: u32,
    /// Marker radius.
    pub marker: u32,
    /// Space for the x tick labels and axis title.
    pub x_label_area: u32,
    /// Space for the y tick labels and axis title.
    pub y_label_area: u32,
    /// Characters of a legend entry before it is cut with `…`.
    pub legend_chars: usize,
}

impl Style {
    /// The sizes this style draws with.
    pub fn metrics(self) -> Metrics {
        match self {
            Style::Screen => Metrics {
                size: (960, 540),
                legend_width: 250,
                title: 20,
                subtitle: 0,
                axis: 16,
                ticks: 14,
                legend: 14,
                legend_row: 24,
                stroke: 2,
                marker: 5,
                x_label_area: 50,
                y_label_area: 80,
                legend_chars: 30,
            },
            Style::Course => Metrics {
                size: (1920, 1080),
                legend_width: 520,
                title: 46,
                subtitle: 28,
                axis: 32,
                ticks: 28,
                legend: 28,
                legend_row: 46,
                stroke: 6,
                marker: 11,
                x_label_area: 100,
                y_label_area: 150,
                legend_chars: 28,
            },
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Style::Screen => "screen",
            Style::Course => "course",
        })
    }
}

impl FromStr for Style {
    type Err = String;

    fn from_str(s: &str) -> Result<Style, String> {
        match s {
            "screen" => Ok(Style::Screen),
            "course" => Ok(Style::Course),
            _ => Err(format!("unknown style `{s}`; use screen or course")),
        }
    }
}

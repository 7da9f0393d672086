//! Colours: one family of shades per model family, from colour-blind-safe
//! palettes (Okabe–Ito and Paul Tol's), so a reader tells threads from
//! async at a glance and the runners within a family by shade and marker.

use crate::Family;

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for CSS.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Greys for the baseline (`seq`) and reference lines.
const BASELINE: [Rgb; 3] = [
    Rgb(0x44, 0x44, 0x44),
    Rgb(0x88, 0x88, 0x88),
    Rgb(0x22, 0x22, 0x22),
];
/// Blues: Okabe–Ito blue and sky blue, Paul Tol's dark blue and cyan.
const THREADS: [Rgb; 4] = [
    Rgb(0x00, 0x72, 0xB2),
    Rgb(0x56, 0xB4, 0xE9),
    Rgb(0x33, 0x22, 0x88),
    Rgb(0x44, 0xAA, 0x99),
];
/// Greens: Okabe–Ito bluish green, Paul Tol's green and olive.
const PROCESSES: [Rgb; 3] = [
    Rgb(0x00, 0x9E, 0x73),
    Rgb(0x11, 0x77, 0x33),
    Rgb(0x99, 0x99, 0x33),
];
/// Oranges, reds and purples: Okabe–Ito orange, vermillion and reddish
/// purple, Paul Tol's wine, rose, vibrant orange, magenta and purple —
/// eight, so four runtimes inline and offload (loop-lag) never repeat.
const ASYNC: [Rgb; 8] = [
    Rgb(0xE6, 0x9F, 0x00),
    Rgb(0xD5, 0x5E, 0x00),
    Rgb(0xCC, 0x79, 0xA7),
    Rgb(0x88, 0x22, 0x55),
    Rgb(0xCC, 0x66, 0x77),
    Rgb(0xEE, 0x77, 0x33),
    Rgb(0xEE, 0x33, 0x77),
    Rgb(0xAA, 0x33, 0x77),
];

/// Golds and browns for CPython (Python's own yellow, darkened to read on
/// white; Paul Tol's sand and olive-brown): apart from every Rust family.
const CPYTHON: [Rgb; 6] = [
    Rgb(0xB8, 0x86, 0x0B),
    Rgb(0x8C, 0x5A, 0x14),
    Rgb(0xDD, 0xAA, 0x33),
    Rgb(0x66, 0x55, 0x00),
    Rgb(0xBB, 0x77, 0x22),
    Rgb(0x99, 0x77, 0x44),
];

/// The `shade`-th colour of a runner family (the baseline is grey).
/// Shades repeat when a family has more runners than shades.
pub fn family_colour(family: Family, shade: usize) -> Rgb {
    let shades: &[Rgb] = match family {
        Family::Threads => &THREADS,
        Family::Processes => &PROCESSES,
        Family::Async => &ASYNC,
        Family::Baseline => &BASELINE,
        Family::Cpython => &CPYTHON,
    };
    shades[shade % shades.len()]
}

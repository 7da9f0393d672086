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

/// Browns and tans for CPython: low-saturation earth colours, each at
/// least 25 CIELAB units (ΔE*76) from every shade of every other family —
/// Python's own gold was tried first and sat within 14 of Okabe–Ito
/// orange (async's first shade), too close to tell apart in a legend.
const CPYTHON: [Rgb; 6] = [
    Rgb(0x8C, 0x5A, 0x14),
    Rgb(0xC4, 0x9A, 0x6C),
    Rgb(0x5E, 0x3C, 0x1A),
    Rgb(0xB0, 0x80, 0x40),
    Rgb(0xA0, 0x78, 0x5A),
    Rgb(0x6B, 0x5A, 0x2A),
];

/// The colour of a family's reference line (ideal scaling from `seq` or
/// `py-seq`): a light shade no runner of the family is drawn in.
pub fn reference_colour(family: Family) -> Rgb {
    match family {
        Family::Cpython => Rgb(0xD9, 0xC7, 0xA7),
        other => family_colour(other, 1),
    }
}

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

/// The colour of a runner configuration, the same in every figure of
/// every run and of the course deck: the runner's own shade of its
/// family, chosen from its id (the built-in runners in a fixed order, any
/// other id by a stable hash), so that no figure's set of runners moves
/// another runner's colour.
pub fn runner_colour(runner: &str, family: Family) -> Rgb {
    const ORDER: [&str; 17] = [
        "seq",
        "thread-per-task",
        "thread-pool",
        "rayon",
        "fork-pool",
        "spawn-pool",
        "forkserver-pool",
        "tokio-ct",
        "tokio-mt",
        "async-std",
        "smol",
        "py-seq",
        "py-threads",
        "py-fork",
        "py-spawn",
        "py-forkserver",
        "py-asyncio",
    ];
    let shade = match ORDER.iter().position(|id| *id == runner) {
        Some(i) => ORDER[..i]
            .iter()
            .filter(|id| family_of_builtin(id) == Some(family))
            .count(),
        None => runner
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into())),
    };
    family_colour(family, shade)
}

/// The family of a built-in runner id.
fn family_of_builtin(id: &str) -> Option<Family> {
    Some(match id {
        "seq" => Family::Baseline,
        "thread-per-task" | "thread-pool" | "rayon" => Family::Threads,
        "fork-pool" | "spawn-pool" | "forkserver-pool" => Family::Processes,
        "tokio-ct" | "tokio-mt" | "async-std" | "smol" => Family::Async,
        id if id.starts_with("py-") => Family::Cpython,
        _ => return None,
    })
}

//! Colours: every built-in runner has a colour of its own, the same in
//! every figure of every run and of the course deck, from its family's
//! hues (threads blue, processes green, async orange, red and purple,
//! CPython brown, the baseline grey) and from colour-blind-safe sources
//! (Okabe–Ito, Paul Tol). The key decision: a colour belongs to a runner
//! id, never to its place in a figure, and a runner's CPU mode (`cpu=
//! offload`, CPython's `cpu=thread` and `cpu=process`) is told apart by
//! lightness and a hatch pattern ([`Fill`]) on the runner's own hue, not
//! by a neighbouring hue that a reader would take for another runner.
//!
//! To add a built-in runner: give it a line in [`BUILTIN`], in a colour
//! at least 20 CIELAB units (ΔE*76) from every other line's — the unit
//! tests check every pair.

use crate::{CaseRecord, Family};

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for CSS.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// The colour half-way to white in CIELAB lightness, with half its
    /// chroma and the same hue: the face of a hatched bar (a built-in
    /// runner's rises by 12 in L* at least). Mixing with white in sRGB
    /// would turn Okabe–Ito's blue 21° towards cyan.
    pub fn lighter(self) -> Rgb {
        let [l, a, b] = lab::lab(self);
        let l = l + (100.0 - l) / 2.0;
        // Half the chroma, less if that is still outside sRGB; a grey of
        // that lightness always lies inside.
        let mut k = 0.5;
        for _ in 0..40 {
            if let Some(c) = lab::rgb([l, a * k, b * k]) {
                return c;
            }
            k *= 0.9;
        }
        lab::rgb([l, 0.0, 0.0]).unwrap_or(self)
    }
}

/// Colour arithmetic: CIELAB (D65) and ΔE*76.
mod lab {
    use super::Rgb;

    /// D65 white in XYZ.
    const WHITE: [f64; 3] = [0.95047, 1.0, 1.08883];

    /// CIELAB L*, a*, b* of an sRGB colour (D65 white).
    pub(crate) fn lab(c: Rgb) -> [f64; 3] {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (lin(c.0), lin(c.1), lin(c.2));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / WHITE[0];
        let y = (0.2126 * r + 0.7152 * g + 0.0722 * b) / WHITE[1];
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / WHITE[2];
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    /// The sRGB colour of CIELAB `[l, a, b]`, or `None` when it lies
    /// outside sRGB (by more than rounding).
    pub(crate) fn rgb([l, a, b]: [f64; 3]) -> Option<Rgb> {
        let fy = (l + 16.0) / 116.0;
        let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
        let inv = |f: f64| {
            if f.powi(3) > 0.008856 {
                f.powi(3)
            } else {
                (f - 16.0 / 116.0) / 7.787
            }
        };
        let (x, y, z) = (inv(fx) * WHITE[0], inv(fy) * WHITE[1], inv(fz) * WHITE[2]);
        let lin = [
            3.2406 * x - 1.5372 * y - 0.4986 * z,
            -0.9689 * x + 1.8758 * y + 0.0415 * z,
            0.0557 * x - 0.2040 * y + 1.0570 * z,
        ];
        let mut out = [0u8; 3];
        for (o, v) in out.iter_mut().zip(lin) {
            if !(-0.001..=1.001).contains(&v) {
                return None;
            }
            let v = v.clamp(0.0, 1.0);
            let s = if v <= 0.0031308 {
                12.92 * v
            } else {
                1.055 * v.powf(1.0 / 2.4) - 0.055
            };
            *o = (s * 255.0).round() as u8;
        }
        Some(Rgb(out[0], out[1], out[2]))
    }

    /// The CIE 1976 colour difference of two sRGB colours.
    #[cfg(test)]
    pub(crate) fn delta_e(a: Rgb, b: Rgb) -> f64 {
        let (p, q) = (lab(a), lab(b));
        p.iter()
            .zip(q)
            .map(|(u, v)| (u - v).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    /// The CIELAB hue angle, in degrees.
    #[cfg(test)]
    pub(crate) fn hue(c: Rgb) -> f64 {
        let [_, a, b] = lab(c);
        b.atan2(a).to_degrees().rem_euclid(360.0)
    }
}

/// How the bars of a runner configuration are filled and its lines drawn:
/// what sets a runner's CPU mode apart within its own colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Fill {
    /// The runner's colour, solid bars and solid lines: CPU work inline
    /// (or a runner without a CPU mode).
    #[default]
    Solid,
    /// A lighter face with diagonal hatching in the runner's colour, and
    /// dashed lines in that colour: CPU work handed to threads (`cpu=offload`,
    /// `cpu=thread`).
    Hatched,
    /// A lighter face with cross-hatching in the runner's colour, and
    /// dotted lines in that colour: CPU work handed to processes
    /// (`cpu=process`).
    CrossHatched,
}

impl Fill {
    /// The fill of a runner whose `cpu` parameter is `cpu` (`None`: the
    /// runner has none).
    pub fn of_cpu(cpu: Option<&str>) -> Fill {
        match cpu {
            Some("offload" | "thread") => Fill::Hatched,
            Some("process") => Fill::CrossHatched,
            _ => Fill::Solid,
        }
    }

    /// The colour a bar of this fill is filled with when its runner's
    /// colour is `colour`: the colour itself when solid, [`Rgb::lighter`]
    /// when hatched (the hatch and lines keep `colour`).
    pub fn face(self, colour: Rgb) -> Rgb {
        match self {
            Fill::Solid => colour,
            Fill::Hatched | Fill::CrossHatched => colour.lighter(),
        }
    }
}

/// Every built-in runner with its family and colour, in the order of the
/// runner table (`runners/src/table.rs`): the order of legends within a
/// family, and of [`family_colour`]'s shades.
///
/// Sources: Okabe–Ito's blue, sky blue, bluish green, orange, vermillion
/// and reddish purple; Paul Tol's indigo, green, olive and wine; the
/// browns are CPython's own, low-saturation earth colours spread in
/// lightness (L* 23 to 74) and hue so that no two are within 25 units of
/// each other or of another family — Python's gold was tried first and
/// sat within 14 of Okabe–Ito orange.
const BUILTIN: [(&str, Family, Rgb); 17] = [
    ("seq", Family::Baseline, Rgb(0x44, 0x44, 0x44)),
    ("thread-per-task", Family::Threads, Rgb(0x00, 0x72, 0xB2)),
    ("thread-pool", Family::Threads, Rgb(0x56, 0xB4, 0xE9)),
    ("rayon", Family::Threads, Rgb(0x33, 0x22, 0x88)),
    ("tokio-ct", Family::Async, Rgb(0xE6, 0x9F, 0x00)),
    ("tokio-mt", Family::Async, Rgb(0xD5, 0x5E, 0x00)),
    ("async-std", Family::Async, Rgb(0xCC, 0x79, 0xA7)),
    ("smol", Family::Async, Rgb(0x88, 0x22, 0x55)),
    ("fork-pool", Family::Processes, Rgb(0x00, 0x9E, 0x73)),
    ("spawn-pool", Family::Processes, Rgb(0x11, 0x77, 0x33)),
    ("forkserver-pool", Family::Processes, Rgb(0x99, 0x99, 0x33)),
    ("py-seq", Family::Cpython, Rgb(0x84, 0x60, 0x48)),
    ("py-threads", Family::Cpython, Rgb(0xCC, 0x78, 0x4E)),
    ("py-fork", Family::Cpython, Rgb(0x84, 0x60, 0x12)),
    ("py-spawn", Family::Cpython, Rgb(0xDE, 0xAE, 0x60)),
    ("py-forkserver", Family::Cpython, Rgb(0xD8, 0xA8, 0x90)),
    ("py-asyncio", Family::Cpython, Rgb(0x60, 0x24, 0x00)),
];

/// Greys of the baseline beyond `seq`'s: the ideal-scaling line and a
/// darker one, so that a family of one runner still has three shades.
const BASELINE_MORE: [Rgb; 2] = [Rgb(0x88, 0x88, 0x88), Rgb(0x22, 0x22, 0x22)];

/// The colour of a family's reference line (ideal scaling from `seq` or
/// `py-seq`): a light shade no runner of the family is drawn in.
pub fn reference_colour(family: Family) -> Rgb {
    match family {
        Family::Cpython => Rgb(0xD9, 0xC7, 0xA7),
        other => family_colour(other, 1),
    }
}

/// The `shade`-th colour of a runner family: its built-in runners'
/// colours in table order (the baseline's `seq` grey, then lighter and
/// darker greys). Shades repeat when asked past the last.
pub fn family_colour(family: Family, shade: usize) -> Rgb {
    let mut shades: Vec<Rgb> = BUILTIN
        .iter()
        .filter(|(_, f, _)| *f == family)
        .map(|(_, _, c)| *c)
        .collect();
    if family == Family::Baseline {
        shades.extend(BASELINE_MORE);
    }
    shades[shade % shades.len()]
}

/// The colour of a runner, the same in every figure of every run and of
/// the course deck: a built-in runner's own colour (the table in
/// `palette.rs`); any other id gets one of its family's shades, chosen
/// by a stable hash of the id, so that no figure's set of runners moves
/// another's colour.
pub fn runner_colour(runner: &str, family: Family) -> Rgb {
    match BUILTIN
        .iter()
        .find(|(id, f, _)| *id == runner && *f == family)
    {
        Some((_, _, colour)) => *colour,
        None => family_colour(
            family,
            runner
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into())),
        ),
    }
}

/// Where a runner comes in a legend within its family: a built-in
/// runner's place in the runner table, any other runner after them all.
pub(crate) fn legend_rank(runner: &str) -> usize {
    BUILTIN
        .iter()
        .position(|(id, _, _)| *id == runner)
        .unwrap_or(BUILTIN.len())
}

/// The colour and fill of a runner configuration: [`runner_colour`] of
/// the runner, and the [`Fill`] of its `cpu` parameter. The course deck
/// and every figure draw a configuration with this.
pub fn runner_style(runner: &str, family: Family, cpu: Option<&str>) -> (Rgb, Fill) {
    (runner_colour(runner, family), Fill::of_cpu(cpu))
}

/// The colour and fill of a case's runner configuration: its runner id
/// and family, and its `cpu` runner parameter (see [`runner_style`]).
pub fn series_style(c: &CaseRecord) -> (Rgb, Fill) {
    runner_style(
        &c.runner,
        c.family,
        c.runner_params.get("cpu").map(String::as_str),
    )
}

#[cfg(test)]
mod tests {
    use super::lab::{delta_e, hue, lab};
    use super::*;

    /// The smallest ΔE*76 between two built-in runners: any two of them
    /// may share a figure (the sleep figures draw Rust's runtimes beside
    /// py-asyncio), so every pair is checked, not only pairs of a family.
    const RUNNER_FLOOR: f64 = 20.0;

    #[test]
    fn every_two_built_in_runners_differ_by_20_cielab_units() {
        let mut closest = (f64::INFINITY, "", "");
        for (i, (a, fa, _)) in BUILTIN.iter().enumerate() {
            for (b, fb, _) in &BUILTIN[..i] {
                let d = delta_e(runner_colour(a, *fa), runner_colour(b, *fb));
                assert!(
                    d >= RUNNER_FLOOR,
                    "{a} {} and {b} {} are {d:.1} apart",
                    runner_colour(a, *fa).hex(),
                    runner_colour(b, *fb).hex()
                );
                if d < closest.0 {
                    closest = (d, a, b);
                }
            }
        }
        // The closest pair today (Okabe–Ito's bluish green and Tol's
        // green), so that a change of palette that closes it up is seen.
        assert_eq!((closest.1, closest.2), ("spawn-pool", "fork-pool"));
    }

    #[test]
    fn families_keep_their_hues() {
        for (id, family, colour) in BUILTIN {
            let [l, a, b] = lab(colour);
            let chroma = a.hypot(b);
            let h = hue(colour);
            let ok = match family {
                Family::Baseline => chroma < 1.0,
                // Blue to indigo.
                Family::Threads => (230.0..=310.0).contains(&h),
                // Green to olive.
                Family::Processes => (100.0..=170.0).contains(&h),
                // Orange, vermillion, reddish purple, wine.
                Family::Async => h <= 80.0 || h >= 330.0,
                // Browns and tans: orange hues, muted or dark.
                Family::Cpython => (45.0..=85.0).contains(&h) && (chroma < 50.0 || l < 45.0),
            };
            assert!(
                ok,
                "{id} {} (L {l:.0} C {chroma:.0} h {h:.0})",
                colour.hex()
            );
        }
    }

    #[test]
    fn a_runner_keeps_its_colour_whatever_else_is_drawn() {
        assert_eq!(
            runner_colour("tokio-mt", Family::Async),
            Rgb(0xD5, 0x5E, 0x00)
        );
        assert_eq!(
            runner_colour("seq", Family::Baseline),
            family_colour(Family::Baseline, 0)
        );
        // An id outside the table: a shade of its family, always the same.
        let mine = runner_colour("my-runtime", Family::Async);
        assert_eq!(mine, runner_colour("my-runtime", Family::Async));
        assert!((0..4).any(|i| family_colour(Family::Async, i) == mine));
    }

    #[test]
    fn offload_is_the_runners_hue_lighter() {
        for (id, family, _) in BUILTIN {
            let (colour, inline) = runner_style(id, family, Some("inline"));
            assert_eq!(inline, Fill::Solid);
            assert_eq!(inline.face(colour), colour);
            for (cpu, fill) in [
                ("offload", Fill::Hatched),
                ("thread", Fill::Hatched),
                ("process", Fill::CrossHatched),
            ] {
                let (same, f) = runner_style(id, family, Some(cpu));
                assert_eq!((same, f), (colour, fill), "{id} cpu={cpu}");
                let face = f.face(colour);
                let (l0, l1) = (lab(colour)[0], lab(face)[0]);
                assert!(l1 >= l0 + 12.0, "{id}: L* {l0:.0} → {l1:.0}");
                let [_, a, b] = lab(colour);
                if a.hypot(b) > 10.0 {
                    let turn = (hue(face) - hue(colour) + 180.0).rem_euclid(360.0) - 180.0;
                    assert!(turn.abs() <= 3.0, "{id}: hue turns {turn:.0}°");
                }
            }
        }
    }

    #[test]
    fn reference_lines_keep_clear_of_runners() {
        // The ideal line of seq is grey, py-seq's a pale tan: neither is
        // a built-in runner's colour.
        for family in [Family::Baseline, Family::Cpython] {
            let r = reference_colour(family);
            assert!(BUILTIN.iter().all(|(_, _, c)| *c != r), "{}", r.hex());
        }
    }
}

//! Numbers and units as every output shows them: the HTML page,
//! summary.md and the figures' ticks and findings read the same number
//! the same way (criterion's `format.rs`, divan's `util/fmt.rs`).
//!
//! The key design decision: at most three significant digits, with a
//! unit chosen by magnitude, so a column of results lines up by meaning
//! rather than by decimal places.

/// A time unit that keeps the numbers between 1 and 1000: (name, seconds per unit).
pub fn time_unit(max_seconds: f64) -> (&'static str, f64) {
    if max_seconds >= 1.0 {
        ("s", 1.0)
    } else if max_seconds >= 1e-3 {
        ("ms", 1e-3)
    } else if max_seconds >= 1e-6 {
        ("µs", 1e-6)
    } else {
        ("ns", 1e-9)
    }
}

/// Seconds with a unit that keeps 3 significant digits readable (`51.2 µs`).
pub fn duration(v: f64) -> String {
    let (unit, per) = time_unit(v.abs());
    format!("{} {unit}", number(v / per))
}

/// Bytes as B, KiB, MiB, GiB or TiB, 3 significant digits.
pub fn bytes(v: f64) -> String {
    const K: f64 = 1024.0;
    if v >= K * K * K * K {
        format!("{} TiB", number(v / (K * K * K * K)))
    } else if v >= K * K * K {
        format!("{} GiB", number(v / (K * K * K)))
    } else if v >= K * K {
        format!("{} MiB", number(v / (K * K)))
    } else if v >= K {
        format!("{} KiB", number(v / K))
    } else {
        format!("{v:.0} B")
    }
}

/// Tasks per second, 3 significant digits (`52.3k/s`).
pub fn rate(per_second: f64) -> String {
    format!("{}/s", number(per_second))
}

/// How many times another value this one is, 3 significant digits (`1.87×`).
pub fn ratio(times: f64) -> String {
    format!("{}×", number(times))
}

/// A tick label or a table cell: at most 3 significant digits, without
/// trailing zeros, with k, M, G suffixes from ten thousand up.
pub fn number(v: f64) -> String {
    significant(v, 3)
}

/// A number for a finding, read aloud from a slide: 2 significant digits
/// with k, M, G suffixes (`1.9`, `0.43`, `52k`).
pub fn short(v: f64) -> String {
    significant(v, 2)
}

/// At most `sig` significant digits (1 to 6) with k, M, G suffixes.
fn significant(v: f64, sig: i32) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = if scaled == 0.0 {
        "0".to_string()
    } else {
        let digits = (sig - 1 - scaled.abs().log10().floor() as i32).clamp(0, 6) as usize;
        let t = format!("{scaled:.digits$}");
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    };
    format!("{s}{suffix}")
}

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

/// Numbers and units in a reader's language: the decimal separator
/// (`2,6` in Russian), the unit names (`мс`, `мкс`, `нс`, `КиБ`) and the
/// thousands suffixes (`52,3 тыс.`). Every string a reader sees goes
/// through these; the functions above stay for machine-minded text (CSV
/// labels, `--plan`, error messages), which is always English.
pub mod local {
    use crate::Lang;

    /// Seconds with a readable unit: `31 ns` / `31 нс`, `1.2 ms` / `1,2 мс`.
    pub fn duration(v: f64, lang: Lang) -> String {
        let (unit, per) = super::time_unit(v.abs());
        format!("{} {}", number(v / per, lang), time_unit_name(unit, lang))
    }

    /// A time unit's name in `lang` (`ms` → `мс`).
    pub fn time_unit_name(unit: &str, lang: Lang) -> &'static str {
        match (unit, lang) {
            ("s", Lang::En) => "s",
            ("s", Lang::Ru) => "с",
            ("ms", Lang::En) => "ms",
            ("ms", Lang::Ru) => "мс",
            ("µs", Lang::En) => "µs",
            ("µs", Lang::Ru) => "мкс",
            (_, Lang::En) => "ns",
            (_, Lang::Ru) => "нс",
        }
    }

    /// Bytes with a binary prefix: `1.5 KiB` / `1,5 КиБ`.
    pub fn bytes(v: f64, lang: Lang) -> String {
        const K: f64 = 1024.0;
        let units: [&str; 5] = match lang {
            Lang::En => ["B", "KiB", "MiB", "GiB", "TiB"],
            Lang::Ru => ["Б", "КиБ", "МиБ", "ГиБ", "ТиБ"],
        };
        let mut scaled = v;
        let mut i = 0;
        while scaled.abs() >= K && i < units.len() - 1 {
            scaled /= K;
            i += 1;
        }
        if i == 0 {
            format!("{v:.0} {}", units[0])
        } else {
            format!("{} {}", number(scaled, lang), units[i])
        }
    }

    /// At most 3 significant digits with the language's decimal
    /// separator and thousands suffix: `52.3k` / `52,3 тыс.`.
    pub fn number(v: f64, lang: Lang) -> String {
        digits(v, 3, lang)
    }

    /// 2 significant digits, for a number read aloud from a slide.
    pub fn short(v: f64, lang: Lang) -> String {
        digits(v, 2, lang)
    }

    /// `1.87×` / `1,87×`.
    pub fn ratio(v: f64, lang: Lang) -> String {
        format!("{}×", number(v, lang))
    }

    /// Tasks per second: `52.3k/s` / `52,3 тыс./с`.
    pub fn rate(v: f64, lang: Lang) -> String {
        format!("{}{}", number(v, lang), lang.pick("/s", "/с"))
    }

    /// A share as a percentage: `4.2 %` / `4,2 %`.
    pub fn percent(share: f64, lang: Lang) -> String {
        format!("{} %", number(share * 100.0, lang))
    }

    /// An interval `[low–high]` of two numbers in `lang`, each written
    /// by `f`.
    pub fn interval(low: f64, high: f64, f: impl Fn(f64) -> String) -> String {
        format!("[{}–{}]", f(low), f(high))
    }

    fn digits(v: f64, sig: i32, lang: Lang) -> String {
        let en = super::significant(v, sig);
        match lang {
            Lang::En => en,
            Lang::Ru => {
                let (body, suffix) = match en.chars().last() {
                    Some('k') => (&en[..en.len() - 1], " тыс."),
                    Some('M') => (&en[..en.len() - 1], " млн"),
                    Some('G') => (&en[..en.len() - 1], " млрд"),
                    _ => (en.as_str(), ""),
                };
                format!("{}{suffix}", body.replace('.', ","))
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn russian_numbers_use_commas_and_russian_units() {
            assert_eq!(duration(31e-9, Lang::Ru), "31 нс");
            assert_eq!(duration(0.0012, Lang::Ru), "1,2 мс");
            assert_eq!(duration(0.0000512, Lang::Ru), "51,2 мкс");
            assert_eq!(duration(2.5, Lang::Ru), "2,5 с");
            assert_eq!(duration(0.0012, Lang::En), "1.2 ms");
            assert_eq!(bytes(1536.0, Lang::Ru), "1,5 КиБ");
            assert_eq!(bytes(1536.0, Lang::En), "1.5 KiB");
            assert_eq!(bytes(300.0, Lang::Ru), "300 Б");
            assert_eq!(number(52_300.0, Lang::Ru), "52,3 тыс.");
            assert_eq!(number(52_300.0, Lang::En), "52.3k");
            assert_eq!(ratio(1.87, Lang::Ru), "1,87×");
            assert_eq!(rate(1200.0, Lang::Ru), "1200/с");
            assert_eq!(percent(0.042, Lang::Ru), "4,2 %");
        }
    }
}

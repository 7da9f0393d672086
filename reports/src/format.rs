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

    /// A time unit chosen for `max_seconds` (as [`super::time_unit`]),
    /// named in `lang`, with the seconds per unit: `("мкс", 1e-6)`.
    pub fn time_unit(max_seconds: f64, lang: Lang) -> (&'static str, f64) {
        let (unit, per) = super::time_unit(max_seconds);
        (time_unit_name(unit, lang), per)
    }

    /// How many times faster or slower than `than` a speed-up of `ratio`
    /// is, as a phrase: `1.8× faster than seq` / `в 1,8 раза быстрее
    /// seq`, below 1 `1.3× slower than seq` / `в 1,3 раза медленнее seq`
    /// (the inverse), and `as fast as seq` / `так же быстро, как seq`
    /// when the factor rounds to 1 (Russian has no natural «в 1 раз»).
    pub fn times(ratio: f64, than: &str, lang: Lang) -> String {
        let slower = ratio < 1.0 && ratio > 0.0;
        let factor = if slower { 1.0 / ratio } else { ratio };
        let shown = super::significant(factor, 2);
        if shown == "1" {
            return lang.pick(
                format!("as fast as {than}"),
                format!("так же быстро, как {than}"),
            );
        }
        match lang {
            Lang::En => format!(
                "{shown}× {} than {than}",
                if slower { "slower" } else { "faster" }
            ),
            Lang::Ru => format!(
                "в {} {} {than}",
                times_count(factor),
                if slower {
                    "медленнее"
                } else {
                    "быстрее"
                }
            ),
        }
    }

    /// `1,8 раза`, `2 раза`, `5 раз`, `21 раз`, `52 тыс. раз`: a factor
    /// of 2 significant digits with the form of «раз» Russian gives it
    /// (a fraction takes «раза»; a whole number its plural form).
    pub fn times_count(factor: f64) -> String {
        let n = short(factor, Lang::Ru);
        let word = if n.contains(',') {
            "раза"
        } else if let Ok(whole) = n.parse::<u64>() {
            let (m10, m100) = (whole % 10, whole % 100);
            if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
                "раза"
            } else {
                "раз"
            }
        } else {
            // `52 тыс.`, `3 млн`: genitive plural.
            "раз"
        };
        format!("{n} {word}")
    }

    /// A range of speed-ups, all over `than`: `в 1,8–1,9 раза быстрее
    /// seq`, `в 1,1–1,3 раза медленнее seq`, or, when it reaches across
    /// 1, `от 0,95 до 1,1 скорости seq`; in English `0.95–1.1× seq's
    /// speed`.
    pub fn times_range(lo: f64, hi: f64, than: &str, lang: Lang) -> String {
        let (a, b) = (short(lo, lang), short(hi, lang));
        match lang {
            Lang::En => format!("{a}–{b}× {than}'s speed"),
            Lang::Ru => {
                let one = |v: f64| super::significant(v, 2) == "1";
                if lo > 1.0 && !one(lo) {
                    let upper = times_count(hi);
                    format!("в {}–{upper} быстрее {than}", short(lo, lang))
                } else if hi < 1.0 && hi > 0.0 && !one(1.0 / hi) {
                    let upper = times_count(1.0 / lo);
                    format!("в {}–{upper} медленнее {than}", short(1.0 / hi, lang))
                } else if a == b {
                    times(hi, than, lang)
                } else {
                    format!("от {a} до {b} скорости {than}")
                }
            }
        }
    }

    /// Seconds with their own unit and 2 significant digits, for a
    /// finding: `270 ns` / `270 нс`, `41 ms` / `41 мс`.
    pub fn short_duration(v: f64, lang: Lang) -> String {
        let (unit, per) = super::time_unit(v.abs());
        format!("{} {}", short(v / per, lang), time_unit_name(unit, lang))
    }

    /// A number of 2 significant digits and the noun it counts, in the
    /// form the number asks for: `1.2 switches` / `1,2 переключения`,
    /// `5 переключений`, `21 переключение` (a fraction takes the
    /// second Russian form, as «2»).
    pub fn short_count(v: f64, lang: Lang, en: (&str, &str), ru: (&str, &str, &str)) -> String {
        let n = short(v, lang);
        format!("{n} {}", noun(&n, lang, en, ru))
    }

    /// The form of a noun after the number `n` as written in `lang`
    /// (`1,2` → the second Russian form, `5` → the third).
    pub fn noun<'a>(
        n: &str,
        lang: Lang,
        en: (&'a str, &'a str),
        ru: (&'a str, &'a str, &'a str),
    ) -> &'a str {
        match lang {
            Lang::En => {
                if n == "1" {
                    en.0
                } else {
                    en.1
                }
            }
            Lang::Ru => match n.parse::<u64>() {
                Ok(whole) => {
                    let (m10, m100) = (whole % 10, whole % 100);
                    if m10 == 1 && m100 != 11 {
                        ru.0
                    } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
                        ru.1
                    } else {
                        ru.2
                    }
                }
                Err(_) if n.contains(',') && !n.contains(' ') => ru.1,
                Err(_) => ru.2,
            },
        }
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
            assert_eq!(time_unit(0.02, Lang::Ru), ("мс", 1e-3));
            assert_eq!(short_duration(0.000_000_27, Lang::Ru), "270 нс");
            let switches = ("переключение", "переключения", "переключений");
            assert_eq!(
                short_count(1.23, Lang::Ru, ("", ""), switches),
                "1,2 переключения"
            );
            assert_eq!(
                short_count(5.0, Lang::Ru, ("", ""), switches),
                "5 переключений"
            );
            assert_eq!(
                short_count(21.0, Lang::Ru, ("", ""), switches),
                "21 переключение"
            );
            assert_eq!(
                short_count(1.0, Lang::En, ("switch", "switches"), switches),
                "1 switch"
            );
        }

        #[test]
        fn times_reads_as_a_phrase_in_either_language() {
            assert_eq!(times(1.83, "seq", Lang::Ru), "в 1,8 раза быстрее seq");
            assert_eq!(times(1.83, "seq", Lang::En), "1.8× faster than seq");
            assert_eq!(times(0.77, "seq", Lang::Ru), "в 1,3 раза медленнее seq");
            assert_eq!(times(0.77, "seq", Lang::En), "1.3× slower than seq");
            assert_eq!(times(1.02, "py-seq", Lang::Ru), "так же быстро, как py-seq");
            assert_eq!(times(0.98, "seq", Lang::En), "as fast as seq");
            assert_eq!(times(2.0, "seq", Lang::Ru), "в 2 раза быстрее seq");
            assert_eq!(times(5.0, "seq", Lang::Ru), "в 5 раз быстрее seq");
            assert_eq!(times(22.0, "seq", Lang::Ru), "в 22 раза быстрее seq");
            assert_eq!(times(12.0, "seq", Lang::Ru), "в 12 раз быстрее seq");
            assert_eq!(
                times_range(1.8, 1.9, "seq", Lang::Ru),
                "в 1,8–1,9 раза быстрее seq"
            );
            assert_eq!(
                times_range(0.5, 0.8, "seq", Lang::Ru),
                "в 1,2–2 раза медленнее seq"
            );
            assert_eq!(
                times_range(0.95, 1.04, "seq", Lang::Ru),
                "от 0,95 до 1 скорости seq"
            );
            assert_eq!(
                times_range(1.0, 1.02, "seq", Lang::Ru),
                "так же быстро, как seq"
            );
        }
    }
}

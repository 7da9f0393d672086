//! The language of a report's words: English, or Russian for the course
//! texts. Every figure and page string is written next to its translation
//! with [`Lang::pick`], so a new string cannot forget one.

use std::fmt;
use std::str::FromStr;

/// The language titles, axes, legends and captions are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Russian, for the course texts.
    Ru,
}

impl Lang {
    /// The English or the Russian text.
    pub fn pick<T>(self, en: T, ru: T) -> T {
        match self {
            Lang::En => en,
            Lang::Ru => ru,
        }
    }

    /// `1 task`, `2 tasks`; in Russian with its three plural forms
    /// (`1 задача`, `2 задачи`, `5 задач`).
    pub fn count(self, n: u64, en: (&str, &str), ru: (&str, &str, &str)) -> String {
        let word = match self {
            Lang::En => {
                if n == 1 {
                    en.0
                } else {
                    en.1
                }
            }
            Lang::Ru => {
                let (m10, m100) = (n % 10, n % 100);
                if m10 == 1 && m100 != 11 {
                    ru.0
                } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
                    ru.1
                } else {
                    ru.2
                }
            }
        };
        format!("{n} {word}")
    }

    /// A number written in English (`2.6`, `52.3k`) with the decimal
    /// separator of the language: `2,6` in Russian.
    pub fn decimal(self, number: &str) -> String {
        match self {
            Lang::En => number.to_string(),
            Lang::Ru => number.replace('.', ","),
        }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        self.pick("en", "ru")
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "en" => Ok(Lang::En),
            "ru" => Ok(Lang::Ru),
            _ => Err(format!("unknown language `{s}`; use en or ru")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn russian_plurals_follow_the_last_digits() {
        let forms = ("задача", "задачи", "задач");
        let ru = |n| Lang::Ru.count(n, ("task", "tasks"), forms);
        assert_eq!(ru(1), "1 задача");
        assert_eq!(ru(3), "3 задачи");
        assert_eq!(ru(5), "5 задач");
        assert_eq!(ru(11), "11 задач");
        assert_eq!(ru(12), "12 задач");
        assert_eq!(ru(21), "21 задача");
        assert_eq!(ru(104), "104 задачи");
        assert_eq!(Lang::En.count(1, ("task", "tasks"), forms), "1 task");
        assert_eq!(Lang::En.count(8, ("task", "tasks"), forms), "8 tasks");
    }

    #[test]
    fn russian_numbers_have_a_decimal_comma() {
        assert_eq!(Lang::Ru.decimal("2.6"), "2,6");
        assert_eq!(Lang::Ru.decimal("52.3k"), "52,3k");
        assert_eq!(Lang::En.decimal("2.6"), "2.6");
    }
}

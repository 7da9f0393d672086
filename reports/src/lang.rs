//! The language of a report's words: English, or Russian for the course
//! texts. Every figure and page string is written next to its translation
//! with [`Lang::pick`], so a new string cannot forget one.
//!
//! [`visible_text`] and [`stray_english`] check the result: what a reader
//! of a Russian page sees should hold no English word but the names the
//! allowlist documents. Data shown as it is — host names, paths, command
//! lines, case ids — goes inside `<code>` (backticks in Markdown), which
//! the check leaves alone.

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

/// Names a Russian text may write in Latin letters anywhere: runner and
/// workload ids, the libraries and runtimes compared, the tools and file
/// formats, the metrics named by their usual abbreviations. Compared
/// without regard to case.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    // Runner ids.
    "seq", "thread-per-task", "thread-pool", "rayon", "fork-pool", "spawn-pool",
    "forkserver-pool", "tokio-ct", "tokio-mt", "async-std", "smol", "py-seq",
    "py-threads", "py-fork", "py-spawn", "py-forkserver", "py-asyncio",
    // Workload ids.
    "countdown", "primes", "sha256", "mandelbrot", "noop", "sleep", "echo",
    "http-words", "file-io", "loop-lag", "shared-counter",
    // The values of `cpu` (a metric below) a label shows bare.
    "inline", "offload", "thread", "process",
    // Libraries, languages, tools and formats.
    "tokio", "CPython", "Python", "Rust", "GIL", "asyncio", "multiprocessing",
    "hashlib", "time.sleep", "ThreadPoolExecutor", "Pool", "Value", "Queue", "Manager",
    // multiprocessing's start methods, by their API names.
    "fork", "spawn", "forkserver",
    "bakeoff", "criterion", "Linux", "JSON", "CSV", "HTML", "HTTP", "SVG", "PNG",
    // Metrics.
    "CPU", "PSI", "RSS", "PSS", "p50", "p90", "p99", "p99.9",
];

/// Parameter names a label may show as `name=value` (`workers=2`,
/// `parent_mb=64`): allowed only before an `=`, so that a bare English
/// word such as `target` is still caught.
#[rustfmt::skip]
const PARAMS: &[&str] = &[
    "workers", "chunksize", "parent_mb", "python", "duration", "n", "numbers",
    "size", "rounds", "width", "max_iter", "beat", "patience", "requests",
    "target", "delay", "jitter", "pages", "bytes", "top", "fsync", "mode",
    "via", "increments", "cpu", "starts",
];

/// Parameter values a label may show after an `=` besides numbers,
/// durations (`duration=100ms`) and [`NAMES`].
const VALUES: &[&str] = &[
    "course", "embedded", "true", "false", "auto", "shared", "queue", "manager",
];

/// Whether `word` has two Latin letters or more.
fn latin(word: &str) -> bool {
    word.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2
}

/// Whether `value`, after an `=`, is a number with a time unit as a
/// parameter is written (`100ms`, `1.5s`, `20us`).
fn duration_value(value: &str) -> bool {
    let unit = value.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    unit.len() < value.len() && ["ns", "us", "µs", "ms", "s", "m", "h"].contains(&unit)
}

/// The Latin-script words (two letters or more: the ids `C1`…`C9` and
/// `c=100` have one) of `text`, a text a Russian reader sees, that the
/// allowlist does not name, in order of appearance, each once. A word
/// is a run of ASCII letters, digits, `_`, `-`, `.` and `=`;
/// `name=value` is allowed when `name` is a known parameter ([`PARAMS`]
/// or [`NAMES`]) and `value` a number, a duration, a name or a known
/// value. Run it on [`visible_text`] of a page, so that
/// what sits in `<code>` (ids, commands, paths) is exempt.
pub fn stray_english(text: &str) -> Vec<String> {
    let allowed = |w: &str, list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(w));
    let mut out: Vec<String> = Vec::new();
    let token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '=');
    for raw in text.split(|c: char| !token(c)) {
        let word = raw.trim_matches(|c| matches!(c, '-' | '.' | '='));
        if !latin(word) {
            continue;
        }
        let ok = match word.split_once('=') {
            Some((name, value)) => {
                (!latin(name) || allowed(name, PARAMS) || allowed(name, NAMES))
                    && (!latin(value)
                        || duration_value(value)
                        || allowed(value, NAMES)
                        || allowed(value, VALUES))
            }
            None => allowed(word, NAMES),
        };
        if !ok && !out.iter().any(|w| w == word) {
            out.push(word.to_string());
        }
    }
    out
}

/// What a reader of an HTML page sees as text: the page without its tags,
/// without the contents of `<head>` (its `<title>` repeats the first
/// heading), `<script>`, `<style>` and `<code>` (ids, commands, paths:
/// data, shown as it is), with the tooltips of `title="…"` attributes
/// kept (a reader sees them too), and with the entities a report uses
/// decoded. Tags become spaces, so words on either side stay apart.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode(&rest[..open]));
        rest = &rest[open..];
        let Some(close) = rest.find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[1..close];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        // Tooltips are read too.
        let mut attrs = tag;
        while let Some(at) = attrs.find("title=\"") {
            let value = &attrs[at + 7..];
            let end = value.find('"').unwrap_or(value.len());
            out.push(' ');
            out.push_str(&decode(&value[..end]));
            out.push(' ');
            attrs = &value[end..];
        }
        rest = &rest[close + 1..];
        if matches!(name.as_str(), "head" | "script" | "style" | "code") {
            let end = format!("</{name}");
            match find_ignoring_case(rest, &end) {
                Some(at) => {
                    rest = &rest[at..];
                    rest = rest.find('>').map_or("", |gt| &rest[gt + 1..]);
                }
                None => rest = "",
            }
        }
        out.push(' ');
    }
    out.push_str(&decode(rest));
    out
}

/// Where `needle` (ASCII) first occurs in `hay`, whatever the case of
/// its letters.
fn find_ignoring_case(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// What a reader of a Markdown file sees as words: the file without its
/// code spans (`` `…` ``, data shown as it is), with the entities its
/// table cells escape decoded.
pub fn visible_markdown(md: &str) -> String {
    let mut out = String::new();
    for (i, part) in md.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(&decode(part));
        }
        out.push(' ');
    }
    out
}

/// Decodes the entities minijinja's escaping and summary.md's cells
/// write.
fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::{stray_english, visible_markdown, visible_text, Lang};

    #[test]
    fn stray_english_finds_a_planted_word_and_passes_clean_russian() {
        let clean = "rayon в 1,9 раза быстрее seq на 2 исполнителях; tokio-mt cpu=offload \
                     и py-fork chunksize=1 parent_mb=64 — ниже, p99.9 задержки 3,1 мс, пик RSS 12 МиБ.";
        assert!(
            stray_english(clean).is_empty(),
            "{:?}",
            stray_english(clean)
        );
        let planted = "rayon в 1,9 раза быстрее seq, a workers ждут (complete), 12 MiB";
        assert_eq!(stray_english(planted), ["workers", "complete", "MiB"]);
        // A parameter name alone is a word, not a label.
        assert_eq!(stray_english("исполнители: target"), ["target"]);
        assert!(stray_english("sleep duration=100ms, 1000 задач").is_empty());
        assert_eq!(stray_english("size=huge"), ["size=huge"]);
    }

    #[test]
    fn visible_text_drops_tags_code_styles_and_keeps_tooltips() {
        let html = "<html><head><title>Report</title><style>body { color: red }</style></head>\
                    <body><h1>Отчёт</h1><p>машина <CODE>vm-host &amp; co</CODE></p>\
                    <td title=\"подсказка\">1,5&nbsp;мс</td><script>let x = 1;</script></body></html>";
        let text = visible_text(html);
        assert!(text.contains("Отчёт") && text.contains("машина"), "{text}");
        assert!(
            text.contains("подсказка") && text.contains("1,5\u{a0}мс"),
            "{text}"
        );
        for gone in ["Report", "color", "vm-host", "let x"] {
            assert!(!text.contains(gone), "{gone}: {text}");
        }
        assert!(
            stray_english(&text).is_empty(),
            "{:?}",
            stray_english(&text)
        );
        let md = "| `primes/seq/w-` | ок | 1,2 тыс./с |\n- Python: `3.11.2 (/usr/bin/python3)`";
        let text = visible_markdown(md);
        assert!(!text.contains("usr") && text.contains("тыс."), "{text}");
    }

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

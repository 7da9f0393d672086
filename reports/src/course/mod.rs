//! The course deck: every claim of the course texts, measured on the
//! reader's machine, with a verdict.
//!
//! The key design decision: **a claim is judged by a rule written beside
//! it in code** ([`claims`]), from a results file alone. Each rule names
//! the cases it needs, the ratios it computes from their repetitions and
//! the thresholds those ratios' 95 % intervals must clear ([`rule`]); a
//! verdict never says more than its intervals do, and a claim whose
//! cases are missing (no python3 here) is inconclusive with that reason
//! while the rest of the deck is still written ([`deck`]).
//!
//! To add a claim: write a module in `claims/` with a `ClaimDef` (its id,
//! its words and the seed text it quotes) and a `judge` function, and
//! list it in [`claims::ALL`]; its cases go in `suites/course.toml` and
//! `suites/course-quick.toml`.

pub mod claims;
pub mod deck;
pub mod rule;

use serde::Serialize;

pub use deck::{render_deck, Deck};
pub use rule::{Check, Expect, Outcome, Ratio};

use crate::figures::Plot;
use crate::{Lang, Results};

/// A passage of a course text a claim is taken from.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Quote {
    /// The seed file (`000_dc2d6137d8000791.txt`).
    pub file: &'static str,
    /// Its lines (`119` or `262–276`).
    pub lines: &'static str,
    /// The passage as the course writes it, in Russian; code between
    /// backticks.
    pub text: &'static str,
}

/// A claim of the course, as data: what it says and where.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Claim {
    /// `C1` … `C9`.
    pub id: &'static str,
    /// A few words for the table of contents, in English.
    pub short_en: &'static str,
    /// The same in Russian.
    pub short_ru: &'static str,
    /// The claim as the deck tests it, in English.
    pub en: &'static str,
    /// The claim as the deck tests it, in Russian.
    pub ru: &'static str,
    /// The passages it is taken from.
    pub quotes: &'static [Quote],
}

impl Claim {
    /// The short title in `lang`.
    pub fn short(&self, lang: Lang) -> &'static str {
        lang.pick(self.short_en, self.short_ru)
    }

    /// The claim in `lang`.
    pub fn text(&self, lang: Lang) -> &'static str {
        lang.pick(self.en, self.ru)
    }
}

/// A claim judged on one results file.
#[derive(Clone, Debug)]
pub struct Judgement {
    /// The claim.
    pub claim: Claim,
    /// Its verdict.
    pub outcome: Outcome,
    /// The verdict in words with its key numbers, in one line.
    pub headline: String,
    /// The headline's opening words (the verdict in words).
    pub lead: String,
    /// The headline's numbers.
    pub numbers: String,
    /// The checks behind the verdict (and those shown for context).
    pub checks: Vec<Check>,
    /// What on this machine limits the evidence (its cores, a missing
    /// interpreter), in the deck's language.
    pub limits: Vec<String>,
    /// Other measured facts the reader should see (memory per thread,
    /// the same comparison in Rust), in the deck's language.
    pub notes: Vec<String>,
    /// The claim's figure, when any of its cases were measured.
    pub figure: Option<Plot>,
}

/// What a claim's `judge` returns; [`judge`] adds the verdict.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// The checks.
    pub checks: Vec<Check>,
    /// The headline's lead for each outcome is chosen by the claim; this
    /// is the part with the numbers ("1,0× on 2 cores; processes 1,9×").
    pub numbers: String,
    /// Limits of this machine.
    pub limits: Vec<String>,
    /// Other facts.
    pub notes: Vec<String>,
    /// The figure.
    pub figure: Option<Plot>,
}

/// Judges every claim of [`claims::ALL`] on `results`, in `lang`.
pub fn judge(results: &Results, lang: Lang) -> Vec<Judgement> {
    claims::ALL
        .iter()
        .map(|c| {
            let evidence = (c.judge)(results, lang);
            let outcome = Outcome::combine(&evidence.checks);
            let lead = match outcome {
                Outcome::Holds => lang.pick(c.holds.0, c.holds.1).to_string(),
                Outcome::Refuted => format!(
                    "{} — {}",
                    c.claim.short(lang),
                    lang.pick("not so on this machine", "на этой машине это не так")
                ),
                Outcome::Inconclusive => format!(
                    "{} — {}",
                    c.claim.short(lang),
                    lang.pick(
                        "not settled on this machine",
                        "на этой машине не установлено"
                    )
                ),
            };
            let headline = if evidence.numbers.is_empty() {
                lead.clone()
            } else {
                format!("{lead}: {}", evidence.numbers)
            };
            let mut limits = common_limits(results, lang);
            limits.extend(evidence.limits);
            Judgement {
                claim: c.claim,
                outcome,
                headline,
                lead,
                numbers: evidence.numbers,
                checks: evidence.checks,
                limits,
                notes: evidence.notes,
                // The figure's ticks follow the deck's language too
                // (`500 тыс.`, not `500k`).
                figure: evidence.figure.map(|mut p| {
                    p.lang = lang;
                    p
                }),
            }
        })
        .collect()
}

/// What limits every claim on this machine: a core count of 2 or fewer.
fn common_limits(results: &Results, lang: Lang) -> Vec<String> {
    let cores = results.environment.logical_cores;
    if cores <= 2 {
        vec![match lang {
            Lang::En => format!(
                "{cores} logical core(s): no model can run more than {cores} tasks at once, so no speed-up can pass {cores}×, and the harness shares the cores with the work"
            ),
            Lang::Ru => format!(
                "{}: ни одна модель не выполнит больше {cores} задач одновременно, ускорение не превысит {cores}×, а сам замер делит ядра с работой",
                lang.count(cores.into(), ("core", "cores"), ("логическое ядро", "логических ядра", "логических ядер"))
            ),
        }]
    } else {
        Vec::new()
    }
}

/// `1,9×`: one decimal below 10, none above, in `lang`'s notation; the
/// form a slide reads aloud.
pub fn times(v: f64, lang: Lang) -> String {
    let s = if v < 9.95 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    format!("{}×", lang.decimal(&s))
}

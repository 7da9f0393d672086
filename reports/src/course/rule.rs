//! How a claim is judged: checks of measured ratios against thresholds,
//! each with the interval of "Numbers that hold", and the one rule that
//! turns a claim's checks into its verdict.
//!
//! The key design decision: a check is decided by its *interval*, never
//! by its point estimate. It holds when the whole interval lies on the
//! side of the threshold the claim expects, is refuted when the whole
//! interval lies on the other side, and is inconclusive when the interval
//! straddles the threshold, reaches less than 95 % confidence, or the
//! cases it needs are missing. A claim holds when every check that counts
//! holds, is refuted when any is refuted, and is inconclusive otherwise.

use serde::Serialize;

use crate::twosample::{self, LEVEL};
use crate::{CaseRecord, CaseStatus, Lang, Repetition, Results, Stat};

/// A claim's verdict, and a check's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The measurements support the claim: every interval clears its
    /// threshold on the expected side.
    Holds,
    /// The measurements contradict it: an interval clears its threshold
    /// on the other side.
    Refuted,
    /// Neither: the noise is larger than the effect, or a measurement the
    /// rule needs is missing on this machine.
    Inconclusive,
}

impl Outcome {
    /// `holds`, `refuted` or `inconclusive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Holds => "holds",
            Outcome::Refuted => "refuted",
            Outcome::Inconclusive => "inconclusive",
        }
    }

    /// The verdict in words, for headings and badges.
    pub fn word(self, lang: Lang) -> &'static str {
        match self {
            Outcome::Holds => lang.pick("holds", "подтверждается"),
            Outcome::Refuted => lang.pick("refuted", "опровергнуто"),
            Outcome::Inconclusive => lang.pick("inconclusive", "не установлено"),
        }
    }

    /// The claim's verdict from its checks that count: refuted when any
    /// is refuted, holds when there is at least one and all hold,
    /// inconclusive otherwise.
    pub fn combine<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Outcome {
        let mut any = false;
        let mut all_hold = true;
        for c in checks.into_iter().filter(|c| c.counts) {
            any = true;
            match c.outcome {
                Outcome::Refuted => return Outcome::Refuted,
                Outcome::Inconclusive => all_hold = false,
                Outcome::Holds => {}
            }
        }
        if any && all_hold {
            Outcome::Holds
        } else {
            Outcome::Inconclusive
        }
    }
}

/// Which side of its threshold a check expects its ratio on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// At least the threshold (the whole interval at or above it).
    Above,
    /// Below the threshold (the whole interval below it).
    Below,
}

/// A measured ratio with its interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ratio {
    /// The estimate: new / base (the Hodges–Lehmann ratio for two
    /// samples; the median over a constant for one).
    pub value: f64,
    /// Lower end of its interval.
    pub low: f64,
    /// Upper end of its interval.
    pub high: f64,
    /// The confidence the interval has (at least 0.95 to decide).
    pub level: f64,
    /// Repetitions behind the base and the new side (the new side only,
    /// for a ratio over a constant: then the base is 0).
    pub n: (usize, usize),
}

impl Ratio {
    /// The ratio new / base of two samples of one metric (the base is
    /// the denominator): the Hodges–Lehmann estimate and its
    /// distribution-free interval ([`twosample::shift`]).
    pub fn of(base: &[f64], new: &[f64]) -> Option<Ratio> {
        let s = twosample::shift(base, new)?;
        Some(Ratio {
            value: s.ratio,
            low: s.low,
            high: s.high,
            level: s.level,
            n: (base.len(), new.len()),
        })
    }

    /// The median of `values` over a constant `base` (a sleep's own
    /// length, say), with the median's order-statistic interval.
    pub fn over(values: &[f64], base: f64) -> Option<Ratio> {
        let s = Stat::of(values)?;
        if base <= 0.0 || !base.is_finite() {
            return None;
        }
        Some(Ratio {
            value: s.median / base,
            low: s.median_low / base,
            high: s.median_high / base,
            level: s.median_level,
            n: (0, values.len()),
        })
    }

    /// `1,02× [0,97–1,06]` in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use crate::format::local::{interval, number};
        format!(
            "{}× {}",
            number(self.value, lang),
            interval(self.low, self.high, |v| number(v, lang))
        )
    }
}

/// One check of a claim: a ratio of two measurements against a
/// threshold.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What is compared, in the deck's language ("py-threads ÷ py-seq,
    /// throughput, 2 workers").
    pub what: String,
    /// The metric, as a machine reads it (`throughput`, `wall`,
    /// `loop_lag_p99`, `bytes_per_task`, `time_per_increment`,
    /// `startup`).
    pub metric: &'static str,
    /// The case the ratio is over (its denominator), when it is a case.
    pub base: Option<String>,
    /// The case the ratio is of.
    pub new: Option<String>,
    /// The measured ratio, when both cases were measured.
    pub ratio: Option<Ratio>,
    /// The side of the threshold the claim expects.
    pub expect: Expect,
    /// The threshold.
    pub threshold: f64,
    /// Whether the check decides the verdict (`false`: shown for
    /// context, such as the same model in the other language).
    pub counts: bool,
    /// Its outcome.
    pub outcome: Outcome,
    /// Why it is inconclusive, when it is, in the deck's language.
    pub why: Option<String>,
}

impl Check {
    /// Decides a check from its ratio (or the reason it has none).
    pub fn decide(
        what: String,
        metric: &'static str,
        cases: (Option<&CaseRecord>, Option<&CaseRecord>),
        ratio: Result<Ratio, String>,
        expect: Expect,
        threshold: f64,
        lang: Lang,
    ) -> Check {
        let busy = [cases.0, cases.1]
            .into_iter()
            .flatten()
            .find_map(|c| disturbed(c, lang));
        let (outcome, why, ratio) = match (ratio, busy) {
            (Err(why), _) => (Outcome::Inconclusive, Some(why), None),
            (Ok(r), Some(why)) => (Outcome::Inconclusive, Some(why), Some(r)),
            (Ok(r), None) => {
                let (outcome, why) = judge(&r, expect, threshold, lang);
                (outcome, why, Some(r))
            }
        };
        Check {
            what,
            metric,
            base: cases.0.map(|c| c.id.clone()),
            new: cases.1.map(|c| c.id.clone()),
            ratio,
            expect,
            threshold,
            counts: true,
            outcome,
            why,
        }
    }

    /// The same check, shown for context only.
    pub fn context(mut self) -> Check {
        self.counts = false;
        self
    }
}

/// Why `c`'s numbers cannot decide a verdict when more than half of its
/// repetitions ran beside other work: other processes or the hypervisor
/// took more of the cores than [`crate::Interference`]'s limits allow.
/// A ratio from such a case measures the neighbours as much as the model.
pub fn disturbed(c: &CaseRecord, lang: Lang) -> Option<String> {
    let flagged = c
        .repetitions
        .iter()
        .filter(|r| r.interference.as_ref().is_some_and(|i| i.flagged))
        .count();
    let n = c.repetitions.len();
    (n > 0 && flagged * 2 > n).then(|| match lang {
        Lang::En => format!(
            "the machine was busy with other work during {flagged} of {n} repetitions of `{}`",
            c.id
        ),
        Lang::Ru => format!(
            "машина была занята другой работой в {flagged} из {n} повторений замера `{}`",
            c.id
        ),
    })
}

/// The outcome of a ratio against a threshold, with the reason when it
/// is inconclusive.
pub fn judge(r: &Ratio, expect: Expect, threshold: f64, lang: Lang) -> (Outcome, Option<String>) {
    if r.level < LEVEL {
        let why = match lang {
            Lang::En => format!(
                "too few repetitions for a 95 % interval ({} and {})",
                r.n.0, r.n.1
            ),
            Lang::Ru => format!(
                "слишком мало повторений для 95-процентного интервала ({} и {})",
                r.n.0, r.n.1
            ),
        };
        return (Outcome::Inconclusive, Some(why));
    }
    let (clears, contradicts) = match expect {
        Expect::Above => (r.low >= threshold, r.high < threshold),
        Expect::Below => (r.high < threshold, r.low >= threshold),
    };
    if clears {
        (Outcome::Holds, None)
    } else if contradicts {
        (Outcome::Refuted, None)
    } else {
        let why = lang
            .pick(
                "the interval straddles the threshold: the noise is larger than the margin",
                "интервал накрывает порог: шум больше разницы",
            )
            .to_string();
        (Outcome::Inconclusive, Some(why))
    }
}

/// A case the claim needs: the first `ok`, verified case of `workload`
/// under `runner` that `keep` accepts; otherwise why there is none, in
/// `lang` (skipped for want of Python, failed, or not in this run).
pub fn find<'r>(
    results: &'r Results,
    workload: &str,
    runner: &str,
    keep: impl Fn(&CaseRecord) -> bool,
    lang: Lang,
) -> Result<&'r CaseRecord, String> {
    let mut candidates = results
        .cases
        .iter()
        .filter(|c| c.workload == workload && c.runner == runner && keep(c));
    let mut seen: Option<&CaseRecord> = None;
    for c in candidates.by_ref() {
        if crate::figures::is_drawable(c) {
            return Ok(c);
        }
        seen.get_or_insert(c);
    }
    Err(match seen {
        Some(c) if c.status == CaseStatus::Skipped => {
            let reason = c.failure.as_ref().map(|f| f.reason.as_str()).unwrap_or("");
            match lang {
                Lang::En => format!("`{runner}` was skipped: {reason}"),
                // The run's own words, as data (a backtick in them would
                // end the code span early).
                Lang::Ru => format!(
                    "`{runner}` не запускался на этой машине: `{}`",
                    reason.replace('`', "'")
                ),
            }
        }
        Some(c) if c.status == CaseStatus::Failed => match lang {
            Lang::En => format!(
                "`{}` failed: {}",
                c.id,
                c.failure.as_ref().map(|f| f.reason.as_str()).unwrap_or("")
            ),
            Lang::Ru => format!(
                "замер `{}` завершился сбоем: `{}`",
                c.id,
                c.failure
                    .as_ref()
                    .map_or(String::new(), |f| f.reason.replace('`', "'"))
            ),
        },
        Some(c) => match lang {
            Lang::En => format!("`{}` was not verified", c.id),
            Lang::Ru => format!("ответ замера `{}` не проверен", c.id),
        },
        None => match lang {
            Lang::En => format!("no `{workload}` case under `{runner}` in this run"),
            Lang::Ru => format!("в этом прогоне нет замера `{workload}` под `{runner}`"),
        },
    })
}

/// A workload or runner parameter of `c`, as text.
pub fn param<'c>(c: &'c CaseRecord, key: &str) -> Option<&'c str> {
    c.workload_params
        .get(key)
        .or_else(|| c.runner_params.get(key))
        .map(String::as_str)
}

/// Per-repetition values of `metric` (repetitions it gives `None` for
/// are left out).
pub fn values(c: &CaseRecord, metric: impl Fn(&Repetition) -> Option<f64>) -> Vec<f64> {
    c.repetitions.iter().filter_map(metric).collect()
}

/// Per-repetition throughput (tasks per second).
pub fn throughput(c: &CaseRecord) -> Vec<f64> {
    values(c, |r| Some(r.throughput))
}

/// Per-repetition wall time of one batch, in seconds.
pub fn wall(c: &CaseRecord) -> Vec<f64> {
    values(c, |r| Some(r.wall.secs()))
}

/// The ratio of `metric` of `new` over `base`, or why it cannot be had.
pub fn ratio_of(
    base: &Result<&CaseRecord, String>,
    new: &Result<&CaseRecord, String>,
    metric: impl Fn(&CaseRecord) -> Vec<f64>,
    lang: Lang,
) -> Result<Ratio, String> {
    let (b, n) = match (base, new) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) | (_, Err(e)) => return Err(e.clone()),
    };
    Ratio::of(&metric(b), &metric(n)).ok_or_else(|| {
        lang.pick(
            "fewer than 2 repetitions on a side",
            "меньше двух повторений с одной из сторон",
        )
        .to_string()
    })
}

/// The two cases of a check, for its record.
pub fn pair<'r>(
    base: &Result<&'r CaseRecord, String>,
    new: &Result<&'r CaseRecord, String>,
) -> (Option<&'r CaseRecord>, Option<&'r CaseRecord>) {
    (base.as_ref().ok().copied(), new.as_ref().ok().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(outcome: Outcome, counts: bool) -> Check {
        Check {
            what: String::new(),
            metric: "throughput",
            base: None,
            new: None,
            ratio: None,
            expect: Expect::Above,
            threshold: 1.0,
            counts,
            outcome,
            why: None,
        }
    }

    #[test]
    fn a_claim_holds_only_when_every_check_that_counts_holds() {
        use Outcome::*;
        let c = |o| check(o, true);
        assert_eq!(Outcome::combine(&[c(Holds), c(Holds)]), Holds);
        assert_eq!(Outcome::combine(&[c(Holds), c(Inconclusive)]), Inconclusive);
        assert_eq!(Outcome::combine(&[c(Inconclusive), c(Refuted)]), Refuted);
        assert_eq!(Outcome::combine(&[]), Inconclusive);
        // Context does not decide.
        assert_eq!(Outcome::combine(&[c(Holds), check(Refuted, false)]), Holds);
    }

    #[test]
    fn a_check_is_decided_by_its_whole_interval() {
        let r = |low, high| Ratio {
            value: (low + high) / 2.0,
            low,
            high,
            level: 0.97,
            n: (6, 6),
        };
        let en = Lang::En;
        assert_eq!(
            judge(&r(1.5, 1.9), Expect::Above, 1.3, en).0,
            Outcome::Holds
        );
        assert_eq!(
            judge(&r(0.9, 1.1), Expect::Above, 1.3, en).0,
            Outcome::Refuted
        );
        assert_eq!(
            judge(&r(1.2, 1.4), Expect::Above, 1.3, en).0,
            Outcome::Inconclusive
        );
        assert_eq!(
            judge(&r(0.9, 1.1), Expect::Below, 1.2, en).0,
            Outcome::Holds
        );
        assert_eq!(
            judge(&r(1.3, 1.5), Expect::Below, 1.2, en).0,
            Outcome::Refuted
        );
        let thin = Ratio {
            level: 0.9,
            ..r(1.5, 1.9)
        };
        assert_eq!(
            judge(&thin, Expect::Above, 1.3, en).0,
            Outcome::Inconclusive
        );
    }

    #[test]
    fn a_ratio_over_a_constant_uses_the_median_interval() {
        let v = [1.0, 1.1, 1.05, 1.02, 1.08, 1.04, 1.03];
        let r = Ratio::over(&v, 1.0).unwrap();
        assert!((r.value - 1.04).abs() < 1e-9);
        assert!(r.low <= r.value && r.value <= r.high);
        assert!(r.level >= 0.95);
    }
}

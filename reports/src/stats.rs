//! Statistics across repetitions: median with a distribution-free 95 %
//! interval (order statistics), spread, and a 95 % confidence interval of
//! the mean (Student's t, since repetitions are few).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A summary of one metric over a case's repetitions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stat {
    /// Number of values.
    pub n: u64,
    /// Median.
    pub median: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one value).
    pub stddev: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Lower end of the 95 % confidence interval of the mean.
    pub ci95_low: f64,
    /// Upper end of the 95 % confidence interval of the mean.
    pub ci95_high: f64,
    /// Lower end of the interval of the median: an order statistic, so it
    /// assumes nothing about the distribution (see [`median_interval`]).
    #[serde(default)]
    pub median_low: f64,
    /// Upper end of the interval of the median.
    #[serde(default)]
    pub median_high: f64,
    /// The confidence of `[median_low, median_high]`: at least 0.95 from
    /// 6 values on; with fewer, the widest interval (min to max) falls
    /// short of it (0.9375 for 5 values) and this says by how much.
    #[serde(default)]
    pub median_level: f64,
}

/// The distribution-free interval of the median of `sorted` (ascending)
/// at confidence `level` or more: `[x(j), x(n+1-j)]` for the largest rank
/// `j` whose coverage, `1 - 2 P(B <= j-1)` with `B ~ Binomial(n, 1/2)`,
/// is at least `level`. Returns the two ends and the coverage; when no
/// rank reaches `level` (too few values), the widest interval, `[min,
/// max]`, and its coverage.
pub fn median_interval(sorted: &[f64], level: f64) -> (f64, f64, f64) {
    let n = sorted.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, 0.0);
    }
    // P(B <= k) for B ~ Binomial(n, 1/2), summed in logs so that large n
    // does not overflow.
    let ln_half_n = -(n as f64) * std::f64::consts::LN_2;
    let mut ln_choose = 0.0f64; // ln C(n, 0)
    let mut below = 0.0f64; // P(B <= j - 1)
    let mut best = (1usize, 1.0 - 2.0 * (ln_half_n).exp());
    for j in 1..=n.div_ceil(2) {
        // Add P(B = j - 1).
        below += (ln_choose + ln_half_n).exp();
        ln_choose += ((n - (j - 1)) as f64).ln() - (j as f64).ln();
        let coverage = (1.0 - 2.0 * below).max(0.0);
        if j == 1 || coverage >= level {
            best = (j, coverage);
        } else {
            break;
        }
    }
    let (j, coverage) = best;
    (sorted[j - 1], sorted[n - j], coverage)
}

/// Two-sided 97.5 % quantile of Student's t for `df` degrees of freedom.
fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => 0.0,
        1..=30 => TABLE[df - 1],
        _ => 1.96,
    }
}

impl Stat {
    /// Statistics of `values`; `None` when there are none or any is not finite.
    pub fn of(values: &[f64]) -> Option<Stat> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let mean = sorted.iter().sum::<f64>() / n as f64;
        let stddev = if n > 1 {
            (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let half = t975(n - 1) * stddev / (n as f64).sqrt();
        let (median_low, median_high, median_level) = median_interval(&sorted, 0.95);
        Some(Stat {
            n: n as u64,
            median,
            mean,
            stddev,
            min: sorted[0],
            max: sorted[n - 1],
            ci95_low: mean - half,
            ci95_high: mean + half,
            median_low,
            median_high,
            median_level,
        })
    }

    /// The interval figures and tables draw around the median: the
    /// median's own (order statistics: 95 % from 6 values on, the range
    /// below that), or, in files written before it was recorded, the
    /// 95 % confidence interval of the mean.
    pub fn interval(&self) -> (f64, f64) {
        if self.median_level > 0.0 || (self.median_low, self.median_high) != (0.0, 0.0) {
            (self.median_low, self.median_high)
        } else {
            (self.ci95_low, self.ci95_high)
        }
    }

    /// Half the width of the median's interval, relative to the median:
    /// 0.02 means the median is known to within about ±2 % (infinite when
    /// the median is 0 and the interval is not a point).
    pub fn median_precision(&self) -> f64 {
        let half = (self.median_high - self.median_low) / 2.0;
        if half == 0.0 {
            0.0
        } else if self.median == 0.0 {
            f64::INFINITY
        } else {
            half / self.median.abs()
        }
    }

    /// Coefficient of variation: stddev / |mean| (0 when the mean is 0).
    pub fn cv(&self) -> f64 {
        if self.mean == 0.0 {
            0.0
        } else {
            self.stddev / self.mean.abs()
        }
    }

    /// Whether the spread is wide enough that the median should not be
    /// trusted to better than ±10 %.
    pub fn is_noisy(&self) -> bool {
        self.cv() > 0.10
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        let s = Stat::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!(s.mean, 2.5);
        assert!((s.stddev - 1.2909944).abs() < 1e-6);
        // t(3) = 3.182: half-width 3.182 * 1.291 / 2 = 2.054
        assert!((s.ci95_high - 4.554).abs() < 1e-3, "{s:?}");
        assert!(Stat::of(&[]).is_none());
        assert!(Stat::of(&[1.0, f64::NAN]).is_none());
        // Six values: [x(1), x(6)] covers the median with 1 - 2/64.
        let six = Stat::of(&[6.0, 1.0, 5.0, 2.0, 4.0, 3.0]).unwrap();
        assert_eq!((six.median_low, six.median_high), (1.0, 6.0));
        assert!((six.median_level - (1.0 - 2.0 / 64.0)).abs() < 1e-12);
        // Five values cannot reach 95 %: min..max, at 1 - 2/32.
        let five = Stat::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!((five.median_low, five.median_high), (1.0, 5.0));
        assert!((five.median_level - 0.9375).abs() < 1e-12);
        // Twenty values: [x(6), x(15)] (coverage 0.9586; x(7)..x(14) is 0.885).
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        let t = Stat::of(&twenty).unwrap();
        assert_eq!((t.median_low, t.median_high), (6.0, 15.0));
        assert!((t.median_level - 0.958610).abs() < 1e-5, "{t:?}");
        let one = Stat::of(&[7.0]).unwrap();
        assert_eq!((one.ci95_low, one.ci95_high, one.stddev), (7.0, 7.0, 0.0));
    }

    proptest! {
        #[test]
        fn order_free_bounded_and_ci_contains_mean(mut v in proptest::collection::vec(-1e9f64..1e9, 1..40)) {
            let s = Stat::of(&v).unwrap();
            prop_assert!(s.min <= s.median && s.median <= s.max);
            prop_assert!(s.min <= s.mean + 1e-6 && s.mean <= s.max + 1e-6);
            prop_assert!(s.ci95_low <= s.mean && s.mean <= s.ci95_high);
            prop_assert!(s.min <= s.median_low && s.median_low <= s.median);
            prop_assert!(s.median <= s.median_high && s.median_high <= s.max);
            prop_assert!((0.0..=1.0).contains(&s.median_level));
            prop_assert!(v.len() < 6 || s.median_level >= 0.95);
            prop_assert!(s.stddev >= 0.0);
            v.reverse();
            let r = Stat::of(&v).unwrap();
            prop_assert_eq!(s.median, r.median);
            prop_assert_eq!(s.min, r.min);
            prop_assert_eq!(s.max, r.max);
        }

        #[test]
        fn constant_values_are_never_noisy(x in -1e6f64..1e6, n in 1usize..20) {
            let s = Stat::of(&vec![x; n]).unwrap();
            prop_assert!(!s.is_noisy());
            prop_assert_eq!(s.median, x);
        }

        #[test]
        fn scaling_scales_median_and_keeps_cv(v in proptest::collection::vec(1.0f64..1e6, 2..20), k in 0.5f64..100.0) {
            let s = Stat::of(&v).unwrap();
            let scaled: Vec<f64> = v.iter().map(|x| x * k).collect();
            let t = Stat::of(&scaled).unwrap();
            prop_assert!((t.median - s.median * k).abs() <= 1e-6 * t.median.abs().max(1.0));
            prop_assert!((t.cv() - s.cv()).abs() < 1e-9);
        }
    }
}

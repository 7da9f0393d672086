//! Two runs of one metric, repetition by repetition: how much the new run
//! moved it ([`shift`]), and whether that is a change ([`judge`]).
//!
//! The estimate is the Hodges–Lehmann shift of the log values — the
//! median of every pairwise difference `log(new_j) − log(base_i)` — so its
//! exponential is a ratio, new / base, close to the ratio of the medians,
//! which is what people read ("10 % slower"). Its interval is the
//! distribution-free one that comes with the Mann–Whitney test (Moses;
//! Bauer 1972): two order statistics of those same differences. The test
//! and the interval are one procedure, so they cannot disagree: the 95 %
//! interval excludes 1 exactly when the two-sided test rejects at about
//! 5 %.
//!
//! Why ranks and not means: on a shared machine a few repetitions run
//! beside a neighbour's build and come out slow. A mean and its t interval
//! move with each of them and widen with the spread they add; a rank
//! statistic only counts which side of each pair is larger, so a few
//! outliers move it by at most a few ranks. Nothing is assumed about the
//! shape of the distribution (timings are skewed, often bimodal), only
//! that the new run's values are the base's shifted by a factor.
//!
//! Why a threshold: two separate runs of the same build differ by a
//! percent or two (frequency, placement, another process's cache), and
//! with enough repetitions the test would call that real — it is, but it
//! is not a change of the code. [`judge`] calls a change only when it is
//! significant *and* at least [`THRESHOLD`]; it calls the two runs the
//! same only when the whole interval lies within that threshold, an
//! equivalence statement (the data rule out a change of 5 % or more), not
//! a failure to find one. Everything else is inconclusive: the noise is
//! larger than the effect, and more repetitions (or a quieter machine)
//! would be needed to tell.

use serde::Serialize;

/// The smallest change reported as one: 5 %. A ratio within
/// `[1/(1 + THRESHOLD), 1 + THRESHOLD]` is "the same".
pub const THRESHOLD: f64 = 0.05;

/// The confidence of the interval of the ratio, and the least a change
/// needs.
pub const LEVEL: f64 = 0.95;

/// Both samples at most this large: the Mann–Whitney null distribution is
/// computed exactly; above it, the normal approximation.
pub const EXACT_MAX: usize = 50;

/// How one run moved a metric against another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shift {
    /// New / base: the exponential of the Hodges–Lehmann shift of the log
    /// values (1.10 = 10 % more).
    pub ratio: f64,
    /// Lower end of the interval of `ratio`.
    pub low: f64,
    /// Upper end of the interval of `ratio`.
    pub high: f64,
    /// The coverage `[low, high]` actually has: at least [`LEVEL`] when
    /// the samples are large enough; for tiny ones (3 against 3) the
    /// widest interval, every difference, and its coverage (0.90).
    pub level: f64,
    /// Two-sided Mann–Whitney U p-value.
    pub p: f64,
}

/// What a shift means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Better by at least the threshold, and significant.
    Faster,
    /// Worse by at least the threshold, and significant.
    Slower,
    /// The whole interval lies within the threshold: any change is
    /// smaller than it.
    Same,
    /// Neither: the noise is larger than the effect.
    Inconclusive,
}

impl Verdict {
    /// `faster`, `slower`, `same` or `inconclusive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::Same => "same",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// Whether a larger value of a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Throughput.
    HigherIsBetter,
    /// CPU time, latency, memory.
    LowerIsBetter,
}

/// Judges a shift: a change when the interval reaches [`LEVEL`], excludes
/// 1 and the ratio is at least `threshold` away from 1; the same when the
/// whole interval lies within `[1/(1 + threshold), 1 + threshold]`;
/// inconclusive otherwise.
pub fn judge(s: &Shift, direction: Direction, threshold: f64) -> Verdict {
    let excludes_one = s.low > 1.0 || s.high < 1.0;
    if s.level >= LEVEL && excludes_one && (s.ratio - 1.0).abs() >= threshold {
        match (s.ratio > 1.0, direction) {
            (true, Direction::HigherIsBetter) | (false, Direction::LowerIsBetter) => {
                Verdict::Faster
            }
            _ => Verdict::Slower,
        }
    } else if s.low >= 1.0 / (1.0 + threshold) && s.high <= 1.0 + threshold {
        Verdict::Same
    } else {
        Verdict::Inconclusive
    }
}

/// The median of `values` (NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    median_sorted(&v)
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The shift from `base` to `new`: the Hodges–Lehmann ratio, its
/// distribution-free interval at [`LEVEL`] and the Mann–Whitney p-value
/// (see the module's documentation).
///
/// `None` when either side has fewer than 2 values or any value is not
/// finite. When some value is 0 or negative, logs do not exist: the shift
/// is estimated on the raw values instead and turned into a ratio over
/// the base median, `(base_median + HL) / base_median` (and likewise the
/// ends). Then, when the base median is 0, the ratio exists only if every
/// value on both sides is the same (ratio 1, p = 1); otherwise, and when
/// the base median is negative, `None`.
pub fn shift(base: &[f64], new: &[f64]) -> Option<Shift> {
    let (n, m) = (base.len(), new.len());
    if n < 2 || m < 2 || base.iter().chain(new).any(|v| !v.is_finite()) {
        return None;
    }
    let logs = base.iter().chain(new).all(|&v| v > 0.0);
    let base_median = median(base);
    if !logs && base_median <= 0.0 {
        let first = base[0];
        return (base_median == 0.0 && base.iter().chain(new).all(|&v| v == first)).then_some(
            Shift {
                ratio: 1.0,
                low: 1.0,
                high: 1.0,
                level: 1.0,
                p: 1.0,
            },
        );
    }
    // Every pairwise difference, on the scale the shift is estimated on.
    let mut d = Vec::with_capacity(n * m);
    for &y in new {
        for &x in base {
            d.push(if logs { y.ln() - x.ln() } else { y - x });
        }
    }
    d.sort_by(f64::total_cmp);
    let hl = median_sorted(&d);
    // U counts the pairs where new beats base, half for a tie; compared
    // on the raw values, which order exactly as their logs do.
    let mut u = 0.0;
    for &y in new {
        for &x in base {
            u += if y > x {
                1.0
            } else if y == x {
                0.5
            } else {
                0.0
            };
        }
    }
    let mut all: Vec<f64> = base.iter().chain(new).copied().collect();
    all.sort_by(f64::total_cmp);
    let tie_sizes = tie_sizes(&all);
    let ties = tie_sizes.iter().any(|&t| t > 1);
    let null = Null::new(n, m);
    let (k, level) = null.rank(LEVEL);
    let (lo, hi) = (d[k - 1], d[d.len() - k]);
    let p = if ties || matches!(null, Null::Normal { .. }) {
        normal_p(n, m, u, &tie_sizes)
    } else {
        null.p(u)
    };
    let to_ratio = |x: f64| {
        if logs {
            x.exp()
        } else {
            (base_median + x) / base_median
        }
    };
    Some(Shift {
        ratio: to_ratio(hl),
        low: to_ratio(lo),
        high: to_ratio(hi),
        level,
        p,
    })
}

/// The sizes of the runs of equal values in `sorted`.
fn tie_sizes(sorted: &[f64]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        out.push(j - i);
        i = j;
    }
    out
}

/// The distribution of U under "no shift", for `n` and `m` values.
enum Null {
    /// Exact: `cdf[u]` is P(U ≤ u), u = 0..=n·m.
    Exact { cdf: Vec<f64> },
    /// The normal approximation, for larger samples.
    Normal { n: usize, m: usize },
}

impl Null {
    fn new(n: usize, m: usize) -> Null {
        if n <= EXACT_MAX && m <= EXACT_MAX {
            Null::Exact {
                cdf: exact_cdf(n, m),
            }
        } else {
            Null::Normal { n, m }
        }
    }

    /// P(U ≤ u) (u an integer or a half).
    fn cdf(&self, u: f64) -> f64 {
        match self {
            Null::Exact { cdf } => {
                if u < 0.0 {
                    0.0
                } else {
                    cdf[(u.floor() as usize).min(cdf.len() - 1)]
                }
            }
            Null::Normal { n, m } => {
                let (n, m) = (*n as f64, *m as f64);
                let mean = n * m / 2.0;
                let sd = (n * m * (n + m + 1.0) / 12.0).sqrt();
                phi((u.floor() + 0.5 - mean) / sd)
            }
        }
    }

    /// The largest rank `k` whose interval `[d(k), d(nm−k+1)]` covers at
    /// least `level` — its coverage is `1 − 2 P(U ≤ k − 1)` — with that
    /// coverage; `k = 1` (every difference) with its coverage when none
    /// reaches `level`.
    fn rank(&self, level: f64) -> (usize, f64) {
        let total = match self {
            Null::Exact { cdf } => cdf.len() - 1,
            Null::Normal { n, m } => n * m,
        };
        let coverage = |k: usize| (1.0 - 2.0 * self.cdf(k as f64 - 1.0)).clamp(0.0, 1.0);
        let mut best = (1, coverage(1));
        let mut k = 2;
        while k <= total.div_ceil(2) {
            let c = coverage(k);
            if c < level {
                break;
            }
            best = (k, c);
            k += 1;
        }
        best
    }

    /// Two-sided exact p-value of `u`.
    fn p(&self, u: f64) -> f64 {
        let total = match self {
            Null::Exact { cdf } => (cdf.len() - 1) as f64,
            Null::Normal { n, m } => (n * m) as f64,
        };
        // By symmetry P(U ≥ u) = P(U ≤ nm − u).
        let tail = self.cdf(u).min(self.cdf(total - u));
        (2.0 * tail).min(1.0)
    }
}

/// P(U ≤ u) for u = 0..=n·m, from the number of arrangements of `n` base
/// and `m` new values with each U: f(i, j, u) = f(i, j−1, u−i) + f(i−1,
/// j, u) (the largest value is new and beats all i base values, or it is
/// a base value and beats none).
fn exact_cdf(n: usize, m: usize) -> Vec<f64> {
    // row[j] = f(i, j, ·) for the current i.
    let mut row: Vec<Vec<f64>> = (0..=m).map(|_| vec![1.0]).collect();
    for i in 1..=n {
        let mut next: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
        next.push(vec![1.0]);
        for j in 1..=m {
            let mut f = vec![0.0; i * j + 1];
            for (u, v) in next[j - 1].iter().enumerate() {
                f[u + i] += v;
            }
            for (u, v) in row[j].iter().enumerate() {
                f[u] += v;
            }
            next.push(f);
        }
        row = next;
    }
    let counts = &row[m];
    let total: f64 = counts.iter().sum();
    let mut acc = 0.0;
    counts
        .iter()
        .map(|c| {
            acc += c;
            (acc / total).min(1.0)
        })
        .collect()
}

/// Two-sided p-value of `u` from the normal approximation, with the tie
/// correction of the variance and a continuity correction.
fn normal_p(n: usize, m: usize, u: f64, tie_sizes: &[usize]) -> f64 {
    let (nf, mf) = (n as f64, m as f64);
    let total = nf + mf;
    let ties: f64 = tie_sizes
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * t * t - t
        })
        .sum();
    let var = nf * mf / 12.0 * ((total + 1.0) - ties / (total * (total - 1.0)));
    if var <= 0.0 {
        return 1.0;
    }
    let z = ((u - nf * mf / 2.0).abs() - 0.5).max(0.0) / var.sqrt();
    (2.0 * (1.0 - phi(z))).clamp(0.0, 1.0)
}

/// The standard normal distribution function.
fn phi(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit,
/// relative error below 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64: a small deterministic generator, so that no test here
    /// can flake.
    struct Rng(u64);

    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in (0, 1].
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
        }

        /// Standard normal (Box–Muller).
        fn normal(&mut self) -> f64 {
            let (u1, u2) = (self.uniform(), self.uniform());
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }

        /// `n` values of mean `mean` and coefficient of variation `cv`.
        fn sample(&mut self, n: usize, mean: f64, cv: f64) -> Vec<f64> {
            (0..n).map(|_| mean * (1.0 + cv * self.normal())).collect()
        }
    }

    /// The verdicts of `draws` draws of `n` base values (mean 100) against
    /// `n` new ones (mean 100 × `factor`), both of CV `cv`, throughput
    /// (higher is better); and how many had p < 0.05.
    fn draws(seed: u64, draws: usize, n: usize, cv: f64, factor: f64) -> ([usize; 4], usize) {
        let mut rng = Rng(seed);
        let mut verdicts = [0; 4];
        let mut significant = 0;
        for _ in 0..draws {
            let base = rng.sample(n, 100.0, cv);
            let new = rng.sample(n, 100.0 * factor, cv);
            let s = shift(&base, &new).unwrap();
            significant += usize::from(s.p < 0.05);
            let v = judge(&s, Direction::HigherIsBetter, THRESHOLD);
            verdicts[v as usize] += 1;
        }
        (verdicts, significant)
    }

    const FASTER: usize = Verdict::Faster as usize;
    const SLOWER: usize = Verdict::Slower as usize;
    const SAME: usize = Verdict::Same as usize;
    const INCONCLUSIVE: usize = Verdict::Inconclusive as usize;

    #[test]
    fn three_against_three_fully_separated_is_never_a_change() {
        let s = shift(&[10.0, 11.0, 12.0], &[20.0, 21.0, 22.0]).unwrap();
        // P(U = 9) = 1 / C(6, 3) = 1/20 on each side.
        assert!((s.p - 0.1).abs() < 1e-12, "{s:?}");
        // The widest interval, every difference: coverage 1 − 2/20.
        assert!((s.level - 0.9).abs() < 1e-12, "{s:?}");
        assert!(s.level < LEVEL);
        assert!((s.low - 20.0 / 12.0).abs() < 1e-9 && (s.high - 22.0 / 10.0).abs() < 1e-9);
        for dir in [Direction::HigherIsBetter, Direction::LowerIsBetter] {
            assert_eq!(judge(&s, dir, THRESHOLD), Verdict::Inconclusive);
        }
    }

    #[test]
    fn five_against_five_fully_separated() {
        let base = [1.0, 1.1, 1.2, 1.3, 1.4];
        let new = [2.0, 2.1, 2.2, 2.3, 2.4];
        let s = shift(&base, &new).unwrap();
        assert!((s.p - 2.0 / 252.0).abs() < 1e-12, "{s:?}");
        // k = 3: 1 − 2 P(U ≤ 2) = 1 − 2 · 4/252.
        assert!((s.level - (1.0 - 8.0 / 252.0)).abs() < 1e-12, "{s:?}");
        assert_eq!(
            judge(&s, Direction::HigherIsBetter, THRESHOLD),
            Verdict::Faster
        );
        assert_eq!(
            judge(&s, Direction::LowerIsBetter, THRESHOLD),
            Verdict::Slower
        );
        // The p-value is symmetric in which side is larger.
        let r = shift(&new, &base).unwrap();
        assert_eq!(r.p, s.p);
        assert!((r.ratio * s.ratio - 1.0).abs() < 1e-12);
    }

    #[test]
    fn hodges_lehmann_of_a_small_sample() {
        // Log differences ln(new/base) for base {1, 2}, new {2, 4, 8}: ln 2
        // times {1, 0, 2, 1, 3, 2}; sorted {0, 1, 1, 2, 2, 3}, median 1.5.
        let s = shift(&[1.0, 2.0], &[2.0, 4.0, 8.0]).unwrap();
        assert!((s.ratio - 2f64.powf(1.5)).abs() < 1e-12, "{s:?}");
        // 2 against 3 has 10 arrangements: the widest interval covers
        // 1 − 2/10.
        assert!((s.level - 0.8).abs() < 1e-12);
        assert!((s.low - 1.0).abs() < 1e-12 && (s.high - 8.0).abs() < 1e-12);
        // The tie (2 in both) makes the p-value the normal approximation:
        // U = 5.5 of 6, mean 3, continuity-corrected |5.5 − 3| − 0.5 = 2.
        let var: f64 = 6.0 / 12.0 * (6.0 - 6.0 / 20.0);
        let want = 2.0 * (1.0 - phi(2.0 / var.sqrt()));
        assert!((s.p - want).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn exact_distribution_sums_to_one_and_is_symmetric() {
        for (n, m) in [(2, 2), (3, 5), (6, 6), (10, 7), (50, 50)] {
            let cdf = exact_cdf(n, m);
            assert_eq!(cdf.len(), n * m + 1);
            assert!((cdf[n * m] - 1.0).abs() < 1e-12);
            for u in 0..n * m {
                // P(U ≤ u) = P(U ≥ nm − u) = 1 − P(U ≤ nm − u − 1).
                let mirror = 1.0 - cdf[n * m - u - 1];
                assert!((cdf[u] - mirror).abs() < 1e-9, "{n},{m},{u}");
            }
        }
        // P(U = 0) for 6 against 6 is 1 / C(12, 6).
        assert!((exact_cdf(6, 6)[0] - 1.0 / 924.0).abs() < 1e-15);
    }

    #[test]
    fn large_samples_use_the_normal_approximation() {
        let base: Vec<f64> = (0..60).map(|i| 100.0 + i as f64).collect();
        let new: Vec<f64> = (0..60).map(|i| 100.5 + i as f64).collect();
        let s = shift(&base, &new).unwrap();
        assert!(s.level >= LEVEL && s.level < 0.96, "{s:?}");
        assert!(s.low < 1.0 && s.high > 1.0 && s.p > 0.5, "{s:?}");
        assert_eq!(
            judge(&s, Direction::HigherIsBetter, THRESHOLD),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn zeros_fall_back_to_raw_differences() {
        // new = base + 10; base {0, 10, 20} has median 10. The differences
        // new − base are −10, 0, 0, 10, 10, 10, 20, 20, 30.
        let s = shift(&[0.0, 10.0, 20.0], &[10.0, 20.0, 30.0]).unwrap();
        // HL of the raw differences is 10: ratio (10 + 10) / 10.
        assert!((s.ratio - 2.0).abs() < 1e-12, "{s:?}");
        // Every difference: −10 to 30, over the base median 10.
        assert!((s.low - 0.0).abs() < 1e-12 && (s.high - 4.0).abs() < 1e-12);
        // All zeros: the same, exactly.
        let z = shift(&[0.0, 0.0, 0.0], &[0.0, 0.0]).unwrap();
        assert_eq!((z.ratio, z.low, z.high, z.p), (1.0, 1.0, 1.0, 1.0));
        assert_eq!(
            judge(&z, Direction::LowerIsBetter, THRESHOLD),
            Verdict::Same
        );
        // A base median of 0 against anything else has no ratio.
        assert_eq!(shift(&[0.0, 0.0, 1.0], &[5.0, 6.0]), None);
    }

    #[test]
    fn too_few_or_not_finite_is_none() {
        assert_eq!(shift(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(shift(&[1.0, 2.0], &[]), None);
        assert_eq!(shift(&[1.0, f64::NAN], &[1.0, 2.0]), None);
        assert_eq!(shift(&[1.0, 2.0], &[1.0, f64::INFINITY]), None);
    }

    #[test]
    fn judge_follows_level_interval_and_threshold() {
        let s = |ratio, low, high, level| Shift {
            ratio,
            low,
            high,
            level,
            p: 0.01,
        };
        let hi = Direction::HigherIsBetter;
        let lo = Direction::LowerIsBetter;
        assert_eq!(judge(&s(1.2, 1.1, 1.3, 0.95), hi, 0.05), Verdict::Faster);
        assert_eq!(judge(&s(1.2, 1.1, 1.3, 0.95), lo, 0.05), Verdict::Slower);
        assert_eq!(judge(&s(0.8, 0.7, 0.9, 0.95), lo, 0.05), Verdict::Faster);
        // Significant but under the threshold, and inside it: the same.
        assert_eq!(judge(&s(1.02, 1.01, 1.03, 0.95), hi, 0.05), Verdict::Same);
        // Significant, under the threshold, but not ruled out: neither.
        assert_eq!(
            judge(&s(1.03, 1.01, 1.08, 0.95), hi, 0.05),
            Verdict::Inconclusive
        );
        // A large change from too few values is not a change.
        assert_eq!(
            judge(&s(1.5, 1.2, 1.8, 0.90), hi, 0.05),
            Verdict::Inconclusive
        );
        // Wide: inconclusive.
        assert_eq!(
            judge(&s(1.0, 0.8, 1.25, 0.95), hi, 0.05),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn same_distribution_rarely_rejects_and_almost_never_changes() {
        let (v, significant) = draws(0x5EED_0001, 400, 10, 0.03, 1.0);
        assert!(
            significant * 100 <= 8 * 400,
            "{significant} of 400 p < 0.05"
        );
        assert!(
            (v[FASTER] + v[SLOWER]) * 100 <= 400,
            "{v:?}: changes in more than 1 % of draws"
        );
    }

    #[test]
    fn a_ten_percent_slowdown_at_two_percent_noise_is_always_slower() {
        let (v, _) = draws(0x5EED_0002, 200, 6, 0.02, 0.9);
        assert_eq!(v[SLOWER], 200, "{v:?}");
        assert_eq!(v[FASTER], 0);
    }

    #[test]
    fn one_percent_noise_is_the_same() {
        let (v, _) = draws(0x5EED_0003, 200, 10, 0.01, 1.0);
        assert!(v[SAME] * 100 >= 95 * 200, "{v:?}");
    }

    /// A slowdown never reads as "faster" more often than rarely. Not
    /// "never": a 95 % two-sided test calls a change in the wrong
    /// direction in up to 2.5 % of draws when there is no change at all,
    /// and a 10 % shift under 25 % noise is barely one; over 100 000
    /// draws this setting gave Faster in 0.3 % of them (so 0 in 200
    /// draws would fail for about every second seed), Slower in 5.7 %
    /// and Inconclusive in 94 %.
    #[test]
    fn twenty_five_percent_noise_is_inconclusive_and_rarely_backwards() {
        let (v, _) = draws(0x5EED_0004, 1000, 5, 0.25, 0.9);
        assert!(v[FASTER] * 100 <= 1000, "{v:?}: faster in more than 1 %");
        assert!(v[INCONCLUSIVE] * 2 > 1000, "{v:?}");
        assert!(v[SLOWER] > v[FASTER], "{v:?}");
    }
}

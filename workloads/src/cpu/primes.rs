//! `primes`: trial-division `is_prime` over large numbers, as in the course
//! chapter on `concurrent.futures` (`ProcessPoolExecutor.map(is_prime, nums)`).

use crate::{CpuWorkload, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// The course's `nums`, in its order.
pub const COURSE_NUMBERS: [u64; 6] = [
    112272535095293,
    112582705942171,
    102272535065492,
    115280095190773,
    115797848077099,
    1099726899285419,
];

/// The course's `is_prime`, step for step: odd divisors from 3 up to
/// `floor(sqrt(n))`.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n == 2 {
        return true;
    }
    if n % 2 == 0 {
        return false;
    }
    let sqrt_n = isqrt(n);
    let mut i = 3;
    while i <= sqrt_n {
        if n % i == 0 {
            return false;
        }
        i += 2;
    }
    true
}

/// `floor(sqrt(n))`, exact for every `u64`.
fn isqrt(n: u64) -> u64 {
    let mut r = (n as f64).sqrt() as u64;
    while r.checked_mul(r).is_none_or(|sq| sq > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= n) {
        r += 1;
    }
    r
}

/// Task `i` tests `numbers[i % numbers.len()]`.
#[derive(Clone, Debug)]
pub struct Primes {
    numbers: Vec<u64>,
}

impl CpuWorkload for Primes {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "primes",
        kind: Kind::Cpu,
        description: "trial-division is_prime over the course's six large numbers (uneven cost: one is even)",
        default_tasks: 6,
        params: &[ParamSpec {
            name: "numbers",
            default: "course",
            help: "`course` for the six numbers of the course, or your own joined by `:` (task i tests number i mod count)",
        }],
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        let raw = p.raw("numbers");
        let numbers = if raw == "course" {
            COURSE_NUMBERS.to_vec()
        } else {
            raw.split(':')
                .map(|s| s.trim().parse::<u64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    p.invalid(
                        "numbers",
                        format!("{e}; give `course` or whole numbers joined by `:`"),
                    )
                })?
        };
        if numbers.is_empty() {
            return Err(p.invalid("numbers", "give at least one number"));
        }
        Ok(Primes { numbers })
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        (0..count)
            .map(|i| self.numbers[i % self.numbers.len()])
            .collect()
    }

    fn execute(&self, n: &u64) -> u64 {
        (n << 1) | is_prime(*n) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_numbers_have_the_known_answers() {
        // Four primes; 102272535065492 is even and 1099726899285419 is not prime.
        let got: Vec<bool> = COURSE_NUMBERS.iter().map(|n| is_prime(*n)).collect();
        assert_eq!(got, [true, true, false, true, true, false]);
    }

    #[test]
    fn small_numbers_match_a_sieve() {
        let sieve: Vec<u64> = (0..200u64)
            .filter(|n| *n >= 2 && (2..*n).all(|d| n % d != 0))
            .collect();
        let ours: Vec<u64> = (0..200u64).filter(|n| is_prime(*n)).collect();
        assert_eq!(ours, sieve);
        for n in [0, 1, 15, 16, 17, u64::MAX] {
            let r = isqrt(n) as u128;
            assert!(
                r * r <= n as u128 && (r + 1) * (r + 1) > n as u128,
                "isqrt({n})"
            );
        }
    }
}

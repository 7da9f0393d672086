//! Order-independent digests, so that models finishing tasks in different
//! orders still agree on one answer.

use std::fmt;

/// SplitMix64's finaliser: a fast, well-mixed 64-bit permutation.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The digest of a batch: a commutative combination of `(task index, task
/// digest)` pairs. Completion order does not matter; which task produced
/// which output does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BatchDigest {
    sum: u64,
    count: u64,
}

impl BatchDigest {
    /// Adds the output of task `index`.
    #[inline]
    pub fn add(&mut self, index: usize, task_digest: u64) {
        self.sum = self
            .sum
            .wrapping_add(mix64(mix64(index as u64) ^ task_digest));
        self.count += 1;
    }

    /// Merges another partial digest (for example one per worker).
    pub fn merge(&mut self, other: BatchDigest) {
        self.sum = self.sum.wrapping_add(other.sum);
        self.count += other.count;
    }

    /// How many task outputs went in.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The 64-bit value, without the count.
    pub fn value(&self) -> u64 {
        self.sum
    }
}

impl fmt::Display for BatchDigest {
    /// `0123456789abcdef/N`: the sum in hex and the task count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}/{}", self.sum, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn order_does_not_matter(outputs in proptest::collection::vec(any::<u64>(), 0..64), seed in any::<u64>()) {
            let mut forward = BatchDigest::default();
            for (i, d) in outputs.iter().enumerate() { forward.add(i, *d); }
            // A deterministic shuffle driven by the seed.
            let mut order: Vec<usize> = (0..outputs.len()).collect();
            order.sort_by_key(|i| mix64(*i as u64 ^ seed));
            let mut shuffled = BatchDigest::default();
            for i in order { shuffled.add(i, outputs[i]); }
            prop_assert_eq!(forward, shuffled);
        }

        #[test]
        fn swapping_outputs_between_tasks_changes_the_digest(a in any::<u64>(), b in any::<u64>()) {
            prop_assume!(a != b);
            let mut one = BatchDigest::default();
            one.add(0, a); one.add(1, b);
            let mut two = BatchDigest::default();
            two.add(0, b); two.add(1, a);
            prop_assert_ne!(one, two);
        }
    }
}

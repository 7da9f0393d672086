//! Verification against reference digests: every case of one workload
//! configuration (one [`Case::work_key`](crate::Case::work_key)) must
//! produce the digest of its reference — the one an IO workload declares,
//! or else the first repetition of the configuration's successful `seq`
//! case, which the plan runs first.

use std::collections::BTreeMap;

/// The reference digest of each workload configuration seen so far.
#[derive(Debug, Default)]
pub(crate) struct References {
    by_key: BTreeMap<String, String>,
}

/// What verification says about one case.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The reference the case was checked against, if there is one.
    pub reference: Option<String>,
    /// Whether every repetition (and at least one) had the reference digest.
    pub verified: bool,
    /// Why the case fails verification; `None` when it passes, or when it
    /// had already failed for another reason.
    pub failure: Option<String>,
}

impl References {
    /// Whether configuration `key` has a reference already.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// Records `digest`, declared by the workload, as the reference of
    /// `key` unless it has one.
    pub(crate) fn declare(&mut self, key: &str, digest: String) {
        self.by_key.entry(key.to_string()).or_insert(digest);
    }

    /// Checks a case of configuration `key` that produced `digests`.
    ///
    /// A `seq` case (`is_seq`) that did not fail (`failed`) makes its
    /// first digest the reference when there is none yet. A case that did
    /// not fail is then failed when there is no reference (the seq case
    /// failed) or when a digest differs from it.
    pub(crate) fn check(
        &mut self,
        key: &str,
        is_seq: bool,
        failed: bool,
        digests: &[String],
    ) -> Verdict {
        if is_seq && !failed {
            if let Some(first) = digests.first() {
                self.by_key
                    .entry(key.to_string())
                    .or_insert_with(|| first.clone());
            }
        }
        let reference = self.by_key.get(key).cloned();
        let verified = match &reference {
            Some(r) => !digests.is_empty() && digests.iter().all(|d| d == r),
            None => false,
        };
        let failure = match &reference {
            _ if failed => None,
            None => Some("no reference digest: the seq case of this workload failed".into()),
            Some(_) if verified => None,
            Some(r) => Some(format!(
                "digest mismatch: expected {r} (the reference), got {}",
                digests.join(", ")
            )),
        };
        Verdict {
            reference,
            verified,
            failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_seq_case_records_the_reference_and_later_cases_match_it() {
        let mut refs = References::default();
        let seq = refs.check("k", true, false, &ds(&["a", "a"]));
        assert_eq!(seq.reference.as_deref(), Some("a"));
        assert!(seq.verified && seq.failure.is_none());
        let other = refs.check("k", false, false, &ds(&["a", "a", "a"]));
        assert!(other.verified && other.failure.is_none());
        assert!(refs.has("k") && !refs.has("other"));
    }

    #[test]
    fn a_mismatch_fails_the_case() {
        let mut refs = References::default();
        refs.check("k", true, false, &ds(&["a"]));
        let v = refs.check("k", false, false, &ds(&["a", "b"]));
        assert!(!v.verified);
        assert_eq!(
            v.failure.as_deref(),
            Some("digest mismatch: expected a (the reference), got a, b")
        );
        // No digest at all is no match either.
        assert!(refs.check("k", false, false, &[]).failure.is_some());
    }

    #[test]
    fn a_failed_seq_case_leaves_later_cases_unverifiable() {
        let mut refs = References::default();
        let seq = refs.check("k", true, true, &ds(&["a"]));
        assert_eq!(seq.reference, None);
        // It had failed already: verification adds no reason of its own.
        assert_eq!(seq.failure, None);
        let later = refs.check("k", false, false, &ds(&["a"]));
        assert!(!later.verified);
        assert_eq!(
            later.failure.as_deref(),
            Some("no reference digest: the seq case of this workload failed")
        );
    }

    #[test]
    fn a_declared_digest_is_the_reference_even_for_seq() {
        let mut refs = References::default();
        refs.declare("k", "d".into());
        refs.declare("k", "ignored".into());
        let seq = refs.check("k", true, false, &ds(&["x"]));
        assert_eq!(seq.reference.as_deref(), Some("d"));
        assert!(seq.failure.is_some());
        assert!(refs.check("k", false, false, &ds(&["d"])).verified);
    }

    #[test]
    fn a_case_that_failed_for_another_reason_gets_no_second_reason() {
        let mut refs = References::default();
        refs.check("k", true, false, &ds(&["a"]));
        let v = refs.check("k", false, true, &ds(&["b"]));
        assert!(!v.verified && v.failure.is_none());
    }
}

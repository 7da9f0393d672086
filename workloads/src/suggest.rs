//! "Did you mean …?" for ids typed by people.

/// The candidate closest to `input`, ignoring case (`THREAD-POOL` →
/// `thread-pool`): the one it equals, else the first one that `input` is a
/// prefix of (`tokio` → `tokio-ct`), else the nearest by edit distance if it
/// is close enough to be a plausible typo (at most a third of the longer
/// string differs).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let input = &input.to_lowercase();
    if let Some(c) = candidates.iter().find(|c| c.to_lowercase() == *input) {
        return Some(c);
    }
    if input.len() >= 3 {
        if let Some(c) = candidates.iter().find(|c| c.starts_with(input)) {
            return Some(c);
        }
    }
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(d, c)| *d * 3 <= input.len().max(c.len()).max(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let ids = ["primes", "countdown", "sha256"];
        assert_eq!(closest("prims", ids), Some("primes"));
        assert_eq!(closest("countdwn", ids), Some("countdown"));
        assert_eq!(closest("zzzzzz", ids), None);
        assert_eq!(closest("count", ids), Some("countdown"));
        assert_eq!(
            closest("tokio", ["seq", "tokio-ct", "tokio-mt"]),
            Some("tokio-ct")
        );
        // Regression: an id in capitals got no suggestion.
        let runners = ["thread-pool", "thread-per-task", "tokio-mt"];
        assert_eq!(closest("THREAD-POOL", runners), Some("thread-pool"));
        assert_eq!(closest("Tokio-MT", runners), Some("tokio-mt"));
        assert_eq!(closest("THREAD-POL", runners), Some("thread-pool"));
    }
}

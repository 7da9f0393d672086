//! Deterministic text pages: what `bakeoff serve http` returns for
//! `GET /words/{k}?n={bytes}`, computed here so that a client can know the
//! expected body (and its word counts) without asking the server.
//!
//! A page is a function of `(k, bytes)` alone: words drawn from
//! [`VOCABULARY`] by a SplitMix64 stream keyed by `k`, separated by one
//! space, with a newline instead of the space after every
//! [`WORDS_PER_LINE`]th word, cut to exactly `bytes` bytes. The same `k`
//! gives the same words in the same order for every length, so a shorter
//! page is a prefix of a longer one; only the last word may be cut short.
//! Pages are ASCII, so every byte length is valid UTF-8.

use crate::mix64;

/// The fixed vocabulary pages draw from: 200 common English words, lower
/// case ASCII, no duplicates. Never reorder it: pages depend on it.
#[rustfmt::skip]
pub const VOCABULARY: [&str; 200] = [
    "the", "of", "and", "to", "in", "is", "you", "that", "it", "he",
    "was", "for", "on", "are", "as", "with", "his", "they", "at", "be",
    "this", "have", "from", "or", "one", "had", "by", "word", "but", "not",
    "what", "all", "were", "we", "when", "your", "can", "said", "there", "use",
    "an", "each", "which", "she", "do", "how", "their", "if", "will", "up",
    "other", "about", "out", "many", "then", "them", "these", "so", "some", "her",
    "would", "make", "like", "him", "into", "time", "has", "look", "two", "more",
    "write", "go", "see", "number", "no", "way", "could", "people", "my", "than",
    "first", "water", "been", "call", "who", "oil", "its", "now", "find", "long",
    "down", "day", "did", "get", "come", "made", "may", "part", "over", "new",
    "sound", "take", "only", "little", "work", "know", "place", "year", "live", "me",
    "back", "give", "most", "very", "after", "thing", "our", "just", "name", "good",
    "sentence", "man", "think", "say", "great", "where", "help", "through", "much", "before",
    "line", "right", "too", "mean", "old", "any", "same", "tell", "boy", "follow",
    "came", "want", "show", "also", "around", "form", "three", "small", "set", "put",
    "end", "does", "another", "well", "large", "must", "big", "even", "such", "because",
    "turn", "here", "why", "ask", "went", "men", "read", "need", "land", "different",
    "home", "us", "move", "try", "kind", "hand", "picture", "again", "change", "off",
    "play", "spell", "air", "away", "animal", "house", "point", "page", "letter", "mother",
    "answer", "found", "study", "still", "learn", "should", "america", "world", "high", "every",
];

/// After this many words a page has a newline instead of a space.
pub const WORDS_PER_LINE: usize = 12;

/// Mixed into `k` so that page streams differ from other SplitMix64 users.
const PAGE_KEY: u64 = 0x7E47_9A6E_5EED_0001;

/// The words of page `k`, in order, without end: the stream every page of
/// `k` is cut from.
pub fn page_words(k: u64) -> impl Iterator<Item = &'static str> {
    let base = page_base(k);
    (0u64..).map(move |i| VOCABULARY[word_at(base, i)])
}

/// Where page `k`'s stream starts.
fn page_base(k: u64) -> u64 {
    mix64(k ^ PAGE_KEY)
}

/// The vocabulary index of word `i` of the stream starting at `base`.
#[inline]
fn word_at(base: u64, i: u64) -> usize {
    (mix64(base.wrapping_add(i)) % VOCABULARY.len() as u64) as usize
}

/// The longest word of [`VOCABULARY`] fits in this many bytes.
const SLOT: usize = 16;

/// Every word of [`VOCABULARY`] padded with zeros to [`SLOT`] bytes, and
/// its length: a page is written with one fixed-size copy per word.
const PADDED: ([[u8; SLOT]; 200], [u8; 200]) = {
    let mut words = [[0u8; SLOT]; 200];
    let mut lens = [0u8; 200];
    let mut i = 0;
    while i < VOCABULARY.len() {
        let w = VOCABULARY[i].as_bytes();
        assert!(w.len() <= SLOT, "a vocabulary word is longer than SLOT");
        let mut j = 0;
        while j < w.len() {
            words[i][j] = w[j];
            j += 1;
        }
        lens[i] = w.len() as u8;
        i += 1;
    }
    (words, lens)
};

/// Appends page `k`, exactly `bytes` bytes long, to `out` (what the server
/// writes as a response body without allocating a `String`).
///
/// The same bytes as joining [`page_words`] with the separators and
/// cutting, written the fast way — a fixed-size copy per word into a
/// buffer with a slot of slack, cut to length at the end — because the
/// server writes one per request: a 4 KiB page takes 5.6 µs here rather
/// than 14.
pub fn write_page(k: u64, bytes: usize, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + bytes + SLOT, 0);
    let buf = &mut out[start..];
    let (words, lens) = (&PADDED.0, &PADDED.1);
    let base = page_base(k);
    let mut at = 0;
    let mut i = 0u64;
    while at < bytes {
        if i > 0 {
            buf[at] = if i % WORDS_PER_LINE as u64 == 0 {
                b'\n'
            } else {
                b' '
            };
            at += 1;
            if at == bytes {
                break;
            }
        }
        let w = word_at(base, i);
        // `at < bytes`, so the slot ends within the slack; a word that
        // runs past `bytes` is cut by the truncation below.
        buf[at..at + SLOT].copy_from_slice(&words[w]);
        at += lens[w] as usize;
        i += 1;
    }
    out.truncate(start + bytes);
}

/// Page `k`, exactly `bytes` bytes long: the body of
/// `GET /words/{k}?n={bytes}` from `bakeoff serve http`.
///
/// ```
/// use bakeoff_workloads::text::page_text;
/// let page = page_text(7, 64);
/// assert_eq!(page.len(), 64);
/// assert_eq!(page, page_text(7, 64));
/// assert!(page_text(7, 200).starts_with(&page));
/// ```
pub fn page_text(k: u64, bytes: usize) -> String {
    let mut out = Vec::with_capacity(bytes);
    write_page(k, bytes, &mut out);
    String::from_utf8(out).expect("pages are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_the_exact_length_and_are_deterministic() {
        for bytes in [0, 1, 2, 3, 5, 17, 100, 4096, 65_537] {
            for k in [0, 1, 7, u64::MAX] {
                let page = page_text(k, bytes);
                assert_eq!(page.len(), bytes, "k={k} bytes={bytes}");
                assert_eq!(page, page_text(k, bytes));
            }
        }
    }

    #[test]
    fn a_shorter_page_is_a_prefix_of_a_longer_one() {
        let long = page_text(42, 10_000);
        for bytes in [0, 1, 9, 250, 9_999] {
            assert_eq!(page_text(42, bytes), long[..bytes]);
        }
    }

    #[test]
    fn pages_of_different_keys_differ() {
        assert_ne!(page_text(1, 256), page_text(2, 256));
    }

    #[test]
    fn every_whole_word_is_from_the_vocabulary_with_newlines_per_line() {
        let page = page_text(3, 5000);
        let words: Vec<&str> = page.split_ascii_whitespace().collect();
        // The last word may be cut short.
        for w in &words[..words.len() - 1] {
            assert!(VOCABULARY.contains(w), "{w}");
        }
        let first_line = page.lines().next().unwrap();
        assert_eq!(first_line.split(' ').count(), WORDS_PER_LINE);
        assert!(!page.contains("  ") && !page.contains("\n\n"));
        let vocab: std::collections::HashSet<_> = VOCABULARY.iter().collect();
        assert_eq!(vocab.len(), VOCABULARY.len(), "no duplicate words");
    }

    /// The plain definition: words and separators pushed one by one.
    fn reference(k: u64, bytes: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, word) in page_words(k).enumerate() {
            if out.len() == bytes {
                break;
            }
            if i > 0 {
                out.push(if i % WORDS_PER_LINE == 0 { b'\n' } else { b' ' });
                if out.len() == bytes {
                    break;
                }
            }
            let left = bytes - out.len();
            out.extend_from_slice(&word.as_bytes()[..word.len().min(left)]);
        }
        out
    }

    #[test]
    fn pages_are_the_plain_definition_and_the_bytes_they_always_were() {
        let mut all = Vec::new();
        for k in [0u64, 1, 7, 42, u64::MAX] {
            for bytes in [0usize, 1, 2, 3, 4, 5, 9, 17, 100, 4096, 65_537] {
                let page = page_text(k, bytes);
                assert_eq!(page.as_bytes(), reference(k, bytes), "k={k} bytes={bytes}");
                all.extend_from_slice(page.as_bytes());
                all.push(0xff);
            }
        }
        for bytes in 0..400 {
            assert_eq!(page_text(3, bytes).as_bytes(), reference(3, bytes));
        }
        // FNV-1a over all of them, as written by the first version: pages
        // (and so http-words' digests in older results) never change.
        let fnv = all.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        assert_eq!((all.len(), fnv), (348_925, 0xe0e7_b373_76f6_2af2));
    }

    #[test]
    fn write_page_appends() {
        let mut out = b"head:".to_vec();
        write_page(9, 33, &mut out);
        assert_eq!(&out[..5], b"head:");
        assert_eq!(&out[5..], page_text(9, 33).as_bytes());
    }
}

//! The protocols of the embedded loopback servers, defined once: what the
//! clients here (`echo`, `http-words`) send and the server in
//! `bakeoff-servers` answers.
//!
//! - **echo**: a request is a 4-byte little-endian length and that many
//!   bytes (at most [`MAX_FRAME`]); the reply is the same frame.
//! - **http**: HTTP/1.1 with keep-alive; `GET {WORDS_ROUTE}{k}?n={bytes}`
//!   returns [`crate::text::page_text`]`(k, bytes)` (`n` at most
//!   [`MAX_PAGE_BYTES`], [`DEFAULT_PAGE_BYTES`] when absent).
//!
//! Every reply is held back by a delay ± jitter ([`DEFAULT_DELAY`] and
//! [`DEFAULT_JITTER`] unless told otherwise).

use std::fmt;
use std::str::FromStr;

/// The largest echo frame accepted (64 MiB); a longer length closes the
/// connection.
pub const MAX_FRAME: usize = 64 << 20;
/// The largest page `GET /words/{k}?n=` serves (16 MiB); more is a 400.
pub const MAX_PAGE_BYTES: usize = 16 << 20;
/// The page length when a request gives no `n`.
pub const DEFAULT_PAGE_BYTES: usize = 4096;
/// The path prefix of page `k`: `/words/{k}`.
pub const WORDS_ROUTE: &str = "/words/";
/// The reply delay unless told otherwise, written as a parameter and a
/// flag take it ([`crate::io::parse_duration`]).
pub const DEFAULT_DELAY: &str = "5ms";
/// The reply jitter unless told otherwise (each wait is uniform in
/// delay ± jitter).
pub const DEFAULT_JITTER: &str = "1ms";

/// The path of page `k` of `bytes` bytes.
pub fn words_path(k: u64, bytes: usize) -> String {
    format!("{WORDS_ROUTE}{k}?n={bytes}")
}

/// What an embedded server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServerKind {
    /// Length-prefixed frames, echoed back after the delay.
    Echo,
    /// HTTP/1.1 with keep-alive: `GET /words/{k}?n={bytes}` returns page `k`.
    Http,
}

impl ServerKind {
    /// Every kind, in the order `bakeoff serve --help` lists them.
    pub const ALL: [ServerKind; 2] = [ServerKind::Echo, ServerKind::Http];

    /// The name on the command line and in the ready line.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerKind::Echo => "echo",
            ServerKind::Http => "http",
        }
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ServerKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a server kind: write echo or http"))
    }
}

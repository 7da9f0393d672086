//! The embedded loopback servers IO workloads talk to — `bakeoff serve
//! echo|http` — and the client side that starts one as a process.
//!
//! The key design decision: **a server is a role, never the thing under
//! test.** It runs in a process of its own, on a tokio runtime of its own,
//! started by re-executing the program with `BAKEOFF_ROLE=server`
//! ([`role`]), so it starts from any program that calls bakeoff's
//! `child_entry` first thing in `main`, not only from the `bakeoff` binary.
//! A workload's tasks wait on it the way they would wait on a remote peer:
//! every reply is held back by `delay ± jitter` (uniform, drawn per request
//! from a seeded SplitMix64 stream per connection, [`wait`]).
//!
//! The protocols themselves — framing, routes, limits, defaults and
//! [`ServerKind`] — live in [`bakeoff_workloads::protocol`], where the
//! clients read them too.
//!
//! - [`echo`]: length-prefixed frames, echoed back.
//! - [`http`]: `GET /words/{k}?n={bytes}` over HTTP/1.1 with keep-alive.
//! - [`server`]: the listener and the accept loop ([`run`]).
//! - [`stats`]: what a server has served, asked for on its stdin and
//!   answered in JSON on its stdout.
//! - [`child`]: [`ServerChild`], a server process started by this one.
//!
//! Once it listens, the server prints exactly one line on stdout,
//! `bakeoff serve: KIND listening on ADDR` ([`ready_line`],
//! [`parse_ready_line`]). It stops, closing the listener and exiting 0, on
//! SIGTERM, on SIGINT (Ctrl-C), or when its stdin reaches end of file, so a
//! parent that dies takes its server with it.

pub mod child;
pub mod echo;
pub mod http;
pub mod role;
pub mod server;
pub mod stats;
pub mod wait;

use std::net::SocketAddr;
use std::time::Duration;

pub use bakeoff_workloads::io::parse_duration;
pub use bakeoff_workloads::protocol::{
    ServerKind, DEFAULT_DELAY, DEFAULT_JITTER, DEFAULT_PAGE_BYTES, MAX_FRAME, MAX_PAGE_BYTES,
};
pub use child::ServerChild;
pub use role::{serve_role, SERVER_ENV, SERVER_ROLE};
pub use server::{exposure_warning, run};
pub use stats::ServerStats;

/// The address a server listens on unless told otherwise: loopback, any
/// free port.
pub const DEFAULT_ADDR: &str = "127.0.0.1:0";
/// Tokio worker threads unless told otherwise.
pub const DEFAULT_THREADS: usize = 2;
/// What every ready line starts with.
pub const READY_PREFIX: &str = "bakeoff serve: ";

/// How a server runs: what `bakeoff serve` parses its flags into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// The protocol.
    pub kind: ServerKind,
    /// Where to listen; port 0 lets the system choose a free port.
    pub addr: SocketAddr,
    /// How long each reply is held back, on average.
    pub delay: Duration,
    /// Each reply's wait is uniform in `delay ± jitter`; a jitter larger
    /// than the delay counts as equal to it, so a wait is never negative
    /// and `--delay 0` alone means no wait at all.
    pub jitter: Duration,
    /// Tokio worker threads.
    pub threads: usize,
}

impl ServeConfig {
    /// A server of `kind` with every default: loopback, any free port,
    /// [`DEFAULT_DELAY`] ± [`DEFAULT_JITTER`], two worker threads.
    pub fn new(kind: ServerKind) -> Self {
        let default = |raw| parse_duration(raw).expect("the protocol's defaults parse");
        ServeConfig {
            kind,
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            delay: default(DEFAULT_DELAY),
            jitter: default(DEFAULT_JITTER),
            threads: DEFAULT_THREADS,
        }
    }
}

/// The ready line a server prints once it listens on `addr`:
/// `bakeoff serve: KIND listening on ADDR`. The address is the last
/// whitespace-separated token, as Rust's `SocketAddr` prints it
/// (`127.0.0.1:PORT`, `[::1]:PORT`).
pub fn ready_line(kind: ServerKind, addr: SocketAddr) -> String {
    format!("{READY_PREFIX}{kind} listening on {addr}")
}

/// The address in a ready line, or `None` if `line` is not one.
pub fn parse_ready_line(line: &str) -> Option<SocketAddr> {
    let line = line.trim_end();
    if !line.starts_with(READY_PREFIX) || !line.contains(" listening on ") {
        return None;
    }
    line.split_whitespace().next_back()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line_round_trips() {
        let addr: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let line = ready_line(ServerKind::Echo, addr);
        assert_eq!(line, "bakeoff serve: echo listening on 127.0.0.1:4321");
        assert_eq!(parse_ready_line(&format!("{line}\n")), Some(addr));
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(
            parse_ready_line(&ready_line(ServerKind::Http, v6)),
            Some(v6)
        );
        assert_eq!(parse_ready_line("error: nope 127.0.0.1:1"), None);
    }

    #[test]
    fn the_default_config_is_the_protocols() {
        let c = ServeConfig::new(ServerKind::Echo);
        assert_eq!(
            (c.delay, c.jitter),
            (Duration::from_millis(5), Duration::from_millis(1))
        );
    }
}

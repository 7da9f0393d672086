//! What a server has served: counted as it serves, asked for with a
//! `stats N` line on its stdin and answered with one JSON line on its
//! stdout ([`StatsReply`]).

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// What the server counts as it serves, for its stats replies.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicU64,
}

/// Reads stdin on a plain thread — answering each `stats N` line — and
/// resolves when it reaches end of file (or cannot be read). A plain
/// thread, because the runtime would wait for a blocking task forever at
/// shutdown, while this thread simply ends with the process.
pub(crate) fn control(counters: Arc<Counters>) -> tokio::sync::oneshot::Receiver<()> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("bakeoff-serve-stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut line = Vec::new();
            loop {
                line.clear();
                match stdin.read_until(b'\n', &mut line) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
                let asked = std::str::from_utf8(&line)
                    .ok()
                    .and_then(|l| l.trim().strip_prefix("stats "))
                    .and_then(|n| n.trim().parse::<u64>().ok());
                if let Some(seq) = asked {
                    let (cpu_user_ns, cpu_system_ns) = cpu_ns();
                    let reply = StatsReply {
                        stats: seq,
                        served: ServerStats {
                            requests: counters.requests.load(Relaxed),
                            connections: counters.connections.load(Relaxed),
                            cpu_user_ns,
                            cpu_system_ns,
                        },
                    };
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{}", reply.line());
                    let _ = out.flush();
                }
            }
            let _ = tx.send(());
        })
        .expect("cannot start the stdin thread");
    rx
}

/// What a server has done since it started: requests answered (echo
/// frames, HTTP responses), connections accepted, and the CPU time of its
/// whole process. Two of them a case apart give the server's share of the
/// case ([`ServerStats::since`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStats {
    /// Requests answered.
    pub requests: u64,
    /// Connections accepted.
    pub connections: u64,
    /// User CPU time of the server process, ns.
    pub cpu_user_ns: u64,
    /// System CPU time of the server process, ns.
    pub cpu_system_ns: u64,
}

impl ServerStats {
    /// `self - earlier`, field by field.
    pub fn since(self, earlier: ServerStats) -> ServerStats {
        ServerStats {
            requests: self.requests.saturating_sub(earlier.requests),
            connections: self.connections.saturating_sub(earlier.connections),
            cpu_user_ns: self.cpu_user_ns.saturating_sub(earlier.cpu_user_ns),
            cpu_system_ns: self.cpu_system_ns.saturating_sub(earlier.cpu_system_ns),
        }
    }
}

/// The answer to `stats N`, one JSON line on the server's stdout:
/// `{"stats":N,"requests":…,"connections":…,"cpu_user_ns":…,"cpu_system_ns":…}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsReply {
    /// The `N` it answers, so that a late answer to an earlier question
    /// is told apart.
    pub stats: u64,
    /// What the server has done since it started.
    #[serde(flatten)]
    pub served: ServerStats,
}

impl StatsReply {
    /// The reply as its JSON line (without the newline).
    pub fn line(&self) -> String {
        serde_json::to_string(self).expect("a struct of numbers serialises")
    }

    /// A reply read back from `line`; `None` if it is not one.
    pub fn parse(line: &str) -> Option<StatsReply> {
        serde_json::from_str(line.trim()).ok()
    }
}

/// The user and system CPU time of this whole process, in nanoseconds.
fn cpu_ns() -> (u64, u64) {
    let u = bakeoff_os::usage(bakeoff_os::UsageWho::RUSAGE_SELF);
    (u.user_ns, u.system_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_replies_round_trip_as_json_and_subtract() {
        let a = ServerStats {
            requests: 7,
            connections: 2,
            cpu_user_ns: 1_500,
            cpu_system_ns: 90_000,
        };
        let reply = StatsReply {
            stats: 3,
            served: a,
        };
        assert_eq!(
            reply.line(),
            r#"{"stats":3,"requests":7,"connections":2,"cpu_user_ns":1500,"cpu_system_ns":90000}"#
        );
        assert_eq!(
            StatsReply::parse(&format!("{}\n", reply.line())),
            Some(reply)
        );
        assert_eq!(
            StatsReply::parse("bakeoff serve: echo listening on 127.0.0.1:1"),
            None
        );
        assert_eq!(StatsReply::parse(r#"{"stats":1,"requests":"x"}"#), None);
        let b = ServerStats {
            requests: 10,
            connections: 5,
            cpu_user_ns: 2_000,
            cpu_system_ns: 100_000,
        };
        let d = b.since(a);
        assert_eq!(
            (d.requests, d.connections, d.cpu_user_ns, d.cpu_system_ns),
            (3, 3, 500, 10_000)
        );
    }
}

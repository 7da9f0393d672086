//! [`ServerChild`]: a server process started by this one, for an
//! orchestrator or a test that needs a peer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bakeoff_runners::process::{PARENT_ENV, ROLE_ENV};

use crate::role::encode_config;
use crate::stats::StatsReply;
use crate::{parse_ready_line, ServeConfig, ServerKind, ServerStats, SERVER_ENV, SERVER_ROLE};

/// A server process started by this one, in the `server` role. Stopping it (by [`stop`](Self::stop), or by
/// dropping it) closes its stdin, waits, kills it if it has not exited
/// within [`STOP_TIMEOUT`](Self::STOP_TIMEOUT), and always reaps it.
pub struct ServerChild {
    child: Child,
    stdin: Option<ChildStdin>,
    stats: mpsc::Receiver<StatsReply>,
    asked: u64,
    addr: SocketAddr,
    kind: ServerKind,
    status: Option<ExitStatus>,
}

impl ServerChild {
    /// How long [`start`](Self::start) waits for the ready line.
    pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
    /// How long stopping waits for the server to exit before killing it.
    pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);
    /// How long [`stats`](Self::stats) waits for the answer.
    pub const STATS_TIMEOUT: Duration = Duration::from_secs(5);

    /// Starts `exe` as an embedded server of `kind` on 127.0.0.1, any free
    /// port, with `delay` ± `jitter` (the server role: `exe` is any program
    /// that calls bakeoff's `child_entry` first thing in `main`, such as the
    /// `bakeoff` binary or `std::env::current_exe()` of an embedding
    /// program) in a process group of its own, and waits for its ready
    /// line. If it exits first or is not ready within
    /// [`READY_TIMEOUT`](Self::READY_TIMEOUT), it is stopped and the error
    /// carries what it printed on stderr.
    pub fn start(
        exe: &Path,
        kind: ServerKind,
        delay: Duration,
        jitter: Duration,
    ) -> Result<ServerChild> {
        let config = ServeConfig {
            delay,
            jitter,
            ..ServeConfig::new(kind)
        };
        let mut child = Command::new(exe)
            .env(ROLE_ENV, SERVER_ROLE)
            .env(SERVER_ENV, encode_config(&config))
            .env(PARENT_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {} as a {kind} server", exe.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (errors, error_reader) = keep_start_of(stderr);
        let (tx, rx) = mpsc::channel();
        let (stats_tx, stats) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(reader.read_line(&mut line).map(|_| line));
            // Then only answers to `stats`; anything else is drained, so a
            // full pipe never blocks the server.
            let mut line = String::new();
            while matches!(reader.read_line(&mut line), Ok(1..)) {
                if let Some(reply) = StatsReply::parse(&line) {
                    let _ = stats_tx.send(reply);
                }
                line.clear();
            }
        });
        let mut server = ServerChild {
            child,
            stdin,
            stats,
            asked: 0,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            kind,
            status: None,
        };
        let first = rx.recv_timeout(Self::READY_TIMEOUT);
        let why = match first {
            Ok(Ok(line)) if !line.is_empty() => match parse_ready_line(&line) {
                Some(addr) => {
                    server.addr = addr;
                    return Ok(server);
                }
                None => format!("printed {:?} instead of its ready line", line.trim_end()),
            },
            Ok(_) => {
                let status = server.shutdown()?;
                let _ = error_reader.join();
                let said = errors.lock().map(|s| s.clone()).unwrap_or_default();
                let said = said.trim().trim_start_matches("error: ");
                format!("exited ({status}) before it was ready: {said}")
            }
            Err(_) => format!("was not ready within {} s", Self::READY_TIMEOUT.as_secs()),
        };
        // Dropping `server` stops and reaps it.
        bail!(
            "the {kind} server ({} as {ROLE}={SERVER_ROLE}) {why}",
            exe.display(),
            ROLE = ROLE_ENV
        )
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server speaks.
    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// What the server has done since it started: asks with a `stats`
    /// line on its stdin and waits up to
    /// [`STATS_TIMEOUT`](Self::STATS_TIMEOUT) for the answer.
    pub fn stats(&mut self) -> Result<ServerStats> {
        self.asked += 1;
        let seq = self.asked;
        let kind = self.kind;
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow!("`serve {kind}` is stopped; it has no stats"))?;
        writeln!(stdin, "stats {seq}")
            .and_then(|_| stdin.flush())
            .with_context(|| format!("cannot ask `serve {kind}` for its stats"))?;
        let deadline = Instant::now() + Self::STATS_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = self.stats.recv_timeout(left).map_err(|_| {
                anyhow!(
                    "`serve {kind}` did not answer `stats {seq}` within {} s",
                    Self::STATS_TIMEOUT.as_secs()
                )
            })?;
            // An answer to an earlier question that timed out is skipped.
            if reply.stats == seq {
                return Ok(reply.served);
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server: closes its stdin, waits up to
    /// [`STOP_TIMEOUT`](Self::STOP_TIMEOUT), kills it if it is still
    /// running, and reaps it. A clean stop is exit status 0.
    pub fn stop(mut self) -> Result<ExitStatus> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        drop(self.stdin.take());
        let deadline = Instant::now() + Self::STOP_TIMEOUT;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    let _ = self.child.kill();
                    break self
                        .child
                        .wait()
                        .context("cannot reap the server process")?;
                }
            }
        };
        self.status = Some(status);
        Ok(status)
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if self.shutdown().is_err() {
            // Whatever went wrong, never leave a zombie.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Drains `stream` on a thread, keeping its first 4 KiB as text.
fn keep_start_of(mut stream: impl Read + Send + 'static) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let kept = Arc::new(Mutex::new(String::new()));
    let into = Arc::clone(&kept);
    let handle = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            if let Ok(mut text) = into.lock() {
                if text.len() < 4096 {
                    text.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        }
    });
    (kept, handle)
}

//! `bakeoff serve echo|http`: a TCP peer for IO workloads to talk to.
//!
//! The server runs in a process of its own, on a tokio runtime of its own,
//! so that it is never the thing under test: a workload's tasks wait on it
//! the way they would wait on a remote peer. Every reply is held back by
//! `delay ± jitter` (uniform, drawn per request from a seeded SplitMix64
//! stream per connection), so an IO task really waits.
//!
//! - **echo**: a request is a 4-byte little-endian length and that many
//!   bytes; the reply is the same length and the same bytes. Connections
//!   are persistent, one tokio task each, with `TCP_NODELAY`.
//! - **http**: HTTP/1.1 with keep-alive. `GET /words/{k}?n={bytes}` returns
//!   [`page_text`]`(k, bytes)` as `text/plain; charset=utf-8` (`n` defaults
//!   to [`DEFAULT_PAGE_BYTES`]); any other path is 404, another method on
//!   `/words/{k}` is 405, a bad page number or query is 400 (the connection
//!   goes on), and a request that cannot be parsed is 400 with
//!   `Connection: close`.
//!
//! Once it listens, the server prints exactly one line on stdout,
//! `bakeoff serve: KIND listening on ADDR` (see [`ready_line`] and
//! [`parse_ready_line`]), and prints nothing more there unless asked: a
//! line `stats N` on its stdin is answered on stdout by
//! `stats N requests=… connections=… cpu_user_ns=… cpu_system_ns=…`
//! ([`ServerStats`]) — what it has served and the CPU time it has used
//! since it started, so a parent can tell how much of the machine the
//! server took during a case. It stops, closing the listener and exiting
//! 0, on SIGTERM, on SIGINT (Ctrl-C), or when its stdin reaches end of
//! file, so a parent that dies takes its server with it.
//! [`ServerProcess`] starts and stops one from a program.
//!
//! [`page_text`]: bakeoff_workloads::text::page_text

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bakeoff_workloads::{mix64, text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{signal, SignalKind};

/// The address a server listens on unless told otherwise: loopback, any
/// free port.
pub const DEFAULT_ADDR: &str = "127.0.0.1:0";
/// The reply delay unless told otherwise.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(5);
/// The reply jitter unless told otherwise.
pub const DEFAULT_JITTER: Duration = Duration::from_millis(1);
/// Tokio worker threads unless told otherwise.
pub const DEFAULT_THREADS: usize = 2;
/// What every ready line starts with.
pub const READY_PREFIX: &str = "bakeoff serve: ";
/// The largest echo frame accepted; a longer length closes the connection.
pub const MAX_FRAME: usize = 64 << 20;
/// The largest page `GET /words/{k}?n=` serves; more is a 400.
pub const MAX_PAGE_BYTES: usize = 16 << 20;
/// The page length when a request gives no `n`.
pub const DEFAULT_PAGE_BYTES: usize = 4096;
/// The largest HTTP request head accepted (431 and close beyond).
const MAX_HEAD: usize = 16 << 10;
/// The largest HTTP request body accepted and discarded (413 and close beyond).
const MAX_BODY: usize = 1 << 20;
/// Mixed into each connection's number to seed its jitter stream.
const WAIT_KEY: u64 = 0x5E2F_E000_0000_0001;

/// What a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerKind {
    /// Length-prefixed frames, echoed back after the delay.
    Echo,
    /// HTTP/1.1 with keep-alive: `GET /words/{k}?n={bytes}` returns page `k`.
    Http,
}

impl ServerKind {
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
    /// 5 ms ± 1 ms, two worker threads.
    pub fn new(kind: ServerKind) -> Self {
        ServeConfig {
            kind,
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            delay: DEFAULT_DELAY,
            jitter: DEFAULT_JITTER,
            threads: DEFAULT_THREADS,
        }
    }
}

pub use bakeoff_workloads::io::parse_duration;

/// The variable that carries a server's configuration to a process started
/// with `BAKEOFF_ROLE=server` (see [`serve_role`]).
pub const SERVER_ENV: &str = "BAKEOFF_SERVER";

/// The role value of an embedded server process.
pub const SERVER_ROLE: &str = "server";

/// How [`ServerProcess::start`] hands its configuration to the server
/// process: `KIND ADDR DELAY_NS JITTER_NS THREADS`, space-separated.
fn encode_config(config: &ServeConfig) -> String {
    format!(
        "{} {} {} {} {}",
        config.kind,
        config.addr,
        config.delay.as_nanos(),
        config.jitter.as_nanos(),
        config.threads
    )
}

fn decode_config(raw: &str) -> Option<ServeConfig> {
    let mut parts = raw.split_whitespace();
    let kind = match parts.next()? {
        "echo" => ServerKind::Echo,
        "http" => ServerKind::Http,
        _ => return None,
    };
    let addr = parts.next()?.parse().ok()?;
    let nanos = |p: Option<&str>| p?.parse::<u64>().ok().map(Duration::from_nanos);
    let delay = nanos(parts.next())?;
    let jitter = nanos(parts.next())?;
    let threads = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(ServeConfig {
        kind,
        addr,
        delay,
        jitter,
        threads,
    })
}

/// The embedded-server role, which [`crate::child_entry`] dispatches: runs
/// the server that [`SERVER_ENV`] describes and returns the exit code.
/// Because it is a role and not the `serve` subcommand, the embedded
/// servers start from any program that calls `child_entry`, not only from
/// the `bakeoff` binary.
pub fn serve_role() -> i32 {
    let raw = std::env::var(SERVER_ENV).unwrap_or_default();
    let Some(config) = decode_config(&raw) else {
        eprintln!(
            "error: started as a bakeoff server with {SERVER_ENV}=`{raw}`, not `KIND ADDR DELAY_NS JITTER_NS THREADS`; only the orchestrator starts this role (run `bakeoff serve` yourself instead)"
        );
        return 2;
    };
    match run(&config) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
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

/// Runs a server until SIGTERM, SIGINT or the end of stdin, after
/// printing the ready line; returns once the listener is closed. An
/// address that cannot be bound is an error naming it and the fix.
pub fn run(config: &ServeConfig) -> Result<()> {
    if config.threads == 0 {
        bail!("--threads 0: a server needs at least one worker thread, e.g. --threads 2");
    }
    raise_open_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .thread_name("bakeoff-serve")
        .enable_all()
        .build()
        .context("cannot start the tokio runtime for the server")?;
    let result = runtime.block_on(serve(config.clone()));
    // Connection tasks are dropped at their next await; none blocks.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Many connections need many descriptors: lift the soft limit to the
/// hard one (best effort).
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read or write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn bind_error(addr: SocketAddr, e: &std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind;
    let fix = match e.kind() {
        ErrorKind::AddrInUse => {
            "another socket holds it: pick another port, or port 0 to let the system choose"
        }
        ErrorKind::AddrNotAvailable => {
            "it is not an address of this machine: use a local one, e.g. 127.0.0.1:0"
        }
        ErrorKind::PermissionDenied => {
            "ports below 1024 need privileges: use a higher port, or 0 to let the system choose"
        }
        _ => "use a local address and a free port, e.g. 127.0.0.1:0",
    };
    anyhow!("--addr {addr}: cannot listen there ({e}); {fix}")
}

/// Connections the kernel may queue before the server accepts them. A
/// thousand clients connecting at once overflow tokio's default of 1024
/// while the accept loop shares two cores with them, and each dropped SYN
/// costs its client a one-second retransmission; the kernel caps this at
/// `net.core.somaxconn`.
const BACKLOG: u32 = 8192;

/// The warning for a server that listens beyond this machine: `None` for
/// a loopback address (127.0.0.0/8, ::1), the default.
pub fn exposure_warning(kind: ServerKind, addr: SocketAddr) -> Option<String> {
    let ip = addr.ip();
    let loopback = ip.is_loopback()
        || matches!(ip, std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()));
    (!loopback).then(|| {
        let reach = if ip.is_unspecified() {
            "every interface of this machine"
        } else {
            "a non-loopback address"
        };
        format!(
            "warning: the {kind} server listens on {addr}, {reach}: other hosts that reach it can connect and load it; pass --addr 127.0.0.1:0 unless you mean that"
        )
    })
}

/// A listener on `addr` with [`BACKLOG`].
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

async fn serve(config: ServeConfig) -> Result<()> {
    let listener = listen(config.addr).map_err(|e| bind_error(config.addr, &e))?;
    let local = listener.local_addr()?;
    if let Some(warning) = exposure_warning(config.kind, local) {
        eprintln!("{warning}");
    }
    // Handlers first, so that a signal sent right after the ready line
    // stops the server cleanly.
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let counters = Arc::new(Counters::default());
    let mut stdin_closed = control(Arc::clone(&counters));
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", ready_line(config.kind, local))?;
        out.flush()?;
    }
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = &mut stdin_closed => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let connection = counters.connections.fetch_add(1, Relaxed) + 1;
                    let _ = stream.set_nodelay(true);
                    let wait = Wait::new(config.delay, config.jitter, connection);
                    let counters = Arc::clone(&counters);
                    match config.kind {
                        ServerKind::Echo => tokio::spawn(async move {
                            let _ = echo(stream, wait, &counters).await;
                        }),
                        ServerKind::Http => tokio::spawn(async move {
                            let _ = http(stream, wait, &counters).await;
                        }),
                    };
                }
                // Out of descriptors or a connection reset before accept:
                // back off a moment rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
        }
    }
    drop(listener);
    Ok(())
}

/// What the server counts as it serves, for `stats` lines.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    connections: AtomicU64,
}

/// Reads stdin on a plain thread — answering each `stats N` line — and
/// resolves when it reaches end of file (or cannot be read). A plain
/// thread, because the runtime would wait for a blocking task forever at
/// shutdown, while this thread simply ends with the process.
fn control(counters: Arc<Counters>) -> tokio::sync::oneshot::Receiver<()> {
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
                    let usage = crate::measure::Usage::this_process();
                    let stats = ServerStats {
                        requests: counters.requests.load(Relaxed),
                        connections: counters.connections.load(Relaxed),
                        cpu_user_ns: usage.user,
                        cpu_system_ns: usage.system,
                    };
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{}", stats.line(seq));
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

    /// The answer to `stats SEQ`.
    pub fn line(self, seq: u64) -> String {
        format!(
            "stats {seq} requests={} connections={} cpu_user_ns={} cpu_system_ns={}",
            self.requests, self.connections, self.cpu_user_ns, self.cpu_system_ns
        )
    }

    /// Reads a [`line`](Self::line) back: its sequence number and stats.
    pub fn parse(line: &str) -> Option<(u64, ServerStats)> {
        let mut words = line.split_whitespace();
        if words.next()? != "stats" {
            return None;
        }
        let seq = words.next()?.parse().ok()?;
        let mut stats = ServerStats::default();
        for word in words {
            let (key, value) = word.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match key {
                "requests" => stats.requests = value,
                "connections" => stats.connections = value,
                "cpu_user_ns" => stats.cpu_user_ns = value,
                "cpu_system_ns" => stats.cpu_system_ns = value,
                _ => {}
            }
        }
        Some((seq, stats))
    }
}

/// The wait before each reply on one connection: `delay ± jitter`,
/// uniform, from a SplitMix64 stream seeded by the connection's number.
struct Wait {
    low: u64,
    span: u64,
    state: u64,
}

impl Wait {
    fn new(delay: Duration, jitter: Duration, connection: u64) -> Self {
        let delay = delay.as_nanos().min(u64::MAX as u128 / 4) as u64;
        let jitter = jitter.as_nanos().min(delay as u128) as u64;
        Wait {
            low: delay - jitter,
            span: 2 * jitter + 1,
            state: mix64(connection ^ WAIT_KEY),
        }
    }

    fn next(&mut self) -> Duration {
        if self.span == 1 {
            return Duration::from_nanos(self.low);
        }
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        Duration::from_nanos(self.low + mix64(self.state) % self.span)
    }

    /// Sleeps until `wait` after `since` (not at all for a zero wait).
    async fn until(&mut self, since: tokio::time::Instant) {
        let wait = self.next();
        if !wait.is_zero() {
            tokio::time::sleep_until(since + wait).await;
        }
    }
}

/// Answers frames from the front of whatever has arrived, so a request
/// that arrives in one segment costs one read, not one for its length and
/// one for its bytes.
async fn echo(mut stream: TcpStream, mut wait: Wait, counters: &Counters) -> std::io::Result<()> {
    let mut input: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let whole = input
            .get(..4)
            .map(|len| 4 + u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize);
        match whole {
            Some(n) if n - 4 > MAX_FRAME => return Ok(()),
            Some(n) if input.len() >= n => {
                wait.until(tokio::time::Instant::now()).await;
                stream.write_all(&input[..n]).await?;
                counters.requests.fetch_add(1, Relaxed);
                input.drain(..n);
            }
            _ => {
                input.reserve(whole.unwrap_or(4).saturating_sub(input.len()));
                if read_more(&mut stream, &mut input).await? == 0 {
                    return Ok(());
                }
            }
        }
    }
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// `GET /words/{k}?n={bytes}`.
    Page { k: u64, bytes: usize },
    /// A page route with a bad number or query (400; the connection goes on).
    BadQuery(String),
    /// Another method on a page route.
    MethodNotAllowed,
    /// Any other path.
    NotFound,
}

/// One request head parsed from the front of the input buffer.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// More bytes are needed.
    Partial,
    /// The bytes are not a request we can frame: reply and close.
    Fatal(u16, &'static str),
    /// A whole head: its length, the body length that follows, whether
    /// the connection stays open, the HTTP minor version, and the route.
    Request {
        head: usize,
        body: usize,
        keep_alive: bool,
        minor: u8,
        route: Route,
    },
}

fn parse_request(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let head = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Parsed::Fatal(431, "the request head is too large\n")
        }
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            return Parsed::Fatal(431, "too many request headers\n")
        }
        Err(_) => return Parsed::Fatal(400, "malformed request\n"),
    };
    let minor = req.version.unwrap_or(1);
    let mut keep_alive = minor >= 1;
    let mut body = None;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            for token in String::from_utf8_lossy(h.value).split(',') {
                let token = token.trim();
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Parsed::Fatal(400, "request bodies must have a Content-Length\n");
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok());
            match (n, body) {
                (Some(n), None) => body = Some(n),
                (Some(n), Some(m)) if n == m => {}
                _ => return Parsed::Fatal(400, "bad Content-Length\n"),
            }
        }
    }
    let body = body.unwrap_or(0);
    if body > MAX_BODY {
        return Parsed::Fatal(413, "the request body is too large\n");
    }
    let route = route(req.method.unwrap_or(""), req.path.unwrap_or(""));
    Parsed::Request {
        head,
        body,
        keep_alive,
        minor,
        route,
    }
}

fn route(method: &str, target: &str) -> Route {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(k) = path.strip_prefix("/words/") else {
        return Route::NotFound;
    };
    if method != "GET" {
        return Route::MethodNotAllowed;
    }
    let Ok(k) = k.parse::<u64>() else {
        return Route::BadQuery(format!(
            "bad page number `{k}`: write GET /words/{{k}}?n={{bytes}} with k a whole number\n"
        ));
    };
    let mut bytes = DEFAULT_PAGE_BYTES;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("n", v)) => match v.parse::<usize>() {
                Ok(n) if n <= MAX_PAGE_BYTES => bytes = n,
                _ => {
                    return Route::BadQuery(format!(
                        "bad n `{v}`: write a byte count from 0 to {MAX_PAGE_BYTES}\n"
                    ))
                }
            },
            _ => {
                return Route::BadQuery(format!(
                    "unknown query `{pair}`: the only parameter is n={{bytes}}\n"
                ))
            }
        }
    }
    Route::Page { k, bytes }
}

/// Writes a response head for a `text/plain` body of `len` bytes.
fn write_head(out: &mut Vec<u8>, status: u16, len: usize, keep_alive: bool, minor: u8) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        _ => "Request Header Fields Too Large",
    };
    let _ = write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len}\r\n"
    );
    if status == 405 {
        out.extend_from_slice(b"Allow: GET\r\n");
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if minor == 0 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Writes the whole response to `route` into `out`.
fn respond(route: &Route, keep_alive: bool, minor: u8, out: &mut Vec<u8>) {
    let (status, message) = match route {
        Route::Page { k, bytes } => {
            write_head(out, 200, *bytes, keep_alive, minor);
            text::write_page(*k, *bytes, out);
            return;
        }
        Route::BadQuery(why) => (400, why.as_str()),
        Route::MethodNotAllowed => (405, "only GET is served here\n"),
        Route::NotFound => (404, "not found: pages are at GET /words/{k}?n={bytes}\n"),
    };
    write_head(out, status, message.len(), keep_alive, minor);
    out.extend_from_slice(message.as_bytes());
}

/// Reads more of the stream into `buf`; 0 at end of file.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    buf.reserve(8192);
    stream.read_buf(buf).await
}

async fn http(mut stream: TcpStream, mut wait: Wait, counters: &Counters) -> std::io::Result<()> {
    let mut input: Vec<u8> = Vec::with_capacity(8192);
    let mut out: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let parsed = loop {
            match parse_request(&input) {
                Parsed::Partial => {
                    if read_more(&mut stream, &mut input).await? == 0 {
                        return Ok(());
                    }
                }
                parsed => break parsed,
            }
        };
        out.clear();
        let (used, keep_alive) = match parsed {
            Parsed::Partial => unreachable!("read until whole"),
            Parsed::Fatal(status, message) => {
                write_head(&mut out, status, message.len(), false, 1);
                out.extend_from_slice(message.as_bytes());
                (input.len(), false)
            }
            Parsed::Request {
                head,
                body,
                keep_alive,
                minor,
                route,
            } => {
                while input.len() < head + body {
                    if read_more(&mut stream, &mut input).await? == 0 {
                        return Ok(());
                    }
                }
                let arrived = tokio::time::Instant::now();
                respond(&route, keep_alive, minor, &mut out);
                wait.until(arrived).await;
                (head + body, keep_alive)
            }
        };
        stream.write_all(&out).await?;
        counters.requests.fetch_add(1, Relaxed);
        if !keep_alive {
            let _ = stream.shutdown().await;
            return Ok(());
        }
        input.drain(..used);
    }
}

/// A `bakeoff serve` process started by this one: for an orchestrator or a
/// test that needs a peer. Stopping it (by [`stop`](Self::stop), or by
/// dropping it) closes its stdin, waits, kills it if it has not exited
/// within [`STOP_TIMEOUT`](Self::STOP_TIMEOUT), and always reaps it.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stats: mpsc::Receiver<String>,
    asked: u64,
    addr: SocketAddr,
    kind: ServerKind,
    status: Option<ExitStatus>,
}

impl ServerProcess {
    /// How long [`start`](Self::start) waits for the ready line.
    pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
    /// How long stopping waits for the server to exit before killing it.
    pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);
    /// How long [`stats`](Self::stats) waits for the answer.
    pub const STATS_TIMEOUT: Duration = Duration::from_secs(5);

    /// Starts `exe` as an embedded server of `kind` on 127.0.0.1, any free
    /// port, with `delay` ± `jitter` (the server role: `exe` is any program
    /// that calls [`crate::child_entry`] first thing in `main`, such as the
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
    ) -> Result<ServerProcess> {
        let config = ServeConfig {
            delay,
            jitter,
            ..ServeConfig::new(kind)
        };
        let mut child = Command::new(exe)
            .env(crate::child::ROLE_ENV, SERVER_ROLE)
            .env(SERVER_ENV, encode_config(&config))
            .env(
                bakeoff_runners::process::PARENT_ENV,
                std::process::id().to_string(),
            )
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
                if line.starts_with("stats ") {
                    let _ = stats_tx.send(std::mem::take(&mut line));
                }
                line.clear();
            }
        });
        let mut server = ServerProcess {
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
            ROLE = crate::child::ROLE_ENV
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
            let line = self.stats.recv_timeout(left).map_err(|_| {
                anyhow!(
                    "`serve {kind}` did not answer `stats {seq}` within {} s",
                    Self::STATS_TIMEOUT.as_secs()
                )
            })?;
            // An answer to an earlier question that timed out is skipped.
            if let Some((got, stats)) = ServerStats::parse(&line) {
                if got == seq {
                    return Ok(stats);
                }
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

impl Drop for ServerProcess {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_lines_round_trip_and_subtract() {
        let a = ServerStats {
            requests: 7,
            connections: 2,
            cpu_user_ns: 1_500,
            cpu_system_ns: 90_000,
        };
        assert_eq!(
            a.line(3),
            "stats 3 requests=7 connections=2 cpu_user_ns=1500 cpu_system_ns=90000"
        );
        assert_eq!(ServerStats::parse(&a.line(3)), Some((3, a)));
        assert_eq!(
            ServerStats::parse("bakeoff serve: echo listening on 127.0.0.1:1"),
            None
        );
        assert_eq!(ServerStats::parse("stats 1 requests=x"), None);
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

    #[test]
    fn a_server_config_crosses_the_environment_whole() {
        let config = ServeConfig {
            addr: "[::1]:8080".parse().unwrap(),
            delay: Duration::from_micros(2500),
            jitter: Duration::from_nanos(7),
            threads: 3,
            ..ServeConfig::new(ServerKind::Http)
        };
        assert_eq!(decode_config(&encode_config(&config)), Some(config));
        for bad in [
            "",
            "ftp 127.0.0.1:0 0 0 2",
            "echo 127.0.0.1:0 0 0",
            "echo x 0 0 2",
            "echo 127.0.0.1:0 0 0 2 extra",
        ] {
            assert_eq!(decode_config(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_loopback_addresses_listen_without_a_warning() {
        for quiet in [
            "127.0.0.1:0",
            "127.1.2.3:80",
            "[::1]:0",
            "[::ffff:127.0.0.1]:0",
        ] {
            assert_eq!(
                exposure_warning(ServerKind::Echo, quiet.parse().unwrap()),
                None,
                "{quiet}"
            );
        }
        let every = exposure_warning(ServerKind::Echo, "0.0.0.0:9".parse().unwrap()).unwrap();
        assert!(
            every.contains("0.0.0.0:9") && every.contains("every interface"),
            "{every}"
        );
        let v6 = exposure_warning(ServerKind::Http, "[::]:0".parse().unwrap()).unwrap();
        assert!(
            v6.contains("every interface") && v6.contains("127.0.0.1"),
            "{v6}"
        );
        let lan = exposure_warning(ServerKind::Http, "192.0.2.7:80".parse().unwrap()).unwrap();
        assert!(lan.contains("non-loopback"), "{lan}");
    }

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
    fn waits_stay_within_delay_plus_or_minus_jitter() {
        let ms = Duration::from_millis;
        let mut w = Wait::new(ms(5), ms(1), 1);
        let waits: Vec<Duration> = (0..10_000).map(|_| w.next()).collect();
        assert!(waits.iter().all(|d| (ms(4)..=ms(6)).contains(d)));
        let mean = waits.iter().sum::<Duration>() / waits.len() as u32;
        assert!(mean.abs_diff(ms(5)) < Duration::from_micros(50), "{mean:?}");
        // The same connection number gives the same stream; others differ.
        let mut again = Wait::new(ms(5), ms(1), 1);
        assert_eq!(again.next(), waits[0]);
        let mut other = Wait::new(ms(5), ms(1), 2);
        assert_ne!((0..4).map(|_| other.next()).collect::<Vec<_>>(), waits[..4]);
        // No jitter: exactly the delay. Jitter beyond the delay: capped.
        assert_eq!(Wait::new(ms(3), Duration::ZERO, 9).next(), ms(3));
        let mut capped = Wait::new(Duration::ZERO, ms(1), 9);
        assert!((0..100).all(|_| capped.next().is_zero()));
    }

    fn parse(req: &str) -> Parsed {
        parse_request(req.as_bytes())
    }

    #[test]
    fn requests_route_to_pages_errors_and_keep_alive() {
        let get = |target: &str| parse(&format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert_eq!(
            get("/words/7?n=100"),
            Parsed::Request {
                head: "GET /words/7?n=100 HTTP/1.1\r\nHost: x\r\n\r\n".len(),
                body: 0,
                keep_alive: true,
                minor: 1,
                route: Route::Page { k: 7, bytes: 100 },
            }
        );
        assert!(matches!(
            get("/words/3"),
            Parsed::Request {
                route: Route::Page {
                    k: 3,
                    bytes: DEFAULT_PAGE_BYTES
                },
                ..
            }
        ));
        assert!(matches!(
            get("/"),
            Parsed::Request {
                route: Route::NotFound,
                ..
            }
        ));
        assert!(matches!(
            get("/word/1"),
            Parsed::Request {
                route: Route::NotFound,
                ..
            }
        ));
        for bad in [
            "/words/x",
            "/words/1?n=-1",
            "/words/1?bytes=5",
            "/words/1?n=99999999999",
        ] {
            assert!(
                matches!(
                    get(bad),
                    Parsed::Request {
                        route: Route::BadQuery(_),
                        ..
                    }
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse("POST /words/1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
            Parsed::Request {
                body: 3,
                route: Route::MethodNotAllowed,
                ..
            }
        ));
        assert!(matches!(
            parse("GET /words/1 HTTP/1.1\r\nConnection: close\r\n\r\n"),
            Parsed::Request {
                keep_alive: false,
                ..
            }
        ));
        assert!(matches!(
            parse("GET /words/1 HTTP/1.0\r\n\r\n"),
            Parsed::Request {
                keep_alive: false,
                minor: 0,
                ..
            }
        ));
        assert!(matches!(
            parse("GET /words/1 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
            Parsed::Request {
                keep_alive: true,
                minor: 0,
                ..
            }
        ));
        assert_eq!(parse("GET /words/1 HTTP/1.1\r\nHost:"), Parsed::Partial);
        assert!(matches!(
            parse("GET /\x01 HTTP/1.1\r\n\r\n"),
            Parsed::Fatal(400, _)
        ));
        assert!(matches!(
            parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Parsed::Fatal(400, _)
        ));
        let long = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD));
        assert!(matches!(parse(&long), Parsed::Fatal(431, _)));
    }

    #[test]
    fn responses_carry_length_type_and_connection() {
        let mut out = Vec::new();
        respond(&Route::Page { k: 5, bytes: 10 }, true, 1, &mut out);
        let text = String::from_utf8(out).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let head = format!("{head}\r\n");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains("Content-Length: 10\r\n"));
        assert!(head.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(!head.contains("Connection"));
        assert_eq!(body, text::page_text(5, 10));
        let mut out = Vec::new();
        respond(&Route::NotFound, false, 1, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
        assert!(head.ends_with("Connection: close"));
    }
}

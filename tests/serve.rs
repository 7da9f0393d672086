//! `bakeoff serve`: the echo and http protocols, the ready line, the stop
//! protocol (stdin's end, SIGTERM, Ctrl-C), bad input, and the
//! `ServerChild` helper. All traffic stays on 127.0.0.1; every read has
//! a timeout and every server is stopped by the test that started it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use bakeoff::serve::{parse_ready_line, ServerChild, ServerKind};
use bakeoff::workloads::text::page_text;

const IO_TIMEOUT: Duration = Duration::from_secs(10);

fn exe() -> PathBuf {
    assert_cmd::cargo::cargo_bin("bakeoff")
}

fn bakeoff() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("bakeoff").unwrap();
    c.env_remove("BAKEOFF_ROLE");
    for flag in ["ADDR", "DELAY", "JITTER", "THREADS"] {
        c.env_remove(format!("BAKEOFF_SERVE_{flag}"));
    }
    c
}

fn connect(addr: SocketAddr) -> TcpStream {
    assert!(addr.ip().is_loopback(), "{addr}");
    let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

fn is_gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

/// A `bakeoff serve` started by hand, to drive the stop protocol itself.
struct Raw {
    child: Child,
    stdin: Option<ChildStdin>,
    addr: SocketAddr,
}

impl Raw {
    fn start(args: &[&str]) -> Raw {
        let mut child = Command::new(exe())
            .arg("serve")
            .args(args)
            .env_remove("BAKEOFF_ROLE")
            .env_remove("BAKEOFF_SERVE_ADDR")
            .env_remove("BAKEOFF_SERVE_THREADS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        // Read the ready line on a thread, with a deadline: a hung server
        // fails the test instead of hanging it.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut l = String::new();
            let _ = r.read_line(&mut l);
            let _ = tx.send(l);
            let _ = std::io::copy(&mut r, &mut std::io::sink());
        });
        let Ok(line) = rx.recv_timeout(IO_TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no ready line within {IO_TIMEOUT:?}");
        };
        assert!(line.ends_with('\n'), "one whole line: {line:?}");
        let addr = parse_ready_line(&line).unwrap_or_else(|| panic!("not a ready line: {line:?}"));
        let kind = args[0];
        assert_eq!(
            line.trim_end(),
            format!("bakeoff serve: {kind} listening on {addr}")
        );
        Raw { child, stdin, addr }
    }

    /// Polls for the exit for up to 10 s; the exit code, once reaped.
    fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the server did not stop within 10 s");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn echo_round_trip(s: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(payload);
    s.write_all(&frame).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    assert_eq!(u32::from_le_bytes(len) as usize, payload.len());
    let mut back = vec![0u8; payload.len()];
    s.read_exact(&mut back).unwrap();
    back
}

#[test]
fn echo_returns_every_frame_exactly_and_no_sooner_than_the_delay() {
    let server = ServerChild::start(
        &exe(),
        ServerKind::Echo,
        Duration::from_millis(20),
        Duration::ZERO,
    )
    .unwrap();
    assert!(server.addr().ip().is_loopback());
    let mut s = connect(server.addr());
    for (i, size) in [1usize, 1024, 64 * 1024].into_iter().enumerate() {
        let payload: Vec<u8> = (0..size).map(|j| (j * 31 + i * 7) as u8).collect();
        let started = Instant::now();
        let back = echo_round_trip(&mut s, &payload);
        let took = started.elapsed();
        assert!(back == payload, "{size} B echoed differently");
        assert!(
            took >= Duration::from_millis(20),
            "{size} B came back after {took:?}, before the 20 ms delay"
        );
    }
    drop(s);
    assert!(server.stop().unwrap().success());
}

#[test]
fn stats_count_requests_and_connections_and_the_servers_cpu() {
    let mut server =
        ServerChild::start(&exe(), ServerKind::Echo, Duration::ZERO, Duration::ZERO).unwrap();
    let before = server.stats().unwrap();
    assert_eq!((before.requests, before.connections), (0, 0), "{before:?}");
    // 3 connections × 5 frames of 64 KiB: the server copies 960 KiB.
    for c in 0..3u8 {
        let mut s = connect(server.addr());
        for r in 0..5u8 {
            let payload = vec![c ^ r; 64 * 1024];
            assert!(echo_round_trip(&mut s, &payload) == payload);
        }
    }
    let after = server.stats().unwrap();
    let used = after.since(before);
    assert_eq!((used.requests, used.connections), (15, 3), "{used:?}");
    assert!(
        after.cpu_user_ns + after.cpu_system_ns > 0,
        "a server that answered 15 requests used no CPU: {after:?}"
    );
    // Asked again with nothing in between, it counts nothing more.
    let again = server.stats().unwrap().since(after);
    assert_eq!((again.requests, again.connections), (0, 0), "{again:?}");
    assert!(server.stop().unwrap().success());
}

/// One HTTP response: status, headers (lower-case names), body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` and reads one response (framed by Content-Length) from
/// `reader`, leaving any bytes after it in the reader.
fn exchange(s: &mut TcpStream, reader: &mut BufReader<TcpStream>, request: &str) -> Response {
    s.write_all(request.as_bytes()).unwrap();
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "connection closed inside a response head: {head:?}");
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut lines = head.lines();
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .expect("every response has a Content-Length")
        .1
        .parse()
        .unwrap();
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).unwrap();
    Response {
        status,
        headers,
        body,
    }
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

#[test]
fn http_pages_are_deterministic_and_kept_alive_with_errors_in_between() {
    let server = ServerChild::start(
        &exe(),
        ServerKind::Http,
        Duration::from_millis(2),
        Duration::from_millis(1),
    )
    .unwrap();
    let mut s = connect(server.addr());
    let mut reader = BufReader::new(s.try_clone().unwrap());
    // Every exchange below is on this one connection: keep-alive.
    let first = exchange(&mut s, &mut reader, &get("/words/7?n=4096"));
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-length"), Some("4096"));
    assert_eq!(
        first.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(first.header("connection"), None);
    assert_eq!(first.body, page_text(7, 4096).as_bytes());
    let missing = exchange(&mut s, &mut reader, &get("/nowhere"));
    assert_eq!(missing.status, 404);
    let bad = exchange(&mut s, &mut reader, &get("/words/seven"));
    assert_eq!(bad.status, 400);
    assert!(String::from_utf8_lossy(&bad.body).contains("seven"));
    let post = exchange(
        &mut s,
        &mut reader,
        "POST /words/7 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));
    let again = exchange(&mut s, &mut reader, &get("/words/7?n=4096"));
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body, "the same page twice");
    let other = exchange(&mut s, &mut reader, &get("/words/8?n=100"));
    assert_eq!(other.body, page_text(8, 100).as_bytes());
    let default = exchange(&mut s, &mut reader, &get("/words/7"));
    assert_eq!(default.body, first.body, "n defaults to 4096");
    // Connection: close is honoured: the response says so and the server
    // closes its end.
    let last = exchange(
        &mut s,
        &mut reader,
        "GET /words/1?n=10 HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(last.header("connection"), Some("close"));
    assert_eq!(last.body, page_text(1, 10).as_bytes());
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    // A request that cannot be parsed is a 400 and a closed connection.
    let mut s = connect(server.addr());
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let broken = exchange(&mut s, &mut reader, "NOT HTTP AT ALL\r\n\r\n");
    assert_eq!(broken.status, 400);
    assert_eq!(broken.header("connection"), Some("close"));
    assert!(server.stop().unwrap().success());
}

#[test]
fn closing_stdin_stops_the_server_with_status_0_even_with_a_client_connected() {
    for kind in ["echo", "http"] {
        let mut server = Raw::start(&[kind, "--delay", "0"]);
        let pid = server.child.id();
        let idle = connect(server.addr);
        drop(server.stdin.take());
        assert_eq!(server.wait_exit(), Some(0), "{kind}");
        assert!(is_gone(pid), "{kind}: pid {pid} is still there");
        drop(idle);
    }
}

#[test]
fn sigterm_and_ctrl_c_stop_the_server_with_status_0() {
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        let mut server = Raw::start(&["http"]);
        let pid = server.child.id();
        let mut s = connect(server.addr);
        let mut reader = BufReader::new(s.try_clone().unwrap());
        assert_eq!(
            exchange(&mut s, &mut reader, &get("/words/2?n=8")).status,
            200
        );
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(pid as i32, signal) };
        assert_eq!(server.wait_exit(), Some(0), "{name}");
        assert!(is_gone(pid), "{name}: pid {pid} is still there");
    }
}

/// Runs `bakeoff serve ARGS` and expects exit 2 with one `error:` line
/// naming every one of `needles`.
fn rejects(args: &[&str], env: Option<(&str, &str)>, needles: &[&str]) {
    let mut cmd = bakeoff();
    cmd.arg("serve").args(args).timeout(IO_TIMEOUT);
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let out = cmd.assert().code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "`{n}` not in: {stderr}");
    }
    assert!(out.stdout.is_empty(), "no ready line on failure");
}

#[test]
fn bad_addresses_durations_and_kinds_are_refused() {
    rejects(
        &["echo", "--addr", "999.1.1.1:80"],
        None,
        &["999.1.1.1:80", "127.0.0.1:0"],
    );
    rejects(
        &["http"],
        Some(("BAKEOFF_SERVE_ADDR", "localhost")),
        &["`localhost`", "127.0.0.1:0"],
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    rejects(
        &["http", "--addr", &addr],
        None,
        &[&addr, "in use", "port 0"],
    );
    drop(taken);
    rejects(
        &["echo", "--delay", "5x"],
        None,
        &["--delay", "`5x`", "5ms", "250us"],
    );
    rejects(
        &["echo"],
        Some(("BAKEOFF_SERVE_JITTER", "1h")),
        &["--jitter", "`1h`"],
    );
    rejects(
        &["echo"],
        Some(("BAKEOFF_SERVE_DELAY", "5 parsecs")),
        &["--delay", "`5 parsecs`"],
    );
    rejects(&["echo", "--threads", "0"], None, &["--threads 0"]);
    rejects(
        &["http"],
        Some(("BAKEOFF_SERVE_THREADS", "0")),
        &["--threads 0"],
    );
    // An unknown kind is clap's own error, which lists the kinds.
    let out = bakeoff()
        .args(["serve", "ftp"])
        .timeout(IO_TIMEOUT)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'ftp'") && stderr.contains("echo") && stderr.contains("http"),
        "{stderr}"
    );
}

#[test]
fn server_process_stop_and_drop_leave_no_child() {
    let exe = exe();
    let server =
        ServerChild::start(&exe, ServerKind::Http, Duration::ZERO, Duration::ZERO).unwrap();
    let pid = server.pid();
    assert!(!is_gone(pid));
    let status = server.stop().unwrap();
    assert!(status.success(), "{status}");
    assert!(is_gone(pid), "pid {pid} left after stop");

    let server =
        ServerChild::start(&exe, ServerKind::Echo, Duration::ZERO, Duration::ZERO).unwrap();
    let pid = server.pid();
    let mut s = connect(server.addr());
    assert_eq!(echo_round_trip(&mut s, b"hi"), b"hi");
    drop(server);
    assert!(is_gone(pid), "pid {pid} left after drop");

    // A server that cannot start is an error carrying its message, and
    // leaves nothing behind either.
    let err = ServerChild::start(
        Path::new("/nonexistent/bakeoff"),
        ServerKind::Echo,
        Duration::ZERO,
        Duration::ZERO,
    )
    .err()
    .expect("no such program");
    assert!(err.to_string().contains("/nonexistent/bakeoff"), "{err}");
}

/// Regression: `serve --addr 0.0.0.0:0` (also through BAKEOFF_SERVE_ADDR)
/// listened on every interface without a word. The server here is stopped
/// by its stdin's end right after its ready line; no traffic is sent.
#[test]
fn a_server_on_every_interface_says_so_and_loopback_is_quiet() {
    let stderr_of = |args: &[&str], env: Option<&str>| {
        let mut cmd = bakeoff();
        cmd.arg("serve").arg("echo").args(args).write_stdin("");
        if let Some(addr) = env {
            cmd.env("BAKEOFF_SERVE_ADDR", addr);
        }
        let out = cmd
            .timeout(IO_TIMEOUT)
            .assert()
            .success()
            .get_output()
            .clone();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(parse_ready_line(&stdout).is_some(), "{stdout}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    for (args, env) in [
        (&["--addr", "0.0.0.0:0"][..], None),
        (&[][..], Some("0.0.0.0:0")),
    ] {
        let stderr = stderr_of(args, env);
        assert!(
            stderr.starts_with("warning: the echo server listens on 0.0.0.0:")
                && stderr.contains("every interface")
                && stderr.contains("--addr 127.0.0.1:0"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(stderr_of(&["--addr", "127.0.0.1:0"], None), "");
}

//! In-process servers for the IO workloads' tests, speaking the protocols
//! of `bakeoff serve echo|http` (docs/SERVE.md) with no delay: std
//! threads on 127.0.0.1, one accepting in a loop and one per connection.
//! Each starts on first use and lives until the test process exits.
//! [`latency`]: the latency rule's invariants, for any runner's batch.

#![allow(dead_code)] // each test program uses what it needs

pub mod latency;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::OnceLock;
use std::thread;

use bakeoff_workloads::text::write_page;

/// `HOST:PORT` of this process's echo server.
pub fn echo_addr() -> &'static str {
    static ADDR: OnceLock<String> = OnceLock::new();
    ADDR.get_or_init(|| listen("echo", echo))
}

/// `HOST:PORT` of this process's HTTP server.
pub fn http_addr() -> &'static str {
    static ADDR: OnceLock<String> = OnceLock::new();
    ADDR.get_or_init(|| listen("http", http))
}

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
pub fn closed_addr() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Binds 127.0.0.1:0 and serves every connection with `serve` on a thread
/// of its own; the address.
fn listen(kind: &'static str, serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap().to_string();
    thread::Builder::new()
        .name(format!("test-{kind}-accept"))
        .spawn(move || {
            for conn in listener.incoming().flatten() {
                let _ = conn.set_nodelay(true);
                let _ = thread::Builder::new()
                    .name(format!("test-{kind}-conn"))
                    .spawn(move || serve(conn));
            }
        })
        .expect("spawn the accept thread");
    addr
}

/// Echo framing: a 4-byte little-endian length and that many bytes, sent
/// back as they came, until the client closes.
fn echo(mut s: TcpStream) {
    let mut frame = Vec::new();
    loop {
        let mut len = [0u8; 4];
        if s.read_exact(&mut len).is_err() {
            return;
        }
        frame.clear();
        frame.extend_from_slice(&len);
        frame.resize(4 + u32::from_le_bytes(len) as usize, 0);
        if s.read_exact(&mut frame[4..]).is_err() || s.write_all(&frame).is_err() {
            return;
        }
    }
}

/// Minimal HTTP/1.1 keep-alive: each request head (no request bodies) is
/// answered in turn; `GET /words/{k}?n={bytes}` with the page, anything
/// else with 404. Each response goes out in two writes, split at a place
/// that depends on `k`, so that clients see responses split across reads.
fn http(mut s: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut out = Vec::new();
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            out.clear();
            let target = head.split(' ').nth(1).unwrap_or("");
            let page = target
                .strip_prefix("/words/")
                .and_then(|rest| rest.split_once("?n="))
                .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<usize>().ok()?)));
            let split = match page {
                Some((k, n)) if head.starts_with("GET ") => {
                    out.extend_from_slice(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {n}\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    write_page(k, n, &mut out);
                    (k % 97) as usize
                }
                _ => {
                    out.extend_from_slice(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n",
                    );
                    0
                }
            };
            let split = split.min(out.len());
            if s.write_all(&out[..split]).is_err() || s.write_all(&out[split..]).is_err() {
                return;
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

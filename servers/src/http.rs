//! The http server: HTTP/1.1 with keep-alive. `GET /words/{k}?n={bytes}`
//! returns [`text::page_text`]`(k, bytes)` as `text/plain; charset=utf-8`
//! (`n` defaults to [`DEFAULT_PAGE_BYTES`], at most [`MAX_PAGE_BYTES`]);
//! any other path is 404, another method on `/words/{k}` is 405, a bad
//! page number or query is 400 (the connection goes on), and a request
//! that cannot be parsed is 400 with `Connection: close`.

use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;

use bakeoff_workloads::protocol::{DEFAULT_PAGE_BYTES, MAX_PAGE_BYTES, WORDS_ROUTE};
use bakeoff_workloads::text;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::stats::Counters;
use crate::wait::Wait;

/// The largest HTTP request head accepted (431 and close beyond).
const MAX_HEAD: usize = 16 << 10;
/// The largest HTTP request body accepted and discarded (413 and close beyond).
const MAX_BODY: usize = 1 << 20;

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
    let Some(k) = path.strip_prefix(WORDS_ROUTE) else {
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
pub(crate) async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    buf.reserve(8192);
    stream.read_buf(buf).await
}

pub(crate) async fn serve(
    mut stream: TcpStream,
    mut wait: Wait,
    counters: &Counters,
) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

//! `http-words`: the course homework — fetch K pages of generated text
//! from an HTTP server (`bakeoff serve http`) and count the top N words.
//!
//! A task is a seeded starting page `k`. It GETs `/words/k`, `/words/k+1`,
//! … (`pages` of them, `bytes` each) one after another over one keep-alive
//! connection, counts the words of all of them, and ranks the `top` most
//! frequent (ties alphabetically). Its digest is a hash of that ranking;
//! [`IoWorkload::expected`] computes the same ranking from
//! [`crate::text::page_text`], which is what the server serves.
//!
//! Responses are parsed with `httparse` and framed by `Content-Length`:
//! [`ResponseReader`] is the sans-IO part of the task body, so a response
//! split over reads, or several in one read, is handled in one place.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::ops::Range;

use super::{
    context, hash_bytes, task_ids, AsyncIo, IoFuture, IoWorkload, Target, DELAY_PARAM,
    JITTER_PARAM, TARGET_PARAM,
};
use crate::protocol::{words_path, ServerKind, MAX_PAGE_BYTES};
use crate::{mix64, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// At most this many headers in a response.
const MAX_HEADERS: usize = 32;

/// Keys the digest of a ranking.
const DIGEST_KEY: u64 = 0x4779_0000_0000_0001;

/// Each task fetches `pages` pages of `bytes` bytes over one connection
/// and ranks the `top` most frequent words; its digest is a hash of the
/// ranking.
#[derive(Debug)]
pub struct HttpWords {
    pages: u64,
    bytes: usize,
    top: usize,
    target: Target,
}

impl HttpWords {
    /// The path of page `k`.
    fn path(&self, k: u64) -> String {
        words_path(k, self.bytes)
    }

    /// The request for `path` to `host`.
    fn request(path: &str, host: SocketAddr) -> Vec<u8> {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()
    }

    /// The pages task `start` fetches, in order.
    fn pages(&self, start: u64) -> impl Iterator<Item = u64> {
        (0..self.pages).map(move |i| start.wrapping_add(i))
    }

    /// The digest of a task that counted `counts`.
    fn digest(&self, counts: &WordCounts) -> u64 {
        ranking_digest(&counts.top(self.top))
    }
}

/// The error for a response whose status is not 200.
fn bad_status(status: u16, path: &str, addr: SocketAddr) -> io::Error {
    io::Error::other(format!("GET {path} from {addr}: status {status}, want 200"))
}

impl IoWorkload for HttpWords {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "http-words",
        kind: Kind::Io,
        description: "each task GETs `pages` pages of text over one keep-alive HTTP connection and ranks the `top` most frequent words: the course homework",
        default_tasks: 500,
        params: &[
            ParamSpec {
                name: "pages",
                default: "4",
                help: "pages each task fetches, one after another on one connection",
            },
            ParamSpec {
                name: "bytes",
                default: "4096",
                help: "bytes per page (at most 16 MiB)",
            },
            ParamSpec {
                name: "top",
                default: "10",
                help: "how many of the most frequent words each task ranks",
            },
            TARGET_PARAM,
            DELAY_PARAM,
            JITTER_PARAM,
        ],
    };
    const SERVER: Option<ServerKind> = Some(ServerKind::Http);
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        let bytes: usize = p.get("bytes")?;
        if bytes > MAX_PAGE_BYTES {
            return Err(p.invalid(
                "bytes",
                format!(
                    "must be at most {MAX_PAGE_BYTES} (16 MiB), the largest page the server serves"
                ),
            ));
        }
        Ok(HttpWords {
            pages: p.get_at_least("pages", 1)?,
            bytes,
            top: p.get_at_least("top", 1)?,
            target: Target::from_params(p)?,
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<u64> {
        task_ids(count, seed)
    }

    fn expected(&self, task: &u64) -> u64 {
        let mut counts = WordCounts::default();
        let mut page = Vec::with_capacity(self.bytes);
        for k in self.pages(*task) {
            page.clear();
            crate::text::write_page(k, self.bytes, &mut page);
            counts.add(&page);
        }
        self.digest(&counts)
    }

    fn run<'a>(&'a self, io: &'a dyn AsyncIo, task: &'a u64) -> IoFuture<'a, io::Result<u64>> {
        Box::pin(async move {
            let addr = self.target.addr()?;
            let mut conn = io
                .connect(addr)
                .await
                .map_err(|e| context(e, format_args!("connect to {addr}")))?;
            let (mut reader, mut counts) = (ResponseReader::default(), WordCounts::default());
            for k in self.pages(*task) {
                let path = self.path(k);
                let at = || format!("GET {path} from {addr}");
                conn.write_all(&Self::request(&path, addr))
                    .await
                    .map_err(|e| context(e, at()))?;
                let head = loop {
                    if let Some(head) = reader.parse().map_err(|e| context(e, at()))? {
                        break head;
                    }
                    let n = loop {
                        match conn.read(reader.spare()).await {
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            r => break r.map_err(|e| context(e, at()))?,
                        }
                    };
                    reader.filled(n).map_err(|e| context(e, at()))?;
                };
                if head.status != 200 {
                    return Err(bad_status(head.status, &path, addr));
                }
                counts.add(reader.body(&head));
                reader.consume(&head);
            }
            Ok(self.digest(&counts))
        })
    }
}

/// Word counts over any number of texts.
///
/// A word is a maximal run of ASCII letters and digits, lower-cased; any
/// other byte separates words. Texts are counted separately, so a word
/// never spans two pages.
#[derive(Debug, Default)]
pub(crate) struct WordCounts {
    counts: HashMap<Box<[u8]>, u64>,
    lower: Vec<u8>,
}

impl WordCounts {
    /// Counts the words of `text`.
    pub(crate) fn add(&mut self, text: &[u8]) {
        for word in text
            .split(|b| !b.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let word = if word.iter().any(u8::is_ascii_uppercase) {
                self.lower.clear();
                self.lower.extend(word.iter().map(u8::to_ascii_lowercase));
                &self.lower[..]
            } else {
                word
            };
            match self.counts.get_mut(word) {
                Some(n) => *n += 1,
                None => {
                    self.counts.insert(word.into(), 1);
                }
            }
        }
    }

    /// The `n` most frequent words with their counts, most frequent first,
    /// equally frequent ones in byte (alphabetical) order.
    pub(crate) fn top(&self, n: usize) -> Vec<(&[u8], u64)> {
        let mut ranked: Vec<(&[u8], u64)> = self.counts.iter().map(|(w, c)| (&w[..], *c)).collect();
        let order = |a: &(&[u8], u64), b: &(&[u8], u64)| b.1.cmp(&a.1).then(a.0.cmp(b.0));
        if ranked.len() > n {
            ranked.select_nth_unstable_by(n, order);
            ranked.truncate(n);
        }
        ranked.sort_unstable_by(order);
        ranked
    }
}

/// The digest of a ranking: its words and counts, in order.
pub(crate) fn ranking_digest(ranked: &[(&[u8], u64)]) -> u64 {
    ranked.iter().fold(
        mix64(DIGEST_KEY ^ ranked.len() as u64),
        |h, (word, count)| mix64(h ^ hash_bytes(*count, word)),
    )
}

/// The head of one complete response in a [`ResponseReader`]'s buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// The status code.
    pub(crate) status: u16,
    /// Where the body is in the reader's buffer.
    body: Range<usize>,
}

/// Reads HTTP/1.1 responses framed by `Content-Length` from bytes read in
/// any pieces: read into [`ResponseReader::spare`], report the count with
/// [`ResponseReader::filled`], and [`ResponseReader::parse`] until a whole
/// response is in; take its [`ResponseReader::body`], then
/// [`ResponseReader::consume`] it. Bytes past a response (the start of
/// the next) stay buffered for the next [`ResponseReader::parse`].
#[derive(Debug, Default)]
pub(crate) struct ResponseReader {
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Bytes (from `start`) the response being read needs, once its head
    /// is in.
    need: usize,
}

impl ResponseReader {
    /// The first response in the buffer, if it is all in; an error
    /// (`InvalidData`) if the bytes are not an HTTP/1.x response with a
    /// `Content-Length`.
    pub(crate) fn parse(&mut self) -> io::Result<Option<Head>> {
        let data = &self.buf[self.start..self.end];
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let head_len = match response.parse(data) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(e) => return Err(invalid(format!("malformed response: {e}"))),
        };
        let status = response.code.unwrap_or(0);
        let length = match response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        {
            Some(h) => std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| {
                    invalid(format!(
                        "Content-Length `{}` is not a number",
                        String::from_utf8_lossy(h.value)
                    ))
                })?,
            // No body by definition.
            None if status == 204 || status == 304 || (100..200).contains(&status) => 0,
            None => {
                return Err(invalid(format!(
                    "status {status} response without Content-Length (chunked or close-delimited bodies are not supported)"
                )))
            }
        };
        self.need = head_len + length;
        if data.len() < self.need {
            return Ok(None);
        }
        let body = self.start + head_len..self.start + self.need;
        Ok(Some(Head { status, body }))
    }

    /// Room to read into: never empty; large enough for the rest of the
    /// response once its head is in.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 && self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() || self.buf.len() - self.start < self.need {
            let len = (2 * self.buf.len()).max(4096).max(self.start + self.need);
            self.buf.resize(len, 0);
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`ResponseReader::spare`]; 0
    /// (the peer closed) is an error (`UnexpectedEof`).
    pub(crate) fn filled(&mut self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the server closed the connection {} bytes into a response",
                    self.end - self.start
                ),
            ));
        }
        self.end += n;
        debug_assert!(self.end <= self.buf.len());
        Ok(())
    }

    /// The body of `head`, the response [`ResponseReader::parse`] returned.
    pub(crate) fn body(&self, head: &Head) -> &[u8] {
        &self.buf[head.body.clone()]
    }

    /// Drops `head`'s response from the buffer, keeping what follows.
    pub(crate) fn consume(&mut self, head: &Head) {
        self.start = head.body.end;
        self.need = 0;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
    }
}

/// An `InvalidData` error.
fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::BlockingIo;
    use std::collections::BTreeMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn words(given: &[(&str, &str)]) -> Result<HttpWords, ParamError> {
        let given: BTreeMap<String, String> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HttpWords::from_params(&Params::resolve(
            "http-words",
            HttpWords::INFO.params,
            &given,
        )?)
    }

    #[test]
    fn words_are_counted_and_ranked_with_ties_alphabetical() {
        let mut c = WordCounts::default();
        c.add(b"the cat and The dog; the end.\nA cat, a DOG");
        c.add(b"zebra apple"); // no word spans texts: not "dogzebra"
        let top = c.top(4);
        let want: Vec<(&[u8], u64)> = vec![(b"the", 3), (b"a", 2), (b"cat", 2), (b"dog", 2)];
        assert_eq!(top, want);
        // Every word once: "and", "apple", "end", "zebra" after the above.
        let all = c.top(100);
        assert_eq!(all.len(), 8);
        let tail: Vec<&[u8]> = all[4..].iter().map(|(w, _)| *w).collect();
        assert_eq!(tail, [&b"and"[..], b"apple", b"end", b"zebra"]);
        assert_eq!(c.top(0), vec![]);
        assert_ne!(ranking_digest(&top), ranking_digest(&c.top(3)));
        let reordered: Vec<(&[u8], u64)> = vec![(b"the", 3), (b"a", 2), (b"dog", 2), (b"cat", 2)];
        assert_ne!(ranking_digest(&top), ranking_digest(&reordered));
    }

    #[test]
    fn counting_a_generated_page_finds_its_words() {
        let page = crate::text::page_text(7, 5000);
        let mut c = WordCounts::default();
        c.add(page.as_bytes());
        let total: u64 = c.counts.values().sum();
        assert_eq!(total as usize, page.split_ascii_whitespace().count());
        let top = c.top(10);
        assert_eq!(top.len(), 10);
        for pair in top.windows(2) {
            assert!(pair[0].1 > pair[1].1 || (pair[0].1 == pair[1].1 && pair[0].0 < pair[1].0));
        }
    }

    fn response(status: u16, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status} OK\r\nContent-Type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    /// Feeds `bytes` to `r` through its spare room, as reads would.
    fn feed(r: &mut ResponseReader, bytes: &[u8]) {
        let mut bytes = bytes;
        while !bytes.is_empty() {
            let spare = r.spare();
            let n = spare.len().min(bytes.len());
            spare[..n].copy_from_slice(&bytes[..n]);
            r.filled(n).unwrap();
            bytes = &bytes[n..];
        }
    }

    #[test]
    fn a_response_split_at_every_byte_is_read_whole() {
        let whole = response(200, "hello there world");
        for split in 0..=whole.len() {
            let mut r = ResponseReader::default();
            feed(&mut r, &whole[..split]);
            if split < whole.len() {
                assert_eq!(r.parse().unwrap(), None, "split at {split}");
                feed(&mut r, &whole[split..]);
            }
            let head = r.parse().unwrap().expect("complete");
            assert_eq!(head.status, 200);
            assert_eq!(r.body(&head), b"hello there world", "split at {split}");
            r.consume(&head);
            assert_eq!((r.start, r.end), (0, 0));
        }
    }

    #[test]
    fn two_pipelined_responses_in_one_buffer_are_read_in_turn() {
        let mut both = response(200, "first body");
        both.extend(response(404, ""));
        both.extend(&response(200, "third")[..20]);
        let mut r = ResponseReader::default();
        feed(&mut r, &both);
        let one = r.parse().unwrap().unwrap();
        assert_eq!((one.status, r.body(&one)), (200, &b"first body"[..]));
        r.consume(&one);
        let two = r.parse().unwrap().unwrap();
        assert_eq!((two.status, r.body(&two)), (404, &b""[..]));
        r.consume(&two);
        assert_eq!(r.parse().unwrap(), None, "the third is not all in");
        feed(&mut r, &response(200, "third")[20..]);
        let three = r.parse().unwrap().unwrap();
        assert_eq!(r.body(&three), b"third");
    }

    #[test]
    fn a_body_larger_than_the_buffer_grows_it() {
        let body = "x".repeat(100_000);
        let whole = response(200, &body);
        let mut r = ResponseReader::default();
        for chunk in whole.chunks(1000) {
            assert_eq!(r.parse().unwrap(), None);
            feed(&mut r, chunk);
        }
        let head = r.parse().unwrap().unwrap();
        assert_eq!(r.body(&head), body.as_bytes());
    }

    #[test]
    fn bad_responses_are_invalid_data_and_eof_is_unexpected() {
        for bytes in [
            &b"SMTP ready\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            let mut r = ResponseReader::default();
            feed(&mut r, bytes);
            let e = r.parse().unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        }
        let mut r = ResponseReader::default();
        feed(&mut r, b"HTTP/1.1 200");
        let e = r.filled(0).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("12 bytes"), "{e}");
    }

    #[test]
    fn bad_parameters_are_named() {
        for (key, value) in [
            ("pages", "0"),
            ("bytes", "16777217"),
            ("top", "0"),
            ("target", "nowhere"),
            ("delay", "fast"),
        ] {
            let e = words(&[(key, value)]).unwrap_err().to_string();
            assert!(e.contains(&format!("`{key}={value}`")), "{e}");
        }
    }

    /// A one-connection server answering each request with `answer(path)`.
    fn serve_once(answer: fn(&str) -> Vec<u8>) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            loop {
                while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    buf.drain(..end + 4);
                    let path = head.split(' ').nth(1).unwrap_or("").to_string();
                    if s.write_all(&answer(&path)).is_err() {
                        return;
                    }
                }
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        });
        addr
    }

    #[test]
    fn pages_from_a_server_give_the_expected_digest() {
        let addr = serve_once(|path| {
            let (k, n) = path
                .strip_prefix("/words/")
                .and_then(|r| r.split_once("?n="))
                .unwrap();
            let body = crate::text::page_text(k.parse().unwrap(), n.parse().unwrap());
            response(200, &body)
        });
        let w = words(&[
            ("pages", "3"),
            ("bytes", "700"),
            ("top", "5"),
            ("target", &addr),
        ])
        .unwrap();
        assert_eq!(
            BlockingIo.run(w.run(&BlockingIo, &u64::MAX)).unwrap(),
            w.expected(&u64::MAX)
        );
    }

    #[test]
    fn a_non_200_status_names_status_and_path() {
        let addr = serve_once(|_| response(404, "no such page"));
        let w = words(&[("bytes", "10"), ("target", &addr)]).unwrap();
        let e = BlockingIo
            .run(w.run(&BlockingIo, &3))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("404") && e.contains("/words/3?n=10") && e.contains(&addr),
            "{e}"
        );
    }

    #[test]
    fn a_closed_port_fails_naming_the_address() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let target = format!("127.0.0.1:{port}");
        let w = words(&[("target", &target)]).unwrap();
        let e = BlockingIo.run(w.run(&BlockingIo, &1)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        assert!(e.to_string().contains(&target), "{e}");
    }
}

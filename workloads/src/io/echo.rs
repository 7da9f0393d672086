//! `echo`: each task opens one connection to an echo server (`bakeoff
//! serve echo`) and sends `requests` frames of `size` bytes, one after
//! another, checking every reply — the course's echo client, a network
//! round trip per request.
//!
//! Framing is the embedded server's: a 4-byte little-endian length, then
//! that many bytes; the reply is the same frame. A reply may arrive over
//! several reads, so a task reads until the whole frame is in.

use std::io;
use std::net::SocketAddr;

use super::{
    context, hash_bytes, id_bytes, task_ids, AsyncIo, IoFuture, IoWorkload, Target, DELAY_PARAM,
    JITTER_PARAM, TARGET_PARAM,
};
use crate::protocol::{ServerKind, MAX_FRAME};
use crate::{Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// Keys the digest, so an echo task and a file-io task of one id differ.
const DIGEST_KEY: u64 = 0xEC40_0000_0000_0001;

/// Each task echoes `requests` frames of `size` bytes over one connection;
/// its digest is a hash of the payload and the request count.
#[derive(Debug)]
pub struct Echo {
    size: usize,
    requests: u64,
    target: Target,
}

impl Echo {
    /// The frame task `id` sends (and must get back): length, then payload.
    fn frame(&self, id: u64) -> Vec<u8> {
        let mut frame = Vec::with_capacity(4 + self.size);
        frame.extend_from_slice(&(self.size as u32).to_le_bytes());
        frame.extend_from_slice(&id_bytes(id, self.size));
        frame
    }

    /// The digest of task `id`, from the frame it sent (and got back).
    fn digest(&self, frame: &[u8]) -> u64 {
        hash_bytes(DIGEST_KEY ^ self.requests, &frame[4..])
    }

    /// Checks that reply `r` of task `id` equals the frame sent.
    fn check(id: u64, addr: SocketAddr, r: u64, sent: &[u8], got: &[u8]) -> io::Result<()> {
        match sent.iter().zip(got).position(|(a, b)| a != b) {
            None => Ok(()),
            Some(at) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "echo task {id:016x}: reply {r} from {addr} differs from the request at byte {at} of {}",
                    sent.len()
                ),
            )),
        }
    }
}

/// The error for a peer that closed before a whole reply arrived.
fn closed_early(addr: SocketAddr, got: usize, want: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("{addr} closed the connection after {got} of the {want} bytes of a reply"),
    )
}

impl IoWorkload for Echo {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "echo",
        kind: Kind::Io,
        description: "each task sends `requests` frames of `size` bytes over one connection to an echo server and checks every reply",
        default_tasks: 1000,
        params: &[
            ParamSpec {
                name: "size",
                default: "1024",
                help: "payload bytes per request (at most 64 MiB)",
            },
            ParamSpec {
                name: "requests",
                default: "1",
                help: "requests (and replies) per task, one after another on one connection",
            },
            TARGET_PARAM,
            DELAY_PARAM,
            JITTER_PARAM,
        ],
    };
    const SERVER: Option<ServerKind> = Some(ServerKind::Echo);
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        let size: usize = p.get("size")?;
        if size > MAX_FRAME {
            return Err(p.invalid(
                "size",
                format!("must be at most {MAX_FRAME} (64 MiB): the echo server closes the connection on a longer frame"),
            ));
        }
        Ok(Echo {
            size,
            requests: p.get_at_least("requests", 1)?,
            target: Target::from_params(p)?,
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<u64> {
        task_ids(count, seed)
    }

    fn expected(&self, task: &u64) -> u64 {
        self.digest(&self.frame(*task))
    }

    fn run<'a>(&'a self, io: &'a dyn AsyncIo, task: &'a u64) -> IoFuture<'a, io::Result<u64>> {
        Box::pin(async move {
            let addr = self.target.addr()?;
            let sent = self.frame(*task);
            let mut got = vec![0u8; sent.len()];
            let mut conn = io
                .connect(addr)
                .await
                .map_err(|e| context(e, format_args!("connect to {addr}")))?;
            for r in 0..self.requests {
                conn.write_all(&sent)
                    .await
                    .map_err(|e| context(e, format_args!("send to {addr}")))?;
                let mut filled = 0;
                while filled < got.len() {
                    match conn.read(&mut got[filled..]).await {
                        Ok(0) => return Err(closed_early(addr, filled, got.len())),
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(context(e, format_args!("read from {addr}"))),
                    }
                }
                Self::check(*task, addr, r, &sent, &got)?;
            }
            Ok(self.digest(&got))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::BlockingIo;
    use std::collections::BTreeMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn echo(given: &[(&str, &str)]) -> Result<Echo, ParamError> {
        let given: BTreeMap<String, String> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Echo::from_params(&Params::resolve("echo", Echo::INFO.params, &given)?)
    }

    #[test]
    fn frames_are_deterministic_and_sized() {
        let e = echo(&[("size", "13"), ("target", "127.0.0.1:1")]).unwrap();
        let f = e.frame(7);
        assert_eq!(f.len(), 17);
        assert_eq!(&f[..4], &13u32.to_le_bytes());
        assert_eq!(f, e.frame(7));
        assert_ne!(f, e.frame(8));
        assert_ne!(
            e.expected(&7),
            echo(&[("size", "13"), ("requests", "2"), ("target", "127.0.0.1:1")])
                .unwrap()
                .expected(&7),
            "the request count is in the digest"
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        for (key, value) in [
            ("size", "lots"),
            ("size", "67108865"),
            ("requests", "0"),
            ("target", "localhost:80"),
            ("delay", "5"),
            ("jitter", "1h"),
        ] {
            let e = echo(&[(key, value)]).unwrap_err().to_string();
            assert!(e.contains(&format!("`{key}={value}`")), "{e}");
        }
        // `embedded` is resolved when a task connects, not when built.
        assert!(echo(&[]).is_ok());
    }

    #[test]
    fn a_wrong_reply_is_invalid_data_naming_the_task() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let e = Echo::check(0xab, addr, 2, b"abcd", b"abxd").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let msg = e.to_string();
        assert!(
            msg.contains("00000000000000ab") && msg.contains("byte 2"),
            "{msg}"
        );
    }

    #[test]
    fn a_closed_port_fails_naming_the_address() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let target = format!("127.0.0.1:{port}");
        let e = echo(&[("target", &target)]).unwrap();
        let err = BlockingIo.run(e.run(&BlockingIo, &1)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(err.to_string().contains(&target), "{err}");
    }

    #[test]
    fn a_reply_in_pieces_is_read_whole() {
        // A one-connection echo server that answers a byte at a time.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let target = l.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            for _ in 0..3 {
                let mut len = [0u8; 4];
                s.read_exact(&mut len).unwrap();
                let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
                s.read_exact(&mut body).unwrap();
                for b in len.iter().chain(&body) {
                    s.write_all(&[*b]).unwrap();
                }
            }
        });
        let e = echo(&[("size", "100"), ("requests", "3"), ("target", &target)]).unwrap();
        assert_eq!(
            BlockingIo.run(e.run(&BlockingIo, &5)).unwrap(),
            e.expected(&5)
        );
        server.join().unwrap();
    }
}

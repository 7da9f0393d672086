//! IO-bound workloads: one task body, two faces.
//!
//! The key design decision: **an IO workload is written once, against the
//! async IO interface [`AsyncIo`].** Each async runtime implements it in
//! `bakeoff-runners` with its own native types (tokio's `tokio::net` and
//! timer, async-std's, smol's `Async` and `Timer`), so no compatibility
//! layer favours one runtime. The blocking face is derived: [`BlockingIo`]
//! implements the same interface with the standard library's blocking
//! calls, so its futures are ready on their first poll, and a task is
//! driven with one poll and a no-op waker ([`BlockingIo::run`]) — that is
//! what `seq`, the thread runners and the process pools' workers run.
//!
//! The async face is object-safe (`&dyn AsyncIo`, boxed futures): a task
//! holds its workload's boxed future, and that holds one allocation per
//! pending IO operation, where a program written for one runtime stores
//! the runtime's future inline — tens of nanoseconds against microseconds
//! of IO, and some bytes per task in flight. Where those bytes are the
//! measurement (a million sleeping tasks), [`AsyncIo::sleep_then`] is a
//! whole waiting task in one allocation: the runtime's timer in place,
//! plus the digest. `examples/bare_sleeps.rs` is the runtime's own
//! `spawn(sleep(d))`, measured the same way, to hold those bytes against
//! (the figures, and their date, are in the CHANGELOG and closing notes).

mod blocking;
mod echo;
mod file_io;
mod http_words;
mod loop_lag;
mod sleep;

use std::io;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use serde::{de::DeserializeOwned, Serialize};

use crate::batch::Face;
use crate::protocol::ServerKind;
use crate::{mix64, ParamError, ParamSpec, Params, WorkloadInfo};

pub use crate::async_io::{AsyncConn, AsyncIo, IoFuture};
pub use blocking::BlockingIo;

pub use echo::Echo;
pub use file_io::FileIo;
pub use http_words::HttpWords;
pub use loop_lag::{LagTask, LoopLag};
pub use sleep::Sleep;

/// The environment variable through which `bakeoff run` tells a case (and
/// its worker processes) where the embedded server listens.
pub const SERVE_ADDR_ENV: &str = "BAKEOFF_SERVE_ADDR";

/// The address a `target` parameter names: `embedded` is the server
/// `bakeoff run` started (from [`SERVE_ADDR_ENV`]), anything else must be
/// `HOST:PORT` with a numeric host.
pub fn resolve_target(raw: &str) -> Result<SocketAddr, String> {
    if raw == "embedded" {
        let addr = std::env::var(SERVE_ADDR_ENV).map_err(|_| {
            format!("target=embedded but no embedded server is running ({SERVE_ADDR_ENV} is not set); run it under `bakeoff run`, or pass target=HOST:PORT of a `bakeoff serve`")
        })?;
        return addr
            .parse()
            .map_err(|e| format!("{SERVE_ADDR_ENV}=`{addr}` is not HOST:PORT: {e}"));
    }
    raw.parse().map_err(|e| {
        format!("`{raw}` is not HOST:PORT ({e}); write e.g. 127.0.0.1:8080, or embedded")
    })
}

/// The built-in IO workloads.
pub(crate) fn entries() -> Vec<crate::WorkloadEntry> {
    vec![
        crate::WorkloadEntry::io::<Sleep>(),
        crate::WorkloadEntry::io::<LoopLag>(),
        crate::WorkloadEntry::io::<Echo>(),
        crate::WorkloadEntry::io::<HttpWords>(),
        crate::WorkloadEntry::io::<FileIo>(),
    ]
}

/// The `target` parameter of a workload with a [`IoWorkload::SERVER`].
/// A workload of your own that talks to an embedded server lists it with
/// [`DELAY_PARAM`] and [`JITTER_PARAM`] (the orchestrator reads all three
/// to start the right server) and reads it through [`Target`].
pub const TARGET_PARAM: ParamSpec = ParamSpec {
    name: "target",
    default: "embedded",
    help: "HOST:PORT of the server, or `embedded`: the one `bakeoff run` starts",
};

/// The `delay` parameter: the embedded server's, validated here.
pub const DELAY_PARAM: ParamSpec = ParamSpec {
    name: "delay",
    default: crate::protocol::DEFAULT_DELAY,
    help: "how long the embedded server holds back each reply (0, 250us, 5ms, …)",
};

/// The `jitter` parameter: the embedded server's, validated here.
pub const JITTER_PARAM: ParamSpec = ParamSpec {
    name: "jitter",
    default: crate::protocol::DEFAULT_JITTER,
    help: "each embedded-server wait is uniform in delay ± jitter",
};

/// Where a server workload connects: `target` checked when the workload is
/// built, `embedded` resolved (through [`SERVE_ADDR_ENV`]) when the first
/// task connects, so that a batch can be built — and its expected digests
/// computed — where no server runs.
#[derive(Debug)]
pub struct Target {
    raw: String,
    addr: OnceLock<Result<SocketAddr, String>>,
}

/// Parameter `key` of `p` as a duration (see [`parse_duration`]).
pub(crate) fn duration_param(p: &Params, key: &str) -> Result<Duration, ParamError> {
    parse_duration(p.raw(key)).map_err(|reason| p.invalid(key, reason))
}

impl Target {
    /// Reads `target` from `p`, and checks `delay` and `jitter` parse.
    pub fn from_params(p: &Params) -> Result<Self, ParamError> {
        for key in [DELAY_PARAM.name, JITTER_PARAM.name] {
            duration_param(p, key)?;
        }
        let raw = p.raw(TARGET_PARAM.name).to_string();
        let addr = OnceLock::new();
        if raw != "embedded" {
            let parsed = resolve_target(&raw).map_err(|reason| p.invalid("target", reason))?;
            let _ = addr.set(Ok(parsed));
        }
        Ok(Target { raw, addr })
    }

    /// The address to connect to; an error (kind `NotFound`) when
    /// `embedded` names no running server.
    pub fn addr(&self) -> io::Result<SocketAddr> {
        self.addr
            .get_or_init(|| resolve_target(&self.raw))
            .clone()
            .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))
    }
}

/// `e` with `what` (an address, a path, a task) said first, same kind.
pub(crate) fn context(e: io::Error, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

/// The seeded task ids every IO workload starts from: `count` distinct
/// 64-bit values for `seed`.
pub(crate) fn task_ids(count: usize, seed: u64) -> Vec<u64> {
    (0..count as u64).map(|i| mix64(seed ^ mix64(i))).collect()
}

/// `size` deterministic bytes for `id`: the little-endian words of a
/// SplitMix64 stream keyed by `id`, cut to length.
pub(crate) fn id_bytes(id: u64, size: usize) -> Vec<u8> {
    let base = mix64(id);
    let mut out = vec![0u8; size];
    for (j, chunk) in out.chunks_mut(8).enumerate() {
        let word = mix64(base.wrapping_add(j as u64)).to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    out
}

/// A 64-bit hash of `bytes` (and their length), keyed by `key`: mix64
/// folded over little-endian 8-byte words.
pub(crate) fn hash_bytes(key: u64, bytes: &[u8]) -> u64 {
    let mut h = mix64(key ^ bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = mix64(h ^ u64::from_le_bytes(w.try_into().expect("8 bytes")));
    }
    let rest = words.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    mix64(h ^ u64::from_le_bytes(last))
}

/// An IO-bound workload: tasks that wait on timers, sockets or files.
///
/// Like [`crate::CpuWorkload`], it must be deterministic: the same
/// parameters, count and seed give the same tasks, and a task gives the
/// same digest under either face, in any thread, process or runtime.
pub trait IoWorkload: Send + Sync + Sized + 'static {
    /// Name, description and parameters (`kind` is [`crate::Kind::Io`]).
    const INFO: WorkloadInfo;
    /// The embedded server its tasks talk to, if any. Such a workload takes the
    /// parameters `target` (default `embedded`: the server `bakeoff run`
    /// starts, found with [`resolve_target`]), `delay` and `jitter` (the
    /// embedded server's; a `target` elsewhere has its own).
    const SERVER: Option<ServerKind> = None;
    /// One unit of work. Serialisable, so process pools can ship it.
    type Task: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Builds the workload from resolved parameters.
    fn from_params(params: &Params) -> Result<Self, ParamError>;

    /// The deterministic list of `count` tasks for `seed`.
    fn tasks(&self, count: usize, seed: u64) -> Vec<Self::Task>;

    /// The digest a correct run of `task` returns, computed without any
    /// IO: the reference every runner's answer is checked against (a `seq`
    /// reference run of 10 000 sleeps would take minutes).
    fn expected(&self, task: &Self::Task) -> u64;

    /// Runs one task through `io`; its digest. Written once, this is both
    /// faces: an async runtime's own [`AsyncIo`], and [`BlockingIo`], whose
    /// operations block and are ready on their first poll (`seq`, threads,
    /// process pools). It gives the same digest under either.
    fn run<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        task: &'a Self::Task,
    ) -> IoFuture<'a, io::Result<u64>>;

    /// Samples the workload measured on the side during the last batch,
    /// in nanoseconds, taken (so the next batch starts empty): `loop-lag`'s
    /// heartbeat lateness. Most workloads have none.
    fn take_samples(&self) -> Option<Vec<u64>> {
        None
    }
}

/// An [`IoWorkload`] as a [`Face`]: the blocking face is its one task
/// body driven by [`BlockingIo`].
pub(crate) struct Io<W>(W);

impl<W: IoWorkload> Face for Io<W> {
    const ID: &'static str = W::INFO.id;
    const IS_IO: bool = true;
    type Task = W::Task;

    fn from_params(params: &Params) -> Result<Self, ParamError> {
        W::from_params(params).map(Io)
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<W::Task> {
        self.0.tasks(count, seed)
    }

    /// The blocking face; an IO error is the task's failure.
    fn run(&self, task: &W::Task) -> Result<u64, String> {
        BlockingIo
            .run(self.0.run(&BlockingIo, task))
            .map_err(|e| format!("{} (blocking IO): {e}", W::INFO.id))
    }

    fn expected(&self, task: &W::Task) -> Option<u64> {
        Some(self.0.expected(task))
    }

    fn take_samples(&self) -> Option<Vec<u64>> {
        self.0.take_samples()
    }

    fn run_async<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        task: &'a W::Task,
    ) -> Option<IoFuture<'a, io::Result<u64>>> {
        Some(self.0.run(io, task))
    }
}

/// Parses a duration: `0`, or a number and a unit, one of `ns`, `us`
/// (or `µs`), `ms` and `s`, e.g. `5ms`, `1s`, `250us`, `1.5ms`. The error
/// names the value and the accepted forms, in one line.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let bad = || {
        format!("`{raw}` is not a duration: write a number and a unit (ns, us, ms, s), e.g. 5ms, 1s, 250us, or 0")
    };
    let s = raw.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    let ns_per_unit = match unit {
        "" if value == 0.0 => 0.0,
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return Err(bad()),
    };
    let ns = (value * ns_per_unit).round();
    if !(ns.is_finite() && ns <= u64::MAX as f64) {
        return Err(format!(
            "`{raw}` is too long a duration: write at most a few hours, e.g. 5ms"
        ));
    }
    Ok(Duration::from_nanos(ns as u64))
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, AsyncConn, AsyncIo, IoFuture};
    use std::io;
    use std::net::SocketAddr;
    use std::path::Path;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    /// An `AsyncIo` whose sleep is over the first time it is polled: enough
    /// to drive the trait's provided methods without a runtime.
    struct Instantly;

    impl AsyncIo for Instantly {
        fn runtime(&self) -> &'static str {
            "instantly"
        }
        fn sleep(&self, _: Duration) -> IoFuture<'static, ()> {
            Box::pin(std::future::ready(()))
        }
        fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>> {
            Box::pin(std::future::ready(Err(io::Error::other(format!(
                "no network: {addr}"
            )))))
        }
        fn write_file<'a>(
            &'a self,
            _: &'a Path,
            _: &'a [u8],
            _: bool,
        ) -> IoFuture<'a, io::Result<()>> {
            Box::pin(std::future::ready(Ok(())))
        }
        fn read_file<'a>(&'a self, _: &'a Path) -> IoFuture<'a, io::Result<Vec<u8>>> {
            Box::pin(std::future::ready(Ok(Vec::new())))
        }
        fn cpu(&self, work: Box<dyn FnOnce() -> u64 + Send>) -> IoFuture<'static, u64> {
            Box::pin(std::future::ready(work()))
        }
        fn remove_file<'a>(&'a self, _: &'a Path) -> IoFuture<'a, io::Result<()>> {
            Box::pin(std::future::ready(Ok(())))
        }
    }

    #[test]
    fn the_provided_sleep_then_waits_on_sleep_and_resolves_to_its_value() {
        let mut f = Instantly.sleep_then(Duration::from_secs(3600), 42);
        let mut cx = Context::from_waker(Waker::noop());
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(v)) => assert_eq!(v, 42),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn durations_parse_in_every_unit_and_errors_name_the_value() {
        let ok = [
            ("0", Duration::ZERO),
            ("0ms", Duration::ZERO),
            ("5ms", Duration::from_millis(5)),
            ("1s", Duration::from_secs(1)),
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("1500ns", Duration::from_nanos(1500)),
            ("1.5ms", Duration::from_micros(1500)),
        ];
        for (raw, want) in ok {
            assert_eq!(parse_duration(raw), Ok(want), "{raw}");
        }
        for raw in [
            "", "5", "ms", "5x", "-1ms", "1e3ms", ".5ms", "5.ms", "1 h", "inf",
        ] {
            let e = parse_duration(raw).unwrap_err();
            assert!(e.contains(&format!("`{raw}`")) && e.contains("5ms"), "{e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }
}

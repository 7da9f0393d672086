//! IO-bound workloads: one interface with a blocking face and an async face.
//!
//! The key design decision: **an IO workload is written twice — once per
//! face — and shares everything else.** [`IoWorkload::blocking`] does its
//! IO with the standard library ([`BlockingIo`]): that is what `seq`, the
//! thread runners and the process pools' workers run. [`IoWorkload::run`]
//! does the same IO through [`AsyncIo`], which each async runtime
//! implements in `bakeoff-runners` with its own native types (tokio's
//! `tokio::net` and timer, async-std's, smol's `Async` and `Timer`), so no
//! compatibility layer favours one runtime. Building requests, parsing
//! answers and digests is plain shared code.
//!
//! The async face is object-safe (`&dyn AsyncIo`, boxed futures): one
//! allocation per IO operation, in place of the runtime's future being
//! stored inline — about 16 bytes of allocator header more per pending
//! operation, and tens of nanoseconds against microseconds of IO.

mod sleep;

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{de::DeserializeOwned, Serialize};

use crate::workload::BatchSpec;
use crate::{Batch, ParamError, Params, TaskExec, WorkloadInfo};

pub use sleep::Sleep;

/// The built-in IO workloads.
pub(crate) fn entries() -> Vec<crate::WorkloadEntry> {
    vec![crate::WorkloadEntry::io::<Sleep>()]
}

/// A boxed, sendable future: what the async face's operations return.
pub type IoFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The async face: the IO operations a workload may await, implemented by
/// each async runtime with its own types.
pub trait AsyncIo: Send + Sync {
    /// The runtime's name (`tokio`, `async-std`, `smol`), for messages.
    fn runtime(&self) -> &'static str;

    /// Waits `d` on the runtime's timer.
    fn sleep(&self, d: Duration) -> IoFuture<'static, ()>;

    /// Opens a TCP connection to `addr` (with `TCP_NODELAY`).
    fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>>;

    /// Creates or truncates `path`, writes `data`, and `fsync`s it.
    fn write_file<'a>(&'a self, path: &'a Path, data: &'a [u8]) -> IoFuture<'a, io::Result<()>>;

    /// Reads the whole of `path`.
    fn read_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<Vec<u8>>>;
}

/// An open connection of the async face.
pub trait AsyncConn: Send {
    /// Writes all of `buf`.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> IoFuture<'a, io::Result<()>>;

    /// Reads some bytes into `buf`; 0 means the peer closed.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> IoFuture<'a, io::Result<usize>>;
}

/// The blocking face: the same operations with the standard library; the
/// calling thread waits in the kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockingIo;

impl BlockingIo {
    /// Sleeps the calling thread for `d`.
    pub fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }

    /// Opens a TCP connection to `addr` (with `TCP_NODELAY`).
    pub fn connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        Ok(s)
    }

    /// Creates or truncates `path`, writes `data`, and `fsync`s it.
    pub fn write_file(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let mut f = std::fs::File::create(path)?;
        f.write_all(data)?;
        f.sync_all()
    }

    /// Reads the whole of `path`.
    pub fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        std::fs::File::open(path)?.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// An IO-bound workload: tasks that wait on timers, sockets or files.
///
/// Like [`crate::CpuWorkload`], it must be deterministic: the same
/// parameters, count and seed give the same tasks, and a task gives the
/// same digest under either face, in any thread, process or runtime.
pub trait IoWorkload: Send + Sync + Sized + 'static {
    /// Name, description and parameters (`kind` is [`crate::Kind::Io`]).
    const INFO: WorkloadInfo;
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

    /// Runs one task with blocking IO; its digest.
    fn blocking(&self, io: &BlockingIo, task: &Self::Task) -> io::Result<u64>;

    /// Runs one task through a runtime's async IO; its digest (the same as
    /// [`IoWorkload::blocking`] gives).
    fn run<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        task: &'a Self::Task,
    ) -> IoFuture<'a, io::Result<u64>>;
}

/// An [`IoWorkload`] with its tasks, erased to a [`Batch`].
pub(crate) struct IoBatch<W: IoWorkload> {
    workload: W,
    tasks: Vec<W::Task>,
    spec: BatchSpec,
}

impl<W: IoWorkload> IoBatch<W> {
    pub(crate) fn build(
        params: &Params,
        count: usize,
        seed: u64,
    ) -> Result<Arc<dyn Batch>, ParamError> {
        let workload = W::from_params(params)?;
        let tasks = workload.tasks(count, seed);
        let spec = BatchSpec {
            workload: W::INFO.id.to_string(),
            params: params.values().clone(),
        };
        Ok(Arc::new(IoBatch {
            workload,
            tasks,
            spec,
        }))
    }

    /// The worker-side executor for `params` (the blocking face).
    pub(crate) fn executor(params: &Params) -> Result<Box<dyn TaskExec>, ParamError> {
        Ok(Box::new(IoExec(W::from_params(params)?)))
    }
}

/// The reason a task's IO failed, as a task failure says it.
fn io_failure(id: &str, face: &str, e: &io::Error) -> String {
    format!("{id} ({face} IO): {e}")
}

impl<W: IoWorkload> Batch for IoBatch<W> {
    fn len(&self) -> usize {
        self.tasks.len()
    }

    /// The blocking face. An IO error fails the task: it panics with the
    /// error, which every runner records as the task's failure.
    fn run(&self, index: usize) -> u64 {
        self.workload
            .blocking(&BlockingIo, &self.tasks[index])
            .unwrap_or_else(|e| panic!("{}", io_failure(W::INFO.id, "blocking", &e)))
    }

    fn run_async<'a>(
        &'a self,
        io: &'a dyn AsyncIo,
        index: usize,
    ) -> Option<IoFuture<'a, io::Result<u64>>> {
        Some(self.workload.run(io, &self.tasks[index]))
    }

    fn expected(&self, index: usize) -> Option<u64> {
        Some(self.workload.expected(&self.tasks[index]))
    }

    fn spec(&self) -> &BatchSpec {
        &self.spec
    }

    fn encode_task(&self, index: usize, out: &mut Vec<u8>) {
        let buf = std::mem::take(out);
        *out = postcard::to_extend(&self.tasks[index], buf)
            .expect("tasks serialise (their types derive Serialize)");
    }
}

/// An IO workload rebuilt in a worker process: the blocking face.
struct IoExec<W: IoWorkload>(W);

impl<W: IoWorkload> TaskExec for IoExec<W> {
    fn run_encoded(&self, input: &[u8]) -> Result<u64, String> {
        let task: W::Task = postcard::from_bytes(input)
            .map_err(|e| format!("task bytes do not decode for `{}`: {e}", W::INFO.id))?;
        self.0
            .blocking(&BlockingIo, &task)
            .map_err(|e| io_failure(W::INFO.id, "blocking", &e))
    }
}

/// Parses a duration written with a unit: `250us`, `5ms`, `1s`, `1.5s`,
/// `2m`, or `0`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let per = match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        _ => f64::NAN,
    };
    match num.parse::<f64>() {
        Ok(v) if per.is_finite() && v.is_finite() && v >= 0.0 && v * per < 1e9 => {
            Ok(Duration::from_secs_f64(v * per))
        }
        _ => Err(format!(
            "`{s}` is not a duration; write a number with a unit: 250us, 5ms, 1s, 2m (or 0)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("5ms"), Ok(Duration::from_millis(5)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["5", "ms", "-1s", "1h", "1e3s", ""] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains(&format!("`{bad}`")) && e.contains("5ms"), "{e}");
        }
    }
}

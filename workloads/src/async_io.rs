//! The async face of IO: the operations an IO workload awaits.
//!
//! Each async runtime implements [`AsyncIo`] in `bakeoff-runners` with its
//! own native types; [`crate::io::BlockingIo`] implements it with the
//! standard library's blocking calls, so that an IO workload's task body is
//! written once, against this trait, and serves every runner.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

/// A boxed, sendable future: what the async face's operations return.
pub type IoFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The async face: the IO operations a workload may await, implemented by
/// each async runtime with its own types.
pub trait AsyncIo: Send + Sync {
    /// The runtime's name (`tokio`, `async-std`, `smol`), for messages.
    fn runtime(&self) -> &'static str;

    /// Waits `d` on the runtime's timer.
    fn sleep(&self, d: Duration) -> IoFuture<'static, ()>;

    /// Waits `d` on the runtime's timer, then resolves to `Ok(value)`: a
    /// task that only waits, in one allocation holding the runtime's timer
    /// and `value`. Awaiting [`AsyncIo::sleep`] inside a workload's own
    /// boxed future takes two, and `sleep`'s up to a million tasks in
    /// flight each hold it. The default does exactly that; runtimes
    /// override it with their timer stored in place.
    fn sleep_then(&self, d: Duration, value: u64) -> IoFuture<'static, io::Result<u64>> {
        let mut wait = self.sleep(d);
        Box::pin(async move {
            (&mut wait).await;
            Ok(value)
        })
    }

    /// Opens a TCP connection to `addr` (with `TCP_NODELAY`).
    fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>>;

    /// Creates or truncates `path`, writes `data`, and `fsync`s it when
    /// `sync` is true.
    fn write_file<'a>(
        &'a self,
        path: &'a Path,
        data: &'a [u8],
        sync: bool,
    ) -> IoFuture<'a, io::Result<()>>;

    /// Reads the whole of `path`.
    fn read_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<Vec<u8>>>;

    /// Runs CPU-bound `work` the way the runner's `cpu=` parameter says:
    /// inline on the event-loop thread (which then runs nothing else until
    /// it returns), or offloaded to the runtime's blocking pool and awaited.
    fn cpu(&self, work: Box<dyn FnOnce() -> u64 + Send>) -> IoFuture<'static, u64>;

    /// Removes the file `path`.
    fn remove_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<()>>;

    /// Whether every operation blocks the calling thread until it is done
    /// ([`crate::io::BlockingIo`]): then no other task runs beside this one
    /// on its thread, and a task that watches its neighbours (`loop-lag`'s
    /// heartbeat) has nothing to watch. Async runtimes keep the default.
    fn blocks(&self) -> bool {
        false
    }
}

/// An open connection of the async face.
pub trait AsyncConn: Send {
    /// Writes all of `buf`.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> IoFuture<'a, io::Result<()>>;

    /// Reads some bytes into `buf`; 0 means the peer closed.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> IoFuture<'a, io::Result<usize>>;
}

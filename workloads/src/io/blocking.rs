//! The blocking face, derived from the async one: [`BlockingIo`] implements
//! [`AsyncIo`] with the standard library's blocking calls, so each of its
//! futures is ready the first time it is polled, and [`BlockingIo::run`]
//! drives a workload's task with one poll and a no-op waker. That is what
//! `seq`, the thread runners and the process pools' workers run.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::async_io::{AsyncConn, AsyncIo, IoFuture};

/// The IO of the blocking face: the calling thread waits in the kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockingIo;

impl BlockingIo {
    /// Runs `task` (an IO workload's task body, written against
    /// [`AsyncIo`]) to its end on the calling thread.
    ///
    /// # Panics
    ///
    /// If the future is still pending after its first poll: it awaited
    /// something other than this `BlockingIo`'s operations (a runtime's
    /// timer or channel), which nothing here would ever wake.
    pub fn run<T>(&self, task: impl Future<Output = T>) -> T {
        let mut task = std::pin::pin!(task);
        match task.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!(
                "a task under blocking IO is still pending after its first poll: it awaited something other than its `AsyncIo`, which nothing here wakes"
            ),
        }
    }
}

impl AsyncIo for BlockingIo {
    fn runtime(&self) -> &'static str {
        "blocking"
    }

    fn sleep(&self, d: Duration) -> IoFuture<'static, ()> {
        Box::pin(async move { std::thread::sleep(d) })
    }

    /// One allocation, as under the runtimes: the default would box
    /// [`AsyncIo::sleep`] inside a second box.
    fn sleep_then(&self, d: Duration, value: u64) -> IoFuture<'static, io::Result<u64>> {
        Box::pin(async move {
            std::thread::sleep(d);
            Ok(value)
        })
    }

    fn connect(&self, addr: SocketAddr) -> IoFuture<'static, io::Result<Box<dyn AsyncConn>>> {
        Box::pin(async move {
            let s = TcpStream::connect(addr)?;
            s.set_nodelay(true)?;
            Ok(Box::new(s) as Box<dyn AsyncConn>)
        })
    }

    fn write_file<'a>(
        &'a self,
        path: &'a Path,
        data: &'a [u8],
        sync: bool,
    ) -> IoFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut f = std::fs::File::create(path)?;
            f.write_all(data)?;
            if sync {
                f.sync_all()?;
            }
            Ok(())
        })
    }

    fn read_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let mut out = Vec::new();
            std::fs::File::open(path)?.read_to_end(&mut out)?;
            Ok(out)
        })
    }

    /// Runs `work` on the calling thread.
    fn cpu(&self, work: Box<dyn FnOnce() -> u64 + Send>) -> IoFuture<'static, u64> {
        Box::pin(async move { work() })
    }

    fn remove_file<'a>(&'a self, path: &'a Path) -> IoFuture<'a, io::Result<()>> {
        Box::pin(async move { std::fs::remove_file(path) })
    }

    fn blocks(&self) -> bool {
        true
    }
}

/// A connection of the blocking face: a std `TcpStream`.
impl AsyncConn for TcpStream {
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> IoFuture<'a, io::Result<()>> {
        Box::pin(async move { Write::write_all(self, buf) })
    }

    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> IoFuture<'a, io::Result<usize>> {
        Box::pin(async move { Read::read(self, buf) })
    }
}

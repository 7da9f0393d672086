//! One counter shared by processes, the three ways the course shows:
//! shared memory, message passing and a server process (Python's
//! `Manager`). The `shared-counter` workload and `benches/sync.rs`
//! (group `shared_state`) both run their processes on these pieces.
//!
//! The key design decision: **a child forked here makes only
//! async-signal-safe calls.** The process that forks may run other
//! threads (a case process's harness, criterion), and after `fork` only
//! the forking thread exists in the child: a lock another thread held
//! stays locked for ever, so the child must never allocate or take a
//! lock. Everything a child runs here — [`fork_child`]'s set-up, the
//! increment loops, [`server_loop`] — uses raw `libc` calls on
//! descriptors, atomics in shared memory and `_exit`. Only pipes and Unix
//! socket pairs carry messages: nothing listens on any address.

use std::io::{self, Read};
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// The marker a message-passing worker sends after its last increment.
pub const END: u64 = u64::MAX;

/// The request a [`server_loop`]'s control descriptor sends for the count
/// (which the server then resets to 0); any other value, or the end of
/// the stream, stops the server.
pub const GET: u64 = 1;

/// Reads exactly 8 bytes from `fd`; `None` on error or end of stream.
/// Async-signal-safe.
pub fn raw_read_u64(fd: RawFd) -> Option<u64> {
    let mut buf = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        // SAFETY: reading into the unfilled tail of our own stack buffer.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), 8 - got) };
        if n > 0 {
            got += n as usize;
        } else if n == 0 || errno() != libc::EINTR {
            return None;
        }
    }
    Some(u64::from_ne_bytes(buf))
}

/// Writes `v` as 8 bytes to `fd`; `None` on error. Async-signal-safe.
pub fn raw_write_u64(fd: RawFd, v: u64) -> Option<()> {
    let buf = v.to_ne_bytes();
    let mut put = 0;
    while put < 8 {
        // SAFETY: writing from the unsent tail of our own stack buffer.
        let n = unsafe { libc::write(fd, buf[put..].as_ptr().cast(), 8 - put) };
        if n > 0 {
            put += n as usize;
        } else if errno() != libc::EINTR {
            return None;
        }
    }
    Some(())
}

/// This thread's `errno`, read without allocating.
fn errno() -> i32 {
    // SAFETY: `__errno_location` returns this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

/// Forks a child that asks for SIGKILL when the forking thread ends
/// (`PR_SET_PDEATHSIG`, and `_exit`s at once if the parent is already
/// gone), closes every descriptor of `all` but those in `keep`, runs
/// `body` and `_exit`s with its return value (101 if it panicked: it
/// never returns into the caller). Returns the child's pid.
///
/// # Safety
///
/// `body` runs in a child forked from a process that may have other
/// threads: it must make only async-signal-safe calls (no allocation, no
/// lock, no `println!`), as the loops of this module do.
pub unsafe fn fork_child(
    all: &[RawFd],
    keep: &[RawFd],
    body: impl FnOnce() -> i32,
) -> io::Result<libc::pid_t> {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the child runs only async-signal-safe calls (the caller's
    // promise for `body`; prctl, getppid, close and _exit here).
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            // SAFETY: plain system calls on this child's own state.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
            }
            for fd in all.iter().filter(|fd| !keep.contains(fd)) {
                // SAFETY: this child's copy of a descriptor it must not
                // hold, so that its peers see end of stream when the
                // owner closes it.
                unsafe { libc::close(*fd) };
            }
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
            // SAFETY: leaving at once, without running the parent's
            // destructors or atexit handlers.
            unsafe { libc::_exit(code) }
        }
        pid => Ok(pid),
    }
}

/// Waits for child `pid`; its wait status.
pub fn reap(pid: libc::pid_t) -> io::Result<libc::c_int> {
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child into a local.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return Ok(status);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// A pipe as (read end, write end), both close-on-exec, so a program
/// another thread execs meanwhile inherits neither.
pub fn pipe() -> io::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills our array of two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: two fresh descriptors that nothing else owns.
    Ok(unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    })
}

/// The size of the shared mapping: one page.
const PAGE: usize = 4096;

/// A `MAP_SHARED | MAP_ANONYMOUS` page holding one `AtomicU64`: mapped
/// before a fork, the parent and its children see the same counter.
/// Unmapped on drop (each child's copy goes when it exits).
pub struct ShmCounter(NonNull<libc::c_void>);

// SAFETY: the page is only ever accessed through `AtomicU64`.
unsafe impl Send for ShmCounter {}
// SAFETY: as above.
unsafe impl Sync for ShmCounter {}

impl ShmCounter {
    /// Maps a zeroed page.
    pub fn new() -> io::Result<ShmCounter> {
        // SAFETY: a fresh anonymous mapping at an address of the kernel's
        // choosing aliases nothing; it is zero-filled.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(ShmCounter(
            NonNull::new(p).expect("mmap never maps address 0 here"),
        ))
    }

    /// The counter.
    pub fn get(&self) -> &AtomicU64 {
        // SAFETY: the page is mapped, page-aligned, zero-initialised (a
        // valid AtomicU64) and only ever accessed atomically, here and in
        // the children sharing it; it lives as long as `self`.
        unsafe { self.0.cast::<AtomicU64>().as_ref() }
    }
}

impl Drop for ShmCounter {
    fn drop(&mut self) {
        // SAFETY: our own mapping of PAGE bytes; no reference from `get`
        // outlives `self`.
        unsafe { libc::munmap(self.0.as_ptr(), PAGE) };
    }
}

/// Shared memory: `n` increments of `counter`, each a `fetch_add(1)` (a
/// `lock xadd` on x86). Async-signal-safe.
pub fn add_shared(counter: &AtomicU64, n: u64) {
    for _ in 0..n {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Message passing: `n` increments sent as `n` messages of `1`, each its
/// own 8-byte `write` to `fd` (8 bytes ≤ PIPE_BUF: each lands whole, even
/// on a pipe other writers share), then [`END`]. Async-signal-safe.
pub fn send_increments(fd: RawFd, n: u64) -> Option<()> {
    for _ in 0..n {
        raw_write_u64(fd, 1)?;
    }
    raw_write_u64(fd, END)
}

/// The receiving side of [`send_increments`]: sums the messages of
/// `writers` workers from `from` until each has sent [`END`]. A stream
/// that ends first (every writer gone) is an error.
pub fn sum_messages(from: &mut impl Read, writers: usize) -> io::Result<u64> {
    let (mut sum, mut ends) = (0u64, 0);
    let mut buf = [0u8; 8];
    while ends < writers {
        from.read_exact(&mut buf)?;
        match u64::from_ne_bytes(buf) {
            END => ends += 1,
            v => sum += v,
        }
    }
    Ok(sum)
}

/// A server process's client: `n` increments, each an "increment" request
/// on `link` followed by a wait for the server's reply (the new count)
/// before the next. Async-signal-safe.
pub fn request_increments(link: RawFd, n: u64) -> Option<()> {
    for _ in 0..n {
        raw_write_u64(link, 1)?;
        raw_read_u64(link)?;
    }
    Some(())
}

/// The server process (Python's `Manager` pattern): owns the count;
/// answers each request on a client descriptor with the incremented
/// count, and [`GET`] on `ctl` with the count, which it then resets.
/// Returns 0 (its exit status) when `ctl` ends or sends anything else; a
/// client that has gone is dropped from the poll set. Async-signal-safe.
pub fn server_loop(clients: [RawFd; 2], ctl: RawFd) -> i32 {
    let mut count = 0u64;
    let mut fds = [clients[0], clients[1], ctl].map(|fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    });
    loop {
        // SAFETY: polling our own array of 3 pollfds, no timeout.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if n < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return 1;
        }
        for p in &mut fds[..2] {
            if p.revents == 0 {
                continue;
            }
            match raw_read_u64(p.fd) {
                Some(_increment) => {
                    count += 1;
                    if raw_write_u64(p.fd, count).is_none() {
                        p.fd = -1;
                    }
                }
                None => p.fd = -1,
            }
        }
        if fds[2].revents != 0 {
            match raw_read_u64(ctl) {
                Some(GET) => {
                    if raw_write_u64(ctl, std::mem::take(&mut count)).is_none() {
                        return 1;
                    }
                }
                _ => return 0,
            }
        }
    }
}

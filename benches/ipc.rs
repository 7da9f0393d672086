//! Run with: cargo bench --bench ipc
//!
//! What moving bytes between two processes costs, transport by transport —
//! the floor under every process pool, and so much of why processes cost
//! what they cost.
//!
//! - `ipc_roundtrip/<transport>/<size>`: the parent (criterion) sends one
//!   message of 1 B, 4 KiB or 64 KiB and waits for a forked child to echo it
//!   back. The clock covers the send, the child's receive and send, the
//!   parent's receive and a check of the echo's first and last byte (which
//!   carry a per-iteration counter). `signal/1B` is a SIGUSR1 ping-pong
//!   carrying the counter as the `sigqueue` value.
//! - `ipc_throughput/<transport>`: the parent sends 8 MiB in 64 KiB
//!   messages and waits for the child's 1-byte ack. The clock covers every
//!   send and the ack; the child reads everything into its own buffer (a
//!   copy, as `read` makes) and checks the first and last byte of each
//!   message. Reported in bytes per second.
//!
//! Every child is forked once per transport and group, before criterion
//! starts any thread (not timed), serves until told to stop (EOF, an empty
//! message or a stop value), and is reaped with `waitpid`; each child closes
//! every descriptor of the parent's it inherited. Transport notes:
//!
//! - `pipe`: two pipes; `fifo`: two FIFOs made in a temporary directory,
//!   unlinked as soon as both ends are open; `socketpair`: one
//!   `AF_UNIX`/`SOCK_STREAM` pair; `tcp-nodelay`: a 127.0.0.1 connection,
//!   `TCP_NODELAY` on both ends.
//! - `unix-dgram`: an `AF_UNIX`/`SOCK_DGRAM` pair. A 64 KiB datagram fits
//!   in the default `SO_SNDBUF` (208 KiB), so neither `SOCK_SEQPACKET` nor a
//!   larger buffer is needed.
//! - `shm-futex`: a `MAP_SHARED | MAP_ANONYMOUS` mapping made before the
//!   fork, holding two single-producer rings of four 64 KiB slots (one per
//!   direction). A side copies a message into a slot, publishes it with an
//!   atomic counter, and wakes the other with `FUTEX_WAKE` only when it
//!   flagged itself asleep; a waiting side sleeps in `FUTEX_WAIT` (shared,
//!   not private, futexes) without spinning first. The receiver copies the
//!   message out, so a round trip makes the same four copies as `pipe`.
//! - `mmap-file`: the same rings and futex handoff, in a `MAP_SHARED`
//!   mapping of a file in a temporary directory (on this machine `/tmp` is
//!   ext4, so the kernel's writeback may now and then write-protect the
//!   dirty pages again); the directory is removed when the transport stops.
//! - `mqueue`: two POSIX message queues (unlinked once open). A queue's
//!   message size may not exceed `/proc/sys/fs/mqueue/msgsize_max` (8192
//!   by default), so sizes above it are skipped and it has no throughput
//!   row (it cannot carry 64 KiB messages).
//! - `signal`: `sigqueue(SIGUSR1)` ping-pong, both sides waiting in
//!   `sigtimedwait` with the signal blocked; size-less, so only `1B`.
//!
//! Small round trips measure the scheduler more than the transport: on a
//! 2-vCPU VM, parent and child on the same vCPU cost two context switches
//! per round trip (about 5.5 µs over pipes), while on different vCPUs each
//! wake-up reaches an idle vCPU (about 30 µs). Which one a run gets depends
//! on where the scheduler places the child and on other load, so 1 B and
//! 4 KiB medians can move by 2× between runs; processes are not pinned.

mod common;

use std::ffi::{c_void, CString};
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use nix::errno::Errno;
use nix::mqueue::{self, MQ_OFlag, MqAttr};
use nix::sys::mman::{self, MapFlags, ProtFlags};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::stat::Mode as FileMode;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

/// The largest message, and the size of a ring slot and of every buffer.
const MSG_MAX: usize = 64 * 1024;
/// Round-trip message sizes and their labels.
const SIZES: [(usize, &str); 3] = [(1, "1B"), (4 * 1024, "4KiB"), (MSG_MAX, "64KiB")];
/// Bytes per throughput iteration, sent as `STREAM_MSGS` 64 KiB messages.
const STREAM_TOTAL: usize = 8 << 20;
const STREAM_MSGS: usize = STREAM_TOTAL / MSG_MAX;
/// Slots per shared-memory ring (256 KiB in flight, like a socket buffer).
const SLOTS: usize = 4;
/// Bytes of one ring: a page of header, then the slots.
const RING_BYTES: usize = 4096 + SLOTS * MSG_MAX;
/// The child's throughput acks.
const ACK_OK: u8 = 0x06;
const ACK_BAD: u8 = 0x15;
/// The `sigqueue` value that stops the signal child.
const SIGNAL_STOP: usize = usize::MAX;
/// How long a blocking wait lasts before checking that the peer still lives.
const PEER_CHECK: libc::timespec = libc::timespec {
    tv_sec: 1,
    tv_nsec: 0,
};

const ROUNDTRIP: [&str; 9] = [
    "pipe",
    "socketpair",
    "unix-dgram",
    "fifo",
    "tcp-nodelay",
    "shm-futex",
    "mmap-file",
    "mqueue",
    "signal",
];
const THROUGHPUT: [&str; 7] = [
    "pipe",
    "socketpair",
    "unix-dgram",
    "fifo",
    "tcp-nodelay",
    "shm-futex",
    "mmap-file",
];

type Res<T> = Result<T, Errno>;

fn cvt(r: isize) -> Res<usize> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as usize)
    }
}

/// The other process of a transport, checked when a wait times out.
#[derive(Clone, Copy)]
enum Peer {
    /// Seen from the parent: the child's pid.
    Child(libc::pid_t),
    /// Seen from a child: the parent's pid at fork time.
    Parent(libc::pid_t),
}

impl Peer {
    /// True once the peer has exited; never reaps it.
    fn gone(self) -> bool {
        match self {
            Peer::Child(pid) => {
                // SAFETY: an all-zero siginfo_t is valid; waitid writes into
                // it and WNOWAIT leaves the child to be reaped later.
                let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
                // SAFETY: as above; `info` outlives the call.
                let r = unsafe {
                    libc::waitid(
                        libc::P_PID,
                        pid as libc::id_t,
                        &mut info,
                        libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
                    )
                };
                // SAFETY: waitid filled `info` in (si_pid stays 0 while the
                // child runs).
                r != 0 || unsafe { info.si_pid() } != 0
            }
            Peer::Parent(ppid) => {
                // SAFETY: getppid has no preconditions.
                let now = unsafe { libc::getppid() };
                now != ppid
            }
        }
    }
}

fn futex_wait(word: &AtomicU32, expected: u32) -> Res<()> {
    // SAFETY: `word` is a live, aligned u32; no FUTEX_PRIVATE_FLAG because
    // the word is in memory shared between processes.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &PEER_CHECK as *const libc::timespec,
            ptr::null::<u32>(),
            0u32,
        )
    };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: as in futex_wait; FUTEX_WAKE only reads the address.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE,
            1u32,
            ptr::null::<libc::timespec>(),
            ptr::null::<u32>(),
            0u32,
        );
    }
}

/// The header of a single-producer, single-consumer ring in shared memory.
#[repr(C)]
struct RingHeader {
    /// Messages published (written by the producer only).
    head: AtomicU32,
    _pad0: [u32; 15],
    /// Messages consumed (written by the consumer only).
    tail: AtomicU32,
    _pad1: [u32; 15],
    /// Set by the consumer before it sleeps on `head`.
    head_waiter: AtomicU32,
    /// Set by the producer before it sleeps on `tail`.
    tail_waiter: AtomicU32,
    /// Each slot's message length.
    lens: [AtomicU32; SLOTS],
}

const _: () = assert!(std::mem::size_of::<RingHeader>() <= 4096);

/// One direction of a shared-memory transport.
#[derive(Clone, Copy)]
struct Ring {
    header: *const RingHeader,
    slots: *mut u8,
}

impl Ring {
    /// # Safety
    /// `base` must point to `RING_BYTES` of zeroed, page-aligned memory
    /// that stays mapped while the ring is used.
    unsafe fn at(base: *mut u8) -> Ring {
        Ring {
            header: base.cast(),
            // SAFETY: the slots lie inside the caller's RING_BYTES.
            slots: unsafe { base.add(4096) },
        }
    }

    fn header(&self) -> &RingHeader {
        // SAFETY: `at` promises a live mapping; the header holds only atomics.
        unsafe { &*self.header }
    }

    /// Waits until `ready(word)`, sleeping on the futex after raising `flag`.
    fn wait(
        peer: Peer,
        word: &AtomicU32,
        flag: &AtomicU32,
        ready: impl Fn(u32) -> bool,
    ) -> Res<()> {
        loop {
            if ready(word.load(Ordering::Acquire)) {
                return Ok(());
            }
            flag.store(1, Ordering::SeqCst);
            let seen = word.load(Ordering::SeqCst);
            if ready(seen) {
                return Ok(());
            }
            match futex_wait(word, seen) {
                Ok(()) | Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                Err(Errno::ETIMEDOUT) => {
                    if peer.gone() {
                        return Err(Errno::EPIPE);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn push(self, peer: Peer, msg: &[u8]) -> Res<()> {
        if msg.len() > MSG_MAX {
            return Err(Errno::EMSGSIZE);
        }
        let h = self.header();
        let head = h.head.load(Ordering::Relaxed);
        Self::wait(peer, &h.tail, &h.tail_waiter, |tail| {
            head.wrapping_sub(tail) < SLOTS as u32
        })?;
        let slot = head as usize % SLOTS;
        // SAFETY: the slot is inside the mapping and, until `head` moves on,
        // only this producer touches it.
        unsafe {
            ptr::copy_nonoverlapping(msg.as_ptr(), self.slots.add(slot * MSG_MAX), msg.len())
        };
        h.lens[slot].store(msg.len() as u32, Ordering::Relaxed);
        h.head.store(head.wrapping_add(1), Ordering::SeqCst);
        if h.head_waiter.swap(0, Ordering::SeqCst) != 0 {
            futex_wake(&h.head);
        }
        Ok(())
    }

    fn pop(self, peer: Peer, buf: &mut [u8]) -> Res<usize> {
        let h = self.header();
        let tail = h.tail.load(Ordering::Relaxed);
        Self::wait(peer, &h.head, &h.head_waiter, |head| head != tail)?;
        let slot = tail as usize % SLOTS;
        let len = h.lens[slot].load(Ordering::Relaxed) as usize;
        if len > buf.len() {
            return Err(Errno::EMSGSIZE);
        }
        // SAFETY: the slot is inside the mapping and, until `tail` moves on,
        // the producer leaves it alone.
        unsafe { ptr::copy_nonoverlapping(self.slots.add(slot * MSG_MAX), buf.as_mut_ptr(), len) };
        h.tail.store(tail.wrapping_add(1), Ordering::SeqCst);
        if h.tail_waiter.swap(0, Ordering::SeqCst) != 0 {
            futex_wake(&h.tail);
        }
        Ok(len)
    }
}

/// One side of a transport. Its methods make only system calls and touch
/// only memory set up before the fork, so children can use them freely.
#[derive(Clone, Copy)]
enum End {
    /// A byte stream: pipes, FIFOs, stream sockets (`rx == tx` for sockets).
    Stream { rx: RawFd, tx: RawFd },
    /// A connected datagram socket with `SO_RCVTIMEO` set.
    Dgram { fd: RawFd },
    /// Two POSIX message queues.
    Mq { rx: RawFd, tx: RawFd },
    /// Two shared-memory rings.
    Shm { tx: Ring, rx: Ring },
    /// Signals to this process; only `stop` applies.
    Signal { pid: libc::pid_t },
}

impl End {
    /// Sends one message (for streams: all its bytes).
    fn send(self, peer: Peer, msg: &[u8]) -> Res<()> {
        match self {
            End::Stream { tx, .. } => {
                let mut done = 0;
                while done < msg.len() {
                    let rest = &msg[done..];
                    // SAFETY: writing from a live buffer of that length.
                    match cvt(unsafe { libc::write(tx, rest.as_ptr().cast(), rest.len()) }) {
                        Ok(n) => done += n,
                        Err(Errno::EINTR) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            End::Dgram { fd } => loop {
                // SAFETY: sending from a live buffer of that length.
                match cvt(unsafe { libc::send(fd, msg.as_ptr().cast(), msg.len(), 0) }) {
                    Ok(n) if n == msg.len() => return Ok(()),
                    Ok(_) => return Err(Errno::EMSGSIZE),
                    Err(Errno::EINTR) => {}
                    Err(e) => return Err(e),
                }
            },
            End::Mq { tx, .. } => loop {
                // SAFETY: sending from a live buffer of that length.
                let r = unsafe { libc::mq_send(tx, msg.as_ptr().cast(), msg.len(), 0) };
                match cvt(r as isize) {
                    Ok(_) => return Ok(()),
                    Err(Errno::EINTR) => {}
                    Err(e) => return Err(e),
                }
            },
            End::Shm { tx, .. } => tx.push(peer, msg),
            End::Signal { .. } => Err(Errno::ENOTSUP),
        }
    }

    /// Receives one message (for streams: whatever is there) into `buf`,
    /// which must be `MSG_MAX` long for the message kinds; 0 means stop.
    fn recv(self, peer: Peer, buf: &mut [u8]) -> Res<usize> {
        loop {
            let r = match self {
                End::Stream { rx, .. } => {
                    // SAFETY: reading into a live buffer of that length.
                    cvt(unsafe { libc::read(rx, buf.as_mut_ptr().cast(), buf.len()) })
                }
                End::Dgram { fd } => {
                    // SAFETY: receiving into a live buffer of that length.
                    cvt(unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) })
                }
                End::Mq { rx, .. } => {
                    let mut deadline = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 0,
                    };
                    // SAFETY: clock_gettime writes the live timespec.
                    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut deadline) };
                    deadline.tv_sec += PEER_CHECK.tv_sec;
                    let mut prio = 0;
                    // SAFETY: receiving into a live buffer of that length.
                    let r = unsafe {
                        libc::mq_timedreceive(
                            rx,
                            buf.as_mut_ptr().cast(),
                            buf.len(),
                            &mut prio,
                            &deadline,
                        )
                    };
                    cvt(r)
                }
                End::Shm { rx, .. } => rx.pop(peer, buf),
                End::Signal { .. } => Err(Errno::ENOTSUP),
            };
            match r {
                Ok(n) => return Ok(n),
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) | Err(Errno::ETIMEDOUT) => {
                    if peer.gone() {
                        return Err(Errno::EPIPE);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Receives exactly `len` bytes (streams) or one message of `len`
    /// bytes into `buf[..len]`; `buf` is `MSG_MAX` long.
    fn recv_exact(self, peer: Peer, buf: &mut [u8], len: usize) -> Res<()> {
        if let End::Stream { .. } = self {
            let mut got = 0;
            while got < len {
                match self.recv(peer, &mut buf[got..len])? {
                    0 => return Err(Errno::EPIPE),
                    n => got += n,
                }
            }
            Ok(())
        } else if self.recv(peer, buf)? == len {
            Ok(())
        } else {
            Err(Errno::EBADMSG)
        }
    }

    /// Tells the child to exit, for the kinds without end of stream.
    fn stop(self, peer: Peer) -> Res<()> {
        match self {
            End::Stream { .. } => Ok(()),
            End::Signal { pid } => {
                let value = libc::sigval {
                    sival_ptr: ptr::without_provenance_mut(SIGNAL_STOP),
                };
                // SAFETY: sigqueue to our own child, no memory passed.
                cvt(unsafe { libc::sigqueue(pid, libc::SIGUSR1, value) } as isize).map(drop)
            }
            _ => self.send(peer, &[]),
        }
    }
}

#[derive(Clone, Copy)]
enum Mode {
    Echo,
    Sink,
}

/// A child's loop: echo every message back, or count and check a stream
/// of stamped 64 KiB messages and ack every `STREAM_TOTAL` bytes.
fn serve(mode: Mode, end: End, peer: Peer, buf: &mut [u8]) -> i32 {
    let mut got = 0;
    let mut ok = true;
    let mut round = 0u8;
    loop {
        let n = match end.recv(peer, buf) {
            Ok(0) => return 0,
            Ok(n) => n,
            Err(_) => return 1,
        };
        match mode {
            Mode::Echo => {
                if end.send(peer, &buf[..n]).is_err() {
                    return 1;
                }
            }
            Mode::Sink => {
                ok &= stamps_ok(got, &buf[..n], round);
                got += n;
                if got >= STREAM_TOTAL {
                    let ack = if ok && got == STREAM_TOTAL {
                        ACK_OK
                    } else {
                        ACK_BAD
                    };
                    if end.send(peer, &[ack]).is_err() {
                        return 1;
                    }
                    (got, ok, round) = (0, true, round.wrapping_add(1));
                }
            }
        }
    }
}

/// Stamps message `i` of a throughput round: first byte `i + round`, last
/// byte its complement.
fn stamp(msg: &mut [u8], i: usize, round: u8) {
    msg[0] = (i as u8).wrapping_add(round);
    msg[MSG_MAX - 1] = !msg[0];
}

/// Checks the stamps inside `chunk`, found at byte `offset` of a round.
fn stamps_ok(offset: usize, chunk: &[u8], round: u8) -> bool {
    let end = offset + chunk.len();
    let mut m = offset / MSG_MAX;
    while m * MSG_MAX < end {
        let first = m * MSG_MAX;
        let last = first + MSG_MAX - 1;
        let want = (m as u8).wrapping_add(round);
        if first >= offset && chunk[first - offset] != want {
            return false;
        }
        if last >= offset && last < end && chunk[last - offset] != !want {
            return false;
        }
        m += 1;
    }
    true
}

/// The signal child: answer each SIGUSR1 from the parent with one carrying
/// the same value, until the stop value.
fn signal_child(ppid: libc::pid_t, set: &SigSet) -> i32 {
    loop {
        // SAFETY: an all-zero siginfo_t is valid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: the set and info are live; SIGUSR1 is blocked (inherited).
        let r = unsafe { libc::sigtimedwait(set.as_ref(), &mut info, &PEER_CHECK) };
        if r < 0 {
            match Errno::last() {
                Errno::EAGAIN if Peer::Parent(ppid).gone() => return 2,
                Errno::EAGAIN | Errno::EINTR => continue,
                _ => return 1,
            }
        }
        // SAFETY: sigtimedwait filled in a SIGUSR1 siginfo.
        let (from, value) = unsafe { (info.si_pid(), info.si_value()) };
        if from != ppid {
            continue;
        }
        if value.sival_ptr.addr() == SIGNAL_STOP {
            return 0;
        }
        // SAFETY: sigqueue to our parent, no memory passed.
        if unsafe { libc::sigqueue(ppid, libc::SIGUSR1, value) } != 0 {
            return 1;
        }
    }
}

/// Owns a shared mapping and unmaps it when dropped.
struct Mapping {
    ptr: NonNull<c_void>,
    len: usize,
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping came from mmap with this length, and the
        // rings pointing into it are dropped with it.
        let _ = unsafe { mman::munmap(self.ptr, self.len) };
    }
}

/// What forks the children: it remembers every descriptor the parent keeps,
/// so each later child closes its copies.
struct Fleet {
    parent_fds: Vec<RawFd>,
    buf: Vec<u8>,
}

impl Fleet {
    fn new() -> Fleet {
        Fleet {
            parent_fds: Vec::new(),
            buf: vec![0; MSG_MAX],
        }
    }

    /// Forks a child that closes the parent's descriptors, runs `body` with
    /// a `MSG_MAX` buffer and exits with its code.
    fn launch(&mut self, body: impl FnOnce(libc::pid_t, &mut [u8]) -> i32) -> Pid {
        // SAFETY: main calls this before criterion starts any thread, so the
        // child copies a single-threaded process; it leaves with _exit, never
        // returning into the parent's code or running its destructors.
        match unsafe { fork() }.expect("fork") {
            ForkResult::Child => {
                for &fd in &self.parent_fds {
                    // SAFETY: closing this process's copy of a parent-only fd.
                    unsafe { libc::close(fd) };
                }
                // SAFETY: getppid has no preconditions.
                let ppid = unsafe { libc::getppid() };
                let code = body(ppid, &mut self.buf);
                // SAFETY: _exit ends the child without unwinding or flushing
                // the parent's buffers a second time.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => child,
        }
    }

    /// Forks a child serving `child` and keeps `parent` and its fds.
    fn serve_fds(
        &mut self,
        name: &'static str,
        mode: Mode,
        parent: (End, Vec<OwnedFd>),
        child: (End, Vec<OwnedFd>),
    ) -> Served {
        self.parent_fds
            .extend(parent.1.iter().map(AsRawFd::as_raw_fd));
        let end = child.0;
        let pid = self.launch(|ppid, buf| serve(mode, end, Peer::Parent(ppid), buf));
        drop(child.1);
        Served::new(name, parent.0, pid, parent.1)
    }

    fn serve_shm(&mut self, name: &'static str, mode: Mode, map: Mapping) -> Served {
        let base = map.ptr.as_ptr().cast::<u8>();
        // SAFETY: the mapping is 2 * RING_BYTES, zeroed, page-aligned, and
        // lives in Served as long as the rings.
        let (a, b) = unsafe { (Ring::at(base), Ring::at(base.add(RING_BYTES))) };
        let pid = self
            .launch(|ppid, buf| serve(mode, End::Shm { tx: b, rx: a }, Peer::Parent(ppid), buf));
        let mut served = Served::new(name, End::Shm { tx: a, rx: b }, pid, Vec::new());
        served.map = Some(map);
        served
    }

    /// Sets up transport `name` and forks its child.
    fn start(&mut self, name: &'static str, mode: Mode) -> Served {
        match name {
            "pipe" => {
                let (down_rx, down_tx) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
                let (up_rx, up_tx) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
                let parent = End::Stream {
                    rx: up_rx.as_raw_fd(),
                    tx: down_tx.as_raw_fd(),
                };
                let child = End::Stream {
                    rx: down_rx.as_raw_fd(),
                    tx: up_tx.as_raw_fd(),
                };
                self.serve_fds(
                    name,
                    mode,
                    (parent, vec![up_rx, down_tx]),
                    (child, vec![down_rx, up_tx]),
                )
            }
            "socketpair" => {
                let (ours, theirs) = UnixStream::pair().unwrap();
                let (ours, theirs) = (OwnedFd::from(ours), OwnedFd::from(theirs));
                self.serve_fds(name, mode, stream(ours), stream(theirs))
            }
            "tcp-nodelay" => {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (theirs, _) = listener.accept().unwrap();
                drop(listener);
                ours.set_nodelay(true).unwrap();
                theirs.set_nodelay(true).unwrap();
                let (ours, theirs) = (OwnedFd::from(ours), OwnedFd::from(theirs));
                self.serve_fds(name, mode, stream(ours), stream(theirs))
            }
            "unix-dgram" => {
                let (ours, theirs) = UnixDatagram::pair().unwrap();
                let wait = Duration::new(PEER_CHECK.tv_sec as u64, 0);
                ours.set_read_timeout(Some(wait)).unwrap();
                theirs.set_read_timeout(Some(wait)).unwrap();
                let (ours, theirs) = (OwnedFd::from(ours), OwnedFd::from(theirs));
                let dgram = |fd: OwnedFd| (End::Dgram { fd: fd.as_raw_fd() }, vec![fd]);
                self.serve_fds(name, mode, dgram(ours), dgram(theirs))
            }
            "mqueue" => {
                let size = mq_msgsize();
                let attr = MqAttr::new(0, 1, size as libc::c_long, 0);
                let open = |dir: &str| {
                    let path = format!("/bakeoff-ipc-{}-{dir}", std::process::id());
                    let path = CString::new(path).unwrap();
                    let flags = MQ_OFlag::O_CREAT
                        | MQ_OFlag::O_EXCL
                        | MQ_OFlag::O_RDWR
                        | MQ_OFlag::O_CLOEXEC;
                    let q = mqueue::mq_open(
                        path.as_c_str(),
                        flags,
                        FileMode::S_IRUSR | FileMode::S_IWUSR,
                        Some(&attr),
                    )
                    .unwrap_or_else(|e| panic!("mq_open {path:?}: {e}"));
                    mqueue::mq_unlink(path.as_c_str()).unwrap();
                    // SAFETY: on Linux an mqd_t is a descriptor we now own.
                    unsafe { OwnedFd::from_raw_fd(q.into_raw_fd()) }
                };
                let (down, up) = (open("down"), open("up"));
                let parent = End::Mq {
                    rx: up.as_raw_fd(),
                    tx: down.as_raw_fd(),
                };
                let child = End::Mq {
                    rx: down.as_raw_fd(),
                    tx: up.as_raw_fd(),
                };
                // Both processes use the same two (read-write) descriptors,
                // so only later children close them.
                let pid = self.launch(|ppid, buf| serve(mode, child, Peer::Parent(ppid), buf));
                self.parent_fds.extend([up.as_raw_fd(), down.as_raw_fd()]);
                let mut served = Served::new(name, parent, pid, vec![down, up]);
                served.max_msg = size;
                served
            }
            "fifo" => {
                let dir = tempfile::Builder::new()
                    .prefix("bakeoff-ipc-")
                    .tempdir()
                    .unwrap();
                let (down, up) = (dir.path().join("down"), dir.path().join("up"));
                for path in [&down, &up] {
                    nix::unistd::mkfifo(path, FileMode::S_IRUSR | FileMode::S_IWUSR).unwrap();
                }
                let cpath =
                    |p: &std::path::Path| CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
                let (c_down, c_up) = (cpath(&down), cpath(&up));
                let pid = self.launch(|ppid, buf| {
                    // SAFETY: opening paths from live C strings.
                    let rx =
                        unsafe { libc::open(c_down.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
                    // SAFETY: as above.
                    let tx = unsafe { libc::open(c_up.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
                    if rx < 0 || tx < 0 {
                        return 1;
                    }
                    serve(mode, End::Stream { rx, tx }, Peer::Parent(ppid), buf)
                });
                // Opening a FIFO waits for the other end: down first, as
                // the child does.
                let tx = OwnedFd::from(File::options().write(true).open(&down).unwrap());
                let rx = OwnedFd::from(File::open(&up).unwrap());
                self.parent_fds.extend([tx.as_raw_fd(), rx.as_raw_fd()]);
                // Both ends are open: the names are no longer needed.
                dir.close().unwrap();
                let parent = End::Stream {
                    rx: rx.as_raw_fd(),
                    tx: tx.as_raw_fd(),
                };
                Served::new(name, parent, pid, vec![tx, rx])
            }
            "shm-futex" => {
                let len = NonZeroUsize::new(2 * RING_BYTES).unwrap();
                // SAFETY: a fresh anonymous mapping, owned by the Mapping.
                let ptr = unsafe {
                    mman::mmap_anonymous(
                        None,
                        len,
                        ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                        MapFlags::MAP_SHARED,
                    )
                }
                .unwrap();
                let map = Mapping {
                    ptr,
                    len: len.get(),
                };
                self.serve_shm(name, mode, map)
            }
            "mmap-file" => {
                let dir = tempfile::Builder::new()
                    .prefix("bakeoff-ipc-")
                    .tempdir()
                    .unwrap();
                let file = File::options()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(dir.path().join("rings"))
                    .unwrap();
                let len = NonZeroUsize::new(2 * RING_BYTES).unwrap();
                file.set_len(len.get() as u64).unwrap();
                // SAFETY: a fresh shared mapping of our own file (zero-filled
                // by set_len), owned by the Mapping.
                let ptr = unsafe {
                    mman::mmap(
                        None,
                        len,
                        ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                        MapFlags::MAP_SHARED,
                        &file,
                        0,
                    )
                }
                .unwrap();
                drop(file);
                let map = Mapping {
                    ptr,
                    len: len.get(),
                };
                let mut served = self.serve_shm(name, mode, map);
                served.dir = Some(dir);
                served
            }
            "signal" => {
                let set = SigSet::from(Signal::SIGUSR1);
                let pid = self.launch(|ppid, _| signal_child(ppid, &set));
                let mut served =
                    Served::new(name, End::Signal { pid: pid.as_raw() }, pid, Vec::new());
                served.max_msg = 1;
                served
            }
            _ => unreachable!("unknown transport {name}"),
        }
    }
}

fn stream(fd: OwnedFd) -> (End, Vec<OwnedFd>) {
    let raw = fd.as_raw_fd();
    (End::Stream { rx: raw, tx: raw }, vec![fd])
}

/// The largest message a POSIX queue may hold here, capped at `MSG_MAX`.
fn mq_msgsize() -> usize {
    std::fs::read_to_string("/proc/sys/fs/mqueue/msgsize_max")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .unwrap_or(8192)
        .min(MSG_MAX)
}

/// A transport with its child, as the parent sees it.
struct Served {
    name: &'static str,
    end: End,
    pid: Pid,
    fds: Vec<OwnedFd>,
    max_msg: usize,
    reaped: bool,
    // Dropped after `Drop::drop` has reaped the child.
    map: Option<Mapping>,
    dir: Option<tempfile::TempDir>,
}

impl Served {
    fn new(name: &'static str, end: End, pid: Pid, fds: Vec<OwnedFd>) -> Served {
        Served {
            name,
            end,
            pid,
            fds,
            max_msg: MSG_MAX,
            reaped: false,
            map: None,
            dir: None,
        }
    }

    fn peer(&self) -> Peer {
        Peer::Child(self.pid.as_raw())
    }

    /// One verified round trip of `msg` (stamped with `counter`).
    fn roundtrip(&self, msg: &mut [u8], reply: &mut [u8], counter: &mut u8) {
        let len = msg.len();
        *counter = counter.wrapping_add(1);
        msg[0] = *counter;
        msg[len - 1] = if len > 1 { !*counter } else { *counter };
        let peer = self.peer();
        self.end
            .send(peer, msg)
            .unwrap_or_else(|e| panic!("{}: send: {e}", self.name));
        self.end
            .recv_exact(peer, reply, len)
            .unwrap_or_else(|e| panic!("{}: receive: {e}", self.name));
        assert!(
            reply[0] == msg[0] && reply[len - 1] == msg[len - 1],
            "{}: wrong echo of {len} bytes",
            self.name
        );
    }

    /// One verified SIGUSR1 round trip carrying `value`.
    fn ping(&self, set: &SigSet, value: usize) {
        let pid = self.pid.as_raw();
        let sent = libc::sigval {
            sival_ptr: ptr::without_provenance_mut(value),
        };
        // SAFETY: sigqueue to our own child, no memory passed.
        assert_eq!(unsafe { libc::sigqueue(pid, libc::SIGUSR1, sent) }, 0);
        loop {
            // SAFETY: an all-zero siginfo_t is valid.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: set and info are live; SIGUSR1 is blocked in every
            // thread of this process.
            let r = unsafe { libc::sigtimedwait(set.as_ref(), &mut info, &PEER_CHECK) };
            if r < 0 {
                match Errno::last() {
                    Errno::EAGAIN if self.peer().gone() => panic!("signal: child exited"),
                    Errno::EAGAIN | Errno::EINTR => continue,
                    e => panic!("signal: sigtimedwait: {e}"),
                }
            }
            // SAFETY: sigtimedwait filled in a SIGUSR1 siginfo.
            let (from, got) = unsafe { (info.si_pid(), info.si_value()) };
            assert!(
                from == pid && got.sival_ptr.addr() == value,
                "signal: wrong answer"
            );
            return;
        }
    }

    /// One verified throughput round: `STREAM_TOTAL` bytes, then the ack.
    fn pump(&self, msg: &mut [u8], ack: &mut [u8], round: &mut u8) {
        let peer = self.peer();
        for i in 0..STREAM_MSGS {
            stamp(msg, i, *round);
            self.end
                .send(peer, msg)
                .unwrap_or_else(|e| panic!("{}: send: {e}", self.name));
        }
        self.end
            .recv_exact(peer, ack, 1)
            .unwrap_or_else(|e| panic!("{}: ack: {e}", self.name));
        assert_eq!(ack[0], ACK_OK, "{}: the child saw a bad stream", self.name);
        *round = round.wrapping_add(1);
    }

    /// Stops and reaps the child; returns how it ended (None if already
    /// reaped).
    fn shutdown(&mut self) -> Option<WaitStatus> {
        if std::mem::replace(&mut self.reaped, true) {
            return None;
        }
        let _ = self.end.stop(self.peer());
        self.fds.clear();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok(WaitStatus::StillAlive) => {
                    let _ = nix::sys::signal::kill(self.pid, Signal::SIGKILL);
                    return waitpid(self.pid, None).ok();
                }
                Ok(status) => return Some(status),
                Err(_) => return None,
            }
        }
    }

    /// Stops the child and checks that it exited cleanly.
    fn finish(mut self) {
        let status = self.shutdown();
        assert!(
            matches!(status, Some(WaitStatus::Exited(_, 0))),
            "{}: child ended with {status:?}",
            self.name
        );
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn roundtrip(c: &mut Criterion, transports: Vec<Served>) {
    let mut g = c.benchmark_group("ipc_roundtrip");
    let set = SigSet::from(Signal::SIGUSR1);
    for served in transports {
        if let End::Signal { .. } = served.end {
            let mut value = 0usize;
            g.bench_function(BenchmarkId::new(served.name, "1B"), |b| {
                b.iter(|| {
                    value += 1;
                    served.ping(&set, value);
                });
            });
        } else {
            for (len, label) in SIZES {
                if len > served.max_msg {
                    eprintln!(
                        "ipc_roundtrip/{}/{label}: skipped, above the limit of {} bytes \
                         (/proc/sys/fs/mqueue/msgsize_max)",
                        served.name, served.max_msg
                    );
                    continue;
                }
                let mut msg = vec![0xa5; len];
                let mut reply = vec![0; MSG_MAX];
                let mut counter = 0;
                g.bench_function(BenchmarkId::new(served.name, label), |b| {
                    b.iter(|| served.roundtrip(&mut msg, &mut reply, &mut counter));
                });
            }
        }
        served.finish();
    }
    g.finish();
}

fn throughput(c: &mut Criterion, transports: Vec<Served>) {
    let mut g = c.benchmark_group("ipc_throughput");
    g.throughput(Throughput::Bytes(STREAM_TOTAL as u64))
        .sampling_mode(SamplingMode::Flat);
    for served in transports {
        let mut msg = vec![0x5a; MSG_MAX];
        let mut ack = vec![0; MSG_MAX];
        let mut round = 0;
        g.bench_function(served.name, |b| {
            b.iter(|| served.pump(&mut msg, &mut ack, &mut round));
        });
        served.finish();
    }
    g.finish();
}

fn main() {
    // Block SIGUSR1 while this is the only thread: every thread criterion
    // starts inherits the mask, so the signal child's answers wait for
    // sigtimedwait instead of killing the process.
    SigSet::from(Signal::SIGUSR1).thread_block().unwrap();
    let mut fleet = Fleet::new();
    let echo: Vec<Served> = ROUNDTRIP
        .into_iter()
        .map(|name| fleet.start(name, Mode::Echo))
        .collect();
    let sink: Vec<Served> = THROUGHPUT
        .into_iter()
        .map(|name| fleet.start(name, Mode::Sink))
        .collect();
    let mut c = common::criterion();
    roundtrip(&mut c, echo);
    throughput(&mut c, sink);
    c.final_summary();
}

//! Run with: cargo bench --bench sync
//!
//! What the synchronisation primitives behind threads cost per operation,
//! alone and fought over, and what sharing one counter between two
//! processes costs in the three ways the course shows.
//!
//! Group `sync`, ids `<primitive>/<threads>` with 1, 2, 4 and 8 threads.
//! This machine has 2 cores: 4 and 8 threads oversubscribe it on purpose,
//! so a lock holder can be preempted while the others wait for it. At 1
//! thread the loop runs on the bench thread itself (uncontended, no
//! hand-off at all); at 2 or more, persistent threads are spawned once per
//! id and released per batch by a start `Barrier`, and the clock covers
//! that release and the done `Barrier` too. criterion's `time` is per
//! batch; per element (divide by the batch size, or read `thrpt`) it is
//! wall time over the operations of all threads together: the inverse of
//! the aggregate rate, not one thread's latency.
//!
//! - `std-mutex`, `parking-lot-mutex`: the locked counter: lock a
//!   `Mutex<u64>`, add 1, unlock. 200 000 operations per batch, split
//!   evenly between the threads; the counter must end at 200 000.
//! - `atomic-counter`: the same counter as an `AtomicU64`, `fetch_add(1,
//!   Relaxed)` (a `lock xadd` on x86).
//! - `std-rwlock`, `parking-lot-rwlock`: read-mostly `RwLock<u64>`: 99 of
//!   every 100 operations take the read lock and read the value, 1 takes
//!   the write lock and adds 1 (the writes are counted and checked).
//! - `tokio-semaphore`: a `tokio::sync::Semaphore` of 2 permits (one per
//!   core) used from plain OS threads: `futures_lite::future::block_on(
//!   sem.acquire())`, then the permit is dropped. tokio's semaphore needs
//!   no runtime; a thread that finds no permit parks in `block_on` until
//!   one is released. Acquisitions are counted and checked. 20 000
//!   operations per batch, not 200 000: the semaphore is fair (FIFO), so
//!   once threads queue, every permit goes to a parked waiter that must
//!   be woken, and with 8 threads a batch can stay in that convoy at
//!   µs per operation.
//! - `condvar-pingpong/2`: two threads pass a turn back and forth through a
//!   `Mutex<usize>` and one `Condvar` (wait while it is not my turn, flip
//!   it, `notify_one`). An element is one hand-off (one thread waking the
//!   other); 4 000 per batch.
//! - `barrier/<n>`: `n` threads each call `wait` on one
//!   `std::sync::Barrier::new(n)`; an element is one barrier episode (all
//!   `n` released), 1 000 per batch; exactly one leader per episode is
//!   checked.
//!
//! Group `shared_state`: one counter incremented by 2 processes, each doing
//! half of the increments; an element is one increment. The children, the
//! increment loops and the server are `bakeoff_workloads::shared_state`'s,
//! which the `shared-counter` workload runs too (there, the processes are
//! started per task; `bakeoff run --workload shared-counter` measures the
//! same three ways with their start, and CPython's beside them). The processes are
//! forked once per id and persist: per iteration the parent tells each
//! worker over its control socket pair how many increments to do and waits
//! for both to report back (the clock covers those 2 wake-ups); then the
//! final count is checked. After the id every child is told to exit and is
//! reaped with `waitpid`. Only pipes and Unix socket pairs are used, nothing
//! listens on any address.
//!
//! - `shared_state/shm-atomic`: an `AtomicU64` in a `MAP_SHARED |
//!   MAP_ANONYMOUS` page mapped before the fork; each worker does
//!   `fetch_add(1)` on it (1 000 000 increments per iteration).
//! - `shared_state/message-passing`: each worker sends every increment as
//!   its own 8-byte `write` of `1` on one shared pipe (no batching), and an
//!   end marker; the parent reads the pipe and sums (20 000 per iteration).
//! - `shared_state/manager-server`: a third child, the server, owns the
//!   counter (Python's `multiprocessing.Manager` pattern); each worker sends
//!   an "increment" request over its socket pair to the server and waits
//!   for the reply (the new value) before the next; the server `poll`s its
//!   two clients. The parent asks the server for the count at the end of
//!   each iteration, inside the clock (2 000 increments per iteration).

mod common;

use std::hint::black_box;
use std::io::{BufReader, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex, RwLock};
use std::time::Instant;

use bakeoff_workloads::shared_state::{self, raw_read_u64, raw_write_u64, ShmCounter};
use common::crew::{Crew, Job};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

const THREADS: [usize; 4] = [1, 2, 4, 8];
/// Counter, lock and semaphore operations per batch, over all threads.
const OPS: u64 = 200_000;
/// Semaphore operations per batch: fewer, because past 2 permits' worth of
/// threads a batch can fall into a convoy at several µs per operation.
const SEM_OPS: u64 = 20_000;
/// Round trips per batch in the condvar ping-pong (2 hand-offs each).
const PINGPONGS: u64 = 2_000;
/// Barrier episodes per batch.
const EPISODES: u64 = 1_000;

/// Registers `<name>/<threads>`: `threads` threads each run
/// `work(&state, thread_index, per_thread)` once per iteration, then
/// `check(&state, sum of their results)` asserts (and resets) the outcome.
/// One thread runs on the bench thread itself.
fn contended<S: Send + Sync + 'static>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    threads: usize,
    per_thread: u64,
    state: S,
    work: fn(&S, usize, u64) -> u64,
    check: impl Fn(&S, u64),
) {
    let state = Arc::new(state);
    let crew = (threads > 1).then(|| {
        let jobs = (0..threads)
            .map(|i| {
                let state = Arc::clone(&state);
                Box::new(move || work(&state, i, per_thread)) as Job
            })
            .collect();
        Crew::new(jobs)
    });
    let batch = || match &crew {
        Some(crew) => crew.batch(),
        None => work(&state, 0, per_thread),
    };
    g.bench_function(BenchmarkId::new(name, threads), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let sum = batch();
                check(&state, sum);
            }
            t.elapsed()
        });
    });
}

fn sync_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync");
    // A batch takes up to tens of milliseconds: equal-sized samples keep
    // the iteration count, and so the run time, small.
    g.sampling_mode(SamplingMode::Flat);

    g.throughput(Throughput::Elements(OPS));
    for t in THREADS {
        let per = OPS / t as u64;
        contended(
            &mut g,
            "std-mutex",
            t,
            per,
            Mutex::new(0u64),
            |m, _, n| {
                for _ in 0..n {
                    *m.lock().unwrap() += 1;
                }
                0
            },
            |m, _| assert_eq!(std::mem::take(&mut *m.lock().unwrap()), OPS),
        );
        contended(
            &mut g,
            "parking-lot-mutex",
            t,
            per,
            parking_lot::Mutex::new(0u64),
            |m, _, n| {
                for _ in 0..n {
                    *m.lock() += 1;
                }
                0
            },
            |m, _| assert_eq!(std::mem::take(&mut *m.lock()), OPS),
        );
        contended(
            &mut g,
            "atomic-counter",
            t,
            per,
            AtomicU64::new(0),
            |a, _, n| {
                for _ in 0..n {
                    a.fetch_add(1, Ordering::Relaxed);
                }
                0
            },
            |a, _| assert_eq!(a.swap(0, Ordering::Relaxed), OPS),
        );
        contended(
            &mut g,
            "std-rwlock",
            t,
            per,
            RwLock::new(0u64),
            |l, _, n| {
                let mut reads = 0;
                for i in 0..n {
                    if i % 100 == 99 {
                        *l.write().unwrap() += 1;
                    } else {
                        black_box(*l.read().unwrap());
                        reads += 1;
                    }
                }
                reads
            },
            |l, reads| {
                assert_eq!(reads, OPS - OPS / 100);
                assert_eq!(std::mem::take(&mut *l.write().unwrap()), OPS / 100);
            },
        );
        contended(
            &mut g,
            "parking-lot-rwlock",
            t,
            per,
            parking_lot::RwLock::new(0u64),
            |l, _, n| {
                let mut reads = 0;
                for i in 0..n {
                    if i % 100 == 99 {
                        *l.write() += 1;
                    } else {
                        black_box(*l.read());
                        reads += 1;
                    }
                }
                reads
            },
            |l, reads| {
                assert_eq!(reads, OPS - OPS / 100);
                assert_eq!(std::mem::take(&mut *l.write()), OPS / 100);
            },
        );
    }

    g.throughput(Throughput::Elements(SEM_OPS));
    for t in THREADS {
        contended(
            &mut g,
            "tokio-semaphore",
            t,
            SEM_OPS / t as u64,
            tokio::sync::Semaphore::new(2),
            |s, _, n| {
                let mut acquired = 0;
                for _ in 0..n {
                    let permit = futures_lite::future::block_on(s.acquire()).unwrap();
                    black_box(&permit);
                    drop(permit);
                    acquired += 1;
                }
                acquired
            },
            |s, acquired| {
                assert_eq!(acquired, SEM_OPS);
                assert_eq!(s.available_permits(), 2);
            },
        );
    }

    g.throughput(Throughput::Elements(2 * PINGPONGS));
    contended(
        &mut g,
        "condvar-pingpong",
        2,
        PINGPONGS,
        (Mutex::new(0usize), Condvar::new()),
        |(turn, cv), me, n| {
            let mut guard = turn.lock().unwrap();
            for _ in 0..n {
                guard = cv.wait_while(guard, |t| *t != me).unwrap();
                *guard = 1 - me;
                cv.notify_one();
            }
            n
        },
        |(turn, _), handoffs| {
            assert_eq!(handoffs, 2 * PINGPONGS);
            assert_eq!(*turn.lock().unwrap(), 0);
        },
    );

    g.throughput(Throughput::Elements(EPISODES));
    for t in THREADS {
        contended(
            &mut g,
            "barrier",
            t,
            EPISODES,
            Barrier::new(t),
            |b, _, n| (0..n).filter(|_| b.wait().is_leader()).count() as u64,
            |_, leaders| assert_eq!(leaders, EPISODES),
        );
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// shared_state: the processes, the increment loops and the server are
// `bakeoff_workloads::shared_state`'s, the ones the `shared-counter`
// workload runs; here they persist across iterations. Children forked from
// a process that runs other threads (criterion's) may only make
// async-signal-safe calls: everything a child runs below uses raw `libc`
// calls on descriptors, atomics in shared memory and `_exit`.

/// Forks a child that keeps only `keep` of `all` and runs `body`.
fn fork_child(all: &[RawFd], keep: &[RawFd], body: impl FnOnce() -> i32) -> Pid {
    // SAFETY: every body here makes only async-signal-safe calls (read,
    // write, poll, atomics).
    Pid::from_raw(unsafe { shared_state::fork_child(all, keep, body) }.expect("fork"))
}

/// A worker's loop: read a count from `ctl`, call `work(count)`, report the
/// count back; exit on 0 or when the parent goes away.
fn worker_loop(ctl: RawFd, mut work: impl FnMut(u64) -> Option<()>) -> i32 {
    loop {
        match raw_read_u64(ctl) {
            Some(0) | None => return 0,
            Some(n) => {
                if work(n).is_none() || raw_write_u64(ctl, n).is_none() {
                    return 1;
                }
            }
        }
    }
}

/// Forked children and the parent's ends of their control sockets; on drop
/// each is told to exit (the 0 command), and all are reaped.
struct Family {
    children: Vec<(Pid, UnixStream)>,
}

impl Family {
    fn command(&mut self, i: usize, v: u64) {
        self.children[i].1.write_all(&v.to_ne_bytes()).unwrap();
    }

    fn reply(&mut self, i: usize) -> u64 {
        let mut buf = [0u8; 8];
        self.children[i].1.read_exact(&mut buf).unwrap();
        u64::from_ne_bytes(buf)
    }
}

impl Drop for Family {
    fn drop(&mut self) {
        for (_, ctl) in &mut self.children {
            let _ = ctl.write_all(&0u64.to_ne_bytes());
        }
        for (pid, ctl) in self.children.drain(..) {
            drop(ctl);
            let status = waitpid(pid, None);
            if !std::thread::panicking() {
                assert_eq!(status, Ok(WaitStatus::Exited(pid, 0)), "child {pid}");
            }
        }
    }
}

/// Socket pairs as (parent end, child end).
fn pairs(n: usize) -> Vec<(UnixStream, UnixStream)> {
    (0..n).map(|_| UnixStream::pair().unwrap()).collect()
}

fn shm_atomic(g: &mut BenchmarkGroup<'_, WallTime>) {
    const N: u64 = 1_000_000;
    let counter = ShmCounter::new().expect("mmap");
    let ctl = pairs(2);
    let all: Vec<RawFd> = ctl
        .iter()
        .flat_map(|(a, b)| [a.as_raw_fd(), b.as_raw_fd()])
        .collect();
    let pids: Vec<Pid> = ctl
        .iter()
        .map(|(_, theirs)| {
            let fd = theirs.as_raw_fd();
            let c = counter.get();
            fork_child(&all, &[fd], || {
                worker_loop(fd, |n| {
                    shared_state::add_shared(c, n);
                    Some(())
                })
            })
        })
        .collect();
    let mut family = Family {
        children: pids
            .into_iter()
            .zip(ctl.into_iter().map(|(ours, _)| ours))
            .collect(),
    };
    g.throughput(Throughput::Elements(N));
    g.bench_function("shm-atomic", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                counter.get().store(0, Ordering::SeqCst);
                family.command(0, N / 2);
                family.command(1, N / 2);
                assert_eq!(family.reply(0) + family.reply(1), N);
                assert_eq!(counter.get().load(Ordering::SeqCst), N);
            }
            t.elapsed()
        });
    });
    drop(family);
}

fn message_passing(g: &mut BenchmarkGroup<'_, WallTime>) {
    const N: u64 = 20_000;
    let (data_r, data_w) = shared_state::pipe().expect("pipe");
    let ctl = pairs(2);
    let mut all: Vec<RawFd> = ctl
        .iter()
        .flat_map(|(a, b)| [a.as_raw_fd(), b.as_raw_fd()])
        .collect();
    all.extend([data_r.as_raw_fd(), data_w.as_raw_fd()]);
    let w = data_w.as_raw_fd();
    let pids: Vec<Pid> = ctl
        .iter()
        .map(|(_, theirs)| {
            let fd = theirs.as_raw_fd();
            fork_child(&all, &[fd, w], || {
                worker_loop(fd, |n| shared_state::send_increments(w, n))
            })
        })
        .collect();
    drop(data_w);
    let mut family = Family {
        children: pids
            .into_iter()
            .zip(ctl.into_iter().map(|(ours, _)| ours))
            .collect(),
    };
    let mut data = BufReader::with_capacity(1 << 16, std::fs::File::from(data_r));
    g.throughput(Throughput::Elements(N));
    g.bench_function("message-passing", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                family.command(0, N / 2);
                family.command(1, N / 2);
                let sum = shared_state::sum_messages(&mut data, 2).unwrap();
                assert_eq!(family.reply(0) + family.reply(1), N);
                assert_eq!(sum, N);
            }
            t.elapsed()
        });
    });
    drop(family);
}

fn manager_server(g: &mut BenchmarkGroup<'_, WallTime>) {
    const N: u64 = 2_000;
    // ctl[0], ctl[1]: parent to the two workers; ctl[2]: parent to server.
    let ctl = pairs(3);
    // Worker i's end first, the server's end second.
    let links = pairs(2);
    let all: Vec<RawFd> = ctl
        .iter()
        .chain(&links)
        .flat_map(|(a, b)| [a.as_raw_fd(), b.as_raw_fd()])
        .collect();
    let srv = [links[0].1.as_raw_fd(), links[1].1.as_raw_fd()];
    let mut pids: Vec<Pid> = (0..2)
        .map(|i| {
            let (fd, link) = (ctl[i].1.as_raw_fd(), links[i].0.as_raw_fd());
            fork_child(&all, &[fd, link], || {
                worker_loop(fd, |n| shared_state::request_increments(link, n))
            })
        })
        .collect();
    let sctl = ctl[2].1.as_raw_fd();
    pids.push(fork_child(&all, &[srv[0], srv[1], sctl], || {
        shared_state::server_loop(srv, sctl)
    }));
    drop(links);
    let mut family = Family {
        children: pids
            .into_iter()
            .zip(ctl.into_iter().map(|(ours, _)| ours))
            .collect(),
    };
    g.throughput(Throughput::Elements(N));
    g.bench_function("manager-server", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                family.command(0, N / 2);
                family.command(1, N / 2);
                assert_eq!(family.reply(0) + family.reply(1), N);
                family.command(2, shared_state::GET);
                assert_eq!(family.reply(2), N);
            }
            t.elapsed()
        });
    });
    drop(family);
}

fn shared_state_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("shared_state");
    g.sampling_mode(SamplingMode::Flat);
    shm_atomic(&mut g);
    message_passing(&mut g);
    manager_server(&mut g);
    g.finish();
}

fn main() {
    let mut c = common::criterion();
    sync_group(&mut c);
    shared_state_group(&mut c);
    c.final_summary();
}

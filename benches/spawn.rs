//! Run with: cargo bench --bench spawn
//!
//! What it costs to start one unit of concurrency and wait until it has
//! finished, for every primitive bakeoff compares. The unit does nothing;
//! each runtime, pool and server is built once, outside the clock.
//!
//! - `spawn/std-thread`: `std::thread::spawn` of an empty closure, then
//!   `join`.
//! - `spawn/rayon`: `ThreadPool::spawn` onto a 2-thread pool, from a thread
//!   outside it; the job sends on a channel the bench thread waits on (a
//!   rayon spawn has no join handle).
//! - `spawn/tokio-ct`: `tokio::spawn` of an empty task, then awaiting its
//!   `JoinHandle`, inside `block_on` of a current-thread runtime.
//! - `spawn/tokio-mt`: the same on a multi-thread runtime of 2 workers, the
//!   loop running as a task on the runtime (a task spawned from a task);
//!   entering the runtime is outside the clock.
//! - `spawn/async-std`: `async_std::task::spawn` then await, inside
//!   `async_std::task::block_on`: the task runs on async-std's global
//!   executor threads, so each spawn wakes one of them and the bench thread.
//! - `spawn/smol`: `Executor::spawn` then await, inside
//!   `smol::block_on(ex.run(..))` on the bench thread, as smol's `Executor`
//!   docs show.
//! - `spawn/fork-wait`: `fork`, the child calls `_exit(0)` at once, the
//!   parent `waitpid`s it. A fork copies the page tables of the parent's
//!   anonymous memory, so its cost grows with this process's footprint;
//!   the free memory criterion's analyses leave in malloc is trimmed
//!   first (it would add ~60% here), the threads other benches leave (a
//!   second fork cost, async-std's runtime) stay.
//! - `spawn/posix-spawn-true`: `posix_spawn` of `/bin/true` (empty
//!   environment) and `waitpid`: the floor for starting any program.
//! - `spawn/posix-spawn-worker`: a 1-worker spawn-pool started and stopped,
//!   both timed: std's `Command` (posix_spawn) of this bench binary in the
//!   worker role with its socket inherited, until the worker has said it is
//!   ready, then asking it to exit and reaping it. Its distance from
//!   `posix-spawn-true` is what the harness's worker adds (a larger
//!   binary to load, Rust's start-up, the ready and exit handshakes).
//! - `spawn/forkserver-request`: a 1-worker forkserver-pool started once;
//!   each iteration SIGKILLs its worker and runs one `noop` task (retry 1),
//!   so the pool finds the worker dead, asks the fork server for its status
//!   (the server reaps it), asks the server to fork a new worker, waits for
//!   it to say ready, and runs the task there. The clock therefore covers
//!   one fork request, one ready worker and one worker stopped and reaped,
//!   plus one `noop` round trip (`roundtrip/forkserver-pool` in the pools
//!   bench, ~15 µs) — the pool's request-a-worker step is not public, so
//!   it is reached through the pool's worker replacement. The fork is the
//!   server's, a small single-threaded process, so it can cost less than
//!   `fork-wait` from this one.
//!
//! This bench is its own program (`harness = false`): the spawn-pool and
//! the fork server re-execute it, so `main` calls the worker entry point
//! first. Every process started here is reaped before its bench ends.

mod common;

use std::ffi::CStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bakeoff::runners::process::{self, PoolOptions, ProcessPool, StartMethod};
use bakeoff::runners::{Job, Runner};
use bakeoff::workloads::{Batch, Registry};
use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

/// The one group every bench here belongs to.
type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Pool options for one task at a time; `retry` 1 lets the task that finds
/// a killed worker run again on its replacement.
const OPTIONS: PoolOptions = PoolOptions {
    chunksize: 1,
    concurrency: None,
    retry: 1,
    task_timeout: None,
};

/// Spawns and awaits `iters` empty tokio tasks from the current task; the
/// time they took.
async fn tokio_spawns(iters: u64) -> Duration {
    let t = Instant::now();
    for _ in 0..iters {
        tokio::spawn(async {}).await.unwrap();
    }
    t.elapsed()
}

/// Threads: `std-thread` and `rayon`.
fn threads(g: &mut Group<'_>) {
    g.bench_function("std-thread", |b| {
        b.iter(|| std::thread::spawn(|| {}).join().unwrap());
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
    g.bench_function("rayon", |b| {
        b.iter(|| {
            let tx = tx.clone();
            pool.spawn(move || tx.send(()).unwrap());
            rx.recv().unwrap();
        });
    });
}

/// Async runtimes: `tokio-ct`, `tokio-mt`, `async-std`, `smol`.
fn tasks(g: &mut Group<'_>) {
    let ct = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    g.bench_function("tokio-ct", |b| {
        b.iter_custom(|iters| ct.block_on(tokio_spawns(iters)));
    });
    drop(ct);
    let mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    g.bench_function("tokio-mt", |b| {
        b.iter_custom(|iters| mt.block_on(mt.spawn(tokio_spawns(iters))).unwrap());
    });
    drop(mt);
    g.bench_function("async-std", |b| {
        b.iter_custom(|iters| {
            async_std::task::block_on(async move {
                let t = Instant::now();
                for _ in 0..iters {
                    async_std::task::spawn(async {}).await;
                }
                t.elapsed()
            })
        });
    });
    let ex = smol::Executor::new();
    g.bench_function("smol", |b| {
        b.iter_custom(|iters| {
            smol::block_on(ex.run(async {
                let t = Instant::now();
                for _ in 0..iters {
                    ex.spawn(async {}).await;
                }
                t.elapsed()
            }))
        });
    });
}

/// Waits for `pid` and checks it exited with status 0.
fn reap(pid: Pid) {
    match waitpid(pid, None).unwrap() {
        WaitStatus::Exited(_, 0) => {}
        other => panic!("child {pid} ended as {other:?}"),
    }
}

/// One `noop` task.
fn one_noop(registry: &Registry) -> Arc<dyn Batch> {
    let entry = registry.get("noop").unwrap();
    let params = entry.params(&Default::default()).unwrap();
    entry.batch(&params, 1, 0).unwrap()
}

/// Processes: `fork-wait`, `posix-spawn-true`, `posix-spawn-worker`,
/// `forkserver-request`.
fn processes(g: &mut Group<'_>, registry: &Registry) {
    // Criterion's analyses leave freed memory in malloc's arenas (~8 MiB),
    // and a fork copies the page tables of all of it: hand it back first.
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe { libc::malloc_trim(0) };
    g.bench_function("fork-wait", |b| {
        b.iter(|| {
            // SAFETY: the child calls only _exit, which is async-signal-safe,
            // so forking this multi-threaded process is sound.
            match unsafe { fork() }.unwrap() {
                ForkResult::Child => unsafe { libc::_exit(0) },
                ForkResult::Parent { child } => reap(child),
            }
        });
    });

    let actions = nix::spawn::PosixSpawnFileActions::init().unwrap();
    let attr = nix::spawn::PosixSpawnAttr::init().unwrap();
    let args: [&CStr; 1] = [c"true"];
    let env: [&CStr; 0] = [];
    g.bench_function("posix-spawn-true", |b| {
        b.iter(|| {
            let pid = nix::spawn::posix_spawn(c"/bin/true", &actions, &attr, &args, &env).unwrap();
            reap(pid);
        });
    });

    g.bench_function("posix-spawn-worker", |b| {
        b.iter(|| {
            let pool = ProcessPool::start(StartMethod::Spawn, 1, OPTIONS).unwrap();
            Box::new(pool).stop().unwrap();
        });
    });

    let batch = one_noop(registry);
    let mut pool = ProcessPool::start(StartMethod::Forkserver, 1, OPTIONS).unwrap();
    // One task first, so the timed runs start from a worker that has been
    // set up, as every one they leave behind has.
    pool.run(&Job::new(Arc::clone(&batch))).unwrap();
    let before = pool.replacements();
    let mut runs = 0usize;
    let mut last = None;
    g.bench_function("forkserver-request", |b| {
        b.iter(|| {
            let old = pool.worker_pids()[0];
            kill(Pid::from_raw(old as i32), Signal::SIGKILL).unwrap();
            let job = Job::new(Arc::clone(&batch));
            pool.run(&job).unwrap();
            runs += 1;
            last = Some(job);
        });
    });
    // `last` is None when criterion did not run the closure (`--list`,
    // a filter that excludes this bench); `runs` is then 0, and so must be
    // the replacements.
    if let Some(job) = last {
        assert!(job.digest().is_ok(), "{:?}", job.failure());
    }
    assert_eq!(pool.replacements() - before, runs, "one new worker per run");
    Box::new(pool).stop().unwrap();
}

fn main() {
    let registry = Registry::builtin();
    if let Some(code) = process::entry(&registry) {
        std::process::exit(code);
    }
    let mut c = common::criterion();
    let mut g = c.benchmark_group("spawn");
    threads(&mut g);
    tasks(&mut g);
    processes(&mut g, &registry);
    g.finish();
    c.final_summary();
}

//! Run with: cargo bench --bench pools
//!
//! What a process pool costs, beside what the kernel makes possible:
//!
//! - `pool_start/<method>/<workers>`: starting a fork-, spawn- or
//!   forkserver-pool of 1 and 2 workers, until every worker has said it is
//!   ready (stopping the pool is not timed);
//! - `roundtrip/<pool>`: one `noop` task through a 1-worker pool (submit,
//!   encode, frame, worker runs it, result frame, recorded), beside
//!   `roundtrip/raw-socketpair`, an 8-byte ping-pong between this process
//!   and a forked child over a Unix socket pair — the floor any pool built
//!   on a socket sits on.
//!
//! This bench is its own program (`harness = false`): spawn-pool and
//! forkserver-pool re-execute it, so `main` calls the worker entry point
//! first, like any program that embeds bakeoff, and prepares the fork
//! helper before criterion starts any thread. fork-pool start-up here is
//! therefore forks by the prepared helper (no helper fork per start),
//! while in `bakeoff run` each fork-pool also forks its own helper.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bakeoff::runners::process::{self, PoolOptions, ProcessPool, StartMethod};
use bakeoff::runners::{Job, Runner};
use bakeoff::workloads::{Batch, Registry};
use criterion::{BenchmarkId, Criterion};

const METHODS: [(StartMethod, &str); 3] = [
    (StartMethod::Fork, "fork-pool"),
    (StartMethod::Spawn, "spawn-pool"),
    (StartMethod::Forkserver, "forkserver-pool"),
];

const OPTIONS: PoolOptions = PoolOptions {
    chunksize: 1,
    concurrency: None,
    retry: 0,
    task_timeout: None,
};

fn start(method: StartMethod, workers: usize) -> ProcessPool {
    ProcessPool::start(method, workers, OPTIONS).unwrap_or_else(|e| panic!("{e}"))
}

fn pool_start(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool_start");
    for (method, name) in METHODS {
        for workers in [1, 2] {
            g.bench_with_input(BenchmarkId::new(name, workers), &workers, |b, &w| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let pool = start(method, w);
                        total += t.elapsed();
                        Box::new(pool).stop().unwrap();
                    }
                    total
                });
            });
        }
    }
    g.finish();
}

fn one_noop(registry: &Registry) -> Arc<dyn Batch> {
    let entry = registry.get("noop").unwrap();
    let params = entry.params(&Default::default()).unwrap();
    entry.batch(&params, 1, 0).unwrap()
}

fn roundtrip(c: &mut Criterion) {
    let registry = Registry::builtin();
    let batch = one_noop(&registry);
    let mut g = c.benchmark_group("roundtrip");
    g.bench_function("raw-socketpair", |b| {
        let (mut ours, theirs) = UnixStream::pair().unwrap();
        // SAFETY: the child only calls read and write on its socket and
        // _exit, all async-signal-safe, so forking from this process is
        // sound whatever threads it runs.
        let child = match unsafe { nix::unistd::fork() }.unwrap() {
            nix::unistd::ForkResult::Child => {
                let mut buf = [0u8; 8];
                let fd = std::os::fd::AsRawFd::as_raw_fd(&theirs);
                // SAFETY: closing our copy of the parent's end, so the
                // parent's close is an end of stream here.
                unsafe { libc::close(std::os::fd::AsRawFd::as_raw_fd(&ours)) };
                loop {
                    // SAFETY: plain syscalls on our own descriptor and buffer.
                    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), 8) };
                    if n <= 0 || unsafe { libc::write(fd, buf.as_ptr().cast(), n as usize) } != n {
                        unsafe { libc::_exit(0) };
                    }
                }
            }
            nix::unistd::ForkResult::Parent { child } => child,
        };
        drop(theirs);
        let mut buf = [0u8; 8];
        b.iter(|| {
            ours.write_all(&buf).unwrap();
            ours.read_exact(&mut buf).unwrap();
        });
        drop(ours);
        nix::sys::wait::waitpid(child, None).unwrap();
    });
    for (method, name) in METHODS {
        let mut pool = start(method, 1);
        let mut last = None;
        g.bench_function(name, |b| {
            b.iter(|| {
                let job = Job::new(Arc::clone(&batch));
                pool.run(&job).unwrap();
                last = Some(job);
            });
        });
        // `last` is None when criterion did not run the closure (`--list`,
        // a filter that excludes this bench): then there is nothing to check.
        if let Some(job) = last {
            assert!(job.digest().is_ok(), "{name}: {:?}", job.failure());
        }
        Box::new(pool).stop().unwrap();
    }
    g.finish();
}

fn main() {
    let registry = Registry::builtin();
    if let Some(code) = process::entry(&registry) {
        std::process::exit(code);
    }
    // Criterion starts threads of its own between benches; fork-pool
    // workers must come from a helper forked while this was single-threaded.
    process::prepare_fork_helper(&registry).unwrap();
    registry.install();
    let mut c = common::criterion();
    pool_start(&mut c);
    roundtrip(&mut c);
    c.final_summary();
}

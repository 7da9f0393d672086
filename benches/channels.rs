//! Run with: cargo bench --bench channels
//!
//! What it costs to hand one message from a producer to a consumer, between
//! OS threads and between async tasks, with one pair and with four
//! producers feeding four consumers.
//!
//! Every id is `<channel>/<producers>x<consumers>`, `1x1` or `4x4`. One
//! iteration moves a batch of 10 000 `u64`s (`Throughput::Elements`):
//! criterion's `time` is per batch, so divide it by 10 000 (or read
//! `thrpt`) for the cost of one message. `4x4` puts 8 threads (or, on
//! `-mt` and async-std, 8 tasks on 2 workers) on this 2-core machine, so
//! it oversubscribes it on purpose. Producer `i` of `P` sends
//! `i, i+P, i+2P, ..` below 10 000; each of the `C` consumers receives its
//! quota of 10 000/`C` messages and sums them, and the sum over consumers is
//! asserted to be 0 + 1 + .. + 9 999 after every batch.
//!
//! - `std-mpsc`, `std-sync1`: `std::sync::mpsc::channel` (unbounded) and
//!   `sync_channel(1)`. std's receiver is single-consumer: at `4x4` the four
//!   consumers share it as `Arc<Mutex<Receiver>>`, each locking it for one
//!   `recv`, so `4x4` includes that mutex (at `1x1` the consumer owns it).
//! - `crossbeam-bounded1`, `crossbeam-unbounded`: `crossbeam_channel`
//!   `bounded(1)` and `unbounded()`, cloned receivers at `4x4`.
//! - `flume-bounded1`, `flume-unbounded`: the same with `flume`.
//!
//!   For these six, the producer and consumer threads are spawned once per
//!   bench id and persist; the clock covers, per batch, releasing them
//!   through a start `Barrier`, all messages, and a done `Barrier` (two
//!   barrier waits per 10 000 messages).
//! - `tokio-mpsc-ct`: `tokio::sync::mpsc::channel(1)` between tasks on a
//!   current-thread runtime (all tasks on the bench thread, so a handoff is
//!   a task switch, never a thread wake-up).
//! - `tokio-mpsc-mt`: the same on a multi-thread runtime of 2 workers.
//!   tokio's receiver is single-consumer too: at `4x4` the consumers share
//!   it as `Arc<tokio::sync::Mutex<Receiver>>`.
//! - `async-channel-smol`: `async_channel::bounded(1)` (multi-consumer)
//!   between tasks of a `smol::LocalExecutor` run by `block_on` on the
//!   bench thread (single thread, like `tokio-mpsc-ct`).
//! - `async-channel-async-std`: the same between tasks on async-std's
//!   global executor (one thread per core here, like `tokio-mpsc-mt`).
//!
//!   For the async ids the runtime or executor is built once per bench id;
//!   the clock covers, per batch, `block_on` of a future that creates the
//!   channel, spawns the `P + C` tasks, and awaits them (so 2 or 8 spawns
//!   per 10 000 messages, a few hundred ns each, are included).
//!
//! The async ids use capacity 1 so that, like the `bounded1` thread ids,
//! every message is a handoff: a producer can never run more than one
//! message ahead of the consumers.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::crew::{Crew, Job};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, SamplingMode, Throughput};

/// Messages per batch (one criterion iteration).
const N: u64 = 10_000;
/// What the consumers' sums must add up to: 0 + 1 + .. + (N - 1).
const EXPECTED: u64 = N * (N - 1) / 2;
/// (producers, consumers).
const TOPOLOGIES: [(usize, usize); 2] = [(1, 1), (4, 4)];

/// `n` clones of a sender, each wrapped as a send-one-value closure.
fn fan_tx<T, F>(tx: T, n: usize, send: F) -> Vec<impl FnMut(u64) + Send + 'static>
where
    T: Clone + Send + 'static,
    F: Fn(&T, u64) + Copy + Send + 'static,
{
    (0..n)
        .map(|_| {
            let tx = tx.clone();
            move |v| send(&tx, v)
        })
        .collect()
}

/// `n` clones of a receiver, each wrapped as a receive-one-value closure.
fn fan_rx<T, F>(rx: T, n: usize, recv: F) -> Vec<impl FnMut() -> u64 + Send + 'static>
where
    T: Clone + Send + 'static,
    F: Fn(&T) -> u64 + Copy + Send + 'static,
{
    (0..n)
        .map(|_| {
            let rx = rx.clone();
            move || recv(&rx)
        })
        .collect()
}

/// Persistent producer and consumer threads around one channel's ends.
fn spawn_crew<S, R>(senders: Vec<S>, receivers: Vec<R>) -> Crew
where
    S: FnMut(u64) + Send + 'static,
    R: FnMut() -> u64 + Send + 'static,
{
    let p = senders.len() as u64;
    let quota = N / receivers.len() as u64;
    let mut jobs: Vec<Job> = Vec::new();
    for (i, mut send) in senders.into_iter().enumerate() {
        jobs.push(Box::new(move || {
            let mut v = i as u64;
            while v < N {
                send(v);
                v += p;
            }
            0
        }));
    }
    for mut recv in receivers {
        jobs.push(Box::new(move || (0..quota).map(|_| recv()).sum()));
    }
    Crew::new(jobs)
}

/// Registers `<name>/<p>x<c>`: each iteration is one `batch`, whose sum is
/// checked.
fn run(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    (p, c): (usize, usize),
    mut batch: impl FnMut() -> u64,
) {
    let id = format!("{p}x{c}");
    g.bench_function(BenchmarkId::new(name, &id), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let s = batch();
                assert_eq!(s, EXPECTED, "{name}/{id}: consumers summed {s}");
            }
            t.elapsed()
        });
    });
}

fn thread_channels(g: &mut BenchmarkGroup<'_, WallTime>) {
    use std::sync::mpsc;
    for topo @ (p, c) in TOPOLOGIES {
        // std: the receiver is shared behind a mutex only when there are
        // several consumers.
        let (tx, rx) = mpsc::channel::<u64>();
        let txs = fan_tx(tx, p, |t, v| t.send(v).unwrap());
        let crew = if c == 1 {
            spawn_crew(txs, vec![move || rx.recv().unwrap()])
        } else {
            let rx = Arc::new(Mutex::new(rx));
            spawn_crew(txs, fan_rx(rx, c, |r| r.lock().unwrap().recv().unwrap()))
        };
        run(g, "std-mpsc", topo, || crew.batch());
        drop(crew);

        let (tx, rx) = mpsc::sync_channel::<u64>(1);
        let txs = fan_tx(tx, p, |t, v| t.send(v).unwrap());
        let crew = if c == 1 {
            spawn_crew(txs, vec![move || rx.recv().unwrap()])
        } else {
            let rx = Arc::new(Mutex::new(rx));
            spawn_crew(txs, fan_rx(rx, c, |r| r.lock().unwrap().recv().unwrap()))
        };
        run(g, "std-sync1", topo, || crew.batch());
        drop(crew);

        let (tx, rx) = crossbeam_channel::bounded::<u64>(1);
        let crew = spawn_crew(
            fan_tx(tx, p, |t, v| t.send(v).unwrap()),
            fan_rx(rx, c, |r| r.recv().unwrap()),
        );
        run(g, "crossbeam-bounded1", topo, || crew.batch());
        drop(crew);

        let (tx, rx) = crossbeam_channel::unbounded::<u64>();
        let crew = spawn_crew(
            fan_tx(tx, p, |t, v| t.send(v).unwrap()),
            fan_rx(rx, c, |r| r.recv().unwrap()),
        );
        run(g, "crossbeam-unbounded", topo, || crew.batch());
        drop(crew);

        let (tx, rx) = flume::bounded::<u64>(1);
        let crew = spawn_crew(
            fan_tx(tx, p, |t, v| t.send(v).unwrap()),
            fan_rx(rx, c, |r| r.recv().unwrap()),
        );
        run(g, "flume-bounded1", topo, || crew.batch());
        drop(crew);

        let (tx, rx) = flume::unbounded::<u64>();
        let crew = spawn_crew(
            fan_tx(tx, p, |t, v| t.send(v).unwrap()),
            fan_rx(rx, c, |r| r.recv().unwrap()),
        );
        run(g, "flume-unbounded", topo, || crew.batch());
        drop(crew);
    }
}

/// One batch through `tokio::sync::mpsc::channel(1)` on `rt`.
fn tokio_batch(rt: &tokio::runtime::Runtime, (p, c): (usize, usize)) -> u64 {
    rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::channel::<u64>(1);
        let producers: Vec<_> = (0..p)
            .map(|i| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut v = i as u64;
                    while v < N {
                        tx.send(v).await.unwrap();
                        v += p as u64;
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = if c == 1 {
            vec![tokio::spawn(async move {
                let mut rx = rx;
                let mut s = 0;
                for _ in 0..N {
                    s += rx.recv().await.unwrap();
                }
                s
            })]
        } else {
            let rx = Arc::new(tokio::sync::Mutex::new(rx));
            (0..c)
                .map(|_| {
                    let rx = Arc::clone(&rx);
                    tokio::spawn(async move {
                        let mut s = 0;
                        for _ in 0..N / c as u64 {
                            s += rx.lock().await.recv().await.unwrap();
                        }
                        s
                    })
                })
                .collect()
        };
        for t in producers {
            t.await.unwrap();
        }
        let mut sum = 0;
        for t in consumers {
            sum += t.await.unwrap();
        }
        sum
    })
}

/// One batch through `async_channel::bounded(1)` between tasks of `ex`.
fn smol_batch(ex: &smol::LocalExecutor<'_>, (p, c): (usize, usize)) -> u64 {
    futures_lite::future::block_on(ex.run(async {
        let (tx, rx) = async_channel::bounded::<u64>(1);
        let producers: Vec<_> = (0..p)
            .map(|i| {
                let tx = tx.clone();
                ex.spawn(async move {
                    let mut v = i as u64;
                    while v < N {
                        tx.send(v).await.unwrap();
                        v += p as u64;
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..c)
            .map(|_| {
                let rx = rx.clone();
                ex.spawn(async move {
                    let mut s = 0;
                    for _ in 0..N / c as u64 {
                        s += rx.recv().await.unwrap();
                    }
                    s
                })
            })
            .collect();
        for t in producers {
            t.await;
        }
        let mut sum = 0;
        for t in consumers {
            sum += t.await;
        }
        sum
    }))
}

/// One batch through `async_channel::bounded(1)` on async-std's executor.
fn async_std_batch((p, c): (usize, usize)) -> u64 {
    async_std::task::block_on(async {
        let (tx, rx) = async_channel::bounded::<u64>(1);
        let producers: Vec<_> = (0..p)
            .map(|i| {
                let tx = tx.clone();
                async_std::task::spawn(async move {
                    let mut v = i as u64;
                    while v < N {
                        tx.send(v).await.unwrap();
                        v += p as u64;
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..c)
            .map(|_| {
                let rx = rx.clone();
                async_std::task::spawn(async move {
                    let mut s = 0;
                    for _ in 0..N / c as u64 {
                        s += rx.recv().await.unwrap();
                    }
                    s
                })
            })
            .collect();
        for t in producers {
            t.await;
        }
        let mut sum = 0;
        for t in consumers {
            sum += t.await;
        }
        sum
    })
}

fn async_channels(g: &mut BenchmarkGroup<'_, WallTime>) {
    let ct = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let ex = smol::LocalExecutor::new();
    for topo in TOPOLOGIES {
        run(g, "tokio-mpsc-ct", topo, || tokio_batch(&ct, topo));
        run(g, "tokio-mpsc-mt", topo, || tokio_batch(&mt, topo));
        run(g, "async-channel-smol", topo, || smol_batch(&ex, topo));
        run(g, "async-channel-async-std", topo, || async_std_batch(topo));
    }
}

fn main() {
    let mut c = common::criterion();
    let mut g = c.benchmark_group("channels");
    // A batch takes milliseconds: equal-sized samples keep the iteration
    // count, and so the run time, small.
    g.sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(N));
    thread_channels(&mut g);
    async_channels(&mut g);
    g.finish();
    c.final_summary();
}

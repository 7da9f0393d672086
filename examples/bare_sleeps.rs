//! Run with: cargo run --release --example bare_sleeps -- RUNTIME N DURATION
//!
//! The yardstick for `sleep` under bakeoff: N tasks that each sleep
//! DURATION on RUNTIME (`tokio-mt`, `tokio-ct`, `async-std` or `smol`, 2
//! worker threads where the runtime has them), written the way each
//! runtime's documentation shows, with none of bakeoff's runners or
//! recording — and measured the way `bakeoff run` measures a case: wall
//! time of the batch, and peak resident memory above the baseline taken
//! after returning free heap to the kernel, divided by N.
//!
//! In every runtime a task's timer starts when the task first runs, as
//! `asyncio.sleep`'s does and as bakeoff's `sleep` does: tokio's task is
//! `async move { sleep(d).await }`, not `sleep(d)` itself, whose deadline
//! is fixed when it is created. On a current-thread runtime, which runs
//! no task until the spawning loop yields, the difference is the whole
//! spawning time: 1.6 s against 2.3 s for a million tasks here.
//!
//! ```sh
//! cargo run --release --example bare_sleeps -- tokio-mt 100000 1s
//! ```
//! prints one line: `tokio-mt 100000 tasks: wall 1.043 s, 462 B per task`.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bakeoff::measure::{current_rss, release_free_memory, PeakRss};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [runtime, n, d] = args.as_slice() else {
        bail!("usage: bare_sleeps RUNTIME N DURATION, e.g. tokio-mt 100000 1s");
    };
    let n: usize = n
        .parse()
        .with_context(|| format!("N `{n}` is not a count"))?;
    let d = bakeoff::workloads::io::parse_duration(d).map_err(anyhow::Error::msg)?;
    let (wall, peak, before) = match runtime.as_str() {
        "tokio-mt" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            measure(|| rt.block_on(tokio_sleeps(n, d)))
        }
        "tokio-ct" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            measure(|| rt.block_on(tokio_sleeps(n, d)))
        }
        "async-std" => {
            // async-std sizes its executor from ASYNC_STD_THREAD_COUNT (set
            // it to 2 to match); warm it up before the baseline.
            async_std::task::block_on(async_std::task::spawn(async {}));
            measure(|| {
                async_std::task::block_on(async {
                    let hs: Vec<_> = (0..n)
                        .map(|_| async_std::task::spawn(async_std::task::sleep(d)))
                        .collect();
                    for h in hs {
                        h.await;
                    }
                })
            })
        }
        "smol" => {
            let ex = std::sync::Arc::new(smol::Executor::new());
            let (stop, stopped) = smol::channel::unbounded::<()>();
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (ex, stopped) = (ex.clone(), stopped.clone());
                    std::thread::spawn(move || {
                        let _ = smol::future::block_on(ex.run(stopped.recv()));
                    })
                })
                .collect();
            let out = measure(|| {
                smol::future::block_on(async {
                    let hs: Vec<_> = (0..n)
                        .map(|_| {
                            ex.spawn(async move {
                                smol::Timer::after(d).await;
                            })
                        })
                        .collect();
                    for h in hs {
                        h.await;
                    }
                })
            });
            drop(stop);
            for t in threads {
                let _ = t.join();
            }
            out
        }
        other => bail!("unknown runtime `{other}`; use tokio-mt, tokio-ct, async-std or smol"),
    };
    println!(
        "{runtime} {n} tasks: wall {:.3} s, {:.0} B per task",
        wall.as_secs_f64(),
        peak.saturating_sub(before) as f64 / n as f64
    );
    Ok(())
}

async fn tokio_sleeps(n: usize, d: Duration) {
    let hs: Vec<_> = (0..n)
        .map(|_| tokio::spawn(async move { tokio::time::sleep(d).await }))
        .collect();
    for h in hs {
        let _ = h.await;
    }
}

/// Wall time of `f`, peak RSS while it ran, and RSS before it.
fn measure(f: impl FnOnce()) -> (Duration, u64, u64) {
    release_free_memory();
    let before = current_rss();
    let peak = PeakRss::start();
    let t = Instant::now();
    f();
    let wall = t.elapsed();
    (wall, peak.finish().0, before)
}

//! Persistent worker threads for the thread benches (`channels`, `sync`):
//! spawned once per bench id, released per batch by a start barrier and
//! collected by a done barrier, so thread start-up stays out of the clock.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;

/// One batch's work for one persistent thread; returns a number (a
/// partial sum or a count) that the batch adds up and checks.
pub type Job = Box<dyn FnMut() -> u64 + Send>;

/// Persistent threads that each run their job once per batch, released by
/// a start barrier and collected by a done barrier.
pub struct Crew {
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    stop: Arc<AtomicBool>,
    sum: Arc<AtomicU64>,
    threads: Vec<JoinHandle<()>>,
}

impl Crew {
    /// Spawns one thread per job, parked at the start barrier.
    pub fn new(jobs: Vec<Job>) -> Crew {
        let start = Arc::new(Barrier::new(jobs.len() + 1));
        let done = Arc::new(Barrier::new(jobs.len() + 1));
        let stop = Arc::new(AtomicBool::new(false));
        let sum = Arc::new(AtomicU64::new(0));
        let threads = jobs
            .into_iter()
            .map(|mut job| {
                let (start, done) = (Arc::clone(&start), Arc::clone(&done));
                let (stop, sum) = (Arc::clone(&stop), Arc::clone(&sum));
                std::thread::spawn(move || loop {
                    start.wait();
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    // A worker that panics would leave the bench thread
                    // waiting on the done barrier for ever: fail loudly.
                    let s = catch_unwind(AssertUnwindSafe(&mut job))
                        .unwrap_or_else(|_| std::process::abort());
                    sum.fetch_add(s, Ordering::Relaxed);
                    done.wait();
                })
            })
            .collect();
        Crew {
            start,
            done,
            stop,
            sum,
            threads,
        }
    }

    /// Runs one batch on every thread and returns the sum of their results.
    pub fn batch(&self) -> u64 {
        self.start.wait();
        self.done.wait();
        self.sum.swap(0, Ordering::Relaxed)
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.start.wait();
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}

//! Small blocking primitives shared by the thread runners.

use std::sync::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire},
};
use std::sync::{Condvar, Mutex};

/// A counting semaphore that bounds the tasks in flight (`concurrency`).
///
/// It only calls into the kernel when a thread actually waits.
pub struct Gate {
    state: Mutex<GateState>,
    cv: Condvar,
}

struct GateState {
    free: usize,
    waiting: usize,
}

impl Gate {
    /// A gate that lets `permits` holders in at once.
    pub fn new(permits: usize) -> Self {
        Gate {
            state: Mutex::new(GateState {
                free: permits,
                waiting: 0,
            }),
            cv: Condvar::new(),
        }
    }

    /// Waits for a permit.
    pub fn acquire(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while s.free == 0 {
            s.waiting += 1;
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
            s.waiting -= 1;
        }
        s.free -= 1;
    }

    /// Returns a permit.
    pub fn release(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.free += 1;
        if s.waiting > 0 {
            self.cv.notify_one();
        }
    }
}

/// Counts finished tasks down to zero; one thread waits for zero.
///
/// Arrivals are one atomic decrement; only the last one takes the lock.
pub struct Latch {
    left: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Latch {
    /// A latch waiting for `count` arrivals.
    pub fn new(count: usize) -> Self {
        Latch {
            left: AtomicUsize::new(count),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// One arrival; the last one wakes the waiter.
    pub fn arrive(&self) {
        self.arrive_many(1);
    }

    /// Counts `n` arrivals at once (a worker that batches its own count
    /// touches the shared counter once instead of `n` times).
    pub fn arrive_many(&self, n: usize) {
        if n > 0 && self.left.fetch_sub(n, AcqRel) == n {
            // Taking the lock orders this wake-up after the waiter's check.
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.cv.notify_all();
        }
    }

    /// Blocks until every arrival happened.
    pub fn wait(&self) {
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while self.left.load(Acquire) > 0 {
            guard = self.cv.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn latch_and_gate_under_threads() {
        let latch = Arc::new(Latch::new(64));
        let gate = Arc::new(Gate::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..64 {
            let (latch, gate, inside) = (latch.clone(), gate.clone(), inside.clone());
            handles.push(std::thread::spawn(move || {
                gate.acquire();
                let now = inside.fetch_add(1, AcqRel) + 1;
                assert!(now <= 3, "{now} holders of a 3-permit gate");
                std::thread::yield_now();
                inside.fetch_sub(1, AcqRel);
                gate.release();
                latch.arrive();
            }));
        }
        latch.wait();
        for h in handles {
            h.join().unwrap();
        }
    }
}

//! Built-in CPU-bound workloads, one per file.

pub(crate) mod countdown;
mod fault;
mod mandelbrot;
mod noop;
mod primes;
mod sha256;
mod shared_counter;

pub use countdown::Countdown;
pub use fault::{Fault, FaultMode};
pub use mandelbrot::Mandelbrot;
pub use noop::Noop;
pub use primes::{is_prime, Primes, COURSE_NUMBERS};
pub use sha256::Sha256;
pub use shared_counter::{SharedCounter, Via};

use crate::WorkloadEntry;

/// Entries for every built-in CPU workload, in the order `bakeoff list` shows.
pub fn entries() -> Vec<WorkloadEntry> {
    vec![
        WorkloadEntry::cpu::<Noop>(),
        WorkloadEntry::cpu::<Countdown>(),
        WorkloadEntry::cpu::<Primes>(),
        WorkloadEntry::cpu::<Sha256>(),
        WorkloadEntry::cpu::<Mandelbrot>(),
        WorkloadEntry::cpu::<SharedCounter>(),
        WorkloadEntry::cpu::<Fault>(),
    ]
}

//! What every bench file shares: the time budget.
//!
//! The default `cargo bench` must finish within 10 minutes on a 2-core
//! machine, over every bench file together, so each group gets a short
//! warm-up and measurement. `BAKEOFF_BENCH=thorough` restores criterion's
//! own defaults (3 s warm-up, 5 s measurement, 100 samples) for a run
//! whose numbers you mean to publish.

#![allow(dead_code)]

pub mod crew;

use std::time::Duration;

use criterion::Criterion;

/// True when `BAKEOFF_BENCH=thorough` asks for criterion's full defaults.
pub fn thorough() -> bool {
    std::env::var("BAKEOFF_BENCH").is_ok_and(|v| v == "thorough")
}

/// A `Criterion` sized for the quick default budget, or criterion's own
/// defaults under `BAKEOFF_BENCH=thorough`. Command-line options such as
/// `--measurement-time` still override either.
pub fn criterion() -> Criterion {
    let c = Criterion::default();
    let c = if thorough() {
        c
    } else {
        c.warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(900))
            .sample_size(20)
    };
    c.configure_from_args()
}

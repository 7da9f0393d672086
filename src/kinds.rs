//! The workload kinds and runner families of the harness's crates as
//! results.json records them: `bakeoff-reports` reads results and knows
//! neither crate, so the conversion lives here, where both meet.

use bakeoff_reports::{Family, WorkloadKind};

/// A runner family as its results record it.
pub(crate) fn family(f: bakeoff_runners::Family) -> Family {
    match f {
        bakeoff_runners::Family::Baseline => Family::Baseline,
        bakeoff_runners::Family::Threads => Family::Threads,
        bakeoff_runners::Family::Processes => Family::Processes,
        bakeoff_runners::Family::Async => Family::Async,
        bakeoff_runners::Family::Cpython => Family::Cpython,
    }
}

/// A workload kind as its results record it.
pub(crate) fn workload_kind(k: bakeoff_workloads::Kind) -> WorkloadKind {
    match k {
        bakeoff_workloads::Kind::Cpu => WorkloadKind::Cpu,
        bakeoff_workloads::Kind::Io => WorkloadKind::Io,
    }
}

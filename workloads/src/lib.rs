//! Workloads for bakeoff: pure descriptions of work, free of any runtime.
//!
//! A workload builds a deterministic list of serialisable tasks from its
//! parameters and a seed, and executes one task to a 64-bit digest. The key
//! design decision is that **a workload never knows how it is run**: runners
//! (threads, process pools, event loops) only see a type-erased [`Batch`] of
//! tasks they can execute by index, and they prove they computed the same
//! answer through the order-independent [`BatchDigest`].
//!
//! # Adding a workload
//!
//! Implement [`CpuWorkload`] for a type (its [`WorkloadInfo`] names it and
//! lists its parameters with defaults), then add it to a [`Registry`] with
//! [`WorkloadEntry::cpu`]. Built-in workloads live one per file under
//! `src/cpu/` and are listed in [`Registry::builtin`].
//!
//! [`text`] holds the deterministic pages `bakeoff serve http` returns, so
//! that an IO workload can compute the expected body of any page itself.

mod async_io;
mod batch;
pub mod cpu;
mod digest;
pub mod io;
mod params;
pub mod protocol;
mod registry;
pub mod shared_state;
mod suggest;
pub mod text;
mod workload;

pub use batch::{Batch, BatchSpec, TaskExec};
pub use digest::{mix64, BatchDigest};
pub use params::{ParamError, ParamSpec, Params};
pub use registry::{Registry, RegistryError, WorkloadEntry};
pub use suggest::closest;
pub use workload::{CpuWorkload, Kind, Runs, WorkloadInfo};

//! Process pools: `fork-pool`, `spawn-pool` and `forkserver-pool`.
//!
//! Every pool runs the same worker loop ([`worker::serve`]) behind the same
//! framed protocol ([`proto`]); only the way a worker process comes to
//! exist differs, as with Python's multiprocessing start methods:
//!
//! - **fork**: the case process forks a single-threaded helper, and the
//!   helper forks each worker, so every worker is a copy of the parent's
//!   memory and no fork ever happens in a multi-threaded process;
//! - **spawn**: each worker is a fresh exec of the current executable,
//!   which must call [`entry`] (through `bakeoff::child_entry`) first thing
//!   in `main`;
//! - **forkserver**: a fork server is started by exec, and forks each
//!   worker on request; the worker's socket is passed to it with
//!   `SCM_RIGHTS` over an inherited socket pair.

mod defs;
mod pool;
pub mod proto;
mod server;
pub mod worker;

pub(crate) use defs::{chunksize, Pool};
pub use pool::{prepare_fork_helper, PoolOptions, ProcessPool, StartMethod};

use bakeoff_workloads::Registry;

/// The environment variable naming a process's role (`worker`,
/// `forkserver`; the harness adds `case`).
pub const ROLE_ENV: &str = "BAKEOFF_ROLE";

/// The environment variable naming the inherited socket's descriptor.
pub const FD_ENV: &str = "BAKEOFF_FD";

/// The variable naming the pid of the process that started this one, for
/// [`die_with_parent`]: every process bakeoff starts gets it.
pub const PARENT_ENV: &str = "BAKEOFF_PARENT_PID";

/// The pid in [`PARENT_ENV`], if it is set and a number.
pub fn parent_from_env() -> Option<u32> {
    std::env::var(PARENT_ENV).ok()?.parse().ok()
}

/// Ties this process's life to its parent's: the kernel sends it SIGKILL
/// when the thread that started it ends (`PR_SET_PDEATHSIG`) — a SIGKILLed
/// orchestrator included, which can clean up nothing itself — and, if
/// that already happened before this call (its parent is no longer
/// `parent`), it ends itself the same way now. Every process bakeoff
/// starts calls it first: case children, the embedded servers, pool
/// workers and fork servers, exec'd or forked. So the whole tree goes
/// with its root, however the root dies.
pub fn die_with_parent(parent: Option<u32>) {
    use nix::sys::signal::{raise, Signal};
    let _ = nix::sys::prctl::set_pdeathsig(Some(Signal::SIGKILL));
    if let Some(parent) = parent {
        if nix::unistd::getppid().as_raw() as u32 != parent {
            let _ = raise(Signal::SIGKILL);
        }
    }
}

/// If this process was started as a pool worker or a fork server, serves
/// and returns the exit code for `main`; otherwise `None`.
///
/// Call it first thing in `main`, before any thread starts (the analogue
/// of Python's `if __name__ == "__main__":`), with the registry that knows
/// every workload the pools may be asked to run.
pub fn entry(registry: &Registry) -> Option<i32> {
    let role = std::env::var(ROLE_ENV).ok()?;
    let serve: fn(std::os::unix::net::UnixStream, &Registry) -> i32 = match role.as_str() {
        "worker" => worker::serve,
        "forkserver" => server::serve_forks,
        _ => return None,
    };
    die_with_parent(parent_from_env());
    Some(match pool::inherited_socket() {
        Some(socket) => serve(socket, registry),
        None => {
            eprintln!(
                "error: started as a bakeoff {role} without its socket ({FD_ENV} is missing or closed); only a process pool starts this role"
            );
            2
        }
    })
}

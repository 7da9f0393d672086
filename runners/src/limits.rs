//! Which operating-system limit stopped a thread from starting, in words a
//! user can act on.
//!
//! Linux refuses a new thread with `EAGAIN` or `ENOMEM` for several
//! reasons, and the error alone does not say which. Here each limit is
//! compared with what this process (or the system) uses now; the first one
//! that is (nearly) exhausted is named with its value and its fix. On this
//! project's 2-core VM the first to bite is `vm.max_map_count`: each thread
//! costs about 4 mappings (stack, guard page, and their neighbours), so
//! 65 530 mappings stop a process at about 16 000 threads — before
//! `kernel.threads-max` or `RLIMIT_NPROC`.

use bakeoff_os::{soft_limit, status_field, Resource, StatusField, Sysctl};

/// Threads the whole system runs now (the second half of the fourth field
/// of `/proc/loadavg`, `running/total`).
fn system_threads() -> Option<u64> {
    bakeoff_os::LoadAverage::now().total
}

/// The line naming `vm.max_map_count` as the limit, with its fix.
fn map_count_limit(max: u64, maps: u64, threads: u64) -> String {
    format!("vm.max_map_count is {max} and this process counts {maps} memory mappings (about {MAPS_PER_THREAD} per thread, {threads} threads); raise it (sysctl -w vm.max_map_count={}) or lower --concurrency", max * 4)
}

/// Address space one more thread needs: its stack (2 MiB by default) and
/// room for its alternate signal stack and anything else mapped meanwhile.
const THREAD_ROOM_KB: u64 = 2 * 1024 + 1024;

/// The line naming the address-space limit (`ulimit -v`), with its fix.
fn address_space_limit(limit_kb: u64, size_kb: u64, threads: u64) -> String {
    format!("the address-space limit is {} MiB and this process uses {} MiB ({threads} threads, 2 MiB of stack each); raise it (ulimit -v) or lower --concurrency", limit_kb / 1024, size_kb / 1024)
}

/// One line naming the limit that stopped thread number `started` (the
/// count already running) from starting, with its value and the fix.
pub(crate) fn thread_limit(started: usize) -> String {
    let threads = status_field(StatusField::Threads).unwrap_or(started as u64);
    if let (Some(max), Some(maps)) = (Sysctl::MaxMapCount.number(), bakeoff_os::memory_mappings()) {
        if maps + 16 >= max {
            return map_count_limit(max, maps, threads);
        }
    }
    if let Some(limit_kb) = soft_limit(Resource::RLIMIT_AS).map(|b| b / 1024) {
        let size_kb = status_field(StatusField::VmSize).unwrap_or(0);
        if size_kb + THREAD_ROOM_KB >= limit_kb {
            return address_space_limit(limit_kb, size_kb, threads);
        }
    }
    if let Some(max) = Sysctl::ThreadsMax.number() {
        let total = system_threads();
        if let Some(total) = total.filter(|t| t + 16 >= max) {
            return format!("kernel.threads-max is {max} and the system runs {total} threads; raise it (sysctl -w kernel.threads-max=…) or lower --concurrency");
        }
    }
    if let Some(nproc) = soft_limit(Resource::RLIMIT_NPROC) {
        if threads + 16 >= nproc {
            return format!("the process limit (RLIMIT_NPROC) is {nproc} and this process has {threads} threads; raise it (ulimit -u) or lower --concurrency");
        }
    }
    format!("no limit bakeoff checks is exhausted ({threads} threads running; checked vm.max_map_count, ulimit -v, kernel.threads-max, ulimit -u); lower --concurrency or free memory")
}

/// Whether `count` more threads fit under every limit a thread takes
/// from — `vm.max_map_count`, the address space (`ulimit -v`),
/// `kernel.threads-max` and `RLIMIT_NPROC` — projected from what this
/// process and the system use now; the one-line reason naming the first
/// that would be exhausted, with its value and the fix (`flag` is the
/// option that asked for them, e.g. `--workers`).
///
/// Runners that start a fixed number of threads ask here before they
/// start any: past a limit, a runtime's thread spawn panics or aborts the
/// process, or leaves a pool waiting for threads that never came.
pub(crate) fn room_for_threads(count: usize, flag: &str) -> Result<(), String> {
    let count = count as u64;
    let threads = status_field(StatusField::Threads).unwrap_or(1);
    if let (Some(max), Some(maps)) = (Sysctl::MaxMapCount.number(), bakeoff_os::memory_mappings()) {
        let needed = MAPS_PER_THREAD * count;
        if maps + needed + 64 >= max {
            return Err(format!(
                "vm.max_map_count is {max}, and {count} threads need about {needed} memory mappings ({MAPS_PER_THREAD} per thread) beside the {maps} this process has; raise it (sysctl -w vm.max_map_count={}) or lower {flag}",
                (maps + needed + 64).next_power_of_two()
            ));
        }
    }
    if let Some(limit_kb) = soft_limit(Resource::RLIMIT_AS).map(|b| b / 1024) {
        let size_kb = status_field(StatusField::VmSize).unwrap_or(0);
        let needed_kb = THREAD_ROOM_KB * count;
        if size_kb + needed_kb >= limit_kb {
            return Err(format!(
                "the address-space limit is {} MiB, and {count} threads need about {} MiB (2 MiB of stack each and their signal stacks) beside the {} MiB this process uses; raise it (ulimit -v) or lower {flag}",
                limit_kb / 1024,
                needed_kb / 1024,
                size_kb / 1024
            ));
        }
    }
    if let Some(max) = Sysctl::ThreadsMax.number() {
        let total = system_threads();
        if let Some(total) = total.filter(|t| t + count + 16 >= max) {
            return Err(format!("kernel.threads-max is {max}, and the system runs {total} threads without these {count}; raise it (sysctl -w kernel.threads-max=…) or lower {flag}"));
        }
    }
    if let Some(nproc) = soft_limit(Resource::RLIMIT_NPROC) {
        if threads + count + 16 >= nproc {
            return Err(format!("the process limit (RLIMIT_NPROC, `ulimit -u`) is {nproc}, and this process has {threads} threads without these {count}; raise it (ulimit -u) or lower {flag}"));
        }
    }
    Ok(())
}

/// Mappings one more thread takes: its stack and guard page, and the
/// alternate signal stack and guard page Rust's runtime maps for it.
const MAPS_PER_THREAD: u64 = 4;

/// Keeps a thread spawner below `vm.max_map_count` and the address-space
/// limit (`ulimit -v`).
///
/// At either limit, `pthread_create` may still succeed while the new
/// thread's alternate signal stack cannot be mapped — and Rust's runtime
/// then aborts the whole process. So before each spawn the spawner asks
/// here. The mappings are counted (reading `/proc/self/maps`) only when
/// the threads spawned since the last count could have used up the room
/// left, so a spawner far from the limit reads it a handful of times; the
/// address space (`VmSize`) is read before every spawn, but only under an
/// address-space limit.
pub(crate) struct ThreadBudget {
    /// `RLIMIT_AS` in kB, when set.
    address_kb: Option<u64>,
    max: Option<u64>,
    /// Mappings of everything but the threads, counted at the first check.
    base: Option<u64>,
    /// The spawn count at which to look again.
    next_check: usize,
}

impl ThreadBudget {
    /// A budget for a spawner about to start its first thread.
    pub(crate) fn new() -> ThreadBudget {
        ThreadBudget {
            address_kb: soft_limit(Resource::RLIMIT_AS).map(|b| b / 1024),
            max: Sysctl::MaxMapCount.number(),
            base: None,
            next_check: 0,
        }
    }

    /// Whether thread number `spawned` (0-based) may start; the one-line
    /// reason, naming the limit and its fix, when it may not.
    ///
    /// Every live thread is counted as [`MAPS_PER_THREAD`] mappings, even
    /// one that has not mapped its signal stack yet (it does so itself, a
    /// moment after it starts), so the projection never falls short.
    pub(crate) fn check(&mut self, spawned: usize) -> Result<(), String> {
        if let Some(limit_kb) = self.address_kb {
            if let Some(size_kb) = status_field(StatusField::VmSize) {
                if size_kb + THREAD_ROOM_KB >= limit_kb {
                    let threads = status_field(StatusField::Threads).unwrap_or(spawned as u64 + 1);
                    return Err(address_space_limit(limit_kb, size_kb, threads));
                }
            }
        }
        let Some(max) = self.max else {
            return Ok(());
        };
        if spawned < self.next_check {
            return Ok(());
        }
        let threads = status_field(StatusField::Threads).unwrap_or(spawned as u64 + 1);
        let base = match self.base {
            Some(b) => b,
            None => {
                let Some(maps) = bakeoff_os::memory_mappings() else {
                    self.max = None;
                    return Ok(());
                };
                let b = maps.saturating_sub(MAPS_PER_THREAD * threads);
                self.base = Some(b);
                b
            }
        };
        let projected = base + MAPS_PER_THREAD * threads;
        // Room for this thread and some mappings of anything else.
        let room = max.saturating_sub(projected + 64);
        if room < MAPS_PER_THREAD {
            return Err(map_count_limit(max, projected, threads));
        }
        self.next_check = spawned + (room / MAPS_PER_THREAD) as usize;
        Ok(())
    }
}

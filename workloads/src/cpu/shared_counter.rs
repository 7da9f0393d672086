//! `shared-counter`: the course's claim that shared memory is cheaper than
//! message passing, which is cheaper than a server process (`Manager`).
//!
//! One task: two worker processes, started for the task, increment one
//! counter `increments` times in all (the first worker does the odd one
//! out), through `via`; the task's digest is the final count, and a task
//! whose count falls short fails naming how many increments were lost.
//!
//! - `shared`: an `AtomicU64` in a `MAP_SHARED | MAP_ANONYMOUS` page mapped
//!   before the fork; each worker does `fetch_add(1)`. (CPython:
//!   `multiprocessing.Value('q')` and `with v.get_lock(): v.value += 1`.)
//! - `queue`: each increment is its own 8-byte message of `1` on one pipe
//!   to the parent, which sums them. (CPython: `Queue`, `q.put(1)`.)
//! - `manager`: a third process, the server, owns the counter; each worker
//!   sends an "increment" request over its socket pair and waits for the
//!   reply before the next. (CPython: `Manager().list([])`, `append(1)`,
//!   counted with `len`.)
//!
//! A task's time includes starting and reaping its 2 processes (3 with
//! `manager`): `increments` defaults to a count per `via` at which that
//! start is a small share of the task (docs/workloads/shared-counter.md
//! has the measurement). The processes are forked by
//! [`crate::shared_state`], which `benches/sync.rs` uses too. Each task
//! starts processes itself, so the workload runs one task at a time
//! ([`Runs::OneAtATime`]): under `seq` and `py-seq` only.

use std::fmt;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::str::FromStr;
use std::sync::atomic::Ordering;

use crate::shared_state::{self, fork_child, ShmCounter};
use crate::{CpuWorkload, Kind, ParamError, ParamSpec, Params, Runs, WorkloadInfo};

/// How the two workers share the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Shared memory: an atomic in a page both workers map.
    Shared,
    /// Message passing: one message per increment to the parent.
    Queue,
    /// A server process owns the counter; one request and reply per
    /// increment.
    Manager,
}

impl Via {
    /// Every way, in the course's order (cheapest first).
    pub const ALL: [Via; 3] = [Via::Shared, Via::Queue, Via::Manager];

    /// `shared`, `queue` or `manager`.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Shared => "shared",
            Via::Queue => "queue",
            Via::Manager => "manager",
        }
    }

    /// Increments per task when `increments=auto`: one count per way,
    /// since the ways differ by an order of magnitude or more per
    /// increment, and one count for all would make one of them last
    /// seconds in CPython or another be mostly process start-up
    /// (docs/workloads/shared-counter.md has the measurement).
    pub fn default_increments(self) -> u64 {
        match self {
            Via::Shared => 300_000,
            Via::Queue => 50_000,
            Via::Manager => 8_000,
        }
    }
}

impl Via {
    /// Runs one task: two workers started for it add `increments` (the
    /// first `lose` fewer) to a counter this way; returns the final count,
    /// once every process it started has been reaped. Children still
    /// running when it fails are killed and reaped.
    pub fn count(self, increments: u64, lose: u64) -> io::Result<u64> {
        let halves = [
            (increments - increments / 2).saturating_sub(lose),
            increments / 2,
        ];
        match self {
            Via::Shared => by_shared_memory(halves),
            Via::Queue => by_messages(halves),
            Via::Manager => by_server(halves),
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Via {
    type Err = String;

    fn from_str(s: &str) -> Result<Via, String> {
        Via::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown way `{s}`; use shared, queue or manager"))
    }
}

/// Two processes incrementing one counter through `via`.
#[derive(Clone, Copy, Debug)]
pub struct SharedCounter {
    via: Via,
    increments: u64,
    lose: u64,
}

impl CpuWorkload for SharedCounter {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "shared-counter",
        kind: Kind::Cpu,
        description: "two processes started per task increment one counter through shared memory, a queue or a server process (Manager): the course's claim C7",
        default_tasks: 1,
        params: &[
            ParamSpec {
                name: "via",
                default: "shared",
                help: "shared (an atomic in shared memory; Value with its lock) | queue (a message per increment; Queue) | manager (a request and reply per increment to a server process; Manager().list)",
            },
            ParamSpec {
                name: "increments",
                default: "auto",
                help: "increments per task, over both workers; auto: 300000 (shared), 50000 (queue), 8000 (manager)",
            },
            ParamSpec {
                name: "lose",
                default: "0",
                help: "for tests: the first worker skips this many of its increments, so the task fails naming them lost",
            },
        ],
    };
    const RUNS: Runs = Runs::OneAtATime {
        why: "each task starts its own processes (CPython's Pool workers may not have children)",
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        let via: Via = p.get("via")?;
        let increments = match p.raw("increments") {
            "auto" => via.default_increments(),
            _ => p.get("increments")?,
        };
        Ok(SharedCounter {
            via,
            increments,
            lose: p.get("lose")?,
        })
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<u64> {
        vec![self.increments; count]
    }

    fn execute(&self, task: &u64) -> u64 {
        let via = self.via;
        match via.count(*task, self.lose) {
            Ok(c) if c == *task => c,
            Ok(c) => panic!(
                "shared-counter via={via}: counted {c} of {task} increments ({} lost)",
                task.abs_diff(c)
            ),
            Err(e) => panic!("shared-counter via={via}: {e}"),
        }
    }
}

fn by_shared_memory(halves: [u64; 2]) -> io::Result<u64> {
    let shm = ShmCounter::new()?;
    let c = shm.get();
    let mut workers = Children::new("worker");
    for n in halves {
        // SAFETY: the body only does atomic adds.
        workers.push(unsafe {
            fork_child(&[], &[], || {
                shared_state::add_shared(c, n);
                0
            })
        }?);
    }
    workers.wait()?;
    Ok(c.load(Ordering::SeqCst))
}

fn by_messages(halves: [u64; 2]) -> io::Result<u64> {
    let (r, w) = shared_state::pipe()?;
    let all = [r.as_raw_fd(), w.as_raw_fd()];
    let wfd = w.as_raw_fd();
    let mut workers = Children::new("worker");
    for n in halves {
        // SAFETY: the body only writes to a descriptor.
        workers.push(unsafe {
            fork_child(&all, &[wfd], || {
                shared_state::send_increments(wfd, n).map_or(1, |()| 0)
            })
        }?);
    }
    // The workers hold the only write ends: the stream ends if both go.
    drop(w);
    let mut from = BufReader::with_capacity(1 << 16, std::fs::File::from(r));
    let sum = shared_state::sum_messages(&mut from, 2);
    // Closed before the wait: a worker still writing gets EPIPE, not a
    // full pipe for ever.
    drop(from);
    workers.wait()?;
    sum
}

fn by_server(halves: [u64; 2]) -> io::Result<u64> {
    let (mut ctl, server_ctl) = UnixStream::pair()?;
    // Worker i's end first, the server's end second.
    let links = [UnixStream::pair()?, UnixStream::pair()?];
    let mut all: Vec<RawFd> = links
        .iter()
        .flat_map(|(a, b)| [a.as_raw_fd(), b.as_raw_fd()])
        .collect();
    all.extend([ctl.as_raw_fd(), server_ctl.as_raw_fd()]);
    let srv = [links[0].1.as_raw_fd(), links[1].1.as_raw_fd()];
    let sctl = server_ctl.as_raw_fd();
    let mut server = Children::new("server");
    // SAFETY: the server loop only polls, reads and writes descriptors.
    server.push(unsafe {
        fork_child(&all, &[srv[0], srv[1], sctl], || {
            shared_state::server_loop(srv, sctl)
        })
    }?);
    let mut workers = Children::new("worker");
    for (link, n) in links.iter().map(|(w, _)| w.as_raw_fd()).zip(halves) {
        // SAFETY: the body only writes and reads a descriptor.
        workers.push(unsafe {
            fork_child(&all, &[link], || {
                shared_state::request_increments(link, n).map_or(1, |()| 0)
            })
        }?);
    }
    drop((links, server_ctl));
    workers.wait()?;
    ctl.write_all(&shared_state::GET.to_ne_bytes())?;
    let mut buf = [0u8; 8];
    ctl.read_exact(&mut buf)?;
    // End of stream stops the server.
    drop(ctl);
    server.wait()?;
    Ok(u64::from_ne_bytes(buf))
}

/// Processes this task started, in one role; those not reaped by
/// [`Children::wait`] are killed and reaped on drop.
struct Children {
    role: &'static str,
    pids: Vec<libc::pid_t>,
}

impl Children {
    fn new(role: &'static str) -> Children {
        Children {
            role,
            pids: Vec::new(),
        }
    }

    fn push(&mut self, pid: libc::pid_t) {
        self.pids.push(pid);
    }

    /// Reaps every child in order; an error names the first that did not
    /// exit with status 0 (the rest are then killed, on drop).
    fn wait(&mut self) -> io::Result<()> {
        while let Some(&pid) = self.pids.first() {
            let status = shared_state::reap(pid)?;
            self.pids.remove(0);
            if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
                let how = if libc::WIFSIGNALED(status) {
                    format!("was killed by signal {}", libc::WTERMSIG(status))
                } else {
                    format!("exited with status {}", libc::WEXITSTATUS(status))
                };
                return Err(io::Error::other(format!("{} {pid} {how}", self.role)));
            }
        }
        Ok(())
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for &pid in &self.pids {
            // SAFETY: signalling our own unreaped child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        for pid in self.pids.drain(..) {
            let _ = shared_state::reap(pid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_a_count_per_way_and_bad_values_name_the_fix() {
        let build = |pairs: &[(&str, &str)]| {
            let given = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let params = Params::resolve("shared-counter", SharedCounter::INFO.params, &given)?;
            SharedCounter::from_params(&params)
        };
        for via in Via::ALL {
            let w = build(&[("via", via.as_str())]).unwrap();
            assert_eq!(w.tasks(2, 0), [via.default_increments(); 2]);
        }
        assert_eq!(build(&[("increments", "7")]).unwrap().tasks(1, 0), [7]);
        let err = build(&[("via", "pipe")]).unwrap_err().to_string();
        assert!(err.contains("use shared, queue or manager"), "{err}");
        assert!(build(&[("increments", "many")]).is_err());
    }
}

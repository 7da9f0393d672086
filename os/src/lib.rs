//! bakeoff's one layer over the operating system: this process's status
//! and memory (`/proc/self`, through `procfs`), the machine's load, memory
//! and CPU, kernel sysctl values, resource limits and usage (through
//! `nix`), signal and wait-status names, and the executable path that
//! case and server processes are started from.
//!
//! Every reader returns `None` (or a documented fallback) when the kernel
//! will not say, so callers keep their own defaults.

use std::path::PathBuf;

use nix::sys::resource::{getrlimit, getrusage, setrlimit, RLIM_INFINITY};
use nix::sys::signal::Signal;
use procfs::process::{ClearRefs, Process};
use procfs::Current;

pub use nix::sys::resource::{Resource, UsageWho};

/// A field of this process's `/proc/self/status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusField {
    /// `Threads:`, a count.
    Threads,
    /// `VmSize:` (address space), kB.
    VmSize,
    /// `VmRSS:` (resident set), kB.
    VmRss,
    /// `VmHWM:` (the kernel's high-water mark of `VmRSS`), kB.
    VmHwm,
}

/// One field of this process's `/proc/self/status` (kB for sizes);
/// `None` when the file cannot be read or lacks the field.
pub fn status_field(field: StatusField) -> Option<u64> {
    let status = Process::myself().ok()?.status().ok()?;
    match field {
        StatusField::Threads => Some(status.threads),
        StatusField::VmSize => status.vmsize,
        StatusField::VmRss => status.vmrss,
        StatusField::VmHwm => status.vmhwm,
    }
}

/// `VmRSS` and `VmHWM` of this process, from one read of
/// `/proc/self/status`, in bytes.
pub fn rss_and_high_water_mark() -> Option<(u64, u64)> {
    let status = Process::myself().ok()?.status().ok()?;
    Some((status.vmrss? * 1024, status.vmhwm? * 1024))
}

/// The resident set size of this process from `/proc/self/statm`, in
/// bytes; 0 when it cannot be read.
pub fn current_rss() -> u64 {
    let pages = Process::myself()
        .and_then(|p| p.statm())
        .map_or(0, |s| s.resident);
    pages * procfs::page_size()
}

/// Resets this process's `VmHWM` to its current RSS (writes `5` to
/// `/proc/self/clear_refs`, Linux 4.0 and later); whether the write
/// succeeded.
pub fn clear_peak_rss() -> bool {
    Process::myself()
        .and_then(|p| p.clear_refs(ClearRefs::PeakRSS))
        .is_ok()
}

/// The number of memory mappings of this process (lines of
/// `/proc/self/maps`); `None` when it cannot be read.
pub fn memory_mappings() -> Option<u64> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    Some(maps.lines().count() as u64)
}

/// `/proc/loadavg`: the three load averages and the thread counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoadAverage {
    /// The 1, 5 and 15 minute averages (0 where a field is missing).
    pub averages: [f64; 3],
    /// Threads runnable now (the `running` of `running/total`).
    pub running: Option<u64>,
    /// Threads the whole system has (the `total` of `running/total`).
    pub total: Option<u64>,
}

impl LoadAverage {
    /// Parses the text of `/proc/loadavg` (`0.52 0.58 0.59 3/812 4242`).
    pub fn parse(text: &str) -> LoadAverage {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let loads: Vec<f64> = fields
            .iter()
            .take(3)
            .filter_map(|s| s.parse().ok())
            .collect();
        let mut threads = fields.get(3).map(|f| f.split('/'));
        let mut next = || threads.as_mut()?.next()?.parse().ok();
        let running = next();
        let total = next();
        LoadAverage {
            averages: [0, 1, 2].map(|i| loads.get(i).copied().unwrap_or(0.0)),
            running,
            total,
        }
    }

    /// Reads `/proc/loadavg`; all zeros and `None` when it cannot be read.
    pub fn now() -> LoadAverage {
        LoadAverage::parse(&std::fs::read_to_string("/proc/loadavg").unwrap_or_default())
    }
}

/// The whole machine's CPU time since boot, from `/proc/stat` (and
/// `/proc/pressure/cpu`), in nanoseconds: what [`machine_cpu`] returns,
/// read before and after a measurement to see what else ran meanwhile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MachineCpu {
    /// Time the cores ran anything: user, nice, system, irq and softirq
    /// (a guest's time is inside user).
    pub busy_ns: u64,
    /// Time the hypervisor ran other guests on this machine's cores.
    pub steal_ns: u64,
    /// Runnable threads now (`procs_running`), the reader's included.
    pub runnable: u64,
    /// Logical CPUs `/proc/stat` lists.
    pub cores: u32,
    /// The counters' resolution, one clock tick, in ns (10 ms at 100 Hz):
    /// the kernel charges each tick to whatever runs when it fires.
    pub tick_ns: u64,
    /// Time during which some runnable task waited for a CPU (PSI's
    /// `some total`, microsecond resolution), where the kernel has PSI.
    pub pressure_ns: Option<u64>,
}

/// Reads [`MachineCpu`]; `None` when `/proc/stat` cannot be read.
pub fn machine_cpu() -> Option<MachineCpu> {
    let stat = <procfs::KernelStats as procfs::CurrentSI>::current().ok()?;
    let tick_ns = 1_000_000_000 / procfs::ticks_per_second().max(1);
    let t = &stat.total;
    let ticks = t.user + t.nice + t.system + t.irq.unwrap_or(0) + t.softirq.unwrap_or(0);
    let pressure_ns = procfs::CpuPressure::current()
        .ok()
        .map(|p| p.some.total.saturating_mul(1000));
    Some(MachineCpu {
        busy_ns: ticks.saturating_mul(tick_ns),
        steal_ns: t.steal.unwrap_or(0).saturating_mul(tick_ns),
        runnable: u64::from(stat.procs_running.unwrap_or(0)),
        cores: stat.cpu_time.len().max(1) as u32,
        tick_ns,
        pressure_ns,
    })
}

/// The mean current frequency of the CPUs, in MHz, from cpufreq's
/// `scaling_cur_freq`; `None` where the kernel does not expose it (most
/// virtual machines).
pub fn cpu_mhz() -> Option<f64> {
    let mut khz = Vec::new();
    for entry in std::fs::read_dir("/sys/devices/system/cpu").ok()?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with("cpu") || !name[3..].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let path = entry.path().join("cpufreq/scaling_cur_freq");
        if let Some(v) = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
        {
            khz.push(v);
        }
    }
    (!khz.is_empty()).then(|| khz.iter().sum::<f64>() / khz.len() as f64 / 1000.0)
}

/// A field of `/proc/meminfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemField {
    /// `MemTotal:`.
    Total,
    /// `MemAvailable:` (the kernel's estimate of memory available to start
    /// new work without swapping).
    Available,
}

/// One field of `/proc/meminfo`, in bytes; `None` when it cannot be read.
pub fn meminfo(field: MemField) -> Option<u64> {
    let m = procfs::Meminfo::current().ok()?;
    match field {
        MemField::Total => Some(m.mem_total),
        MemField::Available => m.mem_available,
    }
}

/// The CPU as `/proc/cpuinfo` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cpu {
    /// The first `model name`, if any.
    pub model: Option<String>,
    /// Distinct (`physical id`, `core id`) pairs: the physical cores; 0
    /// when the file names none.
    pub physical_cores: usize,
}

impl Cpu {
    /// Parses the text of `/proc/cpuinfo`.
    pub fn parse(text: &str) -> Cpu {
        fn value(line: &str) -> &str {
            line.split(':').nth(1).map(str::trim).unwrap_or("")
        }
        let model = text
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_string());
        let mut cores = std::collections::BTreeSet::new();
        let mut phys = "";
        for line in text.lines() {
            if line.starts_with("physical id") {
                phys = value(line);
            } else if line.starts_with("core id") {
                cores.insert((phys, value(line)));
            }
        }
        Cpu {
            model,
            physical_cores: cores.len(),
        }
    }

    /// Reads `/proc/cpuinfo`; no model and no cores when it cannot be read.
    pub fn now() -> Cpu {
        Cpu::parse(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
    }
}

/// A kernel value under `/proc/sys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sysctl {
    /// `vm.max_map_count`: memory mappings one process may have.
    MaxMapCount,
    /// `kernel.threads-max`: threads the whole system may have.
    ThreadsMax,
    /// `kernel.hostname`.
    Hostname,
    /// `kernel.ostype` (`Linux`).
    OsType,
    /// `kernel.osrelease` (`6.8.0-…`).
    OsRelease,
}

impl Sysctl {
    /// The file under `/proc/sys` holding the value.
    pub fn path(self) -> &'static str {
        match self {
            Sysctl::MaxMapCount => "/proc/sys/vm/max_map_count",
            Sysctl::ThreadsMax => "/proc/sys/kernel/threads-max",
            Sysctl::Hostname => "/proc/sys/kernel/hostname",
            Sysctl::OsType => "/proc/sys/kernel/ostype",
            Sysctl::OsRelease => "/proc/sys/kernel/osrelease",
        }
    }

    /// The value, trimmed; `None` when it cannot be read.
    pub fn read(self) -> Option<String> {
        std::fs::read_to_string(self.path())
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// The value as a number; `None` when it cannot be read or is not one.
    pub fn number(self) -> Option<u64> {
        self.read()?.parse().ok()
    }
}

/// The soft and hard limits of `resource`, `None` meaning unlimited; the
/// outer `None` when the kernel will not say.
pub fn rlimit(resource: Resource) -> Option<(Option<u64>, Option<u64>)> {
    let (soft, hard) = getrlimit(resource).ok()?;
    let finite = |v: u64| (v != RLIM_INFINITY).then_some(v);
    Some((finite(soft), finite(hard)))
}

/// The soft limit of `resource` as the kernel reports it (unlimited as
/// `RLIM_INFINITY`, `u64::MAX` on Linux); `None` when it cannot be read.
pub fn soft_limit_raw(resource: Resource) -> Option<u64> {
    getrlimit(resource).ok().map(|(soft, _)| soft)
}

/// The soft limit of `resource`, when it is set and not unlimited.
pub fn soft_limit(resource: Resource) -> Option<u64> {
    rlimit(resource)?.0
}

/// Why the open-files limit cannot be raised to what is needed.
#[derive(Debug)]
pub enum RaiseError {
    /// Even the hard limit is below what is needed.
    HardTooLow {
        /// The soft limit now.
        soft: u64,
        /// The hard limit.
        hard: u64,
    },
    /// `setrlimit` refused to raise the soft limit to the hard one.
    Refused {
        /// The hard limit it was to be raised to.
        hard: u64,
        /// The kernel's reason.
        error: std::io::Error,
    },
}

/// Makes the soft `RLIMIT_NOFILE` at least `need`, raising it to the hard
/// limit when it is lower. Nothing happens (and `Ok`) when the limit
/// cannot be read or is already high enough.
pub fn raise_open_files(need: u64) -> Result<(), RaiseError> {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return Ok(());
    };
    if soft >= need {
        return Ok(());
    }
    if hard != RLIM_INFINITY && hard < need {
        return Err(RaiseError::HardTooLow { soft, hard });
    }
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|e| RaiseError::Refused {
        hard,
        error: std::io::Error::from(e),
    })
}

/// Lifts the soft `RLIMIT_NOFILE` to the hard limit, best effort (a
/// server with many connections needs many descriptors): the limit it now
/// has, or `None` when it cannot be read.
pub fn raise_open_files_to_hard() -> Option<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return Some(hard);
    }
    Some(soft)
}

/// CPU time and context switches from `getrusage`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rusage {
    /// User CPU, ns.
    pub user_ns: u64,
    /// System CPU, ns.
    pub system_ns: u64,
    /// Voluntary context switches.
    pub voluntary: u64,
    /// Involuntary context switches.
    pub involuntary: u64,
    /// Peak resident set (`ru_maxrss`), bytes.
    pub max_rss: u64,
}

/// `getrusage(who)`; zeros when it fails.
pub fn usage(who: UsageWho) -> Rusage {
    let Ok(ru) = getrusage(who) else {
        return Rusage::default();
    };
    let ns = |tv: nix::sys::time::TimeVal| {
        tv.tv_sec() as u64 * 1_000_000_000 + tv.tv_usec() as u64 * 1_000
    };
    Rusage {
        user_ns: ns(ru.user_time()),
        system_ns: ns(ru.system_time()),
        voluntary: ru.voluntary_context_switches() as u64,
        involuntary: ru.involuntary_context_switches() as u64,
        max_rss: ru.max_rss() as u64 * 1024,
    }
}

/// The name of signal `sig` (`SIGSEGV`), or `signal` for a number that
/// names none.
pub fn signal_name(sig: i32) -> &'static str {
    Signal::try_from(sig).map_or("signal", Signal::as_str)
}

/// A raw wait status (as `waitpid` gives it, or as a fork server passes
/// it on), as one line (`killed by signal 11 (SIGSEGV)`, `exited with
/// status 3`) and as its cause in a word or two (`SIGSEGV`, `exit 3`).
pub fn describe_wait_status(status: i32) -> (String, String) {
    use nix::libc;
    if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        let name = signal_name(sig);
        (format!("killed by signal {sig} ({name})"), name.into())
    } else if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        (format!("exited with status {code}"), format!("exit {code}"))
    } else {
        (format!("ended (wait status {status:#x})"), "unknown".into())
    }
}

/// User and system CPU time of process `pid`, ns: the total from
/// `/proc/PID/task/*/schedstat` (nanoseconds, summed over its threads), split in the user/system ratio of
/// `/proc/PID/stat` (whose clock ticks are too coarse for short batches on
/// their own). `None` when the process is gone.
pub fn process_cpu(pid: u32) -> Option<(u64, u64)> {
    let process = Process::new(pid as i32).ok()?;
    let stat = process.stat().ok()?;
    let (user, system) = (stat.utime, stat.stime);
    let hz = procfs::ticks_per_second().max(1);
    // schedstat is per thread: a process's is the sum over its threads.
    let threads: Option<u64> = process.tasks().ok().map(|tasks| {
        tasks
            .flatten()
            .filter_map(|t| t.schedstat().ok())
            .map(|s| s.sum_exec_runtime)
            .sum()
    });
    let total = threads
        .filter(|&t| t > 0)
        .unwrap_or((user + system) * 1_000_000_000 / hz);
    let system_ns = if user + system == 0 {
        0
    } else {
        (total as u128 * system as u128 / (user + system) as u128) as u64
    };
    Some((total - system_ns, system_ns))
}

/// User and system CPU time, in nanoseconds, of the children process
/// `pid` has waited for (and of theirs): `cutime` and `cstime` of
/// `/proc/PID/stat`, in clock ticks. What [`process_cpu`] leaves out: a
/// process that a task started and reaped within a measurement is gone
/// from `/proc` by its end, and only its parent's counters still hold its
/// time. `None` when the process is gone.
pub fn reaped_children_cpu(pid: u32) -> Option<(u64, u64)> {
    let stat = Process::new(pid as i32).ok()?.stat().ok()?;
    let hz = procfs::ticks_per_second().max(1);
    let ns = |ticks: i64| ticks.max(0) as u64 * 1_000_000_000 / hz;
    Some((ns(stat.cutime), ns(stat.cstime)))
}

/// Rss and Pss of process `pid` in bytes, from `/proc/PID/smaps_rollup`;
/// `None` when the process is gone or the kernel is older than 4.14.
pub fn process_memory(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let kib = |key: &str| -> Option<u64> {
        text.lines()
            .find(|l| l.starts_with(key))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((kib("Rss:")? * 1024, kib("Pss:")? * 1024))
}

/// Every process below `pid` (its children, their children, …), from the
/// parent of each process in `/proc`; empty when `/proc` cannot be read.
/// A tree whose processes start other processes (an interpreter's pool
/// workers, a fork server's children) is measured whole this way.
pub fn descendants(pid: u32) -> Vec<u32> {
    let Ok(all) = procfs::process::all_processes() else {
        return Vec::new();
    };
    let parents: Vec<(u32, u32)> = all
        .filter_map(|p| p.ok()?.stat().ok())
        .map(|s| (s.pid as u32, s.ppid as u32))
        .collect();
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(child, _) in parents.iter().filter(|(_, pp)| *pp == parent) {
            out.push(child);
            frontier.push(child);
        }
    }
    out
}

/// Whether process `pid` exists and has not exited: `false` once it is
/// gone from `/proc`, or a zombie (dead, its exit status not yet
/// collected), or dead.
pub fn process_running(pid: u32) -> bool {
    Process::new(pid as i32)
        .and_then(|p| p.stat())
        .is_ok_and(|s| !matches!(s.state, 'Z' | 'X' | 'x'))
}

/// Voluntary and involuntary context switches of process `pid`, summed
/// over its threads (`/proc/PID/task/*/status`: the kernel counts them
/// per thread); `None` when the process is gone.
pub fn process_switches(pid: u32) -> Option<(u64, u64)> {
    let process = Process::new(pid as i32).ok()?;
    let (mut voluntary, mut involuntary) = (0, 0);
    for task in process.tasks().ok()?.flatten() {
        if let Ok(s) = task.status() {
            voluntary += s.voluntary_ctxt_switches.unwrap_or(0);
            involuntary += s.nonvoluntary_ctxt_switches.unwrap_or(0);
        }
    }
    Some((voluntary, involuntary))
}

/// Sends SIGKILL to process group `pgid` (a child started with
/// `process_group(0)` leads the group of its own pid). A group already
/// gone is not an error worth reporting: the result is ignored.
pub fn kill_group(pgid: u32) {
    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid as i32), Signal::SIGKILL);
}

/// This program, to start case, worker and server processes from:
/// `/proc/self/exe` names the very file this process runs even after a
/// rebuild replaced the one at its path, so a long run survives `cargo
/// build` in another terminal and every process runs the same code.
/// Where `/proc` is missing, [`std::env::current_exe`].
pub fn self_exe() -> std::io::Result<PathBuf> {
    let proc_exe = PathBuf::from("/proc/self/exe");
    if proc_exe.exists() {
        return Ok(proc_exe);
    }
    std::env::current_exe()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_of_this_process_are_read() {
        assert!(status_field(StatusField::Threads).unwrap() >= 1);
        assert!(status_field(StatusField::VmSize).unwrap() > 0);
        let (rss, hwm) = rss_and_high_water_mark().unwrap();
        assert!(rss > 0 && hwm > 0);
        assert!(current_rss() > 0);
        assert!(memory_mappings().unwrap() > 0);
    }

    #[test]
    fn the_peak_can_be_cleared_or_says_it_cannot() {
        // Some sandboxes refuse the write; either answer is a bool.
        let _ = clear_peak_rss();
        assert!(status_field(StatusField::VmHwm).is_some());
    }

    #[test]
    fn loadavg_parses_averages_and_threads() {
        let l = LoadAverage::parse("0.52 0.58 0.59 3/812 4242\n");
        assert_eq!(l.averages, [0.52, 0.58, 0.59]);
        assert_eq!((l.running, l.total), (Some(3), Some(812)));
        let empty = LoadAverage::parse("");
        assert_eq!(empty, LoadAverage::default());
        assert!(LoadAverage::now().total.is_some());
    }

    #[test]
    fn cpuinfo_gives_the_model_and_physical_cores() {
        let text = "processor\t: 0\nmodel name\t: Some CPU @ 2GHz\nphysical id\t: 0\ncore id\t: 0\n\n\
                    processor\t: 1\nmodel name\t: Some CPU @ 2GHz\nphysical id\t: 0\ncore id\t: 1\n\n\
                    processor\t: 2\nmodel name\t: Some CPU @ 2GHz\nphysical id\t: 0\ncore id\t: 1\n";
        let cpu = Cpu::parse(text);
        assert_eq!(cpu.model.as_deref(), Some("Some CPU @ 2GHz"));
        assert_eq!(cpu.physical_cores, 2);
        assert_eq!(Cpu::parse(""), Cpu::default());
    }

    #[test]
    fn meminfo_and_sysctls_are_read() {
        let total = meminfo(MemField::Total).unwrap();
        assert!(total > 0 && total % 1024 == 0);
        assert!(meminfo(MemField::Available).unwrap() <= total);
        assert!(Sysctl::MaxMapCount.number().unwrap() > 0);
        assert!(Sysctl::ThreadsMax.number().unwrap() > 0);
        assert!(Sysctl::OsRelease.read().is_some());
        assert_eq!(Sysctl::OsType.read().as_deref(), Some("Linux"));
    }

    #[test]
    fn rlimits_and_raising_open_files() {
        let (soft, hard) = rlimit(Resource::RLIMIT_NOFILE).unwrap();
        assert!(soft.is_some());
        assert!(soft <= hard || hard.is_none());
        assert!(raise_open_files(1).is_ok());
        if let Some(hard) = hard {
            assert!(matches!(
                raise_open_files(hard + 1),
                Err(RaiseError::HardTooLow { .. })
            ));
        }
    }

    #[test]
    fn usage_counts_cpu_time() {
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let u = usage(UsageWho::RUSAGE_SELF);
        assert!(u.user_ns + u.system_ns > 0);
    }

    #[test]
    fn another_process_is_read_by_pid() {
        let me = std::process::id();
        let (user, system) = process_cpu(me).unwrap();
        assert!(user + system > 0);
        let (rss, pss) = process_memory(me).unwrap();
        assert!(rss > 0 && pss > 0 && pss <= rss);
        assert_eq!(process_cpu(u32::MAX / 2), None);
    }

    #[test]
    fn signals_and_exits_are_named() {
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(0), "signal");
        assert_eq!(signal_name(1000), "signal");
        let exited = describe_wait_status(3 << 8);
        assert_eq!(exited, ("exited with status 3".into(), "exit 3".into()));
        let killed = describe_wait_status(11);
        assert_eq!(
            killed,
            ("killed by signal 11 (SIGSEGV)".into(), "SIGSEGV".into())
        );
    }

    #[test]
    fn the_executable_exists() {
        assert!(self_exe().unwrap().exists());
    }
}

//! What the case process measures around a batch: CPU time and context
//! switches (getrusage), peak resident memory (the kernel's high-water
//! mark, reset per batch; a sampler thread only where the kernel refuses
//! the reset), and latency histograms (HDR).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use bakeoff_os::current_rss;
use bakeoff_os::rss_and_high_water_mark;
pub use bakeoff_reports::schema::{Interference, PeakRssSource};
use bakeoff_reports::{Nanos, Percentiles};
use hdrhistogram::Histogram;

/// CPU time and context switches of this process and its reaped children.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User CPU, ns.
    pub user: u64,
    /// System CPU, ns.
    pub system: u64,
    /// Voluntary context switches.
    pub voluntary: u64,
    /// Involuntary context switches.
    pub involuntary: u64,
}

fn rusage(who: bakeoff_os::UsageWho) -> Usage {
    let ru = bakeoff_os::usage(who);
    Usage {
        user: ru.user_ns,
        system: ru.system_ns,
        voluntary: ru.voluntary,
        involuntary: ru.involuntary,
    }
}

impl Usage {
    /// This process (all threads) plus children it has waited for.
    pub fn now() -> Usage {
        let (a, b) = (
            rusage(bakeoff_os::UsageWho::RUSAGE_SELF),
            rusage(bakeoff_os::UsageWho::RUSAGE_CHILDREN),
        );
        Usage {
            user: a.user + b.user,
            system: a.system + b.system,
            voluntary: a.voluntary + b.voluntary,
            involuntary: a.involuntary + b.involuntary,
        }
    }

    /// This process alone (all its threads).
    pub fn this_process() -> Usage {
        rusage(bakeoff_os::UsageWho::RUSAGE_SELF)
    }

    /// `self - earlier`, field by field.
    pub fn since(self, earlier: Usage) -> Usage {
        Usage {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
        }
    }
}

/// What else the machine does while a repetition runs: the machine's CPU
/// counters read at its start, compared at its end with the case's own
/// CPU time.
pub struct Neighbours {
    before: Option<bakeoff_os::MachineCpu>,
}

impl Neighbours {
    /// Reads the machine's counters now.
    pub fn start() -> Neighbours {
        Neighbours {
            before: bakeoff_os::machine_cpu(),
        }
    }

    /// What ran beside the case over `wall_ns`, in which the case's own
    /// processes used `case_cpu_ns` of CPU; `None` when /proc/stat cannot
    /// be read.
    pub fn finish(self, wall_ns: u64, case_cpu_ns: u64) -> Option<Interference> {
        let before = self.before?;
        let after = bakeoff_os::machine_cpu()?;
        Some(interference(&before, &after, wall_ns, case_cpu_ns))
    }
}

/// The interference between two readings of the machine's counters, over
/// `wall_ns` in which the case used `case_cpu_ns` of CPU.
pub fn interference(
    before: &bakeoff_os::MachineCpu,
    after: &bakeoff_os::MachineCpu,
    wall_ns: u64,
    case_cpu_ns: u64,
) -> Interference {
    let capacity = (wall_ns.max(1) as f64) * f64::from(after.cores.max(1));
    let busy = after.busy_ns.saturating_sub(before.busy_ns);
    let steal = after.steal_ns.saturating_sub(before.steal_ns) as f64 / capacity;
    let others = busy.saturating_sub(case_cpu_ns) as f64 / capacity;
    // A tick at either end of the window, on every core.
    let resolution = 2.0 * after.tick_ns as f64 / wall_ns.max(1) as f64;
    let pressure = before
        .pressure_ns
        .zip(after.pressure_ns)
        .map(|(b, a)| a.saturating_sub(b) as f64 / wall_ns.max(1) as f64);
    Interference {
        steal,
        others,
        runnable: before.runnable.max(after.runnable),
        cpu_mhz: bakeoff_os::cpu_mhz(),
        pressure,
        resolution,
        flagged: Interference::flags(steal, others, resolution),
    }
}

/// Returns memory the allocator holds but no one uses to the kernel
/// (glibc's `malloc_trim(0)`; a no-op elsewhere).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; no pointer is
    // invalidated.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes room for `need` open files (for `in_flight` connections): raises
/// the soft `RLIMIT_NOFILE` up to the hard limit when it is lower, and
/// fails naming `ulimit -n` when even the hard limit is too low.
pub fn ensure_open_files(in_flight: u64, need: u64) -> anyhow::Result<()> {
    match bakeoff_os::raise_open_files(need) {
        Ok(()) => Ok(()),
        Err(bakeoff_os::RaiseError::HardTooLow { soft, hard }) => anyhow::bail!(
            "{in_flight} connections at once need about {need} open files, but the open-files limit is {soft} (hard {hard}); raise it (ulimit -n {need}) or lower --concurrency"
        ),
        Err(bakeoff_os::RaiseError::Refused { hard, error }) => anyhow::bail!(
            "cannot raise the open-files limit to {hard} for {in_flight} connections: {error}; raise it (ulimit -n {need})"
        ),
    }
}

/// Resets `VmHWM` to the current RSS by writing `5` to
/// `/proc/self/clear_refs` (Linux 4.0 and later), and says whether the
/// kernel did it: a write that succeeds but leaves the old mark in place
/// (some sandboxes) would make every batch report the process's lifetime
/// peak.
fn reset_high_water_mark() -> bool {
    // A mark within this much of the RSS read with it is a fresh one:
    // the RSS may move by a few pages between the reset and the read.
    const SLACK: u64 = 256 << 10;
    bakeoff_os::clear_peak_rss()
        && rss_and_high_water_mark().is_some_and(|(rss, hwm)| hwm <= rss + SLACK)
}

/// The peak resident memory of this process over a batch.
///
/// The kernel keeps the peak itself (`VmHWM`), and a reset of it before
/// the batch makes it the batch's: exact, and nothing runs beside the
/// batch. Only where the reset is refused does a thread sample RSS every
/// millisecond; then a batch that raised the lifetime mark still gets
/// the exact figure, and one that did not gets the samples' maximum.
pub struct PeakRss {
    /// `None` when the reset worked; else the lifetime mark at the start
    /// and the sampler.
    fallback: Option<(u64, RssSampler)>,
}

impl PeakRss {
    /// Starts measuring: resets the high-water mark, or starts sampling.
    pub fn start() -> PeakRss {
        if reset_high_water_mark() {
            return PeakRss { fallback: None };
        }
        let hwm = rss_and_high_water_mark().map_or(u64::MAX, |(_, hwm)| hwm);
        PeakRss {
            fallback: Some((hwm, RssSampler::start())),
        }
    }

    /// The peak RSS since [`PeakRss::start`], in bytes, and how it was
    /// measured.
    pub fn finish(self) -> (u64, PeakRssSource) {
        let now = rss_and_high_water_mark();
        match (self.fallback, now) {
            (None, Some((rss, hwm))) => (hwm.max(rss), PeakRssSource::VmHwm),
            (None, None) => (current_rss(), PeakRssSource::Sampler),
            (Some((hwm_then, sampler)), now) => {
                let sampled = sampler.finish();
                match now {
                    // The batch set a new lifetime peak: the mark is its.
                    Some((_, hwm)) if hwm > hwm_then => (hwm, PeakRssSource::VmHwm),
                    _ => (sampled, PeakRssSource::Sampler),
                }
            }
        }
    }
}

/// Samples RSS every millisecond until stopped, on a thread of its own
/// (the fallback of [`PeakRss`]).
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl RssSampler {
    fn start() -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(current_rss()));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::Builder::new()
            .name("rss-sampler".into())
            .spawn(move || {
                while !s.load(Relaxed) {
                    p.fetch_max(current_rss(), Relaxed);
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
            .ok();
        RssSampler { stop, peak, thread }
    }

    /// Stops sampling; the largest sample and the RSS now, in bytes.
    fn finish(mut self) -> u64 {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Relaxed).max(current_rss())
    }
}

/// A latency histogram: 1 ns to 1 hour at 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("valid bounds")
}

/// The percentiles reports use.
pub fn percentiles(h: &Histogram<u64>) -> Percentiles {
    if h.is_empty() {
        return Percentiles::default();
    }
    let q = |p: f64| Nanos(h.value_at_quantile(p));
    Percentiles {
        p50: q(0.50),
        p90: q(0.90),
        p99: q(0.99),
        p999: q(0.999),
        max: Nanos(h.max()),
        mean: Nanos(h.mean().round() as u64),
    }
}

/// `mib` MiB of memory, every page written, so it is resident (the
/// process-pool `parent_mb` parameter).
pub fn ballast(mib: usize) -> Vec<u8> {
    let mut v = vec![0u8; mib << 20];
    for (i, page) in v.chunks_mut(4096).enumerate() {
        page[0] = i as u8 | 1;
    }
    std::hint::black_box(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Merging per-thread histograms must equal recording into one.
        #[test]
        fn merged_histograms_give_the_same_percentiles(
            a in proptest::collection::vec(1u64..10_000_000_000, 1..200),
            b in proptest::collection::vec(1u64..10_000_000_000, 1..200),
        ) {
            let (mut ha, mut hb, mut all) = (histogram(), histogram(), histogram());
            for v in &a { ha.record(*v).unwrap(); all.record(*v).unwrap(); }
            for v in &b { hb.record(*v).unwrap(); all.record(*v).unwrap(); }
            ha.add(&hb).unwrap();
            prop_assert_eq!(percentiles(&ha), percentiles(&all));
            let p = percentiles(&all);
            prop_assert!(p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.p999 && p.p999 <= p.max);
            // 3 significant digits: the max is within 0.1 % of the true max.
            let true_max = *a.iter().chain(b.iter()).max().unwrap();
            prop_assert!((p.max.0 as f64 - true_max as f64).abs() <= true_max as f64 * 1e-3);
        }
    }

    #[test]
    fn the_peak_sees_an_allocation_freed_before_the_end() {
        let before = current_rss();
        let peak = PeakRss::start();
        let v = vec![1u8; 64 << 20];
        std::hint::black_box(&v);
        drop(v);
        let (bytes, source) = peak.finish();
        assert!(bytes >= before + (60 << 20), "peak {bytes} before {before}");
        if source == PeakRssSource::Sampler {
            println!("note: this kernel would not reset VmHWM; the 1 ms sampler measured");
        }
    }

    #[test]
    fn the_sampler_sees_an_allocation_it_had_time_to_sample() {
        let before = current_rss();
        let sampler = RssSampler::start();
        let v = vec![1u8; 64 << 20];
        std::hint::black_box(&v);
        std::thread::sleep(Duration::from_millis(50));
        drop(v);
        let peak = sampler.finish();
        assert!(peak >= before + (60 << 20), "peak {peak} before {before}");
    }
}

#[cfg(test)]
mod interference_tests {
    use super::*;
    use bakeoff_os::MachineCpu;

    fn at(busy_ms: u64, steal_ms: u64) -> MachineCpu {
        MachineCpu {
            busy_ns: busy_ms * 1_000_000,
            steal_ns: steal_ms * 1_000_000,
            runnable: 1,
            cores: 2,
            tick_ns: 10_000_000,
            pressure_ns: None,
        }
    }

    #[test]
    fn what_ran_beside_the_case_is_the_machines_busy_time_less_the_cases() {
        // 1 s on 2 cores; the case used 1 s of CPU, the machine 1.5 s.
        let i = interference(&at(0, 0), &at(1500, 0), 1_000_000_000, 1_000_000_000);
        assert!((i.others - 0.25).abs() < 1e-9, "{i:?}");
        assert!((i.resolution - 0.02).abs() < 1e-9);
        assert!(i.flagged);
        // Alone, with 1 % steal: not flagged.
        let quiet = interference(&at(0, 0), &at(1000, 20), 1_000_000_000, 1_000_000_000);
        assert_eq!(quiet.others, 0.0);
        assert!((quiet.steal - 0.01).abs() < 1e-9);
        assert!(!quiet.flagged);
        // 5 % steal is flagged.
        assert!(interference(&at(0, 0), &at(1000, 100), 1_000_000_000, 1_000_000_000).flagged);
        // Over 50 ms a tick at either end is 40 % of the window: 30 %
        // others is within the counters' resolution, not flagged.
        let short = interference(&at(0, 0), &at(80, 0), 50_000_000, 50_000_000);
        assert!(
            (short.others - 0.3).abs() < 1e-9 && !short.flagged,
            "{short:?}"
        );
    }
}

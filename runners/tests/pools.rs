//! Process pools, tested from a program of their own: `spawn-pool` and
//! `forkserver-pool` re-execute this binary, so `main` calls the worker
//! entry point first — the rule every embedding program follows. Prints
//! one line per test and a closing `N passed, M failed` line.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bakeoff_runners::process::{self, prepare_fork_helper, PoolOptions, ProcessPool, StartMethod};
use bakeoff_runners::{Family, Incidents, Job, Runner, RunnerConfig, RunnerKind};
use bakeoff_workloads::{BatchDigest, Registry};

/// The process pools of the runner table.
fn pools() -> impl Iterator<Item = RunnerKind> {
    RunnerKind::all().filter(|k| k.family() == Family::Processes)
}

type Test = fn(&Registry) -> Result<(), String>;

fn main() {
    let registry = Registry::builtin();
    if let Some(code) = process::entry(&registry) {
        std::process::exit(code);
    }
    registry.clone().install();
    // While the process is still single-threaded: fork-pool workers are
    // then forked by this helper even when other threads run later.
    prepare_fork_helper(&registry).expect("fork helper");
    let tests: &[(&str, Test)] = &[
        (
            "every_cpu_workload_under_every_pool_matches_seq",
            every_workload,
        ),
        (
            "chunksize_and_concurrency_keep_the_digest",
            chunks_and_limits,
        ),
        (
            "fork_pool_works_while_other_threads_allocate_and_print",
            busy_parent,
        ),
        ("a_panicking_task_fails_and_its_worker_lives_on", panics),
        (
            "a_worker_that_dies_fails_its_task_is_replaced_and_the_batch_finishes",
            dying_workers,
        ),
        ("pool_cycles_leave_no_child_and_no_descriptor", cycles),
        (
            "a_stopped_pool_leaves_no_worker_process_anywhere",
            a_stopped_pool_leaves_no_worker_process_anywhere,
        ),
        (
            "retry_runs_a_dead_workers_task_again",
            retry_runs_a_dead_workers_task_again,
        ),
        (
            "a_worker_killed_once_is_recorded_as_one_death_one_retry_one_replacement",
            a_worker_killed_once_is_recorded_as_one_death_one_retry_one_replacement,
        ),
        (
            "a_task_over_the_timeout_has_its_worker_killed",
            a_task_over_the_timeout_has_its_worker_killed,
        ),
        (
            "the_fork_servers_channel_has_no_name_to_connect_to",
            the_fork_servers_channel_has_no_name_to_connect_to,
        ),
        (
            "one_worker_runs_the_batch_from_its_handover",
            one_worker_runs_the_batch_from_its_handover,
        ),
        (
            "under_a_limit_a_task_is_timed_from_its_admission",
            under_a_limit_a_task_is_timed_from_its_admission,
        ),
    ];
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let outcome = std::panic::catch_unwind(|| test(&registry))
            .unwrap_or_else(|p| Err(format!("panicked: {p:?}")));
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Err(why) => {
                failed += 1;
                println!("test {name} ... FAILED: {why}");
            }
        }
    }
    println!("\n{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

fn config(
    kind: RunnerKind,
    workers: usize,
    concurrency: Option<usize>,
    chunksize: usize,
) -> RunnerConfig {
    let given = BTreeMap::from([("chunksize".to_string(), chunksize.to_string())]);
    RunnerConfig {
        workers,
        concurrency,
        params: kind.params(&given).unwrap(),
    }
}

fn batch(
    registry: &Registry,
    id: &str,
    given: &[(&str, &str)],
    tasks: usize,
) -> Arc<dyn bakeoff_workloads::Batch> {
    let entry = registry.get(id).unwrap();
    let given = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    entry
        .batch(&entry.params(&given).unwrap(), tasks, 42)
        .unwrap()
}

fn reference(b: &Arc<dyn bakeoff_workloads::Batch>) -> BatchDigest {
    let job = Job::new(Arc::clone(b));
    (0..job.len()).for_each(|i| job.execute_inline(i));
    job.digest().unwrap()
}

/// Starts `kind` with 2 workers and no limit.
fn start(kind: RunnerKind) -> Result<Box<dyn Runner>, String> {
    kind.start(&config(kind, 2, None, 1))
        .map_err(|e| e.to_string())
}

/// The job's one failure, checking that exactly that task is unfinished.
fn only_failure(job: &Job, what: &str) -> Result<(usize, String), String> {
    let (i, reason) = job
        .failure()
        .cloned()
        .ok_or(format!("{what}: no failure recorded"))?;
    if job.digest() != Err(1) {
        return Err(format!("{what}: {:?} unfinished, want 1", job.digest()));
    }
    Ok((i, reason))
}

fn run(runner: &mut Box<dyn Runner>, b: &Arc<dyn bakeoff_workloads::Batch>) -> Arc<Job> {
    let job = Job::new(Arc::clone(b));
    runner.run(&job).unwrap();
    job
}

fn tiny(id: &str) -> (Vec<(&'static str, &'static str)>, usize) {
    match id {
        "countdown" => (vec![("n", "1000")], 4),
        "primes" => (vec![("numbers", "1000003:999999:7")], 6),
        "sha256" => (vec![("size", "256")], 8),
        "mandelbrot" => (vec![("width", "40"), ("max_iter", "50")], 12),
        "fault" => (vec![("mode", "none")], 4),
        "sleep" => (vec![("duration", "2ms")], 6),
        "loop-lag" => (vec![("n", "20000"), ("patience", "20ms")], 5),
        "echo" => (
            vec![
                ("size", "200"),
                ("requests", "2"),
                ("target", common::echo_addr()),
            ],
            8,
        ),
        "http-words" => (
            vec![
                ("pages", "2"),
                ("bytes", "512"),
                ("top", "5"),
                ("target", common::http_addr()),
            ],
            6,
        ),
        "file-io" => (vec![("size", "1500"), ("fsync", "true")], 6),
        _ => (vec![], 50),
    }
}

/// file-io's directories (`bakeoff-file-io-{pid}-…`) in the temporary
/// directory whose process is gone: each is one a workload left behind.
fn orphan_file_io_dirs() -> Vec<String> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| {
            let Some(rest) = name.strip_prefix("bakeoff-file-io-") else {
                return false;
            };
            let pid = rest.split('-').next().unwrap_or("");
            pid == std::process::id().to_string()
                || !std::path::Path::new(&format!("/proc/{pid}")).exists()
        })
        .collect()
}

fn every_workload(registry: &Registry) -> Result<(), String> {
    let before = orphan_file_io_dirs();
    for kind in pools() {
        // One pool runs every workload in turn: workers are set up again
        // for each new workload.
        let mut runner = start(kind)?;
        for entry in registry.iter() {
            // A workload that runs one task at a time (`shared-counter`)
            // is refused by every pool: tests/digests.rs checks that only
            // seq and py-seq may run it.
            if kind.refuses(entry).is_some() {
                continue;
            }
            let (params, tasks) = tiny(entry.info.id);
            let b = batch(registry, entry.info.id, &params, tasks);
            let job = run(&mut runner, &b);
            if job.digest() != Ok(reference(&b)) {
                return Err(format!(
                    "{} under {}: {:?}",
                    entry.info.id,
                    kind.id(),
                    job.failure()
                ));
            }
        }
        runner.stop().map_err(|e| e.to_string())?;
        // Workers rebuilt file-io, each with a directory of its own; the
        // batches here are dropped: every directory must be gone.
        let left: Vec<String> = orphan_file_io_dirs()
            .into_iter()
            .filter(|d| !before.contains(d))
            .collect();
        if !left.is_empty() {
            return Err(format!("{} left file-io directories: {left:?}", kind.id()));
        }
    }
    Ok(())
}

fn chunks_and_limits(registry: &Registry) -> Result<(), String> {
    let b = batch(
        registry,
        "primes",
        &[("numbers", "1000003:999999:7:11")],
        37,
    );
    let want = reference(&b);
    for kind in pools() {
        for (chunksize, concurrency) in [(1, Some(1)), (4, None), (5, Some(3)), (100, None)] {
            let mut runner = kind
                .start(&config(kind, 2, concurrency, chunksize))
                .map_err(|e| e.to_string())?;
            for _ in 0..3 {
                let job = run(&mut runner, &b);
                if job.digest() != Ok(want) {
                    return Err(format!(
                        "{} chunksize {chunksize} concurrency {concurrency:?}",
                        kind.id()
                    ));
                }
            }
            runner.stop().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn busy_parent(registry: &Registry) -> Result<(), String> {
    // Threads that allocate and print all the time: a fork from this
    // process could copy a held allocator or stdout lock into the child.
    let stop = Arc::new(AtomicBool::new(false));
    let busy: Vec<_> = (0..3)
        .map(|t| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let v: Vec<u64> = (0..256).map(|i| i * n).collect();
                    n += v[255] % 7 + 1;
                    let _ = writeln!(std::io::sink(), "{t} {n}");
                    eprint!("");
                }
            })
        })
        .collect();
    let b = batch(registry, "sha256", &[("size", "1024")], 64);
    let want = reference(&b);
    let result = (|| {
        for _ in 0..5 {
            let kind = RunnerKind::from_id("fork-pool").unwrap();
            let mut runner = start(kind)?;
            let job = run(&mut runner, &b);
            runner.stop().map_err(|e| e.to_string())?;
            if job.digest() != Ok(want) {
                return Err(format!(
                    "fork-pool beside busy threads: {:?}",
                    job.failure()
                ));
            }
        }
        Ok(())
    })();
    stop.store(true, Ordering::Relaxed);
    busy.into_iter().for_each(|h| h.join().unwrap());
    result
}

fn panics(registry: &Registry) -> Result<(), String> {
    let b = batch(registry, "fault", &[("mode", "panic"), ("at", "2")], 6);
    for kind in pools() {
        let mut runner = start(kind)?;
        let job = run(&mut runner, &b);
        let (i, reason) = only_failure(&job, kind.id())?;
        if i != 2 || !reason.contains("panicked: ") {
            return Err(format!("{}: task {i}: {reason}", kind.id()));
        }
        // The same workers run the next batch.
        let ok = batch(registry, "noop", &[], 20);
        let job = run(&mut runner, &ok);
        if job.digest() != Ok(reference(&ok)) {
            return Err(format!("{}: pool unusable after a panic", kind.id()));
        }
        runner.stop().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn dying_workers(registry: &Registry) -> Result<(), String> {
    for (mode, want) in [
        ("segfault", "SIGSEGV"),
        ("abort", "SIGABRT"),
        ("exit", "status 3"),
    ] {
        let b = batch(registry, "fault", &[("mode", mode), ("at", "1")], 8);
        for kind in pools() {
            let mut runner = start(kind)?;
            let job = run(&mut runner, &b);
            let (i, reason) = only_failure(&job, &format!("{mode} under {}", kind.id()))?;
            // spawn-pool reads its child's status; the other two ask the
            // fork server that reaped theirs.
            if i != 1 || !reason.contains("while running it") || !reason.contains(want) {
                return Err(format!("{mode} under {}: task {i}: {reason}", kind.id()));
            }
            runner.stop().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn children() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
        .map(|c| c.split_whitespace().count())
        .sum()
}

fn descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn cycles(registry: &Registry) -> Result<(), String> {
    let b = batch(registry, "noop", &[], 4);
    let (kids, fds) = (children(), descriptors());
    for kind in pools() {
        for _ in 0..100 / pools().count() + 1 {
            let mut runner = start(kind)?;
            run(&mut runner, &b);
            runner.stop().map_err(|e| e.to_string())?;
        }
        if children() != kids || descriptors() != fds {
            return Err(format!(
                "after {} cycles: {} children (was {kids}), {} descriptors (was {fds})",
                kind.id(),
                children(),
                descriptors()
            ));
        }
    }
    Ok(())
}

/// Regression: the fork server used to exit on hang-up without waiting for
/// its workers, so the last one was left to init (a zombie where init does
/// not reap). Workers of every start method must be gone — not merely
/// reparented — once `stop` returns.
fn a_stopped_pool_leaves_no_worker_process_anywhere(registry: &Registry) -> Result<(), String> {
    let b = batch(registry, "noop", &[], 4);
    for method in [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::Forkserver,
    ] {
        let mut p = pool(method, DEFAULTS)?;
        let pids = p.worker_pids();
        let job = Job::new(Arc::clone(&b));
        p.run(&job).map_err(|e| e.to_string())?;
        Box::new(p).stop().map_err(|e| e.to_string())?;
        for pid in pids {
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                return Err(format!("{method:?}: worker {pid} still exists: {stat}"));
            }
        }
    }
    Ok(())
}

fn pool(method: StartMethod, options: PoolOptions) -> Result<ProcessPool, String> {
    ProcessPool::start(method, 2, options).map_err(|e| e.to_string())
}

const DEFAULTS: PoolOptions = PoolOptions {
    chunksize: 1,
    concurrency: None,
    retry: 0,
    task_timeout: None,
};

fn retry_runs_a_dead_workers_task_again(registry: &Registry) -> Result<(), String> {
    let b = batch(registry, "fault", &[("mode", "abort"), ("at", "1")], 6);
    for method in [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::Forkserver,
    ] {
        let mut p = pool(
            method,
            PoolOptions {
                retry: 1,
                ..DEFAULTS
            },
        )?;
        let job = Job::new(Arc::clone(&b));
        p.run(&job).map_err(|e| e.to_string())?;
        // The fault is deterministic, so the retry dies too: two workers
        // replaced, and the task fails only after its second try.
        let (i, _) = only_failure(&job, &format!("{method:?}"))?;
        if i != 1 || p.replacements() != 2 {
            return Err(format!(
                "{method:?}: task {i}, {} replacements, want 1 and 2",
                p.replacements()
            ));
        }
        // Both deaths are the batch's incidents; the task was retried once.
        let incidents = p.incidents().unwrap_or_default();
        if (
            incidents.worker_deaths,
            incidents.tasks_retried,
            incidents.workers_replaced,
        ) != (2, 1, 2)
            || incidents.death_causes != ["SIGABRT", "SIGABRT"]
        {
            return Err(format!("{method:?}: {incidents:?}"));
        }
        Box::new(p).stop().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The issue: a worker that died and whose task was retried left no trace,
/// so the batch looked clean. A worker SIGKILLed on its first attempt at
/// task 1 (`once`), with `retry=1`: the batch finishes with the right
/// digest, and the pool reports that batch's death, retry and replacement
/// — and nothing for the next batch.
fn a_worker_killed_once_is_recorded_as_one_death_one_retry_one_replacement(
    registry: &Registry,
) -> Result<(), String> {
    let want = reference(&batch(registry, "fault", &[("mode", "none")], 6));
    for method in [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::Forkserver,
    ] {
        let marks = std::env::temp_dir().join(format!(
            "bakeoff-pools-once-{}-{method:?}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&marks);
        let once = marks.to_str().unwrap();
        let b = batch(
            registry,
            "fault",
            &[("mode", "kill"), ("at", "1"), ("once", once)],
            6,
        );
        let mut p = pool(
            method,
            PoolOptions {
                retry: 1,
                ..DEFAULTS
            },
        )?;
        let job = Job::new(Arc::clone(&b));
        p.run(&job).map_err(|e| e.to_string())?;
        let first = p.incidents();
        let again = Job::new(Arc::clone(&b));
        p.run(&again).map_err(|e| e.to_string())?;
        let second = p.incidents();
        Box::new(p).stop().map_err(|e| e.to_string())?;
        let _ = std::fs::remove_dir_all(&marks);
        if job.digest() != Ok(want) || again.digest() != Ok(want) {
            return Err(format!("{method:?}: {:?}", job.failure()));
        }
        let killed = Incidents {
            worker_deaths: 1,
            death_causes: vec!["SIGKILL".into()],
            tasks_retried: 1,
            workers_replaced: 1,
        };
        if first != Some(killed) || second != Some(Incidents::default()) {
            return Err(format!("{method:?}: incidents {first:?}, then {second:?}"));
        }
    }
    Ok(())
}

fn a_task_over_the_timeout_has_its_worker_killed(registry: &Registry) -> Result<(), String> {
    let b = batch(registry, "fault", &[("mode", "hang"), ("at", "2")], 6);
    for method in [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::Forkserver,
    ] {
        let options = PoolOptions {
            task_timeout: Some(std::time::Duration::from_millis(300)),
            ..DEFAULTS
        };
        let mut p = pool(method, options)?;
        let t = std::time::Instant::now();
        let job = Job::new(Arc::clone(&b));
        p.run(&job).map_err(|e| e.to_string())?;
        let (i, reason) = only_failure(&job, &format!("{method:?}"))?;
        if i != 2 || !reason.contains("task timeout") || t.elapsed().as_secs() > 10 {
            return Err(format!(
                "{method:?}: task {i}: {reason} after {:?}",
                t.elapsed()
            ));
        }
        Box::new(p).stop().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Inodes of the Unix sockets process `pid` holds open.
fn socket_inodes(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().to_string();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect()
}

fn the_fork_servers_channel_has_no_name_to_connect_to(_: &Registry) -> Result<(), String> {
    // A socket another process could reach has a name: a path or an
    // abstract `@name` in /proc/net/unix. The server's must have none.
    let table = std::fs::read_to_string("/proc/net/unix").unwrap();
    for method in [StartMethod::Fork, StartMethod::Forkserver] {
        let p = pool(method, DEFAULTS)?;
        let server = p.server_pid().ok_or("no server pid")?;
        let inodes = socket_inodes(server);
        if inodes.is_empty() {
            return Err(format!("{method:?}: server {server} holds no socket"));
        }
        let table = std::fs::read_to_string("/proc/net/unix").unwrap_or(table.clone());
        for line in table.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() > 7 && inodes.contains(&cols[6].to_string()) {
                return Err(format!(
                    "{method:?}: server socket {} is named {}",
                    cols[6], cols[7]
                ));
            }
        }
        Box::new(p).stop().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Two batches of `b` through `kind` started with `config`; each job.
fn two_batches(
    kind: RunnerKind,
    config: &RunnerConfig,
    b: &Arc<dyn bakeoff_workloads::Batch>,
) -> Result<Vec<Arc<Job>>, String> {
    let mut runner = kind.start(config).map_err(|e| e.to_string())?;
    let jobs = (0..2).map(|_| run(&mut runner, b)).collect();
    runner.stop().map_err(|e| e.to_string())?;
    Ok(jobs)
}

/// One worker, no limit: every task is submitted at the batch's handover
/// (time queued in this process counts, not only from when the worker
/// takes it), so the last one's latency covers every task's work.
fn one_worker_runs_the_batch_from_its_handover(registry: &Registry) -> Result<(), String> {
    let b = batch(registry, "countdown", &[("n", "100000")], 8);
    for kind in pools() {
        for chunksize in [1, 3] {
            let jobs = two_batches(kind, &config(kind, 1, None, chunksize), &b)?;
            for (n, job) in jobs.iter().enumerate() {
                let what = format!("{} chunksize {chunksize} batch {n}", kind.id());
                common::latency::one_worker_from_the_handover(job, &what)?;
            }
        }
    }
    Ok(())
}

/// Under `concurrency`, a task is submitted when the limit admits it
/// (fewer tasks than the limit admitted and not done), on IO (`sleep`)
/// and CPU tasks, with more workers than the limit and fewer.
fn under_a_limit_a_task_is_timed_from_its_admission(registry: &Registry) -> Result<(), String> {
    let sleep = batch(registry, "sleep", &[("duration", "2ms")], 6);
    let cpu = batch(registry, "countdown", &[("n", "20000")], 7);
    for kind in pools() {
        for (workers, limit, chunksize) in [(2, 1, 1), (1, 2, 1), (2, 3, 2)] {
            for (name, b) in [("sleep", &sleep), ("countdown", &cpu)] {
                let config = config(kind, workers, Some(limit), chunksize);
                for (n, job) in two_batches(kind, &config, b)?.iter().enumerate() {
                    let what = format!(
                        "{} {name} workers {workers} concurrency {limit} chunksize {chunksize} batch {n}",
                        kind.id()
                    );
                    common::latency::admitted_under(job, limit, &what)?;
                }
            }
        }
    }
    Ok(())
}

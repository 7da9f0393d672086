//! Process pools, tested from a program of their own: `spawn-pool` and
//! `forkserver-pool` re-execute this binary, so `main` calls the worker
//! entry point first — the rule every embedding program follows. Prints
//! one line per test and a closing `N passed, M failed` line.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bakeoff_runners::process::{self, prepare_fork_helper};
use bakeoff_runners::{Job, Runner, RunnerConfig, RunnerKind};
use bakeoff_workloads::{BatchDigest, Registry};

const POOLS: [RunnerKind; 3] = [
    RunnerKind::ForkPool,
    RunnerKind::SpawnPool,
    RunnerKind::ForkserverPool,
];

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
        _ => (vec![], 50),
    }
}

fn every_workload(registry: &Registry) -> Result<(), String> {
    for kind in POOLS {
        // One pool runs every workload in turn: workers are set up again
        // for each new workload.
        let mut runner = start(kind)?;
        for entry in registry.iter() {
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
    for kind in POOLS {
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
            let kind = RunnerKind::ForkPool;
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
    for kind in POOLS {
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
        for kind in POOLS {
            let mut runner = start(kind)?;
            let job = run(&mut runner, &b);
            let (i, reason) = only_failure(&job, &format!("{mode} under {}", kind.id()))?;
            // Only spawn-pool workers are our own children, whose exit
            // status we can read; the others were forked by a helper.
            let named = kind != RunnerKind::SpawnPool || reason.contains(want);
            if i != 1 || !reason.contains("while running it") || !named {
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
    for kind in POOLS {
        for _ in 0..100 / POOLS.len() + 1 {
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

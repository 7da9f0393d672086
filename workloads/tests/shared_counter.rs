//! `shared-counter`'s processes, in a test program of their own: it
//! counts this process's children and descriptors, which another test
//! running beside it in the same program would change.

use std::collections::BTreeMap;

use bakeoff_workloads::cpu::{SharedCounter, Via};
use bakeoff_workloads::{CpuWorkload, Params};

/// Children of this process, over all its threads.
fn children() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
        .map(|s| s.split_whitespace().count())
        .sum()
}

fn descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn workload(via: Via, lose: &str) -> SharedCounter {
    let given = BTreeMap::from([
        ("via".to_string(), via.to_string()),
        ("lose".to_string(), lose.to_string()),
    ]);
    let params = Params::resolve("shared-counter", SharedCounter::INFO.params, &given).unwrap();
    SharedCounter::from_params(&params).unwrap()
}

/// One test, so that nothing else in this program forks or opens files
/// meanwhile: every way counts every increment, a lost one fails the
/// task naming it, and no child process or descriptor outlives a task.
#[test]
fn every_way_counts_every_increment_and_leaves_nothing_behind() {
    let (kids, fds) = (children(), descriptors());
    std::panic::set_hook(Box::new(|_| {}));
    for via in Via::ALL {
        for n in [0, 1, 2, 1001] {
            assert_eq!(via.count(n, 0).unwrap(), n, "{via} {n}");
            assert_eq!(workload(via, "0").execute(&n), n, "{via} {n}");
        }
        assert_eq!(via.count(1000, 3).unwrap(), 997, "{via}: 3 lost");
        let lossy = workload(via, "1");
        let err = std::panic::catch_unwind(|| lossy.execute(&500)).unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert_eq!(
            msg,
            &format!("shared-counter via={via}: counted 499 of 500 increments (1 lost)")
        );
        assert_eq!(children(), kids, "{via}: a child outlived its task");
        assert_eq!(descriptors(), fds, "{via}: a descriptor leaked");
    }
    let _ = std::panic::take_hook();
}

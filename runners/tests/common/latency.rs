//! The rule every runner's latency follows, as invariants of one batch's
//! records: a task's latency starts when the batch is handed to the model,
//! or, under a concurrency limit, when the limit admits it. No timing
//! thresholds: each check holds on a machine of any speed and load.

use bakeoff_runners::{Job, TaskRecord};

/// Every task's record, in index order; an error naming the first
/// unfinished task or the failure.
fn all(job: &Job, what: &str) -> Result<Vec<TaskRecord>, String> {
    if let Some((i, reason)) = job.failure() {
        return Err(format!("{what}: task {i} {reason}"));
    }
    (0..job.len())
        .map(|i| job.record(i).ok_or(format!("{what}: task {i} unfinished")))
        .collect()
}

/// A batch run by one worker, one task after another, with no limit:
/// every task was handed over at one moment (the same submit time), no
/// task waited less than its own work, and the task that finished last
/// waited for the whole batch's work (the largest latency at least 0.99 ×
/// the sum of the service times; it is at least the whole sum when the
/// tasks ran one after another after the handover).
pub fn one_worker_from_the_handover(job: &Job, what: &str) -> Result<(), String> {
    let records = all(job, what)?;
    if records.len() < 2 {
        return Err(format!("{what}: {} tasks, want 2 or more", records.len()));
    }
    let submit = records[0].submit_ns;
    for (i, r) in records.iter().enumerate() {
        if r.submit_ns != submit {
            return Err(format!(
                "{what}: task {i} submitted at {} ns, task 0 at {submit} ns: one handover for all",
                r.submit_ns
            ));
        }
        if r.latency_ns() < r.service_ns() {
            return Err(format!("{what}: task {i}: latency below service: {r:?}"));
        }
    }
    let services: u64 = records.iter().map(|r| r.service_ns()).sum();
    let largest = records.iter().map(|r| r.latency_ns()).max().unwrap_or(0);
    if (largest as f64) < 0.99 * services as f64 {
        return Err(format!(
            "{what}: largest latency {largest} ns < 0.99 × the batch's {services} ns of work: \
             the wait before a task's start is not counted"
        ));
    }
    Ok(())
}

/// A batch run with at most `limit` tasks in flight: no task waited less
/// than its own work, and when each task was admitted (submitted), fewer
/// than `limit` of the tasks admitted before it had not ended — its
/// latency starts at its admission, not at the batch's handover. With a
/// limit of 1: each task was submitted no earlier than the one before it
/// ended.
pub fn admitted_under(job: &Job, limit: usize, what: &str) -> Result<(), String> {
    let mut records: Vec<(usize, TaskRecord)> = all(job, what)?.into_iter().enumerate().collect();
    if records.len() <= limit {
        return Err(format!(
            "{what}: {} tasks, want more than the limit, {limit}",
            records.len()
        ));
    }
    for (i, r) in &records {
        if r.latency_ns() < r.service_ns() {
            return Err(format!("{what}: task {i}: latency below service: {r:?}"));
        }
    }
    records.sort_by_key(|(i, r)| (r.submit_ns, *i));
    for (k, (b, rb)) in records.iter().enumerate() {
        let open: Vec<usize> = records[..k]
            .iter()
            .filter(|(_, ra)| ra.end_ns > rb.submit_ns)
            .map(|(a, _)| *a)
            .collect();
        if open.len() >= limit {
            return Err(format!(
                "{what}: task {b} submitted at {} ns while tasks {open:?}, admitted before it, \
                 were still running, with at most {limit} in flight: submit is not the admission",
                rb.submit_ns
            ));
        }
    }
    Ok(())
}

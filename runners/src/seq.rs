//! `seq`: the sequential baseline every other runner is compared with.

use std::sync::Arc;

use crate::{Family, Job, Runner, RunnerConfig, RunnerDef, RunnerError, RunnerInfo};

/// `seq` in the runner table.
pub struct Seq;

impl RunnerDef for Seq {
    fn info(&self) -> RunnerInfo {
        RunnerInfo {
            id: "seq",
            family: Family::Baseline,
            description: "one thread, one task at a time: the reference",
            workers: "one thread; workers and concurrency are not used",
            params: &[],
            note: None,
        }
    }

    fn uses_workers(&self, _: &bakeoff_workloads::Params) -> bool {
        false
    }

    fn uses_concurrency(&self) -> bool {
        false
    }

    fn one_task_at_a_time(&self) -> bool {
        true
    }

    fn start(&self, _: &RunnerConfig) -> Result<Box<dyn Runner>, RunnerError> {
        Ok(Box::new(SeqRunner))
    }
}

/// Runs tasks one after another on the calling thread.
pub struct SeqRunner;

impl Runner for SeqRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        // Every task is handed over now: the last one waits for all the
        // others, as the batch's caller does.
        job.hand_over();
        for i in 0..job.len() {
            job.execute_inline(i);
        }
        Ok(())
    }
}

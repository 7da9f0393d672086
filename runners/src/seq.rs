//! `seq`: the sequential baseline every other runner is compared with.

use std::sync::Arc;

use crate::{Job, Runner, RunnerError};

/// Runs tasks one after another on the calling thread.
pub struct SeqRunner;

impl Runner for SeqRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        for i in 0..job.len() {
            job.execute_inline(i);
        }
        Ok(())
    }
}

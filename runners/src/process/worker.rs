//! The worker side of a process pool: one loop over frames from the pool.

use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use bakeoff_workloads::{Registry, TaskExec};

use super::proto::{
    read_frame, write_frame, FromWorker, TaskDone, TaskFailed, ToWorker, WorkerUsage,
};

/// Serves the pool on `stream` until it says `Exit` or hangs up; returns
/// the process exit code.
pub fn serve(mut stream: UnixStream, registry: &Registry) -> i32 {
    let (mut rbuf, mut wbuf) = (Vec::new(), Vec::new());
    let ready = FromWorker::Ready {
        pid: std::process::id(),
    };
    if write_frame(&mut stream, &ready, &mut wbuf).is_err() {
        return 1;
    }
    // Reads go through a buffer (a frame's length and body in one read);
    // writes go straight to the socket, one write per frame.
    let Ok(clone) = stream.try_clone() else {
        return 1;
    };
    let mut reader = std::io::BufReader::new(clone);
    let mut exec: Result<Box<dyn TaskExec>, String> = Err("no workload was set up".into());
    loop {
        let msg = match read_frame::<ToWorker>(&mut reader, &mut rbuf) {
            Ok(Some(m)) => m,
            // The pool went away: nothing left to do.
            Ok(None) | Err(_) => return 0,
        };
        match msg {
            ToWorker::Setup(spec) => exec = registry.executor(&spec),
            ToWorker::Tasks(tasks) => {
                let (mut done, mut failed) = (Vec::with_capacity(tasks.len()), Vec::new());
                for t in tasks {
                    let start = Instant::now();
                    let outcome = match &exec {
                        Ok(e) => {
                            std::panic::catch_unwind(AssertUnwindSafe(|| e.run_encoded(&t.input)))
                                .unwrap_or_else(|p| Err(format!("panicked: {}", panic_text(&*p))))
                        }
                        Err(why) => Err(why.clone()),
                    };
                    match outcome {
                        Ok(digest) => done.push(TaskDone {
                            index: t.index,
                            digest,
                            service_ns: start.elapsed().as_nanos() as u64,
                        }),
                        Err(reason) => failed.push(TaskFailed {
                            index: t.index,
                            reason,
                        }),
                    }
                }
                let results = FromWorker::Results { done, failed };
                if write_frame(&mut stream, &results, &mut wbuf).is_err() {
                    return 1;
                }
            }
            ToWorker::Exit => {
                let _ = write_frame(
                    &mut stream,
                    &FromWorker::Bye(WorkerUsage::of_self()),
                    &mut wbuf,
                );
                return 0;
            }
        }
    }
}

/// A panic payload as text.
pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}

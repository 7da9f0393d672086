//! One interpreter running one model: [`PythonRunner`], the Rust side of
//! the exchange `bakeoff_runner.py` describes (JSON lines over the
//! interpreter's stdin and stdout).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{CpuTime, Job, MeasuredInside, Runner, RunnerError, StartupParts, WorkersMemory};

/// The version of the exchange this side speaks (`PROTOCOL` in
/// `bakeoff_runner.py`).
const PROTOCOL: u32 = 1;

/// An interpreter serving one runner, and the model it started.
pub(crate) struct PythonRunner {
    runner: &'static str,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    startup: StartupParts,
    /// The batch whose tasks the interpreter holds (held, so that its
    /// address cannot be reused by another batch).
    loaded: Option<Arc<dyn bakeoff_workloads::Batch>>,
    measured: Option<MeasuredInside>,
}

#[derive(Deserialize)]
struct Hello {
    hello: u32,
}

#[derive(Deserialize)]
struct Started {
    started: u64,
}

#[derive(Deserialize)]
struct Loaded {
    loaded: usize,
}

/// Every task's record, one array per field: CLOCK_MONOTONIC
/// nanoseconds, and `end` 0 for a task that did not finish.
#[derive(Deserialize)]
struct Records {
    submit: Vec<u64>,
    start: Vec<u64>,
    end: Vec<u64>,
    digest: Vec<u64>,
}

impl Records {
    /// Writes every finished task's record into `job`, on its clock.
    fn record(&self, job: &Job) {
        // Both clocks are CLOCK_MONOTONIC: the job's zero on it.
        let zero = monotonic_ns().saturating_sub(job.now());
        let at = |t: u64| t.saturating_sub(zero);
        for i in 0..job.len().min(self.end.len()) {
            if self.end[i] != 0 {
                let (submit, start, end) = (self.submit[i], self.start[i], self.end[i]);
                job.complete_at(i, at(submit), at(start), at(end), self.digest[i]);
            }
        }
    }
}

#[derive(Deserialize)]
struct Ran {
    wall_ns: u64,
    #[serde(flatten)]
    records: Records,
    peak_rss: u64,
    peak_exact: bool,
    idle_rss: u64,
    samples: Option<Vec<u64>>,
}

/// A batch with a failed task: the failure, and every task's record
/// (when the batch got as far as running).
#[derive(Deserialize)]
struct Failed {
    failed: TaskFailed,
    #[serde(flatten)]
    records: Option<Records>,
}

#[derive(Deserialize)]
struct TaskFailed {
    index: usize,
    reason: String,
}

/// CLOCK_MONOTONIC now, in nanoseconds: `time.monotonic_ns()`'s clock,
/// and the one `Instant` reads on Linux.
fn monotonic_ns() -> u64 {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .expect("CLOCK_MONOTONIC is always there on Linux");
    t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64
}

impl PythonRunner {
    /// Starts `python` on the module in `dir`, waits for its hello, then
    /// asks it to build the model `start` describes.
    pub(crate) fn start(
        runner: &'static str,
        python: &std::path::Path,
        dir: &std::path::Path,
        start: Value,
    ) -> Result<PythonRunner, RunnerError> {
        let t = Instant::now();
        let mut command = Command::new(python);
        // -E -s: no PYTHON* variables, no user site-packages: the
        // interpreter as installed. (Not -I, which would drop the
        // module's folder from sys.path, and spawn's workers need it.)
        command
            .args(["-E", "-s"])
            .arg(dir.join("bakeoff_runner.py"))
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: only async-signal-safe calls (prctl, getppid) between
        // fork and exec. The interpreter dies with this process however it
        // dies, even if it died before the prctl (the parent check); its
        // pool workers do the same with it (bakeoff_runner.die_with_parent).
        let parent = nix::unistd::getpid();
        unsafe {
            command.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(Some(nix::sys::signal::Signal::SIGKILL))
                    .map_err(std::io::Error::from)?;
                if nix::unistd::getppid() != parent {
                    return Err(std::io::Error::other("the case process is gone"));
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| RunnerError::Pool {
            runner,
            reason: format!(
                "cannot start the Python interpreter `{}`: {e}",
                python.display()
            ),
        })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut me = PythonRunner {
            runner,
            child,
            stdin,
            stdout,
            startup: StartupParts {
                interpreter: Duration::ZERO,
                model: Duration::ZERO,
            },
            loaded: None,
            measured: None,
        };
        let hello: Hello = me.read()?;
        if hello.hello != PROTOCOL {
            return Err(me.error(format!(
                "the Python module speaks protocol {}, this bakeoff {PROTOCOL}; its cache folder {} is stale: remove it",
                hello.hello,
                dir.display()
            )));
        }
        me.startup.interpreter = t.elapsed();
        let started: Started = me.request(&start)?;
        me.startup.model = Duration::from_nanos(started.started);
        Ok(me)
    }

    fn error(&self, reason: String) -> RunnerError {
        RunnerError::Pool {
            runner: self.runner,
            reason,
        }
    }

    /// Sends one request and reads its answer.
    fn request<T: DeserializeOwned>(&mut self, msg: &Value) -> Result<T, RunnerError> {
        self.send(msg)?;
        self.read()
    }

    /// Sends one request.
    fn send(&mut self, msg: &Value) -> Result<(), RunnerError> {
        self.send_line(serde_json::to_string(msg).expect("requests serialise"))
    }

    /// Sends one request written already (one JSON object, no newline).
    fn send_line(&mut self, mut line: String) -> Result<(), RunnerError> {
        line.push('\n');
        let sent = self.stdin.write_all(line.as_bytes());
        match sent.and_then(|_| self.stdin.flush()) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.gone(&format!("cannot write to it ({e})"))),
        }
    }

    /// Reads one answer: `T`, or the interpreter's own error, or how it
    /// ended if it did; a task's failure is [`RunnerError::Task`].
    fn read<T: DeserializeOwned>(&mut self) -> Result<T, RunnerError> {
        let (value, line) = self.read_value()?;
        if let Some(f) = value.get("failed") {
            let f: TaskFailed = serde_json::from_value(f.clone())
                .map_err(|e| self.error(format!("a task failure it could not describe: {e}")))?;
            return Err(RunnerError::Task {
                runner: self.runner,
                index: f.index,
                reason: f.reason,
            });
        }
        serde_json::from_value(value).map_err(|e| {
            self.error(format!(
                "the Python module answered out of turn ({e}): {}",
                line.trim()
            ))
        })
    }

    /// Reads one answer as JSON, and the line it came in; the
    /// interpreter's own error, or how it ended if it did.
    fn read_value(&mut self) -> Result<(Value, String), RunnerError> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => return Err(self.gone("it closed its output")),
            Err(e) => return Err(self.gone(&format!("cannot read from it ({e})"))),
            Ok(_) => {}
        }
        let value: Value = serde_json::from_str(&line).map_err(|e| {
            self.error(format!(
                "the Python module answered something else than JSON ({e}): {}",
                line.trim()
            ))
        })?;
        if let Some(reason) = value.get("error").and_then(Value::as_str) {
            return Err(self.error(format!("in Python: {reason}")));
        }
        Ok((value, line))
    }

    /// The interpreter stopped answering: how it ended (it is reaped).
    fn gone(&mut self, what: &str) -> RunnerError {
        let pid = self.child.id();
        let ended = (0..100)
            .find_map(|_| match self.child.try_wait() {
                Ok(Some(status)) => Some(status),
                _ => {
                    std::thread::sleep(Duration::from_millis(10));
                    None
                }
            })
            .map(|status| {
                use std::os::unix::process::ExitStatusExt;
                bakeoff_os::describe_wait_status(status.into_raw()).0
            })
            .unwrap_or_else(|| "is still running".into());
        self.error(format!(
            "the Python interpreter (pid {pid}) {ended} ({what})"
        ))
    }

    /// The interpreter and every process below it (pool workers, a fork
    /// server, multiprocessing's resource tracker).
    fn tree(&self) -> Vec<u32> {
        let pid = self.child.id();
        let mut all = vec![pid];
        all.extend(bakeoff_os::descendants(pid));
        all
    }
}

impl Runner for PythonRunner {
    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        // The interpreter stamps its own tasks' submit times (its batch's
        // start, or a task's admission under its Semaphore), which
        // `complete_at` keeps; this is for any task it does not.
        job.hand_over();
        let batch = job.batch();
        if !self.loaded.as_ref().is_some_and(|b| Arc::ptr_eq(b, batch)) {
            let spec = batch.spec();
            // The tasks go as the workload wrote them, spliced in whole
            // rather than parsed and written again (sha256's are megabytes).
            let mut line = serde_json::to_string(&json!({
                "op": "load",
                "workload": spec.workload,
                "params": spec.params,
            }))
            .expect("requests serialise");
            line.pop(); // its closing brace
            line.push_str(",\"tasks\":");
            line.push_str(&batch.tasks_json());
            line.push('}');
            self.send_line(line)?;
            let loaded: Loaded = self.read()?;
            if loaded.loaded != job.len() {
                return Err(self.error(format!(
                    "the Python module decoded {} tasks of {}",
                    loaded.loaded,
                    job.len()
                )));
            }
            self.loaded = Some(Arc::clone(batch));
        }
        self.measured = None;
        self.send(&json!({"op": "run"}))?;
        let (value, line) = self.read_value()?;
        // A task that failed is the job's failure, as under every runner,
        // beside the tasks that finished (the model is still usable).
        if let Some(f) = value.get("failed") {
            let failed: Failed = serde_json::from_value(value.clone()).map_err(|e| {
                self.error(format!("a task failure it could not describe ({e}): {f}"))
            })?;
            if let Some(records) = &failed.records {
                records.record(job);
            }
            job.fail(failed.failed.index, failed.failed.reason);
            return Ok(());
        }
        let ran: Ran = serde_json::from_value(value).map_err(|e| {
            self.error(format!(
                "the Python module answered out of turn ({e}): {}",
                line.trim()
            ))
        })?;
        ran.records.record(job);
        self.measured = Some(MeasuredInside {
            wall: Duration::from_nanos(ran.wall_ns),
            peak_rss: ran.peak_rss,
            peak_exact: ran.peak_exact,
            idle_rss: ran.idle_rss,
            samples: ran.samples,
        });
        Ok(())
    }

    fn stop(mut self: Box<Self>) -> Result<(), RunnerError> {
        let _: Value = self.request(&json!({"op": "stop"}))?;
        let status = self
            .child
            .wait()
            .map_err(|e| self.error(format!("cannot wait for the interpreter: {e}")))?;
        if !status.success() {
            return Err(self.error(format!("the interpreter ended badly on stop: {status}")));
        }
        Ok(())
    }

    /// The interpreter and all its workers, from /proc, with the children
    /// each has reaped (a task's own processes, as `shared-counter`
    /// starts, or a pool's replaced workers: gone by the time of the
    /// reading, their time is in their parent's counters).
    fn workers_cpu(&self) -> Option<CpuTime> {
        let mut sum = CpuTime::default();
        for pid in self.tree() {
            if let Some((user, system)) = bakeoff_os::process_cpu(pid) {
                sum.user_ns += user;
                sum.system_ns += system;
            }
            if let Some((user, system)) = bakeoff_os::reaped_children_cpu(pid) {
                sum.user_ns += user;
                sum.system_ns += system;
            }
            if let Some((v, i)) = bakeoff_os::process_switches(pid) {
                sum.voluntary += v;
                sum.involuntary += i;
            }
        }
        Some(sum)
    }

    /// The processes below the interpreter (its pool's workers); the
    /// interpreter's own memory is the batch's `peak_rss`.
    fn workers_memory(&self) -> Option<WorkersMemory> {
        let below = bakeoff_os::descendants(self.child.id());
        if below.is_empty() {
            return None;
        }
        let mut m = WorkersMemory::default();
        for pid in below {
            if let Some((rss, pss)) = bakeoff_os::process_memory(pid) {
                m.rss += rss;
                m.pss += pss;
            }
        }
        Some(m)
    }

    fn startup_parts(&self) -> Option<StartupParts> {
        Some(self.startup)
    }

    fn measured_inside(&mut self) -> Option<MeasuredInside> {
        self.measured.take()
    }
}

impl Drop for PythonRunner {
    /// An interpreter not stopped cleanly (a failed batch, a panic) is
    /// killed and reaped; its workers follow it (parent-death signal).
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

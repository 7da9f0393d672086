//! Drives one case child over the case protocol ([`crate::child`]): starts
//! it in its own process group, checks its hello, and asks it for one
//! repetition at a time, so that the orchestrator decides when a case has
//! been measured enough and can alternate two builds' repetitions.
//!
//! Children of this build speak protocol 2. Children of older builds
//! (protocol 1, which measure a fixed count in one go) are driven one
//! process per repetition, so `compare --base OLD --new NEW` works across
//! the change.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bakeoff_os::signal_name;
use bakeoff_reports::{Calibration, Nanos, Repetition};
use bakeoff_runners::{RunnerConfig, RunnerKind};

use crate::child::{
    ChildReport, Message, Ready, HELLO_PREFIX, REP_COMMAND, ROLE_ENV, STOP_COMMAND,
};
use crate::Case;

/// How long a case child may take to print its hello line. It prints it
/// before it reads its case, so only starting the program counts.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a wait looks at the clock, the child and the signal flag.
const POLL: Duration = Duration::from_millis(5);

/// Why driving a case child stopped before the case was measured.
#[derive(Debug)]
pub enum Stop {
    /// The case failed: the child said why, died, or ran out of time.
    Failed(String),
    /// A signal stopped the run.
    Interrupted,
    /// The program started did not answer as a case child: the whole run
    /// stops with this reason, since every other case would do the same.
    NotACaseChild(String),
}

/// Shared last lines of a child's stderr, for the failure record.
pub type Tail = Arc<Mutex<VecDeque<String>>>;

/// A line the child printed on stdout, or the end of it.
enum Line {
    Text(String),
    End,
}

/// One case child, started and speaking.
struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    readers: Vec<JoinHandle<()>>,
    alloc_failure: Arc<Mutex<Option<String>>>,
    protocol: u32,
}

/// The one-line reason a program is not a case child, with what it said
/// on stderr: its error line (an embedding program's own `Error: …`), or
/// else its first line, so that a backtrace after it does not hide it.
fn not_a_case_child(program: &Path, what: &str, tail: &[String]) -> String {
    let lines = || tail.iter().map(|l| l.trim()).filter(|l| !l.is_empty());
    let said = lines()
        .find(|l| l.to_ascii_lowercase().starts_with("error"))
        .or_else(|| lines().next())
        .map(|l| format!("; it said on stderr: {l}"))
        .unwrap_or_default();
    // `/proc/self/exe` is what was started; the user knows it by its path.
    let program = match program.canonicalize() {
        Ok(path) => path,
        Err(_) => program.to_path_buf(),
    };
    format!(
        "{} did not answer as a bakeoff case child ({what}): a program that embeds bakeoff must call `bakeoff::child_entry(&registry)` first thing in main and exit with the code it returns{said}",
        program.display()
    )
}

/// Locks `m`, taking the value even when a thread panicked holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The protocol version a hello line names, if it is one.
fn hello_of(line: &str) -> Option<String> {
    Some(line.trim().strip_prefix(HELLO_PREFIX)?.to_string())
}

/// Where a wait stands against the case's deadline and the signal flag.
struct Clock<'a> {
    deadline: Instant,
    timeout: Duration,
    interrupted: &'a dyn Fn() -> bool,
}

impl Process {
    /// Starts `program` as a case child of `case` and reads its hello.
    fn spawn(
        program: &Path,
        case: &Case,
        env: &[(String, String)],
        tail: &Tail,
        clock: &Clock,
    ) -> Result<std::result::Result<Process, Stop>> {
        let kind = RunnerKind::from_id(&case.runner)?;
        let config = RunnerConfig {
            workers: case.workers.unwrap_or(1),
            concurrency: case.concurrency,
            params: kind.params(&case.runner_params)?,
        };
        let mut cmd = Command::new(program);
        cmd.env(ROLE_ENV, "case")
            .env(
                bakeoff_runners::process::PARENT_ENV,
                std::process::id().to_string(),
            )
            .envs(kind.child_env(&config))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: the terminal's Ctrl-C reaches only the
            // orchestrator, which then stops the whole group itself.
            .process_group(0);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start case process {}", program.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (send, lines) = mpsc::channel();
        let out_reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(Line::Text(line)).is_err() {
                    return;
                }
            }
            let _ = send.send(Line::End);
        });
        let alloc_failure: Arc<Mutex<Option<String>>> = Arc::default();
        let err_reader = {
            let (tail, alloc_failure) = (tail.clone(), alloc_failure.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    // The allocator's one line, whatever follows it (a
                    // backtrace after it would push it out of the tail).
                    if line.contains("memory allocation of") && line.contains("failed") {
                        lock(&alloc_failure).get_or_insert_with(|| line.trim().to_string());
                    }
                    let mut t = lock(&tail);
                    if t.len() == 20 {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            })
        };
        let mut process = Process {
            child,
            stdin,
            lines,
            readers: vec![out_reader, err_reader],
            alloc_failure,
            protocol: 0,
        };
        let started = Instant::now();
        let tail_now = || lock(tail).iter().cloned().collect::<Vec<_>>();
        let hello = loop {
            match process.lines.recv_timeout(POLL) {
                Ok(Line::Text(line)) => match hello_of(&line) {
                    Some(version) => break version,
                    // Anything before the hello is the program's own
                    // output: not a case child.
                    None if line.trim().is_empty() => continue,
                    None => {
                        let status = process.finish();
                        let what = format!(
                            "its first line was not the hello but {:?} ({})",
                            line.chars().take(80).collect::<String>(),
                            status.map_or("still running".into(), |s| s.to_string())
                        );
                        return Ok(Err(Stop::NotACaseChild(not_a_case_child(
                            program,
                            &what,
                            &tail_now(),
                        ))));
                    }
                },
                Ok(Line::End) | Err(RecvTimeoutError::Disconnected) => {
                    let status = process.finish();
                    let what = format!(
                        "it exited ({}) without its hello line",
                        status.map_or("?".into(), |s| s.to_string())
                    );
                    return Ok(Err(Stop::NotACaseChild(not_a_case_child(
                        program,
                        &what,
                        &tail_now(),
                    ))));
                }
                Err(RecvTimeoutError::Timeout) => {
                    if (clock.interrupted)() {
                        process.finish();
                        return Ok(Err(Stop::Interrupted));
                    }
                    if started.elapsed() > HELLO_TIMEOUT {
                        process.finish();
                        let what = format!("no hello line within {} s", HELLO_TIMEOUT.as_secs());
                        return Ok(Err(Stop::NotACaseChild(not_a_case_child(
                            program,
                            &what,
                            &tail_now(),
                        ))));
                    }
                }
            }
        };
        match hello.parse::<u32>() {
            Ok(v) if crate::child::PROTOCOLS_DRIVEN.contains(&v) => process.protocol = v,
            _ => {
                process.finish();
                let what = format!(
                    "it speaks case protocol {hello}; this run drives protocols {}: build both from the same bakeoff, or from one recent enough",
                    crate::child::PROTOCOLS_DRIVEN.map(|v| v.to_string()).join(" and ")
                );
                return Ok(Err(Stop::NotACaseChild(not_a_case_child(
                    program,
                    &what,
                    &[],
                ))));
            }
        }
        Ok(Ok(process))
    }

    /// Writes one line to the child's stdin (ignoring a child that
    /// already left: its exit is what the next wait reports).
    fn send(&mut self, line: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(line.as_bytes());
            let _ = stdin.write_all(b"\n");
            let _ = stdin.flush();
        }
    }

    /// The next line on stdout, waiting no longer than the case's deadline.
    fn next_line(&mut self, clock: &Clock) -> std::result::Result<String, Stop> {
        loop {
            match self.lines.recv_timeout(POLL) {
                Ok(Line::Text(line)) if line.trim().is_empty() => continue,
                Ok(Line::Text(line)) => return Ok(line),
                Ok(Line::End) | Err(RecvTimeoutError::Disconnected) => {
                    return Err(Stop::Failed(self.exit_reason()))
                }
                Err(RecvTimeoutError::Timeout) => {
                    if (clock.interrupted)() {
                        self.finish();
                        return Err(Stop::Interrupted);
                    }
                    if Instant::now() > clock.deadline {
                        self.finish();
                        return Err(Stop::Failed(format!(
                            "timed out after {} s (--case-timeout); the case process was killed",
                            clock.timeout.as_secs_f64()
                        )));
                    }
                }
            }
        }
    }

    /// The next [`Message`] (protocol 2).
    fn message(&mut self, clock: &Clock) -> std::result::Result<Message, Stop> {
        let line = self.next_line(clock)?;
        serde_json::from_str(&line).map_err(|e| {
            self.finish();
            Stop::Failed(format!(
                "case process printed a line that is not a message ({e})"
            ))
        })
    }

    /// Why the child ended, once its stdout closed: a signal (with the
    /// allocator's line, if it ran out of memory), or its exit status.
    fn exit_reason(&mut self) -> String {
        let status = self.finish();
        let alloc = lock(&self.alloc_failure).clone();
        match status {
            Some(s) => match s.signal() {
                Some(sig) => match alloc {
                    Some(line) => format!(
                        "case process ran out of memory ({line}) and was killed by signal {sig} ({}); lower --tasks or --concurrency",
                        signal_name(sig)
                    ),
                    None => format!("case process killed by signal {sig} ({})", signal_name(sig)),
                },
                None if s.success() => "case process exited before it reported".into(),
                None => format!(
                    "case process exited with status {}",
                    s.code().unwrap_or(-1)
                ),
            },
            None => "case process closed its output and could not be waited for".into(),
        }
    }

    /// Kills the child's whole process group (the case and any workers it
    /// made: nothing of a case may outlive it), reaps it and joins the
    /// readers; its exit status.
    fn finish(&mut self) -> Option<ExitStatus> {
        self.stdin = None;
        // A child that is leaving by itself (after `stop`, or protocol 1
        // after its report) gets a moment to exit with its own status.
        let until = Instant::now() + Duration::from_millis(200);
        let mut status = None;
        while Instant::now() < until {
            match self.child.try_wait() {
                Ok(Some(s)) => {
                    status = Some(s);
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(1)),
                Err(_) => break,
            }
        }
        // The group id is the child's pid: it was started with
        // process_group(0).
        bakeoff_os::kill_group(self.child.id());
        let status = status.or_else(|| self.child.wait().ok());
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        status
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if !self.readers.is_empty() {
            self.finish();
        }
    }
}

/// A case being measured by one program's case children.
pub struct CaseChild {
    program: PathBuf,
    case: Case,
    env: Vec<(String, String)>,
    tail: Tail,
    deadline: Instant,
    timeout: Duration,
    /// The speaking child (protocol 2), or the last one (protocol 1).
    process: Option<Process>,
    /// Protocol 1: the repetitions the last child measured, not yet taken.
    pending: VecDeque<Repetition>,
    /// Protocol 1: the last child's tear-down.
    teardown: Option<Nanos>,
    protocol: u32,
}

impl CaseChild {
    /// Starts `program`'s case child for `case` and waits until it is
    /// ready: started, warmed up and calibrated. `timeout` bounds the
    /// whole case from now.
    pub fn start(
        program: &Path,
        case: &Case,
        env: &[(String, String)],
        tail: &Tail,
        timeout: Duration,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<std::result::Result<(CaseChild, Ready), Stop>> {
        let mut me = CaseChild {
            program: program.to_path_buf(),
            case: case.clone(),
            env: env.to_vec(),
            tail: tail.clone(),
            deadline: Instant::now() + timeout,
            timeout,
            process: None,
            pending: VecDeque::new(),
            teardown: None,
            protocol: 0,
        };
        let clock = me.clock(interrupted);
        let mut process = match Process::spawn(program, case, env, tail, &clock)? {
            Ok(p) => p,
            Err(stop) => return Ok(Err(stop)),
        };
        me.protocol = process.protocol;
        let line = serde_json::to_string(case).expect("a case serialises");
        if process.protocol == 1 {
            return Ok(me.run_v1(process, &clock).map(|ready| {
                let ready = ready.expect("the first protocol-1 child reports its start");
                (me, ready)
            }));
        }
        process.send(&line);
        let ready = match process.message(&clock) {
            Ok(Message::Ready(ready)) => ready,
            Ok(Message::Error(reason)) => {
                process.finish();
                return Ok(Err(Stop::Failed(reason)));
            }
            Ok(other) => {
                process.finish();
                return Ok(Err(Stop::Failed(format!(
                    "case process sent {other:?} before it was ready"
                ))));
            }
            Err(stop) => return Ok(Err(stop)),
        };
        me.process = Some(process);
        Ok(Ok((me, ready)))
    }

    fn clock<'a>(&self, interrupted: &'a dyn Fn() -> bool) -> Clock<'a> {
        Clock {
            deadline: self.deadline,
            timeout: self.timeout,
            interrupted,
        }
    }

    /// Protocol 1: runs one child for one repetition (a fresh process
    /// each time, with the case's warm-up), keeping its repetition;
    /// returns what it reported of its start.
    fn run_v1(
        &mut self,
        mut process: Process,
        clock: &Clock,
    ) -> std::result::Result<Option<Ready>, Stop> {
        let mut one = self.case.clone();
        one.reps = 1;
        process.send(&serde_json::to_string(&one).expect("a case serialises"));
        process.stdin = None;
        let line = process.next_line(clock)?;
        let report: ChildReport = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                process.finish();
                return Err(Stop::Failed(format!(
                    "case process printed no report ({e})"
                )));
            }
        };
        process.finish();
        if let Some(reason) = report.error {
            return Err(Stop::Failed(reason));
        }
        if report.repetitions.is_empty() {
            return Err(Stop::Failed(
                "case process reported no repetition".to_string(),
            ));
        }
        self.pending.extend(report.repetitions);
        self.teardown = report.teardown;
        Ok(Some(Ready {
            startup: report.startup,
            interpreter_startup: report.interpreter_startup,
            // One start per process: a protocol-1 child knows no `starts`.
            startups: None,
            interpreter_startups: None,
            baseline_rss: report.baseline_rss,
            calibration: Calibration {
                target: Nanos(0),
                batch_wall: Nanos(0),
                batches: 1,
                inherited: false,
            },
        }))
    }

    /// Measures one repetition.
    pub fn repetition(
        &mut self,
        interrupted: &dyn Fn() -> bool,
    ) -> std::result::Result<Repetition, Stop> {
        let clock = self.clock(interrupted);
        if self.protocol == 1 {
            if self.pending.is_empty() {
                let process = match Process::spawn(
                    &self.program,
                    &self.case,
                    &self.env,
                    &self.tail,
                    &clock,
                ) {
                    Ok(Ok(p)) => p,
                    Ok(Err(stop)) => return Err(stop),
                    Err(e) => return Err(Stop::Failed(format!("{e:#}"))),
                };
                self.run_v1(process, &clock)?;
            }
            return self
                .pending
                .pop_front()
                .ok_or_else(|| Stop::Failed("case process reported no repetition".into()));
        }
        let process = self
            .process
            .as_mut()
            .expect("a protocol-2 child is running");
        process.send(REP_COMMAND);
        match process.message(&clock)? {
            Message::Rep(rep) => Ok(*rep),
            Message::Error(reason) => {
                process.finish();
                Err(Stop::Failed(reason))
            }
            other => {
                process.finish();
                Err(Stop::Failed(format!(
                    "case process answered `{REP_COMMAND}` with {other:?}"
                )))
            }
        }
    }

    /// Stops the runner and the child; the runner's tear-down time.
    pub fn stop(
        mut self,
        interrupted: &dyn Fn() -> bool,
    ) -> std::result::Result<Option<Nanos>, Stop> {
        if self.protocol == 1 {
            return Ok(self.teardown);
        }
        let clock = self.clock(interrupted);
        let Some(mut process) = self.process.take() else {
            return Ok(None);
        };
        process.send(STOP_COMMAND);
        let answer = process.message(&clock);
        process.finish();
        match answer? {
            Message::Done { teardown } => Ok(Some(teardown)),
            Message::Error(reason) => Err(Stop::Failed(reason)),
            other => Err(Stop::Failed(format!(
                "case process answered `{STOP_COMMAND}` with {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_names_its_version() {
        assert_eq!(
            hello_of("bakeoff-case-child protocol=2\n"),
            Some("2".into())
        );
        assert_eq!(hello_of("hello"), None);
    }

    #[test]
    fn the_reason_quotes_the_error_line_of_stderr() {
        let why = not_a_case_child(
            Path::new("/nonexistent/prog"),
            "no hello",
            &[
                "  ".into(),
                "thread main panicked".into(),
                "Error: no such suite".into(),
            ],
        );
        assert!(
            why.contains("it said on stderr: Error: no such suite"),
            "{why}"
        );
        assert!(why.starts_with("/nonexistent/prog did not answer"), "{why}");
    }
}

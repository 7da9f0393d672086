//! The parent side of the three process pools: start workers, hand out
//! chunks of tasks, gather results in any order, replace dead workers.

use std::collections::VecDeque;
use std::io::{self, BufReader};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bakeoff_workloads::{BatchSpec, Registry};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use super::proto::{read_frame, write_frame, FromWorker, TaskInput, ToWorker, WorkerUsage};
use super::{server, FD_ENV, ROLE_ENV};
use crate::{Incidents, Job, Runner, RunnerError};

/// How workers are started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartMethod {
    /// Forked from a single-threaded fork of the case process (the fork
    /// helper), so each worker is a copy of the parent's memory.
    Fork,
    /// A fresh exec of the current executable per worker.
    Spawn,
    /// Forked by a fork server that was itself started by exec.
    Forkserver,
}

impl StartMethod {
    /// The id of the runner that starts its workers this way.
    pub(crate) fn runner_id(self) -> &'static str {
        match self {
            StartMethod::Fork => "fork-pool",
            StartMethod::Spawn => "spawn-pool",
            StartMethod::Forkserver => "forkserver-pool",
        }
    }
}

/// Chunks a worker may hold at once when tasks are short: one running, one
/// queued behind it, so the worker never idles for a round trip between
/// chunks. Long tasks get one chunk at a time, so that a task never waits
/// behind a long one while another worker is idle (a shared queue's
/// balance, as with ProcessPoolExecutor).
const PREFETCH: usize = 2;

/// Tasks shorter than this (service time in the worker) count as short.
const SHORT_TASK_NS: u64 = 1_000_000;

/// How long a new worker may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A fork helper prepared by [`prepare_fork_helper`] while the program was
/// still single-threaded.
static PREPARED: OnceLock<Mutex<UnixStream>> = OnceLock::new();

/// The prepared fork helper's pid.
static PREPARED_PID: OnceLock<u32> = OnceLock::new();

/// Forks the fork-pool's helper now, while the process is single-threaded,
/// so a fork-pool can start later even when other threads are running.
/// Workers are then copies of the process as it is now. Call it early in
/// `main`, after [`Registry::install`]; calling it again does nothing.
pub fn prepare_fork_helper(registry: &Registry) -> Result<(), RunnerError> {
    if PREPARED.get().is_some() {
        return Ok(());
    }
    let (control, pid) = fork_helper(registry, "fork-pool")?;
    let _ = PREPARED.set(Mutex::new(control));
    let _ = PREPARED_PID.set(pid.as_raw() as u32);
    Ok(())
}

/// The number of threads this process runs.
fn thread_count() -> usize {
    bakeoff_os::status_field(bakeoff_os::StatusField::Threads).map_or(1, |n| n as usize)
}

/// Forks a single-threaded fork server from this process.
fn fork_helper(
    registry: &Registry,
    runner: &'static str,
) -> Result<(UnixStream, Pid), RunnerError> {
    let threads = thread_count();
    if threads > 1 {
        return Err(RunnerError::Pool {
            runner,
            reason: format!(
                "this process runs {threads} threads, and fork() copies only the calling one (locks the others hold stay locked in the child); \
                 start the pool before other threads, call prepare_fork_helper first thing in main, or use forkserver-pool"
            ),
        });
    }
    let (ours, theirs) = UnixStream::pair().map_err(|e| io_error(runner, "socketpair", e))?;
    let parent = std::process::id();
    // SAFETY: the process is single-threaded (checked above), so the child
    // may run ordinary Rust code.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            super::die_with_parent(Some(parent));
            drop(ours);
            let code = server::serve_forks(theirs, registry);
            std::process::exit(code);
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok((ours, child)),
        Err(e) => Err(io_error(runner, "fork", io::Error::from(e))),
    }
}

fn io_error(runner: &'static str, what: &str, e: io::Error) -> RunnerError {
    let hint = if e.raw_os_error() == Some(libc::EAGAIN) {
        bakeoff_os::soft_limit_raw(bakeoff_os::Resource::RLIMIT_NPROC)
            .map(|soft| {
                format!("; the process limit was reached (RLIMIT_NPROC, `ulimit -u` = {soft}): lower --workers or raise the limit")
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    RunnerError::Pool {
        runner,
        reason: format!("{what}: {e}{hint}"),
    }
}

/// The program's path as a person would recognise it (for messages).
fn exe_name() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "/proc/self/exe".into())
}

/// Where new workers come from.
enum Launcher {
    /// `Command::new(exe)` per worker (std uses posix_spawn for this).
    Spawn { exe: PathBuf },
    /// A fork server this pool started (and stops).
    OwnServer {
        control: UnixStream,
        server: ForkServerChild,
    },
    /// The prepared fork helper, shared by every fork-pool of the process.
    Prepared,
}

impl Launcher {
    /// Runs `f` on the fork server's control channel; `None` for spawn.
    fn with_control<R>(&mut self, f: impl FnOnce(&mut UnixStream) -> R) -> Option<R> {
        match self {
            Launcher::OwnServer { control, .. } => Some(f(control)),
            Launcher::Prepared => {
                let mut control = PREPARED
                    .get()
                    .expect("prepared before use")
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                Some(f(&mut control))
            }
            Launcher::Spawn { .. } => None,
        }
    }
}

/// The fork server (or fork helper) a pool started itself, to reap when
/// the pool stops.
enum ForkServerChild {
    /// Started by exec (`forkserver-pool`).
    Spawned(Child),
    /// Forked from the case process (a `fork-pool` with no prepared
    /// helper).
    Forked(Pid),
}

/// How a worker is reaped when it ends.
enum Reap {
    /// Our child: `wait` it.
    Child(Child),
    /// A fork server's child: the server reaps it (as it ends, or when the
    /// pool hangs up).
    ByServer,
}

struct Worker {
    stream: UnixStream,
    /// The same socket, read through a buffer: a frame's length and body
    /// usually arrive in one read.
    reader: BufReader<UnixStream>,
    pid: u32,
    reap: Reap,
    /// Task indices of the chunks sent and not yet answered, oldest first.
    chunks: VecDeque<Vec<u32>>,
    /// The workload this worker has been set up for.
    spec: Option<BatchSpec>,
    /// Since when the oldest chunk has been running (for the task timeout).
    busy_since: Option<Instant>,
    /// Killed by the pool for passing the task timeout.
    timed_out: bool,
}

/// What a pool is asked to do besides starting workers.
#[derive(Clone, Copy, Debug)]
pub struct PoolOptions {
    /// Tasks per message to a worker.
    pub chunksize: usize,
    /// Tasks in flight at most (`None`: the whole batch).
    pub concurrency: Option<usize>,
    /// Times a task whose worker died is run again on another worker.
    pub retry: usize,
    /// A chunk running longer than this per task gets its worker killed
    /// and replaced, and its tasks failed.
    pub task_timeout: Option<Duration>,
}

/// A pool of worker processes started one of three ways.
pub struct ProcessPool {
    method: StartMethod,
    launcher: Launcher,
    workers: Vec<Worker>,
    options: PoolOptions,
    /// Usage reported by workers that exited (at stop, or replaced).
    exited: Vec<WorkerUsage>,
    /// Workers replaced after they died.
    replaced: usize,
    /// Deaths, retries and replacements of the batch running or last run.
    incidents: Incidents,
    wbuf: Vec<u8>,
    rbuf: Vec<u8>,
}

impl ProcessPool {
    /// Starts `workers` workers and waits until each has said it is ready.
    pub fn start(
        method: StartMethod,
        workers: usize,
        options: PoolOptions,
    ) -> Result<Self, RunnerError> {
        let runner = method.runner_id();
        if let Some(soft) = bakeoff_os::soft_limit(bakeoff_os::Resource::RLIMIT_NPROC) {
            if workers as u64 + 1 > soft {
                return Err(RunnerError::Pool {
                    runner,
                    reason: format!(
                        "workers={workers} needs {} processes, above the process limit (RLIMIT_NPROC, `ulimit -u` = {soft}); lower --workers or raise the limit",
                        workers + 1
                    ),
                });
            }
        }
        let launcher = match method {
            StartMethod::Spawn => Launcher::Spawn { exe: self_exe() },
            StartMethod::Forkserver => {
                let (ours, theirs) =
                    UnixStream::pair().map_err(|e| io_error(runner, "socketpair", e))?;
                let child = spawn_role(&self_exe(), "forkserver", theirs.as_fd()).map_err(|e| {
                    io_error(
                        runner,
                        &format!("cannot start the fork server {}", exe_name()),
                        e,
                    )
                })?;
                Launcher::OwnServer {
                    control: ours,
                    server: ForkServerChild::Spawned(child),
                }
            }
            StartMethod::Fork => match PREPARED.get() {
                Some(_) => Launcher::Prepared,
                None => {
                    let registry = Registry::installed()
                        .cloned()
                        .unwrap_or_else(Registry::builtin);
                    let (control, pid) = fork_helper(&registry, runner)?;
                    Launcher::OwnServer {
                        control,
                        server: ForkServerChild::Forked(pid),
                    }
                }
            },
        };
        let mut pool = ProcessPool {
            method,
            launcher,
            workers: Vec::with_capacity(workers),
            options: PoolOptions {
                chunksize: options.chunksize.max(1),
                ..options
            },
            exited: Vec::new(),
            replaced: 0,
            incidents: Incidents::default(),
            wbuf: Vec::new(),
            rbuf: Vec::new(),
        };
        for _ in 0..workers {
            let w = pool.launch()?;
            pool.workers.push(w);
        }
        for i in 0..pool.workers.len() {
            pool.await_ready(i)?;
        }
        Ok(pool)
    }

    /// How many dead workers this pool has replaced.
    pub fn replacements(&self) -> usize {
        self.replaced
    }

    /// The pid of the fork server or fork helper this pool's workers come
    /// from (`None` for spawn-pool).
    pub fn server_pid(&self) -> Option<u32> {
        match &self.launcher {
            Launcher::OwnServer { server, .. } => Some(match server {
                ForkServerChild::Spawned(c) => c.id(),
                ForkServerChild::Forked(pid) => pid.as_raw() as u32,
            }),
            Launcher::Prepared => PREPARED_PID.get().copied(),
            Launcher::Spawn { .. } => None,
        }
    }

    /// Usage of every worker that has exited so far.
    pub fn exited_usage(&self) -> &[WorkerUsage] {
        &self.exited
    }

    /// Process ids of the live workers.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.workers.iter().map(|w| w.pid).collect()
    }

    fn launch(&mut self) -> Result<Worker, RunnerError> {
        let runner = self.method.runner_id();
        match &mut self.launcher {
            Launcher::Spawn { exe } => {
                let (ours, theirs) =
                    UnixStream::pair().map_err(|e| io_error(runner, "socketpair", e))?;
                let child = spawn_role(exe, "worker", theirs.as_fd()).map_err(|e| {
                    io_error(
                        runner,
                        &format!("cannot start worker {} ({})", exe_name(), exe.display()),
                        e,
                    )
                })?;
                let pid = child.id();
                Ok(Worker {
                    reader: reader_of(&ours).map_err(|e| io_error(runner, "dup", e))?,
                    stream: ours,
                    pid,
                    reap: Reap::Child(child),
                    chunks: VecDeque::new(),
                    spec: None,
                    busy_since: None,
                    timed_out: false,
                })
            }
            launcher => {
                let (stream, pid) = launcher
                    .with_control(server::request_worker)
                    .expect("a fork server launches this pool")
                    .map_err(|e| io_error(runner, "the fork server could not fork a worker", e))?;
                worker_of_server(stream, pid).map_err(|e| io_error(runner, "dup", e))
            }
        }
    }

    fn await_ready(&mut self, i: usize) -> Result<(), RunnerError> {
        let runner = self.method.runner_id();
        let w = &mut self.workers[i];
        w.stream
            .set_read_timeout(Some(READY_TIMEOUT))
            .map_err(|e| io_error(runner, "set_read_timeout", e))?;
        let said = read_frame::<FromWorker>(&mut w.reader, &mut self.rbuf);
        let _ = w.stream.set_read_timeout(None);
        match said {
            Ok(Some(FromWorker::Ready { .. })) => Ok(()),
            Ok(other) => Err(RunnerError::Pool {
                runner,
                reason: format!(
                    "worker {} did not say ready (it said {other:?}); a program that embeds bakeoff must call bakeoff::child_entry first thing in main",
                    w.pid
                ),
            }),
            Err(e) => Err(RunnerError::Pool {
                runner,
                reason: format!("worker {} did not say ready: {e}", w.pid),
            }),
        }
    }

    /// Replaces dead worker `i` with a fresh one.
    fn replace(&mut self, i: usize) -> Result<(), RunnerError> {
        let fresh = self.launch()?;
        self.replaced += 1;
        self.incidents.workers_replaced += 1;
        let old = std::mem::replace(&mut self.workers[i], fresh);
        drop(old.stream);
        if let Reap::Child(mut c) = old.reap {
            let _ = c.wait();
        }
        self.await_ready(i)
    }

    /// How worker `i` ended, after its socket closed: one line for a
    /// failure reason, and its cause in a word or two for the batch's
    /// [`Incidents`] (`SIGKILL`, `exit 3`, `task timeout`).
    fn death_of(&mut self, i: usize) -> (String, String) {
        let w = &mut self.workers[i];
        if w.timed_out {
            if let Reap::Child(c) = &mut w.reap {
                let _ = c.wait();
            }
            let pid = w.pid;
            // A fork server's child: collect its status so it is reaped.
            let _ = self
                .launcher
                .with_control(|c| server::worker_status(c, pid));
            let limit = self.options.task_timeout.unwrap_or_default().as_secs_f64();
            return (
                format!(
                    "passed the task timeout ({limit} s per task); worker {} was killed",
                    w.pid
                ),
                "task timeout".into(),
            );
        }
        match &mut w.reap {
            Reap::Child(c) => match c.wait() {
                Ok(s) => match s.signal() {
                    Some(sig) => (
                        format!(
                            "worker {} killed by signal {sig} ({})",
                            w.pid,
                            bakeoff_os::signal_name(sig)
                        ),
                        bakeoff_os::signal_name(sig).into(),
                    ),
                    None => {
                        let code = s.code().unwrap_or(-1);
                        (
                            format!("worker {} exited with status {code}", w.pid),
                            format!("exit {code}"),
                        )
                    }
                },
                Err(e) => (
                    format!("worker {} ended (wait failed: {e})", w.pid),
                    "unknown".into(),
                ),
            },
            Reap::ByServer => {
                let pid = w.pid;
                let status = self
                    .launcher
                    .with_control(|c| server::worker_status(c, pid))
                    .unwrap_or(Ok(None));
                match status {
                    Ok(Some(s)) => {
                        let (how, cause) = bakeoff_os::describe_wait_status(s);
                        (format!("worker {pid} {how}"), cause)
                    }
                    _ => (
                        format!("worker {pid} died (its socket closed)"),
                        "unknown".into(),
                    ),
                }
            }
        }
    }
}

/// A buffered reader on a second descriptor of `stream`.
fn reader_of(stream: &UnixStream) -> io::Result<BufReader<UnixStream>> {
    Ok(BufReader::new(stream.try_clone()?))
}

fn worker_of_server(stream: UnixStream, pid: u32) -> io::Result<Worker> {
    Ok(Worker {
        reader: reader_of(&stream)?,
        stream,
        pid,
        reap: Reap::ByServer,
        chunks: VecDeque::new(),
        spec: None,
        busy_since: None,
        timed_out: false,
    })
}

/// This executable, by a path that survives a rebuild replacing the file.
fn self_exe() -> PathBuf {
    bakeoff_os::self_exe().unwrap_or_else(|_| "/proc/self/exe".into())
}

/// Starts `exe` in `role` with `fd` inherited as its pool socket.
///
/// The descriptor is made inheritable just for this spawn and the child
/// learns its number from the environment, so std's fast path
/// (posix_spawn, no `pre_exec`) is used. The child's stdout goes to our
/// stderr: the case process's stdout carries its report.
fn spawn_role(
    exe: &std::path::Path,
    role: &str,
    fd: std::os::fd::BorrowedFd<'_>,
) -> io::Result<Child> {
    let raw = fd.as_raw_fd();
    // SAFETY: F_SETFD on a descriptor we own has no memory-safety preconditions.
    unsafe { libc::fcntl(raw, libc::F_SETFD, 0) };
    let stdout = std::io::stderr().as_fd().try_clone_to_owned()?;
    let child = Command::new(exe)
        .env(ROLE_ENV, role)
        .env(FD_ENV, raw.to_string())
        .env(super::PARENT_ENV, std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .spawn();
    // SAFETY: as above.
    unsafe { libc::fcntl(raw, libc::F_SETFD, libc::FD_CLOEXEC) };
    child
}

/// Takes the inherited pool socket named by the environment.
pub(crate) fn inherited_socket() -> Option<UnixStream> {
    let raw: i32 = std::env::var(FD_ENV).ok()?.parse().ok()?;
    // SAFETY: F_GETFD only asks whether the descriptor is open.
    if unsafe { libc::fcntl(raw, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: as above; keep it from leaking into anything we start.
    unsafe { libc::fcntl(raw, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: the descriptor was inherited for us and nothing else owns it.
    Some(UnixStream::from(unsafe { OwnedFd::from_raw_fd(raw) }))
}

/// User and system time of process `pid`.
fn proc_cpu(pid: u32) -> Option<crate::CpuTime> {
    let (user_ns, system_ns) = bakeoff_os::process_cpu(pid)?;
    Some(crate::CpuTime {
        user_ns,
        system_ns,
        ..Default::default()
    })
}

/// Rss and Pss of process `pid`.
fn proc_memory(pid: u32) -> Option<crate::WorkersMemory> {
    let (rss, pss) = bakeoff_os::process_memory(pid)?;
    Some(crate::WorkersMemory { rss, pss })
}

impl Runner for ProcessPool {
    fn workers_memory(&self) -> Option<crate::WorkersMemory> {
        let mut sum = crate::WorkersMemory::default();
        for w in &self.workers {
            let m = proc_memory(w.pid)?;
            sum.rss += m.rss;
            sum.pss += m.pss;
        }
        Some(sum)
    }

    fn workers_cpu(&self) -> Option<crate::CpuTime> {
        let mut sum = crate::CpuTime::default();
        for w in &self.workers {
            if let Some(t) = proc_cpu(w.pid) {
                sum.user_ns += t.user_ns;
                sum.system_ns += t.system_ns;
            }
        }
        Some(sum)
    }

    fn incidents(&self) -> Option<Incidents> {
        Some(self.incidents.clone())
    }

    fn run(&mut self, job: &Arc<Job>) -> Result<(), RunnerError> {
        // Every task's latency starts now, time queued in this process
        // included; under `concurrency`, when the limit admits it.
        job.hand_over();
        self.incidents = Incidents::default();
        let mut batch = Dispatch::new(job, &self.options);
        while batch.settled < batch.n {
            self.fill(&mut batch);
            let mut ready = self.poll()?;
            self.overdue(&mut ready);
            for i in ready {
                self.settle(&mut batch, i)?;
            }
        }
        Ok(())
    }

    fn stop(mut self: Box<Self>) -> Result<(), RunnerError> {
        self.shutdown();
        Ok(())
    }
}

/// The state of one batch while [`ProcessPool::run`] hands it out.
struct Dispatch<'j> {
    job: &'j Arc<Job>,
    spec: BatchSpec,
    /// Tasks in the batch.
    n: usize,
    /// Tasks in flight at most.
    limit: usize,
    /// Whether `concurrency` set `limit`: tasks are then submitted one by
    /// one as it admits them, else all at the batch's handover.
    limited: bool,
    /// Tasks `0..admitted` have been handed to the model (`0..next` of
    /// them sent to a worker).
    admitted: usize,
    /// Retries used per task (empty when retry is off).
    attempts: Vec<u8>,
    /// The next task never handed out.
    next: usize,
    in_flight: usize,
    /// Tasks done or failed for good.
    settled: usize,
    /// Tasks queued on a worker that died before starting them, and tasks
    /// to retry: they go out again before new ones.
    again: VecDeque<u32>,
    /// Chunks per worker: one until results show the tasks are short.
    depth: usize,
    long_seen: bool,
}

impl<'j> Dispatch<'j> {
    fn new(job: &'j Arc<Job>, options: &PoolOptions) -> Self {
        let n = job.len();
        Dispatch {
            job,
            spec: job.batch().spec().clone(),
            n,
            limit: options.concurrency.unwrap_or(n).max(1),
            limited: options.concurrency.is_some(),
            admitted: if options.concurrency.is_some() { 0 } else { n },
            attempts: vec![0u8; if options.retry > 0 { n } else { 0 }],
            next: 0,
            in_flight: 0,
            settled: 0,
            again: VecDeque::new(),
            depth: 1,
            long_seen: false,
        }
    }

    /// Under `concurrency`, submits the tasks the limit admits now: one
    /// per free place among the tasks admitted and not settled (in
    /// flight, waiting for a worker, or waiting to be retried). A retried
    /// task keeps its first submit time.
    fn admit(&mut self) {
        if !self.limited {
            return;
        }
        while self.admitted < self.n && self.admitted - self.settled < self.limit {
            self.job.submit(self.admitted);
            self.admitted += 1;
        }
    }

    /// The next chunk of at most `budget` admitted tasks, retried ones
    /// first.
    fn take(&mut self, budget: usize) -> Vec<u32> {
        let mut indices: Vec<u32> = Vec::with_capacity(budget);
        while indices.len() < budget {
            if let Some(t) = self.again.pop_front() {
                indices.push(t);
            } else if self.next < self.admitted {
                indices.push(self.next as u32);
                self.next += 1;
            } else {
                break;
            }
        }
        indices
    }
}

impl ProcessPool {
    /// Hands out chunks while a worker has room and the limit allows.
    fn fill(&mut self, batch: &mut Dispatch<'_>) {
        batch.admit();
        while (batch.next < batch.admitted || !batch.again.is_empty())
            && batch.in_flight < batch.limit
        {
            let Some(i) = self.roomiest(batch.depth) else {
                break;
            };
            let indices = batch.take(self.options.chunksize.min(batch.limit - batch.in_flight));
            let tasks: Vec<TaskInput> = indices
                .iter()
                .map(|&index| {
                    let mut input = Vec::new();
                    batch.job.batch().encode_task(index as usize, &mut input);
                    TaskInput { index, input }
                })
                .collect();
            let w = &mut self.workers[i];
            let mut sent = Ok(());
            if w.spec.as_ref() != Some(&batch.spec) {
                sent = write_frame(
                    &mut w.stream,
                    &ToWorker::Setup(batch.spec.clone()),
                    &mut self.wbuf,
                );
                w.spec = Some(batch.spec.clone());
            }
            if sent.is_ok() {
                sent = write_frame(&mut w.stream, &ToWorker::Tasks(tasks), &mut self.wbuf);
            }
            if w.chunks.is_empty() {
                w.busy_since = Some(Instant::now());
            }
            batch.in_flight += indices.len();
            w.chunks.push_back(indices);
            if sent.is_err() {
                // It died; `settle` notices and settles its chunks.
                break;
            }
        }
    }

    /// The worker with the fewest chunks among those that may take one
    /// more (at most `depth`), if any.
    fn roomiest(&self, depth: usize) -> Option<usize> {
        (0..self.workers.len())
            .filter(|&i| {
                // Never queue behind a chunk that has already run long: an
                // idle worker may take it sooner.
                let w = &self.workers[i];
                w.chunks.is_empty()
                    || (w.chunks.len() < depth
                        && w.busy_since
                            .is_none_or(|t| t.elapsed() < Duration::from_nanos(SHORT_TASK_NS)))
            })
            .min_by_key(|&i| self.workers[i].chunks.len())
    }

    /// Waits for any worker to answer (or die), or for the earliest
    /// task-timeout deadline; the workers to read.
    fn poll(&self) -> Result<Vec<usize>, RunnerError> {
        let buffered: Vec<usize> = (0..self.workers.len())
            .filter(|&i| !self.workers[i].reader.buffer().is_empty())
            .collect();
        if !buffered.is_empty() {
            // Frames already read ahead: no need to ask the kernel.
            return Ok(buffered);
        }
        let busy: Vec<usize> = (0..self.workers.len())
            .filter(|&i| !self.workers[i].chunks.is_empty())
            .collect();
        if busy.len() == 1 && self.options.task_timeout.is_none() {
            // Only one worker can answer: wait in its read, not in poll.
            return Ok(busy);
        }
        let mut fds: Vec<PollFd> = self
            .workers
            .iter()
            .map(|w| PollFd::new(w.stream.as_fd(), PollFlags::POLLIN))
            .collect();
        let deadline = self.options.task_timeout.and_then(|limit| {
            self.workers
                .iter()
                .filter_map(|w| Some(w.busy_since? + limit * w.chunks.front()?.len() as u32))
                .min()
        });
        let timeout = match deadline {
            None => PollTimeout::NONE,
            Some(d) => {
                let ms = d.saturating_duration_since(Instant::now()).as_millis() + 1;
                PollTimeout::try_from(ms.min(60_000) as i32).unwrap_or(PollTimeout::MAX)
            }
        };
        loop {
            match poll(&mut fds, timeout) {
                Ok(_) => break,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(io_error(self.method.runner_id(), "poll", e.into())),
            }
        }
        Ok(fds
            .iter()
            .enumerate()
            .filter(|(_, f)| f.revents().is_some_and(|r| !r.is_empty()))
            .map(|(i, _)| i)
            .collect())
    }

    /// Kills workers whose running chunk passed its deadline and adds them
    /// to `ready`: their socket then closes and `settle` handles them as
    /// dead.
    fn overdue(&mut self, ready: &mut Vec<usize>) {
        let Some(limit) = self.options.task_timeout else {
            return;
        };
        let now = Instant::now();
        for (i, w) in self.workers.iter_mut().enumerate() {
            let over = match (w.busy_since, w.chunks.front()) {
                (Some(t), Some(c)) => now >= t + limit * c.len() as u32,
                _ => false,
            };
            if over && !w.timed_out {
                w.timed_out = true;
                let _ = kill(Pid::from_raw(w.pid as i32), Signal::SIGKILL);
                if !ready.contains(&i) {
                    ready.push(i);
                }
            }
        }
    }

    /// Reads worker `i`'s answer and settles its tasks; a worker that died
    /// is replaced ([`lost`](Self::lost)).
    fn settle(&mut self, batch: &mut Dispatch<'_>, i: usize) -> Result<(), RunnerError> {
        let w = &mut self.workers[i];
        match read_frame::<FromWorker>(&mut w.reader, &mut self.rbuf) {
            Ok(Some(FromWorker::Results { done, failed })) => {
                let chunk = w.chunks.pop_front().unwrap_or_default();
                w.busy_since = (!w.chunks.is_empty()).then(Instant::now);
                for d in done {
                    batch
                        .job
                        .complete_remote(d.index as usize, d.service_ns, d.digest);
                    // Once a long task is seen, stay at one chunk.
                    batch.long_seen |= d.service_ns >= SHORT_TASK_NS;
                    batch.depth = if batch.long_seen { 1 } else { PREFETCH };
                }
                for f in failed {
                    batch.job.fail(f.index as usize, f.reason);
                }
                batch.in_flight -= chunk.len();
                batch.settled += chunk.len();
                Ok(())
            }
            Ok(Some(other)) => Err(RunnerError::Pool {
                runner: self.method.runner_id(),
                reason: format!("worker {} sent {other:?} in the middle of a batch", w.pid),
            }),
            Ok(None) | Err(_) => self.lost(batch, i),
        }
    }

    /// Worker `i` died: the oldest chunk was running, so its tasks fail or
    /// are retried (which one crashed is unknown past the first); chunks
    /// queued behind it never started and go out again. Then it is
    /// replaced.
    fn lost(&mut self, batch: &mut Dispatch<'_>, i: usize) -> Result<(), RunnerError> {
        let (how, cause) = self.death_of(i);
        self.incidents.death(cause);
        let mut lost = std::mem::take(&mut self.workers[i].chunks);
        if let Some(running) = lost.pop_front() {
            batch.in_flight -= running.len();
            for &t in &running {
                match batch.attempts.get_mut(t as usize) {
                    Some(a) if (*a as usize) < self.options.retry => {
                        *a += 1;
                        self.incidents.tasks_retried += 1;
                        batch.again.push_back(t);
                    }
                    _ => {
                        batch
                            .job
                            .fail(t as usize, format!("failed: {how} while running it"));
                        batch.settled += 1;
                    }
                }
            }
        }
        for chunk in lost {
            batch.in_flight -= chunk.len();
            batch.again.extend(chunk);
        }
        self.replace(i)
    }
    /// Asks every worker to exit, collects their usage, reaps them, and
    /// stops a fork server this pool owns.
    fn shutdown(&mut self) {
        for w in &mut self.workers {
            let _ = write_frame(&mut w.stream, &ToWorker::Exit, &mut self.wbuf);
        }
        for mut w in self.workers.drain(..) {
            let _ = w.stream.set_read_timeout(Some(Duration::from_secs(10)));
            loop {
                match read_frame::<FromWorker>(&mut w.reader, &mut self.rbuf) {
                    Ok(Some(FromWorker::Bye(u))) => self.exited.push(u),
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(_) => break,
                }
            }
            drop(w.stream);
            match w.reap {
                Reap::Child(mut c) => {
                    if !matches!(c.try_wait(), Ok(Some(_))) {
                        // It said goodbye and closed its socket: it is exiting.
                        let _ = c.wait();
                    }
                }
                // Asking how it ended makes the server reap it now, even a
                // prepared helper that outlives this pool.
                Reap::ByServer => {
                    let _ = self
                        .launcher
                        .with_control(|c| server::worker_status(c, w.pid));
                }
            }
        }
        match std::mem::replace(&mut self.launcher, Launcher::Prepared) {
            Launcher::OwnServer { control, server } => {
                drop(control);
                match server {
                    ForkServerChild::Spawned(mut c) => {
                        let _ = c.wait();
                    }
                    ForkServerChild::Forked(pid) => {
                        let _ = waitpid(pid, None);
                    }
                }
            }
            Launcher::Spawn { .. } | Launcher::Prepared => {}
        }
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        if self.workers.is_empty()
            && matches!(self.launcher, Launcher::Prepared | Launcher::Spawn { .. })
        {
            return;
        }
        // Not stopped cleanly (an error or a panic): kill, then reap.
        for w in &self.workers {
            let _ = kill(Pid::from_raw(w.pid as i32), Signal::SIGKILL);
        }
        self.shutdown();
    }
}

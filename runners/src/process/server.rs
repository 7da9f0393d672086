//! Fork servers: a single-threaded process that forks pool workers on
//! request, so no worker is ever forked from a multi-threaded process.
//!
//! The pool keeps one end of a socket pair (the control channel, inherited
//! or forked, never a path another process could open) and makes two kinds
//! of request, each answered before the next:
//!
//! - `F` with a socket passed by `SCM_RIGHTS`: fork a worker serving that
//!   socket; the answer is its pid (or 0 and an errno);
//! - `W` and a pid: how did that worker end; the answer is its raw wait
//!   status (or -1 if it is not ours).
//!
//! The server reaps its children before each request and keeps their
//! statuses until asked, so no worker stays a zombie for long. When the
//! control channel closes it reaps every worker still alive — waiting a
//! moment for those that are exiting, killing any that are not — and exits,
//! so no worker is left for init to collect.

use std::collections::{HashMap, HashSet};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use bakeoff_workloads::Registry;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};

use super::worker;

/// One request from the pool.
enum Request {
    Fork(OwnedFd),
    Wait(u32),
}

/// Runs the fork server on `control` until the pool hangs up; returns the
/// exit code.
pub fn serve_forks(mut control: UnixStream, registry: &Registry) -> i32 {
    let mut ended: HashMap<u32, i32> = HashMap::new();
    let mut live: HashSet<u32> = HashSet::new();
    let code = loop {
        let request = match receive(&control) {
            Ok(Some(r)) => r,
            Ok(None) => break 0,
            Err(_) => break 1,
        };
        reap(&mut ended, &mut live);
        let reply = match request {
            Request::Fork(fd) => {
                let (reply, pid) = fork_worker(fd, control.as_raw_fd(), registry);
                live.extend(pid);
                reply
            }
            Request::Wait(pid) => {
                let status = ended.remove(&pid).unwrap_or_else(|| wait_for(pid));
                live.remove(&pid);
                status.to_le_bytes().to_vec()
            }
        };
        if control.write_all(&reply).is_err() {
            break 1;
        }
    };
    reap_all(&mut live);
    code
}

/// Reaps every worker in `live`: those exiting get two seconds, then the
/// rest are killed (the pool has hung up; nobody will read their answers).
fn reap_all(live: &mut HashSet<u32>) {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut ended = HashMap::new();
    while !live.is_empty() && Instant::now() < deadline {
        reap(&mut ended, live);
        if !live.is_empty() {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    for &pid in live.iter() {
        // SAFETY: `pid` is our own child, not yet reaped, so the pid
        // cannot have been reused by another process.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        wait_for(pid);
    }
    live.clear();
}

/// Forks a worker serving `fd`; the reply for the pool, and the worker's
/// pid when the fork succeeded.
fn fork_worker(fd: OwnedFd, control: RawFd, registry: &Registry) -> (Vec<u8>, Option<u32>) {
    let parent = std::process::id();
    // SAFETY: this process is single-threaded (a fork server runs nothing
    // else), so the child may run ordinary Rust code.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            super::die_with_parent(Some(parent));
            // SAFETY: closing the control channel's descriptor, which this
            // child never uses (the server's copy stays open).
            unsafe { libc::close(control) };
            let code = worker::serve(UnixStream::from(fd), registry);
            std::process::exit(code);
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => {
            drop(fd);
            let pid = child.as_raw() as u32;
            (pid.to_le_bytes().to_vec(), Some(pid))
        }
        Err(e) => {
            drop(fd);
            // A zero pid tells the pool the fork failed; errno follows.
            let mut reply = vec![0u8; 8];
            reply[4..].copy_from_slice(&(e as i32).to_le_bytes());
            (reply, None)
        }
    }
}

/// Collects the statuses of children that have ended.
fn reap(ended: &mut HashMap<u32, i32>, live: &mut HashSet<u32>) {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into our integer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        live.remove(&(pid as u32));
        ended.insert(pid as u32, status);
    }
}

/// Waits for child `pid` to end; its raw status, or -1 if it is not ours.
fn wait_for(pid: u32) -> i32 {
    let mut status = 0;
    // SAFETY: as in `reap`.
    match unsafe { libc::waitpid(pid as i32, &mut status, 0) } {
        p if p == pid as i32 => status,
        _ => -1,
    }
}

/// Asks the server how worker `pid` ended (it has closed its socket).
pub fn worker_status(control: &mut UnixStream, pid: u32) -> io::Result<Option<i32>> {
    let mut msg = [0u8; 5];
    msg[0] = b'W';
    msg[1..].copy_from_slice(&pid.to_le_bytes());
    control.write_all(&msg)?;
    let mut status = [0u8; 4];
    control.read_exact(&mut status)?;
    let status = i32::from_le_bytes(status);
    Ok((status != -1).then_some(status))
}

/// Asks the server on `control` for a worker: returns the pool's end of the
/// worker's socket and the worker's pid.
pub fn request_worker(control: &mut UnixStream) -> io::Result<(UnixStream, u32)> {
    let (ours, theirs) = UnixStream::pair()?;
    send_fd(control, theirs.as_raw_fd())?;
    drop(theirs);
    let mut pid = [0u8; 4];
    control.read_exact(&mut pid)?;
    let pid = u32::from_le_bytes(pid);
    if pid == 0 {
        let mut errno = [0u8; 4];
        control.read_exact(&mut errno)?;
        return Err(io::Error::from_raw_os_error(i32::from_le_bytes(errno)));
    }
    Ok((ours, pid))
}

fn send_fd(control: &UnixStream, fd: RawFd) -> io::Result<()> {
    let fds = [fd];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(
        control.as_raw_fd(),
        &[IoSlice::new(b"F\0\0\0\0")],
        &cmsg,
        MsgFlags::empty(),
        None,
    )
    .map_err(io::Error::from)?;
    Ok(())
}

/// One request; `None` when the pool hung up.
fn receive(control: &UnixStream) -> io::Result<Option<Request>> {
    let mut msg = [0u8; 5];
    let mut iov = [IoSliceMut::new(&mut msg)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let got = recvmsg::<()>(
        control.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(io::Error::from)?;
    if got.bytes == 0 {
        return Ok(None);
    }
    let mut fd = None;
    for c in got.cmsgs().map_err(io::Error::from)? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            for (k, &raw) in fds.iter().enumerate() {
                // SAFETY: the kernel just gave us these descriptors; we own them.
                let owned = unsafe { OwnedFd::from_raw_fd(raw) };
                if k == 0 {
                    fd = Some(owned);
                }
            }
        }
    }
    let bytes = got.bytes;
    if bytes < 5 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a short request",
        ));
    }
    match (msg[0], fd) {
        (b'F', Some(fd)) => Ok(Some(Request::Fork(fd))),
        (b'W', None) => Ok(Some(Request::Wait(u32::from_le_bytes([
            msg[1], msg[2], msg[3], msg[4],
        ])))),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "an unknown request",
        )),
    }
}

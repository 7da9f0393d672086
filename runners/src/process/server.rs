//! Fork servers: a single-threaded process that forks pool workers on
//! request, so no worker is ever forked from a multi-threaded process.
//!
//! The pool keeps one end of a socket pair (the control channel, inherited
//! or forked, never a path another process could open). For each worker it
//! makes a fresh socket pair, sends one end to the server with
//! `SCM_RIGHTS`, and reads back the new worker's pid. The server ignores
//! `SIGCHLD`, so the kernel reaps its workers and none becomes a zombie.
//! It exits when the control channel closes.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use bakeoff_workloads::Registry;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};

use super::worker;

/// Runs the fork server on `control` until the pool hangs up; returns the
/// exit code.
pub fn serve_forks(mut control: UnixStream, registry: &Registry) -> i32 {
    // SAFETY: setting a signal's disposition to SIG_IGN has no
    // memory-safety preconditions; this process is single-threaded.
    unsafe { libc::signal(libc::SIGCHLD, libc::SIG_IGN) };
    loop {
        let fd = match receive_fd(&control) {
            Ok(Some(fd)) => fd,
            Ok(None) => return 0,
            Err(_) => return 1,
        };
        // SAFETY: this process is single-threaded (a fork server runs
        // nothing else), so the child may run ordinary Rust code.
        match unsafe { nix::unistd::fork() } {
            Ok(nix::unistd::ForkResult::Child) => {
                drop(control);
                // SAFETY: restore the default so the worker's own children
                // (if a workload makes any) behave normally.
                unsafe { libc::signal(libc::SIGCHLD, libc::SIG_DFL) };
                let code = worker::serve(UnixStream::from(fd), registry);
                std::process::exit(code);
            }
            Ok(nix::unistd::ForkResult::Parent { child }) => {
                drop(fd);
                if control
                    .write_all(&(child.as_raw() as u32).to_le_bytes())
                    .is_err()
                {
                    return 1;
                }
            }
            Err(e) => {
                drop(fd);
                // A zero pid tells the pool the fork failed; errno follows.
                let mut reply = [0u8; 8];
                reply[4..].copy_from_slice(&(e as i32).to_le_bytes());
                if control.write_all(&reply[..4]).is_err()
                    || control.write_all(&reply[4..]).is_err()
                {
                    return 1;
                }
            }
        }
    }
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
        &[IoSlice::new(b"F")],
        &cmsg,
        MsgFlags::empty(),
        None,
    )
    .map_err(io::Error::from)?;
    Ok(())
}

/// One request: a byte and a file descriptor; `None` when the pool hung up.
fn receive_fd(control: &UnixStream) -> io::Result<Option<OwnedFd>> {
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = recvmsg::<()>(
        control.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(io::Error::from)?;
    if msg.bytes == 0 {
        return Ok(None);
    }
    for c in msg.cmsgs().map_err(io::Error::from)? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            if let Some(&fd) = fds.first() {
                // SAFETY: the kernel just gave us this descriptor; we own it.
                return Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }));
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "a fork request came without a socket",
    ))
}

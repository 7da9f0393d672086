//! The pool protocol: length-prefixed postcard frames over a Unix socket.
//!
//! A frame is a little-endian `u32` byte count followed by that many bytes
//! of a postcard-encoded [`ToWorker`] or [`FromWorker`]. One `Tasks` frame
//! carries a chunk of tasks (`chunksize`, like `Pool.map`'s); the worker
//! answers each chunk with exactly one `Results` frame.

use std::io::{self, Read, Write};

use bakeoff_workloads::BatchSpec;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Frames larger than this are refused (a corrupt length prefix).
const MAX_FRAME: usize = 1 << 30;

/// Parent → worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// Rebuild this workload; tasks that follow belong to it.
    Setup(BatchSpec),
    /// Run these tasks, in order, and answer with one `Results`.
    Tasks(Vec<TaskInput>),
    /// Report resource usage and exit.
    Exit,
}

/// One task of a chunk: its index in the batch and its encoded input.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskInput {
    /// Index in the batch.
    pub index: u32,
    /// The task's input, postcard-encoded by the workload.
    pub input: Vec<u8>,
}

/// Worker → parent.
#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker is up and waiting for work.
    Ready {
        /// Its process id.
        pid: u32,
    },
    /// The outcome of every task of one chunk.
    Results {
        /// Tasks that finished.
        done: Vec<TaskDone>,
        /// Tasks that failed inside the worker (which lives on).
        failed: Vec<TaskFailed>,
    },
    /// The answer to `Exit`: the worker's own resource usage.
    Bye(WorkerUsage),
}

/// A finished task.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskDone {
    /// Index in the batch.
    pub index: u32,
    /// The task's digest.
    pub digest: u64,
    /// Time spent running it inside the worker, in nanoseconds.
    pub service_ns: u64,
}

/// A task that failed without killing its worker (a panic, bad input).
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskFailed {
    /// Index in the batch.
    pub index: u32,
    /// One line: why.
    pub reason: String,
}

/// A worker's `getrusage(RUSAGE_SELF)` at exit.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct WorkerUsage {
    /// User CPU time, nanoseconds.
    pub user_ns: u64,
    /// System CPU time, nanoseconds.
    pub sys_ns: u64,
    /// Peak RSS, bytes.
    pub max_rss: u64,
    /// Voluntary context switches.
    pub nvcsw: u64,
    /// Involuntary context switches.
    pub nivcsw: u64,
}

impl WorkerUsage {
    /// This process's usage now.
    pub fn of_self() -> WorkerUsage {
        let u = bakeoff_os::usage(bakeoff_os::UsageWho::RUSAGE_SELF);
        WorkerUsage {
            user_ns: u.user_ns,
            sys_ns: u.system_ns,
            max_rss: u.max_rss,
            nvcsw: u.voluntary,
            nivcsw: u.involuntary,
        }
    }
}

/// Writes `msg` as one frame (one `write_all`, so frames never interleave).
pub fn write_frame<T: Serialize>(w: &mut impl Write, msg: &T, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    buf.extend_from_slice(&[0; 4]);
    let taken = std::mem::take(buf);
    *buf = postcard::to_extend(msg, taken).map_err(io::Error::other)?;
    let len = (buf.len() - 4) as u32;
    buf[..4].copy_from_slice(&len.to_le_bytes());
    w.write_all(buf)
}

/// Reads one frame; `Ok(None)` on a clean end of stream before a frame.
pub fn read_frame<T: DeserializeOwned>(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is over the {MAX_FRAME}-byte limit"),
        ));
    }
    buf.resize(len, 0);
    r.read_exact(buf)?;
    postcard::from_bytes(buf)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_eof_is_clean() {
        let mut wire = Vec::new();
        let mut buf = Vec::new();
        let msg = ToWorker::Tasks(vec![TaskInput {
            index: 7,
            input: vec![1, 2, 3],
        }]);
        write_frame(&mut wire, &msg, &mut buf).unwrap();
        write_frame(&mut wire, &ToWorker::Exit, &mut buf).unwrap();
        let mut r = &wire[..];
        match read_frame::<ToWorker>(&mut r, &mut buf).unwrap() {
            Some(ToWorker::Tasks(t)) => {
                assert_eq!((t[0].index, &t[0].input[..]), (7, &[1, 2, 3][..]))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_frame::<ToWorker>(&mut r, &mut buf).unwrap(),
            Some(ToWorker::Exit)
        ));
        assert!(read_frame::<ToWorker>(&mut r, &mut buf).unwrap().is_none());
        let huge = (u32::MAX).to_le_bytes();
        assert!(read_frame::<ToWorker>(&mut &huge[..], &mut buf).is_err());
    }
}

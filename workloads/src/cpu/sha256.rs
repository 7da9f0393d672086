//! `sha256`: hash N buffers of M bytes with the `sha2` crate.
//!
//! The buffers are generated up front from the seed and travel inside the
//! tasks, so a process pool pays to ship them — the course's advice to
//! "send few large objects rather than many small ones" shows up here.

use sha2::{Digest, Sha256 as Hasher};

use crate::{mix64, CpuWorkload, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// Hashes each task's buffer `rounds` times (each round hashes the buffer
/// and the previous digest).
#[derive(Clone, Copy, Debug)]
pub struct Sha256 {
    size: usize,
    rounds: u32,
}

impl CpuWorkload for Sha256 {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "sha256",
        kind: Kind::Cpu,
        description: "SHA-256 of N deterministic buffers of M bytes (data travels with the task)",
        default_tasks: 64,
        params: &[
            ParamSpec {
                name: "size",
                default: "65536",
                help: "bytes per buffer",
            },
            ParamSpec {
                name: "rounds",
                default: "1",
                help: "times each buffer is hashed, chained",
            },
        ],
    };
    type Task = Vec<u8>;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Sha256 {
            size: p.get_at_least("size", 1usize)?,
            rounds: p.get_at_least("rounds", 1u32)?,
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<Vec<u8>> {
        (0..count as u64)
            .map(|i| {
                let mut state = mix64(seed ^ mix64(i));
                let mut buf = Vec::with_capacity(self.size + 8);
                while buf.len() < self.size {
                    state = mix64(state);
                    buf.extend_from_slice(&state.to_le_bytes());
                }
                buf.truncate(self.size);
                buf
            })
            .collect()
    }

    fn execute(&self, buf: &Vec<u8>) -> u64 {
        let mut digest = [0u8; 32];
        for _ in 0..self.rounds {
            let mut h = Hasher::new();
            h.update(digest);
            h.update(buf);
            digest = h.finalize().into();
        }
        u64::from_le_bytes(digest[..8].try_into().expect("32-byte digest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_sha256() {
        // One round over "abc" with a zero prefix is SHA-256(0^32 || "abc").
        let w = Sha256 { size: 3, rounds: 1 };
        let mut h = Hasher::new();
        h.update([0u8; 32]);
        h.update(b"abc");
        let want: [u8; 32] = h.finalize().into();
        assert_eq!(
            w.execute(&b"abc".to_vec()),
            u64::from_le_bytes(want[..8].try_into().unwrap())
        );
        assert_eq!(w.tasks(2, 7), w.tasks(2, 7));
        assert_ne!(w.tasks(2, 7), w.tasks(2, 8));
    }
}

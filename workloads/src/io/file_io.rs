//! `file-io`: each task writes a file of `size` deterministic bytes,
//! `fsync`s it (unless `fsync=false`), reads it back, checks it and
//! removes it — the file half of "IO-bound".
//!
//! Files go in a temporary directory of the workload's own, under
//! [`std::env::temp_dir`], named `bakeoff-file-io-{pid}-{n}-…`: one per
//! built workload (per batch, and per worker process, which rebuilds the
//! workload), created when the first task runs and removed, with anything
//! left in it, when the workload is dropped.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use tempfile::TempDir;

use super::{context, hash_bytes, id_bytes, task_ids, AsyncIo, IoFuture, IoWorkload};
use crate::{Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// Keys the digest, so a file-io task and an echo task of one id differ.
const DIGEST_KEY: u64 = 0xF11E_0000_0000_0001;

/// Numbers the temporary directories this process makes.
static DIRS: AtomicU64 = AtomicU64::new(0);

/// Each task writes, (fsyncs,) reads back, checks and removes a file of
/// `size` bytes; its digest is a hash of the bytes.
#[derive(Debug)]
pub struct FileIo {
    size: usize,
    fsync: bool,
    /// Made on first use; removed (with its contents) on drop.
    dir: OnceLock<Result<TempDir, String>>,
    /// Numbers the files, so that no two tasks ever share a path.
    files: AtomicU64,
}

impl FileIo {
    /// The workload's directory, made on the first call.
    fn dir(&self) -> io::Result<&Path> {
        self.dir
            .get_or_init(|| {
                let prefix = format!(
                    "bakeoff-file-io-{}-{}-",
                    std::process::id(),
                    DIRS.fetch_add(1, Relaxed)
                );
                let parent = std::env::temp_dir();
                tempfile::Builder::new()
                    .prefix(&prefix)
                    .tempdir_in(&parent)
                    .map_err(|e| {
                        format!(
                            "cannot make a temporary directory in {}: {e}",
                            parent.display()
                        )
                    })
            })
            .as_ref()
            .map(TempDir::path)
            .map_err(|e| io::Error::other(e.clone()))
    }

    /// A fresh path for task `id` in the workload's directory.
    fn path(&self, id: u64) -> io::Result<PathBuf> {
        let n = self.files.fetch_add(1, Relaxed);
        Ok(self.dir()?.join(format!("{id:016x}-{n}")))
    }

    /// The digest of task bytes.
    fn digest(data: &[u8]) -> u64 {
        hash_bytes(DIGEST_KEY, data)
    }

    /// Checks what task `id` read back from `path` against what it wrote.
    fn check(id: u64, path: &Path, wrote: &[u8], read: &[u8]) -> io::Result<()> {
        if wrote == read {
            return Ok(());
        }
        let at = wrote
            .iter()
            .zip(read)
            .position(|(a, b)| a != b)
            .unwrap_or(wrote.len().min(read.len()));
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "file-io task {id:016x}: {} read back {} bytes, wrote {}, first difference at byte {at}",
                path.display(),
                read.len(),
                wrote.len()
            ),
        ))
    }
}

impl IoWorkload for FileIo {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "file-io",
        kind: Kind::Io,
        description: "each task writes a file of `size` bytes, fsyncs it, reads it back, checks it and removes it",
        default_tasks: 500,
        params: &[
            ParamSpec {
                name: "size",
                default: "65536",
                help: "bytes per file",
            },
            ParamSpec {
                name: "fsync",
                default: "true",
                help: "fsync each file before reading it back (true|false)",
            },
        ],
    };
    type Task = u64;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(FileIo {
            size: p.get("size")?,
            fsync: p.get("fsync")?,
            dir: OnceLock::new(),
            files: AtomicU64::new(0),
        })
    }

    fn tasks(&self, count: usize, seed: u64) -> Vec<u64> {
        task_ids(count, seed)
    }

    fn expected(&self, task: &u64) -> u64 {
        Self::digest(&id_bytes(*task, self.size))
    }

    fn run<'a>(&'a self, io: &'a dyn AsyncIo, task: &'a u64) -> IoFuture<'a, io::Result<u64>> {
        Box::pin(async move {
            let path = self.path(*task)?;
            let wrote = id_bytes(*task, self.size);
            let ctx = |what: &str| format!("{what} {}", path.display());
            io.write_file(&path, &wrote, self.fsync)
                .await
                .map_err(|e| context(e, ctx("write")))?;
            let read = io
                .read_file(&path)
                .await
                .map_err(|e| context(e, ctx("read")));
            let removed = io
                .remove_file(&path)
                .await
                .map_err(|e| context(e, ctx("remove")));
            Self::check(*task, &path, &wrote, &read?)?;
            removed?;
            Ok(Self::digest(&wrote))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::BlockingIo;
    use std::collections::BTreeMap;

    fn file_io(given: &[(&str, &str)]) -> Result<FileIo, ParamError> {
        let given: BTreeMap<String, String> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        FileIo::from_params(&Params::resolve("file-io", FileIo::INFO.params, &given)?)
    }

    #[test]
    fn tasks_write_read_and_remove_and_the_directory_goes_on_drop() {
        for fsync in ["true", "false"] {
            let w = file_io(&[("size", "1001"), ("fsync", fsync)]).unwrap();
            assert!(w.dir.get().is_none(), "no directory before the first task");
            for task in w.tasks(5, 3) {
                assert_eq!(
                    BlockingIo.run(w.run(&BlockingIo, &task)).unwrap(),
                    w.expected(&task)
                );
            }
            let dir = w.dir().unwrap().to_path_buf();
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                name.starts_with(&format!("bakeoff-file-io-{}-", std::process::id())),
                "{name}"
            );
            assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "files removed");
            // A file left behind goes with the directory.
            std::fs::write(dir.join("left"), b"x").unwrap();
            drop(w);
            assert!(!dir.exists(), "{} outlived its workload", dir.display());
        }
    }

    #[test]
    fn an_empty_file_works_and_sizes_differ() {
        let w = file_io(&[("size", "0")]).unwrap();
        assert_eq!(
            BlockingIo.run(w.run(&BlockingIo, &1)).unwrap(),
            w.expected(&1)
        );
        assert_ne!(
            w.expected(&1),
            file_io(&[("size", "1")]).unwrap().expected(&1)
        );
    }

    #[test]
    fn a_bad_read_back_is_invalid_data_naming_task_and_path() {
        let e = FileIo::check(0x2a, Path::new("/x/y"), b"abc", b"abd").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let msg = e.to_string();
        assert!(
            msg.contains("000000000000002a") && msg.contains("/x/y") && msg.contains("byte 2"),
            "{msg}"
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        for (key, value) in [("size", "-1"), ("fsync", "yes")] {
            let e = file_io(&[(key, value)]).unwrap_err().to_string();
            assert!(e.contains(&format!("`{key}={value}`")), "{e}");
        }
    }
}

//! Runners built on OS threads inside the case process.

mod per_task;
mod pool;
mod rayon;

pub use self::per_task::ThreadPerTask;
pub use self::pool::ThreadPool;
pub use self::rayon::Rayon;

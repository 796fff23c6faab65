//! Progress of long inference runs (toys, scans, limit searches), reported to an observer.
//!
//! The library draws nothing: how progress is shown (terminal bars, a log line, a Python
//! callback) is its caller's choice. A run calls [`Progress::start`] once per task, then
//! [`Progress::advance`] as steps complete, then [`Progress::finish`]; tasks may nest (a
//! toy-based test inside a limit search), each `finish` closing the latest `start`. Toys
//! advance from rayon's worker threads, hence `Send + Sync` and `&self` methods.

use std::fmt;
use std::sync::Arc;

/// An observer of a long inference run. Every method does nothing by default.
pub trait Progress: Send + Sync {
    /// A task named `task` begins, with `total` steps (`None`: not known in advance, as
    /// in a root search).
    fn start(&self, task: &str, total: Option<u64>) {
        let _ = (task, total);
    }

    /// `steps` more steps of the latest task are done.
    fn advance(&self, steps: u64) {
        let _ = steps;
    }

    /// The latest task is over.
    fn finish(&self) {}
}

/// The observer that ignores everything (the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A shared handle to an observer, as option structs hold it: cloning the options shares
/// the observer, and two handles are equal when they point at the same observer.
#[derive(Clone)]
pub struct SharedProgress(Arc<dyn Progress>);

impl SharedProgress {
    /// A handle to `observer`.
    pub fn new(observer: impl Progress + 'static) -> Self {
        SharedProgress(Arc::new(observer))
    }
}

impl Default for SharedProgress {
    fn default() -> Self {
        SharedProgress::new(NoProgress)
    }
}

impl std::ops::Deref for SharedProgress {
    type Target = dyn Progress;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl fmt::Debug for SharedProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedProgress(..)")
    }
}

impl PartialEq for SharedProgress {
    fn eq(&self, other: &Self) -> bool {
        // Observers have no value to compare; the same observer is the only equality.
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct Count(AtomicU64);

    impl Progress for Count {
        fn advance(&self, steps: u64) {
            self.0.fetch_add(steps, Ordering::Relaxed);
        }
    }

    #[test]
    fn shared_handles_compare_by_observer_and_reach_it() {
        let a = SharedProgress::default();
        assert_eq!(a, a.clone());
        assert_ne!(a, SharedProgress::default());
        let count = Arc::new(Count::default());
        struct Forward(Arc<Count>);
        impl Progress for Forward {
            fn advance(&self, steps: u64) {
                self.0.advance(steps);
            }
        }
        let b = SharedProgress::new(Forward(count.clone()));
        b.start("task", Some(3));
        b.advance(2);
        b.clone().advance(1);
        b.finish();
        assert_eq!(count.0.load(Ordering::Relaxed), 3);
    }
}

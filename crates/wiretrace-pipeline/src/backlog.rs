//! A gate on the converted batches waiting for the writer: bounded by
//! count and by bytes.
//!
//! A writer that stalls (the store restarting its log holds it for up to a
//! tenth of a second) should not leave the converting pool idle, so many
//! small batches may wait; a batch of large pages (each item may be up to
//! 16 MB) should not pile up, so bytes bound them too.

use std::sync::{Condvar, Mutex};

/// Batches and bytes waiting, and whether the writer is gone.
#[derive(Debug, Default)]
struct Waiting {
    batches: usize,
    bytes: usize,
    closed: bool,
}

/// Admits a batch while fewer than `min_batches` wait, or fewer than
/// `max_batches` holding under `max_bytes` with it.
#[derive(Debug)]
pub struct Backlog {
    min_batches: usize,
    max_batches: usize,
    max_bytes: usize,
    waiting: Mutex<Waiting>,
    freed: Condvar,
}

impl Backlog {
    pub fn new(min_batches: usize, max_batches: usize, max_bytes: usize) -> Self {
        Backlog {
            min_batches,
            max_batches: max_batches.max(min_batches),
            max_bytes,
            waiting: Mutex::new(Waiting::default()),
            freed: Condvar::new(),
        }
    }

    /// Waits until a batch of `bytes` may join the backlog, and counts it
    /// in; `false` when the taker is gone (nothing will be taken again).
    pub fn admit(&self, bytes: usize) -> bool {
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if w.closed {
                return false;
            }
            let fits = w.batches < self.min_batches
                || (w.batches < self.max_batches && w.bytes + bytes <= self.max_bytes);
            if fits {
                w.batches += 1;
                w.bytes += bytes;
                return true;
            }
            w = self.freed.wait(w).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A batch of `bytes` was taken off the backlog.
    pub fn taken(&self, bytes: usize) {
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        w.batches = w.batches.saturating_sub(1);
        w.bytes = w.bytes.saturating_sub(bytes);
        self.freed.notify_all();
    }

    /// The taker is gone: every wait ends, and nothing is admitted again.
    pub fn close(&self) {
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .closed = true;
        self.freed.notify_all();
    }
}

/// Closes a backlog when dropped: the taker holds one, so that it closes
/// the backlog however it stops (done, or on an error).
pub struct CloseOnDrop<'a>(pub &'a Backlog);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn small_batches_wait_by_the_many_and_large_ones_by_the_few() {
        let b = Backlog::new(2, 4, 100);
        // Small ones: up to the largest count.
        assert!((0..4).all(|_| b.admit(10)));
        // Large ones: the smallest count always, no more past the bytes.
        let b = Backlog::new(2, 4, 100);
        assert!(b.admit(90) && b.admit(90));
        let blocked = Arc::new(b);
        let waiter = {
            let b = blocked.clone();
            std::thread::spawn(move || b.admit(90))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "a third large batch waits");
        blocked.taken(90);
        assert!(waiter.join().unwrap(), "and is admitted once one is taken");
    }

    #[test]
    fn a_gone_taker_ends_every_wait() {
        let b = Arc::new(Backlog::new(1, 1, 0));
        assert!(b.admit(5));
        let waiter = {
            let b = b.clone();
            std::thread::spawn(move || b.admit(5))
        };
        std::thread::sleep(Duration::from_millis(50));
        drop(CloseOnDrop(&b));
        assert!(!waiter.join().unwrap());
        assert!(!b.admit(0));
    }
}

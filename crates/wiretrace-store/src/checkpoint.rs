//! Copies a store's write-ahead log into its file on a thread of its own.
//!
//! SQLite in WAL mode lets the connection that commits also copy the log
//! back ("checkpoint") once it has grown past a size, and sync both files:
//! at 100,000 articles that stopped the one writing thread for a second
//! every few seconds. Here a thread with its own connection does it instead,
//! while the writer goes on: passive checkpoints as the log grows (they
//! never wait for the writer), and, once the log is large, a restart, which
//! waits briefly for the writer so that the log is written from its start
//! again rather than growing without end.

use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the log is looked at while nothing is left to copy.
const IDLE: Duration = Duration::from_millis(200);

/// Log frames (pages) past which the log is made to restart: 16 MiB. A log
/// that grows into new pages of the file costs the kernel a zeroed page for
/// each partly written one (log frames are not page-aligned): restarting
/// at 256 MiB spent 0.8 s of system time more at 100,000 articles. The
/// restart is tried only between passive checkpoints, each of which copies
/// what the writer added meanwhile, so the log outgrows this: at 64 MiB it
/// reached 229 MiB, at 16 MiB 66 MiB.
const RESTART_FRAMES: i64 = 4_096;

/// How long a restart waits for the writer to finish a transaction before
/// it gives up until the next round.
const RESTART_WAIT: Duration = Duration::from_millis(50);

/// The running checkpoint thread; stopped (and joined) when dropped.
pub struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the store at `path`, whose connections should
    /// then leave checkpoints to it (`wal_autocheckpoint` off); `None` when
    /// the thread or its connection cannot be had.
    pub fn start(path: &Path) -> Option<Checkpointer> {
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(RESTART_WAIT).ok()?;
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wiretrace-checkpoint".into())
            .spawn(move || run(&conn, &stopped))
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// The checkpointer's loop, until `stopped` says so (or its sender is gone).
fn run(conn: &Connection, stopped: &Receiver<()>) {
    let mut copied_before = -1;
    loop {
        let mut wait = IDLE;
        if let Some((log, copied)) = checkpoint(conn, "PASSIVE") {
            if log >= RESTART_FRAMES {
                // Failing (the writer is busy) is retried later.
                let _ = checkpoint(conn, "RESTART");
            }
            // Copy again at once while the writer outpaces the copying,
            // unless nothing moved (a reader holds an old snapshot).
            if copied < log && copied != copied_before {
                wait = Duration::ZERO;
            }
            copied_before = copied;
        }
        if stopped.recv_timeout(wait) != Err(RecvTimeoutError::Timeout) {
            return;
        }
    }
}

/// Runs one checkpoint of `mode`: the log's length and how much of it is
/// now in the file, in frames; `None` when it failed.
fn checkpoint(conn: &Connection, mode: &str) -> Option<(i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
    .ok()
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Waits (up to 10 s, else fails the test) until the database file at
/// `path` holds `bytes`: the log has been copied into it.
#[cfg(test)]
pub(crate) fn wait_until_file_holds(path: &Path, bytes: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(path).unwrap().len() < bytes {
        assert!(
            std::time::Instant::now() < deadline,
            "the log never reached the file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_reaches_the_file_while_the_writer_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        let _checkpointer = Checkpointer::start(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        for _ in 0..50 {
            conn.execute("INSERT INTO t VALUES (zeroblob(8192))", [])
                .unwrap();
        }
        // Left to itself the writer would never copy its log (automatic
        // checkpoints are off): the file grows only by the checkpointer.
        wait_until_file_holds(&path, 50 * 8192);
    }
}

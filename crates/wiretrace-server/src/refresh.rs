//! Keeping what the server shows current while it runs.
//!
//! Most of what the server shows is read from the store at each request,
//! so an ingest running beside it shows at once. What is derived from the
//! whole store at once (who said what: quotations across copies, entities)
//! is brought up to date by a [`Refresh`] that the binary gives: the
//! server runs it before it listens, then again whenever the store's
//! generation (see `SqliteStore::generation`) moves. The binary runs it as
//! a process of its own, so the server's memory never holds a whole
//! store's derivation, and an ingest seen while serving is shown.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wiretrace_store::SqliteStore;

/// Brings the store's derived results up to date; blocking.
pub type Refresh = Arc<dyn Fn() -> io::Result<()> + Send + Sync>;

/// The store's generation, on a connection of its own.
pub fn generation(db: &std::path::Path) -> io::Result<u64> {
    let store = SqliteStore::open_existing(db).map_err(io::Error::other)?;
    store.generation().map_err(io::Error::other)
}

/// Runs `refresh` now, then, on a thread of its own, every time the
/// generation of the store at `db` differs from the one it last refreshed
/// from (read every `every`). A refresh that fails is said on standard
/// error and tried again at the next check.
pub fn start(db: PathBuf, refresh: Refresh, every: Duration) -> io::Result<()> {
    let mut seen = generation(&db)?;
    refresh()?;
    std::thread::Builder::new()
        .name("wiretrace-refresh".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            let now = match generation(&db) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("wiretrace: warning: reading the store's generation: {e}");
                    continue;
                }
            };
            if now == seen {
                continue;
            }
            match refresh() {
                Ok(()) => seen = now,
                Err(e) => eprintln!("wiretrace: warning: bringing who said what up to date: {e}"),
            }
        })?;
    Ok(())
}

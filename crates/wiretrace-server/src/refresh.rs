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

/// Brings the store's derived results up to date; blocking. With `true`,
/// it also finishes an analysis an ingest left behind (once, before
/// serving); with `false` it leaves a store whose analysis is pending as
/// it is, since while serving that is an ingest beside the server, which
/// finishes its own analysis, and says so with `Ok(false)`: it is asked
/// again at the next check.
pub type Refresh = Arc<dyn Fn(bool) -> io::Result<bool> + Send + Sync>;

/// Runs `refresh` now, then, on a thread of its own, every time the
/// generation of the store at `db` differs from the one it last refreshed
/// from (read every `every`, on a connection the thread keeps). A refresh
/// that fails is said on standard error and tried again at the next check.
pub fn start(db: PathBuf, refresh: Refresh, every: Duration) -> io::Result<()> {
    let store = SqliteStore::open_existing(&db).map_err(io::Error::other)?;
    let mut seen = store.generation().map_err(io::Error::other)?;
    refresh(true)?;
    std::thread::Builder::new()
        .name("wiretrace-refresh".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            let now = match store.generation() {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("wiretrace: warning: reading the store's generation: {e}");
                    continue;
                }
            };
            if now == seen {
                continue;
            }
            match refresh(false) {
                Ok(true) => seen = now,
                Ok(false) => {}
                Err(e) => eprintln!("wiretrace: warning: bringing who said what up to date: {e}"),
            }
        })?;
    Ok(())
}

//! `wiretrace demo`: a store built from the corpus in `demo/`, written for
//! wiretrace (fictional outlets and events), embedded in the binary so the
//! command works from any directory.

use anyhow::{Context, Result};
use std::path::Path;
use wiretrace_ingest::Limits;
use wiretrace_store::SqliteStore;

use crate::pipeline;

/// The corpus: (path under demo/, contents).
const CORPUS: &[(&str, &str)] = &[
    (
        "feeds/mpa-wire.jsonl",
        include_str!("../demo/feeds/mpa-wire.jsonl"),
    ),
    (
        "sites/harbour-courier-dock-strike.txt",
        include_str!("../demo/sites/harbour-courier-dock-strike.txt"),
    ),
    (
        "sites/valley-herald-strike.html",
        include_str!("../demo/sites/valley-herald-strike.html"),
    ),
    (
        "sites/north-gazette-picket-line.html",
        include_str!("../demo/sites/north-gazette-picket-line.html"),
    ),
];

/// The demo's temporary folder is named this and a process id: every
/// input of a demo store starts so.
const DIR_PREFIX: &str = "wiretrace-demo-";

/// A file at `db` is replaced only when it is a demo store: `--db` may
/// name the user's own store by mistake.
fn refuse_to_replace_another_store(db: &Path) -> Result<()> {
    if std::fs::symlink_metadata(db).is_err() {
        return Ok(());
    }
    let own = SqliteStore::open_existing(db)
        .and_then(|s| s.inputs_not_like(&format!("%{DIR_PREFIX}%")))
        .is_ok_and(|others| others == 0);
    anyhow::ensure!(
        own,
        "{} exists and is not a demo store: the demo replaces only its own store (name another file)",
        db.display()
    );
    Ok(())
}

/// Writes the corpus to a temporary directory and ingests it into a fresh
/// store at `db` (an existing file there is replaced).
pub fn build(db: &Path) -> Result<SqliteStore> {
    refuse_to_replace_another_store(db)?;
    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}", std::process::id()));
    for (name, text) in CORPUS {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("corpus paths have a folder"))?;
        std::fs::write(&path, text)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", db.display());
        if Path::new(&p).exists() {
            std::fs::remove_file(&p).with_context(|| format!("replacing {p}"))?;
        }
    }
    let mut store = SqliteStore::open(db)?;
    let summary = pipeline::ingest(
        &mut store,
        &[dir.display().to_string()],
        Limits::default(),
        true,
    )?;
    pipeline::analyse(&mut store, true, true)?;
    crate::quotes::bring_up_to_date(&mut store)?;
    std::fs::remove_dir_all(&dir).ok();
    anyhow::ensure!(
        summary.rejected == 0,
        "the demo corpus had rejected items: {:?}",
        summary.rejections
    );
    Ok(store)
}

//! Killing an ingest (SIGKILL) leaves a store that opens, holds no
//! half-written article, and a re-run completes the ingest.

mod common;
use common::*;
use std::io::Write;
use std::time::{Duration, Instant};

const ARTICLES: usize = 6000;

fn count(db: &std::path::Path) -> usize {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))
        .unwrap_or(0) as usize
}

#[test]
fn sigkill_mid_ingest_leaves_a_consistent_store_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&feed).unwrap());
    // Distinct texts (a pseudo-random walk over made-up words), as real feeds are.
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut word = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let syllables = [
            "ka", "lo", "mi", "ren", "tas", "vo", "dru", "pel", "sen", "ar", "um", "bis",
        ];
        (0..2 + seed % 2)
            .map(|k| syllables[((seed >> (8 * k)) % 12) as usize])
            .collect::<String>()
    };
    for i in 0..ARTICLES {
        let first: Vec<String> = (0..25).map(|_| word()).collect();
        let second: Vec<String> = (0..20).map(|_| word()).collect();
        writeln!(f, r#"{{"id": "k{i}", "title": "Item {i}", "text": "Article {i}: {}.\n\n{}, body of some length."}}"#, first.join(" "), second.join(" ")).unwrap();
    }
    drop(f);
    let db = dir.path().join("w.db");
    let bin = assert_cmd::cargo::cargo_bin("wiretrace");
    let mut child = std::process::Command::new(&bin)
        .arg("--db")
        .arg(&db)
        .args(["ingest", "--quiet"])
        .arg(&feed)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while count(&db) == 0 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let at_kill = count(&db);
    assert!(
        at_kill > 0 && at_kill < ARTICLES,
        "the kill must land mid-ingest (stored {at_kill} of {ARTICLES})"
    );

    // The store opens, passes SQLite's own check, and every stored article is whole.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    for a in export(&db, "articles") {
        let text = a["clean_text"].as_str().unwrap();
        assert!(
            text.starts_with("Article ") && text.ends_with("body of some length."),
            "half-written article: {a}"
        );
    }

    // A re-run completes the ingest, storing each article once.
    wiretrace(&db)
        .args(["ingest", "--quiet"])
        .arg(&feed)
        .assert()
        .success();
    assert_eq!(count(&db), ARTICLES);
    assert_eq!(export(&db, "stories").len(), ARTICLES);
}

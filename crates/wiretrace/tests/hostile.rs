//! What hostile input can do to the command line: floods of rejected
//! lines, escape sequences in ingested text, numbers past their range.

mod common;
use common::*;
use std::io::Write;

#[test]
fn a_flood_of_one_rejection_is_stored_as_a_count() {
    use flate2::{write::GzEncoder, Compression};
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("flood.jsonl.gz");
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    for _ in 0..100_000 {
        gz.write_all(b"{}\n\n").unwrap();
    }
    gz.write_all(b"{\"id\": \"real\", \"text\": \"One real article among the junk, long enough to be prose.\"}\n")
        .unwrap();
    std::fs::write(&feed, gz.finish().unwrap()).unwrap();
    let db = dir.path().join("w.db");
    let out = wiretrace(&db)
        .args(["ingest", "--quiet"])
        .arg(&feed)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("100001 items: 1 ingested"), "{stdout}");
    assert!(stdout.contains("100000 rejected"), "{stdout}");
    let rejected = export(&db, "rejected");
    assert_eq!(rejected.len(), 11, "the first ten and a count");
    let count = rejected
        .iter()
        .find(|r| r["input"].as_str().unwrap().contains("99990 more items"))
        .unwrap_or_else(|| panic!("{rejected:?}"));
    assert!(count["reason"].as_str().unwrap().contains("neither"));
    assert_eq!(export(&db, "articles").len(), 1);
}

#[test]
fn escape_sequences_in_ingested_text_reach_no_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let title = "\u{1b}]0;owned\u{7}Ferry \u{1b}[31mresumes\u{1b}[0m on the coast";
    let text = "The ferry between Oskar and Lund resumed service on Monday \u{1b}[2J\u{1b}]8;;https://evil.example\u{1b}\\after a week of storms, the operator said.\n\nPassengers queued from dawn\r, and the first crossing left on time.";
    let line = serde_json::json!({"id": "esc-1", "site": "Coast \u{1b}[5mNews", "published": "2025-03-03T10:00:00Z", "title": title, "text": text});
    std::fs::write(&feed, format!("{line}\n")).unwrap();
    let db = dir.path().join("w.db");
    ingest_quietly(&db, &feed);
    let story = export(&db, "stories")[0]["story"]
        .as_str()
        .unwrap()
        .to_string();
    for args in [
        &["stories"][..],
        &["story", &story, "--why"],
        &["article", "esc-1"],
        &["compare", "esc-1", "esc-1"],
    ] {
        let out = stdout_of(&db, args);
        assert!(
            !out.contains(['\u{1b}', '\u{7}', '\r']),
            "{args:?} printed a control character: {out:?}"
        );
        assert!(
            out.contains("\\u{1b}"),
            "{args:?} shows where it was: {out}"
        );
    }
    // JSON escapes them itself, and keeps the text as it is.
    let json = stdout_of(&db, &["--json", "article", "esc-1"]);
    assert!(!json.contains('\u{1b}'));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["title"], title);
    // A file name is ingested content too.
    let folder = dir.path().join("pages");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("bad\u{1b}[2Jname.txt"), "").unwrap();
    let out = wiretrace(&db)
        .args(["ingest", "--quiet"])
        .arg(&folder)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains('\u{1b}') && stdout.contains("bad\\u{1b}[2Jname.txt"),
        "{stdout}"
    );
    let listed = stdout_of(&db, &["rejected"]);
    assert!(!listed.contains('\u{1b}'), "{listed}");
}

#[test]
fn a_limit_past_its_range_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let page = dir.path().join("p.txt");
    std::fs::write(
        &page,
        "Title\n\nA paragraph long enough to be the body of an article.\n",
    )
    .unwrap();
    for limit in ["18446744073709551615", "0", "lots"] {
        for command in ["ingest", "extract"] {
            let out = wiretrace(&db)
                .args([command, "--max-item-bytes", limit])
                .arg(&page)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{command} {limit}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("--max-item-bytes"), "{stderr}");
        }
    }
    assert!(!db.exists());
}

#[test]
fn markdown_output_keeps_a_title_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("p.html");
    std::fs::write(
        &page,
        "<html><head><title>*Breaking* [click](https://evil.example) &lt;img src=x onerror=alert(1)&gt; #1</title></head><body><article><p>The ferry between Oskar and Lund resumed service on Monday after a week of storms, the operator said.</p><p>Passengers queued from dawn, and the first crossing left on time.</p></article></body></html>",
    )
    .unwrap();
    let out = wiretrace(&dir.path().join("unused.db"))
        .args(["extract", "--format", "markdown"])
        .arg(&page)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let heading = stdout.lines().next().unwrap();
    assert_eq!(
        heading,
        r"# \*Breaking\* \[click\](https://evil.example) \<img src=x onerror=alert(1)\> \#1",
        "{stdout}"
    );
}

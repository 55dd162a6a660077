//! Bad input: every item ends stored or listed as rejected with its reason,
//! nothing panics, and the exit code says whether anything was rejected.

mod common;
use common::*;
use std::io::Write;

const GOOD_TEXT: &str = "Ferry service resumes on the coast\n\nThe ferry between Oskar and Lund resumed service on Monday after a week of storms, the operator said.\n\nPassengers queued from dawn, and the first crossing left on time.\n";

#[test]
fn bad_items_are_rejected_with_reasons_and_good_ones_stored() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let w = |name: &str, bytes: &[u8]| std::fs::write(inputs.join(name), bytes).unwrap();

    w("good.txt", GOOD_TEXT.as_bytes());
    w("empty.txt", b"");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    w("random.html", &noise);
    // Latin-1 text that is not valid UTF-8 and declares nothing: decoded by detection.
    w("legacy.txt", b"Le minist\xe8re annonce la fin de la gr\xe8ve\n\nLe minist\xe8re des transports a annonc\xe9 jeudi que la gr\xe8ve des dockers \xe9tait termin\xe9e apr\xe8s un accord.\n");
    // A Latin-1 page that declares its charset.
    let mut latin1 = b"<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9 reopens in Lund</title></head><body><article><p>The caf\xe9 on the quay in Lund reopened on Friday, its owner Ren\xe9e Dahl said, after repairs that took most of the winter.</p></article></body></html>".to_vec();
    latin1.push(b'\n');
    w("latin1.html", &latin1);
    let mut feed = Vec::new();
    writeln!(feed, r#"{{"id": "f1", "title": "One", "text": "The first feed article has enough words to be a paragraph of prose."}}"#).unwrap();
    writeln!(feed, r#"{{"id": "f2", "title": "Two", "text": "broken"#).unwrap();
    feed.extend(b"{\"id\": \"f3\", \"text\": \"invalid \xff\xfe bytes in a JSON line\"}\n");
    writeln!(feed, r#"{{"id": "f4", "title": "Four", "text": "The fourth feed article also has enough words to count as prose."}}"#).unwrap();
    w("feed.jsonl", &feed);
    w("photo.png", b"\x89PNG\r\n\x1a\n");
    // 50 MB of text: over the default per-item limit.
    let big = std::fs::File::create(inputs.join("huge.txt")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();

    let db = dir.path().join("w.db");
    let out = wiretrace(&db).arg("ingest").arg(&inputs).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(3),
        "exit code 3 says items were rejected; stderr: {stderr}"
    );

    let rejected = export(&db, "rejected");
    let reason = |input_suffix: &str| -> String {
        let r = rejected
            .iter()
            .find(|r| r["input"].as_str().unwrap().ends_with(input_suffix))
            .unwrap_or_else(|| panic!("{input_suffix} not listed: {rejected:?}"));
        r["reason"].as_str().unwrap().to_string()
    };
    assert_eq!(reason("empty.txt"), "empty input");
    assert!(
        reason("random.html").contains("binary"),
        "{}",
        reason("random.html")
    );
    assert!(reason("feed.jsonl:line 2").starts_with("malformed JSON"));
    assert!(reason("feed.jsonl:line 3").contains("not UTF-8"));
    assert!(reason("huge.txt").contains("too large"));
    // A folder's image is no news input: skipped and counted, not rejected.
    assert!(!rejected
        .iter()
        .any(|r| r["input"].as_str().unwrap().ends_with("photo.png")));
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped: 1 file not news input"));
    assert_eq!(rejected.len(), 5, "{rejected:?}");

    let articles = export(&db, "articles");
    let text_of = |suffix: &str| {
        articles
            .iter()
            .find(|a| a["input"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} not stored"))["clean_text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(text_of("good.txt").starts_with("The ferry between Oskar"));
    assert!(text_of("legacy.txt").contains("ministère des transports a annoncé"));
    assert!(text_of("latin1.html")
        .contains("The café on the quay in Lund reopened on Friday, its owner Renée Dahl said"));
    assert!(text_of("feed.jsonl:line 1").starts_with("The first feed article"));
    assert!(text_of("feed.jsonl:line 4").starts_with("The fourth feed article"));
    assert_eq!(articles.len(), 5);

    // `wiretrace rejected` shows them to people too.
    let listed = wiretrace(&db).arg("rejected").output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("huge.txt") && listed.contains("file too large"),
        "{listed}"
    );
}

#[test]
fn truncated_gzip_feed_keeps_the_lines_before_the_break() {
    use flate2::{write::GzEncoder, Compression};
    let dir = tempfile::tempdir().unwrap();
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    for i in 0..3000 {
        writeln!(enc, r#"{{"id": "g{i}", "text": "Feed article number {i} has enough distinct words, {i} times over, to be prose."}}"#).unwrap();
    }
    let gz = enc.finish().unwrap();
    let path = dir.path().join("feed.jsonl.gz");
    std::fs::write(&path, &gz[..gz.len() * 2 / 3]).unwrap();
    let db = dir.path().join("w.db");
    let out = wiretrace(&db)
        .args(["ingest", "--quiet"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let rejected = export(&db, "rejected");
    assert!(
        rejected.iter().any(|r| r["reason"]
            .as_str()
            .unwrap()
            .contains("truncated or corrupt gzip")),
        "{rejected:?}"
    );
    let stored = export(&db, "articles").len();
    assert!(stored > 1000 && stored < 3000, "{stored}");
}

#[test]
fn json_lines_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let feed = "{\"id\": \"s1\", \"text\": \"A story read from standard input, long enough to be prose.\"}\nnot json\n";
    let out = wiretrace(&db)
        .args(["ingest", "-"])
        .write_stdin(feed)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(export(&db, "articles")[0]["id"], "s1");
    assert_eq!(export(&db, "rejected")[0]["input"], "-:line 2");
}

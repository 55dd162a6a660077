//! Web archives in: real Heritrix and wget WARC/ARC files from ../shared,
//! and a WARC written here with the transfer codings crawlers keep.

mod common;

use common::{export, shared_or_skip, wiretrace};
use flate2::{write::GzEncoder, Compression};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn ingest_json(db: &Path, input: &Path) -> (Value, i32) {
    common::ingest_json(db, &[input])
}

/// Writes `archive` as a gzipped WARC in `dir` and ingests it into a new
/// store there, which must succeed: the store and the summary.
fn ingest_archive(dir: &Path, archive: &[u8]) -> (std::path::PathBuf, Value) {
    let input = dir.join("crawl.warc.gz");
    std::fs::write(&input, archive).unwrap();
    let db = dir.join("w.db");
    let (s, code) = ingest_json(&db, &input);
    assert_eq!(code, 0, "{s}");
    (db, s)
}

/// Archive records skipped as no page, over every kind.
fn records_skipped(summary: &Value) -> u64 {
    summary["skipped_records"]
        .as_object()
        .map_or(0, |kinds| kinds.values().filter_map(Value::as_u64).sum())
}

#[test]
fn every_sample_archive_is_read_with_its_counts() {
    let Some(shared) = shared_or_skip("every_sample_archive_is_read_with_its_counts") else {
        return;
    };
    let dir = shared.join("data/warc-samples");
    // (file, HTML pages with a 2xx status, records that are not pages):
    // counted from the files' own records (warcinfo, request, metadata,
    // DNS, images, feeds, robots.txt, redirects).
    let cases = [
        ("IAH-20080430204825-00000-blackbook-truncated.arc.gz", 2, 7),
        ("IAH-20080430204825-00000-blackbook-truncated.warc", 2, 21),
        (
            "IAH-20080430204825-00000-blackbook-truncated.warc.gz",
            2,
            21,
        ),
        ("IAH-urls-wget.warc.gz", 2, 34),
        ("post-blackout.warc.gz", 1, 116),
    ];
    for (file, pages, skipped) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("w.db");
        let (s, code) = ingest_json(&db, &dir.join(file));
        assert_eq!(code, 0, "{file}: {s}");
        assert_eq!(s["items"], pages, "{file}: {s}");
        assert_eq!(s["rejected"], 0, "{file}: {s}");
        assert_eq!(records_skipped(&s), skipped, "{file}: {s}");
        let articles = export(&db, "articles");
        assert!(!articles.is_empty(), "{file}");
        for a in &articles {
            let url = a["url"].as_str().unwrap_or_default();
            assert!(
                url.starts_with("http"),
                "{file}: article without its URL: {a}"
            );
        }
    }
    // wget fetched https://archive.org/ twice: one article, the second fetch
    // unchanged.
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("w.db");
    let (s, _) = ingest_json(&db, &dir.join("IAH-urls-wget.warc.gz"));
    assert_eq!(s["ingested"], 1, "{s}");
    assert_eq!(s["unchanged"], 1, "{s}");
}

#[test]
fn a_cut_archive_keeps_what_came_before_and_names_the_offset() {
    let Some(shared) = shared_or_skip("a_cut_archive_keeps_what_came_before_and_names_the_offset")
    else {
        return;
    };
    let whole = std::fs::read(
        shared.join("data/warc-samples/IAH-20080430204825-00000-blackbook-truncated.warc.gz"),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // The gzip member of http://www.archive.org/index.php's response starts
    // at byte 3380; cut inside it.
    let cut = tmp.path().join("cut.warc.gz");
    std::fs::write(&cut, &whole[..3380 + 500]).unwrap();
    let db = tmp.path().join("w.db");
    let (s, code) = ingest_json(&db, &cut);
    assert_eq!(code, 3, "{s}");
    assert_eq!(
        s["items"], 2,
        "one page before the cut, and the cut record: {s}"
    );
    assert_eq!(s["rejected"], 1, "{s}");
    let reason = &s["rejections"][0];
    assert!(
        reason["input"]
            .as_str()
            .unwrap()
            .ends_with("cut.warc.gz at byte 3380"),
        "{reason}"
    );
    assert!(
        reason["reason"].as_str().unwrap().contains("truncated"),
        "{reason}"
    );
    // The same cut, uncompressed: the record is named by its own offset.
    let plain = std::fs::read(
        shared.join("data/warc-samples/IAH-20080430204825-00000-blackbook-truncated.warc"),
    )
    .unwrap();
    let cut = tmp.path().join("cut.warc");
    std::fs::write(&cut, &plain[..5169 + 2000]).unwrap();
    let db = tmp.path().join("w2.db");
    let (s, code) = ingest_json(&db, &cut);
    assert_eq!(code, 3, "{s}");
    let reason = &s["rejections"][0];
    assert!(
        reason["input"]
            .as_str()
            .unwrap()
            .ends_with("cut.warc at byte 5169"),
        "{reason}"
    );
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn response_record(uri: &str, date: &str, http: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    r.extend(http);
    r.extend(b"\r\n\r\n");
    r
}

#[test]
fn a_crawled_page_is_decoded_as_the_transfer_says() {
    // A Latin-1 page whose charset only the HTTP header gives, gzipped and
    // sent in chunks, as a crawler stores it.
    let mut page =
        b"<html><head><title>Harbour pilots end strike</title></head><body><article>".to_vec();
    for _ in 0..3 {
        page.extend(b"<p>The pilots of Port Veln\xe9 voted on Tuesday to end the strike that had held forty ships at anchor, the union's secretary Ren\xe9e Marchal said.</p>");
    }
    page.extend(b"</article></body></html>");
    let body = gz(&page);
    let mut http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in body.chunks(100) {
        http.extend(format!("{:x}\r\n", part.len()).as_bytes());
        http.extend(part);
        http.extend(b"\r\n");
    }
    http.extend(b"0\r\n\r\n");
    let request = b"WARC/1.0\r\nWARC-Type: request\r\nWARC-Target-URI: https://veln-gazette.example/pilots\r\nContent-Length: 0\r\n\r\n\r\n\r\n".to_vec();
    let archive = [
        gz(&request),
        gz(&response_record(
            "https://veln-gazette.example/pilots",
            "2026-05-12T09:30:00Z",
            &http,
        )),
    ]
    .concat();
    let tmp = tempfile::tempdir().unwrap();
    let (db, s) = ingest_archive(tmp.path(), &archive);
    assert_eq!(records_skipped(&s), 1, "{s}");
    let articles = export(&db, "articles");
    assert_eq!(articles.len(), 1);
    let a = &articles[0];
    assert_eq!(a["url"], "https://veln-gazette.example/pilots");
    let text = a["clean_text"].as_str().unwrap();
    assert!(
        text.contains("Port Velné") && text.contains("Renée Marchal"),
        "{text}"
    );
}

#[test]
fn a_warc_on_stdin_is_read() {
    let page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>The ferry to Kessel Island runs again from Monday after the storm damage to the pier was repaired, the operator said in a statement.</p></body></html>";
    let archive = response_record(
        "https://kessel-news.example/ferry",
        "2026-05-12T09:30:00Z",
        page,
    );
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("w.db");
    wiretrace(&db)
        .args(["ingest", "--quiet", "-"])
        .write_stdin(gz(&archive))
        .assert()
        .success();
    let articles = export(&db, "articles");
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0]["url"], "https://kessel-news.example/ferry");
}

/// A crawled page of `site` published at `published` (its own meta tag).
fn crawled_page(site: &str, published: &str, paras: &[&str]) -> Vec<u8> {
    let mut page = format!(
        "<html><head><title>Lighthouse keepers vote to stay</title><meta property=\"og:site_name\" content=\"{site}\"><meta property=\"article:published_time\" content=\"{published}\"></head><body><article><h1>Lighthouse keepers vote to stay</h1>"
    );
    for p in paras {
        page.push_str(&format!("<p>{p}</p>"));
    }
    page.push_str("</article></body></html>");
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n".to_vec(),
        page.into_bytes(),
    ]
    .concat()
}

#[test]
fn a_copy_first_seen_later_is_not_the_source_though_it_claims_an_earlier_time() {
    let paras = [
        "The keepers of the Skarholm light voted on Thursday to stay at their posts through the winter, after the harbour board withdrew its plan to run the lamp from the mainland.",
        "Board chair Ilse Varnholt said the board had misjudged how often storms cut the cable to the island, and that the keepers would keep their cottages on the rock.",
        "The vote was unanimous. Keeper Tomas Reyl said the three families had packed their boxes twice this year and would now unpack them for good.",
        "Fishermen from the north harbour had petitioned the board for a month, saying a remote lamp had failed twice last winter while boats were out in the squalls.",
    ];
    // The original: published 09:00, crawled 09:10. The copy claims 05:00,
    // four hours earlier (a lead its clock alone would win), but the
    // crawler saw it only at 13:00.
    let archive = [
        gz(&response_record(
            "https://skarholm-tidende.example/keepers-stay",
            "2026-05-12T09:10:00Z",
            &crawled_page("Skarholm Tidende", "2026-05-12T09:00:00Z", &paras),
        )),
        gz(&response_record(
            "https://coastline-reprints.example/keepers",
            "2026-05-12T13:00:00Z",
            &crawled_page("Coastline Reprints", "2026-05-12T05:00:00Z", &paras),
        )),
    ]
    .concat();
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = ingest_archive(tmp.path(), &archive);
    let articles = export(&db, "articles");
    let id_of = |host: &str| {
        let a = articles
            .iter()
            .find(|a| a["url"].as_str().unwrap().contains(host))
            .unwrap_or_else(|| panic!("{host} stored: {articles:?}"));
        a["id"].as_str().unwrap().to_string()
    };
    let (orig, copy) = (id_of("skarholm-tidende"), id_of("coastline-reprints"));
    let seen: Vec<(&str, &str)> = articles
        .iter()
        .map(|a| {
            (
                a["url"].as_str().unwrap(),
                a["first_seen"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        seen.contains(&(
            "https://skarholm-tidende.example/keepers-stay",
            "2026-05-12T09:10:00Z"
        )),
        "{seen:?}"
    );
    let copies = export(&db, "copies");
    let family = copies
        .iter()
        .find(|r| r["id"] == copy.as_str())
        .expect("the copy is in a family");
    assert_eq!(family["source"], orig.as_str(), "{copies:?}");
    let why = common::stdout_of(&db, &["article", &copy, "--why"]);
    assert!(
        why.contains(&format!(
            "{copy} was first seen 3 h 50 min after {orig} (2026-05-12T09:10:00+00:00), so it cannot be the source"
        )),
        "{why}"
    );
    assert!(
        why.contains(&format!(
            "{orig} is the only member first seen in time with a trusted publication time"
        )),
        "{why}"
    );
    let shown = common::stdout_of(&db, &["article", &copy]);
    assert!(
        shown.contains("first seen: 2026-05-12T13:00:00Z"),
        "{shown}"
    );
}

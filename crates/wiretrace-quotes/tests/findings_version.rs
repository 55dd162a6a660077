//! Stores keep each article's findings under `FINDINGS_VERSION` and derive
//! them again only when it changes: a change to what the stage finds that
//! forgets to bump it leaves every store with stale findings (as happened
//! once: 'I've' stayed a speaker in refreshed stores). This test hashes the
//! findings over a fixed set of texts (the demo corpus always; PolNeAR dev
//! from ../shared too where it is beside the checkout, as in CI) and holds
//! the hashes recorded for the current version in
//! `tests/findings_versions.txt`. When the findings change, bump
//! `FINDINGS_VERSION` and add a line for it with the hashes printed here.

use std::path::Path;
use wiretrace_core::join_paragraphs;
use wiretrace_quotes::across::FINDINGS_VERSION;
use wiretrace_quotes::analyze_text;
use xxhash_rust::xxh3::Xxh3;

/// Paragraphs of a text: its lines (or blank-line blocks) that hold words.
fn paragraphs(text: &str, by_blank_lines: bool) -> Vec<String> {
    let parts: Vec<&str> = if by_blank_lines {
        text.split("\n\n").collect()
    } else {
        text.lines().collect()
    };
    parts
        .into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn findings_hash(texts: &[Vec<String>]) -> String {
    let mut h = Xxh3::new();
    for paras in texts {
        let (text, body) = join_paragraphs(paras);
        let q = analyze_text(&text, &body);
        h.update(
            serde_json::to_string(&q)
                .expect("findings serialise")
                .as_bytes(),
        );
        h.update(b"\n");
    }
    format!("{:016x}", h.digest())
}

fn demo_texts() -> Vec<Vec<String>> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wiretrace/demo");
    let feed = std::fs::read_to_string(demo.join("feeds/mpa-wire.jsonl")).expect("demo feed");
    let mut texts: Vec<Vec<String>> = feed
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("demo feed line");
            paragraphs(v["text"].as_str().expect("text"), true)
        })
        .collect();
    let site = std::fs::read_to_string(demo.join("sites/harbour-courier-dock-strike.txt"))
        .expect("demo text");
    texts.push(paragraphs(&site, true));
    texts
}

/// PolNeAR dev's texts, where ../shared is beside the checkout.
fn polnear_texts() -> Option<Vec<Vec<String>>> {
    let archive = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/polnear-dev/PolNeAR_dev.tar.xz");
    if !archive.is_file() {
        eprintln!(
            "SKIPPED the PolNeAR half of findings_version: ../shared is not beside this checkout"
        );
        return None;
    }
    let tmp = tempfile::tempdir().expect("temporary directory");
    let status = std::process::Command::new("tar")
        .arg("-xJf")
        .arg(&archive)
        .arg("-C")
        .arg(tmp.path())
        .status()
        .expect("tar runs");
    assert!(status.success());
    let dir = tmp.path().join("PolNeAR_dev/dev/text");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("PolNeAR texts")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    Some(
        names
            .iter()
            .map(|p| paragraphs(&std::fs::read_to_string(p).expect("text"), false))
            .collect(),
    )
}

#[test]
fn findings_that_change_bump_the_findings_version() {
    let recorded = include_str!("findings_versions.txt");
    let line = recorded
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.split_whitespace().next() == Some(&FINDINGS_VERSION.to_string()));
    let demo = findings_hash(&demo_texts());
    let polnear = polnear_texts().map(|t| findings_hash(&t));
    let now = format!(
        "{FINDINGS_VERSION} demo {demo} polnear {}",
        polnear.as_deref().unwrap_or("?")
    );
    let Some(line) = line else {
        panic!("no hashes recorded for findings version {FINDINGS_VERSION}: add the line\n{now}");
    };
    let field = |k: &str| {
        let w: Vec<&str> = line.split_whitespace().collect();
        w.iter()
            .position(|x| *x == k)
            .and_then(|i| w.get(i + 1))
            .copied()
    };
    let advice = format!(
        "the findings changed under version {FINDINGS_VERSION}: bump FINDINGS_VERSION \
         (crates/wiretrace-quotes/src/across.rs) so that stores derive them again, and \
         add the line\n{now}"
    );
    assert_eq!(field("demo"), Some(demo.as_str()), "{advice}");
    if let Some(polnear) = &polnear {
        assert_eq!(field("polnear"), Some(polnear.as_str()), "{advice}");
    }
}

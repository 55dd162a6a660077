//! Version chains and sources users can trust, on fixtures written for
//! them (tests/fixtures): a wire story re-filed four times through a day,
//! with copies of each version on other sites, and a copy run three hours
//! after its original with less boilerplate and a paragraph more.

mod common;
use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture_lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// A store with `batches` ingested one after the other (each its own
/// ingest run), and its copies export by id.
fn ingested(dir: &Path, name: &str, batches: &[Vec<String>]) -> (PathBuf, HashMap<String, Value>) {
    let db = dir.join(format!("{name}.db"));
    for (i, lines) in batches.iter().enumerate() {
        let input = dir.join(format!("{name}-{i}.jsonl"));
        std::fs::write(&input, lines.join("\n") + "\n").unwrap();
        ingest_quietly(&db, &input);
    }
    let copies = export(&db, "copies")
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect();
    (db, copies)
}

/// The version an article of write-through.jsonl is (`nna-vN`) or copies.
fn version_of_fixture(id: &str) -> String {
    format!("nna-{}", id.rsplit('-').next().unwrap())
}

#[test]
fn a_wire_story_with_four_write_throughs_is_one_chain_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let lines = fixture_lines("write-through.jsonl");
    let mut reversed = lines.clone();
    reversed.reverse();
    let mut by_text = lines.clone();
    by_text.sort();
    let half = lines.len() / 2;
    let orders: [(&str, Vec<Vec<String>>); 4] = [
        ("as-filed", vec![lines.clone()]),
        ("reversed", vec![reversed]),
        ("by-text", vec![by_text]),
        (
            "later-half-first",
            vec![lines[half..].to_vec(), lines[..half].to_vec()],
        ),
    ];
    for (name, batches) in orders {
        let (_, copies) = ingested(dir.path(), name, &batches);
        assert_eq!(copies.len(), lines.len(), "{name}");
        for (id, r) in &copies {
            let version = version_of_fixture(id);
            assert_eq!(r["chain"], "nna-v1", "{name}: {id}: {r}");
            assert_eq!(r["family"], version.as_str(), "{name}: {id}: {r}");
            let want_source = if *id == version {
                Value::Null
            } else {
                Value::from(version.as_str())
            };
            assert_eq!(r["source"], want_source, "{name}: {id}: {r}");
        }
        for (v, prev) in [
            ("nna-v2", "nna-v1"),
            ("nna-v3", "nna-v2"),
            ("nna-v4", "nna-v3"),
            ("nna-v5", "nna-v4"),
        ] {
            assert_eq!(copies[v]["version_of"], prev, "{name}: {v}");
        }
        assert_eq!(copies["nna-v1"]["version_of"], Value::Null, "{name}");
    }
}

#[test]
fn a_copy_three_hours_later_with_less_padding_and_a_longer_text_is_not_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let lines = fixture_lines("late-copy.jsonl");
    let mut reversed = lines.clone();
    reversed.reverse();
    for (name, order) in [("as-filed", lines), ("reversed", reversed)] {
        let (_, copies) = ingested(dir.path(), name, &[order]);
        assert_eq!(
            copies["riverside-ferry"]["source"], "harbourdaily-ferry",
            "{name}"
        );
        assert_eq!(
            copies["harbourdaily-ferry"]["source"],
            Value::Null,
            "{name}"
        );
        assert_eq!(copies["harbourdaily-ferry"]["chain"], Value::Null, "{name}");
    }
}

#[test]
fn article_why_explains_a_copys_source_and_a_versions_place() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = ingested(dir.path(), "late", &[fixture_lines("late-copy.jsonl")]);
    let why = stdout_of(&db, &["article", "riverside-ferry", "--why"]);
    assert_eq!(
        why,
        "riverside-ferry\n\
         copy of harbourdaily-ferry (the original of family harbourdaily-ferry)\n\
         why:\n  \
         - harbourdaily-ferry was published first (2026-02-04T10:00:00+00:00), 3 h 0 min before \
         the next member with a trusted clock (riverside-ferry); a lead over 2 h is never \
         outweighed by the text\n"
    );
    // The JSON form carries the same reasons.
    let json: Value =
        serde_json::from_str(&stdout_of(&db, &["--json", "article", "riverside-ferry"])).unwrap();
    let reasons: Vec<String> = why
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .map(String::from)
        .collect();
    assert_eq!(json["why"], serde_json::json!(reasons));

    let (db, _) = ingested(dir.path(), "chain", &[fixture_lines("write-through.jsonl")]);
    let why = stdout_of(&db, &["article", "valleypost-v3", "--why"]);
    for line in [
        "copy of nna-v3 (the original of family nna-v3)",
        "version chain of nna-v1",
        "a later version of nna-v2",
        "credits NNA, and nna-v3 is that agency's own copy",
        "  - a later version of nna-v2 (",
    ] {
        assert!(why.contains(line), "{line:?} not in:\n{why}");
    }
    let first = stdout_of(&db, &["article", "nna-v1", "--why"]);
    assert!(
        first.contains("the first of 5 versions of this text"),
        "{first}"
    );
}

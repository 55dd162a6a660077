//! `wiretrace quotes` and the attributions of `wiretrace article`, computed
//! at read time from stored articles.

mod common;
use common::*;
use serde_json::Value;

const FEED: &str = r#"{"id": "kpa-1", "url": "https://kestrel-press.example/1", "published": "2025-04-02T09:00:00+00:00", "title": "Lindqvist docks to reopen", "text": "LINDQVIST (KPA) – Harbour Minister Ilse Marek said on Tuesday the docks of Lindqvist would reopen next week after a month of strikes.\n\n\"The piers are safe again,\" Marek told reporters. \"Every crane has been checked.\"\n\nThe strike will end on Friday, according to the Harbour Workers Union.\n\nA senior official said the talks had been difficult."}
{"id": "kpa-2", "url": "https://kestrel-press.example/2", "published": "2025-04-03T09:00:00+00:00", "title": "Tram fares frozen in Veldt", "text": "VELDT (KPA) – Mayor Tomas Ferrow froze tram fares on Wednesday.\n\n\"Nobody should pay more to get to work,\" he said."}
"#;

#[test]
fn quotes_lists_who_said_what_and_filters_by_speaker() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let feed = dir.path().join("feed.jsonl");
    std::fs::write(&feed, FEED).unwrap();
    ingest_quietly(&db, &feed);

    let out = wiretrace(&db)
        .args(["quotes", "--json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by = |words: &str| {
        rows.iter()
            .find(|r| r["text"].as_str().unwrap().contains(words))
            .unwrap_or_else(|| panic!("no row holds {words:?}: {rows:#?}"))
    };
    let piers = by("The piers are safe again");
    assert_eq!(piers["speaker"]["name"], "Ilse Marek");
    assert_eq!(piers["speaker"]["title"], "Harbour Minister");
    assert!(piers["text"].as_str().unwrap().contains("Every crane"));
    assert_eq!(piers["article"], "kpa-1");
    assert_eq!(by("would reopen next week")["cue_text"], "said");
    assert_eq!(
        by("Nobody should pay more")["speaker"]["name"],
        "Tomas Ferrow"
    );
    assert_eq!(by("talks had been difficult")["speaker"]["kind"], "unnamed");

    let out = wiretrace(&db)
        .args(["quotes", "--speaker", "marek"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Ilse Marek (Harbour Minister): \"The piers are safe again,\""),
        "{text}"
    );
    assert!(!text.contains("Ferrow"), "{text}");
}

#[test]
fn article_shows_its_attributions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let feed = dir.path().join("feed.jsonl");
    std::fs::write(&feed, FEED).unwrap();
    ingest_quietly(&db, &feed);
    let out = wiretrace(&db)
        .args(["article", "kpa-2", "--json"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let atts = v["attributions"].as_array().unwrap();
    assert_eq!(atts.len(), 1, "{atts:?}");
    assert_eq!(atts[0]["source_text"], "he");
    assert_eq!(atts[0]["speaker"]["name"], "Tomas Ferrow");
    let out = wiretrace(&db)
        .args(["article", "kpa-2"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "Who said what:\n  Tomas Ferrow (Mayor): \"Nobody should pay more to get to work,\""
        ),
        "{text}"
    );
}

#[test]
fn seed_pair_quotes_through_the_binary() {
    let Some(shared) = shared_or_skip("seed_pair_quotes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    ingest_quietly(&db, &shared.join("seeds"));
    let texts = |speaker: &str| -> Vec<String> {
        let out = wiretrace(&db)
            .args(["quotes", "--json", "--speaker", speaker])
            .output()
            .expect("runs");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let has = |v: &[String], words: &str| v.iter().any(|t| t.contains(words));
    let rubio = texts("Marco Rubio");
    assert!(
        has(&rubio, "If you're on a boat full of cocaine"),
        "{rubio:?}"
    );
    assert!(
        has(
            &rubio,
            "been very clear that he’s going to use the full power of America"
        ),
        "{rubio:?}"
    );
    assert!(has(
        &texts("Cabello"),
        "they murdered 11 people without due process"
    ));
    assert!(has(
        &texts("de la Fuente"),
        "self-determination, non-intervention and peaceful solution of controversies"
    ));
    assert!(has(&texts("Sheinbaum"), "We don’t accept subordination"));
}

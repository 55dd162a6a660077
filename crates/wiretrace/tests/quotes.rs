//! `wiretrace quotes`, the attributions of `wiretrace article`, and who
//! said what across copies and stories (quotations with their carriers,
//! entities), derived from the stored articles when first read.

mod common;
use common::*;
use serde_json::Value;

const FEED: &str = r#"{"id": "kpa-1", "url": "https://kestrel-press.example/1", "published": "2025-04-02T09:00:00+00:00", "title": "Lindqvist docks to reopen", "text": "LINDQVIST (KPA) – Harbour Minister Ilse Marek said on Tuesday the docks of Lindqvist would reopen next week after a month of strikes.\n\n\"The piers are safe again,\" Marek told reporters. \"Every crane has been checked.\"\n\nThe strike will end on Friday, according to the Harbour Workers Union.\n\nA senior official said the talks had been difficult."}
{"id": "kpa-2", "url": "https://kestrel-press.example/2", "published": "2025-04-03T09:00:00+00:00", "title": "Tram fares frozen in Veldt", "text": "VELDT (KPA) – Mayor Tomas Ferrow froze tram fares on Wednesday.\n\n\"Nobody should pay more to get to work,\" he said."}
"#;

/// A new store holding [`FEED`] (with the directory that keeps it).
fn store_of_feed() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let feed = dir.path().join("feed.jsonl");
    std::fs::write(&feed, FEED).unwrap();
    ingest_quietly(&db, &feed);
    (dir, db)
}

#[test]
fn quotes_lists_who_said_what_and_filters_by_speaker() {
    let (_dir, db) = store_of_feed();

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
    assert_eq!(piers["first_article"], "kpa-1");
    assert_eq!(piers["carriers"], 1);
    assert_eq!(by("would reopen next week")["cue"], "said");
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
    let (_dir, db) = store_of_feed();
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

/// A wire story and three copies: one word for word (with padding), one
/// re-punctuated, one trimmed.
const COPIES: &str = include_str!("fixtures/quote-copies.jsonl");

/// The quotation of the harbour minister, as `wiretrace quotes --json`.
fn ferry_quotation(db: &std::path::Path) -> Value {
    let out = stdout_of(db, &["quotes", "--json", "--speaker", "ilse marek"]);
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|q: &Value| q["text"].as_str().unwrap().contains("one more ferry"))
        .collect();
    assert_eq!(rows.len(), 1, "{out}");
    rows.into_iter().next().unwrap()
}

#[test]
fn a_quote_carried_by_a_wire_story_and_its_copies_is_one_quotation_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = COPIES.lines().collect();
    assert_eq!(lines.len(), 4);
    let files: Vec<std::path::PathBuf> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let p = dir.path().join(format!("{i}.jsonl"));
            std::fs::write(&p, format!("{l}\n")).unwrap();
            p
        })
        .collect();
    // All at once; one by one, wire first; one by one, wire last; copies
    // together, then the wire (reading who said what in between).
    let orders: [&[&[usize]]; 4] = [
        &[&[0, 1, 2, 3]],
        &[&[0], &[1], &[2], &[3]],
        &[&[3], &[2], &[1], &[0]],
        &[&[2, 1, 3], &[0]],
    ];
    let mut seen: Option<Value> = None;
    for (n, batches) in orders.iter().enumerate() {
        let db = dir.path().join(format!("order-{n}.db"));
        for batch in batches.iter() {
            let mut cmd = wiretrace(&db);
            cmd.args(["ingest", "--quiet"]);
            for &i in batch.iter() {
                cmd.arg(&files[i]);
            }
            cmd.assert().success();
            stdout_of(&db, &["quotes"]);
        }
        let q = ferry_quotation(&db);
        assert_eq!(q["carriers"], 4, "order {n}: {q:#}");
        assert_eq!(q["first_article"], "kpa-ferry", "order {n}: {q:#}");
        assert_eq!(q["first_site"], "Kestrel Press Agency");
        assert_eq!(q["reporters"], serde_json::json!(["kpa-ferry"]));
        assert_eq!(q["speaker"]["name"], "Ilse Marek");
        let change = |id: &str| {
            q["carried_by"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["article"] == id)
                .unwrap_or_else(|| panic!("{id} carries it: {q:#}"))["change"]
                .clone()
        };
        assert_eq!(change("kpa-ferry"), "same");
        assert_eq!(change("coastal-ferry"), "same");
        assert_eq!(change("harbour-ferry"), "punctuation");
        assert_eq!(change("isles-ferry"), "trimmed");
        assert_eq!(q["changed"], 2);
        assert!(q["carried_by"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["reporter"] == "kpa-ferry"));
        // Every order gives the same quotations, ids and all.
        let all = export(&db, "quotes");
        let all = serde_json::json!(all);
        match &seen {
            None => seen = Some(all),
            Some(first) => assert_eq!(first, &all, "order {n} differs"),
        }
    }
    // The text listing says who reported it first and how many carry it.
    let db = dir.path().join("order-0.db");
    let text = stdout_of(&db, &["quotes", "--speaker", "marek"]);
    assert!(
        text.contains("[4 carriers, 2 reworded; first: Kestrel Press Agency, 2025-05-08]"),
        "{text}"
    );
    // The article lists its attributions with their quotation.
    let text = stdout_of(&db, &["article", "isles-ferry"]);
    assert!(text.contains("[4 carriers, first: kpa-ferry]"), "{text}");
}

#[test]
fn quotes_filter_by_the_entities_they_name_and_by_story() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let feed = dir.path().join("feed.jsonl");
    let reply = r#"{"id": "veldt-reply", "url": "https://veldt-courier.example/reply", "published": "2025-05-09T09:00:00+00:00", "title": "Veldt mayor answers the minister", "text": "VELDT – Mayor Tomas Ferrow answered the harbour ministry on Friday.\n\n\"Ilse Marek has broken every promise she made to the crews of this city,\" Ferrow said."}"#;
    std::fs::write(&feed, format!("{COPIES}{reply}\n")).unwrap();
    ingest_quietly(&db, &feed);
    let story = stdout_of(&db, &["article", "kpa-ferry", "--json"]);
    let story: Value = serde_json::from_str(&story).unwrap();
    let story = story["story"].as_str().unwrap().to_string();
    // Said by Marek: her own quotations; naming Marek: Ferrow's.
    let by = stdout_of(&db, &["quotes", "--speaker", "marek"]);
    assert!(
        by.contains("one more ferry") && !by.contains("broken every promise"),
        "{by}"
    );
    let naming = stdout_of(&db, &["quotes", "--entity", "marek"]);
    assert!(
        naming.contains("Tomas Ferrow (Mayor): \"Ilse Marek has broken every promise"),
        "{naming}"
    );
    assert!(!naming.contains("one more ferry"), "{naming}");
    let in_story = stdout_of(&db, &["quotes", "--story", &story]);
    assert!(in_story.contains("one more ferry"), "{in_story}");
    let out = wiretrace(&db)
        .args(["quotes", "--story", "s-none"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no story \"s-none\""));
    // Entities export: one line per entity, with the articles naming it.
    let ents = export(&db, "entities");
    let marek = ents
        .iter()
        .find(|e| e["name"] == "Ilse Marek")
        .unwrap_or_else(|| panic!("{ents:#?}"));
    assert_eq!(marek["kind"], "person");
    assert_eq!(marek["articles"], 5);
    assert!(marek["quotes"].as_u64().unwrap() >= 1, "{marek:#}");
    assert_eq!(marek["named_in"].as_array().unwrap().len(), 5);
}

#[test]
fn seed_pair_marco_rubio_is_one_entity_across_both_articles() {
    let Some(shared) = shared_or_skip("seed_pair_marco_rubio_is_one_entity") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    ingest_quietly(&db, &shared.join("seeds"));
    let ents = export(&db, "entities");
    let rubios: Vec<&Value> = ents
        .iter()
        .filter(|e| {
            e["name"].as_str().unwrap().contains("Rubio")
                || e["aliases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a.as_str().unwrap().contains("Rubio"))
        })
        .collect();
    assert_eq!(rubios.len(), 1, "{rubios:#?}");
    let rubio = rubios[0];
    assert_eq!(rubio["name"], "Marco Rubio");
    assert_eq!(rubio["kind"], "person");
    assert_eq!(rubio["articles"], 2, "{rubio:#}");
    let aliases: Vec<&str> = rubio["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(aliases.contains(&"Rubio"), "{aliases:?}");
    // His quotes in both articles go to the one entity.
    let out = stdout_of(&db, &["quotes", "--json", "--speaker", "Marco Rubio"]);
    let articles: std::collections::BTreeSet<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .inspect(|q| assert_eq!(q["speaker"]["entity"], rubio["id"], "{q:#}"))
        .flat_map(|q| {
            q["carried_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["article"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(articles.len(), 2, "{out}");
}

#[test]
fn a_revised_article_is_analysed_again_and_its_old_quote_goes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let line = |quote: &str| {
        format!(
            r#"{{"id": "veldt-1", "url": "https://veldt-courier.example/1", "published": "2025-04-03T09:00:00+00:00", "title": "Tram fares", "text": "VELDT – Mayor Tomas Ferrow spoke on Wednesday.\n\n\"{quote},\" he said."}}"#
        )
    };
    let feed = dir.path().join("v1.jsonl");
    std::fs::write(&feed, line("Nobody should pay more to get to work")).unwrap();
    ingest_quietly(&db, &feed);
    assert!(stdout_of(&db, &["quotes"]).contains("Nobody should pay more"));
    std::fs::write(&feed, line("Fares will stay frozen until the spring")).unwrap();
    ingest_quietly(&db, &feed);
    let out = stdout_of(&db, &["quotes"]);
    assert!(out.contains("Fares will stay frozen"), "{out}");
    assert!(!out.contains("Nobody should pay more"), "{out}");
}

#[test]
fn findings_stored_by_another_version_of_the_stage_are_found_again() {
    // A store whose findings an older stage wrote (its version noted as 0,
    // in the generation note too; its findings empty) is analysed again on
    // the next read, with no ingest: a new release's rules reach stores
    // built before it.
    let (_dir, db) = store_of_feed();
    assert!(stdout_of(&db, &["quotes"]).contains("The piers are safe again"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        r#"UPDATE article_quotes SET quotes = '{"attributions":[],"entities":[]}';
           UPDATE checkpoints SET value = CAST('0' AS BLOB) WHERE name = 'quotes_findings';
           UPDATE checkpoints SET value = CAST('0' || substr(CAST(value AS TEXT), instr(CAST(value AS TEXT), '/')) AS BLOB)
             WHERE name = 'quotes_generation';"#,
    )
    .unwrap();
    drop(conn);
    let out = stdout_of(&db, &["quotes"]);
    assert!(out.contains("The piers are safe again"), "{out}");
}

/// BASIL's 300 articles (three outlets' reports of 100 events), from
/// ../shared, as one JSON Lines feed.
fn basil_feed(shared: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    let status = std::process::Command::new("tar")
        .arg("-xJf")
        .arg(shared.join("data/basil/BASIL.tar.xz"))
        .arg("-C")
        .arg(dir)
        .status()
        .expect("tar runs");
    assert!(status.success());
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    for year in std::fs::read_dir(dir.join("BASIL/articles")).unwrap() {
        for f in std::fs::read_dir(year.unwrap().path()).unwrap() {
            paths.push(f.unwrap().path());
        }
    }
    paths.sort();
    let mut feed = String::new();
    for p in &paths {
        let a: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let paras: Vec<String> = a["body-paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|para| {
                let sentences: Vec<&str> = para
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                sentences.join(" ")
            })
            .collect();
        let row = serde_json::json!({
            "id": p.file_stem().unwrap().to_string_lossy(),
            "url": a["url"],
            "site": a["source"],
            "published": format!("{}T12:00:00Z", a["date"].as_str().unwrap()),
            "title": a["title"],
            "text": paras.join("\n\n"),
        });
        feed.push_str(&row.to_string());
        feed.push('\n');
    }
    let path = dir.join("basil.jsonl");
    std::fs::write(&path, feed).unwrap();
    path
}

#[test]
fn who_said_what_over_real_articles_of_three_outlets() {
    let Some(shared) = shared_or_skip("who_said_what_over_real_articles_of_three_outlets") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let feed = basil_feed(&shared, dir.path());
    let db = dir.path().join("w.db");
    ingest_quietly(&db, &feed);
    // Every read of who said what succeeds over them (a short quotation
    // said by two people in one article once gave two rows one id).
    let quotes = export(&db, "quotes");
    assert!(quotes.len() > 1_000, "{}", quotes.len());
    let mut ids: Vec<&str> = quotes.iter().map(|q| q["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "quotation ids are unique");
    assert!(export(&db, "entities").len() > 1_000);
    let listed = stdout_of(&db, &["quotes", "--speaker", "Glenn Beck"]);
    assert!(listed.contains("Glenn Beck"), "{listed}");
}

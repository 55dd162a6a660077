//! The command line as a user meets it.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::io::Write;

#[test]
fn demo_builds_a_store_and_prints_its_stories() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = assert_cmd::Command::cargo_bin("wiretrace")
        .unwrap()
        .current_dir(dir.path())
        .args(["demo", "--demo-db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Port Aldren dockworkers walk out"),
        "{stdout}"
    );

    let copies = export(&db, "copies");
    let source_of = |id_part: &str| {
        copies
            .iter()
            .filter(|c| c["id"].as_str().unwrap().contains(id_part))
            .map(|c| c["source"].clone())
            .next()
    };
    let articles = export(&db, "articles");
    let id_by_site = |site: &str| {
        articles.iter().find(|a| a["site"] == site).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for reprint in [
        id_by_site("The Harbour Courier"),
        id_by_site("Valley Herald"),
    ] {
        assert_eq!(
            source_of(&reprint),
            Some(serde_json::json!("mpa-2025-0304-strike")),
            "{reprint} should be a copy of the wire report"
        );
    }
    assert_eq!(
        source_of(&id_by_site("North Gazette")),
        Some(serde_json::Value::Null),
        "an independent report is no copy"
    );
    assert_eq!(
        source_of("mpa-2025-0302-strike-preview"),
        Some(serde_json::Value::Null),
        "the preview shares a paragraph, it is no copy"
    );

    let stories = export(&db, "stories");
    let story_of = |id: &str| stories.iter().find(|s| s["id"] == id).unwrap()["story"].clone();
    let strike = story_of("mpa-2025-0304-strike");
    for id in [
        "mpa-2025-0302-strike-preview",
        "mpa-2025-0306-strike-ends",
        &id_by_site("North Gazette"),
        &id_by_site("The Harbour Courier"),
    ] {
        assert_eq!(story_of(id), strike, "{id} belongs to the strike story");
    }
    assert_ne!(story_of("mpa-2025-0305-veldt-tram"), strike);
    assert_ne!(story_of("mpa-2025-0303-kessel-snow"), strike);
    assert_ne!(
        story_of("mpa-2025-0303-kessel-snow"),
        story_of("mpa-2025-0305-veldt-tram")
    );

    // The scraped copy lost its junk and kept its caption apart.
    let courier = articles
        .iter()
        .find(|a| a["site"] == "The Harbour Courier")
        .unwrap();
    assert_eq!(courier["title"], "Dock strike halts Port Aldren traffic");
    let clean = courier["clean_text"].as_str().unwrap();
    assert!(
        !clean.contains("Spread the love")
            && !clean.contains("facebook")
            && !clean.contains("Leave a Reply")
    );
    assert_eq!(courier["captions"].as_array().unwrap().len(), 1);

    // Story, article and compare views work on it.
    wiretrace(&db)
        .args(["story", strike.as_str().unwrap(), "--why"])
        .assert()
        .success()
        .stdout(predicates::str::contains("copy of mpa-2025-0304-strike"));
    wiretrace(&db)
        .args(["article", "mpa-2025-0304-strike"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Mara Lindqvist"));
    wiretrace(&db)
        .args([
            "compare",
            "mpa-2025-0304-strike",
            &id_by_site("Valley Herald"),
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("[-harbour-]"));
    wiretrace(&db)
        .args(["story", "no-such-story"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no story"));
}

#[test]
fn extract_prints_one_object_per_input_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let page = demo_corpus().join("sites/valley-herald-strike.html");
    let gz = dir.path().join("courier.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(
        &std::fs::read(demo_corpus().join("sites/harbour-courier-dock-strike.txt")).unwrap(),
    )
    .unwrap();
    enc.finish().unwrap();
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, "").unwrap();
    let out = assert_cmd::Command::cargo_bin("wiretrace")
        .unwrap()
        .arg("extract")
        .arg(&page)
        .arg(&empty)
        .arg(&gz)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["input"]
        .as_str()
        .unwrap()
        .ends_with("valley-herald-strike.html"));
    assert_eq!(
        lines[0]["title"],
        "Strike shuts Port Aldren as pay talks collapse"
    );
    assert_eq!(lines[0]["site"], "Valley Herald");
    assert_eq!(lines[0]["published"], "2025-03-04T14:02:00+01:00");
    let body = lines[0]["clean_text"].as_str().unwrap();
    assert!(
        body.starts_with("PORT ALDREN (MPA)")
            && !body.contains("Subscribe")
            && !body.contains("About time the workers"),
        "{body}"
    );
    assert_eq!(lines[1]["error"], "empty input");
    assert_eq!(lines[2]["title"], "Dock strike halts Port Aldren traffic");

    let md = assert_cmd::Command::cargo_bin("wiretrace")
        .unwrap()
        .args(["extract", "--format", "markdown"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout)
        .starts_with("# Strike shuts Port Aldren as pay talks collapse\n"));
}

#[test]
fn reingest_is_idempotent_and_a_changed_text_is_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    wiretrace(&db)
        .args(["ingest", "--quiet"])
        .args(demo_inputs())
        .assert()
        .success();
    let before = (
        export(&db, "articles").len(),
        export(&db, "copies"),
        export(&db, "passages"),
        export(&db, "stories"),
    );
    let again = wiretrace(&db)
        .args(["--json", "ingest", "--quiet"])
        .args(demo_inputs())
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (summary["ingested"].as_u64(), summary["unchanged"].as_u64()),
        (Some(0), Some(8))
    );
    assert_eq!(
        before,
        (
            export(&db, "articles").len(),
            export(&db, "copies"),
            export(&db, "passages"),
            export(&db, "stories")
        )
    );

    let feed = dir.path().join("update.jsonl");
    std::fs::write(&feed, r#"{"id": "mpa-2025-0305-veldt-tram", "url": "https://mpa-wire.example/2025/03/05/veldt-tram-extension", "published": "2025-03-05T18:00:00+01:00", "title": "Veldt approves tram extension (updated)", "text": "VELDT (MPA) – Veldt city council on Wednesday approved the tram extension to the airport, and the national government said it would pay half."}"#).unwrap();
    let out = wiretrace(&db)
        .args(["--json", "ingest", "--quiet"])
        .arg(&feed)
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["revised"], 1);
    assert_eq!(
        export(&db, "articles").len(),
        8,
        "a revision is not a second article"
    );
    let a = wiretrace(&db)
        .args(["--json", "article", "mpa-2025-0305-veldt-tram"])
        .output()
        .unwrap();
    let a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert!(a["clean_text"].as_str().unwrap().contains("would pay half"));
}

fn sorted(rows: Vec<serde_json::Value>) -> BTreeSet<String> {
    rows.into_iter().map(|r| r.to_string()).collect()
}

/// Every story's summary (headline, dates, articles, outlets).
fn story_summaries(db: &std::path::Path) -> BTreeSet<String> {
    let out = wiretrace(db)
        .args(["--json", "stories", "--limit", "1000000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// Copies, passages and stories of two stores are the same.
fn assert_same_groupings(one: &std::path::Path, other: &std::path::Path) {
    for what in ["copies", "passages", "stories"] {
        assert_eq!(
            sorted(export(one, what)),
            sorted(export(other, what)),
            "{what} differ between {} and {}",
            one.display(),
            other.display()
        );
    }
    assert_eq!(story_summaries(one), story_summaries(other));
}

/// `one.db` under `dir` with the demo ingested at once, and the path of
/// `many.db`, to fill otherwise.
fn demo_at_once_and_many(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (one, many) = (dir.join("one.db"), dir.join("many.db"));
    wiretrace(&one)
        .args(["ingest", "--quiet"])
        .args(demo_inputs())
        .assert()
        .success();
    (one, many)
}

/// The demo's items, one file each (the feed's lines too), under `dir`,
/// sorted.
fn one_input_per_item(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let split = dir.join("split");
    std::fs::create_dir(&split).unwrap();
    let feed = std::fs::read_to_string(demo_corpus().join("feeds/mpa-wire.jsonl")).unwrap();
    let mut inputs: Vec<std::path::PathBuf> = feed
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let p = split.join(format!("line{i}.jsonl"));
            std::fs::write(&p, l).unwrap();
            p
        })
        .collect();
    for f in std::fs::read_dir(demo_corpus().join("sites")).unwrap() {
        inputs.push(f.unwrap().path());
    }
    inputs.sort();
    inputs
}

#[test]
fn results_do_not_depend_on_ingest_order_or_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (one, many) = demo_at_once_and_many(dir.path());
    // The same items, one file per run, in reverse order; the feed's lines too.
    let inputs = one_input_per_item(dir.path());
    for p in inputs.iter().rev() {
        ingest_quietly(&many, p);
    }
    assert_same_groupings(&one, &many);
}

#[test]
fn stories_left_behind_by_ingest_come_out_as_if_kept_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let (one, many) = demo_at_once_and_many(dir.path());
    // One item per run, in reverse order, so that runs bring articles
    // from before the stories' checkpoint; every other run leaves the
    // stories behind, the last one too.
    let inputs = one_input_per_item(dir.path());
    let runs = inputs.len();
    let behind = || {
        rusqlite::Connection::open(&many)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM checkpoints WHERE name = 'stories_behind'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    };
    for (i, p) in inputs.iter().rev().enumerate() {
        let mut ingest = wiretrace(&many);
        ingest.args(["ingest", "--quiet"]).arg(p);
        let defer = (runs - 1 - i).is_multiple_of(2);
        if defer {
            ingest.arg("--no-stories");
        }
        ingest.assert().success();
        assert_eq!(behind(), i64::from(defer), "after run {i}");
    }
    assert_same_groupings(&one, &many);
    assert_eq!(behind(), 0, "reading the stories brought them up to date");
}

#[test]
fn pending_articles_stored_without_sketches_are_sketched_by_the_analysis() {
    // Ingest stores each article's sketch; a store made before it did holds
    // pending articles without one. Here: the demo's articles, every one
    // pending again, with no sketch and no relation.
    let dir = tempfile::tempdir().unwrap();
    let (one, old) = (dir.path().join("one.db"), dir.path().join("old.db"));
    for db in [&one, &old] {
        wiretrace(db)
            .args(["ingest", "--quiet"])
            .args(demo_inputs())
            .assert()
            .success();
    }
    let articles = {
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch(
            "DELETE FROM sketches; DELETE FROM relations; DELETE FROM families;
             INSERT INTO pending_analysis (article_id) SELECT id FROM articles;",
        )
        .unwrap();
        conn.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    // Nothing new to store: the analysis alone brings the store up to date.
    wiretrace(&old)
        .args(["ingest", "--quiet"])
        .args(demo_inputs())
        .assert()
        .success();
    assert_same_groupings(&one, &old);
    let conn = rusqlite::Connection::open(&old).unwrap();
    let (sketched, pending): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM sketches), (SELECT COUNT(*) FROM pending_analysis)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((sketched, pending), (articles, 0));
}

/// 130 articles of ten sites: each carries one stock paragraph and three
/// of its own.
fn stock_paragraph_feed() -> Vec<String> {
    let stock = "The harbour authority reminds all visitors that the eastern quay remains \
                 closed to private vehicles between dawn and dusk while resurfacing work \
                 continues under the supervision of the port engineer and her staff";
    let mut seed: u64 = 0x5eed;
    let mut word = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("w{}", (seed >> 33) % 50_000)
    };
    (0..130)
        .map(|i| {
            let own: Vec<String> = (0..3)
                .map(|_| (0..40).map(|_| word()).collect::<Vec<_>>().join(" ") + ".")
                .collect();
            let text = format!("{}\n\n{stock}.\n\n{}\n\n{}", own[0], own[1], own[2]);
            // On ten sites: on one, the paragraph would be that site's
            // furniture, which links nothing at any count.
            serde_json::json!({
                "id": format!("stock-{i:03}"),
                // Each from a site of its own: a paragraph every page of one
                // site carries is that site's template (see
                // wiretrace_core::template), not text it shares.
                "site": format!("quay{i:03}.example"),
                "published": format!("2025-04-{:02}T10:00:00Z", 1 + i % 28),
                "title": format!("Quay notice {i}"),
                "text": text,
            })
            .to_string()
        })
        .collect()
}

#[test]
fn a_paragraph_that_becomes_common_stops_linking_pairs_whatever_the_batches() {
    let dir = tempfile::tempdir().unwrap();
    let lines = stock_paragraph_feed();
    let write = |name: &str, rows: &[String]| {
        let p = dir.path().join(name);
        std::fs::write(&p, rows.join("\n")).unwrap();
        p
    };
    let (all, first, rest) = (
        write("all.jsonl", &lines),
        write("first.jsonl", &lines[..40]),
        write("rest.jsonl", &lines[40..]),
    );
    let (one, many) = (dir.path().join("one.db"), dir.path().join("many.db"));
    ingest_quietly(&many, &first);
    // Held by 40 articles, the paragraph is still rare enough to link them.
    assert!(!export(&many, "passages").is_empty());
    ingest_quietly(&many, &rest);
    ingest_quietly(&one, &all);
    // Held by 130, it is common text: it links nothing, in either store.
    assert_same_groupings(&one, &many);
    assert!(export(&one, "passages").is_empty());
}

/// Forty days of local news from four fictional towns: an event every
/// third day per town, reported by a local paper and by a wire that a
/// second site copies. Each event has its own names and details.
fn local_news_feed() -> Vec<(String, String)> {
    let towns = ["Orlen", "Pesk", "Quillby", "Rantho"];
    let events = [
        "council approves the tram depot",
        "river floods the lower town",
        "bakers strike over night shifts",
        "fire guts the market hall",
    ];
    let mut seed: u64 = 0x10ca1;
    let mut word = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("w{}", (seed >> 33) % 20_000)
    };
    let mut out = Vec::new();
    for day in 0..40u32 {
        for (t, town) in towns.iter().enumerate() {
            if !(day as usize + t).is_multiple_of(3) {
                continue;
            }
            let what = events[(day as usize / 4 + t) % events.len()];
            // The event's own details: a person, a place, what happened.
            let details: Vec<String> = (0..24).map(|_| word()).collect();
            let person = format!("Anka {}", details[0].to_uppercase());
            let (month, date) = if day < 31 {
                (5, day + 1)
            } else {
                (6, day - 30)
            };
            for report in 0..3u32 {
                let published = format!(
                    "2025-{month:02}-{date:02}T{:02}:{:02}:00Z",
                    8 + report,
                    t * 7
                );
                let text = if report == 0 {
                    let own: Vec<String> = (0..20).map(|_| word()).collect();
                    format!(
                        "In {town}, the {what}, {person} told the Courier.\n\n{} {}.\n\n{}.",
                        details[..12].join(" "),
                        own[..10].join(" "),
                        own[10..].join(" ")
                    )
                } else {
                    format!(
                        "{town} (Vale Wire) - The {what}, {person} said.\n\n{}.\n\n{}.",
                        details[..16].join(" "),
                        details[8..].join(" ")
                    )
                };
                let row = serde_json::json!({
                    "id": format!("{town}-{day:02}-{report}"),
                    "site": format!("outlet{report}.example"),
                    "published": published,
                    "title": format!("{town}: {what}"),
                    "text": text,
                });
                out.push((published, row.to_string()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn stories_resume_from_their_checkpoint_and_give_what_one_run_gives() {
    let dir = tempfile::tempdir().unwrap();
    let feed = local_news_feed();
    // Undated reports of the first days' events, shortened: taken after
    // every dated article, they find their stories, dormant by then,
    // through the dormant index, in every run that takes them again.
    let undated: Vec<(String, String)> = feed
        .iter()
        .filter(|r| r.0.starts_with("2025-05-0") && r.1.contains("-1\""))
        .take(3)
        .map(|r| {
            let mut row: serde_json::Value = serde_json::from_str(&r.1).unwrap();
            let id = format!("{}-undated", row["id"].as_str().unwrap());
            let paragraphs: Vec<&str> = row["text"].as_str().unwrap().split("\n\n").collect();
            let text = format!(
                "{}\n\n{}\n\nNeighbours said they expected more news soon.",
                paragraphs[0], paragraphs[1]
            );
            row["id"] = id.into();
            row["text"] = text.into();
            row.as_object_mut().unwrap().remove("published");
            (String::new(), row.to_string())
        })
        .collect();
    assert_eq!(undated.len(), 3);
    // The first undated report is republished, dated, on the last day: from
    // then on it follows that copy into a new story, and the dormant story
    // an earlier run put it in must no longer list it.
    let retold = {
        let mut row: serde_json::Value = serde_json::from_str(&undated[0].1).unwrap();
        let id = format!("{}-retold", row["id"].as_str().unwrap());
        let text = format!("{} More soon.", row["text"].as_str().unwrap());
        let published = &feed.last().unwrap().0;
        row["id"] = id.into();
        row["text"] = text.into();
        row["published"] = published.clone().into();
        (published.clone(), row.to_string())
    };
    let write = |name: &str, rows: &[(String, String)]| {
        let p = dir.path().join(name);
        let lines: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        std::fs::write(&p, lines.join("\n")).unwrap();
        p
    };
    let (one, daily) = (dir.path().join("one.db"), dir.path().join("daily.db"));
    wiretrace(&one)
        .args(["ingest", "-q"])
        .arg(write(
            "all.jsonl",
            &[feed.clone(), undated.clone(), vec![retold.clone()]].concat(),
        ))
        .assert()
        .success();
    // The same feed a few days at a time, in publication order, except one
    // report that comes a batch late (inside the settling window) and one
    // that comes weeks late (before the checkpoint: a replay from the start).
    const BATCH: usize = 13;
    let (late, very_late) = (4 * BATCH - 1, 5);
    let mut resumed = 0;
    let mut replayed = 0;
    let mut batches: Vec<Vec<(String, String)>> = feed
        .chunks(BATCH)
        .map(|chunk| {
            chunk
                .iter()
                .filter(|r| **r != feed[late] && **r != feed[very_late])
                .cloned()
                .collect()
        })
        .collect();
    batches[4].push(feed[late].clone());
    let second_last = batches.len() - 2;
    batches[second_last].push(feed[very_late].clone());
    // Two undated reports come mid-stream, one with the last batch.
    batches[3].extend(undated[..2].iter().cloned());
    batches.last_mut().unwrap().push(undated[2].clone());
    batches.last_mut().unwrap().push(retold.clone());
    for (k, batch) in batches.iter().enumerate() {
        let out = wiretrace(&daily)
            .env("WIRETRACE_LOG", "info")
            .args(["ingest", "-q"])
            .arg(write(&format!("batch{k}.jsonl"), batch))
            .output()
            .unwrap();
        assert!(out.status.success());
        let log = String::from_utf8_lossy(&out.stderr);
        if log.contains("resumed=true") {
            resumed += 1;
        } else if log.contains("resumed=false") {
            replayed += 1;
        }
    }
    // The first batch and the very late report start from scratch; every
    // other batch, the day-late report's included, resumes.
    assert_eq!(replayed, 2, "resumed {resumed}");
    assert_eq!(resumed, batches.len() - 2);
    assert_same_groupings(&one, &daily);
    let stories = export(&one, "stories");
    let distinct: BTreeSet<&str> = stories
        .iter()
        .map(|s| s["story"].as_str().unwrap())
        .collect();
    // 53 events; a town's event three days after one of the same kind may
    // be told as its sequel.
    assert!(distinct.len() >= 45, "{}", distinct.len());
    // Each undated report is in the story of the report it was cut from.
    let story_of = |id: &str| {
        stories
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["story"].clone())
            .unwrap()
    };
    for (_, row) in &undated[1..] {
        let id = serde_json::from_str::<serde_json::Value>(row).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            story_of(&id),
            story_of(id.trim_end_matches("-undated")),
            "{id}"
        );
    }
    let first = serde_json::from_str::<serde_json::Value>(&undated[0].1).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(story_of(&first), story_of(&format!("{first}-retold")));
}

/// A wire report, two sites that republish it untouched, one that edits and
/// pads it, and a report that quotes one paragraph of it.
fn exact_copies_feed() -> Vec<String> {
    let wire = [
        "Ferry crews on the Sundmark line walked out at dawn on Monday, leaving \
         some four thousand commuters stranded on both shores of the strait.",
        "The crews' union said the strike would continue until the operator \
         restored the night shift bonus it cut in the spring, a sum of about \
         two hundred crowns a week per deckhand.",
        "Operator Nordhav said it had offered talks for Thursday and called the \
         walkout premature, adding that a replacement bus service would run \
         every twenty minutes from the harbour terminal.",
        "Commuters queued for more than an hour at the terminal on Monday \
         morning, and several schools on the island postponed examinations.",
    ];
    let mut edited: Vec<String> = wire.iter().map(|p| p.to_string()).collect();
    edited[1] = edited[1].replace("two hundred", "200");
    edited.insert(2, "Share this story with your friends and family!".into());
    let quoting = [
        "Island schools rescheduled spring examinations for a second time this \
         year, the education board said in a statement on Monday evening.",
        wire[3],
        "The board said pupils would be told the new dates by letter.",
    ];
    let row = |id: &str, site: &str, hour: u32, paras: &[&str]| {
        serde_json::json!({
            "id": id,
            "site": site,
            "published": format!("2025-06-02T{hour:02}:00:00Z"),
            "title": "Ferry crews strike on the Sundmark line",
            "text": paras.join("\n\n"),
        })
        .to_string()
    };
    let edited: Vec<&str> = edited.iter().map(String::as_str).collect();
    vec![
        row("copy-b", "strait-news.example", 11, &wire),
        row("edit", "ferryfan.example", 12, &edited),
        row("wire", "nordwire.example", 9, &wire),
        row("copy-a", "harbour-post.example", 10, &wire),
        row("schools", "island-times.example", 18, &quoting),
    ]
}

#[test]
fn exact_copies_relate_as_their_twins_do_whatever_the_batches() {
    let dir = tempfile::tempdir().unwrap();
    let lines = exact_copies_feed();
    let all = dir.path().join("all.jsonl");
    std::fs::write(&all, lines.join("\n")).unwrap();
    let (one, many) = (dir.path().join("one.db"), dir.path().join("many.db"));
    // One run aligns each pair of contents once and relabels the copies'
    // pairs; one run per article aligns every pair itself.
    ingest_quietly(&one, &all);
    for (i, l) in lines.iter().enumerate() {
        let p = dir.path().join(format!("line{i}.jsonl"));
        std::fs::write(&p, l).unwrap();
        ingest_quietly(&many, &p);
    }
    assert_same_groupings(&one, &many);
    let family = |id: &str| -> String {
        let copies = export(&one, "copies");
        let row = copies
            .iter()
            .find(|r| r["id"] == id)
            .expect("every article");
        row["family"].as_str().unwrap().to_string()
    };
    for id in ["wire", "copy-a", "copy-b", "edit"] {
        assert_eq!(family(id), "wire", "{id}");
    }
    assert_eq!(family("schools"), "schools");
    // The copies take the whole wire text; the school report its paragraph.
    let passages = export(&one, "passages");
    let from_wire = |dst: &str| -> Vec<(u64, u64, u64, u64)> {
        let mut v: Vec<_> = passages
            .iter()
            .filter(|p| p["src_id"] == "wire" && p["dst_id"] == dst)
            .map(|p| {
                let n = |k: &str| p[k].as_u64().unwrap();
                (n("src_start"), n("src_end"), n("dst_start"), n("dst_end"))
            })
            .collect();
        v.sort();
        v
    };
    // A whole copy is one passage (a maximal run); the edited copy's
    // inserted line parts its run in two.
    let copy = from_wire("copy-a");
    assert_eq!(copy.len(), 1, "{passages:?}");
    assert!(copy.iter().all(|&(s0, s1, d0, d1)| (s0, s1) == (d0, d1)));
    assert_eq!(from_wire("copy-b"), copy);
    assert_eq!(from_wire("edit").len(), 2);
    assert_eq!(from_wire("schools").len(), 1);
}

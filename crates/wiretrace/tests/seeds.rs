//! The seed pair from ../shared/seeds: AFP's report of a meeting, and AFP's
//! preview of it republished by a small site with junk around it.

mod common;
use common::*;

#[test]
fn seed_pair_is_one_story_two_families_and_shares_the_venezuela_paragraph() {
    let Some(shared) = shared_or_skip("seed_pair") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    wiretrace(&db)
        .arg("ingest")
        .arg(shared.join("seeds"))
        .assert()
        .success();

    let articles = export(&db, "articles");
    assert_eq!(articles.len(), 2);
    let by_input = |name: &str| {
        articles
            .iter()
            .find(|a| a["input"].as_str().unwrap().contains(name))
            .unwrap()
            .clone()
    };
    let report = by_input("000_");
    let preview = by_input("001_");

    // 001's junk is gone, its body kept whole.
    let clean = preview["clean_text"].as_str().unwrap();
    for junk in [
        "All the News You Need",
        "Spread the love",
        "facebook.com",
        "Loading",
        "Leave a Reply",
        "Your email address will not be published",
        "Required fields are marked",
    ] {
        assert!(!clean.contains(junk), "clean text still has {junk:?}");
    }
    assert!(
        clean.starts_with("MEXICO CITY – US Secretary of State Marco Rubio will meet"),
        "{}",
        &clean[..80]
    );
    assert!(clean.ends_with("many of which are found at crime scenes."));
    assert!(clean.contains("AFP has not been able to verify"));
    assert_eq!(preview["wire"], "AFP");
    assert_eq!(
        preview["title"],
        "Rubio Meets Mexican Leader as US Ramps Up Cartel Pressure"
    );
    assert!(preview["captions"][0]
        .as_str()
        .unwrap()
        .starts_with("US Secretary of State Marco Rubio, centre"));
    assert_eq!(
        report["title"],
        "Rubio vows to ramp up cartel strikes but praises Mexico"
    );
    assert!(report["related"][0]
        .as_str()
        .unwrap()
        .starts_with("Read more:"));

    // One story, two families.
    let stories = export(&db, "stories");
    assert_eq!(stories[0]["story"], stories[1]["story"], "{stories:?}");
    let copies = export(&db, "copies");
    assert_ne!(
        copies[0]["family"], copies[1]["family"],
        "different articles must not be one copy family"
    );

    // A passage aligns the Venezuela paragraph of both.
    let para_span = |a: &serde_json::Value| {
        let text = a["text"].as_str().unwrap();
        let start = char_offset(text, "But Venezuela is a unique case").unwrap();
        let len = text[text.find("But Venezuela is a unique case").unwrap()..]
            .split('\n')
            .next()
            .unwrap()
            .chars()
            .count();
        (a["id"].as_str().unwrap().to_string(), start, start + len)
    };
    let (rid, rs, re) = para_span(&report);
    let (pid, ps, pe) = para_span(&preview);
    let covers = |p: &serde_json::Value, id: &str, s: usize, e: usize, side: &str| {
        p[format!("{side}_id")] == id
            && p[format!("{side}_start")].as_u64().unwrap() as usize <= s
            && p[format!("{side}_end")].as_u64().unwrap() as usize >= e
    };
    let passages = export(&db, "passages");
    assert!(
        passages.iter().any(|p| (covers(p, &rid, rs, re, "src") && covers(p, &pid, ps, pe, "dst")) || (covers(p, &pid, ps, pe, "src") && covers(p, &rid, rs, re, "dst"))),
        "no passage covers the Venezuela paragraph ({rid} {rs}..{re}, {pid} {ps}..{pe}): {passages:?}"
    );

    // The timeline: both seeds are undated; the preview's caption dates it
    // (2 September 2025), and the report is bounded by it.
    let story = stories[0]["story"].as_str().unwrap();
    let out = wiretrace(&db)
        .args(["--json", "story", story])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let timeline = v["timeline"].as_array().unwrap();
    let date_of = |fragment: &str, expression: &str| {
        timeline
            .iter()
            .find(|e| {
                e["sentence"].as_str().unwrap().contains(fragment)
                    && e["expression"].as_str().unwrap() == expression
            })
            .unwrap_or_else(|| panic!("no {expression:?} in {fragment:?}: {timeline:?}"))["date"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        date_of("asked about Tuesday's strike", "Tuesday's"),
        "2025-09-02"
    );
    assert_eq!(
        date_of("will meet Mexican President", "on Wednesday"),
        "2025-09-03"
    );
    assert_eq!(
        date_of("Rubio heads to Ecuador", "later Wednesday"),
        "2025-09-03"
    );
    assert_eq!(date_of("vowed Wednesday", "Wednesday"), "2025-09-03");
}

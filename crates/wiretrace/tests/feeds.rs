//! Feeds and sitemaps as files: each entry an item, broken ones refused
//! with the file and the reason, huge ones cut at the limit and counted.

mod common;

use common::{export, ingest_json};
use serde_json::Value;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Skarholm Tidende</title><link>https://skarholm-tidende.example/</link>
<item><title>Keepers &amp; pilots stay on the rock</title>
<link>https://skarholm-tidende.example/keepers</link>
<pubDate>Tue, 12 May 2026 09:00:00 +0200</pubDate>
<description>&lt;p&gt;The keepers of the Skarholm light voted on Thursday to stay at their posts through the winter, after the harbour board withdrew its plan to run the lamp from the mainland.&lt;/p&gt;</description></item>
<item><title><![CDATA[Ferry to Kessel <i>back</i> on Monday]]></title>
<link>https://skarholm-tidende.example/ferry</link>
<pubDate>Tue, 12 May 2026 11:30:00 +0200</pubDate>
<description><![CDATA[<p>The ferry to Kessel Island runs again from Monday after the storm damage to the pier was repaired, the operator said in a statement on Tuesday.</p>]]></description></item>
</channel></rss>"#;

const NEWS_SITEMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://skarholm-tidende.example/harbour</loc><news:news><news:publication><news:name>Skarholm Tidende</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2026-05-12T12:00:00+02:00</news:publication_date><news:title>Harbour dues frozen</news:title></news:news></url>
</urlset>"#;

#[test]
fn feed_entries_are_articles_and_broken_feeds_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("tidende.rss");
    std::fs::write(&feed, RSS).unwrap();
    let sitemap = tmp.path().join("news-sitemap.xml");
    std::fs::write(&sitemap, NEWS_SITEMAP).unwrap();
    let broken = tmp.path().join("broken.xml");
    std::fs::write(&broken, &RSS[..RSS.len() / 2]).unwrap();
    let html_entities = tmp.path().join("entities.rss");
    std::fs::write(
        &html_entities,
        RSS.replace("Keepers &amp; pilots", "Keepers&nbsp;pilots"),
    )
    .unwrap();
    let db = tmp.path().join("w.db");
    let (s, _) = ingest_json(&db, &[&feed, &sitemap, &broken, &html_entities]);
    assert_eq!(s["ingested"], 2, "{s}");
    let articles = export(&db, "articles");
    let keepers = articles
        .iter()
        .find(|a| a["url"] == "https://skarholm-tidende.example/keepers")
        .expect("the first entry is stored");
    assert_eq!(keepers["title"], "Keepers & pilots stay on the rock");
    assert_eq!(keepers["published"], "2026-05-12T07:00:00Z");
    assert!(keepers["clean_text"]
        .as_str()
        .unwrap()
        .starts_with("The keepers of the Skarholm light"));
    assert!(keepers["input"]
        .as_str()
        .unwrap()
        .ends_with("tidende.rss:entry 1"));
    // The sitemap's entry has no text: a link to fetch, counted.
    let skipped: u64 = s["skipped_records"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(skipped, 1, "{s}");
    let reasons: Vec<(String, String)> = s["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["input"].as_str().unwrap().to_string(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|(i, r)| i.ends_with("broken.xml") && r.contains("truncated")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(i, r)| i.ends_with("entities.rss") && r.contains("undefined entity &nbsp;")),
        "{reasons:?}"
    );
}

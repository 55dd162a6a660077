//! `wiretrace serve` on loopback: the JSON API, its errors, and the pages'
//! safety with hostile ingested text.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A server on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wiretrace"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start wiretrace serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, base }
    }

    /// Status, content type and body of a GET.
    fn get(&self, path: &str) -> (u16, String, String) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut r = agent.get(format!("{}{path}", self.base)).call().unwrap();
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ctype, r.body_mut().read_to_string().unwrap())
    }

    fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let (status, ctype, body) = self.get(path);
        assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
        (status, serde_json::from_str(&body).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("demo.db");
    wiretrace(&db)
        .args(["demo", "--demo-db"])
        .arg(&db)
        .assert()
        .success();
    db
}

#[test]
fn the_api_serves_stories_articles_comparisons_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&demo_store(dir.path()));

    let (status, health) = server.json("/api/health");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");

    let (_, list) = server.json("/api/stories?limit=2");
    assert_eq!(list["total"], 3);
    assert_eq!(list["stories"].as_array().unwrap().len(), 2);
    let (_, page2) = server.json("/api/stories?limit=2&offset=2");
    assert_eq!(page2["stories"].as_array().unwrap().len(), 1);
    let (_, by_outlet) = server.json("/api/stories?outlet=North%20Gazette");
    assert_eq!(by_outlet["total"], 1);
    let (_, by_text) = server.json("/api/stories?q=tram");
    assert_eq!(by_text["total"], 1);
    let (_, by_date) = server.json("/api/stories?from=2025-03-06");
    let n = by_date["total"].as_u64().unwrap();
    assert!((1..3).contains(&n), "{by_date}");

    let strike = "s-mpa-2025-0302-strike-preview";
    let (status, story) = server.json(&format!("/api/stories/{strike}"));
    assert_eq!(status, 200);
    assert_eq!(story["story"]["articles"], 6);
    assert_eq!(story["articles"].as_array().unwrap().len(), 6);
    assert!(!story["timeline"].as_array().unwrap().is_empty());
    assert!(story["families"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["members"].as_u64().unwrap() >= 3));
    // A story's articles come a page at a time, in time order.
    let (_, first) = server.json(&format!("/api/stories/{strike}?limit=2"));
    let (_, rest) = server.json(&format!("/api/stories/{strike}?limit=10&offset=2"));
    assert_eq!(first["articles"].as_array().unwrap().len(), 2);
    assert_eq!(rest["articles"].as_array().unwrap().len(), 4);
    let times: Vec<&str> = first["articles"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["articles"].as_array().unwrap())
        .filter_map(|a| a["published"].as_str())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The feature that quotes the wire report credits its source.
    let (_, feature) = server.json("/api/articles/ud85341c9220529df");
    let passages = feature["passages"].as_array().unwrap();
    assert!(passages
        .iter()
        .any(|p| p["direction"] == "from" && p["other"] == "mpa-2025-0304-strike"));

    let (_, cmp) = server.json("/api/compare?a=mpa-2025-0304-strike&b=ud85341c9220529df");
    assert!(!cmp["passages"].as_array().unwrap().is_empty());
    assert_eq!(cmp["is_copy"], false);

    let (_, hits) = server.json("/api/search?q=crane");
    assert_eq!(hits["hits"][0]["id"], "ud85341c9220529df");
}

#[test]
fn bad_parameters_get_400_and_missing_ids_404_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&demo_store(dir.path()));
    for (path, status) in [
        ("/api/stories?limit=abc", 400),
        ("/api/stories?limit=100000", 400),
        ("/api/stories?from=yesterday-ish", 400),
        ("/api/search", 400),
        ("/api/compare?a=mpa-2025-0304-strike", 400),
        ("/api/stories/no-such-story", 404),
        ("/api/articles/no-such-article", 404),
        ("/api/compare?a=mpa-2025-0304-strike&b=nope", 404),
        ("/api/nothing-here", 404),
    ] {
        let (got, body) = server.json(path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}: {body}"
        );
    }
    let (status, ctype, body) = server.get("/stories/no-such-story");
    assert_eq!(status, 404);
    assert!(ctype.starts_with("text/html"));
    assert!(body.contains("no story"));
}

#[test]
fn ingested_markup_is_shown_as_text_and_never_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let page = dir.path().join("hostile.html");
    std::fs::write(
        &page,
        r#"<html><head><title>Harbour &lt;script&gt;alert(1)&lt;/script&gt; news</title></head><body><article>
        <h1>Harbour <script>alert(1)</script> news</h1>
        <p>The harbour council met on Tuesday and voted, after a long debate, to repair the pier &lt;img src=x onerror=alert(2)&gt; before winter.</p>
        <p>Engineers said the work, which will cost more than planned, starts in May &lt;script&gt;alert(3)&lt;/script&gt; and ends in June.</p>
        </article></body></html>"#,
    )
    .unwrap();
    wiretrace(&db).arg("ingest").arg(&page).assert().success();
    let articles = export(&db, "articles");
    let id = articles[0]["id"].as_str().unwrap().to_string();
    let story = export(&db, "stories")[0]["story"]
        .as_str()
        .unwrap()
        .to_string();
    let server = Server::start(&db);
    let handler = regex::Regex::new(r"<[a-z][^>]*\son[a-z]+\s*=").unwrap();
    for path in [
        "/".to_string(),
        format!("/articles/{id}"),
        format!("/stories/{story}"),
        format!("/compare?a={id}&b={id}"),
        "/?q=%3Cscript%3E".to_string(),
    ] {
        let (status, ctype, body) = server.get(&path);
        assert_eq!(status, 200, "{path}");
        assert!(ctype.starts_with("text/html"), "{path}");
        let lower = body.to_lowercase();
        assert!(
            !lower.contains("<script"),
            "{path} carries a script element"
        );
        assert!(
            !lower.contains("<img"),
            "{path} carries an ingested element"
        );
        assert!(
            !handler.is_match(&lower),
            "{path} carries an event handler attribute"
        );
    }
    let (_, _, body) = server.get(&format!("/articles/{id}"));
    assert!(
        body.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "the text is shown, escaped"
    );
    // The API returns the text as data; JSON carries it verbatim.
    let (_, v) = server.json(&format!("/api/articles/{id}"));
    assert!(v["clean_text"]
        .as_str()
        .unwrap()
        .contains("<img src=x onerror=alert(2)>"));
}

/// Writes `name` in `dir` and returns its path.
fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_cli_the_api_and_the_pages_tell_the_same_timeline_of_an_undated_article() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    // No date of its own: the caption dates it, and its "Tuesday" with it.
    let page = write(
        dir.path(),
        "undated.html",
        r#"<html><head><title>Spillway opened at the Veldmoor dam</title></head><body><article>
        <h1>Spillway opened at the Veldmoor dam</h1>
        <figure><img src="dam.jpg"><figcaption>The Veldmoor dam on 4 March 2031, after the spillway opened.</figcaption></figure>
        <p>Engineers at the Veldmoor dam opened the old spillway on Tuesday after a week of heavy rain raised the reservoir to its highest level in forty years.</p>
        <p>The water board said the village of Ostrand below the dam was never at risk, and that the spillway would stay open until the level falls by two metres.</p>
        <p>Farmers along the river were told to move their herds from the lowest meadows, and the ferry at Ostrand stopped running for the rest of the week.</p>
        </article></body></html>"#,
    );
    wiretrace(&db).arg("ingest").arg(&page).assert().success();
    let story = export(&db, "stories")[0]["story"]
        .as_str()
        .unwrap()
        .to_string();
    let out = wiretrace(&db)
        .args(["--json", "story", &story])
        .output()
        .unwrap();
    assert!(out.status.success());
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = cli["timeline"].as_array().unwrap();
    assert!(!events.is_empty(), "the CLI dates the article: {cli}");

    let server = Server::start(&db);
    let (_, api) = server.json(&format!("/api/stories/{story}"));
    assert_eq!(
        api["timeline"], cli["timeline"],
        "the API tells the CLI's timeline"
    );
    let (_, _, html) = server.get(&format!("/stories/{story}"));
    let rows = html.matches("<tr><td>").count();
    assert!(rows >= events.len(), "the page lists every event: {html}");
    for e in events {
        let date = e["date"].as_str().unwrap();
        assert!(html.contains(date), "the page shows {date}");
    }
}

#[test]
fn an_article_without_site_or_date_shows_site_unknown_or_its_host() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let body = "The lighthouse keepers of Marrow Point voted to keep the old lamp lit through the winter storms. \
                The harbour master said the new lamp would be fitted in the spring, once the tower is repaired.";
    let feed = write(
        dir.path(),
        "feed.jsonl",
        &[
            serde_json::json!({"id": "no-site", "url": "https://Marrow-Herald.example/news/lamp?x=1", "title": "Lamp stays lit at Marrow Point", "text": body}),
            serde_json::json!({"id": "nothing", "title": "Lamp stays lit at Marrow Point", "text": body}),
        ]
        .iter()
        .map(|v| v.to_string() + "\n")
        .collect::<String>(),
    );
    wiretrace(&db).arg("ingest").arg(&feed).assert().success();
    let server = Server::start(&db);
    let (_, list) = server.json("/api/stories");
    for s in list["stories"].as_array().unwrap() {
        assert!(
            s["outlets"].as_array().unwrap().iter().all(|o| o != ""),
            "no blank outlet: {s}"
        );
        // One outlet (the URL's host), not the article without a site.
        assert_eq!(s["outlet_count"], 1, "{s}");
        let (_, story) = server.json(&format!("/api/stories/{}", s["id"].as_str().unwrap()));
        for o in story["outlets"].as_array().unwrap() {
            assert!(o["site"].is_null() || o["site"] != "", "{o}");
        }
    }
    let (_, _, home) = server.get("/");
    assert!(!home.contains("undated – undated"), "{home}");
    assert!(!home.contains("· , "), "no stray comma: {home}");
    assert!(!home.contains("· </div>"), "no blank outlets: {home}");
    assert!(
        home.contains("undated · 2 articles · marrow-herald.example</div>"),
        "{home}"
    );
    let story = list["stories"][0]["id"].as_str().unwrap().to_string();
    let (_, _, page) = server.get(&format!("/stories/{story}"));
    assert!(
        !page.contains("<tr><td></td>"),
        "no blank row in coverage: {page}"
    );
    assert!(page.contains("<tr><td>site unknown</td>"), "{page}");
    assert!(!page.contains("undated – undated"), "{page}");
    let (_, _, hosted) = server.get("/articles/no-site");
    assert!(
        hosted.contains("marrow-herald.example"),
        "the URL's host: {hosted}"
    );
    let (_, _, bare) = server.get("/articles/nothing");
    assert!(bare.contains("undated · site unknown"), "{bare}");
}

#[test]
fn articles_whose_ids_are_dot_segments_are_reachable_from_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let body = "The ferry to Kessel island will run twice a day from the first of May, the island council said. \
                Islanders had asked for a second crossing since the old boat was retired last autumn.";
    let feed = write(
        dir.path(),
        "feed.jsonl",
        &["."]
            .iter()
            .chain(&[".."])
            .map(|id| {
                serde_json::json!({"id": id, "site": "kessel-post.example", "published": "2031-04-02T08:00:00Z",
                                   "title": format!("Second Kessel ferry {}", id.len()), "text": body})
                .to_string()
                    + "\n"
            })
            .collect::<String>(),
    );
    wiretrace(&db).arg("ingest").arg(&feed).assert().success();
    let server = Server::start(&db);
    let (_, list) = server.json("/api/stories");
    let story = list["stories"][0]["id"].as_str().unwrap().to_string();
    let (_, _, page) = server.get(&format!("/stories/{story}"));
    let links = regex::Regex::new(r#"class="article" href="([^"]+)""#).unwrap();
    let hrefs: Vec<String> = links
        .captures_iter(&page)
        .map(|c| c[1].replace("&amp;", "&"))
        .collect();
    assert_eq!(hrefs.len(), 2, "{page}");
    for href in hrefs {
        // What a browser requests: dot segments resolved away.
        assert!(
            !href
                .split(['?', '#'])
                .next()
                .unwrap()
                .split('/')
                .any(|s| s == "." || s == ".."),
            "{href}"
        );
        let (status, _, article) = server.get(&href);
        assert_eq!(status, 200, "{href}");
        assert!(article.contains("Second Kessel ferry"), "{href}: {article}");
    }
}

#[test]
fn the_pages_link_titles_name_the_story_and_tell_the_source_in_a_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&demo_store(dir.path()));
    let strike = "s-mpa-2025-0302-strike-preview";
    let (_, story) = server.json(&format!("/api/stories/{strike}"));
    let headline = story["story"]["headline"].as_str().unwrap().to_string();
    let (_, _, page) = server.get(&format!("/stories/{strike}"));
    // Timeline rows name their article by its title, not its id.
    let row = regex::Regex::new(r#"<tr><td>[^<]*(?:<span[^>]*>[^<]*</span>)?</td><td>[^<]*</td><td><a href="[^"]+">([^<]+)</a>"#).unwrap();
    let linked: Vec<String> = row.captures_iter(&page).map(|c| c[1].to_string()).collect();
    assert!(!linked.is_empty(), "{page}");
    for text in &linked {
        assert!(
            story["articles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["title"] == text.as_str()),
            "a timeline row links {text:?}, not a title"
        );
    }
    // The copies' summary counts the copies, beside the original.
    let f = &story["families"][0];
    let copies = f["members"].as_u64().unwrap() - 1;
    assert!(
        page.contains(&format!("the original and {copies} cop")),
        "{page}"
    );
    // An article's story line shows the story's headline.
    let (_, _, article) = server.get("/articles/ud85341c9220529df");
    let html_headline = headline.replace('\'', "&#39;");
    assert!(
        article.contains(&format!(
            "Story: <a href=\"/stories/{strike}\">{html_headline}</a>"
        )),
        "{article}"
    );
    // A comparison says which side is the source.
    let (_, cmp) = server.json("/api/compare?a=ud85341c9220529df&b=mpa-2025-0304-strike");
    assert_eq!(cmp["source"], "b", "{cmp}");
    let (_, _, html) = server.get("/compare?a=ud85341c9220529df&b=mpa-2025-0304-strike");
    assert!(
        regex::Regex::new(r#"side-b">B <span class="role source">source</span>"#)
            .unwrap()
            .is_match(&html),
        "{html}"
    );
}

#[test]
fn the_article_api_and_pages_give_the_sources_reasons_and_the_version_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.db");
    ingest_quietly(
        &db,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/write-through.jsonl"),
    );
    let cli: serde_json::Value = serde_json::from_slice(
        &wiretrace(&db)
            .args(["--json", "article", "courier-v4"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let server = Server::start(&db);
    let (status, v) = server.json("/api/articles/courier-v4");
    assert_eq!(status, 200);
    assert_eq!(v["source"], "nna-v4");
    assert_eq!(v["chain"], "nna-v1");
    assert_eq!(v["version_of"], "nna-v3");
    // The same reasons as `wiretrace article ID --why`.
    assert!(!v["why"].as_array().unwrap().is_empty());
    assert_eq!(v["why"], cli["why"]);
    let (_, _, page) = server.get("/articles/nna-v4");
    assert!(page.contains("Why this source"), "{page}");
    assert!(page.contains("A later version of <a href=\"/articles/nna-v3\">"));
    let story = v["story"].as_str().unwrap();
    let (_, story_view) = server.json(&format!("/api/stories/{story}"));
    assert_eq!(story_view["versions"].as_array().unwrap().len(), 5);
    let (_, _, page) = server.get(&format!("/stories/{story}"));
    assert!(page.contains("<h2>Versions</h2>"), "{page}");
}

#[test]
fn a_crawled_article_shows_when_it_was_first_seen_in_the_api_and_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>The ferry to Kessel Island runs again from Monday after the storm damage to the pier was repaired, the operator said in a statement.</p></body></html>";
    let mut warc = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://kessel-news.example/ferry\r\nWARC-Date: 2026-05-12T09:30:00Z\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    warc.extend(http);
    warc.extend(b"\r\n\r\n");
    let input = dir.path().join("crawl.warc");
    std::fs::write(&input, warc).unwrap();
    ingest_quietly(&db, &input);
    let id = export(&db, "articles")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let server = Server::start(&db);
    let (_, v) = server.json(&format!("/api/articles/{id}"));
    assert!(
        v["first_seen"]
            .as_str()
            .is_some_and(|s| s.starts_with("2026-05-12T09:30:00")),
        "{v}"
    );
    let (_, _, body) = server.get(&format!("/articles/{id}"));
    assert!(
        body.contains("First seen by a crawler: 2026-05-12T09:30:00"),
        "{body}"
    );
}

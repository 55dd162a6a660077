//! `wiretrace serve` on loopback: the JSON API, its errors, and the pages'
//! safety with hostile ingested text.

mod common;
use common::*;
use std::path::Path;

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
        <p>"The pier &lt;script&gt;alert(4)&lt;/script&gt; will hold through the winter storms," Mayor Tomas Ferrow said.</p>
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
    let (_, ents) = server.json("/api/entities?q=ferrow");
    let ferrow = ents["entities"][0]["id"].as_str().unwrap().to_string();
    let handler = regex::Regex::new(r"<[a-z][^>]*\son[a-z]+\s*=").unwrap();
    for path in [
        "/".to_string(),
        format!("/articles/{id}"),
        format!("/stories/{story}"),
        format!("/entities/{ferrow}"),
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
    let (_, _, body) = server.get(&format!("/entities/{ferrow}"));
    assert!(
        body.contains("&lt;script&gt;alert(4)&lt;/script&gt;"),
        "the quote is shown, escaped: {body}"
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

fn story_ids(list: &serde_json::Value) -> Vec<String> {
    list["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_story_list_filtered_by_outlet_follows_the_story_as_later_articles_join_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let line = |id: &str, site: &str, date: &str, title: &str, text: &str| {
        serde_json::json!({"id": id, "site": site, "published": date, "title": title, "text": text})
            .to_string()
    };
    let ferry = "The ferry between Tollness and the island of Marrow ran aground on a sandbank on Monday morning with 140 passengers aboard. Coastguard boats took the passengers ashore by noon, and the operator said the hull was not breached. Divers will inspect the ferry before it is towed to the yard at Tollness.";
    let quarry = "Residents of Brindle Vale voted on Saturday against the new limestone quarry proposed on the hill above the village. The parish council said 812 of 1,040 voters opposed the plan, which the mining company says would bring sixty jobs. The county will decide in the spring.";
    let first = [
        line(
            "f1",
            "Tollness Courier",
            "2031-05-05T09:00:00Z",
            "Ferry aground off Tollness",
            ferry,
        ),
        line(
            "q1",
            "Vale Weekly",
            "2031-05-03T18:00:00Z",
            "Brindle Vale rejects quarry",
            quarry,
        ),
    ];
    let feed = write(dir.path(), "first.jsonl", &(first.join("\n") + "\n"));
    wiretrace(&db).arg("ingest").arg(&feed).assert().success();

    // A week later another outlet carries the ferry story: the story now
    // ends on 12 May, for every outlet's filter.
    let later = line(
        "f2",
        "Island Post",
        "2031-05-12T08:00:00Z",
        "Aground ferry towed to Tollness yard",
        &format!("{ferry} On Monday the ferry was towed to the yard, a week after it ran aground."),
    );
    let feed = write(dir.path(), "later.jsonl", &(later + "\n"));
    wiretrace(&db).arg("ingest").arg(&feed).assert().success();

    let server = Server::start(&db);
    let (_, all) = server.json("/api/stories");
    assert_eq!(all["total"], 2, "{all}");
    let (_, ferry_story) = server.json("/api/stories?q=ferry");
    let ferry_id = story_ids(&ferry_story);
    assert_eq!(ferry_id.len(), 1, "{ferry_story}");

    let (_, late) = server.json("/api/stories?outlet=Tollness%20Courier&from=2031-05-10");
    assert_eq!(
        story_ids(&late),
        ferry_id,
        "the first outlet's row knows the story's new end: {late}"
    );
    assert_eq!(late["total"], 1);
    let (_, none) = server.json("/api/stories?outlet=Vale%20Weekly&from=2031-05-10");
    assert_eq!(none["total"], 0, "{none}");
    let (_, both) = server.json("/api/stories?outlet=Island%20Post&q=ferry&to=2031-05-06");
    assert_eq!(
        story_ids(&both),
        ferry_id,
        "outlet, text and dates combine: {both}"
    );
    let (_, miss) = server.json("/api/stories?outlet=Island%20Post&q=quarry");
    assert_eq!(miss["total"], 0, "{miss}");
    assert!(story_ids(&miss).is_empty());
}

#[test]
fn the_api_and_pages_tell_who_said_what_across_copies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.db");
    let feed = write(
        dir.path(),
        "copies.jsonl",
        include_str!("fixtures/quote-copies.jsonl"),
    );
    ingest_quietly(&db, &feed);
    let server = Server::start(&db);
    let (status, list) = server.json("/api/quotes?speaker=marek");
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1, "{list:#}");
    let q = &list["quotes"][0];
    assert_eq!(q["carriers"], 4);
    assert_eq!(q["first_article"], "kpa-ferry");
    let id = q["id"].as_str().unwrap();
    let (_, one) = server.json(&format!("/api/quotes/{id}"));
    let changes: Vec<&str> = one["carried_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["same", "same", "punctuation", "trimmed"]);
    let story = q["reporters"][0].as_str().unwrap();
    let (_, art) = server.json(&format!("/api/articles/{story}"));
    let story = art["story"].as_str().unwrap().to_string();
    let (status, by) = server.json(&format!("/api/stories/{story}/quotes"));
    assert_eq!(status, 200);
    let marek = by["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["speaker"]["name"] == "Ilse Marek")
        .unwrap_or_else(|| panic!("{by:#}"));
    assert_eq!(marek["quotes"][0]["id"], id);
    let entity = marek["speaker"]["entity"].as_str().unwrap();
    let (_, e) = server.json(&format!("/api/entities/{entity}"));
    assert_eq!(e["entity"]["name"], "Ilse Marek");
    assert_eq!(e["quotes"]["quotes"][0]["id"], id);
    assert_eq!(e["articles"].as_array().unwrap().len(), 4);
    let (_, found) = server.json("/api/entities?q=marek&kind=person");
    assert_eq!(found["entities"][0]["id"], entity);
    assert_eq!(server.json("/api/entities?kind=planet").0, 400);
    assert_eq!(server.json("/api/entities/e-none").0, 404);
    assert_eq!(server.json("/api/quotes/q-none").0, 404);
    assert_eq!(server.json("/api/stories/s-none/quotes").0, 404);
    // The article API gives each attribution its quotation.
    let (_, art) = server.json("/api/articles/isles-ferry");
    let carried = art["attributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["quotation"]["id"] == id)
        .unwrap_or_else(|| panic!("{art:#}"));
    assert_eq!(carried["quotation"]["carriers"], 4);
    // The pages: the story groups it under its speaker, the copy
    // highlights it, the speaker's page lists it.
    let (_, _, page) = server.get(&format!("/stories/{story}"));
    assert!(page.contains("Who said what"), "{page}");
    assert!(
        page.contains("first reported by <a href=\"/articles/kpa-ferry\">Kestrel Press Agency</a> on 2025-05-08 · <span class=\"carriers\">4 carriers</span>, 2 reworded"),
        "{page}"
    );
    let (_, _, page) = server.get("/articles/isles-ferry");
    assert!(
        page.contains("<q class=\"said\" title=\"Ilse Marek (Harbour Minister)\">"),
        "{page}"
    );
    let (_, _, page) = server.get(&format!("/entities/{entity}"));
    assert!(
        page.contains("Quotes over time") && page.contains("one more ferry"),
        "{page}"
    );
}

#[test]
fn a_running_server_shows_who_said_what_of_articles_ingested_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let lines: Vec<&str> = include_str!("fixtures/quote-copies.jsonl")
        .lines()
        .collect();
    let wire = write(dir.path(), "wire.jsonl", &format!("{}\n", lines[0]));
    let copies = write(dir.path(), "copies.jsonl", &(lines[1..].join("\n") + "\n"));
    ingest_quietly(&db, &wire);
    let server = Server::start_with(&db, &["--refresh-every", "1"]);
    let carriers = || {
        let (_, list) = server.json("/api/quotes?speaker=marek");
        list["quotes"][0]["carriers"].clone()
    };
    assert_eq!(carriers(), 1, "derived before listening");
    ingest_quietly(&db, &copies);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while carriers() != 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the server still shows {} carriers a minute after the ingest",
            carriers()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
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

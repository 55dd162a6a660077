//! Site templates: the lines a site repeats on its pages are learned from
//! the store and kept out of the bodies, whatever the order and batches
//! its pages arrive in, and pages of other sites are untouched.
//!
//! The outlets, places and people are fiction written for this test.

mod common;

use common::{export, wiretrace};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const COURIER_PAGES: usize = 30;

/// The Kelderby Courier's template, inside its article block on every page:
/// lines that extraction alone keeps in the body.
const TEMPLATE: &[&str] = &[
    "Weather in Kelderby today: 12°C, light winds from the fen, sunset at 19:42",
    "Tickets for the Kelderby Lantern Festival are on sale at the Corn Exchange box office, from £8, concessions £5, while they last",
    "Follow the Kelderby Courier on Mastodon and Bluesky for breaking news from across the fenland villages",
    "Comment guidelines: the Courier welcomes lively debate, but comments that are abusive, off topic or defamatory will be removed by our moderators, and repeat offenders will be barred from the site.",
    "Pictures by the Courier photo desk unless credited otherwise",
    "Kelderby Courier Media Group, registered in the fenlands, publishes this site and its print edition every Thursday",
];

/// Furniture many sites share: stripped by extraction's own patterns,
/// with or without a store.
const COMMON: &[&str] = &[
    "Rate this article: 4.1 out of 5 from 23 readers",
    "Distributed by the Fenland News Service. This material may not be published, broadcast, rewritten or redistributed.",
];

const SYL1: &[&str] = &["Var", "Mel", "Tor", "Quen", "Bris", "Hal"];
const SYL2: &[&str] = &["nell", "drick", "worth", "ston", "mere"];
const TOPICS: &[&str] = &[
    "the drainage board",
    "the ferry cooperative",
    "the allotment society",
    "the parish council",
    "the lifeboat crew",
    "the brass band",
    "the grammar school",
];
const VERBS: &[&str] = &[
    "argued over",
    "voted on",
    "celebrated",
    "postponed",
    "questioned",
    "welcomed",
];
const THINGS: &[&str] = &[
    "a new sluice gate",
    "the market charter",
    "a footbridge repair",
    "the winter timetable",
    "a heritage trail",
    "the grain store lease",
];

const SYL3: &[&str] = &["", "a", "o", "ham", "ley", "wick", "ford"];

/// A village name of its own for each page `n`.
fn village(n: usize) -> String {
    let (a, b) = (SYL1.len(), SYL2.len());
    format!(
        "{}{}{}",
        SYL1[n % a],
        SYL2[n / a % b],
        SYL3[n / (a * b) % SYL3.len()]
    )
}

fn page(host: &str, outlet: &str, n: usize, furniture: &[&str]) -> String {
    let name = village(n);
    let (topic, verb, thing) = (
        TOPICS[n % TOPICS.len()],
        VERBS[n % VERBS.len()],
        THINGS[n * 5 % THINGS.len()],
    );
    let title = format!("{name} meeting: {topic} {verb} {thing}");
    let prose = [
        format!("Members of {topic} {verb} {thing} on Tuesday evening, after {name} residents packed the village hall in numbers not seen for years, some of them standing at the back."),
        format!("Councillor Ada {name} told the meeting that the plan had been years in the making, that the money was already set aside, and that further delay would only raise the cost for everyone in {name}."),
        format!("Opponents, led by the retired engineer Tobias {name}sby, said the proposal ignored the fen's tides, the narrow lanes and the cost of upkeep, and asked for a second survey before any work begins."),
        format!("A decision is expected at the next meeting of {topic}, which the clerk said would be held in {name} rather than in the market town, so that more of those affected could attend."),
    ];
    // The first furniture line sits between paragraphs, the rest after.
    let mut paras: Vec<String> = prose[..2].to_vec();
    paras.extend(furniture.first().map(|s| s.to_string()));
    paras.extend(prose[2..].iter().cloned());
    paras.extend(furniture.iter().skip(1).map(|s| s.to_string()));
    let body: String = paras.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!doctype html><html><head><title>{title} | {outlet}</title>
<link rel="canonical" href="https://www.{host}/news/{slug}-{n}">
<meta property="article:published_time" content="2031-03-{day:02}T09:00:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article class="story"><h1>{title}</h1>
{body}</article></main><footer><p>{outlet}</p></footer></body></html>"#,
        slug = name.to_lowercase(),
        day = 1 + n % 28,
    )
}

/// The pages: 30 of the Courier, and pages of two other sites: one with a
/// line of its own on a few pages (too few to be a template), one that
/// carries a line of the Courier's template on a few of its pages (another
/// site's template is not its own).
fn write_pages(dir: &Path) -> Vec<PathBuf> {
    let courier: Vec<&str> = COMMON[..1]
        .iter()
        .chain(TEMPLATE)
        .chain(&COMMON[1..])
        .copied()
        .collect();
    let mut files = Vec::new();
    let mut write = |name: String, html: String| {
        let p = dir.join(name);
        std::fs::write(&p, html).unwrap();
        files.push(p);
    };
    for n in 0..COURIER_PAGES {
        write(
            format!("courier-{n:02}.html"),
            page(
                "kelderbycourier.example",
                "The Kelderby Courier",
                n,
                &courier,
            ),
        );
    }
    for n in 0..12 {
        let own: &[&str] = if n < 3 {
            &["Marsh Valley Gazette readers' panel meets on the first Monday of the month"]
        } else {
            &[]
        };
        write(
            format!("gazette-{n:02}.html"),
            page("marshvalley.example", "Marsh Valley Gazette", n + 100, own),
        );
    }
    for n in 0..12 {
        write(
            format!("herald-{n:02}.html"),
            page(
                "fenherald.example",
                "Fen Herald",
                n + 200,
                &TEMPLATE[..usize::from(n < 3)],
            ),
        );
    }
    files
}

/// What the store made of every article: its URL, clean text and stripped
/// lines, by id.
fn bodies(db: &Path) -> BTreeMap<String, (String, String, Value)> {
    export(db, "articles")
        .into_iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            (s("id"), (s("url"), s("clean_text"), a["stripped"].clone()))
        })
        .collect()
}

fn ingest(db: &Path, files: &[PathBuf]) {
    wiretrace(db)
        .args(["ingest", "--quiet"])
        .args(files)
        .assert()
        .success();
}

/// Each file's article as `extract` gives it (no store).
fn extracted(files: &[PathBuf], db: Option<&Path>) -> Vec<Value> {
    let mut c = assert_cmd::Command::cargo_bin("wiretrace").unwrap();
    c.env_remove("WIRETRACE_DB").arg("extract");
    if let Some(db) = db {
        c.arg("--db").arg(db);
    }
    let out = c.args(files).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stripped_with(stripped: &Value, line: &str) -> Option<String> {
    stripped.as_array()?.iter().find_map(|s| {
        (s["text"].as_str() == Some(line)).then(|| s["reason"].as_str().unwrap_or("").to_string())
    })
}

#[test]
fn a_sites_template_is_learned_whatever_the_order_of_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    let files = write_pages(&pages);
    let others = &files[COURIER_PAGES..];

    // Extraction alone keeps the Courier's template in its bodies.
    for a in extracted(&files[..1], None) {
        for line in TEMPLATE {
            assert!(a["clean_text"].as_str().unwrap().contains(line), "{line}");
        }
    }

    // All at once.
    let all_db = dir.path().join("all.db");
    ingest(&all_db, &files);
    let all = bodies(&all_db);
    assert_eq!(all.len(), files.len());

    let standalone = extracted(others, None);
    let mut checked = 0;
    for (url, clean, stripped) in all.values() {
        if url.contains("kelderbycourier.example") {
            for line in TEMPLATE {
                assert!(!clean.contains(line), "{line:?} left in {clean}");
                assert_eq!(
                    stripped_with(stripped, line).as_deref(),
                    Some("site template"),
                    "{line:?} not stripped as the site's template: {stripped}"
                );
            }
            for line in COMMON {
                assert!(!clean.contains(line), "{line:?} left in {clean}");
                assert!(stripped_with(stripped, line).is_some(), "{line:?}");
            }
            assert!(clean.starts_with("Members of "), "{clean}");
            assert!(clean.ends_with("could attend."), "{clean}");
            checked += 1;
        }
    }
    assert_eq!(checked, COURIER_PAGES);
    // Pages of the other sites are as extraction gives them.
    for a in &standalone {
        let id = a["id"].as_str().unwrap();
        assert_eq!(
            all[id].1,
            a["clean_text"].as_str().unwrap(),
            "{id} was changed"
        );
        assert_eq!(all[id].2, a["stripped"], "{id} was changed");
    }

    // One page at a time, forwards and backwards; batches of 7 in a
    // shuffled order with the other sites' pages between.
    let forwards: Vec<Vec<PathBuf>> = files.iter().map(|f| vec![f.clone()]).collect();
    let backwards: Vec<Vec<PathBuf>> = forwards.iter().rev().cloned().collect();
    let mut shuffled = files.to_vec();
    for i in 0..shuffled.len() {
        let j = (i * 17 + 5) % shuffled.len();
        shuffled.swap(i, j);
    }
    let batches: Vec<Vec<PathBuf>> = shuffled.chunks(7).map(<[PathBuf]>::to_vec).collect();
    for (name, order) in [
        ("one by one", forwards),
        ("backwards", backwards),
        ("batches", batches),
    ] {
        let db = dir.path().join(format!("{name}.db"));
        for batch in &order {
            ingest(&db, batch);
        }
        assert!(
            bodies(&db) == all,
            "{name}: the bodies differ from those of one ingest"
        );
        assert_eq!(
            export(&db, "copies"),
            export(&all_db, "copies"),
            "{name}: the copies differ"
        );
    }

    // `extract` with the store applies the template it learned there, to
    // a page the store has never seen.
    let new_page = dir.path().join("courier-new.html");
    let courier_lines: Vec<&str> = TEMPLATE.to_vec();
    std::fs::write(
        &new_page,
        page(
            "kelderbycourier.example",
            "The Kelderby Courier",
            COURIER_PAGES,
            &courier_lines,
        ),
    )
    .unwrap();
    let without = &extracted(std::slice::from_ref(&new_page), None)[0];
    let with = &extracted(std::slice::from_ref(&new_page), Some(&all_db))[0];
    for line in TEMPLATE {
        assert!(without["clean_text"].as_str().unwrap().contains(line));
        assert!(
            !with["clean_text"].as_str().unwrap().contains(line),
            "{line}"
        );
        assert_eq!(
            stripped_with(&with["stripped"], line).as_deref(),
            Some("site template")
        );
    }
    // ...and to no other site's page.
    assert_eq!(extracted(others, Some(&all_db)), standalone);
}

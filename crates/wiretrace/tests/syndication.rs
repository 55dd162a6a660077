//! Syndication as it is (issue 31): site furniture, container pages and
//! passages as maximal runs, on fictional outlets, people and events.

mod common;
use common::*;
use serde_json::{json, Value};
use std::path::Path;

/// Writes `items` as a feed of JSON lines and ingests it into a new store.
fn ingest(dir: &Path, items: &[Value]) -> std::path::PathBuf {
    let feed = dir.join("feed.jsonl");
    let lines: Vec<String> = items.iter().map(Value::to_string).collect();
    std::fs::write(&feed, lines.join("\n") + "\n").unwrap();
    let db = dir.join("w.db");
    ingest_quietly(&db, &feed);
    db
}

fn item(id: &str, site: &str, path: &str, when: &str, title: &str, paras: &[&str]) -> Value {
    json!({
        "id": id,
        "url": format!("https://{site}/{path}"),
        "site": site,
        "published": when,
        "title": title,
        "text": paras.join("\n\n"),
    })
}

/// The family of each article, by id.
fn families(db: &Path) -> std::collections::HashMap<String, Value> {
    export(db, "copies")
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect()
}

/// Passages between `x` and `y`, in either direction.
fn passages_between(db: &Path, x: &str, y: &str) -> Vec<Value> {
    export(db, "passages")
        .into_iter()
        .filter(|p| {
            (p["src_id"] == x && p["dst_id"] == y) || (p["src_id"] == y && p["dst_id"] == x)
        })
        .collect()
}

/// A word list to make the posts of one site differ in every phrase: each
/// post draws its own words (a fixed pseudo-random walk), so two posts share
/// no run of words but the site's furniture.
const WORDS: &str = "harbour lantern ferry quay gull tide rope anchor net mast sail keel \
    bollard crane barrel salt herring cod mackerel oyster mussel pier jetty slipway dock \
    warden mayor council baker cooper smith weaver tanner mason carter fisher miller \
    spring summer autumn winter morning evening midnight dawn dusk storm squall breeze \
    fog drizzle thunder frost hail meadow orchard hedge lane bridge chapel market square \
    festival parade choir band fiddle drum lamp bench fountain statue garden allotment \
    tractor trailer bicycle tram bus van lorry cart wagon ladder bucket spade rake \
    pumpkin turnip cabbage leek onion apple pear plum cherry bramble nettle thistle \
    heron otter badger fox hare owl wren robin swallow curlew plover lapwing seal";

fn post_words(seed: usize, n: usize) -> String {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) + 12345;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            words[(x % words.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const ABOUT: &str = "The Tarrow Bay Gazette is an independent community newspaper serving the villages of the bay since 1921, run by volunteers and funded by readers like you who believe local news matters.";
const NEWSLETTER: &str = "Sign up for the Gazette Morning Bulletin to get every story from the bay in your inbox before breakfast, and follow us on our social channels for photographs from around the harbour.";

#[test]
fn posts_of_one_site_sharing_its_furniture_are_neither_a_family_nor_passages() {
    let dir = tempfile::tempdir().unwrap();
    let posts: Vec<Value> = (0..23)
        .map(|k| {
            let own = format!("{}.", post_words(k, 45));
            item(
                &format!("tbg{k:02}"),
                "tarrowbaygazette.example",
                &format!("news/post-{k}"),
                &format!("2031-03-{:02}T09:00:00Z", k + 1),
                &format!("Gazette post number {k} about the bay"),
                &[&own, ABOUT, NEWSLETTER],
            )
        })
        .collect();
    let db = ingest(dir.path(), &posts);
    let fams = families(&db);
    assert_eq!(fams.len(), 23);
    for (id, row) in &fams {
        assert_eq!(row["family"], id.as_str(), "{id} joined a family: {row}");
    }
    let passages = export(&db, "passages");
    assert!(passages.is_empty(), "furniture passages: {passages:?}");
}

const WIRE: [&str; 5] = [
    "The ferry service between Oskarsholm and the island of Venn will stop for three weeks from Monday while engineers replace the ramp at the northern terminal, the harbour board said.",
    "Board chairwoman Hedda Sorlie said the old ramp had been patched eleven times since the winter storms and could no longer carry fully loaded lorries safely.",
    "Islanders will be carried by a chartered passenger boat twice a day, but vehicles will have to wait, and the island's only grocer said he had ordered extra stock to last the closure.",
    "The board estimated the cost of the new ramp at 4.2 million crowns, to be shared with the regional council, which approved its part of the money in a late-night vote.",
    "Work is due to finish on the twenty-first of the month, weather permitting, the board added.",
];

#[test]
fn a_whole_copy_with_small_edits_is_one_passage() {
    let dir = tempfile::tempdir().unwrap();
    let copy = [
        WIRE[0],
        "Board chairwoman Hedda Sorlie said the old ramp had been patched 11 times since the winter storms and could no longer carry fully-loaded lorries safely.",
        WIRE[2],
        "The board estimated the cost of the new ramp at 4.3 million crowns, to be shared with the regional council, which approved its share of the money in a late-night vote.",
        WIRE[4],
    ];
    let db = ingest(
        dir.path(),
        &[
            item(
                "wire",
                "nordwire.example",
                "ferry-ramp",
                "2025-05-02T08:00:00Z",
                "Venn ferry to stop for three weeks",
                &WIRE,
            ),
            item(
                "copy",
                "venn-courier.example",
                "news/ferry",
                "2025-05-02T11:00:00Z",
                "Venn ferry to stop for three weeks",
                &copy,
            ),
        ],
    );
    let fams = families(&db);
    assert_eq!(fams["copy"]["family"], "wire");
    let passages = passages_between(&db, "wire", "copy");
    assert_eq!(passages.len(), 1, "{passages:?}");
    let p = &passages[0];
    assert_eq!(p["src_id"], "wire");
    assert_eq!(p["src_start"], 0);
    // The run goes from the first paragraph's start to the last one's end.
    let whole = WIRE.join("\n\n").chars().count();
    assert_eq!(p["src_end"], whole);
    // `compare` still shows the paragraphs inside it.
    let out = wiretrace(&db)
        .args(["compare", "wire", "copy", "--json"])
        .output()
        .unwrap();
    let cmp: Value = serde_json::from_slice(&out.stdout).expect("compare --json");
    assert_eq!(cmp["passages"].as_array().unwrap().len(), 1);
    assert_eq!(
        cmp["passages"][0]["paragraphs"].as_array().unwrap().len(),
        5
    );
}

const ITEM: [&str; 2] = [
    "Lighthouse keeper Ambrose Quill of Kessel Point retired on Friday after forty-one years on the rock, handing the keys to the coastal authority at a small ceremony on the jetty.",
    "Quill, who kept the lamp burning through the great blizzard of 2009, said he would miss the silence most, and planned to grow tomatoes in the keeper's old cottage.",
];

/// The story the digest and the gallery carry.
fn keeper() -> Value {
    item(
        "keeper",
        "kesselpost.example",
        "news/keeper-retires",
        "2031-06-06T10:00:00Z",
        "Kessel Point keeper retires after 41 years",
        &ITEM,
    )
}

#[test]
fn a_digest_carrying_one_item_is_a_passage_not_a_family_member() {
    let dir = tempfile::tempdir().unwrap();
    let digest = [
        "Good morning. Here is what happened around the coast this week, in five short reads.",
        "The Marrow Sound regatta was called off for the second year running after organisers failed to find enough rescue boats, and crews were told to try again in the autumn.",
        "Fishermen at Doll Harbour landed a record catch of sprats on Wednesday, selling most of it to a smokehouse in the valley before noon, the harbour master said.",
        ITEM[0],
        ITEM[1],
        "The council of Brindle will vote next month on whether to pedestrianise the old market street, after a petition signed by nine hundred residents was handed in.",
        "And finally: a seal that has spent the winter on the slipway at Tolley has been named Barnaby by pupils of the village school, who voted between four names.",
        "That is all for this week. The digest returns next Saturday morning.",
    ];
    let db = ingest(
        dir.path(),
        &[
            keeper(),
            item(
                "digest",
                "coastweekly.example",
                "digest/week-23",
                "2031-06-07T07:00:00Z",
                "The coast this week: regatta off, sprats in",
                &digest,
            ),
        ],
    );
    let fams = families(&db);
    assert_eq!(fams["digest"]["family"], "digest", "{:?}", fams["digest"]);
    assert_eq!(fams["keeper"]["family"], "keeper");
    let passages = passages_between(&db, "keeper", "digest");
    assert_eq!(passages.len(), 1, "{passages:?}");
    assert_eq!(passages[0]["src_id"], "keeper");
}

#[test]
fn galleries_and_aggregator_lists_are_flagged_and_join_no_family() {
    let dir = tempfile::tempdir().unwrap();
    let headlines = [
        "Venn ferry to stop for three weeks",
        "Kessel Point keeper retires after 41 years",
        "Marrow Sound regatta called off again",
        "Record sprat catch at Doll Harbour",
        "Brindle to vote on market street",
        "Tolley seal named Barnaby by pupils",
    ];
    let db = ingest(
        dir.path(),
        &[
            keeper(),
            // A gallery whose captions carry the story's text whole.
            item(
                "photos",
                "kesselpost.example",
                "gallery/keeper-retires",
                "2031-06-06T12:00:00Z",
                "In pictures: the keeper's last day",
                &ITEM,
            ),
            item(
                "latest",
                "coastweekly.example",
                "latest-news",
                "2031-06-07T07:00:00Z",
                "Latest news",
                &headlines,
            ),
        ],
    );
    let fams = families(&db);
    assert_eq!(fams["photos"]["kind"], "gallery");
    assert_eq!(fams["photos"]["family"], "photos");
    assert_eq!(fams["latest"]["kind"], "aggregator");
    assert_eq!(fams["keeper"]["kind"], Value::Null);
    assert_eq!(fams["keeper"]["family"], "keeper");
    // What the gallery shares with the story is still a passage.
    assert_eq!(passages_between(&db, "keeper", "photos").len(), 1);

    // The CLI, the API and the page all say what the container is.
    let cli: Value =
        serde_json::from_str(&stdout_of(&db, &["--json", "article", "photos"])).unwrap();
    assert_eq!(cli["kind"], "gallery");
    assert!(stdout_of(&db, &["article", "latest"]).contains("kind: aggregator"));
    let plain: Value =
        serde_json::from_str(&stdout_of(&db, &["--json", "article", "keeper"])).unwrap();
    assert_eq!(plain["kind"], Value::Null);
    let server = Server::start(&db);
    let (_, api) = server.json("/api/articles/photos");
    assert_eq!(api["kind"], "gallery", "{api}");
    let (_, api) = server.json("/api/articles/keeper");
    assert_eq!(api["kind"], Value::Null);
    let (_, _, page) = server.get("/articles/latest");
    assert!(page.contains("An aggregator page"), "{page}");
}

#[test]
fn the_ingest_summary_says_what_its_passage_count_counts() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let items: Vec<String> = ["wire", "c1", "c2"]
        .iter()
        .enumerate()
        .map(|(k, id)| {
            item(
                id,
                &format!("site{k}.example"),
                "news/ferry",
                &format!("2025-05-02T{:02}:00:00Z", k + 8),
                "Venn ferry to stop for three weeks",
                &WIRE,
            )
            .to_string()
        })
        .collect();
    std::fs::write(&feed, items.join("\n") + "\n").unwrap();
    let db = dir.path().join("w.db");
    let out = wiretrace(&db)
        .args(["ingest", "--quiet"])
        .arg(&feed)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // Three pairs aligned, one passage each; the export lists the two that
    // come from the original.
    assert!(
        text.contains("3 passages aligned between related pairs"),
        "{text}"
    );
    assert!(text.contains("export --what passages"), "{text}");
    assert_eq!(export(&db, "passages").len(), 2);
}

/// A wire story and three copies within the two hours where the clock alone
/// doesn't decide, with `shift` minutes added to every time, `padding` as
/// one copy's tagline, `edit` as a word of another, and `prefix` before
/// every id; listed backwards when `reversed`.
fn near_identical_family(
    shift: i64,
    padding: &str,
    edit: &str,
    prefix: &str,
    reversed: bool,
) -> Vec<Value> {
    let at = |h: u32, m: i64| {
        let t = chrono::NaiveDate::from_ymd_opt(2025, 5, 2)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            + chrono::Duration::minutes(m + shift);
        format!("{}Z", t.format("%Y-%m-%dT%H:%M:%S"))
    };
    let padded = [
        padding,
        WIRE[0],
        WIRE[1],
        WIRE[2],
        WIRE[3],
        WIRE[4],
        "Spread the love. Share this story with your neighbours on the island.",
    ];
    let repunctuated = [
        "The ferry service between Oskarsholm and the island of Venn will stop for three weeks from Monday, while engineers replace the ramp at the northern terminal, the harbour board said.",
        WIRE[1],
        "Islanders will be carried by a chartered passenger boat twice a day; but vehicles will have to wait, and the island's only grocer said he had ordered extra stock to last the closure.",
        WIRE[3],
        WIRE[4],
    ];
    let trimmed_lede = WIRE[0].replace("three weeks", edit);
    let trimmed = [trimmed_lede.as_str(), WIRE[1], WIRE[2]];
    let title = "Venn ferry to stop for three weeks";
    let id = |s: &str| format!("{prefix}{s}");
    let mut items = vec![
        item(
            &id("wire"),
            "nordwire.example",
            "ferry-ramp",
            &at(8, 0),
            title,
            &WIRE,
        ),
        item(
            &id("padded"),
            "islandpost.example",
            "ferry",
            &at(8, 40),
            title,
            &padded,
        ),
        item(
            &id("repunct"),
            "venn-courier.example",
            "news/ferry",
            &at(8, 5),
            title,
            &repunctuated,
        ),
        item(
            &id("trimmed"),
            "bayside.example",
            "brief/ferry",
            &at(9, 10),
            title,
            &trimmed,
        ),
    ];
    if reversed {
        items.reverse();
    }
    items
}

#[test]
fn the_source_is_stable_between_near_identical_inputs() {
    let variants = [
        (
            "base",
            near_identical_family(
                0,
                "Island Post: news from Venn since 1952.",
                "three weeks",
                "",
                false,
            ),
        ),
        (
            "every clock 13 minutes later",
            near_identical_family(
                13,
                "Island Post: news from Venn since 1952.",
                "three weeks",
                "",
                false,
            ),
        ),
        (
            "another tagline",
            near_identical_family(
                0,
                "Your island, your news: the Island Post.",
                "three weeks",
                "",
                false,
            ),
        ),
        (
            "one word edited in a copy",
            near_identical_family(
                0,
                "Island Post: news from Venn since 1952.",
                "three full weeks",
                "",
                false,
            ),
        ),
        (
            "ids that sort the other way",
            near_identical_family(
                0,
                "Island Post: news from Venn since 1952.",
                "three weeks",
                "zz-",
                false,
            ),
        ),
        (
            "listed backwards",
            near_identical_family(
                0,
                "Island Post: news from Venn since 1952.",
                "three weeks",
                "",
                true,
            ),
        ),
        ("the padded copy's clock 5 minutes ahead of the wire's", {
            let mut items = near_identical_family(
                0,
                "Island Post: news from Venn since 1952.",
                "three weeks",
                "",
                false,
            );
            items[1]["published"] = json!("2025-05-02T07:55:00Z");
            items
        }),
    ];
    for (name, items) in variants {
        let dir = tempfile::tempdir().unwrap();
        let db = ingest(dir.path(), &items);
        let fams = families(&db);
        let prefix = if name.starts_with("ids") { "zz-" } else { "" };
        let wire = format!("{prefix}wire");
        for copy in ["padded", "repunct", "trimmed"] {
            let copy = format!("{prefix}{copy}");
            assert_eq!(
                fams[&copy]["family"],
                wire.as_str(),
                "{name}: {copy} is a copy of the wire: {:?}",
                fams[&copy]
            );
            assert_eq!(
                fams[&copy]["source"],
                wire.as_str(),
                "{name}: {:?}",
                fams[&copy]
            );
        }
        assert_eq!(fams[&wire]["source"], Value::Null, "{name}");
    }
}

#[test]
fn furniture_inside_a_paragraph_shows_as_no_passage_in_export_api_or_pages() {
    // The promo runs on at the end of each post's own paragraph, so no line
    // of it recurs whole (the site's template learns none): the furniture
    // rule alone keeps it from being reuse, everywhere a passage shows.
    let dir = tempfile::tempdir().unwrap();
    let posts: Vec<Value> = (0..12)
        .map(|k| {
            let own = format!("{}. {ABOUT}", post_words(k + 40, 45));
            let more = format!("{}.", post_words(k + 80, 30));
            item(
                &format!("tbg{k:02}"),
                "tarrowbaygazette.example",
                &format!("news/post-{k}"),
                &format!("2031-04-{:02}T09:00:00Z", k + 1),
                &format!("Gazette post {k} about the bay"),
                &[&own, &more],
            )
        })
        .collect();
    let db = ingest(dir.path(), &posts);
    let passages = export(&db, "passages");
    assert!(passages.is_empty(), "furniture passages: {passages:?}");
    let server = Server::start(&db);
    for k in [0, 5, 11] {
        let (_, api) = server.json(&format!("/api/articles/tbg{k:02}"));
        assert_eq!(api["passages"], json!([]), "tbg{k:02}: {}", api["passages"]);
        let (_, _, page) = server.get(&format!("/articles/tbg{k:02}"));
        assert!(!page.contains("Shared passages"), "tbg{k:02}");
    }
}

//! Schema migrations, applied in order; `PRAGMA user_version` records how
//! many a file has had.

/// A story member's time (`story_members.ts`) for article `$id`: its
/// publication time, undated last, so a story's articles page in time order
/// off an index. `put_groupings` writes it with each member; migration 4
/// derived it for the members stored before. `$indexed` names the index
/// `articles` is read through (migration 10's `articles_brief`), empty in
/// the migrations older than it.
macro_rules! member_time {
    ($id:literal, $indexed:literal) => {
        concat!(
            "COALESCE((SELECT published_ts FROM articles",
            $indexed,
            " WHERE articles.id = ",
            $id,
            "), 9223372036854775807)"
        )
    };
}

/// Inserts or replaces one story member with its time (see [`member_time`]).
pub const PUT_STORY_MEMBER: &str = concat!(
    "INSERT OR REPLACE INTO story_members (article_id, story, similarity, reason, ts) VALUES (?1, ?2, ?3, ?4, ",
    member_time!("?1", " INDEXED BY articles_brief"),
    ")"
);

/// What the server reads of the groupings, derived from `story_members`,
/// `stories` and `articles` in SQL for the stories listed in the temporary
/// table `touched`: story sizes, outlet counts, and a full-text index of
/// story headlines and member titles (whose rows of the touched stories are
/// gone already). Run by migration 4 for every story and by
/// `put_groupings` for the stories it wrote or removed; `$indexed` as in
/// [`member_time`].
macro_rules! derive_touched_story_indexes {
    ($indexed:literal) => {
        concat!(r#"
    UPDATE stories SET size = (SELECT COUNT(*) FROM story_members m WHERE m.story = stories.id)
        WHERE id IN (SELECT id FROM touched);
    DELETE FROM story_outlets WHERE story IN (SELECT id FROM touched);
    INSERT INTO story_outlets (story, site, articles)
        SELECT m.story, COALESCE(a.site, ''), COUNT(*) FROM story_members m JOIN articles a"#, $indexed, r#" ON a.id = m.article_id
        WHERE m.story IN (SELECT id FROM touched)
        GROUP BY 1, 2;
    INSERT INTO stories_fts (rowid, headline, titles)
        SELECT s.rowid, s.headline,
               (SELECT group_concat(t, ' ') FROM (SELECT DISTINCT a.title AS t FROM story_members m
                    JOIN articles a"#, $indexed, r#" ON a.id = m.article_id WHERE m.story = s.id AND a.title IS NOT NULL LIMIT 1000))
        FROM stories s WHERE s.id IN (SELECT id FROM touched);
    "#)
    };
}

pub const DERIVE_TOUCHED_STORY_INDEXES: &str = concat!(
    derive_touched_story_indexes!(" INDEXED BY articles_brief"),
    // Each outlet row carries its story's times (migration 20), so a list
    // filtered by outlet pages through an index of its own.
    "UPDATE story_outlets SET (first_ts, last_ts) =
        (SELECT s.first_ts, s.last_ts FROM stories s WHERE s.id = story_outlets.story)
        WHERE story IN (SELECT id FROM touched);"
);

pub const MIGRATIONS: &[&str] = &[
    // 1: the foundation schema.
    r#"
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT, canonical_url TEXT, site TEXT,
        published TEXT, published_ts INTEGER, updated TEXT,
        title TEXT, byline TEXT, language TEXT, wire TEXT,
        text TEXT NOT NULL,
        body TEXT NOT NULL,
        captions TEXT NOT NULL, related TEXT NOT NULL, stripped TEXT NOT NULL,
        input TEXT NOT NULL, format TEXT NOT NULL, original TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 1,
        ingested_at TEXT NOT NULL,
        analysed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_pending ON articles(analysed) WHERE analysed = 0;
    CREATE TABLE revisions (
        article_id TEXT NOT NULL, revision INTEGER NOT NULL,
        content_hash TEXT NOT NULL, title TEXT, text TEXT NOT NULL, body TEXT NOT NULL,
        original TEXT NOT NULL, input TEXT NOT NULL, ingested_at TEXT NOT NULL,
        PRIMARY KEY (article_id, revision)
    );
    CREATE TABLE rejected (input TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE sketches (article_id TEXT PRIMARY KEY, sketch BLOB NOT NULL);
    CREATE TABLE relations (
        a TEXT NOT NULL, b TEXT NOT NULL,
        is_copy INTEGER NOT NULL, a_coverage REAL NOT NULL, b_coverage REAL NOT NULL,
        passages TEXT NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX relations_b ON relations(b);
    CREATE TABLE families (article_id TEXT PRIMARY KEY, family TEXT NOT NULL, source TEXT);
    CREATE TABLE story_members (article_id TEXT PRIMARY KEY, story TEXT NOT NULL, similarity REAL NOT NULL, reason TEXT NOT NULL);
    CREATE INDEX story_members_story ON story_members(story);
    CREATE TABLE stories (
        id TEXT PRIMARY KEY, headline TEXT, first_seen TEXT, last_seen TEXT,
        articles TEXT NOT NULL, outlets TEXT NOT NULL
    );
    "#,
    // 2: sketches keep the doc's token count (families weigh length without
    // re-reading texts); earlier analyses are redone under the new rules.
    r#"
    ALTER TABLE sketches ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
    DELETE FROM sketches;
    DELETE FROM relations;
    DELETE FROM families;
    DELETE FROM story_members;
    DELETE FROM stories;
    UPDATE articles SET analysed = 0;
    "#,
    // 3: what the server pages and searches by: story times as numbers, and
    // a full-text index of titles and texts kept in step by triggers.
    r#"
    ALTER TABLE stories ADD COLUMN first_ts INTEGER;
    ALTER TABLE stories ADD COLUMN last_ts INTEGER;
    UPDATE stories SET first_ts = unixepoch(first_seen), last_ts = unixepoch(last_seen);
    CREATE INDEX stories_last ON stories(last_ts);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    "#,
    // 4: bounded reads of big stories and families: members by (story, time),
    // families by family, stories' sizes and outlets, story-level search.
    concat!(
        r#"
    DROP INDEX story_members_story;
    ALTER TABLE story_members ADD COLUMN ts INTEGER;
    CREATE INDEX story_members_story_ts ON story_members(story, ts, article_id);
    CREATE INDEX families_family ON families(family);
    ALTER TABLE stories ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE story_outlets (
        story TEXT NOT NULL, site TEXT NOT NULL, articles INTEGER NOT NULL, PRIMARY KEY (story, site)
    );
    CREATE INDEX story_outlets_site ON story_outlets(site);
    CREATE VIRTUAL TABLE stories_fts USING fts5(headline, titles, tokenize='unicode61 remove_diacritics 2');
    "#,
        "CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY);
         DELETE FROM touched; INSERT INTO touched SELECT id FROM stories;
         UPDATE story_members SET ts = ",
        member_time!("story_members.article_id", ""),
        ";",
        derive_touched_story_indexes!("")
    ),
    // 5: new articles enter the full-text index in bulk when an ingest is
    // grouped (INDEX_NEW_TEXTS), not row by row through a trigger: at 100,000
    // articles the trigger cost 65 s of the writer's time, the bulk insert 8 s.
    // Rows already indexed are still kept in step on delete and update.
    r#"
    DROP TRIGGER articles_fts_insert;
    DROP TRIGGER articles_fts_delete;
    DROP TRIGGER articles_fts_update;
    CREATE TABLE fts_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_to INTEGER NOT NULL);
    INSERT INTO fts_progress VALUES (1, (SELECT COALESCE(MAX(rowid), 0) FROM articles));
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
    WHEN old.rowid <= (SELECT indexed_to FROM fts_progress) BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles
    WHEN old.rowid <= (SELECT indexed_to FROM fts_progress) BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    "#,
    // 6: stories resume from a checkpoint of the online clustering, reading
    // only the articles after it in publication order.
    r#"
    CREATE INDEX articles_arrival ON articles(published_ts, id);
    CREATE TABLE checkpoints (name TEXT PRIMARY KEY, value BLOB NOT NULL);
    "#,
    // 7: articles waiting for reuse analysis are listed in a table of their
    // own: marking one analysed was an UPDATE of its whole articles row
    // (texts, input and all), 3 to 5 s of the writer's time per 100,000.
    r#"
    CREATE TABLE pending_analysis (article_id TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO pending_analysis SELECT id FROM articles WHERE analysed = 0;
    DROP INDEX articles_pending;
    ALTER TABLE articles DROP COLUMN analysed;
    "#,
    // 8: each relation keeps what family building needs of it (a small
    // blob), so regrouping reads no passage JSON: at 100,000 articles,
    // parsing 400,000 relations' passages took 1.4 s of every ingest.
    // Older rows have none and are summarised from their passages.
    r#"
    ALTER TABLE relations ADD COLUMN summary BLOB;
    "#,
    // 9: each relation keeps its number of passages, so the store's counts
    // (printed after every ingest) parse no passage JSON: at 100,000
    // articles that count took 0.5-0.8 s of each ingest, however small.
    r#"
    ALTER TABLE relations ADD COLUMN passage_count INTEGER;
    UPDATE relations SET passage_count = json_array_length(passages);
    "#,
    // 10: what grouping and the server read of an article by id (time,
    // site, title) from an index, not from the article's row: a row with
    // its text fills a page, so 100,000 story members meant 100,000 page
    // reads, three times over (1.5 s of each 100,000-article ingest). The
    // statements name it (INDEXED BY): the planner prefers the primary key.
    r#"
    CREATE INDEX articles_brief ON articles(id, published_ts, site, title);
    "#,
    // 11: the article index merges its segments 16 at a time rather than 4.
    // Indexing 100,000 articles in bulk took 11 CPU-s, most of it merging
    // segments again and again; at 16, 6.4 s, and searches were no slower
    // (3.6 against 5.7 ms a query on that index).
    r#"
    INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 16);
    "#,
    // 12: the brief index also holds what family building reads of every
    // article (publication time as written, wire credit, number of lines
    // stripped), so that read is one pass over the index: through the rows,
    // it paged in every text to reach the stripped lines behind it (0.3 s
    // of the 1.3 s families took at 100,000 articles).
    r#"
    DROP INDEX articles_brief;
    CREATE INDEX articles_brief ON articles(id, published_ts, site, title, published, wire, json_array_length(stripped));
    "#,
    // 13: a feed line is kept without the text the row holds already, and
    // this is the byte offset where that text stood (NULL: `original` is
    // whole). See `codec::elide_text`.
    r#"
    ALTER TABLE articles ADD COLUMN original_text_at INTEGER;
    ALTER TABLE revisions ADD COLUMN original_text_at INTEGER;
    "#,
    // 14: exact duplicates are found by the first 12 hex digits of the
    // content hash (48 bits; the whole hash is compared in the row). Its
    // keys are random, so every batch of inserts rewrote pages all over the
    // index of whole 32-digit hashes: at 100,000 articles the smaller index
    // cut ingest's writes from 970 to 895 MB and its CPU by 9%.
    r#"
    DROP INDEX articles_content_hash;
    CREATE INDEX articles_content_prefix ON articles(substr(content_hash, 1, 12));
    "#,
    // The full-text index of articles holds their titles and clean texts
    // (`wiretrace_clean`, see `sqlite::register_functions`), not the text
    // as ingested: a search matched the spam links, comment forms and
    // taglines extraction had stripped. It reads them through a view, so
    // the store keeps no second copy of the texts.
    r#"
    DROP TRIGGER articles_fts_delete;
    DROP TRIGGER articles_fts_update;
    DROP TABLE articles_fts;
    CREATE VIEW articles_clean AS
        SELECT rowid AS rid, title, wiretrace_clean(text, body) AS text FROM articles;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles_clean', content_rowid='rid', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 16);
    INSERT INTO articles_fts(rowid, title, text)
        SELECT rowid, title, wiretrace_clean(text, body) FROM articles
        WHERE rowid <= (SELECT indexed_to FROM fts_progress);
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
    WHEN old.rowid <= (SELECT indexed_to FROM fts_progress) BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, old.title, wiretrace_clean(old.text, old.body));
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, body ON articles
    WHEN old.rowid <= (SELECT indexed_to FROM fts_progress) BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, old.title, wiretrace_clean(old.text, old.body));
        INSERT INTO articles_fts(rowid, title, text)
            VALUES (new.rowid, new.title, wiretrace_clean(new.text, new.body));
    END;
    "#,
    // Container pages (galleries, video pages, paywall stubs, aggregator
    // lists: `wiretrace_reuse::kind`), which join no copy family. A table of
    // their own: most articles have no kind, and regrouping reads them all
    // without touching the articles' rows. Articles stored before it have
    // none until they are stored again.
    r#"
    CREATE TABLE page_kinds (article_id TEXT PRIMARY KEY, kind TEXT NOT NULL) WITHOUT ROWID;
    "#,
    // Site templates (`wiretrace_core::template`): each article's host and
    // the keys of its body's lines as extracted (8 bytes each, in the
    // sketch's small row, which analysis reads whole anyway), and the
    // template lines kept out of its body (JSON, NULL: none).
    r#"
    ALTER TABLE sketches ADD COLUMN host TEXT;
    ALTER TABLE sketches ADD COLUMN lines BLOB;
    ALTER TABLE sketches ADD COLUMN template TEXT;
    "#,
    // Family notes: each family's place in its version chain and why its
    // source was chosen (`wiretrace article ID --why`, the API). The brief
    // index also holds what shows a clock wrong (the URL, for its date, and
    // when the article was first stored), so family building still reads
    // every article from the index alone.
    r#"
    CREATE TABLE family_notes (family TEXT PRIMARY KEY, chain TEXT, version_of TEXT, why TEXT NOT NULL);
    DROP INDEX articles_brief;
    CREATE INDEX articles_brief ON articles(id, published_ts, site, title, published, wire, json_array_length(stripped), url, ingested_at);
    "#,
    // The story list's order (`stories_page`: latest first, undated last,
    // then by id) read from an index: each page sorted every story (2.7 ms
    // a first page at 8,708 stories, 0.4 ms with it), and under 8 clients
    // those sorts queued past the 50 ms p99. Both indexes hold `first_ts`
    // too, so a list bounded by dates, and its count, read no table rows
    // (5.3 and 3.5 ms before, 0.4 and 0.3 ms with them).
    r#"
    CREATE INDEX stories_page_order ON stories(last_ts IS NULL, last_ts DESC, id, first_ts);
    DROP INDEX stories_last;
    CREATE INDEX stories_last ON stories(last_ts, first_ts);
    "#,
    // A story list filtered by outlet read from an index: the outlet's
    // stories were gathered, then every one sorted and counted (31 ms for an
    // outlet in 8,542 of 8,708 stories, the p99 of the filtered list under
    // 8 clients). The outlet rows carry their story's times, so the page
    // and its count are a range of this index.
    r#"
    ALTER TABLE story_outlets ADD COLUMN first_ts INTEGER;
    ALTER TABLE story_outlets ADD COLUMN last_ts INTEGER;
    UPDATE story_outlets SET (first_ts, last_ts) =
        (SELECT s.first_ts, s.last_ts FROM stories s WHERE s.id = story_outlets.story);
    DROP INDEX story_outlets_site;
    CREATE INDEX story_outlets_page ON story_outlets(site, last_ts IS NULL, last_ts DESC, story, first_ts);
    "#,
    // Pairs of one site that share only its furniture
    // (`wiretrace_reuse::furniture`), as the last grouping found them: no
    // reader shows their passages (the export left them out, but the API
    // and pages read relations directly). Stores analysed before it mark
    // them at their next analysis.
    r#"
    ALTER TABLE relations ADD COLUMN furniture INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX relations_furniture ON relations(a, b) WHERE furniture = 1;
    "#,
    // Who said what (issue 33). `article_quotes`: the quotes stage's
    // findings in one article (JSON), with the content hash and body they
    // were found in, so an article revised or given a new body by its
    // site's template is analysed again. The rest is derived from them, the
    // families and the stories, and replaced whole when those change
    // (`checkpoints` row `quotes_grouped` holds what they were): quotations
    // with their carriers, entities across articles with the articles
    // naming them, and the entities each quotation names.
    r#"
    CREATE TABLE article_quotes (article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, body TEXT NOT NULL, quotes TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE quotations (id TEXT PRIMARY KEY, ord INTEGER NOT NULL, text TEXT NOT NULL, speaker TEXT NOT NULL,
        speaker_name TEXT, speaker_entity TEXT, cue TEXT, source TEXT, direct INTEGER NOT NULL, first_article TEXT NOT NULL, first_ts INTEGER,
        carriers INTEGER NOT NULL, changed INTEGER NOT NULL, reporters TEXT NOT NULL, names TEXT NOT NULL);
    CREATE INDEX quotations_order ON quotations(ord);
    CREATE INDEX quotations_by_speaker ON quotations(speaker_entity, ord);
    CREATE TABLE quote_carriers (quotation TEXT NOT NULL, article_id TEXT NOT NULL, place INTEGER NOT NULL,
        attribution INTEGER NOT NULL, reporter TEXT NOT NULL, change TEXT NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (quotation, article_id)) WITHOUT ROWID;
    CREATE INDEX quote_carriers_article ON quote_carriers(article_id, quotation);
    CREATE TABLE entities (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, titles TEXT NOT NULL,
        aliases TEXT NOT NULL, articles INTEGER NOT NULL, mentions INTEGER NOT NULL, quotes INTEGER NOT NULL);
    CREATE INDEX entities_by_size ON entities(articles DESC, id);
    CREATE TABLE entity_articles (entity TEXT NOT NULL, article_id TEXT NOT NULL, mentions INTEGER NOT NULL,
        PRIMARY KEY (entity, article_id)) WITHOUT ROWID;
    CREATE INDEX entity_articles_article ON entity_articles(article_id, entity);
    CREATE TABLE quote_names (entity TEXT NOT NULL, quotation TEXT NOT NULL, PRIMARY KEY (entity, quotation)) WITHOUT ROWID;
    "#,
    // Crawl time: when a crawler first fetched the article (an archive's
    // `WARC-Date`, `wiretrace follow`'s fetch), RFC 3339, NULL for inputs
    // that do not say. Family building reads it with the rest of the
    // brief index: a member first seen after another cannot be the source.
    r#"
    ALTER TABLE articles ADD COLUMN first_seen TEXT;
    DROP INDEX articles_brief;
    CREATE INDEX articles_brief ON articles(id, published_ts, site, title, published, wire, json_array_length(stripped), url, ingested_at, first_seen);
    "#,
    // `wiretrace follow`'s state (see `follow`): each source's validators
    // and schedule, and each page URL it found with where its fetch
    // stands. A fetched page's bytes are held here until it is stored, so
    // a crash loses nothing fetched and fetches nothing stored again.
    r#"
    CREATE TABLE follow_sources (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
        next_poll INTEGER NOT NULL DEFAULT 0, interval INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0, last_status TEXT) WITHOUT ROWID;
    CREATE TABLE follow_pages (url TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT,
        published TEXT, summary TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        found INTEGER NOT NULL, fetched_at TEXT, final_url TEXT, charset TEXT, body BLOB,
        article_id TEXT, reason TEXT);
    CREATE INDEX follow_pages_state ON follow_pages(state, found);
    "#,
];

/// The stored article, other than `?2`, whose content hash is `?1` (the
/// smallest id if several): through the index of hash prefixes, whose
/// expression it spells as migration 14 does (migrations never change, so
/// the two are not made from one macro; `INDEXED BY` fails loudly if they
/// part).
pub const FIND_EXACT_DUPLICATE: &str = "SELECT id FROM articles INDEXED BY articles_content_prefix
     WHERE substr(content_hash, 1, 12) = substr(?1, 1, 12) AND content_hash = ?1 AND id <> ?2
     ORDER BY id LIMIT 1";

/// Adds the articles stored since the last run to the full-text index
/// (their titles and clean texts).
pub const INDEX_NEW_TEXTS: &str = r#"
    INSERT INTO articles_fts(rowid, title, text)
        SELECT rowid, title, wiretrace_clean(text, body) FROM articles WHERE rowid > (SELECT indexed_to FROM fts_progress);
    UPDATE fts_progress SET indexed_to = (SELECT COALESCE(MAX(rowid), indexed_to) FROM articles);
"#;

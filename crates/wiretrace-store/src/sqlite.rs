//! The embedded SQLite backend.

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, types::Type, Connection, OptionalExtension, Row};
use std::borrow::Cow;
use std::path::Path;
use wiretrace_core::{
    template::TemplateLine, time::ArrivalKey, Article, ArticleId, InputFormat, Rejection,
};
use wiretrace_reuse::{
    FamilyAssignment, FamilyNote, Grouping, PageKind, PairRelation, RelationSummary, Sketch,
};
use wiretrace_stories::{Assignment, Story};

use crate::checkpoint::Checkpointer;
use crate::codec::{
    blob_to_passages, blob_to_sketch, blob_to_summary, passages_to_blob, restore_text,
    sketch_to_blob, summary_to_blob,
};
use crate::schema::{
    DERIVE_TOUCHED_STORY_INDEXES, FIND_EXACT_DUPLICATE, INDEX_NEW_TEXTS, MIGRATIONS,
    PUT_STORY_MEMBER,
};
use crate::{
    text_query, ArticleSummary, FamilyBrief, NewArticle, OutletCount, PageLines, PutOutcome,
    RejectedItem, Result, SearchHit, Stats, Store, StoreError, StoryMember, StoryQuery,
    StorySummary, StoryUpdate, TextIndexJob, FAMILY_SITES, SUMMARY_OUTLETS,
};

/// A store in one SQLite file.
pub struct SqliteStore {
    pub(crate) conn: Connection,
    /// Copies the log into the file off the writer's thread (a file-backed
    /// store only); stopped before `conn` closes, which copies the rest.
    checkpointer: Option<Checkpointer>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        drop(self.checkpointer.take());
    }
}

const ARTICLE_COLUMNS: &str = "id, url, canonical_url, site, published, updated, title, byline, language, wire, text, body, captions, related, stripped, input, format, original, original_text_at, first_seen";

/// Now, to the second, as the API writes times (`Z`).
fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The article columns grouping and alignment read: no raw input, no
/// removed, caption or related lines.
fn text_columns() -> String {
    ARTICLE_COLUMNS
        .replace("captions, related, stripped", "'[]', '[]', '[]'")
        .replace(", original, original_text_at", ", '', NULL")
}

fn date(s: Option<String>) -> Option<DateTime<FixedOffset>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Text, Box::new(e)))
}

/// The error for a value in column `i` (of type `ty`) that its decoder
/// (see `codec`) refused: a damaged store is an error, never a wrong result.
fn damaged(i: usize, ty: Type, what: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, ty, what.into())
}

fn article_from_row(r: &Row) -> rusqlite::Result<Article> {
    Ok(Article {
        id: ArticleId(r.get(0)?),
        url: r.get(1)?,
        canonical_url: r.get(2)?,
        site: r.get(3)?,
        published: date(r.get(4)?),
        updated: date(r.get(5)?),
        first_seen: date(r.get(19)?),
        title: r.get(6)?,
        byline: r.get(7)?,
        language: r.get(8)?,
        wire: r.get(9)?,
        text: r.get(10)?,
        body: json(r.get(11)?)?,
        captions: json(r.get(12)?)?,
        related: json(r.get(13)?)?,
        stripped: json(r.get(14)?)?,
        input: r.get(15)?,
        format: InputFormat::parse(&r.get::<_, String>(16)?).unwrap_or(InputFormat::Text),
        original: match r.get::<_, Option<i64>>(18)? {
            None => r.get(17)?,
            Some(at) => {
                let text = r.get_ref(10)?.as_str()?;
                let kept = r.get_ref(17)?.as_str()?;
                usize::try_from(at)
                    .ok()
                    .and_then(|at| restore_text(kept, at, text))
                    .ok_or_else(|| damaged(17, Type::Text, "damaged feed line"))?
            }
        },
    })
}

/// The SQL functions the schema uses: `wiretrace_clean(text, body)`, an
/// article's clean text from its stored text and body spans (what the
/// full-text index holds). Every connection that writes articles needs it.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "wiretrace_clean",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text = ctx.get_raw(0).as_str().unwrap_or("");
            let body: Vec<wiretrace_core::Span> =
                serde_json::from_str(ctx.get_raw(1).as_str().unwrap_or("[]"))
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            Ok(wiretrace_core::clean_text_of(text, &body))
        },
    )
}

/// Runs `open` again while it fails for a lock another connection holds
/// past the busy timeout's reach: turning a new file to WAL mode takes an
/// exclusive lock that SQLite does not wait for, so two processes opening
/// a new store at once (two ingests, an ingest and a server) may find it
/// taken. Waits up to about 5 s in all.
fn while_busy<T>(mut open: impl FnMut() -> Result<T>) -> Result<T> {
    let mut waited = std::time::Duration::ZERO;
    loop {
        match open() {
            Err(StoreError::Sqlite(e))
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && waited < std::time::Duration::from_secs(5) =>
            {
                let pause = std::time::Duration::from_millis(10);
                std::thread::sleep(pause);
                waited += pause;
            }
            r => return r,
        }
    }
}

/// An SQLite database with tables but no schema version is another
/// program's: migrating it would mix wiretrace's tables into it. With
/// `existing` (a command that reads), so is one without tables.
fn refuse_a_foreign_database(conn: &Connection, existing: bool) -> Result<()> {
    // (One statement, one snapshot: another opener may be creating the
    // schema meanwhile.)
    let (version, tables): (i64, i64) = conn.query_row(
        "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if version != 0 {
        return Ok(());
    }
    if existing || tables > 0 {
        let path = conn.path().unwrap_or("the store").to_string();
        return Err(StoreError::NotAStore(format!(
            "{path} is not a wiretrace store (an SQLite database of another program)"
        )));
    }
    Ok(())
}

/// SQLite's "file is not a database" said with the path, as a store that
/// is not one. (The file's header is read by SQLite itself, never by a
/// file handle of ours: closing any handle on a file drops every POSIX
/// lock the process holds on it, those of its other connections included,
/// and a writer in another process could then check the log into the file
/// and delete it under their reads: "database disk image is malformed".)
fn not_a_database(path: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::Sqlite(ref err)
            if err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
        {
            StoreError::NotAStore(format!(
                "{} is not a wiretrace store (not an SQLite database)",
                path.display()
            ))
        }
        e => e,
    }
}

/// A path as the path of a `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Counts, in the transaction that makes it, each change to what is
/// derived from the whole store (articles, families, story members): a
/// reader that noted the count it derived from knows it is current by
/// reading one row, not every article's (see [`SqliteStore::generation`]).
fn bump_generation(tx: &Connection) -> Result<()> {
    cached(
        tx,
        "INSERT INTO checkpoints (name, value) VALUES ('generation', 1)
         ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [],
    )?;
    Ok(())
}

/// Replaces the families and, in the same transaction, their notes: a
/// reader never sees a family with another grouping's chain or reasons.
fn replace_families(tx: &Connection, grouping: &Grouping) -> Result<()> {
    bump_generation(tx)?;
    tx.execute_batch("DELETE FROM families; DELETE FROM family_notes;")?;
    for n in &grouping.notes {
        cached(
            tx,
            "INSERT INTO family_notes (family, chain, version_of, why) VALUES (?1, ?2, ?3, ?4)",
            params![
                n.family.as_str(),
                n.chain.as_ref().map(|c| c.as_str()),
                n.version_of.as_ref().map(|v| v.as_str()),
                serde_json::to_string(&n.why)?
            ],
        )?;
    }
    for f in &grouping.assignments {
        cached(
            tx,
            "INSERT INTO families (article_id, family, source) VALUES (?1, ?2, ?3)",
            params![
                f.id.as_str(),
                f.family.as_str(),
                f.source.as_ref().map(|s| s.as_str())
            ],
        )?;
    }
    Ok(())
}

/// Runs `sql` through the connection's statement cache: the ingest loops run
/// the same few statements for every row, and parsing them each time cost
/// more than the insert.
fn cached(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, migrating its schema.
    /// A file that is not a wiretrace store (another program's database,
    /// or no database at all) is refused, untouched.
    /// A store that cannot be written (a read-only file or medium) is
    /// opened for reading, as [`Self::open_existing`] does: its writes fail,
    /// its reads (a server's) work.
    pub fn open(path: &Path) -> Result<Self> {
        while_busy(|| match Self::open_once(path) {
            Err(StoreError::Sqlite(e))
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
                ) && std::fs::metadata(path).is_ok_and(|m| m.len() > 0) =>
            {
                Self::open_existing_once(path)
            }
            r => r,
        })
    }

    fn open_once(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::init(conn, false).map_err(|e| not_a_database(path, e))
    }

    /// Opens the existing store at `path` for a command that reads it:
    /// never creates a file, never touches a file that is not a wiretrace
    /// store, and reads a store it cannot write (a read-only file or
    /// medium), where it migrates nothing.
    pub fn open_existing(path: &Path) -> Result<Self> {
        while_busy(|| Self::open_existing_once(path))
    }

    fn open_existing_once(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path)
            .map_err(|e| StoreError::NotAStore(format!("no store at {}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(StoreError::NotAStore(format!(
                "{} is not a wiretrace store (not a file)",
                path.display()
            )));
        }
        if meta.len() == 0 {
            return Err(StoreError::NotAStore(format!(
                "{} is not a wiretrace store (an empty file)",
                path.display()
            )));
        }
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        let read_only = conn.is_readonly(rusqlite::MAIN_DB)?;
        let conn = match (
            read_only,
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())),
        ) {
            (false, _) | (true, Ok(())) => conn,
            // A store in WAL mode on a medium where its shared-memory file
            // cannot be made: read as an unchanging file.
            (true, Err(_)) => {
                drop(conn);
                let uri = format!("file:{}?immutable=1", uri_path(path));
                Connection::open_with_flags(
                    uri,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_URI
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?
            }
        };
        Self::init(conn, true).map_err(|e| not_a_database(path, e))
    }

    /// Whether the store can only be read (a read-only file or medium).
    pub fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
    }

    /// How many stored articles came from inputs whose name is not LIKE
    /// `pattern` (SQL LIKE): `wiretrace demo` replaces only a store of its
    /// own corpus.
    pub fn inputs_not_like(&self, pattern: &str) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM articles WHERE input NOT LIKE ?1",
            [pattern],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// How many articles wait for the reuse analysis (an ingest that
    /// stopped before it, or a store whose analysis was never run).
    pub fn pending_count(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM pending_analysis", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// How many times articles, families or story members have changed
    /// (0 for a store that never held any): equal counts, equal contents.
    pub fn generation(&self) -> Result<u64> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM checkpoints WHERE name = 'generation'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// A write transaction, the store's checkpointer started first: only a
    /// store that writes has one (a server's readers do not), and without
    /// one the writer checkpoints itself, as SQLite does by default.
    pub(crate) fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        if self.checkpointer.is_none() {
            let path = self.conn.path().filter(|p| !p.is_empty()).map(Path::new);
            if let Some(c) = path.and_then(Checkpointer::start) {
                self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
                self.checkpointer = Some(c);
            }
        }
        Ok(self.conn.transaction()?)
    }

    /// A store in memory, for tests and one-off runs.
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, false)
    }

    /// Sets the connection up; `existing`: a store [`Self::open_existing`]
    /// opened, which may be read-only (then nothing is changed in it).
    fn init(mut conn: Connection, existing: bool) -> Result<Self> {
        register_functions(&conn)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Every transaction here writes: taking the write lock first waits
        // (busy timeout) for another writer or a checkpoint, where a read
        // turned write would fail at once on a snapshot they had moved.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        let read_only = conn.is_readonly(rusqlite::MAIN_DB)?;
        // (Before anything is set that writes to the file.)
        refuse_a_foreign_database(&conn, existing)?;
        if !read_only {
            // WAL: readers never block the writer, and a killed writer leaves the
            // last committed state. NORMAL sync is durable against process death.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        // Analysis reads texts and relations all over the file: a 64 MiB
        // page cache spares most read syscalls. (Memory-mapped reads gained
        // nothing measurable and count the file into resident memory.)
        conn.pragma_update(None, "cache_size", -65_536)?;
        // Checkpoints copy the log into the file and sync both: every 64 MiB
        // of log rather than every 4 MiB, until the first write hands them
        // to the checkpointer thread (see `write_transaction`).
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
        // Statement journals (an article's INSERT OR REPLACE touches a row of
        // overflow pages and five indexes, past the 64 KiB kept in memory)
        // and sorts' temporary trees stay in memory, not in temporary files.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // INSERT OR REPLACE deletes the old row: its delete trigger must run
        // to keep the full-text index in step.
        conn.pragma_update(None, "recursive_triggers", "ON")?;
        let mut store = SqliteStore {
            conn,
            checkpointer: None,
        };
        store.migrate(read_only)?;
        Ok(store)
    }

    fn version(&self) -> Result<usize> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Applies the migrations the file lacks, each under the write lock,
    /// reading the version again once it holds the lock: two processes
    /// opening a new store at once (two ingests, an ingest and a server)
    /// each find what the other did, rather than creating the tables twice.
    fn migrate(&mut self, read_only: bool) -> Result<()> {
        loop {
            let version = self.version()?;
            if version > MIGRATIONS.len() {
                return Err(StoreError::Schema(format!(
                    "this store has schema version {version}, made by a newer wiretrace (this one knows {})",
                    MIGRATIONS.len()
                )));
            }
            if version == MIGRATIONS.len() {
                return Ok(());
            }
            if read_only {
                return Err(StoreError::Schema(format!(
                    "this store was made by an older wiretrace (schema version {version} of {}) and cannot be upgraded where it is: it is read-only",
                    MIGRATIONS.len()
                )));
            }
            let tx = self.conn.transaction()?;
            let version: usize = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if let Some(sql) = MIGRATIONS.get(version) {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", version + 1)?;
            }
            tx.commit()?;
        }
    }

    fn relation_from_row(r: &Row) -> rusqlite::Result<PairRelation> {
        Ok(PairRelation {
            a: ArticleId(r.get(0)?),
            b: ArticleId(r.get(1)?),
            a_coverage: r.get(2)?,
            b_coverage: r.get(3)?,
            passages: passages_at(r, 4)?,
        })
    }
}

/// The passages in column `i` of a relations row: bytes
/// ([`passages_to_blob`]), or JSON text in rows stored before those.
fn passages_at(r: &Row, i: usize) -> rusqlite::Result<Vec<wiretrace_reuse::Passage>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Blob(b) => {
            blob_to_passages(b).ok_or_else(|| damaged(i, Type::Blob, "damaged passages"))
        }
        _ => json(r.get(i)?),
    }
}

macro_rules! article_insert {
    ($verb:literal) => {
        concat!($verb, " INTO articles (id, url, canonical_url, site, published, published_ts, updated, title, byline, language, wire,
            text, body, captions, related, stripped, input, format, original, original_text_at, content_hash, revision, ingested_at, first_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)")
    };
}
/// Stores an article under a new id. Not `INSERT OR REPLACE`: REPLACE,
/// which may delete a row first, makes SQLite keep a statement journal, a
/// copy of every page the insert touches.
const INSERT_ARTICLE: &str = article_insert!("INSERT");
/// Stores a new revision in place of the article's row.
const REPLACE_ARTICLE: &str = article_insert!("INSERT OR REPLACE");

/// Stores a sketch the analysis took, keeping the row's line keys.
fn put_sketch(conn: &Connection, s: &Sketch) -> rusqlite::Result<usize> {
    cached(
        conn,
        "INSERT INTO sketches (article_id, sketch, tokens) VALUES (?1, ?2, ?3)
         ON CONFLICT (article_id) DO UPDATE SET sketch = excluded.sketch, tokens = excluded.tokens",
        params![s.id.as_str(), sketch_to_blob(&s.hashes), s.tokens],
    )
}

/// Stores a new article's sketch and line keys, no template applied yet.
fn put_new_sketch(conn: &Connection, new: &NewArticle) -> rusqlite::Result<usize> {
    let s = &new.sketch;
    cached(
        conn,
        "INSERT OR REPLACE INTO sketches (article_id, sketch, tokens, host, lines) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id.as_str(), sketch_to_blob(&s.hashes), s.tokens, new.host, sketch_to_blob(&new.lines)],
    )
}

impl Store for SqliteStore {
    fn put_articles(&mut self, batch: &[NewArticle]) -> Result<Vec<PutOutcome>> {
        let tx = self.write_transaction()?;
        let mut out = Vec::with_capacity(batch.len());
        let at = now();
        // A stored input is no longer rejected; most stores have none to
        // forget (a delete per article was a statement run for nothing).
        let any_rejected: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM rejected)", [], |r| r.get(0))?;
        let forget_rejection = |input: &str| -> Result<()> {
            if any_rejected {
                cached(&tx, "DELETE FROM rejected WHERE input = ?1", [input])?;
            }
            Ok(())
        };
        for new in batch {
            let (a, hash) = (&new.article, &new.content_hash);
            let existing: Option<(String, u32, Option<String>)> = tx
                .prepare_cached(
                    "SELECT content_hash, revision, first_seen FROM articles WHERE id = ?1",
                )?
                .query_row([a.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            // An article is first seen once: a later fetch or revision
            // never moves the time, an earlier one (an older crawl read
            // after a newer) does.
            let seen_before = existing.as_ref().and_then(|e| date(e.2.clone()));
            let first_seen = match (seen_before, a.first_seen) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            let revision = match &existing {
                Some((h, _, _)) if h == hash => {
                    if first_seen != seen_before {
                        cached(
                            &tx,
                            "UPDATE articles SET first_seen = ?2 WHERE id = ?1",
                            params![a.id.as_str(), first_seen.map(|d| d.to_rfc3339())],
                        )?;
                    }
                    out.push(PutOutcome::Unchanged);
                    forget_rejection(&a.input)?;
                    continue;
                }
                Some((_, rev, _)) => {
                    cached(&tx,
                        "INSERT OR REPLACE INTO revisions (article_id, revision, content_hash, title, text, body, original, original_text_at, input, ingested_at)
                         SELECT id, revision, content_hash, title, text, body, original, original_text_at, input, ingested_at FROM articles WHERE id = ?1",
                        [a.id.as_str()],
                    )?;
                    // Its old reuse results no longer hold.
                    cached(
                        &tx,
                        "DELETE FROM relations WHERE a = ?1 OR b = ?1",
                        [a.id.as_str()],
                    )?;
                    rev + 1
                }
                None => 1,
            };
            if existing.is_none() {
                let dup: Option<String> = tx
                    .prepare_cached(FIND_EXACT_DUPLICATE)?
                    .query_row(params![hash, a.id.as_str()], |r| r.get(0))
                    .optional()?;
                out.push(dup.map_or(PutOutcome::Inserted, |d| {
                    PutOutcome::ExactDuplicate(ArticleId(d))
                }));
            } else {
                out.push(PutOutcome::Revised(revision));
            }
            let kept = &new.original_without_text;
            let insert = match existing {
                None => INSERT_ARTICLE,
                Some(_) => REPLACE_ARTICLE,
            };
            cached(
                &tx,
                insert,
                params![
                    a.id.as_str(),
                    a.url,
                    a.canonical_url,
                    a.site,
                    a.published.map(|d| d.to_rfc3339()),
                    a.published.map(|d| d.timestamp()),
                    a.updated.map(|d| d.to_rfc3339()),
                    a.title,
                    a.byline,
                    a.language,
                    a.wire,
                    a.text,
                    serde_json::to_string(&a.body)?,
                    serde_json::to_string(&a.captions)?,
                    serde_json::to_string(&a.related)?,
                    serde_json::to_string(&a.stripped)?,
                    a.input,
                    a.format.as_str(),
                    kept.as_ref().map_or(a.original.as_str(), |k| k.0.as_str()),
                    kept.as_ref().map(|k| k.1 as i64),
                    hash,
                    revision,
                    at,
                    first_seen.map(|d| d.to_rfc3339()),
                ],
            )?;
            put_new_sketch(&tx, new)?;
            if revision > 1 {
                cached(
                    &tx,
                    "DELETE FROM page_kinds WHERE article_id = ?1",
                    [a.id.as_str()],
                )?;
            }
            if let Some(kind) = new.kind {
                cached(
                    &tx,
                    "INSERT OR REPLACE INTO page_kinds (article_id, kind) VALUES (?1, ?2)",
                    [a.id.as_str(), kind.as_str()],
                )?;
            }
            cached(
                &tx,
                "INSERT OR IGNORE INTO pending_analysis (article_id) VALUES (?1)",
                [a.id.as_str()],
            )?;
            forget_rejection(&a.input)?;
        }
        if !batch.is_empty() {
            bump_generation(&tx)?;
        }
        tx.commit()?;
        Ok(out)
    }

    fn put_rejections(&mut self, batch: &[Rejection]) -> Result<()> {
        let tx = self.write_transaction()?;
        let at = now();
        for r in batch {
            cached(
                &tx,
                "INSERT OR REPLACE INTO rejected (input, reason, at) VALUES (?1, ?2, ?3)",
                params![r.input, r.reason, at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn article(&self, id: &ArticleId) -> Result<Option<Article>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?1"),
                [id.as_str()],
                article_from_row,
            )
            .optional()?)
    }

    fn article_summaries(&self) -> Result<Vec<ArticleSummary>> {
        // Read in the index's order and sorted here: SQLite's sorter, which
        // carries every column along, took half of the read.
        let mut st = self.conn.prepare(
            "SELECT id, title, site, published, wire, json_array_length(stripped), published_ts, url, ingested_at, first_seen
             FROM articles INDEXED BY articles_brief",
        )?;
        let rows = st.query_map([], |r| {
            let summary = ArticleSummary {
                id: ArticleId(r.get(0)?),
                title: r.get(1)?,
                site: r.get(2)?,
                published: date(r.get(3)?),
                wire: r.get(4)?,
                stripped: r.get::<_, i64>(5)? as usize,
                url: r.get(7)?,
                ingested: date(r.get(8)?),
                first_seen: date(r.get(9)?),
            };
            Ok((r.get::<_, Option<i64>>(6)?, summary))
        })?;
        let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        // Publication time, undated last, then id (ids are unique).
        rows.sort_unstable_by(|(x_ts, x), (y_ts, y)| {
            (x_ts.is_none(), x_ts, &x.id).cmp(&(y_ts.is_none(), y_ts, &y.id))
        });
        Ok(rows.into_iter().map(|(_, s)| s).collect())
    }

    fn articles(&self) -> Result<Vec<Article>> {
        let mut st = self.conn.prepare(&format!("SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY published_ts IS NULL, published_ts, id"))?;
        let rows = st.query_map([], article_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn article_texts_by_id(&self, ids: &[ArticleId]) -> Result<Vec<Article>> {
        self.articles_by_id(&text_columns(), ids)
    }

    fn pending_analysis(&self) -> Result<Vec<ArticleId>> {
        let mut st = self
            .conn
            .prepare("SELECT article_id FROM pending_analysis ORDER BY article_id")?;
        let rows = st.query_map([], |r| Ok(ArticleId(r.get(0)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn sketches(&self) -> Result<Vec<Sketch>> {
        let mut st = self
            .conn
            .prepare("SELECT article_id, sketch, tokens FROM sketches ORDER BY article_id")?;
        let rows = st.query_map([], |r| {
            Ok(Sketch {
                id: ArticleId(r.get(0)?),
                hashes: blob_to_sketch(&r.get::<_, Vec<u8>>(1)?),
                tokens: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn put_reuse(
        &mut self,
        sketches: &[Sketch],
        relations: &[PairRelation],
        summaries: &[RelationSummary],
        analysed: &[ArticleId],
    ) -> Result<()> {
        assert_eq!(relations.len(), summaries.len(), "one summary per relation");
        let tx = self.write_transaction()?;
        for s in sketches {
            put_sketch(&tx, s)?;
        }
        // Stored once per pair, smaller id first, and inserted in key order:
        // in arrival order each insert lands on a different page of a large
        // table, and at millions of relations the writer waited on reads.
        let mut ordered: Vec<(Cow<PairRelation>, Cow<RelationSummary>)> = relations
            .iter()
            .zip(summaries)
            .map(|(r, s)| {
                if r.a <= r.b {
                    (Cow::Borrowed(r), Cow::Borrowed(s))
                } else {
                    (
                        Cow::Owned(r.swapped()),
                        Cow::Owned(s.clone().smaller_id_first()),
                    )
                }
            })
            .collect();
        ordered.sort_by(|(x, _), (y, _)| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        for (r, summary) in ordered {
            cached(&tx,
                "INSERT OR REPLACE INTO relations (a, b, is_copy, a_coverage, b_coverage, passages, summary, passage_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![r.a.as_str(), r.b.as_str(), summary.is_copy, r.a_coverage, r.b_coverage, passages_to_blob(&r.passages), summary_to_blob(&summary), r.passages.len() as i64],
            )?;
        }
        for id in analysed {
            cached(
                &tx,
                "DELETE FROM pending_analysis WHERE article_id = ?1",
                [id.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn page_lines(&self) -> Result<Vec<PageLines>> {
        let mut st = self.conn.prepare(
            "SELECT article_id, host, lines, template FROM sketches ORDER BY article_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(PageLines {
                id: ArticleId(r.get(0)?),
                host: r.get(1)?,
                keys: r.get_ref(2)?.as_blob_or_null()?.map(blob_to_sketch),
                applied: match r.get::<_, Option<String>>(3)? {
                    Some(t) => json(t)?,
                    None => Vec::new(),
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn put_page_lines(&mut self, pages: &[(ArticleId, Option<String>, Vec<u64>)]) -> Result<()> {
        let tx = self.write_transaction()?;
        for (id, host, keys) in pages {
            cached(
                &tx,
                "UPDATE sketches SET host = ?2, lines = ?3 WHERE article_id = ?1",
                params![id.as_str(), host, sketch_to_blob(keys)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn put_templates(&mut self, articles: &[(Article, Vec<TemplateLine>)]) -> Result<()> {
        let tx = self.write_transaction()?;
        for (a, lines) in articles {
            let id = a.id.as_str();
            cached(
                &tx,
                "UPDATE articles SET body = ?2, stripped = ?3 WHERE id = ?1",
                params![
                    id,
                    serde_json::to_string(&a.body)?,
                    serde_json::to_string(&a.stripped)?
                ],
            )?;
            let template = match lines.is_empty() {
                true => None,
                false => Some(serde_json::to_string(lines)?),
            };
            cached(
                &tx,
                "UPDATE sketches SET template = ?2 WHERE article_id = ?1",
                params![id, template],
            )?;
            cached(&tx, "DELETE FROM relations WHERE a = ?1 OR b = ?1", [id])?;
            cached(
                &tx,
                "INSERT OR IGNORE INTO pending_analysis (article_id) VALUES (?1)",
                [id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn delete_relations(&mut self, pairs: &[(ArticleId, ArticleId)]) -> Result<()> {
        let tx = self.write_transaction()?;
        for (a, b) in pairs {
            let (x, y) = if a <= b { (a, b) } else { (b, a) };
            cached(
                &tx,
                "DELETE FROM relations WHERE a = ?1 AND b = ?2",
                [x.as_str(), y.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn relations(&self) -> Result<Vec<PairRelation>> {
        let mut st = self.conn.prepare(
            "SELECT a, b, a_coverage, b_coverage, passages FROM relations WHERE furniture = 0 ORDER BY a, b",
        )?;
        let rows = st.query_map([], Self::relation_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn mark_furniture(&mut self, pairs: &[(ArticleId, ArticleId)]) -> Result<()> {
        let tx = self.write_transaction()?;
        tx.execute_batch("UPDATE relations SET furniture = 0 WHERE furniture = 1;")?;
        for (a, b) in pairs {
            cached(
                &tx,
                "UPDATE relations SET furniture = 1 WHERE a = ?1 AND b = ?2",
                [a.as_str(), b.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn has_relations(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM relations)", [], |r| r.get(0))?)
    }

    fn relation_summaries(&self) -> Result<Vec<RelationSummary>> {
        // The passages column is read only for rows stored without a
        // summary (before schema 8). The rows are read in the table's order
        // and sorted here: read in key order, through the primary key
        // index, each was a seek into the table (twice the time).
        let mut st = self.conn.prepare(
            "SELECT a, b, summary, CASE WHEN summary IS NULL THEN passages END, a_coverage, b_coverage
             FROM relations",
        )?;
        let rows = st.query_map([], |r| {
            let (a, b) = (ArticleId(r.get(0)?), ArticleId(r.get(1)?));
            match r.get::<_, Option<Vec<u8>>>(2)? {
                Some(blob) => blob_to_summary(a, b, &blob).ok_or_else(|| {
                    damaged(2, Type::Blob, "a relation summary of the wrong length")
                }),
                None => Ok(RelationSummary::of(&PairRelation {
                    a,
                    b,
                    passages: passages_at(r, 3)?,
                    a_coverage: r.get(4)?,
                    b_coverage: r.get(5)?,
                })),
            }
        })?;
        let mut summaries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        summaries.sort_unstable_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        Ok(summaries)
    }

    fn relation(&self, a: &ArticleId, b: &ArticleId) -> Result<Option<PairRelation>> {
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        let r = self
            .conn
            .query_row("SELECT a, b, a_coverage, b_coverage, passages FROM relations WHERE a = ?1 AND b = ?2", [x.as_str(), y.as_str()], Self::relation_from_row)
            .optional()?;
        Ok(r.map(|r| if &r.a == a { r } else { r.swapped() }))
    }

    fn articles_after(&self, after: Option<&ArrivalKey>, limit: usize) -> Result<Vec<Article>> {
        let cols = text_columns();
        let mut out: Vec<Article> = Vec::new();
        let after_dated = after.is_none_or(|k| k.timestamp().is_some());
        // Dated articles first, by (time, id) off `articles_arrival`...
        if after_dated {
            let (ts, id) = match after {
                Some(k) => (k.timestamp().unwrap_or(i64::MIN), k.id.as_str()),
                None => (i64::MIN, ""),
            };
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {cols} FROM articles WHERE published_ts IS NOT NULL AND (published_ts, id) > (?1, ?2)
                 ORDER BY published_ts, id LIMIT ?3"
            ))?;
            let rows = st.query_map(params![ts, id, limit as i64], article_from_row)?;
            out = rows.collect::<rusqlite::Result<_>>()?;
        }
        // ...then the undated, by id.
        if out.len() < limit {
            let id = match after {
                Some(k) if !after_dated => k.id.as_str(),
                _ => "",
            };
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {cols} FROM articles WHERE published_ts IS NULL AND id > ?1 ORDER BY id LIMIT ?2"
            ))?;
            let rows = st.query_map(params![id, (limit - out.len()) as i64], article_from_row)?;
            for r in rows {
                out.push(r?);
            }
        }
        Ok(out)
    }

    fn put_families(&mut self, families: &Grouping, stories_behind: &ArrivalKey) -> Result<()> {
        let tx = self.write_transaction()?;
        replace_families(&tx, families)?;
        cached(
            &tx,
            "INSERT OR REPLACE INTO checkpoints (name, value) VALUES ('stories_behind', ?1)",
            [serde_json::to_vec(stories_behind)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn stories_behind(&self) -> Result<Option<ArrivalKey>> {
        let value: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM checkpoints WHERE name = 'stories_behind'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value.map(|v| serde_json::from_slice(&v)).transpose()?)
    }

    fn put_groupings(&mut self, families: &Grouping, update: &StoryUpdate) -> Result<()> {
        let tx = self.write_transaction()?;
        replace_families(&tx, families)?;
        tx.execute_batch("DELETE FROM checkpoints WHERE name = 'stories_behind';")?;
        if update.replace_all {
            tx.execute_batch(
                "DELETE FROM story_members; DELETE FROM stories; DELETE FROM story_outlets; DELETE FROM stories_fts;",
            )?;
        }
        // The stories rewritten or gone leave the full-text index while
        // their rows still say which index rows are theirs; the derived
        // tables are then rebuilt for them alone.
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY); DELETE FROM touched;",
        )?;
        let forgotten = if update.replace_all {
            &[][..]
        } else {
            update.forget_stories
        };
        for id in forgotten.iter().chain(update.stories.iter().map(|s| &s.id)) {
            cached(&tx, "INSERT OR IGNORE INTO touched (id) VALUES (?1)", [id])?;
        }
        tx.execute_batch(
            "DELETE FROM stories_fts WHERE rowid IN (SELECT s.rowid FROM stories s JOIN touched t ON t.id = s.id);
             DELETE FROM stories WHERE id IN (SELECT id FROM touched);",
        )?;
        for a in update.assignments {
            cached(
                &tx,
                PUT_STORY_MEMBER,
                params![a.id.as_str(), a.story, a.similarity, a.reason],
            )?;
        }
        for s in update.stories {
            cached(&tx,
                "INSERT INTO stories (id, headline, first_seen, last_seen, articles, outlets, first_ts, last_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![s.id, s.headline, s.first_seen.map(|d| d.to_rfc3339()), s.last_seen.map(|d| d.to_rfc3339()), serde_json::to_string(&s.articles)?, serde_json::to_string(&s.outlets)?, s.first_seen.map(|d| d.timestamp()), s.last_seen.map(|d| d.timestamp())],
            )?;
        }
        match update.checkpoint {
            Some(c) => cached(
                &tx,
                "INSERT OR REPLACE INTO checkpoints (name, value) VALUES ('stories', ?1)",
                [c],
            )?,
            None => cached(&tx, "DELETE FROM checkpoints WHERE name = 'stories'", [])?,
        };
        tx.execute_batch(INDEX_NEW_TEXTS)?;
        tx.execute_batch(DERIVE_TOUCHED_STORY_INDEXES)?;
        tx.commit()?;
        Ok(())
    }

    fn text_index_job(&self) -> Result<Option<TextIndexJob>> {
        // A store in memory has no file another connection could open.
        let Some(path) = self.conn.path().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let path = path.to_string();
        Ok(Some(Box::new(move || {
            let mut conn = Connection::open(&path)?;
            register_functions(&conn)?;
            // The pipeline runs nothing else that writes meanwhile; a
            // reader elsewhere (a server) does not block a WAL writer.
            conn.busy_timeout(std::time::Duration::from_secs(60))?;
            // The store's checkpointer copies what this writes.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute_batch(INDEX_NEW_TEXTS)?;
            tx.commit()?;
            Ok(())
        })))
    }

    fn story_checkpoint(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM checkpoints WHERE name = 'stories'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn family_of(&self, id: &ArticleId) -> Result<Option<FamilyAssignment>> {
        Ok(self
            .conn
            .query_row(
                "SELECT article_id, family, source FROM families WHERE article_id = ?1",
                [id.as_str()],
                family_from_row,
            )
            .optional()?)
    }

    fn family_members(&self, family: &ArticleId) -> Result<Vec<FamilyAssignment>> {
        let mut st = self.conn.prepare_cached(
            "SELECT article_id, family, source FROM families WHERE family = ?1 ORDER BY article_id",
        )?;
        let rows = st.query_map([family.as_str()], family_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn family_notes(&self) -> Result<Vec<FamilyNote>> {
        let mut st = self
            .conn
            .prepare("SELECT family, chain, version_of, why FROM family_notes ORDER BY family")?;
        let rows = st.query_map([], note_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn family_note(&self, family: &ArticleId) -> Result<Option<FamilyNote>> {
        Ok(self
            .conn
            .query_row(
                "SELECT family, chain, version_of, why FROM family_notes WHERE family = ?1",
                [family.as_str()],
                note_from_row,
            )
            .optional()?)
    }

    fn relations_of(&self, id: &ArticleId) -> Result<Vec<PairRelation>> {
        let mut st = self.conn.prepare_cached(
            "SELECT a, b, a_coverage, b_coverage, passages FROM relations WHERE a = ?1 AND furniture = 0
             UNION ALL
             SELECT a, b, a_coverage, b_coverage, passages FROM relations WHERE b = ?1 AND furniture = 0
             ORDER BY 1, 2",
        )?;
        let rows = st.query_map([id.as_str()], Self::relation_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn stories_page(&self, q: &StoryQuery) -> Result<(Vec<StorySummary>, u64)> {
        // A list filtered by outlet reads the outlet's rows of
        // `story_outlets`, which carry their story's times in the list's
        // order (migration 20); any other list reads `stories`. Either way
        // the page and its count are a range of one index.
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let (from_table, key, mut cond) = match &q.outlet {
            Some(outlet) => {
                args.push(outlet.clone().into());
                ("story_outlets", "story", vec!["site = ?1".to_string()])
            }
            None => ("stories", "id", vec!["1 = 1".to_string()]),
        };
        if let Some(from) = q.from {
            args.push(from.timestamp().into());
            cond.push(format!("last_ts >= ?{}", args.len()));
        }
        if let Some(to) = q.to {
            args.push(to.timestamp().into());
            cond.push(format!("first_ts <= ?{}", args.len()));
        }
        if let Some(words) = q.text.as_deref().and_then(text_query) {
            args.push(words.into());
            // The index's rows are the stories' rowids.
            let matching = format!(
                "SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?{}",
                args.len()
            );
            cond.push(match q.outlet {
                Some(_) => format!("story IN (SELECT id FROM stories WHERE rowid IN ({matching}))"),
                None => format!("rowid IN ({matching})"),
            });
        }
        let filter = cond.join(" AND ");
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM {from_table} WHERE {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        args.push((q.limit as i64).into());
        args.push((q.offset as i64).into());
        // The page's ids first, then their summaries: SQLite computes the
        // result columns (outlet counts and lists) of the rows an OFFSET
        // skips, which made a deep page cost a quarter of a second.
        let mut st = self.conn.prepare(&format!(
            "SELECT {} FROM stories WHERE id IN (SELECT {key} FROM {from_table} WHERE {filter}
                 ORDER BY last_ts IS NULL, last_ts DESC, {key} LIMIT ?{} OFFSET ?{})
             ORDER BY last_ts IS NULL, last_ts DESC, id",
            summary_columns(),
            args.len() - 1,
            args.len()
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), summary_from_row)?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
    }

    fn story_summary(&self, id: &str) -> Result<Option<StorySummary>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {} FROM stories WHERE id = ?1", summary_columns()),
                [id],
                summary_from_row,
            )
            .optional()?)
    }

    fn story_members_page(
        &self,
        story: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<StoryMember>> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.published, a.site, a.title, a.wire, f.family, f.source, m.reason
             FROM story_members m JOIN articles a ON a.id = m.article_id
             LEFT JOIN families f ON f.article_id = m.article_id
             WHERE m.story = ?1 ORDER BY m.ts, m.article_id LIMIT ?2 OFFSET ?3",
        )?;
        let rows = st.query_map(params![story, limit as i64, offset as i64], |r| {
            Ok(StoryMember {
                id: ArticleId(r.get(0)?),
                published: date(r.get(1)?),
                site: r.get(2)?,
                title: r.get(3)?,
                wire: r.get(4)?,
                family: r.get::<_, Option<String>>(5)?.map(ArticleId),
                source: r.get::<_, Option<String>>(6)?.map(ArticleId),
                reason: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn story_outlets(&self, story: &str, limit: usize) -> Result<Vec<OutletCount>> {
        let mut st = self.conn.prepare_cached(
            "SELECT site, articles FROM story_outlets WHERE story = ?1
             ORDER BY articles DESC, site LIMIT ?2",
        )?;
        let rows = st.query_map(params![story, limit as i64], |r| {
            Ok(OutletCount {
                site: r.get(0)?,
                articles: r.get::<_, i64>(1)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn family_brief(&self, family: &ArticleId) -> Result<Option<FamilyBrief>> {
        let (members, site_count): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT a.site) FROM families f JOIN articles a INDEXED BY articles_brief ON a.id = f.article_id
             WHERE f.family = ?1",
            [family.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if members == 0 {
            return Ok(None);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT a.site FROM families f JOIN articles a INDEXED BY articles_brief ON a.id = f.article_id
             WHERE f.family = ?1 AND a.site IS NOT NULL ORDER BY a.site LIMIT ?2",
        )?;
        let sites = st
            .query_map(params![family.as_str(), FAMILY_SITES as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let title = self
            .conn
            .query_row(
                "SELECT title FROM articles WHERE id = ?1",
                [family.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(Some(FamilyBrief {
            family: family.clone(),
            title,
            members: members as u64,
            sites,
            site_count: site_count as u64,
        }))
    }

    fn search(&self, words: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(query) = text_query(words) else {
            return Ok(Vec::new());
        };
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.title, a.site, a.published, m.story,
                    snippet(articles_fts, 1, '[', ']', '…', 16)
             FROM articles_fts f JOIN articles a ON a.rowid = f.rowid
             LEFT JOIN story_members m ON m.article_id = a.id
             WHERE articles_fts MATCH ?1 ORDER BY rank, a.id LIMIT ?2",
        )?;
        let rows = st.query_map(params![query, limit as i64], |r| {
            Ok(SearchHit {
                id: ArticleId(r.get(0)?),
                title: r.get(1)?,
                site: r.get(2)?,
                published: date(r.get(3)?),
                story: r.get(4)?,
                snippet: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn assignment(&self, id: &ArticleId) -> Result<Option<Assignment>> {
        Ok(self
            .conn
            .query_row(
                "SELECT article_id, story, similarity, reason FROM story_members WHERE article_id = ?1",
                [id.as_str()],
                |r| {
                    Ok(Assignment {
                        id: ArticleId(r.get(0)?),
                        story: r.get(1)?,
                        similarity: r.get(2)?,
                        reason: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn families(&self) -> Result<Vec<FamilyAssignment>> {
        let mut st = self
            .conn
            .prepare("SELECT article_id, family, source FROM families ORDER BY article_id")?;
        let rows = st.query_map([], family_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn page_kinds(&self) -> Result<Vec<(ArticleId, PageKind)>> {
        let mut st = self
            .conn
            .prepare("SELECT article_id, kind FROM page_kinds ORDER BY article_id")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind) = row?;
            // A kind this build does not know is no container to it.
            if let Some(kind) = PageKind::parse(&kind) {
                out.push((ArticleId(id), kind));
            }
        }
        Ok(out)
    }

    fn page_kind(&self, id: &ArticleId) -> Result<Option<PageKind>> {
        let kind: Option<String> = self
            .conn
            .prepare_cached("SELECT kind FROM page_kinds WHERE article_id = ?1")?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?;
        Ok(kind.as_deref().and_then(PageKind::parse))
    }

    fn stories(&self) -> Result<Vec<Story>> {
        let mut st = self.conn.prepare("SELECT id, headline, first_seen, last_seen, articles, outlets FROM stories ORDER BY last_seen IS NULL, last_seen DESC, id")?;
        let rows = st.query_map([], story_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn story(&self, id: &str) -> Result<Option<Story>> {
        Ok(self.conn.query_row("SELECT id, headline, first_seen, last_seen, articles, outlets FROM stories WHERE id = ?1", [id], story_from_row).optional()?)
    }

    fn assignments(&self) -> Result<Vec<Assignment>> {
        let mut st = self.conn.prepare(
            "SELECT article_id, story, similarity, reason FROM story_members ORDER BY article_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Assignment {
                id: ArticleId(r.get(0)?),
                story: r.get(1)?,
                similarity: r.get(2)?,
                reason: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn rejections(&self) -> Result<Vec<RejectedItem>> {
        let mut st = self
            .conn
            .prepare("SELECT input, reason, at FROM rejected ORDER BY input")?;
        let rows = st.query_map([], |r| {
            Ok(RejectedItem {
                input: r.get(0)?,
                reason: r.get(1)?,
                at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn stats(&self) -> Result<Stats> {
        let count = |sql: &str| -> Result<u64> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(Stats {
            articles: count("SELECT COUNT(*) FROM articles")?,
            revisions: count("SELECT COUNT(*) FROM revisions")?,
            rejected: count("SELECT COUNT(*) FROM rejected")?,
            families: count("SELECT COUNT(DISTINCT family) FROM families")?,
            stories: count("SELECT COUNT(*) FROM stories")?,
            passages: count("SELECT COALESCE(SUM(passage_count), 0) FROM relations")?,
        })
    }
}

fn note_from_row(r: &Row) -> rusqlite::Result<FamilyNote> {
    Ok(FamilyNote {
        family: ArticleId(r.get(0)?),
        chain: r.get::<_, Option<String>>(1)?.map(ArticleId),
        version_of: r.get::<_, Option<String>>(2)?.map(ArticleId),
        why: json(r.get(3)?)?,
    })
}

fn family_from_row(r: &Row) -> rusqlite::Result<FamilyAssignment> {
    Ok(FamilyAssignment {
        id: ArticleId(r.get(0)?),
        family: ArticleId(r.get(1)?),
        source: r.get::<_, Option<String>>(2)?.map(ArticleId),
    })
}

/// The columns [`summary_from_row`] reads, from `stories`.
fn summary_columns() -> String {
    format!(
        "id, headline, first_seen, last_seen, size,
         (SELECT COUNT(*) FROM story_outlets o WHERE o.story = stories.id AND o.site <> ''),
         (SELECT json_group_array(site) FROM (SELECT site FROM story_outlets o
             WHERE o.story = stories.id AND o.site <> '' ORDER BY articles DESC, site LIMIT {SUMMARY_OUTLETS}))"
    )
}

fn summary_from_row(r: &Row) -> rusqlite::Result<StorySummary> {
    Ok(StorySummary {
        id: r.get(0)?,
        headline: r.get(1)?,
        first_seen: date(r.get(2)?),
        last_seen: date(r.get(3)?),
        articles: r.get::<_, i64>(4)? as u64,
        outlet_count: r.get::<_, i64>(5)? as u64,
        outlets: json(r.get(6)?)?,
    })
}

fn story_from_row(r: &Row) -> rusqlite::Result<Story> {
    Ok(Story {
        id: r.get(0)?,
        headline: r.get(1)?,
        first_seen: date(r.get(2)?),
        last_seen: date(r.get(3)?),
        articles: json(r.get(4)?)?,
        outlets: json(r.get(5)?)?,
    })
}

/// Reads for the server.
impl SqliteStore {
    /// Sets this connection's page cache (the default, 64 MiB, suits the
    /// analysis; a server holding several readers wants less each).
    pub fn set_cache_kib(&self, kib: i64) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", -kib.max(1))?;
        Ok(())
    }

    /// The articles with these ids (those stored), with their text and
    /// captions but without raw input or removed lines: what a story's
    /// timeline reads (a caption may date an undated article).
    pub fn article_timeline_texts_by_id(&self, ids: &[ArticleId]) -> Result<Vec<Article>> {
        let columns = ARTICLE_COLUMNS
            .replace("related, stripped", "'[]', '[]'")
            .replace(", original, original_text_at", ", '', NULL");
        self.articles_by_id(&columns, ids)
    }

    /// `columns` (as [`ARTICLE_COLUMNS`], some replaced by constants) of
    /// the articles with these ids, in the order given.
    fn articles_by_id(&self, columns: &str, ids: &[ArticleId]) -> Result<Vec<Article>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {columns} FROM articles WHERE id = ?1"))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = st.query_row([id.as_str()], article_from_row).optional()? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// The store's schema version: a read that proves the store answers,
    /// without counting anything.
    pub fn schema_version(&self) -> Result<usize> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writing_store_copies_its_log_on_its_own_and_a_reading_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let reader = SqliteStore::open(&path).unwrap();
        assert!(reader.checkpointer.is_none(), "nothing written yet");
        let mut s = SqliteStore::open(&path).unwrap();
        let long = "The harbour cranes stood still all week. ".repeat(200);
        let batch: Vec<NewArticle> = (0..40).map(|i| art(&format!("a{i}"), &long)).collect();
        let size_before = std::fs::metadata(&path).unwrap().len();
        s.put_articles(&batch).unwrap();
        assert!(s.checkpointer.is_some());
        // Far below SQLite's own checkpoint size: only the checkpointer
        // brings these pages from the log into the file.
        crate::checkpoint::wait_until_file_holds(&path, size_before + 40 * 8_000);
        drop(reader);
    }

    #[test]
    fn the_bundled_sqlite_is_built_without_global_allocation_locks() {
        // Set in .cargo/config.toml; lost, every allocation and page fetch
        // of the store would take a global mutex again.
        let conn = Connection::open_in_memory().unwrap();
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }

    fn art(id: &str, text: &str) -> NewArticle {
        let mut a = Article::from_paragraphs(
            ArticleId(id.into()),
            &[text],
            InputFormat::Text,
            &format!("{id}.txt"),
        );
        a.url = Some(format!("https://x.example/{id}"));
        a.title = Some("T".into());
        NewArticle::new(a)
    }

    /// A feed article: its original is the JSON line holding its text.
    fn feed_art(id: &str, text: &str) -> NewArticle {
        let mut a = art(id, text).article;
        a.original = serde_json::json!({"id": id, "text": text}).to_string();
        NewArticle::new(a)
    }

    #[test]
    fn an_article_keeps_the_first_time_it_was_seen() {
        let mut s = SqliteStore::in_memory().unwrap();
        let seen = |id: &str, text: &str, at: Option<&str>| {
            let mut a = art(id, text).article;
            a.first_seen = at.and_then(wiretrace_core::time::parse_datetime);
            NewArticle::new(a)
        };
        let first_seen = |s: &SqliteStore| {
            s.article(&ArticleId("k".into()))
                .unwrap()
                .unwrap()
                .first_seen
                .map(|d| d.to_rfc3339())
        };
        s.put_articles(&[seen("k", "Keepers stay.", Some("2026-05-12T09:10:00Z"))])
            .unwrap();
        // A later fetch, revised or not, does not move it.
        s.put_articles(&[seen("k", "Keepers stay on.", Some("2026-05-12T11:00:00Z"))])
            .unwrap();
        s.put_articles(&[seen("k", "Keepers stay on.", None)])
            .unwrap();
        assert_eq!(first_seen(&s).as_deref(), Some("2026-05-12T09:10:00+00:00"));
        // An older crawl read later does.
        s.put_articles(&[seen("k", "Keepers stay on.", Some("2026-05-12T08:00:00Z"))])
            .unwrap();
        assert_eq!(first_seen(&s).as_deref(), Some("2026-05-12T08:00:00+00:00"));
        let summary = s.article_summaries().unwrap();
        assert_eq!(
            summary[0].first_seen.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-05-12T08:00:00+00:00")
        );
        assert!(summary[0].ingested.is_some());
    }

    #[test]
    fn a_feed_line_is_stored_without_its_text_and_read_back_whole() {
        let mut s = SqliteStore::in_memory().unwrap();
        let text = "Strikers \"walked out\" at dawn.\nThe port is shut.";
        let first = feed_art("f", text);
        let page = {
            let mut p = art("p", "A page's extracted text.").article;
            p.original = "<p>A page's <b>extracted</b> text.</p>".into();
            NewArticle::new(p)
        };
        s.put_articles(&[first.clone(), page.clone()]).unwrap();
        let (kept, at): (String, Option<i64>) = s
            .conn
            .query_row(
                "SELECT original, original_text_at FROM articles WHERE id = 'f'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(!kept.contains("Strikers") && at.is_some(), "{kept}");
        let read = |s: &SqliteStore, id: &str| s.article(&ArticleId(id.into())).unwrap().unwrap();
        assert_eq!(read(&s, "f").original, first.article.original);
        // A page's original does not hold its text: it is kept whole.
        assert_eq!(read(&s, "p").original, page.article.original);
        // A revision keeps the old line as stored, the new one reads whole.
        let second = feed_art("f", "The port reopened.");
        s.put_articles(std::slice::from_ref(&second)).unwrap();
        assert_eq!(read(&s, "f").original, second.article.original);
        let old: String = s
            .conn
            .query_row(
                "SELECT original FROM revisions WHERE article_id = 'f'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, kept);
        // An offset that cannot be is an error, not a wrong original.
        s.conn
            .execute(
                "UPDATE articles SET original_text_at = 2 WHERE id = 'p'",
                [],
            )
            .unwrap();
        s.conn
            .execute(
                "UPDATE articles SET original_text_at = 99999 WHERE id = 'f'",
                [],
            )
            .unwrap();
        assert!(s.article(&ArticleId("f".into())).is_err());
    }

    #[test]
    fn the_generation_counts_each_change_to_articles_families_and_stories() {
        let mut s = SqliteStore::in_memory().unwrap();
        assert_eq!(s.generation().unwrap(), 0, "a new store");
        s.put_articles(&[art("a", "one text")]).unwrap();
        assert_eq!(s.generation().unwrap(), 1);
        s.put_articles(&[]).unwrap();
        assert_eq!(s.generation().unwrap(), 1, "an empty batch changes nothing");
        s.put_groupings(&Grouping::default(), &StoryUpdate::default())
            .unwrap();
        assert_eq!(s.generation().unwrap(), 2);
        // Notes kept beside it (who said what's) leave it as it is.
        s.put_quotes_note("quotes_generation", "1/2").unwrap();
        assert_eq!(s.generation().unwrap(), 2);
    }

    #[test]
    fn put_is_idempotent_and_keeps_revisions() {
        let mut s = SqliteStore::in_memory().unwrap();
        assert_eq!(
            s.put_articles(&[art("a", "one text")]).unwrap(),
            [PutOutcome::Inserted]
        );
        assert_eq!(
            s.put_articles(&[art("a", "one text")]).unwrap(),
            [PutOutcome::Unchanged]
        );
        assert_eq!(
            s.put_articles(&[art("b", "One  text")]).unwrap(),
            [PutOutcome::ExactDuplicate(ArticleId("a".into()))]
        );
        assert_eq!(
            s.put_articles(&[art("a", "an updated text")]).unwrap(),
            [PutOutcome::Revised(2)]
        );
        let st = s.stats().unwrap();
        assert_eq!((st.articles, st.revisions), (2, 1));
        assert_eq!(
            s.article(&ArticleId("a".into())).unwrap().unwrap().text,
            "an updated text"
        );
        assert_eq!(s.pending_analysis().unwrap().len(), 2);
        // Each article's sketch is stored with it, the revision's in place
        // of the first text's.
        let sketches = s.sketches().unwrap();
        assert_eq!(
            sketches,
            [
                art("a", "an updated text").sketch,
                art("b", "One  text").sketch
            ]
        );
        assert_eq!(sketches[0].tokens, 3);
    }

    #[test]
    fn relation_summaries_are_those_of_the_stored_relations_with_or_without_the_blob() {
        use wiretrace_reuse::{align, Doc};
        let mut s = SqliteStore::in_memory().unwrap();
        let shared = "The ferry to Port Aldren was cancelled on Tuesday after the crew walked out over unpaid overtime and the harbour master closed the quay";
        let doc = |id: &str, paras: &[&str]| {
            Doc::from_article(&Article::from_paragraphs(
                ArticleId(id.into()),
                paras,
                InputFormat::Text,
                id,
            ))
        };
        let a = doc(
            "a",
            &[
                shared,
                "Talks resume on Friday, the union said in a statement to members and the press",
            ],
        );
        let b = doc("b", &["Readers write in about the weather and the state of the coastal road near the old mill", shared]);
        let r = align(&a, &b);
        assert!(!r.passages.is_empty());
        // Stored after a later pair, listed before it: the list is by pair.
        let later = align(&doc("c", &[shared]), &doc("d", &[shared]));
        for rel in [&later, &r] {
            let summary = RelationSummary::of(rel);
            s.put_reuse(&[], std::slice::from_ref(rel), &[summary], &[])
                .unwrap();
        }
        let want = vec![RelationSummary::of(&r), RelationSummary::of(&later)];
        assert_eq!(s.relation_summaries().unwrap(), want);
        // A row stored before summaries were kept is summarised from its passages.
        s.conn
            .execute("UPDATE relations SET summary = NULL", [])
            .unwrap();
        assert_eq!(s.relation_summaries().unwrap(), want);
        // Passages stored as JSON text (before they were bytes) read the same.
        let stored = s.relation(&r.a, &r.b).unwrap();
        assert_eq!(stored.as_ref(), Some(&r));
        s.conn
            .execute(
                "UPDATE relations SET passages = ?1 WHERE a = 'a'",
                [serde_json::to_string(&r.passages).unwrap()],
            )
            .unwrap();
        assert_eq!(s.relation(&r.a, &r.b).unwrap(), stored);
        assert_eq!(s.relation_summaries().unwrap(), want);
        // Damaged passages or summaries are an error, not a wrong family.
        s.conn
            .execute("UPDATE relations SET passages = x'0102' WHERE a = 'a'", [])
            .unwrap();
        assert!(s.relation(&r.a, &r.b).is_err());
        s.conn
            .execute("UPDATE relations SET summary = x'0102'", [])
            .unwrap();
        assert!(s.relation_summaries().is_err());
    }

    #[test]
    fn article_summaries_come_in_publication_order_undated_last_ties_by_id() {
        let mut s = SqliteStore::in_memory().unwrap();
        let dated = |id: &str, when: Option<&str>| {
            let mut n = art(id, &format!("text of {id}"));
            n.article.published = when.map(|w| DateTime::parse_from_rfc3339(w).unwrap());
            n
        };
        s.put_articles(&[
            dated("d", None),
            dated("c", Some("2025-03-02T10:00:00Z")),
            dated("b", None),
            dated("a", Some("2025-03-02T12:00:00+02:00")), // the same instant as c
            dated("e", Some("2025-03-01T00:00:00Z")),
            dated("f", Some("1969-12-31T00:00:00Z")), // before the epoch
        ])
        .unwrap();
        let order: Vec<String> = s
            .article_summaries()
            .unwrap()
            .into_iter()
            .map(|a| a.id.0)
            .collect();
        assert_eq!(order, ["f", "e", "a", "c", "b", "d"]);
    }

    #[test]
    fn rejections_are_listed_until_the_input_is_stored() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.put_rejections(&[
            Rejection::new("a.txt", "empty input"),
            Rejection::new("b.txt", "binary"),
        ])
        .unwrap();
        s.put_rejections(&[Rejection::new("a.txt", "empty input")])
            .unwrap();
        assert_eq!(s.rejections().unwrap().len(), 2);
        s.put_articles(&[art("a", "now it has text")]).unwrap();
        let left: Vec<String> = s
            .rejections()
            .unwrap()
            .into_iter()
            .map(|r| r.input)
            .collect();
        assert_eq!(left, ["b.txt"]);
    }

    #[test]
    fn the_text_index_follows_new_and_revised_articles() {
        let mut s = SqliteStore::in_memory().unwrap();
        let found = |s: &SqliteStore, w: &str| -> Vec<String> {
            s.search(w, 10)
                .unwrap()
                .into_iter()
                .map(|h| h.id.0)
                .collect()
        };
        s.put_articles(&[
            art("a", "the harbour cranes stood still"),
            art("b", "snow on the pass"),
        ])
        .unwrap();
        // Indexed in bulk when the ingest is grouped, not before.
        assert!(found(&s, "cranes").is_empty());
        s.put_groupings(&Grouping::default(), &StoryUpdate::default())
            .unwrap();
        assert_eq!(found(&s, "cranes"), ["a"]);
        // A revision replaces the indexed text; a new article joins it.
        s.put_articles(&[art("a", "the tram line opened"), art("c", "cranes again")])
            .unwrap();
        s.put_groupings(&Grouping::default(), &StoryUpdate::default())
            .unwrap();
        assert_eq!(found(&s, "cranes"), ["c"]);
        assert_eq!(found(&s, "tram"), ["a"]);
        assert_eq!(found(&s, "snow"), ["b"]);
        s.conn
            .execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap();
    }

    #[test]
    fn families_and_their_notes_are_replaced_together() {
        let mut s = SqliteStore::in_memory().unwrap();
        let id = |x: &str| ArticleId(x.to_string());
        let grouping = |family: &str, why: &str| Grouping {
            assignments: vec![
                FamilyAssignment {
                    id: id("a"),
                    family: id(family),
                    source: None,
                },
                FamilyAssignment {
                    id: id("b"),
                    family: id(family),
                    source: Some(id(family)),
                },
            ],
            notes: vec![FamilyNote {
                family: id(family),
                chain: None,
                version_of: None,
                why: vec![why.to_string()],
            }],
        };
        let behind = ArrivalKey::of(None, &id("a"));
        s.put_families(&grouping("a", "earliest by an hour"), &behind)
            .unwrap();
        assert_eq!(
            s.family_note(&id("a")).unwrap().unwrap().why,
            ["earliest by an hour"]
        );
        // A regrouping that names the other member the original leaves no
        // note of the family that is gone.
        s.put_groupings(
            &grouping("b", "the agency's own copy"),
            &StoryUpdate::default(),
        )
        .unwrap();
        assert!(s.family_note(&id("a")).unwrap().is_none());
        assert_eq!(
            s.family_note(&id("b")).unwrap().unwrap().why,
            ["the agency's own copy"]
        );
        assert_eq!(s.family_notes().unwrap().len(), 1);
    }

    #[test]
    fn the_text_index_holds_the_title_and_the_clean_text_only() {
        let mut s = SqliteStore::in_memory().unwrap();
        let mut a = Article::from_paragraphs(
            ArticleId("a".into()),
            &[
                "Cheap pills here, click casinoworld now",
                "The harbour cranes stood still all week.",
                "Leave a Reply: your email address will not be published",
            ],
            InputFormat::Text,
            "a.txt",
        );
        // Extraction kept the middle paragraph only.
        a.body = vec![a.body[1]];
        a.title = Some("Dock strike halts Port Aldren".into());
        s.put_articles(&[NewArticle::new(a)]).unwrap();
        s.put_groupings(&Grouping::default(), &StoryUpdate::default())
            .unwrap();
        let found = |s: &SqliteStore, w: &str| s.search(w, 10).unwrap().len();
        assert_eq!(found(&s, "cranes"), 1);
        assert_eq!(found(&s, "Aldren"), 1);
        assert_eq!(found(&s, "casinoworld"), 0);
        assert_eq!(found(&s, "email"), 0);
        let hit = &s.search("cranes", 10).unwrap()[0];
        assert!(hit.snippet.contains("[cranes]"), "{}", hit.snippet);
        // A revision and its removal keep the index whole.
        s.put_articles(&[art("a", "the tram line opened")]).unwrap();
        s.put_groupings(&Grouping::default(), &StoryUpdate::default())
            .unwrap();
        assert_eq!(found(&s, "cranes"), 0);
        assert_eq!(found(&s, "tram"), 1);
        s.conn
            .execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap();
    }

    #[test]
    fn a_store_made_before_the_clean_index_is_searched_by_its_clean_texts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            let conn = store_of_version(&path, 14);
            // One article indexed by the old index: its whole text.
            conn.execute(
                "INSERT INTO articles (id, title, text, body, captions, related, stripped, input, format, original, content_hash, ingested_at)
                 VALUES ('old', 'Old news', 'Buy casinoworld chips\n\nThe tram line opened.', '[{\"start\":23,\"end\":44}]', '[]', '[]', '[]', 'old', 'text', 'x', 'h', 'now')",
                [],
            )
            .unwrap();
            conn.execute_batch(
                INDEX_NEW_TEXTS
                    .replace("wiretrace_clean(text, body)", "text")
                    .as_str(),
            )
            .unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.search("tram", 10).unwrap().len(), 1);
        assert_eq!(s.search("casinoworld", 10).unwrap().len(), 0);
    }

    #[test]
    fn the_text_index_job_indexes_on_its_own_connection_while_the_store_reads() {
        assert!(SqliteStore::in_memory()
            .unwrap()
            .text_index_job()
            .unwrap()
            .is_none());
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("w.db")).unwrap();
        s.put_articles(&[art("a", "the harbour cranes stood still")])
            .unwrap();
        let job = s.text_index_job().unwrap().expect("a file store has a job");
        let worker = std::thread::spawn(job);
        // The store still reads meanwhile.
        assert_eq!(s.stats().unwrap().articles, 1);
        worker.join().unwrap().unwrap();
        let hits = s.search("cranes", 10).unwrap();
        assert_eq!(hits.len(), 1, "indexed before any grouping");
        // Grouping afterwards finds nothing left to index, and indexes
        // nothing twice.
        s.put_groupings(&Grouping::default(), &StoryUpdate::default())
            .unwrap();
        assert_eq!(s.search("cranes", 10).unwrap().len(), 1);
        s.conn
            .execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap();
    }

    /// A store file at `path` with the schema as migration `version` left it.
    fn store_of_version(path: &Path, version: usize) -> Connection {
        let conn = Connection::open(path).unwrap();
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", version).unwrap();
        conn
    }

    #[test]
    fn a_store_from_before_the_pending_table_keeps_its_pending_articles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            // The schema as version 6 left it, with one article analysed
            // and one waiting.
            let conn = store_of_version(&path, 6);
            for (id, analysed) in [("done", 1), ("waiting", 0)] {
                conn.execute(
                    "INSERT INTO articles (id, text, body, captions, related, stripped, input, format, original, content_hash, ingested_at, analysed)
                     VALUES (?1, 'text', '[]', '[]', '[]', '[]', ?1, 'text', 'text', ?1, 'now', ?2)",
                    params![id, analysed],
                )
                .unwrap();
            }
        }
        let mut s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.pending_analysis().unwrap(), [ArticleId("waiting".into())]);
        s.put_reuse(&[], &[], &[], &[ArticleId("waiting".into())])
            .unwrap();
        assert!(s.pending_analysis().unwrap().is_empty());
        // A revision waits again; an unchanged put does not.
        s.put_articles(&[art("done", "a new text")]).unwrap();
        s.put_articles(&[art("done", "a new text")]).unwrap();
        assert_eq!(s.pending_analysis().unwrap(), [ArticleId("done".into())]);
    }

    #[test]
    fn a_store_from_before_passage_counts_counts_its_passages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            // The schema as version 8 left it, with one relation of two
            // passages (their contents do not matter to the count).
            let conn = store_of_version(&path, 8);
            conn.execute(
                "INSERT INTO relations (a, b, is_copy, a_coverage, b_coverage, passages) VALUES ('x', 'y', 0, 0.5, 0.5, '[{}, {}]')",
                [],
            )
            .unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.stats().unwrap().passages, 2);
    }

    #[test]
    fn a_store_from_before_hash_prefixes_still_finds_exact_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let wire = art("wire", "The ferry resumed service on Monday.");
        {
            // The schema as version 13 left it, with one article.
            let conn = store_of_version(&path, 13);
            conn.execute(
                "INSERT INTO articles (id, text, body, captions, related, stripped, input, format, original, content_hash, ingested_at)
                 VALUES ('wire', 'x', '[]', '[]', '[]', '[]', 'wire', 'text', 'x', ?1, 'now')",
                [&wire.content_hash],
            )
            .unwrap();
        }
        let mut s = SqliteStore::open(&path).unwrap();
        let copy = art("copy", "The ferry resumed service on Monday.");
        assert_eq!(
            s.put_articles(&[copy]).unwrap(),
            [PutOutcome::ExactDuplicate(ArticleId("wire".into()))]
        );
        // A hash that shares the prefix only is not a duplicate.
        let mut near = art("near", "Another text.");
        near.content_hash = format!("{}{}", &wire.content_hash[..12], "0".repeat(20));
        assert_eq!(s.put_articles(&[near]).unwrap(), [PutOutcome::Inserted]);
    }

    #[test]
    fn stores_created_at_once_by_several_openers_all_open() {
        // Two ingests, or an ingest and a server, starting on a new store:
        // each must find the schema the other made, not make it again.
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("new.db");
            let start = std::sync::Arc::new(std::sync::Barrier::new(4));
            let openers: Vec<_> = (0..4)
                .map(|_| {
                    let (start, path) = (start.clone(), path.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        SqliteStore::open(&path).map(|s| s.version().unwrap())
                    })
                })
                .collect();
            for o in openers {
                let version = o
                    .join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("round {round}: {e}"));
                assert_eq!(version, MIGRATIONS.len());
            }
        }
    }

    #[test]
    fn a_file_of_another_kind_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "not a database at all, just some notes\n").unwrap();
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        for path in [&text, &other] {
            let before = std::fs::read(path).unwrap();
            for open in [SqliteStore::open, SqliteStore::open_existing] {
                let err = open(path).err().unwrap().to_string();
                assert!(err.contains("not a wiretrace store"), "{err}");
            }
            assert_eq!(std::fs::read(path).unwrap(), before);
        }
        let missing = dir.path().join("missing.db");
        assert!(SqliteStore::open_existing(&missing).is_err());
        assert!(!missing.exists());
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = SqliteStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer wiretrace"), "{err}");
    }
}

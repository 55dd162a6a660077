//! `wiretrace follow`'s durable state: each source's HTTP validators and
//! schedule, and each page URL found with where its fetch stands.
//!
//! A page goes `queued` → `fetched` (its bytes held here) → `stored`, or
//! ends `failed`/`forbidden`/`gone`. Each step is its own transaction, so
//! after a crash (SIGKILL included) a `queued` page is fetched, a
//! `fetched` one is stored from the bytes held, and a `stored` one is never
//! fetched again. A URL is also known by the canonical link its page gave
//! (`alias`), so an entry that names it is not fetched either.

use chrono::{DateTime, FixedOffset};
use rusqlite::{params, OptionalExtension};

use crate::{Result, SqliteStore};

/// A source's state between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When it is next due (Unix seconds; 0: at once).
    pub next_poll: i64,
    /// The wait after its last poll, in seconds (grows while it has
    /// nothing new or fails).
    pub interval: i64,
    /// Failures in a row.
    pub failures: i64,
    /// What its last poll did, for people.
    pub last_status: Option<String>,
}

/// A page URL a source listed, with what the listing said of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundPage {
    pub url: String,
    pub source: String,
    pub title: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub summary: Option<String>,
}

/// A page whose fetch has not ended.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPage {
    pub page: FoundPage,
    /// Fetched already: its bytes are held, waiting to be stored.
    pub fetched: bool,
    pub attempts: i64,
}

/// A fetched page's bytes and what the fetch said of them.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldPage {
    pub fetched_at: DateTime<FixedOffset>,
    pub final_url: String,
    pub charset: Option<String>,
    pub body: Vec<u8>,
}

fn date(s: Option<String>) -> Option<DateTime<FixedOffset>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
}

impl SqliteStore {
    pub fn follow_source(&self, url: &str) -> Result<Option<SourceState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT url, etag, last_modified, next_poll, interval, failures, last_status FROM follow_sources WHERE url = ?1",
                [url],
                |r| {
                    Ok(SourceState {
                        url: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                        next_poll: r.get(3)?,
                        interval: r.get(4)?,
                        failures: r.get(5)?,
                        last_status: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn put_follow_source(&mut self, s: &SourceState) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO follow_sources (url, etag, last_modified, next_poll, interval, failures, last_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![s.url, s.etag, s.last_modified, s.next_poll, s.interval, s.failures, s.last_status],
        )?;
        Ok(())
    }

    /// Whether a page URL is known (found before, or a known page's
    /// canonical link).
    pub fn follow_knows(&self, url: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM follow_pages WHERE url = ?1")?
            .exists([url])?)
    }

    /// Queues the pages not known yet, in one transaction; how many were new.
    pub fn follow_queue(&mut self, pages: &[FoundPage], found: i64) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut new = 0;
        for p in pages {
            new += tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO follow_pages (url, source, title, published, summary, state, found) VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
                )?
                .execute(params![
                    p.url,
                    p.source,
                    p.title,
                    p.published.map(|d| d.to_rfc3339()),
                    p.summary,
                    found
                ])?;
        }
        tx.commit()?;
        Ok(new)
    }

    /// The pages whose fetch has not ended, in the order they were found.
    pub fn follow_pending(&self) -> Result<Vec<PendingPage>> {
        let mut st = self.conn.prepare(
            "SELECT url, source, title, published, summary, state, attempts FROM follow_pages
             WHERE state IN ('queued', 'fetched') ORDER BY found, rowid",
        )?;
        let rows = st.query_map([], |r| {
            Ok(PendingPage {
                page: FoundPage {
                    url: r.get(0)?,
                    source: r.get(1)?,
                    title: r.get(2)?,
                    published: date(r.get(3)?),
                    summary: r.get(4)?,
                },
                fetched: r.get::<_, String>(5)? == "fetched",
                attempts: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Holds a fetched page's bytes until it is stored.
    pub fn follow_fetched(&mut self, url: &str, held: &HeldPage) -> Result<()> {
        self.conn.execute(
            "UPDATE follow_pages SET state = 'fetched', attempts = attempts + 1, fetched_at = ?2, final_url = ?3, charset = ?4, body = ?5 WHERE url = ?1",
            params![url, held.fetched_at.to_rfc3339(), held.final_url, held.charset, held.body],
        )?;
        Ok(())
    }

    /// The bytes held for a fetched page.
    pub fn follow_held(&self, url: &str) -> Result<Option<HeldPage>> {
        Ok(self
            .conn
            .query_row(
                "SELECT fetched_at, final_url, charset, body FROM follow_pages WHERE url = ?1 AND state = 'fetched'",
                [url],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get(2)?,
                        r.get::<_, Option<Vec<u8>>>(3)?,
                    ))
                },
            )
            .optional()?
            .and_then(|(at, final_url, charset, body)| {
                Some(HeldPage {
                    fetched_at: date(at)?,
                    final_url: final_url.unwrap_or_else(|| url.to_string()),
                    charset,
                    body: body?,
                })
            }))
    }

    /// A failed attempt: `retry` keeps the page queued for a later round.
    pub fn follow_failed(&mut self, url: &str, reason: &str, retry: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE follow_pages SET state = ?2, attempts = attempts + 1, reason = ?3 WHERE url = ?1",
            params![url, if retry { "queued" } else { "failed" }, reason],
        )?;
        Ok(())
    }

    /// Ends a page's fetch: `state` is `stored` (with its article),
    /// `failed`, `forbidden` (robots.txt) or `gone`; its bytes are dropped.
    /// Its canonical URL, when another, becomes known too.
    pub fn follow_done(
        &mut self,
        url: &str,
        state: &str,
        article: Option<&str>,
        reason: Option<&str>,
        canonical: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE follow_pages SET state = ?2, article_id = ?3, reason = ?4, body = NULL WHERE url = ?1",
            params![url, state, article, reason],
        )?;
        if let Some(c) = canonical.filter(|c| *c != url) {
            tx.execute(
                "INSERT OR IGNORE INTO follow_pages (url, source, state, found, article_id, reason) SELECT ?1, source, 'alias', found, ?2, 'the canonical link of ' || ?3 FROM follow_pages WHERE url = ?3",
                params![c, article, url],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Pages by state, for a summary.
    pub fn follow_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut st = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM follow_pages GROUP BY state ORDER BY state")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(url: &str) -> FoundPage {
        FoundPage {
            url: url.into(),
            source: "https://s.example/feed".into(),
            title: Some("T".into()),
            published: None,
            summary: None,
        }
    }

    #[test]
    fn a_page_goes_from_queued_to_fetched_to_stored_and_is_known_after() {
        let mut s = SqliteStore::in_memory().unwrap();
        assert_eq!(
            s.follow_queue(
                &[found("https://a.example/1"), found("https://a.example/2")],
                1
            )
            .unwrap(),
            2
        );
        assert_eq!(
            s.follow_queue(&[found("https://a.example/1")], 2).unwrap(),
            0
        );
        let held = HeldPage {
            fetched_at: DateTime::parse_from_rfc3339("2026-05-12T09:10:00Z").unwrap(),
            final_url: "https://a.example/1".into(),
            charset: Some("utf-8".into()),
            body: b"<p>x</p>".to_vec(),
        };
        s.follow_fetched("https://a.example/1", &held).unwrap();
        let pending = s.follow_pending().unwrap();
        assert_eq!(pending.len(), 2);
        assert!(pending[0].fetched && !pending[1].fetched);
        assert_eq!(s.follow_held("https://a.example/1").unwrap(), Some(held));
        s.follow_done(
            "https://a.example/1",
            "stored",
            Some("u1"),
            None,
            Some("https://a.example/one"),
        )
        .unwrap();
        assert!(s.follow_knows("https://a.example/one").unwrap());
        assert_eq!(s.follow_held("https://a.example/1").unwrap(), None);
        s.follow_failed("https://a.example/2", "HTTP 503", true)
            .unwrap();
        assert_eq!(s.follow_pending().unwrap().len(), 1);
        s.follow_failed("https://a.example/2", "HTTP 404", false)
            .unwrap();
        assert!(s.follow_pending().unwrap().is_empty());
        let mut src = SourceState {
            url: "https://s.example/feed".into(),
            etag: Some("\"v1\"".into()),
            ..SourceState::default()
        };
        s.put_follow_source(&src).unwrap();
        src.failures = 2;
        s.put_follow_source(&src).unwrap();
        assert_eq!(s.follow_source(&src.url).unwrap(), Some(src));
    }
}

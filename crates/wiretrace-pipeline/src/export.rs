//! Rows in the export schemas (`docs/export.md`), for every caller that
//! hands results out: `wiretrace export`, the Python bindings and the
//! Spark job's output. Each row serialises with its fields in alphabetical
//! order, the order `wiretrace export` has always written.

use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;
use wiretrace_core::{Article, ArticleId, Stripped};
use wiretrace_reuse::{DirectedPassage, FamilyAssignment, FamilyNote, PageKind};
use wiretrace_store::Store;

use crate::pipeline::directed_passages;

/// A time as the exports and the API write it (RFC 3339, `Z` for UTC, no
/// fraction of a second unless there is one).
pub fn rfc3339(d: chrono::DateTime<chrono::FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// An `articles` row, borrowing the article (written without building a
/// `Value`, whose copy of every text made a tenth of `extract`'s time).
#[derive(Serialize)]
pub struct ArticleRow<'a> {
    pub body: Vec<[usize; 2]>,
    pub byline: &'a Option<String>,
    pub canonical_url: &'a Option<String>,
    pub captions: &'a [String],
    pub clean_text: String,
    pub first_seen: Option<String>,
    pub format: &'a str,
    pub id: &'a ArticleId,
    pub input: &'a str,
    pub language: &'a Option<String>,
    pub published: Option<String>,
    pub related: &'a [String],
    pub site: &'a Option<String>,
    pub stripped: &'a [Stripped],
    pub text: &'a str,
    pub title: &'a Option<String>,
    pub updated: Option<String>,
    pub url: &'a Option<String>,
    pub wire: &'a Option<String>,
}

impl<'a> ArticleRow<'a> {
    pub fn of(a: &'a Article) -> Self {
        ArticleRow {
            body: a.body.iter().map(|s| [s.start, s.end]).collect(),
            byline: &a.byline,
            canonical_url: &a.canonical_url,
            captions: &a.captions,
            clean_text: a.clean_text(),
            first_seen: a.first_seen.map(rfc3339),
            format: a.format.as_str(),
            id: &a.id,
            input: &a.input,
            language: &a.language,
            published: a.published.map(rfc3339),
            related: &a.related,
            site: &a.site,
            stripped: &a.stripped,
            text: &a.text,
            title: &a.title,
            updated: a.updated.map(rfc3339),
            url: &a.url,
            wire: &a.wire,
        }
    }
}

/// A `copies` row: an article's family, source, container kind and
/// version chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyRow {
    pub chain: Option<ArticleId>,
    pub family: ArticleId,
    pub id: ArticleId,
    pub kind: Option<&'static str>,
    pub source: Option<ArticleId>,
    pub version_of: Option<ArticleId>,
}

/// A `passages` row: a passage two articles share, from its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassageRow {
    pub dst_end: usize,
    pub dst_id: ArticleId,
    pub dst_start: usize,
    pub src_end: usize,
    pub src_id: ArticleId,
    pub src_start: usize,
}

/// A `stories` row: an article's story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryRow {
    pub id: ArticleId,
    pub story: String,
}

/// A `rejected` row: an input that could not be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    pub at: String,
    pub input: String,
    pub reason: String,
}

/// Every article's `copies` row, by id.
pub fn copies(store: &dyn Store) -> Result<Vec<CopyRow>> {
    let kinds: HashMap<ArticleId, PageKind> = store.page_kinds()?.into_iter().collect();
    Ok(copy_rows(store.families()?, &store.family_notes()?, &kinds))
}

/// The `copies` rows of these family assignments (in their order), with
/// the notes of their families and the container kinds of their articles.
pub fn copy_rows(
    families: Vec<FamilyAssignment>,
    notes: &[FamilyNote],
    kinds: &HashMap<ArticleId, PageKind>,
) -> Vec<CopyRow> {
    let notes: HashMap<&ArticleId, &FamilyNote> = notes.iter().map(|n| (&n.family, n)).collect();
    families
        .into_iter()
        .map(|f| {
            let note = notes.get(&f.family);
            CopyRow {
                chain: note.and_then(|n| n.chain.clone()),
                kind: kinds.get(&f.id).map(|k| k.as_str()),
                version_of: note.and_then(|n| n.version_of.clone()),
                family: f.family,
                id: f.id,
                source: f.source,
            }
        })
        .collect()
}

/// Every `passages` row (see [`directed_passages`]).
pub fn passages(store: &dyn Store) -> Result<Vec<PassageRow>> {
    Ok(directed_passages(store)?
        .into_iter()
        .map(passage_row)
        .collect())
}

/// The `passages` row of a directed passage.
pub fn passage_row(p: DirectedPassage) -> PassageRow {
    PassageRow {
        dst_end: p.dst_span.end,
        dst_id: p.dst,
        dst_start: p.dst_span.start,
        src_end: p.src_span.end,
        src_id: p.src,
        src_start: p.src_span.start,
    }
}

/// Every article's `stories` row.
pub fn stories(store: &dyn Store) -> Result<Vec<StoryRow>> {
    Ok(store
        .assignments()?
        .into_iter()
        .map(|a| StoryRow {
            id: a.id,
            story: a.story,
        })
        .collect())
}

/// Every `rejected` row.
pub fn rejected(store: &dyn Store) -> Result<Vec<RejectedRow>> {
    Ok(store
        .rejections()?
        .into_iter()
        .map(|r| RejectedRow {
            at: r.at,
            input: r.input,
            reason: r.reason,
        })
        .collect())
}

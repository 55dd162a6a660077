//! # wiretrace-store
//!
//! Where articles and what wiretrace learned of them are kept. [`Store`] is
//! the small interface the pipeline writes and reads through; [`SqliteStore`]
//! is the embedded backend (one SQLite file, WAL, schema migrations), needing
//! no server. A second backend implements [`Store`] and nothing else changes.
//!
//! Guarantees every backend keeps:
//! - a batch of articles is stored whole or not at all (a killed ingest
//!   leaves no half-written article, and re-running it completes it);
//! - putting an article already stored with the same text changes nothing;
//!   with a new text (same id, e.g. same URL) keeps the old one as a revision;
//! - every rejected input is listed with its reason until it is stored.

mod checkpoint;
mod codec;
pub mod follow;
mod quotes;
mod schema;
mod sqlite;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use wiretrace_core::{
    template::{line_keys, page_host, TemplateLine},
    time::ArrivalKey,
    Article, ArticleId, Rejection,
};
use wiretrace_reuse::{
    FamilyAssignment, FamilyNote, Grouping, PageKind, PairRelation, RelationSummary, Sketch,
};
use wiretrace_stories::{Assignment, Story};

pub use quotes::{
    ArticleAttribution, CarrierRow, CarrierText, EntityQuery, EntityRow, QuotationRow, QuoteLink,
    QuoteQuery, SpeakerRow,
};
pub use sqlite::SqliteStore;

/// An article ready to store, with what is computed from it once, on the
/// ingest's worker threads rather than by the single writer: its content
/// hash (exact duplicates, revisions), its reuse sketch, the host and line
/// keys its site's template is learned from (see
/// [`wiretrace_core::template`]), and its original as kept (see
/// `codec::elide_text`).
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub article: Article,
    pub content_hash: String,
    pub sketch: Sketch,
    /// The kind of container page it is, if it is one.
    pub kind: Option<PageKind>,
    pub host: Option<String>,
    /// [`line_keys`] of the body as extracted.
    pub lines: Vec<u64>,
    /// The original without the text it holds, and the byte offset where
    /// the text stood; `None` when the original is kept whole.
    pub original_without_text: Option<(String, usize)>,
}

impl NewArticle {
    pub fn new(article: Article) -> Self {
        NewArticle {
            content_hash: wiretrace_core::content_hash(&article.clean_text()),
            sketch: Sketch::of_article(&article),
            kind: wiretrace_reuse::page_kind(&article),
            host: page_host(&article),
            lines: line_keys(&article),
            original_without_text: codec::elide_text(&article.original, &article.text),
            article,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Schema(String),
    /// The path names no wiretrace store (missing, empty, or another file).
    #[error("{0}")]
    NotAStore(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What putting one article did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// A new article.
    Inserted,
    /// A new article whose clean text is exactly that of a stored one.
    ExactDuplicate(ArticleId),
    /// Already stored with this text: nothing changed.
    Unchanged,
    /// Stored with another text: this text is the new revision `n`.
    Revised(u32),
}

/// A rejected input as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedItem {
    pub input: String,
    pub reason: String,
    pub at: String,
}

/// Counts of what a store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub articles: u64,
    pub revisions: u64,
    pub rejected: u64,
    pub families: u64,
    pub stories: u64,
    pub passages: u64,
}

/// An article's place in the store's derived tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub title: Option<String>,
    pub site: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub wire: Option<String>,
    /// How many lines extraction removed as boilerplate.
    pub stripped: usize,
    pub url: Option<String>,
    /// When the article was stored (its latest revision).
    pub ingested: Option<DateTime<FixedOffset>>,
    /// When a crawler first fetched it ([`Article::first_seen`]).
    pub first_seen: Option<DateTime<FixedOffset>>,
}

/// What site templates are learned from and applied by, for one stored
/// article (see [`wiretrace_core::template`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PageLines {
    pub id: ArticleId,
    pub host: Option<String>,
    /// The [`line_keys`] of its body as extracted; `None` for an article
    /// stored before keys were taken (see [`Store::put_page_lines`]).
    pub keys: Option<Vec<u64>>,
    /// The template lines kept out of its body now.
    pub applied: Vec<TemplateLine>,
}

/// Which stories to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct StoryQuery {
    /// Stories last seen at or after this time.
    pub from: Option<DateTime<FixedOffset>>,
    /// Stories first seen at or before this time.
    pub to: Option<DateTime<FixedOffset>>,
    /// Stories an outlet (site) took part in.
    pub outlet: Option<String>,
    /// Stories whose headline or article titles match these words.
    pub text: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// A story as listed: its size and main outlets, not its member ids (a
/// story can hold tens of thousands).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    pub id: String,
    pub headline: Option<String>,
    pub first_seen: Option<DateTime<FixedOffset>>,
    pub last_seen: Option<DateTime<FixedOffset>>,
    /// How many articles it holds.
    pub articles: u64,
    /// How many outlets (known sites) took part.
    pub outlet_count: u64,
    /// The outlets with most articles in it, at most [`SUMMARY_OUTLETS`];
    /// articles without a site are not an outlet.
    pub outlets: Vec<String>,
}

/// Outlets named in a [`StorySummary`].
pub const SUMMARY_OUTLETS: usize = 10;

/// One article of a story as its page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryMember {
    pub id: ArticleId,
    pub published: Option<DateTime<FixedOffset>>,
    pub site: Option<String>,
    pub title: Option<String>,
    pub wire: Option<String>,
    pub family: Option<ArticleId>,
    /// The article this one was copied from.
    pub source: Option<ArticleId>,
    /// Why it is in the story.
    pub reason: String,
}

/// How many articles of a story one outlet published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletCount {
    pub site: String,
    pub articles: u64,
}

/// A copy family in brief: its size and the sites that carried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyBrief {
    pub family: ArticleId,
    /// The title of the family's original.
    pub title: Option<String>,
    pub members: u64,
    /// Distinct sites, at most [`FAMILY_SITES`].
    pub sites: Vec<String>,
    pub site_count: u64,
}

/// Sites named in a [`FamilyBrief`].
pub const FAMILY_SITES: usize = 50;

/// An article found by a text search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub id: ArticleId,
    pub title: Option<String>,
    pub site: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub story: Option<String>,
    /// The matching words in context, marked `[` `]`.
    pub snippet: String,
}

/// Words as a full-text query: each word quoted (a phrase of one), all
/// required, so nothing a user types is taken as query syntax.
pub fn text_query(words: &str) -> Option<String> {
    let terms: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// What a run of the story clustering changed.
#[derive(Debug, Default)]
pub struct StoryUpdate<'a> {
    /// Forget every stored story and membership first (a full replay).
    pub replace_all: bool,
    /// Stories whose rows go (those rewritten below, and those no more).
    pub forget_stories: &'a [String],
    /// Memberships written (replacing an article's earlier one).
    pub assignments: &'a [Assignment],
    pub stories: &'a [Story],
    /// Where the next run resumes (opaque to the store).
    pub checkpoint: Option<&'a [u8]>,
}

/// Full-text indexing run apart from the store's own connection.
pub type TextIndexJob = Box<dyn FnOnce() -> Result<()> + Send>;

/// The interface between the pipeline and a storage backend.
pub trait Store {
    /// Stores a batch of articles, with their sketches, atomically.
    fn put_articles(&mut self, batch: &[NewArticle]) -> Result<Vec<PutOutcome>>;
    /// Lists rejected inputs (replacing an earlier reason for the same input).
    fn put_rejections(&mut self, batch: &[Rejection]) -> Result<()>;
    fn article(&self, id: &ArticleId) -> Result<Option<Article>>;
    fn article_summaries(&self) -> Result<Vec<ArticleSummary>>;
    /// Every article, whole.
    fn articles(&self) -> Result<Vec<Article>>;
    /// The articles of these ids that are stored, in the order given,
    /// without what grouping never reads (the raw input and the removed,
    /// caption and related lines): what alignment reads.
    fn article_texts_by_id(&self, ids: &[ArticleId]) -> Result<Vec<Article>>;
    /// Articles stored since the last reuse analysis.
    fn pending_analysis(&self) -> Result<Vec<ArticleId>>;
    /// The candidate sketch of every article that has one, by id. Ingest
    /// stores them with the articles; a store made before that lacks the
    /// sketches of the articles it had not analysed yet.
    fn sketches(&self) -> Result<Vec<Sketch>>;
    /// Records the reuse analysis of some articles: the sketches the
    /// analysis had to take (see [`Store::sketches`]), the pair relations
    /// found with each one's [`RelationSummary::of`] (`summaries[i]` is that
    /// of `relations[i]`; the caller computes them, in parallel), and that
    /// the articles are analysed. Atomic.
    fn put_reuse(
        &mut self,
        sketches: &[Sketch],
        relations: &[PairRelation],
        summaries: &[RelationSummary],
        analysed: &[ArticleId],
    ) -> Result<()>;
    /// Every article's host, line keys and applied template lines, by id
    /// (those of articles with a sketch: see [`Store::sketches`]).
    fn page_lines(&self) -> Result<Vec<PageLines>>;
    /// Records the host and line keys of articles stored before they were
    /// taken at ingest (by id; `None` hosts are kept as none). Atomic.
    fn put_page_lines(&mut self, pages: &[(ArticleId, Option<String>, Vec<u64>)]) -> Result<()>;
    /// Stores articles whose site template changed: each one's body and
    /// stripped lines (nothing else of it), with the template lines now
    /// kept out of its body. Their relations no longer hold: they are
    /// forgotten, and the articles wait for analysis again. Atomic.
    fn put_templates(&mut self, articles: &[(Article, Vec<TemplateLine>)]) -> Result<()>;
    /// Whether any pair relation is stored.
    fn has_relations(&self) -> Result<bool>;
    /// Forgets the relations of these pairs (either orientation). Atomic.
    fn delete_relations(&mut self, pairs: &[(ArticleId, ArticleId)]) -> Result<()>;
    /// Every stored pair relation (pairs with at least one passage), but
    /// those [`Store::mark_furniture`] marked.
    fn relations(&self) -> Result<Vec<PairRelation>>;
    /// Marks exactly these pairs (as stored, `a` < `b`) as sharing only
    /// their site's furniture: their relations stay for the next grouping
    /// to judge again, and no reader shows them. Atomic.
    fn mark_furniture(&mut self, pairs: &[(ArticleId, ArticleId)]) -> Result<()>;
    /// What family building needs of every stored relation (furniture
    /// included), by pair.
    fn relation_summaries(&self) -> Result<Vec<RelationSummary>>;
    /// The relation of two articles, oriented `a` → `b`.
    fn relation(&self, a: &ArticleId, b: &ArticleId) -> Result<Option<PairRelation>>;
    /// Up to `limit` articles after `after` in publication order (dated by
    /// time, then undated; ties by id), as [`Store::article_texts_by_id`]
    /// gives them. `None` starts at the first article.
    fn articles_after(&self, after: Option<&ArrivalKey>, limit: usize) -> Result<Vec<Article>>;
    /// Work that brings the full-text index up to date, for the caller to
    /// run on another thread while it does something that only reads the
    /// store (the story clustering), where the backend can do that; `None`
    /// where it cannot (then [`Store::put_groupings`] does it).
    fn text_index_job(&self) -> Result<Option<TextIndexJob>>;
    /// Replaces the families and their notes (version chains, reasons for
    /// sources), applies a story update, and brings the full-text index up
    /// to date with the articles stored since. Atomic.
    fn put_groupings(&mut self, families: &Grouping, stories: &StoryUpdate) -> Result<()>;
    /// Replaces the families and their notes alone and leaves the stories (and the
    /// full-text index) behind, to be redone from `stories_behind`: the
    /// earliest place in arrival order of an article they have not taken
    /// (it replaces the place recorded before, so the caller takes the
    /// earlier of the two). [`Store::put_groupings`] catches up and forgets
    /// it. Atomic.
    fn put_families(&mut self, families: &Grouping, stories_behind: &ArrivalKey) -> Result<()>;
    /// Where the stories must be redone from, when
    /// [`Store::put_families`] left them behind.
    fn stories_behind(&self) -> Result<Option<ArrivalKey>>;
    /// The story clustering's last checkpoint, as [`StoryUpdate`] stored it.
    fn story_checkpoint(&self) -> Result<Option<Vec<u8>>>;
    fn families(&self) -> Result<Vec<FamilyAssignment>>;
    /// The container pages (see `wiretrace_reuse::kind`) with their kind,
    /// by id.
    fn page_kinds(&self) -> Result<Vec<(ArticleId, PageKind)>>;
    /// The kind of container page one article is, if it is one.
    fn page_kind(&self, id: &ArticleId) -> Result<Option<PageKind>>;
    /// The family of one article, if it has been grouped.
    fn family_of(&self, id: &ArticleId) -> Result<Option<FamilyAssignment>>;
    /// The members of a family.
    fn family_members(&self, family: &ArticleId) -> Result<Vec<FamilyAssignment>>;
    /// Every family note, by family.
    fn family_notes(&self) -> Result<Vec<FamilyNote>>;
    /// The note of one family (named by its original), if it has one.
    fn family_note(&self, family: &ArticleId) -> Result<Option<FamilyNote>>;
    /// The relations one article takes part in.
    /// The relations of one article, but furniture (as [`Store::relations`]).
    fn relations_of(&self, id: &ArticleId) -> Result<Vec<PairRelation>>;
    /// One page of stories, newest first, and how many match in all.
    fn stories_page(&self, q: &StoryQuery) -> Result<(Vec<StorySummary>, u64)>;
    fn story_summary(&self, id: &str) -> Result<Option<StorySummary>>;
    /// A page of a story's articles in time order (undated last).
    fn story_members_page(
        &self,
        story: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<StoryMember>>;
    /// The outlets of a story, most articles first, at most `limit`.
    fn story_outlets(&self, story: &str, limit: usize) -> Result<Vec<OutletCount>>;
    /// A family's size, sites and original's title.
    fn family_brief(&self, family: &ArticleId) -> Result<Option<FamilyBrief>>;
    /// Articles matching the words of `words`, best first.
    fn search(&self, words: &str, limit: usize) -> Result<Vec<SearchHit>>;
    /// Why one article is in its story.
    fn assignment(&self, id: &ArticleId) -> Result<Option<Assignment>>;
    fn stories(&self) -> Result<Vec<Story>>;
    fn story(&self, id: &str) -> Result<Option<Story>>;
    fn assignments(&self) -> Result<Vec<Assignment>>;
    fn rejections(&self) -> Result<Vec<RejectedItem>>;
    fn stats(&self) -> Result<Stats>;
}

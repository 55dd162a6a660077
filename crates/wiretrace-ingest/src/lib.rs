//! # wiretrace-ingest
//!
//! The input edge of the pipeline. [`sources`] turns what the user names
//! (files, directories walked recursively, `.jsonl`/`.jsonl.gz` feeds, web
//! archives `.warc`/`.arc` (gzipped or not), feeds and sitemaps
//! `.rss`/`.atom`/`.rdf`/`.xml`/`.json` (see [`listing`]), `-` for JSONL or
//! a WARC on stdin, `.gz` anything) into a stream of [`Item`]s, each named
//! so a user can find it again (`path`, `path:line N`, `path at byte N`,
//! `path:entry N`). [`convert`] turns one
//! item into an [`Article`] or a [`Rejection`] with its reason; it is pure, so
//! the caller may run it in parallel.
//!
//! Nothing is dropped silently: an unreadable file, an oversized item, a
//! malformed JSON line or a truncated archive becomes a rejection, and the
//! rest of the stream goes on. Storing is not this crate's job.

#[cfg(feature = "fetch")]
pub mod fetch;
pub mod http;
pub mod listing;
pub mod record;
pub mod sources;

use chrono::{DateTime, FixedOffset};
use wiretrace_core::{Article, Rejection};
use wiretrace_extract::{
    extract_html_bytes, extract_html_bytes_declared, extract_text_bytes, Hints,
};

pub use sources::{ItemReader, Limits, Skipped};

/// The kind of page a file holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Html,
    Text,
}

/// One input item, read but not yet understood.
#[derive(Debug, Clone)]
pub enum Item {
    /// A whole file: an HTML page or scraped text.
    Page {
        input: String,
        kind: PageKind,
        bytes: Vec<u8>,
    },
    /// One JSON line of a feed.
    Record { input: String, line: Vec<u8> },
    /// A page as a crawler fetched it (a web archive's response record).
    Fetched { input: String, page: FetchedPage },
    /// An input that is not a news page (an archive's request or metadata
    /// record, an image, a redirect): counted, neither stored nor rejected.
    /// `kind` names the class for a summary (`request`, `image/png`,
    /// `HTTP 301`), `reason` says it of this item.
    Skipped {
        input: String,
        kind: String,
        reason: String,
    },
    /// An item that failed before it could be read.
    Rejected(Rejection),
}

/// What a fetch says of a page besides its bytes.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    pub url: String,
    /// When the crawler fetched it (`WARC-Date`).
    pub fetched: Option<DateTime<FixedOffset>>,
    /// The HTTP `Content-Type` charset, which overrides the page's own.
    pub charset: Option<String>,
    pub bytes: Vec<u8>,
}

impl Item {
    pub fn input(&self) -> &str {
        match self {
            Item::Page { input, .. }
            | Item::Record { input, .. }
            | Item::Fetched { input, .. }
            | Item::Skipped { input, .. } => input,
            Item::Rejected(r) => &r.input,
        }
    }
}

/// Turns an item into an article, or says why it cannot be one.
pub fn convert(item: Item) -> Result<Article, Rejection> {
    match item {
        Item::Page { input, kind, bytes } => {
            let r = match kind {
                PageKind::Html => extract_html_bytes(bytes, &Hints::default(), &input),
                PageKind::Text => extract_text_bytes(bytes, &Hints::default(), &input),
            };
            r.map_err(|e| Rejection::new(&input, e.to_string()))
        }
        Item::Record { input, line } => record::convert_record(&input, &line),
        Item::Fetched { input, page } => {
            let hints = Hints {
                url: Some(page.url),
                ..Hints::default()
            };
            let mut a =
                extract_html_bytes_declared(page.bytes, page.charset.as_deref(), &hints, &input)
                    .map_err(|e| Rejection::new(&input, e.to_string()))?;
            a.first_seen = page.fetched;
            Ok(a)
        }
        // Callers count skipped items before converting (see `Item::Skipped`);
        // one that reaches here is listed rather than lost.
        Item::Skipped { input, reason, .. } => Err(Rejection::new(input, reason)),
        Item::Rejected(r) => Err(r),
    }
}

//! # wiretrace-ingest
//!
//! The input edge of the pipeline. [`sources`] turns what the user names
//! (files, directories walked recursively, `.jsonl`/`.jsonl.gz` feeds, `-`
//! for JSONL on stdin, `.gz` anything) into a stream of [`Item`]s, each named
//! so a user can find it again (`path`, `path:line N`). [`convert`] turns one
//! item into an [`Article`] or a [`Rejection`] with its reason; it is pure, so
//! the caller may run it in parallel.
//!
//! Nothing is dropped silently: an unreadable file, an oversized item, a
//! malformed JSON line or a truncated archive becomes a rejection, and the
//! rest of the stream goes on. Storing is not this crate's job.

pub mod record;
pub mod sources;

use wiretrace_core::{Article, Rejection};
use wiretrace_extract::{extract_html_bytes, extract_text_bytes, Hints};

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
    /// An item that failed before it could be read.
    Rejected(Rejection),
}

impl Item {
    pub fn input(&self) -> &str {
        match self {
            Item::Page { input, .. } | Item::Record { input, .. } => input,
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
        Item::Rejected(r) => Err(r),
    }
}

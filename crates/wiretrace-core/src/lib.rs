//! # wiretrace-core
//!
//! The vocabulary every wiretrace stage shares, and nothing else:
//!
//! - [`Article`]: one news item as ingested, with its clean body given as
//!   [`Span`]s of code points into the text as ingested, so that every later
//!   offset (passages, quotes, dated sentences) points into one stable string;
//! - [`ArticleId`]: stable ids (given id, else canonical URL, else content hash);
//! - [`text`]: Unicode normalisation (NFKC, case folding, quotes and dashes
//!   unified) and tokenisation with code point offsets;
//! - [`time`]: lenient parsing of the date formats found in news metadata,
//!   and the time order articles are taken in;
//! - [`template`]: site templates, the lines a site repeats on its pages,
//!   learned from the keys of a store's pages and kept out of their bodies;
//! - [`union_find`]: the root lookup the grouping stages share;
//! - [`Rejection`]: an input item that could not become an article, and why.
//!
//! This crate does no I/O and knows no stage: extraction, copy detection,
//! story clustering and storage live in their own crates and depend on this one.

pub mod article;
pub mod ids;
pub mod template;
pub mod text;
pub mod time;
pub mod union_find;

pub use article::{
    clean_text_of, join_paragraphs, Article, InputFormat, Rejection, Span, StripReason, Stripped,
};
pub use ids::{canonical_url, content_hash, ArticleId};
pub use text::{normalize_text, token_key, tokenize, CharMap, Token};

//! The article model.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::ids::ArticleId;
use crate::text::CharCursor;

/// A half-open range `[start, end)` of Unicode code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// What kind of input an article was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// An HTML page; `Article::text` is the text extracted from it.
    Html,
    /// Scraped plain text; `Article::text` is that text as given.
    Text,
}

impl InputFormat {
    pub fn as_str(&self) -> &'static str {
        match self {
            InputFormat::Html => "html",
            InputFormat::Text => "text",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "html" => Some(InputFormat::Html),
            "text" => Some(InputFormat::Text),
            _ => None,
        }
    }
}

/// The clean text of an article whose text is `text` and whose body is
/// `body`: its spans joined by blank lines ([`Article::clean_text`]).
pub fn clean_text_of(text: &str, body: &[Span]) -> String {
    let mut at = CharCursor::new(text);
    let mut out = String::with_capacity(text.len());
    for (i, span) in body.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(at.slice(*span));
    }
    out
}

/// One news article.
///
/// `text` is the text *as ingested*: the `text` field or file for text input,
/// the text extracted from the page for HTML. Every offset wiretrace reports
/// (body spans, passages) counts code points into `text`. The clean article is
/// `body`: the spans of `text` that are the article's own prose, in order, with
/// title, captions, related links and boilerplate left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub url: Option<String>,
    pub canonical_url: Option<String>,
    pub site: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
    /// When a crawler first fetched the page: an archive record's
    /// `WARC-Date`, or the fetch time of `wiretrace follow`. The one clock
    /// no publisher controls; `None` for inputs that do not say (files,
    /// JSONL).
    #[serde(default)]
    pub first_seen: Option<DateTime<FixedOffset>>,
    pub title: Option<String>,
    pub byline: Option<String>,
    /// ISO 639-1 code where one exists, else ISO 639-3.
    pub language: Option<String>,
    /// The news agency the article credits ("AFP", "AP", "Reuters", ...).
    pub wire: Option<String>,
    pub text: String,
    pub body: Vec<Span>,
    pub captions: Vec<String>,
    /// "Read more: ..." style links to other articles, kept out of the body.
    pub related: Vec<String>,
    /// Lines or blocks removed as boilerplate, kept so a reader can see
    /// what went and why: extraction's boilerplate, or the site's template
    /// (see [`crate::template`]).
    pub stripped: Vec<Stripped>,
    /// Where the item came from: a path, `path:line N`, or `-:line N` for stdin.
    pub input: String,
    pub format: InputFormat,
    /// The input as decoded (the page's HTML, the text, or the JSON line).
    pub original: String,
}

impl Article {
    /// An article with its text and body, every other field empty.
    pub fn new(
        id: ArticleId,
        text: String,
        body: Vec<Span>,
        format: InputFormat,
        input: &str,
        original: impl Into<String>,
    ) -> Self {
        Article {
            id,
            url: None,
            canonical_url: None,
            site: None,
            published: None,
            updated: None,
            first_seen: None,
            title: None,
            byline: None,
            language: None,
            wire: None,
            text,
            body,
            captions: vec![],
            related: vec![],
            stripped: vec![],
            input: input.to_string(),
            format,
            original: original.into(),
        }
    }

    /// An article whose text is `paragraphs` joined by blank lines, all body.
    pub fn from_paragraphs<S: AsRef<str>>(
        id: ArticleId,
        paragraphs: &[S],
        format: InputFormat,
        input: &str,
    ) -> Self {
        let (text, body) = join_paragraphs(paragraphs);
        Article::new(id, text, body, format, input, "")
    }

    /// The clean article text: body paragraphs joined by blank lines.
    pub fn clean_text(&self) -> String {
        clean_text_of(&self.text, &self.body)
    }

    /// Number of code points in `text`.
    pub fn text_chars(&self) -> usize {
        self.text.chars().count()
    }

    /// Checks the invariants every stage relies on: body spans sorted,
    /// disjoint and inside `text`.
    pub fn check(&self) -> Result<(), String> {
        let n = self.text_chars();
        let mut last = 0;
        for s in &self.body {
            if s.start < last || s.end < s.start || s.end > n {
                return Err(format!(
                    "bad body span {}..{} (text has {n} chars)",
                    s.start, s.end
                ));
            }
            last = s.end;
        }
        Ok(())
    }
}

/// Joins paragraphs with blank lines, returning the text and each
/// paragraph's code point span in it.
pub fn join_paragraphs<S: AsRef<str>>(paragraphs: &[S]) -> (String, Vec<Span>) {
    let mut text = String::new();
    let mut spans = Vec::with_capacity(paragraphs.len());
    let mut pos = 0;
    for (i, p) in paragraphs.iter().enumerate() {
        if i > 0 {
            text.push_str("\n\n");
            pos += 2;
        }
        let n = p.as_ref().chars().count();
        text.push_str(p.as_ref());
        spans.push(Span::new(pos, pos + n));
        pos += n;
    }
    (text, spans)
}

/// Why a line was kept out of an article's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StripReason {
    /// Extraction's own judgement: the line is furniture on any site (see
    /// the extraction patterns).
    #[serde(rename = "boilerplate")]
    Boilerplate,
    /// The line recurs across the pages of the article's own site: its
    /// template, learned from the store (see [`crate::template`]).
    #[serde(rename = "site template")]
    SiteTemplate,
}

impl StripReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            StripReason::Boilerplate => "boilerplate",
            StripReason::SiteTemplate => "site template",
        }
    }
}

/// A line or block kept out of the body, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StrippedForm")]
pub struct Stripped {
    pub text: String,
    pub reason: StripReason,
}

impl Stripped {
    /// A line extraction removed as boilerplate.
    pub fn boilerplate(text: impl Into<String>) -> Self {
        Stripped {
            text: text.into(),
            reason: StripReason::Boilerplate,
        }
    }
}

/// The stored forms of a [`Stripped`] line: stores written before reasons
/// were kept hold the line alone (extraction's boilerplate).
#[derive(Deserialize)]
#[serde(untagged)]
enum StrippedForm {
    Line(String),
    Full { text: String, reason: StripReason },
}

impl From<StrippedForm> for Stripped {
    fn from(f: StrippedForm) -> Self {
        match f {
            StrippedForm::Line(text) => Stripped::boilerplate(text),
            StrippedForm::Full { text, reason } => Stripped { text, reason },
        }
    }
}

/// An input item that did not become an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The item, named as in [`Article::input`].
    pub input: String,
    pub reason: String,
}

impl Rejection {
    pub fn new(input: impl Into<String>, reason: impl Into<String>) -> Self {
        Rejection {
            input: input.into(),
            reason: reason.into(),
        }
    }
}

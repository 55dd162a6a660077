//! # wiretrace-extract
//!
//! The first stage: a raw news item (an HTML page, or scraped plain text) in,
//! a clean [`Article`] out: body, title, byline, dates, site, canonical URL,
//! language and wire credit, with what was removed kept apart (captions,
//! related links, stripped boilerplate).
//!
//! - [`decode`]: bytes to text (BOM, declared charset, detection; binary refused);
//! - [`plain`]: scraped text, judged line by line;
//! - [`tree`]: a page's markup as a compact tree (its own tokenizer skips
//!   scripts, styles and drawings; HTML5's rules for where text lands);
//! - [`html`]: pages, by scoring the tree's containers for prose;
//! - [`meta`]: JSON-LD, OpenGraph and other page metadata;
//! - [`date_line`]: a "Posted: May 24, 2025" line near the top;
//! - [`patterns`]: the heuristics, kept as data in `patterns/`.
//!
//! Pure functions: no files, no network, no store. Reading inputs is the
//! ingest crate's job; what happens to articles next is the later stages'.

pub mod date_line;
pub mod decode;
pub mod html;
pub mod meta;
pub mod patterns;
pub mod plain;
mod tokenizer;
pub mod tree;

use chrono::{DateTime, FixedOffset};
use std::borrow::Cow;
use std::sync::LazyLock;
use wiretrace_core::{
    canonical_url, join_paragraphs, time::parse_datetime, Article, ArticleId, InputFormat, Span,
    Stripped,
};

pub use decode::{decode, decode_owned, Decoded};

/// Why an item could not become an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("empty input")]
    Empty,
    #[error("{0}")]
    Binary(String),
    #[error("no article text found")]
    NoText,
    #[error("{0}")]
    TooComplex(String),
}

/// Pages nested deeper than this are refused: no real article needs a tenth
/// of it, and only a page made to exhaust parsers goes there (the tree itself
/// costs time linear in the page whatever its depth: see `tree.rs`).
pub const MAX_NESTING: usize = 5_000;

/// What a feed says about an item, trusted above what extraction finds.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub id: Option<String>,
    pub url: Option<String>,
    pub site: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub title: Option<String>,
}

impl Hints {
    /// The feed's title without the site's name: feeds copy `<title>`, suffix
    /// and all, while the page's own headline has none.
    fn headline(&self) -> Option<String> {
        self.title
            .as_deref()
            .map(|t| meta::strip_site_suffix(t, self.site.as_deref()))
    }
}

/// Decodes and extracts an HTML page. Given a `Vec`, a UTF-8 page becomes
/// the article's `original` without a copy.
pub fn extract_html_bytes(
    bytes: impl Into<Vec<u8>>,
    hints: &Hints,
    input: &str,
) -> Result<Article, ExtractError> {
    let decoded = decode_owned(bytes.into(), true, None)?;
    extract_html_page(Cow::Owned(decoded.text), hints, input)
}

/// Decodes and extracts an HTML page whose transfer declared its charset
/// (HTTP `Content-Type`), which is trusted before the page's own `<meta>`.
pub fn extract_html_bytes_declared(
    bytes: impl Into<Vec<u8>>,
    declared: Option<&str>,
    hints: &Hints,
    input: &str,
) -> Result<Article, ExtractError> {
    let decoded = decode_owned(bytes.into(), true, declared)?;
    extract_html_page(Cow::Owned(decoded.text), hints, input)
}

/// Decodes and extracts scraped text.
pub fn extract_text_bytes(
    bytes: impl Into<Vec<u8>>,
    hints: &Hints,
    input: &str,
) -> Result<Article, ExtractError> {
    let decoded = decode_owned(bytes.into(), false, None)?;
    extract_text(&decoded.text, hints, input)
}

/// Extracts an article from an HTML page. `Article::text` is the extracted
/// body, one paragraph per block, separated by blank lines.
pub fn extract_html(page: &str, hints: &Hints, input: &str) -> Result<Article, ExtractError> {
    extract_html_page(Cow::Borrowed(page), hints, input)
}

fn extract_html_page(
    page: Cow<'_, str>,
    hints: &Hints,
    input: &str,
) -> Result<Article, ExtractError> {
    if page.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if page.len() > tree::MAX_PAGE_BYTES {
        return Err(ExtractError::TooComplex(format!(
            "HTML page of {} bytes (limit {})",
            page.len(),
            tree::MAX_PAGE_BYTES
        )));
    }
    let doc = tree::Tree::parse(&page);
    if doc.max_depth() > MAX_NESTING {
        return Err(ExtractError::TooComplex(format!(
            "HTML nested {} elements deep (limit {MAX_NESTING})",
            doc.max_depth()
        )));
    }
    let meta = meta::page_meta(&doc);
    let title = hints.headline().or(meta.title.clone());
    let body = html::extract_body(&doc, title.as_deref().or(meta.h1.as_deref()));
    let mut paragraphs = body.paragraphs;
    // JSON-LD bodies are sometimes truncated or stale: use one only when the
    // page itself yields much less.
    if let Some(ld) = &meta.ld_body {
        let dom_chars: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
        if ld.chars().count() > 2 * dom_chars + 200 {
            paragraphs = ld
                .split('\n')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
        }
    }
    let (text, spans) = join_paragraphs(&paragraphs);
    let (mut a, clean) = assemble(
        text,
        spans,
        hints,
        input,
        InputFormat::Html,
        page,
        meta.language.clone(),
    )?;
    a.title = title;
    a.byline = meta.byline.clone();
    if hints.url.is_none() {
        a.url = meta.canonical_url.clone();
        a.canonical_url = a.url.as_deref().and_then(canonical_url);
    }
    a.published = hints
        .published
        .or(meta.published)
        .or_else(|| a.url.as_deref().and_then(date_in_url))
        .or_else(|| date_line::date_line(&a.text));
    a.updated = meta.updated;
    a.site = hints
        .site
        .clone()
        .or(meta.site.clone())
        .or_else(|| a.url.as_deref().and_then(host_of));
    a.captions = body.captions;
    a.related = body.related;
    a.stripped = body
        .stripped
        .into_iter()
        .map(Stripped::boilerplate)
        .collect();
    a.wire = wire_credit(&a, &clean);
    a.id = ArticleId::derive(hints.id.as_deref(), a.canonical_url.as_deref(), &clean);
    Ok(a)
}

/// Extracts an article from scraped text. `Article::text` is `text` as given;
/// the body is the spans of it that are the article's prose.
pub fn extract_text(text: &str, hints: &Hints, input: &str) -> Result<Article, ExtractError> {
    let title = hints.headline();
    let e = plain::extract_plain(text, title.as_deref());
    let (mut a, clean) = assemble(
        text.to_string(),
        e.body,
        hints,
        input,
        InputFormat::Text,
        text,
        None,
    )?;
    a.title = title.or(e.title);
    a.byline = e.byline;
    a.site = hints
        .site
        .clone()
        .or(e.site)
        .or_else(|| a.url.as_deref().and_then(host_of));
    a.published = hints
        .published
        .or_else(|| a.url.as_deref().and_then(date_in_url))
        .or_else(|| date_line::date_line(text));
    a.captions = e.captions;
    a.related = e.related;
    a.stripped = e.stripped.into_iter().map(Stripped::boilerplate).collect();
    a.wire = wire_credit(&a, &clean);
    a.id = ArticleId::derive(hints.id.as_deref(), a.canonical_url.as_deref(), &clean);
    Ok(a)
}

/// The fields every input format fills the same way; also gives the clean
/// text, which the caller needs again. The language is `declared` (by the
/// page) when there is one, as pages state it more reliably than a short
/// sample shows it, else detected.
fn assemble(
    text: String,
    body: Vec<Span>,
    hints: &Hints,
    input: &str,
    format: InputFormat,
    original: impl AsRef<str> + Into<String>,
    declared: Option<String>,
) -> Result<(Article, String), ExtractError> {
    if body.is_empty() {
        return Err(if original.as_ref().trim().is_empty() {
            ExtractError::Empty
        } else {
            ExtractError::NoText
        });
    }
    let mut a = Article::new(
        ArticleId(String::new()),
        text,
        body,
        format,
        input,
        original,
    );
    a.url = hints.url.clone();
    a.canonical_url = a.url.as_deref().and_then(canonical_url);
    let clean = a.clean_text();
    a.language = declared.or_else(|| detect_language(&clean));
    Ok((a, clean))
}

fn wire_credit(a: &Article, clean: &str) -> Option<String> {
    let p = &*patterns::PATTERNS;
    p.wire_credit(clean).or_else(|| {
        a.byline
            .as_deref()
            .and_then(|b| p.wire_credit(&format!("By {b}")))
    })
}

/// The host a URL names, lower case, without `www.`.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .to_ascii_lowercase();
    (!host.is_empty()).then(|| host.trim_start_matches("www.").to_string())
}

static URL_DATE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")
        .expect("static regex")
});

/// A date written in a URL's path (`/2025/09/03/`).
pub fn date_in_url(url: &str) -> Option<DateTime<FixedOffset>> {
    let c = URL_DATE.captures(url)?;
    parse_datetime(&format!("{}-{:0>2}-{:0>2}", &c[1], &c[2], &c[3]))
}

/// ISO 639-3 codes with an ISO 639-1 form, for the languages whatlang knows.
const ISO639_1: &[(&str, &str)] = &[
    ("eng", "en"),
    ("fra", "fr"),
    ("deu", "de"),
    ("spa", "es"),
    ("por", "pt"),
    ("ita", "it"),
    ("nld", "nl"),
    ("rus", "ru"),
    ("ukr", "uk"),
    ("pol", "pl"),
    ("ces", "cs"),
    ("slk", "sk"),
    ("hun", "hu"),
    ("ron", "ro"),
    ("bul", "bg"),
    ("hrv", "hr"),
    ("srp", "sr"),
    ("slv", "sl"),
    ("ell", "el"),
    ("tur", "tr"),
    ("ara", "ar"),
    ("heb", "he"),
    ("pes", "fa"),
    ("urd", "ur"),
    ("hin", "hi"),
    ("ben", "bn"),
    ("tam", "ta"),
    ("tel", "te"),
    ("mar", "mr"),
    ("cmn", "zh"),
    ("jpn", "ja"),
    ("kor", "ko"),
    ("vie", "vi"),
    ("tha", "th"),
    ("ind", "id"),
    ("swe", "sv"),
    ("dan", "da"),
    ("nob", "nb"),
    ("fin", "fi"),
    ("est", "et"),
    ("lit", "lt"),
    ("lav", "lv"),
    ("cat", "ca"),
    ("afr", "af"),
    ("swh", "sw"),
    ("tgl", "tl"),
    ("bel", "be"),
    ("kat", "ka"),
    ("hye", "hy"),
];

/// Characters of a text the language is told from. Detection was 70% of
/// plain-text extraction at 2,000; on the ABE pages 500 give the same
/// answers.
const LANGUAGE_SAMPLE: usize = 500;

/// A paragraph this long (in characters) is prose enough to tell the
/// language.
const LANGUAGE_PARAGRAPH: usize = 200;

/// Samples whose language is remembered. Syndicated copies mostly share
/// their paragraphs, and detection (about 60 µs a text whatever its
/// length) was a third of plain-text ingest; remembering is a hash.
const LANGUAGE_CACHE: usize = 16_384;

/// Detects the language of a text (whatlang, on the first
/// [`LANGUAGE_SAMPLE`] characters of its longest paragraph, or of the
/// whole text when no paragraph is [long enough](LANGUAGE_PARAGRAPH)).
///
/// The longest paragraph is body text: a dateline, a tagline, a share
/// widget or a caption left at the top is not. And a copy that was
/// re-headlined or padded keeps it, so copies share a sample and detection
/// runs once for them.
pub fn detect_language(text: &str) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<u128, Option<String>>>> = OnceLock::new();
    let longest = text
        .split('\n')
        .map(str::trim)
        .map(|p| (p.chars().count(), p))
        .max_by_key(|&(chars, _)| chars)
        .filter(|&(chars, _)| chars >= LANGUAGE_PARAGRAPH)
        .map_or(text, |(_, p)| p);
    let end = longest
        .char_indices()
        .nth(LANGUAGE_SAMPLE)
        .map_or(longest.len(), |(i, _)| i);
    let sample = &longest[..end];
    // A 128-bit hash: a collision would give a text another's language.
    let key = xxhash_rust::xxh3::xxh3_128(sample.as_bytes());
    let seen = SEEN.get_or_init(Default::default);
    if let Some(found) = seen.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return found;
    }
    // (Remembered too: reading the words of every copy cost more than the
    // hash that finds its sample.)
    let found = match is_plainly_english(sample) {
        true => Some("en".to_string()),
        false => detect_sample(sample),
    };
    if let Ok(mut m) = seen.lock() {
        if m.len() >= LANGUAGE_CACHE {
            m.clear(); // a result never depends on what is remembered
        }
        m.insert(key, found.clone());
    }
    found
}

/// A sample of at least this many words may be told English by its words.
const ENGLISH_MIN_WORDS: usize = 30;
/// ...when at least this share of them are English words (see
/// `patterns/english_words.txt`).
const ENGLISH_WORD_SHARE: f64 = 0.1;
/// ...and at most this share of them have letters outside ASCII (names
/// with accents do; a paragraph in Cyrillic would be many).
const ENGLISH_FOREIGN_SHARE: f64 = 0.1;

/// Whether a sample is English by the share of its words that only English
/// uses so often: most news is, and this costs a word list lookup a word,
/// where the trigram detector scores 40 language profiles (60-90 µs a
/// text). On the evaluation texts it says English of none that whatlang
/// gives another language, and of about 96% of those it calls English;
/// the rest, and every other text, go to whatlang.
fn is_plainly_english(sample: &str) -> bool {
    let p = &*patterns::PATTERNS;
    let (mut words, mut english, mut foreign) = (0usize, 0usize, 0usize);
    let mut lower = String::new();
    for w in sample
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
    {
        words += 1;
        if w.is_ascii() {
            lower.clear();
            lower.push_str(w);
            lower.make_ascii_lowercase();
            english += usize::from(p.is_english_word(&lower));
        } else {
            foreign += 1;
        }
    }
    // (A sample that mixes in words of other letters, a paragraph of
    // another script, is whatlang's to judge.)
    let share = |n: usize| n as f64 / words as f64;
    words >= ENGLISH_MIN_WORDS
        && share(english) >= ENGLISH_WORD_SHARE
        && share(foreign) <= ENGLISH_FOREIGN_SHARE
}

fn detect_sample(sample: &str) -> Option<String> {
    let info = whatlang::detect(sample)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    let code = info.lang().code();
    Some(
        ISO639_1
            .iter()
            .find(|(l3, _)| *l3 == code)
            .map_or(code, |(_, l1)| l1)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_article_end_to_end() {
        let page = r#"<html lang="en"><head><title>Ferry resumes service | Coastal Times</title>
          <link rel="canonical" href="https://coastal.example/2025/03/04/ferry-resumes?utm_source=x">
          <meta name="author" content="Lena Holm"></head><body><article>
          <h1>Ferry resumes service</h1>
          <p>OSKAR (AP) — The ferry between Oskar and Lund resumed service on Monday, after a week of storms, the operator said.</p>
          <p>Passengers, many of them commuters, queued from dawn, and the first crossing left on time.</p>
          </article></body></html>"#;
        let a = extract_html(page, &Hints::default(), "page.html").unwrap();
        assert_eq!(a.title.as_deref(), Some("Ferry resumes service"));
        assert_eq!(
            a.canonical_url.as_deref(),
            Some("https://coastal.example/2025/03/04/ferry-resumes")
        );
        assert_eq!(a.site.as_deref(), Some("coastal.example"));
        assert_eq!(a.published.unwrap().date_naive().to_string(), "2025-03-04");
        assert_eq!(a.byline.as_deref(), Some("Lena Holm"));
        assert_eq!(a.wire.as_deref(), Some("AP"));
        assert_eq!(a.language.as_deref(), Some("en"));
        assert_eq!(a.body.len(), 2);
        assert!(a.id.0.starts_with('u'));
        a.check().unwrap();
    }

    #[test]
    fn the_language_is_the_body_paragraph_s_not_the_page_furniture_s() {
        // An English-speaking site republishes a French wire story under
        // its own boilerplate, which opens the text.
        let furniture = "Share this story with your friends and family on all of your favourite social networks, and subscribe to our newsletter for the latest local headlines every morning.";
        let more = "Our newsroom is independent and reader funded: please consider supporting local journalism today, because every contribution, large or small, keeps our reporters working.";
        let body = "Le conseil municipal de Veldt a approuvé mardi soir le prolongement de la ligne de tramway jusqu'à l'aéroport, a annoncé le maire Oskar Fenn, qui promet une mise en service avant la fin de l'année 2029 malgré les réserves exprimées par plusieurs élus de l'opposition sur le coût du chantier.";
        let text = format!("{furniture}\n\n{more}\n\n{body}");
        assert_eq!(detect_language(&text).as_deref(), Some("fr"));
        // No paragraph is long enough alone: the whole text is the sample.
        assert_eq!(
            detect_language("Le maire a parlé.\nLa ligne ouvrira en 2029, a-t-il dit aux élus.")
                .as_deref(),
            detect_language("Le maire a parlé. La ligne ouvrira en 2029, a-t-il dit aux élus.")
                .as_deref()
        );
    }

    #[test]
    fn english_is_told_by_its_words_and_other_languages_by_whatlang() {
        let english = "The harbour authority said on Tuesday that the strike, which has closed the port of Aldren for a week, would end when the union and the shipping lines agreed on pay, and that talks were due to resume after the holiday.";
        assert!(is_plainly_english(english));
        assert_eq!(
            detect_sample(english).as_deref(),
            Some("en"),
            "whatlang agrees"
        );
        for other in [
            "Die Hafenbehörde teilte am Dienstag mit, dass der Streik, der den Hafen von Aldren seit einer Woche lahmlegt, enden werde, wenn sich die Gewerkschaft und die Reedereien auf die Löhne geeinigt hätten.",
            "A autoridade portuária disse na terça-feira que a greve, que fechou o porto de Aldren durante uma semana, terminaria quando o sindicato e as companhias de navegação chegassem a acordo sobre os salários.",
            "De havenautoriteit zei dinsdag dat de staking, die de haven van Aldren al een week platlegt, zou eindigen als de vakbond en de rederijen het eens werden over de lonen of over een nieuw akkoord.",
            "Havnemyndigheden sagde tirsdag, at strejken, som har lukket havnen i Aldren i en uge, vil ende, når fagforeningen og rederierne er blevet enige om lønnen, og at forhandlingerne skal genoptages efter ferien.",
        ] {
            assert!(!is_plainly_english(other), "{other}");
            assert_ne!(detect_language(other).as_deref(), Some("en"), "{other}");
        }
        // A text of two scripts, where no paragraph is long enough alone.
        let mixed = format!("Какую кухню любите сами? Есть ли какие-то предпочтения, а может, наоборот, есть блюда или продукты, которые вам не нравятся? {english}");
        assert!(!is_plainly_english(&mixed));
        // Too few words to tell by them: whatlang decides.
        assert!(!is_plainly_english(
            "The port is closed and the union said that it has a plan."
        ));
    }

    #[test]
    fn scraped_text_is_dated_by_its_date_line_unless_told_otherwise() {
        let text = "Ferry resumes service\n\nPosted: March 4, 2025, 9:15 AM\n\nThe ferry between Oskar and Lund resumed service on Monday, after a week of storms, the operator said.\n\nPassengers queued from dawn, and the first crossing left on time.";
        let a = extract_text(text, &Hints::default(), "ferry.txt").unwrap();
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2025-03-04T09:15:00+00:00"
        );
        // A date the feed gives wins over the text's.
        let given = Hints {
            published: parse_datetime("2025-03-05T10:00:00Z"),
            ..Hints::default()
        };
        let a = extract_text(text, &given, "ferry.txt").unwrap();
        assert_eq!(a.published, given.published);
        // A sentence that mentions a date does not date the article.
        let a = extract_text(
            "The ferry between Oskar and Lund resumed service on March 4, 2025, after a week of storms.",
            &Hints::default(),
            "ferry.txt",
        )
        .unwrap();
        assert_eq!(a.published, None);
    }

    #[test]
    fn missing_everything_still_gives_an_article_or_a_reason() {
        assert_eq!(
            extract_html("<html><body></body></html>", &Hints::default(), "x"),
            Err(ExtractError::NoText)
        );
        assert_eq!(
            extract_html("", &Hints::default(), "x"),
            Err(ExtractError::Empty)
        );
        let a = extract_html(
            "<p>Just one line of text that is long enough, really.</p>",
            &Hints::default(),
            "x",
        )
        .unwrap();
        assert_eq!(a.title, None);
        assert_eq!(a.published, None);
        assert!(a.id.0.starts_with('c'));
    }

    #[test]
    fn absurd_nesting_is_refused_quickly() {
        let page = format!(
            "{}<p>text</p>{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let err = extract_html(&page, &Hints::default(), "x").unwrap_err();
        assert!(
            err.to_string().contains("nested 100003 elements deep"),
            "{err}"
        );
        let fine = format!(
            "{}<p>Text, long enough to count as a paragraph of prose.</p>{}",
            "<div>".repeat(200),
            "</div>".repeat(200)
        );
        assert!(extract_html(&fine, &Hints::default(), "x").is_ok());
    }

    #[test]
    fn feed_hints_win() {
        let hints = Hints {
            id: Some("feed-1".into()),
            title: Some("Feed title".into()),
            site: Some("feed.example".into()),
            ..Default::default()
        };
        let a = extract_text(
            "Feed title\n\nA paragraph of the article, long enough to be prose here.",
            &hints,
            "f.jsonl:line 1",
        )
        .unwrap();
        assert_eq!(a.id.0, "feed-1");
        assert_eq!(a.title.as_deref(), Some("Feed title"));
        assert_eq!(
            a.clean_text(),
            "A paragraph of the article, long enough to be prose here."
        );
    }

    #[test]
    fn a_feed_title_loses_the_site_name_and_its_headline_line_leaves_the_body() {
        // Republishers' feeds append their name; the text's headline has none.
        let hints = Hints {
            title: Some("Harbour strike ends after talks | Morning Tide".into()),
            site: Some("morningtide.example".into()),
            ..Default::default()
        };
        let a = extract_text(
            "Listen to this article\n\nHarbour strike ends after talks\n\n\
             Dockers at Port Aldren returned to work on Thursday after a deal on pay.",
            &hints,
            "f.jsonl:line 2",
        )
        .unwrap();
        assert_eq!(a.title.as_deref(), Some("Harbour strike ends after talks"));
        assert_eq!(
            a.clean_text(),
            "Dockers at Port Aldren returned to work on Thursday after a deal on pay."
        );
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    /// Byte soup biased towards markup, so the HTML paths are exercised.
    fn markup_soup() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"<p>".to_vec()),
            Just(b"</p>".to_vec()),
            Just(b"<div class=\"article-body\">".to_vec()),
            Just(b"</div>".to_vec()),
            Just(
                b"<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"articleBody\":"
                    .to_vec()
            ),
            Just(b"<meta charset=\"latin1\">".to_vec()),
            Just(
                "Caf\u{e9}, \u{201c}quoted\u{201d} words. "
                    .as_bytes()
                    .to_vec()
            ),
            proptest::collection::vec(any::<u8>(), 0..16),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    #[test]
    fn elements_html_closes_for_you_do_not_deepen_the_tree() {
        // 50,000 of each element that the next one closes: a flat tree,
        // read in full, not refused as too deep.
        let paras: String = (0..50_000)
            .map(|i| format!("<p>The harbour reopened on day {i}, officials said, after storms. "))
            .collect();
        let page = format!(
            "<body>{paras}<ul>{}</ul><table>{}</table><select>{}</select>{}</body>",
            "<li>item".repeat(50_000),
            "<tr><td>cell".repeat(50_000),
            "<option>choice".repeat(50_000),
            "<a href=x>link".repeat(50_000),
        );
        let doc = tree::Tree::parse(&page);
        assert!(doc.max_depth() <= 6, "depth {}", doc.max_depth());
        let a = extract_html(&page, &Hints::default(), "x").unwrap();
        assert!(a.text.matches("The harbour reopened").count() >= 49_000);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let results = [extract_html_bytes(bytes.as_slice(), &Hints::default(), "x"), extract_text_bytes(bytes.as_slice(), &Hints::default(), "x")];
            for a in results.into_iter().flatten() {
                prop_assert!(a.check().is_ok());
            }
        }

        #[test]
        fn arbitrary_markup_never_panics(bytes in markup_soup()) {
            if let Ok(a) = extract_html_bytes(bytes, &Hints::default(), "x") {
                prop_assert!(a.check().is_ok());
                prop_assert!(!a.clean_text().is_empty());
            }
        }
    }
}

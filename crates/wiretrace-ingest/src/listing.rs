//! Feeds and sitemaps: documents that list articles rather than hold one.
//!
//! [`read_listing`] reads RSS 0.9x/1.0/2.0, Atom and JSON Feed (with the
//! `feed-rs` crate), sitemaps, Google News sitemaps (`news:title`,
//! `news:publication_date`) and sitemap indexes (with `quick-xml`, as no
//! maintained crate reads news sitemaps) into a [`Listing`]: each entry's
//! URL, title, time and summary. [`entry_item`] makes an entry an input
//! item (its summary is its text until its page is fetched).
//!
//! Bounded: a listing's entries past [`MAX_FEED_ENTRIES`] or
//! [`MAX_SITEMAP_URLS`] are counted, not read (the XML is cut before the
//! first one dropped and its open elements closed, so `feed-rs` never holds
//! more than the limit), and XML entities are only the predefined ones
//! and character references: a DTD's own entities are never expanded.
//! A document that is none of these, or broken, is an error saying why.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, FixedOffset};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use wiretrace_core::time::parse_datetime;

use crate::Item;

/// The most entries read of one feed (the rest are counted).
pub const MAX_FEED_ENTRIES: usize = 10_000;
/// The most URLs read of one sitemap or sitemap index: the sitemap
/// protocol's own limit per file.
pub const MAX_SITEMAP_URLS: usize = 50_000;
/// Deepest XML nesting read (a feed nests a handful of elements).
const MAX_DEPTH: usize = 64;

/// What a listing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingKind {
    Feed,
    Sitemap,
    /// A sitemap of sitemaps: its entries are sitemaps to read.
    SitemapIndex,
}

impl ListingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingKind::Feed => "feed",
            ListingKind::Sitemap => "sitemap",
            ListingKind::SitemapIndex => "sitemap index",
        }
    }
}

/// One entry of a listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// The article's page (for a sitemap index: the sitemap's URL).
    pub url: Option<String>,
    pub title: Option<String>,
    /// Its publication time (a feed's `published`, else `updated`; a news
    /// sitemap's `publication_date`). A sitemap's `lastmod` is not one.
    pub published: Option<DateTime<FixedOffset>>,
    /// A sitemap's `lastmod`: when the page last changed.
    pub modified: Option<DateTime<FixedOffset>>,
    /// The summary or content the feed gives, HTML or text.
    pub summary: Option<String>,
}

/// A feed or sitemap as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub kind: ListingKind,
    pub entries: Vec<Entry>,
    /// Entries past the limit, counted but not read.
    pub dropped: usize,
}

/// Reads a feed or sitemap, or says why it is neither.
pub fn read_listing(bytes: &[u8]) -> Result<Listing, String> {
    let text = to_utf8(bytes)?;
    let body = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if body.starts_with('{') {
        return read_json_feed(body);
    }
    if !body.starts_with('<') {
        return Err("neither XML nor JSON: not a feed or sitemap".into());
    }
    let root = root_element(body)?;
    match root.as_str() {
        "urlset" => read_sitemap(body, ListingKind::Sitemap),
        "sitemapindex" => read_sitemap(body, ListingKind::SitemapIndex),
        "rss" | "RDF" | "feed" => read_xml_feed(body),
        other => Err(format!(
            "XML whose root element <{other}> is no feed (rss, rdf:RDF, feed) or sitemap (urlset, sitemapindex)"
        )),
    }
}

/// The document as UTF-8: as it is, or decoded from the encoding its BOM
/// or XML declaration names (and then declared UTF-8).
fn to_utf8(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        if enc != encoding_rs::UTF_8 {
            let (s, _) = enc.decode_without_bom_handling(&bytes[bom..]);
            return Ok(Cow::Owned(redeclare(&s)));
        }
    }
    let declared = declared_encoding(bytes);
    match declared
        .as_deref()
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
    {
        Some(enc) if enc != encoding_rs::UTF_8 => {
            let (s, _, _) = enc.decode(bytes);
            Ok(Cow::Owned(redeclare(&s)))
        }
        None if declared.is_some() => Err(format!(
            "declares an encoding wiretrace does not know: {:?}",
            declared.as_deref().unwrap_or_default()
        )),
        _ => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            format!(
                "not valid UTF-8 at byte {} (and no other encoding declared)",
                e.valid_up_to()
            )
        }),
    }
}

/// The `encoding` of an XML declaration at the start.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head);
    let decl = head.trim_start_matches('\u{feff}').strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_string())
}

/// A decoded document with its XML declaration saying UTF-8.
fn redeclare(s: &str) -> String {
    let s = s.trim_start_matches('\u{feff}');
    match s
        .strip_prefix("<?xml")
        .and_then(|r| r.find("?>").map(|e| &r[e + 2..]))
    {
        Some(rest) => format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{rest}"),
        None => s.to_string(),
    }
}

fn xml_error(reader: &Reader<&[u8]>, e: impl fmt::Display) -> String {
    format!("malformed XML at byte {}: {e}", reader.error_position())
}

/// The local name of the root element.
fn root_element(xml: &str) -> Result<String, String> {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Ok(e.local_name().as_ref().to_string())
            }
            Ok(Event::Eof) => return Err("XML without an element".into()),
            Ok(Event::Text(t)) if !t.trim().is_empty() => {
                return Err("text before the root element: not XML".into())
            }
            Ok(_) => {}
            Err(e) => return Err(xml_error(&reader, e)),
        }
    }
}

/// The text of a general reference: a character reference or one of the
/// five predefined entities. Any other is an error: a DTD's own entities
/// are not expanded (entity bombs), and HTML's are not XML's.
fn resolve_ref(r: &quick_xml::events::BytesRef) -> Result<String, String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(c.to_string());
    }
    let name: &str = r;
    quick_xml::escape::resolve_predefined_entity(name)
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "undefined entity &{name}; (XML knows only &lt; &gt; &amp; &quot; &apos; and &#N;)"
            )
        })
}

fn kind_root(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::SitemapIndex => "sitemapindex",
        _ => "urlset",
    }
}

/// Reads a sitemap or sitemap index, streaming.
fn read_sitemap(xml: &str, kind: ListingKind) -> Result<Listing, String> {
    let entry_tag = match kind {
        ListingKind::SitemapIndex => "sitemap",
        _ => "url",
    };
    let mut reader = Reader::from_str(xml);
    let mut entries = Vec::new();
    let mut dropped = 0;
    let mut current: Option<Entry> = None;
    // The leaf being read and its text so far.
    let mut leaf: Option<String> = None;
    let mut text = String::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("XML nested over {MAX_DEPTH} elements deep"));
                }
                let name = e.local_name().as_ref().to_string();
                if name == entry_tag {
                    current = Some(Entry::default());
                } else if current.is_some() {
                    leaf = Some(name);
                    text.clear();
                }
            }
            Event::Text(t) if leaf.is_some() => text.push_str(&t.xml10_content()),
            Event::CData(t) if leaf.is_some() => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if leaf.is_some() => text.push_str(&resolve_ref(&r)?),
            Event::GeneralRef(r) => {
                resolve_ref(&r)?;
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                if name.as_ref() == entry_tag {
                    if let Some(entry) = current.take().filter(|e| e.url.is_some()) {
                        if entries.len() < MAX_SITEMAP_URLS {
                            entries.push(entry);
                        } else {
                            dropped += 1;
                        }
                    }
                } else if let (Some(l), Some(entry)) = (&leaf, current.as_mut()) {
                    if l == name.as_ref() {
                        let value = text.trim();
                        if !value.is_empty() {
                            match l.as_str() {
                                "loc" => entry.url = Some(value.to_string()),
                                "lastmod" => entry.modified = parse_datetime(value),
                                "publication_date" => entry.published = parse_datetime(value),
                                "title" => entry.title = Some(value.to_string()),
                                _ => {}
                            }
                        }
                        leaf = None;
                    }
                }
            }
            Event::Eof if depth > 0 => {
                return Err(format!(
                    "truncated: the document ends inside <{}> (byte {})",
                    kind_root(kind),
                    xml.len()
                ))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Listing {
        kind,
        entries,
        dropped,
    })
}

/// Reads an RSS or Atom feed with `feed-rs`, cut to its first
/// [`MAX_FEED_ENTRIES`] entries.
fn read_xml_feed(xml: &str) -> Result<Listing, String> {
    let (xml, dropped) = cut_feed(xml)?;
    // The document is UTF-8 by now, and says so: feed-rs's XML reader
    // then never switches decoders (it panicked on a declaration naming
    // another encoding past its first buffer, found by fuzzing).
    let xml = redeclare(&xml);
    let parsed = std::panic::catch_unwind(|| feed_rs::parser::parse(xml.as_bytes()))
        .map_err(|_| "the feed parser (feed-rs) failed on this document".to_string())?;
    let feed = parsed.map_err(|e| format!("broken feed: {e}"))?;
    Ok(listing_of(feed, dropped))
}

/// The feed with the entries past the limit cut (its open elements closed
/// after the cut), and how many were cut. Also checks the whole document
/// is well formed, with no entity but the predefined ones.
fn cut_feed(xml: &str) -> Result<(Cow<'_, str>, usize), String> {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut seen = 0usize;
    let mut cut: Option<(usize, Vec<String>)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        match &event {
            Event::Start(e) | Event::Empty(e)
                if matches!(e.local_name().as_ref(), "item" | "entry") =>
            {
                seen += 1;
                if seen == MAX_FEED_ENTRIES + 1 {
                    cut = Some((before, open.clone()));
                }
                if let Event::Start(e) = &event {
                    open.push(e.name().as_ref().to_string());
                }
            }
            Event::Start(e) => {
                if open.len() >= MAX_DEPTH {
                    return Err(format!("XML nested over {MAX_DEPTH} elements deep"));
                }
                open.push(e.name().as_ref().to_string());
            }
            Event::End(_) => {
                open.pop();
            }
            Event::GeneralRef(r) => {
                resolve_ref(r)?;
            }
            // A declaration is only the document's first thing; another
            // one later made feed-rs's XML reader panic (found by fuzzing).
            Event::Decl(_) if before > 0 && xml[..before].trim_start_matches('\u{feff}').trim() != "" => {
                return Err(format!(
                    "malformed XML at byte {before}: an XML declaration (<?xml ...?>) inside the document"
                ))
            }
            Event::DocType(_) => {
                return Err("a feed with a DTD (<!DOCTYPE>): its entities are not expanded, and feeds need none".into())
            }
            Event::Eof => match open.last() {
                Some(name) => {
                    return Err(format!(
                        "truncated: the document ends inside <{name}> (byte {})",
                        xml.len()
                    ))
                }
                None => break,
            },
            _ => {}
        }
    }
    Ok(match cut {
        None => (Cow::Borrowed(xml), 0),
        Some((at, open)) => {
            let mut s = xml[..at].to_string();
            for name in open.iter().rev() {
                s.push_str(&format!("</{name}>"));
            }
            (Cow::Owned(s), seen - MAX_FEED_ENTRIES)
        }
    })
}

fn listing_of(feed: feed_rs::model::Feed, dropped: usize) -> Listing {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.fixed_offset());
    let entries = feed
        .entries
        .into_iter()
        .map(|e| {
            let url = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(e.links.first())
                .map(|l| l.href.trim().to_string())
                .filter(|h| !h.is_empty());
            let summary = e
                .content
                .and_then(|c| c.body)
                .or(e.summary.map(|s| s.content))
                .filter(|s| !s.trim().is_empty());
            Entry {
                url,
                title: e
                    .title
                    .map(|t| t.content.trim().to_string())
                    .filter(|t| !t.is_empty()),
                published: time(e.published.or(e.updated)),
                modified: time(e.updated),
                summary,
            }
        })
        .collect();
    Listing {
        kind: ListingKind::Feed,
        entries,
        dropped,
    }
}

/// Reads a JSON Feed, its items past the limit counted but never built.
fn read_json_feed(json: &str) -> Result<Listing, String> {
    let capped: CappedFeed =
        serde_json::from_str(json).map_err(|e| format!("broken JSON Feed: {e}"))?;
    let dropped = capped.dropped;
    let text = serde_json::to_string(&capped.doc).map_err(|e| e.to_string())?;
    let feed =
        feed_rs::parser::parse(text.as_bytes()).map_err(|e| format!("broken JSON Feed: {e}"))?;
    Ok(listing_of(feed, dropped))
}

/// A JSON document whose `items` array keeps its first
/// [`MAX_FEED_ENTRIES`] items; the rest are skipped unbuilt and counted.
struct CappedFeed {
    doc: serde_json::Map<String, serde_json::Value>,
    dropped: usize,
}

impl<'de> serde::Deserialize<'de> for CappedFeed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = CappedFeed;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON Feed object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CappedFeed, A::Error> {
                let mut doc = serde_json::Map::new();
                let mut dropped = 0;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "items" {
                        let items = map.next_value::<CappedItems>()?;
                        dropped = items.dropped;
                        doc.insert(key, serde_json::Value::Array(items.kept));
                    } else {
                        doc.insert(key, map.next_value()?);
                    }
                }
                Ok(CappedFeed { doc, dropped })
            }
        }
        d.deserialize_map(Top)
    }
}

struct CappedItems {
    kept: Vec<serde_json::Value>,
    dropped: usize,
}

impl<'de> serde::Deserialize<'de> for CappedItems {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items;
        impl<'de> Visitor<'de> for Items {
            type Value = CappedItems;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CappedItems, A::Error> {
                let mut kept = Vec::new();
                let mut dropped = 0;
                while kept.len() < MAX_FEED_ENTRIES {
                    match seq.next_element()? {
                        Some(v) => kept.push(v),
                        None => return Ok(CappedItems { kept, dropped }),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    dropped += 1;
                }
                Ok(CappedItems { kept, dropped })
            }
        }
        d.deserialize_seq(Items).map_err(de::Error::custom)
    }
}

/// An entry as an input item named `input`: its summary as the article's
/// text (HTML or plain), with its URL, title and time; an entry with no
/// summary is a link to fetch, skipped where nothing fetches it.
pub fn entry_item(input: String, entry: &Entry, kind: ListingKind) -> Item {
    let Some(summary) = &entry.summary else {
        return Item::Skipped {
            input,
            kind: format!("{} entry (page not fetched)", kind.as_str()),
            reason: format!(
                "a {} entry without text: its page {} is read by `wiretrace follow`, not by ingest",
                kind.as_str(),
                entry.url.as_deref().unwrap_or("(no URL)")
            ),
        };
    };
    let html = summary.contains('<');
    let mut record = serde_json::json!({
        "url": entry.url,
        "title": entry.title,
        "published": entry.published.map(|d| d.to_rfc3339()),
    });
    record[if html { "html" } else { "text" }] = summary.clone().into();
    Item::Record {
        input,
        line: record.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Listing {
        read_listing(s.as_bytes()).unwrap_or_else(|e| panic!("{e}: {s}"))
    }

    #[test]
    fn rss_entity_encoded_and_cdata_summaries_are_read_as_html() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Tidende</title>
            <item><title>Keepers &amp; pilots</title><link>https://t.example/a</link>
            <pubDate>Tue, 12 May 2026 09:00:00 +0200</pubDate>
            <description>&lt;p&gt;The keepers &amp;amp; pilots stay.&lt;/p&gt;</description></item>
            <item><title><![CDATA[Ferry <b>back</b>]]></title><link>https://t.example/b</link>
            <description><![CDATA[<p>The ferry runs again.</p>]]></description></item>
            </channel></rss>"#;
        let l = read(rss);
        assert_eq!(l.kind, ListingKind::Feed);
        assert_eq!(l.entries.len(), 2);
        let a = &l.entries[0];
        assert_eq!(a.title.as_deref(), Some("Keepers & pilots"));
        assert_eq!(a.url.as_deref(), Some("https://t.example/a"));
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2026-05-12T07:00:00+00:00"
        );
        assert_eq!(
            a.summary.as_deref(),
            Some("<p>The keepers &amp; pilots stay.</p>")
        );
        assert_eq!(
            l.entries[1].summary.as_deref(),
            Some("<p>The ferry runs again.</p>")
        );
    }

    #[test]
    fn atom_rss1_and_json_feed_are_read() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>x</id>
            <entry><id>1</id><title>One</title><link href="https://a.example/1"/>
            <published>2026-05-12T09:00:00Z</published><summary>First text.</summary></entry></feed>"#;
        let l = read(atom);
        assert_eq!(l.entries[0].url.as_deref(), Some("https://a.example/1"));
        assert_eq!(l.entries[0].summary.as_deref(), Some("First text."));
        let rss1 = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="https://r.example/"><title>R</title><link>https://r.example/</link></channel>
            <item rdf:about="https://r.example/1"><title>One</title><link>https://r.example/1</link></item></rdf:RDF>"#;
        assert_eq!(
            read(rss1).entries[0].url.as_deref(),
            Some("https://r.example/1")
        );
        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "items": [{"id": "1", "url": "https://j.example/1", "title": "One",
            "content_text": "Plain text.", "date_published": "2026-05-12T09:00:00Z"}]}"#;
        let l = read(json);
        assert_eq!(l.entries[0].url.as_deref(), Some("https://j.example/1"));
        assert_eq!(l.entries[0].summary.as_deref(), Some("Plain text."));
    }

    #[test]
    fn news_sitemaps_and_indexes_are_read() {
        let news = r#"<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
            <url><loc>https://n.example/a?x=1&amp;y=2</loc><lastmod>2026-05-12</lastmod>
            <news:news><news:publication><news:name>N</news:name><news:language>en</news:language></news:publication>
            <news:publication_date>2026-05-12T09:00:00+02:00</news:publication_date>
            <news:title>Keepers &amp; pilots</news:title></news:news></url>
            <url><loc>https://n.example/b</loc></url></urlset>"#;
        let l = read(news);
        assert_eq!(l.kind, ListingKind::Sitemap);
        let a = &l.entries[0];
        assert_eq!(a.url.as_deref(), Some("https://n.example/a?x=1&y=2"));
        assert_eq!(a.title.as_deref(), Some("Keepers & pilots"));
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2026-05-12T09:00:00+02:00"
        );
        assert!(a.modified.is_some());
        assert_eq!(l.entries[1].title, None);
        let index = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>https://n.example/news.xml</loc></sitemap></sitemapindex>"#;
        let l = read(index);
        assert_eq!(l.kind, ListingKind::SitemapIndex);
        assert_eq!(
            l.entries[0].url.as_deref(),
            Some("https://n.example/news.xml")
        );
    }

    #[test]
    fn every_listing_fixture_is_read() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../wiretrace/tests/fixtures/listings");
        let mut n = 0;
        for f in std::fs::read_dir(&dir).unwrap().flatten() {
            let l = read_listing(&std::fs::read(f.path()).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.path().display()));
            assert!(!l.entries.is_empty(), "{}", f.path().display());
            n += 1;
        }
        assert_eq!(n, 6);
    }

    #[test]
    fn fuzz_findings_are_refused_or_read_never_a_panic() {
        // An XML declaration that runs on for 200 bytes before naming its
        // encoding: quick-xml (under feed-rs) panicked switching decoders.
        let late = include_bytes!("../../../fuzz/regressions/feed-late-encoding-declaration.xml");
        assert!(read_listing(late).is_ok_and(|l| l.entries.len() == 1));
        // A second declaration inside the document.
        let second = include_bytes!("../../../fuzz/regressions/feed-second-xml-declaration.xml");
        let e = read_listing(second).unwrap_err();
        assert!(
            e.contains("an XML declaration (<?xml ...?>) inside the document"),
            "{e}"
        );
    }

    #[test]
    fn a_latin1_feed_is_decoded_as_declared() {
        let mut rss = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title><item><title>Port Veln\xe9</title><link>https://v.example/1</link></item></channel></rss>".to_vec();
        let l = read_listing(&rss).unwrap();
        assert_eq!(l.entries[0].title.as_deref(), Some("Port Velné"));
        rss.truncate(40);
        assert!(read_listing(&rss).is_err());
    }

    #[test]
    fn broken_and_hostile_documents_are_refused_with_a_reason() {
        let cases = [
            ("<rss version=\"2.0\"><channel><item><title>x</title></channel></rss>", "malformed XML at byte"),
            ("<rss version=\"2.0\"><channel><item><title>&nbsp;</title></item></channel></rss>", "undefined entity &nbsp;"),
            ("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><rss version=\"2.0\"><channel><title>&lol2;</title></channel></rss>", "DTD"),
            ("<html><body>not a feed</body></html>", "root element <html>"),
            ("{\"items\": [1, 2", "broken JSON Feed"),
            ("just text", "neither XML nor JSON"),
            ("<urlset><url><loc>a</loc></url>", "truncated: the document ends inside <urlset>"),
            ("<rss version=\"2.0\"><channel><item><title>x</title></item>", "truncated: the document ends inside <channel>"),
            ("<?xml version=\"1.0\" encoding=\"x-klingon\"?><rss/>", "encoding wiretrace does not know"),
        ];
        for (doc, why) in cases {
            let e = read_listing(doc.as_bytes()).expect_err(doc);
            assert!(e.contains(why), "{doc}: {e}");
        }
    }

    #[test]
    fn huge_listings_are_cut_at_the_limit_and_the_rest_counted() {
        let n = MAX_FEED_ENTRIES + 25;
        let mut rss = String::from("<rss version=\"2.0\"><channel><title>T</title>");
        for i in 0..n {
            rss.push_str(&format!("<item><link>https://h.example/{i}</link></item>"));
        }
        rss.push_str("</channel></rss>");
        let l = read(&rss);
        assert_eq!((l.entries.len(), l.dropped), (MAX_FEED_ENTRIES, 25));
        let mut json = String::from(
            "{\"version\": \"https://jsonfeed.org/version/1\", \"title\": \"J\", \"items\": [",
        );
        for i in 0..n {
            json.push_str(&format!(
                "{}{{\"id\": \"{i}\", \"url\": \"https://j.example/{i}\"}}",
                if i > 0 { "," } else { "" }
            ));
        }
        json.push_str("]}");
        let l = read(&json);
        assert_eq!((l.entries.len(), l.dropped), (MAX_FEED_ENTRIES, 25));
        let mut map = String::from("<urlset>");
        for i in 0..MAX_SITEMAP_URLS + 3 {
            map.push_str(&format!("<url><loc>https://s.example/{i}</loc></url>"));
        }
        map.push_str("</urlset>");
        let l = read(&map);
        assert_eq!((l.entries.len(), l.dropped), (MAX_SITEMAP_URLS, 3));
    }

    #[test]
    fn entries_become_records_or_links() {
        let e = Entry {
            url: Some("https://t.example/a".into()),
            title: Some("Keepers stay".into()),
            published: parse_datetime("2026-05-12T09:00:00Z"),
            summary: Some("<p>The keepers of the Skarholm light voted on Thursday to stay at their posts through the winter.</p>".into()),
            ..Entry::default()
        };
        let item = entry_item("f.xml:entry 1".into(), &e, ListingKind::Feed);
        let a = crate::convert(item).unwrap();
        assert_eq!(a.url.as_deref(), Some("https://t.example/a"));
        assert_eq!(a.title.as_deref(), Some("Keepers stay"));
        assert!(a
            .clean_text()
            .starts_with("The keepers of the Skarholm light"));
        let link = Entry { summary: None, ..e };
        assert!(matches!(
            entry_item("s.xml:entry 1".into(), &link, ListingKind::Sitemap),
            Item::Skipped { .. }
        ));
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_listing(&bytes);
        }

        #[test]
        fn arbitrary_feed_texts_never_panic(title in "\\PC{0,40}", body in "\\PC{0,200}") {
            let rss = format!("<rss version=\"2.0\"><channel><item><title>{title}</title><description>{body}</description></item></channel></rss>");
            if let Ok(l) = read_listing(rss.as_bytes()) {
                prop_assert!(l.entries.len() <= 1);
            }
            let map = format!("<urlset><url><loc>{title}</loc><news:title>{body}</news:title></url></urlset>");
            let _ = read_listing(map.as_bytes());
        }
    }
}

//! Page metadata: JSON-LD (`NewsArticle` and kin), OpenGraph and other meta
//! tags, `<time>`, `<link rel=canonical>`, `<html lang>`, `<title>`.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use wiretrace_core::time::parse_datetime;

use crate::tree::{Element, NodeId, TagSet, Tree};
use std::sync::LazyLock;

/// Metadata found on a page; each field from the most reliable source present.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageMeta {
    pub title: Option<String>,
    pub site: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
    pub canonical_url: Option<String>,
    pub language: Option<String>,
    /// `articleBody` from JSON-LD, to be checked against the page.
    pub ld_body: Option<String>,
    /// The page's `<h1>`, a headline candidate.
    pub h1: Option<String>,
}

/// JSON-LD `@type`s that describe an article.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "BlogPosting",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "WebPage",
];

fn clean(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// The elements metadata can come from, in document order: gathered in one
/// pass, as each query below would otherwise walk the whole page.
struct Landmarks<'a> {
    doc: &'a Tree,
    elements: Vec<(NodeId, Element<'a>)>,
}

impl<'a> Landmarks<'a> {
    const NAMES: &'static [&'static str] =
        &["meta", "script", "time", "link", "html", "h1", "title"];

    fn of(doc: &'a Tree) -> Self {
        static NAMES: LazyLock<TagSet> = LazyLock::new(|| TagSet::of(Landmarks::NAMES));
        let elements = doc
            .elements()
            .filter(|(_, e)| {
                e.is_any(*NAMES)
                    || e.attrs().any(|(name, value)| match name {
                        "itemprop" | "rel" => true,
                        "class" => value.contains("author") || value.contains("byline"),
                        _ => false,
                    })
            })
            .collect();
        Landmarks { doc, elements }
    }

    /// The first element `is` accepts that holds text, and that text.
    fn first_text(&self, is: impl Fn(&Element) -> bool) -> Option<String> {
        self.elements
            .iter()
            .filter(|(_, e)| is(e))
            .find_map(|(id, _)| clean(&self.doc.text_of(*id)))
    }

    /// An attribute of the first element `is` accepts that has one that
    /// parses.
    fn first_attr<T>(
        &self,
        is: impl Fn(&Element) -> bool,
        read: impl Fn(&Element) -> Option<T>,
    ) -> Option<T> {
        self.elements
            .iter()
            .map(|(_, e)| e)
            .filter(|e| is(e))
            .find_map(read)
    }
}

fn is_json_ld(e: &Element) -> bool {
    e.name() == "script"
        && e.attr("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
}

/// Finds the most article-like JSON-LD object on the page.
fn ld_article(marks: &Landmarks) -> Option<Value> {
    let mut best: Option<(usize, Value)> = None;
    for (script, _) in marks.elements.iter().filter(|(_, e)| is_json_ld(e)) {
        let raw = marks.doc.text_of(*script);
        let Ok(v) = serde_json::from_str::<Value>(raw.trim()) else {
            continue;
        };
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(a) => stack.extend(a),
                Value::Object(ref o) => {
                    if let Some(g) = o.get("@graph") {
                        stack.push(g.clone());
                    }
                    let types: Vec<&str> = match o.get("@type") {
                        Some(Value::String(s)) => vec![s.as_str()],
                        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    if let Some(rank) = types
                        .iter()
                        .filter_map(|t| ARTICLE_TYPES.iter().position(|a| a == t))
                        .min()
                    {
                        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                            best = Some((rank, v.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    best.map(|(_, v)| v)
}

fn ld_str(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => clean(s),
        Value::Array(a) => a.iter().find_map(|x| x.as_str().and_then(clean)),
        Value::Object(o) => o.get("name").and_then(Value::as_str).and_then(clean),
        _ => None,
    }
}

fn ld_names(v: &Value, key: &str) -> Option<String> {
    let names: Vec<String> = match v.get(key)? {
        Value::String(s) => clean(s).into_iter().collect(),
        Value::Object(o) => o
            .get("name")
            .and_then(Value::as_str)
            .and_then(clean)
            .into_iter()
            .collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => clean(s),
                Value::Object(o) => o.get("name").and_then(Value::as_str).and_then(clean),
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    (!names.is_empty()).then(|| names.join(", "))
}

/// Reads the page's metadata.
pub fn page_meta(doc: &Tree) -> PageMeta {
    let mut metas: Vec<(String, String)> = Vec::new();
    let marks = Landmarks::of(doc);
    for (_, el) in marks.elements.iter().filter(|(_, e)| e.name() == "meta") {
        let key = el
            .attr("property")
            .or(el.attr("name"))
            .or(el.attr("itemprop"))
            .unwrap_or("")
            .to_ascii_lowercase();
        if let (false, Some(c)) = (key.is_empty(), el.attr("content")) {
            if let Some(c) = clean(c) {
                metas.push((key, c));
            }
        }
    }
    let meta = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| metas.iter().find(|(mk, _)| mk == k).map(|(_, v)| v.clone()))
    };
    let ld = ld_article(&marks);
    let ld_get = |k: &str| ld.as_ref().and_then(|v| ld_str(v, k));

    let date_of = |s: Option<String>| s.as_deref().and_then(parse_datetime);
    let published = date_of(ld_get("datePublished"))
        .or_else(|| {
            date_of(meta(&[
                "article:published_time",
                "og:published_time",
                "datepublished",
                "pubdate",
                "publishdate",
                "publish-date",
                "date",
                "dc.date",
                "dc.date.issued",
                "dcterms.created",
                "sailthru.date",
                "parsely-pub-date",
                "article.published",
                "cxenseparse:recs:publishtime",
            ]))
        })
        .or_else(|| {
            marks.first_attr(
                |e| e.attr("itemprop") == Some("datePublished"),
                |e| {
                    e.attr("content")
                        .or(e.attr("datetime"))
                        .and_then(parse_datetime)
                },
            )
        })
        .or_else(|| {
            marks.first_attr(
                |e| e.name() == "time",
                |e| e.attr("datetime").and_then(parse_datetime),
            )
        });
    let updated = date_of(ld_get("dateModified")).or_else(|| {
        date_of(meta(&[
            "article:modified_time",
            "og:updated_time",
            "datemodified",
            "dcterms.modified",
        ]))
    });

    let byline = ld
        .as_ref()
        .and_then(|v| ld_names(v, "author"))
        .or_else(|| {
            meta(&[
                "author",
                "article:author",
                "byl",
                "dc.creator",
                "parsely-author",
                "sailthru.author",
            ])
            .filter(|a| !a.starts_with("http"))
        })
        .or_else(|| {
            marks
                .first_text(|e| {
                    e.attr("rel") == Some("author")
                        || e.attr("itemprop") == Some("author")
                        || e.has_class("byline")
                        || e.has_class("author")
                })
                .filter(|t| t.split_whitespace().count() <= 8)
        });
    let byline = byline.map(|b| {
        b.strip_prefix("By ")
            .or(b.strip_prefix("by "))
            .unwrap_or(&b)
            .to_string()
    });

    let site = meta(&["og:site_name", "application-name", "twitter:site"]).or_else(|| {
        ld.as_ref()
            .and_then(|v| v.get("publisher"))
            .and_then(|p| ld_str(&serde_json::json!({"p": p}), "p"))
    });
    let site = site.map(|s| s.trim_start_matches('@').to_string());

    let canonical_url = marks
        .first_attr(
            |e| e.name() == "link" && e.attr("rel") == Some("canonical"),
            |e| e.attr("href").map(str::to_string),
        )
        .or_else(|| meta(&["og:url"]))
        .filter(|u| u.starts_with("http"));

    let language = marks
        .first_attr(
            |e| e.name() == "html",
            |e| e.attr("lang").or(e.attr("xml:lang")).map(str::to_string),
        )
        .or_else(|| ld_get("inLanguage"))
        .or_else(|| meta(&["og:locale", "language", "content-language", "dc.language"]))
        .and_then(|l| primary_language(&l));

    let h1 = marks.first_text(|e| e.name() == "h1");
    let page_title = marks.first_text(|e| e.name() == "title");
    let title = ld_get("headline")
        .or_else(|| meta(&["og:title", "twitter:title", "title", "dc.title"]))
        .or_else(|| h1.clone())
        .or(page_title)
        .map(|t| strip_site_suffix(&t, site.as_deref()));

    PageMeta {
        title,
        site,
        byline,
        published,
        updated,
        canonical_url,
        language,
        ld_body: ld_get("articleBody"),
        h1,
    }
}

/// "en-US" → "en"; "en_GB" → "en"; rejects junk.
fn primary_language(tag: &str) -> Option<String> {
    let p = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())).then_some(p)
}

/// Separators between a headline and the site's name in `<title>`-like strings.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " / "];

/// "Ferry resumes | The Coastal Times" → "Ferry resumes": drops a last part
/// that names the site or is much shorter than the headline.
pub fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    let t = title.trim();
    for sep in TITLE_SEPARATORS {
        if let Some((head, tail)) = t.rsplit_once(sep) {
            let tail_l = tail.trim().to_lowercase();
            let names_site = site.is_some_and(|s| {
                let s = s.to_lowercase();
                tail_l.contains(&s) || s.contains(&tail_l)
            });
            let short =
                tail.split_whitespace().count() <= 4 && head.split_whitespace().count() >= 3;
            if names_site || short {
                return strip_site_suffix(head, site);
            }
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffixes_go() {
        assert_eq!(
            strip_site_suffix(
                "Ferry resumes service after storms | The Coastal Times",
                None
            ),
            "Ferry resumes service after storms"
        );
        assert_eq!(
            strip_site_suffix("Ferry resumes - Coastal", Some("Coastal")),
            "Ferry resumes"
        );
        assert_eq!(
            strip_site_suffix(
                "Left - right: a history of politics in five long acts and more",
                None
            ),
            "Left - right: a history of politics in five long acts and more"
        );
    }

    #[test]
    fn json_ld_beats_meta() {
        let page = r#"<html lang="en-GB"><head><title>Old | Site</title>
        <meta property="og:title" content="OG headline">
        <meta property="og:site_name" content="The Coastal Times">
        <meta property="article:published_time" content="2025-01-01T00:00:00Z">
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},{"@type":"NewsArticle","headline":"LD headline","datePublished":"2025-09-03T10:00:00-05:00","author":[{"@type":"Person","name":"Ana Ruiz"},{"@type":"Person","name":"Tom Berg"}],"articleBody":"Body text."}]}</script>
        </head><body></body></html>"#;
        let m = page_meta(&Tree::parse(page));
        assert_eq!(m.title.as_deref(), Some("LD headline"));
        assert_eq!(m.byline.as_deref(), Some("Ana Ruiz, Tom Berg"));
        assert_eq!(
            m.published.unwrap().to_rfc3339(),
            "2025-09-03T10:00:00-05:00"
        );
        assert_eq!(m.site.as_deref(), Some("The Coastal Times"));
        assert_eq!(m.language.as_deref(), Some("en"));
        assert_eq!(m.ld_body.as_deref(), Some("Body text."));
    }
}

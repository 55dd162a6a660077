//! Site templates: the lines a site repeats on its own pages.
//!
//! A site's pages carry its furniture inside the article block: comment
//! guidelines, a "follow us" promo, a rating widget, credit and copyright
//! lines, an agency notice, a weather widget, a ticket block. No pattern
//! list knows them all, but the site itself gives them away: they recur
//! on page after page, where the article's own prose does not.
//!
//! The model:
//! - each body span of a page (a paragraph, a line) has a [`line_key`]: a
//!   hash of its words, case folded, with every number the same (a
//!   weather widget's temperature, a rating's count, a copyright year);
//! - a page's *host* is its URL's, else its `site` ([`page_host`]);
//! - a key is in a host's template when, among the host's pages, at least
//!   [`MIN_PAGES`] and [`SHARE`] of them hold it, once the host has
//!   [`MIN_HOST_PAGES`] pages. Pages are counted by what else they say
//!   (their [signature](signature)), so that a story the site ran under
//!   several addresses counts once and its paragraphs stay prose;
//! - a key in the templates of [`COMMON_HOSTS`] hosts is furniture
//!   everywhere: it is stripped from the pages of every host, however few
//!   pages of it the store holds;
//! - [`apply`] moves a page's template lines from its body to
//!   `stripped`, with the reason [`StripReason::SiteTemplate`], and never
//!   empties a body.
//!
//! [`Templates::learn`] depends only on the set of pages it is given, so
//! a store that re-applies the templates whenever they change ends in the
//! same state whatever the order and batches its pages arrived in.
//!
//! [`MIN_PAGES`]: MIN_PAGES

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::article::{Article, Span, StripReason, Stripped};
use crate::text::CharCursor;

/// A host learns a template once it has this many pages (counted by
/// [signature](signature)).
pub const MIN_HOST_PAGES: usize = 10;
/// A line is its host's template when at least this many of its pages
/// hold it...
pub const MIN_PAGES: usize = 5;
/// ...and at least this share of them: a section's furniture (a ticket
/// block on the sports pages) is on a part of the site, a background
/// paragraph repeated by a story's follow-ups on a few pages.
pub const SHARE: f64 = 0.3;
/// A line in the templates of this many hosts is furniture on every host.
pub const COMMON_HOSTS: usize = 3;

/// Lines longer than this (in code points) are prose, never template: the
/// keys of a page's lines are taken for every page at ingest, and the long
/// paragraphs are most of its text.
pub const MAX_LINE_CHARS: usize = 600;

/// The key of a line: its words case folded, each word that is a number
/// `#` (a widget's temperature, a rating's count, a copyright year; a
/// word of letters and digits, a code or a name, is kept), hashed. 0 for
/// a line with no word, which is never template.
pub fn line_key(line: &str) -> u64 {
    let mut norm = String::with_capacity(line.len());
    for word in line.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !norm.is_empty() {
            norm.push(' ');
        }
        if word.chars().all(char::is_numeric) {
            norm.push('#');
        } else {
            for c in word.chars() {
                match c.is_ascii() {
                    true => norm.push(c.to_ascii_lowercase()),
                    false => norm.extend(c.to_lowercase()),
                }
            }
        }
    }
    if norm.is_empty() {
        return 0;
    }
    xxh3_64(norm.as_bytes()).max(1)
}

/// The key of each body span of `a`, in order.
/// (0 for a line longer than [`MAX_LINE_CHARS`]).
pub fn line_keys(a: &Article) -> Vec<u64> {
    let mut at = CharCursor::new(&a.text);
    a.body
        .iter()
        .map(|s| match s.len() > MAX_LINE_CHARS {
            true => 0,
            false => line_key(at.slice(*s)),
        })
        .collect()
}

/// The host a page's template is learned on: its URL's host (lower case,
/// without `www.`), else its `site`.
pub fn page_host(a: &Article) -> Option<String> {
    let from_url = a
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let host = from_url.or_else(|| a.site.as_deref().map(|s| s.trim().to_lowercase()))?;
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

/// A template line as applied to a page: its place among the body spans
/// extraction gave (`index`, the key's place in [`line_keys`]), and its
/// span of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateLine {
    pub index: u32,
    pub span: Span,
}

/// The templates learned from a set of pages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Templates {
    hosts: HashMap<String, FxHashSet<u64>>,
    common: FxHashSet<u64>,
}

impl Templates {
    /// Learns every host's template from its pages, each given as its host
    /// and its [`line_keys`]. Pages without a host take part in no template.
    pub fn learn<'a>(pages: impl IntoIterator<Item = (Option<&'a str>, &'a [u64])>) -> Self {
        let mut by_host: HashMap<&str, Vec<&[u64]>> = HashMap::new();
        for (host, keys) in pages {
            if let Some(h) = host {
                by_host.entry(h).or_default().push(keys);
            }
        }
        let hosts: HashMap<String, FxHashSet<u64>> = by_host
            .into_iter()
            .map(|(host, pages)| (host.to_string(), host_template(&pages)))
            .filter(|(_, t)| !t.is_empty())
            .collect();
        let common = common_keys(hosts.values());
        Templates::from_parts(hosts, common)
    }

    /// The templates made of each host's template ([`host_template`], the
    /// empty ones left out or not) and the keys common to the templates of
    /// [`COMMON_HOSTS`] hosts ([`common_keys`]): [`Templates::learn`] in
    /// two phases, for a caller that learns each host's template apart (a
    /// Spark job, grouping pages by host) and counts the keys over all.
    pub fn from_parts(hosts: HashMap<String, FxHashSet<u64>>, common: FxHashSet<u64>) -> Self {
        let hosts = hosts.into_iter().filter(|(_, t)| !t.is_empty()).collect();
        Templates { hosts, common }
    }

    /// Whether no host has a template.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The places (in `keys`, a page's [`line_keys`]) of the lines of a
    /// page of `host` that are template; none when every line is (a page
    /// that is all furniture keeps its body: extraction found nothing
    /// better).
    pub fn lines_of(&self, host: Option<&str>, keys: &[u64]) -> Vec<u32> {
        let own = host.and_then(|h| self.hosts.get(h));
        let is_template =
            |k: &u64| *k != 0 && (own.is_some_and(|t| t.contains(k)) || self.common.contains(k));
        let found: Vec<u32> = (0..keys.len() as u32)
            .filter(|&i| is_template(&keys[i as usize]))
            .collect();
        match found.len() == keys.len() {
            true => Vec::new(),
            false => found,
        }
    }
}

/// The keys in the templates of at least [`COMMON_HOSTS`] of these hosts'
/// templates: furniture on every host. A function of the set of
/// templates, in any order.
pub fn common_keys<'a>(templates: impl IntoIterator<Item = &'a FxHashSet<u64>>) -> FxHashSet<u64> {
    let mut in_templates: FxHashMap<u64, usize> = FxHashMap::default();
    for t in templates {
        for &k in t {
            *in_templates.entry(k).or_default() += 1;
        }
    }
    in_templates
        .into_iter()
        .filter(|&(_, n)| n >= COMMON_HOSTS)
        .map(|(k, _)| k)
        .collect()
}

/// One host's template: the keys held by at least [`MIN_PAGES`] and
/// [`SHARE`] of its pages, counting pages by [signature](signature);
/// empty while the host has too few pages. A function of the host's pages
/// alone (each given as its [`line_keys`]), in any order.
pub fn host_template(pages: &[&[u64]]) -> FxHashSet<u64> {
    if pages.len() < MIN_HOST_PAGES {
        return FxHashSet::default();
    }
    let need = |groups: usize| MIN_PAGES.max((SHARE * groups as f64).ceil() as usize);
    // First by page: a count a key (most keys are a page's own prose)...
    let mut count: FxHashMap<u64, u32> = FxHashMap::default();
    let mut keys = Vec::new();
    for page in pages {
        keys.clear();
        keys.extend(page.iter().copied().filter(|&k| k != 0));
        keys.sort_unstable();
        keys.dedup();
        for &k in &keys {
            *count.entry(k).or_default() += 1;
        }
    }
    let candidates: FxHashSet<u64> = count
        .into_iter()
        .filter(|&(_, n)| n as usize >= need(pages.len()))
        .map(|(k, _)| k)
        .collect();
    if candidates.is_empty() {
        return candidates;
    }
    // ...then the recurring ones by what else their pages say.
    let mut holders: FxHashMap<u64, FxHashSet<u64>> = FxHashMap::default();
    let mut groups = FxHashSet::default();
    for page in pages {
        let s = signature(page, &candidates);
        groups.insert(s);
        for &k in page.iter().filter(|k| candidates.contains(k)) {
            holders.entry(k).or_default().insert(s);
        }
    }
    if groups.len() < MIN_HOST_PAGES {
        return FxHashSet::default();
    }
    holders
        .into_iter()
        .filter(|(_, h)| h.len() >= need(groups.len()))
        .map(|(k, _)| k)
        .collect()
}

/// What a page says besides its recurring lines: the smallest key of its
/// other lines (a MinHash of one). Copies of a story share most lines, so
/// mostly this key; different stories almost never do.
fn signature(keys: &[u64], recurring: &FxHashSet<u64>) -> u64 {
    keys.iter()
        .copied()
        .filter(|k| *k != 0 && !recurring.contains(k))
        .min()
        .unwrap_or(0)
}

/// Makes `lines` (places among the body spans extraction gave, as
/// [`Templates::lines_of`] gives them) the template lines of `a`, whose
/// template lines so far are `applied`: their spans go back into the body,
/// then the new ones leave it for `stripped`, with the reason
/// [`StripReason::SiteTemplate`]. Returns the template lines now applied.
pub fn apply(a: &mut Article, applied: &[TemplateLine], lines: &[u32]) -> Vec<TemplateLine> {
    let mut body = a.body.clone();
    body.extend(applied.iter().map(|t| t.span));
    body.sort_unstable();
    body.dedup();
    let strip: HashSet<u32> = lines.iter().copied().collect();
    let mut kept = Vec::with_capacity(body.len());
    let mut now = Vec::new();
    for (i, span) in body.into_iter().enumerate() {
        match strip.contains(&(i as u32)) {
            true => now.push(TemplateLine {
                index: i as u32,
                span,
            }),
            false => kept.push(span),
        }
    }
    a.body = kept;
    a.stripped.retain(|s| s.reason != StripReason::SiteTemplate);
    let mut at = CharCursor::new(&a.text);
    a.stripped.extend(now.iter().map(|t| Stripped {
        text: at.slice(t.span).to_string(),
        reason: StripReason::SiteTemplate,
    }));
    now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArticleId, InputFormat};

    /// A fictional outlet's furniture, on every page.
    const FURNITURE: &[&str] = &[
        "Rate this story: 4 of 5 stars (112 ratings)",
        "Follow the Harbour Lantern on Facebook and Mastodon for more from the quays.",
        "Readers' rules: keep comments civil and on topic; the Lantern's moderators remove personal attacks.",
        "Weather in Saltmere: 14°C, drizzle",
        "© 2031 Harbour Lantern Ltd.",
    ];

    fn page(site: &str, n: usize, furniture: &[&str]) -> Article {
        let mut paras: Vec<String> = vec![
            format!("Story {n} opens with the ferry operator's account of event number {n} on the estuary, a tale of its own kind {}.", "x".repeat(n)),
            format!("A second paragraph about topic {n}: the harbourmaster's view {}.", "y".repeat(n)),
        ];
        paras.extend(furniture.iter().map(|s| s.to_string()));
        let mut a = Article::from_paragraphs(
            ArticleId(format!("{site}-{n}")),
            &paras,
            InputFormat::Html,
            "test",
        );
        a.url = Some(format!("https://www.{site}/news/{n}"));
        a
    }

    fn learn(pages: &[Article]) -> Templates {
        let keys: Vec<(Option<String>, Vec<u64>)> =
            pages.iter().map(|a| (page_host(a), line_keys(a))).collect();
        Templates::learn(keys.iter().map(|(h, k)| (h.as_deref(), k.as_slice())))
    }

    fn applied(pages: &[Article]) -> Vec<Article> {
        let t = learn(pages);
        pages
            .iter()
            .map(|a| {
                let mut a = a.clone();
                let lines = t.lines_of(page_host(&a).as_deref(), &line_keys(&a));
                apply(&mut a, &[], &lines);
                a
            })
            .collect()
    }

    #[test]
    fn templates_learned_by_host_then_put_together_are_those_learned_at_once() {
        // Three hosts share a line (common), each has its own furniture.
        let shared = "Subscribe to the Estuary Wire newsletter for the morning tide report.";
        let mut pages = Vec::new();
        for (h, site) in [
            "lantern.example",
            "quay.example",
            "gull.example",
            "tiny.example",
        ]
        .iter()
        .enumerate()
        {
            let own = format!("The {site} desk thanks its {h} volunteer readers.");
            let furniture = [shared, own.as_str()];
            let n = if h == 3 { 4 } else { 20 };
            pages.extend((0..n).map(|k| page(site, 100 * h + k, &furniture)));
        }
        let keys: Vec<(Option<String>, Vec<u64>)> =
            pages.iter().map(|a| (page_host(a), line_keys(a))).collect();
        let whole = Templates::learn(keys.iter().map(|(h, k)| (h.as_deref(), k.as_slice())));
        let mut by_host: HashMap<String, Vec<&[u64]>> = HashMap::new();
        for (h, k) in &keys {
            by_host.entry(h.clone().unwrap()).or_default().push(k);
        }
        let hosts: HashMap<String, FxHashSet<u64>> = by_host
            .into_iter()
            .map(|(h, p)| (h, host_template(&p)))
            .collect();
        let common = common_keys(hosts.values());
        assert!(common.contains(&line_key(shared)));
        let parts = Templates::from_parts(hosts, common);
        assert_eq!(parts, whole);
        assert!(!whole.is_empty());
    }

    #[test]
    fn a_sites_recurring_lines_are_its_template() {
        let pages: Vec<Article> = (0..30)
            .map(|n| page("harbourlantern.example", n, FURNITURE))
            .collect();
        for a in applied(&pages) {
            let clean = a.clean_text();
            for f in FURNITURE {
                assert!(!clean.contains(f), "{f:?} left in {clean:?}");
                assert!(a.stripped.contains(&Stripped {
                    text: f.to_string(),
                    reason: StripReason::SiteTemplate
                }));
            }
            assert!(clean.starts_with("Story "), "{clean}");
            assert_eq!(a.body.len(), 2);
        }
    }

    #[test]
    fn numbers_do_not_make_lines_differ() {
        assert_eq!(
            line_key("Weather in Saltmere: 14°C, drizzle"),
            line_key("Weather in  Saltmere: 9°C, drizzle!")
        );
        assert_ne!(
            line_key("Weather in Saltmere"),
            line_key("Weather in Tidewick")
        );
        assert_eq!(line_key("—"), 0);
        assert_eq!(line_key("Météo à Saltmère"), line_key("MÉTÉO À SALTMÈRE"));
        assert_ne!(line_key("Rated 4 5"), line_key("Rated 45"));
        // Words of letters and digits are words, not numbers.
        assert_ne!(line_key("w123 w456 w789"), line_key("w12 w4 w7"));
    }

    #[test]
    fn too_few_pages_teach_nothing_and_other_sites_are_untouched() {
        let mut pages: Vec<Article> = (0..MIN_HOST_PAGES - 1)
            .map(|n| page("small.example", n, FURNITURE))
            .collect();
        pages.extend((0..30).map(|n| page("harbourlantern.example", n, FURNITURE)));
        // Another site with a line of its own on few of its pages.
        pages.extend((0..20).map(|n| {
            page(
                "other.example",
                n,
                if n < 3 { &FURNITURE[..1] } else { &[] },
            )
        }));
        let t = learn(&pages);
        for a in &pages {
            let lines = t.lines_of(page_host(a).as_deref(), &line_keys(a));
            let host = page_host(a).unwrap();
            assert_eq!(lines.is_empty(), host != "harbourlantern.example", "{host}");
        }
    }

    #[test]
    fn a_story_run_under_many_addresses_stays_prose() {
        // 20 pages of one site, 6 of them the same story: its paragraphs
        // recur on 30% of the pages, but they are one story, not furniture.
        let mut pages: Vec<Article> = (0..14).map(|n| page("tidewick.example", n, &[])).collect();
        for n in 0..6 {
            let mut a = page("tidewick.example", 100, &[]);
            a.id = ArticleId(format!("copy-{n}"));
            a.url = Some(format!("https://tidewick.example/copy/{n}"));
            pages.push(a);
        }
        assert!(learn(&pages).is_empty());
    }

    #[test]
    fn lines_common_to_many_templates_are_furniture_everywhere() {
        let notice = "This material may not be published, broadcast, rewritten or redistributed.";
        let mut pages = Vec::new();
        for site in ["a.example", "b.example", "c.example"] {
            pages.extend((0..12).map(|n| page(site, n, &[notice])));
        }
        // One page of a fourth site carries it too.
        pages.push(page("d.example", 1, &[notice]));
        let out = applied(&pages);
        let last = out.last().unwrap();
        assert_eq!(last.stripped.len(), 1);
        assert!(!last.clean_text().contains("redistributed"));
    }

    #[test]
    fn applying_again_restores_what_is_no_longer_template() {
        let a = page("harbourlantern.example", 1, FURNITURE);
        let keys = line_keys(&a);
        let mut b = a.clone();
        let first = apply(&mut b, &[], &[2, 3, 4, 5, 6]);
        assert_eq!(b.body.len(), 2);
        let second = apply(&mut b, &first, &[6]);
        assert_eq!(second.len(), 1);
        assert_eq!(b.body.len(), 6);
        assert_eq!(b.stripped.len(), 1);
        let back = apply(&mut b, &second, &[]);
        assert!(back.is_empty());
        assert_eq!(b, a);
        assert_eq!(line_keys(&b), keys);
    }

    #[test]
    fn a_page_that_is_all_template_keeps_its_body() {
        let keys = [line_key("Follow us"), line_key("© 2031 Lantern")];
        let t = Templates {
            hosts: HashMap::from([("x".to_string(), keys.iter().copied().collect())]),
            common: FxHashSet::default(),
        };
        assert!(t.lines_of(Some("x"), &keys).is_empty());
        assert_eq!(t.lines_of(Some("x"), &[keys[0], 7]), vec![0]);
    }

    #[test]
    fn stripped_lines_stored_without_a_reason_read_as_boilerplate() {
        let old: Vec<Stripped> = serde_json::from_str(
            r#"["Share this", {"text": "Follow us", "reason": "site template"}]"#,
        )
        .unwrap();
        assert_eq!(old[0], Stripped::boilerplate("Share this"));
        assert_eq!(old[1].reason, StripReason::SiteTemplate);
        let json = serde_json::to_string(&old[1]).unwrap();
        assert_eq!(json, r#"{"text":"Follow us","reason":"site template"}"#);
    }
}

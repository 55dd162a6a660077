//! Body extraction from an HTML page.
//!
//! 1. Walk the tree once, iteratively (deeply nested pages cannot overflow the
//!    stack), turning it into text *blocks*: the text of each block-level
//!    element, with how much of it is link text and which containers hold it.
//!    Subtrees that are never article prose (scripts, navigation, forms,
//!    containers named like comments, share bars or sidebars: see
//!    `patterns/negative_names.txt`) are skipped.
//! 2. Score containers by the prose they hold (long, comma-rich, few links),
//!    and take the best one and its strong siblings.
//! 3. Within it, keep the paragraphs; captions and related links go apart,
//!    boilerplate lines and link lists are stripped.

use rustc_hash::FxHashMap;
use wiretrace_core::text::{normalize_text, normalizes_to, push_collapsed, visible_chars};

use crate::patterns::{matchable, PATTERNS};
use crate::tree::{Edge, Element, Node, NodeId, TagSet, Tree};

/// Elements whose whole subtree is never article prose.
const HIDDEN_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "button", "select", "option",
    "textarea", "iframe", "object", "embed", "canvas", "head",
];
/// Elements that are page furniture, unless they hold most of the page (an
/// ASP.NET page is one big `<form>`).
const FURNITURE_TAGS: &[&str] = &["nav", "footer", "aside", "form", "header", "dialog", "menu"];
/// Elements that start a new block of text.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dd",
    "dt",
    "blockquote",
    "pre",
    "table",
    "tbody",
    "thead",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "br",
    "hr",
    "body",
    "address",
    "center",
    "details",
    "summary",
];
/// The lists above as sets of tags.
struct TagSets {
    hidden: TagSet,
    furniture: TagSet,
    block: TagSet,
    always_walked: TagSet,
    headings: TagSet,
    line_breaks: TagSet,
}

static TAGS: std::sync::LazyLock<TagSets> = std::sync::LazyLock::new(|| TagSets {
    hidden: TagSet::of(HIDDEN_TAGS),
    furniture: TagSet::of(FURNITURE_TAGS),
    block: TagSet::of(BLOCK_TAGS),
    always_walked: TagSet::of(&["body", "html", "article", "main"]),
    headings: TagSet::of(&["h1", "h2", "h3", "h4", "h5", "h6"]),
    line_breaks: TagSet::of(&["br", "hr"]),
});

/// How many enclosing containers each block remembers.
const CHAIN_DEPTH: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading,
    Para,
    Caption,
}

struct Block {
    text: String,
    /// Characters in `text`.
    chars: usize,
    link_chars: usize,
    kind: Kind,
    /// Enclosing block elements, outermost first, owner last (capped).
    chain: Vec<NodeId>,
}

/// What the walk over the tree found.
#[derive(Debug, Default, Clone)]
pub struct HtmlBody {
    pub paragraphs: Vec<String>,
    pub captions: Vec<String>,
    pub related: Vec<String>,
    pub stripped: Vec<String>,
}

/// The attributes the extractor reads, gathered in one pass (looking each up
/// by name interns the name, every time, on every element).
#[derive(Default)]
struct Attrs<'a> {
    class: &'a str,
    id: &'a str,
    style: &'a str,
    role: &'a str,
    itemprop: &'a str,
    hidden: bool,
}

impl<'a> Attrs<'a> {
    fn of(el: &Element<'a>) -> Self {
        let mut a = Attrs::default();
        for (name, value) in el.attrs() {
            match name {
                "class" => a.class = value,
                "id" => a.id = value,
                "style" => a.style = value,
                "role" => a.role = value,
                "itemprop" => a.itemprop = value,
                "hidden" => a.hidden = true,
                "aria-hidden" => a.hidden |= value == "true",
                _ => {}
            }
        }
        a
    }
}

/// Elements never shown: scripts and styles, hidden ones.
fn is_hidden(el: &Element, a: &Attrs) -> bool {
    if a.hidden || el.is_any(TAGS.hidden) {
        return true;
    }
    a.style.contains(':') && {
        let s: String = a
            .style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    }
}

/// Whether class and id name page furniture, and no article or layout
/// wrapper. Each name is matched on its own (the patterns match words of
/// one name) and remembered per page, as templates repeat their class lists.
#[derive(Default)]
struct FurnitureNames<'a>(FxHashMap<&'a str, u8>);

const NEGATIVE: u8 = 1;
const POSITIVE: u8 = 2;
const LAYOUT: u8 = 4;

impl<'a> FurnitureNames<'a> {
    fn words(&mut self, name: &'a str) -> u8 {
        if name.is_empty() {
            return 0;
        }
        *self.0.entry(name).or_insert_with(|| {
            let p = &*PATTERNS;
            [
                (&p.negative_names, NEGATIVE),
                (&p.positive_names, POSITIVE),
                (&p.layout_names, LAYOUT),
            ]
            .into_iter()
            .filter(|(words, _)| words.is_match(name))
            .fold(0, |found, (_, bit)| found | bit)
        })
    }

    fn judge(&mut self, a: &Attrs<'a>) -> bool {
        let found = self.words(a.class) | self.words(a.id);
        found & NEGATIVE != 0 && found & (POSITIVE | LAYOUT) == 0
    }
}

/// Elements that are, by tag, role or name, page furniture.
fn is_furniture<'a>(el: &Element, a: &Attrs<'a>, names: &mut FurnitureNames<'a>) -> bool {
    if el.is_any(TAGS.furniture) {
        return true;
    }
    if matches!(
        a.role,
        "navigation" | "complementary" | "contentinfo" | "banner" | "dialog"
    ) {
        return true;
    }
    !el.is_any(TAGS.always_walked) && names.judge(a)
}

fn has_positive_name(el: &Element) -> bool {
    let a = Attrs::of(el);
    let positive = &PATTERNS.positive_names;
    el.name() == "article"
        || a.itemprop == "articleBody"
        || positive.is_match(a.class)
        || positive.is_match(a.id)
}

struct Walker {
    blocks: Vec<Block>,
    buf: String,
    link_chars: usize,
    stack: Vec<(NodeId, Kind)>,
}

impl Walker {
    fn flush(&mut self) {
        let text = self.buf.trim();
        if !text.is_empty() {
            let kind = self
                .stack
                .iter()
                .rev()
                .map(|(_, k)| *k)
                .find(|k| *k != Kind::Para)
                .unwrap_or(Kind::Para);
            let from = self.stack.len().saturating_sub(CHAIN_DEPTH);
            let chars = text.chars().count();
            self.blocks.push(Block {
                text: text.to_string(),
                chars,
                link_chars: self.link_chars.min(chars),
                kind,
                chain: self.stack[from..].iter().map(|(id, _)| *id).collect(),
            });
        }
        self.buf.clear();
        self.link_chars = 0;
    }

    fn push_text(&mut self, t: &str, in_link: bool, in_pre: bool) {
        let added = if in_pre {
            self.buf.push_str(t);
            t.chars().filter(|c| !c.is_whitespace()).count()
        } else {
            push_collapsed(&mut self.buf, t)
        };
        if in_link {
            self.link_chars += added;
        }
    }
}

/// A furniture-named element holding at least this share of the page's
/// text is walked anyway.
const SKIP_GUARD_SHARE: f64 = 0.4;

/// What is visible of a page, by node id.
struct Visibility {
    /// Characters of visible text under each node (white space and hidden
    /// elements excluded).
    text_len: Vec<usize>,
    /// Whether the element itself is hidden (see [`is_hidden`]).
    hidden: Vec<bool>,
}

/// One pass from the last node back, as a node's descendants follow it.
fn visibility(doc: &Tree) -> Visibility {
    let mut text_len = vec![0; doc.len()];
    let mut hidden = vec![false; doc.len()];
    for id in (1..doc.len()).rev() {
        match doc.node(id) {
            Node::Text(t) => text_len[id] = visible_chars(t),
            Node::Element(ref el) if is_hidden(el, &Attrs::of(el)) => {
                hidden[id] = true;
                text_len[id] = 0;
            }
            _ => {}
        }
        if let Some(parent) = doc.parent(id) {
            text_len[parent] += text_len[id];
        }
    }
    Visibility { text_len, hidden }
}

/// Turns the page into blocks (step 1).
fn blocks(doc: &Tree) -> Vec<Block> {
    let mut w = Walker {
        blocks: Vec::new(),
        buf: String::new(),
        link_chars: 0,
        stack: Vec::new(),
    };
    let Visibility { text_len, hidden } = visibility(doc);
    let page_len = text_len.get(Tree::ROOT).copied().unwrap_or(0);
    let mut skipping: Option<NodeId> = None;
    let mut furniture_names = FurnitureNames::default();
    let (mut in_link, mut in_pre) = (0usize, 0usize);
    let mut edges = doc.edges();
    while let Some(edge) = edges.next() {
        match edge {
            Edge::Open(id) => {
                match doc.node(id) {
                    Node::Element(ref el) => {
                        // A class name that looks like furniture does not
                        // hide an element holding most of the page's text:
                        // wrappers are named "page-with-right-rail" too.
                        let holds_the_page = || {
                            let own = text_len.get(id).copied().unwrap_or(0);
                            own as f64 >= SKIP_GUARD_SHARE * page_len as f64
                        };
                        let attrs = Attrs::of(el);
                        if hidden[id]
                            || (is_furniture(el, &attrs, &mut furniture_names) && !holds_the_page())
                        {
                            skipping = Some(id);
                            edges.skip_descendants();
                            continue;
                        }
                        let name = el.name();
                        if name == "a" {
                            in_link += 1;
                        } else if name == "pre" {
                            in_pre += 1;
                        }
                        if el.is_any(TAGS.block) {
                            w.flush();
                            let kind = if el.is_any(TAGS.headings) {
                                Kind::Heading
                            } else if name == "figcaption" {
                                Kind::Caption
                            } else {
                                Kind::Para
                            };
                            if !el.is_any(TAGS.line_breaks) {
                                w.stack.push((id, kind));
                            }
                        }
                    }
                    Node::Text(t) => w.push_text(t, in_link > 0, in_pre > 0),
                    _ => {}
                }
            }
            Edge::Close(id) => {
                if skipping.take() == Some(id) {
                    continue;
                }
                if let Node::Element(ref el) = doc.node(id) {
                    let name = el.name();
                    if name == "a" {
                        in_link = in_link.saturating_sub(1);
                    } else if name == "pre" {
                        in_pre = in_pre.saturating_sub(1);
                    }
                    if el.is_any(TAGS.block) && !el.is_any(TAGS.line_breaks) {
                        w.flush();
                        if w.stack.last().is_some_and(|(open, _)| *open == id) {
                            w.stack.pop();
                        }
                    }
                }
            }
        }
    }
    w.flush();
    w.blocks
}

/// A link to another article with the first words of it, cut off: "Title
/// WASHINGTON: Officials said on Monday that ...". Lists of them fill
/// "breaking news" and "more stories" boxes with comma-rich text.
fn is_teaser(b: &Block) -> bool {
    let t = b.text.trim_end();
    b.link_chars > 0 && (t.ends_with('…') || t.ends_with("..."))
}

fn prose_score(b: &Block) -> f64 {
    let len = b.chars;
    if b.kind != Kind::Para || len < 25 || b.link_chars * 3 > len || is_teaser(b) {
        return 0.0;
    }
    let commas = b.text.matches([',', '，', '、', '،']).count();
    1.0 + commas as f64 + (len as f64 / 100.0).min(3.0)
}

/// Extracts the body of a page whose title is `title` (dropped if repeated).
pub fn extract_body(doc: &Tree, title: Option<&str>) -> HtmlBody {
    let blocks = blocks(doc);
    // Step 2: score containers.
    let mut score: FxHashMap<NodeId, f64> = FxHashMap::default();
    let mut parent: FxHashMap<NodeId, NodeId> = FxHashMap::default();
    // The prose of the blocks directly in each container.
    let mut direct: FxHashMap<NodeId, f64> = FxHashMap::default();
    for b in &blocks {
        let s = prose_score(b);
        if s == 0.0 {
            continue;
        }
        let n = b.chain.len();
        if n >= 2 {
            *direct.entry(b.chain[n - 2]).or_default() += s;
        }
        for (level, weight) in [(2usize, 1.0), (3, 0.5), (4, 1.0 / 3.0)] {
            if n >= level {
                *score.entry(b.chain[n - level]).or_default() += s * weight;
            }
        }
        for w in b.chain.windows(2) {
            parent.insert(w[1], w[0]);
        }
    }
    for (id, s) in score.iter_mut() {
        if let Some(el) = doc.element(*id) {
            if has_positive_name(&el) {
                *s *= 1.25;
            }
        }
    }
    let best = score
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(id, s)| (*id, *s));
    let chosen: Vec<NodeId> = match best {
        None => Vec::new(),
        Some((best, best_score)) => {
            let mut chosen = vec![best];
            let floor = (best_score * 0.2).max(10.0);
            // An article cut into sections by figures and ads repeats its
            // section's tag and class ("story-body__section"), wherever the
            // template nests them; strong siblings of the best count too.
            let signature = class_signature(doc, best).filter(|sig| {
                // Only a component's own class list: several classes (one
                // generic word, "row", "group", "text", names no component)
                // on elements that mostly hold prose (layout classes such as
                // "container grid" also wrap menus and footers).
                let with_it: Vec<NodeId> = doc
                    .elements()
                    .map(|(id, _)| id)
                    .filter(|id| class_signature(doc, *id).as_ref() == Some(sig))
                    .collect();
                sig.1.split_whitespace().count() >= 2
                    && with_it.iter().filter(|id| score.contains_key(id)).count() * 2
                        >= with_it.len()
            });
            let parent_of_best = parent.get(&best);
            chosen.extend(
                score
                    .iter()
                    .filter(|(id, s)| {
                        **id != best
                            && ((**s >= floor
                                && parent_of_best.is_some()
                                && parent.get(id) == parent_of_best)
                                || (signature.is_some() && class_signature(doc, **id) == signature))
                    })
                    .map(|(id, _)| *id),
            );
            // Opening paragraphs often sit directly in the container that
            // holds the rest of the article ("read all") in a box of its own:
            // then the article is that container, if they are as strong as a
            // strong sibling would have to be.
            if let Some(&up) = parent_of_best {
                let own = direct.get(&best).copied().unwrap_or(0.0);
                if direct.get(&up).copied().unwrap_or(0.0) >= (own * 0.2).max(10.0) {
                    chosen.push(up);
                }
            }
            chosen
        }
    };

    // Step 3: keep what is prose inside the chosen containers.
    let title_norm = title.map(normalize_text);
    let p = &*PATTERNS;
    let mut out = HtmlBody::default();
    for b in blocks {
        let inside = chosen.is_empty() || b.chain.iter().any(|id| chosen.contains(id));
        if !inside {
            continue;
        }
        let m = matchable(&b.text);
        let len = b.chars;
        if b.kind == Kind::Caption || p.is_caption(&m) {
            out.captions.push(b.text);
        } else if p.is_related(&m) {
            out.related.push(b.text);
        } else if p.is_boilerplate(&m) || (b.kind != Kind::Heading && b.link_chars * 2 > len) {
            out.stripped.push(b.text);
        } else if b.kind == Kind::Heading
            && title_norm
                .as_deref()
                .is_some_and(|t| normalizes_to(&b.text, t))
        {
            // the headline repeated above the body
        } else if out.paragraphs.last() != Some(&b.text) {
            out.paragraphs.push(b.text);
        }
    }
    // Headings with nothing after them are section furniture, not the article.
    while out
        .paragraphs
        .last()
        .is_some_and(|t| is_short(t) && !ends_like_prose(t))
    {
        let t = out.paragraphs.pop().unwrap_or_default();
        out.stripped.push(t);
    }
    out
}

/// An element's tag and class attribute, when it has a class.
fn class_signature(doc: &Tree, id: NodeId) -> Option<(&str, &str)> {
    let el = doc.element(id)?;
    el.attr("class")
        .filter(|c| !c.trim().is_empty())
        .map(|c| (el.name(), c))
}

fn ends_like_prose(t: &str) -> bool {
    t.trim_end_matches(['"', '”', '’', ')', '」', '』'])
        .ends_with(['.', '!', '?', '。', '！', '？'])
}

/// A line too short to be prose: few words, and few characters (scripts
/// without spaces between words have long "words").
fn is_short(t: &str) -> bool {
    t.split_whitespace().count() < 6 && t.chars().count() < 25
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_article_container_and_drops_furniture() {
        let page = r##"<html><body>
          <nav><a href="/">Home</a> <a href="/world">World</a></nav>
          <div class="sidebar"><p>Most read: the ten best beaches, and why you should visit them all.</p></div>
          <div class="article-body">
            <h1>Ferry resumes service</h1>
            <p>The ferry between Oskar and Lund resumed service on Monday, after a week of storms, the operator said.</p>
            <figure><img src="x.jpg"><figcaption>The ferry leaves Oskar harbour.</figcaption></figure>
            <p>Passengers, many of them commuters, queued from dawn, and the first crossing left on time.</p>
            <p>Share this</p>
            <h2>Storm damage</h2>
            <p>Repairs to the pier at Lund, damaged by waves, will take another month, officials said.</p>
            <div class="share-buttons"><a href="#">Facebook</a><a href="#">Twitter</a></div>
          </div>
          <div class="comments"><p>Great, finally, I can get to work again without the long drive!</p></div>
          <footer><p>© 2025 The Coastal Times, all rights reserved, and more words here.</p></footer>
        </body></html>"##;
        let doc = Tree::parse(page);
        let b = extract_body(&doc, Some("Ferry resumes service"));
        assert_eq!(b.paragraphs.len(), 4, "{:?}", b.paragraphs);
        assert!(b.paragraphs[0].starts_with("The ferry between"));
        assert_eq!(b.paragraphs[2], "Storm damage");
        assert_eq!(b.captions, ["The ferry leaves Oskar harbour."]);
        assert!(b.stripped.contains(&"Share this".to_string()));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // The walk is iterative: depth costs no stack.
        let depth = 4_000;
        let page = format!(
            "{}<p>Deep text, with a comma, and enough words to be prose.</p>{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let doc = Tree::parse(&page);
        let b = extract_body(&doc, None);
        assert_eq!(
            b.paragraphs,
            ["Deep text, with a comma, and enough words to be prose."]
        );
    }

    /// The page's body is [`STORY`]'s two paragraphs, nothing else.
    fn assert_reads_only_the_story(page: &str) {
        let b = extract_body(&Tree::parse(page), None);
        assert_eq!(b.paragraphs.len(), 2, "{:?}", b.paragraphs);
        assert!(b.paragraphs[0].starts_with("The council voted"));
    }

    const STORY: &str = "<p>The council voted on Tuesday to reopen the old ferry terminal, after a year of delays and rising costs.</p>
        <p>Work on the pier, which storms damaged last winter, is to start in May, the harbour master said.</p>";

    #[test]
    fn a_page_that_is_one_form_or_a_furniture_named_wrapper_is_still_read() {
        for wrapper in [
            r#"<form id="aspnetForm">"#,
            r#"<div class="layout-with-right-rail m-advertisement-off-canvas--pusher">"#,
        ] {
            let close = if wrapper.starts_with("<form") {
                "</form>"
            } else {
                "</div>"
            };
            let page = format!(
                r#"<html><body>{wrapper}<nav><a href="/">Home</a></nav><div class="story">{STORY}</div>
                <div class="sidebar"><p>Most read: ten beaches, and why you should visit them all this year.</p></div>{close}</body></html>"#
            );
            let b = extract_body(&Tree::parse(&page), None);
            assert_eq!(b.paragraphs.len(), 2, "{wrapper}: {:?}", b.paragraphs);
        }
    }

    #[test]
    fn a_layout_wrapper_named_with_its_sidebar_is_read() {
        // The wrapper's name says "sidebar", but it is the page's main
        // column: "and-w-sidebar" is a layout, not a sidebar.
        let directory = r#"<li><a href="/d">Harbour office Lund</a></li>"#.repeat(40);
        let page = format!(
            r#"<html><body><div class="main-white page-block and-w-sidebar"><div class="story">{STORY}</div></div>
            <ul class="directory">{directory}</ul></body></html>"#
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn a_box_of_teasers_does_not_outscore_the_article() {
        let teaser = r#"<li><a href="/x">Port strike ends after talks</a> <span>LUND: Dockers, who walked out last week over pay, pensions and shifts, returned to work on Monday after the union and the port authority agreed to ...</span></li>"#;
        let page = format!(
            r#"<html><body><div class="breaking"><ul>{}</ul></div><div class="story-text">{STORY}</div></body></html>"#,
            teaser.repeat(8)
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn an_article_cut_into_sections_is_read_whole() {
        let section =
            |text: &str| format!(r#"<div class="story-section prose-text"><p>{text}</p></div>"#);
        let page = format!(
            r#"<html><body><div class="lead-wrap"><div class="inner">{}</div></div>
            <figure><img src="x.jpg"></figure>
            <div class="main-wrap">{}{}</div></body></html>"#,
            section("The first section opens the story, with its lead, its place, and its day, as leads do."),
            section("The second section goes on, after a photograph, with what the harbour master said next."),
            section("The third section ends it, with what happens in May, when work on the pier begins."),
        );
        let b = extract_body(&Tree::parse(&page), None);
        let kept = b.paragraphs.join("\n");
        for part in ["first section", "second section", "third section"] {
            assert!(kept.contains(part), "{part} missing: {kept}");
        }
    }

    #[test]
    fn opening_paragraphs_outside_the_read_all_box_are_kept() {
        let para = |t: &str| format!("<p>{t}</p>");
        let rest: String = (1..=6)
            .map(|i| para(&format!("Paragraph {i} of the rest, with the details, the figures, and the quotes that follow the lead.")))
            .collect();
        let page = format!(
            r#"<html><body><div class="wrap"><div class="lead-para">The port of Lund, closed for a week by storms, reopened on Monday, its operator said, to relief among traders.</div>
            <div class="lead-para">Ferries, which had waited offshore since Friday, docked one by one, and the first lorries left by noon, officials said.</div>
            <div class="read-all">{rest}</div></div>
            <div class="more"><a href="/a">Other news</a></div></body></html>"#
        );
        let b = extract_body(&Tree::parse(&page), None);
        assert_eq!(b.paragraphs.len(), 8, "{:?}", b.paragraphs);
        assert!(b.paragraphs[0].starts_with("The port of Lund"));
    }

    #[test]
    fn a_photo_gallery_in_the_article_is_not_its_text() {
        let slide = r#"<li><div class="caption-full">Harbour master Eva Lund, left, and ferry captain Ola Berg inspect the damaged pier in Lund, Sweden, Monday, May 4, 2025.</div></li>"#;
        let page = format!(
            r#"<html><body><nav>{}</nav><div class="article"><div class="asset_gallery"><ul>{}</ul></div>{STORY}</div></body></html>"#,
            r#"<a href="/s">Section name</a>"#.repeat(40),
            slide.repeat(4)
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn a_post_embedded_in_the_article_is_kept_a_share_bar_is_not() {
        let page = format!(
            r#"<html><body><div class="story">{STORY}
            <div class="social-media-embed"><blockquote class="twitter-tweet"><p>The ferry is back, and so are the queues at the harbour this morning, as expected.</p></blockquote></div>
            <div class="social-share"><p>Share this story with your friends, family, and neighbours today.</p></div>
            </div></body></html>"#
        );
        let b = extract_body(&Tree::parse(&page), None);
        let kept = b.paragraphs.join("\n");
        assert!(kept.contains("so are the queues"), "{kept}");
        assert!(!kept.contains("Share this story"), "{kept}");
    }

    #[test]
    fn a_generic_class_shared_with_the_footer_pulls_nothing_in() {
        let page = format!(
            r#"<html><body><div class="page"><div class="inner"><div class="row">{STORY}</div></div></div>
            <div class="site-end"><div class="row"><p>Harbour Times, 12 Quay Street, Lund, registered office, phone and fax numbers, all rights reserved.</p></div></div>
            </body></html>"#
        );
        let b = extract_body(&Tree::parse(&page), None);
        assert_eq!(b.paragraphs.len(), 2, "{:?}", b.paragraphs);
    }

    #[test]
    fn prose_without_spaces_between_words_is_kept() {
        let page = "<html><body><div class=\"entry\"><p>市議会は火曜日、遅延と費用の高騰が続いた旧フェリーターミナルの再開を決めた。</p>\
            <p>冬の嵐で壊れた桟橋の工事は五月に始まると港長は述べた。</p></div></body></html>";
        let b = extract_body(&Tree::parse(page), None);
        assert_eq!(b.paragraphs.len(), 2, "{:?}", b.paragraphs);
    }
}

//! Body extraction from an HTML page.
//!
//! 1. Walk the tree once, iteratively (deeply nested pages cannot overflow the
//!    stack), turning it into text *blocks*: the text of each block-level
//!    element, with how much of it is link text and which containers hold it.
//!    Hidden subtrees and reader comments (`patterns/skipped_names.txt`)
//!    are skipped; furniture (navigation, forms, `<aside>`, containers named
//!    like share bars or sidebars: `patterns/negative_names.txt`) is walked
//!    and marked, as a name is weak evidence against a block holding prose.
//!    A furniture word outweighs a generic positive one ("widget Text"),
//!    topic classes ("tag-promotion") are not names of the element, and
//!    furniture around an element named as the article's body
//!    (`patterns/article_names.txt`, `itemprop=articleBody`) does not weigh
//!    on the prose inside it (Blogger's "widget Blog"). A comments-named
//!    element opened after the page's `<h1>` is skipped even when it holds
//!    most of the page.
//! 2. Score containers by the prose they hold (long, with commas that end
//!    clauses, few links; prose in furniture counts less), take the best
//!    one, or the ancestor holding an article split across siblings, and
//!    its strong siblings.
//! 3. Within it, keep the paragraphs (not the furniture inside it);
//!    captions and related links go apart, boilerplate lines and link lists
//!    are stripped. A page without prose (headlines, links with a line
//!    each) gives the text outside furniture instead, else all of it.

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
    article: TagSet,
}

static TAGS: std::sync::LazyLock<TagSets> = std::sync::LazyLock::new(|| TagSets {
    hidden: TagSet::of(HIDDEN_TAGS),
    furniture: TagSet::of(FURNITURE_TAGS),
    block: TagSet::of(BLOCK_TAGS),
    always_walked: TagSet::of(&["body", "html", "article", "main"]),
    headings: TagSet::of(&["h1", "h2", "h3", "h4", "h5", "h6"]),
    line_breaks: TagSet::of(&["br", "hr"]),
    article: TagSet::of(&["article", "main"]),
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
    /// The outermost and innermost enclosing furniture elements (see
    /// [`furniture_of`]), when there are any. Node ids follow document
    /// order, so of two elements that both enclose the block, the smaller id
    /// encloses the other.
    furniture: Option<(NodeId, NodeId)>,
    /// Whether the block is in an article's `<header>`.
    in_header: bool,
}

impl Block {
    /// Whether container `id` (one of the block's enclosing elements) is
    /// furniture or lies inside furniture.
    fn in_furniture(&self, id: NodeId) -> bool {
        self.furniture.is_some_and(|(outer, _)| outer <= id)
    }

    /// Whether the block lies in furniture inside container `id` (a share
    /// bar or a comments section within the article).
    fn furniture_inside(&self, id: NodeId) -> bool {
        self.furniture.is_some_and(|(_, inner)| inner > id)
    }
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
    /// A `name` attribute: on `<a>`, a named anchor.
    name: bool,
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
                "name" => a.name = true,
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
const LAYOUT: u8 = 4;
const SKIPPED: u8 = 8;
const ARTICLE: u8 = 16;

/// What tag, role or name say of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Furniture {
    No,
    /// Page furniture: walked, its prose weighed less.
    Weighed,
    /// Never the article (reader comments): skipped.
    Skipped,
}

impl<'a> FurnitureNames<'a> {
    fn words(&mut self, name: &'a str) -> u8 {
        if name.is_empty() {
            return 0;
        }
        *self.0.entry(name).or_insert_with(|| {
            let p = &*PATTERNS;
            let name = without_topics(name, &p.topic_name_prefixes);
            let name = name.as_ref();
            [
                (&p.negative_names, NEGATIVE),
                (&p.layout_names, LAYOUT),
                (&p.skipped_names, SKIPPED),
                (&p.article_names, ARTICLE),
            ]
            .into_iter()
            .filter(|(words, _)| words.is_match(name))
            .fold(0, |found, (_, bit)| found | bit)
        })
    }

    /// What class and id say of the element, and whether they name the
    /// article's own body (see `patterns/article_names.txt`).
    fn judge(&mut self, a: &Attrs<'a>) -> (Furniture, bool) {
        let found = self.words(a.class) | self.words(a.id);
        let article = found & ARTICLE != 0 || names_article_body(a.itemprop);
        // A furniture word outweighs a generic positive one ("widget Text",
        // "post sidebar-post"), not a layout wrapper's or the article body's.
        let furniture = if found & (LAYOUT | ARTICLE) != 0 || article {
            Furniture::No
        } else if found & SKIPPED != 0 {
            Furniture::Skipped
        } else if found & NEGATIVE != 0 {
            Furniture::Weighed
        } else {
            Furniture::No
        };
        (furniture, article)
    }
}

/// A class list without the names that give a post's topics
/// ("tag-social-media" says nothing of the element it is on).
fn without_topics<'a>(name: &'a str, prefixes: &[String]) -> std::borrow::Cow<'a, str> {
    let topic = |w: &str| {
        prefixes.iter().any(|p| {
            w.len() > p.len() && w.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
        })
    };
    if !name.split_ascii_whitespace().any(topic) {
        return name.into();
    }
    name.split_ascii_whitespace()
        .filter(|w| !topic(w))
        .collect::<Vec<_>>()
        .join(" ")
        .into()
}

/// Whether an `itemprop` (a list of words) says the element is the
/// article's body (Blogger: `itemprop="description articleBody"`).
fn names_article_body(itemprop: &str) -> bool {
    itemprop
        .split_ascii_whitespace()
        .any(|w| w == "articleBody")
}

/// Elements that are, by tag, role or name, page furniture; and whether
/// the element is named as the article's body.
fn furniture_of<'a>(
    el: &Element,
    a: &Attrs<'a>,
    names: &mut FurnitureNames<'a>,
) -> (Furniture, bool) {
    if el.is_any(TAGS.always_walked) {
        return (Furniture::No, false);
    }
    let (named, article) = names.judge(a);
    if named == Furniture::Skipped {
        return (named, article);
    }
    let by_role = matches!(
        a.role,
        "navigation" | "complementary" | "contentinfo" | "banner" | "dialog"
    );
    let furniture = if el.is_any(TAGS.furniture) || by_role {
        Furniture::Weighed
    } else {
        named
    };
    (furniture, article)
}

fn has_positive_name(el: &Element) -> bool {
    let a = Attrs::of(el);
    let positive = &PATTERNS.positive_names;
    el.name() == "article"
        || names_article_body(a.itemprop)
        || positive.is_match(a.class)
        || positive.is_match(a.id)
}

struct Walker {
    blocks: Vec<Block>,
    buf: String,
    link_chars: usize,
    stack: Vec<(NodeId, Kind)>,
    /// Open furniture elements, outermost first.
    furniture: Vec<NodeId>,
    /// Open `<header>`s of articles.
    headers: Vec<NodeId>,
    /// Open elements named as the article's body, each with how much of
    /// `furniture` was open around it: furniture outside the article's body
    /// does not weigh on the blocks inside.
    bodies: Vec<(NodeId, usize)>,
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
            let base = self.bodies.last().map_or(0, |(_, open)| *open);
            let furniture = &self.furniture[base.min(self.furniture.len())..];
            self.blocks.push(Block {
                text: text.to_string(),
                chars,
                link_chars: self.link_chars.min(chars),
                kind,
                chain: self.stack[from..].iter().map(|(id, _)| *id).collect(),
                furniture: furniture
                    .first()
                    .zip(furniture.last())
                    .map(|(o, i)| (*o, *i)),
                in_header: !self.headers.is_empty(),
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

/// How much a container's prose counts when it is, or lies inside, page
/// furniture by tag, role or name: a name is weak evidence against a block
/// that holds the prose (Blogger wraps every post in `widget Blog`, some
/// templates the article in a `share_wrapper`), so furniture is scored,
/// not skipped, and loses only to prose of the same strength outside it.
const FURNITURE_WEIGHT: f64 = 0.3;

/// A furniture-named element holding at least this share of the page's
/// text is not furniture.
const SKIP_GUARD_SHARE: f64 = 0.4;

/// What is visible of a page, by node id.
struct Visibility {
    /// Characters of visible text under each node (white space and hidden
    /// elements excluded).
    text_len: Vec<usize>,
}

/// One pass from the last node back, as a node's descendants follow it.
fn visibility(doc: &Tree) -> Visibility {
    let mut text_len = vec![0; doc.len()];
    for id in (1..doc.len()).rev() {
        match doc.node(id) {
            Node::Text(t) => text_len[id] = visible_chars(t),
            Node::Element(ref el) if is_hidden(el, &Attrs::of(el)) => text_len[id] = 0,
            _ => {}
        }
        if let Some(parent) = doc.parent(id) {
            text_len[parent] += text_len[id];
        }
    }
    Visibility { text_len }
}

/// Turns the page into blocks (step 1).
fn blocks(doc: &Tree) -> Vec<Block> {
    let mut w = Walker {
        blocks: Vec::new(),
        buf: String::new(),
        link_chars: 0,
        stack: Vec::new(),
        furniture: Vec::new(),
        headers: Vec::new(),
        bodies: Vec::new(),
    };
    let Visibility { text_len } = visibility(doc);
    let page_len = text_len.get(Tree::ROOT).copied().unwrap_or(0);
    let mut skipping: Option<NodeId> = None;
    let mut furniture_names = FurnitureNames::default();
    let (mut in_link, mut in_pre, mut in_article) = (0usize, 0usize, 0usize);
    // Whether the page's first `<h1>` has opened: a comments-named element
    // opened before the headline may wrap the article (see below).
    let mut seen_h1 = false;
    // Whether an element named as the article's body has been opened.
    let mut seen_body = false;
    let mut edges = doc.edges();
    while let Some(edge) = edges.next() {
        match edge {
            Edge::Open(id) => {
                match doc.node(id) {
                    Node::Element(ref el) => {
                        let attrs = Attrs::of(el);
                        let hidden = is_hidden(el, &attrs);
                        // A furniture name does not hide an element
                        // holding most of the page's text: wrappers are
                        // named "page-with-right-rail" too.
                        let holds_the_page = || {
                            let own = text_len.get(id).copied().unwrap_or(0);
                            own as f64 >= SKIP_GUARD_SHARE * page_len as f64
                        };
                        // An article's own `<header>` holds its headline
                        // and lead, not the site's masthead.
                        let article_header = in_article > 0 && el.name() == "header";
                        let (furniture, article_body) = if hidden || article_header {
                            (Furniture::No, false)
                        } else {
                            let (found, article_body) =
                                furniture_of(el, &attrs, &mut furniture_names);
                            let found = match found {
                                Furniture::No => Furniture::No,
                                // Reader comments come after the headline, or
                                // after the article's own body (a blog post
                                // titled by an <h3>); a comments-named element
                                // holding the page and opened before both
                                // wraps the article.
                                Furniture::Skipped if seen_h1 || seen_body => Furniture::Skipped,
                                _ if holds_the_page() => Furniture::No,
                                found => found,
                            };
                            (found, article_body)
                        };
                        // Furniture that holds blocks is walked, and
                        // weighed when containers are scored; inline
                        // furniture (a share link in a sentence) is not text.
                        let container = el.is_any(TAGS.block) || el.is_any(TAGS.furniture);
                        let skipped = match furniture {
                            Furniture::No => false,
                            Furniture::Weighed => !container,
                            Furniture::Skipped => true,
                        };
                        if hidden || skipped {
                            skipping = Some(id);
                            edges.skip_descendants();
                            continue;
                        }
                        if furniture == Furniture::Weighed {
                            w.flush();
                            w.furniture.push(id);
                        }
                        if article_header {
                            w.flush();
                            w.headers.push(id);
                        }
                        if article_body {
                            w.flush();
                            w.bodies.push((id, w.furniture.len()));
                            seen_body = true;
                        }
                        let name = el.name();
                        seen_h1 |= name == "h1";
                        if el.is_any(TAGS.article) {
                            in_article += 1;
                        }
                        // A named anchor (`<a name=top>`, often left open
                        // over the whole page) is not a link. (The tokenizer
                        // keeps no `href` on `<a>`: a named anchor with a
                        // target too is rare.)
                        if name == "a" && !attrs.name {
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
                    // The document holds what a page without `<body>`
                    // puts at the top level: it is a container too.
                    Node::Document => w.stack.push((id, Kind::Para)),
                }
            }
            Edge::Close(id) => {
                if skipping.take() == Some(id) {
                    continue;
                }
                if let Node::Element(ref el) = doc.node(id) {
                    let name = el.name();
                    if el.is_any(TAGS.article) {
                        in_article = in_article.saturating_sub(1);
                    }
                    if name == "a" && el.attr("name").is_none() {
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
                    if w.furniture.last() == Some(&id) {
                        w.flush();
                        w.furniture.pop();
                    }
                    if w.headers.last() == Some(&id) {
                        w.flush();
                        w.headers.pop();
                    }
                    if w.bodies.last().is_some_and(|(open, _)| *open == id) {
                        w.flush();
                        w.bodies.pop();
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
/// "breaking news" and "more stories" boxes with comma-rich text. A
/// bracketed cut ("... agreed to [...]"), which blogs put under each post
/// of an archive list, marks a teaser with or without a link.
fn is_teaser(b: &Block) -> bool {
    let t = b.text.trim_end();
    (b.link_chars > 0 && (t.ends_with('…') || t.ends_with("...")))
        || t.ends_with("[...]")
        || t.ends_with("[…]")
}

fn prose_score(b: &Block) -> f64 {
    let len = b.chars;
    if b.kind != Kind::Para || len < 25 || b.link_chars * 3 > len || is_teaser(b) {
        return 0.0;
    }
    1.0 + clause_commas(&b.text) as f64 + (len as f64 / 100.0).min(3.0)
}

/// See [`clause_commas`].
const CLAUSE_WORDS: usize = 3;

/// Commas that end a clause: those after at least [`CLAUSE_WORDS`] words
/// since the previous one. A list of names ("Ann Berg, Per Holm, ...") has
/// as many commas as prose ten times its length.
fn clause_commas(text: &str) -> usize {
    let mut commas = 0;
    for clause in text.split([',', '，', '、', '،']).rev().skip(1) {
        // Scripts without spaces between words (CJK): three characters
        // stand for a word.
        let wide = clause.chars().filter(|c| *c >= '\u{2E80}').count();
        let words = clause.split_whitespace().count().max(wide / 3);
        commas += usize::from(words >= CLAUSE_WORDS);
    }
    commas
}

/// Extracts the body of a page whose title is `title` (dropped if repeated).
pub fn extract_body(doc: &Tree, title: Option<&str>) -> HtmlBody {
    let blocks = blocks(doc);
    // Step 2: score containers.
    let mut score: FxHashMap<NodeId, f64> = FxHashMap::default();
    let mut parent: FxHashMap<NodeId, NodeId> = FxHashMap::default();
    // The prose of the blocks directly in each container.
    let mut direct: FxHashMap<NodeId, f64> = FxHashMap::default();
    // What each container holds at any depth, furniture inside it left out.
    let mut held: FxHashMap<NodeId, Held> = FxHashMap::default();
    for b in &blocks {
        let s = prose_score(b);
        for &id in &b.chain {
            if !b.furniture_inside(id) {
                let h = held.entry(id).or_default();
                h.prose += s;
                h.chars += b.chars;
                h.link_chars += b.link_chars;
            }
        }
        if s == 0.0 {
            continue;
        }
        let n = b.chain.len();
        // Prose in furniture counts, less, for the containers inside that
        // furniture, and not at all for those around it (a page is not its
        // sidebar's wrapper).
        let weighed = |id: NodeId, s: f64| match b.furniture {
            None => s,
            Some(_) if b.in_furniture(id) => s * FURNITURE_WEIGHT,
            Some(_) => 0.0,
        };
        if n >= 2 {
            let id = b.chain[n - 2];
            *direct.entry(id).or_default() += weighed(id, s);
        }
        for (level, weight) in [(2usize, 1.0), (3, 0.5), (4, 1.0 / 3.0)] {
            if n >= level {
                let id = b.chain[n - level];
                *score.entry(id).or_default() += weighed(id, s * weight);
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
            let (best, best_score) = climb(best, best_score, &parent, &held, &score);
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
    for b in &blocks {
        // The outermost chosen container holding the block: furniture
        // inside it (a share bar in the article) is left out.
        let holder = b.chain.iter().find(|id| chosen.contains(id));
        let inside = match holder {
            Some(&c) => !b.furniture_inside(c),
            None => chosen.is_empty() && b.furniture.is_none(),
        };
        if !inside {
            continue;
        }
        let m = matchable(&b.text);
        let len = b.chars;
        if b.kind == Kind::Caption || p.is_caption(&m) {
            out.captions.push(b.text.clone());
        } else if p.is_related(&m) {
            out.related.push(b.text.clone());
        } else if p.is_boilerplate(&m)
            || (b.kind != Kind::Heading && b.link_chars * 2 > len)
            // An article's header gives its lead to the body, not its
            // kicker, byline or date.
            || (b.in_header && (b.kind == Kind::Heading || !ends_like_prose(&b.text)))
        {
            out.stripped.push(b.text.clone());
        } else if b.kind == Kind::Heading
            && title_norm
                .as_deref()
                .is_some_and(|t| normalizes_to(&b.text, t))
        {
            // the headline repeated above the body
        } else if out.paragraphs.last() != Some(&b.text) {
            out.paragraphs.push(b.text.clone());
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
    if out.paragraphs.is_empty() {
        without_prose(&blocks, &mut out);
    }
    out
}

/// The body of a page without prose (a list of headlines, of links with a
/// line each, a page of ads): what step 3 would have left out for being
/// links or headings, outside page furniture, else anywhere on the page.
/// Boilerplate lines and captions stay out.
fn without_prose(blocks: &[Block], out: &mut HtmlBody) {
    let p = &*PATTERNS;
    for anywhere in [false, true] {
        for b in blocks {
            if (b.furniture.is_some() && !anywhere) || b.kind == Kind::Caption {
                continue;
            }
            let m = matchable(&b.text);
            if !p.is_boilerplate(&m) && !p.is_caption(&m) && out.paragraphs.last() != Some(&b.text)
            {
                out.paragraphs.push(b.text.clone());
            }
        }
        if !out.paragraphs.is_empty() {
            break;
        }
    }
    out.stripped.retain(|t| !out.paragraphs.contains(t));
    out.related.retain(|t| !out.paragraphs.contains(t));
}

/// What a container holds at any depth.
#[derive(Default, Clone, Copy)]
struct Held {
    /// The prose score of its blocks.
    prose: f64,
    chars: usize,
    link_chars: usize,
}

/// An ancestor is the article when it holds this many times the prose of
/// the best container (the siblings hold twice as much again: steps,
/// sections; not a lead box or a sidebar beside a long article)...
const CLIMB_GAIN: f64 = 3.0;
/// ...and at most this share of what it adds is link text (a menu, a
/// list of other articles).
const CLIMB_LINKS: f64 = 0.2;

/// An article split across sibling containers (steps, sections, columns,
/// table rows) is their common parent: from the best container, go up
/// while an ancestor holds much more prose than it, and what that adds is
/// not mostly links. Wrappers that add no prose are passed through.
fn climb(
    mut best: NodeId,
    mut best_score: f64,
    parent: &FxHashMap<NodeId, NodeId>,
    held: &FxHashMap<NodeId, Held>,
    score: &FxHashMap<NodeId, f64>,
) -> (NodeId, f64) {
    let none = Held::default();
    let mut own = *held.get(&best).unwrap_or(&none);
    let mut probe = best;
    while let Some(&up) = parent.get(&probe) {
        probe = up;
        let all = *held.get(&up).unwrap_or(&none);
        if all.prose <= own.prose * 1.000_001 {
            continue;
        }
        let added_chars = all.chars.saturating_sub(own.chars);
        let added_links = all.link_chars.saturating_sub(own.link_chars);
        if all.prose < own.prose * CLIMB_GAIN
            || added_links as f64 > CLIMB_LINKS * added_chars as f64
        {
            break;
        }
        best = up;
        own = all;
        best_score = best_score.max(score.get(&up).copied().unwrap_or(0.0));
    }
    (best, best_score)
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
    fn an_archive_of_cut_posts_does_not_outscore_the_article() {
        let teaser = "<li><h3>Port strike ends after talks</h3><p>Dockers, who walked out last week over pay, pensions and shifts, returned to work on Monday after the union and the port authority agreed to [...]</p></li>";
        let page = format!(
            r#"<html><body><div class="story-text">{STORY}</div><ul class="archive">{}</ul></body></html>"#,
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
    fn a_furniture_name_around_the_article_does_not_hide_it() {
        // Most of the page's text is a directory of links.
        let directory =
            r#"<li><a href="/d">Harbour office Lund, opening hours</a></li>"#.repeat(40);
        for (open, close) in [
            (
                r#"<div id="Blog1" class="widget Blog"><div class="post-outer">"#,
                "</div></div>",
            ),
            (
                r#"<div class="share_wrapper"><div class="article">"#,
                "</div></div>",
            ),
            (
                r#"<div class="elementor-widget-text-editor"><div>"#,
                "</div></div>",
            ),
            (
                r#"<div class="Layout--Ads"><div class="inner">"#,
                "</div></div>",
            ),
            (
                r#"<div id="sharing-buttons-wrap"><div class="inner">"#,
                "</div></div>",
            ),
            (
                r#"<div id="nav_main_block"><div class="inner">"#,
                "</div></div>",
            ),
            ("<aside><div>", "</div></aside>"),
        ] {
            let page = format!(
                r#"<html><body><div class="nav-links"><a href="/">Home</a> <a href="/n">News</a></div>
                {open}{STORY}<div class="comments"><p>First, what a lovely pier it was, back when I was young, and the ferries ran on time.</p></div>{close}
                <div class="sidebar"><p>Weather: sunny spells, with showers later, and winds from the west.</p></div>
                <ul class="directory">{directory}</ul></body></html>"#
            );
            let b = extract_body(&Tree::parse(&page), None);
            assert_eq!(b.paragraphs.len(), 2, "{open}: {:?}", b.paragraphs);
            assert!(
                b.paragraphs[0].starts_with("The council voted"),
                "{open}: {:?}",
                b.paragraphs
            );
        }
    }

    #[test]
    fn an_anchor_left_open_is_not_a_link() {
        // `<a name=top>` never closed: everything after it sits inside it.
        let page = format!(
            r#"<html><body><a name="top"><h1>Harbour news</h1><div class="story">{STORY}</div>
            <div class="links"><a href="/a">Home</a> <a href="/b">News</a></div></body></html>"#
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn paragraphs_at_the_top_level_of_a_page_without_body_are_read() {
        // No `<html>` or `<body>`: the paragraphs sit in the document itself,
        // after a small box that has a container of its own.
        let paras: String = (1..=8)
            .map(|i| format!("<p>Paragraph {i}: the council of Veldmark voted to reopen the old ferry terminal, after a year of delays, protests and rising costs.</p>\n"))
            .collect();
        let page = format!(
            "<title>Veldmark</title><div><p>Harbour office: Quay Street 12, Veldmark, open Monday to Friday, nine to five, closed on holidays.</p></div>\n{paras}"
        );
        let b = extract_body(&Tree::parse(&page), None);
        let kept = b
            .paragraphs
            .iter()
            .filter(|p| p.starts_with("Paragraph"))
            .count();
        assert_eq!(kept, 8, "{:?}", b.paragraphs);
    }

    #[test]
    fn an_article_split_across_sibling_containers_is_read_whole() {
        let step = |i: usize, text: &str| {
            format!(
                r#"<div class="step"><h3>Step {i}</h3><div class="step-body"><div class="step-text"><p>{text}</p></div></div></div>"#
            )
        };
        let section = |text: &str| {
            format!("<section><div class=\"wrap\"><div class=\"inner\"><p>{text}</p></div></div></section>")
        };
        let texts = [
            "Take the ferry from Oskar harbour, which leaves at nine, and buy your ticket on board, in cash or by card.",
            "At Lund, walk up from the pier, past the fish market and the old customs house, to the square.",
            "From the square, follow the signs to the lighthouse, a walk of about an hour, with views of the islands.",
            "Come back by the last ferry, at six, or stay the night at the inn by the pier, which has rooms.",
        ];
        let steps: String = texts
            .iter()
            .enumerate()
            .map(|(i, t)| step(i + 1, t))
            .collect();
        let sections: String = texts.iter().map(|t| section(t)).collect();
        for layout in [
            format!(r#"<div class="steps">{steps}</div>"#),
            format!("<main>{sections}</main>"),
        ] {
            let page = format!(
                r#"<html><body><div class="top"><a href="/">Home</a></div>{layout}<div class="end"><a href="/a">About</a></div></body></html>"#
            );
            let b = extract_body(&Tree::parse(&page), None);
            let kept = b.paragraphs.join("\n");
            for t in texts {
                assert!(kept.contains(t), "{t} missing from {kept}");
            }
        }
    }

    #[test]
    fn the_lead_in_the_article_header_and_the_subheadings_are_kept() {
        let page = r#"<html><body><header><a href="/">Harbour Times</a></header><article><header><h1>Terminal to reopen</h1>
            <p class="standfirst">Veldmark's old ferry terminal is to reopen next year, the council decided.</p></header>
            <div class="article-body"><div class="para"><p>The council voted on Tuesday to reopen the old ferry terminal, after a year of delays, protests, court cases, petitions and rising costs, by nine votes to four.</p></div>
            <h2>Work in May</h2><div class="para"><p>Work on the pier is to start in May, the harbour master said.</p></div>
            <ul><li>The first ferry line, to Oskar, returns in June.</li><li>The second, to Lund, in August.</li></ul></div></article></body></html>"#;
        let b = extract_body(&Tree::parse(page), Some("Terminal to reopen"));
        let kept = b.paragraphs.join("\n");
        for part in [
            "old ferry terminal is to reopen next year",
            "Work in May",
            "Work on the pier",
            "to Lund, in August",
        ] {
            assert!(kept.contains(part), "{part} missing from {kept}");
        }
    }

    #[test]
    fn a_comma_rich_list_of_names_does_not_beat_a_short_post() {
        let names = "Ann Berg, Per Holm, Eva Lund, Ola Sand, Kari Dahl, Jon Vik, ".repeat(12);
        let page = format!(
            r#"<html><body><div class="post">{STORY}</div>
            <table class="signatories"><tr><td><p>Signed: {names}and others.</p></td></tr></table></body></html>"#
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn prose_without_spaces_between_words_is_kept() {
        let page = "<html><body><div class=\"entry\"><p>市議会は火曜日、遅延と費用の高騰が続いた旧フェリーターミナルの再開を決めた。</p>\
            <p>冬の嵐で壊れた桟橋の工事は五月に始まると港長は述べた。</p></div></body></html>";
        let b = extract_body(&Tree::parse(page), None);
        assert_eq!(b.paragraphs.len(), 2, "{:?}", b.paragraphs);
    }

    #[test]
    fn a_post_in_a_widget_wrapper_beats_the_sidebar_widgets_beside_it() {
        // Blogger-like: every part of the page is a "widget", the post one
        // too; the post's own body is named as such, the profile is not.
        let bio = "I write about boats, harbours, and the people who keep them running, from my home on the coast, where I also teach sailing, paint, and cook. ".repeat(2);
        let page = format!(
            r#"<html><body><div class="main section"><div class="widget Blog"><div class="post hentry">
            <h3 class="post-title">Terminal to reopen</h3>
            <div class="post-body entry-content" itemprop="description articleBody"><div>{STORY}</div></div>
            </div></div></div>
            <div class="sidebar section"><div class="widget Profile"><dl class="profile-datablock"><dd>{bio}</dd></dl></div>
            <div class="widget Text"><div class="widget-content">{bio}</div></div></div></body></html>"#
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn a_comments_section_holding_most_of_the_page_is_not_the_article() {
        let comment = "<dt>Reader</dt><dd><p>Well, I think the council, as usual, waited far too long, and the costs show it, sadly.</p></dd>";
        let page = format!(
            r#"<html><body><h1>Terminal to reopen</h1><div class="content">{STORY}</div>
            <div class="comments"><h3>Comments</h3><dl>{}</dl></div></body></html>"#,
            comment.repeat(30)
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn a_comment_thread_after_a_short_post_titled_below_h1_is_not_the_article() {
        // Blogger: the post's title is an <h3>, no <h1> on the page, the
        // post short (a video and two sentences), its comments long. The
        // comments come after the post's own body, so they are comments
        // even though they hold most of the page.
        let comment = "<dt class='comment-author'>Reader said...</dt><dd class='comment-body'><p>Well, I think the council, as usual, waited far too long, and the costs show it, sadly.</p></dd>";
        let page = format!(
            r#"<html><body><div class="main section"><div class="widget Blog"><div class="post hentry">
            <h3 class="post-title">Terminal to reopen</h3>
            <div class="post-body entry-content"><iframe src="https://video.example/1"></iframe>{STORY}</div>
            <div class="comments" id="comments"><h4>30 comments:</h4><dl id="comments-block">{}</dl></div>
            </div></div></div></body></html>"#,
            comment.repeat(30)
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn a_comma_rich_copyright_or_disclaimer_notice_is_not_the_article() {
        // A news story in short plain sentences, and one long notice with a
        // comma after every few words.
        let story = [
            "The ferry to Lund ran again on Monday after a week of storms.",
            "It was the first crossing since the harbour closed last week.",
            "Crews had worked through the night to clear the ramp.",
            "A queue of cars stood at the gate before dawn.",
            "The first boat left Oskar harbour at six in the morning.",
            "Most of the passengers were commuters on their way to work.",
            "The operator said the timetable is back to normal from today.",
            "Repairs to the pier in Lund will take another month.",
        ];
        let legal = "Coastal Times is the official site of the Coastal League. The league, the shield, the word mark and image of the cup, the harbour name and logo, the club names and logos, and the trophy name are registered trademarks, and all rights are reserved by their owners, as the case may be.";
        let paras: String = story.iter().map(|p| format!("<p>{p}</p>")).collect();
        for name in [r#"id="copyright""#, r#"class="site-disclaimer""#] {
            let page = format!(
                r#"<html><body><div class="story">{paras}</div><div {name}>{legal}</div></body></html>"#
            );
            let b = extract_body(&Tree::parse(&page), None);
            assert_eq!(b.paragraphs, story, "{name}");
        }
    }

    #[test]
    fn a_post_s_topic_classes_do_not_make_it_furniture() {
        // WordPress names each post by its categories and tags.
        let page = format!(
            r#"<html><body><div class="post-12 post type-post hentry category-social-media tag-promotion tag-sidebar">
            <div class="entry">{STORY}</div></div>
            <div class="box"><p>Our shop in the old harbour building is open every day from nine in the morning to five in the afternoon, except on Sundays and on the first Monday of the month.</p>
            <p>Orders placed on our web site before noon are sent out the same day, and we take back anything you do not want within a month of the day you bought it from us.</p></div></body></html>"#
        );
        assert_reads_only_the_story(&page);
    }

    #[test]
    fn a_page_without_prose_still_has_a_body() {
        // Headlines and sponsored links, each a link or a short line: no
        // prose, but the page's text is there.
        let page = r#"<html><body><nav><a href="/">Home</a> | <a href="/a">About</a></nav>
            <div class="list"><p><a href="/1">Harbour fair opens on the pier</a> (Lund)</p>
            <p><a href="/2">Ten ways to set a table by the sea</a> (Oskar)</p>
            <p><a href="/3">Sailing lessons for all ages</a> free</p></div>
            <footer>© 2026 The Coastal Times. All rights reserved.</footer></body></html>"#;
        let b = extract_body(&Tree::parse(page), None);
        let kept = b.paragraphs.join("\n");
        assert!(kept.contains("Harbour fair opens on the pier"), "{kept}");
        assert!(kept.contains("Ten ways to set a table"), "{kept}");
        assert!(!kept.contains("Home"), "{kept}");
        assert!(!kept.contains("All rights reserved"), "{kept}");
        assert!(b.stripped.iter().all(|t| !b.paragraphs.contains(t)));
    }
}

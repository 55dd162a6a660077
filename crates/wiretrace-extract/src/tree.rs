//! The page as a tree of elements and text, built from the tokenizer's tokens.
//!
//! A tree for reading a page, not a browser's DOM, built by the HTML5
//! tree-construction rules wherever they decide where text lands: the
//! insertion modes (`<html>`, `<head>` and `<body>` made when the markup
//! leaves them out, a head closed by the first body content), the table
//! modes with foster parenting (text and elements misplaced in a table go
//! before it), the active formatting elements (re-opened in the next block,
//! misnested ones untangled by the adoption agency), select and frameset.
//! `<template>` is read as an ordinary element; scripts, styles, comments,
//! SVG and MathML never reach the tree (see `tokenizer.rs`).
//! `examples/html5lib_text.rs` checks the text placement against the
//! html5lib-tests suite.
//!
//! Nodes are stored in document order, each with the index just past its
//! last descendant, so a subtree is a range and a walk needs no recursion.
//! Scope searches look at most [`SCOPE_LIMIT`] elements up the stack, so a
//! page's cost is linear in its size whatever its nesting.
//!
//! Memory per byte of input: a node costs 28 bytes in the tree and 20 more
//! while it is built (its links, dropped once the tree is laid out); text and
//! attribute values take at most about the page's size again in the arena.
//! Formatting elements re-opened without markup of their own are made only
//! while the tree has fewer nodes than half the page's bytes, so crafted
//! markup cannot multiply nodes; plain markup makes at most about one node
//! per two bytes (`<a>x`), a page of `<p>` one per three. So a 15 MB page
//! of `<p>` (5 million nodes) makes a tree of 140 MB, 9.3 bytes per input
//! byte (16 while building); `wiretrace extract` peaks at 435 MiB on it
//! (max RSS; 473 MiB with the tree before this one).

use std::sync::LazyLock;

use crate::tokenizer::{tokenize, TokenSink};

pub type NodeId = usize;

/// How far up the open elements a scope search looks (real pages nest under
/// a hundred deep; only crafted ones go further).
pub const SCOPE_LIMIT: usize = 512;

/// How much of a page is read: node and text positions are 32-bit
/// (extraction refuses a longer page with that reason, see `lib.rs`).
pub const MAX_PAGE_BYTES: usize = 1 << 30;

/// An element of a [`Tree`]: a cheap handle to read it by.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    tree: &'a Tree,
    tag: Tag,
    name: Range,
    attributes: (u32, u32),
}

impl<'a> Element<'a> {
    pub fn name(&self) -> &'a str {
        match self.tag {
            Tag::OTHER => self.tree.arena(self.name),
            Tag(i) => TAGS[i as usize],
        }
    }

    /// The element's tag by number ([`Tag::OTHER`] for unknown names).
    pub fn tag(&self) -> Tag {
        self.tag
    }

    pub fn is_any(&self, set: TagSet) -> bool {
        set.contains(self.tag)
    }

    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.attrs().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The attributes the extractor reads, values decoded.
    pub fn attrs(&self) -> impl Iterator<Item = (&'static str, &'a str)> {
        let tree = self.tree;
        tree.attributes[self.attributes.0 as usize..self.attributes.1 as usize]
            .iter()
            .map(move |a| (a.name, tree.arena(a.value)))
    }

    /// Whether the class attribute lists `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
    }
}

/// A node of a [`Tree`], as read.
#[derive(Debug, Clone, Copy)]
pub enum Node<'a> {
    Document,
    Element(Element<'a>),
    Text(&'a str),
}

/// A stretch of the tree's arena.
#[derive(Debug, Clone, Copy, Default)]
struct Range {
    start: u32,
    end: u32,
}

impl Range {
    fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A node as stored: text and attribute values live in the tree's arena, so
/// a node costs no allocation of its own.
#[derive(Debug, Clone, Copy)]
enum Data {
    Document,
    Element {
        tag: Tag,
        /// The name, for a tag not in [`TAGS`].
        name: Range,
        /// Its attributes in `Tree::attributes`.
        attributes: (u32, u32),
    },
    Text(Range),
}

#[derive(Debug, Clone, Copy)]
struct Attribute {
    name: &'static str,
    value: Range,
}

#[derive(Debug, Clone)]
struct Slot {
    data: Data,
    parent: u32,
    /// Just past the last descendant.
    end: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Open(NodeId),
    Close(NodeId),
}

#[derive(Debug, Clone, Default)]
pub struct Tree {
    slots: Vec<Slot>,
    attributes: Vec<Attribute>,
    arena: String,
    max_depth: usize,
}

impl Tree {
    /// Builds the tree of `page`. Scripts (but JSON-LD), styles, comments,
    /// SVG and MathML are left out, and each element keeps only the
    /// attributes the extractor reads.
    pub fn parse(page: &str) -> Tree {
        let mut cut = page.len().min(MAX_PAGE_BYTES);
        while !page.is_char_boundary(cut) {
            cut -= 1;
        }
        let page = &page[..cut];
        let mut b = Builder::new(page.len());
        tokenize(page, &mut b);
        b.finish()
    }

    pub const ROOT: NodeId = 0;

    /// How many nodes the tree holds (the document node included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.len() <= 1
    }

    fn arena(&self, r: Range) -> &str {
        &self.arena[r.start as usize..r.end as usize]
    }

    pub fn node(&self, id: NodeId) -> Node<'_> {
        match self.slots[id].data {
            Data::Document => Node::Document,
            Data::Text(r) => Node::Text(self.arena(r)),
            Data::Element {
                tag,
                name,
                attributes,
            } => Node::Element(Element {
                tree: self,
                tag,
                name,
                attributes,
            }),
        }
    }

    pub fn element(&self, id: NodeId) -> Option<Element<'_>> {
        match self.node(id) {
            Node::Element(e) => Some(e),
            _ => None,
        }
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        (id != Self::ROOT).then(|| self.slots[id].parent as NodeId)
    }

    /// How deeply elements nest.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Every node in document order, opened and closed.
    pub fn edges(&self) -> Edges<'_> {
        Edges {
            tree: self,
            next: 0,
            open: Vec::new(),
        }
    }

    /// Every element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = (NodeId, Element<'_>)> {
        (0..self.slots.len()).filter_map(|id| self.element(id).map(|e| (id, e)))
    }

    /// The text under `id`, in document order.
    pub fn text_of(&self, id: NodeId) -> String {
        let mut out = String::new();
        for slot in &self.slots[id..self.slots[id].end as usize] {
            if let Data::Text(r) = slot.data {
                out.push_str(self.arena(r));
            }
        }
        out
    }
}

/// A walk over the tree: each node opened, then its descendants, then closed.
pub struct Edges<'a> {
    tree: &'a Tree,
    next: NodeId,
    open: Vec<NodeId>,
}

impl Edges<'_> {
    /// Goes past what the node just opened holds: its close comes next.
    pub fn skip_descendants(&mut self) {
        if let Some(&top) = self.open.last() {
            self.next = self.tree.slots[top].end as usize;
        }
    }
}

impl Iterator for Edges<'_> {
    type Item = Edge;

    fn next(&mut self) -> Option<Edge> {
        if let Some(&top) = self.open.last() {
            if self.tree.slots[top].end as usize == self.next {
                self.open.pop();
                return Some(Edge::Close(top));
            }
        }
        let id = self.next;
        (id < self.tree.slots.len()).then(|| {
            self.open.push(id);
            self.next += 1;
            Edge::Open(id)
        })
    }
}

/// Elements with no content and no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "basefont", "bgsound", "frame",
];

/// Start tags that close an open `<p>`.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "dd",
    "dt",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "plaintext",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
    "xmp",
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Elements that bound a scope search: what is open outside them is not
/// closed by what happens inside.
/// The button and list-item scopes are this one and `button`, `ol`/`ul`.
const SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
];
/// The row scope is this one and `tr`.
const TABLE_SCOPE: &[&str] = &["html", "table", "template"];

/// Elements that an end tag for some other element does not close through:
/// `</span>` with a `<div>` open above its `<span>` is ignored.
const SPECIAL: &[&str] = &[
    "address",
    "applet",
    "area",
    "article",
    "aside",
    "base",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "iframe",
    "img",
    "input",
    "li",
    "link",
    "listing",
    "main",
    "marquee",
    "menu",
    "meta",
    "nav",
    "noscript",
    "object",
    "ol",
    "p",
    "pre",
    "script",
    "search",
    "section",
    "select",
    "style",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    "xmp",
];

/// Tag names the tree knows by number (at most 127): every name a rule or a set here mentions, and common inline
/// ones, so that most elements need no allocation for their name.
const TAGS: &[&str] = &[
    "a",
    "big",
    "nobr",
    "strike",
    "tt",
    "rb",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "image",
    "abbr",
    "address",
    "amp-img",
    "applet",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "basefont",
    "bgsound",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "keygen",
    "label",
    "li",
    "link",
    "listing",
    "main",
    "mark",
    "marquee",
    "math",
    "menu",
    "meta",
    "nav",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "picture",
    "plaintext",
    "pre",
    "q",
    "s",
    "script",
    "search",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "u",
    "ul",
    "video",
    "wbr",
    "xmp",
];

/// A tag name by number: its index in [`TAGS`], or [`Tag::OTHER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag(u8);

impl Tag {
    pub const OTHER: Tag = Tag(u8::MAX);

    pub fn of(name: &str) -> Tag {
        // Keyed by the name's bytes as one number: no string compare.
        static BY_NAME: LazyLock<rustc_hash::FxHashMap<u128, Tag>> = LazyLock::new(|| {
            TAGS.iter()
                .enumerate()
                .map(|(i, name)| (Tag::key(name).expect("known tags are short"), Tag(i as u8)))
                .collect()
        });
        Tag::key(name)
            .and_then(|k| BY_NAME.get(&k).copied())
            .unwrap_or(Tag::OTHER)
    }

    /// A name of up to 15 bytes as a number (its length in the top byte).
    fn key(name: &str) -> Option<u128> {
        let b = name.as_bytes();
        (b.len() < 16).then(|| {
            let mut bytes = [0u8; 16];
            bytes[..b.len()].copy_from_slice(b);
            bytes[15] = b.len() as u8;
            u128::from_le_bytes(bytes)
        })
    }
}

/// A set of known tags, tested in one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagSet(u128);

impl TagSet {
    /// The set of `names`, each of which must be in [`TAGS`].
    pub fn of(names: &[&str]) -> TagSet {
        let mut bits = 0u128;
        for name in names {
            let Tag(i) = Tag::of(name);
            assert!(i != Tag::OTHER.0, "tag {name:?} is not in TAGS");
            bits |= 1 << i;
        }
        TagSet(bits)
    }

    fn one(tag: Tag) -> TagSet {
        TagSet(if tag == Tag::OTHER { 0 } else { 1 << tag.0 })
    }

    /// The tags of both sets.
    pub fn union(self, other: TagSet) -> TagSet {
        TagSet(self.0 | other.0)
    }

    /// The tags of this set not in `other`.
    pub fn without(self, other: TagSet) -> TagSet {
        TagSet(self.0 & !other.0)
    }

    pub fn contains(self, tag: Tag) -> bool {
        tag != Tag::OTHER && self.0 >> tag.0 & 1 == 1
    }
}

/// The tree-construction rules' sets, as [`TagSet`]s.
struct Sets {
    void: TagSet,
    closes_p: TagSet,
    headings: TagSet,
    scope: TagSet,
    button_scope: TagSet,
    list_item_scope: TagSet,
    table_scope: TagSet,
    special: TagSet,
    p: TagSet,
    dd_dt: TagSet,
    td_th: TagSet,
    table_sections: TagSet,
    option: TagSet,
    optgroup: TagSet,
    select: TagSet,
    table: TagSet,
    caption: TagSet,
    tr: TagSet,
    ruby: TagSet,
    body: TagSet,
    /// Where text in a table is foster-parented from.
    foster_targets: TagSet,
    implied_end: TagSet,
    /// What goes in the head wherever it appears.
    head_content: TagSet,
    table_parts: TagSet,
    table_context: TagSet,
    table_body_context: TagSet,
    row_context: TagSet,
    /// Formatting elements but `<a>` and `<nobr>`, handled on their own.
    formatting: TagSet,
    /// End tags that close a block in scope.
    block_end: TagSet,
    /// Start tags among [`CLOSES_P`] that do more than close a `<p>`.
    body_special_start: TagSet,
    address_div_p: TagSet,
    select_in_table_exits: TagSet,
    p_tag: Tag,
    table_tag: Tag,
    template_tag: Tag,
    head_tag: Tag,
    body_tag: Tag,
    frameset_tag: Tag,
}

/// Start tags among [`CLOSES_P`] that do more than close a `<p>`.
fn body_special_start() -> TagSet {
    TagSet::of(HEADINGS).union(TagSet::of(&[
        "pre",
        "listing",
        "form",
        "li",
        "dd",
        "dt",
        "plaintext",
        "table",
        "hr",
        "xmp",
    ]))
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    void: TagSet::of(VOID),
    closes_p: TagSet::of(CLOSES_P),
    headings: TagSet::of(HEADINGS),
    scope: TagSet::of(SCOPE),
    button_scope: TagSet::of(SCOPE).union(TagSet::of(&["button"])),
    list_item_scope: TagSet::of(SCOPE).union(TagSet::of(&["ol", "ul"])),
    table_scope: TagSet::of(TABLE_SCOPE),
    special: TagSet::of(SPECIAL),
    p: TagSet::of(&["p"]),
    dd_dt: TagSet::of(&["dd", "dt"]),
    td_th: TagSet::of(&["td", "th"]),
    table_sections: TagSet::of(&["thead", "tbody", "tfoot"]),
    option: TagSet::of(&["option"]),
    optgroup: TagSet::of(&["optgroup"]),
    select: TagSet::of(&["select"]),
    table: TagSet::of(&["table"]),
    caption: TagSet::of(&["caption"]),
    tr: TagSet::of(&["tr"]),
    ruby: TagSet::of(&["ruby"]),
    body: TagSet::of(&["body"]),
    foster_targets: TagSet::of(&["table", "tbody", "tfoot", "thead", "tr"]),
    implied_end: TagSet::of(&[
        "dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc",
    ]),
    head_content: TagSet::of(&[
        "base", "basefont", "bgsound", "link", "meta", "noframes", "script", "style", "template",
        "title",
    ]),
    table_parts: TagSet::of(&[
        "caption", "col", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr",
    ]),
    table_context: TagSet::of(&["table", "template", "html"]),
    table_body_context: TagSet::of(&["tbody", "tfoot", "thead", "template", "html"]),
    row_context: TagSet::of(&["tr", "template", "html"]),
    formatting: TagSet::of(&[
        "b", "big", "code", "em", "font", "i", "s", "small", "strike", "strong", "tt", "u",
    ]),
    // The blocks a start tag of which only closes a `<p>`, and `<button>`,
    // `<listing>`, `<pre>`.
    block_end: TagSet::of(CLOSES_P)
        .without(body_special_start())
        .without(TagSet::of(&["p"]))
        .union(TagSet::of(&["button", "listing", "pre"])),
    body_special_start: body_special_start(),
    address_div_p: TagSet::of(&["address", "div", "p"]),
    select_in_table_exits: TagSet::of(&[
        "caption", "table", "tbody", "tfoot", "thead", "tr", "td", "th",
    ]),
    p_tag: Tag::of("p"),
    table_tag: Tag::of("table"),
    template_tag: Tag::of("template"),
    head_tag: Tag::of("head"),
    body_tag: Tag::of("body"),
    frameset_tag: Tag::of("frameset"),
});

/// Windows-1252's characters for C1 control codes, which pages mean when
/// they write `&#146;` (HTML5 parsers map them the same way).
fn windows_1252(c: char) -> char {
    const C1: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match c as u32 {
        n @ 0x80..=0x9f => C1[(n - 0x80) as usize],
        _ => c,
    }
}

/// The named references HTML5 reads without their semicolon (old pages
/// write `&nbsp` and `&copy 2009`).
const LEGACY_REFERENCES: &[&str] = &[
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
    "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT",
    "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN",
    "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig", "agrave",
    "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy", "curren", "deg",
    "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro",
    "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash",
    "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1",
    "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc", "ugrave", "uml", "uuml",
    "yacute", "yen", "yuml",
];

/// `raw` with what the reference decoder would leave as it is written the
/// way HTML5 reads it: numeric references decoded (with or without their
/// semicolon; NUL, surrogates and numbers past Unicode as U+FFFD) and the
/// semicolon of a legacy named reference added. `None` when nothing changes.
fn complete_references(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    for amp in memchr::memchr_iter(b'&', b) {
        if amp < copied {
            continue;
        }
        let mut i = amp + 1;
        let replacement = if b.get(i) == Some(&b'#') {
            i += 1;
            let hex = matches!(b.get(i), Some(b'x' | b'X'));
            if hex {
                i += 1;
            }
            let digits = i;
            let mut code: u32 = 0;
            while let Some(&c) = b.get(i) {
                let d = match (c as char).to_digit(if hex { 16 } else { 10 }) {
                    Some(d) => d,
                    None => break,
                };
                code = code
                    .saturating_mul(if hex { 16 } else { 10 })
                    .saturating_add(d);
                i += 1;
            }
            if i == digits {
                continue;
            }
            if b.get(i) == Some(&b';') {
                i += 1;
            }
            let c = match code {
                0 | 0xD800..=0xDFFF => '\u{FFFD}',
                _ => char::from_u32(code).unwrap_or('\u{FFFD}'),
            };
            if c == '&' {
                "&amp;".to_string()
            } else {
                c.to_string()
            }
        } else {
            while b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                i += 1;
            }
            let name = &raw[amp + 1..i];
            if matches!(b.get(i), Some(b';' | b'=')) || !LEGACY_REFERENCES.contains(&name) {
                continue;
            }
            format!("&{name};")
        };
        let o = out.get_or_insert_with(|| String::with_capacity(raw.len() + 8));
        o.push_str(&raw[copied..amp]);
        o.push_str(&replacement);
        copied = i;
    }
    let mut o = out?;
    o.push_str(&raw[copied..]);
    Some(o)
}

/// Appends `raw` to `out` with its character references decoded and NULs
/// dropped.
fn push_decoded(out: &mut String, raw: &str) {
    let b = raw.as_bytes();
    // Most strings are short class names and words: a plain loop beats
    // memchr's set-up on them.
    let plain = if b.len() < 64 {
        !b.iter().any(|&x| x == b'&' || x == 0)
    } else {
        memchr::memchr2(b'&', 0, b).is_none()
    };
    if plain {
        out.push_str(raw);
        return;
    }
    let start = out.len();
    match complete_references(raw) {
        Some(completed) => html_escape::decode_html_entities_to_string(&completed, out),
        None => html_escape::decode_html_entities_to_string(raw, out),
    };
    let added = &out.as_bytes()[start..];
    let c1 = memchr::memchr_iter(0xC2, added)
        .any(|i| added.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)));
    if c1 || added.contains(&0) {
        let fixed: String = out[start..]
            .chars()
            .filter(|c| *c != '\0')
            .map(windows_1252)
            .collect();
        out.truncate(start);
        out.push_str(&fixed);
    }
}

/// No node: the end of a sibling or child chain.
const NONE: u32 = u32::MAX;
/// An entry of the active formatting elements that is a marker.
const MARKER: u32 = u32::MAX;
/// How many active formatting elements are kept after the last marker: real
/// pages leave a handful open, and the list is scanned on every formatting
/// tag, so a crafted page of thousands would cost quadratic time.
const ACTIVE_LIMIT: usize = 64;

/// A node's links while the tree is built (its data and parent are in its
/// [`Slot`]): foster parenting and the adoption agency insert and move nodes
/// anywhere.
#[derive(Debug, Clone)]
struct Links {
    first: u32,
    last: u32,
    next: u32,
    prev: u32,
    on_stack: bool,
}

/// The HTML5 insertion modes (`in template` is read as `in body`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Initial,
    BeforeHead,
    InHead,
    AfterHead,
    InBody,
    InTable,
    InTableText,
    InCaption,
    InColumnGroup,
    InTableBody,
    InRow,
    InCell,
    InSelect,
    InSelectInTable,
    AfterBody,
    InFrameset,
    AfterFrameset,
}

#[derive(Debug, Clone, Copy)]
enum Tok<'a> {
    Start {
        tag: Tag,
        name: &'a str,
        attrs: &'a [(&'static str, &'a str)],
    },
    End {
        tag: Tag,
        name: &'a str,
    },
    /// Text, character references undecoded.
    Text(&'a str),
    Eof,
}

fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// Splits text into its leading whitespace and the rest.
fn split_space(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(|b| is_html_space(*b)).count();
    s.split_at(n)
}

/// Where a node goes: appended to `.0`, or before `.1` in it.
#[derive(Debug, Clone, Copy)]
struct Place(u32, u32);

struct Builder {
    /// The nodes in the order they were made (document order, unless some
    /// were put before others or moved).
    slots: Vec<Slot>,
    nodes: Vec<Links>,
    attributes: Vec<Attribute>,
    arena: String,
    max_depth: usize,
    /// Nodes a crafted page may still make without bytes of its own
    /// (formatting elements re-opened): the tree's size stays linear in the
    /// page's.
    budget: usize,
    /// Open elements, outermost first.
    open: Vec<(u32, Tag)>,
    /// Active formatting elements and [`MARKER`]s.
    active: Vec<u32>,
    mode: Mode,
    /// The mode to go back to after text-only content or table text.
    original: Mode,
    /// Inside a raw-text element the tokenizer hands on whole.
    in_raw: bool,
    /// A newline right after `<pre>`, `<listing>` or `<textarea>` is not
    /// text.
    skip_newline: bool,
    head: u32,
    form: u32,
    frameset_ok: bool,
    foster: bool,
    /// Table text seen but not yet placed, and whether any of it is not
    /// whitespace.
    pending: Option<Range>,
    pending_text: bool,
}

fn any(tag: Tag, set: TagSet) -> bool {
    set.contains(tag)
}

impl Builder {
    fn new(page_len: usize) -> Builder {
        let mut b = Builder {
            slots: Vec::with_capacity(page_len / 64),
            nodes: Vec::with_capacity(page_len / 64),
            attributes: Vec::with_capacity(page_len / 256),
            arena: String::with_capacity(page_len / 4),
            max_depth: 0,
            budget: page_len / 2 + 64,
            open: Vec::new(),
            active: Vec::new(),
            mode: Mode::Initial,
            original: Mode::InBody,
            in_raw: false,
            skip_newline: false,
            head: NONE,
            form: NONE,
            frameset_ok: true,
            foster: false,
            pending: None,
            pending_text: false,
        };
        b.new_node(Data::Document);
        b
    }

    fn new_node(&mut self, data: Data) -> u32 {
        let id = self.nodes.len() as u32;
        self.budget = self.budget.saturating_sub(1);
        self.slots.push(Slot {
            data,
            parent: NONE,
            end: id + 1,
        });
        self.nodes.push(Links {
            first: NONE,
            last: NONE,
            next: NONE,
            prev: NONE,
            on_stack: false,
        });
        id
    }

    fn tag_of(&self, id: u32) -> Tag {
        match self.slots[id as usize].data {
            Data::Element { tag, .. } => tag,
            _ => Tag::OTHER,
        }
    }

    /// Whether element `id` is named `name` (tag `tag`).
    fn named(&self, id: u32, tag: Tag, name: &str) -> bool {
        match self.slots[id as usize].data {
            Data::Element {
                tag: t, name: n, ..
            } if t == tag => {
                tag != Tag::OTHER || &self.arena[n.start as usize..n.end as usize] == name
            }
            _ => false,
        }
    }

    fn current(&self) -> u32 {
        self.open.last().map_or(0, |(id, _)| *id)
    }

    fn current_tag(&self) -> Tag {
        self.open.last().map_or(Tag::OTHER, |(_, t)| *t)
    }

    fn current_is(&self, set: TagSet) -> bool {
        set.contains(self.current_tag())
    }

    /// Makes `b` follow `a` among `parent`'s children ([`NONE`] for either
    /// makes the other the first or last).
    fn join(&mut self, parent: u32, a: u32, b: u32) {
        if a != NONE {
            self.nodes[a as usize].next = b;
        } else {
            self.nodes[parent as usize].first = b;
        }
        if b != NONE {
            self.nodes[b as usize].prev = a;
        } else {
            self.nodes[parent as usize].last = a;
        }
    }

    fn detach(&mut self, id: u32) {
        let parent = self.slots[id as usize].parent;
        if parent == NONE {
            return;
        }
        let Links { prev, next, .. } = self.nodes[id as usize];
        self.join(parent, prev, next);
        self.slots[id as usize].parent = NONE;
        self.nodes[id as usize].prev = NONE;
        self.nodes[id as usize].next = NONE;
    }

    /// Puts detached node `id` at `place`.
    fn attach(&mut self, Place(parent, before): Place, id: u32) {
        let prev = if before == NONE {
            self.nodes[parent as usize].last
        } else {
            self.nodes[before as usize].prev
        };
        self.slots[id as usize].parent = parent;
        self.join(parent, prev, id);
        self.join(parent, id, before);
    }

    /// The appropriate place for inserting a node, foster parenting
    /// included: content misplaced in a table goes before the table.
    fn place(&self, target: Option<u32>) -> Place {
        let target = target.unwrap_or_else(|| self.current());
        let s = &*SETS;
        if self.foster && any(self.tag_of(target), s.foster_targets) {
            let lowest = self.open.len().saturating_sub(SCOPE_LIMIT);
            for position in (lowest..self.open.len()).rev() {
                let (id, tag) = self.open[position];
                if tag == s.template_tag {
                    return Place(id, NONE);
                }
                if tag == s.table_tag {
                    let parent = self.slots[id as usize].parent;
                    if parent != NONE {
                        return Place(parent, id);
                    }
                    return Place(self.open[position.saturating_sub(1)].0, NONE);
                }
            }
            return Place(self.open.first().map_or(0, |(id, _)| *id), NONE);
        }
        Place(target, NONE)
    }

    fn push_open(&mut self, id: u32, tag: Tag) {
        self.nodes[id as usize].on_stack = true;
        self.open.push((id, tag));
        self.max_depth = self.max_depth.max(self.open.len());
    }

    fn pop(&mut self) {
        if let Some((id, _)) = self.open.pop() {
            self.nodes[id as usize].on_stack = false;
        }
    }

    fn pop_to(&mut self, position: usize) {
        while self.open.len() > position {
            self.pop();
        }
    }

    fn remove_open(&mut self, position: usize) {
        let (id, _) = self.open.remove(position);
        self.nodes[id as usize].on_stack = false;
    }

    /// Makes an element of a start tag (attributes decoded into the arena).
    fn create(&mut self, tag: Tag, name: &str, attrs: &[(&'static str, &str)]) -> u32 {
        let name = match tag {
            Tag::OTHER => self.store(name, false),
            _ => Range::default(),
        };
        let first = self.attributes.len() as u32;
        for (n, v) in attrs {
            let value = self.store(v, true);
            self.attributes.push(Attribute { name: n, value });
        }
        let attributes = (first, self.attributes.len() as u32);
        self.new_node(Data::Element {
            tag,
            name,
            attributes,
        })
    }

    /// Inserts an element for a start tag at the appropriate place and opens
    /// it.
    fn insert(&mut self, tag: Tag, name: &str, attrs: &[(&'static str, &str)]) -> u32 {
        let place = self.place(None);
        let id = self.create(tag, name, attrs);
        self.attach(place, id);
        self.push_open(id, tag);
        id
    }

    /// Inserts an element the markup implies (no attributes).
    fn insert_implied(&mut self, name: &str) -> u32 {
        self.insert(Tag::of(name), name, &[])
    }

    /// Inserts a void element: inserted, not left open.
    fn insert_void(&mut self, tag: Tag, name: &str, attrs: &[(&'static str, &str)]) {
        let place = self.place(None);
        let id = self.create(tag, name, attrs);
        self.attach(place, id);
    }

    /// Copies `s` into the arena, references decoded if `decode`.
    fn store(&mut self, s: &str, decode: bool) -> Range {
        let start = self.arena.len();
        if decode {
            push_decoded(&mut self.arena, s);
        } else {
            self.arena.push_str(s);
        }
        Range {
            start: start as u32,
            end: self.arena.len() as u32,
        }
    }

    /// Inserts stored text at `place`, one node with text just before it.
    fn insert_range(&mut self, place: Place, r: Range) {
        if r.is_empty() {
            return;
        }
        let Place(parent, before) = place;
        let prev = if before == NONE {
            self.nodes[parent as usize].last
        } else {
            self.nodes[before as usize].prev
        };
        if prev != NONE {
            if let Data::Text(p) = &mut self.slots[prev as usize].data {
                if p.end == r.start {
                    p.end = r.end;
                    return;
                }
            }
        }
        let id = self.new_node(Data::Text(r));
        self.attach(place, id);
    }

    /// Inserts text at the appropriate place.
    fn insert_text(&mut self, raw: &str, decode: bool) {
        if raw.is_empty() {
            return;
        }
        let place = self.place(None);
        let r = self.store(raw, decode);
        self.insert_range(place, r);
    }

    /// Where the nearest open element `is_target` accepts is in the stack, if
    /// no element `is_boundary` accepts comes first.
    fn find(
        &self,
        is_target: impl Fn(u32, Tag) -> bool,
        is_boundary: impl Fn(Tag) -> bool,
    ) -> Option<usize> {
        let lowest = self.open.len().saturating_sub(SCOPE_LIMIT);
        for position in (lowest..self.open.len()).rev() {
            let (id, tag) = self.open[position];
            if is_target(id, tag) {
                return Some(position);
            }
            if is_boundary(tag) {
                return None;
            }
        }
        None
    }

    fn in_scope(&self, targets: TagSet, boundaries: TagSet) -> Option<usize> {
        self.find(|_, t| targets.contains(t), |t| boundaries.contains(t))
    }

    fn has_in_scope(&self, targets: TagSet, boundaries: TagSet) -> bool {
        self.in_scope(targets, boundaries).is_some()
    }

    fn generate_implied(&mut self, except: Tag) {
        let s = &*SETS;
        while self.current_tag() != except && self.current_is(s.implied_end) {
            self.pop();
        }
    }

    /// Pops up to and including the nearest open element among `targets`.
    fn pop_until(&mut self, targets: TagSet) {
        if let Some(position) = self.find(|_, t| targets.contains(t), |_| false) {
            self.pop_to(position);
        }
    }

    fn close_p(&mut self) {
        let s = &*SETS;
        if self.has_in_scope(s.p, s.button_scope) {
            self.generate_implied(s.p_tag);
            self.pop_until(s.p);
        }
    }

    fn clear_to_context(&mut self, context: TagSet) {
        while !self.open.is_empty() && !self.current_is(context) {
            self.pop();
        }
    }

    fn clear_active_to_marker(&mut self) {
        while let Some(entry) = self.active.pop() {
            if entry == MARKER {
                break;
            }
        }
    }

    fn same_element(&self, a: u32, b: u32) -> bool {
        match (&self.slots[a as usize].data, &self.slots[b as usize].data) {
            (
                Data::Element {
                    tag: ta,
                    name: na,
                    attributes: aa,
                },
                Data::Element {
                    tag: tb,
                    name: nb,
                    attributes: ab,
                },
            ) => {
                let text = |r: &Range| &self.arena[r.start as usize..r.end as usize];
                let attrs = |(f, l): (u32, u32)| &self.attributes[f as usize..l as usize];
                ta == tb
                    && text(na) == text(nb)
                    && attrs(*aa).len() == attrs(*ab).len()
                    && attrs(*aa)
                        .iter()
                        .zip(attrs(*ab))
                        .all(|(x, y)| x.name == y.name && text(&x.value) == text(&y.value))
            }
            _ => false,
        }
    }

    /// Adds a formatting element to the active list (at most three alike
    /// after the last marker, as the spec's Noah's Ark clause has it).
    fn push_active(&mut self, id: u32) {
        let after_marker = self
            .active
            .iter()
            .rposition(|e| *e == MARKER)
            .map_or(0, |p| p + 1);
        let mut alike = 0;
        let mut earliest = None;
        for i in (after_marker..self.active.len()).rev() {
            if self.same_element(self.active[i], id) {
                alike += 1;
                earliest = Some(i);
            }
        }
        if alike >= 3 {
            if let Some(i) = earliest {
                self.active.remove(i);
            }
        }
        if self.active.len() - after_marker >= ACTIVE_LIMIT {
            self.active.remove(after_marker);
        }
        self.active.push(id);
    }

    fn reconstruct(&mut self) {
        let Some(&last) = self.active.last() else {
            return;
        };
        if last == MARKER || self.nodes[last as usize].on_stack {
            return;
        }
        let mut i = self.active.len() - 1;
        while i > 0 {
            let e = self.active[i - 1];
            if e == MARKER || self.nodes[e as usize].on_stack {
                break;
            }
            i -= 1;
        }
        for j in i..self.active.len() {
            if self.budget == 0 {
                return;
            }
            let old = self.active[j];
            let data = self.slots[old as usize].data;
            let tag = self.tag_of(old);
            let place = self.place(None);
            let id = self.new_node(data);
            self.attach(place, id);
            self.push_open(id, tag);
            self.active[j] = id;
        }
    }

    /// The adoption agency algorithm: an end tag for a formatting element
    /// closes it, and what was opened inside it and is still open moves out,
    /// under a copy of it.
    fn adoption(&mut self, tag: Tag, name: &str) {
        let s = &*SETS;
        let current = self.current();
        if self.named(current, tag, name) && !self.active.contains(&current) {
            self.pop();
            return;
        }
        for _ in 0..8 {
            let after_marker = self
                .active
                .iter()
                .rposition(|e| *e == MARKER)
                .map_or(0, |p| p + 1);
            let Some(fe_index) = (after_marker..self.active.len())
                .rev()
                .find(|&i| self.named(self.active[i], tag, name))
            else {
                return self.any_other_end_tag(tag, name);
            };
            let fe = self.active[fe_index];
            if !self.nodes[fe as usize].on_stack {
                self.active.remove(fe_index);
                return;
            }
            let Some(fe_position) = self.find(|id, _| id == fe, |t| s.scope.contains(t)) else {
                return;
            };
            let furthest_block =
                (fe_position + 1..self.open.len()).find(|&p| s.special.contains(self.open[p].1));
            // Out of node budget (a crafted page): the element just closes.
            let Some(fb_position) = furthest_block.filter(|_| self.budget >= 8) else {
                self.pop_to(fe_position);
                self.active.remove(fe_index);
                return;
            };
            let furthest = self.open[fb_position].0;
            let common = self.open[fe_position - 1].0;
            let mut bookmark = fe_index;
            let mut last_node = furthest;
            let mut position = fb_position;
            let mut inner = 0;
            loop {
                inner += 1;
                position -= 1;
                let node = self.open[position].0;
                if node == fe {
                    break;
                }
                let mut in_active = self.active.iter().position(|e| *e == node);
                if inner > 3 {
                    if let Some(i) = in_active.take() {
                        self.active.remove(i);
                        if i < bookmark {
                            bookmark -= 1;
                        }
                    }
                }
                let Some(i) = in_active else {
                    self.remove_open(position);
                    continue;
                };
                let data = self.slots[node as usize].data;
                let node_tag = self.open[position].1;
                let copy = self.new_node(data);
                self.active[i] = copy;
                self.nodes[node as usize].on_stack = false;
                self.open[position] = (copy, node_tag);
                self.nodes[copy as usize].on_stack = true;
                if last_node == furthest {
                    bookmark = i + 1;
                }
                self.detach(last_node);
                self.attach(Place(copy, NONE), last_node);
                last_node = copy;
            }
            self.detach(last_node);
            let place = self.place(Some(common));
            self.attach(place, last_node);
            let data = self.slots[fe as usize].data;
            let copy = self.new_node(data);
            let mut child = self.nodes[furthest as usize].first;
            while child != NONE {
                let next = self.nodes[child as usize].next;
                self.detach(child);
                self.attach(Place(copy, NONE), child);
                child = next;
            }
            self.attach(Place(furthest, NONE), copy);
            let fe_index = self
                .active
                .iter()
                .position(|e| *e == fe)
                .unwrap_or(bookmark);
            if fe_index < self.active.len() && self.active[fe_index] == fe {
                self.active.remove(fe_index);
                if fe_index < bookmark {
                    bookmark -= 1;
                }
            }
            self.active.insert(bookmark.min(self.active.len()), copy);
            if let Some(p) = self.open.iter().rposition(|(id, _)| *id == fe) {
                self.remove_open(p);
            }
            let fb = self
                .open
                .iter()
                .rposition(|(id, _)| *id == furthest)
                .unwrap_or(self.open.len() - 1);
            self.open.insert(fb + 1, (copy, tag));
            self.nodes[copy as usize].on_stack = true;
            self.max_depth = self.max_depth.max(self.open.len());
        }
    }

    fn any_other_end_tag(&mut self, tag: Tag, name: &str) {
        let s = &*SETS;
        let position = self.find(|id, _| self.named(id, tag, name), |t| s.special.contains(t));
        if let Some(position) = position {
            self.generate_implied(tag);
            self.pop_to(position);
        }
    }

    fn reset_mode(&mut self) {
        let s = &*SETS;
        for position in (0..self.open.len()).rev() {
            let (_, tag) = self.open[position];
            let last = position == 0;
            let mode = match TAGS.get(tag.0 as usize).copied().unwrap_or("") {
                "select" => {
                    let in_table = self.open[..position].iter().any(|(_, t)| *t == s.table_tag);
                    Some(if in_table {
                        Mode::InSelectInTable
                    } else {
                        Mode::InSelect
                    })
                }
                "td" | "th" if !last => Some(Mode::InCell),
                "tr" => Some(Mode::InRow),
                "tbody" | "thead" | "tfoot" => Some(Mode::InTableBody),
                "caption" => Some(Mode::InCaption),
                "colgroup" => Some(Mode::InColumnGroup),
                "table" => Some(Mode::InTable),
                "template" | "body" => Some(Mode::InBody),
                "head" if !last => Some(Mode::InHead),
                "frameset" => Some(Mode::InFrameset),
                "html" => Some(if self.head == NONE {
                    Mode::BeforeHead
                } else {
                    Mode::AfterHead
                }),
                _ => None,
            };
            if let Some(mode) = mode {
                self.mode = mode;
                return;
            }
            if last {
                break;
            }
        }
        self.mode = Mode::InBody;
    }

    /// Places table text gathered so far: text that is not all whitespace is
    /// foster-parented, as the body would place it.
    fn flush_table_text(&mut self) {
        if let Some(r) = self.pending.take() {
            if self.pending_text {
                self.foster = true;
                self.reconstruct();
                let place = self.place(None);
                self.insert_range(place, r);
                self.foster = false;
                self.frameset_ok = false;
            } else {
                let place = self.place(None);
                self.insert_range(place, r);
            }
        }
        self.pending_text = false;
        self.mode = self.original;
    }

    fn process(&mut self, mut tok: Tok<'_>) {
        loop {
            match self.step(tok) {
                None => return,
                Some(next) => tok = next,
            }
        }
    }

    /// One token in the current mode; what to reprocess, if anything.
    fn step<'a>(&mut self, tok: Tok<'a>) -> Option<Tok<'a>> {
        let s = &*SETS;
        match self.mode {
            Mode::Initial => {
                if let Tok::Text(t) = tok {
                    let (_, rest) = split_space(t);
                    if rest.is_empty() {
                        return None;
                    }
                    self.insert_implied("html");
                    self.mode = Mode::BeforeHead;
                    return Some(Tok::Text(rest));
                }
                if let Tok::Start {
                    name: "html",
                    tag,
                    attrs,
                } = tok
                {
                    self.insert(tag, "html", attrs);
                    self.mode = Mode::BeforeHead;
                    return None;
                }
                if let Tok::End { name, .. } = tok {
                    if !matches!(name, "head" | "body" | "html" | "br") {
                        return None;
                    }
                }
                self.insert_implied("html");
                self.mode = Mode::BeforeHead;
                Some(tok)
            }
            Mode::BeforeHead => match tok {
                Tok::Text(t) => {
                    let (_, rest) = split_space(t);
                    (!rest.is_empty()).then(|| self.before_head_anything(Tok::Text(rest)))?
                }
                Tok::Start { name: "html", .. } => None,
                Tok::Start {
                    name: "head",
                    tag,
                    attrs,
                } => {
                    self.head = self.insert(tag, "head", attrs);
                    self.mode = Mode::InHead;
                    None
                }
                Tok::End { name, .. } if !matches!(name, "head" | "body" | "html" | "br") => None,
                _ => self.before_head_anything(tok),
            },
            Mode::InHead => match tok {
                Tok::Text(t) => {
                    let (space, rest) = split_space(t);
                    self.insert_text(space, false);
                    if rest.is_empty() {
                        return None;
                    }
                    self.pop();
                    self.mode = Mode::AfterHead;
                    Some(Tok::Text(rest))
                }
                Tok::Start { name: "html", .. } => None,
                Tok::Start { tag, name, attrs } if s.head_content.contains(tag) => {
                    self.head_start(tag, name, attrs);
                    None
                }
                Tok::Start { name: "head", .. } => None,
                Tok::End { name: "head", .. } => {
                    self.pop();
                    self.mode = Mode::AfterHead;
                    None
                }
                Tok::End { name, .. } if !matches!(name, "body" | "html" | "br") => None,
                _ => {
                    self.pop();
                    self.mode = Mode::AfterHead;
                    Some(tok)
                }
            },
            Mode::AfterHead => match tok {
                Tok::Text(t) => {
                    let (space, rest) = split_space(t);
                    self.insert_text(space, false);
                    if rest.is_empty() {
                        return None;
                    }
                    self.insert_implied("body");
                    self.mode = Mode::InBody;
                    Some(Tok::Text(rest))
                }
                Tok::Start { name: "html", .. } => None,
                Tok::Start {
                    name: "body",
                    tag,
                    attrs,
                } => {
                    self.insert(tag, "body", attrs);
                    self.frameset_ok = false;
                    self.mode = Mode::InBody;
                    None
                }
                Tok::Start {
                    name: "frameset",
                    tag,
                    attrs,
                } => {
                    self.insert(tag, "frameset", attrs);
                    self.mode = Mode::InFrameset;
                    None
                }
                Tok::Start { tag, name, attrs } if s.head_content.contains(tag) => {
                    // Head content after the head goes into it.
                    if self.head != NONE {
                        let head = self.head;
                        self.push_open(head, s.head_tag);
                        self.head_start(tag, name, attrs);
                        if let Some(p) = self.open.iter().rposition(|(id, _)| *id == head) {
                            self.remove_open(p);
                        }
                    } else {
                        self.head_start(tag, name, attrs);
                    }
                    None
                }
                Tok::Start { name: "head", .. } => None,
                Tok::End { name, .. } if !matches!(name, "body" | "html" | "br") => None,
                _ => {
                    self.insert_implied("body");
                    self.mode = Mode::InBody;
                    Some(tok)
                }
            },
            Mode::InBody => self.in_body(tok),
            Mode::InTable => self.in_table(tok),
            Mode::InTableText => match tok {
                Tok::Text(t) => {
                    let r = self.store(t, true);
                    if t.bytes().any(|b| !is_html_space(b)) {
                        self.pending_text = true;
                    }
                    self.pending = Some(match self.pending {
                        Some(p) if p.end == r.start => Range {
                            start: p.start,
                            end: r.end,
                        },
                        Some(p) => {
                            // Not contiguous (cannot happen: nothing else is
                            // stored meanwhile); kept whole all the same.
                            let joined = format!(
                                "{}{}",
                                &self.arena[p.start as usize..p.end as usize],
                                &self.arena[r.start as usize..r.end as usize]
                            );
                            self.store(&joined, false)
                        }
                        None => r,
                    });
                    None
                }
                _ => {
                    self.flush_table_text();
                    Some(tok)
                }
            },
            Mode::InCaption => match tok {
                Tok::End {
                    name: "caption", ..
                } => {
                    self.close_caption();
                    None
                }
                Tok::Start { tag, .. } if s.table_parts.contains(tag) => {
                    self.close_caption().then_some(tok)
                }
                Tok::End { name: "table", .. } => self.close_caption().then_some(tok),
                Tok::End {
                    name:
                        "body" | "col" | "colgroup" | "html" | "tbody" | "td" | "tfoot" | "th" | "thead"
                        | "tr",
                    ..
                } => None,
                _ => self.in_body(tok),
            },
            Mode::InColumnGroup => match tok {
                Tok::Text(t) => {
                    let (space, rest) = split_space(t);
                    self.insert_text(space, false);
                    if rest.is_empty() {
                        return None;
                    }
                    self.leave_colgroup().then_some(Tok::Text(rest))
                }
                Tok::Start { name: "html", .. } => self.in_body(tok),
                Tok::Start {
                    name: "col",
                    tag,
                    attrs,
                } => {
                    self.insert_void(tag, "col", attrs);
                    None
                }
                Tok::End {
                    name: "colgroup", ..
                } => {
                    self.leave_colgroup();
                    None
                }
                Tok::End { name: "col", .. } => None,
                Tok::Eof => None,
                _ => self.leave_colgroup().then_some(tok),
            },
            Mode::InTableBody => match tok {
                Tok::Start {
                    name: "tr",
                    tag,
                    attrs,
                } => {
                    self.clear_to_context(s.table_body_context);
                    self.insert(tag, "tr", attrs);
                    self.mode = Mode::InRow;
                    None
                }
                Tok::Start {
                    name: "td" | "th", ..
                } => {
                    self.clear_to_context(s.table_body_context);
                    self.insert_implied("tr");
                    self.mode = Mode::InRow;
                    Some(tok)
                }
                Tok::End {
                    name: "tbody" | "tfoot" | "thead",
                    tag,
                } => {
                    if self.has_in_scope(TagSet::one(tag), s.table_scope) {
                        self.clear_to_context(s.table_body_context);
                        self.pop();
                        self.mode = Mode::InTable;
                    }
                    None
                }
                Tok::Start {
                    name: "caption" | "col" | "colgroup" | "tbody" | "tfoot" | "thead",
                    ..
                }
                | Tok::End { name: "table", .. } => {
                    if !self.has_in_scope(s.table_sections, s.table_scope) {
                        return None;
                    }
                    self.clear_to_context(s.table_body_context);
                    self.pop();
                    self.mode = Mode::InTable;
                    Some(tok)
                }
                Tok::End {
                    name: "body" | "caption" | "col" | "colgroup" | "html" | "td" | "th" | "tr",
                    ..
                } => None,
                _ => self.in_table(tok),
            },
            Mode::InRow => match tok {
                Tok::Start {
                    name: name @ ("td" | "th"),
                    tag,
                    attrs,
                } => {
                    self.clear_to_context(s.row_context);
                    self.insert(tag, name, attrs);
                    self.mode = Mode::InCell;
                    self.active.push(MARKER);
                    None
                }
                Tok::End { name: "tr", .. } => {
                    self.leave_row();
                    None
                }
                Tok::Start {
                    name: "caption" | "col" | "colgroup" | "tbody" | "tfoot" | "thead" | "tr",
                    ..
                }
                | Tok::End { name: "table", .. } => self.leave_row().then_some(tok),
                Tok::End {
                    name: "tbody" | "tfoot" | "thead",
                    tag,
                } => {
                    if !self.has_in_scope(TagSet::one(tag), s.table_scope) {
                        return None;
                    }
                    self.leave_row().then_some(tok)
                }
                Tok::End {
                    name: "body" | "caption" | "col" | "colgroup" | "html" | "td" | "th",
                    ..
                } => None,
                _ => self.in_table(tok),
            },
            Mode::InCell => match tok {
                Tok::End {
                    name: "td" | "th",
                    tag,
                } => {
                    if self.has_in_scope(TagSet::one(tag), s.table_scope) {
                        self.generate_implied(Tag::OTHER);
                        self.pop_until(TagSet::one(tag));
                        self.clear_active_to_marker();
                        self.mode = Mode::InRow;
                    }
                    None
                }
                Tok::Start { tag, .. } if s.table_parts.contains(tag) => {
                    if !self.has_in_scope(s.td_th, s.table_scope) {
                        return None;
                    }
                    self.close_cell();
                    Some(tok)
                }
                Tok::End {
                    name: "body" | "caption" | "col" | "colgroup" | "html",
                    ..
                } => None,
                Tok::End {
                    name: "table" | "tbody" | "tfoot" | "thead" | "tr",
                    tag,
                } => {
                    if !self.has_in_scope(TagSet::one(tag), s.table_scope) {
                        return None;
                    }
                    self.close_cell();
                    Some(tok)
                }
                _ => self.in_body(tok),
            },
            Mode::InSelect => self.in_select(tok),
            Mode::InSelectInTable => match tok {
                Tok::Start { tag, .. } if s.select_in_table_exits.contains(tag) => {
                    self.pop_until(s.select);
                    self.reset_mode();
                    Some(tok)
                }
                Tok::End { tag, .. } if s.select_in_table_exits.contains(tag) => {
                    if !self.has_in_scope(TagSet::one(tag), s.table_scope) {
                        return None;
                    }
                    self.pop_until(s.select);
                    self.reset_mode();
                    Some(tok)
                }
                _ => self.in_select(tok),
            },
            Mode::AfterBody => match tok {
                Tok::Text(t) if t.bytes().all(is_html_space) => self.in_body(tok),
                Tok::Start { name: "html", .. } => None,
                Tok::End { name: "html", .. } | Tok::Eof => None,
                _ => {
                    self.mode = Mode::InBody;
                    Some(tok)
                }
            },
            Mode::InFrameset | Mode::AfterFrameset => match tok {
                Tok::Text(t) => {
                    let spaces: String = t.chars().filter(|c| c.is_ascii_whitespace()).collect();
                    self.insert_text(&spaces, false);
                    None
                }
                Tok::Start {
                    name: "frameset",
                    tag,
                    attrs,
                } if self.mode == Mode::InFrameset => {
                    self.insert(tag, "frameset", attrs);
                    None
                }
                Tok::End {
                    name: "frameset", ..
                } if self.mode == Mode::InFrameset => {
                    if self.open.len() > 1 {
                        self.pop();
                    }
                    if self.current_tag() != s.frameset_tag {
                        self.mode = Mode::AfterFrameset;
                    }
                    None
                }
                Tok::Start {
                    name: "frame",
                    tag,
                    attrs,
                } if self.mode == Mode::InFrameset => {
                    self.insert_void(tag, "frame", attrs);
                    None
                }
                _ => None,
            },
        }
    }

    fn before_head_anything<'a>(&mut self, tok: Tok<'a>) -> Option<Tok<'a>> {
        self.head = self.insert_implied("head");
        self.mode = Mode::InHead;
        Some(tok)
    }

    /// A start tag for what belongs in the head, wherever it appears.
    fn head_start(&mut self, tag: Tag, name: &str, attrs: &[(&'static str, &str)]) {
        let s = &*SETS;
        if s.void.contains(tag) {
            self.insert_void(tag, name, attrs);
        } else if name == "template" {
            self.insert(tag, name, attrs);
            self.active.push(MARKER);
            self.frameset_ok = false;
        } else {
            // <title>, <script>: the tokenizer hands on their text whole,
            // then their end tag.
            self.insert(tag, name, attrs);
            self.in_raw = true;
        }
    }

    fn close_caption(&mut self) -> bool {
        let s = &*SETS;
        if !self.has_in_scope(s.caption, s.table_scope) {
            return false;
        }
        self.generate_implied(Tag::OTHER);
        self.pop_until(s.caption);
        self.clear_active_to_marker();
        self.mode = Mode::InTable;
        true
    }

    fn leave_colgroup(&mut self) -> bool {
        if self.current_tag() != Tag::of("colgroup") {
            return false;
        }
        self.pop();
        self.mode = Mode::InTable;
        true
    }

    fn leave_row(&mut self) -> bool {
        let s = &*SETS;
        if !self.has_in_scope(s.tr, s.table_scope) {
            return false;
        }
        self.clear_to_context(s.row_context);
        self.pop();
        self.mode = Mode::InTableBody;
        true
    }

    fn close_cell(&mut self) {
        let s = &*SETS;
        self.generate_implied(Tag::OTHER);
        self.pop_until(s.td_th);
        self.clear_active_to_marker();
        self.mode = Mode::InRow;
    }

    fn in_table<'a>(&mut self, tok: Tok<'a>) -> Option<Tok<'a>> {
        let s = &*SETS;
        match tok {
            Tok::Text(_) if self.current_is(s.foster_targets) => {
                self.original = self.mode;
                self.mode = Mode::InTableText;
                self.pending = None;
                self.pending_text = false;
                Some(tok)
            }
            Tok::Start {
                name: "caption",
                tag,
                attrs,
            } => {
                self.clear_to_context(s.table_context);
                self.active.push(MARKER);
                self.insert(tag, "caption", attrs);
                self.mode = Mode::InCaption;
                None
            }
            Tok::Start {
                name: "colgroup",
                tag,
                attrs,
            } => {
                self.clear_to_context(s.table_context);
                self.insert(tag, "colgroup", attrs);
                self.mode = Mode::InColumnGroup;
                None
            }
            Tok::Start { name: "col", .. } => {
                self.clear_to_context(s.table_context);
                self.insert_implied("colgroup");
                self.mode = Mode::InColumnGroup;
                Some(tok)
            }
            Tok::Start {
                name: name @ ("tbody" | "tfoot" | "thead"),
                tag,
                attrs,
            } => {
                self.clear_to_context(s.table_context);
                self.insert(tag, name, attrs);
                self.mode = Mode::InTableBody;
                None
            }
            Tok::Start {
                name: "td" | "th" | "tr",
                ..
            } => {
                self.clear_to_context(s.table_context);
                self.insert_implied("tbody");
                self.mode = Mode::InTableBody;
                Some(tok)
            }
            Tok::Start { name: "table", .. } => {
                if !self.has_in_scope(s.table, s.table_scope) {
                    return None;
                }
                self.pop_until(s.table);
                self.reset_mode();
                Some(tok)
            }
            Tok::End { name: "table", .. } => {
                if self.has_in_scope(s.table, s.table_scope) {
                    self.pop_until(s.table);
                    self.reset_mode();
                }
                None
            }
            Tok::End {
                name:
                    "body" | "caption" | "col" | "colgroup" | "html" | "tbody" | "td" | "tfoot" | "th"
                    | "thead" | "tr",
                ..
            } => None,
            Tok::Start {
                name: name @ ("style" | "script" | "template"),
                tag,
                attrs,
            } => {
                self.head_start(tag, name, attrs);
                None
            }
            Tok::End {
                name: "template", ..
            } => self.in_body(tok),
            Tok::Start {
                name: "input",
                tag,
                attrs,
            } if attrs
                .iter()
                .any(|(n, v)| *n == "type" && v.eq_ignore_ascii_case("hidden")) =>
            {
                self.insert_void(tag, "input", attrs);
                None
            }
            Tok::Start {
                name: "form",
                tag,
                attrs,
            } => {
                if self.form == NONE {
                    self.form = self.insert(tag, "form", attrs);
                    self.pop();
                }
                None
            }
            Tok::Eof => None,
            _ => {
                self.foster = true;
                let again = self.in_body(tok);
                self.foster = false;
                again
            }
        }
    }

    fn in_select<'a>(&mut self, tok: Tok<'a>) -> Option<Tok<'a>> {
        let s = &*SETS;
        match tok {
            Tok::Text(t) => {
                self.insert_text(t, true);
                None
            }
            Tok::Start {
                name: "option",
                tag,
                attrs,
            } => {
                self.close_current(s.option);
                self.insert(tag, "option", attrs);
                None
            }
            Tok::Start {
                name: name @ ("optgroup" | "hr"),
                tag,
                attrs,
            } => {
                self.close_current(s.option);
                self.close_current(s.optgroup);
                if name == "hr" {
                    self.insert_void(tag, name, attrs);
                } else {
                    self.insert(tag, name, attrs);
                }
                None
            }
            Tok::End {
                name: "optgroup", ..
            } => {
                let n = self.open.len();
                if self.current_is(s.option) && n >= 2 && s.optgroup.contains(self.open[n - 2].1) {
                    self.pop();
                }
                self.close_current(s.optgroup);
                None
            }
            Tok::End { name: "option", .. } => {
                self.close_current(s.option);
                None
            }
            Tok::End { name: "select", .. } | Tok::Start { name: "select", .. } => {
                if self.select_in_scope() {
                    self.pop_until(s.select);
                    self.reset_mode();
                }
                None
            }
            Tok::Start {
                name: "input" | "keygen" | "textarea",
                ..
            } => {
                if !self.select_in_scope() {
                    return None;
                }
                self.pop_until(s.select);
                self.reset_mode();
                Some(tok)
            }
            Tok::Start {
                name: name @ ("script" | "template"),
                tag,
                attrs,
            } => {
                self.head_start(tag, name, attrs);
                None
            }
            Tok::End {
                name: "template", ..
            } => self.in_body(tok),
            _ => None,
        }
    }

    fn select_in_scope(&self) -> bool {
        let s = &*SETS;
        self.find(
            |_, t| s.select.contains(t),
            |t| !s.option.union(s.optgroup).contains(t),
        )
        .is_some()
    }

    fn close_current(&mut self, set: TagSet) {
        if self.current_is(set) {
            self.pop();
        }
    }

    fn in_body<'a>(&mut self, tok: Tok<'a>) -> Option<Tok<'a>> {
        match tok {
            Tok::Text(t) => {
                self.reconstruct();
                self.insert_text(t, true);
                if self.frameset_ok && t.bytes().any(|b| !is_html_space(b) && b != 0) {
                    self.frameset_ok = false;
                }
                None
            }
            Tok::Eof => None,
            Tok::Start { tag, name, attrs } => {
                self.body_start(tag, name, attrs);
                None
            }
            Tok::End { tag, name } => self.body_end(tag, name),
        }
    }

    fn body_start(&mut self, tag: Tag, name: &str, attrs: &[(&'static str, &str)]) {
        let s = &*SETS;
        match name {
            "html" => {}
            "body" => self.frameset_ok = false,
            "frameset" => {
                let n = self.open.len();
                if n >= 2 && self.open[1].1 == s.body_tag && self.frameset_ok {
                    let body = self.open[1].0;
                    self.detach(body);
                    self.pop_to(1);
                    self.insert(tag, name, attrs);
                    self.mode = Mode::InFrameset;
                }
            }
            "head" | "caption" | "col" | "colgroup" | "frame" | "tbody" | "td" | "tfoot" | "th"
            | "thead" | "tr" => {}
            _ if s.head_content.contains(tag) => self.head_start(tag, name, attrs),
            _ if s.closes_p.contains(tag) && !s.body_special_start.contains(tag) => {
                self.close_p();
                self.insert(tag, name, attrs);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.close_p();
                if self.current_is(s.headings) {
                    self.pop();
                }
                self.insert(tag, name, attrs);
            }
            "pre" | "listing" => {
                self.close_p();
                self.insert(tag, name, attrs);
                self.skip_newline = true;
                self.frameset_ok = false;
            }
            "form" => {
                if self.form == NONE {
                    self.close_p();
                    self.form = self.insert(tag, name, attrs);
                }
            }
            "li" | "dd" | "dt" => {
                self.frameset_ok = false;
                let targets = if name == "li" {
                    TagSet::one(tag)
                } else {
                    s.dd_dt
                };
                let lowest = self.open.len().saturating_sub(SCOPE_LIMIT);
                for position in (lowest..self.open.len()).rev() {
                    let t = self.open[position].1;
                    if targets.contains(t) {
                        self.generate_implied(t);
                        self.pop_to(position);
                        break;
                    }
                    if s.special.contains(t) && !s.address_div_p.contains(t) {
                        break;
                    }
                }
                self.close_p();
                self.insert(tag, name, attrs);
            }
            "plaintext" => {
                self.close_p();
                self.insert(tag, name, attrs);
            }
            "button" => {
                if self.has_in_scope(TagSet::one(tag), s.scope) {
                    self.generate_implied(Tag::OTHER);
                    self.pop_until(TagSet::one(tag));
                }
                self.reconstruct();
                self.insert(tag, name, attrs);
                self.frameset_ok = false;
            }
            "a" => {
                let after_marker = self
                    .active
                    .iter()
                    .rposition(|e| *e == MARKER)
                    .map_or(0, |p| p + 1);
                let open_a = self.active[after_marker..]
                    .iter()
                    .rev()
                    .copied()
                    .find(|&e| self.tag_of(e) == tag);
                if let Some(a) = open_a {
                    self.adoption(tag, name);
                    if let Some(i) = self.active.iter().position(|e| *e == a) {
                        self.active.remove(i);
                    }
                    if let Some(p) = self.open.iter().rposition(|(id, _)| *id == a) {
                        self.remove_open(p);
                    }
                }
                self.reconstruct();
                let id = self.insert(tag, name, attrs);
                self.push_active(id);
            }
            "nobr" => {
                self.reconstruct();
                if self.has_in_scope(TagSet::one(tag), s.scope) {
                    self.adoption(tag, name);
                    self.reconstruct();
                }
                let id = self.insert(tag, name, attrs);
                self.push_active(id);
            }
            _ if s.formatting.contains(tag) => {
                self.reconstruct();
                let id = self.insert(tag, name, attrs);
                self.push_active(id);
            }
            "applet" | "marquee" | "object" => {
                self.reconstruct();
                self.insert(tag, name, attrs);
                self.active.push(MARKER);
                self.frameset_ok = false;
            }
            "table" => {
                self.close_p();
                self.insert(tag, name, attrs);
                self.frameset_ok = false;
                self.mode = Mode::InTable;
            }
            "area" | "br" | "embed" | "img" | "keygen" | "wbr" | "input" => {
                self.reconstruct();
                self.insert_void(tag, name, attrs);
                self.frameset_ok = false;
            }
            "image" => self.body_start(Tag::of("img"), "img", attrs),
            "param" | "source" | "track" => self.insert_void(tag, name, attrs),
            "hr" => {
                self.close_p();
                self.insert_void(tag, name, attrs);
                self.frameset_ok = false;
            }
            "textarea" => {
                self.insert(tag, name, attrs);
                self.in_raw = true;
                self.skip_newline = true;
                self.frameset_ok = false;
            }
            "xmp" => {
                self.close_p();
                self.reconstruct();
                self.insert(tag, name, attrs);
                self.in_raw = true;
                self.frameset_ok = false;
            }
            "select" => {
                self.reconstruct();
                self.insert(tag, name, attrs);
                self.frameset_ok = false;
                self.mode = if matches!(
                    self.mode,
                    Mode::InTable
                        | Mode::InCaption
                        | Mode::InTableBody
                        | Mode::InRow
                        | Mode::InCell
                ) {
                    Mode::InSelectInTable
                } else {
                    Mode::InSelect
                };
            }
            "optgroup" | "option" => {
                self.close_current(s.option);
                self.reconstruct();
                self.insert(tag, name, attrs);
            }
            "rb" | "rtc" | "rp" | "rt" => {
                if self.has_in_scope(s.ruby, s.scope) {
                    let except = if matches!(name, "rp" | "rt") {
                        Tag::of("rtc")
                    } else {
                        Tag::OTHER
                    };
                    self.generate_implied(except);
                }
                self.insert(tag, name, attrs);
            }
            _ if s.void.contains(tag) => {
                self.reconstruct();
                self.insert_void(tag, name, attrs);
            }
            _ => {
                self.reconstruct();
                self.insert(tag, name, attrs);
            }
        }
    }

    fn body_end<'a>(&mut self, tag: Tag, name: &'a str) -> Option<Tok<'a>> {
        let s = &*SETS;
        match name {
            "template" => {
                if let Some(p) = self.in_scope(TagSet::one(tag), TagSet::default()) {
                    self.generate_implied(Tag::OTHER);
                    self.pop_to(p);
                    self.clear_active_to_marker();
                    self.reset_mode();
                }
                None
            }
            "body" | "html" => {
                if !self.has_in_scope(s.body, s.scope) {
                    return None;
                }
                self.mode = Mode::AfterBody;
                (name == "html").then_some(Tok::End { tag, name })
            }
            "form" => {
                let form = std::mem::replace(&mut self.form, NONE);
                if form == NONE {
                    return None;
                }
                if let Some(p) = self.find(|id, _| id == form, |t| s.scope.contains(t)) {
                    self.generate_implied(Tag::OTHER);
                    self.remove_open(p);
                }
                None
            }
            "p" => {
                if !self.has_in_scope(s.p, s.button_scope) {
                    self.insert_implied("p");
                }
                self.close_p();
                None
            }
            "li" => {
                if self.has_in_scope(TagSet::one(tag), s.list_item_scope) {
                    self.generate_implied(tag);
                    self.pop_until(TagSet::one(tag));
                }
                None
            }
            "dd" | "dt" => {
                if self.has_in_scope(TagSet::one(tag), s.scope) {
                    self.generate_implied(tag);
                    self.pop_until(TagSet::one(tag));
                }
                None
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                if self.has_in_scope(s.headings, s.scope) {
                    self.generate_implied(Tag::OTHER);
                    self.pop_until(s.headings);
                }
                None
            }
            "applet" | "marquee" | "object" => {
                if self.has_in_scope(TagSet::one(tag), s.scope) {
                    self.generate_implied(Tag::OTHER);
                    self.pop_until(TagSet::one(tag));
                    self.clear_active_to_marker();
                }
                None
            }
            "br" => {
                self.body_start(tag, "br", &[]);
                None
            }
            _ if s.block_end.contains(tag) => {
                if self.has_in_scope(TagSet::one(tag), s.scope) {
                    self.generate_implied(Tag::OTHER);
                    self.pop_until(TagSet::one(tag));
                }
                None
            }
            _ if s.formatting.contains(tag) || name == "a" || name == "nobr" => {
                self.adoption(tag, name);
                None
            }
            _ => {
                self.any_other_end_tag(tag, name);
                None
            }
        }
    }

    fn finish(mut self) -> Tree {
        self.process(Tok::Eof);
        self.flatten()
    }

    /// The nodes laid out in document order, each with the index just past
    /// its last descendant, runs of text siblings one node. Most pages are
    /// built in that order already: their slots become the tree as they are.
    fn flatten(mut self) -> Tree {
        if !self.in_document_order() {
            self.reorder();
        }
        drop(std::mem::take(&mut self.nodes));
        self.slots[0].parent = 0;
        Tree {
            slots: self.slots,
            attributes: self.attributes,
            arena: self.arena,
            max_depth: self.max_depth,
        }
    }

    /// Whether a walk of the links meets the nodes in the order they were
    /// made, with no two text nodes side by side; sets each slot's `end` on
    /// the way.
    fn in_document_order(&mut self) -> bool {
        let mut stack: Vec<u32> = vec![0];
        let mut next_id = 1u32;
        let mut child = self.nodes[0].first;
        loop {
            if child != NONE {
                if child != next_id {
                    return false;
                }
                next_id += 1;
                let node = &self.nodes[child as usize];
                if let Data::Text(_) = self.slots[child as usize].data {
                    if node.next != NONE
                        && matches!(self.slots[node.next as usize].data, Data::Text(_))
                    {
                        return false;
                    }
                    self.slots[child as usize].end = next_id;
                    child = node.next;
                } else {
                    stack.push(child);
                    child = node.first;
                }
            } else {
                let Some(done) = stack.pop() else {
                    break;
                };
                self.slots[done as usize].end = next_id;
                if stack.is_empty() {
                    break;
                }
                child = self.nodes[done as usize].next;
            }
        }
        next_id as usize == self.slots.len()
    }

    /// Lays the slots out anew by a walk of the links, merging runs of text
    /// siblings (copied to the arena's end when not contiguous in it).
    fn reorder(&mut self) {
        let old = std::mem::take(&mut self.slots);
        let nodes = &self.nodes;
        let arena = &mut self.arena;
        let mut slots: Vec<Slot> = Vec::with_capacity(old.len());
        slots.push(Slot {
            data: Data::Document,
            parent: 0,
            end: 1,
        });
        let mut stack: Vec<(u32, u32)> = vec![(0, 0)];
        let mut child = nodes[0].first;
        loop {
            if child != NONE {
                let parent = stack.last().map_or(0, |(_, new)| *new);
                let node = &nodes[child as usize];
                match old[child as usize].data {
                    Data::Text(first) => {
                        let mut r = first;
                        let mut copied = false;
                        let mut next = node.next;
                        while next != NONE {
                            let Data::Text(more) = old[next as usize].data else {
                                break;
                            };
                            if !copied && more.start == r.end {
                                r.end = more.end;
                            } else {
                                if !copied {
                                    let text = arena[r.start as usize..r.end as usize].to_string();
                                    r.start = arena.len() as u32;
                                    arena.push_str(&text);
                                    copied = true;
                                }
                                let text =
                                    arena[more.start as usize..more.end as usize].to_string();
                                arena.push_str(&text);
                                r.end = arena.len() as u32;
                            }
                            next = nodes[next as usize].next;
                        }
                        if !r.is_empty() {
                            let id = slots.len() as u32;
                            slots.push(Slot {
                                data: Data::Text(r),
                                parent,
                                end: id + 1,
                            });
                        }
                        child = next;
                    }
                    data => {
                        let id = slots.len() as u32;
                        slots.push(Slot {
                            data,
                            parent,
                            end: id + 1,
                        });
                        stack.push((child, id));
                        child = node.first;
                    }
                }
            } else {
                let Some((done, new)) = stack.pop() else {
                    break;
                };
                slots[new as usize].end = slots.len() as u32;
                if stack.is_empty() {
                    break;
                }
                child = nodes[done as usize].next;
            }
        }
        self.slots = slots;
    }
}

impl Builder {
    fn after_newline<'a>(&mut self, text: &'a str) -> &'a str {
        if std::mem::replace(&mut self.skip_newline, false) {
            text.strip_prefix('\n').unwrap_or(text)
        } else {
            text
        }
    }
}

impl TokenSink for Builder {
    fn start_tag(&mut self, name: &str, attributes: &[(&'static str, &str)], _self_closing: bool) {
        self.in_raw = false;
        self.skip_newline = false;
        self.process(Tok::Start {
            tag: Tag::of(name),
            name,
            attrs: attributes,
        });
    }

    fn end_tag(&mut self, name: &str) {
        self.skip_newline = false;
        if std::mem::replace(&mut self.in_raw, false) {
            // The end of a raw-text element: its text is in.
            self.pop();
            return;
        }
        self.process(Tok::End {
            tag: Tag::of(name),
            name,
        });
    }

    fn text(&mut self, raw: &str) {
        let raw = self.after_newline(raw);
        self.process(Tok::Text(raw));
    }

    fn raw_text(&mut self, text: &str, references: bool) {
        let text = self.after_newline(text);
        if !self.in_raw && self.current_tag() != Tag::of("plaintext") {
            // Its element was not inserted (a <title> in a <select>): the
            // text is text where it is.
            self.process(Tok::Text(text));
            return;
        }
        let current = self.current();
        let r = if references {
            self.store(text, true)
        } else if text.contains('\0') {
            self.store(&text.replace('\0', ""), false)
        } else {
            self.store(text, false)
        };
        self.insert_range(Place(current, NONE), r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tree written back as markup, text trimmed, empty text left out,
    /// the `<html>`, `<head>` and `<body>` every page gets left out (their
    /// content is not).
    fn shape(page: &str) -> String {
        let t = Tree::parse(page);
        let mut out = String::new();
        for edge in t.edges() {
            match (edge, t.node(edge_id(edge))) {
                (_, Node::Element(e)) if matches!(e.name(), "html" | "head" | "body") => {}
                (Edge::Open(_), Node::Element(e)) => {
                    out.push('<');
                    out.push_str(e.name());
                    out.push('>');
                }
                (Edge::Close(_), Node::Element(e)) if !SETS.void.contains(e.tag()) => {
                    out.push_str("</");
                    out.push_str(e.name());
                    out.push('>');
                }
                (Edge::Open(_), Node::Text(s)) => out.push_str(s.trim()),
                _ => {}
            }
        }
        out
    }

    fn edge_id(e: Edge) -> NodeId {
        match e {
            Edge::Open(id) | Edge::Close(id) => id,
        }
    }

    #[test]
    fn blocks_close_what_html_leaves_open() {
        assert_eq!(
            shape("<p>a<p>b<div>c</div>"),
            "<p>a</p><p>b</p><div>c</div>"
        );
        assert_eq!(
            shape("<ul><li>a<li>b<ul><li>c</ul><li>d</ul>"),
            "<ul><li>a</li><li>b<ul><li>c</li></ul></li><li>d</li></ul>"
        );
        assert_eq!(
            shape("<table><tr><td>a<td>b<tr><td>c</table>"),
            "<table><tbody><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></tbody></table>"
        );
        assert_eq!(
            shape("<dl><dt>a<dd>b<dt>c</dl>"),
            "<dl><dt>a</dt><dd>b</dd><dt>c</dt></dl>"
        );
        assert_eq!(shape("<h2>a<h3>b</h3>"), "<h2>a</h2><h3>b</h3>");
        assert_eq!(shape("<p>a<br>b<img>c</p>"), "<p>a<br>b<img>c</p>");
    }

    #[test]
    fn end_tags_close_what_was_left_open_inside_and_stray_ones_are_ignored() {
        assert_eq!(
            shape("<div><span><a>x</div>y"),
            "<div><span><a>x</a></span></div><a>y</a>",
            "a link left open is reopened for the text after the block"
        );
        assert_eq!(shape("<div>a</span>b</div>"), "<div>ab</div>");
        assert_eq!(
            shape("<div><span>a<p>b</span>c</p></div>"),
            "<div><span>a<p>bc</p></span></div>",
            "</span> does not close through the <p> opened in it"
        );
        assert_eq!(shape("<a>x<a>y</a>"), "<a>x</a><a>y</a>");
        assert_eq!(shape("a</br>b"), "a<br>b");
        assert_eq!(
            shape("<table><tr><td><div>a</table>b"),
            "<table><tbody><tr><td><div>a</div></td></tr></tbody></table>b"
        );
        assert_eq!(
            shape("<div><table><tr><td>a</div>b</td></tr></table>c</div>"),
            "<div><table><tbody><tr><td>ab</td></tr></tbody></table>c</div>",
            "an end tag inside a cell does not close what is outside the table"
        );
    }

    #[test]
    fn a_walk_can_skip_what_a_node_holds() {
        let t = Tree::parse("<div><nav><p>menu</p></nav><p>story</p></div>");
        let mut edges = t.edges();
        let mut seen = Vec::new();
        while let Some(edge) = edges.next() {
            match (edge, t.node(edge_id(edge))) {
                (Edge::Open(_), Node::Element(e)) if e.name() == "nav" => {
                    seen.push("<nav>".to_string());
                    edges.skip_descendants();
                }
                (Edge::Open(_), Node::Element(e)) => seen.push(format!("<{}>", e.name())),
                (Edge::Open(_), Node::Text(s)) => seen.push(s.to_string()),
                (Edge::Close(_), Node::Element(e)) => seen.push(format!("</{}>", e.name())),
                _ => {}
            }
        }
        assert_eq!(
            seen.concat(),
            "<html><head></head><body><div><nav></nav><p>story</p></div></body></html>",
            "the nav's paragraph is never visited, its close still is"
        );
    }

    /// The whole tree written back as markup, text trimmed.
    fn full_shape(page: &str) -> String {
        let t = Tree::parse(page);
        let mut out = String::new();
        for edge in t.edges() {
            match (edge, t.node(edge_id(edge))) {
                (Edge::Open(_), Node::Element(e)) => out.push_str(&format!("<{}>", e.name())),
                (Edge::Close(_), Node::Element(e)) if !SETS.void.contains(e.tag()) => {
                    out.push_str(&format!("</{}>", e.name()))
                }
                (Edge::Open(_), Node::Text(s)) => out.push_str(s.trim()),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn one_body_and_text_merged() {
        assert_eq!(
            full_shape("<html><body>a<body>b</body>c</html>"),
            "<html><head></head><body>abc</body></html>"
        );
    }

    #[test]
    fn every_page_gets_a_head_and_a_body_and_body_content_closes_the_head() {
        assert_eq!(
            full_shape("<title>T</title><p>x"),
            "<html><head><title>T</title></head><body><p>x</p></body></html>"
        );
        assert_eq!(
            full_shape("<html><head><title>T</title><body><p>x"),
            "<html><head><title>T</title></head><body><p>x</p></body></html>",
            "<body> closes a head never closed"
        );
        assert_eq!(
            full_shape("<html><head><title>T</title><div>x</div>"),
            "<html><head><title>T</title></head><body><div>x</div></body></html>",
            "so does body content"
        );
        assert_eq!(
            full_shape("<html><head><title>T</title></head><html><head><meta></head><body>x"),
            "<html><head><title>T</title><meta></head><body>x</body></html>",
            "a second <html> or <head> is ignored, a <meta> after the head goes into it"
        );
        assert_eq!(
            full_shape(r#"<head><meta content="</head><body>"><p>x"#),
            "<html><head><meta></head><body><p>x</p></body></html>",
            "a </head> inside an attribute is no end tag"
        );
    }

    #[test]
    fn text_misplaced_in_a_table_goes_before_it() {
        assert_eq!(
            shape("<table>Lead<tr><td>cell</td></tr>More</table>After"),
            "LeadMore<table><tbody><tr><td>cell</td></tr></tbody></table>After"
        );
        assert_eq!(
            shape("<table><tr><td>a</td><div>Stray block</div></tr></table>"),
            "<div>Stray block</div><table><tbody><tr><td>a</td></tr></tbody></table>",
            "an element misplaced in a table goes before it too"
        );
        assert_eq!(
            shape("<table> <tr> <td>a</td> </tr> </table>"),
            "<table><tbody><tr><td>a</td></tr></tbody></table>",
            "whitespace stays where it is"
        );
    }

    #[test]
    fn misnested_formatting_is_closed_and_reopened() {
        assert_eq!(
            shape("<p><b>one<p>two</b>three"),
            "<p><b>one</b></p><p><b>two</b>three</p>"
        );
        assert_eq!(
            shape("<b>bold<div>inside</b>after</div>"),
            "<b>bold</b><div><b>inside</b>after</div>",
            "the adoption agency moves the block out of the <b>"
        );
    }

    #[test]
    fn pages_whose_head_is_never_closed_keep_their_article() {
        let story = "<p>The Tidewater ferry board voted on Tuesday to raise fares for the first time in nine years, citing fuel costs and the repair of the north landing.</p>\
            <p>Commuters who cross twice a day will pay about forty more a month, the board said, while students and pensioners keep their discount.</p>\
            <p>Board chair Ines Vallor said the increase would be reviewed after a year, and that a new timetable would be published in the spring.</p>";
        let pages = [
            format!("<html><head><title>Ferry fares rise</title><meta charset=utf-8><body><article>{story}</article></body></html>"),
            format!("<html><head><title>Ferry fares rise</title></head><html><head><meta name=x content=y></head><body><article>{story}</article></body></html>"),
            format!("<html><head><title>Ferry fares rise</title><head><body><article>{story}</article>"),
            format!(r#"<html><head><title>Ferry fares rise</title><meta name="description" content="Fares rise.</head><body>"><body><article>{story}</article>"#),
            format!("<html><head><title>Ferry fares rise</title><div class=story>{story}</div>"),
        ];
        for page in pages {
            let a = crate::extract_html(&page, &crate::Hints::default(), "fixture.html")
                .unwrap_or_else(|e| panic!("{e}: {page}"));
            assert!(
                a.text.contains("raise fares") && a.text.contains("new timetable"),
                "{page}\n=> {}",
                a.text
            );
        }
    }

    #[test]
    fn references_are_decoded_windows_1252_numbers_too() {
        let t = Tree::parse(
            r#"<p title="x">Tom &amp; Jerry&#146;s &eacute;t&eacute; &#x2014; &lt;b&gt;</p><meta content="A &quot;B&quot;">"#,
        );
        assert_eq!(t.text_of(Tree::ROOT), "Tom & Jerry’s été — <b>");
        let meta = t.elements().find(|(_, e)| e.name() == "meta").unwrap().1;
        assert_eq!(meta.attr("content"), Some("A \"B\""));
    }

    #[test]
    fn references_without_semicolons_are_read_as_html5_reads_them() {
        let t = Tree::parse(
            "<p>A&nbsp;B&nbspC &copy 2009 &#39quoted&#39 &#x41; &amp &ampx &#0; &#xD800; &#38;lt;</p>",
        );
        assert_eq!(
            t.text_of(Tree::ROOT),
            "A\u{a0}B&nbspC © 2009 'quoted' A & &ampx \u{FFFD} \u{FFFD} &lt;"
        );
        let t = Tree::parse(r#"<meta content="a?x=1&copy=2&amp;y">"#);
        let meta = t.elements().find(|(_, e)| e.name() == "meta").unwrap().1;
        assert_eq!(meta.attr("content"), Some("a?x=1&copy=2&y"), "not before =");
    }

    #[test]
    fn json_ld_and_title_are_read_raw_and_decoded() {
        let t = Tree::parse(
            r#"<title>A &amp; B</title><script type="application/ld+json">{"a":"&amp;"}</script>"#,
        );
        let text: Vec<String> = t
            .elements()
            .filter(|(_, e)| !matches!(e.name(), "html" | "head" | "body"))
            .map(|(id, e)| format!("{}={}", e.name(), t.text_of(id)))
            .collect();
        assert_eq!(text, [r#"title=A & B"#, r#"script={"a":"&amp;"}"#]);
    }

    #[test]
    fn a_node_costs_what_the_module_comment_says() {
        assert_eq!(std::mem::size_of::<Slot>(), 28);
        assert_eq!(std::mem::size_of::<Links>(), 20);
    }

    #[test]
    fn reopened_formatting_cannot_multiply_nodes() {
        // Many formatting elements left open, then blocks that close them:
        // each text would re-open all of them.
        let open: String = (0..60).map(|i| format!("<b class=c{i}>")).collect();
        let page = format!("{open}{}", "<div></div>x".repeat(5_000));
        let t = Tree::parse(&page);
        assert!(
            t.len() <= page.len() / 2 + 200,
            "{} nodes from {} bytes",
            t.len(),
            page.len()
        );
        assert_eq!(t.text_of(Tree::ROOT).len(), 5_000, "no text is lost");
    }

    #[test]
    fn depth_is_measured_and_deep_pages_cost_no_stack() {
        let deep = "<div>".repeat(20_000) + "x" + &"</div>".repeat(20_000);
        let t = Tree::parse(&deep);
        assert_eq!(t.max_depth(), 20_002, "the divs, <html> and <body>");
        assert_eq!(t.edges().count(), 2 * 20_005);
        let flat = "<p>a<p>b<br><img src=x><li>c".repeat(50);
        assert!(Tree::parse(&flat).max_depth() <= 4);
    }

    /// Markup pieces the insertion modes treat each their own way.
    fn markup() -> impl Strategy<Value = String> {
        let names = prop::sample::select(vec![
            "html",
            "head",
            "body",
            "title",
            "meta",
            "p",
            "div",
            "a",
            "b",
            "i",
            "nobr",
            "font",
            "table",
            "caption",
            "colgroup",
            "col",
            "tbody",
            "tr",
            "td",
            "th",
            "select",
            "option",
            "optgroup",
            "li",
            "ul",
            "dd",
            "h1",
            "h2",
            "form",
            "button",
            "textarea",
            "pre",
            "template",
            "frameset",
            "frame",
            "svg",
            "object",
            "ruby",
            "rt",
            "br",
            "hr",
            "input",
            "plaintext",
            "xmp",
            "x-tag",
        ]);
        let piece = (names, 0..4u8).prop_map(|(name, kind)| match kind {
            0 => format!("<{name}>"),
            1 => format!("</{name}>"),
            2 => format!("<{name} class=c>t "),
            _ => " ẋ ".to_string(),
        });
        prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn any_mix_of_markup_makes_a_well_formed_tree_with_all_its_text(page in markup()) {
            let t = Tree::parse(&page);
            let mut open: Vec<NodeId> = Vec::new();
            for edge in t.edges() {
                match edge {
                    Edge::Open(id) => {
                        prop_assert_eq!(t.parent(id), open.last().copied());
                        open.push(id);
                    }
                    Edge::Close(id) => prop_assert_eq!(open.pop(), Some(id)),
                }
            }
            prop_assert!(open.is_empty());
            prop_assert!(t.len() <= page.len() / 2 + 200);
            // Text is never added (a <frameset> may drop some, as HTML5
            // does).
            let text = t.text_of(Tree::ROOT);
            prop_assert!(text.matches('ẋ').count() <= page.matches('ẋ').count());
        }

        #[test]
        fn every_node_opens_and_closes_once_inside_its_parent(
            page in "(<|>|/|p|div|li|td|tr|table|a|b|span| |x|&amp;|&#146;|=|\"){0,300}"
        ) {
            let t = Tree::parse(&page);
            let mut open: Vec<NodeId> = Vec::new();
            let mut seen = 0;
            for edge in t.edges() {
                match edge {
                    Edge::Open(id) => {
                        prop_assert_eq!(t.parent(id), open.last().copied());
                        open.push(id);
                        seen += 1;
                    }
                    Edge::Close(id) => prop_assert_eq!(open.pop(), Some(id)),
                }
            }
            prop_assert!(open.is_empty());
            prop_assert_eq!(seen, t.slots.len());
        }
    }
}

//! The page as a tree of elements and text, built from the tokenizer's tokens.
//!
//! A tree for reading a page, not a browser's DOM: it follows the HTML5
//! tree-construction rules that decide where text lands on news pages
//! (void elements; a `<p>` closed by the next block; `<li>`, `<dd>`, `<td>`,
//! `<tr>`, `<option>` closed by their next sibling; an end tag closing what
//! was left open inside it, and ignored when nothing in scope matches),
//! and leaves out the rest (foster parenting of text misplaced in tables,
//! the adoption agency's re-opening of misnested `<b>`, `<head>`/`<body>`
//! synthesis). Text under a misnested tag lands in the same block either way.
//!
//! Nodes are stored in document order, each with the index just past its
//! last descendant, so a subtree is a range and a walk needs no recursion.
//! Scope searches look at most [`SCOPE_LIMIT`] elements up the stack, so a
//! page's cost is linear in its size whatever its nesting.

use std::sync::LazyLock;

use crate::tokenizer::{tokenize, TokenSink};

pub type NodeId = usize;

/// How far up the open elements a scope search looks (real pages nest under
/// a hundred deep; only crafted ones go further).
pub const SCOPE_LIMIT: usize = 512;

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
    start: usize,
    end: usize,
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
    parent: NodeId,
    /// Just past the last descendant.
    end: NodeId,
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
        let mut b = Builder {
            tree: Tree {
                slots: Vec::with_capacity(page.len() / 64),
                attributes: Vec::with_capacity(page.len() / 256),
                arena: String::with_capacity(page.len() / 4),
                max_depth: 0,
            },
            open: Vec::new(),
        };
        b.tree.slots.push(Slot {
            data: Data::Document,
            parent: 0,
            end: 1,
        });
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
        &self.arena[r.start..r.end]
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
        (id != Self::ROOT).then(|| self.slots[id].parent)
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
        for slot in &self.slots[id..self.slots[id].end] {
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
            self.next = self.tree.slots[top].end;
        }
    }
}

impl Iterator for Edges<'_> {
    type Item = Edge;

    fn next(&mut self) -> Option<Edge> {
        if let Some(&top) = self.open.last() {
            if self.tree.slots[top].end == self.next {
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
    row_scope: TagSet,
    special: TagSet,
    once: TagSet,
    p: TagSet,
    dd_dt: TagSet,
    td_th: TagSet,
    table_sections: TagSet,
    option: TagSet,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    void: TagSet::of(VOID),
    closes_p: TagSet::of(CLOSES_P),
    headings: TagSet::of(HEADINGS),
    scope: TagSet::of(SCOPE),
    button_scope: TagSet::of(SCOPE).union(TagSet::of(&["button"])),
    list_item_scope: TagSet::of(SCOPE).union(TagSet::of(&["ol", "ul"])),
    table_scope: TagSet::of(TABLE_SCOPE),
    row_scope: TagSet::of(TABLE_SCOPE).union(TagSet::of(&["tr"])),
    special: TagSet::of(SPECIAL),
    once: TagSet::of(&["html", "head", "body"]),
    p: TagSet::of(&["p"]),
    dd_dt: TagSet::of(&["dd", "dt"]),
    td_th: TagSet::of(&["td", "th"]),
    table_sections: TagSet::of(&["thead", "tbody", "tfoot"]),
    option: TagSet::of(&["option"]),
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
    html_escape::decode_html_entities_to_string(raw, out);
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

struct Builder {
    tree: Tree,
    /// Open elements, outermost first (the document is not listed).
    open: Vec<(NodeId, Tag)>,
}

impl Builder {
    fn current(&self) -> NodeId {
        self.open.last().map_or(Tree::ROOT, |(id, _)| *id)
    }

    /// Closes open elements down to `position` in the stack.
    fn close_to(&mut self, position: usize) {
        let end = self.tree.slots.len();
        for (id, _) in self.open.drain(position..) {
            self.tree.slots[id].end = end;
        }
    }

    /// Where in the stack the nearest open element `is_target` accepts is,
    /// if none in `boundaries` comes first.
    fn find_in_scope(
        &self,
        is_target: impl Fn(NodeId, Tag) -> bool,
        boundaries: TagSet,
    ) -> Option<usize> {
        let lowest = self.open.len().saturating_sub(SCOPE_LIMIT);
        for position in (lowest..self.open.len()).rev() {
            let (id, tag) = self.open[position];
            if is_target(id, tag) {
                return Some(position);
            }
            if boundaries.contains(tag) {
                return None;
            }
        }
        None
    }

    fn close_in_scope(&mut self, targets: TagSet, boundaries: TagSet) {
        if let Some(position) = self.find_in_scope(|_, tag| targets.contains(tag), boundaries) {
            self.close_to(position);
        }
    }

    fn close_current_if(&mut self, set: TagSet) {
        if self.open.last().is_some_and(|(_, tag)| set.contains(*tag)) {
            self.close_to(self.open.len() - 1);
        }
    }

    fn push(&mut self, data: Data) -> NodeId {
        let id = self.tree.slots.len();
        let parent = self.current();
        self.tree.slots.push(Slot {
            data,
            parent,
            end: id + 1,
        });
        id
    }

    /// Copies `s` into the arena, references decoded if `decode`.
    fn store(&mut self, s: &str, decode: bool) -> Range {
        let start = self.tree.arena.len();
        if decode {
            push_decoded(&mut self.tree.arena, s);
        } else {
            self.tree.arena.push_str(s);
        }
        Range {
            start,
            end: self.tree.arena.len(),
        }
    }

    /// Adds text (references decoded if `decode`) to the current element.
    fn append_text(&mut self, text: &str, decode: bool) {
        if text.is_empty() {
            return;
        }
        let current = self.current();
        let arena_end = self.tree.arena.len();
        // Text right after text in the same element is one node, as in a DOM.
        let extends_last = self.tree.slots.last().is_some_and(|last| {
            matches!(last.data, Data::Text(r) if r.end == arena_end) && last.parent == current
        });
        let r = self.store(text, decode);
        if extends_last {
            if let Some(Slot {
                data: Data::Text(last),
                ..
            }) = self.tree.slots.last_mut()
            {
                last.end = r.end;
            }
            return;
        }
        if !r.is_empty() {
            self.push(Data::Text(r));
        }
    }

    fn finish(mut self) -> Tree {
        self.close_to(0);
        self.tree.slots[Tree::ROOT].end = self.tree.slots.len();
        self.tree
    }
}

impl TokenSink for Builder {
    fn start_tag(&mut self, name: &str, attributes: &[(&'static str, &str)], _self_closing: bool) {
        let s = &*SETS;
        let tag = Tag::of(name);
        // A second <html>, <head> or <body> adds nothing a reader needs.
        if s.once.contains(tag)
            && self
                .find_in_scope(|_, open| open == tag, TagSet::default())
                .is_some()
        {
            return;
        }
        if s.closes_p.contains(tag) {
            self.close_in_scope(s.p, s.button_scope);
        }
        match name {
            "li" => self.close_in_scope(TagSet::one(tag), s.list_item_scope),
            "dd" | "dt" => self.close_in_scope(s.dd_dt, s.scope),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.close_current_if(s.headings),
            "option" => self.close_current_if(TagSet::one(tag)),
            "optgroup" => {
                self.close_current_if(s.option);
                self.close_current_if(TagSet::one(tag));
            }
            "tr" => self.close_in_scope(TagSet::one(tag), s.table_scope),
            "td" | "th" => self.close_in_scope(s.td_th, s.row_scope),
            "thead" | "tbody" | "tfoot" => self.close_in_scope(s.table_sections, s.table_scope),
            // A link inside a link is not allowed: the first one ends.
            "a" => self.close_in_scope(TagSet::one(tag), s.special),
            "button" => self.close_in_scope(TagSet::one(tag), s.scope),
            _ => {}
        }
        let name = match tag {
            Tag::OTHER => self.store(name, false),
            _ => Range::default(),
        };
        let first = self.tree.attributes.len() as u32;
        for (n, v) in attributes {
            let value = self.store(v, true);
            self.tree.attributes.push(Attribute { name: n, value });
        }
        let id = self.push(Data::Element {
            tag,
            name,
            attributes: (first, self.tree.attributes.len() as u32),
        });
        if !s.void.contains(tag) {
            self.open.push((id, tag));
            self.tree.max_depth = self.tree.max_depth.max(self.open.len());
        }
    }

    fn end_tag(&mut self, name: &str) {
        let s = &*SETS;
        let tag = Tag::of(name);
        match name {
            "br" => self.start_tag("br", &[], true),
            "body" | "html" => {}
            "p" => self.close_in_scope(TagSet::one(tag), s.button_scope),
            "li" => self.close_in_scope(TagSet::one(tag), s.list_item_scope),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.close_in_scope(s.headings, s.scope),
            "td" | "th" | "tr" | "thead" | "tbody" | "tfoot" | "table" | "caption" => {
                self.close_in_scope(TagSet::one(tag), s.table_scope)
            }
            _ if s.special.contains(tag) => self.close_in_scope(TagSet::one(tag), s.scope),
            // Any other end tag closes its element unless a block element
            // opened inside it is still open.
            _ if tag != Tag::OTHER => self.close_in_scope(TagSet::one(tag), s.special),
            _ => {
                let tree = &self.tree;
                let named = |id: NodeId, _| tree.element(id).is_some_and(|e| e.name() == name);
                if let Some(position) = self.find_in_scope(named, s.special) {
                    self.close_to(position);
                }
            }
        }
    }

    fn text(&mut self, raw: &str) {
        self.append_text(raw, true);
    }

    fn raw_text(&mut self, text: &str, references: bool) {
        if references {
            self.append_text(text, true);
        } else if text.contains('\0') {
            self.append_text(&text.replace('\0', ""), false);
        } else {
            self.append_text(text, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tree written back as markup, text trimmed, empty text left out.
    fn shape(page: &str) -> String {
        let t = Tree::parse(page);
        let mut out = String::new();
        for edge in t.edges() {
            match (edge, t.node(edge_id(edge))) {
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
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
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
            "<div><span><a>x</a></span></div>y"
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
            "<table><tr><td><div>a</div></td></tr></table>b"
        );
        assert_eq!(
            shape("<div><table><tr><td>a</div>b</td></tr></table>c</div>"),
            "<div><table><tr><td>ab</td></tr></table>c</div>",
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
            "<div><nav></nav><p>story</p></div>",
            "the nav's paragraph is never visited, its close still is"
        );
    }

    #[test]
    fn one_body_and_text_merged() {
        assert_eq!(
            shape("<html><body>a<body>b</body>c</html>"),
            "<html><body>abc</body></html>"
        );
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
    fn json_ld_and_title_are_read_raw_and_decoded() {
        let t = Tree::parse(
            r#"<title>A &amp; B</title><script type="application/ld+json">{"a":"&amp;"}</script>"#,
        );
        let text: Vec<String> = t
            .elements()
            .map(|(id, e)| format!("{}={}", e.name(), t.text_of(id)))
            .collect();
        assert_eq!(text, [r#"title=A & B"#, r#"script={"a":"&amp;"}"#]);
    }

    #[test]
    fn depth_is_measured_and_deep_pages_cost_no_stack() {
        let deep = "<div>".repeat(20_000) + "x" + &"</div>".repeat(20_000);
        let t = Tree::parse(&deep);
        assert_eq!(t.max_depth(), 20_000);
        assert_eq!(t.edges().count(), 2 * 20_002);
        let flat = "<p>a<p>b<br><img src=x><li>c".repeat(50);
        assert!(Tree::parse(&flat).max_depth() <= 2);
    }

    proptest! {
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

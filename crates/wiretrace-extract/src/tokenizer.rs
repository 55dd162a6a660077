//! The page's markup read as tokens: start tags, end tags, text.
//!
//! Over half the bytes of a typical news page are scripts, styles, inline SVG
//! and comments, none of it prose: this tokenizer skips them at memchr speed
//! without emitting a token, keeps JSON-LD scripts (where `NewsArticle`
//! metadata and `articleBody` live), and hands on each start tag only the
//! attributes the extractor reads. It knows what makes `<` markup or not
//! (quoted attribute values, comments, raw-text elements such as `<script>`
//! and `<title>`), as the HTML5 tokenizer does; where the two disagree (a
//! script holding `<!--<script>`, a CDATA section holding `>`), the page is
//! only cut slightly differently.
//!
//! It does not decode character references (the sink does, on the text it
//! keeps) and does not build a tree: `tree.rs` does, from these tokens.

/// Elements whose content is text, not markup, up to their end tag; `drop`
/// says whether the element is cut out whole.
const RAW_TEXT: &[(&str, bool)] = &[
    ("script", true),
    ("style", true),
    ("noscript", true), // raw text when scripting is on, as the parser has it
    ("iframe", true),
    ("noembed", true),
    ("noframes", true),
    ("xmp", false),
    ("textarea", false),
    ("title", false),
];

/// Elements cut out whole, with what they contain: drawings and formulas.
const DROPPED: &[&str] = &["svg", "math"];

/// Start tags that end a drawing or formula left open, as they end foreign
/// content in HTML5 (an `<svg>` never closed does not take the article).
const BREAKS_OUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];

/// End tags that end a drawing or formula left open: HTML5 closes the
/// drawing with the HTML element around it (`<div><svg></div>`); these are
/// names no SVG or MathML element has.
const ENDS_OUT: &[&str] = &[
    "p",
    "br",
    "div",
    "span",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "li",
    "ul",
    "ol",
    "td",
    "th",
    "tr",
    "tbody",
    "table",
    "body",
    "html",
    "figure",
    "figcaption",
    "blockquote",
    "button",
    "form",
    "label",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
];

static COMMENT_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"-->"));

/// The attributes the extractor reads (`html.rs`'s `Attrs`, `meta.rs`),
/// plus `href` on `<link>`: start tags are handed on with these only. The
/// rest (links, image sources, data attributes, handlers) is a third of a
/// page's markup. Add here any attribute a new rule reads.
const READ_ATTRIBUTES: &[&str] = &[
    "class",
    "id",
    "style",
    "role",
    "itemprop",
    "hidden",
    "aria-hidden",
    "content",
    "datetime",
    "lang",
    "xml:lang",
    "name",
    "property",
    "rel",
    "type",
    "charset",
    "http-equiv",
];

/// A tag's name, lower-cased into a small buffer (no tag that matters here is
/// longer).
#[derive(Clone, Copy)]
struct Name {
    buf: [u8; 12],
    len: usize,
}

impl Name {
    fn read(b: &[u8], start: usize) -> (Name, usize) {
        let mut name = Name {
            buf: [0; 12],
            len: 0,
        };
        let mut i = start;
        while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>') {
            if name.len < name.buf.len() {
                name.buf[name.len] = b[i].to_ascii_lowercase();
            }
            name.len += 1;
            i += 1;
        }
        (name, i)
    }
    fn is(&self, s: &str) -> bool {
        self.len == s.len() && &self.buf[..self.len.min(self.buf.len())] == s.as_bytes()
    }
    fn same(&self, other: &Name) -> bool {
        self.len == other.len && self.buf == other.buf
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// Reads a tag's attributes from `i` (just after its name) to just past its
/// `>` into `attributes`; returns that position (the input's end if the tag
/// never closes) and whether the tag is self-closing.
fn read_attributes(b: &[u8], mut i: usize, attributes: &mut Vec<Attribute>) -> (usize, bool) {
    let mut self_closing = false;
    attributes.clear();
    loop {
        while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
            self_closing = b[i] == b'/';
            i += 1;
        }
        if i >= b.len() {
            return (b.len(), false);
        }
        if b[i] == b'>' {
            return (i + 1, self_closing);
        }
        self_closing = false;
        // An attribute name runs to a space, `/`, `>` or `=`.
        let attribute_start = i;
        i += 1;
        while i < b.len()
            && !matches!(
                b[i],
                b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>' | b'='
            )
        {
            i += 1;
        }
        let name_end = i;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            attributes.push(Attribute {
                name: attribute_start..name_end,
                value: name_end..name_end,
            });
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            let value = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let quote = b[i];
                let start = i + 1;
                i = match memchr::memchr(quote, &b[start..]) {
                    Some(q) => start + q + 1,
                    None => return (b.len(), false),
                };
                start..i - 1
            } else {
                let start = i;
                while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
                start..i
            };
            attributes.push(Attribute {
                name: attribute_start..name_end,
                value,
            });
        }
    }
}

/// Where the raw text of element `name` ends (the `<` of its end tag), from
/// `i`; the input's end if it never does.
fn raw_text_end(b: &[u8], mut i: usize, name: &str) -> usize {
    let n = name.len();
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let at = i + off;
        let after = at + 2 + n;
        if b.get(at + 1) == Some(&b'/')
            && b.len() >= after
            && b[at + 2..after].eq_ignore_ascii_case(name.as_bytes())
            && (after == b.len() || is_space(b[after]) || b[after] == b'/' || b[after] == b'>')
        {
            return at;
        }
        i = at + 1;
    }
    b.len()
}

/// Just past the end of the tag that starts at `i` (`<` of `</name ...>`),
/// the input's end if it never closes.
fn end_tag_end(b: &[u8], i: usize) -> usize {
    let (_, after_name) = Name::read(b, i + 2);
    read_attributes(b, after_name, &mut Vec::new()).0
}

/// What the tokenizer hands on.
pub(crate) trait TokenSink {
    /// A start tag: its lower-case name, and the attributes the extractor
    /// reads (canonical name, value as written: unquoted, references
    /// undecoded), first of each name only.
    fn start_tag(&mut self, name: &str, attributes: &[(&'static str, &str)], self_closing: bool);
    /// An end tag's lower-case name.
    fn end_tag(&mut self, name: &str);
    /// Text between tags, character references undecoded.
    fn text(&mut self, raw: &str);
    /// The content of a kept raw-text element (a JSON-LD script, `<title>`),
    /// between its start and end tags; `references` says whether character
    /// references in it mean anything (they do in `<title>`, not in a script).
    fn raw_text(&mut self, text: &str, references: bool);
}

/// `name` lower-cased, borrowed when it already is.
fn lower<'a>(name: &'a str, buf: &'a mut String) -> &'a str {
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        buf.clear();
        buf.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        buf
    } else {
        name
    }
}

/// Where an attribute's name and value are in the page (the value without
/// its quotes; empty when there is none).
struct Attribute {
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// An attribute's canonical name if the extractor reads it.
fn read_name(attribute: &str, on_link: bool) -> Option<&'static str> {
    // Most names are short and lower-case: rule most out by length first.
    if !(2..=12).contains(&attribute.len()) {
        return None;
    }
    READ_ATTRIBUTES
        .iter()
        .copied()
        .find(|a| a.len() == attribute.len() && a.eq_ignore_ascii_case(attribute))
        .or_else(|| (on_link && attribute.eq_ignore_ascii_case("href")).then_some("href"))
}

/// Tokenizes `page` into `sink`, skipping scripts, styles, comments and
/// drawings.
pub(crate) fn tokenize(page: &str, sink: &mut impl TokenSink) {
    let b = page.as_bytes();
    // Inside a dropped element: its name and how many of it are open.
    let mut dropping: Option<(Name, usize)> = None;
    let mut ranges = Vec::new();
    let mut kept: Vec<(&'static str, &str)> = Vec::new();
    let mut name_buf = String::new();
    let mut i = 0;
    // Text from `copied` to the next markup is still to be handed on.
    let mut copied = 0;
    let text = |sink: &mut _, from: usize, to: usize, dropping: &Option<(Name, usize)>| {
        if to > from && dropping.is_none() {
            TokenSink::text(sink, &page[from..to]);
        }
    };
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + off;
        let next = b.get(lt + 1).copied().unwrap_or(0);
        let end = if b[lt..].starts_with(b"<!--") {
            // A comment: `<!-->` and `<!--->` close at once.
            let body = lt + 4;
            if b[body..].starts_with(b">") {
                body + 1
            } else if b[body..].starts_with(b"->") {
                body + 2
            } else {
                // `--!>` closes one too, if it comes first.
                let close = COMMENT_END
                    .find(&b[body..])
                    .map_or(b.len(), |p| body + p + 3);
                memchr::memmem::find(&b[body..close], b"--!>").map_or(close, |p| body + p + 4)
            }
        } else if next == b'!'
            || next == b'?'
            || (next == b'/' && !b.get(lt + 2).is_some_and(u8::is_ascii_alphabetic))
        {
            // Doctype, bogus comment or `</>`: up to the first `>`.
            memchr::memchr(b'>', &b[lt + 1..]).map_or(b.len(), |g| lt + 1 + g + 1)
        } else if next == b'/' {
            let (name, after_name) = Name::read(b, lt + 2);
            let end = end_tag_end(b, lt);
            text(sink, copied, lt, &dropping);
            if dropping.is_some() && ENDS_OUT.iter().any(|n| name.is(n)) {
                dropping = None;
            }
            if let Some((open, count)) = dropping.as_mut() {
                if name.same(open) {
                    *count -= 1;
                    if *count == 0 {
                        dropping = None;
                    }
                }
            } else if b[end - 1] == b'>' {
                sink.end_tag(lower(&page[lt + 2..after_name], &mut name_buf));
            }
            i = end;
            copied = end;
            if i >= b.len() {
                break;
            }
            continue;
        } else if next.is_ascii_alphabetic() {
            let (name, after_name) = Name::read(b, lt + 1);
            let (tag_end, self_closing) = read_attributes(b, after_name, &mut ranges);
            text(sink, copied, lt, &dropping);
            if dropping.is_some() && BREAKS_OUT.iter().any(|n| name.is(n)) {
                dropping = None;
            }
            if b[tag_end - 1] != b'>' {
                // A tag cut off by the end of the page is no tag.
                return;
            }
            let name_str = &page[lt + 1..after_name];
            let link = name.is("link");
            let mut start_tag = |sink: &mut _, name_buf: &mut String| {
                kept.clear();
                for a in &ranges {
                    if let Some(canonical) = read_name(&page[a.name.clone()], link) {
                        if !kept.iter().any(|(n, _)| *n == canonical) {
                            kept.push((canonical, &page[a.value.clone()]));
                        }
                    }
                }
                TokenSink::start_tag(sink, lower(name_str, name_buf), &kept, self_closing);
            };
            let end = if let Some(&(raw, drop)) = RAW_TEXT.iter().find(|(n, _)| name.is(n)) {
                let text_end = raw_text_end(b, tag_end, raw);
                let json_ld = || {
                    ranges.iter().any(|a| {
                        let value = &b[a.value.clone()];
                        value.windows(7).any(|w| w.eq_ignore_ascii_case(b"ld+json"))
                    })
                };
                let keep = !drop || (raw == "script" && json_ld());
                if keep && dropping.is_none() {
                    start_tag(sink, &mut name_buf);
                    sink.raw_text(
                        &page[tag_end..text_end],
                        raw == "title" || raw == "textarea",
                    );
                    sink.end_tag(raw);
                }
                if text_end < b.len() {
                    end_tag_end(b, text_end)
                } else {
                    b.len()
                }
            } else if name.is("plaintext") {
                if dropping.is_none() {
                    start_tag(sink, &mut name_buf);
                    sink.raw_text(&page[tag_end..], false);
                }
                b.len()
            } else {
                if let Some((open, count)) = dropping.as_mut() {
                    if !self_closing && name.same(open) {
                        *count += 1;
                    }
                } else if DROPPED.iter().any(|d| name.is(d)) {
                    if !self_closing {
                        dropping = Some((name, 1));
                    }
                } else {
                    start_tag(sink, &mut name_buf);
                }
                tag_end
            };
            i = end;
            copied = end;
            if i >= b.len() {
                break;
            }
            continue;
        } else {
            // A `<` that starts no markup is text.
            i = lt + 1;
            continue;
        };
        // A comment, doctype or bogus comment: skipped.
        text(sink, copied, lt, &dropping);
        copied = end;
        i = end;
        if i >= b.len() {
            break;
        }
    }
    text(sink, copied, b.len(), &dropping);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Writes the tokens back as markup: `<name a="v">`, `</name>`, text.
    /// The second field counts the text handed on.
    #[derive(Default)]
    struct Recorder(String, usize);

    impl TokenSink for Recorder {
        fn start_tag(
            &mut self,
            name: &str,
            attributes: &[(&'static str, &str)],
            self_closing: bool,
        ) {
            self.0.push('<');
            self.0.push_str(name);
            for (n, v) in attributes {
                self.0.push_str(&format!(" {n}=\"{v}\""));
            }
            self.0.push_str(if self_closing { "/>" } else { ">" });
        }
        fn end_tag(&mut self, name: &str) {
            self.0.push_str(&format!("</{name}>"));
        }
        fn text(&mut self, raw: &str) {
            self.0.push_str(raw);
            self.1 += raw.len();
        }
        fn raw_text(&mut self, text: &str, _references: bool) {
            self.0.push_str(text);
            self.1 += text.len();
        }
    }

    fn tokens(page: &str) -> String {
        let mut r = Recorder::default();
        tokenize(page, &mut r);
        r.0
    }

    #[test]
    fn scripts_styles_comments_and_drawings_go_json_ld_stays() {
        let page = r#"<html><head><title>A <b> title</title><style>p{}</style>
<script>if (a < b) document.write("</p>")</script>
<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>
<body><!-- a <p>comment</p> --><p>One<svg><svg><path d="M0"/></svg><text>x</text></svg> two</p>
<noscript><img src=x></noscript><p title="<script>">Three</p></body></html>"#;
        assert_eq!(
            tokens(page),
            r#"<html><head><title>A <b> title</title>

<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>
<body><p>One two</p>
<p>Three</p></body></html>"#
        );
    }

    #[test]
    fn start_tags_keep_only_the_attributes_the_extractor_reads() {
        assert_eq!(
            tokens(
                r#"<a href="/x" CLASS="c d" data-x='1' onclick="f()">a</a><img src=x.jpg alt="A > B" /><link rel="canonical" href="https://example.org/a"><META Property="og:title" content='T'>"#
            ),
            r#"<a class="c d">a</a><img/><link rel="canonical" href="https://example.org/a"><meta property="og:title" content="T">"#
        );
        assert_eq!(
            tokens(r#"<div hidden id=x class=a class=b>"#),
            r#"<div hidden="" id="x" class="a">"#
        );
        assert_eq!(
            tokens("<p>a<div class="),
            "<p>a",
            "a tag cut off by the end is dropped"
        );
    }

    #[test]
    fn unclosed_markup_eats_the_rest_as_the_parser_would() {
        assert_eq!(tokens("<p>a</p><script>never closed <p>b</p>"), "<p>a</p>");
        assert_eq!(tokens("<p>a<!-- never closed"), "<p>a");
        assert_eq!(tokens("<p>a<!--> b"), "<p>a b");
        assert_eq!(tokens("a < b and c <3 d"), "a < b and c <3 d");
        assert_eq!(tokens("<p>x</p><svg><g>"), "<p>x</p>");
        assert_eq!(
            tokens("<div><svg><path d=M0></div><p>Story</p>"),
            "<div></div><p>Story</p>",
            "a drawing never closed ends with the block around it"
        );
        assert_eq!(
            tokens("<svg><g><text>x</text></g><p>Story</p>"),
            "<p>Story</p>",
            "or at the next paragraph"
        );
        assert_eq!(tokens("<!DOCTYPE html><p>x</><?php y ?>z"), "<p>xz");
    }

    #[test]
    fn end_tags_match_names_not_prefixes() {
        assert_eq!(
            tokens("<script>x</scripts> y</SCRIPT >z"),
            "z",
            "</scripts> does not end a script, </SCRIPT > does"
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_never_adds_text(page in "(<|>|/|!|-|\"|'|=| |a|p|script|svg|style|ld\\+json|é){0,200}") {
            let mut r = Recorder::default();
            tokenize(&page, &mut r);
            prop_assert!(r.1 <= page.len(), "more text than page: {} > {}", r.1, page.len());
        }

        #[test]
        fn text_without_markup_is_handed_on_whole(text in "[^<]{0,200}") {
            prop_assert_eq!(tokens(&text), text);
        }
    }
}

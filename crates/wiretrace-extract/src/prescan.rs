//! A fast pass over a page's markup before the HTML parser sees it.
//!
//! Over half the bytes of a typical news page are scripts, styles, inline SVG
//! and comments, none of it prose, and the HTML5 tokenizer and tree builder
//! would walk every byte of them. This pass cuts them out with a small
//! tokenizer that knows what makes `<` markup or not (quoted attribute values,
//! comments, raw-text elements such as `<script>` and `<title>`), keeps
//! JSON-LD scripts (where `NewsArticle` metadata and `articleBody` live), and
//! measures how deeply the page nests, so that absurd depth is refused before
//! the tree builder's quadratic cost is paid.
//!
//! It does not build a tree or judge content: everything it keeps goes to the
//! HTML parser byte for byte. Where it disagrees with the HTML5 tokenizer (a
//! script holding `<!--<script>`, a CDATA section holding `>`), the result is
//! still well-formed text for the parser, only cut slightly differently.

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

/// Elements that are void or implicitly closed, so they do not deepen the tree
/// in a way a tag count can see.
const NOT_NESTING: &[&str] = &[
    "br", "img", "meta", "link", "input", "hr", "source", "wbr", "area", "base", "col", "embed",
    "param", "track", "p", "li", "dt", "dd", "option", "tr", "td", "th", "tbody", "thead",
    "colgroup",
];

static COMMENT_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"-->"));

/// The attributes the extractor reads (`html.rs`'s `Attrs`, `meta.rs`'s
/// selectors), plus `href` on `<link>`: a start tag reaches the parser with
/// these only. The rest (links, image sources, data attributes, handlers)
/// is a third of what the parser was given. Add here any attribute a new
/// rule reads.
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

fn is_read(attribute: &str) -> bool {
    READ_ATTRIBUTES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(attribute))
}

/// The page as the HTML parser should see it.
#[derive(Debug)]
pub(crate) struct Prescanned {
    pub page: String,
    /// The deepest nesting of elements, estimated from the tags alone.
    pub max_depth: usize,
}

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
    fn is_any(&self, list: &[&str]) -> bool {
        list.iter().any(|s| self.is(s))
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// Reads a tag's attributes from `i` (just after its name) to just past its
/// `>`; returns that position (the input's end if the tag never closes),
/// whether the tag is self-closing, and whether an attribute value names
/// JSON-LD.
fn read_attributes(
    b: &[u8],
    mut i: usize,
    attributes: &mut Vec<std::ops::Range<usize>>,
) -> (usize, bool, bool) {
    let mut self_closing = false;
    let mut json_ld = false;
    attributes.clear();
    loop {
        while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
            self_closing = b[i] == b'/';
            i += 1;
        }
        if i >= b.len() {
            return (b.len(), false, json_ld);
        }
        if b[i] == b'>' {
            return (i + 1, self_closing, json_ld);
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
            attributes.push(attribute_start..name_end);
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            let start = i;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let quote = b[i];
                i = match memchr::memchr(quote, &b[i + 1..]) {
                    Some(q) => i + 1 + q + 1,
                    None => return (b.len(), false, json_ld),
                };
            } else {
                while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
            }
            attributes.push(attribute_start..i);
            let value = &b[start..i];
            json_ld |=
                value.len() >= 7 && value.windows(7).any(|w| w.eq_ignore_ascii_case(b"ld+json"));
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

/// Cuts scripts, styles, comments and drawings out of `page` and measures its
/// nesting.
pub(crate) fn prescan(page: &str) -> Prescanned {
    let b = page.as_bytes();
    let mut out = String::with_capacity(page.len() / 2);
    let (mut depth, mut max_depth) = (0usize, 0usize);
    // Inside a dropped element: its name and how many of it are open.
    let mut dropping: Option<(Name, usize)> = None;
    let mut attributes = Vec::new();
    let mut i = 0;
    // Everything from `copied` to `i` is still to be copied (if not dropping).
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + off;
        let next = b.get(lt + 1).copied().unwrap_or(0);
        let (end, keep) = if b[lt..].starts_with(b"<!--") {
            // A comment: `<!-->` and `<!--->` close at once.
            let body = lt + 4;
            let end = if b[body..].starts_with(b">") {
                body + 1
            } else if b[body..].starts_with(b"->") {
                body + 2
            } else {
                // `--!>` closes one too, if it comes first.
                let close = COMMENT_END
                    .find(&b[body..])
                    .map_or(b.len(), |p| body + p + 3);
                memchr::memmem::find(&b[body..close], b"--!>").map_or(close, |p| body + p + 4)
            };
            (end, false)
        } else if next == b'!'
            || next == b'?'
            || (next == b'/' && !b.get(lt + 2).is_some_and(u8::is_ascii_alphabetic))
        {
            // Doctype, bogus comment or `</>`: up to the first `>`.
            let end = memchr::memchr(b'>', &b[lt + 1..]).map_or(b.len(), |g| lt + 1 + g + 1);
            (end, true)
        } else if next == b'/' {
            let (name, _) = Name::read(b, lt + 2);
            let end = end_tag_end(b, lt);
            if let Some((open, count)) = dropping.as_mut() {
                if name.same(open) {
                    *count -= 1;
                    if *count == 0 {
                        dropping = None;
                        i = end;
                        copied = end;
                        continue;
                    }
                }
            } else if !name.is_any(NOT_NESTING) {
                depth = depth.saturating_sub(1);
            }
            (end, true)
        } else if next.is_ascii_alphabetic() {
            let (name, after_name) = Name::read(b, lt + 1);
            let (tag_end, self_closing, json_ld) = read_attributes(b, after_name, &mut attributes);
            if let Some(&(raw, drop)) = RAW_TEXT.iter().find(|(n, _)| name.is(n)) {
                let text_end = raw_text_end(b, tag_end, raw);
                let end = if text_end < b.len() {
                    end_tag_end(b, text_end)
                } else {
                    b.len()
                };
                (end, !drop || (raw == "script" && json_ld))
            } else if name.is("plaintext") {
                (b.len(), true)
            } else {
                if let Some((open, count)) = dropping.as_mut() {
                    if !self_closing && name.same(open) {
                        *count += 1;
                    }
                } else if DROPPED.iter().any(|d| name.is(d)) && !self_closing {
                    if lt > copied {
                        out.push_str(&page[copied..lt]);
                    }
                    dropping = Some((name, 1));
                    i = tag_end;
                    copied = tag_end;
                    continue;
                } else {
                    if !self_closing && !name.is_any(NOT_NESTING) {
                        depth += 1;
                        max_depth = max_depth.max(depth);
                    }
                    if b[tag_end - 1] == b'>' {
                        // The tag as the parser needs it: its name and the
                        // attributes the extractor reads.
                        out.push_str(&page[copied..after_name]);
                        let link = name.is("link");
                        for a in &attributes {
                            let attribute = &page[a.clone()];
                            let attribute_name = attribute.split('=').next().unwrap_or("").trim();
                            if is_read(attribute_name)
                                || (link && attribute_name.eq_ignore_ascii_case("href"))
                            {
                                out.push(' ');
                                out.push_str(attribute);
                            }
                        }
                        out.push_str(if self_closing { "/>" } else { ">" });
                        i = tag_end;
                        copied = tag_end;
                        continue;
                    }
                }
                (tag_end, true)
            }
        } else {
            // A `<` that starts no markup is text.
            i = lt + 1;
            continue;
        };
        if dropping.is_none() {
            if keep {
                out.push_str(&page[copied..end]);
            } else {
                out.push_str(&page[copied..lt]);
            }
        }
        copied = end;
        i = end;
        if i >= b.len() {
            break;
        }
    }
    if dropping.is_none() && copied < b.len() {
        out.push_str(&page[copied..]);
    }
    Prescanned {
        page: out,
        max_depth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lean(page: &str) -> String {
        prescan(page).page
    }

    #[test]
    fn scripts_styles_comments_and_drawings_go_json_ld_stays() {
        let page = r#"<html><head><title>A <b> title</title><style>p{}</style>
<script>if (a < b) document.write("</p>")</script>
<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>
<body><!-- a <p>comment</p> --><p>One<svg><svg><path d="M0"/></svg><text>x</text></svg> two</p>
<noscript><img src=x></noscript><p title="<script>">Three</p></body></html>"#;
        assert_eq!(
            lean(page),
            r#"<html><head><title>A <b> title</title>

<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>
<body><p>One two</p>
<p>Three</p></body></html>"#
        );
    }

    #[test]
    fn start_tags_keep_only_the_attributes_the_extractor_reads() {
        assert_eq!(
            lean(
                r#"<a href="/x" CLASS="c d" data-x='1' onclick="f()">a</a><img src=x.jpg alt="A > B" /><link rel="canonical" href="https://example.org/a"><meta property="og:title" content="T">"#
            ),
            r#"<a CLASS="c d">a</a><img/><link rel="canonical" href="https://example.org/a"><meta property="og:title" content="T">"#
        );
        assert_eq!(lean(r#"<div hidden id=x>"#), r#"<div hidden id=x>"#);
        assert_eq!(
            lean("<p>a<div class="),
            "<p>a<div class=",
            "an unclosed tag goes as it is"
        );
    }

    #[test]
    fn unclosed_markup_eats_the_rest_as_the_parser_would() {
        assert_eq!(lean("<p>a</p><script>never closed <p>b</p>"), "<p>a</p>");
        assert_eq!(lean("<p>a<!-- never closed"), "<p>a");
        assert_eq!(lean("<p>a<!--> b"), "<p>a b");
        assert_eq!(lean("a < b and c <3 d"), "a < b and c <3 d");
        assert_eq!(lean("<p>x</p><svg><g>"), "<p>x</p>");
    }

    #[test]
    fn end_tags_match_names_not_prefixes() {
        assert_eq!(
            lean("<script>x</scripts> y</SCRIPT >z"),
            "z",
            "</scripts> does not end a script, </SCRIPT > does"
        );
    }

    #[test]
    fn nesting_is_measured() {
        let deep = "<div>".repeat(40) + &"</div>".repeat(40);
        assert_eq!(prescan(&deep).max_depth, 40);
        let flat = "<p>a<p>b<br><img src=x><div/>".repeat(50);
        assert!(prescan(&flat).max_depth <= 1);
    }

    proptest! {
        #[test]
        fn never_panics_and_never_grows(page in "(<|>|/|!|-|\"|'|=| |a|p|script|svg|style|ld\\+json|é){0,200}") {
            let out = prescan(&page);
            prop_assert!(out.page.len() <= page.len());
        }
    }
}

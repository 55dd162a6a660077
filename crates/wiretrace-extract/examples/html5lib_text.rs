//! How the tree places text, checked against the html5lib-tests
//! tree-construction suite (a public suite of documents with the tree a
//! browser builds for each; fetch it yourself, it is not part of this
//! repository).
//!
//! For each test document it compares the text the tree puts in `<body>`,
//! in document order, one entry per run of text between element boundaries,
//! with the same read off the expected tree, and prints the pass rate
//! overall and for the cases where foster parenting or the adoption agency
//! decide where text lands.
//!
//! The tokenizer drops scripts, styles, `<noscript>`, `<iframe>`,
//! `<noembed>`, `<noframes>`, comments, SVG and MathML whole: their content
//! is left out of the expected text as well (and they split no run). Left
//! out as cases:
//! - fragment cases (`#document-fragment`): the tree parses whole pages;
//! - `#script-off` cases: the tree reads `<noscript>` as a page with
//!   scripting on does (raw text, dropped);
//! - documents with `<template>`: its content is a separate fragment in a
//!   DOM, read here as an ordinary element.
//!
//! ```text
//! HTML5LIB_TESTS=/path/to/html5lib-tests/tree-construction \
//!     cargo run --release -p wiretrace-extract --example html5lib_text [-- --show-failures]
//! ```

use std::collections::BTreeMap;

use wiretrace_extract::tree::{Edge, Node, Tree};

/// Elements whose content the tree never reads (see the module comment).
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "iframe", "noembed", "noframes",
];
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

struct Case {
    file: String,
    data: String,
    fragment: bool,
    script_off: bool,
    document: Vec<String>,
}

/// Reads the cases of a `.dat` file.
fn cases(file: &str, text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "#data" {
            i += 1;
            continue;
        }
        i += 1;
        let mut data = Vec::new();
        while i < lines.len() && !lines[i].starts_with("#errors") {
            data.push(lines[i]);
            i += 1;
        }
        let mut case = Case {
            file: file.to_string(),
            data: data.join("\n"),
            fragment: false,
            script_off: false,
            document: Vec::new(),
        };
        while i < lines.len() && lines[i] != "#document" {
            match lines[i] {
                "#script-off" => case.script_off = true,
                l if l.starts_with("#document-fragment") => case.fragment = true,
                _ => {}
            }
            i += 1;
        }
        i += 1;
        // The document: `| ` lines, a text node running on until its quote
        // closes.
        let mut in_text = false;
        while i < lines.len() {
            let line = lines[i];
            if in_text {
                case.document.last_mut().unwrap().push('\n');
                case.document.last_mut().unwrap().push_str(line);
                in_text = !line.ends_with('"');
            } else if let Some(entry) = line.strip_prefix("| ") {
                let body = entry.trim_start();
                in_text = body.starts_with('"') && (body.len() == 1 || !body.ends_with('"'));
                case.document.push(entry.to_string());
            } else {
                break;
            }
            i += 1;
        }
        out.push(case);
    }
    out
}

/// An expected node: its depth, element name or text.
#[derive(Debug)]
enum Expected {
    Element(String),
    Text(String),
    Other,
}

fn expected_nodes(document: &[String]) -> Vec<(usize, Expected)> {
    document
        .iter()
        .map(|entry| {
            let body = entry.trim_start();
            let depth = (entry.len() - body.len()) / 2;
            let node = if let Some(t) = body.strip_prefix('"') {
                Expected::Text(t.strip_suffix('"').unwrap_or(t).to_string())
            } else if body.starts_with("<!") || body.starts_with("<?") {
                Expected::Other
            } else if let Some(name) = body.strip_prefix('<').and_then(|b| b.strip_suffix('>')) {
                Expected::Element(name.to_string())
            } else {
                Expected::Other // an attribute or template content
            };
            (depth, node)
        })
        .collect()
}

/// Text runs between element boundaries, from a walk's events.
#[derive(Default)]
struct Runs {
    runs: Vec<String>,
    open: Option<String>,
}

impl Runs {
    fn text(&mut self, s: &str) {
        self.open.get_or_insert_with(String::new).push_str(s);
    }
    fn boundary(&mut self) {
        if let Some(t) = self.open.take() {
            if !t.is_empty() {
                self.runs.push(t);
            }
        }
    }
    fn done(mut self) -> Vec<String> {
        self.boundary();
        self.runs
    }
}

fn is_dropped(name: &str) -> bool {
    name.starts_with("svg ") || name.starts_with("math ") || DROPPED.contains(&name)
}

/// The body's text runs in the expected tree.
fn expected_body(nodes: &[(usize, Expected)]) -> Vec<String> {
    let mut runs = Runs::default();
    // Ancestors: (depth, name).
    let mut path: Vec<(usize, String)> = Vec::new();
    for (depth, node) in nodes {
        while path.last().is_some_and(|(d, _)| d >= depth) {
            let (_, closed) = path.pop().expect("a last element");
            // Closing an element splits runs, unless the tree never sees it.
            if !is_dropped(&closed) && !path.iter().any(|(_, n)| is_dropped(n)) {
                runs.boundary();
            }
        }
        let in_body = path.len() >= 2 && path[0].1 == "html" && path[1].1 == "body";
        let dropped = path.iter().any(|(_, n)| is_dropped(n));
        match node {
            Expected::Element(name) => {
                if !dropped && !is_dropped(name) {
                    runs.boundary();
                }
                path.push((*depth, name.clone()));
            }
            Expected::Text(t) if in_body && !dropped => runs.text(t),
            _ => {}
        }
    }
    runs.done()
}

/// The body's text runs in our tree.
fn our_body(tree: &Tree) -> Vec<String> {
    let mut runs = Runs::default();
    let mut path: Vec<String> = Vec::new();
    for edge in tree.edges() {
        match edge {
            Edge::Open(id) => match tree.node(id) {
                Node::Element(e) => {
                    path.push(e.name().to_string());
                    runs.boundary();
                }
                Node::Text(t) if path.len() >= 2 && path[0] == "html" && path[1] == "body" => {
                    runs.text(t)
                }
                _ => {}
            },
            Edge::Close(id) => {
                if tree.element(id).is_some() {
                    path.pop();
                    runs.boundary();
                }
            }
        }
    }
    runs.done()
}

/// Whether foster parenting placed text: a table's earlier sibling holds
/// text that the markup has after a `<table>`.
fn is_foster_case(case: &Case, nodes: &[(usize, Expected)]) -> bool {
    let lower = case.data.to_ascii_lowercase();
    let Some(table_at) = lower.find("<table") else {
        return false;
    };
    for (i, (depth, node)) in nodes.iter().enumerate() {
        let Expected::Element(name) = node else {
            continue;
        };
        if name != "table" {
            continue;
        }
        // Earlier siblings and their subtrees: back to the parent.
        for (d, n) in nodes[..i].iter().rev() {
            if d < depth {
                break;
            }
            if let Expected::Text(t) = n {
                let t = t.trim();
                if !t.is_empty() && case.data.find(t).is_some_and(|at| at > table_at) {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether the adoption agency or the reopening of formatting elements made
/// elements: a formatting element appears in the expected tree more often
/// than its start tag in the markup.
fn is_adoption_case(case: &Case, nodes: &[(usize, Expected)]) -> bool {
    let lower = case.data.to_ascii_lowercase();
    FORMATTING.iter().any(|name| {
        let made = nodes
            .iter()
            .filter(|(_, n)| matches!(n, Expected::Element(e) if e == name))
            .count();
        let written = lower
            .match_indices(&format!("<{name}"))
            .filter(|(at, _)| {
                lower[at + 1 + name.len()..]
                    .bytes()
                    .next()
                    .is_some_and(|b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
            })
            .count();
        made > written
    })
}

#[derive(Default)]
struct Tally {
    passed: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.passed += usize::from(ok);
    }
    fn show(&self, what: &str) {
        let rate = if self.total == 0 {
            0.0
        } else {
            100.0 * self.passed as f64 / self.total as f64
        };
        println!(
            "{what:<44} {:>5} / {:<5} {rate:5.1}%",
            self.passed, self.total
        );
    }
}

fn main() {
    let Some(dir) = std::env::var_os("HTML5LIB_TESTS") else {
        eprintln!(
            "HTML5LIB_TESTS is not set: point it at html5lib-tests' tree-construction directory \
             (not part of this repository); nothing checked"
        );
        return;
    };
    let show = std::env::args().any(|a| a == "--show-failures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.to_string_lossy()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dat"))
        .collect();
    files.sort();
    let (mut all, mut exact, mut foster, mut adoption, mut foreign) = Default::default();
    let mut excluded: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failed_by_file: BTreeMap<String, usize> = BTreeMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a readable .dat file");
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        for case in cases(&file, &text) {
            let lower = case.data.to_ascii_lowercase();
            let why = if case.fragment {
                Some("fragment case (#document-fragment)")
            } else if case.script_off {
                Some("#script-off (noscript read with scripting on)")
            } else if lower.contains("<template") {
                Some("<template> (content is a separate fragment)")
            } else {
                None
            };
            if let Some(why) = why {
                *excluded.entry(why).or_default() += 1;
                continue;
            }
            let nodes = expected_nodes(&case.document);
            let want = expected_body(&nodes);
            let got = our_body(&Tree::parse(&case.data));
            let squash = |runs: &[String]| -> Vec<String> {
                runs.iter()
                    .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|r| !r.is_empty())
                    .collect()
            };
            let ok = squash(&want) == squash(&got);
            Tally::add(&mut all, ok);
            Tally::add(&mut exact, want == got);
            if is_foster_case(&case, &nodes) {
                Tally::add(&mut foster, ok);
            }
            if is_adoption_case(&case, &nodes) {
                Tally::add(&mut adoption, ok);
            }
            if lower.contains("<svg") || lower.contains("<math") {
                Tally::add(&mut foreign, ok);
            }
            if !ok {
                *failed_by_file.entry(case.file.clone()).or_default() += 1;
                if show {
                    println!(
                        "--- {}\n{}\nwant {:?}\n got {:?}",
                        case.file, case.data, want, got
                    );
                }
            }
        }
    }
    let all: Tally = all;
    all.show("text runs in <body> (whitespace collapsed)");
    Tally::show(&exact, "text runs in <body>, whitespace exact");
    Tally::show(&foster, "  foster parenting cases");
    Tally::show(&adoption, "  adoption agency / reopened formatting");
    Tally::show(&foreign, "  with SVG or MathML (dropped by design)");
    for (why, n) in &excluded {
        println!("left out: {n:>4}  {why}");
    }
    for (file, n) in &failed_by_file {
        println!("failed: {n:>4}  {file}");
    }
}

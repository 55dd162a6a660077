//! The learned token tagger: every token of the body labelled as outside,
//! or beginning or inside a CONTENT, SOURCE or CUE span (BIO), left to
//! right by an averaged perceptron over hashed features of the token, its
//! neighbours, the cue words near it, the quotation it stands in and the
//! labels given before it (greedily, or keeping a beam of label sequences
//! where the model was trained so; and, for a model trained stacked on
//! the rules, the labels the rules' attributions give); then the spans
//! are joined into attributions (each content to the nearest cue, each
//! cue to the nearest source).
//! `scripts/learn-quotes` trains it on PolNeAR train from the features
//! [`features`] gives (through `quotes tokens`) and writes the weights to
//! `patterns/tagger.tsv`.

use crate::attrib::{self, Raw};
use crate::patterns::Patterns;
use crate::tokens::{Doc, Kind};
use rustc_hash::FxHashMap;
use std::sync::LazyLock;
use xxhash_rust::xxh3::xxh3_64;

/// The labels, in the order of the weights in the model files.
pub const LABELS: [&str; 7] = ["O", "B-C", "I-C", "B-S", "I-S", "B-Q", "I-Q"];
const N: usize = LABELS.len();
const O: u8 = 0;

/// An inside label: it goes on a span begun before.
fn inside(l: u8) -> bool {
    l != O && l.is_multiple_of(2)
}

/// The role a label gives its token: 0 none, 1 content, 2 source, 3 cue.
fn role(l: u8) -> u8 {
    l.div_ceil(2)
}

/// The weights of each feature, by the hash of its name, in units of
/// 1/[`SCALE`] (the weights stay under 64): half the memory of `f32`, so
/// fewer cache misses, and sums in integers.
pub struct Weights {
    w: FxHashMap<u64, [i16; N]>,
    /// How many label sequences the tagger keeps as it goes: the width
    /// it was trained with (`#! beam=N` in the model file; 1, greedy, by
    /// default).
    beam: usize,
    /// Trained stacked on the rules: their labels are features
    /// (`#! stacked` in the model file).
    stacked: bool,
}

const SCALE: f32 = 512.0;

/// `feature<TAB>label:weight ...` lines (labels by index in [`LABELS`]).
fn load(src: &str) -> Weights {
    let mut w = FxHashMap::default();
    let (mut beam, mut stacked) = (1, false);
    for l in src.lines() {
        if let Some(opts) = l.strip_prefix("#!") {
            for o in opts.split_whitespace() {
                match o.split_once('=') {
                    Some(("beam", n)) => beam = n.parse().unwrap_or(1).max(1),
                    None if o == "stacked" => stacked = true,
                    _ => {}
                }
            }
        }
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        let Some((f, ws)) = l.rsplit_once('\t') else {
            continue;
        };
        let mut row = [0i16; N];
        for kv in ws.split(' ') {
            if let Some((k, v)) = kv.split_once(':') {
                if let (Ok(k), Ok(v)) = (k.parse::<usize>(), v.parse::<f32>()) {
                    if k < N {
                        row[k] = (v * SCALE).round().clamp(-32767.0, 32767.0) as i16;
                    }
                }
            }
        }
        w.insert(xxh3_64(f.as_bytes()), row);
    }
    Weights { w, beam, stacked }
}

/// Whether the model was trained stacked on the rules, so that
/// [`Context::with_rules`] is to give it their labels.
pub fn stacked() -> bool {
    WEIGHTS.stacked
}

static WEIGHTS: LazyLock<Weights> = LazyLock::new(|| load(include_str!("../patterns/tagger.tsv")));

fn bucket(n: usize) -> u8 {
    match n {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4..=6 => 4,
        7..=12 => 5,
        13..=25 => 6,
        _ => 7,
    }
}

/// What the features need of the article beyond its tokens, made in a
/// few linear scans.
pub struct Context {
    /// The kind of cue starting at each token: b'-' none, b'h' a
    /// hand-written cue, b'l' a learned one the cue model takes, b'w' one
    /// it gives a chance.
    cue: Vec<u8>,
    /// The nearest cue start at or before / after each token in its
    /// sentence.
    left: Vec<Option<usize>>,
    right: Vec<Option<usize>>,
    /// Commas before each token in its sentence, at most 3.
    commas: Vec<u8>,
    /// The label the rules' attributions give each token (see
    /// [`rule_labels`]), when the tagger is stacked on them.
    rule: Option<Vec<u8>>,
    /// Whether the rules label any token of each sentence.
    rule_sent: Vec<bool>,
}

impl Context {
    /// Whether a cue word starts at token `i`.
    pub fn has_cue(&self, i: usize) -> bool {
        self.cue[i] != b'-'
    }

    /// The context of every token, but of those of the sentences `skip`
    /// marks (which the tagger leaves out).
    pub fn new(doc: &Doc, p: &Patterns, skip: &[bool]) -> Context {
        let toks = &doc.toks;
        let n = toks.len();
        let mut cue = vec![b'-'; n];
        for (k, s) in doc.sents.iter().enumerate() {
            if skip.get(k).copied().unwrap_or(false) {
                continue;
            }
            for (i, c) in cue.iter_mut().enumerate().take(s.end).skip(s.start) {
                *c = match attrib::cue_at(
                    toks,
                    i,
                    s.end,
                    p,
                    true,
                    crate::filter::CANDIDATE_THRESHOLD,
                ) {
                    None => b'-',
                    Some((_, _, None)) => b'h',
                    Some((_, _, Some(z))) if z > attrib::CUE_THRESHOLD => b'l',
                    Some(_) => b'w',
                };
            }
        }
        let mut left = vec![None; n];
        let mut right = vec![None; n];
        for s in &doc.sents {
            let mut last = None;
            for i in s.start..s.end {
                if cue[i] != b'-' {
                    last = Some(i);
                }
                left[i] = last;
            }
            let mut next = None;
            for i in (s.start..s.end).rev() {
                right[i] = next;
                if cue[i] != b'-' {
                    next = Some(i);
                }
            }
        }
        let mut commas = vec![0; n];
        for s in &doc.sents {
            let mut k = 0u8;
            for i in s.start..s.end {
                commas[i] = k;
                if toks[i].is(",") {
                    k = (k + 1).min(3);
                }
            }
        }
        Context {
            cue,
            left,
            right,
            commas,
            rule: None,
            rule_sent: Vec::new(),
        }
    }

    /// The context with the rules' labels of every token (from
    /// [`rule_labels`]) as features: the tagger stacked on the rules.
    pub fn with_rules(mut self, doc: &Doc, labels: Vec<u8>) -> Context {
        self.rule_sent = doc
            .sents
            .iter()
            .map(|s| labels[s.start..s.end].iter().any(|&l| l != O))
            .collect();
        self.rule = Some(labels);
        self
    }
}

/// The labels the attributions `atts` give the tokens of `doc`, as the
/// gold is labelled for training (`scripts/learn_tagger.py`): a token in
/// a content is content (the largest content holding it owns it), else
/// source, else cue; a label begins where the owner changes or a
/// paragraph starts.
pub fn rule_labels(doc: &Doc, atts: &[Raw]) -> Vec<u8> {
    let n = doc.toks.len();
    let mut owner: Vec<Option<(u8, usize)>> = vec![None; n];
    let mut contents: Vec<(usize, usize)> = atts
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let len = a.content.iter().map(|&(s, e)| e.saturating_sub(s)).sum();
            (len, k)
        })
        .collect();
    contents.sort_by_key(|&(len, k)| (std::cmp::Reverse(len), k));
    let claim = |owner: &mut Vec<Option<(u8, usize)>>, r: u8, k: usize, (s, e): (usize, usize)| {
        for o in owner.iter_mut().take(e.min(n)).skip(s) {
            o.get_or_insert((r, k));
        }
    };
    for &(_, k) in &contents {
        for &span in &atts[k].content {
            claim(&mut owner, 1, k, span);
        }
    }
    for (k, a) in atts.iter().enumerate() {
        if let Some(span) = a.source {
            claim(&mut owner, 2, k, span);
        }
    }
    for (k, a) in atts.iter().enumerate() {
        if let Some(span) = a.cue {
            claim(&mut owner, 3, k, span);
        }
    }
    (0..n)
        .map(|i| match owner[i] {
            None => O,
            Some(o) => {
                let para_start = i == doc.paras[doc.toks[i].para].0;
                if i > 0 && !para_start && owner[i - 1] == Some(o) {
                    2 * o.0
                } else {
                    2 * o.0 - 1
                }
            }
        })
        .collect()
}

/// A token as the features name it: lowercase, every quotation mark one,
/// digits as 0.
fn form<'a>(doc: &'a Doc, k: Option<usize>, buf: &'a mut String) -> &'a str {
    let Some(t) = k.and_then(|k| doc.toks.get(k)) else {
        return "_";
    };
    if t.kind == Kind::Quote {
        return "\"";
    }
    let l = t.lower();
    if l.bytes().any(|c| c.is_ascii_digit()) {
        buf.clear();
        buf.extend(l.chars().map(|c| if c.is_ascii_digit() { '0' } else { c }));
        return buf;
    }
    l
}

fn shape(doc: &Doc, i: usize) -> &'static str {
    let t = &doc.toks[i];
    match t.kind {
        Kind::Quote => "q",
        Kind::Punct => "p",
        Kind::Word => {
            let mut cs = t.text.chars();
            let first = cs.next().unwrap_or(' ');
            if first.is_ascii_digit() {
                "d"
            } else if first.is_uppercase() {
                if t.text.chars().count() > 1 && t.text.chars().all(|c| !c.is_lowercase()) {
                    "XX"
                } else {
                    "Xx"
                }
            } else {
                "x"
            }
        }
    }
}

/// Calls `emit` with each feature of token `i` that does not depend on
/// the labels before it (see [`label_features`] for those).
pub fn features(doc: &Doc, cx: &Context, i: usize, emit: &mut dyn FnMut(&str)) {
    let toks = &doc.toks;
    let t = &toks[i];
    let s = &doc.sents[t.sent];
    let mut f = String::with_capacity(48);
    let (mut b0, mut b1) = (String::new(), String::new());
    let put = |f: &mut String, emit: &mut dyn FnMut(&str)| {
        emit(f);
        f.clear();
    };
    let at = |k: isize| -> Option<usize> {
        let k = i as isize + k;
        (k >= s.start as isize && (k as usize) < s.end).then_some(k as usize)
    };
    let w0 = form(doc, Some(i), &mut b0).to_string();
    f.push('b');
    put(&mut f, emit);
    for (name, k) in [("p1=", -1), ("n1=", 1), ("p2=", -2), ("n2=", 2)] {
        f.push_str(name);
        f.push_str(form(doc, at(k), &mut b1));
        put(&mut f, emit);
    }
    f.push_str("w=");
    f.push_str(&w0);
    put(&mut f, emit);
    f.push_str("pw=");
    f.push_str(form(doc, at(-1), &mut b1));
    f.push('|');
    f.push_str(&w0);
    put(&mut f, emit);
    f.push_str("wn=");
    f.push_str(&w0);
    f.push('|');
    f.push_str(form(doc, at(1), &mut b1));
    put(&mut f, emit);
    f.push_str("sh=");
    f.push_str(shape(doc, i));
    f.push('|');
    f.push_str(at(-1).map_or("_", |k| shape(doc, k)));
    put(&mut f, emit);
    if t.is_word() && w0.len() > 4 {
        let cut = w0.char_indices().rev().nth(2).map_or(0, |x| x.0);
        f.push_str("sf=");
        f.push_str(&w0[cut..]);
        put(&mut f, emit);
    }
    let q = |b: bool| if b { '1' } else { '0' };
    f.push_str("q=");
    f.push(q(t.quoted));
    f.push(q(t.opens));
    f.push(q(t.closes));
    f.push(q(at(-1).is_some_and(|k| toks[k].quoted)));
    put(&mut f, emit);
    f.push_str("c=");
    f.push(cx.cue[i] as char);
    put(&mut f, emit);
    // The nearest cues and how far they stand.
    let near = |f: &mut String, tag: &str, c: Option<usize>| {
        f.push_str(tag);
        match c {
            None => f.push('_'),
            Some(c) => {
                f.push((b'0' + bucket(c.abs_diff(i))) as char);
                f.push(cx.cue[c] as char);
            }
        }
    };
    let (l, r) = (cx.left[i].filter(|&c| c != i), cx.right[i]);
    let near_kind = |c: Option<usize>| match c {
        None => "_",
        Some(c) if c + 3 >= i => "n",
        Some(_) => "f",
    };
    near(&mut f, "cl=", l);
    put(&mut f, emit);
    near(&mut f, "cr=", r);
    put(&mut f, emit);
    f.push_str("cb=");
    near(&mut f, "", l);
    f.push('|');
    near(&mut f, "", r);
    f.push('|');
    f.push(q(t.quoted));
    put(&mut f, emit);
    for (tag, c) in [("lc=", l), ("rc=", r)] {
        if let Some(c) = c {
            f.push_str(tag);
            f.push_str(form(doc, Some(c), &mut b1));
            f.push('|');
            f.push((b'0' + bucket(c.abs_diff(i))) as char);
            put(&mut f, emit);
        }
    }
    if let Some(c) = l {
        f.push_str("lcn=");
        f.push_str(form(doc, Some(c), &mut b1));
        f.push('|');
        f.push_str(form(doc, at(c as isize + 1 - i as isize), &mut b1));
        put(&mut f, emit);
    }
    let share = doc.quoted_words(s.start, s.end) * 4 / doc.words(s.start, s.end).max(1);
    f.push_str("qs=");
    f.push((b'0' + share as u8) as char);
    f.push(q(t.quoted));
    put(&mut f, emit);
    f.push_str("cm=");
    f.push((b'0' + cx.commas[i]) as char);
    f.push('|');
    f.push_str(near_kind(l));
    put(&mut f, emit);
    f.push_str("ss=");
    f.push((b'0' + bucket(i - s.start)) as char);
    f.push((b'0' + bucket(s.end - 1 - i)) as char);
    put(&mut f, emit);
    if i == doc.paras[t.para].0 {
        f.push_str("para");
        put(&mut f, emit);
    }
    // The rules' labels here and around, when stacked on them.
    if let Some(rule) = &cx.rule {
        let r = |k: Option<usize>| k.map_or("_", |k| LABELS[rule[k] as usize]);
        let r0 = r(Some(i));
        for (tag, a, b) in [
            ("r=", r0, ""),
            ("rp=", r(at(-1)), r0),
            ("rn=", r0, r(at(1))),
            ("rc=", r0, if cx.cue[i] == b'-' { "-" } else { "c" }),
        ] {
            f.push_str(tag);
            f.push_str(a);
            if !b.is_empty() {
                f.push('|');
                f.push_str(b);
            }
            put(&mut f, emit);
        }
        f.push_str("rw=");
        f.push_str(r0);
        f.push('|');
        f.push_str(&w0);
        put(&mut f, emit);
        f.push_str("rs=");
        f.push(q(cx.rule_sent[t.sent]));
        f.push('|');
        f.push_str(r0);
        put(&mut f, emit);
    }
}

/// What the labels given so far in the sentence tell: the role of the
/// last span and how far back it stands, and which roles it has had.
#[derive(Default, Clone, Copy)]
struct History {
    last: u8,
    at: usize,
    seen: [bool; 4],
}

/// The features of token `i` given the labels `l1` and `l2` before it and
/// the sentence's history (as `scripts/learn_tagger.py` builds them).
fn label_features(
    l1: u8,
    l2: u8,
    w0: &str,
    h: &History,
    i: usize,
    cue: u8,
    emit: &mut dyn FnMut(&str),
) {
    let mut f = String::with_capacity(40);
    f.push_str("t1=");
    f.push_str(LABELS[l1 as usize]);
    emit(&f);
    f.clear();
    let l1 = LABELS[l1 as usize];
    for (tag, a, b) in [("t2=", LABELS[l2 as usize], l1), ("t1w=", l1, w0)] {
        f.push_str(tag);
        f.push_str(a);
        f.push('|');
        f.push_str(b);
        emit(&f);
        f.clear();
    }
    f.push_str("h=");
    f.push((b'0' + h.last) as char);
    if h.last > 0 {
        f.push('|');
        f.push((b'0' + bucket(i - h.at)) as char);
    }
    emit(&f);
    f.clear();
    let seen = |f: &mut String| {
        for r in [3, 2, 1] {
            f.push(if h.seen[r] { '1' } else { '0' });
        }
    };
    f.push_str("hs=");
    seen(&mut f);
    emit(&f);
    f.clear();
    f.push_str("hsk=");
    seen(&mut f);
    f.push('|');
    f.push(cue as char);
    emit(&f);
}

/// One label sequence of the beam: its score, its last two labels, its
/// sentence's history and its last step in the arena of steps.
#[derive(Clone, Copy)]
struct Hyp {
    score: i32,
    p1: u8,
    p2: u8,
    h: History,
    step: u32,
}

/// No step before: the sequence is empty.
const NONE: u32 = u32::MAX;

/// Labels every token, left to right, keeping the best label sequences
/// of the width the model was trained with; the tokens of a sentence
/// `skip` marks are left out (labelled O).
pub fn tag(doc: &Doc, cx: &Context, skip: &[bool]) -> Vec<u8> {
    match WEIGHTS.beam {
        1 => greedy(doc, cx, skip),
        width => beam(doc, cx, skip, width),
    }
}

/// [`tag`] keeping the one best label at each token (a model trained
/// greedily): an inside label after another role begins a span.
fn greedy(doc: &Doc, cx: &Context, skip: &[bool]) -> Vec<u8> {
    let wts: &Weights = &WEIGHTS;
    let mut out = Vec::with_capacity(doc.toks.len());
    let mut buf = String::new();
    let mut hashes: Vec<u64> = Vec::with_capacity(64);
    let mut h = History::default();
    for (i, t) in doc.toks.iter().enumerate() {
        if skip.get(t.sent).copied().unwrap_or(false) {
            out.push(O);
            continue;
        }
        // The features' hashes first, then their weights: the lookups,
        // each likely a cache miss, overlap.
        hashes.clear();
        let mut add = |f: &str| hashes.push(xxh3_64(f.as_bytes()));
        features(doc, cx, i, &mut add);
        if i == doc.sents[t.sent].start {
            h = History::default();
        }
        let para_start = i == doc.paras[t.para].0;
        let (l1, l2) = if para_start {
            (O, O)
        } else {
            let l1 = out[i - 1];
            let l2 = if i >= 2 && doc.toks[i - 2].para == t.para {
                out[i - 2]
            } else {
                O
            };
            (l1, l2)
        };
        let w0 = form(doc, Some(i), &mut buf);
        label_features(l1, l2, w0, &h, i, cx.cue[i], &mut add);
        let mut sc = [0i32; N];
        for row in hashes.iter().filter_map(|k| wts.w.get(k)) {
            for (s, &w) in sc.iter_mut().zip(row) {
                *s += i32::from(w);
            }
        }
        let mut best = 0;
        for k in 1..N {
            if sc[k] > sc[best] {
                best = k;
            }
        }
        let mut l = best as u8;
        // An inside label after a different role begins a span.
        if inside(l) && role(l1) != role(l) {
            l -= 1;
        }
        if l != O {
            h.last = role(l);
            h.at = i;
            h.seen[role(l) as usize] = true;
        }
        out.push(l);
    }
    out
}

/// [`tag`] keeping the `width` best label sequences (an inside label
/// only after one of its role), as `scripts/learn_tagger.py --beam`
/// trains.
fn beam(doc: &Doc, cx: &Context, skip: &[bool], width: usize) -> Vec<u8> {
    let wts: &Weights = &WEIGHTS;
    let n = doc.toks.len();
    let mut buf = String::new();
    let mut hashes: Vec<u64> = Vec::with_capacity(64);
    // (previous step, label) of every sequence at every token.
    let mut steps: Vec<(u32, u8)> = Vec::with_capacity(n * 2);
    let mut beam: Vec<Hyp> = vec![Hyp {
        score: 0,
        p1: O,
        p2: O,
        h: History::default(),
        step: NONE,
    }];
    let mut next: Vec<Hyp> = Vec::with_capacity(width);
    let mut cands: Vec<(i32, usize, u8)> = Vec::with_capacity(width * N);
    for (i, t) in doc.toks.iter().enumerate() {
        if skip.get(t.sent).copied().unwrap_or(false) {
            for hyp in &mut beam {
                steps.push((hyp.step, O));
                hyp.step = (steps.len() - 1) as u32;
                hyp.p2 = hyp.p1;
                hyp.p1 = O;
            }
            continue;
        }
        // The features' hashes first, then their weights: the lookups,
        // each likely a cache miss, overlap.
        hashes.clear();
        features(doc, cx, i, &mut |f: &str| {
            hashes.push(xxh3_64(f.as_bytes()))
        });
        let mut base = [0i32; N];
        for row in hashes.iter().filter_map(|k| wts.w.get(k)) {
            for (s, &w) in base.iter_mut().zip(row) {
                *s += i32::from(w);
            }
        }
        let sent_start = i == doc.sents[t.sent].start;
        let para_start = i == doc.paras[t.para].0;
        if para_start {
            // Nothing before a paragraph tells what follows: the best
            // sequence so far is the one to go on from (as trained).
            beam.truncate(1);
        }
        let w0 = form(doc, Some(i), &mut buf).to_string();
        cands.clear();
        for (k, hyp) in beam.iter_mut().enumerate() {
            if sent_start {
                hyp.h = History::default();
            }
            let (l1, l2) = if para_start {
                (O, O)
            } else if i >= 2 && doc.toks[i - 2].para == t.para {
                (hyp.p1, hyp.p2)
            } else {
                (hyp.p1, O)
            };
            hashes.clear();
            label_features(l1, l2, &w0, &hyp.h, i, cx.cue[i], &mut |f: &str| {
                hashes.push(xxh3_64(f.as_bytes()))
            });
            let mut sc = base;
            for row in hashes.iter().filter_map(|k| wts.w.get(k)) {
                for (s, &w) in sc.iter_mut().zip(row) {
                    *s += i32::from(w);
                }
            }
            for l in 0..N as u8 {
                // An inside label only goes on a span of its role.
                if inside(l) && role(l1) != role(l) {
                    continue;
                }
                cands.push((hyp.score + sc[l as usize], k, l));
            }
        }
        cands.sort_unstable_by_key(|&(s, k, l)| (std::cmp::Reverse(s), k, l));
        next.clear();
        for &(score, k, l) in cands.iter().take(width) {
            let old = &beam[k];
            let mut h = old.h;
            if l != O {
                h.last = role(l);
                h.at = i;
                h.seen[role(l) as usize] = true;
            }
            steps.push((old.step, l));
            next.push(Hyp {
                score,
                p1: l,
                p2: if para_start { O } else { old.p1 },
                h,
                step: (steps.len() - 1) as u32,
            });
        }
        std::mem::swap(&mut beam, &mut next);
    }
    // The best sequence, from its last step back.
    let mut out = vec![O; n];
    let mut at = beam[0].step;
    let mut i = n;
    while at != NONE {
        i -= 1;
        let (prev, l) = steps[at as usize];
        out[i] = l;
        at = prev;
    }
    out
}

/// How many unlabelled tokens may stand inside one content span of a
/// sentence (chosen on PolNeAR dev: 0, 1, 3, 6 gave overlap F1 .762, .764,
/// .765, .767 for the tagger alone).
const GAP: usize = 6;

/// Runs of one role within a paragraph, as `(role, start, end)`.
fn runs(doc: &Doc, labels: &[u8]) -> Vec<(u8, usize, usize)> {
    let mut out: Vec<(u8, usize, usize)> = Vec::new();
    for (i, &l) in labels.iter().enumerate() {
        let r = role(l);
        if r == 0 {
            continue;
        }
        let goes_on = inside(l)
            && i > 0
            && doc.toks[i - 1].para == doc.toks[i].para
            && out.last().is_some_and(|&(rr, _, e)| rr == r && e == i);
        if goes_on {
            out.last_mut().unwrap().2 = i + 1;
        } else {
            out.push((r, i, i + 1));
        }
    }
    // A content span cut short by a few unlabelled tokens, or begun again
    // right after itself, in one sentence: one span.
    let mut merged: Vec<(u8, usize, usize)> = Vec::with_capacity(out.len());
    for run in out {
        if let Some(last) = merged.last_mut() {
            if run.0 == 1
                && last.0 == 1
                && run.1 - last.2 <= GAP
                && doc.toks[last.2 - 1].sent == doc.toks[run.1].sent
            {
                last.2 = run.2;
                continue;
            }
        }
        merged.push(run);
    }
    merged
}

/// How far apart in tokens a content and its cue, or a cue and its
/// source, may stand.
const LINK: usize = 40;

/// Joins the labelled spans into attributions: each content span to the
/// nearest cue of its paragraph (in the sentence it starts or ends in, or
/// between them), content spans of one cue into one attribution, and each
/// cue to the nearest source of its sentence. A content span without a
/// cue is kept, with neither cue nor source.
pub fn attributions(doc: &Doc, labels: &[u8]) -> Vec<Raw> {
    let toks = &doc.toks;
    let rs = runs(doc, labels);
    let cues: Vec<(usize, usize)> = rs.iter().filter(|r| r.0 == 3).map(|r| (r.1, r.2)).collect();
    let sources: Vec<(usize, usize)> = rs.iter().filter(|r| r.0 == 2).map(|r| (r.1, r.2)).collect();
    // The nearest of `spans` (sorted, disjoint) to tokens a..b passing `ok`:
    // a bounded look on either side of where a..b would stand.
    let nearest =
        |spans: &[(usize, usize)], a: usize, b: usize, ok: &dyn Fn((usize, usize)) -> bool| {
            let k = spans.partition_point(|s| s.0 < a);
            let before = spans[..k]
                .iter()
                .rev()
                .take(3)
                .find(|s| ok(**s))
                .map(|s| (a.saturating_sub(s.1), *s));
            let after = spans[k..]
                .iter()
                .take(3)
                .find(|s| ok(**s))
                .map(|s| (s.0.saturating_sub(b), *s));
            match (before, after) {
                (Some(x), Some(y)) => Some(if y.0 < x.0 { y.1 } else { x.1 }),
                (x, y) => x.or(y).map(|z| z.1),
            }
            .filter(|s| s.1.abs_diff(a).min(s.0.abs_diff(b)) <= LINK || s.0 >= a && s.1 <= b)
        };
    let mut out: Vec<Raw> = Vec::new();
    let mut by_cue: FxHashMap<usize, usize> = FxHashMap::default();
    for &(r, a, b) in &rs {
        if r != 1 {
            continue;
        }
        let (sa, sb) = (toks[a].sent, toks[b - 1].sent);
        let cue = nearest(&cues, a, b, &|(c, _)| {
            let cs = toks[c].sent;
            toks[c].para == toks[a].para && cs >= sa && cs <= sb || cs == sa || cs == sb
        });
        let Some(cue) = cue else {
            out.push(Raw {
                content: vec![(a, b)],
                cue: None,
                source: None,
                continues: None,
                score: None,
                sent: sa,
            });
            continue;
        };
        if let Some(&k) = by_cue.get(&cue.0) {
            out[k].content.push((a, b));
            continue;
        }
        let cs = toks[cue.0].sent;
        let source = nearest(&sources, cue.0, cue.1, &|(s, _)| toks[s].sent == cs);
        by_cue.insert(cue.0, out.len());
        out.push(Raw {
            content: vec![(a, b)],
            cue: Some(cue),
            source,
            continues: None,
            score: None,
            sent: sa,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::PARAS;
    use crate::patterns::PATTERNS;
    use crate::{analyze_with, tagger_rows, tokens, Lexicon};
    use wiretrace_core::join_paragraphs;

    #[test]
    fn the_features_are_those_the_tagger_was_trained_on() {
        let (text, body) = join_paragraphs(&["Ilse Marek said the piers were safe."]);
        let rows = tagger_rows(&text, &body, false);
        let said = &rows[2].1;
        for want in [
            "b", "w=said", "p1=marek", "n1=the", "c=h", "sh=x|Xx", "q=0000",
        ] {
            assert!(said.iter().any(|x| x == want), "{want} not in {said:?}");
        }
        assert_eq!(rows[0].1.last().map(String::as_str), Some("@0_s"));
        assert!(WEIGHTS.w.contains_key(&xxh3_64(b"b")));
        assert!(WEIGHTS.w.contains_key(&xxh3_64(b"w=said")));
    }

    #[test]
    fn the_rules_label_their_tokens_as_the_gold_is_labelled() {
        let (text, body) = join_paragraphs(&[
            "Ilse Marek said the piers were safe.",
            "Ports officials said Marek told them the cranes were old.",
        ]);
        let p = &*PATTERNS;
        let doc = tokens::analyze(&text, &body, p);
        let at = |w: &str| doc.toks.iter().position(|t| t.text == w).unwrap();
        let raw = |c: (usize, usize), q: usize, s: (usize, usize)| Raw {
            content: vec![c],
            cue: Some((q, q + 1)),
            source: Some(s),
            continues: None,
            score: None,
            sent: 0,
        };
        let dot = |from: usize| {
            (from..doc.toks.len())
                .find(|&k| doc.toks[k].text == ".")
                .unwrap()
        };
        let (the, safe_dot) = (at("the"), dot(0));
        let told = at("told");
        // An outer attribution whose content holds a nested one: the
        // nested one's source, cue and content are the outer content.
        let atts = [
            raw((the, safe_dot), at("said"), (0, 2)),
            raw((told + 2, dot(told)), told, (told - 1, told)),
            raw((told - 1, dot(told)), told - 2, (told - 4, told - 2)),
        ];
        let labels = rule_labels(&doc, &atts);
        let names: Vec<&str> = labels.iter().map(|&l| LABELS[l as usize]).collect();
        let n = safe_dot - the;
        let mut want = vec!["B-S", "I-S", "B-Q", "B-C"];
        want.extend(std::iter::repeat_n("I-C", n - 1));
        want.push("O");
        assert_eq!(names[..=safe_dot], want[..]);
        let second = &names[safe_dot + 1..];
        assert_eq!(&second[..4], ["B-S", "I-S", "B-Q", "B-C"]);
        assert!(
            second[4..second.len() - 1].iter().all(|&l| l == "I-C"),
            "{second:?}"
        );
    }

    #[test]
    fn stacked_features_tell_the_rules_labels_and_plain_ones_do_not() {
        let (text, body) = join_paragraphs(&["Ilse Marek said the piers were safe."]);
        let p = &*PATTERNS;
        let doc = tokens::analyze(&text, &body, p);
        let said = doc.toks.iter().position(|t| t.text == "said").unwrap();
        let mut labels = vec![O; doc.toks.len()];
        labels[said] = 5;
        let feats = |cx: &Context| {
            let mut v = Vec::new();
            features(&doc, cx, said, &mut |f: &str| v.push(f.to_string()));
            v
        };
        let plain = feats(&Context::new(&doc, p, &[]));
        assert!(!plain.iter().any(|f| f.starts_with('r')), "{plain:?}");
        let stacked = feats(&Context::new(&doc, p, &[]).with_rules(&doc, labels));
        for want in [
            "r=B-Q",
            "rp=O|B-Q",
            "rn=B-Q|O",
            "rc=B-Q|c",
            "rw=B-Q|said",
            "rs=1|B-Q",
        ] {
            assert!(
                stacked.iter().any(|f| f == want),
                "{want} not in {stacked:?}"
            );
        }
    }

    #[test]
    fn the_model_file_tells_how_to_decode() {
        let plain = load("# a greedy model\nb\t0:1 2:-0.5\n");
        assert_eq!((plain.beam, plain.stacked), (1, false));
        assert_eq!(plain.w[&xxh3_64(b"b")][2], -256);
        let beamed = load("# a model\n#! beam=4 stacked\nb\t0:1\n");
        assert_eq!((beamed.beam, beamed.stacked), (4, true));
        assert_eq!(beamed.w.len(), 1);
    }

    #[test]
    fn labels_greedy_or_by_beam_make_spans_and_spans_make_attributions_in_bounds() {
        let (text, body) = join_paragraphs(&PARAS);
        let p = &*PATTERNS;
        let doc = tokens::analyze(&text, &body, p);
        let cx = Context::new(&doc, p, &[]);
        let labels = tag(&doc, &cx, &[]);
        assert_eq!(labels.len(), doc.toks.len());
        for (i, &l) in labels.iter().enumerate() {
            // An inside label only goes on a span of its own role.
            if inside(l) {
                assert!(i > 0 && role(labels[i - 1]) == role(l), "{i}: {labels:?}");
            }
        }
        let atts = attributions(&doc, &labels);
        assert!(!atts.is_empty());
        for a in &atts {
            for &(s, e) in a.content.iter().chain(&a.cue).chain(&a.source) {
                assert!(s < e && e <= doc.toks.len(), "{a:?}");
            }
        }
        // A sentence left out has no label.
        let skip = vec![true; doc.sents.len()];
        assert!(tag(&doc, &cx, &skip).iter().all(|&l| l == O));
        // A beam keeps an inside label after its role, never at a
        // paragraph's start, and leaves out what it is told to.
        for width in [2, 4] {
            let labels = beam(&doc, &cx, &[], width);
            assert_eq!(labels.len(), doc.toks.len());
            assert!(labels.iter().any(|&l| l != O), "{labels:?}");
            for (i, &l) in labels.iter().enumerate() {
                if inside(l) {
                    let para_start = i == doc.paras[doc.toks[i].para].0;
                    let after = !para_start && role(labels[i - 1]) == role(l);
                    assert!(after, "{width} {i}: {labels:?}");
                }
            }
            assert!(beam(&doc, &cx, &skip, width).iter().all(|&l| l == O));
        }
    }

    #[test]
    fn the_ensemble_keeps_the_rules_and_adds_only_where_they_found_nothing() {
        let (text, body) = join_paragraphs(&PARAS);
        let mixed = analyze_with(&text, &body, Lexicon::Mixed).attributions;
        let all = analyze_with(&text, &body, Lexicon::Ensemble).attributions;
        // The rules' attributions first, in their order (the filter may
        // keep fewer of the weaker cues'), then the tagger's.
        let mut m = mixed.iter();
        let ruled = all
            .iter()
            .take_while(|a| m.by_ref().any(|x| x == *a))
            .count();
        assert!(ruled > 0, "{all:#?}");
        for a in &all[ruled..] {
            assert!(a.cue.is_some(), "{a:?}");
            for c in &a.content {
                for r in &all[..ruled] {
                    assert!(
                        r.content
                            .iter()
                            .all(|d| d.end <= c.start || c.end <= d.start),
                        "{a:?} touches {r:?}"
                    );
                }
            }
        }
    }
}

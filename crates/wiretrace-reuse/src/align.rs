//! Local alignment of two docs.
//!
//! 1. *Seeds*: positions where both docs hold the same [`SEED_N`]-gram.
//! 2. *Chains*: seeds taken in order of position in `a` are chained when they
//!    also advance in `b` by at most [`MAX_GAP`] tokens: a changed word, a
//!    spelling variant or a short insertion breaks a few seeds, not the chain.
//! 3. *Pieces*: each chain cut at the paragraph breaks of either text, each
//!    piece widened while the tokens on both sides still agree.
//! 4. *Passages*: the maximal runs of pieces (passim's and PAN's unit: a
//!    whole-article copy is one passage): a piece is joined to the one that
//!    continues it in both texts, into the same or the next paragraph, after
//!    at most [`MAX_GAP`] tokens on each side (a small edit at a paragraph
//!    break). A passage shorter than [`MIN_PASSAGE_TOKENS`] on either side is
//!    dropped: it is a stock phrase, not evidence of reuse.

use serde::{Deserialize, Serialize};
use wiretrace_core::{ArticleId, Span};

use crate::doc::Doc;
use crate::fingerprint::SEED_N;

/// Most tokens a chain may skip between two seeds, on either side.
pub const MAX_GAP: usize = 12;
/// A passage spans at least this many tokens on each side. Ten words (about
/// 60 characters of English news) is past the stock phrases every outlet
/// writes alike ("said in a statement on Tuesday", "contributed to this
/// report": 6 and 5 words) and under a quoted sentence; passim keeps
/// alignments of 50 characters and more by default. Checked on each
/// reported passage, not only on its chain: the cut at paragraph breaks
/// once left pieces of one to three words.
pub const MIN_PASSAGE_TOKENS: usize = 10;
/// A passage holds at least this many seeds.
pub const MIN_SEEDS: usize = 3;
/// An n-gram repeated more than this often inside one doc seeds nothing.
const MAX_REPEATS: usize = 8;

/// A passage two docs share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// Code points in the first doc's text.
    pub a: Span,
    /// Code points in the second doc's text.
    pub b: Span,
    /// Token range `[start, end)` in the first doc.
    pub a_tokens: (usize, usize),
    /// Token range `[start, end)` in the second doc.
    pub b_tokens: (usize, usize),
    /// Tokens of `a` covered by seeds: how much of the passage matches exactly.
    pub matched: usize,
    /// The paragraph pieces the passage runs through (pairs of a paragraph
    /// of `a` and one of `b`): 1 for a passage inside one paragraph.
    #[serde(default = "one")]
    pub paragraphs: usize,
}

fn one() -> usize {
    1
}

/// What two docs share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairRelation {
    pub a: ArticleId,
    pub b: ArticleId,
    pub passages: Vec<Passage>,
    /// Share of `a`'s body tokens inside a passage.
    pub a_coverage: f64,
    /// Share of `b`'s body tokens inside a passage.
    pub b_coverage: f64,
}

/// Two docs are copies of one text when the passages that keep their order
/// in both cover at least this share of one of them...
pub const COPY_COVERAGE: f64 = 0.5;
/// ...over at least two paragraphs ([`Passage::paragraphs`]: two articles
/// that both quote one long paragraph are not copies of each other),
/// unless it covers this share of one of them (a one-paragraph brief taken
/// whole)...
pub const COPY_ONE_PASSAGE_COVERAGE: f64 = 0.9;
/// Pairs with more passages than this are judged on plain coverage.
const MAX_CHAIN_PASSAGES: usize = 400;
/// ...and at least this many of its tokens.
pub const COPY_MIN_TOKENS: usize = 20;

/// A pair whose contained side is held by the other is a *partial* copy
/// (a passage, not copies of one text) when that text is under this share
/// of the side holding it...
pub const CONTAINER_SHARE: f64 = 1.0 / 3.0;
/// ...and starts past this share of it: a digest, a live page or a "The
/// Latest" page carrying one short item among others. A brief cut from a
/// story keeps the story's start, and stays a copy.
pub const CONTAINER_START: f64 = 0.25;

/// Whether a pair is copies of one text, given its
/// [`PairRelation::ordered_coverage`], the tokens of the smaller side its
/// passages cover, and whether the two carry the same headline: one shared
/// passage must cover [`COPY_ONE_PASSAGE_COVERAGE`] of a side, unless the
/// headline is the same too (a brief that keeps the lede and the headline
/// of the story it cut), which then counts as the second passage.
pub fn copies_by((a, b, n): (f64, f64, usize), shared_tokens: usize, same_headline: bool) -> bool {
    let enough = if n >= 2 || same_headline {
        COPY_COVERAGE
    } else {
        COPY_ONE_PASSAGE_COVERAGE
    };
    a.max(b) >= enough && shared_tokens >= COPY_MIN_TOKENS
}

impl PairRelation {
    /// Tokens of the smaller side covered by passages.
    pub fn shared_tokens(&self) -> usize {
        let a: usize = union_len(self.passages.iter().map(|p| p.a_tokens));
        let b: usize = union_len(self.passages.iter().map(|p| p.b_tokens));
        a.min(b)
    }

    /// The passages that keep their order in both docs (the heaviest chain
    /// increasing in `a` and in `b`), as (share of `a`, share of `b`,
    /// passages in the chain). A copy keeps its original's order; two
    /// articles that happen to share paragraphs mostly do not.
    pub fn ordered_coverage(&self) -> (f64, f64, usize) {
        let mut ps: Vec<&Passage> = self.passages.iter().collect();
        if ps.is_empty() {
            return (0.0, 0.0, 0);
        }
        if ps.len() > MAX_CHAIN_PASSAGES {
            // Quadratic chaining is not worth it on pathological pairs.
            return (self.a_coverage, self.b_coverage, ps.len());
        }
        ps.sort_by_key(|p| (p.a_tokens, p.b_tokens));
        let width = |p: &Passage| (p.a_tokens.1 - p.a_tokens.0) + (p.b_tokens.1 - p.b_tokens.0);
        // (`n` counts paragraph pieces: a whole copy is one passage.)
        let mut best: Vec<(usize, Option<usize>)> = Vec::with_capacity(ps.len());
        for (i, p) in ps.iter().enumerate() {
            let prev = (0..i)
                .filter(|&j| ps[j].a_tokens.1 <= p.a_tokens.0 && ps[j].b_tokens.1 <= p.b_tokens.0)
                .max_by_key(|&j| (best[j].0, std::cmp::Reverse(j)));
            best.push((width(p) + prev.map_or(0, |j| best[j].0), prev));
        }
        let mut at = (0..ps.len()).max_by_key(|&i| (best[i].0, std::cmp::Reverse(i)));
        let (mut a, mut b, mut n) = (0usize, 0usize, 0usize);
        while let Some(i) = at {
            a += ps[i].a_tokens.1 - ps[i].a_tokens.0;
            b += ps[i].b_tokens.1 - ps[i].b_tokens.0;
            n += ps[i].paragraphs.max(1);
            at = best[i].1;
        }
        let share = |chain: usize, union: usize, coverage: f64| {
            if union == 0 {
                0.0
            } else {
                coverage * chain as f64 / union as f64
            }
        };
        (
            share(
                a,
                union_len(self.passages.iter().map(|p| p.a_tokens)),
                self.a_coverage,
            ),
            share(
                b,
                union_len(self.passages.iter().map(|p| p.b_tokens)),
                self.b_coverage,
            ),
            n,
        )
    }

    /// Whether the two docs are copies of one text (one contains the other,
    /// up to padding and small edits, in the same order), rather than
    /// sharing a passage or two.
    pub fn is_copy(&self) -> bool {
        self.is_copy_given(self.ordered_coverage())
    }

    /// [`PairRelation::is_copy`], given the pair's
    /// [`PairRelation::ordered_coverage`] already computed.
    pub fn is_copy_given(&self, ordered: (f64, f64, usize)) -> bool {
        copies_by(ordered, self.shared_tokens(), false) && !self.is_partial()
    }

    /// [`PairRelation::is_copy`], knowing whether the two articles carry
    /// the same headline (see [`copies_by`]; a brief under the story's
    /// headline is a copy wherever it sits).
    pub fn is_copy_with(&self, same_headline: bool) -> bool {
        copies_by(self.ordered_coverage(), self.shared_tokens(), same_headline)
            && (same_headline || !self.is_partial())
    }

    /// Whether one side holds the other only as a small item past its start
    /// (see [`CONTAINER_SHARE`], [`CONTAINER_START`]): a container page and
    /// the article it carries a short copy of.
    pub fn is_partial(&self) -> bool {
        let (outer, coverage) = if self.a_coverage <= self.b_coverage {
            (
                self.passages.iter().map(|p| p.a_tokens).collect::<Vec<_>>(),
                self.a_coverage,
            )
        } else {
            (
                self.passages.iter().map(|p| p.b_tokens).collect::<Vec<_>>(),
                self.b_coverage,
            )
        };
        if coverage >= CONTAINER_SHARE || coverage <= 0.0 {
            return false;
        }
        let len = union_len(outer.iter().copied()) as f64 / coverage;
        let first = outer.iter().map(|r| r.0).min().unwrap_or(0) as f64;
        first >= CONTAINER_START * len
    }

    /// The same relation seen from `b`.
    pub fn swapped(&self) -> PairRelation {
        PairRelation {
            a: self.b.clone(),
            b: self.a.clone(),
            passages: self
                .passages
                .iter()
                .map(|p| Passage {
                    a: p.b,
                    b: p.a,
                    a_tokens: p.b_tokens,
                    b_tokens: p.a_tokens,
                    matched: p.matched,
                    paragraphs: p.paragraphs,
                })
                .collect(),
            a_coverage: self.b_coverage,
            b_coverage: self.a_coverage,
        }
    }
}

fn union_len(ranges: impl Iterator<Item = (usize, usize)>) -> usize {
    let mut v: Vec<(usize, usize)> = ranges.collect();
    v.sort_unstable();
    let (mut total, mut cur) = (0usize, None::<(usize, usize)>);
    for (s, e) in v {
        cur = match cur {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    total + cur.map_or(0, |(s, e)| e - s)
}

#[derive(Debug, Clone)]
struct Chain {
    last_a: usize,
    last_b: usize,
    /// The seeds `(i, j)` chained, in order.
    seeds: Vec<(usize, usize)>,
}

/// Aligns two docs. The result depends only on the two docs (and is the
/// mirror image when they are swapped).
pub fn align(a: &Doc, b: &Doc) -> PairRelation {
    let mut passages = maximal_runs(pieces(a, b), a, b);
    passages.retain(|p| {
        p.a_tokens.1 - p.a_tokens.0 >= MIN_PASSAGE_TOKENS
            && p.b_tokens.1 - p.b_tokens.0 >= MIN_PASSAGE_TOKENS
    });
    let cov = |n: usize, r: usize| if n == 0 { 0.0 } else { r as f64 / n as f64 };
    let a_cov = cov(a.len(), union_len(passages.iter().map(|p| p.a_tokens)));
    let b_cov = cov(b.len(), union_len(passages.iter().map(|p| p.b_tokens)));
    PairRelation {
        a: a.id.clone(),
        b: b.id.clone(),
        passages,
        a_coverage: a_cov,
        b_coverage: b_cov,
    }
}

/// The paragraph pieces two docs share (see the module's steps 1 to 3),
/// sorted by their token ranges.
fn pieces(a: &Doc, b: &Doc) -> Vec<Passage> {
    let matches = seed_matches(a, b);
    if matches.len() < MIN_SEEDS {
        return Vec::new();
    }
    let mut finished: Vec<Chain> = Vec::new();
    let mut active: Vec<Chain> = Vec::new();
    for group in matches.chunk_by(|x, y| x.0 == y.0) {
        let i = group[0].0;
        let js = group.iter().map(|&(_, j)| j);
        // Chains that can no longer be extended are done (taken out in
        // place, the others keeping their order).
        finished.extend(active.extract_if(.., |c| i > c.last_a + MAX_GAP));
        for j in js {
            let best = active
                .iter_mut()
                .filter(|c| c.last_a < i && c.last_b < j && j <= c.last_b + MAX_GAP)
                .min_by_key(|c| {
                    (
                        (i - c.last_a) + (j - c.last_b),
                        (i - c.last_a).abs_diff(j - c.last_b),
                    )
                });
            match best {
                Some(c) => {
                    c.last_a = i;
                    c.last_b = j;
                    c.seeds.push((i, j));
                }
                None => active.push(Chain {
                    last_a: i,
                    last_b: j,
                    seeds: vec![(i, j)],
                }),
            }
        }
    }
    finished.extend(active);

    let mut pieces: Vec<Passage> = finished
        .iter()
        .filter(|c| {
            c.seeds.len() >= MIN_SEEDS
                && c.last_a + SEED_N - c.seeds[0].0 >= MIN_PASSAGE_TOKENS
                && c.last_b + SEED_N - c.seeds[0].1 >= MIN_PASSAGE_TOKENS
        })
        .flat_map(|c| split_at_paragraphs(c, a, b))
        .collect();
    pieces.sort_by_key(|p| (p.a_tokens, p.b_tokens));
    pieces.dedup_by(|x, y| x.a_tokens == y.a_tokens && x.b_tokens == y.b_tokens);
    pieces
}

/// The paragraph pieces inside passage `p` of [`align`]`(a, b)`: the pairs
/// of paragraphs a maximal run goes through, to show it paragraph by
/// paragraph.
pub fn paragraphs_of(a: &Doc, b: &Doc, p: &Passage) -> Vec<Passage> {
    let inside = |r: (usize, usize), outer: (usize, usize)| outer.0 <= r.0 && r.1 <= outer.1;
    pieces(a, b)
        .into_iter()
        .filter(|q| inside(q.a_tokens, p.a_tokens) && inside(q.b_tokens, p.b_tokens))
        .collect()
}

/// Every (token in `a`, token in `b`) where the same seed n-gram starts,
/// sorted; n-grams repeated more than [`MAX_REPEATS`] times in either doc
/// (lists, refrains) seed nothing.
fn seed_matches(a: &Doc, b: &Doc) -> Vec<(usize, usize)> {
    if !a.seeds_repeat && !b.seeds_repeat {
        return in_token_order(&unique_seed_matches(a, b), a.len());
    }
    let (x, y) = (&a.seed_hashes, &b.seed_hashes);
    // Found in the order of the seeds' hashes.
    let mut found: Vec<(u32, u32)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        let (hx, hy) = (x[i], y[j]);
        if hx != hy {
            // Most seeds of two docs differ: stepping without a branch on
            // which side is behind saves a misprediction on every other one.
            i += usize::from(hx < hy);
            j += usize::from(hy < hx);
            continue;
        }
        let ei = i + x[i..].iter().take_while(|&&h| h == hx).count();
        let ej = j + y[j..].iter().take_while(|&&h| h == hx).count();
        if ei - i <= MAX_REPEATS && ej - j <= MAX_REPEATS {
            for &pa in &a.seed_tokens[i..ei] {
                for &pb in &b.seed_tokens[j..ej] {
                    found.push((pa, pb));
                }
            }
        }
        (i, j) = (ei, ej);
    }
    in_token_order(&found, a.len())
}

/// [`seed_matches`] of two docs whose seeds' hashes are each unique, in
/// hash order: each step of the merge writes the pair it is at and keeps
/// it when the hashes are equal, then steps past the smaller, with no
/// branch to mispredict (two docs share runs of seeds and differ between
/// them, so whether the next seeds match is a coin toss).
fn unique_seed_matches(a: &Doc, b: &Doc) -> Vec<(u32, u32)> {
    let (x, y) = (&a.seed_hashes, &b.seed_hashes);
    let (tx, ty) = (&a.seed_tokens, &b.seed_tokens);
    let mut found = vec![(0, 0); x.len().min(y.len()) + 1];
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        let (hx, hy) = (x[i], y[j]);
        found[k] = (tx[i], ty[j]);
        k += usize::from(hx == hy);
        i += usize::from(hx <= hy);
        j += usize::from(hy <= hx);
    }
    found.truncate(k);
    found
}

/// Seed matches found in hash order, sorted by token of `a`, then of `b`,
/// by counting: the matches of one token of `a` all come from its one seed
/// n-gram, in order of `b` (seeds of one hash are sorted by token), so a
/// stable placement by the token of `a` sorts them whole. A comparison
/// sort of them was half the cost of aligning a pair.
fn in_token_order(found: &[(u32, u32)], a_len: usize) -> Vec<(usize, usize)> {
    let widen = |&(pa, pb): &(u32, u32)| (pa as usize, pb as usize);
    if found.len() < 16 {
        let mut out: Vec<(usize, usize)> = found.iter().map(widen).collect();
        out.sort_unstable();
        return out;
    }
    let mut next = vec![0u32; a_len + 1];
    for &(pa, _) in found {
        next[pa as usize + 1] += 1;
    }
    for k in 1..next.len() {
        next[k] += next[k - 1];
    }
    let mut out = vec![(0, 0); found.len()];
    for m in found {
        let slot = &mut next[m.0 as usize];
        out[*slot as usize] = widen(m);
        *slot += 1;
    }
    out
}

/// Cuts a chain into one passage per pair of paragraphs it runs through, so
/// that a passage never spans what lies between paragraphs (padding, spam
/// links, an inserted paragraph), then widens each while tokens agree.
fn split_at_paragraphs(c: &Chain, a: &Doc, b: &Doc) -> Vec<Passage> {
    let (ends_a, ends_b) = (&a.para_end, &b.para_end);
    let mut out = Vec::new();
    let mut group: Vec<(usize, usize)> = Vec::new();
    let flush = |group: &mut Vec<(usize, usize)>, out: &mut Vec<Passage>| {
        let (Some(&(i0, j0)), Some(&(i1, j1))) = (group.first(), group.last()) else {
            return;
        };
        let (mut sa, mut sb) = (i0, j0);
        let (mut ea, mut eb) = (
            (i1 + SEED_N).min(ends_a[i1] as usize),
            (j1 + SEED_N).min(ends_b[j1] as usize),
        );
        while sa > 0
            && sb > 0
            && ends_a[sa - 1] == ends_a[i0]
            && ends_b[sb - 1] == ends_b[j0]
            && a.keys[sa - 1] == b.keys[sb - 1]
        {
            sa -= 1;
            sb -= 1;
        }
        while ea < ends_a[i1] as usize && eb < ends_b[j1] as usize && a.keys[ea] == b.keys[eb] {
            ea += 1;
            eb += 1;
        }
        out.push(Passage {
            a: Span::new(a.wide[sa].0 as usize, a.wide[ea - 1].1 as usize),
            b: Span::new(b.wide[sb].0 as usize, b.wide[eb - 1].1 as usize),
            a_tokens: (sa, ea),
            b_tokens: (sb, eb),
            matched: (group.len() + SEED_N - 1).min(ea - sa),
            paragraphs: 1,
        });
        group.clear();
    };
    for &(i, j) in &c.seeds {
        if let Some(&(gi, gj)) = group.first() {
            if ends_a[i] != ends_a[gi] || ends_b[j] != ends_b[gj] {
                flush(&mut group, &mut out);
            }
        }
        group.push((i, j));
    }
    flush(&mut group, &mut out);
    out
}

/// Most code points between two body paragraphs that a passage runs
/// across: the blank line between them. More is text that is not in the
/// body (a line extraction stripped: a share prompt, an ad), which a
/// passage's one span must not take in.
pub const MAX_BREAK_CHARS: u32 = 4;

/// Whether the piece `q` continues the piece `p` in one doc (token ranges
/// `p` and `q`): it starts at most [`MAX_GAP`] tokens after `p` ends, in the
/// paragraph `p` ends in or in the next one, when only a blank line parts
/// the two paragraphs in the text.
fn continues(p: (usize, usize), q: (usize, usize), d: &Doc) -> bool {
    if q.0 < p.1 || q.0 - p.1 > MAX_GAP || p.1 == 0 {
        return false;
    }
    let end = d.para_end[p.1 - 1] as usize;
    q.0 < end
        || (d.para_end.get(end).is_some_and(|&e| d.para_end[q.0] == e)
            && d.wide[end].0 - d.wide[end - 1].1 <= MAX_BREAK_CHARS)
}

/// The maximal runs of `pieces` (sorted by token ranges): each piece joined
/// to the one that continues it in both docs, where that one is the only
/// piece continuing it and it the only piece that one continues (so the
/// runs of `b` and `a` mirror those of `a` and `b`).
fn maximal_runs(pieces: Vec<Passage>, a: &Doc, b: &Doc) -> Vec<Passage> {
    if pieces.len() < 2 {
        return pieces;
    }
    let n = pieces.len();
    let mut next: Vec<Option<usize>> = vec![None; n];
    let (mut succs, mut preds) = (vec![0u32; n], vec![0u32; n]);
    for (i, p) in pieces.iter().enumerate() {
        // Pieces are sorted by their start in `a`: those that may continue
        // `p` start within `MAX_GAP` tokens of its end.
        let from = pieces.partition_point(|q| q.a_tokens.0 < p.a_tokens.1);
        for (j, q) in pieces.iter().enumerate().skip(from) {
            if q.a_tokens.0 > p.a_tokens.1 + MAX_GAP {
                break;
            }
            if continues(p.a_tokens, q.a_tokens, a) && continues(p.b_tokens, q.b_tokens, b) {
                next[i] = Some(j);
                succs[i] += 1;
                preds[j] += 1;
            }
        }
    }
    let joined = |i: usize| next[i].filter(|&j| succs[i] == 1 && preds[j] == 1);
    let mut starts = vec![true; n];
    for i in 0..n {
        if let Some(j) = joined(i) {
            starts[j] = false;
        }
    }
    let mut out = Vec::with_capacity(n);
    for i in (0..n).filter(|&i| starts[i]) {
        let mut run = pieces[i].clone();
        let mut at = i;
        while let Some(j) = joined(at) {
            let q = &pieces[j];
            run.a = Span::new(run.a.start, q.a.end);
            run.b = Span::new(run.b.start, q.b.end);
            run.a_tokens.1 = q.a_tokens.1;
            run.b_tokens.1 = q.b_tokens.1;
            run.matched += q.matched;
            run.paragraphs += q.paragraphs;
            at = j;
        }
        out.push(run);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use wiretrace_core::{Article, InputFormat};

    fn article(id: &str, paras: &[&str]) -> Article {
        Article::from_paragraphs(ArticleId(id.into()), paras, InputFormat::Text, id)
    }

    fn slice(a: &Article, s: Span) -> String {
        a.text.chars().skip(s.start).take(s.len()).collect()
    }

    const SHARED_US: &str = "But Vardonia is a unique case, as the Republic does not recognize the legitimacy of Ostrov, a firebrand whose last election in 2024 was widely seen at home and abroad as riddled with irregularities.";
    const SHARED_UK: &str = "But Vardonia is a unique case, as the Republic does not recognise the legitimacy of President Anton Ostrov, a firebrand whose last election in 2024 was widely seen at home and abroad as riddled with irregularities.";

    #[test]
    fn one_shared_paragraph_with_small_edits_is_one_passage() {
        let a = article(
            "a",
            &[
                "The minister met the president for an hour on Wednesday in the capital.",
                "They spoke of trade, of the border and of the harvest, aides said afterwards.",
                SHARED_US,
                "She then flew on to the coast, where the fishing fleet had been idle for a week.",
                "Her plane landed late in the evening.",
            ],
        );
        let b = article("b", &["Talks are planned for Wednesday, officials said, with a news conference to follow.", "Nobody expects a deal, diplomats in the capital say, though both sides want calm.", SHARED_UK, "The visit is the first of its kind since the election, and the talks may run long."]);
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert_eq!(r.passages.len(), 1, "{:?}", r.passages);
        let p = &r.passages[0];
        assert_eq!(slice(&a, p.a), SHARED_US);
        assert_eq!(slice(&b, p.b), SHARED_UK);
        assert!(!r.is_copy());
    }

    #[test]
    fn a_padded_copy_is_a_copy() {
        let body = ["The port of Aldren was closed on Tuesday as dockworkers walked out over pay, halting all container traffic.", "Union leader Mara Lindqvist said the strike would last until the port authority returned to the table.", "The authority said it regretted the walkout and called for calm talks."];
        let a = article("orig", &body);
        let mut padded =
            vec!["Spread the word about this one to all your friends and family today please"];
        padded.extend(body);
        padded.push("Comments are closed on this article, but you can write to the editor anytime");
        let b = article("copy", &padded);
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert!(r.is_copy(), "{r:?}");
        assert!(r.a_coverage > 0.95, "{}", r.a_coverage);
        // A summary seen from the other side is that of the relation seen so.
        use crate::RelationSummary;
        assert_eq!(
            RelationSummary::of(&r.swapped()),
            RelationSummary::of(&r).swapped()
        );
        assert_ne!(RelationSummary::of(&r.swapped()), RelationSummary::of(&r));
    }

    #[test]
    fn a_brief_of_one_paragraph_and_an_addition_is_a_copy_under_the_same_headline() {
        let lede = "The port of Aldren was closed on Tuesday as dockworkers walked out over pay, halting all container traffic for the first time in a decade.";
        let a = article("orig", &[lede, "Union leader Mara Lindqvist said the strike would last until the port authority returned to the table.", "The authority said it regretted the walkout and called for calm talks."]);
        let b = article(
            "brief",
            &[lede, "Shipping lines said vessels were waiting offshore."],
        );
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert_eq!(r.passages.len(), 1);
        assert!(!r.is_copy_with(false), "{r:?}");
        assert!(r.is_copy_with(true), "{r:?}");
    }

    #[test]
    fn passages_stop_at_paragraph_breaks_so_padding_between_is_not_covered() {
        let body = ["The port of Aldren was closed on Tuesday as dockworkers walked out over pay, halting all container traffic.", "Union leader Mara Lindqvist said the strike would last until the port authority returned to the table."];
        let a = article("orig", &body);
        let spam = "Cheap watches";
        let b = article("copy", &[body[0], spam, body[1]]);
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert_eq!(r.passages.len(), 2, "{:?}", r.passages);
        for p in &r.passages {
            assert!(!slice(&b, p.b).contains(spam));
        }
        assert_eq!(slice(&b, r.passages[1].b), body[1]);
    }

    const FERRY: [&str; 4] = [
        "The ferry service between Oskarsholm and the island of Venn will stop for three weeks from Monday while engineers replace the ramp at the northern terminal.",
        "Board chairwoman Hedda Sorlie said the old ramp had been patched eleven times since the winter storms and could no longer carry fully loaded lorries safely.",
        "Islanders will be carried by a chartered passenger boat twice a day, but vehicles will have to wait until the work is done.",
        "The board estimated the cost of the new ramp at 4.2 million crowns, to be shared with the regional council.",
    ];

    #[test]
    fn a_whole_copy_with_small_edits_is_one_passage_through_its_paragraphs() {
        let a = article("orig", &FERRY);
        let b = article(
            "copy",
            &[
                FERRY[0],
                "Board chairwoman Hedda Sorlie said the old ramp had been patched 11 times since the winter storms and could no longer carry fully-loaded lorries safely.",
                FERRY[2],
                "The board estimated the cost of the new ramp at 4.3 million crowns, to be shared with the regional council.",
            ],
        );
        let (da, db) = (Doc::from_article(&a), Doc::from_article(&b));
        let r = align(&da, &db);
        assert_eq!(r.passages.len(), 1, "{:?}", r.passages);
        let p = &r.passages[0];
        assert_eq!(p.paragraphs, 4);
        assert_eq!(slice(&a, p.a), a.text);
        assert!(r.is_copy());
        // Its paragraphs are still there to show.
        let parts = paragraphs_of(&da, &db, p);
        assert_eq!(parts.len(), 4);
        assert_eq!(slice(&a, parts[2].a), FERRY[2]);
    }

    #[test]
    fn a_run_stops_at_text_between_body_paragraphs() {
        // `b`'s text holds a line between two body paragraphs that is not
        // in its body (stripped): the run must not take it in.
        let a = article("orig", &FERRY[..2]);
        let line = "Share this story with your friends!";
        let text = format!("{}\n\n{line}\n\n{}", FERRY[0], FERRY[1]);
        let mut b = article("copy", &[text.as_str()]);
        let second = text.chars().count() - FERRY[1].chars().count();
        b.body = vec![
            Span::new(0, FERRY[0].chars().count()),
            Span::new(second, text.chars().count()),
        ];
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert_eq!(r.passages.len(), 2, "{:?}", r.passages);
        for p in &r.passages {
            assert!(!slice(&b, p.b).contains(line));
        }
        assert!(r.is_copy());
    }

    #[test]
    fn a_copy_that_rewrote_its_lede_is_a_copy_by_the_paragraphs_of_its_one_run() {
        // One run through three paragraphs, covering three quarters of each.
        let a = article("orig", &FERRY);
        let lede = "Venn will lose its ferry for most of the month, islanders were told at a packed meeting in the village hall on Thursday night.";
        let b = article("copy", &[lede, FERRY[1], FERRY[2], FERRY[3]]);
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert_eq!(r.passages.len(), 1, "{:?}", r.passages);
        assert_eq!(r.passages[0].paragraphs, 3);
        assert!(r.a_coverage < COPY_ONE_PASSAGE_COVERAGE);
        assert!(r.is_copy(), "{r:?}");
    }

    #[test]
    fn a_few_shared_words_cut_off_by_a_paragraph_are_no_passage() {
        // The same seven words open a paragraph of each, after a shared
        // paragraph that a short line of `b` parts from them.
        let opening = "The harbour board said on Tuesday that";
        let a = article(
            "a",
            &[
                FERRY[0],
                &format!("{opening} the toll would rise in spring for every car."),
            ],
        );
        let b = article(
            "b",
            &[
                FERRY[0],
                "Read more",
                &format!("{opening} nobody had complained about the old timetable."),
            ],
        );
        let r = align(&Doc::from_article(&a), &Doc::from_article(&b));
        assert_eq!(r.passages.len(), 1, "{:?}", r.passages);
        assert_eq!(slice(&a, r.passages[0].a), FERRY[0]);
        for p in &r.passages {
            assert!(p.a_tokens.1 - p.a_tokens.0 >= MIN_PASSAGE_TOKENS);
        }
    }

    #[test]
    fn a_digest_carrying_one_short_item_is_a_partial_copy() {
        let item = [FERRY[0], FERRY[1]];
        let a = article("item", &item);
        let digest = article(
            "digest",
            &[
                "Good morning. Here is what happened around the coast this week, in five short reads.",
                "The Marrow Sound regatta was called off for the second year running after organisers failed to find enough rescue boats for the crews.",
                "Fishermen at Doll Harbour landed a record catch of sprats on Wednesday, selling most of it to a smokehouse in the valley before noon.",
                item[0],
                item[1],
                "The council of Brindle will vote next month on whether to pedestrianise the old market street, after a petition was handed in.",
                "The weather service expects a dry week, with light winds from the east and cold nights in the hills.",
                "And finally: a seal that has spent the winter on the slipway at Tolley has been named Barnaby by pupils of the village school.",
            ],
        );
        let r = align(&Doc::from_article(&a), &Doc::from_article(&digest));
        assert_eq!(r.passages.len(), 1);
        assert!(r.a_coverage > 0.95);
        assert!(r.is_partial());
        assert!(!r.is_copy(), "{r:?}");
        assert!(!r.is_copy_with(false));
        // Under the item's own headline, it is a brief of the story.
        assert!(r.is_copy_with(true));
        // A brief that keeps a story's start is no container.
        let story = article("story", &[item[0], item[1], FERRY[2], FERRY[3], "The board added that work was due to finish on the twenty-first, weather permitting, and thanked islanders for their patience.", "A public meeting on the new timetable will be held in the village hall.", "Tickets already bought will be refunded in full at the harbour office."]);
        let r = align(&Doc::from_article(&a), &Doc::from_article(&story));
        assert!(!r.is_partial(), "{r:?}");
    }

    #[test]
    fn unrelated_texts_share_nothing() {
        let a = article("a", &["The ferry between Oskar and Lund resumed service on Monday after a week of storms."]);
        let b = article(
            "b",
            &["City council approved the tram extension by a wide margin after a long debate."],
        );
        assert!(align(&Doc::from_article(&a), &Doc::from_article(&b))
            .passages
            .is_empty());
    }

    proptest! {
        #[test]
        fn seed_matches_come_sorted(
            words_a in proptest::collection::vec("[a-d]{1,2}", 0..200),
            cut in 0usize..200,
            edits in proptest::collection::vec((0usize..200, "[a-d]{1,2}"), 0..20),
        ) {
            // `b`: `a` rotated at `cut` and edited here and there, so that
            // the two share runs of n-grams, some of them repeated.
            let cut = cut.min(words_a.len());
            let mut words_b = [&words_a[cut..], &words_a[..cut]].concat();
            for (at, w) in edits {
                if at < words_b.len() {
                    words_b[at] = w;
                }
            }
            let a = Doc::from_article(&article("a", &[&words_a.join(" ")]));
            let b = Doc::from_article(&article("b", &[&words_b.join(" ")]));
            let mut every = Vec::new();
            for (i, ha) in crate::fingerprint::ngrams(&a.keys, SEED_N).into_iter().enumerate() {
                for (j, hb) in crate::fingerprint::ngrams(&b.keys, SEED_N).into_iter().enumerate() {
                    if ha == hb {
                        every.push((i, j, ha));
                    }
                }
            }
            let repeats = |d: &Doc, h: u64| d.seed_hashes.iter().filter(|&&x| x == h).count();
            every.retain(|&(_, _, h)| repeats(&a, h) <= MAX_REPEATS && repeats(&b, h) <= MAX_REPEATS);
            let every: Vec<(usize, usize)> = every.into_iter().map(|(i, j, _)| (i, j)).collect();
            prop_assert_eq!(seed_matches(&a, &b), every);
        }

        #[test]
        fn passages_are_in_bounds_and_mirror(words_a in proptest::collection::vec("[a-e]{1,3}", 0..120), words_b in proptest::collection::vec("[a-e]{1,3}", 0..120)) {
            let a = article("a", &[&words_a.join(" ")]);
            let b = article("b", &[&words_b.join(" ")]);
            let (da, db) = (Doc::from_article(&a), Doc::from_article(&b));
            let r = align(&da, &db);
            for p in &r.passages {
                prop_assert!(p.a.end <= a.text_chars() && p.b.end <= b.text_chars());
                prop_assert!(p.a_tokens.1 <= da.len() && p.b_tokens.1 <= db.len());
            }
            prop_assert!(r.a_coverage <= 1.0 && r.b_coverage <= 1.0);
            // Swapping the docs gives the mirror image, passage for passage.
            let mut mirrored = r.swapped();
            mirrored.passages.sort_by_key(|p| (p.a_tokens, p.b_tokens));
            prop_assert_eq!(mirrored, align(&db, &da));
        }
    }
}

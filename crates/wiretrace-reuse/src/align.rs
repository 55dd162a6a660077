//! Local alignment of two docs.
//!
//! 1. *Seeds*: positions where both docs hold the same [`SEED_N`]-gram.
//! 2. *Chains*: seeds taken in order of position in `a` are chained when they
//!    also advance in `b` by at most [`MAX_GAP`] tokens: a changed word, a
//!    spelling variant or a short insertion breaks a few seeds, not the chain.
//! 3. *Passages*: chains long enough to be prose, widened while the tokens on
//!    both sides still agree, with code point spans into each text.

use serde::{Deserialize, Serialize};
use wiretrace_core::{ArticleId, Span};

use crate::doc::Doc;
use crate::fingerprint::SEED_N;

/// Most tokens a chain may skip between two seeds, on either side.
pub const MAX_GAP: usize = 12;
/// A passage spans at least this many tokens on each side.
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
/// ...in at least two passages (passages end at paragraph breaks, so: two
/// paragraphs; two articles that both quote one long paragraph are not
/// copies of each other), unless one passage covers this share of one of
/// them (a one-paragraph brief taken whole)...
pub const COPY_ONE_PASSAGE_COVERAGE: f64 = 0.9;
/// Pairs with more passages than this are judged on plain coverage.
const MAX_CHAIN_PASSAGES: usize = 400;
/// ...and at least this many of its tokens.
pub const COPY_MIN_TOKENS: usize = 20;

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
            n += 1;
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
        copies_by(ordered, self.shared_tokens(), false)
    }

    /// [`PairRelation::is_copy`], knowing whether the two articles carry
    /// the same headline (see [`copies_by`]).
    pub fn is_copy_with(&self, same_headline: bool) -> bool {
        copies_by(self.ordered_coverage(), self.shared_tokens(), same_headline)
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
    let matches = seed_matches(a, b);
    if matches.len() < MIN_SEEDS {
        return PairRelation {
            a: a.id.clone(),
            b: b.id.clone(),
            passages: Vec::new(),
            a_coverage: 0.0,
            b_coverage: 0.0,
        };
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

    let mut passages: Vec<Passage> = finished
        .iter()
        .filter(|c| {
            c.seeds.len() >= MIN_SEEDS
                && c.last_a + SEED_N - c.seeds[0].0 >= MIN_PASSAGE_TOKENS
                && c.last_b + SEED_N - c.seeds[0].1 >= MIN_PASSAGE_TOKENS
        })
        .flat_map(|c| split_at_paragraphs(c, a, b))
        .collect();
    passages.sort_by_key(|p| (p.a_tokens, p.b_tokens));
    passages.dedup_by(|x, y| x.a_tokens == y.a_tokens && x.b_tokens == y.b_tokens);

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

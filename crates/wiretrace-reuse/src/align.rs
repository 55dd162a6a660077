//! Local alignment of two docs.
//!
//! 1. *Seeds*: positions where both docs hold the same [`SEED_N`]-gram.
//! 2. *Chains*: seeds taken in order of position in `a` are chained when they
//!    also advance in `b` by at most [`MAX_GAP`] tokens: a changed word, a
//!    spelling variant or a short insertion breaks a few seeds, not the chain.
//! 3. *Passages*: chains long enough to be prose, widened while the tokens on
//!    both sides still agree, with code point spans into each text.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wiretrace_core::{ArticleId, Span};

use crate::doc::Doc;
use crate::fingerprint::{ngrams, SEED_N};

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

/// Two docs are copies of one text when the passages cover at least this
/// share of one of them...
pub const COPY_COVERAGE: f64 = 0.5;
/// ...and at least this many of its tokens.
pub const COPY_MIN_TOKENS: usize = 20;

impl PairRelation {
    /// Tokens of the smaller side covered by passages.
    pub fn shared_tokens(&self) -> usize {
        let a: usize = union_len(self.passages.iter().map(|p| p.a_tokens));
        let b: usize = union_len(self.passages.iter().map(|p| p.b_tokens));
        a.min(b)
    }

    /// Whether the two docs are copies of one text (one contains the other,
    /// up to padding and small edits), rather than sharing a passage.
    pub fn is_copy(&self) -> bool {
        self.a_coverage.max(self.b_coverage) >= COPY_COVERAGE
            && self.shared_tokens() >= COPY_MIN_TOKENS
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

#[derive(Debug, Clone, Copy)]
struct Chain {
    start_a: usize,
    start_b: usize,
    last_a: usize,
    last_b: usize,
    seeds: usize,
}

/// Aligns two docs. The result depends only on the two docs (and is the
/// mirror image when they are swapped).
pub fn align(a: &Doc, b: &Doc) -> PairRelation {
    let ga = ngrams(a, SEED_N);
    let gb = ngrams(b, SEED_N);
    let mut where_b: HashMap<u64, Vec<usize>> = HashMap::with_capacity(gb.len());
    for (j, h) in gb.iter().enumerate() {
        where_b.entry(*h).or_default().push(j);
    }
    let mut count_a: HashMap<u64, usize> = HashMap::with_capacity(ga.len());
    for h in &ga {
        *count_a.entry(*h).or_default() += 1;
    }

    let mut finished: Vec<Chain> = Vec::new();
    let mut active: Vec<Chain> = Vec::new();
    for (i, h) in ga.iter().enumerate() {
        let Some(js) = where_b.get(h) else { continue };
        if js.len() > MAX_REPEATS || count_a[h] > MAX_REPEATS {
            continue;
        }
        // Chains that can no longer be extended are done.
        let (done, live): (Vec<Chain>, Vec<Chain>) =
            active.into_iter().partition(|c| i > c.last_a + MAX_GAP);
        finished.extend(done);
        active = live;
        for &j in js {
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
                    c.seeds += 1;
                }
                None => active.push(Chain {
                    start_a: i,
                    start_b: j,
                    last_a: i,
                    last_b: j,
                    seeds: 1,
                }),
            }
        }
    }
    finished.extend(active);

    let mut passages: Vec<Passage> = finished
        .into_iter()
        .filter(|c| c.seeds >= MIN_SEEDS)
        .map(|c| {
            let (mut sa, mut sb) = (c.start_a, c.start_b);
            let (mut ea, mut eb) = (c.last_a + SEED_N, c.last_b + SEED_N);
            while sa > 0 && sb > 0 && a.keys[sa - 1] == b.keys[sb - 1] {
                sa -= 1;
                sb -= 1;
            }
            while ea < a.len() && eb < b.len() && a.keys[ea] == b.keys[eb] {
                ea += 1;
                eb += 1;
            }
            Passage {
                a: Span::new(a.wide[sa].start, a.wide[ea - 1].end),
                b: Span::new(b.wide[sb].start, b.wide[eb - 1].end),
                a_tokens: (sa, ea),
                b_tokens: (sb, eb),
                matched: (c.seeds + SEED_N - 1).min(ea - sa),
            }
        })
        .filter(|p| {
            p.a_tokens.1 - p.a_tokens.0 >= MIN_PASSAGE_TOKENS
                && p.b_tokens.1 - p.b_tokens.0 >= MIN_PASSAGE_TOKENS
        })
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
            let s = align(&db, &da);
            prop_assert_eq!(r.passages.len(), s.passages.len());
        }
    }
}

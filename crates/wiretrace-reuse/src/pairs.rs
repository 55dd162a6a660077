//! Aligning candidate pairs by the batch, exact copies once.
//!
//! A wire story republished untouched gives articles whose docs are equal
//! but for their ids ([`Doc::content`]). Every pair such an article is in
//! aligns as its twin's pair does, so each distinct pair of contents is
//! aligned once (in either order: swapping two docs mirrors their
//! alignment) and its relation relabelled for the other pairs. Results
//! are those of [`align`] on each pair: only the work is shared.

use crate::align::{align, PairRelation};
use crate::doc::Doc;
use crate::fingerprint::Sketch;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use wiretrace_core::ArticleId;

/// Alignments remembered across batches, at most: a few tens of megabytes.
/// Copies of one text mostly arrive close together (a batch holds most of
/// their pairs); this catches those that straddle batches.
const REMEMBERED: usize = 65_536;

/// Aligns pairs of docs, remembering across batches the alignments of the
/// articles that may have exact copies.
#[derive(Debug, Default)]
pub struct PairAligner {
    /// Articles whose sketch another article has too: equal contents give
    /// equal sketches, so only their pairs can recur.
    may_repeat: FxHashSet<ArticleId>,
    /// Relations by the contents of their two docs, the smaller content
    /// first (`None`: no passage).
    seen: FxHashMap<(u128, u128), Option<PairRelation>>,
    /// Pairs given, and of those how many were aligned.
    pairs: usize,
    aligned: usize,
}

impl PairAligner {
    /// An aligner for the articles of these sketches.
    pub fn new(sketches: &[Sketch]) -> Self {
        let mut by_sketch: FxHashMap<(&[u64], u32), Vec<&ArticleId>> = FxHashMap::default();
        for s in sketches {
            by_sketch
                .entry((&s.hashes, s.tokens))
                .or_default()
                .push(&s.id);
        }
        let may_repeat = by_sketch
            .into_values()
            .filter(|ids| ids.len() > 1)
            .flatten()
            .cloned()
            .collect();
        PairAligner {
            may_repeat,
            ..Default::default()
        }
    }

    /// How many pairs were given, and how many of them aligned (the others
    /// had the contents of a pair aligned before).
    pub fn work(&self) -> (usize, usize) {
        (self.pairs, self.aligned)
    }

    /// `align(a, b)` for each pair, in parallel, keeping the relations with
    /// a passage (in the order of `pairs`).
    pub fn align_all(&mut self, pairs: &[(&Doc, &Doc)]) -> Vec<PairRelation> {
        let contents = |&(a, b): &(&Doc, &Doc)| ordered(a.content, b.content);
        // The first pair of each contents not aligned before is aligned;
        // how many pairs have those contents says whether to share it.
        let mut first: FxHashMap<(u128, u128), (usize, usize)> = FxHashMap::default();
        for (i, p) in pairs.iter().enumerate() {
            let key = contents(p);
            if !self.seen.contains_key(&key) {
                first.entry(key).or_insert((i, 0)).1 += 1;
            }
        }
        let mut aligned: Vec<(usize, usize)> = first.into_values().collect();
        aligned.sort_unstable();
        self.pairs += pairs.len();
        self.aligned += aligned.len();
        let fresh: Vec<(usize, usize, PairRelation)> = aligned
            .into_par_iter()
            .map(|(i, n)| (i, n, align(pairs[i].0, pairs[i].1)))
            .collect();
        // Each aligned pair keeps its own relation; one seen from the
        // smaller content is kept for the others and for later batches.
        let mut out: Vec<Option<PairRelation>> = vec![None; pairs.len()];
        let kept = |&(_, n, ref r): &(usize, usize, PairRelation)| {
            n > 1 || self.may_repeat.contains(&r.a) || self.may_repeat.contains(&r.b)
        };
        // Sized once: grown entry by entry, the map was rehashed into fresh
        // memory a dozen times a chunk.
        let mut made: FxHashMap<(u128, u128), PairRelation> = FxHashMap::with_capacity_and_hasher(
            fresh.iter().filter(|f| kept(f)).count(),
            Default::default(),
        );
        for f in fresh {
            let keep = kept(&f);
            let (i, _, r) = f;
            if keep {
                made.insert(contents(&pairs[i]), in_order(r.clone(), &pairs[i]));
            }
            out[i] = Some(r);
        }
        let relations: Vec<PairRelation> = pairs
            .iter()
            .zip(out)
            .filter_map(|(p, r)| {
                let r = match r {
                    Some(r) => r,
                    None => {
                        let key = contents(p);
                        let shared = match made.get(&key) {
                            Some(r) => r,
                            None => self.seen.get(&key)?.as_ref()?,
                        };
                        relabelled(shared, p)
                    }
                };
                (!r.passages.is_empty()).then_some(r)
            })
            .collect();
        // Kept for later batches: the pairs that can come again.
        for (key, r) in made {
            if self.may_repeat.contains(&r.a) || self.may_repeat.contains(&r.b) {
                if self.seen.len() >= REMEMBERED {
                    self.seen.clear(); // a result never depends on what is remembered
                }
                self.seen.insert(key, (!r.passages.is_empty()).then_some(r));
            }
        }
        relations
    }
}

/// Two contents, the smaller first.
fn ordered(x: u128, y: u128) -> (u128, u128) {
    (x.min(y), x.max(y))
}

/// `r`, the relation of the pair `(a, b)`, seen from the doc with the
/// smaller content (as [`align`] would give it).
fn in_order(r: PairRelation, &(a, b): &(&Doc, &Doc)) -> PairRelation {
    if a.content <= b.content {
        r
    } else {
        mirrored(&r)
    }
}

/// The relation of `b` and `a`, from that of `a` and `b`, with the
/// passages in the order [`align`] gives them.
fn mirrored(r: &PairRelation) -> PairRelation {
    let mut m = r.swapped();
    m.passages.sort_by_key(|p| (p.a_tokens, p.b_tokens));
    m
}

/// `r` (the relation of docs with the contents of `a` and `b`, the smaller
/// content first) as the relation of `a` and `b`.
fn relabelled(r: &PairRelation, &(a, b): &(&Doc, &Doc)) -> PairRelation {
    let mut r = if a.content <= b.content {
        r.clone()
    } else {
        mirrored(r)
    };
    (r.a, r.b) = (a.id.clone(), b.id.clone());
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::{Article, InputFormat};

    fn doc(id: &str, paras: &[&str]) -> Doc {
        Doc::from_article(&Article::from_paragraphs(
            ArticleId(id.into()),
            paras,
            InputFormat::Text,
            id,
        ))
    }

    const WIRE: [&str; 2] = [
        "The port of Aldren was closed on Tuesday as dockworkers walked out over pay, halting all container traffic in the harbour.",
        "Union leader Mara Lindqvist said the strike would last until the port authority returned to the table with a better offer.",
    ];

    #[test]
    fn copies_align_as_their_twins_do_and_are_aligned_once() {
        let report = [
            WIRE[0],
            "Shipping lines said they would divert vessels to the northern terminals for as long as the strike lasted this week.",
        ];
        let docs = [
            doc("a", &WIRE),
            doc("b", &report),
            doc("c", &WIRE),   // an exact copy of a
            doc("d", &report), // an exact copy of b
        ];
        let sketches: Vec<Sketch> = docs.iter().map(Sketch::of).collect();
        let mut aligner = PairAligner::new(&sketches);
        assert_eq!(aligner.may_repeat.len(), 4);
        let pairs = [(&docs[0], &docs[1]), (&docs[2], &docs[1])];
        let got = aligner.align_all(&pairs);
        let want: Vec<PairRelation> = pairs.iter().map(|(a, b)| align(a, b)).collect();
        assert_eq!(got, want);
        assert!(!got[0].passages.is_empty());
        // One alignment stands for both pairs: only one was remembered.
        assert_eq!(aligner.seen.len(), 1);
        assert_eq!(aligner.work(), (2, 1));
        // A later batch: the pair of copies is answered from memory, and
        // is what aligning it gives.
        let later = [(&docs[2], &docs[3]), (&docs[0], &docs[2])];
        let got = aligner.align_all(&later);
        assert_eq!(got[0], align(&docs[2], &docs[3]));
        assert_eq!(got[0].a.0, "c");
        assert_eq!(got[1], align(&docs[0], &docs[2]));
        // The same contents the other way round: mirrored from memory.
        let before = aligner.work().1;
        let got = aligner.align_all(&[(&docs[1], &docs[2])]);
        assert_eq!(got, vec![align(&docs[1], &docs[2])]);
        assert_eq!(got[0].a.0, "b");
        assert_eq!(aligner.work().1, before);
        // Pairs with no passage are left out, as before.
        let other = doc("e", &["Nothing here is shared with the wire story at all, not one phrase of it, whatever the day."]);
        assert!(aligner.align_all(&[(&docs[0], &other)]).is_empty());
    }

    #[test]
    fn pairs_of_articles_without_copies_are_not_remembered() {
        let docs = [doc("a", &WIRE), doc("b", &WIRE[..1])];
        let sketches: Vec<Sketch> = docs.iter().map(Sketch::of).collect();
        let mut aligner = PairAligner::new(&sketches);
        let got = aligner.align_all(&[(&docs[0], &docs[1])]);
        assert_eq!(got, vec![align(&docs[0], &docs[1])]);
        assert!(aligner.seen.is_empty());
    }
}

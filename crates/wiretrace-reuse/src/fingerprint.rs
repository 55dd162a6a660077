//! Word n-gram hashes.

use crate::doc::Doc;

/// Words per n-gram for seeding alignments: short enough to survive dense
/// small edits, long enough to be rare.
pub const SEED_N: usize = 4;
/// Words per n-gram in the sketch used to find candidates.
pub const SKETCH_N: usize = 5;
/// One sketch n-gram in this many is kept (chosen by hash value, so two docs
/// keep the same n-grams of a shared passage).
pub const SKETCH_MOD: u64 = 4;

#[inline]
fn mix(h: u64, k: u64) -> u64 {
    (h ^ k).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(27)
}

/// Hash of every window of `n` token keys, in order (empty if there are
/// fewer).
pub fn ngrams(keys: &[u64], n: usize) -> Vec<u64> {
    each_ngram(keys, n).collect()
}

/// [`ngrams`], one at a time.
pub fn each_ngram(keys: &[u64], n: usize) -> impl ExactSizeIterator<Item = u64> + '_ {
    // `windows` of a slice shorter than `n` yields nothing.
    keys.windows(n)
        .map(move |w| w.iter().fold(n as u64, |h, k| mix(h, *k)))
}

/// The sketch of a doc with these token keys: its sampled `SKETCH_N`-grams,
/// sorted and unique.
pub fn sketch(keys: &[u64]) -> Vec<u64> {
    let mut s: Vec<u64> = ngrams(keys, SKETCH_N)
        .into_iter()
        .filter(|h| h % SKETCH_MOD == 0)
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// What the candidate index and the family stage keep of an analysed doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    pub id: wiretrace_core::ArticleId,
    /// The sampled n-gram hashes, sorted and unique (see [`sketch`]).
    pub hashes: Vec<u64>,
    /// How many body tokens the doc has.
    pub tokens: u32,
}

impl Sketch {
    pub fn of(doc: &Doc) -> Sketch {
        Sketch {
            id: doc.id.clone(),
            hashes: sketch(&doc.keys),
            tokens: doc.len() as u32,
        }
    }

    /// The sketch of an article's doc, from its token keys alone: what
    /// ingest computes for every article, without the rest of a [`Doc`].
    pub fn of_article(a: &wiretrace_core::Article) -> Sketch {
        let keys = crate::doc::body_keys(a);
        Sketch {
            id: a.id.clone(),
            hashes: sketch(&keys),
            tokens: keys.len() as u32,
        }
    }
}

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

/// Hash of every window of `n` tokens, in order (empty if the doc is shorter).
pub fn ngrams(doc: &Doc, n: usize) -> Vec<u64> {
    if doc.len() < n {
        return Vec::new();
    }
    doc.keys
        .windows(n)
        .map(|w| w.iter().fold(n as u64, |h, k| mix(h, *k)))
        .collect()
}

/// The doc's sketch: its sampled `SKETCH_N`-grams, sorted and unique.
pub fn sketch(doc: &Doc) -> Vec<u64> {
    let mut s: Vec<u64> = ngrams(doc, SKETCH_N)
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
            hashes: sketch(doc),
            tokens: doc.len() as u32,
        }
    }
}

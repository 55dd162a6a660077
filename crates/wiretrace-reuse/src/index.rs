//! The incremental candidate index: sketch n-gram → docs that hold it.

use std::collections::HashMap;

/// Postings of sketch n-grams. Docs are added one at a time; a query never
/// needs the index rebuilt.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    postings: HashMap<u64, Vec<u32>>,
    docs: usize,
}

/// An n-gram held by more docs than this is boilerplate or a stock phrase and
/// says nothing about reuse.
pub const MAX_POSTINGS: usize = 2_000;
/// Two docs are candidates when they share at least this many sketch n-grams.
pub const MIN_SHARED: u32 = 2;

impl CandidateIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds doc number `doc` (numbers are the caller's) with its sketch.
    pub fn add(&mut self, doc: u32, sketch: &[u64]) {
        for h in sketch {
            self.postings.entry(*h).or_default().push(doc);
        }
        self.docs += 1;
    }

    /// Docs sharing at least [`MIN_SHARED`] sketch n-grams with `sketch`,
    /// with the count, sorted by doc number.
    pub fn query(&self, sketch: &[u64]) -> Vec<(u32, u32)> {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for h in sketch {
            if let Some(p) = self.postings.get(h) {
                if p.len() <= MAX_POSTINGS {
                    for d in p {
                        *counts.entry(*d).or_default() += 1;
                    }
                }
            }
        }
        let mut out: Vec<(u32, u32)> = counts
            .into_iter()
            .filter(|(_, c)| *c >= MIN_SHARED)
            .collect();
        out.sort_unstable();
        out
    }

    pub fn len(&self) -> usize {
        self.docs
    }

    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_docs_sharing_enough_ngrams() {
        let mut ix = CandidateIndex::new();
        ix.add(0, &[1, 2, 3, 4]);
        ix.add(1, &[3, 9]);
        ix.add(2, &[1, 2, 3]);
        assert_eq!(ix.query(&[1, 2, 3]), vec![(0, 3), (2, 3)]);
        assert_eq!(ix.query(&[9]), vec![]);
        assert_eq!(ix.len(), 3);
    }
}

//! The candidate index: sketch n-gram → docs that hold it.
//!
//! Which pairs are worth aligning is decided by [`Evidence`] and
//! [`worth_aligning`], a function of the two sketches and of how common each
//! shared n-gram is in the index (its document frequency, df):
//! - a pair sharing at least [`MIN_SHARED`] *rare* n-grams (df ≤ [`RARE_DF`])
//!   is a candidate: this finds a single reused paragraph;
//! - a pair sharing common n-grams only is a candidate when they make up
//!   [`MIN_OVERLAP`] of each sketch: a wire story reprinted by hundreds of
//!   sites has only common n-grams, and its copies still find each other
//!   (a copy trimmed to a fraction of the story links through copies of
//!   lengths between).
//!
//! Text shared by hundreds of otherwise different documents (a stock
//! paragraph, a disclaimer, a quote everyone carries) therefore links no
//! pair on its own, as passim's `--max-df` does. Df only grows as documents
//! arrive, so a query finds every pair the final index accepts (and maybe
//! more); [`CandidateIndex::accepts`] re-checks stored pairs against the
//! final index, which makes the result independent of arrival order.

use rustc_hash::FxHashMap;

/// An n-gram held by more docs than this is not followed at all (boilerplate
/// of a whole site network): walking its postings would cost more than it
/// tells.
pub const MAX_POSTINGS: usize = 2_000;
/// An n-gram held by at most this many docs is rare enough that sharing a
/// few of them is evidence of reuse.
pub const RARE_DF: usize = 100;
/// Two docs are candidates when they share at least this many rare sketch
/// n-grams...
pub const MIN_SHARED: u32 = 2;
/// ...or when their shared (followed) n-grams are at least this share of
/// each sketch.
pub const MIN_OVERLAP: f64 = 0.5;

/// What two sketches share, counted against an index's document frequencies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Shared n-grams that are followed (df ≤ [`MAX_POSTINGS`]).
    pub shared: u32,
    /// Shared n-grams that are rare (df ≤ [`RARE_DF`]).
    pub rare: u32,
}

/// Whether a pair with this evidence and these sketch sizes is aligned.
pub fn worth_aligning(e: Evidence, len_a: usize, len_b: usize) -> bool {
    let larger = len_a.max(len_b).max(1) as f64;
    e.rare >= MIN_SHARED || (e.shared >= MIN_SHARED && e.shared as f64 >= MIN_OVERLAP * larger)
}

/// A per-doc count of n-grams: `u16`, or `u32` for giant queries.
trait Count: Copy + Default + Eq + Into<u32> + std::ops::AddAssign + From<u8> {}
impl<C: Copy + Default + Eq + Into<u32> + std::ops::AddAssign + From<u8>> Count for C {}

/// What a query tallies: shared and rare n-grams by doc, and the docs
/// touched (those whose shared count is no longer zero).
struct Tally<C> {
    shared: Vec<C>,
    rare: Vec<C>,
    touched: Vec<u32>,
}

impl<C: Count> Tally<C> {
    const fn new() -> Self {
        Tally {
            shared: Vec::new(),
            rare: Vec::new(),
            touched: Vec::new(),
        }
    }

    #[inline]
    fn count(&mut self, d: u32) {
        let s = &mut self.shared[d as usize];
        if *s == C::default() {
            self.touched.push(d);
        }
        *s += C::from(1);
    }
}

/// Postings of sketch n-grams. Docs are numbered by the index in the order
/// they are added.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    postings: FxHashMap<u64, Vec<u32>>,
    sizes: Vec<u32>,
}

impl CandidateIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a doc by its sketch; returns its number.
    pub fn add(&mut self, sketch: &[u64]) -> u32 {
        self.add_part(sketch, sketch.len())
    }

    /// Adds a doc by part of its sketch, of `size` n-grams in all: a
    /// caller that indexes part of a corpus leaves out the n-grams it knows
    /// the whole corpus holds too often to follow, and sizes still weigh
    /// the whole sketch.
    pub fn add_part(&mut self, part: &[u64], size: usize) -> u32 {
        let doc = self.sizes.len() as u32;
        for h in part {
            self.postings.entry(*h).or_default().push(doc);
        }
        self.sizes.push(size as u32);
        doc
    }

    /// How many indexed docs hold n-gram `h`.
    pub fn df(&self, h: u64) -> usize {
        self.postings.get(&h).map_or(0, Vec::len)
    }

    /// The indexed docs that hold n-gram `h`, by number.
    pub fn holders(&self, h: u64) -> &[u32] {
        self.postings.get(&h).map_or(&[], Vec::as_slice)
    }

    /// Docs numbered below `before` worth aligning with a doc of this
    /// sketch, with their evidence, sorted by doc number. Asked by each
    /// indexed doc with its own number, every pair is found once, by the
    /// later doc, and the postings after it (half of them, over a whole
    /// store) are not walked; `u32::MAX` asks among all docs (a doc of the
    /// index then finds itself too).
    pub fn query_before(&self, sketch: &[u64], before: u32) -> Vec<(u32, Evidence)> {
        // Evidence is tallied in dense arrays per thread, indexed by doc,
        // with the docs touched listed to reset them: a hash map entry per
        // posting was the costliest step of finding candidates. A doc
        // shares at most one n-gram per query n-gram, so 16-bit counts do
        // for all but giant sketches, and keep the array the walk writes
        // into small enough for the core's cache.
        thread_local! {
            static NARROW: std::cell::RefCell<Tally<u16>> = const { std::cell::RefCell::new(Tally::new()) };
            static WIDE: std::cell::RefCell<Tally<u32>> = const { std::cell::RefCell::new(Tally::new()) };
        }
        if sketch.len() <= u16::MAX as usize {
            NARROW.with_borrow_mut(|t| self.tally(t, sketch, before))
        } else {
            WIDE.with_borrow_mut(|t| self.tally(t, sketch, before))
        }
    }

    fn tally<C: Count>(
        &self,
        t: &mut Tally<C>,
        sketch: &[u64],
        before: u32,
    ) -> Vec<(u32, Evidence)> {
        if t.shared.len() < self.sizes.len() {
            t.shared.resize(self.sizes.len(), C::default());
            t.rare.resize(self.sizes.len(), C::default());
        }
        for h in sketch {
            let Some(p) = self.postings.get(h) else {
                continue;
            };
            if p.len() > MAX_POSTINGS {
                continue;
            }
            // Postings list docs in the order they were added: the walk
            // stops at the first doc not before (a binary search for it
            // first was a third of the query's time, in cache misses).
            let walk = p.iter().take_while(|&&d| d < before);
            if p.len() <= RARE_DF {
                for &d in walk {
                    t.count(d);
                    t.rare[d as usize] += C::from(1);
                }
            } else {
                for &d in walk {
                    t.count(d);
                }
            }
        }
        // Few of the docs touched are worth aligning: those are sorted,
        // not all the touched.
        let Tally {
            shared,
            rare,
            touched,
        } = t;
        let mut out: Vec<(u32, Evidence)> = touched
            .iter()
            .filter_map(|&d| {
                let e = Evidence {
                    shared: std::mem::take(&mut shared[d as usize]).into(),
                    rare: std::mem::take(&mut rare[d as usize]).into(),
                };
                worth_aligning(e, sketch.len(), self.sizes[d as usize] as usize).then_some((d, e))
            })
            .collect();
        out.sort_unstable_by_key(|&(d, _)| d);
        touched.clear();
        out
    }

    /// What two sketches share, by this index's document frequencies.
    pub fn evidence(&self, a: &[u64], b: &[u64]) -> Evidence {
        let mut e = Evidence::default();
        let (mut i, mut j) = (0, 0);
        // Sketches are sorted and unique: a merge walk.
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let df = self.df(a[i]);
                    if df <= MAX_POSTINGS {
                        e.shared += 1;
                        e.rare += (df <= RARE_DF) as u32;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        e
    }

    /// Whether the pair of sketches is still worth aligning by this index.
    pub fn accepts(&self, a: &[u64], b: &[u64]) -> bool {
        worth_aligning(self.evidence(a, b), a.len(), b.len())
    }

    pub fn len(&self) -> usize {
        self.sizes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_docs_sharing_rare_ngrams() {
        let mut ix = CandidateIndex::new();
        ix.add(&[1, 2, 3, 4]);
        ix.add(&[3, 9]);
        ix.add(&[1, 2, 3]);
        let found: Vec<u32> = ix
            .query_before(&[1, 2, 3], u32::MAX)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(found, vec![0, 2]);
        assert!(ix.query_before(&[9], u32::MAX).is_empty());
        let before: Vec<u32> = ix
            .query_before(&[1, 2, 3], 2)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(before, vec![0]);
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.evidence(&[1, 2, 3], &[1, 2, 3, 4]).rare, 3);
    }

    #[test]
    fn a_giant_sketch_is_counted_past_sixteen_bits() {
        let giant: Vec<u64> = (0..70_000).collect();
        let mut ix = CandidateIndex::new();
        ix.add(&giant);
        ix.add(&[1, 2, 3]);
        let found = ix.query_before(&giant, u32::MAX);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1.shared), (0, 70_000));
        assert_eq!((found[1].0, found[1].1.rare), (1, 3));
        // A small query after the giant one starts from clean counts.
        let small = ix.query_before(&[1, 2, 3], u32::MAX);
        assert_eq!(small[0].1, Evidence { shared: 3, rare: 3 });
    }

    #[test]
    fn common_ngrams_link_only_docs_that_are_mostly_shared() {
        let mut ix = CandidateIndex::new();
        // A stock paragraph (n-grams 1..=10) in many unrelated docs.
        let stock: Vec<u64> = (1..=10).collect();
        for k in 0..RARE_DF as u64 + 5 {
            let mut s = stock.clone();
            s.extend((0..40).map(|i| 1_000 + k * 100 + i));
            ix.add(&s);
        }
        let mut quoting = stock.clone();
        quoting.extend(50_000..50_040);
        assert!(
            ix.query_before(&quoting, u32::MAX).is_empty(),
            "a stock paragraph alone links nothing"
        );
        // A copy that is mostly one indexed doc is found through common n-grams.
        let mut copy = stock.clone();
        copy.extend((0..40).map(|i| 1_000 + i));
        let found: Vec<u32> = ix
            .query_before(&copy, u32::MAX)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(found, vec![0]);
        assert!(ix.accepts(&copy, &{
            let mut s = stock.clone();
            s.extend((0..40).map(|i| 1_000 + i));
            s
        }));
        assert!(!ix.accepts(&quoting, &copy));
    }
}

//! Site furniture: text a site prints on many of its own pages (a promo
//! paragraph, an "about us" box, a newsletter call, a standing disclaimer)
//! that no other site carries. Two pages of that site sharing only such
//! text are not reuse: no passage and no family edge between them.
//!
//! Extraction strips what it recognises as a site's template; this is the
//! evidence rule behind it, from the store as a whole. An n-gram of the
//! sketch is furniture when every page that holds it is on one site, and
//! at least [`FURNITURE_MIN_PAGES`] pages and [`FURNITURE_MIN_SHARE`] of
//! that site's pages hold it. Text an agency's copies carry to other sites
//! is never furniture, nor the paragraphs a site keeps through a few
//! write-throughs of one story (a few pages, a small share of the site).
//!
//! The rule is a function of the whole store's sketches and sites, so a
//! pair's verdict does not depend on the order its pages arrived in.

use crate::index::CandidateIndex;
use rustc_hash::FxHashMap;

/// Furniture is held by at least this many pages of its site: beyond the
/// versions of one story a site re-files through a day (four or five).
pub const FURNITURE_MIN_PAGES: usize = 6;
/// ...and by at least this share of the site's pages.
pub const FURNITURE_MIN_SHARE: f64 = 0.2;

/// The furniture rule over an index's docs, each with its site.
#[derive(Debug)]
pub struct Furniture<'a> {
    index: &'a CandidateIndex,
    /// Each indexed doc's site, numbered (`None`: no site known).
    site: Vec<Option<u32>>,
    /// Pages per site number.
    pages: Vec<usize>,
}

impl<'a> Furniture<'a> {
    /// The rule for `index`, whose doc number `n` is on site `sites[n]`.
    pub fn new(index: &'a CandidateIndex, sites: &[Option<&str>]) -> Self {
        let mut number: FxHashMap<&str, u32> = FxHashMap::default();
        let mut pages: Vec<usize> = Vec::new();
        let site = sites
            .iter()
            .map(|s| {
                let s = (*s)?;
                let next = number.len() as u32;
                let n = *number.entry(s).or_insert(next);
                if n as usize == pages.len() {
                    pages.push(0);
                }
                pages[n as usize] += 1;
                Some(n)
            })
            .collect();
        Furniture { index, site, pages }
    }

    /// Whether sketch n-gram `h` is furniture of one site.
    pub fn is_furniture(&self, h: u64) -> bool {
        let holders = self.index.holders(h);
        let Some(Some(site)) = holders.first().map(|&d| self.site_of(d)) else {
            return false;
        };
        let one_site = holders.iter().all(|&d| self.site_of(d) == Some(site));
        is_furniture_ngram(holders.len(), one_site.then(|| self.pages[site as usize]))
    }

    fn site_of(&self, doc: u32) -> Option<u32> {
        self.site.get(doc as usize).copied().flatten()
    }

    /// Whether docs `a` and `b` (numbers, with their sorted sketches) are
    /// two pages of one site that share furniture and nothing else.
    pub fn only_furniture(&self, (a, sa): (u32, &[u64]), (b, sb): (u32, &[u64])) -> bool {
        if self.site_of(a).is_none() || self.site_of(a) != self.site_of(b) {
            return false;
        }
        shares_only_furniture(sa, sb, |h| self.is_furniture(h))
    }
}

/// The rule for one n-gram, from its holders alone: `holders` pages hold
/// it, and `site_pages` is the page count of the one site they are all on
/// (`None` when they are on several sites, or any on no known site). A
/// function of the whole corpus's counts, so a distributed job that counts
/// them (holders and sites by n-gram, pages by site) decides as
/// [`Furniture`] does.
pub fn is_furniture_ngram(holders: usize, site_pages: Option<usize>) -> bool {
    let Some(pages) = site_pages else {
        return false;
    };
    let needed = FURNITURE_MIN_PAGES.max((FURNITURE_MIN_SHARE * pages as f64).ceil() as usize);
    holders >= needed
}

/// Whether two sorted sketches share at least one n-gram and only n-grams
/// `is_furniture` holds to be furniture (the pair's pages being on one
/// site, which the caller checks).
pub fn shares_only_furniture(sa: &[u64], sb: &[u64], is_furniture: impl Fn(u64) -> bool) -> bool {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < sa.len() && j < sb.len() {
        match sa[i].cmp(&sb[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if !is_furniture(sa[i]) {
                    return false;
                }
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sketch: the shared n-grams `common`, then ones of its own.
    fn sketch(common: &[u64], own: u64) -> Vec<u64> {
        let mut s: Vec<u64> = common.to_vec();
        s.extend((0..5).map(|k| 1_000 * own + k));
        s.sort_unstable();
        s
    }

    #[test]
    fn text_many_pages_of_one_site_hold_is_furniture_and_links_nothing() {
        let promo = [1, 2, 3];
        let mut sketches: Vec<Vec<u64>> = (1..=8).map(|k| sketch(&promo, k)).collect();
        // Two of them also share a quote of their own.
        sketches[0].push(77);
        sketches[1].push(77);
        let mut sites = vec![Some("harbour.example"); 8];
        // A page of another site shares the quote, not the promo.
        sketches.push(sketch(&[77], 9));
        sites.push(Some("other.example"));
        let mut index = CandidateIndex::new();
        for s in &mut sketches {
            s.sort_unstable();
            index.add(s);
        }
        let f = Furniture::new(&index, &sites);
        assert!(f.is_furniture(1));
        assert!(!f.is_furniture(77));
        let at = |n: usize| (n as u32, sketches[n].as_slice());
        assert!(f.only_furniture(at(2), at(3)));
        // The quote is real evidence; and pages of two sites are never furniture.
        assert!(!f.only_furniture(at(0), at(1)));
        assert!(!f.only_furniture(at(0), at(8)));
    }

    #[test]
    fn the_per_ngram_rule_needs_one_site_and_enough_of_its_pages() {
        assert!(!is_furniture_ngram(50, None), "several sites");
        assert!(is_furniture_ngram(6, Some(30)));
        assert!(!is_furniture_ngram(5, Some(10)), "under the page floor");
        assert!(
            !is_furniture_ngram(19, Some(100)),
            "under a fifth of 100 pages"
        );
        assert!(is_furniture_ngram(20, Some(100)));
        assert!(shares_only_furniture(&[1, 2, 9], &[2, 5], |h| h == 2));
        assert!(!shares_only_furniture(&[1, 2, 5], &[2, 5], |h| h == 2));
        assert!(
            !shares_only_furniture(&[1], &[2], |_| true),
            "nothing shared"
        );
    }

    #[test]
    fn text_a_few_pages_of_a_site_share_is_not_furniture() {
        // Four write-throughs of one story on a site of 40 pages.
        let lede = [5, 6];
        let mut sketches: Vec<Vec<u64>> = (1..=4).map(|k| sketch(&lede, k)).collect();
        sketches.extend((5..=40).map(|k| sketch(&[], k)));
        let sites = vec![Some("wire.example"); sketches.len()];
        let mut index = CandidateIndex::new();
        for s in &sketches {
            index.add(s);
        }
        let f = Furniture::new(&index, &sites);
        assert!(!f.is_furniture(5));
        assert!(!f.only_furniture((0, &sketches[0]), (1, &sketches[1])));
    }
}

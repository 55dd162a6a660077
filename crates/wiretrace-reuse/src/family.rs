//! Copy families and sources.
//!
//! A family is a connected component of the "is a copy of" relation. Its
//! original is the member that best *explains* the others: copies trim the
//! tail, drop paragraphs and rewrite the lede, while the original holds all
//! of it, so the original covers the largest share of each other member.
//! Members within [`EXPLAIN_TIE`] of the best are told apart by time, but
//! loosely: among those published within [`CLOCK_TIE_SECS`] of the earliest,
//! the one with the least boilerplate stripped wins (republishers pad), then
//! the one that adds the least text the others lack. Where the text cannot
//! tell them apart (a copy that changed nothing but its clock), a site that
//! the text has shown to be the original far more often than a copy wins
//! (a wire service's own site), then the earliest, the longest, the
//! smallest id. Each step is a function of the set, so the result never
//! depends on arrival order, and a feed whose clock runs early does not
//! steal the credit on time alone.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use wiretrace_core::{time::time_order, union_find::find_root, ArticleId};

use crate::align::{copies_by, PairRelation, COPY_COVERAGE};

/// What family building needs to know of each article.
#[derive(Debug, Clone)]
pub struct MemberInfo {
    pub id: ArticleId,
    pub published: Option<DateTime<FixedOffset>>,
    pub stripped: usize,
    pub tokens: usize,
    /// The site that published it, as extraction named it.
    pub site: Option<String>,
    /// Its headline's [`wiretrace_core::text::headline_key`].
    pub headline: Option<String>,
}

/// One article's family, named by the family's original, and the article it
/// was copied from (`None` for the original itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyAssignment {
    pub id: ArticleId,
    pub family: ArticleId,
    pub source: Option<ArticleId>,
}

/// Explanation scores this close to the best count as a tie.
pub const EXPLAIN_TIE: f64 = 0.03;
/// Copy edges whose smaller ordered coverage reaches this join their two
/// families outright; others only as a member's best edge.
pub const MUTUAL_COPY: f64 = 0.5;
/// Publication times this close count as a tie: feed clocks are often off
/// by hours (time zones given wrong, feeds stamped at crawl time).
pub const CLOCK_TIE_SECS: i64 = 12 * 3600;
/// A site is a source site once the text alone named one of its articles
/// the original this many times...
pub const SOURCE_SITE_MIN: u32 = 3;
/// ...and in at least this share of its families.
pub const SOURCE_SITE_SHARE: f64 = 0.8;

/// A relation between members `a` and `b` (indices): whether they are
/// copies, and the token ranges of each that their passages cover.
#[derive(Debug, Clone)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    pub is_copy: bool,
    /// Whether it is a copy if the two carry the same headline
    /// ([`crate::align::copies_by`]).
    pub copy_if_same_headline: bool,
    /// The smaller of the two ordered coverages (see
    /// [`PairRelation::ordered_coverage`]): high only when each is mostly
    /// the other.
    pub mutual: f64,
    /// The larger: how much the more contained side is inside the other.
    pub contained: f64,
    /// The more contained side (`a` or `b`).
    pub inner: usize,
    pub a_ranges: Vec<(usize, usize)>,
    pub b_ranges: Vec<(usize, usize)>,
}

/// What family building needs of a relation: whether it is a copy, its
/// ordered coverages and its passages' token ranges, without their text
/// offsets. Small enough to keep beside each stored relation and read back
/// whole on every regrouping, which then parses no passage.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationSummary {
    pub a: ArticleId,
    pub b: ArticleId,
    pub is_copy: bool,
    /// [`PairRelation::ordered_coverage`] of `a` and of `b`.
    pub a_ordered: f64,
    pub b_ordered: f64,
    pub a_ranges: Vec<(usize, usize)>,
    pub b_ranges: Vec<(usize, usize)>,
}

impl RelationSummary {
    pub fn of(r: &PairRelation) -> Self {
        let ordered = r.ordered_coverage();
        let (a_ordered, b_ordered, _) = ordered;
        RelationSummary {
            a: r.a.clone(),
            b: r.b.clone(),
            is_copy: r.is_copy_given(ordered),
            a_ordered,
            b_ordered,
            a_ranges: r.passages.iter().map(|p| p.a_tokens).collect(),
            b_ranges: r.passages.iter().map(|p| p.b_tokens).collect(),
        }
    }

    /// The summary seen from the article with the smaller id, as the store
    /// keeps it.
    pub fn smaller_id_first(self) -> Self {
        if self.a <= self.b {
            self
        } else {
            self.swapped()
        }
    }

    /// The same summary seen from `b`: that of [`PairRelation::swapped`].
    pub fn swapped(self) -> Self {
        RelationSummary {
            a: self.b,
            b: self.a,
            is_copy: self.is_copy,
            a_ordered: self.b_ordered,
            b_ordered: self.a_ordered,
            a_ranges: self.b_ranges,
            b_ranges: self.a_ranges,
        }
    }
}

impl Edge {
    /// The edge between members `a` and `b` (indices of the summary's `a`
    /// and `b`).
    pub fn new(a: usize, b: usize, r: RelationSummary) -> Edge {
        let (ca, cb) = (r.a_ordered, r.b_ordered);
        // (Only a pair that is no copy yet but covers enough is worth the
        // count of its shared tokens.)
        let copy_if_same_headline = r.is_copy
            || (ca.max(cb) >= COPY_COVERAGE && {
                let shared = union(&mut r.a_ranges.clone()).min(union(&mut r.b_ranges.clone()));
                copies_by((ca, cb, 1), shared, true)
            });
        Edge {
            a,
            b,
            is_copy: r.is_copy,
            copy_if_same_headline,
            mutual: ca.min(cb),
            contained: ca.max(cb),
            inner: if ca >= cb { a } else { b },
            a_ranges: r.a_ranges,
            b_ranges: r.b_ranges,
        }
    }
}

fn union(ranges: &mut [(usize, usize)]) -> usize {
    ranges.sort_unstable();
    let (mut total, mut end) = (0usize, 0usize);
    for &(s, e) in ranges.iter() {
        if e > end {
            total += e - s.max(end);
            end = e;
        }
    }
    total
}

/// Of the token ranges `covered` (each with the member whose passage it
/// is), how many tokens look added: those no other member covers, before
/// the last token one does, and those fewer than half of the members that
/// reach past them cover, before the last token at least half of those do.
/// A member whose passages end earlier (a truncated copy) has no say on
/// the text after its end, so a paragraph that one of the full copies
/// dropped is not taken for one the member added.
fn added_text(covered: &mut [(usize, usize, usize)]) -> usize {
    // Each member's ranges merged first, so a member counts once per token;
    // events: (position, change in coverage, change in members reaching).
    covered.sort_unstable_by_key(|&(s, t, m)| (m, s, t));
    let mut events: Vec<(usize, isize, isize)> = Vec::with_capacity(2 * covered.len() + 8);
    let mut reaching = 0isize;
    let mut k = 0;
    while k < covered.len() {
        let (mut s, mut t, m) = covered[k];
        k += 1;
        while let Some(&(s2, t2, _)) = covered.get(k).filter(|c| c.2 == m) {
            if s2 > t {
                events.extend([(s, 1, 0), (t, -1, 0)]);
                s = s2;
            }
            t = t.max(t2);
            k += 1;
        }
        events.extend([(s, 1, 0), (t, -1, -1)]);
        reaching += 1;
    }
    events.sort_unstable();
    // Walk the segments between events, each with how many members cover
    // it: text is held back until text covered more widely follows it.
    let (mut count, mut at) = (0isize, 0usize);
    let (mut held_uncovered, mut held_minority, mut added) = (0usize, 0usize, 0usize);
    for (pos, delta, reach) in events {
        if pos > at {
            let len = pos - at;
            if count == 0 {
                held_uncovered += len;
            } else {
                added += std::mem::take(&mut held_uncovered);
                if 2 * count >= reaching {
                    added += std::mem::take(&mut held_minority);
                } else {
                    held_minority += len;
                }
            }
            at = pos;
        }
        count += delta;
        reaching += reach;
        debug_assert!(count >= 0 && reaching >= 0, "ends follow starts");
    }
    added
}

/// Sites whose track record makes them sources: in the families whose
/// original the text alone names (`by_text`, one per root), a site's
/// articles are counted as the original or as copies, and a site that was
/// the original at least [`SOURCE_SITE_MIN`] times and at least
/// [`SOURCE_SITE_SHARE`] of the time is a source site.
struct SiteRecords {
    /// Each member's site, as an index into `is_source_site`.
    site: Vec<Option<usize>>,
    is_source_site: Vec<bool>,
}

impl SiteRecords {
    fn is_source(&self, member: usize) -> bool {
        self.site[member].is_some_and(|s| self.is_source_site[s])
    }
}

fn site_records(
    members: &[MemberInfo],
    roots: &[usize],
    size: &[usize],
    by_text: &[Option<usize>],
) -> SiteRecords {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let site: Vec<Option<usize>> = members
        .iter()
        .map(|m| {
            let next = index.len();
            m.site.as_deref().map(|s| *index.entry(s).or_insert(next))
        })
        .collect();
    let mut record = vec![(0u32, 0u32); index.len()];
    for (i, &r) in roots.iter().enumerate() {
        if let (Some(o), Some(s), 2..) = (by_text[r], site[i], size[r]) {
            if o == i {
                record[s].0 += 1;
            } else {
                record[s].1 += 1;
            }
        }
    }
    let is_source_site = record
        .iter()
        .map(|&(orig, copy)| {
            orig >= SOURCE_SITE_MIN && f64::from(orig) >= SOURCE_SITE_SHARE * f64::from(orig + copy)
        })
        .collect();
    SiteRecords {
        site,
        is_source_site,
    }
}

/// Whether `x` is a more likely original than `y`, on metadata alone.
pub fn precedes(x: &MemberInfo, y: &MemberInfo) -> std::cmp::Ordering {
    time_order(x.published)
        .cmp(&time_order(y.published))
        .then(x.stripped.cmp(&y.stripped))
        .then(y.tokens.cmp(&x.tokens))
        .then(x.id.cmp(&y.id))
}

/// Families of `members` given the relations between them (copy edges
/// make the families; all edges inside a family say who explains whom).
/// Every member gets an assignment; a member with no copy is its own family.
pub fn families(members: &[MemberInfo], edges: &[Edge]) -> Vec<FamilyAssignment> {
    let n = members.len();
    // Copies that are mostly each other join at once. Beyond those, each
    // member joins through its one best copy edge: preferably one where it
    // is the contained side (a trimmed copy, a brief), the most contained,
    // then the most mutual. One short article inside two unrelated long
    // ones so joins one of them, never both.
    let mut best_edge: Vec<Option<&Edge>> = vec![None; n];
    let mut joins: Vec<&Edge> = Vec::new();
    let better = |end: usize, e: &Edge, cur: Option<&Edge>| {
        let key = |e: &Edge| (e.inner == end, e.contained, e.mutual);
        match cur {
            None => true,
            Some(cur) => match key(e).partial_cmp(&key(cur)) {
                Some(std::cmp::Ordering::Greater) => true,
                Some(std::cmp::Ordering::Equal) => {
                    (e.a.min(e.b), e.a.max(e.b)) < (cur.a.min(cur.b), cur.a.max(cur.b))
                }
                _ => false,
            },
        }
    };
    for e in edges.iter().filter(|e| e.is_copy) {
        if e.mutual >= MUTUAL_COPY {
            joins.push(e);
        }
        for end in [e.a, e.b] {
            if better(end, e, best_edge[end]) {
                best_edge[end] = Some(e);
            }
        }
    }
    // A member with no copy edge at all may still join, as the contained
    // side, through the best edge that is a copy by its headline: a brief
    // that kept a story's headline and lede and little else. Only as a last
    // resort, since stories that open alike can share both.
    let same_headline = |e: &Edge| {
        let (x, y) = (&members[e.a].headline, &members[e.b].headline);
        x.is_some() && x == y
    };
    let mut by_headline: Vec<Option<&Edge>> = vec![None; n];
    for e in edges
        .iter()
        .filter(|e| !e.is_copy && e.copy_if_same_headline)
    {
        let end = e.inner;
        if best_edge[end].is_none() && same_headline(e) && better(end, e, by_headline[end]) {
            by_headline[end] = Some(e);
        }
    }
    joins.extend(by_headline.into_iter().flatten());
    joins.extend(best_edge.into_iter().flatten());
    let mut parent: Vec<usize> = (0..n).collect();
    for e in joins {
        let (ra, rb) = (find_root(&mut parent, e.a), find_root(&mut parent, e.b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find_root(&mut parent, i)).collect();
    let inside: Vec<&Edge> = edges.iter().filter(|e| roots[e.a] == roots[e.b]).collect();
    // Each member's passage ranges with the other members, each with the
    // member on its other side; what the family shares of a member is their
    // union (padding and foreign paragraphs are in none).
    let mut covered_by: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); n];
    for e in &inside {
        covered_by[e.a].extend(e.a_ranges.iter().map(|&(s, t)| (s, t, e.b)));
        covered_by[e.b].extend(e.b_ranges.iter().map(|&(s, t)| (s, t, e.a)));
    }
    let shared: Vec<usize> = covered_by
        .iter()
        .map(|c| union(&mut c.iter().map(|&(s, t, _)| (s, t)).collect::<Vec<_>>()))
        .collect();
    let mut size = vec![0usize; n];
    for &r in &roots {
        size[r] += 1;
    }
    // Text of a member that no other member has, or fewer than half of
    // them, before text more of them have: an inserted paragraph, a
    // rewritten lede, a credit line or padding a few copies added alike.
    // (Text after it is most often a tail the others trimmed.) In a pair,
    // text only one side has is as likely dropped by the copy as added by
    // it; from three members on, the others outvote it.
    let added: Vec<usize> = (0..n)
        .map(|i| match size[roots[i]] - 1 {
            2.. => added_text(&mut covered_by[i]),
            _ => 0,
        })
        .collect();
    // explains[x]: summed share of each other member's shared text that x covers.
    let mut explains = vec![0f64; n];
    for e in &inside {
        if shared[e.b] > 0 {
            explains[e.a] += union(&mut e.b_ranges.clone()) as f64 / shared[e.b] as f64;
        }
        if shared[e.a] > 0 {
            explains[e.b] += union(&mut e.a_ranges.clone()) as f64 / shared[e.a] as f64;
        }
    }
    // Two measures of how well a member explains the others: what it covers
    // of them, and the same less what it adds that none of them has. Each
    // errs alone (copies sharing padding the original lacks; copies that
    // all dropped one paragraph), so the best on either is a candidate.
    let explained = |i: usize| explains[i] / (size[roots[i]].max(2) - 1) as f64;
    let net = |i: usize| explained(i) - added[i] as f64 / members[i].tokens.max(1) as f64;
    let (mut best_explained, mut best_net) = (vec![f64::MIN; n], vec![f64::MIN; n]);
    for (i, &r) in roots.iter().enumerate() {
        best_explained[r] = best_explained[r].max(explained(i));
        best_net[r] = best_net[r].max(net(i));
    }
    // The candidates: the members within EXPLAIN_TIE of the best on either.
    let mut tied: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &r) in roots.iter().enumerate() {
        if explained(i) + EXPLAIN_TIE >= best_explained[r] || net(i) + EXPLAIN_TIE >= best_net[r] {
            tied[r].push(i);
        }
    }
    // Of those, the ones published within CLOCK_TIE_SECS of the earliest.
    for cands in tied.iter_mut().filter(|c| !c.is_empty()) {
        let earliest = cands.iter().filter_map(|&i| members[i].published).min();
        cands.retain(|&i| match (earliest, members[i].published) {
            (Some(e), Some(p)) => (p - e).num_seconds() <= CLOCK_TIE_SECS,
            (None, _) => true,
            (Some(_), None) => false,
        });
    }
    // Then the least boilerplate and the least added text; where the text
    // cannot tell them apart, a site whose articles are far more often the
    // original than a copy (a wire service's own) before the earliest.
    let content = |i: usize| (members[i].stripped, added[i]);
    let by_text: Vec<Option<usize>> = tied
        .iter()
        .map(|cands| {
            let best = cands.iter().map(|&i| content(i)).min()?;
            let mut at_best = cands.iter().copied().filter(|&i| content(i) == best);
            at_best.next().filter(|_| at_best.next().is_none())
        })
        .collect();
    let sources = site_records(members, &roots, &size, &by_text);
    let original: Vec<Option<usize>> = tied
        .iter()
        .map(|cands| {
            cands.iter().copied().min_by(|&x, &y| {
                content(x)
                    .cmp(&content(y))
                    .then(sources.is_source(x).cmp(&sources.is_source(y)).reverse())
                    .then(precedes(&members[x], &members[y]))
            })
        })
        .collect();
    (0..n)
        .map(|i| {
            let o = original[roots[i]].unwrap_or(i);
            FamilyAssignment {
                id: members[i].id.clone(),
                family: members[o].id.clone(),
                source: (o != i).then(|| members[o].id.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::time::parse_datetime;

    fn m(id: &str, date: Option<&str>, stripped: usize) -> MemberInfo {
        MemberInfo {
            id: ArticleId(id.into()),
            published: date.and_then(parse_datetime),
            stripped,
            tokens: 100,
            site: None,
            headline: None,
        }
    }

    #[test]
    fn earliest_member_is_the_source_whatever_the_order() {
        let ms = vec![
            m("x", Some("2025-01-02"), 3),
            m("y", Some("2025-01-01"), 0),
            m("z", None, 0),
            m("solo", None, 0),
        ];
        let e = |a, b| Edge {
            a,
            b,
            is_copy: true,
            copy_if_same_headline: true,
            mutual: 0.9,
            contained: 0.9,
            inner: b,
            a_ranges: vec![(0, 90)],
            b_ranges: vec![(0, 90)],
        };
        let f = families(&ms, &[e(0, 1), e(2, 0), e(1, 2)]);
        assert_eq!(f[0].family.0, "y");
        assert_eq!(f[0].source.as_ref().unwrap().0, "y");
        assert_eq!(f[1].source, None);
        assert_eq!(f[2].source.as_ref().unwrap().0, "y");
        assert_eq!(f[3].family.0, "solo");
        let mut rev = ms.clone();
        rev.reverse();
        let g = families(&rev, &[e(3, 2), e(1, 3), e(2, 1)]);
        for a in &f {
            assert!(g.contains(a));
        }
    }

    #[test]
    fn the_member_that_explains_the_others_wins_over_an_early_clock() {
        // "trim" (a truncated copy) claims an earlier time than the original.
        let ms = vec![
            m("orig", Some("2025-01-02"), 0),
            m("trim", Some("2025-01-01"), 0),
            m("pad", Some("2025-01-03"), 4),
        ];
        // Tokens: orig 0..100; trim keeps orig's first 40; pad is orig plus
        // 20 tokens of padding (80..100 of pad are padding).
        let edges = [
            Edge {
                a: 0,
                b: 1,
                is_copy: true,
                copy_if_same_headline: true,
                mutual: 0.4,
                contained: 1.0,
                inner: 1,
                a_ranges: vec![(0, 40)],
                b_ranges: vec![(0, 40)],
            },
            Edge {
                a: 0,
                b: 2,
                is_copy: true,
                copy_if_same_headline: true,
                mutual: 0.8,
                contained: 1.0,
                inner: 1,
                a_ranges: vec![(0, 80)],
                b_ranges: vec![(0, 80)],
            },
            Edge {
                a: 1,
                b: 2,
                is_copy: true,
                copy_if_same_headline: true,
                mutual: 0.5,
                contained: 1.0,
                inner: 1,
                a_ranges: vec![(0, 40)],
                b_ranges: vec![(0, 40)],
            },
        ];
        let f = families(&ms, &edges);
        assert!(f.iter().all(|a| a.family.0 == "orig"), "{f:?}");
    }

    #[test]
    fn a_brief_inside_two_unrelated_articles_does_not_chain_them() {
        let ms = vec![
            m("long-a", Some("2025-01-01"), 0),
            m("copy-a", Some("2025-01-02"), 0),
            m("long-b", Some("2025-01-01"), 0),
            m("brief", Some("2025-01-03"), 0),
        ];
        let edge = |a, b, mutual, contained| Edge {
            a,
            b,
            is_copy: true,
            copy_if_same_headline: true,
            mutual,
            contained,
            inner: b,
            a_ranges: vec![(0, 50)],
            b_ranges: vec![(0, 50)],
        };
        // The brief is mostly one paragraph that both long articles carry;
        // it is best explained by long-b.
        let edges = [
            edge(0, 1, 0.9, 1.0),
            edge(0, 3, 0.2, 0.7),
            edge(2, 3, 0.25, 0.8),
        ];
        let f = families(&ms, &edges);
        assert_eq!(f[1].family.0, "long-a");
        assert_eq!(f[3].family.0, "long-b");
        assert_ne!(f[0].family, f[2].family);
    }

    /// A copy edge between members `a` and `b` with the token ranges each
    /// shares with the other.
    fn shared(a: usize, b: usize, ar: &[(usize, usize)], br: &[(usize, usize)]) -> Edge {
        Edge {
            a,
            b,
            is_copy: true,
            copy_if_same_headline: true,
            mutual: 0.9,
            contained: 1.0,
            inner: b,
            a_ranges: ar.to_vec(),
            b_ranges: br.to_vec(),
        }
    }

    fn sized(id: &str, date: &str, tokens: usize) -> MemberInfo {
        MemberInfo {
            tokens,
            ..m(id, Some(date), 0)
        }
    }

    #[test]
    fn a_copy_that_adds_a_credit_line_and_runs_its_clock_early_is_not_the_source() {
        // "credited" is the original with "(AP) —" on top, stamped half an
        // hour before it; a third member shows whose text is the common one.
        let ms = vec![
            sized("orig", "2025-01-01T10:00:00Z", 100),
            sized("credited", "2025-01-01T09:30:00Z", 102),
            sized("later", "2025-01-02T14:00:00Z", 100),
        ];
        let edges = [
            shared(0, 1, &[(0, 100)], &[(2, 102)]),
            shared(0, 2, &[(0, 100)], &[(0, 100)]),
            shared(1, 2, &[(2, 102)], &[(0, 100)]),
        ];
        let f = families(&ms, &edges);
        assert!(f.iter().all(|a| a.family.0 == "orig"), "{f:?}");
        // A pair cannot tell an added line from a dropped one: time decides.
        let f = families(&ms[..2], &edges[..1]);
        assert!(f.iter().all(|a| a.family.0 == "credited"), "{f:?}");
    }

    #[test]
    fn copies_that_all_dropped_one_paragraph_do_not_unseat_the_original() {
        let ms = vec![
            sized("orig", "2025-01-01T10:00:00Z", 100),
            sized("c1", "2025-01-02T10:00:00Z", 80),
            sized("c2", "2025-01-02T11:00:00Z", 80),
        ];
        let cut = [(0, 40), (60, 100)];
        let kept = [(0, 40), (40, 80)];
        let edges = [
            shared(0, 1, &cut, &kept),
            shared(0, 2, &cut, &kept),
            shared(1, 2, &[(0, 80)], &[(0, 80)]),
        ];
        let f = families(&ms, &edges);
        assert!(f.iter().all(|a| a.family.0 == "orig"), "{f:?}");
    }

    #[test]
    fn a_credit_line_two_copies_added_alike_does_not_make_the_early_one_the_source() {
        // Two of three copies put the same "(AFP)" line on top, and one of
        // them is stamped an hour before the original: the line is theirs
        // alone, not the family's, since most of the others lack it.
        let ms = vec![
            sized("orig", "2025-01-01T10:00:00Z", 100),
            sized("early", "2025-01-01T09:00:00Z", 102),
            sized("credited", "2025-01-01T12:00:00Z", 102),
            sized("plain", "2025-01-01T13:00:00Z", 100),
        ];
        let edges = [
            shared(0, 1, &[(0, 100)], &[(2, 102)]),
            shared(0, 2, &[(0, 100)], &[(2, 102)]),
            shared(0, 3, &[(0, 100)], &[(0, 100)]),
            shared(1, 2, &[(0, 102)], &[(0, 102)]),
            shared(1, 3, &[(2, 102)], &[(0, 100)]),
            shared(2, 3, &[(2, 102)], &[(0, 100)]),
        ];
        let f = families(&ms, &edges);
        assert!(f.iter().all(|a| a.family.0 == "orig"), "{f:?}");
    }

    #[test]
    fn added_text_counts_what_few_others_cover_before_what_most_cover() {
        // Four others: tokens 0..2 covered by one, 2..10 by three, 10..12 by
        // none, 12..20 by one of the two reaching past 10, 20..30 by both,
        // 30..40 by the one reaching past 30 (a tail the others trimmed).
        let mut covered = vec![(0, 10, 1), (2, 10, 2), (2, 10, 3), (12, 40, 4), (20, 30, 1)];
        assert_eq!(added_text(&mut covered), 2 + 2);
        // A line on top that one of four has, before text all four have.
        let mut covered = vec![(0, 20, 1), (2, 20, 2), (2, 20, 3), (2, 20, 4)];
        assert_eq!(added_text(&mut covered), 2);
    }

    #[test]
    fn a_paragraph_a_full_copy_dropped_does_not_count_against_the_original() {
        // Two copies keep only the first 30 tokens; d1 drops 40..60 of the
        // original, d2 drops 70..90. Counting the truncated copies as
        // lacking the dropped paragraphs made the original look padded.
        let ms = vec![
            sized("orig", "2025-01-01T10:00:00Z", 100),
            sized("t1", "2025-01-01T11:00:00Z", 30),
            sized("t2", "2025-01-01T12:00:00Z", 30),
            sized("d1", "2025-01-01T13:00:00Z", 80),
            sized("d2", "2025-01-01T14:00:00Z", 80),
        ];
        let edges = [
            shared(0, 1, &[(0, 30)], &[(0, 30)]),
            shared(0, 2, &[(0, 30)], &[(0, 30)]),
            shared(0, 3, &[(0, 40), (60, 100)], &[(0, 80)]),
            shared(0, 4, &[(0, 70), (90, 100)], &[(0, 80)]),
            shared(1, 2, &[(0, 30)], &[(0, 30)]),
            shared(1, 3, &[(0, 30)], &[(0, 30)]),
            shared(1, 4, &[(0, 30)], &[(0, 30)]),
            shared(2, 3, &[(0, 30)], &[(0, 30)]),
            shared(2, 4, &[(0, 30)], &[(0, 30)]),
            shared(3, 4, &[(0, 40), (60, 70)], &[(0, 40), (40, 50)]),
        ];
        let f = families(&ms, &edges);
        assert!(f.iter().all(|a| a.family.0 == "orig"), "{f:?}");
    }

    /// An edge of one passage covering 60% of `b` (and 20% of `a`): a copy
    /// only if the two carry the same headline.
    fn one_passage(a: usize, b: usize) -> Edge {
        Edge {
            is_copy: false,
            copy_if_same_headline: true,
            mutual: 0.2,
            contained: 0.6,
            ..shared(a, b, &[(0, 30)], &[(0, 30)])
        }
    }

    fn headed(id: &str, date: &str, headline: &str) -> MemberInfo {
        MemberInfo {
            headline: wiretrace_core::text::headline_key(headline),
            ..m(id, Some(date), 0)
        }
    }

    #[test]
    fn a_brief_with_the_story_headline_joins_its_family() {
        // "brief" kept the story's headline and lede, and added a paragraph.
        let ms = vec![
            headed(
                "story",
                "2025-01-01T10:00:00Z",
                "Ferry service resumes after storms",
            ),
            headed(
                "brief",
                "2025-01-01T12:00:00Z",
                "Ferry Service Resumes After Storms",
            ),
        ];
        let f = families(&ms, &[one_passage(0, 1)]);
        assert_eq!(f[1].source.as_ref().map(|s| s.0.as_str()), Some("story"));
        // Under another headline, one passage over 60% is not enough.
        let other = vec![
            ms[0].clone(),
            headed("brief", "2025-01-01T12:00:00Z", "Storm damage counted"),
        ];
        let f = families(&other, &[one_passage(0, 1)]);
        assert_eq!(f[1].source, None);
    }

    #[test]
    fn stories_that_open_alike_do_not_join_by_headline() {
        // Two stories under one headline share their lede; each has a copy
        // of its own, so neither joins the other through the headline.
        let h = "Council approves the new budget";
        let ms = vec![
            headed("x", "2025-01-01T10:00:00Z", h),
            headed("y", "2025-01-02T10:00:00Z", h),
            headed("x-copy", "2025-01-01T11:00:00Z", h),
            headed("y-copy", "2025-01-02T11:00:00Z", h),
        ];
        let edges = [
            one_passage(0, 1),
            shared(0, 2, &[(0, 100)], &[(0, 100)]),
            shared(1, 3, &[(0, 100)], &[(0, 100)]),
        ];
        let f = families(&ms, &edges);
        assert_eq!(f[1].family.0, "y");
        assert_eq!(f[3].family.0, "y");
        assert_eq!(f[2].family.0, "x");
    }

    fn on_site(id: &str, date: &str, site: &str, stripped: usize) -> MemberInfo {
        MemberInfo {
            site: Some(site.into()),
            ..m(id, Some(date), stripped)
        }
    }

    /// A pair `orig`/`early` on `wire.example` and `copy.example` whose
    /// copy changed nothing but its clock, and `settled` families in which
    /// the text shows the wire's article is the original (its copies pad),
    /// `as_copy` of them with the wire's article as the padded copy.
    fn wire_record(settled: usize, as_copy: usize) -> (Vec<MemberInfo>, Vec<Edge>) {
        let mut ms = vec![
            on_site("orig", "2025-01-01T10:00:00Z", "wire.example", 0),
            on_site("early", "2025-01-01T09:30:00Z", "copy.example", 0),
        ];
        let mut edges = vec![shared(0, 1, &[(0, 100)], &[(0, 100)])];
        for k in 0..settled {
            let (wire_pads, copy_pads) = if k < as_copy { (3, 0) } else { (0, 3) };
            let date = format!("2025-02-{:02}T10:00:00Z", k + 1);
            ms.push(on_site(&format!("w{k}"), &date, "wire.example", wire_pads));
            ms.push(on_site(&format!("c{k}"), &date, "copy.example", copy_pads));
            edges.push(shared(ms.len() - 2, ms.len() - 1, &[(0, 100)], &[(0, 100)]));
        }
        (ms, edges)
    }

    #[test]
    fn a_copy_that_only_runs_its_clock_early_loses_to_a_proven_source_site() {
        let (ms, edges) = wire_record(SOURCE_SITE_MIN as usize, 0);
        let f = families(&ms, &edges);
        assert_eq!(f[1].source.as_ref().map(|s| s.0.as_str()), Some("orig"));
        // Whatever the order the members come in.
        let (mut rev, mut rev_edges) = (ms.clone(), edges.clone());
        rev.reverse();
        let last = ms.len() - 1;
        for e in &mut rev_edges {
            (e.a, e.b, e.inner) = (last - e.a, last - e.b, last - e.inner);
        }
        let g = families(&rev, &rev_edges);
        assert!(f.iter().all(|a| g.contains(a)));
    }

    #[test]
    fn time_decides_where_a_site_has_no_clear_record() {
        // Too few families, or the wire's articles too often the copy.
        for (settled, as_copy) in [(SOURCE_SITE_MIN as usize - 1, 0), (4, 1)] {
            let (ms, edges) = wire_record(settled, as_copy);
            let f = families(&ms, &edges);
            assert_eq!(f[0].source.as_ref().map(|s| s.0.as_str()), Some("early"));
        }
    }

    #[test]
    fn copies_sharing_padding_the_original_lacks_do_not_unseat_it() {
        // Both copies insert a paragraph of their own and end with the same
        // unstripped line; by coverage alone c1 explains the most.
        let ms = vec![
            sized("orig", "2025-01-01T10:00:00Z", 100),
            sized("c1", "2025-01-02T10:00:00Z", 140),
            sized("c2", "2025-01-02T11:00:00Z", 120),
        ];
        let edges = [
            shared(0, 1, &[(0, 50), (50, 100)], &[(0, 50), (80, 130)]),
            shared(0, 2, &[(0, 50), (50, 100)], &[(0, 50), (60, 110)]),
            shared(
                1,
                2,
                &[(0, 50), (80, 130), (130, 140)],
                &[(0, 50), (60, 110), (110, 120)],
            ),
        ];
        let f = families(&ms, &edges);
        assert!(f.iter().all(|a| a.family.0 == "orig"), "{f:?}");
    }
}

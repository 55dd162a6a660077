//! Copy families, version chains and sources.
//!
//! A *family* is the copies of one text: one version of a story and its
//! reprints. A story re-filed through the day (an agency's write-throughs,
//! "The Latest" pages, live-blog snapshots) is several versions: each keeps
//! some paragraphs of the one before and adds new ones. Versions of one
//! text are linked in a *version chain*, whose first version is its source.
//!
//! Both come from the pair relations. The connected components of the
//! copy relation (see [`families`] for how members join) are chains; each
//! is split into versions by walking its members in publication order: a
//! member that, against every earlier member it is a copy of, opens with
//! new text (a new lede: [`VERSION_MIN_NEW_LEDE`]), adds at least
//! [`VERSION_NEW_SHARE`] of its own length (and [`VERSION_MIN_NEW_TOKENS`])
//! of new text *before the end of what they share* (new paragraphs, not a
//! tail the other trimmed) and is not much shorter ([`VERSION_MIN_LENGTH`])
//! starts a new version, linked to the version of the member that covers
//! most of it; any other member is a copy of the version of the earlier
//! member that covers most of it. Versions are re-filed by their filer: a
//! member only starts a version against one on its own site or crediting
//! the same agency; against another outlet's text it is a copy, however
//! much it adds. (The filer of a version is that of its first member.)
//!
//! A family's original (its source) is the earliest member, unless
//! evidence says otherwise:
//! - a member credits an agency (the wire credit extraction found) whose
//!   own site has a member in the family: that member is the original;
//! - a member's clock can be shown wrong (see [`ClockDoubt`]): its time is
//!   not trusted, and it is ordered as an undated member;
//! - members published within [`CLOCK_TIE_SECS`] of the earliest (feeds
//!   that stamp crawl time, minutes off) are told apart by their text: the
//!   member that best *explains* the others (copies trim the tail, drop
//!   paragraphs and rewrite the lede; the original holds all of it), then
//!   the one with the least boilerplate stripped (republishers pad), then
//!   the one that adds the least text the others lack, then a site that
//!   the text has shown to be the original far more often than a copy (a
//!   wire service's own site), then the earliest, the longest, the
//!   smallest id. Beyond that window, "less padded" or "longer" never beats
//!   the lead.
//!
//! Each step is a function of the set, so the result never depends on
//! arrival order; [`group`] also says why each source was chosen.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use wiretrace_core::{time::time_order, union_find::find_root, ArticleId};

use crate::align::{copies_by, PairRelation, COPY_COVERAGE};

/// What family building needs to know of each article.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberInfo {
    pub id: ArticleId,
    pub published: Option<DateTime<FixedOffset>>,
    pub stripped: usize,
    pub tokens: usize,
    /// The site that published it, as extraction named it.
    pub site: Option<String>,
    /// Its headline's [`wiretrace_core::text::headline_key`].
    pub headline: Option<String>,
    /// The news agency it credits, as extraction named it.
    pub wire: Option<String>,
    /// Why its clock is not to be trusted, if it can be shown wrong.
    pub clock: Option<ClockDoubt>,
    /// When a crawler first fetched it (`WARC-Date`, `wiretrace follow`),
    /// if one did: a member first seen after another cannot be the source.
    pub first_seen: Option<DateTime<FixedOffset>>,
}

/// A publication time that can be shown wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClockDoubt {
    /// Later than the time the article was first seen: a feed that stamps
    /// a time in the future.
    AfterFirstSeen,
    /// A local date that the URL's date contradicts, though the instant
    /// falls on the URL's date in some time zone: the offset is wrong (a
    /// local time labelled UTC, or the other way round).
    OffsetAgainstUrlDate,
}

impl ClockDoubt {
    pub fn describe(self) -> &'static str {
        match self {
            ClockDoubt::AfterFirstSeen => {
                "its publication time is later than when it was first seen"
            }
            ClockDoubt::OffsetAgainstUrlDate => {
                "its time zone offset puts it on another day than the date in its URL"
            }
        }
    }
}

/// Slack for [`ClockDoubt::AfterFirstSeen`]: clocks a few minutes fast
/// are not evidence.
pub const FIRST_SEEN_SLACK_SECS: i64 = 15 * 60;

/// Whether a publication time can be shown wrong, from the date in the
/// article's URL and when it was first seen.
pub fn clock_doubt(
    published: Option<DateTime<FixedOffset>>,
    url_date: Option<NaiveDate>,
    first_seen: Option<DateTime<FixedOffset>>,
) -> Option<ClockDoubt> {
    let p = published?;
    if first_seen.is_some_and(|f| (p - f).num_seconds() > FIRST_SEEN_SLACK_SECS) {
        return Some(ClockDoubt::AfterFirstSeen);
    }
    let u = url_date?;
    if p.date_naive() == u {
        return None;
    }
    // Offsets run from UTC-12 to UTC+14: the instant is on the URL's date
    // in some zone when it is from 14 hours before that day to 12 after.
    let day = u.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    let t = p.timestamp();
    (t >= day - 14 * 3600 && t < day + 36 * 3600).then_some(ClockDoubt::OffsetAgainstUrlDate)
}

/// One article's family, named by the family's original, and the article it
/// was copied from (`None` for the original itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyAssignment {
    pub id: ArticleId,
    pub family: ArticleId,
    pub source: Option<ArticleId>,
}

/// Why a family has the source it has, and where it stands in its
/// version chain. Kept for families of two members or more and for every
/// version of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyNote {
    /// The family, named by its original.
    pub family: ArticleId,
    /// The original of the chain's first version, when the family is one
    /// of two versions or more.
    pub chain: Option<ArticleId>,
    /// The original of the version this one was re-filed from.
    pub version_of: Option<ArticleId>,
    /// The reasons, one sentence each.
    pub why: Vec<String>,
}

/// Families with their notes.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    /// One per member, in the order of the members.
    pub assignments: Vec<FamilyAssignment>,
    /// By family.
    pub notes: Vec<FamilyNote>,
}

/// A member starts a new version when the text it has before the end of
/// what it shares with an earlier member, and that member lacks, is at
/// least this share of its length...
pub const VERSION_NEW_SHARE: f64 = 0.25;
/// ...and at least this many tokens (a paragraph)...
pub const VERSION_MIN_NEW_TOKENS: usize = 30;
/// ...of which this many open it, before the first shared token: a
/// re-filed story puts what is new on top (a new lede, the latest items of
/// a "Latest" page or a live blog), where a copy keeps the opening and
/// inserts its own paragraphs lower down...
pub const VERSION_MIN_NEW_LEDE: usize = 15;
/// ...and it is at least this share of the other's length: a developing
/// story grows or keeps its length, where a copy that cut the text down
/// to a few paragraphs and rewrote one is still a copy.
pub const VERSION_MIN_LENGTH: f64 = 0.8;

/// Explanation scores this close to the best count as a tie.
pub const EXPLAIN_TIE: f64 = 0.03;
/// Copy edges whose smaller ordered coverage reaches this join their two
/// families outright; others only as a member's best edge.
pub const MUTUAL_COPY: f64 = 0.5;
/// A member first seen by a crawler more than this after another member
/// of its family was cannot be the family's source: one polling round of
/// `wiretrace follow` fetches pages minutes apart in no telling order.
pub const SEEN_ORDER_SLACK_SECS: i64 = 10 * 60;
/// Publication times this close to the earliest count as a tie, which the
/// text decides: feeds stamp crawl time, or run minutes to an hour or two
/// off. A lead beyond it is never beaten by the text alone (a clock off by
/// hours is shown wrong by [`ClockDoubt`] instead).
pub const CLOCK_TIE_SECS: i64 = 2 * 3600;
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

    /// Whether the relation can join its two articles into one family: a
    /// copy, or a copy if the two carry the same headline
    /// ([`Edge::copy_if_same_headline`]). Families are unions of the
    /// connected components of these relations, so a distributed job can
    /// group each component apart.
    pub fn may_join(&self) -> bool {
        let (ca, cb) = (self.a_ordered, self.b_ordered);
        // (Only a pair that is no copy yet but covers enough is worth the
        // count of its shared tokens.)
        self.is_copy
            || (ca.max(cb) >= COPY_COVERAGE && {
                let shared =
                    union(&mut self.a_ranges.clone()).min(union(&mut self.b_ranges.clone()));
                copies_by((ca, cb, 1), shared, true)
            })
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
        let copy_if_same_headline = r.may_join();
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

/// Each site's record in the families whose original the text alone
/// names: (times its article was the original, times a copy), by site.
/// Summed over disjoint sets of members (connected components of the
/// edges), the records are those of the whole set.
pub type SiteRecord = BTreeMap<String, (u32, u32)>;

fn site_records(
    members: &[MemberInfo],
    roots: &[usize],
    size: &[usize],
    by_text: &[Option<usize>],
    sources: &Sources,
) -> (SiteRecords, SiteRecord) {
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
    let mut is_source_site = vec![false; index.len()];
    let mut named = SiteRecord::new();
    for (name, &s) in &index {
        is_source_site[s] = match sources {
            Sources::Given(set) => set.contains(*name),
            _ => is_source_record(record[s]),
        };
        if matches!(sources, Sources::Record) && record[s] != (0, 0) {
            named.insert(name.to_string(), record[s]);
        }
    }
    (
        SiteRecords {
            site,
            is_source_site,
        },
        named,
    )
}

/// Whether a site with this record (originals, copies) is a source site.
fn is_source_record((orig, copy): (u32, u32)) -> bool {
    orig >= SOURCE_SITE_MIN && f64::from(orig) >= SOURCE_SITE_SHARE * f64::from(orig + copy)
}

/// The source sites of a record summed over the whole set (see
/// [`site_record`]).
pub fn source_sites(record: &SiteRecord) -> HashSet<String> {
    record
        .iter()
        .filter(|(_, &r)| is_source_record(r))
        .map(|(s, _)| s.clone())
        .collect()
}

/// Where [`group`] takes the source sites from.
enum Sources<'a> {
    /// From the members given (the whole set).
    Own,
    /// Only the record is wanted (phase 1).
    Record,
    /// A set found over a larger set of members (phase 2).
    Given(&'a HashSet<String>),
}

/// Whether `x` is a more likely original than `y`, on metadata alone.
pub fn precedes(x: &MemberInfo, y: &MemberInfo) -> std::cmp::Ordering {
    time_order(trusted_time(x))
        .cmp(&time_order(trusted_time(y)))
        .then(x.stripped.cmp(&y.stripped))
        .then(y.tokens.cmp(&x.tokens))
        .then(x.id.cmp(&y.id))
}

/// Families of `members` given the relations between them (copy edges
/// make the families; all edges inside a family say who explains whom).
/// Every member gets an assignment; a member with no copy is its own family.
pub fn families(members: &[MemberInfo], edges: &[Edge]) -> Vec<FamilyAssignment> {
    group(members, edges).assignments
}

/// [`families`], with each family's place in its version chain and the
/// reasons for its source.
pub fn group(members: &[MemberInfo], edges: &[Edge]) -> Grouping {
    grouped(members, edges, Sources::Own).0
}

/// Phase 1 of [`group`] split for a distributed job: the site record of
/// these members (a connected component of the edges, or several), to be
/// summed over all components and turned into [`source_sites`].
pub fn site_record(members: &[MemberInfo], edges: &[Edge]) -> SiteRecord {
    grouped(members, edges, Sources::Record).1
}

/// Phase 2: [`group`] of these members (connected components of the
/// edges) given the source sites of the whole set. With the components of
/// a set and its [`source_sites`], the assignments and notes are those
/// [`group`] gives the whole set, restricted to these members.
pub fn group_given_sources(
    members: &[MemberInfo],
    edges: &[Edge],
    source_sites: &HashSet<String>,
) -> Grouping {
    grouped(members, edges, Sources::Given(source_sites)).0
}

fn grouped(members: &[MemberInfo], edges: &[Edge], wanted: Sources) -> (Grouping, SiteRecord) {
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
    let chains: Vec<usize> = (0..n).map(|i| find_root(&mut parent, i)).collect();
    // Each chain is split into versions; a version is a family.
    let versions = split_versions(members, &chains, edges, |e| {
        e.is_copy || (e.copy_if_same_headline && same_headline(e))
    });
    let roots = &versions.head;
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
    for &r in roots {
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
    // A member a crawler first saw more than SEEN_ORDER_SLACK_SECS after
    // it first saw another member cannot be the source, whatever its
    // publication time says: the crawl clock is the one no publisher sets.
    let mut first_seen: Vec<Option<(DateTime<FixedOffset>, usize)>> = vec![None; n];
    for (i, &r) in roots.iter().enumerate() {
        if let Some(f) = members[i].first_seen {
            let earlier =
                first_seen[r].is_none_or(|(e, j)| (f, &members[i].id) < (e, &members[j].id));
            if earlier {
                first_seen[r] = Some((f, i));
            }
        }
    }
    let seen_late = |i: usize| match (members[i].first_seen, first_seen[roots[i]]) {
        (Some(f), Some((e, _))) => (f - e).num_seconds() > SEEN_ORDER_SLACK_SECS,
        _ => false,
    };
    // Only the members published within CLOCK_TIE_SECS of the family's
    // earliest trusted time (of those not seen late) are candidates: the
    // text decides among them, never against a longer lead.
    let trusted = |i: usize| trusted_time(&members[i]);
    let mut earliest: Vec<Option<DateTime<FixedOffset>>> = vec![None; n];
    for (i, &r) in roots.iter().enumerate().filter(|&(i, _)| !seen_late(i)) {
        if let Some(t) = trusted(i) {
            earliest[r] = Some(earliest[r].map_or(t, |e| e.min(t)));
        }
    }
    let in_window = |i: usize| {
        !seen_late(i)
            && match (earliest[roots[i]], trusted(i)) {
                (Some(e), Some(t)) => (t - e).num_seconds() <= CLOCK_TIE_SECS,
                (Some(_), None) => false,
                (None, _) => true,
            }
    };
    let (mut best_explained, mut best_net) = (vec![f64::MIN; n], vec![f64::MIN; n]);
    for (i, &r) in roots.iter().enumerate().filter(|&(i, _)| in_window(i)) {
        best_explained[r] = best_explained[r].max(explained(i));
        best_net[r] = best_net[r].max(net(i));
    }
    // The candidates: the members within EXPLAIN_TIE of the best on either.
    let mut tied: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &r) in roots.iter().enumerate().filter(|&(i, _)| in_window(i)) {
        if explained(i) + EXPLAIN_TIE >= best_explained[r] || net(i) + EXPLAIN_TIE >= best_net[r] {
            tied[r].push(i);
        }
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
    let (sources, record) = site_records(members, roots, &size, &by_text, &wanted);
    if matches!(wanted, Sources::Record) {
        return (Grouping::default(), record);
    }
    let choice = |x: &usize, y: &usize| {
        content(*x)
            .cmp(&content(*y))
            .then(sources.is_source(*x).cmp(&sources.is_source(*y)).reverse())
            .then(precedes(&members[*x], &members[*y]))
    };
    let mut original: Vec<Option<usize>> = tied
        .iter()
        .map(|cands| cands.iter().copied().min_by(choice))
        .collect();
    // An agency's own copy, where another member credits the agency.
    let agency_own = agency_copies(members, roots);
    let agency: Vec<Option<(usize, usize)>> = agency_own
        .iter()
        .map(|a| a.filter(|(own, _)| !seen_late(*own)))
        .collect();
    for (r, a) in agency.iter().enumerate() {
        if let Some((own, _)) = a {
            original[r] = Some(*own);
        }
    }
    let original_of = |r: usize| original[r].unwrap_or(r);
    let assignments: Vec<FamilyAssignment> = (0..n)
        .map(|i| {
            let o = original_of(roots[i]);
            FamilyAssignment {
                id: members[i].id.clone(),
                family: members[o].id.clone(),
                source: (o != i).then(|| members[o].id.clone()),
            }
        })
        .collect();

    // The notes: why each family's source, and its place in its chain.
    let mut of_root: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &r) in roots.iter().enumerate() {
        of_root[r].push(i);
    }
    let mut chain_versions = vec![0usize; n];
    for (i, &r) in roots.iter().enumerate() {
        if r == i {
            chain_versions[chains[i]] += 1;
        }
    }
    let name = |i: usize| members[i].id.to_string();
    // What told the original `o` of root `r` from the runner-up.
    let decided_by = |r: usize, o: usize| -> &'static str {
        let Some(x) = tied[r]
            .iter()
            .filter(|&&x| x != o)
            .min_by(|x, y| choice(x, y))
        else {
            return "covers the others' text best";
        };
        let x = *x;
        if content(o).0 != content(x).0 {
            "has the least boilerplate stripped (republishers pad)"
        } else if content(o).1 != content(x).1 {
            "adds the least text that the others lack"
        } else if sources.is_source(o) != sources.is_source(x) {
            "is on a site the text has shown to be a source (a wire service's own)"
        } else if time_order(trusted(o)) != time_order(trusted(x)) {
            "was published first"
        } else if members[o].tokens != members[x].tokens {
            "is the longest"
        } else {
            "has the smallest id"
        }
    };
    let mut notes = Vec::new();
    for r in (0..n).filter(|&r| roots[r] == r) {
        let in_chain = chain_versions[chains[r]];
        if size[r] < 2 && in_chain < 2 {
            continue;
        }
        let o = original_of(r);
        let mut why = Vec::new();
        for &i in &of_root[r] {
            if let Some(d) = members[i].clock {
                why.push(format!(
                    "{}'s clock is not trusted: {}",
                    name(i),
                    d.describe()
                ));
            }
        }
        if let Some((seen, first)) = first_seen[r].filter(|_| size[r] >= 2) {
            // The members that seen first overruled: published before the
            // source by their own clock, but first seen late.
            for &i in of_root[r].iter().filter(|&&i| seen_late(i)) {
                let earlier = match (trusted(i), trusted(o)) {
                    (Some(t), Some(u)) => t < u,
                    (Some(_), None) => true,
                    _ => false,
                } || agency_own[r].is_some_and(|(own, _)| own == i);
                if earlier {
                    why.push(format!(
                        "{} was first seen {} after {} ({}), so it cannot be the source, though its publication time is earlier",
                        name(i),
                        span((members[i].first_seen.unwrap_or(seen) - seen).num_seconds()),
                        name(first),
                        seen.to_rfc3339()
                    ));
                }
            }
        }
        if size[r] >= 2 {
            if let Some((own, by)) = agency[r] {
                why.push(format!(
                    "{} credits {}, and {} is that agency's own copy: the agency is the source",
                    name(by),
                    members[by].wire.as_deref().unwrap_or(""),
                    name(own)
                ));
            } else if let Some(first) = earliest[r] {
                let window = of_root[r].iter().filter(|&&i| in_window(i)).count();
                if window >= 2 {
                    why.push(format!(
                        "{window} members were published within {} h of the earliest ({}), too close for their clocks to tell; of those, {} {}",
                        CLOCK_TIE_SECS / 3600,
                        first.to_rfc3339(),
                        name(o),
                        decided_by(r, o)
                    ));
                } else {
                    let next = of_root[r]
                        .iter()
                        .filter(|&&i| i != o && !seen_late(i))
                        .filter_map(|&i| trusted(i).map(|t| (t, members[i].id.clone(), i)))
                        .min();
                    why.push(match next {
                        Some((t, _, i)) => format!(
                            "{} was published first ({}), {} before the next member with a trusted clock ({}); a lead over {} h is never outweighed by the text",
                            name(o),
                            first.to_rfc3339(),
                            span((t - first).num_seconds()),
                            name(i),
                            CLOCK_TIE_SECS / 3600
                        ),
                        None if of_root[r].iter().any(|&i| seen_late(i)) => format!(
                            "{} is the only member first seen in time with a trusted publication time ({})",
                            name(o),
                            first.to_rfc3339()
                        ),
                        None => format!(
                            "{} is the only member with a trusted publication time ({})",
                            name(o),
                            first.to_rfc3339()
                        ),
                    });
                }
            } else {
                why.push(format!(
                    "no member has a trusted publication time, so the text decides: {} {}",
                    name(o),
                    decided_by(r, o)
                ));
            }
        }
        let first_version = versions.first[chains[r]];
        let chain = (in_chain >= 2).then(|| members[original_of(first_version)].id.clone());
        let version_of = versions.from[r].map(|(h, _)| members[original_of(h)].id.clone());
        match (&chain, versions.from[r]) {
            (Some(c), Some((h, new))) => why.push(format!(
                "a later version of {} ({:.0}% of its text is new, before the end of what they share; a version adds at least {:.0}%), in the version chain of {c}",
                name(original_of(h)),
                100.0 * new,
                100.0 * VERSION_NEW_SHARE
            )),
            (Some(_), None) => why.push(format!(
                "the first of {in_chain} versions of this text: the source of the version chain"
            )),
            _ => {}
        }
        notes.push(FamilyNote {
            family: members[o].id.clone(),
            chain,
            version_of,
            why,
        });
    }
    notes.sort_by(|x, y| x.family.cmp(&y.family));
    (Grouping { assignments, notes }, record)
}

/// A duration in words: "3 h 5 min", "2 d 4 h", "40 min".
fn span(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (1.., _) => format!("{d} d {h} h"),
        (_, 1..) => format!("{h} h {m} min"),
        _ => format!("{m} min"),
    }
}

/// A member's publication time, unless its clock was shown wrong.
fn trusted_time(m: &MemberInfo) -> Option<DateTime<FixedOffset>> {
    m.published.filter(|_| m.clock.is_none())
}

/// The versions of each chain (`chains`: each member's chain root).
struct Versions {
    /// Each member's version, named by its first member.
    head: Vec<usize>,
    /// For a version's first member: the version it was re-filed from, and
    /// the share of its text that is new.
    from: Vec<Option<(usize, f64)>>,
    /// For a chain root: the first member of the chain's first version.
    first: Vec<usize>,
}

/// Splits chains into versions: members in publication order (trusted
/// times, undated last, then id); each is a copy of the version of the
/// earlier member that covers most of it, unless against every such
/// member it has new text (see [`VERSION_NEW_SHARE`]): then it starts a
/// version re-filed from the one that covers most of it. `links` says
/// which edges count (those that may join members).
fn split_versions(
    members: &[MemberInfo],
    chains: &[usize],
    edges: &[Edge],
    links: impl Fn(&Edge) -> bool,
) -> Versions {
    let n = members.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in edges.iter().enumerate() {
        if e.a != e.b && chains[e.a] == chains[e.b] && links(e) {
            adj[e.a].push(k);
            adj[e.b].push(k);
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        time_order(trusted_time(&members[x]))
            .cmp(&time_order(trusted_time(&members[y])))
            .then(members[x].id.cmp(&members[y].id))
    });
    let mut head: Vec<Option<usize>> = vec![None; n];
    let mut from: Vec<Option<(usize, f64)>> = vec![None; n];
    let mut first = vec![usize::MAX; n];
    for &i in &order {
        if first[chains[i]] == usize::MAX {
            first[chains[i]] = i;
            head[i] = Some(i);
        }
    }
    // Ok(version) for a copy, Err((version, new share)) for a new version.
    let place = |i: usize, head: &[Option<usize>]| -> Option<Result<usize, (usize, f64)>> {
        // (share of i covered, other's id, other's version, new share)
        type Best<'a> = Option<(f64, &'a ArticleId, usize, f64)>;
        // A copy; a new version; new text against a member of another
        // filer, which only makes a copy where nothing else places it.
        let (mut copy, mut link, mut other_filer): (Best, Best, Best) = (None, None, None);
        for &k in &adj[i] {
            let e = &edges[k];
            let (other, ranges) = if e.a == i {
                (e.b, &e.a_ranges)
            } else {
                (e.a, &e.b_ranges)
            };
            let Some(h) = head[other] else { continue };
            let mut r = ranges.clone();
            let covered = union(&mut r);
            let first = r.iter().map(|x| x.0).min().unwrap_or(0);
            let last = r.iter().map(|x| x.1).max().unwrap_or(0);
            let tokens = members[i].tokens.max(last).max(1);
            let new = last.saturating_sub(covered);
            let is_new = first >= VERSION_MIN_NEW_LEDE
                && new >= VERSION_MIN_NEW_TOKENS
                && new as f64 >= VERSION_NEW_SHARE * tokens as f64
                && tokens as f64 >= VERSION_MIN_LENGTH * members[other].tokens as f64;
            let share = covered as f64 / tokens as f64;
            // The filer is that of the version's first member: two copies
            // one outlet ran of an agency's story are no filing of theirs.
            let slot = match (is_new, same_filer(&members[i], &members[h])) {
                (false, _) => &mut copy,
                (true, true) => &mut link,
                (true, false) => &mut other_filer,
            };
            let better = match slot {
                None => true,
                Some((s, id, _, _)) => share > *s || (share == *s && members[other].id < **id),
            };
            if better {
                *slot = Some((share, &members[other].id, h, new as f64 / tokens as f64));
            }
        }
        match (copy, link, other_filer) {
            (Some((_, _, h, _)), _, _) | (None, None, Some((_, _, h, _))) => Some(Ok(h)),
            (None, Some((_, _, h, f)), _) => Some(Err((h, f))),
            (None, None, None) => None,
        }
    };
    loop {
        let (mut progress, mut waiting) = (false, false);
        for &i in &order {
            if head[i].is_some() {
                continue;
            }
            match place(i, &head) {
                Some(Ok(h)) => head[i] = Some(h),
                Some(Err((h, f))) => {
                    head[i] = Some(i);
                    from[i] = Some((h, f));
                }
                None => {
                    waiting = true;
                    continue;
                }
            }
            progress = true;
        }
        if !waiting {
            break;
        }
        if !progress {
            // No counted edge reaches the rest: the earliest starts a version.
            if let Some(&i) = order.iter().find(|&&i| head[i].is_none()) {
                head[i] = Some(i);
            }
        }
    }
    Versions {
        head: head
            .into_iter()
            .enumerate()
            .map(|(i, h)| h.unwrap_or(i))
            .collect(),
        from,
        first,
    }
}

/// Whether a member may be a version of another's filing: the same site
/// (an agency's or a newsroom's own updates, "The Latest", a live blog) or
/// the same agency credited (copies of its write-throughs on other sites).
/// Other outlets' texts are copies, however much they add.
fn same_filer(x: &MemberInfo, y: &MemberInfo) -> bool {
    (x.site.is_some() && x.site == y.site) || (x.wire.is_some() && x.wire == y.wire)
}

/// Per family root: the member on the own site of an agency that another
/// member credits (the earliest of such), and the crediting member.
fn agency_copies(members: &[MemberInfo], roots: &[usize]) -> Vec<Option<(usize, usize)>> {
    let n = members.len();
    let mut crediting: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, m) in members.iter().enumerate() {
        if m.wire.is_some() {
            crediting[roots[i]].push(i);
        }
    }
    let mut out: Vec<Option<(usize, usize)>> = vec![None; n];
    for (i, m) in members.iter().enumerate() {
        let (r, Some(site)) = (roots[i], m.site.as_deref()) else {
            continue;
        };
        let by = crediting[r]
            .iter()
            .copied()
            .filter(|&c| c != i)
            .filter(|&c| {
                members[c]
                    .wire
                    .as_deref()
                    .is_some_and(|w| is_agency_site(w, site))
            })
            .min_by(|&x, &y| members[x].id.cmp(&members[y].id));
        if let Some(c) = by {
            let earlier = match out[r] {
                None => true,
                Some((o, _)) => precedes(m, &members[o]).is_lt(),
            };
            if earlier {
                out[r] = Some((i, c));
            }
        }
    }
    out
}

/// Agencies' own sites other than their name's ([`is_agency_site`]).
static AGENCY_SITES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    include_str!("../patterns/agency_sites.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (a, s) = l
                .split_once('\t')
                .expect("agency_sites.txt: AGENCY<TAB>site");
            (a.trim().to_string(), s.trim().to_ascii_lowercase())
        })
        .collect()
});

/// Whether `site` is the agency's own: listed in `patterns/agency_sites.txt`,
/// or named after it ("reuters.com" for Reuters).
pub fn is_agency_site(agency: &str, site: &str) -> bool {
    let site = site.trim_start_matches("www.").to_ascii_lowercase();
    let name: String = agency
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let on = |domain: &str| site == domain || site.ends_with(&format!(".{domain}"));
    (!name.is_empty() && site.split('.').next() == Some(name.as_str()))
        || AGENCY_SITES
            .iter()
            .any(|(a, d)| a.eq_ignore_ascii_case(agency) && on(d))
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
            wire: None,
            clock: None,
            first_seen: None,
        }
    }

    /// `b`, a whole copy of `a` (90 tokens of each shared).
    fn whole_copy(a: usize, b: usize) -> Edge {
        Edge {
            a,
            b,
            is_copy: true,
            copy_if_same_headline: true,
            mutual: 0.9,
            contained: 0.9,
            inner: b,
            a_ranges: vec![(0, 90)],
            b_ranges: vec![(0, 90)],
        }
    }

    #[test]
    fn a_copy_first_seen_later_is_not_the_source_whatever_its_clock() {
        let seen = |id: &str, published: &str, first_seen: &str| MemberInfo {
            first_seen: parse_datetime(first_seen),
            ..m(id, Some(published), 0)
        };
        let ms = [
            seen("orig", "2025-03-04T09:00:00Z", "2025-03-04T09:05:00Z"),
            seen("early", "2025-03-04T06:00:00Z", "2025-03-04T12:00:00Z"),
            m("third", Some("2025-03-04T10:00:00Z"), 0),
        ];
        let e = whole_copy;
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let members: Vec<MemberInfo> = order.iter().map(|&i| ms[i].clone()).collect();
            let at = |id: &str| members.iter().position(|m| m.id.0 == id).unwrap();
            let edges = [e(at("orig"), at("early")), e(at("early"), at("third"))];
            let g = group(&members, &edges);
            assert!(
                g.assignments.iter().all(|a| a.family.0 == "orig"),
                "{:?}",
                g.assignments
            );
            let why = g.notes[0].why.join("\n");
            assert!(
                why.contains(
                    "early was first seen 2 h 55 min after orig (2025-03-04T09:05:00+00:00)"
                ),
                "{why}"
            );
        }
        // Seen within the slack of each other, the clocks decide as before.
        let close = vec![
            seen("orig", "2025-03-04T09:00:00Z", "2025-03-04T09:05:00Z"),
            seen("early", "2025-03-04T06:00:00Z", "2025-03-04T09:10:00Z"),
        ];
        let g = group(&close, &[e(0, 1)]);
        assert_eq!(g.assignments[0].family.0, "early");
    }

    #[test]
    fn earliest_member_is_the_source_whatever_the_order() {
        let ms = vec![
            m("x", Some("2025-01-02"), 3),
            m("y", Some("2025-01-01"), 0),
            m("z", None, 0),
            m("solo", None, 0),
        ];
        let e = whole_copy;
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
        // "trim" (a truncated copy) claims a time an hour before the
        // original's: within CLOCK_TIE_SECS, so the text decides.
        let ms = vec![
            m("orig", Some("2025-01-02T00:00:00Z"), 0),
            m("trim", Some("2025-01-01T23:00:00Z"), 0),
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

    /// `group` of each connected component apart, given the source sites
    /// of the record summed over all (as a distributed job runs it).
    fn group_by_component(ms: &[MemberInfo], edges: &[Edge]) -> Vec<FamilyAssignment> {
        let mut parent: Vec<usize> = (0..ms.len()).collect();
        for e in edges {
            let (ra, rb) = (find_root(&mut parent, e.a), find_root(&mut parent, e.b));
            parent[ra.max(rb)] = ra.min(rb);
        }
        let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..ms.len() {
            parts.entry(find_root(&mut parent, i)).or_default().push(i);
        }
        let part = |ids: &[usize]| {
            let at: HashMap<usize, usize> = ids.iter().enumerate().map(|(k, &i)| (i, k)).collect();
            let members: Vec<MemberInfo> = ids.iter().map(|&i| ms[i].clone()).collect();
            let own: Vec<Edge> = edges
                .iter()
                .filter(|e| at.contains_key(&e.a))
                .map(|e| Edge {
                    a: at[&e.a],
                    b: at[&e.b],
                    inner: at[&e.inner],
                    ..e.clone()
                })
                .collect();
            (members, own)
        };
        let mut record = SiteRecord::new();
        for ids in parts.values() {
            let (m, e) = part(ids);
            for (site, (o, c)) in site_record(&m, &e) {
                let r = record.entry(site).or_default();
                r.0 += o;
                r.1 += c;
            }
        }
        let sites = source_sites(&record);
        let mut out = Vec::new();
        for ids in parts.values() {
            let (m, e) = part(ids);
            out.extend(group_given_sources(&m, &e, &sites).assignments);
        }
        out
    }

    #[test]
    fn grouping_by_component_with_the_summed_site_record_is_grouping_the_whole() {
        for (settled, as_copy) in [(SOURCE_SITE_MIN as usize, 0), (2, 0), (4, 1)] {
            let (ms, edges) = wire_record(settled, as_copy);
            let whole = families(&ms, &edges);
            let mut parts = group_by_component(&ms, &edges);
            parts.sort_by(|x, y| x.id.cmp(&y.id));
            let mut whole_sorted = whole.clone();
            whole_sorted.sort_by(|x, y| x.id.cmp(&y.id));
            assert_eq!(parts, whole_sorted, "settled {settled}, as copy {as_copy}");
        }
        // The source site is only seen over the whole set: a component
        // alone would let time decide.
        let (ms, edges) = wire_record(SOURCE_SITE_MIN as usize, 0);
        let alone = families(&ms[..2], &edges[..1]);
        assert_eq!(
            alone[0].source.as_ref().map(|s| s.0.as_str()),
            Some("early")
        );
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

    #[test]
    fn a_copy_three_hours_later_with_less_padding_and_more_text_is_not_the_source() {
        // The copy holds all of the original and a paragraph more, and had
        // less boilerplate stripped: before, both fell within a 12-hour
        // tie and "less padded" won.
        let ms = vec![
            MemberInfo {
                stripped: 3,
                ..sized("orig", "2025-01-01T10:00:00Z", 100)
            },
            sized("later", "2025-01-01T13:00:00Z", 125),
        ];
        let edges = [shared(0, 1, &[(0, 100)], &[(0, 100)])];
        let g = group(&ms, &edges);
        assert_eq!(g.assignments[1].source.as_ref().unwrap().0, "orig");
        assert_eq!(g.notes.len(), 1);
        let why = g.notes[0].why.join("\n");
        assert!(why.contains("orig was published first"), "{why}");
        assert!(why.contains("3 h 0 min before"), "{why}");
    }

    /// Members of a wire story and one write-through, each with a copy,
    /// all crediting one agency: v1 (100 tokens: paragraphs at 0, 25, 50,
    /// 75) and v2 (120 tokens: a new lede and a new paragraph, then v1's
    /// last three paragraphs); c1 copies v1 and came out after v2, c2
    /// copies v2.
    fn write_through() -> (Vec<MemberInfo>, Vec<Edge>) {
        let ms = [
            sized("v1", "2025-01-01T09:00:00Z", 100),
            sized("v2", "2025-01-01T11:30:00Z", 120),
            sized("c1", "2025-01-01T12:00:00Z", 100),
            sized("c2", "2025-01-01T12:30:00Z", 120),
        ]
        .map(|m| MemberInfo {
            wire: Some("NNA".into()),
            ..m
        })
        .to_vec();
        let (v1_part, v2_part) = ([(25, 100)], [(45, 120)]);
        let edges = vec![
            shared(0, 1, &v1_part, &v2_part),
            shared(0, 2, &[(0, 100)], &[(0, 100)]),
            shared(1, 3, &[(0, 120)], &[(0, 120)]),
            shared(2, 1, &v1_part, &v2_part),
            shared(0, 3, &v1_part, &v2_part),
            shared(2, 3, &v1_part, &v2_part),
        ];
        (ms, edges)
    }

    #[test]
    fn a_write_through_is_a_later_version_in_the_chain_of_the_first() {
        let (ms, edges) = write_through();
        let check = |ms: &[MemberInfo], edges: &[Edge]| {
            let g = group(ms, edges);
            let fam: HashMap<&str, (&str, Option<&str>)> = g
                .assignments
                .iter()
                .map(|a| {
                    (
                        a.id.0.as_str(),
                        (a.family.0.as_str(), a.source.as_ref().map(|s| s.0.as_str())),
                    )
                })
                .collect();
            assert_eq!(fam["c1"], ("v1", Some("v1")), "{g:?}");
            assert_eq!(fam["c2"], ("v2", Some("v2")), "{g:?}");
            assert_eq!(fam["v2"], ("v2", None), "{g:?}");
            let note = |f: &str| g.notes.iter().find(|n| n.family.0 == f).unwrap();
            assert_eq!(note("v1").chain.as_ref().unwrap().0, "v1");
            assert_eq!(note("v1").version_of, None);
            assert_eq!(note("v2").chain.as_ref().unwrap().0, "v1");
            assert_eq!(note("v2").version_of.as_ref().unwrap().0, "v1");
            assert!(note("v2")
                .why
                .iter()
                .any(|w| w.starts_with("a later version of v1")));
        };
        check(&ms, &edges);
        // Whatever the order the members come in.
        let last = ms.len() - 1;
        let (mut rev, mut rev_edges) = (ms.clone(), edges.clone());
        rev.reverse();
        for e in &mut rev_edges {
            (e.a, e.b, e.inner) = (last - e.a, last - e.b, last - e.inner);
        }
        check(&rev, &rev_edges);
        // Another outlet's text that adds as much is a copy: without the
        // credit, the four are one family.
        let plain: Vec<MemberInfo> = ms
            .iter()
            .map(|m| MemberInfo {
                wire: None,
                ..m.clone()
            })
            .collect();
        let g = group(&plain, &edges);
        assert!(g.assignments.iter().all(|a| a.family.0 == "v1"), "{g:?}");
        assert!(g.notes.iter().all(|n| n.chain.is_none()));
        // Nor do two copies one outlet ran make a filing of that outlet's.
        let on_one_site: Vec<MemberInfo> = plain
            .iter()
            .map(|m| MemberInfo {
                site: Some(
                    if m.id.0 == "v1" {
                        "wire.example"
                    } else {
                        "daily.example"
                    }
                    .into(),
                ),
                ..m.clone()
            })
            .collect();
        let g = group(&on_one_site, &edges);
        assert!(g.assignments.iter().all(|a| a.family.0 == "v1"), "{g:?}");
    }

    #[test]
    fn a_member_on_the_credited_agency_site_is_the_source() {
        // "early" credits NNA and is stamped 90 minutes before the agency's
        // own copy; its text is the same.
        let ms = vec![
            MemberInfo {
                wire: Some("NNA".into()),
                ..on_site("early", "2025-01-01T08:30:00Z", "courier.example", 0)
            },
            on_site("agency", "2025-01-01T10:00:00Z", "nna.example", 0),
            on_site("later", "2025-01-01T16:00:00Z", "gazette.example", 0),
        ];
        let edges = [
            shared(0, 1, &[(0, 100)], &[(0, 100)]),
            shared(0, 2, &[(0, 100)], &[(0, 100)]),
            shared(1, 2, &[(0, 100)], &[(0, 100)]),
        ];
        let g = group(&ms, &edges);
        assert!(
            g.assignments.iter().all(|a| a.family.0 == "agency"),
            "{g:?}"
        );
        assert!(
            g.notes[0].why[0].contains("early credits NNA"),
            "{:?}",
            g.notes
        );
        // Without the credit, the earliest.
        let mut plain = ms.clone();
        plain[0].wire = None;
        assert!(families(&plain, &edges)
            .iter()
            .all(|a| a.family.0 == "early"));
    }

    #[test]
    fn a_clock_shown_wrong_does_not_make_the_source() {
        let ms = vec![
            MemberInfo {
                clock: Some(ClockDoubt::OffsetAgainstUrlDate),
                first_seen: None,
                ..sized("skewed", "2025-01-01T05:00:00Z", 100)
            },
            sized("orig", "2025-01-01T10:00:00Z", 100),
        ];
        let edges = [shared(0, 1, &[(0, 100)], &[(0, 100)])];
        let g = group(&ms, &edges);
        assert!(g.assignments.iter().all(|a| a.family.0 == "orig"), "{g:?}");
        assert!(g.notes[0].why[0].starts_with("skewed's clock is not trusted"));
    }

    #[test]
    fn clocks_are_doubted_on_evidence_only() {
        let t = |s: &str| parse_datetime(s);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        // Stamped three hours after it was first seen.
        assert_eq!(
            clock_doubt(t("2025-03-04T15:00:00Z"), None, t("2025-03-04T12:00:00Z")),
            Some(ClockDoubt::AfterFirstSeen)
        );
        // Minutes fast: no evidence.
        assert_eq!(
            clock_doubt(t("2025-03-04T12:05:00Z"), None, t("2025-03-04T12:00:00Z")),
            None
        );
        // 20:00 in New York labelled UTC: the next day in UTC, against
        // the URL's date.
        assert_eq!(
            clock_doubt(t("2025-03-05T01:00:00Z"), day("2025-03-04"), None),
            Some(ClockDoubt::OffsetAgainstUrlDate)
        );
        // The same instant with its right offset agrees with the URL.
        assert_eq!(
            clock_doubt(t("2025-03-04T20:00:00-05:00"), day("2025-03-04"), None),
            None
        );
        // A URL days away says nothing of the offset.
        assert_eq!(
            clock_doubt(t("2025-03-09T01:00:00Z"), day("2025-03-04"), None),
            None
        );
    }

    #[test]
    fn agency_sites_are_the_listed_ones_or_named_after_the_agency() {
        assert!(is_agency_site("AP", "apnews.com"));
        assert!(is_agency_site("Reuters", "www.reuters.com"));
        assert!(is_agency_site("NNA", "nna.example"));
        assert!(!is_agency_site("AP", "courier.example"));
        assert!(!is_agency_site("Reuters", "apnews.com"));
    }
}

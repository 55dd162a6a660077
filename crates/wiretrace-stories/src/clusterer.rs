//! The online clustering state: it takes articles one at a time, in
//! publication order, and reports where each went as [`Event`]s.
//!
//! Everything an assignment depends on was known when the article arrived:
//! document frequencies count only the articles taken before it (and it),
//! two stories merge the moment their profiles meet, and stories that can
//! take no more articles are closed at day boundaries. So the events for a
//! stream are the same whether it is taken in one run or resumed from a
//! saved state ([`Clusterer`] is serialisable) in many. Memory holds the
//! live stories and a bounded index of the most recently closed (dormant)
//! ones, not every story ever seen.
//!
//! A dated article joins live stories only: a dormant story's last article
//! is more than the window before it. An article with no date has no place
//! in the stream and could belong to any story: the undated articles are
//! held until [`Clusterer::settle_undated`], grouped among themselves
//! (see [`crate::undated`]), and each group is then placed as a whole, in
//! a live story or a dormant one (matched through the dormant stories' own
//! index) or as a story of its own. A dormant story an undated group joins
//! takes its articles as members and is reported again, but is not
//! reshaped by them.

use crate::profile::{article_terms, Profile, Spread, Vocabulary};
use crate::undated::group_undated;
use crate::{Assignment, Config, Story};
use chrono::{DateTime, FixedOffset};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet, VecDeque};
use wiretrace_core::{
    time::{time_order, ArrivalKey},
    Article, ArticleId,
};

/// A term held by more stories than this is too common to find candidates
/// by (the stories that matter share rarer terms too).
pub(crate) const MAX_TERM_STORIES: usize = 2_000;
/// Candidate stories are those holding one of an article's this many
/// strongest terms (or sharing a passage with it).
const CANDIDATE_TERMS: usize = 30;
/// A story's core: its this many strongest terms. What recurs across a
/// story's articles (its places, people, details) is there; a name one
/// member brought in by chance is not, so a story that grows big does not
/// gain the power to absorb any article sharing a word with one member.
const CORE_TERMS: usize = 150;
/// Specific terms (names, places, details) an article must share with a
/// story's core to join it, and two stories' cores to merge: words of a
/// kind of event (strike, walkout, union) are not enough, and neither is
/// one name that two events happen to share.
pub(crate) const SPECIFIC_SHARED: usize = 2;
/// Of those, at most this many (the ones sharing most of those terms) are
/// scored; likewise for the stories a growing story may merge with. The
/// right story is nearly always among the first few: at 64, on a corpus of
/// long syndicated texts, two thirds of the clustering time went to scoring
/// stories that never won, and no score on the evaluation sets changed.
pub(crate) const MAX_CANDIDATES: usize = 16;
/// Terms held by more stories than this propose no merges.
const MAX_MERGE_POSTINGS: usize = 200;
/// A story's headline is chosen among its first this many titled articles
/// (copies aside): enough to find its most central title, bounded however
/// big the story grows.
const HEADLINE_POOL: usize = 32;
/// The most recently closed stories kept matchable by undated articles:
/// memory stays bounded however long the stream runs.
const DORMANT_KEPT: usize = 20_000;
/// Terms a dormant story keeps of its profile: its core once dormant.
const DORMANT_TERMS: usize = 60;

const DAY: i64 = 86_400;

/// What taking an article did.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The article joined (or started) a story.
    Placed(Assignment),
    /// Story `gone` turned out to be story `into`: its articles move there.
    Merged {
        gone: String,
        into: String,
        similarity: f64,
    },
    /// The story can take no more dated articles (nothing joined it within
    /// the window); this is its summary. A dormant story that an undated
    /// article joins later is reported again, with that article.
    Closed(Story),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Member {
    id: ArticleId,
    published: Option<DateTime<FixedOffset>>,
    site: Option<String>,
}

impl Member {
    fn of(a: &Article) -> Self {
        Member {
            id: a.id.clone(),
            published: a.published,
            site: a.site.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LiveStory {
    id: String,
    profile: Profile,
    first: Option<DateTime<FixedOffset>>,
    last: Option<DateTime<FixedOffset>>,
    members: Vec<Member>,
    /// Copy families placed in this story.
    families: Vec<ArticleId>,
    /// Terms whose postings list this story, sorted.
    posted: Vec<u32>,
    /// Headline candidates: (article, title, profile).
    headlines: Vec<(ArticleId, String, Profile)>,
    /// The profile's [`CORE_TERMS`] strongest terms, sorted by id, and of
    /// those the [`CANDIDATE_TERMS`] strongest, strongest first (derived:
    /// rebuilt by [`Clusterer::restore`]).
    #[serde(skip)]
    core: Vec<u32>,
    #[serde(skip)]
    strongest: Vec<u32>,
}

impl LiveStory {
    /// Recomputes the core after the profile changed.
    fn refresh_core(&mut self) {
        (self.core, self.strongest) = core_of(&self.profile);
    }

    fn in_core(&self, t: u32) -> bool {
        self.core.binary_search(&t).is_ok()
    }

    fn summary(&self) -> Story {
        let mut members: Vec<&Member> = self.members.iter().collect();
        members.sort_by_cached_key(|m| ArrivalKey::of(m.published, &m.id));
        let headline = self
            .headlines
            .iter()
            .max_by(|x, y| {
                x.2.cosine(&self.profile)
                    .total_cmp(&y.2.cosine(&self.profile))
                    .then(y.0.cmp(&x.0))
            })
            .map(|h| h.1.clone());
        let mut seen = HashSet::new();
        Story {
            id: self.id.clone(),
            headline,
            first_seen: members.iter().filter_map(|m| m.published).min(),
            last_seen: members.iter().filter_map(|m| m.published).max(),
            outlets: members
                .iter()
                .filter_map(|m| m.site.clone())
                .filter(|o| seen.insert(o.clone()))
                .collect(),
            articles: members.into_iter().map(|m| m.id.clone()).collect(),
        }
    }
}

/// A closed story as the dormant index keeps it: its strongest terms and
/// its summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DormantStory {
    /// The story's profile cut to its [`DORMANT_TERMS`] strongest terms:
    /// its core once dormant.
    profile: Profile,
    summary: Story,
    /// The profile's [`CANDIDATE_TERMS`] strongest terms, which the dormant
    /// index lists it under (derived).
    #[serde(skip)]
    strongest: Vec<u32>,
}

impl DormantStory {
    fn new(profile: Profile, summary: Story) -> Self {
        let mut d = DormantStory {
            profile,
            summary,
            strongest: Vec::new(),
        };
        d.refresh();
        d
    }

    fn refresh(&mut self) {
        self.strongest = self.profile.strongest_terms(CANDIDATE_TERMS);
    }
}

/// An undated article held until [`Clusterer::settle_undated`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Undated {
    member: Member,
    title: Option<String>,
    family: ArticleId,
    linked: Vec<ArticleId>,
    /// `None` for a copy of an undated article held before it: it goes
    /// where its family goes and counts once.
    profile: Option<Profile>,
}

/// Where an article may go: a live story or a dormant one, by key.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Live(u64),
    Dormant(u64),
}

/// The state of the online clustering after the articles it has taken.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Clusterer {
    vocab: Vocabulary,
    /// Live stories by key; keys grow in creation order.
    stories: BTreeMap<u64, LiveStory>,
    next_key: u64,
    /// The day (days since the epoch) of the latest dated article taken.
    day: Option<i64>,
    /// The last [`DORMANT_KEPT`] stories closed, by closing order.
    dormant: BTreeMap<u64, DormantStory>,
    next_closed: u64,
    /// Undated articles held until [`Clusterer::settle_undated`], in
    /// arrival (id) order.
    undated: Vec<Undated>,
    /// Derived from `stories` and `undated` (rebuilt by [`Clusterer::restore`]).
    #[serde(skip)]
    postings: HashMap<u32, Vec<u64>>,
    #[serde(skip)]
    story_of: HashMap<ArticleId, u64>,
    #[serde(skip)]
    family_story: HashMap<ArticleId, u64>,
    #[serde(skip)]
    undated_families: HashSet<ArticleId>,
    /// The dormant index: stories by their strongest terms, oldest first.
    #[serde(skip)]
    dormant_postings: HashMap<u32, VecDeque<u64>>,
    /// Scratch space for counting candidates (see [`most_shared`]).
    #[serde(skip)]
    tally: RefCell<Tally>,
    /// Scratch space for comparing one profile with many candidates.
    #[serde(skip)]
    spread: RefCell<Spread>,
}

fn later(
    a: Option<DateTime<FixedOffset>>,
    b: Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    a.max(b)
}

fn earlier(
    a: Option<DateTime<FixedOffset>>,
    b: Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Counts of stories by key, for [`most_shared`]: a dense array indexed
/// by key (keys are small integers given in order), so counting the
/// postings of thirty terms is thirty passes of increments, not a sort.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    counts: Vec<u32>,
    touched: Vec<u64>,
}

/// Of the stories listed in `lists` (postings of an article's or story's
/// strongest terms; lists longer than `max_postings` skipped), the
/// `limit` listed most often, `except` aside; ties by key.
pub(crate) fn most_shared<'p, L>(
    tally: &mut Tally,
    lists: impl Iterator<Item = L>,
    max_postings: usize,
    except: Option<u64>,
    limit: usize,
) -> Vec<u64>
where
    L: ExactSizeIterator<Item = &'p u64>,
{
    let Tally { counts, touched } = tally;
    for list in lists.filter(|p| p.len() <= max_postings) {
        for &k in list {
            let at = k as usize;
            if at >= counts.len() {
                counts.resize(at + 1, 0);
            }
            if counts[at] == 0 {
                touched.push(k);
            }
            counts[at] += 1;
        }
    }
    let mut counted: Vec<(u32, u64)> = touched
        .drain(..)
        .map(|k| (std::mem::take(&mut counts[k as usize]), k))
        .filter(|&(_, k)| Some(k) != except)
        .collect();
    let by_count = |x: &(u32, u64), y: &(u32, u64)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
    if counted.len() > limit {
        counted.select_nth_unstable_by(limit, by_count);
        counted.truncate(limit);
    }
    counted.sort_unstable_by(by_count);
    counted.into_iter().map(|(_, k)| k).collect()
}

/// A profile's [`CORE_TERMS`] strongest terms, sorted by id, and of those
/// the [`CANDIDATE_TERMS`] strongest, strongest first.
pub(crate) fn core_of(profile: &Profile) -> (Vec<u32>, Vec<u32>) {
    let mut core = profile.strongest_terms(CORE_TERMS);
    let strongest = core.iter().take(CANDIDATE_TERMS).copied().collect();
    core.sort_unstable();
    (core, strongest)
}

/// The id of the story an article starts.
pub fn story_id(first: &ArticleId) -> String {
    format!("s-{first}")
}

/// Lists story `k` in the postings of those of `terms` it is not listed under.
fn post(
    postings: &mut HashMap<u32, Vec<u64>>,
    posted: &mut Vec<u32>,
    k: u64,
    terms: impl Iterator<Item = u32>,
) {
    // The new terms are merged into the sorted list in one pass: inserted
    // one at a time, each moved the rest of a list that grows to thousands.
    let mut fresh: Vec<u32> = terms.filter(|t| posted.binary_search(t).is_err()).collect();
    if fresh.is_empty() {
        return;
    }
    fresh.sort_unstable();
    fresh.dedup();
    for &t in &fresh {
        postings.entry(t).or_default().push(k);
    }
    let mut merged = Vec::with_capacity(posted.len() + fresh.len());
    let (mut i, mut j) = (0, 0);
    while i < posted.len() && j < fresh.len() {
        if posted[i] < fresh[j] {
            merged.push(posted[i]);
            i += 1;
        } else {
            merged.push(fresh[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&posted[i..]);
    merged.extend_from_slice(&fresh[j..]);
    *posted = merged;
}

impl Clusterer {
    /// Rebuilds the lookups a deserialised state does not carry.
    pub fn restore(&mut self) {
        self.vocab.restore();
        self.postings.clear();
        self.story_of.clear();
        self.family_story.clear();
        for (&k, s) in self.stories.iter_mut() {
            s.refresh_core();
            for &t in &s.posted {
                self.postings.entry(t).or_default().push(k);
            }
            for m in &s.members {
                self.story_of.insert(m.id.clone(), k);
            }
            for f in &s.families {
                self.family_story.insert(f.clone(), k);
            }
        }
        self.undated_families = self.undated.iter().map(|u| u.family.clone()).collect();
        self.dormant_postings.clear();
        for (&seq, d) in self.dormant.iter_mut() {
            d.refresh();
            for &t in &d.strongest {
                self.dormant_postings.entry(t).or_default().push_back(seq);
            }
        }
    }

    /// The summaries of the dormant stories whose ids are in `ids`.
    pub fn dormant_summaries(&self, ids: &HashSet<String>) -> Vec<Story> {
        self.dormant
            .values()
            .filter(|d| ids.contains(&d.summary.id))
            .map(|d| d.summary.clone())
            .collect()
    }

    /// How many stories are live.
    pub fn live_stories(&self) -> usize {
        self.stories.len()
    }

    /// The ids of the live stories.
    pub fn live_ids(&self) -> HashSet<&str> {
        self.stories.values().map(|s| s.id.as_str()).collect()
    }

    /// The summaries of the live stories, in creation order.
    pub fn live_summaries(&self) -> Vec<Story> {
        self.stories.values().map(LiveStory::summary).collect()
    }

    fn time_factor(
        config: &Config,
        p: Option<DateTime<FixedOffset>>,
        last: Option<DateTime<FixedOffset>>,
    ) -> f64 {
        match (p, last) {
            (Some(p), Some(l)) => {
                let gap = (p - l).num_seconds().unsigned_abs() as f64 / DAY as f64;
                1.0 / (1.0 + gap / config.time_scale_days)
            }
            _ => config.undated_factor,
        }
    }

    /// Takes one article: `family` is its copy family (its own id when it
    /// has none), `linked` the articles it shares a passage with, `terms`
    /// its weighted terms if already computed ([`article_terms`]). An
    /// undated article is held until [`Self::settle_undated`].
    pub fn add(
        &mut self,
        a: &Article,
        family: &ArticleId,
        linked: &[ArticleId],
        terms: Option<Vec<(String, f64)>>,
        config: &Config,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        self.close_dormant(a.published, config, &mut events);
        if let Some(&k) = self.family_story.get(family) {
            // A copy of an article already placed: same story, counted once.
            events.push(self.enlist(k, Member::of(a), 1.0, format!("copy of {family}")));
            return events;
        }
        if a.published.is_none() {
            let profile = self.undated_families.insert(family.clone()).then(|| {
                let tf = self
                    .vocab
                    .observe(terms.unwrap_or_else(|| article_terms(a)));
                self.vocab.profile(&tf)
            });
            self.undated.push(Undated {
                member: Member::of(a),
                title: a.title.clone(),
                family: family.clone(),
                linked: linked.to_vec(),
                profile,
            });
            return events;
        }
        let terms = terms.unwrap_or_else(|| article_terms(a));
        let tf = self.vocab.observe(terms);
        let profile = self.vocab.profile(&tf);
        let linked_story = self.linked_stories(linked.iter());
        let best = self.best_story(
            &profile,
            a.published,
            &linked_story,
            config.threshold,
            config,
        );
        let (k, similarity, reason) = match best {
            Some((Target::Live(k), score, via)) => {
                let why = match via {
                    Some(l) => format!("shares a passage with {l}"),
                    None => self.why_similar(&profile, &self.stories[&k].profile, score),
                };
                (k, score, why)
            }
            Some((Target::Dormant(_), ..)) => unreachable!("a dated article joins live stories"),
            None => (
                self.new_story(&a.id),
                0.0,
                "first article of the story".to_string(),
            ),
        };
        events.push(self.enlist(k, Member::of(a), similarity, reason));
        self.absorb(k, &a.id, a.title.as_ref(), family, profile);
        self.merge_around(k, config, &mut events);
        events
    }

    /// The live stories holding an article of `linked` (articles sharing
    /// a passage with the one being placed), each with the first such
    /// article as the witness.
    fn linked_stories<'l>(
        &self,
        linked: impl Iterator<Item = &'l ArticleId>,
    ) -> BTreeMap<u64, &'l ArticleId> {
        let mut linked_story = BTreeMap::new();
        for l in linked {
            if let Some(&k) = self.story_of.get(l) {
                linked_story.entry(k).or_insert(l);
            }
        }
        linked_story
    }

    /// The story an article (or a group of undated articles) of `profile`
    /// would join, with its score and the article sharing a passage with
    /// it if that is why: the most similar one scoring at least `need` and
    /// sharing specific terms with it. Live stories within the window
    /// only, if `published` is known; dormant ones too if not.
    fn best_story<'l>(
        &self,
        profile: &Profile,
        published: Option<DateTime<FixedOffset>>,
        linked_story: &BTreeMap<u64, &'l ArticleId>,
        need: f64,
        config: &Config,
    ) -> Option<(Target, f64, Option<&'l ArticleId>)> {
        let mut best: Option<(Target, f64, Option<&ArticleId>)> = None;
        let mut spread = self.spread.borrow_mut();
        spread.load(profile);
        let strongest = profile.strongest_terms(CANDIDATE_TERMS);
        let mut candidates = self.candidates(&strongest, MAX_TERM_STORIES, None);
        candidates.extend(linked_story.keys().copied());
        candidates.sort_unstable();
        candidates.dedup();
        for k in candidates {
            let story = &self.stories[&k];
            let live = match (published, story.last) {
                (Some(p), Some(l)) => (p - l).num_days() <= config.window_days,
                _ => true,
            };
            if !live {
                continue;
            }
            let sim =
                spread.cosine(&story.profile) * Self::time_factor(config, published, story.last);
            let (score, via) = match linked_story.get(&k) {
                Some(&l) if config.passage_link > sim => (config.passage_link, Some(l)),
                _ => (sim, None),
            };
            // A similar article joins only if it also shares specific
            // terms with the story's core (see SPECIFIC_SHARED).
            if score >= need
                && best.as_ref().is_none_or(|(_, b, _)| score > *b)
                && (via.is_some()
                    || self.vocab.share_specific(
                        profile.terms(),
                        |t| story.in_core(t),
                        SPECIFIC_SHARED,
                    ))
            {
                best = Some((Target::Live(k), score, via));
            }
        }
        if published.is_none() {
            // No date rules out a dormant story: look them up too.
            let lists = strongest
                .iter()
                .filter_map(|t| self.dormant_postings.get(t))
                .map(|p| p.iter());
            let found = most_shared(
                &mut self.tally.borrow_mut(),
                lists,
                MAX_TERM_STORIES,
                None,
                MAX_CANDIDATES,
            );
            for seq in found {
                let d = &self.dormant[&seq];
                let score = spread.cosine(&d.profile) * Self::time_factor(config, None, None);
                if score >= need
                    && best.as_ref().is_none_or(|(_, b, _)| score > *b)
                    && self.vocab.share_specific(
                        profile.terms(),
                        |t| d.profile.holds(t),
                        SPECIFIC_SHARED,
                    )
                {
                    best = Some((Target::Dormant(seq), score, None));
                }
            }
        }
        best
    }

    /// Places the undated articles held so far ([`Self::add`]). They are
    /// grouped among themselves first ([`group_undated`]), then:
    /// - a lone article joins the story it is most similar to at the join
    ///   threshold, as a dated one would;
    /// - a group joins a story as two stories merge (the merge threshold,
    ///   specific terms in common), and only if the story is nearly as
    ///   like the group's articles as they are like one another
    ///   ([`Config::undated_closeness`]): the reports of another event of
    ///   the same kind, which recall this one, are more like one another;
    /// - otherwise an article of the group that is more like a story (at
    ///   the join threshold) than like the rest of its group joins that
    ///   story, and the others are a story of their own.
    ///
    /// Every group is matched against the stories as the dated articles
    /// left them, so the placement does not depend on the order of the
    /// undated articles. [`crate::Outcome::finish`] calls it.
    pub fn settle_undated(&mut self, config: &Config) -> Vec<Event> {
        let mut held = std::mem::take(&mut self.undated);
        self.undated_families.clear();
        if held.is_empty() {
            return Vec::new();
        }
        // The first article of each family is its head; the others are
        // copies and go with it.
        let mut head_of: HashMap<&ArticleId, usize> = HashMap::default();
        let mut heads: Vec<usize> = Vec::new();
        let mut copies: Vec<Vec<usize>> = Vec::new();
        for (i, u) in held.iter().enumerate() {
            if u.profile.is_some() {
                head_of.insert(&u.family, heads.len());
                heads.push(i);
                copies.push(Vec::new());
            } else {
                // Only a family's first held article computed a profile.
                let h = head_of[&u.family];
                copies[h].push(i);
            }
        }
        let head_by_id: HashMap<&ArticleId, usize> = held
            .iter()
            .filter_map(|u| Some((&u.member.id, *head_of.get(&u.family)?)))
            .collect();
        let mut links: Vec<Vec<usize>> = vec![Vec::new(); heads.len()];
        for u in &held {
            let Some(&h) = head_by_id.get(&u.member.id) else {
                continue;
            };
            for l in &u.linked {
                if let Some(&o) = head_by_id.get(l) {
                    if o != h {
                        links[h].push(o);
                    }
                }
            }
        }
        for l in links.iter_mut() {
            l.sort_unstable();
            l.dedup();
        }
        // Each head's profile, by head (moved out: nothing else reads it).
        let profiles: Vec<Profile> = heads
            .iter()
            .map(|&i| held[i].profile.take().expect("a head has a profile"))
            .collect();
        let groups = group_undated(&profiles, &links, &self.vocab, config);
        // A head's article and its copies, by index into `held`.
        let family_of = |h: usize| std::iter::once(heads[h]).chain(copies[h].iter().copied());

        // Where each article goes, decided before any is placed: against
        // the stories as the dated articles left them.
        let mut group_at = vec![0; heads.len()];
        for (gi, g) in groups.iter().enumerate() {
            for &h in &g.members {
                group_at[h] = gi;
            }
        }
        let mut plans = Vec::with_capacity(groups.len());
        for (gi, g) in groups.iter().enumerate() {
            let size = g.members.len();
            let mut mates = Vec::with_capacity(size);
            let mut votes = Vec::with_capacity(size);
            for &h in &g.members {
                let linked = self.linked_stories(family_of(h).flat_map(|i| held[i].linked.iter()));
                let profile = &profiles[h];
                // How like the rest of its group the article is.
                let mate = if size > 1 {
                    profile.cosine(&g.profile.without(profile))
                } else {
                    0.0
                };
                let mate_score = if links[h].iter().any(|o| group_at[*o] == gi) {
                    config.passage_link
                } else {
                    mate * config.undated_factor
                };
                mates.push(mate);
                // It leaves its group for a story more like it than the group.
                votes.push(
                    self.best_story(profile, None, &linked, config.threshold, config)
                        .filter(|b| size == 1 || b.1 > mate_score)
                        .map(|(t, score, via)| (t, score, via.cloned())),
                );
            }
            // The group joins a story as a story would (the merge rule),
            // if that story is nearly as like its articles as they are
            // like one another: the reports of another event are more like
            // one another than like this one.
            let whole = (size > 1)
                .then(|| {
                    let members = g.members.iter().flat_map(|&h| family_of(h));
                    let linked = self.linked_stories(members.flat_map(|i| held[i].linked.iter()));
                    self.best_story(&g.profile, None, &linked, config.merge_threshold, config)
                })
                .flatten()
                .filter(|(t, _, via)| {
                    let story = self.profile_of(*t);
                    let near: f64 = g.members.iter().map(|&h| profiles[h].cosine(story)).sum();
                    via.is_some() || near >= config.undated_closeness * mates.iter().sum::<f64>()
                })
                .map(|(t, ..)| t);
            plans.push((whole, votes));
        }

        let mut events = Vec::new();
        for (g, (whole, votes)) in groups.iter().zip(plans) {
            let size = g.members.len();
            // Those that stay form a story of their own.
            let mut own: Option<u64> = None;
            let mut dormant_touched: Vec<u64> = Vec::new();
            for (&h, vote) in g.members.iter().zip(votes) {
                let head = &held[heads[h]];
                let profile = &profiles[h];
                let (target, similarity, reason) = match (whole, vote) {
                    (Some(t), Some((v, score, via))) if v == t => {
                        (t, score, self.why_joined(profile, t, score, via.as_ref()))
                    }
                    (Some(t), _) => {
                        let score = profile.cosine(self.profile_of(t)) * config.undated_factor;
                        let why = format!(
                            "undated, grouped with {} other undated articles, and the group joined this story as a story would; this article's {}",
                            size - 1,
                            self.why_joined(profile, t, score, None)
                        );
                        (t, score, why)
                    }
                    (None, Some((t, score, via))) => {
                        (t, score, self.why_joined(profile, t, score, via.as_ref()))
                    }
                    (None, None) => match own {
                        None => {
                            let k = self.new_story(&head.member.id);
                            own = Some(k);
                            (
                                Target::Live(k),
                                0.0,
                                "first article of the story".to_string(),
                            )
                        }
                        Some(k) => {
                            let sim = profile.cosine(&g.profile) * config.undated_factor;
                            let why = format!(
                                "undated, grouped with the story's other undated articles: {}",
                                self.why_similar(profile, &g.profile, sim)
                            );
                            (Target::Live(k), sim, why)
                        }
                    },
                };
                let placed = std::iter::once((head, similarity, reason)).chain(
                    copies[h]
                        .iter()
                        .map(|&c| (&held[c], 1.0, format!("copy of {}", head.family))),
                );
                for (u, similarity, reason) in placed {
                    events.push(self.place(target, u.member.clone(), similarity, reason));
                }
                match target {
                    Target::Live(k) => self.absorb(
                        k,
                        &head.member.id,
                        head.title.as_ref(),
                        &head.family,
                        profile.clone(),
                    ),
                    Target::Dormant(seq) if !dormant_touched.contains(&seq) => {
                        dormant_touched.push(seq)
                    }
                    Target::Dormant(_) => {}
                }
            }
            for seq in dormant_touched {
                events.push(Event::Closed(self.dormant[&seq].summary.clone()));
            }
        }
        events
    }

    /// The profile of a live or dormant story.
    fn profile_of(&self, t: Target) -> &Profile {
        match t {
            Target::Live(k) => &self.stories[&k].profile,
            Target::Dormant(seq) => &self.dormant[&seq].profile,
        }
    }

    /// Why an undated article of `profile` joined story `t`.
    fn why_joined(
        &self,
        profile: &Profile,
        t: Target,
        score: f64,
        via: Option<&ArticleId>,
    ) -> String {
        match (t, via) {
            (_, Some(l)) => format!("shares a passage with {l}"),
            (Target::Live(_), None) => self.why_similar(profile, self.profile_of(t), score),
            (Target::Dormant(_), None) => format!(
                "{}; the story had gone dormant, and an undated article may still belong to it",
                self.why_similar(profile, self.profile_of(t), score)
            ),
        }
    }

    /// Places a member in a live story ([`Self::enlist`]) or in a dormant
    /// one's summary.
    fn place(&mut self, target: Target, m: Member, similarity: f64, reason: String) -> Event {
        match target {
            Target::Live(k) => self.enlist(k, m, similarity, reason),
            Target::Dormant(seq) => {
                let s = &mut self
                    .dormant
                    .get_mut(&seq)
                    .expect("chosen story is kept")
                    .summary;
                s.articles.push(m.id.clone());
                if let Some(site) = m.site {
                    if !s.outlets.contains(&site) {
                        s.outlets.push(site);
                    }
                }
                Event::Placed(Assignment {
                    id: m.id,
                    story: s.id.clone(),
                    similarity,
                    reason,
                })
            }
        }
    }

    /// Starts an empty live story for `first`, its first article.
    fn new_story(&mut self, first: &ArticleId) -> u64 {
        let k = self.next_key;
        self.next_key += 1;
        self.stories.insert(
            k,
            LiveStory {
                id: story_id(first),
                profile: Profile::default(),
                first: None,
                last: None,
                members: Vec::new(),
                families: Vec::new(),
                posted: Vec::new(),
                headlines: Vec::new(),
                core: Vec::new(),
                strongest: Vec::new(),
            },
        );
        k
    }

    /// Folds the first article of a family, just enlisted in live story
    /// `k`, into the story's profile, postings and headline pool.
    fn absorb(
        &mut self,
        k: u64,
        id: &ArticleId,
        title: Option<&String>,
        family: &ArticleId,
        profile: Profile,
    ) {
        let s = self.stories.get_mut(&k).expect("chosen story is live");
        post(&mut self.postings, &mut s.posted, k, profile.terms());
        s.profile.add(&profile);
        s.refresh_core();
        if let Some(title) = title {
            if s.headlines.len() < HEADLINE_POOL {
                s.headlines.push((id.clone(), title.clone(), profile));
            }
        }
        s.families.push(family.clone());
        self.family_story.insert(family.clone(), k);
    }

    /// Why an article of `profile` is like a story of `story`: the
    /// similarity and the terms contributing most to it.
    fn why_similar(&self, profile: &Profile, story: &Profile, score: f64) -> String {
        format!(
            "similarity {score:.2}; shared terms: {}",
            profile
                .shared_terms(story, 6)
                .into_iter()
                .map(|t| self.vocab.term(t))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    /// Adds a member to live story `k` (its time, its site).
    fn enlist(&mut self, k: u64, m: Member, similarity: f64, reason: String) -> Event {
        let s = self.stories.get_mut(&k).expect("placed in a live story");
        s.last = later(s.last, m.published);
        s.first = earlier(s.first, m.published);
        self.story_of.insert(m.id.clone(), k);
        let event = Event::Placed(Assignment {
            id: m.id.clone(),
            story: s.id.clone(),
            similarity,
            reason,
        });
        s.members.push(m);
        event
    }

    /// Live stories holding one of the `strongest` terms (through postings
    /// no longer than `max_postings`), the ones sharing most first.
    fn candidates(&self, strongest: &[u32], max_postings: usize, except: Option<u64>) -> Vec<u64> {
        let lists = strongest
            .iter()
            .filter_map(|t| self.postings.get(t))
            .map(|p| p.iter());
        most_shared(
            &mut self.tally.borrow_mut(),
            lists,
            max_postings,
            except,
            MAX_CANDIDATES,
        )
    }

    /// Two stories that turn out to be one (an early report started a
    /// second story before the first had the words to take it) are merged
    /// as soon as the story that just grew meets the other: profiles
    /// similar enough, time allowing, and a specific term in common. The
    /// earlier-created story keeps its id.
    fn merge_around(&mut self, mut k: u64, config: &Config, events: &mut Vec<Event>) {
        if config.merge_threshold > 1.0 {
            return;
        }
        loop {
            let s = &self.stories[&k];
            let mut best: Option<(u64, f64)> = None;
            let mut spread = self.spread.borrow_mut();
            spread.load(&s.profile);
            for other in self.candidates(&s.strongest, MAX_MERGE_POSTINGS, Some(k)) {
                let o = &self.stories[&other];
                let (first, second) = if (time_order(s.first), k) <= (time_order(o.first), other) {
                    (s, o)
                } else {
                    (o, s)
                };
                let factor =
                    Self::time_factor(config, second.first, later(first.last, first.first));
                let sim = spread.cosine(&o.profile) * factor;
                if sim >= config.merge_threshold
                    && best.is_none_or(|(_, b)| sim > b)
                    && self.vocab.share_specific(
                        s.core.iter().copied(),
                        |t| o.in_core(t),
                        SPECIFIC_SHARED,
                    )
                {
                    best = Some((other, sim));
                }
            }
            drop(spread);
            let Some((other, similarity)) = best else {
                return;
            };
            let (keep, gone) = (k.min(other), k.max(other));
            let g = self.stories.remove(&gone).expect("merge partner is live");
            self.unpost(gone, &g.posted);
            for m in &g.members {
                self.story_of.insert(m.id.clone(), keep);
            }
            for f in &g.families {
                self.family_story.insert(f.clone(), keep);
            }
            let s = self.stories.get_mut(&keep).expect("kept story is live");
            post(
                &mut self.postings,
                &mut s.posted,
                keep,
                g.posted.iter().copied(),
            );
            s.profile.add(&g.profile);
            s.refresh_core();
            s.members.extend(g.members);
            s.families.extend(g.families);
            let room = HEADLINE_POOL.saturating_sub(s.headlines.len());
            s.headlines.extend(g.headlines.into_iter().take(room));
            s.first = earlier(s.first, g.first);
            s.last = later(s.last, g.last);
            events.push(Event::Merged {
                gone: g.id,
                into: s.id.clone(),
                similarity,
            });
            k = keep;
        }
    }

    /// Keeps a story that just closed in the dormant index, forgetting the
    /// oldest one kept if there are more than [`DORMANT_KEPT`].
    fn keep_dormant(&mut self, profile: &Profile, summary: Story) {
        let seq = self.next_closed;
        self.next_closed += 1;
        let d = DormantStory::new(profile.compact(DORMANT_TERMS), summary);
        for &t in &d.strongest {
            self.dormant_postings.entry(t).or_default().push_back(seq);
        }
        self.dormant.insert(seq, d);
        while self.dormant.len() > DORMANT_KEPT {
            let (old, d) = self.dormant.pop_first().expect("more than kept");
            // Stories are listed in closing order, so the oldest is first.
            for t in &d.strongest {
                if let Some(p) = self.dormant_postings.get_mut(t) {
                    if p.front() == Some(&old) {
                        p.pop_front();
                    }
                    if p.is_empty() {
                        self.dormant_postings.remove(t);
                    }
                }
            }
        }
    }

    /// Removes story `k` from the postings of its terms.
    fn unpost(&mut self, k: u64, posted: &[u32]) {
        for t in posted {
            if let Some(p) = self.postings.get_mut(t) {
                p.retain(|&x| x != k);
                if p.is_empty() {
                    self.postings.remove(t);
                }
            }
        }
    }

    /// At the first article of a new day, closes the stories that no
    /// article from that day on can join (their last article is more than
    /// the window before the day began). Done at day boundaries so that
    /// when it happens depends on the articles' times only.
    fn close_dormant(
        &mut self,
        published: Option<DateTime<FixedOffset>>,
        config: &Config,
        events: &mut Vec<Event>,
    ) {
        let Some(p) = published else { return };
        let day = p.timestamp().div_euclid(DAY);
        if self.day.is_some_and(|d| d >= day) {
            return;
        }
        self.day = Some(day);
        let cutoff = (day - config.window_days - 1) * DAY;
        let dormant: Vec<u64> = self
            .stories
            .iter()
            .filter(|(_, s)| s.last.is_some_and(|l| l.timestamp() < cutoff))
            .map(|(&k, _)| k)
            .collect();
        for k in dormant {
            let s = self.stories.remove(&k).expect("listed as live");
            self.unpost(k, &s.posted);
            for m in &s.members {
                self.story_of.remove(&m.id);
            }
            for f in &s.families {
                self.family_story.remove(f);
            }
            let summary = s.summary();
            events.push(Event::Closed(summary.clone()));
            self.keep_dormant(&s.profile, summary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, StoryInput};
    use wiretrace_core::{time::parse_datetime, InputFormat};

    /// Forty days of news from six fictional towns: each town has an event
    /// every few days, reported two or three times.
    fn stream() -> Vec<Article> {
        let towns = ["Aldren", "Brisk", "Colm", "Dunmere", "Eskar", "Falloway"];
        let events = [
            "council votes on a new tram depot",
            "floods close the river road",
            "the mill strike enters its second week",
            "a fire destroys the old market hall",
        ];
        let mut out = Vec::new();
        for day in 0..40u32 {
            for (t, town) in towns.iter().enumerate() {
                if !(day as usize + t).is_multiple_of(3) {
                    continue;
                }
                let what = events[(day as usize / 3 + t) % events.len()];
                for report in 0..(2 + day % 2) {
                    let mut a = Article::from_paragraphs(
                        ArticleId(format!("{town}-{day:02}-{report}")),
                        &[&format!("In {town}, {what}, mayor Ilse {town}sen said on day {day}."), &format!("Residents of {town} gathered at the {town} square; report {report}.")],
                        InputFormat::Text,
                        "test",
                    );
                    a.title = Some(format!("{town}: {what}"));
                    a.published = parse_datetime(&format!("2025-01-01T{:02}:00:00Z", 6 + report))
                        .map(|d| d + chrono::Duration::days(day.into()));
                    a.site = Some(format!("outlet-{report}"));
                    out.push(a);
                }
            }
        }
        out
    }

    fn run(articles: &[&Article], state: Option<Clusterer>, outcome: &mut Outcome) -> Clusterer {
        let config = Config::default();
        let mut input = StoryInput::new(&[], &[]);
        let mut c = state.unwrap_or_default();
        for (a, terms) in input.terms_ahead(articles) {
            outcome.apply(input.add(&mut c, a, terms, &config));
        }
        c
    }

    #[test]
    fn posting_merges_new_terms_as_inserting_them_one_by_one_would() {
        let mut seed: u64 = 7;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for case in 0..200u64 {
            let (mut postings, mut posted) = (HashMap::default(), Vec::new());
            let (mut want_postings, mut want_posted): (HashMap<u32, Vec<u64>>, Vec<u32>) =
                Default::default();
            for k in 0..4 {
                let terms: Vec<u32> = (0..next(40)).map(|_| next(60) as u32).collect();
                post(
                    &mut postings,
                    &mut posted,
                    case * 10 + k,
                    terms.iter().copied(),
                );
                for &t in &terms {
                    if let Err(at) = want_posted.binary_search(&t) {
                        want_posted.insert(at, t);
                        want_postings.entry(t).or_default().push(case * 10 + k);
                    }
                }
            }
            assert_eq!(posted, want_posted);
            assert_eq!(postings, want_postings);
        }
    }

    #[test]
    fn candidates_are_the_stories_listed_most_often_ties_by_key() {
        // The reference: count by sorting, as plainly as it can be written.
        fn reference(
            lists: &[Vec<u64>],
            max: usize,
            except: Option<u64>,
            limit: usize,
        ) -> Vec<u64> {
            let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
            for l in lists.iter().filter(|l| l.len() <= max) {
                for &k in l {
                    *counts.entry(k).or_default() += 1;
                }
            }
            let mut v: Vec<(usize, u64)> = counts
                .into_iter()
                .filter(|&(k, _)| Some(k) != except)
                .map(|(k, n)| (n, k))
                .collect();
            v.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            v.into_iter().take(limit).map(|(_, k)| k).collect()
        }
        let mut tally = Tally::default();
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..200 {
            let lists: Vec<Vec<u64>> = (0..next(30))
                .map(|_| {
                    let mut l: Vec<u64> = (0..next(12)).map(|_| next(40)).collect();
                    l.sort_unstable();
                    l.dedup();
                    l
                })
                .collect();
            let (max, except, limit) =
                (1 + next(10) as usize, Some(next(40)), 1 + next(20) as usize);
            let got = most_shared(
                &mut tally,
                lists.iter().map(|l| l.iter()),
                max,
                except,
                limit,
            );
            assert_eq!(got, reference(&lists, max, except, limit), "round {round}");
            // The tally is left clean for the next call.
            assert!(tally.counts.iter().all(|&c| c == 0) && tally.touched.is_empty());
        }
    }

    #[test]
    fn a_stream_resumed_from_a_saved_state_gives_what_one_run_gives() {
        let mut arts = stream();
        // Undated copies of some reports, under other ids: they come last
        // and are held across the saved states until the end.
        let undated: Vec<Article> = arts
            .iter()
            .step_by(9)
            .map(|a| {
                let mut u = a.clone();
                u.id = ArticleId(format!("undated-{}", a.id));
                u.published = None;
                u
            })
            .collect();
        arts.extend(undated);
        let refs: Vec<&Article> = arts.iter().collect();
        let mut whole = Outcome::default();
        let mut c = run(&refs, None, &mut whole);
        let whole = whole.finish(&mut c, &Config::default());
        let undated_placed = whole
            .0
            .iter()
            .filter(|a| a.id.0.starts_with("undated-"))
            .count();
        assert!(undated_placed > 10, "{undated_placed}");

        let mut pieces = Outcome::default();
        let mut state: Option<Clusterer> = None;
        for piece in refs.chunks(37) {
            let c = run(piece, state.take(), &mut pieces);
            let mut saved: Clusterer =
                serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            saved.restore();
            state = Some(saved);
        }
        let pieces = pieces.finish(&mut state.unwrap(), &Config::default());
        assert_eq!(whole, pieces);
        assert!(whole.1.len() > 20, "{}", whole.1.len());
    }

    #[test]
    fn stories_close_after_their_window_and_only_live_ones_are_held() {
        let arts = stream();
        let refs: Vec<&Article> = arts.iter().collect();
        let mut outcome = Outcome::default();
        let c = run(&refs, None, &mut outcome);
        // Each town's events are days apart, so at most the stories of the
        // last window (seven days and the current one) are live.
        assert!(c.live_stories() <= 6 * 9, "{}", c.live_stories());
        assert!(outcome.stories.len() > c.live_stories());
        // A closed story's summary is final: its articles are all placed
        // in it, in time order.
        for s in &outcome.stories {
            for id in &s.articles {
                let a = outcome.assignments.iter().find(|a| &a.id == id).unwrap();
                assert_eq!(a.story, s.id);
            }
            assert!(s.first_seen <= s.last_seen);
        }
    }
}

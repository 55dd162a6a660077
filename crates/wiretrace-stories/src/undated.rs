//! Undated articles grouped among themselves, without regard to order.
//!
//! An article with no date has no place in the stream: taken one at a time
//! (in id order, the only order left), the first report of an event finds
//! no story of its own yet and joins the nearest one it resembles, and the
//! next reports follow it there. So the undated articles are held back to
//! the end and grouped first among themselves, by agglomerative
//! clustering (the most similar pair first) under the same rules as the
//! online clustering: an article joins a group at the join threshold, or
//! because it shares a passage with a member (credited the passage link);
//! two groups merge at the merge threshold, on their profiles alone; and
//! specific terms in common. The clusterer then places each group.

use crate::clusterer::{
    core_of, most_shared, Tally, MAX_CANDIDATES, MAX_TERM_STORIES, SPECIFIC_SHARED,
};
use crate::profile::{Profile, Vocabulary};
use crate::Config;
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use wiretrace_core::union_find::find_root;

/// A group of undated articles (by index into the items grouped): its
/// candidates, core and rules are a story's (see the clusterer's constants).
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub members: Vec<usize>,
    pub profile: Profile,
    /// The profile's strongest terms, sorted by id.
    pub core: Vec<u32>,
    strongest: Vec<u32>,
}

impl Group {
    fn new(members: Vec<usize>, profile: Profile) -> Self {
        let (core, strongest) = core_of(&profile);
        Group {
            members,
            profile,
            core,
            strongest,
        }
    }

    pub fn in_core(&self, t: u32) -> bool {
        self.core.binary_search(&t).is_ok()
    }
}

/// A pair that may merge, by score (highest first, ties by the lower keys
/// first, so the order is total): two groups, or two articles sharing a
/// passage (`link`), whose groups merge if one of them is still the
/// article alone.
#[derive(Debug, PartialEq)]
struct Pair {
    score: f64,
    link: bool,
    a: usize,
    b: usize,
}

impl Eq for Pair {}

impl Ord for Pair {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.link.cmp(&other.link))
            .then((other.a, other.b).cmp(&(self.a, self.b)))
    }
}

impl PartialOrd for Pair {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct Grouping<'v> {
    vocab: &'v Vocabulary,
    config: &'v Config,
    /// Groups by key; `None` once merged into another.
    groups: Vec<Option<Group>>,
    /// What each group key was merged into (a union-find forest whose
    /// roots are the live groups; an article's first key is its index).
    merged: Vec<usize>,
    postings: HashMap<u32, Vec<u64>>,
    tally: Tally,
}

impl Grouping<'_> {
    fn post(&mut self, key: usize) {
        let g = self.groups[key].as_ref().expect("posted group is alive");
        for &t in &g.strongest {
            self.postings.entry(t).or_default().push(key as u64);
        }
    }

    fn unpost(&mut self, key: usize) {
        let g = self.groups[key].as_ref().expect("unposted group is alive");
        for t in &g.strongest {
            if let Some(p) = self.postings.get_mut(t) {
                p.retain(|&k| k != key as u64);
            }
        }
    }

    /// The score of merging groups `a` and `b`, if they may merge.
    fn score(&self, a: usize, b: usize) -> Option<f64> {
        let (ga, gb) = (self.groups[a].as_ref()?, self.groups[b].as_ref()?);
        let sim = ga.profile.cosine(&gb.profile) * self.config.undated_factor;
        // An article joins a group at the join threshold; two groups merge
        // at the merge threshold, as stories do.
        let single = ga.members.len() == 1 || gb.members.len() == 1;
        let need = if single {
            self.config.threshold
        } else {
            self.config.merge_threshold
        };
        // The smaller side's terms against the larger side's core, as an
        // article's against a story's.
        let (small, large) = if (ga.members.len(), a) <= (gb.members.len(), b) {
            (ga, gb)
        } else {
            (gb, ga)
        };
        (sim >= need
            && self.vocab.share_specific(
                small.profile.terms(),
                |t| large.in_core(t),
                SPECIFIC_SHARED,
            ))
        .then_some(sim)
    }

    /// Merges live groups `a` and `b` into a new one, whose key it returns.
    fn merge(&mut self, a: usize, b: usize) -> usize {
        self.unpost(a);
        self.unpost(b);
        let ga = self.groups[a].take().expect("alive");
        let gb = self.groups[b].take().expect("alive");
        // The smaller list is appended to the larger (sorted at the end):
        // a group growing one article at a time is not re-sorted each time.
        let (mut members, smaller) = if ga.members.len() >= gb.members.len() {
            (ga.members, gb.members)
        } else {
            (gb.members, ga.members)
        };
        let key = self.groups.len();
        self.merged.push(key);
        self.merged[a] = key;
        self.merged[b] = key;
        members.extend(smaller);
        let mut profile = ga.profile;
        profile.add(&gb.profile);
        self.groups.push(Some(Group::new(members, profile)));
        self.post(key);
        key
    }

    /// The pairs group `key` may merge into (live groups sharing its
    /// strongest terms, scored), onto the heap.
    fn propose(&mut self, key: usize, heap: &mut BinaryHeap<Pair>) {
        let g = self.groups[key].as_ref().expect("alive");
        let lists = g
            .strongest
            .iter()
            .filter_map(|t| self.postings.get(t))
            .map(|p| p.iter());
        let found = most_shared(
            &mut self.tally,
            lists,
            MAX_TERM_STORIES,
            Some(key as u64),
            MAX_CANDIDATES,
        );
        for other in found.into_iter().map(|k| k as usize) {
            if let Some(score) = self.score(key, other) {
                heap.push(Pair {
                    score,
                    link: false,
                    a: key.min(other),
                    b: key.max(other),
                });
            }
        }
    }
}

/// Groups items (undated articles) given their profiles and, for each,
/// the items it shares a passage with. Every item is in exactly one
/// group; groups come in order of their first member, members in order.
/// The result depends on the items' order only through ties.
pub(crate) fn group_undated(
    profiles: &[Profile],
    links: &[Vec<usize>],
    vocab: &Vocabulary,
    config: &Config,
) -> Vec<Group> {
    let n = profiles.len();
    let mut grouping = Grouping {
        vocab,
        config,
        groups: profiles
            .iter()
            .enumerate()
            .map(|(i, p)| Some(Group::new(vec![i], p.clone())))
            .collect(),
        merged: (0..n).collect(),
        postings: HashMap::default(),
        tally: Tally::default(),
    };
    for key in 0..n {
        grouping.post(key);
    }
    let mut heap = BinaryHeap::new();
    for key in 0..n {
        grouping.propose(key, &mut heap);
    }
    for (a, linked) in links.iter().enumerate() {
        for &b in linked.iter().filter(|&&b| a < b) {
            let alone = |k: usize| grouping.groups[k].as_ref().expect("each article alone");
            let sim = alone(a).profile.cosine(&alone(b).profile) * config.undated_factor;
            // Above every pair scored by similarity alone (at most the
            // undated factor), the most similar linked pairs first: two
            // reports of one event sharing a passage are taken before a
            // passage one of them shares with another event's report.
            heap.push(Pair {
                score: config.passage_link.max(config.undated_factor) + sim,
                link: true,
                a,
                b,
            });
        }
    }
    while let Some(Pair { link, a, b, .. }) = heap.pop() {
        let (a, b) = if link {
            // Articles: an article joins the group of one it shares a
            // passage with; two groups do not merge through one link.
            let ga = find_root(&mut grouping.merged, a);
            let gb = find_root(&mut grouping.merged, b);
            let size = |k: usize| grouping.groups[k].as_ref().map_or(0, |g| g.members.len());
            if ga == gb || (size(ga) > 1 && size(gb) > 1) {
                continue;
            }
            (ga, gb)
        } else {
            (a, b)
        };
        if grouping.groups[a].is_none() || grouping.groups[b].is_none() {
            continue;
        }
        let key = grouping.merge(a, b);
        grouping.propose(key, &mut heap);
    }
    let mut groups: Vec<Group> = grouping.groups.into_iter().flatten().collect();
    for g in groups.iter_mut() {
        g.members.sort_unstable();
    }
    groups.sort_unstable_by_key(|g| g.members[0]);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::article_terms;
    use wiretrace_core::{Article, ArticleId, InputFormat};

    fn profiles(texts: &[&str]) -> (Vec<Profile>, Vocabulary) {
        let mut vocab = Vocabulary::default();
        // A background of other news, so that names are specific.
        let filler: Vec<String> = (0..40)
            .map(|k| format!("The council of Town{k} met on Monday about item {k}."))
            .collect();
        let all: Vec<&str> = filler
            .iter()
            .map(String::as_str)
            .chain(texts.iter().copied())
            .collect();
        let mut out = Vec::new();
        for (k, t) in all.iter().enumerate() {
            let a =
                Article::from_paragraphs(ArticleId(format!("a{k}")), &[t], InputFormat::Text, "t");
            let tf = vocab.observe(article_terms(&a));
            if k >= filler.len() {
                out.push(vocab.profile(&tf));
            }
        }
        (out, vocab)
    }

    fn members(groups: &[Group]) -> Vec<Vec<usize>> {
        groups.iter().map(|g| g.members.clone()).collect()
    }

    #[test]
    fn a_passage_brings_an_article_into_a_group_but_does_not_join_two_groups() {
        let (p, vocab) = profiles(&[
            "Dockworkers at Port Aldren walked out over pay, Mara Lindqvist said.",
            "Port Aldren dockworkers stayed out over pay, Mara Lindqvist said.",
            "Veldt council approved the airport tram line, mayor Oskar Fenn said.",
            "The airport tram line in Veldt was approved, Oskar Fenn said.",
            "Weather: rain over the hills, sun by the coast on Sunday.",
        ]);
        // Each report shares a passage with the other of its event; one
        // report of each event shares one with the other event's; the
        // weather shares one with the first strike report.
        let links = vec![vec![1, 4], vec![0, 2], vec![1, 3], vec![2], vec![0]];
        let groups = group_undated(&p, &links, &vocab, &Config::default());
        assert_eq!(members(&groups), vec![vec![0, 1, 4], vec![2, 3]]);
    }

    #[test]
    fn the_grouping_does_not_depend_on_the_order_of_the_articles() {
        let texts = [
            "Dockworkers at Port Aldren walked out over pay, Mara Lindqvist said.",
            "Veldt council approved the airport tram line, mayor Oskar Fenn said.",
            "Port Aldren dockworkers stayed out over pay, Mara Lindqvist said.",
            "The airport tram line in Veldt was approved, Oskar Fenn said.",
            "Mara Lindqvist said the Port Aldren strike over pay would go on.",
        ];
        let (p, vocab) = profiles(&texts);
        let none = vec![Vec::new(); texts.len()];
        let forward = group_undated(&p, &none, &vocab, &Config::default());
        assert_eq!(members(&forward), vec![vec![0, 2, 4], vec![1, 3]]);
        // The same articles backwards: the same groups, indices mirrored.
        let reversed: Vec<Profile> = p.into_iter().rev().collect();
        let backward = group_undated(&reversed, &none, &vocab, &Config::default());
        let mut mirrored: Vec<Vec<usize>> = members(&backward)
            .into_iter()
            .map(|g| {
                let mut g: Vec<usize> = g.into_iter().map(|i| texts.len() - 1 - i).collect();
                g.sort_unstable();
                g
            })
            .collect();
        mirrored.sort();
        assert_eq!(mirrored, members(&forward));
    }
}

//! # wiretrace-stories
//!
//! Groups articles into *stories* (one real-world event or development)
//! online: articles are taken in publication order and each joins the most
//! similar live story, or starts a new one. Copies of one family always share
//! a story and count once in its profile, so a wire story reprinted fifty
//! times does not drag the story's centre.
//!
//! An article's profile weights its title and lead above its tail and capitalised
//! names above common words (TF-IDF over the articles being clustered).
//! Stories go dormant when nothing joins them for [`Config::window_days`].
//!
//! Input: articles, their copy families, and which pairs share passages (the
//! reuse stage's results). Output: one [`Assignment`] per article, with the
//! reason it joined, and a [`Story`] summary per story. No I/O.

mod profile;
pub mod timeline;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use wiretrace_core::{time::time_order, union_find::find_root, Article, ArticleId};
use wiretrace_reuse::FamilyAssignment;

pub use profile::{Profile, Vocabulary};
pub use timeline::{tellers, timeline, DatedEvent};

/// Tunable parameters of the online clustering.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cosine similarity to a story's profile needed to join it.
    pub threshold: f64,
    /// Similarity credited to an article that shares a passage with a member.
    pub passage_link: f64,
    /// A story takes no article published more than this many days after its
    /// last one.
    pub window_days: i64,
    /// Similarity is scaled by `1 / (1 + gap / time_scale_days)`, the gap
    /// being the days since the story's latest article: the reports of one
    /// event come out together, while a saga's next event comes days later.
    /// Where either time is unknown the gap counts as `time_scale_days`.
    pub time_scale_days: f64,
    /// Two stories whose profiles are this similar (time-scaled likewise)
    /// are merged after the online pass; above 1, never.
    pub merge_threshold: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: 0.12,
            passage_link: 0.5,
            window_days: 7,
            time_scale_days: 5.0,
            merge_threshold: 0.2,
        }
    }
}

impl Config {
    /// The defaults, overridden for evaluation runs by the settings `var`
    /// gives: `WIRETRACE_STORY_THRESHOLD` (cosine needed to join a story),
    /// `WIRETRACE_STORY_TIME_SCALE` (days) and `WIRETRACE_STORY_MERGE`. The
    /// caller reads them (from the environment, at the program's edge).
    pub fn with_settings(var: impl Fn(&str) -> Option<String>) -> Config {
        let var = |name: &str| var(name).and_then(|v| v.parse::<f64>().ok());
        let mut c = Config::default();
        if let Some(t) = var("WIRETRACE_STORY_THRESHOLD") {
            c.threshold = t;
        }
        if let Some(t) = var("WIRETRACE_STORY_TIME_SCALE") {
            c.time_scale_days = t;
        }
        if let Some(t) = var("WIRETRACE_STORY_MERGE") {
            c.merge_threshold = t;
        }
        c
    }
}

/// Why an article is in its story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: ArticleId,
    pub story: String,
    /// Similarity to the story when the article joined (1 for a copy, 0 for
    /// the article that started the story).
    pub similarity: f64,
    pub reason: String,
}

/// A story's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub id: String,
    pub headline: Option<String>,
    pub first_seen: Option<DateTime<FixedOffset>>,
    pub last_seen: Option<DateTime<FixedOffset>>,
    /// Members in time order.
    pub articles: Vec<ArticleId>,
    pub outlets: Vec<String>,
}

/// A term held by more stories than this is too common to find candidates
/// by (the stories that matter share rarer terms too).
const MAX_TERM_STORIES: usize = 2_000;
/// Candidate stories are those holding one of an article's this many
/// strongest terms (or sharing a passage with it).
const CANDIDATE_TERMS: usize = 30;
/// Of those, at most this many (the ones sharing most of those terms) are
/// scored.
const MAX_CANDIDATES: usize = 64;
/// Terms held by more stories than this propose no merges.
const MAX_MERGE_POSTINGS: usize = 200;

struct Live {
    id: String,
    profile: Profile,
    last: Option<DateTime<FixedOffset>>,
    members: Vec<usize>,
}

/// The order articles are taken in: dated ones by time, then undated; ties by id.
fn arrival_order(articles: &[&Article]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (articles[x], articles[y]);
        (time_order(a.published), &a.id).cmp(&(time_order(b.published), &b.id))
    });
    order
}

/// Clusters `articles` into stories. `families` gives each article's copy
/// family (articles missing from it are their own family); `links` lists
/// pairs that share a passage.
pub fn cluster(
    articles: &[&Article],
    families: &[FamilyAssignment],
    links: &[(ArticleId, ArticleId)],
    config: &Config,
) -> (Vec<Assignment>, Vec<Story>) {
    let index: HashMap<&ArticleId, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (&a.id, i))
        .collect();
    let family_of: HashMap<&ArticleId, &ArticleId> =
        families.iter().map(|f| (&f.id, &f.family)).collect();
    let mut linked: HashMap<usize, Vec<usize>> = HashMap::new();
    for (a, b) in links {
        if let (Some(&x), Some(&y)) = (index.get(a), index.get(b)) {
            linked.entry(x).or_default().push(y);
            linked.entry(y).or_default().push(x);
        }
    }
    let (vocab, raw) = Vocabulary::build(articles);
    let profiles: Vec<Profile> = raw.iter().map(|tf| vocab.profile(tf)).collect();
    // Term → stories whose profile holds it: only stories sharing one of an
    // article's strongest terms are scored.
    let mut postings: HashMap<u32, Vec<usize>> = HashMap::new();

    let mut stories: Vec<Live> = Vec::new();
    let mut story_of: Vec<Option<usize>> = vec![None; articles.len()];
    let mut family_story: HashMap<&ArticleId, usize> = HashMap::new();
    let mut assignments: Vec<Option<Assignment>> = vec![None; articles.len()];

    let time_factor =
        |p: Option<DateTime<FixedOffset>>, last: Option<DateTime<FixedOffset>>| match (p, last) {
            (Some(p), Some(l)) => {
                let gap = (p - l).num_seconds().unsigned_abs() as f64 / 86_400.0;
                1.0 / (1.0 + gap / config.time_scale_days)
            }
            // An unknown gap counts as a typical one.
            _ => 0.5,
        };
    for i in arrival_order(articles) {
        let a = articles[i];
        let family = family_of.get(&a.id).copied().unwrap_or(&a.id);
        if let Some(&s) = family_story.get(family) {
            // A copy of an article already placed: same story, counted once.
            story_of[i] = Some(s);
            stories[s].members.push(i);
            stories[s].last = stories[s].last.max(a.published);
            assignments[i] = Some(Assignment {
                id: a.id.clone(),
                story: stories[s].id.clone(),
                similarity: 1.0,
                reason: format!("copy of {family}"),
            });
            continue;
        }
        let live = |s: &Live| match (a.published, s.last) {
            (Some(p), Some(l)) => (p - l).num_days() <= config.window_days,
            _ => true,
        };
        let mut best: Option<(usize, f64, Option<usize>)> = None;
        let mut candidates: Vec<usize> = profiles[i]
            .strongest_terms(CANDIDATE_TERMS)
            .into_iter()
            .filter_map(|t| postings.get(&t))
            .filter(|p| p.len() <= MAX_TERM_STORIES)
            .flatten()
            .copied()
            .collect();
        // Stories holding an article that shares a passage with this one,
        // with the first such article (in input order) as the witness.
        let mut linked_story: HashMap<usize, usize> = HashMap::new();
        for &l in linked.get(&i).map_or(&[][..], |v| v.as_slice()) {
            if let Some(s) = story_of[l] {
                linked_story.entry(s).or_insert(l);
            }
        }
        // The stories sharing most strong terms are scored, plus the linked.
        candidates.sort_unstable();
        let mut counted: Vec<(usize, usize)> = candidates
            .chunk_by(|x, y| x == y)
            .map(|run| (run.len(), run[0]))
            .collect();
        counted.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        let mut candidates: Vec<usize> = counted
            .into_iter()
            .take(MAX_CANDIDATES)
            .map(|(_, s)| s)
            .collect();
        candidates.extend(linked_story.keys().copied());
        candidates.sort_unstable();
        candidates.dedup();
        for s in candidates {
            let story = &stories[s];
            if !live(story) {
                continue;
            }
            let sim = profiles[i].cosine(&story.profile) * time_factor(a.published, story.last);
            let (score, via) = match linked_story.get(&s) {
                Some(&l) if config.passage_link > sim => (config.passage_link, Some(l)),
                _ => (sim, None),
            };
            // Words of a kind of event (strike, walkout, union) are not
            // enough: a similar article joins only if it also shares a
            // specific term (a name, a place, a detail) with the story.
            if score >= config.threshold
                && best.as_ref().is_none_or(|(_, b, _)| score > *b)
                && (via.is_some() || vocab.share_specific(&profiles[i], &story.profile))
            {
                best = Some((s, score, via));
            }
        }
        let s = match best {
            Some((s, score, via)) => {
                // The reason is written for the winner only.
                let why = match via {
                    Some(l) => format!("shares a passage with {}", articles[l].id),
                    None => format!(
                        "similarity {score:.2}; shared terms: {}",
                        profiles[i]
                            .shared_terms(&stories[s].profile, 6)
                            .into_iter()
                            .map(|t| vocab.term(t))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                assignments[i] = Some(Assignment {
                    id: a.id.clone(),
                    story: stories[s].id.clone(),
                    similarity: score,
                    reason: why,
                });
                s
            }
            None => {
                stories.push(Live {
                    id: format!("s-{}", a.id),
                    profile: Profile::default(),
                    last: None,
                    members: Vec::new(),
                });
                let s = stories.len() - 1;
                assignments[i] = Some(Assignment {
                    id: a.id.clone(),
                    story: stories[s].id.clone(),
                    similarity: 0.0,
                    reason: "first article of the story".into(),
                });
                s
            }
        };
        story_of[i] = Some(s);
        family_story.insert(family, s);
        for t in profiles[i].terms() {
            if !stories[s].profile.holds(t) {
                postings.entry(t).or_default().push(s);
            }
        }
        stories[s].profile.add(&profiles[i]);
        stories[s].members.push(i);
        stories[s].last = stories[s].last.max(a.published);
    }

    // Two stories that turn out to be one (an early report started a second
    // story before the first had the words to take it) are merged: stories
    // sharing strong terms whose profiles are similar enough, time allowing.
    let n = stories.len();
    let mut root: Vec<usize> = (0..n).collect();
    let mut merge_reason: Vec<Option<(usize, f64)>> = vec![None; n];
    if config.merge_threshold <= 1.0 {
        let first: Vec<Option<DateTime<FixedOffset>>> = stories
            .iter()
            .map(|s| {
                s.members
                    .iter()
                    .filter_map(|&m| articles[m].published)
                    .min()
            })
            .collect();
        let mut by_term: HashMap<u32, Vec<usize>> = HashMap::new();
        for (k, st) in stories.iter().enumerate() {
            for t in st.profile.strongest_terms(CANDIDATE_TERMS) {
                by_term.entry(t).or_default().push(k);
            }
        }
        let mut pairs: Vec<(usize, usize)> = by_term
            .values()
            .filter(|v| v.len() <= MAX_MERGE_POSTINGS)
            .flat_map(|v| {
                v.iter()
                    .enumerate()
                    .flat_map(move |(k, &x)| v[k + 1..].iter().map(move |&y| (x.min(y), x.max(y))))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for (x, y) in pairs {
            // The gap between the two stories' spans, in the story order.
            let (earlier, later) = if first[x] <= first[y] { (x, y) } else { (y, x) };
            let factor = time_factor(first[later], stories[earlier].last.max(first[earlier]));
            let sim = stories[x].profile.cosine(&stories[y].profile) * factor;
            if sim >= config.merge_threshold
                && vocab.share_specific(&stories[x].profile, &stories[y].profile)
            {
                let (rx, ry) = (find_root(&mut root, x), find_root(&mut root, y));
                if rx != ry {
                    let (keep, gone) = (rx.min(ry), rx.max(ry));
                    root[gone] = keep;
                    merge_reason[gone] = Some((keep, sim));
                }
            }
        }
        for k in 0..n {
            root[k] = find_root(&mut root, k);
        }
    }
    let rank: HashMap<usize, usize> = arrival_order(articles)
        .into_iter()
        .enumerate()
        .map(|(r, i)| (i, r))
        .collect();
    for k in 0..n {
        let r = root[k];
        if r == k {
            continue;
        }
        let moved = std::mem::take(&mut stories[k].members);
        let profile = std::mem::take(&mut stories[k].profile);
        let why = merge_reason[k].map_or(String::new(), |(into, sim)| {
            format!(
                "; its story {} merged into {} (similarity {sim:.2})",
                stories[k].id, stories[into].id
            )
        });
        for &m in &moved {
            if let Some(a) = assignments[m].as_mut() {
                a.story = stories[r].id.clone();
                a.reason.push_str(&why);
            }
        }
        stories[r].profile.add(&profile);
        stories[r].members.extend(moved);
        stories[r].last = stories[r].last.max(stories[k].last);
    }
    for st in stories.iter_mut() {
        st.members.sort_by_key(|m| rank[m]);
    }
    let stories: Vec<Live> = stories
        .into_iter()
        .filter(|s| !s.members.is_empty())
        .collect();

    let summaries = stories
        .iter()
        .map(|s| {
            let headline = s
                .members
                .iter()
                .filter(|&&m| articles[m].title.is_some())
                .max_by(|&&x, &&y| {
                    profiles[x]
                        .cosine(&s.profile)
                        .total_cmp(&profiles[y].cosine(&s.profile))
                        .then(articles[y].id.cmp(&articles[x].id))
                })
                .and_then(|&m| articles[m].title.clone());
            let dates: Vec<DateTime<FixedOffset>> = s
                .members
                .iter()
                .filter_map(|&m| articles[m].published)
                .collect();
            let mut seen = HashSet::new();
            let outlets = s
                .members
                .iter()
                .filter_map(|&m| articles[m].site.clone())
                .filter(|o| seen.insert(o.clone()))
                .collect();
            Story {
                id: s.id.clone(),
                headline,
                first_seen: dates.iter().min().copied(),
                last_seen: dates.iter().max().copied(),
                articles: s.members.iter().map(|&m| articles[m].id.clone()).collect(),
                outlets,
            }
        })
        .collect();
    (assignments.into_iter().flatten().collect(), summaries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::{time::parse_datetime, InputFormat};

    fn art(id: &str, date: &str, title: &str, paras: &[&str]) -> Article {
        let mut a = Article::from_paragraphs(ArticleId(id.into()), paras, InputFormat::Text, id);
        a.published = parse_datetime(date);
        a.title = Some(title.into());
        a
    }

    fn strike(id: &str, date: &str) -> Article {
        art(id, date, "Dockworkers strike at Port Aldren", &["Dockworkers at Port Aldren walked out on Tuesday over pay, union leader Mara Lindqvist said.", "The Port Aldren Authority said its offer stood."])
    }

    fn tram() -> Article {
        art("tram", "2025-03-05", "Veldt approves tram line", &["Veldt city council approved a tram extension to the airport, mayor Oskar Fenn said.", "The line opens in 2029."])
    }

    fn story_of<'a>(a: &'a [Assignment], id: &str) -> &'a str {
        &a.iter().find(|x| x.id.0 == id).unwrap().story
    }

    #[test]
    fn related_reports_share_a_story_and_unrelated_ones_do_not() {
        let arts = [
            strike("s1", "2025-03-04"),
            strike("s2", "2025-03-05"),
            tram(),
        ];
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, stories) = cluster(&refs, &[], &[], &Config::default());
        assert_eq!(story_of(&a, "s1"), story_of(&a, "s2"));
        assert_ne!(story_of(&a, "s1"), story_of(&a, "tram"));
        assert_eq!(stories.len(), 2);
        let s = stories.iter().find(|s| s.articles.len() == 2).unwrap();
        assert_eq!(
            s.headline.as_deref(),
            Some("Dockworkers strike at Port Aldren")
        );
        assert!(s.first_seen < s.last_seen);
    }

    #[test]
    fn strikes_at_different_ports_on_one_day_are_different_stories() {
        // Twelve ports, one strike each, reported in the same words: only
        // the names tell them apart. Port Aldren's strike has two reports.
        let ports = [
            "Aldren", "Brisk", "Colm", "Dunmere", "Eskar", "Falloway", "Gint", "Hollin", "Ivra",
            "Jessup", "Korrin", "Lusk",
        ];
        let mut arts: Vec<Article> = ports
            .iter()
            .enumerate()
            .map(|(k, p)| {
                art(
                    &format!("port-{k}"),
                    &format!("2025-03-04T{:02}:00:00Z", 6 + k),
                    &format!("Dockworkers strike at Port {p}"),
                    &[&format!("Dockworkers at Port {p} walked out on Tuesday over pay, the union said, and pickets gathered at the gates before dawn."), "Managers said the offer stood and talks would resume."],
                )
            })
            .collect();
        arts.push(art("port-0-again", "2025-03-04T20:00:00Z", "Port Aldren strike enters second shift", &["Pickets at Port Aldren gathered at the gates as dockworkers stayed out over pay, the union said."]));
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, stories) = cluster(&refs, &[], &[], &Config::default());
        assert_eq!(story_of(&a, "port-0"), story_of(&a, "port-0-again"));
        assert_eq!(stories.len(), ports.len(), "{stories:#?}");
    }

    #[test]
    fn a_story_goes_dormant_after_its_window() {
        let arts = [strike("old", "2019-03-04"), strike("new", "2025-03-04")];
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, _) = cluster(&refs, &[], &[], &Config::default());
        assert_ne!(story_of(&a, "old"), story_of(&a, "new"));
    }

    #[test]
    fn copies_follow_their_family_and_order_does_not_matter() {
        let mut copy = tram();
        copy.id = ArticleId("tram-copy".into());
        copy.title = Some("Something else entirely".into());
        copy.published = parse_datetime("2025-03-06");
        let fams = vec![FamilyAssignment {
            id: ArticleId("tram-copy".into()),
            family: ArticleId("tram".into()),
            source: Some(ArticleId("tram".into())),
        }];
        let arts = [strike("s1", "2025-03-04"), tram(), copy];
        let forward: Vec<&Article> = arts.iter().collect();
        let backward: Vec<&Article> = arts.iter().rev().collect();
        let (a, _) = cluster(&forward, &fams, &[], &Config::default());
        let (mut b, _) = cluster(&backward, &fams, &[], &Config::default());
        assert_eq!(story_of(&a, "tram-copy"), story_of(&a, "tram"));
        assert!(a
            .iter()
            .find(|x| x.id.0 == "tram-copy")
            .unwrap()
            .reason
            .starts_with("copy of tram"));
        b.sort_by(|x, y| x.id.cmp(&y.id));
        let mut a = a;
        a.sort_by(|x, y| x.id.cmp(&y.id));
        assert_eq!(a, b);
    }

    #[test]
    fn stories_that_turn_out_to_be_one_are_merged() {
        let (a, b) = (
            strike("a", "2025-03-04T08:00:00Z"),
            strike("b", "2025-03-04T09:00:00Z"),
        );
        let refs = [&a, &b];
        // Nothing joins online, so each article starts a story...
        let apart = Config {
            threshold: 1.1,
            merge_threshold: 2.0,
            ..Config::default()
        };
        assert_eq!(cluster(&refs, &[], &[], &apart).1.len(), 2);
        // ...and the merge pass finds they are one.
        let merged = Config {
            merge_threshold: 0.5,
            ..apart
        };
        let (assignments, stories) = cluster(&refs, &[], &[], &merged);
        assert_eq!(stories.len(), 1);
        assert_eq!(stories[0].id, "s-a");
        assert_eq!(stories[0].articles.len(), 2);
        let b_why = &assignments.iter().find(|x| x.id.0 == "b").unwrap().reason;
        assert!(b_why.contains("merged into s-a"), "{b_why}");
    }
}

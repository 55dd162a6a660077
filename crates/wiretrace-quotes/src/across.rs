//! Who said what across articles: one quotation however many articles
//! carry it, and one entity however many articles name it.
//!
//! Both are pure functions of a *set* of analysed articles (each with its
//! copy family and story, which the caller takes from the reuse and story
//! stages): whatever order or batches the articles came in, the same set
//! gives the same quotations, entities and ids.
//!
//! - **Quotations.** Attributions whose words match are one quotation: the
//!   same words (case, accents, quotes and punctuation aside), or, for one
//!   of [`FUZZY_MIN_WORDS`] words or more, most of their word triples
//!   shared (a trimmed or lightly edited quote). Each article carrying it is
//!   a *carrier*; carriers of one copy family are credited to the family's
//!   source, and of those reporters the first in time is the quotation's
//!   first reporter. Each carrier's wording is compared with the first
//!   reporter's ([`Change`]).
//! - **Entities.** An article's entities (aliases already merged by the
//!   stage) are merged across a story by name: a surname alone ("Rubio")
//!   goes to the one full name of the story that ends with it ("Marco
//!   Rubio"), or that the article's own aliases give. Across stories,
//!   entities with one name are one entity.

use crate::{Attribution, Entity, EntityKind, Quotes, Speaker};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use wiretrace_core::text::for_each_token;
use wiretrace_core::union_find::find_root;
use wiretrace_core::{ArticleId, CharMap, Span};
use xxhash_rust::xxh3::xxh3_64;

/// Attributions of at least this many words may match with small
/// differences; shorter ones only word for word, and by the same speaker.
pub const FUZZY_MIN_WORDS: usize = 4;

/// Share of the word triples of the shorter of two attributions the other
/// must hold for them to be one quotation.
pub const FUZZY_SHARED: f64 = 0.6;

/// A word triple held by more distinct wordings than this says nothing of
/// who said what ("the United States"), and proposes no match.
pub const COMMON_TRIPLE: usize = 64;

/// One attribution with the texts its spans cut, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// Content spans, code points into the article's text.
    pub content: Vec<Span>,
    /// The content's text (split parts joined by " … ").
    pub text: String,
    pub cue: Option<Span>,
    pub cue_text: Option<String>,
    pub source: Option<Span>,
    pub source_text: Option<String>,
    pub speaker: Speaker,
    pub direct: bool,
}

/// What the stage finds in one article, with the texts cut: all that the
/// grouping across articles reads of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleQuotes {
    pub attributions: Vec<Said>,
    pub entities: Vec<Entity>,
}

/// The text of `spans` in `text`, parts joined by " … ".
pub fn cut(map: &CharMap, text: &str, spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| map.slice(text, *s).trim())
        .collect::<Vec<_>>()
        .join(" … ")
}

impl Said {
    pub fn of(map: &CharMap, text: &str, a: &Attribution) -> Said {
        let one = |s: &Option<Span>| s.map(|s| map.slice(text, s).to_string());
        Said {
            content: a.content.clone(),
            text: cut(map, text, &a.content),
            cue: a.cue,
            cue_text: one(&a.cue),
            source: a.source,
            source_text: one(&a.source),
            speaker: a.speaker.clone(),
            direct: a.direct,
        }
    }
}

impl ArticleQuotes {
    /// The stage's findings in `text` with their texts cut.
    pub fn of_text(text: &str, body: &[Span]) -> ArticleQuotes {
        Self::from_quotes(text, crate::analyze_text(text, body))
    }

    /// [`Self::of_text`], a failure of the stage on this text (a panic)
    /// caught and told as an error, so one bad article never stops the
    /// others.
    pub fn try_of_text(text: &str, body: &[Span]) -> Result<ArticleQuotes, String> {
        std::panic::catch_unwind(|| Self::of_text(text, body)).map_err(|e| {
            e.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| e.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the quotes stage failed".into())
        })
    }

    pub fn from_quotes(text: &str, q: Quotes) -> ArticleQuotes {
        let map = CharMap::new(text);
        ArticleQuotes {
            attributions: q
                .attributions
                .iter()
                .map(|a| Said::of(&map, text, a))
                .collect(),
            entities: q.entities,
        }
    }
}

/// One analysed article as the grouping reads it.
#[derive(Debug, Clone, Copy)]
pub struct Carried<'a> {
    pub id: &'a ArticleId,
    /// [`wiretrace_core::time::time_order`] of its publication time.
    pub when: (bool, i64),
    /// Its copy family, named by the family's original (its source, as the
    /// reuse stage chose it); itself when alone.
    pub family: &'a ArticleId,
    /// Its story, if it has been placed in one.
    pub story: Option<&'a str>,
    pub quotes: &'a ArticleQuotes,
}

/// How a carrier's wording stands beside the first reporter's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Word for word, punctuation included (spacing and quote marks aside).
    Same,
    /// The same words, other punctuation or case.
    Punctuation,
    /// A run of the first reporter's words, or the other way round.
    Trimmed,
    /// Other words.
    Words,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Punctuation => "punctuation",
            Change::Trimmed => "trimmed",
            Change::Words => "words",
        }
    }
}

/// One article carrying a quotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteCarrier {
    pub article: ArticleId,
    /// Index of the attribution in the article's [`ArticleQuotes`].
    pub attribution: usize,
    /// The reporter it is credited to: its family's source (or the first
    /// carrier of its family when the source does not carry the quote).
    pub reporter: ArticleId,
    pub change: Change,
}

/// One quotation and every article carrying it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quotation {
    /// `q` and 16 hex digits: of the first reporter and the words.
    pub id: String,
    /// The first reporter's wording.
    pub text: String,
    /// The speaker as the first reporter gives them (or the first carrier
    /// that names one, when the first reporter does not).
    pub speaker: Speaker,
    /// The speaker's entity across articles (see [`entities`]).
    pub speaker_entity: Option<usize>,
    pub direct: bool,
    /// The first reporter: the earliest reporter carrying it.
    pub first: ArticleId,
    /// The reporters (one per copy family carrying it), earliest first.
    pub reporters: Vec<ArticleId>,
    /// Every carrier, earliest first (the first reporter's carrier first).
    pub carriers: Vec<QuoteCarrier>,
    /// Entities (across articles) the first reporter's wording names.
    pub names: Vec<usize>,
}

/// An entity across articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryEntity {
    /// `e` and 16 hex digits of its name's key.
    pub id: String,
    pub name: String,
    pub kind: EntityKind,
    /// Titles given, most often given first.
    pub titles: Vec<String>,
    /// Other forms of the name, sorted.
    pub aliases: Vec<String>,
    /// The articles naming it, by id, with their mention counts.
    pub articles: Vec<(ArticleId, usize)>,
}

/// Entities across articles, and where each article's entities went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    /// Sorted by id.
    pub list: Vec<StoryEntity>,
    /// For each article (by its place in the input), each of its entities'
    /// index in `list`.
    pub of_article: Vec<Vec<usize>>,
}

impl Entities {
    /// Where entity `k` of article `article` (its place in the input) went
    /// in `list`; `None` for a name with no words.
    pub fn index(&self, article: usize, k: usize) -> Option<usize> {
        self.of_article
            .get(article)?
            .get(k)
            .copied()
            .filter(|&e| e != usize::MAX)
    }
}

/// The keys of a text's words, space-separated.
fn words_key(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(s, 0, &mut |_, k, _| out.push(k.to_string()));
    out
}

/// A text with spacing collapsed and quote marks and dashes unified: two
/// wordings equal by it differ by nothing a reader would see as a change.
fn surface(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().map(wiretrace_core::text::unify_punct));
    }
    out
}

fn hash_words(words: &[String]) -> u64 {
    xxh3_64(words.join(" ").as_bytes())
}

/// What a short attribution must share beyond its words: its speaker.
/// A short wording's speaker key: a short wording is one quotation per
/// speaker (in its grouping and its id), a longer one whoever says it.
fn short_speaker(words: &[String], speaker: &Speaker) -> Option<String> {
    (words.len() < FUZZY_MIN_WORDS).then(|| speaker_key(speaker))
}

fn speaker_key(s: &Speaker) -> String {
    match s {
        Speaker::Named { name, .. } => format!("n:{}", words_key(name).join(" ")),
        Speaker::Unnamed { description } => format!("u:{}", words_key(description).join(" ")),
        Speaker::Unknown => "?".into(),
    }
}

/// A name's key as [`entities`] compares it: the hash of its words' keys
/// (space-separated), which is also its entity's id, and how many words
/// it has and the hash of the last one's key (a surname alone).
#[derive(Clone, Copy)]
struct NameKey {
    words: usize,
    full: u64,
    last: u64,
}

impl NameKey {
    fn of(name: &str) -> NameKey {
        let words = words_key(name);
        NameKey {
            words: words.len(),
            full: hash_words(&words),
            last: words.last().map_or(0, |w| xxh3_64(w.as_bytes())),
        }
    }
}

/// Entities across `articles`: merged by name within each story (a
/// surname alone to the full name it ends), then across stories.
///
/// Names are compared by the hashes of their keys ([`NameKey`]), not the
/// keys' words: at 100,000 articles (1.45 million named entities) the
/// words took 465 MB.
pub fn entities(articles: &[Carried]) -> Entities {
    // Per story, the full names of people (and unplaced names) by the key
    // of their last word, and every alias key of a full name.
    let mut by_story: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut alone: Vec<usize> = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        match a.story {
            Some(s) => by_story.entry(s).or_default().push(i),
            None => alone.push(i),
        }
    }
    let keys: Vec<Vec<NameKey>> = articles
        .iter()
        .map(|a| {
            a.quotes
                .entities
                .iter()
                .map(|e| NameKey::of(&e.name))
                .collect()
        })
        .collect();
    // Each (article, entity) is given the key of the name it resolves to.
    let mut resolved: Vec<Vec<u64>> = keys
        .iter()
        .map(|ks| ks.iter().map(|k| k.full).collect())
        .collect();
    let groups = by_story
        .into_values()
        .chain(alone.into_iter().map(|i| vec![i]));
    for group in groups {
        // The full names (two words or more) of people and unplaced names,
        // and the short forms that point to them.
        let mut short: FxHashMap<u64, BTreeSet<u64>> = FxHashMap::default();
        for &i in &group {
            for (e, k) in articles[i].quotes.entities.iter().zip(&keys[i]) {
                if k.words < 2 || !matches!(e.kind, EntityKind::Person | EntityKind::Other) {
                    continue;
                }
                short.entry(k.last).or_default().insert(k.full);
                for alias in &e.aliases {
                    let ak = NameKey::of(alias);
                    if ak.words > 0 && ak.full != k.full {
                        short.entry(ak.full).or_default().insert(k.full);
                    }
                }
            }
        }
        for &i in &group {
            for (j, e) in articles[i].quotes.entities.iter().enumerate() {
                if keys[i][j].words >= 2 || e.kind == EntityKind::Place {
                    continue;
                }
                if let Some(full) = short.get(&resolved[i][j]) {
                    if full.len() == 1 {
                        resolved[i][j] = *full.iter().next().expect("one");
                    }
                }
            }
        }
    }
    // Across stories: one entity per key.
    struct Acc {
        names: BTreeMap<String, usize>,
        kinds: BTreeMap<EntityKind, usize>,
        titles: BTreeMap<String, usize>,
        aliases: BTreeSet<String>,
        /// Mentions by article, by its place in `articles`.
        articles: FxHashMap<usize, usize>,
    }
    let mut acc: BTreeMap<u64, Acc> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        for (j, e) in a.quotes.entities.iter().enumerate() {
            if keys[i][j].words == 0 {
                continue;
            }
            let key = resolved[i][j];
            let x = acc.entry(key).or_insert_with(|| Acc {
                names: BTreeMap::new(),
                kinds: BTreeMap::new(),
                titles: BTreeMap::new(),
                aliases: BTreeSet::new(),
                articles: FxHashMap::default(),
            });
            // A name resolved to a longer one is an alias of it.
            if keys[i][j].full == key {
                *x.names.entry(e.name.clone()).or_default() += 1;
            } else {
                x.aliases.insert(e.name.clone());
            }
            *x.kinds.entry(e.kind).or_default() += 1;
            for t in &e.titles {
                *x.titles.entry(t.clone()).or_default() += 1;
            }
            x.aliases.extend(e.aliases.iter().cloned());
            *x.articles.entry(i).or_default() += e.mentions.len();
        }
    }
    let most = |m: &BTreeMap<String, usize>| -> Option<String> {
        // Most often, then longest, then first in order.
        m.iter()
            .max_by(|a, b| {
                (a.1, a.0.chars().count())
                    .cmp(&(b.1, b.0.chars().count()))
                    .then(b.0.cmp(a.0))
            })
            .map(|(n, _)| n.clone())
    };
    let list: Vec<(u64, StoryEntity)> = acc
        .into_iter()
        .map(|(key, x)| {
            // (Every name counted is kept as a name or an alias.)
            let name = most(&x.names)
                .or_else(|| x.aliases.iter().next().cloned())
                .unwrap_or_default();
            let kind = x
                .kinds
                .iter()
                // Most votes; ties to the kind declared first.
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or(EntityKind::Other, |(k, _)| *k);
            let mut titles: Vec<(String, usize)> = x.titles.into_iter().collect();
            titles.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut aliases: Vec<String> = x.aliases.into_iter().collect();
            aliases.retain(|a| *a != name);
            let mut named: Vec<(ArticleId, usize)> = x
                .articles
                .into_iter()
                .map(|(i, n)| (articles[i].id.clone(), n))
                .collect();
            named.sort_unstable();
            let e = StoryEntity {
                id: format!("e{key:016x}"),
                name,
                kind,
                titles: titles.into_iter().map(|(t, _)| t).collect(),
                aliases,
                articles: named,
            };
            (key, e)
        })
        .collect();
    // (In key order, as `acc` is: by key is by id, the id being the key's
    // hash in fixed-width hex.)
    let place: FxHashMap<u64, usize> = list.iter().enumerate().map(|(n, (k, _))| (*k, n)).collect();
    let of_article = resolved
        .iter()
        .zip(&keys)
        .map(|(ks, names)| {
            ks.iter()
                .zip(names)
                .map(|(k, name)| match name.words {
                    0 => usize::MAX,
                    _ => place.get(k).copied().unwrap_or(usize::MAX),
                })
                .collect()
        })
        .collect();
    Entities {
        list: list.into_iter().map(|(_, e)| e).collect(),
        of_article,
    }
}

/// Bumped whenever the stage finds otherwise in one article (its rules,
/// word lists, model or [`ArticleQuotes`]): findings stored under another
/// version are found again.
pub const FINDINGS_VERSION: u32 = 8;

/// What quotations and entities are derived from besides each article's
/// findings: each article's id, time, family and story (as in
/// [`Carried`]), and the grouping's version. Equal stamps, equal results;
/// taken without the findings, so a store can tell cheaply that nothing
/// changed.
pub fn stamp<'a>(
    articles: impl Iterator<Item = (&'a ArticleId, (bool, i64), &'a ArticleId, Option<&'a str>)>,
) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(format!("v{FINDINGS_VERSION}.1\n").as_bytes());
    let mut rows: Vec<String> = articles
        .map(|(id, when, family, story)| {
            format!("{id}\t{when:?}\t{family}\t{}\n", story.unwrap_or(""))
        })
        .collect();
    rows.sort_unstable();
    for r in rows {
        h.update(r.as_bytes());
    }
    format!("{:032x}", h.digest128())
}

/// One attribution's place: (article, attribution).
type At = (usize, usize);

/// The quotations of `articles`, each with its carriers; `ents` is what
/// [`entities`] gave for the same articles. Sorted by first reporter's
/// time, then id.
pub fn quotations(articles: &[Carried], ents: &Entities) -> Vec<Quotation> {
    // Distinct wordings (by their words' keys) and who carries each.
    let mut wording_of: FxHashMap<u64, usize> = FxHashMap::default();
    let mut wordings: Vec<(Vec<String>, Vec<At>)> = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        for (j, s) in a.quotes.attributions.iter().enumerate() {
            let words = words_key(&s.text);
            if words.is_empty() {
                continue;
            }
            let mut h = hash_words(&words);
            if let Some(k) = short_speaker(&words, &s.speaker) {
                h = xxh3_64(format!("{h}\u{0}{k}").as_bytes());
            }
            let w = *wording_of.entry(h).or_insert_with(|| {
                wordings.push((words, Vec::new()));
                wordings.len() - 1
            });
            wordings[w].1.push((i, j));
        }
    }
    // The wordings in an order that does not depend on the input's: by
    // their words (ties cannot happen but for short ones' speakers).
    let mut order: Vec<usize> = (0..wordings.len()).collect();
    order.sort_by(|&x, &y| {
        let key = |w: usize| {
            let (i, j) = wordings[w].1[0];
            speaker_key(&articles[i].quotes.attributions[j].speaker)
        };
        wordings[x]
            .0
            .cmp(&wordings[y].0)
            .then_with(|| key(x).cmp(&key(y)))
    });
    // Wordings sharing most word triples are one quotation.
    let triples: Vec<FxHashSet<u64>> = order
        .iter()
        .map(|&w| {
            let words = &wordings[w].0;
            if words.len() < FUZZY_MIN_WORDS {
                return FxHashSet::default();
            }
            words.windows(3).map(hash_words).collect()
        })
        .collect();
    let mut holding: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (n, t) in triples.iter().enumerate() {
        for h in t {
            holding.entry(*h).or_default().push(n);
        }
    }
    let mut parent: Vec<usize> = (0..order.len()).collect();
    for (n, t) in triples.iter().enumerate() {
        let mut shared: FxHashMap<usize, usize> = FxHashMap::default();
        for h in t {
            let with = &holding[h];
            if with.len() > COMMON_TRIPLE {
                continue;
            }
            for &m in with {
                if m > n {
                    *shared.entry(m).or_default() += 1;
                }
            }
        }
        for (m, k) in shared {
            let least = t.len().min(triples[m].len()).max(1);
            if k as f64 >= FUZZY_SHARED * least as f64 {
                let (a, b) = (find_root(&mut parent, n), find_root(&mut parent, m));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<At>> = BTreeMap::new();
    for n in 0..order.len() {
        let root = find_root(&mut parent, n);
        groups
            .entry(root)
            .or_default()
            .extend(wordings[order[n]].1.iter().copied());
    }
    let said = |(i, j): At| &articles[i].quotes.attributions[j];
    let at_key = |(i, j): At| (articles[i].when, articles[i].id, j);
    let mut out: Vec<Quotation> = groups
        .into_values()
        .map(|mut ats| {
            ats.sort_by(|&x, &y| at_key(x).cmp(&at_key(y)));
            // One carrier per article: its first attribution of it.
            ats.dedup_by(|y, x| x.0 == y.0);
            // Each family's reporter: its original if that carries it,
            // else its first carrier.
            let mut reporter: BTreeMap<&ArticleId, At> = BTreeMap::new();
            for &x in &ats {
                let a = &articles[x.0];
                let e = reporter.entry(a.family).or_insert(x);
                if a.family == a.id {
                    *e = x;
                }
            }
            let mut reporters: Vec<At> = reporter.values().copied().collect();
            reporters.sort_by(|&x, &y| at_key(x).cmp(&at_key(y)));
            let first = reporters[0];
            let reference = said(first);
            let ref_words = words_key(&reference.text);
            let ref_surface = surface(&reference.text);
            let mut carriers: Vec<QuoteCarrier> = ats
                .iter()
                .map(|&x| {
                    let a = &articles[x.0];
                    let s = said(x);
                    let change = if x == first || surface(&s.text) == ref_surface {
                        Change::Same
                    } else {
                        let words = words_key(&s.text);
                        if words == ref_words {
                            Change::Punctuation
                        } else if runs_within(&words, &ref_words) || runs_within(&ref_words, &words)
                        {
                            Change::Trimmed
                        } else {
                            Change::Words
                        }
                    };
                    QuoteCarrier {
                        article: a.id.clone(),
                        attribution: x.1,
                        reporter: articles[reporter[a.family].0].id.clone(),
                        change,
                    }
                })
                .collect();
            // The first reporter's carrier first.
            let lead = carriers
                .iter()
                .position(|c| c.article == *articles[first.0].id)
                .unwrap_or(0);
            let lead = carriers.remove(lead);
            carriers.insert(0, lead);
            // The speaker: the first reporter's if named, else the first
            // carrier's that names one, else the first reporter's.
            let named = std::iter::once(first)
                .chain(ats.iter().copied())
                .find(|&x| matches!(said(x).speaker, Speaker::Named { .. }))
                .unwrap_or(first);
            let speaker = said(named).speaker.clone();
            let speaker_entity = match &speaker {
                Speaker::Named { entity, .. } => ents.index(named.0, *entity),
                _ => None,
            };
            // Entities named inside the first reporter's wording.
            let fa = &articles[first.0];
            let mut names: Vec<usize> = fa
                .quotes
                .entities
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    e.mentions.iter().any(|m| {
                        reference
                            .content
                            .iter()
                            .any(|c| c.start <= m.start && m.end <= c.end)
                    })
                })
                .filter_map(|(k, _)| ents.index(first.0, k))
                .collect();
            names.sort_unstable();
            names.dedup();
            // (A short wording is one quotation per speaker, as grouped:
            // its speaker is part of its id.)
            let mut key = format!("{}\u{0}{}", fa.id, ref_words.join(" "));
            if let Some(k) = short_speaker(&ref_words, &reference.speaker) {
                key = format!("{key}\u{0}{k}");
            }
            let id = format!("q{:016x}", xxh3_64(key.as_bytes()));
            Quotation {
                id,
                text: reference.text.clone(),
                speaker,
                speaker_entity,
                direct: reference.direct,
                first: fa.id.clone(),
                reporters: reporters
                    .iter()
                    .map(|&x| articles[x.0].id.clone())
                    .collect(),
                carriers,
                names,
            }
        })
        .collect();
    let when: FxHashMap<&ArticleId, (bool, i64)> =
        articles.iter().map(|a| (a.id, a.when)).collect();
    out.sort_by(|x, y| (when[&x.first], &x.id).cmp(&(when[&y.first], &y.id)));
    out
}

/// Whether `part` is a run of consecutive words of `whole`.
fn runs_within(part: &[String], whole: &[String]) -> bool {
    !part.is_empty() && part.len() < whole.len() && whole.windows(part.len()).any(|w| w == part)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::join_paragraphs;

    struct In {
        id: ArticleId,
        when: (bool, i64),
        family: ArticleId,
        story: Option<String>,
        q: ArticleQuotes,
    }

    fn art(id: &str, t: i64, family: &str, story: &str, paras: &[&str]) -> In {
        let (text, body) = join_paragraphs(paras);
        In {
            id: id.into(),
            when: (false, t),
            family: family.into(),
            story: Some(story.into()),
            q: ArticleQuotes::of_text(&text, &body),
        }
    }

    fn carried(v: &[In]) -> Vec<Carried<'_>> {
        v.iter()
            .map(|a| Carried {
                id: &a.id,
                when: a.when,
                family: &a.family,
                story: a.story.as_deref(),
                quotes: &a.q,
            })
            .collect()
    }

    fn run(v: &[In]) -> (Entities, Vec<Quotation>) {
        let c = carried(v);
        let e = entities(&c);
        let q = quotations(&c, &e);
        (e, q)
    }

    fn holding<'a>(qs: &'a [Quotation], words: &str) -> &'a Quotation {
        qs.iter()
            .find(|q| q.text.contains(words))
            .unwrap_or_else(|| panic!("none holds {words:?}: {qs:#?}"))
    }

    const WIRE: &[&str] = &[
        "Harbour Minister Ilse Marek said on Tuesday the docks of Lindqvist would reopen.",
        "\"The piers are safe again, and every crane has been checked twice,\" Marek told reporters.",
    ];

    #[test]
    fn one_article_giving_the_same_short_words_to_two_speakers_has_two_quotations() {
        let v = vec![art(
            "a",
            10,
            "a",
            "s",
            &[
                "\"Phony,\" Harbour Minister Ilse Marek said.",
                "\"Phony,\" Mayor Tomas Ferrow said.",
            ],
        )];
        let (_, qs) = run(&v);
        let phony: Vec<&Quotation> = qs.iter().filter(|q| q.text.contains("Phony")).collect();
        assert_eq!(phony.len(), 2, "{qs:#?}");
        assert_ne!(phony[0].id, phony[1].id, "{phony:#?}");
    }

    #[test]
    fn copies_carry_one_quotation_credited_to_their_source() {
        let v = vec![
            art("wire", 10, "wire", "s", WIRE),
            art(
                "copy-1",
                20,
                "wire",
                "s",
                &[
                    WIRE[0],
                    "\"The piers are safe again - and every crane has been checked twice!\" Marek told reporters.",
                ],
            ),
            art(
                "copy-2",
                30,
                "wire",
                "s",
                &[
                    WIRE[0],
                    "\"The piers are safe again,\" Marek told reporters.",
                ],
            ),
        ];
        let (_, qs) = run(&v);
        let q = holding(&qs, "piers are safe");
        assert_eq!(q.first, ArticleId::from("wire"));
        assert_eq!(q.carriers.len(), 3, "{q:#?}");
        let change = |id: &str| {
            q.carriers
                .iter()
                .find(|c| c.article == ArticleId::from(id))
                .unwrap()
                .change
        };
        assert_eq!(change("wire"), Change::Same);
        assert_eq!(change("copy-1"), Change::Punctuation);
        assert_eq!(change("copy-2"), Change::Trimmed);
        assert!(q
            .carriers
            .iter()
            .all(|c| c.reporter == ArticleId::from("wire")));
        match &q.speaker {
            Speaker::Named { name, .. } => assert_eq!(name, "Ilse Marek"),
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn independent_reports_have_a_first_reporter_and_later_ones() {
        let v = vec![
            art(
                "later",
                50,
                "later",
                "s",
                &["\"We will not pay a krone more for the tram,\" Mayor Tomas Ferrow said on Monday."],
            ),
            art(
                "first",
                40,
                "first",
                "s",
                &["Tomas Ferrow spoke on Monday.", "\"We will not pay a krone more for the tram,\" he said."],
            ),
        ];
        let (_, qs) = run(&v);
        let q = holding(&qs, "krone more");
        assert_eq!(q.first, ArticleId::from("first"));
        assert_eq!(
            q.reporters,
            [ArticleId::from("first"), ArticleId::from("later")]
        );
        assert_eq!(q.carriers[0].article, ArticleId::from("first"));
    }

    #[test]
    fn a_reworded_quote_stays_one_quotation_and_says_so() {
        let v = vec![
            art("wire", 10, "wire", "s", WIRE),
            art(
                "rewrite",
                20,
                "rewrite",
                "s",
                &[
                    "Ilse Marek, the harbour minister, spoke on Tuesday.",
                    "\"The piers are safe again, and each crane has been checked twice,\" Marek told reporters.",
                ],
            ),
            art(
                "other",
                30,
                "other",
                "s",
                &["Tomas Ferrow spoke.", "\"The trams will run on time from Monday,\" Ferrow said."],
            ),
        ];
        let (_, qs) = run(&v);
        let q = holding(&qs, "piers are safe");
        assert_eq!(q.carriers.len(), 2, "{qs:#?}");
        assert_eq!(
            q.reporters,
            [ArticleId::from("wire"), ArticleId::from("rewrite")]
        );
        assert_eq!(q.carriers[1].change, Change::Words);
        assert_eq!(holding(&qs, "trams will run").carriers.len(), 1);
    }

    #[test]
    fn a_text_the_stage_fails_on_is_an_error_for_that_article_alone() {
        // Overlapping body spans over a run of quotation marks and cues made
        // the stage panic once (its property test found it); whatever the
        // stage does with it now, the call returns.
        let t = "\"Marek\"\"\"told\"saidMr.according to\"Ilse\"\"\"Mr.told\"\"said\"Ilse\"Mr.";
        let n = t.chars().count();
        let body = [Span::new(34, 57.min(n)), Span::new(0, 63.min(n))];
        match ArticleQuotes::try_of_text(t, &body) {
            Ok(q) => assert!(q
                .attributions
                .iter()
                .all(|a| a.content.iter().all(|s| s.end <= n))),
            Err(e) => assert!(!e.is_empty()),
        }
        let fine =
            ArticleQuotes::try_of_text("\"We will stay,\" Ilse Marek said.", &[Span::new(0, 31)]);
        assert_eq!(fine.unwrap().attributions.len(), 1);
    }

    #[test]
    fn the_same_set_gives_the_same_result_in_any_order() {
        let mut v = vec![
            art("wire", 10, "wire", "s", WIRE),
            art("copy", 20, "wire", "s", WIRE),
            art(
                "other",
                5,
                "other",
                "t",
                &["\"Nobody should pay more to get to work,\" Mayor Tomas Ferrow said."],
            ),
        ];
        let a = run(&v);
        v.reverse();
        let mut b = run(&v);
        // (Entities list articles by place in the input.)
        b.0.of_article.reverse();
        assert_eq!(a.1, b.1);
        assert_eq!(a.0, b.0);
    }

    #[test]
    fn short_attributions_by_other_speakers_stay_apart() {
        let v = vec![
            art(
                "a",
                1,
                "a",
                "s",
                &["Ilse Marek spoke.", "\"Not this year,\" Ilse Marek said."],
            ),
            art(
                "b",
                2,
                "b",
                "s",
                &[
                    "Tomas Ferrow spoke.",
                    "\"Not this year,\" Tomas Ferrow said.",
                ],
            ),
        ];
        let (_, qs) = run(&v);
        assert_eq!(qs.len(), 2, "{qs:#?}");
    }

    #[test]
    fn a_surname_goes_to_the_full_name_across_a_storys_articles() {
        let v = vec![
            art(
                "a",
                1,
                "a",
                "s",
                &[
                    "US Secretary of State Marco Rubio visited the port.",
                    "Rubio said the talks would go on.",
                ],
            ),
            art(
                "b",
                2,
                "b",
                "s",
                &["Secretary Rubio said the fleet would stay."],
            ),
            art("c", 3, "c", "other story", &["Rubio said nothing."]),
        ];
        let c = carried(&v);
        let e = entities(&c);
        let rubio = e.list.iter().find(|x| x.name == "Marco Rubio").unwrap();
        let ids: Vec<&str> = rubio.articles.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "{:#?}", e.list);
        assert!(rubio.aliases.iter().any(|a| a == "Rubio"), "{rubio:?}");
        assert_eq!(rubio.kind, EntityKind::Person);
        let qs = quotations(&c, &e);
        let q = holding(&qs, "fleet would stay");
        assert_eq!(q.speaker_entity.map(|i| &e.list[i].name), Some(&rubio.name));
    }

    #[test]
    fn an_entity_kind_names_itself_as_it_is_serialised() {
        for k in [
            EntityKind::Person,
            EntityKind::Organisation,
            EntityKind::Place,
            EntityKind::Other,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}

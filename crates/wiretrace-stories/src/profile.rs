//! An article's term profile: TF-IDF with the title and lead weighted up.
//! Terms are interned to integer ids so profiles compare without hashing strings.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use wiretrace_core::{text::for_each_token, Article};

static STOPWORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../stopwords.txt")
        .split_whitespace()
        .collect()
});

/// Weight of a title word relative to a word of the tail.
const TITLE_WEIGHT: f64 = 3.0;
/// Weight of a word of the first paragraphs.
const LEAD_WEIGHT: f64 = 2.0;
/// Paragraphs that make the lead.
const LEAD_PARAGRAPHS: usize = 2;
/// Extra weight of a capitalised word inside a sentence (a name).
const NAME_BOOST: f64 = 4.0;
/// Terms kept in a story's profile.
const STORY_TERMS: usize = 400;

/// Interned terms and their document frequencies over the articles taken so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Vocabulary {
    #[serde(skip)]
    ids: HashMap<String, u32>,
    names: Vec<String>,
    df: Vec<u32>,
    docs: u32,
}

/// An article's terms with their weights (title and lead up, names up),
/// one entry per term in the order terms first occur, its weight the sum
/// over its occurrences: the costly part of taking an article, which
/// callers may compute in parallel ahead of [`Vocabulary::observe`].
pub fn article_terms(a: &Article) -> Vec<(String, f64)> {
    // Term → (first occurrence, summed weight). Weights are summed in
    // occurrence order, as `observe` would, so profiles are the same to the
    // bit; a string is made per distinct term, not per occurrence.
    let mut seen: HashMap<String, (u32, f64)> = HashMap::default();
    let mut push = |text: &str, weight: f64| {
        // Whether a word starts a sentence is read off the last character
        // before it that is not white space, met walking the text once.
        let mut chars = text.chars();
        let (mut at, mut last_mark, mut first) = (0usize, None, true);
        for_each_token(text, 0, &mut |span, key, capitalized| {
            while at < span.start {
                match chars.next() {
                    Some(c) if !c.is_whitespace() => last_mark = Some(c),
                    Some(_) => {}
                    None => break,
                }
                at += 1;
            }
            let sentence_start = std::mem::take(&mut first)
                || last_mark.is_some_and(|c| matches!(c, '.' | '!' | '?' | '"' | '“' | '”' | ':'));
            if key.chars().nth(1).is_none()
                || STOPWORDS.contains(key)
                || key.chars().all(|c| c.is_ascii_digit())
            {
                return;
            }
            let boost = if capitalized && !sentence_start {
                NAME_BOOST
            } else {
                1.0
            };
            let w = weight * boost;
            match seen.get_mut(key) {
                Some(e) => e.1 += w,
                None => {
                    let order = seen.len() as u32;
                    seen.insert(key.to_owned(), (order, w));
                }
            }
        });
    };
    if let Some(t) = &a.title {
        push(t, TITLE_WEIGHT);
    }
    let mut cursor = wiretrace_core::text::CharCursor::new(&a.text);
    for (p, span) in a.body.iter().enumerate() {
        push(
            cursor.slice(*span),
            if p < LEAD_PARAGRAPHS {
                LEAD_WEIGHT
            } else {
                1.0
            },
        );
    }
    let mut terms: Vec<(u32, String, f64)> = seen
        .into_iter()
        .map(|(t, (order, w))| (order, t, w))
        .collect();
    terms.sort_unstable_by_key(|x| x.0);
    terms.into_iter().map(|(_, t, w)| (t, w)).collect()
}

impl Vocabulary {
    /// Counts one more article holding `terms` (from [`article_terms`])
    /// and returns its raw term weights by term id, sorted.
    pub fn observe(&mut self, terms: Vec<(String, f64)>) -> Vec<(u32, f64)> {
        self.docs += 1;
        let mut tf: Vec<(u32, f64)> = terms
            .into_iter()
            .map(|(t, w)| match self.ids.get(&t) {
                Some(&id) => (id, w),
                None => {
                    let id = self.names.len() as u32;
                    self.ids.insert(t.clone(), id);
                    self.names.push(t);
                    self.df.push(0);
                    (id, w)
                }
            })
            .collect();
        // A stable sort: a term listed twice has its weights summed in the
        // order they come (article_terms lists each term once).
        tf.sort_by_key(|&(id, _)| id);
        tf.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        for &(id, _) in &tf {
            self.df[id as usize] += 1;
        }
        tf
    }

    /// Rebuilds the term lookup a deserialised vocabulary does not carry.
    pub fn restore(&mut self) {
        self.ids = self
            .names
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
    }

    /// Terms held by at most this many articles are specific: names,
    /// places and details of one event rather than the words of a kind of
    /// event. Grows with the collection (its square root, at least 3).
    pub fn specific_df(&self) -> u32 {
        ((self.docs as f64).sqrt() as u32).max(3)
    }

    /// Whether at least `need` of `terms` are specific (see
    /// [`Self::specific_df`]) and `in_core` (among a story's core terms).
    pub fn share_specific(
        &self,
        terms: impl Iterator<Item = u32>,
        in_core: impl Fn(u32) -> bool,
        need: usize,
    ) -> bool {
        let limit = self.specific_df();
        terms
            .filter(|&t| self.df[t as usize] <= limit && in_core(t))
            .take(need)
            .count()
            >= need
    }

    fn idf(&self, id: u32) -> f64 {
        ((self.docs as f64 + 1.0) / (self.df[id as usize] as f64 + 1.0)).ln() + 1.0
    }

    /// The term an id stands for.
    pub fn term(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// An article's L2-normalised TF-IDF profile from its raw term weights.
    pub fn profile(&self, tf: &[(u32, f64)]) -> Profile {
        let mut weights: Vec<(u32, f64)> = tf
            .iter()
            .map(|(id, f)| (*id, (1.0 + f.ln_1p()) * self.idf(*id)))
            .collect();
        let n = weights.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if n > 0.0 {
            weights.iter_mut().for_each(|(_, w)| *w /= n);
        }
        Profile {
            weights,
            norm: if n > 0.0 { 1.0 } else { 0.0 },
        }
    }
}

/// Orders weighted terms heaviest first, ties by term id (term ids are
/// unique in a profile, so the order is total and unstable sorts suffice).
fn heavier_first(a: &(u32, f64), b: &(u32, f64)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Cuts `weights` to its `k` heaviest entries (see [`heavier_first`]), in
/// no particular order: a selection, not a sort.
fn keep_heaviest(weights: &mut Vec<(u32, f64)>, k: usize) {
    if weights.len() > k {
        weights.select_nth_unstable_by(k, heavier_first);
        weights.truncate(k);
    }
}

/// A sparse term vector sorted by term id: an article's (normalised) or a
/// story's (the running sum of its articles').
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profile {
    weights: Vec<(u32, f64)>,
    norm: f64,
}

impl Profile {
    pub fn terms(&self) -> impl Iterator<Item = u32> + '_ {
        self.weights.iter().map(|(t, _)| *t)
    }

    /// Whether the profile holds term `t`.
    pub fn holds(&self, t: u32) -> bool {
        self.weights.binary_search_by_key(&t, |(x, _)| *x).is_ok()
    }

    /// The `k` heaviest terms, heaviest first (ties by term id).
    pub fn strongest_terms(&self, k: usize) -> Vec<u32> {
        let mut v = self.weights.clone();
        keep_heaviest(&mut v, k);
        v.sort_unstable_by(heavier_first);
        v.into_iter().map(|(t, _)| t).collect()
    }

    /// This profile cut to its `k` heaviest terms (a dormant story's). The
    /// norm stays that of the whole profile, so cosines against the cut
    /// profile never exceed those against the whole.
    pub fn compact(&self, k: usize) -> Profile {
        let mut weights = self.weights.clone();
        keep_heaviest(&mut weights, k);
        weights.sort_unstable_by_key(|(t, _)| *t);
        Profile {
            weights,
            norm: self.norm,
        }
    }

    /// Adds an article's profile to this story profile, keeping the strongest terms.
    pub fn add(&mut self, other: &Profile) {
        let mut merged = Vec::with_capacity(self.weights.len() + other.weights.len());
        let (mut i, mut j) = (0, 0);
        while i < self.weights.len() || j < other.weights.len() {
            match (self.weights.get(i), other.weights.get(j)) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    merged.push((a.0, a.1 + b.1));
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(b)) if a.0 < b.0 => {
                    merged.push(*a);
                    i += 1;
                }
                (Some(_), Some(b)) | (None, Some(b)) => {
                    merged.push(*b);
                    j += 1;
                }
                (Some(a), None) => {
                    merged.push(*a);
                    i += 1;
                }
                (None, None) => unreachable!(),
            }
        }
        if merged.len() > STORY_TERMS * 2 {
            keep_heaviest(&mut merged, STORY_TERMS);
            merged.sort_unstable_by_key(|(t, _)| *t);
        }
        self.norm = merged.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        self.weights = merged;
    }

    /// This sum of profiles without `part`, one of the profiles summed: what the
    /// rest of a group is like to one of its articles. Terms the sum
    /// dropped (see [`Self::add`]) stay dropped.
    pub fn without(&self, part: &Profile) -> Profile {
        let mut weights = Vec::with_capacity(self.weights.len());
        let mut j = 0;
        for &(t, w) in &self.weights {
            while j < part.weights.len() && part.weights[j].0 < t {
                j += 1;
            }
            let rest = match part.weights.get(j) {
                Some(&(pt, pw)) if pt == t => w - pw,
                _ => w,
            };
            // Rounding leaves a trace of a term only `part` held.
            if rest > 1e-9 {
                weights.push((t, rest));
            }
        }
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        Profile { weights, norm }
    }

    fn products(&self, other: &Profile) -> Vec<(u32, f64)> {
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while i < self.weights.len() && j < other.weights.len() {
            let (a, b) = (self.weights[i], other.weights[j]);
            match a.0.cmp(&b.0) {
                std::cmp::Ordering::Equal => {
                    out.push((a.0, a.1 * b.1));
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        out
    }

    pub fn cosine(&self, other: &Profile) -> f64 {
        let n = self.norm * other.norm;
        if n == 0.0 {
            return 0.0;
        }
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        while i < self.weights.len() && j < other.weights.len() {
            let (a, b) = (self.weights[i], other.weights[j]);
            match a.0.cmp(&b.0) {
                std::cmp::Ordering::Equal => {
                    dot += a.1 * b.1;
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        dot / n
    }

    /// The terms contributing most to the similarity of two profiles.
    pub fn shared_terms(&self, other: &Profile, k: usize) -> Vec<u32> {
        let mut v = self.products(other);
        v.sort_unstable_by(heavier_first);
        v.into_iter().take(k).map(|(t, _)| t).collect()
    }
}

/// One profile spread over a dense array indexed by term id, to be
/// compared with many: a lookup per term of the other profile instead of a
/// merge walk over both. [`Spread::cosine`] is [`Profile::cosine`] to the
/// bit: the same products, summed in the same (term id) order.
#[derive(Debug, Clone, Default)]
pub struct Spread {
    weights: Vec<f64>,
    held: Vec<u32>,
    norm: f64,
}

impl Spread {
    /// Spreads `p`, replacing what was spread before.
    pub fn load(&mut self, p: &Profile) {
        for t in self.held.drain(..) {
            self.weights[t as usize] = 0.0;
        }
        if let Some(&(last, _)) = p.weights.last() {
            if self.weights.len() <= last as usize {
                self.weights.resize(last as usize + 1, 0.0);
            }
        }
        for &(t, w) in &p.weights {
            self.weights[t as usize] = w;
            self.held.push(t);
        }
        self.norm = p.norm;
    }

    /// The cosine of the spread profile with `other`, as
    /// [`Profile::cosine`] on the spread profile would give it.
    pub fn cosine(&self, other: &Profile) -> f64 {
        let n = self.norm * other.norm;
        if n == 0.0 {
            return 0.0;
        }
        let mut dot = 0.0;
        for &(t, w) in &other.weights {
            match self.weights.get(t as usize) {
                Some(&x) if x != 0.0 => dot += x * w,
                _ => {}
            }
        }
        dot / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use wiretrace_core::{text::tokenize, ArticleId, InputFormat};

    /// The terms as first written: a token list per text, a string per
    /// occurrence, then summed per term in first-occurrence order.
    fn reference_terms(a: &Article) -> Vec<(String, f64)> {
        let mut occurrences = Vec::new();
        let mut push = |text: &str, weight: f64| {
            let chars: Vec<char> = text.chars().collect();
            for (k, t) in tokenize(text).iter().enumerate() {
                if t.key.chars().count() < 2
                    || STOPWORDS.contains(t.key.as_str())
                    || t.key.chars().all(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let before = chars[..t.span.start]
                    .iter()
                    .rev()
                    .find(|c| !c.is_whitespace());
                let sentence_start = k == 0
                    || before.is_some_and(|c| matches!(c, '.' | '!' | '?' | '"' | '“' | '”' | ':'));
                let boost = if t.capitalized && !sentence_start {
                    NAME_BOOST
                } else {
                    1.0
                };
                occurrences.push((t.key.clone(), weight * boost));
            }
        };
        if let Some(t) = &a.title {
            push(t, TITLE_WEIGHT);
        }
        let map = wiretrace_core::CharMap::new(&a.text);
        for (p, span) in a.body.iter().enumerate() {
            push(
                map.slice(&a.text, *span),
                if p < LEAD_PARAGRAPHS {
                    LEAD_WEIGHT
                } else {
                    1.0
                },
            );
        }
        let mut out: Vec<(String, f64)> = Vec::new();
        for (t, w) in occurrences {
            match out.iter_mut().find(|(x, _)| *x == t) {
                Some(e) => e.1 += w,
                None => out.push((t, 0.0 + w)),
            }
        }
        out
    }

    fn article(title: &str, paras: &[String]) -> Article {
        let paras: Vec<&str> = paras.iter().map(String::as_str).collect();
        let mut a = Article::from_paragraphs(ArticleId("a".into()), &paras, InputFormat::Text, "a");
        a.title = Some(title.into());
        a
    }

    #[test]
    fn names_inside_sentences_weigh_more_than_sentence_starts() {
        let a = article(
            "Port strike",
            &["Dockworkers walked out. Mara Lindqvist said “Pay” mattered; union said so.".into()],
        );
        let terms = article_terms(&a);
        let w = |t: &str| terms.iter().find(|(x, _)| x == t).map(|(_, w)| *w);
        // "Mara" starts a sentence (after '.'): no boost; "Lindqvist" does.
        assert_eq!(w("mara"), Some(LEAD_WEIGHT));
        assert_eq!(w("lindqvist"), Some(LEAD_WEIGHT * NAME_BOOST));
        // After an opening quote, a word starts a sentence.
        assert_eq!(w("pay"), Some(LEAD_WEIGHT));
        assert_eq!(w("port"), Some(TITLE_WEIGHT));
        assert_eq!(w("said"), None, "a stop word");
    }

    proptest! {
        #[test]
        fn terms_equal_the_token_list_reference(
            title in "[A-Za-zé ,.:’“”\"!?0-9]{0,40}",
            paras in proptest::collection::vec(
                "(The|the|Mara|Zoë|ünter|Αθήνα|東京|said|42|U\\.S\\.|don’t|[A-Z][a-z]{1,6}|[a-z]{1,6}|[.!?:,;“”\"’–]|\\s|\u{a0}|\u{2003}){0,60}",
                0..5,
            ),
        ) {
            let a = article(&title, &paras);
            let got = article_terms(&a);
            let want = reference_terms(&a);
            prop_assert_eq!(got.len(), want.len());
            for ((t, w), (rt, rw)) in got.iter().zip(&want) {
                prop_assert_eq!(t, rt);
                prop_assert_eq!(w.to_bits(), rw.to_bits(), "weight of {}", t);
            }
        }

        #[test]
        fn a_spread_profile_compares_as_the_profile_does(
            first in proptest::collection::btree_map(0u32..300, 0.01f64..5.0, 0..60),
            others in proptest::collection::vec(
                proptest::collection::btree_map(0u32..400, 0.01f64..5.0, 0..80),
                1..6,
            ),
        ) {
            // Stories' profiles are sums: build them as such.
            let profile = |m: &std::collections::BTreeMap<u32, f64>| {
                let mut p = Profile::default();
                p.add(&Profile { weights: m.iter().map(|(&t, &w)| (t, w)).collect(), norm: 1.0 });
                p
            };
            let one = profile(&first);
            let mut spread = Spread::default();
            // Loaded over an earlier, larger profile: nothing of it stays.
            spread.load(&profile(&others[0]));
            spread.load(&one);
            for o in &others {
                let other = profile(o);
                prop_assert_eq!(spread.cosine(&other).to_bits(), one.cosine(&other).to_bits());
            }
        }
    }
}

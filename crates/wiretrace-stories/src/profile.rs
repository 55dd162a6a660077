//! An article's term profile: TF-IDF with the title and lead weighted up.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use wiretrace_core::{text::tokenize, Article};

static STOPWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
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
const NAME_BOOST: f64 = 1.5;
/// Terms kept in a story's profile.
const STORY_TERMS: usize = 400;

/// Document frequencies over a set of articles.
#[derive(Debug, Default)]
pub struct Vocabulary {
    df: HashMap<String, u32>,
    docs: u32,
}

fn terms(a: &Article) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut push = |text: &str, weight: f64| {
        let toks = tokenize(text);
        for (k, t) in toks.iter().enumerate() {
            if t.key.chars().count() < 2
                || STOPWORDS.contains(t.key.as_str())
                || t.key.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            let sentence_start = k == 0
                || text
                    .chars()
                    .nth(t.span.start.saturating_sub(2))
                    .is_some_and(|c| matches!(c, '.' | '!' | '?' | '"'));
            let boost = if t.capitalized && !sentence_start {
                NAME_BOOST
            } else {
                1.0
            };
            out.push((t.key.clone(), weight * boost));
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
    out
}

impl Vocabulary {
    pub fn build<'a>(articles: impl Iterator<Item = &'a Article>) -> Self {
        let mut v = Vocabulary::default();
        for a in articles {
            v.docs += 1;
            let uniq: HashSet<String> = terms(a).into_iter().map(|(t, _)| t).collect();
            for t in uniq {
                *v.df.entry(t).or_default() += 1;
            }
        }
        v
    }
    fn idf(&self, term: &str) -> f64 {
        let df = self.df.get(term).copied().unwrap_or(0) as f64;
        ((self.docs as f64 + 1.0) / (df + 1.0)).ln() + 1.0
    }
}

/// A sparse, L2-normalised term vector (or a story's running sum of them).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    weights: HashMap<String, f64>,
    norm: f64,
}

impl Profile {
    pub fn of(a: &Article, vocab: &Vocabulary) -> Profile {
        let mut tf: HashMap<String, f64> = HashMap::new();
        for (t, w) in terms(a) {
            *tf.entry(t).or_default() += w;
        }
        let weights: HashMap<String, f64> = tf
            .into_iter()
            .map(|(t, f)| {
                let w = (1.0 + f.ln_1p()) * vocab.idf(&t);
                (t, w)
            })
            .collect();
        let mut p = Profile { weights, norm: 0.0 };
        p.normalize();
        p
    }

    fn normalize(&mut self) {
        let n = self.weights.values().map(|w| w * w).sum::<f64>().sqrt();
        if n > 0.0 {
            self.weights.values_mut().for_each(|w| *w /= n);
        }
        self.norm = 1.0;
    }

    /// Adds an article's profile to this story profile, keeping the strongest terms.
    pub fn add(&mut self, other: &Profile) {
        for (t, w) in &other.weights {
            *self.weights.entry(t.clone()).or_default() += w;
        }
        if self.weights.len() > STORY_TERMS * 2 {
            let mut v: Vec<(String, f64)> = self.weights.drain().collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(STORY_TERMS);
            self.weights = v.into_iter().collect();
        }
        let n = self.weights.values().map(|w| w * w).sum::<f64>().sqrt();
        self.norm = n;
    }

    pub fn cosine(&self, other: &Profile) -> f64 {
        let (small, large) = if self.weights.len() <= other.weights.len() {
            (self, other)
        } else {
            (other, self)
        };
        let dot: f64 = small
            .weights
            .iter()
            .filter_map(|(t, w)| large.weights.get(t).map(|v| w * v))
            .sum();
        let n = self.norm * other.norm;
        if n == 0.0 {
            0.0
        } else {
            dot / n
        }
    }

    /// The terms contributing most to the similarity of two profiles.
    pub fn shared_terms(&self, other: &Profile, k: usize) -> Vec<String> {
        let mut v: Vec<(&String, f64)> = self
            .weights
            .iter()
            .filter_map(|(t, w)| other.weights.get(t).map(|o| (t, w * o)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        v.into_iter().take(k).map(|(t, _)| t.clone()).collect()
    }
}

//! An article's body, ready for matching.

use wiretrace_core::{
    text::{for_each_token, is_ascii_space, CharCursor},
    Article, ArticleId, Span,
};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

/// The body tokens of one article: their matching keys hashed, and their
/// code point spans in `Article::text` (widened over attached punctuation).
///
/// Docs are kept by the thousand between alignment rounds, so they are
/// compact: 32 bytes a token, offsets and positions as `u32` (a body
/// paragraph past 4 Gi code points of text is left out).
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: ArticleId,
    /// Hash of each token's key.
    pub keys: Vec<u64>,
    /// Each token's code point span (start, end) widened over the
    /// punctuation and quotes attached to it (`"free.”` rather than
    /// `free`), so passages end where prose ends.
    pub wide: Vec<(u32, u32)>,
    /// Every seed n-gram's hash, sorted, and (`seed_tokens`) the token it
    /// starts at: a pair of docs finds its matching n-grams by one merge
    /// walk.
    pub seed_hashes: Vec<u64>,
    pub seed_tokens: Vec<u32>,
    /// Whether two seed n-grams have one hash (a phrase the doc repeats):
    /// the seeds of two docs without are matched by a merge that needs no
    /// branch (see `align`).
    pub seeds_repeat: bool,
    /// For each token, the index one past the last token of its paragraph
    /// (so two tokens are in one paragraph when their ends are equal).
    pub para_end: Vec<u32>,
    /// What the doc was built from, hashed ([`content_key`]): docs with
    /// equal contents are equal but for their ids.
    pub content: u128,
}

/// `seeds` sorted (by hash, then position), in two steps: spread into 256
/// buckets by the hash's top byte, then each bucket sorted. The hashes are
/// uniform, so buckets hold a few seeds each; sorting a doc's seeds whole
/// was a sixth of building it.
fn sorted_seeds(seeds: Vec<(u64, u32)>) -> Vec<(u64, u32)> {
    if seeds.len() < 64 {
        let mut seeds = seeds;
        seeds.sort_unstable();
        return seeds;
    }
    let bucket = |&(h, _): &(u64, u32)| (h >> 56) as usize;
    let mut starts = [0usize; 257];
    for s in &seeds {
        starts[bucket(s) + 1] += 1;
    }
    for b in 0..256 {
        starts[b + 1] += starts[b];
    }
    let mut next = starts;
    let mut out = vec![(0, 0); seeds.len()];
    for s in seeds {
        let b = bucket(&s);
        out[next[b]] = s;
        next[b] += 1;
    }
    for b in 0..256 {
        if starts[b + 1] - starts[b] > 1 {
            out[starts[b]..starts[b + 1]].sort_unstable();
        }
    }
    out
}

/// A hash of what an article's doc is built from: its text and the spans of
/// its body paragraphs. Exact copies (a wire story republished untouched)
/// share it, so their docs, and every alignment they are in, are the same
/// but for the ids. 128 bits: a collision would give an article another's
/// tokens.
pub fn content_key(a: &Article) -> u128 {
    let mut h = Xxh3::new();
    h.update(&(a.text.len() as u64).to_le_bytes());
    h.update(a.text.as_bytes());
    for span in &a.body {
        h.update(&(span.start as u64).to_le_bytes());
        h.update(&(span.end as u64).to_le_bytes());
    }
    h.digest128()
}

impl Doc {
    pub fn from_article(a: &Article) -> Doc {
        // Built in the thread's buffers, then copied out at their size: a
        // doc's vectors grown token by token cost more in reallocation (of
        // memory fresh from the system, as docs are kept) than in building.
        thread_local! {
            static SCRATCH: std::cell::Cell<Scratch> = Default::default();
        }
        let mut s = SCRATCH.take();
        s.fill(a);
        let keys = s.keys.clone();
        let (seed_hashes, seed_tokens): (Vec<u64>, Vec<u32>) = sorted_seeds(
            crate::fingerprint::each_ngram(&keys, crate::fingerprint::SEED_N)
                .zip(0u32..)
                .collect(),
        )
        .into_iter()
        .unzip();
        let n = keys.len();
        let mut para_end = vec![n as u32; n];
        for k in (0..n.saturating_sub(1)).rev() {
            para_end[k] = if s.para[k] == s.para[k + 1] {
                para_end[k + 1]
            } else {
                k as u32 + 1
            };
        }
        let seeds_repeat = seed_hashes.windows(2).any(|w| w[0] == w[1]);
        let doc = Doc {
            id: a.id.clone(),
            keys,
            wide: s.wide.clone(),
            seed_hashes,
            seed_tokens,
            seeds_repeat,
            para_end,
            content: content_key(a),
        };
        SCRATCH.set(s);
        doc
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The same doc under another article's id: the doc of an exact copy,
    /// without tokenising it again.
    pub fn renamed(&self, id: ArticleId) -> Doc {
        Doc { id, ..self.clone() }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A doc's token vectors as they are built, with the buffers of one
/// paragraph (its characters, its tokens' spans).
#[derive(Default)]
struct Scratch {
    keys: Vec<u64>,
    para: Vec<u32>,
    wide: Vec<(u32, u32)>,
    chars: Vec<char>,
    toks: Vec<Span>,
}

impl Scratch {
    /// The body tokens of `a`: keys, paragraphs and widened spans.
    fn fill(&mut self, a: &Article) {
        let Scratch {
            keys,
            para,
            wide,
            chars,
            toks,
        } = self;
        keys.clear();
        para.clear();
        wide.clear();
        let mut at = CharCursor::new(&a.text);
        for (p, span) in a.body.iter().enumerate() {
            if span.end > u32::MAX as usize {
                break;
            }
            let text = at.slice(*span);
            // An ASCII paragraph is read by the byte; others are decoded.
            let ascii = text.is_ascii();
            chars.clear();
            if !ascii {
                chars.extend(text.chars());
            }
            let len = if ascii { text.len() } else { chars.len() };
            let is_space = |k: usize| match ascii {
                true => is_ascii_space(text.as_bytes()[k]),
                false => chars[k].is_whitespace(),
            };
            toks.clear();
            paragraph_keys(text, span.start, keys, &mut |t| toks.push(t));
            for (i, t) in toks.iter().enumerate() {
                para.push(p as u32);
                // Widen over attached punctuation, never into the next word.
                let (lo, hi) = (t.start - span.start, t.end - span.start);
                let prev_end = if i > 0 {
                    toks[i - 1].end - span.start
                } else {
                    0
                };
                let next_start = toks.get(i + 1).map_or(len, |n| n.start - span.start);
                let mut s = lo;
                while s > prev_end && !is_space(s - 1) {
                    s -= 1;
                }
                let mut e = hi;
                while e < next_start && !is_space(e) {
                    e += 1;
                }
                wide.push(((span.start + s) as u32, (span.start + e) as u32));
            }
        }
    }
}

/// Appends the key hash of each token of a body paragraph (`text`, which
/// starts at code point `start` of the article's text) to `keys`, and hands
/// each token's span to `span`.
fn paragraph_keys(text: &str, start: usize, keys: &mut Vec<u64>, span: &mut dyn FnMut(Span)) {
    for_each_token(text, start, &mut |t, key, _| {
        keys.push(xxh3_64(key.as_bytes()));
        span(t);
    });
}

/// The key hashes of an article's body tokens: [`Doc::keys`], without the
/// rest of the doc.
pub fn body_keys(a: &Article) -> Vec<u64> {
    let mut at = CharCursor::new(&a.text);
    let mut keys = Vec::new();
    for span in &a.body {
        paragraph_keys(at.slice(*span), span.start, &mut keys, &mut |_| {});
    }
    keys
}

/// Docs kept from one alignment round to the next, up to a budget of
/// tokens, the least recently used dropped first. An article is a candidate
/// again and again while copies of it and reports quoting it arrive, and
/// building its doc (tokenising, folding, hashing) costs more than aligning
/// it. Which docs are kept never changes a result, only what is rebuilt.
#[derive(Debug)]
pub struct DocCache<K> {
    budget: usize,
    tokens: usize,
    round: u64,
    entries: rustc_hash::FxHashMap<K, (std::sync::Arc<Doc>, u64)>,
    /// A key holding a doc of each content kept.
    by_content: rustc_hash::FxHashMap<u128, K>,
}

impl<K: std::hash::Hash + Eq + Copy> DocCache<K> {
    /// A cache holding docs of up to `budget_tokens` tokens in all.
    pub fn new(budget_tokens: usize) -> Self {
        DocCache {
            budget: budget_tokens,
            tokens: 0,
            round: 0,
            entries: Default::default(),
            by_content: Default::default(),
        }
    }

    /// Starts a round: docs used or added from now on are the most recent.
    pub fn next_round(&mut self) {
        self.round += 1;
    }

    /// The doc kept under `key`, marked as used this round.
    pub fn get(&mut self, key: K) -> Option<std::sync::Arc<Doc>> {
        let (doc, used) = self.entries.get_mut(&key)?;
        *used = self.round;
        Some(doc.clone())
    }

    /// A doc kept of this content ([`Doc::content`]), whatever its id,
    /// marked as used this round.
    pub fn get_content(&mut self, content: u128) -> Option<std::sync::Arc<Doc>> {
        let key = *self.by_content.get(&content)?;
        self.get(key)
    }

    /// Keeps `doc` under `key`; over budget, drops the least recently used
    /// docs (those of this round last) until a quarter of the budget is free,
    /// so that dropping is rare.
    pub fn insert(&mut self, key: K, doc: std::sync::Arc<Doc>) {
        self.tokens += doc.len().max(1);
        self.by_content.insert(doc.content, key);
        if let Some((old, _)) = self.entries.insert(key, (doc, self.round)) {
            self.tokens -= old.len().max(1);
            self.forget_content(&old, key);
        }
        if self.tokens > self.budget {
            let mut by_use: Vec<(u64, K)> = self.entries.iter().map(|(k, v)| (v.1, *k)).collect();
            by_use.sort_unstable_by_key(|&(used, _)| used);
            for (_, k) in by_use {
                if self.tokens <= self.budget - self.budget / 4 {
                    break;
                }
                if let Some((old, _)) = self.entries.remove(&k) {
                    self.tokens -= old.len().max(1);
                    self.forget_content(&old, k);
                }
            }
        }
    }

    /// Drops `old`'s content from the index if `key` was where it pointed
    /// (and no longer holds that content).
    fn forget_content(&mut self, old: &Doc, key: K) {
        let held = self.entries.get(&key).map(|(d, _)| d.content);
        if self.by_content.get(&old.content) == Some(&key) && held != Some(old.content) {
            self.by_content.remove(&old.content);
        }
    }

    /// How many docs are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use wiretrace_core::InputFormat;

    fn doc(id: &str, words: usize) -> Arc<Doc> {
        let text = vec!["word"; words].join(" ");
        let article =
            Article::from_paragraphs(ArticleId(id.into()), &[text], InputFormat::Text, id);
        Arc::new(Doc::from_article(&article))
    }

    proptest::proptest! {
        #[test]
        fn seeds_are_sorted_as_a_whole_sort_has_them(
            seeds in proptest::collection::vec((proptest::prelude::any::<u64>(), 0u32..50), 0..300),
            few_hashes in proptest::collection::vec((0u64..4, 0u32..50), 0..300),
        ) {
            for seeds in [seeds, few_hashes.into_iter().map(|(h, p)| (h << 60 | h, p)).collect()] {
                let mut whole = seeds.clone();
                whole.sort_unstable();
                proptest::prop_assert_eq!(sorted_seeds(seeds), whole);
            }
        }

        #[test]
        fn body_keys_are_the_docs_keys(paras in proptest::collection::vec("[a-zA-Zé,.’ жЖ\u{301}]{0,40}", 0..5)) {
            let a = Article::from_paragraphs(ArticleId("p".into()), &paras, InputFormat::Text, "p");
            let doc = Doc::from_article(&a);
            proptest::prop_assert_eq!(body_keys(&a), doc.keys.clone());
            proptest::prop_assert_eq!(crate::Sketch::of_article(&a), crate::Sketch::of(&doc));
        }
    }

    #[test]
    fn an_exact_copy_finds_its_twins_doc_while_the_cache_keeps_it() {
        let mut cache = DocCache::new(100);
        cache.insert(0, doc("wire", 30));
        let copy = doc("copy", 30);
        let other = doc("other", 29);
        assert_ne!(copy.content, other.content);
        let twin = cache
            .get_content(copy.content)
            .expect("same text, same content");
        let renamed = twin.renamed(copy.id.clone());
        assert_eq!(renamed.id, copy.id);
        assert_eq!(
            (
                &renamed.keys,
                &renamed.wide,
                &renamed.seed_hashes,
                &renamed.seed_tokens,
                &renamed.para_end
            ),
            (
                &copy.keys,
                &copy.wide,
                &copy.seed_hashes,
                &copy.seed_tokens,
                &copy.para_end
            )
        );
        assert!(cache.get_content(other.content).is_none());
        // Replaced under its key, then dropped over budget: gone.
        cache.insert(0, other.clone());
        assert!(cache.get_content(copy.content).is_none());
        assert!(cache.get_content(other.content).is_some());
        for k in 1..4 {
            cache.next_round();
            cache.insert(k, doc(&k.to_string(), 30));
        }
        assert!(cache.get(0).is_none());
        assert!(cache.get_content(other.content).is_none());
    }

    #[test]
    fn the_cache_keeps_its_budget_and_drops_the_least_recently_used() {
        let mut cache = DocCache::new(100);
        for k in 0..4 {
            cache.next_round();
            cache.insert(k, doc(&k.to_string(), 30));
        }
        // 120 tokens went over 100: the oldest went until 75 or fewer remain.
        assert_eq!(cache.len(), 2);
        assert!(cache.get(0).is_none() && cache.get(1).is_none());
        cache.next_round();
        assert_eq!(cache.get(2).unwrap().id.0, "2");
        cache.next_round();
        cache.insert(4, doc("4", 30));
        cache.insert(5, doc("5", 30));
        // 3 was used least recently; 2 was used a round before 4 and 5 came.
        assert!(cache.get(3).is_none());
        assert!(cache.get(2).is_none());
        assert_eq!(cache.get(5).unwrap().len(), 30);
    }
}

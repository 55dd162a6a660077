//! An article's body, ready for matching.

use wiretrace_core::{text::for_each_token, Article, ArticleId, CharMap, Span};
use xxhash_rust::xxh3::xxh3_64;

/// The body tokens of one article: their matching keys hashed, and their
/// code point spans in `Article::text`.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: ArticleId,
    /// Hash of each token's key.
    pub keys: Vec<u64>,
    /// Each token's span in the article's text.
    pub spans: Vec<Span>,
    /// Index of the body paragraph each token belongs to.
    pub para: Vec<u32>,
    /// Each token's span widened over the punctuation and quotes attached to
    /// it (`"free.”` rather than `free`), so passages end where prose ends.
    pub wide: Vec<Span>,
    /// Every seed n-gram's hash with its first token, sorted by hash: a pair
    /// of docs finds its matching n-grams by one merge walk.
    pub seed_index: Vec<(u64, u32)>,
    /// For each token, the index one past the last token of its paragraph.
    pub para_end: Vec<u32>,
}

impl Doc {
    pub fn from_article(a: &Article) -> Doc {
        let map = CharMap::new(&a.text);
        let mut doc = Doc {
            id: a.id.clone(),
            keys: Vec::new(),
            spans: Vec::new(),
            para: Vec::new(),
            wide: Vec::new(),
            seed_index: Vec::new(),
            para_end: Vec::new(),
        };
        // Buffers reused across paragraphs: a paragraph's characters and
        // its tokens' spans.
        let mut chars: Vec<char> = Vec::new();
        let mut toks: Vec<Span> = Vec::new();
        for (p, span) in a.body.iter().enumerate() {
            let text = map.slice(&a.text, *span);
            chars.clear();
            chars.extend(text.chars());
            toks.clear();
            for_each_token(text, span.start, &mut |t, key, _| {
                doc.keys.push(xxh3_64(key.as_bytes()));
                toks.push(t);
            });
            for (i, t) in toks.iter().enumerate() {
                doc.spans.push(*t);
                doc.para.push(p as u32);
                // Widen over attached punctuation, never into the next word.
                let (lo, hi) = (t.start - span.start, t.end - span.start);
                let prev_end = if i > 0 {
                    toks[i - 1].end - span.start
                } else {
                    0
                };
                let next_start = toks
                    .get(i + 1)
                    .map_or(chars.len(), |n| n.start - span.start);
                let mut s = lo;
                while s > prev_end && !chars[s - 1].is_whitespace() {
                    s -= 1;
                }
                let mut e = hi;
                while e < next_start && !chars[e].is_whitespace() {
                    e += 1;
                }
                doc.wide.push(Span::new(span.start + s, span.start + e));
            }
        }
        doc.seed_index = crate::fingerprint::ngrams(&doc, crate::fingerprint::SEED_N)
            .into_iter()
            .zip(0u32..)
            .collect();
        doc.seed_index.sort_unstable();
        let n = doc.len();
        doc.para_end = vec![n as u32; n];
        for k in (0..n.saturating_sub(1)).rev() {
            doc.para_end[k] = if doc.para[k] == doc.para[k + 1] {
                doc.para_end[k + 1]
            } else {
                k as u32 + 1
            };
        }
        doc
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

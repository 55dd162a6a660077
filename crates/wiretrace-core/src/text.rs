//! Text primitives shared by every stage: normalisation and tokens.
//!
//! Offsets are code points, the unit the export formats promise. [`CharMap`]
//! turns them back into byte ranges for slicing.

use unicode_normalization::{
    char::is_combining_mark, is_nfc_quick, is_nfkc_quick, IsNormalized, UnicodeNormalization,
};
use unicode_segmentation::UnicodeSegmentation;

use crate::article::Span;

/// Maps a typographic quote or dash to its ASCII form; other characters pass.
pub fn unify_punct(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}'
        | '\u{0060}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{2009}' | '\u{200A}' => ' ',
        _ => c,
    }
}

/// White space as `char::is_whitespace` has it, for an ASCII byte
/// (branch-free, so that loops over bytes vectorise).
pub fn is_ascii_space(b: u8) -> bool {
    (b == b' ') | (b'\t'..=b'\r').contains(&b)
}

/// How many bytes of `b` satisfy `test`, counted in byte-wide lanes that
/// the compiler vectorises (a count per byte into a `usize` does not).
pub fn count_bytes(b: &[u8], test: impl Fn(u8) -> bool) -> usize {
    b.chunks(255)
        .map(|c| c.iter().fold(0u8, |n, &x| n + u8::from(test(x))) as usize)
        .sum()
}

/// Appends `t` to `buf` with each run of white space made one space (none
/// at the start of `buf`); returns how many other characters it added.
/// Runs of ASCII are copied whole: most text is ASCII.
pub fn push_collapsed(buf: &mut String, t: &str) -> usize {
    let bytes = t.as_bytes();
    let (mut added, mut i) = (0, 0);
    while i < bytes.len() {
        let (is_space, len) = if bytes[i] < 0x80 {
            (is_ascii_space(bytes[i]), 1)
        } else {
            let c = t[i..].chars().next().unwrap_or(' ');
            (c.is_whitespace(), c.len_utf8())
        };
        if is_space {
            if !buf.is_empty() && !buf.ends_with(' ') {
                buf.push(' ');
            }
            i += len;
        } else if len == 1 {
            let start = i;
            while i < bytes.len() && bytes[i] < 0x80 && !is_ascii_space(bytes[i]) {
                i += 1;
            }
            buf.push_str(&t[start..i]);
            added += i - start;
        } else {
            buf.push_str(&t[i..i + len]);
            added += 1;
            i += len;
        }
    }
    added
}

/// Characters of `t` that are not white space.
pub fn visible_chars(t: &str) -> usize {
    let b = t.as_bytes();
    // Characters are the bytes that do not continue one.
    let ascii_or_lead = count_bytes(b, |x| ((x as i8) >= -0x40) & !is_ascii_space(x));
    // White space beyond ASCII starts with one of these bytes (U+0085,
    // U+00A0; U+1680; U+2000..U+205F; U+3000).
    if t.is_ascii() {
        return ascii_or_lead;
    }
    let is_space_at = |i: usize| t[i..].chars().next().is_some_and(char::is_whitespace);
    let wide_spaces = memchr::memchr3_iter(0xC2, 0xE2, 0xE3, b)
        .chain(memchr::memchr_iter(0xE1, b))
        .filter(|&i| is_space_at(i))
        .count();
    ascii_or_lead - wide_spaces
}

/// NFKC, case folding, typographic quotes and dashes made ASCII, runs of
/// white space made one space, ends trimmed. Two texts that a reader would
/// call the same normalise to the same string.
pub fn normalize_text(s: &str) -> String {
    Folder::normalised(s, usize::MAX).unwrap_or_default()
}

/// Whether `s` normalises (see [`normalize_text`]) to `normalized`, which
/// must itself be normalised. Stops as soon as the output outgrows
/// `normalized`, so testing a long paragraph against a headline costs no
/// more than the headline.
pub fn normalizes_to(s: &str, normalized: &str) -> bool {
    Folder::normalised(s, normalized.len()).is_some_and(|n| n == normalized)
}

/// Whether `s` is surely NFC, by the quick check of the characters that
/// are not [plain](is_plain): leaving out characters of combining class 0
/// can only make the check stricter (a false "no" costs the full
/// normalisation, which then changes nothing).
fn is_nfc_fast(s: &str) -> bool {
    s.is_ascii() || is_nfc_quick(s.chars().filter(|&c| !is_plain(c))) == IsNormalized::Yes
}

/// Letters of the scripts news is mostly written in (Latin, Greek,
/// Cyrillic, Hebrew, Arabic, Devanagari, CJK, Hangul) that are NFC and NFKC
/// as they are and combine with nothing before them (combining class 0).
/// In a Cyrillic or Chinese text every character is one: the normalisation
/// tables' lookups for them were most of normalising it. A test holds every
/// range to the Unicode tables.
const PLAIN_RANGES: &[(char, char)] = &[
    ('\u{00C0}', '\u{0131}'),
    ('\u{0400}', '\u{0482}'),
    ('\u{048A}', '\u{0557}'),
    ('\u{3400}', '\u{A66E}'),
    ('\u{ABEE}', '\u{D7A3}'),
    ('\u{014A}', '\u{017E}'),
    ('\u{0180}', '\u{01C3}'),
    ('\u{01F4}', '\u{02AF}'),
    ('\u{0388}', '\u{03CF}'),
    ('\u{05D0}', '\u{05EA}'),
    ('\u{0620}', '\u{064A}'),
    ('\u{0904}', '\u{0939}'),
    ('\u{1E00}', '\u{1E99}'),
];

fn is_plain(c: char) -> bool {
    c.is_ascii() || PLAIN_RANGES.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

/// Whether NFKC leaves `c` as it is and a text may be cut just before it:
/// nothing before it combines with it or moves past it, so the pieces
/// normalise apart as they do together.
fn is_stable(c: char) -> bool {
    is_plain(c)
        || (is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes
            && unicode_normalization::char::canonical_combining_class(c) == 0)
}

/// Case-folds characters into `out` with punctuation unified and white
/// space collapsed to single spaces, trimmed at both ends; stops (`push`
/// gives `false`) once `out` is longer than `limit` bytes.
struct Folder {
    out: String,
    limit: usize,
    pending_space: bool,
}

impl Folder {
    fn new(out: String, limit: usize) -> Self {
        Folder {
            out,
            limit,
            pending_space: false,
        }
    }

    /// [`normalize_text`] of `s`; `None` once it is longer than `limit`
    /// bytes.
    fn normalised(s: &str, limit: usize) -> Option<String> {
        let mut folder = Folder::new(
            String::with_capacity(s.len().min(limit.saturating_add(8))),
            limit,
        );
        if !folder.push_nfkc(s) {
            return None;
        }
        let out = folder.out;
        // Lower-casing can leave combining marks out of canonical order ("İ"
        // becomes "i" + U+0307 before a mark already there): reorder, so that
        // normalising twice changes nothing.
        Some(if is_nfc_fast(&out) {
            out
        } else {
            out.nfc().collect()
        })
    }

    fn push(&mut self, c: char) -> bool {
        let c = unify_punct(c);
        if c.is_whitespace() {
            self.pending_space = !self.out.is_empty();
            return true;
        }
        if self.pending_space {
            self.out.push(' ');
            self.pending_space = false;
        }
        fold_case_into(c, &mut self.out);
        self.out.len() <= self.limit
    }

    /// Pushes the NFKC form of `s`. Only the stretches around characters
    /// NFKC would change (an ellipsis, a fraction, a combining mark) go
    /// through the decomposition and recomposition, cut at the
    /// [stable](is_stable) characters on either side; most news text has
    /// none, or a few in a long article.
    fn push_nfkc(&mut self, s: &str) -> bool {
        let bytes = s.as_bytes();
        let (mut done, mut i) = (0, 0);
        while let Some(skip) = bytes[i..].iter().position(|&b| b >= 0x80) {
            let at = i + skip;
            let Some(c) = s[at..].chars().next() else {
                break;
            };
            i = at + c.len_utf8();
            if is_stable(c) {
                continue;
            }
            let mut start = at;
            while start > done {
                let Some(p) = s[..start].chars().next_back() else {
                    break;
                };
                start -= p.len_utf8();
                if is_stable(p) {
                    break;
                }
            }
            let end = s[i..]
                .char_indices()
                .find(|&(_, c)| is_stable(c))
                .map_or(s.len(), |(k, _)| i + k);
            if !self.push_stable(&s[done..start]) || !s[start..end].nfkc().all(|c| self.push(c)) {
                return false;
            }
            (done, i) = (end, end);
        }
        self.push_stable(&s[done..])
    }

    /// Pushes `s`, which NFKC leaves as it is, with ASCII (most news text)
    /// folded byte by byte: decoding, the punctuation table and the Unicode
    /// white-space test are only for the other characters.
    fn push_stable(&mut self, s: &str) -> bool {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b >= 0x80 {
                let Some(c) = s[i..].chars().next() else {
                    break;
                };
                i += c.len_utf8();
                if !self.push(c) {
                    return false;
                }
                continue;
            }
            i += 1;
            if is_ascii_space(b) {
                self.pending_space = !self.out.is_empty();
                continue;
            }
            if self.pending_space {
                self.out.push(' ');
                self.pending_space = false;
            }
            self.out.push(unify_punct(b.to_ascii_lowercase() as char));
            if self.out.len() > self.limit {
                return false;
            }
        }
        true
    }
}

fn fold_case_into(c: char, out: &mut String) {
    if c.is_ascii() {
        // Most news text: spares the Unicode case tables.
        out.push(c.to_ascii_lowercase());
        return;
    }
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        _ => out.extend(c.to_lowercase()),
    }
}

/// The matching key of a word: NFKD with diacritics removed, case folded,
/// quotes unified ("Nicolás" and "nicolas" share a key; so do "don’t" and
/// "don't").
pub fn token_key(word: &str) -> String {
    if word.is_ascii() {
        let mut key = String::with_capacity(word.len());
        push_ascii_key(word, &mut key);
        return key;
    }
    key_of_unicode(word)
}

/// [`token_key`] of an ASCII word, appended to `out`: the same as the
/// Unicode path, without the decomposition tables.
fn push_ascii_key(word: &str, out: &mut String) {
    out.extend(
        word.bytes()
            .map(|b| unify_punct(b.to_ascii_lowercase() as char)),
    );
}

fn key_of_unicode(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .map(unify_punct)
    {
        fold_case_into(c, &mut out);
    }
    out
}

/// A word of a text with its position in code points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The matching key, see [`token_key`].
    pub key: String,
    /// Code point offsets into the tokenised text.
    pub span: Span,
    /// Whether the word as written starts with an upper-case letter.
    pub capitalized: bool,
}

/// Splits `text` into words (Unicode word boundaries, UAX #29), keeping those
/// that hold a letter or digit, with code point offsets.
pub fn tokenize(text: &str) -> Vec<Token> {
    tokenize_from(text, 0)
}

/// As [`tokenize`], with offsets shifted by `base` code points: for tokenising
/// one span of a larger text.
pub fn tokenize_from(text: &str, base: usize) -> Vec<Token> {
    let mut out = Vec::new();
    for_each_token(text, base, &mut |span, key, capitalized| {
        out.push(Token {
            key: key.to_string(),
            span,
            capitalized,
        })
    });
    out
}

/// As [`tokenize_from`], handing each token's span, key and capitalisation
/// to `f` instead of collecting them: the key of an ASCII word is built in
/// one reused buffer, not a string per token (fingerprinting and alignment
/// only hash it).
pub fn for_each_token(text: &str, base: usize, f: &mut dyn FnMut(Span, &str, bool)) {
    // The buffers are the thread's, taken out for the call (so a call from
    // inside `f` gets buffers of its own) and put back after: this runs once
    // per paragraph, and allocating them afresh each time was a sixth of
    // its profile samples at ingest.
    thread_local! {
        static SCRATCH: std::cell::Cell<Scratch> = const {
            std::cell::Cell::new(Scratch { key: String::new(), units: Vec::new(), runs: Vec::new() })
        };
    }
    let mut scratch = SCRATCH.take();
    tokens_with(text, base, &mut scratch, f);
    SCRATCH.set(scratch);
}

/// Buffers [`for_each_token`] reuses: a word's key, a run's word classes,
/// and the runs between white space (byte offset, byte length).
#[derive(Default)]
struct Scratch {
    key: String,
    units: Vec<(WordClass, u32)>,
    runs: Vec<(usize, usize)>,
}

fn tokens_with(text: &str, base: usize, s: &mut Scratch, f: &mut dyn FnMut(Span, &str, bool)) {
    let Scratch { key, units, runs } = s;
    if text.chars().all(|c| plain_class(c).is_some()) {
        return each_plain_token(text, base, units, key, f);
    }
    // Word boundaries never join across ASCII white space unless the next
    // character extends the space (a combining mark, a format character):
    // each run between spaces is tokenised alone, ASCII runs the fast way.
    runs.clear();
    runs.extend(
        text.split(|c: char| c.is_ascii_whitespace())
            .filter(|run| !run.is_empty())
            .map(|run| (run.as_ptr() as usize - text.as_ptr() as usize, run.len())),
    );
    let run_at = |&(at, len): &(usize, usize)| &text[at..at + len];
    if !runs.iter().all(|r| starts_a_word_alone(run_at(r))) {
        return each_unicode_token(text, base, f);
    }
    let (mut byte_pos, mut chars_before) = (0usize, 0usize);
    for r in runs.iter() {
        let (at, run) = (r.0, run_at(r));
        chars_before += at - byte_pos; // ASCII white space: one byte a character
        let start = base + chars_before;
        if run.is_ascii() {
            each_plain_token(run, start, units, key, f);
            chars_before += run.len();
        } else if run.chars().all(|c| plain_class(c).is_some()) {
            each_plain_token(run, start, units, key, f);
            chars_before += run.chars().count();
        } else {
            each_unicode_token(run, start, f);
            chars_before += run.chars().count();
        }
        byte_pos = at + run.len();
    }
}

/// Whether a run's first character starts a new segment after white space
/// (UAX #29 WB4 attaches Extend, Format and ZWJ to what precedes them).
fn starts_a_word_alone(run: &str) -> bool {
    match run.chars().next() {
        None => true,
        Some(c) if c.is_ascii() => true,
        Some('\u{2018}'..='\u{201F}' | '\u{2013}' | '\u{2014}' | '\u{00AB}' | '\u{00BB}') => true,
        // Halfwidth voiced sound marks are letters that extend.
        Some('\u{FF9E}' | '\u{FF9F}') => false,
        Some(c) => c.is_alphabetic() && !is_combining_mark(c),
    }
}

/// UAX #29 word classes of the ASCII characters that can be in a word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WordClass {
    Letter,
    Digit,
    Underscore,
    /// `:` (MidLetter)
    MidLetter,
    /// `.` and `'` (MidNumLet, Single_Quote): inside words and numbers
    MidBoth,
    /// `,` and `;` (MidNum)
    MidNum,
    Other,
}

fn word_class(b: u8) -> WordClass {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => WordClass::Letter,
        b'0'..=b'9' => WordClass::Digit,
        b'_' => WordClass::Underscore,
        b':' => WordClass::MidLetter,
        b'.' | b'\'' => WordClass::MidBoth,
        b',' | b';' => WordClass::MidNum,
        _ => WordClass::Other,
    }
}

/// The word class of a character the plain tokenizer handles: ASCII, and
/// the typographic quotes and dashes of news copy, whose UAX #29 classes
/// are those of `'` (‘ ’: MidNumLet) and of other punctuation (“ ” – —).
/// None for anything else (letters with accents, scripts, symbols).
fn plain_class(c: char) -> Option<WordClass> {
    match c {
        _ if c.is_ascii() => Some(word_class(c as u8)),
        '\u{2018}' | '\u{2019}' => Some(WordClass::MidBoth),
        '\u{201C}' | '\u{201D}' | '\u{2013}' | '\u{2014}' => Some(WordClass::Other),
        _ => None,
    }
}

/// [`tokenize_from`] for text of [`plain_class`] characters only: the UAX
/// #29 word rules such text can meet (WB5–WB13b), without the Unicode
/// tables, which were a third of the cost of alignment. `units` is a
/// reused buffer. A property test holds it to the general path.
fn each_plain_token(
    text: &str,
    base: usize,
    units: &mut Vec<(WordClass, u32)>,
    key: &mut String,
    f: &mut dyn FnMut(Span, &str, bool),
) {
    use WordClass::*;
    units.clear();
    if text.is_ascii() {
        // A byte a character: no decoding.
        units.extend(text.bytes().zip(0u32..).map(|(b, at)| (word_class(b), at)));
    } else {
        units.extend(
            text.char_indices()
                .map(|(at, c)| (plain_class(c).unwrap_or(Other), at as u32)),
        );
    }
    let class = |k: usize| units[k].0;
    let byte_at = |k: usize| units.get(k).map_or(text.len(), |u| u.1 as usize);
    let core = |c| matches!(c, Letter | Digit | Underscore);
    let mut i = 0;
    while i < units.len() {
        if !core(class(i)) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 1;
        while j < units.len() {
            let (prev, cur) = (class(j - 1), class(j));
            if core(cur) {
                j += 1;
                continue;
            }
            let next = (j + 1 < units.len()).then(|| class(j + 1));
            let joins = match (prev, cur, next) {
                (Letter, MidLetter | MidBoth, Some(Letter)) => true, // WB6, WB7
                (Digit, MidNum | MidBoth, Some(Digit)) => true,      // WB11, WB12
                _ => false,
            };
            if !joins {
                break;
            }
            j += 2;
        }
        let word = &text[byte_at(start)..byte_at(j)];
        if word.bytes().any(|c| c.is_ascii_alphanumeric()) {
            key.clear();
            if word.is_ascii() {
                push_ascii_key(word, key);
            } else {
                key.extend(word.chars().map(|c| unify_punct(c.to_ascii_lowercase())));
            }
            f(
                Span::new(base + start, base + j),
                key,
                word.as_bytes()[0].is_ascii_uppercase(),
            );
        }
        i = j;
    }
}

fn each_unicode_token(text: &str, base: usize, f: &mut dyn FnMut(Span, &str, bool)) {
    let mut chars_before = 0usize;
    let mut byte_pos = 0usize;
    for (byte_idx, word) in text.split_word_bound_indices() {
        // Count the code points between the previous word and this one.
        chars_before += text[byte_pos..byte_idx].chars().count();
        let len = word.chars().count();
        if word.chars().any(char::is_alphanumeric) {
            let start = base + chars_before;
            f(
                Span::new(start, start + len),
                &token_key(word),
                word.chars().next().is_some_and(char::is_uppercase),
            );
        }
        chars_before += len;
        byte_pos = byte_idx + word.len();
    }
}

/// Code point ↔ byte offset conversion for one text.
pub struct CharMap {
    /// Byte offset of every code point, plus the text's length at the end.
    bytes: Vec<usize>,
}

impl CharMap {
    pub fn new(text: &str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharMap { bytes }
    }
    /// Number of code points.
    pub fn chars(&self) -> usize {
        self.bytes.len() - 1
    }
    /// Byte offset of code point `i` (clamped to the end).
    pub fn byte(&self, i: usize) -> usize {
        self.bytes[i.min(self.bytes.len() - 1)]
    }
    /// Code point offset of byte `b` (which must be a char boundary).
    pub fn char_of_byte(&self, b: usize) -> usize {
        self.bytes.partition_point(|&x| x < b)
    }
    pub fn slice<'a>(&self, text: &'a str, span: Span) -> &'a str {
        &text[self.byte(span.start)..self.byte(span.end)]
    }
}

/// Byte offsets of code points, found by walking forward from the last one
/// asked for: for reading a text's spans in order without a [`CharMap`]
/// (which costs eight bytes per character). ASCII text needs no walk.
pub struct CharCursor<'a> {
    text: &'a str,
    ascii: bool,
    char: usize,
    byte: usize,
}

impl<'a> CharCursor<'a> {
    pub fn new(text: &'a str) -> Self {
        CharCursor {
            text,
            ascii: text.is_ascii(),
            char: 0,
            byte: 0,
        }
    }

    /// Byte offset of code point `i` (clamped to the end), as
    /// [`CharMap::byte`] gives it.
    pub fn byte(&mut self, i: usize) -> usize {
        if self.ascii {
            return i.min(self.text.len());
        }
        if i < self.char {
            (self.char, self.byte) = (0, 0);
        }
        // A character starts at each byte that does not continue one; eight
        // ASCII bytes are eight characters.
        let b = self.text.as_bytes();
        while self.char < i && self.byte < b.len() {
            if let Some(word) = b.get(self.byte..self.byte + 8) {
                let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                if i - self.char >= 8 && word & 0x8080_8080_8080_8080 == 0 {
                    self.byte += 8;
                    self.char += 8;
                    continue;
                }
            }
            self.byte += 1;
            while self.byte < b.len() && (b[self.byte] as i8) < -0x40 {
                self.byte += 1;
            }
            self.char += 1;
        }
        self.byte
    }

    /// The text of `span`, as [`CharMap::slice`] gives it (empty where the
    /// span runs backwards).
    pub fn slice(&mut self, span: Span) -> &'a str {
        let start = self.byte(span.start);
        let end = self.byte(span.end).max(start);
        &self.text[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_char_cursor_finds_what_a_char_map_does(
            text in "(a|é|世|\n| |😀|abcdefghij){0,30}",
            asked in proptest::collection::vec(0usize..300, 0..10),
        ) {
            let map = CharMap::new(&text);
            let mut cursor = CharCursor::new(&text);
            for i in asked {
                prop_assert_eq!(cursor.byte(i), map.byte(i));
                let span = Span::new(i / 2, i);
                prop_assert_eq!(cursor.slice(span), map.slice(&text, span));
            }
        }
    }

    proptest! {
        #[test]
        fn collapsing_white_space_fast_is_collapsing_it_char_by_char(
            start in "( |a|\u{a0})?",
            t in "( |\t|\n|\u{b}|\u{a0}|\u{2003}|a|é|,|世|\r|\u{3000}|\u{1680}|\u{85}|’|\u{2028}){0,40}",
        ) {
            let (mut fast, mut slow) = (start.clone(), start);
            let fast_added = push_collapsed(&mut fast, &t);
            let mut slow_added = 0;
            for c in t.chars() {
                if c.is_whitespace() {
                    if !slow.is_empty() && !slow.ends_with(' ') {
                        slow.push(' ');
                    }
                } else {
                    slow.push(c);
                    slow_added += 1;
                }
            }
            prop_assert_eq!(fast, slow);
            prop_assert_eq!(fast_added, slow_added);
            prop_assert_eq!(visible_chars(&t), slow_added);
        }
    }

    fn collected(each: impl FnOnce(&mut dyn FnMut(Span, &str, bool))) -> Vec<Token> {
        let mut out = Vec::new();
        each(&mut |span, key, capitalized| {
            out.push(Token {
                key: key.to_string(),
                span,
                capitalized,
            })
        });
        out
    }

    fn plain_tokens(s: &str, base: usize) -> Vec<Token> {
        collected(|f| each_plain_token(s, base, &mut Vec::new(), &mut String::new(), f))
    }

    fn unicode_tokens(s: &str, base: usize) -> Vec<Token> {
        collected(|f| each_unicode_token(s, base, f))
    }

    #[test]
    fn normalisation_unifies_quotes_dashes_case_and_width() {
        assert_eq!(
            normalize_text("  “Don’t” — ＡＢＣ\u{00A0}Straße "),
            "\"don't\" - abc strasse"
        );
    }

    #[test]
    fn keys_fold_diacritics_and_apostrophes() {
        assert_eq!(token_key("Nicolás"), "nicolas");
        assert_eq!(token_key("DON’T"), token_key("don't"));
    }

    #[test]
    fn tokens_carry_code_point_offsets() {
        let text = "Le président — “Maduro” a dit: 11 morts.";
        let toks = tokenize(text);
        let keys: Vec<_> = toks.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(
            keys,
            ["le", "president", "maduro", "a", "dit", "11", "morts"]
        );
        let chars: Vec<char> = text.chars().collect();
        for t in &toks {
            let word: String = chars[t.span.start..t.span.end].iter().collect();
            assert_eq!(token_key(&word), t.key);
        }
        assert!(toks[2].capitalized && !toks[3].capitalized);
    }

    #[test]
    fn a_dotted_capital_i_before_a_mark_normalises_once() {
        // Found by the property below: lower-casing "İ" adds U+0307, which
        // must be put in canonical order with the mark that follows.
        let once = normalize_text("İ\u{10efd}");
        assert_eq!(normalize_text(&once), once);
    }

    /// [`normalize_text`] the slow way: NFKC of the whole text, folded,
    /// then NFC.
    fn full_normalisation(s: &str) -> String {
        let mut out = Folder::new(String::new(), usize::MAX);
        assert!(s.nfkc().all(|c| out.push(c)));
        out.out.nfc().collect()
    }

    #[test]
    fn plain_characters_are_normalised_starters() {
        for &(lo, hi) in PLAIN_RANGES {
            for c in lo..=hi {
                let one = || std::iter::once(c);
                assert_eq!(is_nfkc_quick(one()), IsNormalized::Yes, "{c:?} NFKC");
                assert_eq!(is_nfc_quick(one()), IsNormalized::Yes, "{c:?} NFC");
                assert_eq!(
                    unicode_normalization::char::canonical_combining_class(c),
                    0,
                    "{c:?} combines"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn token_spans_are_ordered_and_in_bounds(s in "\\PC{0,200}") {
            let n = s.chars().count();
            let toks = tokenize(&s);
            let mut last = 0;
            for t in &toks {
                prop_assert!(t.span.start >= last && t.span.end <= n && t.span.start < t.span.end);
                last = t.span.end;
            }
        }

        #[test]
        fn piecewise_nfkc_is_the_nfkc_of_the_whole(
            s in "[a-zA-Z \u{0300}-\u{0315}\u{0323}\u{00e9}\u{00c5}\u{0130}\u{2019}\u{00a0}\u{00bd}\u{2026}\u{1e0b}\u{fb01}\u{fe8e}\u{0400}\u{3400}\u{1100}\u{1161}\u{11a8}\u{ac00}]{0,24}"
        ) {
            prop_assert_eq!(normalize_text(&s), full_normalisation(&s));
        }

        #[test]
        fn normalizes_to_agrees_with_comparing_normalisations(s in "\\PC{0,60}", t in "\\PC{0,60}") {
            let (ns, nt) = (normalize_text(&s), normalize_text(&t));
            prop_assert!(normalizes_to(&s, &ns));
            prop_assert_eq!(normalizes_to(&s, &nt), ns == nt);
            let shorter: String = ns.chars().take(ns.chars().count() / 2).collect();
            prop_assert_eq!(normalizes_to(&s, &shorter), ns == shorter);
        }

        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,200}") {
            let once = normalize_text(&s);
            prop_assert_eq!(normalize_text(&once), once.clone());
        }

        #[test]
        fn fast_paths_agree_with_the_full_normalisation(
            s in "[ -~]{0,40}|\\PC{0,40}|[a-zA-Z \u{00c0}-\u{0131}\u{0400}-\u{0430}\u{0300}-\u{0315}\u{0345}\u{3400}-\u{3408}\u{ac00}-\u{ac08}\u{11a8}\u{017f}\u{2019}\u{00a0}]{0,40}"
        ) {
            prop_assert_eq!(normalize_text(&s), full_normalisation(&s));
            for w in s.split_whitespace() {
                prop_assert_eq!(token_key(w), key_of_unicode(w));
            }
        }

        #[test]
        fn plain_words_are_the_unicode_words(s in "[a-zA-Z0-9_.,;:'\" \n\t\r@#/&!‘’“”–—-]{0,60}", base in 0usize..5) {
            prop_assert_eq!(plain_tokens(&s, base), unicode_tokens(&s, base));
        }

        #[test]
        fn runs_between_spaces_are_the_unicode_words(s in "([a-z.,' ]|[“”’é\u{0301}\u{200D}\u{00AD}\u{FF9E}ｶ\u{1F3FB}])*", base in 0usize..5) {
            prop_assert_eq!(tokenize_from(&s, base), unicode_tokens(&s, base));
        }

        #[test]
        fn charmap_round_trips(s in "\\PC{0,100}") {
            let map = CharMap::new(&s);
            for (ci, (b, _)) in s.char_indices().enumerate() {
                prop_assert_eq!(map.byte(ci), b);
                prop_assert_eq!(map.char_of_byte(b), ci);
            }
        }
    }
}

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
#[inline]
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
///
/// Sorted by their first character, for a binary search.
const PLAIN_RANGES: &[(char, char)] = &[
    ('\u{00C0}', '\u{0131}'),
    ('\u{014A}', '\u{017E}'),
    ('\u{0180}', '\u{01C3}'),
    ('\u{01F4}', '\u{02AF}'),
    ('\u{0388}', '\u{03CF}'),
    ('\u{0400}', '\u{0482}'),
    ('\u{048A}', '\u{0557}'),
    ('\u{05D0}', '\u{05EA}'),
    ('\u{0620}', '\u{064A}'),
    ('\u{0904}', '\u{0939}'),
    ('\u{1E00}', '\u{1E99}'),
    ('\u{3400}', '\u{A66E}'),
    ('\u{ABEE}', '\u{D7A3}'),
];

fn is_plain(c: char) -> bool {
    // Every character of a Cyrillic or Chinese text is looked up here.
    if c.is_ascii() {
        return true;
    }
    let after = PLAIN_RANGES.partition_point(|&(lo, _)| lo <= c);
    after > 0 && c <= PLAIN_RANGES[after - 1].1
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
    // Cyrillic and Latin-1 letters by their code points: the case tables'
    // binary search was a tenth of folding a Russian text.
    let lower = match c {
        'ß' | 'ẞ' => return out.push_str("ss"),
        'ς' => 'σ',
        '\u{0410}'..='\u{042F}' | '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00DE}' => {
            char::from_u32(c as u32 + 0x20).unwrap_or(c)
        }
        '\u{0400}'..='\u{040F}' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        '\u{0430}'..='\u{045F}' | '\u{00DF}'..='\u{00FF}' => c,
        _ => return out.extend(c.to_lowercase()),
    };
    out.push(lower);
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
/// Unicode path, without the decomposition tables. The word is copied
/// whole and lower-cased in place; the backtick, the one ASCII character
/// keys unify, is rare (the tokenizer's words never hold one).
fn push_ascii_key(word: &str, out: &mut String) {
    let at = out.len();
    out.push_str(word);
    out[at..].make_ascii_lowercase();
    if word.contains('`') {
        let unified = out[at..].replace('`', "'");
        out.truncate(at);
        out.push_str(&unified);
    }
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

/// Headlines with fewer words than this name no story ("Live updates",
/// "Obituaries"), so [`headline_key`] gives them no key.
pub const HEADLINE_MIN_WORDS: usize = 4;

/// A headline's words' keys, space-separated: equal for headlines that
/// differ only in case, accents, quotes and punctuation. `None` for one of
/// fewer than [`HEADLINE_MIN_WORDS`] words.
pub fn headline_key(headline: &str) -> Option<String> {
    let (mut key, mut words) = (String::new(), 0usize);
    for_each_token(headline, 0, &mut |_, k, _| {
        if words > 0 {
            key.push(' ');
        }
        key.push_str(k);
        words += 1;
    });
    (words >= HEADLINE_MIN_WORDS).then_some(key)
}

/// Whether two headlines have the same [`headline_key`].
pub fn same_headline(a: Option<&str>, b: Option<&str>) -> bool {
    let (a, b) = (a.and_then(headline_key), b.and_then(headline_key));
    a.is_some() && a == b
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
    if text.is_ascii() {
        return each_ascii_token(text, base, key, f);
    }
    if plain_units(text, units) {
        return each_plain_token(text, base, units, key, f);
    }
    // Word boundaries never join across ASCII white space unless the next
    // character extends the space (a combining mark, a format character):
    // each run between spaces is tokenised alone, plain runs the fast way.
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
            each_ascii_token(run, start, key, f);
            chars_before += run.len();
        } else if plain_units(run, units) {
            each_plain_token(run, start, units, key, f);
            chars_before += units.len();
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

/// UAX #29 word classes of the characters the plain tokenizer handles.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordClass {
    /// ALetter: ASCII letters and the [simple letters](SIMPLE_LETTERS)
    Letter,
    Digit,
    Underscore,
    /// `:` (MidLetter)
    MidLetter,
    /// `.`, `'` and `‘ ’` (MidNumLet, Single_Quote): inside words and numbers
    MidBoth,
    /// `,` and `;` (MidNum)
    MidNum,
    Other,
}

/// The word class of each byte, for ASCII (the rest are never looked up).
const ASCII_CLASSES: [WordClass; 256] = {
    let mut table = [WordClass::Other; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => WordClass::Letter,
            b'0'..=b'9' => WordClass::Digit,
            b'_' => WordClass::Underscore,
            b':' => WordClass::MidLetter,
            b'.' | b'\'' => WordClass::MidBoth,
            b',' | b';' => WordClass::MidNum,
            _ => WordClass::Other,
        };
        b += 1;
    }
    table
};

fn word_class(b: u8) -> WordClass {
    ASCII_CLASSES[b as usize]
}

/// Letters of the alphabets much news is written in (Latin with its
/// accents, Vietnamese, Greek, Cyrillic, Hangul syllables) whose UAX #29
/// word class is that of an ASCII letter, with no mark of their own to
/// reorder: a word of them splits as an ASCII word does. A test holds every
/// one to the segmentation tables.
const SIMPLE_LETTERS: &[(char, char)] = &[
    ('\u{0400}', '\u{0481}'),
    ('\u{048A}', '\u{052F}'),
    ('\u{00C0}', '\u{00D6}'),
    ('\u{00D8}', '\u{00F6}'),
    ('\u{00F8}', '\u{024F}'),
    ('\u{AC00}', '\u{D7A3}'),
    ('\u{1E00}', '\u{1EFF}'),
    ('\u{0388}', '\u{038A}'),
    ('\u{038C}', '\u{038C}'),
    ('\u{038E}', '\u{03A1}'),
    ('\u{03A3}', '\u{03F5}'),
    ('\u{03F7}', '\u{03FF}'),
];

/// Typographic punctuation of news copy, with its UAX #29 word class:
/// that of `'` for the single quotes (MidNumLet), of other punctuation for
/// the rest. A test holds each to the segmentation tables.
const PLAIN_PUNCTUATION: &[(char, WordClass)] = &[
    ('\u{2019}', WordClass::MidBoth),
    ('\u{2018}', WordClass::MidBoth),
    ('\u{201C}', WordClass::Other),
    ('\u{201D}', WordClass::Other),
    ('\u{2014}', WordClass::Other),
    ('\u{2013}', WordClass::Other),
    ('\u{00AB}', WordClass::Other),
    ('\u{00BB}', WordClass::Other),
    ('\u{201E}', WordClass::Other),
    ('\u{2026}', WordClass::Other),
    ('\u{2022}', WordClass::Other),
];

/// The word class of a character the plain tokenizer handles: ASCII, the
/// [simple letters](SIMPLE_LETTERS) and the [punctuation](PLAIN_PUNCTUATION)
/// of news copy. None for anything else (marks, ideographs, symbols,
/// letters of other scripts).
fn plain_class(c: char) -> Option<WordClass> {
    if c.is_ascii() {
        return Some(word_class(c as u8));
    }
    if SIMPLE_LETTERS.iter().any(|&(lo, hi)| lo <= c && c <= hi) {
        return Some(WordClass::Letter);
    }
    PLAIN_PUNCTUATION
        .iter()
        .find(|&&(p, _)| p == c)
        .map(|&(_, class)| class)
}

/// Fills `units` with the word class and byte offset of each character of
/// `text`; false when one is not [plain](plain_class).
fn plain_units(text: &str, units: &mut Vec<(WordClass, u32)>) -> bool {
    units.clear();
    for (at, c) in text.char_indices() {
        match plain_class(c) {
            Some(class) => units.push((class, at as u32)),
            None => return false,
        }
    }
    true
}

/// Whether `cur`, between a word's last character (`prev`) and `next`,
/// keeps the word going: `can't`, `U.S`, `3.5`, `1,000` (WB6–7, WB11–12).
fn joins(prev: WordClass, cur: WordClass, next: WordClass) -> bool {
    use WordClass::*;
    matches!(
        (prev, cur, next),
        (Letter, MidLetter | MidBoth, Letter) | (Digit, MidNum | MidBoth, Digit)
    )
}

/// Letters, digits and the underscore: what words are made of, joined to
/// each other whatever their order (WB5, WB8–10, WB13a–b).
fn is_core(class: WordClass) -> bool {
    matches!(
        class,
        WordClass::Letter | WordClass::Digit | WordClass::Underscore
    )
}

/// The words of a text of `len` [plain](plain_class) characters, whose
/// classes `class` gives, as ranges of character positions: the UAX #29
/// word rules such text can meet (WB5–WB13b), without the Unicode tables.
/// Runs of underscores and punctuation come too; the callers drop those.
fn each_word(len: usize, class: impl Fn(usize) -> WordClass, mut word: impl FnMut(usize, usize)) {
    let mut i = 0;
    while i < len {
        if !is_core(class(i)) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        loop {
            while j < len && is_core(class(j)) {
                j += 1;
            }
            if j + 1 < len && joins(class(j - 1), class(j), class(j + 1)) {
                j += 2;
            } else {
                break;
            }
        }
        word(i, j);
        i = j;
    }
}

/// [`tokenize_from`] for ASCII text, a byte a character: the classes are
/// read off the bytes. A property test holds it to the general path.
fn each_ascii_token(
    text: &str,
    base: usize,
    key: &mut String,
    f: &mut dyn FnMut(Span, &str, bool),
) {
    let b = text.as_bytes();
    each_word(
        b.len(),
        |k| word_class(b[k]),
        |start, end| {
            let word = &text[start..end];
            if word.bytes().any(|c| c.is_ascii_alphanumeric()) {
                key.clear();
                push_ascii_key(word, key);
                let capitalized = b[start].is_ascii_uppercase();
                f(Span::new(base + start, base + end), key, capitalized);
            }
        },
    );
}

/// [`tokenize_from`] for text of [plain](plain_class) characters, whose
/// classes and byte offsets are `units`. A property test holds it to the
/// general path.
fn each_plain_token(
    text: &str,
    base: usize,
    units: &[(WordClass, u32)],
    key: &mut String,
    f: &mut dyn FnMut(Span, &str, bool),
) {
    let byte_at = |k: usize| units.get(k).map_or(text.len(), |u| u.1 as usize);
    each_word(
        units.len(),
        |k| units[k].0,
        |start, end| {
            let letters = &units[start..end];
            if letters
                .iter()
                .any(|u| matches!(u.0, WordClass::Letter | WordClass::Digit))
            {
                let word = &text[byte_at(start)..byte_at(end)];
                key.clear();
                push_plain_key(word, key);
                let capitalized = word.chars().next().is_some_and(char::is_uppercase);
                f(Span::new(base + start, base + end), key, capitalized);
            }
        },
    );
}

/// [`token_key`] of a word of [plain](plain_class) characters, appended
/// to `out`: each character decomposed on its own, its marks dropped. A
/// plain letter decomposes to a letter and marks, so nothing is left to
/// reorder across characters, and the word's NFKD is not needed.
fn push_plain_key(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            out.push(unify_punct(c.to_ascii_lowercase()));
            continue;
        }
        unicode_normalization::char::decompose_compatible(c, |d| {
            if !is_combining_mark(d) {
                fold_case_into(unify_punct(d), out);
            }
        });
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
        // A character starts at each byte that does not continue one
        // (10xxxxxx). Eight bytes are passed at once when the byte after
        // them starts a character: as many characters as they hold starts.
        let b = self.text.as_bytes();
        let starts_char = |at: usize| b.get(at).is_none_or(|&x| (x as i8) >= -0x40);
        while self.char < i && self.byte < b.len() {
            if let Some(word) = b.get(self.byte..self.byte + 8) {
                let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                let continuing = word & !(word << 1) & 0x8080_8080_8080_8080;
                let starts = 8 - continuing.count_ones() as usize;
                if i - self.char >= starts && starts_char(self.byte + 8) {
                    self.byte += 8;
                    self.char += starts;
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

    #[test]
    fn headlines_match_up_to_case_accents_and_punctuation() {
        assert_eq!(
            headline_key("Pérez wins the “final” vote!"),
            headline_key("PEREZ wins the \"final\" vote")
        );
        assert_ne!(
            headline_key("Perez wins the final vote"),
            headline_key("Perez loses the final vote")
        );
        assert_eq!(headline_key("Live updates"), None);
        assert!(same_headline(
            Some("Ferry resumes after storms"),
            Some("ferry resumes after storms")
        ));
        assert!(!same_headline(Some("Obituaries"), Some("Obituaries")));
        assert!(!same_headline(None, None));
    }

    proptest! {
        #[test]
        fn a_char_cursor_finds_what_a_char_map_does(
            text in "(a|é|世|\n| |😀|abcdefghij|ж|дом дома){0,30}",
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

    /// Tokens by the plain tokenizer: the ASCII one for ASCII text.
    fn plain_tokens(s: &str, base: usize) -> Vec<Token> {
        let mut units = Vec::new();
        assert!(plain_units(s, &mut units), "{s:?} is not plain");
        let ascii = collected(|f| each_ascii_token(s, base, &mut String::new(), f));
        let plain = collected(|f| each_plain_token(s, base, &units, &mut String::new(), f));
        if s.is_ascii() {
            assert_eq!(ascii, plain, "{s:?}");
        }
        plain
    }

    fn unicode_tokens(s: &str, base: usize) -> Vec<Token> {
        collected(|f| each_unicode_token(s, base, f))
    }

    #[test]
    fn plain_characters_split_as_the_segmentation_tables_have_it() {
        let letters = SIMPLE_LETTERS.iter().flat_map(|&(lo, hi)| lo..=hi);
        let punctuation = PLAIN_PUNCTUATION.iter().map(|&(c, _)| c);
        let contexts = [
            "{}", "a{}", "{}a", "A{}b", "{}1", "1{}", "1{}2", "_{}", "{}_", "{}{}", "x {} y",
            "a.{}", "{}.a", "{}.{}", "a:{}", "{}:{}", "{}'{}", "{}’a", "1,{}", "{},1", "1;{}",
        ];
        for c in letters.chain(punctuation) {
            for context in contexts {
                let s = context.replace("{}", &c.to_string());
                assert_eq!(plain_tokens(&s, 3), unicode_tokens(&s, 3), "{s:?}");
            }
        }
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
    fn cased_letters_fold_by_code_point_as_the_case_tables_have_it() {
        for c in ('\u{00C0}'..='\u{00FF}').chain('\u{0400}'..='\u{045F}') {
            let mut folded = String::new();
            fold_case_into(c, &mut folded);
            let expected: String = match c {
                'ß' => "ss".into(),
                _ => c.to_lowercase().collect(),
            };
            assert_eq!(folded, expected, "{c:?}");
        }
    }

    #[test]
    fn plain_characters_are_normalised_starters() {
        assert!(
            PLAIN_RANGES.windows(2).all(|w| w[0].1 < w[1].0),
            "sorted, apart"
        );
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
        fn plain_words_are_the_unicode_words(s in "[a-zA-Z0-9_.,;:'\" \n\t\r@#/&!‘’“”–—«»„…•éÉЖжЁёйΏΐς한ṭ-]{0,60}", base in 0usize..5) {
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

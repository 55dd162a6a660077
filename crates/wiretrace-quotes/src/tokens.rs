//! Words, punctuation and quotation marks of an article's body, with the
//! quotations they enclose and the sentences they make. Every pass is one
//! scan over the tokens, so a quotation never closed or five thousand words
//! long costs what its length costs.

use crate::patterns::Patterns;
use wiretrace_core::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Punct,
    /// A double quotation mark of any script (`"`, `“`, `”`, `„`, `«`, `»`).
    Quote,
}

#[derive(Debug, Clone)]
pub struct Tok<'a> {
    /// Code points into the text as ingested.
    pub span: Span,
    pub text: &'a str,
    /// `text` in lowercase, made once: every rule asks for it.
    low: String,
    pub kind: Kind,
    pub para: usize,
    /// Inside a quotation (its marks included).
    pub quoted: bool,
    /// Opens a quotation.
    pub opens: bool,
    /// Closes a quotation.
    pub closes: bool,
    pub sent: usize,
    /// In a sentence written in title case (a headline: 'Ferrow Says
    /// Piers Are Safe'), where a capitalised word may be a cue.
    pub title: bool,
}

impl Tok<'_> {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
    pub fn capitalized(&self) -> bool {
        self.kind == Kind::Word && self.text.chars().next().is_some_and(char::is_uppercase)
    }
    pub fn lower(&self) -> &str {
        &self.low
    }
    pub fn is(&self, s: &str) -> bool {
        self.text == s
    }
}

/// A sentence: tokens `start..end` of one paragraph.
#[derive(Debug, Clone, Copy)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub para: usize,
}

pub struct Doc<'a> {
    pub toks: Vec<Tok<'a>>,
    pub sents: Vec<Sentence>,
    /// Token range of each paragraph.
    pub paras: Vec<(usize, usize)>,
    /// Paragraph `i` ends inside a quotation that paragraph `i + 1` reopens.
    pub continues: Vec<bool>,
    /// Prefix counts of words and quoted words, and the next opening mark
    /// from each token: range questions in constant time, so that many cues
    /// in one long sentence cost no more than the sentence.
    wpre: Vec<usize>,
    qpre: Vec<usize>,
    next_open: Vec<usize>,
}

impl Doc<'_> {
    /// Words in tokens `a..b`.
    pub fn words(&self, a: usize, b: usize) -> usize {
        self.wpre[b.max(a)] - self.wpre[a]
    }
    /// Quoted words in tokens `a..b`.
    pub fn quoted_words(&self, a: usize, b: usize) -> usize {
        self.qpre[b.max(a)] - self.qpre[a]
    }
    /// The first opening quotation mark in `a..b`.
    pub fn first_open(&self, a: usize, b: usize) -> Option<usize> {
        let k = self.next_open[a];
        (k < b).then_some(k)
    }
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '‟' | '«' | '»')
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`')
}

fn closers(open: char) -> &'static [char] {
    match open {
        '«' => &['»'],
        '»' => &['«'],
        '„' => &['“', '”', '"'],
        _ => &['"', '”', '“'],
    }
}

fn joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '.' | '&')
}

/// Tokenizes `text` within the body `spans` (code points, sorted).
pub fn tokenize<'a>(text: &'a str, spans: &[Span]) -> Vec<Tok<'a>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |c| c.0);
    let mut out = Vec::new();
    for (para, sp) in spans.iter().enumerate() {
        let end = sp.end.min(chars.len());
        let mut i = sp.start.min(end);
        while i < end {
            let c = chars[i].1;
            let start = i;
            let kind;
            if c.is_alphanumeric() {
                i += 1;
                while i < end {
                    let d = chars[i].1;
                    if d.is_alphanumeric() {
                        i += 1;
                        continue;
                    }
                    // A joiner stays inside a word between two letters
                    // ("don't", "U.S", "al-Assad"), except the possessive "'s".
                    let next = chars.get(i + 1).map(|x| x.1).filter(|_| i + 1 < end);
                    if joiner(d) && next.is_some_and(char::is_alphanumeric) {
                        if matches!(d, '\'' | '’')
                            && matches!(next, Some('s' | 'S'))
                            && !chars
                                .get(i + 2)
                                .filter(|_| i + 2 < end)
                                .is_some_and(|x| x.1.is_alphanumeric())
                        {
                            break;
                        }
                        i += 1;
                        continue;
                    }
                    break;
                }
                kind = Kind::Word;
            } else if c.is_whitespace() {
                i += 1;
                continue;
            } else if is_single_quote(c) && i + 1 < end && is_single_quote(chars[i + 1].1) {
                // Two single marks stand for a double one ('' and `` in
                // newspaper archives).
                i += 2;
                kind = Kind::Quote;
            } else if matches!(c, '\'' | '’')
                && i + 1 < end
                && matches!(chars[i + 1].1, 's' | 'S')
                && !chars
                    .get(i + 2)
                    .filter(|_| i + 2 < end)
                    .is_some_and(|x| x.1.is_alphanumeric())
                && i > sp.start
                && chars[i - 1].1.is_alphanumeric()
            {
                i += 2;
                kind = Kind::Word;
            } else {
                i += 1;
                kind = if is_quote(c) {
                    Kind::Quote
                } else {
                    Kind::Punct
                };
            }
            let t = &text[byte_at(start)..byte_at(i)];
            out.push(Tok {
                span: Span::new(start, i),
                text: t,
                low: if t.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
                    t.to_lowercase()
                } else {
                    t.to_string()
                },
                kind,
                para,
                quoted: false,
                opens: false,
                closes: false,
                sent: 0,
                title: false,
            });
        }
    }
    out
}

/// Marks quotations paragraph by paragraph; returns, per paragraph, whether
/// it ends inside an open quotation.
fn mark_quotes(text: &str, toks: &mut [Tok], paras: &[(usize, usize)]) -> Vec<bool> {
    let mut open_at_end = Vec::with_capacity(paras.len());
    for &(a, b) in paras {
        let mut open: Option<char> = None;
        for i in a..b {
            if toks[i].kind != Kind::Quote {
                toks[i].quoted = open.is_some();
                continue;
            }
            let c = match toks[i].text.chars().next() {
                Some(c) if !is_single_quote(c) => c,
                _ => '"',
            };
            // Flanking: a mark glued to the following word opens, one glued
            // to the preceding word closes.
            let glued_before = i > a && toks[i - 1].span.end == toks[i].span.start;
            let glued_after = i + 1 < b && toks[i + 1].span.start == toks[i].span.end;
            match open {
                None => {
                    let opener = matches!(c, '“' | '„' | '‟' | '«')
                        || (c == '"' && (glued_after || !glued_before))
                        || (c == '»' && glued_after && !glued_before)
                        || (c == '”' && glued_after && !glued_before);
                    if opener {
                        open = Some(c);
                        toks[i].opens = true;
                        toks[i].quoted = true;
                    }
                }
                Some(o) => {
                    let closes = closers(o).contains(&c)
                        && !(c == '“' && o == '“' && glued_after && !glued_before)
                        && !(c == '"' && glued_after && !glued_before && i + 1 < b);
                    toks[i].quoted = true;
                    if closes {
                        toks[i].closes = true;
                        open = None;
                    }
                }
            }
        }
        let _ = text;
        open_at_end.push(open.is_some());
    }
    open_at_end
}

fn ends_sentence(toks: &[Tok], i: usize, b: usize, p: &Patterns) -> bool {
    let t = &toks[i];
    let stop = |t: &Tok| matches!(t.text, "." | "!" | "?" | "…");
    let at_stop = if t.closes {
        i > 0 && stop(&toks[i - 1])
    } else {
        t.kind == Kind::Punct && stop(t) && !t.quoted
    };
    if !at_stop {
        return false;
    }
    // An inner stop followed by the closing mark ends at the mark.
    if !t.closes && i + 1 < b && toks[i + 1].closes {
        return false;
    }
    if t.text == "." && i > 0 && toks[i - 1].is_word() {
        let w = toks[i - 1].text;
        if p.abbreviations.contains(w)
            || (w.chars().count() == 1 && w.chars().all(char::is_uppercase))
        {
            return false;
        }
    }
    let mut j = i + 1;
    while j < b && matches!(toks[j].text, ")" | "]" | "’" | "'") {
        j += 1;
    }
    // A quotation ending in a stop and signed by a name and a cue ('"Why
    // now?" Mr. Trump asked.') goes on into its attribution.
    if t.closes && j < b && signed_by_name(toks, j, b, p) {
        return false;
    }
    j >= b
        || toks[j].opens
        || toks[j]
            .text
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_numeric())
}

/// A capitalised name of at most five words (titles' full stops allowed)
/// starting at `j` and followed by a hand-written cue ('Mr. Trump asked').
fn signed_by_name(toks: &[Tok], j: usize, b: usize, p: &Patterns) -> bool {
    let mut k = j;
    while k < b && k < j + 6 {
        let t = &toks[k];
        let title_stop = k > j && t.is(".") && p.abbreviations.contains(toks[k - 1].text);
        if !(t.capitalized() && !t.quoted || title_stop) {
            break;
        }
        k += 1;
    }
    k > j
        && k < b
        && toks[k].is_word()
        && !toks[k].quoted
        && !p.common_words.contains(toks[j].lower())
        && p.cues.contains_key(toks[k].lower())
}

pub fn analyze<'a>(text: &'a str, spans: &[Span], p: &Patterns) -> Doc<'a> {
    let mut toks = tokenize(text, spans);
    let mut paras = Vec::with_capacity(spans.len());
    let mut i = 0;
    for k in 0..spans.len() {
        let a = i;
        while i < toks.len() && toks[i].para == k {
            i += 1;
        }
        paras.push((a, i));
    }
    let open_at_end = mark_quotes(text, &mut toks, &paras);
    let continues: Vec<bool> = (0..paras.len())
        .map(|k| {
            open_at_end[k]
                && paras
                    .get(k + 1)
                    .is_some_and(|&(a, b)| a < b && toks[a].opens)
        })
        .collect();
    let mut sents = Vec::new();
    for (k, &(a, b)) in paras.iter().enumerate() {
        let mut s = a;
        for i in a..b {
            if ends_sentence(&toks, i, b, p) {
                sents.push(Sentence {
                    start: s,
                    end: i + 1,
                    para: k,
                });
                s = i + 1;
            }
        }
        if s < b {
            sents.push(Sentence {
                start: s,
                end: b,
                para: k,
            });
        }
    }
    for (n, s) in sents.iter().enumerate() {
        // Title case: at least three words and nearly every word of four
        // letters or more capitalised (short ones may not be: 'of', 'to').
        let long = |t: &Tok| t.is_word() && !t.quoted && t.text.chars().count() >= 4;
        let (caps, all) = toks[s.start..s.end]
            .iter()
            .filter(|t| long(t))
            .fold((0, 0), |(c, a), t| {
                (c + usize::from(t.capitalized()), a + 1)
            });
        let title = all >= 3 && caps * 10 >= all * 9;
        for t in &mut toks[s.start..s.end] {
            t.sent = n;
            t.title = title;
        }
    }
    let mut wpre = Vec::with_capacity(toks.len() + 1);
    let mut qpre = Vec::with_capacity(toks.len() + 1);
    let (mut w, mut q) = (0, 0);
    wpre.push(0);
    qpre.push(0);
    for t in &toks {
        w += usize::from(t.is_word());
        q += usize::from(t.is_word() && t.quoted);
        wpre.push(w);
        qpre.push(q);
    }
    let mut next_open = vec![toks.len(); toks.len() + 1];
    for i in (0..toks.len()).rev() {
        next_open[i] = if toks[i].opens { i } else { next_open[i + 1] };
    }
    Doc {
        toks,
        sents,
        paras,
        continues,
        wpre,
        qpre,
        next_open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::PATTERNS;

    fn doc(t: &str) -> Doc<'_> {
        analyze(t, &[Span::new(0, t.chars().count())], &PATTERNS)
    }

    #[test]
    fn words_keep_contractions_and_split_possessives() {
        let d = doc("Mexico's chief didn't go to the U.S. today.");
        let w: Vec<&str> = d.toks.iter().map(|t| t.text).collect();
        assert_eq!(
            w,
            ["Mexico", "'s", "chief", "didn't", "go", "to", "the", "U.S", ".", "today", "."]
        );
    }

    #[test]
    fn quotations_of_every_script_are_marked() {
        for t in [
            "He said \"we go\" now.",
            "He said “we go” now.",
            "Er sagte „we go“ now.",
            "Il a dit « we go » now.",
            "He said ''we go'' now.",
        ] {
            let d = doc(t);
            let q: Vec<&str> = d.toks.iter().filter(|t| t.quoted).map(|t| t.text).collect();
            assert_eq!(q.len(), 4, "{t}: {q:?}");
            assert!(q.contains(&"we") && q.contains(&"go"), "{t}");
            assert!(!d.toks.iter().any(|t| t.text == "now" && t.quoted), "{t}");
        }
    }

    #[test]
    fn sentences_end_outside_quotations_and_not_after_titles() {
        let d = doc("\"It works. It is fine,\" Mr. Aldo said. \"More.\" He left.");
        assert_eq!(d.sents.len(), 3, "{:?}", d.sents);
    }

    #[test]
    fn an_unclosed_quotation_runs_to_the_paragraph_end_and_may_continue() {
        let t = "\"We will win. We always do.\n\n\"And we shall,\" she said.";
        let d = analyze(
            t,
            &[Span::new(0, 27), Span::new(29, t.chars().count())],
            &PATTERNS,
        );
        assert_eq!(d.continues, [true, false]);
        assert!(d.toks.iter().filter(|t| t.para == 0).all(|t| t.quoted));
    }
}

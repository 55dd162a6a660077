//! Finds attributions sentence by sentence: a cue (a speech verb, "according
//! to"), the source phrase beside it, and the content on the side of the
//! sentence the cue points to. Quoted sentences with no cue of their own
//! continue the attribution before them.

use crate::patterns::Patterns;
use crate::tokens::{Doc, Kind, Tok};

/// An attribution as token ranges (`start..end`) into `Doc::toks`.
#[derive(Debug, Clone)]
pub struct Raw {
    pub content: Vec<(usize, usize)>,
    pub cue: Option<(usize, usize)>,
    pub source: Option<(usize, usize)>,
    /// The source is the speaker of the attribution this one continues.
    pub continues: Option<usize>,
    /// The cue model's sum of weights, for a cue word it judged.
    pub score: Option<f32>,
    pub sent: usize,
}

/// Trims punctuation (but not quotation marks) from both ends.
fn trim(doc: &Doc, mut a: usize, mut b: usize) -> Option<(usize, usize)> {
    let toks = &doc.toks;
    while a < b && toks[a].kind == Kind::Punct {
        a += 1;
    }
    while b > a && toks[b - 1].kind == Kind::Punct {
        b -= 1;
    }
    (doc.words(a, b) > 0).then_some((a, b))
}

/// The cue starting at token `i`, as its length in tokens, whether it is
/// a participle, and the cue model's score when the model judged it (a
/// learned cue word is taken above `threshold`).
pub(crate) fn cue_at(
    toks: &[Tok],
    i: usize,
    end: usize,
    p: &Patterns,
    learned: bool,
    threshold: f32,
) -> Option<(usize, bool, Option<f32>)> {
    let t = &toks[i];
    // Capitalised, a word is a cue only opening its sentence ('Saying that
    // A, Ferrow left'), and then only a participle.
    let opening = i == 0 || toks[i - 1].sent != t.sent;
    // In a headline in title case any word may be capitalised ('Piers
    // Will Reopen, Ilse Marek Says').
    let title = t.title;
    if !t.is_word() || t.quoted || t.capitalized() && !opening && !title {
        return None;
    }
    // After an article it is an adjective or a noun: 'an alleged boat'.
    if i > 0 && toks[i - 1].is_word() && p.noun_markers.contains(toks[i - 1].lower()) {
        return None;
    }
    let l = t.lower();
    let (mut n, participle, score) = p
        .cues
        .get(l)
        .and_then(|cands| {
            cands.iter().find_map(|c| {
                let n = c.words.len();
                (i + n <= end
                    && c.words
                        .iter()
                        .zip(&toks[i..i + n])
                        .all(|(w, t)| t.is_word() && !t.quoted && t.lower() == *w))
                .then_some((n, c.participle, None))
            })
        })
        .or_else(|| {
            let &pp = p.learned_cues.get(l).filter(|_| learned)?;
            let z = cue_score(toks, i, l, p);
            (z > threshold).then_some((1, pp, Some(z)))
        })?;
    if t.capitalized() && !participle && !title {
        return None;
    }
    // One cue of several words: "pointed out", "called for".
    while i + n < end
        && toks[i + n].is_word()
        && !toks[i + n].quoted
        && p.is_cue_word(toks[i + n].lower(), learned)
        && n < 4
    {
        n += 1;
    }
    Some((n, participle, score))
}

/// The form of "be" making the cue of `n` words at `i` passive: its first
/// word, or the word before it (an adverb allowed between: 'was first
/// reported by').
fn passive_at(toks: &[Tok], a: usize, i: usize, n: usize, p: &Patterns) -> Option<usize> {
    let be = |k: usize| toks[k].is_word() && p.passive.contains(toks[k].lower());
    // Only a past participle is passive after "be": 'she was hoping',
    // 'they have been critical of' keep their subject as the source.
    let verb = if n >= 2 && be(i) { i + 1 } else { i };
    if !past_participle(toks[verb].lower()) {
        return None;
    }
    if n >= 2 && be(i) {
        return Some(i);
    }
    let adverb = |k: usize| {
        let l = toks[k].lower();
        toks[k].is_word() && (l.ends_with("ly") || p.aux.contains(l) || l == "first")
    };
    (a..i)
        .rev()
        .take(2)
        .find(|&k| !adverb(k) || be(k))
        .filter(|&k| be(k))
}

/// Whether `w` has the shape of an English past participle ('endorsed',
/// 'told', 'thought', 'shown', 'written', 'done'), not of a present
/// participle or an adjective ('hoping', 'critical', 'confident').
fn past_participle(w: &str) -> bool {
    const ENDINGS: [&str; 7] = ["ed", "en", "wn", "ld", "id", "ne", "ght"];
    ENDINGS.iter().any(|e| w.ends_with(e))
        || w.ends_with('t') && !w.ends_with("ant") && !w.ends_with("ent")
        || matches!(w, "meant" | "sent" | "spent")
}

/// The cue model's threshold on the sum of weights (a probability of about
/// .38): chosen on PolNeAR dev, where it gave the best content overlap and
/// source F1 together (0: .717/.621, -0.5: .738/.623, -1: .749/.592).
pub(crate) const CUE_THRESHOLD: f32 = -0.5;

/// A neighbour as the cue model sees it: lowercase, every quotation mark
/// one.
fn model_form(t: Option<&Tok>, edge: &str) -> String {
    match t {
        None => edge.to_string(),
        Some(t) if t.kind == Kind::Quote => "\"".to_string(),
        Some(t) => t.lower().to_string(),
    }
}

/// The learned model's score of the candidate word `w` at `i` as a cue:
/// the sum of the weights of its features (the word, its neighbours, the
/// pairs, the case of the word before; as `scripts/learn_quotes.py` builds
/// them), a log-odds.
fn cue_score(toks: &[Tok], i: usize, w: &str, p: &Patterns) -> f32 {
    let prev = i.checked_sub(1).map(|k| &toks[k]);
    let pf = model_form(prev, "<s>");
    let nf = model_form(toks.get(i + 1), "</s>");
    let cap = prev.is_some_and(|t| t.text.chars().next().is_some_and(char::is_uppercase));
    let feats = [
        "b".to_string(),
        format!("w={w}"),
        format!("p={pf}"),
        format!("n={nf}"),
        format!("pw={pf}|{w}"),
        format!("wn={w}|{nf}"),
        format!("pc={}", if cap { "True" } else { "False" }),
    ];
    feats
        .iter()
        .map(|f| p.cue_weights.get(f.as_str()).copied().unwrap_or(0.0))
        .sum()
}

fn according_at(toks: &[Tok], i: usize, end: usize, p: &Patterns) -> Option<usize> {
    let t = &toks[i];
    if !t.is_word() || t.quoted {
        return None;
    }
    let cands = p.according.get(t.lower())?;
    cands.iter().find_map(|c| {
        let n = c.len();
        (i + n <= end
            && c.iter()
                .zip(&toks[i..i + n])
                .all(|(w, t)| t.is_word() && t.lower() == *w))
        .then_some(n)
    })
}

/// A year ('2010'): a date between a source and its cue.
fn is_year(w: &str) -> bool {
    w.len() == 4
        && w.bytes().all(|c| c.is_ascii_digit())
        && (w.starts_with("19") || w.starts_with("20"))
}

/// Prepositions before a gerund cue whose source is its clause's subject.
const GERUND_PREPOSITIONS: [&str; 2] = ["by", "without"];

/// Quantifiers that may stand between a subject and its verb.
const FLOATING: [&str; 3] = ["both", "all", "each"];

/// The noun phrase ending just before `end` (auxiliaries skipped), read
/// leftwards to a stop word, punctuation or its determiner.
fn np_left(
    toks: &[Tok],
    a: usize,
    end: usize,
    p: &Patterns,
    learned: bool,
) -> Option<(usize, usize)> {
    let mut e = end;
    loop {
        let l = |k: usize| toks[k].lower();
        let time = |k: usize| p.time_words.contains(l(k)) || is_year(toks[k].text);
        if e > a + 1 && toks[e - 2].is_word() && time(e - 1) && p.prepositions.contains(l(e - 2)) {
            e -= 2;
        } else if e > a + 1
            && FLOATING.contains(&l(e - 1))
            && toks[e - 2].is_word()
            && !p.prepositions.contains(l(e - 2))
            && !p.determiners.contains(l(e - 2))
        {
            // A quantifier floating after its noun phrase ('the unions both
            // said'): the source is the phrase, not the quantifier.
            e -= 1;
        } else if e > a && toks[e - 1].is_word() && {
            p.aux.contains(l(e - 1))
                || l(e - 1).ends_with("ly") && !toks[e - 1].capitalized()
                || time(e - 1)
        } {
            e -= 1;
        } else {
            break;
        }
    }
    // A relative pronoun is the source of its clause ('..., who said').
    if e > a && toks[e - 1].is_word() && p.relatives.contains(toks[e - 1].lower()) {
        return Some((e - 1, e));
    }
    let mut j = e;
    while j > a {
        let t = &toks[j - 1];
        if !t.is_word() || t.quoted {
            break;
        }
        let l = t.lower();
        if p.stop_np.contains(l)
            || !t.capitalized() && (p.is_cue_word(l, learned) || p.prepositions.contains(l))
        {
            break;
        }
        j -= 1;
        if p.determiners.contains(l) || e - j >= 8 {
            break;
        }
    }
    // "Mr. Kamin": the title's full stop is no boundary.
    if j >= a + 2 && j < e && toks[j - 1].is(".") && p.abbreviations.contains(toks[j - 2].text) {
        j -= 2;
    }
    (j < e).then_some((j, e))
}

/// The name and colon opening a paragraph ('PENCE:', 'Maria Voss:', an
/// opening quotation mark allowed before them), as a transcript gives a
/// turn or a headline its speaker: the name's start and the colon.
/// A label ('Correction:') or a headline's kicker ('Stealth Over
/// Health:', a common word inside) names nobody.
fn speaker_colon(doc: &Doc, a: usize, b: usize, p: &Patterns) -> Option<(usize, usize)> {
    let toks = &doc.toks;
    if a > 0 && toks[a - 1].para == toks[a].para {
        return None;
    }
    let a = if toks[a].opens { a + 1 } else { a };
    let k = (a..b.min(a + 4)).find(|&k| !toks[k].is_word())?;
    let named = k > a
        && toks[a..k].iter().enumerate().all(|(n, t)| {
            // (A common word may open one: 'THE PRESIDENT:'.)
            t.capitalized()
                && t.text.chars().count() > 1
                && !p.colon_labels.contains(t.lower())
                && (n == 0 || !p.common_words.contains(t.lower()))
        });
    (named && toks[k].is(":") && doc.words(k + 1, b) >= 3).then_some((a, k))
}

/// Where content running right from a cue ends: before a participle cue
/// after a comma ('X said Y, adding Z'), which starts an attribution of its
/// own; else at the sentence's end `b`.
fn right_end(toks: &[Tok], r: usize, b: usize, p: &Patterns, learned: bool) -> usize {
    (r + 1..b)
        .take(200)
        .find(|&k| {
            toks[k - 1].is(",")
                && cue_at(toks, k, b, p, learned, CUE_THRESHOLD).is_some_and(|(_, part, _)| part)
        })
        .map_or(b, |k| k - 1)
}

/// The noun phrase starting at `start`, read rightwards to punctuation, a
/// preposition or a stop word.
fn np_right(toks: &[Tok], start: usize, b: usize, p: &Patterns) -> Option<(usize, usize)> {
    let mut j = start;
    while j < b {
        let t = &toks[j];
        // "Mr. Ferrow": the title's full stop is no boundary.
        if j > start
            && t.is(".")
            && p.abbreviations.contains(toks[j - 1].text)
            && toks
                .get(j + 1)
                .is_some_and(|n| n.capitalized() && j + 1 < b)
        {
            j += 1;
            continue;
        }
        if !t.is_word() || t.quoted {
            break;
        }
        let l = t.lower();
        if j > start && (p.stop_np.contains(l) || p.prepositions.contains(l) && !t.capitalized())
            || p.time_words.contains(l)
            || j - start >= 10
        {
            break;
        }
        j += 1;
    }
    (j > start).then_some((start, j))
}

/// The words after an inverted cue up to punctuation (a title's full stop
/// and the marks inside a word like '9/11' excepted), at most 12 tokens:
/// the source when a quotation ends right before the cue.
fn phrase_right(toks: &[Tok], start: usize, b: usize, p: &Patterns) -> Option<(usize, usize)> {
    let mut j = start;
    while j < b && j < start + 12 && !toks[j].quoted {
        let t = &toks[j];
        let glued = j > start
            && toks[j - 1].span.end == t.span.start
            && toks.get(j + 1).is_some_and(|n| n.span.start == t.span.end);
        let title_stop = j > start && t.is(".") && p.abbreviations.contains(toks[j - 1].text);
        if t.kind == Kind::Punct && !glued && !title_stop {
            break;
        }
        j += 1;
    }
    (j > start).then_some((start, j))
}

/// A phrase that can be the source after its cue ('..., said the mayor',
/// '..., said Ilse Marek'): a name, a pronoun, or a phrase with its
/// determiner, never a clause ('said Kestrel believed ...').
fn inverted_source(toks: &[Tok], s: usize, e: usize, p: &Patterns) -> bool {
    let first = toks[s].lower();
    if p.determiners.contains(first) {
        // ('X, a harbour pilot, said the plan was sound': a clause.)
        return !toks[s..e]
            .iter()
            .any(|t| p.aux.contains(t.lower()) || p.passive.contains(t.lower()));
    }
    if p.pronouns.contains_key(first) {
        return e - s == 1;
    }
    toks[s].capitalized()
        && toks[s..e]
            .iter()
            .all(|t| t.capitalized() || t.is(".") || p.name_particles.contains(t.text))
}

/// How far before a cue a quotation may close and still be its content
/// with the source between them, in tokens.
const QUOTE_TO_CUE: usize = 30;

/// How far after a cue's object or adverbial a "that" opening the content
/// is looked for, in tokens ('said during a Friday evening rally in
/// Michigan that ...').
const THAT_WITHIN: usize = 12;

/// How far back the opening mark of a quotation signed after a clause of
/// its own is looked for, in tokens.
const QUOTE_BACK: usize = 400;

/// The quotation ending at most [`QUOTE_TO_CUE`] tokens before the cue at
/// `i` (its first token and its closing mark): the content, with the
/// source between it and the cue ('"A," Ilse Marek, the union leader
/// (Kestrel), said'). Either what runs from the sentence start `a` to it is
/// mostly quoted (and all of it is the content), or the quotation opens
/// after a comma or a colon ending a clause of its own ('..., telling
/// Kestrel Radio, "A," he said'), and the quotation alone is the content.
fn quote_before(doc: &Doc, a: usize, i: usize) -> Option<(usize, usize)> {
    let toks = &doc.toks;
    let q = (i.saturating_sub(QUOTE_TO_CUE).max(a)..i)
        .rev()
        .find(|&k| toks[k].quoted)
        .filter(|&k| toks[k].closes)?;
    let w = doc.words(a, q + 1);
    if w >= 2 && doc.quoted_words(a, q + 1) * 10 >= w * 8 {
        return Some((a, q));
    }
    let open = (a.max(q.saturating_sub(QUOTE_BACK))..q)
        .rev()
        .take_while(|&k| toks[k].quoted)
        .find(|&k| toks[k].opens)?;
    (open > a && matches!(toks[open - 1].text, "," | ":") && doc.words(open, q + 1) >= 3)
        .then_some((open, q))
}

/// Skips what may stand between a cue and its content: the audience of
/// "told", a date, "in a statement" before "that".
fn content_start(toks: &[Tok], r: usize, b: usize, object_cue: bool, p: &Patterns) -> usize {
    let that_within = |from: usize| {
        (from..b.min(from + THAT_WITHIN)).find(|&k| {
            toks[k].is_word()
                && toks[k].lower() == "that"
                && !toks[k].quoted
                && !toks[from..k].iter().any(|t| t.is(","))
        })
    };
    let mut r = r;
    if object_cue || r < b && p.prepositions.contains(toks[r].lower()) {
        if let Some(k) = that_within(r) {
            return k;
        }
    }
    loop {
        if r < b && toks[r].is_word() && p.time_words.contains(toks[r].lower()) {
            r += 1;
        } else if r + 1 < b
            && p.prepositions.contains(toks[r].lower())
            && p.time_words.contains(toks[r + 1].lower())
        {
            r += 2;
        } else if r < b && toks[r].is(",") {
            r += 1;
        } else {
            return r;
        }
    }
}

/// The start of the last clause joined to the sentence in `a..end` ('...,
/// but he refuses ..., saying'): after a coordinator followed by a pronoun
/// or a name. The scan back is bounded.
fn clause_start(toks: &[Tok], a: usize, end: usize, p: &Patterns) -> Option<usize> {
    (a.max(end.saturating_sub(60))..end.saturating_sub(1))
        .rev()
        .find(|&k| {
            let next = &toks[k + 1];
            p.coordinators.contains(toks[k].lower())
                && !toks[k].is(",")
                && !toks[k].quoted
                && next.is_word()
                && (p.pronouns.contains_key(next.lower())
                    || next.capitalized() && !p.common_words.contains(next.lower()))
        })
        .map(|k| k + 1)
}

/// The first person or organisation named in `a..end`, else the first
/// noun phrase: the subject a participle or an appositive refers back to.
fn subject(
    toks: &[Tok],
    a: usize,
    end: usize,
    names: &dyn Fn(usize) -> Option<(usize, usize, bool)>,
    p: &Patterns,
) -> Option<(usize, usize)> {
    let mut a = clause_start(toks, a, end, p).unwrap_or(a);
    // An opening prepositional phrase ('In fact, she ...', 'On Monday,
    // the union ...') is no subject: the clause starts after its comma.
    if a < end && p.prepositions.contains(toks[a].lower()) {
        if let Some(k) = (a + 1..end.min(a + 8)).find(|&k| toks[k].is(",")) {
            a = k + 1;
        }
    }
    // So is an opening adverbial before a pronoun ('A month later, he
    // ...'): the pronoun is the subject.
    if let Some(k) = (a + 1..end.min(a + 8)).find(|&k| toks[k].is(",")) {
        let l = toks.get(k + 1).map(|t| t.lower());
        if k + 1 < end
            && l.is_some_and(|l| p.pronouns.contains_key(l) && !p.relatives.contains(l))
            && toks[a..k].iter().all(|t| t.is_word() && !t.quoted)
        {
            return Some((k + 1, k + 2));
        }
    }
    // A subject is near its clause's start: the scan is bounded, so that
    // many participles in one sentence cost no more than the sentence.
    let end = end.min(a + 60);
    // A clause opening with a pronoun has it for subject ('He thanked the
    // union, telling ...').
    if let Some(k) = (a..end).find(|&k| {
        let l = toks[k].lower();
        toks[k].is_word()
            && !toks[k].quoted
            && (p.pronouns.contains_key(l) || !p.common_words.contains(l))
    }) {
        if p.pronouns.contains_key(toks[k].lower()) && !p.relatives.contains(toks[k].lower()) {
            return Some((k, k + 1));
        }
    }
    // A clause opening with a determiner has its first noun phrase for
    // subject, up to its verb ('Both parents stiffened their attack on
    // Ferrow, saying ...', not 'Ferrow').
    if let Some(k) = (a..end).find(|&k| toks[k].is_word()) {
        if !toks[k].quoted && p.determiners.contains(toks[k].lower()) {
            let e = (k + 1..end.min(k + 8))
                .find(|&j| {
                    let t = &toks[j];
                    let l = t.lower();
                    !t.is_word()
                        || t.quoted
                        || !t.capitalized()
                            && (past_participle(l)
                                || p.aux.contains(l)
                                || p.stop_np.contains(l)
                                || p.prepositions.contains(l)
                                || p.is_cue_word(l, false))
                })
                .unwrap_or(end.min(k + 8));
            if e > k + 1 {
                return Some((k, e));
            }
        }
    }
    let mut fallback = None;
    let mut i = a;
    while i < end {
        if toks[i].quoted {
            i += 1;
            continue;
        }
        if let Some((s, e, person)) = names(i) {
            if person {
                return Some((s, e.min(end)));
            }
            fallback.get_or_insert((s, e.min(end)));
            i = e.max(i + 1);
            continue;
        }
        i += 1;
    }
    if fallback.is_some() {
        return fallback;
    }
    let mut s = a;
    while s < end && (!toks[s].is_word() || p.common_words.contains(toks[s].lower())) {
        let l = toks[s].lower();
        if toks[s].is_word() && (p.determiners.contains(l) || p.pronouns.contains_key(l)) {
            break;
        }
        s += 1;
    }
    np_right(toks, s, end, p)
}

/// The attributions of `doc`; learned cue words count where the cue
/// model's score is above `threshold`.
pub fn find(
    doc: &Doc,
    p: &Patterns,
    learned: bool,
    threshold: f32,
    names: &dyn Fn(usize) -> Option<(usize, usize, bool)>,
) -> Vec<Raw> {
    let toks = &doc.toks;
    let mut out: Vec<Raw> = Vec::new();
    let mut last_para_att: Option<(usize, usize)> = None; // (para, index in out)
    let mut pending: Vec<(usize, (usize, usize))> = Vec::new();
    // The paragraph a transcript turn takes whole.
    let mut turn_para: Option<usize> = None;
    for (si, s) in doc.sents.iter().enumerate() {
        let (a, b) = (s.start, s.end);
        let before = out.len();
        if turn_para == Some(s.para) {
            continue;
        }
        // A transcript's turn or a headline's speaker: 'PENCE: Well, look,
        // ...', 'Voss: Piers Are Safe'. The turn is the whole paragraph.
        if let Some((name, k)) = speaker_colon(doc, a, b, p) {
            if let Some(c) = trim(doc, k + 1, doc.paras[s.para].1) {
                flush(&mut out, &mut last_para_att, &mut pending);
                out.push(Raw {
                    content: vec![c],
                    cue: Some((k, k + 1)),
                    source: Some((name, k)),
                    continues: None,
                    score: None,
                    sent: si,
                });
                last_para_att = Some((s.para, out.len() - 1));
                turn_para = Some(s.para);
                continue;
            }
        }
        let mut i = a;
        while i < b {
            if let Some(n) = according_at(toks, i, b, p) {
                let src = np_right(toks, i + n, b, p);
                let after = src.map_or(i + n, |x| x.1);
                let content = if doc.words(a, i) >= 2 {
                    trim(doc, a, i)
                } else {
                    trim(doc, after, b)
                };
                if let Some(c) = content {
                    out.push(Raw {
                        content: vec![c],
                        cue: Some((i, i + n)),
                        source: src,
                        continues: None,
                        score: None,
                        sent: si,
                    });
                }
                i += n;
                continue;
            }
            if i > a && toks[i - 1].closes && matches!(toks[i].text, "―" | "—" | "–") {
                // A quotation signed after a dash: '"…" ― Jo Falk'.
                let src = np_right(toks, i + 1, b, p);
                let signed = src.is_some_and(|(s, e)| {
                    toks[s].capitalized() && (e >= b || toks[e].kind == Kind::Punct)
                });
                if let (true, Some(c)) = (signed, trim(doc, a, i)) {
                    out.push(Raw {
                        content: vec![c],
                        cue: Some((i, i + 1)),
                        source: src,
                        continues: None,
                        score: None,
                        sent: si,
                    });
                    break;
                }
            }
            let Some((n, participle, score)) = cue_at(toks, i, b, p, learned, threshold) else {
                i += 1;
                continue;
            };
            // A passive cue ('was endorsed by the union'): the source
            // follows the agent word, the content is the subject before.
            if let Some(be) = passive_at(toks, a, i, n, p) {
                let by = i + n;
                if by < b && toks[by].is_word() && p.agents.contains(toks[by].lower()) {
                    let src = np_right(toks, by + 1, b, p);
                    if let (Some(src), Some(c)) = (src, np_left(toks, a, be, p, learned)) {
                        out.push(Raw {
                            content: vec![c],
                            cue: Some((i, by + 1)),
                            source: Some(src),
                            continues: None,
                            score,
                            sent: si,
                        });
                    }
                    i = by + 1;
                    continue;
                }
                if !p.cues.contains_key(toks[i].lower()) {
                    // No agent ('the cranes are expected to be sold'): the
                    // subject and what follows, with no source.
                    let r = content_start(toks, by, b, false, p);
                    let parts: Vec<(usize, usize)> = np_left(toks, a, be, p, learned)
                        .into_iter()
                        .chain(trim(doc, r, right_end(toks, r, b, p, learned)))
                        .collect();
                    if !parts.is_empty() {
                        out.push(Raw {
                            content: parts,
                            cue: Some((i, by)),
                            source: None,
                            continues: None,
                            score,
                            sent: si,
                        });
                    }
                    i = by;
                    continue;
                }
            }
            let cue = (i, i + n);
            let object_cue = p.object_cues.contains(toks[i].lower());
            let left_adj = (i > a).then(|| &toks[i - 1]);
            let after_comma = left_adj.is_some_and(|t| t.is(",") || t.closes);
            let mut source;
            let mut content = None;
            let mut more = None;
            if participle || i == a {
                // 'X said A, adding B': the source of the attribution
                // before, unless a clause of its own starts in between.
                let prev = out[before..]
                    .last()
                    .and_then(|o| Some((o.cue?.1, o.source?)))
                    .filter(|&(c, _)| c <= i && clause_start(toks, c, i, p).is_none());
                // Not after a comma, the participle is progressive or
                // modifies the noun phrase just before it, its source
                // ('Obama is defending ...', 'those describing ...', 'Ferrow,
                // who is saying ...').
                // A gerund after 'by' or 'without' ('she responded by
                // saying ...') has the clause's subject for source, never
                // the phrase before the preposition.
                let gerund = i > a && GERUND_PREPOSITIONS.contains(&toks[i - 1].lower());
                let adjacent = (i > a && !gerund && !toks[i - 1].is(",") && !toks[i - 1].closes)
                    .then(|| np_left(toks, a, i, p, learned))
                    .flatten();
                source = match prev {
                    _ if adjacent.is_some() => adjacent,
                    Some((_, src)) if participle => Some(src),
                    _ => subject(toks, a, i, names, p),
                };
                let r = content_start(toks, i + n, b, object_cue, p);
                let mut end = right_end(toks, r, b, p, learned);
                // A participle opening its sentence ('Saying that A, Ferrow
                // left'): the content ends at the comma before the main
                // clause, whose subject is the source.
                if i == a && participle && source.is_none() {
                    let main = (r + 1..end.min(r + 120)).find(|&k| {
                        toks[k - 1].is(",") && !toks[k].quoted && {
                            let l = toks[k].lower();
                            p.determiners.contains(l)
                                || p.pronouns.contains_key(l) && !p.relatives.contains(l)
                                || toks[k].capitalized() && !p.common_words.contains(l)
                        }
                    });
                    if let Some(k) = main {
                        source = subject(toks, k, b, names, p);
                        end = k - 1;
                    }
                }
                content = trim(doc, r, end);
            } else if after_comma {
                // Inverted ('..., said the minister.') or appositive
                // ('X, asked about Y, said Z').
                let np = np_right(toks, i + n, b, p);
                let rest = np.map_or(i + n, |x| x.1);
                // An object cue's noun phrase is its audience, never an
                // inverted source ('"A," Jo Falk, a former aide, told CBS.').
                let inverted = !object_cue
                    && np.is_some_and(|(s, e)| inverted_source(toks, s, e, p))
                    && doc.words(a, i) >= 2
                    && (rest >= b
                        || toks[rest].kind == Kind::Punct
                        || p.prepositions.contains(toks[rest].lower())
                        || p.time_words.contains(toks[rest].lower()));
                if inverted {
                    source = np;
                    // The content may run on after the source: '"A," he
                    // said, "B."'
                    let mut parts = vec![];
                    if let Some(c) = trim(doc, a, i) {
                        parts.push(c);
                    }
                    let tail = doc.first_open(rest, b);
                    if let Some(k) = tail {
                        if let Some(c) = trim(doc, k, b) {
                            parts.push(c);
                        }
                    }
                    if !parts.is_empty() {
                        out.push(Raw {
                            content: parts,
                            cue: Some(cue),
                            source,
                            continues: None,
                            score,
                            sent: si,
                        });
                    }
                    i += n;
                    continue;
                }
                let r = content_start(toks, i + n, b, object_cue, p);
                if let Some((qa, q)) = quote_before(doc, a, i) {
                    // '"A," Ilse Marek, the union leader, said after ...',
                    // or '"A," said 9/11 widow Terry Strada.'
                    content = trim(doc, qa, q + 1);
                    source = trim(doc, q + 1, i).or_else(|| phrase_right(toks, i + n, b, p));
                } else {
                    source = subject(toks, a, i, names, p);
                    content = trim(doc, r, right_end(toks, r, b, p, learned));
                }
            } else {
                source = np_left(toks, a, i, p, learned);
                let src_start = source.map_or(i, |x| x.0);
                let r = content_start(toks, i + n, b, object_cue, p);
                let right_words = doc.words(r, b);
                let right_adverbial = r >= b
                    || p.prepositions.contains(toks[r].lower())
                    || (object_cue && right_words <= 4);
                let left_words = doc.words(a, src_start);
                let before_src = (src_start > a).then(|| &toks[src_start - 1]);
                let left_closed = before_src.is_some_and(|t| t.is(",") || t.closes);
                let starts_that = r < b && toks[r].lower() == "that";
                // 'In June, ...', 'But when Congress cut funding, ...',
                // 'Campaigning in 2012, ...': an adverbial, not content.
                let left_adverbial = (a..src_start)
                    .find(|&k| toks[k].is_word() && !p.coordinators.contains(toks[k].lower()))
                    .is_some_and(|k| {
                        let l = toks[k].lower();
                        !toks[k].quoted
                            && (p.prepositions.contains(l)
                                || p.subordinators.contains(l)
                                || k == a && toks[k].capitalized() && l.ends_with("ing"))
                    });
                // '"A," Trump said, adding ...': a quotation just before
                // the source is the content, with a quotation reopened
                // right after the cue ('"A," he said, "B."').
                let closed = quote_before(doc, a, i);
                if let (false, Some((qa, q))) = (starts_that, closed) {
                    content = trim(doc, qa, q + 1);
                    if source.is_none_or(|(s, _)| s <= q) {
                        source = trim(doc, q + 1, i);
                    }
                    if r < b && toks[r].opens {
                        more = trim(doc, r, right_end(toks, r, b, p, learned));
                    }
                } else if left_closed
                    && left_words >= 2
                    && !left_adverbial
                    && !starts_that
                    && (right_words < 4 || right_adverbial)
                {
                    content = trim(doc, a, src_start);
                } else if right_words >= 3
                    || doc.first_open(r, b).is_some()
                    || left_adverbial && right_words >= 1
                {
                    content = trim(doc, r, right_end(toks, r, b, p, learned));
                } else if left_words >= 2 && !left_adverbial {
                    content = trim(doc, a, src_start);
                } else if i + n < b && toks[i + n].is(":") || right_words == 0 {
                    // 'He said:' and the quotation follows ('He said.' only
                    // before a quotation, and with no words of its own:
                    // '"Phony," Marek said.' has had its say).
                    let colon = i + n < b && toks[i + n].is(":");
                    if let Some(next) = doc.sents.get(si + 1) {
                        let bare = left_words == 0 && toks[next.start].opens;
                        if next.para <= s.para + 1 && (colon || bare) {
                            content = trim(doc, next.start, next.end);
                        }
                    }
                }
                if source.is_none() && content.is_some() {
                    // 'X tweeted A and urged B': the subject X shares.
                    let shared = (i > a && p.coordinators.contains(toks[i - 1].lower()))
                        .then(|| out[before..].last())
                        .flatten()
                        .and_then(|o| o.source);
                    source = shared.or_else(|| subject(toks, a, i, names, p));
                }
            }
            if let Some(c) = content {
                out.push(Raw {
                    content: std::iter::once(c).chain(more).collect(),
                    cue: Some(cue),
                    source,
                    continues: None,
                    score,
                    sent: si,
                });
            }
            i += n;
        }
        cut_at_coordinated(doc, &mut out[before..], p);
        particle_into_cue(doc, &mut out[before..], p);
        if out.len() > before {
            // Quoted paragraphs running into this one belong to its first
            // attribution when it starts in the quotation they open.
            if !pending.is_empty() {
                let chained = s.para > 0
                    && pending.last().is_some_and(|&(pl, _)| pl + 1 == s.para)
                    && doc.continues[s.para - 1];
                if chained
                    && out[before]
                        .content
                        .first()
                        .is_some_and(|c| c.0 == doc.paras[s.para].0)
                {
                    let mut parts: Vec<(usize, usize)> = pending.drain(..).map(|x| x.1).collect();
                    parts.append(&mut out[before].content);
                    out[before].content = parts;
                } else {
                    flush(&mut out, &mut last_para_att, &mut pending);
                }
            }
            last_para_att = Some((s.para, out.len() - 1));
            continue;
        }
        // A quoted sentence with no cue: it continues the attribution of the
        // sentence before it in its paragraph, or, if its quotation runs on
        // into the next paragraph, waits for that paragraph's attribution;
        // else it continues the one in the paragraph before (a quotation
        // over paragraphs, or the speaker just named).
        let w = doc.words(a, b);
        let quoted = doc.quoted_words(a, b);
        if w == 0 || quoted * 10 < w * 8 {
            flush(&mut out, &mut last_para_att, &mut pending);
            continue;
        }
        let Some(c) = trim(doc, a, b) else { continue };
        let same_para = last_para_att.is_some_and(|(para, _)| para == s.para);
        if same_para && pending.is_empty() {
            attach(&mut out, &mut last_para_att, s.para, c, si, doc);
            continue;
        }
        if pending.last().is_some_and(|&(pl, _)| pl + 1 < s.para) {
            flush(&mut out, &mut last_para_att, &mut pending);
        }
        let waiting = pending.last().is_some_and(|&(pl, _)| pl == s.para);
        if doc.continues[s.para] || waiting {
            pending.push((s.para, c));
            continue;
        }
        if !pending.is_empty() {
            // The quotation ends here without a cue.
            pending.push((s.para, c));
            flush(&mut out, &mut last_para_att, &mut pending);
            continue;
        }
        attach(&mut out, &mut last_para_att, s.para, c, si, doc);
    }
    flush(&mut out, &mut last_para_att, &mut pending);
    out
}

/// Ends content running right from its cue where a later attribution of
/// the same sentence starts after a coordinator ('X said A, though she
/// acknowledged B', 'X promised A and said B'): the two are siblings, not
/// one inside the other ('X said that Y believes B' keeps B in X's content).
fn cut_at_coordinated(doc: &Doc, atts: &mut [Raw], p: &Patterns) {
    let toks = &doc.toks;
    for k in 0..atts.len() {
        let (Some(cue), &[(c0, c1)]) = (atts[k].cue, &atts[k].content[..]) else {
            continue;
        };
        if c0 < cue.1 {
            continue;
        }
        // The next few attributions only: each is looked at a bounded
        // number of times, whatever the number of cues in the sentence.
        let after = |st: usize| st > c0 && st < c1 && p.coordinators.contains(toks[st - 1].lower());
        let start = atts[k + 1..].iter().take(4).find_map(|o| {
            let cue_o = o.cue?;
            // A quotation signed inside it ('..., telling Mic, "A," he
            // said'): the quotation is the later attribution's alone.
            if let Some(&(q0, _)) = o.content.first() {
                if q0 > c0 && q0 < c1 && q0 < cue_o.0 && toks[q0].opens {
                    return Some(q0);
                }
            }
            if let Some((s, _)) = o.source.filter(|&(s, _)| s < cue_o.0 && after(s)) {
                return Some(s);
            }
            (after(cue_o.0) && !toks[cue_o.0 - 1].is(",")).then_some(cue_o.0)
        });
        if let Some(mut e) = start {
            while e > c0 && !toks[e - 1].quoted && p.coordinators.contains(toks[e - 1].lower()) {
                e -= 1;
            }
            if let Some(c) = trim(doc, c0, e) {
                atts[k].content = vec![c];
            }
        }
    }
}

/// Moves a preposition opening content read right of its cue into the
/// cue ('called for | higher wages', 'talked about | the strike'), as
/// PARC's spans have it; one between them and the content is dropped from
/// the content only.
fn particle_into_cue(doc: &Doc, atts: &mut [Raw], p: &Patterns) {
    let toks = &doc.toks;
    for att in atts.iter_mut() {
        let (Some((c, ce)), Some(&(c0, c1))) = (att.cue, att.content.first()) else {
            continue;
        };
        if c0 < ce || toks[c0].quoted || !p.cue_particles.contains(toks[c0].lower()) {
            continue;
        }
        let Some(rest) = trim(doc, c0 + 1, c1) else {
            continue;
        };
        att.content[0] = rest;
        if c0 == ce {
            att.cue = Some((c, c0 + 1));
        }
    }
}

/// Places a quoted sentence without a cue of its own (see [`find`]).
fn attach(
    out: &mut Vec<Raw>,
    last_para_att: &mut Option<(usize, usize)>,
    para: usize,
    c: (usize, usize),
    sent: usize,
    doc: &Doc,
) {
    match *last_para_att {
        Some((lp, k)) if lp == para => out[k].content.push(c),
        Some((lp, k)) if lp + 1 == para && para > 0 && doc.continues[para - 1] => {
            out[k].content.push(c)
        }
        Some((lp, k)) if lp + 2 >= para => {
            continue_attribution(out, last_para_att, k, para, vec![c], sent)
        }
        _ => {}
    }
}

/// A quotation that goes on from attribution `k` (its source, no cue of
/// its own), now the last attribution of paragraph `para`.
fn continue_attribution(
    out: &mut Vec<Raw>,
    last_para_att: &mut Option<(usize, usize)>,
    k: usize,
    para: usize,
    content: Vec<(usize, usize)>,
    sent: usize,
) {
    out.push(Raw {
        content,
        cue: None,
        source: out[k].source,
        continues: Some(k),
        score: None,
        sent,
    });
    *last_para_att = Some((para, out.len() - 1));
}

/// Quoted sentences that waited for an attribution in the paragraph their
/// quotation runs into, and found none: they are one quotation, placed as
/// its first sentence would be.
fn flush(
    out: &mut Vec<Raw>,
    last_para_att: &mut Option<(usize, usize)>,
    pending: &mut Vec<(usize, (usize, usize))>,
) {
    let Some(&(para, _)) = pending.first() else {
        return;
    };
    let parts: Vec<(usize, usize)> = pending.drain(..).map(|x| x.1).collect();
    match *last_para_att {
        Some((lp, k)) if lp + 2 >= para => {
            let sent = out[k].sent;
            continue_attribution(out, last_para_att, k, para, parts, sent)
        }
        _ => {}
    }
}

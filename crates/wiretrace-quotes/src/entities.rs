//! The people, organisations and places an article names: runs of
//! capitalised words, split into a title ("US Secretary of State") and a name
//! ("Marco Rubio"), with the aliases of one person (a surname alone, a title
//! and surname) merged into one entity.

use crate::patterns::{Gender, Patterns, RoleKey};
use crate::tokens::{Doc, Tok};
use crate::{Entity, EntityKind};
use rustc_hash::FxHashMap;
use wiretrace_core::Span;

/// One run of capitalised words naming something.
#[derive(Debug, Clone)]
pub struct Mention {
    /// Tokens of the whole run, title included.
    pub start: usize,
    pub end: usize,
    pub entity: usize,
}

/// The most words a place of `places.txt` has.
const PLACE_WORDS: usize = 4;

/// How many mentions back a pronoun or role looks for whom it names: a
/// bound on the walk, so that an article of many names costs linear time.
pub const LOOK_BACK: usize = 64;

pub struct Entities {
    pub list: Vec<Entity>,
    /// Mentions in text order.
    pub mentions: Vec<Mention>,
    /// Index into `mentions` of the mention covering each token, if any.
    pub at: Vec<Option<usize>>,
    /// The last mention of a person starting before each token.
    person_before: Vec<Option<usize>>,
    /// Each entity's gender, where its first names and titles agree on one.
    genders: Vec<Option<Gender>>,
    /// Whether each entity was named by a surname alone ('Marek said'),
    /// as people are and things rarely ('the Hill').
    surname_alone: Vec<bool>,
    /// The roles each entity's titles name.
    roles: Vec<Vec<RoleKey>>,
}

/// The most roles kept of one entity: a bound on what a description is
/// compared with.
pub const MAX_ROLES: usize = 8;

impl Entities {
    /// The last mention of a person starting before token `i`.
    pub fn last_person_before(&self, i: usize) -> Option<usize> {
        self.person_before.get(i).copied().flatten()
    }

    /// The last mention of a person starting before token `i` that `fits`
    /// (given the mention's index), among the [`LOOK_BACK`] mentions
    /// before it.
    pub fn last_person_before_where(
        &self,
        i: usize,
        fits: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let last = self.last_person_before(i)?;
        (last.saturating_sub(LOOK_BACK)..=last)
            .rev()
            .find(|&m| self.list[self.mentions[m].entity].kind == EntityKind::Person && fits(m))
    }

    /// Whether mention `m` names someone in passing, as a modifier ('the
    /// Obama administration') or after a preposition ('attacks on Obama'):
    /// rarely whom a later "he" or "she" stands for.
    pub fn in_passing(&self, doc: &Doc, m: usize, p: &Patterns) -> bool {
        let start = self.mentions[m].start;
        after_word_of(&doc.toks, start, &p.determiners)
            || after_word_of(&doc.toks, start, &p.prepositions)
    }

    /// Whether entity `e` is known to be a person: a gender told, a title
    /// naming a role ('Gov.', not 'First'), or a surname used alone.
    pub fn known_person(&self, e: usize) -> bool {
        self.gender(e).is_some()
            || self.roles.get(e).is_some_and(|r| !r.is_empty())
            || self.surname_alone.get(e).copied().unwrap_or(false)
    }

    /// The roles entity `e`'s titles name (at most [`MAX_ROLES`]).
    pub fn roles(&self, e: usize) -> &[RoleKey] {
        self.roles.get(e).map_or(&[], Vec::as_slice)
    }

    /// An entity's gender, if its names or titles tell one.
    pub fn gender(&self, entity: usize) -> Option<Gender> {
        self.genders.get(entity).copied().flatten()
    }
}

/// What the first name and title words of a mention tell of its gender.
fn gender_of(toks: &[Tok], pr: &Proto, p: &Patterns) -> Option<Gender> {
    let title = toks[pr.start..pr.name_start].iter();
    // A first name, only in a name of two words or more ('Margaret Vole').
    let first = (pr.end - pr.name_start >= 2).then(|| &toks[pr.name_start]);
    title
        .chain(first)
        .find_map(|t| p.genders.get(t.lower()).copied())
}

fn bare(t: &Tok) -> String {
    t.text.trim_end_matches('.').to_lowercase()
}

fn joined(toks: &[Tok], a: usize, b: usize) -> String {
    let mut s = String::new();
    for (k, t) in toks[a..b].iter().enumerate() {
        if k > 0 && t.text != "'s" && t.text != "." {
            s.push(' ');
        }
        s.push_str(t.text);
    }
    s
}

fn is_acronym(w: &str) -> bool {
    w.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && w.chars().all(|c| c.is_uppercase() || c == '.' || c == '&')
}

/// Whether token `i` follows, in its sentence, a word of `words` ('the
/// Hill', 'attacks on Obama').
fn after_word_of(toks: &[Tok], i: usize, words: &rustc_hash::FxHashSet<String>) -> bool {
    i > 0 && toks[i - 1].sent == toks[i].sent && words.contains(toks[i - 1].lower())
}

/// A single capital letter: a middle initial before its full stop.
fn is_initial(w: &str) -> bool {
    let mut c = w.chars();
    c.next().is_some_and(char::is_uppercase) && c.next().is_none()
}

/// Whether "of" at `of` joins a person's name `a..of` to a known place
/// starting at `c` ('Chris Cantor of Delaware', but 'Royal Bank of Canada'
/// and 'Prime Minister of Canada' stay whole).
fn of_place(toks: &[Tok], a: usize, of: usize, c: usize, p: &Patterns) -> bool {
    // (Places are a few words long: the look is bounded.)
    let mut d = c;
    while d < toks.len()
        && d < c + PLACE_WORDS
        && toks[d].sent == toks[c].sent
        && toks[d].capitalized()
    {
        d += 1;
    }
    let words = || toks[a..of].iter();
    of - a >= 2
        && p.places.contains(&joined(toks, c, d))
        && !words().any(|t| p.org_words.contains(&bare(t)))
        && words().any(|t| t.is_word() && !p.titles.contains(&bare(t)))
}

/// Where the name of run `a..b` starts: after a compound modifier ('the
/// Boston-based Harbour Gazette', 'French-led Europeans'; a name's own
/// hyphens come later in it: 'Ban Ki-moon') and a cue participle opening
/// the sentence ('Saying President Obama ...'; other words in -ing may be
/// names: 'Downing Street', 'Boeing', 'Beijing').
fn name_start(toks: &[Tok], a: usize, b: usize, p: &Patterns) -> usize {
    let mut a = a;
    while b - a >= 2
        && toks[a]
            .text
            .rsplit_once('-')
            .is_some_and(|(_, tail)| tail.chars().next().is_some_and(char::is_lowercase))
    {
        a += 1;
    }
    if b - a >= 2
        && opens_sentence(toks, a)
        && toks[a].text.ends_with("ing")
        && p.is_cue_word(toks[a].lower(), true)
    {
        a += 1;
    }
    a
}

/// Whether `t` is a first name or title that tells a gender.
fn tells_gender(t: &Tok, p: &Patterns) -> bool {
    p.genders.contains_key(t.lower())
}

/// Where the headlines end: the leading paragraphs of one sentence each in
/// title case, the title and any repeat or deck of it. (A sentence of the
/// body full of names looks like title case too.)
fn headline_end(toks: &[Tok]) -> usize {
    let mut end = 0;
    while let Some(t) = toks.get(end) {
        let para = toks[end..].iter().take_while(|u| u.para == t.para);
        if !t.title || !para.clone().all(|u| u.sent == t.sent) {
            break;
        }
        end += para.count();
    }
    end
}

/// A word opening a sentence before a name ('Hosting Cook at ...') is no
/// part of it, when the rest of the run is a name the article gives
/// elsewhere and the word is in no other name, nor a first name.
fn cut_sentence_openers(protos: &mut [Proto], toks: &[Tok], p: &Patterns) {
    let mut held: FxHashMap<&str, usize> = FxHashMap::default();
    for pr in protos.iter() {
        if pr.kind == EntityKind::Person && pr.end - pr.name_start >= 2 {
            for t in &toks[pr.name_start..pr.end] {
                *held.entry(t.text).or_default() += 1;
            }
        }
    }
    for pr in protos.iter_mut() {
        let a = pr.start;
        if pr.kind == EntityKind::Person
            && pr.name_start == a
            && pr.end - a >= 2
            && opens_sentence(toks, a)
            && held.get(toks[a].text) == Some(&1)
            && !tells_gender(&toks[a], p)
            && toks[a + 1..pr.end]
                .iter()
                .all(|t| !t.is_word() || held.get(t.text).is_some_and(|&n| n > 1))
        {
            pr.start = a + 1;
            pr.name_start = a + 1;
            pr.name = joined(toks, a + 1, pr.end);
        }
    }
}

/// Runs of capitalised words (with particles between them), outside
/// quotations, without sentence-initial function words or dates.
fn runs(doc: &Doc, p: &Patterns) -> Vec<(usize, usize)> {
    let toks = &doc.toks;
    let mut out = Vec::new();
    let mut i = 0;
    // In a headline in title case a cue ends a name ('Ilse Marek Says').
    let name_word = |t: &Tok| {
        t.capitalized()
            && !p.time_words.contains(&bare(t))
            && (is_acronym(t.text) || !p.common_words.contains(t.lower()))
            && !(t.title && p.cues.contains_key(t.lower()))
            && p.contracted_pronoun(t.lower()).is_none()
    };
    // A common word opening a name ('the New York Post'), not in a
    // headline in title case, where every word is capitalised.
    let opener = |i: usize| {
        let t = &toks[i];
        t.capitalized()
            && !t.title
            && p.name_openers.contains(t.lower())
            && toks
                .get(i + 1)
                .is_some_and(|n| n.sent == t.sent && name_word(n))
    };
    // A first name before a middle initial: a known one, or the one name
    // word of the run so far, titles aside ('Dr. Silvia S. Martins'; not
    // 'World War I. Ferrow said').
    let first_name = |a: usize, k: usize| {
        tells_gender(&toks[k], p)
            || toks[a..=k]
                .iter()
                .filter(|t| t.is_word() && !p.titles.contains(&bare(t)))
                .count()
                == 1
    };
    while i < toks.len() {
        if !name_word(&toks[i]) && !opener(i) {
            i += 1;
            continue;
        }
        let a = i;
        let mut b = i + 1;
        loop {
            if b < toks.len() && toks[b].sent == toks[a].sent && name_word(&toks[b]) {
                b += 1;
            } else if b + 1 < toks.len()
                && b >= a + 2
                && toks[b].is(".")
                && is_initial(toks[b - 1].text)
                && first_name(a, b - 2)
                && toks[b + 1].sent == toks[a].sent
                && name_word(&toks[b + 1])
            {
                // A middle initial after a first name ('Thomas J. Harrow';
                // the tokenizer never ends a sentence at one, so not
                // 'World War I. Ferrow said').
                b += 2;
            } else if b + 2 < toks.len()
                && is_initial(toks[b].text)
                && first_name(a, b - 1)
                && toks[b + 1].is(".")
                && toks[b + 2].sent == toks[a].sent
                && name_word(&toks[b + 2])
            {
                // One that is also a word ('John A. Boehner').
                b += 3;
            } else if b + 1 < toks.len()
                && toks[b].is(".")
                && p.abbreviations.contains(toks[b - 1].text)
                && p.titles.contains(&bare(&toks[b - 1]))
                && name_word(&toks[b + 1])
            {
                // "Mr. Kamin", "Sen. Ferrow": the title's full stop.
                b += 2;
            } else if b + 1 < toks.len()
                && toks[b].is_word()
                && p.name_particles.contains(toks[b].text)
                && toks[b + 1].sent == toks[a].sent
            {
                // Particles chain ("de la", "of"), only when a name follows.
                let mut c = b;
                while c < toks.len() && toks[c].is_word() && p.name_particles.contains(toks[c].text)
                {
                    c += 1;
                }
                if c < toks.len() && toks[c].sent == toks[a].sent && name_word(&toks[c]) {
                    if c == b + 1 && toks[b].text == "of" && of_place(toks, a, b, c, p) {
                        // A person's state is no part of the name ('Chris
                        // Cantor of Delaware').
                        break;
                    }
                    b = c + 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let a = name_start(toks, a, b, p);
        // A place before a name ('ambassador to Britain Liu Wenfang') is a
        // run of its own, unless a title follows it ('Texas Governor ...')
        // or the run is an organisation's ('Texas Tech University').
        let mut c = b.saturating_sub(2).min(a + PLACE_WORDS);
        while c > a && !p.places.contains(&joined(toks, a, c)) {
            c -= 1;
        }
        if c > a
            && !p.titles.contains(&bare(&toks[c]))
            && !p.org_words.contains(&bare(&toks[b - 1]))
        {
            out.push((a, c));
            out.push((c, b));
        } else {
            out.push((a, b));
        }
        i = b;
    }
    out
}

#[derive(Debug)]
struct Proto {
    start: usize,
    end: usize,
    name_start: usize,
    kind: EntityKind,
    name: String,
    title: Option<String>,
    /// A lone word opening its sentence: a name only if the article names
    /// someone so elsewhere.
    lone_initial: bool,
}

/// Whether token `a` opens its sentence (marks before it aside).
fn opens_sentence(toks: &[Tok], a: usize) -> bool {
    let mut k = a;
    while k > 0 && a - k < 3 && toks[k - 1].sent == toks[a].sent && !toks[k - 1].is_word() {
        k -= 1;
    }
    k == 0 || toks[k - 1].sent != toks[a].sent
}

fn classify(toks: &[Tok], a: usize, b: usize, p: &Patterns) -> Option<Proto> {
    let whole = joined(toks, a, b);
    let last = bare(&toks[b - 1]);
    let org = p.org_words.contains(&last)
        || (b - a == 1 && is_acronym(toks[a].text) && !p.places.contains(toks[a].text))
        || p.org_words.contains(&bare(&toks[a])) && b - a > 2 && toks[a + 1].text == "of";
    if org && (!p.titles.contains(&last) || b - a > 1) {
        return Some(Proto {
            start: a,
            end: b,
            name_start: a,
            kind: EntityKind::Organisation,
            name: whole,
            title: None,
            lone_initial: false,
        });
    }
    if p.places.contains(&whole) {
        return Some(Proto {
            start: a,
            end: b,
            name_start: a,
            kind: EntityKind::Place,
            name: whole,
            title: None,
            lone_initial: false,
        });
    }
    // The title runs to the last title word, with "of State" after one;
    // a name ending in a title word ("Luther King") keeps it.
    let mut n = a;
    let mut k = a;
    while k < b {
        if p.titles.contains(&bare(&toks[k]))
            || toks[k].is(".") && k > a && !is_initial(toks[k - 1].text)
        {
            n = k + 1;
        } else if toks[k].text == "of" && n == k && k > a && k + 1 < b {
            k += 1;
            n = k + 1;
        }
        k += 1;
    }
    if n >= b {
        // All title ('Democrat of Connecticut'): what follows the title
        // words and particles is a place or nothing.
        n = a;
        while n < b
            && (p.titles.contains(&bare(&toks[n])) || p.name_particles.contains(toks[n].text))
        {
            n += 1;
        }
        if n >= b || n > a && !p.places.contains(&joined(toks, n, b)) {
            return None;
        }
    }
    let name = joined(toks, n, b);
    let title = (n > a).then(|| joined(toks, a, n));
    // A name holding a title or nationality word ("Latin American") is no
    // person's; a lone capitalised word opening a sentence is no name at all
    // ("Maybe", "Pressure").
    let titled_name = toks[n..b].iter().any(|t| p.titles.contains(&bare(t)));
    let opens_sentence = opens_sentence(toks, a);
    let kind = if p.places.contains(&name) {
        EntityKind::Place
    } else if (title.is_some() || b - n >= 2) && !titled_name {
        EntityKind::Person
    } else {
        EntityKind::Other
    };
    Some(Proto {
        start: a,
        end: b,
        name_start: n,
        kind,
        name,
        title,
        lone_initial: b - a == 1 && opens_sentence,
    })
}

pub fn find(doc: &Doc, p: &Patterns) -> Entities {
    let toks = &doc.toks;
    let mut protos: Vec<Proto> = runs(doc, p)
        .into_iter()
        .filter_map(|(a, b)| classify(toks, a, b, p))
        .collect();
    cut_sentence_openers(&mut protos, toks, p);
    // Full names of people by each of their words (surname, first name),
    // first outside headlines in title case, where a name runs on into the
    // words after it ('Obama Expresses Outrage').
    let mut by_part: FxHashMap<String, Vec<(usize, String)>> = FxHashMap::default();
    let headline_ends = headline_end(toks);
    let in_headline = |pr: &Proto| pr.start < headline_ends;
    let full_name = |pr: &Proto| pr.kind == EntityKind::Person && pr.end - pr.name_start >= 2;
    let add_parts = |by_part: &mut FxHashMap<String, Vec<(usize, String)>>, pr: &Proto| {
        for t in &toks[pr.name_start..pr.end] {
            if t.capitalized() {
                by_part
                    .entry(t.text.to_string())
                    .or_default()
                    .push((pr.start, pr.name.clone()));
            }
        }
    };
    for pr in protos.iter().filter(|pr| !in_headline(pr)) {
        if full_name(pr) {
            add_parts(&mut by_part, pr);
        }
    }
    // A surname given with a title ('Vice President Corwin') where no full
    // name has it.
    for pr in &protos {
        if pr.kind == EntityKind::Person && pr.end - pr.name_start == 1 && pr.title.is_some() {
            let part = toks[pr.name_start].text;
            if by_part.get(part).is_none_or(|v| v[0].1 == part) {
                by_part
                    .entry(part.to_string())
                    .or_default()
                    .push((pr.start, pr.name.clone()));
            }
        }
    }
    // A headline's run is cut to the longest stretch of it that names
    // people of the body; one naming none stays whole ('Ilse Marek').
    for pr in protos.iter_mut().filter(|pr| in_headline(pr)) {
        if !full_name(pr) {
            continue;
        }
        let mut best: Option<(usize, usize)> = None;
        let mut k = pr.name_start;
        while k < pr.end {
            let a = k;
            while k < pr.end && by_part.contains_key(toks[k].text) {
                k += 1;
            }
            if k > a && best.is_none_or(|(x, y)| k - a > y - x) {
                best = Some((a, k));
            }
            k = k.max(a + 1);
        }
        match best {
            Some((a, b)) if (a, b) != (pr.name_start, pr.end) => {
                (pr.start, pr.name_start, pr.end) = (a, a, b);
                pr.name = joined(toks, a, b);
                pr.title = None;
            }
            Some(_) => {}
            None => add_parts(&mut by_part, pr),
        }
    }
    for v in by_part.values_mut() {
        v.sort_by_key(|(at, _)| *at);
    }
    let mut list: Vec<Entity> = Vec::new();
    let mut index: FxHashMap<(EntityKind, String), usize> = FxHashMap::default();
    let mut mentions = Vec::with_capacity(protos.len());
    // (Female, male) evidence by entity.
    let mut genders: Vec<(bool, bool)> = Vec::new();
    let mut surname_alone: Vec<bool> = Vec::new();
    for pr in protos {
        if pr.lone_initial && pr.kind == EntityKind::Other && !by_part.contains_key(&pr.name) {
            continue;
        }
        let mut alone = false;
        let (kind, key) = if pr.end - pr.name_start == 1 && pr.kind != EntityKind::Organisation {
            // A single word: a known person's surname or first name, the
            // latest full name before it, else the first after it.
            match by_part.get(&pr.name) {
                Some(full) => {
                    // `full` is in text order.
                    let k = full.partition_point(|(at, _)| *at < pr.start);
                    let pick = full[k.saturating_sub(1)].1.clone();
                    alone = pick != pr.name && !after_word_of(toks, pr.start, &p.determiners);
                    (EntityKind::Person, pick)
                }
                None => (pr.kind, pr.name.clone()),
            }
        } else {
            (pr.kind, pr.name.clone())
        };
        let id = *index.entry((kind, key.clone())).or_insert_with(|| {
            list.push(Entity {
                id: list.len(),
                name: key.clone(),
                kind,
                titles: vec![],
                aliases: vec![],
                mentions: vec![],
            });
            list.len() - 1
        });
        if genders.len() < list.len() {
            genders.push((false, false));
            surname_alone.push(false);
        }
        surname_alone[id] |= alone;
        match gender_of(toks, &pr, p) {
            Some(Gender::Female) => genders[id].0 = true,
            Some(Gender::Male) => genders[id].1 = true,
            None => {}
        }
        let e = &mut list[id];
        e.mentions.push(Span::new(
            toks[pr.start].span.start,
            toks[pr.end - 1].span.end,
        ));
        let surface = joined(toks, pr.start, pr.end);
        for alias in [&pr.name, &surface] {
            if *alias != e.name && !e.aliases.contains(alias) {
                e.aliases.push(alias.clone());
            }
        }
        if let Some(t) = pr.title {
            if !e.titles.contains(&t) {
                e.titles.push(t);
            }
        }
        mentions.push(Mention {
            start: pr.start,
            end: pr.end,
            entity: id,
        });
    }
    // A person named only by a surname once is still a person.
    let mut at = vec![None; toks.len()];
    for (m, mn) in mentions.iter().enumerate() {
        for slot in &mut at[mn.start..mn.end] {
            *slot = Some(m);
        }
    }
    let mut person_before = vec![None; toks.len() + 1];
    let mut last = None;
    let mut next = 0;
    for (i, slot) in person_before.iter_mut().enumerate() {
        while next < mentions.len() && mentions[next].start < i {
            if list[mentions[next].entity].kind == EntityKind::Person {
                last = Some(next);
            }
            next += 1;
        }
        *slot = last;
    }
    let genders = genders
        .into_iter()
        .map(|g| match g {
            (true, false) => Some(Gender::Female),
            (false, true) => Some(Gender::Male),
            _ => None,
        })
        .collect();
    let roles = list
        .iter()
        .map(|e| {
            let mut r: Vec<RoleKey> = Vec::new();
            for t in &e.titles {
                let domainless = t.split(" of ").next().unwrap_or(t);
                if let Some(k) = p.role_key(domainless.split_whitespace()) {
                    if !r.contains(&k) && r.len() < MAX_ROLES {
                        r.push(k);
                    }
                }
            }
            r
        })
        .collect();
    Entities {
        list,
        mentions,
        at,
        person_before,
        genders,
        surname_alone,
        roles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::PATTERNS;
    use crate::tokens::analyze;

    fn ents(t: &str) -> Vec<Entity> {
        let d = analyze(t, &[Span::new(0, t.chars().count())], &PATTERNS);
        find(&d, &PATTERNS).list
    }

    #[test]
    fn titles_are_kept_apart_and_surnames_merge() {
        let e = ents(
            "Kestrel Foreign Secretary Ilse van der Berg met Mayor Tomas Ferrow. \
             Later van der Berg left. Ferrow stayed, and Secretary Berg waved.",
        );
        let berg = e
            .iter()
            .find(|e| e.name == "Ilse van der Berg")
            .expect("{e:?}");
        assert_eq!(berg.kind, EntityKind::Person);
        assert_eq!(berg.titles, ["Kestrel Foreign Secretary", "Secretary"]);
        assert!(berg.aliases.contains(&"Berg".to_string()), "{berg:?}");
        let ferrow = e.iter().find(|e| e.name == "Tomas Ferrow").unwrap();
        assert_eq!(ferrow.mentions.len(), 2);
        assert_eq!(ferrow.titles, ["Mayor"]);
        let e = ents("Mr. Kamin and Dr. Ilse Marek spoke. Then Marek left.");
        assert!(
            e.iter().any(|e| e.name == "Kamin" && e.titles == ["Mr."]),
            "{e:?}"
        );
        let marek = e.iter().find(|e| e.name == "Ilse Marek").expect("{e:?}");
        assert_eq!(
            (marek.titles.as_slice(), marek.mentions.len()),
            (&["Dr.".to_string()][..], 2)
        );
    }

    #[test]
    fn lone_sentence_openers_and_nationalities_are_no_people() {
        let e = ents("\"Nothing will stop us.\" Latin American leaders met. Maybe Ferrow came. Tomas Ferrow did.");
        let names: Vec<(&str, EntityKind)> = e.iter().map(|e| (e.name.as_str(), e.kind)).collect();
        assert!(
            !names.iter().any(|(n, _)| *n == "Nothing" || *n == "Maybe"),
            "{names:?}"
        );
        assert!(
            !names.contains(&("Latin American", EntityKind::Person)),
            "{names:?}"
        );
        assert!(
            names.contains(&("Tomas Ferrow", EntityKind::Person)),
            "{names:?}"
        );
    }

    #[test]
    fn organisations_and_places_are_told_apart() {
        let e =
            ents("The Harbour Workers Union struck in Portugal on Monday, the Daily Post said.");
        let kind = |n: &str| e.iter().find(|e| e.name == n).map(|e| e.kind);
        assert_eq!(
            kind("Harbour Workers Union"),
            Some(EntityKind::Organisation)
        );
        assert_eq!(kind("Portugal"), Some(EntityKind::Place));
        assert_eq!(kind("Daily Post"), Some(EntityKind::Organisation));
        assert_eq!(kind("Monday"), None);
    }
}

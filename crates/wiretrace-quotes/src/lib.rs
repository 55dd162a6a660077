//! # wiretrace-quotes
//!
//! Who said what in an article. A stage after extraction: a pure function of
//! one article's text and clean body, with no I/O, giving
//!
//! - **attributions** in the terms of PARC (the scheme of the PolNeAR
//!   corpus): the *content* said, written or believed, the *cue* ("said",
//!   "told", "according to") and the *source* phrase, each a span of code
//!   points into the text as ingested, like passages. Direct quotations
//!   (split around "he said" or running over paragraphs), indirect speech
//!   and "according to X" are found by rules whose words live in
//!   `patterns/`;
//! - the **speaker** of each: a pronoun or surname resolved to the full name
//!   the article gives, the title kept apart, an unnamed source ("a senior
//!   official") labelled as such and never guessed;
//! - the **entities** the article names (people, organisations, places) with
//!   their mentions, aliases of one person merged.
//!
//! [`across`] joins them over many articles: one quotation however many
//! copies carry it, credited to its first reporter; one entity however
//! many articles of a story name it.
//!
//! Every pass is a scan over the tokens: an unclosed quotation or a
//! quotation of thousands of words costs what its length costs.

pub mod across;
mod attrib;
mod entities;
mod patterns;
mod tokens;

use patterns::{PronounKind, PATTERNS};
use serde::{Deserialize, Serialize};
use wiretrace_core::{Article, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Organisation,
    Place,
    /// A name the rules could not place in one of the three.
    Other,
}

/// Someone or something the article names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Index in [`Quotes::entities`].
    pub id: usize,
    /// The fullest name the article gives, without title.
    pub name: String,
    pub kind: EntityKind,
    /// Titles and roles given before the name ("US Secretary of State").
    pub titles: Vec<String>,
    /// Other forms of the name in the article ("Rubio", "Secretary Rubio").
    pub aliases: Vec<String>,
    /// Code point spans of every mention, title included.
    pub mentions: Vec<Span>,
}

/// Who an attribution's source is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Speaker {
    /// A named person or body: an index into [`Quotes::entities`].
    Named {
        entity: usize,
        name: String,
        title: Option<String>,
    },
    /// A source the article does not name ("a senior official").
    Unnamed { description: String },
    /// No source found, or a pronoun with nobody to refer to.
    Unknown,
}

/// One attribution: what was said, the cue, and who said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// The content, in one span or several (a quotation split around "he
    /// said" or continued in a later sentence).
    pub content: Vec<Span>,
    pub cue: Option<Span>,
    /// The source phrase as written ("he", "a senior official"); for a
    /// quotation continuing an earlier one, the earlier source phrase.
    pub source: Option<Span>,
    pub speaker: Speaker,
    /// The content holds a quotation in quotation marks.
    pub direct: bool,
}

/// What the stage finds in one article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotes {
    pub attributions: Vec<Attribution>,
    pub entities: Vec<Entity>,
}

/// Which cue words the stage knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lexicon {
    /// The hand-written speech verbs of `patterns/cues.txt` only.
    Rules,
    /// Those and the cue words learned from PolNeAR train
    /// (`patterns/learned_cues.txt`, made by `scripts/learn-quotes`).
    #[default]
    Learned,
}

/// Attributions and entities of `article`'s clean body.
pub fn analyze(article: &Article) -> Quotes {
    analyze_text(&article.text, &article.body)
}

/// Attributions and entities of `text` within the paragraph spans `body`
/// (code points; sorted and disjoint, as [`Article::check`] asks; spans out
/// of order or out of range are clamped, never a panic).
pub fn analyze_text(text: &str, body: &[Span]) -> Quotes {
    analyze_with(text, body, Lexicon::default())
}

/// [`analyze_text`] with a choice of cue lexicon, to compare them.
pub fn analyze_with(text: &str, body: &[Span], lexicon: Lexicon) -> Quotes {
    let p = &*PATTERNS;
    let mut spans: Vec<Span> = body.to_vec();
    spans.sort();
    let doc = tokens::analyze(text, &spans, p);
    let ents = entities::find(&doc, p);
    let names = |i: usize| {
        let m = &ents.mentions[ents.at[i]?];
        (m.start == i).then(|| {
            let person = ents.list[m.entity].kind == EntityKind::Person;
            (m.start, m.end, person)
        })
    };
    let raws = attrib::find(&doc, p, lexicon == Lexicon::Learned, &names);
    let toks = &doc.toks;
    let span_of = |(a, b): (usize, usize)| Span::new(toks[a].span.start, toks[b - 1].span.end);
    let mut out: Vec<Attribution> = Vec::with_capacity(raws.len());
    for raw in &raws {
        let speaker = match raw.continues {
            Some(k) => out[k].speaker.clone(),
            None => resolve(&doc, &ents, raw, &raws, &out, p),
        };
        out.push(Attribution {
            content: raw.content.iter().map(|&r| span_of(r)).collect(),
            cue: raw.cue.map(span_of),
            source: raw.source.map(span_of),
            speaker,
            direct: raw.content.iter().any(|&(a, b)| doc.quoted_words(a, b) > 0),
        });
    }
    Quotes {
        attributions: out,
        entities: ents.list,
    }
}

fn named(ents: &entities::Entities, m: usize) -> Speaker {
    let mn = &ents.mentions[m];
    let e = &ents.list[mn.entity];
    let title = e.titles.first().cloned();
    Speaker::Named {
        entity: e.id,
        name: e.name.clone(),
        title,
    }
}

fn resolve(
    doc: &tokens::Doc,
    ents: &entities::Entities,
    raw: &attrib::Raw,
    raws: &[attrib::Raw],
    before: &[Attribution],
    p: &patterns::Patterns,
) -> Speaker {
    let Some((s, e)) = raw.source else {
        return Speaker::Unknown;
    };
    let toks = &doc.toks;
    // A name inside the source phrase: a person before anything else.
    let mut best: Option<(usize, u8)> = None;
    for i in s..e {
        if let Some(m) = ents.at[i] {
            let rank = match ents.list[ents.mentions[m].entity].kind {
                EntityKind::Person => 3,
                EntityKind::Organisation => 2,
                EntityKind::Other => 1,
                EntityKind::Place => 0,
            };
            if best.is_none_or(|(_, r)| rank >= r) {
                best = Some((m, rank));
            }
        }
    }
    if let Some((m, _)) = best {
        return named(ents, m);
    }
    let phrase: String = {
        let mut v = Vec::new();
        for t in &toks[s..e] {
            v.push(t.text);
        }
        v.join(" ")
    };
    if e - s == 1 {
        match p.pronouns.get(toks[s].lower()) {
            Some(PronounKind::Person) => {
                // The person last quoted, else the person last named.
                let para = toks[s].para;
                for (a, r) in before.iter().zip(raws).rev() {
                    let Some((src, _)) = r.source else { continue };
                    if src >= s {
                        continue;
                    }
                    if let Speaker::Named { entity, .. } = &a.speaker {
                        if ents.list[*entity].kind == EntityKind::Person
                            && para <= toks[src].para + 3
                        {
                            return a.speaker.clone();
                        }
                    }
                    break;
                }
                return match ents.last_person_before(s) {
                    Some(m) => named(ents, m),
                    None => Speaker::Unknown,
                };
            }
            Some(_) => return Speaker::Unknown,
            None => {}
        }
    }
    Speaker::Unnamed {
        description: phrase,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::join_paragraphs;

    struct Found {
        text: String,
        q: Quotes,
    }

    impl Found {
        fn of(paras: &[&str]) -> Found {
            let (text, body) = join_paragraphs(paras);
            let q = analyze_text(&text, &body);
            Found { text, q }
        }
        fn cut(&self, s: Span) -> String {
            self.text.chars().skip(s.start).take(s.len()).collect()
        }
        /// The attribution whose content holds `words`.
        fn holding(&self, words: &str) -> &Attribution {
            self.q
                .attributions
                .iter()
                .find(|a| a.content.iter().any(|s| self.cut(*s).contains(words)))
                .unwrap_or_else(|| panic!("none holds {words:?}: {:#?}", self.q.attributions))
        }
        fn content(&self, a: &Attribution) -> Vec<String> {
            a.content.iter().map(|s| self.cut(*s)).collect()
        }
        fn speaker(&self, words: &str) -> String {
            match &self.holding(words).speaker {
                Speaker::Named { name, .. } => name.clone(),
                Speaker::Unnamed { description } => format!("unnamed: {description}"),
                Speaker::Unknown => "unknown".into(),
            }
        }
    }

    #[test]
    fn a_quotation_split_around_the_cue_is_one_attribution() {
        let f = Found::of(&[
            "\"We will rebuild the harbour,\" Mayor Tomas Ferrow said. \"Every pier of it.\"",
        ]);
        let a = f.holding("rebuild the harbour");
        assert_eq!(
            f.content(a),
            ["\"We will rebuild the harbour,\"", "\"Every pier of it.\""]
        );
        assert_eq!(f.cut(a.cue.unwrap()), "said");
        assert_eq!(f.cut(a.source.unwrap()), "Mayor Tomas Ferrow");
        assert!(a.direct);
        match &a.speaker {
            Speaker::Named { name, title, .. } => {
                assert_eq!(name, "Tomas Ferrow");
                assert_eq!(title.as_deref(), Some("Mayor"));
            }
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn he_said_goes_to_the_person_last_named() {
        let f = Found::of(&[
            "Tomas Ferrow, the mayor of Lindqvist, visited the docks on Monday.",
            "\"The docks will reopen,\" he said.",
            "Ferrow said on Tuesday the talks would resume.",
        ]);
        assert_eq!(f.speaker("The docks will reopen"), "Tomas Ferrow");
        let a = f.holding("the talks would resume");
        assert_eq!(f.content(a), ["the talks would resume"]);
        assert_eq!(f.speaker("the talks would resume"), "Tomas Ferrow");
        let ferrow =
            f.q.entities
                .iter()
                .find(|e| e.name == "Tomas Ferrow")
                .unwrap();
        assert_eq!(ferrow.mentions.len(), 2);
    }

    #[test]
    fn indirect_speech_keeps_that_and_skips_the_audience() {
        let f = Found::of(&["Ilse Marek told reporters that the strike would end on Friday."]);
        let a = f.holding("strike");
        assert_eq!(f.content(a), ["that the strike would end on Friday"]);
        assert_eq!(f.cut(a.source.unwrap()), "Ilse Marek");
    }

    #[test]
    fn according_to_names_its_source_after_it() {
        let f = Found::of(&[
            "The strike will end on Friday, according to the Harbour Workers Union.",
            "According to Ilse Marek, the ships will wait.",
        ]);
        let a = f.holding("strike will end");
        assert_eq!(f.content(a), ["The strike will end on Friday"]);
        assert_eq!(f.cut(a.cue.unwrap()), "according to");
        assert_eq!(f.speaker("strike will end"), "Harbour Workers Union");
        let b = f.holding("ships will wait");
        assert_eq!(f.content(b), ["the ships will wait"]);
        assert_eq!(f.speaker("ships will wait"), "Ilse Marek");
    }

    #[test]
    fn unnamed_sources_are_labelled_never_guessed() {
        let f = Found::of(&[
            "Tomas Ferrow met the union on Monday.",
            "The talks failed, a senior official said.",
        ]);
        assert_eq!(f.speaker("talks failed"), "unnamed: a senior official");
    }

    #[test]
    fn a_quotation_over_paragraphs_and_an_inverted_cue() {
        let f = Found::of(&[
            "Ilse Marek leads the Harbour Workers Union.",
            "\"We came here first. We built these piers.",
            "\"And we will stay,\" said Marek, the union's leader.",
        ]);
        let a = f.holding("And we will stay");
        assert_eq!(f.speaker("And we will stay"), "Ilse Marek");
        assert_eq!(f.cut(a.source.unwrap()), "Marek");
        assert_eq!(f.speaker("We came here first"), "Ilse Marek");
    }

    #[test]
    fn a_participle_takes_its_clause_subject() {
        let f = Found::of(&[
            "Later on Monday, Kestrel's Harbour Minister Ilse Marek accused the port of lying, saying \"they sank four boats.\"",
        ]);
        assert_eq!(f.speaker("they sank four boats"), "Ilse Marek");
        let e =
            f.q.entities
                .iter()
                .find(|e| e.name == "Ilse Marek")
                .unwrap();
        assert_eq!(e.titles, ["Harbour Minister"]);
    }

    #[test]
    fn a_participle_cue_ends_the_content_before_it_and_titles_stay_in_the_source() {
        let f = Found::of(&[
            "Ilse Marek said the piers were safe, adding that the cranes had been checked.",
            "\"The talks are over,\" Mr. Ferrow said.",
        ]);
        let a = f.holding("piers were safe");
        assert_eq!(f.content(a), ["the piers were safe"]);
        let b = f.holding("cranes had been checked");
        assert_eq!(f.content(b), ["that the cranes had been checked"]);
        assert_eq!(f.speaker("cranes had been checked"), "Ilse Marek");
        let c = f.holding("talks are over");
        assert_eq!(f.content(c), ["\"The talks are over,\""]);
        assert_eq!(f.cut(c.source.unwrap()), "Mr. Ferrow");
    }

    #[test]
    fn a_transcript_turn_is_its_speakers() {
        let f = Found::of(&[
            "MAREK: Well, look, the piers are safe again.",
            "FERROW: Nobody believes that.",
            "Ilse Marek: Piers Will Reopen Next Week",
        ]);
        let a = f.holding("piers are safe");
        assert_eq!(f.content(a), ["Well, look, the piers are safe again"]);
        assert_eq!(f.cut(a.cue.unwrap()), ":");
        assert_eq!(
            f.cut(f.holding("Nobody believes").source.unwrap()),
            "FERROW"
        );
        assert_eq!(f.speaker("Piers Will Reopen"), "Ilse Marek");
    }

    #[test]
    fn a_cue_word_after_an_article_is_no_cue() {
        let f = Found::of(&["Police seized an alleged smuggling boat, the harbour master said."]);
        assert_eq!(f.q.attributions.len(), 1, "{:#?}", f.q.attributions);
        assert_eq!(f.cut(f.q.attributions[0].cue.unwrap()), "said");
    }
}

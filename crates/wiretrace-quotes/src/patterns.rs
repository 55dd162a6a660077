//! Loads the heuristics kept as data in `patterns/` (see its README). The
//! algorithms in `attrib.rs` and `entities.rs` hold no word lists of their own.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::LazyLock;

fn lines(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn folded_set(src: &str) -> FxHashSet<String> {
    lines(src).map(str::to_lowercase).collect()
}

fn exact_set(src: &str) -> FxHashSet<String> {
    lines(src).map(str::to_string).collect()
}

/// A multiword cue, as its lowercase words.
#[derive(Debug, Clone)]
pub struct Cue {
    pub words: Vec<String>,
    /// A participle ("saying") whose source is its clause's subject.
    pub participle: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PronounKind {
    Person,
    Group,
    Speaker,
}

/// A person's gender as a first name or title tells it, to pair "he" and
/// "she" with the people they can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
}

pub struct Patterns {
    /// Cues by their first word, longest first.
    pub cues: FxHashMap<String, Vec<Cue>>,
    pub object_cues: FxHashSet<String>,
    /// "according to" cues by their first word.
    pub according: FxHashMap<String, Vec<Vec<String>>>,
    pub aux: FxHashSet<String>,
    pub stop_np: FxHashSet<String>,
    pub coordinators: FxHashSet<String>,
    pub subordinators: FxHashSet<String>,
    pub cue_particles: FxHashSet<String>,
    pub passive: FxHashSet<String>,
    pub agents: FxHashSet<String>,
    pub relatives: FxHashSet<String>,
    pub noun_markers: FxHashSet<String>,
    pub determiners: FxHashSet<String>,
    pub pronouns: FxHashMap<String, PronounKind>,
    pub time_words: FxHashSet<String>,
    pub prepositions: FxHashSet<String>,
    pub abbreviations: FxHashSet<String>,
    pub common_words: FxHashSet<String>,
    pub titles: FxHashSet<String>,
    pub name_particles: FxHashSet<String>,
    pub org_words: FxHashSet<String>,
    pub places: FxHashSet<String>,
    /// Title words that make a role of their own of the next ("Vice").
    pub sub_roles: FxHashSet<String>,
    /// Title words that qualify a role rather than name one ("First").
    pub title_modifiers: FxHashSet<String>,
    /// Words labelling a paragraph before a colon ("Correction:").
    pub colon_labels: FxHashSet<String>,
    /// Common words that open a name when a name word follows ("New").
    pub name_openers: FxHashSet<String>,
    /// First names and titles that tell a gender, lowercase.
    pub genders: FxHashMap<String, Gender>,
    /// Pronouns that tell a gender ("she", "himself"), lowercase.
    pub pronoun_genders: FxHashMap<String, Gender>,
    /// Abbreviated titles by the role word they stand for ("gov" → "governor").
    pub title_forms: FxHashMap<String, String>,
    /// Cue words learned from PolNeAR train (`scripts/learn-quotes`), each
    /// with whether it is a participle: the words the cue model judges.
    pub learned_cues: FxHashMap<String, bool>,
    /// The cue model's weights by feature (see `attrib::cue_score`).
    pub cue_weights: FxHashMap<String, f32>,
    /// The attribution filter's weights by feature (see `filter::features`).
    pub attrib_weights: FxHashMap<String, f32>,
}

/// A role as a title or a description names it: its head word (an
/// abbreviation read as the word it stands for) and the word making a role
/// of its own of it, if any ('Vice President' -> (vice, president)).
pub type RoleKey = (Option<String>, String);

impl Patterns {
    /// The pronoun a contraction stands on ("I've", "she'd", "they’re"
    /// -> i, she, they), if `lower` is one.
    pub fn contracted_pronoun<'a>(&self, lower: &'a str) -> Option<&'a str> {
        let (stem, tail) = lower.split_once(['\'', '’'])?;
        (matches!(tail, "ve" | "d" | "ll" | "m" | "re" | "s") && self.pronouns.contains_key(stem))
            .then_some(stem)
    }

    /// The role words `words` end in ('US Secretary of State' ->
    /// secretary: words after "of" name a domain); `None` when the head
    /// only qualifies ('First', 'Former', a nationality).
    pub fn role_key<'a>(&self, words: impl DoubleEndedIterator<Item = &'a str>) -> Option<RoleKey> {
        let norm = |w: &str| {
            let w = w.trim_end_matches('.').to_lowercase();
            self.title_forms.get(&w).cloned().unwrap_or(w)
        };
        let mut rev = words.rev();
        let head = norm(rev.next()?);
        if self.title_modifiers.contains(&head) {
            return None;
        }
        let sub = rev.next().map(norm).filter(|w| self.sub_roles.contains(w));
        Some((sub, head))
    }

    /// A word that is (the start of) a cue.
    pub fn is_cue_word(&self, lower: &str, learned: bool) -> bool {
        self.cues.contains_key(lower) || learned && self.learned_cues.contains_key(lower)
    }
}

fn by_first_word(src: &str) -> FxHashMap<String, Vec<Vec<String>>> {
    let mut m: FxHashMap<String, Vec<Vec<String>>> = FxHashMap::default();
    for l in lines(src) {
        let words: Vec<String> = l.split_whitespace().map(str::to_lowercase).collect();
        m.entry(words[0].clone()).or_default().push(words);
    }
    for v in m.values_mut() {
        v.sort_by_key(|w| std::cmp::Reverse(w.len()));
        v.dedup();
    }
    m
}

/// `word<TAB>f|m` lines, by the lowercase word.
fn gendered_words(src: &str) -> FxHashMap<String, Gender> {
    lines(src)
        .filter_map(|l| {
            let (w, g) = l.split_once('\t')?;
            let g = match g.trim() {
                "f" => Gender::Female,
                "m" => Gender::Male,
                _ => return None,
            };
            Some((w.trim().to_lowercase(), g))
        })
        .collect()
}

/// `feature<TAB>weight` lines.
fn weights(src: &str) -> FxHashMap<String, f32> {
    lines(src)
        .filter_map(|l| {
            let (f, w) = l.rsplit_once('\t')?;
            Some((f.to_string(), w.parse().ok()?))
        })
        .collect()
}

pub static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let mut cues: FxHashMap<String, Vec<Cue>> = FxHashMap::default();
    for l in lines(include_str!("../patterns/cues.txt")) {
        let (l, participle) = match l.strip_suffix('*') {
            Some(l) => (l, true),
            None => (l, false),
        };
        let words: Vec<String> = l.split_whitespace().map(str::to_lowercase).collect();
        let v = cues.entry(words[0].clone()).or_default();
        if !v.iter().any(|c| c.words == words) {
            v.push(Cue { words, participle });
        }
    }
    for v in cues.values_mut() {
        v.sort_by_key(|c| std::cmp::Reverse(c.words.len()));
    }
    let pronouns = lines(include_str!("../patterns/pronouns.txt"))
        .filter_map(|l| {
            let (w, k) = l.split_once('\t')?;
            let k = match k.trim() {
                "person" => PronounKind::Person,
                "group" => PronounKind::Group,
                _ => PronounKind::Speaker,
            };
            Some((w.to_lowercase(), k))
        })
        .collect();
    Patterns {
        cues,
        object_cues: folded_set(include_str!("../patterns/object_cues.txt")),
        according: by_first_word(include_str!("../patterns/according.txt")),
        aux: folded_set(include_str!("../patterns/aux.txt")),
        stop_np: folded_set(include_str!("../patterns/stop_np.txt")),
        coordinators: folded_set(include_str!("../patterns/coordinators.txt")),
        subordinators: folded_set(include_str!("../patterns/subordinators.txt")),
        cue_particles: folded_set(include_str!("../patterns/cue_particles.txt")),
        passive: folded_set(include_str!("../patterns/passive.txt")),
        agents: folded_set(include_str!("../patterns/agents.txt")),
        relatives: folded_set(include_str!("../patterns/relatives.txt")),
        noun_markers: folded_set(include_str!("../patterns/noun_markers.txt")),
        determiners: folded_set(include_str!("../patterns/determiners.txt")),
        pronouns,
        time_words: folded_set(include_str!("../patterns/time_words.txt")),
        prepositions: folded_set(include_str!("../patterns/prepositions.txt")),
        abbreviations: exact_set(include_str!("../patterns/abbreviations.txt")),
        common_words: folded_set(include_str!("../patterns/common_words.txt")),
        titles: folded_set(include_str!("../patterns/titles.txt")),
        name_particles: exact_set(include_str!("../patterns/name_particles.txt")),
        org_words: folded_set(include_str!("../patterns/org_words.txt")),
        places: exact_set(include_str!("../patterns/places.txt")),
        sub_roles: folded_set(include_str!("../patterns/sub_roles.txt")),
        title_modifiers: folded_set(include_str!("../patterns/title_modifiers.txt")),
        colon_labels: folded_set(include_str!("../patterns/colon_labels.txt")),
        name_openers: folded_set(include_str!("../patterns/name_openers.txt")),
        genders: gendered_words(include_str!("../patterns/genders.txt")),
        pronoun_genders: gendered_words(include_str!("../patterns/pronoun_genders.txt")),
        title_forms: lines(include_str!("../patterns/title_forms.txt"))
            .filter_map(|l| {
                let (short, full) = l.split_once(' ')?;
                Some((short.to_lowercase(), full.trim().to_lowercase()))
            })
            .collect(),
        learned_cues: lines(include_str!("../patterns/learned_cues.txt"))
            .filter_map(|l| l.split('\t').next())
            .map(|w| (w.to_lowercase(), w.ends_with("ing")))
            .collect(),
        cue_weights: weights(include_str!("../patterns/cue_weights.tsv")),
        attrib_weights: weights(include_str!("../patterns/attrib_weights.tsv")),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_loads_and_is_not_empty() {
        let p = &*PATTERNS;
        assert!(p.cues["said"].iter().any(|c| !c.participle));
        assert!(p.cues["saying"][0].participle);
        assert_eq!(p.according["according"][0], ["according", "to"]);
        assert_eq!(p.pronouns["she"], PronounKind::Person);
        assert!(p.learned_cues.len() > 50);
        assert!(p.cue_weights["w=criticized"] > 0.0);
        for set in [
            &p.object_cues,
            &p.aux,
            &p.stop_np,
            &p.coordinators,
            &p.subordinators,
            &p.cue_particles,
            &p.passive,
            &p.agents,
            &p.relatives,
            &p.noun_markers,
            &p.determiners,
            &p.time_words,
            &p.prepositions,
            &p.abbreviations,
            &p.common_words,
            &p.titles,
            &p.name_particles,
            &p.org_words,
            &p.places,
        ] {
            assert!(!set.is_empty());
        }
    }
}

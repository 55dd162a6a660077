//! Compiles the heuristics kept as data in `patterns/` (see its README).
//! The algorithms never hold pattern literals of their own.

use regex::{Regex, RegexSet, RegexSetBuilder};
use std::sync::LazyLock;
use wiretrace_core::text::{is_ascii_space, unify_punct};

fn lines(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

/// A set of whole-line, case-insensitive patterns.
fn whole_line_set(src: &str) -> RegexSet {
    RegexSetBuilder::new(lines(src).map(|p| format!("^(?:{p})$")))
        .case_insensitive(true)
        .build()
        .expect("patterns/ holds valid regexes")
}

/// A set of case-insensitive patterns matching the start of a line.
fn prefix_set(src: &str) -> RegexSet {
    RegexSetBuilder::new(lines(src).map(|p| format!("^(?:{p})")))
        .case_insensitive(true)
        .build()
        .expect("patterns/ holds valid regexes")
}

fn name_regex(src: &str) -> Regex {
    let alts: Vec<String> = lines(src).map(|p| format!("(?:{p})")).collect();
    Regex::new(&format!("(?i){}", alts.join("|"))).expect("patterns/ holds valid regexes")
}

pub struct Patterns {
    pub boilerplate_lines: RegexSet,
    pub terminators: RegexSet,
    pub related_prefixes: RegexSet,
    pub caption_prefixes: RegexSet,
    pub wire_credits: Vec<(String, Regex)>,
    pub negative_names: Regex,
    pub skipped_names: Regex,
    pub positive_names: Regex,
    pub layout_names: Regex,
    pub article_names: Regex,
    /// Lowercase prefixes of class names that name a post's topics.
    pub topic_name_prefixes: Vec<String>,
    date_line_words: std::collections::HashSet<String>,
    english_words: std::collections::HashSet<String>,
}

pub static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| Patterns {
    boilerplate_lines: whole_line_set(include_str!("../patterns/boilerplate_lines.txt")),
    terminators: whole_line_set(include_str!("../patterns/terminators.txt")),
    related_prefixes: prefix_set(include_str!("../patterns/related_prefixes.txt")),
    caption_prefixes: prefix_set(include_str!("../patterns/caption_prefixes.txt")),
    wire_credits: lines(include_str!("../patterns/wire_credits.txt"))
        .map(|l| {
            let (agency, re) = l
                .split_once('\t')
                .expect("wire_credits.txt: AGENCY<TAB>regex");
            (
                agency.to_string(),
                Regex::new(&format!("(?m){re}")).expect("valid wire regex"),
            )
        })
        .collect(),
    negative_names: name_regex(include_str!("../patterns/negative_names.txt")),
    skipped_names: name_regex(include_str!("../patterns/skipped_names.txt")),
    positive_names: name_regex(include_str!("../patterns/positive_names.txt")),
    layout_names: name_regex(include_str!("../patterns/layout_names.txt")),
    article_names: name_regex(include_str!("../patterns/article_names.txt")),
    topic_name_prefixes: lines(include_str!("../patterns/topic_name_prefixes.txt"))
        .map(|w| w.trim().to_ascii_lowercase())
        .collect(),
    date_line_words: lines(include_str!("../patterns/date_line_words.txt"))
        .map(|w| w.trim().to_lowercase())
        .collect(),
    english_words: lines(include_str!("../patterns/english_words.txt"))
        .map(|w| w.trim().to_lowercase())
        .collect(),
});

/// Lines longer than this are prose, whatever they start with.
pub const MAX_FURNITURE_CHARS: usize = 160;

/// Normalises a line for matching: typographic punctuation unified, white
/// space collapsed, trimmed.
pub fn matchable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Stretches that hold nothing `unify_punct` changes and no white
        // space but single spaces between words are copied whole.
        let mut end = i;
        while end < bytes.len() {
            let b = bytes[end];
            let lone_space = b == b' '
                && end > i
                && bytes
                    .get(end + 1)
                    .is_some_and(|&next| !may_start_a_change(next));
            if may_start_a_change(b) && !lone_space {
                break;
            }
            end += 1;
        }
        out.push_str(&line[i..end]);
        let Some(c) = line[end..].chars().next() else {
            break;
        };
        i = end + c.len_utf8();
        let c = unify_punct(c);
        if !c.is_whitespace() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether `b` may start a character [`matchable`] changes (white space,
/// typographic punctuation): ASCII white space, the backtick, and the lead
/// bytes of U+0080..U+00BF, U+1xxx, U+2xxx and U+3xxx. A test checks every
/// character.
fn may_start_a_change(b: u8) -> bool {
    is_ascii_space(b) || b == b'`' || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3)
}

/// Whether `s` has at most `n` characters, without counting a string
/// too long (in bytes) or too short to need it.
fn at_most_chars(s: &str, n: usize) -> bool {
    s.len() <= n || (s.len() <= 4 * n && s.chars().count() <= n)
}

impl Patterns {
    /// Whether `word` (lower-case) is one of the English words that tell
    /// English prose.
    pub fn is_english_word(&self, word: &str) -> bool {
        self.english_words.contains(word)
    }

    /// Whether `word` may stand beside a date on a date line.
    pub fn is_date_line_word(&self, word: &str) -> bool {
        self.date_line_words.contains(&word.to_lowercase())
    }

    pub fn is_boilerplate(&self, line: &str) -> bool {
        at_most_chars(line, MAX_FURNITURE_CHARS)
            && (self.boilerplate_lines.is_match(line) || is_bare_link(line))
    }
    pub fn is_terminator(&self, line: &str) -> bool {
        at_most_chars(line, MAX_FURNITURE_CHARS) && self.terminators.is_match(line)
    }
    pub fn is_related(&self, line: &str) -> bool {
        at_most_chars(line, 2 * MAX_FURNITURE_CHARS) && self.related_prefixes.is_match(line)
    }
    pub fn is_caption(&self, line: &str) -> bool {
        self.caption_prefixes.is_match(line)
    }
    /// The agency a text credits, if any.
    pub fn wire_credit(&self, text: &str) -> Option<String> {
        // Captures only where the agency is the match's: allocating them
        // for every pattern on every text was half the search's cost. (One
        // RegexSet for all was slower still: it loses each pattern's
        // literal prefilter, and its DFA gives up on Unicode word
        // boundaries in non-ASCII text.)
        self.wire_credits.iter().find_map(|(agency, re)| {
            if agency == "$1" {
                Some(re.captures(text)?.get(1)?.as_str().to_string())
            } else {
                re.is_match(text).then(|| agency.clone())
            }
        })
    }
}

/// A line that is nothing but a URL (spam and social links between paragraphs).
fn is_bare_link(line: &str) -> bool {
    let l = line.trim();
    !l.contains(' ')
        && (l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matchable_unifies_punctuation_and_collapses_white_space(
            line in "( |\t|\n|\u{a0}|\u{85}|\u{2028}|\u{3000}|\u{1680}|a|é|ж|’|“|—|«|´|\u{2212}|,|`|b){0,40}"
        ) {
            let slow = line
                .chars()
                .map(wiretrace_core::text::unify_punct)
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            prop_assert_eq!(matchable(&line), slow);
        }
    }

    #[test]
    fn every_character_matchable_changes_starts_with_a_byte_it_stops_at() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if c.is_whitespace() || unify_punct(c) != c {
                let mut utf8 = [0; 4];
                let lead = c.encode_utf8(&mut utf8).as_bytes()[0];
                assert!(may_start_a_change(lead), "{c:?}");
            }
        }
    }

    #[test]
    fn every_data_file_compiles_and_classifies() {
        let p = &*PATTERNS;
        for junk in [
            "Spread the love",
            "Loading",
            "Like Loading...",
            "Leave a Reply",
            "https://www.facebook.com/x",
            "Share on Facebook",
            "12 Comments",
            "Advert",
            "Caption",
            "Close",
            "Image 3 of 12",
            "View gallery",
            "This slideshow requires JavaScript.",
            "Tell us what you think...",
            "Get the latest updates right in your inbox. Subscribe to our newsletters.",
            "Have a tip? Ana Ruiz may be reached at ana@example.org. Follow her on Twitter @ana.",
            "Follow @HarbourDeals on Twitter to keep up with the latest deals.",
            "[button link=\"https://example.org/x\" type=\"big\"] Send us your review[/button]",
        ] {
            assert!(p.is_boilerplate(&matchable(junk)), "{junk}");
        }
        assert!(p.is_boilerplate(&matchable(
            "Your email address will not be published. Required fields are marked *"
        )));
        for prose in [
            "Rubio said the policy had failed.",
            "Share prices fell 3% on Tuesday as investors fled.",
            "Loading docks were closed all week.",
            "Like loading a ship, it took all week.",
            "Close to 200 people were evacuated.",
            "Tell us what you think of the plan, the mayor told residents.",
        ] {
            assert!(!p.is_boilerplate(&matchable(prose)), "{prose}");
        }
        assert!(p.is_related("Read more: Rubio in Mexico as US says hit cartel near Venezuela"));
        assert!(p.is_caption("Caption: The minister arrives in the capital"));
        assert_eq!(
            p.wire_credit("AFP has not been able to verify the number.")
                .as_deref(),
            Some("AFP")
        );
        assert_eq!(
            p.wire_credit("LONDON (Reuters) - Shares rose.").as_deref(),
            Some("Reuters")
        );
        assert_eq!(p.wire_credit("The mayor spoke on Tuesday."), None);
        assert_eq!(
            p.wire_credit("PORT ALDREN (MPA) – Dockworkers walked out.")
                .as_deref(),
            Some("MPA")
        );
        assert_eq!(
            p.wire_credit("WASHINGTON (AP) — The Senate voted.")
                .as_deref(),
            Some("AP")
        );
        assert!(
            p.negative_names.is_match("share-buttons") && p.positive_names.is_match("article-body")
        );
        assert!(!p.negative_names.is_match("headline"));
    }

    #[test]
    fn lines_many_sites_templates_share_are_boilerplate() {
        let p = &*PATTERNS;
        for junk in [
            "Distributed by the Fenland News Service. This material may not be published, broadcast, rewritten or redistributed.",
            "Copyright 2031 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten, or redistributed.",
            "Rate this article: 4.1 out of 5 from 23 readers",
            "Rate this story",
            "404 : Page Not Found",
            "Error 404 - page not found.",
        ] {
            assert!(p.is_boilerplate(&matchable(junk)), "{junk}");
        }
        for prose in [
            "The council may not be able to publish the report before the vote.",
            "Rate rises this year hit borrowers hardest, the bank said.",
        ] {
            assert!(!p.is_boilerplate(&matchable(prose)), "{prose}");
        }
    }
}

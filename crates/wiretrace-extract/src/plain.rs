//! Extraction from scraped plain text.
//!
//! The text is kept as given; the result says which of its lines are the
//! article body (as code point spans), which are the headline, site name,
//! captions or related links, and which were stripped as boilerplate.
//!
//! A line is judged by the patterns in `patterns/` and by its place: the
//! header (lines before the headline: site name, tagline, photo caption), the
//! body, and the tail after a terminator ("Leave a Reply", "Related posts").

use wiretrace_core::{
    text::{normalize_text, normalizes_to},
    Span,
};

use crate::patterns::{matchable, PATTERNS};

/// What plain-text extraction found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlainExtraction {
    pub body: Vec<Span>,
    pub title: Option<String>,
    pub site: Option<String>,
    pub byline: Option<String>,
    pub captions: Vec<String>,
    pub related: Vec<String>,
    pub stripped: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Body,
    Title,
    Site,
    Byline,
    Caption,
    Related,
    Stripped,
}

struct Line<'a> {
    text: &'a str,
    span: Span,
    words: usize,
    /// The line as the patterns see it ([`matchable`]).
    matchable: String,
}

/// How far into a text the headline is looked for, in non-empty lines.
const HEADLINE_WINDOW: usize = 6;
/// A body paragraph has at least this many words.
const BODY_MIN_WORDS: usize = 8;

/// Splits a text into its non-empty lines, trimmed, with code point spans.
fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut char_pos = 0usize;
    for raw in text.split_inclusive('\n') {
        let n = raw.chars().count();
        let lead = raw.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            let len = trimmed.chars().count();
            out.push(Line {
                text: trimmed,
                span: Span::new(char_pos + lead, char_pos + lead + len),
                words: trimmed.split_whitespace().count(),
                matchable: matchable(trimmed),
            });
        }
        char_pos += n;
    }
    out
}

fn ends_like_sentence(s: &str) -> bool {
    let end = s.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    end.ends_with(['.', ':', ';', ',']) || end.ends_with("...")
}

/// A line that reads as a paragraph of prose: long enough, and ending a sentence.
fn looks_like_prose(l: &Line) -> bool {
    let end = l
        .text
        .trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    l.words >= BODY_MIN_WORDS && end.ends_with(['.', '!', '?'])
}

fn starts_with_quote(s: &str) -> bool {
    s.starts_with(['"', '“', '«', '\'', '‘'])
}

fn looks_like_headline(l: &Line) -> bool {
    (3..=25).contains(&l.words)
        && l.text.chars().count() <= 200
        && !ends_like_sentence(l.text)
        && !starts_with_quote(l.text)
}

fn looks_like_byline(l: &Line) -> bool {
    l.words <= 10 && {
        let m = l.matchable.to_lowercase();
        m.starts_with("by ") || m.starts_with("written by ") || m.starts_with("reporting by ")
    }
}

/// Extracts the article from scraped text. `given_title` (from a feed) is
/// used instead of guessing the headline; a line repeating it is left out of
/// the body.
pub fn extract_plain(text: &str, given_title: Option<&str>) -> PlainExtraction {
    let lines = lines(text);
    let p = &*PATTERNS;
    let mut roles: Vec<Role> = lines
        .iter()
        .map(|l| {
            let m = &l.matchable;
            if p.is_boilerplate(m) {
                Role::Stripped
            } else if p.is_related(m) {
                Role::Related
            } else if p.is_caption(m) {
                Role::Caption
            } else {
                Role::Body
            }
        })
        .collect();

    // The tail: from a terminator in the second half to the end is comment
    // forms, comments and related-article lists.
    if let Some(t) = (lines.len() / 2..lines.len()).find(|&i| p.is_terminator(&lines[i].matchable))
    {
        roles[t..].iter_mut().for_each(|r| *r = Role::Stripped);
    }

    // The header: find the headline, then judge the lines above it.
    let window: Vec<usize> = (0..lines.len())
        .filter(|&i| roles[i] == Role::Body)
        .take(HEADLINE_WINDOW)
        .collect();
    let title_line = match given_title {
        Some(t) => {
            let t = normalize_text(t);
            window
                .iter()
                .copied()
                .find(|&i| normalizes_to(lines[i].text, &t))
        }
        None => window.iter().copied().find(|&i| {
            looks_like_headline(&lines[i])
                && lines[i + 1..]
                    .iter()
                    .zip(&roles[i + 1..])
                    .find(|(_, r)| **r == Role::Body)
                    .is_some_and(|(next, _)| looks_like_prose(next) || looks_like_byline(next))
        }),
    };
    if let Some(t) = title_line {
        roles[t] = Role::Title;
        for i in 0..t {
            if roles[i] != Role::Body {
                continue;
            }
            let l = &lines[i];
            roles[i] = if i == 0
                && l.words <= 5
                && !ends_like_sentence(l.text)
                && !starts_with_quote(l.text)
            {
                Role::Site
            } else if l.words >= 6 && !starts_with_quote(l.text) {
                Role::Caption
            } else {
                Role::Stripped // taglines, section labels
            };
        }
    }
    // A byline right after the headline (or at the very top).
    let after = title_line.map_or(0, |t| t + 1);
    if let Some(b) = (after..lines.len()).find(|&i| roles[i] == Role::Body) {
        if looks_like_byline(&lines[b]) {
            roles[b] = Role::Byline;
        }
    }

    // A text that is one sentence, its own headline (a brief, a wire
    // flash): the sentence is the body too.
    if let Some(t) = title_line {
        if !roles.contains(&Role::Body) {
            roles[t] = Role::Body;
        }
    }

    let mut out = PlainExtraction::default();
    for (l, role) in lines.iter().zip(&roles) {
        match role {
            Role::Body => out.body.push(l.span),
            Role::Title => out.title = Some(l.text.to_string()),
            Role::Site => out.site = Some(l.text.to_string()),
            Role::Byline => out.byline = Some(strip_by(l.text)),
            Role::Caption => out.captions.push(strip_caption_label(l.text)),
            Role::Related => out.related.push(l.text.to_string()),
            Role::Stripped => out.stripped.push(l.text.to_string()),
        }
    }
    if given_title.is_some() {
        out.title = None;
    }
    out
}

fn strip_by(s: &str) -> String {
    let t = s.trim();
    for p in ["By ", "by ", "BY ", "Written by ", "Reporting by "] {
        if let Some(rest) = t.strip_prefix(p) {
            return rest.trim().to_string();
        }
    }
    t.to_string()
}

fn strip_caption_label(s: &str) -> String {
    match s.split_once(':') {
        Some((label, rest))
            if label.split_whitespace().count() <= 3 && PATTERNS.is_caption(&matchable(s)) =>
        {
            rest.trim().to_string()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::CharMap;

    const PADDED: &str = "The Harbour Courier\n\n\"News for the whole coast\"\n\nDockworkers walk out at Port Aldren\n\nSpread the love\n\nCaption: Pickets gather at the north gate of Port Aldren on Monday\n\nPORT ALDREN – Dockworkers at Port Aldren walked off the job on Tuesday, halting container traffic at the busiest harbour on the coast.\n\nhttps://www.facebook.com/spam.page\n\nThe union said the strike would last until the port authority returned to talks.\n\nRead more: Port authority posts record profit\n\nLoading\n\nLeave a Reply\n\nYour email address will not be published. Required fields are marked *\n\nGreat article, thanks for sharing this with all of us here.\n";

    fn body_text(text: &str, e: &PlainExtraction) -> Vec<String> {
        let map = CharMap::new(text);
        e.body
            .iter()
            .map(|s| map.slice(text, *s).to_string())
            .collect()
    }

    #[test]
    fn a_one_sentence_text_that_repeats_its_title_is_its_own_body() {
        let flash = "Police say the climber who watched his brother fall is devastated.";
        let e = extract_plain(flash, Some(flash));
        assert_eq!(body_text(flash, &e), [flash]);
    }

    #[test]
    fn strips_padding_and_keeps_body() {
        let e = extract_plain(PADDED, None);
        assert_eq!(
            e.title.as_deref(),
            Some("Dockworkers walk out at Port Aldren")
        );
        assert_eq!(e.site.as_deref(), Some("The Harbour Courier"));
        assert_eq!(
            e.captions,
            ["Pickets gather at the north gate of Port Aldren on Monday"]
        );
        assert_eq!(e.related, ["Read more: Port authority posts record profit"]);
        let body = body_text(PADDED, &e);
        assert_eq!(body.len(), 2, "{body:?}");
        assert!(body[0].starts_with("PORT ALDREN"));
        assert!(body[1].starts_with("The union said"));
        for junk in [
            "Spread the love",
            "Loading",
            "Leave a Reply",
            "Great article, thanks for sharing this with all of us here.",
        ] {
            assert!(
                e.stripped.iter().any(|s| s == junk),
                "{junk} not stripped: {:?}",
                e.stripped
            );
        }
    }

    #[test]
    fn a_caption_above_the_headline_is_kept_apart() {
        let t = "The minister shakes hands with the mayor at the town hall in Veldt.\nMinister promises new bridge for Veldt\nThe minister promised on Friday that a new bridge would be built across the river within two years.\nWork would begin in the spring, she said.";
        let e = extract_plain(t, None);
        assert_eq!(
            e.title.as_deref(),
            Some("Minister promises new bridge for Veldt")
        );
        assert_eq!(e.captions.len(), 1);
        assert_eq!(body_text(t, &e).len(), 2);
    }

    #[test]
    fn given_title_is_not_guessed_and_its_line_is_dropped() {
        let t = "Storm closes pass\n\nSnow closed the Kessel pass on Sunday, stranding dozens of lorries for the night.";
        let e = extract_plain(t, Some("Storm closes pass"));
        assert_eq!(e.title, None);
        assert_eq!(
            body_text(t, &e),
            ["Snow closed the Kessel pass on Sunday, stranding dozens of lorries for the night."]
        );
    }

    #[test]
    fn body_only_text_is_all_body() {
        let t = "First paragraph of the report, with enough words to be prose.\n\nSecond paragraph, also prose, and long enough to count.";
        let e = extract_plain(t, None);
        assert_eq!(e.body.len(), 2);
        assert_eq!(e.title, None);
    }
}

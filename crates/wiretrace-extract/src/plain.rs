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

use std::sync::LazyLock;

use regex::{RegexSet, RegexSetBuilder};

use crate::patterns::{matchable, PATTERNS};

/// Lines that look like a headline and never are one
/// (`patterns/not_headlines.txt`).
static NOT_HEADLINES: LazyLock<RegexSet> = LazyLock::new(|| {
    let src = include_str!("../patterns/not_headlines.txt");
    let patterns = src
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|p| format!("^(?:{p})$"));
    RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .build()
        .expect("patterns/ holds valid regexes")
});

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
/// A line of this many words is a paragraph (or a whole article on one line),
/// never a caption, a tagline or a headline: the headline comes before it.
const PARAGRAPH_WORDS: usize = 60;

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
        && !looks_like_byline(l)
        && !is_top_furniture(l)
}

/// A line near the top that is a photo credit, a date stamp or a prompt
/// (`patterns/not_headlines.txt`, or a line that only dates the text).
fn is_top_furniture(l: &Line) -> bool {
    l.words <= 25
        && (NOT_HEADLINES.is_match(&l.matchable) || crate::date_line::date_line(l.text).is_some())
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
            } else if p.is_caption(m) && l.words < PARAGRAPH_WORDS {
                Role::Caption
            } else {
                Role::Body
            }
        })
        .collect();

    // The tail: from a terminator in the second half to the end is comment
    // forms, comments and related-article lists. The half is counted in
    // words: a text of a few long lines has its story after a "3 Comments"
    // line near the top, not a tail.
    let total_words: usize = lines.iter().map(|l| l.words).sum();
    let mut words_before = 0;
    let tail = lines.iter().enumerate().find_map(|(i, l)| {
        let found = i >= lines.len() / 2
            && 2 * words_before >= total_words
            && p.is_terminator(&l.matchable);
        words_before += l.words;
        found.then_some(i)
    });
    if let Some(t) = tail {
        roles[t..].iter_mut().for_each(|r| *r = Role::Stripped);
    }

    // The header: find the headline, then judge the lines above it. It
    // comes before the first paragraph-long line.
    let first_paragraph = lines
        .iter()
        .position(|l| l.words >= PARAGRAPH_WORDS)
        .unwrap_or(lines.len());
    let window: Vec<usize> = (0..first_paragraph)
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
                    .find(|(l, r)| **r == Role::Body && !is_top_furniture(l))
                    .is_some_and(|(next, _)| looks_like_prose(next) || looks_like_byline(next))
        }),
    };
    // Credits, date stamps and prompts around the headline are not body.
    for &i in &window {
        if roles[i] == Role::Body && Some(i) != title_line && is_top_furniture(&lines[i]) {
            roles[i] = Role::Stripped;
        }
    }
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

    /// Prose of `n` words, ending a sentence.
    fn prose(n: usize) -> String {
        let words = "the council of Veldt met again on Tuesday and the tram line vote passed after a long debate";
        let mut out: Vec<&str> = words.split(' ').cycle().take(n).collect();
        out[0] = "The";
        format!("{}.", out.join(" "))
    }

    #[test]
    fn a_whole_article_on_one_line_is_body_not_a_caption() {
        let article = prose(120);
        let t = format!("{article}\nMore from the Gazette\nLibrary extends weekend hours\nThe city library will open on Sundays from next month, the council said on Friday.\n");
        let e = extract_plain(&t, None);
        assert!(e.captions.is_empty(), "{:?}", e.captions);
        assert!(body_text(&t, &e).contains(&article), "{e:?}");
        let photo = format!("Photo: {article}");
        let e = extract_plain(&photo, None);
        assert_eq!(
            body_text(&photo, &e),
            [photo.as_str()],
            "a caption prefix on an article"
        );
    }

    #[test]
    fn a_tail_is_counted_in_words_not_lines() {
        let story = prose(540);
        let t = format!("Northern Wire\nVeldt council backs tram line\nBy Mara Quist\n4 Comments\n{story}\nCopyright 2026 The Northern Wire. All rights reserved.\n");
        let e = extract_plain(&t, None);
        assert!(body_text(&t, &e).contains(&story), "{e:?}");
        assert_eq!(e.title.as_deref(), Some("Veldt council backs tram line"));
    }

    #[test]
    fn credits_dates_bylines_and_prompts_are_not_headlines() {
        let body = "The Veldt city council voted on Tuesday to extend the tram line to the airport, the mayor said.";
        for furniture in [
            "Ada Linde / AP",
            "Photo: Getty Images",
            "March 3, 2026",
            "Published: 33 mins ago",
            "Updated 2 hours ago",
            "Subscribe now for unlimited access",
        ] {
            let t = format!("Tram line wins council vote\n{furniture}\n{body}\n");
            let e = extract_plain(&t, None);
            assert_eq!(
                e.title.as_deref(),
                Some("Tram line wins council vote"),
                "{furniture}"
            );
            assert_eq!(body_text(&t, &e), [body], "{furniture}");
        }
        let t = format!("By Mara Quist\n{body}\n");
        let e = extract_plain(&t, None);
        assert_eq!(e.title, None);
        assert_eq!(e.byline.as_deref(), Some("Mara Quist"));
    }

    #[test]
    fn body_only_text_is_all_body() {
        let t = "First paragraph of the report, with enough words to be prose.\n\nSecond paragraph, also prose, and long enough to count.";
        let e = extract_plain(t, None);
        assert_eq!(e.body.len(), 2);
        assert_eq!(e.title, None);
    }
}

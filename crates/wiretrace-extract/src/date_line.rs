//! The publication date that scraped text states on a line of its own near
//! the top ("Posted: May 24, 2025, 3:23 PM ET", "Thursday, Apr 2, 2025 |
//! Updated 1:32 PM", "2025-09-03"), for items that come without one.
//!
//! Only a line that is a date and little else counts: a sentence that
//! mentions a date says when something happened, not when it was written.
//! Numeric dates whose day and month could be swapped (3/4/2025) are left
//! unread rather than guessed.

use crate::patterns::PATTERNS;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use regex::Regex;
use std::sync::LazyLock;

/// Lines looked at, from the top (empty ones aside).
const TOP_LINES: usize = 5;
/// A date line is at most this long.
const MAX_LINE_CHARS: usize = 100;
/// Words a date line may carry besides the date, times and the words of
/// `patterns/date_line_words.txt` (a byline's name, a site's).
const MAX_OTHER_WORDS: usize = 3;

// ASCII digits and word boundaries: other scripts' digits would not parse
// as numbers anyway, and Unicode classes cost milliseconds to compile.
const MONTH: &str = r"(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?";
static DATES: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    let re = |p: &str| Regex::new(&format!("(?i){p}")).expect("static regex");
    [
        // May 24, 2025 / Sept. 3 2025
        re(&format!(
            r"(?-u:\b){MONTH}\s+(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)[0-9][0-9])(?-u:\b)"
        )),
        // 24 May 2025
        re(&format!(
            r"(?-u:\b)(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+{MONTH},?\s+(?P<year>(?:19|20)[0-9][0-9])(?-u:\b)"
        )),
        // 2025-05-24
        re(
            r"(?-u:\b)(?P<year>(?:19|20)[0-9][0-9])-(?P<num_month>[0-9][0-9])-(?P<day>[0-9][0-9])(?-u:\b)",
        ),
        // 24/05/2025 or 05/24/2025: read only when one part exceeds 12
        re(
            r"(?-u:\b)(?P<a>[0-9]{1,2})[/.](?P<b>[0-9]{1,2})[/.](?P<year>(?:19|20)[0-9][0-9])(?-u:\b)",
        ),
    ]
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?P<h>[0-9]{1,2}):(?P<m>[0-9][0-9])(?::[0-9][0-9])?(?:\s*(?P<ampm>[ap])\.?m(?-u:\b)\.?)?")
        .expect("static regex")
});
static WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|nesday|rsday|urday|sday)?\.?$",
    )
    .expect("static regex")
});
/// Spaces a tokenizer left around punctuation ("May 24 , 2005 , 3 : 23").
static LOOSE_PUNCT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*([/:])\s*|\s+([,.])").expect("static regex"));

/// The date stated by a date line among the first lines of `text`.
pub fn date_line(text: &str) -> Option<DateTime<FixedOffset>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(TOP_LINES)
        .filter(|l| l.chars().count() <= MAX_LINE_CHARS)
        .find_map(|l| read_line(&LOOSE_PUNCT.replace_all(l, "$1$2")))
}

fn read_line(line: &str) -> Option<DateTime<FixedOffset>> {
    let (found, date) = DATES.iter().find_map(|re| {
        let c = re.captures(line)?;
        Some((c.get(0)?.range(), date_of(&c)?))
    })?;
    let time = TIME.captures(&line[found.end..]).and_then(|c| {
        let mut h: u32 = c["h"].parse().ok()?;
        let m: u32 = c["m"].parse().ok()?;
        match c.name("ampm").map(|x| x.as_str().to_ascii_lowercase()) {
            Some(p) if p == "p" && h < 12 => h += 12,
            Some(p) if p == "a" && h == 12 => h = 0,
            _ => {}
        }
        NaiveTime::from_hms_opt(h, m, 0)
    });
    // What is left once dates and times are taken out must be furniture.
    let mut rest = format!("{} {}", &line[..found.start], &line[found.end..]);
    for re in DATES.iter().chain([&*TIME]) {
        rest = re.replace_all(&rest, " ").into_owned();
    }
    let other = rest
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '|' | '-' | '–' | '—' | ':' | '(' | ')')
        })
        .filter(|w| w.chars().any(char::is_alphabetic))
        .filter(|w| !WEEKDAY.is_match(w) && !PATTERNS.is_date_line_word(w))
        .count();
    if other > MAX_OTHER_WORDS || ends_like_sentence(line) {
        return None;
    }
    let at = date.and_time(time.unwrap_or(NaiveTime::MIN));
    Some(Utc.from_utc_datetime(&at).fixed_offset())
}

/// A line ending in a full stop after a word (not an abbreviation such as
/// "p.m." or "Sept.") reads as a sentence.
fn ends_like_sentence(line: &str) -> bool {
    line.strip_suffix('.').is_some_and(|l| {
        let last = l
            .rsplit(|c: char| !c.is_alphanumeric() && c != '.')
            .next()
            .unwrap_or("");
        last.chars().filter(|c| c.is_alphabetic()).count() > 4 && !last.contains('.')
    })
}

fn date_of(c: &regex::Captures) -> Option<NaiveDate> {
    let year: i32 = c["year"].parse().ok()?;
    let day = |s: &str| s.parse::<u32>().ok();
    if let Some(m) = c.name("month") {
        // By chars: case-insensitive matching lets "ſep" (long s) in.
        let month = match m
            .as_str()
            .chars()
            .take(3)
            .collect::<String>()
            .to_lowercase()
            .as_str()
        {
            "jan" => 1,
            "feb" => 2,
            "mar" => 3,
            "apr" => 4,
            "may" => 5,
            "jun" => 6,
            "jul" => 7,
            "aug" => 8,
            "sep" => 9,
            "oct" => 10,
            "nov" => 11,
            "dec" => 12,
            _ => return None,
        };
        return NaiveDate::from_ymd_opt(year, month, day(&c["day"])?);
    }
    if let Some(m) = c.name("num_month") {
        return NaiveDate::from_ymd_opt(year, day(m.as_str())?, day(&c["day"])?);
    }
    let (a, b) = (day(&c["a"])?, day(&c["b"])?);
    match (a > 12, b > 12) {
        (true, false) => NaiveDate::from_ymd_opt(year, b, a),
        (false, true) => NaiveDate::from_ymd_opt(year, a, b),
        // Same either way, or no way to tell day from month.
        _ if a == b => NaiveDate::from_ymd_opt(year, a, a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn read(text: &str) -> Option<String> {
        date_line(text).map(|d| d.format("%Y-%m-%d %H:%M").to_string())
    }

    #[test]
    fn reads_the_date_lines_of_scraped_pages() {
        for (text, want) in [
            (
                "Updated: May 24, 2005, 3:23 PM ET\n\nThe mayor resigned.",
                "2005-05-24 15:23",
            ),
            (
                "Updated : May 24 , 2005 , 3 : 23 PM ET\n\nBody.",
                "2005-05-24 15:23",
            ),
            (
                "Thursday, Apr 2, 2009 | Updated 1:32 PM PDT\n\nBody.",
                "2009-04-02 13:32",
            ),
            (
                "Headline here\n\n2 A.M. FEB. 4, 2009\n\nBody.",
                "2009-02-04 00:00",
            ),
            ("on Feb . 04 , 2009\n\nBody.", "2009-02-04 00:00"),
            ("MONDAY, MAY 23, 2005\n\nBody.", "2005-05-23 00:00"),
            ("Posted 23/2/2009 11:11 PM\n\nBody.", "2009-02-23 23:11"),
            (
                "By Ana Lind | 3 September 2025\n\nBody.",
                "2025-09-03 00:00",
            ),
            ("2025-09-03\n\nBody.", "2025-09-03 00:00"),
        ] {
            assert_eq!(read(text).as_deref(), Some(want), "{text}");
        }
    }

    fn date_soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("Posted".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("May 24, 2005".to_string()),
            Just("ſep 3 2025".to_string()),
            Just("KELVIN \u{212a}".to_string()),
            Just("3 : 23 PM".to_string()),
            Just("12/31/2025".to_string()),
            Just("2025-13-45".to_string()),
            Just("\u{661}\u{662}/\u{663}/2025".to_string()),
            "\\PC{0,6}",
        ];
        proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn any_text_gives_a_date_or_none_without_panicking(text in date_soup()) {
            if let Some(d) = date_line(&text) {
                prop_assert!((1900..2100).contains(&d.year()));
            }
        }
    }

    #[test]
    fn leaves_sentences_ambiguous_and_late_dates_alone() {
        for text in [
            // A sentence that mentions a date.
            "The council voted on May 24, 2005 to close the old tram depot for good.\n\nBody.",
            "Talks resumed on May 3, 2025 in the capital.",
            // Day and month could be either.
            "Posted 2/3/2009 11:11 PM\n\nBody.",
            // Below the top lines.
            "One\n\nTwo\n\nThree\n\nFour\n\nFive\n\nMay 24, 2005",
            "No date at all.",
            "Posted February 30, 2009",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }
}

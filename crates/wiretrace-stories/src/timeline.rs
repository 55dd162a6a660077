//! A story's timeline: the sentences of its articles that say when something
//! happened, with the time resolved to a calendar date.
//!
//! News dates events relative to the publication time: "on Tuesday", "later
//! Wednesday", "yesterday", "last month", or absolutely: "September 2, 2025",
//! "2 September", "2025-09-02". A weekday in a sentence about the future
//! ("will meet on Wednesday"), or the end of a span ("closed until
//! Wednesday": what holds until a day holds now, so the day lies ahead),
//! is the next such day on or after publication; otherwise the last one on
//! or before it.
//!
//! An article without a publication time is dated from the text when it can
//! be: the latest full date it mentions (a caption's "September 2, 2025").
//! Failing that, its story's earliest dated article bounds it: it was written
//! on or after that day, so its weekdays are the first such days from there.
//! Every date found that way is marked `inferred`.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;
use wiretrace_core::{Article, ArticleId, CharMap, Span};

/// How precise a resolved date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Day,
    Month,
}

/// One dated sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedEvent {
    pub article: ArticleId,
    pub date: NaiveDate,
    pub precision: Precision,
    /// The time expression as written ("later Wednesday").
    pub expression: String,
    /// The sentence holding it, and its span (code points) in the article's
    /// text; captions, which are not in the text, have no span.
    pub sentence: String,
    pub span: Option<Span>,
    /// The date rests on an inferred reference (the article is undated).
    pub inferred: bool,
}

/// What relative expressions in an article are resolved against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// The article's own day (published, or inferred from a date it states).
    On { day: NaiveDate, inferred: bool },
    /// Undated: written on or after this day (its story's earliest).
    NotBefore(NaiveDate),
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const MONTH_RE: &str = r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|Sep(?:tember|t\.|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)";

static EXPRESSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?x)
        (?P<iso>(?-u:\b)(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})(?-u:\b))
      | (?P<mdy>(?-u:\b)(?P<m1>{MONTH_RE})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?-u:\b)(?:,?\s+(?P<y1>\d{{4}})(?-u:\b))?)
      | (?P<dmy>(?-u:\b)(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{MONTH_RE})(?:,?\s+(?P<y2>\d{{4}})(?-u:\b))?)
      | (?P<wd>(?-u:\b)(?:(?P<mod>[Ll]ater|[Ee]arlier|[Ll]ast|[Nn]ext|[Tt]his|[Oo]n|[Uu]ntil|[Tt]ill)\s+)?
            (?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:['’]s)?(?-u:\b))
      | (?P<rel>(?-u:\b)(?:[Yy]esterday|[Tt]oday|[Tt]omorrow)(?-u:\b))
      | (?P<lastunit>(?-u:\b)(?:[Ll]ast|[Nn]ext)\s+(?:month|year)(?-u:\b))
        "
    ))
    .expect("static regex")
});

/// (Word boundaries are ASCII, `(?-u:\b)`, throughout: the expressions are
/// English, and a Unicode boundary keeps the regex engine off its DFA,
/// several times slower on every sentence.)
///
/// Words that put a sentence in the future ("would" is left out: it is the
/// future of reported speech, "he said Tuesday it would...").
static FUTURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:will|won't|shall|is to|are to|is due|are due|is expected to|are expected to|plans? to|is scheduled|are scheduled|is set to|are set to)(?-u:\b)")
        .expect("static regex")
});

/// An infinitive: "to return", "to meet".
static INFINITIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)to\s+[a-z]+(?-u:\b)").expect("static regex"));

fn month_number(s: &str) -> Option<u32> {
    let s = s.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|m| m.starts_with(&s[..s.len().min(3)]))
        .map(|i| i as u32 + 1)
}

fn weekday(s: &str) -> Option<Weekday> {
    s.parse().ok()
}

/// A full date the text states (with its year), if valid.
fn full_date(c: &regex::Captures) -> Option<NaiveDate> {
    if c.name("iso").is_some() {
        return NaiveDate::from_ymd_opt(
            c["iy"].parse().ok()?,
            c["im"].parse().ok()?,
            c["id"].parse().ok()?,
        );
    }
    let (m, d, y) = if c.name("mdy").is_some() {
        (c.name("m1")?, c.name("d1")?, c.name("y1")?)
    } else {
        (c.name("m2")?, c.name("d2")?, c.name("y2")?)
    };
    NaiveDate::from_ymd_opt(
        y.as_str().parse().ok()?,
        month_number(m.as_str())?,
        d.as_str().parse().ok()?,
    )
}

/// The day `w` on or after `from` (`forward`), or on or before it.
fn nearest(from: NaiveDate, w: Weekday, forward: bool) -> NaiveDate {
    let a = from.weekday().num_days_from_monday() as i64;
    let b = w.num_days_from_monday() as i64;
    if forward {
        from + Duration::days((b - a).rem_euclid(7))
    } else {
        from - Duration::days((a - b).rem_euclid(7))
    }
}

/// The article's sentences: (text, span in the article's text), then its
/// captions (no span).
fn sentences(a: &Article) -> Vec<(String, Option<Span>)> {
    let map = CharMap::new(&a.text);
    let mut out = Vec::new();
    for span in &a.body {
        let chars: Vec<char> = map.slice(&a.text, *span).chars().collect();
        let mut start = 0;
        for i in 0..chars.len() {
            let ends = matches!(chars[i], '.' | '!' | '?')
                && chars.get(i + 1).is_some_and(|c| c.is_whitespace())
                && chars[i + 1..]
                    .iter()
                    .find(|c| !c.is_whitespace())
                    .is_some_and(|c| c.is_uppercase() || matches!(c, '"' | '“' | '‘'));
            if ends || i + 1 == chars.len() {
                let s: String = chars[start..=i].iter().collect();
                let lead = s.len() - s.trim_start().len();
                let lead_chars = s[..lead].chars().count();
                let t = s.trim().to_string();
                if !t.is_empty() {
                    let from = span.start + start + lead_chars;
                    out.push((t.clone(), Some(Span::new(from, from + t.chars().count()))));
                }
                start = i + 1;
            }
        }
    }
    out.extend(a.captions.iter().map(|c| (c.clone(), None)));
    out
}

/// The article's reference day: its publication date, else the latest full
/// date it states (inferred).
pub fn own_reference(a: &Article) -> Option<Reference> {
    if let Some(p) = a.published {
        return Some(Reference::On {
            day: p.date_naive(),
            inferred: false,
        });
    }
    sentences(a)
        .iter()
        .flat_map(|(s, _)| {
            EXPRESSION
                .captures_iter(s)
                .filter_map(|c| full_date(&c))
                .collect::<Vec<_>>()
        })
        .max()
        .map(|day| Reference::On {
            day,
            inferred: true,
        })
}

/// The dated sentences of one article, resolved against `reference`.
pub fn article_events(a: &Article, reference: Reference) -> Vec<DatedEvent> {
    let mut out = Vec::new();
    for (sentence, span) in sentences(a) {
        // Most sentences hold no time expression: a match test (a DFA) is
        // far cheaper than looking for captures.
        if !EXPRESSION.is_match(&sentence) {
            continue;
        }
        let future = FUTURE.is_match(&sentence);
        for c in EXPRESSION.captures_iter(&sentence) {
            let expression = c[0].trim().to_string();
            let (anchor, inferred, not_before) = match reference {
                Reference::On { day, inferred } => (day, inferred, false),
                Reference::NotBefore(day) => (day, true, true),
            };
            let resolved: Option<(NaiveDate, Precision)> = if let Some(d) = full_date(&c) {
                Some((d, Precision::Day))
            } else if c.name("mdy").is_some() || c.name("dmy").is_some() {
                // "September 2" without a year: the one nearest the anchor.
                let (m, d) = if c.name("mdy").is_some() {
                    (&c["m1"], &c["d1"])
                } else {
                    (&c["m2"], &c["d2"])
                };
                let (m, d) = (month_number(m), d.parse::<u32>().ok());
                m.zip(d).and_then(|(m, d)| {
                    (anchor.year() - 1..=anchor.year() + 1)
                        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
                        .min_by_key(|x| (*x - anchor).num_days().abs())
                        .map(|x| (x, Precision::Day))
                })
            } else if let Some(day) = c.name("day").and_then(|d| weekday(d.as_str())) {
                let modifier = c.name("mod").map(|m| m.as_str().to_lowercase());
                // "urged both sides to return to talks on Wednesday": an
                // aim in the next two days is in the future too.
                let ahead = (nearest(anchor, day, true) - anchor).num_days();
                let aim = ahead <= 2
                    && INFINITIVE.is_match(&sentence[..c.get(0).map_or(0, |m| m.start())]);
                let date = match modifier.as_deref() {
                    Some("next") => nearest(anchor + Duration::days(1), day, true),
                    Some("last") => nearest(anchor - Duration::days(1), day, false),
                    Some("until" | "till") => nearest(anchor, day, true),
                    _ if not_before || future || aim => nearest(anchor, day, true),
                    _ => nearest(anchor, day, false),
                };
                Some((date, Precision::Day))
            } else if c.name("rel").is_some() && !not_before {
                let offset = match c[0].to_lowercase().as_str() {
                    "yesterday" => -1,
                    "tomorrow" => 1,
                    _ => 0,
                };
                Some((anchor + Duration::days(offset), Precision::Day))
            } else if c.name("lastunit").is_some() && !not_before {
                let w = c[0].to_lowercase();
                let step: i32 = if w.starts_with("last") { -1 } else { 1 };
                let date = if w.ends_with("year") {
                    NaiveDate::from_ymd_opt(anchor.year() + step, 1, 1)
                } else {
                    let m0 = anchor.year() * 12 + anchor.month0() as i32 + step;
                    NaiveDate::from_ymd_opt(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
                };
                date.map(|d| (d, Precision::Month))
            } else {
                None
            };
            if let Some((date, precision)) = resolved {
                out.push(DatedEvent {
                    article: a.id.clone(),
                    date,
                    precision,
                    expression,
                    sentence: sentence.clone(),
                    span,
                    inferred: inferred && full_date(&c).is_none(),
                });
            }
        }
    }
    out
}

/// The timeline of a story's articles: dated sentences in date order (then
/// article order as given, then position). Undated articles with no date
/// in their text are bounded by the earliest day of the others.
pub fn timeline(articles: &[&Article]) -> Vec<DatedEvent> {
    let refs: Vec<Option<Reference>> = articles.iter().map(|a| own_reference(a)).collect();
    let earliest = refs
        .iter()
        .filter_map(|r| match r {
            Some(Reference::On { day, .. }) => Some(*day),
            _ => None,
        })
        .min();
    let mut events: Vec<(usize, usize, DatedEvent)> = Vec::new();
    for (i, (a, r)) in articles.iter().zip(&refs).enumerate() {
        let Some(r) = r.or(earliest.map(Reference::NotBefore)) else {
            continue;
        };
        for (k, e) in article_events(a, r).into_iter().enumerate() {
            events.push((i, k, e));
        }
    }
    events.sort_by_key(|x| (x.2.date, x.0, x.1));
    // Copies repeat their source's sentences: one dated sentence is told
    // once, by the first article (in the order given) that has it.
    let mut seen = HashSet::new();
    events
        .into_iter()
        .map(|(_, _, e)| e)
        .filter(|e| seen.insert((e.date, sentence_key(&e.sentence))))
        .collect()
}

/// The articles whose sentences a story's timeline tells. A copy tells what
/// its original tells, edits aside, so a copy whose family original is among
/// `members` (each article id with its family, if grouped) is left out.
pub fn tellers(members: &[(&ArticleId, Option<&ArticleId>)]) -> HashSet<ArticleId> {
    let present: HashSet<&ArticleId> = members.iter().map(|(id, _)| *id).collect();
    members
        .iter()
        .filter(|(id, family)| match family {
            Some(f) => f == id || !present.contains(f),
            None => true,
        })
        .map(|(id, _)| (*id).clone())
        .collect()
}

/// A sentence compared across copies: letters and digits, lower case.
fn sentence_key(sentence: &str) -> String {
    sentence
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::{time::parse_datetime, InputFormat};

    fn article(id: &str, published: Option<&str>, paras: &[&str], captions: &[&str]) -> Article {
        let mut a = Article::from_paragraphs(ArticleId(id.into()), paras, InputFormat::Text, id);
        a.published = published.and_then(parse_datetime);
        a.captions = captions.iter().map(|c| c.to_string()).collect();
        a
    }

    #[test]
    fn copies_are_told_by_their_original_when_it_is_there() {
        let id = |s: &str| ArticleId(s.into());
        let (wire, copy, lone_copy, other) = (id("wire"), id("copy"), id("lone"), id("other"));
        let elsewhere = id("elsewhere");
        let told = tellers(&[
            (&wire, Some(&wire)),
            (&copy, Some(&wire)),
            (&lone_copy, Some(&elsewhere)),
            (&other, None),
        ]);
        let mut told: Vec<&str> = told.iter().map(|a| a.0.as_str()).collect();
        told.sort();
        assert_eq!(told, ["lone", "other", "wire"]);
    }

    #[test]
    fn a_sentence_repeated_by_copies_is_told_once() {
        let para = "The strike began on Tuesday at the port.";
        let wire = article("wire", Some("2025-09-03T10:00:00Z"), &[para], &[]);
        let copy = article(
            "copy",
            Some("2025-09-03T12:00:00Z"),
            &[para, "Dockers said, on Tuesday, they would stay out."],
            &[],
        );
        let events = timeline(&[&wire, &copy]);
        let told: Vec<_> = events
            .iter()
            .map(|e| (e.article.0.as_str(), e.sentence.as_str()))
            .collect();
        assert_eq!(told.len(), 2, "{told:?}");
        assert_eq!(told[0], ("wire", para));
        assert_eq!(told[1].0, "copy");
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dated<'a>(events: &'a [DatedEvent], expression: &str) -> &'a DatedEvent {
        events
            .iter()
            .find(|e| e.expression == expression)
            .unwrap_or_else(|| panic!("no {expression:?} in {events:?}"))
    }

    #[test]
    fn weekdays_resolve_backwards_unless_the_sentence_is_about_the_future() {
        // Published on Thursday 2025-03-06.
        let a = article(
            "a",
            Some("2025-03-06T09:00:00Z"),
            &[
                "Dockworkers walked out on Tuesday, the union said. The port authority will meet them on Monday.",
                "The minister urged both sides to return to talks on Friday.",
                "Talks collapsed yesterday. Last month the port posted a record profit, and next Friday the board meets.",
            ],
            &[],
        );
        let ev = article_events(&a, own_reference(&a).unwrap());
        assert_eq!(dated(&ev, "on Tuesday").date, day("2025-03-04"));
        assert_eq!(dated(&ev, "on Monday").date, day("2025-03-10"));
        assert_eq!(dated(&ev, "yesterday").date, day("2025-03-05"));
        let month = dated(&ev, "Last month");
        assert_eq!(
            (month.date, month.precision),
            (day("2025-02-01"), Precision::Month)
        );
        // "next Friday" is the first Friday after the day of writing.
        assert_eq!(dated(&ev, "next Friday").date, day("2025-03-07"));
        assert_eq!(dated(&ev, "on Friday").date, day("2025-03-07"));
        assert!(ev.iter().all(|e| !e.inferred));
        // The end of a span lies ahead, reported speech or not: the demo's
        // Kessel pass, closed on a Monday "at least until Wednesday".
        let monday = article(
            "m",
            Some("2025-03-03T08:45:00+01:00"),
            &["Police said the pass would stay closed at least until Wednesday while ploughs cleared drifts."],
            &[],
        );
        let ev_monday = article_events(&monday, own_reference(&monday).unwrap());
        assert_eq!(dated(&ev_monday, "until Wednesday").date, day("2025-03-05"));
        let span = dated(&ev, "on Tuesday").span.unwrap();
        assert_eq!(
            CharMap::new(&a.text).slice(&a.text, span),
            "Dockworkers walked out on Tuesday, the union said."
        );
    }

    #[test]
    fn explicit_dates_with_and_without_a_year() {
        let a = article(
            "a",
            Some("2025-01-03T09:00:00Z"),
            &["The ferry sank on 28 December. The inquiry opens on March 3, 2025, and reports by 2025-06-30."],
            &[],
        );
        let ev = article_events(&a, own_reference(&a).unwrap());
        assert_eq!(dated(&ev, "28 December").date, day("2024-12-28"));
        assert_eq!(dated(&ev, "March 3, 2025").date, day("2025-03-03"));
        assert_eq!(dated(&ev, "2025-06-30").date, day("2025-06-30"));
    }

    #[test]
    fn an_undated_article_is_dated_from_its_text_or_bounded_by_its_story() {
        // A preview whose only date is in a caption, and an undated report.
        let preview = article(
            "preview",
            None,
            &["The minister will visit the port on Wednesday, a day after Tuesday's strike."],
            &["The minister arrives in Port Aldren on March 4, 2025"],
        );
        let report = article(
            "report",
            None,
            &["The minister promised Wednesday to reopen talks. Later Wednesday she left for the capital."],
            &[],
        );
        assert_eq!(
            own_reference(&preview),
            Some(Reference::On {
                day: day("2025-03-04"),
                inferred: true
            })
        );
        assert_eq!(own_reference(&report), None);
        let tl = timeline(&[&preview, &report]);
        let find = |id: &str, expr: &str| {
            tl.iter()
                .find(|e| e.article.0 == id && e.expression == expr)
                .unwrap_or_else(|| panic!("no {expr} of {id} in {tl:?}"))
        };
        assert_eq!(find("preview", "on Wednesday").date, day("2025-03-05"));
        assert_eq!(find("preview", "Tuesday's").date, day("2025-03-04"));
        assert_eq!(find("report", "Wednesday").date, day("2025-03-05"));
        assert_eq!(find("report", "Later Wednesday").date, day("2025-03-05"));
        assert!(find("report", "Wednesday").inferred);
        assert!(!find("preview", "March 4, 2025").inferred);
        assert!(tl.windows(2).all(|w| w[0].date <= w[1].date));
    }
}

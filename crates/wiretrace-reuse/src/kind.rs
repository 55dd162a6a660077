//! Container pages: pages that are not articles of any copy family.
//!
//! A gallery (captions under a headline), a video page (a player and a
//! line of text), a paywall stub (a teaser and a subscription prompt) and
//! an aggregator list (headlines linking elsewhere: tag, topic and section
//! pages) carry text of other articles, or a few lines of their own, but
//! are copies of nothing: grouped, they chain unrelated stories into one
//! family. They are recognised here and flagged with their [`PageKind`];
//! their shared text stays a passage, but they join no family.
//!
//! The cues are data (`patterns/kinds.txt`); the rules applying them are
//! here. A digest or live page of prose items is no container: it is an
//! article, and a short item it carries is a *partial* copy (see
//! [`crate::align::PairRelation::is_partial`]).

use std::sync::LazyLock;
use wiretrace_core::{text::CharCursor, Article};

/// What kind of container a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Gallery,
    Video,
    Paywall,
    Aggregator,
}

impl PageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Gallery => "gallery",
            PageKind::Video => "video",
            PageKind::Paywall => "paywall",
            PageKind::Aggregator => "aggregator",
        }
    }

    pub fn parse(s: &str) -> Option<PageKind> {
        Some(match s {
            "gallery" => PageKind::Gallery,
            "video" => PageKind::Video,
            "paywall" => PageKind::Paywall,
            "aggregator" => PageKind::Aggregator,
            _ => return None,
        })
    }
}

/// A gallery, video or paywall cue counts on a body of at most this many
/// words: a teaser, a caption or two. A full report filed under a video
/// section is an article.
pub const SHORT_BODY_WORDS: usize = 150;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Path,
    Title,
    Text,
}

struct Cue {
    kind: PageKind,
    at: Where,
    text: String,
}

static CUES: LazyLock<Vec<Cue>> =
    LazyLock::new(|| parse_cues(include_str!("../patterns/kinds.txt")));

fn parse_cues(src: &str) -> Vec<Cue> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let (kind, at, text) = (parts.next(), parts.next(), parts.next());
            let kind = kind.and_then(PageKind::parse);
            let at = match at {
                Some("path") => Some(Where::Path),
                Some("title") => Some(Where::Title),
                Some("text") => Some(Where::Text),
                _ => None,
            };
            match (kind, at, text) {
                (Some(kind), Some(at), Some(text)) => Cue {
                    kind,
                    at,
                    text: text.trim().to_lowercase(),
                },
                _ => panic!("patterns/kinds.txt: bad line {l:?}"),
            }
        })
        .collect()
}

/// The URL's path, lower-cased, without scheme, host, query or fragment.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.to_lowercase()
}

/// Whether `path` holds `segment` as a whole segment, or as the first word
/// of one (`/video-report-on-x/`).
fn has_segment(path: &str, segment: &str) -> bool {
    path.split('/').any(|s| {
        s == segment
            || s.strip_prefix(segment)
                .is_some_and(|rest| rest.starts_with(['-', '_', '.']))
    })
}

/// The kind of container `a` is, if it is one.
pub fn page_kind(a: &Article) -> Option<PageKind> {
    let mut at = CharCursor::new(&a.text);
    let paragraphs: Vec<&str> = a.body.iter().map(|s| at.slice(*s)).collect();
    let words: usize = paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum();
    let short = words <= SHORT_BODY_WORDS;
    let path = a.url.as_deref().map(url_path).unwrap_or_default();
    let title = a.title.as_deref().unwrap_or("").to_lowercase();
    let body = if short {
        paragraphs.join("\n").to_lowercase()
    } else {
        String::new()
    };
    for cue in CUES.iter() {
        let needs_short = cue.kind != PageKind::Aggregator;
        if needs_short && !short {
            continue;
        }
        let hit = match cue.at {
            Where::Path => has_segment(&path, &cue.text),
            Where::Title => title.starts_with(&cue.text),
            Where::Text => body.contains(&cue.text),
        };
        if hit {
            return Some(cue.kind);
        }
    }
    // (A body of short lines is no cue by itself: a results table or a
    // standings list reads alike, and is an article.)
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::{ArticleId, InputFormat};

    fn page(url: &str, title: &str, paras: &[&str]) -> Article {
        let mut a = Article::from_paragraphs(ArticleId("p".into()), paras, InputFormat::Text, "p");
        a.url = Some(url.into());
        a.title = Some(title.into());
        a
    }

    const STORY: [&str; 3] = [
        "The port of Aldren was closed on Tuesday as dockworkers walked out over pay, halting all container traffic in the harbour for the first time in a decade.",
        "Union leader Mara Lindqvist said the strike would last until the port authority returned to the table with a better offer for the night shifts.",
        "The authority said it regretted the walkout and called for calm talks, adding that ferries to the islands would keep running on their usual timetable.",
    ];

    #[test]
    fn the_cues_parse() {
        assert!(CUES.len() > 10);
    }

    #[test]
    fn galleries_videos_and_paywall_stubs_are_flagged() {
        let gallery = page(
            "https://aldren-post.example/gallery/port-strike-2031",
            "In pictures: the port strike",
            &[
                "Dockworkers gather at the gates of the port of Aldren. Photo: Ilse Marr",
                "A closed crane terminal at dawn. Photo: Ilse Marr",
            ],
        );
        assert_eq!(page_kind(&gallery), Some(PageKind::Gallery));
        let video = page(
            "https://aldren-post.example/news/video/strike-leader-speaks",
            "Strike leader speaks",
            &["Mara Lindqvist on why the dockworkers walked out."],
        );
        assert_eq!(page_kind(&video), Some(PageKind::Video));
        let stub = page(
            "https://aldren-post.example/news/port-strike",
            "Port strike halts traffic",
            &[
                STORY[0],
                "This article is for subscribers. Already a subscriber? Log in.",
            ],
        );
        assert_eq!(page_kind(&stub), Some(PageKind::Paywall));
    }

    #[test]
    fn tag_and_section_lists_are_aggregators_and_a_table_is_not() {
        let lines = [
            "Port of Aldren closed as dockworkers strike",
            "Ferry timetable unchanged, authority says",
            "Council approves tram extension",
            "Harbour festival postponed to autumn",
            "New bridge opens to cyclists",
            "Storm warning for the northern coast",
        ];
        let list = page(
            "https://aldren-post.example/latest-news/",
            "Latest news",
            &lines,
        );
        assert_eq!(page_kind(&list), Some(PageKind::Aggregator));
        let tag = page(
            "https://aldren-post.example/tag/strikes/",
            "Strikes",
            &STORY,
        );
        assert_eq!(page_kind(&tag), Some(PageKind::Aggregator));
        // Short lines under an article's address: a results table, say.
        let table = page(
            "https://aldren-post.example/sport/regatta-results",
            "Regatta results",
            &lines,
        );
        assert_eq!(page_kind(&table), None);
    }

    #[test]
    fn articles_are_no_containers_even_under_a_video_section() {
        let story = page(
            "https://aldren-post.example/news/port-strike",
            "Port strike halts traffic",
            &STORY,
        );
        assert_eq!(page_kind(&story), None);
        // A long report filed under /video/ is an article.
        let long: Vec<&str> = STORY.iter().chain(STORY.iter()).copied().collect();
        let filed = page(
            "https://aldren-post.example/video/port-strike",
            "Port strike",
            &long,
        );
        assert_eq!(page_kind(&filed), None);
        // A path segment that only starts with a cue's letters is no cue.
        let videotape = page(
            "https://aldren-post.example/videotapes/x",
            "Tapes",
            &STORY[..1],
        );
        assert_eq!(page_kind(&videotape), None);
    }
}

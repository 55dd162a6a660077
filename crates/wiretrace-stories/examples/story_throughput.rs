//! Story assignment throughput, for scripts/bench-stories: streams a JSONL
//! feed (`id`, `published`, `title`, `text`; paragraphs split at blank
//! lines) in publication order through the online [`Clusterer`] with the
//! default settings (or the `WIRETRACE_STORY_*` settings of
//! `Config::with_settings`), each article its own copy family and no
//! passage links: what is measured is story assignment alone. Prints one
//! JSON line of figures.
//!
//! The feed must be in publication order (as a news stream arrives); it is
//! read a chunk at a time, so memory holds the live stories, not the feed.
//!
//! Usage: story_throughput FILE [--limit N] [--assignments OUT]
//! (OUT: one `{"id", "story", "why"}` line per article, for scoring.)

use serde::Deserialize;
use std::io::{BufRead, Write};
use std::time::Instant;
use wiretrace_core::{
    time::{parse_datetime, ArrivalKey},
    Article, ArticleId, InputFormat,
};
use wiretrace_stories::{Clusterer, Config, Event, StoryInput, TERMS_AHEAD};

#[derive(Deserialize)]
struct Line {
    id: String,
    published: Option<String>,
    title: Option<String>,
    text: String,
}

fn article(path: &str, line: &str) -> Result<Article, Box<dyn std::error::Error>> {
    let l: Line = serde_json::from_str(line)?;
    let paragraphs: Vec<&str> = l
        .text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut a = Article::from_paragraphs(ArticleId(l.id), &paragraphs, InputFormat::Text, path);
    a.title = l.title;
    a.published = l.published.as_deref().and_then(parse_datetime);
    Ok(a)
}

/// Writes (id, story, reason) rows as JSON lines, when asked to.
fn write_placed(
    out: Option<&mut impl Write>,
    rows: Vec<(String, String, String)>,
) -> std::io::Result<()> {
    if let Some(w) = out {
        for (id, story, why) in rows {
            writeln!(
                w,
                "{}",
                serde_json::json!({"id": id, "story": story, "why": why})
            )?;
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: story_throughput FILE [--limit N]")?;
    let limit = match args.iter().position(|a| a == "--limit") {
        Some(i) => args.get(i + 1).ok_or("--limit needs a number")?.parse()?,
        None => usize::MAX,
    };
    let mut out = match args.iter().position(|a| a == "--assignments") {
        Some(i) => Some(std::io::BufWriter::new(std::fs::File::create(
            args.get(i + 1).ok_or("--assignments needs a file")?,
        )?)),
        None => None,
    };
    let config = Config::with_settings(|k| std::env::var(k).ok());
    let mut input = StoryInput::new(&[], &[]);
    let mut clusterer = Clusterer::default();
    let (mut articles, mut stories, mut largest, mut most_live) = (0usize, 0usize, 0usize, 0usize);
    let mut placed: Vec<(String, String, String)> = Vec::new();
    let mut last_key: Option<ArrivalKey> = None;
    let start = Instant::now();
    let mut lines = std::io::BufReader::new(std::fs::File::open(path)?).lines();
    loop {
        let mut chunk = Vec::with_capacity(TERMS_AHEAD);
        for line in lines.by_ref().take(TERMS_AHEAD.min(limit - articles)) {
            chunk.push(article(path, &line?)?);
        }
        if chunk.is_empty() {
            break;
        }
        articles += chunk.len();
        let key = |a: &Article| ArrivalKey::of(a.published, &a.id);
        chunk.sort_by_cached_key(key);
        if last_key.is_some_and(|k| key(&chunk[0]) < k) {
            return Err("the feed is not in publication order".into());
        }
        last_key = chunk.last().map(key);
        let refs: Vec<&Article> = chunk.iter().collect();
        for (a, terms) in input.terms_ahead(&refs) {
            for e in input.add(&mut clusterer, a, terms, &config) {
                match e {
                    Event::Placed(p) => placed.push((p.id.0, p.story, p.reason)),
                    Event::Merged { gone, into, .. } => {
                        // Rare and recent: the moved articles are near the end.
                        for p in placed.iter_mut().rev().filter(|p| p.1 == gone) {
                            p.1 = into.clone();
                        }
                    }
                    Event::Closed(s) => {
                        stories += 1;
                        largest = largest.max(s.articles.len());
                    }
                }
            }
            most_live = most_live.max(clusterer.live_stories());
        }
        // Articles of closed stories can no longer move: write them out.
        let live = clusterer.live_ids();
        let (done, open): (Vec<_>, Vec<_>) =
            placed.drain(..).partition(|p| !live.contains(p.1.as_str()));
        placed = open;
        write_placed(out.as_mut(), done)?;
    }
    for s in clusterer.live_summaries() {
        stories += 1;
        largest = largest.max(s.articles.len());
    }
    write_placed(out.as_mut(), placed)?;
    let clustered = start.elapsed().as_secs_f64();
    println!(
        "{{\"articles\": {articles}, \"load_s\": 0.0, \"cluster_s\": {clustered:.3}, \"stories\": {stories}, \"largest_story\": {largest}, \"most_live_stories\": {most_live}, \"assigned\": {articles}}}"
    );
    Ok(())
}

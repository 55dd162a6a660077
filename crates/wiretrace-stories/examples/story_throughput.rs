//! Story assignment throughput, for scripts/bench-stories: reads a JSONL
//! feed (`id`, `published`, `title`, `text`; paragraphs split at blank
//! lines), clusters every article into stories with the default settings
//! (or the `WIRETRACE_STORY_*` settings of `Config::with_settings`)
//! (each article its own copy family, no passage links: what is measured is
//! story assignment alone), and prints one JSON line of figures.
//!
//! Usage: story_throughput FILE [--limit N] [--assignments OUT]
//! (OUT: one `{"id", "story"}` line per article, for scoring.)

use serde::Deserialize;
use std::io::BufRead;
use std::time::Instant;
use wiretrace_core::{time::parse_datetime, Article, ArticleId, InputFormat};
use wiretrace_stories::{cluster, Config};

#[derive(Deserialize)]
struct Line {
    id: String,
    published: Option<String>,
    title: Option<String>,
    text: String,
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
    let start = Instant::now();
    let mut articles = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        if articles.len() >= limit {
            break;
        }
        let l: Line = serde_json::from_str(&line?)?;
        let paragraphs: Vec<&str> = l
            .text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let mut a = Article::from_paragraphs(ArticleId(l.id), &paragraphs, InputFormat::Text, path);
        a.title = l.title;
        a.published = l.published.as_deref().and_then(parse_datetime);
        articles.push(a);
    }
    let loaded = start.elapsed().as_secs_f64();
    let refs: Vec<&Article> = articles.iter().collect();
    let start = Instant::now();
    let (assignments, stories) = cluster(
        &refs,
        &[],
        &[],
        &Config::with_settings(|k| std::env::var(k).ok()),
    );
    let clustered = start.elapsed().as_secs_f64();
    if let Some(i) = args.iter().position(|a| a == "--assignments") {
        let out = args.get(i + 1).ok_or("--assignments needs a file")?;
        let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
        for a in &assignments {
            use std::io::Write;
            writeln!(w, "{}", serde_json::json!({"id": a.id.0, "story": a.story}))?;
        }
    }
    let largest = stories.iter().map(|s| s.articles.len()).max().unwrap_or(0);
    println!(
        "{{\"articles\": {}, \"load_s\": {loaded:.3}, \"cluster_s\": {clustered:.3}, \"stories\": {}, \"largest_story\": {largest}, \"assigned\": {}}}",
        articles.len(),
        stories.len(),
        assignments.len()
    );
    Ok(())
}

//! `wiretrace quotes` and the attributions of `wiretrace article`: who said
//! what, computed at read time from the stored articles by the quotes stage
//! (nothing is stored, so no schema change).

use anyhow::Result;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::Write;
use wiretrace_core::{Article, CharMap, Span};
use wiretrace_quotes::{analyze, Attribution, Quotes, Speaker};
use wiretrace_store::{SqliteStore, Store};

fn cut(map: &CharMap, text: &str, spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| map.slice(text, *s).trim())
        .collect::<Vec<_>>()
        .join(" … ")
}

fn speaker_label(a: &Attribution) -> String {
    match &a.speaker {
        Speaker::Named {
            name,
            title: Some(t),
            ..
        } => format!("{name} ({t})"),
        Speaker::Named { name, .. } => name.clone(),
        Speaker::Unnamed { description } => format!("unnamed: {description}"),
        Speaker::Unknown => "unknown".to_string(),
    }
}

/// One attribution as JSON: spans and the texts they cut.
fn attribution_json(map: &CharMap, text: &str, a: &Attribution) -> Value {
    let one = |s: &Option<Span>| s.map(|s| map.slice(text, s).to_string());
    json!({
        "content": a.content.iter().map(|s| [s.start, s.end]).collect::<Vec<_>>(),
        "text": cut(map, text, &a.content),
        "cue": a.cue.map(|s| [s.start, s.end]),
        "cue_text": one(&a.cue),
        "source": a.source.map(|s| [s.start, s.end]),
        "source_text": one(&a.source),
        "speaker": a.speaker,
        "direct": a.direct,
    })
}

/// Whether `name` (case-insensitive) is the speaker's name or one of their
/// aliases, or a part of one.
fn speaks(q: &Quotes, a: &Attribution, name: &str) -> bool {
    let Speaker::Named { entity, .. } = &a.speaker else {
        return false;
    };
    let want = name.to_lowercase();
    let e = &q.entities[*entity];
    std::iter::once(&e.name)
        .chain(&e.aliases)
        .any(|n| n.to_lowercase().contains(&want))
}

/// The attributions of one article, for `wiretrace article`.
pub fn article_json(a: &Article) -> Value {
    let map = CharMap::new(&a.text);
    let q = analyze(a);
    json!(q
        .attributions
        .iter()
        .map(|x| attribution_json(&map, &a.text, x))
        .collect::<Vec<_>>())
}

/// Prints the "Who said what" section of `wiretrace article`.
pub fn article_text(out: &mut dyn Write, a: &Article) -> Result<()> {
    let map = CharMap::new(&a.text);
    let q = analyze(a);
    if q.attributions.is_empty() {
        return Ok(());
    }
    writeln!(out, "Who said what:")?;
    for x in &q.attributions {
        writeln!(
            out,
            "  {}: {}",
            speaker_label(x),
            cut(&map, &a.text, &x.content)
        )?;
    }
    Ok(())
}

/// `wiretrace quotes [--story ID] [--speaker NAME]`: attributions of every
/// stored article (or one story's), in article id order.
pub fn quotes(
    out: &mut dyn Write,
    store: &SqliteStore,
    story: Option<&str>,
    speaker: Option<&str>,
    as_json: bool,
) -> Result<()> {
    let assignments = store.assignments()?;
    let story_of: std::collections::HashMap<_, _> = assignments
        .iter()
        .map(|x| (x.id.clone(), x.story.clone()))
        .collect();
    let mut articles: Vec<Article> = store
        .articles()?
        .into_iter()
        .filter(|a| story.is_none_or(|s| story_of.get(&a.id).is_some_and(|x| x == s)))
        .collect();
    articles.sort_by(|a, b| a.id.cmp(&b.id));
    let found: Vec<(Quotes, CharMap)> = articles
        .par_iter()
        .map(|a| (analyze(a), CharMap::new(&a.text)))
        .collect();
    for (a, (q, map)) in articles.iter().zip(&found) {
        for x in &q.attributions {
            if speaker.is_some_and(|n| !speaks(q, x, n)) {
                continue;
            }
            if as_json {
                let mut v = attribution_json(map, &a.text, x);
                v["article"] = json!(a.id);
                v["story"] = json!(story_of.get(&a.id));
                writeln!(out, "{v}")?;
            } else {
                writeln!(
                    out,
                    "{}  {}: {}",
                    a.id,
                    speaker_label(x),
                    cut(map, &a.text, &x.content)
                )?;
            }
        }
    }
    Ok(())
}

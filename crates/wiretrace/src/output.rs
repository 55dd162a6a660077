//! What the commands print: tables for people, JSON for machines.

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use wiretrace_core::{
    template::{self, Templates},
    text::same_headline,
    Article, ArticleId, CharMap,
};
use wiretrace_ingest::{convert, ItemReader, Limits};
use wiretrace_reuse::diff::{word_diff, Change};
use wiretrace_store::{SqliteStore, Store};
use wiretrace_stories::Story;

use crate::pipeline::IngestSummary;
use crate::ExportWhat;
use wiretrace_pipeline::export::{self as rows, rfc3339, ArticleRow as ArticleJson};

/// Text from ingested content made safe for a terminal: control
/// characters (escape sequences that set a window title, clear the screen
/// or forge a link; a carriage return that overwrites a line) and the
/// characters that reorder text are shown as `\u{..}` escapes, as `ls`
/// and `git` show them, rather than acted on. Newlines and tabs stay.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return s.into();
    }
    s.chars()
        .map(|c| match unsafe_char(c) {
            true => format!("\\u{{{:x}}}", c as u32),
            false => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// A writer for terminal output: everything written is [`printable`].
/// (JSON needs none of it: it escapes control characters itself.)
pub struct Printable<W: Write>(pub W);

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) => self.0.write_all(printable(s).as_bytes())?,
            // Not whole characters: the ASCII controls at least (the bytes
            // of a multi-byte character are all 0x80 or over).
            Err(_) => {
                for &b in buf {
                    if b.is_ascii_control() && b != b'\n' && b != b'\t' {
                        write!(self.0, "\\u{{{b:x}}}")?;
                    } else {
                        self.0.write_all(&[b])?;
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    t
}

fn date(d: Option<chrono::DateTime<chrono::FixedOffset>>) -> String {
    d.map_or_else(
        || "undated".into(),
        |d| d.format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// Where an article appeared, for people: its site, else the host of its
/// URL, else "site unknown".
fn site_label(site: Option<&str>, url: Option<&str>) -> String {
    site.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .or_else(|| url.and_then(wiretrace_extract::host_of))
        .unwrap_or_else(|| "site unknown".into())
}

/// A story's outlets, for people: the named ones, and "site unknown" for
/// articles whose site is not known.
fn outlets_label(outlets: &[String]) -> String {
    let named: Vec<&str> = outlets
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    let unknown = named.len() < outlets.len() || outlets.is_empty();
    named
        .into_iter()
        .chain(unknown.then_some("site unknown"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a story ran: "first – last", one date when they are the same
/// day, "undated" when none of its articles has a date.
fn seen(
    first: Option<chrono::DateTime<chrono::FixedOffset>>,
    last: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> String {
    match (first, last) {
        (None, None) => "undated".into(),
        (f, l) => format!("first seen {}, last seen {}", date(f), date(l)),
    }
}

/// `n` and the noun for it: "1 article", "3 articles".
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes `v` as one JSON line, in one write.
fn line(out: &mut dyn Write, v: &impl serde::Serialize) -> Result<()> {
    let mut buf = serde_json::to_vec(v)?;
    buf.push(b'\n');
    out.write_all(&buf)?;
    Ok(())
}

pub fn ingest_summary(
    out: &mut dyn Write,
    s: &IngestSummary,
    store: &SqliteStore,
    as_json: bool,
) -> Result<()> {
    let stats = store.stats()?;
    if as_json {
        return line(
            out,
            &json!({"items": s.items, "ingested": s.ingested, "exact_duplicates": s.exact_duplicates, "revised": s.revised, "unchanged": s.unchanged, "rejected": s.rejected, "rejections": s.rejections, "skipped": s.skipped, "skipped_records": s.skipped_records, "store": stats}),
        );
    }
    writeln!(
        out,
        "{}: {} ingested ({}), {} revised, {} unchanged, {} rejected",
        count(s.items, "item", "items"),
        s.ingested,
        count(s.exact_duplicates, "exact duplicate", "exact duplicates"),
        s.revised,
        s.unchanged,
        s.rejected
    )?;
    if !s.skipped_records.is_empty() {
        let kinds: Vec<String> = s
            .skipped_records
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        writeln!(
            out,
            "skipped, not a page: {} ({})",
            count(
                s.skipped_records.values().sum::<u64>(),
                "archive record",
                "archive records"
            ),
            kinds.join(", ")
        )?;
    }
    for r in s.rejections.iter().take(20) {
        writeln!(out, "  rejected {}: {}", r.input, r.reason)?;
    }
    if s.rejections.len() > 20 || s.rejected > s.rejections.len() as u64 {
        writeln!(
            out,
            "  ... {} rejected in all (wiretrace rejected lists them)",
            count(s.rejected, "item", "items")
        )?;
    }
    if !s.skipped.is_empty() {
        writeln!(
            out,
            "skipped: {} not news input",
            count(s.skipped.len() as u64, "file", "files")
        )?;
        for k in s.skipped.iter().take(20) {
            writeln!(out, "  skipped {}: {}", k.input, k.reason)?;
        }
        if s.skipped.len() > 20 {
            writeln!(out, "  ... and {} more", s.skipped.len() - 20)?;
        }
    }
    writeln!(
        out,
        "store: {}, {}, {}, {} aligned between related pairs",
        count(stats.articles, "article", "articles"),
        count(stats.families, "copy family", "copy families"),
        count(stats.stories, "story", "stories"),
        count(stats.passages, "passage", "passages")
    )?;
    writeln!(
        out,
        "  (every pair counted, two copies of one text too; `export --what passages` lists each reused text once, from its source)"
    )?;
    Ok(())
}

pub fn article_json(a: &Article) -> Value {
    serde_json::to_value(ArticleJson::of(a)).expect("an article serialises")
}

/// `wiretrace extract`: returns whether any input failed. With
/// `templates`, each article's site template lines are stripped.
pub fn extract(
    out: &mut dyn Write,
    inputs: &[String],
    templates: Option<&Templates>,
    limits: Limits,
    as_json: bool,
    markdown: bool,
) -> Result<bool> {
    let mut reader = ItemReader::new(inputs, limits);
    let mut failed = false;
    loop {
        let batch: Vec<_> = reader.by_ref().take(64).collect();
        if batch.is_empty() {
            break;
        }
        let results: Vec<_> = batch
            .into_par_iter()
            .map(|item| {
                let input = item.input().to_string();
                let mut converted = convert(item);
                if let (Ok(a), Some(t)) = (&mut converted, templates) {
                    let lines =
                        t.lines_of(template::page_host(a).as_deref(), &template::line_keys(a));
                    template::apply(a, &[], &lines);
                }
                (input, converted)
            })
            .collect();
        for (input, r) in results {
            match r {
                Ok(a) if as_json => {
                    let mut v = ArticleJson::of(&a);
                    v.input = &input;
                    line(out, &v)?;
                }
                Ok(a) => {
                    let title = a.title.clone().unwrap_or_default();
                    if markdown {
                        writeln!(out, "# {}\n", markdown_inline(&title))?;
                        let meta: Vec<String> = [
                            a.byline.as_deref().map(markdown_inline),
                            a.published.map(rfc3339),
                            a.site.as_deref().map(markdown_inline),
                            a.wire.as_deref().map(markdown_inline),
                        ]
                        .into_iter()
                        .flatten()
                        .collect();
                        if !meta.is_empty() {
                            writeln!(out, "*{}*\n", meta.join(" · "))?;
                        }
                    } else {
                        writeln!(out, "{title}\n")?;
                    }
                    writeln!(out, "{}\n", a.clean_text())?;
                }
                Err(e) => {
                    failed = true;
                    if as_json {
                        line(out, &json!({"input": input, "error": e.reason}))?;
                    } else {
                        eprintln!("wiretrace: {}: {}", printable(&input), printable(&e.reason));
                    }
                }
            }
        }
    }
    for k in reader.take_skipped() {
        eprintln!("wiretrace: skipped {}: {}", printable(&k.input), k.reason);
    }
    Ok(failed)
}

/// Text as one line of Markdown that reads as written: the characters
/// Markdown acts on are escaped, line breaks become spaces (a title with
/// `*`, `[link](…)`, `<b>` or a line of `===` stays text).
fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn stories(
    out: &mut dyn Write,
    store: &SqliteStore,
    limit: usize,
    as_json: bool,
) -> Result<()> {
    let all = store.stories()?;
    if as_json {
        for s in all.iter().take(limit) {
            line(out, &serde_json::to_value(s)?)?;
        }
        return Ok(());
    }
    let mut t = table(&[
        "story",
        "headline",
        "first seen",
        "last seen",
        "articles",
        "outlets",
    ]);
    for s in all.iter().take(limit) {
        t.add_row(vec![
            s.id.clone(),
            s.headline.clone().unwrap_or_default(),
            date(s.first_seen),
            date(s.last_seen),
            s.articles.len().to_string(),
            outlets_label(&s.outlets),
        ]);
    }
    writeln!(out, "{t}")?;
    if all.len() > limit {
        writeln!(out, "({} more; --limit)", all.len() - limit)?;
    }
    Ok(())
}

pub fn story(
    out: &mut dyn Write,
    store: &SqliteStore,
    s: &Story,
    why: bool,
    as_json: bool,
) -> Result<()> {
    let assignments: HashMap<ArticleId, _> = store
        .assignments()?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let families: HashMap<ArticleId, _> = store
        .families()?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let notes: HashMap<ArticleId, wiretrace_reuse::FamilyNote> = store
        .family_notes()?
        .into_iter()
        .map(|n| (n.family.clone(), n))
        .collect();
    let mut rows = Vec::new();
    let mut members = Vec::new();
    for id in &s.articles {
        let Some(a) = store.article(id)? else {
            continue;
        };
        members.push(a.clone());
        let fam = families.get(id);
        let note = fam.and_then(|f| notes.get(&f.family));
        rows.push(json!({
            "id": id, "published": a.published.map(rfc3339), "site": a.site, "url": a.url, "title": a.title, "wire": a.wire,
            "family": fam.map(|f| &f.family), "source": fam.and_then(|f| f.source.as_ref()),
            "chain": note.and_then(|n| n.chain.as_ref()),
            "version_of": note.and_then(|n| n.version_of.as_ref()).filter(|_| fam.is_some_and(|f| f.source.is_none())),
            "similarity": assignments.get(id).map(|x| x.similarity), "reason": assignments.get(id).map(|x| &x.reason),
        }));
    }
    let tellers = wiretrace_stories::tellers(
        &members
            .iter()
            .map(|a: &wiretrace_core::Article| (&a.id, families.get(&a.id).map(|f| &f.family)))
            .collect::<Vec<_>>(),
    );
    let events = wiretrace_stories::timeline(
        &members
            .iter()
            .filter(|a| tellers.contains(&a.id))
            .collect::<Vec<_>>(),
    );
    if as_json {
        return line(
            out,
            &json!({"story": s, "articles": rows, "timeline": events}),
        );
    }
    writeln!(out, "{}  {}", s.id, s.headline.as_deref().unwrap_or(""))?;
    writeln!(
        out,
        "{}; outlets: {}\n",
        seen(s.first_seen, s.last_seen),
        outlets_label(&s.outlets)
    )?;
    let mut header = vec!["published", "article", "site", "title", "copy of"];
    if why {
        header.push("why it joined");
    }
    let mut t = table(&header);
    for r in rows {
        let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
        let mut row = vec![
            s("published")
                .get(..16)
                .unwrap_or("undated")
                .replace('T', " "),
            s("id"),
            site_label(r["site"].as_str(), r["url"].as_str()),
            s("title"),
            match (s("source"), s("version_of")) {
                (src, v) if src.is_empty() && !v.is_empty() => format!("version of {v}"),
                (src, _) => src,
            },
        ];
        if why {
            row.push(s("reason"));
        }
        t.add_row(row);
    }
    writeln!(out, "{t}")?;
    if !events.is_empty() {
        writeln!(out, "\ntimeline (* inferred: the article is undated)")?;
        let mut t = table(&["date", "when", "article", "what"]);
        for e in &events {
            let date = match e.precision {
                wiretrace_stories::timeline::Precision::Day => e.date.format("%a %Y-%m-%d"),
                wiretrace_stories::timeline::Precision::Month => e.date.format("%Y-%m"),
            };
            let mark = if e.inferred { "*" } else { "" };
            t.add_row(vec![
                format!("{date}{mark}"),
                e.expression.clone(),
                e.article.to_string(),
                e.sentence.clone(),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    Ok(())
}

pub fn article(
    out: &mut dyn Write,
    store: &SqliteStore,
    a: &Article,
    why: bool,
    as_json: bool,
) -> Result<()> {
    let fam = store.family_of(&a.id)?;
    let note = match &fam {
        Some(f) => store.family_note(&f.family)?,
        None => None,
    };
    let story = store.assignment(&a.id)?;
    let kind = store.page_kind(&a.id)?.map(|k| k.as_str());
    if as_json {
        let mut v = article_json(a);
        v["family"] = json!(fam.as_ref().map(|f| &f.family));
        v["source"] = json!(fam.as_ref().and_then(|f| f.source.as_ref()));
        v["chain"] = json!(note.as_ref().and_then(|n| n.chain.as_ref()));
        v["version_of"] = json!(note.as_ref().and_then(|n| n.version_of.as_ref()));
        v["kind"] = json!(kind);
        v["why"] = json!(note.as_ref().map_or(&[][..], |n| &n.why[..]));
        v["story"] = json!(story.as_ref().map(|s| &s.story));
        v["attributions"] = crate::quotes::article_json(store, a)?;
        return line(out, &v);
    }
    if why {
        return source_reasons(out, a, fam.as_ref(), note.as_ref());
    }
    writeln!(out, "{}", a.title.as_deref().unwrap_or("(no title)"))?;
    let field =
        |k: &str, v: Option<String>| v.map(|v| format!("{k:>10}: {v}\n")).unwrap_or_default();
    write!(
        out,
        "{}{}{}{}{}{}{}{}{}{}{}",
        field("id", Some(a.id.to_string())),
        field(
            "site",
            Some(site_label(a.site.as_deref(), a.url.as_deref()))
        ),
        field(
            "published",
            Some(a.published.map_or_else(|| "undated".into(), rfc3339))
        ),
        field("first seen", a.first_seen.map(rfc3339)),
        field("byline", a.byline.clone()),
        field("wire", a.wire.clone()),
        field("language", a.language.clone()),
        field("url", a.url.clone()),
        field("story", story.map(|s| s.story)),
        field("copy of", fam.and_then(|f| f.source).map(|s| s.to_string())),
        field(
            "kind",
            kind.map(|k| format!("{k} (a container page: no copy family)"))
        ),
    )?;
    if let Some(n) = &note {
        write!(
            out,
            "{}{}",
            field("chain", n.chain.as_ref().map(|c| c.to_string())),
            field("version of", n.version_of.as_ref().map(|v| v.to_string())),
        )?;
    }
    writeln!(out, "{:>10}: {}\n", "input", a.input)?;
    for c in &a.captions {
        writeln!(out, "[caption] {c}")?;
    }
    writeln!(out, "\n{}\n", a.clean_text())?;
    crate::quotes::article_text(out, store, a)?;
    if !a.stripped.is_empty() {
        writeln!(
            out,
            "({} boilerplate lines stripped; --json shows them)",
            a.stripped.len()
        )?;
    }
    Ok(())
}

/// `article ID --why`: the article's family, its place in its version
/// chain and the reasons for its family's source.
fn source_reasons(
    out: &mut dyn Write,
    a: &Article,
    fam: Option<&wiretrace_reuse::FamilyAssignment>,
    note: Option<&wiretrace_reuse::FamilyNote>,
) -> Result<()> {
    writeln!(out, "{}", a.id)?;
    let Some(f) = fam else {
        writeln!(out, "not grouped yet: run `wiretrace analyse`")?;
        return Ok(());
    };
    match &f.source {
        Some(s) => writeln!(out, "copy of {s} (the original of family {})", f.family)?,
        None => writeln!(out, "the original of family {}", f.family)?,
    }
    let Some(n) = note else {
        writeln!(out, "no copy of it is known: it is its own source")?;
        return Ok(());
    };
    if let Some(c) = &n.chain {
        writeln!(out, "version chain of {c}")?;
    }
    if let Some(v) = &n.version_of {
        writeln!(out, "a later version of {v}")?;
    }
    writeln!(out, "why:")?;
    for w in &n.why {
        writeln!(out, "  - {w}")?;
    }
    Ok(())
}

pub fn compare(
    out: &mut dyn Write,
    store: &SqliteStore,
    a: &ArticleId,
    b: &ArticleId,
    as_json: bool,
) -> Result<()> {
    let (x, y) = (store.article(a)?, store.article(b)?);
    let missing: Vec<String> = [(a, &x), (b, &y)]
        .iter()
        .filter(|(_, found)| found.is_none())
        .map(|(id, _)| format!("{:?}", id.as_str()))
        .collect();
    let (Some(x), Some(y)) = (x, y) else {
        anyhow::bail!("no article {}", missing.join(" nor "))
    };
    // Computed afresh: the pair may never have been a candidate.
    let (dx, dy) = (
        wiretrace_reuse::Doc::from_article(&x),
        wiretrace_reuse::Doc::from_article(&y),
    );
    let r = wiretrace_reuse::align(&dx, &dy);
    let is_copy = r.is_copy_with(same_headline(x.title.as_deref(), y.title.as_deref()));
    let (mx, my) = (CharMap::new(&x.text), CharMap::new(&y.text));
    // A passage is a maximal run; it is shown paragraph by paragraph.
    let parts = |p: &wiretrace_reuse::Passage| match p.paragraphs {
        0 | 1 => vec![p.clone()],
        _ => match wiretrace_reuse::align::paragraphs_of(&dx, &dy, p) {
            v if v.is_empty() => vec![p.clone()],
            v => v,
        },
    };
    if as_json {
        let span = |p: &wiretrace_reuse::Passage| json!({"a_start": p.a.start, "a_end": p.a.end, "b_start": p.b.start, "b_end": p.b.end});
        let passages: Vec<Value> = r.passages.iter().map(|p| json!({"a_start": p.a.start, "a_end": p.a.end, "b_start": p.b.start, "b_end": p.b.end, "a_text": mx.slice(&x.text, p.a), "b_text": my.slice(&y.text, p.b), "paragraphs": parts(p).iter().map(span).collect::<Vec<_>>()})).collect();
        return line(
            out,
            &json!({"a": a, "b": b, "a_coverage": r.a_coverage, "b_coverage": r.b_coverage, "is_copy": is_copy, "passages": passages}),
        );
    }
    writeln!(
        out,
        "A: {} ({})\nB: {} ({})",
        a,
        x.title.as_deref().unwrap_or("-"),
        b,
        y.title.as_deref().unwrap_or("-")
    )?;
    writeln!(
        out,
        "{}; they cover {:.0}% of A and {:.0}% of B{}\n",
        count(r.passages.len() as u64, "shared passage", "shared passages"),
        r.a_coverage * 100.0,
        r.b_coverage * 100.0,
        if is_copy { ": copies of one text" } else { "" }
    )?;
    for (i, p) in r.passages.iter().enumerate() {
        let mut t = table(&[
            &format!("A {}..{}", p.a.start, p.a.end),
            &format!("B {}..{}", p.b.start, p.b.end),
        ]);
        let parts = parts(p);
        for q in &parts {
            let (ta, tb) = (mx.slice(&x.text, q.a), my.slice(&y.text, q.b));
            let (mut left, mut right) = (String::new(), String::new());
            for c in word_diff(ta, tb) {
                match c {
                    Change::Same(s) => {
                        left.push_str(&s);
                        right.push_str(&s);
                        left.push(' ');
                        right.push(' ');
                    }
                    Change::Removed(s) => left.push_str(&format!("[-{s}-] ")),
                    Change::Added(s) => right.push_str(&format!("{{+{s}+}} ")),
                }
            }
            t.add_row(vec![left.trim_end(), right.trim_end()]);
        }
        let through = match parts.len() {
            0 | 1 => String::new(),
            n => format!(" ({n} paragraphs)"),
        };
        writeln!(out, "passage {}{through}\n{t}", i + 1)?;
    }
    Ok(())
}

pub fn export(out: &mut dyn Write, store: &SqliteStore, what: ExportWhat) -> Result<()> {
    match what {
        ExportWhat::Articles => {
            for a in store.articles()? {
                line(out, &ArticleJson::of(&a))?;
            }
        }
        ExportWhat::Copies => rows::copies(store)?.iter().try_for_each(|r| line(out, r))?,
        ExportWhat::Passages => rows::passages(store)?
            .iter()
            .try_for_each(|r| line(out, r))?,
        ExportWhat::Stories => rows::stories(store)?
            .iter()
            .try_for_each(|r| line(out, r))?,
        ExportWhat::Quotes => crate::quotes::export_quotes(out, store)?,
        ExportWhat::Entities => crate::quotes::export_entities(out, store)?,
        ExportWhat::Rejected => rows::rejected(store)?
            .iter()
            .try_for_each(|r| line(out, r))?,
    }
    Ok(())
}

pub fn rejected(out: &mut dyn Write, store: &SqliteStore, as_json: bool) -> Result<()> {
    let all = store.rejections()?;
    if as_json {
        for r in &all {
            line(out, &serde_json::to_value(r)?)?;
        }
        return Ok(());
    }
    if all.is_empty() {
        writeln!(out, "No rejected inputs.")?;
        return Ok(());
    }
    let mut t = table(&["input", "reason", "when"]);
    for r in &all {
        let when = chrono::DateTime::parse_from_rfc3339(&r.at).map_or_else(
            |_| r.at.clone(),
            |d| d.format("%Y-%m-%d %H:%M:%S").to_string(),
        );
        t.add_row(vec![r.input.clone(), r.reason.clone(), when]);
    }
    writeln!(out, "{t}")?;
    Ok(())
}

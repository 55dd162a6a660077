//! Who said what: the quotes stage run over the stored articles and its
//! results across articles (quotations with their carriers, entities)
//! kept in the store; `wiretrace quotes`, the attributions of `wiretrace
//! article`, and `export --what quotes|entities`.
//!
//! The stage runs when who said what is first read after an ingest (any
//! command that shows it, and `serve`), not during the ingest: it costs
//! about as much as the rest of the pipeline, and a bulk ingest that never
//! asks who said what should not pay for it.

use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use std::io::Write;
use wiretrace_core::{time::time_order, Article, ArticleId};
use wiretrace_quotes::across::{self, ArticleQuotes, Carried, FINDINGS_VERSION};
use wiretrace_store::{CarrierText, QuotationRow, QuoteQuery, SpeakerRow, SqliteStore, Store};

/// Articles analysed together: their texts are read, analysed on the pool
/// and their findings stored in one transaction.
const CHUNK: usize = 2_048;

/// Brings who said what up to date with the store: each article whose
/// findings are missing or stale is analysed, then the quotations and
/// entities across articles are derived again if anything they depend on
/// changed. A store that cannot be written is left as it stands.
pub fn bring_up_to_date(store: &mut SqliteStore) -> Result<()> {
    if store.is_read_only() {
        return Ok(());
    }
    let version = FINDINGS_VERSION.to_string();
    // What it was last derived from, in one row: reading every article's
    // time, family and story (the stamp below) took seconds at 100,000.
    let generation = format!("{version}/{}", store.generation()?);
    if store.quotes_note("quotes_generation")?.as_deref() == Some(generation.as_str()) {
        return Ok(());
    }
    if store.quotes_note("quotes_findings")?.as_deref() != Some(version.as_str()) {
        store.forget_article_quotes()?;
        store.put_quotes_note("quotes_findings", &version)?;
    }
    let pending = store.quotes_pending()?;
    for chunk in pending.chunks(CHUNK) {
        let found: Vec<(ArticleId, ArticleQuotes)> = store
            .article_texts_by_id(chunk)?
            .par_iter()
            .map(|a| {
                // An article the stage fails on is said and kept with no
                // findings (found again when its text changes); the others
                // go on.
                let q = ArticleQuotes::try_of_text(&a.text, &a.body).unwrap_or_else(|e| {
                    eprintln!(
                        "wiretrace: warning: who said what in article {} could not be found: {e}",
                        a.id
                    );
                    ArticleQuotes::default()
                });
                (a.id.clone(), q)
            })
            .collect();
        store.put_article_quotes(&found)?;
    }
    let when: FxHashMap<ArticleId, (bool, i64)> = store
        .article_summaries()?
        .into_iter()
        .map(|a| (a.id, time_order(a.published)))
        .collect();
    let families: FxHashMap<ArticleId, ArticleId> = store
        .families()?
        .into_iter()
        .map(|f| (f.id, f.family))
        .collect();
    let stories: FxHashMap<ArticleId, String> = store
        .assignments()?
        .into_iter()
        .map(|a| (a.id, a.story))
        .collect();
    // (Every stored article has its findings now: the stamp is taken
    // without reading them.)
    let stamp = across::stamp(when.iter().map(|(id, w)| {
        (
            id,
            *w,
            families.get(id).unwrap_or(id),
            stories.get(id).map(String::as_str),
        )
    }));
    if pending.is_empty() && store.quotes_stamp()?.as_deref() == Some(stamp.as_str()) {
        store.put_quotes_note("quotes_generation", &generation)?;
        return Ok(());
    }
    let all = store.all_article_quotes()?;
    let carried: Vec<Carried> = all
        .iter()
        .map(|(id, q)| Carried {
            id,
            when: when.get(id).copied().unwrap_or((true, 0)),
            family: families.get(id).unwrap_or(id),
            story: stories.get(id).map(String::as_str),
            quotes: q,
        })
        .collect();
    let ents = across::entities(&carried);
    let quotations = across::quotations(&carried, &ents);
    let place: FxHashMap<&ArticleId, usize> =
        carried.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let rows: Vec<_> = quotations
        .into_iter()
        .map(|q| {
            let texts = q
                .carriers
                .iter()
                .map(|c| {
                    let s = &carried[place[&c.article]].quotes.attributions[c.attribution];
                    CarrierText {
                        text: s.text.clone(),
                        cue: s.cue_text.clone(),
                        source: s.source_text.clone(),
                    }
                })
                .collect();
            (q, texts)
        })
        .collect();
    tracing::info!(
        analysed = pending.len(),
        quotations = rows.len(),
        entities = ents.list.len(),
        "who said what derived"
    );
    store.put_quotes(&ents.list, &rows, &stamp)?;
    store.put_quotes_note("quotes_generation", &generation)?;
    Ok(())
}

/// The attributions of one article, for `wiretrace article --json`.
pub fn article_json(store: &SqliteStore, a: &Article) -> Result<Value> {
    Ok(json!(store.attributions_of(a)?))
}

/// Prints the "Who said what" section of `wiretrace article`.
pub fn article_text(out: &mut dyn Write, store: &SqliteStore, a: &Article) -> Result<()> {
    let found = store.attributions_of(a)?;
    if found.is_empty() {
        return Ok(());
    }
    writeln!(out, "Who said what:")?;
    for x in &found {
        let carried = match &x.quotation {
            Some(q) if q.carriers > 1 && q.first_article != a.id => {
                format!("  [{} carriers, first: {}]", q.carriers, q.first_article)
            }
            Some(q) if q.carriers > 1 => format!("  [{} carriers]", q.carriers),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}: {}{carried}",
            SpeakerRow::of(&x.said.speaker, None).label(),
            x.said.text
        )?;
    }
    Ok(())
}

/// A quotation as JSON, with its carriers (at most `carriers`).
pub fn quotation_json(store: &SqliteStore, q: &QuotationRow, carriers: usize) -> Result<Value> {
    let mut v = json!(q);
    v["carried_by"] = json!(store.quote_carriers(&q.id, carriers)?);
    Ok(v)
}

/// Carriers listed per quotation by `wiretrace quotes --json` and export.
const CARRIERS_LISTED: usize = 10_000;

/// `wiretrace quotes [--story ID] [--speaker NAME] [--entity NAME]`: the
/// quotations, in the order of their first report.
pub fn quotes(
    out: &mut dyn Write,
    store: &SqliteStore,
    query: QuoteQuery,
    as_json: bool,
) -> Result<()> {
    let query = QuoteQuery {
        limit: usize::MAX >> 2,
        ..query
    };
    let (rows, _) = store.quotations(&query)?;
    for q in &rows {
        if as_json {
            writeln!(out, "{}", quotation_json(store, q, CARRIERS_LISTED)?)?;
        } else {
            let first = match (&q.first_site, q.first_published.as_deref()) {
                (Some(s), Some(p)) => format!("{s}, {}", p.get(..10).unwrap_or(p)),
                (Some(s), None) => s.clone(),
                (None, Some(p)) => p.get(..10).unwrap_or(p).to_string(),
                (None, None) => "undated".into(),
            };
            let changed = match q.changed {
                0 => String::new(),
                n => format!(", {n} reworded"),
            };
            writeln!(
                out,
                "{}  {}: {}  [{} {}{changed}; first: {first}]",
                q.first_article,
                q.speaker.label(),
                q.text,
                q.carriers,
                if q.carriers == 1 {
                    "carrier"
                } else {
                    "carriers"
                },
            )?;
        }
    }
    Ok(())
}

/// `export --what quotes`: every quotation with every carrier.
pub fn export_quotes(out: &mut dyn Write, store: &SqliteStore) -> Result<()> {
    quotes(out, store, QuoteQuery::default(), true)
}

/// `export --what entities`: every entity with the articles naming it.
pub fn export_entities(out: &mut dyn Write, store: &SqliteStore) -> Result<()> {
    let (rows, _) = store.entities_page(&wiretrace_store::EntityQuery {
        limit: usize::MAX >> 2,
        ..Default::default()
    })?;
    for e in rows {
        let mut v = json!(e);
        v["named_in"] = json!(store
            .entity_articles(&e.id, usize::MAX >> 2)?
            .into_iter()
            .map(|(a, n)| json!({"article": a, "mentions": n}))
            .collect::<Vec<_>>());
        writeln!(out, "{v}")?;
    }
    Ok(())
}

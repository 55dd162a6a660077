//! Composes the stages: ingest items into the store, then bring the reuse
//! analysis and the groupings (families, stories) up to date.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use wiretrace_core::{Article, ArticleId, Rejection};
use wiretrace_ingest::{convert, ItemReader, Limits};
use wiretrace_reuse::{
    align, families, fingerprint::sketch, CandidateIndex, Doc, Edge, MemberInfo, PairRelation,
};
use wiretrace_store::{PutOutcome, Store};

/// Items converted in parallel and stored in one transaction.
const BATCH: usize = 256;

/// What an ingest did.
#[derive(Debug, Default, serde::Serialize)]
pub struct IngestSummary {
    pub items: u64,
    pub ingested: u64,
    pub exact_duplicates: u64,
    pub revised: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub rejections: Vec<Rejection>,
}

fn progress(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {pos} items {msg}")
            .expect("static template"),
    );
    pb
}

/// Reads, extracts and stores every item of `inputs`.
pub fn ingest(
    store: &mut dyn Store,
    inputs: &[String],
    limits: Limits,
    quiet: bool,
) -> Result<IngestSummary> {
    let mut summary = IngestSummary::default();
    let pb = progress(quiet);
    let mut reader = ItemReader::new(inputs, limits);
    loop {
        let batch: Vec<_> = reader.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        summary.items += batch.len() as u64;
        let results: Vec<Result<Article, Rejection>> = batch.into_par_iter().map(convert).collect();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        for r in results {
            match r {
                Ok(a) => ok.push(a),
                Err(e) => bad.push(e),
            }
        }
        // Two items with one id in a batch: the later one is the newer revision.
        for outcome in store.put_articles(&ok)? {
            match outcome {
                PutOutcome::Inserted => summary.ingested += 1,
                PutOutcome::ExactDuplicate(_) => {
                    summary.ingested += 1;
                    summary.exact_duplicates += 1
                }
                PutOutcome::Revised(_) => summary.revised += 1,
                PutOutcome::Unchanged => summary.unchanged += 1,
            }
        }
        store.put_rejections(&bad)?;
        summary.rejected += bad.len() as u64;
        summary.rejections.extend(bad);
        pb.set_position(summary.items);
        pb.set_message(format!(
            "({} stored, {} rejected)",
            summary.ingested + summary.revised,
            summary.rejected
        ));
    }
    pb.finish_and_clear();
    Ok(summary)
}

/// Brings reuse relations, families and stories up to date with the store.
/// Only articles not yet analysed are aligned, against the candidate index
/// of those that were.
pub fn analyse(store: &mut dyn Store) -> Result<()> {
    let pending: BTreeSet<ArticleId> = store.pending_analysis()?.into_iter().collect();
    let stats = store.stats()?;
    if pending.is_empty() && (stats.articles == 0 || stats.stories > 0) {
        return Ok(());
    }
    let all = store.articles()?;
    let by_id: HashMap<&ArticleId, &Article> = all.iter().map(|a| (&a.id, a)).collect();

    // Index what was analysed before, from stored sketches.
    let mut index = CandidateIndex::new();
    let mut numbered: Vec<ArticleId> = Vec::new();
    for (id, s) in store.sketches()? {
        if by_id.contains_key(&id) && !pending.contains(&id) {
            index.add(numbered.len() as u32, &s);
            numbered.push(id);
        }
    }
    let new_docs: Vec<Doc> = pending
        .par_iter()
        .filter_map(|id| by_id.get(id))
        .map(|a| Doc::from_article(a))
        .collect();
    let new_sketches: Vec<(ArticleId, Vec<u64>)> = new_docs
        .par_iter()
        .map(|d| (d.id.clone(), sketch(d)))
        .collect();

    // Candidates: each new doc against everything indexed before it; new docs
    // are indexed in id order so each pair is found once.
    let mut pairs: Vec<(ArticleId, ArticleId)> = Vec::new();
    for (id, s) in &new_sketches {
        for (doc, _) in index.query(s) {
            pairs.push((numbered[doc as usize].clone(), id.clone()));
        }
        index.add(numbered.len() as u32, s);
        numbered.push(id.clone());
    }
    let mut docs: HashMap<ArticleId, Doc> =
        new_docs.into_iter().map(|d| (d.id.clone(), d)).collect();
    let old_needed: BTreeSet<&ArticleId> = pairs
        .iter()
        .map(|(a, _)| a)
        .filter(|a| !docs.contains_key(*a))
        .collect();
    let old_docs: Vec<Doc> = old_needed
        .into_par_iter()
        .filter_map(|id| by_id.get(id))
        .map(|a| Doc::from_article(a))
        .collect();
    docs.extend(old_docs.into_iter().map(|d| (d.id.clone(), d)));
    let relations: Vec<PairRelation> = pairs
        .par_iter()
        .map(|(a, b)| {
            if a <= b {
                align(&docs[a], &docs[b])
            } else {
                align(&docs[b], &docs[a])
            }
        })
        .filter(|r| !r.passages.is_empty())
        .collect();
    let analysed: Vec<ArticleId> = pending.into_iter().collect();
    store.put_reuse(&new_sketches, &relations, &analysed)?;

    regroup(store, &all)
}

/// Recomputes copy families and stories from the stored relations.
fn regroup(store: &mut dyn Store, all: &[Article]) -> Result<()> {
    let relations = store.relations()?;
    let position: HashMap<&ArticleId, usize> =
        all.iter().enumerate().map(|(i, a)| (&a.id, i)).collect();
    let members: Vec<MemberInfo> = all
        .par_iter()
        .map(|a| MemberInfo {
            id: a.id.clone(),
            published: a.published,
            stripped: a.stripped.len(),
            tokens: Doc::from_article(a).len(),
        })
        .collect();
    let edges: Vec<Edge> = relations
        .iter()
        .filter_map(|r| Some(Edge::new(*position.get(&r.a)?, *position.get(&r.b)?, r)))
        .collect();
    let fams = families(&members, &edges);
    let links: Vec<(ArticleId, ArticleId)> = relations
        .iter()
        .map(|r| (r.a.clone(), r.b.clone()))
        .collect();
    let refs: Vec<&Article> = all.iter().collect();
    let (assignments, stories) =
        wiretrace_stories::cluster(&refs, &fams, &links, &wiretrace_stories::Config::default());
    store.put_groupings(&fams, &assignments, &stories)?;
    Ok(())
}

/// Every stored passage with its source and destination (see
/// `wiretrace_reuse::provenance`).
pub fn directed_passages(store: &dyn Store) -> Result<Vec<wiretrace_reuse::DirectedPassage>> {
    let when = store
        .article_summaries()?
        .into_iter()
        .map(|a| {
            (
                a.id,
                (
                    a.published.is_none(),
                    a.published.map_or(0, |d| d.timestamp()),
                ),
            )
        })
        .collect();
    Ok(wiretrace_reuse::directed_passages(
        &store.relations()?,
        &store.families()?,
        &when,
    ))
}

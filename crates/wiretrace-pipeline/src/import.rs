//! `wiretrace import DIR`: loads what the Spark job wrote (see
//! [`crate::spark`]) into a store, so that `serve`, the stories and the
//! other commands work on archive-scale results.
//!
//! The job writes, beside its Parquet datasets, JSON Lines the store needs
//! (folders of `part-*` files, as Spark writes text): `store/articles`
//! (each article as extracted, with the site template lines the run kept
//! out of its body: [`Stored`]), `store/relations` (the aligned pairs, but
//! those only furniture links) and `rejected.jsonl`. The articles are
//! stored as ingest stores them, their templates applied, the relations
//! as the analysis stores them, and every article marked analysed: no pair
//! is aligned again. The analysis then finds the templates unchanged and
//! nothing pending, and only regroups (families from the relations, a
//! single pass over them) and clusters the stories, as after an ingest.

use anyhow::{Context, Result};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use wiretrace_core::{template, ArticleId, Rejection};
use wiretrace_reuse::{PairRelation, RelationSummary};
use wiretrace_store::{NewArticle, Store};

use crate::spark::Stored;

/// Rows stored in one transaction.
const CHUNK: usize = 1_024;

/// What an import stored.
#[derive(Debug, Default, serde::Serialize)]
pub struct ImportSummary {
    pub articles: u64,
    pub relations: u64,
    pub rejected: u64,
}

/// The `part-*` files of a dataset folder, by name; a file given itself.
fn parts(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("part-"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Calls `each` with every non-blank line of the dataset, in chunks.
fn read_lines<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut each: impl FnMut(Vec<T>) -> Result<()>,
) -> Result<()> {
    let mut chunk = Vec::with_capacity(CHUNK);
    for file in parts(path)? {
        let f =
            std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
        for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.with_context(|| format!("reading {}", file.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            chunk.push(
                serde_json::from_str(&line)
                    .with_context(|| format!("{}:line {}", file.display(), n + 1))?,
            );
            if chunk.len() == CHUNK {
                each(std::mem::take(&mut chunk))?;
            }
        }
    }
    if !chunk.is_empty() {
        each(chunk)?;
    }
    Ok(())
}

/// A `rejected` row as the job writes it.
#[derive(serde::Deserialize)]
struct RejectedRow {
    input: String,
    reason: String,
}

/// Loads the job's output in `dir` into `store`, then brings families
/// and (when `stories`) the stories up to date.
pub fn import(
    store: &mut dyn Store,
    dir: &Path,
    stories: bool,
    quiet: bool,
) -> Result<ImportSummary> {
    let articles = dir.join("store").join("articles");
    let relations = dir.join("store").join("relations");
    for p in [&articles, &relations] {
        anyhow::ensure!(
            p.exists(),
            "no {} (written by `python -m wiretrace.spark` without --no-jsonl)",
            p.display()
        );
    }
    let mut summary = ImportSummary::default();
    let mut ids: Vec<ArticleId> = Vec::new();
    read_lines(&articles, |chunk: Vec<Stored>| {
        let mut templated = Vec::new();
        let new: Vec<NewArticle> = chunk
            .into_iter()
            .map(|s| {
                if !s.template.is_empty() {
                    let mut a = s.article.clone();
                    let lines: Vec<u32> = s.template.iter().map(|t| t.index).collect();
                    let now = template::apply(&mut a, &[], &lines);
                    templated.push((a, now));
                }
                ids.push(s.article.id.clone());
                NewArticle::new(s.article)
            })
            .collect();
        summary.articles += new.len() as u64;
        store.put_articles(&new)?;
        store.put_templates(&templated)?;
        Ok(())
    })?;
    read_lines(&relations, |chunk: Vec<PairRelation>| {
        let summaries: Vec<RelationSummary> = chunk.iter().map(RelationSummary::of).collect();
        summary.relations += chunk.len() as u64;
        Ok(store.put_reuse(&[], &chunk, &summaries, &[])?)
    })?;
    for analysed in ids.chunks(CHUNK) {
        store.put_reuse(&[], &[], &[], analysed)?;
    }
    let rejected = dir.join("rejected.jsonl");
    if rejected.exists() {
        read_lines(&rejected, |chunk: Vec<RejectedRow>| {
            summary.rejected += chunk.len() as u64;
            let rows: Vec<Rejection> = chunk
                .into_iter()
                .map(|r| Rejection::new(r.input, r.reason))
                .collect();
            Ok(store.put_rejections(&rows)?)
        })?;
    }
    crate::pipeline::analyse(store, stories, quiet)?;
    Ok(summary)
}

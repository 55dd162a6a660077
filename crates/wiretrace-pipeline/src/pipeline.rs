//! Composes the stages: ingest items into the store, then bring the reuse
//! analysis and the groupings (families, stories) up to date.

use crate::backlog::{Backlog, CloseOnDrop};
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::Arc;
use wiretrace_core::{
    template::{self, Templates},
    text::headline_key,
    time::{time_order, ArrivalKey},
    Article, ArticleId, Rejection,
};
use wiretrace_ingest::{convert, Item, ItemReader, Limits};
use wiretrace_reuse::{
    clock_doubt, content_key, group, CandidateIndex, Doc, DocCache, Edge, Furniture, Grouping,
    MemberInfo, PairAligner, PairRelation, RelationSummary, Sketch,
};
use wiretrace_store::{ArticleSummary, NewArticle, PageLines, PutOutcome, Store, StoryUpdate};
use wiretrace_stories::{Checkpoint, Outcome, StoryInput};

/// Items read and converted (in parallel) together.
const BATCH: usize = 256;

/// Converted batches stored in one transaction. Each commit rewrites every
/// page it touched, and inserts into the indexes keyed at random (content
/// hashes) touch a page each: at 100,000 articles, a commit every 256 wrote
/// 1.6 GB for a 0.5 GB store, every 1,024 1.4 GB, and took 4% less CPU.
const BATCHES_PER_TRANSACTION: usize = 4;

/// Batches waiting between two ingest stages: a few megabytes of news
/// pages (a megabyte is about 200 articles).
const QUEUED_BATCHES: usize = 8;

/// Converted batches may wait for the writer by up to this many while they
/// hold under `QUEUED_CONVERTED_BYTES` (see [`Backlog`]): conversion then
/// goes on while the writer waits out a restart of the store's log (up to
/// a tenth of a second), where 8 batches of feed lines filled up and left
/// the pool idle.
const QUEUED_CONVERTED_BATCHES: usize = 32;
const QUEUED_CONVERTED_BYTES: usize = 64 << 20;

/// What an ingest did.
#[derive(Debug, Default, serde::Serialize)]
pub struct IngestSummary {
    pub items: u64,
    pub ingested: u64,
    pub exact_duplicates: u64,
    pub revised: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// The first rejections (at most [`REJECTIONS_KEPT`]): all are stored
    /// as they come, none is held.
    pub rejections: Vec<Rejection>,
    /// Rejections of one input (a feed) for one reason, counted: past
    /// [`SAME_REASON_LISTED`] they are stored as one line with the count.
    #[serde(skip)]
    same_reason: HashMap<(String, String), u64>,
    /// Entries of the folders named that are no news input.
    pub skipped: Vec<wiretrace_ingest::Skipped>,
    /// Records of web archives that are no news page (requests, metadata,
    /// images, redirects), counted by kind: an archive holds more of them
    /// than pages, so they are not listed one by one.
    pub skipped_records: std::collections::BTreeMap<String, u64>,
}

fn progress(quiet: bool) -> ProgressBar {
    spinner(quiet, "{spinner} {elapsed} {pos} items {msg}")
}

/// A spinner on a terminal's stderr with this template; hidden when
/// `quiet` or when stderr is no terminal.
fn spinner(quiet: bool, template: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template(template).expect("static template"));
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// Rejections an ingest keeps to print (all are stored).
pub const REJECTIONS_KEPT: usize = 100;

/// Rejections of one input for one reason listed one by one; the rest are
/// stored as one line that counts them (a feed of 3 million `{}` lines
/// made 3 million rows).
const SAME_REASON_LISTED: u64 = 10;

/// Distinct (input, reason) pairs counted; rejections past them are listed
/// one by one (it bounds the memory the counting takes).
const SAME_REASON_KEYS: usize = 10_000;

/// The input a rejected item came from: a feed for its lines.
fn source_of(input: &str) -> &str {
    input
        .rsplit_once(":line ")
        .map_or(input, |(source, _)| source)
}

/// Where an ingest's items come from: the files and feeds named
/// ([`ItemReader`]), or items a caller makes (a Python iterable).
pub trait ItemSource: Iterator<Item = Item> {
    /// Entries of the inputs that are no news input, listed once read.
    fn take_skipped(&mut self) -> Vec<wiretrace_ingest::Skipped> {
        Vec::new()
    }
}

impl ItemSource for ItemReader {
    fn take_skipped(&mut self) -> Vec<wiretrace_ingest::Skipped> {
        ItemReader::take_skipped(self)
    }
}

/// Reads, extracts and stores every item of `inputs`.
pub fn ingest(
    store: &mut dyn Store,
    inputs: &[String],
    limits: Limits,
    quiet: bool,
) -> Result<IngestSummary> {
    ingest_from(store, || ItemReader::new(inputs, limits), quiet)
}

/// Extracts and stores every item of the source `open` makes (on the
/// reading thread, so the source itself need not move between threads).
pub fn ingest_from<S: ItemSource>(
    store: &mut dyn Store,
    open: impl FnOnce() -> S + Send,
    quiet: bool,
) -> Result<IngestSummary> {
    let mut summary = IngestSummary::default();
    let pb = progress(quiet);
    // Three stages overlap, each on its own thread: reading, conversion on
    // the thread pool, and writing. The queues between them hold a few
    // batches (converted ones by the backlog's count and bytes), so a slow
    // moment in one stage (a checkpoint of the store, a long page) does not
    // leave the others idle.
    let backlog = &Backlog::new(
        QUEUED_BATCHES,
        QUEUED_CONVERTED_BATCHES,
        QUEUED_CONVERTED_BYTES,
    );
    std::thread::scope(|scope| -> Result<()> {
        let (send_read, read) = std::sync::mpsc::sync_channel::<Vec<Item>>(QUEUED_BATCHES);
        // (Unbounded: the backlog bounds it.)
        let (send, converted) = std::sync::mpsc::channel();
        let reading = scope.spawn(move || {
            let mut records = std::collections::BTreeMap::<String, u64>::new();
            let mut reader = open();
            loop {
                let mut batch = Vec::with_capacity(BATCH);
                while batch.len() < BATCH {
                    match reader.next() {
                        None => break,
                        Some(Item::Skipped { kind, .. }) => {
                            *records.entry(kind).or_default() += 1;
                        }
                        Some(item) => batch.push(item),
                    }
                }
                if batch.is_empty() || send_read.send(batch).is_err() {
                    break; // done, or the converter stopped
                }
            }
            (reader.take_skipped(), records)
        });
        scope.spawn(move || {
            for batch in read {
                let results: Vec<Result<NewArticle, Rejection>> = batch
                    .into_par_iter()
                    .map(|item| convert(item).map(NewArticle::new))
                    .collect();
                let bytes = results.iter().map(held_bytes).sum();
                if !backlog.admit(bytes) || send.send((results, bytes)).is_err() {
                    break; // the writer stopped on an error
                }
            }
        });
        let _closing = CloseOnDrop(backlog);
        let mut converted = converted.into_iter().map(|(results, bytes)| {
            backlog.taken(bytes);
            results
        });
        while let Some(mut results) = converted.next() {
            for _ in 1..BATCHES_PER_TRANSACTION {
                match converted.next() {
                    Some(more) => results.extend(more),
                    None => break,
                }
            }
            store_batch(store, results, &mut summary)?;
            pb.set_position(summary.items);
            pb.set_message(format!(
                "({} stored, {} rejected)",
                summary.ingested + summary.revised,
                summary.rejected
            ));
        }
        (summary.skipped, summary.skipped_records) = reading
            .join()
            .map_err(|_| anyhow::anyhow!("reading the inputs panicked"))?;
        store_rejection_counts(store, &mut summary)?;
        Ok(())
    })?;
    pb.finish_and_clear();
    Ok(summary)
}

/// About how many bytes a converted item holds (its texts, its original).
fn held_bytes(r: &Result<NewArticle, Rejection>) -> usize {
    match r {
        Ok(n) => {
            let a = &n.article;
            a.text.len()
                + a.original.len()
                + a.input.len()
                + std::mem::size_of_val(a.body.as_slice())
        }
        Err(e) => e.input.len() + e.reason.len(),
    }
}

/// Stores one converted batch: its articles, then its rejections, counted.
fn store_batch(
    store: &mut dyn Store,
    results: Vec<Result<NewArticle, Rejection>>,
    summary: &mut IngestSummary,
) -> Result<()> {
    summary.items += results.len() as u64;
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
    summary.rejected += bad.len() as u64;
    bad.retain(|r| {
        let key = (source_of(&r.input).to_string(), r.reason.clone());
        let seen = summary.same_reason.len();
        match summary.same_reason.get_mut(&key) {
            Some(n) => {
                *n += 1;
                *n <= SAME_REASON_LISTED
            }
            None if seen < SAME_REASON_KEYS => {
                summary.same_reason.insert(key, 1);
                true
            }
            None => true,
        }
    });
    store.put_rejections(&bad)?;
    let room = REJECTIONS_KEPT.saturating_sub(summary.rejections.len());
    summary.rejections.extend(bad.into_iter().take(room));
    Ok(())
}

/// Stores one line for each input and reason rejected more than
/// [`SAME_REASON_LISTED`] times, counting the rest.
fn store_rejection_counts(store: &mut dyn Store, summary: &mut IngestSummary) -> Result<()> {
    let mut counted: Vec<Rejection> = summary
        .same_reason
        .drain()
        .filter(|(_, n)| *n > SAME_REASON_LISTED)
        .map(|((source, reason), n)| {
            let more = n - SAME_REASON_LISTED;
            Rejection::new(
                format!("{source} ({more} more items rejected for this reason)"),
                reason,
            )
        })
        .collect();
    counted.sort_by(|a, b| (&a.input, &a.reason).cmp(&(&b.input, &b.reason)));
    // (One input may have two reasons with one count: the input names the
    // stored row.)
    let mut named: HashMap<String, usize> = HashMap::new();
    for r in &mut counted {
        let n = named.entry(r.input.clone()).or_default();
        *n += 1;
        if *n > 1 {
            r.input = format!("{} #{n}", r.input);
        }
    }
    store.put_rejections(&counted)?;
    let room = REJECTIONS_KEPT.saturating_sub(summary.rejections.len());
    summary.rejections.extend(counted.into_iter().take(room));
    Ok(())
}

/// Pending articles are analysed this many at a time: their texts and those
/// of their candidates are read, aligned and stored in one transaction, so
/// memory stays bounded and an interrupted analysis resumes where it stopped.
const ANALYSIS_CHUNK: usize = 2_048;

/// Tokens of the docs kept between chunks (see `DocCache`): 32 bytes each
/// (and the ids), so at most about 260 MB.
const DOC_CACHE_TOKENS: usize = 8_000_000;

/// Brings reuse relations, families and (when `stories`) the stories and
/// the full-text index up to date with the store. Without `stories` they
/// are left behind, and the store records from where: the next call with
/// `stories` redoes them from there, so they come out as if they had been
/// brought up to date each time.
///
/// Every stored article's sketch is indexed first, so the document
/// frequencies that decide which pairs are worth aligning are those of the
/// whole store; then each pending article is aligned with the candidates
/// numbered before it (so each pair is found once), a chunk at a time.
/// Finally relations the grown index no longer accepts are dropped: the
/// result is the same whatever the order and batches of ingest.
///
/// Unless `quiet`, a terminal's stderr shows what it is doing (phases,
/// articles analysed of all pending, pairs aligned).
pub fn analyse(store: &mut dyn Store, stories: bool, quiet: bool) -> Result<()> {
    let template_lines = apply_templates(store)?;
    let pending = store.pending_analysis()?;
    let behind = store.stories_behind()?;
    // (The counts are taken only when they decide: they scan tables.)
    let stories_due = stories
        && (behind.is_some() || {
            let stats = store.stats()?;
            stats.articles > 0 && stats.stories == 0
        });
    if pending.is_empty() && !stories_due {
        return Ok(());
    }
    let pb = spinner(quiet, "{spinner} {elapsed} analysis: {msg}");
    pb.set_message(format!(
        "indexing the sketches of {} new articles",
        pending.len()
    ));
    let pending_set: BTreeSet<&ArticleId> = pending.iter().collect();
    // Analysed articles first, then the pending ones, each by id.
    let (mut sketches, mut new): (Vec<Sketch>, Vec<Sketch>) = store
        .sketches()?
        .into_iter()
        .partition(|s| !pending_set.contains(&s.id));
    // Ingest takes each article's sketch; a store made before it did lacks
    // those of its pending articles, which are taken (and stored) here.
    let has_sketch: HashSet<&ArticleId> = new.iter().map(|s| &s.id).collect();
    let lacking: Vec<ArticleId> = pending
        .iter()
        .filter(|id| !has_sketch.contains(id))
        .cloned()
        .collect();
    let mut taken_here: HashSet<ArticleId> = HashSet::new();
    for chunk in lacking.chunks(ANALYSIS_CHUNK) {
        let articles = store.article_texts_by_id(chunk)?;
        let chunk_sketches: Vec<Sketch> = articles.par_iter().map(Sketch::of_article).collect();
        taken_here.extend(chunk_sketches.iter().map(|s| s.id.clone()));
        new.extend(chunk_sketches);
    }
    new.sort_unstable_by(|x, y| x.id.cmp(&y.id));
    let first_new = sketches.len();
    sketches.extend(new);
    // The aligner, which finds the sketches that recur, is made meanwhile.
    let (index, mut aligner) = rayon::join(
        || {
            let mut index = CandidateIndex::new();
            for s in &sketches {
                index.add(&s.hashes);
            }
            index
        },
        || PairAligner::new(&sketches),
    );
    tracing::info!(
        indexed = sketches.len(),
        pending = pending.len(),
        "sketched and indexed"
    );

    // Three steps overlap: while the pool aligns one chunk, this thread
    // stores the relations of the chunk before it and prepares the chunk
    // after it (its candidates, and the texts of the docs it lacks).
    let mut aligned: Option<(&[Sketch], Aligned)> = None;
    // In a store that held no relation before, every relation regrouping
    // needs is one this analysis makes: they are kept rather than read back.
    // (Kept by the chunk: one vector grown to hold them all was copied at
    // each doubling, on this thread, into memory fresh from the system.)
    let mut made_here: Option<Vec<Vec<RelationSummary>>> = (!store.has_relations()?).then(Vec::new);
    let mut docs = DocCache::new(DOC_CACHE_TOKENS);
    let mut chunks = sketches[first_new..]
        .chunks(ANALYSIS_CHUNK)
        .enumerate()
        .map(|(c, chunk)| (first_new + c * ANALYSIS_CHUNK, chunk));
    let mut next = match chunks.next() {
        Some((base, chunk)) => Some(prepare_chunk(
            store,
            &index,
            &sketches,
            &mut docs,
            &[],
            base,
            chunk,
        )?),
        None => None,
    };
    while let Some(mut current) = next.take() {
        let (relations, built, following) = std::thread::scope(|scope| -> Result<_> {
            let aligning = scope.spawn(|| {
                let built = build_docs(&sketches, &current.missing, &current.texts);
                current.have.extend(built.iter().cloned());
                let relations = align_pairs(&mut aligner, &sketches, &current.pairs, &current.have);
                let summaries = relations.par_iter().map(RelationSummary::of).collect();
                (
                    Aligned {
                        relations,
                        summaries,
                    },
                    built,
                )
            });
            if let Some((done, relations)) = aligned.take() {
                store_relations(store, done, relations, &taken_here, &mut made_here)?;
            }
            let following = match chunks.next() {
                Some((base, chunk)) => Some(prepare_chunk(
                    store,
                    &index,
                    &sketches,
                    &mut docs,
                    &current.missing,
                    base,
                    chunk,
                )?),
                None => None,
            };
            let (relations, built) = aligning
                .join()
                .map_err(|_| anyhow::anyhow!("alignment panicked"))?;
            Ok((relations, built, following))
        })?;
        tracing::info!(
            analysed = current.base + current.chunk.len() - first_new,
            pairs = current.pairs.len(),
            by_rare = current.by_rare,
            relations = relations.relations.len(),
            docs = current.needed,
            rebuilt = built.len(),
            "aligned a chunk"
        );
        next = following.map(|mut f| {
            // The docs this chunk built that the next one needs.
            for (n, d) in &built {
                if f.awaited.contains(n) {
                    f.have.insert(*n, d.clone());
                }
            }
            f
        });
        for (n, d) in built {
            docs.insert(n, d);
        }
        aligned = Some((current.chunk, relations));
        pb.set_message(format!(
            "aligned the candidate pairs of {} of {} new articles ({} pairs so far)",
            current.base + current.chunk.len() - first_new,
            sketches.len() - first_new,
            aligner.work().0
        ));
    }
    if let Some((done, relations)) = aligned {
        store_relations(store, done, relations, &taken_here, &mut made_here)?;
    }
    let (pairs, fresh) = aligner.work();
    tracing::info!(
        pairs,
        aligned = fresh,
        "pairs aligned (the others are pairs of exact copies aligned before)"
    );
    // Regrouping reuses their memory rather than taking more from the
    // system (fresh pages are zeroed first, at a cost).
    drop((docs, aligner));
    pb.set_message(if stories {
        "grouping copy families and stories"
    } else {
        "grouping copy families"
    });
    let _clear = ClearOnDrop(pb);
    regroup(
        store,
        &index,
        &sketches,
        made_here,
        &pending_set,
        stories,
        behind,
        &template_lines,
    )
}

/// Clears a progress bar however the work it shows ends.
struct ClearOnDrop(ProgressBar);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// The site templates learned from every stored article (see
/// [`wiretrace_core::template`]); `None` when no host has one yet.
pub fn learn_templates(store: &mut dyn Store) -> Result<Option<(Templates, Vec<PageLines>)>> {
    let mut pages = store.page_lines()?;
    // A store made before line keys were taken at ingest lacks some: they
    // are taken (and stored) here.
    let lacking: Vec<ArticleId> = pages
        .iter()
        .filter(|p| p.keys.is_none())
        .map(|p| p.id.clone())
        .collect();
    if !lacking.is_empty() {
        for chunk in lacking.chunks(ANALYSIS_CHUNK) {
            let taken: Vec<(ArticleId, Option<String>, Vec<u64>)> = store
                .article_texts_by_id(chunk)?
                .par_iter()
                .map(|a| (a.id.clone(), template::page_host(a), template::line_keys(a)))
                .collect();
            store.put_page_lines(&taken)?;
        }
        pages = store.page_lines()?;
    }
    let templates = Templates::learn(
        pages
            .iter()
            .filter_map(|p| Some((p.host.as_deref(), p.keys.as_deref()?))),
    );
    Ok(
        (!templates.is_empty() || pages.iter().any(|p| !p.applied.is_empty()))
            .then_some((templates, pages)),
    )
}

/// Brings every article's site template up to date with the templates
/// the stored articles teach, before reuse is analysed: an article whose
/// template lines changed gets its new body, and (its relations made with
/// the old one forgotten) waits for analysis again, with the stories after
/// it. The templates depend only on the set of stored articles, so the
/// bodies, and all that is found from them, do not depend on the order or
/// batches the articles came in. Returns how many template lines each
/// article that has some keeps out of its body.
fn apply_templates(store: &mut dyn Store) -> Result<FxHashMap<ArticleId, usize>> {
    let Some((templates, pages)) = learn_templates(store)? else {
        return Ok(FxHashMap::default());
    };
    let changed: Vec<(&PageLines, Vec<u32>)> = pages
        .par_iter()
        .filter_map(|p| {
            let lines = templates.lines_of(p.host.as_deref(), p.keys.as_deref()?);
            let applied = p.applied.iter().map(|t| t.index);
            (!lines.iter().copied().eq(applied)).then_some((p, lines))
        })
        .collect();
    tracing::info!(changed = changed.len(), "site templates learned");
    let mut counts: FxHashMap<ArticleId, usize> = pages
        .iter()
        .filter(|p| !p.applied.is_empty())
        .map(|p| (p.id.clone(), p.applied.len()))
        .collect();
    for (p, lines) in &changed {
        match lines.len() {
            0 => counts.remove(&p.id),
            n => counts.insert(p.id.clone(), n),
        };
    }
    for chunk in changed.chunks(ANALYSIS_CHUNK) {
        let mut updated = Vec::with_capacity(chunk.len());
        for (p, lines) in chunk {
            if let Some(mut a) = store.article(&p.id)? {
                let now = template::apply(&mut a, &p.applied, lines);
                updated.push((a, now));
            }
        }
        store.put_templates(&updated)?;
    }
    Ok(counts)
}

/// A chunk's relations, each with its [`RelationSummary`] (taken on the
/// pool, not on the thread that stores them).
struct Aligned {
    relations: Vec<PairRelation>,
    summaries: Vec<RelationSummary>,
}

/// A chunk of pending articles, ready to align: the candidate pairs of its
/// articles, and the docs or texts of every article in those pairs.
struct PreparedChunk<'a> {
    base: usize,
    chunk: &'a [Sketch],
    pairs: Vec<(usize, usize)>,
    /// How many pairs the index found by rare n-grams (for the log).
    by_rare: usize,
    /// How many articles the pairs name.
    needed: usize,
    /// The docs kept from earlier chunks.
    have: FxHashMap<usize, Arc<Doc>>,
    /// The articles whose docs are built from `texts`.
    missing: Vec<usize>,
    /// Their texts, each with its [`content_key`].
    texts: Vec<(Article, u128)>,
    /// The articles whose docs the chunk before builds.
    awaited: HashSet<usize>,
}

/// Finds the candidate pairs of the pending articles of `chunk` (at sketch
/// position `base`), takes the docs `docs` keeps for them, and reads the
/// texts of the others, except those of `building` (the chunk before
/// builds them).
fn prepare_chunk<'a>(
    store: &dyn Store,
    index: &CandidateIndex,
    sketches: &[Sketch],
    docs: &mut DocCache<usize>,
    building: &[usize],
    base: usize,
    chunk: &'a [Sketch],
) -> Result<PreparedChunk<'a>> {
    let found: Vec<(usize, usize, wiretrace_reuse::Evidence)> = (base..base + chunk.len())
        .into_par_iter()
        .flat_map_iter(|d| {
            index
                .query_before(&sketches[d].hashes, d as u32)
                .into_iter()
                .map(move |(c, e)| (c as usize, d, e))
        })
        .collect();
    let by_rare = found
        .iter()
        .filter(|f| f.2.rare >= wiretrace_reuse::index::MIN_SHARED)
        .count();
    let pairs: Vec<(usize, usize)> = found.iter().map(|&(c, d, _)| (c, d)).collect();
    let needed: BTreeSet<usize> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    let building: HashSet<usize> = building.iter().copied().collect();
    docs.next_round();
    let mut have: FxHashMap<usize, Arc<Doc>> = FxHashMap::default();
    let (mut missing, mut awaited) = (Vec::new(), HashSet::new());
    for &n in &needed {
        if let Some(d) = docs.get(n) {
            have.insert(n, d);
        } else if building.contains(&n) {
            awaited.insert(n);
        } else {
            missing.push(n);
        }
    }
    let ids: Vec<ArticleId> = missing.iter().map(|&n| sketches[n].id.clone()).collect();
    // An exact copy of an article whose doc is kept takes that doc.
    let position: HashMap<&ArticleId, usize> =
        missing.iter().map(|&n| (&sketches[n].id, n)).collect();
    let mut texts = Vec::new();
    for a in store.article_texts_by_id(&ids)? {
        let content = content_key(&a);
        match (position.get(&a.id), docs.get_content(content)) {
            (Some(&n), Some(twin)) => {
                let doc = Arc::new(twin.renamed(a.id.clone()));
                docs.insert(n, doc.clone());
                have.insert(n, doc);
            }
            _ => texts.push((a, content)),
        }
    }
    missing.retain(|n| !have.contains_key(n));
    Ok(PreparedChunk {
        base,
        chunk,
        pairs,
        by_rare,
        needed: needed.len(),
        have,
        missing,
        texts,
        awaited,
    })
}

/// The docs of the articles at these sketch positions, from their texts
/// (an article no longer stored has none). Exact copies are tokenised once.
fn build_docs(
    sketches: &[Sketch],
    positions: &[usize],
    texts: &[(Article, u128)],
) -> Vec<(usize, Arc<Doc>)> {
    let position: HashMap<&ArticleId, usize> =
        positions.iter().map(|&n| (&sketches[n].id, n)).collect();
    let mut first: FxHashMap<u128, usize> = FxHashMap::default();
    for (i, (_, content)) in texts.iter().enumerate() {
        first.entry(*content).or_insert(i);
    }
    let built: Vec<Option<Arc<Doc>>> = texts
        .par_iter()
        .enumerate()
        .map(|(i, (a, content))| (first[content] == i).then(|| Arc::new(Doc::from_article(a))))
        .collect();
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, (a, content))| {
            let n = *position.get(&a.id)?;
            let doc = match &built[i] {
                Some(d) => d.clone(),
                None => Arc::new(built[first[content]].as_ref()?.renamed(a.id.clone())),
            };
            Some((n, doc))
        })
        .collect()
}

/// Aligns each pair of sketch positions (the article with the smaller id
/// first), given the docs of the articles they name; keeps the pairs that
/// share a passage.
fn align_pairs(
    aligner: &mut PairAligner,
    sketches: &[Sketch],
    pairs: &[(usize, usize)],
    docs: &FxHashMap<usize, Arc<Doc>>,
) -> Vec<PairRelation> {
    let doc_pairs: Vec<(&Doc, &Doc)> = pairs
        .iter()
        .filter_map(|&(x, y)| {
            let (x, y) = if sketches[x].id <= sketches[y].id {
                (x, y)
            } else {
                (y, x)
            };
            Some((docs.get(&x)?.as_ref(), docs.get(&y)?.as_ref()))
        })
        .collect();
    aligner.align_all(&doc_pairs)
}

/// Stores a chunk's relations and the sketches the analysis took (those
/// in `taken_here`), and marks its articles analysed; keeps the summaries
/// in `made_here` when it is kept.
fn store_relations(
    store: &mut dyn Store,
    chunk: &[Sketch],
    aligned: Aligned,
    taken_here: &HashSet<ArticleId>,
    made_here: &mut Option<Vec<Vec<RelationSummary>>>,
) -> Result<()> {
    let analysed: Vec<ArticleId> = chunk.iter().map(|s| s.id.clone()).collect();
    let taken: Vec<Sketch> = chunk
        .iter()
        .filter(|s| taken_here.contains(&s.id))
        .cloned()
        .collect();
    store.put_reuse(&taken, &aligned.relations, &aligned.summaries, &analysed)?;
    if let Some(kept) = made_here {
        kept.push(aligned.summaries);
    }
    Ok(())
}

/// Drops relations the index no longer accepts, then recomputes copy
/// families and (when `stories`) stories from the stored relations, or
/// from `made_here`, the summaries of every stored relation when this
/// analysis made them all; the stories redo what was left `behind`, and
/// what is pending. `template_lines` counts the site template lines of
/// the articles that have some: the families' choice of an original counts
/// the lines stripped as padding, and a site's template is not a copy's.
#[allow(clippy::too_many_arguments)]
fn regroup(
    store: &mut dyn Store,
    index: &CandidateIndex,
    sketches: &[Sketch],
    made_here: Option<Vec<Vec<RelationSummary>>>,
    pending: &BTreeSet<&ArticleId>,
    stories: bool,
    behind: Option<ArrivalKey>,
    template_lines: &FxHashMap<ArticleId, usize>,
) -> Result<()> {
    let sketch_of: FxHashMap<&ArticleId, &Sketch> = sketches.iter().map(|s| (&s.id, s)).collect();
    let (relations, stale_count, summaries) = match made_here {
        // Found by this index, so all accepted by it. They are put in the
        // store's order on the pool while the store reads the summaries.
        Some(made) => std::thread::scope(|scope| -> Result<_> {
            let sorting = scope.spawn(move || in_store_order(made));
            let summaries = store.article_summaries();
            let kept = sorting
                .join()
                .map_err(|_| anyhow::anyhow!("sorting relations panicked"))?;
            Ok((kept, 0, summaries?))
        })?,
        None => {
            let (relations, stale): (Vec<RelationSummary>, Vec<RelationSummary>) = store
                .relation_summaries()?
                .into_par_iter()
                .partition(|r| match (sketch_of.get(&r.a), sketch_of.get(&r.b)) {
                    (Some(a), Some(b)) => index.accepts(&a.hashes, &b.hashes),
                    _ => false,
                });
            let stale_count = stale.len();
            if !stale.is_empty() {
                let pairs: Vec<(ArticleId, ArticleId)> =
                    stale.into_iter().map(|r| (r.a, r.b)).collect();
                store.delete_relations(&pairs)?;
            }
            (relations, stale_count, store.article_summaries()?)
        }
    };
    // Two pages of one site that share only its furniture are not related
    // (decided on the whole store, so whatever the order pages came in),
    // and the store hides their passages from every reader.
    let relations: Vec<RelationSummary> = {
        let furniture = furniture_rule(index, sketches, &summaries);
        let (kept, only_furniture): (Vec<RelationSummary>, Vec<RelationSummary>) = relations
            .into_par_iter()
            .partition(|r| !furniture(&r.a, &r.b));
        let pairs: Vec<(ArticleId, ArticleId)> =
            only_furniture.into_iter().map(|r| (r.a, r.b)).collect();
        store.mark_furniture(&pairs)?;
        kept
    };
    let position: FxHashMap<&ArticleId, usize> = summaries
        .iter()
        .enumerate()
        .map(|(i, a)| (&a.id, i))
        .collect();
    // (On the pool: each headline is normalised for its key.)
    let members: Vec<MemberInfo> = summaries
        .par_iter()
        .map(|a| {
            member_info(
                a,
                template_lines.get(&a.id).copied().unwrap_or(0),
                sketch_of.get(&a.id).map_or(0, |s| s.tokens as usize),
            )
        })
        .collect();
    let related = relations.len();
    let earliest_pending = summaries
        .iter()
        .filter(|a| pending.contains(&a.id))
        .map(|a| ArrivalKey::of(a.published, &a.id))
        .chain(behind)
        .min();
    let newest = summaries.iter().filter_map(|a| a.published).max();
    let restories = stories || earliest_pending.is_none();
    let links: Vec<(ArticleId, ArticleId)> = match restories {
        true => relations
            .iter()
            .map(|r| (r.a.clone(), r.b.clone()))
            .collect(),
        false => Vec::new(),
    };
    // Container pages (galleries, video pages, paywall stubs, aggregator
    // lists) join no family: their shared text stays a passage.
    let containers: HashSet<ArticleId> =
        store.page_kinds()?.into_iter().map(|(id, _)| id).collect();
    let edges: Vec<Edge> = relations
        .into_par_iter()
        .filter(|r| !containers.contains(&r.a) && !containers.contains(&r.b))
        .filter_map(|r| {
            let (a, b) = (*position.get(&r.a)?, *position.get(&r.b)?);
            Some(Edge::new(a, b, r))
        })
        .collect();
    let grouping = group(&members, &edges);
    tracing::info!(relations = related, stale = stale_count, "families grouped");
    drop(summaries);
    match earliest_pending {
        Some(from) if !restories => Ok(store.put_families(&grouping, &from)?),
        // (No article is pending that the stories could leave behind.)
        _ => restory(store, &grouping, &links, earliest_pending, newest),
    }
}

/// What family building needs of a stored article (its summary, the
/// site template lines kept out of its body, its sketch's token count):
/// the choice of an original counts the lines stripped as padding, and a
/// site's template is not a copy's.
pub fn member_info(a: &ArticleSummary, template_lines: usize, tokens: usize) -> MemberInfo {
    MemberInfo {
        id: a.id.clone(),
        published: a.published,
        stripped: a.stripped.saturating_sub(template_lines),
        tokens,
        site: a.site.clone(),
        headline: a.title.as_deref().and_then(headline_key),
        wire: a.wire.clone(),
        clock: clock_doubt(
            a.published,
            a.url
                .as_deref()
                .and_then(wiretrace_extract::date_in_url)
                .map(|d| d.date_naive()),
            a.first_seen.or(a.ingested),
        ),
        first_seen: a.first_seen,
    }
}

/// Relation summaries as the store keeps them: once per pair, smaller id
/// first, the last one made; sorted by pair.
fn in_store_order(made: Vec<Vec<RelationSummary>>) -> Vec<RelationSummary> {
    let mut made: Vec<RelationSummary> = made
        .into_par_iter()
        .flatten()
        .map(RelationSummary::smaller_id_first)
        .collect();
    // Stable: of two summaries of one pair, the later stays later.
    made.par_sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let mut kept: Vec<RelationSummary> = Vec::with_capacity(made.len());
    for r in made {
        match kept.last_mut() {
            Some(last) if (&last.a, &last.b) == (&r.a, &r.b) => *last = r,
            _ => kept.push(r),
        }
    }
    kept
}

/// Articles published up to this long before the newest one may still
/// arrive: the story clustering's checkpoint is kept this far back, so they
/// are taken in their place without replaying the whole store.
const SETTLE_SECONDS: i64 = 2 * 86_400;

/// Brings the stories up to date. The online clustering resumes from its
/// checkpoint and takes only the articles after it; where an article
/// arrived that belongs before the checkpoint (or the settings changed),
/// it starts again from the first article. Either way the stories are those
/// one pass over every stored article in publication order gives, and the
/// new checkpoint is the state at `SETTLE_SECONDS` before the newest article.
fn restory(
    store: &mut dyn Store,
    grouping: &Grouping,
    links: &[(ArticleId, ArticleId)],
    earliest_pending: Option<ArrivalKey>,
    newest: Option<DateTime<FixedOffset>>,
) -> Result<()> {
    let config = wiretrace_stories::Config::with_settings(|k| std::env::var(k).ok());
    let checkpoint = store
        .story_checkpoint()?
        .and_then(|b| Checkpoint::from_bytes(&b))
        .filter(|c| c.fits(&config))
        .filter(|c| match (&c.frontier, &earliest_pending) {
            (Some(f), Some(p)) => p > f,
            _ => true,
        });
    let replace_all = checkpoint.is_none();
    // Every article from the checkpoint's live stories and after it is
    // placed again (its membership row replaced); their stories' rows go.
    let (mut clusterer, mut outcome, mut after, mut forget_stories) = match checkpoint {
        Some(c) => {
            let mut clusterer = c.clusterer;
            clusterer.restore();
            let stories: Vec<String> = clusterer.live_ids().into_iter().map(String::from).collect();
            (
                clusterer,
                Outcome::resuming(c.assignments),
                c.frontier,
                stories,
            )
        }
        None => Default::default(),
    };
    let settled = |a: &Article| match (a.published, newest) {
        (Some(p), Some(n)) => p.timestamp() <= n.timestamp() - SETTLE_SECONDS,
        _ => false,
    };
    // The full-text index of the new articles is built on another thread
    // meanwhile: clustering only reads the store.
    let indexing = store.text_index_job()?.map(std::thread::spawn);
    let mut input = StoryInput::new(&grouping.assignments, links);
    let mut next_checkpoint: Option<Checkpoint> = None;
    // Stories an earlier run placed a re-taken undated article in: if they
    // are dormant now, their summaries are written again (see below).
    let mut restate: HashSet<String> = HashSet::new();
    let mut taken = 0usize;
    loop {
        let chunk = store.articles_after(after.as_ref(), wiretrace_stories::TERMS_AHEAD)?;
        if chunk.is_empty() {
            break;
        }
        let refs: Vec<&Article> = chunk.iter().collect();
        for (a, terms) in input.terms_ahead(&refs) {
            if next_checkpoint.is_none() && !settled(a) {
                next_checkpoint = Some(Checkpoint::take(
                    &config,
                    after.clone(),
                    &clusterer,
                    &outcome,
                ));
            }
            // A story this article started in an earlier run is rewritten.
            forget_stories.push(wiretrace_stories::story_id(&a.id));
            if a.published.is_none() && !replace_all {
                if let Some(before) = store.assignment(&a.id)? {
                    restate.insert(before.story);
                }
            }
            outcome.apply(input.add(&mut clusterer, a, terms, &config));
            after = Some(ArrivalKey::of(a.published, &a.id));
            taken += 1;
        }
    }
    let next_checkpoint = next_checkpoint
        .unwrap_or_else(|| Checkpoint::take(&config, after.clone(), &clusterer, &outcome));
    outcome.restate(&clusterer, &restate);
    let (assignments, stories) = outcome.finish(&mut clusterer, &config);
    tracing::info!(
        taken,
        resumed = !replace_all,
        stories = stories.len(),
        live = clusterer.live_stories(),
        "stories clustered"
    );
    let checkpoint = next_checkpoint.to_bytes();
    if let Some(job) = indexing {
        job.join()
            .map_err(|_| anyhow::anyhow!("full-text indexing panicked"))??;
        tracing::info!("full-text index updated");
    }
    store.put_groupings(
        grouping,
        &StoryUpdate {
            replace_all,
            forget_stories: &forget_stories,
            assignments: &assignments,
            stories: &stories,
            checkpoint: Some(&checkpoint),
        },
    )?;
    Ok(())
}

/// Whether two articles are pages of one site that share only its
/// furniture (see `wiretrace_reuse::furniture`), by `index`, which holds
/// `sketches` in their order, and the sites `summaries` give.
fn furniture_rule<'a>(
    index: &'a CandidateIndex,
    sketches: &'a [Sketch],
    summaries: &[ArticleSummary],
) -> impl Fn(&ArticleId, &ArticleId) -> bool + Sync + 'a {
    let site: FxHashMap<&ArticleId, &str> = summaries
        .iter()
        .filter_map(|a| Some((&a.id, a.site.as_deref()?)))
        .collect();
    let sites: Vec<Option<&str>> = sketches.iter().map(|s| site.get(&s.id).copied()).collect();
    let rule = Furniture::new(index, &sites);
    let position: FxHashMap<&ArticleId, usize> = sketches
        .iter()
        .enumerate()
        .map(|(i, s)| (&s.id, i))
        .collect();
    move |a, b| match (position.get(a), position.get(b)) {
        (Some(&x), Some(&y)) => rule.only_furniture(
            (x as u32, &sketches[x].hashes),
            (y as u32, &sketches[y].hashes),
        ),
        _ => false,
    }
}

/// Every stored passage with its source and destination (see
/// `wiretrace_reuse::provenance`), but those between pages of one site
/// that share only its furniture (which the last grouping marked).
pub fn directed_passages(store: &dyn Store) -> Result<Vec<wiretrace_reuse::DirectedPassage>> {
    let when = store
        .article_summaries()?
        .into_iter()
        .map(|a| (a.id, time_order(a.published)))
        .collect();
    Ok(wiretrace_reuse::directed_passages(
        &store.relations()?,
        &store.families()?,
        &when,
    ))
}

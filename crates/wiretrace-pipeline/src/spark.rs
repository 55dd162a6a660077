//! The analysis in phases a distributed job can run (`python -m
//! wiretrace.spark`, see docs/spark-design.md): each function here is a
//! step of [`crate::pipeline::analyse`] on one item, one pair, one host or
//! one connected component, and the job only moves data between them (map,
//! join, group by). With the whole corpus's counts (document frequencies,
//! templates common to hosts, furniture holders, source sites) passed in,
//! the rows are those `wiretrace ingest` + `export` give, whatever the
//! partitioning.
//!
//! Hashes cross as `i64` (the same 64 bits): Spark has no unsigned long.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use wiretrace_core::{
    template::{self, TemplateLine, Templates},
    time::{parse_datetime, time_order},
    union_find::find_root,
    Article, ArticleId, Rejection,
};
use wiretrace_reuse::{
    directed_passages, group_given_sources, index, is_furniture_ngram, page_kind,
    provenance::SourceKey, shares_only_furniture, site_record, Doc, Edge, FamilyAssignment,
    MemberInfo, PageKind, PairAligner, PairRelation, RelationSummary, Sketch,
};
use wiretrace_store::ArticleSummary;

pub use wiretrace_reuse::index::MAX_POSTINGS;

use crate::export::{copy_rows, passage_row, ArticleRow, CopyRow, PassageRow};
use crate::pipeline::member_info;

fn signed(h: &[u64]) -> Vec<i64> {
    h.iter().map(|&h| h as i64).collect()
}

fn unsigned(h: &[i64]) -> Vec<u64> {
    h.iter().map(|&h| h as u64).collect()
}

/// An item as ingest stores it, with what the later phases need of it
/// alone: its host and line keys (templates), its sketch (candidates,
/// furniture) and container kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prepared {
    pub id: String,
    /// The article as extracted (before site templates), as JSON.
    pub article: String,
    pub host: Option<String>,
    pub keys: Vec<i64>,
    pub sketch: Vec<i64>,
    pub tokens: u32,
    pub site: Option<String>,
    /// [`wiretrace_core::content_hash`] of its clean text: which of two
    /// items with one id the store keeps ([`kept_revision`]).
    pub content_hash: String,
}

/// One JSON line of a feed (named `input`, as ingest names it: `path:line
/// N`), converted and prepared; or why it cannot be stored.
pub fn prepare_record(input: &str, line: &[u8]) -> Result<Prepared, Rejection> {
    prepare(wiretrace_ingest::convert(wiretrace_ingest::Item::Record {
        input: input.to_string(),
        line: line.to_vec(),
    })?)
}

/// What [`prepare_record`] gives, for an extracted article.
pub fn prepare(a: Article) -> Result<Prepared, Rejection> {
    let new = wiretrace_store::NewArticle::new(a);
    let a = &new.article;
    Ok(Prepared {
        id: a.id.to_string(),
        article: serde_json::to_string(a).map_err(|e| Rejection::new(&a.input, e.to_string()))?,
        host: new.host.clone(),
        keys: signed(&new.lines),
        sketch: signed(&new.sketch.hashes),
        tokens: new.sketch.tokens,
        site: a.site.clone(),
        content_hash: new.content_hash.clone(),
    })
}

/// The items of one input file that is not a feed of JSON lines (a web
/// archive, a page, a feed or sitemap: whatever `wiretrace ingest` reads),
/// in batches, each prepared or rejected, named as ingest names them.
/// Items that are no news page (an archive's request and metadata records,
/// images, redirects) are counted, not listed, as ingest counts them.
pub struct FileItems {
    reader: wiretrace_ingest::ItemReader,
    /// The items read so far (skipped ones too): each item's number.
    read: u64,
    /// Items that are no news page.
    pub skipped: u64,
}

impl FileItems {
    pub fn open(path: &str) -> Self {
        FileItems {
            reader: wiretrace_ingest::ItemReader::new(
                &[path.to_string()],
                wiretrace_ingest::Limits::default(),
            ),
            read: 0,
            skipped: 0,
        }
    }

    /// Up to `n` more items, each with its number in the file (from 1)
    /// and its name; none when the file is done.
    pub fn next_batch(&mut self, n: usize) -> Vec<(u64, String, Result<Prepared, Rejection>)> {
        let mut items = Vec::with_capacity(n);
        while items.len() < n {
            let Some(item) = self.reader.next() else {
                break;
            };
            self.read += 1;
            match item {
                wiretrace_ingest::Item::Skipped { .. } => self.skipped += 1,
                item => items.push((self.read, item)),
            }
        }
        items
            .into_par_iter()
            .map(|(k, item)| {
                let input = item.input().to_string();
                (k, input, wiretrace_ingest::convert(item).and_then(prepare))
            })
            .collect()
    }
}

/// Of the items given one id, in input order (by their content hashes),
/// the one the store keeps: the last content, as first given in the run
/// of items that ends the input with it (an item equal to the stored one
/// leaves it as it is, input name and all).
pub fn kept_revision(hashes: &[&str]) -> usize {
    let Some(last) = hashes.last() else { return 0 };
    let mut k = hashes.len() - 1;
    while k > 0 && hashes[k - 1] == *last {
        k -= 1;
    }
    k
}

/// One host's template from the line keys of its pages (any order),
/// sorted.
pub fn host_template(pages: &[Vec<i64>]) -> Vec<i64> {
    let pages: Vec<Vec<u64>> = pages.iter().map(|p| unsigned(p)).collect();
    let refs: Vec<&[u64]> = pages.iter().map(Vec::as_slice).collect();
    sorted_signed(template::host_template(&refs))
}

/// The keys common to [`template::COMMON_HOSTS`] of the hosts' templates,
/// sorted.
pub fn common_keys(templates: &[Vec<i64>]) -> Vec<i64> {
    let sets: Vec<FxHashSet<u64>> = templates
        .iter()
        .map(|t| unsigned(t).into_iter().collect())
        .collect();
    sorted_signed(template::common_keys(sets.iter()))
}

fn sorted_signed(set: FxHashSet<u64>) -> Vec<i64> {
    let mut v: Vec<u64> = set.into_iter().collect();
    v.sort_unstable();
    signed(&v)
}

/// What family building needs of an article (see [`MemberInfo`]), and
/// its container kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    #[serde(flatten)]
    pub info: MemberInfo,
    pub kind: Option<PageKind>,
}

/// An article once its host's template is applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Applied {
    /// The article as the store ends with it, as JSON (what pairs align).
    pub article: String,
    /// Its [`Member`], as JSON.
    pub member: String,
    /// Its `articles` row (docs/export.md), as JSON.
    pub row: String,
    /// What `wiretrace import` stores of it ([`Stored`]), as JSON.
    pub stored: String,
}

/// An article as `wiretrace import` stores it: as extracted, and the site
/// template lines the run kept out of its body (the store keeps both, so
/// that a later ingest learns and applies templates as if it had ingested
/// the article itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub article: Article,
    pub template: Vec<TemplateLine>,
}

/// What [`apply_template`] needs of a [`Prepared`] article.
#[derive(Debug, Clone, Copy)]
pub struct ToApply<'a> {
    pub article: &'a str,
    pub host: Option<&'a str>,
    pub keys: &'a [i64],
    pub tokens: u32,
}

impl<'a> From<&'a Prepared> for ToApply<'a> {
    fn from(p: &'a Prepared) -> Self {
        ToApply {
            article: &p.article,
            host: p.host.as_deref(),
            keys: &p.keys,
            tokens: p.tokens,
        }
    }
}

/// Applies the template of the article's host (`host_template`, and the
/// keys common to hosts) to a [`Prepared`] article, as `analyse` does
/// before it aligns; `seen` is when the run stored it (the store's ingest
/// time, which stands in for a first sight where the input gives none).
pub fn apply_template(
    p: ToApply,
    host_template: &[i64],
    common: &[i64],
    seen: &str,
) -> Result<Applied, String> {
    let mut a: Article = serde_json::from_str(p.article).map_err(|e| e.to_string())?;
    let extracted = a.clone();
    let mut applied = Vec::new();
    let seen = parse_datetime(seen).ok_or_else(|| format!("cannot read the time {seen:?}"))?;
    let kind = page_kind(&a);
    let keys = unsigned(p.keys);
    if !host_template.is_empty() || !common.is_empty() {
        let mut hosts = HashMap::new();
        if let Some(h) = p.host {
            hosts.insert(h.to_string(), unsigned(host_template).into_iter().collect());
        }
        let templates = Templates::from_parts(hosts, unsigned(common).into_iter().collect());
        let lines = templates.lines_of(p.host, &keys);
        applied = template::apply(&mut a, &[], &lines);
    }
    let summary = ArticleSummary {
        id: a.id.clone(),
        title: a.title.clone(),
        site: a.site.clone(),
        published: a.published,
        wire: a.wire.clone(),
        stripped: a.stripped.len(),
        url: a.url.clone(),
        ingested: Some(seen),
        first_seen: a.first_seen,
    };
    let member = Member {
        info: member_info(&summary, applied.len(), p.tokens as usize),
        kind,
    };
    Ok(Applied {
        row: json(&ArticleRow::of(&a)),
        member: json(&member),
        article: json(&a),
        stored: json(&Stored {
            article: extracted,
            template: applied,
        }),
    })
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("rows serialise")
}

/// What the candidate pairs of a component need of an article: a key
/// the caller names it by (the job's row number), its id, its sketch (as
/// [`Prepared::sketch`], in its order) and site.
#[derive(Debug, Clone)]
pub struct ComponentSketch {
    pub key: i64,
    pub id: String,
    pub sketch: Vec<i64>,
    pub site: Option<String>,
}

/// What the whole corpus says of the n-grams a component cannot count
/// alone: those held by more than [`MAX_POSTINGS`] articles (their holder
/// count, and the one site all are on, if one), and the pages of each site.
#[derive(Debug, Clone, Default)]
pub struct CorpusCounts {
    pub frequent: FxHashMap<u64, (usize, Option<String>)>,
    pub site_pages: FxHashMap<String, usize>,
}

/// The pairs worth aligning of one *candidate component*: articles
/// connected by the n-grams they share among those held by at most
/// [`MAX_POSTINGS`] articles. Every holder of such an n-gram is in the
/// component, so it counts their holders itself, and `corpus` gives the
/// rest; the pairs, their evidence and the furniture rule are then those
/// of the index over the whole corpus ([`index::worth_aligning`],
/// [`shares_only_furniture`]). Only sketches are read: a component of a
/// million articles holds no text here. Pairs by key, `(a, b)` with `a`
/// the smaller id, in the order of ids, whatever the order given.
pub fn component_pairs(articles: &mut [ComponentSketch], corpus: &CorpusCounts) -> Vec<(i64, i64)> {
    articles.sort_by(|x, y| x.id.cmp(&y.id));
    let sketches: Vec<Vec<u64>> = articles.iter().map(|a| unsigned(&a.sketch)).collect();
    // The index of the component's articles, without the n-grams the
    // corpus holds too often to follow: every holder of the others is here,
    // so the index's counts are the corpus's.
    let mut index = index::CandidateIndex::new();
    for s in &sketches {
        let part: Vec<u64> = s
            .iter()
            .copied()
            .filter(|h| !corpus.frequent.contains_key(h))
            .collect();
        index.add_part(&part, s.len());
    }
    let evidence: Vec<(u32, u32)> = sketches
        .par_iter()
        .enumerate()
        .flat_map_iter(|(y, s)| {
            let found = index.query_before(s, y as u32);
            found.into_iter().map(move |(x, _)| (x, y as u32))
        })
        .collect();
    let one_site = |h: u64| -> Option<(usize, Option<&str>)> {
        if let Some((n, site)) = corpus.frequent.get(&h) {
            return Some((*n, site.as_deref()));
        }
        let list = index.holders(h);
        let first = articles[*list.first()? as usize].site.as_deref();
        let same = list
            .iter()
            .all(|&i| articles[i as usize].site.as_deref() == first);
        Some((list.len(), if same { first } else { None }))
    };
    let furniture = |h: u64| {
        one_site(h).is_some_and(|(n, site)| {
            is_furniture_ngram(n, site.and_then(|s| corpus.site_pages.get(s).copied()))
        })
    };
    let mut pairs: Vec<(u32, u32)> = evidence
        .into_iter()
        .filter(|&(x, y)| {
            let (a, b) = (&articles[x as usize], &articles[y as usize]);
            let same_site = a.site.is_some() && a.site == b.site;
            !(same_site
                && shares_only_furniture(&sketches[x as usize], &sketches[y as usize], furniture))
        })
        .collect();
    pairs.sort_unstable();
    pairs
        .into_iter()
        .map(|(x, y)| (articles[x as usize].key, articles[y as usize].key))
        .collect()
}

/// A relation [`align_keyed_pairs`] found.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// The index of its pair among those given.
    pub pair: usize,
    /// The ids of its two articles.
    pub a: String,
    pub b: String,
    /// The relation, as JSON [`PairRelation`].
    pub relation: String,
    /// What grouping reads of it, as JSON [`RelationSummary`] (a fraction
    /// of the relation: no passage offsets).
    pub summary: String,
    /// Whether it can join its two articles into one family
    /// ([`RelationSummary::may_join`]; a container's relations never do).
    pub may_join: bool,
}

/// An article to align, by the key its pairs name it.
#[derive(Debug, Clone)]
pub struct KeyedArticle {
    pub key: i64,
    /// As [`Applied::article`].
    pub article: String,
    /// As [`Prepared::sketch`] and [`Prepared::tokens`].
    pub sketch: Vec<i64>,
    pub tokens: u32,
}

/// Aligns pairs of articles by key (`a` the smaller id, as
/// [`component_pairs`] gives them), given every article they name: the
/// relations that share a passage, each with the index of its pair, as
/// JSON [`PairRelation`]s with the ids of its two articles. Exact copies
/// are aligned once ([`PairAligner`]), as ingest aligns them.
pub fn align_keyed_pairs(
    articles: &[KeyedArticle],
    pairs: &[(i64, i64)],
) -> Result<Vec<Aligned>, String> {
    let by_key: FxHashMap<i64, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key, i))
        .collect();
    let at = |k: i64| {
        by_key
            .get(&k)
            .copied()
            .ok_or_else(|| format!("a pair names article {k}, which was not given"))
    };
    let pairs: Vec<(usize, usize)> = pairs
        .iter()
        .map(|&(a, b)| Ok((at(a)?, at(b)?)))
        .collect::<Result<_, String>>()?;
    let mut needed: Vec<usize> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    needed.sort_unstable();
    needed.dedup();
    let docs: Vec<(usize, Doc)> = needed
        .par_iter()
        .map(|&n| {
            let parsed: Article = serde_json::from_str(&articles[n].article)
                .map_err(|e| format!("article {}: {e}", articles[n].key))?;
            Ok((n, Doc::from_article(&parsed)))
        })
        .collect::<Result<_, String>>()?;
    let docs: FxHashMap<usize, Doc> = docs.into_iter().collect();
    let sketches: Vec<Sketch> = needed
        .iter()
        .map(|&n| Sketch {
            id: docs[&n].id.clone(),
            hashes: unsigned(&articles[n].sketch),
            tokens: articles[n].tokens,
        })
        .collect();
    let doc_pairs: Vec<(&Doc, &Doc)> = pairs.iter().map(|(x, y)| (&docs[x], &docs[y])).collect();
    let index: FxHashMap<(&str, &str), usize> = doc_pairs
        .iter()
        .enumerate()
        .map(|(i, (a, b))| ((a.id.0.as_str(), b.id.0.as_str()), i))
        .collect();
    Ok(PairAligner::new(&sketches)
        .align_all(&doc_pairs)
        .into_iter()
        .map(|r| {
            let i = index[&(r.a.0.as_str(), r.b.0.as_str())];
            let summary = RelationSummary::of(&r);
            Aligned {
                pair: i,
                a: r.a.0.clone(),
                b: r.b.0.clone(),
                relation: json(&r),
                may_join: summary.may_join(),
                summary: json(&summary),
            }
        })
        .collect())
}

/// What [`component_families`] finds in a candidate component.
#[derive(Debug, Clone, Default)]
pub struct ComponentFindings {
    /// Its families' components (connected by relations), each as
    /// `(members, relations)` (JSON), as [`component_rows`] takes them.
    pub families: Vec<(Vec<String>, Vec<String>)>,
    /// Phase 1 of grouping ([`component_site_record`]), summed over its
    /// families with relations.
    pub site_records: Vec<(String, u32, u32)>,
}

/// The family components of a candidate component: its members `(id,
/// member as JSON)` connected by its relations `(a, b, relation as
/// JSON)` (containers' too: their passages are listed), each family with
/// its members and relations, and phase 1 of grouping for those with a
/// relation. A function of the sets given, in the order of ids.
pub fn component_families(
    members: &mut [(String, String)],
    relations: &mut [(String, String, String)],
) -> Result<ComponentFindings, String> {
    members.sort_unstable();
    relations.sort_unstable();
    let position: FxHashMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let at = |id: &str| {
        position
            .get(id)
            .copied()
            .ok_or_else(|| format!("a relation names {id}, not a member of its component"))
    };
    let mut forest = Forest::default();
    for (a, b, _) in relations.iter() {
        forest.join(at(a)? as u32, at(b)? as u32, |x, y| x < y);
    }
    let mut families: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut family_of: FxHashMap<u32, usize> = FxHashMap::default();
    for (i, (_, member)) in members.iter().enumerate() {
        let r = forest.root(i as u32);
        let f = *family_of.entry(r).or_insert_with(|| {
            families.push(Default::default());
            families.len() - 1
        });
        families[f].0.push(member.clone());
    }
    for (a, _, r) in relations.iter() {
        let f = family_of[&forest.root(at(a)? as u32)];
        families[f].1.push(r.clone());
    }
    let mut found = ComponentFindings::default();
    for (members, relations) in families.iter().filter(|f| !f.1.is_empty()) {
        found
            .site_records
            .extend(component_site_record(members, relations)?);
    }
    found.families = families;
    Ok(found)
}

/// An article of a candidate component analysed whole
/// ([`whole_component`]).
#[derive(Debug, Clone)]
pub struct ComponentArticle {
    /// What its pairs are found from.
    pub sketch: ComponentSketch,
    /// As [`KeyedArticle`]: the text may be left out of a component of
    /// one article, which has nothing to align.
    pub tokens: u32,
    pub article: Option<String>,
    /// As [`Applied::member`].
    pub member: String,
}

impl ComponentArticle {
    /// The article to align, where its text was given.
    pub fn keyed(&self) -> Option<KeyedArticle> {
        Some(KeyedArticle {
            key: self.sketch.key,
            article: self.article.clone()?,
            sketch: self.sketch.sketch.clone(),
            tokens: self.tokens,
        })
    }
}

/// A candidate component analysed in one piece: its pairs worth aligning
/// ([`component_pairs`]), aligned ([`align_keyed_pairs`]) and grouped
/// into families ([`component_families`]). The three steps a job runs
/// apart for a component too large for one task, with the same findings,
/// and no pairs or relations moved between them.
pub fn whole_component(
    articles: Vec<ComponentArticle>,
    corpus: &CorpusCounts,
) -> Result<ComponentFindings, String> {
    let mut sketches = Vec::with_capacity(articles.len());
    let mut keyed = Vec::with_capacity(articles.len());
    let mut members = Vec::with_capacity(articles.len());
    for a in articles {
        keyed.extend(a.keyed());
        members.push((a.sketch.id.clone(), a.member));
        sketches.push(a.sketch);
    }
    let pairs = component_pairs(&mut sketches, corpus);
    let mut relations: Vec<(String, String, String)> = if pairs.is_empty() {
        Vec::new()
    } else {
        align_keyed_pairs(&keyed, &pairs)?
            .into_iter()
            .map(|r| (r.a, r.b, r.relation))
            .collect()
    };
    component_families(&mut members, &mut relations)
}

/// A union-find over vertices `0..`, grown as they are named, each set's
/// root its least vertex by the order a join is given.
#[derive(Debug, Default)]
struct Forest {
    parent: Vec<usize>,
}

impl Forest {
    fn root(&mut self, x: u32) -> u32 {
        let x = x as usize;
        if self.parent.len() <= x {
            self.parent.extend(self.parent.len()..=x);
        }
        find_root(&mut self.parent, x) as u32
    }

    /// Joins the sets of `x` and `y`; the root of the union is the root
    /// that is `less` than the other.
    fn join(&mut self, x: u32, y: u32, less: impl Fn(u32, u32) -> bool) {
        let (rx, ry) = (self.root(x), self.root(y));
        if rx != ry {
            let (lo, hi) = if less(rx, ry) { (rx, ry) } else { (ry, rx) };
            self.parent[hi as usize] = lo as usize;
        }
    }
}

/// The components of some edges of a graph, as the edges of stars: for
/// each vertex of `a` or `b` that is not the smallest of its component
/// here, `(vertex, smallest)`. The stars of any split of the edges,
/// together, connect what the edges connect: a job reduces each
/// partition's edges to at most one per vertex before it joins them.
pub fn local_stars(a: &[i64], b: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let mut index: FxHashMap<i64, u32> = FxHashMap::default();
    let mut vertex: Vec<i64> = Vec::new();
    let mut id = |v: i64| -> u32 {
        *index.entry(v).or_insert_with(|| {
            vertex.push(v);
            vertex.len() as u32 - 1
        })
    };
    let edges: Vec<(u32, u32)> = a.iter().zip(b).map(|(&x, &y)| (id(x), id(y))).collect();
    let mut forest = Forest::default();
    for (x, y) in edges {
        // The root is the smaller vertex, so each component's is its least.
        forest.join(x, y, |x, y| vertex[x as usize] < vertex[y as usize]);
    }
    let (mut vs, mut roots) = (Vec::new(), Vec::new());
    for x in 0..vertex.len() as u32 {
        let r = forest.root(x);
        if r != x {
            vs.push(vertex[x as usize]);
            roots.push(vertex[r as usize]);
        }
    }
    (vs, roots)
}

/// A component's members, relations and family edges.
type Component = (Vec<Member>, Vec<PairRelation>, Vec<Edge>);

/// The members of a component (JSON [`Member`]s) in the store's order
/// (publication time, undated last, then id), and its relations (JSON
/// [`PairRelation`]s, smaller id first) sorted by pair, as `regroup`
/// takes them; with the edges families are made of (containers join none).
fn component(members: &[String], relations: &[String]) -> Result<Component, String> {
    let members = members_in_order(members)?;
    let mut relations: Vec<PairRelation> = parsed(relations)?;
    relations.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let edges = edges_of(&members, relations.iter().map(RelationSummary::of));
    Ok((members, relations, edges))
}

/// Each JSON line parsed.
fn parsed<T: serde::de::DeserializeOwned>(lines: &[String]) -> Result<Vec<T>, String> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
        .collect()
}

/// Phase 1's site records of members and their grouping edges.
fn records_of(members: &[Member], edges: &[Edge]) -> Vec<(String, u32, u32)> {
    let infos: Vec<MemberInfo> = members.iter().map(|m| m.info.clone()).collect();
    site_record(&infos, edges)
        .into_iter()
        .map(|(s, (o, c))| (s, o, c))
        .collect()
}

/// The members (JSON [`Member`]s) in the order grouping reads them:
/// publication time, then id.
fn members_in_order(members: &[String]) -> Result<Vec<Member>, String> {
    let mut members: Vec<Member> = parsed(members)?;
    members.sort_by(|x, y| {
        (time_order(x.info.published), &x.info.id).cmp(&(time_order(y.info.published), &y.info.id))
    });
    Ok(members)
}

/// The grouping edges of relations (by summary, in the order of their
/// ids) between members: none for a container's.
fn edges_of(members: &[Member], summaries: impl Iterator<Item = RelationSummary>) -> Vec<Edge> {
    let position: HashMap<&ArticleId, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.info.id, i))
        .collect();
    let containers: HashSet<&ArticleId> = members
        .iter()
        .filter(|m| m.kind.is_some())
        .map(|m| &m.info.id)
        .collect();
    summaries
        .filter(|r| !containers.contains(&r.a) && !containers.contains(&r.b))
        .filter_map(|r| {
            let (a, b) = (*position.get(&r.a)?, *position.get(&r.b)?);
            Some(Edge::new(a, b, r))
        })
        .collect()
}

/// A join component's members (JSON [`Member`]s) and grouping edges, from
/// the summaries (JSON [`RelationSummary`]) of the relations inside it.
fn join_component(
    members: &[String],
    summaries: &[String],
) -> Result<(Vec<Member>, Vec<Edge>), String> {
    let members = members_in_order(members)?;
    let mut summaries: Vec<RelationSummary> = parsed(summaries)?;
    summaries.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let edges = edges_of(&members, summaries.into_iter());
    Ok((members, edges))
}

/// Phase 1 of one *join component* (a connected component of the
/// relations that may join families, [`RelationSummary::may_join`]): its
/// site records, from its members and the summaries of the relations
/// inside it. Families are unions of join components, so this is what
/// [`component_site_record`] gives any component that holds it, restricted
/// to its members.
pub fn join_site_records(
    members: &[String],
    summaries: &[String],
) -> Result<Vec<(String, u32, u32)>, String> {
    let (members, edges) = join_component(members, summaries)?;
    Ok(records_of(&members, &edges))
}

/// Phase 2 of one join component: its `copies` lines (JSON), from its
/// members and the summaries of the relations inside it. Its passages are
/// [`family_pair_passages`]'.
pub fn join_copies(
    members: &[String],
    summaries: &[String],
    source_sites: &HashSet<String>,
) -> Result<Vec<String>, String> {
    let (members, edges) = join_component(members, summaries)?;
    let infos: Vec<MemberInfo> = members.iter().map(|m| m.info.clone()).collect();
    let grouping = group_given_sources(&infos, &edges, source_sites);
    let mut families = grouping.assignments;
    families.sort_by(|x, y| x.id.cmp(&y.id));
    Ok(copy_rows(families, &grouping.notes, &kinds_of(&members))
        .iter()
        .map(json)
        .collect())
}

fn kinds_of(members: &[Member]) -> HashMap<ArticleId, PageKind> {
    members
        .iter()
        .filter_map(|m| Some((m.info.id.clone(), m.kind?)))
        .collect()
}

/// Phase 1 of grouping a component: each site's record (site, times the
/// original, times a copy), to be summed over all components.
pub fn component_site_record(
    members: &[String],
    relations: &[String],
) -> Result<Vec<(String, u32, u32)>, String> {
    let (members, _, edges) = component(members, relations)?;
    Ok(records_of(&members, &edges))
}

/// Phase 2: a component's `copies` and `passages` rows, given the source
/// sites of the whole corpus (see [`wiretrace_reuse::source_sites`]).
fn component_rows(
    members: &[String],
    relations: &[String],
    source_sites: &HashSet<String>,
) -> Result<(Vec<CopyRow>, Vec<PassageRow>), String> {
    let (members, relations, edges) = component(members, relations)?;
    let infos: Vec<MemberInfo> = members.iter().map(|m| m.info.clone()).collect();
    let grouping = group_given_sources(&infos, &edges, source_sites);
    let kinds = kinds_of(&members);
    let when = source_keys(&members);
    let mut families: Vec<FamilyAssignment> = grouping.assignments;
    families.sort_by(|x, y| x.id.cmp(&y.id));
    let passages = directed_passages(&relations, &families, &when)
        .into_iter()
        .map(passage_row)
        .collect();
    Ok((copy_rows(families, &grouping.notes, &kinds), passages))
}

/// Phase 2 as the export writes it: a family component's `copies` and
/// `passages` lines (JSON, the export's own form).
pub fn component_lines(
    members: &[String],
    relations: &[String],
    source_sites: &HashSet<String>,
) -> Result<(Vec<String>, Vec<String>), String> {
    let (copies, passages) = component_rows(members, relations, source_sites)?;
    Ok((
        copies.iter().map(json).collect(),
        passages.iter().map(json).collect(),
    ))
}

fn source_keys(members: &[Member]) -> HashMap<ArticleId, SourceKey> {
    members
        .iter()
        .map(|m| (m.info.id.clone(), time_order(m.info.published)))
        .collect()
}

/// The `passages` lines of relations grouped by the unordered pair of
/// their two articles' families (or any union of such groups), given
/// each article's family (its original's id, as its `copies` row names it)
/// and its [`Member`] (JSON). Every relation a passage's direction reads
/// (that of each side's original with the other side) is between the
/// same two families, so group by group these are the passages
/// [`component_lines`] gives for a component that holds them all.
pub fn family_pair_passages(
    relations: &[String],
    members: &[(String, String)],
) -> Result<Vec<String>, String> {
    let mut relations: Vec<PairRelation> = parsed(relations)?;
    relations.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let mut infos = Vec::with_capacity(members.len());
    let mut families = Vec::with_capacity(members.len());
    for (family, member) in members {
        let m: Member = serde_json::from_str(member).map_err(|e| e.to_string())?;
        families.push(FamilyAssignment {
            id: m.info.id.clone(),
            family: ArticleId(family.clone()),
            source: None,
        });
        infos.push(m);
    }
    Ok(
        directed_passages(&relations, &families, &source_keys(&infos))
            .into_iter()
            .map(|p| json(&passage_row(p)))
            .collect(),
    )
}

/// The source sites of the summed records.
pub fn source_sites(records: &[(String, u32, u32)]) -> HashSet<String> {
    let mut record = wiretrace_reuse::SiteRecord::new();
    for (s, o, c) in records {
        let r = record.entry(s.clone()).or_default();
        r.0 += o;
        r.1 += c;
    }
    wiretrace_reuse::source_sites(&record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_keeps_the_last_content_as_first_given_in_its_final_run() {
        assert_eq!(kept_revision(&["a"]), 0);
        assert_eq!(kept_revision(&["a", "b"]), 1);
        assert_eq!(kept_revision(&["a", "b", "b"]), 1);
        assert_eq!(kept_revision(&["b", "a", "b"]), 2);
        assert_eq!(kept_revision(&["b", "b", "b"]), 0);
    }

    #[test]
    fn local_stars_connect_what_the_edges_connect_to_their_least_vertex() {
        let (v, r) = local_stars(&[5, 7, 9, 2], &[7, 9, 3, 1]);
        let mut stars: Vec<(i64, i64)> = v.into_iter().zip(r).collect();
        stars.sort_unstable();
        assert_eq!(stars, [(2, 1), (5, 3), (7, 3), (9, 3)]);
    }

    #[test]
    fn hashes_cross_as_signed_and_back_unchanged() {
        let h = [0u64, 1, u64::MAX, 1 << 63];
        assert_eq!(unsigned(&signed(&h)), h);
    }

    #[test]
    fn a_files_items_are_prepared_or_rejected_in_batches_naming_each() {
        let dir = std::env::temp_dir().join(format!("wiretrace-spark-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("harbour.html");
        std::fs::write(
            &page,
            "<html><head><title>Ferry strike in Aldren</title></head><body><article>\
             <p>Ferry crews in the port of Aldren walked out on Tuesday over pay and rosters.</p>\
             <p>The harbour authority said talks would resume on Thursday morning.</p>\
             </article></body></html>",
        )
        .unwrap();
        let mut items = FileItems::open(page.to_str().unwrap());
        let batch = items.next_batch(10);
        assert_eq!(batch.len(), 1);
        let (number, input, prepared) = &batch[0];
        assert_eq!(*number, 1);
        assert!(input.ends_with("harbour.html"), "{input}");
        assert!(prepared.as_ref().unwrap().article.contains("Aldren"));
        assert!(items.next_batch(10).is_empty());

        let missing = dir.join("missing.warc.gz");
        let batch = FileItems::open(missing.to_str().unwrap()).next_batch(10);
        let rejection = batch[0].2.as_ref().unwrap_err();
        assert!(rejection.input.contains("missing.warc.gz"), "{rejection:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Articles of one candidate component, prepared and applied as the
    /// job does (no templates): a wire report, a padded copy, a trimmed
    /// copy on another site, and a report of another event.
    fn component_of_four() -> Vec<ComponentArticle> {
        let report = "Dock workers in the port of Velmora walked out on Monday over a \
             new rota that cuts night crews by a third, the union said. \
             The harbour board said the rota would save money and keep ships moving.\n\n\
             Talks between the two sides broke down late on Sunday after nine hours, \
             and no new meeting has been set, a spokeswoman for the board told reporters.\n\n\
             Ferries to the islands of Orn and Castel were cancelled for the day.";
        let other = "The city council of Brenholt voted on Tuesday to close the old \
             covered market for two years of repairs to its iron roof.\n\n\
             Stallholders will move to a car park by the river until the work is done.";
        let records = [
            ("wire-1", "https://wire.example/a/1", report.to_string()),
            (
                "daily-7",
                "https://daily.example/b/7",
                format!("{report}\n\nShare this story with your friends today."),
            ),
            (
                "coast-3",
                "https://coast.example/c/3",
                report.rsplit_once("\n\n").unwrap().0.to_string(),
            ),
            ("city-9", "https://city.example/d/9", other.to_string()),
        ];
        component_from(&records)
    }

    /// A component of the given records `(id, url, text)` (the texts of
    /// a feed), prepared with no template, keys 0, 10, 20...
    fn component_from(records: &[(&str, &str, String)]) -> Vec<ComponentArticle> {
        records
            .iter()
            .enumerate()
            .map(|(n, (id, url, text))| {
                let line = serde_json::json!({"id": id, "url": url, "text": text}).to_string();
                let p =
                    prepare_record(&format!("feed.jsonl:line {}", n + 1), line.as_bytes()).unwrap();
                let applied =
                    apply_template(ToApply::from(&p), &[], &[], "2031-03-02T10:00:00Z").unwrap();
                ComponentArticle {
                    sketch: ComponentSketch {
                        key: n as i64 * 10,
                        id: p.id.clone(),
                        sketch: p.sketch.clone(),
                        site: p.site.clone(),
                    },
                    tokens: p.tokens,
                    article: Some(applied.article),
                    member: applied.member,
                }
            })
            .collect()
    }

    #[test]
    fn a_component_analysed_whole_finds_what_its_three_steps_find() {
        let articles = component_of_four();
        let corpus = CorpusCounts::default();
        let whole = whole_component(articles.clone(), &corpus).unwrap();
        // The steps as a job runs them for a component too large for a task.
        let mut sketches: Vec<ComponentSketch> =
            articles.iter().rev().map(|a| a.sketch.clone()).collect();
        let pairs = component_pairs(&mut sketches, &corpus);
        let keyed: Vec<KeyedArticle> = articles
            .iter()
            .filter_map(ComponentArticle::keyed)
            .collect();
        let mut relations: Vec<(String, String, String)> = align_keyed_pairs(&keyed, &pairs)
            .unwrap()
            .into_iter()
            .map(|r| (r.a, r.b, r.relation))
            .collect();
        let mut members: Vec<(String, String)> = articles
            .iter()
            .map(|a| (a.sketch.id.clone(), a.member.clone()))
            .collect();
        let steps = component_families(&mut members, &mut relations).unwrap();
        assert_eq!(whole.families, steps.families);
        assert_eq!(whole.site_records, steps.site_records);
        // Not vacuous: the wire and its two copies are one family with
        // relations, and the other report is a family of its own.
        let sizes: Vec<(usize, bool)> = whole
            .families
            .iter()
            .map(|(m, r)| (m.len(), r.is_empty()))
            .collect();
        assert!(sizes.contains(&(3, false)), "{sizes:?}");
        assert!(sizes.contains(&(1, true)), "{sizes:?}");
    }

    #[test]
    fn join_components_and_pairs_of_families_give_the_components_lines() {
        // The wire, its two copies, an unrelated report, and a report of
        // its own that takes one paragraph of the wire's.
        let mut articles = component_of_four();
        let wire = articles[0].article.clone().unwrap();
        let taken = serde_json::from_str::<Article>(&wire).unwrap().text;
        let taken = taken.split("\n\n").nth(1).unwrap().to_string();
        let own = format!(
            "Shipping lines began diverting freight to the northern terminal at Skarre \
             on Monday as the walkout in Velmora entered its first day.\n\n{taken}\n\n\
             Hauliers said queues at the Skarre gates stretched for four kilometres by \
             the evening, and the terminal asked drivers to book slots in advance."
        );
        let mut fifth = component_from(&[("skarre-5", "https://skarre.example/e/5", own)]);
        fifth[0].sketch.key = 40;
        articles.extend(fifth);
        let keyed: Vec<KeyedArticle> = articles
            .iter()
            .filter_map(ComponentArticle::keyed)
            .collect();
        let mut sketches: Vec<ComponentSketch> =
            articles.iter().map(|a| a.sketch.clone()).collect();
        let pairs = component_pairs(&mut sketches, &CorpusCounts::default());
        let aligned = align_keyed_pairs(&keyed, &pairs).unwrap();
        let members: Vec<(String, String)> = articles
            .iter()
            .map(|a| (a.sketch.id.clone(), a.member.clone()))
            .collect();
        let member_of = |id: &str| members.iter().find(|m| m.0 == id).unwrap().1.clone();
        let all: Vec<String> = aligned.iter().map(|r| r.relation.clone()).collect();
        let every: Vec<String> = members.iter().map(|m| m.1.clone()).collect();
        let (whole_copies, whole_passages) =
            component_lines(&every, &all, &HashSet::new()).unwrap();

        // Join components by the relations that may join.
        let mut forest = Forest::default();
        let at = |id: &str| members.iter().position(|m| m.0 == id).unwrap() as u32;
        for r in aligned.iter().filter(|r| r.may_join) {
            forest.join(at(&r.a), at(&r.b), |x, y| x < y);
        }
        let group: Vec<u32> = (0..members.len() as u32).map(|i| forest.root(i)).collect();
        // Each join component's copies and site records, from summaries.
        let (mut copies, mut records) = (Vec::new(), Vec::new());
        for g in group.iter().collect::<HashSet<_>>() {
            let inside: Vec<String> = (0..members.len())
                .filter(|&i| group[i] == *g)
                .map(|i| members[i].1.clone())
                .collect();
            let inner: Vec<String> = aligned
                .iter()
                .filter(|r| group[at(&r.a) as usize] == *g && group[at(&r.b) as usize] == *g)
                .map(|r| r.summary.clone())
                .collect();
            copies.extend(join_copies(&inside, &inner, &HashSet::new()).unwrap());
            records.extend(join_site_records(&inside, &inner).unwrap());
        }
        assert!(group.iter().collect::<HashSet<_>>().len() >= 3);
        let mut whole_records = component_site_record(&every, &all).unwrap();
        for r in [&mut records, &mut whole_records] {
            r.sort();
        }
        assert_eq!(records, whole_records);
        // Every passage, by pair of families.
        let family: HashMap<String, String> = copies
            .iter()
            .map(|c| {
                let v: serde_json::Value = serde_json::from_str(c).unwrap();
                (
                    v["id"].as_str().unwrap().to_string(),
                    v["family"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut by_families: HashMap<(String, String), Vec<&Aligned>> = HashMap::new();
        for r in &aligned {
            let (fa, fb) = (family[&r.a].clone(), family[&r.b].clone());
            by_families
                .entry((fa.clone().min(fb.clone()), fa.max(fb)))
                .or_default()
                .push(r);
        }
        assert!(
            by_families.keys().any(|(x, y)| x != y),
            "a pair of two families"
        );
        let mut passages = Vec::new();
        for rels in by_families.values() {
            let named: Vec<(String, String)> = rels
                .iter()
                .flat_map(|r| [&r.a, &r.b])
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|id| (family[id].clone(), member_of(id)))
                .collect();
            let relations: Vec<String> = rels.iter().map(|r| r.relation.clone()).collect();
            passages.extend(family_pair_passages(&relations, &named).unwrap());
        }
        for lines in [&mut copies, &mut passages] {
            lines.sort();
        }
        let mut whole = (whole_copies, whole_passages);
        whole.0.sort();
        whole.1.sort();
        assert!(whole.1.iter().any(|p| p.contains("skarre-5")));
        assert_eq!(whole, (copies, passages));
    }

    #[test]
    fn a_component_of_one_needs_no_text() {
        let mut articles = component_of_four();
        articles.truncate(1);
        articles[0].article = None;
        let found = whole_component(articles, &CorpusCounts::default()).unwrap();
        assert_eq!(found.families.len(), 1);
        assert!(found.families[0].1.is_empty());
    }

    #[test]
    fn a_malformed_line_is_rejected_naming_it() {
        let e = prepare_record("feed.jsonl:line 3", b"{not json").unwrap_err();
        assert_eq!(e.input, "feed.jsonl:line 3");
        assert!(e.reason.contains("malformed JSON"), "{}", e.reason);
    }
}

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

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use wiretrace_core::{
    template::{self, TemplateLine, Templates},
    time::{parse_datetime, time_order},
    Article, ArticleId, Rejection,
};
use wiretrace_reuse::{
    directed_passages, group_given_sources, index, is_furniture_ngram, page_kind,
    shares_only_furniture, site_record, Doc, Edge, FamilyAssignment, MemberInfo, PageKind,
    PairRelation, RelationSummary,
};
use wiretrace_store::ArticleSummary;

pub use wiretrace_reuse::index::{MAX_POSTINGS, RARE_DF};

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

/// Whether a pair with this evidence (shared followed n-grams, shared rare
/// ones) and these sketch lengths is aligned (see [`index`]).
pub fn worth_aligning(shared: u32, rare: u32, len_a: usize, len_b: usize) -> bool {
    index::worth_aligning(index::Evidence { shared, rare }, len_a, len_b)
}

/// Aligns pairs of articles (JSON, as [`Applied::article`]), each pair by
/// indices into `articles`; returns for each pair its relation as JSON,
/// seen from the article with the smaller id, or `None` when the two share
/// no passage (as the store keeps only those). Each article's doc is built
/// once per call.
pub fn align_pairs(
    articles: &[String],
    pairs: &[(usize, usize)],
) -> Result<Vec<Option<String>>, String> {
    let mut docs: FxHashMap<usize, Doc> = FxHashMap::default();
    for &(x, y) in pairs {
        for n in [x, y] {
            if let std::collections::hash_map::Entry::Vacant(v) = docs.entry(n) {
                let s = articles.get(n).ok_or("a pair names no article")?;
                let a: Article = serde_json::from_str(s).map_err(|e| e.to_string())?;
                v.insert(Doc::from_article(&a));
            }
        }
    }
    Ok(pairs
        .iter()
        .map(|&(x, y)| {
            let (a, b) = (&docs[&x], &docs[&y]);
            let (a, b) = if a.id <= b.id { (a, b) } else { (b, a) };
            let r = wiretrace_reuse::align(a, b);
            (!r.passages.is_empty())
                .then(|| serde_json::to_string(&r).expect("relations serialise"))
        })
        .collect())
}

/// Whether a sketch n-gram held by `holders` pages is furniture, when they
/// are all on one site of `site_pages` pages (`None`: several sites, or a
/// page of no known site). (The bindings reach the stages through this
/// crate alone.)
pub fn is_furniture(holders: usize, site_pages: Option<usize>) -> bool {
    is_furniture_ngram(holders, site_pages)
}

/// Whether two pages of one site (sorted sketches) share only furniture,
/// `furniture` being the n-grams of either that are.
pub fn only_furniture(a: &[i64], b: &[i64], furniture: &[i64]) -> bool {
    let furniture: FxHashSet<u64> = unsigned(furniture).into_iter().collect();
    shares_only_furniture(&unsigned(a), &unsigned(b), |h| furniture.contains(&h))
}

/// A component's members, relations and family edges.
type Component = (Vec<Member>, Vec<PairRelation>, Vec<Edge>);

/// The members of a component (JSON [`Member`]s) in the store's order
/// (publication time, undated last, then id), and its relations (JSON
/// [`PairRelation`]s, smaller id first) sorted by pair, as `regroup`
/// takes them; with the edges families are made of (containers join none).
fn component(members: &[String], relations: &[String]) -> Result<Component, String> {
    let mut members: Vec<Member> = members
        .iter()
        .map(|m| serde_json::from_str(m).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    members.sort_by(|x, y| {
        (time_order(x.info.published), &x.info.id).cmp(&(time_order(y.info.published), &y.info.id))
    });
    let mut relations: Vec<PairRelation> = relations
        .iter()
        .map(|r| serde_json::from_str(r).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    relations.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
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
    let edges = relations
        .iter()
        .filter(|r| !containers.contains(&r.a) && !containers.contains(&r.b))
        .filter_map(|r| {
            let (a, b) = (*position.get(&r.a)?, *position.get(&r.b)?);
            Some(Edge::new(a, b, RelationSummary::of(r)))
        })
        .collect();
    Ok((members, relations, edges))
}

/// Phase 1 of grouping a component: each site's record (site, times the
/// original, times a copy), to be summed over all components.
pub fn component_site_record(
    members: &[String],
    relations: &[String],
) -> Result<Vec<(String, u32, u32)>, String> {
    let (members, _, edges) = component(members, relations)?;
    let infos: Vec<MemberInfo> = members.iter().map(|m| m.info.clone()).collect();
    Ok(site_record(&infos, &edges)
        .into_iter()
        .map(|(s, (o, c))| (s, o, c))
        .collect())
}

/// Phase 2: a component's `copies` and `passages` rows, given the source
/// sites of the whole corpus (see [`wiretrace_reuse::source_sites`]).
pub fn component_rows(
    members: &[String],
    relations: &[String],
    source_sites: &HashSet<String>,
) -> Result<(Vec<CopyRow>, Vec<PassageRow>), String> {
    let (members, relations, edges) = component(members, relations)?;
    let infos: Vec<MemberInfo> = members.iter().map(|m| m.info.clone()).collect();
    let grouping = group_given_sources(&infos, &edges, source_sites);
    let kinds: HashMap<ArticleId, PageKind> = members
        .iter()
        .filter_map(|m| Some((m.info.id.clone(), m.kind?)))
        .collect();
    let when = members
        .iter()
        .map(|m| (m.info.id.clone(), time_order(m.info.published)))
        .collect();
    let mut families: Vec<FamilyAssignment> = grouping.assignments;
    families.sort_by(|x, y| x.id.cmp(&y.id));
    let passages = directed_passages(&relations, &families, &when)
        .into_iter()
        .map(passage_row)
        .collect();
    Ok((copy_rows(families, &grouping.notes, &kinds), passages))
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
    fn hashes_cross_as_signed_and_back_unchanged() {
        let h = [0u64, 1, u64::MAX, 1 << 63];
        assert_eq!(unsigned(&signed(&h)), h);
    }

    #[test]
    fn a_malformed_line_is_rejected_naming_it() {
        let e = prepare_record("feed.jsonl:line 3", b"{not json").unwrap_err();
        assert_eq!(e.input, "feed.jsonl:line 3");
        assert!(e.reason.contains("malformed JSON"), "{}", e.reason);
    }
}

//! What the API returns and the pages show, built from the store once for
//! both.

use crate::{ApiError, MAX_OFFSET, MAX_PAGE};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::collections::HashMap;
use wiretrace_core::{
    text::same_headline, time::time_order, time::ArrivalKey, Article, ArticleId, CharMap, Span,
};
use wiretrace_reuse::diff::{word_diff, Change};
use wiretrace_store::{
    ArticleAttribution, CarrierRow, EntityQuery, EntityRow, FamilyBrief, OutletCount, QuotationRow,
    QuoteQuery, SpeakerRow, SqliteStore, Store, StoryMember, StoryQuery, StorySummary,
};
use wiretrace_stories::DatedEvent;

/// At most this many relations of one article are shown.
const MAX_RELATIONS: usize = 200;

#[derive(Debug, Serialize)]
pub struct StoryList {
    pub total: u64,
    pub limit: usize,
    pub offset: usize,
    pub stories: Vec<StorySummary>,
}

/// Articles of a story on one page, by default.
const STORY_PAGE: usize = 50;
/// Outlets listed on a story.
const STORY_OUTLETS: usize = 100;

#[derive(Debug, Serialize)]
pub struct StoryView {
    pub story: StorySummary,
    pub limit: usize,
    pub offset: usize,
    /// This page of the story's articles, in time order (undated last).
    pub articles: Vec<StoryMember>,
    /// Dated events told by this page's articles.
    pub timeline: Vec<DatedEvent>,
    /// The outlets with most articles in the story, at most 100; `site`
    /// null counts the articles whose site is unknown.
    pub outlets: Vec<Coverage>,
    /// The copy families (more than one member) of this page's articles.
    pub families: Vec<FamilyBrief>,
    /// The versions, among this page's families, of texts re-filed
    /// through the day: each with its chain and the version it updates.
    pub versions: Vec<wiretrace_reuse::FamilyNote>,
}

/// How many of a story's articles one outlet published.
#[derive(Debug, Serialize)]
pub struct Coverage {
    /// `None`: articles whose site is unknown.
    pub site: Option<String>,
    pub articles: u64,
}

impl From<OutletCount> for Coverage {
    fn from(o: OutletCount) -> Self {
        Coverage {
            // The store groups articles without a site under "".
            site: Some(o.site).filter(|s| !s.is_empty()),
            articles: o.articles,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SharedPassage {
    pub other: ArticleId,
    pub other_title: Option<String>,
    /// Code points in this article's text.
    pub start: usize,
    pub end: usize,
    /// Code points in the other article's text.
    pub other_start: usize,
    pub other_end: usize,
    /// `from`: this text came from `other` (its source); `to`: `other`
    /// took it from this article.
    pub direction: &'static str,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct ArticleView {
    #[serde(flatten)]
    pub article: Article,
    pub clean_text: String,
    pub family: Option<ArticleId>,
    pub source: Option<ArticleId>,
    /// The first version of the text, when the family is one of two
    /// versions or more; the version this family's text updates.
    pub chain: Option<ArticleId>,
    pub version_of: Option<ArticleId>,
    /// The kind of container page it is (`gallery`, `video`, `paywall`,
    /// `aggregator`), which joins no copy family; `None` for an article.
    pub kind: Option<&'static str>,
    /// Why the family's original is the source (as `article ID --why`).
    pub why: Vec<String>,
    pub story: Option<String>,
    /// The story's headline.
    pub story_headline: Option<String>,
    pub reason: Option<String>,
    pub passages: Vec<SharedPassage>,
    /// Who said what in it: each attribution with the quotation it
    /// belongs to across articles.
    pub attributions: Vec<ArticleAttribution>,
}

#[derive(Debug, Serialize)]
pub struct Brief {
    pub id: ArticleId,
    pub title: Option<String>,
    pub site: Option<String>,
    pub url: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize)]
pub struct DiffRun {
    /// `same`, `removed` (only in a) or `added` (only in b).
    pub op: &'static str,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct ComparedPassage {
    pub a_start: usize,
    pub a_end: usize,
    pub b_start: usize,
    pub b_end: usize,
    pub a_text: String,
    pub b_text: String,
    pub diff: Vec<DiffRun>,
}

#[derive(Debug, Serialize)]
pub struct CompareView {
    pub a: Brief,
    pub b: Brief,
    pub a_coverage: f64,
    pub b_coverage: f64,
    pub is_copy: bool,
    /// Which side the shared text came from, `a` or `b` (as the article
    /// pages tell it: a copy's family original, else the earlier article);
    /// `None` when they share nothing.
    pub source: Option<&'static str>,
    pub passages: Vec<ComparedPassage>,
}

/// Query parameters, parsed with clear messages.
pub fn parse_time(
    name: &str,
    v: Option<&String>,
) -> Result<Option<DateTime<FixedOffset>>, ApiError> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => wiretrace_core::time::parse_datetime(s)
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{name}: not a date or time: {s:?} (use 2025-09-03 or RFC 3339)"
                ))
            }),
    }
}

pub fn parse_count(
    name: &str,
    v: Option<&String>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match v {
        None => Ok(default),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "{name}: expected a whole number from 0 to {max}, got {s:?}"
            ))),
        },
    }
}

pub fn story_list(
    store: &SqliteStore,
    params: &HashMap<String, String>,
) -> Result<StoryList, ApiError> {
    let q = StoryQuery {
        from: parse_time("from", params.get("from"))?,
        to: parse_time("to", params.get("to"))?,
        outlet: params
            .get("outlet")
            .filter(|s| !s.trim().is_empty())
            .cloned(),
        text: params.get("q").filter(|s| !s.trim().is_empty()).cloned(),
        limit: parse_count("limit", params.get("limit"), 50, MAX_PAGE)?,
        offset: parse_count("offset", params.get("offset"), 0, MAX_OFFSET)?,
    };
    let (stories, total) = store.stories_page(&q)?;
    Ok(StoryList {
        total,
        limit: q.limit,
        offset: q.offset,
        stories,
    })
}

pub fn story_view(
    store: &SqliteStore,
    id: &str,
    params: &HashMap<String, String>,
) -> Result<StoryView, ApiError> {
    let story = store
        .story_summary(id)?
        .ok_or_else(|| ApiError::not_found(format!("no story {id:?}")))?;
    let limit = parse_count("limit", params.get("limit"), STORY_PAGE, MAX_PAGE)?;
    let offset = parse_count("offset", params.get("offset"), 0, MAX_OFFSET)?;
    let articles = store.story_members_page(id, limit, offset)?;
    let tellers = wiretrace_stories::tellers(
        &articles
            .iter()
            .map(|m| (&m.id, m.family.as_ref()))
            .collect::<Vec<_>>(),
    );
    let ids: Vec<ArticleId> = articles
        .iter()
        .filter(|m| tellers.contains(&m.id))
        .map(|m| m.id.clone())
        .collect();
    // With captions: a caption may be what dates an undated article, as
    // the CLI's timeline reads it.
    let texts = store.article_timeline_texts_by_id(&ids)?;
    let timeline = wiretrace_stories::timeline(&texts.iter().collect::<Vec<_>>());
    let outlets = store
        .story_outlets(id, STORY_OUTLETS)?
        .into_iter()
        .map(Coverage::from)
        .collect();
    let mut family_ids: Vec<&ArticleId> =
        articles.iter().filter_map(|m| m.family.as_ref()).collect();
    family_ids.sort();
    family_ids.dedup();
    let mut families = Vec::new();
    let mut versions = Vec::new();
    for f in family_ids {
        versions.extend(store.family_note(f)?.filter(|n| n.chain.is_some()));
        if let Some(brief) = store.family_brief(f)? {
            if brief.members > 1 {
                families.push(brief);
            }
        }
    }
    families.sort_by(|x, y| y.members.cmp(&x.members).then(x.family.cmp(&y.family)));
    Ok(StoryView {
        story,
        limit,
        offset,
        articles,
        timeline,
        outlets,
        families,
        versions,
    })
}

pub fn article_view(store: &SqliteStore, id: &str) -> Result<ArticleView, ApiError> {
    let aid = ArticleId(id.to_string());
    let article = store
        .article(&aid)?
        .ok_or_else(|| ApiError::not_found(format!("no article {id:?}")))?;
    let fam = store.family_of(&aid)?;
    let note = match &fam {
        Some(f) => store.family_note(&f.family)?,
        None => None,
    };
    let assignment = store.assignment(&aid)?;
    // Direction: the source of a copy is its family's original; otherwise
    // the earlier article (undated last, then by id), as the export does.
    let mut relations = store.relations_of(&aid)?;
    relations.truncate(MAX_RELATIONS);
    let mut involved: Vec<ArticleId> = vec![aid.clone()];
    for r in &relations {
        involved.push(if r.a == aid { r.b.clone() } else { r.a.clone() });
    }
    let mut families = Vec::new();
    for x in &involved {
        if let Some(f) = store.family_of(x)? {
            families.push(f);
        }
    }
    // One read for all of them, without their raw inputs.
    let others = store.article_texts_by_id(&involved)?;
    let when: HashMap<ArticleId, _> = others
        .iter()
        .map(|o| (o.id.clone(), time_order(o.published)))
        .collect();
    let titles: HashMap<&ArticleId, Option<String>> =
        others.iter().map(|o| (&o.id, o.title.clone())).collect();
    let map = CharMap::new(&article.text);
    let mut passages: Vec<SharedPassage> =
        wiretrace_reuse::directed_passages(&relations, &families, &when)
            .into_iter()
            .filter_map(|p| {
                let (mine, theirs, other, direction) = if p.dst == aid {
                    (p.dst_span, p.src_span, p.src, "from")
                } else if p.src == aid {
                    (p.src_span, p.dst_span, p.dst, "to")
                } else {
                    return None;
                };
                Some(SharedPassage {
                    other_title: titles.get(&other).cloned().flatten(),
                    other,
                    start: mine.start,
                    end: mine.end,
                    other_start: theirs.start,
                    other_end: theirs.end,
                    direction,
                    text: map.slice(&article.text, mine).to_string(),
                })
            })
            .collect();
    passages.sort_by(|x, y| (x.start, x.end, &x.other).cmp(&(y.start, y.end, &y.other)));
    let story_headline = match &assignment {
        Some(x) => store.story_summary(&x.story)?.and_then(|s| s.headline),
        None => None,
    };
    let attributions = store.attributions_of(&article)?;
    Ok(ArticleView {
        attributions,
        clean_text: article.clean_text(),
        article,
        family: fam.as_ref().map(|f| f.family.clone()),
        source: fam.and_then(|f| f.source),
        chain: note.as_ref().and_then(|n| n.chain.clone()),
        version_of: note.as_ref().and_then(|n| n.version_of.clone()),
        kind: store.page_kind(&aid)?.map(|k| k.as_str()),
        why: note.map(|n| n.why).unwrap_or_default(),
        story: assignment.as_ref().map(|x| x.story.clone()),
        story_headline,
        reason: assignment.map(|x| x.reason),
        passages,
    })
}

fn brief(a: &Article) -> Brief {
    Brief {
        id: a.id.clone(),
        title: a.title.clone(),
        site: a.site.clone(),
        url: a.url.clone(),
        published: a.published,
    }
}

pub fn compare_view(
    store: &SqliteStore,
    params: &HashMap<String, String>,
) -> Result<CompareView, ApiError> {
    let get = |k: &str| {
        params
            .get(k)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(format!("missing parameter {k:?}: compare needs ?a=ID&b=ID"))
            })
    };
    let (a, b) = (get("a")?, get("b")?);
    let load = |id: &str| -> Result<Article, ApiError> {
        store
            .article(&ArticleId(id.to_string()))?
            .ok_or_else(|| ApiError::not_found(format!("no article {id:?}")))
    };
    let (x, y) = (load(a)?, load(b)?);
    // Computed afresh: the pair may never have been a candidate.
    let r = wiretrace_reuse::align(
        &wiretrace_reuse::Doc::from_article(&x),
        &wiretrace_reuse::Doc::from_article(&y),
    );
    let (mx, my) = (CharMap::new(&x.text), CharMap::new(&y.text));
    let passages: Vec<ComparedPassage> = r
        .passages
        .iter()
        .map(|p| {
            let (ta, tb) = (
                mx.slice(&x.text, p.a).to_string(),
                my.slice(&y.text, p.b).to_string(),
            );
            let diff = word_diff(&ta, &tb)
                .into_iter()
                .map(|c| match c {
                    Change::Same(t) => DiffRun {
                        op: "same",
                        text: t,
                    },
                    Change::Removed(t) => DiffRun {
                        op: "removed",
                        text: t,
                    },
                    Change::Added(t) => DiffRun {
                        op: "added",
                        text: t,
                    },
                })
                .collect();
            ComparedPassage {
                a_start: p.a.start,
                a_end: p.a.end,
                b_start: p.b.start,
                b_end: p.b.end,
                a_text: ta,
                b_text: tb,
                diff,
            }
        })
        .collect();
    let source = if passages.is_empty() {
        None
    } else {
        Some(source_side(store, &x, &y)?)
    };
    Ok(CompareView {
        source,
        a: brief(&x),
        b: brief(&y),
        a_coverage: r.a_coverage,
        b_coverage: r.b_coverage,
        is_copy: r.is_copy_with(same_headline(x.title.as_deref(), y.title.as_deref())),
        passages,
    })
}

/// Which of two articles sharing text is its source, `a` or `b`: the
/// family original when one is the other's, else the earlier (undated last,
/// then by id), as the article pages and the export tell direction.
fn source_side(store: &SqliteStore, x: &Article, y: &Article) -> Result<&'static str, ApiError> {
    let (fx, fy) = (store.family_of(&x.id)?, store.family_of(&y.id)?);
    let original_of = |f: &Option<wiretrace_reuse::FamilyAssignment>, other: &ArticleId| {
        f.as_ref().is_some_and(|f| {
            f.source.as_ref() == Some(other) || (f.family == *other && f.id != *other)
        })
    };
    if original_of(&fx, &y.id) {
        return Ok("b");
    }
    if original_of(&fy, &x.id) {
        return Ok("a");
    }
    let key = |a: &Article| ArrivalKey::of(a.published, &a.id);
    Ok(if key(y) < key(x) { "b" } else { "a" })
}

/// Spans of `text` covered by `passages`, merged, for highlighting.
pub fn covered(passages: &[SharedPassage]) -> Vec<Span> {
    let mut v: Vec<Span> = passages.iter().map(|p| Span::new(p.start, p.end)).collect();
    v.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Span> = Vec::new();
    for s in v {
        match out.last_mut() {
            Some(l) if s.start <= l.end => l.end = l.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// A page of quotations.
#[derive(Debug, Serialize)]
pub struct QuoteList {
    pub total: u64,
    pub limit: usize,
    pub offset: usize,
    pub quotes: Vec<QuotationRow>,
}

/// Quotations on a page, by default.
const QUOTE_PAGE: usize = 50;

/// A parameter's words, `None` when empty.
fn words(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params
        .get(name)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub fn quote_list(
    store: &SqliteStore,
    params: &HashMap<String, String>,
) -> Result<QuoteList, ApiError> {
    let q = QuoteQuery {
        story: words(params, "story"),
        speaker: words(params, "speaker"),
        speaker_id: None,
        entity: words(params, "entity"),
        limit: parse_count("limit", params.get("limit"), QUOTE_PAGE, MAX_PAGE)?,
        offset: parse_count("offset", params.get("offset"), 0, MAX_OFFSET)?,
    };
    let (quotes, total) = store.quotations(&q)?;
    Ok(QuoteList {
        total,
        limit: q.limit,
        offset: q.offset,
        quotes,
    })
}

/// One quotation with the articles carrying it.
#[derive(Debug, Serialize)]
pub struct QuoteView {
    #[serde(flatten)]
    pub quotation: QuotationRow,
    /// The articles carrying it (at most 200), the first reporter's first.
    pub carried_by: Vec<CarrierRow>,
}

pub fn quote_view(store: &SqliteStore, id: &str) -> Result<QuoteView, ApiError> {
    let quotation = store
        .quotation(id)?
        .ok_or_else(|| ApiError::not_found(format!("no quotation {id:?}")))?;
    let carried_by = store.quote_carriers(id, MAX_PAGE)?;
    Ok(QuoteView {
        quotation,
        carried_by,
    })
}

/// A page of entities.
#[derive(Debug, Serialize)]
pub struct EntityList {
    pub total: u64,
    pub limit: usize,
    pub offset: usize,
    pub entities: Vec<EntityRow>,
}

pub const ENTITY_KINDS: [&str; 4] = ["person", "organisation", "place", "other"];

pub fn entity_list(
    store: &SqliteStore,
    params: &HashMap<String, String>,
) -> Result<EntityList, ApiError> {
    let kind = words(params, "kind");
    if let Some(k) = &kind {
        if !ENTITY_KINDS.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "kind: expected one of {}, got {k:?}",
                ENTITY_KINDS.join(", ")
            )));
        }
    }
    let q = EntityQuery {
        name: words(params, "q"),
        kind,
        story: words(params, "story"),
        limit: parse_count("limit", params.get("limit"), QUOTE_PAGE, MAX_PAGE)?,
        offset: parse_count("offset", params.get("offset"), 0, MAX_OFFSET)?,
    };
    let (entities, total) = store.entities_page(&q)?;
    Ok(EntityList {
        total,
        limit: q.limit,
        offset: q.offset,
        entities,
    })
}

/// An entity: who it is, a page of what it said in time order, and the
/// articles naming it.
#[derive(Debug, Serialize)]
pub struct EntityView {
    pub entity: EntityRow,
    /// Its quotations in the order of their first report, this page of
    /// them.
    pub quotes: QuoteList,
    /// Articles naming it (at most 200), by id, with their mentions.
    pub articles: Vec<NamedIn>,
}

#[derive(Debug, Serialize)]
pub struct NamedIn {
    pub article: ArticleId,
    pub mentions: u64,
}

pub fn entity_view(
    store: &SqliteStore,
    id: &str,
    params: &HashMap<String, String>,
) -> Result<EntityView, ApiError> {
    let entity = store
        .entity(id)?
        .ok_or_else(|| ApiError::not_found(format!("no entity {id:?}")))?;
    let q = QuoteQuery {
        speaker_id: Some(entity.id.clone()),
        limit: parse_count("limit", params.get("limit"), QUOTE_PAGE, MAX_PAGE)?,
        offset: parse_count("offset", params.get("offset"), 0, MAX_OFFSET)?,
        ..Default::default()
    };
    let (quotes, total) = store.quotations(&q)?;
    let articles = store
        .entity_articles(id, MAX_PAGE)?
        .into_iter()
        .map(|(article, mentions)| NamedIn { article, mentions })
        .collect();
    Ok(EntityView {
        entity,
        quotes: QuoteList {
            total,
            limit: q.limit,
            offset: q.offset,
            quotes,
        },
        articles,
    })
}

/// A story's "who said what": its quotations grouped by speaker.
#[derive(Debug, Serialize)]
pub struct StoryQuotes {
    pub story: String,
    /// How many quotations its articles carry (at most 500 are grouped).
    pub total: u64,
    /// Speakers, most quotations first; each one's quotations in the order
    /// of their first report.
    pub speakers: Vec<SpeakerQuotes>,
}

#[derive(Debug, Serialize)]
pub struct SpeakerQuotes {
    pub speaker: SpeakerRow,
    pub quotes: Vec<QuotationRow>,
}

/// Quotations of one story grouped on its page.
const STORY_QUOTES: usize = 500;

pub fn story_quotes(store: &SqliteStore, id: &str) -> Result<StoryQuotes, ApiError> {
    if store.story_summary(id)?.is_none() {
        return Err(ApiError::not_found(format!("no story {id:?}")));
    }
    let (quotes, total) = store.quotations(&QuoteQuery {
        story: Some(id.to_string()),
        limit: STORY_QUOTES,
        ..Default::default()
    })?;
    // One group per speaker: an entity, else the label (an unnamed
    // source's description; the unknown together).
    let mut speakers: Vec<SpeakerQuotes> = Vec::new();
    let mut place: HashMap<String, usize> = HashMap::new();
    for q in quotes {
        let key = q
            .speaker
            .entity
            .clone()
            .unwrap_or_else(|| q.speaker.label());
        let at = *place.entry(key).or_insert_with(|| {
            speakers.push(SpeakerQuotes {
                speaker: q.speaker.clone(),
                quotes: Vec::new(),
            });
            speakers.len() - 1
        });
        speakers[at].quotes.push(q);
    }
    // Named speakers first, then by how much they said; ties keep the
    // order of their first quotation.
    speakers.sort_by_key(|s| (s.speaker.kind != "named", std::cmp::Reverse(s.quotes.len())));
    Ok(StoryQuotes {
        story: id.to_string(),
        total,
        speakers,
    })
}

//! Who said what in the SQLite store: each article's findings of the quotes
//! stage, and the quotations and entities across articles derived from
//! them (see `wiretrace_quotes::across`), replaced whole when derived again.

use crate::{Result, SqliteStore};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use wiretrace_core::Article;
use wiretrace_core::ArticleId;
use wiretrace_quotes::across::{ArticleQuotes, Quotation, Said, StoryEntity};
use wiretrace_quotes::Speaker;

/// A quotation as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotationRow {
    pub id: String,
    /// The first reporter's wording.
    pub text: String,
    pub speaker: SpeakerRow,
    /// The first reporter's cue ("said") and source phrase ("he").
    pub cue: Option<String>,
    pub source: Option<String>,
    pub direct: bool,
    /// The first reporter (the article it is credited to).
    pub first_article: ArticleId,
    pub first_site: Option<String>,
    pub first_published: Option<String>,
    /// How many articles carry it.
    pub carriers: u64,
    /// How many of them changed its wording.
    pub changed: u64,
    /// One article per copy family carrying it, earliest first.
    pub reporters: Vec<ArticleId>,
    /// Entity ids its wording names.
    pub names: Vec<String>,
}

/// Who said a quotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerRow {
    /// `named`, `unnamed` or `unknown`.
    pub kind: String,
    /// The full name, or the unnamed source's description.
    pub name: Option<String>,
    pub title: Option<String>,
    /// The entity id of a named speaker.
    pub entity: Option<String>,
}

impl SpeakerRow {
    pub fn of(s: &Speaker, entity: Option<String>) -> SpeakerRow {
        let (kind, name, title) = match s {
            Speaker::Named { name, title, .. } => ("named", Some(name.clone()), title.clone()),
            Speaker::Unnamed { description } => ("unnamed", Some(description.clone()), None),
            Speaker::Unknown => ("unknown", None, None),
        };
        SpeakerRow {
            kind: kind.into(),
            name,
            title,
            entity,
        }
    }

    /// "Name (Title)", "unnamed: a senior official", "unknown".
    pub fn label(&self) -> String {
        match (self.kind.as_str(), &self.name, &self.title) {
            ("named", Some(n), Some(t)) => format!("{n} ({t})"),
            ("named", Some(n), None) => n.clone(),
            ("unnamed", Some(d), _) => format!("unnamed: {d}"),
            _ => "unknown".into(),
        }
    }
}

/// One article carrying a quotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierRow {
    pub article: ArticleId,
    pub site: Option<String>,
    pub published: Option<String>,
    /// The reporter it is credited to (its copy family's source).
    pub reporter: ArticleId,
    /// `same`, `punctuation`, `trimmed` or `words`.
    pub change: String,
    /// Its wording.
    pub text: String,
}

/// An entity across articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRow {
    pub id: String,
    pub name: String,
    /// `person`, `organisation`, `place` or `other`.
    pub kind: String,
    pub titles: Vec<String>,
    pub aliases: Vec<String>,
    /// How many articles name it, and how often in all.
    pub articles: u64,
    pub mentions: u64,
    /// How many quotations it is the speaker of.
    pub quotes: u64,
}

/// What a carrier's attribution says, as its article words it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CarrierText {
    pub text: String,
    pub cue: Option<String>,
    pub source: Option<String>,
}

/// The quotation an attribution of an article belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteLink {
    pub id: String,
    /// How many articles carry it.
    pub carriers: u64,
    /// The article it is credited to.
    pub first_article: ArticleId,
    /// The speaker's entity, when named.
    pub speaker_entity: Option<String>,
}

/// One attribution of an article, with its quotation when derived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleAttribution {
    #[serde(flatten)]
    pub said: Said,
    pub quotation: Option<QuoteLink>,
}

/// Which quotations to list, in the order of their first report.
#[derive(Debug, Clone, Default)]
pub struct QuoteQuery {
    /// Carried by an article of this story.
    pub story: Option<String>,
    /// Said by an entity whose name or an alias holds these words (any
    /// case), or by an unnamed source so described.
    pub speaker: Option<String>,
    /// Said by this entity (an id).
    pub speaker_id: Option<String>,
    /// Naming an entity whose name or an alias holds these words.
    pub entity: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// Which entities to list, most named first.
#[derive(Debug, Clone, Default)]
pub struct EntityQuery {
    /// Whose name or an alias holds these words (any case).
    pub name: Option<String>,
    pub kind: Option<String>,
    /// Named by an article of this story.
    pub story: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

const QUOTATION_COLUMNS: &str = "q.id, q.text, q.speaker, q.speaker_entity, q.cue, q.source, q.direct, q.first_article, a.site, a.published, q.carriers, q.changed, q.reporters, q.names";

use crate::sqlite::json;

fn quotation_from_row(r: &Row) -> rusqlite::Result<QuotationRow> {
    Ok(QuotationRow {
        id: r.get(0)?,
        text: r.get(1)?,
        speaker: SpeakerRow::of(&json::<Speaker>(r.get(2)?)?, r.get(3)?),
        cue: r.get(4)?,
        source: r.get(5)?,
        direct: r.get(6)?,
        first_article: ArticleId(r.get(7)?),
        first_site: r.get(8)?,
        first_published: r.get(9)?,
        carriers: r.get::<_, i64>(10)? as u64,
        changed: r.get::<_, i64>(11)? as u64,
        reporters: json(r.get(12)?)?,
        names: json(r.get(13)?)?,
    })
}

const ENTITY_COLUMNS: &str =
    "e.id, e.name, e.kind, e.titles, e.aliases, e.articles, e.mentions, e.quotes";

fn entity_from_row(r: &Row) -> rusqlite::Result<EntityRow> {
    Ok(EntityRow {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        titles: json(r.get(3)?)?,
        aliases: json(r.get(4)?)?,
        articles: r.get::<_, i64>(5)? as u64,
        mentions: r.get::<_, i64>(6)? as u64,
        quotes: r.get::<_, i64>(7)? as u64,
    })
}

/// `LIKE` pattern of words anywhere, `\` escaping.
fn like(words: &str) -> String {
    let mut p = String::from("%");
    for c in words.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The condition that an entity `e`'s name or an alias matches `?n`.
fn named_like(n: usize) -> String {
    format!("(lower(e.name) LIKE ?{n} ESCAPE '\\' OR lower(e.aliases) LIKE ?{n} ESCAPE '\\')")
}

impl SqliteStore {
    /// Articles whose findings of the quotes stage are missing or were
    /// found in another text or body than the one stored now, by id.
    pub fn quotes_pending(&self) -> Result<Vec<ArticleId>> {
        let mut st = self.conn.prepare(
            "SELECT a.id FROM articles a LEFT JOIN article_quotes q ON q.article_id = a.id
             WHERE q.article_id IS NULL OR q.content_hash <> a.content_hash OR q.body <> a.body
             ORDER BY a.id",
        )?;
        let rows = st.query_map([], |r| Ok(ArticleId(r.get(0)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the quotes stage's findings of these articles, as found in
    /// their text and body stored now. Atomic.
    pub fn put_article_quotes(&mut self, found: &[(ArticleId, ArticleQuotes)]) -> Result<()> {
        let tx = self.write_transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT OR REPLACE INTO article_quotes (article_id, content_hash, body, quotes)
                 SELECT id, content_hash, body, ?2 FROM articles WHERE id = ?1",
            )?;
            for (id, q) in found {
                st.execute(params![id.as_str(), serde_json::to_string(q)?])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every stored article's findings, by id (those of articles no longer
    /// stored left out).
    pub fn all_article_quotes(&self) -> Result<Vec<(ArticleId, ArticleQuotes)>> {
        let mut st = self.conn.prepare(
            "SELECT q.article_id, q.quotes FROM article_quotes q JOIN articles a ON a.id = q.article_id ORDER BY q.article_id",
        )?;
        let rows = st.query_map([], |r| Ok((ArticleId(r.get(0)?), json(r.get(1)?)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One article's stored findings.
    pub fn article_quotes(&self, id: &ArticleId) -> Result<Option<ArticleQuotes>> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT quotes FROM article_quotes WHERE article_id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match s {
            Some(s) => Some(serde_json::from_str(&s)?),
            None => None,
        })
    }

    /// Forgets every article's findings, to be found again (by a quotes
    /// stage that finds otherwise).
    pub fn forget_article_quotes(&mut self) -> Result<()> {
        let tx = self.write_transaction()?;
        tx.execute_batch(
            "DELETE FROM article_quotes; DELETE FROM checkpoints WHERE name IN ('quotes_grouped', 'quotes_generation');",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A value kept under `name` in the store's checkpoints, as text.
    pub fn quotes_note(&self, name: &str) -> Result<Option<String>> {
        let v: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM checkpoints WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Keeps `value` under `name` in the store's checkpoints.
    pub fn put_quotes_note(&mut self, name: &str, value: &str) -> Result<()> {
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO checkpoints (name, value) VALUES (?1, ?2)",
            params![name, value.as_bytes()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// What the quotations and entities were last derived from (see
    /// [`Self::put_quotes`]).
    pub fn quotes_stamp(&self) -> Result<Option<String>> {
        self.quotes_note("quotes_grouped")
    }

    /// Replaces the quotations and entities across articles: `quotes` with
    /// the text of each carrier (`texts[i]` of `carriers[i]`), the entity
    /// indexes they hold pointing into `entities`; `stamp` names what they
    /// were derived from. Atomic.
    pub fn put_quotes(
        &mut self,
        entities: &[StoryEntity],
        quotes: &[(Quotation, Vec<CarrierText>)],
        stamp: &str,
    ) -> Result<()> {
        let tx = self.write_transaction()?;
        tx.execute_batch(
            "DELETE FROM quotations; DELETE FROM quote_carriers; DELETE FROM entities;
             DELETE FROM entity_articles; DELETE FROM quote_names;",
        )?;
        let mut said = vec![0u64; entities.len()];
        for (q, _) in quotes {
            if let Some(e) = q.speaker_entity {
                said[e] += 1;
            }
        }
        {
            let mut ent = tx.prepare(
                "INSERT INTO entities (id, name, kind, titles, aliases, articles, mentions, quotes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut link = tx.prepare(
                "INSERT INTO entity_articles (entity, article_id, mentions) VALUES (?1, ?2, ?3)",
            )?;
            for (e, n) in entities.iter().zip(&said) {
                let mentions: usize = e.articles.iter().map(|(_, m)| m).sum();
                ent.execute(params![
                    e.id,
                    e.name,
                    e.kind.as_str(),
                    serde_json::to_string(&e.titles)?,
                    serde_json::to_string(&e.aliases)?,
                    e.articles.len() as i64,
                    mentions as i64,
                    *n as i64,
                ])?;
                for (a, m) in &e.articles {
                    link.execute(params![e.id, a.as_str(), *m as i64])?;
                }
            }
            let mut quo = tx.prepare(
                "INSERT INTO quotations (id, ord, text, speaker, speaker_name, speaker_entity, cue, source, direct, first_article, first_ts, carriers, changed, reporters, names)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT published_ts FROM articles WHERE id = ?10), ?11, ?12, ?13, ?14)",
            )?;
            let mut car = tx.prepare(
                "INSERT OR IGNORE INTO quote_carriers (quotation, article_id, place, attribution, reporter, change, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut name = tx
                .prepare("INSERT OR IGNORE INTO quote_names (entity, quotation) VALUES (?1, ?2)")?;
            for (ord, (q, texts)) in quotes.iter().enumerate() {
                let speaker_name = match &q.speaker {
                    Speaker::Named { name, .. } => Some(name.as_str()),
                    Speaker::Unnamed { description } => Some(description.as_str()),
                    Speaker::Unknown => None,
                };
                let names: Vec<&str> = q.names.iter().map(|&e| entities[e].id.as_str()).collect();
                let changed = q
                    .carriers
                    .iter()
                    .filter(|c| c.change != wiretrace_quotes::across::Change::Same)
                    .count();
                quo.execute(params![
                    q.id,
                    ord as i64,
                    q.text,
                    serde_json::to_string(&q.speaker)?,
                    speaker_name,
                    q.speaker_entity.map(|e| entities[e].id.as_str()),
                    texts.first().and_then(|t| t.cue.as_deref()),
                    texts.first().and_then(|t| t.source.as_deref()),
                    q.direct,
                    q.first.as_str(),
                    q.carriers.len() as i64,
                    changed as i64,
                    serde_json::to_string(&q.reporters)?,
                    serde_json::to_string(&names)?,
                ])?;
                for (place, (c, text)) in q.carriers.iter().zip(texts).enumerate() {
                    car.execute(params![
                        q.id,
                        c.article.as_str(),
                        place as i64,
                        c.attribution as i64,
                        c.reporter.as_str(),
                        c.change.as_str(),
                        text.text
                    ])?;
                }
                for n in names {
                    name.execute(params![n, q.id])?;
                }
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO checkpoints (name, value) VALUES ('quotes_grouped', ?1)",
            [stamp.as_bytes()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A page of quotations in the order of their first report, and how
    /// many match in all.
    pub fn quotations(&self, q: &QuoteQuery) -> Result<(Vec<QuotationRow>, u64)> {
        let mut cond = vec!["1 = 1".to_string()];
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(story) = &q.story {
            args.push(story.clone().into());
            cond.push(format!(
                "q.id IN (SELECT c.quotation FROM quote_carriers c JOIN story_members m ON m.article_id = c.article_id WHERE m.story = ?{})",
                args.len()
            ));
        }
        if let Some(words) = q.speaker.as_deref().filter(|w| !w.trim().is_empty()) {
            args.push(like(words).into());
            let n = args.len();
            cond.push(format!(
                "(q.speaker_entity IN (SELECT e.id FROM entities e WHERE {}) OR lower(q.speaker_name) LIKE ?{n} ESCAPE '\\')",
                named_like(n)
            ));
        }
        if let Some(id) = &q.speaker_id {
            args.push(id.clone().into());
            cond.push(format!("q.speaker_entity = ?{}", args.len()));
        }
        if let Some(words) = q.entity.as_deref().filter(|w| !w.trim().is_empty()) {
            args.push(like(words).into());
            cond.push(format!(
                "q.id IN (SELECT n.quotation FROM quote_names n JOIN entities e ON e.id = n.entity WHERE {})",
                named_like(args.len())
            ));
        }
        self.page(
            &format!("quotations q WHERE {}", cond.join(" AND ")),
            &format!("SELECT {QUOTATION_COLUMNS} FROM quotations q LEFT JOIN articles a ON a.id = q.first_article WHERE q.id IN"),
            "q.ord",
            args,
            (q.limit, q.offset),
            quotation_from_row,
        )
    }

    /// One page of the rows `FROM {from}` (a table aliased, and a filter
    /// on `args`), in `order`, read by `select` (which ends `WHERE x.id
    /// IN`, the page's ids following), and how many there are in all.
    fn page<T>(
        &self,
        from: &str,
        select: &str,
        order: &str,
        mut args: Vec<rusqlite::types::Value>,
        (limit, offset): (usize, usize),
        read: impl Fn(&Row) -> rusqlite::Result<T>,
    ) -> Result<(Vec<T>, u64)> {
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM {from}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        args.push((limit.min(i64::MAX as usize) as i64).into());
        args.push((offset.min(i64::MAX as usize) as i64).into());
        let alias = order.split('.').next().unwrap_or("");
        let mut st = self.conn.prepare(&format!(
            "{select} (SELECT {alias}.id FROM {from} ORDER BY {order} LIMIT ?{} OFFSET ?{}) ORDER BY {order}",
            args.len() - 1,
            args.len()
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), read)?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
    }

    /// One quotation.
    pub fn quotation(&self, id: &str) -> Result<Option<QuotationRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {QUOTATION_COLUMNS} FROM quotations q LEFT JOIN articles a ON a.id = q.first_article WHERE q.id = ?1"),
                [id],
                quotation_from_row,
            )
            .optional()?)
    }

    /// The articles carrying a quotation, the first reporter's first, then
    /// in time order; at most `limit`.
    pub fn quote_carriers(&self, quotation: &str, limit: usize) -> Result<Vec<CarrierRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT c.article_id, a.site, a.published, c.reporter, c.change, c.text
             FROM quote_carriers c LEFT JOIN articles a ON a.id = c.article_id
             WHERE c.quotation = ?1 ORDER BY c.place LIMIT ?2",
        )?;
        let rows = st.query_map(params![quotation, limit as i64], |r| {
            Ok(CarrierRow {
                article: ArticleId(r.get(0)?),
                site: r.get(1)?,
                published: r.get(2)?,
                reporter: ArticleId(r.get(3)?),
                change: r.get(4)?,
                text: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The attributions of an article, found now from its text (one
    /// article costs little), each with the quotation it belongs to when
    /// the quotations were derived from the findings it has now.
    pub fn attributions_of(&self, a: &Article) -> Result<Vec<ArticleAttribution>> {
        // (A text the stage fails on shows no attributions.)
        let now = ArticleQuotes::try_of_text(&a.text, &a.body).unwrap_or_default();
        let mut links: std::collections::HashMap<usize, QuoteLink> = Default::default();
        if self.article_quotes(&a.id)?.as_ref() == Some(&now) {
            let mut st = self.conn.prepare_cached(
                "SELECT c.attribution, q.id, q.carriers, q.first_article, q.speaker_entity FROM quote_carriers c
                 JOIN quotations q ON q.id = c.quotation WHERE c.article_id = ?1",
            )?;
            let rows = st.query_map([a.id.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)? as usize,
                    QuoteLink {
                        id: r.get(1)?,
                        carriers: r.get::<_, i64>(2)? as u64,
                        first_article: ArticleId(r.get(3)?),
                        speaker_entity: r.get(4)?,
                    },
                ))
            })?;
            for row in rows {
                let (i, link) = row?;
                links.insert(i, link);
            }
        }
        Ok(now
            .attributions
            .into_iter()
            .enumerate()
            .map(|(i, said)| ArticleAttribution {
                said,
                quotation: links.remove(&i),
            })
            .collect())
    }

    /// A page of entities, most named first, and how many match in all.
    pub fn entities_page(&self, q: &EntityQuery) -> Result<(Vec<EntityRow>, u64)> {
        let mut cond = vec!["1 = 1".to_string()];
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(words) = q.name.as_deref().filter(|w| !w.trim().is_empty()) {
            args.push(like(words).into());
            cond.push(named_like(args.len()));
        }
        if let Some(kind) = &q.kind {
            args.push(kind.clone().into());
            cond.push(format!("e.kind = ?{}", args.len()));
        }
        if let Some(story) = &q.story {
            args.push(story.clone().into());
            cond.push(format!(
                "e.id IN (SELECT x.entity FROM entity_articles x JOIN story_members m ON m.article_id = x.article_id WHERE m.story = ?{})",
                args.len()
            ));
        }
        self.page(
            &format!("entities e WHERE {}", cond.join(" AND ")),
            &format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.id IN"),
            "e.articles DESC, e.id",
            args,
            (q.limit, q.offset),
            entity_from_row,
        )
    }

    pub fn entity(&self, id: &str) -> Result<Option<EntityRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.id = ?1"),
                [id],
                entity_from_row,
            )
            .optional()?)
    }

    /// The articles naming an entity, by id, with their mention counts; at
    /// most `limit`.
    pub fn entity_articles(&self, id: &str, limit: usize) -> Result<Vec<(ArticleId, u64)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT article_id, mentions FROM entity_articles WHERE entity = ?1 ORDER BY article_id LIMIT ?2",
        )?;
        let rows = st.query_map(params![id, limit as i64], |r| {
            Ok((ArticleId(r.get(0)?), r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

//! Server-rendered pages. Every string that comes from the store goes
//! through [`esc`] (text and attributes) or [`url_part`] (links); pages run
//! no script at all.

use crate::model::{
    self, covered, ArticleView, CompareView, EntityView, StoryList, StoryQuotes, StoryView,
};
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt::Write;
use wiretrace_core::{CharMap, Span, StripReason};

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The link to an article's page. An id that is a dot segment (`.`, `..`)
/// cannot be a path segment, even percent-encoded: browsers resolve it
/// away, so such ids go in the query.
pub fn article_href(id: &str) -> String {
    if matches!(id, "." | "..") {
        format!("/article?id={}", url_part(id))
    } else {
        format!("/articles/{}", url_part(id))
    }
}

/// An article's outlet as shown: its site, else the host of its URL, else
/// "site unknown".
fn site_label(site: Option<&str>, url: Option<&str>) -> String {
    site.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| url.and_then(url_host))
        .unwrap_or_else(|| "site unknown".into())
}

/// The host of an absolute http(s) URL.
fn url_host(url: &str) -> Option<String> {
    let rest = url
        .trim()
        .split_once("://")
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        })?
        .1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Percent-encodes a path segment or query value.
pub fn url_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = r#"
:root{--ink:#1d232b;--muted:#5d6875;--line:#dde2e8;--accent:#1f5fa8;--mark:#fff1a8;--add:#d8f5d2;--del:#fbd9d6;--bg:#fafbfc}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:#15324f;color:#fff;padding:.6rem 1rem}header.top a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:62rem;margin:0 auto;padding:1rem}a{color:var(--accent)}h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}.meta{color:var(--muted);font-size:.9rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 1rem}form.filters input{padding:.4rem;border:1px solid var(--line);border-radius:4px;font:inherit;min-width:0}
form.filters input[name=q]{flex:1 1 14rem}button{padding:.4rem .9rem;border:0;border-radius:4px;background:var(--accent);color:#fff;font:inherit}
ul.list{list-style:none;padding:0;margin:0}ul.list li{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
.bar{height:.7rem;background:var(--accent);border-radius:2px;display:inline-block;vertical-align:middle;margin-right:.4rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .4rem;border-bottom:1px solid var(--line);vertical-align:top;font-size:.95rem}
.text p{margin:.6rem 0}mark{background:var(--mark);padding:0 .1rem}mark a{color:inherit;text-decoration:none}
details{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;margin:.5rem 0}summary{cursor:pointer}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.cols>div{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
ins{background:var(--add);text-decoration:none}del{background:var(--del)}svg.axis{width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:6px}
.pager{display:flex;gap:1rem;margin:1rem 0}.inferred{color:var(--muted)}
form.filters label{display:flex;align-items:center;gap:.3rem;color:var(--muted);font-size:.9rem}form.filters a.clear{align-self:center}
q.said{quotes:none;background:#e6effa;border-bottom:2px solid var(--accent)}ul.said{list-style:none;padding:0;margin:0}
ul.said li{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;margin:.4rem 0}ul.said blockquote,table.quotes blockquote{margin:0 0 .2rem}
.said-by{margin:.8rem 0 .2rem;font-weight:600}.role{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .4rem;border-radius:3px;background:var(--line);color:var(--ink)}.role.source{background:var(--add)}
@media (max-width:40rem){.cols{grid-template-columns:1fr}main{padding:.6rem}td,th{font-size:.85rem}svg.axis text{font-size:24px}svg.axis text.minor{display:none}}
"#;

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · wiretrace</title><style>{STYLE}</style></head><body><header class=\"top\"><a href=\"/\">wiretrace</a></header><main>{body}</main></body></html>",
        esc(title)
    )
}

pub(crate) fn error_page(e: ApiError) -> Response {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">All stories</a></p>",
        e.status.as_u16(),
        esc(&e.message)
    );
    (e.status, Html(layout("error", &body))).into_response()
}

fn page(r: Result<String, ApiError>) -> Response {
    match r {
        Ok(html) => (StatusCode::OK, Html(html)).into_response(),
        Err(e) => error_page(e),
    }
}

fn day(d: Option<chrono::DateTime<chrono::FixedOffset>>) -> String {
    d.map_or("undated".into(), |d| d.format("%Y-%m-%d %H:%M").to_string())
}

/// A story's time span: "first – last", one date when they are the same,
/// "undated" when it has none.
fn span(
    first: Option<chrono::DateTime<chrono::FixedOffset>>,
    last: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> String {
    match (first, last) {
        (None, None) => "undated".into(),
        (f, l) if f == l || l.is_none() => day(f),
        (None, l) => day(l),
        (f, l) => format!("{} – {}", day(f), day(l)),
    }
}

pub async fn stories(
    State(s): State<AppState>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let params = p.clone();
    page(
        s.with_store(move |store| model::story_list(store, &params))
            .await
            .map(|l| render_stories(&l, &p)),
    )
}

fn render_stories(l: &StoryList, p: &HashMap<String, String>) -> String {
    let v = |k: &str| esc(p.get(k).map_or("", |s| s.as_str()));
    let filtered = ["q", "outlet", "from", "to"]
        .iter()
        .any(|k| p.get(*k).is_some_and(|v| !v.trim().is_empty()));
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Stories</h1><form class=\"filters\" method=\"get\" action=\"/\">\
         <input name=\"q\" type=\"search\" placeholder=\"Search stories\" value=\"{}\" aria-label=\"Search stories\">\
         <input name=\"outlet\" placeholder=\"Outlet\" value=\"{}\" aria-label=\"Outlet\">\
         <label for=\"from\">From <input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></label>\
         <label for=\"to\">to <input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></label>\
         <button type=\"submit\">Filter</button>{}</form><p class=\"meta\">{}</p><ul class=\"list\">",
        v("q"),
        v("outlet"),
        v("from"),
        v("to"),
        if filtered {
            "<a class=\"clear\" href=\"/\">Clear</a>"
        } else {
            ""
        },
        count(l.total, "story", "stories")
    );
    for st in &l.stories {
        let _ = write!(
            b,
            "<li><a class=\"story\" href=\"/stories/{}\">{}</a><div class=\"meta\">{} · {} · {}{}</div></li>",
            url_part(&st.id),
            esc(st.headline.as_deref().unwrap_or("(untitled)")),
            span(st.first_seen, st.last_seen),
            count(st.articles, "article", "articles"),
            if st.outlets.is_empty() {
                "site unknown".to_string()
            } else {
                esc(&st.outlets.join(", "))
            },
            match st.outlet_count.saturating_sub(st.outlets.len() as u64) {
                0 => String::new(),
                more => format!(" and {more} more"),
            }
        );
    }
    b.push_str("</ul>");
    b.push_str(&pager(
        "/",
        p,
        l.offset,
        l.limit,
        l.total,
        ("newer", "older"),
    ));
    layout("Stories", &b)
}

/// "1 article", "3 articles".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Links to the previous and next page of a list at `path`, keeping the
/// other query parameters.
fn pager(
    path: &str,
    p: &HashMap<String, String>,
    offset: usize,
    limit: usize,
    total: u64,
    (back, forward): (&str, &str),
) -> String {
    let link = |offset: usize| {
        let mut q: Vec<String> = p
            .iter()
            .filter(|(k, _)| k.as_str() != "offset")
            .map(|(k, v)| format!("{}={}", url_part(k), url_part(v)))
            .collect();
        q.sort();
        q.push(format!("offset={offset}"));
        format!("{path}?{}", q.join("&amp;"))
    };
    let mut b = String::from("<div class=\"pager\">");
    if offset > 0 {
        let _ = write!(
            b,
            "<a href=\"{}\">← {back}</a>",
            link(offset.saturating_sub(limit))
        );
    }
    if offset.saturating_add(limit) < total as usize {
        let _ = write!(b, "<a href=\"{}\">{forward} →</a>", link(offset + limit));
    }
    b.push_str("</div>");
    b
}

pub async fn story(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let params = p.clone();
    page(
        s.with_store(move |store| {
            let view = model::story_view(store, &id, &params)?;
            let quotes = model::story_quotes(store, &id)?;
            Ok((view, quotes))
        })
        .await
        .map(|(v, q)| render_story(&v, &q, &p)),
    )
}

/// The timeline drawn: articles (circles) and dated events (diamonds) on a
/// day axis.
fn axis(v: &StoryView) -> String {
    let article_days: Vec<NaiveDate> = v
        .articles
        .iter()
        .filter_map(|a| a.published.map(|d| d.date_naive()))
        .collect();
    let event_days: Vec<NaiveDate> = v.timeline.iter().map(|e| e.date).collect();
    let all: Vec<NaiveDate> = article_days.iter().chain(&event_days).copied().collect();
    let (Some(&lo), Some(&hi)) = (all.iter().min(), all.iter().max()) else {
        return String::new();
    };
    let span = (hi - lo).num_days().max(1) as f64;
    let x = |d: NaiveDate| 40.0 + 720.0 * (d - lo).num_days() as f64 / span;
    let mut s = String::from(
        "<svg class=\"axis\" viewBox=\"0 0 800 120\" role=\"img\" aria-label=\"timeline\">",
    );
    let _ = write!(
        s,
        "<line x1=\"40\" y1=\"60\" x2=\"760\" y2=\"60\" stroke=\"#8892a0\"/>"
    );
    let mut d = lo;
    let step = ((span / 8.0).ceil() as i64).max(1);
    // Every other label is minor: a phone's width hides them and draws the
    // rest larger (see STYLE).
    let mut i = 0;
    while d <= hi {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"55\" x2=\"{0:.1}\" y2=\"65\" stroke=\"#8892a0\"/><text{2} x=\"{0:.1}\" y=\"85\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5d6875\">{1}</text>",
            x(d),
            d.format("%b %d"),
            if i % 2 == 1 { " class=\"minor\"" } else { "" }
        );
        d += chrono::Duration::days(step);
        i += 1;
    }
    for (i, a) in v.articles.iter().enumerate() {
        if let Some(p) = a.published {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{}\" r=\"6\" fill=\"#1f5fa8\"><title>{}</title></circle>",
                x(p.date_naive()),
                45 - (i % 3) * 10,
                esc(&format!("{} · {}", site_label(a.site.as_deref(), None), a.title.as_deref().unwrap_or(&a.id.0)))
            );
        }
    }
    for (i, e) in v.timeline.iter().enumerate() {
        let (cx, cy) = (x(e.date), 75 + (i % 3) * 10 + 20);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{}\" width=\"8\" height=\"8\" transform=\"rotate(45 {:.1} {})\" fill=\"#d9822b\"><title>{}</title></rect>",
            cx - 4.0,
            cy - 4,
            cx,
            cy,
            esc(&format!("{}: {}", e.date, e.sentence))
        );
    }
    s.push_str("</svg><p class=\"meta\">● articles published · ◆ dated events</p>");
    s
}

/// The link to an entity's page.
fn entity_href(id: &str) -> String {
    format!("/entities/{}", url_part(id))
}

/// A speaker's name, linked to their page when they are an entity.
fn speaker_html(s: &wiretrace_store::SpeakerRow) -> String {
    match &s.entity {
        Some(id) => format!(
            "<a class=\"speaker\" href=\"{}\">{}</a>",
            entity_href(id),
            esc(&s.label())
        ),
        None => format!("<span class=\"speaker\">{}</span>", esc(&s.label())),
    }
}

/// A quotation's provenance: its first reporter and how many carry it.
fn first_reported(q: &wiretrace_store::QuotationRow) -> String {
    let changed = match q.changed {
        0 => String::new(),
        n => format!(", {} reworded", n),
    };
    format!(
        "first reported by <a href=\"{}\">{}</a>{} · <span class=\"carriers\">{}</span>{changed}{}",
        article_href(&q.first_article.0),
        esc(&site_label(q.first_site.as_deref(), None)),
        q.first_published
            .as_deref()
            .map_or(String::new(), |d| format!(
                " on {}",
                esc(d.get(..10).unwrap_or(d))
            )),
        count(q.carriers, "carrier", "carriers"),
        if q.reporters.len() > 1 {
            format!(
                " · {} reported it independently later",
                count(q.reporters.len() as u64 - 1, "other", "others")
            )
        } else {
            String::new()
        }
    )
}

/// "Who said what": a story's quotations grouped by speaker.
fn who_said_what(q: &StoryQuotes) -> String {
    let mut b = String::new();
    if q.speakers.is_empty() {
        return b;
    }
    let _ = write!(
        b,
        "<section class=\"who-said-what\"><h2>Who said what</h2><p class=\"meta\">{}{}</p>",
        count(q.total, "quotation", "quotations"),
        if q.total as usize > q.speakers.iter().map(|s| s.quotes.len()).sum::<usize>() {
            " (the first 500)"
        } else {
            ""
        }
    );
    for s in &q.speakers {
        let _ = write!(
            b,
            "<div class=\"said-by\">{}</div><ul class=\"said\">",
            speaker_html(&s.speaker)
        );
        for x in &s.quotes {
            let _ = write!(
                b,
                "<li class=\"quote\"><blockquote>{}</blockquote><div class=\"meta\">{}</div></li>",
                esc(&x.text),
                first_reported(x)
            );
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");
    b
}

fn render_story(v: &StoryView, q: &StoryQuotes, p: &HashMap<String, String>) -> String {
    let st = &v.story;
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{}</h1><p class=\"meta\">{} · {} · {}</p><h2>Timeline</h2>{}{}",
        esc(st.headline.as_deref().unwrap_or("(untitled)")),
        span(st.first_seen, st.last_seen),
        count(st.articles, "article", "articles"),
        count(st.outlet_count, "outlet", "outlets"),
        if st.articles as usize > v.articles.len() {
            format!(
                "<p class=\"meta\">Articles {}–{} of {} and what they tell.</p>",
                v.offset + 1,
                v.offset + v.articles.len(),
                st.articles
            )
        } else {
            String::new()
        },
        axis(v)
    );
    if !v.timeline.is_empty() {
        b.push_str("<table class=\"timeline\"><tr><th>date</th><th>what</th><th>article</th></tr>");
        for e in &v.timeline {
            let _ = write!(
                b,
                "<tr><td>{}{}</td><td>{}</td><td><a href=\"{}\">{}</a></td></tr>",
                e.date.format("%a %Y-%m-%d"),
                if e.inferred {
                    " <span class=\"inferred\" title=\"the article is undated: inferred\">(inferred)</span>"
                } else {
                    ""
                },
                esc(&e.sentence),
                article_href(&e.article.0),
                esc(v
                    .articles
                    .iter()
                    .find(|a| a.id == e.article)
                    .and_then(|a| a.title.as_deref())
                    .unwrap_or(&e.article.0))
            );
        }
        b.push_str("</table>");
    }
    b.push_str(&who_said_what(q));
    b.push_str("<h2>Coverage by outlet</h2><table>");
    let most = v.outlets.iter().map(|o| o.articles).max().unwrap_or(1);
    for o in &v.outlets {
        let _ = write!(
            b,
            "<tr><td>{}</td><td><span class=\"bar\" style=\"width:{}px\"></span>{}</td></tr>",
            esc(&site_label(o.site.as_deref(), None)),
            8 + 160 * o.articles / most,
            o.articles
        );
    }
    b.push_str("</table>");
    if !v.families.is_empty() {
        b.push_str("<h2>Copies</h2>");
        for f in &v.families {
            let _ = write!(
                b,
                "<details class=\"family\"><summary>{} — the original and {}</summary><p class=\"meta\">{} in all, on {}: {}</p><ul>",
                esc(f.title.as_deref().unwrap_or("(untitled)")),
                count(f.members.saturating_sub(1), "copy", "copies"),
                count(f.members, "article", "articles"),
                count(f.site_count, "site", "sites"),
                esc(&f.sites.join(", "))
            );
            for m in v
                .articles
                .iter()
                .filter(|a| a.family.as_ref() == Some(&f.family))
            {
                let _ = write!(
                    b,
                    "<li><a href=\"{}\">{}</a> · {}{}</li>",
                    article_href(&m.id.0),
                    esc(m.title.as_deref().unwrap_or(&m.id.0)),
                    esc(&site_label(m.site.as_deref(), None)),
                    if m.id == f.family { " (original)" } else { "" }
                );
            }
            b.push_str("</ul></details>");
        }
    }
    if !v.versions.is_empty() {
        b.push_str("<h2>Versions</h2><ul>");
        for n in &v.versions {
            let link = |id: &wiretrace_core::ArticleId| {
                format!(
                    "<a href=\"/articles/{}\">{}</a>",
                    url_part(&id.0),
                    esc(&id.0)
                )
            };
            let _ = write!(
                b,
                "<li>{}{}</li>",
                link(&n.family),
                n.version_of.as_ref().map_or_else(
                    || " · first version".to_string(),
                    |p| format!(" · a later version of {}", link(p))
                )
            );
        }
        b.push_str("</ul>");
    }
    b.push_str("<h2>Articles</h2><ul class=\"list\">");
    for a in &v.articles {
        let copy = match &a.source {
            Some(src) => format!(
                " · copy of <a href=\"{}\">{}</a>",
                article_href(&src.0),
                esc(v
                    .articles
                    .iter()
                    .find(|a| a.id == *src)
                    .and_then(|a| a.title.as_deref())
                    .unwrap_or(&src.0))
            ),
            None => String::new(),
        };
        let _ = write!(
            b,
            "<li><a class=\"article\" href=\"{}\">{}</a><div class=\"meta\">{} · {}{}{}</div><div class=\"meta\">{}</div></li>",
            article_href(&a.id.0),
            esc(a.title.as_deref().unwrap_or(&a.id.0)),
            day(a.published),
            esc(&site_label(a.site.as_deref(), None)),
            a.wire.as_ref().map_or(String::new(), |w| format!(" · wire: {}", esc(w))),
            copy,
            esc(&a.reason)
        );
    }
    b.push_str("</ul>");
    b.push_str(&pager(
        &format!("/stories/{}", url_part(&st.id)),
        p,
        v.offset,
        v.limit,
        st.articles,
        ("earlier", "later"),
    ));
    layout(st.headline.as_deref().unwrap_or("Story"), &b)
}

/// `/article?id=ID`: an article whose id cannot be a path segment.
pub async fn article_by_query(
    State(s): State<AppState>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    match p.get("id") {
        Some(id) => article(State(s), Path(id.clone())).await,
        None => error_page(ApiError::bad_request(
            "missing parameter \"id\": the article to show",
        )),
    }
}

pub async fn article(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    page(
        s.with_store(move |store| model::article_view(store, &id))
            .await
            .map(|v| render_article(&v)),
    )
}

/// One body paragraph, with the parts shared with other articles marked and
/// linked to the comparison, and the quotations in it highlighted with
/// their speaker.
fn paragraph(v: &ArticleView, map: &CharMap, para: Span, marks: &[Span]) -> String {
    let a = &v.article;
    // Cut where a passage or a quotation starts or ends.
    let quotes: Vec<(Span, String)> = v
        .attributions
        .iter()
        .flat_map(|x| {
            let who = wiretrace_store::SpeakerRow::of(&x.said.speaker, None).label();
            x.said.content.iter().map(move |c| (*c, who.clone()))
        })
        .filter(|(c, _)| c.end > para.start && c.start < para.end)
        .collect();
    let mut cuts: Vec<usize> = vec![para.start, para.end];
    for m in marks.iter().chain(quotes.iter().map(|(c, _)| c)) {
        cuts.extend([
            m.start.clamp(para.start, para.end),
            m.end.clamp(para.start, para.end),
        ]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::from("<p>");
    for w in cuts.windows(2) {
        let (s, e) = (w[0], w[1]);
        let mut piece = esc(map.slice(&a.text, Span::new(s, e)));
        if marks.iter().any(|m| m.start < e && m.end > s) {
            let other = v
                .passages
                .iter()
                .find(|p| p.start < e && p.end > s)
                .map(|p| (p.other.0.clone(), p.direction, p.other_title.clone()));
            let (href, tip) = match other {
                Some((o, dir, t)) => (
                    format!("/compare?a={}&amp;b={}", url_part(&a.id.0), url_part(&o)),
                    format!(
                        "{} {}",
                        if dir == "from" { "from" } else { "reused by" },
                        t.unwrap_or(o)
                    ),
                ),
                None => ("#".into(), String::new()),
            };
            piece = format!(
                "<mark title=\"{}\"><a href=\"{}\">{piece}</a></mark>",
                esc(&tip),
                href
            );
        }
        if let Some((_, who)) = quotes.iter().find(|(c, _)| c.start < e && c.end > s) {
            piece = format!("<q class=\"said\" title=\"{}\">{piece}</q>", esc(who));
        }
        out.push_str(&piece);
    }
    out.push_str("</p>");
    out
}

fn render_article(v: &ArticleView) -> String {
    let a = &v.article;
    let map = CharMap::new(&a.text);
    let marks = covered(&v.passages);
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{}</h1><p class=\"meta\">{} · {}{}{}</p>",
        esc(a.title.as_deref().unwrap_or("(untitled)")),
        day(a.published),
        esc(&site_label(a.site.as_deref(), a.url.as_deref())),
        a.byline
            .as_ref()
            .map_or(String::new(), |x| format!(" · {}", esc(x))),
        a.wire
            .as_ref()
            .map_or(String::new(), |w| format!(" · wire: {}", esc(w)))
    );
    if let Some(seen) = a.first_seen {
        let _ = write!(
            b,
            "<p class=\"meta\">First seen by a crawler: {}</p>",
            esc(&seen.to_rfc3339())
        );
    }
    if let Some(story) = &v.story {
        let _ = write!(
            b,
            "<p class=\"meta\">Story: <a href=\"/stories/{}\">{}</a></p>",
            url_part(story),
            esc(v.story_headline.as_deref().unwrap_or("(untitled)"))
        );
    }
    if let Some(kind) = v.kind {
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "An"
        } else {
            "A"
        };
        let _ = write!(
            b,
            "<p class=\"meta\">{article} {kind} page: a container of other items, not grouped into a copy family</p>"
        );
    }
    if let Some(src) = &v.source {
        let title = v
            .passages
            .iter()
            .find(|p| p.other == *src)
            .and_then(|p| p.other_title.as_deref())
            .unwrap_or(&src.0);
        let _ = write!(
            b,
            "<p class=\"meta\">A copy of <a href=\"{}\">{}</a> · <a href=\"/compare?a={}&amp;b={}\">compare</a></p>",
            article_href(&src.0),
            esc(title),
            url_part(&src.0),
            url_part(&a.id.0)
        );
    }
    if let Some(prev) = &v.version_of {
        let _ = write!(b, "<p class=\"meta\">A later version of <a href=\"/articles/{0}\">{1}</a> · <a href=\"/compare?a={0}&amp;b={2}\">compare</a></p>", url_part(&prev.0), esc(&prev.0), url_part(&a.id.0));
    }
    if !v.why.is_empty() {
        b.push_str("<details class=\"meta\"><summary>Why this source</summary><ul>");
        for w in &v.why {
            let _ = write!(b, "<li>{}</li>", esc(w));
        }
        b.push_str("</ul></details>");
    }
    if let Some(url) = &a.url {
        let _ = write!(b, "<p class=\"meta\">Original: {}</p>", esc(url));
    }
    b.push_str("<div class=\"text\">");
    for para in &a.body {
        b.push_str(&paragraph(v, &map, *para, &marks));
    }
    b.push_str("</div>");
    if !v.attributions.is_empty() {
        b.push_str("<h2>Who said what</h2><ul class=\"said\">");
        for x in &v.attributions {
            let entity = x.quotation.as_ref().and_then(|q| q.speaker_entity.clone());
            let speaker = wiretrace_store::SpeakerRow::of(&x.said.speaker, entity);
            let carried = match &x.quotation {
                Some(q) if q.carriers > 1 && q.first_article != a.id => format!(
                    " · {} · first reported by <a href=\"{}\">{}</a>",
                    count(q.carriers, "carrier", "carriers"),
                    article_href(&q.first_article.0),
                    esc(&q.first_article.0)
                ),
                Some(q) if q.carriers > 1 => format!(
                    " · {} · first reported here",
                    count(q.carriers, "carrier", "carriers")
                ),
                _ => String::new(),
            };
            let _ = write!(
                b,
                "<li class=\"quote\"><blockquote>{}</blockquote><div class=\"meta\">{}{}{}</div></li>",
                esc(&x.said.text),
                speaker_html(&speaker),
                x.said
                    .cue_text
                    .as_deref()
                    .map_or(String::new(), |c| format!(" · cue: {}", esc(c))),
                carried
            );
        }
        b.push_str("</ul>");
    }
    if !v.passages.is_empty() {
        b.push_str("<h2>Shared passages</h2><table><tr><th>passage</th><th>with</th></tr>");
        for p in &v.passages {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{} <a href=\"{}\">{}</a> · <a href=\"/compare?a={}&amp;b={}\">compare</a></td></tr>",
                esc(&p.text),
                if p.direction == "from" { "source:" } else { "reused by" },
                article_href(&p.other.0),
                esc(p.other_title.as_deref().unwrap_or(&p.other.0)),
                url_part(&a.id.0),
                url_part(&p.other.0)
            );
        }
        b.push_str("</table>");
    }
    let stripped: Vec<String> = a
        .stripped
        .iter()
        .map(|s| match s.reason {
            StripReason::Boilerplate => s.text.clone(),
            reason => format!("{} ({})", s.text, reason.as_str()),
        })
        .collect();
    for (label, lines) in [
        ("Removed as boilerplate", &stripped),
        ("Captions", &a.captions),
        ("Related links", &a.related),
    ] {
        if lines.is_empty() {
            continue;
        }
        let _ = write!(
            b,
            "<details><summary>{label} ({})</summary><ul>",
            lines.len()
        );
        for l in lines {
            let _ = write!(b, "<li>{}</li>", esc(l));
        }
        b.push_str("</ul></details>");
    }
    layout(a.title.as_deref().unwrap_or("Article"), &b)
}

pub async fn entity(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let params = p.clone();
    page(
        s.with_store(move |store| model::entity_view(store, &id, &params))
            .await
            .map(|v| render_entity(&v, &p)),
    )
}

/// An entity: its names and titles, then what it said over time.
fn render_entity(v: &EntityView, p: &HashMap<String, String>) -> String {
    let e = &v.entity;
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{}</h1><p class=\"meta\">{} · named in {} · {}</p>",
        esc(&e.name),
        esc(&e.kind),
        count(e.articles, "article", "articles"),
        count(e.quotes, "quotation", "quotations")
    );
    if !e.titles.is_empty() {
        let _ = write!(
            b,
            "<p class=\"meta titles\">Titles: {}</p>",
            esc(&e.titles.join("; "))
        );
    }
    if !e.aliases.is_empty() {
        let _ = write!(
            b,
            "<p class=\"meta aliases\">Also named: {}</p>",
            esc(&e.aliases.join("; "))
        );
    }
    let quotes = &v.quotes;
    if !quotes.quotes.is_empty() {
        b.push_str("<h2>Quotes over time</h2><table class=\"quotes\"><tr><th>first reported</th><th>quote</th></tr>");
        for q in &quotes.quotes {
            let _ = write!(
                b,
                "<tr><td>{}</td><td><blockquote>{}</blockquote><div class=\"meta\">{}</div></td></tr>",
                esc(q
                    .first_published
                    .as_deref()
                    .map_or("undated", |d| d.get(..10).unwrap_or(d))),
                esc(&q.text),
                first_reported(q)
            );
        }
        b.push_str("</table>");
        b.push_str(&pager(
            &entity_href(&e.id),
            p,
            quotes.offset,
            quotes.limit,
            quotes.total,
            ("earlier", "later"),
        ));
    }
    if !v.articles.is_empty() {
        b.push_str("<h2>Named in</h2><ul>");
        for a in &v.articles {
            let _ = write!(
                b,
                "<li><a href=\"{}\">{}</a> · {}</li>",
                article_href(&a.article.0),
                esc(&a.article.0),
                count(a.mentions, "mention", "mentions")
            );
        }
        b.push_str("</ul>");
    }
    layout(&e.name, &b)
}

pub async fn compare(
    State(s): State<AppState>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    page(
        s.with_store(move |store| model::compare_view(store, &p))
            .await
            .map(|v| render_compare(&v)),
    )
}

fn render_compare(v: &CompareView) -> String {
    let mut b = String::new();
    let head = |side: &str, x: &model::Brief| {
        let role = match v.source {
            Some(s) if s == side => "<span class=\"role source\">source</span> ",
            Some(_) => "<span class=\"role copy\">took from the source</span> ",
            None => "",
        };
        format!(
            "<div class=\"side-{}\">{} {}<a href=\"{}\">{}</a><div class=\"meta\">{} · {}</div></div>",
            side,
            side.to_uppercase(),
            role,
            article_href(&x.id.0),
            esc(x.title.as_deref().unwrap_or(&x.id.0)),
            esc(&site_label(x.site.as_deref(), x.url.as_deref())),
            day(x.published)
        )
    };
    let _ = write!(
        b,
        "<h1>Compare</h1><div class=\"cols\">{}{}</div><p class=\"meta\">{}, covering {:.0}% of A and {:.0}% of B{}</p>",
        head("a", &v.a),
        head("b", &v.b),
        count(v.passages.len() as u64, "shared passage", "shared passages"),
        v.a_coverage * 100.0,
        v.b_coverage * 100.0,
        if v.is_copy { " — copies of one text" } else { "" }
    );
    for p in &v.passages {
        let (mut left, mut right) = (String::new(), String::new());
        for r in &p.diff {
            match r.op {
                "same" => {
                    left.push_str(&esc(&r.text));
                    left.push(' ');
                    right.push_str(&esc(&r.text));
                    right.push(' ');
                }
                "removed" => {
                    let _ = write!(left, "<del>{}</del> ", esc(&r.text));
                }
                _ => {
                    let _ = write!(right, "<ins>{}</ins> ", esc(&r.text));
                }
            }
        }
        let _ = write!(
            b,
            "<div class=\"cols passage\"><div>{left}</div><div>{right}</div></div>"
        );
    }
    layout("Compare", &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_encodes_links() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(url_part("a b/<c>"), "a%20b%2F%3Cc%3E");
    }
}

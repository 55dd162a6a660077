//! `wiretrace follow SOURCES`: watches feeds, sitemaps and pages.
//!
//! Each round polls the sources that are due (conditional GET with the
//! validators of their last response), queues the article URLs they list
//! that are not known yet, fetches each queued page and stores it with
//! its fetch time as `first_seen`, then analyses what came in. A source
//! with nothing new, or failing, waits longer before its next poll
//! ([`next_interval`]). Every step is recorded in the store as it happens
//! (`wiretrace_store::follow`), so a watcher stopped by SIGINT, SIGTERM or
//! a crash resumes where it stopped: it fetches no stored page again and
//! stores the pages it had fetched.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use wiretrace_core::{canonical_url, Rejection};
use wiretrace_ingest::fetch::{is_html, may_be_listing, FetchConfig, Fetched, Fetcher, Outcome};
use wiretrace_ingest::listing::{read_listing, ListingKind};
use wiretrace_ingest::{convert, FetchedPage, Item};
use wiretrace_store::follow::{FoundPage, HeldPage, SourceState};
use wiretrace_store::{NewArticle, PutOutcome, SqliteStore, Store};

/// Sitemaps read from one sitemap index in one poll, at most.
const MAX_CHILD_SITEMAPS: usize = 100;
/// Attempts at a page that keeps failing in a way that may pass.
const MAX_ATTEMPTS: i64 = 3;

/// How `follow` runs.
pub struct FollowOptions {
    pub sources: PathBuf,
    pub once: bool,
    /// The wait between polls of a source that has news.
    pub interval: Duration,
    /// The longest wait, however long a source has had nothing new.
    pub max_interval: Duration,
    pub fetch: FetchConfig,
    pub log: Option<PathBuf>,
    pub quiet: bool,
}

/// The wait before a source's next poll: the base interval after news,
/// doubled for each poll in a row with nothing new or failing, at most
/// `max`.
pub fn next_interval(base: Duration, max: Duration, quiet_polls: u32) -> Duration {
    let factor = 2u32.saturating_pow(quiet_polls.min(30));
    base.saturating_mul(factor).min(max).max(base.min(max))
}

/// What a run did, over its rounds.
#[derive(Debug, Default, serde::Serialize)]
pub struct FollowSummary {
    pub rounds: u64,
    pub polled: u64,
    pub not_modified: u64,
    pub sources_failed: u64,
    pub found: u64,
    pub fetched: u64,
    pub stored: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub forbidden: u64,
    pub stopped_by_signal: bool,
}

/// Progress on the terminal (unless quiet) and in the log file.
struct Progress {
    log: Option<std::fs::File>,
    quiet: bool,
}

impl Progress {
    fn say(&mut self, line: &str) {
        tracing::info!("{line}");
        if !self.quiet {
            eprintln!("wiretrace follow: {line}");
        }
        if let Some(f) = &mut self.log {
            let _ = writeln!(
                f,
                "{} {line}",
                Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            );
        }
    }
}

/// The source URLs of a SOURCES file: one a line, `#` comments and blank
/// lines skipped.
pub fn read_sources(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the sources file {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let u = url::Url::parse(line)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .with_context(|| {
                format!(
                    "{}:{}: {line:?} is not an http(s) URL",
                    path.display(),
                    n + 1
                )
            })?;
        out.push(u.to_string());
    }
    anyhow::ensure!(!out.is_empty(), "{}: no source URL in it", path.display());
    Ok(out)
}

/// The key a page URL is known by: its canonical form.
fn page_key(url: &str) -> String {
    canonical_url(url).unwrap_or_else(|| url.to_string())
}

/// Runs `follow` until told to stop (or one round with `--once`).
pub fn run(store: &mut SqliteStore, opts: &FollowOptions) -> Result<FollowSummary> {
    let sources = read_sources(&opts.sources)?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing a signal handler")?;
    }
    let log = match &opts.log {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("opening the log {}", p.display()))?,
        ),
        None => None,
    };
    let mut progress = Progress {
        log,
        quiet: opts.quiet,
    };
    let mut fetcher = Fetcher::new(opts.fetch.clone());
    let mut summary = FollowSummary::default();
    progress.say(&format!(
        "{} sources; User-Agent {:?}",
        sources.len(),
        opts.fetch.user_agent()
    ));
    loop {
        summary.rounds += 1;
        let round = summary.rounds;
        fetcher.forget_robots();
        let before = (summary.stored, summary.failed, summary.found);
        // Pages left by an earlier run (stopped mid-round) first.
        let resumed = store.follow_pending()?.len();
        if resumed > 0 && round == 1 {
            progress.say(&format!(
                "resuming: {resumed} pages found before wait for their fetch"
            ));
        }
        let now = Utc::now().timestamp();
        for src in &sources {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let state = store.follow_source(src)?.unwrap_or_else(|| SourceState {
                url: src.clone(),
                ..SourceState::default()
            });
            if state.next_poll > now {
                continue;
            }
            poll(
                store,
                &mut fetcher,
                opts,
                state,
                &stop,
                &mut summary,
                &mut progress,
            )?;
        }
        fetch_pending(store, &mut fetcher, &stop, &mut summary, &mut progress)?;
        let stored = summary.stored - before.0;
        if stored > 0 {
            crate::pipeline::analyse(store, true, true)?;
        }
        progress.say(&format!(
            "round {round}: {} new pages found, {stored} stored, {} failed",
            summary.found - before.2,
            summary.failed - before.1
        ));
        if stop.load(Ordering::Relaxed) {
            summary.stopped_by_signal = true;
            progress.say("stopped by a signal: the next run resumes where this one stopped");
            break;
        }
        if opts.once {
            break;
        }
        // Sleep until the next source is due.
        let next = sources
            .iter()
            .filter_map(|s| store.follow_source(s).ok().flatten())
            .map(|s| s.next_poll)
            .min()
            .unwrap_or(0);
        while Utc::now().timestamp() < next && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
        }
        if stop.load(Ordering::Relaxed) {
            summary.stopped_by_signal = true;
            progress.say("stopped by a signal between rounds");
            break;
        }
    }
    Ok(summary)
}

/// Polls one source and queues the pages it lists that are new.
fn poll(
    store: &mut SqliteStore,
    fetcher: &mut Fetcher,
    opts: &FollowOptions,
    mut state: SourceState,
    stop: &AtomicBool,
    summary: &mut FollowSummary,
    progress: &mut Progress,
) -> Result<()> {
    let src = state.url.clone();
    summary.polled += 1;
    let outcome = fetcher.get(
        &src,
        state.etag.as_deref(),
        state.last_modified.as_deref(),
        stop,
    );
    let mut news = false;
    let status = match outcome {
        Outcome::Stopped => return Ok(()),
        Outcome::NotModified => {
            summary.not_modified += 1;
            "not modified".to_string()
        }
        Outcome::Forbidden(why) | Outcome::Failed { reason: why, .. } => {
            summary.sources_failed += 1;
            state.failures += 1;
            progress.say(&format!("source {src}: {why}"));
            why
        }
        Outcome::Fetched(f) => {
            state.etag = f.etag.clone();
            state.last_modified = f.last_modified.clone();
            state.failures = 0;
            let (pages, status) = listed_pages(fetcher, &src, &f, stop, progress);
            match pages {
                // A broken feed: a failure, polled less often until mended;
                // its validators are dropped so the next poll reads it whole.
                Some(_) if status.starts_with("refused: ") => {
                    summary.sources_failed += 1;
                    state.failures += 1;
                    state.etag = None;
                    state.last_modified = None;
                    status
                }
                Some(pages) => {
                    let new =
                        store.follow_queue(&known_not(store, pages)?, Utc::now().timestamp())?;
                    summary.found += new as u64;
                    news = new > 0;
                    format!("{status}: {new} new")
                }
                None if is_html(f.media_type.as_deref()) => {
                    // A page source: the page itself is the article, and a
                    // changed page a new revision.
                    let found = FoundPage {
                        url: src.clone(),
                        source: src.clone(),
                        title: None,
                        published: None,
                        summary: None,
                    };
                    store.follow_queue(std::slice::from_ref(&found), Utc::now().timestamp())?;
                    store_page(store, &found, held_of(&f), true, summary, progress)?;
                    news = true;
                    "a page".into()
                }
                None => status,
            }
        }
    };
    let quiet_polls = if news {
        0
    } else {
        state.failures.max(1) as u32
    };
    let wait = next_interval(opts.interval, opts.max_interval, quiet_polls);
    state.interval = wait.as_secs() as i64;
    state.next_poll = Utc::now().timestamp() + state.interval;
    state.last_status = Some(status.clone());
    store.put_follow_source(&state)?;
    progress.say(&format!(
        "source {src}: {status}; next poll in {} s",
        state.interval
    ));
    Ok(())
}

/// The pages a fetched listing names (a sitemap index's sitemaps read in
/// turn, each once), or `None` when it is no listing; and what it was.
fn listed_pages(
    fetcher: &mut Fetcher,
    src: &str,
    f: &Fetched,
    stop: &AtomicBool,
    progress: &mut Progress,
) -> (Option<Vec<FoundPage>>, String) {
    if !may_be_listing(f.media_type.as_deref()) && !f.body.trim_ascii_start().starts_with(b"<?xml")
    {
        return (
            None,
            format!("a {}", f.media_type.as_deref().unwrap_or("page")),
        );
    }
    let listing = match read_listing(&f.body) {
        Ok(l) => l,
        Err(why) if is_html(f.media_type.as_deref()) => return (None, why),
        Err(why) => {
            progress.say(&format!("source {src}: {why}"));
            return (Some(Vec::new()), format!("refused: {why}"));
        }
    };
    if listing.dropped > 0 {
        progress.say(&format!(
            "source {src}: {} entries past the limit of one {} were not read",
            listing.dropped,
            listing.kind.as_str()
        ));
    }
    let status = format!(
        "{} of {} entries",
        listing.kind.as_str(),
        listing.entries.len()
    );
    let mut pages = Vec::new();
    let mut sitemaps: Vec<String> = Vec::new();
    let mut visited: HashSet<String> = HashSet::from([page_key(src), page_key(&f.final_url)]);
    let mut push_entries = |l: &wiretrace_ingest::listing::Listing, sitemaps: &mut Vec<String>| {
        for e in &l.entries {
            let Some(url) = e.url.as_deref() else {
                continue;
            };
            match l.kind {
                ListingKind::SitemapIndex => sitemaps.push(url.to_string()),
                _ => pages.push(FoundPage {
                    url: url.to_string(),
                    source: src.to_string(),
                    title: e.title.clone(),
                    published: e.published,
                    summary: e.summary.clone(),
                }),
            }
        }
    };
    push_entries(&listing, &mut sitemaps);
    let mut read = 0;
    while let Some(child) = sitemaps.pop() {
        if !visited.insert(page_key(&child)) {
            progress.say(&format!(
                "source {src}: sitemap {child} listed again (a loop): read once"
            ));
            continue;
        }
        if read == MAX_CHILD_SITEMAPS || stop.load(Ordering::Relaxed) {
            progress.say(&format!(
                "source {src}: sitemaps past the first {MAX_CHILD_SITEMAPS} of its index wait for the next poll"
            ));
            break;
        }
        read += 1;
        match fetcher.get(&child, None, None, stop) {
            Outcome::Fetched(cf) => match read_listing(&cf.body) {
                Ok(l) if l.kind == ListingKind::Feed => {
                    progress.say(&format!(
                        "source {src}: {child} is a feed, not a sitemap: read all the same"
                    ));
                    push_entries(&l, &mut sitemaps)
                }
                Ok(l) => push_entries(&l, &mut sitemaps),
                Err(why) => progress.say(&format!("source {src}: sitemap {child}: {why}")),
            },
            Outcome::Forbidden(why) | Outcome::Failed { reason: why, .. } => {
                progress.say(&format!("source {src}: sitemap {child}: {why}"))
            }
            Outcome::NotModified | Outcome::Stopped => {}
        }
    }
    (Some(pages), status)
}

/// The pages not known yet (by their canonical URL), each once.
fn known_not(store: &SqliteStore, pages: Vec<FoundPage>) -> Result<Vec<FoundPage>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for mut p in pages {
        p.url = page_key(&p.url);
        if seen.insert(p.url.clone()) && !store.follow_knows(&p.url)? {
            out.push(p);
        }
    }
    Ok(out)
}

fn held_of(f: &Fetched) -> HeldPage {
    HeldPage {
        fetched_at: f.at,
        final_url: f.final_url.clone(),
        charset: f.charset.clone(),
        body: f.body.clone(),
    }
}

/// Fetches the queued pages and stores them (and those fetched before a
/// stop, from the bytes held).
fn fetch_pending(
    store: &mut SqliteStore,
    fetcher: &mut Fetcher,
    stop: &AtomicBool,
    summary: &mut FollowSummary,
    progress: &mut Progress,
) -> Result<()> {
    for p in store.follow_pending()? {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let url = p.page.url.clone();
        if p.fetched {
            if let Some(held) = store.follow_held(&url)? {
                progress.say(&format!(
                    "page {url}: stored from the bytes fetched before a stop"
                ));
                store_page(store, &p.page, held, false, summary, progress)?;
                continue;
            }
        }
        match fetcher.get(&url, None, None, stop) {
            Outcome::Stopped => break,
            Outcome::Fetched(f) if !is_html(f.media_type.as_deref()) => {
                summary.failed += 1;
                let why = format!("not a page: {}", f.media_type.as_deref().unwrap_or("?"));
                progress.say(&format!("page {url}: {why}"));
                store.follow_done(&url, "failed", None, Some(&why), None)?;
            }
            Outcome::Fetched(f) => {
                store_page(store, &p.page, held_of(&f), true, summary, progress)?;
            }
            Outcome::NotModified => store.follow_done(&url, "stored", None, None, None)?,
            Outcome::Forbidden(why) => {
                summary.forbidden += 1;
                progress.say(&format!("page {url}: {why}"));
                store.follow_done(&url, "forbidden", None, Some(&why), None)?;
            }
            Outcome::Failed { reason, retry } => {
                summary.failed += 1;
                let again = retry && p.attempts + 1 < MAX_ATTEMPTS;
                progress.say(&format!(
                    "page {url}: {reason}{}",
                    if again {
                        " (tried again next round)"
                    } else {
                        ""
                    }
                ));
                store.follow_failed(&url, &reason, again)?;
                if !again {
                    store.put_rejections(&[Rejection::new(&url, reason)])?;
                }
            }
        }
    }
    Ok(())
}

/// Extracts and stores a fetched page, with its fetch time as first seen
/// and what its listing said where the page does not say it. A `fresh`
/// page's bytes are held in the store first, so a crash before it is
/// stored does not fetch it again.
fn store_page(
    store: &mut SqliteStore,
    page: &FoundPage,
    held: HeldPage,
    fresh: bool,
    summary: &mut FollowSummary,
    progress: &mut Progress,
) -> Result<()> {
    if fresh {
        summary.fetched += 1;
        store.follow_fetched(&page.url, &held)?;
    }
    let item = Item::Fetched {
        input: page.url.clone(),
        page: FetchedPage {
            url: held.final_url,
            fetched: Some(held.fetched_at),
            charset: held.charset,
            bytes: held.body,
        },
    };
    match convert(item) {
        Ok(mut a) => {
            a.title = a.title.or_else(|| page.title.clone());
            a.published = a.published.or(page.published);
            let canonical = a.canonical_url.clone();
            let id = a.id.to_string();
            let outcome = store.put_articles(&[NewArticle::new(a)])?;
            match outcome.first() {
                Some(PutOutcome::Unchanged) => summary.unchanged += 1,
                _ => summary.stored += 1,
            }
            progress.say(&format!("page {}: stored as {id}", page.url));
            store.follow_done(&page.url, "stored", Some(&id), None, canonical.as_deref())?;
        }
        Err(r) => {
            summary.failed += 1;
            progress.say(&format!("page {}: {}", page.url, r.reason));
            store.put_rejections(std::slice::from_ref(&r))?;
            store.follow_done(&page.url, "failed", None, Some(&r.reason), None)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_source_waits_longer_up_to_the_limit() {
        let (base, max) = (Duration::from_secs(60), Duration::from_secs(3600));
        assert_eq!(next_interval(base, max, 0), base);
        assert_eq!(next_interval(base, max, 1), Duration::from_secs(120));
        assert_eq!(next_interval(base, max, 3), Duration::from_secs(480));
        assert_eq!(next_interval(base, max, 40), max);
        assert_eq!(next_interval(Duration::ZERO, max, 5), Duration::ZERO);
    }
}

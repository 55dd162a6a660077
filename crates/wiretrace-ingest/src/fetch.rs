//! A polite HTTP fetcher for `wiretrace follow`: robots.txt (read with
//! `texting_robots`), a pause between requests to one host, a User-Agent
//! naming wiretrace and a contact, and a size, time and redirect limit on
//! every response (with `ureq`, blocking: the watcher fetches one page at
//! a time, so an async runtime would buy nothing but weight).

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use texting_robots::Robot;

/// The robots.txt agent token wiretrace obeys.
pub const AGENT_TOKEN: &str = "wiretrace";
/// The longest `Crawl-delay` obeyed (a site asking for more is read at
/// this pace).
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);
/// The largest robots.txt read (Google reads 500 KiB).
const MAX_ROBOTS_BYTES: u64 = 512 * 1024;

/// The limits and manners of every request.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Who to tell a site's owner to write to (an address or a URL).
    pub contact: Option<String>,
    /// The largest response body read (after decompression).
    pub max_bytes: u64,
    /// The longest one request may take, body included: a server that
    /// trickles a byte a second is cut off.
    pub timeout: Duration,
    pub max_redirects: u32,
    /// The least time between two requests to one host.
    pub host_delay: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            contact: None,
            max_bytes: 8 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            max_redirects: 5,
            host_delay: Duration::from_secs(1),
        }
    }
}

impl FetchConfig {
    pub fn user_agent(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match &self.contact {
            Some(c) => format!("{AGENT_TOKEN}/{version} (news provenance research; contact: {c})"),
            None => format!("{AGENT_TOKEN}/{version} (news provenance research)"),
        }
    }
}

/// A response that was read.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it came from, after redirects.
    pub final_url: String,
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The media type, lower case, without parameters.
    pub media_type: Option<String>,
    pub charset: Option<String>,
    pub body: Vec<u8>,
    /// When the response was read.
    pub at: DateTime<FixedOffset>,
}

/// What asking for a URL gave.
#[derive(Debug, Clone)]
pub enum Outcome {
    Fetched(Fetched),
    /// `304 Not Modified`: nothing new since the validators.
    NotModified,
    /// robots.txt forbids it.
    Forbidden(String),
    /// It failed; `retry` when a later attempt may do better (a timeout,
    /// a 5xx), not when it will not (a 404, a page too large).
    Failed {
        reason: String,
        retry: bool,
    },
    /// The watcher was told to stop while waiting.
    Stopped,
}

/// One request: its outcome, or where it redirects.
enum Hop {
    Done(Outcome),
    Redirect(String),
}

/// What robots.txt says of one site.
enum Rules {
    Robot(Box<Robot>),
    AllowAll,
    /// robots.txt could not be read (a 5xx, a timeout): the site is taken
    /// as closed until a later round, as RFC 9309 asks.
    Unreachable(String),
}

/// Fetches one URL at a time, politely.
pub struct Fetcher {
    agent: ureq::Agent,
    config: FetchConfig,
    last_request: HashMap<String, Instant>,
    robots: HashMap<String, Rules>,
}

/// A URL's site (`scheme://host:port`) and host, for http(s) URLs.
fn site_of(url: &str) -> Result<(String, String), String> {
    let u = url::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("not an http(s) URL: {url}"));
    }
    let host = u.host_str().ok_or("a URL without a host")?.to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    Ok((format!("{}://{host}:{port}", u.scheme()), host))
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed here, each hop paced and checked
            // against its site's robots.txt.
            .max_redirects(0)
            .user_agent(config.user_agent())
            .timeout_global(Some(config.timeout))
            .build()
            .new_agent();
        Fetcher {
            agent,
            config,
            last_request: HashMap::new(),
            robots: HashMap::new(),
        }
    }

    /// Forgets what robots.txt said, so each round reads it afresh.
    pub fn forget_robots(&mut self) {
        self.robots.clear();
    }

    /// Waits out the host's pause after its last request (returning false
    /// if told to stop).
    fn pace(&mut self, host: &str, delay: Duration, stop: &AtomicBool) -> bool {
        if let Some(last) = self.last_request.get(host) {
            let ready = *last + delay;
            while Instant::now() < ready {
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                std::thread::sleep((ready - Instant::now()).min(Duration::from_millis(50)));
            }
        }
        true
    }

    /// Notes the end of a request to `host`: the pause runs from there, so
    /// a slow response does not eat into it.
    fn done(&mut self, host: &str) {
        self.last_request.insert(host.to_string(), Instant::now());
    }

    /// The pause for a host: ours, or its robots.txt `Crawl-delay`.
    fn delay_for(&self, site: &str) -> Duration {
        let crawl = match self.robots.get(site) {
            Some(Rules::Robot(r)) => r
                .delay
                .map(|d| Duration::from_secs_f32(d.max(0.0)).min(MAX_CRAWL_DELAY)),
            _ => None,
        };
        crawl.map_or(self.config.host_delay, |c| c.max(self.config.host_delay))
    }

    /// GETs `url` if robots.txt allows, with the validators of an earlier
    /// response (`If-None-Match`, `If-Modified-Since`), following up to
    /// `max_redirects` redirects, each hop paced and allowed by its site's
    /// robots.txt.
    pub fn get(
        &mut self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        stop: &AtomicBool,
    ) -> Outcome {
        let mut at = url.to_string();
        let mut seen = vec![at.clone()];
        for _ in 0..=self.config.max_redirects {
            match self.get_one(&at, etag, last_modified, stop) {
                Hop::Done(outcome) => return outcome,
                Hop::Redirect(next) => {
                    if seen.contains(&next) {
                        return Outcome::Failed {
                            reason: format!("a redirect loop: {next} redirects back to itself"),
                            retry: false,
                        };
                    }
                    seen.push(next.clone());
                    at = next;
                }
            }
        }
        Outcome::Failed {
            reason: format!("more than {} redirects", self.config.max_redirects),
            retry: false,
        }
    }

    fn get_one(
        &mut self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        stop: &AtomicBool,
    ) -> Hop {
        let (site, host) = match site_of(url) {
            Ok(s) => s,
            Err(reason) => {
                return Hop::Done(Outcome::Failed {
                    reason,
                    retry: false,
                })
            }
        };
        if !self.robots.contains_key(&site) {
            let Some(rules) = self.read_robots(&site, &host, stop) else {
                return Hop::Done(Outcome::Stopped);
            };
            self.robots.insert(site.clone(), rules);
        }
        match &self.robots[&site] {
            Rules::Robot(r) if !r.allowed(url) => {
                return Hop::Done(Outcome::Forbidden(format!("{site}/robots.txt forbids it")))
            }
            Rules::Unreachable(why) => {
                return Hop::Done(Outcome::Failed {
                    reason: format!("{site}/robots.txt could not be read ({why}): the site is left alone this round"),
                    retry: true,
                })
            }
            _ => {}
        }
        let delay = self.delay_for(&site);
        if !self.pace(&host, delay, stop) {
            return Hop::Done(Outcome::Stopped);
        }
        let hop = self.request(url, etag, last_modified, self.config.max_bytes);
        self.done(&host);
        hop
    }

    /// Reads a site's robots.txt (`None` if told to stop meanwhile).
    fn read_robots(&mut self, site: &str, host: &str, stop: &AtomicBool) -> Option<Rules> {
        if !self.pace(host, self.config.host_delay, stop) {
            return None;
        }
        let url = format!("{site}/robots.txt");
        let hop = self.request(&url, None, None, MAX_ROBOTS_BYTES);
        self.done(host);
        let outcome = match hop {
            Hop::Done(o) => o,
            // A moved robots.txt is not followed: nothing is forbidden.
            Hop::Redirect(_) => return Some(Rules::AllowAll),
        };
        Some(match outcome {
            Outcome::Fetched(f) if (200..300).contains(&f.status) => {
                match Robot::new(AGENT_TOKEN, &f.body) {
                    Ok(r) => Rules::Robot(Box::new(r)),
                    // An unreadable file forbids nothing it can be seen to.
                    Err(_) => Rules::AllowAll,
                }
            }
            Outcome::Failed {
                reason,
                retry: false,
            } if reason.starts_with("HTTP 4") => Rules::AllowAll,
            Outcome::Failed { reason, .. } => Rules::Unreachable(reason),
            _ => Rules::AllowAll,
        })
    }

    fn request(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        max_bytes: u64,
    ) -> Hop {
        Hop::Done(match self.response(url, etag, last_modified, max_bytes) {
            Ok(o) => o,
            Err(next) => return Hop::Redirect(next),
        })
    }

    /// One request's outcome, or the URL it redirects to.
    fn response(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        max_bytes: u64,
    ) -> Result<Outcome, String> {
        let mut req = self.agent.get(url);
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(m) = last_modified {
            req = req.header("If-Modified-Since", m);
        }
        let mut resp = match req.call() {
            Ok(r) => r,
            Err(e) => {
                return Ok(Outcome::Failed {
                    reason: describe(&e, self.config.timeout),
                    retry: true,
                })
            }
        };
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(Outcome::NotModified);
        }
        if (300..400).contains(&status) {
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url::Url::parse(url).ok()?.join(l).ok());
            return match location {
                Some(next) => Err(next.to_string()),
                None => Ok(Outcome::Failed {
                    reason: format!("HTTP {status} without a Location to go to"),
                    retry: false,
                }),
            };
        }
        if !(200..300).contains(&status) {
            return Ok(Outcome::Failed {
                reason: format!("HTTP {status}"),
                retry: status == 429 || status >= 500 || status == 408,
            });
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (header("etag"), header("last-modified"));
        let content_type = header("content-type");
        let mut body = Vec::new();
        let read = resp
            .body_mut()
            .as_reader()
            .take(max_bytes + 1)
            .read_to_end(&mut body);
        if let Err(e) = read {
            return Ok(Outcome::Failed {
                reason: format!("reading the body: {}", describe_io(&e, self.config.timeout)),
                retry: true,
            });
        }
        if body.len() as u64 > max_bytes {
            return Ok(Outcome::Failed {
                reason: format!(
                    "the body is over the limit of {max_bytes} bytes (see --max-page-bytes)"
                ),
                retry: false,
            });
        }
        let (media_type, charset) = content_type
            .as_deref()
            .map_or((None, None), crate::http::content_type);
        Ok(Outcome::Fetched(Fetched {
            final_url: url.to_string(),
            status,
            etag,
            last_modified,
            media_type,
            charset,
            body,
            at: Utc::now().fixed_offset(),
        }))
    }
}

fn describe(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("timed out after {} s", timeout.as_secs_f32()),
        ureq::Error::Io(io) => describe_io(io, timeout),
        ureq::Error::BodyExceedsLimit(n) => format!("the body is over the limit of {n} bytes"),
        other => other.to_string(),
    }
}

fn describe_io(e: &std::io::Error, timeout: Duration) -> String {
    if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) || e.to_string().to_ascii_lowercase().contains("timeout")
    {
        format!("timed out after {} s", timeout.as_secs_f32())
    } else {
        e.to_string()
    }
}

/// Whether a media type is an HTML page (a response that names none may
/// be one: its bytes decide).
pub fn is_html(media_type: Option<&str>) -> bool {
    media_type.is_none() || crate::http::is_html(media_type)
}

/// Whether a media type may be a feed or sitemap (the body decides).
pub fn may_be_listing(media_type: Option<&str>) -> bool {
    match media_type {
        None => true,
        Some(m) => {
            m.contains("xml")
                || m.contains("json")
                || m.contains("rss")
                || m.contains("atom")
                || m == "text/plain"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_and_the_user_agent_are_read() {
        assert_eq!(
            site_of("https://a.example/x?y").unwrap(),
            ("https://a.example:443".into(), "a.example".into())
        );
        assert!(site_of("ftp://a.example/").is_err());
        let ua = FetchConfig {
            contact: Some("desk@n.example".into()),
            ..FetchConfig::default()
        }
        .user_agent();
        assert!(
            ua.starts_with("wiretrace/") && ua.contains("desk@n.example"),
            "{ua}"
        );
    }
}

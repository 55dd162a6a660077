//! `wiretrace follow` against HTTP servers started here on 127.0.0.1:
//! feeds, a news sitemap behind a sitemap index that lists itself, pages
//! (written here, plus ABE's when ../shared is beside the checkout), a
//! robots.txt forbidding a path, failing URLs and a server that trickles.
//! Three rounds with changes between them, then a kill -9 mid-round and a
//! restart; the servers' request log checks what was asked and when.

mod common;

use common::{export, shared, wiretrace};
use flate2::read::GzDecoder;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a path answers.
#[derive(Clone)]
struct Resource {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// Sent one byte at a time, this long apart.
    trickle: Option<Duration>,
    /// Held until the test releases it.
    hold: bool,
}

fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Resource {
    Resource {
        status: 200,
        content_type,
        body: body.into(),
        trickle: None,
        hold: false,
    }
}

fn status(code: u16) -> Resource {
    Resource {
        status: code,
        ..ok("text/plain", format!("status {code}"))
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Logged {
    at: Instant,
    run: usize,
    port: u16,
    path: String,
    user_agent: String,
    if_none_match: Option<String>,
    status: u16,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<(u16, String), Resource>>,
    log: Mutex<Vec<Logged>>,
    run: AtomicUsize,
    released: AtomicBool,
}

/// A server on 127.0.0.1, answering from `shared.routes`.
fn serve(shared: Arc<Shared>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || answer(conn, port, &shared));
        }
    });
    port
}

fn answer(conn: TcpStream, port: u16, shared: &Shared) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let route = shared
        .routes
        .lock()
        .unwrap()
        .get(&(port, path.clone()))
        .cloned()
        .unwrap_or_else(|| status(404));
    let etag = format!("\"{:x}\"", fxhash(&route.body));
    let not_modified =
        route.status == 200 && headers.get("if-none-match").is_some_and(|e| *e == etag);
    let code = if not_modified { 304 } else { route.status };
    shared.log.lock().unwrap().push(Logged {
        at: Instant::now(),
        run: shared.run.load(Ordering::SeqCst),
        port,
        path,
        user_agent: headers.get("user-agent").cloned().unwrap_or_default(),
        if_none_match: headers.get("if-none-match").cloned(),
        status: code,
    });
    if route.hold {
        while !shared.released.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let mut w = conn;
    let body: &[u8] = if not_modified { b"" } else { &route.body };
    // A redirect goes back to the page itself: a loop.
    let location = match code {
        300..=399 => format!("Location: {}\r\n", log_path(shared)),
        _ => String::new(),
    };
    let head = format!(
        "HTTP/1.1 {code} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nETag: {etag}\r\n{location}Connection: close\r\n\r\n",
        route.content_type,
        body.len()
    );
    if w.write_all(head.as_bytes()).is_err() {
        return;
    }
    match route.trickle {
        Some(gap) => {
            for b in body {
                if w.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(gap);
            }
        }
        None => {
            let _ = w.write_all(body);
        }
    }
}

/// The path of the last request logged.
fn log_path(shared: &Shared) -> String {
    shared
        .log
        .lock()
        .unwrap()
        .last()
        .map(|l| l.path.clone())
        .unwrap_or_default()
}

fn fxhash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf29ce484222325u64, |h, x| {
        (h ^ *x as u64).wrapping_mul(0x100000001b3)
    })
}

/// A page of the fictional Skarholm Tidende.
fn page(n: &str) -> Resource {
    let mut html = format!(
        "<html><head><title>Harbour report {n}</title><meta property=\"og:site_name\" content=\"Skarholm Tidende\"></head><body><article><h1>Harbour report {n}</h1>"
    );
    for p in 0..3 {
        html.push_str(&format!(
            "<p>Report {n}, part {p}: the harbour board of Skarholm met on the quay at dawn to hear the keepers, the pilots and the fishermen of the north harbour on the matter of item {n}, and agreed to meet again when the weather allows.</p>"
        ));
    }
    html.push_str("</article></body></html>");
    ok("text/html; charset=utf-8", html)
}

fn rss(base: &str, items: &[&str]) -> Resource {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Skarholm Tidende</title>");
    for i in items {
        s.push_str(&format!(
            "<item><title>Harbour report {i}</title><link>{base}{i}</link><description>&lt;p&gt;Summary of {i}.&lt;/p&gt;</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    ok("application/rss+xml", s)
}

struct Servers {
    shared: Arc<Shared>,
}

impl Servers {
    fn set(&self, port: u16, path: &str, r: Resource) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert((port, path.to_string()), r);
    }
    fn url(&self, port: u16, path: &str) -> String {
        format!("http://127.0.0.1:{port}{path}")
    }
    fn log(&self) -> Vec<Logged> {
        self.shared.log.lock().unwrap().clone()
    }
}

/// ABE's first pages, read at test time, if ../shared is here.
fn abe_pages(n: usize) -> Vec<Vec<u8>> {
    let Some(dir) = shared().map(|s| s.join("data/abe/html")) else {
        eprintln!("NOTE follow test: ../shared/data/abe is absent: ABE's pages are left out");
        return Vec::new();
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .take(n)
        .filter_map(|f| {
            let mut out = Vec::new();
            GzDecoder::new(std::fs::File::open(f).ok()?)
                .read_to_end(&mut out)
                .ok()?;
            Some(out)
        })
        .collect()
}

const HOST_DELAY_MS: u64 = 120;

fn follow_once(db: &Path, sources: &Path, log: &Path) -> assert_cmd::Command {
    let mut c = wiretrace(db);
    c.args(["follow", "--once", "--quiet", "--interval", "0s"])
        .args([
            "--host-delay",
            &format!("{HOST_DELAY_MS}ms"),
            "--timeout",
            "2s",
        ])
        .args(["--contact", "desk@wiretrace-test.example", "--log"])
        .arg(log)
        .arg(sources);
    c
}

#[test]
fn follow_polls_politely_and_resumes_after_kill_9_without_fetching_twice() {
    let shared = Arc::new(Shared::default());
    let a = serve(Arc::clone(&shared));
    let b = serve(Arc::clone(&shared));
    let s = Servers { shared };
    let news = s.url(a, "/news/");
    // Server A: robots.txt, a feed, a sitemap index that lists itself and
    // a news sitemap.
    s.set(
        a,
        "/robots.txt",
        ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    s.set(a, "/feed.rss", rss(&news, &["1", "2"]));
    for n in ["1", "2", "3", "4", "5", "6", "7", "8", "hold", "sm1"] {
        s.set(a, &format!("/news/{n}"), page(n));
    }
    s.set(a, "/private/secret", page("secret"));
    s.set(a, "/news/broken", status(500));
    s.set(a, "/news/loop", status(302));
    let index = format!(
        "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>{}</loc></sitemap><sitemap><loc>{}</loc></sitemap></sitemapindex>",
        s.url(a, "/sitemap-index.xml"),
        s.url(a, "/news-sitemap.xml")
    );
    s.set(a, "/sitemap-index.xml", ok("application/xml", index));
    s.set(a, "/news-sitemap.xml", ok("application/xml", format!(
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>{news}sm1</loc><news:news><news:publication_date>2026-05-12T09:00:00Z</news:publication_date><news:title>Harbour report sm1</news:title></news:news></url></urlset>"
    )));
    // Server B: slow; one page trickles past the time limit.
    s.set(b, "/robots.txt", status(404));
    let abe = abe_pages(3);
    let mut b_items: Vec<String> = vec!["quick".into(), "trickle".into()];
    for (i, p) in abe.iter().enumerate() {
        s.set(b, &format!("/abe/{i}"), ok("text/html", p.clone()));
        b_items.push(format!("abe/{i}"));
    }
    s.set(b, "/quick", page("quick"));
    s.set(
        b,
        "/trickle",
        Resource {
            trickle: Some(Duration::from_millis(300)),
            ..page("trickle")
        },
    );
    let b_refs: Vec<&str> = b_items.iter().map(String::as_str).collect();
    s.set(b, "/feed.rss", rss(&s.url(b, "/"), &b_refs));
    // A broken feed: the source fails, the rest goes on.
    let mut broken = rss(&s.url(b, "/"), &["quick"]);
    broken.body.truncate(broken.body.len() / 2);
    s.set(b, "/broken.rss", broken);

    let tmp = tempfile::tempdir().unwrap();
    let sources = tmp.path().join("sources.txt");
    std::fs::write(
        &sources,
        format!(
            "# watched\n{}\n{}\n{}\n{}\n",
            s.url(a, "/feed.rss"),
            s.url(a, "/sitemap-index.xml"),
            s.url(b, "/broken.rss"),
            s.url(b, "/feed.rss")
        ),
    )
    .unwrap();
    let db = tmp.path().join("w.db");
    let log = tmp.path().join("follow.log");
    let mut windows = Vec::new();
    let mut round = |s: &Servers, n: usize| {
        s.shared.run.store(n, Ordering::SeqCst);
        let start = chrono::Utc::now();
        follow_once(&db, &sources, &log).assert().success();
        windows.push((start, chrono::Utc::now()));
    };
    // Round 1.
    round(&s, 1);
    // Round 2: new items, one forbidden by robots.txt, one failing.
    s.set(a, "/feed.rss", rss(&news, &["1", "2", "3", "broken"]));
    let mut with_private = rss(&news, &["1", "2", "3", "broken"]);
    with_private.body = String::from_utf8(with_private.body)
        .unwrap()
        .replace(
            "</channel>",
            &format!(
                "<item><title>x</title><link>{}</link></item></channel>",
                s.url(a, "/private/secret")
            ),
        )
        .into_bytes();
    s.set(a, "/feed.rss", with_private);
    round(&s, 2);
    // Round 3: another, a missing page and a redirect loop.
    s.set(
        a,
        "/feed.rss",
        rss(&news, &["2", "3", "4", "missing", "loop", "broken"]),
    );
    round(&s, 3);
    // Round 4, killed while a page is being fetched, then resumed.
    s.set(
        a,
        "/news/hold",
        Resource {
            hold: true,
            ..page("hold")
        },
    );
    s.set(
        a,
        "/feed.rss",
        rss(&news, &["4", "5", "6", "hold", "7", "8"]),
    );
    s.shared.run.store(4, Ordering::SeqCst);
    let start = chrono::Utc::now();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("wiretrace"))
        .arg("--db")
        .arg(&db)
        .args(["follow", "--once", "--quiet", "--interval", "0s"])
        .args([
            "--host-delay",
            &format!("{HOST_DELAY_MS}ms"),
            "--timeout",
            "20s",
        ])
        .arg(&sources)
        .env_remove("WIRETRACE_DB")
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !s.log().iter().any(|l| l.run == 4 && l.path == "/news/hold") {
        assert!(
            Instant::now() < deadline,
            "the held page was never asked for"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    s.shared.released.store(true, Ordering::SeqCst);
    s.set(a, "/news/hold", page("hold"));
    s.shared.run.store(5, Ordering::SeqCst);
    follow_once(&db, &sources, &log).assert().success();
    windows.push((start, chrono::Utc::now()));

    let requests = s.log();
    let count = |port: u16, path: &str| {
        requests
            .iter()
            .filter(|l| l.port == port && l.path == path)
            .count()
    };
    // No page fetched twice: each once, but the one killed in flight (asked
    // again after the restart) and the failing one (tried up to 3 times).
    for n in ["1", "2", "3", "4", "5", "6", "7", "8", "sm1"] {
        assert_eq!(
            count(a, &format!("/news/{n}")),
            1,
            "/news/{n}: {requests:#?}"
        );
    }
    assert_eq!(count(a, "/news/hold"), 2);
    assert_eq!(count(a, "/news/missing"), 1);
    assert_eq!(
        count(a, "/news/loop"),
        1,
        "a redirect loop is seen before it is followed"
    );
    assert_eq!(
        count(a, "/news/broken"),
        3,
        "a 500 is tried 3 times, then given up"
    );
    assert_eq!(count(b, "/quick"), 1);
    for i in 0..abe.len() {
        assert_eq!(count(b, &format!("/abe/{i}")), 1);
    }
    // robots.txt obeyed, and read each round.
    assert_eq!(
        count(a, "/private/secret"),
        0,
        "robots.txt forbids /private/"
    );
    assert!(count(a, "/robots.txt") >= 4);
    // Conditional GET: an unchanged source answered 304.
    assert!(
        requests
            .iter()
            .any(|l| l.if_none_match.is_some() && l.status == 304),
        "no conditional GET: {requests:#?}"
    );
    // The sitemap index that lists itself is read once a poll.
    for run in 1..=3 {
        let n = requests
            .iter()
            .filter(|l| l.run == run && l.path == "/sitemap-index.xml")
            .count();
        assert_eq!(n, 1, "round {run}");
    }
    // The slow page is cut off at the time limit, not waited for.
    assert!(count(b, "/trickle") >= 1);
    // Every request names wiretrace and the contact; one host is asked at
    // most once per host delay within a run.
    for l in &requests {
        assert!(l.user_agent.starts_with("wiretrace/"), "{l:?}");
    }
    for run in 1..=5 {
        let mut times: Vec<Instant> = requests
            .iter()
            .filter(|l| l.run == run)
            .map(|l| l.at)
            .collect();
        times.sort();
        for w in times.windows(2) {
            let gap = w[1] - w[0];
            assert!(
                gap >= Duration::from_millis(HOST_DELAY_MS),
                "round {run}: two requests to 127.0.0.1 {gap:?} apart"
            );
        }
    }
    assert!(requests
        .iter()
        .filter(|l| l.run <= 3)
        .all(|l| l.user_agent.contains("desk@wiretrace-test.example")));
    // Every page stored once, with its first-seen time in the run that
    // fetched it.
    let articles = export(&db, "articles");
    let mut by_url: HashMap<String, usize> = HashMap::new();
    for art in &articles {
        *by_url
            .entry(art["url"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
        let seen =
            chrono::DateTime::parse_from_rfc3339(art["first_seen"].as_str().expect("first_seen"))
                .unwrap();
        assert!(
            windows
                .iter()
                .any(|(s, e)| *s - chrono::Duration::seconds(1) <= seen
                    && seen <= *e + chrono::Duration::seconds(1)),
            "{} first seen {seen} outside every run",
            art["url"]
        );
    }
    for n in ["1", "2", "3", "4", "5", "6", "7", "8", "hold", "sm1"] {
        assert_eq!(
            by_url.get(&format!("{news}{n}")),
            Some(&1),
            "{n}: {by_url:?}"
        );
    }
    assert_eq!(by_url.get(&s.url(b, "/quick")), Some(&1));
    assert!(by_url.values().all(|n| *n == 1), "{by_url:?}");
    // The failures are listed with their reason.
    let rejected = common::stdout_of(&db, &["--json", "rejected"]);
    assert!(
        rejected.contains("/news/missing") && rejected.contains("HTTP 404"),
        "{rejected}"
    );
    assert!(
        rejected.contains("/news/broken") && rejected.contains("HTTP 500"),
        "{rejected}"
    );
    assert!(
        rejected.contains("/trickle") && rejected.contains("timed out"),
        "{rejected}"
    );
    assert!(
        rejected.contains("/news/loop") && rejected.contains("redirect loop"),
        "{rejected}"
    );
    // Progress went to the log.
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains(&format!(
            "source {}: refused: malformed XML",
            s.url(b, "/broken.rss")
        )),
        "{log_text}"
    );
    assert!(
        log_text.contains("round 1:") && log_text.contains("robots.txt forbids"),
        "{log_text}"
    );
}

#[test]
fn sigterm_stops_the_watcher_between_requests_and_it_says_so() {
    let shared = Arc::new(Shared::default());
    let a = serve(Arc::clone(&shared));
    let s = Servers { shared };
    s.set(a, "/robots.txt", status(404));
    let news = s.url(a, "/news/");
    let items: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    s.set(a, "/feed.rss", rss(&news, &refs));
    for i in &items {
        s.set(a, &format!("/news/{i}"), page(i));
    }
    let tmp = tempfile::tempdir().unwrap();
    let sources = tmp.path().join("sources.txt");
    std::fs::write(&sources, s.url(a, "/feed.rss")).unwrap();
    let db = tmp.path().join("w.db");
    let log = tmp.path().join("follow.log");
    // Not --once: it would run until told to stop.
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("wiretrace"))
        .arg("--db")
        .arg(&db)
        .args(["follow", "--quiet", "--host-delay", "100ms", "--log"])
        .arg(&log)
        .arg(&sources)
        .env_remove("WIRETRACE_DB")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while s
        .log()
        .iter()
        .filter(|l| l.path.starts_with("/news/"))
        .count()
        < 5
    {
        assert!(Instant::now() < deadline, "no page asked for");
        std::thread::sleep(Duration::from_millis(20));
    }
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let asked = s
        .log()
        .iter()
        .filter(|l| l.path.starts_with("/news/"))
        .count();
    assert!(asked < 40, "it went on after SIGTERM: {asked} pages asked");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains("stopped by a signal"), "{log_text}");
    // What it fetched is stored; the rest waits for the next run.
    let stored = export(&db, "articles").len();
    assert!(
        stored >= 5 && stored == asked,
        "{stored} stored, {asked} asked"
    );
    s.shared.run.store(1, Ordering::SeqCst);
    follow_once(&db, &sources, &log).assert().success();
    assert_eq!(export(&db, "articles").len(), 40);
    for i in &items {
        let n = s
            .log()
            .iter()
            .filter(|l| l.path == format!("/news/{i}"))
            .count();
        assert_eq!(n, 1, "/news/{i}");
    }
}

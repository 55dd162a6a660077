//! # wiretrace-server
//!
//! Serves a wiretrace store over HTTP: a JSON API under `/api/` and
//! server-rendered pages to browse stories, articles and shared passages.
//! Reads only: ingesting stays with the CLI. Requests borrow a connection
//! from a small pool (WAL lets readers run beside a writer, and each read
//! sees the latest commit), so statements stay prepared between requests.
//!
//! Everything taken from ingested pages is escaped before it reaches a page;
//! the pages carry a Content-Security-Policy that forbids scripts, so even a
//! slip could not run ingested code. Request bodies are refused beyond a few
//! kilobytes (the API only reads), and lists are paged (at most
//! [`MAX_PAGE`] rows).
//!
//! Search uses SQLite's FTS5 index kept in the store itself: no second
//! index to build, ship or keep in step, which a tantivy index would need.

mod api;
mod model;
mod net;
mod pages;
pub mod refresh;

pub use net::{serve_on, Limits};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Semaphore;
use wiretrace_store::SqliteStore;

/// Largest page of any list.
pub const MAX_PAGE: usize = 200;
/// Largest offset into any list (docs/openapi.json says so too).
pub const MAX_OFFSET: usize = 1_000_000_000;
/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;

/// What every handler shares: where the store is, a bounded pool of
/// connections to it, the cap on requests in flight, and the `Host`
/// values this server answers to.
#[derive(Clone)]
pub struct AppState {
    db: Arc<PathBuf>,
    idle: Arc<std::sync::Mutex<Vec<SqliteStore>>>,
    /// One permit per store connection: at most `limits.pool` are open.
    pool: Arc<Semaphore>,
    in_flight: Arc<Semaphore>,
    hosts: Arc<Option<Vec<String>>>,
    limits: Arc<Limits>,
}

impl AppState {
    /// A state answering to any `Host`: for a server on an unspecified
    /// address, or in tests without a socket.
    pub fn new(db: PathBuf) -> Self {
        Self::with_limits(db, Limits::default(), None)
    }

    /// `bound`: the address the server listens on; requests must name it
    /// (or `localhost` for a loopback address) in their `Host` header,
    /// unless it is an unspecified address (0.0.0.0, ::), which answers to
    /// any name.
    pub fn with_limits(db: PathBuf, limits: Limits, bound: Option<SocketAddr>) -> Self {
        AppState {
            db: Arc::new(db),
            idle: Arc::default(),
            pool: Arc::new(Semaphore::new(limits.pool.max(1))),
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            hosts: Arc::new(bound.and_then(allowed_hosts)),
            limits: Arc::new(limits),
        }
    }

    /// Runs `f` on a pooled connection to the store, off the async threads.
    /// Waits for a free connection at most `limits.pool_wait`, then answers
    /// 503: memory stays bounded by the pool, whatever the number of
    /// clients.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteStore) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.limits.pool_wait, self.pool.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::unavailable("the store is busy: try again shortly"))?
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let pooled = state.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let store = match pooled {
                Some(s) => s,
                None => open_reader(&state.db, state.limits.cache_kib)?,
            };
            let out = f(&store);
            // Every connection is returned: the permits bound their number.
            state
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(store);
            out
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    }
}

/// A connection for the server's readers, with a page cache of `cache_kib`.
fn open_reader(db: &Path, cache_kib: i64) -> Result<SqliteStore, ApiError> {
    let store = SqliteStore::open(db).map_err(|e| ApiError::internal(e.to_string()))?;
    store.set_cache_kib(cache_kib)?;
    Ok(store)
}

/// The `Host` values (lower case) a server bound to `bound` answers to;
/// `None`: any (an unspecified address).
fn allowed_hosts(bound: SocketAddr) -> Option<Vec<String>> {
    let ip = bound.ip();
    if ip.is_unspecified() {
        return None;
    }
    let port = bound.port();
    let mut names = vec![match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    }];
    if ip.is_loopback() {
        names.push("localhost".into());
    }
    let mut out: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
    if port == 80 {
        out.extend(names);
    }
    Some(out)
}

/// An error as the API returns it: a status and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, m: impl Into<String>) -> Self {
        ApiError {
            status,
            message: m.into(),
        }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, m)
    }
    pub fn internal(m: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, m)
    }
    /// 503: the server sheds load; the response says when to come back.
    pub fn unavailable(m: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, m)
    }
}

impl From<wiretrace_store::StoreError> for ApiError {
    fn from(e: wiretrace_store::StoreError) -> Self {
        ApiError::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(serde_json::json!({"error": self.message, "status": self.status.as_u16()})),
        )
            .into_response();
        retry_after(&mut r);
        r
    }
}

/// Every 503 says when to try again.
fn retry_after(r: &mut Response) {
    if r.status() == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
}

/// An error in the form the path's clients read: JSON under `/api/`, an
/// HTML page elsewhere.
pub(crate) fn error_for(path: &str, e: ApiError) -> Response {
    if path == "/api" || path.starts_with("/api/") {
        e.into_response()
    } else {
        let mut r = pages::error_page(e);
        retry_after(&mut r);
        r
    }
}

/// The API's routes: the paths docs/openapi.json documents (a test keeps
/// the two in step).
pub fn api_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/health", get(api::health)),
        ("/api/stories", get(api::stories)),
        ("/api/stories/{id}", get(api::story)),
        ("/api/stories/{id}/quotes", get(api::story_quotes)),
        ("/api/quotes", get(api::quotes)),
        ("/api/quotes/{id}", get(api::quote)),
        ("/api/entities", get(api::entities)),
        ("/api/entities/{id}", get(api::entity)),
        ("/api/articles/{id}", get(api::article)),
        ("/api/compare", get(api::compare)),
        ("/api/search", get(api::search)),
    ]
}

/// The whole application: API and pages.
pub fn router(state: AppState) -> Router {
    api_routes()
        .into_iter()
        .fold(Router::new(), |r, (path, handler)| r.route(path, handler))
        .route("/", get(pages::stories))
        .route("/stories/{id}", get(pages::story))
        .route("/articles/{id}", get(pages::article))
        .route("/article", get(pages::article_by_query))
        .route("/compare", get(pages::compare))
        .route("/entities/{id}", get(pages::entity))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(uniform_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_in_flight,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_host,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    error_for(
        uri.path(),
        ApiError::not_found(format!("no such page: {}", uri.path())),
    )
}

/// Errors raised before a handler runs (a path that is not UTF-8, a query
/// that does not decode, a method other than GET, a body too large) come
/// from the framework as plain text or empty; they leave in the same form
/// as every other error, keeping their status and headers (`Allow`).
async fn uniform_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let r = next.run(req).await;
    let typed = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if !(r.status().is_client_error() || r.status().is_server_error()) || typed {
        return r;
    }
    let (parts, body) = r.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        match parts.status {
            StatusCode::METHOD_NOT_ALLOWED => {
                "method not allowed: this server only reads (GET)".into()
            }
            s => s.canonical_reason().unwrap_or("error").to_lowercase(),
        }
    } else {
        text
    };
    let mut out = error_for(&path, ApiError::new(parts.status, message));
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// Past `limits.max_in_flight` requests at once, the next are answered 503
/// at once rather than queued without bound.
async fn limit_in_flight(State(s): State<AppState>, req: Request, next: Next) -> Response {
    match s.in_flight.clone().try_acquire_owned() {
        Ok(_permit) => next.run(req).await,
        Err(_) => error_for(
            req.uri().path(),
            ApiError::unavailable("too many requests at once: try again shortly"),
        ),
    }
}

/// A page served on a loopback or private address must not be readable by
/// a web site whose name was made to resolve to it (DNS rebinding): the
/// `Host` header must name the address the server is bound to.
async fn check_host(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(hosts) = s.hosts.as_ref() {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(|h| h.trim().to_ascii_lowercase())
            .or_else(|| {
                req.uri()
                    .authority()
                    .map(|a| a.as_str().to_ascii_lowercase())
            });
        match host {
            Some(h) if hosts.contains(&h) => {}
            other => {
                let message = format!(
                    "Host {} is not this server's address (use {})",
                    other.map_or("(missing)".to_string(), |h| format!("{h:?}")),
                    hosts.join(" or ")
                );
                return error_for(
                    req.uri().path(),
                    ApiError::new(StatusCode::MISDIRECTED_REQUEST, message),
                );
            }
        }
    }
    next.run(req).await
}

/// No script may run on a page, whatever an ingested text holds, and no
/// other site may frame one.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// Serves the store at `db` on `addr` until interrupted, within the
/// default [`Limits`]. Prints the bound address (useful with port 0) on
/// standard output. With `refresh` (and how often to look for a change),
/// what is derived from the whole store is brought up to date before
/// listening and whenever the store changes (see [`refresh`]).
pub async fn serve(
    db: PathBuf,
    addr: SocketAddr,
    refresh: Option<(refresh::Refresh, std::time::Duration)>,
) -> std::io::Result<()> {
    if !db.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no store at {} (run `wiretrace ingest` or `wiretrace demo` first)",
                db.display()
            ),
        ));
    }
    if let Some((r, every)) = refresh {
        let db = db.clone();
        tokio::task::spawn_blocking(move || refresh::start(db, r, every))
            .await
            .map_err(std::io::Error::other)??;
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    println!("listening on http://{bound}");
    use std::io::Write;
    std::io::stdout().flush()?;
    serve_on(listener, db, Limits::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request as HttpRequest;
    use std::time::Duration;
    use tower::ServiceExt;

    /// An empty store in a temporary folder (kept alive by the guard).
    fn empty_store() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        drop(SqliteStore::open(&db).unwrap());
        (dir, db)
    }

    const BOUND: &str = "127.0.0.1:8080";

    fn state(db: &Path, limits: Limits) -> AppState {
        AppState::with_limits(db.to_path_buf(), limits, Some(BOUND.parse().unwrap()))
    }

    /// Status, headers and body of one request through the router.
    async fn call(
        state: &AppState,
        method: &str,
        uri: &str,
        host: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = HttpRequest::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        let r = router(state.clone()).oneshot(req).await.unwrap();
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    fn content_type(h: &axum::http::HeaderMap) -> &str {
        h.get(header::CONTENT_TYPE)
            .map_or("", |v| v.to_str().unwrap())
    }

    #[tokio::test]
    async fn a_host_other_than_the_bound_address_is_refused() {
        let (_dir, db) = empty_store();
        let s = state(&db, Limits::default());
        for host in [BOUND, "localhost:8080", "LOCALHOST:8080"] {
            let (status, _, body) = call(&s, "GET", "/api/health", host).await;
            assert_eq!(status, StatusCode::OK, "{host}: {body}");
        }
        // A name made to resolve to loopback (DNS rebinding), another port.
        for host in [
            "attacker.example:8080",
            "attacker.example",
            "127.0.0.1:9999",
            "localhost",
        ] {
            let (status, h, body) = call(&s, "GET", "/api/health", host).await;
            assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host}");
            assert!(content_type(&h).starts_with("application/json"), "{host}");
            assert!(body.contains("not this server"), "{body}");
            let (status, h, _) = call(&s, "GET", "/", host).await;
            assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host}");
            assert!(content_type(&h).starts_with("text/html"), "{host}");
        }
        // Bound to every address: any name is this server's.
        let any = AppState::with_limits(
            db.clone(),
            Limits::default(),
            Some("0.0.0.0:8080".parse().unwrap()),
        );
        let (status, _, _) = call(&any, "GET", "/api/health", "wiretrace.example").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn no_page_may_be_framed() {
        let (_dir, db) = empty_store();
        let (_, h, _) = call(&state(&db, Limits::default()), "GET", "/", BOUND).await;
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    }

    #[tokio::test]
    async fn every_error_is_json_under_api_and_html_elsewhere() {
        let (_dir, db) = empty_store();
        let s = state(&db, Limits::default());
        for (method, uri, status) in [
            ("GET", "/api/nothing-here", 404),
            ("POST", "/api/health", 405),
            ("DELETE", "/api/stories", 405),
            ("GET", "/api/articles/%FF%FE", 400),
            ("GET", "/api/stories/%C3", 400),
            ("GET", "/api/stories?limit=%FF", 400),
            ("GET", "/api/stories?offset=1000000001", 400),
        ] {
            let (got, h, body) = call(&s, method, uri, BOUND).await;
            assert_eq!(got.as_u16(), status, "{method} {uri}: {body}");
            assert!(
                content_type(&h).starts_with("application/json"),
                "{method} {uri}"
            );
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["status"], status, "{body}");
            assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
            if status == 405 {
                assert_eq!(h[header::ALLOW], "GET,HEAD", "{method} {uri}");
            }
        }
        for (method, uri, status) in [
            ("GET", "/no-such-page", 404),
            ("GET", "/stories/no-such-story", 404),
            ("GET", "/articles/%FF", 400),
            ("POST", "/", 405),
        ] {
            let (got, h, body) = call(&s, method, uri, BOUND).await;
            assert_eq!(got.as_u16(), status, "{method} {uri}: {body}");
            assert!(
                content_type(&h).starts_with("text/html"),
                "{method} {uri}: {:?}",
                h
            );
            assert!(body.contains("<h1>"), "{body}");
        }
    }

    #[tokio::test]
    async fn health_answers_without_counting() {
        let (_dir, db) = empty_store();
        let (status, _, body) =
            call(&state(&db, Limits::default()), "GET", "/api/health", BOUND).await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "ok");
        assert!(v["schema"].as_u64().is_some_and(|n| n > 0), "{v}");
        assert!(v.get("articles").is_none(), "health counts nothing: {v}");
    }

    #[tokio::test]
    async fn past_the_requests_in_flight_the_next_is_shed_with_retry_after() {
        let (_dir, db) = empty_store();
        let s = state(
            &db,
            Limits {
                max_in_flight: 2,
                ..Limits::default()
            },
        );
        let held = s.in_flight.clone().acquire_many_owned(2).await.unwrap();
        for uri in ["/api/health", "/"] {
            let (status, h, _) = call(&s, "GET", uri, BOUND).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
            assert_eq!(h[header::RETRY_AFTER], "1");
        }
        drop(held);
        let (status, _, _) = call(&s, "GET", "/api/health", BOUND).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_request_waits_for_a_store_connection_then_gets_503() {
        let (_dir, db) = empty_store();
        let s = state(
            &db,
            Limits {
                pool: 2,
                pool_wait: Duration::from_millis(50),
                ..Limits::default()
            },
        );
        let held = s.pool.clone().acquire_many_owned(2).await.unwrap();
        let (status, h, body) = call(&s, "GET", "/api/stories", BOUND).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(h[header::RETRY_AFTER], "1");
        drop(held);
        let (status, _, _) = call(&s, "GET", "/api/stories", BOUND).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_concurrent_requests_share_a_bounded_pool() {
        let (_dir, db) = empty_store();
        let s = state(
            &db,
            Limits {
                pool: 2,
                ..Limits::default()
            },
        );
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                call(&s, "GET", "/api/stories?q=harbour", BOUND).await.0
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), StatusCode::OK);
        }
        let open = s.idle.lock().unwrap().len();
        assert!(
            (1..=2).contains(&open),
            "{open} store connections were opened"
        );
    }

    #[test]
    fn the_openapi_file_documents_exactly_the_api_routes() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/openapi.json"))
                .expect("docs/openapi.json is JSON");
        let mut documented: Vec<String> = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .cloned()
            .collect();
        let mut served: Vec<String> = api_routes()
            .into_iter()
            .map(|(p, _)| p.to_string())
            .collect();
        documented.sort();
        served.sort();
        assert_eq!(documented, served);
        for (path, item) in doc["paths"].as_object().unwrap() {
            let get = &item["get"];
            assert!(get["summary"].is_string(), "{path}: summary");
            assert!(get["responses"]["200"].is_object(), "{path}: 200 response");
        }
    }
}

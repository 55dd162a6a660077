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
mod pages;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use wiretrace_store::SqliteStore;

/// Largest page of any list.
pub const MAX_PAGE: usize = 200;
/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;

/// Idle connections kept for reuse; more are opened under load and closed
/// when the pool is full.
const POOL_IDLE: usize = 16;

/// What every handler shares: where the store is, and idle connections to it.
#[derive(Clone)]
pub struct AppState {
    db: Arc<PathBuf>,
    idle: Arc<std::sync::Mutex<Vec<SqliteStore>>>,
}

impl AppState {
    pub fn new(db: PathBuf) -> Self {
        AppState {
            db: Arc::new(db),
            idle: Arc::default(),
        }
    }

    /// Runs `f` on a pooled connection to the store, off the async threads.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteStore) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = state.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let store = match pooled {
                Some(s) => s,
                None => {
                    SqliteStore::open(&state.db).map_err(|e| ApiError::internal(e.to_string()))?
                }
            };
            let out = f(&store);
            let mut idle = state.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < POOL_IDLE {
                idle.push(store);
            }
            out
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    }
}

/// An error as the API returns it: a status and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: m.into(),
        }
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: m.into(),
        }
    }
    pub fn internal(m: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: m.into(),
        }
    }
}

impl From<wiretrace_store::StoreError> for ApiError {
    fn from(e: wiretrace_store::StoreError) -> Self {
        ApiError::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"error": self.message, "status": self.status.as_u16()})),
        )
            .into_response()
    }
}

/// The API's routes: the paths docs/openapi.json documents (a test keeps
/// the two in step).
pub fn api_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/health", get(api::health)),
        ("/api/stories", get(api::stories)),
        ("/api/stories/{id}", get(api::story)),
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
        .route("/compare", get(pages::compare))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// No script may run on a page, whatever an ingested text holds.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'"),
    );
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

/// Serves the store at `db` on `addr` until interrupted. Prints the bound
/// address (useful with port 0) on standard output.
pub async fn serve(db: PathBuf, addr: SocketAddr) -> std::io::Result<()> {
    if !db.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no store at {} (run `wiretrace ingest` or `wiretrace demo` first)",
                db.display()
            ),
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    println!("listening on http://{bound}");
    use std::io::Write;
    std::io::stdout().flush()?;
    axum::serve(listener, router(AppState::new(db)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

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

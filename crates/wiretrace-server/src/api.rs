//! The JSON API under `/api/` (documented in docs/openapi.json).

use crate::model::{self, parse_count};
use crate::{ApiError, AppState, MAX_PAGE};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use wiretrace_store::Store;

type Params = Query<HashMap<String, String>>;

/// 200 when the store answers. Counts nothing: a monitor polls this, and
/// counting the tables of a large store took a tenth of a second each time
/// (`/api/stories` gives the number of stories).
pub async fn health(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let schema = s.with_store(|store| Ok(store.schema_version()?)).await?;
    Ok(Json(json!({"status": "ok", "schema": schema})))
}

pub async fn stories(State(s): State<AppState>, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let list = s
        .with_store(move |store| model::story_list(store, &p))
        .await?;
    Ok(Json(json!(list)))
}

pub async fn story(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let view = s
        .with_store(move |store| model::story_view(store, &id, &p))
        .await?;
    Ok(Json(json!(view)))
}

pub async fn article(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = s
        .with_store(move |store| model::article_view(store, &id))
        .await?;
    Ok(Json(json!(view)))
}

pub async fn compare(State(s): State<AppState>, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let view = s
        .with_store(move |store| model::compare_view(store, &p))
        .await?;
    Ok(Json(json!(view)))
}

pub async fn search(State(s): State<AppState>, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let q = p
        .get("q")
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .ok_or_else(|| ApiError::bad_request("missing parameter \"q\": the words to search for"))?;
    let limit = parse_count("limit", p.get("limit"), 20, MAX_PAGE)?;
    let hits = s
        .with_store(move |store| Ok(store.search(&q, limit)?))
        .await?;
    Ok(Json(json!({"hits": hits})))
}

pub async fn quotes(State(s): State<AppState>, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let list = s
        .with_store(move |store| model::quote_list(store, &p))
        .await?;
    Ok(Json(json!(list)))
}

pub async fn quote(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = s
        .with_store(move |store| model::quote_view(store, &id))
        .await?;
    Ok(Json(json!(view)))
}

pub async fn story_quotes(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = s
        .with_store(move |store| model::story_quotes(store, &id))
        .await?;
    Ok(Json(json!(view)))
}

pub async fn entities(
    State(s): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let list = s
        .with_store(move |store| model::entity_list(store, &p))
        .await?;
    Ok(Json(json!(list)))
}

pub async fn entity(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let view = s
        .with_store(move |store| model::entity_view(store, &id, &p))
        .await?;
    Ok(Json(json!(view)))
}

//! The HTTP server (axum): the feeds, and a health check.
//!
//! Feeds are rendered once per store change, not per request: a rendering is
//! cached with its gzip twin and its ETag until the store's generation moves.
//! Handlers return [`AppError`], which maps to status codes in one place.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::daemon::Live;
use crate::metrics::Metrics;
use crate::publish::rss::{self, FeedMeta};
use crate::status::{self, StatusReport};
use crate::store::{Filter, Store};

#[derive(Clone)]
pub struct AppState {
    pub live: Arc<Live>,
    pub store: Store,
    cache: Arc<Mutex<HashMap<Filter, Arc<Rendered>>>>,
}

impl AppState {
    /// A server over a store alone (no daemon around it).
    pub fn new(config: Arc<Config>, store: Store) -> AppState {
        let live = Live::new(config, None, Arc::new(Metrics::default()));
        AppState::with_live(Arc::new(live), store)
    }

    /// The daemon's server: its configuration (reloaded in place), channel
    /// state and metrics.
    pub fn with_live(live: Arc<Live>, store: Store) -> AppState {
        AppState {
            live,
            store,
            cache: Arc::default(),
        }
    }

    fn config(&self) -> Arc<Config> {
        self.live.config()
    }

    fn report(&self) -> StatusReport {
        let channel = self
            .live
            .channel
            .as_ref()
            .map(|c| c.lock().expect("status poisoned").clone());
        let next = self.live.next_poll.lock().expect("poisoned").clone();
        let err = self.live.config_error.lock().expect("poisoned").clone();
        status::report(&self.config(), &self.store, &next, err, channel)
    }
}

/// One rendering of a feed, valid for one store generation.
struct Rendered {
    generation: u64,
    body: Vec<u8>,
    gzip: Vec<u8>,
    etag: String,
    last_modified: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => {
                (StatusCode::NOT_FOUND, "không tìm thấy / not found\n").into_response()
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "store error while serving");
                (StatusCode::INTERNAL_SERVER_ERROR, "store error\n").into_response()
            }
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/feed.xml", get(unified_feed))
        .route("/topics/{file}", get(topic_feed))
        .route("/sources/{file}", get(source_feed))
        .route("/healthz", get(healthz))
        .route("/status.json", get(status_json))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Serve until `shutdown` trips; requests in flight finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

async fn unified_feed(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed_response(&st, Filter::All, &headers)
}

async fn topic_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = file.strip_suffix(".xml").ok_or(AppError::NotFound)?;
    feed_response(&st, Filter::Topic(id.to_string()), &headers)
}

async fn source_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = file.strip_suffix(".xml").ok_or(AppError::NotFound)?;
    feed_response(&st, Filter::Source(id.to_string()), &headers)
}

/// 200 while the store is open; `status` is "degraded" when a source is
/// broken, the channel paused, or the last configuration edit refused.
async fn healthz(State(st): State<AppState>) -> Response {
    let r = st.report();
    let broken: Vec<&str> = r
        .sources
        .iter()
        .filter(|s| s.health == "broken")
        .map(|s| s.id.as_str())
        .collect();
    let paused = r.telegram.as_ref().is_some_and(|t| t.mode == "paused");
    let degraded = paused || !broken.is_empty() || r.config_error.is_some();
    Json(serde_json::json!({
        "status": if degraded { "degraded" } else { "ok" },
        "items": r.items,
        "sources": r.sources.len(),
        "broken": broken,
        "config_error": r.config_error,
        "telegram": r.telegram,
    }))
    .into_response()
}

async fn status_json(State(st): State<AppState>) -> Response {
    Json(st.report()).into_response()
}

async fn metrics(State(st): State<AppState>) -> Response {
    let body = st.live.metrics.render(&st.config(), &st.store);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

fn rendered(st: &AppState, filter: Filter) -> Result<Arc<Rendered>, AppError> {
    let meta = FeedMeta::for_filter(&st.config(), &filter).ok_or(AppError::NotFound)?;
    let generation = st.store.generation();
    let mut cache = st.cache.lock().expect("feed cache poisoned");
    if let Some(r) = cache.get(&filter) {
        if r.generation == generation {
            return Ok(r.clone());
        }
    }
    let items = st.store.latest(&filter, st.config().server.max_items)?;
    let now = Utc::now();
    let body = rss::render(&st.config(), &meta, &items, now).into_bytes();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&body).expect("gzip to memory");
    let gzip = gz.finish().expect("gzip to memory");
    // The ETag ignores lastBuildDate, so an unchanged item list keeps its tag
    // across renderings and readers keep getting 304s.
    let digest = Sha256::digest(format!(
        "{:?}",
        items
            .iter()
            .map(|i| (&i.id, &i.title, &i.topics, &i.sources))
            .collect::<Vec<_>>()
    ));
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let last_modified = match cache.get(&filter) {
        Some(old) if old.etag == etag => old.last_modified,
        _ => now,
    };
    let r = Arc::new(Rendered {
        generation,
        body,
        gzip,
        etag,
        last_modified,
    });
    cache.insert(filter, r.clone());
    Ok(r)
}

fn feed_response(st: &AppState, filter: Filter, req: &HeaderMap) -> Result<Response, AppError> {
    let r = rendered(st, filter)?;
    let last_modified = r
        .last_modified
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&r.etag).expect("hex etag"),
    );
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(&last_modified).expect("ascii date"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if not_modified(req, &r.etag, r.last_modified) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    if accepts_gzip(req) {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return Ok((headers, r.gzip.clone()).into_response());
    }
    Ok((headers, r.body.clone()).into_response())
}

fn not_modified(req: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    if let Some(ims) = req
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
    {
        if let Ok(since) = DateTime::parse_from_rfc2822(ims) {
            return last_modified.timestamp() <= since.timestamp();
        }
    }
    false
}

fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|enc| {
            let mut parts = enc.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
        })
}

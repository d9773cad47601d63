//! The HTTP server (axum): the feeds, and a health check.
//!
//! Feeds are rendered once per store change, not per request: a rendering is
//! cached with its gzip twin and its ETag until the store's generation moves.
//! Handlers return [`AppError`], which maps to status codes in one place.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::publish::rss::{self, FeedMeta};
use crate::publish::{admin, atom, json_feed, server, status_page};
use crate::status::{self, StatusReport};
use crate::store::{Filter, Store};

/// Renderings by feed and format, each valid for one store generation.
type FeedCache = HashMap<(Filter, Format), Arc<Rendered>>;

#[derive(Clone)]
pub struct AppState {
    pub live: Arc<Live>,
    /// Behind an `Arc`: axum clones the state for every request.
    pub store: Arc<Store>,
    /// Where `POST /admin/reload` (and the web admin, after an edit) asks
    /// for a reload (the daemon only).
    pub(super) reload: Option<tokio::sync::mpsc::Sender<()>>,
    /// `TINKHAC_ADMIN_TOKEN`: without it, no endpoint that changes state exists.
    admin_token: Option<Arc<str>>,
    /// The web admin's sessions and login limits, when a token is set.
    pub(super) web: Option<Arc<admin::AdminWeb>>,
    cache: Arc<Mutex<FeedCache>>,
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
            store: Arc::new(store),
            reload: None,
            admin_token: None,
            web: None,
            cache: Arc::default(),
        }
    }

    /// Enable `POST /admin/reload`, when an admin token is set.
    pub fn with_reload(mut self, tx: tokio::sync::mpsc::Sender<()>) -> AppState {
        self.reload = Some(tx);
        self
    }

    /// The bearer token for endpoints that change state (from the
    /// environment; see `cli`). Without one they are not routed at all.
    pub fn with_admin_token(mut self, token: Option<String>) -> AppState {
        self.admin_token = token.filter(|t| !t.is_empty()).map(Arc::from);
        self.web = self
            .admin_token
            .clone()
            .map(|t| Arc::new(admin::AdminWeb::new(t)));
        self
    }

    pub(super) fn config(&self) -> Arc<Config> {
        self.live.config()
    }

    pub(super) fn report(&self) -> StatusReport {
        let channel = self
            .live
            .channel
            .as_ref()
            .map(|c| c.lock().expect("status poisoned").clone());
        let next = self.live.next_poll.lock().expect("poisoned").clone();
        let err = self.live.config_error.lock().expect("poisoned").clone();
        let mut r = status::report(&self.config(), Some(&self.store), &next, err, channel);
        r.clock = self.live.clock_report();
        r.retention_paused = self.live.retention_paused.lock().expect("poisoned").clone();
        r
    }
}

/// One rendering of a feed, valid for one store generation and one
/// configuration.
struct Rendered {
    config: Arc<Config>,
    generation: u64,
    /// Shared with every response (a reference count, not a copy).
    body: Bytes,
    gzip: Bytes,
    etag: String,
    last_modified: DateTime<Utc>,
    content_type: &'static str,
    /// The ETag and Last-Modified headers, made once per rendering.
    etag_header: HeaderValue,
    last_modified_header: HeaderValue,
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
    let admin = state.admin_token.is_some();
    let r = Router::new()
        .route("/", get(status_page))
        .route("/feed.xsl", get(feed_xsl))
        .route("/subscriptions.opml", get(subscriptions_opml))
        .route("/sources.opml", get(sources_opml))
        .route("/opml.xml", get(old_opml))
        .route("/feed.xml", get(unified_rss))
        .route("/feed.atom", get(unified_atom))
        .route("/feed.json", get(unified_json))
        .route("/topics/{file}", get(topic_feed))
        .route("/sources/{file}", get(source_feed))
        .route("/healthz", get(healthz))
        .route("/status.json", get(status_json))
        .route("/metrics", get(metrics));
    let r = if admin {
        r.route("/admin/reload", axum::routing::post(admin_reload))
            .route("/admin/export", get(admin_export))
            .route(
                "/admin/import",
                axum::routing::post(admin_import)
                    .layer(axum::extract::DefaultBodyLimit::max(ADMIN_IMPORT_BYTES)),
            )
            .route("/admin/telegram", get(admin_telegram))
            .route(
                "/admin/telegram/resend",
                axum::routing::post(admin_telegram_resend),
            )
            .route("/admin/telegram/set-aside", get(admin_telegram_set_aside))
            .route(
                "/admin/telegram/retry",
                axum::routing::post(admin_telegram_retry),
            )
            .route(
                "/admin/telegram/drop",
                axum::routing::post(admin_telegram_drop),
            )
            .merge(admin::routes())
    } else {
        r
    };
    r.with_state(state)
}

/// Constant-time comparison of the bearer token.
fn authorised(st: &AppState, headers: &HeaderMap) -> bool {
    let Some(want) = st.admin_token.as_deref() else {
        return false;
    };
    // As bytes: a token with non-ASCII letters (a Vietnamese pass phrase)
    // arrives as its UTF-8 bytes, which `HeaderValue::to_str` refuses.
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or(b"");
    same_secret(want, got)
}

/// Whether two secrets are equal, in time that does not depend on where
/// they differ (or on their lengths: both are hashed first).
pub(super) fn same_secret(want: impl AsRef<[u8]>, got: impl AsRef<[u8]>) -> bool {
    let (a, b) = (Sha256::digest(want), Sha256::digest(got));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// `POST /admin/reload`: read `feeds.toml` again, as SIGHUP does.
async fn admin_reload(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    match &st.reload {
        Some(tx) => {
            let _ = tx.try_send(());
            (StatusCode::ACCEPTED, "reload requested\n").into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, "no daemon to reload\n").into_response(),
    }
}

/// The largest backup `/admin/import` takes in one request (a year of a
/// busy portal's items is a few tens of MB).
const ADMIN_IMPORT_BYTES: usize = 256 << 20;

fn unauthorised() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "unauthorised\n",
    )
        .into_response()
}

fn admin_failed(e: anyhow::Error) -> Response {
    (StatusCode::BAD_REQUEST, format!("{e:#}\n")).into_response()
}

pub(super) fn query_value(query: &Option<String>, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `GET /admin/export`: every item as JSON lines (`tinkhac export` while the
/// daemon holds the store), streamed as it is read.
async fn admin_export(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let store = st.store.clone();
    tokio::task::spawn_blocking(move || {
        struct Chunks(
            tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
            Vec<u8>,
        );
        impl Write for Chunks {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.1.extend_from_slice(b);
                if self.1.len() >= 64 * 1024 {
                    self.flush()?;
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                if !self.1.is_empty() {
                    self.0
                        .blocking_send(Ok(std::mem::take(&mut self.1)))
                        .map_err(|_| std::io::Error::other("the reader went away"))?;
                }
                Ok(())
            }
        }
        let mut out = Chunks(tx.clone(), Vec::new());
        match crate::ops::export_items(&store, &mut out) {
            Ok(n) => tracing::info!(items = n, "backup exported through the admin API"),
            Err(e) => {
                tracing::warn!("backup export failed: {e:#}");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// `POST /admin/import?name=FILE`: a backup, all or nothing.
async fn admin_import(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let name = query_value(&query, "name").unwrap_or_else(|| "backup".into());
    match crate::ops::import_text(&st.config(), &st.store, &name, &body).await {
        Ok(summary) => {
            tracing::info!(
                "backup {name} imported through the admin API: {}",
                summary.trim()
            );
            summary.into_response()
        }
        Err(e) => admin_failed(e),
    }
}

/// `GET /admin/telegram`: `tinkhac telegram status`.
async fn admin_telegram(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    match crate::ops::telegram_status(&st.config(), &st.store) {
        Ok(text) => text.into_response(),
        Err(e) => admin_failed(e),
    }
}

/// `POST /admin/telegram/resend?since=DATE&dry_run=BOOL`: `tinkhac telegram
/// resend`.
async fn admin_telegram_resend(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let Some(since) = query_value(&query, "since") else {
        return admin_failed(anyhow::anyhow!("since=DATE is required"));
    };
    let dry_run = query_value(&query, "dry_run").is_some_and(|v| v == "true");
    match crate::ops::telegram_resend(&st.config(), &st.store, &since, dry_run).await {
        Ok(text) => {
            if !dry_run {
                tracing::info!("telegram resend since {since} through the admin API");
            }
            text.into_response()
        }
        Err(e) => admin_failed(e),
    }
}

/// `GET /admin/telegram/set-aside`: `tinkhac telegram set-aside`.
async fn admin_telegram_set_aside(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    match crate::ops::telegram_set_aside(&st.config(), &st.store) {
        Ok(text) => text.into_response(),
        Err(e) => admin_failed(e),
    }
}

/// `POST /admin/telegram/retry?key=N` or `?all=true`: `tinkhac telegram
/// retry`.
async fn admin_telegram_retry(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let pick = match query_value(&query, "key") {
        Some(k) => match crate::ops::parse_set_aside_key(&k) {
            Ok(n) => crate::store::Pick::One(n),
            Err(e) => return admin_failed(e),
        },
        None if query_value(&query, "all").is_some_and(|v| v == "true") => crate::store::Pick::All,
        None => return admin_failed(anyhow::anyhow!("key=N or all=true is required")),
    };
    match crate::ops::telegram_retry(&st.config(), &st.store, pick).await {
        Ok(text) => {
            tracing::info!(
                ?pick,
                "telegram set-aside messages queued again through the admin API"
            );
            text.into_response()
        }
        Err(e) => admin_failed(e),
    }
}

/// `POST /admin/telegram/drop?key=N`: `tinkhac telegram drop`.
async fn admin_telegram_drop(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let key = query_value(&query, "key").unwrap_or_default();
    let n = match crate::ops::parse_set_aside_key(&key) {
        Ok(n) => n,
        Err(e) => return admin_failed(e),
    };
    match crate::ops::telegram_drop(&st.config(), &st.store, n).await {
        Ok(text) => {
            tracing::info!(
                key = n,
                "telegram set-aside message dropped through the admin API"
            );
            text.into_response()
        }
        Err(e) => admin_failed(e),
    }
}

/// Serve until `shutdown` trips; requests in flight finish first. At most
/// `[server] max_connections` connections at once (fewer when the
/// descriptor limit is low), each closed after `idle_timeout` without a
/// request (`server`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let cfg = state.config().server.clone();
    let limits = server::Limits {
        max_connections: server::connection_cap(cfg.max_connections, server::nofile_limit()),
        idle_timeout: cfg.idle_timeout,
    };
    tracing::debug!(?limits, "serving");
    server::serve(listener, router(state), limits, shutdown).await
}

// Feed handlers take the whole request, not a `HeaderMap` (an extractor
// that copies every request header).

async fn unified_rss(State(st): State<AppState>, req: Request) -> Result<Response, AppError> {
    feed_response(&st, Filter::All, Format::Rss, req.headers())
}

async fn unified_atom(State(st): State<AppState>, req: Request) -> Result<Response, AppError> {
    feed_response(&st, Filter::All, Format::Atom, req.headers())
}

async fn unified_json(State(st): State<AppState>, req: Request) -> Result<Response, AppError> {
    feed_response(&st, Filter::All, Format::Json, req.headers())
}

async fn topic_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let (id, format) = Format::split(&file).ok_or(AppError::NotFound)?;
    feed_response(&st, Filter::Topic(id.to_string()), format, req.headers())
}

async fn source_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let (id, format) = Format::split(&file).ok_or(AppError::NotFound)?;
    feed_response(&st, Filter::Source(id.to_string()), format, req.headers())
}

/// The last page of latest items the status page shows: 10,000 items back,
/// far past any feed's `max_items`, and a bound on the walk a request costs.
const MAX_PAGE: usize = 500;

/// The status page: server-rendered, Vietnamese, no JavaScript. `?page=N`
/// picks a page of the latest items (1, the newest, when absent or not a
/// number from 1 to [`MAX_PAGE`]: a bad query never fails the page).
async fn status_page(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let page = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .unwrap_or(1);
    let html = status_page::render(&status_view(&st, page));
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response())
}

const FEED_XSL: &str = include_str!("feed.xsl");

async fn feed_xsl() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/xsl; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FEED_XSL,
    )
        .into_response()
}

/// Every feed tinkhac serves, as OPML 2.0 for a feed reader to import in
/// one go (see `opml::export_subscriptions`).
async fn subscriptions_opml(State(st): State<AppState>) -> Response {
    opml_response(crate::opml::export_subscriptions(&st.config()))
}

/// The admin's source list (the portals' pages and feeds) as OPML 2.0, as
/// `tinkhac feeds export` prints it: not offered to subscribers.
async fn sources_opml(State(st): State<AppState>) -> Response {
    opml_response(crate::opml::export_config(&st.config()))
}

/// `/opml.xml` is where the status page used to offer "the OPML" to
/// subscribers (it then held the source list). Readers and bookmarks that
/// kept it are sent, permanently, to what a subscriber wants:
/// `/subscriptions.opml`.
async fn old_opml(State(st): State<AppState>) -> Response {
    let base = st.config().server.base_url.to_string();
    let to = format!("{}/subscriptions.opml", base.trim_end_matches('/'));
    match HeaderValue::from_str(&to) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => AppError::NotFound.into_response(),
    }
}

fn opml_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/x-opml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Every feed a subscriber can take.
pub fn feed_links(config: &Config) -> Vec<status_page::FeedLink> {
    let base = config.server.base_url.as_str().trim_end_matches('/');
    let link = |label: String, path: String, format: &str| status_page::FeedLink {
        folded: path.starts_with("/topics/") || path.starts_with("/sources/"),
        label,
        url: format!("{base}{path}"),
        format: format.to_string(),
    };
    let mut out = vec![
        link("Tất cả tin".into(), "/feed.xml".into(), "RSS"),
        link("Tất cả tin".into(), "/feed.atom".into(), "Atom"),
        link("Tất cả tin".into(), "/feed.json".into(), "JSON Feed"),
        link(
            "Tất cả các nguồn tin dưới đây (nhập một lần vào ứng dụng đọc tin)".into(),
            "/subscriptions.opml".into(),
            "OPML",
        ),
    ];
    for t in &config.topics {
        out.push(link(
            format!("Chủ đề: {}", t.name),
            format!("/topics/{}.xml", t.id),
            "RSS",
        ));
    }
    for s in &config.sources {
        out.push(link(
            format!("Nguồn: {}", s.name),
            format!("/sources/{}.xml", s.id),
            "RSS",
        ));
    }
    out
}

/// An item as the status page and the feed pages list it: its source and
/// topics by name (by id once they left the configuration).
fn item_row(config: &Config, i: &crate::item::Item) -> status_page::ItemRow {
    status_page::ItemRow {
        title: i.title.clone(),
        link: i.link.clone(),
        published: i.published,
        source_name: config.source_name(&i.sources).to_string(),
        topics: i
            .topics
            .iter()
            .map(|id| config.topic_name(id).to_string())
            .collect(),
        attachments: i
            .article
            .iter()
            .flat_map(|a| &a.attachments)
            .map(|a| status_page::AttachmentLink {
                name: if a.name.trim().is_empty() {
                    a.file_name.clone()
                } else {
                    a.name.clone()
                },
                url: a.url.clone(),
            })
            .collect(),
        documents: crate::publish::documents_of(i)
            .iter()
            .map(|d| d.label())
            .collect(),
    }
}

fn status_view(st: &AppState, page: usize) -> status_page::StatusView {
    let config = st.config();
    let r = st.report();
    let tz = config.fetch.timezone;
    let local = |d: DateTime<Utc>| d.with_timezone(&tz);
    let sources = r
        .sources
        .into_iter()
        .map(|s| status_page::SourceRow {
            // In Vietnamese words, as the rest of the page ("15 phút").
            interval: config.source(&s.id).map_or_else(
                || s.interval.clone(),
                |c| status_page::duration_vi(c.interval),
            ),
            kind: s.kind.label().into(),
            health: s.health,
            last_success: s.last_success.map(local),
            next_poll: s.next_poll.map(local),
            id: s.id,
            name: s.name,
            url: s.url,
            health_note: s.health_note,
            // The page is Vietnamese: the error's Vietnamese text, never the
            // English one the log has (a state written before there was a
            // Vietnamese text shows the health note alone).
            last_error: s.last_error_vi,
            consecutive_failures: s.consecutive_failures,
            items_last_poll: s.items_last_poll,
        })
        .collect();
    let channel = r
        .telegram
        .map(|c| status_page::ChannelRow::from_report(c, tz));
    // While the store cannot be read (it is being reopened after a fault)
    // the page still shows everything else.
    let size = status_page::PAGE_SIZE;
    let (latest, more) = st
        .store
        .latest_page(&Filter::All, (page - 1) * size, size)
        .unwrap_or_default();
    let latest = latest.iter().map(|i| item_row(&config, i)).collect();
    status_page::StatusView {
        title: r.title,
        generated_at: local(r.generated_at),
        version: r.version,
        config_error: r.config_error,
        store_fault: r.store_fault.map(|f| {
            // What it means first, in the page's language; the system's
            // own words after it, for whoever fixes the disk.
            let what = if f.reason.contains("No space left") || f.reason.contains("StorageFull") {
                "Đĩa đã đầy"
            } else if f.reason.contains("Read-only file system") {
                "Ổ đĩa chỉ cho đọc"
            } else if f.reason.contains("Permission denied") {
                "Không có quyền ghi vào thư mục dữ liệu"
            } else {
                "Lỗi ghi đĩa"
            };
            format!(
                "{what} (từ {}): {}",
                local(f.since).format("%d/%m/%Y %H:%M"),
                f.reason
            )
        }),
        clock_warning: clock_warning_vi(r.clock.as_ref(), r.retention_paused.is_some()),
        sources,
        channel,
        follow_ups: r.follow_ups,
        latest,
        page,
        more,
        feeds: feed_links(&config),
    }
}

/// The status page's clock warning, in Vietnamese like the rest of the page
/// (`/healthz` and the log keep the English reason).
fn clock_warning_vi(
    clock: Option<&crate::clock::ClockReport>,
    retention_paused: bool,
) -> Option<String> {
    match clock {
        Some(c) if c.state == crate::clock::ClockState::Disagrees => {
            let offset = c.offset_seconds?;
            let secs = offset.unsigned_abs();
            let days = secs / 86_400;
            let span = if days >= 365 {
                format!("{} năm {} ngày", days / 365, days % 365)
            } else if days >= 1 {
                format!("{days} ngày {} giờ", (secs % 86_400) / 3600)
            } else {
                format!("{} giờ {} phút", secs / 3600, (secs % 3600) / 60)
            };
            // The offset is the portals' time minus the local time.
            let way = if offset < 0 { "nhanh" } else { "chậm" };
            Some(format!(
                "Đồng hồ máy chủ {way} hơn {span} so với giờ của các cổng tin \
                 (trung vị theo tiêu đề Date của {} máy chủ).",
                c.hosts
            ))
        }
        _ if retention_paused => Some(
            "Chưa đối chiếu được đồng hồ máy chủ với giờ của các cổng tin \
             (chưa cổng nào trả lời)."
                .into(),
        ),
        _ => None,
    }
}

/// 200 while the daemon runs, with [`crate::status::StatusReport::healthz`]
/// (`status` "ok" or "degraded").
async fn healthz(State(st): State<AppState>) -> Response {
    let r = st.report();
    // Through a `Value`, whose maps keep their keys sorted, as the answer
    // always had them (plain structs with string keys: it cannot fail).
    Json(serde_json::to_value(r.healthz()).unwrap_or_default()).into_response()
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

/// The formats every feed is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
    /// The feed as a page, for browsers (never named by a URL: chosen by
    /// content negotiation, see [`prefers_html`]).
    Html,
}

impl Format {
    /// From a file name's extension: `giao-duc.xml`, `giao-duc.atom`…
    fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let f = match ext {
            "xml" | "rss" => Format::Rss,
            "atom" => Format::Atom,
            "json" => Format::Json,
            _ => return None,
        };
        Some((stem, f))
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Rss => "xml",
            Format::Atom => "atom",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// Render one feed in one format. The build date is the newest first-seen
/// time of its items, so the same items always give the same bytes (and the
/// same ETag). Public for the golden test that holds the feeds on the seeds
/// byte for byte.
pub fn render_feed(
    config: &Config,
    filter: &Filter,
    format: Format,
    items: &[crate::item::Item],
) -> Result<Vec<u8>, AppError> {
    let meta = FeedMeta::for_filter(config, filter).ok_or(AppError::NotFound)?;
    let built = items
        .iter()
        .map(|i| i.first_seen)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let self_url = format!(
        "{}.{}",
        meta.self_url.strip_suffix(".xml").unwrap_or(&meta.self_url),
        format.extension()
    );
    let source_name = |id: &str| config.source(id).map(|s| s.name.clone());
    let topic_name = |id: &str| {
        config
            .topics
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
    };
    let site = config.server.base_url.to_string();
    let ameta = atom::Meta {
        title: &meta.title,
        subtitle: &meta.description,
        self_url: &self_url,
        site_url: &site,
        updated: built,
    };
    Ok(match format {
        Format::Rss => {
            // Browsers normally get the HTML page (see `prefers_html`); one
            // handed the XML still shows it readably; readers ignore this.
            let xsl = format!("{}feed.xsl", config.server.base_url);
            rss::render_styled(config, &meta, items, built, &xsl).into_bytes()
        }
        Format::Atom => atom::render(&ameta, items, &source_name, &topic_name).into_bytes(),
        Format::Json => json_feed::render(&ameta, items, &source_name, &topic_name).into_bytes(),
        Format::Html => {
            let stem = meta.self_url.strip_suffix(".xml").unwrap_or(&meta.self_url);
            let formats = [
                (Format::Rss, "RSS"),
                (Format::Atom, "Atom"),
                (Format::Json, "JSON Feed"),
            ]
            .into_iter()
            .map(|(f, name)| status_page::FeedLink {
                folded: false,
                label: meta.title.clone(),
                url: format!("{stem}.{}", f.extension()),
                format: name.to_string(),
            })
            .collect();
            let rows = items.iter().map(|i| item_row(config, i)).collect();
            status_page::render_feed_page(&status_page::FeedPageView {
                site_title: config.server.title.clone(),
                title: meta.title.clone(),
                description: meta.description.clone(),
                formats,
                items: rows,
                version: env!("CARGO_PKG_VERSION"),
            })
            .into_bytes()
        }
    })
}

/// Whether a request prefers HTML to the feed's own type, by the q-values of
/// its `Accept` header: browsers do ("text/html,…,application/xml;q=0.9"),
/// feed readers do not (they list feed types first, or send `*/*` or no
/// `Accept` at all). A tie goes to the feed.
fn prefers_html(req: &HeaderMap) -> bool {
    let (mut html, mut feed) = (0.0f32, 0.0f32);
    for range in req
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = range.split(';');
        let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match mime.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "application/rss+xml"
            | "application/atom+xml"
            | "application/feed+json"
            | "application/xml"
            | "text/xml"
            | "application/json" => feed = feed.max(q),
            _ => {}
        }
    }
    html > 0.0 && html > feed
}

fn rendered(st: &AppState, filter: Filter, format: Format) -> Result<Arc<Rendered>, AppError> {
    let config = st.config();
    let generation = st.store.generation();
    let key = (filter, format);
    let mut cache = st.cache.lock().expect("feed cache poisoned");
    if let Some(r) = cache.get(&key) {
        // Valid while neither the items nor the configuration (titles,
        // topics, base URL; a reload swaps the Arc) changed.
        if r.generation == generation && Arc::ptr_eq(&r.config, &config) {
            return Ok(r.clone());
        }
    }
    let items = match st.store.latest(&key.0, config.server.max_items) {
        Ok(items) => items,
        // The store cannot be read (after a failed write, or while it
        // reopens): this feed's last render is still the best answer.
        Err(e) => return cache.get(&key).cloned().ok_or_else(|| e.into()),
    };
    let body = render_feed(&config, &key.0, format, &items)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&body).expect("gzip to memory");
    let gzip = gz.finish().expect("gzip to memory");
    let digest = Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let last_modified = match cache.get(&key) {
        Some(old) if old.etag == etag => old.last_modified,
        _ => Utc::now(),
    };
    let r = Arc::new(Rendered {
        config: config.clone(),
        generation,
        body: Bytes::from(body),
        gzip: Bytes::from(gzip),
        etag_header: HeaderValue::from_str(&etag).expect("hex etag"),
        last_modified_header: HeaderValue::from_str(
            &last_modified
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        )
        .expect("ascii date"),
        etag,
        last_modified,
        content_type: format.content_type(),
    });
    cache.insert(key, r.clone());
    Ok(r)
}

fn feed_response(
    st: &AppState,
    filter: Filter,
    format: Format,
    req: &HeaderMap,
) -> Result<Response, AppError> {
    // A browser gets the feed as a page; the same URL stays the feed for
    // readers (`Vary: Accept` below keeps caches apart).
    let format = if prefers_html(req) {
        Format::Html
    } else {
        format
    };
    let r = rendered(st, filter, format)?;
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    headers.insert(header::ETAG, r.etag_header.clone());
    headers.insert(header::LAST_MODIFIED, r.last_modified_header.clone());
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Accept"),
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn browsers_prefer_html_and_feed_readers_do_not() {
        for browser in [
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "text/html",
            "TEXT/HTML; charset=utf-8, application/xml;q=0.5",
        ] {
            assert!(prefers_html(&accept(browser)), "{browser}");
        }
        for reader in [
            "application/rss+xml, application/atom+xml, text/html;q=0.7, */*;q=0.1",
            "application/rss+xml, text/html",
            "*/*",
            "application/xml",
            "text/html;q=0",
        ] {
            assert!(!prefers_html(&accept(reader)), "{reader}");
        }
        assert!(!prefers_html(&HeaderMap::new()), "no Accept at all");
    }
}

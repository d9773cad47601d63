//! The web admin (`/admin/`): Vietnamese pages, plain forms, for the people who keep the feed list.
//!
//! It exists only when an admin token is set (`TINKHAC_ADMIN_TOKEN`): without
//! one none of these routes is served (404). Security, all of it here:
//! - the login form takes the token once and compares it in constant time
//!   ([`super::http::same_secret`]); a right token opens a server-side
//!   session named by a random id from the OS CSPRNG, sent as a cookie that
//!   is `HttpOnly`, `SameSite=Strict`, `Path=/admin`, `Max-Age` bounded, and
//!   `Secure` when `base_url` is https;
//! - wrong tokens are rate-limited per client and over all clients
//!   ([`Limiter`]), answered 429 once over the limit;
//! - every POST carries its session's CSRF token, compared in constant time;
//! - every change is logged (English, never a secret) with what changed.
//!
//! Edits of `feeds.toml` go through [`crate::feeds_edit`], as `tinkhac feeds`
//! does (comments and order kept, the result validated as a whole before the
//! atomic write), under one lock, and only when the file is still the one the
//! form was rendered from (its [`feeds_edit::version`]): a change by another
//! admin or by hand is never overwritten. The daemon is then asked to reload.
//!
//! It never renders a portal's text unescaped: pages are maud templates in
//! [`super::admin_page`].

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use super::admin_page::{self, Notice, SourceAdminRow};
use super::http::{same_secret, AppState};
use crate::feeds_edit;

mod channel;
mod opml;
mod source_edit;
mod topics;

/// The session cookie's name.
const COOKIE: &str = "tinkhac_admin";
/// How long a session lasts from login (also the cookie's `Max-Age`).
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Sessions held at most; the oldest goes first.
const MAX_SESSIONS: usize = 256;
/// Wrong tokens one client may send per [`LIMIT_WINDOW`].
pub const LOGIN_FAILURES_PER_CLIENT: usize = 5;
/// Wrong tokens all clients together may send per [`LIMIT_WINDOW`].
pub const LOGIN_FAILURES_GLOBAL: usize = 20;
const LIMIT_WINDOW: Duration = Duration::from_secs(60);
/// How long an edit waits for the daemon to reload before showing the
/// sources again.
const RELOAD_WAIT: Duration = Duration::from_secs(2);
/// The largest form body read.
const FORM_BYTES: usize = 64 * 1024;

/// The web admin's state: the token, the sessions, the login limits, and
/// the lock that makes edits of `feeds.toml` one at a time.
pub struct AdminWeb {
    token: Arc<str>,
    /// By the SHA-256 of the session id (a lookup's timing says nothing of
    /// the id itself).
    sessions: Mutex<HashMap<[u8; 32], Session>>,
    limiter: Mutex<Limiter>,
    edits: tokio::sync::Mutex<()>,
}

struct Session {
    csrf: String,
    expires: Instant,
}

impl AdminWeb {
    pub fn new(token: Arc<str>) -> AdminWeb {
        AdminWeb {
            token,
            sessions: Mutex::default(),
            limiter: Mutex::default(),
            edits: tokio::sync::Mutex::new(()),
        }
    }

    /// The CSRF token of the request's live session, if it has one.
    fn session(&self, headers: &HeaderMap) -> Option<String> {
        let id = cookie(headers, COOKIE)?;
        let key: [u8; 32] = Sha256::digest(id.as_bytes()).into();
        let mut sessions = self.sessions.lock().expect("poisoned");
        match sessions.get(&key) {
            Some(s) if s.expires > Instant::now() => Some(s.csrf.clone()),
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Open a session; returns its id.
    fn open(&self) -> Result<String, getrandom::Error> {
        let (id, csrf) = (random_hex()?, random_hex()?);
        let now = Instant::now();
        let mut sessions = self.sessions.lock().expect("poisoned");
        sessions.retain(|_, s| s.expires > now);
        while sessions.len() >= MAX_SESSIONS {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => sessions.remove(&k),
                None => break,
            };
        }
        sessions.insert(
            Sha256::digest(id.as_bytes()).into(),
            Session {
                csrf,
                expires: now + SESSION_TTL,
            },
        );
        Ok(id)
    }

    fn close(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            let key: [u8; 32] = Sha256::digest(id.as_bytes()).into();
            self.sessions.lock().expect("poisoned").remove(&key);
        }
    }
}

/// 32 bytes from the OS CSPRNG, in hex.
fn random_hex() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Wrong logins in the last minute, per client and over all clients.
#[derive(Default)]
pub struct Limiter {
    per_client: HashMap<IpAddr, VecDeque<Instant>>,
    global: VecDeque<Instant>,
}

impl Limiter {
    fn prune(&mut self, now: Instant) {
        let old = |q: &mut VecDeque<Instant>| {
            while q
                .front()
                .is_some_and(|t| now.duration_since(*t) >= LIMIT_WINDOW)
            {
                q.pop_front();
            }
        };
        old(&mut self.global);
        self.per_client.retain(|_, q| {
            old(q);
            !q.is_empty()
        });
    }

    /// Whether `client` may try a token now; if so the try is counted as a
    /// wrong one at once (so that tries sent together cannot all pass the
    /// check before any is counted) until [`Limiter::forgive`] takes it back.
    pub fn attempt(&mut self, client: IpAddr, now: Instant) -> bool {
        self.prune(now);
        let mine = self.per_client.get(&client).map_or(0, VecDeque::len);
        if mine >= LOGIN_FAILURES_PER_CLIENT || self.global.len() >= LOGIN_FAILURES_GLOBAL {
            return false;
        }
        self.global.push_back(now);
        self.per_client.entry(client).or_default().push_back(now);
        true
    }

    /// The try `client` made at `at` had the right token: it does not count.
    pub fn forgive(&mut self, client: IpAddr, at: Instant) {
        let take = |q: &mut VecDeque<Instant>| {
            if let Some(i) = q.iter().rposition(|t| *t == at) {
                q.remove(i);
            }
        };
        take(&mut self.global);
        if let Some(q) = self.per_client.get_mut(&client) {
            take(q);
        }
    }
}

/// The client a login counts against: the peer, or, when the peer is a
/// proxy on this machine (nginx in front), the address that proxy appended
/// last to `X-Forwarded-For` (what a client sends itself comes before it).
fn client_of(peer: Option<SocketAddr>, headers: &HeaderMap) -> IpAddr {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.ip());
    if !peer.is_loopback() {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|ip| ip.trim().parse().ok())
        .unwrap_or(peer)
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The web admin's routes (only routed when a token is set).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { see_other("/admin/") }))
        .route("/admin/", get(sources))
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", axum::routing::post(logout))
        .route("/admin/add", get(add_form).post(add))
        .route("/admin/kenh", get(channel::page_of_channel))
        .route("/admin/kenh/gui-lai", axum::routing::post(channel::retry))
        .route(
            "/admin/kenh/bo",
            get(channel::drop_form).post(channel::drop),
        )
        .route(
            "/admin/kenh/thu",
            axum::routing::post(channel::test_message),
        )
        .route("/admin/add/preview", axum::routing::post(add_preview))
        .route("/admin/source/{id}/remove", get(remove_form).post(remove))
        .route("/admin/source/{id}/pause", axum::routing::post(pause))
        .route("/admin/source/{id}/resume", axum::routing::post(resume))
        .route("/admin/source/{id}/poll", axum::routing::post(poll_now))
        .route(
            "/admin/source/{id}/edit",
            get(source_edit::edit_form).post(source_edit::edit),
        )
        .route("/admin/source/{id}/why", get(source_edit::why))
        .route(
            "/admin/source/{id}/scrape",
            axum::routing::post(source_edit::use_selectors),
        )
        .route("/admin/opml", get(opml::opml_page).post(opml::import))
        .route("/admin/opml/tai-xuong", get(opml::download))
        .route("/admin/opml/xem-truoc", axum::routing::post(opml::preview))
        .route("/admin/chu-de", get(topics::topics_page))
        .route(
            "/admin/chu-de/thu",
            axum::routing::post(topics::try_headlines),
        )
        .route("/admin/chu-de/{id}", axum::routing::post(topics::save))
        .route(
            "/admin/chu-de/{id}/xem-truoc",
            axum::routing::post(topics::preview),
        )
        .route(
            "/admin/chu-de/{id}/ap-dung",
            axum::routing::post(topics::save_and_apply),
        )
}

fn web(st: &AppState) -> &AdminWeb {
    st.web.as_deref().expect("routed only with a token")
}

/// An admin page: never cached, never framed, no script, forms to itself.
fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        html,
    )
        .into_response()
}

fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, to.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

fn site_title(st: &AppState) -> String {
    st.config().server.title.clone()
}

/// A page saying why nothing was done.
fn refused(st: &AppState, status: StatusCode, notice: Notice) -> Response {
    page(status, admin_page::message(&site_title(st), &notice))
}

/// A posted form's fields, in order.
#[derive(Default)]
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// A field's first value.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field (checkboxes).
    fn all<'f>(&'f self, name: &'f str) -> impl Iterator<Item = &'f str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The request's head and its form, or None when the body is too large.
async fn form(req: Request) -> (axum::http::request::Parts, Option<Form>) {
    let (parts, body) = req.into_parts();
    let form = axum::body::to_bytes(body, FORM_BYTES)
        .await
        .ok()
        .map(|b| Form::parse(&b));
    (parts, form)
}

fn peer(parts: &axum::http::request::Parts) -> Option<SocketAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// A POST whose session and CSRF token checked out.
struct Posted {
    parts: axum::http::request::Parts,
    /// Its form (empty when the body was too large, which the check refuses).
    form: Form,
    /// The session's CSRF token, for a form shown again.
    csrf: String,
}

/// Read a POST's form and check its session and CSRF token
/// ([`checked_post`]): the request, or the response that refuses it.
async fn checked_form(st: &AppState, req: Request) -> Result<Posted, Box<Response>> {
    let (parts, form) = form(req).await;
    let csrf = checked_post(st, &parts, form.as_ref())?;
    Ok(Posted {
        parts,
        form: form.unwrap_or_default(),
        csrf,
    })
}

/// A POST's session and CSRF check: the session's CSRF token, or the
/// response that refuses the request (to the login page without a session;
/// 403 with a wrong or missing token).
fn checked_post(
    st: &AppState,
    parts: &axum::http::request::Parts,
    form: Option<&Form>,
) -> Result<String, Box<Response>> {
    let Some(csrf) = web(st).session(&parts.headers) else {
        return Err(Box::new(see_other("/admin/login")));
    };
    let sent = form.and_then(|f| f.get("csrf")).unwrap_or("");
    if !same_secret(&csrf, sent) {
        tracing::warn!(
            path = %parts.uri.path(),
            client = %client_of(peer(parts), &parts.headers),
            "web admin: a form was posted without a valid CSRF token; nothing changed"
        );
        return Err(Box::new(refused(
            st,
            StatusCode::FORBIDDEN,
            Notice::error(
                "Biểu mẫu không hợp lệ",
                "Biểu mẫu này thiếu mã bảo vệ hoặc đã hết hạn, nên không có gì \
                 được thay đổi. Hãy mở lại trang quản trị rồi làm lại.",
            ),
        )));
    }
    Ok(csrf)
}

async fn login_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if web(&st).session(&headers).is_some() {
        return see_other("/admin/");
    }
    page(StatusCode::OK, admin_page::login(&site_title(&st), None))
}

async fn login(State(st): State<AppState>, req: Request) -> Response {
    let (parts, form) = form(req).await;
    let client = client_of(peer(&parts), &parts.headers);
    let w = web(&st);
    let now = Instant::now();
    if !w.limiter.lock().expect("poisoned").attempt(client, now) {
        tracing::warn!(%client, "web admin: login refused, too many wrong tokens");
        let mut r = page(
            StatusCode::TOO_MANY_REQUESTS,
            admin_page::login(
                &site_title(&st),
                Some(&Notice::error(
                    "Quá nhiều lần đăng nhập sai",
                    "Đã có quá nhiều lần nhập sai mã quản trị. Hãy đợi một phút rồi thử lại.",
                )),
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return r;
    }
    let token = form.as_ref().and_then(|f| f.get("token")).unwrap_or("");
    if !same_secret(w.token.as_bytes(), token) {
        tracing::warn!(%client, "web admin: login refused, wrong token");
        return page(
            StatusCode::FORBIDDEN,
            admin_page::login(
                &site_title(&st),
                Some(&Notice::error(
                    "Sai mã quản trị",
                    "Mã quản trị không đúng. Hãy kiểm tra lại (biến TINKHAC_ADMIN_TOKEN của máy chủ).",
                )),
            ),
        );
    }
    w.limiter.lock().expect("poisoned").forgive(client, now);
    let id = match w.open() {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "web admin: no random bytes for a session");
            return refused(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                Notice::error(
                    "Không mở được phiên",
                    "Máy chủ không tạo được phiên đăng nhập.",
                ),
            );
        }
    };
    tracing::info!(%client, "web admin: logged in");
    let secure = st.config().server.base_url.scheme() == "https";
    let cookie = format!(
        "{COOKIE}={id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let mut r = see_other("/admin/");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(st): State<AppState>, req: Request) -> Response {
    let Posted { parts, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    web(&st).close(&parts.headers);
    tracing::info!(client = %client_of(peer(&parts), &parts.headers), "web admin: logged out");
    let mut r = see_other("/admin/login");
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "tinkhac_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}

/// `feeds.toml` as it is now, with its version.
fn read_file(st: &AppState) -> Result<(String, String), Box<Response>> {
    let path = st.config().path.clone();
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let v = feeds_edit::version(&text);
            Ok((text, v))
        }
        Err(e) => {
            tracing::error!(error = %e, file = %path.display(), "web admin: cannot read the configuration");
            Err(Box::new(refused(
                st,
                StatusCode::INTERNAL_SERVER_ERROR,
                Notice::error("Không đọc được feeds.toml", &e.to_string()),
            )))
        }
    }
}

/// A page with a form that edits `feeds.toml`: the session's CSRF token and
/// the file with its version ([`read_file`]), or the response instead (the
/// login page without a session).
fn editing(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<(String, (String, String)), Box<Response>> {
    let Some(csrf) = web(st).session(headers) else {
        return Err(Box::new(see_other("/admin/login")));
    };
    Ok((csrf, read_file(st)?))
}

/// `GET /admin/`: every source, its health and what can be done with it.
async fn sources(State(st): State<AppState>, req: Request) -> Response {
    let (csrf, (_, version)) = match editing(&st, req.headers()) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let config = st.config();
    let report = st.report();
    let tz = config.fetch.timezone;
    let local = |d: chrono::DateTime<chrono::Utc>| d.with_timezone(&tz);
    let rows = report
        .sources
        .into_iter()
        .map(|s| {
            let c = config.source(&s.id);
            SourceAdminRow {
                interval: c.map_or_else(
                    || s.interval.clone(),
                    |c| super::status_page::duration_vi(c.interval),
                ),
                topics: c
                    .map(|c| {
                        c.topics
                            .iter()
                            .map(|id| config.topic_name(id).to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                paused: c.is_some_and(|c| c.paused),
                health: s.health,
                health_note: s.health_note,
                last_success: s.last_success.map(local),
                last_error: s.last_error_vi,
                consecutive_failures: s.consecutive_failures,
                items_last_poll: s.items_last_poll,
                next_poll: s.next_poll.map(local),
                id: s.id,
                name: s.name,
                url: s.url,
            }
        })
        .collect();
    let query = req.uri().query().map(str::to_string);
    let done = crate::publish::http::query_value(&query, "da")
        .and_then(|d| Edit::from_slug(&d))
        .zip(crate::publish::http::query_value(&query, "nguon"))
        .map(|(what, id)| what.notice(&id));
    page(
        StatusCode::OK,
        admin_page::sources(&admin_page::SourcesView {
            title: config.server.title.clone(),
            config_error: report.config_error,
            sources: rows,
            csrf,
            version,
            notice: done,
        }),
    )
}

/// `GET /admin/source/{id}/remove`: what removing it means, and the form.
async fn remove_form(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (csrf, (text, version)) = match editing(&st, &headers) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let listed = feeds_edit::list_sources(&text).unwrap_or_default();
    let Some((_, url)) = listed.into_iter().find(|(i, _)| *i == id) else {
        return not_listed(&st, &id);
    };
    let name = st
        .config()
        .source(&id)
        .map_or_else(|| id.clone(), |s| s.name.clone());
    page(
        StatusCode::OK,
        admin_page::confirm_remove(&admin_page::RemoveView {
            title: site_title(&st),
            id,
            name,
            url,
            csrf,
            version,
        }),
    )
}

fn not_listed(st: &AppState, id: &str) -> Response {
    refused(
        st,
        StatusCode::NOT_FOUND,
        Notice::error(
            "Không có nguồn này",
            &format!("feeds.toml không có nguồn nào mang mã «{id}» (có thể đã bị xoá)."),
        ),
    )
}

/// An edit of one source that the web admin makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Add,
    Remove,
    Pause,
    Resume,
    /// «Lấy ngay»: no edit of the file, a poll now.
    PollNow,
    /// «Sửa»: its name, interval, topics, `follow` or scrape rules.
    Update,
    /// «Dùng bộ chọn này»: the suggested `[source.scrape]` rules written.
    Selectors,
    /// A form saved as it was shown: nothing written.
    Unchanged,
}

impl Edit {
    /// Its name in the redirect's query (`/admin/?da=xoa&nguon=ID`).
    fn slug(self) -> &'static str {
        match self {
            Edit::Add => "them",
            Edit::Remove => "xoa",
            Edit::Pause => "tam-dung",
            Edit::Resume => "tiep-tuc",
            Edit::PollNow => "lay-ngay",
            Edit::Update => "sua",
            Edit::Selectors => "bo-chon",
            Edit::Unchanged => "khong-doi",
        }
    }

    fn from_slug(slug: &str) -> Option<Edit> {
        [
            Edit::Add,
            Edit::Remove,
            Edit::Pause,
            Edit::Resume,
            Edit::PollNow,
            Edit::Update,
            Edit::Selectors,
            Edit::Unchanged,
        ]
        .into_iter()
        .find(|e| e.slug() == slug)
    }

    /// What the log says was done.
    fn logged(self) -> &'static str {
        match self {
            Edit::Add => "web admin: source added to the configuration",
            Edit::Remove => "web admin: source removed from the configuration",
            Edit::Pause => "web admin: source paused in the configuration",
            Edit::Resume => "web admin: source resumed in the configuration",
            Edit::PollNow => "web admin: poll now requested",
            Edit::Update => "web admin: source edited in the configuration",
            Edit::Selectors => "web admin: suggested scrape rules written to the configuration",
            Edit::Unchanged => "web admin: nothing to change, the configuration is not written",
        }
    }

    /// What the page says was done.
    fn notice(self, id: &str) -> Notice {
        match self {
            Edit::Add => Notice::done(
                "Đã thêm nguồn",
                &format!(
                    "Nguồn «{id}» đã được thêm vào feeds.toml; tinkhac bắt đầu lấy tin của nó."
                ),
            ),
            Edit::Remove => Notice::done(
                "Đã xoá nguồn",
                &format!(
                    "Nguồn «{id}» đã được xoá khỏi feeds.toml; tin đã lưu của nó vẫn giữ nguyên."
                ),
            ),
            Edit::Pause => Notice::done(
                "Đã tạm dừng nguồn",
                &format!("Nguồn «{id}» không được lấy tin nữa cho đến khi bấm «Tiếp tục»."),
            ),
            Edit::Resume => Notice::done(
                "Đã cho nguồn chạy tiếp",
                &format!("Nguồn «{id}» được lấy tin lại theo chu kỳ của nó."),
            ),
            Edit::PollNow => Notice::done(
                "Đang lấy tin",
                &format!(
                    "tinkhac đang lấy tin của nguồn «{id}» ngay bây giờ; tải lại trang \
                     sau ít giây để xem kết quả. Chu kỳ của nguồn không đổi."
                ),
            ),
            Edit::Update => Notice::done(
                "Đã sửa nguồn",
                &format!("Nguồn «{id}» đã được sửa trong feeds.toml; tinkhac dùng cấu hình mới."),
            ),
            Edit::Selectors => Notice::done(
                "Đã ghi bộ chọn",
                &format!(
                    "Nguồn «{id}» giờ được đọc bằng các bộ chọn vừa ghi vào [source.scrape]; \
                     bấm «Lấy ngay» để lấy tin ngay."
                ),
            ),
            Edit::Unchanged => Notice::done(
                "Không có gì thay đổi",
                &format!("Nguồn «{id}» vẫn như cũ; feeds.toml không bị ghi lại."),
            ),
        }
    }
}

/// `POST /admin/source/{id}/remove`: remove it from `feeds.toml` (as
/// `tinkhac feeds remove` does).
async fn remove(st: State<AppState>, id: Path<String>, req: Request) -> Response {
    edit(st, id, req, Edit::Remove, |t, id| {
        feeds_edit::remove_source(t, id)
    })
    .await
}

/// `POST /admin/source/{id}/pause`: `paused = true` in its table.
async fn pause(st: State<AppState>, id: Path<String>, req: Request) -> Response {
    edit(st, id, req, Edit::Pause, |t, id| {
        feeds_edit::set_paused(t, id, true)
    })
    .await
}

/// `POST /admin/source/{id}/resume`: its `paused` line taken out.
async fn resume(st: State<AppState>, id: Path<String>, req: Request) -> Response {
    edit(st, id, req, Edit::Resume, |t, id| {
        feeds_edit::set_paused(t, id, false)
    })
    .await
}

/// `POST /admin/source/{id}/poll` («Lấy ngay»): wake the source's schedule
/// for a poll now. Nothing is written; the next poll after it comes one
/// interval later, as after any poll.
async fn poll_now(State(st): State<AppState>, Path(id): Path<String>, req: Request) -> Response {
    let Posted { parts, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let client = client_of(peer(&parts), &parts.headers);
    if !st.live.poll_now(&id) {
        tracing::info!(source = %id, %client, "web admin: poll now refused, the source is not scheduled");
        let text = if st.config().source(&id).is_some_and(|s| s.paused) {
            format!("Nguồn «{id}» đang tạm dừng: hãy bấm «Tiếp tục» trước.")
        } else {
            format!("Nguồn «{id}» không có trong lịch lấy tin của tinkhac lúc này.")
        };
        return refused(
            &st,
            StatusCode::CONFLICT,
            Notice::error("Không lấy tin ngay được", &text),
        );
    }
    tracing::info!(source = %id, %client, "{}", Edit::PollNow.logged());
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("da", Edit::PollNow.slug())
        .append_pair("nguon", &id)
        .finish();
    see_other(&format!("/admin/?{query}"))
}

/// Edit one source in `feeds.toml` if the session and its CSRF token check
/// out.
async fn edit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
    what: Edit,
    change: impl FnOnce(&str, &str) -> Result<String, feeds_edit::EditError>,
) -> Response {
    let Posted { parts, form, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    write_edit(&st, &parts, &form, &id, what, change).await
}

/// Write one edit of `feeds.toml` if the file is still the version the form
/// was rendered from (the caller checked the session and the CSRF token);
/// then ask the daemon to reload and show the sources again.
async fn write_edit(
    st: &AppState,
    parts: &axum::http::request::Parts,
    form: &Form,
    id: &str,
    what: Edit,
    change: impl FnOnce(&str, &str) -> Result<String, feeds_edit::EditError>,
) -> Response {
    let mut same = false;
    let written = write_file(
        st,
        form,
        &format!("{what:?} of source {id}"),
        |text| match change(text, id) {
            Ok(t) => {
                same = t == text;
                Ok((t, ()))
            }
            Err(feeds_edit::EditError::NotFound(_)) => Err(Box::new(not_listed(st, id))),
            Err(e) => Err(Box::new(refused(
                st,
                StatusCode::CONFLICT,
                Notice::error("Không sửa được feeds.toml", &e.to_string()),
            ))),
        },
    )
    .await;
    if let Err(r) = written {
        return *r;
    }
    let what = if same { Edit::Unchanged } else { what };
    tracing::info!(
        source = %id,
        client = %client_of(peer(parts), &parts.headers),
        file = %st.config().path.display(),
        "{}",
        what.logged()
    );
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("da", what.slug())
        .append_pair("nguon", id)
        .finish();
    see_other(&format!("/admin/?{query}"))
}

/// Write an edit of `feeds.toml` as a whole (the caller checked the session
/// and the CSRF token): under the edit lock, only if the file is still the
/// version the form was rendered from, `change` turning its text into the
/// edited one (or refusing, the file untouched), validated and saved by
/// [`feeds_edit::save`]; then the daemon is asked to reload and given a
/// moment to. Returns what `change` said besides the text, for the log.
async fn write_file<T>(
    st: &AppState,
    form: &Form,
    what: &str,
    change: impl FnOnce(&str) -> Result<(String, T), Box<Response>>,
) -> Result<T, Box<Response>> {
    let _one_edit_at_a_time = web(st).edits.lock().await;
    let (text, version) = read_file(st)?;
    if form.get("version") != Some(version.as_str()) {
        tracing::warn!(
            edit = what,
            "web admin: edit refused, feeds.toml changed since the form was shown"
        );
        return Err(Box::new(changed_meanwhile(st)));
    }
    let (edited, said) = change(&text)?;
    if edited == text {
        // Saved as it was shown: nothing to write, nothing to reload.
        return Ok(said);
    }
    let path = st.config().path.clone();
    if let Err(e) = feeds_edit::save(&path, &edited) {
        tracing::warn!(edit = what, error = %e, "web admin: edit not written");
        return Err(Box::new(refused(
            st,
            StatusCode::BAD_REQUEST,
            Notice::error("Không ghi được feeds.toml", &e.to_string()),
        )));
    }
    if let Some(tx) = &st.reload {
        // The page shown next reads the configuration in force: wait (a
        // little, at most) for the daemon to put the edited one in force,
        // so that it shows the edit. A refused reload shows the old state
        // and says why (`config_error`).
        let mut config = st.live.subscribe_config();
        config.borrow_and_update();
        if tx.try_send(()).is_ok() {
            let _ = tokio::time::timeout(RELOAD_WAIT, config.changed()).await;
        }
    }
    Ok(said)
}

/// `GET /admin/add`: the URL to read.
async fn add_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(csrf) = web(&st).session(&headers) else {
        return see_other("/admin/login");
    };
    page(
        StatusCode::OK,
        admin_page::add_form(&site_title(&st), &csrf, "", None),
    )
}

/// `POST /admin/add/preview`: read the URL once as `feeds add` does and show
/// what it would give, with the form that adds it. Nothing is written.
async fn add_preview(State(st): State<AppState>, req: Request) -> Response {
    let Posted { form, csrf, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let raw = form.get("url").unwrap_or("").trim().to_string();
    let site = site_title(&st);
    let again = |status, title: &str, text: &str| {
        page(
            status,
            admin_page::add_form(&site, &csrf, &raw, Some(&Notice::error(title, text))),
        )
    };
    let url = match crate::config::parse_source_url(&raw) {
        Ok(u) => u,
        Err(e) => return again(StatusCode::BAD_REQUEST, "Địa chỉ không dùng được", &e),
    };
    let (text, version) = match read_file(&st) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let config = st.config();
    let taken: Vec<String> = config.sources.iter().map(|s| s.id.clone()).collect();
    // The same checks `feeds add` makes before it reads anything.
    let probe = feeds_edit::NewSource {
        id: feeds_edit::slug_id("new", &taken),
        name: "new".into(),
        url: url.to_string(),
        ..feeds_edit::NewSource::default()
    };
    if let Err(e) = feeds_edit::add_source(&text, &probe) {
        return again(
            StatusCode::CONFLICT,
            "Không thêm được nguồn này",
            &e.to_string(),
        );
    }
    let source = crate::ops::adhoc_source(&config, &probe.id, url.clone());
    let read = crate::ops::explain(&config, &source).await;
    let suggested = source_edit::suggested_view(&config, read.suggested);
    let seen = read.previewed;
    let name = seen
        .title
        .clone()
        .unwrap_or_else(|| url.host_str().unwrap_or("nguồn mới").to_string());
    let topic_names = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|id| config.topic_name(id).to_string())
            .collect()
    };
    let tz = config.fetch.timezone;
    page(
        StatusCode::OK,
        admin_page::add_preview(&admin_page::PreviewView {
            title: site.clone(),
            url: url.to_string(),
            id: feeds_edit::slug_id(&name, &taken),
            name,
            kind: seen.kind,
            notes: seen.notes,
            error: seen.error,
            no_list: seen.no_list,
            items: seen
                .items
                .into_iter()
                .map(|i| admin_page::PreviewRow {
                    topics: topic_names(&i.topics),
                    title: i.title,
                    link: i.link,
                    published: i.published.map(|d| d.with_timezone(&tz)),
                    summary: i.summary,
                })
                .collect(),
            topics: config
                .topics
                .iter()
                .map(|t| (t.id.clone(), t.name.clone()))
                .collect(),
            default_interval: humantime::format_duration(config.fetch.interval).to_string(),
            csrf: csrf.clone(),
            version,
            suggested,
        }),
    )
}

/// `POST /admin/add`: add the previewed source, as `feeds add` writes it.
async fn add(State(st): State<AppState>, req: Request) -> Response {
    let Posted { parts, form, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let field = |name: &str| form.get(name).unwrap_or("").trim().to_string();
    let new = feeds_edit::NewSource {
        id: field("id"),
        name: field("name"),
        url: field("url"),
        interval: Some(field("interval")).filter(|i| !i.is_empty()),
        topics: form.all("topic").map(str::to_string).collect(),
        scrape: source_edit::scrape_posted(&form, "scrape_"),
        ..feeds_edit::NewSource::default()
    };
    if new.name.is_empty() {
        return refused(
            &st,
            StatusCode::BAD_REQUEST,
            Notice::error("Thiếu tên nguồn", "Hãy đặt tên cho nguồn rồi thêm lại."),
        );
    }
    let id = new.id.clone();
    write_edit(&st, &parts, &form, &id, Edit::Add, |text, _| {
        feeds_edit::add_source(text, &new)
    })
    .await
}

fn changed_meanwhile(st: &AppState) -> Response {
    refused(
        st,
        StatusCode::CONFLICT,
        Notice::error(
            "feeds.toml đã thay đổi",
            "Tệp feeds.toml đã được sửa (bởi người khác hoặc bằng tay) từ khi trang \
             này được mở, nên không có gì được ghi để không làm mất thay đổi đó. \
             Hãy mở lại danh sách nguồn rồi làm lại.",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_logins_are_limited_per_client_and_over_all_clients() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        // Right tokens do not count.
        let t1 = t0 + Duration::from_millis(1);
        for _ in 0..10 {
            assert!(l.attempt(a, t1));
            l.forgive(a, t1);
        }
        for _ in 0..LOGIN_FAILURES_PER_CLIENT {
            assert!(l.attempt(a, t0));
        }
        assert!(!l.attempt(a, t0), "a sixth try within the minute");
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(l.attempt(b, t0), "another client is not held back by a");
        assert!(
            l.attempt(a, t0 + LIMIT_WINDOW),
            "a minute later a may try again"
        );
        let mut g = Limiter::default();
        for i in 0..LOGIN_FAILURES_GLOBAL {
            assert!(g.attempt(IpAddr::from([10, 0, 1, i as u8]), t0));
        }
        assert!(
            !g.attempt("10.9.9.9".parse().unwrap(), t0),
            "over all clients, a fresh address is held back too"
        );
    }

    #[test]
    fn the_client_behind_a_local_proxy_is_the_address_it_appended() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 203.0.113.7".parse().unwrap());
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let remote: SocketAddr = "198.51.100.1:5000".parse().unwrap();
        assert_eq!(
            client_of(Some(local), &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_of(Some(remote), &h),
            remote.ip(),
            "spoofed from afar"
        );
        assert_eq!(client_of(Some(local), &HeaderMap::new()), local.ip());
    }

    #[test]
    fn sessions_are_found_by_their_cookie_and_closed() {
        let w = AdminWeb::new(Arc::from("t"));
        let id = w.open().unwrap();
        assert_eq!(id.len(), 64);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            format!("a=b; {COOKIE}={id}").parse().unwrap(),
        );
        let csrf = w.session(&h).expect("the session is live");
        assert_eq!(csrf.len(), 64);
        assert_ne!(csrf, id);
        let mut other = HeaderMap::new();
        other.insert(header::COOKIE, format!("{COOKIE}={csrf}").parse().unwrap());
        assert!(w.session(&other).is_none(), "only the id opens it");
        w.close(&h);
        assert!(w.session(&h).is_none());
    }
}

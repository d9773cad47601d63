//! A stand-in for the Telegram Bot API, on 127.0.0.1:0, for tests.
//!
//! It answers `POST {api_url}/bot{token}/sendMessage` with a JSON body the way
//! the real Bot API does for a channel post, so that teloxide's real `Bot`
//! (pointed at it with `set_api_url`) parses the answers into the same
//! `Message`, `RequestError` and `ApiError` values it would get in production.
//!
//! Checks, in this order, for each request:
//! 1. the token (anything else: 401 "Unauthorized", which teloxide reads as
//!    `ApiError::InvalidToken`); a method other than sendMessage: 404 "Not Found";
//! 2. a failure queued with [`BotStandIn::fail_next`], else the "bot was removed"
//!    switch of [`BotStandIn::set_forbidden`];
//! 3. the shape of the body: a JSON object with `chat_id` ("@username" or an
//!    integer, as a number or a string) and `text`; `parse_mode` is optional
//!    ("HTML", any case), `link_preview_options.url` is recorded, other
//!    fields are ignored;
//! 4. the per-chat rate limit (429 with `parameters.retry_after`);
//! 5. the text: in HTML mode parsed as Telegram's own parser (tdlib's
//!    `parse_html`) does, with its error messages; then, with leading and
//!    trailing whitespace trimmed as Telegram does, 1..=4096 UTF-16 code units;
//! 6. accepted: recorded, and answered with a channel post `Message`.
//!
//! With [`BotStandIn::set_answer_delay`] every answer (of any method) is held
//! back that long after the request was decided and recorded: a Bot API that
//! delivers a message and answers too late.
//!
//! Where it is deliberately stricter than Telegram: a `&` that does not start
//! `&lt;` `&gt;` `&amp;` `&quot;` `&#NNN;` or `&#xHH;` (with its `;`) and a bare
//! `>` are "can't parse entities" errors here, while Telegram shows them as
//! literal characters. Both are escaping bugs in whatever produced the HTML.
//! Not modelled: the global 30 messages/s limit, form-encoded or query-string
//! parameters, Markdown validation ("Markdown"/"MarkdownV2" texts are only
//! length-checked), and every method but sendMessage.

// A test helper: not every test binary uses every method.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tokio::sync::watch;
use tokio::time::Instant;

/// The longest text Telegram accepts, in UTF-16 code units of the visible text.
const MAX_TEXT_UTF16: usize = 4096;
/// The window of the per-minute limit.
const MINUTE: Duration = Duration::from_secs(60);
/// The tags Telegram's HTML parse mode knows.
const TAGS: [&str; 16] = [
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
];

/// A message the stand-in accepted, as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// `chat_id` as sent: "@kenh", or an integer in decimal.
    pub chat_id: String,
    /// The text as sent (with its HTML markup, before entity decoding).
    pub text: String,
    /// `parse_mode` as sent, if any ("HTML").
    pub parse_mode: Option<String>,
    /// `link_preview_options.url` as sent, if any: what the preview shows.
    pub preview_url: Option<String>,
}

/// A failure to answer with, instead of looking at the request.
#[derive(Debug, Clone)]
pub enum Failure {
    /// This HTTP status, body `{"ok":false,"error_code":N,"description":"<reason phrase>"}`.
    ServerError(u16),
    /// 403 "Forbidden: bot was kicked from the channel chat".
    Forbidden,
    /// 400 "Bad Request: chat not found".
    ChatNotFound,
    /// 400 with this description (e.g. "Bad Request: message is too long"):
    /// a message refused for itself.
    BadRequest(&'static str),
    /// Never answer this request (the client must time out). The handler is
    /// released when the stand-in is dropped.
    Hang,
}

/// A Bot API stand-in listening on 127.0.0.1 on a port of its own. Dropping it
/// stops the server.
pub struct BotStandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

struct Shared {
    token: String,
    books: Mutex<Books>,
    /// How many messages were accepted so far.
    accepted: watch::Sender<usize>,
    /// Turns true (or closes) when the stand-in is dropped.
    shutdown: watch::Receiver<bool>,
}

struct Books {
    sent: Vec<Sent>,
    requests: usize,
    rejected_429: usize,
    min_interval: Duration,
    per_minute: usize,
    /// When each chat's accepted messages were accepted, oldest first.
    history: HashMap<String, VecDeque<Instant>>,
    failures: VecDeque<Failure>,
    forbidden: bool,
    answer_delay: Duration,
}

impl BotStandIn {
    /// Start on 127.0.0.1:0, accepting `token` only (others get 401 {"description":"Unauthorized"}).
    pub async fn start(token: &str) -> BotStandIn {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind the Bot API stand-in to 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("the Bot API stand-in's address");
        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            books: Mutex::new(Books {
                sent: Vec::new(),
                requests: 0,
                rejected_429: 0,
                min_interval: Duration::from_secs(1),
                per_minute: 20,
                history: HashMap::new(),
                failures: VecDeque::new(),
                forbidden: false,
                answer_delay: Duration::ZERO,
            }),
            accepted: watch::Sender::new(0),
            shutdown: shutdown_rx.clone(),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let mut stop = shutdown_rx;
        tokio::spawn(async move {
            let stopped = async move {
                // Err means the sender is gone: stop as well.
                let _ = stop.wait_for(|&stop| stop).await;
            };
            // An error here can only end the server early, which the tests would see.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await;
        });
        BotStandIn {
            addr,
            shared,
            shutdown,
        }
    }

    /// The api_url to configure (e.g. "http://127.0.0.1:PORT"), no trailing path.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Accepted messages, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.books().sent.clone()
    }

    /// Every sendMessage request received, accepted or not (with a wrong token,
    /// failed on purpose, rate-limited, invalid, hung).
    pub fn requests(&self) -> usize {
        self.shared.books().requests
    }

    /// How many 429s it answered.
    pub fn rejected_429(&self) -> usize {
        self.shared.books().rejected_429
    }

    /// Per-chat rate limit it enforces (defaults: 1 message per 1 s, 20 per 60 s).
    /// A message that would break either gets HTTP 429 with description
    /// "Too Many Requests: retry after N" and parameters.retry_after = N (whole
    /// seconds, at least 1, the real remaining wait rounded up).
    /// `Duration::ZERO` turns the interval off, `per_minute == 0` the per-minute cap.
    /// Only accepted messages count; the history is kept across changes.
    pub fn set_limits(&self, min_interval: Duration, per_minute: usize) {
        let mut books = self.shared.books();
        books.min_interval = min_interval;
        books.per_minute = per_minute;
    }

    /// Queue a failure for the next request(s), in order. A request with a wrong
    /// token or to another method does not take one.
    pub fn fail_next(&self, f: Failure) {
        self.shared.books().failures.push_back(f);
    }

    /// While on, every send gets Failure::Forbidden (the bot was removed); off again = the admin re-added it.
    pub fn set_forbidden(&self, on: bool) {
        self.shared.books().forbidden = on;
    }

    /// Hold every answer back this long after the request was handled (a
    /// message is recorded as accepted at once): a Bot API slower than the
    /// client's timeout. `Duration::ZERO` answers at once again; answers
    /// still held are released early when the stand-in is dropped.
    pub fn set_answer_delay(&self, delay: Duration) {
        self.shared.books().answer_delay = delay;
    }

    /// Wait until at least n messages were accepted, or panic after `timeout` with what it has.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Sent> {
        let mut accepted = self.shared.accepted.subscribe();
        let reached = tokio::time::timeout(timeout, accepted.wait_for(|&count| count >= n))
            .await
            .is_ok_and(|waited| waited.is_ok());
        let sent = self.sent();
        assert!(
            reached,
            "Bot API stand-in: waited {timeout:?} for {n} accepted message(s), got {}: {sent:#?}",
            sent.len()
        );
        sent
    }
}

impl Drop for BotStandIn {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

impl Shared {
    fn books(&self) -> MutexGuard<'_, Books> {
        // A panicking test thread must not turn every later call into a panic.
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything but the waiting, under one lock.
    fn decide(&self, token: &str, method: &str, body: &[u8]) -> Outcome {
        let mut books = self.books();
        let is_send = method.eq_ignore_ascii_case("sendMessage");
        if is_send {
            books.requests += 1;
        }
        if token != self.token {
            return Outcome::Reply(api_error(StatusCode::UNAUTHORIZED, "Unauthorized", None));
        }
        if !is_send {
            return Outcome::Reply(api_error(StatusCode::NOT_FOUND, "Not Found", None));
        }
        if let Some(failure) = books.failures.pop_front() {
            return failure_outcome(&failure);
        }
        if books.forbidden {
            return failure_outcome(&Failure::Forbidden);
        }
        let request = match parse_request(body) {
            Ok(request) => request,
            Err(description) => {
                return Outcome::Reply(api_error(StatusCode::BAD_REQUEST, description, None))
            }
        };
        let now = Instant::now();
        if let Some(wait) = books.wait_needed(&request.chat.key(), now) {
            books.rejected_429 += 1;
            let seconds = wait
                .as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0))
                .clamp(1, u64::from(u32::MAX));
            return Outcome::Reply(api_error(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too Many Requests: retry after {seconds}"),
                Some(json!({ "retry_after": seconds })),
            ));
        }
        let visible = match visible_text(&request.text, request.mode) {
            Ok(visible) => visible,
            Err(description) => {
                return Outcome::Reply(api_error(StatusCode::BAD_REQUEST, description, None))
            }
        };
        books
            .history
            .entry(request.chat.key())
            .or_default()
            .push_back(now);
        books.sent.push(Sent {
            chat_id: request.chat_id,
            text: request.text,
            parse_mode: request.parse_mode,
            preview_url: request.preview_url,
        });
        let message_id = books.sent.len();
        self.accepted.send_replace(message_id);
        let message = channel_post(message_id, &request.chat, &visible);
        Outcome::Reply(Json(json!({ "ok": true, "result": message })).into_response())
    }
}

impl Books {
    /// How long `chat` must still wait before a message to it is accepted, if at all.
    fn wait_needed(&mut self, chat: &str, now: Instant) -> Option<Duration> {
        let keep = MINUTE.max(self.min_interval);
        let history = self.history.entry(chat.to_owned()).or_default();
        while history
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= keep)
        {
            history.pop_front();
        }
        let mut wait = Duration::ZERO;
        if let Some(&last) = history.back() {
            let free_at = last.checked_add(self.min_interval);
            wait = wait.max(free_at.map_or(Duration::MAX, |at| at.saturating_duration_since(now)));
        }
        if self.per_minute > 0 {
            let in_minute: Vec<Instant> = history
                .iter()
                .copied()
                .filter(|&at| now.saturating_duration_since(at) < MINUTE)
                .collect();
            if in_minute.len() >= self.per_minute {
                let frees_a_slot = in_minute[in_minute.len() - self.per_minute] + MINUTE;
                wait = wait.max(frees_a_slot.saturating_duration_since(now));
            }
        }
        (!wait.is_zero()).then_some(wait)
    }
}

enum Outcome {
    Reply(Response),
    Hang,
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    let Some((token, method)) = uri
        .path()
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(_, method)| !method.is_empty() && !method.contains('/'))
    else {
        return api_error(StatusCode::NOT_FOUND, "Not Found", None);
    };
    let outcome = shared.decide(token, method, &body);
    let delay = shared.books().answer_delay;
    if !delay.is_zero() {
        let mut stop = shared.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|&stop| stop) => {}
        }
    }
    match outcome {
        Outcome::Reply(response) => response,
        Outcome::Hang => {
            let mut stop = shared.shutdown.clone();
            let _ = stop.wait_for(|&stop| stop).await;
            failure_reply(&Failure::Hang)
        }
    }
}

fn failure_outcome(failure: &Failure) -> Outcome {
    match failure {
        Failure::Hang => Outcome::Hang,
        other => Outcome::Reply(failure_reply(other)),
    }
}

fn failure_reply(failure: &Failure) -> Response {
    match failure {
        Failure::ServerError(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("Internal Server Error");
            api_error(status, reason, None)
        }
        Failure::Forbidden => api_error(
            StatusCode::FORBIDDEN,
            "Forbidden: bot was kicked from the channel chat",
            None,
        ),
        Failure::ChatNotFound => {
            api_error(StatusCode::BAD_REQUEST, "Bad Request: chat not found", None)
        }
        Failure::BadRequest(description) => api_error(StatusCode::BAD_REQUEST, *description, None),
        // Only once the stand-in is dropped, to a client that has long gone.
        Failure::Hang => failure_reply(&Failure::ServerError(502)),
    }
}

/// The Bot API's error body.
fn api_error(
    status: StatusCode,
    description: impl Into<String>,
    parameters: Option<Value>,
) -> Response {
    let mut body = json!({
        "ok": false,
        "error_code": status.as_u16(),
        "description": description.into(),
    });
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    (status, Json(body)).into_response()
}

/// A chat as `chat_id` names it.
enum Chat {
    Username(String),
    Id(i64),
}

impl Chat {
    /// The rate limiter's key: usernames are case-insensitive.
    fn key(&self) -> String {
        match self {
            Chat::Username(name) => format!("@{}", name.to_ascii_lowercase()),
            Chat::Id(id) => id.to_string(),
        }
    }
}

#[derive(Clone, Copy)]
enum Mode {
    Plain,
    Html,
    /// Markdown and MarkdownV2: not validated here, only length-checked.
    Unchecked,
}

struct SendMessage {
    chat_id: String,
    chat: Chat,
    text: String,
    parse_mode: Option<String>,
    mode: Mode,
    preview_url: Option<String>,
}

fn parse_request(body: &[u8]) -> Result<SendMessage, String> {
    let params = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(params)) => params,
            Ok(_) => return Err("Bad Request: JSON object expected".to_owned()),
            Err(error) => return Err(format!("Bad Request: can't parse JSON: {error}")),
        }
    };
    // The Bot API reads every parameter as a string: a number's text is its value.
    let param = |name: &str| match params.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => Some(other.to_string()),
    };
    let chat_id = param("chat_id")
        .filter(|id| !id.is_empty())
        .ok_or("Bad Request: chat_id is empty")?;
    let chat = match chat_id.strip_prefix('@') {
        Some(name) if !name.is_empty() => Chat::Username(name.to_owned()),
        Some(_) => return Err("Bad Request: chat not found".to_owned()),
        None => Chat::Id(
            chat_id
                .parse()
                .map_err(|_| "Bad Request: chat not found".to_owned())?,
        ),
    };
    let text = param("text").ok_or("Bad Request: message text is empty")?;
    let parse_mode = param("parse_mode").filter(|mode| !mode.is_empty());
    let mode = match parse_mode
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("none") => Mode::Plain,
        Some("html") => Mode::Html,
        Some("markdown" | "markdownv2") => Mode::Unchecked,
        Some(_) => return Err("Bad Request: unsupported parse_mode".to_owned()),
    };
    let preview_url = params
        .get("link_preview_options")
        .and_then(|o| o.get("url"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(SendMessage {
        chat_id,
        chat,
        text,
        parse_mode,
        mode,
        preview_url,
    })
}

/// The text the channel would show, or the Bot API's 400 description.
fn visible_text(text: &str, mode: Mode) -> Result<String, String> {
    let visible = match mode {
        Mode::Html => parse_html(text)
            .map_err(|error| format!("Bad Request: can't parse entities: {error}"))?,
        Mode::Plain | Mode::Unchecked => text.to_owned(),
    };
    let visible = visible.trim();
    if visible.is_empty() {
        return Err("Bad Request: message text is empty".to_owned());
    }
    if visible.encode_utf16().count() > MAX_TEXT_UTF16 {
        return Err("Bad Request: message is too long".to_owned());
    }
    Ok(visible.to_owned())
}

/// The `Message` Telegram returns for a post in a channel.
fn channel_post(message_id: usize, chat: &Chat, text: &str) -> Value {
    let chat = match chat {
        Chat::Username(name) => json!({
            "id": channel_id(name),
            "title": name,
            "username": name,
            "type": "channel",
        }),
        Chat::Id(id) => json!({
            "id": id,
            "title": format!("Channel {id}"),
            "type": "channel",
        }),
    };
    let date = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    json!({
        "message_id": message_id,
        "sender_chat": chat,
        "chat": chat,
        "date": date,
        "text": text,
    })
}

/// A stable channel id (-100xxxxxxxxxx) for a username.
fn channel_id(username: &str) -> i64 {
    // FNV-1a: stable across runs, unlike std's hasher.
    let hash = username
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    -1_000_000_000_000 - i64::try_from(hash % 1_000_000_000).unwrap_or(0)
}

/// tdlib's `is_space`; NUL stands for the end of the text, as in tdlib.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | 0 | 0x0b | 0x0c)
}

struct OpenTag {
    name: String,
    argument: String,
    /// Length of the visible text when the tag opened.
    text_at: usize,
}

/// Telegram's HTML parse mode (tdlib's `parse_html`): the visible text, or the
/// error that follows "can't parse entities: ".
fn parse_html(source: &str) -> Result<String, String> {
    let bytes = source.as_bytes();
    let mut visible = String::with_capacity(source.len());
    let mut open: Vec<OpenTag> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                let (decoded, next) = decode_entity(bytes, i)?;
                visible.push(decoded);
                i = next;
            }
            b'>' => {
                return Err(format!(
                    "Unescaped \">\" at byte offset {i} (the stand-in wants &gt; here; Telegram would show it)"
                ))
            }
            b'<' if bytes.get(i + 1) == Some(&b'/') => {
                i = close_tag(bytes, i, &mut open, visible.len())?;
            }
            b'<' => i = open_tag(bytes, i, &mut open, visible.len())?,
            _ => {
                // Copy up to the next special byte; all of them are ASCII, so this
                // slice starts and ends on character boundaries.
                let end = bytes[i..]
                    .iter()
                    .position(|byte| matches!(byte, b'&' | b'<' | b'>'))
                    .map_or(bytes.len(), |at| i + at);
                visible.push_str(source.get(i..end).unwrap_or_default());
                i = end;
            }
        }
    }
    match open.last() {
        Some(tag) => Err(format!(
            "Can't find end tag corresponding to start tag {}",
            tag.name
        )),
        None => Ok(visible),
    }
}

/// Decode the entity at `at` (a '&'): the character and the offset after the entity.
fn decode_entity(bytes: &[u8], at: usize) -> Result<(char, usize), String> {
    let unsupported = || {
        format!(
            "Unsupported HTML entity at byte offset {at} (the stand-in wants &lt; &gt; &amp; &quot; &#NNN; or &#xHH;, with the ';')"
        )
    };
    let rest = &bytes[at + 1..];
    let name_len = rest
        .iter()
        .take(10)
        .position(|&byte| byte == b';')
        .ok_or_else(unsupported)?;
    let name = &rest[..name_len];
    let code = match name {
        b"lt" => u32::from('<'),
        b"gt" => u32::from('>'),
        b"amp" => u32::from('&'),
        b"quot" => u32::from('"'),
        // tdlib's limits: up to 6 hex or 7 decimal digits, 0 < code < 0x10FFFF.
        [b'#', b'x', hex @ ..] if (1..=6).contains(&hex.len()) => std::str::from_utf8(hex)
            .ok()
            .filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .ok_or_else(unsupported)?,
        [b'#', decimal @ ..] if (1..=7).contains(&decimal.len()) => std::str::from_utf8(decimal)
            .ok()
            .filter(|decimal| decimal.bytes().all(|byte| byte.is_ascii_digit()))
            .and_then(|decimal| decimal.parse().ok())
            .ok_or_else(unsupported)?,
        _ => return Err(unsupported()),
    };
    if code == 0 || code >= 0x10_ffff {
        return Err(unsupported());
    }
    let decoded = char::from_u32(code).ok_or(
        "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units",
    )?;
    Ok((decoded, at + 1 + name_len + 1))
}

/// Parse the start tag at `begin` (a '<'); the offset after its '>'.
fn open_tag(
    bytes: &[u8],
    begin: usize,
    open: &mut Vec<OpenTag>,
    text_at: usize,
) -> Result<usize, String> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let lossy = |from: usize, to: usize| String::from_utf8_lossy(&bytes[from..to]).into_owned();
    let mut i = begin + 1;
    while !is_space(at(i)) && at(i) != b'>' {
        i += 1;
    }
    if at(i) == 0 {
        return Err(format!("Unclosed start tag at byte offset {begin}"));
    }
    let name = lossy(begin + 1, i).to_ascii_lowercase();
    if !TAGS.contains(&name.as_str()) {
        return Err(format!(
            "Unsupported start tag \"{name}\" at byte offset {begin}"
        ));
    }
    let mut argument = String::new();
    while at(i) != b'>' {
        while at(i) != 0 && is_space(at(i)) {
            i += 1;
        }
        if at(i) == b'>' {
            break;
        }
        let attribute_begin = i;
        while !is_space(at(i)) && at(i) != b'=' && at(i) != b'>' {
            i += 1;
        }
        let attribute = &bytes[attribute_begin..i];
        if attribute.is_empty() {
            return Err(format!(
                "Empty attribute name in the tag \"{name}\" at byte offset {begin}"
            ));
        }
        while at(i) != 0 && is_space(at(i)) {
            i += 1;
        }
        if at(i) != b'=' {
            if name == "blockquote" && attribute == b"expandable" {
                continue;
            }
            return Err(format!(
                "Expected equal sign in declaration of an attribute of the tag \"{name}\" at byte offset {begin}"
            ));
        }
        i += 1;
        while at(i) != 0 && is_space(at(i)) {
            i += 1;
        }
        if at(i) == 0 {
            return Err(format!(
                "Unclosed start tag \"{name}\" at byte offset {begin}"
            ));
        }
        let value = if at(i) != b'\'' && at(i) != b'"' {
            // A name token: letters, digits, periods, hyphens; not case-sensitive.
            let token_begin = i;
            while at(i).is_ascii_alphanumeric() || at(i) == b'.' || at(i) == b'-' {
                i += 1;
            }
            if !is_space(at(i)) && at(i) != b'>' {
                return Err(format!(
                    "Unexpected end of name token at byte offset {token_begin}"
                ));
            }
            lossy(token_begin, i).to_ascii_lowercase()
        } else {
            let quote = at(i);
            i += 1;
            let mut value = String::new();
            while at(i) != quote && at(i) != 0 {
                if at(i) == b'&' {
                    let (decoded, next) = decode_entity(bytes, i)?;
                    value.push(decoded);
                    i = next;
                } else {
                    let end = bytes[i..]
                        .iter()
                        .position(|&byte| byte == quote || byte == b'&' || byte == 0)
                        .map_or(bytes.len(), |offset| i + offset);
                    value.push_str(&lossy(i, end));
                    i = end;
                }
            }
            if at(i) == quote {
                i += 1;
            }
            value
        };
        if at(i) == 0 {
            return Err(format!("Unclosed start tag at byte offset {begin}"));
        }
        match (name.as_str(), attribute) {
            ("a", b"href") | ("tg-emoji", b"emoji-id") => argument = value,
            ("code", b"class") if value.starts_with("language-") => {
                argument = value["language-".len()..].to_owned();
            }
            ("span", b"class") if value.starts_with("tg-") => {
                argument = value["tg-".len()..].to_owned();
            }
            _ => {}
        }
    }
    if name == "span" && argument != "spoiler" {
        return Err(format!(
            "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
        ));
    }
    open.push(OpenTag {
        name,
        argument,
        text_at,
    });
    Ok(i + 1)
}

/// Parse the end tag at `begin` (a '<' before '/'); the offset after its '>'.
fn close_tag(
    bytes: &[u8],
    begin: usize,
    open: &mut Vec<OpenTag>,
    text_at: usize,
) -> Result<usize, String> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let Some(tag) = open.last() else {
        return Err(format!("Unexpected end tag at byte offset {begin}"));
    };
    let mut i = begin + 1;
    while !is_space(at(i)) && at(i) != b'>' {
        i += 1;
    }
    let end_name = String::from_utf8_lossy(&bytes[begin + 2..i]).to_ascii_lowercase();
    while at(i) != 0 && is_space(at(i)) {
        i += 1;
    }
    if at(i) != b'>' {
        return Err(format!("Unclosed end tag at byte offset {begin}"));
    }
    if !end_name.is_empty() && end_name != tag.name {
        return Err(format!(
            "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{end_name}>\"",
            tag.name
        ));
    }
    if tag.name == "tg-emoji"
        && text_at > tag.text_at
        && !tag.argument.parse::<i64>().is_ok_and(|id| id != 0)
    {
        return Err("Invalid custom emoji identifier specified".to_owned());
    }
    open.pop();
    Ok(i + 1)
}

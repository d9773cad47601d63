//! The Telegram Bot API client (teloxide's `teloxide-core`), reduced to what
//! the outbox needs: send one message, and say what to do when that fails.
//!
//! The bot token is a [`Secret`]: its `Debug` hides it, and every error text
//! that leaves this module has it scrubbed (HTTP errors quote the request
//! URL, which holds the token).

use std::fmt;
use std::time::Duration;

use teloxide_core::errors::{ApiError, RequestError};
use teloxide_core::payloads::SendMessageSetters;
use teloxide_core::requests::{Request, Requester};
use teloxide_core::types::{ChatId, LinkPreviewOptions, ParseMode, Recipient};
use teloxide_core::Bot;

use crate::config::TelegramConfig;

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The bot token: `env_token` (the caller reads `TELEGRAM_BOT_TOKEN`) when
/// set, else the configured token file. None means a dry run.
pub fn load_token(
    cfg: &TelegramConfig,
    env_token: Option<String>,
) -> Result<Option<Secret>, crate::config::SecretError> {
    Ok(crate::config::read_secret("bot token", env_token, cfg.token_file.as_deref())?.map(Secret))
}

/// Why a send failed, sorted by what the outbox must do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// 429: wait exactly this long, then send the same message again.
    RetryAfter(Duration),
    /// Network trouble, 5xx: the message was not delivered; retry with
    /// backoff.
    Transient(String),
    /// The request went out and no answer came within the timeout. Telegram
    /// may well have delivered it (the Bot API has no idempotency key), so a
    /// re-send risks a duplicate: the outbox re-sends at most once.
    TimedOut(String),
    /// Telegram could not parse the HTML: send it once more as plain text.
    CantParse(String),
    /// The channel cannot receive anything until the admin acts (bot removed,
    /// no rights, chat not found, bad token): pause, keep the queue.
    Blocked(String),
    /// Telegram refused this one message for good.
    Rejected(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::RetryAfter(d) => write!(f, "rate limited: retry after {}s", d.as_secs()),
            SendError::Transient(m) => write!(f, "temporary failure: {m}"),
            SendError::TimedOut(m) => write!(f, "no answer in time (may have been delivered): {m}"),
            SendError::CantParse(m) => write!(f, "Telegram cannot parse the message: {m}"),
            SendError::Blocked(m) | SendError::Rejected(m) => f.write_str(m),
        }
    }
}

/// How much longer than `[telegram] timeout` a request may take once the
/// Bot API has been slower than that timeout (see [`Patience`]).
pub const SLOW_TIMEOUT_FACTOR: u32 = 2;

/// How long one request may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// `[telegram] timeout`.
    Normal,
    /// [`SLOW_TIMEOUT_FACTOR`] times that: after a timeout, until Telegram
    /// answers within the normal timeout again.
    Extended,
}

/// Sends to one chat.
pub struct Telegram {
    bot: Bot,
    /// The same bot with the extended timeout.
    patient_bot: Bot,
    chat: Recipient,
    token: Secret,
    timeout: Duration,
    /// Notified when Telegram accepted a message sent outside the queue
    /// (the web admin's test message): a channel paused because Telegram
    /// refused or did not answer tries again at once instead of waiting out
    /// its backoff.
    accepted: tokio::sync::Notify,
}

impl Telegram {
    pub fn new(cfg: &TelegramConfig, token: Secret) -> Result<Telegram, String> {
        let bot = |timeout: Duration| {
            // A connection that cannot even be made delivered nothing: its
            // own, shorter timeout keeps it apart from an unanswered request.
            let client = teloxide_core::net::default_reqwest_settings()
                .connect_timeout(Duration::from_secs(5).min(cfg.timeout))
                .timeout(timeout)
                .build()
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(
                Bot::with_client(token.expose(), client).set_api_url(cfg.api_url.clone()),
            )
        };
        Ok(Telegram {
            bot: bot(cfg.timeout)?,
            patient_bot: bot(cfg.timeout * SLOW_TIMEOUT_FACTOR)?,
            chat: recipient(&cfg.chat_id),
            token,
            timeout: cfg.timeout,
            accepted: tokio::sync::Notify::new(),
        })
    }

    /// A message outside the queue was accepted (see the `accepted` field).
    pub fn tell_accepted(&self) {
        self.accepted.notify_one();
    }

    /// Wait until [`Telegram::tell_accepted`] (at once if it was called
    /// since the last wait).
    pub async fn accepted(&self) {
        self.accepted.notified().await;
    }

    /// `[telegram] timeout`.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Send one message to the channel; `html` selects the HTML parse mode.
    pub async fn send(&self, text: &str, html: bool, patience: Patience) -> Result<(), SendError> {
        self.send_recipient(self.chat.clone(), text, html, patience)
            .await
    }

    /// Send one message to another chat (the admin's).
    pub async fn send_to(&self, chat_id: &str, text: &str, html: bool) -> Result<(), SendError> {
        self.send_recipient(recipient(chat_id), text, html, Patience::Normal)
            .await
    }

    /// Whether the Bot API answers at all, within the extended timeout
    /// (`getMe`: it sends nothing). Any answer, even an error, counts.
    pub async fn answers(&self) -> bool {
        match self.patient_bot.get_me().send().await {
            Ok(_) | Err(RequestError::Api(_) | RequestError::RetryAfter(_)) => true,
            Err(RequestError::MigrateToChatId(_)) => true,
            Err(_) => false,
        }
    }

    async fn send_recipient(
        &self,
        chat: Recipient,
        text: &str,
        html: bool,
        patience: Patience,
    ) -> Result<(), SendError> {
        let bot = match patience {
            Patience::Normal => &self.bot,
            Patience::Extended => &self.patient_bot,
        };
        let mut req = bot
            .send_message(chat, text)
            .link_preview_options(LinkPreviewOptions {
                is_disabled: false,
                // The item's link: a followed item's first link is its
                // attachment, and the preview must show the article.
                url: super::message::preview_url(text, html),
                prefer_small_media: true,
                prefer_large_media: false,
                show_above_text: false,
            });
        if html {
            req = req.parse_mode(ParseMode::Html);
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) => Err(self.classify(e)),
        }
    }

    fn scrub(&self, s: String) -> String {
        s.replace(self.token.expose(), "***")
    }

    /// What went wrong, sorted. The reason kept (logged, shown on the status
    /// page and by `telegram status`) is Telegram's own description, or the
    /// network error itself, without the client library's wrapping ("A
    /// Telegram's error: …", "A network error: …"), and never the token.
    fn classify(&self, e: RequestError) -> SendError {
        let text = self.scrub(match &e {
            RequestError::Api(api) => api.to_string(),
            RequestError::Network(n) => n.to_string(),
            RequestError::Io(io) => io.to_string(),
            other => other.to_string(),
        });
        match e {
            RequestError::RetryAfter(s) => SendError::RetryAfter(s.duration()),
            RequestError::MigrateToChatId(id) => SendError::Blocked(format!(
                "the chat became a supergroup with id {}: set [telegram] chat_id = \"{}\"",
                id.0, id.0
            )),
            // No answer at all, though the request may have gone out whole:
            // Telegram may have posted it. (A timeout reading the body
            // comes after an answer's status line: teloxide waits 10 s
            // after a 5xx before it reads the body, and a short timeout
            // ends that wait. That is a failure, not a maybe.)
            RequestError::Network(n) if n.is_timeout() && n.is_request() && !n.is_connect() => {
                SendError::TimedOut(text)
            }
            RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
                SendError::Transient(text)
            }
            RequestError::Api(api) => classify_api(api, text),
        }
    }
}

fn recipient(chat_id: &str) -> Recipient {
    match chat_id.parse::<i64>() {
        Ok(n) => Recipient::Id(ChatId(n)),
        Err(_) => Recipient::ChannelUsername(chat_id.to_string()),
    }
}

/// A pause reason of `classify_api` (or the worker's "does not answer"),
/// said in Vietnamese for the status page; Telegram's own words, in
/// parentheses at the end, are kept as they are. A reason this does not
/// know is returned unchanged.
pub fn reason_vi(reason: &str) -> String {
    const SAID: [(&str, &str); 6] = [
        (
            "the channel was not found",
            "Không tìm thấy kênh: kiểm tra chat_id trong [telegram] và bot đã vào kênh chưa",
        ),
        (
            "the bot was removed from the channel",
            "Bot đã bị gỡ khỏi kênh: thêm lại bot làm quản trị viên",
        ),
        (
            "the bot may not post in the channel",
            "Bot không được đăng bài trong kênh: cho bot làm quản trị viên có quyền đăng bài",
        ),
        (
            "the bot token is invalid",
            "Mã bot (token) không hợp lệ: đặt TELEGRAM_BOT_TOKEN mới",
        ),
        (
            "the chat became a supergroup",
            "Nhóm đã chuyển thành siêu nhóm (supergroup): sửa chat_id trong [telegram]",
        ),
        (
            "the Telegram Bot API does not answer",
            "Máy chủ Telegram không trả lời kịp: hàng đợi được giữ và gửi tiếp khi có trả lời",
        ),
    ];
    let Some((_, vi)) = SAID.iter().find(|(en, _)| reason.starts_with(en)) else {
        return reason.to_string();
    };
    // Telegram's own words, when the reason carries them: "… (Forbidden: …)".
    match reason.rfind(" (").filter(|_| reason.ends_with(')')) {
        Some(i) => format!("{vi} — Telegram: {}", &reason[i + 2..reason.len() - 1]),
        None => (*vi).to_string(),
    }
}

/// Why a message was set aside (the reason [`super::Outbox`] stored with
/// it), said in Vietnamese for the admin page; Telegram's own words are
/// kept as they are.
pub fn set_aside_reason_vi(reason: &str) -> String {
    if reason.starts_with(super::NO_ANSWER_TWICE) {
        "Telegram không trả lời cả hai lần gửi: tin có thể đã tới kênh (có khi hai lần), nên \
         tinkhac không tự gửi lại"
            .to_string()
    } else if reason.is_empty() {
        "Telegram từ chối tin này (không rõ lý do)".to_string()
    } else {
        format!("Telegram từ chối tin này, cả dạng chữ thường — {reason}")
    }
}

impl SendError {
    /// What went wrong, in Vietnamese, for the admin who sent a test
    /// message: what Telegram said and what to do. The texts it quotes are
    /// scrubbed of the token already.
    pub fn said_vi(&self) -> String {
        match self {
            SendError::RetryAfter(d) => format!(
                "Telegram yêu cầu gửi chậm lại (429): hãy thử lại sau {} giây.",
                d.as_secs().max(1)
            ),
            SendError::Transient(m) => {
                format!("Không liên lạc được với máy chủ Telegram (lỗi mạng hoặc lỗi máy chủ): {m}")
            }
            SendError::TimedOut(m) => {
                format!("Máy chủ Telegram không trả lời kịp; tin thử có thể vẫn đã tới kênh. ({m})")
            }
            SendError::CantParse(m) | SendError::Rejected(m) => {
                format!("Telegram từ chối tin thử: {m}")
            }
            SendError::Blocked(m) => reason_vi(m),
        }
    }
}

fn classify_api(api: ApiError, text: String) -> SendError {
    let blocked = |what: &str| SendError::Blocked(format!("{what} ({text})"));
    match api {
        ApiError::CantParseEntities(m) => SendError::CantParse(m),
        ApiError::ChatNotFound => blocked(
            "the channel was not found: check [telegram] chat_id and that the bot is a member",
        ),
        ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::BotBlocked => {
            blocked("the bot was removed from the channel: add it back as an administrator")
        }
        ApiError::NotEnoughRightsToPostMessages => blocked(
            "the bot may not post in the channel: make it an administrator with the right to post",
        ),
        ApiError::InvalidToken => blocked("the bot token is invalid: set a new TELEGRAM_BOT_TOKEN"),
        ApiError::Unknown(desc) => {
            let d = desc.to_ascii_lowercase();
            if d.starts_with("forbidden") {
                blocked("the bot may not post in the channel (removed, or no rights): add it back as an administrator")
            } else if d.starts_with("unauthorized") {
                blocked("the bot token is invalid: set a new TELEGRAM_BOT_TOKEN")
            } else if d.contains("chat not found") {
                blocked("the channel was not found: check [telegram] chat_id")
            } else if d.contains("administrator rights") || d.contains("not enough rights") {
                blocked("the bot may not post in the channel: make it an administrator")
            } else if d.starts_with("bad request") {
                SendError::Rejected(text)
            } else {
                // 5xx and anything unknown: worth another try.
                SendError::Transient(text)
            }
        }
        _ => SendError::Rejected(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status page said the channel's pause reason in English.
    #[test]
    fn pause_reasons_are_said_in_vietnamese_keeping_telegrams_words() {
        let why = "the bot may not post in the channel (removed, or no rights): add it back as \
                   an administrator (Forbidden: bot is not a member of the channel chat)";
        assert_eq!(
            reason_vi(why),
            "Bot không được đăng bài trong kênh: cho bot làm quản trị viên có quyền đăng bài \
             — Telegram: Forbidden: bot is not a member of the channel chat"
        );
        assert!(reason_vi(
            "the Telegram Bot API does not answer within 60s; the queue is kept and sent once it answers"
        )
        .starts_with("Máy chủ Telegram không trả lời kịp"));
        // Unknown reasons pass through as they are.
        assert_eq!(reason_vi("Bad Request: x"), "Bad Request: x");
    }

    /// The test message's failures, as the admin page says them.
    #[test]
    fn send_errors_are_said_in_vietnamese() {
        let said = |e: SendError| e.said_vi();
        assert_eq!(
            said(SendError::RetryAfter(Duration::from_secs(7))),
            "Telegram yêu cầu gửi chậm lại (429): hãy thử lại sau 7 giây."
        );
        assert!(said(SendError::Blocked(
            "the bot token is invalid: set a new TELEGRAM_BOT_TOKEN (Unauthorized)".into()
        ))
        .starts_with("Mã bot (token) không hợp lệ"));
        assert!(said(SendError::Blocked(
            "the channel was not found: check [telegram] chat_id (Bad Request: chat not found)"
                .into()
        ))
        .starts_with("Không tìm thấy kênh"));
        let net = said(SendError::Transient("connection refused".into()));
        assert!(
            net.starts_with("Không liên lạc được") && net.ends_with("connection refused"),
            "{net}"
        );
        assert!(said(SendError::TimedOut("timeout".into())).contains("không trả lời kịp"));
        assert_eq!(
            said(SendError::Rejected("Bad Request: x".into())),
            "Telegram từ chối tin thử: Bad Request: x"
        );
    }

    #[test]
    fn set_aside_reasons_are_said_in_vietnamese() {
        let twice = format!(
            "{} (operation timed out); it may have been delivered, so it is not sent again",
            crate::notify::NO_ANSWER_TWICE
        );
        assert!(set_aside_reason_vi(&twice).starts_with("Telegram không trả lời cả hai lần gửi"));
        assert_eq!(
            set_aside_reason_vi("Bad Request: message is too long"),
            "Telegram từ chối tin này, cả dạng chữ thường — Bad Request: message is too long"
        );
    }
}

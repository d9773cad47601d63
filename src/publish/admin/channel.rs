//! The web admin's «Kênh Telegram» (`/admin/kenh`): the channel's state and
//! queue, the messages Telegram refused for good, and what the admin does
//! with them («Gửi lại», «Bỏ» after a confirmation), and «Gửi tin thử».
//!
//! Every change goes through the store's [`SetAsideStore`] (one
//! transaction, flushed) after the session and CSRF checks of
//! [`super::checked_post`], and is logged in English. The test message goes
//! through the channel worker's own client ([`crate::notify::send_test_message`]);
//! what Telegram answered is shown in Vietnamese, and the token is never in
//! the page or the log (the client scrubs it from every error).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

use super::{checked_form, client_of, page, peer, refused, see_other, site_title, web, Posted};
use crate::publish::admin_page::channel::{
    self as view, DropView, QueuedRow, SetAsideRow, TelegramView, QUEUE_SHOWN,
};
use crate::publish::admin_page::Notice;
use crate::publish::http::{query_value, AppState};
use crate::publish::status_page::{count_vi, ChannelRow};
use crate::store::contract::{OutboxStore, SetAsideStore};
use crate::store::{Pick, SetAside};

/// `GET /admin/kenh`: the channel, its queue and the messages set aside,
/// with what the last change did (`?da=gui-lai&tin=N`, `?da=bo&tin=N`,
/// `?da=gui-lai-het&so=QUEUED&con=KEPT`).
pub(super) async fn page_of_channel(State(st): State<AppState>, req: Request) -> Response {
    let Some(csrf) = web(&st).session(req.headers()) else {
        return see_other("/admin/login");
    };
    let query = req.uri().query().map(str::to_string);
    let seq = query_value(&query, "tin").and_then(|t| t.parse::<u64>().ok());
    let done = match (query_value(&query, "da").as_deref(), seq) {
        (Some("gui-lai"), Some(n)) => Some(Notice::done(
            "Đã xếp lại tin vào hàng đợi",
            &format!(
                "Tin #{n} đã trở lại hàng đợi, ở đúng chỗ của nó theo ngày đăng: kênh gửi \
                 nó ngay sau các tin đăng trước nó."
            ),
        )),
        (Some("gui-lai-het"), _) => {
            let count = |k| query_value(&query, k).and_then(|t| t.parse::<u64>().ok());
            let kept = match count("con") {
                Some(k) if k > 0 => format!(
                    " {} tin không còn trong kho (đã bị xoá theo hạn lưu giữ) vẫn để riêng: \
                     hãy bấm «Bỏ».",
                    count_vi(k)
                ),
                _ => String::new(),
            };
            Some(Notice::done(
                "Đã xếp lại các tin vào hàng đợi",
                &format!(
                    "{} tin đã trở lại hàng đợi, mỗi tin ở đúng chỗ của nó theo ngày đăng.{kept}",
                    count_vi(count("so").unwrap_or(0))
                ),
            ))
        }
        (Some("bo"), Some(n)) => Some(Notice::done(
            "Đã bỏ tin",
            &format!("Tin #{n} đã bị bỏ hẳn và sẽ không được gửi lên kênh."),
        )),
        _ => None,
    };
    render(&st, csrf, done, StatusCode::OK)
}

/// The channel page, with `notice` at its top.
fn render(st: &AppState, csrf: String, notice: Option<Notice>, status: StatusCode) -> Response {
    let config = st.config();
    let tz = config.fetch.timezone;
    let local = |d: chrono::DateTime<Utc>| d.with_timezone(&tz);
    let channel = st.report().telegram.map(|c| ChannelRow::from_report(c, tz));
    // While the store cannot be read the page still shows the channel.
    let queued = st
        .store
        .outbox(QUEUE_SHOWN)
        .unwrap_or_default()
        .into_iter()
        .map(|(key, e)| QueuedRow {
            seq: key.seq(),
            queued_at: local(e.queued_at),
            title: st
                .store
                .item(&e.item_id)
                .ok()
                .flatten()
                .map(|i| i.title)
                .unwrap_or_default(),
        })
        .collect();
    let (set_aside, set_aside_error) = match st.store.set_aside() {
        Ok(all) => (all.iter().map(|s| row(s, tz)).collect(), None),
        Err(e) => {
            tracing::error!(error = %e, "web admin: cannot read the Telegram messages set aside");
            (Vec::new(), Some(e.to_string()))
        }
    };
    page(
        status,
        view::telegram(&TelegramView {
            title: config.server.title.clone(),
            configured: config.telegram.is_some(),
            channel,
            queued,
            set_aside,
            set_aside_error,
            can_test: st.live.telegram.is_some(),
            notice,
            csrf,
        }),
    )
}

fn row(s: &SetAside, tz: chrono::FixedOffset) -> SetAsideRow {
    SetAsideRow {
        seq: s.key.seq(),
        title: s.title.clone(),
        queued_at: s.queued_at.with_timezone(&tz),
        set_aside_at: s.set_aside_at.map(|t| t.with_timezone(&tz)),
        reason: crate::notify::telegram::set_aside_reason_vi(&s.reason),
    }
}

/// The message number a form or a link names (`tin`).
fn number(value: Option<&str>) -> Option<u64> {
    value.and_then(|t| t.trim().parse().ok())
}

fn bad_number(st: &AppState) -> Response {
    refused(
        st,
        StatusCode::BAD_REQUEST,
        Notice::error(
            "Thiếu số của tin",
            "Biểu mẫu không nói tin để riêng nào (số của tin). Hãy mở lại trang Kênh Telegram.",
        ),
    )
}

fn not_set_aside(st: &AppState, seq: u64) -> Response {
    refused(
        st,
        StatusCode::NOT_FOUND,
        Notice::error(
            "Không có tin để riêng này",
            &format!(
                "Không có tin để riêng nào mang số #{seq} (có thể đã được gửi lại hoặc bỏ rồi)."
            ),
        ),
    )
}

fn store_failed(st: &AppState, e: crate::store::Error) -> Response {
    tracing::error!(error = %e, "web admin: the store refused a change of the Telegram messages set aside");
    refused(
        st,
        StatusCode::SERVICE_UNAVAILABLE,
        Notice::error(
            "Kho dữ liệu chưa ghi được",
            &format!("Không có gì được thay đổi: {e}"),
        ),
    )
}

/// The session and CSRF checks, and the message number the form posts.
async fn checked_number(st: &AppState, req: Request) -> Result<(u64, String), Box<Response>> {
    let Posted { parts, form, .. } = checked_form(st, req).await?;
    let client = client_of(peer(&parts), &parts.headers).to_string();
    match number(form.get("tin")) {
        Some(n) => Ok((n, client)),
        None => Err(Box::new(bad_number(st))),
    }
}

/// `POST /admin/kenh/gui-lai` («Gửi lại»): queue a set-aside message again
/// (or, «Gửi lại tất cả», every one), at its own place in publication
/// order, and wake the channel.
pub(super) async fn retry(State(st): State<AppState>, req: Request) -> Response {
    let Posted { parts, form, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let client = client_of(peer(&parts), &parts.headers);
    let tin = form.get("tin");
    if tin == Some(view::ALL) {
        return match st.store.retry_set_aside(Pick::All).await {
            Ok(done) => {
                tracing::info!(queued = done.queued.len(), kept = done.kept.len(), %client, "web admin: every set-aside Telegram message queued again");
                see_other(&format!(
                    "/admin/kenh?da=gui-lai-het&so={}&con={}",
                    done.queued.len(),
                    done.kept.len()
                ))
            }
            Err(e) => store_failed(&st, e),
        };
    }
    let Some(seq) = number(tin) else {
        return bad_number(&st);
    };
    match st.store.retry_set_aside(Pick::One(seq)).await {
        Ok(done) => match (done.queued.first(), done.kept.first()) {
            (Some(s), _) => {
                tracing::info!(key = seq, item = %s.item_id, %client, "web admin: set-aside Telegram message queued again");
                see_other(&format!("/admin/kenh?da=gui-lai&tin={seq}"))
            }
            (None, Some(s)) => {
                tracing::info!(key = seq, item = %s.item_id, %client, "web admin: set-aside Telegram message not queued again, its item is gone");
                refused(
                    &st,
                    StatusCode::CONFLICT,
                    Notice::error(
                        "Không gửi lại được",
                        &format!(
                            "Tin #{seq} không còn trong kho (đã bị xoá theo hạn lưu giữ), nên \
                             không có gì để gửi. Hãy bấm «Bỏ»."
                        ),
                    ),
                )
            }
            (None, None) => not_set_aside(&st, seq),
        },
        Err(e) => store_failed(&st, e),
    }
}

/// `GET /admin/kenh/bo?tin=N`: what dropping it means, and the form.
pub(super) async fn drop_form(State(st): State<AppState>, req: Request) -> Response {
    let Some(csrf) = web(&st).session(req.headers()) else {
        return see_other("/admin/login");
    };
    let query = req.uri().query().map(str::to_string);
    let Some(seq) = number(query_value(&query, "tin").as_deref()) else {
        return bad_number(&st);
    };
    let all = match st.store.set_aside() {
        Ok(all) => all,
        Err(e) => return store_failed(&st, e),
    };
    let Some(s) = all.iter().find(|s| s.key.seq() == seq) else {
        return not_set_aside(&st, seq);
    };
    page(
        StatusCode::OK,
        view::confirm_drop(&DropView {
            title: site_title(&st),
            row: row(s, st.config().fetch.timezone),
            csrf,
        }),
    )
}

/// `POST /admin/kenh/bo` («Bỏ tin này»): drop a set-aside message for good.
pub(super) async fn drop(State(st): State<AppState>, req: Request) -> Response {
    let (seq, client) = match checked_number(&st, req).await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match st.store.drop_set_aside(seq).await {
        Ok(Some(s)) => {
            tracing::info!(key = seq, item = %s.item_id, %client, "web admin: set-aside Telegram message dropped");
            see_other(&format!("/admin/kenh?da=bo&tin={seq}"))
        }
        Ok(None) => not_set_aside(&st, seq),
        Err(e) => store_failed(&st, e),
    }
}

/// `POST /admin/kenh/thu` («Gửi tin thử»): one short test message to the
/// channel now; the page says what Telegram answered.
pub(super) async fn test_message(State(st): State<AppState>, req: Request) -> Response {
    let Posted { parts, csrf, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let client = client_of(peer(&parts), &parts.headers);
    let Some(sender) = st.live.telegram.clone() else {
        tracing::info!(%client, "web admin: test message not sent, no Telegram channel with a bot token runs here");
        return render(
            &st,
            csrf,
            Some(Notice::error(
                "Không gửi được tin thử",
                "Kênh Telegram không chạy với mã bot trong tiến trình này (chưa cấu hình \
                 [telegram], hoặc chưa có TELEGRAM_BOT_TOKEN).",
            )),
            StatusCode::CONFLICT,
        );
    };
    let config = st.config();
    let chat = st.report().telegram.map(|c| c.chat_id).unwrap_or_default();
    let now = Utc::now().with_timezone(&config.fetch.timezone);
    match crate::notify::send_test_message(&sender, &config.server.title, now).await {
        Ok(()) => {
            tracing::info!(%chat, %client, "web admin: test message sent to the Telegram channel");
            render(
                &st,
                csrf,
                Some(Notice::done(
                    "Đã gửi tin thử",
                    &format!("Telegram đã nhận tin thử; mở kênh {chat} để xem."),
                )),
                StatusCode::OK,
            )
        }
        Err(e) => {
            tracing::warn!(%chat, %client, error = %e, "web admin: test message not sent");
            render(
                &st,
                csrf,
                Some(Notice::error("Không gửi được tin thử", &e.said_vi())),
                StatusCode::BAD_GATEWAY,
            )
        }
    }
}

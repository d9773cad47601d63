//! The web admin's «Kênh Telegram» pages: the channel's state, why it is
//! paused, its queue, the messages Telegram refused for good ("để riêng")
//! with «Gửi lại» and «Bỏ» (after a confirmation), and «Gửi tin thử».
//!
//! Pure, as the rest of [`super`]: every title comes from a portal and is
//! escaped by maud; every form carries the session's CSRF token.

use chrono::{DateTime, FixedOffset};
use maud::{html, Markup};

use super::{document, notice, Notice};
use crate::publish::status_page::{channel_box, count_vi, time, ChannelRow};

/// One message waiting in the Telegram queue.
pub struct QueuedRow {
    /// Its place in the queue (the store's sequence number).
    pub seq: u64,
    pub queued_at: DateTime<FixedOffset>,
    /// Its item's title (empty when the item is gone).
    pub title: String,
}

/// One message Telegram refused for good, kept in the store.
pub struct SetAsideRow {
    /// Its number (the store's sequence number, as `tinkhac telegram
    /// set-aside` shows it).
    pub seq: u64,
    /// Its item's title; None when the item is no longer stored.
    pub title: Option<String>,
    pub queued_at: DateTime<FixedOffset>,
    /// None for messages set aside before the time was recorded.
    pub set_aside_at: Option<DateTime<FixedOffset>>,
    /// Why, in Vietnamese (Telegram's own words kept).
    pub reason: String,
}

/// The Telegram channel as the admin sees it.
pub struct TelegramView {
    pub title: String,
    /// None: no `[telegram]`, or the channel's worker is not running here.
    pub channel: Option<ChannelRow>,
    /// Whether `[telegram]` is configured at all.
    pub configured: bool,
    /// The next messages to go, first first.
    pub queued: Vec<QueuedRow>,
    /// The messages set aside, in queue order.
    pub set_aside: Vec<SetAsideRow>,
    /// Why the messages set aside could not be read, if so.
    pub set_aside_error: Option<String>,
    /// A test message can be sent from here (the daemon runs the channel
    /// with a token).
    pub can_test: bool,
    /// What the last action did (or why not).
    pub notice: Option<Notice>,
    pub csrf: String,
}

/// What «Gửi lại tất cả» posts as `tin`.
pub const ALL: &str = "tat-ca";

/// The queue shown at most.
pub const QUEUE_SHOWN: usize = 20;

/// What dropping a set-aside message means, and the form that does it.
pub struct DropView {
    pub title: String,
    pub row: SetAsideRow,
    pub csrf: String,
}

/// The Telegram channel: its state, why it is paused, the test message,
/// the queue and the messages set aside.
pub fn telegram(v: &TelegramView) -> String {
    document(
        &v.title,
        "Kênh Telegram",
        true,
        Some(&v.csrf),
        html! {
            @if let Some(n) = &v.notice { (notice(n)) }
            section #kenh {
                @match &v.channel {
                    Some(c) => {
                        (channel_box(c))
                        (test_form(v, &c.chat_id))
                        h2 { "Hàng đợi" }
                        @if v.queued.is_empty() {
                            p.empty { "Không có tin nào chờ gửi." }
                        } @else {
                            @if c.queue > v.queued.len() {
                                p.sub { (v.queued.len()) " tin đầu trong số " (count_vi(c.queue as u64)) " tin chờ gửi:" }
                            }
                            (queue_table(&v.queued))
                        }
                    }
                    None => {
                        @if v.configured {
                            p.empty { "Kênh Telegram chưa chạy trong tiến trình này (chỉ "
                                code { "tinkhac run" } " gửi tin)." }
                        } @else {
                            p.empty { "Chưa cấu hình kênh Telegram: thêm mục "
                                code { "[telegram]" } " vào feeds.toml." }
                        }
                    }
                }
            }
            @if v.configured {
                (set_aside_section(v))
            }
        },
    )
}

fn test_form(v: &TelegramView, chat_id: &str) -> Markup {
    html! {
        section #thu {
            h2 { "Gửi tin thử" }
            @if v.can_test {
                form.box method="post" action="/admin/kenh/thu" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    p.sub {
                        "tinkhac gửi ngay một tin ngắn lên kênh " (chat_id) " để kiểm tra mã bot, "
                        "chat_id và quyền đăng bài của bot. Tin thử không vào hàng đợi."
                    }
                    div.actions { button.primary type="submit" { "Gửi tin thử" } }
                }
            } @else {
                p.empty {
                    "Không gửi tin thử được: chưa có mã bot (TELEGRAM_BOT_TOKEN), kênh "
                    "đang chạy thử."
                }
            }
        }
    }
}

fn queue_table(queued: &[QueuedRow]) -> Markup {
    html! {
        table.queue {
            thead {
                tr {
                    th scope="col" { "Số" }
                    th scope="col" { "Vào hàng đợi" }
                    th scope="col" { "Tin" }
                }
            }
            tbody {
                @for q in queued {
                    tr {
                        td { code { "#" (q.seq) } }
                        td { (time(&q.queued_at)) }
                        td {
                            @if q.title.is_empty() {
                                span.sub { "(tin không còn trong kho)" }
                            } @else {
                                (q.title)
                            }
                        }
                    }
                }
            }
        }
    }
}

fn title_or_gone(title: &Option<String>) -> Markup {
    html! {
        @match title {
            Some(t) => span { (t) },
            None => span.sub { "(tin không còn trong kho)" },
        }
    }
}

/// When a set-aside message was queued and set aside.
fn set_aside_meta(r: &SetAsideRow) -> Markup {
    html! {
        div.meta {
            code { "#" (r.seq) }
            span { "vào hàng đợi " (time(&r.queued_at)) }
            span {
                "để riêng "
                @match &r.set_aside_at {
                    Some(t) => (time(t)),
                    None => "(không rõ lúc nào)",
                }
            }
        }
    }
}

fn set_aside_section(v: &TelegramView) -> Markup {
    html! {
        section #de-rieng {
            h2 { "Tin để riêng (" (v.set_aside.len()) ")" }
            @if let Some(err) = &v.set_aside_error {
                section.alert role="alert" {
                    h2 { "Không đọc được các tin để riêng" }
                    pre { (err) }
                }
            } @else if v.set_aside.is_empty() {
                p.empty { "Không có tin nào bị để riêng." }
            } @else {
                p.sub {
                    "Telegram đã từ chối hẳn các tin này (cả dạng chữ thường), nên tinkhac "
                    "giữ chúng lại thay vì gửi mãi. «Gửi lại» xếp tin vào đúng chỗ của nó "
                    "trong hàng đợi (theo ngày đăng), nên kênh gửi nó ngay sau đó; «Bỏ» xoá "
                    "hẳn tin khỏi hàng chờ."
                }
                @if v.set_aside.iter().filter(|r| r.title.is_some()).count() > 1 {
                    form.actions method="post" action="/admin/kenh/gui-lai" {
                        input type="hidden" name="csrf" value=(v.csrf);
                        input type="hidden" name="tin" value=(ALL);
                        button type="submit" { "Gửi lại tất cả" }
                    }
                }
                ul.items.box {
                    @for r in &v.set_aside {
                        li id={ "tin-" (r.seq) } {
                            (title_or_gone(&r.title))
                            (set_aside_meta(r))
                            p.err { (r.reason) }
                            div.actions {
                                @if r.title.is_some() {
                                    form.inline method="post" action="/admin/kenh/gui-lai" {
                                        input type="hidden" name="csrf" value=(v.csrf);
                                        input type="hidden" name="tin" value=(r.seq);
                                        button.primary type="submit" { "Gửi lại" }
                                    }
                                }
                                a.button.danger href={ "/admin/kenh/bo?tin=" (r.seq) } { "Bỏ" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What dropping a set-aside message means, and the form that does it.
pub fn confirm_drop(v: &DropView) -> String {
    let r = &v.row;
    document(
        &v.title,
        "Bỏ tin để riêng?",
        true,
        Some(&v.csrf),
        html! {
            section.box {
                p { "Bỏ hẳn tin này? Nó sẽ không bao giờ được gửi lên kênh." }
                p { strong { (title_or_gone(&r.title)) } }
                (set_aside_meta(r))
                p.err { (r.reason) }
                p.sub {
                    "Tin vẫn nằm trong kho và các nguồn tin; chỉ tin nhắn chờ gửi lên "
                    "Telegram bị xoá."
                }
                form method="post" action="/admin/kenh/bo" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    input type="hidden" name="tin" value=(r.seq);
                    div.actions {
                        button.danger type="submit" { "Bỏ tin này" }
                        a.button href="/admin/kenh" { "Huỷ" }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(configured: bool) -> TelegramView {
        TelegramView {
            title: "T".into(),
            channel: None,
            configured,
            queued: Vec::new(),
            set_aside: Vec::new(),
            set_aside_error: None,
            can_test: false,
            notice: None,
            csrf: "c".into(),
        }
    }

    fn at() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2025-12-23T08:30:00+07:00").unwrap()
    }

    #[test]
    fn the_telegram_page_says_whether_a_channel_is_configured() {
        let off = telegram(&view(false));
        assert!(off.contains("Chưa cấu hình kênh Telegram"), "{off}");
        assert!(!off.contains("Tin để riêng"), "{off}");
        let elsewhere = telegram(&view(true));
        assert!(
            elsewhere.contains("chưa chạy trong tiến trình này"),
            "{elsewhere}"
        );
        assert!(!elsewhere.contains("Chưa cấu hình"));
        assert!(elsewhere.contains("action=\"/admin/logout\""));
        assert!(elsewhere.contains("Không có tin nào bị để riêng."));
    }

    #[test]
    fn set_aside_messages_carry_their_forms_and_their_titles_are_escaped() {
        let hostile = "<script>alert(1)</script>";
        let mut v = view(true);
        v.set_aside = vec![
            SetAsideRow {
                seq: 12,
                title: Some(hostile.into()),
                queued_at: at(),
                set_aside_at: Some(at()),
                reason: hostile.into(),
            },
            SetAsideRow {
                seq: 13,
                title: None,
                queued_at: at(),
                set_aside_at: None,
                reason: "r".into(),
            },
        ];
        v.notice = Some(Notice::done(hostile, hostile));
        let html = telegram(&v);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Tin để riêng (2)"));
        let twelve =
            &html[html.find("id=\"tin-12\"").unwrap()..html.find("id=\"tin-13\"").unwrap()];
        assert!(
            twelve.contains("action=\"/admin/kenh/gui-lai\""),
            "{twelve}"
        );
        assert!(twelve.contains("name=\"tin\" value=\"12\""), "{twelve}");
        assert!(twelve.contains("name=\"csrf\" value=\"c\""), "{twelve}");
        assert!(
            twelve.contains("href=\"/admin/kenh/bo?tin=12\""),
            "{twelve}"
        );
        assert!(twelve.contains("23/12/2025"), "{twelve}");
        // One that can be sent again: no «Gửi lại tất cả».
        assert!(!html.contains("Gửi lại tất cả"), "{html}");
        let mut two = v;
        two.set_aside.push(SetAsideRow {
            seq: 14,
            title: Some("B".into()),
            queued_at: at(),
            set_aside_at: None,
            reason: "r".into(),
        });
        let all = telegram(&two);
        assert!(all.contains("Gửi lại tất cả"), "{all}");
        assert!(all.contains("name=\"tin\" value=\"tat-ca\""), "{all}");
        // A message whose item is gone can only be dropped.
        let thirteen = &html[html.find("id=\"tin-13\"").unwrap()..];
        assert!(!thirteen.contains("gui-lai"), "{thirteen}");
        assert!(thirteen.contains("(tin không còn trong kho)"));
        assert!(thirteen.contains("(không rõ lúc nào)"));
    }

    #[test]
    fn the_drop_confirmation_posts_the_number_and_the_csrf_token() {
        let html = confirm_drop(&DropView {
            title: "T".into(),
            row: SetAsideRow {
                seq: 7,
                title: Some("Tin \"A\"".into()),
                queued_at: at(),
                set_aside_at: Some(at()),
                reason: "Bad Request: x".into(),
            },
            csrf: "tok".into(),
        });
        assert!(html.contains("action=\"/admin/kenh/bo\""));
        assert!(html.contains("name=\"tin\" value=\"7\""));
        assert!(html.contains("name=\"csrf\" value=\"tok\""));
        assert!(html.contains("Tin &quot;A&quot;"));
        assert!(html.contains("Bỏ tin này"));
    }
}

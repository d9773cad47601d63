//! The status page (GET /): one self-contained HTML document in Vietnamese
//! that shows a rejected `feeds.toml` edit, each source's health, the
//! Telegram channel, the latest items and every feed address to subscribe to.
//!
//! Pure: the caller gathers a [`StatusView`], [`render`] turns it into HTML.
//! No JavaScript, no external resources, only a small inline stylesheet; the
//! sources table becomes stacked cards on narrow screens through CSS alone.
//!
//! Everything that comes from portals or from the configuration (names,
//! titles, errors, URLs) is escaped by maud. A URL becomes a link only when
//! its scheme is http or https; anything else (`javascript:`, `data:`…) is
//! shown as text.

use chrono::{DateTime, FixedOffset};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Everything the status page shows, gathered by the caller.
pub struct StatusView {
    /// The site's title, e.g. "Tin tổng hợp Hải Phòng".
    pub title: String,
    /// When this view was gathered, in the configured zone.
    pub generated_at: DateTime<FixedOffset>,
    /// tinkhac's version.
    pub version: String,
    /// Why the last edit of `feeds.toml` was rejected (the old configuration
    /// stays in force); shown at the top of the page until it is fixed.
    pub config_error: Option<String>,
    /// Why the store stopped writing (a full disk, say), while it has.
    pub store_fault: Option<String>,
    /// Why the local clock is not trusted (it disagrees with the portals'
    /// `Date` headers, and retention pauses); shown at the top of the page.
    pub clock_warning: Option<String>,
    /// Every configured source, in configuration order.
    pub sources: Vec<SourceRow>,
    /// The Telegram channel, None when none is configured.
    pub channel: Option<ChannelRow>,
    /// The follow-ups of new items to their article pages.
    pub follow_ups: crate::store::FollowCounts,
    /// One page of the newest items, newest first ([`PAGE_SIZE`] at most).
    pub latest: Vec<ItemRow>,
    /// Which page of items `latest` is: 1 is the newest.
    pub page: usize,
    /// Whether older items follow this page.
    pub more: bool,
    /// Every feed a reader can subscribe to.
    pub feeds: Vec<FeedLink>,
}

pub use crate::health::Health;
pub use crate::notify::ChannelMode;
pub use crate::status::ReadKind;

impl ReadKind {
    /// How the page names it.
    pub fn label(self) -> &'static str {
        match self {
            ReadKind::Feed => "feed",
            ReadKind::HtmlAuto => "html (tự nhận diện)",
            ReadKind::HtmlSelectors => "html (bộ chọn CSS)",
            ReadKind::Auto => "tự nhận diện",
        }
    }
}

impl Health {
    /// The Vietnamese label shown with the colour, so that colour is never
    /// the only signal.
    pub fn label(self) -> &'static str {
        match self {
            Health::Ok => "Bình thường",
            Health::New => "Mới",
            Health::Failing => "Đang lỗi",
            Health::Broken => "Hỏng",
        }
    }

    pub(super) fn class(self) -> &'static str {
        match self {
            Health::Ok => "h-ok",
            Health::New => "h-new",
            Health::Failing => "h-failing",
            Health::Broken => "h-broken",
        }
    }

    /// Sort key: the sources that need attention come first.
    fn urgency(self) -> u8 {
        match self {
            Health::Broken => 0,
            Health::Failing => 1,
            Health::New => 2,
            Health::Ok => 3,
        }
    }
}

/// One source's line in the sources table.
pub struct SourceRow {
    /// The source's id in `feeds.toml`.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The page or feed polled; a link only if http(s).
    pub url: String,
    /// "feed", "html (tự nhận diện)" or "html (bộ chọn CSS)".
    pub kind: String,
    /// Its health.
    pub health: Health,
    /// Why it has that health, e.g. "không tìm thấy danh sách tin".
    pub health_note: Option<String>,
    /// When a poll last succeeded.
    pub last_success: Option<DateTime<FixedOffset>>,
    /// The last poll error, as logged.
    pub last_error: Option<String>,
    /// Failed polls since the last success.
    pub consecutive_failures: u32,
    /// How many items the last successful poll found.
    pub items_last_poll: usize,
    /// When it will be polled next.
    pub next_poll: Option<DateTime<FixedOffset>>,
    /// Its polling interval, already in words (e.g. "15 phút").
    pub interval: String,
}

/// The Telegram channel's state.
pub struct ChannelRow {
    /// The channel's chat id: `@username` or a numeric id.
    pub chat_id: String,
    pub mode: ChannelMode,
    /// Why the channel is paused, in words for the admin.
    pub paused_reason: Option<String>,
    /// Messages waiting to be sent.
    pub queue: usize,
    /// Messages Telegram refused even as plain text, kept in the store.
    pub set_aside: usize,
    /// Messages sent.
    pub sent: u64,
    /// Messages a dry run logged instead of sending.
    pub would_send: u64,
    /// When the last message was sent.
    pub last_sent_at: Option<DateTime<FixedOffset>>,
    /// The title of the last message sent.
    pub last_sent_title: Option<String>,
}

impl ChannelRow {
    /// The channel of a status report, its times in `tz`.
    pub fn from_report(c: crate::status::ChannelReport, tz: FixedOffset) -> ChannelRow {
        ChannelRow {
            chat_id: c.chat_id,
            mode: c.mode,
            paused_reason: c.paused_reason,
            queue: c.queue,
            set_aside: c.set_aside,
            sent: c.sent,
            would_send: c.would_send,
            last_sent_at: c.last_sent_at.map(|d| d.with_timezone(&tz)),
            last_sent_title: c.last_sent_title,
        }
    }
}

/// One of the latest items.
pub struct ItemRow {
    /// The item's title.
    pub title: String,
    /// Its link; a link only if http(s).
    pub link: Option<String>,
    /// When it was published (or first seen).
    pub published: DateTime<FixedOffset>,
    /// The name of the source that listed it first.
    pub source_name: String,
    /// The names of its topics.
    pub topics: Vec<String>,
    /// The documents attached to its article (once followed), each shown
    /// with 📎 and linked when its URL is http(s).
    pub attachments: Vec<AttachmentLink>,
    /// The official document numbers its article cites, as readers name
    /// them: "Kế hoạch 211/KH-UBND".
    pub documents: Vec<String>,
}

/// A document attached to an item's article.
pub struct AttachmentLink {
    /// What the article calls it, else its file name.
    pub name: String,
    pub url: String,
}

/// A feed to subscribe to.
pub struct FeedLink {
    /// What it holds, e.g. "Tất cả tin" or "Chủ đề Giáo dục".
    pub label: String,
    /// Its absolute URL.
    pub url: String,
    /// "RSS", "Atom", "JSON Feed" or "OPML".
    pub format: String,
    /// Listed in a folded block ("Theo chủ đề, theo nguồn"), not in the
    /// first screen: the per-topic and per-source feeds.
    pub folded: bool,
}

/// Items per page of "Tin mới nhất" (`/?page=2` for the next ones): a phone
/// reaches the end of the page without scrolling through a whole feed.
pub const PAGE_SIZE: usize = 20;

/// Render the whole page: a complete `<!DOCTYPE html>` document.
///
/// Order: what needs the admin's attention (the summary, any alert), then
/// how to subscribe, then the latest items (paged), then the sources and
/// the channel. Subscribers, the page's most frequent readers, find what
/// they came for in the first screen.
pub fn render(v: &StatusView) -> String {
    let mut sources: Vec<&SourceRow> = v.sources.iter().collect();
    // Stable: within one health, configuration order is kept.
    sources.sort_by_key(|s| s.health.urgency());
    html! {
        (DOCTYPE)
        html lang="vi" {
            (page_head(&format!("Trạng thái – {}", v.title), &v.feeds))
            body {
                header {
                    h1 { (v.title) }
                    p.sub {
                        "Trang trạng thái · cập nhật lúc "
                        (time(&v.generated_at))
                        " (" (zone(&v.generated_at)) ")"
                    }
                    nav aria-label="Mục lục" {
                        a href="#theo-doi" { "Cách theo dõi" }
                        a href="#tin-moi" { "Tin mới" }
                        a href="#nguon" { "Nguồn tin" }
                        a href="#kenh" { "Kênh Telegram" }
                    }
                }
                main {
                    (summary(v))
                    @if let Some(err) = &v.store_fault {
                        section.alert #kho-du-lieu role="alert" {
                            h2 { "Không ghi được vào kho dữ liệu:" }
                            pre { (err) }
                            p {
                                "Việc lấy tin và gửi Telegram tạm dừng; các nguồn tin vẫn được "
                                "phục vụ như lần cuối. Hãy giải phóng dung lượng đĩa: tinkhac "
                                "tự mở lại kho khi ghi được, không mất tin đã lưu."
                            }
                        }
                    }
                    @if v.sources.is_empty() {
                        section.alert #chua-co-nguon role="alert" {
                            h2 { "Chưa có nguồn tin nào" }
                            p {
                                "Tệp cấu hình không có mục " code { "[[source]]" } " nào, nên "
                                "tinkhac chưa lấy tin. Thêm nguồn bằng "
                                code { "tinkhac feeds add URL" } " hoặc sửa tệp; tinkhac tự "
                                "áp dụng thay đổi, không cần khởi động lại."
                            }
                        }
                    }
                    @if let Some(err) = &v.config_error {
                        section.alert #cau-hinh role="alert" {
                            h2 { "Cấu hình mới bị lỗi, đang dùng cấu hình cũ:" }
                            pre { (err) }
                            p {
                                "Hãy sửa lỗi trong feeds.toml. Thông báo này sẽ hết khi "
                                "cấu hình hợp lệ được nạp."
                            }
                        }
                    }
                    @if let Some(why) = &v.clock_warning {
                        section.alert #dong-ho role="alert" {
                            h2 { "Đồng hồ máy chủ lệch so với đồng hồ của các cổng tin:" }
                            p { (why) }
                            p {
                                "Tin cũ tạm không bị xoá cho đến khi đồng hồ được chỉnh "
                                "(NTP). Thông báo này sẽ hết khi hai bên khớp nhau."
                            }
                        }
                    }
                    (feeds_section(&v.feeds, v.channel.as_ref()))
                    (latest_section(&v.latest, Some((v.page, v.more))))
                    (sources_section(&sources, &v.follow_ups))
                    (channel_section(v.channel.as_ref()))
                }
                footer {
                    p.sub { "tinkhac " (v.version) }
                }
            }
        }
    }
    .into_string()
}

/// The `<head>` of every page: its title, the feeds readers can discover
/// from it, the style sheet.
pub(super) fn page_head(title: &str, feeds: &[FeedLink]) -> Markup {
    page_head_with(title, feeds, "")
}

/// [`page_head`] with more style rules after the page's own (the admin's).
pub(super) fn page_head_with(title: &str, feeds: &[FeedLink], more_css: &'static str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="color-scheme" content="light dark";
            title { (title) }
            @for f in feeds {
                @if let (Some(mime), Some(url)) = (feed_mime(&f.format), http_url(&f.url)) {
                    link rel="alternate" type=(mime) title=(f.label) href=(url);
                }
            }
            style { (PreEscaped(CSS)) (PreEscaped(more_css)) }
        }
    }
}

/// What a browser gets for a feed URL (`/feed.xml`, `/topics/…`): the feed
/// as a page, with its items and how to subscribe. Feed readers get the feed
/// itself (see `publish::http`, content negotiation on `Accept`).
pub struct FeedPageView {
    pub site_title: String,
    pub title: String,
    pub description: String,
    /// The feed in each format (RSS, Atom, JSON Feed).
    pub formats: Vec<FeedLink>,
    pub items: Vec<ItemRow>,
    pub version: &'static str,
}

/// Render a feed as a complete `<!DOCTYPE html>` document.
pub fn render_feed_page(v: &FeedPageView) -> String {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (page_head(&v.title, &v.formats))
            body {
                header {
                    h1 { (v.title) }
                    p.sub { (v.description) }
                    nav aria-label="Mục lục" {
                        a href="#tin-moi" { "Tin mới" }
                        a href="#theo-doi" { "Cách theo dõi" }
                        a href="/" { "Trạng thái" }
                    }
                }
                main {
                    p {
                        "Đây là một nguồn tin (feed): sao chép địa chỉ của trang này vào ứng "
                        "dụng đọc tin để nhận tin mới tự động."
                    }
                    (latest_section(&v.items, None))
                    (feeds_section(&v.formats, None))
                }
                footer {
                    p.sub { (v.site_title) " · tinkhac " (v.version) }
                }
            }
        }
    }
    .into_string()
}

/// The one-line summary: an overall verdict, the sources per health, the
/// channel's state.
fn summary(v: &StatusView) -> Markup {
    let count = |h: Health| v.sources.iter().filter(|s| s.health == h).count();
    let (broken, failing) = (count(Health::Broken), count(Health::Failing));
    let paused = v
        .channel
        .as_ref()
        .is_some_and(|c| c.mode == ChannelMode::Paused);
    let (class, verdict) = if v.config_error.is_some()
        || v.sources.is_empty()
        || v.store_fault.is_some()
        || v.clock_warning.is_some()
        || broken > 0
        || paused
    {
        ("s-bad", "Cần xử lý")
    } else if failing > 0 {
        ("s-warn", "Có lỗi tạm thời")
    } else {
        ("s-ok", "Hoạt động bình thường")
    };
    html! {
        section.summary.(class) aria-label="Tóm tắt" {
            strong.verdict { (verdict) }
            @if v.config_error.is_some() {
                span.group {
                    a.badge.h-broken href="#cau-hinh" { "Cấu hình mới bị lỗi" }
                }
            }
            @if v.store_fault.is_some() {
                span.group {
                    a.badge.h-broken href="#kho-du-lieu" { "Không ghi được dữ liệu" }
                }
            }
            span.group {
                @if v.sources.is_empty() {
                    "Chưa có nguồn nào"
                } @else {
                    (v.sources.len()) " nguồn:"
                    @for h in [Health::Ok, Health::New, Health::Failing, Health::Broken] {
                        @let n = count(h);
                        @if n > 0 {
                            " " span.badge.(h.class()) { (n) " " (h.label()) }
                        }
                    }
                }
            }
            span.group {
                "Telegram: "
                @match v.channel.as_ref() {
                    None => "không dùng",
                    Some(c) => {
                        (mode_badge(c.mode))
                        " " (count_vi(c.queue as u64)) " tin chờ gửi"
                    }
                }
            }
        }
    }
}

fn sources_section(sources: &[&SourceRow], follow: &crate::store::FollowCounts) -> Markup {
    html! {
        section #nguon {
            h2 { "Nguồn tin" }
            @if follow.done + follow.given_up > 0 || follow.waiting > 0 {
                p.sub #doc-toan-van {
                    "Đọc toàn văn bài viết: "
                    (count_vi(follow.done)) " bài đã đọc, "
                    (count_vi(follow.waiting as u64)) " bài đang chờ đọc, "
                    (count_vi(follow.given_up)) " bài không đọc được (giữ đoạn tóm tắt)."
                }
            }
            @if sources.is_empty() {
                p.empty { "Chưa có nguồn nào trong feeds.toml." }
            } @else {
                table.sources {
                    thead {
                        tr {
                            th scope="col" { "Nguồn" }
                            (health_headers())
                            th scope="col" { "Lần lấy tới" }
                        }
                    }
                    tbody {
                        @for s in sources { (source_row(s)) }
                    }
                }
            }
        }
    }
}

fn source_row(s: &SourceRow) -> Markup {
    let linked = http_url(&s.url);
    html! {
        tr class={ "src r" (s.health.class()) } {
            td.name {
                div {
                    strong { (link_or_text(linked, &s.name)) }
                    div.sub { code { (s.id) } " · " (s.kind) }
                    @if linked.is_none() {
                        div.sub.url { (s.url) }
                    }
                }
            }
            (health_cells(&HealthCells {
                health: s.health,
                note: s.health_note.as_deref(),
                failures: s.consecutive_failures,
                last_error: s.last_error.as_deref(),
                last_success: s.last_success.as_ref(),
                items: s.items_last_poll,
            }, html! {}))
            td data-label="Lần lấy tới" {
                div {
                    @match &s.next_poll {
                        Some(t) => (time(t)),
                        None => span.sub { "chưa lên lịch" },
                    }
                    div.sub { "chu kỳ " (s.interval) }
                }
            }
        }
    }
}

/// What the status page and the admin's sources page both show of a source.
pub struct HealthCells<'a> {
    pub health: Health,
    pub note: Option<&'a str>,
    pub failures: u32,
    pub last_error: Option<&'a str>,
    pub last_success: Option<&'a DateTime<FixedOffset>>,
    pub items: usize,
}

/// The headers of [`health_cells`]' columns.
pub fn health_headers() -> Markup {
    html! {
        th scope="col" { "Tình trạng" }
        th scope="col" { "Thành công gần nhất" }
        th scope="col" { "Số tin lần cuối" }
    }
}

/// A source's health cell (`badges` first: the admin's "Tạm dừng"), when a
/// poll last succeeded and how many items it found.
pub fn health_cells(h: &HealthCells, badges: Markup) -> Markup {
    html! {
        td.status data-label="Tình trạng" {
            div {
                (badges)
                span.badge.(h.health.class()) { (h.health.label()) }
                @if let Some(note) = h.note {
                    div.note { (note) }
                }
                @if h.failures > 0 {
                    div.sub { (h.failures) " lần lỗi liên tiếp" }
                }
                @if let Some(err) = h.last_error {
                    @if h.health == Health::Ok {
                        div.err.old { "Lỗi trước đó: " (err) }
                    } @else {
                        div.err { "Lỗi: " (err) }
                    }
                }
            }
        }
        td data-label="Thành công gần nhất" {
            div {
                @match h.last_success {
                    Some(t) => (time(t)),
                    None => span.sub { "chưa lần nào" },
                }
            }
        }
        td data-label="Số tin lần cuối" {
            div {
                @if h.health == Health::New {
                    span.sub { "—" }
                } @else {
                    (count_vi(h.items as u64)) " tin"
                }
            }
        }
    }
}

fn channel_section(channel: Option<&ChannelRow>) -> Markup {
    html! {
        section #kenh {
            h2 { "Kênh Telegram" }
            @match channel {
                None => p.empty { "Chưa cấu hình kênh Telegram (feeds.toml không có mục [telegram])." },
                Some(c) => (channel_box(c)),
            }
        }
    }
}

pub(super) fn channel_box(c: &ChannelRow) -> Markup {
    html! {
        div.box {
            p.chan {
                "Kênh "
                @match telegram_username(&c.chat_id) {
                    Some(name) => a href={ "https://t.me/" (name) } { (c.chat_id) },
                    None => code { (c.chat_id) },
                }
                " " (mode_badge(c.mode))
            }
            @if c.mode == ChannelMode::Paused {
                div.alert role="alert" {
                    p { strong { "Kênh đang tạm dừng gửi tin." } }
                    p {
                        "Lý do: "
                        @match &c.paused_reason {
                            Some(reason) => strong { (crate::notify::telegram::reason_vi(reason)) },
                            None => "không rõ (xem nhật ký của tinkhac)",
                        }
                    }
                    p {
                        "Cần làm: kiểm tra bot vẫn là quản trị viên của kênh và có quyền "
                        "đăng bài, mã bot (token) còn hiệu lực, chat_id đúng. Tin mới vẫn "
                        "được giữ trong hàng đợi; tinkhac tự thử lại (cách nhau không quá "
                        "10 phút) và gửi tiếp ngay khi lỗi được khắc phục."
                    }
                }
            }
            @if c.mode == ChannelMode::DryRun {
                p.note {
                    "Chạy thử: chưa có mã bot (token), tin chỉ được ghi vào nhật ký, "
                    "không gửi lên kênh."
                }
            }
            dl.facts {
                div { dt { "Chờ gửi" } dd { (count_vi(c.queue as u64)) " tin" } }
                div {
                    dt { "Để riêng" }
                    dd {
                        (count_vi(c.set_aside as u64)) " tin"
                        @if c.set_aside > 0 {
                            span.sub { " (Telegram từ chối, đã giữ lại)" }
                        }
                    }
                }
                div { dt { "Đã gửi" } dd { (count_vi(c.sent)) " tin" } }
                @if c.mode == ChannelMode::DryRun || c.would_send > 0 {
                    div {
                        dt { "Chạy thử, lẽ ra gửi" }
                        dd { (count_vi(c.would_send)) " tin" span.sub { " (chưa gửi)" } }
                    }
                }
                div.wide {
                    dt { "Gửi gần nhất" }
                    dd {
                        @match (&c.last_sent_at, &c.last_sent_title) {
                            (None, None) => span.sub { "chưa gửi tin nào" },
                            (at, title) => {
                                @if let Some(at) = at { (time(at)) }
                                @if at.is_some() && title.is_some() { " – " }
                                @if let Some(title) = title { (title) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The latest items; with `paging` (this page, whether older ones follow)
/// links to the newer and older pages, `?page=N`.
fn latest_section(items: &[ItemRow], paging: Option<(usize, bool)>) -> Markup {
    let (page, more) = paging.unwrap_or((1, false));
    html! {
        section #tin-moi {
            h2 {
                "Tin mới nhất"
                @if page > 1 { " – trang " (page) }
            }
            @if items.is_empty() {
                p.empty {
                    @if page > 1 { "Không còn tin cũ hơn." } @else { "Chưa có tin nào." }
                }
            } @else {
                ol.items {
                    @for it in items {
                        li {
                            (link_or_text(it.link.as_deref().and_then(http_url), &it.title))
                            div.meta {
                                span { (time(&it.published)) " · " (it.source_name) }
                                @if !it.topics.is_empty() {
                                    ul.tags aria-label="Chủ đề" {
                                        @for t in &it.topics { li { (t) } }
                                    }
                                }
                            }
                            @if !it.attachments.is_empty() || !it.documents.is_empty() {
                                div.meta.doc {
                                    @for a in &it.attachments {
                                        span.att {
                                            span aria-hidden="true" { "📎 " }
                                            (link_or_text(http_url(&a.url), &a.name))
                                        }
                                    }
                                    @if !it.documents.is_empty() {
                                        ul.tags.docs aria-label="Văn bản" {
                                            @for d in &it.documents { li { (d) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if page > 1 || more {
                nav.pages aria-label="Trang tin" {
                    @if page > 1 {
                        a rel="prev" href={ "?page=" (page - 1) "#tin-moi" } { "← Tin mới hơn" }
                    }
                    @if more {
                        a rel="next" href={ "?page=" (page + 1) "#tin-moi" } { "Tin cũ hơn →" }
                    }
                }
            }
        }
    }
}

fn feeds_section(feeds: &[FeedLink], channel: Option<&ChannelRow>) -> Markup {
    let telegram = channel
        .filter(|c| c.mode != ChannelMode::DryRun)
        .and_then(|c| telegram_username(&c.chat_id));
    let (folded, open): (Vec<&FeedLink>, Vec<&FeedLink>) = feeds.iter().partition(|f| f.folded);
    html! {
        section #theo-doi {
            h2 { "Cách theo dõi" }
            p {
                "Sao chép một địa chỉ dưới đây vào ứng dụng đọc tin (Feedly, Inoreader, "
                "NetNewsWire, Thunderbird…) để nhận tin mới tự động."
            }
            @if !open.is_empty() {
                (feed_list(&open))
            }
            @if !folded.is_empty() {
                details.more {
                    summary { "Theo chủ đề, theo nguồn (" (folded.len()) " địa chỉ)" }
                    (feed_list(&folded))
                }
            }
            @if let Some(name) = telegram {
                p {
                    "Hoặc theo dõi kênh Telegram "
                    a href={ "https://t.me/" (name) } { "@" (name) }
                    "."
                }
            }
        }
    }
}

fn feed_list(feeds: &[&FeedLink]) -> Markup {
    html! {
        ul.feeds {
            @for f in feeds {
                li {
                    span.fmt { (f.format) }
                    " "
                    (link_or_text(http_url(&f.url), &f.label))
                    code.url { (f.url) }
                }
            }
        }
    }
}

/// `text`, linked to `url` when there is one (already checked by
/// [`http_url`]).
pub(super) fn link_or_text(url: Option<&str>, text: &str) -> Markup {
    html! {
        @match url {
            Some(url) => a href=(url) { (text) },
            None => span { (text) },
        }
    }
}

/// The URL, trimmed, if it may become a link: http or https only.
pub(super) fn http_url(raw: &str) -> Option<&str> {
    let url = raw.trim();
    let scheme = ["http://", "https://"].into_iter().find(|p| {
        url.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    })?;
    (url.len() > scheme.len() && !url.chars().any(char::is_control)).then_some(url)
}

/// The username of a public channel (`@name`), for a t.me link.
fn telegram_username(chat_id: &str) -> Option<&str> {
    let name = chat_id.strip_prefix('@')?;
    ((5..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// The MIME type announced in `<link rel="alternate">` for feed discovery.
fn feed_mime(format: &str) -> Option<&'static str> {
    match format {
        "RSS" => Some("application/rss+xml"),
        "Atom" => Some("application/atom+xml"),
        "JSON Feed" => Some("application/feed+json"),
        _ => None,
    }
}

fn mode_badge(mode: ChannelMode) -> Markup {
    let (class, label) = match mode {
        ChannelMode::Active => ("h-ok", "Đang gửi"),
        ChannelMode::Paused => ("h-broken", "Tạm dừng"),
        ChannelMode::DryRun => ("h-new", "Chạy thử"),
        ChannelMode::Stopped => ("h-new", "Đã dừng"),
    };
    html! { span.badge.(class) { (label) } }
}

/// A date as dd/mm/yyyy HH:MM (dd/mm/yyyy when it has no time of day), in
/// a `<time>` element.
pub(super) fn time(t: &DateTime<FixedOffset>) -> Markup {
    html! {
        time datetime=(crate::publish::whole_seconds(*t).to_rfc3339()) { (crate::item::shown_date(t)) }
    }
}

/// A duration in Vietnamese words: "15 phút", "1 giờ 30 phút", "45 giây".
pub fn duration_vi(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} giờ"));
    }
    if m > 0 {
        parts.push(format!("{m} phút"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} giây"));
    }
    parts.join(" ")
}

/// The zone of the page's times, e.g. "giờ UTC+7".
fn zone(t: &DateTime<FixedOffset>) -> String {
    let secs = t.offset().local_minus_utc();
    if secs == 0 {
        return "giờ UTC".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if m == 0 {
        format!("giờ UTC{sign}{h}")
    } else {
        format!("giờ UTC{sign}{h}:{m:02}")
    }
}

/// A count with Vietnamese thousands separators: 12.345.
pub(super) fn count_vi(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The whole stylesheet: system fonts, light and dark, cards below 50rem.
pub(super) const CSS: &str = r#"
:root{--bg:#f5f6f8;--fg:#1c2024;--sub:#58616b;--card:#fff;--line:#dde1e6;--link:#0b57d0;
--ok:#1b6a32;--ok-bg:#e2f3e6;--new:#1d4f91;--new-bg:#e3ecfa;--warn:#864700;--warn-bg:#fcefd6;
--bad:#a3131a;--bad-bg:#fde4e3}
@media (prefers-color-scheme:dark){:root{--bg:#14171a;--fg:#e7e9ec;--sub:#9da6b0;--card:#1d2126;
--line:#343b43;--link:#8ab4f8;--ok:#8fd6a0;--ok-bg:#17331f;--new:#a3c4f8;--new-bg:#1a2b46;
--warn:#f2c46e;--warn-bg:#3b2b0f;--bad:#ff9d96;--bad-bg:#451b1b}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .75rem}
a{color:var(--link);text-underline-offset:.15em}
code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.875em}
time{white-space:nowrap}
.sub{color:var(--sub);font-size:.875rem}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem 0 0;font-size:.9375rem}
.box,.summary,.items,.feeds{background:var(--card);border:1px solid var(--line);border-radius:.5rem}
.alert{background:var(--bad-bg);border:1px solid var(--bad);border-left-width:.375rem;border-radius:.5rem;
padding:.75rem 1rem;margin:1rem 0}
.alert h2{margin:0 0 .5rem;color:var(--bad);font-size:1.1rem}
.alert p{margin:.25rem 0}
.alert pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--card);border:1px solid var(--line);
border-radius:.25rem;padding:.5rem .75rem;margin:.5rem 0}
.summary{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.75rem 1rem;margin:1rem 0 0;
border-left-width:.375rem}
.summary .group{display:flex;flex-wrap:wrap;align-items:center;gap:.375rem}
.verdict{font-size:1.0625rem}
.s-ok{border-left-color:var(--ok)}.s-ok .verdict{color:var(--ok)}
.s-warn{border-left-color:var(--warn)}.s-warn .verdict{color:var(--warn)}
.s-bad{border-left-color:var(--bad)}.s-bad .verdict{color:var(--bad)}
.badge{display:inline-block;text-decoration:none;padding:0 .625rem;border-radius:1rem;font-size:.8125rem;font-weight:600;
line-height:1.5rem;white-space:nowrap;border:1px solid currentColor}
.h-ok{background:var(--ok-bg);color:var(--ok)}
.h-new{background:var(--new-bg);color:var(--new)}
.h-failing{background:var(--warn-bg);color:var(--warn)}
.h-broken{background:var(--bad-bg);color:var(--bad)}
.note{margin:.25rem 0 0;font-size:.875rem}
.err{margin:.25rem 0 0;font-size:.8125rem;color:var(--bad);overflow-wrap:anywhere}
.err.old{color:var(--sub)}
.url{overflow-wrap:anywhere}
.empty{color:var(--sub)}
table{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);
border-radius:.5rem;overflow:hidden}
th,td{text-align:left;vertical-align:top;padding:.625rem .75rem;border-bottom:1px solid var(--line)}
th{font-size:.8125rem;color:var(--sub);font-weight:600;background:var(--bg)}
tbody tr:last-child td{border-bottom:0}
td.name{width:30%}
td.name strong{overflow-wrap:anywhere}
tr.src td:first-child{border-left:.25rem solid transparent}
tr.rh-failing td:first-child{border-left-color:var(--warn)}
tr.rh-broken td:first-child{border-left-color:var(--bad)}
.box{padding:.75rem 1rem}
.chan{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;margin:0 0 .75rem;font-weight:600}
.box .alert{margin:0 0 .75rem}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.75rem 1.5rem;margin:0}
.facts dt{color:var(--sub);font-size:.8125rem}
.facts dd{margin:0;overflow-wrap:break-word}
.facts .wide{grid-column:1/-1}
.items,.feeds{list-style:none;margin:0;padding:0}
.items>li,.feeds>li{padding:.625rem .875rem;border-top:1px solid var(--line)}
.items>li:first-child,.feeds>li:first-child{border-top:0}
.items>li>a,.items>li>span{font-weight:600}
.items>li>a,td.name a{text-decoration:none}
.items>li>a:hover,td.name a:hover{text-decoration:underline}
.meta{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .75rem;margin-top:.125rem;color:var(--sub);
font-size:.875rem}
.tags{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.375rem}
.tags li{font-size:.75rem;padding:0 .5rem;border-radius:1rem;background:var(--new-bg);color:var(--new)}
.att{overflow-wrap:anywhere}
.docs li{background:var(--warn-bg);color:var(--warn)}
.fmt{display:inline-block;min-width:3.25rem;text-align:center;font-size:.75rem;font-weight:700;padding:0 .375rem;
border-radius:.25rem;background:var(--warn-bg);color:var(--warn)}
.feeds code{display:block;margin-top:.25rem;color:var(--sub);overflow-wrap:anywhere;user-select:all;
-webkit-user-select:all}
.pages{justify-content:space-between;margin:.75rem 0 0}
.more{margin:.75rem 0 0}
.more>summary{cursor:pointer;padding:.25rem 0}
footer{padding-top:1.5rem;padding-bottom:2rem}
@media (max-width:50rem){
table,thead,tbody{display:block}
thead{display:none}
table{background:none;border:0;border-radius:0;overflow:visible}
tr.src{display:grid;grid-template-columns:1fr 1fr;gap:.625rem 1rem;background:var(--card);border:1px solid var(--line);
border-left:.375rem solid var(--ok);border-radius:.5rem;margin:0 0 .75rem;padding:.625rem .875rem}
tr.rh-new{border-left-color:var(--new)}
tr.rh-failing{border-left-color:var(--warn)}
tr.rh-broken{border-left-color:var(--bad)}
tr.src td,tr.src td:first-child{display:block;width:auto;border:0;padding:0}
tr.src td.name{grid-column:1/-1;border-bottom:1px solid var(--line);padding-bottom:.5rem}
tr.src td.status{grid-column:1/-1}
td[data-label]::before{content:attr(data-label);display:block;color:var(--sub);font-size:.75rem}
td.status::before{display:none!important}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn source(id: &str, health: Health) -> SourceRow {
        SourceRow {
            id: id.into(),
            name: format!("Nguồn {id}"),
            url: format!("https://{id}.haiphong.gov.vn/tin-tuc"),
            kind: "feed".into(),
            health,
            health_note: None,
            last_success: Some(at("2025-06-03T08:00:00+07:00")),
            last_error: None,
            consecutive_failures: 0,
            items_last_poll: 12,
            next_poll: Some(at("2025-06-03T08:15:00+07:00")),
            interval: "15 phút".into(),
        }
    }

    fn view() -> StatusView {
        StatusView {
            title: "Tin tổng hợp Hải Phòng".into(),
            generated_at: at("2025-06-03T08:05:00+07:00"),
            version: "0.1.0".into(),
            config_error: None,
            store_fault: None,
            clock_warning: None,
            sources: vec![
                source("a", Health::Ok),
                source("b", Health::New),
                source("c", Health::Failing),
                source("d", Health::Broken),
            ],
            channel: Some(ChannelRow {
                chat_id: "@tin_giao_duc_hp".into(),
                mode: ChannelMode::Active,
                paused_reason: None,
                queue: 3,
                set_aside: 0,
                sent: 1234,
                would_send: 0,
                last_sent_at: Some(at("2025-06-03T07:59:00+07:00")),
                last_sent_title: Some("Lịch thi vào lớp 10".into()),
            }),
            follow_ups: crate::store::FollowCounts {
                waiting: 2,
                done: 1405,
                given_up: 3,
            },
            latest: vec![ItemRow {
                title: "Tuyển sinh lớp 10 năm học 2025–2026".into(),
                link: Some("https://haiphong.gov.vn/tin/1".into()),
                published: at("2025-06-03T07:30:00+07:00"),
                source_name: "Cổng thông tin Hải Phòng".into(),
                topics: vec!["Giáo dục".into()],
                attachments: vec![],
                documents: vec![],
            }],
            page: 1,
            more: false,
            feeds: vec![FeedLink {
                label: "Tất cả tin".into(),
                url: "https://tin.example.vn/feed.xml".into(),
                format: "RSS".into(),
                folded: false,
            }],
        }
    }

    #[test]
    fn is_a_complete_vietnamese_document() {
        let html = render(&view());
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"vi\">"));
        assert!(html
            .contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        assert!(html.contains("Cách theo dõi"));
        assert!(html.contains("03/06/2025 08:05"));
        assert!(html.contains("giờ UTC+7"));
        assert!(html.contains(r#"<link rel="alternate" type="application/rss+xml" title="Tất cả tin" href="https://tin.example.vn/feed.xml">"#));
        assert!(!html.contains("<script"));
        assert!(!html.contains(" src="), "no external resources");
    }

    #[test]
    fn escapes_hostile_strings() {
        let mut v = view();
        v.title = "<script>alert(1)</script>".into();
        v.config_error = Some("</pre><script>alert(2)</script>".into());
        v.sources[2].name = "\"onmouseover=alert(3) x=\"".into();
        v.sources[2].last_error = Some("<img src=x onerror=alert(4)>".into());
        v.sources[2].url = "https://x.vn/\"><script>alert(5)</script>".into();
        v.latest[0].title = "<b>đậm</b> & \"onmouseover=alert(6)".into();
        v.latest[0].topics = vec!["<i>chủ đề</i>".into()];
        v.feeds[0].label = "\"><script>alert(7)</script>".into();
        let html = render(&v);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("<i>"));
        assert!(!html.contains("\"onmouseover"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;onmouseover=alert(3) x=&quot;"));
        assert!(html.contains("&lt;img src=x onerror=alert(4)&gt;"));
        assert!(
            html.contains(r#"href="https://x.vn/&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;""#)
        );
        assert!(html.contains("&lt;b&gt;đậm&lt;/b&gt; &amp; &quot;onmouseover=alert(6)"));
    }

    #[test]
    fn paused_channel_shows_its_reason_and_what_to_do() {
        let mut v = view();
        let c = v.channel.as_mut().unwrap();
        c.mode = ChannelMode::Paused;
        c.paused_reason = Some("bot không còn là quản trị viên của kênh".into());
        let html = render(&v);
        assert!(html.contains(r#"<div class="alert" role="alert">"#));
        assert!(html.contains("Kênh đang tạm dừng gửi tin."));
        assert!(html.contains("bot không còn là quản trị viên của kênh"));
        assert!(html.contains("Cần làm:"));
        assert!(html.contains("Cần xử lý"), "the summary says so too");
    }

    #[test]
    fn active_channel_has_no_alert() {
        let html = render(&view());
        assert!(!html.contains("role=\"alert\""));
        assert!(html.contains("Đang gửi"));
        assert!(html.contains("1.234 tin"));
        assert!(html.contains(r#"<a href="https://t.me/tin_giao_duc_hp">@tin_giao_duc_hp</a>"#));
    }

    #[test]
    fn config_error_is_shown_prominently() {
        let mut v = view();
        v.config_error = Some("TOML parse error at line 12, column 3: expected `=`".into());
        let html = render(&v);
        let alert = html
            .find("Cấu hình mới bị lỗi, đang dùng cấu hình cũ:")
            .unwrap();
        assert!(html.contains("TOML parse error at line 12, column 3: expected `=`"));
        assert!(
            alert < html.find("id=\"nguon\"").unwrap(),
            "above the sources"
        );
        assert!(html.contains(r##"<a class="badge h-broken" href="#cau-hinh">"##));
        assert!(html.contains("Cần xử lý"));
        assert!(!render(&view()).contains("cau-hinh"));
    }

    #[test]
    fn a_wrong_clock_is_shown_prominently() {
        let mut v = view();
        v.clock_warning = Some("the local clock is 2 years 0 days <ahead> of the portals'".into());
        let html = render(&v);
        let alert = html.find("id=\"dong-ho\"").unwrap();
        assert!(html.contains("2 years 0 days &lt;ahead&gt; of"));
        assert!(
            alert < html.find("id=\"nguon\"").unwrap(),
            "above the sources"
        );
        assert!(html.contains("Cần xử lý"));
        assert!(!render(&view()).contains("dong-ho"));
    }

    #[test]
    fn every_health_label_appears_with_its_colour() {
        let html = render(&view());
        for h in [Health::Ok, Health::New, Health::Failing, Health::Broken] {
            let badge = format!(r#"<span class="badge {}">{}</span>"#, h.class(), h.label());
            assert!(html.contains(&badge), "{badge}");
        }
        assert!(html.contains("4 nguồn:"));
    }

    #[test]
    fn problem_sources_come_first() {
        let html = render(&view());
        let pos = |id: &str| html.find(&format!("<code>{id}</code>")).unwrap();
        assert!(pos("d") < pos("c") && pos("c") < pos("b") && pos("b") < pos("a"));
    }

    #[test]
    fn only_http_links_become_anchors() {
        let mut v = view();
        v.sources[0].url = "javascript:alert(1)".into();
        v.sources[1].url = " JavaScript:alert(2)".into();
        v.latest[0].link = Some("data:text/html,<script>alert(3)</script>".into());
        v.feeds[0].url = "file:///etc/passwd".into();
        v.sources[2].url = "HTTPS://Example.VN/Tin".into();
        let html = render(&v);
        let lower = html.to_lowercase();
        for bad in [
            "href=\"javascript",
            "href=\" javascript",
            "href=\"data:",
            "href=\"file:",
        ] {
            assert!(!lower.contains(bad), "{bad}");
        }
        assert!(html.contains("<span>Nguồn a</span>"));
        assert!(html.contains(r#"<div class="sub url">javascript:alert(1)</div>"#));
        assert!(html.contains("<span>Tất cả tin</span>"));
        assert!(html.contains(r#"<a href="HTTPS://Example.VN/Tin">Nguồn c</a>"#));
    }

    #[test]
    fn dry_run_no_channel_and_empty_lists() {
        let mut v = view();
        v.channel.as_mut().unwrap().mode = ChannelMode::DryRun;
        let html = render(&v);
        assert!(html.contains("Chạy thử: chưa có mã bot (token)"));
        assert!(!html.contains("Hoặc theo dõi kênh Telegram"));

        v.channel = None;
        v.sources.clear();
        v.latest.clear();
        let html = render(&v);
        assert!(html.contains("Telegram: không dùng"));
        assert!(html.contains("Chưa cấu hình kênh Telegram"));
        assert!(html.contains("Chưa có nguồn nào trong feeds.toml."));
        assert!(html.contains("Chưa có tin nào."));
        // No source at all needs the admin, even though nothing failed.
        assert!(html.contains("Cần xử lý"));
        assert!(html.contains("Chưa có nguồn tin nào"));
        assert!(!html.contains("<table"));
    }

    #[test]
    fn follow_up_counts_show_once_there_are_any() {
        let mut v = view();
        let html = render(&v);
        assert!(
            html.contains(
                "Đọc toàn văn bài viết: 1.405 bài đã đọc, 2 bài đang chờ đọc, \
                 3 bài không đọc được"
            ),
            "{html}"
        );
        v.follow_ups = crate::store::FollowCounts::default();
        assert!(!render(&v).contains("Đọc toàn văn"));
    }

    #[test]
    fn url_and_number_helpers() {
        assert_eq!(http_url(" https://a.vn/x "), Some("https://a.vn/x"));
        assert_eq!(http_url("http://"), None);
        assert_eq!(http_url("https://a.vn/\nx"), None);
        assert_eq!(http_url("//a.vn"), None);
        assert_eq!(telegram_username("@abc"), None);
        assert_eq!(telegram_username("-1001234567890"), None);
        assert_eq!(count_vi(0), "0");
        assert_eq!(count_vi(999), "999");
        assert_eq!(count_vi(1000), "1.000");
        assert_eq!(count_vi(1234567), "1.234.567");
        let d = std::time::Duration::from_secs;
        assert_eq!(duration_vi(d(900)), "15 phút");
        assert_eq!(duration_vi(d(5400)), "1 giờ 30 phút");
        assert_eq!(duration_vi(d(45)), "45 giây");
        assert_eq!(duration_vi(d(0)), "0 giây");
        assert_eq!(zone(&at("2025-01-01T00:00:00Z")), "giờ UTC");
        assert_eq!(zone(&at("2025-01-01T00:00:00+05:30")), "giờ UTC+5:30");
    }
}

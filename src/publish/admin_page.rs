//! The web admin's pages: login, the sources, removal's confirmation, a notice
//! (the Telegram channel's pages are in [`channel`]).
//!
//! Pure, as the status page: the caller gathers a view, these functions turn
//! it into one self-contained HTML document in Vietnamese, in the status
//! page's style (its stylesheet and helpers), with plain forms and no
//! JavaScript. Everything from portals or the configuration is escaped by
//! maud; the only unescaped text is the stylesheets below. Every form that
//! changes something carries the session's CSRF token; every form that edits
//! `feeds.toml` carries the file's version as it was shown.

pub mod opml;
pub mod topics;

use chrono::{DateTime, FixedOffset};
use maud::{html, Markup, DOCTYPE};

pub mod source_edit;

use super::status_page::{
    count_vi, health_cells, health_headers, http_url, link_or_text, page_head_with, time, Health,
    HealthCells,
};

pub mod channel;

/// A message at the top of a page: something done, or why not.
pub struct Notice {
    pub title: String,
    pub text: String,
    pub error: bool,
}

impl Notice {
    pub fn error(title: &str, text: &str) -> Notice {
        Notice {
            title: title.into(),
            text: text.into(),
            error: true,
        }
    }

    pub fn done(title: &str, text: &str) -> Notice {
        Notice {
            title: title.into(),
            text: text.into(),
            error: false,
        }
    }
}

/// One source as the admin sees it.
pub struct SourceAdminRow {
    pub id: String,
    pub name: String,
    pub url: String,
    pub health: Health,
    pub health_note: Option<String>,
    pub last_success: Option<DateTime<FixedOffset>>,
    /// The last poll error, in Vietnamese.
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub items_last_poll: usize,
    pub next_poll: Option<DateTime<FixedOffset>>,
    /// In words, e.g. "15 phút".
    pub interval: String,
    /// The topics it is restricted to, by name (empty: every topic).
    pub topics: Vec<String>,
    /// `paused = true`: not polled until resumed.
    pub paused: bool,
}

pub struct SourcesView {
    pub title: String,
    /// Why the daemon refused the last edit of the file.
    pub config_error: Option<String>,
    pub sources: Vec<SourceAdminRow>,
    pub csrf: String,
    /// `feeds.toml`'s version as this page was rendered.
    pub version: String,
    pub notice: Option<Notice>,
}

/// What reading a URL gave, and the form that adds it.
pub struct PreviewView {
    pub title: String,
    pub url: String,
    /// Suggested: from the source's own title.
    pub id: String,
    pub name: String,
    /// "feed" or "html", once read.
    pub kind: Option<&'static str>,
    pub notes: Vec<String>,
    /// Why nothing was read, if so.
    pub error: Option<String>,
    /// The page holds no news list tinkhac finds.
    pub no_list: bool,
    pub items: Vec<PreviewRow>,
    /// Every configured topic: (id, name).
    pub topics: Vec<(String, String)>,
    /// `[fetch] interval`, e.g. "15m".
    pub default_interval: String,
    pub csrf: String,
    pub version: String,
    /// When nothing was found: selectors that read the page.
    pub suggested: Option<source_edit::SuggestedView>,
}

/// One item the source would give.
pub struct PreviewRow {
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub summary: Option<String>,
    /// By name.
    pub topics: Vec<String>,
}

/// Items a preview lists at most.
const PREVIEW_ITEMS: usize = 50;

pub struct RemoveView {
    pub title: String,
    pub id: String,
    pub name: String,
    pub url: String,
    pub csrf: String,
    pub version: String,
}

/// What the admin pages add to the status page's stylesheet: forms.
const ADMIN_CSS: &str = r#"
form.inline{display:inline}
main>.box{margin:1rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 0}
button,.button{font:inherit;font-size:.9375rem;padding:.375rem .875rem;border-radius:.375rem;cursor:pointer;
border:1px solid var(--line);background:var(--card);color:var(--fg);text-decoration:none;display:inline-block}
button.danger,.button.danger{border-color:var(--bad);color:var(--bad);background:var(--bad-bg)}
button.primary{border-color:var(--link);background:var(--link);color:var(--card)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=password],input[type=text]{font:inherit;width:100%;max-width:28rem;padding:.5rem .625rem;
border:1px solid var(--line);border-radius:.375rem;background:var(--card);color:var(--fg)}
.done{background:var(--ok-bg);border:1px solid var(--ok);border-left-width:.375rem;border-radius:.5rem;
padding:.75rem 1rem;margin:1rem 0}
.done h2{margin:0 0 .5rem;color:var(--ok);font-size:1.1rem}
.done p{margin:.25rem 0}
label.check{font-weight:400;margin:.25rem 0}
fieldset{border:1px solid var(--line);border-radius:.375rem;margin:.75rem 0;padding:.5rem .75rem}
textarea{font:inherit;width:100%;min-height:8rem;padding:.5rem .625rem;box-sizing:border-box;
border:1px solid var(--line);border-radius:.375rem;background:var(--card);color:var(--fg)}
"#;

fn document(site: &str, heading: &str, nav: bool, csrf: Option<&str>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (page_head_with(&format!("{heading} – {site}"), &[], ADMIN_CSS))
            body {
                header {
                    h1 { (heading) }
                    p.sub { (site) " · Quản trị" }
                    @if nav {
                        nav aria-label="Mục lục" {
                            a href="/admin/" { "Nguồn tin" }
                            a href="/admin/add" { "Thêm nguồn" }
                            a href="/admin/kenh" { "Kênh Telegram" }
                            a href="/admin/chu-de" { "Chủ đề" }
                            a href="/admin/opml" { "OPML" }
                            a href="/" { "Trang trạng thái" }
                            @if let Some(csrf) = csrf {
                                form.inline method="post" action="/admin/logout" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Đăng xuất" }
                                }
                            }
                        }
                    }
                }
                main { (body) }
                footer { p.sub { "tinkhac " (env!("CARGO_PKG_VERSION")) } }
            }
        }
    }
    .into_string()
}

fn notice(n: &Notice) -> Markup {
    html! {
        @if n.error {
            section.alert role="alert" {
                h2 { (n.title) }
                p { (n.text) }
            }
        } @else {
            section.done role="status" {
                h2 { (n.title) }
                p { (n.text) }
            }
        }
    }
}

/// The login form (with why the last try failed, if it did).
pub fn login(site: &str, why: Option<&Notice>) -> String {
    document(
        site,
        "Đăng nhập quản trị",
        false,
        None,
        html! {
            @if let Some(n) = why { (notice(n)) }
            form.box method="post" action="/admin/login" {
                label for="token" { "Mã quản trị" }
                input #token type="password" name="token" autocomplete="current-password" required;
                p.sub {
                    "Mã được đặt trên máy chủ bằng biến TINKHAC_ADMIN_TOKEN. Sau khi đăng "
                    "nhập, trình duyệt giữ một phiên trong 12 giờ."
                }
                div.actions { button.primary type="submit" { "Đăng nhập" } }
            }
        },
    )
}

/// A page that only says something (a refusal, an error).
pub fn message(site: &str, n: &Notice) -> String {
    document(
        site,
        &n.title,
        true,
        None,
        html! {
            (notice(n))
            p { a href="/admin/" { "Về danh sách nguồn tin" } }
        },
    )
}

/// The sources, each with its state and what can be done with it.
pub fn sources(v: &SourcesView) -> String {
    document(
        &v.title,
        "Quản lý nguồn tin",
        true,
        Some(&v.csrf),
        html! {
            @if let Some(n) = &v.notice { (notice(n)) }
            @if let Some(err) = &v.config_error {
                section.alert role="alert" {
                    h2 { "Lần sửa feeds.toml gần nhất bị từ chối, đang dùng cấu hình cũ:" }
                    pre { (err) }
                }
            }
            section #nguon {
                h2 { "Nguồn tin (" (v.sources.len()) ")" }
                @if v.sources.is_empty() {
                    p.empty { "Chưa có nguồn nào trong feeds.toml." }
                } @else {
                    table.sources {
                        thead {
                            tr {
                                th scope="col" { "Nguồn" }
                                (health_headers())
                                th scope="col" { "Chu kỳ" }
                                th scope="col" { "Thao tác" }
                            }
                        }
                        tbody {
                            @for s in &v.sources { (source_row(s, &v.csrf, &v.version)) }
                        }
                    }
                }
            }
        },
    )
}

/// A form that posts one source edit (with the CSRF token and the file's
/// version).
fn edit_button(
    id: &str,
    action: &str,
    label: &str,
    class: &str,
    csrf: &str,
    version: &str,
) -> Markup {
    html! {
        form.inline method="post" action={ "/admin/source/" (id) "/" (action) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="version" value=(version);
            button class=(class) type="submit" { (label) }
        }
    }
}

fn source_row(s: &SourceAdminRow, csrf: &str, version: &str) -> Markup {
    let linked = http_url(&s.url);
    html! {
        tr class={ "src r" (s.health.class()) } id={ "nguon-" (s.id) } {
            td.name {
                div {
                    strong { (link_or_text(linked, &s.name)) }
                    div.sub { code { (s.id) } }
                    @if linked.is_none() {
                        div.sub.url { (s.url) }
                    }
                    @if s.topics.is_empty() {
                        div.sub { "Mọi chủ đề" }
                    } @else {
                        ul.tags { @for t in &s.topics { li { (t) } } }
                    }
                }
            }
            (health_cells(
                &HealthCells {
                    health: s.health,
                    note: s.health_note.as_deref(),
                    failures: s.consecutive_failures,
                    last_error: s.last_error.as_deref(),
                    last_success: s.last_success.as_ref(),
                    items: s.items_last_poll,
                },
                html! {
                    @if s.paused {
                        span.badge.h-new { "Tạm dừng" } " "
                    }
                },
            ))
            td data-label="Chu kỳ" {
                div {
                    (s.interval)
                    @if let Some(t) = &s.next_poll {
                        div.sub { "lần tới " (time(t)) }
                    }
                }
            }
            td data-label="Thao tác" {
                div.actions {
                    @if !s.paused {
                        (edit_button(&s.id, "poll", "Lấy ngay", "", csrf, version))
                    }
                    @if s.paused {
                        (edit_button(&s.id, "resume", "Tiếp tục", "primary", csrf, version))
                    } @else {
                        (edit_button(&s.id, "pause", "Tạm dừng", "", csrf, version))
                    }
                    a.button href={ "/admin/source/" (s.id) "/edit" } { "Sửa" }
                    a.button href={ "/admin/source/" (s.id) "/why" } { "Vì sao" }
                    a.button.danger href={ "/admin/source/" (s.id) "/remove" } { "Xoá" }
                }
            }
        }
    }
}

/// What removing a source means, and the form that does it.
pub fn confirm_remove(v: &RemoveView) -> String {
    document(
        &v.title,
        "Xoá nguồn tin?",
        true,
        Some(&v.csrf),
        html! {
            section.box {
                p {
                    "Xoá nguồn " strong { (v.name) } " (" code { (v.id) } ") khỏi feeds.toml?"
                }
                p.sub.url { (v.url) }
                p {
                    "tinkhac sẽ thôi lấy tin từ nguồn này. Các tin đã lưu vẫn nằm trong kho "
                    "và các nguồn tin; các ghi chú khác trong feeds.toml được giữ nguyên."
                }
                form method="post" action={ "/admin/source/" (v.id) "/remove" } {
                    input type="hidden" name="csrf" value=(v.csrf);
                    input type="hidden" name="version" value=(v.version);
                    div.actions {
                        button.danger type="submit" { "Xoá nguồn này" }
                        a.button href="/admin/" { "Huỷ" }
                    }
                }
            }
        },
    )
}

/// The first step of adding a source: its URL.
pub fn add_form(site: &str, csrf: &str, url: &str, why: Option<&Notice>) -> String {
    document(
        site,
        "Thêm nguồn tin",
        true,
        Some(csrf),
        html! {
            @if let Some(n) = why { (notice(n)) }
            form.box method="post" action="/admin/add/preview" {
                input type="hidden" name="csrf" value=(csrf);
                label for="url" { "Địa chỉ trang tin hoặc RSS" }
                input #url type="text" inputmode="url" name="url" value=(url)
                    placeholder="https://…" required;
                p.sub {
                    "tinkhac đọc địa chỉ này một lần để bạn xem trước các tin sẽ lấy "
                    "được; chưa có gì được ghi vào feeds.toml."
                }
                div.actions { button.primary type="submit" { "Xem trước" } }
            }
        },
    )
}

/// What a URL would give, and (when it gave items) the form that adds it.
pub fn add_preview(v: &PreviewView) -> String {
    let heading = format!("Xem trước: {}", v.name);
    document(
        &v.title,
        &heading,
        true,
        Some(&v.csrf),
        html! {
            p.sub.url { (v.url) }
            @if let Some(err) = &v.error {
                section.alert role="alert" {
                    h2 { "Không đọc được tin nào từ địa chỉ này" }
                    pre { (err) }
                    @if v.no_list && v.suggested.is_none() {
                        p {
                            "Trang không có danh sách tin mà tinkhac tự nhận ra. Xem gợi ý "
                            "bộ chọn CSS bằng " code { "tinkhac preview --suggest URL" }
                            ", rồi thêm nguồn với khối " code { "[source.scrape]" }
                            " trong feeds.toml."
                        }
                    }
                }
                @if let Some(sug) = &v.suggested {
                    (source_edit::suggested_block(sug))
                    (add_source_form(v, &sug.rules))
                }
                p { a href="/admin/add" { "Thử địa chỉ khác" } }
            } @else if v.items.is_empty() {
                section.alert role="alert" {
                    h2 { "Địa chỉ này hiện không có tin nào" }
                    p { "Không có gì để thêm. Hãy thử lại sau hoặc dùng địa chỉ khác." }
                }
                p { a href="/admin/add" { "Thử địa chỉ khác" } }
            } @else {
                p {
                    "Đọc được " strong { (count_vi(v.items.len() as u64)) " tin" }
                    @if let Some(kind) = v.kind { " (" (kind) ")" }
                    ". Nếu đúng là các tin cần lấy, hãy đặt mã, tên và chu kỳ ở cuối trang rồi thêm."
                }
                @for n in &v.notes { p.sub { (n) } }
                (source_edit::item_list(&v.items))
                (add_source_form(v, &[]))
            }
        },
    )
}

/// The form that adds the previewed source (with `rules` as its
/// `[source.scrape]`, when there are any).
fn add_source_form(v: &PreviewView, rules: &[(String, String)]) -> Markup {
    html! {
        h2 { "Thêm nguồn này" }
        form.box method="post" action="/admin/add" {
            input type="hidden" name="csrf" value=(v.csrf);
            input type="hidden" name="version" value=(v.version);
            input type="hidden" name="url" value=(v.url);
            (source_edit::rule_fields(rules))
            label for="id" { "Mã nguồn (chữ thường, số, dấu -)" }
            input #id type="text" name="id" value=(v.id) required;
            label for="name" { "Tên" }
            input #name type="text" name="name" value=(v.name) required;
            label for="interval" { "Chu kỳ lấy tin (để trống: " (v.default_interval) ")" }
            input #interval type="text" name="interval" placeholder=(v.default_interval);
            @if !v.topics.is_empty() {
                fieldset {
                    legend { "Mọi tin của nguồn này thuộc chủ đề (không bắt buộc)" }
                    @for (id, name) in &v.topics {
                        label.check {
                            input type="checkbox" name="topic" value=(id);
                            " " (name)
                        }
                    }
                }
            }
            div.actions {
                button.primary type="submit" { "Thêm nguồn này" }
                a.button href="/admin/" { "Huỷ" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_text_is_escaped_on_the_sources_page() {
        let hostile = "<script>alert(1)</script>";
        let v = SourcesView {
            title: "T".into(),
            config_error: Some(hostile.into()),
            sources: vec![SourceAdminRow {
                id: "a".into(),
                name: hostile.into(),
                url: "javascript:alert(1)".into(),
                health: Health::Failing,
                health_note: Some(hostile.into()),
                last_success: None,
                last_error: Some(hostile.into()),
                consecutive_failures: 2,
                items_last_poll: 0,
                next_poll: None,
                interval: "15 phút".into(),
                topics: vec![hostile.into()],
                paused: false,
            }],
            csrf: "c".into(),
            version: "v".into(),
            notice: Some(Notice::done(hostile, hostile)),
        };
        let html = sources(&v);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(html.contains("name=\"csrf\" value=\"c\""));
    }

    #[test]
    fn the_removal_form_carries_the_csrf_token_and_the_version() {
        let html = confirm_remove(&RemoveView {
            title: "T".into(),
            id: "so-gddt".into(),
            name: "Sở \"GD\"".into(),
            url: "https://a.vn/x".into(),
            csrf: "tok".into(),
            version: "abc".into(),
        });
        assert!(html.contains("action=\"/admin/source/so-gddt/remove\""));
        assert!(html.contains("name=\"csrf\" value=\"tok\""));
        assert!(html.contains("name=\"version\" value=\"abc\""));
        assert!(html.contains("Sở &quot;GD&quot;"));
    }
}

//! The pages about one source: «Sửa» (its name, interval, topics, `follow`
//! and `[source.scrape]` rules) and «Vì sao» (what reading it once shows).

use maud::{html, Markup};

use super::{document, notice, Notice, PreviewRow, PREVIEW_ITEMS};
use crate::publish::status_page::{count_vi, http_url, link_or_text, time};

/// The «Sửa» form, filled with what `feeds.toml` writes (or what was just
/// posted, when it was refused).
pub struct EditView {
    pub title: String,
    pub id: String,
    pub url: String,
    pub name: String,
    /// As written, e.g. "30m"; empty: `[fetch] interval`.
    pub interval: String,
    /// `[fetch] interval`, e.g. "15m".
    pub default_interval: String,
    /// Every topic the form offers: (id, name, checked).
    pub topics: Vec<(String, String, bool)>,
    pub follow: Option<bool>,
    /// Read as an RSS, Atom or JSON feed: no `[source.scrape]` rules apply,
    /// and the form offers none.
    pub feed: bool,
    /// A value for each of `feeds_edit::SCRAPE_KEYS` (empty: not written).
    pub scrape: Vec<(&'static str, String)>,
    pub csrf: String,
    pub version: String,
    pub notice: Option<Notice>,
}

/// What each `[source.scrape]` rule is, in Vietnamese.
pub fn scrape_label(key: &str) -> &'static str {
    match key {
        "items" => "Mỗi tin (items, bắt buộc khi có quy tắc)",
        "title" => "Tiêu đề trong tin (title)",
        "link" => "Liên kết trong tin (link)",
        "date" => "Ngày trong tin (date)",
        "summary" => "Tóm tắt trong tin (summary)",
        "date_format" => "Định dạng ngày (date_format, ví dụ %d/%m/%Y)",
        _ => "",
    }
}

/// The «Sửa» page.
pub fn edit_form(v: &EditView) -> String {
    let heading = format!(
        "Sửa nguồn: {}",
        if v.name.is_empty() { &v.id } else { &v.name }
    );
    let follow = [
        (
            "",
            "Mặc định (trang tin: có; RSS: không)",
            v.follow.is_none(),
        ),
        ("true", "Có", v.follow == Some(true)),
        ("false", "Không", v.follow == Some(false)),
    ];
    document(
        &v.title,
        &heading,
        true,
        Some(&v.csrf),
        html! {
            @if let Some(n) = &v.notice { (notice(n)) }
            p.sub { code { (v.id) } " · " span.url { (v.url) } }
            form.box method="post" action={ "/admin/source/" (v.id) "/edit" } {
                input type="hidden" name="csrf" value=(v.csrf);
                input type="hidden" name="version" value=(v.version);
                label for="name" { "Tên (để trống: dùng mã nguồn)" }
                input #name type="text" name="name" value=(v.name);
                label for="interval" {
                    "Chu kỳ lấy tin, ví dụ 30m, 1h, 1h 30m (để trống: " (v.default_interval) ")"
                }
                input #interval type="text" name="interval" value=(v.interval)
                    placeholder=(v.default_interval);
                @if !v.topics.is_empty() {
                    fieldset {
                        legend { "Mọi tin của nguồn này thuộc chủ đề (không bắt buộc)" }
                        @for (id, name, checked) in &v.topics {
                            label.check {
                                input type="checkbox" name="topic" value=(id) checked[*checked];
                                " " (name)
                            }
                        }
                    }
                }
                fieldset {
                    legend { "Mở từng bài để lấy nội dung, tệp đính kèm (follow)" }
                    @for (value, label, checked) in follow {
                        label.check {
                            input type="radio" name="follow" value=(value) checked[checked];
                            " " (label)
                        }
                    }
                }
                fieldset {
                    legend { "Quy tắc lấy tin [source.scrape] (bộ chọn CSS)" }
                    @if v.feed {
                        p.sub {
                            "Nguồn này là nguồn tin RSS, Atom hoặc JSON: tinkhac đọc thẳng "
                            "các mục của nó, không dùng bộ chọn CSS."
                        }
                    } @else {
                        p.sub {
                            "Để trống tất cả: tinkhac tự nhận ra danh sách tin. Mở «Vì sao» để "
                            "xem tinkhac đọc trang này ra sao và bộ chọn gợi ý."
                        }
                        @for (key, value) in &v.scrape {
                            label for={ "scrape_" (key) } { (scrape_label(key)) }
                            input id={ "scrape_" (key) } type="text" name={ "scrape_" (key) }
                                value=(value);
                        }
                    }
                }
                div.actions {
                    button.primary type="submit" { "Lưu" }
                    a.button href={ "/admin/source/" (v.id) "/why" } { "Vì sao" }
                    a.button href="/admin/" { "Huỷ" }
                }
            }
        },
    )
}

/// Selectors offered for a page nothing was found on, and what they give.
pub struct SuggestedView {
    /// The `[source.scrape]` block as TOML text.
    pub toml: String,
    /// (key, value), carried by the form as `scrape_KEY` fields.
    pub rules: Vec<(String, String)>,
    pub items: Vec<PreviewRow>,
}

/// One block auto-detection looked at.
pub struct DecisionRow {
    pub block: String,
    pub items: usize,
    pub taken: bool,
    /// Why, in English as `preview --explain` prints it ([`reason_vi`] says
    /// it in Vietnamese).
    pub reason: String,
}

/// «Vì sao»: what reading the source once showed.
pub struct WhyView {
    pub title: String,
    pub id: String,
    pub name: String,
    pub url: String,
    /// The source's `[source.scrape]` rules in force (empty: auto-detection).
    pub rules: Vec<(String, String)>,
    /// "feed" or "html", once read.
    pub kind: Option<&'static str>,
    pub notes: Vec<String>,
    /// Why nothing was read, if so.
    pub error: Option<String>,
    /// The page was read but no news list was found on it.
    pub no_list: bool,
    pub items: Vec<PreviewRow>,
    pub decisions: Vec<DecisionRow>,
    /// For a page: how many items auto-detection alone finds.
    pub auto_items: Option<usize>,
    pub suggested: Option<SuggestedView>,
    pub csrf: String,
    pub version: String,
}

/// A reason of auto-detection (as `preview --explain` prints it) in
/// Vietnamese; one it does not know is shown as it is.
pub fn reason_vi(reason: &str) -> String {
    let fixed = [
        (
            "inside a menu's drop-down panel",
            "nằm trong ô thả xuống của trình đơn",
        ),
        (
            "headed as a news list; cut at each headline",
            "có tiêu đề của một danh sách tin (như «Tin khác»); mỗi tiêu đề bài là một tin",
        ),
        (
            "a recommendation widget: kept only if the page has no other list",
            "ô gợi ý bài viết: chỉ dùng khi trang không có danh sách nào khác",
        ),
        (
            "a popularity or other-section box: never the page's list",
            "ô tin đọc nhiều hoặc của chuyên mục khác: không phải danh sách của trang",
        ),
        (
            "headed as a news list, but empty",
            "có tiêu đề của một danh sách tin nhưng không có tin nào",
        ),
        (
            "a heading with no headline links after it",
            "một tiêu đề không có liên kết bài viết nào theo sau",
        ),
    ];
    if let Some((_, vi)) = fixed.iter().find(|(en, _)| *en == reason) {
        return vi.to_string();
    }
    let number = |s: &str| s.trim().parse::<usize>().ok();
    if let Some(rest) = reason.strip_prefix("a listing: ") {
        if let Some((n, dated)) = rest.split_once(" siblings with one headline link each, ") {
            if let (Some(n), Some(d)) = (number(n), dated.strip_suffix(" dated").and_then(number)) {
                return format!(
                    "một danh sách: {n} phần tử cùng loại, mỗi phần tử một liên kết bài viết, {d} có ngày"
                );
            }
        }
    }
    if let Some((n, rest)) = reason.split_once(" siblings with one headline link each, but only ") {
        if let (Some(n), Some(d)) = (
            number(n),
            rest.strip_suffix(" dated and no list heading")
                .and_then(number),
        ) {
            return format!(
                "{n} phần tử cùng loại, mỗi phần tử một liên kết bài viết, nhưng chỉ {d} có ngày \
                 và không có tiêu đề danh sách"
            );
        }
    }
    reason.to_string()
}

/// Items as a preview lists them.
pub fn item_list(items: &[PreviewRow]) -> Markup {
    html! {
        ul.items {
            @for i in items.iter().take(PREVIEW_ITEMS) {
                li {
                    (link_or_text(i.link.as_deref().and_then(http_url), &i.title))
                    div.meta {
                        @match &i.published {
                            Some(t) => (time(t)),
                            None => span { "không có ngày (dùng lúc lấy được)" },
                        }
                        @if !i.topics.is_empty() {
                            ul.tags { @for t in &i.topics { li { (t) } } }
                        }
                    }
                    @if let Some(sum) = &i.summary {
                        div.sub { (sum) }
                    }
                }
            }
        }
        @if items.len() > PREVIEW_ITEMS {
            p.sub { "… và " (items.len() - PREVIEW_ITEMS) " tin nữa." }
        }
    }
}

/// The suggested block, what it gives, and the hidden fields that carry
/// its rules in a form.
pub fn suggested_block(s: &SuggestedView) -> Markup {
    html! {
        h2 { "Bộ chọn gợi ý" }
        p {
            "Trang có một cấu trúc lặp lại mà các bộ chọn CSS sau đọc được "
            strong { (count_vi(s.items.len() as u64)) " tin" }
            ". Hãy xem các tin bên dưới: nếu đúng là tin cần lấy, dùng các bộ chọn này."
        }
        pre.box { (s.toml) }
        (item_list(&s.items))
    }
}

/// The hidden `scrape_KEY` fields of a form that writes these rules.
pub fn rule_fields(rules: &[(String, String)]) -> Markup {
    html! {
        @for (k, v) in rules {
            input type="hidden" name={ "scrape_" (k) } value=(v);
        }
    }
}

/// The «Vì sao» page.
pub fn why(v: &WhyView) -> String {
    let heading = format!("Vì sao: {}", v.name);
    let taken: Vec<&DecisionRow> = v.decisions.iter().filter(|d| d.taken).collect();
    let refused: Vec<&DecisionRow> = v.decisions.iter().filter(|d| !d.taken).collect();
    document(
        &v.title,
        &heading,
        true,
        Some(&v.csrf),
        html! {
            p.sub { code { (v.id) } " · " span.url { (v.url) } }
            p.sub {
                "tinkhac vừa đọc địa chỉ này một lần, như một lần lấy tin, và không lưu gì."
            }
            @if v.rules.is_empty() {
                p { "Nguồn này không có quy tắc " code { "[source.scrape]" }
                    ": tinkhac tự nhận ra danh sách tin." }
            } @else {
                p { "Nguồn này được đọc bằng các bộ chọn CSS trong " code { "[source.scrape]" } ":" }
                pre.box {
                    @for (k, val) in &v.rules { (k) " = \"" (val) "\"\n" }
                }
            }
            h2 { "Tin lấy được" }
            @if let Some(err) = &v.error {
                section.alert role="alert" {
                    h2 { "Không lấy được tin nào" }
                    @if v.no_list {
                        p {
                            "Trang đọc được, nhưng không có danh sách tin nào mà tinkhac nhận ra"
                            @if v.rules.is_empty() { "." } @else { " bằng các bộ chọn của nguồn." }
                        }
                    }
                    p.sub { "Chi tiết kỹ thuật:" }
                    pre { (err) }
                }
            } @else if v.items.is_empty() {
                p.empty { "Địa chỉ này hiện không có tin nào." }
            } @else {
                p {
                    "Lần lấy tin sẽ được " strong { (count_vi(v.items.len() as u64)) " tin" }
                    @if let Some(kind) = v.kind {
                        @if kind == "feed" { " (nguồn RSS/Atom)" } @else { " (trang web)" }
                    }
                    @if !v.rules.is_empty() { ", theo các bộ chọn ở trên" }
                    ":"
                }
                @for n in &v.notes { p.sub { (n) } }
                (item_list(&v.items))
            }
            @if let Some(n) = v.auto_items {
                h2 { "Tự nhận ra danh sách tin" }
                @if !v.rules.is_empty() {
                    p.sub {
                        "Nguồn này dùng bộ chọn nên không dùng phần tự nhận ra; phần này chỉ để so sánh."
                    }
                }
                p { "Tự nhận ra tìm được " strong { (count_vi(n as u64)) " tin" } " trên trang." }
                @if v.decisions.is_empty() {
                    p.empty {
                        "Trang không có khối nào mang tiêu đề danh sách tin (như «Tin khác») và "
                        "không có dãy tin có ngày đăng nào."
                    }
                } @else {
                    h3 { "Khối được dùng (" (taken.len()) ")" }
                    @if taken.is_empty() {
                        p.empty { "Không có khối nào." }
                    } @else {
                        ul { @for d in &taken {
                            li { strong { (d.block) } " — " (d.items) " tin: " (reason_vi(&d.reason)) }
                        } }
                    }
                    h3 { "Khối bị bỏ qua (" (refused.len()) ")" }
                    @if refused.is_empty() {
                        p.empty { "Không có khối nào." }
                    } @else {
                        ul { @for d in &refused {
                            li { strong { (d.block) } " — " (reason_vi(&d.reason)) }
                        } }
                    }
                }
            }
            @if let Some(s) = &v.suggested {
                (suggested_block(s))
                form.box method="post" action={ "/admin/source/" (v.id) "/scrape" } {
                    input type="hidden" name="csrf" value=(v.csrf);
                    input type="hidden" name="version" value=(v.version);
                    (rule_fields(&s.rules))
                    p.sub { "Các bộ chọn được ghi vào " code { "[source.scrape]" }
                        " của nguồn này trong feeds.toml; các ghi chú khác được giữ nguyên." }
                    div.actions { button.primary type="submit" { "Dùng bộ chọn này" } }
                }
            } @else if v.items.is_empty() && v.auto_items.is_some() {
                p {
                    "Không tìm được bộ chọn nào đọc được trang này. Có thể trang tải danh "
                    "sách tin bằng JavaScript, hoặc không có danh sách tin."
                }
            }
            div.actions {
                a.button href={ "/admin/source/" (v.id) "/edit" } { "Sửa" }
                a.button href="/admin/" { "Về danh sách nguồn tin" }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> EditView {
        EditView {
            title: "T".into(),
            id: "so-gddt".into(),
            url: "https://so.example.vn/".into(),
            name: "<script>alert(1)</script>".into(),
            interval: "30m".into(),
            default_interval: "15m".into(),
            topics: vec![
                ("giao-duc".into(), "Giáo dục".into(), true),
                ("y-te".into(), "Y tế".into(), false),
            ],
            follow: Some(false),
            feed: false,
            scrape: vec![("items", "#ds > li".into()), ("title", String::new())],
            csrf: "tok".into(),
            version: "abc".into(),
            notice: None,
        }
    }

    #[test]
    fn a_feed_is_offered_no_selectors() {
        let page = edit_form(&view());
        assert!(
            page.contains("name=\"scrape_items\" value=\"#ds &gt; li\""),
            "{page}"
        );
        let page = edit_form(&EditView {
            feed: true,
            ..view()
        });
        assert!(!page.contains("name=\"scrape_"), "{page}");
        assert!(page.contains("RSS, Atom hoặc JSON"), "{page}");
    }

    #[test]
    fn every_reason_of_auto_detection_is_said_in_vietnamese() {
        for (en, vi) in [
            (
                "headed as a news list; cut at each headline",
                "danh sách tin",
            ),
            (
                "a listing: 5 siblings with one headline link each, 4 dated",
                "5 phần tử cùng loại",
            ),
            (
                "6 siblings with one headline link each, but only 2 dated and no list heading",
                "nhưng chỉ 2 có ngày",
            ),
            (
                "a heading with no headline links after it",
                "không có liên kết",
            ),
        ] {
            assert!(reason_vi(en).contains(vi), "{en}: {}", reason_vi(en));
        }
        assert_eq!(reason_vi("something new"), "something new");
    }

    #[test]
    fn the_why_page_escapes_what_the_portal_wrote_and_carries_the_rules() {
        let hostile = "<script>alert(1)</script>";
        let row = PreviewRow {
            title: hostile.into(),
            link: Some("javascript:alert(1)".into()),
            published: None,
            summary: Some(hostile.into()),
            topics: Vec::new(),
        };
        let mut v = WhyView {
            title: "T".into(),
            id: "an-bien".into(),
            name: hostile.into(),
            url: "https://a.vn/".into(),
            rules: Vec::new(),
            kind: None,
            notes: Vec::new(),
            error: Some(hostile.into()),
            no_list: true,
            items: Vec::new(),
            decisions: vec![DecisionRow {
                block: format!("\"{hostile}\""),
                items: 0,
                taken: false,
                reason: "headed as a news list, but empty".into(),
            }],
            auto_items: Some(0),
            suggested: Some(SuggestedView {
                toml: "[source.scrape]\nitems = \"#ds > div\"\n".into(),
                rules: vec![("items".into(), "#ds > div".into())],
                items: vec![row],
            }),
            csrf: "tok".into(),
            version: "abc".into(),
        };
        let html = why(&v);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(html.contains("có tiêu đề của một danh sách tin nhưng không có tin nào"));
        assert!(html.contains("action=\"/admin/source/an-bien/scrape\""));
        assert!(html.contains("name=\"scrape_items\" value=\"#ds &gt; div\""));
        assert!(html.contains("name=\"version\" value=\"abc\""));
        v.decisions.clear();
        assert!(why(&v).contains("Trang không có khối nào mang tiêu đề"));
    }

    #[test]
    fn the_form_is_filled_escaped_and_carries_its_tokens() {
        let html = edit_form(&view());
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("action=\"/admin/source/so-gddt/edit\""));
        assert!(html.contains("name=\"csrf\" value=\"tok\""));
        assert!(html.contains("name=\"version\" value=\"abc\""));
        assert!(html.contains("name=\"interval\" value=\"30m\""));
        assert!(html.contains("value=\"giao-duc\" checked"), "{html}");
        assert!(!html.contains("value=\"y-te\" checked"), "{html}");
        assert!(html.contains("value=\"false\" checked"), "{html}");
        assert!(
            html.contains("name=\"scrape_items\" value=\"#ds &gt; li\""),
            "{html}"
        );
    }
}

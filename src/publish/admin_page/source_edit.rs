//! The pages about one source: «Sửa» (its name, interval, topics, `follow`
//! and `[source.scrape]` rules) and «Vì sao» (what reading it once shows).

use maud::html;

use super::{document, notice, Notice};

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
                div.actions {
                    button.primary type="submit" { "Lưu" }
                    a.button href={ "/admin/source/" (v.id) "/why" } { "Vì sao" }
                    a.button href="/admin/" { "Huỷ" }
                }
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
            scrape: vec![("items", "#ds > li".into()), ("title", String::new())],
            csrf: "tok".into(),
            version: "abc".into(),
            notice: None,
        }
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

//! The OPML page's templates: the download link and the import form, and
//! what an import would do with its confirmation form.

use maud::html;

use super::{document, notice, Notice};

pub struct OpmlView {
    pub title: String,
    pub csrf: String,
    /// The list as pasted, when the form is shown again.
    pub opml: String,
    pub notice: Option<Notice>,
}

/// What became of one outline of the list.
pub enum ImportRowKind {
    /// Added, with this id.
    Added(String),
    /// Skipped: already listed (why, in Vietnamese).
    Listed(String),
    /// Refused (why, in Vietnamese).
    Refused(String),
}

pub struct ImportRow {
    pub title: String,
    pub url: String,
    pub kind: ImportRowKind,
    /// Topics the outline names that feeds.toml has not: left out.
    pub unknown_topics: Vec<String>,
}

pub struct ImportPreviewView {
    pub title: String,
    pub csrf: String,
    pub version: String,
    /// The list, carried back by the confirmation form.
    pub opml: String,
    pub rows: Vec<ImportRow>,
    pub added: usize,
    /// Why the file would not load with the added sources, if so.
    pub broken: Option<String>,
}

/// `/admin/opml`.
pub fn page(v: &OpmlView) -> String {
    document(
        &v.title,
        "Nhập, xuất OPML",
        true,
        Some(&v.csrf),
        html! {
            @if let Some(n) = &v.notice {
                (notice(n))
                @if !n.error { p { a href="/admin/" { "Xem danh sách nguồn tin" } } }
            }
            section.box #xuat {
                h2 { "Tải danh sách nguồn" }
                p {
                    "Tệp OPML gồm mọi nguồn trong feeds.toml (mã, chu kỳ, chủ đề, bộ chọn đi kèm), "
                    "giống lệnh " code { "tinkhac feeds export" } ", để chuyển sang một tinkhac khác "
                    "hoặc mở bằng trình đọc tin."
                }
                div.actions { a.button.primary href="/admin/opml/tai-xuong" { "Tải tệp OPML" } }
            }
            form.box #nhap method="post" action="/admin/opml/xem-truoc" enctype="multipart/form-data" {
                h2 { "Nhập danh sách OPML" }
                input type="hidden" name="csrf" value=(v.csrf);
                label for="tep" { "Tệp OPML (xuất từ Miniflux, FreshRSS, Feedly, Inoreader hay một tinkhac khác)" }
                input #tep type="file" name="tep" accept=".opml,.xml,text/x-opml,text/xml,application/xml";
                label for="opml" { "hoặc dán nội dung tệp vào đây" }
                textarea #opml name="opml" rows="8" spellcheck="false" { (v.opml) }
                p.sub {
                    "Bấm «Xem trước» để xem nguồn nào sẽ được thêm, nguồn nào đã có; "
                    "chưa có gì được ghi vào feeds.toml."
                }
                div.actions { button.primary type="submit" { "Xem trước" } }
            }
        },
    )
}

/// What the import would do, outline by outline, and the form that does it.
pub fn import_preview(v: &ImportPreviewView) -> String {
    let skipped = v.rows.len() - v.added;
    document(
        &v.title,
        "Xem trước khi nhập OPML",
        true,
        Some(&v.csrf),
        html! {
            p {
                "Danh sách có " strong { (v.rows.len()) " nguồn" } ": "
                strong { (v.added) " sẽ được thêm" } ", " (skipped) " bỏ qua."
            }
            @if !v.rows.is_empty() {
                table.import {
                    thead {
                        tr {
                            th scope="col" { "Nguồn trong tệp" }
                            th scope="col" { "Kết quả" }
                        }
                    }
                    tbody {
                        @for r in &v.rows {
                            tr {
                                td {
                                    div { strong { (r.title) } }
                                    div.sub.url { (r.url) }
                                }
                                td {
                                    @match &r.kind {
                                        ImportRowKind::Added(id) => {
                                            span.badge.h-ok { "Thêm" } " với mã " code { (id) }
                                        }
                                        ImportRowKind::Listed(why) => {
                                            span.badge.h-new { "Đã có" } " " (why)
                                        }
                                        ImportRowKind::Refused(why) => {
                                            span.badge.h-failing { "Không thêm" } " " (why)
                                        }
                                    }
                                    @if !r.unknown_topics.is_empty() {
                                        div.sub {
                                            "Chủ đề không có trong feeds.toml, bỏ qua: "
                                            (r.unknown_topics.join(", "))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(err) = &v.broken {
                section.alert role="alert" {
                    h2 { "Không nhập được: feeds.toml sẽ bị lỗi" }
                    pre { (err) }
                }
                p { a href="/admin/opml" { "Quay lại" } }
            } @else if v.added == 0 {
                section.alert role="alert" {
                    h2 { "Không có nguồn mới nào để thêm" }
                    p { "Không có gì được ghi vào feeds.toml." }
                }
                p { a href="/admin/opml" { "Quay lại" } }
            } @else {
                form.box method="post" action="/admin/opml" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    input type="hidden" name="version" value=(v.version);
                    input type="hidden" name="opml" value=(v.opml);
                    p {
                        "Thêm " (v.added) " nguồn vào cuối danh sách nguồn trong feeds.toml? "
                        "Các ghi chú và thứ tự sẵn có được giữ nguyên."
                    }
                    div.actions {
                        button.primary type="submit" { "Nhập " (v.added) " nguồn" }
                        a.button href="/admin/opml" { "Huỷ" }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outline_title_is_escaped_and_the_form_carries_the_list_back() {
        let hostile = "<script>alert(1)</script>";
        let html = import_preview(&ImportPreviewView {
            title: "T".into(),
            csrf: "c".into(),
            version: "v".into(),
            opml: format!("<opml><body><outline text=\"{hostile}\"/></body></opml>"),
            rows: vec![ImportRow {
                title: hostile.into(),
                url: "javascript:alert(1)".into(),
                kind: ImportRowKind::Added("a".into()),
                unknown_topics: vec![hostile.into()],
            }],
            added: 1,
            broken: None,
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("name=\"version\" value=\"v\""));
        assert!(
            html.contains("name=\"opml\" value=\"&lt;opml&gt;"),
            "{html}"
        );
    }
}

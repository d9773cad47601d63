//! The topics page's templates: the headline tester with its explanations,
//! each topic's lists, and what an edit of them would change.

use chrono::{DateTime, FixedOffset};
use maud::{html, Markup};

use super::super::status_page::{http_url, link_or_text, time};
use super::{document, notice, Notice};

/// One topic as its form shows it.
pub struct TopicRow {
    pub id: String,
    pub name: String,
    pub threshold: u32,
    /// One phrase a line.
    pub keywords: String,
    pub exclude: String,
}

/// One keyword occurrence in a headline.
pub struct HitRow {
    /// As written in the rules, without its weight.
    pub keyword: String,
    /// In the title (else in the summary).
    pub in_title: bool,
    pub points: i32,
    /// The exclude phrase that cancelled it.
    pub masked_by: Option<String>,
}

/// What one topic made of a headline.
pub struct Verdict {
    pub name: String,
    pub matched: bool,
    pub score: i32,
    pub threshold: u32,
    pub hits: Vec<HitRow>,
}

pub struct HeadlineRow {
    pub headline: String,
    /// Every topic, in the file's order.
    pub verdicts: Vec<Verdict>,
}

pub struct TopicsView {
    pub title: String,
    pub csrf: String,
    pub version: String,
    pub topics: Vec<TopicRow>,
    /// The headlines as pasted.
    pub headlines: String,
    pub explained: Vec<HeadlineRow>,
    pub notice: Option<Notice>,
}

/// One stored item a preview lists.
pub struct ItemRow {
    pub title: String,
    pub link: Option<String>,
    pub published: DateTime<FixedOffset>,
}

pub struct PreviewView {
    pub title: String,
    pub csrf: String,
    pub version: String,
    pub id: String,
    pub name: String,
    /// The edited lists, one phrase a line.
    pub keywords: String,
    pub exclude: String,
    pub keywords_added: Vec<String>,
    pub keywords_removed: Vec<String>,
    pub exclude_added: Vec<String>,
    pub exclude_removed: Vec<String>,
    /// Why the edited lists cannot be used (then nothing else is shown).
    pub error: Option<String>,
    /// Stored items looked at.
    pub examined: usize,
    /// Items the edit would put in the topic.
    pub joining: Vec<ItemRow>,
    /// Items the edit would take out of it.
    pub leaving: Vec<ItemRow>,
    /// Items in the topic before and after.
    pub staying: usize,
}

fn hit(h: &HitRow) -> Markup {
    let place = if h.in_title {
        "tiêu đề"
    } else {
        "tóm tắt"
    };
    html! {
        li {
            "«" (h.keyword) "» (" (place) ") "
            @match &h.masked_by {
                Some(by) => span.bad { "bị cụm loại trừ «" (by) "» huỷ" },
                None if h.points == 0 => span.sub { "lặp lại, +0" },
                None => strong { (format!("{:+}", h.points)) " điểm" },
            }
        }
    }
}

/// `/admin/chu-de`.
pub fn topics(v: &TopicsView) -> String {
    document(
        &v.title,
        "Chủ đề",
        true,
        Some(&v.csrf),
        html! {
            @if let Some(n) = &v.notice { (notice(n)) }
            form.box #thu method="post" action="/admin/chu-de/thu" {
                h2 { "Thử tiêu đề" }
                input type="hidden" name="csrf" value=(v.csrf);
                label for="tieu-de" { "Tiêu đề tin, mỗi dòng một tiêu đề" }
                textarea #tieu-de name="tieu-de" rows="5" required { (v.headlines) }
                p.sub { "tinkhac cho biết mỗi tiêu đề thuộc chủ đề nào và vì sao (như lệnh "
                    code { "tinkhac classify --explain" } "). Không có gì được ghi." }
                div.actions { button.primary type="submit" { "Thử" } }
            }
            @if !v.explained.is_empty() {
                section #ket-qua {
                    h2 { "Kết quả" }
                    @for h in &v.explained {
                        article.box.headline {
                            h3 { (h.headline) }
                            @let matched: Vec<&str> = h.verdicts.iter().filter(|t| t.matched).map(|t| t.name.as_str()).collect();
                            @if matched.is_empty() {
                                p { "Không thuộc chủ đề nào." }
                            } @else {
                                p { "Thuộc chủ đề: " strong { (matched.join(", ")) } }
                            }
                            @for t in h.verdicts.iter().filter(|t| !t.hits.is_empty()) {
                                div.verdict {
                                    p {
                                        strong { (t.name) } ": "
                                        @if t.matched { "khớp" } @else { "không khớp" }
                                        " (" (t.score) " điểm, cần " (t.threshold) ")"
                                    }
                                    ul { @for x in &t.hits { (hit(x)) } }
                                }
                            }
                        }
                    }
                }
            }
            section #chu-de {
                h2 { "Từ khoá của các chủ đề (" (v.topics.len()) ")" }
                @if v.topics.is_empty() {
                    p.empty { "feeds.toml chưa có chủ đề nào ([[topic]])." }
                }
                @for t in &v.topics {
                    (topic_form(t, &v.csrf, &v.version))
                }
            }
        },
    )
}

fn lists_help() -> Markup {
    html! {
        p.sub {
            "Mỗi dòng một cụm. Từ khoá có thể kèm trọng số «cụm:N» (mặc định 2; ở tiêu đề "
            "được gấp đôi). Cụm loại trừ huỷ từ khoá nằm chồng lên nó."
        }
    }
}

fn topic_form(t: &TopicRow, csrf: &str, version: &str) -> Markup {
    html! {
        form.box method="post" action={ "/admin/chu-de/" (t.id) "/xem-truoc" } id={ "chu-de-" (t.id) } {
            h3 { (t.name) " " span.sub { code { (t.id) } " · cần " (t.threshold) " điểm" } }
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="version" value=(version);
            label for={ "kw-" (t.id) } { "Từ khoá" }
            textarea id={ "kw-" (t.id) } name="keywords" rows="8" spellcheck="false" { (t.keywords) }
            label for={ "ex-" (t.id) } { "Cụm loại trừ" }
            textarea id={ "ex-" (t.id) } name="exclude" rows="4" spellcheck="false" { (t.exclude) }
            (lists_help())
            div.actions { button.primary type="submit" { "Xem trước" } }
        }
    }
}

fn changes(label: &str, added: &[String], removed: &[String]) -> Markup {
    html! {
        @if !added.is_empty() || !removed.is_empty() {
            p {
                (label) ": "
                @for p in added { span.added { "+«" (p) "» " } }
                @for p in removed { span.removed { "−«" (p) "» " } }
            }
        }
    }
}

fn items(rows: &[ItemRow]) -> Markup {
    html! {
        ul.items {
            @for i in rows {
                li {
                    (link_or_text(i.link.as_deref().and_then(http_url), &i.title))
                    div.meta { (time(&i.published)) }
                }
            }
        }
    }
}

/// What the edited lists would change, and the form to save them (or to
/// edit them again and look once more).
pub fn preview(v: &PreviewView) -> String {
    let heading = format!("Xem trước: {}", v.name);
    document(
        &v.title,
        &heading,
        true,
        Some(&v.csrf),
        html! {
            @if let Some(err) = &v.error {
                section.alert role="alert" {
                    h2 { "Danh sách chưa dùng được" }
                    p { (err) }
                    p { "Không có gì được ghi vào feeds.toml. Hãy sửa rồi xem trước lại." }
                }
            } @else {
                section #thay-doi {
                    (changes("Từ khoá", &v.keywords_added, &v.keywords_removed))
                    (changes("Cụm loại trừ", &v.exclude_added, &v.exclude_removed))
                    p {
                        "Trong " (v.examined) " tin lưu gần nhất: "
                        strong { (v.joining.len()) " tin sẽ vào chủ đề" } ", "
                        strong { (v.leaving.len()) " tin sẽ rời chủ đề" } ", "
                        (v.staying) " tin vẫn thuộc chủ đề."
                    }
                    p.sub {
                        "«Lưu» chỉ áp dụng cho tin lấy về sau khi lưu; tin đã lưu giữ nguyên chủ đề. "
                        "«Lưu và áp dụng cho tin đã lưu» còn xếp lại " (v.examined)
                        " tin lưu gần nhất theo danh sách mới (chỉ chủ đề này; các chủ đề khác của tin giữ nguyên). "
                        "Kênh Telegram không gửi lại tin cũ: tin cũ vào chủ đề không được đăng lên kênh."
                    }
                    h2 { "Sẽ vào chủ đề (" (v.joining.len()) ")" }
                    @if v.joining.is_empty() { p.empty { "Không có tin nào." } } @else { (items(&v.joining)) }
                    h2 { "Sẽ rời chủ đề (" (v.leaving.len()) ")" }
                    @if v.leaving.is_empty() { p.empty { "Không có tin nào." } } @else { (items(&v.leaving)) }
                }
            }
            form.box method="post" action={ "/admin/chu-de/" (v.id) "/xem-truoc" } id={ "chu-de-" (v.id) } {
                input type="hidden" name="csrf" value=(v.csrf);
                input type="hidden" name="version" value=(v.version);
                label for="keywords" { "Từ khoá" }
                textarea #keywords name="keywords" rows="8" spellcheck="false" { (v.keywords) }
                label for="exclude" { "Cụm loại trừ" }
                textarea #exclude name="exclude" rows="4" spellcheck="false" { (v.exclude) }
                (lists_help())
                div.actions {
                    button type="submit" { "Xem trước" }
                    @if v.error.is_none() {
                        button.primary type="submit" formaction={ "/admin/chu-de/" (v.id) } { "Lưu" }
                        button type="submit" formaction={ "/admin/chu-de/" (v.id) "/ap-dung" } { "Lưu và áp dụng cho tin đã lưu" }
                    }
                    a.button href="/admin/chu-de" { "Huỷ" }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_and_phrases_are_escaped() {
        let hostile = "<script>alert(1)</script>";
        let html = topics(&TopicsView {
            title: "T".into(),
            csrf: "c".into(),
            version: "v".into(),
            topics: vec![TopicRow {
                id: "a".into(),
                name: hostile.into(),
                threshold: 4,
                keywords: format!("{hostile}\nx"),
                exclude: String::new(),
            }],
            headlines: hostile.into(),
            explained: vec![HeadlineRow {
                headline: hostile.into(),
                verdicts: vec![Verdict {
                    name: hostile.into(),
                    matched: true,
                    score: 4,
                    threshold: 4,
                    hits: vec![HitRow {
                        keyword: hostile.into(),
                        in_title: true,
                        points: 0,
                        masked_by: Some(hostile.into()),
                    }],
                }],
            }],
            notice: None,
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("bị cụm loại trừ «&lt;script&gt;"), "{html}");
        assert!(html.contains("name=\"version\" value=\"v\""));
    }
}

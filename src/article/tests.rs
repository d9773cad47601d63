//! Article extraction on the seeds' article pages and on small pages that
//! each hold one pattern.

use super::*;
use chrono::TimeZone;

fn tz() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn fetched() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 24, 3, 0, 0).unwrap()
}

fn seed(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

fn read(html: &str, url: &str) -> Article {
    extract_html(
        html,
        &Url::parse(url).unwrap(),
        fetched(),
        tz(),
        &Limits::default(),
    )
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

const DAY_THEM: &str = "https://haiphong.gov.vn/giao-duc-dao-tao-76770/trien-khai-quy-dinh-ve-day-them-hoc-them-tren-dia-ban-thanh-pho-680899";

#[test]
fn the_policy_article_gives_every_field() {
    let a = read(&seed("article-day-them-hoc-them.html"), DAY_THEM);
    assert_eq!(
        a.title.as_deref(),
        Some("Triển khai quy định về dạy thêm, học thêm trên địa bàn thành phố")
    );
    let text = a.text.as_ref().expect("a main text");
    assert!(
        text.plain
            .starts_with("Ủy ban nhân dân thành phố vừa ban hành Kế hoạch số 215/KH-UBND"),
        "{}",
        text.plain
    );
    assert!(text.plain.contains("đăng ký kinh doanh theo quy định"));
    assert!(!text.plain.contains("Tin khác"), "{}", text.plain);
    assert!(!text.plain.contains("Lượt xem"), "{}", text.plain);
    assert_eq!(text.chars, text.plain.chars().count());
    // Relative links and images made absolute.
    assert!(
        text.html
            .contains(r#"src="https://haiphong.gov.vn/Uploads/2025/12/lop-hoc-buoi-chieu.jpg""#),
        "{}",
        text.html
    );
    assert!(
        text.html
            .contains(r#"href="https://haiphong.gov.vn/van-ban/chi-tiet?id=9921""#),
        "{}",
        text.html
    );
    // The lead image: no og:image, so the first image of the text.
    assert_eq!(
        a.image.as_ref().map(Url::as_str),
        Some("https://haiphong.gov.vn/Uploads/2025/12/lop-hoc-buoi-chieu.jpg")
    );
    // JSON-LD says the day only; the date line under the headline the time.
    assert_eq!(
        a.published,
        Some(Published {
            at: at("2025-12-23T08:30:00+07:00"),
            from: TimeSource::DateLine
        })
    );
    assert_eq!(a.byline.as_deref(), Some("Minh Anh"));
}

#[test]
fn the_main_text_is_sanitised() {
    let a = read(&seed("article-day-them-hoc-them.html"), DAY_THEM);
    let html = &a.text.unwrap().html;
    for bad in [
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "quảng cáo",
        "class=",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains(r#"rel="noopener noreferrer""#), "{html}");
}

#[test]
fn attachments_by_ending_and_by_label_not_from_menus_or_footers() {
    let a = read(&seed("article-day-them-hoc-them.html"), DAY_THEM);
    let got: Vec<(&str, &str, &str)> = a
        .attachments
        .iter()
        .map(|x| (x.name.as_str(), x.file_name.as_str(), x.url.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "Kế hoạch 215/KH-UBND",
                "215-KH-UBND_ke-hoach-day-them.pdf",
                "https://haiphong.gov.vn/Uploads/2025/12/215-KH-UBND_ke-hoach-day-them.pdf"
            ),
            (
                "Phụ lục biểu mẫu đăng ký",
                "DownloadFile.aspx",
                "https://haiphong.gov.vn/DownloadFile.aspx?fileid=77812"
            ),
        ]
    );
    assert!(a
        .attachments
        .iter()
        .all(|x| x.content_type.is_none() && x.length.is_none()));
}

#[test]
fn document_numbers_from_teaser_text_and_attachments_once_each() {
    let a = read(&seed("article-day-them-hoc-them.html"), DAY_THEM);
    let got: Vec<(String, &str)> = a
        .documents
        .iter()
        .map(|d| (d.label(), d.key.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Kế hoạch 215/KH-UBND".to_string(), "215-KH-UBND"),
            ("Thông tư 29/2024/TT-BGDĐT".to_string(), "29-2024-TT-BGDDT"),
            ("Công văn 1234/SGDĐT-GDTrH".to_string(), "1234-SGDDT-GDTRH"),
        ]
    );
}

#[test]
fn its_own_other_news_without_itself() {
    let a = read(&seed("article-day-them-hoc-them.html"), DAY_THEM);
    let titles: Vec<&str> = a.other_news.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Hải Phòng công bố lịch thi tuyển sinh lớp 10 năm học 2026–2027",
            "Tập huấn giáo viên cốt cán môn Tin học cấp tiểu học"
        ]
    );
    assert_eq!(
        a.other_news[0].link.as_ref().map(Url::as_str),
        Some("https://haiphong.gov.vn/giao-duc-dao-tao-76770/hai-phong-cong-bo-lich-thi-tuyen-sinh-lop-10-nam-hoc-2026-2027-680870")
    );
    assert_eq!(
        a.other_news[0].published,
        Some(at("2025-12-22T00:00:00+07:00"))
    );
}

#[test]
fn a_page_without_text_gives_no_text_but_the_rest() {
    let a = read(
        &seed("article-khong-noi-dung.html"),
        "https://haiphong.gov.vn/giao-duc-dao-tao-76770/hinh-anh-le-khai-giang-680120",
    );
    assert_eq!(a.text, None);
    assert_eq!(
        a.image.as_ref().map(Url::as_str),
        Some("https://haiphong.gov.vn/Uploads/2025/9/khai-giang-anh-dai-dien.jpg")
    );
    assert_eq!(
        a.published,
        Some(Published {
            at: at("2025-09-05T07:30:00+07:00"),
            from: TimeSource::Meta
        })
    );
    assert!(a.attachments.is_empty() && a.documents.is_empty());
    assert_eq!(a.other_news.len(), 2);
}

#[test]
fn the_portal_plan_gives_its_attachment_and_the_documents_it_cites() {
    let url = "https://haiphong.gov.vn/chinh-sach-76759/ke-hoach-ve-thuc-hien-tang-cuong-su-lanh-dao-cua-dang-doi-voi-cong-tac-khuyen-hoc-khuyen-tai-xay-dung-xa-hoi-hoc-tap-421536";
    let a = read(&seed("hp-chinh-sach-khuyen-hoc.html"), url);
    assert_eq!(a.attachments.len(), 1, "{:?}", a.attachments);
    assert_eq!(a.attachments[0].name, "211-KH-UBND");
    assert!(a.attachments[0].url.as_str().ends_with(".pdf"));
    let labels: Vec<String> = a.documents.iter().map(DocNumber::label).collect();
    for want in [
        "Kế hoạch 211/KH-UBND",
        "Quyết định 489/QĐ-TTg",
        "Kết luận 49-KL/TW",
        "Chỉ thị 11-CT/TW",
    ] {
        assert!(labels.iter().any(|l| l == want), "{want} not in {labels:?}");
    }
    // The attachment's own name is the same plan: one key.
    assert_eq!(
        a.documents
            .iter()
            .filter(|d| d.key == "211-KH-UBND")
            .count(),
        1
    );
    assert_eq!(
        a.published.map(|p| p.at),
        Some(at("2020-08-26T10:15:00+07:00"))
    );
    // The meta author is the portal itself, no byline.
    assert_eq!(a.byline, None);
    assert_eq!(a.other_news.len(), 8);
}

#[test]
fn date_lines_without_metadata() {
    let page = |line: &str| {
        format!(
            "<html><body><div>Thứ Tư, 24/12/2025</div><h1>Tiêu đề bài viết về giáo dục</h1>\
             <div><span>{line}</span></div><div><p>Kế hoạch ban hành ngày 20/8/2020, \
             yêu cầu các đơn vị thực hiện nghiêm túc các nội dung đã nêu.</p></div></body></html>"
        )
    };
    for (line, want) in [
        ("Thứ Hai, 22/12/2025 08:30", "2025-12-22T08:30:00+07:00"),
        ("Cập nhật: 08:30 22/12/2025", "2025-12-22T08:30:00+07:00"),
        ("22/12/2025 | 15:05", "2025-12-22T15:05:00+07:00"),
    ] {
        let a = read(&page(line), "https://example.vn/a");
        assert_eq!(
            a.published,
            Some(Published {
                at: at(want),
                from: TimeSource::DateLine
            }),
            "{line}"
        );
    }
    // No date line: neither the top bar's date nor a date in the text.
    let a = read(&page("Lượt xem: 120"), "https://example.vn/a");
    assert_eq!(a.published, None);
}

#[test]
fn a_date_line_over_the_headline_and_a_logo_h1() {
    let a = read(
        "<html><body><h1><a href=\"/\">Báo</a></h1><div>Thứ Tư, 24/12/2025</div>\
         <ul><li>Giáo dục</li></ul><div>Thứ Ba, 23/12/2025, 10:18 GMT+7</div>\
         <h1>Tiêu đề bài viết về giáo dục</h1><p>Nội dung.</p></body></html>",
        "https://example.vn/a",
    );
    assert_eq!(
        a.published,
        Some(Published {
            at: at("2025-12-23T10:18:00+07:00"),
            from: TimeSource::DateLine
        })
    );
    assert_eq!(a.title.as_deref(), Some("Tiêu đề bài viết về giáo dục"));
}

#[test]
fn a_byline_only_when_the_page_shows_it() {
    let page = |author: &str, shown: &str| {
        format!(
            r#"<html><head><meta name="author" content="{author}"></head><body><h1>Tiêu đề</h1>
            <article><p>{}</p><p>{shown}</p></article></body></html>"#,
            "Nội dung bài viết dài về giáo dục và đào tạo của thành phố. ".repeat(10)
        )
    };
    assert_eq!(
        read(&page("Thu Hà", "Thu Hà"), "https://example.vn/a")
            .byline
            .as_deref(),
        Some("Thu Hà")
    );
    assert_eq!(
        read(&page("Thu Hà", ""), "https://example.vn/a").byline,
        None
    );
    assert_eq!(
        read(&page("baomoi.vn", "baomoi.vn"), "https://example.vn/a").byline,
        None
    );
}

#[test]
fn time_elements_and_json_ld() {
    let a = read(
        r#"<html><body><h1>Tiêu đề</h1><time datetime="2025-12-20T09:15:00+07:00">20/12</time></body></html>"#,
        "https://example.vn/a",
    );
    assert_eq!(
        a.published,
        Some(Published {
            at: at("2025-12-20T09:15:00+07:00"),
            from: TimeSource::TimeElement
        })
    );
    let a = read(
        r#"<html><head><script type="application/ld+json">[{"@type":"NewsArticle","datePublished":"2025-12-19T10:00:00+07:00","author":[{"name":"Lan Hương"}]}]</script></head><body><h1>Tiêu đề</h1></body></html>"#,
        "https://example.vn/a",
    );
    assert_eq!(
        a.published,
        Some(Published {
            at: at("2025-12-19T10:00:00+07:00"),
            from: TimeSource::JsonLd
        })
    );
    // A date far past the fetch is a typo, not the article's time.
    let a = read(
        r#"<html><head><meta property="article:published_time" content="2099-01-01T00:00:00+07:00"></head><body><h1>T</h1></body></html>"#,
        "https://example.vn/a",
    );
    assert_eq!(a.published, None);
}

#[test]
fn windows_1258_pages_decode_through_the_poll_path() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/legacy-1258.html"),
    )
    .unwrap();
    let body = Body {
        bytes,
        content_type: Some("text/html".into()),
        final_url: Url::parse("https://lechan.haiphong.gov.vn/News/a-57301.html").unwrap(),
        validators: Default::default(),
        wire_bytes: None,
    };
    let a = extract(&body, fetched(), tz(), &Limits::default()).unwrap();
    let title = a.title.unwrap();
    assert_eq!(title, crate::text::nfc(&title));
    assert!(title.contains("khuyến học"), "{title}");
    assert_eq!(a.other_news.len(), 5);
}

/// An article in windows-1258 (tone marks as combining characters, the
/// charset only in `http-equiv`): decoded, NFC, and every field read.
#[test]
fn a_windows_1258_article_gives_every_field() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/article-1258.html"),
    )
    .unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the seed is not UTF-8"
    );
    let body = Body {
        bytes,
        content_type: Some("text/html".into()),
        final_url: Url::parse(
            "https://lechan.haiphong.gov.vn/legacy/News/tuyen-sinh-dau-cap-57310.html",
        )
        .unwrap(),
        validators: Default::default(),
        wire_bytes: None,
    };
    let a = extract(&body, fetched(), tz(), &Limits::default()).unwrap();
    assert_eq!(
        a.title.as_deref(),
        Some("Quận Lê Chân triển khai công tác tuyển sinh đầu cấp năm học 2026-2027")
    );
    assert_eq!(
        a.published,
        Some(Published {
            at: at("2025-12-22T15:40:00+07:00"),
            from: TimeSource::DateLine
        })
    );
    let text = a.text.expect("a main text");
    assert!(
        text.plain.contains("Phòng Giáo dục và Đào tạo"),
        "{}",
        text.plain
    );
    assert_eq!(text.plain, crate::text::nfc(&text.plain));
    let docs: Vec<String> = a.documents.iter().map(DocNumber::label).collect();
    assert_eq!(docs, ["Quyết định 1520/QĐ-UBND"]);
    assert_eq!(a.attachments.len(), 1);
    assert_eq!(a.attachments[0].name, "Văn bản");
    assert_eq!(
        a.attachments[0].url.as_str(),
        "https://lechan.haiphong.gov.vn/legacy/Upload/QD1520-tuyen-sinh.doc"
    );
    assert_eq!(a.other_news.len(), 3);
    assert_eq!(
        a.other_news[0].published,
        Some(at("2025-08-02T00:00:00+07:00"))
    );
}

#[test]
fn caps_hold() {
    // Too many elements: refused before any parser sees it.
    let huge = format!(
        "<html><body>{}</body></html>",
        "<p>x</p>".repeat(crate::source::html::MAX_ELEMENTS + 10)
    );
    let body = Body {
        bytes: huge.into_bytes(),
        content_type: Some("text/html; charset=utf-8".into()),
        final_url: Url::parse("https://example.vn/a").unwrap(),
        validators: Default::default(),
        wire_bytes: None,
    };
    assert!(matches!(
        extract(&body, fetched(), tz(), &Limits::default()),
        Err(crate::source::Error::TooManyElements { .. })
    ));
    // A title, a byline and an attachment name longer than [limits] are cut.
    let long = "Dài ".repeat(400);
    let limits = Limits {
        title_chars: 50,
        ..Limits::default()
    };
    let page = format!(
        r#"<html><head><meta property="og:title" content="{long}"></head><body><h1>x</h1><a href="/a.pdf">{long}</a></body></html>"#
    );
    let a = extract_html(
        &page,
        &Url::parse("https://example.vn/a").unwrap(),
        fetched(),
        tz(),
        &limits,
    );
    assert!(a.title.unwrap().chars().count() <= 50);
    assert!(a.attachments[0].name.chars().count() <= 50);
}

#[test]
fn no_attachments_from_an_old_template_footer() {
    let a = read(
        r#"<html><body><h1>Tiêu đề</h1><div id="content"><a href="/van-ban/211.pdf">Kế hoạch</a></div>
        <div class="footer-part2"><a href="/gioi-thieu.pdf">Giới thiệu</a></div>
        <div id="footer"><a href="/bao-gia.pdf">Báo giá</a></div></body></html>"#,
        "https://example.vn/a",
    );
    let names: Vec<&str> = a.attachments.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["Kế hoạch"]);
}

#[test]
fn file_names_are_percent_decoded() {
    let u = Url::parse("https://x.vn/files/K%E1%BA%BF%20ho%E1%BA%A1ch%20211.pdf").unwrap();
    assert_eq!(file_name(&u), "Kế hoạch 211.pdf");
    assert_eq!(percent_decode("a%zzb%4"), "a%zzb%4");
}

/// Every field an article page gives, as the golden files hold it.
fn golden(a: &Article) -> serde_json::Value {
    serde_json::json!({
        "title": a.title,
        "teaser": a.teaser,
        "text_chars": a.text.as_ref().map(|t| t.chars),
        "text_opening": a.text.as_ref().map(|t| crate::text::truncate_chars(&t.plain, 120).into_owned()),
        "image": a.image.as_ref().map(Url::as_str),
        "published": a.published.map(|p| p.at.to_rfc3339()),
        "published_from": a.published.map(|p| p.from.as_str()),
        "byline": a.byline,
        "attachments": a.attachments.iter().map(|x| serde_json::json!({
            "name": x.name, "file_name": x.file_name, "url": x.url.as_str(),
        })).collect::<Vec<_>>(),
        "documents": a.documents.iter().map(|d| serde_json::json!({
            "kind": d.kind, "number": d.number, "key": d.key,
        })).collect::<Vec<_>>(),
        "other_news": a.other_news.iter().map(|h| serde_json::json!({
            "title": h.title,
            "link": h.link.as_ref().map(Url::as_str),
            "date": h.published.map(|d| d.to_rfc3339()),
        })).collect::<Vec<_>>(),
    })
}

/// The seed article pages against `seeds/expected/<file>.article.json`.
/// `TINKHAC_BLESS=1` writes the files instead (then read the diff).
#[test]
fn seed_articles_match_their_golden_files() {
    let pages = [
        ("article-day-them-hoc-them.html", DAY_THEM),
        (
            "article-day-them-dip-tet.html",
            "https://haiphong.gov.vn/giao-duc-dao-tao-76770/so-gd-dt-yeu-cau-khong-to-chuc-day-them-trai-quy-dinh-trong-dip-nghi-tet-680907",
        ),
        (
            "article-khong-noi-dung.html",
            "https://haiphong.gov.vn/giao-duc-dao-tao-76770/hinh-anh-le-khai-giang-680120",
        ),
        (
            "hp-chinh-sach-khuyen-hoc.html",
            "https://haiphong.gov.vn/chinh-sach-76759/ke-hoach-ve-thuc-hien-tang-cuong-su-lanh-dao-cua-dang-doi-voi-cong-tac-khuyen-hoc-khuyen-tai-xay-dung-xa-hoi-hoc-tap-421536",
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/expected");
    for (file, url) in pages {
        let got = golden(&read(&seed(file), url));
        let path = dir.join(format!("{file}.article.json"));
        if std::env::var_os("TINKHAC_BLESS").is_some() {
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let want: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            got,
            want,
            "{file}: {}",
            serde_json::to_string_pretty(&got).unwrap()
        );
    }
}

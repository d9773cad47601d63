//! `tinkhac preview --follow`: one article page fetched as a poll fetches
//! it, and what the admin sees of it.

use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::Router;

use crate::support::{config, seeds_dir, stand_in, tinkhac_async};

const ARTICLE: &str =
    "/giao-duc-dao-tao-76770/trien-khai-quy-dinh-ve-day-them-hoc-them-tren-dia-ban-thanh-pho-680899";

async fn portal() -> String {
    let page = std::fs::read(seeds_dir().join("article-day-them-hoc-them.html")).unwrap();
    let app = Router::new()
        .route(
            ARTICLE,
            get(move || {
                let page = page.clone();
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
            }),
        )
        .route(
            "/da-go-bai-680001",
            get(|| async { (StatusCode::NOT_FOUND, "không tìm thấy") }),
        );
    format!("http://{}", stand_in(app).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_follow_shows_what_the_article_gives() {
    let base = portal().await;
    let cfg = config("");
    let out = tinkhac_async(
        cfg.path.clone(),
        vec![
            "preview".to_string(),
            "--follow".into(),
            format!("{base}{ARTICLE}"),
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "title:    Triển khai quy định về dạy thêm, học thêm trên địa bàn thành phố".to_string(),
        "time:     2025-12-23T08:30:00+07:00 (from the date line)".into(),
        "byline:   Minh Anh".into(),
        format!("image:    {base}/Uploads/2025/12/lop-hoc-buoi-chieu.jpg"),
        format!("📎 Kế hoạch 215/KH-UBND — {base}/Uploads/2025/12/215-KH-UBND_ke-hoach-day-them.pdf"),
        format!("📎 Phụ lục biểu mẫu đăng ký — {base}/DownloadFile.aspx?fileid=77812"),
        "attachments (2):".into(),
        "document numbers (3):".into(),
        "Kế hoạch 215/KH-UBND  (key 215-KH-UBND)".into(),
        "Thông tư 29/2024/TT-BGDĐT  (key 29-2024-TT-BGDDT)".into(),
        "Công văn 1234/SGDĐT-GDTrH  (key 1234-SGDDT-GDTRH)".into(),
        "its own other news (2 items):".into(),
        format!("link:    {base}/giao-duc-dao-tao-76770/tap-huan-giao-vien-cot-can-mon-tin-hoc-cap-tieu-hoc-680861"),
    ] {
        assert!(text.contains(&want), "{want:?} missing from:\n{text}");
    }
    let chars: usize = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("text:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a text length line");
    assert!(chars > 500, "{text}");
    assert!(
        !text.contains("<script") && !text.contains("quảng cáo"),
        "{text}"
    );
    assert!(!cfg.config.storage.path.exists(), "preview stores nothing");
}

/// A page that is gone says so and fails, as `preview` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_follow_of_a_missing_page_fails_with_its_status() {
    let base = portal().await;
    let cfg = config("");
    let out = tinkhac_async(
        cfg.path.clone(),
        vec![
            "preview".to_string(),
            "--follow".into(),
            format!("{base}/da-go-bai-680001"),
        ],
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("404"), "{err}");
}

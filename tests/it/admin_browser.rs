//! The web admin in a real browser: headless Chromium driven through
//! WebDriver ([`crate::webdriver`]) against the real daemon and a test
//! portal. Log in, add a source from its URL (preview, then confirm), see it
//! polled, pause it, remove it; each step checked in the page and in
//! `feeds.toml`.
//!
//! Fails in CI (`CI` set) when `chromedriver` or Chromium is missing;
//! elsewhere it is skipped with a line on stderr that `cargo test` shows.

use std::time::Duration;

use tinkhac::config::Config;

use crate::support::TestPortal;
use crate::webdriver::{Tools, WebDriver};

const TOKEN: &str = "mật-khẩu-trình-duyệt-7";

/// A browser logged in to the admin at `base` with `token`: sent from
/// `/admin/` to the login form, the token typed and sent. The sources page
/// it then shows.
pub(crate) async fn logged_in(tools: &Tools, base: &str, token: &str) -> (WebDriver, String) {
    let b = tools.start().await;
    b.goto(&format!("{base}/admin/")).await;
    b.wait_for("Mã quản trị").await;
    send_token(&b, token).await;
    let page = b.wait_for("Quản lý nguồn tin").await;
    (b, page)
}

/// Type `token` into the login form on the page and send it.
async fn send_token(b: &WebDriver, token: &str) {
    b.send_keys(&b.find("input[name=token]").await, token).await;
    b.click(&b.find("form[action='/admin/login'] button").await)
        .await;
}

/// The part of the sources page that is `id`'s row.
pub(crate) fn row<'p>(page: &'p str, id: &str) -> Option<&'p str> {
    let start = page.find(&format!("id=\"nguon-{id}\""))?;
    let end = page[start..]
        .find("</tr>")
        .map_or(page.len(), |e| start + e);
    Some(&page[start..end])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_watches_pauses_and_removes_a_source_in_chromium() {
    let Some(tools) = Tools::find("an_admin_adds_watches_pauses_and_removes_a_source_in_chromium")
    else {
        return;
    };
    let portal = TestPortal::start().await;
    let (cfg, original, d, base) = crate::admin_web::one_source_daemon(&portal, TOKEN).await;
    let b = tools.start().await;

    // No session: the admin sends the browser to the login form.
    b.goto(&format!("{base}/admin/")).await;
    assert_eq!(b.current_url().await, format!("{base}/admin/login"));
    b.wait_for("Mã quản trị").await;
    // A wrong token is refused on the page.
    send_token(&b, "không-phải").await;
    b.wait_for("Sai mã quản trị").await;
    send_token(&b, TOKEN).await;
    let page = b.wait_for("Quản lý nguồn tin").await;
    assert!(b.title().await.starts_with("Quản lý nguồn tin"));
    assert!(row(&page, "thuy-nguyen").is_some(), "{page}");
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);

    // Add a source from a URL of the portal: preview, then confirm.
    b.goto(&format!("{base}/admin/add")).await;
    let url = portal.url(&portal.path_of("hp-danh-muc-giao-duc.html"));
    b.send_keys(&b.find("input[name=url]").await, url.as_str())
        .await;
    b.click(&b.find("form[action='/admin/add/preview'] button").await)
        .await;
    let preview = b.wait_for("Thêm nguồn này").await;
    assert!(
        preview.contains("Hải Phòng tổ chức kỳ thi chọn học sinh giỏi cấp thành phố lớp 12"),
        "{preview}"
    );
    assert_eq!(
        std::fs::read_to_string(&cfg.path).unwrap(),
        original,
        "a preview writes nothing"
    );
    let id = b.find("form[action='/admin/add'] input[name=id]").await;
    b.clear(&id).await;
    b.send_keys(&id, "hp-giao-duc").await;
    let name = b.find("form[action='/admin/add'] input[name=name]").await;
    b.clear(&name).await;
    b.send_keys(&name, "Hải Phòng – Giáo dục").await;
    b.click(&b.find("form[action='/admin/add'] button.primary").await)
        .await;
    let page = b.wait_for("Đã thêm nguồn").await;
    // The daemon reloaded before the page was shown: the source is listed.
    assert!(row(&page, "hp-giao-duc").is_some(), "{page}");
    let config = Config::load(&cfg.path).unwrap();
    let added = config.source("hp-giao-duc").expect("written to feeds.toml");
    assert_eq!(added.name, "Hải Phòng – Giáo dục");
    assert_eq!(added.url.as_str(), url.as_str());
    assert!(!added.paused);
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert!(text.contains("# Thuỷ Nguyên: thử một tháng.") && text.contains("# --- chủ đề ---"));

    // The daemon reloads and polls it: the sources page shows its items.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        b.goto(&format!("{base}/admin/")).await;
        let page = b.source().await;
        let r = row(&page, "hp-giao-duc").unwrap_or_default().to_string();
        if r.contains("12 tin") {
            assert!(!r.contains("chưa lần nào"), "{r}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never shown polled: {r}\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Pause it.
    b.click(
        &b.find("form[action='/admin/source/hp-giao-duc/pause'] button")
            .await,
    )
    .await;
    let page = b.wait_for("Đã tạm dừng nguồn").await;
    let config = Config::load(&cfg.path).unwrap();
    assert!(config.source("hp-giao-duc").expect("still there").paused);
    // The row offers «Tiếp tục» instead.
    let r = row(&page, "hp-giao-duc").expect("still listed");
    assert!(
        r.contains("Tạm dừng") && r.contains("/admin/source/hp-giao-duc/resume"),
        "{r}"
    );
    assert!(!r.contains("/admin/source/hp-giao-duc/poll"), "{r}");

    // Remove it: the link shows what it means, the button does it.
    b.click(&b.find("a[href='/admin/source/hp-giao-duc/remove']").await)
        .await;
    b.wait_for("Xoá nguồn này").await;
    assert!(
        Config::load(&cfg.path)
            .unwrap()
            .source("hp-giao-duc")
            .is_some(),
        "asking is not removing"
    );
    b.click(
        &b.find("form[action='/admin/source/hp-giao-duc/remove'] button.danger")
            .await,
    )
    .await;
    let page = b.wait_for("Đã xoá nguồn").await;
    assert!(row(&page, "hp-giao-duc").is_none(), "{page}");
    assert!(row(&page, "thuy-nguyen").is_some(), "{page}");
    let config = Config::load(&cfg.path).unwrap();
    assert!(config.source("hp-giao-duc").is_none());
    assert!(config.source("thuy-nguyen").is_some());
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert!(text.contains("# Thuỷ Nguyên: thử một tháng.") && text.contains("# --- chủ đề ---"));
    assert!(
        d.log.iter().all(|l| !l.contains(TOKEN)),
        "no secret in the log"
    );
}

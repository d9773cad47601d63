//! The OPML import in a real browser: headless Chromium driven through
//! WebDriver ([`crate::webdriver`]) against the real daemon and a test
//! portal. Log in, upload a list through the OPML page's file input, look
//! at what it would do, confirm, and find the new source on the sources
//! page and in `feeds.toml`.
//!
//! Fails in CI (`CI` set) when `chromedriver` or Chromium is missing;
//! elsewhere it is skipped with a line on stderr that `cargo test` shows.

use std::time::Duration;

use tinkhac::config::Config;

use crate::admin_browser::logged_in;
use crate::support::TestPortal;
use crate::webdriver::Tools;

const TOKEN: &str = "mật-khẩu-trình-duyệt-opml-8";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_imports_an_opml_list_in_chromium() {
    let Some(tools) = Tools::find("an_admin_imports_an_opml_list_in_chromium") else {
        return;
    };
    let portal = TestPortal::start().await;
    let (cfg, original, _d, base) = crate::admin_web::one_source_daemon(&portal, TOKEN).await;
    let (b, _) = logged_in(&tools, &base, TOKEN).await;

    // The nav leads to the OPML page; upload a list with one new feed (in
    // a folder) and one already listed.
    b.click(&b.find("nav a[href='/admin/opml']").await).await;
    b.wait_for("Nhập danh sách OPML").await;
    let new_url = portal.url("/gen/giao-duc.rss");
    let listed = cfg.config.source("thuy-nguyen").unwrap().url.to_string();
    let opml = format!(
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>Danh sách</title></head><body>\n\
         <outline text=\"Tin ngành\"><outline text=\"Sở Giáo dục &amp; Đào tạo\" type=\"rss\" xmlUrl=\"{new_url}\"/></outline>\n\
         <outline text=\"Thuỷ Nguyên\" type=\"rss\" xmlUrl=\"{listed}\"/>\n\
         </body></opml>\n"
    );
    let file = cfg.path.with_file_name("danh-sach.opml");
    std::fs::write(&file, &opml).unwrap();
    b.send_keys(
        &b.find("input[type=file][name=tep]").await,
        file.to_str().unwrap(),
    )
    .await;
    b.click(&b.find("form[action='/admin/opml/xem-truoc'] button").await)
        .await;
    let preview = b.wait_for("Xem trước khi nhập OPML").await;
    assert!(
        preview.contains("với mã <code>so-giao-duc-dao-tao</code>"),
        "{preview}"
    );
    assert!(preview.contains("(nguồn «thuy-nguyen»)"), "{preview}");
    assert_eq!(
        std::fs::read_to_string(&cfg.path).unwrap(),
        original,
        "a preview writes nothing"
    );

    // Confirm: the sources page lists it once the daemon has reloaded.
    b.click(&b.find("form[action='/admin/opml'] button.primary").await)
        .await;
    b.wait_for("Đã thêm 1 nguồn vào feeds.toml").await;
    let config = Config::load(&cfg.path).unwrap();
    let added = config
        .source("so-giao-duc-dao-tao")
        .expect("written to feeds.toml");
    assert_eq!(added.name, "Sở Giáo dục & Đào tạo");
    assert_eq!(added.url.as_str(), new_url.as_str());
    assert_eq!(config.sources.len(), 2, "the listed one skipped");
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert!(text.contains("# Thuỷ Nguyên: thử một tháng.") && text.contains("# --- chủ đề ---"));
    b.click(&b.find("main a[href='/admin/']").await).await;
    let page = b
        .reload_until(
            &format!("{base}/admin/"),
            "id=\"nguon-so-giao-duc-dao-tao\"",
            Duration::from_secs(20),
        )
        .await;
    assert!(page.contains("Sở Giáo dục &amp; Đào tạo"), "{page}");
}

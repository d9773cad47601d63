//! «Sửa» in a real browser: headless Chromium driven through WebDriver
//! ([`crate::webdriver`]) against the real daemon. Log in, open a source's
//! «Sửa», change its interval, save; the sources page and `feeds.toml` show
//! the new interval.
//!
//! Fails in CI (`CI` set) when `chromedriver` or Chromium is missing;
//! elsewhere it is skipped with a line on stderr that `cargo test` shows.

use tinkhac::config::Config;

use crate::admin_browser::{logged_in, row};
use crate::support::TestPortal;
use crate::webdriver::Tools;

const TOKEN: &str = "mật-khẩu-sửa-nguồn-3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_changes_a_sources_interval_in_chromium() {
    let Some(tools) = Tools::find("an_admin_changes_a_sources_interval_in_chromium") else {
        return;
    };
    let portal = TestPortal::start().await;
    let (cfg, original, d, base) = crate::admin_web::one_source_daemon(&portal, TOKEN).await;
    let (b, page) = logged_in(&tools, &base, TOKEN).await;
    let before = row(&page, "thuy-nguyen").expect("listed").to_string();
    assert!(before.contains("10 phút"), "the [fetch] interval: {before}");

    // «Sửa» opens the form, filled from feeds.toml.
    b.click(&b.find("a[href='/admin/source/thuy-nguyen/edit']").await)
        .await;
    b.wait_for("Sửa nguồn").await;
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);
    let interval = b.find("input[name=interval]").await;
    b.clear(&interval).await;
    b.send_keys(&interval, "45m").await;
    b.click(
        &b.find("form[action='/admin/source/thuy-nguyen/edit'] button.primary")
            .await,
    )
    .await;

    // Saved: the daemon reloaded before the page was shown.
    let page = b.wait_for("Đã sửa nguồn").await;
    let after = row(&page, "thuy-nguyen").expect("still listed");
    assert!(after.contains("45 phút"), "{after}");
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert!(text.contains("interval = \"45m\""), "{text}");
    assert!(text.contains("# Thuỷ Nguyên: thử một tháng.") && text.contains("# --- chủ đề ---"));
    let config = Config::load(&cfg.path).unwrap();
    assert_eq!(
        config.source("thuy-nguyen").unwrap().interval,
        std::time::Duration::from_secs(45 * 60)
    );
    assert!(
        d.log.iter().all(|l| !l.contains(TOKEN)),
        "no secret in the log"
    );
}

//! The «Kênh Telegram» page in a real browser: headless Chromium driven
//! through WebDriver ([`crate::webdriver`]) against the real daemon and the
//! Bot API stand-in. Log in, open the channel page from the navigation, see
//! the message Telegram refused, click «Gửi lại», and check the page and
//! what reached the channel; then «Gửi tin thử».
//!
//! Fails in CI (`CI` set) when `chromedriver` or Chromium is missing;
//! elsewhere it is skipped with a line on stderr that `cargo test` shows.

use std::time::Duration;

use crate::admin_browser::logged_in;
use crate::admin_channel::{
    assert_sent_item, channel_daemon, entry, first_set_aside, refuse_next_message, ADMIN, BOT,
};
use crate::standin::BotStandIn;
use crate::support::{edu, TestPortal};
use crate::webdriver::Tools;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sends_a_set_aside_message_again_in_chromium() {
    let Some(tools) = Tools::find("an_admin_sends_a_set_aside_message_again_in_chromium") else {
        return;
    };
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(BOT).await;
    let (base, d, _dir) = channel_daemon(&portal, &bot, BOT).await;
    refuse_next_message(&bot);
    portal.publish([edu(1)]);
    let (b, _) = logged_in(&tools, &base, ADMIN).await;

    // «Kênh Telegram» in the navigation; the message is listed once the
    // channel has set it aside.
    b.click(&b.find("nav a[href='/admin/kenh']").await).await;
    b.wait_for("Hàng đợi").await;
    assert!(b.title().await.starts_with("Kênh Telegram"));
    let page = b
        .reload_until(
            &format!("{base}/admin/kenh"),
            "Tin để riêng (1)",
            Duration::from_secs(60),
        )
        .await;
    let seq = first_set_aside(&page);
    assert!(entry(&page, seq).contains(&edu(1).title), "{page}");
    assert!(bot.sent().is_empty());

    b.click(
        &b.find(&format!(
            "#tin-{seq} form[action='/admin/kenh/gui-lai'] button"
        ))
        .await,
    )
    .await;
    let page = b.wait_for("Đã xếp lại tin vào hàng đợi").await;
    assert!(
        page.contains("Tin để riêng (0)") && !page.contains(&format!("id=\"tin-{seq}\"")),
        "{page}"
    );
    assert_eq!(
        b.current_url().await,
        format!("{base}/admin/kenh?da=gui-lai&tin={seq}")
    );
    let sent = bot.wait_for(1, Duration::from_secs(60)).await;
    assert_sent_item(&sent[0], 1);

    // «Gửi tin thử», right after: the stand-in's pace is lifted so that
    // only the button is tested.
    bot.set_limits(Duration::ZERO, 0);
    b.click(&b.find("form[action='/admin/kenh/thu'] button").await)
        .await;
    b.wait_for("Đã gửi tin thử").await;
    let sent = bot.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(sent[1].text.starts_with("Tin thử của tinkhac"), "{sent:#?}");
    assert!(
        d.log.iter().all(|l| !l.contains(BOT) && !l.contains(ADMIN)),
        "no secret in the log"
    );
}

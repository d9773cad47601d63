//! The messages Telegram refused for good ("set aside"): listed, queued
//! again and dropped, from the command line (on the store, and through the
//! running daemon's admin API) and from the web admin's «Kênh Telegram»
//! page; and that page's test message. Against the Bot API stand-in and the
//! real binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::{header, StatusCode};

use crate::admin_web::{client, get_page, hidden, login, page_with, post_form};
use crate::standin::{BotStandIn, Failure, Sent};
use crate::support::{self, edu, Daemon, GenItem, TestPortal};

/// The bot token the stand-in accepts.
pub(crate) const BOT: &str = "123456:KENH-set_aside";
/// The daemon's admin token.
pub(crate) const ADMIN: &str = "kenh-admin-token-9";

/// The two refusals that set a message aside: its HTML cannot be parsed,
/// and its plain-text form is refused as well.
pub(crate) fn refuse_next_message(bot: &BotStandIn) {
    bot.fail_next(Failure::BadRequest(
        "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0",
    ));
    bot.fail_next(Failure::BadRequest("Bad Request: message is too long"));
}

/// `feeds.toml` in a fresh directory: the portal's generated feed as the
/// only source (polled every second), the channel on the stand-in, times in
/// UTC+05:30 (a zone no default gives), and the daemon on `port` (so that
/// the commands find it there).
pub(crate) fn channel_config(
    portal: &TestPortal,
    bot_api: &str,
    port: u16,
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\ntitle = \"Tin thử\"\n\n\
             [storage]\npath = \"store\"\n\n[fetch]\ninterval = \"10m\"\ntimeout = \"2s\"\ntimezone = \"+05:30\"\n\n\
             [[source]]\nid = \"gen\"\nname = \"Sở GD&ĐT\"\nurl = \"{}\"\ninterval = \"1s\"\n\n\
             {}\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\n\
             api_url = \"{bot_api}\"\ntimeout = \"3s\"\n",
            portal.url("/gen/giao-duc.rss"),
            support::shipped_topics_toml(),
        ),
    )
    .unwrap();
    (dir, path)
}

/// The binary with `args`, the bot token and, when asked, the admin token;
/// off the async runtime, so the test's servers keep serving.
async fn cli(config: &Path, args: &str, admin: bool) -> (bool, String, String) {
    let config = config.to_path_buf();
    let args: Vec<String> = args.split(' ').map(String::from).collect();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"));
        cmd.arg("--config")
            .arg(&config)
            .args(&args)
            .env("RUST_LOG", "tinkhac=info")
            .env("TELEGRAM_BOT_TOKEN", BOT)
            .env_remove("TINKHAC_ADMIN_TOKEN");
        if admin {
            cmd.env("TINKHAC_ADMIN_TOKEN", ADMIN);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The numbers `telegram set-aside` lists, in its order.
fn numbers(listing: &str) -> Vec<u64> {
    listing
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('#'))
        .map(|l| {
            l.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no number in {l:?}"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_aside_messages_are_listed_retried_and_dropped_from_the_command_line() {
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(BOT).await;
    let port = support::free_port();
    let (_dir, path) = channel_config(&portal, &bot.api_url(), port);

    // `once` primes the source (its backlog is not sent), then sets aside
    // the next new item's message, which Telegram refuses in both forms.
    portal.publish([edu(0)]);
    let (ok, _, err) = cli(&path, "once", false).await;
    assert!(ok, "{err}");
    refuse_next_message(&bot);
    portal.publish([edu(1)]);
    let (_, out, err) = cli(&path, "once", false).await;
    assert!(bot.sent().is_empty(), "{out}{err}");

    // On the store itself (no daemon runs).
    let (ok, listing, err) = cli(&path, "telegram set-aside", false).await;
    assert!(ok, "{err}");
    assert!(
        listing.contains("channel @kenh_thu: 1 set aside"),
        "{listing}"
    );
    assert!(listing.contains(&edu(1).title), "{listing}");
    assert!(
        listing.contains("item: https://so-gddt.test/tin/1\n"),
        "{listing}"
    );
    assert!(
        listing.contains("reason: Bad Request: message is too long"),
        "{listing}"
    );
    let set_aside = numbers(&listing);
    assert_eq!(set_aside.len(), 1, "{listing}");
    let n = set_aside[0];
    let (_, status, _) = cli(&path, "telegram status", false).await;
    assert!(status.contains("0 queued, 1 set aside"), "{status}");

    let (ok, _, err) = cli(&path, "telegram drop 999999999", false).await;
    assert!(!ok);
    assert!(
        err.contains("no message set aside has the number 999999999"),
        "{err}"
    );
    let (ok, _, err) = cli(&path, "telegram retry nope", false).await;
    assert!(
        !ok && err.contains("not the number of a set-aside message"),
        "{err}"
    );
    let (ok, out, err) = cli(&path, &format!("telegram retry #{n}"), false).await;
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("#{n}")) && out.contains("queued again"),
        "{out}"
    );
    let (_, listing, _) = cli(&path, "telegram set-aside", false).await;
    assert!(listing.contains("0 set aside"), "{listing}");
    let (_, status, _) = cli(&path, "telegram status", false).await;
    assert!(status.contains("1 queued, 0 set aside"), "{status}");

    // The daemon sends the message queued again.
    let mut d = Daemon::start(
        &path,
        &[("TELEGRAM_BOT_TOKEN", BOT), ("TINKHAC_ADMIN_TOKEN", ADMIN)],
    );
    let sent = bot.wait_for(1, Duration::from_secs(60)).await;
    assert_sent_item(&sent[0], 1);

    // Two more refused while it runs; through its admin API, one is
    // dropped and the other queued again.
    refuse_next_message(&bot);
    refuse_next_message(&bot);
    portal.publish([edu(2), edu(3)]);
    d.wait_log("it is set aside", 2, Duration::from_secs(60))
        .await;
    let (ok, _, err) = cli(&path, "telegram set-aside", false).await;
    assert!(!ok && err.contains("TINKHAC_ADMIN_TOKEN"), "{err}");
    let (ok, listing, err) = cli(&path, "telegram set-aside", true).await;
    assert!(ok, "{err}");
    assert!(listing.contains("2 set aside"), "{listing}");
    let both = numbers(&listing);
    assert_eq!(both.len(), 2, "{listing}");
    // In publication order: the second item's message, then the third's.
    assert!(
        listing.find(&edu(2).title).unwrap() < listing.find(&edu(3).title).unwrap(),
        "{listing}"
    );
    let (ok, out, err) = cli(&path, &format!("telegram drop {}", both[1]), true).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("dropped for good") && out.contains(&edu(3).title),
        "{out}"
    );
    let (ok, out, err) = cli(&path, "telegram retry --all", true).await;
    assert!(ok, "{err}");
    assert!(out.contains("1 queued again, 0 left set aside"), "{out}");
    let sent = bot.wait_for(2, Duration::from_secs(60)).await;
    assert_sent_item(&sent[1], 2);
    let (_, listing, _) = cli(&path, "telegram set-aside", true).await;
    assert!(listing.contains("0 set aside"), "{listing}");
    d.wait_log("dropped through the admin API", 1, Duration::from_secs(10))
        .await;
    d.wait_log(
        "queued again through the admin API",
        1,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(bot.sent().len(), 2, "the dropped one never went");
    assert!(d.log.iter().all(|l| !l.contains(BOT) && !l.contains(ADMIN)));
}

/// A daemon on the channel's configuration with the web admin on, once it
/// has polled (its first poll is the backlog: nothing is sent). `bot_token`:
/// the token it is given. Its address, and what must live as long.
pub(crate) async fn channel_daemon(
    portal: &TestPortal,
    bot: &BotStandIn,
    bot_token: &str,
) -> (String, Daemon, tempfile::TempDir) {
    let port = support::free_port();
    let (dir, path) = channel_config(portal, &bot.api_url(), port);
    portal.publish([edu(0)]);
    let mut d = Daemon::start(
        &path,
        &[
            ("TELEGRAM_BOT_TOKEN", bot_token),
            ("TINKHAC_ADMIN_TOKEN", ADMIN),
        ],
    );
    d.wait_log("polled source=gen", 1, Duration::from_secs(60))
        .await;
    (format!("http://127.0.0.1:{port}"), d, dir)
}

/// The channel page once it lists `n` messages set aside (or fail after a
/// minute with the page as it is).
pub(crate) async fn page_with_set_aside(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    n: usize,
) -> String {
    page_with(
        client,
        &format!("{base}/admin/kenh"),
        cookie,
        &format!("Tin để riêng ({n})"),
        Duration::from_secs(60),
    )
    .await
}

/// Fail unless `sent`, a message the channel sent, is item `n`'s
/// ([`edu`]): its title first, in bold.
pub(crate) fn assert_sent_item(sent: &Sent, n: usize) {
    assert!(
        sent.text.starts_with(&format!("<b>{}</b>", edu(n).title)),
        "{}",
        sent.text
    );
}

/// «Gửi tin thử» on the channel page, with its CSRF token `csrf`.
async fn send_test_message(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    csrf: &str,
) -> reqwest::Response {
    post_form(
        client,
        &format!("{base}/admin/kenh/thu"),
        cookie,
        &[("csrf", csrf)],
    )
    .await
}

/// The part of the channel page that is set-aside message `seq`.
pub(crate) fn entry(page: &str, seq: u64) -> &str {
    let start = page
        .find(&format!("id=\"tin-{seq}\""))
        .unwrap_or_else(|| panic!("no #{seq} in\n{page}"));
    let end = page[start..]
        .find("</li>")
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

/// The number of the first message set aside on the page.
pub(crate) fn first_set_aside(page: &str) -> u64 {
    let at = page.find("id=\"tin-").expect("a message set aside") + "id=\"tin-".len();
    page[at..].split('"').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_aside_message_is_listed_sent_again_or_dropped_from_the_channel_page() {
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(BOT).await;
    let (base, mut d, _dir) = channel_daemon(&portal, &bot, BOT).await;
    let client = client();
    // No session, no page and no change: the login form.
    for path in ["/admin/kenh", "/admin/kenh/bo?tin=0"] {
        let (status, _) = get_page(&client, &format!("{base}{path}"), "").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
    }
    for path in ["/admin/kenh/gui-lai", "/admin/kenh/bo", "/admin/kenh/thu"] {
        let r = post_form(&client, &format!("{base}{path}"), "", &[("tin", "0")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[header::LOCATION], "/admin/login", "{path}");
    }
    let (_, cookie) = login(&client, &base, ADMIN).await;

    // A message Telegram refuses in both forms, with a title that must stay
    // text.
    refuse_next_message(&bot);
    let hostile = GenItem {
        title: format!("<script>alert(1)</script> {}", edu(1).title),
        summary: edu(1).summary,
    };
    portal.publish([hostile]);
    let page = page_with_set_aside(&client, &base, &cookie, 1).await;
    let seq = first_set_aside(&page);
    let listed = entry(&page, seq);
    for want in [
        "&lt;script&gt;alert(1)&lt;/script&gt; Thông báo tuyển sinh",
        "Telegram từ chối tin này, cả dạng chữ thường — Bad Request: message is too long",
        "vào hàng đợi",
        "để riêng",
        // Both times in the configured zone.
        "+05:30\"",
        "action=\"/admin/kenh/gui-lai\"",
        "Gửi lại",
    ] {
        assert!(listed.contains(want), "{want} in\n{listed}");
    }
    assert_eq!(listed.matches("+05:30\"").count(), 2, "{listed}");
    assert!(listed.contains(&format!("href=\"/admin/kenh/bo?tin={seq}\"")));
    assert!(!page.contains("<script"), "{page}");
    let csrf = hidden(&page, "csrf");
    let requests = bot.requests();
    assert!(bot.sent().is_empty());

    // Without the CSRF token (or with a wrong one) nothing changes.
    let n = seq.to_string();
    for (path, form) in [
        ("/admin/kenh/gui-lai", vec![("tin", n.as_str())]),
        ("/admin/kenh/gui-lai", vec![("tin", &n), ("csrf", "sai")]),
        ("/admin/kenh/bo", vec![("tin", &n)]),
        ("/admin/kenh/thu", vec![]),
    ] {
        let r = post_form(&client, &format!("{base}{path}"), &cookie, &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} {form:?}");
        assert!(r.text().await.unwrap().contains("Biểu mẫu không hợp lệ"));
    }
    // Asking to drop it is not dropping it.
    let (status, confirm) =
        get_page(&client, &format!("{base}/admin/kenh/bo?tin={seq}"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("Bỏ tin này") && !confirm.contains("<script"),
        "{confirm}"
    );
    let page = page_with_set_aside(&client, &base, &cookie, 1).await;
    assert_eq!(first_set_aside(&page), seq);
    assert_eq!(bot.requests(), requests, "nothing was sent");

    // «Gửi lại»: the channel sends it, and it is no longer set aside.
    let r = post_form(
        &client,
        &format!("{base}/admin/kenh/gui-lai"),
        &cookie,
        &[("csrf", &csrf), ("tin", &n)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, format!("/admin/kenh?da=gui-lai&tin={seq}"));
    let sent = bot.wait_for(1, Duration::from_secs(60)).await;
    assert!(
        sent[0]
            .text
            .starts_with("<b>&lt;script&gt;alert(1)&lt;/script&gt; Thông báo"),
        "{}",
        sent[0].text
    );
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(page.contains("Đã xếp lại tin vào hàng đợi"), "{page}");
    assert!(page.contains("Tin để riêng (0)") && page.contains("Không có tin nào bị để riêng."));
    d.wait_log(
        "web admin: set-aside Telegram message queued again",
        1,
        Duration::from_secs(10),
    )
    .await;

    // «Bỏ», confirmed: gone for good, never sent.
    refuse_next_message(&bot);
    portal.publish([GenItem {
        title: format!("<img src=x onerror=alert(2)> {}", edu(2).title),
        summary: edu(2).summary,
    }]);
    let page = page_with_set_aside(&client, &base, &cookie, 1).await;
    let seq = first_set_aside(&page);
    let (_, confirm) = get_page(&client, &format!("{base}/admin/kenh/bo?tin={seq}"), &cookie).await;
    assert!(
        confirm.contains("&lt;img src=x onerror=alert(2)&gt;") && !confirm.contains("<img"),
        "{confirm}"
    );
    assert_eq!(hidden(&confirm, "tin"), seq.to_string());
    let r = post_form(
        &client,
        &format!("{base}/admin/kenh/bo"),
        &cookie,
        &[
            ("csrf", &hidden(&confirm, "csrf")),
            ("tin", &hidden(&confirm, "tin")),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, format!("/admin/kenh?da=bo&tin={seq}"));
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(
        page.contains("Đã bỏ tin") && page.contains("Tin để riêng (0)"),
        "{page}"
    );
    // Dropped again: there is nothing left to drop.
    let r = post_form(
        &client,
        &format!("{base}/admin/kenh/bo"),
        &cookie,
        &[("csrf", &csrf), ("tin", &seq.to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(bot.sent().len(), 1, "the dropped one never went");

    // Two more, and «Gửi lại tất cả»: both go, in publication order.
    refuse_next_message(&bot);
    refuse_next_message(&bot);
    portal.publish([edu(3), edu(4)]);
    let page = page_with_set_aside(&client, &base, &cookie, 2).await;
    assert!(page.contains("Gửi lại tất cả"), "{page}");
    let r = post_form(
        &client,
        &format!("{base}/admin/kenh/gui-lai"),
        &cookie,
        &[("csrf", csrf.as_str()), ("tin", "tat-ca")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(
        page.contains("2 tin đã trở lại hàng đợi") && page.contains("Tin để riêng (0)"),
        "{page}"
    );
    let sent = bot.wait_for(3, Duration::from_secs(60)).await;
    assert_sent_item(&sent[1], 3);
    assert_sent_item(&sent[2], 4);
    d.wait_log(
        "web admin: set-aside Telegram message dropped",
        1,
        Duration::from_secs(10),
    )
    .await;
    assert!(d.log.iter().all(|l| !l.contains(BOT) && !l.contains(ADMIN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_message_reaches_the_channel_or_says_why_not() {
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(BOT).await;
    let (base, mut d, _dir) = channel_daemon(&portal, &bot, BOT).await;
    let client = client();
    let (_, cookie) = login(&client, &base, ADMIN).await;
    let (_, page) = get_page(&client, &format!("{base}/admin/kenh"), &cookie).await;
    assert!(page.contains("action=\"/admin/kenh/thu\"") && page.contains("Gửi tin thử"));
    let csrf = hidden(&page, "csrf");
    let test = async || {
        let r = send_test_message(&client, &base, &cookie, &csrf).await;
        (r.status(), r.text().await.unwrap())
    };

    let (status, page) = test().await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Đã gửi tin thử") && page.contains("@kenh_thu"),
        "{page}"
    );
    let sent = bot.sent();
    assert_eq!(sent.len(), 1, "exactly one test message: {sent:#?}");
    assert_eq!(sent[0].chat_id, "@kenh_thu");
    assert_eq!(sent[0].parse_mode, None, "plain text");
    assert!(
        sent[0]
            .text
            .starts_with("Tin thử của tinkhac (Tin thử): bot gửi được tin lên kênh này."),
        "{}",
        sent[0].text
    );
    d.wait_log(
        "web admin: test message sent to the Telegram channel",
        1,
        Duration::from_secs(10),
    )
    .await;

    // What Telegram answers instead, said in Vietnamese.
    for (failure, said) in [
        (Failure::ChatNotFound, "Không tìm thấy kênh"),
        (Failure::Forbidden, "Bot đã bị gỡ khỏi kênh"),
        (
            Failure::ServerError(502),
            "Không liên lạc được với máy chủ Telegram",
        ),
    ] {
        bot.fail_next(failure);
        let (status, page) = test().await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{said}");
        assert!(
            page.contains("Không gửi được tin thử") && page.contains(said),
            "{said} in\n{page}"
        );
    }
    // Too soon after the last: Telegram's 429 and its wait.
    bot.set_limits(Duration::from_secs(3600), 20);
    let (status, page) = test().await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        page.contains("Telegram yêu cầu gửi chậm lại (429): hãy thử lại sau 3"),
        "{page}"
    );
    assert_eq!(bot.sent().len(), 1, "none of those went through");
    d.wait_log(
        "web admin: test message not sent",
        4,
        Duration::from_secs(10),
    )
    .await;
    assert!(d.log.iter().all(|l| !l.contains(BOT) && !l.contains(ADMIN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_said_on_the_page_and_never_shown() {
    const WRONG: &str = "999999:WRONG-secret_token";
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(BOT).await;
    let (base, mut d, _dir) = channel_daemon(&portal, &bot, WRONG).await;
    let client = client();
    let (_, cookie) = login(&client, &base, ADMIN).await;
    let (_, page) = get_page(&client, &format!("{base}/admin/kenh"), &cookie).await;
    let r = send_test_message(&client, &base, &cookie, &hidden(&page, "csrf")).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Mã bot (token) không hợp lệ"), "{page}");
    assert!(
        !page.contains(WRONG) && !page.contains("WRONG-secret"),
        "{page}"
    );
    assert!(bot.sent().is_empty() && bot.requests() == 1);
    d.wait_log(
        "web admin: test message not sent",
        1,
        Duration::from_secs(10),
    )
    .await;
    assert!(
        d.log
            .iter()
            .all(|l| !l.contains("WRONG-secret") && !l.contains(ADMIN)),
        "{:#?}",
        d.log
    );
}

/// A channel paused because Telegram refused it (the bot was removed) waits
/// out a growing backoff; once the admin has fixed it, a test message that
/// goes through sends the queue on at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_message_that_goes_through_wakes_a_paused_channel() {
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(BOT).await;
    let (base, mut d, _dir) = channel_daemon(&portal, &bot, BOT).await;
    let client = client();
    let (_, cookie) = login(&client, &base, ADMIN).await;

    bot.set_forbidden(true);
    portal.publish([edu(1)]);
    d.wait_log("Telegram channel paused", 1, Duration::from_secs(60))
        .await;
    // A second refusal, 5 s later: the next try is 10 s after it.
    let refused = bot.requests();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while bot.requests() == refused {
        assert!(std::time::Instant::now() < deadline, "no second try");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(bot.sent().is_empty());

    // The admin adds the bot back and tries it.
    bot.set_forbidden(false);
    let (_, page) = get_page(&client, &format!("{base}/admin/kenh"), &cookie).await;
    assert!(
        page.contains("Bot đã bị gỡ khỏi kênh") || page.contains("tạm dừng"),
        "{page}"
    );
    let r = send_test_message(&client, &base, &cookie, &hidden(&page, "csrf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    d.wait_log(
        "the paused channel tries again now",
        1,
        Duration::from_secs(60),
    )
    .await;
    let sent = bot.wait_for(2, Duration::from_secs(60)).await;
    assert!(sent[0].text.starts_with("Tin thử của tinkhac"), "{sent:#?}");
    assert!(sent[1].text.contains(&edu(1).title), "{sent:#?}");
}

//! The messages Telegram refused for good ("set aside"): listed, queued
//! again and dropped, from the command line (on the store, and through the
//! running daemon's admin API) and from the web admin's «Kênh Telegram»
//! page; and that page's test message. Against the Bot API stand-in and the
//! real binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::standin::{BotStandIn, Failure};
use crate::support::{self, edu, Daemon, TestPortal};

/// The bot token the stand-in accepts.
pub(crate) const BOT: &str = "123456:KENH-set_aside";
/// The daemon's admin token (ASCII: the admin API gets it in a header).
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
/// only source (polled every second), the channel on the stand-in, and the
/// daemon on `port` (so that the commands find it there).
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
             [storage]\npath = \"store\"\n\n[fetch]\ninterval = \"10m\"\ntimeout = \"2s\"\n\n\
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
    assert!(
        sent[0]
            .text
            .starts_with(&format!("<b>{}</b>", edu(1).title)),
        "{}",
        sent[0].text
    );

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
    assert!(
        sent[1]
            .text
            .starts_with(&format!("<b>{}</b>", edu(2).title)),
        "{}",
        sent[1].text
    );
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

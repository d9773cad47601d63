//! The teachers' channel against a stand-in for the Bot API: what is sent,
//! once, in order, within the limits, and what happens when things break.

use std::sync::Arc;
use std::time::Duration;

use tinkhac::daemon::{poll_all, Poller};
use tinkhac::notify::telegram::Secret;
use tinkhac::notify::Outbox;
use tinkhac::runtime::{App, Secrets};
use tinkhac::store::Store;

use crate::standin::{BotStandIn, Failure};
use crate::support::{self, edu, other, GenItem, TestConfig, TestPortal};

const TOKEN: &str = "123456:TEST-token_abc";

/// A configuration with the generated feed as its only source, the shipped
/// topics, and the channel pointed at the stand-in.
fn tg_config(portal: &TestPortal, bot: &BotStandIn, extra: &str) -> TestConfig {
    // A timeout of 3 s unless `extra` sets its own.
    let timeout = if extra.contains("timeout") {
        ""
    } else {
        "timeout = \"3s\"\n"
    };
    // Top-level tables (`[limits]`) go before the sources, the rest into
    // `[telegram]`.
    let (top, extra) = match extra.split_once("[telegram]\n") {
        Some((top, rest)) => (top, rest),
        None => ("", extra),
    };
    support::config(&format!(
        "{top}[[source]]\nid = \"gen\"\nname = \"Sở GD&ĐT <thử>\"\nurl = \"{}\"\ninterval = \"1s\"\n\n{}\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"{}\"\n{timeout}{extra}\n",
        portal.url("/gen/giao-duc.rss"),
        support::shipped_topics_toml(),
        bot.api_url(),
    ))
}

struct Rig {
    portal: TestPortal,
    bot: BotStandIn,
    cfg: TestConfig,
    store: Store,
    poller: Arc<Poller>,
}

async fn rig(extra: &str) -> Rig {
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(TOKEN).await;
    let cfg = tg_config(&portal, &bot, extra);
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Arc::new(Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap());
    Rig {
        portal,
        bot,
        cfg,
        store,
        poller,
    }
}

impl Rig {
    fn outbox(&self, token: &str) -> Outbox {
        Outbox::new(
            tokio::sync::watch::channel(Arc::new(self.cfg.config.clone())).1,
            self.store.clone(),
            Some(Secret::new(token)),
        )
        .unwrap()
        .expect("a [telegram] section")
    }

    /// The daemon on this rig's configuration and store, with the token,
    /// until `stop`.
    fn app(
        &self,
        listener: tokio::net::TcpListener,
        stop: tokio_util::sync::CancellationToken,
    ) -> impl std::future::Future<Output = anyhow::Result<()>> {
        let app = App::build(
            Arc::new(self.cfg.config.clone()),
            self.store.clone(),
            Secrets {
                bot_token: Some(Secret::new(TOKEN)),
                admin_token: None,
            },
        )
        .unwrap();
        app.run(listener, stop)
    }

    async fn poll_and_drain(&self) -> Vec<String> {
        let reports = poll_all(self.poller.clone()).await;
        assert!(reports.iter().all(|r| r.outcome.is_ok()), "{reports:?}");
        let stop = tokio_util::sync::CancellationToken::new();
        self.outbox(TOKEN).drain(&stop).await.unwrap()
    }
}

fn titles(bot: &BotStandIn) -> Vec<String> {
    bot.sent()
        .iter()
        .map(|s| s.text.lines().next().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_new_education_items_are_sent_once_and_in_order() {
    let r = rig("").await;
    // The first poll of a new source is its backlog: stored, not pushed.
    r.portal.publish([edu(1), other(1), edu(2)]);
    assert!(r.poll_and_drain().await.is_empty());
    assert_eq!(r.store.item_count(), 3);
    assert!(r.bot.sent().is_empty(), "first-poll suppression");

    r.portal.publish([edu(3), other(2), edu(4)]);
    let sent = r.poll_and_drain().await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        titles(&r.bot),
        [
            format!("<b>{}</b>", edu(3).title),
            format!("<b>{}</b>", edu(4).title)
        ]
    );
    let m = &r.bot.sent()[0];
    assert_eq!(m.chat_id, "@kenh_thu");
    assert_eq!(m.parse_mode.as_deref(), Some("HTML"));
    assert!(
        m.text.contains("Sở GD&amp;ĐT &lt;thử&gt; · 24/12/2025"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("<a href=\"https://so-gddt.test/tin/3\">"),
        "{}",
        m.text
    );

    // A second poll finds nothing new and sends nothing.
    assert!(r.poll_and_drain().await.is_empty());
    assert_eq!(r.bot.sent().len(), 2);
    assert_eq!(r.store.outbox_len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_text_is_escaped_and_a_huge_teaser_fits_4096() {
    // Teasers beyond [limits] summary_chars (2,000) are cut before they are
    // stored; raised here, the message itself must still fit 4096.
    let r = rig("[limits]\nsummary_chars = 30000\n[telegram]\n").await;
    r.portal.publish([edu(1)]);
    r.poll_and_drain().await;
    r.portal.publish([
        GenItem {
            title: "Học sinh hỏi: điểm <THPT> & \"chỉ tiêu\" > 2025?".into(),
            // RSS descriptions are HTML: the tags go, the escaped text stays.
            summary: "Giáo viên <b>trả lời</b>: điểm &lt;THPT&gt; &amp; chỉ tiêu.".into(),
        },
        GenItem {
            title: "Tuyển sinh đầu cấp: hướng dẫn chi tiết cho phụ huynh học sinh".into(),
            summary: "Hướng dẫn học sinh đăng ký dự tuyển. ".repeat(600),
        },
    ]);
    let sent = r.poll_and_drain().await;
    assert_eq!(
        sent.len(),
        2,
        "the stand-in accepted both: valid HTML, within 4096"
    );
    let first = &r.bot.sent()[0].text;
    assert!(
        first.starts_with(
            "<b>Học sinh hỏi: điểm &lt;THPT&gt; &amp; &quot;chỉ tiêu&quot; &gt; 2025?</b>"
        ),
        "{first}"
    );
    assert!(
        first.contains("Giáo viên trả lời: điểm &lt;THPT&gt; &amp; chỉ tiêu."),
        "{first}"
    );
    let huge = &r.bot.sent()[1].text;
    let visible = tinkhac::notify::message::visible_text(huge);
    let units: usize = visible.chars().map(char::len_utf16).sum();
    assert!(units <= 4096 && units > 4000, "{units}");
    assert!(huge.ends_with("\">Xem chi tiết</a>"), "the link survives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_429_are_waited_out_and_everything_arrives_in_order() {
    // Our own limiter set faster than the stand-in allows: it must answer 429.
    let r = rig("min_interval = \"100ms\"").await;
    r.portal.publish([edu(0)]);
    r.poll_and_drain().await;
    r.portal.publish((1..=4).map(edu));
    let sent = r.poll_and_drain().await;
    assert_eq!(sent.len(), 4);
    assert!(r.bot.rejected_429() >= 1, "the stand-in enforced its limit");
    let want: Vec<String> = (1..=4)
        .map(|n| format!("<b>{}</b>", edu(n).title))
        .collect();
    assert_eq!(titles(&r.bot), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_timeouts_are_retried_without_loss() {
    let r = rig("").await;
    r.portal.publish([edu(0)]);
    r.poll_and_drain().await;
    r.bot.fail_next(Failure::Hang);
    r.bot.fail_next(Failure::ServerError(502));
    r.portal.publish((1..=2).map(edu));
    let stop = tokio_util::sync::CancellationToken::new();
    poll_all(r.poller.clone()).await;
    let sent = r.outbox(TOKEN).drain(&stop).await.unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(titles(&r.bot).len(), 2);
    assert!(r.bot.requests() >= 4, "two failed tries, then two sends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_token_pauses_keeps_the_queue_and_never_shows_the_token() {
    let r = rig("").await;
    r.portal.publish([edu(0)]);
    r.poll_and_drain().await;
    r.portal.publish([edu(1)]);
    poll_all(r.poller.clone()).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let mut outbox = r.outbox("999:WRONG-secret");
    assert!(outbox.drain(&stop).await.unwrap().is_empty());
    let st = outbox.status().lock().unwrap().clone();
    assert_eq!(st.mode.to_string(), "paused");
    let why = st.paused_reason.unwrap();
    assert!(why.contains("token is invalid"), "{why}");
    assert!(!why.contains("WRONG-secret"), "{why}");
    assert_eq!(r.store.outbox_len(), 1, "nothing lost");
    // With the right token the same queue goes out.
    assert_eq!(r.outbox(TOKEN).drain(&stop).await.unwrap().len(), 1);
}

/// Drain, or fail the test after a minute with what reached the channel (a
/// worker that keeps re-sending would never stop).
async fn drain_within_a_minute(outbox: &mut Outbox, bot: &BotStandIn) -> Vec<String> {
    let stop = tokio_util::sync::CancellationToken::new();
    match tokio::time::timeout(Duration::from_secs(60), outbox.drain(&stop)).await {
        Ok(sent) => sent.unwrap(),
        Err(_) => panic!(
            "the drain did not end within a minute; deliveries: {:#?}",
            deliveries(bot)
        ),
    }
}

/// How often each title reached the channel, in order of first arrival.
fn deliveries(bot: &BotStandIn) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for t in titles(bot) {
        match out.iter_mut().find(|(seen, _)| *seen == t) {
            Some((_, n)) => *n += 1,
            None => out.push((t, 1)),
        }
    }
    out
}

fn bold(n: usize) -> String {
    format!("<b>{}</b>", edu(n).title)
}

/// A Bot API slower than `[telegram] timeout` used to get each message again
/// after every timeout: one message reached the channel 6-7 times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_api_slower_than_every_timeout_delivers_a_message_at_most_twice() {
    // Timeout 1 s, so the re-send waits 1 s and may take 2 s; the stand-in
    // posts each message at once and answers 5 s later.
    let r = rig("timeout = \"1s\"").await;
    r.portal.publish([edu(0)]);
    r.poll_and_drain().await;
    r.portal.publish([edu(1), edu(2)]);
    poll_all(r.poller.clone()).await;
    r.bot.set_answer_delay(Duration::from_secs(5));
    let mut outbox = r.outbox(TOKEN);
    let sent = drain_within_a_minute(&mut outbox, &r.bot).await;
    assert!(sent.is_empty(), "nothing was confirmed: {sent:#?}");
    // Sent, timed out, sent once more, timed out again: set aside, and the
    // channel waits for the Bot API to answer at all before the next one.
    assert_eq!(deliveries(&r.bot), [(bold(1), 2)]);
    assert_eq!(r.store.dead_len(), 1, "the message is kept, set aside");
    assert_eq!(r.store.outbox_len(), 1, "the next one waits in the queue");
    let st = outbox.status().lock().unwrap().clone();
    assert_eq!(st.mode.to_string(), "paused");
    let why = st.paused_reason.unwrap_or_default();
    assert!(why.contains("does not answer within 2s"), "{why}");

    // Telegram answers promptly again: the queue moves on, nothing repeats.
    r.bot.set_answer_delay(Duration::ZERO);
    let sent = drain_within_a_minute(&mut outbox, &r.bot).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(deliveries(&r.bot), [(bold(1), 2), (bold(2), 1)]);
    assert_eq!(outbox.status().lock().unwrap().mode.to_string(), "active");
    assert_eq!(r.store.outbox_len(), 0);
}

/// The bound holds across a restart: a send that timed out is remembered
/// in the store, so a new worker re-sends it once, not twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_send_is_remembered_across_a_restart() {
    let r = rig("timeout = \"1s\"").await;
    r.portal.publish([edu(0)]);
    r.poll_and_drain().await;
    r.portal.publish([edu(1)]);
    poll_all(r.poller.clone()).await;
    r.bot.set_answer_delay(Duration::from_secs(5));
    // The first worker stops while its first send waits for an answer; the
    // send ends (timed out) before the worker does.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut first = r.outbox(TOKEN);
    let worker = {
        let stop = stop.clone();
        tokio::spawn(async move { first.drain(&stop).await })
    };
    r.bot.wait_for(1, Duration::from_secs(30)).await;
    stop.cancel();
    assert!(worker.await.unwrap().unwrap().is_empty());
    assert_eq!(r.store.outbox_len(), 1, "still queued");
    // A new worker (a restart): one more send, which times out too.
    let mut second = r.outbox(TOKEN);
    assert!(drain_within_a_minute(&mut second, &r.bot).await.is_empty());
    assert_eq!(deliveries(&r.bot), [(bold(1), 2)]);
    assert_eq!(r.store.dead_len(), 1);
}

/// One slow spell repeats at most one message: after a timeout the worker
/// waits, re-sends with a longer timeout, and keeps that timeout while the
/// Bot API stays slow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_spell_within_the_longer_timeout_repeats_one_message_once() {
    let r = rig("timeout = \"1s\"").await;
    r.portal.publish([edu(0)]);
    r.poll_and_drain().await;
    r.portal.publish((1..=3).map(edu));
    poll_all(r.poller.clone()).await;
    // Slower than the 1 s timeout, faster than the 2 s one.
    r.bot.set_answer_delay(Duration::from_millis(1500));
    let mut outbox = r.outbox(TOKEN);
    let sent = drain_within_a_minute(&mut outbox, &r.bot).await;
    assert_eq!(sent.len(), 3, "all three confirmed");
    assert_eq!(
        deliveries(&r.bot),
        [(bold(1), 2), (bold(2), 1), (bold(3), 1)]
    );
    assert_eq!(r.store.dead_len(), 0);
    assert_eq!(outbox.status().lock().unwrap().mode.to_string(), "active");

    // Back to prompt answers: still one delivery each.
    r.bot.set_answer_delay(Duration::ZERO);
    r.portal.publish((4..=5).map(edu));
    poll_all(r.poller.clone()).await;
    assert_eq!(drain_within_a_minute(&mut outbox, &r.bot).await.len(), 2);
    assert_eq!(
        deliveries(&r.bot),
        [
            (bold(1), 2),
            (bold(2), 1),
            (bold(3), 1),
            (bold(4), 1),
            (bold(5), 1)
        ]
    );
}

/// GET a URL until `ok` says yes, or fail after 60 s.
async fn eventually_json(url: &str, ok: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(resp) = reqwest::get(url).await {
            if let Ok(v) = resp.json::<serde_json::Value>().await {
                if ok(&v) {
                    return v;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "condition never met; last: {v}"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_bot_pauses_the_channel_and_it_resumes_when_fixed() {
    let r = rig("").await;
    r.portal.publish([edu(0)]);
    // Prime in the foreground, then let the daemon run.
    poll_all(r.poller.clone()).await;
    let token_file = r.cfg.path.with_file_name("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let health = format!("http://{}/healthz", listener.local_addr().unwrap());
    let stop = tokio_util::sync::CancellationToken::new();
    let daemon = tokio::spawn(r.app(listener, stop.clone()));
    r.bot.set_forbidden(true);
    r.portal.publish([edu(1), edu(2)]);
    let v = eventually_json(&health, |v| v["telegram"]["mode"] == "paused").await;
    assert_eq!(v["status"], "degraded");
    let why = v["telegram"]["paused_reason"].as_str().unwrap();
    assert!(
        why.contains("administrator"),
        "the admin is told what to fix: {why}"
    );
    assert_eq!(v["telegram"]["queue"], 2);
    assert!(r.bot.sent().is_empty());

    r.bot.set_forbidden(false);
    let sent = r.bot.wait_for(2, Duration::from_secs(60)).await;
    assert_eq!(sent.len(), 2);
    // Accepted by Telegram, taken off the queue, counted: wait for all three.
    eventually_json(&health, |v| {
        let t = &v["telegram"];
        t["mode"] == "active" && t["queue"] == 0 && t["sent"] == 2
    })
    .await;
    stop.cancel();
    daemon.await.unwrap().unwrap();
}

/// The binary, killed or stopped mid-drain and started again: every item
/// reaches the channel; a kill repeats at most the one message in flight, a
/// clean stop repeats nothing.
async fn stop_mid_drain_and_restart(signal: &str, max_repeats: usize) {
    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(TOKEN).await;
    let cfg = tg_config(&portal, &bot, "");
    let env = [("TELEGRAM_BOT_TOKEN", TOKEN)];
    portal.publish([edu(0)]);
    let mut d = support::Daemon::start(&cfg.path, &env);
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;
    portal.publish((1..=6).map(edu));
    bot.wait_for(2, Duration::from_secs(60)).await;
    d.signal(signal);
    let (status, log) = d.wait().await;
    if signal == "TERM" {
        assert!(status.success(), "{log:#?}");
        assert!(log.iter().any(|l| l.contains("store flushed")), "{log:#?}");
    }
    assert!(
        !log.iter().any(|l| l.contains(TOKEN)),
        "the token never reaches the log"
    );

    let d = support::Daemon::start(&cfg.path, &env);
    let want: Vec<String> = (1..=6)
        .map(|n| format!("<b>{}</b>", edu(n).title))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let got = titles(&bot);
        if want.iter().all(|w| got.contains(w)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all delivered: {got:#?}"
        );
        bot.wait_for(got.len() + 1, deadline - tokio::time::Instant::now())
            .await;
    }
    d.signal("TERM");
    let (status, log) = d.wait().await;
    assert!(status.success(), "{log:#?}");
    let got = titles(&bot);
    let mut first_seen: Vec<&String> = Vec::new();
    for t in &got {
        if !first_seen.contains(&t) {
            first_seen.push(t);
        }
    }
    assert_eq!(
        first_seen,
        want.iter().collect::<Vec<_>>(),
        "in publication order"
    );
    let repeats = got.len() - want.len();
    assert!(
        repeats <= max_repeats,
        "{repeats} repeats after kill -{signal}: {got:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_drain_loses_nothing_and_repeats_at_most_one() {
    stop_mid_drain_and_restart("KILL", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_drain_repeats_nothing() {
    stop_mid_drain_and_restart("TERM", 0).await;
}

/// Stale bylines after a reload: the outbox kept the configuration it started
/// with, so a source renamed (or added) by a reload was still shown by its
/// old name (or its id) in the messages that followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_renamed_by_a_reload_has_its_new_name_in_the_next_message() {
    const OLD: &str = "Sở GD&amp;ĐT &lt;thử&gt;";
    const NEW: &str = "Phòng Giáo dục Thủy Nguyên";
    let r = rig("").await;
    r.portal.publish([edu(0)]);
    // Prime in the foreground, then let the daemon run.
    poll_all(r.poller.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let status = format!("http://{}/status.json", listener.local_addr().unwrap());
    let stop = tokio_util::sync::CancellationToken::new();
    let daemon = tokio::spawn(r.app(listener, stop.clone()));

    r.portal.publish([edu(1)]);
    let sent = r.bot.wait_for(1, Duration::from_secs(60)).await;
    assert!(sent[0].text.contains(OLD), "{}", sent[0].text);

    // Rename the source as an editor would save the file: a new file
    // renamed over the old one.
    let text = std::fs::read_to_string(&r.cfg.path).unwrap();
    let renamed = text.replace("name = \"Sở GD&ĐT <thử>\"", &format!("name = \"{NEW}\""));
    assert_ne!(text, renamed);
    let tmp = r.cfg.path.with_file_name("feeds.toml.new");
    std::fs::write(&tmp, renamed).unwrap();
    std::fs::rename(&tmp, &r.cfg.path).unwrap();
    eventually_json(&status, |v| v["sources"][0]["name"] == NEW).await;

    r.portal.publish([edu(2)]);
    let sent = r.bot.wait_for(2, Duration::from_secs(60)).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[1]
        .text
        .starts_with(&format!("<b>{}</b>", edu(2).title)));
    assert!(
        sent[1].text.contains(NEW) && !sent[1].text.contains(OLD),
        "the byline after the reload: {}",
        sent[1].text
    );
    stop.cancel();
    daemon.await.unwrap().unwrap();
}

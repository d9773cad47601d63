//! The crash harness: the real binary killed with SIGKILL at random moments
//! while it polls and sends, against the loopback portal and the Bot API
//! stand-in, then started again.
//!
//! An ordinary `cargo test` kills it [`DEFAULT_RUNS`] times; the full run
//! sets `TINKHAC_CRASH_RUNS` (a number of runs, or anything else for 50);
//! `TINKHAC_CRASH_SEED` replays a run. For example:
//!
//! ```sh
//! TINKHAC_CRASH_RUNS=50 cargo test --release --test it crash -- --nocapture
//! ```
//!
//! After every kill: the daemon starts again on the same store (sled opens).
//! At the end, after a clean stop: every published item is in the store
//! (`tinkhac export`) and every education item reached the channel, with at
//! most one repeat per kill, first deliveries in publication order.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use crate::standin::BotStandIn;
use crate::support::{self, edu, other, Daemon, GenItem, TestConfig, TestPortal};

const TOKEN: &str = "123456:CRASH-token_abc";
const WAIT: Duration = Duration::from_secs(60);

fn config(portal: &TestPortal, bot: &BotStandIn) -> TestConfig {
    support::config(&format!(
        "[[source]]\nid = \"gen\"\nname = \"Sở GD&ĐT\"\nurl = \"{}\"\ninterval = \"1s\"\n\n{}\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"{}\"\ntimeout = \"3s\"\nmin_interval = \"100ms\"\nper_minute = 100000\n",
        portal.url("/gen/giao-duc.rss"),
        support::shipped_topics_toml(),
        bot.api_url(),
    ))
}

/// The headline of each accepted message, in order.
fn titles(bot: &BotStandIn) -> Vec<String> {
    bot.sent()
        .iter()
        .map(|s| s.text.lines().next().unwrap_or("").to_string())
        .collect()
}

fn headline(g: &GenItem) -> String {
    format!("<b>{}</b>", g.title)
}

/// Everything the publisher has put in the generated feed, and which of it
/// the channel must get.
struct Published {
    all: Vec<GenItem>,
    channel: Vec<String>,
}

impl Published {
    /// Publish `edu` education items and maybe one other.
    fn publish(&mut self, portal: &TestPortal, edu_count: usize, with_other: bool) {
        let mut batch = Vec::new();
        for _ in 0..edu_count {
            let g = edu(self.all.len() + batch.len());
            self.channel.push(headline(&g));
            batch.push(g);
        }
        if with_other {
            batch.push(other(self.all.len() + batch.len()));
        }
        self.all.extend(batch.iter().cloned());
        portal.publish(batch);
    }
}

/// How a run ends.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// After a random delay from the start (start-up, store opening, polls).
    Delay(Duration),
    /// Right after the channel accepted this many more messages, plus a
    /// small random delay (mid-drain).
    AfterSends(usize, Duration),
    /// After the n-th poll of the run, plus a small random delay (between
    /// storing new items and queueing or sending them).
    AfterPolls(usize, Duration),
}

/// Kills in an ordinary `cargo test`: one of each kind is likely, and the
/// whole test stays within a few seconds per kill.
const DEFAULT_RUNS: usize = 4;

fn runs_wanted() -> usize {
    std::env::var("TINKHAC_CRASH_RUNS").map_or(DEFAULT_RUNS, |v| v.trim().parse().unwrap_or(50))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_nothing_and_repeats_at_most_one_per_kill() {
    let runs = runs_wanted();
    let seed = std::env::var("TINKHAC_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("crash harness: {runs} runs, TINKHAC_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);

    let portal = TestPortal::start().await;
    let bot = BotStandIn::start(TOKEN).await;
    bot.set_limits(Duration::ZERO, 0);
    let cfg = config(&portal, &bot);
    let env = [("TELEGRAM_BOT_TOKEN", TOKEN)];
    let mut published = Published {
        all: Vec::new(),
        channel: Vec::new(),
    };

    // Prime: the first poll of a new source is its backlog, stored but not
    // pushed. A clean stop after it.
    published.publish(&portal, 1, true);
    published.channel.clear();
    let mut d = Daemon::start(&cfg.path, &env);
    d.wait_log(" polled ", 1, WAIT).await;
    d.signal("TERM");
    let (status, log) = d.wait().await;
    assert!(status.success(), "{log:#?}");

    // How many messages had been accepted when each kill happened.
    let mut sent_at_kill = Vec::new();
    let mut moments = Vec::new();
    for run in 0..runs {
        published.publish(&portal, rng.usize(0..=3), rng.bool());
        let mut d = Daemon::start(&cfg.path, &env);
        let moment = match rng.u8(0..3) {
            0 => Moment::Delay(Duration::from_millis(rng.u64(0..2500))),
            1 => {
                // Something to send during this run, then kill mid-drain.
                published.publish(&portal, rng.usize(1..=4), false);
                let pending = published.channel.len()
                    - unique(&titles(&bot))
                        .iter()
                        .filter(|t| published.channel.contains(t))
                        .count();
                Moment::AfterSends(
                    rng.usize(1..=pending.max(1)),
                    Duration::from_millis(rng.u64(0..40)),
                )
            }
            _ => Moment::AfterPolls(rng.usize(1..=3), Duration::from_millis(rng.u64(0..150))),
        };
        match moment {
            Moment::Delay(delay) => tokio::time::sleep(delay).await,
            Moment::AfterSends(n, delay) => {
                let before = bot.sent().len();
                // Polls go on meanwhile; publish more after the first one.
                d.wait_log(" polled ", 1, WAIT).await;
                bot.wait_for(before + n, WAIT).await;
                tokio::time::sleep(delay).await;
            }
            Moment::AfterPolls(n, delay) => {
                d.wait_log(" polled ", 1, WAIT).await;
                published.publish(&portal, rng.usize(0..=3), rng.bool());
                d.wait_log(" polled ", n, WAIT).await;
                tokio::time::sleep(delay).await;
            }
        }
        d.signal("KILL");
        let (status, log) = d.wait().await;
        assert_eq!(
            status.signal(),
            Some(9),
            "run {run}: the daemon ended on its own before the kill ({moment:?}): {status:?}\n{}",
            log.join("\n")
        );
        sent_at_kill.push(bot.sent().len());
        moments.push(moment);
        if let Moment::AfterSends(..) | Moment::AfterPolls(..) = moment {
            // It got far enough to have opened the store; a kill during a
            // delay may have landed before, and the next start checks it.
            assert!(log.iter().any(|l| l.contains(" polled ")), "run {run}");
        }
    }

    // The last start: everything arrives, then a clean stop.
    let mut d = Daemon::start(&cfg.path, &env);
    d.wait_log(" polled ", 1, WAIT).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let got = titles(&bot);
        if published.channel.iter().all(|w| got.contains(w)) {
            break;
        }
        let now = tokio::time::Instant::now();
        assert!(
            now < deadline,
            "seed {seed}: not all delivered; missing {:#?}",
            published
                .channel
                .iter()
                .filter(|w| !got.contains(w))
                .collect::<Vec<_>>()
        );
        bot.wait_for(got.len() + 1, deadline - now).await;
    }
    d.signal("TERM");
    let (status, log) = d.wait().await;
    assert!(status.success(), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("store flushed")), "{log:#?}");

    // The store holds every published item.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .arg("--config")
        .arg(&cfg.path)
        .arg("export")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let export = String::from_utf8(out.stdout).unwrap();
    for n in 0..published.all.len() {
        let link = format!("\"https://so-gddt.test/tin/{n}\"");
        assert!(
            export.contains(&link),
            "seed {seed}: item {n} is not in the store"
        );
    }
    let feed = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .arg("--config")
        .arg(&cfg.path)
        .arg("feed")
        .output()
        .unwrap();
    assert!(feed.status.success(), "{feed:?}");

    // At most one repeat per kill: the repeats accepted between one kill
    // and the next are that kill's.
    let got = titles(&bot);
    let mut seen = std::collections::HashSet::new();
    let mut repeats_after = vec![0usize; runs + 1];
    for (i, t) in got.iter().enumerate() {
        if !seen.insert(t.clone()) {
            let kill = sent_at_kill.iter().take_while(|&&k| k <= i).count();
            repeats_after[kill] += 1;
        }
    }
    assert!(published.channel.iter().all(|t| seen.contains(t)));
    assert_eq!(seen.len(), published.channel.len(), "nothing else was sent");
    assert_eq!(repeats_after[0], 0, "no repeat before any kill");
    for (k, &r) in repeats_after.iter().enumerate().skip(1) {
        assert!(
            r <= 1,
            "seed {seed}: {r} repeats after kill {k} ({:?})",
            moments[k - 1]
        );
    }
    let in_order = unique(&got) == published.channel;
    let total: usize = repeats_after.iter().sum();
    eprintln!(
        "crash harness: seed {seed}, {runs} kills ({} after a delay, {} mid-drain, {} after a poll), \
         {} items published, {} sent to the channel, {} accepted messages, {total} repeats, \
         first deliveries in publication order: {in_order}",
        moments.iter().filter(|m| matches!(m, Moment::Delay(_))).count(),
        moments.iter().filter(|m| matches!(m, Moment::AfterSends(..))).count(),
        moments.iter().filter(|m| matches!(m, Moment::AfterPolls(..))).count(),
        published.all.len(),
        published.channel.len(),
        got.len(),
    );
    assert!(
        in_order,
        "seed {seed}: first deliveries out of publication order: {:#?}",
        unique(&got)
    );
}

/// First occurrences, in order.
fn unique(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in v {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// A feed whose `ETag` can change while its items do not (a quiet 200),
/// answering 304 to the current one, and recording each request's
/// `If-None-Match`.
#[derive(Clone, Default)]
struct Revalidating {
    version: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    asked: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

impl Revalidating {
    async fn start(&self) -> String {
        use axum::http::{header, HeaderMap, StatusCode};
        use axum::response::IntoResponse;
        let me = self.clone();
        let app = axum::Router::new().route(
            "/feed.rss",
            axum::routing::get(move |headers: HeaderMap| {
                let me = me.clone();
                async move {
                    let asked = headers
                        .get(header::IF_NONE_MATCH)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    me.asked.lock().unwrap().push(asked.clone());
                    let etag = format!(
                        "\"v{}\"",
                        me.version.load(std::sync::atomic::Ordering::SeqCst)
                    );
                    if asked.as_deref() == Some(etag.as_str()) {
                        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
                    }
                    let items: String = (1..=2)
                        .map(|n| {
                            format!(
                                "<item><title>Tin số {n}</title><link>https://tin.test/{n}</link>\
                                 <pubDate>Tue, 23 Dec 2025 0{n}:00:00 +0700</pubDate></item>"
                            )
                        })
                        .collect();
                    let xml = format!(
                        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
                         <link>https://tin.test/</link><description>d</description>{items}\
                         </channel></rss>"
                    );
                    (
                        [
                            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
                            (header::ETAG, etag),
                        ],
                        xml,
                    )
                        .into_response()
                }
            }),
        );
        format!("http://{}/feed.rss", support::stand_in(app).await)
    }

    fn asked(&self) -> Vec<Option<String>> {
        self.asked.lock().unwrap().clone()
    }
}

/// A quiet poll's state is kept in memory, not synced; a kill after one
/// loses at most that state. Here the quiet polls learnt a new `ETag`
/// ("v2", a 200 listing only known items, then a 304): after the kill the
/// daemon asks with the last stored one ("v1"), so it fetches the feed in
/// full once, stores nothing twice and has lost nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_quiet_polls_costs_one_full_fetch_and_nothing_else() {
    let feed = Revalidating::default();
    feed.version.store(1, std::sync::atomic::Ordering::SeqCst);
    let url = feed.start().await;
    let cfg = support::config(&format!(
        "[[source]]\nid = \"q\"\nname = \"Quiet\"\nurl = \"{url}\"\ninterval = \"1s\"\n"
    ));
    let env = [("RUST_LOG", "tinkhac=debug")];
    let mut d = Daemon::start(&cfg.path, &env);
    d.wait_log(" polled ", 1, WAIT).await;
    // Same items, new ETag: the next poll is a 200 with nothing new.
    feed.version.store(2, std::sync::atomic::Ordering::SeqCst);
    // Kill right after a 304 to the new ETag (the bump may race the poll
    // after the first; a 304 to "v1" then comes first).
    for n in 1.. {
        d.wait_log("not modified", n, WAIT).await;
        if feed.asked().last().unwrap().as_deref() == Some("\"v2\"") {
            break;
        }
        assert!(n < 5, "{:?}", feed.asked());
    }
    d.signal("KILL");
    let (status, log) = d.wait().await;
    assert_eq!(status.signal(), Some(9), "{log:#?}");
    let asked = feed.asked();
    assert_eq!(asked[0], None, "the first fetch is unconditional");
    assert_eq!(
        asked.last().unwrap().as_deref(),
        Some("\"v2\""),
        "the 304 answered the ETag the quiet 200 brought: {asked:?}"
    );
    let before = asked.len();

    let mut d = Daemon::start(&cfg.path, &env);
    d.wait_log(" polled ", 1, WAIT).await;
    let polled = d
        .log
        .iter()
        .find(|l| l.contains(" polled "))
        .unwrap()
        .clone();
    d.signal("TERM");
    let (status, log) = d.wait().await;
    assert!(status.success(), "{log:#?}");
    assert_eq!(
        feed.asked()[before].as_deref(),
        Some("\"v1\""),
        "after the kill, the last stored ETag: one full fetch"
    );
    assert!(
        polled.contains("found=2") && polled.contains("new=0"),
        "the full fetch stores nothing new: {polled}"
    );
    let out = support::tinkhac(&cfg.path, &["export"]);
    assert!(out.status.success(), "{out:?}");
    let export = String::from_utf8(out.stdout).unwrap();
    assert_eq!(export.lines().count(), 2, "both items, once each: {export}");
    for n in 1..=2 {
        assert!(
            export.contains(&format!("\"https://tin.test/{n}\"")),
            "{export}"
        );
    }
}

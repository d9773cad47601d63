//! Whose clock counts: retention and "dated in the future" are judged by a
//! local clock cross-checked against the portals' own `Date` headers. The
//! portal here tells a time of its choosing (a local clock running ahead or
//! behind, seen from the portal), and dates its items by that time.

use std::sync::Arc;
use std::time::Duration;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use tinkhac::config::Config;
use tinkhac::daemon::{poll_all, Poller};
use tinkhac::store::{Filter, Store};
use tokio_util::sync::CancellationToken;

/// A portal whose clock is `skew` away from the local one: its `Date`
/// header says `local now + skew`, and its feed lists items `ages` before
/// that time (a negative age: after it).
struct SkewedPortal {
    url: String,
}

const DAY: i64 = 86_400;

impl SkewedPortal {
    async fn start(skew: chrono::Duration, items: &[(&'static str, chrono::Duration)]) -> Self {
        let items: Vec<(&'static str, chrono::Duration)> = items.to_vec();
        let app = Router::new().route(
            "/tin.rss",
            get(move || {
                let items = items.clone();
                async move {
                    let portal_now = Utc::now() + skew;
                    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Cổng thử</title><link>https://cong-thu.test/</link><description>Tin</description>\n");
                    for (n, (title, age)) in items.iter().enumerate() {
                        xml += &format!(
                            "<item><title>{title}</title><link>https://cong-thu.test/tin/{n}</link><pubDate>{}</pubDate></item>\n",
                            (portal_now - *age).to_rfc2822()
                        );
                    }
                    xml += "</channel></rss>\n";
                    let date = portal_now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                    (
                        [
                            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
                            (header::DATE, date),
                        ],
                        xml,
                    )
                }
            }),
        );
        let addr = crate::support::stand_in(app).await;
        SkewedPortal {
            url: format!("http://{addr}/tin.rss"),
        }
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    config: Arc<Config>,
    store: Store,
    _portal: SkewedPortal,
}

/// One source on the portal; `[storage] retention = "400d"`.
async fn rig(skew_days: i64, items: &[(&'static str, chrono::Duration)]) -> Rig {
    let portal = SkewedPortal::start(chrono::Duration::seconds(skew_days * DAY), items).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ntitle = \"Tin thử\"\n\n[storage]\npath = \"store\"\nretention = \"400d\"\n\n[fetch]\ninterval = \"1s\"\ntimeout = \"2s\"\n\n[[source]]\nid = \"cong\"\nurl = \"{}\"\n",
            portal.url
        ),
    )
    .unwrap();
    let config = Arc::new(Config::load(&path).unwrap());
    let store = Store::open(&config.storage.path, 1 << 20).unwrap();
    Rig {
        _dir: dir,
        config,
        store,
        _portal: portal,
    }
}

impl Rig {
    /// One poll in the foreground (the store then holds the items).
    async fn poll(&self) {
        let poller = Arc::new(Poller::new(self.config.clone(), self.store.clone()).unwrap());
        let reports = poll_all(poller).await;
        assert!(reports.iter().all(|r| r.outcome.is_ok()), "{reports:?}");
    }

    fn titles(&self) -> Vec<String> {
        let mut t: Vec<String> = self
            .store
            .latest(&Filter::All, 100)
            .unwrap()
            .into_iter()
            .map(|i| i.title)
            .collect();
        t.sort();
        t
    }
}

/// The daemon, in this process, until the returned token is cancelled.
struct Running {
    health: String,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn run_daemon(r: &Rig) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let health = format!("http://{}/healthz", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let app = tinkhac::runtime::App::build(
        r.config.clone(),
        r.store.clone(),
        tinkhac::runtime::Secrets::default(),
    )
    .unwrap();
    let task = tokio::spawn(app.run(listener, stop.clone()));
    Running { health, stop, task }
}

impl Running {
    /// GET /healthz until `ok` says yes; fail after 60 s with the last answer.
    async fn health_until(&self, ok: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut last = serde_json::Value::Null;
        while tokio::time::Instant::now() < deadline {
            if let Ok(resp) = reqwest::get(&self.health).await {
                if let Ok(v) = resp.json::<serde_json::Value>().await {
                    if ok(&v) {
                        return v;
                    }
                    last = v;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("/healthz never met the condition; last: {last}");
    }

    async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
    }
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n * DAY)
}

const RECENT: &str = "Khai giảng năm học mới tại các trường thử";
const OLD: &str = "Tổng kết năm học cũ tại các trường thử";

/// A clock two years ahead (the portals' say two years less) used to make
/// retention delete every item for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_clock_two_years_ahead_pauses_retention_and_health_says_why() {
    // By the portal's clock one item is 10 days old, one 500: by the local
    // clock, both are older than the 400 days kept.
    let r = rig(-730, &[(RECENT, days(10)), (OLD, days(500))]).await;
    r.poll().await;
    assert_eq!(r.titles().len(), 2);
    let d = run_daemon(&r).await;
    let v = d.health_until(|v| v["retention_paused"].is_string()).await;
    assert_eq!(v["status"], "degraded", "{v}");
    assert_eq!(v["clock"]["state"], "disagrees", "{v}");
    let why = v["retention_paused"].as_str().unwrap();
    assert!(why.contains("2 years 0 days ahead of"), "{why}");
    assert!(why.contains("retention is paused"), "{why}");
    assert_eq!(v["clock"]["reason"].as_str(), Some(why));
    // The status page says it above everything else.
    let page = reqwest::get(d.health.replace("/healthz", "/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"dong-ho\""), "{page}");
    // The page speaks Vietnamese; /healthz keeps the English reason.
    assert!(page.contains("nhanh hơn 2 năm 0 ngày"), "{page}");
    // Retention has looked and pruned nothing.
    assert_eq!(r.titles(), [RECENT, OLD]);
    d.stop().await;
    assert_eq!(r.store.tombstones(), 0);
}

/// With the clocks in agreement retention prunes as it always did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreeing_clocks_prune_as_before() {
    let r = rig(0, &[(RECENT, days(10)), (OLD, days(500))]).await;
    r.poll().await;
    assert_eq!(r.titles().len(), 2);
    let d = run_daemon(&r).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while r.titles().len() > 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never pruned: {:?}",
            r.titles()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(r.titles(), [RECENT]);
    assert_eq!(r.store.tombstones(), 1);
    let v = d.health_until(|v| v["clock"]["state"] == "agrees").await;
    assert_eq!(v["status"], "ok", "{v}");
    assert!(v["retention_paused"].is_null(), "{v}");
    d.stop().await;
}

const TYPO: &str = "Lịch thi học kỳ gõ nhầm năm thành 2099";
const AHEAD: &str = "Thông báo đề ngày sau ba ngày nữa";
const SOON: &str = "Thông báo đề ngày sau hai giờ nữa";
const TODAY: &str = "Thông báo đăng sáng nay";

/// The item of this title as stored.
fn stored(store: &Store, title: &str) -> tinkhac::item::Item {
    store
        .latest(&Filter::All, 100)
        .unwrap()
        .into_iter()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("{title} not stored"))
}

/// A mistyped year (2099) sat at the top of every feed for ever: items dated
/// more than a day after the fetch are dated at the fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_dated_more_than_a_day_ahead_are_dated_at_the_fetch() {
    let r = rig(
        0,
        &[
            (
                TYPO,
                Utc::now() - "2099-06-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap(),
            ),
            (AHEAD, days(-3)),
            (SOON, chrono::Duration::hours(-2)),
            (TODAY, chrono::Duration::hours(1)),
        ],
    )
    .await;
    let before = Utc::now();
    r.poll().await;
    let after = Utc::now();
    for title in [TYPO, AHEAD] {
        let item = stored(&r.store, title);
        assert!(item.date_estimated, "{title}");
        let at = item.published.with_timezone(&Utc);
        assert!(before <= at && at <= after, "{title} dated {at}");
    }
    for title in [SOON, TODAY] {
        assert!(
            !stored(&r.store, title).date_estimated,
            "{title} keeps its date"
        );
    }
    // The newest item is the one due in two hours, not the 2099 one.
    let newest = r.store.latest(&Filter::All, 1).unwrap();
    assert_eq!(newest[0].title, SOON);
}

/// "Ahead" is judged by the later of the local clock and the portals': a
/// local clock two years behind does not re-date the portal's real items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_clock_behind_the_portals_does_not_redate_real_items() {
    let r = rig(
        730,
        &[(TODAY, chrono::Duration::hours(1)), (AHEAD, days(-3))],
    )
    .await;
    r.poll().await;
    let today = stored(&r.store, TODAY);
    assert!(!today.date_estimated, "kept its date");
    assert!(today.published.with_timezone(&Utc) > Utc::now() + days(700));
    assert!(stored(&r.store, AHEAD).date_estimated);
}

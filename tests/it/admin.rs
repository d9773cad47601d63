//! What admins rely on: health that speaks up once per incident, and a
//! daemon that takes feed-list edits without a restart.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tinkhac::daemon::{poll_all, Poller};
use tinkhac::health::{self, Health};
use tinkhac::store::Store;

use crate::support::{self, Daemon, TestPortal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redesigned_page_is_broken_once_and_recovers_once() {
    let portal = TestPortal::start().await;
    let cfg = support::config(&format!(
        "[[source]]\nid = \"sw\"\nname = \"Trang đổi giao diện\"\nurl = \"{}\"\n",
        portal.url("/switch")
    ));
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let (tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
    let poller = Arc::new(
        Poller::new(Arc::new(cfg.config.clone()), store.clone())
            .unwrap()
            .with_admin(tx),
    );
    let health = || health::of(&store.source_state("sw").unwrap());

    poll_all(poller.clone()).await;
    assert_eq!(health(), Health::Ok);
    portal.redesigned.store(true, Ordering::SeqCst);
    poll_all(poller.clone()).await;
    assert_eq!(
        health(),
        Health::Broken,
        "it used to yield items and now finds no list"
    );
    let note = notes.try_recv().expect("the admin is told");
    assert!(
        note.contains("bị hỏng") && note.contains("không tìm thấy danh sách tin"),
        "{note}"
    );
    poll_all(poller.clone()).await;
    assert!(notes.try_recv().is_err(), "once per incident, not per poll");

    portal.redesigned.store(false, Ordering::SeqCst);
    poll_all(poller.clone()).await;
    assert_eq!(health(), Health::Ok);
    assert!(notes.try_recv().unwrap().contains("hoạt động lại"));
    assert!(notes.try_recv().is_err());
}

fn port_of(d: &Daemon) -> u16 {
    let line = d
        .log
        .iter()
        .find(|l| l.contains("tinkhac running"))
        .expect("start line");
    let addr = line
        .split("addr=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_to_the_feed_list_apply_live_and_a_bad_edit_changes_nothing() {
    let portal = TestPortal::start().await;
    let first = format!(
        "[[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html"))
    );
    let cfg = support::config(&first);
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    let mut d = Daemon::start(&cfg.path, &[("TINKHAC_ADMIN_TOKEN", "s3cret-admin")]);
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    let status = || async {
        reqwest::get(format!("{base}/status.json"))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };

    // An added source starts.
    let added = format!(
        "{text}\n[[source]]\nid = \"thuy-nguyen\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html"))
    );
    std::fs::write(&cfg.path, &added).unwrap();
    d.wait_log("configuration reloaded", 1, Duration::from_secs(60))
        .await;
    d.wait_log(" polled ", 2, Duration::from_secs(60)).await;
    let st = status().await;
    let ids: Vec<&str> = st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hp-giao-duc", "thuy-nguyen"]);

    // A bad edit is refused with its line and column; the daemon goes on.
    std::fs::write(&cfg.path, format!("{added}intervall = \"1m\"\n")).unwrap();
    d.wait_log("configuration not reloaded", 1, Duration::from_secs(60))
        .await;
    let st = status().await;
    let err = st["config_error"].as_str().unwrap();
    assert!(
        err.contains("feeds.toml:") && err.contains("unknown field"),
        "{err}"
    );
    assert_eq!(
        st["sources"].as_array().unwrap().len(),
        2,
        "the last good list stays"
    );
    let health: serde_json::Value = reqwest::get(format!("{base}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "degraded");

    // Fixed, and reloaded on request: the endpoint needs the bearer token.
    std::fs::write(&cfg.path, &added).unwrap();
    let client = reqwest::Client::new();
    let url = format!("{base}/admin/reload");
    assert_eq!(client.post(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        client
            .post(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let ok = client
        .post(&url)
        .bearer_auth("s3cret-admin")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 202);
    d.wait_log("configuration reloaded", 2, Duration::from_secs(60))
        .await;
    assert!(status().await["config_error"].is_null());

    // A removed source stops; the other is undisturbed.
    std::fs::write(&cfg.path, &text).unwrap();
    d.wait_log("configuration reloaded", 3, Duration::from_secs(60))
        .await;
    let st = status().await;
    assert_eq!(st["sources"].as_array().unwrap().len(), 1);
    d.signal("TERM");
    let (exit, log) = d.wait().await;
    assert!(exit.success(), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("s3cret-admin")));
}

#[test]
fn without_an_admin_token_no_endpoint_changes_state() {
    let cfg = support::config("");
    let state = tinkhac::publish::http::AppState::new(
        Arc::new(cfg.config.clone()),
        Store::open(&cfg.config.storage.path, 1 << 20).unwrap(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = tokio_util::sync::CancellationToken::new();
        let server = tokio::spawn(tinkhac::publish::http::serve(listener, state, stop.clone()));
        let resp = reqwest::Client::new()
            .post(format!("http://{addr}/admin/reload"))
            .bearer_auth("x")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "the route does not exist");
        stop.cancel();
        server.await.unwrap().unwrap();
    });
}

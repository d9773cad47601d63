//! What admins rely on: health that speaks up once per incident, and a
//! daemon that takes feed-list edits without a restart.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tinkhac::daemon::{poll_all, Poller};
use tinkhac::health::{self, Health};
use tinkhac::store::{PollStore, Store};

use crate::support::{self, tinkhac_async, Daemon, TestPortal};

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

pub fn port_of(d: &Daemon) -> u16 {
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

    // A removed source stops; the other is undisturbed; its feed, served
    // (and cached) a moment ago, is gone with it.
    let feed = format!("{base}/sources/thuy-nguyen.xml");
    assert_eq!(reqwest::get(&feed).await.unwrap().status(), 200);
    std::fs::write(&cfg.path, &text).unwrap();
    d.wait_log("configuration reloaded", 3, Duration::from_secs(60))
        .await;
    let st = status().await;
    assert_eq!(st["sources"].as_array().unwrap().len(), 1);
    assert_eq!(
        reqwest::get(&feed).await.unwrap().status(),
        404,
        "no stale rendering after a reload"
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_add_remove_import_export_keep_the_admins_file() {
    let portal = TestPortal::start().await;
    // Start from the shipped, commented feeds.toml.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml"),
    )
    .unwrap();
    std::fs::write(&path, &shipped).unwrap();
    let url = portal
        .url(&portal.path_of("thuynguyen-tin-tuc.html"))
        .to_string();

    let dry = tinkhac_async::<String>(
        path.clone(),
        vec![
            "feeds".into(),
            "add".into(),
            url.clone(),
            "--name".into(),
            "Phường Thủy Nguyên".into(),
            "--dry-run".into(),
        ],
    )
    .await;
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        out.contains("6 items as html") && out.contains("(dry run)"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        shipped,
        "a dry run writes nothing"
    );

    let add = tinkhac_async::<String>(
        path.clone(),
        vec![
            "feeds".into(),
            "add".into(),
            url.clone(),
            "--name".into(),
            "Phường Thủy Nguyên".into(),
            "--interval".into(),
            "20m".into(),
            "--topics".into(),
            "giao-duc".into(),
        ],
    )
    .await;
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let edited = std::fs::read_to_string(&path).unwrap();
    // Every original line survives, in order; the new source is valid.
    let mut rest = edited.lines();
    for line in shipped.lines() {
        assert!(rest.any(|l| l == line), "lost or moved: {line}");
    }
    let cfg = tinkhac::config::Config::load(&path).unwrap();
    let s = cfg
        .source("phuong-thuy-nguyen")
        .expect("the new source, with a slug id");
    assert_eq!(s.interval, Duration::from_secs(1200));
    assert_eq!(s.topics, ["giao-duc"]);

    let dup = tinkhac_async::<String>(
        path.clone(),
        vec!["feeds".into(), "add".into(), url.clone()],
    )
    .await;
    assert!(!dup.status.success());
    assert!(
        String::from_utf8_lossy(&dup.stderr).contains("already"),
        "{}",
        String::from_utf8_lossy(&dup.stderr)
    );

    let export = tinkhac_async::<String>(path.clone(), vec!["feeds".into(), "export".into()]).await;
    let opml = String::from_utf8(export.stdout).unwrap();
    assert!(
        opml.contains("<opml version=\"2.0\">") && opml.contains(&url.replace('&', "&amp;")),
        "{opml}"
    );

    let rm = tinkhac_async::<String>(
        path.clone(),
        vec!["feeds".into(), "remove".into(), "phuong-thuy-nguyen".into()],
    )
    .await;
    assert!(
        rm.status.success(),
        "{}",
        String::from_utf8_lossy(&rm.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        shipped,
        "add then remove gives the file back"
    );

    // Import the export into the original file: only the missing source comes in.
    let opml_path = dir.path().join("nguon.opml");
    std::fs::write(&opml_path, &opml).unwrap();
    let imp = tinkhac_async::<String>(
        path.clone(),
        vec![
            "feeds".into(),
            "import".into(),
            opml_path.to_string_lossy().into(),
        ],
    )
    .await;
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    let out = String::from_utf8_lossy(&imp.stdout);
    assert!(out.contains("1 added"), "{out}");
    let cfg = tinkhac::config::Config::load(&path).unwrap();
    assert_eq!(
        cfg.sources.len(),
        tinkhac::config::Config::load(std::path::Path::new(&format!(
            "{}/feeds.toml",
            env!("CARGO_MANIFEST_DIR")
        )))
        .unwrap()
        .sources
        .len()
            + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_list_asks_the_running_daemon_and_the_status_page_shows_it() {
    let portal = TestPortal::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = support::config(&format!(
        "[[source]]\nid = \"hp-giao-duc\"\nname = \"Giáo dục <b>&</b>\"\nurl = \"{}\"\n\n[[source]]\nid = \"mat\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html")),
        portal.url(&portal.path_of("hp-tin-khac-mat.html")),
    ));
    let text = std::fs::read_to_string(&cfg.path).unwrap().replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    std::fs::write(&cfg.path, text).unwrap();
    let mut d = Daemon::start(&cfg.path, &[]);
    d.wait_log("poll failed", 1, Duration::from_secs(60)).await;
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;

    let out = tinkhac_async::<String>(cfg.path.clone(), vec!["feeds".into(), "list".into()]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("from the running daemon"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("hp-giao-duc") && l.contains(" ok ") && l.contains(" 12 ")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("mat") && l.contains("failing")),
        "{table}"
    );
    assert!(table.contains("no items found"), "{table}");

    let page = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"vi\""));
    assert!(
        html.contains("Giáo dục &lt;b&gt;&amp;&lt;/b&gt;"),
        "portal and admin text is escaped"
    );
    assert!(!html.contains("<script"), "no JavaScript");
    for link in [
        "/feed.xml",
        "/feed.atom",
        "/feed.json",
        "/opml.xml",
        "/sources/mat.xml",
    ] {
        assert!(html.contains(link), "how to subscribe lists {link}");
    }
    d.signal("TERM");
    let (exit, _) = d.wait().await;
    assert!(exit.success());

    // With the daemon gone, the store answers.
    let out = tinkhac_async::<String>(cfg.path.clone(), vec!["feeds".into(), "list".into()]).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("from the store"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("hp-giao-duc") && l.contains(" 12 ")),
        "{table}"
    );
}

//! The store under faults: a full disk must never hang the daemon, lose an
//! acknowledged item, or go unreported; the daemon recovers by itself.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;

use crate::admin::port_of;
use crate::support::Daemon;

/// A feed that lists 20 new items, with long teasers, at every request, so
/// every poll writes.
async fn growing_feed() -> (String, tokio_util::sync::CancellationToken) {
    let n = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/feed.rss",
        get(move || {
            let round = n.fetch_add(1, Ordering::SeqCst);
            async move {
                let mut x = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>http://x.test/</link><description>d</description>");
                for i in 0..20 {
                    x += &format!(
                        "<item><title>Bản tin số {round}-{i} về giao thông đô thị</title><link>http://x.test/tin/{round}/{i}</link><description>{}</description><pubDate>Tue, 23 Dec 2025 08:{:02}:00 +0700</pubDate></item>",
                        "Nội dung tóm tắt dài của bản tin. ".repeat(50),
                        i
                    );
                }
                x + "</channel></rss>"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let s = stop.clone();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(s.cancelled_owned())
            .await
            .unwrap()
    });
    (format!("http://{addr}/feed.rss"), stop)
}

/// A small tmpfs, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// None, visibly, when this is no root (a laptop); CI runs as root and
    /// must run the test.
    fn mount(dir: &Path, mib: u32) -> Option<Tmpfs> {
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the full-disk test: mounting a tmpfs needs root"
            );
            eprintln!("SKIPPED: mounting a tmpfs needs root");
            return None;
        }
        Some(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Fill the file system holding `dir` until a write fails.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![7u8; 16 * 1024];
    while f.write_all(&chunk).and_then(|_| f.sync_all()).is_ok() {}
    path
}

async fn get_json(url: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url} must answer while the disk is full: {e}"))
        .json()
        .await
        .unwrap()
}

async fn wait_for(what: &str, deadline: Duration, mut f: impl AsyncFnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !f().await {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Before: after the first failed write the daemon spun at 100 % in a walk
/// of the store, stopped answering HTTP and SIGTERM, said "ok" meanwhile,
/// and lost items it had counted as stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_degrades_serves_the_last_feeds_and_recovers_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_mount) = Tmpfs::mount(dir.path(), 24) else {
        return;
    };
    let (feed, _stop) = growing_feed().await;
    let cfg = dir.path().join("feeds.toml");
    std::fs::write(
        &cfg,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"store\"\n\
             [[source]]\nid = \"tin\"\nurl = \"{feed}\"\ninterval = \"300ms\"\n"
        ),
    )
    .unwrap();
    let mut d = Daemon::start(&cfg, &[]);
    d.wait_log(" polled ", 2, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));

    let filler = fill(dir.path());
    wait_for(
        "the fault to show in /healthz",
        Duration::from_secs(60),
        async || get_json(&format!("{base}/healthz")).await["store_fault"].is_object(),
    )
    .await;
    let health = get_json(&format!("{base}/healthz")).await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(
        health["store_fault"]["reason"]
            .as_str()
            .unwrap()
            .contains("No space left"),
        "{health}"
    );
    // Everything still answers, from what was stored before.
    let status = get_json(&format!("{base}/status.json")).await;
    let items_at_fault = status["items"].as_u64().unwrap();
    assert!(items_at_fault >= 40, "{status}");
    let feed_json = get_json(&format!("{base}/feed.json")).await;
    let shown: Vec<String> = feed_json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["url"].as_str().unwrap().to_string())
        .collect();
    assert!(!shown.is_empty());
    let page = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Không ghi được vào kho dữ liệu"), "{page}");

    // Space comes back: the store reopens and polling resumes by itself.
    std::fs::remove_file(filler).unwrap();
    wait_for("recovery", Duration::from_secs(60), async || {
        get_json(&format!("{base}/healthz")).await["store_fault"].is_null()
    })
    .await;
    wait_for(
        "new items after recovery",
        Duration::from_secs(60),
        async || {
            get_json(&format!("{base}/status.json")).await["items"]
                .as_u64()
                .unwrap()
                > items_at_fault
        },
    )
    .await;

    d.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "SIGTERM must stop the daemon");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, log) = d.wait().await;
    assert!(status.success(), "{}", log.join("\n"));
    let errors = log
        .iter()
        .filter(|l| l.contains("the store cannot write"))
        .count();
    assert_eq!(errors, 1, "one ERROR per incident:\n{}", log.join("\n"));
    assert!(log.iter().any(|l| l.contains("the store writes again")));

    // Nothing shown before the fault is lost.
    let out = crate::support::tinkhac(&cfg, &["export"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = String::from_utf8_lossy(&out.stdout);
    for url in &shown {
        assert!(
            exported.contains(url.as_str()),
            "{url} was acknowledged and must survive"
        );
    }
}

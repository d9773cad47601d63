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
async fn growing_feed() -> String {
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
    format!("http://{}/feed.rss", crate::support::stand_in(app).await)
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
            crate::support::tool_missing("the full-disk test", "mounting a tmpfs needs root");
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
    let r = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url} must answer while the disk is full: {e}"));
    let status = r.status();
    let body = r.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {status}: {e}: {body}"))
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
    let Some(_mount) = Tmpfs::mount(dir.path(), 64) else {
        return;
    };
    let feed = growing_feed().await;
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

    // A reader has the feed, as readers do.
    get_json(&format!("{base}/feed.json")).await;
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
    assert!(page.contains("Đĩa đã đầy (từ "), "{page}");

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

/// Run the binary with a bound: a damaged store must never hang it.
fn bounded(cfg: &Path, args: &[&str]) -> std::process::Output {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .arg("--config")
        .arg(cfg)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out,
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
            panic!("tinkhac {args:?} hung on a damaged store");
        }
    }
}

/// Deterministic garbage: 4 KiB from a linear congruential generator.
fn garbage(seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..4096)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

/// Before: some damage made sled panic with a backtrace at every start, and
/// a store truncated to zero bytes silently started empty. Now no damage
/// panics or hangs, a damaged store is one clear error naming it and what
/// to do, `store check` finds damage sled would silently drop and keeps
/// those items, and `store salvage` saves what the files still hold.
#[test]
fn a_damaged_store_is_one_clear_error_and_salvage_saves_its_items() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("feeds.toml");
    std::fs::write(&cfg, "[storage]\npath = \"store\"\n").unwrap();
    let backup: String = (0..400)
        .map(|i| {
            serde_json::json!({
                "id": format!("https://x.test/tin/{i}"), "title": format!("Bản tin số {i} của thành phố"),
                "link": format!("https://x.test/tin/{i}"), "guid": null,
                "summary": "Tóm tắt bản tin. ".repeat(20), "published": "2025-12-23T08:00:00+07:00",
                "first_seen": "2025-12-23T01:00:00Z", "sources": ["a"], "topics": []
            })
            .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(dir.path().join("backup.jsonl"), backup).unwrap();
    let out = bounded(
        &cfg,
        &["import", dir.path().join("backup.jsonl").to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = dir.path().join("good");
    std::fs::rename(dir.path().join("store"), &good).unwrap();
    let db_len = std::fs::metadata(good.join("db")).unwrap().len();

    type Damage = Box<dyn Fn(&Path)>;
    let at = |frac: u64, seed: u64| -> Damage {
        Box::new(move |db: &Path| {
            use std::os::unix::fs::FileExt;
            let f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
            let off = (db_len * frac / 8) & !4095;
            f.write_all_at(&garbage(seed), off).unwrap();
        })
    };
    let mut damages: Vec<(String, Damage)> = (1..8)
        .map(|k| (format!("4 KiB of garbage at {k}/8"), at(k, 100 + k)))
        .collect();
    damages.push((
        "half truncated".into(),
        Box::new(move |db: &Path| {
            let f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
            f.set_len(db_len / 2).unwrap();
        }),
    ));
    damages.push((
        "zeroed tail".into(),
        Box::new(move |db: &Path| {
            use std::os::unix::fs::FileExt;
            let f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
            let tail = db_len / 3;
            f.write_all_at(&vec![0; tail as usize], db_len - tail)
                .unwrap();
        }),
    ));
    for (what, damage) in &damages {
        let store = dir.path().join("store");
        let _ = std::fs::remove_dir_all(&store);
        copy_dir(&good, &store);
        damage(&store.join("db"));
        // `store check` before anything else opens it: it reads the files,
        // then the store, and keeps what sled's recovery would drop.
        let check = bounded(&cfg, &["store", "check"]);
        let report = String::from_utf8_lossy(&check.stdout);
        if what.contains("garbage") {
            assert_eq!(check.status.code(), Some(1), "{what}: {report}");
            let kept = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().contains(".salvage-"))
                .unwrap_or_else(|| panic!("{what}: no salvage file: {report}"));
            let n = std::fs::read_to_string(&kept).unwrap().lines().count();
            assert!(n >= 395, "{what}: only {n} of 400 kept");
            std::fs::remove_file(kept).unwrap();
        }
        let out = bounded(&cfg, &["export"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{what}: {err}");
        let exported = String::from_utf8_lossy(&out.stdout).lines().count();
        if !out.status.success() {
            assert!(
                err.contains("is damaged") && err.contains("store salvage"),
                "{what}: {err}"
            );
        }
        let saved = dir.path().join("saved.jsonl");
        let out = bounded(&cfg, &["store", "salvage", saved.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let salvaged = std::fs::read_to_string(&saved).unwrap().lines().count();
        assert!(
            salvaged >= exported,
            "{what}: salvage {salvaged} < export {exported}"
        );
        // A new store from what was saved.
        let out = bounded(&cfg, &["--new-store", "import", saved.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = bounded(&cfg, &["export"]);
        assert!(out.status.success(), "{what}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).lines().count(),
            salvaged
        );
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let p = e.unwrap().path();
            if p.to_string_lossy().contains(".set-aside-") {
                std::fs::remove_dir_all(p).unwrap();
            }
        }
    }

    // A store whose data file was truncated to zero bytes is not a new one.
    let store = dir.path().join("store");
    let _ = std::fs::remove_dir_all(&store);
    copy_dir(&good, &store);
    std::fs::File::create(store.join("db")).unwrap();
    let out = bounded(&cfg, &["once"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("has no data"),
        "{err}"
    );
    assert!(err.contains("--new-store"), "{err}");
    let out = bounded(&cfg, &["--new-store", "once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A store on a read-only file system was said with its cause twice
/// ("IO error: Read-only file system: IO error: Read-only file system") and
/// no way forward; now once, with the path and what to do.
#[test]
fn a_read_only_store_is_said_once_with_its_path_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let Some(_mount) = Tmpfs::mount(&mnt, 16) else {
        return;
    };
    let cfg = dir.path().join("feeds.toml");
    std::fs::write(
        &cfg,
        "[storage]\npath = \"mnt/store\"\n\n[[source]]\nid = \"a\"\nurl = \"https://so.example.vn/\"\n",
    )
    .unwrap();
    // A store made while it could be written, then the disk turned read-only.
    let out = crate::support::tinkhac(&cfg, &["feeds", "list"]);
    assert!(out.status.success());
    let made = crate::support::tinkhac(&cfg, &["export"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let ok = std::process::Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = crate::support::tinkhac(&cfg, &["export"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("mnt/store") && err.contains("read-only") && err.contains("remount it"),
        "{err}"
    );
    assert_eq!(err.matches("Read-only file system").count(), 0, "{err}");
    assert_eq!(err.lines().count(), 1, "said once: {err}");
}

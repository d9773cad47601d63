//! The real binary, as an admin runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{self, tinkhac, TestPortal};

#[test]
fn a_bad_config_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(&path, "[fetch]\ninterval = \"15m\"\n\n[[source]]\nid = \"a\"\nurl = \"https://x.vn/\"\nintervall = \"1m\"\n").unwrap();
    let out = tinkhac(&path, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("feeds.toml:7:1"), "{err}");
    assert!(err.contains("unknown field `intervall`"), "{err}");
    let out = tinkhac(&dir.path().join("missing.toml"), &["once"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_lists_what_would_be_polled() {
    let cfg = support::config("[[source]]\nid = \"hp\"\nurl = \"https://haiphong.gov.vn/tin-tuc-su-kien\"\ninterval = \"10m\"\n");
    let out = tinkhac(&cfg.path, &["check"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hp")
            && text.contains("10m")
            && text.contains("https://haiphong.gov.vn/tin-tuc-su-kien"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_exits_1_when_a_source_fails_and_keeps_the_others() {
    let portal = TestPortal::start().await;
    let good = support::config(&format!(
        "[[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html"))
    ));
    let out = support::tinkhac_async(good.path.clone(), vec!["once"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mixed = support::config(&format!(
        "[[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\n\n[[source]]\nid = \"hong\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html")),
        portal.url("/e500")
    ));
    let out = support::tinkhac_async(mixed.path.clone(), vec!["once"]).await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hong") && stdout.contains("HTTP status 500"),
        "{stdout}"
    );
    // The good source still counts.
    let feed = support::tinkhac_async(mixed.path.clone(), vec!["feed"]).await;
    assert!(feed.status.success());
    let xml = String::from_utf8_lossy(&feed.stdout);
    assert_eq!(xml.matches("<item>").count(), 12, "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_holds_the_store_serves_and_stops_cleanly_on_sigterm() {
    let portal = TestPortal::start().await;
    let cfg = support::config(&format!("{}\n", portal.seed_sources_toml()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .arg("--config")
        .arg(&cfg.path)
        .arg("run")
        .env("RUST_LOG", "tinkhac=info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait, by reading its log, until every healthy source has been polled.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let log = tokio::task::spawn_blocking(move || {
        let mut log = Vec::new();
        let mut polled = 0;
        while polled < 7 {
            let line = rx
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("the daemon logs its polls");
            if line.contains(" polled ") {
                polled += 1;
            }
            log.push(line);
        }
        (log, rx)
    })
    .await
    .unwrap();
    let (log, rx) = log;
    let listen_line = log
        .iter()
        .find(|l| l.contains("tinkhac running"))
        .expect("start line");
    assert!(listen_line.contains("addr=127.0.0.1:"), "{listen_line}");

    // A second process on the same store gets a clear error, not a panic.
    let second = support::tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("in use by another tinkhac process"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("store flushed")),
        "{rest:#?}"
    );

    // Everything it stored is there after the stop.
    let feed = support::tinkhac_async(cfg.path.clone(), vec!["feed"]).await;
    assert!(
        feed.status.success(),
        "{}",
        String::from_utf8_lossy(&feed.stderr)
    );
    let xml = String::from_utf8_lossy(&feed.stdout);
    assert!(xml.matches("<item>").count() >= 40, "{xml}");
}

#[test]
fn demo_runs_on_the_shipped_samples_without_network() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["demo", "--once"])
        .env("RUST_LOG", "warn")
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Day 2"), "{stdout}");
    assert!(stdout.contains("not modified (304)"), "{stdout}");
    assert!(stdout.contains("no items found"), "{stdout}");
    assert!(
        stdout.contains("Hải Phòng cần thêm hàng trăm phòng học"),
        "a day-two item: {stdout}"
    );
    // Day two's card that links into the sample portal is followed to its
    // article, and the article its "Tin khác" lists (one hop); the cards
    // linking to haiphong.gov.vn itself are not (another site: no network).
    for followed in [
        "followed: Sở GD&ĐT yêu cầu không tổ chức dạy thêm trái quy định trong dịp nghỉ Tết — toàn văn, 2 tệp đính kèm, 3 số văn bản",
        "followed: Triển khai quy định về dạy thêm, học thêm trên địa bàn thành phố — toàn văn, 2 tệp đính kèm, 3 số văn bản",
    ] {
        assert!(stdout.contains(followed), "{followed:?} missing: {stdout}");
    }
    assert_eq!(stdout.matches("  followed: ").count(), 2, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_shows_items_and_keys_without_storing() {
    let portal = TestPortal::start().await;
    let cfg = support::config(&format!(
        "[[source]]\nid = \"tn\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html"))
    ));
    let out = support::tinkhac_async(cfg.path.clone(), vec!["preview", "tn"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("6 items as html"), "{text}");
    assert!(
        text.contains("key:") && text.contains("date:    2025-12-23T08:30:00+07:00"),
        "{text}"
    );
    assert!(!cfg.config.storage.path.exists(), "preview stores nothing");
}

/// `feeds list` read a store into being, and `feeds list | head` ended
/// with "Broken pipe".
#[test]
fn feeds_list_creates_no_store_and_a_closed_pipe_is_no_error() {
    let cfg = support::config("[[source]]\nid = \"hp\"\nurl = \"https://haiphong.gov.vn/tin\"\n");
    let out = tinkhac(&cfg.path, &["feeds", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hp") && text.contains("no store yet"),
        "{text}"
    );
    assert!(
        !cfg.config.storage.path.exists(),
        "feeds list made {}",
        cfg.config.storage.path.display()
    );

    // A reader that is gone before the first line is written.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .arg("--config")
        .arg(&cfg.path)
        .args(["feeds", "list"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
}

/// `feeds list` showed whatever tinkhac answered on the configured port,
/// another configuration's sources included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_list_believes_only_the_daemon_of_its_own_configuration() {
    use axum::{routing::get, Json, Router};
    use std::sync::{Arc, Mutex};

    let answer: Arc<Mutex<serde_json::Value>> = Arc::default();
    let served = answer.clone();
    let app = Router::new().route(
        "/status.json",
        get(move || {
            let v = served.lock().unwrap().clone();
            async move { Json(v) }
        }),
    );
    let addr = support::stand_in(app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"{addr}\"\n\n[storage]\npath = \"store\"\n\n\
             [[source]]\nid = \"cua-toi\"\nurl = \"https://so.example.vn/tin\"\n"
        ),
    )
    .unwrap();
    let config = tinkhac::config::Config::load(&path).unwrap();
    let report = |instance: &str| {
        let mut r = tinkhac::status::report(&config, None, &Default::default(), None, None);
        r.sources[0].id = "cua-nguoi-khac".into();
        r.instance = instance.into();
        serde_json::to_value(r).unwrap()
    };

    *answer.lock().unwrap() = report("0123456789abcdef");
    let out = support::tinkhac_async(path.clone(), vec!["feeds", "list"]).await;
    let (text, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{err}");
    assert!(
        text.contains("cua-toi") && !text.contains("cua-nguoi-khac"),
        "{text}"
    );
    assert!(err.contains("another configuration or store"), "{err}");

    // The daemon of this very file and store is believed.
    *answer.lock().unwrap() = report(&tinkhac::status::instance_of(&config));
    let out = support::tinkhac_async(path.clone(), vec!["feeds", "list"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("from the running daemon") && text.contains("cua-nguoi-khac"),
        "{text}"
    );
}

/// An empty feeds.toml passed `check` silently and `run` said "ok".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_without_sources_is_said_in_check_healthz_and_the_page() {
    let cfg = support::config("");
    let out = tinkhac(&cfg.path, &["check"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no [[source]]"), "{err}");

    let store = tinkhac::store::Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let state =
        tinkhac::publish::http::AppState::new(std::sync::Arc::new(cfg.config.clone()), store);
    let addr = support::stand_in(tinkhac::publish::http::router(state)).await;
    let health: serde_json::Value = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["sources"], 0, "{health}");
    let page = reqwest::get(format!("http://{addr}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Chưa có nguồn tin nào"), "{page}");
    assert!(page.contains("Cần xử lý"));
}

/// The unit file set MemoryMax twice; systemd takes the last silently.
#[test]
fn the_service_file_sets_each_setting_once() {
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/tinkhac.service"),
    )
    .unwrap();
    let mut seen = std::collections::HashSet::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            // Keys that systemd accumulates may repeat.
            let repeatable = ["Environment", "LoadCredential", "ExecStartPre"];
            assert!(
                repeatable.contains(&key) || seen.insert(key.to_string()),
                "{key} is set twice"
            );
        }
    }
}

/// The mistakes an admin makes in feeds.toml, each answered with what to
/// write instead (line and column kept), and never with "report this to the
/// developer".
#[test]
fn admin_mistakes_are_answered_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, body: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let out = tinkhac(&path, &["check"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let source = "[[source]]\nid = \"a\"\nurl = \"https://so.example.vn/\"\n";

    let (code, _, err) = check(
        "d.toml",
        format!("{source}interval = \"10 phút\"\n").as_bytes(),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("d.toml:4:12") && err.contains("\"15m\""),
        "{err}"
    );

    let (code, _, err) = check(
        "u.toml",
        b"[[source]]\nid = \"a\"\nurl = \"so.example.vn/tin\"\n",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("write \"https://so.example.vn/tin\""), "{err}");

    let (code, _, err) = check(
        "s.toml",
        format!("{source}[source.scrape]\nitems = \"div[[[\"\ntitle = \"a\"\n").as_bytes(),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("bad CSS selector") && err.contains("preview --suggest"),
        "{err}"
    );
    assert!(!err.contains("developer"), "{err}");

    let (code, out, err) = check(
        "l.toml",
        format!("[server]\nlisten = \"localhost:8099\"\n\n{source}").as_bytes(),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("127.0.0.1:8099"), "{out}");
    let (code, _, err) = check(
        "h.toml",
        format!("[server]\nlisten = \"may-chu:8080\"\n\n{source}").as_bytes(),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("\"127.0.0.1:8080\""), "{err}");

    // "Tin tức" saved as Windows-1258 by an old editor.
    let (code, _, err) = check(
        "w.toml",
        b"[[source]]\nid = \"a\"\nname = \"Tin t\xf4\xec\xe3\"\nurl = \"https://so.example.vn/\"\n",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("w.toml:3:") && err.contains("save it as UTF-8"),
        "{err}"
    );

    let (code, _, err) = check("i.toml", format!("{source}interval = \"20s\"\n").as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning: source \"a\" has interval 20s"),
        "{err}"
    );

    let path = dir.path().join("t.toml");
    std::fs::write(
        &path,
        format!("{source}\n[[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"học sinh\"]\n"),
    )
    .unwrap();
    let out = tinkhac(&path, &["feed", "--topic", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no topic \"nope\"") && err.contains("giao-duc"),
        "{err}"
    );
}

/// An import stopped at a bad line had stored the lines before it; now a
/// bad backup stores nothing and says so.
#[test]
fn an_import_with_a_bad_line_stores_nothing() {
    let cfg = support::config("[[source]]\nid = \"a\"\nurl = \"https://so.example.vn/\"\n");
    let item = serde_json::json!({
        "id": "https://so.example.vn/bai-1",
        "title": "Bài một",
        "link": "https://so.example.vn/bai-1",
        "guid": null,
        "summary": null,
        "published": "2025-12-22T08:30:00+07:00",
        "first_seen": "2025-12-22T02:00:00Z",
        "sources": ["a"],
        "topics": [],
    });
    let backup = cfg.path.with_file_name("backup.jsonl");
    std::fs::write(&backup, format!("{item}\n{{\"title\": \"cut off\n")).unwrap();
    let out = tinkhac(&cfg.path, &["import".as_ref(), backup.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("backup.jsonl:2") && err.contains("nothing was imported"),
        "{err}"
    );
    let out = tinkhac(&cfg.path, &["feed"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(!xml.contains("Bài một"), "{xml}");

    // The same backup without its bad line imports.
    std::fs::write(&backup, format!("{item}\n")).unwrap();
    let out = tinkhac(&cfg.path, &["import".as_ref(), backup.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tinkhac(&cfg.path, &["feed"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Bài một"));
}

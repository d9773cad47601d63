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

/// What the daemon at `base` says in `/status.json`.
pub(crate) async fn status_json(base: &str) -> serde_json::Value {
    reqwest::get(format!("{base}/status.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
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

    // An added source starts.
    let added = format!(
        "{text}\n[[source]]\nid = \"thuy-nguyen\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html"))
    );
    std::fs::write(&cfg.path, &added).unwrap();
    d.wait_log("configuration reloaded", 1, Duration::from_secs(60))
        .await;
    d.wait_log(" polled ", 2, Duration::from_secs(60)).await;
    let st = status_json(&base).await;
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
    let st = status_json(&base).await;
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
    assert!(status_json(&base).await["config_error"].is_null());

    // A removed source stops; the other is undisturbed; its feed, served
    // (and cached) a moment ago, is gone with it.
    let feed = format!("{base}/sources/thuy-nguyen.xml");
    assert_eq!(reqwest::get(&feed).await.unwrap().status(), 200);
    std::fs::write(&cfg.path, &text).unwrap();
    d.wait_log("configuration reloaded", 3, Duration::from_secs(60))
        .await;
    let st = status_json(&base).await;
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
        opml.contains("<opml version=\"2.0\"") && opml.contains(&url.replace('&', "&amp;")),
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
    let port = support::free_port();
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
        "/subscriptions.opml",
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

/// `feeds add` fetched before it checked what it was given, named a source
/// after its host ("127-0-0-1"), and refused a page without a list with no
/// way forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_add_checks_first_names_by_title_and_can_be_forced() {
    use axum::{response::Html, routing::get, Router};
    use std::sync::atomic::AtomicUsize;

    let hits = Arc::new(AtomicUsize::new(0));
    let listing =
        std::fs::read_to_string(support::seeds_dir().join("hp-danh-muc-giao-duc.html")).unwrap();
    let (h1, h2) = (hits.clone(), hits.clone());
    let app = Router::new()
        .route(
            "/muc/giao-duc",
            get(move || {
                h1.fetch_add(1, Ordering::SeqCst);
                let page = listing.clone();
                async move { Html(page) }
            }),
        )
        .route(
            "/trang-trong",
            get(move || {
                h2.fetch_add(1, Ordering::SeqCst);
                async {
                    Html(
                        "<html><head><title>Giới thiệu | Cổng thông tin</title></head>\
                          <body><p>Trang này chỉ có chữ, không có danh sách tin.</p></body></html>",
                    )
                }
            }),
        );
    let base = format!("http://{}", support::stand_in(app).await);
    let cfg = support::config(&format!(
        "[[source]]\nid = \"tin\"\nurl = \"{base}/muc/tin/\"\n\n\
         [[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"học sinh\"]\n"
    ));
    let before = std::fs::read_to_string(&cfg.path).unwrap();
    let add = |args: &[&str]| {
        let mut v = vec!["feeds".to_string(), "add".to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        tinkhac_async(cfg.path.clone(), v)
    };
    let refused = |out: &std::process::Output, says: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(says),
            "{says:?} not in: {err}"
        );
    };

    // Refused before any request: the same address, a bad interval, an
    // unknown topic, a bad id.
    let same = format!(
        "{}/muc/tin?utm_source=zalo#top",
        base.replace("http://", "HTTP://")
    );
    refused(&add(&[&same]).await, "already listed as source \"tin\"");
    let page = format!("{base}/muc/giao-duc");
    refused(&add(&[&page, "--interval", "10 phút"]).await, "\"15m\"");
    refused(
        &add(&[&page, "--topics", "nope"]).await,
        "the topics are: giao-duc",
    );
    refused(&add(&[&page, "--id", "Tin Mới"]).await, "bad id");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "fetched before checking");
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), before);

    // Named after the page's title, without the site's name.
    let out = add(&[&page]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = tinkhac::config::Config::load(&cfg.path).unwrap();
    let s = config
        .source("giao-duc-dao-tao")
        .expect("an id from the title");
    assert_eq!(s.name, "Giáo dục – Đào tạo");

    // A page without a list: what to do, and --force.
    let bare = format!("{base}/trang-trong");
    let out = add(&[&bare]).await;
    refused(&out, "preview --explain");
    refused(&out, "--force");
    let out = add(&[&bare, "--force"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = tinkhac::config::Config::load(&cfg.path).unwrap();
    assert_eq!(
        config.source("gioi-thieu").map(|s| s.name.as_str()),
        Some("Giới thiệu")
    );
}

/// `feeds export` → `feeds import` lost ids, intervals, topics and scrape
/// rules: subscribers' `/sources/<id>.xml` broke on a move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opml_round_trip_keeps_ids_intervals_topics_and_scrape_rules() {
    let topics = "[[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"học sinh\"]\n\n\
                  [[topic]]\nid = \"thi-cu\"\nname = \"Thi cử\"\nkeywords = [\"thi\"]\n";
    let from = support::config(&format!(
        "[[source]]\nid = \"so-gddt\"\nname = \"Sở GD&ĐT \\\"Hải Phòng\\\"\"\n\
         url = \"https://so.example.vn/tin-tuc?muc=1&trang=2\"\ninterval = \"45m\"\n\
         timeout = \"7s\"\ntopics = [\"giao-duc\", \"thi-cu\"]\nkind = \"html\"\n\
         [source.scrape]\nitems = \"ul.tin > li:not(.qc)\"\ntitle = \"h3 a\"\n\
         date = \"span.ngay\"\ndate_format = \"%d/%m/%Y\"\n\n\
         [[source]]\nid = \"bao\"\nurl = \"https://bao.example.vn/rss\"\nkind = \"feed\"\n\n{topics}"
    ));
    let export = tinkhac_async(from.path.clone(), vec!["feeds", "export"]).await;
    assert!(export.status.success());
    let opml = from.path.with_file_name("move.opml");
    std::fs::write(&opml, &export.stdout).unwrap();

    let to = support::config(topics);
    let imp = tinkhac_async::<std::ffi::OsString>(
        to.path.clone(),
        vec!["feeds".into(), "import".into(), opml.clone().into()],
    )
    .await;
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    let a = tinkhac::config::Config::load(&from.path).unwrap();
    let b = tinkhac::config::Config::load(&to.path).unwrap();
    assert_eq!(a.sources.len(), b.sources.len());
    for (x, y) in a.sources.iter().zip(&b.sources) {
        assert_eq!(
            (&x.id, &x.name, &x.url, x.interval, x.timeout, &x.topics, x.kind, x.intranet),
            (&y.id, &y.name, &y.url, y.interval, y.timeout, &y.topics, y.kind, y.intranet)
        );
        let sel = |s: &tinkhac::config::SourceConfig| {
            s.scrape.as_ref().map(|sc| {
                (
                    sc.items.0.clone(),
                    sc.title.as_ref().map(|t| t.0.clone()),
                    sc.date.as_ref().map(|t| t.0.clone()),
                    sc.date_format.clone(),
                )
            })
        };
        assert_eq!(sel(x), sel(y), "{}", x.id);
    }
    assert!(b.source("so-gddt").unwrap().scrape.is_some());
}

/// `export`, `import`, `feed`, `telegram status` and `telegram resend`
/// stopped while `run` held the store: a backup needed downtime. Now they go
/// through the running daemon's admin API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_work_while_the_daemon_runs() {
    let portal = TestPortal::start().await;
    // A fixed port, so the commands find the daemon where the file says.
    let port = support::free_port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n\n[storage]\npath = \"store\"\n\n\
             [[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\ntopics = [\"giao-duc\"]\n\n\
             [[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"học sinh\"]\n\n\
             [telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\n",
            portal.url(&portal.path_of("hp-danh-muc-giao-duc.html"))
        ),
    )
    .unwrap();
    let token = "an-admin-token";
    let mut d = Daemon::start(&path, &[("TINKHAC_ADMIN_TOKEN", token)]);
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;

    let cli = |args: Vec<String>, with_token: bool| {
        let path = path.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"));
                cmd.arg("--config").arg(&path).args(&args);
                cmd.env_remove("TINKHAC_ADMIN_TOKEN");
                if with_token {
                    cmd.env("TINKHAC_ADMIN_TOKEN", token);
                }
                cmd.output().unwrap()
            })
            .await
            .unwrap()
        }
    };
    let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();

    // Without the token: a clear refusal, not "the store is in use".
    let out = cli(words("export"), false).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TINKHAC_ADMIN_TOKEN"), "{err}");

    // A backup while it runs.
    let out = cli(words("export"), true).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let backup = text(&out);
    let items: Vec<serde_json::Value> = backup
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(items.len(), 12, "{backup}");

    // A restore of one more item, then the daemon's own feed shows it.
    let mut extra = items[0].clone();
    extra["id"] = "https://so.example.vn/bai-moi".into();
    extra["link"] = "https://so.example.vn/bai-moi".into();
    extra["title"] = "Bài khôi phục từ bản sao lưu".into();
    let file = dir.path().join("sao-luu.jsonl");
    std::fs::write(&file, format!("{extra}\n")).unwrap();
    let out = cli(
        vec!["import".into(), file.to_string_lossy().into_owned()],
        true,
    )
    .await;
    assert!(
        text(&out).contains("1 items added"),
        "{}{}",
        text(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(words("feed"), false).await;
    assert!(text(&out).contains("Bài khôi phục từ bản sao lưu"));

    // The queue, and a resend, through the daemon.
    let out = cli(words("telegram status"), true).await;
    assert!(
        text(&out).contains("channel @kenh_thu:"),
        "{}{}",
        text(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(words("telegram resend --since 01/12/2025 --dry-run"), true).await;
    assert!(
        text(&out).contains("would be queued (dry run)"),
        "{}{}",
        text(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    drop(d);
}

/// `[server] admin_token_file`: the token read from a file (the way a
/// systemd credential or a secrets mount hands it over), for the daemon and
/// for the commands that talk to it; an empty file stops the daemon with an
/// error that names the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_token_can_come_from_a_file() {
    let portal = TestPortal::start().await;
    let cfg = support::config(&format!(
        "[[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html"))
    ));
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    // A fixed port, so that the command finds the daemon on it.
    let with_file = text.replacen(
        "listen = \"127.0.0.1:0\"\n",
        &format!(
            "listen = \"127.0.0.1:{}\"\nadmin_token_file = \"admin-token\"\n",
            support::free_port()
        ),
        1,
    );
    std::fs::write(&cfg.path, &with_file).unwrap();
    let token_path = cfg.path.with_file_name("admin-token");

    // Empty: refused at start, naming the file.
    std::fs::write(&token_path, "  \n").unwrap();
    let d = Daemon::start(&cfg.path, &[]);
    let (status, log) = d.wait().await;
    assert!(!status.success());
    let log = log.join("\n");
    assert!(
        log.contains("admin token file") && log.contains("is empty"),
        "{log}"
    );

    std::fs::write(&token_path, "token-from-file\n").unwrap();
    let mut d = Daemon::start(&cfg.path, &[]);
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    let reload = |token: &'static str| {
        let url = format!("{base}/admin/reload");
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(reload("token-from-file").await, 202, "the file's token");
    assert_eq!(reload("another-token").await, 401);
    let login = reqwest::get(format!("{base}/admin/login")).await.unwrap();
    assert_eq!(login.status(), 200, "the web admin exists with it");

    // A command reads the same file to go through the running daemon.
    let out = tinkhac_async(cfg.path.clone(), vec!["export"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).is_empty());
    d.signal("TERM");
    let (_, log) = d.wait().await;
    assert!(
        !log.join("\n").contains("token-from-file"),
        "the token is never logged"
    );
}

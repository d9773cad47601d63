//! Test servers on 127.0.0.1:0 and configurations pointing at them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tinkhac::config::Config;
use tinkhac::demo::Portal;
use tokio_util::sync::CancellationToken;
use url::Url;

pub fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// Whether this run is CI's (`CI` set to anything but empty, `0` or
/// `false`): there a missing tool fails the test that needs it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// A test's tool is missing: in CI that fails the test; on a laptop the
/// skip is written straight to stderr, past the harness's capture, so
/// `cargo test` shows it even when the test passes.
pub fn tool_missing(test: &str, what: &str) {
    assert!(
        !in_ci(),
        "{test}: {what}; CI must have it (.ci/run installs it)"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {what}");
}

/// A loopback "portal": the seeds as mapped in `seeds/portal.toml`, plus
/// routes that misbehave on purpose.
pub struct TestPortal {
    pub base: Url,
    /// Items of the generated feed at `/gen/giao-duc.rss`, oldest first.
    pub gen: Arc<Mutex<Vec<GenItem>>>,
    /// `/switch` serves the listing page while false, a page that lost its
    /// list while true (a portal redesign).
    pub redesigned: Arc<std::sync::atomic::AtomicBool>,
    pub portal: Arc<Portal>,
    shutdown: CancellationToken,
}

impl Drop for TestPortal {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// 40 MiB of text, sent in 64 KiB chunks.
async fn huge() -> impl IntoResponse {
    let chunk = vec![b'a'; 64 * 1024];
    let stream =
        futures_util::stream::iter((0..640).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    (
        [(header::CONTENT_TYPE, "text/html")],
        axum::body::Body::from_stream(stream),
    )
}

/// About 100 KiB of gzip that inflates to 100 MiB.
fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..100 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap()
}

/// One item of the generated feed.
#[derive(Debug, Clone)]
pub struct GenItem {
    pub title: String,
    pub summary: String,
}

/// An education item for the generated feed (the channel wants it).
pub fn edu(n: usize) -> GenItem {
    GenItem {
        title: format!("Thông báo tuyển sinh lớp 10 THPT năm học 2026 – 2027, đợt {n}"),
        summary: format!("Sở Giáo dục và Đào tạo thông báo lịch tuyển sinh đợt {n}."),
    }
}

/// An item the channel must not get.
pub fn other(n: usize) -> GenItem {
    GenItem {
        title: format!("Giá cả thị trường dịp Tết ổn định, bản tin số {n}"),
        summary: "Các mặt hàng thiết yếu không biến động.".into(),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An RSS feed of the generated items, newest first, one minute apart.
fn gen_feed(items: &[GenItem]) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2025-12-24T08:00:00+07:00").unwrap();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Sở GD&amp;ĐT</title><link>https://so-gddt.test/</link><description>Tin</description>\n");
    for (n, it) in items.iter().enumerate().rev() {
        let date = start + chrono::Duration::minutes(n as i64);
        out += &format!(
            "<item><title>{}</title><link>https://so-gddt.test/tin/{n}</link><guid>https://so-gddt.test/tin/{n}</guid><description>{}</description><pubDate>{}</pubDate></item>\n",
            xml_escape(&it.title),
            xml_escape(&it.summary),
            date.to_rfc2822()
        );
    }
    out + "</channel></rss>\n"
}

impl TestPortal {
    /// Add items to the generated feed.
    pub fn publish(&self, items: impl IntoIterator<Item = GenItem>) {
        self.gen.lock().unwrap().extend(items);
    }

    pub async fn start() -> TestPortal {
        let portal = Arc::new(Portal::load(&seeds_dir()).expect("seeds load"));
        let bomb = Arc::new(gzip_bomb());
        let gen: Arc<Mutex<Vec<GenItem>>> = Arc::default();
        let g = gen.clone();
        let redesigned = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = redesigned.clone();
        let listing = std::fs::read(seeds_dir().join("hp-danh-muc-giao-duc.html")).unwrap();
        let lost = std::fs::read(seeds_dir().join("hp-tin-khac-mat.html")).unwrap();
        let app = Router::new()
            // Never answers: the client's timeout must end it.
            .route("/slow", get(std::future::pending::<&'static str>))
            .route("/huge", get(huge))
            .route(
                "/bomb",
                get(move || {
                    let bomb = bomb.clone();
                    async move {
                        (
                            [
                                (header::CONTENT_TYPE, "text/html"),
                                (header::CONTENT_ENCODING, "gzip"),
                            ],
                            bomb.as_ref().clone(),
                        )
                    }
                }),
            )
            .route(
                "/loop",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
            )
            .route(
                "/garbage.rss",
                get(|| async {
                    let bytes: Vec<u8> = (0..4096u32)
                        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                        .collect();
                    ([(header::CONTENT_TYPE, "application/rss+xml")], bytes)
                }),
            )
            .route(
                "/garbage.html",
                get(|| async {
                    let bytes: Vec<u8> = (0..4096u32)
                        .map(|i| (i.wrapping_mul(2246822519) >> 11) as u8)
                        .collect();
                    ([(header::CONTENT_TYPE, "text/html")], bytes)
                }),
            )
            .route(
                "/e500",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
            )
            .route(
                "/e429",
                get(|| async {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "120")],
                        "slow down",
                    )
                }),
            )
            .route(
                "/gen/giao-duc.rss",
                get(move || {
                    let g = g.clone();
                    async move {
                        let xml = gen_feed(&g.lock().unwrap());
                        ([(header::CONTENT_TYPE, "application/rss+xml")], xml)
                    }
                }),
            )
            .route(
                "/switch",
                get(move || {
                    let page = if flag.load(std::sync::atomic::Ordering::SeqCst) {
                        lost.clone()
                    } else {
                        listing.clone()
                    };
                    async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
                }),
            )
            .merge(portal.clone().router());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let s = shutdown.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { s.cancelled().await })
                .await
                .unwrap();
        });
        TestPortal {
            base: Url::parse(&format!("http://{addr}/")).unwrap(),
            gen,
            redesigned,
            portal,
            shutdown,
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    /// The portal path of a seed file (its first entry in portal.toml).
    pub fn path_of(&self, file: &str) -> String {
        self.portal
            .pages()
            .iter()
            .find(|(p, _)| p.file == file)
            .map(|(p, _)| p.path.clone())
            .unwrap_or_else(|| panic!("{file} is not in portal.toml"))
    }

    /// `[[source]]` tables for every seed page (day-one view).
    pub fn seed_sources_toml(&self) -> String {
        let mut out = String::new();
        let mut seen = Vec::new();
        for (p, _) in self.portal.pages() {
            if seen.contains(&p.path) || p.article {
                continue;
            }
            seen.push(p.path.clone());
            out += &format!(
                "[[source]]\nid = \"{}\"\nurl = \"{}\"\n\n",
                p.id,
                self.url(&p.path)
            );
        }
        out
    }
}

/// A loopback port free a moment ago, for a daemon whose configuration
/// must name its address before it starts (the commands find it there).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Serve `app` on 127.0.0.1:0 for the rest of the test (the test's runtime
/// ends it).
pub async fn stand_in(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A configuration in a fresh temporary directory; `body` holds the
/// sources and anything else. The store lives in the same directory.
pub struct TestConfig {
    /// Kept so the directory lives as long as the test.
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub config: Config,
}

pub fn config(body: &str) -> TestConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ntitle = \"Tin thử\"\n\n[storage]\npath = \"store\"\n\n[fetch]\ninterval = \"10m\"\ntimeout = \"2s\"\n\n{body}"
    );
    std::fs::write(&path, &text).unwrap();
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    TestConfig {
        _dir: dir,
        path,
        config,
    }
}

/// The `[[topic]]` tables of the shipped feeds.toml, so tests classify as a
/// user's daemon does.
pub fn shipped_topics_toml() -> String {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml")).unwrap();
    let start = text.find("[[topic]]").expect("feeds.toml has topics");
    let end = text[start..]
        .find("\n[telegram]")
        .map_or(text.len(), |e| start + e);
    text[start..end].to_string()
}

/// The real binary running `tinkhac run`, with its log read line by line.
pub struct Daemon {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub log: Vec<String>,
}

impl Daemon {
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Daemon {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"));
        cmd.arg("--config")
            .arg(config)
            .arg("run")
            .env("RUST_LOG", "tinkhac=info")
            .env_remove("TELEGRAM_BOT_TOKEN")
            .env_remove("TINKHAC_ADMIN_TOKEN")
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Read the log until `n` lines contain `needle` (counting from the
    /// start), or panic after `timeout` with the log so far.
    pub async fn wait_log(&mut self, needle: &str, n: usize, timeout: std::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while self.log.iter().filter(|l| l.contains(needle)).count() < n {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let next = tokio::task::block_in_place(|| self.lines.recv_timeout(left));
            match next {
                Ok(line) => self.log.push(line),
                Err(_) => panic!("waited for {n} × {needle:?}; log:\n{}", self.log.join("\n")),
            }
        }
    }

    /// The first log line that contains `needle`, once there is one: see
    /// [`Daemon::wait_log`].
    pub async fn log_line(&mut self, needle: &str, timeout: std::time::Duration) -> String {
        self.wait_log(needle, 1, timeout).await;
        let line = self.log.iter().find(|l| l.contains(needle));
        line.unwrap().clone()
    }

    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// Wait for the process to end; the rest of its log is kept.
    pub async fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = tokio::task::block_in_place(|| self.child.wait().unwrap());
        let mut log = std::mem::take(&mut self.log);
        // The reader thread may still hold the last lines: read up to the
        // pipe's end (the thread then drops its sender).
        tokio::task::block_in_place(|| {
            while let Ok(line) = self.lines.recv_timeout(std::time::Duration::from_secs(10)) {
                log.push(line);
            }
        });
        (status, log)
    }
}

/// A test that fails half-way must not leave its daemon running (holding
/// the harness's output pipe open, and its port).
impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Run the binary once with `--config` and `args`.
pub fn tinkhac<S: AsRef<std::ffi::OsStr>>(config: &Path, args: &[S]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "tinkhac=info")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TINKHAC_ADMIN_TOKEN")
        .output()
        .expect("the binary runs")
}

/// The same, off the async runtime, so the test's servers keep serving.
pub async fn tinkhac_async<S: AsRef<std::ffi::OsStr> + Send + Sync + 'static>(
    config: PathBuf,
    args: Vec<S>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || tinkhac(&config, &args))
        .await
        .unwrap()
}

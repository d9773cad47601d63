//! Test servers on 127.0.0.1:0 and configurations pointing at them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// A loopback "portal": the seeds as mapped in `seeds/portal.toml`, plus
/// routes that misbehave on purpose.
pub struct TestPortal {
    pub base: Url,
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

impl TestPortal {
    pub async fn start() -> TestPortal {
        let portal = Arc::new(Portal::load(&seeds_dir()).expect("seeds load"));
        let bomb = Arc::new(gzip_bomb());
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
            if seen.contains(&p.path) {
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

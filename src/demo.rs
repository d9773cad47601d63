//! `tinkhac demo`: the whole pipeline on the shipped sample pages, with no
//! network and no token.
//!
//! A loopback "portal" serves `seeds/` as listed in `seeds/portal.toml`
//! (with ETags, so the second poll of an unchanged page is a 304). The demo
//! polls it as day one, switches the portal to day two (some pages gain new
//! items), polls again, follows day two's new items of its own site to their
//! article pages, then serves the feeds until Ctrl-C. The store is a
//! throw-away temporary directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::Config;
use crate::feeds_edit;

#[derive(Debug, Deserialize)]
struct PortalMap {
    page: Vec<PageEntry>,
}

/// One page of the sample portal.
#[derive(Debug, Clone, Deserialize)]
pub struct PageEntry {
    pub path: String,
    pub file: String,
    pub content_type: String,
    /// 1: the first day only; 2: from the second day on; none: both.
    pub day: Option<u8>,
    /// The source id the demo gives this page.
    pub id: String,
    pub name: Option<String>,
    /// An article page: served for the follow-ups, polled by no source.
    #[serde(default)]
    pub article: bool,
}

/// The sample portal: pages by path, for day one and day two.
pub struct Portal {
    pages: Vec<(PageEntry, Vec<u8>)>,
    day: AtomicU8,
    not_modified: AtomicUsize,
}

impl Portal {
    pub fn load(seeds: &Path) -> anyhow::Result<Portal> {
        let map_path = seeds.join("portal.toml");
        let text = std::fs::read_to_string(&map_path)
            .with_context(|| format!("cannot read {}", map_path.display()))?;
        let map: PortalMap =
            toml::from_str(&text).with_context(|| format!("bad {}", map_path.display()))?;
        let mut pages = Vec::new();
        for p in map.page {
            let bytes = std::fs::read(seeds.join(&p.file))
                .with_context(|| format!("cannot read seed {}", p.file))?;
            pages.push((p, bytes));
        }
        Ok(Portal {
            pages,
            day: AtomicU8::new(1),
            not_modified: AtomicUsize::new(0),
        })
    }

    pub fn set_day(&self, day: u8) {
        self.day.store(day, Ordering::SeqCst);
    }

    /// Every page entry with its bytes, for tests and tools.
    pub fn pages(&self) -> &[(PageEntry, Vec<u8>)] {
        &self.pages
    }

    /// The page served at `path` today.
    fn page(&self, path: &str) -> Option<&(PageEntry, Vec<u8>)> {
        let day = self.day.load(Ordering::SeqCst);
        self.pages.iter().rev().find(|(p, _)| {
            p.path == path
                && p.day
                    .is_none_or(|d| if d == 1 { day == 1 } else { day >= d })
        })
    }

    /// Distinct paths, in map order, with the first entry of each.
    pub fn paths(&self) -> Vec<&PageEntry> {
        let mut seen: Vec<&PageEntry> = Vec::new();
        for (p, _) in &self.pages {
            if !seen.iter().any(|s| s.path == p.path) {
                seen.push(p);
            }
        }
        seen
    }

    /// How many 304 answers the portal gave: each is a page not parsed.
    pub fn not_modified_served(&self) -> usize {
        self.not_modified.load(Ordering::SeqCst)
    }

    /// The portal as a router: every mapped path, 404 elsewhere.
    pub fn router(self: Arc<Self>) -> axum::Router {
        axum::Router::new().fallback(portal_page).with_state(self)
    }

    /// Serve on an already bound listener until `shutdown`.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
    }
}

async fn portal_page(State(portal): State<Arc<Portal>>, uri: Uri, headers: HeaderMap) -> Response {
    let Some((page, bytes)) = portal.page(uri.path()) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let digest = Sha256::digest(bytes);
    let etag = format!(
        "\"{}\"",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let mut h = HeaderMap::new();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    if let Ok(ct) = HeaderValue::from_str(&page.content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        portal.not_modified.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    (h, bytes.clone()).into_response()
}

/// Where `cargo run -- demo` finds the samples: the crate's own `seeds/`.
pub fn default_seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// The demo's own `feeds.toml`: the text of `base` (normally the shipped
/// `feeds.toml`: its topics, channel settings and comments) with its
/// sources replaced by every page of the portal at `portal_base`, served at
/// `listen`, the store in `store_dir`, and short intervals.
///
/// The demo runs from this file, written in its throw-away directory: the
/// web admin's edits and the reloads they cause go there, never to the
/// shipped file, and an edit of the shipped file while the demo runs does
/// not send it to the real portal.
pub fn demo_feeds_toml(
    base: &str,
    portal: &Portal,
    portal_base: &Url,
    store_dir: &Path,
    listen: std::net::SocketAddr,
) -> anyhow::Result<String> {
    let mut text = base.to_string();
    for (id, _) in feeds_edit::list_sources(&text)? {
        text = feeds_edit::remove_source(&text, &id)?;
    }
    let mut doc: toml_edit::DocumentMut = text.parse()?;
    let base_url = format!("http://{listen}/");
    doc["server"]["listen"] = toml_edit::value(listen.to_string());
    doc["server"]["base_url"] = toml_edit::value(base_url);
    // The admin token comes from the environment only, never a file the
    // shipped configuration names.
    if let Some(server) = doc["server"].as_table_like_mut() {
        server.remove("admin_token_file");
    }
    doc["storage"]["path"] = toml_edit::value(
        store_dir
            .join("tinkhac.sled")
            .to_str()
            .context("the temporary directory's path is not UTF-8")?,
    );
    // The sample portal is ours: no need to spare it.
    doc["follow"]["per_host_per_minute"] = toml_edit::value(600);
    let mut text = doc.to_string();
    for p in portal.paths().into_iter().filter(|p| !p.article) {
        let new = feeds_edit::NewSource {
            id: p.id.clone(),
            name: p.name.clone().unwrap_or_else(|| p.id.clone()),
            url: portal_base.join(&p.path)?.to_string(),
            interval: Some("30s".into()),
            timeout: Some("10s".into()),
            ..feeds_edit::NewSource::default()
        };
        text = feeds_edit::add_source(&text, &new)?;
    }
    Ok(text)
}

/// `tinkhac demo`: poll the sample portal as day one and day two, show what
/// happened, then serve the feeds (or exit, with `once`).
pub async fn run(
    config_path: &Path,
    seeds: &Path,
    listen: std::net::SocketAddr,
    once: bool,
) -> anyhow::Result<()> {
    use crate::runtime::{App, Secrets};
    use crate::store::{Filter, OutboxStore, Store};

    // Topics and channel settings come from the shipped feeds.toml when it is
    // there; the sources are the sample portal's pages.
    let base = if config_path.exists() {
        Config::load(config_path)?;
        std::fs::read_to_string(config_path)?
    } else {
        String::new()
    };
    let portal = Arc::new(Portal::load(seeds)?);
    let shutdown = CancellationToken::new();
    let portal_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let portal_url = Url::parse(&format!("http://{}/", portal_listener.local_addr()?))?;
    let portal_task = tokio::spawn(portal.clone().serve(portal_listener, shutdown.clone()));

    let listener = if once {
        None
    } else {
        Some(match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{listen} is taken ({e}); using any free port");
                tokio::net::TcpListener::bind("127.0.0.1:0").await?
            }
        })
    };
    let served_at = match &listener {
        Some(l) => l.local_addr()?,
        None => listen,
    };
    let store_dir = tempfile::Builder::new().prefix("tinkhac-demo-").tempdir()?;
    let demo_path = store_dir.path().join("feeds.toml");
    let text = demo_feeds_toml(&base, &portal, &portal_url, store_dir.path(), served_at)?;
    std::fs::write(&demo_path, text)
        .with_context(|| format!("cannot write {}", demo_path.display()))?;
    let config = Arc::new(Config::load(&demo_path)?);
    let store = Store::open(&config.storage.path, config.storage.cache_bytes)?;
    // No bot token in the demo, whatever the environment says: a dry run.
    // The web admin, when TINKHAC_ADMIN_TOKEN is set, edits the demo's own
    // feeds.toml.
    let admin_token = crate::config::read_secret(
        "admin token",
        std::env::var("TINKHAC_ADMIN_TOKEN").ok(),
        None,
    )?
    .filter(|_| !once);
    let secrets = Secrets {
        admin_token: admin_token.clone(),
        ..Secrets::default()
    };
    let mut app = App::build(config.clone(), store.clone(), secrets)?;

    println!(
        "Sample portal at {portal_url} ({} pages); throw-away store in {}",
        config.sources.len(),
        store_dir.path().display()
    );
    println!("\n== Day 1: first poll of every source (their items are the backlog: stored, never pushed)");
    crate::output::print_reports(&app.poll_in_order().await);
    portal.set_day(2);
    println!("\n== Day 2: the portal has new items; unchanged pages answer 304");
    crate::output::print_reports(&app.poll_in_order().await);
    let followed = app.follow_all(&shutdown).await;
    if !followed.is_empty() {
        println!("\n== Follow-ups: day two's new items read at their article pages");
        for r in &followed {
            let title = store
                .item(&r.item_id)?
                .map_or_else(|| r.item_id.clone(), |i| i.title);
            println!("  {}", crate::output::follow_line(&title, &r.outcome));
        }
    }

    if let Some(sent) = app.drain(&shutdown).await? {
        println!(
            "\n== Telegram (dry run, no token): day two's new education items, as teachers in {} would read them:",
            config.telegram.as_ref().map_or("", |t| t.chat_id.as_str())
        );
        if sent.is_empty() {
            println!("  (nothing new for the channel)");
        }
        // As a teacher's Telegram shows it: bold as bold (on a terminal),
        // entities decoded, the link's text with its address.
        let styled = std::io::IsTerminal::is_terminal(&std::io::stdout());
        for text in sent {
            println!(
                "\n{}",
                crate::notify::message::for_terminal(&text, styled)
                    .lines()
                    .map(|l| format!("  │ {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }

    let items = store.latest(&Filter::All, config.server.max_items)?;
    println!(
        "\n== The unified feed now holds {} items (newest first):",
        items.len()
    );
    for i in items.iter().take(12) {
        println!(
            "  {:16}  {}{}",
            crate::item::shown_date(&i.published),
            i.title,
            if i.topics.is_empty() {
                String::new()
            } else {
                format!("  [{}]", i.topics.join(", "))
            }
        );
    }
    if items.len() > 12 {
        println!("  … and {} more", items.len() - 12);
    }

    let result = match listener {
        None => Ok(()),
        Some(listener) => {
            println!("\n== Serving (Ctrl-C to stop):");
            println!("  status page:   http://{served_at}/");
            println!("  unified feed:  http://{served_at}/feed.xml  (also .atom, .json)");
            for t in &config.topics {
                println!("  topic feed:    http://{served_at}/topics/{}.xml", t.id);
            }
            println!("  health:        http://{served_at}/healthz");
            println!("  metrics:       http://{served_at}/metrics");
            match &admin_token {
                Some(_) => println!(
                    "  web admin:     http://{served_at}/admin/  (log in with TINKHAC_ADMIN_TOKEN; \
                     edits go to {})",
                    demo_path.display()
                ),
                None => println!(
                    "  web admin:     off; run the demo with TINKHAC_ADMIN_TOKEN=<a token> to try it"
                ),
            }
            let stop = crate::runtime::shutdown_on_signals();
            let s = stop.clone();
            let d = shutdown.clone();
            tokio::spawn(async move {
                s.cancelled().await;
                d.cancel();
            });
            app.run(listener, stop).await
        }
    };
    shutdown.cancel();
    let _ = portal_task.await;
    store.flush().await?;
    result
}

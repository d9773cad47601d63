//! The pipeline end to end in-process: dedupe across pages and feeds, the 304
//! path, and the feed served over HTTP.

use std::collections::HashSet;
use std::sync::Arc;

use tinkhac::daemon::{poll_all, Poller};
use tinkhac::item::canonical_link;
use tinkhac::publish::http::{self, AppState};
use tinkhac::store::{Filter, PollStore, Store};
use tokio_util::sync::CancellationToken;

use crate::support::{self, TestPortal};

struct Setup {
    portal: TestPortal,
    cfg: support::TestConfig,
    store: Store,
    poller: Arc<Poller>,
}

async fn setup() -> Setup {
    let portal = TestPortal::start().await;
    let cfg = support::config(&format!(
        "{}{}",
        portal.seed_sources_toml(),
        support::shipped_topics_toml()
    ));
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Arc::new(Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap());
    Setup {
        portal,
        cfg,
        store,
        poller,
    }
}

/// Every distinct canonical link across the day-one golden files.
fn golden_links(base: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for file in [
        "hp-chinh-sach-khuyen-hoc.html",
        "hp-tin-tuc-cang-cat-bi.html",
        "hp-danh-muc-giao-duc.html",
        "thuynguyen-tin-tuc.html",
        "legacy-1258.html",
        "bao-hai-phong.rss",
        "so-gddt.atom",
    ] {
        let path = support::seeds_dir()
            .join("expected")
            .join(format!("{file}.json"));
        let v: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for e in v {
            if let Some(l) = e["link"].as_str() {
                let u = url::Url::parse(&l.replace("{base}", base)).unwrap();
                out.insert(canonical_link(&u).to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_listed_on_many_pages_and_a_feed_is_one_item() {
    let s = setup().await;
    poll_all(s.poller.clone()).await;
    let items = s.store.latest(&Filter::All, 10_000).unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "no duplicates");
    let with_links: HashSet<String> = items.iter().filter_map(|i| i.link.clone()).collect();
    let base = s.portal.base.as_str().trim_end_matches('/').to_string();
    let golden = golden_links(&base);
    let extra: Vec<_> = with_links.difference(&golden).collect();
    let missing: Vec<_> = golden.difference(&with_links).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "extra {extra:#?}\nmissing {missing:#?}"
    );
    // "Giải bài toán trường lớp THPT…" is on the article page, the second
    // article (with utm_*), the listing, and the RSS feed (with utm_* again).
    let shared = items
        .iter()
        .find(|i| i.title.starts_with("Giải bài toán trường lớp THPT"))
        .expect("the shared article");
    let srcs: HashSet<&str> = shared.sources.iter().map(String::as_str).collect();
    for id in [
        "hp-chinh-sach",
        "hp-tin-tuc",
        "hp-giao-duc",
        "bao-hai-phong",
    ] {
        assert!(srcs.contains(id), "{id} not in {srcs:?}");
    }
    assert!(!shared.link.as_ref().unwrap().contains("utm_"));
    // The item with neither guid nor link has one stable identity: a second
    // poll of the changed feed does not add it again.
    let before = s.store.item_count();
    s.portal.portal.set_day(2);
    poll_all(s.poller.clone()).await;
    let after = s.store.latest(&Filter::All, 10_000).unwrap();
    let titles: Vec<&str> = after.iter().map(|i| i.title.as_str()).collect();
    let unique_titles: HashSet<&str> = titles.iter().copied().collect();
    assert_eq!(
        titles.len(),
        unique_titles.len(),
        "a title appears twice: {titles:#?}"
    );
    assert_eq!(
        s.store.item_count(),
        before + 5,
        "day two adds 3 cards and 2 feed items"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_source_answers_304_and_nothing_is_parsed() {
    let s = setup().await;
    poll_all(s.poller.clone()).await;
    assert_eq!(s.portal.portal.not_modified_served(), 0);
    let reports = poll_all(s.poller.clone()).await;
    let healthy: Vec<_> = reports.iter().filter(|r| r.outcome.is_ok()).collect();
    let failed: Vec<_> = reports
        .iter()
        .filter_map(|r| {
            r.outcome
                .as_ref()
                .err()
                .map(|e| (&r.source_id, e.to_string()))
        })
        .collect();
    assert_eq!(healthy.len(), 7, "{failed:#?}");
    for r in &healthy {
        assert!(
            r.outcome.as_ref().unwrap().not_modified,
            "{} was parsed again",
            r.source_id
        );
    }
    assert_eq!(s.portal.portal.not_modified_served(), 7);
    // A broken page keeps no validators, so it is read in full each time.
    let broken = s.store.source_state("hp-mat-tin-khac").unwrap();
    assert!(broken.etag.is_none());
    assert_eq!(broken.consecutive_failures, 2);
}

/// The feeds of `s`'s store over HTTP on 127.0.0.1:0, until the token trips.
async fn serve(
    s: &Setup,
) -> (
    std::net::SocketAddr,
    CancellationToken,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let state = AppState::new(Arc::new(s.cfg.config.clone()), s.store.clone());
    let server = tokio::spawn(http::serve(listener, state, shutdown.clone()));
    (addr, shutdown, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_is_served_valid_cached_and_compressed() {
    let s = setup().await;
    poll_all(s.poller.clone()).await;
    let (addr, shutdown, server) = serve(&s).await;
    let client = reqwest::Client::builder().gzip(false).build().unwrap();
    let url = format!("http://{addr}/feed.xml");

    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/rss+xml"));
    assert!(resp.headers().contains_key("last-modified"));
    let body = resp.bytes().await.unwrap();
    let text = std::str::from_utf8(&body).unwrap();
    assert!(text.contains("rel=\"self\""), "atom:link self");
    assert!(text.contains("<lastBuildDate>"));
    assert!(
        text.contains("+0700</pubDate>"),
        "pubDate keeps the +07:00 offset"
    );
    assert!(text.contains("<source url="), "each item names its source");
    assert!(
        text.contains("isPermaLink=\"false\""),
        "items without links have non-permalink guids"
    );
    assert!(
        text.contains("&lt;Tên trường THPT&gt;"),
        "portal text is escaped"
    );
    assert!(
        text.contains("<category domain=\"giao-duc\">"),
        "topics appear as categories"
    );

    // It parses back to the stored items, newest first.
    let feed = feed_rs::parser::parse(&body[..]).unwrap();
    let stored = s
        .store
        .latest(&Filter::All, s.cfg.config.server.max_items)
        .unwrap();
    assert_eq!(feed.entries.len(), stored.len());
    for (e, i) in feed.entries.iter().zip(&stored) {
        assert_eq!(e.title.as_ref().unwrap().content, i.title);
    }
    let dates: Vec<_> = stored.iter().map(|i| i.published).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");

    // Revalidation: 304 with the same ETag; gzip when asked.
    let resp = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    let resp = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let gz = resp.bytes().await.unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    assert_eq!(plain, body.to_vec());

    // A topic feed holds only that topic; an unknown topic is a 404.
    let topic = client
        .get(format!("http://{addr}/topics/giao-duc.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(topic.status(), 200);
    let tf = feed_rs::parser::parse(&topic.bytes().await.unwrap()[..]).unwrap();
    assert!(!tf.entries.is_empty() && tf.entries.len() < feed.entries.len());
    let missing = client
        .get(format!("http://{addr}/topics/khong-co.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A store change makes a new rendering with a new ETag.
    s.portal.portal.set_day(2);
    poll_all(s.poller.clone()).await;
    let resp = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_ne!(resp.headers()["etag"].to_str().unwrap(), etag);

    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// A browser opening a feed URL gets the feed as a page (content
/// negotiation); a feed reader at the same URL still gets the feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_gets_a_page_and_a_reader_the_feed_at_the_same_url() {
    let s = setup().await;
    poll_all(s.poller.clone()).await;
    let (addr, shutdown, server) = serve(&s).await;
    let client = reqwest::Client::new();
    const CHROMIUM: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,\
                            image/avif,image/webp,image/apng,*/*;q=0.8";
    const SIMPLEPIE: &str =
        "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, \
                             application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.7, */*;q=0.1";
    let get = |path: &str, accept: &'static str| {
        client
            .get(format!("http://{addr}{path}"))
            .header("accept", accept)
            .send()
    };

    let page = get("/topics/giao-duc.xml", CHROMIUM).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.headers()["vary"].to_str().unwrap().contains("Accept"));
    let page_etag = page.headers()["etag"].to_str().unwrap().to_string();
    let html = page.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        html.contains("&lt;Tên trường THPT&gt;"),
        "portal text is escaped"
    );
    let stored = s
        .store
        .latest(&Filter::Topic("giao-duc".into()), 200)
        .unwrap();
    assert!(!stored.is_empty());
    for i in &stored {
        let title = i
            .title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(html.contains(&title), "lists {title}");
    }
    for url in [
        "/topics/giao-duc.xml",
        "/topics/giao-duc.atom",
        "/topics/giao-duc.json",
    ] {
        assert!(html.contains(url), "offers {url}");
    }
    assert!(
        html.contains("rel=\"alternate\""),
        "readers can discover the feed"
    );

    // Revalidation works for the page too, and its ETag is its own.
    let again = client
        .get(format!("http://{addr}/topics/giao-duc.xml"))
        .header("accept", CHROMIUM)
        .header("if-none-match", &page_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Readers, whether they mention text/html or not, get the feed.
    for accept in [SIMPLEPIE, "*/*", "application/rss+xml, text/html"] {
        let feed = get("/topics/giao-duc.xml", accept).await.unwrap();
        assert!(
            feed.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/rss+xml"),
            "{accept}"
        );
        assert_ne!(feed.headers()["etag"].to_str().unwrap(), page_etag);
        let parsed = feed_rs::parser::parse(&feed.bytes().await.unwrap()[..]).unwrap();
        assert_eq!(parsed.entries.len(), stored.len(), "{accept}");
    }
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// A second, independent reader: Python's feedparser must read the feed
/// without complaint (bozo = 0) and find every item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_feedparser_reads_the_feed_without_complaint() {
    let has_feedparser = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_feedparser {
        crate::support::tool_missing(
            "python_feedparser_reads_the_feed_without_complaint",
            "python3 with feedparser is not installed (apt-get install python3-feedparser)",
        );
        return;
    }
    let s = setup().await;
    poll_all(s.poller.clone()).await;
    let items = s.store.latest(&Filter::All, 200).unwrap();
    let meta = tinkhac::publish::rss::FeedMeta::for_filter(&s.cfg.config, &Filter::All).unwrap();
    let xml = tinkhac::publish::rss::render(&s.cfg.config, &meta, &items, chrono::Utc::now());
    let path = s.cfg.path.with_file_name("feed.xml");
    std::fs::write(&path, xml).unwrap();
    let script = "import sys, feedparser\nd = feedparser.parse(sys.argv[1])\nprint(int(d.bozo), len(d.entries), d.bozo_exception if d.bozo else '')";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.trim(),
        format!("0 {}", items.len()),
        "feedparser says: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_json_status_and_metrics_are_served() {
    let s = setup().await;
    let metrics = Arc::new(tinkhac::metrics::Metrics::default());
    let config = Arc::new(s.cfg.config.clone());
    let poller = Arc::new(
        Poller::new(config.clone(), s.store.clone())
            .unwrap()
            .with_metrics(metrics.clone()),
    );
    poll_all(poller.clone()).await;
    poll_all(poller).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let live = tinkhac::live::Live::new(config, None, metrics);
    let state = AppState::with_live(Arc::new(live), s.store.clone());
    let server = tokio::spawn(http::serve(listener, state, shutdown.clone()));
    let get = |path: &str| reqwest::get(format!("http://{addr}{path}"));
    let stored = s.store.latest(&Filter::All, 200).unwrap();

    for (path, ctype) in [
        ("/feed.xml", "application/rss+xml"),
        ("/feed.atom", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let resp = get(path).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(ctype),
            "{path}"
        );
        assert!(resp.headers().contains_key("etag"), "{path}");
        let body = resp.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
        let titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        let want: Vec<String> = stored.iter().map(|i| i.title.clone()).collect();
        assert_eq!(titles, want, "{path}");
    }
    let rss = get("/feed.xml").await.unwrap().text().await.unwrap();
    assert!(
        rss.contains("<?xml-stylesheet type=\"text/xsl\""),
        "browsers get a readable page"
    );
    let topic = get("/topics/giao-duc.atom").await.unwrap();
    assert_eq!(topic.status(), 200);
    let src = get("/sources/hp-giao-duc.json").await.unwrap();
    assert_eq!(src.status(), 200);
    let v: serde_json::Value = src.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 12);

    let status: serde_json::Value = get("/status.json").await.unwrap().json().await.unwrap();
    let lost = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "hp-mat-tin-khac")
        .unwrap();
    assert_eq!(
        lost["health"], "failing",
        "never yielded, two failures: failing, not yet broken"
    );
    assert!(lost["health_note"]
        .as_str()
        .unwrap()
        .contains("không tìm thấy"));
    let ok = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "hp-giao-duc")
        .unwrap();
    assert_eq!(ok["health"], "ok");
    assert_eq!(ok["items_last_poll"], 12);

    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("tinkhac_seconds_since_last_success{source=\"hp-giao-duc\"}"),
        "{metrics}"
    );
    for line in [
        "tinkhac_polls_total{source=\"hp-giao-duc\",outcome=\"ok\"} 1",
        "tinkhac_polls_total{source=\"hp-giao-duc\",outcome=\"not_modified\"} 1",
        "tinkhac_polls_total{source=\"hp-mat-tin-khac\",outcome=\"error\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
    assert!(
        metrics.contains("tinkhac_last_fetch_duration_seconds{source=\"hp-giao-duc\"}"),
        "{metrics}"
    );
    // One latency histogram over all sources: every poll fetched once.
    let sum_of = |prefix: &str| -> u64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    let polls = sum_of("tinkhac_polls_total{");
    assert!(polls > 0);
    assert_eq!(
        sum_of("tinkhac_fetch_duration_seconds_count "),
        polls,
        "{metrics}"
    );
    // Which source stores a shared article first depends on the order polls
    // finish in; the sum over sources does not.
    let new_total: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("tinkhac_new_items_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(new_total as usize, s.store.item_count(), "{metrics}");
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

//! What a subscriber meets: the subscription OPML, the feeds' dates and
//! authors, one date per article whatever order its sources come in, the
//! status page's order, paging and language, Telegram's reasons unwrapped,
//! the dry run's wording, and the demo's report. Through HTTP or the binary,
//! on stand-ins at 127.0.0.1:0.

use std::sync::Arc;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use tinkhac::config::Config;
use tinkhac::daemon::Poller;
use tinkhac::publish::http::{self, AppState};
use tinkhac::runtime::{App, Secrets};
use tinkhac::store::Store;
use tokio_util::sync::CancellationToken;

use crate::support::{self, edu, TestPortal};

/// The public address the test configurations give: a path under a host
/// that is not the test server's, so that every link is seen to come from
/// `base_url`, not from the request.
const BASE: &str = "https://tin.example.vn/hp";

/// A source name and a topic name an admin might write, with every XML
/// special character in them.
const HOSTILE_NAME: &str = "Sở GD&ĐT <\"thử\"> 'mới' & </outline>";
const HOSTILE_TOPIC: &str = "Giáo dục & <Đào tạo>";

/// A configuration in a fresh directory, with `base_url` = [`BASE`].
struct Cfg {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    config: Config,
}

fn cfg(body: &str) -> Cfg {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"{BASE}/\"\ntitle = \"Tin thử & <mới>\"\n\n\
         [storage]\npath = \"store\"\n\n[fetch]\ninterval = \"10m\"\ntimeout = \"2s\"\ntimezone = \"+07:00\"\n\n{body}"
    );
    std::fs::write(&path, &text).unwrap();
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    Cfg {
        _dir: dir,
        path,
        config,
    }
}

/// Serve `store` under `config` on 127.0.0.1:0 until the token trips.
async fn serve(config: &Config, store: &Store) -> (String, CancellationToken) {
    serve_state(AppState::new(Arc::new(config.clone()), store.clone())).await
}

async fn serve_state(state: AppState) -> (String, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(http::serve(listener, state, stop.clone()));
    (format!("http://{addr}"), stop)
}

/// Run `tinkhac once` and return its standard output.
async fn once(path: &std::path::Path) -> String {
    let out = support::tinkhac_async(path.to_path_buf(), vec!["once"]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get_text(url: &str) -> String {
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.text().await.unwrap()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// An RSS feed: (title, link, pubDate or none).
fn rss(items: &[(String, String, Option<String>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Nguồn thử</title><link>https://nguon.example.vn/</link><description>x</description>\n",
    );
    for (title, link, date) in items {
        out += &format!(
            "<item><title>{}</title><link>{}</link><guid>{}</guid>{}</item>\n",
            xml_escape(title),
            xml_escape(link),
            xml_escape(link),
            date.as_ref()
                .map(|d| format!("<pubDate>{d}</pubDate>"))
                .unwrap_or_default()
        );
    }
    out + "</channel></rss>\n"
}

/// A portal page listing (title, link, date as the page writes it).
fn page(items: &[(&str, &str, &str)]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Tin</title></head>\
         <body><ul class=\"tin\">",
    );
    for (title, link, date) in items {
        out +=
            &format!("<li><a href=\"{link}\">{title}</a> <span class=\"date\">{date}</span></li>");
    }
    out + "</ul></body></html>"
}

/// A stand-in answering `body` with `content_type` at every path.
async fn answering(content_type: &'static str, body: String) -> String {
    let app = Router::new().fallback(get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, content_type)], body) }
    }));
    format!("http://{}/", support::stand_in(app).await)
}

/// Poll each source once, in the order given.
async fn poll_in(config: &Config, store: &Store, order: &[&str]) {
    let poller = Poller::new(Arc::new(config.clone()), store.clone()).unwrap();
    for id in order {
        let source = config.source(id).unwrap();
        let report = poller.poll(source).await;
        assert!(report.outcome.is_ok(), "{id}: {:?}", report.outcome.err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_opml_lists_tinkhacs_own_feeds_escaped() {
    let portal_page = "https://portal.example.vn/tin-tuc?a=1&b=2";
    let c = cfg(&format!(
        "[[source]]\nid = \"so-gd\"\nname = \"{}\"\nurl = \"{portal_page}\"\n\n\
         [[source]]\nid = \"bao\"\nname = \"Báo thử\"\nurl = \"https://bao.example.vn/rss\"\n\n\
         [[topic]]\nid = \"giao-duc\"\nname = \"{}\"\nkeywords = [\"giáo dục\"]\n",
        HOSTILE_NAME.replace('"', "\\\""),
        HOSTILE_TOPIC
    ));
    let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
    let (local, stop) = serve(&c.config, &store).await;

    let r = client()
        .get(format!("{local}/subscriptions.opml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/x-opml"));
    let xml = r.text().await.unwrap();
    let feeds = tinkhac::opml::import(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let got: Vec<(&str, &str, Option<&str>)> = feeds
        .iter()
        .map(|f| (f.title.as_str(), f.xml_url.as_str(), f.category.as_deref()))
        .collect();
    let so_gd = format!("Tin thử & <mới> – {HOSTILE_NAME}");
    let topic = format!("Tin thử & <mới> – {HOSTILE_TOPIC}");
    assert_eq!(
        got,
        vec![
            ("Tin thử & <mới>", &*format!("{BASE}/feed.xml"), None),
            (
                &*topic,
                &*format!("{BASE}/topics/giao-duc.xml"),
                Some("Chủ đề")
            ),
            (
                &*so_gd,
                &*format!("{BASE}/sources/so-gd.xml"),
                Some("Nguồn tin")
            ),
            (
                "Tin thử & <mới> – Báo thử",
                &*format!("{BASE}/sources/bao.xml"),
                Some("Nguồn tin")
            ),
        ],
        "{xml}"
    );
    // Names escaped in the markup itself, never raw.
    assert!(!xml.contains("<\"thử\">") && !xml.contains("& <"), "{xml}");
    assert!(
        xml.contains("Sở GD&amp;ĐT &lt;&quot;thử&quot;&gt;"),
        "{xml}"
    );
    // Every feed it names is a feed this server serves (the same path
    // under the public address).
    for f in &feeds {
        let path = f.xml_url.strip_prefix(BASE).unwrap();
        let r = client().get(format!("{local}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let ct = r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(ct.starts_with("application/rss+xml"), "{path}: {ct}");
        assert!(feed_rs::parser::parse(r.bytes().await.unwrap().as_ref()).is_ok());
    }

    // The admin's source list moved to its own address.
    let sources = get_text(&format!("{local}/sources.opml")).await;
    let listed = tinkhac::opml::import(&sources).unwrap();
    assert_eq!(listed[0].xml_url, portal_page);
    assert!(
        !xml.contains("xmlUrl=\"https://portal.example.vn"),
        "no portal page to subscribe to: {xml}"
    );

    // The old address the status page offered answers 308 to the new one.
    let r = client()
        .get(format!("{local}/opml.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(
        r.headers()[header::LOCATION],
        format!("{BASE}/subscriptions.opml").as_str()
    );

    // The status page offers the subscribers' OPML, not the source list.
    let html = get_text(&format!("{local}/")).await;
    assert!(
        html.contains(&format!("{BASE}/subscriptions.opml")),
        "{html}"
    );
    assert!(!html.contains("/sources.opml") && !html.contains("/opml.xml"));
    stop.cancel();
}

/// Every date value in `text` that follows `open` up to `close`.
fn values<'t>(text: &'t str, open: &str, close: &str) -> Vec<&'t str> {
    text.split(open)
        .skip(1)
        .map(|rest| &rest[..rest.find(close).unwrap()])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_give_whole_seconds_and_each_item_its_source_as_author() {
    // Undated items are dated when first seen: a time with nanoseconds.
    let feed = answering(
        "application/rss+xml",
        rss(&[
            (
                "Không ngày 1".into(),
                "https://so.example.vn/a/1".into(),
                None,
            ),
            (
                "Không ngày 2".into(),
                "https://so.example.vn/a/2".into(),
                None,
            ),
            (
                "Có ngày".into(),
                "https://so.example.vn/a/3".into(),
                Some("Tue, 01 Dec 2026 11:06:12 +0700".into()),
            ),
        ]),
    )
    .await;
    let c = cfg(&format!(
        "[[source]]\nid = \"so-gd\"\nname = \"{}\"\nurl = \"{feed}\"\n",
        HOSTILE_NAME.replace('"', "\\\"")
    ));
    let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
    poll_in(&c.config, &store, &["so-gd"]).await;
    let stored = store
        .latest(&tinkhac::store::Filter::All, 10)
        .unwrap()
        .into_iter()
        .filter(|i| i.date_estimated)
        .count();
    assert_eq!(stored, 2);
    let (local, stop) = serve(&c.config, &store).await;

    let rss_text = get_text(&format!("{local}/feed.xml")).await;
    let atom = get_text(&format!("{local}/feed.atom")).await;
    let json: serde_json::Value =
        serde_json::from_str(&get_text(&format!("{local}/feed.json")).await).unwrap();
    let html = get_text(&format!("{local}/")).await;

    // Whole seconds everywhere a date is written.
    let mut rfc3339: Vec<String> = Vec::new();
    for tag in ["published", "updated"] {
        rfc3339.extend(
            values(&atom, &format!("<{tag}>"), &format!("</{tag}>"))
                .into_iter()
                .map(str::to_string),
        );
    }
    for item in json["items"].as_array().unwrap() {
        rfc3339.push(item["date_published"].as_str().unwrap().to_string());
    }
    rfc3339.extend(
        values(&html, "datetime=\"", "\"")
            .into_iter()
            .map(str::to_string),
    );
    assert!(rfc3339.len() >= 3 + 1 + 3 + 3, "{rfc3339:?}");
    for v in &rfc3339 {
        let d = chrono::DateTime::parse_from_rfc3339(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(d.timestamp_subsec_nanos(), 0, "{v}");
        assert!(!v.contains('.'), "a fraction of a second: {v}");
    }
    assert!(atom.contains("<published>2026-12-01T11:06:12+07:00</published>"));
    for v in values(&rss_text, "<pubDate>", "</pubDate>")
        .into_iter()
        .chain(values(&rss_text, "<lastBuildDate>", "</lastBuildDate>"))
    {
        let d = chrono::DateTime::parse_from_rfc2822(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(d.timestamp_subsec_nanos(), 0, "{v}");
    }

    // The source's name as the author, in every format, escaped.
    let escaped = xml_escape(HOSTILE_NAME);
    assert!(rss_text.contains("xmlns:dc=\"http://purl.org/dc/elements/1.1/\""));
    assert_eq!(
        rss_text
            .matches(&format!("<dc:creator>{escaped}</dc:creator>"))
            .count(),
        3,
        "{rss_text}"
    );
    assert_eq!(
        rss_text
            .matches(&format!("<source url=\"{BASE}/sources/so-gd.xml\">"))
            .count(),
        3,
        "<source url> is the source's own feed: {rss_text}"
    );
    let parsed = feed_rs::parser::parse(rss_text.as_bytes()).unwrap();
    for e in &parsed.entries {
        let names: Vec<&str> = e.authors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, [HOSTILE_NAME], "feed-rs reads the RSS author");
    }
    let parsed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    assert!(parsed
        .entries
        .iter()
        .all(|e| e.authors.len() == 1 && e.authors[0].name == HOSTILE_NAME));
    for item in json["items"].as_array().unwrap() {
        assert_eq!(item["authors"][0]["name"], HOSTILE_NAME);
    }
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_articles_date_is_the_same_whichever_source_stores_it_first() {
    // One page gives days alone, one feed times of day, for the same
    // articles: 1 the page's day is earlier; 2 the same day; 3 the page only.
    let listing = answering(
        "text/html; charset=utf-8",
        page(&[
            ("Bài một", "https://tin.example.vn/bai-1", "22/12/2025"),
            ("Bài hai", "https://tin.example.vn/bai-2", "23/12/2025"),
            ("Bài ba", "https://tin.example.vn/bai-3", "20/12/2025"),
        ]),
    )
    .await;
    let feed = answering(
        "application/rss+xml",
        rss(&[
            (
                "Bài một".into(),
                "https://tin.example.vn/bai-1?utm_source=rss".into(),
                Some("Tue, 23 Dec 2025 08:30:00 +0700".into()),
            ),
            (
                "Bài hai".into(),
                "https://tin.example.vn/bai-2".into(),
                Some("Tue, 23 Dec 2025 08:30:00 +0700".into()),
            ),
        ]),
    )
    .await;
    let body = format!(
        "[[source]]\nid = \"trang\"\nname = \"Trang\"\nurl = \"{listing}\"\n\
         [source.scrape]\nitems = \".tin li\"\ntitle = \"a\"\ndate = \".date\"\n\n\
         [[source]]\nid = \"feed\"\nname = \"Feed\"\nurl = \"{feed}\"\n"
    );
    for order in [["trang", "feed"], ["feed", "trang"]] {
        let c = cfg(&body);
        let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
        poll_in(&c.config, &store, &order).await;
        let (local, stop) = serve(&c.config, &store).await;
        let rss_text = get_text(&format!("{local}/feed.xml")).await;
        let html = get_text(&format!("{local}/")).await;
        stop.cancel();
        let parsed = feed_rs::parser::parse(rss_text.as_bytes()).unwrap();
        let mut dates: Vec<(String, String)> = parsed
            .entries
            .iter()
            .map(|e| {
                (
                    e.title.as_ref().unwrap().content.clone(),
                    e.published.unwrap().to_rfc3339(),
                )
            })
            .collect();
        dates.sort();
        assert_eq!(
            dates,
            [
                (
                    "Bài ba".to_string(),
                    "2025-12-19T17:00:00+00:00".to_string()
                ),
                (
                    "Bài hai".to_string(),
                    "2025-12-23T01:30:00+00:00".to_string()
                ),
                (
                    "Bài một".to_string(),
                    "2025-12-21T17:00:00+00:00".to_string()
                ),
            ],
            "order {order:?}"
        );
        // A day alone is shown as a day, never as "00:00".
        let meta = |title: &str| {
            let at = html.find(&format!(">{title}<")).unwrap();
            let rest = &html[at..];
            rest[..rest.find("</time>").unwrap()].to_string()
        };
        assert!(
            meta("Bài một").ends_with(">22/12/2025"),
            "{}",
            meta("Bài một")
        );
        assert!(
            meta("Bài ba").ends_with(">20/12/2025"),
            "{}",
            meta("Bài ba")
        );
        assert!(
            meta("Bài hai").ends_with(">23/12/2025 08:30"),
            "{}",
            meta("Bài hai")
        );
    }
}

/// The titles listed under "Tin mới nhất".
fn latest_titles(html: &str) -> Vec<String> {
    let start = html.find("id=\"tin-moi\"").expect("the latest items");
    let section = &html[start..];
    let section = &section[..section.find("</section>").unwrap()];
    section
        .split("<li><a href=\"")
        .skip(1)
        .map(|li| {
            let text = &li[li.find("\">").unwrap() + 2..];
            text[..text.find("</a>").unwrap()].to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_puts_subscribing_first_and_pages_the_latest_items() {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-01T08:00:00+07:00").unwrap();
    let items: Vec<(String, String, Option<String>)> = (0..45)
        .map(|n| {
            (
                format!("Tin số {n:02}"),
                format!("https://so.example.vn/tin/{n}"),
                Some((start + chrono::Duration::minutes(n)).to_rfc2822()),
            )
        })
        .collect();
    let feed = answering("application/rss+xml", rss(&items)).await;
    let c = cfg(&format!(
        "[[source]]\nid = \"so-gd\"\nname = \"Sở\"\nurl = \"{feed}\"\n\n\
         [[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"giáo dục\"]\n"
    ));
    let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
    poll_in(&c.config, &store, &["so-gd"]).await;
    let (local, stop) = serve(&c.config, &store).await;

    let first = get_text(&format!("{local}/")).await;
    let at = |html: &str, needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    // Subscribing comes before the items, the items before the sources.
    assert!(at(&first, "id=\"theo-doi\"") < at(&first, "id=\"tin-moi\""));
    assert!(at(&first, "id=\"tin-moi\"") < at(&first, "id=\"nguon\""));
    assert!(at(&first, "id=\"nguon\"") < at(&first, "id=\"kenh\""));
    // The unified feed and the OPML come first; the rest is folded.
    let subscribe = &first[at(&first, "id=\"theo-doi\"")..at(&first, "id=\"tin-moi\"")];
    assert!(at(subscribe, "/feed.xml") < at(subscribe, "<details"));
    assert!(at(subscribe, "/subscriptions.opml") < at(subscribe, "<details"));
    assert!(at(subscribe, "<details") < at(subscribe, "/topics/giao-duc.xml"));
    assert!(at(subscribe, "<details") < at(subscribe, "/sources/so-gd.xml"));

    let want: Vec<String> = (0..45).rev().map(|n| format!("Tin số {n:02}")).collect();
    let page = |n: Option<&str>| {
        let url = match n {
            Some(q) => format!("{local}/?page={q}"),
            None => format!("{local}/"),
        };
        async move { get_text(&url).await }
    };
    assert_eq!(latest_titles(&first), want[..20]);
    assert!(
        first.contains("href=\"?page=2#tin-moi\""),
        "a link to older items"
    );
    assert!(!first.contains("rel=\"prev\""), "nothing newer than page 1");

    let second = page(Some("2")).await;
    assert_eq!(latest_titles(&second), want[20..40]);
    assert!(second.contains("href=\"?page=1#tin-moi\""));
    assert!(second.contains("href=\"?page=3#tin-moi\""));

    let third = page(Some("3")).await;
    assert_eq!(latest_titles(&third), want[40..]);
    assert!(third.contains("href=\"?page=2#tin-moi\""));
    assert!(
        !third.contains("rel=\"next\""),
        "nothing older than the last page"
    );

    let beyond = page(Some("9")).await;
    assert!(latest_titles(&beyond).is_empty());
    assert!(beyond.contains("Không còn tin cũ hơn."));
    for junk in ["0", "-1", "abc", "99999999999999999999", "2&page=3"] {
        let html = page(Some(junk)).await;
        let titles = latest_titles(&html);
        assert!(
            titles == want[..20] || titles == want[20..40],
            "?page={junk}"
        );
    }
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_speaks_vietnamese_about_source_errors() {
    let portal = TestPortal::start().await;
    let c = cfg(&format!(
        "[[source]]\nid = \"loi-500\"\nname = \"Lỗi máy chủ\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"mat-tin\"\nname = \"Mất danh sách\"\nurl = \"{}\"\n",
        portal.url("/e500"),
        portal.url(&portal.path_of("hp-tin-khac-mat.html")),
    ));
    let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
    let poller = Poller::new(Arc::new(c.config.clone()), store.clone()).unwrap();
    for s in &c.config.sources {
        assert!(poller.poll(s).await.outcome.is_err(), "{} fails", s.id);
    }
    let (local, stop) = serve(&c.config, &store).await;
    let html = get_text(&format!("{local}/")).await;
    assert!(
        html.contains("Lỗi: máy chủ trả lời mã lỗi HTTP 500"),
        "{html}"
    );
    assert!(html.contains("Lỗi: không tìm thấy tin"), "{html}");
    for english in [
        "HTTP status",
        "no items found",
        "fetch failed",
        "chu kỳ 10m",
    ] {
        assert!(!html.contains(english), "{english:?} on the page");
    }
    assert!(html.contains("chu kỳ 10 phút"));
    // The admin's surfaces keep the English text the log has.
    let status: serde_json::Value =
        serde_json::from_str(&get_text(&format!("{local}/status.json")).await).unwrap();
    assert!(status["sources"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("HTTP status 500"));
    stop.cancel();
}

/// `[telegram]` for the shipped topics, at a Bot API nobody answers (a dry
/// run never calls it).
fn telegram_cfg(portal: &TestPortal) -> Cfg {
    cfg(&format!(
        "[[source]]\nid = \"gen\"\nname = \"Sở GD\"\nurl = \"{}\"\n\n{}\n\
         [telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"http://127.0.0.1:9/\"\n",
        portal.url("/gen/giao-duc.rss"),
        support::shipped_topics_toml()
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_would_send_and_is_counted_apart() {
    let portal = TestPortal::start().await;
    portal.publish([edu(0)]);

    // `once` says it would send; it never says "sent".
    let c = telegram_cfg(&portal);
    once(&c.path).await;
    portal.publish([edu(1)]);
    let text = once(&c.path).await;
    assert!(
        text.contains("telegram (dry-run): 1 would be sent (dry run, no token), 0 still queued"),
        "{text}"
    );
    assert!(!text.contains(" sent,"), "{text}");

    // The daemon's /healthz and status page count it apart from "sent".
    let c = telegram_cfg(&portal);
    let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
    let mut app = App::build(
        Arc::new(c.config.clone()),
        store.clone(),
        Secrets::default(),
    )
    .unwrap();
    app.poll_all().await;
    portal.publish([edu(2), edu(3)]);
    app.poll_all().await;
    let stop = CancellationToken::new();
    let logged = app.drain(&stop).await.unwrap().unwrap();
    assert_eq!(logged.len(), 2);

    let (local, serving) = serve_state(AppState::with_live(app.live.clone(), store.clone())).await;
    let health: serde_json::Value =
        serde_json::from_str(&get_text(&format!("{local}/healthz")).await).unwrap();
    let t = &health["telegram"];
    assert_eq!(t["mode"], "dry-run");
    assert_eq!(t["sent"], 0, "a dry run sends nothing: {health}");
    assert_eq!(t["would_send"], 2, "{health}");
    assert!(t["last_sent_at"].is_null() && t["last_sent_title"].is_null());
    let html = get_text(&format!("{local}/")).await;
    assert!(html.contains("Chạy thử, lẽ ra gửi"), "{html}");
    assert!(html.contains("chưa gửi tin nào"));
    serving.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_commands_name_the_zone_of_their_times() {
    let portal = TestPortal::start().await;
    portal.publish([edu(0)]);
    let c = telegram_cfg(&portal);
    once(&c.path).await;

    let before = chrono::Utc::now();
    let out = support::tinkhac_async(
        c.path.clone(),
        vec!["telegram", "resend", "--since", "2000-01-01"],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = chrono::Utc::now();
    let tz = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
    };

    let status = support::tinkhac_async(c.path.clone(), vec!["telegram", "status"]).await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("times in UTC+07:00"), "{text}");
    let queued = text
        .lines()
        .find(|l| l.contains("queued "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        queued.contains(&local(before)) || queued.contains(&local(after)),
        "queued at {}…{} in UTC+07:00: {queued}",
        local(before),
        local(after)
    );

    let list = support::tinkhac_async(c.path.clone(), vec!["feeds", "list"]).await;
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("times in UTC+07:00"), "{text}");
}

/// `demo --once`'s report, without the lines naming this run's port and
/// temporary directory.
fn demo_report() -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["demo", "--once"])
        .env_remove("RUST_LOG")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // "Sample portal at http://127.0.0.1:PORT/ (…)": this run's port.
    let portal = stdout
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .expect("the portal's address");
    let start = stdout.find("== Day 1").expect("day one");
    let end = stdout.find("== The unified feed").expect("the feed");
    (stdout[start..end].replace(portal, "PORTAL/"), stderr)
}

#[test]
fn the_demo_counts_the_same_every_run_and_shows_messages_as_read() {
    let (first, stderr) = demo_report();
    let (second, _) = demo_report();
    assert_eq!(first, second, "two runs of the demo differ");
    // Logs at warn only: no poll or message is told twice.
    assert!(!stderr.contains(" INFO "), "{stderr}");
    // The channel's messages as a teacher reads them, not as HTML.
    let messages = &first[first.find("== Telegram").expect("the channel")..];
    assert!(messages.contains("│ Xem chi tiết (http"), "{messages}");
    for raw in ["<b>", "</b>", "<i>", "<a href", "&amp;", "&lt;", "&quot;"] {
        assert!(!messages.contains(raw), "{raw} in {messages}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegrams_reason_is_shown_without_the_client_librarys_wrapping() {
    let portal = TestPortal::start().await;
    let bot = crate::standin::BotStandIn::start("123456:TEST-token_abc").await;
    portal.publish([edu(0)]);
    let c = cfg(&format!(
        "[[source]]\nid = \"gen\"\nname = \"Sở GD\"\nurl = \"{}\"\n\n{}\n\
         [telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"{}\"\ntimeout = \"3s\"\n",
        portal.url("/gen/giao-duc.rss"),
        support::shipped_topics_toml(),
        bot.api_url(),
    ));
    let store = Store::open(&c.config.storage.path, 1 << 20).unwrap();
    poll_in(&c.config, &store, &["gen"]).await;
    portal.publish([edu(1)]);
    poll_in(&c.config, &store, &["gen"]).await;
    bot.set_forbidden(true);
    let mut outbox = tinkhac::notify::Outbox::new(
        tokio::sync::watch::channel(Arc::new(c.config.clone())).1,
        store.clone(),
        Some(tinkhac::notify::telegram::Secret::new(
            "123456:TEST-token_abc",
        )),
    )
    .unwrap()
    .unwrap();
    let sent = outbox.drain(&CancellationToken::new()).await.unwrap();
    assert!(sent.is_empty());
    let why = outbox
        .status()
        .lock()
        .unwrap()
        .paused_reason
        .clone()
        .expect("paused");
    assert!(
        why.contains("(Forbidden: bot was kicked from the channel chat)"),
        "Telegram's own words: {why}"
    );
    assert!(!why.contains("A Telegram's error"), "{why}");
}

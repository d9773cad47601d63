//! Follow-ups: new items of a page followed to their article pages on a
//! loopback portal that counts every request, through the poller and the
//! store the daemon uses, `once`, the channel's wait, and a `kill -9` in the
//! middle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tinkhac::daemon::follow::{follow_all, HostRate, Outcome};
use tinkhac::daemon::Poller;
use tinkhac::store::{FollowStore, OutboxStore, Store};
use tokio_util::sync::CancellationToken;

use crate::standin::BotStandIn;
use crate::support::{self, seeds_dir, stand_in, TestConfig};
use tinkhac::notify::telegram::Secret;

/// The seed article with two attachments and three document numbers, at
/// its own path (its "Tin khác" lists itself there, and two others).
const DAY_THEM: &str =
    "/giao-duc-dao-tao-76770/trien-khai-quy-dinh-ve-day-them-hoc-them-tren-dia-ban-thanh-pho-680899";
/// Listed by [`DAY_THEM`]: served with the seed article that has no text
/// and a "Tin khác" list of its own (which must not be harvested: one hop).
const KHAI_GIANG: &str =
    "/giao-duc-dao-tao-76770/tap-huan-giao-vien-cot-can-mon-tin-hoc-cap-tieu-hoc-680861";
/// Listed by [`DAY_THEM`]; not served (404).
const LICH_THI: &str =
    "/giao-duc-dao-tao-76770/hai-phong-cong-bo-lich-thi-tuyen-sinh-lop-10-nam-hoc-2026-2027-680870";

/// What the portal answers at a path.
#[derive(Clone)]
enum Page {
    Html(Vec<u8>),
    Status(u16),
    /// The page after a delay.
    Slow(Vec<u8>, Duration),
}

#[derive(Default)]
struct Inner {
    /// The listing's items, newest first: (path, title, date).
    listing: Vec<(String, String, String)>,
    pages: HashMap<String, Page>,
    /// Requests by "METHOD path".
    hits: HashMap<String, usize>,
}

/// A portal whose listing page `/tin-tuc` is a "Các tin khác" block of the
/// items it is given, whose article pages are what the test says, and
/// whose attachments answer HEAD with a type and a size.
#[derive(Clone)]
struct Portal {
    base: String,
    inner: Arc<Mutex<Inner>>,
}

fn listing_html(items: &[(String, String, String)]) -> String {
    let mut lis = String::new();
    for (path, title, date) in items {
        lis += &format!(
            "<li><em class=\"fa fa-angle-right\">&nbsp;</em><h4><a href=\"{path}\" title=\"{title}\">{title}</a></h4><em>({date})</em></li>\n"
        );
    }
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Tin tức - Phường</title></head><body>\
         <div class=\"header\"><ul class=\"menu\"><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/gioi-thieu\">Giới thiệu</a></li></ul></div>\
         <div class=\"news-detail\"><h1>Tin tức</h1></div>\
         <div class=\"news-other\"><p class=\"h3\">Các tin khác</p>\
         <ul class=\"detail-related related list-none list-items\">\n{lis}</ul></div>\
         <div class=\"footer\">Cổng thông tin điện tử phường</div></body></html>"
    )
}

/// An article page of our own: a text citing Kế hoạch số N/KH-UBND, one
/// attachment, a time.
fn article_html(n: usize) -> Vec<u8> {
    let sentence = format!(
        "Ủy ban nhân dân phường ban hành Kế hoạch số {n}/KH-UBND về công tác giáo dục trong năm học mới, giao các trường rà soát cơ sở vật chất và đội ngũ giáo viên. "
    );
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Bài {n}</title>\
         <meta property=\"article:published_time\" content=\"2025-12-24T09:{:02}:00+07:00\"></head><body>\
         <article><h1>Bài số {n}</h1><div class=\"content\"><p>{}</p><p>{}</p>\
         <p>Tài liệu đính kèm: <a href=\"/files/ke-hoach-{n}.pdf\">Kế hoạch {n}/KH-UBND</a></p></div></article>\
         <div class=\"footer\">Cổng thông tin điện tử phường</div></body></html>",
        n % 60,
        sentence.repeat(4),
        sentence.repeat(3)
    )
    .into_bytes()
}

async fn answer(State(p): State<Arc<Mutex<Inner>>>, method: Method, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let page = {
        let mut inner = p.lock().unwrap();
        *inner.hits.entry(format!("{method} {path}")).or_default() += 1;
        if path == "/tin-tuc" {
            let html = listing_html(&inner.listing);
            return ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
        }
        inner.pages.get(&path).cloned()
    };
    if path.starts_with("/files/") || path.starts_with("/Uploads/") || path == "/DownloadFile.aspx"
    {
        // Answered to GET and HEAD alike; a HEAD's body is dropped, its
        // length kept.
        return (
            [(header::CONTENT_TYPE, "application/pdf")],
            vec![b'%'; 2048],
        )
            .into_response();
    }
    let html =
        |b: Vec<u8>| ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], b).into_response();
    match page {
        Some(Page::Html(b)) => html(b),
        Some(Page::Status(s)) => (StatusCode::from_u16(s).unwrap(), "lỗi").into_response(),
        Some(Page::Slow(b, d)) => {
            tokio::time::sleep(d).await;
            html(b)
        }
        None => (StatusCode::NOT_FOUND, "không tìm thấy").into_response(),
    }
}

impl Portal {
    async fn start() -> Portal {
        let inner: Arc<Mutex<Inner>> = Arc::default();
        {
            let mut i = inner.lock().unwrap();
            // The backlog: three items, listed from the start.
            for n in 1..=3 {
                i.listing.push((
                    format!("/tin-tuc/cu-{n}.html"),
                    format!("Phường Thủy Nguyên tổ chức hội nghị tổng kết công tác năm {n}"),
                    format!("2{n}/11/2025 08:00"),
                ));
            }
        }
        let app = Router::new().fallback(answer).with_state(inner.clone());
        let addr = stand_in(app).await;
        Portal {
            base: format!("http://{addr}"),
            inner,
        }
    }

    /// List a new item on top of the listing.
    fn list(&self, path: &str, title: &str, date: &str) {
        self.inner
            .lock()
            .unwrap()
            .listing
            .insert(0, (path.into(), title.into(), date.into()));
    }

    fn serve(&self, path: &str, page: Page) {
        self.inner.lock().unwrap().pages.insert(path.into(), page);
    }

    fn seed(name: &str) -> Vec<u8> {
        std::fs::read(seeds_dir().join(name)).unwrap()
    }

    fn hits(&self, method: &str, path: &str) -> usize {
        let inner = self.inner.lock().unwrap();
        inner
            .hits
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }

    /// GETs of article pages (not the listing, not attachments).
    fn article_gets(&self) -> usize {
        let inner = self.inner.lock().unwrap();
        inner
            .hits
            .iter()
            .filter(|(k, _)| {
                k.starts_with("GET /")
                    && !k.starts_with("GET /tin-tuc ")
                    && *k != "GET /tin-tuc"
                    && !k.contains("/files/")
                    && !k.contains("/Uploads/")
                    && !k.contains("DownloadFile")
            })
            .map(|(_, n)| n)
            .sum()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn config(portal: &Portal, extra: &str) -> TestConfig {
    support::config(&format!(
        "{extra}\n[[source]]\nid = \"phuong\"\nname = \"Phường\"\nurl = \"{}/tin-tuc\"\ninterval = \"1s\"\n",
        portal.base
    ))
}

struct Setup {
    cfg: TestConfig,
    store: Store,
    poller: Arc<Poller>,
    metrics: Arc<tinkhac::metrics::Metrics>,
}

/// A store and a poller on `cfg`, the listing polled once (its backlog:
/// stored, not followed).
async fn primed(portal: &Portal, extra: &str) -> Setup {
    let cfg = config(portal, extra);
    let config = Arc::new(cfg.config.clone());
    let store = Store::open(&config.storage.path, 1 << 20).unwrap();
    let metrics = Arc::new(tinkhac::metrics::Metrics::default());
    let poller = Arc::new(
        Poller::new(config.clone(), store.clone())
            .unwrap()
            .with_metrics(metrics.clone()),
    );
    let r = poller.poll(&config.sources[0]).await;
    assert_eq!(
        r.outcome.as_ref().map(|s| s.new).ok(),
        Some(3),
        "{:?}",
        r.outcome
    );
    assert_eq!(
        store.follow_counts().waiting,
        0,
        "the backlog is not followed"
    );
    Setup {
        cfg,
        store,
        poller,
        metrics,
    }
}

impl Setup {
    async fn poll(&self) -> usize {
        let r = self.poller.poll(&self.cfg.config.sources[0]).await;
        r.outcome.unwrap().new
    }

    fn item(&self, portal: &Portal, path: &str) -> Option<tinkhac::item::Item> {
        self.store.item(&portal.url(path)).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_item_is_followed_and_its_articles_list_adds_items_once_one_hop() {
    let portal = Portal::start().await;
    portal.serve(
        DAY_THEM,
        Page::Html(Portal::seed("article-day-them-hoc-them.html")),
    );
    portal.serve(
        KHAI_GIANG,
        Page::Html(Portal::seed("article-khong-noi-dung.html")),
    );
    let s = primed(&portal, "[follow]\nper_host_per_minute = 100\n").await;
    // The listing gives a day; the article gives 08:30.
    portal.list(
        DAY_THEM,
        "Triển khai quy định về dạy thêm, học thêm trên địa bàn thành phố",
        "23/12/2025",
    );
    assert_eq!(s.poll().await, 1);
    assert!(s.store.follow_pending(&portal.url(DAY_THEM)).unwrap());
    let stop = CancellationToken::new();
    let reports = follow_all(s.poller.clone(), &stop).await;

    let item = s.item(&portal, DAY_THEM).expect("stored");
    let a = item.article.as_ref().expect("followed");
    assert!(a.text_html.as_ref().is_some_and(|t| t.len() > 500), "{a:?}");
    assert!(!a.text_html.as_ref().unwrap().contains("<script"));
    assert_eq!(a.byline.as_deref(), Some("Minh Anh"));
    let names: Vec<&str> = a.attachments.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["Kế hoạch 215/KH-UBND", "Phụ lục biểu mẫu đăng ký"]);
    for att in &a.attachments {
        assert!(att.url.starts_with(&portal.base), "{att:?}");
        assert_eq!(
            att.content_type.as_deref(),
            Some("application/pdf"),
            "{att:?}"
        );
        assert_eq!(att.length, Some(2048), "from the HEAD: {att:?}");
    }
    assert_eq!(
        portal.hits("HEAD", "/Uploads/2025/12/215-KH-UBND_ke-hoach-day-them.pdf"),
        1
    );
    assert_eq!(
        portal.hits("GET", "/Uploads/2025/12/215-KH-UBND_ke-hoach-day-them.pdf"),
        0
    );
    let keys: Vec<&str> = a.documents.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        keys,
        ["215-KH-UBND", "29-2024-TT-BGDDT", "1234-SGDDT-GDTRH"]
    );
    assert_eq!(item.published.to_rfc3339(), "2025-12-23T08:30:00+07:00");

    // Its "Tin khác": both items stored as the source's, followed for their
    // text (one gone: given up), their own lists never harvested.
    let lich_thi = s
        .item(&portal, LICH_THI)
        .expect("added from the article's list");
    assert_eq!(lich_thi.sources, ["phuong"]);
    assert!(lich_thi.article.is_none(), "404: keeps its teaser");
    let khai_giang = s
        .item(&portal, KHAI_GIANG)
        .expect("added from the article's list");
    let k = khai_giang.article.as_ref().expect("followed for its text");
    assert!(k.text_html.is_none() && k.image.is_some(), "{k:?}");
    for not_two_hops in [
        "/giao-duc-dao-tao-76770/hoc-sinh-thanh-pho-buoc-vao-nam-hoc-moi-680100",
        "/giao-duc-dao-tao-76770/chuan-bi-co-so-vat-chat-cho-nam-hoc-moi-680050",
    ] {
        assert!(s.item(&portal, not_two_hops).is_none(), "{not_two_hops}");
        assert_eq!(portal.hits("GET", not_two_hops), 0);
    }
    assert_eq!(s.store.item_count(), 3 + 3);
    assert_eq!(s.store.follow_counts().waiting, 0);
    let outcomes: Vec<_> = reports
        .iter()
        .map(|r| (r.item_id.as_str(), &r.outcome))
        .collect();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert!(matches!(
        reports[0].outcome,
        Outcome::Followed {
            attachments: 2,
            documents: 3,
            listed_new: 2,
            text: true
        }
    ));
    for path in [DAY_THEM, KHAI_GIANG, LICH_THI] {
        assert_eq!(portal.hits("GET", path), 1, "{path} fetched once");
    }

    // Listed again, and again in the next article: known, never again.
    assert_eq!(s.poll().await, 0);
    assert!(follow_all(s.poller.clone(), &stop).await.is_empty());
    assert_eq!(portal.hits("GET", DAY_THEM), 1);
}

/// Only the source's own site is asked: a listed link to another site is
/// stored with its teaser and never fetched; and `follow = false` turns a
/// page's follow-ups off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_sites_and_sources_with_follow_off_are_not_followed() {
    let portal = Portal::start().await;
    let s = primed(&portal, "").await;
    portal.list(
        "https://baochinhphu.vn/thu-tuong-chi-dao-ve-cong-tac-giao-duc-102251224.htm",
        "Thủ tướng chỉ đạo về công tác giáo dục nghề nghiệp năm 2026",
        "24/12/2025 08:00",
    );
    assert_eq!(s.poll().await, 1);
    assert_eq!(s.store.follow_counts().waiting, 0, "another site");

    let portal = Portal::start().await;
    let cfg = config(&portal, "");
    let text = std::fs::read_to_string(&cfg.path).unwrap() + "follow = false\n";
    std::fs::write(&cfg.path, text).unwrap();
    let config = Arc::new(tinkhac::config::Config::load(&cfg.path).unwrap());
    assert_eq!(config.sources[0].follow, Some(false));
    let store = Store::open(&config.storage.path, 1 << 20).unwrap();
    let poller = Arc::new(Poller::new(config.clone(), store.clone()).unwrap());
    poller.poll(&config.sources[0]).await;
    portal.serve("/tin-tuc/moi.html", Page::Html(article_html(1)));
    portal.list(
        "/tin-tuc/moi.html",
        "Phường Thủy Nguyên triển khai kế hoạch giáo dục năm học mới, đợt 1",
        "24/12/2025 08:00",
    );
    let r = poller.poll(&config.sources[0]).await;
    assert_eq!(r.outcome.unwrap().new, 1);
    assert_eq!(store.follow_counts().waiting, 0, "follow = false");
    assert!(follow_all(poller, &CancellationToken::new())
        .await
        .is_empty());
    assert_eq!(portal.article_gets(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gone_article_is_given_up_and_a_failing_one_waits_doubling() {
    let portal = Portal::start().await;
    portal.serve("/tin-tuc/da-go.html", Page::Status(410));
    portal.serve("/tin-tuc/loi.html", Page::Status(503));
    let s = primed(&portal, "[follow]\nmax_attempts = 2\n").await;
    portal.list(
        "/tin-tuc/da-go.html",
        "Phường Thủy Nguyên thông báo lịch tiếp công dân tháng Mười Hai",
        "24/12/2025 08:00",
    );
    portal.list(
        "/tin-tuc/loi.html",
        "Phường Thủy Nguyên tổ chức hội nghị tuyên truyền pháp luật cho đoàn viên",
        "24/12/2025 09:00",
    );
    assert_eq!(s.poll().await, 2);
    let stop = CancellationToken::new();
    let reports = follow_all(s.poller.clone(), &stop).await;
    let of = |path: &str| {
        reports
            .iter()
            .find(|r| r.item_id == portal.url(path))
            .map(|r| r.outcome.clone())
            .unwrap()
    };
    assert!(matches!(of("/tin-tuc/da-go.html"), Outcome::GaveUp(w) if w.contains("410")));
    assert!(matches!(of("/tin-tuc/loi.html"), Outcome::Retry(w) if w.contains("503")));
    assert!(!s
        .store
        .follow_pending(&portal.url("/tin-tuc/da-go.html"))
        .unwrap());
    let c = s.store.follow_counts();
    assert_eq!((c.waiting, c.given_up), (1, 1));
    // Not due again for a minute: another run asks nothing.
    let next = s.store.follow_next_at().unwrap().unwrap();
    let wait = (next - chrono::Utc::now()).num_seconds();
    assert!((50..=60).contains(&wait), "{wait} s");
    assert!(follow_all(s.poller.clone(), &stop).await.is_empty());
    assert_eq!(portal.hits("GET", "/tin-tuc/loi.html"), 1);
    let text = s.metrics.render(&s.cfg.config, &s.store);
    for line in [
        "tinkhac_follow_ups_total{outcome=\"given_up\"} 1",
        "tinkhac_follow_ups_total{outcome=\"retry\"} 1",
        "tinkhac_follow_ups_waiting 1",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    // `/status.json` says the same to an admin.
    let report =
        tinkhac::status::report(&s.cfg.config, Some(&s.store), &HashMap::new(), None, None);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["follow_ups"],
        serde_json::json!({"waiting": 1, "done": 0, "given_up": 1})
    );
    let item = s.item(&portal, "/tin-tuc/loi.html").unwrap();
    assert!(item.article.is_none(), "the teaser stays meanwhile");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_host_cap_holds_and_a_slow_article_delays_no_poll() {
    let portal = Portal::start().await;
    let s = primed(&portal, "[follow]\nper_host_per_minute = 3\n").await;
    for n in 1..=3 {
        let path = format!("/tin-tuc/bai-{n}.html");
        portal.serve(&path, Page::Html(article_html(n)));
        portal.list(
            &path,
            &format!("Phường Thủy Nguyên triển khai kế hoạch giáo dục năm học mới, đợt {n}"),
            "24/12/2025 08:00",
        );
    }
    assert_eq!(s.poll().await, 3);
    let stop = CancellationToken::new();
    let mut rate = HostRate::default();
    let pass = s.poller.follow_pass(&mut rate, &stop, true).await;
    // Three requests a minute: the first article and its attachment's HEAD,
    // the second article (its HEAD over the cap: left without a size).
    assert_eq!(pass.reports.len(), 2, "{:?}", pass.reports);
    assert_eq!(portal.article_gets(), 2);
    let wait = pass.wait.expect("the third waits for the cap");
    assert!(wait > Duration::from_secs(50), "{wait:?}");
    let heads: usize = (1..=3)
        .map(|n| portal.hits("HEAD", &format!("/files/ke-hoach-{n}.pdf")))
        .sum();
    assert_eq!(heads, 1);
    let second = s.item(&portal, "/tin-tuc/bai-2.html").unwrap();
    let att = &second.article.as_ref().unwrap().attachments[0];
    assert_eq!((att.content_type.as_deref(), att.length), (None, None));
    assert_eq!(s.store.follow_counts().waiting, 1);

    // A follow-up that hangs holds one of the host's two slots: a poll
    // meanwhile takes the other and is not delayed.
    portal.serve(
        "/tin-tuc/cham.html",
        Page::Slow(article_html(9), Duration::from_secs(30)),
    );
    portal.list(
        "/tin-tuc/cham.html",
        "Phường Thủy Nguyên ra quân tổng vệ sinh môi trường các tuyến phố chính",
        "24/12/2025 10:00",
    );
    assert_eq!(s.poll().await, 1);
    let poller = s.poller.clone();
    let stop2 = stop.clone();
    let slow = tokio::spawn(async move {
        let mut fresh = HostRate::default();
        poller.follow_pass(&mut fresh, &stop2, true).await
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while portal.hits("GET", "/tin-tuc/cham.html") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the slow follow-up never started"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.poll().await, 0);
    // The article answers only after 30 s: a poll that had waited behind
    // the follow-up would have returned after it.
    assert!(
        !slow.is_finished(),
        "the poll returned only after the follow-up"
    );
    stop.cancel();
    let pass = slow.await.unwrap();
    assert!(
        pass.reports
            .iter()
            .all(|r| !r.item_id.ends_with("cham.html")),
        "abandoned at the shutdown, not recorded"
    );
    assert!(s
        .store
        .follow_pending(&portal.url("/tin-tuc/cham.html"))
        .unwrap());
}

/// `once` runs the follow-ups of what it found before it drains the
/// channel's queue, so its messages are sent with the follow-up done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_completes_the_follow_ups_before_it_sends() {
    let portal = Portal::start().await;
    portal.serve(
        DAY_THEM,
        Page::Html(Portal::seed("article-day-them-hoc-them.html")),
    );
    let cfg = config(
        &portal,
        &format!(
            "{}\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\n\n[follow]\nper_host_per_minute = 100\n",
            support::shipped_topics_toml()
        ),
    );
    let first = support::tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    portal.list(
        DAY_THEM,
        "Triển khai quy định về dạy thêm, học thêm trên địa bàn thành phố",
        "23/12/2025",
    );
    let out = support::tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The article, then the two it lists (not served here: given up).
    let followed = text
        .find("follow-ups: 1 done, 2 given up, 0 to try again later (0 waiting)")
        .unwrap_or_else(|| panic!("no follow-up line:\n{text}"));
    let sent = text.find("telegram (dry-run)").expect("the channel's line");
    assert!(followed < sent, "{text}");
    assert_eq!(portal.hits("GET", DAY_THEM), 1);
    let export = support::tinkhac_async(cfg.path.clone(), vec!["export"]).await;
    let lines = String::from_utf8_lossy(&export.stdout);
    let line = lines
        .lines()
        .find(|l| l.contains("680899"))
        .expect("the item exported");
    let item: tinkhac::item::Item = serde_json::from_str(line).unwrap();
    assert_eq!(item.article.unwrap().attachments.len(), 2);
}

/// A channel worker sending to the Bot API stand-in `bot`, until `stop`.
fn channel(
    cfg: &TestConfig,
    store: &Store,
    stop: &CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let outbox = tinkhac::notify::Outbox::new(
        tokio::sync::watch::channel(Arc::new(cfg.config.clone())).1,
        store.clone(),
        Some(Secret::new(BOT_TOKEN.to_string())),
    )
    .unwrap()
    .unwrap();
    let stop = stop.clone();
    tokio::spawn(async move {
        outbox.run(stop).await.unwrap();
    })
}

const BOT_TOKEN: &str = "123456:follow-test-token";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_channel_waits_for_the_follow_up_but_not_beyond_telegram_wait() {
    let portal = Portal::start().await;
    let bot = BotStandIn::start(BOT_TOKEN).await;
    portal.serve(
        DAY_THEM,
        Page::Html(Portal::seed("article-day-them-hoc-them.html")),
    );
    let s = primed(
        &portal,
        &format!(
            "{}\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\nmin_interval = \"100ms\"\napi_url = \"{}\"\n\n[follow]\ntelegram_wait = \"10s\"\nper_host_per_minute = 100\n",
            support::shipped_topics_toml(),
            bot.api_url()
        ),
    )
    .await;
    portal.list(
        DAY_THEM,
        "Triển khai quy định về dạy thêm, học thêm trên địa bàn thành phố",
        "23/12/2025",
    );
    assert_eq!(s.poll().await, 1);
    assert_eq!(s.store.outbox_len(), 1, "an education item: queued");
    let stop = CancellationToken::new();
    let worker = channel(&s.cfg, &s.store, &stop);
    let reports = follow_all(s.poller.clone(), &stop).await;
    assert_eq!(reports.len(), 3);
    // The article's own list queued more education items; once all are
    // sent, the item's message shows it waited for its follow-up: it
    // carries the attachments.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while s.store.outbox_len() > 0 {
        assert!(std::time::Instant::now() < deadline, "still queued");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = bot.sent();
    let day_them = sent
        .iter()
        .find(|m| m.text.contains("Triển khai quy định về dạy thêm"))
        .expect("the item's message");
    assert!(day_them.text.contains("📎"), "{}", day_them.text);

    // A follow-up that never comes: the message goes after telegram_wait,
    // with the teaser alone.
    portal.serve("/tin-tuc/cham.html", Page::Status(503));
    portal.list(
        "/tin-tuc/cham.html",
        "Thông báo tuyển sinh lớp 10 THPT năm học 2026 – 2027",
        "24/12/2025 10:00",
    );
    let queued = std::time::Instant::now();
    assert_eq!(s.poll().await, 1);
    assert!(s
        .store
        .follow_pending(&portal.url("/tin-tuc/cham.html"))
        .unwrap());
    let title = "Thông báo tuyển sinh lớp 10 THPT";
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let last = loop {
        if let Some(m) = bot.sent().into_iter().find(|m| m.text.contains(title)) {
            break m;
        }
        assert!(std::time::Instant::now() < deadline, "never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Never before the wait (a lower bound holds on any machine).
    let waited = queued.elapsed();
    assert!(
        waited >= Duration::from_millis(9500),
        "sent after {waited:?}"
    );
    assert!(!last.text.contains("📎"), "{}", last.text);
    assert!(s
        .store
        .follow_pending(&portal.url("/tin-tuc/cham.html"))
        .unwrap());
    stop.cancel();
    worker.await.unwrap();
}

/// `kill -9` while follow-ups run (the crash harness's way, `crash.rs`):
/// after each kill the daemon starts again on the same store; at the end
/// every queued follow-up has completed, and no finished one was fetched
/// again: each kill repeats at most the one article in flight (follow-ups
/// run one at a time). `TINKHAC_CRASH_SEED` replays a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_follow_ups_loses_none_and_repeats_none_that_finished() {
    use std::os::unix::process::ExitStatusExt;
    const ARTICLES: usize = 8;
    const KILLS: usize = 3;
    let wait = Duration::from_secs(60);
    let seed = std::env::var("TINKHAC_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("follow crash: TINKHAC_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let portal = Portal::start().await;
    let cfg = config(&portal, "[follow]\nper_host_per_minute = 1000\n");

    // Prime, then a clean stop.
    let mut d = support::Daemon::start(&cfg.path, &[]);
    d.wait_log(" polled ", 1, wait).await;
    d.signal("TERM");
    let (status, log) = d.wait().await;
    assert!(status.success(), "{log:#?}");

    let paths: Vec<String> = (1..=ARTICLES)
        .map(|n| format!("/tin-tuc/bai-moi-{n}.html"))
        .collect();
    for (n, path) in paths.iter().enumerate() {
        // Slow enough that a kill often lands in the middle of one.
        portal.serve(
            path,
            Page::Slow(article_html(n + 1), Duration::from_millis(rng.u64(50..250))),
        );
        portal.list(
            path,
            &format!("Phường Thủy Nguyên triển khai kế hoạch giáo dục năm học mới, đợt {n}"),
            "24/12/2025 08:00",
        );
    }
    for run in 0..KILLS {
        let mut d = support::Daemon::start(&cfg.path, &[]);
        if run == 0 {
            d.wait_log(" polled ", 1, wait).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(100..1200))).await;
        d.signal("KILL");
        let (status, log) = d.wait().await;
        assert_eq!(status.signal(), Some(9), "run {run}: {}", log.join("\n"));
    }
    // What is left, by `once`; then every item has its article.
    let out = support::tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export = support::tinkhac_async(cfg.path.clone(), vec!["export"]).await;
    let items: Vec<tinkhac::item::Item> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for path in &paths {
        let item = items
            .iter()
            .find(|i| i.id == portal.url(path))
            .unwrap_or_else(|| panic!("seed {seed}: {path} lost"));
        let a = item
            .article
            .as_ref()
            .unwrap_or_else(|| panic!("seed {seed}: {path} never followed"));
        assert_eq!(a.attachments.len(), 1, "{path}");
    }
    let gets: Vec<usize> = paths.iter().map(|p| portal.hits("GET", p)).collect();
    eprintln!(
        "follow crash: GETs per article {gets:?}; left for `once`: {}",
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("follow-ups"))
            .unwrap_or("none")
    );
    assert!(gets.iter().all(|&g| g >= 1), "{gets:?}");
    let repeats: usize = gets.iter().map(|g| g - 1).sum();
    assert!(
        repeats <= KILLS,
        "seed {seed}: {repeats} articles fetched again after {KILLS} kills: {gets:?}"
    );
    // And nothing more once all are done.
    let again = support::tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    assert!(again.status.success());
    let after: Vec<usize> = paths.iter().map(|p| portal.hits("GET", p)).collect();
    assert_eq!(after, gets, "a finished follow-up ran again");
}

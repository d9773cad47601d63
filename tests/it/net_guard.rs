//! Hostile networks and peers: pages that lead into the local network, idle
//! connections that would exhaust the server, a slow page on a shared host,
//! a feed with a stray byte, an edit killed mid-write.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::Router;
use tinkhac::daemon::{PollError, Poller};
use tinkhac::fetch::Error;
use tinkhac::store::{Filter, PollStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{self, stand_in, tinkhac_async};

fn listing(titles: &[&str], link_base: &str) -> String {
    let items: String = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!("<li><a href=\"{link_base}/tin/{i}\">{t}</a> <span>23/12/2025</span></li>")
        })
        .collect();
    format!("<html><body><h3>Tin khác</h3><ul>{items}</ul></body></html>")
}

const INTERNAL: [&str; 3] = [
    "Bảng lương nội bộ của phòng kế toán quý bốn",
    "Mật khẩu máy chủ nội bộ được đổi vào thứ hai",
    "Danh sách khách hàng chỉ dành cho nhân viên",
];

/// An "internal" service on loopback, and a page that redirects to it.
async fn internal_and_redirector() -> (SocketAddr, SocketAddr) {
    let page = listing(&INTERNAL, "http://intranet.test");
    let internal = stand_in(Router::new().route(
        "/internal",
        get(move || {
            let page = page.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
        }),
    ))
    .await;
    let target = format!("http://127.0.0.1:{}/internal", internal.port());
    let redirector = stand_in(Router::new().route(
        "/tin",
        get(move || {
            let target = target.clone();
            async move { (StatusCode::FOUND, [(header::LOCATION, target)]) }
        }),
    ))
    .await;
    (internal, redirector)
}

/// Regression: a public page redirecting to `http://127.0.0.1:…/internal`
/// got that internal page's titles into every feed. Here the public page is
/// a public-looking name whose DNS answer is a loopback stand-in: both its
/// answer and the redirect lead into loopback, and nothing of it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_name_never_leads_into_loopback() {
    let (_internal, redirector) = internal_and_redirector().await;
    let mut cfg = support::config(&format!(
        "[[source]]\nid = \"cong-tt\"\nurl = \"http://tin.haiphong-portal.vn:{}/tin\"\n",
        redirector.port()
    ));
    cfg.config.fetch.dns.insert(
        "tin.haiphong-portal.vn".into(),
        vec!["127.0.0.1".parse().unwrap()],
    );
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap();
    let report = poller.poll(&cfg.config.sources[0]).await;
    match &report.outcome {
        Err(PollError::Fetch(e)) => {
            assert!(matches!(**e, Error::Refused(_)), "{e:?}");
            assert!(
                e.to_string()
                    .contains("tin.haiphong-portal.vn (it resolves to 127.0.0.1)"),
                "{e}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(store.latest(&Filter::All, 100).unwrap().is_empty());
    let state = store.source_state("cong-tt").unwrap();
    assert!(
        state.last_error.unwrap().contains("loopback"),
        "said on the source"
    );
}

/// An intranet source known by a name is declared so, and then reaches the
/// local network (here: its name resolves to loopback, and redirects there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_declared_intranet_reaches_local_addresses() {
    let (_internal, redirector) = internal_and_redirector().await;
    let mut cfg = support::config(&format!(
        "[[source]]\nid = \"noi-bo\"\nurl = \"http://noi-bo.so-gd.vn:{}/tin\"\nintranet = true\n",
        redirector.port()
    ));
    cfg.config
        .fetch
        .dns
        .insert("noi-bo.so-gd.vn".into(), vec!["127.0.0.1".parse().unwrap()]);
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap();
    let report = poller.poll(&cfg.config.sources[0]).await;
    assert_eq!(report.outcome.unwrap().found, 3);
}

/// The redirect check on its own: a source at a loopback address (a test
/// portal) may redirect within loopback, never out of it to a private or
/// link-local address, which is refused before any connection is tried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_stay_within_the_class_of_the_sources_own_address() {
    let (_internal, redirector) = internal_and_redirector().await;
    let metadata = stand_in(Router::new().route(
        "/tin",
        get(|| async {
            (
                StatusCode::FOUND,
                [(header::LOCATION, "http://169.254.169.254/latest/meta-data/")],
            )
        }),
    ))
    .await;
    let cfg = support::config(&format!(
        "[[source]]\nid = \"lo\"\nurl = \"http://127.0.0.1:{}/tin\"\n\n\
         [[source]]\nid = \"meta\"\nurl = \"http://127.0.0.1:{}/tin\"\ntimeout = \"20s\"\n",
        redirector.port(),
        metadata.port()
    ));
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap();
    let lo = poller.poll(&cfg.config.sources[0]).await;
    assert_eq!(
        lo.outcome.unwrap().found,
        3,
        "loopback to loopback is followed"
    );
    let started = Instant::now();
    let meta = poller.poll(&cfg.config.sources[1]).await;
    match &meta.outcome {
        Err(PollError::Fetch(e)) => {
            assert!(matches!(**e, Error::Refused(_)), "{e:?}");
            assert!(
                e.to_string().contains("a redirect to 169.254.169.254"),
                "{e}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no connection tried"
    );
}

/// `preview` and `feeds add` fetch what the admin types: the same rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_and_feeds_add_refuse_a_redirect_into_the_local_network() {
    let to_private = stand_in(Router::new().route(
        "/tin",
        get(|| async {
            (
                StatusCode::FOUND,
                [(header::LOCATION, "http://10.20.30.40/admin")],
            )
        }),
    ))
    .await;
    let url = format!("http://127.0.0.1:{}/tin", to_private.port());
    let cfg = support::config("");
    let out = tinkhac_async(cfg.path.clone(), vec!["preview".to_string(), url.clone()]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("refused: a redirect to 10.20.30.40 leads to a private address"),
        "{err}"
    );
    let out = tinkhac_async(cfg.path.clone(), vec!["feeds".into(), "add".into(), url]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert!(!text.contains("[[source]]"), "nothing added:\n{text}");
}

/// Read until the peer closes; Err if `deadline` passes first.
async fn closed_by_peer(s: &mut TcpStream, deadline: Instant) -> Result<(), String> {
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return Err("still open at the deadline".into()),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(()),
            Ok(Ok(_)) => continue,
        }
    }
}

/// Regression: idle connections never timed out, and ~1,010 of them shut
/// every reader out (and made every poll fail with "Too many open files").
/// Now 300 idle connections against a cap of 50 each close after the idle
/// timeout, and a real request is still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_readers_still_served() {
    let mut cfg = support::config("");
    cfg.config.server.idle_timeout = Duration::from_millis(500);
    cfg.config.server.max_connections = 50;
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let state = tinkhac::publish::http::AppState::new(Arc::new(cfg.config.clone()), store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(tinkhac::publish::http::serve(
        listener,
        state,
        shutdown.clone(),
    ));

    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // A reader that keeps its connection open after its answer.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // A slow sender: one header byte every 100 ms never completes a
    // request head within the timeout, however busy it looks.
    let mut trickle = TcpStream::connect(addr).await.unwrap();
    let trickler = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let head =
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        for b in head.iter().cycle().take(600) {
            tick.tick().await;
            if trickle.write_all(&[*b]).await.is_err() {
                return true;
            }
        }
        false
    });

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut reader = TcpStream::connect(addr).await.unwrap();
    reader
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout_at(deadline.into(), reader.read_to_end(&mut answer))
        .await
        .expect("the reader is served before the deadline")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    for (n, s) in idle.iter_mut().enumerate() {
        closed_by_peer(s, deadline)
            .await
            .unwrap_or_else(|e| panic!("idle connection {n}: {e}"));
    }
    assert!(trickler.await.unwrap(), "the slow sender was cut off");
    let mut answer = Vec::new();
    tokio::time::timeout_at(deadline.into(), kept.read_to_end(&mut answer))
        .await
        .expect("an idle keep-alive connection is closed")
        .unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "answered, then closed");
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// Regression: a slow page held both of its host's slots, so a healthy page
/// of the same host waited behind every slow one (two timeouts and more).
/// Once pages have timed out, they hold at most `per_host - 1` slots and a
/// healthy page is served at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_page_does_not_hold_up_a_healthy_page_of_the_same_host() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let (seen_tx, mut seen) = tokio::sync::watch::channel(0usize);
    let rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
               <link>https://x.vn/</link><description>d</description><item>\
               <title>Tin của trang khỏe mạnh hôm nay</title><link>https://x.vn/a</link>\
               </item></channel></rss>";
    let (n, tx) = (in_flight.clone(), seen_tx.clone());
    let app = Router::new()
        .route(
            "/slow/{i}",
            get(move || {
                let n = n.clone();
                let tx = tx.clone();
                async move {
                    let now = n.fetch_add(1, Ordering::SeqCst) + 1;
                    tx.send_modify(|s| *s = now.max(*s));
                    std::future::pending::<()>().await;
                }
            }),
        )
        .route(
            "/ok",
            get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml")], rss) }),
        );
    let addr = stand_in(app).await;
    let mut body: String = (0..4)
        .map(|i| format!("[[source]]\nid = \"slow{i}\"\nurl = \"http://{addr}/slow/{i}\"\ntimeout = \"1s\"\n\n"))
        .collect();
    body += &format!("[[source]]\nid = \"ok\"\nurl = \"http://{addr}/ok\"\ntimeout = \"1s\"\n");
    let cfg = support::config(&body);
    assert_eq!(cfg.config.fetch.per_host, 2);
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Arc::new(Poller::new(Arc::new(cfg.config.clone()), store).unwrap());
    let slow: Vec<_> = cfg.config.sources[..4].to_vec();
    let healthy = cfg.config.sources[4].clone();

    // First cycle: the four slow pages time out (two at a time).
    let mut first = tokio::task::JoinSet::new();
    for s in slow.clone() {
        let p = poller.clone();
        first.spawn(async move { p.poll(&s).await });
    }
    while let Some(r) = first.join_next().await {
        assert!(r.unwrap().outcome.is_err());
    }

    // Next cycle: the slow pages queue first, then the healthy one.
    seen_tx.send_replace(0);
    in_flight.store(0, Ordering::SeqCst);
    let mut second = Vec::new();
    for s in slow {
        let p = poller.clone();
        second.push(tokio::spawn(async move { p.poll(&s).await }));
    }
    tokio::time::timeout(Duration::from_secs(10), seen.wait_for(|n| *n >= 1))
        .await
        .expect("a slow page is being fetched")
        .unwrap();
    let started = Instant::now();
    let report = poller.poll(&healthy).await;
    let waited = started.elapsed();
    assert_eq!(report.outcome.unwrap().found, 1);
    eprintln!("healthy page of a host with slow pages: {waited:?}");
    assert!(
        waited < Duration::from_secs(1),
        "the healthy page waited {waited:?}, a whole timeout or more"
    );
    for h in second {
        h.abort();
    }
}

/// Regression: one invalid byte made feed-rs refuse the whole feed. It is
/// read lossily (the byte becomes U+FFFD) and the admin is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_with_an_invalid_byte_keeps_every_item() {
    let mut feed = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
        <title>T</title><link>https://so-gd.test/</link><description>d</description>\n"
        .to_vec();
    for i in 0..3 {
        feed.extend(format!("<item><title>Thông báo số {i} của trường THPT").as_bytes());
        if i == 1 {
            feed.push(0xFF);
        }
        feed.extend(
            format!(" gửi phụ huynh</title><link>https://so-gd.test/tin/{i}</link></item>\n")
                .as_bytes(),
        );
    }
    feed.extend(b"</channel></rss>\n");
    let addr = stand_in(Router::new().route(
        "/rss",
        get(move || {
            let feed = feed.clone();
            async move { ([(header::CONTENT_TYPE, "application/rss+xml")], feed) }
        }),
    ))
    .await;
    let cfg = support::config(&format!(
        "[[source]]\nid = \"gd\"\nurl = \"http://{addr}/rss\"\n"
    ));
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap();
    let report = poller.poll(&cfg.config.sources[0]).await;
    assert_eq!(report.outcome.unwrap().found, 3);
    let mut titles: Vec<String> = store
        .latest(&Filter::All, 10)
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Thông báo số 0 của trường THPT gửi phụ huynh",
            "Thông báo số 1 của trường THPT\u{FFFD} gửi phụ huynh",
            "Thông báo số 2 của trường THPT gửi phụ huynh",
        ]
    );
    drop((poller, store));
    let out = tinkhac_async(cfg.path.clone(), vec!["preview", "gd"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 items as feed"), "{text}");
    assert!(
        text.contains("1 invalid byte sequence(s) replaced"),
        "{text}"
    );
}

/// Regression: a `feeds add` killed between writing its temporary copy and
/// renaming it left `.tmpXXXXXX` files next to feeds.toml for ever. Copies
/// now carry a recognisable name and the next edit removes stale ones.
#[test]
fn an_edit_removes_temporary_copies_left_by_a_killed_one() {
    let cfg = support::config(
        "[[source]]\nid = \"a\"\nurl = \"http://127.0.0.1:9/a\"\n\n\
         [[source]]\nid = \"b\"\nurl = \"http://127.0.0.1:9/b\"\n",
    );
    let dir = cfg.path.parent().unwrap();
    let stale = dir.join(".feeds.toml.tinkhac-Xk3pQ9.tmp");
    let young = dir.join(".feeds.toml.tinkhac-Ab12Cd.tmp");
    let foreign = dir.join(".tmpQw3rTy");
    for p in [&stale, &young, &foreign] {
        std::fs::write(p, "[[source]]\nid = \"half-writ").unwrap();
    }
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for p in [&stale, &foreign] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    let out = support::tinkhac(&cfg.path, &["feeds", "remove", "a"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [".feeds.toml.tinkhac-Ab12Cd.tmp", ".tmpQw3rTy", "feeds.toml"],
        "the stale copy is gone, the edit left none, a young one (an edit in \
         progress) and files not ours stay"
    );
    assert!(!std::fs::read_to_string(&cfg.path)
        .unwrap()
        .contains("id = \"a\""));
}

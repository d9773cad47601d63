//! The fetcher and the poller against servers that misbehave: every failure
//! is a clear error on its own source, never a hang, a panic or a crash.

use std::sync::Arc;
use std::time::Duration;

use tinkhac::daemon::{poll_all, PollError, Poller};
use tinkhac::fetch::{self, Error, Fetched, Fetcher, Validators};
use tinkhac::store::{PollStore, Store};

use crate::support::{self, TestPortal};

fn fetcher(max_body_mib: u64) -> Fetcher {
    let cfg = support::config("");
    let mut f = cfg.config.fetch.clone();
    f.max_body_bytes = max_body_mib * 1024 * 1024;
    Fetcher::new(&f).unwrap()
}

async fn get(portal: &TestPortal, path: &str, timeout: Duration) -> Result<Fetched, Error> {
    fetcher(10)
        .fetch(&portal.url(path), &Validators::default(), timeout)
        .await
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let portal = TestPortal::start().await;
    let r = get(&portal, "/slow", Duration::from_millis(300)).await;
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
}

#[tokio::test]
async fn a_40_mib_body_is_cut_at_the_cap() {
    let portal = TestPortal::start().await;
    let r = get(&portal, "/huge", Duration::from_secs(20)).await;
    assert!(
        matches!(r, Err(Error::TooLarge { limit }) if limit == 10 * 1024 * 1024),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_gzip_bomb_is_capped_on_its_decompressed_size() {
    let portal = TestPortal::start().await;
    let r = get(&portal, "/bomb", Duration::from_secs(20)).await;
    assert!(matches!(r, Err(Error::TooLarge { .. })), "{r:?}");
}

#[tokio::test]
async fn a_redirect_loop_stops() {
    let portal = TestPortal::start().await;
    let r = get(&portal, "/loop", Duration::from_secs(5)).await;
    assert!(matches!(r, Err(Error::TooManyRedirects(5))), "{r:?}");
}

#[tokio::test]
async fn a_500_and_a_429_with_retry_after() {
    let portal = TestPortal::start().await;
    let r = get(&portal, "/e500", Duration::from_secs(5)).await;
    assert!(
        matches!(
            r,
            Err(Error::Status {
                status: 500,
                retry_after: None
            })
        ),
        "{r:?}"
    );
    let r = get(&portal, "/e429", Duration::from_secs(5)).await;
    match r {
        Err(e @ Error::Status { status: 429, .. }) => {
            assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
            let mut rng = fastrand::Rng::with_seed(1);
            let next = fetch::next_delay(Duration::from_secs(60), 1, e.retry_after(), &mut rng);
            assert!(
                next >= Duration::from_secs(120),
                "Retry-After is honoured: {next:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = url::Url::parse(&format!("http://{addr}/")).unwrap();
    let r = fetcher(1)
        .fetch(&url, &Validators::default(), Duration::from_secs(5))
        .await;
    assert!(matches!(r, Err(Error::Connect(_))), "{r:?}");
}

/// One poll over healthy and broken sources: each broken one fails with its
/// own error and state, and every healthy one is stored all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_source_never_harms_another() {
    let portal = TestPortal::start().await;
    let body = format!(
        "{}[[source]]\nid = \"slow\"\nurl = \"{}\"\ntimeout = \"500ms\"\n\n\
         [[source]]\nid = \"bomb\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"loop\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"garbage-feed\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"garbage-page\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"e500\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"e429\"\nurl = \"{}\"\n",
        portal.seed_sources_toml(),
        portal.url("/slow"),
        portal.url("/bomb"),
        portal.url("/loop"),
        portal.url("/garbage.rss"),
        portal.url("/garbage.html"),
        portal.url("/e500"),
        portal.url("/e429"),
    );
    let cfg = support::config(&body);
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Arc::new(Poller::new(Arc::new(cfg.config.clone()), store.clone()).unwrap());
    let reports = poll_all(poller).await;
    let outcome = |id: &str| {
        reports
            .iter()
            .find(|r| r.source_id == id)
            .unwrap_or_else(|| panic!("no report for {id}"))
            .outcome
            .clone()
    };
    assert!(matches!(outcome("slow"), Err(PollError::Fetch(e)) if matches!(*e, Error::Timeout(_))));
    assert!(
        matches!(outcome("bomb"), Err(PollError::Fetch(e)) if matches!(*e, Error::TooLarge { .. }))
    );
    assert!(
        matches!(outcome("loop"), Err(PollError::Fetch(e)) if matches!(*e, Error::TooManyRedirects(_)))
    );
    assert!(matches!(
        outcome("garbage-feed"),
        Err(PollError::Harvest(_))
    ));
    assert!(matches!(
        outcome("garbage-page"),
        Err(PollError::Harvest(_))
    ));
    assert!(matches!(outcome("e500"), Err(PollError::Fetch(_))));
    assert!(
        matches!(outcome("e429"), Err(PollError::Fetch(e)) if e.retry_after() == Some(Duration::from_secs(120)))
    );
    for id in [
        "hp-chinh-sach",
        "hp-tin-tuc",
        "hp-giao-duc",
        "thuy-nguyen",
        "le-chan-cu",
        "bao-hai-phong",
        "so-gddt",
    ] {
        let s = outcome(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(s.found > 0, "{id}");
    }
    // Failures are recorded on their sources, with a readable reason.
    let st = store.source_state("slow").unwrap();
    assert_eq!(st.consecutive_failures, 1);
    assert!(st.last_error.unwrap().contains("timed out"));
    let st = store.source_state("hp-mat-tin-khac").unwrap();
    assert!(st.last_error.unwrap().contains("no items found"));
    assert_eq!(
        store
            .source_state("hp-giao-duc")
            .unwrap()
            .consecutive_failures,
        0
    );
}

/// `[fetch] concurrency` bounds the polls in progress over all sources (each
/// holds a body, then a parsed page), even where `per_host` would allow more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_in_progress_never_exceed_the_concurrency_limit() {
    use axum::extract::State;
    use tokio::sync::watch;

    #[derive(Clone)]
    struct Gate {
        in_flight: watch::Sender<usize>,
        most: Arc<std::sync::atomic::AtomicUsize>,
        open: watch::Receiver<bool>,
    }
    async fn held(State(g): State<Gate>) -> ([(&'static str, &'static str); 1], String) {
        g.in_flight.send_modify(|n| *n += 1);
        g.most
            .fetch_max(*g.in_flight.borrow(), std::sync::atomic::Ordering::SeqCst);
        let mut open = g.open.clone();
        open.wait_for(|o| *o).await.expect("gate kept");
        g.in_flight.send_modify(|n| *n -= 1);
        let rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
                   <link>https://x.vn/</link><description>d</description><item>\
                   <title>Một tin của nguồn thử hôm nay</title><link>https://x.vn/a</link>\
                   </item></channel></rss>";
        ([("content-type", "application/rss+xml")], rss.to_string())
    }

    let (in_flight, mut watching) = watch::channel(0usize);
    let (release, open) = watch::channel(false);
    let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gate = Gate {
        in_flight,
        most: most.clone(),
        open,
    };
    let app = axum::Router::new()
        .route("/{n}", axum::routing::get(held))
        .with_state(gate);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sources: String = (0..8)
        .map(|i| format!("[[source]]\nid = \"s{i}\"\nurl = \"http://{addr}/{i}\"\n\n"))
        .collect();
    let mut cfg = support::config(&sources);
    cfg.config.fetch.per_host = 8;
    cfg.config.fetch.concurrency = 3;
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    let poller = Arc::new(Poller::new(Arc::new(cfg.config.clone()), store).unwrap());
    let polls = tokio::spawn(poll_all(poller));

    tokio::time::timeout(Duration::from_secs(10), watching.wait_for(|n| *n >= 3))
        .await
        .expect("three polls reach the server")
        .unwrap();
    // Five more are ready to go and per_host would let them: none may start
    // while three are held.
    let more = tokio::time::timeout(Duration::from_millis(500), watching.wait_for(|n| *n > 3));
    assert!(more.await.is_err(), "a fourth poll started");
    release.send(true).unwrap();
    let reports = polls.await.unwrap();
    assert_eq!(reports.len(), 8);
    assert!(reports.iter().all(|r| r.outcome.is_ok()), "{reports:?}");
    assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 3);
}

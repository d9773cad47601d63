//! The polite HTTP client: conditional GETs, compression, a body cap checked
//! while streaming, per-host concurrency, and the retry schedule.
//!
//! It knows nothing of pages or feeds: bytes in, bytes out. It never retries
//! by itself; the daemon decides when to come back ([`next_delay`]). It never
//! lets a source reach an address its own URL does not ([`reach`]).

pub mod reach;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config::FetchConfig;
use reach::GuardedResolver;
pub use reach::Reach;

/// Validators remembered from the last 200 answer of a source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    /// 304: the source has not changed since the validators were stored.
    NotModified,
    Body(Body),
}

#[derive(Debug)]
pub struct Body {
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Where the body came from after redirects: links resolve against it.
    pub final_url: Url,
    pub validators: Validators,
    /// The body's size on the wire, before decompression, when known.
    pub wire_bytes: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("body larger than the {limit}-byte cap")]
    TooLarge { limit: u64 },
    #[error("HTTP status {status}")]
    Status {
        status: u16,
        /// From `Retry-After` on 429 and 503.
        retry_after: Option<Duration>,
    },
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(usize),
    /// The fetch would have reached a loopback, private, link-local or
    /// special address that its source may not reach.
    #[error("refused: {0}")]
    Refused(reach::Refused),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("request failed: {0}")]
    Other(String),
}

impl Error {
    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

pub const MAX_REDIRECTS: usize = 5;

/// The clients shared by every source: connection pooling, and the per-host
/// limit of requests in flight. One client per [`Reach`], made when a source
/// of that reach first fetches (nearly always one: public only), because the
/// resolver that checks addresses is the client's.
pub struct Fetcher {
    clients: Mutex<HashMap<Reach, reqwest::Client>>,
    cfg: FetchConfig,
    max_body: u64,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<HostSlots>>>,
    /// URLs whose last fetch timed out.
    slow: Mutex<HashSet<String>>,
    /// Told the `Date` of every answer, to cross-check the local clock.
    clock: Option<Arc<crate::clock::Clock>>,
}

/// One host's slots: `per_host` in all, of which URLs that timed out last
/// time may hold at most `slow`'s permits.
struct HostSlots {
    all: Arc<Semaphore>,
    slow: Arc<Semaphore>,
}

/// A request's place on its host ([`Fetcher::host_slot`]).
pub struct HostSlot {
    _all: OwnedSemaphorePermit,
    _slow: Option<OwnedSemaphorePermit>,
}

impl Fetcher {
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, Error> {
        let fetcher = Fetcher {
            clients: Mutex::new(HashMap::new()),
            cfg: cfg.clone(),
            max_body: cfg.max_body_bytes,
            per_host: cfg.per_host,
            hosts: Mutex::new(HashMap::new()),
            slow: Mutex::new(HashSet::new()),
            clock: None,
        };
        // Build the common client now, so that a bad setting shows at once.
        fetcher.client(Reach::PUBLIC)?;
        Ok(fetcher)
    }

    /// The client for sources of this reach: its resolver refuses names
    /// that resolve out of reach, its redirect policy address literals.
    fn client(&self, reach: Reach) -> Result<reqwest::Client, Error> {
        let mut clients = self.clients.lock().expect("client map poisoned");
        if let Some(c) = clients.get(&reach) {
            return Ok(c.clone());
        }
        let limited = reqwest::redirect::Policy::limited(MAX_REDIRECTS);
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            match reach.check_url(attempt.url()) {
                Ok(()) => limited.redirect(attempt),
                Err(refused) => attempt.error(refused),
            }
        });
        let resolver = GuardedResolver {
            reach,
            table: Arc::new(self.cfg.dns.clone()),
        };
        let client = reqwest::Client::builder()
            .user_agent(self.cfg.user_agent.clone())
            .connect_timeout(Duration::from_secs(10).min(self.cfg.timeout))
            .redirect(redirects)
            .dns_resolver(Arc::new(resolver))
            .gzip(true)
            .brotli(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::Other(e.to_string()))?;
        clients.insert(reach, client.clone());
        Ok(client)
    }

    /// Tell `clock` the `Date` header of every answer.
    pub fn with_clock(mut self, clock: Arc<crate::clock::Clock>) -> Fetcher {
        self.clock = Some(clock);
        self
    }

    fn host(&self, url: &Url) -> Arc<HostSlots> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().expect("host map poisoned");
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(HostSlots {
                    all: Arc::new(Semaphore::new(self.per_host)),
                    slow: Arc::new(Semaphore::new(self.per_host.saturating_sub(1).max(1))),
                })
            })
            .clone()
    }

    /// Wait for a slot on `url`'s host. A URL whose last fetch timed out
    /// takes one of at most `per_host - 1` slots (one when `per_host` is 1)
    /// kept for such URLs, and queues for it apart from the others: a page
    /// that hangs never holds all of its host's slots while it stays slow,
    /// and a healthy page of the same host waits behind at most one slow
    /// request, for at most its timeout.
    pub async fn host_slot(&self, url: &Url) -> HostSlot {
        let host = self.host(url);
        let slow = self
            .slow
            .lock()
            .expect("slow set poisoned")
            .contains(url.as_str());
        let slow = if slow {
            Some(
                host.slow
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("never closed"),
            )
        } else {
            None
        };
        let all = host
            .all
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        HostSlot {
            _all: all,
            _slow: slow,
        }
    }

    /// GET `url`, conditionally when `validators` hold anything. `timeout`
    /// covers the whole exchange, body included; waiting for a per-host slot
    /// does not count against it.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: &Validators,
        timeout: Duration,
    ) -> Result<Fetched, Error> {
        let slot = self.host_slot(url).await;
        self.fetch_in(slot, url, Reach::of(url), validators, timeout)
            .await
    }

    /// [`Fetcher::fetch`] in a slot already taken with
    /// [`Fetcher::host_slot`] (the poller takes it before its own
    /// concurrency slot, so that waiting on a busy host holds none), for a
    /// source of the given reach ([`Reach::of_source`]).
    pub async fn fetch_in(
        &self,
        slot: HostSlot,
        url: &Url,
        reach: Reach,
        validators: &Validators,
        timeout: Duration,
    ) -> Result<Fetched, Error> {
        let r =
            match tokio::time::timeout(timeout, self.fetch_inner(url, reach, validators, timeout))
                .await
            {
                Ok(r) => r,
                Err(_) => Err(Error::Timeout(timeout)),
            };
        drop(slot);
        let mut slow = self.slow.lock().expect("slow set poisoned");
        if matches!(r, Err(Error::Timeout(_))) {
            slow.insert(url.to_string());
        } else {
            slow.remove(url.as_str());
        }
        r
    }

    async fn fetch_inner(
        &self,
        url: &Url,
        reach: Reach,
        validators: &Validators,
        timeout: Duration,
    ) -> Result<Fetched, Error> {
        let client = self.client(reach)?;
        let mut req = client.get(url.clone()).header(
            header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.9, */*;q=0.5",
        );
        if let Some(etag) = &validators.etag {
            req = req.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(header::IF_MODIFIED_SINCE, lm);
        }
        let mut resp = req.send().await.map_err(|e| classify(e, timeout))?;
        if let Some(clock) = &self.clock {
            clock.observe(
                resp.url().host_str().unwrap_or(""),
                resp.headers(),
                Utc::now(),
            );
        }
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            let retry_after = if status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::SERVICE_UNAVAILABLE
            {
                parse_retry_after(resp.headers(), Utc::now())
            } else {
                None
            };
            return Err(Error::Status {
                status: status.as_u16(),
                retry_after,
            });
        }
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        // Content-Length is the compressed size when the body is encoded;
        // the cap below applies to what decompression yields.
        let wire_bytes = resp.content_length();
        if let Some(len) = wire_bytes {
            if len > self.max_body && headers.get(header::CONTENT_ENCODING).is_none() {
                return Err(Error::TooLarge {
                    limit: self.max_body,
                });
            }
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(e, timeout))? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(Error::TooLarge {
                    limit: self.max_body,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body(Body {
            bytes,
            content_type: header_str(&headers, header::CONTENT_TYPE),
            final_url,
            validators: Validators {
                etag: header_str(&headers, header::ETAG),
                last_modified: header_str(&headers, header::LAST_MODIFIED),
            },
            wire_bytes,
        }))
    }
}

/// What a HEAD request says of a file (an article's attachment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub content_type: Option<String>,
    pub length: Option<u64>,
}

impl Fetcher {
    /// HEAD `url` in a slot already taken with [`Fetcher::host_slot`], for
    /// a source of the given reach, within `timeout`: the same client,
    /// reach rules and per-host limit as a GET.
    pub async fn head_in(
        &self,
        slot: HostSlot,
        url: &Url,
        reach: Reach,
        timeout: Duration,
    ) -> Result<Head, Error> {
        let asked = async {
            let client = self.client(reach)?;
            let resp = client
                .head(url.clone())
                .send()
                .await
                .map_err(|e| classify(e, timeout))?;
            if !resp.status().is_success() {
                return Err(Error::Status {
                    status: resp.status().as_u16(),
                    retry_after: None,
                });
            }
            let h = resp.headers();
            Ok(Head {
                content_type: header_str(h, header::CONTENT_TYPE),
                // The header itself: a HEAD answer has no body to measure.
                length: header_str(h, header::CONTENT_LENGTH).and_then(|v| v.trim().parse().ok()),
            })
        };
        let r = tokio::time::timeout(timeout, asked)
            .await
            .unwrap_or(Err(Error::Timeout(timeout)));
        drop(slot);
        r
    }
}

/// Whether `url` is on the site of `home` (a source's own address): the
/// same host, give or take a leading `www.`, or one a subdomain of the
/// other (`thuynguyen.haiphong.gov.vn` and `haiphong.gov.vn`). Follow-ups
/// ask only the sites the admin configured: a listing's link to another
/// site keeps its teaser.
pub fn same_site(home: &Url, url: &Url) -> bool {
    let bare = |u: &Url| {
        let h = u.host_str().unwrap_or("").to_ascii_lowercase();
        h.strip_prefix("www.").map(str::to_string).unwrap_or(h)
    };
    let (a, b) = (bare(home), bare(url));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let ip = |h: &str| h.parse::<std::net::IpAddr>().is_ok() || h.starts_with('[');
    if ip(&a) || ip(&b) {
        return a == b;
    }
    // `gov.vn`, `edu.vn`, `com.vn`: a public suffix shared by unrelated
    // sites, not a site (without a public-suffix list, the generic
    // second-level labels under a country code).
    let suffix = |h: &str| {
        let labels: Vec<&str> = h.split('.').collect();
        labels.len() < 2
            || labels.len() == 2
                && matches!(
                    labels[0],
                    "gov"
                        | "edu"
                        | "com"
                        | "net"
                        | "org"
                        | "ac"
                        | "co"
                        | "info"
                        | "biz"
                        | "int"
                        | "pro"
                        | "name"
                        | "health"
                )
    };
    let under = |sub: &str, parent: &str| !suffix(parent) && sub.ends_with(&format!(".{parent}"));
    a == b || under(&a, &b) || under(&b, &a)
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}

fn classify(e: reqwest::Error, timeout: Duration) -> Error {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if let Some(refused) = c.downcast_ref::<reach::Refused>() {
            return Error::Refused(refused.clone());
        }
        cause = c.source();
    }
    if e.is_timeout() {
        Error::Timeout(timeout)
    } else if e.is_redirect() {
        Error::TooManyRedirects(MAX_REDIRECTS)
    } else if e.is_connect() {
        Error::Connect(root_cause(&e))
    } else {
        Error::Other(root_cause(&e))
    }
}

/// The innermost cause, which is the readable one ("connection refused"),
/// without the URL: the caller logs the source id instead.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `Retry-After` in seconds or as an HTTP date, capped at one day.
pub fn parse_retry_after(h: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = h.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = DateTime::parse_from_rfc2822(v).ok()?;
        (at.with_timezone(&Utc) - now).to_std().unwrap_or_default()
    };
    Some(d.min(Duration::from_secs(24 * 3600)))
}

/// Longest wait after failures: a source is retried at least this often, for
/// ever. Giving up for good is the complaint users of other readers make most.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// When to poll a source next.
///
/// After a success: the interval, give or take 10% so that sources sharing
/// an interval spread out. After `failures` consecutive failures: full
/// jitter, a uniform pick in `[floor, min(MAX_BACKOFF, interval · 2^(n-1))]`,
/// where the floor (a tenth of the interval, at most a minute) keeps a
/// failing source from being hammered. `Retry-After` is always honoured as
/// a minimum.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    rng: &mut fastrand::Rng,
) -> Duration {
    let base = if failures == 0 {
        let spread = interval.as_secs_f64() * 0.1;
        Duration::from_secs_f64(interval.as_secs_f64() + (rng.f64() * 2.0 - 1.0) * spread)
    } else {
        let exp = interval.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
        let cap = exp.min(MAX_BACKOFF).max(interval.min(MAX_BACKOFF));
        let floor = (interval / 10).min(Duration::from_secs(60));
        let pick = Duration::from_secs_f64(cap.as_secs_f64() * rng.f64());
        pick.max(floor)
    };
    base.max(retry_after.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_is_its_host_its_www_and_its_subdomains() {
        let u = |s: &str| Url::parse(s).unwrap();
        let home = u("https://haiphong.gov.vn/tin-tuc");
        for same in [
            "https://haiphong.gov.vn/a",
            "http://WWW.haiphong.gov.vn/b",
            "https://thuynguyen.haiphong.gov.vn/c",
        ] {
            assert!(same_site(&home, &u(same)), "{same}");
        }
        for other in [
            "https://baochinhphu.vn/a",
            "https://nothaiphong.gov.vn/a",
            "https://gov.vn/a",
        ] {
            assert!(!same_site(&home, &u(other)), "{other}");
        }
        assert!(!same_site(&home, &u("https://vn/")));
        let lo = u("http://127.0.0.1:8080/");
        assert!(same_site(&lo, &u("http://127.0.0.1:9/x")));
        assert!(!same_site(&lo, &u("http://127.0.0.2/x")));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2025-12-23T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(120)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Tue, 23 Dec 2025 01:05:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(300)));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, now), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_never_stops() {
        let mut rng = fastrand::Rng::with_seed(7);
        let interval = Duration::from_secs(600);
        for _ in 0..200 {
            let d = next_delay(interval, 0, None, &mut rng);
            assert!(d >= Duration::from_secs(540) && d <= Duration::from_secs(660));
        }
        let mut max_seen = Duration::ZERO;
        for n in 1..40 {
            for _ in 0..50 {
                let d = next_delay(interval, n, None, &mut rng);
                assert!(d <= MAX_BACKOFF, "{d:?} after {n} failures");
                assert!(d >= Duration::from_secs(60));
                max_seen = max_seen.max(d);
            }
        }
        assert!(
            max_seen > Duration::from_secs(3 * 3600),
            "the cap is reachable"
        );
        let d = next_delay(interval, 3, Some(Duration::from_secs(9000)), &mut rng);
        assert!(d >= Duration::from_secs(9000), "Retry-After is a floor");
    }
}

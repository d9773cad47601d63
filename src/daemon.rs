//! The daemon glue: polling a source end to end ([`Poller::poll`]), the
//! per-source schedule, `once`, and `run` with its clean shutdown.
//!
//! One failing source never delays or breaks another: each source has its
//! own task and its own backoff, extraction runs on the blocking pool where a
//! panic is caught as that source's error, and the fetcher's per-host limit
//! is the only thing sources share.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::classify::{Classifier, TopicRules};
use crate::config::{Config, SourceConfig};
use crate::fetch::{self, Fetched, Fetcher, Validators};
use crate::item::item_id;
use crate::notify::telegram::Secret;
use crate::notify::Outbox;
use crate::publish::http;
use crate::source::{self, Kind};
use crate::store::{Incoming, SourceState, Store};

/// What one poll did.
#[derive(Debug, Clone)]
pub struct PollReport {
    pub source_id: String,
    pub outcome: Result<PollSummary, PollError>,
}

#[derive(Debug, Clone, Default)]
pub struct PollSummary {
    /// The source answered 304: nothing was parsed.
    pub not_modified: bool,
    pub kind: Option<Kind>,
    pub found: usize,
    pub new: usize,
    pub queued: usize,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum PollError {
    #[error("fetch failed: {0}")]
    Fetch(Arc<fetch::Error>),
    #[error("{0}")]
    Harvest(Arc<source::Error>),
    #[error("the extractor crashed on this page")]
    Crashed,
    #[error("store: {0}")]
    Store(Arc<crate::store::Error>),
}

impl PollError {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            PollError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }
}

/// Everything a poll needs, shared by every source's task.
pub struct Poller {
    pub config: Arc<Config>,
    pub store: Store,
    fetcher: Fetcher,
    classifier: Classifier,
}

/// The classifier's rules from the configured topics.
pub fn classifier_for(config: &Config) -> anyhow::Result<Classifier> {
    let rules: Vec<TopicRules> = config
        .topics
        .iter()
        .map(|t| TopicRules {
            id: t.id.clone(),
            name: t.name.clone(),
            keywords: t.keywords.clone(),
            exclude: t.exclude.clone(),
            threshold: t.threshold,
        })
        .collect();
    Classifier::new(&rules).context("bad topic rules")
}

impl Poller {
    pub fn new(config: Arc<Config>, store: Store) -> anyhow::Result<Poller> {
        let fetcher = Fetcher::new(&config.fetch).context("cannot build the HTTP client")?;
        let classifier = classifier_for(&config)?;
        Ok(Poller {
            config,
            store,
            fetcher,
            classifier,
        })
    }

    /// The topics of an item: its source's, and those its text matches.
    pub fn topics_of(
        &self,
        source: &SourceConfig,
        title: &str,
        summary: Option<&str>,
    ) -> Vec<String> {
        let mut topics = source.topics.clone();
        for t in self.classifier.classify(title, summary) {
            if !topics.contains(&t) {
                topics.push(t);
            }
        }
        topics
    }

    fn push_topics(&self) -> Vec<String> {
        self.config
            .telegram
            .as_ref()
            .map(|t| t.topics.clone())
            .unwrap_or_default()
    }

    /// Fetch, harvest and store one source, and record how it went.
    pub async fn poll(&self, source: &SourceConfig) -> PollReport {
        let outcome = self.poll_inner(source).await;
        match &outcome {
            Ok(s) if s.not_modified => {
                tracing::debug!(source = %source.id, "not modified")
            }
            Ok(s) => tracing::info!(
                source = %source.id, found = s.found, new = s.new, queued = s.queued, "polled"
            ),
            Err(e) => tracing::warn!(source = %source.id, error = %e, "poll failed"),
        }
        PollReport {
            source_id: source.id.clone(),
            outcome,
        }
    }

    async fn poll_inner(&self, source: &SourceConfig) -> Result<PollSummary, PollError> {
        let store_err = |e| PollError::Store(Arc::new(e));
        let mut state = self.store.source_state(&source.id).map_err(store_err)?;
        let now = Utc::now();
        state.last_attempt = Some(now);
        state.polls += 1;
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let fetched = self
            .fetcher
            .fetch(&source.url, &validators, source.timeout)
            .await;
        let body = match fetched {
            Ok(Fetched::NotModified) => {
                mark_success(&mut state, now);
                self.store
                    .put_source_state(&source.id, &state)
                    .await
                    .map_err(store_err)?;
                return Ok(PollSummary {
                    not_modified: true,
                    found: state.items_last_poll,
                    ..PollSummary::default()
                });
            }
            Ok(Fetched::Body(body)) => body,
            Err(e) => {
                return Err(self
                    .fail(source, state, PollError::Fetch(Arc::new(e)))
                    .await)
            }
        };
        let tz = self.config.fetch.timezone;
        let new_validators = body.validators.clone();
        let src = source.clone();
        let harvest = tokio::task::spawn_blocking(move || source::harvest(&src, &body, tz)).await;
        let harvest = match harvest {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                return Err(self
                    .fail(source, state, PollError::Harvest(Arc::new(e)))
                    .await)
            }
            Err(_) => return Err(self.fail(source, state, PollError::Crashed).await),
        };
        let incoming: Vec<Incoming> = harvest
            .items
            .into_iter()
            .map(|h| Incoming {
                id: item_id(&source.id, &h),
                topics: self.topics_of(source, &h.title, h.summary.as_deref()),
                harvested: h,
            })
            .collect();
        // A source's first harvest is its backlog: stored and shown in the
        // feeds, never pushed, so adding a source never floods the channel.
        let push = if state.primed {
            self.push_topics()
        } else {
            Vec::new()
        };
        state.etag = new_validators.etag;
        state.last_modified = new_validators.last_modified;
        state.items_last_poll = incoming.len();
        state.primed = true;
        mark_success(&mut state, now);
        let w = self
            .store
            .record_poll(&source.id, &incoming, &state, &push, now, tz)
            .await
            .map_err(store_err)?;
        Ok(PollSummary {
            not_modified: false,
            kind: Some(harvest.kind),
            found: incoming.len(),
            new: w.new,
            queued: w.queued,
        })
    }

    async fn fail(&self, source: &SourceConfig, mut state: SourceState, e: PollError) -> PollError {
        state.consecutive_failures += 1;
        state.last_error = Some(e.to_string());
        if matches!(e, PollError::Harvest(_) | PollError::Crashed) {
            state.items_last_poll = 0;
            // Forget the validators, so the next poll parses the page again
            // even if the server says it has not changed.
            state.etag = None;
            state.last_modified = None;
        }
        if let Err(se) = self.store.put_source_state(&source.id, &state).await {
            tracing::error!(source = %source.id, error = %se, "cannot save source state");
        }
        e
    }
}

fn mark_success(state: &mut SourceState, now: chrono::DateTime<Utc>) {
    state.last_success = Some(now);
    state.last_error = None;
    state.consecutive_failures = 0;
}

/// Poll every source once, a few at a time (the fetcher also keeps at most
/// `per_host` requests on one host).
pub async fn poll_all(poller: Arc<Poller>) -> Vec<PollReport> {
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    let mut set = JoinSet::new();
    for (i, source) in poller.config.sources.iter().enumerate() {
        let (poller, source, limit) = (poller.clone(), source.clone(), limit.clone());
        set.spawn(async move {
            let _p = limit.acquire_owned().await.expect("never closed");
            (i, poller.poll(&source).await)
        });
    }
    let mut reports: Vec<(usize, PollReport)> = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(r) => reports.push(r),
            Err(e) => tracing::error!(error = %e, "a poll task died"),
        }
    }
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// One source's schedule, until `shutdown`. A restarted daemon waits out what
/// is left of the interval since the last poll instead of polling at once.
async fn source_loop(poller: Arc<Poller>, source: SourceConfig, shutdown: CancellationToken) {
    let mut rng = fastrand::Rng::new();
    let state = poller.store.source_state(&source.id).unwrap_or_default();
    let mut delay = match state.last_attempt {
        Some(at) if state.consecutive_failures == 0 => {
            let since = (Utc::now() - at).to_std().unwrap_or_default();
            source.interval.saturating_sub(since)
        }
        // Spread the first polls of many sources over a few seconds.
        _ => Duration::from_millis(rng.u64(0..=source.interval.as_millis().min(3000) as u64)),
    };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        let report = tokio::select! {
            // Abandoning a poll is safe: its writes are one transaction.
            _ = shutdown.cancelled() => return,
            r = poller.poll(&source) => r,
        };
        let failures = poller
            .store
            .source_state(&source.id)
            .map(|s| s.consecutive_failures)
            .unwrap_or(1);
        let retry_after = report
            .outcome
            .as_ref()
            .err()
            .and_then(PollError::retry_after);
        delay = fetch::next_delay(source.interval, failures, retry_after, &mut rng);
        tracing::debug!(source = %source.id, next_in = ?delay, "scheduled");
    }
}

/// Poll every source on its own schedule until `shutdown`.
pub async fn run_scheduler(poller: Arc<Poller>, shutdown: CancellationToken) {
    let mut set = JoinSet::new();
    for source in poller.config.sources.clone() {
        set.spawn(source_loop(poller.clone(), source, shutdown.clone()));
    }
    while let Some(r) = set.join_next().await {
        if let Err(e) = r {
            tracing::error!(error = %e, "a source task died");
        }
    }
}

/// The daemon: the scheduler and the HTTP server, until `shutdown`; then the
/// store is flushed.
pub async fn run(
    config: Arc<Config>,
    store: Store,
    listener: tokio::net::TcpListener,
    token: Option<Secret>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let poller = Arc::new(Poller::new(config.clone(), store.clone())?);
    let outbox = Outbox::new(config.clone(), store.clone(), token)?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        sources = config.sources.len(),
        feed = %format!("{}feed.xml", config.server.base_url),
        "tinkhac running"
    );
    let mut tasks = JoinSet::new();
    tasks.spawn({
        let (poller, shutdown) = (poller.clone(), shutdown.clone());
        async move {
            run_scheduler(poller, shutdown).await;
            ("scheduler", Ok::<(), std::io::Error>(()))
        }
    });
    let mut state = http::AppState::new(config.clone(), store.clone());
    if let Some(outbox) = outbox {
        state = state.with_channel(outbox.status());
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            let r = outbox.run(shutdown).await.map_err(std::io::Error::other);
            ("telegram", r)
        });
    }
    tasks.spawn({
        let shutdown = shutdown.clone();
        async move { ("http", http::serve(listener, state, shutdown).await) }
    });
    let mut result = Ok(());
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((name, Ok(()))) => tracing::info!(task = name, "stopped"),
            Ok((name, Err(e))) => {
                tracing::error!(task = name, error = %e, "task failed; stopping");
                shutdown.cancel();
                result = Err(anyhow::anyhow!("{name}: {e}"));
            }
            Err(e) => {
                tracing::error!(error = %e, "task panicked; stopping");
                shutdown.cancel();
                result = Err(anyhow::anyhow!("a task panicked: {e}"));
            }
        }
    }
    store.flush().await.context("flushing the store")?;
    tracing::info!("store flushed; bye");
    result
}

//! Polling: one source end to end ([`Poller::poll`]: fetch and harvest
//! through [`crate::pipeline`], then the store), every source once
//! ([`poll_all`]), the per-source schedule with reload ([`run_scheduler`]),
//! retention and the store watch, and the follow-ups of new items to their
//! article pages ([`follow`]). [`crate::runtime`] wires and runs them.
//!
//! One failing source never delays or breaks another: each source has its
//! own task and its own backoff, extraction runs on the blocking pool where a
//! panic is caught as that source's error, and the fetcher's per-host limit
//! is the only thing sources share.

pub mod follow;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::classify::{Classifier, TopicRules};
use crate::clock::Clock;
use crate::config::{Config, SourceConfig};
use crate::fetch::{self, Fetched, Validators};
use crate::health::{self, Health};
use crate::item::item_id;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::pipeline::{Admitted, HarvestError, Harvester};
use crate::source::{self, Kind};
use crate::store::{FailureKind, Follow, Incoming, PollStore, SourceState, Store};

/// What one poll did.
#[derive(Debug, Clone)]
pub struct PollReport {
    pub source_id: String,
    pub outcome: Result<PollSummary, PollError>,
    /// Failed polls in a row, this one included: the schedule backs off on it.
    pub consecutive_failures: u32,
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
    /// The error in Vietnamese, for the status page (whose every text is
    /// Vietnamese). Logs, `/status.json` and `feeds list` keep the English
    /// [`Display`](std::fmt::Display) text, which names the details an
    /// admin greps for.
    pub fn vi(&self) -> String {
        match self {
            PollError::Fetch(e) => match e.as_ref() {
                fetch::Error::Timeout(d) => {
                    format!("hết thời gian chờ ({} giây)", d.as_secs().max(1))
                }
                fetch::Error::TooLarge { limit } => format!(
                    "trang lớn hơn giới hạn {} MiB ([fetch] max_body_mib)",
                    limit.div_ceil(1 << 20)
                ),
                fetch::Error::Status { status, .. } => {
                    format!("máy chủ trả lời mã lỗi HTTP {status}")
                }
                fetch::Error::TooManyRedirects(n) => {
                    format!("chuyển hướng quá nhiều lần (hơn {n} lần)")
                }
                fetch::Error::Refused(_) => "bị chặn: địa chỉ dẫn vào mạng nội bộ; chỉ nguồn                      đặt intranet = true mới được vào"
                    .to_string(),
                fetch::Error::Connect(_) => "không kết nối được tới máy chủ".to_string(),
                fetch::Error::Other(_) => "không tải được trang".to_string(),
            },
            PollError::Harvest(e) => match e.as_ref() {
                source::Error::Feed(_) => {
                    "không đọc được nguồn tin: nội dung không phải RSS/Atom/JSON Feed hợp lệ"
                        .to_string()
                }
                source::Error::NoContainer => "không tìm thấy tin: trang không còn danh sách                      tin (giao diện có thể đã đổi)"
                    .to_string(),
                source::Error::EmptyContainer => {
                    "không tìm thấy tin: có khung danh sách tin nhưng trống".to_string()
                }
                source::Error::ScriptLoaded => "không tìm thấy tin: trang tải danh sách tin                      bằng JavaScript; hãy dùng trang danh mục của chuyên mục hoặc một feed"
                    .to_string(),
                source::Error::TooDeep { depth, .. } => {
                    format!("trang bị từ chối: các thẻ lồng nhau quá sâu ({depth} tầng)")
                }
                source::Error::TooManyElements { elements, .. } => {
                    format!("trang bị từ chối: quá nhiều phần tử ({elements})")
                }
            },
            PollError::Crashed => "bộ trích xuất gặp lỗi trên trang này".to_string(),
            PollError::Store(_) => "không ghi được vào kho dữ liệu".to_string(),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            PollError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }
}

/// Everything a poll needs, shared by every source's task. It reaches the
/// store only through [`PollStore`].
pub struct Poller<S = Store> {
    pub config: Arc<Config>,
    pub store: S,
    /// Fetch and harvest, as `preview` does them too.
    harvester: Harvester,
    /// `[fetch] concurrency` permits, one held through each poll (fetch,
    /// harvest, store): without it, bodies fetched faster than they can be
    /// parsed pile up in memory.
    slots: Arc<tokio::sync::Semaphore>,
    metrics: Option<Arc<Metrics>>,
    classifier: Classifier,
    /// Notes for the admin chat (a source broke or recovered).
    admin: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    /// Polls in progress: follow-ups start only when none is, so that a
    /// follow-up never delays a poll ([`follow`]).
    running: Arc<tokio::sync::watch::Sender<usize>>,
}

/// Counts a poll as in progress for as long as it lives.
struct Running(Arc<tokio::sync::watch::Sender<usize>>);

impl Running {
    fn start(tx: &Arc<tokio::sync::watch::Sender<usize>>) -> Running {
        tx.send_modify(|n| *n += 1);
        Running(tx.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The classifier's rules from the configured topics.
pub fn classifier_for(config: &Config) -> anyhow::Result<Classifier> {
    let rules: Vec<TopicRules> = config.topics.iter().map(|t| t.rules()).collect();
    Classifier::new(&rules).context("bad topic rules")
}

impl<S: PollStore + Clone> Poller<S> {
    pub fn new(config: Arc<Config>, store: S) -> anyhow::Result<Poller<S>> {
        let harvester = Harvester::new(&config.fetch)?;
        let classifier = classifier_for(&config)?;
        Ok(Poller {
            slots: Arc::new(tokio::sync::Semaphore::new(config.fetch.concurrency)),
            config,
            store,
            harvester,
            metrics: None,
            classifier,
            admin: None,
            running: Arc::new(tokio::sync::watch::channel(0).0),
        })
    }

    /// The same poller for a new configuration: same store, same per-host
    /// limits (unless `[fetch]` changed), same admin channel and metrics.
    pub fn reconfigured(&self, config: Arc<Config>) -> anyhow::Result<Poller<S>> {
        let harvester = self
            .harvester
            .reconfigured(&self.config.fetch, &config.fetch)?;
        let slots = if config.fetch.concurrency == self.config.fetch.concurrency {
            self.slots.clone()
        } else {
            Arc::new(tokio::sync::Semaphore::new(config.fetch.concurrency))
        };
        Ok(Poller {
            slots,
            classifier: classifier_for(&config)?,
            config,
            store: self.store.clone(),
            harvester,
            metrics: self.metrics.clone(),
            admin: self.admin.clone(),
            running: self.running.clone(),
        })
    }

    /// The clock its fetches cross-check.
    pub fn clock(&self) -> Arc<Clock> {
        self.harvester.clock()
    }

    /// Count polls, items, latency and bytes here.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Poller<S> {
        self.metrics = Some(metrics);
        self
    }

    /// Send health notes to this channel (the outbox forwards them).
    pub fn with_admin(mut self, tx: tokio::sync::mpsc::UnboundedSender<String>) -> Poller<S> {
        self.admin = Some(tx);
        self
    }

    /// The topics of an item: its source's, and those its text matches.
    pub fn topics_of(
        &self,
        source: &SourceConfig,
        title: &str,
        summary: Option<&str>,
    ) -> Vec<String> {
        crate::pipeline::item_topics(&self.classifier, source, title, summary)
    }

    /// Fetch, harvest and store one source, and record how it went.
    pub async fn poll(&self, source: &SourceConfig) -> PollReport {
        let _running = Running::start(&self.running);
        // A store that cannot write pauses polling: fetching pages whose
        // items could not be kept would only cost the portals.
        if let Err(e) = self.store.writable() {
            let state = self.store.source_state(&source.id).unwrap_or_default();
            return PollReport {
                source_id: source.id.clone(),
                outcome: Err(PollError::Store(Arc::new(e))),
                consecutive_failures: state.consecutive_failures,
            };
        }
        // The host's slot first: a poll waiting on a busy host holds no
        // concurrency slot that a poll of another host could use.
        let host = self.harvester.host_slot(source).await;
        let _slot = self.slots.acquire().await.expect("never closed");
        // The source's state is read once; the poll updates this copy as it
        // stores it, and the health and the schedule read the copy.
        let (before, after, outcome) = match self.store.source_state(&source.id) {
            Ok(before) => {
                let mut after = before.clone();
                let outcome = self.poll_inner(source, &mut after, host).await;
                if let Err(PollError::Store(_)) = outcome {
                    // Not stored: the state stays what the store holds.
                    after = before.clone();
                }
                (before, after, outcome)
            }
            Err(e) => {
                // Unknown: count one failure, so the schedule backs off.
                let after = SourceState {
                    consecutive_failures: 1,
                    ..SourceState::default()
                };
                (after.clone(), after, Err(PollError::Store(Arc::new(e))))
            }
        };
        self.health_transition(source, &before, &after);
        if let Some(m) = &self.metrics {
            let kind = match &outcome {
                Ok(s) if s.not_modified => "not_modified",
                Ok(_) => "ok",
                Err(_) => "error",
            };
            m.poll(&source.id, kind);
            if let Ok(s) = &outcome {
                m.new_items
                    .get_or_create(&Metrics::label(&source.id))
                    .inc_by(s.new as u64);
            }
        }
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
            consecutive_failures: after.consecutive_failures,
        }
    }

    /// One poll, from the source's state as the store had it; `state` ends
    /// as the poll stored it.
    async fn poll_inner(
        &self,
        source: &SourceConfig,
        state: &mut SourceState,
        host: fetch::HostSlot,
    ) -> Result<PollSummary, PollError> {
        let store_err = |e| PollError::Store(Arc::new(e));
        let now = Utc::now();
        state.last_attempt = Some(now);
        state.polls += 1;
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let started = std::time::Instant::now();
        let fetched = self.harvester.fetch(host, source, &validators).await;
        if let Some(m) = &self.metrics {
            let label = Metrics::label(&source.id);
            let seconds = started.elapsed().as_secs_f64();
            m.fetch_seconds.observe(seconds);
            m.last_fetch_seconds.get_or_create(&label).set(seconds);
            if let Ok(Fetched::Body(b)) = &fetched {
                m.fetched_bytes
                    .get_or_create(&label)
                    .inc_by(b.bytes.len() as u64);
            }
        }
        let body = match fetched {
            Ok(Fetched::NotModified) => {
                mark_success(state, now);
                self.store
                    .put_source_state(&source.id, state)
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
        let admitted = match self
            .harvester
            .harvest(&self.config, source, body, now)
            .await
        {
            Ok(a) => a,
            Err(HarvestError::Source(e)) => {
                return Err(self
                    .fail(source, state, PollError::Harvest(Arc::new(e)))
                    .await)
            }
            Err(HarvestError::Crashed) => {
                return Err(self.fail(source, state, PollError::Crashed).await)
            }
        };
        let Admitted {
            mut harvest,
            redated,
            admission,
        } = admitted;
        for note in &harvest.notes {
            tracing::warn!(source = %source.id, "{note}");
        }
        if redated > 0 {
            tracing::info!(source = %source.id, items = redated, "dated more than a day ahead: dated at the fetch instead");
        }
        let items = std::mem::take(&mut harvest.items);
        if !admission.is_clean() {
            tracing::warn!(source = %source.id, ?admission, "items over the [limits] caps were cut or dropped");
            if let Some(m) = &self.metrics {
                m.admission(&admission);
            }
        }
        let push = crate::pipeline::PushPolicy::new(self.config.telegram.as_ref(), state.primed);
        // New items of a followed source are followed to their article
        // pages, once it is primed: its first harvest is its backlog,
        // stored and shown but neither pushed nor followed (following it
        // would cost the portal tens of requests at once when a source is
        // added, and keep a first `once` waiting on the per-host cap).
        let follow = if state.primed && source.follows(harvest.kind == Kind::Feed) {
            Follow::Article
        } else {
            Follow::No
        };
        let incoming: Vec<Incoming> = items
            .into_iter()
            .map(|h| {
                let topics = self.topics_of(source, &h.title, h.summary.as_deref());
                // Only links of the source's own site are followed.
                let follow = match &h.link {
                    Some(l) if fetch::same_site(&source.url, l) => follow,
                    _ => Follow::No,
                };
                Incoming {
                    id: item_id(&source.id, &h),
                    push: push.wants(&topics),
                    follow,
                    topics,
                    harvested: h,
                }
            })
            .collect();
        state.etag = new_validators.etag;
        state.last_modified = new_validators.last_modified;
        state.items_last_poll = incoming.len();
        state.ever_yielded |= !incoming.is_empty();
        state.primed = true;
        mark_success(state, now);
        let w = self
            .store
            .record_poll(&source.id, &incoming, state, now, tz)
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

    /// Speak up once when a source breaks and once when it recovers: a WARN
    /// in the log, and a note to the admin chat when one is configured.
    fn health_transition(&self, source: &SourceConfig, before: &SourceState, after: &SourceState) {
        let (was, is) = (health::of(before), health::of(after));
        let note = match (was == Health::Broken, is == Health::Broken) {
            (false, true) => {
                let why = health::note(after).unwrap_or_default();
                tracing::warn!(source = %source.id, reason = %why, "source is broken");
                format!("⚠️ Nguồn «{}» ({}) bị hỏng: {why}", source.name, source.id)
            }
            (true, false) => {
                tracing::info!(source = %source.id, "source recovered");
                format!(
                    "✅ Nguồn «{}» ({}) đã hoạt động lại.",
                    source.name, source.id
                )
            }
            _ => return,
        };
        if let Some(tx) = &self.admin {
            let _ = tx.send(note);
        }
    }

    async fn fail(
        &self,
        source: &SourceConfig,
        state: &mut SourceState,
        e: PollError,
    ) -> PollError {
        state.consecutive_failures += 1;
        state.last_error = Some(e.to_string());
        state.last_error_vi = Some(e.vi());
        state.failure = Some(match &e {
            PollError::Fetch(_) | PollError::Store(_) => FailureKind::Fetch,
            PollError::Crashed => FailureKind::Parse,
            PollError::Harvest(h) => match h.as_ref() {
                source::Error::NoContainer | source::Error::ScriptLoaded => {
                    FailureKind::NoContainer
                }
                source::Error::EmptyContainer => FailureKind::EmptyContainer,
                source::Error::Feed(_)
                | source::Error::TooDeep { .. }
                | source::Error::TooManyElements { .. } => FailureKind::Parse,
            },
        });
        if matches!(e, PollError::Harvest(_) | PollError::Crashed) {
            state.items_last_poll = 0;
            // Forget the validators, so the next poll parses the page again
            // even if the server says it has not changed.
            state.etag = None;
            state.last_modified = None;
        }
        if let Err(se) = self.store.put_source_state(&source.id, state) {
            tracing::error!(source = %source.id, error = %se, "cannot save source state");
        }
        e
    }
}

fn mark_success(state: &mut SourceState, now: chrono::DateTime<Utc>) {
    state.last_success = Some(now);
    state.last_error = None;
    state.last_error_vi = None;
    state.failure = None;
    state.consecutive_failures = 0;
}

/// Poll every source but the paused ones once, `[fetch] concurrency` at a
/// time (the fetcher also keeps at most `per_host` requests on one host).
pub async fn poll_all(poller: Arc<Poller>) -> Vec<PollReport> {
    let mut set = JoinSet::new();
    let active = poller.config.sources.iter().filter(|s| !s.paused);
    for (i, source) in active.enumerate() {
        let (poller, source) = (poller.clone(), source.clone());
        set.spawn(async move { (i, poller.poll(&source).await) });
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

/// Poll every source but the paused ones once, one after the other in
/// configuration order. The demo polls so: which source stores an article
/// first decides which one counts it as "new", and a fixed order makes every
/// run count the same.
/// (Stored dates do not depend on the order either way: see `store`.)
pub async fn poll_in_order(poller: Arc<Poller>) -> Vec<PollReport> {
    let mut reports = Vec::with_capacity(poller.config.sources.len());
    for source in poller.config.sources.iter().filter(|s| !s.paused) {
        reports.push(poller.poll(source).await);
    }
    reports
}

type SharedPoller = Arc<RwLock<Arc<Poller>>>;

fn current(p: &SharedPoller) -> Arc<Poller> {
    p.read().expect("poller lock poisoned").clone()
}

/// One source's schedule, until `stop`. A restarted daemon waits out what is
/// left of the interval since the last poll instead of polling at once. The
/// poller is read afresh for every poll, so topic edits apply at once.
/// [`Live::poll_now`] cuts a wait short.
async fn source_loop(
    poller: SharedPoller,
    live: Arc<Live>,
    source: SourceConfig,
    stop: CancellationToken,
) {
    if source.paused {
        tracing::info!(source = %source.id, "paused: not polled until resumed");
        return;
    }
    let mut rng = fastrand::Rng::new();
    let state = current(&poller)
        .store
        .source_state(&source.id)
        .unwrap_or_default();
    let mut delay = match state.last_attempt {
        Some(at) if state.consecutive_failures == 0 => {
            let since = (Utc::now() - at).to_std().unwrap_or_default();
            source.interval.saturating_sub(since)
        }
        // Spread the first polls of many sources over a few seconds.
        _ => Duration::from_millis(rng.u64(0..=source.interval.as_millis().min(3000) as u64)),
    };
    let wake = Arc::new(tokio::sync::Notify::new());
    live.wake
        .lock()
        .expect("poisoned")
        .insert(source.id.clone(), wake.clone());
    loop {
        let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        live.next_poll
            .lock()
            .expect("poisoned")
            .insert(source.id.clone(), at);
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(coalesced(delay, source.interval)) => {}
            _ = wake.notified() => {
                tracing::info!(source = %source.id, "polling now, as asked");
            }
        }
        let p = current(&poller);
        let report = tokio::select! {
            // Abandoning a poll is safe: its writes are one transaction.
            _ = stop.cancelled() => break,
            // Boxed: held inline, the poll's state (~3 KB) would size every
            // sleeping source's task; boxed, only polls in progress pay it
            // (BENCHMARKS.md, memory).
            r = Box::pin(p.poll(&source)) => r,
        };
        let failures = report.consecutive_failures;
        let retry_after = report
            .outcome
            .as_ref()
            .err()
            .and_then(PollError::retry_after);
        delay = fetch::next_delay(source.interval, failures, retry_after, &mut rng);
        tracing::debug!(source = %source.id, next_in = ?delay, "scheduled");
    }
    live.next_poll.lock().expect("poisoned").remove(&source.id);
    // Only its own: a restarted task may have put its successor's there.
    let mut wakes = live.wake.lock().expect("poisoned");
    if wakes.get(&source.id).is_some_and(|w| Arc::ptr_eq(w, &wake)) {
        wakes.remove(&source.id);
    }
}

/// When a poll due in `delay` starts: rounded up to the next tick of a
/// process-wide grid, so that the polls of many sources that fall due
/// close together wake the runtime once, not once each (an idle runtime
/// wakes its threads for every timer; BENCHMARKS.md, steady). The tick is
/// a tenth of the interval, at most one second: a poll starts at most that
/// much later than planned, well within the interval's ±10% jitter.
fn coalesced(delay: Duration, interval: Duration) -> tokio::time::Instant {
    static EPOCH: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(tokio::time::Instant::now);
    let tick = (interval / 10).clamp(Duration::from_millis(1), Duration::from_secs(1));
    let due = (tokio::time::Instant::now() + delay).duration_since(epoch);
    let at = due.as_nanos().div_ceil(tick.as_nanos()) * tick.as_nanos();
    epoch + Duration::from_nanos(u64::try_from(at).unwrap_or(u64::MAX))
}

/// A running source task, and what it was started with.
struct Task {
    source: SourceConfig,
    stop: CancellationToken,
    handle: tokio::task::JoinHandle<()>,
}

/// Poll every source on its own schedule until `shutdown`; on each message
/// from `reload`, read the configuration file again and apply the difference:
/// added sources start, removed ones stop, changed ones restart, the others
/// go on undisturbed. An invalid file changes nothing but `config_error`.
pub async fn run_scheduler(
    poller: Arc<Poller>,
    live: Arc<Live>,
    mut reload: tokio::sync::mpsc::Receiver<()>,
    shutdown: CancellationToken,
) {
    let shared: SharedPoller = Arc::new(RwLock::new(poller.clone()));
    let mut tasks: HashMap<String, Task> = HashMap::new();
    let spawn = |source: &SourceConfig, tasks: &mut HashMap<String, Task>| {
        let stop = shutdown.child_token();
        let handle = tokio::spawn(source_loop(
            shared.clone(),
            live.clone(),
            source.clone(),
            stop.clone(),
        ));
        tasks.insert(
            source.id.clone(),
            Task {
                source: source.clone(),
                stop,
                handle,
            },
        );
    };
    for s in &poller.config.sources {
        spawn(s, &mut tasks);
    }
    let follow_ups = tokio::spawn(follow::follow_loop(shared.clone(), shutdown.clone()));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            msg = reload.recv() => {
                if msg.is_none() {
                    // No reloader: wait for the shutdown alone.
                    shutdown.cancelled().await;
                    break;
                }
                let old = live.config();
                let new = match Config::load(&old.path) {
                    Ok(c) => Arc::new(c),
                    Err(e) => {
                        tracing::error!("configuration not reloaded, keeping the last good one: {e}");
                        *live.config_error.lock().expect("poisoned") = Some(e.to_string());
                        continue;
                    }
                };
                let new_poller = match current(&shared).reconfigured(new.clone()) {
                    Ok(p) => Arc::new(p),
                    Err(e) => {
                        tracing::error!("configuration not reloaded: {e:#}");
                        *live.config_error.lock().expect("poisoned") = Some(format!("{e:#}"));
                        continue;
                    }
                };
                *live.config_error.lock().expect("poisoned") = None;
                for w in new.warnings() {
                    tracing::warn!("{w}");
                }
                if old.server.listen != new.server.listen
                    || old.telegram != new.telegram
                    || old.storage.path != new.storage.path
                {
                    tracing::warn!("changes to [server] listen, [storage] or [telegram] take effect after a restart");
                }
                *shared.write().expect("poisoned") = new_poller;
                live.set_config(new.clone());
                let (mut added, mut changed, mut removed) = (0, 0, 0);
                let keep: HashMap<&str, &SourceConfig> = new.sources.iter().map(|s| (s.id.as_str(), s)).collect();
                tasks.retain(|id, t| {
                    let stays = keep.get(id.as_str()).is_some_and(|s| **s == t.source);
                    if !stays {
                        t.stop.cancel();
                        if keep.contains_key(id.as_str()) { changed += 1 } else { removed += 1 }
                    }
                    stays
                });
                for s in &new.sources {
                    if !tasks.contains_key(&s.id) {
                        spawn(s, &mut tasks);
                        added += 1;
                    }
                }
                added -= changed;
                tracing::info!(added, changed, removed, "configuration reloaded");
            }
        }
    }
    for (_, t) in tasks {
        t.stop.cancel();
        if let Err(e) = t.handle.await {
            tracing::error!(error = %e, "a source task died");
        }
    }
    if let Err(e) = follow_ups.await {
        tracing::error!(error = %e, "the follow-up task died");
    }
}

/// Apply `[storage] retention` every six hours, by a clock the portals'
/// `Date` headers agree with: it waits for the first of them, and pauses
/// (saying why in `/healthz`) while the local clock is more than an hour
/// off, since a clock running ahead would delete everything for good.
pub(crate) async fn retention_loop(
    live: Arc<Live>,
    store: Store,
    clock: Arc<Clock>,
    shutdown: CancellationToken,
) {
    let mut observed = clock.subscribe();
    loop {
        observed.mark_unchanged();
        // Until the clock can be trusted, look again at each new `Date`.
        let mut wait_for_clock = false;
        if let Some(keep) = live.config().storage.retention {
            let paused = match clock.retention_cutoff(Utc::now(), keep) {
                Ok(cutoff) => {
                    match store.prune(cutoff).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(removed = n, "retention: old items removed"),
                        Err(e) => tracing::error!(error = %e, "retention failed"),
                    }
                    None
                }
                Err(report) => {
                    wait_for_clock = true;
                    report.reason
                }
            };
            let mut slot = live.retention_paused.lock().expect("poisoned");
            match (&*slot, &paused) {
                (None, Some(why)) => tracing::error!("retention paused: {why}"),
                (Some(_), None) => tracing::info!("the clocks agree again: retention resumes"),
                _ => {}
            }
            *slot = paused;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            Ok(()) = observed.changed(), if wait_for_clock => {}
            _ = tokio::time::sleep(Duration::from_secs(6 * 3600)) => {}
        }
    }
}

/// Write the source states that polls changed in memory only, at most
/// every `every` ([`crate::store::STATE_BATCH`] in the daemon). It sleeps
/// until a state changes, so an idle daemon never wakes for it; the last
/// batch is written at shutdown, by [`Store::flush`].
pub(crate) async fn state_writer<S: PollStore>(
    store: S,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = store.states_changed() => {}
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match store.persist_states().await {
            Ok(n) => tracing::debug!(states = n, "source states written"),
            Err(e) => tracing::warn!(error = %e, "cannot write the source states yet"),
        }
    }
}

/// While the store cannot write, try every few seconds to reopen it; tell
/// the admin chat once when it stops writing and once when it writes again.
pub(crate) async fn store_watch(
    store: Store,
    notes: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    shutdown: CancellationToken,
) {
    let note = |text: String| {
        if let Some(tx) = &notes {
            let _ = tx.send(text);
        }
    };
    let mut reported = false;
    let mut every = tokio::time::interval(Duration::from_secs(5));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        let Some(fault) = store.fault() else {
            continue;
        };
        if !reported {
            note(format!(
                "⚠️ tinkhac không ghi được vào kho dữ liệu ({}): tạm dừng lấy tin và gửi tin;                  hãy giải phóng dung lượng đĩa.",
                fault.reason
            ));
            reported = true;
        }
        if store.recover().await {
            note("✅ tinkhac đã ghi được vào kho dữ liệu trở lại.".to_string());
            reported = false;
        }
    }
}

/// Ask for a reload on SIGHUP and whenever the configuration file changes
/// (its folder is watched, since editors replace files by renaming).
pub(crate) fn watch_config(
    path: &std::path::Path,
    tx: tokio::sync::mpsc::Sender<()>,
    shutdown: CancellationToken,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    #[cfg(unix)]
    {
        let tx = tx.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                return;
            };
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    Some(()) = hup.recv() => {
                        tracing::info!("SIGHUP: reloading the configuration");
                        let _ = tx.try_send(());
                    }
                }
            }
        });
    }
    let file = path.file_name()?.to_owned();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let (raw_tx, mut raw_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev {
            let ours = ev
                .paths
                .iter()
                .any(|p| p.file_name() == Some(file.as_os_str()));
            if ours && (ev.kind.is_modify() || ev.kind.is_create()) {
                let _ = raw_tx.send(());
            }
        }
    })
    .map_err(|e| tracing::warn!(error = %e, "cannot watch the configuration; SIGHUP still reloads"))
    .ok()?;
    if let Err(e) = watcher.watch(&dir, notify::RecursiveMode::NonRecursive) {
        tracing::warn!(error = %e, "cannot watch the configuration; SIGHUP still reloads");
        return None;
    }
    tokio::spawn(async move {
        while raw_rx.recv().await.is_some() {
            // An editor's save is several events: let them settle, then
            // reload once.
            tokio::time::sleep(Duration::from_millis(300)).await;
            while raw_rx.try_recv().is_ok() {}
            tracing::info!("the configuration file changed: reloading");
            if tx.try_send(()).is_err() && tx.is_closed() {
                return;
            }
        }
    });
    Some(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_due_within_one_tick_wake_together_and_never_early() {
        let minute = Duration::from_secs(60);
        let now = tokio::time::Instant::now();
        let a = coalesced(Duration::from_millis(10_000), minute);
        let b = coalesced(Duration::from_millis(10_001), minute);
        assert!(a >= now + Duration::from_millis(10_000), "never early");
        assert!(
            a < now + Duration::from_millis(11_100),
            "at most a tick late"
        );
        assert!(
            b == a || b == a + Duration::from_secs(1),
            "the same tick, or the next when the first fell on its edge"
        );
        let c: Vec<_> = (0..20)
            .map(|ms| coalesced(Duration::from_millis(30_000 + ms * 10), minute))
            .collect();
        let distinct: std::collections::HashSet<_> = c.iter().collect();
        assert!(
            distinct.len() <= 2,
            "20 polls within 200 ms: {} wake-ups",
            distinct.len()
        );
        // A short interval keeps a fine tick.
        let fast = coalesced(Duration::from_millis(500), Duration::from_secs(1));
        assert!(fast < tokio::time::Instant::now() + Duration::from_millis(650));
    }
}

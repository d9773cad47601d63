//! Follow-ups: each new item of a followed source fetched once at its
//! article page, for what the "Tin khác" teaser lacks ([`crate::article`]:
//! the text, the lead image, the exact time, the byline, the attachments
//! and the document numbers), and the article's own "Tin khác" list put
//! back into its source's harvest.
//!
//! The queue is the store's ([`FollowStore`]): an item is queued in the
//! poll's transaction that stores it, and a follow-up is finished by one
//! transaction, so a restart or a `kill -9` loses none and repeats none that
//! finished. It does not delay polls: follow-ups run one at a time, when no
//! poll is in progress (or once no such moment came for [`MAX_YIELD`]: a
//! follow-up then holds one of its host's slots, never a poll's), through
//! the poller's own fetcher (the same
//! per-host slots, body cap, timeouts and reach as the source's polls), and
//! each host gets at most `[follow] per_host_per_minute` of their requests
//! (the article's GET and its attachments' HEADs). A failure is tried again
//! later, the wait doubling each time; a 404 or 410, a page that cannot be
//! read, or `[follow] max_attempts` failures give it up, and the item keeps
//! its teaser. The article's list is followed one hop only: its new items
//! are followed for their own text, never for their lists.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{current, Poller, SharedPoller};
use crate::fetch::{self, Fetched};
use crate::item::item_id;
use crate::store::{Follow, FollowEntry, FollowStore, Incoming, OutboxStore, PollStore};

/// Follow-up requests per host in the last minute, kept below the cap.
#[derive(Debug, Default)]
pub struct HostRate {
    recent: HashMap<String, VecDeque<Instant>>,
}

impl HostRate {
    /// Take one request of `url`'s host, or say how long until one is free.
    fn take(&mut self, url: &Url, per_minute: usize, now: Instant) -> Result<(), Duration> {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let q = self.recent.entry(host).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            q.pop_front();
        }
        if q.len() >= per_minute.max(1) {
            let oldest = q[q.len() - per_minute.max(1)];
            return Err(Duration::from_secs(60).saturating_sub(now.duration_since(oldest)));
        }
        q.push_back(now);
        Ok(())
    }
}

/// How long after its `attempts`-th failure a follow-up is tried again:
/// one minute, doubling, at most six hours.
pub fn backoff(attempts: u32) -> Duration {
    (Duration::from_secs(60) * (1u32 << attempts.saturating_sub(1).min(16)))
        .min(Duration::from_secs(6 * 3600))
}

/// What one follow-up came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored: what the article gave, and what its list brought.
    Followed {
        text: bool,
        attachments: usize,
        documents: usize,
        /// New items its "Tin khác" list added.
        listed_new: usize,
    },
    /// Failed; tried again later.
    Retry(String),
    /// Given up for good: the item keeps its teaser.
    GaveUp(String),
}

/// One follow-up and how it went.
#[derive(Debug, Clone)]
pub struct FollowReport {
    pub item_id: String,
    pub source_id: String,
    pub outcome: Outcome,
}

/// What a pass over the due follow-ups did, and when to look again.
#[derive(Debug, Default)]
pub struct Pass {
    pub reports: Vec<FollowReport>,
    /// The earliest a follow-up left for later (the per-host cap, a poll
    /// starting) may go.
    pub wait: Option<Duration>,
}

/// A follow-up's fetch and read, before it is stored.
enum Got {
    Article(Box<crate::article::Article>, chrono::DateTime<Utc>),
    Failed(Outcome),
    /// The host's cap is reached: not tried, not counted, free again then.
    Later(Duration),
}

impl<S: PollStore + FollowStore + Clone> Poller<S> {
    /// Run the follow-ups due now, one at a time, until none is left that
    /// may go now, a poll starts (when `yield_to_polls`), or `shutdown`.
    pub async fn follow_pass(
        &self,
        rate: &mut HostRate,
        shutdown: &CancellationToken,
        yield_to_polls: bool,
    ) -> Pass {
        let mut pass = Pass::default();
        let due = match self.store.follow_due(Utc::now(), 256) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the follow-ups");
                return pass;
            }
        };
        let later = |pass: &mut Pass, d: Duration| {
            pass.wait = Some(pass.wait.map_or(d, |w| w.min(d)));
        };
        for entry in due {
            if shutdown.is_cancelled() {
                break;
            }
            if yield_to_polls && *self.running.borrow() > 0 {
                later(&mut pass, Duration::ZERO);
                break;
            }
            // Abandoning a follow-up before it is stored is safe: it runs
            // again after the restart.
            let got = tokio::select! {
                _ = shutdown.cancelled() => break,
                got = self.fetch_article(&entry, rate) => got,
            };
            let outcome = match got {
                Got::Later(d) => {
                    later(&mut pass, d);
                    continue;
                }
                Got::Failed(o) => self.record_failure(&entry, o).await,
                Got::Article(article, fetched_at) => {
                    self.store_article(&entry, *article, fetched_at).await
                }
            };
            if let Some(m) = &self.metrics {
                m.follow_up(match outcome {
                    Outcome::Followed { .. } => "followed",
                    Outcome::GaveUp(_) => "given_up",
                    Outcome::Retry(_) => "retry",
                });
            }
            pass.reports.push(FollowReport {
                item_id: entry.item_id.clone(),
                source_id: entry.source_id.clone(),
                outcome,
            });
        }
        pass
    }

    /// Fetch and read the article page, and HEAD its attachments.
    async fn fetch_article(&self, entry: &FollowEntry, rate: &mut HostRate) -> Got {
        let gave_up = |why: String| Got::Failed(Outcome::GaveUp(why));
        let Ok(url) = Url::parse(&entry.url) else {
            return gave_up("its link is not a URL".into());
        };
        let Some(source) = self.config.source(&entry.source_id).cloned() else {
            return gave_up("its source is no longer configured".into());
        };
        let per_minute = self.config.follow.per_host_per_minute;
        if let Err(wait) = rate.take(&url, per_minute, Instant::now()) {
            return Got::Later(wait);
        }
        let slot = self.harvester.url_slot(&url).await;
        let fetched_at = Utc::now();
        let body = match self.harvester.fetch_page(slot, &source, &url).await {
            Ok(Fetched::Body(b)) => b,
            Ok(Fetched::NotModified) => {
                return Got::Failed(Outcome::Retry("304 to an unconditional GET".into()))
            }
            Err(fetch::Error::Status {
                status: status @ (404 | 410),
                ..
            }) => return gave_up(format!("the article page is gone (HTTP {status})")),
            Err(e @ fetch::Error::Refused(_)) => return gave_up(e.to_string()),
            Err(e) => return Got::Failed(Outcome::Retry(e.to_string())),
        };
        let tz = self.config.fetch.timezone;
        let limits = self.config.limits;
        let read = tokio::task::spawn_blocking(move || {
            crate::article::extract(&body, fetched_at, tz, &limits)
        })
        .await;
        let mut article = match read {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => return gave_up(format!("the article page cannot be read: {e}")),
            Err(_) => return gave_up("the extractor crashed on the article page".into()),
        };
        // Each attachment's type and size, from a HEAD request counted
        // against its host's cap; one the cap does not allow now, one of
        // another site, or a failing one keeps them empty.
        for a in &mut article.attachments {
            if !fetch::same_site(&source.url, &a.url)
                || rate.take(&a.url, per_minute, Instant::now()).is_err()
            {
                continue;
            }
            let slot = self.harvester.url_slot(&a.url).await;
            match self.harvester.head(slot, &source, &a.url).await {
                Ok(h) => {
                    a.content_type = h.content_type;
                    a.length = h.length;
                }
                Err(e) => tracing::debug!(url = %a.url, error = %e, "HEAD of an attachment failed"),
            }
        }
        Got::Article(Box::new(article), fetched_at)
    }

    /// Store what the article gave, with its own list as its source's
    /// harvest (one hop), in one transaction.
    async fn store_article(
        &self,
        entry: &FollowEntry,
        article: crate::article::Article,
        fetched_at: chrono::DateTime<Utc>,
    ) -> Outcome {
        let tz = self.config.fetch.timezone;
        let mut listed = Vec::new();
        if let (true, Some(source)) = (entry.other_news, self.config.source(&entry.source_id)) {
            let mut items = article.other_news.clone();
            crate::source::date_at_fetch(&mut items, self.clock().latest_now(fetched_at));
            let primed = self
                .store
                .source_state(&source.id)
                .map(|s| s.primed)
                .unwrap_or(false);
            let push = crate::pipeline::PushPolicy::new(self.config.telegram.as_ref(), primed);
            for h in items {
                let topics = self.topics_of(source, &h.title, h.summary.as_deref());
                let follow = match &h.link {
                    Some(l) if primed && fetch::same_site(&source.url, l) => Follow::TextOnly,
                    _ => Follow::No,
                };
                listed.push(Incoming {
                    id: item_id(&source.id, &h),
                    push: push.wants(&topics),
                    follow,
                    topics,
                    harvested: h,
                });
            }
        }
        let followed = article.followed();
        let done = self
            .store
            .follow_done(
                entry,
                &followed,
                article.published.map(|p| p.at),
                &listed,
                Utc::now(),
                tz,
            )
            .await;
        match done {
            Ok(w) => {
                tracing::info!(
                    item = %entry.item_id,
                    text = followed.text_html.is_some(),
                    attachments = followed.attachments.len(),
                    documents = followed.documents.len(),
                    listed_new = w.listed.new,
                    "followed to its article"
                );
                Outcome::Followed {
                    text: followed.text_html.is_some(),
                    attachments: followed.attachments.len(),
                    documents: followed.documents.len(),
                    listed_new: w.listed.new,
                }
            }
            Err(e) => {
                tracing::warn!(item = %entry.item_id, error = %e, "cannot store a follow-up; it runs again");
                Outcome::Retry(format!("store: {e}"))
            }
        }
    }

    /// Record a failed attempt (or give up), and say which it was.
    async fn record_failure(&self, entry: &FollowEntry, outcome: Outcome) -> Outcome {
        let outcome = match outcome {
            Outcome::Retry(why) if entry.attempts + 1 >= self.config.follow.max_attempts => {
                Outcome::GaveUp(format!(
                    "{why} ({} attempts)",
                    self.config.follow.max_attempts
                ))
            }
            o => o,
        };
        let written = match &outcome {
            Outcome::GaveUp(why) => {
                tracing::info!(item = %entry.item_id, reason = %why, "follow-up given up; the item keeps its teaser");
                self.store.follow_give_up(entry).await
            }
            Outcome::Retry(why) => {
                let attempts = entry.attempts + 1;
                let wait = backoff(attempts);
                tracing::info!(item = %entry.item_id, error = %why, retry_in = ?wait, "follow-up failed");
                let next = FollowEntry {
                    attempts,
                    next_at: Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                    last_error: Some(why.clone()),
                    ..entry.clone()
                };
                self.store.follow_retry(&next).await
            }
            Outcome::Followed { .. } => Ok(()),
        };
        if let Err(e) = written {
            tracing::warn!(item = %entry.item_id, error = %e, "cannot record a follow-up's failure");
        }
        outcome
    }
}

/// Run every follow-up that may run now, waiting out the per-host cap, and
/// those the article lists add (`once` and the demo, after their polls).
/// A follow-up that fails waits for a later run.
pub async fn follow_all(poller: Arc<Poller>, shutdown: &CancellationToken) -> Vec<FollowReport> {
    let mut rate = HostRate::default();
    let mut reports = Vec::new();
    loop {
        let pass = poller.follow_pass(&mut rate, shutdown, true).await;
        let progressed = !pass.reports.is_empty();
        reports.extend(pass.reports);
        if shutdown.is_cancelled() {
            break;
        }
        match pass.wait {
            Some(d) if !d.is_zero() => {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(d) => {}
                }
            }
            Some(_) => {}
            None if progressed => {}
            None => break,
        }
    }
    reports
}

/// How long the daemon's follow-ups wait for a moment with no poll in
/// progress before they go anyway.
pub const MAX_YIELD: Duration = Duration::from_secs(30);

/// The daemon's follow-up worker, until `shutdown`: after the polls (it
/// waits while any is in progress, at most [`MAX_YIELD`]), whenever the
/// store changes or a follow-up falls due.
pub(crate) async fn follow_loop(poller: SharedPoller, shutdown: CancellationToken) {
    let mut rate = HostRate::default();
    loop {
        let p = current(&poller);
        let mut running = p.running.subscribe();
        // After the polls; but a daemon that is always polling somewhere
        // (a thousand sources) still follows, every [`MAX_YIELD`] at least,
        // a follow-up then holding one slot of its host's.
        let idle = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = tokio::time::timeout(MAX_YIELD, running.wait_for(|n| *n == 0)) => r.is_ok(),
        };
        let mut changes = OutboxStore::subscribe(&p.store);
        changes.mark_unchanged();
        let pass = p.follow_pass(&mut rate, &shutdown, idle).await;
        let due_in = match FollowStore::follow_next_at(&p.store) {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or_default(),
            // Nothing waits: only a store change brings work.
            Ok(None) => Duration::from_secs(3600),
            Err(_) => Duration::from_secs(30),
        };
        let wait = match pass.wait {
            // A poll started: wait for it (above), then go on.
            Some(Duration::ZERO) => continue,
            // Follow-ups due now wait for their host's cap: the earliest
            // that frees (a later one falling due meanwhile waits too, at
            // most a minute), never a spin on entries already due.
            Some(w) => w,
            None => due_in,
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            Ok(()) = changes.changed() => {}
            _ = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_counts_requests_per_host_over_a_minute() {
        let mut r = HostRate::default();
        let a = Url::parse("https://a.vn/1").unwrap();
        let b = Url::parse("https://b.vn/1").unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(r.take(&a, 3, t0).is_ok());
        }
        let wait = r.take(&a, 3, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(r.take(&b, 3, t0).is_ok(), "another host has its own");
        assert!(r.take(&a, 3, t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_six_hours() {
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(2), Duration::from_secs(120));
        assert_eq!(backoff(4), Duration::from_secs(480));
        assert_eq!(backoff(30), Duration::from_secs(6 * 3600));
    }
}

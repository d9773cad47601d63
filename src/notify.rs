//! Notifications: the outbox worker that drains the store's queue to the
//! Telegram channel, once per item, in publication order, within the limits.
//!
//! The queue lives in the store, written in the same transaction as the
//! items, so nothing is lost on a crash. An entry leaves the queue only after
//! Telegram accepted it, and that removal is flushed before the next send:
//! a kill -9 can at most repeat the one message in flight (the Bot API has no
//! idempotency key). A clean shutdown never interrupts a send, so it never
//! causes a repeat.
//!
//! A timeout is not a failure to deliver: Telegram may have posted the
//! message and only its answer be late. So a message whose send timed out is
//! sent again at most once, after waiting one timeout, with a longer timeout
//! ([`telegram::SLOW_TIMEOUT_FACTOR`]); the longer timeout then stays for the
//! following messages until Telegram answers within the normal one again.
//! Should the re-send time out as well, the message is set aside (kept in the
//! store; it may have reached the channel twice already) and nothing more is
//! sent until the Bot API answers a harmless `getMe`. However slow the Bot API,
//! a message reaches the channel at most twice (a kill -9 in the middle adds
//! the one repeat above); while it stays within the longer timeout, one slow
//! spell repeats at most one message.
//!
//! The daemon's worker holds a new item's message while the item's
//! follow-up to its article page waits ([`crate::daemon::follow`]), so the
//! message carries what the article gives, but never longer than
//! `[follow] telegram_wait` after the item was stored: then it goes with the
//! teaser alone, and a slow portal never holds the channel. (`once` and the
//! demo run their follow-ups before they drain, and do not wait.)
//!
//! A message set aside stays in the store until the admin queues it again
//! or drops it (`tinkhac telegram retry`/`drop`, the web admin's «Kênh
//! Telegram»: [`crate::store::SetAsideStore`]); the web admin's test message
//! goes through the worker's own client ([`send_test_message`]).
//!
//! Without a token the worker runs dry: it logs each message it would send
//! and takes it off the queue, so everything else works unchanged.

pub mod message;
pub mod telegram;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, TelegramConfig};
use crate::store::{FollowStore, OutboxStore, Store};
use message::Parts;
use telegram::{Patience, SendError, Telegram};

/// How the reason of a message set aside after two unanswered sends
/// begins (the admin page says it in Vietnamese).
pub const NO_ANSWER_TWICE: &str = "no answer from Telegram to two sends";

/// What the channel's worker is doing. Serialised (`/status.json`,
/// `/healthz`) and printed (`once`) as `active`, `paused`, `dry-run` or
/// `stopped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelMode {
    /// Sending.
    Active,
    /// Waiting for the admin to fix something (`paused_reason` says what).
    Paused,
    /// No token: messages are logged and taken off the queue.
    DryRun,
    /// No worker runs (no daemon).
    #[default]
    Stopped,
}

impl std::fmt::Display for ChannelMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            ChannelMode::Active => "active",
            ChannelMode::Paused => "paused",
            ChannelMode::DryRun => "dry-run",
            ChannelMode::Stopped => "stopped",
        })
    }
}

/// What the status page and `/healthz` show of the channel.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChannelStatus {
    pub chat_id: String,
    pub mode: ChannelMode,
    /// Why the channel is paused, in words for the admin.
    pub paused_reason: Option<String>,
    pub paused_since: Option<DateTime<Utc>>,
    /// Messages Telegram accepted.
    pub sent: u64,
    /// Messages a dry run (no token) took off the queue and logged: they
    /// were never sent, so they are counted apart from `sent`.
    pub would_send: u64,
    pub failed_attempts: u64,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub last_sent_title: Option<String>,
}

pub type SharedStatus = Arc<Mutex<ChannelStatus>>;

/// Telegram's per-channel limits, kept on our side so that 429s are rare.
struct Limiter {
    min_interval: Duration,
    per_minute: usize,
    recent: VecDeque<Instant>,
}

impl Limiter {
    fn new(min_interval: Duration, per_minute: usize) -> Limiter {
        Limiter {
            min_interval,
            per_minute,
            recent: VecDeque::new(),
        }
    }

    /// How long to wait before the next send may go.
    fn wait(&mut self, now: Instant) -> Duration {
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            self.recent.pop_front();
        }
        let mut wait = Duration::ZERO;
        if let Some(last) = self.recent.back() {
            wait = wait.max(self.min_interval.saturating_sub(now.duration_since(*last)));
        }
        if self.recent.len() >= self.per_minute {
            let oldest = self.recent[self.recent.len() - self.per_minute];
            wait = wait.max(Duration::from_secs(60).saturating_sub(now.duration_since(oldest)));
        }
        wait
    }

    fn record(&mut self, at: Instant) {
        self.recent.push_back(at);
    }
}

/// What one step of the worker did.
#[derive(Debug)]
enum Step {
    Sent(String),
    Empty,
    Wait(Duration),
    Paused(Duration),
}

/// The worker. `sender` None means a dry run. It reaches the store only
/// through [`OutboxStore`].
pub struct Outbox<S = Store> {
    store: S,
    /// The configuration in force, for the sources' names: a reload that
    /// adds or renames a source reaches the next message.
    config: tokio::sync::watch::Receiver<Arc<Config>>,
    /// `[telegram]` as the worker started: its changes need a restart.
    telegram: TelegramConfig,
    /// Shared with the web admin's test message: the same client, Bot API
    /// address, token and chat.
    sender: Option<Arc<Telegram>>,
    status: SharedStatus,
    limiter: Limiter,
    transient_failures: u32,
    blocked_failures: u32,
    /// No send before this (429's retry_after, backoff, a pause), whatever
    /// wakes the worker.
    not_before: Option<Instant>,
    rng: fastrand::Rng,
    /// Health notes for the admin chat; sent best effort, ahead of the queue.
    admin_notes: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
    /// A note received while waiting, not yet sent.
    pending_note: Option<String>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
    /// The timeout of the next send: extended after a timeout, normal again
    /// once Telegram answers within the normal one.
    patience: Patience,
    /// Probes of the Bot API that found no answer in a row; while not None
    /// (set when a re-send timed out too), a `getMe` must answer before
    /// anything is sent.
    unanswered_probes: Option<u32>,
}

impl<S: OutboxStore + FollowStore> Outbox<S> {
    /// A worker for the configured channel, or None when no `[telegram]`.
    /// `config` follows the configuration in force (a `watch` of it; one
    /// that never changes is `watch::channel(config).1`).
    pub fn new(
        config: tokio::sync::watch::Receiver<Arc<Config>>,
        store: S,
        token: Option<telegram::Secret>,
    ) -> anyhow::Result<Option<Outbox<S>>> {
        let Some(tg) = config.borrow().telegram.clone() else {
            return Ok(None);
        };
        let sender = match token {
            Some(t) => Some(Arc::new(Telegram::new(&tg, t).map_err(|e| {
                anyhow::anyhow!("cannot build the Telegram client: {e}")
            })?)),
            None => None,
        };
        let status = ChannelStatus {
            chat_id: tg.chat_id.clone(),
            mode: if sender.is_some() {
                ChannelMode::Active
            } else {
                ChannelMode::DryRun
            },
            ..ChannelStatus::default()
        };
        if sender.is_none() {
            tracing::warn!(chat = %tg.chat_id, "no TELEGRAM_BOT_TOKEN: Telegram dry run, messages are logged, not sent");
        }
        Ok(Some(Outbox {
            store,
            sender,
            status: Arc::new(Mutex::new(status)),
            limiter: Limiter::new(tg.min_interval, tg.per_minute),
            transient_failures: 0,
            blocked_failures: 0,
            not_before: None,
            rng: fastrand::Rng::new(),
            admin_notes: None,
            pending_note: None,
            metrics: None,
            patience: Patience::Normal,
            unanswered_probes: None,
            config,
            telegram: tg,
        }))
    }

    pub fn status(&self) -> SharedStatus {
        self.status.clone()
    }

    /// The worker's Telegram client; None in a dry run (no token).
    pub fn sender(&self) -> Option<Arc<Telegram>> {
        self.sender.clone()
    }

    /// Forward these notes to `[telegram] admin_chat_id` (logged when unset
    /// or dry).
    pub fn with_admin_notes(
        mut self,
        rx: tokio::sync::mpsc::UnboundedReceiver<String>,
    ) -> Outbox<S> {
        self.admin_notes = Some(rx);
        self
    }

    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Outbox<S> {
        self.metrics = Some(metrics);
        self
    }

    /// Send the admin notes waiting. Best effort: a note that fails is
    /// logged (it is in the log and on the status page anyway), never retried,
    /// so it cannot hold up the teachers' queue.
    async fn send_admin_notes(&mut self) {
        let Some(rx) = self.admin_notes.as_mut() else {
            return;
        };
        let admin = self.telegram.admin_chat_id.clone();
        let mut notes: Vec<String> = self.pending_note.take().into_iter().collect();
        while let Ok(n) = rx.try_recv() {
            notes.push(n);
        }
        for note in notes {
            match (&self.sender, &admin) {
                (Some(sender), Some(chat)) => {
                    if let Err(e) = sender.send_to(chat, &message::escape(&note), true).await {
                        tracing::warn!(error = %e, "cannot send a note to the admin chat");
                    }
                }
                _ => tracing::info!("admin note (no admin_chat_id or no token): {note}"),
            }
        }
    }

    fn set_status(&self, f: impl FnOnce(&mut ChannelStatus)) {
        let mut st = self.status.lock().expect("status poisoned");
        let failed_before = st.failed_attempts;
        f(&mut st);
        if let Some(m) = &self.metrics {
            m.telegram_failed.inc_by(st.failed_attempts - failed_before);
        }
    }

    /// Drain the queue until it is empty or the channel is paused (`once`,
    /// the demo). Returns the texts sent (or, dry, that would be sent).
    pub async fn drain(&mut self, shutdown: &CancellationToken) -> anyhow::Result<Vec<String>> {
        let mut sent = Vec::new();
        loop {
            if shutdown.is_cancelled() {
                return Ok(sent);
            }
            match self.step(false).await? {
                Step::Sent(text) if text.is_empty() => {}
                Step::Sent(text) => sent.push(text),
                Step::Empty | Step::Paused(_) => return Ok(sent),
                Step::Wait(d) => {
                    tokio::select! {
                        _ = shutdown.cancelled() => return Ok(sent),
                        _ = tokio::time::sleep(d) => {}
                    }
                }
            }
        }
    }

    /// Run until `shutdown`: wake on store changes, drain, wait out limits.
    /// A send in progress always completes before it returns.
    pub async fn run(mut self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut changes = self.store.subscribe();
        loop {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let wait = match self.step(true).await {
                Ok(Step::Sent(_)) => continue,
                Ok(Step::Wait(d) | Step::Paused(d)) => d,
                // Also wake now and then, for items queued by another path.
                Ok(Step::Empty) => Duration::from_secs(30),
                // The store failed (a full disk, say): the queue is still
                // there; try again in a while rather than stop the daemon.
                Err(e) => {
                    tracing::error!(error = %e, "outbox: store error; retrying in 30 s");
                    Duration::from_secs(30)
                }
            };
            let pending = &mut self.pending_note;
            let notes = async {
                match self.admin_notes.as_mut() {
                    // Wake when a note arrives; step() sends it.
                    Some(rx) => match rx.recv().await {
                        Some(n) => *pending = Some(n),
                        None => std::future::pending::<()>().await,
                    },
                    None => std::future::pending::<()>().await,
                }
            };
            let sender = self.sender.clone();
            let accepted = async {
                match &sender {
                    Some(s) => s.accepted().await,
                    None => std::future::pending::<()>().await,
                }
            };
            let resume = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                // A store change may have queued something.
                Ok(()) = changes.changed() => false,
                _ = notes => false,
                // The admin's test message went through.
                _ = accepted => true,
                _ = tokio::time::sleep(wait) => false,
            };
            // Paused by a refusal or by silence, not by a 429's wait: the
            // next message goes now (the test showed the admin fixed it).
            if resume && (self.blocked_failures > 0 || self.unanswered_probes.is_some()) {
                tracing::info!(
                    "Telegram accepted the test message: the paused channel tries again now"
                );
                self.not_before = None;
                self.unanswered_probes = None;
            }
        }
    }

    /// One message, or why not now. `wait_for_follow`: hold the head of the
    /// queue while its item's follow-up waits, within `telegram_wait`.
    async fn step(&mut self, wait_for_follow: bool) -> anyhow::Result<Step> {
        self.send_admin_notes().await;
        let Some((key, mut entry)) = self.store.outbox(1)?.into_iter().next() else {
            return Ok(Step::Empty);
        };
        let Some(item) = self.store.item(&entry.item_id)? else {
            tracing::warn!(item = %entry.item_id, "queued item is gone from the store; dropping its notification");
            self.store.outbox_done(key).await?;
            return Ok(Step::Sent(String::new()));
        };
        let config = self.config.borrow().clone();
        if wait_for_follow && self.store.follow_pending(&item.id)? {
            let until = entry.queued_at
                + chrono::Duration::from_std(config.follow.telegram_wait).unwrap_or_default();
            if let Ok(left) = (until - Utc::now()).to_std() {
                if !left.is_zero() {
                    tracing::debug!(item = %item.id, wait = ?left, "waiting for the item's follow-up");
                    return Ok(Step::Wait(left));
                }
            }
        }
        let parts = Parts::from_item(&item, config.source_name(&item.sources));
        let html = message::html(&parts);
        let chat = self.telegram.chat_id.clone();

        let Some(sender) = &self.sender else {
            tracing::info!(chat = %chat, "telegram dry run, would send:\n{html}");
            self.store.outbox_done(key).await?;
            // Not sent: `sent` and the last-sent fields stay for real sends.
            self.set_status(|s| s.would_send += 1);
            return Ok(Step::Sent(html));
        };

        let now = Instant::now();
        let mut wait = self.limiter.wait(now);
        if let Some(t) = self.not_before {
            wait = wait.max(t.saturating_duration_since(now));
        }
        if !wait.is_zero() {
            return Ok(Step::Wait(wait));
        }
        self.not_before = None;
        if let Some(failed) = self.unanswered_probes {
            // The last message went unanswered twice: send nothing more
            // until the Bot API answers at all.
            if !sender.answers().await {
                let failed = failed + 1;
                self.unanswered_probes = Some(failed);
                let why = format!(
                    "the Telegram Bot API does not answer within {}s; the queue is kept and sent once it answers",
                    (sender.timeout() * telegram::SLOW_TIMEOUT_FACTOR).as_secs()
                );
                if failed == 1 {
                    tracing::error!(chat = %chat, "Telegram channel paused: {why}");
                }
                self.set_status(|s| {
                    s.mode = ChannelMode::Paused;
                    s.paused_reason = Some(why.clone());
                    s.paused_since.get_or_insert_with(Utc::now);
                });
                let d = Duration::from_secs(5 << (failed - 1).min(7)).min(Duration::from_secs(600));
                self.not_before = Some(Instant::now() + d);
                return Ok(Step::Paused(d));
            }
            self.unanswered_probes = None;
        }
        // A message whose send timed out goes again only with the longer
        // timeout, so that a slow answer is waited for, not sent twice more.
        let patience = if entry.attempts > 0 {
            Patience::Extended
        } else {
            self.patience
        };
        self.limiter.record(Instant::now());
        let started = Instant::now();
        let mut result = sender.send(&html, true, patience).await;
        let mut text = html;
        if let Err(SendError::CantParse(why) | SendError::Rejected(why)) = &result {
            tracing::warn!(item = %item.id, error = %why, "Telegram refused the HTML message; sending it as plain text");
            text = message::plain(&parts);
            result = sender.send(&text, false, patience).await;
        }
        match result {
            Ok(()) => {
                if started.elapsed() < sender.timeout() {
                    self.patience = Patience::Normal;
                }
                self.store.outbox_done(key).await?;
                if let Some(m) = &self.metrics {
                    m.telegram_sent.inc();
                }
                self.transient_failures = 0;
                if self.blocked_failures > 0 {
                    tracing::info!(chat = %chat, "the channel accepts messages again; resuming");
                }
                self.blocked_failures = 0;
                self.set_status(|s| {
                    s.mode = ChannelMode::Active;
                    s.paused_reason = None;
                    s.paused_since = None;
                    s.sent += 1;
                    s.last_sent_at = Some(Utc::now());
                    s.last_sent_title = Some(item.title.clone());
                });
                tracing::info!(item = %item.id, "sent to Telegram");
                Ok(Step::Sent(text))
            }
            Err(SendError::RetryAfter(d)) => {
                tracing::info!(wait = ?d, "Telegram asks to slow down");
                self.set_status(|s| s.failed_attempts += 1);
                self.not_before = Some(Instant::now() + d);
                Ok(Step::Wait(d))
            }
            Err(SendError::Transient(why)) => {
                self.transient_failures += 1;
                let cap = Duration::from_secs(1 << self.transient_failures.min(8))
                    .min(Duration::from_secs(300));
                let d = Duration::from_secs_f64(cap.as_secs_f64() * self.rng.f64())
                    .max(Duration::from_secs(1));
                tracing::warn!(error = %why, retry_in = ?d, "Telegram send failed");
                self.set_status(|s| s.failed_attempts += 1);
                self.not_before = Some(Instant::now() + d);
                Ok(Step::Wait(d))
            }
            Err(SendError::TimedOut(why)) => {
                self.patience = Patience::Extended;
                self.set_status(|s| s.failed_attempts += 1);
                entry.attempts += 1;
                if entry.attempts >= 2 {
                    // Sent twice, answered never: it may be in the channel
                    // twice already. Set it aside rather than risk a third.
                    let reason = format!("{NO_ANSWER_TWICE} ({why}); it may have been delivered, so it is not sent again");
                    tracing::error!(item = %item.id, "{reason}; it is set aside");
                    self.store.outbox_dead(key, &entry, &reason).await?;
                    self.unanswered_probes = Some(0);
                    return Ok(Step::Wait(Duration::ZERO));
                }
                // Remembered in the store, so a restart does not send it
                // twice more either.
                self.store.outbox_update(key, &entry).await?;
                let d = sender.timeout();
                tracing::warn!(item = %item.id, error = %why, retry_in = ?d, "Telegram did not answer in time; the message may have been delivered, and is sent once more with a longer timeout");
                self.not_before = Some(Instant::now() + d);
                Ok(Step::Wait(d))
            }
            Err(SendError::Blocked(why)) => {
                if self.blocked_failures == 0 {
                    tracing::error!(chat = %chat, "Telegram channel paused, the queue is kept: {why}");
                }
                self.blocked_failures += 1;
                self.set_status(|s| {
                    s.failed_attempts += 1;
                    s.mode = ChannelMode::Paused;
                    s.paused_reason = Some(why.clone());
                    s.paused_since.get_or_insert_with(Utc::now);
                });
                // Try again now and then: the channel resumes by itself once
                // the admin has fixed it.
                // 5 s, 10 s, 20 s… up to 10 minutes.
                let d = Duration::from_secs(5 << (self.blocked_failures - 1).min(7))
                    .min(Duration::from_secs(600));
                self.not_before = Some(Instant::now() + d);
                Ok(Step::Paused(d))
            }
            Err(SendError::Rejected(why) | SendError::CantParse(why)) => {
                tracing::error!(item = %item.id, error = %why, "Telegram refused this message even as plain text; it is set aside");
                self.store.outbox_dead(key, &entry, &why).await?;
                self.set_status(|s| s.failed_attempts += 1);
                Ok(Step::Wait(Duration::ZERO))
            }
        }
    }
}

/// The web admin's test message («Gửi tin thử»): one short plain-text
/// message to the channel, now, through the worker's own client (its Bot
/// API address, token, chat and timeout). It goes outside the queue and the
/// worker's limiter: one sent right after a message of the queue may get
/// Telegram's 429, which the admin is shown.
pub async fn send_test_message(
    sender: &Telegram,
    site: &str,
    at: DateTime<chrono::FixedOffset>,
) -> Result<(), SendError> {
    sender
        .send(&message::test_text(site, at), false, Patience::Normal)
        .await?;
    // The channel works: a worker paused by a refusal tries again now.
    sender.tell_accepted();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_keeps_one_a_second_and_twenty_a_minute() {
        let mut l = Limiter::new(Duration::from_secs(1), 20);
        let t0 = Instant::now();
        let mut now = t0;
        let mut sends = Vec::new();
        for _ in 0..45 {
            now += l.wait(now);
            l.record(now);
            sends.push(now);
        }
        for w in sends.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_secs(1));
        }
        for w in sends.windows(21) {
            assert!(
                w[20] - w[0] >= Duration::from_secs(60),
                "21 sends within a minute"
            );
        }
        // 45 messages: two full minutes of 20, then 5.
        assert!(sends[44] - t0 >= Duration::from_secs(120));
        assert!(sends[44] - t0 < Duration::from_secs(130));
    }
}

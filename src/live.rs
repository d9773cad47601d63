//! The running daemon's shared state: the configuration in force (one
//! `watch` every task reads, replaced by a reload), the configuration error
//! if the last edit was refused, the schedule, the channel's status, the
//! metrics and the clock. The scheduler and the reloader write it; the HTTP
//! server, the status page and the outbox read it. It decides nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::notify::telegram::Telegram;
use crate::notify::SharedStatus;

/// What the running daemon shares with its HTTP server and its reloader.
pub struct Live {
    /// The one configuration snapshot every task reads: a reload replaces it
    /// here, and the outbox, the feeds and the status page see it at once.
    config: tokio::sync::watch::Sender<Arc<Config>>,
    /// Why the last edit of the configuration was refused (the daemon keeps
    /// running on the last good one), until a good edit clears it.
    pub config_error: Mutex<Option<String>>,
    /// When each source is polled next.
    pub next_poll: Mutex<HashMap<String, DateTime<Utc>>>,
    /// What wakes each scheduled source for a poll now (the web admin's
    /// «Lấy ngay»); a paused or stopped source has none.
    pub wake: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
    pub channel: Option<SharedStatus>,
    /// The channel worker's Telegram client, for the web admin's test
    /// message; None without `[telegram]`, without a token, or no daemon.
    pub telegram: Option<Arc<Telegram>>,
    pub metrics: Arc<Metrics>,
    /// The pollers' clock, once the daemon runs.
    clock: Option<Arc<Clock>>,
    /// Why retention is paused (the clock disagrees with the portals').
    pub retention_paused: Mutex<Option<String>>,
}

impl Live {
    pub fn new(config: Arc<Config>, channel: Option<SharedStatus>, metrics: Arc<Metrics>) -> Live {
        Live {
            config: tokio::sync::watch::Sender::new(config),
            config_error: Mutex::new(None),
            next_poll: Mutex::new(HashMap::new()),
            wake: Mutex::new(HashMap::new()),
            channel,
            telegram: None,
            metrics,
            clock: None,
            retention_paused: Mutex::new(None),
        }
    }

    /// Show this clock's check in the status and `/healthz`.
    pub fn with_clock(mut self, clock: Arc<Clock>) -> Live {
        self.clock = Some(clock);
        self
    }

    pub fn clock_report(&self) -> Option<crate::clock::ClockReport> {
        let retention = self.config().storage.retention.is_some();
        self.clock.as_ref().map(|c| c.report(retention))
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }

    /// Follow the configuration in force (the outbox's source names).
    pub fn subscribe_config(&self) -> tokio::sync::watch::Receiver<Arc<Config>> {
        self.config.subscribe()
    }

    /// Ask the scheduled source `id` to poll now, its interval aside; false
    /// when it is not scheduled (paused, unknown, or no daemon).
    pub fn poll_now(&self, id: &str) -> bool {
        match self.wake.lock().expect("poisoned").get(id) {
            Some(w) => {
                // A permit: a poll in progress is followed by one more.
                w.notify_one();
                true
            }
            None => false,
        }
    }

    /// Put a reloaded configuration in force.
    pub fn set_config(&self, config: Arc<Config>) {
        self.config.send_replace(config);
    }
}

//! The daemon's state as one report: every source with its health and next
//! poll, the channel, the configuration error if any. `GET /status.json`
//! serves it; `feeds list` reads it from a running daemon, or builds it from
//! the store when none runs; the status page renders it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Config, SourceConfig, SourceKind};
use crate::health;
use crate::notify::ChannelStatus;
use crate::store::Store;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusReport {
    pub title: String,
    pub version: String,
    pub generated_at: DateTime<Utc>,
    pub config_error: Option<String>,
    /// Set while the store cannot write (a full disk, say).
    #[serde(default)]
    pub store_fault: Option<crate::store::Fault>,
    pub items: usize,
    pub sources: Vec<SourceStatus>,
    pub telegram: Option<ChannelReport>,
    /// The local clock checked against the portals' (a running daemon only).
    #[serde(default)]
    pub clock: Option<crate::clock::ClockReport>,
    /// Why retention is not applied now, when it is set and paused.
    #[serde(default)]
    pub retention_paused: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceStatus {
    pub id: String,
    pub name: String,
    pub url: String,
    /// "feed", "html auto", "html selectors", or "auto" before the first poll.
    pub kind: String,
    pub interval: String,
    /// "new", "ok", "failing" or "broken".
    pub health: String,
    pub health_note: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub items_last_poll: usize,
    pub next_poll: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelReport {
    pub chat_id: String,
    pub mode: String,
    pub paused_reason: Option<String>,
    pub paused_since: Option<DateTime<Utc>>,
    pub queue: usize,
    pub set_aside: usize,
    pub sent: u64,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub last_sent_title: Option<String>,
}

pub fn kind_of(s: &SourceConfig) -> &'static str {
    match (s.kind, s.scrape.is_some()) {
        (_, true) => "html selectors",
        (SourceKind::Feed, false) => "feed",
        (SourceKind::Html, false) => "html auto",
        (SourceKind::Auto, false) => "auto",
    }
}

/// Build the report. `channel` is the live channel state when a daemon runs;
/// without one the channel shows its queue from the store alone.
pub fn report(
    config: &Config,
    store: &Store,
    next_poll: &HashMap<String, DateTime<Utc>>,
    config_error: Option<String>,
    channel: Option<ChannelStatus>,
) -> StatusReport {
    let sources = config
        .sources
        .iter()
        .map(|s| {
            let st = store.source_state(&s.id).unwrap_or_default();
            SourceStatus {
                id: s.id.clone(),
                name: s.name.clone(),
                url: s.url.to_string(),
                kind: kind_of(s).to_string(),
                interval: humantime::format_duration(s.interval).to_string(),
                health: health::of(&st).as_str().to_string(),
                health_note: health::note(&st),
                last_attempt: st.last_attempt,
                last_success: st.last_success,
                last_error: st.last_error,
                consecutive_failures: st.consecutive_failures,
                items_last_poll: st.items_last_poll,
                next_poll: next_poll.get(&s.id).copied(),
            }
        })
        .collect();
    let telegram = config.telegram.as_ref().map(|t| {
        let c = channel.unwrap_or_else(|| ChannelStatus {
            chat_id: t.chat_id.clone(),
            mode: "stopped",
            ..ChannelStatus::default()
        });
        ChannelReport {
            chat_id: c.chat_id,
            mode: c.mode.to_string(),
            paused_reason: c.paused_reason,
            paused_since: c.paused_since,
            queue: store.outbox_len(),
            set_aside: store.dead_len(),
            sent: c.sent,
            last_sent_at: c.last_sent_at,
            last_sent_title: c.last_sent_title,
        }
    });
    StatusReport {
        title: config.server.title.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: Utc::now(),
        config_error,
        store_fault: store.fault(),
        items: store.item_count(),
        sources,
        telegram,
        clock: None,
        retention_paused: None,
    }
}

//! The daemon's state as one report: every source with its health and next
//! poll, the channel, the configuration error if any. `GET /status.json`
//! serves it; `feeds list` reads it from a running daemon, or builds it from
//! the store when none runs; the status page renders it.
//!
//! `/status.json` is [`StatusReport`] as serde writes it: `title`,
//! `version`, `generated_at`, `config_error`, `store_fault`, `items`,
//! `sources` (each: `id`, `name`, `url`, `kind`, `interval`, `health` one of
//! `new` `ok` `failing` `broken`, `health_note`, `last_attempt`,
//! `last_success`, `last_error`, `consecutive_failures`, `items_last_poll`,
//! `next_poll`), `telegram` (`chat_id`, `mode` one of `active` `paused`
//! `dry-run` `stopped`, `paused_reason`, `paused_since`, `queue`,
//! `set_aside`, `sent`, `would_send` (a dry run's, never in `sent`),
//! `last_sent_at`, `last_sent_title`), `follow_ups` (`waiting` now, `done`
//! and `given_up` since the daemon started), `clock`, `retention_paused`, and
//! `instance` (see [`instance_of`]). The states are types ([`Health`], [`ChannelMode`])
//! with those names as their serde renames; the rule for "degraded" is
//! [`StatusReport::degraded`]. Handlers only serialise or render them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Config, SourceConfig, SourceKind};
use crate::health::{self, Health};
use crate::notify::{ChannelMode, ChannelStatus};
use crate::store::{PollStore, Store};

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
    /// The follow-ups to article pages: waiting, done, given up.
    #[serde(default)]
    pub follow_ups: crate::store::FollowCounts,
    /// The local clock checked against the portals' (a running daemon only).
    #[serde(default)]
    pub clock: Option<crate::clock::ClockReport>,
    /// Why retention is not applied now, when it is set and paused.
    #[serde(default)]
    pub retention_paused: Option<String>,
    /// Which configuration file and store this report is of: see
    /// [`instance_of`].
    #[serde(default)]
    pub instance: String,
}

/// A fingerprint of the configuration file and the store folder a daemon
/// serves (SHA-256 of their absolute paths, 16 hex digits): `feeds list`
/// trusts the daemon answering on the configured port only when its
/// fingerprint is its own, so another tinkhac on that port is never taken
/// for this one. The paths themselves are not published.
pub fn instance_of(config: &Config) -> String {
    use sha2::{Digest, Sha256};
    fn absolute(p: &std::path::Path) -> std::path::PathBuf {
        std::fs::canonicalize(p)
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
    let mut h = Sha256::new();
    h.update(absolute(&config.path).as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(
        absolute(&config.storage.path)
            .as_os_str()
            .as_encoded_bytes(),
    );
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceStatus {
    pub id: String,
    pub name: String,
    pub url: String,
    pub kind: ReadKind,
    pub interval: String,
    pub health: Health,
    pub health_note: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// `last_error` in Vietnamese, for the status page; not in
    /// `/status.json`, which speaks English.
    #[serde(skip)]
    pub last_error_vi: Option<String>,
    pub consecutive_failures: u32,
    pub items_last_poll: usize,
    pub next_poll: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelReport {
    pub chat_id: String,
    pub mode: ChannelMode,
    pub paused_reason: Option<String>,
    pub paused_since: Option<DateTime<Utc>>,
    pub queue: usize,
    pub set_aside: usize,
    /// Messages Telegram accepted.
    pub sent: u64,
    /// Messages a dry run logged instead of sending: never counted in
    /// `sent`.
    #[serde(default)]
    pub would_send: u64,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub last_sent_title: Option<String>,
}

/// `/healthz`'s verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    Ok,
    /// Something needs the admin: see [`StatusReport::degraded`].
    Degraded,
}

/// What `GET /healthz` answers: the verdict, with what it rests on.
#[derive(Debug, Serialize)]
pub struct Healthz<'a> {
    pub status: Overall,
    pub store_fault: &'a Option<crate::store::Fault>,
    pub items: usize,
    /// How many sources are configured.
    pub sources: usize,
    /// The ids of the broken sources.
    pub broken: Vec<&'a str>,
    pub config_error: &'a Option<String>,
    pub telegram: &'a Option<ChannelReport>,
    pub clock: &'a Option<crate::clock::ClockReport>,
    pub retention_paused: &'a Option<String>,
}

impl StatusReport {
    /// The ids of the sources that are broken.
    pub fn broken(&self) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| s.health == Health::Broken)
            .map(|s| s.id.as_str())
            .collect()
    }

    /// Degraded: no source is configured, a source is broken, the channel
    /// paused, the last configuration edit refused, the store cannot write,
    /// or the local clock disagrees with the portals' (retention then
    /// pauses).
    pub fn degraded(&self) -> bool {
        let paused = self
            .telegram
            .as_ref()
            .is_some_and(|t| t.mode == ChannelMode::Paused);
        let clock_wrong = self
            .clock
            .as_ref()
            .is_some_and(|c| c.state == crate::clock::ClockState::Disagrees);
        paused
            || self.sources.is_empty()
            || !self.broken().is_empty()
            || self.config_error.is_some()
            || self.store_fault.is_some()
            || clock_wrong
            || self.retention_paused.is_some()
    }

    /// The `/healthz` answer.
    pub fn healthz(&self) -> Healthz<'_> {
        Healthz {
            status: if self.degraded() {
                Overall::Degraded
            } else {
                Overall::Ok
            },
            store_fault: &self.store_fault,
            items: self.items,
            sources: self.sources.len(),
            broken: self.broken(),
            config_error: &self.config_error,
            telegram: &self.telegram,
            clock: &self.clock,
            retention_paused: &self.retention_paused,
        }
    }
}

/// How a source is read, as `/status.json` and `feeds list` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadKind {
    #[serde(rename = "feed")]
    Feed,
    /// A page, its list found by auto-detection.
    #[serde(rename = "html auto")]
    HtmlAuto,
    /// A page read with the configured CSS selectors.
    #[serde(rename = "html selectors")]
    HtmlSelectors,
    /// Feed or page, as the answer looks.
    #[serde(rename = "auto")]
    Auto,
}

impl ReadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadKind::Feed => "feed",
            ReadKind::HtmlAuto => "html auto",
            ReadKind::HtmlSelectors => "html selectors",
            ReadKind::Auto => "auto",
        }
    }
}

impl std::fmt::Display for ReadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

pub fn kind_of(s: &SourceConfig) -> ReadKind {
    match (s.kind, s.scrape.is_some()) {
        (_, true) => ReadKind::HtmlSelectors,
        (SourceKind::Feed, false) => ReadKind::Feed,
        (SourceKind::Html, false) => ReadKind::HtmlAuto,
        (SourceKind::Auto, false) => ReadKind::Auto,
    }
}

/// Build the report. `channel` is the live channel state when a daemon runs;
/// without one the channel shows its queue from the store alone. Without a
/// store (none was ever made) every source is new and every count zero.
pub fn report(
    config: &Config,
    store: Option<&Store>,
    next_poll: &HashMap<String, DateTime<Utc>>,
    config_error: Option<String>,
    channel: Option<ChannelStatus>,
) -> StatusReport {
    let sources = config
        .sources
        .iter()
        .map(|s| {
            let st = store
                .and_then(|st| st.source_state(&s.id).ok())
                .unwrap_or_default();
            SourceStatus {
                id: s.id.clone(),
                name: s.name.clone(),
                url: s.url.to_string(),
                kind: kind_of(s),
                interval: humantime::format_duration(s.interval).to_string(),
                health: health::of(&st),
                health_note: health::note(&st),
                last_attempt: st.last_attempt,
                last_success: st.last_success,
                last_error: st.last_error,
                last_error_vi: st.last_error_vi,
                consecutive_failures: st.consecutive_failures,
                items_last_poll: st.items_last_poll,
                next_poll: next_poll.get(&s.id).copied(),
            }
        })
        .collect();
    let telegram = config.telegram.as_ref().map(|t| {
        let c = channel.unwrap_or_else(|| ChannelStatus {
            chat_id: t.chat_id.clone(),
            mode: ChannelMode::Stopped,
            ..ChannelStatus::default()
        });
        ChannelReport {
            chat_id: c.chat_id,
            mode: c.mode,
            paused_reason: c.paused_reason,
            paused_since: c.paused_since,
            queue: store.map_or(0, Store::outbox_len),
            set_aside: store.map_or(0, Store::dead_len),
            sent: c.sent,
            would_send: c.would_send,
            last_sent_at: c.last_sent_at,
            last_sent_title: c.last_sent_title,
        }
    });
    StatusReport {
        title: config.server.title.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: Utc::now(),
        config_error,
        store_fault: store.and_then(Store::fault),
        items: store.map_or(0, Store::item_count),
        sources,
        telegram,
        follow_ups: store.map(Store::follow_counts).unwrap_or_default(),
        clock: None,
        retention_paused: None,
        instance: instance_of(config),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words `/status.json`, `/healthz` and `feeds list` use, both ways.
    #[test]
    fn states_keep_their_words_in_status_json() {
        for (health, word) in [
            (Health::New, "new"),
            (Health::Ok, "ok"),
            (Health::Failing, "failing"),
            (Health::Broken, "broken"),
        ] {
            assert_eq!(serde_json::to_value(health).unwrap(), word);
            assert_eq!(
                serde_json::from_value::<Health>(word.into()).unwrap(),
                health
            );
            assert_eq!(format!("{health:<8}|"), format!("{word:<8}|"));
        }
        for (mode, word) in [
            (ChannelMode::Active, "active"),
            (ChannelMode::Paused, "paused"),
            (ChannelMode::DryRun, "dry-run"),
            (ChannelMode::Stopped, "stopped"),
        ] {
            assert_eq!(serde_json::to_value(mode).unwrap(), word);
            assert_eq!(
                serde_json::from_value::<ChannelMode>(word.into()).unwrap(),
                mode
            );
            assert_eq!(mode.to_string(), word);
        }
        for (kind, word) in [
            (ReadKind::Feed, "feed"),
            (ReadKind::HtmlAuto, "html auto"),
            (ReadKind::HtmlSelectors, "html selectors"),
            (ReadKind::Auto, "auto"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), word);
            assert_eq!(
                serde_json::from_value::<ReadKind>(word.into()).unwrap(),
                kind
            );
            assert_eq!(format!("{kind:<15}|"), format!("{word:<15}|"));
        }
    }

    fn sample(health: Health, mode: ChannelMode) -> StatusReport {
        StatusReport {
            title: "t".into(),
            version: "0".into(),
            generated_at: Utc::now(),
            config_error: None,
            store_fault: None,
            items: 3,
            sources: vec![SourceStatus {
                id: "a".into(),
                name: "A".into(),
                url: "https://a.vn/".into(),
                kind: ReadKind::Feed,
                interval: "15m".into(),
                health,
                health_note: None,
                last_attempt: None,
                last_success: None,
                last_error: None,
                last_error_vi: None,
                consecutive_failures: 0,
                items_last_poll: 0,
                next_poll: None,
            }],
            telegram: Some(ChannelReport {
                chat_id: "@k".into(),
                mode,
                paused_reason: None,
                paused_since: None,
                queue: 0,
                set_aside: 0,
                sent: 0,
                would_send: 0,
                last_sent_at: None,
                last_sent_title: None,
            }),
            follow_ups: Default::default(),
            clock: None,
            retention_paused: None,
            instance: String::new(),
        }
    }

    #[test]
    fn degraded_when_a_source_is_broken_or_the_channel_paused() {
        let fine = sample(Health::Failing, ChannelMode::DryRun);
        assert!(!fine.degraded());
        assert_eq!(
            serde_json::to_value(fine.healthz()).unwrap()["status"],
            "ok"
        );
        let broken = sample(Health::Broken, ChannelMode::Active);
        assert!(broken.degraded());
        assert_eq!(broken.broken(), ["a"]);
        let v = serde_json::to_value(broken.healthz()).unwrap();
        assert_eq!(v["status"], "degraded");
        assert_eq!(v["broken"], serde_json::json!(["a"]));
        assert!(sample(Health::Ok, ChannelMode::Paused).degraded());
        let mut refused = sample(Health::Ok, ChannelMode::Active);
        refused.config_error = Some("line 3".into());
        assert!(refused.degraded());
    }
}

//! Prometheus metrics (text format via `prometheus-client`): what the
//! pollers and the channel did, and gauges read from the store at scrape
//! time. Counting never fails and never blocks a poll.

use std::sync::atomic::AtomicU64;

use chrono::Utc;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::config::Config;
use crate::store::{PollStore, Store};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PollLabels {
    pub source: String,
    /// "ok", "not_modified" or "error".
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CapLabel {
    /// "over_count", "dropped", "title_cut" or "summary_cut".
    pub what: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FollowLabel {
    /// "followed", "given_up" or "retry".
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    /// Follow-ups to article pages, by how they ended.
    pub follow_ups: Family<FollowLabel, Counter>,
    follow_waiting: Gauge,
    /// Items the `[limits]` caps cut or dropped, by what happened.
    pub capped: Family<CapLabel, Counter>,
    pub polls: Family<PollLabels, Counter>,
    pub new_items: Family<SourceLabel, Counter>,
    /// One histogram over every source: per-source histograms were three
    /// quarters of the text at 1,000 sources (16 series each).
    pub fetch_seconds: Histogram,
    pub last_fetch_seconds: Family<SourceLabel, Gauge<f64, AtomicU64>>,
    pub fetched_bytes: Family<SourceLabel, Counter>,
    pub telegram_sent: Counter,
    pub telegram_failed: Counter,
    outbox_length: Gauge,
    since_success: Family<SourceLabel, Gauge<f64, AtomicU64>>,
}

fn latency_histogram() -> Histogram {
    // 10 ms … about 40 s.
    Histogram::new(exponential_buckets(0.01, 2.0, 13))
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("tinkhac");
        let polls = Family::<PollLabels, Counter>::default();
        let new_items = Family::<SourceLabel, Counter>::default();
        let fetch_seconds = latency_histogram();
        let last_fetch_seconds = Family::<SourceLabel, Gauge<f64, AtomicU64>>::default();
        let fetched_bytes = Family::<SourceLabel, Counter>::default();
        let telegram_sent = Counter::default();
        let telegram_failed = Counter::default();
        let outbox_length = Gauge::default();
        let since_success = Family::<SourceLabel, Gauge<f64, AtomicU64>>::default();
        let capped = Family::<CapLabel, Counter>::default();
        let follow_ups = Family::<FollowLabel, Counter>::default();
        let follow_waiting = Gauge::default();
        registry.register(
            "follow_ups",
            "Follow-ups of new items to their article pages, by outcome",
            follow_ups.clone(),
        );
        registry.register(
            "follow_ups_waiting",
            "Follow-ups queued, not yet done",
            follow_waiting.clone(),
        );
        registry.register(
            "capped_items",
            "Items cut or dropped by the [limits] caps",
            capped.clone(),
        );
        registry.register("polls", "Polls by source and outcome", polls.clone());
        registry.register(
            "new_items",
            "New items stored, by source",
            new_items.clone(),
        );
        registry.register(
            "fetch_duration_seconds",
            "Fetch latency, all sources",
            fetch_seconds.clone(),
        );
        registry.register(
            "last_fetch_duration_seconds",
            "Latency of the source's last fetch",
            last_fetch_seconds.clone(),
        );
        registry.register(
            "fetched_bytes",
            "Body bytes fetched (decompressed), by source",
            fetched_bytes.clone(),
        );
        registry.register(
            "telegram_sent",
            "Messages Telegram accepted",
            telegram_sent.clone(),
        );
        registry.register(
            "telegram_failed",
            "Failed send attempts",
            telegram_failed.clone(),
        );
        registry.register(
            "outbox_length",
            "Notifications waiting for the channel",
            outbox_length.clone(),
        );
        registry.register(
            "seconds_since_last_success",
            "Seconds since the source was last read successfully",
            since_success.clone(),
        );
        Metrics {
            registry,
            follow_ups,
            follow_waiting,
            capped,
            polls,
            new_items,
            fetch_seconds,
            last_fetch_seconds,
            fetched_bytes,
            telegram_sent,
            telegram_failed,
            outbox_length,
            since_success,
        }
    }
}

impl Metrics {
    pub fn poll(&self, source: &str, outcome: &str) {
        self.polls
            .get_or_create(&PollLabels {
                source: source.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Count what the caps did to one poll's items.
    pub fn admission(&self, a: &crate::item::Admission) {
        for (what, n) in [
            ("over_count", a.over_count),
            ("dropped", a.dropped),
            ("title_cut", a.titles_cut),
            ("summary_cut", a.summaries_cut),
        ] {
            if n > 0 {
                self.capped
                    .get_or_create(&CapLabel { what })
                    .inc_by(n as u64);
            }
        }
    }

    /// Count one follow-up's end: "followed", "given_up" or "retry".
    pub fn follow_up(&self, outcome: &'static str) {
        self.follow_ups
            .get_or_create(&FollowLabel { outcome })
            .inc();
    }

    pub fn label(source: &str) -> SourceLabel {
        SourceLabel {
            source: source.to_string(),
        }
    }

    /// The text exposition, with the store-derived gauges brought up to date.
    pub fn render(&self, config: &Config, store: &Store) -> String {
        self.outbox_length.set(store.outbox_len() as i64);
        self.follow_waiting
            .set(store.follow_counts().waiting as i64);
        let now = Utc::now();
        for s in &config.sources {
            if let Ok(Some(at)) = store.source_state(&s.id).map(|st| st.last_success) {
                self.since_success
                    .get_or_create(&Metrics::label(&s.id))
                    .set((now - at).num_milliseconds() as f64 / 1000.0);
            }
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

//! One source fetched and harvested exactly as a poll does it, without the
//! store: the fetch (the host's slot, the source's reach, validators), the
//! extraction on the blocking pool, dates more than a day ahead dated at the
//! fetch, and the `[limits]` caps. The daemon's poller stores what comes
//! out; `preview` and `feeds add` print it. A change to how a page
//! becomes items is made here, once, for both.
//!
//! It never writes anything. It decides what is pushed ([`PushPolicy`]);
//! the store only queues what it is told to.

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::classify::Classifier;
use crate::clock::Clock;
use crate::config::{Config, FetchConfig, SourceConfig, TelegramConfig};
use crate::fetch::{self, Body, Fetched, Fetcher, HostSlot, Validators};
use crate::item::Admission;
use crate::source::{self, Harvest};

/// Why a fetched body gave no items.
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    /// The page or feed was read and is not usable ([`source::Error`]).
    #[error("{0}")]
    Source(source::Error),
    /// The extractor panicked on this body; only this source is affected.
    #[error("the extractor crashed on this page")]
    Crashed,
}

impl HarvestError {
    /// The page was read and holds no news list tinkhac can find.
    pub fn is_no_list(&self) -> bool {
        matches!(
            self,
            HarvestError::Source(source::Error::NoContainer | source::Error::EmptyContainer)
        )
    }
}

/// A harvest as a poll keeps it.
#[derive(Debug)]
pub struct Admitted {
    /// The items admitted (cut or dropped by the caps), with the harvest's
    /// kind and notes.
    pub harvest: Harvest,
    /// Items whose date lay more than a day after the fetch: dated at it.
    pub redated: usize,
    /// What the caps cut or dropped.
    pub admission: Admission,
}

/// The polite HTTP client and the clock it cross-checks, shared by every
/// fetch of a process.
pub struct Harvester {
    fetcher: Arc<Fetcher>,
    clock: Arc<Clock>,
}

impl Harvester {
    /// A client for `[fetch]`, with a fresh clock.
    pub fn new(fetch: &FetchConfig) -> anyhow::Result<Harvester> {
        let clock = Arc::new(Clock::new());
        let fetcher = Fetcher::new(fetch)
            .context("cannot build the HTTP client")?
            .with_clock(clock.clone());
        Ok(Harvester {
            fetcher: Arc::new(fetcher),
            clock,
        })
    }

    /// The same clock with a client for a new `[fetch]`; the same client
    /// (and its per-host limits) when `[fetch]` did not change.
    pub fn reconfigured(&self, old: &FetchConfig, new: &FetchConfig) -> anyhow::Result<Harvester> {
        let fetcher = if old == new {
            self.fetcher.clone()
        } else {
            Arc::new(
                Fetcher::new(new)
                    .context("cannot build the HTTP client")?
                    .with_clock(self.clock.clone()),
            )
        };
        Ok(Harvester {
            fetcher,
            clock: self.clock.clone(),
        })
    }

    /// The clock the fetches cross-check.
    pub fn clock(&self) -> Arc<Clock> {
        self.clock.clone()
    }

    /// Wait for a slot on the source's host.
    pub async fn host_slot(&self, source: &SourceConfig) -> HostSlot {
        self.fetcher.host_slot(&source.url).await
    }

    /// GET the source within its reach and timeout, conditional on
    /// `validators`.
    pub async fn fetch(
        &self,
        host: HostSlot,
        source: &SourceConfig,
        validators: &Validators,
    ) -> Result<Fetched, fetch::Error> {
        self.fetcher
            .fetch_in(
                host,
                &source.url,
                fetch::Reach::of_source(&source.url, source.intranet),
                validators,
                source.timeout,
            )
            .await
    }

    /// Wait for a slot on `url`'s host (an article page, an attachment).
    pub async fn url_slot(&self, url: &url::Url) -> HostSlot {
        self.fetcher.host_slot(url).await
    }

    /// GET another page of the source's site (an article page), within the
    /// source's reach and timeout, unconditionally.
    pub async fn fetch_page(
        &self,
        host: HostSlot,
        source: &SourceConfig,
        url: &url::Url,
    ) -> Result<Fetched, fetch::Error> {
        self.fetcher
            .fetch_in(
                host,
                url,
                fetch::Reach::of_source(&source.url, source.intranet),
                &Validators::default(),
                source.timeout,
            )
            .await
    }

    /// HEAD a file of the source's site (an attachment), within the
    /// source's reach and timeout.
    pub async fn head(
        &self,
        host: HostSlot,
        source: &SourceConfig,
        url: &url::Url,
    ) -> Result<fetch::Head, fetch::Error> {
        self.fetcher
            .head_in(
                host,
                url,
                fetch::Reach::of_source(&source.url, source.intranet),
                source.timeout,
            )
            .await
    }

    /// Turn a fetched body into the items a poll keeps. `fetched_at`: when
    /// the body was fetched, by the local clock.
    pub async fn harvest(
        &self,
        config: &Config,
        source: &SourceConfig,
        body: Body,
        fetched_at: DateTime<Utc>,
    ) -> Result<Admitted, HarvestError> {
        let tz = config.fetch.timezone;
        let src = source.clone();
        let mut harvest = tokio::task::spawn_blocking(move || source::harvest(&src, &body, tz))
            .await
            .map_err(|_| HarvestError::Crashed)?
            .map_err(HarvestError::Source)?;
        let redated = source::date_at_fetch(&mut harvest.items, self.clock.latest_now(fetched_at));
        let (items, admission) = crate::item::admit(harvest.items, &config.limits);
        harvest.items = items;
        Ok(Admitted {
            harvest,
            redated,
            admission,
        })
    }
}

/// Which of a poll's items go to the channel: those with a topic of
/// `[telegram] topics`, and only once the source is primed (its first
/// harvest is its backlog: stored and shown in the feeds, never pushed, so
/// adding a source never floods the channel). The store queues the new
/// items among them.
#[derive(Debug, Clone, Copy)]
pub struct PushPolicy<'a> {
    topics: &'a [String],
}

impl<'a> PushPolicy<'a> {
    pub fn new(telegram: Option<&'a TelegramConfig>, primed: bool) -> PushPolicy<'a> {
        let topics = match telegram {
            Some(t) if primed => t.topics.as_slice(),
            _ => &[],
        };
        PushPolicy { topics }
    }

    /// True when an item with these topics is to be pushed.
    pub fn wants(&self, item_topics: &[String]) -> bool {
        !self.topics.is_empty() && item_topics.iter().any(|t| self.topics.contains(t))
    }
}

/// An item's topics: its source's, then those its text matches, each once
/// (what a poll stores and what `preview` shows). Free when no topic is
/// configured.
pub fn item_topics(
    classifier: &Classifier,
    source: &SourceConfig,
    title: &str,
    summary: Option<&str>,
) -> Vec<String> {
    if classifier.is_empty() {
        return source.topics.clone();
    }
    let mut topics = source.topics.clone();
    for t in classifier.classify(title, summary) {
        if !topics.contains(&t) {
            topics.push(t);
        }
    }
    topics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::TopicRules;

    /// `preview` listed a topic twice when the source named it and the text
    /// matched it too; a poll stored it once.
    #[test]
    fn a_topic_named_by_the_source_and_matched_by_the_text_is_listed_once() {
        let classifier = Classifier::new(&[TopicRules {
            id: "giao-duc".into(),
            name: "Giáo dục".into(),
            keywords: vec!["tuyển sinh:5".into()],
            exclude: Vec::new(),
            threshold: Some(1),
        }])
        .unwrap();
        let title = "Thông báo tuyển sinh lớp 10";
        assert_eq!(classifier.classify(title, None), ["giao-duc"]);
        let config = Config::parse(
            "[[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"tuyển sinh\"]\n\n\
             [[source]]\nid = \"s\"\nurl = \"https://so.vn/\"\ntopics = [\"giao-duc\"]\n",
            std::path::Path::new("feeds.toml"),
        );
        let config = match config {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let source = &config.sources[0];
        assert_eq!(item_topics(&classifier, source, title, None), ["giao-duc"]);
        assert_eq!(
            item_topics(&classifier, source, "Giá cả ổn định", None),
            ["giao-duc"]
        );
    }
}

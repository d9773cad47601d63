//! The embedded store: the only module that knows sled.
//!
//! Trees (few, with compact keys, as sled prefers):
//! - `items`: item id → JSON [`Item`];
//! - `by_date`: published millis ‖ first-seen millis ‖ id → (), the feed order;
//! - `sources`: source id → JSON [`SourceState`];
//! - `outbox`: [`OutboxKey`] (publication time ‖ sequence) → JSON
//!   [`OutboxEntry`], notifications not yet accepted by Telegram, so the
//!   queue drains in publication order;
//! - `gone`: item id → publication millis, the compact tombstones of items
//!   that retention removed, so a page that still lists one never brings it
//!   back;
//! - `outbox_dead`: the same, for messages Telegram refused for good (kept,
//!   counted in the status, never silently dropped).
//!
//! A poll's writes land in one transaction over all trees and are flushed
//! before the poll counts as done, so an item is never stored without its
//! notification, nor half of a poll kept after a crash.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use tokio::sync::watch;

use crate::item::{canonical_link, Harvested, Item};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the store at {} is in use by another tinkhac process (sled locks its directory); stop it or point --config at another store", path.display())]
    Locked { path: PathBuf },
    #[error("cannot open the store at {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record in the store: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A failed transaction: aborted on a record that would not decode, or a
/// storage error.
impl From<TransactionError<String>> for Error {
    fn from(e: TransactionError<String>) -> Error {
        match e {
            TransactionError::Abort(m) => Error::Corrupt(m),
            TransactionError::Storage(e) => Error::Sled(e),
        }
    }
}

/// What the daemon remembers of each source between polls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// Items the last successful parse found (a 304 leaves it as it was).
    pub items_last_poll: usize,
    /// True once a poll has stored this source's items: later new items are
    /// news; the first harvest is the backlog.
    pub primed: bool,
    pub polls: u64,
    /// True once any poll found items: a source that used to yield and now
    /// yields none has probably changed its layout.
    #[serde(default)]
    pub ever_yielded: bool,
    /// What the last failure was, when the last poll failed.
    #[serde(default)]
    pub failure: Option<FailureKind>,
}

/// The kinds of failure the health rules tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// Network, timeout, HTTP status, size cap.
    Fetch,
    /// Not a feed, a page the parser must not take on, or the extractor
    /// crashed.
    Parse,
    /// The page has no news list any more.
    NoContainer,
    /// The news list is there but empty.
    EmptyContainer,
}

/// A notification waiting for the channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub item_id: String,
    pub queued_at: DateTime<Utc>,
    /// Sends of it that timed out: Telegram may have delivered them.
    #[serde(default)]
    pub attempts: u32,
}

/// Where a notification sits in the queue: its item's publication time,
/// then a database-wide sequence number (ties, and monotonic across restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutboxKey([u8; 16]);

impl OutboxKey {
    fn new(published: &DateTime<FixedOffset>, seq: u64) -> OutboxKey {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&((published.timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes());
        k[8..].copy_from_slice(&seq.to_be_bytes());
        OutboxKey(k)
    }

    fn from_bytes(b: &[u8]) -> Result<OutboxKey> {
        b.try_into()
            .map(OutboxKey)
            .map_err(|_| Error::Corrupt("outbox key of the wrong size".to_string()))
    }

    /// The sequence number, to name an entry to the admin.
    pub fn seq(&self) -> u64 {
        u64::from_be_bytes(self.0[8..].try_into().expect("8 bytes"))
    }
}

/// One item found by a poll, with the topics the classifier gave it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub id: String,
    pub harvested: Harvested,
    pub topics: Vec<String>,
}

/// What a poll changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollWrite {
    pub new: usize,
    pub already_known: usize,
    /// Known items now also listed by this source.
    pub merged: usize,
    pub queued: usize,
}

#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    items: sled::Tree,
    by_date: sled::Tree,
    sources: sled::Tree,
    outbox: sled::Tree,
    dead: sled::Tree,
    gone: sled::Tree,
    changes: watch::Sender<u64>,
    /// One write (transaction and flush) at a time. sled 0.34 deadlocks when
    /// `flush_async` calls overlap each other and concurrent transactions
    /// (spacejam/sled#1308, fixed only on its unreleased main branch): a
    /// `tinkhac once` over 1,000 sources hung for good in bench/harvest.sh.
    writes: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Which items a feed shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    All,
    Topic(String),
    Source(String),
}

impl Filter {
    fn accepts(&self, item: &Item) -> bool {
        match self {
            Filter::All => true,
            Filter::Topic(t) => item.topics.iter().any(|x| x == t),
            Filter::Source(s) => item.sources.iter().any(|x| x == s),
        }
    }
}

fn abort<E: std::fmt::Display>(e: E) -> ConflictableTransactionError<String> {
    ConflictableTransactionError::Abort(e.to_string())
}

fn date_key(published: &DateTime<FixedOffset>, first_seen: &DateTime<Utc>, id: &str) -> Vec<u8> {
    // Flip the sign bit so that big-endian bytes sort like the signed numbers.
    let p = (published.timestamp_millis() as u64) ^ (1 << 63);
    let f = (first_seen.timestamp_millis() as u64) ^ (1 << 63);
    let mut k = Vec::with_capacity(16 + id.len());
    k.extend_from_slice(&p.to_be_bytes());
    k.extend_from_slice(&f.to_be_bytes());
    k.extend_from_slice(id.as_bytes());
    k
}

impl Store {
    /// Open (or create) the store. `cache_bytes` bounds sled's page cache.
    pub fn open(path: &Path, cache_bytes: u64) -> Result<Store> {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .open()
            .map_err(|source| match &source {
                sled::Error::Io(e) if e.to_string().contains("could not acquire lock") => {
                    Error::Locked {
                        path: path.to_path_buf(),
                    }
                }
                _ => Error::Open {
                    path: path.to_path_buf(),
                    source,
                },
            })?;
        let store = Store {
            path: path.to_path_buf(),
            items: db.open_tree("items")?,
            by_date: db.open_tree("by_date")?,
            sources: db.open_tree("sources")?,
            outbox: db.open_tree("outbox")?,
            dead: db.open_tree("outbox_dead")?,
            gone: db.open_tree("gone")?,
            db,
            changes: watch::channel(0).0,
            writes: Default::default(),
        };
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A counter that moves whenever the set of items changes; feeds are
    /// rendered again only when it has moved.
    pub fn generation(&self) -> u64 {
        *self.changes.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub fn source_state(&self, id: &str) -> Result<SourceState> {
        match self.sources.get(id)? {
            Some(v) => serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string())),
            None => Ok(SourceState::default()),
        }
    }

    /// Save a source's state alone (a failed poll, a 304).
    ///
    /// Not flushed here: sled writes to disk every 500 ms, and losing this
    /// state in a crash costs at most one unconditional fetch or one failure
    /// counted again. A 304 cycle over many sources thus costs no disk syncs
    /// (BENCHMARKS.md, harvest). Items are always flushed (`record_poll`).
    pub async fn put_source_state(&self, id: &str, state: &SourceState) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let v = serde_json::to_vec(state).expect("state serialises");
        self.sources.insert(id, v)?;
        Ok(())
    }

    /// Store one poll's items and the source's new state in one transaction,
    /// then flush. New items whose topics meet `push_topics` are queued for
    /// the channel in the same transaction, in publication order; pass an
    /// empty slice to queue nothing (a source's first harvest).
    pub async fn record_poll(
        &self,
        source_id: &str,
        incoming: &[Incoming],
        state: &SourceState,
        push_topics: &[String],
        now: DateTime<Utc>,
        tz: FixedOffset,
    ) -> Result<PollWrite> {
        let _one_writer = self.writes.lock().await;
        // Oldest first, so the outbox sequence follows publication order.
        // Pages list newest first: reversing before a stable sort keeps undated
        // items in that order too.
        let mut ordered: Vec<&Incoming> = incoming.iter().rev().collect();
        // Undated items are dated now, so they come last.
        ordered.sort_by_key(|i| {
            i.harvested
                .published
                .map_or(i64::MAX, |d| d.timestamp_millis())
        });
        let state_bytes = serde_json::to_vec(state).expect("state serialises");

        let result = (
            &self.items,
            &self.by_date,
            &self.sources,
            &self.outbox,
            &self.gone,
        )
            .transaction(|(items, by_date, sources, outbox, gone)| {
                let mut w = PollWrite::default();
                let mut seen_now = std::collections::HashSet::new();
                for inc in &ordered {
                    if !seen_now.insert(inc.id.as_str()) {
                        continue;
                    }
                    if gone.get(inc.id.as_bytes())?.is_some() {
                        // Removed by retention: known, and stays gone.
                        w.already_known += 1;
                        continue;
                    }
                    if let Some(bytes) = items.get(inc.id.as_bytes())? {
                        w.already_known += 1;
                        let mut item: Item = serde_json::from_slice(&bytes).map_err(abort)?;
                        if !item.sources.iter().any(|s| s == source_id) {
                            w.merged += 1;
                            item.sources.push(source_id.to_string());
                            items.insert(
                                inc.id.as_bytes(),
                                serde_json::to_vec(&item).map_err(abort)?,
                            )?;
                        }
                        continue;
                    }
                    let h = &inc.harvested;
                    let item = Item {
                        id: inc.id.clone(),
                        title: h.title.clone(),
                        link: h.link.as_ref().map(|u| canonical_link(u).to_string()),
                        guid: h.guid.clone(),
                        summary: h.summary.clone(),
                        published: h.published.unwrap_or_else(|| now.with_timezone(&tz)),
                        date_estimated: h.published.is_none(),
                        first_seen: now,
                        sources: vec![source_id.to_string()],
                        topics: inc.topics.clone(),
                    };
                    items.insert(inc.id.as_bytes(), serde_json::to_vec(&item).map_err(abort)?)?;
                    by_date.insert(date_key(&item.published, &item.first_seen, &item.id), &[])?;
                    w.new += 1;
                    if item.topics.iter().any(|t| push_topics.contains(t)) {
                        let key = OutboxKey::new(&item.published, outbox.generate_id()?);
                        let entry = OutboxEntry {
                            item_id: item.id.clone(),
                            queued_at: now,
                            attempts: 0,
                        };
                        outbox.insert(&key.0, serde_json::to_vec(&entry).map_err(abort)?)?;
                        w.queued += 1;
                    }
                }
                sources.insert(source_id.as_bytes(), state_bytes.as_slice())?;
                Ok(w)
            });
        let w = result?;
        self.db.flush_async().await?;
        // Only a change of the items moves the generation (and makes the
        // feeds render again).
        if w.new > 0 || w.merged > 0 {
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(w)
    }

    pub fn item(&self, id: &str) -> Result<Option<Item>> {
        match self.items.get(id)? {
            Some(v) => Ok(Some(
                serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    /// Newest first (by publication date, then first seen), at most `limit`.
    pub fn latest(&self, filter: &Filter, limit: usize) -> Result<Vec<Item>> {
        let mut out = Vec::with_capacity(limit.min(1024));
        for entry in self.by_date.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (key, _) = entry?;
            let id = std::str::from_utf8(&key[16..]).map_err(|e| Error::Corrupt(e.to_string()))?;
            if let Some(item) = self.item(id)? {
                if filter.accepts(&item) {
                    out.push(item);
                }
            }
        }
        Ok(out)
    }

    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    /// Notifications waiting, oldest publication first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<(OutboxKey, OutboxEntry)>> {
        let mut out = Vec::new();
        for entry in self.outbox.iter().take(limit) {
            let (k, v) = entry?;
            let e: OutboxEntry =
                serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string()))?;
            out.push((OutboxKey::from_bytes(&k)?, e));
        }
        Ok(out)
    }

    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// Remove a notification once Telegram has accepted it, and flush, so a
    /// restart never sends it again.
    pub async fn outbox_done(&self, key: OutboxKey) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        self.outbox.remove(key.0)?;
        self.db.flush_async().await?;
        Ok(())
    }

    /// Record what the outbox learnt about a queued notification (its
    /// timed-out sends), and flush, so a restart knows it too.
    pub async fn outbox_update(&self, key: OutboxKey, entry: &OutboxEntry) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let bytes = serde_json::to_vec(entry).expect("serialises");
        self.outbox.insert(key.0, bytes)?;
        self.db.flush_async().await?;
        Ok(())
    }

    /// Move a notification Telegram refused for good out of the queue, with
    /// the reason, so the ones behind it can go.
    pub async fn outbox_dead(
        &self,
        key: OutboxKey,
        entry: &OutboxEntry,
        reason: &str,
    ) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let mut v = serde_json::to_value(entry).expect("serialises");
        v["reason"] = serde_json::Value::String(reason.to_string());
        let bytes = serde_json::to_vec(&v).expect("serialises");
        let key = key.0;
        (&self.outbox, &self.dead).transaction(|(outbox, dead)| {
            outbox.remove(&key)?;
            dead.insert(&key, bytes.as_slice())?;
            Ok::<_, ConflictableTransactionError<String>>(())
        })?;
        self.db.flush_async().await?;
        Ok(())
    }

    pub fn dead_len(&self) -> usize {
        self.dead.len()
    }

    /// Queue stored items on purpose (a backlog resend); they take their
    /// place in publication order.
    pub async fn outbox_push(&self, items: &[Item], now: DateTime<Utc>) -> Result<usize> {
        let _one_writer = self.writes.lock().await;
        for item in items {
            let key = OutboxKey::new(&item.published, self.db.generate_id()?);
            let entry = OutboxEntry {
                item_id: item.id.clone(),
                queued_at: now,
                attempts: 0,
            };
            self.outbox
                .insert(key.0, serde_json::to_vec(&entry).expect("serialises"))?;
        }
        self.db.flush_async().await?;
        Ok(items.len())
    }

    /// Items removed per transaction by [`Store::prune`].
    const PRUNE_BATCH: usize = 512;

    /// Remove items published before `cutoff`, leaving a tombstone for each;
    /// items whose notification still waits in the queue stay. Returns how
    /// many left.
    pub async fn prune(&self, cutoff: DateTime<Utc>) -> Result<usize> {
        let _one_writer = self.writes.lock().await;
        let queued: std::collections::HashSet<String> = self
            .outbox(usize::MAX)?
            .into_iter()
            .map(|(_, e)| e.item_id)
            .collect();
        let limit = (cutoff.timestamp_millis() as u64) ^ (1 << 63);
        let mut expired = Vec::new();
        for entry in self.by_date.iter() {
            let (key, _) = entry?;
            let ts = u64::from_be_bytes(key[..8].try_into().expect("8-byte prefix"));
            if ts >= limit {
                break;
            }
            let id = std::str::from_utf8(&key[16..]).map_err(|e| Error::Corrupt(e.to_string()))?;
            if !queued.contains(id) {
                expired.push(key);
            }
        }
        // Many items per transaction (one each appended new node versions
        // to sled's log per item), but bounded, so a first prune of a huge
        // store does not hold every change in memory at once.
        for batch in expired.chunks(Self::PRUNE_BATCH) {
            (&self.items, &self.by_date, &self.gone).transaction(|(items, by_date, gone)| {
                for key in batch {
                    let id = &key[16..];
                    items.remove(id)?;
                    by_date.remove(key)?;
                    gone.insert(id, &key[..8])?;
                }
                Ok::<_, ConflictableTransactionError<String>>(())
            })?;
        }
        let removed = expired.len();
        if removed > 0 {
            self.db.flush_async().await?;
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(removed)
    }

    pub fn tombstones(&self) -> usize {
        self.gone.len()
    }

    /// Every item, oldest first (for `export`).
    pub fn all_items(&self) -> impl Iterator<Item = Result<Item>> + '_ {
        self.by_date.iter().map(move |entry| {
            let (key, _) = entry?;
            let id = std::str::from_utf8(&key[16..]).map_err(|e| Error::Corrupt(e.to_string()))?;
            self.item(id)?
                .ok_or_else(|| Error::Corrupt(format!("index names a missing item {id}")))
        })
    }

    /// Add an exported item unless it is known or gone (for `import`);
    /// never queues a notification. True when it was added.
    pub fn import_item(&self, item: &Item) -> Result<bool> {
        if self.gone.contains_key(&item.id)? || self.items.contains_key(&item.id)? {
            return Ok(false);
        }
        let bytes = serde_json::to_vec(item).expect("serialises");
        let key = date_key(&item.published, &item.first_seen, &item.id);
        let id = item.id.as_bytes();
        (&self.items, &self.by_date).transaction(|(items, by_date)| {
            items.insert(id, bytes.as_slice())?;
            by_date.insert(key.as_slice(), &[])?;
            Ok::<_, ConflictableTransactionError<String>>(())
        })?;
        self.changes.send_modify(|g| *g += 1);
        Ok(true)
    }

    pub async fn flush(&self) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        self.db.flush_async().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn inc(id: &str, title: &str, date: Option<&str>, topics: &[&str]) -> Incoming {
        Incoming {
            id: id.to_string(),
            harvested: Harvested {
                title: title.to_string(),
                link: Some(Url::parse(id).unwrap()),
                guid: None,
                summary: None,
                published: date.map(|d| DateTime::parse_from_rfc3339(d).unwrap()),
            },
            topics: topics.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    #[tokio::test]
    async fn items_dedupe_across_sources_and_order_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let now = Utc::now();
        let a = inc(
            "https://x.vn/a",
            "A",
            Some("2025-12-22T00:00:00+07:00"),
            &[],
        );
        let b = inc(
            "https://x.vn/b",
            "B",
            Some("2025-12-23T00:00:00+07:00"),
            &["giao-duc"],
        );
        let st = SourceState::default();
        let w = store
            .record_poll("s1", &[a.clone(), b.clone()], &st, &[], now, tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.already_known, w.queued), (2, 0, 0));
        let w = store
            .record_poll(
                "s2",
                std::slice::from_ref(&b),
                &st,
                &["giao-duc".into()],
                now,
                tz(),
            )
            .await
            .unwrap();
        assert_eq!(
            (w.new, w.already_known, w.queued),
            (0, 1, 0),
            "known items are not queued again"
        );
        let items = store.latest(&Filter::All, 10).unwrap();
        let titles: Vec<_> = items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["B", "A"]);
        assert_eq!(items[0].sources, ["s1", "s2"]);
        let only = store.latest(&Filter::Topic("giao-duc".into()), 10).unwrap();
        assert_eq!(only.len(), 1);
        let by_source = store.latest(&Filter::Source("s2".into()), 10).unwrap();
        assert_eq!(by_source.len(), 1);
    }

    #[tokio::test]
    async fn new_items_of_pushed_topics_are_queued_in_publication_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let page = [
            inc(
                "https://x.vn/new",
                "new",
                Some("2025-12-23T09:00:00+07:00"),
                &["gd"],
            ),
            inc(
                "https://x.vn/other",
                "other",
                Some("2025-12-23T08:00:00+07:00"),
                &[],
            ),
            inc(
                "https://x.vn/old",
                "old",
                Some("2025-12-22T09:00:00+07:00"),
                &["gd"],
            ),
        ];
        let w = store
            .record_poll(
                "s",
                &page,
                &SourceState::default(),
                &["gd".into()],
                Utc::now(),
                tz(),
            )
            .await
            .unwrap();
        assert_eq!(w.queued, 2);
        let queued: Vec<_> = store
            .outbox(10)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e.item_id)
            .collect();
        assert_eq!(queued, ["https://x.vn/old", "https://x.vn/new"]);
    }

    #[tokio::test]
    async fn undated_items_keep_their_first_seen_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let first = DateTime::parse_from_rfc3339("2025-12-23T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let later = first + chrono::Duration::hours(5);
        let x = inc("https://x.vn/x", "X", None, &[]);
        let st = SourceState::default();
        store
            .record_poll("s", std::slice::from_ref(&x), &st, &[], first, tz())
            .await
            .unwrap();
        store
            .record_poll("s", &[x], &st, &[], later, tz())
            .await
            .unwrap();
        let item = store.item("https://x.vn/x").unwrap().unwrap();
        assert_eq!(item.published.to_rfc3339(), "2025-12-23T08:00:00+07:00");
        assert!(item.date_estimated);
    }

    #[tokio::test]
    async fn retention_leaves_tombstones_and_keeps_queued_items() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let old = inc(
            "https://x.vn/old",
            "old",
            Some("2024-01-01T00:00:00+07:00"),
            &[],
        );
        let queued = inc(
            "https://x.vn/q",
            "q",
            Some("2024-01-02T00:00:00+07:00"),
            &["gd"],
        );
        let fresh = inc(
            "https://x.vn/new",
            "new",
            Some("2025-12-23T00:00:00+07:00"),
            &[],
        );
        let all = [old.clone(), queued, fresh];
        let st = SourceState::default();
        store
            .record_poll("s", &all, &st, &["gd".into()], Utc::now(), tz())
            .await
            .unwrap();
        let cutoff = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(store.prune(cutoff).await.unwrap(), 1);
        let left: Vec<_> = store
            .latest(&Filter::All, 10)
            .unwrap()
            .into_iter()
            .map(|i| i.title)
            .collect();
        assert_eq!(left, ["new", "q"], "the queued one stays until sent");
        assert_eq!(store.tombstones(), 1);
        // The page still lists the old item: it is not resurrected.
        let w = store
            .record_poll("s", &[old], &st, &["gd".into()], Utc::now(), tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.queued), (0, 0));
        assert_eq!(store.item_count(), 2);
    }

    #[tokio::test]
    async fn pruning_more_than_one_batch_removes_every_expired_item() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let n = Store::PRUNE_BATCH * 2 + 7;
        let old: Vec<_> = (0..n)
            .map(|i| {
                inc(
                    &format!("https://x.vn/old/{i}"),
                    &format!("old {i}"),
                    Some("2024-01-01T00:00:00+07:00"),
                    &[],
                )
            })
            .collect();
        let fresh = inc(
            "https://x.vn/new",
            "new",
            Some("2025-12-23T00:00:00+07:00"),
            &[],
        );
        let all: Vec<_> = old.iter().cloned().chain([fresh]).collect();
        let st = SourceState::default();
        store
            .record_poll("s", &all, &st, &[], Utc::now(), tz())
            .await
            .unwrap();
        let cutoff = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(store.prune(cutoff).await.unwrap(), n);
        assert_eq!((store.item_count(), store.tombstones()), (1, n));
        assert_eq!(store.latest(&Filter::All, 10).unwrap()[0].title, "new");
        assert_eq!(
            store.prune(cutoff).await.unwrap(),
            0,
            "nothing left to prune"
        );
    }

    #[tokio::test]
    async fn a_second_open_of_a_held_store_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let _held = Store::open(&path, 1 << 20).unwrap();
        match Store::open(&path, 1 << 20) {
            Err(e @ Error::Locked { .. }) => assert!(e.to_string().contains("in use")),
            Err(other) => panic!("expected Locked, got {other}"),
            Ok(_) => panic!("a second open must fail"),
        }
    }
}

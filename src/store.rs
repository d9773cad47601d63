//! The embedded store: the only module that knows sled. What the poller
//! and the outbox may ask of it is the narrow interface in [`contract`]
//! ([`PollStore`], [`OutboxStore`]); everything else here (feeds, retention,
//! export, import, check, recovery after a full disk) serves the HTTP
//! server and the admin commands.
//!
//! Trees (few, with compact keys, as sled prefers):
//! - `items`: item id → JSON [`Item`];
//! - `by_date`: published millis ‖ first-seen millis ‖ id → (), the feed order;
//! - `sources`: source id → JSON [`SourceState`], written in batches (below);
//! - `outbox`: [`OutboxKey`] (publication time ‖ sequence) → JSON
//!   [`OutboxEntry`], notifications not yet accepted by Telegram, so the
//!   queue drains in publication order;
//! - `gone`: item id → publication millis, the compact tombstones of items
//!   that retention removed, so a page that still lists one never brings it
//!   back;
//! - `outbox_dead`: the same keys → JSON [`OutboxEntry`] with the reason
//!   Telegram gave and when it was set aside, for messages Telegram refused
//!   for good (kept, counted in the status, never silently dropped: the
//!   admin lists them, queues them again or drops them, [`SetAsideStore`]);
//! - `follow`: item id → JSON [`FollowEntry`], the follow-ups not yet done
//!   (an item's article page to fetch), queued in the transaction that
//!   stores the item, removed in the one that stores what the article gave.
//!
//! # Durability
//!
//! The contract any implementation of [`PollStore`] and [`OutboxStore`]
//! keeps (the conformance suite in [`contract`] checks what a test can):
//! - **One transaction per poll.** A poll that stores or changes an item
//!   writes its items, their date index, the notifications it queues and
//!   the source's state in one transaction, flushed to disk before
//!   [`PollStore::record_poll`] returns. A crash keeps all of a poll or
//!   none of it: an item is never stored without its notification.
//! - **One transaction per follow-up.** [`FollowStore::follow_done`] writes
//!   what the article gave into its item (its date improved by the same
//!   rule as a poll's), the items of the article's own list with their
//!   notifications and follow-ups, and removes the follow-up, in one
//!   transaction flushed before it returns: a crash keeps all of it (the
//!   follow-up never runs again) or none (it runs again).
//! - **Flushed before an outbox entry counts as sent.** [`OutboxStore::outbox_done`],
//!   `outbox_update` and `outbox_dead` return only once the change is on
//!   disk, so a restart never sends an accepted message again; a kill
//!   between Telegram's answer and that flush repeats at most that one
//!   message.
//! - **One transaction per set-aside change.** Setting a message aside
//!   moves it from `outbox` to `outbox_dead` in one transaction; queueing
//!   set-aside messages again ([`SetAsideStore::retry_set_aside`]) moves
//!   them back in one, and dropping one removes its one record; each is
//!   flushed before it returns, so a crash keeps a message in one of the
//!   two trees, never in both or neither.
//! - **One transaction per re-tagging.** [`TopicStore::set_topics`]
//!   writes the new topics of every item it is given in one transaction,
//!   flushed before it returns, and queues nothing: a crash keeps all of
//!   the new topics or none.
//! - **Monotonic ids.** Outbox sequence numbers come from sled's
//!   `generate_id`, which never goes back, across restarts and crashes
//!   too, so entries queued later sort after earlier ones of the same
//!   publication time.
//! - **Quiet polls write nothing that must be synced.** A poll that
//!   changes no item (a 304, a 200 listing only known items, a failure)
//!   changes the source's fetch state (validators, last success, failures,
//!   counters) in memory only. Changed states are written together at most
//!   every [`STATE_BATCH`], at shutdown ([`Store::flush`]) and with the next
//!   poll of that source that stores an item. A crash may lose those
//!   batched states: at worst each source's `ETag`/`Last-Modified` goes back
//!   to an older value (one extra full fetch per source, whose items are
//!   all known, so nothing is stored twice), and its counters and last
//!   success time go back a little. It never loses an item or a queued
//!   message: those are written only by flushed transactions, and a
//!   source's first harvest (which marks it primed) is always one.
//! - sled's own background flusher is slowed to [`SLED_FLUSH_EVERY_MS`]:
//!   everything that must be durable is flushed explicitly, so the flusher
//!   only tidies sled's log segments.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use tokio::sync::watch;

use crate::item::{canonical_link, Followed, Harvested, Item};

pub mod contract;
pub mod salvage;

pub use contract::{FollowStore, OutboxStore, PollStore, SetAsideStore, TopicStore};

/// How often sled's own flusher wakes (it also fsyncs every time, even
/// with nothing written); sled's default is 500 ms. What must be durable
/// is flushed explicitly.
pub const SLED_FLUSH_EVERY_MS: u64 = 10_000;

/// At most how often changed source states are written (see the
/// module's durability section).
pub const STATE_BATCH: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the store at {} is in use by another tinkhac process (sled locks its directory); stop it or point --config at another store", path.display())]
    Locked { path: PathBuf },
    /// Said once, in full: the error names its cause itself, so it has no
    /// `source` to be printed a second time by a chain.
    #[error("cannot open the store at {}: {cause}", path.display())]
    Open { path: PathBuf, cause: sled::Error },
    #[error(
        "the store at {} cannot be written: {why}; remount it read-write, or point \
         [storage] path at a folder tinkhac may write to",
        path.display()
    )]
    NotWritable { path: PathBuf, why: &'static str },
    #[error(
        "the store at {} is damaged ({detail}). Save every item that can still be read with \
         `tinkhac store salvage items.jsonl`, then start a new store from them with \
         `tinkhac --new-store import items.jsonl` (the damaged one is kept beside it)",
        path.display()
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "the store at {} has no data (its file `db` is missing or empty) although the store \
         existed: was it truncated, or a disk not mounted? Restore a backup with `tinkhac \
         --new-store import FILE`, or pass --new-store to start afresh on purpose (the old \
         one is kept beside it)",
        path.display()
    )]
    Empty { path: PathBuf },
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record in the store: {0}")]
    Corrupt(String),
    /// A write failed (a full disk, say) and the store stopped writing; see
    /// [`Store::fault`].
    #[error(
        "the store cannot write since {since}: {reason}; nothing is written until it recovers"
    )]
    Faulted {
        since: DateTime<Utc>,
        reason: String,
    },
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
    /// The same error in Vietnamese, for the status page.
    #[serde(default)]
    pub last_error_vi: Option<String>,
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

/// A set-aside message as `outbox_dead` keeps it: the queue's entry, with
/// why and when Telegram refused it. Entries written before the time was
/// recorded have none (and read back as None).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DeadRecord {
    #[serde(flatten)]
    entry: OutboxEntry,
    #[serde(default)]
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    set_aside_at: Option<DateTime<Utc>>,
}

/// A message Telegram refused for good, as the admin sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    /// Its place in the queue; `key.seq()` names it to the admin.
    pub key: OutboxKey,
    pub item_id: String,
    /// Its item's title; None when the item is no longer stored.
    pub title: Option<String>,
    pub queued_at: DateTime<Utc>,
    /// None for messages set aside before this was recorded.
    pub set_aside_at: Option<DateTime<Utc>>,
    /// Why, as the outbox said it (Telegram's own words in it).
    pub reason: String,
    /// Sends of it that timed out.
    pub attempts: u32,
}

/// Which set-aside messages to queue again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The one with this sequence number ([`OutboxKey::seq`]).
    One(u64),
    All,
}

impl Pick {
    fn takes(self, seq: u64) -> bool {
        match self {
            Pick::One(n) => n == seq,
            Pick::All => true,
        }
    }
}

/// What [`SetAsideStore::retry_set_aside`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Retried {
    /// Back in the queue, at their own places.
    pub queued: Vec<SetAside>,
    /// Left set aside: their items are no longer stored (retention removed
    /// them), so there is nothing to send.
    pub kept: Vec<SetAside>,
}

/// What [`TopicStore::set_topics`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Retagged {
    /// Items whose topics were written (they differed).
    pub changed: usize,
    /// Ids asked for that are no longer stored (retention removed them):
    /// skipped.
    pub gone: Vec<String>,
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
    /// Queue a notification if the item is new (the pipeline's push
    /// policy decides; the store only knows which items are new).
    pub push: bool,
    /// Queue a follow-up if the item is new and has a link (the poller
    /// decides, by the source's `follow`).
    pub follow: Follow,
}

/// Whether a new item is followed to its article page, and how far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Follow {
    #[default]
    No,
    /// Its text, attachments and document numbers, and the article's own
    /// "Tin khác" list back into its source's harvest.
    Article,
    /// Its text, attachments and document numbers only: the item was found
    /// through another article's list (one hop, never two).
    TextOnly,
}

/// A follow-up waiting: an item whose article page is still to be fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowEntry {
    pub item_id: String,
    /// The source that stored the item: its reach, its timeout, and the
    /// harvest the article's list goes back into.
    pub source_id: String,
    /// The article page (the item's canonical link).
    pub url: String,
    pub queued_at: DateTime<Utc>,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not tried again before this (backoff after a failure).
    pub next_at: DateTime<Utc>,
    /// Harvest the article's own "Tin khác" list (false for an item found
    /// through one: one hop).
    #[serde(default)]
    pub other_news: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// What a finished follow-up changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowWrite {
    /// The item was still there (retention may have removed it meanwhile).
    pub stored: bool,
    /// The article's time made the item's date more precise.
    pub redated: bool,
    /// What the article's own list brought, as a poll counts it.
    pub listed: PollWrite,
}

/// Follow-ups done and given up since the store opened, and waiting now
/// (`/status.json`'s `follow_ups`, the metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowCounts {
    pub waiting: usize,
    pub done: u64,
    pub given_up: u64,
}

/// What a poll changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollWrite {
    pub new: usize,
    pub already_known: usize,
    /// Known items now also listed by this source.
    pub merged: usize,
    /// Known items whose date this poll made more precise.
    pub redated: usize,
    pub queued: usize,
    /// Follow-ups queued for new items.
    pub followups: usize,
}

/// The sled handles of one open of the store.
struct Handles {
    db: sled::Db,
    items: sled::Tree,
    by_date: sled::Tree,
    sources: sled::Tree,
    outbox: sled::Tree,
    dead: sled::Tree,
    gone: sled::Tree,
    follow: sled::Tree,
}

/// Why the store stopped writing, and since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub since: DateTime<Utc>,
    pub reason: String,
}

/// Sizes of the trees, kept as counters: `Tree::len` walks a whole tree,
/// and after a write error sled 0.34 can spin inside it for ever, so it is
/// called only when the store opens.
#[derive(Default)]
struct Counts {
    items: AtomicUsize,
    outbox: AtomicUsize,
    dead: AtomicUsize,
    gone: AtomicUsize,
    follow: AtomicUsize,
    followed: std::sync::atomic::AtomicU64,
    given_up: std::sync::atomic::AtomicU64,
}

#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    cache_bytes: u64,
    /// The open handles; None only while [`Store::recover`] reopens.
    handles: Arc<RwLock<Option<Arc<Handles>>>>,
    /// Set by the first failed write, cleared by [`Store::recover`]. While
    /// set, nothing is written and the queue is not read (a message sent
    /// whose removal could not be written would be sent again and again).
    fault: Arc<Mutex<Option<Fault>>>,
    counts: Arc<Counts>,
    /// Items a failed flush left in sled's memory only: hidden from every
    /// read until the store reopens without them.
    unflushed: Arc<Mutex<std::collections::HashSet<String>>>,
    changes: watch::Sender<u64>,
    /// One write (transaction and flush) at a time. sled 0.34 deadlocks when
    /// `flush_async` calls overlap each other and concurrent transactions
    /// (spacejam/sled#1308, fixed only on its unreleased main branch): a
    /// `tinkhac once` over 1,000 sources hung for good in bench/harvest.sh.
    writes: Arc<tokio::sync::Mutex<()>>,
    /// Source states as the last polls left them (see the module's
    /// durability section).
    states: Arc<Mutex<std::collections::HashMap<String, CachedState>>>,
    /// Woken when a state changed in memory only.
    states_dirty: Arc<tokio::sync::Notify>,
}

/// A source's state in memory, and what its stored copy says.
#[derive(Debug, Clone)]
struct CachedState {
    state: SourceState,
    /// Changed since it was last written.
    dirty: bool,
    /// The stored copy says the source is primed.
    primed_on_disk: bool,
}

/// What [`Store::check`] found.
#[derive(Debug, Default)]
pub struct Check {
    pub items: usize,
    pub indexed: usize,
    pub queued: usize,
    pub set_aside: usize,
    pub tombstones: usize,
    /// Follow-ups waiting.
    pub followups: usize,
    pub problems: Vec<String>,
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

/// Run `f`, turning a panic (sled's, on a damaged store) into its message,
/// without the default hook's report on stderr.
pub fn quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    r.map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "sled panicked".into())
    })
}

/// True when `path` is a store that existed (sled's `conf` is there) but
/// whose data file is missing or empty: opening it would silently start an
/// empty store. An empty folder is a new store (systemd's StateDirectory).
pub fn lost_its_data(path: &Path) -> bool {
    let has_conf = path.join("conf").is_file();
    let data = std::fs::metadata(path.join("db")).map_or(0, |m| m.len());
    has_conf && data == 0
}

/// Move a store that [`lost_its_data`] (or any store) aside, to
/// `PATH.set-aside-TIMESTAMP`, so the next open starts a new one. Returns
/// where it went, or None when there was nothing there.
pub fn set_aside(path: &Path) -> std::io::Result<Option<PathBuf>> {
    if !path.exists() {
        return Ok(None);
    }
    let mut to = path.as_os_str().to_owned();
    to.push(format!(".set-aside-{}", Utc::now().format("%Y%m%dT%H%M%S")));
    let to = PathBuf::from(to);
    std::fs::rename(path, &to)?;
    Ok(Some(to))
}

/// Free space [`Store::recover`] waits for before it reopens the store: a
/// few of sled's 512 KiB log segments.
const MIN_FREE_TO_RECOVER: u64 = 4 << 20;

/// Bytes free to an unprivileged writer on the file system holding `path`
/// (or its nearest existing ancestor), where the platform tells.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = path.ancestors().find(|p| p.exists())?;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes the struct it is given; `c` is a valid C
    // string for the call's duration.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn free_bytes(_path: &Path) -> Option<u64> {
    None
}

fn abort<E: std::fmt::Display>(e: E) -> ConflictableTransactionError<String> {
    ConflictableTransactionError::Abort(e.to_string())
}

/// How an item's date is chosen, whichever source stored it first: every
/// sighting is ranked by [`date_rank`] and the smallest rank wins, so the
/// stored date is the best of all the dates ever seen, the same in any
/// order, and it only ever improves.
///
/// The rule, in order:
/// 1. any source's date beats the first-seen time (an estimate);
/// 2. the earlier calendar day wins, even when it is less precise (a page
///    that says `22/12/2025` knew the article a day before a feed's
///    `23/12/2025 08:30`: that one is a re-publication or an update);
/// 3. on the same day, a date with a time beats a date alone (`23/12/2025`
///    is midnight in its zone, not a time anyone gave);
/// 4. then the earlier instant, then a date written in the configured zone,
///    then the smaller offset: two sources giving the same instant in two
///    zones still end with one answer.
///
/// The calendar day of a date with a time is its day in the configured zone
/// `tz`; a date alone is the day it names.
fn date_rank(
    date: &DateTime<FixedOffset>,
    estimated: bool,
    tz: FixedOffset,
) -> (bool, chrono::NaiveDate, bool, i64, u32, bool, i32) {
    let day_only = !estimated && date.time() == chrono::NaiveTime::MIN;
    let day = if day_only {
        date.date_naive()
    } else {
        date.with_timezone(&tz).date_naive()
    };
    (
        estimated,
        day,
        day_only,
        date.timestamp(),
        date.timestamp_subsec_nanos(),
        date.offset() != &tz,
        date.offset().local_minus_utc(),
    )
}

/// The date a known item should take from a new sighting, when that one
/// ranks better (see [`date_rank`]), so the date no longer depends on
/// which listing stored the item first, and only ever improves.
fn better_date(
    published: &DateTime<FixedOffset>,
    estimated: bool,
    seen: Option<DateTime<FixedOffset>>,
    tz: FixedOffset,
) -> Option<DateTime<FixedOffset>> {
    let seen = seen?;
    (date_rank(&seen, false, tz) < date_rank(published, estimated, tz)).then_some(seen)
}

/// One poll's items with one entry per id, in the order given: an item
/// listed twice on one page (or on a page and in its teaser block) keeps its
/// first listing, with the best date of all its listings (see
/// [`date_rank`]), so the date does not depend on the page's order either.
fn one_per_id<'a>(
    ordered: Vec<&'a Incoming>,
    tz: FixedOffset,
) -> Vec<std::borrow::Cow<'a, Incoming>> {
    let mut best: std::collections::HashMap<&str, Option<DateTime<FixedOffset>>> =
        std::collections::HashMap::with_capacity(ordered.len());
    for &inc in &ordered {
        let seen = inc.harvested.published;
        best.entry(inc.id.as_str())
            .and_modify(|b| {
                let better = match (*b, seen) {
                    (None, s) => s,
                    (Some(old), Some(new))
                        if date_rank(&new, false, tz) < date_rank(&old, false, tz) =>
                    {
                        Some(new)
                    }
                    (old, _) => old,
                };
                *b = better;
            })
            .or_insert(seen);
    }
    let mut out = Vec::with_capacity(best.len());
    for inc in ordered {
        let Some(date) = best.remove(inc.id.as_str()) else {
            continue;
        };
        if date == inc.harvested.published {
            out.push(std::borrow::Cow::Borrowed(inc));
        } else {
            let mut owned = inc.clone();
            owned.harvested.published = date;
            out.push(std::borrow::Cow::Owned(owned));
        }
    }
    out
}

/// A harvest's items in the order they are stored: oldest first, so the
/// outbox sequence follows publication order, one entry per id with the
/// best date of its listings.
fn in_store_order(incoming: &[Incoming], tz: FixedOffset) -> Vec<std::borrow::Cow<'_, Incoming>> {
    // Pages list newest first: reversing before a stable sort keeps undated
    // items in that order too.
    let mut ordered: Vec<&Incoming> = incoming.iter().rev().collect();
    // Undated items are dated now, so they come last.
    let by_published = |i: &Incoming| {
        i.harvested
            .published
            .map_or(i64::MAX, |d| d.timestamp_millis())
    };
    ordered.sort_by_key(|i| by_published(i));
    let mut ordered = one_per_id(ordered, tz);
    ordered.sort_by_key(|i| by_published(i));
    ordered
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

/// Whether another open store holds `path`: sled takes an exclusive
/// `flock` on its data file for as long as the store is open.
fn held_by_another(path: &Path) -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path.join("db"))
        .is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
}

/// The trees a transaction that stores items writes.
struct TxTrees<'a> {
    items: &'a sled::transaction::TransactionalTree,
    by_date: &'a sled::transaction::TransactionalTree,
    outbox: &'a sled::transaction::TransactionalTree,
    gone: &'a sled::transaction::TransactionalTree,
    follow: &'a sled::transaction::TransactionalTree,
}

/// Store one source's items inside a transaction, as a poll (or a
/// follow-up's "Tin khác" list) does: new ones added with their
/// notification and follow-up when asked for, known ones merged or better
/// dated, retention's tombstones respected. `ordered`: one entry per id,
/// oldest first.
fn store_items(
    t: &TxTrees<'_>,
    source_id: &str,
    ordered: &[&Incoming],
    now: DateTime<Utc>,
    tz: FixedOffset,
    w: &mut PollWrite,
    new_ids: &mut Vec<String>,
) -> std::result::Result<(), ConflictableTransactionError<String>> {
    let mut seen_now = std::collections::HashSet::new();
    for inc in ordered {
        if !seen_now.insert(inc.id.as_str()) {
            continue;
        }
        if t.gone.get(inc.id.as_bytes())?.is_some() {
            // Removed by retention: known, and stays gone.
            w.already_known += 1;
            continue;
        }
        if let Some(bytes) = t.items.get(inc.id.as_bytes())? {
            w.already_known += 1;
            let mut item: Item = serde_json::from_slice(&bytes).map_err(abort)?;
            let mut changed = false;
            if !item.sources.iter().any(|s| s == source_id) {
                w.merged += 1;
                item.sources.push(source_id.to_string());
                changed = true;
            }
            if redate(t.by_date, &mut item, inc.harvested.published, tz)? {
                w.redated += 1;
                changed = true;
            }
            if changed {
                t.items
                    .insert(inc.id.as_bytes(), serde_json::to_vec(&item).map_err(abort)?)?;
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
            article: None,
        };
        t.items
            .insert(inc.id.as_bytes(), serde_json::to_vec(&item).map_err(abort)?)?;
        t.by_date
            .insert(date_key(&item.published, &item.first_seen, &item.id), &[])?;
        w.new += 1;
        new_ids.push(item.id.clone());
        if inc.push {
            let key = OutboxKey::new(&item.published, t.outbox.generate_id()?);
            let entry = OutboxEntry {
                item_id: item.id.clone(),
                queued_at: now,
                attempts: 0,
            };
            t.outbox
                .insert(&key.0, serde_json::to_vec(&entry).map_err(abort)?)?;
            w.queued += 1;
        }
        if let (Some(url), true) = (&item.link, inc.follow != Follow::No) {
            let entry = FollowEntry {
                item_id: item.id.clone(),
                source_id: source_id.to_string(),
                url: url.clone(),
                queued_at: now,
                attempts: 0,
                next_at: now,
                other_news: inc.follow == Follow::Article,
                last_error: None,
            };
            t.follow.insert(
                item.id.as_bytes(),
                serde_json::to_vec(&entry).map_err(abort)?,
            )?;
            w.followups += 1;
        }
    }
    Ok(())
}

/// Give `item` the date `seen` when it ranks better ([`better_date`]),
/// moving its date-index entry; true when it did.
fn redate(
    by_date: &sled::transaction::TransactionalTree,
    item: &mut Item,
    seen: Option<DateTime<FixedOffset>>,
    tz: FixedOffset,
) -> std::result::Result<bool, ConflictableTransactionError<String>> {
    let Some(better) = better_date(&item.published, item.date_estimated, seen, tz) else {
        return Ok(false);
    };
    by_date.remove(date_key(&item.published, &item.first_seen, &item.id))?;
    item.published = better;
    item.date_estimated = false;
    by_date.insert(date_key(&item.published, &item.first_seen, &item.id), &[])?;
    Ok(true)
}

impl Store {
    /// Open (or create) the store. `cache_bytes` bounds sled's page cache.
    pub fn open(path: &Path, cache_bytes: u64) -> Result<Store> {
        let counts = Arc::new(Counts::default());
        let handles = Self::open_handles(path, cache_bytes, &counts)?;
        Ok(Store {
            path: path.to_path_buf(),
            cache_bytes,
            handles: Arc::new(RwLock::new(Some(Arc::new(handles)))),
            fault: Default::default(),
            counts,
            unflushed: Default::default(),
            changes: watch::channel(0).0,
            writes: Default::default(),
            states: Default::default(),
            states_dirty: Default::default(),
        })
    }

    fn open_handles(path: &Path, cache_bytes: u64, counts: &Counts) -> Result<Handles> {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if lost_its_data(path) {
            // A store another process just created may not have written its
            // data file yet: held is held, not emptied.
            if held_by_another(path) {
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                });
            }
            return Err(Error::Empty {
                path: path.to_path_buf(),
            });
        }
        // sled 0.34 panics on some damage (garbage inside its log); say so
        // once, clearly, instead of a backtrace at every start.
        quietly(|| Self::open_sled(path, cache_bytes, counts)).unwrap_or_else(|detail| {
            Err(Error::Damaged {
                path: path.to_path_buf(),
                detail,
            })
        })
    }

    fn open_sled(path: &Path, cache_bytes: u64, counts: &Counts) -> Result<Handles> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .flush_every_ms(Some(SLED_FLUSH_EVERY_MS))
            .open()
            .map_err(|source| match &source {
                sled::Error::Io(e) if e.to_string().contains("could not acquire lock") => {
                    Error::Locked {
                        path: path.to_path_buf(),
                    }
                }
                sled::Error::Corruption { .. } | sled::Error::ReportableBug(_) => Error::Damaged {
                    path: path.to_path_buf(),
                    detail: source.to_string(),
                },
                sled::Error::Io(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
                    Error::NotWritable {
                        path: path.to_path_buf(),
                        why: "its file system is read-only",
                    }
                }
                sled::Error::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    Error::NotWritable {
                        path: path.to_path_buf(),
                        why: "tinkhac's user may not write there",
                    }
                }
                _ => Error::Open {
                    path: path.to_path_buf(),
                    cause: source,
                },
            })?;
        let h = Handles {
            items: db.open_tree("items")?,
            by_date: db.open_tree("by_date")?,
            sources: db.open_tree("sources")?,
            outbox: db.open_tree("outbox")?,
            dead: db.open_tree("outbox_dead")?,
            gone: db.open_tree("gone")?,
            follow: db.open_tree("follow")?,
            db,
        };
        // Write the new trees out now: a new store whose data file stayed
        // empty until sled's flusher (every 10 s) would look like a store
        // that lost its data ([`lost_its_data`]) to the next open.
        h.db.flush()?;
        let sizes = Self::walk(&h, path)?;
        counts.items.store(sizes[0], Ordering::Relaxed);
        counts.outbox.store(sizes[1], Ordering::Relaxed);
        counts.dead.store(sizes[2], Ordering::Relaxed);
        counts.gone.store(sizes[3], Ordering::Relaxed);
        counts.follow.store(sizes[4], Ordering::Relaxed);
        Ok(h)
    }

    /// How long the walk at open may take before the store counts as
    /// damaged; a healthy store of 100,000 items takes well under a second.
    const WALK_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

    /// Count the trees, and look every item of the date index up, once at
    /// open: on some damage sled 0.34 loops for ever reading a page, and it
    /// is better met here, as one clear error, than in a request handler.
    fn walk(h: &Handles, path: &Path) -> Result<[usize; 5]> {
        let trees = [
            h.items.clone(),
            h.by_date.clone(),
            h.outbox.clone(),
            h.dead.clone(),
            h.gone.clone(),
            h.follow.clone(),
        ];
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let [items, by_date, outbox, dead, gone, follow] = &trees;
            let walked = (|| -> sled::Result<[usize; 5]> {
                for entry in by_date.iter().keys() {
                    let key = entry?;
                    items.contains_key(key.get(16..).unwrap_or_default())?;
                }
                Ok([
                    items.len(),
                    outbox.len(),
                    dead.len(),
                    gone.len(),
                    follow.len(),
                ])
            })();
            // Let go of the trees before answering: a handle still held
            // here would keep sled's lock after the store is dropped, and a
            // reopen right after would find it in use.
            drop(trees);
            let _ = tx.send(walked);
        });
        let damaged = |detail: String| Error::Damaged {
            path: path.to_path_buf(),
            detail,
        };
        match rx.recv_timeout(Self::WALK_LIMIT) {
            Ok(Ok(sizes)) => Ok(sizes),
            Ok(Err(e)) => Err(damaged(e.to_string())),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(damaged(format!(
                "reading it did not finish in {} s",
                Self::WALK_LIMIT.as_secs()
            ))),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(damaged("sled panicked while reading it".into()))
            }
        }
    }

    /// The open handles for a read.
    fn h(&self) -> Result<Arc<Handles>> {
        match self.handles.read().expect("store lock poisoned").as_ref() {
            Some(h) => Ok(h.clone()),
            None => Err(self.faulted_error()),
        }
    }

    /// The open handles for a write: refused while the store is faulted.
    fn w(&self) -> Result<Arc<Handles>> {
        if self.fault().is_some() {
            return Err(self.faulted_error());
        }
        self.h()
    }

    fn faulted_error(&self) -> Error {
        let f = self.fault().unwrap_or_else(|| Fault {
            since: Utc::now(),
            reason: "the store is being reopened".into(),
        });
        Error::Faulted {
            since: f.since,
            reason: f.reason,
        }
    }

    /// Why the store stopped writing, if it has.
    pub fn fault(&self) -> Option<Fault> {
        self.fault.lock().expect("fault lock poisoned").clone()
    }

    /// Record a failed write. sled 0.34 keeps the first IO error for good
    /// (every later write fails with it, even once space is back), so the
    /// store stops writing at once and says why, once; [`Store::recover`]
    /// reopens it. Other errors pass through.
    fn wrote<T>(&self, r: Result<T>) -> Result<T> {
        if let Err(Error::Sled(e)) = &r {
            let mut fault = self.fault.lock().expect("fault lock poisoned");
            if fault.is_none() {
                tracing::error!(
                    store = %self.path.display(),
                    error = %e,
                    "the store cannot write: polls and the channel pause, the last feeds are \
                     still served, and nothing stored before is lost; it reopens by itself \
                     once writing works again (free some disk space)"
                );
                *fault = Some(Fault {
                    since: Utc::now(),
                    reason: e.to_string(),
                });
            }
        }
        r
    }

    /// After a fault: reopen the store and prove with a flushed write that
    /// writing works again. True when the store is (again) writable. Every
    /// item acknowledged before the fault was flushed, so it is still there;
    /// what sled held unflushed at the fault is dropped with the old handles.
    pub async fn recover(&self) -> bool {
        if self.fault().is_none() {
            return true;
        }
        // Dropping the handles and opening again on a disk that is still
        // full would only fail again, and leave nothing to read meanwhile.
        if free_bytes(&self.path).is_some_and(|free| free < MIN_FREE_TO_RECOVER) {
            return false;
        }
        let _one_writer = self.writes.lock().await;
        // Let go of the old handles: sled releases its lock when the last
        // one is dropped (readers hold one only for a call).
        drop(self.handles.write().expect("store lock poisoned").take());
        let opened = match Self::open_handles(&self.path, self.cache_bytes, &self.counts) {
            Ok(h) => {
                let probe =
                    h.db.insert("probe", Utc::now().to_rfc3339().as_bytes())
                        .map(drop);
                match probe {
                    Ok(()) => h.db.flush_async().await.map(|_| h),
                    Err(e) => Err(e),
                }
                .map_err(Error::from)
            }
            Err(e) => Err(e),
        };
        match opened {
            Ok(h) => {
                *self.handles.write().expect("store lock poisoned") = Some(Arc::new(h));
                *self.fault.lock().expect("fault lock poisoned") = None;
                self.unflushed
                    .lock()
                    .expect("unflushed lock poisoned")
                    .clear();
                tracing::info!(store = %self.path.display(), "the store writes again");
                self.changes.send_modify(|g| *g += 1);
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "the store cannot write yet");
                false
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A counter that moves whenever the set of items changes; feeds are
    /// rendered again only when it has moved.
    pub fn generation(&self) -> u64 {
        *self.changes.borrow()
    }

    /// Newest first (by publication date, then first seen), at most `limit`.
    pub fn latest(&self, filter: &Filter, limit: usize) -> Result<Vec<Item>> {
        let mut out = Vec::with_capacity(limit.min(1024));
        for entry in self.h()?.by_date.iter().rev() {
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

    /// One page of [`Store::latest`]: `limit` items after the first `skip`,
    /// and whether more follow.
    pub fn latest_page(
        &self,
        filter: &Filter,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<Item>, bool)> {
        let mut items = self.latest(filter, skip.saturating_add(limit).saturating_add(1))?;
        let more = items.len() > skip.saturating_add(limit);
        items.truncate(skip.saturating_add(limit));
        Ok((items.split_off(skip.min(items.len())), more))
    }

    /// A source's state from memory, read from the store the first time.
    fn cached_state(&self, h: &Handles, id: &str) -> Result<CachedState> {
        if let Some(c) = self.states.lock().expect("states lock poisoned").get(id) {
            return Ok(c.clone());
        }
        let state: SourceState = match h.sources.get(id)? {
            Some(v) => serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string()))?,
            None => SourceState::default(),
        };
        let c = CachedState {
            primed_on_disk: state.primed,
            state,
            dirty: false,
        };
        let mut states = self.states.lock().expect("states lock poisoned");
        Ok(states.entry(id.to_string()).or_insert(c).clone())
    }

    /// Keep a source's new state in memory; `stored`: it was just written
    /// and flushed, else it waits for the next batch.
    fn set_state(&self, id: &str, state: &SourceState, stored: bool) {
        let mut states = self.states.lock().expect("states lock poisoned");
        let c = states.entry(id.to_string()).or_insert_with(|| CachedState {
            state: SourceState::default(),
            dirty: false,
            primed_on_disk: false,
        });
        c.state = state.clone();
        if stored {
            c.dirty = false;
            c.primed_on_disk = state.primed;
        } else {
            c.dirty = true;
            drop(states);
            self.states_dirty.notify_one();
        }
    }

    /// When storing `ordered` would change no item (each is gone, or known,
    /// listed by this source already and dated no worse): how many items
    /// it names. Reads only the fields it compares.
    fn changes_nothing(
        h: &Handles,
        source_id: &str,
        ordered: &[&Incoming],
        tz: FixedOffset,
    ) -> Result<Option<usize>> {
        #[derive(Deserialize)]
        struct Known {
            published: DateTime<FixedOffset>,
            #[serde(default)]
            date_estimated: bool,
            sources: Vec<String>,
        }
        let mut seen = std::collections::HashSet::new();
        for inc in ordered {
            if !seen.insert(inc.id.as_str()) || h.gone.contains_key(inc.id.as_bytes())? {
                continue;
            }
            let Some(bytes) = h.items.get(inc.id.as_bytes())? else {
                return Ok(None);
            };
            let k: Known =
                serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(e.to_string()))?;
            let listed = k.sources.iter().any(|s| s == source_id);
            if !listed
                || better_date(&k.published, k.date_estimated, inc.harvested.published, tz)
                    .is_some()
            {
                return Ok(None);
            }
        }
        Ok(Some(seen.len()))
    }

    /// Items in the store (a counter: never a walk of the tree).
    pub fn item_count(&self) -> usize {
        self.counts.items.load(Ordering::Relaxed)
    }

    pub fn outbox_len(&self) -> usize {
        self.counts.outbox.load(Ordering::Relaxed)
    }

    pub fn dead_len(&self) -> usize {
        self.counts.dead.load(Ordering::Relaxed)
    }

    /// Follow-ups waiting, done and given up since the store opened.
    pub fn follow_counts(&self) -> FollowCounts {
        FollowCounts {
            waiting: self.counts.follow.load(Ordering::Relaxed),
            done: self.counts.followed.load(Ordering::Relaxed),
            given_up: self.counts.given_up.load(Ordering::Relaxed),
        }
    }

    /// Every follow-up waiting, in no order. Refused while the store
    /// cannot write: a follow-up whose result cannot be kept is not run.
    fn follow_entries(&self) -> Result<Vec<FollowEntry>> {
        let mut out = Vec::new();
        for entry in self.w()?.follow.iter() {
            let (_, v) = entry?;
            out.push(serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }

    /// Remove a follow-up and flush; true when it was there.
    async fn follow_remove(&self, item_id: &str) -> Result<bool> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let removed = self.wrote(h.follow.remove(item_id.as_bytes()).map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        if removed.is_some() {
            self.counts.follow.fetch_sub(1, Ordering::Relaxed);
        }
        Ok(removed.is_some())
    }

    /// Queue stored items on purpose (a backlog resend); they take their
    /// place in publication order.
    pub async fn outbox_push(&self, items: &[Item], now: DateTime<Utc>) -> Result<usize> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        for item in items {
            let key = OutboxKey::new(
                &item.published,
                self.wrote(h.db.generate_id().map_err(Error::from))?,
            );
            let entry = OutboxEntry {
                item_id: item.id.clone(),
                queued_at: now,
                attempts: 0,
            };
            let put = h
                .outbox
                .insert(key.0, serde_json::to_vec(&entry).expect("serialises"));
            self.wrote(put.map_err(Error::from))?;
            self.counts.outbox.fetch_add(1, Ordering::Relaxed);
        }
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        Ok(items.len())
    }

    /// Items removed per transaction by [`Store::prune`].
    const PRUNE_BATCH: usize = 512;

    /// Remove items published before `cutoff`, leaving a tombstone for each;
    /// items whose notification still waits in the queue stay. Returns how
    /// many left.
    pub async fn prune(&self, cutoff: DateTime<Utc>) -> Result<usize> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let queued: std::collections::HashSet<String> = self
            .outbox(usize::MAX)?
            .into_iter()
            .map(|(_, e)| e.item_id)
            .collect();
        let limit = (cutoff.timestamp_millis() as u64) ^ (1 << 63);
        let mut expired = Vec::new();
        for entry in h.by_date.iter() {
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
            let done = (&h.items, &h.by_date, &h.gone).transaction(|(items, by_date, gone)| {
                for key in batch {
                    let id = &key[16..];
                    items.remove(id)?;
                    by_date.remove(key)?;
                    gone.insert(id, &key[..8])?;
                }
                Ok::<_, ConflictableTransactionError<String>>(())
            });
            self.wrote(done.map_err(Error::from))?;
            self.counts.items.fetch_sub(batch.len(), Ordering::Relaxed);
            self.counts.gone.fetch_add(batch.len(), Ordering::Relaxed);
        }
        let removed = expired.len();
        if removed > 0 {
            self.wrote(h.db.flush_async().await.map_err(Error::from))?;
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(removed)
    }

    /// True when retention removed this item (its tombstone is kept).
    pub fn is_gone(&self, id: &str) -> Result<bool> {
        Ok(self.h()?.gone.contains_key(id)?)
    }

    pub fn tombstones(&self) -> usize {
        self.counts.gone.load(Ordering::Relaxed)
    }

    /// Every item, oldest first (for `export`).
    pub fn all_items(&self) -> Box<dyn Iterator<Item = Result<Item>> + '_> {
        let by_date = match self.h() {
            Ok(h) => h.by_date.clone(),
            Err(e) => return Box::new(std::iter::once(Err(e))),
        };
        Box::new(by_date.iter().map(move |entry| {
            let (key, _) = entry?;
            let id = std::str::from_utf8(&key[16..]).map_err(|e| Error::Corrupt(e.to_string()))?;
            self.item(id)?
                .ok_or_else(|| Error::Corrupt(format!("index names a missing item {id}")))
        }))
    }

    /// Add an exported item unless it is known or gone (for `import`);
    /// never queues a notification. True when it was added.
    pub fn import_item(&self, item: &Item) -> Result<bool> {
        let h = self.w()?;
        if h.gone.contains_key(&item.id)? || h.items.contains_key(&item.id)? {
            return Ok(false);
        }
        let bytes = serde_json::to_vec(item).expect("serialises");
        let key = date_key(&item.published, &item.first_seen, &item.id);
        let id = item.id.as_bytes();
        let put = (&h.items, &h.by_date).transaction(|(items, by_date)| {
            items.insert(id, bytes.as_slice())?;
            by_date.insert(key.as_slice(), &[])?;
            Ok::<_, ConflictableTransactionError<String>>(())
        });
        self.wrote(put.map_err(Error::from))?;
        self.counts.items.fetch_add(1, Ordering::Relaxed);
        self.changes.send_modify(|g| *g += 1);
        Ok(true)
    }

    /// Read every record of every tree and check the date index against
    /// the items: what `tinkhac store check` reports.
    pub fn check(&self) -> Result<Check> {
        let h = self.h()?;
        let mut c = Check::default();
        for entry in h.items.iter() {
            let (k, v) = entry?;
            match serde_json::from_slice::<Item>(&v) {
                Ok(item) if item.id.as_bytes() == &k[..] => c.items += 1,
                _ => c.problems.push(format!(
                    "item record {} does not decode",
                    String::from_utf8_lossy(&k)
                )),
            }
        }
        for entry in h.by_date.iter() {
            let (k, _) = entry?;
            c.indexed += 1;
            if k.len() < 16 || !h.items.contains_key(&k[16..])? {
                c.problems.push(format!(
                    "the date index names a missing item {}",
                    String::from_utf8_lossy(k.get(16..).unwrap_or_default())
                ));
            }
        }
        if c.indexed < c.items {
            c.problems.push(format!(
                "{} items are missing from the date index",
                c.items - c.indexed
            ));
        }
        for entry in h.sources.iter() {
            let (k, v) = entry?;
            if serde_json::from_slice::<SourceState>(&v).is_err() {
                c.problems.push(format!(
                    "the state of source {} does not decode",
                    String::from_utf8_lossy(&k)
                ));
            }
        }
        for entry in h.outbox.iter() {
            let (k, v) = entry?;
            c.queued += 1;
            if k.len() != 16 || serde_json::from_slice::<OutboxEntry>(&v).is_err() {
                c.problems
                    .push("a queued notification does not decode".into());
            }
        }
        for entry in h.follow.iter() {
            let (k, v) = entry?;
            c.followups += 1;
            match serde_json::from_slice::<FollowEntry>(&v) {
                Ok(e) if e.item_id.as_bytes() == &k[..] => {}
                _ => c.problems.push(format!(
                    "the follow-up of {} does not decode",
                    String::from_utf8_lossy(&k)
                )),
            }
        }
        for entry in h.dead.iter() {
            let (k, v) = entry?;
            c.set_aside += 1;
            if k.len() != 16 || serde_json::from_slice::<DeadRecord>(&v).is_err() {
                c.problems
                    .push("a set-aside notification does not decode".into());
            }
        }
        c.tombstones = h.gone.iter().count();
        Ok(c)
    }

    /// Write the batched source states and flush everything (at shutdown,
    /// at the end of `once`).
    pub async fn flush(&self) -> Result<()> {
        self.persist_states().await?;
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        Ok(())
    }
}

impl PollStore for Store {
    fn writable(&self) -> Result<()> {
        self.w().map(drop)
    }

    fn source_state(&self, id: &str) -> Result<SourceState> {
        if let Some(c) = self.states.lock().expect("states lock poisoned").get(id) {
            return Ok(c.state.clone());
        }
        let h = self.h()?;
        Ok(self.cached_state(&h, id)?.state)
    }

    fn put_source_state(&self, id: &str, state: &SourceState) -> Result<()> {
        self.w()?;
        self.set_state(id, state, false);
        Ok(())
    }

    async fn record_poll(
        &self,
        source_id: &str,
        incoming: &[Incoming],
        state: &SourceState,
        now: DateTime<Utc>,
        tz: FixedOffset,
    ) -> Result<PollWrite> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let ordered = in_store_order(incoming, tz);
        let ordered: Vec<&Incoming> = ordered.iter().map(|c| c.as_ref()).collect();
        let cached = self.cached_state(&h, source_id)?;
        // A poll that changes no item writes nothing durable (the module's
        // durability section), unless it is the source's first harvest.
        if cached.primed_on_disk || !state.primed {
            if let Some(known) = Self::changes_nothing(&h, source_id, &ordered, tz)? {
                self.set_state(source_id, state, false);
                return Ok(PollWrite {
                    already_known: known,
                    ..PollWrite::default()
                });
            }
        }
        let state_bytes = serde_json::to_vec(state).expect("state serialises");

        let result = (
            &h.items, &h.by_date, &h.sources, &h.outbox, &h.gone, &h.follow,
        )
            .transaction(|(items, by_date, sources, outbox, gone, follow)| {
                let trees = TxTrees {
                    items,
                    by_date,
                    outbox,
                    gone,
                    follow,
                };
                let mut w = PollWrite::default();
                let mut new_ids = Vec::new();
                store_items(&trees, source_id, &ordered, now, tz, &mut w, &mut new_ids)?;
                sources.insert(source_id.as_bytes(), state_bytes.as_slice())?;
                Ok((w, new_ids))
            });
        let (w, new_ids) = self.wrote(result.map_err(Error::from))?;
        if let Err(e) = self.wrote(h.db.flush_async().await.map_err(Error::from)) {
            // sled applied the transaction in memory but could not make it
            // durable: these items are not stored, and no reader may see
            // them (they are gone once the store reopens).
            self.unflushed
                .lock()
                .expect("unflushed lock poisoned")
                .extend(new_ids);
            return Err(e);
        }
        self.set_state(source_id, state, true);
        self.counts.items.fetch_add(w.new, Ordering::Relaxed);
        self.counts.outbox.fetch_add(w.queued, Ordering::Relaxed);
        self.counts.follow.fetch_add(w.followups, Ordering::Relaxed);
        // Only a change of the items moves the generation (and makes the
        // feeds render again).
        if w.new > 0 || w.merged > 0 || w.redated > 0 {
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(w)
    }

    async fn persist_states(&self) -> Result<usize> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let dirty: Vec<(String, SourceState)> = {
            let mut states = self.states.lock().expect("states lock poisoned");
            states
                .iter_mut()
                .filter(|(_, c)| c.dirty)
                .map(|(id, c)| {
                    c.dirty = false;
                    (id.clone(), c.state.clone())
                })
                .collect()
        };
        if dirty.is_empty() {
            return Ok(0);
        }
        let mut batch = sled::Batch::default();
        for (id, state) in &dirty {
            batch.insert(
                id.as_bytes(),
                serde_json::to_vec(state).expect("state serialises"),
            );
        }
        let written = self
            .wrote(h.sources.apply_batch(batch).map_err(Error::from))
            .and(self.wrote(h.db.flush_async().await.map_err(Error::from)));
        let mut states = self.states.lock().expect("states lock poisoned");
        for (id, state) in &dirty {
            if let Some(c) = states.get_mut(id) {
                match &written {
                    // Written: the stored copy is this one (a newer change
                    // since keeps its own dirty mark).
                    Ok(_) => c.primed_on_disk = state.primed,
                    // Not written: still to do.
                    Err(_) => c.dirty = true,
                }
            }
        }
        written.map(|_| dirty.len())
    }

    async fn states_changed(&self) {
        self.states_dirty.notified().await
    }
}

impl OutboxStore for Store {
    fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn item(&self, id: &str) -> Result<Option<Item>> {
        let h = self.h()?;
        if self.fault().is_some()
            && self
                .unflushed
                .lock()
                .expect("unflushed lock poisoned")
                .contains(id)
        {
            return Ok(None);
        }
        match h.items.get(id)? {
            Some(v) => Ok(Some(
                serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    /// Notifications waiting, oldest publication first.
    /// Refused while the store is faulted: a message whose removal cannot
    /// be written must not be sent.
    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxKey, OutboxEntry)>> {
        let mut out = Vec::new();
        for entry in self.w()?.outbox.iter().take(limit) {
            let (k, v) = entry?;
            let e: OutboxEntry =
                serde_json::from_slice(&v).map_err(|e| Error::Corrupt(e.to_string()))?;
            out.push((OutboxKey::from_bytes(&k)?, e));
        }
        Ok(out)
    }

    /// Remove a notification once Telegram has accepted it, and flush, so a
    /// restart never sends it again.
    async fn outbox_done(&self, key: OutboxKey) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let removed = self.wrote(h.outbox.remove(key.0).map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        if removed.is_some() {
            self.counts.outbox.fetch_sub(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Record what the outbox learnt about a queued notification (its
    /// timed-out sends), and flush, so a restart knows it too.
    async fn outbox_update(&self, key: OutboxKey, entry: &OutboxEntry) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let bytes = serde_json::to_vec(entry).expect("serialises");
        self.wrote(h.outbox.insert(key.0, bytes).map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        Ok(())
    }

    /// Move a notification Telegram refused for good out of the queue, with
    /// the reason, so the ones behind it can go.
    async fn outbox_dead(&self, key: OutboxKey, entry: &OutboxEntry, reason: &str) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let record = DeadRecord {
            entry: entry.clone(),
            reason: reason.to_string(),
            set_aside_at: Some(Utc::now()),
        };
        let bytes = serde_json::to_vec(&record).expect("serialises");
        let key = key.0;
        let moved = (&h.outbox, &h.dead).transaction(|(outbox, dead)| {
            let was = outbox.remove(&key)?;
            dead.insert(&key, bytes.as_slice())?;
            Ok::<_, ConflictableTransactionError<String>>(was.is_some())
        });
        let moved = self.wrote(moved.map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        if moved {
            self.counts.outbox.fetch_sub(1, Ordering::Relaxed);
        }
        self.counts.dead.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl Store {
    /// Every set-aside message, in queue order, with its item's title.
    fn set_aside_in(&self, h: &Handles) -> Result<Vec<SetAside>> {
        let mut out = Vec::new();
        for entry in h.dead.iter() {
            let (k, v) = entry?;
            let r: DeadRecord = serde_json::from_slice(&v)
                .map_err(|e| Error::Corrupt(format!("a set-aside notification: {e}")))?;
            out.push(SetAside {
                key: OutboxKey::from_bytes(&k)?,
                title: self.item(&r.entry.item_id)?.map(|i| i.title),
                item_id: r.entry.item_id,
                queued_at: r.entry.queued_at,
                set_aside_at: r.set_aside_at,
                reason: r.reason,
                attempts: r.entry.attempts,
            });
        }
        Ok(out)
    }
}

impl SetAsideStore for Store {
    fn set_aside(&self) -> Result<Vec<SetAside>> {
        self.set_aside_in(&*self.h()?)
    }

    /// Moves each chosen message whose item is still stored back to the
    /// queue under its own key, with no failed sends counted, in one
    /// transaction, and flushes.
    async fn retry_set_aside(&self, pick: Pick) -> Result<Retried> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let chosen: Vec<SetAside> = self
            .set_aside_in(&h)?
            .into_iter()
            .filter(|s| pick.takes(s.key.seq()))
            .collect();
        if chosen.is_empty() {
            return Ok(Retried::default());
        }
        let moved = (&h.dead, &h.outbox, &h.items).transaction(|(dead, outbox, items)| {
            let mut queued = Vec::new();
            for (n, s) in chosen.iter().enumerate() {
                if items.get(s.item_id.as_bytes())?.is_none() {
                    continue;
                }
                if dead.remove(&s.key.0)?.is_none() {
                    continue;
                }
                let entry = OutboxEntry {
                    item_id: s.item_id.clone(),
                    queued_at: s.queued_at,
                    attempts: 0,
                };
                outbox.insert(&s.key.0, serde_json::to_vec(&entry).map_err(abort)?)?;
                queued.push(n);
            }
            Ok::<_, ConflictableTransactionError<String>>(queued)
        });
        let moved = self.wrote(moved.map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        self.counts.dead.fetch_sub(moved.len(), Ordering::Relaxed);
        self.counts.outbox.fetch_add(moved.len(), Ordering::Relaxed);
        let mut done = Retried::default();
        for (n, s) in chosen.into_iter().enumerate() {
            if moved.contains(&n) {
                done.queued.push(s);
            } else {
                done.kept.push(s);
            }
        }
        if !done.queued.is_empty() {
            // Wake the channel's worker, which sleeps while its queue is
            // empty (one more rendering of unchanged feeds is the price).
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(done)
    }

    /// Removes the one record (a single sled operation, atomic as a
    /// transaction) and flushes.
    async fn drop_set_aside(&self, seq: u64) -> Result<Option<SetAside>> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let Some(s) = self
            .set_aside_in(&h)?
            .into_iter()
            .find(|s| s.key.seq() == seq)
        else {
            return Ok(None);
        };
        let removed = self.wrote(h.dead.remove(s.key.0).map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        if removed.is_none() {
            return Ok(None);
        }
        self.counts.dead.fetch_sub(1, Ordering::Relaxed);
        Ok(Some(s))
    }
}

impl TopicStore for Store {
    /// Reads and rewrites each item inside the transaction (a poll merging
    /// into it meanwhile waits for the store's one writer), and flushes.
    async fn set_topics(&self, topics: &[(String, Vec<String>)]) -> Result<Retagged> {
        if topics.is_empty() {
            return Ok(Retagged::default());
        }
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let written = h.items.transaction(|items| {
            let mut done = Retagged::default();
            for (id, new) in topics {
                let Some(bytes) = items.get(id.as_bytes())? else {
                    done.gone.push(id.clone());
                    continue;
                };
                let mut item: Item = serde_json::from_slice(&bytes).map_err(abort)?;
                if &item.topics == new {
                    continue;
                }
                item.topics = new.clone();
                items.insert(id.as_bytes(), serde_json::to_vec(&item).map_err(abort)?)?;
                done.changed += 1;
            }
            Ok::<_, ConflictableTransactionError<String>>(done)
        });
        let done = self.wrote(written.map_err(Error::from))?;
        if done.changed > 0 {
            self.wrote(h.db.flush_async().await.map_err(Error::from))?;
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(done)
    }
}

impl FollowStore for Store {
    fn follow_due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<FollowEntry>> {
        let mut due: Vec<FollowEntry> = self
            .follow_entries()?
            .into_iter()
            .filter(|e| e.next_at <= now)
            .collect();
        due.sort_by_key(|e| (e.next_at, e.queued_at));
        due.truncate(limit);
        Ok(due)
    }

    fn follow_next_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.follow_entries()?.into_iter().map(|e| e.next_at).min())
    }

    fn follow_pending(&self, item_id: &str) -> Result<bool> {
        Ok(self.h()?.follow.contains_key(item_id.as_bytes())?)
    }

    async fn follow_done(
        &self,
        entry: &FollowEntry,
        followed: &Followed,
        published: Option<DateTime<FixedOffset>>,
        listed: &[Incoming],
        now: DateTime<Utc>,
        tz: FixedOffset,
    ) -> Result<FollowWrite> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let ordered = in_store_order(listed, tz);
        let ordered: Vec<&Incoming> = ordered.iter().map(|c| c.as_ref()).collect();
        let id = entry.item_id.as_bytes();
        let result = (&h.items, &h.by_date, &h.outbox, &h.gone, &h.follow).transaction(
            |(items, by_date, outbox, gone, follow)| {
                let was_queued = follow.remove(id)?.is_some();
                let mut fw = FollowWrite::default();
                if let Some(bytes) = items.get(id)? {
                    let mut item: Item = serde_json::from_slice(&bytes).map_err(abort)?;
                    item.article = Some(followed.clone());
                    fw.redated = redate(by_date, &mut item, published, tz)?;
                    items.insert(id, serde_json::to_vec(&item).map_err(abort)?)?;
                    fw.stored = true;
                }
                let trees = TxTrees {
                    items,
                    by_date,
                    outbox,
                    gone,
                    follow,
                };
                let mut new_ids = Vec::new();
                store_items(
                    &trees,
                    &entry.source_id,
                    &ordered,
                    now,
                    tz,
                    &mut fw.listed,
                    &mut new_ids,
                )?;
                Ok((fw, new_ids, was_queued))
            },
        );
        let (fw, new_ids, was_queued) = self.wrote(result.map_err(Error::from))?;
        if let Err(e) = self.wrote(h.db.flush_async().await.map_err(Error::from)) {
            self.unflushed
                .lock()
                .expect("unflushed lock poisoned")
                .extend(new_ids);
            return Err(e);
        }
        let l = &fw.listed;
        self.counts.items.fetch_add(l.new, Ordering::Relaxed);
        self.counts.outbox.fetch_add(l.queued, Ordering::Relaxed);
        self.counts.follow.fetch_add(l.followups, Ordering::Relaxed);
        if was_queued {
            self.counts.follow.fetch_sub(1, Ordering::Relaxed);
        }
        self.counts.followed.fetch_add(1, Ordering::Relaxed);
        self.changes.send_modify(|g| *g += 1);
        Ok(fw)
    }

    async fn follow_retry(&self, entry: &FollowEntry) -> Result<()> {
        let _one_writer = self.writes.lock().await;
        let h = self.w()?;
        let bytes = serde_json::to_vec(entry).expect("serialises");
        let put = h.follow.insert(entry.item_id.as_bytes(), bytes);
        let was = self.wrote(put.map_err(Error::from))?;
        self.wrote(h.db.flush_async().await.map_err(Error::from))?;
        if was.is_none() {
            self.counts.follow.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn follow_give_up(&self, entry: &FollowEntry) -> Result<()> {
        if self.follow_remove(&entry.item_id).await? {
            self.counts.given_up.fetch_add(1, Ordering::Relaxed);
            // The channel may be holding the item's message for it: wake
            // it (one more rendering of unchanged feeds is the price).
            self.changes.send_modify(|g| *g += 1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    contract::conformance::conformance!(reopen);

    /// Open the store kept in `dir`. A store dropped just before may still
    /// be locked for a moment (sled's IO threads let go of it just after
    /// the drop returns): wait for that, boundedly.
    fn reopen(dir: &Path) -> Store {
        for _ in 0..400 {
            match Store::open(&dir.join("db"), 1 << 20) {
                Err(Error::Locked { .. }) => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                r => return r.unwrap(),
            }
        }
        panic!("the store stayed locked for 2 s after its drop")
    }

    /// A quiet poll and a failed poll's state change the sled files not at
    /// all (no write for its flusher to sync); the batch writes them.
    #[tokio::test]
    async fn a_quiet_poll_leaves_sled_untouched_until_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let page = [inc(
            "https://x.vn/a",
            "A",
            Some("2025-12-23T00:00:00+07:00"),
            &["gd"],
        )];
        let st = SourceState {
            primed: true,
            ..SourceState::default()
        };
        store
            .record_poll("s", &page, &st, Utc::now(), tz())
            .await
            .unwrap();
        let h = store.h().unwrap();
        let before = h.db.checksum().unwrap();
        let quiet = SourceState {
            etag: Some("\"2\"".into()),
            ..st.clone()
        };
        let w = store
            .record_poll("s", &page, &quiet, Utc::now(), tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.already_known), (0, 1));
        let failed = SourceState {
            consecutive_failures: 1,
            ..quiet.clone()
        };
        store.put_source_state("s", &failed).unwrap();
        assert_eq!(h.db.checksum().unwrap(), before, "nothing written");
        assert_eq!(store.source_state("s").unwrap(), failed);
        assert_eq!(store.persist_states().await.unwrap(), 1);
        assert_ne!(h.db.checksum().unwrap(), before);
        let stored: SourceState =
            serde_json::from_slice(&h.sources.get("s").unwrap().unwrap()).unwrap();
        assert_eq!(stored, failed);
    }

    /// The conformance suite's item, with topics (pushed when it has some).
    fn inc(id: &str, title: &str, date: Option<&str>, topics: &[&str]) -> Incoming {
        Incoming {
            topics: topics.iter().map(|s| s.to_string()).collect(),
            ..contract::conformance::inc(id, title, date, !topics.is_empty())
        }
    }

    use contract::conformance::tz;

    /// The stored date is the same whichever source (or listing on one
    /// page) comes first: the rule of [`date_rank`].
    #[tokio::test]
    async fn the_stored_date_is_the_same_whatever_order_the_sources_come_in() {
        let dates = [
            None,
            Some("2025-12-23T00:00:00+07:00"),
            Some("2025-12-23T08:30:00+07:00"),
            Some("2025-12-23T01:30:00+00:00"),
            Some("2025-12-23T10:00:00+07:00"),
            Some("2025-12-24T06:00:00+07:00"),
        ];
        // Every rotation, forwards and backwards, one source per date; and
        // all of them listed on one page.
        let mut orders: Vec<Vec<usize>> = Vec::new();
        for r in 0..dates.len() {
            let fwd: Vec<usize> = (0..dates.len()).map(|i| (i + r) % dates.len()).collect();
            orders.push(fwd.iter().rev().copied().collect());
            orders.push(fwd);
        }
        let mut got = std::collections::HashSet::new();
        for order in &orders {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
            let st = SourceState::default();
            for (n, &i) in order.iter().enumerate() {
                let one = inc("https://x.vn/a", "A", dates[i], &[]);
                store
                    .record_poll(&format!("s{n}"), &[one], &st, Utc::now(), tz())
                    .await
                    .unwrap();
            }
            let i = store.item("https://x.vn/a").unwrap().unwrap();
            got.insert((i.published.to_rfc3339(), i.date_estimated));
            let page: Vec<Incoming> = order
                .iter()
                .map(|&i| inc("https://x.vn/b", "B", dates[i], &[]))
                .collect();
            store
                .record_poll("page", &page, &st, Utc::now(), tz())
                .await
                .unwrap();
            let i = store.item("https://x.vn/b").unwrap().unwrap();
            got.insert((i.published.to_rfc3339(), i.date_estimated));
            assert_eq!(store.check().unwrap().indexed, 2);
        }
        // 08:30 +07:00 and 01:30 UTC are one instant: the configured zone's
        // spelling wins.
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            vec![("2025-12-23T08:30:00+07:00".to_string(), false)]
        );
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
            .record_poll("s", &all, &st, Utc::now(), tz())
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
            .record_poll("s", &[old], &st, Utc::now(), tz())
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
            .record_poll("s", &all, &st, Utc::now(), tz())
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

    /// `store check` counts the follow-ups waiting and says which one does
    /// not decode.
    #[tokio::test]
    async fn check_reads_the_follow_ups() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 1 << 20).unwrap();
        let st = SourceState {
            primed: true,
            ..SourceState::default()
        };
        let page = [Incoming {
            follow: Follow::Article,
            ..inc("https://x.vn/a", "A", None, &[])
        }];
        store
            .record_poll("s", &page, &st, Utc::now(), tz())
            .await
            .unwrap();
        let c = store.check().unwrap();
        assert_eq!((c.followups, c.problems.len()), (1, 0), "{:?}", c.problems);
        store
            .h()
            .unwrap()
            .follow
            .insert("https://x.vn/b", "{")
            .unwrap();
        let c = store.check().unwrap();
        assert_eq!(c.followups, 2);
        assert_eq!(
            c.problems,
            ["the follow-up of https://x.vn/b does not decode"]
        );
    }

    /// The counters the status shows follow every set-aside change; an
    /// entry set aside before its time was recorded still reads; a message
    /// whose item retention removed stays set aside when queued again.
    #[tokio::test]
    async fn set_aside_changes_keep_the_counts_and_old_entries_read() {
        let dir = tempfile::tempdir().unwrap();
        let page = [
            inc(
                "https://x.vn/old",
                "cũ",
                Some("2024-01-01T00:00:00+07:00"),
                &["gd"],
            ),
            inc(
                "https://x.vn/a",
                "A",
                Some("2025-12-23T08:00:00+07:00"),
                &["gd"],
            ),
            inc(
                "https://x.vn/b",
                "B",
                Some("2025-12-23T09:00:00+07:00"),
                &["gd"],
            ),
        ];
        let (old, a) = {
            let store = reopen(dir.path());
            let st = SourceState::default();
            store
                .record_poll("s", &page, &st, Utc::now(), tz())
                .await
                .unwrap();
            let q = store.outbox(10).unwrap();
            store.outbox_dead(q[0].0, &q[0].1, "refused").await.unwrap();
            // As an older tinkhac wrote it: the entry and the reason only.
            let legacy = serde_json::json!({
                "item_id": q[1].1.item_id,
                "queued_at": q[1].1.queued_at,
                "attempts": 0,
                "reason": "Bad Request: message is too long",
            });
            let h = store.h().unwrap();
            h.outbox.remove(q[1].0 .0).unwrap();
            h.dead
                .insert(q[1].0 .0, serde_json::to_vec(&legacy).unwrap())
                .unwrap();
            h.db.flush().unwrap();
            (q[0].0, q[1].0)
        };
        let store = reopen(dir.path());
        assert_eq!((store.outbox_len(), store.dead_len()), (1, 2));
        let listed = store.set_aside().unwrap();
        assert_eq!(listed[1].key, a);
        assert_eq!(listed[1].title.as_deref(), Some("A"));
        assert_eq!(listed[1].reason, "Bad Request: message is too long");
        assert_eq!(listed[1].set_aside_at, None, "not recorded then");
        assert!(listed[0].set_aside_at.is_some());
        let c = store.check().unwrap();
        assert_eq!((c.set_aside, c.problems.len()), (2, 0), "{:?}", c.problems);

        // Retention removes the old item: it has nothing left to send.
        let cutoff = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(store.prune(cutoff).await.unwrap(), 1);
        assert_eq!(store.set_aside().unwrap()[0].title, None);
        let r = store.retry_set_aside(Pick::All).await.unwrap();
        assert_eq!(r.queued.iter().map(|s| s.key).collect::<Vec<_>>(), [a]);
        assert_eq!(r.kept.iter().map(|s| s.key).collect::<Vec<_>>(), [old]);
        assert_eq!((store.outbox_len(), store.dead_len()), (2, 1));
        assert_eq!(
            store.drop_set_aside(old.seq()).await.unwrap().unwrap().key,
            old
        );
        assert_eq!((store.outbox_len(), store.dead_len()), (2, 0));
        drop(store);
        let store = reopen(dir.path());
        assert_eq!((store.outbox_len(), store.dead_len()), (2, 0));
    }

    /// A set-aside record that does not decode is named by `store check`
    /// and refused by the listing, not read as something else.
    #[tokio::test]
    async fn a_damaged_set_aside_record_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = reopen(dir.path());
        store.h().unwrap().dead.insert([0u8; 16], "{").unwrap();
        assert!(matches!(store.set_aside(), Err(Error::Corrupt(_))));
        assert_eq!(
            store.check().unwrap().problems,
            ["a set-aside notification does not decode"]
        );
    }

    /// Re-tagged items are what a topic's feed lists next, in their date
    /// order (the index is untouched), and `store check` finds nothing
    /// wrong; the queue keeps only what the poll queued.
    #[tokio::test]
    async fn retagged_items_move_between_topic_feeds() {
        let dir = tempfile::tempdir().unwrap();
        let store = reopen(dir.path());
        let page = [
            inc(
                "https://x.vn/1",
                "1",
                Some("2025-12-23T08:00:00+07:00"),
                &["a"],
            ),
            inc(
                "https://x.vn/2",
                "2",
                Some("2025-12-23T09:00:00+07:00"),
                &[],
            ),
            inc(
                "https://x.vn/3",
                "3",
                Some("2025-12-23T10:00:00+07:00"),
                &["a", "b"],
            ),
        ];
        store
            .record_poll("s", &page, &SourceState::default(), Utc::now(), tz())
            .await
            .unwrap();
        let ids = |f: Filter| -> Vec<String> {
            store
                .latest(&f, 10)
                .unwrap()
                .into_iter()
                .map(|i| i.id)
                .collect()
        };
        assert_eq!(
            ids(Filter::Topic("a".into())),
            ["https://x.vn/3", "https://x.vn/1"]
        );
        let generation = store.generation();
        let w = store
            .set_topics(&[
                ("https://x.vn/1".into(), Vec::new()),
                ("https://x.vn/2".into(), vec!["a".into()]),
            ])
            .await
            .unwrap();
        assert_eq!((w.changed, w.gone.len()), (2, 0));
        assert!(store.generation() > generation);
        assert_eq!(
            ids(Filter::Topic("a".into())),
            ["https://x.vn/3", "https://x.vn/2"]
        );
        assert_eq!(ids(Filter::Topic("b".into())), ["https://x.vn/3"]);
        let check = store.check().unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_eq!((check.items, check.indexed), (3, 3));
        assert_eq!(store.outbox_len(), 2, "the poll's two, nothing more");
        // Nothing to change: the counter stays.
        let generation = store.generation();
        let w = store
            .set_topics(&[("https://x.vn/2".into(), vec!["a".into()])])
            .await
            .unwrap();
        assert_eq!(w.changed, 0);
        assert_eq!(store.generation(), generation);
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

//! The narrow interface between the store and its writers: what a poll
//! needs ([`PollStore`]), what the Telegram outbox needs ([`OutboxStore`])
//! what the follow-ups need ([`FollowStore`]), what the admin does with the
//! messages set aside ([`SetAsideStore`]), what the admin does with the
//! stored items' topics ([`TopicStore`]), and the conformance
//! suite every implementation must
//! pass. The durability each operation promises is the store module's
//! "Durability" section; the suite checks it where a test can (a reopen
//! stands for a restart, and a drop without [`PollStore::persist_states`]
//! for a crash).
//!
//! Which items are queued is not the store's choice: the pipeline marks
//! each [`Incoming`] with `push`, and the store queues the new ones so
//! marked, in the poll's transaction.

use std::future::Future;

use chrono::{DateTime, FixedOffset, Utc};
use tokio::sync::watch;

use super::{
    FollowEntry, FollowWrite, Incoming, OutboxEntry, OutboxKey, Pick, PollWrite, Result, Retagged,
    Retried, SetAside, SourceState,
};
use crate::item::{Followed, Item};

/// What a poll reads and writes.
pub trait PollStore: Send + Sync {
    /// Ok while the store can write; polls pause while it cannot.
    fn writable(&self) -> Result<()>;

    /// The source's state as the last poll left it (default when unknown).
    fn source_state(&self, id: &str) -> Result<SourceState>;

    /// Replace a source's state after a poll that stored nothing (a 304, a
    /// failure). Memory work only: it is written with the next batch.
    fn put_source_state(&self, id: &str, state: &SourceState) -> Result<()>;

    /// Store one poll: its items (new ones added, known ones merged or
    /// better dated, retention's tombstones respected), a notification for
    /// each new item marked `push`, in publication order, and the source's
    /// state, as one transaction flushed before it returns. A poll that
    /// changes no item writes nothing durable: only the state changes,
    /// as with [`PollStore::put_source_state`]. `now` and `tz` date the
    /// undated items.
    fn record_poll(
        &self,
        source_id: &str,
        incoming: &[Incoming],
        state: &SourceState,
        now: DateTime<Utc>,
        tz: FixedOffset,
    ) -> impl Future<Output = Result<PollWrite>> + Send;

    /// Write every state changed in memory since the last batch, and flush.
    /// Returns how many were written.
    fn persist_states(&self) -> impl Future<Output = Result<usize>> + Send;

    /// Resolves when a state changed in memory only (the batch writer
    /// waits on it instead of waking on a timer).
    fn states_changed(&self) -> impl Future<Output = ()> + Send;
}

/// What the Telegram outbox reads and writes.
pub trait OutboxStore: Send + Sync {
    /// Moves when items change (and so maybe the queue).
    fn subscribe(&self) -> watch::Receiver<u64>;

    /// The first `limit` notifications, oldest publication first, then in
    /// queueing order. Refused while the store cannot write: a message
    /// whose removal cannot be written must not be sent.
    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxKey, OutboxEntry)>>;

    /// A stored item.
    fn item(&self, id: &str) -> Result<Option<Item>>;

    /// Remove a notification Telegram accepted; on disk before it returns.
    fn outbox_done(&self, key: OutboxKey) -> impl Future<Output = Result<()>> + Send;

    /// Record a notification's failed sends; on disk before it returns.
    fn outbox_update(
        &self,
        key: OutboxKey,
        entry: &OutboxEntry,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Set a notification aside for good, with the reason; on disk before
    /// it returns.
    fn outbox_dead(
        &self,
        key: OutboxKey,
        entry: &OutboxEntry,
        reason: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// What the admin does with the messages [`OutboxStore::outbox_dead`] set
/// aside (the command line, the admin API and the web admin): list them,
/// queue them again, drop them. Every change is one transaction, on disk
/// before it returns, and keeps the queue's and the set-aside counts right.
pub trait SetAsideStore: Send + Sync {
    /// Every message set aside, in queue order (publication time, then
    /// queueing order), with its item's title, the reason and when.
    fn set_aside(&self) -> Result<Vec<SetAside>>;

    /// Queue set-aside messages again, in one transaction: each goes back
    /// under its own key, so it takes its place among the queue in
    /// publication order (usually first: it is older than what was queued
    /// since) and the channel sends it next; its failed sends are forgotten.
    /// One whose item is no longer stored stays set aside (`kept`). An
    /// unknown number queues nothing.
    fn retry_set_aside(&self, pick: Pick) -> impl Future<Output = Result<Retried>> + Send;

    /// Drop the set-aside message numbered `seq` for good; None when no
    /// message set aside has that number.
    fn drop_set_aside(&self, seq: u64) -> impl Future<Output = Result<Option<SetAside>>> + Send;
}

/// What the admin does with the topics of stored items (the topics page
/// applies a topic's edited rules to them).
pub trait TopicStore: Send + Sync {
    /// Give each listed stored item (by id) the listed topics instead of
    /// its own, in one transaction flushed before it returns; the feeds are
    /// rendered again. An item no longer stored is skipped and reported
    /// (`gone`); one whose topics are already these is left as it is. It
    /// never queues a notification: the Telegram channel sends only items
    /// that appear new, so an old item that joins a topic is not sent.
    fn set_topics(
        &self,
        topics: &[(String, Vec<String>)],
    ) -> impl Future<Output = Result<Retagged>> + Send;
}

/// What the follow-ups read and write. A new item is queued for its
/// follow-up by [`PollStore::record_poll`] (an [`Incoming`] marked
/// `follow`), in the poll's transaction.
pub trait FollowStore: Send + Sync {
    /// The follow-ups due at `now` (their backoff over), at most `limit`,
    /// the longest due first. Refused while the store cannot write.
    fn follow_due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<FollowEntry>>;

    /// When the next follow-up falls due; None when none waits.
    fn follow_next_at(&self) -> Result<Option<DateTime<Utc>>>;

    /// True while the item's follow-up waits (the channel holds its
    /// message for it, boundedly).
    fn follow_pending(&self, item_id: &str) -> Result<bool>;

    /// Finish a follow-up, as one transaction on disk before it returns:
    /// the item gains `followed`, its date takes `published` when that
    /// ranks better (the rule a poll's dates follow), the items of the
    /// article's own list (`listed`) are stored as a poll of the entry's
    /// source stores them (with their notifications and follow-ups), and
    /// the follow-up leaves the queue. An item retention removed meanwhile
    /// is not brought back.
    #[allow(clippy::too_many_arguments)]
    fn follow_done(
        &self,
        entry: &FollowEntry,
        followed: &Followed,
        published: Option<DateTime<FixedOffset>>,
        listed: &[Incoming],
        now: DateTime<Utc>,
        tz: FixedOffset,
    ) -> impl Future<Output = Result<FollowWrite>> + Send;

    /// Record a failed attempt (its `attempts`, `next_at`, `last_error`);
    /// on disk before it returns.
    fn follow_retry(&self, entry: &FollowEntry) -> impl Future<Output = Result<()>> + Send;

    /// Give a follow-up up for good (the item keeps its teaser); on disk
    /// before it returns.
    fn follow_give_up(&self, entry: &FollowEntry) -> impl Future<Output = Result<()>> + Send;
}

/// The conformance suite: `conformance!(module_name, open)` makes one test
/// per check, where `open(&Path)` opens (or reopens) an implementation kept
/// at that path.
#[cfg(test)]
pub(crate) mod conformance {
    use std::path::Path;

    use chrono::{DateTime, FixedOffset, Utc};
    use url::Url;

    use super::{FollowStore, OutboxStore, PollStore, SetAsideStore, TopicStore};
    use crate::item::{Followed, Harvested};
    use crate::store::{Follow, FollowEntry, Incoming, Pick, SourceState};

    /// A store kept at a path, opened again by the same function.
    pub trait Open<S>: Fn(&Path) -> S {}
    impl<S, F: Fn(&Path) -> S> Open<S> for F {}

    pub fn inc(id: &str, title: &str, date: Option<&str>, push: bool) -> Incoming {
        Incoming {
            id: id.to_string(),
            harvested: Harvested {
                title: title.to_string(),
                link: Some(Url::parse(id).unwrap()),
                guid: None,
                summary: None,
                published: date.map(|d| DateTime::parse_from_rfc3339(d).unwrap()),
            },
            topics: Vec::new(),
            push,
            follow: crate::store::Follow::No,
        }
    }

    pub fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn primed() -> SourceState {
        SourceState {
            primed: true,
            ..SourceState::default()
        }
    }

    fn queued_ids<S: OutboxStore>(s: &S) -> Vec<String> {
        s.outbox(100)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e.item_id)
            .collect()
    }

    pub async fn items_dedupe_across_sources<S: PollStore + OutboxStore>(open: impl Open<S>) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let a = inc(
            "https://x.vn/a",
            "A",
            Some("2025-12-22T00:00:00+07:00"),
            true,
        );
        let b = inc(
            "https://x.vn/b",
            "B",
            Some("2025-12-23T00:00:00+07:00"),
            false,
        );
        let now = Utc::now();
        let w = store
            .record_poll("s1", &[a.clone(), b.clone()], &primed(), now, tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.already_known, w.queued), (2, 0, 1));
        let w = store
            .record_poll("s2", &[b.clone(), a], &primed(), now, tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.already_known, w.merged, w.queued), (0, 2, 2, 0));
        assert_eq!(
            store.item("https://x.vn/b").unwrap().unwrap().sources,
            ["s1", "s2"]
        );
        assert_eq!(queued_ids(&store), ["https://x.vn/a"], "queued once");
        assert_eq!(store.item("https://x.vn/none").unwrap(), None);
    }

    pub async fn new_items_marked_push_are_queued_in_publication_order<
        S: PollStore + OutboxStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let page = [
            inc(
                "https://x.vn/new",
                "new",
                Some("2025-12-23T09:00:00+07:00"),
                true,
            ),
            inc(
                "https://x.vn/other",
                "o",
                Some("2025-12-23T08:00:00+07:00"),
                false,
            ),
            inc(
                "https://x.vn/old",
                "old",
                Some("2025-12-22T09:00:00+07:00"),
                true,
            ),
        ];
        let w = store
            .record_poll("s", &page, &primed(), Utc::now(), tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.queued), (3, 2));
        assert_eq!(queued_ids(&store), ["https://x.vn/old", "https://x.vn/new"]);
    }

    pub async fn undated_items_keep_their_first_seen_time<S: PollStore + OutboxStore>(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let first = DateTime::parse_from_rfc3339("2025-12-23T01:00:00Z")
            .unwrap()
            .to_utc();
        let x = inc("https://x.vn/x", "X", None, false);
        let st = primed();
        store
            .record_poll("s", std::slice::from_ref(&x), &st, first, tz())
            .await
            .unwrap();
        store
            .record_poll("s", &[x], &st, first + chrono::Duration::hours(5), tz())
            .await
            .unwrap();
        let item = store.item("https://x.vn/x").unwrap().unwrap();
        assert_eq!(item.published.to_rfc3339(), "2025-12-23T08:00:00+07:00");
        assert!(item.date_estimated);
    }

    pub async fn a_more_precise_date_seen_later_improves_the_stored_one<
        S: PollStore + OutboxStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let st = primed();
        let at = |d: Option<&str>| inc("https://x.vn/a", "A", d, false);
        let date = |s: &S| {
            let i = s.item("https://x.vn/a").unwrap().unwrap();
            (i.published.to_rfc3339(), i.date_estimated)
        };
        let now = Utc::now();
        store
            .record_poll("s1", &[at(None)], &st, now, tz())
            .await
            .unwrap();
        assert!(date(&store).1, "first seen: estimated");
        let day = at(Some("2025-12-23T00:00:00+07:00"));
        let w = store
            .record_poll("s2", std::slice::from_ref(&day), &st, now, tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.redated), (0, 1));
        assert_eq!(date(&store), ("2025-12-23T00:00:00+07:00".into(), false));
        let timed = at(Some("2025-12-23T08:30:00+07:00"));
        store
            .record_poll("s3", &[timed], &st, now, tz())
            .await
            .unwrap();
        assert_eq!(date(&store).0, "2025-12-23T08:30:00+07:00");
        // Less precise the same day, a later day, a later time: kept.
        for worse in [
            day,
            at(Some("2025-12-24T07:00:00+07:00")),
            at(Some("2025-12-23T09:00:00+07:00")),
        ] {
            let w = store
                .record_poll("s4", &[worse], &st, now, tz())
                .await
                .unwrap();
            assert_eq!(w.redated, 0);
            assert_eq!(date(&store).0, "2025-12-23T08:30:00+07:00");
        }
        // An earlier day wins, even as a date alone (the rule is the same
        // whichever source comes first).
        let w = store
            .record_poll(
                "s5",
                &[at(Some("2025-12-20T00:00:00+07:00"))],
                &st,
                now,
                tz(),
            )
            .await
            .unwrap();
        assert_eq!(w.redated, 1);
        assert_eq!(date(&store).0, "2025-12-20T00:00:00+07:00");
    }

    /// A poll's items and notifications survive a restart with no
    /// shutdown (the store dropped without persisting the states).
    pub async fn a_recorded_poll_survives_a_crash<S: PollStore + OutboxStore>(open: impl Open<S>) {
        let dir = tempfile::tempdir().unwrap();
        let page = [
            inc(
                "https://x.vn/1",
                "1",
                Some("2025-12-23T09:00:00+07:00"),
                true,
            ),
            inc(
                "https://x.vn/2",
                "2",
                Some("2025-12-23T10:00:00+07:00"),
                false,
            ),
        ];
        let st = SourceState {
            etag: Some("\"v1\"".into()),
            ..primed()
        };
        {
            let store = open(dir.path());
            store
                .record_poll("s", &page, &st, Utc::now(), tz())
                .await
                .unwrap();
        }
        let store = open(dir.path());
        assert!(store.item("https://x.vn/2").unwrap().is_some());
        assert_eq!(queued_ids(&store), ["https://x.vn/1"]);
        assert_eq!(
            store.source_state("s").unwrap(),
            st,
            "the state went with the poll's transaction"
        );
    }

    /// A quiet poll (a 304, or a page of known items) changes the state in
    /// memory at once; a crash before the batch loses only that state (the
    /// old validators: one more full fetch), never an item or a message, and
    /// the full fetch that follows stores nothing twice.
    pub async fn a_quiet_poll_lost_in_a_crash_costs_one_full_fetch<S: PollStore + OutboxStore>(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let page = [
            inc(
                "https://x.vn/1",
                "1",
                Some("2025-12-23T09:00:00+07:00"),
                true,
            ),
            inc(
                "https://x.vn/2",
                "2",
                Some("2025-12-23T10:00:00+07:00"),
                true,
            ),
        ];
        let v1 = SourceState {
            etag: Some("\"v1\"".into()),
            polls: 1,
            ..primed()
        };
        let v2 = SourceState {
            etag: Some("\"v2\"".into()),
            polls: 2,
            ..primed()
        };
        {
            let store = open(dir.path());
            store
                .record_poll("s", &page, &v1, Utc::now(), tz())
                .await
                .unwrap();
            let w = store
                .record_poll("s", &page, &v2, Utc::now(), tz())
                .await
                .unwrap();
            assert_eq!((w.new, w.queued, w.already_known), (0, 0, 2));
            assert_eq!(store.source_state("s").unwrap(), v2, "read back at once");
            let v3 = SourceState {
                polls: 3,
                ..v2.clone()
            };
            store.put_source_state("s", &v3).unwrap();
            assert_eq!(store.source_state("s").unwrap(), v3);
            // Killed here: no persist_states, no shutdown.
        }
        let store = open(dir.path());
        let st = store.source_state("s").unwrap();
        assert_eq!(st, v1, "the state of the last stored poll");
        assert_eq!(queued_ids(&store), ["https://x.vn/1", "https://x.vn/2"]);
        // The conditional request goes with the older ETag, so the portal
        // answers in full: every item is known, nothing queued again.
        let w = store
            .record_poll("s", &page, &v2, Utc::now(), tz())
            .await
            .unwrap();
        assert_eq!((w.new, w.queued, w.already_known), (0, 0, 2));
        assert_eq!(queued_ids(&store).len(), 2);
    }

    /// Batched states are written by `persist_states` and survive a crash
    /// after it.
    pub async fn persisted_states_survive_a_crash<S: PollStore + OutboxStore>(open: impl Open<S>) {
        let dir = tempfile::tempdir().unwrap();
        let st = SourceState {
            etag: Some("\"e\"".into()),
            last_modified: Some("Tue, 23 Dec 2025 01:00:00 GMT".into()),
            consecutive_failures: 2,
            ..primed()
        };
        {
            let store = open(dir.path());
            store.put_source_state("a", &st).unwrap();
            store.put_source_state("b", &st).unwrap();
            assert_eq!(store.persist_states().await.unwrap(), 2);
            assert_eq!(store.persist_states().await.unwrap(), 0, "nothing new");
        }
        let store = open(dir.path());
        assert_eq!(store.source_state("a").unwrap(), st);
        assert_eq!(store.source_state("b").unwrap(), st);
        assert_eq!(store.source_state("c").unwrap(), SourceState::default());
    }

    /// A source's first harvest marks it primed durably even when it found
    /// nothing: after a crash, its next items are news, not a backlog.
    pub async fn priming_is_never_only_in_memory<S: PollStore + OutboxStore>(open: impl Open<S>) {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            store
                .record_poll("s", &[], &primed(), Utc::now(), tz())
                .await
                .unwrap();
        }
        let store = open(dir.path());
        assert!(store.source_state("s").unwrap().primed);
    }

    /// Outbox changes are on disk when they return, and sequence numbers
    /// only grow, across restarts too.
    pub async fn outbox_changes_are_durable_and_ids_monotonic<S: PollStore + OutboxStore>(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let same_time = Some("2025-12-23T09:00:00+07:00");
        let first_keys;
        {
            let store = open(dir.path());
            let page = [
                inc("https://x.vn/1", "1", same_time, true),
                inc("https://x.vn/2", "2", same_time, true),
                inc("https://x.vn/3", "3", same_time, true),
            ];
            store
                .record_poll("s", &page, &primed(), Utc::now(), tz())
                .await
                .unwrap();
            let q = store.outbox(10).unwrap();
            assert_eq!(q.len(), 3);
            first_keys = q.iter().map(|(k, _)| *k).collect::<Vec<_>>();
            store.outbox_done(q[0].0).await.unwrap();
            let mut e = q[1].1.clone();
            e.attempts = 1;
            store.outbox_update(q[1].0, &e).await.unwrap();
            store.outbox_dead(q[2].0, &q[2].1, "refused").await.unwrap();
        }
        let store = open(dir.path());
        let q = store.outbox(10).unwrap();
        assert_eq!(q.len(), 1, "done and dead entries stay gone");
        assert_eq!(
            (q[0].1.item_id.as_str(), q[0].1.attempts),
            ("https://x.vn/2", 1)
        );
        store
            .record_poll(
                "s",
                &[inc("https://x.vn/4", "4", same_time, true)],
                &primed(),
                Utc::now(),
                tz(),
            )
            .await
            .unwrap();
        let q = store.outbox(10).unwrap();
        assert_eq!(q.len(), 2);
        let seq = q[1].0.seq();
        assert!(
            first_keys.iter().all(|k| k.seq() < seq),
            "a later entry's id is larger than every earlier one's"
        );
        assert_eq!(
            q[1].1.item_id, "https://x.vn/4",
            "same time: queueing order"
        );
    }

    fn followed(text: &str) -> Incoming {
        Incoming {
            follow: Follow::Article,
            ..inc(
                &format!("https://x.vn/{text}"),
                text,
                Some("2025-12-23T00:00:00+07:00"),
                true,
            )
        }
    }

    fn due_ids<S: FollowStore>(s: &S, now: DateTime<Utc>) -> Vec<String> {
        s.follow_due(now, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.item_id)
            .collect()
    }

    /// A new item marked `follow` is queued for its follow-up in the poll's
    /// transaction (a crash right after keeps it), once, with its source;
    /// a known item, an item not marked and an item with no link are not.
    pub async fn new_items_marked_follow_are_queued_with_the_poll<
        S: PollStore + OutboxStore + FollowStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let mut no_link = followed("c");
        no_link.id = "title:s:c".into();
        no_link.harvested.link = None;
        {
            let store = open(dir.path());
            let page = [
                followed("a"),
                inc("https://x.vn/b", "b", None, false),
                no_link,
            ];
            let w = store
                .record_poll("s", &page, &primed(), now, tz())
                .await
                .unwrap();
            assert_eq!((w.new, w.followups), (3, 1));
            let again = store
                .record_poll("s2", &[followed("a")], &primed(), now, tz())
                .await
                .unwrap();
            assert_eq!((again.new, again.followups), (0, 0), "known: not again");
        }
        let store = open(dir.path());
        let due = store.follow_due(now, 10).unwrap();
        assert_eq!(due.len(), 1);
        let e = &due[0];
        assert_eq!(
            (e.item_id.as_str(), e.source_id.as_str(), e.url.as_str()),
            ("https://x.vn/a", "s", "https://x.vn/a")
        );
        assert!(e.other_news && e.attempts == 0);
        assert!(store.follow_pending("https://x.vn/a").unwrap());
        assert!(!store.follow_pending("https://x.vn/b").unwrap());
        assert_eq!(store.follow_next_at().unwrap(), Some(e.next_at));
    }

    /// A finished follow-up is one transaction: after a crash the item has
    /// its article and its better date, the article's list is stored (its
    /// new items queued for their text only: one hop) and the follow-up
    /// is gone, so it never runs again.
    pub async fn a_finished_follow_up_is_stored_once_and_survives_a_crash<
        S: PollStore + OutboxStore + FollowStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let article = Followed {
            text_html: Some("<p>Toàn văn</p>".into()),
            byline: Some("Minh Anh".into()),
            ..Followed::default()
        };
        let listed = [
            Incoming {
                follow: Follow::TextOnly,
                ..inc(
                    "https://x.vn/d",
                    "d",
                    Some("2025-12-22T00:00:00+07:00"),
                    true,
                )
            },
            Incoming {
                follow: Follow::TextOnly,
                ..inc("https://x.vn/a", "a again", None, false)
            },
        ];
        {
            let store = open(dir.path());
            store
                .record_poll("s", &[followed("a")], &primed(), now, tz())
                .await
                .unwrap();
            let entry = store.follow_due(now, 1).unwrap().remove(0);
            let at = DateTime::parse_from_rfc3339("2025-12-23T08:30:00+07:00").unwrap();
            let w = store
                .follow_done(&entry, &article, Some(at), &listed, now, tz())
                .await
                .unwrap();
            assert!(w.stored && w.redated);
            assert_eq!(
                (
                    w.listed.new,
                    w.listed.already_known,
                    w.listed.followups,
                    w.listed.queued
                ),
                (1, 1, 1, 1)
            );
            // Killed here: no shutdown.
        }
        let store = open(dir.path());
        let a = store.item("https://x.vn/a").unwrap().unwrap();
        assert_eq!(a.article.as_ref(), Some(&article));
        assert_eq!(a.published.to_rfc3339(), "2025-12-23T08:30:00+07:00");
        assert_eq!(a.title, "a", "a known item listed again is not changed");
        assert!(!store.follow_pending("https://x.vn/a").unwrap());
        let d = store.item("https://x.vn/d").unwrap().unwrap();
        assert_eq!(
            d.sources,
            ["s"],
            "the article's list is its source's harvest"
        );
        let due = store.follow_due(now, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].item_id, "https://x.vn/d");
        assert!(!due[0].other_news, "one hop: its own list is not harvested");
        // In publication order: d (22/12) before a (23/12).
        assert_eq!(queued_ids(&store), ["https://x.vn/d", "https://x.vn/a"]);
        // A later, worse time does not undo the better date.
        let entry = due[0].clone();
        let later = DateTime::parse_from_rfc3339("2025-12-24T09:00:00+07:00").unwrap();
        let w = store
            .follow_done(&entry, &Followed::default(), Some(later), &[], now, tz())
            .await
            .unwrap();
        assert!(w.stored && !w.redated);
        assert_eq!(
            store
                .item("https://x.vn/d")
                .unwrap()
                .unwrap()
                .published
                .to_rfc3339(),
            "2025-12-22T00:00:00+07:00"
        );
        assert!(store.follow_due(now, 10).unwrap().is_empty());
    }

    /// A failed attempt waits for its next time, across a restart; a
    /// follow-up given up leaves the queue and the item as it was.
    pub async fn a_failed_follow_up_waits_and_one_given_up_leaves_the_item_as_it_was<
        S: PollStore + OutboxStore + FollowStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(5);
        {
            let store = open(dir.path());
            store
                .record_poll("s", &[followed("a"), followed("b")], &primed(), now, tz())
                .await
                .unwrap();
            let mut e: FollowEntry = store.follow_due(now, 10).unwrap().remove(0);
            e.attempts = 1;
            e.next_at = later;
            e.last_error = Some("HTTP status 503".into());
            store.follow_retry(&e).await.unwrap();
        }
        let store = open(dir.path());
        let due = due_ids(&store, now);
        assert_eq!(due.len(), 1, "the failed one waits: {due:?}");
        assert_eq!(store.follow_next_at().unwrap(), Some(now));
        let both = store.follow_due(later, 10).unwrap();
        assert_eq!(both.len(), 2);
        let failed = both
            .iter()
            .find(|e| e.attempts == 1)
            .expect("kept its attempts");
        assert_eq!(failed.last_error.as_deref(), Some("HTTP status 503"));
        assert_eq!(both[1].next_at, later, "the longest due first");
        store.follow_give_up(failed).await.unwrap();
        assert!(!store.follow_pending(&failed.item_id).unwrap());
        assert_eq!(store.follow_due(later, 10).unwrap().len(), 1);
        let item = store.item(&failed.item_id).unwrap().unwrap();
        assert!(item.article.is_none(), "keeps its teaser");
        drop(store);
        let store = open(dir.path());
        assert_eq!(
            store.follow_due(later, 10).unwrap().len(),
            1,
            "given up for good"
        );
    }

    fn set_aside_ids<S: SetAsideStore>(s: &S) -> Vec<String> {
        s.set_aside()
            .unwrap()
            .into_iter()
            .map(|e| e.item_id)
            .collect()
    }

    /// A message set aside is listed with its title, its reason and when;
    /// queued again it goes back to its own place in the queue (ahead of
    /// later publications), with its failed sends forgotten; dropped it is
    /// gone for good. Each change survives a crash right after it.
    pub async fn set_aside_messages_are_listed_queued_again_and_dropped<
        S: PollStore + OutboxStore + SetAsideStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let before = Utc::now();
        let (first, second, third);
        {
            let store = open(dir.path());
            let page = [
                inc(
                    "https://x.vn/1",
                    "một",
                    Some("2025-12-23T08:00:00+07:00"),
                    true,
                ),
                inc(
                    "https://x.vn/2",
                    "hai",
                    Some("2025-12-23T09:00:00+07:00"),
                    true,
                ),
                inc(
                    "https://x.vn/3",
                    "ba",
                    Some("2025-12-23T10:00:00+07:00"),
                    true,
                ),
                inc(
                    "https://x.vn/4",
                    "bốn",
                    Some("2025-12-23T11:00:00+07:00"),
                    true,
                ),
            ];
            store
                .record_poll("s", &page, &primed(), before, tz())
                .await
                .unwrap();
            let q = store.outbox(10).unwrap();
            (first, second, third) = (q[0].0, q[1].0, q[2].0);
            let mut timed_out = q[0].1.clone();
            timed_out.attempts = 2;
            store
                .outbox_dead(first, &timed_out, "no answer")
                .await
                .unwrap();
            store
                .outbox_dead(second, &q[1].1, "Bad Request: message is too long")
                .await
                .unwrap();
            store
                .outbox_dead(third, &q[2].1, "Bad Request: x")
                .await
                .unwrap();
            // Killed here.
        }
        let store = open(dir.path());
        let after = Utc::now();
        let listed = store.set_aside().unwrap();
        assert_eq!(set_aside_ids(&store).len(), 3);
        let one = &listed[0];
        assert_eq!(one.key, first);
        assert_eq!(
            (
                one.item_id.as_str(),
                one.title.as_deref(),
                one.reason.as_str()
            ),
            ("https://x.vn/1", Some("một"), "no answer")
        );
        assert_eq!((one.queued_at, one.attempts), (before, 2));
        let at = one.set_aside_at.expect("when it was set aside");
        assert!(before <= at && at <= after, "{at}");
        assert_eq!(listed[1].reason, "Bad Request: message is too long");
        assert_eq!(queued_ids(&store), ["https://x.vn/4"]);

        // An unknown number changes nothing.
        let r = store.retry_set_aside(Pick::One(u64::MAX)).await.unwrap();
        assert!(r.queued.is_empty() && r.kept.is_empty());
        assert_eq!(store.drop_set_aside(u64::MAX).await.unwrap(), None);

        // The first again: ahead of the later publication still queued.
        let r = store.retry_set_aside(Pick::One(first.seq())).await.unwrap();
        assert_eq!(r.queued.len(), 1);
        assert_eq!(r.queued[0].key, first);
        assert!(r.kept.is_empty());
        let q = store.outbox(10).unwrap();
        assert_eq!(
            q.iter().map(|(k, _)| *k).collect::<Vec<_>>()[0],
            first,
            "its own place"
        );
        assert_eq!(queued_ids(&store), ["https://x.vn/1", "https://x.vn/4"]);
        assert_eq!(q[0].1.attempts, 0, "its failed sends are forgotten");
        assert_eq!(q[0].1.queued_at, before);
        assert_eq!(set_aside_ids(&store), ["https://x.vn/2", "https://x.vn/3"]);

        // Drop the third for good.
        let dropped = store.drop_set_aside(third.seq()).await.unwrap();
        assert_eq!(
            dropped.map(|d| d.item_id).as_deref(),
            Some("https://x.vn/3")
        );
        assert_eq!(store.drop_set_aside(third.seq()).await.unwrap(), None);
        drop(store);

        let store = open(dir.path());
        assert_eq!(set_aside_ids(&store), ["https://x.vn/2"]);
        assert_eq!(queued_ids(&store), ["https://x.vn/1", "https://x.vn/4"]);
        // All of them: the second goes back between the first and the fourth.
        let r = store.retry_set_aside(Pick::All).await.unwrap();
        assert_eq!(r.queued.len(), 1);
        assert!(store.set_aside().unwrap().is_empty());
        drop(store);
        let store = open(dir.path());
        assert!(store.set_aside().unwrap().is_empty());
        assert_eq!(
            queued_ids(&store),
            ["https://x.vn/1", "https://x.vn/2", "https://x.vn/4"]
        );
    }

    /// Stored items take the topics given, in one transaction that survives
    /// a crash right after it; an item that is not stored is reported and
    /// not created; nothing is queued for the channel; the feeds' counter
    /// moves.
    pub async fn set_topics_retags_stored_items_durably_and_queues_nothing<
        S: PollStore + OutboxStore + TopicStore,
    >(
        open: impl Open<S>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let topics = |s: &S, id: &str| s.item(id).unwrap().unwrap().topics;
        {
            let store = open(dir.path());
            let mut a = inc("https://x.vn/a", "a", None, false);
            a.topics = vec!["y-te".into(), "giao-duc".into()];
            let b = inc("https://x.vn/b", "b", None, false);
            let c = inc("https://x.vn/c", "c", None, false);
            store
                .record_poll("s", &[a, b, c], &primed(), Utc::now(), tz())
                .await
                .unwrap();
            let changes = store.subscribe();
            let before = *changes.borrow();
            let w = store
                .set_topics(&[
                    ("https://x.vn/a".into(), vec!["y-te".into()]),
                    ("https://x.vn/b".into(), vec!["giao-duc".into()]),
                    ("https://x.vn/c".into(), Vec::new()),
                    ("https://x.vn/none".into(), vec!["giao-duc".into()]),
                ])
                .await
                .unwrap();
            assert_eq!(w.changed, 2, "c already had no topic");
            assert_eq!(w.gone, ["https://x.vn/none"]);
            assert!(*changes.borrow() > before, "the feeds are rendered again");
            // Killed here.
        }
        let store = open(dir.path());
        assert_eq!(topics(&store, "https://x.vn/a"), ["y-te"]);
        assert_eq!(topics(&store, "https://x.vn/b"), ["giao-duc"]);
        assert!(topics(&store, "https://x.vn/c").is_empty());
        assert_eq!(store.item("https://x.vn/none").unwrap(), None);
        assert!(queued_ids(&store).is_empty(), "nothing queued");
        let w = store.set_topics(&[]).await.unwrap();
        assert_eq!((w.changed, w.gone.len()), (0, 0));
    }

    /// One `#[tokio::test]` per check, against `$open`.
    macro_rules! conformance {
        ($open:expr) => {
            crate::store::contract::conformance::conformance!(@tests $open;
                items_dedupe_across_sources,
                new_items_marked_push_are_queued_in_publication_order,
                undated_items_keep_their_first_seen_time,
                a_more_precise_date_seen_later_improves_the_stored_one,
                a_recorded_poll_survives_a_crash,
                a_quiet_poll_lost_in_a_crash_costs_one_full_fetch,
                persisted_states_survive_a_crash,
                priming_is_never_only_in_memory,
                outbox_changes_are_durable_and_ids_monotonic,
                new_items_marked_follow_are_queued_with_the_poll,
                a_finished_follow_up_is_stored_once_and_survives_a_crash,
                a_failed_follow_up_waits_and_one_given_up_leaves_the_item_as_it_was,
                set_aside_messages_are_listed_queued_again_and_dropped,
                set_topics_retags_stored_items_durably_and_queues_nothing,
            );
        };
        (@tests $open:expr; $($name:ident),* $(,)?) => {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::store::contract::conformance::$name($open).await;
                }
            )*
        };
    }
    pub(crate) use conformance;
}

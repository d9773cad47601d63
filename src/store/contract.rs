//! The narrow interface between the store and its two writers: what a poll
//! needs ([`PollStore`]) and what the Telegram outbox needs
//! ([`OutboxStore`]), and the conformance suite every implementation must
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

use super::{Incoming, OutboxEntry, OutboxKey, PollWrite, Result, SourceState};
use crate::item::Item;

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

/// The conformance suite: `conformance!(module_name, open)` makes one test
/// per check, where `open(&Path)` opens (or reopens) an implementation kept
/// at that path.
#[cfg(test)]
pub(crate) mod conformance {
    use std::path::Path;

    use chrono::{DateTime, FixedOffset, Utc};
    use url::Url;

    use super::{OutboxStore, PollStore};
    use crate::item::Harvested;
    use crate::store::{Incoming, SourceState};

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

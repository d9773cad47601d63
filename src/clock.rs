//! The daemon's idea of the time: the local clock, cross-checked against the
//! `Date` headers of the portals' own answers.
//!
//! Retention deletes for good and "too far in the future" re-dates items, so
//! neither may trust a local clock that runs wrong. The fetcher hands every
//! answer's `Date` to [`Clock::observe`]; the clock keeps the latest offset
//! (portal time minus local time) of each of the last [`HOSTS_KEPT`] hosts
//! and judges by their median, which one portal with a wrong clock cannot
//! move. When the median is more than [`MAX_SKEW`] off, retention pauses and
//! `/healthz` says why. This module never sets any clock, and every function
//! that needs "now" is given it, so tests need no clock of their own.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, AGE, DATE};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// How far the local clock may be from the portals' before retention pauses.
pub const MAX_SKEW: Duration = Duration::from_secs(3600);

/// Hosts whose latest offset is kept (the most recently heard from).
pub const HOSTS_KEPT: usize = 32;

/// What the clock can say of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockState {
    /// No portal has told the time yet.
    Unchecked,
    /// The local clock is within [`MAX_SKEW`] of the portals'.
    Agrees,
    /// The local clock and the portals' are further apart than that.
    Disagrees,
}

/// The clock check as the status report and `/healthz` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReport {
    pub state: ClockState,
    /// Median of (portal time - local time) over the hosts, in seconds:
    /// negative when the local clock is ahead.
    pub offset_seconds: Option<i64>,
    /// How many hosts the median is over.
    pub hosts: usize,
    /// Why the clock is not trusted, in words for the admin.
    pub reason: Option<String>,
}

/// The local clock and what the portals think of it. Shared by the fetcher
/// (which observes) and the retention task and health (which ask).
#[derive(Debug)]
pub struct Clock {
    /// (host, offset in seconds), most recently heard from last.
    offsets: Mutex<VecDeque<(String, i64)>>,
    /// Counts observations, so that a task waiting for a verdict wakes.
    observed: watch::Sender<u64>,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            offsets: Mutex::new(VecDeque::new()),
            observed: watch::Sender::new(0),
        }
    }

    /// Note an answer from `host`: its `Date` header (plus `Age`, for an
    /// answer a cache kept) against `local_now`, the local time it arrived.
    /// Answers without a readable `Date` are ignored.
    pub fn observe(&self, host: &str, headers: &HeaderMap, local_now: DateTime<Utc>) {
        let Some(date) = headers
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
        else {
            return;
        };
        let age = headers
            .get(AGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
            .clamp(0, 365 * 86_400);
        let portal_now = date.with_timezone(&Utc) + chrono::Duration::seconds(age);
        self.observe_time(host, portal_now, local_now);
    }

    /// Note that `host` said it was `portal_now` when the local clock said
    /// `local_now`.
    pub fn observe_time(&self, host: &str, portal_now: DateTime<Utc>, local_now: DateTime<Utc>) {
        let offset = (portal_now - local_now).num_seconds();
        {
            let mut offsets = self.offsets.lock().expect("clock poisoned");
            offsets.retain(|(h, _)| h != host);
            offsets.push_back((host.to_string(), offset));
            while offsets.len() > HOSTS_KEPT {
                offsets.pop_front();
            }
        }
        self.observed.send_modify(|n| *n += 1);
    }

    /// Wakes at every observation.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.observed.subscribe()
    }

    /// The median offset (portal minus local) and how many hosts it is over.
    fn median(&self) -> Option<(chrono::Duration, usize)> {
        let mut v: Vec<i64> = self
            .offsets
            .lock()
            .expect("clock poisoned")
            .iter()
            .map(|(_, o)| *o)
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let n = v.len();
        let m = if n % 2 == 1 {
            v[n / 2]
        } else {
            // The mean of the two middle ones: with two hosts that disagree,
            // neither alone decides.
            (v[n / 2 - 1] + v[n / 2]) / 2
        };
        Some((chrono::Duration::seconds(m), n))
    }

    /// What the check says now. `retention`: whether `[storage] retention`
    /// is set, so that the reason says what is paused.
    pub fn report(&self, retention: bool) -> ClockReport {
        let Some((offset, hosts)) = self.median() else {
            return ClockReport {
                state: ClockState::Unchecked,
                offset_seconds: None,
                hosts: 0,
                reason: None,
            };
        };
        let skew = chrono::Duration::from_std(MAX_SKEW).expect("an hour fits");
        if offset.abs() <= skew {
            return ClockReport {
                state: ClockState::Agrees,
                offset_seconds: Some(offset.num_seconds()),
                hosts,
                reason: None,
            };
        }
        let direction = if offset < chrono::Duration::zero() {
            "ahead of"
        } else {
            "behind"
        };
        let what = if retention {
            "retention is paused until they agree within an hour: check the system clock (NTP)"
        } else {
            "check the system clock (NTP)"
        };
        ClockReport {
            state: ClockState::Disagrees,
            offset_seconds: Some(offset.num_seconds()),
            hosts,
            reason: Some(format!(
                "the local clock is {} {direction} the portals' clocks (median of the Date headers of {hosts} host{}); {what}",
                span(offset.abs()),
                if hosts == 1 { "" } else { "s" },
            )),
        }
    }

    /// The cutoff of a retention of `keep` at `local_now`, or, when the
    /// clock is unchecked or disagrees, the report that says why not.
    pub fn retention_cutoff(
        &self,
        local_now: DateTime<Utc>,
        keep: Duration,
    ) -> Result<DateTime<Utc>, ClockReport> {
        let report = self.report(true);
        if report.state != ClockState::Agrees {
            return Err(report);
        }
        let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
        Ok(local_now
            .checked_sub_signed(keep)
            .unwrap_or(DateTime::<Utc>::MIN_UTC))
    }

    /// The time against which "dated in the future" is judged: the later of
    /// the local clock and the portals' (median), so that neither a local
    /// clock running behind nor one portal's wrong clock re-dates real items.
    pub fn latest_now(&self, local_now: DateTime<Utc>) -> DateTime<Utc> {
        match self.median() {
            Some((offset, _)) if offset > chrono::Duration::zero() => {
                local_now.checked_add_signed(offset).unwrap_or(local_now)
            }
            _ => local_now,
        }
    }
}

/// "2 years 0 days", "3 h 5 min": a skew in words an admin reads at a glance.
fn span(d: chrono::Duration) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let days = secs / 86_400;
    if days >= 365 {
        format!("{} years {} days", days / 365, days % 365)
    } else if days >= 1 {
        format!("{days} days {} h", (secs % 86_400) / 3600)
    } else {
        format!("{} h {} min", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const KEEP: Duration = Duration::from_secs(400 * 86_400);

    #[test]
    fn unchecked_until_a_portal_tells_the_time() {
        let c = Clock::new();
        let now = at("2027-12-01T00:00:00Z");
        assert_eq!(c.report(true).state, ClockState::Unchecked);
        assert!(c.retention_cutoff(now, KEEP).is_err());
        // An answer without a Date tells nothing.
        c.observe("a.vn", &HeaderMap::new(), now);
        assert_eq!(c.report(true).state, ClockState::Unchecked);
    }

    #[test]
    fn date_headers_with_age_are_read() {
        let c = Clock::new();
        let mut h = HeaderMap::new();
        h.insert(
            DATE,
            HeaderValue::from_static("Wed, 01 Dec 2027 00:00:00 GMT"),
        );
        h.insert(AGE, HeaderValue::from_static("600"));
        c.observe("a.vn", &h, at("2027-12-01T00:10:30Z"));
        let r = c.report(false);
        assert_eq!((r.state, r.offset_seconds), (ClockState::Agrees, Some(-30)));
    }

    #[test]
    fn a_local_clock_two_years_ahead_pauses_retention_and_says_why() {
        let c = Clock::new();
        let local = at("2027-12-01T00:00:00Z");
        c.observe_time("a.vn", at("2025-12-01T00:00:00Z"), local);
        let r = c.retention_cutoff(local, KEEP).unwrap_err();
        assert_eq!(r.state, ClockState::Disagrees);
        let why = r.reason.unwrap();
        assert!(why.contains("2 years 0 days ahead of"), "{why}");
        assert!(why.contains("retention is paused"), "{why}");
        // Fixed: the same host now agrees, retention runs with the local clock.
        c.observe_time(
            "a.vn",
            at("2025-12-01T00:05:00Z"),
            at("2025-12-01T00:04:58Z"),
        );
        assert_eq!(
            c.retention_cutoff(at("2025-12-01T00:05:00Z"), KEEP),
            Ok(at("2024-10-27T00:05:00Z"))
        );
    }

    #[test]
    fn one_portal_with_a_wrong_clock_is_outvoted() {
        let c = Clock::new();
        let local = at("2027-12-01T00:00:00Z");
        c.observe_time("a.vn", local, local);
        c.observe_time("b.vn", local + chrono::Duration::seconds(2), local);
        c.observe_time("wrong.vn", at("2099-01-01T00:00:00Z"), local);
        assert_eq!(c.report(true).state, ClockState::Agrees);
        assert_eq!(c.latest_now(local), local + chrono::Duration::seconds(2));
        // Two hosts that disagree: neither alone decides, retention waits.
        let c = Clock::new();
        c.observe_time("a.vn", local, local);
        c.observe_time("b.vn", at("2025-12-01T00:00:00Z"), local);
        assert_eq!(c.report(true).state, ClockState::Disagrees);
    }

    #[test]
    fn a_host_counts_once_and_only_the_latest_hosts_are_kept() {
        let c = Clock::new();
        let local = at("2027-12-01T00:00:00Z");
        for _ in 0..10 {
            c.observe_time("wrong.vn", at("2020-01-01T00:00:00Z"), local);
        }
        c.observe_time("a.vn", local, local);
        c.observe_time("b.vn", local, local);
        assert_eq!(c.report(true).hosts, 3);
        assert_eq!(c.report(true).state, ClockState::Agrees);
        for i in 0..HOSTS_KEPT {
            c.observe_time(&format!("h{i}.vn"), local, local);
        }
        assert_eq!(c.report(true).hosts, HOSTS_KEPT);
    }

    #[test]
    fn the_future_is_judged_by_the_later_clock() {
        let c = Clock::new();
        let local = at("2025-12-01T00:00:00Z");
        assert_eq!(c.latest_now(local), local);
        // The local clock runs two years behind the portals.
        c.observe_time("a.vn", at("2027-12-01T00:00:00Z"), local);
        assert_eq!(c.latest_now(local), at("2027-12-01T00:00:00Z"));
        // Ahead: the local clock itself is the later one.
        let c = Clock::new();
        c.observe_time("a.vn", at("2023-12-01T00:00:00Z"), local);
        assert_eq!(c.latest_now(local), local);
    }
}

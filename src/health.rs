//! Source health, from a source's stored state alone (pure): new, ok,
//! failing, or broken. The status page, `/healthz`, `feeds list` and the
//! admin notes all read it from here.

use serde::{Deserialize, Serialize};

use crate::store::{FailureKind, SourceState};

/// Failures in a row after which a source counts as broken.
pub const BROKEN_AFTER: u32 = 5;

/// A source's health. Serialised (`/status.json`, `/healthz`) and printed
/// (`feeds list`) as `new`, `ok`, `failing` or `broken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Never polled yet.
    New,
    Ok,
    /// Failed lately, not yet broken.
    Failing,
    /// Failed `BROKEN_AFTER` polls in a row, or used to yield items and now
    /// finds no list (the portal changed its layout).
    Broken,
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Health {
    /// The word `/status.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::New => "new",
            Health::Ok => "ok",
            Health::Failing => "failing",
            Health::Broken => "broken",
        }
    }
}

pub fn of(state: &SourceState) -> Health {
    let lost_list = matches!(
        state.failure,
        Some(FailureKind::NoContainer | FailureKind::EmptyContainer)
    );
    if state.polls == 0 {
        Health::New
    } else if state.consecutive_failures >= BROKEN_AFTER || (state.ever_yielded && lost_list) {
        Health::Broken
    } else if state.consecutive_failures > 0 {
        Health::Failing
    } else {
        Health::Ok
    }
}

/// A short Vietnamese note on what is wrong, for the admin.
pub fn note(state: &SourceState) -> Option<String> {
    let n = state.consecutive_failures;
    match state.failure? {
        FailureKind::NoContainer => {
            Some("không tìm thấy danh sách tin (giao diện trang có thể đã đổi)".into())
        }
        FailureKind::EmptyContainer => Some("có khung danh sách tin nhưng không có tin nào".into()),
        FailureKind::Fetch => Some(format!("không tải được trang, {n} lần liên tiếp")),
        FailureKind::Parse => Some(format!("không đọc được nội dung, {n} lần liên tiếp")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(polls: u64, failures: u32, ever: bool, failure: Option<FailureKind>) -> SourceState {
        SourceState {
            polls,
            consecutive_failures: failures,
            ever_yielded: ever,
            failure,
            ..SourceState::default()
        }
    }

    #[test]
    fn health_follows_the_rules() {
        assert_eq!(of(&st(0, 0, false, None)), Health::New);
        assert_eq!(of(&st(3, 0, true, None)), Health::Ok);
        assert_eq!(
            of(&st(3, 2, true, Some(FailureKind::Fetch))),
            Health::Failing
        );
        assert_eq!(
            of(&st(9, 5, true, Some(FailureKind::Fetch))),
            Health::Broken
        );
        // A page that used to yield and lost its list is broken at once…
        assert_eq!(
            of(&st(9, 1, true, Some(FailureKind::NoContainer))),
            Health::Broken
        );
        // …one that never yielded is only failing until the fifth time.
        assert_eq!(
            of(&st(1, 1, false, Some(FailureKind::NoContainer))),
            Health::Failing
        );
        assert!(note(&st(9, 1, true, Some(FailureKind::EmptyContainer)))
            .unwrap()
            .contains("không có tin"));
        assert!(note(&st(9, 1, true, Some(FailureKind::NoContainer)))
            .unwrap()
            .contains("không tìm thấy"));
    }
}

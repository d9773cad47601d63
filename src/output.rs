//! Terminal output shared by the commands (`once`, `demo`, `feeds list`,
//! `telegram status`): one line per poll and per follow-up, and how times
//! are written. It
//! prints; it never polls or decides.

use std::io::Write;

use crate::daemon::follow::{FollowReport, Outcome};
use crate::daemon::PollReport;

/// Print one line per poll; true when every source was read.
pub fn print_reports(reports: &[PollReport]) -> bool {
    let mut ok = true;
    let mut out = std::io::stdout().lock();
    for r in reports {
        let line = match &r.outcome {
            Ok(s) if s.not_modified => format!("{:<28} ok    not modified (304)", r.source_id),
            Ok(s) => format!(
                "{:<28} ok    {} items, {} new{}",
                r.source_id,
                s.found,
                s.new,
                if s.queued > 0 {
                    format!(", {} queued for Telegram", s.queued)
                } else {
                    String::new()
                }
            ),
            Err(e) => {
                ok = false;
                format!("{:<28} FAIL  {e}", r.source_id)
            }
        };
        let _ = writeln!(out, "{line}");
    }
    ok
}

/// One line on what the follow-ups of a run did: `follow-ups: 3 done, 1
/// given up, 1 to try again later (1 waiting)`.
pub fn follow_summary(reports: &[FollowReport], waiting: usize) -> String {
    let count = |f: fn(&Outcome) -> bool| reports.iter().filter(|r| f(&r.outcome)).count();
    format!(
        "follow-ups: {} done, {} given up, {} to try again later ({waiting} waiting)",
        count(|o| matches!(o, Outcome::Followed { .. })),
        count(|o| matches!(o, Outcome::GaveUp(_))),
        count(|o| matches!(o, Outcome::Retry(_))),
    )
}

/// What one finished follow-up gave, as the demo shows it: `followed:
/// TITLE — 2 tệp đính kèm, 3 số văn bản` (or `toàn văn` when the article
/// gave its text and nothing else countable). None for one not finished.
pub fn followed_line(title: &str, outcome: &Outcome) -> Option<String> {
    let Outcome::Followed {
        text,
        attachments,
        documents,
        ..
    } = outcome
    else {
        return None;
    };
    let mut parts = Vec::new();
    if *text {
        parts.push("toàn văn".to_string());
    }
    if *attachments > 0 {
        parts.push(format!("{attachments} tệp đính kèm"));
    }
    if *documents > 0 {
        parts.push(format!("{documents} số văn bản"));
    }
    if parts.is_empty() {
        parts.push("không có thêm nội dung".into());
    }
    Some(format!("followed: {title} — {}", parts.join(", ")))
}

pub use crate::ops::{local_time, zone_label};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_the_configured_zone_which_is_named() {
        let tz = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
        assert_eq!(zone_label(tz), "UTC+07:00");
        let t = chrono::DateTime::parse_from_rfc3339("2025-12-23T01:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(local_time(t, tz), "23/12/2025 08:30");
    }
}

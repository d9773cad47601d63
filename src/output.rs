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

/// One follow-up as the demo shows it: `followed: TITLE — toàn văn, 2 tệp
/// đính kèm, 3 số văn bản`, or why it was not (given up, or to try again).
pub fn follow_line(title: &str, outcome: &Outcome) -> String {
    let (text, attachments, documents) = match outcome {
        Outcome::Followed {
            text,
            attachments,
            documents,
            ..
        } => (text, attachments, documents),
        Outcome::GaveUp(why) => return format!("given up: {title} — {why}"),
        Outcome::Retry(why) => return format!("to try again later: {title} — {why}"),
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
    format!("followed: {title} — {}", parts.join(", "))
}

pub use crate::ops::{local_time, zone_label};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_is_said_by_what_it_gave_or_why_not() {
        let done = Outcome::Followed {
            text: true,
            attachments: 2,
            documents: 3,
            listed_new: 1,
        };
        assert_eq!(
            follow_line("Bài", &done),
            "followed: Bài — toàn văn, 2 tệp đính kèm, 3 số văn bản"
        );
        let bare = Outcome::Followed {
            text: false,
            attachments: 0,
            documents: 0,
            listed_new: 0,
        };
        assert_eq!(
            follow_line("Bài", &bare),
            "followed: Bài — không có thêm nội dung"
        );
        assert_eq!(
            follow_line("Bài", &Outcome::GaveUp("HTTP 404".into())),
            "given up: Bài — HTTP 404"
        );
        let reports: Vec<FollowReport> = [done, Outcome::Retry("503".into())]
            .into_iter()
            .map(|outcome| FollowReport {
                item_id: "x".into(),
                source_id: "s".into(),
                outcome,
            })
            .collect();
        assert_eq!(
            follow_summary(&reports, 1),
            "follow-ups: 1 done, 0 given up, 1 to try again later (1 waiting)"
        );
    }

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

//! Terminal output shared by the commands (`once`, `demo`, `feeds list`,
//! `telegram status`): one line per poll, and how times are written. It
//! prints; it never polls or decides.

use std::io::Write;

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

//! Terminal output shared by the commands (`once`, `demo`): one line per
//! poll. It prints; it never polls or decides.

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

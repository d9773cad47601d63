//! Date parsing on any text: no panic, a found range is a real slice of the
//! text, and the year is within the accepted bounds.
#![no_main]

use chrono::{Datelike, FixedOffset};
use libfuzzer_sys::fuzz_target;
use tinkhac::source::date::{find_date, parse_date, MAX_YEAR, MIN_YEAR};

const FORMATS: &[&str] = &["%d/%m/%Y", "%m/%d/%Y %H:%M", "%d-%m-%Y %Hh%M", "%Y-%m-%dT%H:%M:%S%z"];

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    if let Some((d, range)) = find_date(s, tz) {
        let _ = &s[range.clone()];
        assert!(range.start <= range.end);
        assert!((MIN_YEAR - 1..=MAX_YEAR + 1).contains(&d.year()), "{d} from {s:?}");
    }
    let _ = parse_date(s, tz, None);
    // A first line starting with '%' is an admin's format for the rest.
    let (format, text) = match s.split_once('\n') {
        Some((f, t)) if f.starts_with('%') => (Some(f), t),
        _ => (FORMATS.get(data.len() % 8).copied(), s),
    };
    let _ = parse_date(text, tz, format);
});

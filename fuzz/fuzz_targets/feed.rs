//! Feed ingestion on any bytes: an error or items, never a panic; every link
//! is http(s).
#![no_main]

use chrono::FixedOffset;
use libfuzzer_sys::fuzz_target;
use tinkhac::item::item_id;
use tinkhac::source::feed::{extract, looks_like_feed};
use url::Url;

fuzz_target!(|data: &[u8]| {
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    let base = Url::parse("https://so-gddt.test/rss/giao-duc.rss").unwrap();
    let _ = looks_like_feed(None, data);
    if let Ok(items) = extract(data, &base, tz) {
        for h in &items {
            if let Some(link) = &h.link {
                assert!(matches!(link.scheme(), "http" | "https"), "{link}");
            }
            let _ = item_id("fuzz", h);
        }
    }
});

//! Page extraction: decoding, auto-detection and configured selectors on any
//! bytes. Every harvested link is http(s) and its key is stable.
#![no_main]

use chrono::FixedOffset;
use libfuzzer_sys::fuzz_target;
use scraper::Selector;
use tinkhac::config::ScrapeConfig;
use tinkhac::item::{canonical_link, item_id};
use tinkhac::source::html::{decode, extract};
use url::Url;

fn sel(s: &str) -> (String, Selector) {
    (s.to_string(), Selector::parse(s).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    let base = Url::parse("https://haiphong.gov.vn/tin-tuc/giao-duc/bai-1.html").unwrap();
    let content_type = match mode % 4 {
        0 => None,
        1 => Some("text/html; charset=utf-8"),
        2 => Some("text/html; charset=windows-1258"),
        _ => Some("text/html"),
    };
    let text = decode(body, content_type);
    let scrape = (mode & 0x80 != 0).then(|| ScrapeConfig {
        items: sel("li, tr, .item"),
        title: Some(sel("a, h3")),
        link: Some(sel("a")),
        date: Some(sel(".date, time, span")),
        summary: Some(sel("p")),
        date_format: (mode & 0x40 != 0).then(|| "%d/%m/%Y".to_string()),
    });
    let got = extract(&text, &base, scrape.as_ref(), tz);
    for h in &got.items {
        if let Some(link) = &h.link {
            assert!(matches!(link.scheme(), "http" | "https"), "{link}");
            let once = canonical_link(link);
            assert_eq!(canonical_link(&once), once);
        }
        let _ = item_id("fuzz", h);
    }
});

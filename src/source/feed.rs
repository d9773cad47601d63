//! Feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed through `feed-rs`, given bytes
//! so that it honours the document's own encoding.
//!
//! Entry ids are the feed's own or nothing: feed-rs invents an id for an
//! entry with no guid and no link, and that id changes between polls, so it
//! must never become a dedupe key. Summaries are sanitised with `ammonia`
//! (no script, no style, no event attributes) before anything else sees them.
//!
//! A UTF-8 feed with a few invalid bytes is read lossily ([`repair_utf8`]):
//! the XML parser would refuse the whole document over one stray byte.

use chrono::FixedOffset;
use scraper::Html;
use url::Url;

use super::date::parse_date;
use super::html::clean;
use crate::item::Harvested;

#[derive(Debug, thiserror::Error)]
#[error("not a feed feed-rs can read: {0}")]
pub struct FeedError(String);

/// Harvest a feed. `base` is where it was fetched from: relative links
/// resolve against it.
pub fn extract(bytes: &[u8], base: &Url, tz: FixedOffset) -> Result<Vec<Harvested>, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // An empty id marks "the feed gave none"; see the module docs.
        .id_generator(|_links, _title, _uri| String::new())
        .timestamp_parser(move |s| parse_date(s, tz, None).map(|d| d.to_utc()))
        .build();
    let feed = parser.parse(bytes).map_err(|e| FeedError(e.to_string()))?;
    let mut out = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .and_then(|l| base.join(l.href.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        let title = entry
            .title
            .map(|t| {
                // Titles are plain text unless the feed says HTML (Atom
                // type="html"): "&lt;THPT&gt;" in RSS means the literal "<THPT>".
                if t.content_type.as_str().contains("html") {
                    plain_text(&t.content)
                } else {
                    clean(&t.content)
                }
            })
            .unwrap_or_default();
        let summary_html = entry
            .summary
            .map(|s| s.content)
            .or_else(|| entry.content.and_then(|c| c.body))
            .map(|h| ammonia::clean(&h));
        let summary = summary_html
            .as_deref()
            .map(plain_text)
            .filter(|s| !s.is_empty());
        let guid = Some(entry.id.trim().to_string()).filter(|g| !g.is_empty());
        if title.is_empty() && summary.is_none() {
            continue;
        }
        out.push(Harvested {
            title: if title.is_empty() {
                summary.as_deref().map(first_words).unwrap_or_default()
            } else {
                title
            },
            link,
            guid,
            summary,
            published: entry
                .published
                .or(entry.updated)
                .map(|d| d.with_timezone(&tz)),
        });
    }
    Ok(out)
}

/// A UTF-8 feed (declared so, or declaring nothing, as XML and JSON Feed
/// default to UTF-8) with invalid byte sequences, each replaced by U+FFFD;
/// also how many sequences were replaced. None when the bytes are valid, or
/// when the document names another encoding (the parser decodes those).
pub fn repair_utf8(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        if enc != encoding_rs::UTF_8 {
            return None;
        }
    }
    if let Some(label) = declared_encoding(bytes) {
        if encoding_rs::Encoding::for_label(label).is_some_and(|e| e != encoding_rs::UTF_8) {
            return None;
        }
    }
    let invalid = bytes
        .utf8_chunks()
        .filter(|c| !c.invalid().is_empty())
        .count();
    Some((
        String::from_utf8_lossy(bytes).into_owned().into_bytes(),
        invalid,
    ))
}

/// The `encoding="…"` of an XML declaration at the start of the document.
fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    let head = &bytes[..bytes.len().min(256)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = head[start..].strip_prefix(b"<?xml")?;
    let decl = &decl[..decl.windows(2).position(|w| w == b"?>")?];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|b| *b == b'=')? + 1..];
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let quote = *rest.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &rest[1..];
    Some(&value[..value.iter().position(|b| *b == quote)?])
}

/// The text of an HTML fragment (tags dropped, entities decoded), cleaned.
pub fn plain_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return clean(html);
    }
    let frag = Html::parse_fragment(html);
    super::html::readable_text(frag.root_element())
}

/// A title for an entry that has none: its first dozen words.
fn first_words(s: &str) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    if words.len() <= 12 {
        s.to_string()
    } else {
        format!("{}…", words[..12].join(" "))
    }
}

/// Does this look like a feed rather than a page? By content type first,
/// then by the first bytes.
pub fn looks_like_feed(content_type: Option<&str>, bytes: &[u8]) -> bool {
    if let Some(ct) = content_type {
        let ct = ct.to_ascii_lowercase();
        if ct.contains("rss")
            || ct.contains("atom")
            || ct.contains("feed+json")
            || ct.contains("rdf")
        {
            return true;
        }
        if ct.contains("html") {
            return false;
        }
    }
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        return t.contains("jsonfeed.org");
    }
    t.starts_with("<?xml") && !t.contains("<html")
        || t.starts_with("<rss")
        || t.starts_with("<feed")
        || t.starts_with("<rdf")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://baohaiphong.vn/</link><description>d</description>
<item><title>Tuyển sinh lớp 10 &amp; &lt;THPT&gt;</title><link>/giao-duc/tuyen-sinh-1.html?utm_source=rss</link>
<description><![CDATA[<p onclick="x()">Teaser <script>alert(1)</script><img src=x onerror="alert(2)"></p>]]></description>
<pubDate>Tue, 23 Dec 2025 08:30:00 +0700</pubDate><guid>g-1</guid></item>
<item><title>Chỉ có tiêu đề mà thôi</title><description>Không có link, không có guid</description></item>
</channel></rss>"#;

    #[test]
    fn rss_items_are_read_sanitised_and_keep_no_synthetic_id() {
        let base = Url::parse("https://baohaiphong.vn/rss/giao-duc.rss").unwrap();
        let items = extract(RSS.as_bytes(), &base, tz()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].title, "Tuyển sinh lớp 10 & <THPT>");
        assert_eq!(
            items[0].link.as_ref().unwrap().as_str(),
            "https://baohaiphong.vn/giao-duc/tuyen-sinh-1.html?utm_source=rss"
        );
        assert_eq!(items[0].summary.as_deref(), Some("Teaser"));
        assert_eq!(items[0].guid.as_deref(), Some("g-1"));
        assert_eq!(
            items[0].published.unwrap().to_rfc3339(),
            "2025-12-23T08:30:00+07:00"
        );
        assert_eq!(items[1].guid, None, "feed-rs's invented id must not leak");
        assert_eq!(items[1].link, None);
        // Two parses give the same key for the entry with no guid and no link.
        let again = extract(RSS.as_bytes(), &base, tz()).unwrap();
        assert_eq!(
            crate::item::item_id("s", &items[1]),
            crate::item::item_id("s", &again[1])
        );
    }

    #[test]
    fn one_invalid_byte_costs_one_character_not_the_feed() {
        let base = Url::parse("https://baohaiphong.vn/rss/giao-duc.rss").unwrap();
        let mut bytes = RSS.as_bytes().to_vec();
        let at = RSS.find("Teaser").unwrap();
        bytes.insert(at, 0xFF);
        assert!(
            extract(&bytes, &base, tz()).is_err(),
            "the parser refuses it"
        );
        let (fixed, n) = repair_utf8(&bytes).unwrap();
        assert_eq!(n, 1);
        let items = extract(&fixed, &base, tz()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].summary.as_deref(), Some("\u{FFFD}Teaser"));
    }

    #[test]
    fn only_utf8_documents_are_repaired() {
        assert_eq!(repair_utf8(RSS.as_bytes()), None, "valid: untouched");
        let mut latin = b"<?xml version='1.0' encoding = 'windows-1258' ?><rss>".to_vec();
        latin.push(0xE0);
        assert_eq!(
            repair_utf8(&latin),
            None,
            "another encoding: the parser's job"
        );
        let mut utf8 = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>".to_vec();
        utf8.extend([0xC3, 0x28, 0xFF]);
        assert_eq!(repair_utf8(&utf8).unwrap().1, 2);
        let mut none = b"\xEF\xBB\xBF<rss>".to_vec();
        none.push(0x80);
        assert_eq!(repair_utf8(&none).unwrap().1, 1);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend([b'<', 0, 0xD8, 0x00]);
        assert_eq!(repair_utf8(&utf16), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let base = Url::parse("https://x.vn/").unwrap();
        assert!(extract(b"\x00\xff garbage <<<", &base, tz()).is_err());
    }

    #[test]
    fn feeds_are_told_from_pages() {
        assert!(looks_like_feed(Some("application/rss+xml"), b""));
        assert!(looks_like_feed(None, b"<?xml version=\"1.0\"?><rss>"));
        assert!(looks_like_feed(
            None,
            b"{\"version\": \"https://jsonfeed.org/version/1.1\"}"
        ));
        assert!(!looks_like_feed(
            Some("text/html; charset=utf-8"),
            b"<?xml version=\"1.0\"?><rss>"
        ));
        assert!(!looks_like_feed(None, b"<!DOCTYPE html><html>"));
    }
}

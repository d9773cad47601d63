//! HTML pages: decoding, and harvesting their news lists with `scraper`,
//! either by the admin's CSS selectors or by finding the lists on their own.
//!
//! Auto-detection never relies on class names. It looks for two things:
//! - blocks headed "Tin khác", "Các tin khác", "Tin liên quan", "Tin cùng
//!   chuyên mục", "Các tin đã đưa"… in any case and any markup; the items are
//!   what follows the heading, cut wherever the markup puts them (one `li`
//!   per item, or a flat run of headline, teaser and date);
//! - listings: three or more sibling elements of one tag that each hold a
//!   single headline link and a date (category pages, table rows, cards).
//!
//! A headline link is an `<a href>` to an http(s) page (not `javascript:`, a
//! fragment, mail, or an attachment such as a PDF) whose text has at least
//! four words. Menus, breadcrumbs and pagination fail that test or have no
//! dates; links inside `<nav>` are never items.
//!
//! This file holds the entry points, the outcome and link resolution; the
//! parts live beside it: `decode` (bytes to text), `guard` (the nesting
//! scan before parsing), `text` (text, headlines and teasers of elements),
//! `selectors` (the admin's CSS selectors), `auto` (auto-detection),
//! `signals` (heading words, address shapes, the page's date) and
//! `suggest` (`preview --suggest`).

use chrono::{DateTime, FixedOffset};
use scraper::node::Element;
use scraper::Html;
use url::Url;

mod auto;
mod decode;
mod guard;
mod selectors;
mod signals;
mod suggest;
mod text;

use crate::config::ScrapeConfig;
use crate::item::Harvested;
use auto::Auto;
use selectors::extract_with_selectors;

pub use auto::Decision;
pub use decode::decode;
pub use guard::{nesting, Nesting, MAX_DEPTH, MAX_ELEMENTS, MAX_NESTING_COST};
pub use suggest::{suggest, suggest_repeated};
pub use text::{clean, readable_text};

/// What a page gave, and whether the lists were there at all: "the list is
/// gone" (layout changed) and "the list is empty" are different troubles.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    pub items: Vec<Harvested>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Found,
    /// A news block (or the configured item selector) was found, but no item
    /// in it could be read.
    EmptyContainer,
    /// No news block, no listing, or the item selector matched nothing.
    NoContainer,
    /// No list in the HTML, but its scripts hold article addresses: the
    /// page loads its lists with JavaScript.
    ScriptLoaded,
}

/// Harvest a page. `base` is the page's final URL: every link resolves
/// against it (relative, absolute and protocol-relative alike).
pub fn extract(
    html: &str,
    base: &Url,
    scrape: Option<&ScrapeConfig>,
    tz: FixedOffset,
) -> Extraction {
    extract_at(
        html,
        base,
        scrape,
        tz,
        chrono::Utc::now().with_timezone(&tz),
    )
}

/// [`extract`] for a page fetched at `now`: a `dd/mm` without a year takes
/// the page's own date (else `now`) as reference, and "3 giờ trước" counts
/// back from `now`.
pub fn extract_at(
    html: &str,
    base: &Url,
    scrape: Option<&ScrapeConfig>,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Extraction {
    extract_doc(&Html::parse_document(html), base, scrape, tz, now)
}

/// [`extract_at`] on a page already parsed, for a caller that reads more
/// from the same parse (the article follow-up).
pub fn extract_doc(
    doc: &Html,
    base: &Url,
    scrape: Option<&ScrapeConfig>,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Extraction {
    let base = document_base(doc, base);
    match scrape {
        Some(cfg) => extract_with_selectors(doc, &base, cfg, tz, now),
        None => Auto::new(doc, &base, tz, now).run(),
    }
}

/// Auto-detection on a page fetched at `now`, with the reasons: which
/// blocks were taken and which refused, and why.
pub fn explain(
    html: &str,
    base: &Url,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> (Extraction, Vec<Decision>) {
    let doc = Html::parse_document(html);
    let base = document_base(&doc, base);
    Auto::new(&doc, &base, tz, now).run_explained()
}

/// A `<base href>` overrides the page URL for relative links.
pub fn document_base(doc: &Html, page: &Url) -> Url {
    // Most pages have none: a glance over every node, in the order they
    // were made, says so before a walk in document order.
    let any = doc.tree.values().any(|n| {
        n.as_element()
            .is_some_and(|e| e.name() == "base" && attr(e, "href").is_some())
    });
    if !any {
        return page.clone();
    }
    // The first `base` with an `href`, in document order, as `base[href]`
    // selects it, without matching a selector against every element.
    doc.root_element()
        .descendent_elements()
        .filter(|e| e.value().name() == "base")
        .find_map(|b| b.value().attr("href"))
        .and_then(|h| page.join(h.trim()).ok())
        .unwrap_or_else(|| page.clone())
}

/// The value of attribute `name` (lower-case, no namespace), as
/// `Element::attr` gives it, without turning `name` into an interned atom
/// first: that lookup costs more than scanning an element's few attributes,
/// and the index pass asks it of every element.
fn attr<'e>(e: &'e Element, name: &str) -> Option<&'e str> {
    e.attrs
        .iter()
        .find(|(k, _)| k.prefix.is_none() && k.ns.is_empty() && &*k.local == name)
        .map(|(_, v)| &**v)
}

const ATTACHMENT_EXTENSIONS: &[&str] = &[
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".jpg",
    ".jpeg", ".png", ".gif", ".mp3", ".mp4", ".odt", ".ods",
];

/// Resolve an `href` to an http(s) page link, or None for everything that is
/// not an article: scripts, fragments, mail, attachments.
fn resolve_link(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    let has_prefix = |p: &str| {
        href.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    if href.is_empty()
        || href.starts_with('#')
        || has_prefix("javascript:")
        || has_prefix("mailto:")
        || has_prefix("tel:")
    {
        return None;
    }
    let url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let path = url.path().as_bytes();
    let is_attachment = ATTACHMENT_EXTENSIONS.iter().any(|e| {
        path.len() >= e.len() && path[path.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
    });
    (!is_attachment).then_some(url)
}

/// What the tests of the page reader share: its zone, a fixed "now" and
/// auto-detection on a page at a fixed address.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    pub(crate) fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-01-03T10:00:00+07:00").unwrap()
    }

    pub(crate) fn auto(html: &str) -> Extraction {
        extract(
            html,
            &Url::parse("https://haiphong.gov.vn/chinh-sach/bai-1").unwrap(),
            None,
            tz(),
        )
    }

    #[test]
    fn a_base_href_in_any_case_resolves_relative_links() {
        let block = r#"<h2>Tin khác</h2>
          <h3><a href="a-1">Tăng tốc thực hiện các dự án tại Cảng Hàng không</a></h3>
          <span>23/12/2025</span>"#;
        let link = |html: &str| {
            let e = auto(html);
            assert_eq!(e.items.len(), 1, "{html}");
            e.items[0].link.as_ref().unwrap().to_string()
        };
        let with = |head: &str| format!("<html><head>{head}</head><body>{block}</body></html>");
        assert_eq!(
            link(&with(
                r#"<BASE HREF="https://tintuc.haiphong.gov.vn/muc/">"#
            )),
            "https://tintuc.haiphong.gov.vn/muc/a-1"
        );
        assert_eq!(
            link(&with(r#"<Base target="_blank"><base href=" /khac/ ">"#)),
            "https://haiphong.gov.vn/khac/a-1"
        );
        // Neither a <basefont> nor the word in text is a base element.
        assert_eq!(
            link(&with("<basefont size=3><title>base</title>")),
            "https://haiphong.gov.vn/chinh-sach/a-1"
        );
    }
}

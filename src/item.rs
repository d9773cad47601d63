//! The item model: what a source yields ([`Harvested`]), what the store keeps
//! ([`Item`]), and an item's identity (canonical links and dedupe keys).
//!
//! Identity must be stable for ever: the same article listed on ten pages and
//! in a feed is one item, whatever tracking parameters or fragments each
//! listing adds. Never change [`item_id`] without a store migration.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

/// One item as a source yields it, before it meets the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Harvested {
    pub title: String,
    pub link: Option<Url>,
    /// A feed entry's own id. Never feed-rs's synthetic one.
    pub guid: Option<String>,
    pub summary: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
}

/// One item as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The dedupe key: see [`item_id`].
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub guid: Option<String>,
    pub summary: Option<String>,
    /// When the source says it was published; for items with no date, the
    /// moment it was first seen (in the configured zone), kept for ever.
    pub published: DateTime<FixedOffset>,
    /// True when `published` is the first-seen time, not the source's date.
    #[serde(default)]
    pub date_estimated: bool,
    pub first_seen: DateTime<Utc>,
    /// Ids of every source that listed it, first one first.
    pub sources: Vec<String>,
    pub topics: Vec<String>,
}

/// Query parameters that only track the reader, never name an article.
pub fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || n.starts_with("zalo")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "gbraid"
                | "wbraid"
                | "msclkid"
                | "yclid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "zarsrc"
                | "_ga"
                | "_gl"
        )
}

/// The canonical form of an article link: scheme and host lower-cased (the
/// URL parser does that, and drops default ports), fragment dropped, tracking
/// parameters dropped. Every other query parameter is kept as written, in its
/// order and its own encoding (`chi-tiet?id=55021` names an article, and a
/// bare `?123` must stay bare), so a link without tracking parameters keeps
/// its query byte for byte.
pub fn canonical_link(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    if let Some(query) = u.query() {
        let segments: Vec<&str> = query.split('&').filter(|s| !s.is_empty()).collect();
        let kept: Vec<&str> = segments
            .iter()
            .copied()
            .filter(|seg| {
                let key = url::form_urlencoded::parse(seg.as_bytes())
                    .next()
                    .map(|(k, _)| k.into_owned())
                    .unwrap_or_default();
                !is_tracking_param(&key)
            })
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else if kept.len() != segments.len() || segments.len() != query.split('&').count() {
            let q = kept.join("&");
            u.set_query(Some(&q));
        }
    }
    u
}

/// Collapse whitespace (NBSP included) and trim; used for titles before
/// hashing so that re-wrapped markup gives the same key.
pub fn normalise_title(title: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfc: String = title.nfc().collect();
    nfc.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The dedupe key of an item: its canonical link; without one, the source's
/// guid; without either, a hash of the source id and the normalised title.
pub fn item_id(source_id: &str, h: &Harvested) -> String {
    if let Some(link) = &h.link {
        return canonical_link(link).to_string();
    }
    if let Some(guid) = h.guid.as_deref().filter(|g| !g.trim().is_empty()) {
        return format!("guid:{source_id}:{}", guid.trim());
    }
    let digest = Sha256::digest(format!("{source_id}\n{}", normalise_title(&h.title)));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("title:{source_id}:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical_link(&Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn tracking_parameters_and_fragments_go_article_ids_stay() {
        assert_eq!(
            canon("HTTPS://HaiPhong.gov.vn:443/tin-tuc/bai-680867?utm_source=zalo&utm_medium=share#binh-luan"),
            "https://haiphong.gov.vn/tin-tuc/bai-680867"
        );
        assert_eq!(
            canon("https://danang.gov.vn/web/guest/chi-tiet?id=55021&fbclid=IwAR0abc&zarsrc=30"),
            "https://danang.gov.vn/web/guest/chi-tiet?id=55021"
        );
        assert_eq!(
            canon("https://x.vn/a?p=2&gclid=1&q=tin%20kh%C3%A1c"),
            "https://x.vn/a?p=2&q=tin%20kh%C3%A1c"
        );
        // Queries without tracking parameters are kept as written.
        assert_eq!(
            canon("https://x.vn/chi-tiet?123"),
            "https://x.vn/chi-tiet?123"
        );
        assert_eq!(
            canon("https://x.vn/s?q=a%20b&&x=1"),
            "https://x.vn/s?q=a%20b&x=1"
        );
        assert_eq!(canon("https://x.vn/a?utm_source=zalo"), "https://x.vn/a");
    }

    #[test]
    fn canonical_links_are_idempotent() {
        for s in [
            "https://x.vn/a?p=2&gclid=1&q=tin%20kh%C3%A1c",
            "https://x.vn/a?id=1#x",
            "http://x.vn/",
        ] {
            let once = canon(s);
            assert_eq!(canon(&once), once, "{s}");
        }
    }

    #[test]
    fn ids_fall_back_from_link_to_guid_to_title_hash() {
        let mut h = Harvested {
            title: "Tin  khác\u{a0}mới".into(),
            link: Some(Url::parse("https://x.vn/a#top").unwrap()),
            guid: Some("g-1".into()),
            summary: None,
            published: None,
        };
        assert_eq!(item_id("s", &h), "https://x.vn/a");
        h.link = None;
        assert_eq!(item_id("s", &h), "guid:s:g-1");
        h.guid = None;
        let a = item_id("s", &h);
        h.title = "Tin khác mới".into();
        assert_eq!(item_id("s", &h), a, "whitespace must not change the key");
        assert!(a.starts_with("title:s:"));
        assert_ne!(item_id("other", &h), a);
    }
}

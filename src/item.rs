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
    /// What following the item to its article page added; None until the
    /// follow-up has run (or for sources that are not followed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<Followed>,
}

/// What the follow-up took from an item's article page, as the store keeps
/// it and every renderer shows it (see [`crate::article`] for how each field
/// is found). Text fields are plain, cleaned text that renderers escape;
/// `text_html` alone is HTML, and it has passed the sanitiser.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Followed {
    /// The article's main text, sanitised HTML with absolute links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_html: Option<String>,
    /// The lead image (absolute URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
    /// Official document numbers cited, in order of first mention.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentRef>,
}

/// An attached document of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub url: String,
    /// What the page calls it, else the file name.
    pub name: String,
    pub file_name: String,
    /// From a HEAD request, when the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
}

impl AttachmentRef {
    /// The file name a Telegram message links: the file's own name when
    /// the address ends in a file ("215-KH-UBND.pdf"), else what the page
    /// calls the link ("Phụ lục biểu mẫu đăng ký"), since a download
    /// script's name ("DownloadFile.aspx") says nothing of the document.
    pub fn shown_name(&self) -> &str {
        let is_file = self.file_name.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && !ext.is_empty()
                && !WEB_PAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
        });
        if is_file || self.name.trim().is_empty() {
            &self.file_name
        } else {
            &self.name
        }
    }
}

/// Endings of addresses that are pages or scripts, not files.
const WEB_PAGE_EXTENSIONS: &[&str] = &[
    "asp", "aspx", "ashx", "cgi", "do", "htm", "html", "jsp", "php",
];

/// An official document number an article cites (see
/// [`crate::article::DocNumber`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// "Kế hoạch", "Quyết định", …
    pub kind: String,
    /// As usually written: `211/KH-UBND`.
    pub number: String,
    /// One key per document across spellings: `211-KH-UBND`.
    pub key: String,
}

impl DocumentRef {
    /// "Kế hoạch 211/KH-UBND", as a reader names it.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind, self.number)
    }
}

/// Caps on what one poll (or an import) may bring into the store; `[limits]`
/// in `feeds.toml`. A hostile or broken page must never store a 10 MB
/// headline or 165,000 items at once: real lists hold tens of items and
/// real headlines a few hundred characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Items kept from one poll: the newest (undated ones count as newest,
    /// in the page's order).
    pub items_per_poll: usize,
    /// Characters of a title; a longer one is cut with "…".
    pub title_chars: usize,
    /// Characters of a teaser; a longer one is cut with "…".
    pub summary_chars: usize,
    /// Bytes of a link or a guid; an item whose link is longer is dropped,
    /// a longer guid is ignored.
    pub link_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            items_per_poll: 500,
            title_chars: 500,
            summary_chars: 2000,
            link_bytes: 2048,
        }
    }
}

/// What [`admit`] cut or dropped, for the log and the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Admission {
    /// Items beyond `items_per_poll`.
    pub over_count: usize,
    /// Items dropped for a link over `link_bytes`, or with no text left.
    pub dropped: usize,
    pub titles_cut: usize,
    pub summaries_cut: usize,
}

impl Admission {
    pub fn is_clean(&self) -> bool {
        *self == Admission::default()
    }
}

/// A title or teaser as the store may keep it: forbidden characters
/// removed, trimmed, at most `max` characters. The flag says it was cut.
fn capped(text: &str, max: usize) -> (String, bool) {
    let clean = crate::text::strip_forbidden(text);
    let clean = clean.trim();
    let cut = crate::text::truncate_chars(clean, max);
    let was_cut = matches!(cut, std::borrow::Cow::Owned(_));
    (cut.into_owned(), was_cut)
}

/// Clean and cap one poll's items before anything else sees them: the one
/// way in from a source to the classifier, the store and every renderer.
pub fn admit(items: Vec<Harvested>, limits: &Limits) -> (Vec<Harvested>, Admission) {
    let mut a = Admission::default();
    let mut out: Vec<Harvested> = Vec::with_capacity(items.len().min(limits.items_per_poll));
    for mut h in items {
        if h.link
            .as_ref()
            .is_some_and(|l| l.as_str().len() > limits.link_bytes)
        {
            a.dropped += 1;
            continue;
        }
        if h.guid.as_ref().is_some_and(|g| g.len() > limits.link_bytes) {
            h.guid = None;
        }
        if let Some(g) = &h.guid {
            h.guid = Some(crate::text::strip_forbidden(g).into_owned());
        }
        let (title, cut) = capped(&h.title, limits.title_chars);
        a.titles_cut += usize::from(cut);
        h.title = title;
        h.summary = h.summary.as_deref().and_then(|s| {
            let (s, cut) = capped(s, limits.summary_chars);
            a.summaries_cut += usize::from(cut);
            Some(s).filter(|s| !s.is_empty())
        });
        if h.title.is_empty() && h.summary.is_none() {
            a.dropped += 1;
            continue;
        }
        out.push(h);
    }
    if out.len() > limits.items_per_poll {
        a.over_count = out.len() - limits.items_per_poll;
        // Newest first; undated items sort before dated ones (they are dated
        // when first seen) and keep the page's order among themselves.
        out.sort_by_key(|h| std::cmp::Reverse(h.published.map_or(i64::MAX, |d| d.timestamp())));
        out.truncate(limits.items_per_poll);
    }
    (out, a)
}

impl Item {
    /// An item read from a backup (`import`), held to the rules a polled
    /// item meets: forbidden characters removed, the caps applied, and only
    /// an http(s) link kept. None when nothing publishable is left, or when
    /// the link is not http(s) and is the item's identity.
    pub fn admitted(mut self, limits: &Limits) -> Option<Item> {
        let link_ok = |l: &str| {
            l.len() <= limits.link_bytes
                && Url::parse(l).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        };
        if let Some(link) = &self.link {
            if !link_ok(link) {
                if &self.id == link {
                    return None;
                }
                self.link = None;
            }
        }
        if self.id.len() > limits.link_bytes.max(256)
            || self.id.chars().any(crate::text::is_forbidden)
        {
            return None;
        }
        self.title = capped(&self.title, limits.title_chars).0;
        self.summary = self
            .summary
            .as_deref()
            .map(|s| capped(s, limits.summary_chars).0)
            .filter(|s| !s.is_empty());
        self.guid = self
            .guid
            .as_deref()
            .filter(|g| g.len() <= limits.link_bytes)
            .map(|g| crate::text::strip_forbidden(g).into_owned());
        for list in [&mut self.sources, &mut self.topics] {
            list.retain(|s| !s.chars().any(crate::text::is_forbidden) && s.len() <= 256);
        }
        (!self.title.is_empty()).then_some(self)
    }
}

/// A publication date as people read it: `23/12/2025 08:30`, or just
/// `23/12/2025` when the source gave a day and no time (midnight in its
/// zone), rather than a made-up "00:00".
pub fn shown_date(d: &DateTime<FixedOffset>) -> String {
    if d.time() == chrono::NaiveTime::MIN {
        d.format("%d/%m/%Y").to_string()
    } else {
        d.format("%d/%m/%Y %H:%M").to_string()
    }
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

    #[test]
    fn an_attachment_is_shown_by_its_file_name_unless_the_address_is_a_script() {
        let att = |file_name: &str, name: &str| AttachmentRef {
            url: format!("https://example.vn/{file_name}"),
            name: name.into(),
            file_name: file_name.into(),
            content_type: None,
            length: None,
        };
        let pdf = att("215-KH-UBND.pdf", "Kế hoạch 215/KH-UBND");
        assert_eq!(pdf.shown_name(), "215-KH-UBND.pdf");
        let script = att("DownloadFile.aspx", "Phụ lục biểu mẫu đăng ký");
        assert_eq!(script.shown_name(), "Phụ lục biểu mẫu đăng ký");
        let bare = att("tai-lieu", "Tài liệu kèm theo");
        assert_eq!(bare.shown_name(), "Tài liệu kèm theo");
        let unnamed = att("DownloadFile.aspx", " ");
        assert_eq!(unnamed.shown_name(), "DownloadFile.aspx");
    }

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
    fn a_date_without_a_time_is_shown_as_a_date() {
        let d = |s| DateTime::parse_from_rfc3339(s).unwrap();
        assert_eq!(shown_date(&d("2025-12-23T00:00:00+07:00")), "23/12/2025");
        assert_eq!(
            shown_date(&d("2025-12-23T08:30:00+07:00")),
            "23/12/2025 08:30"
        );
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

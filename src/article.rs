//! Article pages: what one fetched article gives beyond its headline — the
//! main text (sanitised HTML, links and images absolute), the lead image,
//! the exact publication time, the byline, the attached documents, the
//! official document numbers it cites, and its own "Tin khác" list.
//!
//! The main text is found by `dom_smoothie` (a port of Mozilla's
//! Readability; README "Article pages" says why that crate), then cleaned by
//! `ammonia`: nothing from a portal leaves this module as HTML without
//! passing the sanitiser, and every other field is plain, cleaned text that
//! renderers escape. The "Tin khác" list is the harvest every poll does
//! ([`crate::source::html::extract_doc`], on the same parse), capped by
//! [`Limits`] like a poll.
//!
//! Pure: bytes, URL and fetch time in, [`Article`] out; no IO, no clock.
//! The page passes [`crate::source::page_text`] first, so the body cap of
//! the fetch and the parser's element and nesting caps hold here too.

pub mod docnum;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::fetch::Body;
use crate::item::{admit, canonical_link, AttachmentRef, DocumentRef, Followed, Harvested, Limits};
use crate::source::date::{find_date, parse_date};
use crate::source::html::{clean, document_base, extract_doc};
pub use docnum::DocNumber;

/// A main text shorter than this (in characters, whitespace collapsed) is
/// no text: a page that holds only a headline, a photo or an embedded
/// viewer gives `text: None` rather than its caption.
pub const MIN_TEXT_CHARS: usize = 80;

/// Attachments kept from one page: real articles attach a handful.
pub const MAX_ATTACHMENTS: usize = 20;

/// Document numbers kept from one page.
pub const MAX_DOCUMENTS: usize = 30;

/// File endings that make a link an attached document.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".odt", ".ods", ".ppt", ".pptx",
    ".7z",
];

/// Words that make a link an attached document whatever its address
/// (`/DownloadFile.aspx?id=…`), in its own text or just before it.
const ATTACHMENT_LABELS: &[&str] = &[
    "tài liệu đính kèm",
    "file đính kèm",
    "tệp đính kèm",
    "văn bản đính kèm",
    "tải về",
    "tải tại đây",
    "tải xuống",
];

/// What an article page gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// The page's address after redirects; links resolve against it (or
    /// its `<base href>`).
    pub url: Url,
    pub title: Option<String>,
    /// The page's own teaser (`og:description`, `description`).
    pub teaser: Option<String>,
    pub text: Option<MainText>,
    /// `og:image`, else the first image of the main text.
    pub image: Option<Url>,
    pub published: Option<Published>,
    pub byline: Option<String>,
    pub attachments: Vec<Attachment>,
    /// In order of first mention: title, teaser, text, then attachments.
    pub documents: Vec<DocNumber>,
    /// The page's own other-news list, as a poll of this page would harvest
    /// it (capped by `[limits]`), without the article itself.
    pub other_news: Vec<Harvested>,
}

/// The main text.
#[derive(Debug, Clone, PartialEq)]
pub struct MainText {
    /// Sanitised HTML: no scripts, styles, event handlers or foreign
    /// schemes; every `href` and `src` absolute; links `noopener`.
    pub html: String,
    /// Characters of its text, whitespace collapsed.
    pub chars: usize,
    /// The text alone, whitespace collapsed (for document numbers, and for
    /// readers that want no markup).
    pub plain: String,
}

/// When the article says it was published, and where it says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub at: DateTime<FixedOffset>,
    pub from: TimeSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSource {
    /// `article:published_time` and its kin.
    Meta,
    /// JSON-LD `datePublished`.
    JsonLd,
    /// `<time datetime>`.
    TimeElement,
    /// The date line under the headline ("Thứ Hai, 23/12/2025 08:30",
    /// "Cập nhật: 08:30 23/12/2025").
    DateLine,
}

impl TimeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeSource::Meta => "meta",
            TimeSource::JsonLd => "JSON-LD",
            TimeSource::TimeElement => "time element",
            TimeSource::DateLine => "date line",
        }
    }
}

/// An attached document. Its type and size come from a HEAD request, which
/// is the follow-up's job, not this pure module's: None until then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub url: Url,
    /// What the page calls it (the link's text), else the file name.
    pub name: String,
    /// The last segment of its address, percent-decoded.
    pub file_name: String,
    pub content_type: Option<String>,
    pub length: Option<u64>,
}

impl Article {
    /// What the store keeps of it ([`Followed`]): the attachments' type and
    /// size as the follow-up's HEAD requests filled them in.
    pub fn followed(&self) -> Followed {
        Followed {
            text_html: self.text.as_ref().map(|t| t.html.clone()),
            image: self.image.as_ref().map(Url::to_string),
            byline: self.byline.clone(),
            attachments: self
                .attachments
                .iter()
                .map(|a| AttachmentRef {
                    url: a.url.to_string(),
                    name: a.name.clone(),
                    file_name: a.file_name.clone(),
                    content_type: a.content_type.clone(),
                    length: a.length,
                })
                .collect(),
            documents: self
                .documents
                .iter()
                .map(|d| DocumentRef {
                    kind: d.kind.clone(),
                    number: d.number.clone(),
                    key: d.key.clone(),
                })
                .collect(),
        }
    }
}

/// Read a fetched article page. Fails only when the page may not be parsed
/// at all (too many elements, nested too deep).
pub fn extract(
    body: &Body,
    fetched_at: DateTime<Utc>,
    tz: FixedOffset,
    limits: &Limits,
) -> Result<Article, crate::source::Error> {
    let text = crate::source::page_text(body)?;
    Ok(extract_html(&text, &body.final_url, fetched_at, tz, limits))
}

/// [`extract`] on a page already decoded and checked by
/// [`crate::source::page_text`].
pub fn extract_html(
    html: &str,
    url: &Url,
    fetched_at: DateTime<Utc>,
    tz: FixedOffset,
    limits: &Limits,
) -> Article {
    let now = fetched_at.with_timezone(&tz);
    let doc = Html::parse_document(html);
    let base = document_base(&doc, url);
    let meta = Meta::read(&doc);
    let json_ld = JsonLd::read(&doc);

    let cap = |s: String, max: usize| -> Option<String> {
        let s = clean(&s);
        (!s.is_empty()).then(|| crate::text::truncate_chars(&s, max).into_owned())
    };
    let h1 = headline(&doc).map(|h| clean(&h.text().collect::<String>()));
    let title = meta
        .get("og:title")
        .map(str::to_string)
        .or_else(|| h1.clone())
        .or_else(|| first(&doc, &TITLE).map(|t| t.text().collect()))
        .and_then(|t| cap(t, limits.title_chars));
    let teaser = meta
        .get("og:description")
        .or_else(|| meta.get("description"))
        .and_then(|t| cap(t.to_string(), limits.summary_chars));

    let readable = readable(html, &base);
    let text = readable.as_ref().and_then(|r| main_text(&r.content, &base));
    let image = meta
        .get("og:image")
        .or_else(|| meta.get("twitter:image"))
        .and_then(|s| absolute(&base, s, limits))
        .or_else(|| text.as_ref().and_then(|t| first_image(&t.html)));
    let published = published(&doc, &meta, &json_ld, tz, now);
    let site_name = meta.get("og:site_name").map(clean);
    // Readability's byline is often the `author` meta, which portals and
    // papers fill with their own name or their publisher's: a byline is
    // taken only when the page shows it, and never a site or domain name.
    let shown = visible_texts(&doc, None).0.join(" ");
    let byline = [
        readable.as_ref().and_then(|r| r.byline.clone()),
        json_ld.author.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|b| clean(&b))
    .find(|b| {
        !b.is_empty()
            && Some(b) != site_name.as_ref()
            && Some(b) != title.as_ref()
            && !DOMAIN.is_match(b)
            && shown.contains(b.as_str())
    })
    .and_then(|b| cap(b, limits.title_chars));
    let attachments = attachments(&doc, &base, limits);

    let mut documents = Vec::new();
    for t in [title.as_deref(), teaser.as_deref()].into_iter().flatten() {
        docnum::find_into(t, false, &mut documents);
    }
    if let Some(t) = &text {
        docnum::find_into(&t.plain, false, &mut documents);
    }
    for a in &attachments {
        docnum::find_into(&a.name, false, &mut documents);
        docnum::find_in_file_name(&a.file_name, &mut documents);
    }
    documents.truncate(MAX_DOCUMENTS);

    let own = canonical_link(url);
    let mut other = extract_doc(&doc, url, None, tz, now).items;
    other.retain(|h| h.link.as_ref().is_none_or(|l| canonical_link(l) != own));
    let (other_news, _) = admit(other, limits);

    Article {
        url: url.clone(),
        title,
        teaser,
        text,
        image,
        published,
        byline,
        attachments,
        documents,
        other_news,
    }
}

/// `VCCorp.vn`, `xinhxinh.com.vn`: a publisher, not a byline.
static DOMAIN: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"(?i)[a-z0-9-]\.(vn|com|net|org)\b").expect("valid regex"));
static H1: LazyLock<Selector> = LazyLock::new(|| sel("h1"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| sel("title"));
static META: LazyLock<Selector> = LazyLock::new(|| sel("meta[content]"));
static LD_JSON: LazyLock<Selector> = LazyLock::new(|| sel(r#"script[type="application/ld+json"]"#));
static TIME: LazyLock<Selector> = LazyLock::new(|| sel("time[datetime]"));
static LINKS: LazyLock<Selector> = LazyLock::new(|| sel("a[href]"));
static IMAGES: LazyLock<Selector> = LazyLock::new(|| sel("img[src]"));

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

fn first<'a>(doc: &'a Html, s: &Selector) -> Option<ElementRef<'a>> {
    doc.select(s).next()
}

/// `meta` tags by their `property`, `name` or `itemprop`, lower-cased; the
/// first of each wins.
struct Meta(Vec<(String, String)>);

impl Meta {
    fn read(doc: &Html) -> Meta {
        let mut out: Vec<(String, String)> = Vec::new();
        for m in doc.select(&META) {
            let e = m.value();
            let Some(content) = e.attr("content") else {
                continue;
            };
            for key in [e.attr("property"), e.attr("name"), e.attr("itemprop")]
                .into_iter()
                .flatten()
            {
                let key = key.trim().to_ascii_lowercase();
                if !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, content.trim().to_string()));
                }
            }
        }
        Meta(out)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// What the page's JSON-LD says of the article (the first of each field,
/// at any depth, `@graph` included).
#[derive(Default)]
struct JsonLd {
    date_published: Option<String>,
    author: Option<String>,
}

impl JsonLd {
    fn read(doc: &Html) -> JsonLd {
        let mut out = JsonLd::default();
        for script in doc.select(&LD_JSON) {
            let text: String = script.text().collect();
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                out.visit(&v, 0);
            }
        }
        out
    }

    fn visit(&mut self, v: &serde_json::Value, depth: usize) {
        use serde_json::Value;
        if depth > 8 {
            return;
        }
        match v {
            Value::Array(a) => a.iter().for_each(|x| self.visit(x, depth + 1)),
            Value::Object(o) => {
                if self.date_published.is_none() {
                    if let Some(Value::String(d)) = o.get("datePublished") {
                        self.date_published = Some(d.clone());
                    }
                }
                if self.author.is_none() {
                    self.author = match o.get("author") {
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(Value::Object(a)) => {
                            a.get("name").and_then(Value::as_str).map(str::to_string)
                        }
                        Some(Value::Array(a)) => a.iter().find_map(|x| {
                            x.get("name")
                                .and_then(Value::as_str)
                                .or_else(|| x.as_str())
                                .map(str::to_string)
                        }),
                        _ => None,
                    };
                }
                o.values().for_each(|x| self.visit(x, depth + 1));
            }
            _ => {}
        }
    }
}

/// What readability kept.
struct Readable {
    content: String,
    byline: Option<String>,
}

fn readable(html: &str, base: &Url) -> Option<Readable> {
    let cfg = dom_smoothie::Config {
        max_elements_to_parse: crate::source::html::MAX_ELEMENTS,
        ..Default::default()
    };
    let mut r = dom_smoothie::Readability::new(html, Some(base.as_str()), Some(cfg)).ok()?;
    let a = r.parse().ok()?;
    Some(Readable {
        content: a.content.to_string(),
        byline: a.byline,
    })
}

/// Sanitise readability's HTML; None when it holds too little text.
fn main_text(content: &str, base: &Url) -> Option<MainText> {
    let html = ammonia::Builder::default()
        .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"))
        .clean(content)
        .to_string();
    let fragment = Html::parse_fragment(&html);
    let plain = clean(&fragment.root_element().text().collect::<Vec<_>>().join(" "));
    let chars = plain.chars().count();
    (chars >= MIN_TEXT_CHARS).then_some(MainText { html, chars, plain })
}

fn first_image(html: &str) -> Option<Url> {
    let fragment = Html::parse_fragment(html);
    let src = fragment.select(&IMAGES).next()?.value().attr("src")?;
    Url::parse(src)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

fn absolute(base: &Url, href: &str, limits: &Limits) -> Option<Url> {
    base.join(href.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .filter(|u| u.as_str().len() <= limits.link_bytes)
}

/// The exact publication time: the page's metadata (meta tags, JSON-LD,
/// `<time datetime>`), else its date line. A metadata date without a time
/// (midnight) gives way to a date line of the same day that has one.
fn published(
    doc: &Html,
    meta: &Meta,
    json_ld: &JsonLd,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Option<Published> {
    let plausible = |d: &DateTime<FixedOffset>| *d <= now + crate::source::MAX_AHEAD;
    const KEYS: &[&str] = &[
        "article:published_time",
        "og:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "dc.date.issued",
        "dc.date",
    ];
    let from_meta = KEYS
        .iter()
        .find_map(|k| meta.get(k).and_then(|c| parse_date(c, tz, None)))
        .filter(plausible)
        .map(|at| Published {
            at,
            from: TimeSource::Meta,
        });
    let from_json = || {
        json_ld
            .date_published
            .as_deref()
            .and_then(|d| parse_date(d, tz, None))
            .filter(plausible)
            .map(|at| Published {
                at,
                from: TimeSource::JsonLd,
            })
    };
    let from_time = || {
        doc.select(&TIME)
            .filter_map(|t| t.value().attr("datetime"))
            .find_map(|d| parse_date(d, tz, None).filter(plausible))
            .map(|at| Published {
                at,
                from: TimeSource::TimeElement,
            })
    };
    let line = date_line(doc, tz).filter(plausible).map(|at| Published {
        at,
        from: TimeSource::DateLine,
    });
    match from_meta.or_else(from_json).or_else(from_time) {
        Some(m) => Some(match line {
            Some(l)
                if m.at.num_seconds_from_midnight() == 0
                    && l.at.date_naive() == m.at.date_naive()
                    && l.at.num_seconds_from_midnight() != 0 =>
            {
                l
            }
            _ => m,
        }),
        None => line,
    }
}

/// The date line: the first date among the few short texts right after
/// the headline (`h1`), else right before it; on a page without one, the first short text with a
/// date set with a weekday or a label such as "Cập nhật", "Ngày đăng". A
/// date in the page's header (today's date in the top bar) comes before the
/// headline and is never taken for the article's, nor is a date inside a
/// paragraph ("Kế hoạch … ngày 20/8/2020" names the plan's date).
fn date_line(doc: &Html, tz: FixedOffset) -> Option<DateTime<FixedOffset>> {
    const AFTER_HEADLINE: usize = 12;
    const LINE_CHARS: usize = 100;
    const LINE_REST_CHARS: usize = 40;
    const BEFORE_HEADLINE: usize = 3;
    static LABELLED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)(thứ\s+(hai|ba|tư|năm|sáu|bảy)|chủ\s+nhật|cập\s+nhật|ngày\s+đăng|đăng\s+(ngày|lúc)|xuất\s+bản)",
        )
        .expect("valid regex")
    });
    let h1 = headline(doc).map(|h| h.id());
    let (texts, around_h1) = visible_texts(doc, h1);
    // A line is short, and is mostly its date: what is left once the date
    // (with its time, weekday and label) is cut out is a view count or a
    // section name, not a sentence.
    let line_date = |t: &String| {
        if t.chars().count() > LINE_CHARS {
            return None;
        }
        let (d, r) = find_date(t, tz)?;
        let rest = t[..r.start].chars().count() + t[r.end..].chars().count();
        (rest <= LINE_REST_CHARS).then_some(d)
    };
    match around_h1 {
        // Under the headline, else just above it (some templates print
        // the date line over the headline), there only with a time: the
        // top bar's "today" has none.
        Some((before, after)) => texts[after..]
            .iter()
            .take(AFTER_HEADLINE)
            .find_map(line_date)
            .or_else(|| {
                texts[before.saturating_sub(BEFORE_HEADLINE)..before]
                    .iter()
                    .rev()
                    .filter_map(line_date)
                    .find(|d| d.num_seconds_from_midnight() != 0)
            }),
        None => texts
            .iter()
            .filter(|t| LABELLED.is_match(t))
            .find_map(line_date),
    }
}

/// The article's headline: of the page's `h1`s (a logo is often one too),
/// the one with the most text.
fn headline(doc: &Html) -> Option<ElementRef<'_>> {
    doc.select(&H1)
        .map(|h| (h, clean(&h.text().collect::<String>()).chars().count()))
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map(|(h, _)| h)
}

/// The page's visible texts in order, and where the element `mark` (when
/// given and present) opens and closes among them.
fn visible_texts(
    doc: &Html,
    mark: Option<ego_tree::NodeId>,
) -> (Vec<String>, Option<(usize, usize)>) {
    let mut out = Vec::new();
    let mut before = 0;
    let mut after = None;
    let mut hidden = 0usize;
    for edge in doc.root_element().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(e) if is_hidden(e.name()) => hidden += 1,
                Node::Element(_) if Some(node.id()) == mark => before = out.len(),
                Node::Text(t) if hidden == 0 => {
                    let t = clean(t);
                    if !t.is_empty() {
                        out.push(t);
                    }
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if Some(node.id()) == mark {
                    after = Some((before, out.len()));
                }
                if let Node::Element(e) = node.value() {
                    if is_hidden(e.name()) {
                        hidden -= 1;
                    }
                }
            }
        }
    }
    (out, after)
}

fn is_hidden(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "select" | "head"
    )
}

/// Links to documents: by their file ending, or by a label in their text,
/// their `title`, or the text just before them ("Tài liệu đính kèm tải tại
/// đây: <a>211-KH-UBND</a>"). Links in the page's frame ([`is_page_frame`]:
/// the site's own forms, guides and profile) are never attachments.
fn attachments(doc: &Html, base: &Url, limits: &Limits) -> Vec<Attachment> {
    let mut out: Vec<Attachment> = Vec::new();
    for a in doc.select(&LINKS) {
        if out.len() >= MAX_ATTACHMENTS {
            break;
        }
        if a.ancestors()
            .filter_map(ElementRef::wrap)
            .any(is_page_frame)
        {
            continue;
        }
        let Some(url) = a
            .value()
            .attr("href")
            .and_then(|h| absolute(base, h, limits))
        else {
            continue;
        };
        let file_name = file_name(&url);
        let lower_file = file_name.to_lowercase();
        let by_extension = DOCUMENT_EXTENSIONS.iter().any(|e| lower_file.ends_with(e));
        let text = clean(&a.text().collect::<String>());
        let labelled = || {
            let own = format!("{} {}", text, a.value().attr("title").unwrap_or(""));
            has_label(&own) || has_label(&text_before(a))
        };
        if !(by_extension || labelled()) || out.iter().any(|x| x.url == url) {
            continue;
        }
        // "Phụ lục biểu mẫu <a>Tải về</a>": the words before name the file.
        let name = if text.is_empty() || is_only_label(&text) {
            let before = clean(&text_before(a));
            let before = before.trim_end_matches(':').trim();
            if before.is_empty() || is_only_label(before) || has_label(before) {
                file_name.clone()
            } else {
                before.to_string()
            }
        } else {
            text
        };
        if name.is_empty() {
            continue;
        }
        out.push(Attachment {
            url,
            name: crate::text::truncate_chars(&name, limits.title_chars).into_owned(),
            file_name,
            content_type: None,
            length: None,
        });
    }
    out
}

/// The site's frame around every page: `nav`, `header`, `footer`, and the
/// older templates' `div class="footer…"` / `id="footer"` (the convention
/// Readability also reads).
fn is_page_frame(e: ElementRef) -> bool {
    let v = e.value();
    matches!(v.name(), "nav" | "header" | "footer")
        || v.id()
            .is_some_and(|id| id.to_ascii_lowercase().starts_with("footer"))
        || v.classes()
            .any(|c| c.to_ascii_lowercase().starts_with("footer"))
}

fn has_label(text: &str) -> bool {
    let lower = text.to_lowercase();
    ATTACHMENT_LABELS.iter().any(|l| lower.contains(l))
}

/// "Tải về", "tại đây", "File đính kèm": a link text that names no file.
fn is_only_label(text: &str) -> bool {
    let lower = text.to_lowercase();
    let rest = ATTACHMENT_LABELS
        .iter()
        .chain(&["tại đây", "xem", "tải", "download", "click"])
        .fold(lower, |s, l| s.replace(l, ""));
    !rest.chars().any(char::is_alphanumeric)
}

/// The text of the link's parent before the link, at most 120 characters:
/// where a label stands.
fn text_before(a: ElementRef) -> String {
    let mut before = String::new();
    let mut sib = a.prev_sibling();
    while let Some(s) = sib {
        let t = match s.value() {
            Node::Text(t) => t.to_string(),
            Node::Element(_) => ElementRef::wrap(s)
                .map(|e| e.text().collect())
                .unwrap_or_default(),
            _ => String::new(),
        };
        before.insert_str(0, &t);
        if before.chars().count() > 120 {
            break;
        }
        sib = s.prev_sibling();
    }
    let chars: Vec<char> = before.chars().collect();
    chars[chars.len().saturating_sub(120)..].iter().collect()
}

fn file_name(url: &Url) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    clean(&percent_decode(last))
}

/// `%E1%BA%BF` to its characters; a broken escape stays as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;

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

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use ego_tree::iter::Edge;
use ego_tree::NodeId;
use encoding_rs::Encoding;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::date::{find_date, parse_date};
use crate::config::ScrapeConfig;
use crate::item::{canonical_link, Harvested};
use crate::text::{is_surely_nfc, nfc};

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
}

/// Decode a page: the HTTP charset first, then a BOM, then `<meta charset>`
/// or `http-equiv`, then UTF-8. Text comes out NFC, because windows-1258
/// decodes tone marks as combining characters.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    let enc = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| sniff_meta_charset(bytes))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = enc.decode(bytes);
    nfc(&text)
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// Find `charset=` in the first 4 KiB, as browsers' prescan does (simplified:
/// it only looks inside `<meta` tags).
fn sniff_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset=") {
            let rest = &tag[c + 8..];
            let rest = rest
                .iter()
                .position(|b| !matches!(b, b'"' | b'\'' | b' '))
                .map_or(&rest[..0], |p| &rest[p..]);
            let label_end = rest
                .iter()
                .position(|b| matches!(b, b'"' | b'\'' | b' ' | b';' | b'/' | b'>'))
                .unwrap_or(rest.len());
            if let Some(enc) = Encoding::for_label(&rest[..label_end]) {
                // A page that says UTF-16 in ASCII bytes is really ASCII-compatible.
                return Some(
                    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                        encoding_rs::UTF_8
                    } else {
                        enc
                    },
                );
            }
        }
        from = end.max(start + 1);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Collapse whitespace (NBSP included), trim, drop control characters
/// (which XML cannot carry at all), and make NFC. Every text a source
/// yields passes through here.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut surely_nfc = true;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{200b}' {
            space = !out.is_empty();
        } else if !c.is_control() && !matches!(c, '\u{fffe}' | '\u{ffff}') {
            if space {
                out.push(' ');
                space = false;
            }
            surely_nfc &= is_surely_nfc(c);
            out.push(c);
        }
    }
    if surely_nfc {
        out
    } else {
        nfc(&out)
    }
}

/// Whether `el` could hold a date: a digit in its text, or a `time` or
/// `meta` element (whose attribute may carry one).
fn may_hold_date(el: ElementRef) -> bool {
    el.descendants().any(|n| match n.value() {
        Node::Text(t) => t.bytes().any(|b| b.is_ascii_digit()),
        Node::Element(e) => matches!(e.name(), "time" | "meta"),
        _ => false,
    })
}

/// The number of words in `el`'s text, as [`clean`] would split it, without
/// building the text.
fn word_count(el: ElementRef) -> usize {
    let mut words = 0;
    let mut in_word = false;
    for t in el.text() {
        for c in t.chars() {
            if c.is_whitespace() || c == '\u{200b}' {
                in_word = false;
            } else if !in_word && !c.is_control() {
                in_word = true;
                words += 1;
            }
        }
    }
    words
}

/// How much work a page's element nesting asks of the HTML parser, found by
/// one linear scan of its tags, before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nesting {
    /// The deepest open element, roughly (end tags HTML lets pages leave
    /// out, void elements and raw text are allowed for).
    pub depth: usize,
    /// The sum over start tags of the depth they open at: html5ever looks
    /// through the open elements for many start tags, so its time grows
    /// with this, not with the page's size (40,000 nested `<div>`s take 4 s,
    /// and a 10 MiB page could nest 2 million).
    pub cost: u64,
    /// Start tags: the parser builds a node for each (and one for the text
    /// beside it), so this bounds the memory a parse takes.
    pub elements: usize,
}

/// Limit on [`Nesting::elements`]: real article and listing pages hold a few
/// hundred to a few thousand elements (the seeds 57–324; news pages of other
/// sites up to about 2,000); a 10 MiB page of 165,000 links would take the
/// parser and the extractor over 200 MiB.
pub const MAX_ELEMENTS: usize = 50_000;

/// Limits for [`nesting`]: far above real portal pages (the seed pages nest
/// 3–15 deep at a cost of 79–1,494), far below what would stall a parse
/// thread (pages at the limits parse in under 0.1 s).
pub const MAX_DEPTH: usize = 2_000;
pub const MAX_NESTING_COST: u64 = 20_000_000;

/// Elements that never hold others or whose end tag may be left out (the
/// parser closes them by itself): they do not deepen the rough count.
fn is_flat_tag(name: &[u8]) -> bool {
    const FLAT: &[&[u8]] = &[
        b"area",
        b"base",
        b"br",
        b"col",
        b"embed",
        b"hr",
        b"img",
        b"input",
        b"link",
        b"meta",
        b"param",
        b"source",
        b"track",
        b"wbr",
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"tr",
        b"td",
        b"th",
        b"option",
        b"optgroup",
        b"rt",
        b"rp",
        b"tbody",
        b"thead",
        b"tfoot",
        b"colgroup",
        b"caption",
        b"html",
        b"head",
        b"body",
    ];
    FLAT.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// One linear pass over the tags of `html` (no parsing): see [`Nesting`].
pub fn nesting(html: &str) -> Nesting {
    let b = html.as_bytes();
    let find = |from: usize, pat: &[u8]| {
        b.get(from..)
            .and_then(|rest| {
                rest.windows(pat.len())
                    .position(|w| w.eq_ignore_ascii_case(pat))
            })
            .map(|p| from + p)
    };
    let (mut depth, mut max, mut cost, mut elements) = (0usize, 0usize, 0u64, 0usize);
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let at = i + p;
        let next = b.get(at + 1).copied().unwrap_or(b' ');
        if b[at..].starts_with(b"<!--") {
            i = find(at + 4, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        if matches!(next, b'!' | b'?') {
            // <!doctype>, <![CDATA[…]]>, <?xml?>
            i = find(at, b">").map_or(b.len(), |e| e + 1);
            continue;
        }
        let closing = next == b'/';
        let start = at + 1 + usize::from(closing);
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            i = at + 1; // a "<" in text
            continue;
        }
        let len = b[start..]
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(b.len() - start);
        let end = find(start, b">").map_or(b.len(), |e| e + 1);
        i = end;
        let name = &b[start..start + len];
        if closing {
            if !is_flat_tag(name) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        // Raw text: nothing inside is a tag.
        if [&b"script"[..], b"style", b"textarea", b"title", b"xmp"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(name))
        {
            let mut close = b"</".to_vec();
            close.extend_from_slice(name);
            i = find(i, &close).unwrap_or(b.len());
            continue;
        }
        if is_flat_tag(name) || b[..end].ends_with(b"/>") {
            continue;
        }
        depth += 1;
        max = max.max(depth);
        cost += depth as u64;
    }
    Nesting {
        depth: max,
        cost,
        elements,
    }
}

/// Harvest a page. `base` is the page's final URL: every link resolves
/// against it (relative, absolute and protocol-relative alike).
pub fn extract(
    html: &str,
    base: &Url,
    scrape: Option<&ScrapeConfig>,
    tz: FixedOffset,
) -> Extraction {
    let doc = Html::parse_document(html);
    let base = document_base(&doc, base);
    match scrape {
        Some(cfg) => extract_with_selectors(&doc, &base, cfg, tz),
        None => Auto::new(&doc, &base, tz).run(),
    }
}

/// A `<base href>` overrides the page URL for relative links.
fn document_base(doc: &Html, page: &Url) -> Url {
    static BASE: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("base[href]").expect("valid selector"));
    doc.select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page.join(h.trim()).ok())
        .unwrap_or_else(|| page.clone())
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

fn is_ellipsis_cut(s: &str) -> bool {
    s.ends_with('…') || s.ends_with("...")
}

/// The visible headline, or the `title` attribute's whole headline when the
/// visible one was cut short (or is missing, as on image links).
fn best_title(visible: &str, title_attr: Option<&str>) -> String {
    let attr = title_attr.map(clean).filter(|t| !t.is_empty());
    match attr {
        Some(a) if visible.is_empty() => a,
        Some(a) if is_ellipsis_cut(visible) && a.chars().count() >= visible.chars().count() - 1 => {
            a
        }
        _ => visible.to_string(),
    }
}

fn text_of(el: ElementRef) -> String {
    let mut s = String::new();
    for t in el.text() {
        s.push_str(t);
    }
    clean(&s)
}

fn is_skipped_tag(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "select"
    )
}

fn is_inline_tag(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "strong"
            | "i"
            | "em"
            | "span"
            | "font"
            | "u"
            | "small"
            | "sup"
            | "sub"
            | "abbr"
    )
}

/// Text of a set of nodes, leaving out the headline link(s) `skip` and
/// non-content tags, with spaces at block boundaries. Also returns the first
/// machine-readable date (`time[datetime]`, `meta[content]`) met.
fn text_outside(
    nodes: &[ElementRef],
    skip: &dyn Fn(ElementRef) -> bool,
    tz: FixedOffset,
) -> (String, Option<DateTime<FixedOffset>>) {
    let mut text = String::new();
    let mut machine_date = None;
    for n in nodes {
        let mut hidden = 0usize;
        for edge in n.traverse() {
            match edge {
                Edge::Open(node) => {
                    if let Some(el) = ElementRef::wrap(node) {
                        let name = el.value().name();
                        if is_skipped_tag(name) || skip(el) {
                            hidden += 1;
                        } else if hidden == 0 {
                            if !is_inline_tag(name) {
                                text.push(' ');
                            }
                            if machine_date.is_none() && matches!(name, "time" | "meta") {
                                let v = el.value();
                                machine_date = v
                                    .attr("datetime")
                                    .or_else(|| v.attr("content"))
                                    .and_then(|d| parse_date(d, tz, None));
                            }
                        }
                    } else if hidden == 0 {
                        if let Node::Text(t) = node.value() {
                            text.push_str(t);
                        }
                    }
                }
                Edge::Close(node) => {
                    if let Some(el) = ElementRef::wrap(node) {
                        let name = el.value().name();
                        if is_skipped_tag(name) || skip(el) {
                            hidden -= 1;
                        } else if hidden == 0 && !is_inline_tag(name) {
                            text.push(' ');
                        }
                    }
                }
            }
        }
        text.push(' ');
    }
    (clean(&text), machine_date)
}

/// The readable text of an element: tags dropped, spaces only where blocks
/// meet (so "trả <b>lời</b>:" stays "trả lời:"), scripts and styles left out.
pub fn readable_text(el: ElementRef) -> String {
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    text_outside(&[el], &|_| false, utc).0
}

/// The teaser: what is left of an item's text once the headline and the
/// date are out, without the separators that stood around the date.
fn teaser(
    mut text: String,
    date_range: Option<std::ops::Range<usize>>,
    title: &str,
) -> Option<String> {
    if let Some(r) = date_range {
        text.replace_range(r, " ");
    }
    let t = clean(&text);
    let t = t.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '|' | '–' | '—' | ',' | ':' | '/')
    });
    let t = t.trim();
    (t.chars().count() >= 10 && t != title).then(|| t.to_string())
}

// ---------------------------------------------------------------------------
// Explicit selectors.

fn extract_with_selectors(
    doc: &Html,
    base: &Url,
    cfg: &ScrapeConfig,
    tz: FixedOffset,
) -> Extraction {
    static A_HREF: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("a[href]").expect("valid selector"));
    let a_href = &*A_HREF;
    let mut items = Vec::new();
    let mut matched = 0;
    for el in doc.select(&cfg.items.1) {
        matched += 1;
        let title_el = match &cfg.title {
            Some((_, s)) => el.select(s).next(),
            None => el.select(a_href).next(),
        };
        let link_el = match &cfg.link {
            Some((_, s)) => el.select(s).next(),
            None => title_el.filter(|t| t.value().attr("href").is_some()),
        }
        .or_else(|| el.select(a_href).next());
        let href_el = link_el.and_then(|l| {
            if l.value().attr("href").is_some() {
                Some(l)
            } else {
                l.select(a_href).next()
            }
        });
        let link = href_el
            .and_then(|l| l.value().attr("href"))
            .and_then(|h| resolve_link(base, h));
        let title = match title_el {
            Some(t) => best_title(&text_of(t), t.value().attr("title")),
            None => String::new(),
        };
        if title.is_empty() {
            continue;
        }
        let date_format = cfg.date_format.as_deref();
        let published = cfg.date.as_ref().and_then(|(_, s)| {
            let d = el.select(s).next()?;
            let v = d.value();
            v.attr("datetime")
                .or_else(|| v.attr("content"))
                .and_then(|x| parse_date(x, tz, date_format))
                .or_else(|| parse_date(&text_of(d), tz, date_format))
        });
        let summary = cfg
            .summary
            .as_ref()
            .and_then(|(_, s)| el.select(s).next())
            .map(text_of)
            .filter(|s| !s.is_empty());
        items.push(Harvested {
            title,
            link,
            guid: None,
            summary,
            published,
        });
    }
    let outcome = match (matched, items.is_empty()) {
        (0, _) => Outcome::NoContainer,
        (_, true) => Outcome::EmptyContainer,
        _ => Outcome::Found,
    };
    Extraction { items, outcome }
}

// ---------------------------------------------------------------------------
// Auto-detection.

/// The distinct headline links under an element: none, exactly one (which),
/// or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Links {
    None,
    One(usize),
    Many,
}

impl Links {
    fn merge(self, other: Links) -> Links {
        match (self, other) {
            (Links::None, x) | (x, Links::None) => x,
            (Links::One(a), Links::One(b)) if a == b => Links::One(a),
            _ => Links::Many,
        }
    }
}

struct HeadlineLink {
    url: Url,
}

/// Headings of "other news" blocks, lower-case NFC.
const HEADINGS: &[&str] = &[
    "tin khác",
    "các tin khác",
    "tin bài khác",
    "các tin bài khác",
    "bài viết khác",
    "các bài viết khác",
    "tin liên quan",
    "các tin liên quan",
    "tin bài liên quan",
    "bài viết liên quan",
    "tin cùng chuyên mục",
    "các tin cùng chuyên mục",
    "tin cùng loại",
    "tin đã đưa",
    "các tin đã đưa",
    "tin tức khác",
    "các tin tức khác",
];

fn is_heading_text(s: &str) -> bool {
    // Every heading starts with "tin", "các" or "bài" and holds "tin" or
    // "viết" (in "bài viết"): text failing that, in ASCII letters of any
    // case, is not one, and most text nodes of a page are out without
    // building anything.
    let first = s.chars().find(|c| !c.is_whitespace() && !c.is_control());
    if !matches!(first, Some('t' | 'T' | 'c' | 'C' | 'b' | 'B')) {
        return false;
    }
    let has = |needle: &[u8]| {
        s.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !has(b"tin") && !has(b"vi") {
        return false;
    }
    let t = clean(s).to_lowercase();
    let t = t.trim_end_matches([':', '.', ' ', '»', '>']);
    if t.is_empty() || t.chars().count() > 60 {
        return false;
    }
    HEADINGS.iter().any(|h| {
        t == *h
            || t.strip_prefix(h)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with(':'))
    })
}

struct Auto<'a> {
    doc: &'a Html,
    tz: FixedOffset,
    links: Vec<HeadlineLink>,
    /// Headline links under each element that has any.
    under: HashMap<NodeId, Links>,
    /// The `<a>` elements that are headline links (or image and "more" links
    /// with a `title` to one), which link they are, and their title.
    anchors: HashMap<NodeId, (usize, String)>,
}

enum Climb<'a> {
    Block(Vec<ElementRef<'a>>),
    Empty,
    Nothing,
}

impl<'a> Auto<'a> {
    fn new(doc: &'a Html, base: &Url, tz: FixedOffset) -> Auto<'a> {
        let mut auto = Auto {
            doc,
            tz,
            links: Vec::new(),
            under: HashMap::default(),
            anchors: HashMap::default(),
        };
        auto.index_links(base);
        auto
    }

    /// One pass over the tree: find headline links and, bottom-up, which of
    /// them each element holds. Iterative, so deep pages cannot overflow the
    /// stack.
    fn index_links(&mut self, base: &Url) {
        let mut keys: HashMap<String, usize> = HashMap::default();
        let mut stack: Vec<(NodeId, Links)> = Vec::new();
        let mut nav_depth = 0usize;
        for edge in self.doc.root_element().traverse() {
            match edge {
                Edge::Open(node) => {
                    let Some(el) = ElementRef::wrap(node) else {
                        continue;
                    };
                    let name = el.value().name();
                    let is_nav = name == "nav" || el.value().attr("role") == Some("navigation");
                    if is_nav {
                        nav_depth += 1;
                    }
                    let mut links = Links::None;
                    // Most links of a page (menus, tags, "more") are short,
                    // with no `title`: they can be neither a headline nor a
                    // better title for one, so they are not even resolved.
                    let title_attr = el.value().attr("title");
                    if name == "a"
                        && nav_depth == 0
                        && (title_attr.is_some() || word_count(el) >= 4)
                    {
                        if let Some(url) =
                            el.value().attr("href").and_then(|h| resolve_link(base, h))
                        {
                            let title = best_title(&text_of(el), title_attr);
                            let words = title
                                .split(' ')
                                .filter(|w| w.chars().any(char::is_alphanumeric))
                                .count();
                            if words >= 4 && title.chars().count() >= 15 {
                                let key = canonical_link(&url).to_string();
                                let next = self.links.len();
                                let idx = *keys.entry(key).or_insert(next);
                                if idx == next {
                                    self.links.push(HeadlineLink { url });
                                }
                                self.anchors.insert(el.id(), (idx, title));
                                links = Links::One(idx);
                            } else if let Some(&idx) = keys.get(&canonical_link(&url).to_string()) {
                                // An image or "more" link to an article already seen.
                                self.anchors.insert(el.id(), (idx, title));
                            }
                        }
                    }
                    stack.push((el.id(), links));
                }
                Edge::Close(node) => {
                    let Some(el) = ElementRef::wrap(node) else {
                        continue;
                    };
                    let name = el.value().name();
                    if name == "nav" || el.value().attr("role") == Some("navigation") {
                        nav_depth -= 1;
                    }
                    let (id, links) = stack.pop().expect("balanced traversal");
                    if links != Links::None {
                        self.under.insert(id, links);
                        if let Some(parent) = stack.last_mut() {
                            parent.1 = parent.1.merge(links);
                        }
                    }
                }
            }
        }
    }

    fn links_under(&self, el: ElementRef) -> Links {
        self.under.get(&el.id()).copied().unwrap_or(Links::None)
    }

    fn run(&self) -> Extraction {
        let mut segments: Vec<(usize, Vec<ElementRef<'a>>)> = Vec::new();
        let mut saw_empty_block = false;
        for heading in self.headings() {
            match self.climb(heading) {
                Climb::Block(nodes) => {
                    let before = segments.len();
                    self.segment(&nodes, &mut segments, 0);
                    if segments.len() == before {
                        saw_empty_block = true;
                    }
                }
                Climb::Empty => saw_empty_block = true,
                Climb::Nothing => {}
            }
        }
        let mut items = Vec::new();
        let mut seen = HashSet::default();
        for (link, nodes) in &segments {
            if seen.insert(*link) {
                items.push(self.harvest(*link, nodes));
            }
        }
        for (link, item) in self.listings(&seen) {
            if seen.insert(link) {
                items.push(item);
            }
        }
        let outcome = if !items.is_empty() {
            Outcome::Found
        } else if saw_empty_block {
            Outcome::EmptyContainer
        } else {
            Outcome::NoContainer
        };
        Extraction { items, outcome }
    }

    /// Innermost elements whose own text is an "other news" heading.
    fn headings(&self) -> Vec<ElementRef<'a>> {
        let mut out = Vec::new();
        for node in self.doc.tree.nodes() {
            if let Node::Text(t) = node.value() {
                if t.len() <= 200 && is_heading_text(t) {
                    if let Some(parent) = node.parent().and_then(ElementRef::wrap) {
                        if !is_skipped_tag(parent.value().name()) && !out.contains(&parent) {
                            out.push(parent);
                        }
                    }
                }
            }
        }
        out
    }

    /// From a heading, climb until what follows it holds headline links.
    fn climb(&self, heading: ElementRef<'a>) -> Climb<'a> {
        let mut cur = heading;
        for _ in 0..6 {
            let following: Vec<ElementRef<'a>> =
                cur.next_siblings().filter_map(ElementRef::wrap).collect();
            if following
                .iter()
                .any(|e| self.links_under(*e) != Links::None)
            {
                return Climb::Block(following);
            }
            if let Some(first) = following.first() {
                if matches!(
                    first.value().name(),
                    "ul" | "ol" | "table" | "tbody" | "div" | "dl" | "section"
                ) {
                    return Climb::Empty;
                }
            }
            match cur.parent().and_then(ElementRef::wrap) {
                Some(p) if !matches!(p.value().name(), "body" | "html") => cur = p,
                _ => break,
            }
        }
        Climb::Nothing
    }

    /// Cut a run of sibling nodes into items: a node holding one headline
    /// link starts an item; nodes with none (teaser, date) join the current
    /// one; nodes with several are cut recursively. A heading without links
    /// ends the block.
    fn segment(
        &self,
        nodes: &[ElementRef<'a>],
        out: &mut Vec<(usize, Vec<ElementRef<'a>>)>,
        depth: usize,
    ) -> bool {
        if depth > 12 {
            return true;
        }
        let mut current: Option<(usize, Vec<ElementRef<'a>>)> = None;
        for n in nodes {
            match self.links_under(*n) {
                Links::Many => {
                    out.extend(current.take());
                    let children: Vec<ElementRef<'a>> = n.child_elements().collect();
                    if self.segment(&children, out, depth + 1) {
                        return true;
                    }
                }
                Links::One(link) => {
                    out.extend(current.take());
                    current = Some((link, vec![*n]));
                }
                Links::None => {
                    let name = n.value().name();
                    if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
                        && (current.is_some() || !out.is_empty())
                    {
                        out.extend(current.take());
                        return true;
                    }
                    if let Some((_, c)) = current.as_mut() {
                        c.push(*n);
                    }
                }
            }
        }
        out.extend(current);
        false
    }

    /// Listings: groups of at least three same-tag siblings that each hold
    /// one headline link, most of them with a date.
    /// Groups whose links were all `seen` in news blocks are passed over:
    /// they could add nothing.
    fn listings(&self, seen: &HashSet<usize>) -> Vec<(usize, Harvested)> {
        let mut out = Vec::new();
        for (&id, &links) in &self.under {
            if links != Links::Many {
                continue;
            }
            let Some(parent) = self.doc.tree.get(id).and_then(ElementRef::wrap) else {
                continue;
            };
            let mut groups: HashMap<&str, Vec<(usize, ElementRef<'a>)>> = HashMap::default();
            for child in parent.child_elements() {
                if let Links::One(link) = self.links_under(child) {
                    groups
                        .entry(child.value().name())
                        .or_default()
                        .push((link, child));
                }
            }
            for (_, members) in groups {
                // Reading an item costs far more than these checks: a group
                // needs three members that could hold a date at all.
                let could_be_dated = members.iter().filter(|(_, el)| may_hold_date(*el)).count();
                if members.len() < 3
                    || could_be_dated < 3
                    || could_be_dated * 5 < members.len() * 3
                    || members.iter().all(|(link, _)| seen.contains(link))
                {
                    continue;
                }
                let harvested: Vec<(usize, Harvested)> = members
                    .iter()
                    .map(|(link, el)| (*link, self.harvest(*link, &[*el])))
                    .collect();
                let dated = harvested
                    .iter()
                    .filter(|(_, h)| h.published.is_some())
                    .count();
                if dated >= 3 && dated * 5 >= harvested.len() * 3 {
                    out.push((parent.id(), harvested));
                }
            }
        }
        // Document order of listings is not known from a HashMap: order by the
        // position of their first link, which the index pass numbered in order.
        out.sort_by_key(|(_, h)| h.first().map(|(l, _)| *l));
        out.into_iter().flat_map(|(_, h)| h).collect()
    }

    /// Read one item from its nodes.
    fn harvest(&self, link: usize, nodes: &[ElementRef<'a>]) -> Harvested {
        let mut best: Option<String> = None;
        for n in nodes {
            let anchors = std::iter::once(*n).chain(n.descendent_elements());
            for a in anchors {
                if let Some((_, t)) = self.anchors.get(&a.id()).filter(|(l, _)| *l == link) {
                    if best
                        .as_ref()
                        .is_none_or(|b| t.chars().count() > b.chars().count())
                    {
                        best = Some(t.clone());
                    }
                }
            }
        }
        let title = best.unwrap_or_default();
        // Leave out the headline itself and short links ("Xem tiếp »",
        // "Chi tiết"): neither is teaser text.
        let skip = |el: ElementRef| {
            self.anchors.get(&el.id()).is_some_and(|(l, _)| *l == link)
                || (el.value().name() == "a" && word_count(el) < 4)
        };
        let (text, machine_date) = text_outside(nodes, &skip, self.tz);
        let found = find_date(&text, self.tz);
        let published = machine_date.or(found.as_ref().map(|(d, _)| *d));
        let summary = teaser(text, found.map(|(_, r)| r), &title);
        Harvested {
            title,
            link: Some(self.links[link].url.clone()),
            guid: None,
            summary,
            published,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_of_real_pages_is_far_below_the_limits() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut pages = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "html") {
                let text = decode(&std::fs::read(&path).unwrap(), None);
                let n = nesting(&text);
                assert!(n.depth >= 2 && n.depth < 60, "{}: {n:?}", path.display());
                assert!(n.cost < 20_000, "{}: {n:?}", path.display());
                pages += 1;
            }
        }
        assert!(pages >= 5);
    }

    #[test]
    fn nesting_counts_what_the_parser_will_nest() {
        let n = |s: &str| nesting(s);
        assert_eq!(n("<div><div><span>x</span></div></div>").depth, 3);
        // Deep nesting, and moderate nesting with very many tags inside.
        let deep = "<div>".repeat(100_000);
        assert_eq!(n(&deep).depth, 100_000);
        let wide = format!("{}{}", "<div>".repeat(1_000), "<b>x</b>".repeat(30_000));
        assert!(n(&wide).cost > MAX_NESTING_COST, "{:?}", n(&wide));
        assert!(n(&wide).depth <= MAX_DEPTH);
        // End tags pages may leave out, void and self-closed elements,
        // comments, raw text and stray "<" do not deepen it.
        let list = format!(
            "<ul>{}</ul>",
            "<li><a href=x>tin</a><br><img src=y>".repeat(5_000)
        );
        assert_eq!(n(&list).depth, 2);
        let p = "<p>một<p>hai<td>ba<svg/><x-y/>".repeat(3_000);
        assert_eq!(n(&p).depth, 0);
        let raw = "<script>if (a<b) { '<div><div>' }</script><style>a<b{}</style>";
        assert_eq!(n(raw).depth, 0);
        assert_eq!(n("<!-- <div><div> --> 1 < 2 <DIV></DIV>").depth, 1);
    }

    #[test]
    fn every_heading_passes_the_cheap_prefilter() {
        // is_heading_text skips text that does not start with t, c or b and
        // hold "tin" or "vi": a new heading must pass, in any case and form.
        for h in HEADINGS {
            assert!(is_heading_text(h), "{h}");
            assert!(is_heading_text(&h.to_uppercase()), "{h}");
            let nfd: String = unicode_normalization::UnicodeNormalization::nfd(*h).collect();
            assert!(is_heading_text(&nfd), "{h} (NFD)");
        }
        assert!(!is_heading_text("Tin"));
        assert!(!is_heading_text("Giáo dục"));
    }

    #[test]
    fn clean_collapses_spaces_drops_controls_and_composes() {
        assert_eq!(
            clean("  Hoa\u{300}\u{a0}\n Bình \u{1} x\u{200b}y "),
            "Hoà Bình x y"
        );
        assert_eq!(clean("a \u{1} b"), "a b");
        assert_eq!(clean(" \t "), "");
    }

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn auto(html: &str) -> Extraction {
        extract(
            html,
            &Url::parse("https://haiphong.gov.vn/chinh-sach/bai-1").unwrap(),
            None,
            tz(),
        )
    }

    #[test]
    fn clean_collapses_space_and_drops_control_characters() {
        assert_eq!(
            clean("  Tin\u{a0}\u{a0}khác\n\t mới\u{1}\u{7f} "),
            "Tin khác mới"
        );
        assert_eq!(clean("Ho\u{300}a"), "Hòa");
    }

    #[test]
    fn charset_comes_from_http_then_meta_then_utf8() {
        let bytes = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\"><p>Gia\xf0nh</p>";
        // 0xF0 in windows-1258 is U+0111 (đ).
        assert!(decode(bytes, None).contains("Giađnh"));
        assert!(decode(bytes, Some("text/html; charset=utf-8")).contains('\u{fffd}'));
        assert_eq!(decode("Tin khác".as_bytes(), Some("text/html")), "Tin khác");
    }

    #[test]
    fn windows_1258_tone_marks_come_out_composed() {
        // "Hoà" written as o + combining grave (0xCC in windows-1258).
        let bytes = b"<meta charset=\"windows-1258\">Ho\xcc";
        let text = decode(bytes, None);
        assert!(text.ends_with("Hò"), "{text:?}");
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

    #[test]
    fn a_flat_tin_khac_block_is_cut_at_each_headline() {
        let html = r#"<html><body><div class="x">
          <h2>Tin khác</h2>
          <h3><a href="/a-1">Tăng tốc thực hiện các dự án tại Cảng Hàng không</a></h3>
          <p>Trước yêu cầu nâng cao năng lực hạ tầng hàng không…</p><span>23/12/2025</span>
          <h3><a href="https://haiphong.gov.vn/b-2">Giải bài toán trường lớp THPT khi số học sinh tăng</a></h3>
          <p>Số học sinh lớp 9 trên địa bàn thành phố được dự báo…</p><span>22/12/2025</span>
          <h3>Tin đọc nhiều</h3>
          <h4><a href="/c-3">Một tin khác không thuộc khối tin khác này đâu</a></h4>
        </div></body></html>"#;
        let e = auto(html);
        assert_eq!(e.outcome, Outcome::Found);
        assert_eq!(e.items.len(), 2, "{:#?}", e.items);
        assert_eq!(
            e.items[0].link.as_ref().unwrap().as_str(),
            "https://haiphong.gov.vn/a-1"
        );
        assert_eq!(
            e.items[0].summary.as_deref(),
            Some("Trước yêu cầu nâng cao năng lực hạ tầng hàng không…")
        );
        assert_eq!(
            e.items[1].published.unwrap().to_rfc3339(),
            "2025-12-22T00:00:00+07:00"
        );
    }

    #[test]
    fn cut_headlines_take_the_title_attribute() {
        let html = r#"<div class="tin-khac"><a href="javascript: void(0)"><p>TIN KHÁC</p></a><div><ul>
          <li><a class="shape" href="/x-1" title="Hải Phòng tuyển sinh lớp 10 năm học 2026 – 2027 theo phương thức xét tuyển">Hải Phòng tuyển sinh lớp 10 năm học…</a><small>- 22/12/2025</small></li>
        </ul></div></div>"#;
        let e = auto(html);
        assert_eq!(e.items.len(), 1);
        assert_eq!(
            e.items[0].title,
            "Hải Phòng tuyển sinh lớp 10 năm học 2026 – 2027 theo phương thức xét tuyển"
        );
        assert!(e.items[0].published.is_some());
        assert_eq!(e.items[0].summary, None);
    }

    #[test]
    fn an_empty_block_and_a_missing_block_are_told_apart() {
        let empty = r#"<div><h3>Tin khác</h3><ul></ul></div><footer><a href="/lien-he">Liên hệ với ban biên tập cổng thông tin</a></footer>"#;
        assert_eq!(auto(empty).outcome, Outcome::EmptyContainer);
        let none = r#"<div><p>Bài viết không có danh sách nào.</p><a href="/lien-he">Liên hệ với ban biên tập cổng</a></div>"#;
        let e = auto(none);
        assert_eq!(e.outcome, Outcome::NoContainer);
        assert!(e.items.is_empty());
    }

    #[test]
    fn menus_pagination_and_attachments_are_not_items() {
        let html = r#"<nav><ul><li><a href="/gioi-thieu">Giới thiệu chung về thành phố Hải Phòng</a> 01/01/2025</li>
            <li><a href="/tin-tuc">Tin tức sự kiện của thành phố</a> 01/01/2025</li>
            <li><a href="/van-ban">Văn bản chỉ đạo điều hành mới</a> 01/01/2025</li></ul></nav>
          <div><ul>
            <li><a href="/f.pdf">Tài liệu đính kèm kế hoạch số 211</a> 02/01/2025</li>
            <li><a href="/g.pdf">Tài liệu đính kèm kế hoạch số 212</a> 02/01/2025</li>
            <li><a href="/h.pdf">Tài liệu đính kèm kế hoạch số 213</a> 02/01/2025</li>
          </ul><div class="pages"><a href="?p=1">1</a><a href="?p=2">2</a><a href="?p=2">Trang sau</a></div></div>"#;
        let e = auto(html);
        assert!(e.items.is_empty(), "{:#?}", e.items);
    }

    #[test]
    fn a_listing_of_dated_rows_is_found_without_a_heading() {
        let html = r#"<table><tbody>
          <tr><td><a href="/tin-1.html">Khai giảng năm học mới tại các trường tiểu học</a> (2/3/2021)</td></tr>
          <tr><td><a href="/tin-2.html">Hội nghị tổng kết công tác khuyến học năm 2020</a> (1/3/2021)</td></tr>
          <tr><td><a href="/tin-3.html">Thành phố kiểm tra công tác phòng chống dịch bệnh</a> (28/2/2021)</td></tr>
        </tbody></table>"#;
        let e = auto(html);
        assert_eq!(e.items.len(), 3);
        assert_eq!(
            e.items[0].published.unwrap().to_rfc3339(),
            "2021-03-02T00:00:00+07:00"
        );
        assert_eq!(
            e.items[2].link.as_ref().unwrap().as_str(),
            "https://haiphong.gov.vn/tin-3.html"
        );
    }

    #[test]
    fn deep_malformed_pages_do_not_overflow() {
        // html5ever is quadratic in nesting depth (8,000 levels: ~0.1 s release);
        // this guards the extractor's own walks, which must stay iterative.
        let html = "<div>".repeat(5_000) + "Tin khác";
        let e = auto(&html);
        assert!(e.items.is_empty());
    }
}

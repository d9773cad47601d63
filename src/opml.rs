//! OPML 2.0 import and export of the source list, and the subscription
//! list of tinkhac's own feeds that subscribers import.
//!
//! Export writes a small, indented OPML 2.0 document that feed readers
//! (Miniflux, FreshRSS, Feedly, Inoreader, NetNewsWire) import as a
//! subscription list. Import reads what those readers export, OPML 1.0 to
//! 2.0, nested category folders included.
//!
//! Reading uses quick-xml's pull parser (already in the build through
//! feed-rs and rss) with an explicit stack of open outlines rather than the
//! `opml` crate: that crate's derive-based reader recurses once per nesting
//! level and aborts the whole process with a stack overflow on a deeply
//! nested upload (about 1,000 levels in a debug build, a 20 KB file), which
//! is not an error anyone can catch. Here nesting costs heap, every failure is
//! an [`OpmlError`] with a line and column, and no input panics.

use std::time::{SystemTime, UNIX_EPOCH};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use quick_xml::XmlVersion;

/// The namespace of tinkhac's own outline attributes (`tinkhac:id`,
/// `tinkhac:interval`…), which other readers ignore.
pub const TINKHAC_NS: &str = "urn:x-tinkhac:opml:1";

/// What tinkhac knows of a source beyond what OPML says: written by
/// `feeds export` as attributes in the [`TINKHAC_NS`] namespace (prefix
/// `tinkhac`), read back by `feeds import`, so a move keeps each source's
/// id (and with it its subscribers' `/sources/<id>.xml`), interval, topics,
/// follow setting and scrape rules. On import the prefix `tinkhac` is what is recognised.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TinkhacOutline {
    pub id: Option<String>,
    /// As written in `feeds.toml`: `"15m"`.
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub topics: Vec<String>,
    /// `"feed"` or `"html"`; None: auto.
    pub kind: Option<String>,
    pub intranet: bool,
    /// `follow = true|false` when written; None: the default by kind.
    pub follow: Option<bool>,
    /// `[source.scrape]` keys and values, in [`SCRAPE_KEYS`] order.
    pub scrape: Vec<(String, String)>,
}

/// The keys of `[source.scrape]`, as OPML attributes `tinkhac:scrape-<key>`.
pub const SCRAPE_KEYS: [&str; 6] = ["items", "title", "link", "date", "summary", "date_format"];

impl TinkhacOutline {
    fn is_empty(&self) -> bool {
        *self == TinkhacOutline::default()
    }

    /// `(attribute, value)` pairs, without the prefix.
    fn attributes(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                out.push((k.to_string(), v.clone()));
            }
        };
        put("id", &self.id);
        put("interval", &self.interval);
        put("timeout", &self.timeout);
        put("kind", &self.kind);
        if !self.topics.is_empty() {
            out.push(("topics".into(), self.topics.join(",")));
        }
        if self.intranet {
            out.push(("intranet".into(), "true".into()));
        }
        if let Some(f) = self.follow {
            out.push(("follow".into(), f.to_string()));
        }
        for (k, v) in &self.scrape {
            out.push((format!("scrape-{k}"), v.clone()));
        }
        out
    }

    /// Take one `tinkhac:` attribute; unknown ones are ignored.
    fn set(&mut self, key: &str, value: String) {
        match key {
            "id" => self.id = Some(value),
            "interval" => self.interval = Some(value),
            "timeout" => self.timeout = Some(value),
            "kind" => self.kind = Some(value),
            "topics" => {
                self.topics = value
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect()
            }
            "intranet" => self.intranet = value == "true",
            "follow" => {
                self.follow = match value.as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            }
            k => {
                if let Some(k) = k
                    .strip_prefix("scrape-")
                    .filter(|k| SCRAPE_KEYS.contains(k))
                {
                    self.scrape.retain(|(old, _)| old != k);
                    self.scrape.push((k.to_string(), value));
                    self.scrape.sort_by_key(|(k, _)| {
                        SCRAPE_KEYS
                            .iter()
                            .position(|s| s == k)
                            .unwrap_or(usize::MAX)
                    });
                }
            }
        }
    }
}

/// One feed of an OPML subscription list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpmlSource {
    /// Display name: the outline's `text`, else its `title`, else the feed
    /// URL; trimmed. Never empty after [`import`].
    pub title: String,
    /// The feed (or page) URL, the `xmlUrl` attribute; trimmed, never empty
    /// after [`import`].
    pub xml_url: String,
    /// The site's address, `htmlUrl`, when the list gives one.
    pub html_url: Option<String>,
    /// The folder the feed sits in: the text of the nearest enclosing outline
    /// that is not itself a feed. `None` at the top level.
    pub category: Option<String>,
    /// tinkhac's own attributes, when the list was written by tinkhac.
    pub tinkhac: Option<TinkhacOutline>,
}

/// Why an OPML document could not be read: malformed XML, or not an OPML
/// document at all. The message names the line and column when it can.
#[derive(Debug, thiserror::Error)]
#[error("bad OPML: {0}")]
pub struct OpmlError(String);

impl OpmlError {
    /// The message alone, without the "bad OPML" prefix.
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// OPML 2.0 document: head title and dateCreated (RFC 822), one outline per
/// source (type="rss", text and title, xmlUrl, htmlUrl when known), grouped
/// under category outlines when category is Some.
///
/// Everything is escaped (names contain `&`, `<`, quotes and Vietnamese,
/// which stays UTF-8); characters XML 1.0 cannot carry are dropped. Groups
/// appear where their first source was, sources keep their order within a
/// group, so [`import`] of the result gives the same list back whenever
/// the input was already grouped (and its titles are trimmed, non-empty). A
/// blank category counts as none.
pub fn export(title: &str, sources: &[OpmlSource]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    export_at(title, sources, now)
}

/// [`export`] with the creation time given, in seconds since 1970 UTC.
fn export_at(title: &str, sources: &[OpmlSource], unix_secs: i64) -> String {
    let mut out = String::with_capacity(256 + sources.len() * 160);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if sources
        .iter()
        .any(|s| s.tinkhac.as_ref().is_some_and(|t| !t.is_empty()))
    {
        out.push_str(&format!(
            "<opml version=\"2.0\" xmlns:tinkhac=\"{TINKHAC_NS}\">\n"
        ));
    } else {
        out.push_str("<opml version=\"2.0\">\n");
    }
    out.push_str("  <head>\n");
    out.push_str(&format!("    <title>{}</title>\n", escape(title)));
    out.push_str(&format!(
        "    <dateCreated>{}</dateCreated>\n",
        rfc822(unix_secs)
    ));
    out.push_str("  </head>\n");
    out.push_str("  <body>\n");

    let mut done: Vec<&str> = Vec::new();
    for s in sources {
        match category_of(s) {
            None => feed_outline(&mut out, s, "    "),
            Some(c) if done.contains(&c) => {}
            Some(c) => {
                done.push(c);
                let c_esc = escape(c);
                out.push_str(&format!(
                    "    <outline text=\"{c_esc}\" title=\"{c_esc}\">\n"
                ));
                for member in sources.iter().filter(|m| category_of(m) == Some(c)) {
                    feed_outline(&mut out, member, "      ");
                }
                out.push_str("    </outline>\n");
            }
        }
    }
    out.push_str("  </body>\n");
    out.push_str("</opml>\n");
    out
}

/// The group a source is exported under: its category, trimmed, unless blank.
fn category_of(s: &OpmlSource) -> Option<&str> {
    s.category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

fn feed_outline(out: &mut String, s: &OpmlSource, indent: &str) {
    let title = escape(&s.title);
    out.push_str(&format!(
        "{indent}<outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{}\"",
        escape(&s.xml_url)
    ));
    if let Some(html) = s.html_url.as_deref().filter(|h| !h.trim().is_empty()) {
        out.push_str(&format!(" htmlUrl=\"{}\"", escape(html)));
    }
    if let Some(t) = &s.tinkhac {
        for (k, v) in t.attributes() {
            out.push_str(&format!(" tinkhac:{k}=\"{}\"", escape(&v)));
        }
    }
    out.push_str("/>\n");
}

/// Escape for both text and double-quoted attributes. Tab, newline and
/// carriage return become character references so attribute normalisation
/// does not turn them into spaces; other characters XML 1.0 forbids are
/// dropped, since no reference can carry them.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 822 date, as OPML's `dateCreated` wants: `Sat, 01 Jun 2024 10:00:00 GMT`.
fn rfc822(unix_secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both indices are in range by construction (rem_euclid, 1..=12).
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1).clamp(0, 11) as usize];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} GMT",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Read any reasonable OPML 1.0/2.0 (Miniflux, FreshRSS, Feedly, Inoreader
/// exports): nested category outlines (category = the parent outline's
/// text), outlines with xmlUrl are sources, text or title as the name, skip
/// outlines without xmlUrl.
///
/// Lenient where exporters differ: attribute names are matched without
/// regard to case (`xmlUrl`, `xmlurl`), unknown elements and attributes
/// (FreshRSS's `frss:*`) are ignored, the `version` attribute is not
/// required, an undefined entity such as `&nbsp;` is kept as written. Strict
/// where the XML itself is broken: unclosed or mismatched tags, bad
/// attributes, a root that is not `<opml>`, or no `<body>` give an
/// [`OpmlError`] with a line and column. The list keeps document order and
/// duplicates (the same feed in two folders): the caller decides.
pub fn import(xml: &str) -> Result<Vec<OpmlSource>, OpmlError> {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut root_seen = false;
    let mut body_seen = false;
    let mut in_body = false;
    // One entry per open <outline> inside <body>: its folder name when it
    // is a folder (no xmlUrl).
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut out = Vec::new();

    loop {
        // Text is its own event, so a tag starts where the last event ended.
        let tag_start = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| error_at(xml, reader.error_position(), &format!("malformed XML: {e}")))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = local_name(e);
            if open.is_empty() {
                if root_seen {
                    return Err(error_at(
                        xml,
                        reader.error_position(),
                        &format!("<{name}> after the end of <opml>"),
                    ));
                }
                if name != "opml" {
                    return Err(error_at(
                        xml,
                        reader.error_position(),
                        &format!("not an OPML document: the root element is <{name}>"),
                    ));
                }
                root_seen = true;
            } else if open.len() == 1 && name == "body" {
                body_seen = true;
                in_body = !empty;
            } else if in_body && name == "outline" {
                let attrs =
                    outline_attributes(e, &reader).map_err(|m| error_at(xml, tag_start, &m))?;
                let folder = match attrs.source(&folders) {
                    Some(source) => {
                        out.push(source);
                        None
                    }
                    None => attrs.label(),
                };
                if !empty {
                    folders.push(folder);
                }
            }
            if !empty {
                open.push(name);
            }
            continue;
        }
        match event {
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase();
                open.pop();
                if in_body && name == "outline" {
                    folders.pop();
                }
                if open.len() == 1 && name == "body" {
                    in_body = false;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }

    if let Some(name) = open.last() {
        return Err(error_at(
            xml,
            xml.len() as u64,
            &format!("the document ends before </{name}>"),
        ));
    }
    if !root_seen {
        return Err(OpmlError(
            "no <opml> element: the input is empty or not XML".to_string(),
        ));
    }
    if !body_seen {
        return Err(OpmlError("the <opml> element has no <body>".to_string()));
    }
    Ok(out)
}

/// The attributes of one `<outline>` that matter here.
#[derive(Default)]
struct OutlineAttrs {
    text: Option<String>,
    title: Option<String>,
    xml_url: Option<String>,
    html_url: Option<String>,
    category: Option<String>,
    tinkhac: TinkhacOutline,
}

impl OutlineAttrs {
    /// The name to show: `text`, else `title`.
    fn label(&self) -> Option<String> {
        self.text.clone().or_else(|| self.title.clone())
    }

    /// The feed this outline names, if it has an `xmlUrl`. Its category is
    /// the nearest enclosing folder; at the top level, the first entry of an
    /// OPML 2.0 `category` attribute (`/News,/Tech` → `News`).
    fn source(&self, folders: &[Option<String>]) -> Option<OpmlSource> {
        let xml_url = self.xml_url.clone()?;
        let category = folders.iter().rev().find_map(Clone::clone).or_else(|| {
            self.category.as_deref().and_then(|c| {
                let first = c.split(',').next().unwrap_or("").trim().trim_matches('/');
                let first = first.trim();
                (!first.is_empty()).then(|| first.to_string())
            })
        });
        Some(OpmlSource {
            title: self.label().unwrap_or_else(|| xml_url.clone()),
            xml_url,
            html_url: self.html_url.clone(),
            category,
            tinkhac: (!self.tinkhac.is_empty()).then(|| self.tinkhac.clone()),
        })
    }
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase()
}

/// Read the attributes of an outline; blank values count as absent.
fn outline_attributes(e: &BytesStart<'_>, reader: &Reader<&[u8]>) -> Result<OutlineAttrs, String> {
    let mut attrs = OutlineAttrs::default();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("malformed attribute in <outline>: {err}"))?;
        let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).to_ascii_lowercase();
        let ours = attr.key.prefix().is_some_and(|p| p.as_ref() == b"tinkhac");
        if ours {
            let value = attr
                .decoded_and_normalized_value(XmlVersion::Implicit1_0, reader.decoder())
                .map_err(|err| format!("malformed attribute tinkhac:{key}: {err}"))?;
            attrs.tinkhac.set(&key, value.trim().to_string());
            continue;
        }
        if attr.key.prefix().is_some() {
            continue;
        }
        let slot = match key.as_str() {
            "text" => &mut attrs.text,
            "title" => &mut attrs.title,
            "xmlurl" => &mut attrs.xml_url,
            "htmlurl" => &mut attrs.html_url,
            "category" => &mut attrs.category,
            _ => continue,
        };
        let value =
            match attr.decoded_and_normalized_value(XmlVersion::Implicit1_0, reader.decoder()) {
                Ok(v) => v.into_owned(),
                // An entity XML does not define (`&nbsp;` from a sloppy
                // exporter): keep the text as written rather than refuse the file.
                Err(_) => String::from_utf8_lossy(&attr.value).into_owned(),
            };
        let value = value.trim();
        if !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
    Ok(attrs)
}

fn error_at(xml: &str, offset: u64, message: &str) -> OpmlError {
    let mut offset = usize::try_from(offset).unwrap_or(usize::MAX).min(xml.len());
    while !xml.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = xml.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    OpmlError(format!("line {line}, column {column}: {message}"))
}

/// What a subscriber imports into a feed reader (`GET /subscriptions.opml`,
/// the OPML the status page offers under "Cách theo dõi"): tinkhac's own
/// feeds, never the portals' pages. The unified feed at the top level, then
/// a folder "Chủ đề" with one feed per topic and a folder "Nguồn tin" with
/// one per source, each `xmlUrl` absolute from `[server] base_url`, in RSS
/// (the format every reader takes; Atom and JSON Feed stay one extension
/// away). `htmlUrl` is the status page, or for a source the page it polls.
pub fn export_subscriptions(config: &crate::config::Config) -> String {
    let base = config.server.base_url.as_str().trim_end_matches('/');
    let home = format!("{base}/");
    let mut feeds = vec![OpmlSource {
        title: config.server.title.clone(),
        xml_url: format!("{base}/feed.xml"),
        html_url: Some(home.clone()),
        category: None,
        tinkhac: None,
    }];
    feeds.extend(config.topics.iter().map(|t| OpmlSource {
        title: format!("{} – {}", config.server.title, t.name),
        xml_url: format!("{base}/topics/{}.xml", t.id),
        html_url: Some(home.clone()),
        category: Some("Chủ đề".to_string()),
        tinkhac: None,
    }));
    feeds.extend(config.sources.iter().map(|s| OpmlSource {
        title: format!("{} – {}", config.server.title, s.name),
        xml_url: format!("{base}/sources/{}.xml", s.id),
        html_url: Some(s.url.to_string()),
        category: Some("Nguồn tin".to_string()),
        tinkhac: None,
    }));
    export(&config.server.title, &feeds)
}

/// The configured sources as OPML (`feeds export`, `GET /sources.opml`): the
/// admin's source list, to move it to another tinkhac. Each
/// source's own address is the outline's `xmlUrl` (a page or a feed: what
/// tinkhac polls), so another tinkhac can import it; `htmlUrl` is the same.
/// The rest of the source (id, interval, topics, kind, scrape rules) rides
/// along as `tinkhac:` attributes, so `feeds import` gives the same list.
pub fn export_config(config: &crate::config::Config) -> String {
    use crate::config::SourceKind;
    let sources: Vec<OpmlSource> = config
        .sources
        .iter()
        .map(|s| {
            let mut scrape = Vec::new();
            if let Some(sc) = &s.scrape {
                scrape.push(("items".to_string(), sc.items.0.clone()));
                for (k, v) in [
                    ("title", &sc.title),
                    ("link", &sc.link),
                    ("date", &sc.date),
                    ("summary", &sc.summary),
                ] {
                    if let Some((text, _)) = v {
                        scrape.push((k.to_string(), text.clone()));
                    }
                }
                if let Some(f) = &sc.date_format {
                    scrape.push(("date_format".to_string(), f.clone()));
                }
            }
            OpmlSource {
                title: s.name.clone(),
                xml_url: s.url.to_string(),
                html_url: Some(s.url.to_string()),
                category: s.topics.first().cloned(),
                tinkhac: Some(TinkhacOutline {
                    id: Some(s.id.clone()),
                    interval: Some(humantime::format_duration(s.interval).to_string()),
                    timeout: (s.timeout != config.fetch.timeout)
                        .then(|| humantime::format_duration(s.timeout).to_string()),
                    topics: s.topics.clone(),
                    kind: match s.kind {
                        SourceKind::Auto => None,
                        SourceKind::Feed => Some("feed".into()),
                        SourceKind::Html => Some("html".into()),
                    },
                    intranet: s.intranet,
                    follow: s.follow,
                    scrape,
                }),
            }
        })
        .collect();
    export(&config.server.title, &sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(title: &str, xml_url: &str, html: Option<&str>, category: Option<&str>) -> OpmlSource {
        OpmlSource {
            tinkhac: None,
            title: title.to_string(),
            xml_url: xml_url.to_string(),
            html_url: html.map(str::to_string),
            category: category.map(str::to_string),
        }
    }

    fn sample() -> Vec<OpmlSource> {
        vec![
            src(
                "Cổng TTĐT Hải Phòng – Tin tức & sự kiện",
                "https://haiphong.gov.vn/tin-tuc-su-kien?a=1&b=2",
                Some("https://haiphong.gov.vn/"),
                None,
            ),
            src(
                "Sở GD&ĐT <Hải Phòng> \"chính thức\" 'mới'",
                "https://haiphong.edu.vn/rss",
                None,
                Some("Giáo dục & Đào tạo"),
            ),
            src(
                "Trường THPT Trần Phú",
                "https://tranphu.edu.vn/feed",
                Some("https://tranphu.edu.vn/"),
                Some("Giáo dục & Đào tạo"),
            ),
            src(
                "Báo Hải Phòng",
                "https://baohaiphong.vn/rss/home.rss",
                None,
                Some("Báo chí"),
            ),
            src(
                "Thủy Nguyên",
                "https://thuynguyen.haiphong.gov.vn/",
                None,
                None,
            ),
        ]
    }

    #[test]
    fn tinkhac_attributes_survive_export_and_import() {
        let mut s = src("Sở \"GD\" & ĐT", "https://so.vn/tin?a=1&b=2", None, None);
        s.tinkhac = Some(TinkhacOutline {
            id: Some("so-gddt".into()),
            interval: Some("15m".into()),
            timeout: Some("20s".into()),
            topics: vec!["giao-duc".into(), "thi-cu".into()],
            kind: Some("html".into()),
            intranet: true,
            follow: Some(false),
            scrape: vec![
                ("items".into(), "ul.tin > li:not(.qc)".into()),
                ("title".into(), "a[title=\"x\"]".into()),
                ("date_format".into(), "%d/%m/%Y".into()),
            ],
        });
        let plain = src("Khác", "https://khac.vn/rss", None, None);
        let xml = export_at("t", &[s.clone(), plain.clone()], 0);
        assert!(
            xml.contains(&format!("xmlns:tinkhac=\"{TINKHAC_NS}\"")),
            "{xml}"
        );
        assert_eq!(import(&xml).unwrap(), vec![s, plain]);
        // Another list's attributes in another namespace are not ours.
        let other = xml
            .replace("tinkhac:id", "x:id")
            .replace("xmlns:tinkhac", "xmlns:x");
        let back = import(&other).unwrap();
        assert_eq!(back[0].tinkhac.as_ref().unwrap().id, None);
    }

    #[test]
    fn export_then_import_gives_the_same_list() {
        let list = sample();
        let xml = export("Tin tổng hợp Hải Phòng & <Telegram>", &list);
        assert_eq!(import(&xml).unwrap(), list);
        assert_eq!(import(&export("", &[])).unwrap(), Vec::new());
    }

    #[test]
    fn export_is_escaped_grouped_opml_2() {
        let xml = export_at("Tin & <tức>", &sample(), 1_717_236_000);
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n")
        );
        assert!(xml.contains("<title>Tin &amp; &lt;tức&gt;</title>"));
        assert!(xml.contains("<dateCreated>Sat, 01 Jun 2024 10:00:00 GMT</dateCreated>"));
        assert!(xml.contains(
            "    <outline type=\"rss\" text=\"Cổng TTĐT Hải Phòng – Tin tức &amp; sự kiện\" \
             title=\"Cổng TTĐT Hải Phòng – Tin tức &amp; sự kiện\" \
             xmlUrl=\"https://haiphong.gov.vn/tin-tuc-su-kien?a=1&amp;b=2\" \
             htmlUrl=\"https://haiphong.gov.vn/\"/>\n"
        ));
        assert!(xml.contains(
            "text=\"Sở GD&amp;ĐT &lt;Hải Phòng&gt; &quot;chính thức&quot; &apos;mới&apos;\""
        ));
        // One folder per category, holding both of its sources.
        let folder =
            "    <outline text=\"Giáo dục &amp; Đào tạo\" title=\"Giáo dục &amp; Đào tạo\">\n";
        assert_eq!(xml.matches(folder).count(), 1);
        let inside = &xml[xml.find(folder).unwrap()..];
        let inside = &inside[..inside.find("    </outline>").unwrap()];
        assert_eq!(inside.matches("<outline type=\"rss\"").count(), 2);
        // No htmlUrl when unknown.
        assert!(xml.contains("xmlUrl=\"https://haiphong.edu.vn/rss\"/>"));
    }

    #[test]
    fn rfc822_dates() {
        assert_eq!(rfc822(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(rfc822(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(rfc822(-86_400), "Wed, 31 Dec 1969 00:00:00 GMT");
        assert_eq!(rfc822(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
        // Far outside any real date, still one well-formed line, no panic.
        for (secs, year_sign) in [(i64::MAX / 2, ""), (i64::MIN / 2, "-")] {
            let s = rfc822(secs);
            let year = s.split(' ').nth(3).unwrap_or_default();
            assert!(s.ends_with(" GMT"), "{s}");
            assert!(year.starts_with(year_sign) && year.len() > 5, "{s}");
        }
    }

    #[test]
    fn control_characters_do_not_break_the_document() {
        let list = vec![src(
            "a\u{1}b\u{ffff}",
            "https://x.vn/?q=\u{0}",
            None,
            Some("\u{7}"),
        )];
        let xml = export("t\u{2}", &list);
        let back = import(&xml).unwrap();
        assert_eq!(back, vec![src("ab", "https://x.vn/?q=", None, None)]);
    }

    /// As Miniflux writes it: declaration, category outlines holding
    /// feed outlines written as start/end pairs, `title` and `text` both.
    const MINIFLUX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
    <head>
        <title>Miniflux</title>
        <dateCreated>Sat, 01 Jun 2024 10:00:00 UTC</dateCreated>
    </head>
    <body>
        <outline text="Giáo dục">
            <outline title="Sở GD&amp;ĐT Hải Phòng" text="Sở GD&amp;ĐT Hải Phòng" xmlUrl="https://haiphong.edu.vn/rss" htmlUrl="https://haiphong.edu.vn/" description=""></outline>
            <outline title="Tuổi Trẻ – Giáo dục" text="Tuổi Trẻ – Giáo dục" xmlUrl="https://tuoitre.vn/rss/giao-duc.rss" htmlUrl="https://tuoitre.vn/giao-duc.htm" description=""></outline>
        </outline>
        <outline text="Tin &lt;Hải Phòng&gt;">
            <outline title="Báo Hải Phòng" text="Báo Hải Phòng" xmlUrl="https://baohaiphong.vn/rss/home.rss" htmlUrl="https://baohaiphong.vn/" description=""></outline>
        </outline>
    </body>
</opml>
"#;

    #[test]
    fn imports_a_miniflux_export_with_two_categories() {
        let got = import(MINIFLUX).unwrap();
        assert_eq!(
            got,
            vec![
                src(
                    "Sở GD&ĐT Hải Phòng",
                    "https://haiphong.edu.vn/rss",
                    Some("https://haiphong.edu.vn/"),
                    Some("Giáo dục"),
                ),
                src(
                    "Tuổi Trẻ – Giáo dục",
                    "https://tuoitre.vn/rss/giao-duc.rss",
                    Some("https://tuoitre.vn/giao-duc.htm"),
                    Some("Giáo dục"),
                ),
                src(
                    "Báo Hải Phòng",
                    "https://baohaiphong.vn/rss/home.rss",
                    Some("https://baohaiphong.vn/"),
                    Some("Tin <Hải Phòng>"),
                ),
            ]
        );
    }

    #[test]
    fn imports_freshrss_feedly_and_old_style_lists() {
        // FreshRSS: namespaced attributes, tabs, self-closing feeds.
        let freshrss = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
            <opml version=\"2.0\" xmlns:frss=\"https://freshrss.org/opml\">\n\
            \t<head><title>FreshRSS</title></head>\n\
            \t<body>\n\
            \t\t<outline text=\"Tin tức\">\n\
            \t\t\t<outline text=\"VnExpress\" type=\"rss\" xmlUrl=\"https://vnexpress.net/rss/giao-duc.rss\" htmlUrl=\"https://vnexpress.net/\" frss:cssFullContent=\"article.fck_detail\"/>\n\
            \t\t</outline>\n\
            \t</body>\n\
            </opml>";
        assert_eq!(
            import(freshrss).unwrap(),
            vec![src(
                "VnExpress",
                "https://vnexpress.net/rss/giao-duc.rss",
                Some("https://vnexpress.net/"),
                Some("Tin tức"),
            )]
        );

        // OPML 1.0 without version, title only, lower-case xmlurl, a
        // top-level feed, a link outline without xmlUrl, a comment, a
        // DOCTYPE, a BOM, numeric references and an undefined entity.
        let old = "\u{feff}<?xml version=\"1.0\"?><!DOCTYPE opml><!-- exported -->\
            <opml><head><title>x</title><ownerName>y</ownerName></head><body>\
            <outline title=\"H&#7843;i Ph&#xF2;ng\" xmlurl=\" https://hp.vn/rss \"/>\
            <outline text=\"Links\"><outline text=\"Site\" type=\"link\" url=\"https://a.vn/\"/>\
            <outline text=\"A&nbsp;B\" xmlUrl=\"https://ab.vn/rss\"/></outline>\
            <outline text=\"\" title=\"\" xmlUrl=\"https://nameless.vn/rss\" category=\"/Báo chí,/Khác\"/>\
            </body></opml>";
        assert_eq!(
            import(old).unwrap(),
            vec![
                src("Hải Phòng", "https://hp.vn/rss", None, None),
                src("A&nbsp;B", "https://ab.vn/rss", None, Some("Links")),
                src(
                    "https://nameless.vn/rss",
                    "https://nameless.vn/rss",
                    None,
                    Some("Báo chí")
                ),
            ]
        );
    }

    #[test]
    fn nested_folders_use_the_nearest_one() {
        let xml = r#"<opml version="2.0"><head/><body>
            <outline text="Việt Nam"><outline text="Hải Phòng">
              <outline text="A" xmlUrl="https://a.vn/rss"/>
            </outline>
            <outline text="B" xmlUrl="https://b.vn/rss"/></outline>
            <outline text="C" xmlUrl="https://c.vn/rss"/>
        </body></opml>"#;
        let got: Vec<(String, Option<String>)> = import(xml)
            .unwrap()
            .into_iter()
            .map(|s| (s.title, s.category))
            .collect();
        assert_eq!(
            got,
            [
                ("A".to_string(), Some("Hải Phòng".to_string())),
                ("B".to_string(), Some("Việt Nam".to_string())),
                ("C".to_string(), None),
            ]
        );
    }

    #[test]
    fn deep_nesting_is_no_stack_overflow() {
        let n = 200_000;
        let xml = format!(
            "<opml version=\"2.0\"><body>{}<outline text=\"x\" xmlUrl=\"https://x.vn/\"/>{}</body></opml>",
            "<outline text=\"f\">".repeat(n),
            "</outline>".repeat(n)
        );
        let got = import(&xml).unwrap();
        assert_eq!(got[0].category.as_deref(), Some("f"));
    }

    #[test]
    fn malformed_input_is_an_error_with_a_place() {
        for (xml, wanted) in [
            ("", "no <opml> element"),
            ("{not xml :)", "no <opml> element"),
            (
                "<rss version=\"2.0\"><channel/></rss>",
                "root element is <rss>",
            ),
            ("<opml version=\"2.0\"><head/></opml>", "no <body>"),
            ("<opml><body><outline text=\"a\"></body></opml>", "line 1"),
            ("<opml><body>\n<outline text=\"a\" xmlUrl=\"u\">", "line 2"),
            (
                "<opml><body><outline text=\"a\" text=\"b\" xmlUrl=\"u\"/></body></opml>",
                "attribute",
            ),
            (
                "<opml><body><outline text=\"a xmlUrl=\"u\"/></body></opml>",
                "line 1",
            ),
            ("<opml><body><outline text=a/></body></opml>", "line 1"),
            ("<opml><body/></opml><opml><body/></opml>", "after the end"),
            ("<opml><body></body></opml></opml>", "line 1"),
            ("<opml><body><!-- x </body></opml>", "line 1"),
        ] {
            match import(xml) {
                Err(e) => assert!(e.to_string().contains(wanted), "{xml:?}: {e}"),
                Ok(v) => panic!("{xml:?} imported as {v:?}"),
            }
        }
    }

    #[test]
    fn truncated_and_mangled_input_never_panics() {
        let xml = export("Tin & tức", &sample());
        let bytes = xml.as_bytes();
        for i in 0..bytes.len() {
            if let Some(cut) = xml.get(..i) {
                let _ = import(cut);
            }
        }
        // Deterministic byte mangling: swap in markup characters.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3_000 {
            let mut b = bytes.to_vec();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % b.len() as u64) as usize;
                b[at] = b"<>&\"'/=!?;# x\n"[(seed >> 32) as usize % 14];
            }
            if let Ok(s) = std::str::from_utf8(&b) {
                let _ = import(s);
            }
        }
    }
}

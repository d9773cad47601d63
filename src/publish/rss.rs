//! RSS 2.0 rendering of stored items, with the `rss` crate, which escapes
//! every text it writes as XML; descriptions, which readers read as HTML, are
//! HTML-escaped first: nothing from a portal reaches a reader as markup but
//! a followed item's `content:encoded`, the article's text as the sanitiser
//! left it (see `crate::article`).

use chrono::{DateTime, Utc};
use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Enclosure, Guid, Source};

use crate::config::Config;
use crate::item::Item;
use crate::store::Filter;

/// Title, self link and description of one feed (the unified one, a topic's
/// or a source's).
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    pub self_url: String,
}

impl FeedMeta {
    /// The feed a filter selects, or None when it names no configured topic
    /// or source.
    pub fn for_filter(cfg: &Config, filter: &Filter) -> Option<FeedMeta> {
        let base = cfg.server.base_url.as_str().trim_end_matches('/');
        match filter {
            Filter::All => Some(FeedMeta {
                title: cfg.server.title.clone(),
                description: cfg.server.description.clone(),
                self_url: format!("{base}/feed.xml"),
            }),
            Filter::Topic(id) => cfg.topics.iter().find(|t| &t.id == id).map(|t| FeedMeta {
                title: format!("{} – {}", cfg.server.title, t.name),
                description: format!("Tin thuộc chủ đề «{}»", t.name),
                self_url: format!("{base}/topics/{id}.xml"),
            }),
            Filter::Source(id) => cfg.source(id).map(|s| FeedMeta {
                title: format!("{} – {}", cfg.server.title, s.name),
                description: format!("Tin lấy từ {}", s.url),
                self_url: format!("{base}/sources/{id}.xml"),
            }),
        }
    }
}

/// [`render`] with an `xml-stylesheet` instruction for the XSLT at
/// `stylesheet` right after the XML declaration: a browser handed the feed
/// shows it through that stylesheet; feed readers ignore it.
pub fn render_styled(
    cfg: &Config,
    meta: &FeedMeta,
    items: &[Item],
    built: DateTime<Utc>,
    stylesheet: &str,
) -> String {
    let xml = render(cfg, meta, items, built);
    let pi = format!(
        "<?xml-stylesheet type=\"text/xsl\" href=\"{}\"?>\n",
        stylesheet.replace('&', "&amp;").replace('"', "&quot;")
    );
    match xml.split_once('\n') {
        Some((decl, rest)) if decl.starts_with("<?xml ") => format!("{decl}\n{pi}{rest}"),
        _ => format!("{pi}{xml}"),
    }
}

/// Render items (already newest first) as an RSS 2.0 document.
pub fn render(cfg: &Config, meta: &FeedMeta, items: &[Item], built: DateTime<Utc>) -> String {
    let mut self_link = Link::default();
    self_link.set_href(meta.self_url.clone());
    self_link.set_rel("self");
    self_link.set_mime_type(Some("application/rss+xml".to_string()));
    let channel = Channel {
        title: meta.title.clone(),
        link: cfg.server.base_url.to_string(),
        description: meta.description.clone(),
        language: Some("vi".into()),
        generator: Some(format!("tinkhac {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: Some(super::whole_seconds(built).to_rfc2822()),
        ttl: Some((cfg.fetch.interval.as_secs() / 60).max(1).to_string()),
        atom_ext: Some(AtomExtension {
            links: vec![self_link],
        }),
        items: items.iter().map(|i| rss_item(cfg, meta, i)).collect(),
        ..Default::default()
    };
    let mut out = Vec::new();
    channel
        .pretty_write_to(&mut out, b' ', 2)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("rss writes UTF-8")
}

/// One item. Its author (`dc:creator`, which readers show as the byline;
/// RSS's own `<author>` must be an e-mail address) is the article's byline
/// when the follow-up found one, else the name of the source that listed it
/// first, as in the Atom and JSON feeds. `<source url>` is that source's own
/// tinkhac feed (`/sources/<id>.xml`): RSS wants a feed there, never the
/// portal's HTML page.
///
/// A followed item adds the article's text as `content:encoded` (already
/// sanitised HTML; the rss crate writes it as CDATA and splits any `]]>` in
/// it, so it cannot end the section early), its first attachment as the
/// `<enclosure>` (RSS allows one), and a category per document number in
/// the [`super::DOCUMENT_SCHEME`] domain. An item without one renders
/// exactly as before.
fn rss_item(cfg: &Config, meta: &FeedMeta, item: &Item) -> rss::Item {
    let (guid, permalink) = match &item.link {
        Some(link) => (link.clone(), true),
        None => (item.id.clone(), false),
    };
    let base = cfg.server.base_url.as_str().trim_end_matches('/');
    let source = item
        .sources
        .first()
        .and_then(|id| cfg.source(id))
        .map(|s| Source {
            url: format!("{base}/sources/{}.xml", s.id),
            title: Some(s.name.clone()),
        });
    let creator = match super::byline_of(item) {
        Some(byline) => xml_text(byline),
        None => item
            .sources
            .first()
            .map(|id| {
                cfg.source(id)
                    .map_or_else(|| id.clone(), |s| s.name.clone())
            })
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| meta.title.clone()),
    };
    let dublin_core = DublinCoreExtension {
        creators: vec![creator],
        ..Default::default()
    };
    rss::Item {
        title: Some(item.title.clone()),
        link: item.link.clone(),
        // Readers treat an RSS description as HTML, and the rss crate writes
        // it as CDATA: the teaser is plain text, so it is escaped first, or
        // a teaser reading `<a href="javascript:…">` would be a live link.
        description: item.summary.as_deref().map(crate::text::escape_html),
        guid: Some(Guid {
            value: guid,
            permalink,
        }),
        pub_date: Some(super::whole_seconds(item.published).to_rfc2822()),
        source,
        dublin_core_ext: Some(dublin_core),
        categories: item
            .topics
            .iter()
            .map(|t| Category {
                name: cfg
                    .topics
                    .iter()
                    .find(|x| &x.id == t)
                    .map_or_else(|| t.clone(), |x| x.name.clone()),
                domain: Some(t.clone()),
            })
            .chain(super::documents_of(item).iter().map(|d| Category {
                name: xml_text(&d.label()),
                domain: Some(super::DOCUMENT_SCHEME.to_string()),
            }))
            .collect(),
        content: super::text_html_of(item).map(xml_text),
        enclosure: super::attachments_of(item).next().map(|a| Enclosure {
            url: xml_text(&a.url),
            // Readers expect 0 when the size is unknown (RSS requires the
            // attribute).
            length: a.length.unwrap_or(0).to_string(),
            mime_type: super::attachment_mime(a),
        }),
        ..Default::default()
    }
}

/// Text from an article, without the characters XML cannot carry (see
/// `atom::xml_safe`): one stray control character in an article would make
/// the whole feed unreadable.
fn xml_text(s: &str) -> String {
    super::atom::xml_safe(s).into_owned()
}

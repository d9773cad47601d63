//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) rendering of stored
//! items, with serde: `serde_json` escapes every string, so portal text needs
//! no cleaning here (unlike XML, JSON can carry any character escaped).
//!
//! Ids, summaries and authors follow the same rules as the Atom feed
//! ([`super::atom`]), so one article is the same entry in every format.

use serde::Serialize;

use super::atom::{self, Meta};
use crate::item::Item;

/// The `version` every JSON Feed 1.1 document must carry.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The top-level object. Optional URL fields are left out rather than
/// written empty: an empty string is not a URL.
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    home_page_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    feed_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'static str,
    items: Vec<JsonItem<'a>>,
}

/// One item. `content_text` is always present because the spec requires
/// `content_html` or `content_text`, and our summaries are plain text; a
/// followed item adds its article's sanitised text as `content_html`, its
/// lead image, its attachments and its document numbers (as tags, after the
/// topics).
#[derive(Serialize)]
struct JsonItem<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: &'a str,
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    /// RFC 3339 with the item's own offset (+07:00 for portal dates), in
    /// whole seconds.
    date_published: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    authors: [Author; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
}

/// A JSON Feed attachment: `url` and `mime_type` are required, the size
/// is written only when the server said it.
#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

#[derive(Serialize)]
struct Author {
    name: String,
}

/// Render items (already newest first; the order is kept) as a JSON Feed 1.1
/// document. `meta.self_url` becomes `feed_url`, `meta.site_url`
/// `home_page_url` and `meta.subtitle` `description`; `meta.updated` has no
/// JSON Feed counterpart.
///
/// `source_name(id)` gives a source's display name and `topic_name(id)` a
/// topic's; a topic no longer configured is tagged with its id, a source
/// falls back as in the Atom feed (`atom::author_name`).
pub fn render(
    meta: &Meta,
    items: &[Item],
    source_name: &dyn Fn(&str) -> Option<String>,
    topic_name: &dyn Fn(&str) -> Option<String>,
) -> String {
    let feed = JsonFeed {
        version: VERSION,
        title: meta.title,
        home_page_url: meta.site_url,
        feed_url: meta.self_url,
        description: meta.subtitle,
        language: "vi",
        items: items
            .iter()
            .map(|item| JsonItem {
                id: atom::entry_id(item),
                url: atom::link_of(item),
                title: &item.title,
                content_text: atom::summary_of(item).unwrap_or(&item.title),
                content_html: super::text_html_of(item),
                image: super::image_of(item),
                summary: atom::summary_of(item),
                date_published: super::whole_seconds(item.published).to_rfc3339(),
                tags: item
                    .topics
                    .iter()
                    .map(|id| topic_name(id).unwrap_or_else(|| id.clone()))
                    .chain(super::documents_of(item).iter().map(|d| d.label()))
                    .collect(),
                authors: [Author {
                    name: atom::author_name(meta, item, source_name),
                }],
                attachments: super::attachments_of(item)
                    .map(|a| Attachment {
                        url: &a.url,
                        mime_type: super::attachment_mime(a),
                        title: a.name.trim(),
                        size_in_bytes: a.length,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).expect("plain structs with string keys always serialise")
}

#[cfg(test)]
mod tests {
    use super::atom::tests::{items, meta, source_name, topic_name, HOSTILE};
    use super::*;
    use chrono::{DateTime, Utc};
    use serde_json::Value;

    fn render_items(items: &[Item]) -> String {
        render(&meta(), items, &source_name, &topic_name)
    }

    fn json(items: &[Item]) -> Value {
        serde_json::from_str(&render_items(items)).expect("valid JSON")
    }

    fn string<'v>(v: &'v Value, key: &str) -> &'v str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} must be a string in {v}"))
    }

    /// The fields JSON Feed 1.1 requires, with the types it requires, plus
    /// the formats it asks of the optional ones we write.
    #[test]
    fn required_fields_per_json_feed_1_1() {
        let items = items();
        let m = meta();
        let v = json(&items);
        assert_eq!(string(&v, "version"), VERSION);
        assert_eq!(string(&v, "title"), m.title);
        assert_eq!(string(&v, "home_page_url"), m.site_url);
        assert_eq!(string(&v, "feed_url"), m.self_url);
        assert_eq!(string(&v, "description"), m.subtitle);
        assert_eq!(string(&v, "language"), "vi");
        let got = v["items"].as_array().expect("items must be an array");
        assert_eq!(got.len(), items.len());
        for (j, item) in got.iter().zip(&items) {
            assert!(!string(j, "id").is_empty());
            assert!(j["content_text"].is_string() || j["content_html"].is_string());
            assert_eq!(j.get("url").and_then(Value::as_str), item.link.as_deref());
            let published = DateTime::parse_from_rfc3339(string(j, "date_published")).unwrap();
            assert_eq!(published, crate::publish::whole_seconds(item.published));
            assert_eq!(published.offset(), item.published.offset());
            let authors = j["authors"].as_array().expect("authors must be an array");
            assert!(authors.iter().all(|a| a["name"].is_string()));
            if let Some(tags) = j.get("tags") {
                assert!(tags.as_array().unwrap().iter().all(Value::is_string));
            }
        }
        assert_eq!(
            string(&got[0], "date_published"),
            "2025-03-04T08:30:00+07:00"
        );
        assert_eq!(
            string(&got[2], "date_published"),
            "2025-03-04T06:59:59+07:00",
            "whole seconds"
        );
        assert_eq!(
            got[0]["tags"],
            serde_json::json!(["Giao thông", HOSTILE, "bo-tay"])
        );
        assert!(got[1].get("tags").is_none());
        // No summary: the title is the content, and no summary is written.
        assert_eq!(string(&got[2], "content_text"), items[2].title);
        assert!(got[2].get("summary").is_none());
        assert!(
            got[3].get("summary").is_none(),
            "blank summaries are dropped"
        );
    }

    #[test]
    fn empty_optional_urls_are_left_out() {
        let mut m = meta();
        m.site_url = "";
        m.subtitle = "";
        let v: Value = serde_json::from_str(&render(&m, &[], &source_name, &topic_name)).unwrap();
        assert!(v.get("home_page_url").is_none());
        assert!(v.get("description").is_none());
        assert_eq!(v["items"], serde_json::json!([]));
    }

    #[test]
    fn feed_rs_reads_back_titles_links_and_instants_in_order() {
        let items = items();
        let feed = feed_rs::parser::parse(render_items(&items).as_bytes()).unwrap();
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::JSON);
        assert_eq!(feed.entries.len(), items.len());
        for (entry, item) in feed.entries.iter().zip(&items) {
            assert_eq!(entry.id, atom::entry_id(item));
            assert_eq!(entry.title.as_ref().unwrap().content, item.title);
            let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
            assert_eq!(links, item.link.as_deref().into_iter().collect::<Vec<_>>());
            let whole = crate::publish::whole_seconds(item.published);
            assert_eq!(entry.published, Some(whole.with_timezone(&Utc)));
        }
    }

    #[test]
    fn ids_match_atom_and_stay_stable() {
        let items = items();
        let once = json(&items);
        let twice = json(&items[1..2]);
        assert_eq!(once["items"][1]["id"], twice["items"][0]["id"]);
        assert_eq!(
            string(&once["items"][1], "id"),
            "urn:tinkhac:guid:danang:tag:danang.gov.vn%2C2025:55021%2Fa%20b%25c%3Fd%23%C3%A9"
        );
        for (j, item) in once["items"].as_array().unwrap().iter().zip(&items) {
            assert_eq!(string(j, "id"), atom::entry_id(item));
        }
    }

    #[test]
    fn hostile_text_round_trips_exactly() {
        let mut items = items();
        // JSON can carry what XML cannot: control characters survive too.
        items[2].title = format!("{HOSTILE} \u{0}\u{b}\u{ffff}");
        let v = json(&items);
        assert_eq!(string(&v["items"][1], "title"), HOSTILE);
        assert_eq!(
            string(&v["items"][1], "summary"),
            format!("Tóm tắt: {HOSTILE}")
        );
        assert_eq!(
            string(&v["items"][1]["authors"][0], "name"),
            format!("Đà Nẵng {HOSTILE}")
        );
        assert_eq!(string(&v["items"][2], "title"), items[2].title);
        let feed = feed_rs::parser::parse(render_items(&items).as_bytes()).unwrap();
        assert_eq!(feed.entries[1].title.as_ref().unwrap().content, HOSTILE);
        assert_eq!(
            feed.entries[1].authors[0].name,
            format!("Đà Nẵng {HOSTILE}")
        );
        assert_eq!(
            feed.entries[2].title.as_ref().unwrap().content,
            items[2].title
        );
    }

    #[test]
    fn authors_follow_the_atom_rule() {
        let v = json(&items());
        let names: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| string(&j["authors"][0], "name"))
            .collect();
        let danang = source_name("danang").unwrap();
        assert_eq!(
            names,
            [
                "Cổng TTĐT Hải Phòng",
                danang.as_str(),
                "removed",
                "Tin khác"
            ]
        );
    }
}

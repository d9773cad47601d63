//! Publishing: feeds rendered from the store (`rss`, `atom`, `json_feed`),
//! and the HTTP server that serves them (`http`, its connections bounded by
//! `server`; the web admin in `admin`, its pages in `admin_page`). The
//! helpers below say once, for every format, what a followed item
//! (`Item::article`) adds: its text, byline, image, attachments and document
//! numbers.

pub mod admin;
pub mod admin_page;
pub mod atom;
pub mod http;
pub mod json_feed;
pub mod rss;
pub mod server;
pub mod status_page;

use chrono::{DateTime, SubsecRound, TimeZone};

use crate::item::{AttachmentRef, DocumentRef, Item};

/// `d` without its fraction of a second. Every date tinkhac publishes (RSS,
/// Atom, JSON Feed, the status page) is written in whole seconds: some
/// readers (newsboat 2.21) misread `11:06:12.414575241+07:00` by the zone's
/// offset, and no source gives finer dates than seconds anyway.
pub fn whole_seconds<Tz: TimeZone>(d: DateTime<Tz>) -> DateTime<Tz> {
    d.trunc_subsecs(0)
}

/// The `domain` (RSS) and `scheme` (Atom) of the categories that carry an
/// article's official document numbers, apart from the topics: a reader
/// can filter on "Kế hoạch 211/KH-UBND" across sources.
pub const DOCUMENT_SCHEME: &str = "urn:tinkhac:so-hieu-van-ban";

/// The attachments of a followed item that a feed may offer: those with an
/// http(s) URL (anything else, `javascript:` or `data:`, is never written).
pub fn attachments_of(item: &Item) -> impl Iterator<Item = &AttachmentRef> {
    item.article
        .iter()
        .flat_map(|a| a.attachments.iter())
        .filter(|a| crate::text::is_http_url(&a.url))
}

/// The article's byline, unless it is missing or blank.
pub fn byline_of(item: &Item) -> Option<&str> {
    item.article
        .as_ref()
        .and_then(|a| a.byline.as_deref())
        .map(str::trim)
        .filter(|b| !b.is_empty())
}

/// The article's sanitised text, unless it is missing or blank.
pub fn text_html_of(item: &Item) -> Option<&str> {
    item.article
        .as_ref()
        .and_then(|a| a.text_html.as_deref())
        .filter(|t| !t.trim().is_empty())
}

/// The article's lead image, when it is an http(s) URL.
pub fn image_of(item: &Item) -> Option<&str> {
    item.article
        .as_ref()
        .and_then(|a| a.image.as_deref())
        .filter(|u| crate::text::is_http_url(u))
}

/// The document numbers the article cites, in order of first mention.
pub fn documents_of(item: &Item) -> &[DocumentRef] {
    item.article
        .as_ref()
        .map_or(&[], |a| a.documents.as_slice())
}

/// An attachment's MIME type: what its server said (the type alone, without
/// parameters such as `charset`) when that looks like a MIME type, else a
/// guess from the file name's extension, else `application/octet-stream`.
/// Feeds must always name one (RSS `<enclosure type>`, JSON Feed
/// `mime_type`).
pub fn attachment_mime(a: &AttachmentRef) -> String {
    let said = a
        .content_type
        .as_deref()
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| is_mime(t));
    if let Some(t) = said {
        return t;
    }
    let ext = [a.file_name.as_str(), a.url.as_str()]
        .into_iter()
        .find_map(|name| {
            let name = name.split(['?', '#']).next().unwrap_or(name);
            let (_, ext) = name.rsplit_once('.')?;
            Some(ext.to_ascii_lowercase())
        })
        .unwrap_or_default();
    mime_for_extension(&ext)
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// `type/subtype`, both RFC 6838 names.
fn is_mime(t: &str) -> bool {
    let name = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    t.split_once('/').is_some_and(|(a, b)| name(a) && name(b))
}

/// The MIME types of the files portals attach to their articles.
fn mime_for_extension(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "rtf" => "application/rtf",
        "txt" => "text/plain",
        "zip" => "application/zip",
        "rar" => "application/vnd.rar",
        "7z" => "application/x-7z-compressed",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(url: &str, file_name: &str, content_type: Option<&str>) -> AttachmentRef {
        AttachmentRef {
            url: url.into(),
            name: file_name.into(),
            file_name: file_name.into(),
            content_type: content_type.map(str::to_string),
            length: None,
        }
    }

    #[test]
    fn an_attachments_type_is_the_servers_else_guessed_from_its_name() {
        let cases = [
            (
                attachment(
                    "https://a.vn/f",
                    "x",
                    Some("Application/PDF; charset=binary"),
                ),
                "application/pdf",
            ),
            (
                attachment("https://a.vn/f", "211-KH-UBND.PDF", Some("not a type")),
                "application/pdf",
            ),
            (
                attachment("https://a.vn/f", "bang.xlsx", None),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                attachment("https://a.vn/tai/van-ban.doc?id=1#x", "", None),
                "application/msword",
            ),
            (
                attachment("https://a.vn/tai?id=1", "Tải tại đây", None),
                "application/octet-stream",
            ),
            (
                attachment("https://a.vn/f.rar", "f.rar", Some("")),
                "application/vnd.rar",
            ),
            (
                attachment("https://a.vn/f", "x", Some("text/html\"><b>")),
                "application/octet-stream",
            ),
        ];
        for (a, want) in cases {
            assert_eq!(attachment_mime(&a), want, "{a:?}");
        }
    }

    #[test]
    fn only_http_attachments_and_images_are_published() {
        let mut item: Item = serde_json::from_value(serde_json::json!({
            "id": "x", "title": "T", "link": null, "guid": null, "summary": null,
            "published": "2025-12-23T08:30:00+07:00", "first_seen": "2025-12-23T01:30:00Z",
            "sources": [], "topics": []
        }))
        .unwrap();
        assert_eq!(attachments_of(&item).count(), 0);
        assert!(byline_of(&item).is_none() && text_html_of(&item).is_none());
        item.article = Some(crate::item::Followed {
            text_html: Some(" \n".into()),
            image: Some("data:image/png;base64,AAAA".into()),
            byline: Some("  Minh Anh ".into()),
            attachments: vec![
                attachment("javascript:alert(1)", "a.pdf", None),
                attachment("https://a.vn/b.pdf", "b.pdf", None),
                attachment("https://a.vn/c d.pdf", "c.pdf", None),
                attachment("ftp://a.vn/d.pdf", "d.pdf", None),
            ],
            documents: vec![],
        });
        let urls: Vec<&str> = attachments_of(&item).map(|a| a.url.as_str()).collect();
        assert_eq!(urls, ["https://a.vn/b.pdf"]);
        assert_eq!(byline_of(&item), Some("Minh Anh"));
        assert!(text_html_of(&item).is_none(), "blank text is no text");
        assert!(image_of(&item).is_none());
    }
}

//! The text of a channel message, built from a stored item. Pure.
//!
//! HTML parse mode: a bold headline, the teaser, then for a followed item a
//! line per attached document (📎 and its file name, linked) and one line
//! naming the document numbers ("Văn bản: Kế hoạch 211/KH-UBND, …"), the
//! source and date in italics, and a link. Every text inserted is escaped
//! (`&`, `<`, `>`, and `"` inside the links), only Telegram's own tags are
//! used, and the visible text stays within Telegram's 4096 UTF-16 units.
//! What gives way, in order: the teaser is cut (then dropped), then the
//! attachment lines beyond the first few are counted instead ("+N tệp
//! khác"), then the others, then the document line, and only then the
//! headline; the link and the tags are never cut, and every cut falls
//! between whole characters of the text before it is escaped, so never
//! inside an entity or a tag. Messages are always sent as text, never as a
//! photo's caption, so the 1024-unit caption limit does not apply.

use crate::item::Item;

/// Telegram's limit on a message's visible text, in UTF-16 code units.
pub const MAX_UTF16: usize = 4096;

/// What a message shows, before it is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    pub title: String,
    pub teaser: Option<String>,
    /// "Cổng TTĐT Hải Phòng · 23/12/2025"
    pub byline: String,
    pub link: Option<String>,
    /// The documents attached to the item's article, in its order (empty
    /// until the item is followed).
    pub attachments: Vec<Attachment>,
    /// The document numbers its article cites, as a reader names them:
    /// "Kế hoạch 211/KH-UBND".
    pub documents: Vec<String>,
}

/// A document attached to the item's article.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// What the line shows: the file name ("211-KH-UBND.pdf").
    pub name: String,
    /// Where it is; only http(s) URLs reach a message.
    pub url: String,
}

impl Parts {
    pub fn from_item(item: &Item, source_name: &str) -> Parts {
        let date = if item.date_estimated {
            String::new()
        } else {
            format!(" · {}", item.published.format("%d/%m/%Y"))
        };
        let article = item.article.as_ref();
        Parts {
            title: item.title.clone(),
            teaser: item.summary.clone().filter(|s| !s.trim().is_empty()),
            byline: format!("{source_name}{date}"),
            link: item.link.clone(),
            attachments: article
                .iter()
                .flat_map(|a| &a.attachments)
                .filter(|a| crate::text::is_http_url(&a.url))
                .map(|a| Attachment {
                    name: [a.shown_name(), a.file_name.as_str(), a.name.as_str()]
                        .into_iter()
                        .map(one_line)
                        .find(|n| !n.is_empty())
                        .unwrap_or_else(|| UNNAMED.to_string()),
                    url: a.url.clone(),
                })
                .collect(),
            documents: article
                .iter()
                .flat_map(|a| &a.documents)
                .map(|d| one_line(&d.label()))
                .filter(|d| !d.is_empty())
                .collect(),
        }
    }
}

/// `s` on one line: every run of whitespace (line breaks included) one
/// space, trimmed. A name must not break the message's lines.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The label of the link line.
const READ_MORE: &str = "Xem chi tiết";

/// What an attachment without a name is called.
const UNNAMED: &str = "Tệp đính kèm";

/// The attachments listed one per line at most; the others are counted.
const MAX_ATTACHMENT_LINES: usize = 5;

/// The longest attachment name shown, in UTF-16 units.
const MAX_ATTACHMENT_NAME: usize = 120;

/// The longest document label shown, and the longest document line, in
/// UTF-16 units: whole labels are listed while they fit, the rest counted.
const MAX_DOCUMENT_LABEL: usize = 100;
const MAX_DOCUMENT_LINE: usize = 400;

/// The longest byline shown, in UTF-16 units: a source name is an admin's
/// short label, but nothing stops it being long, and the title and the link
/// must keep their room.
const MAX_BYLINE: usize = 256;

/// The longest link the plain form shows, in UTF-16 units; a longer one is
/// left out of it (a cut link is useless). The HTML form keeps every link in
/// its `href`, which is not visible text.
const MAX_PLAIN_LINK: usize = 2048;

/// The parts bounded so that the fixed lines always leave room for the
/// headline: the byline and the names cut, the attachments listed capped,
/// the documents as one line of whole labels, and (in the plain form)
/// overlong links left out.
struct Bounded {
    byline: String,
    link: Option<String>,
    /// At most [`MAX_ATTACHMENT_LINES`]; in the plain form a URL too long
    /// to show is None (the name stays).
    attachments: Vec<(String, Option<String>)>,
    /// How many attachments are not in `attachments`.
    more: usize,
    documents: Option<String>,
}

fn bounded(parts: &Parts, plain: bool) -> Bounded {
    let shown = parts.attachments.len().min(MAX_ATTACHMENT_LINES);
    Bounded {
        byline: cut(&parts.byline, MAX_BYLINE),
        link: parts
            .link
            .clone()
            .filter(|l| !plain || utf16_len(l) <= MAX_PLAIN_LINK),
        attachments: parts.attachments[..shown]
            .iter()
            .map(|a| {
                let url = (!plain || utf16_len(&a.url) <= MAX_PLAIN_LINK).then(|| a.url.clone());
                (cut(&a.name, MAX_ATTACHMENT_NAME), url)
            })
            .collect(),
        more: parts.attachments.len() - shown,
        documents: document_line(&parts.documents),
    }
}

/// "Văn bản: Kế hoạch 211/KH-UBND, Quyết định 489/QĐ-TTg": whole labels
/// while the line stays within [`MAX_DOCUMENT_LINE`], then "(+N)".
fn document_line(documents: &[String]) -> Option<String> {
    const HEAD: &str = "Văn bản: ";
    let mut line = HEAD.to_string();
    for (i, d) in documents.iter().enumerate() {
        let label = cut(d, MAX_DOCUMENT_LABEL);
        let sep = if i == 0 { "" } else { ", " };
        let rest = documents.len() - i;
        // Room for this label and, should more follow, the count.
        let tail = if rest > 1 {
            utf16_len(&format!(" (+{})", rest - 1))
        } else {
            0
        };
        if utf16_len(&line) + utf16_len(sep) + utf16_len(&label) + tail > MAX_DOCUMENT_LINE {
            if i == 0 {
                return None;
            }
            line.push_str(&format!(" (+{rest})"));
            return Some(line);
        }
        line.push_str(sep);
        line.push_str(&label);
    }
    (!documents.is_empty()).then_some(line)
}

/// Escape text for Telegram's HTML mode.
pub fn escape(s: &str) -> String {
    crate::text::escape_html(s)
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `s` (whole characters, no dangling surrogate) that
/// fits in `budget` UTF-16 units together with a closing "…".
fn cut(s: &str, budget: usize) -> String {
    if utf16_len(s) <= budget {
        return s.to_string();
    }
    if budget == 0 {
        return String::new();
    }
    let mut used = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if used + c.len_utf16() + 1 > budget {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    let mut t = s[..end].trim_end().to_string();
    t.push('…');
    t
}

/// What one message shows of its parts, once fitted.
struct Layout<'a> {
    title: &'a str,
    teaser: Option<&'a str>,
    /// How many of the bounded attachments get their own line.
    shown: usize,
    documents: bool,
}

/// Write the message, in Telegram's HTML or as plain text: the one layout
/// both forms share, and what [`fit`] measures.
fn write(b: &Bounded, l: &Layout, plain: bool) -> String {
    let text = |s: &str| if plain { s.to_string() } else { escape(s) };
    let mut out = if plain {
        format!("{}\n\n", l.title)
    } else {
        format!("<b>{}</b>\n\n", escape(l.title))
    };
    if let Some(t) = l.teaser {
        out.push_str(&text(t));
        out.push_str("\n\n");
    }
    let mut block = Vec::new();
    for (name, url) in &b.attachments[..l.shown] {
        block.push(match (url, plain) {
            (Some(url), false) => format!("📎 <a href=\"{}\">{}</a>", escape(url), escape(name)),
            (Some(url), true) => format!("📎 {name}: {url}"),
            (None, _) => format!("📎 {}", text(name)),
        });
    }
    let hidden = b.more + (b.attachments.len() - l.shown);
    if hidden > 0 {
        block.push(if l.shown == 0 {
            format!("📎 {hidden} tệp đính kèm")
        } else {
            format!("+{hidden} tệp khác")
        });
    }
    if let Some(d) = b.documents.as_deref().filter(|_| l.documents) {
        block.push(text(d));
    }
    if !block.is_empty() {
        out.push_str(&block.join("\n"));
        out.push_str("\n\n");
    }
    if plain {
        out.push_str(&b.byline);
    } else {
        out.push_str(&format!("<i>{}</i>", escape(&b.byline)));
    }
    if let Some(link) = &b.link {
        if plain {
            out.push('\n');
            out.push_str(link);
        } else {
            out.push_str(&format!("\n<a href=\"{}\">{READ_MORE}</a>", escape(link)));
        }
    }
    out
}

/// The visible length of a message, in UTF-16 units.
fn visible_len(b: &Bounded, l: &Layout, plain: bool) -> usize {
    let m = write(b, l, plain);
    utf16_len(&if plain { m } else { visible_text(&m) })
}

/// Fit the message into the limit and write it: the teaser shrinks first,
/// then goes; then attachment lines become a count, the last first, then
/// the document line goes; the headline is cut only when it alone is too
/// long.
fn fit(parts: &Parts, plain: bool) -> String {
    let b = bounded(parts, plain);
    let mut l = Layout {
        title: "",
        teaser: None,
        shown: b.attachments.len(),
        documents: true,
    };
    let title_len = utf16_len(&parts.title);
    let mut fixed = visible_len(&b, &l, plain);
    while fixed + title_len > MAX_UTF16 {
        if l.shown > 0 {
            l.shown -= 1;
        } else if l.documents && b.documents.is_some() {
            l.documents = false;
        } else {
            break;
        }
        fixed = visible_len(&b, &l, plain);
    }
    if fixed + title_len > MAX_UTF16 {
        let title = cut(&parts.title, MAX_UTF16.saturating_sub(fixed));
        l.title = &title;
        return write(&b, &l, plain);
    }
    l.title = &parts.title;
    let teaser = parts.teaser.as_deref().and_then(|t| {
        let budget = MAX_UTF16 - fixed - title_len;
        // The teaser costs its text plus the blank line after it.
        if budget < 2 + 10 {
            return None;
        }
        Some(cut(t, budget - 2))
    });
    l.teaser = teaser.as_deref();
    write(&b, &l, plain)
}

/// The message in Telegram's HTML parse mode.
pub fn html(parts: &Parts) -> String {
    fit(parts, false)
}

/// The same message as plain text, sent without a parse mode when Telegram
/// refuses the HTML one.
pub fn plain(parts: &Parts) -> String {
    fit(parts, true)
}

/// The web admin's test message: plain text, short, saying where it comes
/// from and when (`at`, in the configured zone), with no link to preview.
pub fn test_text(site: &str, at: chrono::DateTime<chrono::FixedOffset>) -> String {
    format!(
        "Tin thử của tinkhac ({site}): bot gửi được tin lên kênh này. Gửi lúc {}.",
        at.format("%H:%M ngày %d/%m/%Y")
    )
}

/// The address Telegram should preview under a message: the item's own
/// link, the last line of both forms. Without it Telegram previews the first
/// link of the text, which for a followed item is an attachment (a PDF
/// card instead of the article). None when the message has no such link.
pub fn preview_url(text: &str, html: bool) -> Option<String> {
    if html {
        let rest = text.strip_suffix(&format!("\">{READ_MORE}</a>"))?;
        let start = rest.rfind("<a href=\"")? + "<a href=\"".len();
        Some(decode(&rest[start..])).filter(|u| crate::text::is_http_url(u))
    } else {
        let (_, last) = text.rsplit_once('\n')?;
        crate::text::is_http_url(last).then(|| last.to_string())
    }
}

/// A message of [`html`] as a reader of the channel sees it, for a terminal
/// (the demo's preview): the four entities decoded, `<b>` bold and `<i>`
/// italic as ANSI styles when `styled` (plain text otherwise), and a link
/// as its text followed by its address, `Xem chi tiết (https://…)`. Only
/// the tags [`html`] writes are known; any other markup is kept as text.
pub fn for_terminal(html: &str, styled: bool) -> String {
    let mut out = String::with_capacity(html.len());
    let mut href: Option<String> = None;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode(&rest[..start]));
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            rest = after;
            break;
        };
        let tag = &after[1..end];
        let style = |on: &'static str| if styled { on } else { "" };
        match tag {
            "b" => out.push_str(style("\x1b[1m")),
            "/b" => out.push_str(style("\x1b[22m")),
            "i" => out.push_str(style("\x1b[3m")),
            "/i" => out.push_str(style("\x1b[23m")),
            "/a" => {
                if let Some(url) = href.take() {
                    out.push_str(&format!(" ({url})"));
                }
            }
            t if t.starts_with("a href=\"") && t.ends_with('"') => {
                href = Some(decode(&t["a href=\"".len()..t.len() - 1]));
            }
            _ => out.push_str(&decode(&after[..=end])),
        }
        rest = &after[end + 1..];
    }
    out.push_str(&decode(rest));
    out
}

/// The four entities [`escape`] writes, decoded (`&amp;` last).
fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The visible text of an HTML message: tags dropped, the four entities
/// decoded. Used to check the limit.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The admin's test message: short plain text, naming the site and the
    /// time in the configured zone, with nothing to preview.
    #[test]
    fn the_test_message_says_whose_it_is_and_when() {
        let at = chrono::DateTime::parse_from_rfc3339("2025-12-23T08:30:00+07:00").unwrap();
        let text = test_text("Tin <thử>", at);
        assert_eq!(
            text,
            "Tin thử của tinkhac (Tin <thử>): bot gửi được tin lên kênh này. Gửi lúc 08:30 \
             ngày 23/12/2025."
        );
        assert_eq!(preview_url(&text, false), None);
    }

    fn parts(title: &str, teaser: Option<&str>) -> Parts {
        Parts {
            title: title.into(),
            teaser: teaser.map(str::to_string),
            byline: "Cổng TTĐT Hải Phòng · 23/12/2025".into(),
            link: Some("https://haiphong.gov.vn/a?id=1&b=2".into()),
            attachments: vec![],
            documents: vec![],
        }
    }

    #[test]
    fn portal_text_is_escaped_everywhere() {
        let m = html(&parts(
            "Sở GD&ĐT: <Tên trường> \"mới\"",
            Some("a < b && c > d"),
        ));
        assert!(
            m.starts_with("<b>Sở GD&amp;ĐT: &lt;Tên trường&gt; &quot;mới&quot;</b>"),
            "{m}"
        );
        assert!(m.contains("a &lt; b &amp;&amp; c &gt; d"));
        assert!(m.contains("href=\"https://haiphong.gov.vn/a?id=1&amp;b=2\""));
        assert_eq!(visible_text(&m).matches('<').count(), 2);
    }

    #[test]
    fn the_terminal_shows_what_a_reader_sees() {
        let m = html(&parts(
            "Sở GD&ĐT: <Tên trường> \"mới\"",
            Some("a < b && c &amp; d"),
        ));
        let plain = for_terminal(&m, false);
        assert_eq!(
            plain,
            "Sở GD&ĐT: <Tên trường> \"mới\"\n\na < b && c &amp; d\n\n\
             Cổng TTĐT Hải Phòng · 23/12/2025\n\
             Xem chi tiết (https://haiphong.gov.vn/a?id=1&b=2)"
        );
        let styled = for_terminal(&m, true);
        assert!(
            styled.starts_with("\x1b[1mSở GD&ĐT: <Tên trường> \"mới\"\x1b[22m"),
            "{styled:?}"
        );
        assert!(styled.contains("\x1b[3mCổng TTĐT Hải Phòng · 23/12/2025\x1b[23m"));
        assert!(!styled.contains("<b>") && !styled.contains("&amp;&amp;"));
    }

    #[test]
    fn a_huge_teaser_is_cut_never_the_link() {
        let teaser = "học sinh ".repeat(2000);
        let m = html(&parts("Tiêu đề", Some(&teaser)));
        let visible = visible_text(&m);
        assert!(utf16_len(&visible) <= MAX_UTF16, "{}", utf16_len(&visible));
        assert!(
            utf16_len(&visible) > MAX_UTF16 - 20,
            "the teaser fills the room"
        );
        assert!(m.ends_with("\">Xem chi tiết</a>"));
        assert!(visible.contains('…'));
        let p = plain(&parts("Tiêu đề", Some(&teaser)));
        assert!(utf16_len(&p) <= MAX_UTF16);
        assert!(p.ends_with("https://haiphong.gov.vn/a?id=1&b=2"));
    }

    #[test]
    fn astral_characters_count_as_two_units_and_are_not_split() {
        let teaser = "😀".repeat(3000);
        let m = html(&parts("T", Some(&teaser)));
        assert!(utf16_len(&visible_text(&m)) <= MAX_UTF16);
        assert!(!m.contains('\u{fffd}'));
    }

    #[test]
    fn a_huge_title_is_cut_and_the_teaser_dropped() {
        let title = "Đ".repeat(5000);
        let m = html(&parts(&title, Some("teaser")));
        assert!(utf16_len(&visible_text(&m)) <= MAX_UTF16);
        assert!(!m.contains("teaser"));
        assert!(m.contains("</b>") && m.contains("</a>"));
    }

    #[test]
    fn a_huge_byline_or_link_still_fits_4096() {
        let mut p = parts(&"Đ".repeat(5000), Some("teaser"));
        p.byline = "Cổng TTĐT ".repeat(600);
        let m = html(&p);
        assert!(utf16_len(&visible_text(&m)) <= MAX_UTF16);
        assert!(m.contains("\">Xem chi tiết</a>"), "the link stays");
        assert!(utf16_len(&plain(&p)) <= MAX_UTF16);

        p.link = Some(format!("https://x.vn/{}", "a".repeat(5000)));
        let m = html(&p);
        assert!(utf16_len(&visible_text(&m)) <= MAX_UTF16);
        assert!(
            m.contains(p.link.as_deref().unwrap()),
            "HTML keeps it in href"
        );
        let t = plain(&p);
        assert!(utf16_len(&t) <= MAX_UTF16);
        assert!(!t.contains("https://x.vn/"), "plain leaves a huge link out");
    }

    #[test]
    fn nothing_is_cut_to_a_lone_ellipsis_beyond_the_limit() {
        // A title that exactly fills the room left by the fixed lines.
        let mut p = parts("", None);
        let layout = Layout {
            title: "",
            teaser: None,
            shown: 0,
            documents: false,
        };
        let fixed = visible_len(&bounded(&p, false), &layout, false);
        p.title = "a".repeat(MAX_UTF16 - fixed);
        assert_eq!(utf16_len(&visible_text(&html(&p))), MAX_UTF16);
        p.title.push('b');
        assert!(utf16_len(&visible_text(&html(&p))) <= MAX_UTF16);
        assert_eq!(cut("abc", 0), "");
    }

    /// Text that must never become markup, an entity or a way out of one.
    const HOSTILE: &str = "<script>alert(\"x&y\")</script> ]]> 'q' &amp; \"a\"";

    fn followed(attachments: usize) -> Parts {
        let mut p = parts(
            "Kế hoạch tổ chức kỳ thi tuyển sinh lớp 10",
            Some("Sở GD&ĐT ban hành kế hoạch…"),
        );
        p.attachments = (1..=attachments)
            .map(|n| Attachment {
                name: format!("{n}-KH-UBND.pdf"),
                url: format!("https://haiphong.gov.vn/files/{n}-KH-UBND.pdf?a=1&b={n}"),
            })
            .collect();
        p.documents = vec![
            "Kế hoạch 211/KH-UBND".into(),
            "Quyết định 489/QĐ-TTg".into(),
        ];
        p
    }

    fn hrefs(m: &str) -> Vec<String> {
        m.split("<a href=\"")
            .skip(1)
            .map(|s| decode(&s[..s.find('"').unwrap()]))
            .collect()
    }

    #[test]
    fn a_followed_item_links_its_attachments_and_names_its_documents() {
        let m = html(&followed(2));
        assert_eq!(
            m,
            "<b>Kế hoạch tổ chức kỳ thi tuyển sinh lớp 10</b>\n\n\
             Sở GD&amp;ĐT ban hành kế hoạch…\n\n\
             📎 <a href=\"https://haiphong.gov.vn/files/1-KH-UBND.pdf?a=1&amp;b=1\">1-KH-UBND.pdf</a>\n\
             📎 <a href=\"https://haiphong.gov.vn/files/2-KH-UBND.pdf?a=1&amp;b=2\">2-KH-UBND.pdf</a>\n\
             Văn bản: Kế hoạch 211/KH-UBND, Quyết định 489/QĐ-TTg\n\n\
             <i>Cổng TTĐT Hải Phòng · 23/12/2025</i>\n\
             <a href=\"https://haiphong.gov.vn/a?id=1&amp;b=2\">Xem chi tiết</a>"
        );
        let p = plain(&followed(2));
        assert!(
            p.contains("\n📎 1-KH-UBND.pdf: https://haiphong.gov.vn/files/1-KH-UBND.pdf?a=1&b=1\n"),
            "{p}"
        );
        assert!(p.contains("\nVăn bản: Kế hoạch 211/KH-UBND, Quyết định 489/QĐ-TTg\n"));
        assert!(p.ends_with("\nhttps://haiphong.gov.vn/a?id=1&b=2"));
        let t = for_terminal(&m, false);
        assert!(
            t.contains("📎 1-KH-UBND.pdf (https://haiphong.gov.vn/files/1-KH-UBND.pdf?a=1&b=1)\n")
        );
        // An item never followed reads as it always did.
        let mut p = followed(0);
        p.documents.clear();
        assert!(!html(&p).contains("📎") && !html(&p).contains("Văn bản"));
        assert_eq!(html(&p), html(&parts(&p.title, p.teaser.as_deref())));
    }

    #[test]
    fn attachments_beyond_a_few_are_counted() {
        let m = html(&followed(9));
        assert_eq!(m.matches("📎 <a href=").count(), MAX_ATTACHMENT_LINES);
        assert!(
            m.contains("5-KH-UBND.pdf</a>\n+4 tệp khác\nVăn bản:"),
            "{m}"
        );
        assert!(!m.contains("6-KH-UBND.pdf"));
        assert!(plain(&followed(9)).contains("\n+4 tệp khác\n"));
    }

    #[test]
    fn hostile_names_are_inert() {
        let mut p = followed(1);
        p.attachments[0].name = HOSTILE.into();
        p.attachments[0].url = format!("https://x.vn/{HOSTILE}\"><b>");
        p.documents = vec![HOSTILE.into()];
        p.title = HOSTILE.into();
        let m = html(&p);
        // Only the tags the message writes: nothing from the item opens one.
        let tags: Vec<&str> = m
            .split('<')
            .skip(1)
            .map(|t| t.split(['>', ' ']).next().unwrap())
            .collect();
        assert!(
            tags.iter()
                .all(|t| ["b", "/b", "i", "/i", "a", "/a"].contains(t)),
            "{tags:?}"
        );
        assert_eq!(m.matches("<b>").count(), 1);
        assert!(!m.contains("<script"));
        assert!(m.contains("📎 <a href=\"https://x.vn/&lt;script&gt;alert(&quot;x&amp;y&quot;)"));
        assert!(m.contains(
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; ]]&gt; 'q' &amp;amp;"
        ));
        assert_eq!(hrefs(&m)[0], p.attachments[0].url);
        let visible = visible_text(&m);
        assert!(visible.contains(&format!("📎 {HOSTILE}\n")), "{visible}");
        assert!(visible.contains(&format!("Văn bản: {HOSTILE}\n")));
    }

    #[test]
    fn a_long_vietnamese_message_with_many_attachments_fits_4096() {
        let mut p = followed(40);
        p.teaser = Some("Thực hiện chỉ đạo của Ủy ban nhân dân thành phố về việc ".repeat(200));
        for a in &mut p.attachments {
            a.name = format!("{} {}", a.name, "Phụ lục kèm theo kế hoạch ".repeat(20));
        }
        p.documents = (1..200)
            .map(|n| format!("Công văn {n}/SGDĐT-GDTrH"))
            .collect();
        for m in [html(&p), plain(&p)] {
            let visible = if m.starts_with("<b>") {
                visible_text(&m)
            } else {
                m.clone()
            };
            let units = utf16_len(&visible);
            assert!(units <= MAX_UTF16, "{units}");
            assert!(units > MAX_UTF16 - 30, "the teaser fills the room: {units}");
            assert!(visible.contains("+35 tệp khác"));
            assert!(visible.contains("Văn bản: Công văn 1/SGDĐT-GDTrH, "));
            assert!(
                visible.contains(" (+"),
                "documents beyond the line are counted"
            );
            assert!(visible.contains('…'), "the teaser is cut");
        }
        let m = html(&p);
        let links = hrefs(&m);
        assert_eq!(links.len(), MAX_ATTACHMENT_LINES + 1);
        assert_eq!(links.last(), p.link.as_ref());
    }

    #[test]
    fn a_huge_title_drops_the_teaser_then_the_attachment_lines() {
        let mut p = followed(3);
        p.title = "Đ".repeat(MAX_UTF16 - 120);
        let m = html(&p);
        let visible = visible_text(&m);
        assert!(utf16_len(&visible) <= MAX_UTF16);
        assert!(!m.contains("Sở GD"), "the teaser went first");
        assert!(visible.starts_with(&p.title), "the title is whole");
        assert!(m.matches("📎 <a href=").count() < 3, "{visible}");
        assert!(m.ends_with("\">Xem chi tiết</a>"));

        p.title = "Đ".repeat(5000);
        let m = html(&p);
        let visible = visible_text(&m);
        assert!(utf16_len(&visible) <= MAX_UTF16);
        assert!(visible.contains("📎 3 tệp đính kèm"), "{visible}");
        assert!(!visible.contains("Văn bản"));
        assert!(m.contains("</b>") && m.ends_with("</a>"));
        assert!(utf16_len(&plain(&p)) <= MAX_UTF16);
    }

    #[test]
    fn from_item_takes_the_article_and_links_only_http() {
        use crate::item::{AttachmentRef, DocumentRef, Followed};
        let mut item: Item = serde_json::from_value(serde_json::json!({
            "id": "x", "title": "T", "link": "https://a.vn/1", "guid": null,
            "summary": "S", "published": "2025-12-23T08:30:00+07:00",
            "first_seen": "2025-12-23T01:30:00Z", "sources": ["a"], "topics": []
        }))
        .unwrap();
        let att = |url: &str, name: &str, file_name: &str| AttachmentRef {
            url: url.into(),
            name: name.into(),
            file_name: file_name.into(),
            content_type: None,
            length: None,
        };
        item.article = Some(Followed {
            attachments: vec![
                att("https://a.vn/f/211.pdf", "Tải tại đây", "211-KH-UBND.pdf"),
                att("javascript:alert(1)", "x", "x.pdf"),
                att("http://a.vn/f/2", "Phụ lục\n2", " "),
                att("https://a.vn/f/3", "", ""),
            ],
            documents: vec![DocumentRef {
                kind: "Kế hoạch".into(),
                number: "211/KH-UBND".into(),
                key: "211-KH-UBND".into(),
            }],
            ..Followed::default()
        });
        let p = Parts::from_item(&item, "Hải Phòng");
        let got: Vec<(&str, &str)> = p
            .attachments
            .iter()
            .map(|a| (a.name.as_str(), a.url.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("211-KH-UBND.pdf", "https://a.vn/f/211.pdf"),
                ("Phụ lục 2", "http://a.vn/f/2"),
                (UNNAMED, "https://a.vn/f/3"),
            ]
        );
        assert_eq!(p.documents, ["Kế hoạch 211/KH-UBND"]);
        item.article = None;
        let p = Parts::from_item(&item, "Hải Phòng");
        assert!(p.attachments.is_empty() && p.documents.is_empty());
    }

    #[test]
    fn the_preview_is_the_items_link_not_an_attachment() {
        let p = followed(2);
        let link = p.link.clone();
        assert_eq!(preview_url(&html(&p), true), link);
        assert_eq!(preview_url(&plain(&p), false), link);
        let mut p = followed(2);
        p.link = None;
        assert_eq!(preview_url(&html(&p), true), None);
        assert_eq!(preview_url(&plain(&p), false), None);
        p.link = Some("javascript:alert(1)".into());
        assert_eq!(preview_url(&html(&p), true), None);
    }
}

//! The text of a channel message, built from a stored item. Pure.
//!
//! HTML parse mode: a bold headline, the teaser, the source and date in
//! italics, and a link. Every text inserted is escaped (`&`, `<`, `>`, and
//! `"` inside the link), only Telegram's own tags are used, and the visible
//! text stays within Telegram's 4096 UTF-16 units: the teaser is cut first,
//! the headline only if it alone is too long; the link and the tags are never
//! cut.

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
}

impl Parts {
    pub fn from_item(item: &Item, source_name: &str) -> Parts {
        let date = if item.date_estimated {
            String::new()
        } else {
            format!(" · {}", item.published.format("%d/%m/%Y"))
        };
        Parts {
            title: item.title.clone(),
            teaser: item.summary.clone().filter(|s| !s.trim().is_empty()),
            byline: format!("{source_name}{date}"),
            link: item.link.clone(),
        }
    }
}

/// The label of the link line.
const READ_MORE: &str = "Xem chi tiết";

/// The longest byline shown, in UTF-16 units: a source name is an admin's
/// short label, but nothing stops it being long, and the title and the link
/// must keep their room.
const MAX_BYLINE: usize = 256;

/// The longest link the plain form shows, in UTF-16 units; a longer one is
/// left out of it (a cut link is useless). The HTML form keeps every link in
/// its `href`, which is not visible text.
const MAX_PLAIN_LINK: usize = 2048;

/// The parts with the byline and (in the plain form) the link bounded, so
/// that the fixed lines always leave room for the headline.
fn bounded(parts: &Parts, plain: bool) -> Parts {
    Parts {
        title: parts.title.clone(),
        teaser: parts.teaser.clone(),
        byline: cut(&parts.byline, MAX_BYLINE),
        link: parts
            .link
            .clone()
            .filter(|l| !plain || utf16_len(l) <= MAX_PLAIN_LINK),
    }
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

/// The visible text of a message with this title and teaser; the layout
/// shared by the HTML and the plain form.
fn visible_len(title: &str, teaser: Option<&str>, parts: &Parts, plain: bool) -> usize {
    let link_line = match (&parts.link, plain) {
        (Some(l), true) => utf16_len(l) + 1,
        (Some(_), false) => utf16_len(READ_MORE) + 1,
        (None, _) => 0,
    };
    utf16_len(title)
        + teaser.map_or(0, |t| utf16_len(t) + 2)
        + 2
        + utf16_len(&parts.byline)
        + link_line
}

/// Fit title and teaser into the limit: the teaser shrinks first, then goes;
/// the headline is cut only when it alone is too long.
fn fit(parts: &Parts, plain: bool) -> (String, Option<String>) {
    let fixed = visible_len("", None, parts, plain);
    let title_len = utf16_len(&parts.title);
    if fixed + title_len > MAX_UTF16 {
        let title = cut(&parts.title, MAX_UTF16.saturating_sub(fixed));
        return (title, None);
    }
    let teaser = parts.teaser.as_deref().and_then(|t| {
        let budget = MAX_UTF16 - fixed - title_len;
        // The teaser costs its text plus the blank line before it.
        if budget < 2 + 10 {
            return None;
        }
        Some(cut(t, budget - 2))
    });
    (parts.title.clone(), teaser)
}

/// The message in Telegram's HTML parse mode.
pub fn html(parts: &Parts) -> String {
    let parts = &bounded(parts, false);
    let (title, teaser) = fit(parts, false);
    let mut out = format!("<b>{}</b>\n\n", escape(&title));
    if let Some(t) = teaser {
        out.push_str(&escape(&t));
        out.push_str("\n\n");
    }
    out.push_str(&format!("<i>{}</i>", escape(&parts.byline)));
    if let Some(link) = &parts.link {
        out.push_str(&format!("\n<a href=\"{}\">{READ_MORE}</a>", escape(link)));
    }
    out
}

/// The same message as plain text, sent without a parse mode when Telegram
/// refuses the HTML one.
pub fn plain(parts: &Parts) -> String {
    let parts = &bounded(parts, true);
    let (title, teaser) = fit(parts, true);
    let mut out = format!("{title}\n\n");
    if let Some(t) = teaser {
        out.push_str(&t);
        out.push_str("\n\n");
    }
    out.push_str(&parts.byline);
    if let Some(link) = &parts.link {
        out.push('\n');
        out.push_str(link);
    }
    out
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

    fn parts(title: &str, teaser: Option<&str>) -> Parts {
        Parts {
            title: title.into(),
            teaser: teaser.map(str::to_string),
            byline: "Cổng TTĐT Hải Phòng · 23/12/2025".into(),
            link: Some("https://haiphong.gov.vn/a?id=1&b=2".into()),
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
        let fixed = visible_len("", None, &bounded(&p, false), false);
        p.title = "a".repeat(MAX_UTF16 - fixed);
        assert_eq!(utf16_len(&visible_text(&html(&p))), MAX_UTF16);
        p.title.push('b');
        assert!(utf16_len(&visible_text(&html(&p))) <= MAX_UTF16);
        assert_eq!(cut("abc", 0), "");
    }
}

//! Reading text out of elements: cleaning, the readable text of a node,
//! headlines (the `title` attribute when the visible text is cut, a date
//! cut off their end) and teasers.

use chrono::{DateTime, FixedOffset};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};

use crate::source::date::{parse_date, trailing_date, Context};
use crate::text::{is_surely_nfc, nfc};

/// Collapse whitespace (NBSP included), trim, drop control characters
/// (which XML cannot carry at all), and make NFC. Every text a source
/// yields passes through here.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut surely_nfc = true;
    for c in s.chars() {
        // ASCII, most of any text, in fewer tests: printable, white space,
        // or a control (dropped).
        if c.is_ascii_graphic() {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        } else if c.is_ascii() {
            if c.is_ascii_whitespace() || c == '\u{0B}' {
                space = !out.is_empty();
            }
        } else if c.is_whitespace() || c == '\u{200b}' {
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
pub fn may_hold_date(el: ElementRef) -> bool {
    el.descendants().any(|n| match n.value() {
        Node::Text(t) => t.bytes().any(|b| b.is_ascii_digit()),
        Node::Element(e) => matches!(e.name(), "time" | "meta"),
        _ => false,
    })
}

/// Whether `el`'s text holds at least `n` words, as [`clean`] would split
/// it, without building the text: it stops reading at the `n`-th word.
pub fn has_words(el: ElementRef, n: usize) -> bool {
    let mut words = 0;
    let mut in_word = false;
    for t in el.text() {
        for c in t.chars() {
            if c.is_whitespace() || c == '\u{200b}' {
                in_word = false;
            } else if !in_word && !c.is_control() {
                in_word = true;
                words += 1;
                if words >= n {
                    return true;
                }
            }
        }
    }
    words >= n
}

pub fn is_ellipsis_cut(s: &str) -> bool {
    s.ends_with('…') || s.ends_with("...")
}

/// The visible headline, or the `title` attribute's whole headline when the
/// visible one was cut short (or is missing, as on image links).
pub fn best_title(visible: &str, title_attr: Option<&str>) -> String {
    let attr = title_attr.map(clean).filter(|t| !t.is_empty());
    match attr {
        Some(a) if visible.is_empty() => a,
        Some(a) if is_ellipsis_cut(visible) && a.chars().count() >= visible.chars().count() - 1 => {
            a
        }
        _ => visible.to_string(),
    }
}

pub fn text_of(el: ElementRef) -> String {
    let mut s = String::new();
    for t in el.text() {
        s.push_str(t);
    }
    clean(&s)
}

pub fn is_skipped_tag(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "select"
    )
}

pub fn is_inline_tag(name: &str) -> bool {
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
pub fn text_outside(
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
/// `text` is [`clean`]'s output: NFC, with single spaces and no other white
/// space, so once the date leaves a space in its place, cleaning it again
/// comes down to closing the spaces around that one.
pub fn teaser(
    text: String,
    date_range: Option<std::ops::Range<usize>>,
    title: &str,
) -> Option<String> {
    let joined;
    let t = match date_range {
        Some(r) => {
            let before = text[..r.start].trim_end_matches(' ');
            let after = text[r.end..].trim_start_matches(' ');
            let gap = if before.is_empty() || after.is_empty() {
                ""
            } else {
                " "
            };
            joined = format!("{before}{gap}{after}");
            joined.as_str()
        }
        None => text.as_str(),
    };
    let t = t.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '|' | '–' | '—' | ',' | ':' | '/')
    });
    let t = t.trim();
    (t.chars().count() >= 10 && t != title).then(|| t.to_string())
}

/// Whether a headline may end in a date or a relative time: a cheap test
/// before looking for one.
pub fn may_end_in_date(t: &str) -> bool {
    t.trim_end()
        .ends_with(|c: char| c.is_ascii_digit() || matches!(c, ')' | ']'))
        || [
            "trước", "qua", "xong", "đây", "truoc", "TRƯỚC", "QUA", "XONG",
        ]
        .iter()
        .any(|w| t.trim_end().ends_with(w))
}

/// Cut a date off the end of a headline: the headline and the date.
pub fn split_title_date(
    title: &str,
    tz: FixedOffset,
    ctx: &Context,
) -> (String, Option<DateTime<FixedOffset>>) {
    match trailing_date(title, tz, Some(ctx)) {
        Some((d, start)) => {
            let head = title[..start].trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, '-' | '–' | '—' | '|' | ',' | ':' | '·' | '•')
            });
            (head.to_string(), Some(d))
        }
        None => (title.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_collapses_spaces_drops_controls_and_composes() {
        assert_eq!(
            clean("  Hoa\u{300}\u{a0}\n Bình \u{1} x\u{200b}y "),
            "Hoà Bình x y"
        );
        assert_eq!(clean("a \u{1} b"), "a b");
        assert_eq!(clean(" \t "), "");
    }

    #[test]
    fn clean_reads_every_ascii_character_as_the_unicode_rules_do() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            let want = if c.is_whitespace() {
                "a b".to_string()
            } else if c.is_control() {
                "ab".to_string()
            } else {
                format!("a{c}b")
            };
            assert_eq!(clean(&format!("a{c}b")), want, "{b:#x}");
        }
    }

    #[test]
    fn a_teaser_closes_the_spaces_the_date_leaves() {
        let text = clean("Học sinh giỏi - 23/12/2025 - nhận thưởng của thành phố");
        let start = text.find("- 23").unwrap();
        let end = text.find("2025").unwrap() + 4;
        assert_eq!(
            teaser(text.clone(), Some(start..end), "x").as_deref(),
            Some("Học sinh giỏi - nhận thưởng của thành phố")
        );
        let head = text.find("nhận").unwrap();
        assert_eq!(
            teaser(text.clone(), Some(0..head), "x").as_deref(),
            Some("nhận thưởng của thành phố")
        );
        assert_eq!(
            teaser(text.clone(), Some(start..text.len()), "x").as_deref(),
            Some("Học sinh giỏi")
        );
        assert_eq!(teaser(text.clone(), None, &text), None);
    }

    #[test]
    fn clean_collapses_space_and_drops_control_characters() {
        assert_eq!(
            clean("  Tin\u{a0}\u{a0}khác\n\t mới\u{1}\u{7f} "),
            "Tin khác mới"
        );
        assert_eq!(clean("Ho\u{300}a"), "Hòa");
    }
}

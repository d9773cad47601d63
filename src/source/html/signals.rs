//! What auto-detection reads besides the markup's shape: the words of list
//! headings and "more" links, the shape of an article's address, and the
//! page's own date (which completes `dd/mm` dates).

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use regex::Regex;
use scraper::{ElementRef, Html, Node};
use unicode_normalization::UnicodeNormalization;
use url::Url;

use crate::source::date::{find_date, parse_date};

/// Lower-case, without diacritics (`đ` is `d`), spaces collapsed, and
/// trailing punctuation (`:`, `»`, `>`, `...`) dropped: "TIN MỚI »",
/// "Tin moi" and "tin  mới:" all fold to "tin moi".
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return fold_ascii(s);
    }
    // Bytes, not a `String`: most of what is pushed is ASCII, a byte each.
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut space = false;
    let mut push = |c: char| {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            return;
        }
        if c.is_whitespace() || c == '\u{200b}' {
            space = !out.is_empty();
            return;
        }
        if space {
            out.push(b' ');
            space = false;
        }
        match c {
            'đ' | 'Đ' => out.push(b'd'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase() as u8),
            c => {
                for l in c.to_lowercase() {
                    out.extend_from_slice(l.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
        }
    };
    // Headings and headlines are nearly always Latin letters alone: those
    // decompose one by one, without NFD's buffering and reordering.
    if s.chars().all(decomposes_alone) {
        for c in s.chars() {
            if c.is_ascii() {
                push(c);
            } else {
                unicode_normalization::char::decompose_canonical(c, &mut push);
            }
        }
    } else {
        s.nfd().for_each(push);
    }
    let mut out = String::from_utf8(out).expect("whole characters");
    let kept = out
        .trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '.' | '»' | '>' | '›' | '→' | '…' | '-' | '|')
        })
        .len();
    out.truncate(kept);
    out
}

/// [`fold`] of an ASCII text (most headings and link texts tested are),
/// byte by byte: the same result without a `char` at a time.
fn fold_ascii(s: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut space = false;
    for &b in s.as_bytes() {
        // `char::is_whitespace` in ASCII: the five of `is_ascii_whitespace`
        // and the vertical tab.
        if b.is_ascii_whitespace() || b == 0x0b {
            space = !out.is_empty();
        } else {
            if space {
                out.push(b' ');
                space = false;
            }
            out.push(b.to_ascii_lowercase());
        }
    }
    while let Some(&b) = out.last() {
        if b.is_ascii_whitespace() || b == 0x0b || matches!(b, b':' | b'.' | b'>' | b'-' | b'|') {
            out.pop();
        } else {
            break;
        }
    }
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

/// Whether `c` is ASCII or a precomposed Latin letter: no combining mark
/// itself, and its canonical decomposition a letter then marks in
/// U+0300–U+036F, so a text of these is in NFD once each is decomposed in
/// place (nothing to reorder across characters).
fn decomposes_alone(c: char) -> bool {
    matches!(c, '\0'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// What a short heading-like text says about the links after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heading {
    /// Other, related, newer or older news of the page's own column.
    News,
    /// A recommendation widget ("Có thể bạn quan tâm"): a list only when
    /// the page has no other.
    Recommended,
    /// Popularity and other sections' boxes ("Đọc nhiều", "Tin nổi bật"):
    /// never the page's list.
    Excluded,
}

/// Headings of the page's own news lists, folded. A heading matches when
/// it is one of these or starts with one followed by a space or a colon
/// ("Tin cùng mục Giáo dục", "Xem thêm trên Cổng").
const NEWS: &[&str] = &[
    "tin khac",
    "cac tin khac",
    "tin bai khac",
    "cac tin bai khac",
    "bai khac",
    "cac bai khac",
    "bai viet khac",
    "cac bai viet khac",
    "tin tuc khac",
    "cac tin tuc khac",
    "tin lien quan",
    "cac tin lien quan",
    "tin bai lien quan",
    "bai lien quan",
    "cac bai lien quan",
    "bai viet lien quan",
    "cac bai viet lien quan",
    "tin cung chuyen muc",
    "cac tin cung chuyen muc",
    "cung chuyen muc",
    "bai cung chuyen muc",
    "tin cung muc",
    "tin cung loai",
    "tin cung su kien",
    "tin bai cung su kien",
    "tin da dua",
    "cac tin da dua",
    "tin da dang",
    "cac tin da dang",
    "bai da dang",
    "cac bai da dang",
    "tin moi",
    "cac tin moi",
    "tin moi hon",
    "tin moi cap nhat",
    "tin moi nhat",
    "bai moi",
    "cac bai moi",
    "tin cu",
    "tin cu hon",
    "cac tin cu hon",
    "tin truoc",
    "tham khao them",
    "xem them",
    "doc them",
];

const RECOMMENDED: &[&str] = &[
    "co the ban quan tam",
    "ban co the quan tam",
    "co the ban thich",
];

const EXCLUDED: &[&str] = &[
    "doc nhieu",
    "tin doc nhieu",
    "xem nhieu",
    "tin xem nhieu",
    "doc nhieu nhat",
    "xem nhieu nhat",
    "tin noi bat",
    "noi bat",
    "tieu diem",
    "tin tieu diem",
    "tin hot",
    "tin nong",
    "nhieu nguoi quan tam",
    "duoc quan tam",
    "quan tam nhieu",
    "binh luan nhieu",
];

/// [`EXCLUDED`] as one search: one pass over a text instead of a
/// substring search per entry (most texts tested are no heading at all).
static EXCLUDED_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives: Vec<String> = EXCLUDED.iter().map(|h| regex::escape(h)).collect();
    Regex::new(&alternatives.join("|")).expect("literal alternatives")
});

fn matches_any(t: &str, list: &[&str]) -> bool {
    list.iter().any(|h| {
        t.strip_prefix(h)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ':', '(']))
    })
}

/// The kind of heading `text` is, if any. Headings are short: a text of
/// more than 60 characters is a sentence, not a heading.
pub fn heading_kind(text: &str) -> Option<Heading> {
    if text.len() > 240 || text.trim().chars().count() > 70 {
        return None;
    }
    let t = fold(text);
    if t.is_empty() || t.chars().count() > 60 {
        return None;
    }
    if matches_any(&t, RECOMMENDED) {
        Some(Heading::Recommended)
    } else if matches_any(&t, NEWS) {
        Some(Heading::News)
    } else if EXCLUDED_ANYWHERE.is_match(&t) {
        Some(Heading::Excluded)
    } else {
        None
    }
}

/// A cheap test that a text node may begin a heading (or a heading split
/// over elements, "<a>Tin</a> cùng mục"): short, and opening with a letter
/// some heading opens with.
pub fn may_open_heading(text: &str) -> bool {
    let t = text.trim_start();
    t.len() <= 120
        && matches!(
            t.chars().next(),
            Some(
                't' | 'T'
                    | 'c'
                    | 'C'
                    | 'b'
                    | 'B'
                    | 'x'
                    | 'X'
                    | 'đ'
                    | 'Đ'
                    | 'd'
                    | 'D'
                    | 'n'
                    | 'N'
                    | 'q'
                    | 'Q'
            )
        )
}

/// Words that open a link to more of a list, folded.
const MORE: &[&str] = &[
    "xem tiep",
    "xem them",
    "xem tat ca",
    "doc tiep",
    "doc them",
    "chi tiet",
    "tiep theo",
    "trang sau",
    "trang truoc",
];

/// Texts of links that lead to more of a list, never to one article:
/// "Xem tiếp", "Các tin bài khác »", "Xem tất cả".
pub fn is_more_link_text(text: &str) -> bool {
    // "More" links are short; headlines rarely are.
    if text.len() > 120 || text.chars().count() > 50 || !may_open_like_more(text) {
        return false;
    }
    reads_as_more(text)
}

/// [`is_more_link_text`] past its cheap tests: the words of the folded text.
fn reads_as_more(text: &str) -> bool {
    let t = fold(text);
    let t = t.trim_start_matches(['«', '<', ' ']);
    matches_any(t, MORE) || heading_kind(t) == Some(Heading::News)
}

/// A cheap test before [`is_more_link_text`] folds a whole text: false
/// when the first three characters of its fold (past a leading `«`, `<`
/// and spaces) are ASCII and open no entry of [`MORE`] or [`NEWS`], which
/// every text it accepts opens with. Those characters are folded here one
/// by one as `fold` does; the reordering of combining marks that `fold`'s
/// NFD path adds moves no letter, and a non-ASCII character among the
/// three (a mark left in place, a letter of another script) makes it
/// answer true.
fn may_open_like_more(text: &str) -> bool {
    let mut head = [0u8; 3];
    let mut n = 0;
    let mut started = false;
    let mut space = false;
    let mut ascii = true;
    // Feed one folded character; false once three are read.
    let mut feed = |c: char| -> bool {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            return true;
        }
        if c.is_whitespace() || c == '\u{200b}' {
            space = started;
            return true;
        }
        if !started && matches!(c, '«' | '<') {
            return true;
        }
        started = true;
        let lower = match c {
            'đ' | 'Đ' => 'd',
            c if c.is_ascii() => c.to_ascii_lowercase(),
            _ => {
                ascii = false;
                return false;
            }
        };
        for b in [space.then_some(b' '), Some(lower as u8)]
            .into_iter()
            .flatten()
        {
            if n < 3 {
                head[n] = b;
                n += 1;
            }
        }
        space = false;
        n < 3
    };
    for c in text.chars() {
        let more = if c.is_ascii() || matches!(c, 'đ' | 'Đ') {
            feed(c)
        } else {
            let mut more = true;
            unicode_normalization::char::decompose_canonical(c, |d| {
                if more {
                    more = feed(d);
                }
            });
            more
        };
        if !more {
            break;
        }
    }
    if !ascii {
        return true;
    }
    n == 3
        && MORE
            .iter()
            .chain(NEWS)
            .any(|h| h.as_bytes().get(..3) == Some(&head[..]))
}

/// The shape of an article's address: how deep its path is, the extension
/// of its last segment, and whether it carries a long number (an id or a
/// timestamp). Articles of one site share it; its sections, tags and menus
/// mostly do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    depth: usize,
    ext: String,
    numbered: bool,
}

impl Shape {
    pub fn of(url: &Url) -> Shape {
        let mut depth = 0;
        let mut last = "";
        for seg in url.path().split('/').filter(|s| !s.is_empty()) {
            depth += 1;
            last = seg;
        }
        let ext = last
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let mut run = 0;
        let mut numbered = false;
        for b in url.path().bytes().chain(url.query().unwrap_or("").bytes()) {
            if b.is_ascii_digit() {
                run += 1;
                numbered |= run >= 5;
            } else {
                run = 0;
            }
        }
        Shape {
            depth,
            ext,
            numbered,
        }
    }

    /// Whether `other` looks like an address of the same kind: the same
    /// extension and numbering, a depth at most one apart.
    pub fn like(&self, other: &Shape) -> bool {
        self.ext == other.ext
            && self.numbered == other.numbered
            && self.depth.abs_diff(other.depth) <= 1
            && (self.numbered || !self.ext.is_empty() || self.depth >= 2)
    }
}

/// The page's own date: a `meta` naming the publication time, else the
/// first full date in the page's text (the article's date line, or the
/// header's date), if not after `now`.
pub fn page_date(
    doc: &Html,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let not_future = |d: &DateTime<FixedOffset>| *d <= now + chrono::Duration::days(1);
    const KEYS: &[&str] = &[
        "article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "date",
        "dc.date",
        "dc.date.issued",
        "og:published_time",
    ];
    let mut first_text: Option<DateTime<FixedOffset>> = None;
    let mut hidden = 0usize;
    for edge in doc.root_element().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let name = e.name();
                    if matches!(
                        name,
                        "script" | "style" | "noscript" | "template" | "select"
                    ) {
                        hidden += 1;
                    } else if name == "meta" {
                        let key = e
                            .attr("property")
                            .or_else(|| e.attr("itemprop"))
                            .or_else(|| e.attr("name"))
                            .unwrap_or("");
                        if KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                            if let Some(d) = e
                                .attr("content")
                                .and_then(|c| parse_date(c, tz, None))
                                .filter(not_future)
                            {
                                return Some(d);
                            }
                        }
                    } else if name == "time" && first_text.is_none() && hidden == 0 {
                        first_text = e
                            .attr("datetime")
                            .and_then(|c| parse_date(c, tz, None))
                            .filter(not_future);
                    }
                }
                Node::Text(t)
                    if hidden == 0
                        && first_text.is_none()
                        && t.len() >= 8
                        && t.bytes().filter(u8::is_ascii_digit).count() >= 6 =>
                {
                    first_text = find_date(t, tz).map(|(d, _)| d).filter(not_future);
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if matches!(
                        e.name(),
                        "script" | "style" | "noscript" | "template" | "select"
                    ) {
                        hidden -= 1;
                    }
                }
            }
        }
    }
    first_text
}

/// The readable text of `el` if it is short (at most `max` bytes of text):
/// what a heading holds, split over links and spans or not.
pub fn short_text(el: ElementRef, max: usize) -> Option<String> {
    let mut s = String::new();
    for t in el.text() {
        s.push_str(t);
        if s.len() > max {
            return None;
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The headings of "other news" blocks first known, lower-case NFC:
    /// every one must still be read as a news-list heading.
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
        may_open_heading(s) && heading_kind(s) == Some(Heading::News)
    }

    #[test]
    fn an_excluded_phrase_anywhere_in_a_heading_excludes_it() {
        for h in EXCLUDED {
            assert_eq!(
                heading_kind(&format!("Hộp {h}")),
                Some(Heading::Excluded),
                "{h}"
            );
            assert_eq!(
                heading_kind(&h.to_uppercase()),
                Some(Heading::Excluded),
                "{h}"
            );
        }
        assert_eq!(heading_kind("Hộp ảnh trong tuần"), None);
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
    fn folding_latin_letters_one_by_one_is_folding_their_nfd() {
        let slow = |s: &str| {
            let d: String = s.nfd().collect();
            // Only decomposed text: `fold` takes the NFD path for a mark.
            fold(&format!("{d}\u{301}"))
        };
        let latin = ('\0'..='\u{024F}').chain('\u{1E00}'..='\u{1EFF}');
        for c in latin {
            for s in [
                format!("{c}"),
                format!("Tin {c}{c} mới »"),
                format!("{c}Đ {c}"),
            ] {
                assert!(s.chars().all(decomposes_alone));
                assert_eq!(fold(&s), slow(&s), "{:?}", s);
            }
        }
        assert_eq!(fold("TIN MỚI  CẬP NHẬT »"), "tin moi cap nhat");
    }

    #[test]
    fn ascii_texts_fold_as_any_text_does() {
        let slow = |s: &str| {
            // The same text with a non-ASCII character (which folds to
            // nothing) at its start takes the general path.
            fold(&format!("\u{301}{s}"))
        };
        for b in 0u8..=0x7f {
            let c = char::from(b);
            for s in [
                format!("{c}"),
                format!(" Tin {c}{c} MOI  cap\tnhat {c}"),
                format!("XEM{c}THEM:{c}"),
                format!("{c}x |:- .{c}"),
            ] {
                assert_eq!(fold(&s), slow(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn headings_fold_case_accents_and_punctuation() {
        for h in [
            "Tin cùng mục",
            "TIN MỚI",
            "Tin moi cap nhat",
            "Các bài đã đăng:",
            "Tham khảo thêm »",
            "Tin bài cùng sự kiện",
            "Tin cùng mục Giáo dục - du học",
            "Xem thêm trên Cổng thông tin",
            "Bài liên quan",
            "Tin cũ hơn",
            "ĐỌC THÊM",
        ] {
            assert_eq!(heading_kind(h), Some(Heading::News), "{h}");
        }
        assert_eq!(
            heading_kind("Có thể bạn quan tâm"),
            Some(Heading::Recommended)
        );
        for h in [
            "Đọc nhiều nhất",
            "Tin nổi bật",
            "TIÊU ĐIỂM",
            "Nhiều người quan tâm",
        ] {
            assert_eq!(heading_kind(h), Some(Heading::Excluded), "{h}");
        }
        for h in [
            "Tin",
            "Giáo dục",
            "Tin mớix",
            "Tin khác nhau về một vấn đề khiến nhiều người dân trong thành phố lo lắng",
        ] {
            assert_eq!(heading_kind(h), None, "{h}");
        }
    }

    #[test]
    fn more_links_are_known_by_their_words() {
        for t in [
            "Xem tiếp »",
            "Các tin bài khác",
            "« Xem thêm",
            "Xem tất cả >>",
            "Chi tiết",
        ] {
            assert!(is_more_link_text(t), "{t}");
        }
        assert!(!is_more_link_text("Xem xét kỷ luật cán bộ vi phạm"));
    }

    #[test]
    fn the_cheap_test_before_folding_never_refuses_a_more_link() {
        // Whatever the first letters are (accented, upper-case, NFD, other
        // scripts, after «, < or spaces), a text the words accept passes the
        // cheap test first.
        let firsts = ('\0'..='\u{024F}')
            .chain('\u{1E00}'..='\u{1EFF}')
            .chain(['\u{2013}', '\u{201C}', 'ſ', 'İ', 'K', 'Å', '\u{200b}', '≮']);
        let mut accepted = 0;
        for c in firsts {
            for s in [
                format!("{c}em tiếp »"),
                format!("{c}ác tin khác"),
                format!("« {c}in liên quan"),
                format!("<{c} xem thêm"),
                format!("{c}\u{301}ài viết khác"),
                format!("{c}{c}{c}"),
                format!("X{c}m thêm"),
                format!("Xe{c} thêm"),
                format!("T{c}n khác"),
            ] {
                if reads_as_more(&s) {
                    accepted += 1;
                    assert!(may_open_like_more(&s), "{s:?}");
                }
            }
        }
        assert!(accepted > 20, "{accepted}");
        for h in MORE.iter().chain(NEWS) {
            let nfd: String = h.nfd().collect();
            for s in [h.to_string(), h.to_uppercase(), nfd, format!("« {h} »")] {
                assert!(may_open_like_more(&s), "{s:?}");
            }
        }
        assert!(!may_open_like_more("Hải Phòng khởi công cầu mới"));
        assert!(!may_open_like_more("Trường học xanh"));
    }

    #[test]
    fn article_addresses_share_a_shape_that_sections_lack() {
        let s = |u: &str| Shape::of(&Url::parse(u).unwrap());
        let page = s("https://a.vn/giao-duc/bai-viet-mot-123456.html");
        assert!(page.like(&s("https://a.vn/xa-hoi/bai-khac-hai-654321.html")));
        assert!(page.like(&s("https://a.vn/2012/giao-duc/bai-ba-777777.html")));
        assert!(!page.like(&s("https://a.vn/giao-duc.html")));
        assert!(!page.like(&s("https://a.vn/giao-duc/")));
        assert!(!page.like(&s("https://a.vn/tag/hoc-sinh.htm")));
        let slug = s("https://b.vn/tin-tuc/2012/12/mot-bai-viet/");
        assert!(slug.like(&s("https://b.vn/tin-tuc/2012/12/bai-khac/")));
        assert!(!slug.like(&s("https://b.vn/lien-he/")));
    }
}

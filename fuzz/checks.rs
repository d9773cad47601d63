//! The checks behind the fuzz targets, one function per target: shared by
//! `fuzz/fuzz_targets/*` (cargo fuzz) and by `tests/fuzz_corpus.rs`, which
//! replays the committed corpus in every `cargo test`.

use chrono::{Datelike, FixedOffset};
use scraper::Selector;
use tinkhac::config::ScrapeConfig;
use tinkhac::item::{canonical_link, item_id};
use tinkhac::notify::message::{html, plain, visible_text, Attachment, Parts, MAX_UTF16};
use tinkhac::source::date::{find_date, parse_date, MAX_YEAR, MIN_YEAR};
use tinkhac::source::{feed, html as page};
use url::Url;

const FORMATS: &[&str] = &[
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d-%m-%Y %Hh%M",
    "%Y-%m-%dT%H:%M:%S%z",
];

/// Date parsing on any text: no panic, a found range is a real slice of the
/// text, and the year is within the accepted bounds.
pub fn date(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    if let Some((d, range)) = find_date(s, tz) {
        let _ = &s[range.clone()];
        assert!(range.start <= range.end);
        assert!(
            (MIN_YEAR - 1..=MAX_YEAR + 1).contains(&d.year()),
            "{d} from {s:?}"
        );
    }
    let _ = parse_date(s, tz, None);
    // A first line starting with '%' is an admin's format for the rest.
    let (format, text) = match s.split_once('\n') {
        Some((f, t)) if f.starts_with('%') => (Some(f), t),
        _ => (FORMATS.get(data.len() % 8).copied(), s),
    };
    let _ = parse_date(text, tz, format);
}

fn sel(s: &str) -> (String, Selector) {
    (s.to_string(), Selector::parse(s).unwrap())
}

/// Page extraction: decoding, auto-detection and configured selectors on any
/// bytes. Every harvested link is http(s) and its key is stable.
pub fn extract_html(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    let base = Url::parse("https://haiphong.gov.vn/tin-tuc/giao-duc/bai-1.html").unwrap();
    let content_type = match mode % 4 {
        0 => None,
        1 => Some("text/html; charset=utf-8"),
        2 => Some("text/html; charset=windows-1258"),
        _ => Some("text/html"),
    };
    let text = page::decode(body, content_type);
    let scrape = (mode & 0x80 != 0).then(|| ScrapeConfig {
        items: sel("li, tr, .item"),
        title: Some(sel("a, h3")),
        link: Some(sel("a")),
        date: Some(sel(".date, time, span")),
        summary: Some(sel("p")),
        date_format: (mode & 0x40 != 0).then(|| "%d/%m/%Y".to_string()),
    });
    let got = page::extract(&text, &base, scrape.as_ref(), tz);
    for h in &got.items {
        if let Some(link) = &h.link {
            assert!(matches!(link.scheme(), "http" | "https"), "{link}");
            let once = canonical_link(link);
            assert_eq!(canonical_link(&once), once);
        }
        let _ = item_id("fuzz", h);
    }
}

/// Feed ingestion on any bytes: an error or items, never a panic; every link
/// is http(s).
pub fn feed(data: &[u8]) {
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    let base = Url::parse("https://so-gddt.test/rss/giao-duc.rss").unwrap();
    let _ = feed::looks_like_feed(None, data);
    if let Ok(items) = feed::extract(data, &base, tz) {
        for h in &items {
            if let Some(link) = &h.link {
                assert!(matches!(link.scheme(), "http" | "https"), "{link}");
            }
            let _ = item_id("fuzz", h);
        }
    }
}

fn units(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Decode the four entities the builder writes; `None` for any other `&`.
pub fn decode_entities(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (ent, c) = [
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&amp;", '&'),
            ("&quot;", '"'),
        ]
        .into_iter()
        .find(|(e, _)| rest.starts_with(e))?;
        out.push(c);
        rest = &rest[ent.len()..];
    }
    out.push_str(rest);
    Some(out)
}

/// What a message in HTML parse mode shows, and where its link points.
#[derive(Debug)]
pub struct Parsed {
    pub visible: String,
    pub hrefs: Vec<String>,
}

/// A strict validator for the builder's HTML: only `b`, `i` and
/// `a href="…"`, balanced and properly nested; text and attribute values
/// hold no raw `<`, `>` or `"` and every `&` starts one of the four entities.
pub fn validate(html: &str) -> Result<Parsed, String> {
    let mut visible = String::new();
    let mut hrefs = Vec::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = html;
    loop {
        let lt = rest.find('<').unwrap_or(rest.len());
        let chunk = &rest[..lt];
        if chunk.contains('>') || chunk.contains('"') {
            return Err(format!("raw > or \" in text {chunk:?}"));
        }
        visible += &decode_entities(chunk).ok_or_else(|| format!("bare & in {chunk:?}"))?;
        if lt == rest.len() {
            break;
        }
        rest = &rest[lt + 1..];
        let gt = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[..gt];
        rest = &rest[gt + 1..];
        match tag {
            "b" | "i" => stack.push(tag),
            "/b" | "/i" | "/a" => {
                if stack.pop() != Some(&tag[1..]) {
                    return Err(format!("unbalanced </{}>", &tag[1..]));
                }
            }
            _ => {
                let href = tag
                    .strip_prefix("a href=\"")
                    .and_then(|t| t.strip_suffix('"'))
                    .ok_or_else(|| format!("tag not allowed: <{tag}>"))?;
                if href.contains('"') || href.contains('<') {
                    return Err(format!("raw quote or < in href {href:?}"));
                }
                if stack.contains(&"a") {
                    return Err("nested <a>".into());
                }
                hrefs
                    .push(decode_entities(href).ok_or_else(|| format!("bare & in href {href:?}"))?);
                stack.push("a");
            }
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    Ok(Parsed { visible, hrefs })
}

/// `m` is a valid message within the limit whose last link is `link`,
/// after `attachments` attachment links.
fn check(m: &str, link: Option<&str>, attachments: usize) {
    let parsed = validate(m).unwrap_or_else(|e| panic!("{e} in {m:?}"));
    assert_eq!(parsed.visible, visible_text(m));
    assert!(
        units(&parsed.visible) <= MAX_UTF16,
        "{} units",
        units(&parsed.visible)
    );
    assert_eq!(
        parsed.hrefs[attachments..],
        link.into_iter().map(str::to_string).collect::<Vec<_>>()
    );
}

/// The Telegram message builder on any strings: only b/i/a tags, balanced;
/// every `&` an entity; visible text and the plain form within 4096 UTF-16
/// units; the link intact in the last href, after the first attachments'
/// links, whole and in order.
pub fn message(data: &[u8]) {
    // Fields separated by NUL; a short input stretched by repetition so
    // the length limits are reached.
    let s = String::from_utf8_lossy(data);
    let mut f = s.split('\0');
    let mut field = || f.next().map(str::to_string);
    let repeat = data.first().map_or(1, |b| 1 + usize::from(*b % 16) * 64);
    let title = field().unwrap_or_default();
    let teaser = field().map(|t| t.repeat(repeat));
    let byline = field().unwrap_or_default();
    let link = field();
    // Then attachments, name and URL in turn, and one field of document
    // labels separated by newlines: old corpus entries have none.
    let mut attachments = Vec::new();
    while let (Some(name), Some(url)) = (field(), field()) {
        attachments.push(Attachment { name, url });
    }
    let documents = s.split('\u{1}').skip(1).map(str::to_string).collect();
    let parts = Parts {
        title,
        teaser,
        byline,
        link,
        attachments,
        documents,
    };
    let m = html(&parts);
    let mut hrefs = validate(&m)
        .unwrap_or_else(|e| panic!("{e} in {m:?}"))
        .hrefs;
    if parts.link.is_some() {
        hrefs.pop();
    }
    let urls: Vec<String> = parts.attachments.iter().map(|a| a.url.clone()).collect();
    assert!(urls.starts_with(&hrefs), "{hrefs:?}");
    check(&m, parts.link.as_deref(), hrefs.len());
    let p = plain(&parts);
    assert!(units(&p) <= MAX_UTF16, "{} units", units(&p));
}

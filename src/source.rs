//! Sources: turning one fetched body into harvested items, whichever kind of
//! source it is. `feed` reads feeds, `html` reads pages, `date` reads the
//! dates both meet.

pub mod date;
pub mod feed;
pub mod html;

use chrono::{DateTime, FixedOffset, Utc};

use crate::config::{SourceConfig, SourceKind};
use crate::fetch::Body;
use crate::item::Harvested;
pub use html::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Feed,
    Html,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Feed => "feed",
            Kind::Html => "html",
        }
    }
}

/// What one body gave.
#[derive(Debug, Clone)]
pub struct Harvest {
    pub kind: Kind,
    pub items: Vec<Harvested>,
    pub outcome: Outcome,
    /// What the admin should know about a harvest that worked (a feed read
    /// lossily): logged by the daemon, printed by `preview`.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Feed(#[from] feed::FeedError),
    #[error("no items found: the page has no news list any more (its layout may have changed)")]
    NoContainer,
    #[error("no items found: the news list is there but empty")]
    EmptyContainer,
    #[error(
        "no items found: the page loads its news lists with JavaScript; point tinkhac at \
         the section's listing page or a feed"
    )]
    ScriptLoaded,
    #[error(
        "page refused: its elements nest {depth} deep ({cost} nesting steps); the limits are \
         {max_depth} and {max_cost}, far beyond real pages, so the parser cannot be stalled"
    )]
    TooDeep {
        depth: usize,
        cost: u64,
        max_depth: usize,
        max_cost: u64,
    },
    #[error(
        "page refused: it holds {elements} elements, and the limit is {max}, far beyond real \
         pages, so that parsing one page cannot take hundreds of MiB"
    )]
    TooManyElements { elements: usize, max: usize },
}

/// How far past the fetch an item's date may lie: time zones and a portal's
/// clock a little fast, never a mistyped year.
pub const MAX_AHEAD: chrono::Duration = chrono::Duration::days(1);

/// Forget the dates that lie more than [`MAX_AHEAD`] after `fetched_at`, so
/// that the store dates those items at the fetch (as it does undated ones)
/// instead of keeping a mistyped `2099` at the top of every feed. Returns how
/// many it changed. `fetched_at` should be the later of the local clock and
/// the portals' ([`crate::clock::Clock::latest_now`]).
pub fn date_at_fetch(items: &mut [Harvested], fetched_at: DateTime<Utc>) -> usize {
    let limit = fetched_at + MAX_AHEAD;
    let mut changed = 0;
    for item in items {
        if item.published.is_some_and(|d| d > limit) {
            item.published = None;
            changed += 1;
        }
    }
    changed
}

/// A source's own title, to name it by: a feed's title, or a page's
/// `<title>` without its last part when that part is set off by " - ", " | "
/// or " – " (portals end every title with the site's name, which would name
/// every section of one portal alike). Cleaned like any portal text.
pub fn title_of(body: &Body) -> Option<String> {
    let raw = match feed_rs::parser::parse(body.bytes.as_slice()) {
        Ok(f) => f.title.map(|t| t.content)?,
        Err(_) => {
            let text = page_text(body).ok()?;
            let doc = scraper::Html::parse_document(&text);
            let sel = scraper::Selector::parse("title").expect("valid selector");
            let t: String = doc.select(&sel).next()?.text().collect();
            let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut = [" - ", " | ", " – "]
                .iter()
                .filter_map(|sep| t.rfind(sep))
                .max()
                .filter(|&i| t[..i].trim().chars().count() >= 2);
            match cut {
                Some(i) => t[..i].trim().to_string(),
                None => t,
            }
        }
    };
    let t = crate::text::strip_forbidden(raw.trim()).into_owned();
    let t = crate::text::truncate_chars(&crate::text::nfc(&t), 100).into_owned();
    (!t.is_empty()).then_some(t)
}

/// A page's text, decoded, once a scan of its tags has shown the parser may
/// take it on: html5ever's time grows with nesting, not size (a hostile or
/// broken page could hold a parse thread for hours), and its memory with
/// the number of elements.
pub fn page_text(body: &Body) -> Result<String, Error> {
    let text = html::decode(&body.bytes, body.content_type.as_deref());
    let n = html::nesting(&text);
    if n.depth > html::MAX_DEPTH || n.cost > html::MAX_NESTING_COST {
        return Err(Error::TooDeep {
            depth: n.depth,
            cost: n.cost,
            max_depth: html::MAX_DEPTH,
            max_cost: html::MAX_NESTING_COST,
        });
    }
    if n.elements > html::MAX_ELEMENTS {
        return Err(Error::TooManyElements {
            elements: n.elements,
            max: html::MAX_ELEMENTS,
        });
    }
    Ok(text)
}

/// Read a body as the source's kind says, or as it looks.
pub fn harvest(source: &SourceConfig, body: &Body, tz: FixedOffset) -> Result<Harvest, Error> {
    let kind = match source.kind {
        SourceKind::Feed => Kind::Feed,
        SourceKind::Html => Kind::Html,
        SourceKind::Auto if source.scrape.is_some() => Kind::Html,
        SourceKind::Auto => {
            if feed::looks_like_feed(body.content_type.as_deref(), &body.bytes) {
                Kind::Feed
            } else {
                Kind::Html
            }
        }
    };
    match kind {
        Kind::Feed => {
            let mut notes = Vec::new();
            let items = match feed::repair_utf8(&body.bytes) {
                Some((bytes, n)) => {
                    notes.push(format!(
                        "the feed is not valid UTF-8: {n} invalid byte sequence(s) replaced by \u{FFFD}"
                    ));
                    feed::extract(&bytes, &body.final_url, tz)?
                }
                None => feed::extract(&body.bytes, &body.final_url, tz)?,
            };
            Ok(Harvest {
                notes,
                kind,
                outcome: if items.is_empty() {
                    Outcome::EmptyContainer
                } else {
                    Outcome::Found
                },
                items,
            })
        }
        Kind::Html => {
            let text = page_text(body)?;
            let e = html::extract(&text, &body.final_url, source.scrape.as_ref(), tz);
            match e.outcome {
                Outcome::NoContainer => Err(Error::NoContainer),
                Outcome::EmptyContainer => Err(Error::EmptyContainer),
                Outcome::ScriptLoaded => Err(Error::ScriptLoaded),
                Outcome::Found => Ok(Harvest {
                    notes: Vec::new(),
                    kind,
                    items: e.items,
                    outcome: e.outcome,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::fetch::{Body, Validators};

    fn page(html: String) -> Body {
        Body {
            bytes: html.into_bytes(),
            content_type: Some("text/html; charset=utf-8".into()),
            final_url: url::Url::parse("https://haiphong.gov.vn/tin").unwrap(),
            validators: Validators::default(),
            wire_bytes: None,
        }
    }

    #[test]
    fn dates_more_than_a_day_after_the_fetch_are_forgotten() {
        let fetched = DateTime::parse_from_rfc3339("2025-12-24T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let item = |date: Option<&str>| Harvested {
            title: "Học sinh thành phố đạt giải".into(),
            link: None,
            guid: None,
            summary: None,
            published: date.map(|d| DateTime::parse_from_rfc3339(d).unwrap()),
        };
        let mut items = vec![
            item(Some("2099-12-24T08:00:00+07:00")),
            item(Some("2025-12-26T08:00:00+07:00")),
            // 23 hours ahead: a zone or a fast clock, kept.
            item(Some("2025-12-25T07:00:00+07:00")),
            item(Some("2025-12-24T08:00:00+07:00")),
            item(None),
        ];
        assert_eq!(date_at_fetch(&mut items, fetched), 2);
        let kept: Vec<Option<String>> = items
            .iter()
            .map(|i| i.published.map(|d| d.to_rfc3339()))
            .collect();
        assert_eq!(
            kept,
            [
                None,
                None,
                Some("2025-12-25T07:00:00+07:00".to_string()),
                Some("2025-12-24T08:00:00+07:00".to_string()),
                None
            ]
        );
    }

    #[test]
    fn a_page_nested_beyond_the_limits_is_refused_before_parsing() {
        let cfg = Config::parse(
            "[[source]]\nid = \"x\"\nurl = \"https://haiphong.gov.vn/tin\"\n",
            std::path::Path::new("feeds.toml"),
        )
        .unwrap();
        let tz = cfg.fetch.timezone;
        // 2 million nested elements fit the 10 MiB body cap; html5ever would
        // take hours over them. The scan refuses them in milliseconds.
        let hostile = page("<div>".repeat(2_000_000));
        match harvest(&cfg.sources[0], &hostile, tz) {
            Err(
                e @ Error::TooDeep {
                    depth: 2_000_000, ..
                },
            ) => {
                assert!(e.to_string().contains("nest 2000000 deep"), "{e}")
            }
            other => panic!("expected TooDeep, got {other:?}"),
        }
        // A real page nested a little is read as before.
        let ok = format!(
            "{}<h3>Tin khác</h3><ul>{}</ul>",
            "<div>".repeat(40),
            (0..5)
                .map(|i| format!("<li><a href=\"/tin/{i}\">Học sinh thành phố đạt giải số {i}</a> 23/12/2025</li>"))
                .collect::<String>()
        );
        let got = harvest(&cfg.sources[0], &page(ok), tz).unwrap();
        assert_eq!(got.items.len(), 5);
    }

    /// Before: a 10 MiB page of 165,000 headline links was parsed whole
    /// (over 200 MiB for one poll) and all its items stored.
    #[test]
    fn a_page_of_more_elements_than_any_real_one_is_refused_before_parsing() {
        let cfg = Config::parse(
            "[[source]]\nid = \"x\"\nurl = \"https://haiphong.gov.vn/tin\"\n",
            std::path::Path::new("feeds.toml"),
        )
        .unwrap();
        let links = |n: usize| {
            format!(
                "<h3>Tin khác</h3><ul>{}</ul>",
                (0..n)
                    .map(|i| format!("<li><a href=\"/t/{i}\">Tin số {i} của thành phố</a></li>"))
                    .collect::<String>()
            )
        };
        let tz = cfg.fetch.timezone;
        match harvest(&cfg.sources[0], &page(links(30_000)), tz) {
            Err(
                e @ Error::TooManyElements {
                    elements: 60_002, ..
                },
            ) => {
                assert!(e.to_string().contains("holds 60002 elements"), "{e}")
            }
            other => panic!("expected TooManyElements, got {other:?}"),
        }
        let got = harvest(&cfg.sources[0], &page(links(2_000)), tz).unwrap();
        assert!(!got.items.is_empty());
    }
}

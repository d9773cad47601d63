//! Sources: turning one fetched body into harvested items, whichever kind of
//! source it is. `feed` reads feeds, `html` reads pages, `date` reads the
//! dates both meet.

pub mod date;
pub mod feed;
pub mod html;

use chrono::FixedOffset;

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
            let items = feed::extract(&body.bytes, &body.final_url, tz)?;
            Ok(Harvest {
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
            let text = html::decode(&body.bytes, body.content_type.as_deref());
            // html5ever's time grows with nesting, not size: a hostile or
            // broken page could hold a parse thread for hours.
            let n = html::nesting(&text);
            if n.depth > html::MAX_DEPTH || n.cost > html::MAX_NESTING_COST {
                return Err(Error::TooDeep {
                    depth: n.depth,
                    cost: n.cost,
                    max_depth: html::MAX_DEPTH,
                    max_cost: html::MAX_NESTING_COST,
                });
            }
            let e = html::extract(&text, &body.final_url, source.scrape.as_ref(), tz);
            match e.outcome {
                Outcome::NoContainer => Err(Error::NoContainer),
                Outcome::EmptyContainer => Err(Error::EmptyContainer),
                Outcome::ScriptLoaded => Err(Error::ScriptLoaded),
                Outcome::Found => Ok(Harvest {
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
}

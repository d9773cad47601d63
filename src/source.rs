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
            let e = html::extract(&text, &body.final_url, source.scrape.as_ref(), tz);
            match e.outcome {
                Outcome::NoContainer => Err(Error::NoContainer),
                Outcome::EmptyContainer => Err(Error::EmptyContainer),
                Outcome::Found => Ok(Harvest {
                    kind,
                    items: e.items,
                    outcome: e.outcome,
                }),
            }
        }
    }
}

//! Publishing: feeds rendered from the store (`rss`, `atom`, `json_feed`),
//! and the HTTP server that serves them (`http`, its connections bounded by
//! `server`).

pub mod atom;
pub mod http;
pub mod json_feed;
pub mod rss;
pub mod server;
pub mod status_page;

use chrono::{DateTime, SubsecRound, TimeZone};

/// `d` without its fraction of a second. Every date tinkhac publishes (RSS,
/// Atom, JSON Feed, the status page) is written in whole seconds: some
/// readers (newsboat 2.21) misread `11:06:12.414575241+07:00` by the zone's
/// offset, and no source gives finer dates than seconds anyway.
pub fn whole_seconds<Tz: TimeZone>(d: DateTime<Tz>) -> DateTime<Tz> {
    d.trunc_subsecs(0)
}

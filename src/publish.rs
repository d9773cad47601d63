//! Publishing: feeds rendered from the store (`rss`, `atom`, `json_feed`),
//! and the HTTP server that serves them (`http`).

pub mod atom;
pub mod http;
pub mod json_feed;
pub mod rss;
pub mod status_page;

//! Publishing: feeds rendered from the store (`rss`, `atom`, `json_feed`),
//! and the HTTP server that serves them (`http`, its connections bounded by
//! `server`).

pub mod atom;
pub mod http;
pub mod json_feed;
pub mod rss;
pub mod server;
pub mod status_page;

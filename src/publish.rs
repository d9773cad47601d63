//! Publishing: feeds rendered from the store (`rss`), and the HTTP server
//! that serves them (`http`).

pub mod http;
pub mod rss;

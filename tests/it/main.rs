//! Integration tests: real servers on 127.0.0.1:0, the real library and the
//! real binary. No live network.

mod admin;
mod admin_browser;
mod admin_browser_channel;
mod admin_browser_edit;
mod admin_browser_opml;
mod admin_channel;
mod admin_edit;
mod admin_opml;
mod admin_topics;
mod admin_web;
mod article;
mod browser;
mod caps;
mod classify;
mod cli;
mod clock;
mod crash;
mod fetching;
mod follow;
mod followed;
mod golden;
mod harvest;
mod layers;
mod net_guard;
mod pipeline;
mod standin;
mod store_faults;
mod subscribers;
mod support;
mod telegram;
mod webdriver;

//! tinkhac turns Vietnamese city-portal news pages and ordinary feeds into one
//! deduplicated RSS feed, per-topic feeds, and a Telegram channel.
//!
//! How an item flows:
//! 1. [`config`] loads `feeds.toml` once and validates everything in it.
//! 2. [`daemon`] schedules each source; [`pipeline`] fetches it with
//!    [`fetch`] politely (conditional, compressed, capped, at most two
//!    requests per host, never into the local network unless the source
//!    itself is there) and harvests it as every poll and `preview` do.
//! 3. [`source`] turns the body into [`item::Harvested`] items: feeds with
//!    feed-rs, pages with scraper (explicit selectors or auto-detection of
//!    the "Tin khác" blocks and dated listings), dates with `source::date`.
//! 4. [`item`] gives each its identity (the canonical link), [`classify`]
//!    its topics.
//! 5. [`store`] (sled) keeps each item once, for ever, and in the same
//!    transaction queues the new ones the channel wants.
//! 6. `daemon::follow` follows each new item of a page to its article page
//!    once ([`article`]: text, attachments, document numbers, exact time,
//!    the article's own "Tin khác"), queued in the store with the item and
//!    stored back in one transaction.
//! 7. [`publish`] renders the feeds once per store change and serves them;
//!    [`notify`] drains the queue to the Telegram channel, within its limits
//!    (holding a message a bounded time for its item's follow-up).
//!
//! How it is wired, top to bottom (a module names only those below it;
//! `tests/it/layers.rs` checks there is no circle):
//! - commands: [`cli`] (clap definitions; `cli::feeds`, `cli::preview`, `cli::store`,
//!   `cli::remote`: the running daemon, asked through its admin API),
//!   [`demo`] (the sample portal), [`output`] (terminal lines they share);
//! - [`runtime`]: `App::build` wires the poller, the outbox and the
//!   [`live`] state once for `run`, `once` and `demo`; `App::run` is the
//!   daemon's task set and its clean shutdown;
//! - [`daemon`]: the poller, the per-source schedule, reload, retention,
//!   the follow-ups;
//! - [`pipeline`], [`publish`], [`notify`], [`status`], [`metrics`], [`ops`]
//!   (admin operations on the store, for the commands and the admin API);
//! - [`live`]: the configuration in force and what the tasks share;
//! - the stages and the model: [`source`], [`article`] (what an article
//!   page gives: its text, attachments, document numbers), [`fetch`], [`clock`],
//!   [`classify`], [`item`], [`store`], [`health`], [`config`],
//!   [`feeds_edit`], [`opml`], [`text`], [`malloc`].

pub mod article;
pub mod classify;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod feeds_edit;
pub mod fetch;
pub mod health;
pub mod item;
pub mod live;
pub mod malloc;
pub mod metrics;
pub mod notify;
pub mod opml;
pub mod ops;
pub mod output;
pub mod pipeline;
pub mod publish;
pub mod runtime;
pub mod source;
pub mod status;
pub mod store;
pub mod text;

/// Log to stderr; `RUST_LOG` filters (default: info for tinkhac, warn else).
pub fn init_tracing() {
    init_tracing_with("warn,tinkhac=info");
}

/// Log to stderr; `RUST_LOG` filters, else `default` (the demo passes
/// "warn": its report already says what each poll and message did, and
/// info lines would tell it twice, interleaved).
pub fn init_tracing_with(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

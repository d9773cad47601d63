//! The command line: clap definitions and what each command does.
//!
//! Exit statuses: 0 success; 1 a run that worked but where something failed
//! (a source that could not be read); 2 a configuration or usage error.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand};
use url::Url;

use crate::config::{Config, SourceConfig, SourceKind, DEFAULT_CONFIG};
use crate::daemon;
use crate::fetch::Body;
use crate::item::item_id;
use crate::notify::telegram::{load_token, Secret};
use crate::ops::fetch_unconditionally;
pub use crate::ops::{adhoc_source, fetch_and_harvest_titled};
use crate::output::print_reports;
use crate::publish::rss::{self, FeedMeta};
use crate::runtime::{shutdown_on_signals, App, Secrets};
use crate::source;
use crate::store::{Filter, Pick, Store};

pub mod feeds;
pub mod preview;
pub mod remote;
pub mod store;

#[derive(Debug, Parser)]
#[command(
    name = "tinkhac",
    version,
    about = "Vietnamese city-portal news as one deduplicated feed and a Telegram channel"
)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, short, global = true, env = "TINKHAC_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Start a new store: the one at `[storage] path`, if any, is moved
    /// aside (to PATH.set-aside-TIMESTAMP), never deleted.
    #[arg(long, global = true)]
    pub new_store: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll every source on its schedule and serve the feeds.
    Run,
    /// Check the store, or save what can be read from a damaged one.
    Store {
        #[command(subcommand)]
        action: store::StoreCommand,
    },
    /// Poll every source once, store what is new, and exit (1 if any failed).
    Once,
    /// Print the unified RSS feed (or a topic's, or a source's) from the store.
    Feed {
        #[arg(long)]
        topic: Option<String>,
        #[arg(long, conflicts_with = "topic")]
        source: Option<String>,
    },
    /// Validate the configuration and show what would be polled.
    Check,
    /// Fetch a source (by id or URL) and show the items it would give; stores nothing.
    Preview {
        target: String,
        /// Say which blocks auto-detection took and which it refused, and why.
        #[arg(long)]
        explain: bool,
        /// Print a [source.scrape] block whose selectors pick the items found
        /// (when none are: one that reads the page's repeated blocks).
        #[arg(long, conflicts_with = "explain")]
        suggest: bool,
        /// Read TARGET as an article page: its text, lead image, exact time,
        /// byline, attachments, document numbers and own "Tin khác" list.
        #[arg(long, conflicts_with_all = ["explain", "suggest"])]
        follow: bool,
    },
    /// The feed list: show, add, remove, import and export sources.
    Feeds {
        #[command(subcommand)]
        action: FeedsCommand,
    },
    /// The Telegram channel's queue: status, push a backlog on purpose, and
    /// list, retry or drop the messages set aside.
    Telegram {
        #[command(subcommand)]
        action: TelegramCommand,
    },
    /// Write every stored item as JSON lines (oldest first), for backups.
    Export,
    /// Add the items of a JSON-lines export (known and removed ones are
    /// skipped; nothing is queued for Telegram). While the daemon runs, it
    /// goes through its admin API (TINKHAC_ADMIN_TOKEN).
    Import { file: PathBuf },
    /// Print the topics each line of standard input matches.
    Classify {
        /// Say which keyword or rule decided.
        #[arg(long)]
        explain: bool,
        /// Instead, measure the topics on a labelled file (LABELS<TAB>TITLE[<TAB>SUMMARY]):
        /// precision, recall, F1 and every disagreement, per topic.
        #[arg(long, value_name = "FILE.tsv")]
        eval: Option<PathBuf>,
        /// With --eval: only this topic (then labels may also be 1/0).
        #[arg(long, requires = "eval")]
        topic: Option<String>,
        /// With --eval: ignore the summary column.
        #[arg(long, requires = "eval")]
        title_only: bool,
    },
    /// Run tinkhac on the shipped sample pages: no network, no token.
    Demo {
        /// Where to serve the feeds (falls back to any free port if taken).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The sample pages (a directory with portal.toml).
        #[arg(long)]
        seeds: Option<PathBuf>,
        /// Poll both days, print the results, and exit instead of serving.
        #[arg(long)]
        once: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Every source with its health: from the running daemon when there is
    /// one, else from the store.
    List,
    /// Fetch URL, show what it would harvest, and append it to the file.
    Add {
        url: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// e.g. 10m
        #[arg(long)]
        interval: Option<String>,
        /// Topic ids every item of the source belongs to, comma-separated.
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// Show, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Add it even when no news list is found on it (yet).
        #[arg(long)]
        force: bool,
    },
    /// Remove a source from the file (its items stay in the store).
    Remove { id: String },
    /// Add every feed of an OPML file that is not listed yet.
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the sources as OPML 2.0.
    Export,
}

#[derive(Debug, Subcommand)]
pub enum TelegramCommand {
    /// Show the queue: waiting and set-aside messages.
    Status,
    /// Queue again every stored item of the pushed topics published since DATE
    /// (e.g. 2025-12-20 or 20/12/2025). While the daemon runs, through its
    /// admin API (TINKHAC_ADMIN_TOKEN).
    Resend {
        #[arg(long)]
        since: String,
        /// Show what would be queued, queue nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the messages Telegram refused for good ("set aside"), with the
    /// reason and when.
    SetAside,
    /// Queue a set-aside message again (KEY: its number, e.g. 12 or #12),
    /// or all of them: each takes its place in publication order, so the
    /// channel sends it next.
    Retry {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        key: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Drop a set-aside message for good (KEY: its number).
    Drop { key: String },
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    // Extraction is CPU-bound work on the blocking pool: a few threads are
    // enough, and fewer threads mean fewer allocator arenas (BENCHMARKS.md,
    // memory).
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(8)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(dispatch(cli))
}

fn load(path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn fail(e: anyhow::Error) -> ExitCode {
    // `tinkhac feeds list | head`: the reader went away; that is no error,
    // and the rest of the output has nobody to read it.
    if is_broken_pipe(&e) {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {e:#}");
    ExitCode::from(1)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

async fn dispatch(cli: Cli) -> ExitCode {
    if let Command::Demo {
        listen,
        seeds,
        once,
    } = &cli.command
    {
        let seeds = seeds.clone().unwrap_or_else(crate::demo::default_seeds_dir);
        return match crate::demo::run(&cli.config, &seeds, *listen, *once).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        };
    }
    let config = match load(&cli.config) {
        Ok(c) => Arc::new(c),
        Err(code) => return code,
    };
    if cli.new_store {
        match crate::store::set_aside(&config.storage.path) {
            Ok(Some(to)) => eprintln!("the old store is kept at {}", to.display()),
            Ok(None) => {}
            Err(e) => {
                return fail(anyhow::anyhow!(
                    "cannot move the store at {} aside: {e}",
                    config.storage.path.display()
                ))
            }
        }
    }
    let result = match cli.command {
        Command::Run => {
            for w in config.warnings() {
                tracing::warn!("{w}");
            }
            cmd_run(config).await
        }
        Command::Store { action } => return store::run(&config, action),
        Command::Once => return cmd_once(config).await,
        Command::Feed { topic, source } => cmd_feed(&config, topic, source).await,
        Command::Check => cmd_check(&config),
        Command::Preview {
            target,
            follow: true,
            ..
        } => preview::follow(&config, &target).await,
        Command::Preview {
            target,
            explain: false,
            suggest: false,
            ..
        } => cmd_preview(&config, &target).await,
        Command::Preview {
            target,
            explain,
            suggest,
            ..
        } => preview::run(&config, &target, explain, suggest).await,
        Command::Classify {
            eval: Some(file),
            topic,
            title_only,
            ..
        } => cmd_classify_eval(&config, &file, topic, title_only),
        Command::Classify { explain, .. } => cmd_classify(&config, explain),
        Command::Telegram { action } => cmd_telegram(&config, action).await,
        Command::Feeds { action } => feeds::run(&config, action).await,
        Command::Export => cmd_export(&config).await,
        Command::Import { file } => cmd_import(&config, &file).await,
        Command::Demo { .. } => unreachable!("handled above"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    Ok(Store::open(
        &config.storage.path,
        config.storage.cache_bytes,
    )?)
}

async fn cmd_run(config: Arc<Config>) -> anyhow::Result<()> {
    // Served connections and polls share the descriptor limit: take all the
    // hard limit allows (the server caps its share at half; see
    // `publish::server`).
    let nofile = crate::publish::server::raise_nofile_limit();
    tracing::debug!(?nofile, "open-file limit");
    let store = open_store(&config)?;
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let secrets = Secrets {
        bot_token: bot_token(&config)?,
        admin_token: admin_token(&config)?,
    };
    let shutdown = shutdown_on_signals();
    App::build(config, store, secrets)?
        .run(listener, shutdown)
        .await
}

/// The bot token from `TELEGRAM_BOT_TOKEN` or the configured token file;
/// None (a dry run) without either or without `[telegram]`.
pub fn bot_token(config: &Config) -> anyhow::Result<Option<Secret>> {
    match &config.telegram {
        None => Ok(None),
        Some(t) => Ok(load_token(t, std::env::var("TELEGRAM_BOT_TOKEN").ok())?),
    }
}

/// The admin token from `TINKHAC_ADMIN_TOKEN`, else from `[server]
/// admin_token_file`; None (no admin API, no web admin) without either. An
/// unreadable or empty file is an error that names the file, never its text.
pub fn admin_token(config: &Config) -> anyhow::Result<Option<String>> {
    Ok(crate::config::read_secret(
        "admin token",
        std::env::var("TINKHAC_ADMIN_TOKEN").ok(),
        config.server.admin_token_file.as_deref(),
    )?)
}

async fn cmd_once(config: Arc<Config>) -> ExitCode {
    let store = match open_store(&config) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let token = match bot_token(&config) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let secrets = Secrets {
        bot_token: token,
        admin_token: None,
    };
    let mut app = match App::build(config, store.clone(), secrets) {
        Ok(app) => app,
        Err(e) => return fail(e),
    };
    let reports = app.poll_all().await;
    let mut all_ok = print_reports(&reports);
    let stop = shutdown_on_signals();
    // Then the follow-ups of the items found, so the messages carry what
    // the articles give, as the daemon's do.
    let followed = app.follow_all(&stop).await;
    if !followed.is_empty() {
        println!(
            "{}",
            crate::output::follow_summary(&followed, store.follow_counts().waiting)
        );
    }
    // Then drain the channel's queue, within its limits.
    if let Some(outbox) = app.outbox.as_mut() {
        match outbox.drain(&stop).await {
            Ok(sent) => {
                let st = outbox.status().lock().expect("status").clone();
                // A dry run sends nothing: it says what it would have sent.
                let verb = if st.mode == crate::notify::ChannelMode::DryRun {
                    "would be sent (dry run, no token)"
                } else {
                    "sent"
                };
                println!(
                    "telegram ({}): {} {verb}, {} still queued",
                    st.mode,
                    sent.len(),
                    store.outbox_len()
                );
                if let Some(why) = st.paused_reason {
                    eprintln!("error: Telegram channel paused: {why}");
                    all_ok = false;
                }
            }
            Err(e) => return fail(e),
        }
    }
    if let Err(e) = store.flush().await {
        return fail(e.into());
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `feed`: the feed as RSS; the daemon's own when it runs (it holds the
/// store), else rendered from the store.
async fn cmd_feed(
    config: &Config,
    topic: Option<String>,
    source: Option<String>,
) -> anyhow::Result<()> {
    let filter = match (topic, source) {
        (Some(t), _) => Filter::Topic(t),
        (_, Some(s)) => Filter::Source(s),
        _ => Filter::All,
    };
    let meta = FeedMeta::for_filter(config, &filter).with_context(|| match &filter {
        Filter::Topic(t) => format!(
            "no topic {t:?} in {}; the topics are: {}",
            config.path.display(),
            list_or_none(config.topics.iter().map(|t| t.id.as_str()))
        ),
        Filter::Source(s) => format!(
            "no source {s:?} in {}; the sources are: {}",
            config.path.display(),
            list_or_none(config.sources.iter().map(|s| s.id.as_str()))
        ),
        Filter::All => unreachable!("the unified feed always exists"),
    })?;
    if let Some(remote) = remote::find(config).await {
        let path = match &filter {
            Filter::All => "/feed.xml".to_string(),
            Filter::Topic(t) => format!("/topics/{t}.xml"),
            Filter::Source(s) => format!("/sources/{s}.xml"),
        };
        print!("{}", remote.get_public(&path).await?);
        return Ok(());
    }
    let store = open_store(config)?;
    let items = store.latest(&filter, config.server.max_items)?;
    print!("{}", rss::render(config, &meta, &items, Utc::now()));
    Ok(())
}

fn list_or_none<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = ids.collect();
    if all.is_empty() {
        "(none)".into()
    } else {
        all.join(", ")
    }
}

fn cmd_check(config: &Config) -> anyhow::Result<()> {
    println!("{}: OK", config.path.display());
    for w in config.warnings() {
        eprintln!("warning: {w}");
    }
    println!(
        "server {} (public {}), store {}, {} topics",
        config.server.listen,
        config.server.base_url,
        config.storage.path.display(),
        config.topics.len()
    );
    for s in &config.sources {
        let mode = match (&s.kind, &s.scrape) {
            (_, Some(sc)) => format!("html, selectors {:?}", sc.items.0),
            (SourceKind::Feed, None) => "feed".to_string(),
            (SourceKind::Html, None) => "html, auto".to_string(),
            (SourceKind::Auto, None) => "auto (feed or html)".to_string(),
        };
        println!(
            "  {:<24} every {:<6} {:<28} {}",
            s.id,
            humantime::format_duration(s.interval).to_string(),
            mode,
            s.url
        );
    }
    match &config.telegram {
        Some(t) => println!("telegram: {} topics {:?}", t.chat_id, t.topics),
        None => println!("telegram: off"),
    }
    Ok(())
}

/// Fetch a source once, unconditionally, and harvest it as a poll would
/// ([`crate::pipeline`]); stores nothing.
pub async fn fetch_and_harvest(
    config: &Config,
    source: &SourceConfig,
) -> anyhow::Result<source::Harvest> {
    let harvester = crate::pipeline::Harvester::new(&config.fetch)?;
    let body = fetch_unconditionally(&harvester, source).await?;
    let admitted = harvester.harvest(config, source, body, Utc::now()).await?;
    Ok(admitted.harvest)
}

/// Fetch a source's body once, unconditionally, as a poll would (its reach,
/// its host slot, its timeout).
pub async fn fetch_body(config: &Config, source: &SourceConfig) -> anyhow::Result<Body> {
    let harvester = crate::pipeline::Harvester::new(&config.fetch)?;
    fetch_unconditionally(&harvester, source).await
}

/// The source `preview` names: a configured id, or a URL to try.
pub fn preview_source(config: &Config, target: &str) -> anyhow::Result<SourceConfig> {
    Ok(match config.source(target) {
        Some(s) => s.clone(),
        None => {
            let url = Url::parse(target)
                .with_context(|| format!("{target:?} is neither a source id nor a URL"))?;
            adhoc_source(config, "preview", url)
        }
    })
}

async fn cmd_preview(config: &Config, target: &str) -> anyhow::Result<()> {
    let source = preview_source(config, target)?;
    let harvest = fetch_and_harvest(config, &source).await?;
    print_harvest(config, &source, &harvest)
}

/// Print what a harvest gave, as `preview` and `feeds add` show it.
pub fn print_harvest(
    config: &Config,
    source: &SourceConfig,
    harvest: &source::Harvest,
) -> anyhow::Result<()> {
    let classifier = daemon::classifier_for(config)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} ({}): {} items as {}",
        source.id,
        source.url,
        harvest.items.len(),
        harvest.kind.as_str()
    )?;
    for note in &harvest.notes {
        writeln!(out, "note: {note}")?;
    }
    for (n, h) in harvest.items.iter().enumerate() {
        let topics =
            crate::pipeline::item_topics(&classifier, source, &h.title, h.summary.as_deref());
        writeln!(out, "\n{:>3}. {}", n + 1, h.title)?;
        if let Some(l) = &h.link {
            writeln!(out, "     link:    {l}")?;
        }
        match &h.published {
            Some(d) => writeln!(out, "     date:    {}", d.to_rfc3339())?,
            None => writeln!(
                out,
                "     date:    (none: the first-seen time will be used)"
            )?,
        }
        if let Some(s) = &h.summary {
            writeln!(out, "     summary: {s}")?;
        }
        if !topics.is_empty() {
            writeln!(out, "     topics:  {}", topics.join(", "))?;
        }
        writeln!(out, "     key:     {}", item_id(&source.id, h))?;
    }
    Ok(())
}

/// `telegram status`, `resend`, `set-aside`, `retry` and `drop`: through
/// the daemon's admin API while it holds the store, on the store itself
/// otherwise.
async fn cmd_telegram(config: &Config, action: TelegramCommand) -> anyhow::Result<()> {
    crate::ops::telegram_section(config)?;
    let remote = remote::find(config).await;
    let text = match (action, remote) {
        (TelegramCommand::Status, Some(r)) => r.get_text("/admin/telegram").await?,
        (TelegramCommand::Status, None) => {
            crate::ops::telegram_status(config, &open_store(config)?)?
        }
        (TelegramCommand::Resend { since, dry_run }, Some(r)) => {
            r.post_text(
                &format!(
                    "/admin/telegram/resend?since={}&dry_run={dry_run}",
                    url_component(&since)
                ),
                String::new(),
            )
            .await?
        }
        (TelegramCommand::Resend { since, dry_run }, None) => {
            let store = open_store(config)?;
            let text = crate::ops::telegram_resend(config, &store, &since, dry_run).await?;
            store.flush().await?;
            text
        }
        (TelegramCommand::SetAside, Some(r)) => r.get_text("/admin/telegram/set-aside").await?,
        (TelegramCommand::SetAside, None) => {
            crate::ops::telegram_set_aside(config, &open_store(config)?)?
        }
        (TelegramCommand::Retry { key, all }, remote) => {
            let pick = match key {
                Some(k) if !all => Pick::One(crate::ops::parse_set_aside_key(&k)?),
                _ => Pick::All,
            };
            match remote {
                Some(r) => {
                    let query = match pick {
                        Pick::One(n) => format!("key={n}"),
                        Pick::All => "all=true".to_string(),
                    };
                    r.post_text(&format!("/admin/telegram/retry?{query}"), String::new())
                        .await?
                }
                None => crate::ops::telegram_retry(config, &open_store(config)?, pick).await?,
            }
        }
        (TelegramCommand::Drop { key }, remote) => {
            let n = crate::ops::parse_set_aside_key(&key)?;
            match remote {
                Some(r) => {
                    r.post_text(&format!("/admin/telegram/drop?key={n}"), String::new())
                        .await?
                }
                None => crate::ops::telegram_drop(config, &open_store(config)?, n).await?,
            }
        }
    };
    print!("{text}");
    Ok(())
}

/// `export`: every item as JSON lines; through the daemon when it holds
/// the store, so a backup needs no stop.
async fn cmd_export(config: &Config) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some(remote) = remote::find(config).await {
        remote.get_to("/admin/export", &mut out).await?;
        eprintln!("exported through the running daemon");
        return Ok(());
    }
    let store = open_store(config)?;
    let n = crate::ops::export_items(&store, &mut out)?;
    eprintln!("{n} items exported");
    Ok(())
}

/// Import a backup. A line that is not an exported item stores nothing at
/// all: the whole file is read once to check every line, then once more to
/// store, so a bad backup never leaves half of itself behind (and a large
/// one is never held in memory). While the daemon holds the store, the
/// checked file is handed to it (`/admin/import`), which checks it again.
async fn cmd_import(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let lines = || -> anyhow::Result<_> {
        let f = std::fs::File::open(file).with_context(|| format!("cannot read {name}"))?;
        Ok(std::io::BufReader::new(f).lines().enumerate())
    };
    crate::ops::check_backup(&name, lines()?)?;
    if let Some(remote) = remote::find(config).await {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
        let file_name = file
            .file_name()
            .map_or_else(|| "backup".into(), |f| f.to_string_lossy().into_owned());
        let answer = remote
            .post_text(
                &format!("/admin/import?name={}", url_component(&file_name)),
                text,
            )
            .await?;
        print!("{answer}");
        return Ok(());
    }
    let store = open_store(config)?;
    let mut done = crate::ops::store_backup(config, &store, &name, lines()?).await?;
    for note in done.notes.drain(..) {
        eprintln!("{note}");
    }
    print!("{done}");
    Ok(())
}

/// Percent-encode a query value (a file name).
fn url_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn cmd_classify_eval(
    config: &Config,
    file: &Path,
    topic: Option<String>,
    title_only: bool,
) -> anyhow::Result<()> {
    let classifier = daemon::classifier_for(config)?;
    let tsv =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let options = crate::classify::eval::EvalOptions { topic, title_only };
    let report = crate::classify::eval::evaluate(&classifier, &tsv, &options)
        .with_context(|| format!("{}", file.display()))?;
    write!(std::io::stdout().lock(), "{report}")?;
    Ok(())
}

fn cmd_classify(config: &Config, explain: bool) -> anyhow::Result<()> {
    let classifier = daemon::classifier_for(config)?;
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        let topics = classifier.classify(&line, None);
        writeln!(out, "{}\t{}", topics.join(","), line)?;
        if explain {
            for e in classifier.explain(&line, None) {
                writeln!(out, "  {e}")?;
            }
        }
    }
    Ok(())
}

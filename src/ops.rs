//! Admin operations on the store, written once and used two ways: by the
//! command line on a store no daemon holds, and by the running daemon's
//! admin API (`/admin/export`, `/admin/import`, `/admin/telegram`,
//! `/admin/telegram/resend`, `/admin/telegram/set-aside`,
//! `/admin/telegram/retry`, `/admin/telegram/drop`) when the same command
//! is run while it holds the store (sled lets one process open it). So a
//! backup, a restore, a look at the Telegram queue, a deliberate resend or
//! a message set aside sent again never needs a stop.
//!
//! Also what `preview` and `feeds add` read a URL with, shared with the web
//! admin's "add a source": one unconditional fetch and harvest, as a poll
//! does, storing nothing; and the web admin's «Vì sao» ([`explain`]): the
//! same read with what `preview --explain` and `--suggest` say of it.

use std::io::Write;

use anyhow::Context;
use chrono::Utc;

use crate::config::{Config, SourceConfig, SourceKind};
use crate::fetch::{Body, Fetched, Validators};
use crate::item::Item;
use crate::source;
use crate::store::contract::{OutboxStore, SetAsideStore};
use crate::store::{Filter, Pick, SetAside, Store};

mod why;
pub use why::{explain, scrape_rules, Explained, Suggested};

/// Write every stored item as one JSON line; returns how many.
pub fn export_items(store: &Store, out: &mut dyn Write) -> anyhow::Result<usize> {
    let mut n = 0;
    for item in store.all_items() {
        serde_json::to_writer(&mut *out, &item?)?;
        out.write_all(b"\n")?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// One line of a backup; `name` names the file in the error.
pub fn backup_line(name: &str, n: usize, line: &str) -> anyhow::Result<Item> {
    serde_json::from_str::<Item>(line).with_context(|| {
        format!(
            "{name}:{}: not an exported item; nothing was imported (fix or remove that \
             line and run the import again)",
            n + 1
        )
    })
}

/// Check every line of a backup (`lines`: its lines, numbered from 0) before
/// any is stored: a bad backup stores nothing, and the error names the line.
pub fn check_backup(
    name: &str,
    lines: impl Iterator<Item = (usize, std::io::Result<String>)>,
) -> anyhow::Result<()> {
    for (n, line) in lines {
        let line = line.with_context(|| format!("{name}:{}: cannot read", n + 1))?;
        if !line.trim().is_empty() {
            backup_line(name, n, &line)?;
        }
    }
    Ok(())
}

/// Store the items of a backup [`check_backup`] accepted, then flush.
pub async fn store_backup(
    config: &Config,
    store: &Store,
    name: &str,
    lines: impl Iterator<Item = (usize, std::io::Result<String>)>,
) -> anyhow::Result<Imported> {
    let mut done = Imported::default();
    for (n, line) in lines {
        let line = line.with_context(|| format!("{name}:{}: cannot read", n + 1))?;
        if !line.trim().is_empty() {
            done.add(config, store, name, n, backup_line(name, n, &line)?)?;
        }
    }
    store.flush().await?;
    Ok(done)
}

/// Import a backup held in memory (what the admin API receives), all or
/// nothing.
pub async fn import_text(
    config: &Config,
    store: &Store,
    name: &str,
    text: &str,
) -> anyhow::Result<String> {
    let lines = || text.lines().map(|l| Ok(l.to_string())).enumerate();
    check_backup(name, lines())?;
    Ok(store_backup(config, store, name, lines())
        .await?
        .to_string())
}

/// What an import did, line by line.
#[derive(Default)]
pub struct Imported {
    pub added: usize,
    pub skipped: usize,
    pub refused: usize,
    /// One line per refused item.
    pub notes: Vec<String>,
}

impl Imported {
    /// Store one item of a backup, held to the same rules as any page.
    pub fn add(
        &mut self,
        config: &Config,
        store: &Store,
        name: &str,
        n: usize,
        item: Item,
    ) -> anyhow::Result<()> {
        let Some(item) = item.admitted(&config.limits) else {
            self.notes.push(format!(
                "{name}:{}: refused: no http(s) link or no text left once cleaned",
                n + 1
            ));
            self.refused += 1;
            return Ok(());
        };
        if store.import_item(&item)? {
            self.added += 1;
        } else {
            self.skipped += 1;
        }
        Ok(())
    }
}

impl std::fmt::Display for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for n in &self.notes {
            writeln!(f, "{n}")?;
        }
        writeln!(
            f,
            "{} items added, {} already known or removed, {} refused",
            self.added, self.skipped, self.refused
        )
    }
}

/// The `[telegram]` section, which the `telegram` commands need.
pub(crate) fn telegram_section(config: &Config) -> anyhow::Result<&crate::config::TelegramConfig> {
    config
        .telegram
        .as_ref()
        .context("no [telegram] section in the configuration")
}

/// `telegram status`: the queue, newest twenty, in the configured zone.
pub fn telegram_status(config: &Config, store: &Store) -> anyhow::Result<String> {
    let tg = telegram_section(config)?;
    let tz = config.fetch.timezone;
    let mut out = format!(
        "channel {}: {} queued, {} set aside; times in {}\n",
        tg.chat_id,
        store.outbox_len(),
        store.dead_len(),
        zone_label(tz)
    );
    if store.dead_len() > 0 {
        out += "  (`tinkhac telegram set-aside` lists the messages set aside)\n";
    }
    for (key, e) in store.outbox(20)? {
        let title = store.item(&e.item_id)?.map(|i| i.title).unwrap_or_default();
        out += &format!(
            "  #{:<8} queued {}  {title}\n",
            key.seq(),
            local_time(e.queued_at, tz)
        );
    }
    Ok(out)
}

/// `telegram resend`: queue again every stored item of the pushed topics
/// published since `since` (oldest first), or say what would be.
pub async fn telegram_resend(
    config: &Config,
    store: &Store,
    since: &str,
    dry_run: bool,
) -> anyhow::Result<String> {
    let tg = telegram_section(config)?;
    let since_at = crate::source::date::parse_date(since, config.fetch.timezone, None)
        .with_context(|| format!("{since:?} is not a date"))?;
    let mut items: Vec<_> = store
        .latest(&Filter::All, usize::MAX)?
        .into_iter()
        .filter(|i| i.published >= since_at && i.topics.iter().any(|t| tg.topics.contains(t)))
        .collect();
    items.reverse(); // oldest first: the channel reads in publication order
    let mut out = String::new();
    for i in &items {
        out += &format!("  {}  {}\n", i.published.format("%d/%m/%Y"), i.title);
    }
    if dry_run {
        out += &format!("{} items would be queued (dry run)\n", items.len());
    } else {
        let n = store.outbox_push(&items, Utc::now()).await?;
        out += &format!("{n} items queued; the channel sends them in order\n");
    }
    Ok(out)
}

/// A set-aside message's number as the admin writes it: `12` or `#12`
/// (how `telegram status` and `telegram set-aside` show it).
pub fn parse_set_aside_key(key: &str) -> anyhow::Result<u64> {
    let digits = key.trim().trim_start_matches('#');
    digits.parse().with_context(|| {
        format!(
            "{key:?} is not the number of a set-aside message (as `tinkhac telegram \
             set-aside` shows it, e.g. 12 or #12)"
        )
    })
}

/// `telegram set-aside`: the messages Telegram refused for good, with why
/// and when, in the configured zone.
pub fn telegram_set_aside(config: &Config, store: &Store) -> anyhow::Result<String> {
    let tg = telegram_section(config)?;
    let tz = config.fetch.timezone;
    let all = store.set_aside()?;
    let mut out = format!(
        "channel {}: {} set aside; times in {}\n",
        tg.chat_id,
        all.len(),
        zone_label(tz)
    );
    for s in &all {
        out += &format!(
            "  #{:<8} queued {}  set aside {}  {}\n           item: {}\n           reason: {}\n",
            s.key.seq(),
            local_time(s.queued_at, tz),
            s.set_aside_at
                .map_or_else(|| "(not recorded)".to_string(), |t| local_time(t, tz)),
            set_aside_title(s),
            s.item_id,
            s.reason
        );
    }
    if let Some(s) = all.first() {
        out += &format!(
            "queue one again with `tinkhac telegram retry {n}` (or all with --all), drop one \
             for good with `tinkhac telegram drop {n}`\n",
            n = s.key.seq()
        );
    }
    Ok(out)
}

fn set_aside_title(s: &SetAside) -> &str {
    s.title
        .as_deref()
        .unwrap_or("(its item is no longer in the store)")
}

/// `telegram retry KEY|--all`: queue set-aside messages again; they take
/// their places in publication order, so the channel sends them next.
pub async fn telegram_retry(config: &Config, store: &Store, pick: Pick) -> anyhow::Result<String> {
    telegram_section(config)?;
    let done = store.retry_set_aside(pick).await?;
    let mut out = String::new();
    for s in &done.queued {
        out += &format!(
            "  #{:<8} queued again  {}\n",
            s.key.seq(),
            set_aside_title(s)
        );
    }
    for s in &done.kept {
        out += &format!(
            "  #{:<8} stays set aside: its item is no longer in the store (retention removed \
             it); drop it with `tinkhac telegram drop {}`\n",
            s.key.seq(),
            s.key.seq()
        );
    }
    match pick {
        Pick::One(n) if done.queued.is_empty() && done.kept.is_empty() => {
            anyhow::bail!(
                "no message set aside has the number {n}; `tinkhac telegram set-aside` lists them"
            )
        }
        Pick::One(n) if done.queued.is_empty() => anyhow::bail!(
            "#{n} stays set aside: its item is no longer in the store (retention removed it), \
             so there is nothing to send; drop it with `tinkhac telegram drop {n}`"
        ),
        Pick::One(_) => out += "the channel sends it next, in publication order\n",
        Pick::All => {
            out += &format!(
                "{} queued again, {} left set aside; the channel sends them next, in \
                 publication order\n",
                done.queued.len(),
                done.kept.len()
            )
        }
    }
    Ok(out)
}

/// `telegram drop KEY`: forget a set-aside message for good.
pub async fn telegram_drop(config: &Config, store: &Store, seq: u64) -> anyhow::Result<String> {
    telegram_section(config)?;
    match store.drop_set_aside(seq).await? {
        Some(s) => Ok(format!(
            "#{seq} dropped for good: {}\n",
            set_aside_title(&s)
        )),
        None => anyhow::bail!(
            "no message set aside has the number {seq}; `tinkhac telegram set-aside` lists them"
        ),
    }
}

/// How the admin commands (and their API) name the zone their times are in: the
/// configured `[fetch] timezone`, e.g. `UTC+07:00`. Every command writes its
/// times in that one zone and says so once.
pub fn zone_label(tz: chrono::FixedOffset) -> String {
    format!("UTC{tz}")
}

/// A time as the terminal commands write it, in the configured zone:
/// `23/12/2025 08:30`.
pub fn local_time(t: chrono::DateTime<chrono::Utc>, tz: chrono::FixedOffset) -> String {
    t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

/// A source for a bare URL, with the configured defaults.
pub fn adhoc_source(config: &Config, id: &str, url: url::Url) -> SourceConfig {
    SourceConfig {
        id: id.into(),
        name: url.host_str().unwrap_or(id).to_string(),
        url,
        kind: SourceKind::Auto,
        interval: config.fetch.interval,
        timeout: config.fetch.timeout,
        scrape: None,
        topics: Vec::new(),
        paused: false,
        intranet: false,
        follow: None,
    }
}

/// Fetch a source once, unconditionally, and harvest it as a poll would
/// ([`crate::pipeline`]; stores nothing), with the source's own title (a feed's title; a
/// page's `<title>` without its last " - Site name" part), to name it.
pub async fn fetch_and_harvest_titled(
    config: &Config,
    source: &SourceConfig,
) -> (anyhow::Result<source::Harvest>, Option<String>) {
    let harvester = match crate::pipeline::Harvester::new(&config.fetch) {
        Ok(h) => h,
        Err(e) => return (Err(e), None),
    };
    let body = match fetch_unconditionally(&harvester, source).await {
        Ok(b) => b,
        Err(e) => return (Err(e), None),
    };
    let title = source::title_of(&body);
    let harvest = harvester
        .harvest(config, source, body, Utc::now())
        .await
        .map(|a| a.harvest)
        .map_err(anyhow::Error::from);
    (harvest, title)
}

/// Fetch a source's body once, unconditionally, as a poll would (its reach,
/// its host slot, its timeout).
pub async fn fetch_unconditionally(
    harvester: &crate::pipeline::Harvester,
    source: &SourceConfig,
) -> anyhow::Result<Body> {
    let slot = harvester.host_slot(source).await;
    match harvester
        .fetch(slot, source, &Validators::default())
        .await?
    {
        Fetched::Body(b) => Ok(b),
        Fetched::NotModified => anyhow::bail!("the server answered 304 to an unconditional GET"),
    }
}

/// One item as a preview shows it, with the topics it would get.
pub struct PreviewItem {
    pub title: String,
    pub link: Option<String>,
    pub published: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub summary: Option<String>,
    pub topics: Vec<String>,
}

impl PreviewItem {
    /// An item read from `source`, with the topics a poll would give it.
    fn of(
        classifier: &crate::classify::Classifier,
        source: &SourceConfig,
        i: crate::item::Harvested,
    ) -> PreviewItem {
        PreviewItem {
            topics: crate::pipeline::item_topics(
                classifier,
                source,
                &i.title,
                i.summary.as_deref(),
            ),
            title: i.title,
            link: i.link.map(String::from),
            published: i.published,
            summary: i.summary,
        }
    }
}

/// What reading a URL once gave, for the web admin's "add a source".
pub struct Previewed {
    /// The source's own title (a feed's title, a page's `<title>`).
    pub title: Option<String>,
    /// "feed" or "html", once read.
    pub kind: Option<&'static str>,
    pub notes: Vec<String>,
    pub items: Vec<PreviewItem>,
    /// Why nothing could be read (the whole cause chain), if so.
    pub error: Option<String>,
    /// The page was read but holds no news list tinkhac finds.
    pub no_list: bool,
}

/// Read `source` once as `feeds add` does (fetch, harvest, classify with the
/// configured topics); stores nothing.
pub async fn preview(config: &Config, source: &SourceConfig) -> Previewed {
    let (harvest, title) = fetch_and_harvest_titled(config, source).await;
    previewed(config, source, harvest, title)
}

/// What a harvest of `source` shows in a preview: its items with the topics
/// they would get, or why there are none.
pub fn previewed(
    config: &Config,
    source: &SourceConfig,
    harvest: anyhow::Result<source::Harvest>,
    title: Option<String>,
) -> Previewed {
    let mut out = Previewed {
        title,
        kind: None,
        notes: Vec::new(),
        items: Vec::new(),
        error: None,
        no_list: false,
    };
    let classifier = match crate::daemon::classifier_for(config) {
        Ok(c) => c,
        Err(e) => {
            out.error = Some(format!("{e:#}"));
            return out;
        }
    };
    match harvest {
        Ok(h) => {
            out.kind = Some(h.kind.as_str());
            out.notes = h.notes;
            out.items = h
                .items
                .into_iter()
                .map(|i| PreviewItem::of(&classifier, source, i))
                .collect();
        }
        Err(e) => {
            out.no_list = e
                .downcast_ref::<crate::pipeline::HarvestError>()
                .is_some_and(crate::pipeline::HarvestError::is_no_list);
            out.error = Some(format!("{e:#}"));
        }
    }
    out
}

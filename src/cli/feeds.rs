//! `tinkhac feeds …`: the admin's view and edits of the feed list.
//!
//! Edits go through `feeds_edit` (comments and formatting survive), are
//! validated as a whole configuration before anything is written, and are
//! written atomically (a temporary file renamed over the old one; one left by
//! a killed edit is removed by the next edit). A running
//! daemon notices the change and applies it by itself. `feeds list` asks the
//! running daemon over its loopback HTTP, because sled lets one process hold
//! the store; with no daemon it reads the store itself.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::{adhoc_source, print_harvest, FeedsCommand};
use crate::config::Config;
use crate::feeds_edit::{self, NewSource};
use crate::status;
use crate::store::Store;

pub async fn run(config: &Config, action: FeedsCommand) -> anyhow::Result<()> {
    match action {
        FeedsCommand::List => list(config).await,
        FeedsCommand::Add {
            url,
            id,
            name,
            interval,
            topics,
            dry_run,
            force,
        } => add(config, &url, id, name, interval, topics, dry_run, force).await,
        FeedsCommand::Remove { id } => remove(config, &id),
        FeedsCommand::Import { file, dry_run } => import(config, &file, dry_run),
        FeedsCommand::Export => {
            print!("{}", crate::opml::export_config(config));
            Ok(())
        }
    }
}

async fn list(config: &Config) -> anyhow::Result<()> {
    let daemon = super::remote::find(config).await.map(|r| r.report);
    let (report, from) = match daemon {
        Some(r) => (r, "the running daemon"),
        // Listing never creates a store: a folder that does not exist yet
        // means no source was ever polled.
        None if !store_exists(&config.storage.path) => (
            status::report(config, None, &Default::default(), None, None),
            "the configuration (no daemon answered, no store yet)",
        ),
        None => {
            let store = Store::open(&config.storage.path, config.storage.cache_bytes)?;
            let r = status::report(config, Some(&store), &Default::default(), None, None);
            (r, "the store (no daemon answered)")
        }
    };
    let mut out = std::io::stdout().lock();
    let tz = config.fetch.timezone;
    writeln!(
        out,
        "{} sources, from {from}; times in {}",
        report.sources.len(),
        crate::output::zone_label(tz)
    )?;
    writeln!(
        out,
        "{:<22} {:<8} {:<15} {:<7} {:<17} {:>5} {:>5}  NAME / LAST ERROR",
        "ID", "HEALTH", "KIND", "EVERY", "LAST SUCCESS", "FAILS", "ITEMS"
    )?;
    for s in &report.sources {
        let last = s
            .last_success
            .map(|d| crate::output::local_time(d, tz))
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<22} {:<8} {:<15} {:<7} {:<17} {:>5} {:>5}  {}",
            s.id,
            s.health,
            s.kind,
            s.interval,
            last,
            s.consecutive_failures,
            s.items_last_poll,
            s.name
        )?;
        if let Some(e) = &s.last_error {
            writeln!(out, "{:<22} └ {e}", "")?;
        }
    }
    if let Some(e) = &report.config_error {
        writeln!(out, "\nthe daemon refused the last edit of the file: {e}")?;
    }
    Ok(())
}

/// Whether a store was ever made at `path` (a folder with anything in it).
fn store_exists(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_some())
}

/// Validate the edited text as a whole configuration, then replace the file
/// ([`feeds_edit::save`], shared with the web admin).
fn write_config(path: &Path, text: &str) -> anyhow::Result<Config> {
    Ok(feeds_edit::save(path, text)?)
}

/// `feeds add`: everything that can be checked without the network is
/// checked first, by the same code that writes the entry and loads the file:
/// the entry is added with a provisional name (and id, when none is given)
/// and the result validated as a whole configuration (id, URL identity by
/// [`crate::config::url_key`], interval, topics). Then the URL is read once
/// and what it would give is shown; only then is the file edited.
#[allow(clippy::too_many_arguments)]
async fn add(
    config: &Config,
    url: &str,
    id: Option<String>,
    name: Option<String>,
    interval: Option<String>,
    topics: Vec<String>,
    dry_run: bool,
    force: bool,
) -> anyhow::Result<()> {
    let parsed = crate::config::parse_source_url(url).map_err(anyhow::Error::msg)?;
    let text = std::fs::read_to_string(&config.path)?;
    let taken: Vec<String> = config.sources.iter().map(|s| s.id.clone()).collect();
    let probe = NewSource {
        id: id
            .clone()
            .unwrap_or_else(|| feeds_edit::slug_id("new", &taken)),
        name: "new".into(),
        url: parsed.to_string(),
        interval: interval.clone(),
        topics: topics.clone(),
        ..NewSource::default()
    };
    let probed =
        feeds_edit::add_source(&text, &probe).map_err(|e| anyhow::anyhow!("not added: {e}"))?;
    Config::parse(&probed, &config.path).map_err(|e| in_file(e, &text))?;
    // Show what it would harvest before anything is written.
    let asked = adhoc_source(config, &probe.id, parsed.clone());
    let (harvest, title) = super::fetch_and_harvest_titled(config, &asked).await;
    let name = name
        .or(title)
        .unwrap_or_else(|| parsed.host_str().unwrap_or("nguồn mới").to_string());
    let id = id.unwrap_or_else(|| feeds_edit::slug_id(&name, &taken));
    let src = adhoc_source(config, &id, parsed.clone());
    match harvest {
        Ok(h) => print_harvest(config, &src, &h)?,
        Err(e) => {
            eprintln!("warning: {e:#}");
            let no_list = e
                .downcast_ref::<crate::pipeline::HarvestError>()
                .is_some_and(crate::pipeline::HarvestError::is_no_list);
            if no_list {
                eprintln!(
                    "tinkhac found no news list on this page. To see why: \
                     `tinkhac preview --explain {url}`; to pin the list with CSS selectors: \
                     `tinkhac preview --suggest {url}` and a [source.scrape] block; \
                     to add it as it is (it will show as failing until it has a list): \
                     add --force"
                );
            }
            anyhow::ensure!(
                dry_run || force,
                "not added: tinkhac could not read anything at {url}{}",
                if no_list { " (see above)" } else { "" }
            );
        }
    }
    let new = NewSource {
        id: id.clone(),
        name,
        url: parsed.to_string(),
        interval,
        topics,
        ..NewSource::default()
    };
    let edited = feeds_edit::add_source(&text, &new)?;
    let checked = Config::parse(&edited, &config.path).map_err(|e| in_file(e, &text));
    if dry_run {
        checked?;
        println!(
            "\n(dry run) would add source {id:?} to {}",
            config.path.display()
        );
    } else {
        checked?;
        write_config(&config.path, &edited)?;
        println!(
            "\nadded source {id:?} to {}; a running daemon picks it up by itself",
            config.path.display()
        );
    }
    Ok(())
}

/// An error in an edited file, said of the file as it is: a position past
/// its end is in the entry being added, and a position in the file names a
/// line the admin can open.
fn in_file(e: crate::config::ConfigError, original: &str) -> anyhow::Error {
    match e {
        crate::config::ConfigError::Invalid { line, message, .. }
            if line > original.lines().count() =>
        {
            anyhow::anyhow!("not added: in the new entry: {message}")
        }
        e => anyhow::anyhow!("not added: the file has an error: {e}"),
    }
}

fn remove(config: &Config, id: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&config.path)?;
    let edited = feeds_edit::remove_source(&text, id)?;
    write_config(&config.path, &edited)?;
    println!("removed source {id:?}; its items stay in the store and the feeds");
    Ok(())
}

fn import(config: &Config, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    use feeds_edit::ImportDecision;
    let xml =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let found = crate::opml::import(&xml)?;
    let text = std::fs::read_to_string(&config.path)?;
    let plan = feeds_edit::import_opml(config, &text, &found);
    for o in &plan.outcomes {
        if !o.unknown_topics.is_empty() {
            let id = match &o.decision {
                ImportDecision::Added(id) => id.as_str(),
                _ => "",
            };
            println!(
                "  ! {id}: topics not in {}, left out: {}",
                config.path.display(),
                o.unknown_topics.join(", ")
            );
        }
        match &o.decision {
            ImportDecision::Added(id) => println!("  + {:<24} {}", id, o.url),
            ImportDecision::AlreadyListed(e) | ImportDecision::Refused(e) => {
                println!("  = {:<24} {} ({e})", "", o.url)
            }
        }
    }
    let added = plan.added();
    let skipped = plan.outcomes.len() - added;
    if dry_run {
        Config::parse(&plan.text, &config.path)
            .map_err(|e| anyhow::anyhow!("the import would break the file: {e}"))?;
        println!("(dry run) {added} would be added, {skipped} skipped");
    } else if added > 0 {
        write_config(&config.path, &plan.text)?;
        println!("{added} added, {skipped} skipped");
    } else {
        println!("nothing to add, {skipped} skipped");
    }
    Ok(())
}

//! `tinkhac store check` and `tinkhac store salvage`: what an admin runs when
//! the store is in doubt. Check reads every record through sled and looks
//! for item records in the files that sled no longer reads; salvage saves
//! every item record it can find, without sled, as `import` reads them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Config;
use crate::store::{salvage, OutboxStore, Store};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Read every record and report; exit 1 when the store is damaged.
    Check,
    /// Save every item that can be read from the store's files, even a
    /// damaged or held store's, as JSON lines for `import` ("-": stdout).
    Salvage { out: PathBuf },
}

pub fn run(config: &Config, action: StoreCommand) -> ExitCode {
    let result = match action {
        StoreCommand::Check => check(config),
        StoreCommand::Salvage { out } => save(config, &out).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// True when the store is sound.
fn check(config: &Config) -> anyhow::Result<bool> {
    let path = &config.storage.path;
    println!("store: {}", path.display());
    let raw = salvage::scan(path)?;
    let store = match Store::open(path, config.storage.cache_bytes) {
        Ok(s) => s,
        Err(e) => {
            println!("cannot open: {e}");
            println!(
                "item records a salvage would save: {} (from {} files)",
                raw.items.len(),
                raw.files
            );
            return Ok(false);
        }
    };
    let c = match crate::store::quietly(|| store.check()) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            println!("damaged: {e}");
            return Ok(false);
        }
        Err(panic) => {
            println!("damaged: sled panicked while reading the store ({panic})");
            return Ok(false);
        }
    };
    println!(
        "items: {} (date index {}), queued notifications: {}, set aside: {}, tombstones: {}, \
         follow-ups waiting: {}",
        c.items, c.indexed, c.queued, c.set_aside, c.tombstones, c.followups
    );
    // Records in the files that sled does not read: sled stops reading its
    // log at the first damaged segment, silently. Items removed by
    // retention may still sit in old segments; they are not counted.
    let mut unread = 0;
    for item in &raw.items {
        if store.item(&item.id)?.is_none() && !store.is_gone(&item.id)? {
            unread += 1;
        }
    }
    let mut sound = c.problems.is_empty();
    for p in &c.problems {
        println!("problem: {p}");
    }
    if unread > 0 {
        sound = false;
        // sled's recovery has just dropped the damaged part of its log:
        // what the files held before it opened is the only copy left.
        let mut saved = path.as_os_str().to_owned();
        saved.push(format!(
            ".salvage-{}.jsonl",
            chrono::Utc::now().format("%Y%m%dT%H%M%S")
        ));
        let saved = PathBuf::from(saved);
        write_items(&raw.items, &saved)?;
        println!(
            "problem: {unread} item records in the files cannot be read through the store \
             (part of its log is damaged); all {} records found are saved in {}: start a new \
             store from them with `tinkhac --new-store import {}`",
            raw.items.len(),
            saved.display(),
            saved.display()
        );
    }
    println!("{}", if sound { "ok" } else { "damaged" });
    Ok(sound)
}

/// Items as JSON lines, as `export` writes them ("-": stdout).
fn write_items(items: &[crate::item::Item], out: &std::path::Path) -> anyhow::Result<()> {
    let w: Box<dyn Write> = if out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(out)?)
    };
    let mut buf = std::io::BufWriter::new(w);
    for item in items {
        serde_json::to_writer(&mut buf, item)?;
        buf.write_all(b"\n")?;
    }
    buf.flush()?;
    Ok(())
}

fn save(config: &Config, out: &std::path::Path) -> anyhow::Result<()> {
    let path = &config.storage.path;
    let found = salvage::scan(path)?;
    write_items(&found.items, out)?;
    eprintln!(
        "{} items saved from {} files ({} bytes) of {}; start a new store from them with \
         `tinkhac --new-store import {}`",
        found.items.len(),
        found.files,
        found.bytes,
        path.display(),
        out.display()
    );
    Ok(())
}

//! The feeds on the seeds, byte for byte: day one and day two of the seed
//! portal polled through the daemon's own poller and store, then rendered by
//! the function the HTTP server renders with, in every format, for the
//! unified feed, a topic's and a source's. Any change to what a subscriber's
//! reader receives shows here as a diff against `seeds/expected/feeds/`.
//!
//! Two things are pinned so the bytes do not depend on the run: the portal's
//! loopback address becomes `{base}`, and the first-seen time (the build
//! date, and the date of an item its source gives none) becomes a fixed
//! instant. Sources are polled one after another in the configuration's
//! order, so which source stored an item first is fixed too.
//!
//! After an intended change, regenerate with
//! `TINKHAC_BLESS=1 cargo test --test it golden` and read the diff.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tinkhac::daemon::Poller;
use tinkhac::publish::http::{render_feed, Format};
use tinkhac::store::{Filter, Store};

use crate::support::{self, TestPortal};

fn golden_dir() -> PathBuf {
    support::seeds_dir().join("expected").join("feeds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feeds_on_the_seeds_are_the_golden_bytes() {
    let portal = TestPortal::start().await;
    let cfg = support::config(&format!(
        "{}{}",
        portal.seed_sources_toml(),
        support::shipped_topics_toml()
    ));
    let config = Arc::new(cfg.config.clone());
    let store = Store::open(&config.storage.path, 1 << 20).unwrap();
    let poller = Poller::new(config.clone(), store.clone()).unwrap();
    for day in [1, 2] {
        portal.portal.set_day(day);
        let mut failed = Vec::new();
        for source in &config.sources {
            let report = poller.poll(source).await;
            if report.outcome.is_err() {
                failed.push(report.source_id);
            }
        }
        // The pages whose "Tin khác" list is gone or empty fail on purpose.
        assert_eq!(failed, ["hp-mat-tin-khac", "hp-tin-khac-rong"], "day {day}");
    }

    let base = portal.base.as_str().trim_end_matches('/').to_string();
    let fixed = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let zone = config.fetch.timezone;
    let first_source = config.sources[0].id.clone();
    let feeds = [
        (Filter::All, "all".to_string()),
        (Filter::Topic("giao-duc".into()), "topic-giao-duc".into()),
        (
            Filter::Source(first_source.clone()),
            format!("source-{first_source}"),
        ),
    ];
    let bless = std::env::var_os("TINKHAC_BLESS").is_some();
    let mut differ = Vec::new();
    for (filter, name) in feeds {
        let mut items = store.latest(&filter, config.server.max_items).unwrap();
        assert!(!items.is_empty(), "{name}: no items");
        for item in &mut items {
            item.first_seen = fixed;
            if item.date_estimated {
                item.published = fixed.with_timezone(&zone);
            }
        }
        for (format, ext) in [
            (Format::Rss, "xml"),
            (Format::Atom, "atom"),
            (Format::Json, "json"),
        ] {
            let bytes = render_feed(&config, &filter, format, &items).unwrap();
            let got = String::from_utf8(bytes).unwrap().replace(&base, "{base}");
            let path = golden_dir().join(format!("{name}.{ext}"));
            if bless {
                std::fs::create_dir_all(golden_dir()).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (bless with TINKHAC_BLESS=1)", path.display()));
            if got != want {
                let line = got
                    .lines()
                    .zip(want.lines())
                    .position(|(g, w)| g != w)
                    .map_or(got.lines().count().min(want.lines().count()), |n| n);
                differ.push(format!(
                    "{}: first difference at line {}:\n  got:  {}\n  want: {}",
                    path.display(),
                    line + 1,
                    got.lines().nth(line).unwrap_or("<end>"),
                    want.lines().nth(line).unwrap_or("<end>"),
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

//! Issue #5, item 2, the reference: download every source of a `feeds.toml`
//! once, with tinkhac's own fetcher (same client, same compression, same
//! per-host limit) and the same concurrency as `tinkhac once` (16 polls in
//! flight), and do nothing with the bytes. `bench/harvest.sh` runs it under
//! `/usr/bin/time` next to `tinkhac once` on the same config.
//!
//! cargo run --release --example bare_fetch -- path/to/feeds.toml

use std::path::PathBuf;
use std::sync::Arc;

use tinkhac::config::Config;
use tinkhac::fetch::{Fetched, Fetcher, Validators};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let path: PathBuf = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: bare_fetch FEEDS.TOML"))?
        .into();
    let config = Config::load(&path)?;
    let fetcher = Arc::new(Fetcher::new(&config.fetch)?);
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    let mut set = tokio::task::JoinSet::new();
    for s in &config.sources {
        let (fetcher, limit, url, timeout) =
            (fetcher.clone(), limit.clone(), s.url.clone(), s.timeout);
        set.spawn(async move {
            let _p = limit.acquire_owned().await.expect("never closed");
            match fetcher.fetch(&url, &Validators::default(), timeout).await {
                Ok(Fetched::Body(b)) => Ok(b.bytes.len()),
                Ok(Fetched::NotModified) => Ok(0),
                Err(e) => Err(e),
            }
        });
    }
    let (mut ok, mut failed, mut bytes) = (0usize, 0usize, 0usize);
    while let Some(r) = set.join_next().await {
        match r? {
            Ok(n) => {
                ok += 1;
                bytes += n;
            }
            Err(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    println!("{ok} fetched, {failed} failed, {bytes} bytes");
    Ok(())
}

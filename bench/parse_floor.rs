//! Issue #5, item 2, a second reference: the parse floor. Parse every page
//! (html5ever, through scraper) and every feed (feed-rs) that
//! `bench/gen-portal.py` wrote, once, from disk, doing nothing else. No
//! pipeline that reads the pages can cost less; `bench/harvest.sh` reports
//! the cycle's CPU against this as well as against the bare download.
//!
//! cargo run --release --example parse_floor -- WWW_DIR

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let www: PathBuf = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: parse_floor WWW_DIR"))?
        .into();
    let (mut pages, mut feeds, mut nodes, mut entries) = (0usize, 0usize, 0usize, 0usize);
    for entry in std::fs::read_dir(www.join("html"))? {
        let bytes = std::fs::read(entry?.path())?;
        let doc = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
        nodes += doc.tree.nodes().count();
        pages += 1;
    }
    for entry in std::fs::read_dir(www.join("rss"))? {
        let bytes = std::fs::read(entry?.path())?;
        entries += feed_rs::parser::parse(bytes.as_slice())?.entries.len();
        feeds += 1;
    }
    println!("{pages} pages ({nodes} nodes), {feeds} feeds ({entries} entries) parsed");
    Ok(())
}

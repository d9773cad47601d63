//! Issue #5, item 6: the sled directory after a simulated year of 50 new
//! items a day, with retention on, versus the logical size of the data.
//!
//! cargo run --release --example store_growth -- [DAYS] [PER_DAY] [RETENTION_DAYS] [CACHE_MIB]
//!
//! Each simulated day is one `record_poll` of 50 new items (plus the 50 of
//! the day before, already known, as a page listing "Tin khác" repeats
//! them), then `prune` with the retention cutoff, as the daemon does.

use std::path::Path;

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use tinkhac::item::{item_id, Harvested};
use tinkhac::store::{Incoming, PollStore, SourceState, Store};
use url::Url;

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("?".into(), |b| format!("{:.1}", b as f64 / 1048576.0))
}

fn harvested(day: i64, n: usize, at: chrono::DateTime<FixedOffset>) -> Harvested {
    let k = day as usize * 1000 + n;
    Harvested {
        title: format!(
            "Hải Phòng: hội nghị triển khai nhiệm vụ năm học số {k} tại các trường học trên địa bàn thành phố"
        ),
        link: Some(
            Url::parse(&format!(
                "https://haiphong.gov.vn/tin-tuc-su-kien/hoi-nghi-trien-khai-nhiem-vu-nam-hoc-tai-cac-truong-{k}"
            ))
            .unwrap(),
        ),
        guid: None,
        summary: Some(format!(
            "Sáng nay, Sở Giáo dục và Đào tạo thành phố Hải Phòng tổ chức hội nghị tổng kết năm học và triển khai nhiệm vụ năm học mới, bài {k}…"
        )),
        published: Some(at),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let days = *args.first().unwrap_or(&365) as i64;
    let per_day = *args.get(1).unwrap_or(&50) as usize;
    let retention = *args.get(2).unwrap_or(&90) as i64;
    let cache_mib = *args.get(3).unwrap_or(&2);
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("store.sled");
    let store = Store::open(&path, cache_mib << 20)?;
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 3, 0, 0).unwrap();
    let mut prev: Vec<Incoming> = Vec::new();
    let mut pruned = 0usize;
    for day in 0..days {
        let now = start + Duration::days(day);
        let mut incoming: Vec<Incoming> = (0..per_day)
            .map(|n| {
                let at = (now - Duration::minutes(10 * n as i64)).with_timezone(&tz);
                let h = harvested(day, n, at);
                Incoming {
                    id: item_id("bench", &h),
                    topics: vec!["giao-duc".to_string()],
                    push: false,
                    follow: tinkhac::store::Follow::No,
                    harvested: h,
                }
            })
            .collect();
        let fresh = incoming.clone();
        incoming.append(&mut prev);
        let state = SourceState::default();
        store
            .record_poll("bench", &incoming, &state, now, tz)
            .await?;
        prev = fresh;
        pruned += store.prune(now - Duration::days(retention)).await?;
    }
    store.flush().await?;
    // Before the logical-size pass below reads every item back.
    let (heap, rss) = (mib(tinkhac::malloc::heap_in_use()), mib(rss_bytes()));
    let logical: u64 = store
        .all_items()
        .map(|i| serde_json::to_vec(&i.expect("item")).unwrap().len() as u64)
        .sum();
    let live = store.item_count();
    let tombstones = store.tombstones();
    drop(store);
    let (heap_closed, rss_closed) = (mib(tinkhac::malloc::heap_in_use()), mib(rss_bytes()));
    let on_disk = dir_size(&path);
    println!(
        "{days} days × {per_day} items, retention {retention} days, cache {cache_mib} MiB: \
         {live} items live, {pruned} pruned ({tombstones} tombstones)"
    );
    println!(
        "logical (JSON of live items): {logical} B ({:.1} KiB); sled dir: {on_disk} B ({:.1} MiB); \
         ratio {:.1}×",
        logical as f64 / 1024.0,
        on_disk as f64 / 1048576.0,
        on_disk as f64 / logical.max(1) as f64
    );
    println!(
        "memory with the store open: heap in use {heap} MiB, RSS {rss} MiB; \
         once closed: {heap_closed} / {rss_closed} MiB (closing runs sled's own work)"
    );
    Ok(())
}

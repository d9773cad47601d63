//! Issue #5, memory: does the store's memory stay within `cache_mib` as items
//! accumulate? The daemon's write pattern without the daemon: SOURCES pages,
//! one gains an item per poll, and each poll lists the page's newest 20
//! items (19 already known), as a "Tin khác" list does; every 50 polls the
//! feed's newest 200 are read, as a feed render does.
//!
//! cargo run --release --example store_memory -- [ITEMS] [CACHE_MIB] [SOURCES] [spread]
//!
//! With `spread`, the 19 known items a poll lists are drawn at random from
//! all the page's earlier items instead of its newest: the polls read pages
//! all over the store, the worst case for the cache.
//!
//! Prints the heap in use (`tinkhac::malloc::heap_in_use`) every ITEMS/10
//! items: what the store holds, without the allocator's free pages that RSS
//! would add. Run it once as is and once without the `[patch.crates-io]`
//! lines in Cargo.toml to compare the vendored sled with upstream 0.34.7.

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use tinkhac::item::{item_id, Harvested};
use tinkhac::store::{Filter, Incoming, PollStore, SourceState, Store};
use url::Url;

fn heap_mib() -> f64 {
    tinkhac::malloc::heap_in_use().map_or(f64::NAN, |b| b as f64 / 1048576.0)
}

fn incoming(source: usize, n: usize, at: chrono::DateTime<FixedOffset>) -> Incoming {
    let h = Harvested {
        title: format!("Hải Phòng: hội nghị triển khai nhiệm vụ năm học, nguồn {source}, bài {n}"),
        link: Some(
            Url::parse(&format!(
                "https://portal-{source}.example.vn/tin-tuc/hoi-nghi-trien-khai-nhiem-vu-nam-hoc-{n}.html"
            ))
            .unwrap(),
        ),
        guid: None,
        summary: Some(format!(
            "Sáng nay, Sở Giáo dục và Đào tạo thành phố tổ chức hội nghị tổng kết năm học và triển khai nhiệm vụ năm học mới, bài {n}…"
        )),
        published: Some(at),
    };
    Incoming {
        id: item_id(&format!("s{source}"), &h),
        topics: vec!["giao-duc".to_string()],
        push: false,
        follow: tinkhac::store::Follow::No,
        harvested: h,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tinkhac::malloc::tune();
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .take(3)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let items = *args.first().unwrap_or(&100_000);
    let cache_mib = *args.get(1).unwrap_or(&2) as u64;
    let sources = *args.get(2).unwrap_or(&200);
    let spread = std::env::args().nth(4).is_some_and(|a| a == "spread");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut random = move |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    let tmp = tempfile::tempdir()?;
    let store = Store::open(&tmp.path().join("store.sled"), cache_mib << 20)?;
    let tz = FixedOffset::east_opt(7 * 3600).unwrap();
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 3, 0, 0).unwrap();
    let state = SourceState::default();
    println!("items,heap_mib (cache_mib {cache_mib}, {sources} sources)");
    for i in 0..items {
        let (source, n) = (i % sources, i / sources);
        let now = start + Duration::minutes(i as i64);
        let at = |k: usize| (start + Duration::minutes(k as i64)).with_timezone(&tz);
        let listed: Vec<Incoming> = if spread {
            std::iter::once(n)
                .chain((0..19.min(n)).map(|_| random(n)))
                .map(|k| incoming(source, k, at(k * sources + source)))
                .collect()
        } else {
            (n.saturating_sub(19)..=n)
                .rev()
                .map(|k| incoming(source, k, at(k * sources + source)))
                .collect()
        };
        store
            .record_poll(&format!("s{source}"), &listed, &state, now, tz)
            .await?;
        if i % 50 == 0 {
            store.latest(&Filter::All, 200)?;
        }
        if (i + 1) % (items / 10).max(1) == 0 {
            println!("{},{:.1}", i + 1, heap_mib());
        }
    }
    Ok(())
}

//! Issue #5, item 4: headlines classified per second on one core with the
//! shipped topic rules (`feeds.toml`). Goal: ≥ 1,000,000/s.
//!
//! `cargo bench --bench classify`; pin it with `taskset -c 1` for one core.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tinkhac::config::Config;
use tinkhac::daemon::classifier_for;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("feeds.toml")).expect("shipped feeds.toml");
    let classifier = classifier_for(&config).expect("shipped rules");
    let text = std::fs::read_to_string(root.join("tests/data/headlines.tsv")).expect("headlines");
    let headlines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, h)| h))
        .collect();
    assert!(headlines.len() > 100);
    let matched = headlines
        .iter()
        .filter(|h| !classifier.classify(h, None).is_empty())
        .count();

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(headlines.len() as u64));
    g.bench_function("headlines.tsv, title only", |b| {
        b.iter(|| {
            headlines
                .iter()
                .map(|h| classifier.classify(black_box(h), None).len())
                .sum::<usize>()
        })
    });
    g.finish();
    c.final_summary();

    // The figure for BENCHMARKS.md: best of 15 rounds over the whole file.
    let mut best = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        for _ in 0..20 {
            for h in &headlines {
                black_box(classifier.classify(black_box(h), None));
            }
        }
        best = best.min(t.elapsed().as_secs_f64() / (20 * headlines.len()) as f64);
    }
    let per_sec = 1.0 / best;
    println!(
        "\n{} headlines ({} match a topic): {:.0} headlines/s ({:.2}× the 1,000,000/s goal)",
        headlines.len(),
        matched,
        per_sec,
        per_sec / 1_000_000.0
    );
}

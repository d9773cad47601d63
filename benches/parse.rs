//! Issue #5, item 3: extraction from the seed pages versus html5ever parsing
//! alone (the floor). Goal: extraction within 1.5× of the parse.
//!
//! Issue #14: the cost of following an item to its article page
//! (`tinkhac::article::extract_html`: readability, sanitising, metadata,
//! attachments, document numbers and the page's own "Tin khác") against
//! the same html5ever parse.
//!
//! `cargo bench --bench parse` runs criterion, then prints the ratios from an
//! interleaved timing loop run in the same process, so both sides see the
//! same machine load.
//!
//! `TINKHAC_PARSE_ONLY=auto:listing:200` (or `parse` / `selectors`,
//! `article` / `listing`, a count) skips both and only runs that function
//! that many times: a steady workload for counting instructions
//! (`valgrind --tool=callgrind`), which a shared machine does not disturb.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use criterion::{Criterion, Throughput};
use scraper::Html;
use tinkhac::config::{Config, ScrapeConfig};
use tinkhac::source::html;
use url::Url;

struct Page {
    name: &'static str,
    html: String,
    url: Url,
    scrape: ScrapeConfig,
}

fn scrape(items: &str, title: &str, date: &str, summary: &str) -> ScrapeConfig {
    let toml = format!(
        "[[source]]\nid = \"x\"\nurl = \"https://haiphong.gov.vn/x\"\n\
         [source.scrape]\nitems = \"{items}\"\ntitle = \"{title}\"\nlink = \"{title}\"\n\
         date = \"{date}\"\nsummary = \"{summary}\"\n"
    );
    let cfg = Config::parse(&toml, Path::new("bench.toml")).expect("bench config");
    cfg.sources[0].scrape.clone().expect("scrape section")
}

fn pages() -> Vec<Page> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let read = |f: &str| {
        let bytes = std::fs::read(root.join(f)).expect("seed page");
        html::decode(&bytes, Some("text/html; charset=utf-8"))
    };
    vec![
        Page {
            name: "article",
            html: read("hp-chinh-sach-khuyen-hoc.html"),
            url: Url::parse("https://haiphong.gov.vn/chinh-sach-76759/ke-hoach-421536").unwrap(),
            scrape: scrape(".box-news-other li", "h3 a", "span", "p"),
        },
        Page {
            name: "article2",
            html: read("article-day-them-hoc-them.html"),
            url: Url::parse("https://haiphong.gov.vn/giao-duc-dao-tao-76770/trien-khai-680899")
                .unwrap(),
            scrape: scrape(".box-news-other li", "h3 a", "span", "p"),
        },
        Page {
            name: "listing",
            html: read("hp-danh-muc-giao-duc.html"),
            url: Url::parse("https://haiphong.gov.vn/giao-duc-dao-tao-76770").unwrap(),
            scrape: scrape("article.post", "h3.post-title a", ".post-ago", ".post-desc"),
        },
    ]
}

fn tz() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn parse_only(p: &Page) -> usize {
    Html::parse_document(black_box(&p.html))
        .tree
        .nodes()
        .count()
}

fn auto(p: &Page) -> usize {
    html::extract(black_box(&p.html), &p.url, None, tz())
        .items
        .len()
}

fn selectors(p: &Page) -> usize {
    html::extract(black_box(&p.html), &p.url, Some(&p.scrape), tz())
        .items
        .len()
}

fn follow(p: &Page) -> usize {
    let a = tinkhac::article::extract_html(
        black_box(&p.html),
        &p.url,
        chrono::Utc::now(),
        tz(),
        &tinkhac::item::Limits::default(),
    );
    a.text.map_or(0, |t| t.chars) + a.other_news.len()
}

fn bench(c: &mut Criterion, pages: &[Page]) {
    for p in pages {
        assert!(auto(p) > 0 && selectors(p) > 0, "{}: no items", p.name);
        let mut g = c.benchmark_group(format!("parse/{}", p.name));
        g.throughput(Throughput::Bytes(p.html.len() as u64));
        g.bench_function("html5ever parse only", |b| b.iter(|| parse_only(p)));
        g.bench_function("extract auto", |b| b.iter(|| auto(p)));
        g.bench_function("extract selectors", |b| b.iter(|| selectors(p)));
        if p.name.starts_with("article") {
            g.bench_function("article follow-up", |b| b.iter(|| follow(p)));
        }
        g.finish();
    }
}

/// Median seconds per call of each function, rounds interleaved so a burst of
/// load elsewhere on the machine hits all of them alike.
fn interleaved(p: &Page, fs: &[fn(&Page) -> usize], rounds: usize, per: usize) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(rounds); fs.len()];
    for _ in 0..rounds {
        for (i, f) in fs.iter().enumerate() {
            let t = Instant::now();
            for _ in 0..per {
                black_box(f(p));
            }
            samples[i].push(t.elapsed().as_secs_f64() / per as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

/// `TINKHAC_PARSE_ONLY=what:page:count`: run one function, nothing else.
fn run_only(spec: &str, pages: &[Page]) {
    let mut parts = spec.split(':');
    let (what, page, count) = (parts.next(), parts.next(), parts.next());
    let what = what.unwrap_or("");
    let f: fn(&Page) -> usize = match what {
        "parse" => parse_only,
        "auto" => auto,
        "selectors" => selectors,
        _ => panic!("TINKHAC_PARSE_ONLY: parse, auto or selectors, not {spec}"),
    };
    let p = pages
        .iter()
        .find(|p| Some(p.name) == page)
        .unwrap_or_else(|| panic!("TINKHAC_PARSE_ONLY: article or listing, not {spec}"));
    let n: usize = count.and_then(|c| c.parse().ok()).unwrap_or(100);
    let mut total = 0;
    for _ in 0..n {
        total += f(p);
    }
    println!("{what} {} × {n}: {total} items", p.name);
}

fn main() {
    let pages = pages();
    if let Ok(spec) = std::env::var("TINKHAC_PARSE_ONLY") {
        run_only(&spec, &pages);
        return;
    }
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    bench(&mut c, &pages);
    c.final_summary();

    println!("\nRatios (median of 30 interleaved rounds; goal: extract ≤ 1.5× parse)");
    for p in &pages {
        let t = interleaved(p, &[parse_only, auto, selectors], 30, 20);
        println!(
            "{:8} {:6} KiB  parse {:7.0}/s  auto {:7.0}/s ({:.2}× parse)  selectors {:7.0}/s ({:.2}× parse)",
            p.name,
            p.html.len() / 1024,
            1.0 / t[0],
            1.0 / t[1],
            t[1] / t[0],
            1.0 / t[2],
            t[2] / t[0],
        );
    }

    println!(
        "\nArticle follow-up (median of 30 interleaved rounds): extract_html against the parse"
    );
    for p in pages.iter().filter(|p| p.name.starts_with("article")) {
        let t = interleaved(p, &[parse_only, auto, follow], 30, 20);
        println!(
            "{:8} {:6} KiB  parse {:7.0}/s  poll's auto {:7.0}/s ({:.2}× parse)  follow-up {:7.0}/s ({:.2}× parse, {:.0} µs)",
            p.name,
            p.html.len() / 1024,
            1.0 / t[0],
            1.0 / t[1],
            t[1] / t[0],
            1.0 / t[2],
            t[2] / t[0],
            t[2] * 1e6,
        );
    }
}

//! What each sample page and feed gives, against its golden file in
//! `seeds/expected/`, fetched over HTTP like a real poll.

use chrono::FixedOffset;
use serde::Deserialize;
use tinkhac::config::{SourceConfig, SourceKind};
use tinkhac::fetch::{Fetched, Fetcher, Validators};
use tinkhac::source::{self, Harvest};

use crate::support::{self, TestPortal};

#[derive(Debug, Deserialize)]
struct Expected {
    title: String,
    link: Option<String>,
    date: Option<String>,
    summary: Option<String>,
}

fn tz() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn source_for(portal: &TestPortal, file: &str, scrape: Option<&str>) -> SourceConfig {
    let toml = format!(
        "[[source]]\nid = \"x\"\nurl = \"{}\"\n{}",
        portal.url(&portal.path_of(file)),
        scrape.unwrap_or("")
    );
    let cfg = support::config(&toml);
    cfg.config.sources[0].clone()
}

async fn harvest(source: &SourceConfig) -> Result<Harvest, source::Error> {
    let cfg = support::config("");
    let fetcher = Fetcher::new(&cfg.config.fetch).unwrap();
    let body = match fetcher
        .fetch(&source.url, &Validators::default(), source.timeout)
        .await
        .unwrap()
    {
        Fetched::Body(b) => b,
        Fetched::NotModified => panic!("unconditional GET answered 304"),
    };
    source::harvest(source, &body, tz())
}

fn expected(file: &str) -> Vec<Expected> {
    let path = support::seeds_dir()
        .join("expected")
        .join(format!("{file}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Compare titles, links, dates (and, for pages, summaries) with the golden
/// file, reporting every difference at once.
fn assert_matches_golden(portal: &TestPortal, file: &str, h: &Harvest, check_summary: bool) {
    let want = expected(file);
    let base = portal.base.as_str().trim_end_matches('/');
    let mut diffs = Vec::new();
    if h.items.len() != want.len() {
        diffs.push(format!(
            "{} items, golden has {}",
            h.items.len(),
            want.len()
        ));
    }
    for (i, (got, exp)) in h.items.iter().zip(&want).enumerate() {
        if got.title != exp.title {
            diffs.push(format!("#{i} title {:?} != {:?}", got.title, exp.title));
        }
        let link = got.link.as_ref().map(|u| u.to_string());
        let exp_link = exp.link.as_ref().map(|l| {
            let l = l.replace("{base}", base);
            url::Url::parse(&l).unwrap().to_string()
        });
        if link != exp_link {
            diffs.push(format!("#{i} link {link:?} != {exp_link:?}"));
        }
        let date = got.published.map(|d| d.to_rfc3339());
        if date != exp.date {
            diffs.push(format!("#{i} date {date:?} != {:?}", exp.date));
        }
        if check_summary && got.summary != exp.summary {
            diffs.push(format!(
                "#{i} summary {:?} != {:?}",
                got.summary, exp.summary
            ));
        }
    }
    assert!(diffs.is_empty(), "{file}:\n  {}", diffs.join("\n  "));
}

async fn check_page(file: &str) {
    let portal = TestPortal::start().await;
    let src = source_for(&portal, file, None);
    let h = harvest(&src)
        .await
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(h.kind, source::Kind::Html);
    assert_matches_golden(&portal, file, &h, true);
}

#[tokio::test]
async fn auto_detects_the_seed_articles_tin_khac_block() {
    check_page("hp-chinh-sach-khuyen-hoc.html").await;
}

#[tokio::test]
async fn auto_detects_the_aspnet_ministry_template_with_cut_headlines() {
    check_page("hp-tin-tuc-cang-cat-bi.html").await;
}

#[tokio::test]
async fn auto_detects_an_article_card_listing() {
    check_page("hp-danh-muc-giao-duc.html").await;
}

#[tokio::test]
async fn auto_detects_a_nukeviet_related_list_with_relative_links() {
    check_page("thuynguyen-tin-tuc.html").await;
}

#[tokio::test]
async fn auto_detects_an_old_windows_1258_table_layout() {
    check_page("legacy-1258.html").await;
}

#[tokio::test]
async fn a_page_that_lost_its_list_is_a_clear_no_items_state() {
    // Their golden files say so: nothing to find on either page.
    for file in ["hp-tin-khac-mat.html", "hp-tin-khac-rong.html"] {
        assert!(expected(file).is_empty(), "{file}: golden file not empty");
    }
    let portal = TestPortal::start().await;
    let gone = harvest(&source_for(&portal, "hp-tin-khac-mat.html", None)).await;
    assert!(matches!(gone, Err(source::Error::NoContainer)), "{gone:?}");
    let empty = harvest(&source_for(&portal, "hp-tin-khac-rong.html", None)).await;
    assert!(
        matches!(empty, Err(source::Error::EmptyContainer)),
        "{empty:?}"
    );
    assert!(empty.unwrap_err().to_string().contains("no items found"));
}

#[tokio::test]
async fn explicit_selectors_read_the_listing() {
    let portal = TestPortal::start().await;
    let scrape = r#"[source.scrape]
items = "article.post"
title = "h3.post-title a"
link = "h3.post-title a"
date = ".post-ago"
summary = ".post-desc"
"#;
    let src = source_for(&portal, "hp-danh-muc-giao-duc.html", Some(scrape));
    assert!(src.scrape.is_some());
    let h = harvest(&src).await.unwrap();
    assert_matches_golden(&portal, "hp-danh-muc-giao-duc.html", &h, true);
}

#[tokio::test]
async fn explicit_selectors_that_match_nothing_say_so() {
    let portal = TestPortal::start().await;
    let scrape = "[source.scrape]\nitems = \".khong-co-lop-nay li\"\n";
    let src = source_for(&portal, "hp-danh-muc-giao-duc.html", Some(scrape));
    let r = harvest(&src).await;
    assert!(matches!(r, Err(source::Error::NoContainer)), "{r:?}");
}

#[tokio::test]
async fn rss_and_atom_feeds_match_their_golden_files() {
    let portal = TestPortal::start().await;
    for file in ["bao-hai-phong.rss", "so-gddt.atom"] {
        let src = source_for(&portal, file, None);
        assert_eq!(src.kind, SourceKind::Auto);
        let h = harvest(&src).await.unwrap();
        assert_eq!(h.kind, source::Kind::Feed, "{file}");
        assert_matches_golden(&portal, file, &h, false);
    }
}

#[tokio::test]
async fn nfd_feed_text_comes_out_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let portal = TestPortal::start().await;
    let h = harvest(&source_for(&portal, "so-gddt.atom", None))
        .await
        .unwrap();
    for item in &h.items {
        let nfc: String = item.title.nfc().collect();
        assert_eq!(item.title, nfc);
        assert!(
            !item
                .title
                .chars()
                .any(|c| ('\u{300}'..='\u{323}').contains(&c)),
            "{}",
            item.title
        );
    }
}

#[tokio::test]
async fn feed_summaries_are_sanitised() {
    let portal = TestPortal::start().await;
    let h = harvest(&source_for(&portal, "bao-hai-phong.rss", None))
        .await
        .unwrap();
    let raw = expected("bao-hai-phong.rss");
    let dirty = raw
        .iter()
        .position(|e| e.summary.as_deref().is_some_and(|s| s.contains("<script")))
        .expect("a golden item with a script");
    let got = h.items[dirty].summary.as_deref().unwrap();
    for bad in ["<script", "alert(", "onerror", "onclick"] {
        assert!(!got.contains(bad), "{bad} survived: {got}");
    }
    assert!(got.len() > 20, "the text itself survives: {got}");
}

/// The second day's listing and feed, served at the first day's paths,
/// match their golden files in `seeds/expected/day2/`.
#[tokio::test]
async fn day_two_pages_match_their_golden_files() {
    let portal = TestPortal::start().await;
    portal.portal.set_day(2);
    let page = "day2/hp-danh-muc-giao-duc.html";
    let h = harvest(&source_for(&portal, page, None)).await.unwrap();
    assert_eq!(h.kind, source::Kind::Html);
    assert_matches_golden(&portal, page, &h, true);
    let feed = "day2/bao-hai-phong.rss";
    let h = harvest(&source_for(&portal, feed, None)).await.unwrap();
    assert_eq!(h.kind, source::Kind::Feed);
    assert_matches_golden(&portal, feed, &h, false);
}

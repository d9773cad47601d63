//! Harvesting with the admin's CSS selectors (`[source.scrape]`): items,
//! then title, link, date and summary inside each.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use scraper::{Html, Selector};
use url::Url;

use super::signals;
use super::text::{best_title, may_end_in_date, split_title_date, text_of};
use super::{resolve_link, Extraction, Outcome};
use crate::config::ScrapeConfig;
use crate::item::Harvested;
use crate::source::date::{find_date_in, parse_date, Context};

/// Read each element `items` selects: its title (the first link when no
/// title selector is given, a trailing date cut off), link, date and summary.
pub fn extract_with_selectors(
    doc: &Html,
    base: &Url,
    cfg: &ScrapeConfig,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Extraction {
    static A_HREF: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("a[href]").expect("valid selector"));
    let a_href = &*A_HREF;
    // The page's date is looked for only when a date needs it.
    let ctx_cell = std::cell::OnceCell::new();
    let ctx = || {
        *ctx_cell.get_or_init(|| match signals::page_date(doc, tz, now) {
            Some(d) => Context::page(d, now),
            None => Context::at(now),
        })
    };
    let cut = |t: String| {
        if may_end_in_date(&t) {
            split_title_date(&t, tz, &ctx()).0
        } else {
            t
        }
    };
    let mut items = Vec::new();
    let mut matched = 0;
    for el in doc.select(&cfg.items.1) {
        matched += 1;
        let title_el = match &cfg.title {
            Some((_, s)) => el.select(s).next(),
            None => el.select(a_href).next(),
        };
        let link_el = match &cfg.link {
            Some((_, s)) => el.select(s).next(),
            None => title_el.filter(|t| t.value().attr("href").is_some()),
        }
        .or_else(|| el.select(a_href).next());
        let href_el = link_el.and_then(|l| {
            if l.value().attr("href").is_some() {
                Some(l)
            } else {
                l.select(a_href).next()
            }
        });
        let link = href_el
            .and_then(|l| l.value().attr("href"))
            .and_then(|h| resolve_link(base, h));
        let title = match title_el {
            Some(t) => {
                let visible = cut(text_of(t));
                cut(best_title(&visible, t.value().attr("title")))
            }
            None => String::new(),
        };
        if title.is_empty() {
            continue;
        }
        let date_format = cfg.date_format.as_deref();
        let published = cfg.date.as_ref().and_then(|(_, s)| {
            let d = el.select(s).next()?;
            let v = d.value();
            v.attr("datetime")
                .or_else(|| v.attr("content"))
                .and_then(|x| parse_date(x, tz, date_format))
                .or_else(|| parse_date(&text_of(d), tz, date_format))
                .or_else(|| find_date_in(&text_of(d), tz, Some(&ctx())).map(|(d, _)| d))
        });
        let summary = cfg
            .summary
            .as_ref()
            .and_then(|(_, s)| el.select(s).next())
            .map(text_of)
            .filter(|s| !s.is_empty());
        items.push(Harvested {
            title,
            link,
            guid: None,
            summary,
            published,
        });
    }
    let outcome = match (matched, items.is_empty()) {
        (0, _) => Outcome::NoContainer,
        (_, true) => Outcome::EmptyContainer,
        _ => Outcome::Found,
    };
    Extraction { items, outcome }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::html::tests::{now, tz};

    fn read(html: &str, scrape: &str) -> Extraction {
        let toml = format!(
            "[[source]]\nid = \"x\"\nurl = \"https://tintuc.example.vn/\"\n[source.scrape]\n{scrape}"
        );
        let cfg = crate::config::Config::parse(&toml, std::path::Path::new("feeds.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let scrape = cfg.sources[0].scrape.clone().expect("scrape");
        let base = Url::parse("https://tintuc.example.vn/muc/").unwrap();
        extract_with_selectors(&Html::parse_document(html), &base, &scrape, tz(), now())
    }

    #[test]
    fn each_item_gives_its_title_link_date_and_summary() {
        let html = r#"<div class="tin">
          <div class="o"><h3><a href="bai-1.html">Khai giảng lớp học mới (28/12)</a></h3><i>x</i><p>Lớp học dành cho các em nhỏ trong phường.</p></div>
          <div class="o"><a href="/bai-2.html">Hội thi giáo viên dạy giỏi</a><i>02/01/2026 08:30</i></div>
          <div class="o"><span>Chỉ có chữ, không có liên kết nào</span></div>
        </div>"#;
        let e = read(html, "items = \".o\"\ndate = \"i\"\nsummary = \"p\"");
        assert_eq!(e.outcome, Outcome::Found);
        let titles: Vec<&str> = e.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Khai giảng lớp học mới", "Hội thi giáo viên dạy giỏi"]
        );
        assert_eq!(
            e.items[0].link.as_ref().unwrap().as_str(),
            "https://tintuc.example.vn/muc/bai-1.html"
        );
        // "x" is no date; the one in the headline was cut off, not kept.
        assert_eq!(e.items[0].published, None);
        assert_eq!(
            e.items[1].published.unwrap().to_rfc3339(),
            "2026-01-02T08:30:00+07:00"
        );
        assert_eq!(
            e.items[0].summary.as_deref(),
            Some("Lớp học dành cho các em nhỏ trong phường.")
        );
        assert_eq!(e.items[1].summary, None);
    }

    #[test]
    fn no_match_and_no_readable_item_are_told_apart() {
        let html = r#"<ul><li><span>Không có liên kết</span></li></ul>"#;
        assert_eq!(read(html, "items = \"tr\"").outcome, Outcome::NoContainer);
        assert_eq!(
            read(html, "items = \"li\"").outcome,
            Outcome::EmptyContainer
        );
    }
}

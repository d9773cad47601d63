//! Building `[source.scrape]` selectors from the items auto-detection found:
//! paths of tags, positions and ids (never class names, which a redesign
//! renames first), written as a TOML block.

use chrono::{DateTime, FixedOffset};
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::auto::Auto;
use super::document_base;
use super::selectors::extract_with_selectors;
use crate::config::ScrapeConfig;
use crate::source::date::find_date_in;

/// A `[source.scrape]` block whose selectors pick the items auto-detection
/// finds on this page, or None when it finds none. The selectors use tags,
/// positions and ids only, and are checked: read with them, the page gives
/// the same links and titles.
pub fn suggest(
    html: &str,
    base: &Url,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Option<String> {
    let doc = Html::parse_document(html);
    let base = document_base(&doc, base);
    let auto = Auto::new(&doc, &base, tz, now);
    let (e, _, elements) = auto.run_full();
    if e.items.is_empty() {
        return None;
    }
    // An item that is its bare link is read from the element around it.
    let elements: Vec<ElementRef> = elements
        .iter()
        .map(|el| match el.parent().and_then(ElementRef::wrap) {
            Some(p) if el.value().name() == "a" => p,
            _ => *el,
        })
        .collect();
    let items = items_selector(&doc, &elements);
    let mut title_paths = Vec::new();
    let mut date_paths = Vec::new();
    for (el, item) in elements.iter().zip(&e.items) {
        let link = auto
            .links
            .iter()
            .position(|l| Some(&l.url) == item.link.as_ref())?;
        let (_, anchor) = auto.harvest_at(link, &[*el]);
        let anchor = anchor?;
        title_paths.push(relative_path(*el, anchor)?);
        if item.published.is_some() {
            let anchor_dated = auto
                .anchors
                .get(&anchor.id())
                .is_some_and(|a| a.date.is_some());
            let date_el = if anchor_dated {
                Some(anchor)
            } else {
                date_element(*el, |t| find_date_in(t, tz, Some(&auto.ctx)).is_some())
            };
            if let Some(d) = date_el.and_then(|d| relative_path(*el, d)) {
                date_paths.push(d);
            }
        }
    }
    let title = most_common(&title_paths)?;
    let date = (date_paths.len() * 2 >= e.items.len())
        .then(|| most_common(&date_paths))
        .flatten();
    // Items whose headlines sit in different tags (`h3`, `h4`) share the
    // last step of their paths.
    let last = title.rsplit(" > ").next().unwrap_or(&title).to_string();
    let date_last = date
        .as_ref()
        .map(|d| d.rsplit(" > ").next().unwrap_or(d).to_string());
    let mut tries = vec![(title.clone(), date.clone(), true)];
    tries.push((last.clone(), date.clone(), true));
    tries.push((last.clone(), date_last, true));
    tries.push((title, None, false));
    tries.push((last, None, false));
    for (title, date, with_dates) in tries {
        let Some(cfg) = config(&items, &title, date.as_deref()) else {
            continue;
        };
        // The check: the same links and titles (and dates), in order.
        let pinned = extract_with_selectors(&doc, &base, &cfg, tz, now);
        let same = pinned.items.len() == e.items.len()
            && pinned.items.iter().zip(&e.items).all(|(a, b)| {
                a.link == b.link
                    && a.title == b.title
                    && (!with_dates || a.published == b.published)
            });
        if same {
            return Some(toml_block(&items, &title, date.as_deref()));
        }
    }
    None
}

/// When auto-detection finds nothing on this page: a `[source.scrape]`
/// block for its largest run of three or more sibling elements that each
/// hold one headline link (a listing whose dates auto-detection could not
/// read, or that has none), or None. Checked as [`suggest`] is: read with
/// it, the page gives those links, in order. The admin judges whether they
/// are the page's news: undated boxes of popular articles look the same.
pub fn suggest_repeated(
    html: &str,
    base: &Url,
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Option<String> {
    let doc = Html::parse_document(html);
    let base = document_base(&doc, base);
    let auto = Auto::new(&doc, &base, tz, now);
    if !auto.run().items.is_empty() {
        return None;
    }
    auto.repeated_groups()
        .into_iter()
        .find_map(|group| pin_group(&doc, &base, &auto, &group, tz, now))
}

/// The block that picks exactly `group`'s links, if one does.
fn pin_group(
    doc: &Html,
    base: &Url,
    auto: &Auto,
    group: &[(usize, ElementRef)],
    tz: FixedOffset,
    now: DateTime<FixedOffset>,
) -> Option<String> {
    let elements: Vec<ElementRef> = group.iter().map(|(_, el)| *el).collect();
    let items = items_selector(doc, &elements);
    let mut title_paths = Vec::new();
    let mut date_paths = Vec::new();
    for (link, el) in group {
        let (_, anchor) = auto.harvest_at(*link, &[*el]);
        let anchor = anchor?;
        title_paths.push(relative_path(*el, anchor)?);
        let dated = date_element(*el, |t| find_date_in(t, tz, Some(&auto.ctx)).is_some());
        if let Some(d) = dated.and_then(|d| relative_path(*el, d)) {
            date_paths.push(d);
        }
    }
    let title = most_common(&title_paths)?;
    let date = (date_paths.len() * 2 >= group.len())
        .then(|| most_common(&date_paths))
        .flatten();
    let last = title.rsplit(" > ").next().unwrap_or(&title).to_string();
    let tries = [
        (title.clone(), date.clone()),
        (last.clone(), date),
        (title, None),
        (last, None),
    ];
    tries.into_iter().find_map(|(title, date)| {
        let cfg = config(&items, &title, date.as_deref())?;
        let pinned = extract_with_selectors(doc, base, &cfg, tz, now);
        let same = pinned.items.len() == group.len()
            && pinned
                .items
                .iter()
                .zip(group)
                .all(|(p, (l, _))| p.link.as_ref() == Some(&auto.links[*l].url));
        same.then(|| toml_block(&items, &title, date.as_deref()))
    })
}

/// An `id` that CSS can name without escaping.
fn plain_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `el`'s position among its parent's elements, from 1.
fn nth(el: ElementRef) -> usize {
    el.prev_siblings().filter_map(ElementRef::wrap).count() + 1
}

/// A selector for `el` alone: from the nearest ancestor with an id that is
/// unique on the page, else from the root, one `tag:nth-child(k)` a step.
pub fn path(doc: &Html, el: ElementRef) -> String {
    let mut steps = Vec::new();
    let mut cur = Some(el);
    while let Some(e) = cur {
        let v = e.value();
        if let Some(id) = v.attr("id").filter(|id| plain_id(id)) {
            let unique = Selector::parse(&format!("#{id}"))
                .map(|s| doc.select(&s).take(2).count() == 1)
                .unwrap_or(false);
            if unique {
                steps.push(format!("#{id}"));
                break;
            }
        }
        if v.name() == "html" {
            steps.push("html".to_string());
            break;
        }
        steps.push(format!("{}:nth-child({})", v.name(), nth(e)));
        cur = e.parent().and_then(ElementRef::wrap);
    }
    steps.reverse();
    steps.join(" > ")
}

/// One selector for all item elements: `parent > tag` where every element
/// of that tag under a parent is an item, else each one by position.
pub fn items_selector(doc: &Html, elements: &[ElementRef]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut done: Vec<ElementRef> = Vec::new();
    for el in elements {
        if done.contains(el) {
            continue;
        }
        let Some(parent) = el.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        let name = el.value().name();
        let same: Vec<ElementRef> = parent
            .child_elements()
            .filter(|c| c.value().name() == name)
            .collect();
        let parent_path = path(doc, parent);
        if same.len() > 1 && same.iter().all(|c| elements.contains(c)) {
            parts.push(format!("{parent_path} > {name}"));
            done.extend(same);
        } else {
            parts.push(format!("{parent_path} > {name}:nth-child({})", nth(*el)));
            done.push(*el);
        }
    }
    parts.join(", ")
}

/// The tags from `item` (not included) down to `target`: `h3 > a`; `*`
/// when they are one element.
pub fn relative_path(item: ElementRef, target: ElementRef) -> Option<String> {
    if item == target {
        return None;
    }
    let mut steps = vec![target.value().name().to_string()];
    let mut cur = target.parent().and_then(ElementRef::wrap);
    while let Some(e) = cur {
        if e == item {
            steps.reverse();
            return Some(steps.join(" > "));
        }
        steps.push(e.value().name().to_string());
        cur = e.parent().and_then(ElementRef::wrap);
    }
    None
}

/// The innermost element under `item` whose text holds a date.
pub fn date_element<'a>(
    item: ElementRef<'a>,
    has_date: impl Fn(&str) -> bool,
) -> Option<ElementRef<'a>> {
    let mut best = None;
    for d in item.descendent_elements() {
        let text: String = d.text().collect();
        if text.len() <= 200 && has_date(&text) {
            best = Some(d);
            // Keep going down: a later (inner) one is more precise.
            if d.child_elements().next().is_none() {
                break;
            }
        }
    }
    best
}

pub fn most_common(paths: &[String]) -> Option<String> {
    let mut counts: Vec<(&String, usize)> = Vec::new();
    for p in paths {
        match counts.iter_mut().find(|(q, _)| *q == p) {
            Some((_, n)) => *n += 1,
            None => counts.push((p, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(p, _)| p.clone())
}

fn selector(s: &str) -> Option<(String, Selector)> {
    Selector::parse(s).ok().map(|sel| (s.to_string(), sel))
}

/// The configuration the block stands for, to check it.
pub fn config(items: &str, title: &str, date: Option<&str>) -> Option<ScrapeConfig> {
    Some(ScrapeConfig {
        items: selector(items)?,
        title: Some(selector(title)?),
        link: None,
        date: match date {
            Some(d) => Some(selector(d)?),
            None => None,
        },
        summary: None,
        date_format: None,
    })
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn toml_block(items: &str, title: &str, date: Option<&str>) -> String {
    let mut out = format!(
        "[source.scrape]\nitems = {}\ntitle = {}\n",
        quoted(items),
        quoted(title)
    );
    if let Some(d) = date {
        out.push_str(&format!("date = {}\n", quoted(d)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Harvested;
    use crate::source::html::extract_at;
    use crate::source::html::tests::{now, tz};

    const ARTICLE_HEAD: &str = r#"<html><head><meta property="article:published_time" content="2024-12-20T08:00:00+07:00"></head><body><h1>Bài viết chính của trang</h1>"#;

    #[test]
    fn a_repeated_structure_is_offered_when_nothing_is_found() {
        let row = |n: u32, title: &str, date: &str| {
            format!(
                r#"<div><h4><a href="/tin/bai-{n}.html">{title}</a></h4><p>Tóm tắt của bài viết này.</p>{date}</div>"#
            )
        };
        let html = format!(
            r#"<html><body><div id="danh-sach">{}{}{}{}</div>
              <ul><li><a href="/gioi-thieu">Giới thiệu</a></li></ul></body></html>"#,
            row(
                1,
                "Lễ khai giảng năm học mới tại phường",
                "<i>05/09/2026</i>"
            ),
            row(2, "Ra quân dọn vệ sinh môi trường khu dân cư", ""),
            row(3, "Tập huấn phòng cháy chữa cháy cho hộ kinh doanh", ""),
            row(4, "Hội nghị tiếp xúc cử tri quý ba của phường", "")
        );
        let base = Url::parse("https://phuong.example.vn/tin-tuc").unwrap();
        assert!(extract_at(&html, &base, None, tz(), now()).items.is_empty());
        assert_eq!(suggest(&html, &base, tz(), now()), None);
        let block = suggest_repeated(&html, &base, tz(), now()).expect("a block");
        assert_eq!(
            block,
            "[source.scrape]\nitems = \"#danh-sach > div\"\ntitle = \"h4 > a\"\n"
        );
        let cfg = config("#danh-sach > div", "h4 > a", None).unwrap();
        let pinned = extract_at(&html, &base, Some(&cfg), tz(), now());
        assert_eq!(pinned.items.len(), 4);
        assert_eq!(
            pinned.items[1].title,
            "Ra quân dọn vệ sinh môi trường khu dân cư"
        );
        // A page auto-detection reads gets `suggest`'s block, not this one.
        let dated = html.replace("</h4><p>", "</h4><i>01/09/2026</i><p>");
        assert!(suggest_repeated(&dated, &base, tz(), now()).is_none());
    }

    #[test]
    fn a_suggested_scrape_block_picks_the_same_items() {
        let html = format!(
            r#"{ARTICLE_HEAD}<div id="noi-dung"><div><h3>Các bài mới</h3><ul>
              <li><h3><a href="/xa-hoi/bai-moi-130001.html">Sinh viên tình nguyện mùa đông ấm <span>(26/12)</span></a></h3></li>
              <li><h3><a href="/xa-hoi/bai-moi-130002.html">Cầu mới nối hai bờ sông đã thông xe (25/12)</a></h3></li>
            </ul></div><div><h3>Các bài đã đăng</h3><ul>
              <li><h4><a href="/xa-hoi/bai-cu-130003.html">Lễ hội hoa xuân chuẩn bị khai mạc (20/12)</a></h4></li>
              <li><h4><a href="/xa-hoi/bai-cu-130004.html">Người dân góp sách cho thư viện xã (19/12)</a></h4></li>
            </ul></div></div></body></html>"#
        );
        let base =
            Url::parse("https://tintuc.example.vn/giao-duc/bai-viet-mot-100001.html").unwrap();
        let block = suggest(&html, &base, tz(), now()).expect("a block");
        assert!(block.starts_with("[source.scrape]\nitems = "), "{block}");
        assert!(!block.contains('.') || !block.contains("class"), "{block}");
        let toml = format!("[[source]]\nid = \"x\"\nurl = \"{base}\"\n{block}");
        let cfg = crate::config::Config::parse(&toml, std::path::Path::new("feeds.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{toml}"));
        let scrape = cfg.sources[0].scrape.as_ref().expect("scrape");
        let pinned = extract_at(&html, &base, Some(scrape), tz(), now());
        let auto = extract_at(&html, &base, None, tz(), now());
        assert_eq!(auto.items.len(), 4);
        assert_eq!(
            pinned.items,
            auto.items
                .iter()
                .map(|i| Harvested {
                    summary: None,
                    ..i.clone()
                })
                .collect::<Vec<_>>()
        );
    }
}

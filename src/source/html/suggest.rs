//! Building `[source.scrape]` selectors from the items auto-detection found:
//! paths of tags, positions and ids (never class names, which a redesign
//! renames first), written as a TOML block.

use scraper::{ElementRef, Html, Selector};

use crate::config::ScrapeConfig;

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

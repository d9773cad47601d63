//! «Vì sao»: a source read once, as a poll reads it, with what
//! `preview --explain` and `--suggest` say of it: which blocks
//! auto-detection took or refused and why, and, when nothing was found, a
//! `[source.scrape]` block that reads the page.

use chrono::Utc;

use super::{fetch_unconditionally, previewed, PreviewItem, Previewed};
use crate::config::{Config, ScrapeConfig, SourceConfig};
use crate::feeds_edit::SCRAPE_KEYS;
use crate::source::{self, html};

/// What reading a source once shows.
pub struct Explained {
    /// What a poll would give (by the source's own rules).
    pub previewed: Previewed,
    /// For a page: auto-detection's blocks, taken and refused, with why.
    pub decisions: Vec<html::Decision>,
    /// For a page: how many items auto-detection alone finds.
    pub auto_items: Option<usize>,
    /// When the poll gives nothing: a `[source.scrape]` block that reads
    /// the page, as TOML text, its rules, and what they give.
    pub suggested: Option<Suggested>,
}

/// Selectors offered for a page nothing was found on.
pub struct Suggested {
    pub toml: String,
    /// (key, value) in `SCRAPE_KEYS` order.
    pub rules: Vec<(String, String)>,
    pub items: Vec<PreviewItem>,
}

/// Fetch `source` once (its reach, caps and timeout, as a poll), harvest
/// it as a poll would, and explain how its page was read. Stores nothing.
pub async fn explain(config: &Config, source: &SourceConfig) -> Explained {
    let mut out = Explained {
        previewed: Previewed {
            title: None,
            kind: None,
            notes: Vec::new(),
            items: Vec::new(),
            error: None,
            no_list: false,
        },
        decisions: Vec::new(),
        auto_items: None,
        suggested: None,
    };
    let harvester = match crate::pipeline::Harvester::new(&config.fetch) {
        Ok(h) => h,
        Err(e) => {
            out.previewed.error = Some(format!("{e:#}"));
            return out;
        }
    };
    let body = match fetch_unconditionally(&harvester, source).await {
        Ok(b) => b,
        Err(e) => {
            out.previewed.error = Some(format!("{e:#}"));
            return out;
        }
    };
    let title = source::title_of(&body);
    let base = body.final_url.clone();
    let text = source::page_text(&body).ok();
    let harvest = harvester
        .harvest(config, source, body, Utc::now())
        .await
        .map(|a| a.harvest)
        .map_err(anyhow::Error::from);
    out.previewed = previewed(config, source, harvest, title);
    let is_page = out.previewed.kind == Some(source::Kind::Html.as_str()) || out.previewed.no_list;
    let (Some(text), true) = (text, is_page) else {
        return out;
    };
    let tz = config.fetch.timezone;
    let now = Utc::now().with_timezone(&tz);
    let (auto, decisions) = html::explain(&text, &base, tz, now);
    out.auto_items = Some(auto.items.len());
    out.decisions = decisions;
    if out.previewed.items.is_empty() {
        out.suggested = html::suggest(&text, &base, tz, now)
            .or_else(|| html::suggest_repeated(&text, &base, tz, now))
            .and_then(|toml| {
                let rules = scrape_rules(&toml)?;
                let cfg = scrape_config(&rules)?;
                let classifier = crate::daemon::classifier_for(config).ok()?;
                let items = html::extract_at(&text, &base, Some(&cfg), tz, now)
                    .items
                    .into_iter()
                    .map(|i| PreviewItem::of(&classifier, source, i))
                    .collect();
                Some(Suggested { toml, rules, items })
            });
    }
    out
}

/// The rules of a `[source.scrape]` block as `suggest` writes it.
pub fn scrape_rules(block: &str) -> Option<Vec<(String, String)>> {
    let t: toml::Table = toml::from_str(block).ok()?;
    let scrape = t.get("source")?.get("scrape")?.as_table()?;
    let rules: Vec<(String, String)> = SCRAPE_KEYS
        .iter()
        .filter_map(|k| Some((k.to_string(), scrape.get(*k)?.as_str()?.to_string())))
        .collect();
    rules.iter().any(|(k, _)| k == "items").then_some(rules)
}

/// The configuration the rules stand for.
fn scrape_config(rules: &[(String, String)]) -> Option<ScrapeConfig> {
    let get = |k: &str| rules.iter().find(|(r, _)| r == k).map(|(_, v)| v.clone());
    let sel = |k: &str| -> Option<Option<(String, scraper::Selector)>> {
        match get(k) {
            None => Some(None),
            Some(v) => Some(Some((v.clone(), scraper::Selector::parse(&v).ok()?))),
        }
    };
    Some(ScrapeConfig {
        items: sel("items")??,
        title: sel("title")?,
        link: sel("link")?,
        date: sel("date")?,
        summary: sel("summary")?,
        date_format: get("date_format"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggested_block_gives_its_rules_in_order() {
        let block = "[source.scrape]\nitems = \"#ds > div\"\ntitle = \"h4 > a\"\ndate = \"i\"\n";
        assert_eq!(
            scrape_rules(block).unwrap(),
            [
                ("items".to_string(), "#ds > div".to_string()),
                ("title".to_string(), "h4 > a".to_string()),
                ("date".to_string(), "i".to_string()),
            ]
        );
        assert!(scrape_rules("[source.scrape]\ntitle = \"a\"\n").is_none());
        assert!(scrape_config(&scrape_rules(block).unwrap()).is_some());
    }
}

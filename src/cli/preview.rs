//! `tinkhac preview --explain` and `--suggest`: why auto-detection took the
//! blocks it took (and refused the others), and a `[source.scrape]` block
//! whose selectors pick the same items, for an admin to pin a page; and
//! `--follow`: what an article page gives ([`crate::article`]).

use std::io::Write;

use crate::config::Config;
use crate::source::html;

pub async fn run(
    config: &Config,
    target: &str,
    explain: bool,
    suggest: bool,
) -> anyhow::Result<()> {
    let source = super::preview_source(config, target)?;
    let body = super::fetch_body(config, &source).await?;
    let text = crate::source::page_text(&body)?;
    let tz = config.fetch.timezone;
    let now = chrono::Utc::now().with_timezone(&tz);
    let mut out = std::io::stdout().lock();
    if suggest {
        if let Some(block) = html::suggest(&text, &body.final_url, tz, now) {
            writeln!(
                out,
                "# auto-detection found these items on {}; to pin them, put this",
                source.url
            )?;
            writeln!(out, "# under the source's [[source]] entry:\n{block}")?;
        } else if let Some(block) = html::suggest_repeated(&text, &body.final_url, tz, now) {
            writeln!(
                out,
                "# auto-detection found no list on {}, but these selectors read its",
                source.url
            )?;
            writeln!(
                out,
                "# repeated blocks; check what they give before putting this under the\n\
                 # source's [[source]] entry:\n{block}"
            )?;
        } else {
            anyhow::bail!(
                "no [source.scrape] block picks exactly what auto-detection finds on {}, \
                 and no repeated blocks of headline links were found; see preview --explain",
                source.url
            );
        }
        return Ok(());
    }
    debug_assert!(explain);
    let (e, decisions) = html::explain(&text, &body.final_url, tz, now);
    writeln!(
        out,
        "{} ({}): {} items by auto-detection ({:?})",
        source.id,
        source.url,
        e.items.len(),
        e.outcome
    )?;
    if source.scrape.is_some() {
        writeln!(
            out,
            "note: this source has [source.scrape] selectors; the daemon uses those, not what follows"
        )?;
    }
    for (taken, label) in [(true, "taken"), (false, "refused")] {
        let these: Vec<_> = decisions.iter().filter(|d| d.taken == taken).collect();
        writeln!(out, "\n{label} ({}):", these.len())?;
        for d in these {
            if taken {
                writeln!(out, "  {} — {} items: {}", d.block, d.items, d.reason)?;
            } else {
                writeln!(out, "  {} — {}", d.block, d.reason)?;
            }
        }
    }
    writeln!(out)?;
    Ok(print_items(&mut out, &e.items)?)
}

/// Harvested items, numbered, with their link and date.
fn print_items(out: &mut impl Write, items: &[crate::item::Harvested]) -> std::io::Result<()> {
    for (n, h) in items.iter().enumerate() {
        writeln!(out, "{:>3}. {}", n + 1, h.title)?;
        if let Some(l) = &h.link {
            writeln!(out, "     link:    {l}")?;
        }
        if let Some(d) = &h.published {
            writeln!(out, "     date:    {}", d.to_rfc3339())?;
        }
    }
    Ok(())
}

/// `preview --follow`: fetch one article page as a poll fetches (reach,
/// caps, timeout) and print what [`crate::article::extract`] takes from it.
/// Every text printed is the cleaned text of the page (no control
/// characters), the main text only by its length and opening words.
pub async fn follow(config: &Config, target: &str) -> anyhow::Result<()> {
    let source = super::preview_source(config, target)?;
    let body = super::fetch_body(config, &source).await?;
    let fetched_at = chrono::Utc::now();
    let a = crate::article::extract(&body, fetched_at, config.fetch.timezone, &config.limits)?;
    print_article(&mut std::io::stdout().lock(), &a)?;
    Ok(())
}

/// How `preview --follow` shows an article, in the style of `preview`.
pub fn print_article(out: &mut impl Write, a: &crate::article::Article) -> std::io::Result<()> {
    let none = "(none)";
    writeln!(out, "article {}", a.url)?;
    writeln!(out, "     title:    {}", a.title.as_deref().unwrap_or(none))?;
    match &a.published {
        Some(p) => writeln!(
            out,
            "     time:     {} (from the {})",
            p.at.to_rfc3339(),
            p.from.as_str()
        )?,
        None => writeln!(out, "     time:     {none}")?,
    }
    writeln!(
        out,
        "     byline:   {}",
        a.byline.as_deref().unwrap_or(none)
    )?;
    match &a.image {
        Some(i) => writeln!(out, "     image:    {i}")?,
        None => writeln!(out, "     image:    {none}")?,
    }
    match &a.text {
        Some(t) => {
            writeln!(out, "     text:     {} characters", t.chars)?;
            writeln!(
                out,
                "     opening:  {}",
                crate::text::truncate_chars(&t.plain, 160)
            )?;
        }
        None => writeln!(out, "     text:     {none} (no main text found)")?,
    }
    if let Some(t) = &a.teaser {
        writeln!(out, "     teaser:   {t}")?;
    }
    writeln!(out, "\nattachments ({}):", a.attachments.len())?;
    for at in &a.attachments {
        writeln!(out, "  📎 {} — {}", at.name, at.url)?;
        if at.file_name != at.name {
            writeln!(out, "     file:     {}", at.file_name)?;
        }
    }
    writeln!(out, "\ndocument numbers ({}):", a.documents.len())?;
    for d in &a.documents {
        writeln!(out, "  {}  (key {})", d.label(), d.key)?;
    }
    writeln!(out, "\nits own other news ({} items):", a.other_news.len())?;
    print_items(out, &a.other_news)
}

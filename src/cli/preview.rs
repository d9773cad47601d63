//! `tinkhac preview --explain` and `--suggest`: why auto-detection took the
//! blocks it took (and refused the others), and a `[source.scrape]` block
//! whose selectors pick the same items, for an admin to pin a page.

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
        match html::suggest(&text, &body.final_url, tz, now) {
            Some(block) => {
                writeln!(
                    out,
                    "# auto-detection found these items on {}; to pin them, put this",
                    source.url
                )?;
                writeln!(out, "# under the source's [[source]] entry:\n{block}")?;
            }
            None => anyhow::bail!(
                "no [source.scrape] block picks exactly what auto-detection finds on {} \
                 (or it finds nothing); see preview --explain",
                source.url
            ),
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
    for (n, h) in e.items.iter().enumerate() {
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

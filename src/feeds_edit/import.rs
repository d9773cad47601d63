//! What importing an OPML subscription list does to `feeds.toml`, decided
//! once for `tinkhac feeds import` and the web admin's OPML page: each
//! outline added (with the id it gets), skipped because it is already
//! listed, or refused (and why), and the edited text.

use super::{add_source, slug_id, EditError, NewSource};
use crate::config::Config;
use crate::opml::OpmlSource;

/// What became of one outline.
#[derive(Debug)]
pub enum ImportDecision {
    /// Added as the source with this id.
    Added(String),
    /// The id or the URL is already listed ([`EditError::DuplicateId`],
    /// [`EditError::DuplicateUrl`]).
    AlreadyListed(EditError),
    /// It cannot be a source (a bad URL, kind, or a file `add_source`
    /// cannot edit).
    Refused(EditError),
}

/// One outline of the list and what became of it.
#[derive(Debug)]
pub struct ImportOutcome {
    /// The outline's title, as the list gives it.
    pub title: String,
    /// Its `xmlUrl`.
    pub url: String,
    pub decision: ImportDecision,
    /// Topics the outline names (`tinkhac:topics`) that the file has not:
    /// left out of the new source.
    pub unknown_topics: Vec<String>,
}

/// The whole import: every outline's outcome, in the list's order, and the
/// text with the added sources (the original when none was).
#[derive(Debug)]
pub struct ImportPlan {
    pub text: String,
    pub outcomes: Vec<ImportOutcome>,
}

impl ImportPlan {
    /// How many outlines were added.
    pub fn added(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.decision, ImportDecision::Added(_)))
            .count()
    }
}

/// Add each outline of `found` to `text` (the file `config` was loaded
/// from), one after the other, so a duplicate within the list is caught as
/// well. Nothing is validated as a whole configuration here: the caller
/// loads the result (a dry run) or saves it ([`super::save`]).
pub fn import_opml(config: &Config, text: &str, found: &[OpmlSource]) -> ImportPlan {
    let mut text = text.to_string();
    let mut taken: Vec<String> = config.sources.iter().map(|s| s.id.clone()).collect();
    let mut outcomes = Vec::with_capacity(found.len());
    for o in found {
        let (new, unknown_topics) = import_one(config, o, &taken);
        let decision = match add_source(&text, &new) {
            Ok(t) => {
                text = t;
                taken.push(new.id.clone());
                ImportDecision::Added(new.id)
            }
            Err(e @ (EditError::DuplicateId(_) | EditError::DuplicateUrl { .. })) => {
                ImportDecision::AlreadyListed(e)
            }
            Err(e) => ImportDecision::Refused(e),
        };
        outcomes.push(ImportOutcome {
            title: o.title.clone(),
            url: o.xml_url.clone(),
            decision,
            unknown_topics,
        });
    }
    ImportPlan { text, outcomes }
}

/// The source an OPML outline becomes, and the topics it names that the
/// file has not. A list written by tinkhac keeps its id (when valid and
/// free: subscribers' `/sources/<id>.xml` survive the move), interval,
/// timeout, topics (those this file has), kind, intranet and follow flags
/// and scrape rules; any other list's outline gets an id from its title and
/// the `[fetch]` defaults.
fn import_one(config: &Config, o: &OpmlSource, taken: &[String]) -> (NewSource, Vec<String>) {
    let t = o.tinkhac.clone().unwrap_or_default();
    let id =
        t.id.filter(|id| crate::config::check_id(id).is_ok() && !taken.contains(id))
            .unwrap_or_else(|| slug_id(&o.title, taken));
    let valid_duration = |d: Option<String>| d.filter(|d| crate::config::parse_duration(d).is_ok());
    let (topics, unknown): (Vec<String>, Vec<String>) = t
        .topics
        .into_iter()
        .partition(|t| config.topics.iter().any(|c| &c.id == t));
    let new = NewSource {
        id,
        name: o.title.clone(),
        url: o.xml_url.clone(),
        interval: valid_duration(t.interval),
        timeout: valid_duration(t.timeout),
        topics,
        kind: t.kind.filter(|k| matches!(k.as_str(), "feed" | "html")),
        intranet: t.intranet,
        follow: t.follow,
        scrape: if t.scrape.iter().any(|(k, _)| k == "items") {
            t.scrape
        } else {
            Vec::new()
        },
    };
    (new, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_adds_new_outlines_and_says_why_it_skips_others() {
        let text = "[server]\nlisten = \"127.0.0.1:0\"\n\n# ghi chú\n[[source]]\nid = \"a\"\nurl = \"https://a.vn/tin\"\n";
        let config = Config::parse(text, std::path::Path::new("feeds.toml")).unwrap();
        let outline = |title: &str, url: &str| OpmlSource {
            title: title.into(),
            xml_url: url.into(),
            ..OpmlSource::default()
        };
        let plan = import_opml(
            &config,
            text,
            &[
                outline("Sở Y tế", "https://syt.vn/rss"),
                outline("A again", "https://A.vn/tin/"),
                outline("Sở Y tế 2", "https://syt.vn/rss"),
                outline("Hỏng", "ftp://x.vn/"),
            ],
        );
        assert_eq!(plan.added(), 1);
        assert!(matches!(&plan.outcomes[0].decision, ImportDecision::Added(id) if id == "so-y-te"));
        assert!(matches!(
            &plan.outcomes[1].decision,
            ImportDecision::AlreadyListed(EditError::DuplicateUrl { id, .. }) if id == "a"
        ));
        assert!(matches!(
            &plan.outcomes[2].decision,
            ImportDecision::AlreadyListed(EditError::DuplicateUrl { id, .. }) if id == "so-y-te"
        ));
        assert!(matches!(
            &plan.outcomes[3].decision,
            ImportDecision::Refused(EditError::Invalid(_))
        ));
        assert!(plan.text.starts_with(text), "{}", plan.text);
        assert!(plan.text.contains("id = \"so-y-te\""));
        Config::parse(&plan.text, std::path::Path::new("feeds.toml")).unwrap();
    }
}

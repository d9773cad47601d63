//! Measuring topic rules against headlines labelled by hand: `tinkhac classify --eval FILE`.
//!
//! This module owns the labelled-file format and the figures (precision, recall, F1 and the
//! disagreements, per topic). Like the rest of [`crate::classify`] it does no IO: the caller
//! reads the file and prints the [`Report`].
//!
//! # Format
//! UTF-8 text, one item per line, fields separated by TABs: `LABELS<TAB>TITLE[<TAB>SUMMARY]`.
//! Blank lines and lines starting with `#` are skipped.
//! - `LABELS` lists the topic ids the item belongs to, separated by commas; empty or `-` means
//!   none. When one topic is evaluated (the config has one, or `--topic ID` picks one), `1`,
//!   `yes`, `true` also mean "in it" and `0`, `no`, `false` "not in it". Any other label is an
//!   error, so that a typo never silently counts as "no topic".
//! - A first line whose first field is `label` or `labels` is a header naming the columns: the
//!   title is the column named `title`, `headline` or `text` (else the second), the summary the
//!   one named `summary`, `teaser`, `lead`, `sapo` or `description` (else none). Other columns
//!   are ignored. Without a header the third column, when present, is the summary and later
//!   columns are ignored.

use std::fmt;

use super::{Classifier, Explanation};

/// How to read and score a labelled file.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Evaluate this topic only; `None`: every topic of the classifier.
    pub topic: Option<String>,
    /// Ignore the summary column: classify titles alone.
    pub title_only: bool,
}

/// A labelled file that cannot be evaluated; every variant names the line (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// `--topic` names a topic the configuration does not have.
    UnknownTopic {
        /// The id asked for.
        topic: String,
        /// The ids the configuration has.
        known: Vec<String>,
    },
    /// A line has no TAB, or an empty title.
    NoTitle {
        /// Line number, from 1.
        line: usize,
    },
    /// A label is neither an evaluated topic id, nor empty or `-`, nor (for one topic) a yes/no.
    BadLabel {
        /// Line number, from 1.
        line: usize,
        /// The label as written.
        label: String,
        /// The topic ids a label may name.
        known: Vec<String>,
    },
    /// The file holds no item.
    Empty,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::UnknownTopic { topic, known } => write!(
                f,
                "no topic {topic:?} in the configuration (it has: {})",
                known.join(", ")
            ),
            EvalError::NoTitle { line } => write!(
                f,
                "line {line}: expected LABELS<TAB>TITLE[<TAB>SUMMARY], found no title"
            ),
            EvalError::BadLabel { line, label, known } => {
                write!(
                    f,
                    "line {line}: label {label:?} is not a topic id ({}), nor empty or -",
                    known.join(", ")
                )?;
                if known.len() == 1 {
                    f.write_str(", 1/yes/true or 0/no/false")?;
                }
                Ok(())
            }
            EvalError::Empty => f.write_str("the file holds no labelled line"),
        }
    }
}

impl std::error::Error for EvalError {}

/// Which way the rules and the label disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disagreement {
    /// Labelled with the topic, not matched: lowers recall.
    Missed,
    /// Matched, not labelled with the topic: lowers precision.
    FalseMatch,
}

/// One item the rules and the label disagree on.
#[derive(Debug, Clone)]
pub struct Miss {
    /// Line number in the file, from 1.
    pub line: usize,
    /// Which way they disagree.
    pub kind: Disagreement,
    /// The item's title.
    pub title: String,
    /// The summary used, if any.
    pub summary: Option<String>,
    /// The classifier's reasons for this topic.
    pub why: Explanation,
}

/// The figures of one topic.
#[derive(Debug, Clone)]
pub struct TopicReport {
    /// The topic id.
    pub topic: String,
    /// Labelled and matched.
    pub true_pos: u32,
    /// Matched, not labelled.
    pub false_pos: u32,
    /// Labelled, not matched.
    pub false_neg: u32,
    /// Every disagreement, in file order.
    pub misses: Vec<Miss>,
}

impl TopicReport {
    /// Share of the matched items that carry the label (1 when nothing matched).
    #[must_use]
    pub fn precision(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_pos)
    }

    /// Share of the labelled items that matched (1 when nothing is labelled).
    #[must_use]
    pub fn recall(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_neg)
    }

    /// Harmonic mean of precision and recall.
    #[must_use]
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 {
        1.0
    } else {
        f64::from(num) / f64::from(den)
    }
}

/// What `classify --eval` prints: the figures per topic, then the disagreements.
#[derive(Debug, Clone)]
pub struct Report {
    /// Items read.
    pub items: usize,
    /// Items with a summary that was used.
    pub with_summary: usize,
    /// One per evaluated topic, in config order.
    pub topics: Vec<TopicReport>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} items ({} with a summary)",
            self.items, self.with_summary
        )?;
        for t in &self.topics {
            writeln!(
                f,
                "{}: precision {:.3}, recall {:.3}, F1 {:.3} (matched and labelled {}, \
                 matched only {}, labelled only {})",
                t.topic,
                t.precision(),
                t.recall(),
                t.f1(),
                t.true_pos,
                t.false_pos,
                t.false_neg
            )?;
        }
        for t in &self.topics {
            writeln!(
                f,
                "\n{}: {} missed, {} false matches",
                t.topic, t.false_neg, t.false_pos
            )?;
            for m in &t.misses {
                let kind = match m.kind {
                    Disagreement::Missed => "missed",
                    Disagreement::FalseMatch => "false match",
                };
                write!(f, "{kind}, line {}: {}", m.line, m.title)?;
                if let Some(s) = &m.summary {
                    write!(f, " | {s}")?;
                }
                writeln!(f, "\n    {}", m.why)?;
            }
        }
        Ok(())
    }
}

/// Where the title and summary sit, read from a header or the defaults.
struct Columns {
    title: usize,
    summary: Option<usize>,
}

impl Columns {
    fn from_header(fields: &[&str]) -> Columns {
        let find = |names: &[&str]| {
            fields
                .iter()
                .position(|f| names.iter().any(|n| f.trim().eq_ignore_ascii_case(n)))
        };
        Columns {
            title: find(&["title", "headline", "text"]).unwrap_or(1),
            summary: find(&["summary", "teaser", "lead", "sapo", "description"]),
        }
    }
}

/// Classifies every item of `tsv` (see the module docs for the format) and compares the
/// topics found with the labels.
///
/// # Errors
/// An unknown `--topic`, a line without a title, a label that names no evaluated topic, or a
/// file without items: see [`EvalError`].
pub fn evaluate(
    classifier: &Classifier,
    tsv: &str,
    options: &EvalOptions,
) -> Result<Report, EvalError> {
    let all: Vec<String> = classifier.topic_ids().map(str::to_owned).collect();
    let evaluated: Vec<usize> = match &options.topic {
        Some(id) => match all.iter().position(|t| t == id) {
            Some(i) => vec![i],
            None => {
                return Err(EvalError::UnknownTopic {
                    topic: id.clone(),
                    known: all,
                })
            }
        },
        None => (0..all.len()).collect(),
    };
    let known: Vec<String> = evaluated.iter().map(|&i| all[i].clone()).collect();
    let mut topics: Vec<TopicReport> = known
        .iter()
        .map(|id| TopicReport {
            topic: id.clone(),
            true_pos: 0,
            false_pos: 0,
            false_neg: 0,
            misses: Vec::new(),
        })
        .collect();
    let mut columns = Columns {
        title: 1,
        summary: Some(2),
    };
    let (mut items, mut with_summary) = (0, 0);
    let mut first = true;
    for (n, raw) in tsv.lines().enumerate() {
        let line = n + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = raw.split('\t').collect();
        if std::mem::take(&mut first)
            && matches!(
                fields[0].trim().to_ascii_lowercase().as_str(),
                "label" | "labels"
            )
        {
            columns = Columns::from_header(&fields);
            continue;
        }
        let title = fields
            .get(columns.title)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .ok_or(EvalError::NoTitle { line })?;
        let summary = columns
            .summary
            .filter(|_| !options.title_only)
            .and_then(|i| fields.get(i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let wanted = parse_labels(fields[0], &known, line)?;
        items += 1;
        with_summary += usize::from(summary.is_some());
        let explained = classifier.explain(title, summary);
        for (k, (slot, &topic)) in topics.iter_mut().zip(&evaluated).enumerate() {
            let why = &explained[topic];
            let want = wanted.contains(&k);
            let kind = match (want, why.matched) {
                (true, true) => {
                    slot.true_pos += 1;
                    continue;
                }
                (false, false) => continue,
                (true, false) => {
                    slot.false_neg += 1;
                    Disagreement::Missed
                }
                (false, true) => {
                    slot.false_pos += 1;
                    Disagreement::FalseMatch
                }
            };
            slot.misses.push(Miss {
                line,
                kind,
                title: title.to_owned(),
                summary: summary.map(str::to_owned),
                why: why.clone(),
            });
        }
    }
    if items == 0 {
        return Err(EvalError::Empty);
    }
    Ok(Report {
        items,
        with_summary,
        topics,
    })
}

/// The indexes (in `known`) of the topics a label field names.
fn parse_labels(field: &str, known: &[String], line: usize) -> Result<Vec<usize>, EvalError> {
    let mut out = Vec::new();
    for label in field.split(',').map(str::trim) {
        let lower = label.to_ascii_lowercase();
        match lower.as_str() {
            "" | "-" => {}
            "1" | "yes" | "true" if known.len() == 1 => out.push(0),
            "0" | "no" | "false" if known.len() == 1 => {}
            _ => match known.iter().position(|k| k == label) {
                Some(i) => out.push(i),
                None => {
                    return Err(EvalError::BadLabel {
                        line,
                        label: label.to_owned(),
                        known: known.to_vec(),
                    })
                }
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::TopicRules;

    fn classifier() -> Classifier {
        let topic = |id: &str, kw: &[&str]| TopicRules {
            id: id.to_owned(),
            name: id.to_owned(),
            keywords: kw.iter().map(|s| (*s).to_owned()).collect(),
            exclude: vec!["thị trường".to_owned()],
            threshold: None,
        };
        Classifier::new(&[
            topic("edu", &["học sinh:4", "trường:1"]),
            topic("port", &["cảng"]),
        ])
        .expect("rules")
    }

    fn eval(tsv: &str, topic: Option<&str>) -> Result<Report, EvalError> {
        let options = EvalOptions {
            topic: topic.map(str::to_owned),
            title_only: false,
        };
        evaluate(&classifier(), tsv, &options)
    }

    #[test]
    fn counts_agreements_and_lists_disagreements_per_topic() {
        let tsv = "edu\tHọc sinh đi học\n\
                   edu,port\tHọc sinh thăm cảng\n\
                   -\tMở rộng thị trường\n\
                   edu\tTrường mới\n\
                   \tHọc sinh trên cảng cá\n";
        let r = eval(tsv, None).expect("report");
        assert_eq!(r.items, 5);
        let edu = &r.topics[0];
        assert_eq!(
            (edu.true_pos, edu.false_pos, edu.false_neg),
            (2, 1, 1),
            "{r}"
        );
        assert!((edu.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert!((edu.recall() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(edu.misses[0].line, 4);
        assert_eq!(edu.misses[0].kind, Disagreement::Missed);
        assert_eq!(edu.misses[1].kind, Disagreement::FalseMatch);
        let port = &r.topics[1];
        assert_eq!((port.true_pos, port.false_pos, port.false_neg), (1, 1, 0));
        let shown = r.to_string();
        assert!(
            shown.contains("missed, line 4: Trường mới\n    edu: no match"),
            "{shown}"
        );
        assert!(
            shown.contains("edu: precision 0.667, recall 0.667"),
            "{shown}"
        );
    }

    #[test]
    fn a_header_names_the_title_and_summary_columns() {
        let tsv = "label\tsource\ttitle\tlead\n\
                   1\tx\tThông báo mới\tHọc sinh nghỉ học, trường đóng cửa\n\
                   0\tx\tGiá cảng biển\t\n";
        let r = eval(tsv, Some("edu")).expect("report");
        assert_eq!((r.items, r.with_summary), (2, 1));
        let edu = &r.topics[0];
        assert_eq!(
            (edu.true_pos, edu.false_pos, edu.false_neg),
            (1, 0, 0),
            "{r}"
        );
        let options = EvalOptions {
            topic: Some("edu".into()),
            title_only: true,
        };
        let r = evaluate(&classifier(), tsv, &options).expect("report");
        assert_eq!(r.with_summary, 0);
        assert_eq!(r.topics[0].false_neg, 1, "{r}");
    }

    #[test]
    fn labels_that_name_nothing_are_errors_not_negatives() {
        let err = eval("edu\tHọc sinh\nnot-edu\tGiá vàng\n", None).expect_err("bad label");
        assert_eq!(
            err,
            EvalError::BadLabel {
                line: 2,
                label: "not-edu".into(),
                known: vec!["edu".into(), "port".into()]
            }
        );
        // Yes/no labels only when one topic is evaluated.
        assert!(eval("1\tHọc sinh\n", None).is_err());
        assert!(eval("1\tHọc sinh\n", Some("edu")).is_ok());
        assert!(matches!(
            eval("1\tHọc sinh\n", Some("nope")),
            Err(EvalError::UnknownTopic { .. })
        ));
        assert_eq!(
            eval("edu\n", None).expect_err("no title"),
            EvalError::NoTitle { line: 1 }
        );
        assert_eq!(
            eval("# only a comment\n\n", None).expect_err("empty"),
            EvalError::Empty
        );
    }
}

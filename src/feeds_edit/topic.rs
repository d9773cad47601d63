//! A topic's `keywords` and `exclude` lists rewritten in place, for the web
//! admin's topics page.
//!
//! Only the phrases that change are touched: a phrase removed is cut out of
//! its array with its comma (and its line, when it had one to itself); the
//! phrases added are appended at the end of the array (on a line of their
//! own in an array written over several lines). The comments inside
//! an array (the shipped file explains its keywords there), the topic's
//! other keys and every other byte of the file stay as they were.

use std::ops::Range;

use toml_edit::{Array, Item, Table};

use super::{basic_string, parse, EditError};

/// Give the `[[topic]]` whose id is `topic` these keywords and excludes
/// (phrases as they will be written, each trimmed and non-empty). Phrases
/// already listed keep their place and their spelling; new ones go after
/// them in the order given. A list that is missing is written as a new
/// line under the topic's header. The result is parsed again and must read
/// back as exactly the lists asked for.
///
/// The lists themselves (empty, duplicates, bad weights) are judged by the
/// config loader, which the caller runs before saving.
pub fn set_topic_phrases(
    text: &str,
    topic: &str,
    keywords: &[String],
    exclude: &[String],
) -> Result<String, EditError> {
    for p in keywords.iter().chain(exclude) {
        if p.trim().is_empty() || p.trim() != p || p.contains(['\n', '\r']) {
            return Err(EditError::Invalid(format!(
                "{p:?} is not a phrase: one line of text, no blank around it"
            )));
        }
    }
    let doc = parse(text)?;
    let table = find_topic(text, &doc, topic)?;
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut ops: Vec<Op> = Vec::new();
    let mut missing = Vec::new();
    for (key, wanted) in [("keywords", keywords), ("exclude", exclude)] {
        match table.get(key) {
            Some(item) => {
                let array = item.as_array().ok_or_else(|| {
                    EditError::Parse(format!("topic {topic:?}: `{key}` is not a list of phrases"))
                })?;
                ops.extend(edit_array(text, topic, key, array, wanted, nl)?);
            }
            None if wanted.is_empty() => {}
            None => missing.push(format!("{key} = {}{nl}", inline_list(wanted))),
        }
    }
    if !missing.is_empty() {
        // Under the keywords, or under the header when there are none.
        let after = match table.get("keywords").and_then(Item::as_array) {
            Some(k) => k.span(),
            None => table.span(),
        }
        .ok_or_else(|| unlocated(topic))?;
        let at = match text[after.end..].find('\n') {
            Some(i) => after.end + i + 1,
            None => {
                missing.insert(0, nl.to_string());
                text.len()
            }
        };
        ops.push(Op::insert(at, missing.concat()));
    }
    let out = apply(text, ops);

    let check = parse(&out)?;
    let after = find_topic(&out, &check, topic)?;
    let read = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = after
            .get(key)
            .and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let sorted = |l: &[String]| {
        let mut v = l.to_vec();
        v.sort();
        v
    };
    if read("keywords") != sorted(keywords) || read("exclude") != sorted(exclude) {
        return Err(EditError::Parse(format!(
            "internal error: the phrases of topic {topic:?} did not read back as written"
        )));
    }
    Ok(out)
}

/// The `[[topic]]` table whose `id` is `topic`.
fn find_topic<'d>(
    text: &str,
    doc: &'d toml_edit::Document<&str>,
    topic: &str,
) -> Result<&'d Table, EditError> {
    let Some(item) = doc.as_table().get("topic") else {
        return Err(EditError::NoTopic(topic.to_string()));
    };
    let Item::ArrayOfTables(array) = item else {
        let _ = text;
        return Err(EditError::Parse(
            "`topic` must be written as [[topic]] tables".to_string(),
        ));
    };
    array
        .iter()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(topic))
        .ok_or_else(|| EditError::NoTopic(topic.to_string()))
}

fn unlocated(topic: &str) -> EditError {
    EditError::Parse(format!(
        "internal error: cannot locate topic {topic:?} in the text"
    ))
}

/// `["a", "b"]`.
fn inline_list(phrases: &[String]) -> String {
    let quoted: Vec<String> = phrases.iter().map(|p| basic_string(p)).collect();
    format!("[{}]", quoted.join(", "))
}

/// One splice: `range` replaced by `with` (an insertion when the range is
/// empty).
struct Op {
    range: Range<usize>,
    with: String,
}

impl Op {
    fn insert(at: usize, with: String) -> Op {
        Op {
            range: at..at,
            with,
        }
    }

    fn delete(range: Range<usize>) -> Op {
        Op {
            range,
            with: String::new(),
        }
    }
}

/// Apply splices that do not overlap (an insertion may sit where a deletion
/// starts: it goes first).
fn apply(text: &str, mut ops: Vec<Op>) -> String {
    ops.sort_by_key(|o| (o.range.start, o.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for o in ops {
        let start = o.range.start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(&o.with);
        at = o.range.end.max(at);
    }
    out.push_str(&text[at..]);
    out
}

/// From `pos`, past whitespace, newlines and comments.
fn skip_blank(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    while pos < b.len() {
        match b[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => pos = text[pos..].find('\n').map_or(b.len(), |i| pos + i),
            _ => break,
        }
    }
    pos
}

/// From `pos`, past spaces and tabs.
fn skip_spaces(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    while pos < b.len() && matches!(b[pos], b' ' | b'\t') {
        pos += 1;
    }
    pos
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// A deletion widened to its whole line when nothing else is on it.
fn whole_line(text: &str, r: Range<usize>) -> Range<usize> {
    let start = line_start(text, r.start);
    let end = match text[r.end..].find('\n') {
        Some(i) => r.end + i + 1,
        None => text.len(),
    };
    let rest = text[r.end..end].trim();
    if text[start..r.start].trim().is_empty() && rest.is_empty() {
        start..end
    } else {
        r
    }
}

/// The splices that turn one array's phrases into `wanted`.
fn edit_array(
    text: &str,
    topic: &str,
    key: &str,
    array: &Array,
    wanted: &[String],
    nl: &str,
) -> Result<Vec<Op>, EditError> {
    let span = array.span().ok_or_else(|| unlocated(topic))?;
    // What is left to place of `wanted`, by phrase.
    let mut left: Vec<Option<&String>> = wanted.iter().map(Some).collect();
    let mut ops = Vec::new();
    let mut last_kept: Option<Range<usize>> = None;
    for v in array.iter() {
        let Some(s) = v.as_str() else {
            return Err(EditError::Parse(format!(
                "topic {topic:?}: `{key}` holds something that is not a phrase"
            )));
        };
        let r = v.span().ok_or_else(|| unlocated(topic))?;
        match left.iter_mut().find(|w| w.is_some_and(|w| w == s)) {
            Some(slot) => {
                *slot = None;
                last_kept = Some(r);
            }
            None => {
                let after = skip_blank(text, r.end);
                // With the comma after it; the last phrase, without one,
                // leaves the comma before it (a kept phrase's) as a
                // trailing one.
                let (end, comma) = if text.as_bytes().get(after) == Some(&b',') {
                    (skip_spaces(text, after + 1), true)
                } else {
                    (r.end, false)
                };
                let mut start = r.start;
                let line_ends = matches!(text.as_bytes().get(end), None | Some(b'\r' | b'\n'));
                if !comma || line_ends {
                    while start > 0 && matches!(text.as_bytes()[start - 1], b' ' | b'\t') {
                        start -= 1;
                    }
                }
                ops.push(Op::delete(whole_line(text, start..end)));
            }
        }
    }
    let added: Vec<&String> = left.into_iter().flatten().collect();
    if added.is_empty() {
        return Ok(ops);
    }
    let quoted: Vec<String> = added.iter().map(|p| basic_string(p)).collect();
    let close = span.end - 1;
    match last_kept {
        Some(last) => {
            let comma = text.as_bytes().get(skip_blank(text, last.end)) == Some(&b',');
            let line_end = text[last.end..close].find('\n').map(|i| last.end + i + 1);
            // Written over several lines: the new phrases get a line of
            // their own at the end (above a `]` on its own line, else under
            // the last phrase kept), indented as that phrase is.
            let closing_line = line_start(text, close);
            let line_end = line_end.map(|next| {
                if text[closing_line..close].trim().is_empty() {
                    closing_line
                } else {
                    next
                }
            });
            match line_end {
                Some(next_line) => {
                    let ls = line_start(text, last.start);
                    let indent = &text[ls..skip_spaces(text, ls)];
                    if !comma {
                        ops.push(Op::insert(last.end, ",".into()));
                    }
                    ops.push(Op::insert(
                        next_line,
                        format!("{indent}{},{nl}", quoted.join(", ")),
                    ));
                }
                None => ops.push(Op::insert(last.end, format!(", {}", quoted.join(", ")))),
            }
        }
        None => {
            let multi_line = text[span.clone()].contains('\n');
            let with = if multi_line {
                format!("{nl}  {},", quoted.join(", "))
            } else {
                quoted.join(", ")
            };
            ops.push(Op::insert(span.start + 1, with));
        }
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const TOPICS: &str = "[server]\nlisten = \"127.0.0.1:0\"\n\n\
        # Chủ đề giáo dục: đừng xoá.\n\
        [[topic]]\n\
        id = \"giao-duc\"\n\
        name = \"Giáo dục\"\n\
        keywords = [\n  # Ngành và cơ quan.\n  \"giáo dục\", \"Sở Giáo dục:4\",\n  # Người học.\n  \"học sinh:4\",\n  \"sinh viên:4\"\n]\n\
        exclude = [\"giáo dục pháp luật\"] # tuyên truyền\n\
        threshold = 4\n\n\
        [[topic]]\nid = \"y-te\"\nkeywords = [\"bệnh viện\", \"y tế\"]\n";

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn load(text: &str) -> Config {
        Config::parse(text, std::path::Path::new("feeds.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn removed_phrases_go_with_their_commas_and_comments_stay() {
        let out = set_topic_phrases(
            TOPICS,
            "giao-duc",
            &strings(&["giáo dục", "học sinh:4", "giáo viên:4"]),
            &strings(&["giáo dục pháp luật", "giáo dục công dân"]),
        )
        .unwrap();
        assert!(
            out.contains("# Ngành và cơ quan.\n  \"giáo dục\",\n"),
            "{out}"
        );
        assert!(
            out.contains("  # Người học.\n  \"học sinh:4\",\n  \"giáo viên:4\",\n]"),
            "{out}"
        );
        assert!(!out.contains("sinh viên"), "{out}");
        assert!(!out.contains("Sở Giáo dục"), "{out}");
        assert!(
            out.contains(
                "exclude = [\"giáo dục pháp luật\", \"giáo dục công dân\"] # tuyên truyền\n"
            ),
            "{out}"
        );
        assert!(
            out.starts_with("[server]\nlisten = \"127.0.0.1:0\"\n\n# Chủ đề giáo dục: đừng xoá.\n")
        );
        assert!(out.contains(
            "threshold = 4\n\n[[topic]]\nid = \"y-te\"\nkeywords = [\"bệnh viện\", \"y tế\"]\n"
        ));
        let c = load(&out);
        let t = &c.topics[0];
        assert_eq!(
            t.keywords,
            strings(&["giáo dục", "học sinh:4", "giáo viên:4"])
        );
        assert_eq!(
            t.exclude,
            strings(&["giáo dục pháp luật", "giáo dục công dân"])
        );
        assert_eq!(t.threshold, Some(4));
    }

    #[test]
    fn unchanged_lists_give_the_file_back() {
        let same =
            set_topic_phrases(TOPICS, "y-te", &strings(&["bệnh viện", "y tế"]), &[]).unwrap();
        assert_eq!(same, TOPICS);
    }

    #[test]
    fn a_missing_exclude_list_is_written_under_the_keywords_and_an_emptied_one_stays_empty() {
        let out = set_topic_phrases(
            TOPICS,
            "y-te",
            &strings(&["y tế"]),
            &strings(&["y tế học đường"]),
        )
        .unwrap();
        assert!(
            out.ends_with(
                "[[topic]]\nid = \"y-te\"\nkeywords = [\"y tế\"]\nexclude = [\"y tế học đường\"]\n"
            ),
            "{out}"
        );
        assert_eq!(load(&out).topics[1].exclude, strings(&["y tế học đường"]));
        let emptied = set_topic_phrases(TOPICS, "giao-duc", &strings(&["giáo dục"]), &[]).unwrap();
        assert!(
            emptied.contains("exclude = [] # tuyên truyền\n"),
            "{emptied}"
        );
        assert!(
            emptied.contains(
                "keywords = [\n  # Ngành và cơ quan.\n  \"giáo dục\",\n  # Người học.\n]"
            ),
            "{emptied}"
        );
        assert!(load(&emptied).topics[0].exclude.is_empty());
    }

    #[test]
    fn every_phrase_replaced_in_a_one_line_list() {
        let out = set_topic_phrases(
            TOPICS,
            "y-te",
            &strings(&["sức khoẻ", "\"quote\" \\ x"]),
            &[],
        )
        .unwrap();
        assert!(
            out.ends_with("keywords = [\"sức khoẻ\", \"\\\"quote\\\" \\\\ x\"]\n"),
            "{out}"
        );
        assert_eq!(load(&out).topics[1].keywords[1], "\"quote\" \\ x");
    }

    #[test]
    fn unknown_topics_and_bad_phrases_are_refused() {
        assert!(matches!(
            set_topic_phrases(TOPICS, "khong-co", &strings(&["x"]), &[]),
            Err(EditError::NoTopic(id)) if id == "khong-co"
        ));
        for bad in ["", "  y tế", "a\nb"] {
            assert!(matches!(
                set_topic_phrases(TOPICS, "y-te", &strings(&[bad]), &[]),
                Err(EditError::Invalid(_))
            ));
        }
        assert!(matches!(
            set_topic_phrases("topic = 3\n", "y-te", &strings(&["x"]), &[]),
            Err(EditError::Parse(_))
        ));
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let text = TOPICS.replace('\n', "\r\n");
        let out = set_topic_phrases(
            &text,
            "giao-duc",
            &strings(&["giáo dục", "học sinh:4", "sinh viên:4", "thủ khoa"]),
            &strings(&["giáo dục pháp luật"]),
        )
        .unwrap();
        assert!(
            out.contains("  \"sinh viên:4\",\r\n  \"thủ khoa\",\r\n]"),
            "{out}"
        );
        assert!(!out.replace("\r\n", "").contains('\n'));
        load(&out);
    }
}

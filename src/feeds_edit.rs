//! Edits `feeds.toml` text with toml_edit so every comment and the admin's formatting survive.
//!
//! `feeds.toml` is written by hand and is mostly comments: the admin's notes
//! on each portal, commented-out examples, the topic rules. A serde
//! round-trip would drop all of that, so this module never re-serialises the
//! document. toml_edit parses the text (syntax errors come back with a line
//! and column) and tells where each `[[source]]` table, its sub-tables and
//! its comments lie; the edit is then a splice of the original text: one
//! inserted block for [`add_source`], deleted byte ranges for
//! [`remove_source`]. Every byte outside the splice is the admin's, by
//! construction, and each result is parsed again before it is returned.
//!
//! Where things lie, in toml_edit's terms: a table's span is its header
//! (`[[source]]`); the comments and blank lines above a header are that
//! header's decor prefix; the comments after a table's last key belong to the
//! next header's prefix, or to the document's trailing text at the end.
//!
//! These functions only check what they need to place the edit (ids, URLs,
//! structure). The caller still loads the result with the config loader,
//! which knows every other rule, before it saves it.

use std::collections::HashSet;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml_edit::{Document, Item, Table};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::config::{check_id, line_col, url_key, Config};

mod import;
mod topic;
mod update;

pub use import::{import_opml, ImportDecision, ImportOutcome, ImportPlan};
pub use topic::set_topic_phrases;
pub use update::{edit_source, source_fields, SourceEdit, SCRAPE_KEYS};

/// A source to append.
///
/// Mirrors the keys of a `[[source]]` table; `None` and empty `topics` leave
/// the key out so the `[fetch]` defaults apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSource {
    /// 1 to 64 of `a-z`, `0-9`, `-`: it appears in URLs. See [`slug_id`].
    pub id: String,
    /// Display name, any text (Vietnamese stays UTF-8 in the file).
    pub name: String,
    /// An `http` or `https` feed or page URL.
    pub url: String,
    /// A duration such as `"15m"`; `None` uses `[fetch] interval`.
    pub interval: Option<String>,
    /// Ids of `[[topic]]` tables every item of this source belongs to.
    pub topics: Vec<String>,
    /// `"auto"`, `"feed"` or `"html"`; `None` means auto.
    pub kind: Option<String>,
    /// A duration such as `"20s"`; `None` uses `[fetch] timeout`.
    pub timeout: Option<String>,
    /// May reach a private address (see the README).
    pub intranet: bool,
    /// `follow = true|false`; `None` leaves the key out (the default by kind).
    pub follow: Option<bool>,
    /// `[source.scrape]` keys and values (`items` first), or none.
    pub scrape: Vec<(String, String)>,
}

/// Why an edit was refused. The text is never half-edited: on any error the
/// caller still has its original string.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file is not valid TOML, or `source` is not an array of
    /// `[[source]]` tables with string `id` and `url`. Written as
    /// `LINE:COLUMN: message` when the place is known (1-based, column in
    /// characters), so the caller can prefix the path like the config loader.
    #[error("{0}")]
    Parse(String),
    /// A source with this id is already listed.
    #[error("a source with id {0:?} is already listed")]
    DuplicateId(String),
    /// The URL is already listed by source `id`, by the one URL-identity
    /// rule ([`crate::config::url_key`]).
    #[error(
        "{url} is already listed as source {id:?}: the same address once tracking \
         parameters, the host's case and a trailing slash are set aside"
    )]
    DuplicateUrl {
        /// The URL as it was asked for.
        url: String,
        /// The source that already has it.
        id: String,
    },
    /// No source has this id.
    #[error("no source with id {0:?}")]
    NotFound(String),
    /// No `[[topic]]` has this id.
    #[error("no topic with id {0:?}")]
    NoTopic(String),
    /// The new source itself is unusable (bad id, URL or kind): writing it
    /// would only make the file fail to load.
    #[error("{0}")]
    Invalid(String),
}

/// Append a `[[source]]` table at the end of the existing `[[source]]` array.
///
/// The table lands right after the last `[[source]]` (or its
/// `[source.scrape]` sub-table, and any comment lines glued below it), before
/// the comments and header of whatever table follows, such as `[[topic]]` or
/// `[telegram]`, so the file stays grouped. Without any source yet it is
/// appended at the end. A blank line separates it from what is above; the
/// file's line ending (`\n` or `\r\n`) is used, and a file that does not end
/// with one gets it before the new table (the only byte added outside it).
///
/// Refuses a duplicate id, or a URL already listed (compared trimmed, without
/// a trailing slash, scheme and host case-insensitively). Values are written
/// as TOML basic strings with only `"`, `\` and control characters escaped,
/// so Vietnamese stays readable UTF-8. Every other byte of `text` is kept.
pub fn add_source(text: &str, s: &NewSource) -> Result<String, EditError> {
    check_new_source(s)?;
    let doc = parse(text)?;
    let existing = sources(text, &doc)?;
    if let Some(e) = existing.iter().find(|e| e.id == s.id) {
        return Err(EditError::DuplicateId(e.id.clone()));
    }
    let wanted = url_key(&s.url);
    if let Some(e) = existing.iter().find(|e| url_key(&e.url) == wanted) {
        return Err(EditError::DuplicateUrl {
            url: s.url.clone(),
            id: e.id.clone(),
        });
    }

    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let at = match existing.last() {
        Some(last) => {
            let headers = headers(&doc);
            let end = subtree_end(text, &doc, &headers, last.table);
            skip_glued_comments(text, end, &headers)
        }
        None => text.len(),
    };

    let mut block = String::new();
    if at > 0 {
        if !text.get(..at).is_some_and(|t| t.ends_with('\n')) {
            block.push_str(newline);
        }
        block.push_str(newline);
    }
    block.push_str(&render_source(s, newline));

    let (Some(before), Some(after)) = (text.get(..at), text.get(at..)) else {
        return Err(unlocated(&s.id));
    };
    let mut out = String::with_capacity(text.len() + block.len());
    out.push_str(before);
    out.push_str(&block);
    out.push_str(after);

    // The splice must leave a valid file that lists exactly one more source.
    let check = parse(&out)?;
    let after = sources(&out, &check)?;
    let added = after.iter().any(|e| e.id == s.id && e.url == s.url.trim());
    if after.len() != existing.len() + 1 || !added {
        return Err(EditError::Parse(format!(
            "internal error: adding source {:?} did not give a valid file",
            s.id
        )));
    }
    Ok(out)
}

/// Remove the `[[source]]` whose id is `id`, with its `[source.scrape]`
/// sub-table and the comment lines directly attached above it (decor),
/// leaving every other byte as it was.
///
/// "Directly attached" means the comment lines with no blank line between
/// them and the header; one blank line just above those (or above the
/// header) goes too, so the gap between neighbours stays as it was and
/// removing what [`add_source`] added gives the file back byte for byte. A
/// comment block separated by a blank line is taken to introduce a whole
/// section and is kept. Comments after the table's last key stay as well:
/// they may already be about what follows. Sub-tables written away from
/// their source (legal TOML, never seen in practice) go too, each with its
/// own attached comments.
pub fn remove_source(text: &str, id: &str) -> Result<String, EditError> {
    let doc = parse(text)?;
    let existing = sources(text, &doc)?;
    let Some(entry) = existing.iter().find(|e| e.id == id) else {
        return Err(EditError::NotFound(id.to_string()));
    };
    let headers = headers(&doc);
    let own = header_of(entry.table).ok_or_else(|| unlocated(id))?;

    // The source's own region, then each sub-table's, in document order.
    let own_range = attached_start(text, &own)..region_end(text, &doc, &headers, own.header.start);
    let mut ranges: Vec<Range<usize>> = vec![own_range];
    let mut subs = Vec::new();
    collect_headers(entry.table, &mut subs);
    subs.sort_by_key(|h| h.header.start);
    for sub in subs {
        let end = region_end(text, &doc, &headers, sub.header.start);
        let contiguous = ranges.last().is_some_and(|r| r.end == sub.region_start);
        let start = if contiguous {
            sub.region_start
        } else {
            attached_start(text, &sub)
        };
        ranges.push(start..end);
    }

    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in merge(ranges) {
        if r.start < pos || r.end > text.len() {
            return Err(unlocated(id));
        }
        out.push_str(text.get(pos..r.start).ok_or_else(|| unlocated(id))?);
        pos = r.end;
    }
    out.push_str(text.get(pos..).ok_or_else(|| unlocated(id))?);

    let check = parse(&out)?;
    let after = sources(&out, &check)?;
    if after.len() + 1 != existing.len() || after.iter().any(|e| e.id == id) {
        return Err(EditError::Parse(format!(
            "internal error: removing source {id:?} did not give a valid file"
        )));
    }
    Ok(out)
}

/// Pause the `[[source]]` whose id is `id` (a `paused = true` line right
/// under its header) or resume it (its `paused` line taken out), leaving every
/// other byte as it was. Asking for what the source already is changes
/// nothing. A `paused` key written anywhere but on a line of its own is
/// refused rather than guessed at.
pub fn set_paused(text: &str, id: &str, paused: bool) -> Result<String, EditError> {
    let doc = parse(text)?;
    let existing = sources(text, &doc)?;
    let Some(entry) = existing.iter().find(|e| e.id == id) else {
        return Err(EditError::NotFound(id.to_string()));
    };
    let now = entry.table.get("paused");
    if now.and_then(Item::as_bool).unwrap_or(false) == paused {
        return Ok(text.to_string());
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let (range, line) = match entry.table.get_key_value("paused") {
        Some((key, item)) => {
            let (Some(k), Some(v)) = (key.span(), item.span()) else {
                return Err(unlocated(id));
            };
            let start = text[..k.start].rfind('\n').map_or(0, |i| i + 1);
            let end = text[v.end..]
                .find('\n')
                .map_or(text.len(), |i| v.end + i + 1);
            let rest = text[v.end..end].trim();
            if !text[start..k.start].trim().is_empty()
                || !(rest.is_empty() || rest.starts_with('#'))
            {
                return Err(unlocated(id));
            }
            let line = if paused {
                format!("paused = true{newline}")
            } else {
                String::new()
            };
            (start..end, line)
        }
        None => {
            let header = header_of(entry.table).ok_or_else(|| unlocated(id))?;
            match text[header.header.end..].find('\n') {
                Some(i) => {
                    let at = header.header.end + i + 1;
                    (at..at, format!("paused = true{newline}"))
                }
                None => (
                    text.len()..text.len(),
                    format!("{newline}paused = true{newline}"),
                ),
            }
        }
    };
    let mut out = String::with_capacity(text.len() + line.len());
    out.push_str(&text[..range.start]);
    out.push_str(&line);
    out.push_str(&text[range.end..]);

    let check = parse(&out)?;
    let after = sources(&out, &check)?;
    let done = after.iter().find(|e| e.id == id).is_some_and(|e| {
        e.table
            .get("paused")
            .and_then(Item::as_bool)
            .unwrap_or(false)
            == paused
    });
    if after.len() != existing.len() || !done {
        return Err(EditError::Parse(format!(
            "internal error: pausing or resuming source {id:?} did not give a valid file"
        )));
    }
    Ok(out)
}

/// A source id (1..=64 of a-z 0-9 '-') derived from a name or URL.
///
/// Vietnamese diacritics are folded (NFD, combining marks dropped, đ/Đ and
/// the look-alike ð/Ð → d), ASCII is lowercased, every run of other
/// characters becomes one `-`, and the ends are trimmed. A URL contributes
/// its host (without `www.`) and path, not its scheme. The base is at most 40
/// characters, cut at a `-` when one is near; an input with nothing usable
/// gives `source`. The result is made unique against `taken` by appending
/// `-2`, `-3`…, so it always passes the config's id check.
pub fn slug_id(name_or_url: &str, taken: &[String]) -> String {
    const MAX_BASE: usize = 40;
    let input = name_or_url.trim();
    let source: String = match url::Url::parse(input) {
        Ok(u) if u.host_str().is_some() => {
            let host = u.host_str().unwrap_or_default();
            let host = host.strip_prefix("www.").unwrap_or(host);
            format!("{host} {}", percent_decode(u.path()))
        }
        _ => input.to_string(),
    };

    let mut slug = String::new();
    let mut gap = false;
    for c in source.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' | 'ð' | 'Ð' => 'd',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            slug.push(c);
        } else {
            gap = true;
        }
    }
    if slug.len() > MAX_BASE {
        // All ASCII here, so byte indices are char boundaries.
        let cut = &slug[..MAX_BASE];
        let cut = if slug.as_bytes()[MAX_BASE] == b'-' {
            cut
        } else {
            match cut.rfind('-') {
                Some(i) if i >= MAX_BASE / 2 => &cut[..i],
                _ => cut,
            }
        };
        slug = cut.trim_end_matches('-').to_string();
    }
    if slug.is_empty() {
        slug.push_str("source");
    }

    let taken: HashSet<&str> = taken.iter().map(String::as_str).collect();
    if !taken.contains(slug.as_str()) {
        return slug;
    }
    // At most taken.len() candidates can be taken, so this finds one.
    (2..)
        .map(|n| format!("{slug}-{n}"))
        .find(|c| !taken.contains(c.as_str()))
        .unwrap_or(slug)
}

/// `%XX` escapes of a URL path decoded, so `t%E1%BB%A9c` folds like `tức`.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Ids and URLs of the sources in the text, for duplicate checks.
///
/// In file order, URLs as written. Fails like the config loader would on a
/// `source` that is not an array of tables, or a source without a string
/// `id` or `url`.
pub fn list_sources(text: &str) -> Result<Vec<(String, String)>, EditError> {
    let doc = parse(text)?;
    Ok(sources(text, &doc)?
        .into_iter()
        .map(|e| (e.id, e.url))
        .collect())
}

// ---------------------------------------------------------------------------
// Reading the document.

/// One `[[source]]` of the parsed document.
struct Entry<'d> {
    id: String,
    url: String,
    table: &'d Table,
}

/// Where a table with a header lies: its header (`[[source]]`) and the start
/// of the comments and blank lines above it.
#[derive(Debug, Clone)]
struct Header {
    header: Range<usize>,
    region_start: usize,
}

fn parse(text: &str) -> Result<Document<&str>, EditError> {
    Document::parse(text)
        .map_err(|e| EditError::Parse(located(text, e.span().map(|s| s.start), e.message())))
}

fn located(text: &str, offset: Option<usize>, message: &str) -> String {
    match offset {
        Some(offset) => {
            let (line, column) = line_col(text, offset);
            format!("{line}:{column}: {message}")
        }
        None => message.to_string(),
    }
}

fn unlocated(id: &str) -> EditError {
    EditError::Parse(format!(
        "internal error: cannot locate source {id:?} in the text"
    ))
}

fn sources<'d>(text: &str, doc: &'d Document<&str>) -> Result<Vec<Entry<'d>>, EditError> {
    let Some((key, item)) = doc.as_table().get_key_value("source") else {
        return Ok(Vec::new());
    };
    let Item::ArrayOfTables(array) = item else {
        let at = key.span().map(|s| s.start);
        return Err(EditError::Parse(located(
            text,
            at,
            "`source` must be written as [[source]] tables",
        )));
    };
    let mut out = Vec::with_capacity(array.len());
    for (n, table) in array.iter().enumerate() {
        let at = table.span().map(|s| s.start);
        let field = |name: &str| -> Result<String, EditError> {
            match table.get(name).and_then(Item::as_str) {
                Some(v) => Ok(v.to_string()),
                None => Err(EditError::Parse(located(
                    text,
                    at,
                    &format!("source #{} has no `{name}` string", n + 1),
                ))),
            }
        };
        out.push(Entry {
            id: field("id")?,
            url: field("url")?,
            table,
        });
    }
    Ok(out)
}

/// The header of a table written as `[name]` or `[[name]]`, if it has one
/// (implicit and dotted-key tables have none).
fn header_of(table: &Table) -> Option<Header> {
    if table.is_implicit() || table.is_dotted() {
        return None;
    }
    let header = table.span()?;
    let prefix = table.decor().prefix().and_then(|p| p.span());
    let region_start = prefix.map_or(header.start, |p| p.start.min(header.start));
    Some(Header {
        header,
        region_start,
    })
}

/// Every header below `table` (not `table`'s own), without recursion so a
/// deeply nested file cannot exhaust the stack.
fn collect_headers(table: &Table, out: &mut Vec<Header>) {
    let mut todo: Vec<&Table> = vec![table];
    while let Some(t) = todo.pop() {
        for (_, item) in t.iter() {
            match item {
                Item::Table(child) => {
                    out.extend(header_of(child));
                    todo.push(child);
                }
                Item::ArrayOfTables(array) => {
                    for child in array.iter() {
                        out.extend(header_of(child));
                        todo.push(child);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Every header of the document, in file order.
fn headers(doc: &Document<&str>) -> Vec<Header> {
    let mut all = Vec::new();
    collect_headers(doc.as_table(), &mut all);
    all.sort_by_key(|h| h.header.start);
    all
}

/// Where the region of the header at `header_start` ends: where the next
/// header's comments begin, or the document's trailing comments, or the end.
fn region_end(text: &str, doc: &Document<&str>, headers: &[Header], header_start: usize) -> usize {
    headers
        .iter()
        .filter(|h| h.header.start > header_start)
        .map(|h| h.region_start)
        .min()
        .or_else(|| doc.trailing().span().map(|s| s.start))
        .unwrap_or(text.len())
        .min(text.len())
}

/// The end of a table's region together with its sub-tables'.
fn subtree_end(text: &str, doc: &Document<&str>, headers: &[Header], table: &Table) -> usize {
    let mut own = Vec::new();
    own.extend(header_of(table));
    collect_headers(table, &mut own);
    own.iter()
        .map(|h| region_end(text, doc, headers, h.header.start))
        .max()
        .unwrap_or(text.len())
}

/// From `at` (the end of a table's keys), skip comment lines glued to the
/// table's last key when a blank line separates them from what follows: a
/// commented-out `# date_format = …` under a source belongs to it. Comments
/// that run on into the next header belong to that header instead.
fn skip_glued_comments(text: &str, at: usize, headers: &[Header]) -> usize {
    // The comments after `at` run up to the next header or the end.
    let limit = headers
        .iter()
        .filter(|h| h.region_start >= at)
        .map(|h| h.header.start)
        .min()
        .unwrap_or(text.len());
    let Some(gap) = text.get(at..limit) else {
        return at;
    };
    let mut pos = 0;
    let mut saw_comment = false;
    for line in gap.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('#') && line.ends_with('\n') {
            saw_comment = true;
            pos += line.len();
        } else if trimmed.is_empty() && line.ends_with('\n') {
            // A blank line after the glued comments: insert before it.
            return if saw_comment { at + pos } else { at };
        } else {
            return at;
        }
    }
    // Glued comments that end the file: the new table goes below them.
    if limit == text.len() {
        at + pos
    } else {
        at
    }
}

/// The start of a header's "directly attached" comment lines and the one
/// blank line just above them, within its decor prefix.
fn attached_start(text: &str, h: &Header) -> usize {
    let prefix_range = h.region_start..h.header.start;
    let Some(prefix) = text.get(prefix_range.clone()) else {
        return h.region_start;
    };
    // Start of the header's own line (indentation before `[` goes too).
    let mut start = match prefix.rfind('\n') {
        Some(i) => i + 1,
        None => 0,
    };
    let mut in_blanks = false;
    while start > 0 {
        // The complete line ending at `start - 1` ('\n').
        let line_start = prefix[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = prefix[line_start..start].trim();
        if line.is_empty() && !in_blanks {
            // One blank line: the gap add_source leaves above a table.
            in_blanks = true;
        } else if line.starts_with('#') && !in_blanks {
            // Still in the attached comment block.
        } else {
            break;
        }
        start = line_start;
    }
    h.region_start + start
}

/// Sort and merge overlapping or touching ranges.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Writing a new source.

fn check_new_source(s: &NewSource) -> Result<(), EditError> {
    check_id(&s.id).map_err(EditError::Invalid)?;
    crate::config::parse_source_url(&s.url).map_err(EditError::Invalid)?;
    if let Some(kind) = &s.kind {
        if !matches!(kind.as_str(), "auto" | "feed" | "html") {
            return Err(EditError::Invalid(format!(
                "bad kind {kind:?}: write \"auto\", \"feed\" or \"html\""
            )));
        }
    }
    Ok(())
}

/// A TOML basic string: `"`, `\` and control characters escaped, everything
/// else (Vietnamese included) as it is.
fn basic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render_source(s: &NewSource, nl: &str) -> String {
    let mut out = format!("[[source]]{nl}");
    let mut line = |key: &str, value: String| {
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(&value);
        out.push_str(nl);
    };
    line("id", basic_string(&s.id));
    line("name", basic_string(&s.name));
    line("url", basic_string(s.url.trim()));
    if let Some(kind) = &s.kind {
        line("kind", basic_string(kind));
    }
    if let Some(interval) = &s.interval {
        line("interval", basic_string(interval));
    }
    if let Some(timeout) = &s.timeout {
        line("timeout", basic_string(timeout));
    }
    if !s.topics.is_empty() {
        let list: Vec<String> = s.topics.iter().map(|t| basic_string(t)).collect();
        line("topics", format!("[{}]", list.join(", ")));
    }
    if s.intranet {
        line("intranet", "true".into());
    }
    if let Some(f) = s.follow {
        line("follow", f.to_string());
    }
    if !s.scrape.is_empty() {
        out.push_str(&format!("[source.scrape]{nl}"));
        for (k, v) in &s.scrape {
            out.push_str(&format!("{k} = {}{nl}", basic_string(v)));
        }
    }
    out
}

/// Why [`save`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The edited text does not load as a configuration.
    #[error("the edit would break the file: {0}")]
    Invalid(crate::config::ConfigError),
    #[error("cannot write next to the configuration: {0}")]
    Temp(std::io::Error),
    #[error("cannot replace the configuration: {0}")]
    Replace(std::io::Error),
}

/// Validate the edited text as a whole configuration, then replace the file
/// atomically (a temporary file renamed over the old one; one left by a
/// killed edit is removed by the next edit). Used by `tinkhac feeds` and the
/// web admin alike; a running daemon notices the change by itself.
pub fn save(path: &Path, text: &str) -> Result<Config, SaveError> {
    let cfg = Config::parse(text, path).map_err(SaveError::Invalid)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = temp_prefix(path);
    remove_stale_temps(dir, &prefix);
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(SaveError::Temp)?;
    tmp.write_all(text.as_bytes()).map_err(SaveError::Temp)?;
    tmp.as_file().sync_all().map_err(SaveError::Temp)?;
    tmp.persist(path).map_err(|e| SaveError::Replace(e.error))?;
    Ok(cfg)
}

/// A short digest of the file's text: what an edit form carries, so that a
/// save can tell the file changed since the form was shown.
pub fn version(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Temporary copies of `feeds.toml` are named `.feeds.toml.tinkhac-XXXXXX.tmp`,
/// so that one left by an edit that was killed before its rename is known
/// for what it is.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "feeds.toml".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}.tinkhac-")
}

/// A temporary copy older than this was left by a killed edit: edits take
/// milliseconds, and a younger one may be another edit's in progress.
const STALE_TEMP: Duration = Duration::from_secs(60);

/// Remove temporary copies of the configuration left by killed edits.
fn remove_stale_temps(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(prefix) && name.ends_with(".tmp")) {
            continue;
        }
        let age = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if age.is_some_and(|a| a > STALE_TEMP) {
            match std::fs::remove_file(e.path()) {
                Ok(()) => {
                    tracing::info!(file = %name, "removed a temporary file left by an interrupted edit")
                }
                Err(err) => {
                    tracing::warn!(file = %name, error = %err, "cannot remove a stale temporary file")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pausing_and_resuming_touch_one_line_of_the_source() {
        let text = "# Sở GD\n[[source]]\nid = \"a\"\nurl = \"https://a.vn/\"\n[source.scrape]\nitems = \"li\"\n\n# B\n[[source]]\nid = \"b\"\nurl = \"https://b.vn/\"\n# cuối\n";
        let paused = set_paused(text, "a", true).unwrap();
        assert_eq!(
            paused,
            text.replacen(
                "[[source]]\nid = \"a\"",
                "[[source]]\npaused = true\nid = \"a\"",
                1
            )
        );
        assert_eq!(
            set_paused(&paused, "a", true).unwrap(),
            paused,
            "already paused"
        );
        assert_eq!(
            set_paused(&paused, "a", false).unwrap(),
            text,
            "resumed: byte for byte"
        );
        assert_eq!(
            set_paused(text, "b", false).unwrap(),
            text,
            "already running"
        );
        // Written by hand, with a comment, or as false: the line is replaced or goes.
        let by_hand = text.replace("id = \"b\"\n", "id = \"b\"\n  paused = true   # đang sửa\n");
        assert_eq!(set_paused(&by_hand, "b", false).unwrap(), text);
        let as_false = text.replace("id = \"b\"\n", "id = \"b\"\npaused = false\n");
        assert!(set_paused(&as_false, "b", true)
            .unwrap()
            .contains("id = \"b\"\npaused = true\nurl"));
        assert!(matches!(set_paused(text, "c", true), Err(EditError::NotFound(id)) if id == "c"));
        let inline = text.replace("id = \"b\"\n", "id = \"b\"\npaused = true; x = 1\n");
        assert!(set_paused(&inline, "b", false).is_err());
    }

    /// The project's own feed list: comments, a commented-out example
    /// source, topics with long keyword arrays, `[telegram]`.
    const FEEDS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/feeds.toml"
    ));

    fn so_gddt() -> NewSource {
        NewSource {
            id: "so-gddt-moi".to_string(),
            name: "Sở Giáo dục và Đào tạo – \"Tin\" & <mới> \\ cũ".to_string(),
            url: "https://haiphong.edu.vn/tin-tuc".to_string(),
            interval: Some("30m".to_string()),
            topics: vec!["giao-duc".to_string()],
            kind: Some("html".to_string()),
            ..NewSource::default()
        }
    }

    const SO_GDDT_BLOCK: &str = "\n[[source]]\n\
        id = \"so-gddt-moi\"\n\
        name = \"Sở Giáo dục và Đào tạo – \\\"Tin\\\" & <mới> \\\\ cũ\"\n\
        url = \"https://haiphong.edu.vn/tin-tuc\"\n\
        kind = \"html\"\n\
        interval = \"30m\"\n\
        topics = [\"giao-duc\"]\n";

    /// `lines` of `small` appear in `big` in the same order.
    fn is_subsequence(small: &str, big: &str) -> bool {
        let mut big = big.lines();
        small.lines().all(|l| big.any(|b| b == l))
    }

    #[test]
    fn fixture_is_the_realistic_file() {
        let ids: Vec<String> = list_sources(FEEDS)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            ids,
            [
                "hp-tin-tuc-su-kien",
                "hp-chinh-sach",
                "hp-thu-tuc-hanh-chinh",
                "thuy-nguyen",
                "nam-sach"
            ]
        );
        assert!(FEEDS.contains("\n[[topic]]\n") && FEEDS.contains("\n[telegram]\n"));
    }

    #[test]
    fn add_keeps_every_line_in_order_and_lands_before_topics() {
        let out = add_source(FEEDS, &so_gddt()).unwrap();

        // Exactly one block inserted, every other byte identical.
        let at = out.find(SO_GDDT_BLOCK).expect("the block as rendered");
        assert_eq!(
            format!("{}{}", &out[..at], &out[at + SO_GDDT_BLOCK.len()..]),
            FEEDS
        );
        assert!(is_subsequence(FEEDS, &out));
        assert_eq!(out.lines().count(), FEEDS.lines().count() + 8);

        // Right after the last source, before the commented example, the
        // topics section and [[topic]].
        let nam_sach = out.find("id = \"nam-sach\"").unwrap();
        assert!(nam_sach < at);
        assert!(!out[nam_sach..at].contains('['), "nothing between");
        assert!(
            at < out
                .find("# An HTML source with explicit selectors")
                .unwrap()
        );
        assert!(at < out.find("[[topic]]").unwrap());
        assert!(at < out.find("\n[telegram]\n").unwrap());

        // Vietnamese as UTF-8, never \u escapes.
        assert!(out[at..].contains("Sở Giáo dục và Đào tạo"));
        assert!(!out.contains("\\u"));

        let listed = list_sources(&out).unwrap();
        assert_eq!(
            listed.last().unwrap(),
            &(
                "so-gddt-moi".to_string(),
                "https://haiphong.edu.vn/tin-tuc".to_string()
            )
        );
        let doc = Document::parse(out.as_str()).unwrap();
        let added = doc["source"].as_array_of_tables().unwrap().get(5).unwrap();
        assert_eq!(added["name"].as_str(), Some(so_gddt().name.as_str()));
        assert_eq!(
            added["topics"].as_array().unwrap().get(0).unwrap().as_str(),
            Some("giao-duc")
        );
    }

    #[test]
    fn optional_keys_are_left_out() {
        let s = NewSource {
            id: "x".into(),
            name: "X".into(),
            url: " https://x.vn/rss ".into(),
            ..NewSource::default()
        };
        let out = add_source("", &s).unwrap();
        assert_eq!(
            out,
            "[[source]]\nid = \"x\"\nname = \"X\"\nurl = \"https://x.vn/rss\"\n"
        );
    }

    /// A source's `follow` (from an OPML list's `tinkhac:follow`, say) is
    /// written as a key the loader reads back.
    #[test]
    fn a_follow_setting_is_written_and_loads() {
        let s = NewSource {
            id: "rss".into(),
            name: "Tin".into(),
            url: "https://x.vn/rss".into(),
            follow: Some(false),
            ..NewSource::default()
        };
        let out = add_source("", &s).unwrap();
        assert!(out.ends_with("follow = false\n"), "{out}");
        let c = crate::config::Config::parse(&out, std::path::Path::new("feeds.toml")).unwrap();
        assert_eq!(c.sources[0].follow, Some(false));
    }

    #[test]
    fn add_then_remove_gives_back_the_original() {
        let out = add_source(FEEDS, &so_gddt()).unwrap();
        assert_eq!(remove_source(&out, "so-gddt-moi").unwrap(), FEEDS);

        // Also with no source yet, with CRLF, and without a final newline.
        for text in [
            "",
            "[server]\nlisten = \"127.0.0.1:1\"\n\n# the end\n",
            "[server]\r\nlisten = \"127.0.0.1:1\"\r\n\r\n[[source]]\r\nid = \"a\"\r\nurl = \"http://a.vn/\"\r\n\r\n[[topic]]\r\nid = \"t\"\r\n",
            "[[source]]\nid = \"a\"\nurl = \"http://a.vn/\"\n# glued note about a\n\n# Topics\n[[topic]]\nid = \"t\"\n",
        ] {
            let out = add_source(text, &so_gddt()).unwrap();
            assert_eq!(remove_source(&out, "so-gddt-moi").unwrap(), text, "{text:?}");
        }
    }

    #[test]
    fn without_sources_the_table_is_appended_at_the_end() {
        let text = "[server]\ntitle = \"x\"\n\n[[topic]]\nid = \"t\"\n# last words\n";
        let out = add_source(text, &so_gddt()).unwrap();
        assert_eq!(out, format!("{text}{SO_GDDT_BLOCK}"));
        let no_newline = "[server]\ntitle = \"x\"";
        let out = add_source(no_newline, &so_gddt()).unwrap();
        assert_eq!(out, format!("{no_newline}\n{SO_GDDT_BLOCK}"));
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let text = "[[source]]\r\nid = \"a\"\r\nurl = \"http://a.vn/\"\r\n";
        let out = add_source(text, &so_gddt()).unwrap();
        assert!(out.starts_with(text));
        assert!(!out.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn new_table_goes_after_the_last_scrape_and_its_glued_comments() {
        let text = "[[source]]\nid = \"a\"\nurl = \"http://a.vn/\"\n\
                    [source.scrape]\nitems = \"li\"\n# date = \".d\"   (glued: belongs to a)\n\
                    \n# Topics\n[[topic]]\nid = \"t\"\n";
        let out = add_source(text, &so_gddt()).unwrap();
        let at = out.find(SO_GDDT_BLOCK).unwrap();
        assert_eq!(&out[..at], &text[..text.find("\n# Topics").unwrap()]);
        assert!(out[at..].ends_with("\n# Topics\n[[topic]]\nid = \"t\"\n"));

        // Comments that run straight into the next header belong to it.
        let text =
            "[[source]]\nid = \"a\"\nurl = \"http://a.vn/\"\n# Topics\n[[topic]]\nid = \"t\"\n";
        let out = add_source(text, &so_gddt()).unwrap();
        assert!(out.contains("topics = [\"giao-duc\"]\n# Topics\n[[topic]]"));
    }

    /// The realistic file plus a source with attached comments, a comment
    /// inside it and a `[source.scrape]`, between two other sources.
    fn with_scrape() -> (String, &'static str) {
        const BLOCK: &str = "\n# Sở GD&ĐT: the auto-detection misses its list.\n\
            # Checked by hand.\n\
            [[source]]\n\
            id = \"so-gddt\"\n\
            name = \"Sở Giáo dục và Đào tạo Hải Phòng\"\n\
            url = \"https://haiphong.edu.vn/tin-tuc\"\n\
            # every item of this source is education\n\
            topics = [\"giao-duc\"]\n\
            \n\
            [source.scrape]   # explicit selectors\n\
            items = \".tin-khac li\"               # one element per item\n\
            title = \"a\"\n\
            date_format = \"%d/%m/%Y\"\n";
        let anchor = "\n[[source]]\nid = \"nam-sach\"";
        let at = FEEDS.find(anchor).unwrap();
        (format!("{}{BLOCK}{}", &FEEDS[..at], &FEEDS[at..]), BLOCK)
    }

    #[test]
    fn remove_takes_the_scrape_table_and_attached_comments() {
        let (text, _) = with_scrape();
        assert_eq!(list_sources(&text).unwrap().len(), 6);
        assert_eq!(remove_source(&text, "so-gddt").unwrap(), FEEDS);
    }

    #[test]
    fn remove_keeps_section_comments_and_neighbours() {
        // Attached comment above thuy-nguyen goes with it.
        let block = "\n# District and ward portals share the scheme on subdomains.\n\
            [[source]]\nid = \"thuy-nguyen\"\nname = \"Cổng TTĐT Thủy Nguyên\"\n\
            url = \"https://thuynguyen.haiphong.gov.vn/\"\ninterval = \"30m\"\n";
        assert!(FEEDS.contains(block));
        assert_eq!(
            remove_source(FEEDS, "thuy-nguyen").unwrap(),
            FEEDS.replacen(block, "", 1)
        );

        // The section introduction above the first source, separated by a
        // blank line, stays.
        let block = "\n[[source]]\nid = \"hp-tin-tuc-su-kien\"\n\
            name = \"Cổng TTĐT Hải Phòng – Tin tức sự kiện\"\n\
            url = \"https://haiphong.gov.vn/tin-tuc-su-kien\"\ninterval = \"10m\"\n";
        assert!(FEEDS.contains(block));
        let out = remove_source(FEEDS, "hp-tin-tuc-su-kien").unwrap();
        assert_eq!(out, FEEDS.replacen(block, "", 1));
        assert!(out.contains("portal redesign.\n\n[[source]]\nid = \"hp-chinh-sach\""));

        // The last source: the commented example and [[topic]] stay.
        let out = remove_source(FEEDS, "nam-sach").unwrap();
        assert!(out.contains("interval = \"30m\"\n\n# An HTML source with explicit"));
        assert_eq!(list_sources(&out).unwrap().len(), 4);
    }

    #[test]
    fn remove_of_an_unknown_id_is_not_found() {
        assert!(matches!(
            remove_source(FEEDS, "so-gddt"),
            Err(EditError::NotFound(id)) if id == "so-gddt"
        ));
    }

    #[test]
    fn duplicates_are_refused() {
        let mut s = so_gddt();
        s.id = "hp-chinh-sach".into();
        assert!(matches!(
            add_source(FEEDS, &s),
            Err(EditError::DuplicateId(id)) if id == "hp-chinh-sach"
        ));

        for url in [
            "HTTPS://ThuyNguyen.HaiPhong.GOV.vn",
            " https://thuynguyen.haiphong.gov.vn/ ",
            "https://thuynguyen.haiphong.gov.vn:443",
        ] {
            let s = NewSource {
                url: url.into(),
                ..so_gddt()
            };
            match add_source(FEEDS, &s) {
                Err(EditError::DuplicateUrl { url: u, id }) => {
                    assert_eq!((u.as_str(), id.as_str()), (url, "thuy-nguyen"));
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        let s = NewSource {
            url: "https://haiphong.gov.vn/chinh-sach-76759/".into(),
            ..so_gddt()
        };
        assert!(matches!(
            add_source(FEEDS, &s),
            Err(EditError::DuplicateUrl { id, .. }) if id == "hp-chinh-sach"
        ));
        // The path is not case-folded: it is a different page.
        let s = NewSource {
            url: "https://haiphong.gov.vn/Chinh-Sach-76759".into(),
            ..so_gddt()
        };
        assert!(add_source(FEEDS, &s).is_ok());
    }

    #[test]
    fn unusable_new_sources_are_refused() {
        for (id, url, kind) in [
            ("Bad Id", "https://x.vn/", None),
            ("", "https://x.vn/", None),
            ("ok", "ftp://x.vn/", None),
            ("ok", "not a url", None),
            ("ok", "https://x.vn/", Some("rss")),
        ] {
            let s = NewSource {
                id: id.into(),
                url: url.into(),
                kind: kind.map(Into::into),
                ..NewSource::default()
            };
            assert!(
                matches!(add_source(FEEDS, &s), Err(EditError::Invalid(_))),
                "{id} {url}"
            );
        }
    }

    #[test]
    fn parse_errors_name_the_line_and_column() {
        let text = "[server]\ntitle = \"x\"\nlisten = \n";
        let err = list_sources(text).unwrap_err();
        let EditError::Parse(message) = &err else {
            panic!("{err:?}")
        };
        assert!(message.starts_with("3:"), "{message}");
        assert!(add_source(text, &so_gddt()).is_err());
        assert!(remove_source(text, "a").is_err());

        let broken = FEEDS.replacen("interval = \"1h\"", "interval = \"1h", 1);
        let line = FEEDS[..FEEDS.find("interval = \"1h\"").unwrap()]
            .lines()
            .count()
            + 1;
        let err = add_source(&broken, &so_gddt()).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{line}:")), "{err}");
    }

    #[test]
    fn odd_structures_are_errors_not_panics() {
        for text in [
            "source = 3\n",
            "source = [{ id = \"a\", url = \"http://a.vn/\" }]\n",
            "[source]\nid = \"a\"\n",
            "[[source]]\nurl = \"http://a.vn/\"\n",
            "[[source]]\nid = 1\nurl = \"http://a.vn/\"\n",
        ] {
            let err = list_sources(text).unwrap_err().to_string();
            assert!(err.starts_with("1:"), "{text:?}: {err}");
            assert!(add_source(text, &so_gddt()).is_err());
            assert!(remove_source(text, "a").is_err());
        }
    }

    #[test]
    fn truncated_files_never_panic() {
        let (text, _) = with_scrape();
        let cuts: Vec<usize> = (0..=text.len())
            .step_by(17)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for i in cuts {
            let cut = &text[..i];
            let _ = list_sources(cut);
            if let Ok(out) = add_source(cut, &so_gddt()) {
                assert!(out.starts_with(&cut[..cut.len().min(10)]));
                // A missing final newline is the one byte add_source adds
                // to the admin's text.
                let back = remove_source(&out, "so-gddt-moi").unwrap();
                let newline_added = !cut.is_empty() && !cut.ends_with('\n');
                assert!(
                    back == cut || (newline_added && back == format!("{cut}\n")),
                    "{cut:?}"
                );
            }
            if let Ok(out) = remove_source(cut, "so-gddt") {
                assert!(list_sources(&out).is_ok());
            }
        }
    }

    #[test]
    fn slug_folds_vietnamese() {
        assert_eq!(
            slug_id("Cổng TTĐT Hải Phòng – Chính sách", &[]),
            "cong-ttdt-hai-phong-chinh-sach"
        );
        let nfd: String = "Sở Giáo dục và Đào tạo".nfd().collect();
        assert_eq!(slug_id(&nfd, &[]), "so-giao-duc-va-dao-tao");
        assert_eq!(
            slug_id("Sở Giáo dục và Đào tạo", &[]),
            "so-giao-duc-va-dao-tao"
        );
        assert_eq!(
            slug_id("  Hòa bình / hoà bình!! ", &[]),
            "hoa-binh-hoa-binh"
        );
        assert_eq!(slug_id("ÐẠI HỌC (Ð lookalike)", &[]), "dai-hoc-d-lookalike");
    }

    #[test]
    fn slug_from_urls() {
        assert_eq!(
            slug_id("https://www.haiphong.gov.vn/tin-tuc-su-kien/", &[]),
            "haiphong-gov-vn-tin-tuc-su-kien"
        );
        assert_eq!(
            slug_id("https://thuynguyen.haiphong.gov.vn/", &[]),
            "thuynguyen-haiphong-gov-vn"
        );
        assert_eq!(slug_id("https://a.vn/tin-t%E1%BB%A9c", &[]), "a-vn-tin-tuc");
    }

    #[test]
    fn slug_is_unique_bounded_and_valid() {
        let taken: Vec<String> = ["a-b", "a-b-2", "a-b-3"].map(String::from).to_vec();
        assert_eq!(slug_id("A b", &taken), "a-b-4");
        assert_eq!(slug_id("A b", &taken[..1]), "a-b-2");

        let long = "Ủy ban nhân dân thành phố Hải Phòng thông báo về việc tuyển sinh";
        let s = slug_id(long, &[]);
        assert_eq!(s, "uy-ban-nhan-dan-thanh-pho-hai-phong");
        let s = slug_id(&"x".repeat(100), &[]);
        assert_eq!(s.len(), 40);

        for odd in ["", "   ", "!!!", "中文标题", "–", "\u{301}\u{301}"] {
            assert_eq!(slug_id(odd, &[]), "source", "{odd:?}");
        }
        let mut taken = Vec::new();
        for name in ["Tin tức", "Tin tức", "tin-tuc", "TIN TỨC", long, long] {
            let id = slug_id(name, &taken);
            assert!(id.len() <= 64 && !id.is_empty());
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert!(!id.starts_with('-') && !id.ends_with('-') && !id.contains("--"));
            assert!(!taken.contains(&id));
            taken.push(id);
        }
        assert_eq!(
            taken[..4],
            ["tin-tuc", "tin-tuc-2", "tin-tuc-3", "tin-tuc-4"]
        );
    }

    #[test]
    fn slug_ids_are_accepted_by_add_source() {
        let taken: Vec<String> = list_sources(FEEDS)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let id = slug_id("Cổng TTĐT Hải Phòng – Chính sách", &taken);
        let s = NewSource {
            id: id.clone(),
            url: "https://haiphong.gov.vn/chinh-sach-moi".into(),
            ..NewSource::default()
        };
        let out = add_source(FEEDS, &s).unwrap();
        assert!(list_sources(&out).unwrap().iter().any(|(i, _)| *i == id));
    }
}

//! Changing one `[[source]]` in place: its name, interval, topics, `follow`
//! and `[source.scrape]` rules, as the web admin's «Sửa» form sets them.
//!
//! Unlike adding and removing, this goes through toml_edit's mutable
//! document: it renders every table, key, comment and blank line it parsed
//! exactly as they were written, and only the keys set here are rendered
//! anew. A key whose value would not change is not touched at all, so its
//! formatting and trailing comment stay; a changed value keeps the comment
//! written after it. Keys this form does not know (`kind`, `timeout`,
//! `paused`, `intranet`…) stay as they are.

use toml_edit::{Array, DocumentMut, Item, Table, Value};

use super::EditError;
use crate::config::parse_duration;

/// The keys of `[source.scrape]`, in the order the config documents them.
pub const SCRAPE_KEYS: [&str; 6] = ["items", "title", "link", "date", "summary", "date_format"];

/// What a source's editable keys are, as written (or to be written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceEdit {
    /// Empty: no `name` key (the id is shown).
    pub name: String,
    /// None: no `interval` key (`[fetch] interval` applies).
    pub interval: Option<String>,
    /// Ids of `[[topic]]` tables; empty: no `topics` key.
    pub topics: Vec<String>,
    /// None: no `follow` key (the default by kind).
    pub follow: Option<bool>,
    /// `[source.scrape]` keys with a value, in [`SCRAPE_KEYS`] order; empty:
    /// no `[source.scrape]` (auto-detection).
    pub scrape: Vec<(String, String)>,
}

/// The editable keys of the source `id` as `text` writes them.
pub fn source_fields(text: &str, id: &str) -> Result<SourceEdit, EditError> {
    let doc = parse_mut(text)?;
    let t = source_table(&doc, id)?;
    let string = |t: &Table, k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
    let scrape = match t.get("scrape").and_then(Item::as_table_like) {
        Some(s) => SCRAPE_KEYS
            .iter()
            .filter_map(|k| {
                s.get(k)
                    .and_then(Item::as_str)
                    .map(|v| (k.to_string(), v.to_string()))
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(SourceEdit {
        name: string(t, "name").unwrap_or_default(),
        interval: string(t, "interval"),
        topics: t
            .get("topics")
            .and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        follow: t.get("follow").and_then(Item::as_bool),
        scrape,
    })
}

/// Set the editable keys of the source `id` to `new`; returns the edited
/// text and the names of the keys that changed (`scrape` for any change of
/// `[source.scrape]`), in form order. Keys that keep their value are left as
/// written; a `[source.scrape]` without rules is taken out (auto-detection).
///
/// Refuses an interval that is not a duration, a scrape block without
/// `items`, and a scrape key it does not know, before touching anything. The
/// caller still loads the result as a whole (`save`), which checks the
/// rest: topic ids, selectors, date formats.
pub fn edit_source(
    text: &str,
    id: &str,
    new: &SourceEdit,
) -> Result<(String, Vec<&'static str>), EditError> {
    if let Some(i) = &new.interval {
        parse_duration(i).map_err(|e| EditError::Invalid(format!("source {id:?}: {e}")))?;
    }
    if let Some((k, _)) = new
        .scrape
        .iter()
        .find(|(k, _)| !SCRAPE_KEYS.contains(&k.as_str()))
    {
        return Err(EditError::Invalid(format!(
            "unknown [source.scrape] key {k:?}: use {}",
            SCRAPE_KEYS.join(", ")
        )));
    }
    if !new.scrape.is_empty() && !new.scrape.iter().any(|(k, _)| k == "items") {
        return Err(EditError::Invalid(format!(
            "source {id:?}: [source.scrape] needs `items`, the selector of one element per item \
             (leave every rule empty for auto-detection)"
        )));
    }
    let old = source_fields(text, id)?;
    let mut doc = parse_mut(text)?;
    let t = source_table_mut(&mut doc, id)?;
    let mut changed = Vec::new();

    if old.name != new.name {
        set_string(t, "name", Some(new.name.as_str()).filter(|n| !n.is_empty()));
        changed.push("name");
    }
    if old.interval != new.interval {
        set_string(t, "interval", new.interval.as_deref());
        changed.push("interval");
    }
    let as_set = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    };
    if as_set(&old.topics) != as_set(&new.topics) {
        if new.topics.is_empty() {
            t.remove("topics");
        } else {
            let list: Array = new.topics.iter().map(String::as_str).collect();
            set_value(t, "topics", Value::Array(list));
        }
        changed.push("topics");
    }
    if old.follow != new.follow {
        match new.follow {
            Some(f) => set_value(t, "follow", Value::from(f)),
            None => {
                t.remove("follow");
            }
        }
        changed.push("follow");
    }
    if old.scrape != new.scrape {
        set_scrape(t, &new.scrape);
        changed.push("scrape");
    }
    if changed.is_empty() {
        return Ok((text.to_string(), changed));
    }
    let mut out = doc.to_string();
    // toml_edit writes new lines with `\n`: a file of `\r\n` lines keeps
    // them.
    let crlf = text.contains("\r\n") && !text.replace("\r\n", "").contains('\n');
    if crlf {
        out = out.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    // The result must parse and still list the source with what was set.
    let back = source_fields(&out, id)?;
    let same = back.name == new.name
        && back.interval == new.interval
        && as_set(&back.topics) == as_set(&new.topics)
        && back.follow == new.follow
        && back.scrape == new.scrape;
    if !same {
        return Err(EditError::Parse(format!(
            "internal error: editing source {id:?} did not give the values asked for"
        )));
    }
    Ok((out, changed))
}

fn parse_mut(text: &str) -> Result<DocumentMut, EditError> {
    // The spanned parse reports errors with their line and column, and the
    // structure checks (`source` an array of tables with ids).
    super::list_sources(text)?;
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Parse(e.message().to_string()))
}

fn source_table<'d>(doc: &'d DocumentMut, id: &str) -> Result<&'d Table, EditError> {
    doc.get("source")
        .and_then(Item::as_array_of_tables)
        .and_then(|a| {
            a.iter()
                .find(|t| t.get("id").and_then(Item::as_str) == Some(id))
        })
        .ok_or_else(|| EditError::NotFound(id.to_string()))
}

fn source_table_mut<'d>(doc: &'d mut DocumentMut, id: &str) -> Result<&'d mut Table, EditError> {
    doc.get_mut("source")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|a| {
            a.iter_mut()
                .find(|t| t.get("id").and_then(Item::as_str) == Some(id))
        })
        .ok_or_else(|| EditError::NotFound(id.to_string()))
}

/// Set `key` to `value`, keeping the spacing and the comment written around
/// the old value; a new key goes after the table's last key.
fn set_value(t: &mut Table, key: &str, mut value: Value) {
    match t.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *value.decor_mut() = decor;
            *old = value;
        }
        None => {
            t.insert(key, Item::Value(value));
        }
    }
}

/// Set a string key, or take it out for None.
fn set_string(t: &mut Table, key: &str, value: Option<&str>) {
    match value {
        Some(v) => set_value(t, key, Value::from(v)),
        None => {
            t.remove(key);
        }
    }
}

/// Write `[source.scrape]` with these rules: an existing table keeps its
/// header, comments and the rules that stay; none is taken out.
fn set_scrape(t: &mut Table, rules: &[(String, String)]) {
    if rules.is_empty() {
        t.remove("scrape");
        return;
    }
    if !t.get("scrape").is_some_and(Item::is_table) {
        // Rendered right after its source's keys (a table without a
        // position follows the one it is nested in).
        t.insert("scrape", Item::Table(Table::new()));
    }
    let Some(s) = t.get_mut("scrape").and_then(Item::as_table_mut) else {
        return;
    };
    for k in SCRAPE_KEYS {
        let wanted = rules.iter().find(|(r, _)| r == k).map(|(_, v)| v);
        let now = s.get(k).and_then(Item::as_str);
        match wanted {
            Some(v) if now != Some(v.as_str()) => set_value(s, k, Value::from(v.as_str())),
            Some(_) => {}
            None => {
                s.remove(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# Sở GD&ĐT: hỏi chị Lan trước khi đổi.\n\
        [[source]]\n\
        id = \"so-gddt\"\n\
        name = \"Sở GD\"   # tên ngắn\n\
        url = \"https://so.example.vn/tin\"\n\
        interval = \"10m\"  # portal chậm\n\
        kind = \"html\"\n\
        \n\
        # Huyện: trang chính.\n\
        [[source]]\n\
        id = \"huyen\"\n\
        url = \"https://huyen.example.vn/\"\n\
        [source.scrape]   # chọn tay\n\
        items = \".tin li\"  # một phần tử mỗi tin\n\
        title = \"a\"\n\
        \n\
        # --- chủ đề ---\n\
        [[topic]]\nid = \"giao-duc\"\nname = \"Giáo dục\"\nkeywords = [\"trường\"]\n";

    fn fields(id: &str) -> SourceEdit {
        source_fields(TEXT, id).unwrap()
    }

    #[test]
    fn fields_are_read_as_written() {
        let f = fields("so-gddt");
        assert_eq!(f.name, "Sở GD");
        assert_eq!(f.interval.as_deref(), Some("10m"));
        assert!(f.topics.is_empty() && f.follow.is_none() && f.scrape.is_empty());
        let h = fields("huyen");
        assert_eq!(
            h.scrape,
            [
                ("items".into(), ".tin li".into()),
                ("title".into(), "a".into())
            ]
        );
        assert!(matches!(
            source_fields(TEXT, "x"),
            Err(EditError::NotFound(_))
        ));
    }

    #[test]
    fn nothing_asked_changes_nothing() {
        for id in ["so-gddt", "huyen"] {
            let (out, changed) = edit_source(TEXT, id, &fields(id)).unwrap();
            assert_eq!(out, TEXT);
            assert!(changed.is_empty());
        }
    }

    #[test]
    fn only_the_changed_keys_are_touched_and_comments_stay() {
        let new = SourceEdit {
            interval: Some("30m".into()),
            topics: vec!["giao-duc".into()],
            ..fields("so-gddt")
        };
        let (out, changed) = edit_source(TEXT, "so-gddt", &new).unwrap();
        assert_eq!(changed, ["interval", "topics"]);
        let want = TEXT
            .replace(
                "interval = \"10m\"  # portal chậm",
                "interval = \"30m\"  # portal chậm",
            )
            .replace(
                "kind = \"html\"\n",
                "kind = \"html\"\ntopics = [\"giao-duc\"]\n",
            );
        assert_eq!(out, want);
        let c = crate::config::Config::parse(&out, std::path::Path::new("feeds.toml")).unwrap();
        let s = c.source("so-gddt").unwrap();
        assert_eq!(s.interval, std::time::Duration::from_secs(1800));
        assert_eq!(s.topics, ["giao-duc"]);

        // The same set of topics in another order is no change.
        let (again, changed) = edit_source(&out, "so-gddt", &new).unwrap();
        assert_eq!((again.as_str(), changed.len()), (out.as_str(), 0));

        // Back to the defaults: the keys go, the rest stays.
        let new = SourceEdit {
            name: String::new(),
            interval: None,
            topics: Vec::new(),
            follow: Some(false),
            scrape: Vec::new(),
        };
        let (out, changed) = edit_source(&out, "so-gddt", &new).unwrap();
        assert_eq!(changed, ["name", "interval", "topics", "follow"]);
        assert!(
            !out.contains("interval") && !out.contains("Sở GD\""),
            "{out}"
        );
        assert!(out.contains("kind = \"html\"\nfollow = false\n"), "{out}");
        assert!(out.starts_with("# Sở GD&ĐT: hỏi chị Lan trước khi đổi.\n[[source]]\n"));
        assert!(out.contains("# Huyện: trang chính.\n[[source]]\nid = \"huyen\""));
    }

    #[test]
    fn a_file_of_crlf_lines_keeps_them() {
        let text = TEXT.replace('\n', "\r\n");
        let new = SourceEdit {
            interval: Some("1h".into()),
            topics: vec!["giao-duc".into()],
            ..source_fields(&text, "so-gddt").unwrap()
        };
        let (out, _) = edit_source(&text, "so-gddt", &new).unwrap();
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
        assert!(
            out.contains("kind = \"html\"\r\ntopics = [\"giao-duc\"]\r\n"),
            "{out:?}"
        );
    }

    #[test]
    fn a_bad_interval_is_refused_with_what_to_write() {
        let new = SourceEdit {
            interval: Some("nửa giờ".into()),
            ..fields("so-gddt")
        };
        let err = edit_source(TEXT, "so-gddt", &new).unwrap_err();
        assert!(matches!(err, EditError::Invalid(_)));
        let msg = err.to_string();
        assert!(msg.contains("nửa giờ") && msg.contains("\"15m\""), "{msg}");
    }

    #[test]
    fn scrape_rules_are_added_changed_and_removed() {
        // Added to a source without them: under its keys, after a blank line.
        let rules = vec![
            ("items".to_string(), "#ds > div".to_string()),
            ("title".to_string(), "h3 > a".to_string()),
            ("date_format".to_string(), "%d/%m/%Y".to_string()),
        ];
        let new = SourceEdit {
            scrape: rules.clone(),
            ..fields("so-gddt")
        };
        let (out, changed) = edit_source(TEXT, "so-gddt", &new).unwrap();
        assert_eq!(changed, ["scrape"]);
        assert_eq!(
            out,
            TEXT.replace(
                "kind = \"html\"\n",
                "kind = \"html\"\n\n[source.scrape]\nitems = \"#ds > div\"\ntitle = \"h3 > a\"\n\
                 date_format = \"%d/%m/%Y\"\n"
            )
        );
        let c = crate::config::Config::parse(&out, std::path::Path::new("feeds.toml")).unwrap();
        assert_eq!(
            c.source("so-gddt")
                .unwrap()
                .scrape
                .as_ref()
                .unwrap()
                .items
                .0,
            "#ds > div"
        );
        assert!(c.source("huyen").unwrap().scrape.is_some());

        // Changed in place: header and comments stay.
        let new = SourceEdit {
            scrape: vec![
                ("items".into(), ".tin li".into()),
                ("date".into(), "span".into()),
            ],
            ..fields("huyen")
        };
        let (out, _) = edit_source(TEXT, "huyen", &new).unwrap();
        assert!(
            out.contains("[source.scrape]   # chọn tay\nitems = \".tin li\"  # một phần tử mỗi tin\ndate = \"span\"\n"),
            "{out}"
        );

        // Removed: auto-detection again.
        let new = SourceEdit {
            scrape: Vec::new(),
            ..fields("huyen")
        };
        let (out, changed) = edit_source(TEXT, "huyen", &new).unwrap();
        assert_eq!(changed, ["scrape"]);
        assert!(
            !out.contains("[source.scrape]") && !out.contains(".tin li"),
            "{out}"
        );
        assert!(
            out.contains("url = \"https://huyen.example.vn/\"\n\n# --- chủ đề ---\n[[topic]]"),
            "{out}"
        );

        // Rules without `items` are refused.
        let new = SourceEdit {
            scrape: vec![("title".into(), "a".into())],
            ..fields("huyen")
        };
        let err = edit_source(TEXT, "huyen", &new).unwrap_err().to_string();
        assert!(err.contains("items"), "{err}");
    }
}

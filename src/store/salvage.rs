//! Salvage: every item record that can still be read from a store's files,
//! without sled. sled keeps values as written in its log segments and blob
//! files, so an item's JSON survives damage that makes sled refuse the
//! store, or silently stop reading its log at the first bad segment.
//!
//! This reads files only; it never writes to the store.

use std::collections::HashMap;
use std::path::Path;

use crate::item::Item;

/// What a scan of the store's files found.
#[derive(Debug, Default)]
pub struct Salvage {
    /// One record per item id: the version listing the most sources (a
    /// later write of the same item only ever adds sources).
    pub items: Vec<Item>,
    /// Files read, and their bytes.
    pub files: usize,
    pub bytes: u64,
}

/// Scan every file under the store's folder for item records.
pub fn scan(path: &Path) -> std::io::Result<Salvage> {
    let mut found: HashMap<String, Item> = HashMap::new();
    let mut out = Salvage::default();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let p = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p)?;
            out.files += 1;
            out.bytes += bytes.len() as u64;
            for item in records(&bytes) {
                match found.get(&item.id) {
                    Some(known) if known.sources.len() > item.sources.len() => {}
                    _ => {
                        found.insert(item.id.clone(), item);
                    }
                }
            }
        }
    }
    out.items = found.into_values().collect();
    out.items
        .sort_by(|a, b| (a.published, &a.id).cmp(&(b.published, &b.id)));
    Ok(out)
}

/// Every item record in `bytes`: a JSON object that starts where an item's
/// serialisation starts and decodes whole.
fn records(bytes: &[u8]) -> impl Iterator<Item = Item> + '_ {
    const START: &[u8] = b"{\"id\":\"";
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(i) = find(&bytes[at..], START) {
            let start = at + i;
            at = start + 1;
            let mut stream =
                serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<Item>();
            if let Some(Ok(item)) = stream.next() {
                at = start + stream.byte_offset();
                return Some(item);
            }
        }
        None
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_garbage_around_and_between_them() {
        let item = |n: usize, sources: &[&str]| Item {
            id: format!("https://x.vn/{n}"),
            title: format!("Tin {n}"),
            link: Some(format!("https://x.vn/{n}")),
            guid: None,
            summary: None,
            published: chrono::DateTime::parse_from_rfc3339("2025-12-23T08:00:00+07:00").unwrap(),
            date_estimated: false,
            first_seen: chrono::Utc::now(),
            sources: sources.iter().map(|s| s.to_string()).collect(),
            topics: vec![],
            article: None,
        };
        let mut file = b"\x00\x07garbage{\"id\":\"broken".to_vec();
        file.extend(serde_json::to_vec(&item(1, &["a"])).unwrap());
        file.extend(b"\xff\xfe\x00");
        file.extend(serde_json::to_vec(&item(2, &["a"])).unwrap());
        file.extend(serde_json::to_vec(&item(1, &["a", "b"])).unwrap());
        let cut = serde_json::to_vec(&item(3, &["a"])).unwrap();
        file.extend(&cut[..cut.len() / 2]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("blobs")).unwrap();
        std::fs::write(dir.path().join("db"), &file).unwrap();
        std::fs::write(
            dir.path().join("blobs").join("7"),
            serde_json::to_vec(&item(4, &["c"])).unwrap(),
        )
        .unwrap();
        let s = scan(dir.path()).unwrap();
        let ids: Vec<&str> = s.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["https://x.vn/1", "https://x.vn/2", "https://x.vn/4"]);
        assert_eq!(s.items[0].sources, ["a", "b"], "the fullest version wins");
        assert_eq!(s.files, 2);
    }
}

//! Replays the committed fuzz corpus (`fuzz/corpus/`) through the very checks
//! the fuzz targets run: a cheap fuzz smoke test in every `cargo test`, so an
//! input that once found a bug, or widened coverage, keeps passing.

use std::path::Path;

#[path = "../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", path.display());
        inputs += 1;
    }
    assert!(inputs >= 10, "{target}: only {inputs} corpus inputs");
}

#[test]
fn date_corpus() {
    replay("date", checks::date);
}

#[test]
fn extract_html_corpus() {
    replay("extract_html", checks::extract_html);
}

#[test]
fn feed_corpus() {
    replay("feed", checks::feed);
}

#[test]
fn message_corpus() {
    replay("message", checks::message);
}

//! The shipped `giao-duc` rules, as an admin's daemon loads them from
//! `feeds.toml`, on the labelled headline set.

use std::path::Path;

use tinkhac::config::Config;
use tinkhac::daemon::classifier_for;

fn shipped() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml")).unwrap()
}

#[test]
fn shipped_rules_reach_095_precision_and_recall_on_the_labelled_set() {
    let cfg = shipped();
    let classifier = classifier_for(&cfg).unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/headlines.tsv"),
    )
    .unwrap();
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    let mut wrong = Vec::new();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (label, headline) = line.split_once('\t').expect("label<TAB>headline");
        let want = label == "1";
        let got = classifier
            .classify(headline, None)
            .iter()
            .any(|t| t == "giao-duc");
        n += 1;
        match (want, got) {
            (true, true) => tp += 1.0,
            (false, true) => {
                fp += 1.0;
                wrong.push(format!("false match: {headline}"));
            }
            (true, false) => {
                fn_ += 1.0;
                wrong.push(format!("missed: {headline}"));
            }
            _ => {}
        }
    }
    assert!(n >= 150, "the set has {n} headlines");
    let precision = tp / (tp + fp);
    let recall = tp / (tp + fn_);
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3}\n{}",
        wrong.join("\n")
    );
}

#[test]
fn classify_command_prints_topics_tab_line() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["classify", "--explain"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            "Hải Phòng công bố điểm chuẩn vào lớp 10 THPT\nGiá cả thị trường ổn định dịp Tết\n"
                .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        lines,
        [
            "giao-duc\tHải Phòng công bố điểm chuẩn vào lớp 10 THPT",
            "\tGiá cả thị trường ổn định dịp Tết"
        ]
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("  ") && l.contains("điểm chuẩn")),
        "--explain names the keyword: {text}"
    );
}

#[test]
fn classify_eval_prints_precision_recall_and_every_disagreement() {
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["classify", "--eval", "tests/data/eval.tsv"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "7 items (1 with a summary)", "{text}");
    // Labelled and matched: lines 3, 4, 6 (by its teaser); matched only: line 8; labelled
    // only: line 9.
    assert_eq!(
        lines[1],
        "giao-duc: precision 0.750, recall 0.750, F1 0.750 \
         (matched and labelled 3, matched only 1, labelled only 1)",
        "{text}"
    );
    assert!(
        text.contains(
            "false match, line 8: Bộ sách giáo khoa dùng chung từ năm sau\n    giao-duc: match"
        ),
        "{text}"
    );
    assert!(
        text.contains("missed, line 9: Nghề gì được công nhận là di sản?\n    giao-duc: no match"),
        "{text}"
    );
    // Titles alone: the teaser no longer decides line 6.
    let text = run(&["--title-only"]);
    assert!(
        text.contains("(matched and labelled 2, matched only 1, labelled only 2)"),
        "{text}"
    );
    assert!(
        text.contains("missed, line 6: Chuyện ở vùng lũ\n"),
        "{text}"
    );
}

#[test]
fn classify_eval_refuses_a_label_that_names_no_topic() {
    let dir = std::env::temp_dir().join(format!("tinkhac-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.tsv");
    std::fs::write(&file, "giao-duc\tHọc sinh\ngiaoduc\tGiáo viên\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["classify", "--eval"])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2: label \"giaoduc\""), "{err}");
}

//! Official document numbers ("số ký hiệu văn bản") in free text and file
//! names: `Kế hoạch số 211/KH-UBND`, `211-KH-UBND.pdf`, `Quyết định số
//! 489/QĐ-TTg`, `Thông tư 29/2024/TT-BGDĐT`, `Kết luận số 49-KL/TW`,
//! `Công văn 1234/SGDĐT-GDTrH`, `Nghị quyết 15/2023/NQ-HĐND`.
//!
//! It owns one rule: how a number is written, and which written forms are
//! the same document. Every form of one document gets one [`DocNumber::key`]
//! (NFC, `Đ`/`Ð`/`D` folded, case and spacing ignored, slashes and hyphens
//! alike), so items that cite it in prose and attach it as a file name meet.
//! Pure: text in, numbers out.

use std::sync::LazyLock;

use regex::Regex;

/// One document number found, with its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber {
    /// "Kế hoạch", "Quyết định", … or "Văn bản" when neither the words
    /// before it nor its symbol say.
    pub kind: String,
    /// The number as it is usually written: `211/KH-UBND`, `49-KL/TW`,
    /// `29/2024/TT-BGDĐT`.
    pub number: String,
    /// The identity of the document across items and spellings:
    /// `211-KH-UBND`, `49-KL-TW`, `29-2024-TT-BGDDT`.
    pub key: String,
}

impl DocNumber {
    /// "Kế hoạch 211/KH-UBND", as a reader names it.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind, self.number)
    }
}

/// Symbols of the kinds of document, and their names (Decree 30/2020/NĐ-CP,
/// appendix III, and the Party's own forms).
const KINDS: &[(&str, &str)] = &[
    ("KH", "Kế hoạch"),
    ("QĐ", "Quyết định"),
    ("TT", "Thông tư"),
    ("TTLT", "Thông tư liên tịch"),
    ("KL", "Kết luận"),
    ("CT", "Chỉ thị"),
    ("NĐ", "Nghị định"),
    ("NQ", "Nghị quyết"),
    ("CV", "Công văn"),
    ("TB", "Thông báo"),
    ("HD", "Hướng dẫn"),
    ("BC", "Báo cáo"),
    ("TTR", "Tờ trình"),
    ("CĐ", "Công điện"),
    ("QC", "Quy chế"),
    ("QY", "Quy định"),
    ("QĐI", "Quy định"),
    ("CTR", "Chương trình"),
    ("PA", "Phương án"),
    ("ĐA", "Đề án"),
    ("GM", "Giấy mời"),
    ("L", "Luật"),
];

/// The words that name a kind in prose, longest first so that "Thông tư
/// liên tịch" wins over "Thông tư".
const KIND_WORDS: &[&str] = &[
    "Thông tư liên tịch",
    "Kế hoạch",
    "Quyết định",
    "Thông tư",
    "Kết luận",
    "Chỉ thị",
    "Công văn",
    "Nghị định",
    "Nghị quyết",
    "Thông báo",
    "Hướng dẫn",
    "Báo cáo",
    "Tờ trình",
    "Công điện",
    "Quy chế",
    "Quy định",
    "Chương trình",
    "Phương án",
    "Đề án",
    "Giấy mời",
    "Luật",
    "Văn bản",
];

/// Party organs: their documents are written `49-KL/TW` (number, kind,
/// then the organ after the slash), the State's `211/KH-UBND`.
const PARTY_ORGANS: &[&str] = &["TW", "TƯ", "TU", "HU", "QU", "ĐU", "TXU", "BCSĐ"];

/// A number, an optional year, then two to four symbol tokens joined by
/// slashes or hyphens (a space may stand around either). Tokens start with
/// a capital and may end in two digits (`QH14`). Case-insensitive variants
/// are tried on file names only ([`find_in_file_name`]).
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let sep = r"\s?[/\-–]\s?";
    let token = r"[A-ZĐÐ][A-Za-zĐđÐ]{0,9}[0-9]{0,2}";
    Regex::new(&format!(
        r"([0-9]{{1,6}})(?:{sep}((?:19|20)[0-9]{{2}}))?{sep}({token}(?:{sep}{token}){{0,3}})"
    ))
    .expect("valid regex")
});

/// Find every document number in `text`, in order, each once (by key).
pub fn find(text: &str) -> Vec<DocNumber> {
    let mut out = Vec::new();
    find_into(text, false, &mut out);
    out
}

/// Find document numbers in an attachment's file name or link text: the
/// same forms, also in lower case (`211-kh-ubnd.pdf`), and only when the first symbol is a known kind (a file name
/// `bao-cao-2024-tong-ket` is no number).
pub fn find_in_file_name(name: &str, out: &mut Vec<DocNumber>) {
    static DIGIT_UNDERSCORE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new("([0-9])_").expect("valid regex"));
    // `489_QD-TTg`: the underscore after the number joins; any other ends
    // the symbol (`215-KH-UBND_ke-hoach.pdf`).
    let name = DIGIT_UNDERSCORE.replace_all(name, "$1-").replace('_', " ");
    // A name written in capitals keeps its case, so that the slug after the
    // symbol (`-ke-hoach`) is no part of it; an all-lower-case one is read
    // in capitals.
    if name.chars().any(|c| c.is_uppercase()) {
        find_into(&name, true, out);
    } else {
        find_into(&name.to_uppercase(), true, out);
    }
}

/// Add the numbers of `text` to `out`, skipping keys already there.
pub fn find_into(text: &str, file_name: bool, out: &mut Vec<DocNumber>) {
    let text = crate::text::nfc(text);
    for caps in NUMBER.captures_iter(&text) {
        let whole = caps.get(0).expect("match");
        // A number glued to a longer number or a date (`20/8/2020` holds no
        // `8/2020…`) or to a word is not the start of one.
        if text[..whole.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '/' | '.' | ','))
        {
            continue;
        }
        let number = &caps[1];
        let year = caps.get(2).map(|m| m.as_str());
        let symbol_text = caps.get(3).expect("symbol").as_str();
        let after = &text[whole.end()..];
        let mut tokens: Vec<String> = split_tokens(symbol_text);
        let seps: Vec<char> = symbol_text
            .chars()
            .filter(|c| matches!(c, '/' | '-' | '–'))
            .collect();
        // `UBND638112345678901234.pdf`: digits glued on are not the symbol's.
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            if let Some(last) = tokens.last_mut() {
                last.truncate(last.trim_end_matches(|c: char| c.is_ascii_digit()).len());
            }
        }
        if after.starts_with(|c: char| c.is_alphabetic()) {
            // The last token runs on into a word: no symbol ends here.
            continue;
        }
        let tokens: Vec<String> = tokens
            .into_iter()
            .map(|t| t.replace('Ð', "Đ"))
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.is_empty() {
            continue;
        }
        let kind_word = kind_word_before(&text[..whole.start()]);
        let first = fold(&tokens[0]);
        let abbr_kind = kind_of_symbol(&first);
        if tokens.len() < 2 && kind_word.is_none() {
            continue;
        }
        if file_name && abbr_kind.is_none() {
            continue;
        }
        let kind = kind_word
            .map(str::to_string)
            .or_else(|| abbr_kind.map(str::to_string))
            .unwrap_or_else(|| "Văn bản".to_string());
        // The Party's form when the number was written so (`49-KL/TW`), or
        // when a hyphen-only spelling ends in a Party organ.
        let lead = &text[caps
            .get(2)
            .map_or(caps[1].len(), |y| y.end() - whole.start())
            + whole.start()..caps.get(3).expect("symbol").start()];
        let slash_first = lead.contains('/');
        let slash_in_symbol = seps.contains(&'/');
        let written_party = !slash_first && slash_in_symbol;
        let hyphens_only = !slash_first && !slash_in_symbol;
        let organ = fold(tokens.last().expect("a token"));
        let party = tokens.len() == 2
            && year.is_none()
            && (written_party || (hyphens_only && PARTY_ORGANS.iter().any(|o| fold(o) == organ)));
        let number_text = if party {
            format!("{number}-{}/{}", tokens[0], tokens[1])
        } else {
            match year {
                Some(y) => format!("{number}/{y}/{}", tokens.join("-")),
                None => format!("{number}/{}", tokens.join("-")),
            }
        };
        let mut key = number.trim_start_matches('0').to_string();
        if let Some(y) = year {
            key.push('-');
            key.push_str(y);
        }
        for t in &tokens {
            key.push('-');
            key.push_str(&fold(t));
        }
        if !out.iter().any(|d: &DocNumber| d.key == key) {
            out.push(DocNumber {
                kind,
                number: number_text,
                key,
            });
        }
    }
}

fn split_tokens(symbol: &str) -> Vec<String> {
    symbol
        .split(['/', '-', '–'])
        .map(|t| t.trim().to_string())
        .collect()
}

/// Upper case with `Đ`, `Ð` and `D` one letter: `QĐ`, `QÐ` and `QD` (a file
/// name) are one symbol.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_uppercase)
        .map(|c| if matches!(c, 'Đ' | 'Ð') { 'D' } else { c })
        .collect()
}

fn kind_of_symbol(folded: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(abbr, _)| fold(abbr) == folded)
        .map(|(_, name)| *name)
}

/// The kind named right before a number: "Kế hoạch số ", "Quyết định ",
/// "Công văn số: ".
fn kind_word_before(before: &str) -> Option<&'static str> {
    let tail: String = {
        let start = before.char_indices().rev().nth(40).map_or(0, |(i, _)| i);
        before[start..].to_lowercase()
    };
    let mut rest = tail.trim_end();
    rest = rest.trim_end_matches(':').trim_end();
    if let Some(r) = rest.strip_suffix("số") {
        rest = r.trim_end();
    }
    KIND_WORDS.iter().copied().find(|w| {
        let w_lower = w.to_lowercase();
        rest.ends_with(&w_lower)
            && rest[..rest.len() - w_lower.len()]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<(String, String, String)> {
        find(text)
            .into_iter()
            .map(|d| (d.kind, d.number, d.key))
            .collect()
    }

    fn one(text: &str) -> (String, String, String) {
        let found = numbers(text);
        assert_eq!(found.len(), 1, "{text:?} gave {found:?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn the_forms_the_portals_write() {
        let cases = [
            (
                "Kế hoạch số 211/KH-UBND ngày 20/8/2020",
                "Kế hoạch",
                "211/KH-UBND",
                "211-KH-UBND",
            ),
            (
                "Quyết định số 489/QĐ-TTg ngày 08/4/2020",
                "Quyết định",
                "489/QĐ-TTg",
                "489-QD-TTG",
            ),
            (
                "theo Thông tư 29/2024/TT-BGDĐT về dạy thêm",
                "Thông tư",
                "29/2024/TT-BGDĐT",
                "29-2024-TT-BGDDT",
            ),
            (
                "Kết luận số 49-KL/TW ngày 10/5/2019",
                "Kết luận",
                "49-KL/TW",
                "49-KL-TW",
            ),
            (
                "Chỉ thị 11-CT/TW của Bộ Chính trị",
                "Chỉ thị",
                "11-CT/TW",
                "11-CT-TW",
            ),
            (
                "Công văn 1234/SGDĐT-GDTrH về việc",
                "Công văn",
                "1234/SGDĐT-GDTrH",
                "1234-SGDDT-GDTRH",
            ),
            (
                "Nghị định 24/2014/NĐ-CP quy định",
                "Nghị định",
                "24/2014/NĐ-CP",
                "24-2014-ND-CP",
            ),
            (
                "Nghị quyết số 45/NQ-HĐND của HĐND",
                "Nghị quyết",
                "45/NQ-HĐND",
                "45-NQ-HDND",
            ),
            (
                "Luật số 43/2019/QH14",
                "Luật",
                "43/2019/QH14",
                "43-2019-QH14",
            ),
        ];
        for (text, kind, number, key) in cases {
            assert_eq!(
                one(text),
                (kind.to_string(), number.to_string(), key.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn the_kind_comes_from_the_symbol_when_no_word_names_it() {
        assert_eq!(one("ban hành 211/KH-UBND").0, "Kế hoạch");
        assert_eq!(one("theo văn bản 12/QĐ-UBND").0, "Văn bản");
        assert_eq!(one("xem 1234/SGDĐT-GDTrH").0, "Văn bản");
    }

    #[test]
    fn spellings_of_one_document_share_a_key() {
        let spellings = [
            "Kế hoạch số 211/KH-UBND",
            "Kế hoạch số 211 / KH - UBND",
            "Kế hoạch số 211/KH–UBND",
            "Tải tại đây 211-KH-UBND",
            "KẾ HOẠCH SỐ 211/KH-UBND",
        ];
        for s in spellings {
            let (_, number, key) = one(s);
            assert_eq!(key, "211-KH-UBND", "{s}");
            assert_eq!(number, "211/KH-UBND", "{s}");
        }
        // Đ as U+00D0 (windows-1252 mis-decoding) and decomposed text.
        assert_eq!(one("Quyết định 489/QÐ-TTg").2, "489-QD-TTG");
        assert_eq!(one("Quyết định 489/QÐ-TTg").1, "489/QĐ-TTg");
        let nfd = "Quye\u{302}\u{301}t đi\u{323}nh 489/QĐ-TTg";
        assert_eq!(one(nfd).0, "Quyết định");
    }

    #[test]
    fn file_names_give_numbers_too() {
        let mut out = Vec::new();
        find_in_file_name("211-KH-UBND638112345678901234.pdf", &mut out);
        find_in_file_name("49-kl-tw.pdf", &mut out);
        find_in_file_name("489_QD-TTg.docx", &mut out);
        find_in_file_name("215-KH-UBND_ke-hoach-day-them.pdf", &mut out);
        let keys: Vec<_> = out.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            ["211-KH-UBND", "49-KL-TW", "489-QD-TTG", "215-KH-UBND"]
        );
        assert_eq!(out[0].number, "211/KH-UBND");
        assert_eq!(out[1].number, "49-KL/TW", "a Party organ keeps its form");
        assert_eq!(out[1].kind, "Kết luận");
        let mut none = Vec::new();
        find_in_file_name("bao-cao-2024-tong-ket.pdf", &mut none);
        find_in_file_name("2024-12-anh-hoat-dong.jpg", &mut none);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn dates_scores_and_names_are_no_numbers() {
        for text in [
            "ngày 20/8/2020 - UBND thành phố",
            "tỷ số 3-1 cho đội nhà",
            "giảm 1/2 học phí",
            "Lớp 12A1 - Trường THPT Ngô Quyền",
            "COVID-19 và học sinh",
            "số điện thoại 0225/3842888",
            "năm học 2025-2026",
        ] {
            assert!(numbers(text).is_empty(), "{text:?}: {:?}", numbers(text));
        }
    }

    #[test]
    fn each_document_once_in_order() {
        let text = "Kế hoạch số 211/KH-UBND thực hiện Quyết định số 489/QĐ-TTg; \
                    Kế hoạch 211/KH-UBND nêu rõ";
        let keys: Vec<_> = numbers(text).into_iter().map(|d| d.2).collect();
        assert_eq!(keys, ["211-KH-UBND", "489-QD-TTG"]);
    }

    #[test]
    fn label_names_kind_and_number() {
        assert_eq!(
            find("Chỉ thị 11-CT/TW")[0].label(),
            "Chỉ thị 11-CT/TW".to_string()
        );
    }
}

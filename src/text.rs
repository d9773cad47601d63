//! Unicode normalisation helpers shared by page harvesting and the classifier.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// True for characters that cannot make a text non-NFC, whatever surrounds
/// them: everything below U+0300 (ASCII, Latin-1, Latin Extended-A/B, spacing
/// modifiers), Latin Extended Additional (every precomposed Vietnamese vowel)
/// and General Punctuation from U+2002 (U+2000 and U+2001, the quads, NFC
/// turns into spaces). A range test, far cheaper than the quick-check
/// tables, and it covers ordinary Vietnamese text.
pub fn is_surely_nfc(c: char) -> bool {
    matches!(c, '\0'..='\u{02FF}' | '\u{1E00}'..='\u{1EFF}' | '\u{2002}'..='\u{206F}')
}

/// Text in NFC, without normalising when it already is (the usual case).
pub fn nfc(s: &str) -> String {
    if s.chars().all(is_surely_nfc) || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::is_nfc;

    #[test]
    fn surely_nfc_characters_are_nfc_before_any_other_of_them() {
        // Every pair of characters from the fast ranges is NFC: no such
        // character composes with, or reorders against, another.
        let fast: Vec<char> = ('\0'..='\u{02FF}')
            .chain('\u{1E00}'..='\u{1EFF}')
            .chain('\u{2002}'..='\u{206F}')
            .collect();
        for &c in &fast {
            assert!(is_nfc(&c.to_string()), "{:?} U+{:04X}", c, c as u32);
        }
        let vowels = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY";
        for a in vowels.chars() {
            for &b in &fast {
                let s: String = [a, b].into_iter().collect();
                assert!(is_nfc(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn nfc_composes_decomposed_text_and_keeps_composed_text() {
        assert_eq!(nfc("Hoa\u{300} Bi\u{300}nh"), "Hoà Bình");
        assert_eq!(nfc("Hải Phòng"), "Hải Phòng");
        assert_eq!(nfc("ﬁ"), "ﬁ"); // compatibility forms are not NFC's business
    }
}

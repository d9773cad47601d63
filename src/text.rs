//! Unicode helpers shared by harvesting, the store's way in and the
//! classifier: NFC normalisation, and the removal of characters that must
//! never travel from a portal to a feed or a message (controls, bidi
//! overrides, non-characters), and the one test of a portal's URL that
//! decides whether a feed or a message may link it.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Characters no item text may carry, whatever path it came by (a poll, an
/// import, a follow-up): C0 and C1 controls (tab, line feed and carriage
/// return excepted; XML 1.0 forbids the others), DEL, the bidi embedding,
/// override and isolate controls (U+202A–U+202E, U+2066–U+2069, U+061C),
/// which can make a headline or a link read backwards in a reader or a chat,
/// and the non-characters U+FFFE/U+FFFF, which XML forbids too.
pub fn is_forbidden(c: char) -> bool {
    matches!(c,
        '\0'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{FFFE}' | '\u{FFFF}')
}

/// `s` without [`is_forbidden`] characters, borrowed when it has none (the
/// usual case).
pub fn strip_forbidden(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_forbidden) {
        Cow::Owned(s.chars().filter(|&c| !is_forbidden(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` as HTML text: `&`, `<`, `>` and `"` escaped, so it shows as written in
/// an HTML page, a feed reader that reads RSS descriptions as HTML, or
/// Telegram's HTML mode (which knows only these four entities).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `url` is an absolute http or https URL, with no whitespace or
/// control character in it: the only URLs from a portal a feed or a message
/// links (never `javascript:` or `data:`).
pub fn is_http_url(url: &str) -> bool {
    !url.chars().any(|c| c.is_control() || c.is_whitespace())
        && url::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// `s` cut to at most `max` characters (`max` ≥ 1), "…" included, on a word
/// boundary when one is in the last fifth; borrowed when it fits. The cut
/// never splits a character.
pub fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    if s.char_indices().nth(max).is_none() {
        return Cow::Borrowed(s);
    }
    let end = s
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(s.len(), |(i, _)| i);
    let head = &s[..end];
    let floor = head.len() - head.len() / 5;
    let cut = match head.rfind(char::is_whitespace) {
        Some(i) if i >= floor => &head[..i],
        _ => head,
    };
    Cow::Owned(format!("{}…", cut.trim_end()))
}

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
    fn controls_bidi_overrides_and_non_characters_are_stripped() {
        let hostile = "Tin\u{0}\u{1b}[31m m\u{202E}ới\u{2066} \u{85}hôm nay\u{FFFF}\u{7f}";
        assert_eq!(strip_forbidden(hostile), "Tin[31m mới hôm nay");
        let kept = "Dòng một\nDòng hai\tcột";
        assert!(matches!(strip_forbidden(kept), Cow::Borrowed(_)));
        // Zero-width joiners and marks that shape text are not controls.
        assert_eq!(strip_forbidden("a\u{200D}b\u{200E}"), "a\u{200D}b\u{200E}");
    }

    #[test]
    fn truncation_counts_characters_and_prefers_a_word_boundary() {
        assert!(matches!(truncate_chars("ngắn", 10), Cow::Borrowed("ngắn")));
        assert!(matches!(truncate_chars("đúng", 4), Cow::Borrowed("đúng")));
        let cut = truncate_chars("Học sinh Hải Phòng đạt giải nhất", 24);
        assert_eq!(cut, "Học sinh Hải Phòng đạt…");
        assert!(cut.chars().count() <= 24);
        // No space near the end: cut inside the word, never inside a character.
        let long = "ừ".repeat(50);
        let cut = truncate_chars(&long, 10);
        assert_eq!(cut, format!("{}…", "ừ".repeat(9)));
        assert_eq!(truncate_chars(&long, 1), "…");
    }

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

//! Vietnamese text folding ([`fold`]: NFC, case, `Đ`, one tone placement) and the cutting
//! of folded text into the syllable and number tokens the matcher compares.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Token standing for punctuation that ends a phrase.
pub(super) const BREAK: u32 = u32::MAX;
/// Token standing for a syllable no rule mentions.
pub(super) const UNKNOWN: u32 = u32::MAX - 1;
/// A number (a syllable of digits, `1.200` and `8,5` included) is the token `NUM_BASE + value`,
/// in the text and in phrases alike; values from [`NUM_SPAN`] up share the last token.
pub(super) const NUM_BASE: u32 = 0xC000_0000;
/// How many number values have a token of their own.
pub(super) const NUM_SPAN: u32 = 0x1000_0000;
/// In a phrase, `CLASS_BASE + k` is the number slot `Classifier::classes[k]` (`#`, `#1-12`).
/// Slots never occur in a text's tokens.
pub(super) const CLASS_BASE: u32 = 0xE000_0000;

/// The normalised form used for matching: NFC, lowercase, `đ` for every D-with-stroke look-alike,
/// one tone-mark placement, invisible format characters removed. Everything else (spaces,
/// punctuation, digits) is kept as is, so `fold` is safe to show to people and idempotent.
///
/// Invariants, relied on by the tests and by other modules:
/// - `fold(fold(s)) == fold(s)`;
/// - `fold` of the NFD form of `s` equals `fold(s)`;
/// - `hòa`/`hoà`, `khỏe`/`khoẻ`, `thủy`/`thuỷ` fold to the same string (the first of each);
/// - accents are never removed: `fold("trưởng") != fold("trường")`.
#[must_use]
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    walk(
        text,
        &mut FoldedText {
            out: &mut out,
            word_start: None,
        },
    );
    out
}

/// Receives the folded form of a text: syllable characters and the characters between them.
/// Tone placement is the sink's job, at each syllable's end, because only it holds the syllable.
pub(super) trait FoldSink {
    /// A letter, digit or leftover combining mark, already lowercased.
    fn syllable_char(&mut self, c: char);
    /// Any other character (it ends the current syllable, if any).
    fn separator(&mut self, c: char);
    /// End of text.
    fn end(&mut self);
}

/// Feeds the folded characters of `text` to `sink`: one pass in the common case of text that
/// is already NFC, a decomposition and recomposition otherwise.
pub(super) fn walk(text: &str, sink: &mut impl FoldSink) {
    if is_plain_nfc(text) {
        walk_chars(text.chars(), sink);
    } else {
        // Every mapping that could change what composes (dropping invisible characters,
        // lowercasing) happens before normalising, so the result is NFC and folding twice
        // changes nothing.
        let mut chars: Vec<char> = text
            .chars()
            .filter_map(|c| match c {
                _ if is_invisible(c) => None,
                _ if is_zero_width_space(c) => Some(' '),
                c => Some(c),
            })
            .flat_map(char::to_lowercase)
            .nfd()
            .collect();
        shape_marks_first(&mut chars);
        walk_chars(chars.into_iter().nfc(), sink);
    }
    sink.end();
}

/// True when `text` is NFC and holds none of the characters that folding drops or replaces,
/// nor İ (whose lowercase ends in a combining mark), so it can be folded in one pass.
/// `surely` is a cheap pre-check for ordinary Vietnamese text ([`crate::text::is_surely_nfc`]).
pub(super) fn is_plain_nfc(text: &str) -> bool {
    if is_plainly_vietnamese(text.as_bytes()) {
        return true;
    }
    let mut surely = true;
    for c in text.chars() {
        // İ lowercases to i + combining dot, which must go through normalisation.
        if is_invisible(c) || is_zero_width_space(c) || c == 'İ' {
            return false;
        }
        surely &= crate::text::is_surely_nfc(c);
    }
    surely || is_nfc_quick(text.chars()) == IsNormalized::Yes
}

/// The common case of [`is_plain_nfc`], read from the UTF-8 bytes without decoding: ASCII,
/// U+0080–U+02FF (Latin-1 to Latin Extended-B and spacing modifiers) but the soft hyphen and
/// İ, U+1E00–U+1EFF (every precomposed Vietnamese vowel) and U+2010–U+203F (dashes, quotes,
/// the ellipsis). `false` means "look closer".
pub(super) fn is_plainly_vietnamese(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        i += match b {
            0..=0x7F => 1,
            // U+00AD soft hyphen is C2 AD, U+0130 İ is C4 B0.
            0xC2 if next == 0xAD => return false,
            0xC4 if next == 0xB0 => return false,
            0xC2..=0xCB => 2,
            0xE1 if (0xB8..=0xBB).contains(&next) => 3,
            // U+2010–U+203F: dashes, quotes, the ellipsis (E2 80 90–BF).
            0xE2 if next == 0x80 && bytes.get(i + 2).is_some_and(|t| (0x90..=0xBF).contains(t)) => {
                3
            }
            _ => return false,
        };
    }
    true
}

/// Soft hyphen, zero-width (non-)joiner, word joiner: they sit inside words and are dropped.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}')
}

/// Zero-width space and a stray byte-order mark separate words: they become a space.
pub(super) fn is_zero_width_space(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}')
}

/// In decomposed text, a tone mark typed before the circumflex or breve (both are combining
/// class 230, so canonical ordering keeps whatever order they came in) blocks composition to
/// the single Vietnamese letter. Put the shape mark first, as NFD of a real letter has it.
pub(super) fn shape_marks_first(chars: &mut [char]) {
    for i in 1..chars.len() {
        let mut j = i;
        while j > 0 && is_shape_mark(chars[j]) && is_tone_mark_230(chars[j - 1]) {
            chars.swap(j, j - 1);
            j -= 1;
        }
    }
}

pub(super) fn is_shape_mark(c: char) -> bool {
    matches!(c, '\u{0302}' | '\u{0306}')
}

pub(super) fn is_tone_mark_230(c: char) -> bool {
    matches!(c, '\u{0300}' | '\u{0301}' | '\u{0303}' | '\u{0309}')
}

pub(super) fn walk_chars(chars: impl Iterator<Item = char>, sink: &mut impl FoldSink) {
    for c in chars {
        match c {
            _ if c.is_ascii() => feed(c.to_ascii_lowercase(), sink),
            // The Vietnamese block of Latin Extended Additional pairs capital (even) with small
            // (odd) letters; these fast paths skip the general table, which dominated profiles.
            '\u{1EA0}'..='\u{1EF9}' => feed(char_from(u32::from(c) | 1, c), sink),
            // Latin-1 capitals À..Þ (but not ×) are their small letter plus 0x20.
            '\u{00C0}'..='\u{00DE}' if c != '×' => feed(char_from(u32::from(c) + 0x20, c), sink),
            // The rest of Vietnamese: ă đ ĩ ũ ơ ư and their capitals; punctuation has no case.
            'Ă' => feed('ă', sink),
            'Đ' => feed('đ', sink),
            'Ĩ' => feed('ĩ', sink),
            'Ũ' => feed('ũ', sink),
            'Ơ' => feed('ơ', sink),
            'Ư' => feed('ư', sink),
            '\u{00DF}'..='\u{00FF}'
            | 'ă'
            | 'đ'
            | 'ĩ'
            | 'ũ'
            | 'ơ'
            | 'ư'
            | '\u{2000}'..='\u{206F}' => feed(c, sink),
            _ => {
                for lc in c.to_lowercase() {
                    feed(lc, sink);
                }
            }
        }
    }
}

#[inline]
pub(super) fn feed(c: char, sink: &mut impl FoldSink) {
    let c = match c {
        // Đ lowercases to đ already; Ð (U+00D0, windows-1258 read as windows-1252)
        // lowercases to ð, and Ɖ (African D) to ɖ. None of them composes with a mark.
        'ð' | 'ɖ' => 'đ',
        c => c,
    };
    if is_syllable_char(c) {
        sink.syllable_char(c);
    } else {
        sink.separator(c);
    }
}

/// The sink behind [`fold`]: the whole folded text.
pub(super) struct FoldedText<'a> {
    out: &'a mut String,
    word_start: Option<usize>,
}

impl FoldSink for FoldedText<'_> {
    fn syllable_char(&mut self, c: char) {
        self.word_start.get_or_insert(self.out.len());
        self.out.push(c);
    }

    fn separator(&mut self, c: char) {
        self.end();
        self.out.push(c);
    }

    fn end(&mut self) {
        if let Some(start) = self.word_start.take() {
            place_tone(self.out, start);
        }
    }
}

/// The sink behind matching: calls `emit` with each folded syllable, in order, and with `None`
/// once for each run of phrase-ending punctuation between two syllables (never first, never
/// last, never twice in a row). A `.` or `,` between digits stays inside the syllable, so that
/// `1.200` and `8,5` are one number (see [`number_token`]).
pub(super) struct Syllables<'a, F> {
    syllable: &'a mut String,
    emit: F,
    pending_break: bool,
    any: bool,
    /// A `.` or `,` met right after a number: part of it if a digit follows.
    held: Option<char>,
}

impl<'a, F: FnMut(Option<&str>)> Syllables<'a, F> {
    pub(super) fn new(syllable: &'a mut String, emit: F) -> Self {
        syllable.clear();
        Syllables {
            syllable,
            emit,
            pending_break: false,
            any: false,
            held: None,
        }
    }

    /// Ends the current syllable, if any, and emits it (after a pending break).
    fn flush(&mut self) {
        if self.syllable.is_empty() {
            return;
        }
        place_tone(self.syllable, 0);
        if self.pending_break && self.any {
            (self.emit)(None);
        }
        self.pending_break = false;
        self.any = true;
        (self.emit)(Some(self.syllable.as_str()));
        self.syllable.clear();
    }

    /// The character after a held `.` or `,`: a digit keeps it inside the number (`1.200`),
    /// anything else releases it. Rare, so kept out of the per-character path.
    #[cold]
    #[inline(never)]
    fn resolve_held(&mut self, c: char) {
        match self.held {
            Some(sep) if c.is_ascii_digit() => {
                self.held = None;
                self.syllable.push(sep);
            }
            _ => self.release_held(),
        }
    }

    /// A held `.` or `,` turned out not to sit inside a number: it ends the syllable and,
    /// being punctuation, the phrase.
    fn release_held(&mut self) {
        if self.held.take().is_some() {
            self.flush();
            self.pending_break = true;
        }
    }
}

impl<F: FnMut(Option<&str>)> FoldSink for Syllables<'_, F> {
    #[inline]
    fn syllable_char(&mut self, c: char) {
        if self.held.is_some() {
            self.resolve_held(c);
        }
        self.syllable.push(c);
    }

    #[inline]
    fn separator(&mut self, c: char) {
        if self.held.is_some() {
            self.release_held();
        }
        if matches!(c, '.' | ',') && is_number_so_far(self.syllable) {
            self.held = Some(c);
            return;
        }
        self.flush();
        if !is_joiner(c) {
            self.pending_break = true;
        }
    }

    fn end(&mut self) {
        self.release_held();
        self.flush();
    }
}

/// True when `syllable` is digits, possibly with `.` or `,` between them.
#[inline]
pub(super) fn is_number_so_far(syllable: &str) -> bool {
    syllable.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && syllable
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// The token of a number syllable, `NUM_BASE + value`, or `None` for any other syllable.
/// `1.200` and `27,000` (groups of three after the first) are thousands; `8,5` and `6.5` are
/// decimals and count as their whole part, 8 and 6.
#[inline]
pub(super) fn number_token(syllable: &str) -> Option<u32> {
    if !syllable.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    number_value(syllable)
}

/// The slow half of [`number_token`], for syllables that start with a digit.
pub(super) fn number_value(syllable: &str) -> Option<u32> {
    if !is_number_so_far(syllable) {
        return None;
    }
    let thousands = syllable.split(['.', ',']).skip(1).all(|g| g.len() == 3);
    let digits = if thousands {
        syllable
    } else {
        syllable.split(['.', ',']).next().unwrap_or("")
    };
    let value = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u32, |v, d| {
            v.saturating_mul(10)
                .saturating_add(u32::from(d - b'0'))
                .min(NUM_SPAN - 1)
        });
    Some(NUM_BASE + value)
}

/// Whether a phrase token is a number slot.
pub(super) fn is_slot(token: u32) -> bool {
    (CLASS_BASE..UNKNOWN).contains(&token)
}

pub(super) fn char_from(code: u32, fallback: char) -> char {
    char::from_u32(code).unwrap_or(fallback)
}

/// Characters that make up a syllable: letters, digits, and combining marks that NFC could not
/// merge into the letter before them.
pub(super) fn is_syllable_char(c: char) -> bool {
    match c {
        _ if c.is_ascii() => c.is_ascii_alphanumeric(),
        // Every code point of Latin-1's letter rows, Latin Extended-A/B and Latin Extended
        // Additional is a letter, except × and ÷, and General Punctuation has none: answer
        // without the general Unicode table.
        '×' | '÷' | '\u{2000}'..='\u{206F}' => false,
        '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => true,
        _ => c.is_alphanumeric() || is_combining_mark(c),
    }
}

pub(super) fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Characters that separate syllables without ending a phrase: `GD&ĐT`, `GD-ĐT`, `GD/ĐT`.
pub(super) fn is_joiner(c: char) -> bool {
    c.is_whitespace() || matches!(c, '&' | '-' | '/' | '+' | '\u{2010}' | '\u{2011}')
}

/// Moves the tone of a word-final `oa`, `oe`, `uy` to the first vowel (`hoà` → `hòa`,
/// `khoẻ` → `khỏe`, `thuỷ` → `thủy`), except after `q` (`quý` is written one way only).
/// Closed syllables (`hoàn`) and triphthongs (`ngoài`, `khuya`) do not end in these pairs and
/// are left alone.
pub(super) fn place_tone(out: &mut String, word_start: usize) {
    let Some(word) = out.get(word_start..) else {
        return;
    };
    let mut rev = word.chars().rev();
    let (Some(last), Some(before)) = (rev.next(), rev.next()) else {
        return;
    };
    let Some((base, tone)) = split_tone(last) else {
        return;
    };
    let first = match (before, base) {
        ('o', 'a' | 'e') => 'o',
        ('u', 'y') if rev.next() != Some('q') => 'u',
        _ => return,
    };
    let Some(toned_first) = with_tone(first, tone) else {
        return;
    };
    out.truncate(out.len() - last.len_utf8() - before.len_utf8());
    out.push(toned_first);
    out.push(base);
}

/// Tones in the order grave, acute, hook above, tilde, dot below.
pub(super) const TONED_A: [char; 5] = ['à', 'á', 'ả', 'ã', 'ạ'];
pub(super) const TONED_E: [char; 5] = ['è', 'é', 'ẻ', 'ẽ', 'ẹ'];
pub(super) const TONED_Y: [char; 5] = ['ỳ', 'ý', 'ỷ', 'ỹ', 'ỵ'];
pub(super) const TONED_O: [char; 5] = ['ò', 'ó', 'ỏ', 'õ', 'ọ'];
pub(super) const TONED_U: [char; 5] = ['ù', 'ú', 'ủ', 'ũ', 'ụ'];

pub(super) fn split_tone(c: char) -> Option<(char, usize)> {
    [('a', &TONED_A), ('e', &TONED_E), ('y', &TONED_Y)]
        .into_iter()
        .find_map(|(base, toned)| toned.iter().position(|&t| t == c).map(|i| (base, i)))
}

pub(super) fn with_tone(c: char, tone: usize) -> Option<char> {
    match c {
        'o' => TONED_O.get(tone).copied(),
        'u' => TONED_U.get(tone).copied(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    const LABELLED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/headlines.tsv"
    ));

    // ---- folding ----

    #[test]
    fn fold_unifies_both_tone_placements() {
        for (old, new) in [
            ("hòa", "hoà"),
            ("hóa", "hoá"),
            ("khỏe", "khoẻ"),
            ("thủy", "thuỷ"),
            ("xóa", "xoá"),
            ("khóa", "khoá"),
            ("Ủy ban", "Uỷ ban"),
            ("tòa án", "toà án"),
            ("ngụy", "nguỵ"),
            ("lõa", "loã"),
        ] {
            assert_eq!(fold(new), fold(old), "{new} should fold like {old}");
            assert_eq!(fold(old), old.to_lowercase(), "{old} is already canonical");
        }
    }

    #[test]
    fn fold_leaves_qu_closed_syllables_and_triphthongs_alone() {
        for word in [
            "quý", "quỳnh", "hoàn", "hoàng", "ngoài", "khuya", "khoảng", "thuyền",
        ] {
            assert_eq!(fold(word), word, "{word} has one spelling only");
        }
    }

    #[test]
    fn fold_makes_nfd_equal_nfc() {
        let text = "Trường THPT Nguyễn Trãi: học sinh khoẻ, giỏi; Đội tuyển Olympic";
        assert_ne!(nfd(text), text, "the test needs a decomposed input");
        assert_eq!(fold(&nfd(text)), fold(text));
    }

    #[test]
    fn fold_composes_tone_typed_before_circumflex() {
        // e + acute + circumflex: canonical ordering keeps this order and NFC alone would
        // leave "é" followed by a loose circumflex.
        assert_eq!(fold("thi\u{0065}\u{0301}\u{0302}t"), "thiết");
        assert_eq!(fold("ta\u{0300}\u{0306}ng"), "tằng");
    }

    #[test]
    fn fold_lowercases_and_folds_every_d_with_stroke() {
        assert_eq!(fold("GIÁO VIÊN"), "giáo viên");
        assert_eq!(fold("ĐẠI HỌC"), "đại học");
        assert_eq!(
            fold("\u{00D0}ại học"),
            "đại học",
            "U+00D0 from windows-1252"
        );
        assert_eq!(
            fold("\u{00F0}ại học"),
            "đại học",
            "U+00F0 from windows-1252"
        );
        assert_eq!(fold("ƯU TIÊN ĂN Ở"), "ưu tiên ăn ở");
    }

    #[test]
    fn fold_keeps_accents() {
        assert_ne!(fold("trưởng"), fold("trường"));
        assert_ne!(fold("giao"), fold("giáo"));
        assert_ne!(fold("Đức"), fold("dục"));
        assert_eq!(fold("Học sinh, 2025!"), "học sinh, 2025!");
    }

    #[test]
    fn fold_drops_invisible_joiners_and_splits_on_zero_width_space() {
        assert_eq!(fold("gi\u{00AD}áo"), "giáo");
        assert_eq!(fold("học\u{200B}sinh"), "học sinh");
    }

    #[test]
    fn fold_is_idempotent_on_the_labelled_set() {
        for line in LABELLED.lines() {
            let once = fold(line);
            assert_eq!(fold(&once), once, "{line}");
        }
    }

    #[test]
    fn the_byte_check_agrees_with_the_character_check() {
        for text in [
            "Học sinh lớp 10 đến trường",
            "ĐẠI HỌC Quốc gia, 1.200 thí sinh",
            "gi\u{00AD}áo",
            "İstanbul",
            "ho\u{0300}a",
            "zero\u{200B}width",
            "quad\u{2000}space",
            "Trường “chuyên” – 20/11",
            "日本語",
        ] {
            let fast = is_plainly_vietnamese(text.as_bytes());
            let slow = text.chars().all(|c| {
                crate::text::is_surely_nfc(c)
                    && !is_invisible(c)
                    && !is_zero_width_space(c)
                    && c != 'İ'
            });
            assert!(
                !fast || slow,
                "{text:?}: the byte check may only say yes when it is"
            );
        }
        assert!(is_plainly_vietnamese(
            "Học sinh lớp 10 đến trường".as_bytes()
        ));
        assert!(!is_plainly_vietnamese("gi\u{00AD}áo".as_bytes()));
    }
}

//! Turning the date text found on portal pages and feeds into instants.
//!
//! This module owns every rule about how a date is *written*: the day-first
//! numeric forms of Vietnamese CMSs (`23/12/2025`, `2/3/2021`, `23.12.2025`),
//! the times, weekdays, brackets and `(GMT+7)` suffixes glued to them, the
//! long form `Ngày 23 tháng 12 năm 2025`, ISO 8601 / RFC 3339 (`meta`
//! tags, `time[datetime]`, Atom) and RFC 2822 (RSS). It is pure: no IO, no
//! clock, no global state besides regexes compiled once.
//!
//! Rules that hold everywhere in this module:
//! - Day-first is the rule. Month-first is used only when day-first is
//!   impossible (`12/23/2025`, the US-order trap of one Liferay template);
//!   an ambiguous `03/04/2025` is 3 April.
//! - A date written without an offset is taken in the caller's `tz`
//!   (normally +07:00; Vietnam has no daylight saving, so a fixed offset is
//!   exact). An explicit `GMT+7`, `+07:00`, `Z`, `GMT`... wins.
//! - Years outside [`MIN_YEAR`]`..=`[`MAX_YEAR`] are not dates (they are
//!   document numbers, phone numbers, version strings).
//! - A number glued to other digits is not a date: `123/12/20255` holds
//!   none, nor does `1.2.3.2025`.
//! - Only ASCII digits make a date (`\d` would take other scripts' digits,
//!   which `str::parse` refuses); any numeric char glued to them makes them
//!   part of a longer number.
//! - Vietnamese words (`tháng`, `Thứ Ba`...) are matched in NFC, in NFD and
//!   without diacritics, in any case, so un-normalised text still works.
//!
//! Nothing here panics on any `&str`, and every byte range returned lies on
//! char boundaries of the text it was found in.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::LazyLock;

use chrono::format::{self, Item, Parsed, StrftimeItems};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike};
use regex::{Captures, Regex};

/// Earliest year accepted as a date. Vietnamese portals post nothing older,
/// and the bound rejects document numbers such as `số 12/10/1234`.
pub const MIN_YEAR: i32 = 1990;
/// Latest year accepted as a date.
pub const MAX_YEAR: i32 = 2100;

/// How far (in bytes) before or after a date we look for an attached time,
/// weekday, label or offset. Bounds the work per date on huge texts; all
/// those attachments are far shorter.
const WINDOW: usize = 160;

/// Parse a text that is meant to be a date (the content of a date element, a
/// feed's date field, a meta tag or a `time[datetime]` attribute).
///
/// `format`: an optional chrono strftime format configured by the admin
/// (e.g. "%d/%m/%Y" or "%m/%d/%Y %H:%M"), tried first (on the trimmed text,
/// and also on the first substring that fits). `tz`: the offset for dates
/// written without one (the configured timezone, normally +07:00).
///
/// When the format matches only a date, a time and offset written right
/// next to it are still attached (`%d/%m/%Y` on `23/12/2025 08:30` gives
/// 08:30). When the format does not match, or yields an implausible year, the
/// built-in forms of [`find_date`] apply, so a wrong format never loses a
/// date that is otherwise readable.
#[must_use]
pub fn parse_date(
    text: &str,
    tz: FixedOffset,
    format: Option<&str>,
) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(fmt) = format.filter(|f| !f.trim().is_empty()) {
        if let Some(instant) = parse_with_format(text, fmt, tz) {
            return Some(instant);
        }
    }
    find_date(text, tz).map(|(instant, _)| instant)
}

/// Find the first date inside free text (an item's whole text:
/// "Headline … 23/12/2025", "(23/12/2025 08:30)", "12:47 | 23/12/2025").
///
/// Returns the instant and the byte range of the text that made it: the date
/// plus its attached time, weekday, label (`Cập nhật:`), brackets, `GMT+7`
/// suffix and a leading separator such as `- ` or `| `, so a caller can cut
/// the date out of a teaser cleanly. When the date opens the text, a
/// separator right after it (`23/12/2025 - Teaser`) is part of the range
/// instead. Whitespace around the range is not part of it.
///
/// "First" means the date that starts earliest in the text.
#[must_use]
pub fn find_date(text: &str, tz: FixedOffset) -> Option<(DateTime<FixedOffset>, Range<usize>)> {
    let core = first_core(text)?;
    let found = attach(text, core);
    let instant = found.instant(tz)?;
    Some((instant, found.start..found.end))
}

// ---------------------------------------------------------------------------
// Internal representation

/// Which family of forms a date core came from. Only after ISO dates is
/// `+07:00` (glued or spaced) read as an offset: elsewhere `08:00-10:00` or
/// `08:00 -10:00` is a time range, and only RFC 2822's ` +0700` counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// `2025-12-23`, `2025/12/23`.
    Iso,
    /// Everything else.
    Other,
}

/// A calendar date found in a text, before anything around it is attached.
#[derive(Clone, Copy, Debug)]
struct Core {
    date: NaiveDate,
    kind: Kind,
    start: usize,
    end: usize,
}

/// A date with what was attached to it. `start..end` always lies on char
/// boundaries of the text it was found in.
#[derive(Clone, Copy, Debug)]
struct Found {
    date: NaiveDate,
    time: Option<NaiveTime>,
    offset: Option<FixedOffset>,
    start: usize,
    end: usize,
}

impl Found {
    /// The instant: midnight when no time was written, `tz` when no offset.
    fn instant(&self, tz: FixedOffset) -> Option<DateTime<FixedOffset>> {
        let naive = self.date.and_time(self.time.unwrap_or(NaiveTime::MIN));
        self.offset
            .unwrap_or(tz)
            .from_local_datetime(&naive)
            .single()
    }
}

// ---------------------------------------------------------------------------
// Regexes. Only `[0-9]` is used for digits: `\d` would take Unicode digits
// that `str::parse` refuses.

/// Build a regex or die at first use: the patterns are constants, and the
/// test `regexes_compile` forces every one of them.
fn re(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(re) => re,
        Err(e) => panic!("invalid built-in date regex {pattern:?}: {e}"),
    }
}

/// Vowel families of Vietnamese: any member stands for any other in
/// [`lenient`] patterns.
const VOWEL_FAMILIES: [&str; 6] = [
    "aàáảãạăằắẳẵặâầấẩẫậ",
    "eèéẻẽẹêềếểễệ",
    "iìíỉĩị",
    "oòóỏõọôồốổỗộơờớởỡợ",
    "uùúủũụưừứửữự",
    "yỳýỷỹỵ",
];

/// A regex fragment matching a lowercase NFC Vietnamese phrase also in NFD,
/// without diacritics, or with the other tone placement: every vowel becomes
/// its family followed by any combining diacritics, `đ` matches `d`, a space
/// matches any whitespace run. Use with `(?i)`.
///
/// The marks are U+0300–U+036F, the block every Vietnamese mark in NFD comes
/// from (grave, acute, circumflex, tilde, breve, hook above, horn, dot below;
/// U+0340/U+0341 too), not `\p{M}`: its 2,000-odd ranges made these patterns'
/// automata about ten times larger, and every thread's match cache is sized
/// by them (7 MiB in all at 1,000 sources; BENCHMARKS.md, memory).
fn lenient(phrase: &str) -> String {
    let mut out = String::new();
    for c in phrase.chars() {
        if c == ' ' {
            out.push_str(r"\s+");
        } else if c == 'đ' || c == 'd' {
            out.push_str("[dđ]");
        } else if let Some(family) = VOWEL_FAMILIES.iter().find(|f| f.contains(c)) {
            let _ = write!(out, r"[{family}][\u{{300}}-\u{{36F}}]*");
        } else {
            out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    out
}

/// `lenient` over several phrases, as one non-capturing alternation.
fn lenient_any(phrases: &[&str]) -> String {
    let parts: Vec<String> = phrases.iter().map(|p| lenient(p)).collect();
    format!("(?:{})", parts.join("|"))
}

/// English month names, full or abbreviated; the first three letters name
/// the month (see [`english_month`]).
const EN_MONTH: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

/// `23/12/2025`, `2/3/2021`, `23-12-2025`, `23.12.2025` (and the US-order
/// `12/23/2025`). Both separators must be equal: checked in code, the regex
/// crate has no backreferences.
static DMY: LazyLock<Regex> =
    LazyLock::new(|| re(r"([0-9]{1,2})([/.\-])([0-9]{1,2})([/.\-])([0-9]{4})"));

/// `2025-12-23`, `2025/12/23`, `2025.12.23`.
static YMD: LazyLock<Regex> =
    LazyLock::new(|| re(r"([0-9]{4})([/.\-])([0-9]{1,2})([/.\-])([0-9]{1,2})"));

/// `Ngày 23 tháng 12 năm 2025`, `23 tháng 12, 2025`, `23 Tháng 12 2025`.
static VI_LONG: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:{ngay}\s*:?\s*)?([0-9]{{1,2}})\s+{thang}\s+([0-9]{{1,2}})(?:\s*,\s*|\s+{nam}\s+|\s+)([0-9]{{4}})",
        ngay = lenient("ngày"),
        thang = lenient("tháng"),
        nam = lenient("năm"),
    ))
});

/// `23 Dec 2025` (RFC 2822 without weekday), `23rd December, 2025`.
static EN_DMY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)([0-9]{{1,2}})(?:st|nd|rd|th)?\s+({EN_MONTH})\.?,?\s+([0-9]{{4}})"
    ))
});

/// `Dec 23, 2025`, `December 23rd 2025`.
static EN_MDY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)({EN_MONTH})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+([0-9]{{4}})"
    ))
});

/// A time written after a date: `08:30`, `08:30:15`, `08:30:15.123`, `8h30`,
/// `8h`, after a space, `, `, `- `, `| `, `lúc ` or ISO's `T`.
static TIME_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:\s*(?:[,|\-–—]|(?i:{luc}))\s*|\s+|T)([0-9]{{1,2}})(?::([0-9]{{2}})(?::([0-9]{{2}})(?:[.,]([0-9]{{1,9}})[0-9]*)?)?|[hH]([0-9]{{2}})?)",
        luc = lenient("lúc"),
    ))
});

/// A time written before a date: `12:47 | `, `08:30 `, `8h30 ngày `,
/// `08:30 CH, `. Anchored at the end of the text before the date.
static TIME_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"([0-9]{{1,2}})(?::([0-9]{{2}})(?::([0-9]{{2}}))?|[hH]([0-9]{{2}})?)(?:\s?(SA|CH|(?i:am|pm)))?(?:\s*(?:[,|\-–—]|(?i:{ngay}))\s*|\s+)$",
        ngay = lenient("ngày"),
    ))
});

/// AM/PM after a time: `SA` (sáng) / `CH` (chiều) as Windows' Vietnamese
/// locale prints them, or `AM`/`PM`/`a.m.`/`p.m.`.
static MERIDIEM: LazyLock<Regex> = LazyLock::new(|| re(r"^\s?(SA|CH|(?i:am|pm|a\.m\.|p\.m\.))"));

/// `(GMT+7)`, `(UTC+07:00)`, `(GMT)`.
static ZONE_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*\(\s*(?i:gmt|utc|ut)(?:\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?)?\s*\)")
});

/// `GMT+7`, `UTC+07:00`, `GMT+0700`, `GMT`, `UT`.
static ZONE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?i:gmt|utc|ut)(?:\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?)?"));

/// `+07:00`, `+0700`, `+07` after an ISO time, glued or after one space.
static ZONE_ISO: LazyLock<Regex> = LazyLock::new(|| re(r"^\s?([+-])([0-9]{2})(?::?([0-9]{2}))?"));

/// RFC 2822's ` +0700` after a time.
static ZONE_SPACED: LazyLock<Regex> = LazyLock::new(|| re(r"^\s([+-])([0-9]{2})([0-9]{2})"));

/// `Z` glued to an ISO time, or an RFC 2822 zone name after a space (plus
/// `ICT`, Indochina Time).
static ZONE_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:([Zz])|\s+(EST|EDT|CST|CDT|MST|MDT|PST|PDT|ICT))"));

/// A weekday before a date: `Thứ Ba, `, `Chủ nhật - `, `T2 `, `CN, `,
/// `Tue, `, `Thứ Bảy ngày `. Anchored at the end of the text before it.
static WEEKDAY_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    let thu = lenient("thứ");
    let vi_days = lenient_any(&["hai", "ba", "tư", "năm", "sáu", "bảy", "bẩy"]);
    let cn = lenient("chủ nhật");
    re(&format!(
        r"(?i)(?:{thu}\s*(?:{vi_days}|[2-7])|{cn}|cn|t[2-7]|mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\.?(?:\s*[,\-–—|]\s*|\s+)(?:{ngay}\s*:?\s*)?$",
        ngay = lenient("ngày"),
    ))
});

/// A label before a date, with its colon: `Cập nhật: `, `Ngày đăng: `,
/// `Published: `. Without a colon a word stays with the sentence.
static LABEL_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    let labels = lenient_any(&[
        "ngày cập nhật",
        "cập nhật lúc",
        "cập nhật",
        "ngày đăng tin",
        "ngày đăng",
        "đăng ngày",
        "đăng lúc",
        "ngày ban hành",
        "ngày xuất bản",
        "ngày giờ",
        "thời gian",
        "ngày",
        "updated",
        "published",
        "posted",
        "date",
    ]);
    re(&format!(r"(?i){labels}\s*:\s*$"))
});

/// Separators that introduce a date in a listing: `Headline - 23/12/2025`.
const SEPARATORS: &[char] = &['-', '–', '—', '|', '•', '·'];

// ---------------------------------------------------------------------------
// Finding the date core

/// The date core that starts earliest in `text` (the longest on a tie).
fn first_core(text: &str) -> Option<Core> {
    // Every form below writes the year as four digits: a text without four
    // digits in a row (most headlines and teasers) is not searched at all.
    if !has_digit_run(text, 4) {
        return None;
    }
    let forms = Forms::of(text);
    let search = |may: bool, re: &Regex, kind: Kind, validate: Validate| {
        may.then(|| first_valid(re, text, kind, validate)).flatten()
    };
    [
        search(forms.dmy, &DMY, Kind::Other, dmy),
        search(forms.ymd, &YMD, Kind::Iso, ymd),
        search(forms.vi_long, &VI_LONG, Kind::Other, vi_long),
        search(forms.english, &EN_DMY, Kind::Other, en_dmy),
        search(forms.english, &EN_MDY, Kind::Other, en_mdy),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|c| (c.start, std::cmp::Reverse(c.end)))
}

/// Checks a match of a date regex and reads its date.
type Validate = fn(&Captures, &str) -> Option<NaiveDate>;

/// Which full-date forms a text may hold, from what each needs besides its
/// year, found in one pass over the bytes instead of one regex search of
/// the whole text per form (a text holds one form at most, most often
/// none). A form marked false cannot match; one marked true may.
#[derive(Debug, Default, PartialEq, Eq)]
struct Forms {
    /// [`DMY`]: a digit, a separator, then four digits.
    dmy: bool,
    /// [`YMD`]: four digits, a separator, then a digit.
    ymd: bool,
    /// [`VI_LONG`]: a digit, white space, then `th` (of `tháng`) in any case.
    vi_long: bool,
    /// [`EN_DMY`], [`EN_MDY`]: the first three letters of an English month
    /// in any case (or `ſ`, which `(?i)` matches as `s`).
    english: bool,
}

impl Forms {
    fn of(text: &str) -> Forms {
        const fn tri(s: &[u8; 3]) -> u32 {
            (s[0] as u32) << 16 | (s[1] as u32) << 8 | s[2] as u32
        }
        let bytes = text.as_bytes();
        let mut forms = Forms::default();
        let mut digits = 0usize;
        let mut window = 0u32;
        for (i, &b) in bytes.iter().enumerate() {
            let lower = b.to_ascii_lowercase();
            window = (window << 8 | u32::from(lower)) & 0xff_ffff;
            // Tested by the month's last letter, most bytes are no month's.
            forms.english |= match lower {
                b'n' => window == tri(b"jan") || window == tri(b"jun"),
                b'b' => window == tri(b"feb"),
                b'r' => window == tri(b"mar") || window == tri(b"apr"),
                b'y' => window == tri(b"may"),
                b'l' => window == tri(b"jul"),
                b'g' => window == tri(b"aug"),
                b'p' => window == tri(b"sep"),
                b't' => window == tri(b"oct"),
                b'v' => window == tri(b"nov"),
                b'c' => window == tri(b"dec"),
                _ => false,
            };
            if matches!(b, b'/' | b'.' | b'-') {
                let next = |n: usize| {
                    bytes
                        .get(i + 1..i + 1 + n)
                        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                };
                forms.ymd |= digits >= 4 && next(1);
                forms.dmy |= digits >= 1 && next(4);
            }
            if !forms.vi_long && lower == b'h' && i >= 1 && bytes[i - 1].eq_ignore_ascii_case(&b't')
            {
                let before = &text[..i - 1];
                let spaced = before.trim_end_matches(char::is_whitespace);
                forms.vi_long =
                    spaced.len() < before.len() && spaced.ends_with(|c: char| c.is_ascii_digit());
            }
            digits = if b.is_ascii_digit() { digits + 1 } else { 0 };
        }
        forms.english |= text.contains('ſ');
        forms
    }
}

/// Whether `text` holds `n` ASCII digits in a row.
fn has_digit_run(text: &str, n: usize) -> bool {
    let mut run = 0;
    text.bytes().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= n
    })
}

/// The first match of `re` in `text` that `validate` accepts. A rejected
/// match is retried one char after its start, not after its end, so no
/// candidate overlapping a rejected one is skipped (`xngày 23 tháng 12 năm
/// 2025` is refused at `ngày`, then found at `23`). Each retry moves
/// forward, so this ends.
fn first_valid(re: &Regex, text: &str, kind: Kind, validate: Validate) -> Option<Core> {
    let mut pos = 0;
    while pos < text.len() {
        let caps = re.captures_at(text, pos)?;
        let whole = caps.get(0)?;
        if let Some(date) = validate(&caps, text) {
            return Some(Core {
                date,
                kind,
                start: whole.start(),
                end: whole.end(),
            });
        }
        pos = whole.start()
            + text[whole.start()..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
    }
    None
}

/// Parse capture `i` as a number; `None` when absent or too long.
fn num<T: std::str::FromStr>(caps: &Captures, i: usize) -> Option<T> {
    caps.get(i)?.as_str().parse().ok()
}

/// A calendar date if the year is plausible and the date exists.
fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if (MIN_YEAR..=MAX_YEAR).contains(&y) {
        NaiveDate::from_ymd_opt(y, m, d)
    } else {
        None
    }
}

/// The char just before byte `i` (which must be a char boundary).
fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

/// The char at byte `i` (which must be a char boundary).
fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Is the number starting at `start` part of a longer number? True when a
/// digit precedes it, or its own separator preceded by a digit (`1.2.3.2025`).
fn glued_before(text: &str, start: usize, sep: Option<char>) -> bool {
    match char_before(text, start) {
        Some(c) if c.is_numeric() => true,
        Some(c) if Some(c) == sep => {
            char_before(text, start - c.len_utf8()).is_some_and(char::is_numeric)
        }
        _ => false,
    }
}

/// Is the number ending at `end` part of a longer number? True when a digit
/// follows it, or its own separator followed by a digit (`23.12.2025.1`).
fn glued_after(text: &str, end: usize, sep: Option<char>) -> bool {
    match char_at(text, end) {
        Some(c) if c.is_numeric() => true,
        Some(c) if Some(c) == sep => {
            char_at(text, end + c.len_utf8()).is_some_and(char::is_numeric)
        }
        _ => false,
    }
}

/// The single separator char of captures `a` and `b`, if they are equal.
fn same_sep(caps: &Captures, a: usize, b: usize) -> Option<char> {
    let (x, y) = (caps.get(a)?.as_str(), caps.get(b)?.as_str());
    (x == y).then(|| x.chars().next()).flatten()
}

/// True when the whole match of `caps` is glued to other digits.
fn glued(caps: &Captures, text: &str, sep: Option<char>) -> bool {
    caps.get(0)
        .is_none_or(|m| glued_before(text, m.start(), sep) || glued_after(text, m.end(), sep))
}

/// Day-first; month-first only when day-first is impossible.
fn dmy(caps: &Captures, text: &str) -> Option<NaiveDate> {
    let sep = same_sep(caps, 2, 4)?;
    if glued(caps, text, Some(sep)) {
        return None;
    }
    let (a, b, y) = (num(caps, 1)?, num(caps, 3)?, num(caps, 5)?);
    date(y, b, a).or_else(|| date(y, a, b))
}

fn ymd(caps: &Captures, text: &str) -> Option<NaiveDate> {
    let sep = same_sep(caps, 2, 4)?;
    if glued(caps, text, Some(sep)) {
        return None;
    }
    date(num(caps, 1)?, num(caps, 3)?, num(caps, 5)?)
}

fn vi_long(caps: &Captures, text: &str) -> Option<NaiveDate> {
    if glued(caps, text, None) || letter_inside_word(text, caps.get(0)?.start()) {
        return None;
    }
    date(num(caps, 3)?, num(caps, 2)?, num(caps, 1)?)
}

/// Month number from an English month name (any case, full or short).
fn english_month(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let short: String = name.chars().take(3).flat_map(char::to_lowercase).collect();
    let i = MONTHS.iter().position(|m| *m == short)?;
    u32::try_from(i + 1).ok()
}

fn en_dmy(caps: &Captures, text: &str) -> Option<NaiveDate> {
    if glued(caps, text, None) {
        return None;
    }
    date(
        num(caps, 3)?,
        english_month(caps.get(2)?.as_str())?,
        num(caps, 1)?,
    )
}

fn en_mdy(caps: &Captures, text: &str) -> Option<NaiveDate> {
    if glued(caps, text, None) || letter_inside_word(text, caps.get(0)?.start()) {
        return None;
    }
    date(
        num(caps, 3)?,
        english_month(caps.get(1)?.as_str())?,
        num(caps, 2)?,
    )
}

// ---------------------------------------------------------------------------
// Attaching what surrounds the core

/// Largest char boundary `<= i`.
fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Smallest char boundary `>= i`.
fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The window of text after byte `end` that suffix regexes look at.
fn after_window(text: &str, end: usize) -> &str {
    &text[end..floor_boundary(text, end.saturating_add(WINDOW))]
}

/// Does byte `i` start a word, i.e. is the char before it neither a letter,
/// a digit nor a combining mark? Checked in code because a Unicode `\b`
/// makes the regex crate leave its fast DFA on non-ASCII text.
fn starts_word(text: &str, i: usize) -> bool {
    !char_before(text, i).is_some_and(|c| c.is_alphanumeric() || is_mark(c))
}

/// Combining diacritics (U+0300..U+036F), the marks of NFD Vietnamese.
fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Does byte `i` open a letter that continues a word (`xThứ`, `xngày`)?
fn letter_inside_word(text: &str, i: usize) -> bool {
    char_at(text, i).is_some_and(char::is_alphabetic) && !starts_word(text, i)
}

/// Whether `c` may end `ngày` as [`lenient`] matches it under `(?i)`: a
/// `y` of any tone or case, or a combining mark.
fn ends_ngay(c: char) -> bool {
    "yỳýỷỹỵYỲÝỶỸỴ".contains(c) || is_mark(c)
}

/// Whether the char just before byte `start` is one `pred` accepts: a
/// cheap test before [`match_before`] with a regex that closes with one.
fn ends_with_any(text: &str, start: usize, pred: impl Fn(char) -> bool) -> bool {
    char_before(text, start).is_some_and(pred)
}

/// Match an end-anchored regex against the text before byte `start`, looking
/// at most [`WINDOW`] bytes back. Returns the captures and the absolute start
/// of the match. A match that opens with a letter must start a word.
fn match_before<'t>(re: &Regex, text: &'t str, start: usize) -> Option<(Captures<'t>, usize)> {
    let from = ceil_boundary(text, start.saturating_sub(WINDOW));
    let window = &text[from..start];
    let caps = re.captures(window)?;
    let m_start = from + caps.get(0)?.start();
    if letter_inside_word(text, m_start) {
        return None;
    }
    Some((caps, m_start))
}

/// A time of day from hour, minute and optional second/fraction captures.
/// A leap second `60` is read as `59`.
fn time_of(h: u32, m: u32, s: u32, frac: Option<&str>) -> Option<NaiveTime> {
    let nanos = match frac {
        Some(f) => {
            let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            digits.parse().ok()?
        }
        None => 0,
    };
    NaiveTime::from_hms_nano_opt(h, m, s.min(59), nanos)
}

/// Apply an AM/PM marker to a time. `SA`/`AM` is morning, `CH`/`PM`
/// afternoon. A marker that contradicts a 24-hour time (`13:00 PM`) is
/// ignored.
fn apply_meridiem(t: NaiveTime, marker: &str) -> NaiveTime {
    let pm = matches!(marker.chars().next(), Some('C' | 'P' | 'p'));
    let h = t.hour();
    let hour = match (h, pm) {
        (12, false) => 0,
        (1..=11, true) => h + 12,
        _ => h,
    };
    t.with_hour(hour).unwrap_or(t)
}

/// A time written right after byte `end`; returns it and the new end.
fn time_after(text: &str, end: usize) -> Option<(NaiveTime, usize)> {
    let window = after_window(text, end);
    // What TIME_AFTER opens with past white space: a separator, `lúc`,
    // the hour itself or ISO's `T`.
    if !window.trim_start().starts_with(|c: char| {
        c.is_ascii_digit() || matches!(c, ',' | '|' | '-' | '–' | '—' | 'l' | 'L' | 'T')
    }) {
        return None;
    }
    let caps = TIME_AFTER.captures(window)?;
    let mut new_end = end + caps.get(0)?.end();
    let hour = num(&caps, 1)?;
    let (time, h_form) = if let Some(h_min) = caps.get(5) {
        (time_of(hour, h_min.as_str().parse().ok()?, 0, None)?, true)
    } else if caps.get(2).is_some() {
        let sec = caps.get(3).map_or(Some(0), |s| s.as_str().parse().ok())?;
        let frac = caps.get(4).map(|f| f.as_str());
        (time_of(hour, num(&caps, 2)?, sec, frac)?, false)
    } else {
        // `8h` alone.
        (time_of(hour, 0, 0, None)?, true)
    };
    match char_at(text, new_end) {
        Some(c) if c.is_numeric() => return None,
        Some(c) if h_form && c.is_alphabetic() => return None,
        _ => {}
    }
    let mut time = time;
    if let Some(m) = MERIDIEM.captures(after_window(text, new_end)) {
        let whole = m.get(0)?;
        let m_end = new_end + whole.end();
        if !char_at(text, m_end).is_some_and(char::is_alphanumeric) {
            time = apply_meridiem(time, m.get(1)?.as_str());
            new_end = m_end;
        }
    }
    Some((time, new_end))
}

/// A time written right before byte `start` (`12:47 | 07/07/2025`);
/// returns it and the new start.
fn time_before(text: &str, start: usize) -> Option<(NaiveTime, usize)> {
    // What TIME_BEFORE closes with: white space, a separator or `ngày`.
    if !ends_with_any(text, start, |c| {
        c.is_whitespace() || matches!(c, ',' | '|' | '-' | '–' | '—') || ends_ngay(c)
    }) {
        return None;
    }
    let (caps, m_start) = match_before(&TIME_BEFORE, text, start)?;
    if glued_before(text, m_start, Some(':')) {
        return None;
    }
    // The end of a time range (`08:00-10:00 ngày 23/12/2025`) is not the
    // time of the date.
    let head = text[..m_start].trim_end();
    if let Some(dash @ ('-' | '–' | '—')) = head.chars().next_back() {
        if char_before(head, head.len() - dash.len_utf8()).is_some_and(char::is_numeric) {
            return None;
        }
    }
    let hour = num(&caps, 1)?;
    let mut time = if let Some(h_min) = caps.get(4) {
        time_of(hour, h_min.as_str().parse().ok()?, 0, None)?
    } else if caps.get(2).is_some() {
        let sec = caps.get(3).map_or(Some(0), |s| s.as_str().parse().ok())?;
        time_of(hour, num(&caps, 2)?, sec, None)?
    } else {
        time_of(hour, 0, 0, None)?
    };
    if let Some(marker) = caps.get(5) {
        time = apply_meridiem(time, marker.as_str());
    }
    Some((time, m_start))
}

/// An offset from sign, hours and optional minutes captures; `None` beyond
/// ±14:59 (no real zone is further out).
fn offset_of(caps: &Captures, sign: usize, hours: usize, minutes: usize) -> Option<FixedOffset> {
    let Some(sign) = caps.get(sign) else {
        // A bare `GMT` / `UTC`.
        return FixedOffset::east_opt(0);
    };
    let h: i32 = num(caps, hours)?;
    let m: i32 = caps
        .get(minutes)
        .map_or(Some(0), |m| m.as_str().parse().ok())?;
    if h > 14 || m > 59 {
        return None;
    }
    let secs = h * 3600 + m * 60;
    FixedOffset::east_opt(if sign.as_str() == "-" { -secs } else { secs })
}

/// An offset written right after byte `end`; returns it and the new end.
/// Numeric and named zones count only after a time (`has_time`); outside
/// ISO dates a numeric one needs RFC 2822's ` +0700` shape, since
/// `08:00-10:00` or `08:00 -10:00` is a time range, not an offset.
fn zone_after(text: &str, end: usize, has_time: bool, kind: Kind) -> Option<(FixedOffset, usize)> {
    let window = after_window(text, end);
    let ends_word = |e: usize| !char_at(text, e).is_some_and(char::is_alphanumeric);
    // Every zone opens, past white space, with one of a few characters:
    // the regexes are asked only when the text does.
    let lead = window.trim_start();
    let opens = |cs: &[char]| lead.starts_with(cs);
    if opens(&['(']) {
        if let Some(c) = ZONE_PAREN.captures(window) {
            return Some((offset_of(&c, 1, 2, 3)?, end + c.get(0)?.end()));
        }
    }
    if let Some(c) = opens(&['g', 'G', 'u', 'U'])
        .then(|| ZONE_LABEL.captures(window))
        .flatten()
    {
        let e = end + c.get(0)?.end();
        return if ends_word(e) {
            Some((offset_of(&c, 1, 2, 3)?, e))
        } else {
            None
        };
    }
    if !has_time {
        return None;
    }
    let named = window.starts_with(['Z', 'z'])
        || (window.starts_with(char::is_whitespace) && opens(&['E', 'C', 'M', 'P', 'I']));
    if let Some(c) = named.then(|| ZONE_NAME.captures(window)).flatten() {
        let e = end + c.get(0)?.end();
        if !ends_word(e) {
            return None;
        }
        let hours = match c.get(2).map(|m| m.as_str()) {
            None => 0, // Z
            Some("EDT") => -4,
            Some("EST" | "CDT") => -5,
            Some("CST" | "MDT") => -6,
            Some("MST" | "PDT") => -7,
            Some("PST") => -8,
            Some("ICT") => 7,
            Some(_) => return None,
        };
        return Some((FixedOffset::east_opt(hours * 3600)?, e));
    }
    if !opens(&['+', '-']) {
        return None;
    }
    let numeric = if kind == Kind::Iso {
        ZONE_ISO.captures(window)
    } else {
        ZONE_SPACED.captures(window)
    };
    let c = numeric?;
    let e = end + c.get(0)?.end();
    if char_at(text, e).is_some_and(char::is_numeric) {
        return None;
    }
    Some((offset_of(&c, 1, 2, 3)?, e))
}

/// Grow a core into the full written date: time (after, else before),
/// offset, weekday, label, brackets and separators.
fn attach(text: &str, core: Core) -> Found {
    let mut f = Found {
        date: core.date,
        time: None,
        offset: None,
        start: core.start,
        end: core.end,
    };
    attach_time_and_zone(text, &mut f, core.kind);
    attach_surroundings(text, &mut f);
    f
}

/// Attach a time (after the date, else before it) and then an offset.
fn attach_time_and_zone(text: &str, f: &mut Found, kind: Kind) {
    if f.time.is_none() {
        if let Some((t, e)) = time_after(text, f.end) {
            f.time = Some(t);
            f.end = e;
        } else if let Some((t, s)) = time_before(text, f.start) {
            f.time = Some(t);
            f.start = s;
        }
    }
    if f.offset.is_none() {
        if let Some((o, e)) = zone_after(text, f.end, f.time.is_some(), kind) {
            f.offset = Some(o);
            f.end = e;
        }
    }
}

/// Attach weekday and label (each once, in either order), then a pair of
/// brackets around everything, then a separator.
fn attach_surroundings(text: &str, f: &mut Found) {
    let (mut weekday, mut label) = (false, false);
    loop {
        // WEEKDAY_BEFORE closes with white space, a separator, `ngày` or
        // its colon; LABEL_BEFORE with a colon and white space.
        if !weekday
            && ends_with_any(text, f.start, |c| {
                c.is_whitespace() || matches!(c, ',' | '-' | '–' | '—' | '|' | ':') || ends_ngay(c)
            })
        {
            if let Some((_, s)) = match_before(&WEEKDAY_BEFORE, text, f.start) {
                f.start = s;
                weekday = true;
                continue;
            }
        }
        if !label && text[..f.start].trim_end().ends_with(':') {
            if let Some((_, s)) = match_before(&LABEL_BEFORE, text, f.start) {
                f.start = s;
                label = true;
                continue;
            }
        }
        break;
    }

    // Brackets: only a pair, `(23/12/2025 08:30)` or `[23/12/2025]`.
    let before = text[..f.start].trim_end();
    let after = text[f.end..].trim_start();
    if let (Some(open @ ('(' | '[')), Some(close)) =
        (before.chars().next_back(), after.chars().next())
    {
        if (open, close) == ('(', ')') || (open, close) == ('[', ']') {
            f.start = before.len() - open.len_utf8();
            f.end = text.len() - after.len() + close.len_utf8();
        }
    }

    // A leading separator that stands alone: `Headline - 23/12/2025`.
    let before = text[..f.start].trim_end();
    if let Some(sep) = before
        .chars()
        .next_back()
        .filter(|c| SEPARATORS.contains(c))
    {
        let sep_start = before.len() - sep.len_utf8();
        if char_before(text, sep_start).is_none_or(char::is_whitespace) {
            f.start = sep_start;
            return;
        }
    }

    // A date that opens the text takes the separator after it instead:
    // `23/12/2025 - Teaser`, but not the dash of a range `9/9/2025 - 10/9/2025`.
    if text[..f.start].trim().is_empty() {
        let after = text[f.end..].trim_start();
        if let Some(sep) = after
            .chars()
            .next()
            .filter(|c| SEPARATORS.contains(c) || *c == ':')
        {
            let sep_end = text.len() - after.len() + sep.len_utf8();
            let rest = text[sep_end..].trim_start();
            if char_at(text, sep_end).is_none_or(char::is_whitespace)
                && !rest.starts_with(|c: char| c.is_numeric())
            {
                f.end = sep_end;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Admin-configured formats

/// Parse with the admin's strftime `fmt`: the whole text first, then the
/// first substring that fits (not glued to other digits). A date-only match
/// still takes the time and offset written next to it.
fn parse_with_format(text: &str, fmt: &str, tz: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let items: Vec<Item> = StrftimeItems::new(fmt).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return None;
    }
    let mut parsed = Parsed::new();
    if format::parse(&mut parsed, text, items.iter()).is_ok() {
        if let Some(found) = found_from_parsed(&parsed, 0, text.len()) {
            return found.instant(tz);
        }
    }
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || glued_before(text, i, None) {
            continue;
        }
        let mut parsed = Parsed::new();
        let Ok(rest) = format::parse_and_remainder(&mut parsed, &text[i..], items.iter()) else {
            continue;
        };
        let end = text.len() - rest.len();
        if end == i || glued_after(text, end, None) {
            continue;
        }
        let Some(mut found) = found_from_parsed(&parsed, i, end) else {
            continue;
        };
        attach_time_and_zone(text, &mut found, kind_of(&text[i..end]));
        return found.instant(tz);
    }
    None
}

/// The kind of a date written by a format: ISO when it opens with a
/// four-digit year (`2025-12-23`), so a glued `+07:00` after it is an offset.
fn kind_of(written: &str) -> Kind {
    let b = written.as_bytes();
    if b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && !b[4].is_ascii_digit() {
        Kind::Iso
    } else {
        Kind::Other
    }
}

/// What a format parse yielded, if it names a plausible calendar date.
fn found_from_parsed(parsed: &Parsed, start: usize, end: usize) -> Option<Found> {
    let d = parsed.to_naive_date().ok()?;
    let date = date(d.year(), d.month(), d.day())?;
    Some(Found {
        date,
        time: parsed.to_naive_time().ok(),
        offset: parsed.offset().and_then(FixedOffset::east_opt),
        start,
        end,
    })
}

// ---------------------------------------------------------------------------
// Dates that leave something out: `26/12` (no year) and "3 giờ trước"

/// What completes a date written without its year or relative to now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The year of a `dd/mm` comes from here: the page's own date when it
    /// has one, else the fetch time.
    pub reference: DateTime<FixedOffset>,
    /// How many days after `reference` a `dd/mm` may fall and still be of
    /// its year; later ones are of the year before (a list on a page dated
    /// 2 January may show `30/12`). Lists on an article page can be newer
    /// than the article, so a page's own date allows more than the fetch time.
    pub ahead_days: i64,
    /// The fetch time: relative times count back from it.
    pub now: DateTime<FixedOffset>,
}

impl Context {
    /// Dates read against the fetch time alone.
    pub fn at(now: DateTime<FixedOffset>) -> Context {
        Context {
            reference: now,
            ahead_days: 3,
            now,
        }
    }

    /// Dates read against the page's own date, fetched at `now`.
    pub fn page(page_date: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> Context {
        Context {
            reference: page_date,
            ahead_days: 60,
            now,
        }
    }

    /// The year of day `d` of month `m`: the reference's own year, the next
    /// one (a December page listing `02/01`) or the one before, whichever
    /// puts it latest without passing `ahead_days` after the reference.
    fn complete(&self, m: u32, d: u32) -> Option<NaiveDate> {
        let reference = self.reference.date_naive();
        let limit = reference + chrono::Duration::days(self.ahead_days);
        let y = reference.year();
        [y + 1, y, y - 1, y - 2, y - 3, y - 4]
            .into_iter()
            .filter_map(|y| date(y, m, d))
            .find(|c| *c <= limit)
    }
}

/// `26/12` or `26-12`: day and month, no year. Which of these are dates is
/// decided in code ([`short_date`]): fractions and scores look the same.
static DM: LazyLock<Regex> = LazyLock::new(|| re(r"([0-9]{1,2})([/\-])([0-9]{1,2})"));

/// "3 giờ trước", "5 phút trước", "1 ngày trước", "hôm qua", "vừa xong".
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:([0-9]{{1,3}})\s*(?:({giay})|({phut})|({gio})|({ngay})|({tuan})|({thang}))\s+{truoc}|({hom_qua})|({vua_xong}))",
        giay = lenient("giây"),
        phut = lenient("phút"),
        gio = lenient_any(&["giờ", "tiếng"]),
        ngay = lenient("ngày"),
        tuan = lenient("tuần"),
        thang = lenient("tháng"),
        truoc = lenient("trước"),
        hom_qua = lenient("hôm qua"),
        vua_xong = lenient_any(&["vừa xong", "vừa mới", "mới đây"]),
    ))
});

/// Like [`find_date`], and when the text has no full date, a `dd/mm` or a
/// relative time completed by `ctx`. A `dd/mm` counts only where a date
/// stands apart: in brackets, with a time (`10:30 26/12`, `26/12 10:30`),
/// after a label or a separator, or alone; a relative time only at the end
/// of the text or in brackets. Headlines hold fractions and scores (`giảm
/// 1/2 học phí`, `thắng 3-1`) and phrases such as "2 ngày trước khi…".
#[must_use]
pub fn find_date_in(
    text: &str,
    tz: FixedOffset,
    ctx: Option<&Context>,
) -> Option<(DateTime<FixedOffset>, Range<usize>)> {
    if let Some(found) = find_date(text, tz) {
        return Some(found);
    }
    let ctx = ctx?;
    let short = short_date(text, ctx).and_then(|f| Some((f.instant(tz)?, f.start..f.end)));
    let relative = relative_date(text, ctx);
    match (short, relative) {
        (Some(a), Some(b)) => Some(if a.1.start <= b.1.start { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// A date at the very end of `text` (`Tiêu đề (26/12)`, `Tiêu đề - 26/12/2012`,
/// `Tiêu đề (3 giờ trước)`), after at least one word: the date and where
/// its written form starts, so a caller can cut it off a headline.
#[must_use]
pub fn trailing_date(
    text: &str,
    tz: FixedOffset,
    ctx: Option<&Context>,
) -> Option<(DateTime<FixedOffset>, usize)> {
    let trimmed = text.trim_end();
    let mut from = 0;
    // A headline may hold earlier dates ("Ngày 2/9: …"): look past them.
    for _ in 0..4 {
        let rest = &trimmed[from..];
        let (instant, r) = find_date_in(rest, tz, ctx)?;
        let (start, end) = (from + r.start, from + r.end);
        if end >= trimmed.len() {
            // "… từ ngày 01/01/2026" says when, as part of the sentence:
            // only a date set apart (in brackets, after a dash or a bar)
            // is the headline's date.
            if !trimmed[start..]
                .starts_with(|c: char| SEPARATORS.contains(&c) || matches!(c, '(' | '['))
            {
                return None;
            }
            let head = trimmed[..start].trim_end();
            return head
                .chars()
                .any(char::is_alphabetic)
                .then_some((instant, start));
        }
        from = ceil_boundary(trimmed, end.max(from + 1));
    }
    None
}

/// The first `dd/mm` of `text` that stands apart as a date.
fn short_date(text: &str, ctx: &Context) -> Option<Found> {
    let mut pos = 0;
    while pos < text.len() {
        let caps = DM.captures_at(text, pos)?;
        let whole = caps.get(0)?;
        pos = whole.end();
        let sep = caps.get(2).and_then(|s| s.as_str().chars().next());
        // Not part of a longer number or a full date, nor `1/2/3`.
        let before = char_before(text, whole.start());
        let after = char_at(text, whole.end());
        if before.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '.' || Some(c) == sep)
            || after.is_some_and(|c| c.is_alphanumeric() || c == '/' || Some(c) == sep)
        {
            continue;
        }
        let (Some(d), Some(m)) = (num::<u32>(&caps, 1), num::<u32>(&caps, 3)) else {
            continue;
        };
        if !(1..=31).contains(&d) || !(1..=12).contains(&m) {
            continue;
        }
        // A dash is a score or a range far more often than a date.
        if sep == Some('-') {
            continue;
        }
        let Some(day) = ctx.complete(m, d) else {
            continue;
        };
        let mut f = Found {
            date: day,
            time: None,
            offset: None,
            start: whole.start(),
            end: whole.end(),
        };
        attach_time_and_zone(text, &mut f, Kind::Other);
        let core_start = f.start;
        attach_surroundings(text, &mut f);
        let rest = text[f.end..].trim_start();
        let head = text[..f.start].trim_end();
        let bracketed = matches!(char_at(text, f.start), Some('(' | '['));
        let labelled = f.start < core_start && !bracketed;
        let ends = rest.is_empty()
            || rest.starts_with(|c: char| SEPARATORS.contains(&c) || matches!(c, ')' | ']' | ','));
        let opens = head.is_empty() || SEPARATORS.contains(&char_at(text, f.start).unwrap_or(' '));
        if f.time.is_some() || bracketed || (ends && (opens || labelled)) {
            return Some(f);
        }
    }
    None
}

/// The first relative time of `text` that ends it or stands in brackets.
fn relative_date(text: &str, ctx: &Context) -> Option<(DateTime<FixedOffset>, Range<usize>)> {
    let mut pos = 0;
    while pos < text.len() {
        let caps = RELATIVE.captures_at(text, pos)?;
        let whole = caps.get(0)?;
        pos = whole.end();
        if !starts_word(text, whole.start())
            || char_at(text, whole.end()).is_some_and(|c| c.is_alphanumeric() || is_mark(c))
        {
            continue;
        }
        let (mut start, mut end) = (whole.start(), whole.end());
        let head = text[..start].trim_end();
        let rest = text[end..].trim_start();
        let bracketed = head.ends_with(['(', '[']) && rest.starts_with([')', ']']);
        if bracketed {
            start = head.len() - 1;
            end = text.len() - rest.len() + 1;
        } else if rest.is_empty() {
            if let Some(sep) = head.chars().next_back().filter(|c| SEPARATORS.contains(c)) {
                start = head.len() - sep.len_utf8();
            }
        } else {
            continue;
        }
        let now = ctx.now;
        let instant = if let Some(n) = caps.get(1) {
            let n: i64 = n.as_str().parse().ok()?;
            const UNITS: [i64; 6] = [1, 60, 3600, 86_400, 7 * 86_400, 30 * 86_400];
            let unit = (2..8).position(|i| caps.get(i).is_some())?;
            now - chrono::Duration::seconds(n * UNITS[unit])
        } else if caps.get(8).is_some() {
            let day = now.date_naive().pred_opt()?;
            now.offset()
                .from_local_datetime(&day.and_time(NaiveTime::MIN))
                .single()?
        } else {
            now
        };
        return Some((instant, start..end));
    }
    None
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn vn() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).expect("+07:00")
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test instant")
    }

    /// Assert that `parse_date` gives exactly `want` (instant and offset).
    fn check(input: &str, format: Option<&str>, want: &str) {
        let got = parse_date(input, vn(), format);
        let want = at(want);
        assert_eq!(got, Some(want), "parse_date({input:?}, {format:?})");
        let got = got.expect("checked");
        assert_eq!(got.offset(), want.offset(), "offset of {input:?}");
    }

    /// Assert that `find_date` finds `want` and that the range covers `span`.
    fn check_find(input: &str, want: &str, span: &str) {
        let (got, range) = find_date(input, vn()).unwrap_or_else(|| panic!("no date in {input:?}"));
        let want = at(want);
        assert_eq!(got, want, "find_date({input:?})");
        assert_eq!(got.offset(), want.offset(), "offset of {input:?}");
        assert_eq!(&input[range], span, "range in {input:?}");
    }

    fn check_none(input: &str) {
        assert_eq!(parse_date(input, vn(), None), None, "parse_date({input:?})");
        assert_eq!(find_date(input, vn()), None, "find_date({input:?})");
    }

    /// Every built-in pattern compiles (`re` panics otherwise) and finds the
    /// form its comment promises, and none matches a text with no date.
    #[test]
    fn a_form_the_one_pass_rules_out_is_never_matched() {
        let texts = [
            "23/12/2025",
            "Hà Nội, 1.2.2025 - tin",
            "2025-12-23T08:00:00+07:00",
            "2025/1/2",
            "Ngày 23 tháng 12 năm 2025",
            "NGÀY 23\u{a0}THÁNG 12, 2025",
            "23 Tha\u{301}ng 12 2025",
            "23\u{2003}\u{2003}tHáng 1 2025",
            "23rd December, 2025",
            "Dec. 23, 2025",
            "SEPT 3 2025",
            "ſep 3, 2025",
            "3 ſeptember 2025",
            "Tue, 23 Dec 2025 08:00:00 +0700",
            "Học sinh 2025 thi tốt 12 tháng",
            "số 12-2025 ngày 3 tháng",
            "Trường học xanh sạch đẹp năm 2025",
            "",
        ];
        let forms = [
            ("DMY", &*DMY, (|f: &Forms| f.dmy) as fn(&Forms) -> bool),
            ("YMD", &*YMD, |f| f.ymd),
            ("VI_LONG", &*VI_LONG, |f| f.vi_long),
            ("EN_DMY", &*EN_DMY, |f| f.english),
            ("EN_MDY", &*EN_MDY, |f| f.english),
        ];
        let mut matched = 0;
        for t in texts {
            let f = Forms::of(t);
            for (name, re, may) in &forms {
                if re.is_match(t) {
                    matched += 1;
                    assert!(may(&f), "{name} matches {t:?}, ruled out: {f:?}");
                }
            }
        }
        assert!(matched >= 12, "{matched}");
        assert_eq!(
            Forms::of("Trường học xanh sạch đẹp của thành phố năm 2025"),
            Forms::default()
        );
    }

    #[test]
    fn the_tests_before_the_surrounding_regexes_refuse_nothing_they_match() {
        let lead = |w: &str| w.trim_start().chars().next().unwrap_or(' ');
        for w in [
            " 08:30",
            ", 8h30",
            " lúc 08:30",
            " LÚC 8h",
            "T08:30:00",
            " - 08:30",
            " — 9h",
        ] {
            assert!(TIME_AFTER.is_match(w), "{w:?}");
            assert!(time_after(&format!("x{w}"), 1).is_some(), "{w:?}");
        }
        for w in [
            "08:30 ",
            "12:47 | ",
            "8h30 ngày ",
            "8h30 ngàY",
            "8h30 ngaỳ",
            "8h30 nga\u{300}y",
            "08:30 CH, ",
        ] {
            assert!(TIME_BEFORE.is_match(w), "{w:?}");
            assert!(time_before(w, w.len()).is_some(), "{w:?}");
        }
        for w in [
            "Thứ Ba, ",
            "Chủ nhật - ",
            "T2 ",
            "Tue, ",
            "Thứ Bảy ngày ",
            "Thứ hai ngàỹ",
            "CN ngày:",
        ] {
            assert!(WEEKDAY_BEFORE.is_match(w), "{w:?}");
            let c = w.chars().next_back().unwrap();
            assert!(
                c.is_whitespace() || matches!(c, ',' | '-' | ':') || ends_ngay(c),
                "{w:?}"
            );
        }
        assert!(LABEL_BEFORE.is_match("Cập nhật : "));
        for (w, first) in [
            (" (GMT+7)", '('),
            ("GMT+7", 'G'),
            (" utc", 'u'),
            ("Z", 'Z'),
            (" ICT", 'I'),
            ("+07:00", '+'),
            (" +0700", '+'),
        ] {
            assert_eq!(lead(w), first, "{w:?}");
            assert!(
                zone_after(&format!("x{w}"), 1, true, Kind::Iso).is_some()
                    || zone_after(&format!("x{w}"), 1, true, Kind::Other).is_some(),
                "{w:?}"
            );
        }
    }

    #[test]
    fn regexes_compile() {
        for (name, r, sample) in [
            ("DMY", &DMY, "23/12/2025"),
            ("YMD", &YMD, "2025-12-23"),
            ("VI_LONG", &VI_LONG, "Ngày 23 tháng 12 năm 2025"),
            ("EN_DMY", &EN_DMY, "23rd December, 2025"),
            ("EN_MDY", &EN_MDY, "Dec. 23, 2025"),
            ("TIME_AFTER", &TIME_AFTER, " lúc 08:30"),
            ("TIME_BEFORE", &TIME_BEFORE, "08h30, "),
            ("MERIDIEM", &MERIDIEM, " p.m."),
            ("ZONE_PAREN", &ZONE_PAREN, " (GMT+7)"),
            ("ZONE_LABEL", &ZONE_LABEL, " UTC+07:00"),
            ("ZONE_ISO", &ZONE_ISO, "+07:00"),
            ("ZONE_SPACED", &ZONE_SPACED, " +0700"),
            ("ZONE_NAME", &ZONE_NAME, " ICT"),
            ("WEEKDAY_BEFORE", &WEEKDAY_BEFORE, "Thứ Ba, "),
            ("LABEL_BEFORE", &LABEL_BEFORE, "Cập nhật: "),
            ("DM", &DM, "26/12"),
            ("RELATIVE", &RELATIVE, "3 giờ trước"),
        ] {
            assert!(r.is_match(sample), "{name} does not match {sample:?}");
            assert!(!r.is_match("không có ngày"), "{name} matches plain words");
        }
    }

    #[test]
    fn numeric_dates_day_first() {
        for (input, want) in [
            ("23/12/2025", "2025-12-23T00:00:00+07:00"),
            ("2/3/2021", "2021-03-02T00:00:00+07:00"),
            ("23-12-2025", "2025-12-23T00:00:00+07:00"),
            ("23.12.2025", "2025-12-23T00:00:00+07:00"),
            ("03/04/2025", "2025-04-03T00:00:00+07:00"),
            ("29/02/2024", "2024-02-29T00:00:00+07:00"),
            ("  23/12/2025\u{a0}", "2025-12-23T00:00:00+07:00"),
        ] {
            check(input, None, want);
        }
    }

    #[test]
    fn us_order_only_when_day_first_is_impossible() {
        check("12/23/2025", None, "2025-12-23T00:00:00+07:00");
        check("(12/23/2025)", None, "2025-12-23T00:00:00+07:00");
        check("02/29/2024", None, "2024-02-29T00:00:00+07:00");
        check("03/04/2025", None, "2025-04-03T00:00:00+07:00");
    }

    #[test]
    fn dates_with_time_and_decoration() {
        for (input, want) in [
            ("23/12/2025 08:30", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 08:30:15", "2025-12-23T08:30:15+07:00"),
            ("23/12/2025, 08:30", "2025-12-23T08:30:00+07:00"),
            ("(23/12/2025)", "2025-12-23T00:00:00+07:00"),
            ("(23/12/2025 08:30)", "2025-12-23T08:30:00+07:00"),
            ("- 23/12/2025", "2025-12-23T00:00:00+07:00"),
            (
                "Thứ Ba, 23/12/2025, 08:30 (GMT+7)",
                "2025-12-23T08:30:00+07:00",
            ),
            ("Thứ Bảy, 26/01/2019 19:26", "2019-01-26T19:26:00+07:00"),
            (
                "Thứ hai, 15/1/2024, 08:30 (GMT+7)",
                "2024-01-15T08:30:00+07:00",
            ),
            ("12:47 | 07/07/2025", "2025-07-07T12:47:00+07:00"),
            ("08:30 23/12/2025", "2025-12-23T08:30:00+07:00"),
            ("Cập nhật: 23/12/2025 08:30", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 lúc 8h30", "2025-12-23T08:30:00+07:00"),
            ("8h ngày 23/12/2025", "2025-12-23T08:00:00+07:00"),
            ("23/12/2025 - 08:30", "2025-12-23T08:30:00+07:00"),
        ] {
            check(input, None, want);
        }
    }

    #[test]
    fn am_pm_markers() {
        for (input, want) in [
            ("23/12/2025 08:30 SA", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 08:30 CH", "2025-12-23T20:30:00+07:00"),
            ("23/12/2025 12:05 SA", "2025-12-23T00:05:00+07:00"),
            ("23/12/2025 12:05 CH", "2025-12-23T12:05:00+07:00"),
            ("23/12/2025 8:30 PM", "2025-12-23T20:30:00+07:00"),
            ("12/23/2025 8:30:00 AM", "2025-12-23T08:30:00+07:00"),
        ] {
            check(input, None, want);
        }
    }

    /// Every written offset must win over the configured tz: checked with a
    /// tz (+01:00) that no input carries, so a +07:00 can only come from the
    /// text.
    #[test]
    fn explicit_offsets_win_over_tz() {
        let other = FixedOffset::east_opt(3600).expect("+01:00");
        for (input, want) in [
            (
                "Thứ Ba, 23/12/2025, 08:30 (GMT+7)",
                "2025-12-23T08:30:00+07:00",
            ),
            (
                "Thứ hai, 15/1/2024, 08:30 (GMT+7)",
                "2024-01-15T08:30:00+07:00",
            ),
            ("2025-12-23T08:30:00+07:00", "2025-12-23T08:30:00+07:00"),
            (
                "2025-12-23T08:30:00.123+07:00",
                "2025-12-23T08:30:00.123+07:00",
            ),
            ("2025-12-23T08:30+0700", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23T08:30:00+07", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23 08:30:00 +07:00", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23T01:30:00Z", "2025-12-23T01:30:00+00:00"),
            (
                "Tue, 23 Dec 2025 08:30:00 +0700",
                "2025-12-23T08:30:00+07:00",
            ),
            ("23 Dec 2025 08:30 +0700", "2025-12-23T08:30:00+07:00"),
            ("Tue, 23 Dec 2025 08:30:00 ICT", "2025-12-23T08:30:00+07:00"),
            (
                "Tue Dec 23 2025 08:30:00 GMT+0700 (Indochina Time)",
                "2025-12-23T08:30:00+07:00",
            ),
        ] {
            let got = parse_date(input, other, None);
            assert_eq!(got, Some(at(want)), "parse_date({input:?})");
            assert_eq!(
                got.map(|d| *d.offset()),
                Some(*at(want).offset()),
                "offset of {input:?}"
            );
        }
        for (input, want) in [
            ("23/12/2025 08:30 GMT+7", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 08:30 (GMT+07:00)", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 08:30 UTC+7", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 01:30 (GMT)", "2025-12-23T01:30:00+00:00"),
            ("23/12/2025 08:30 GMT+0530", "2025-12-23T08:30:00+05:30"),
            ("23/12/2025 08:30 -0500", "2025-12-23T08:30:00-05:00"),
            // Not offsets: a time range, and an offset that does not exist.
            ("23/12/2025 08:00 -10:00", "2025-12-23T08:00:00+07:00"),
            ("2025-12-23T08:30:00+15:00", "2025-12-23T08:30:00+07:00"),
            ("23/12/2025 (GMT+9)", "2025-12-23T00:00:00+09:00"),
        ] {
            check(input, None, want);
        }
        // Another configured tz applies only to dates without an offset.
        let utc = FixedOffset::east_opt(0).expect("utc");
        assert_eq!(
            parse_date("23/12/2025 08:30", utc, None),
            Some(at("2025-12-23T08:30:00+00:00"))
        );
        assert_eq!(
            parse_date("23/12/2025 08:30 (GMT+7)", utc, None),
            Some(at("2025-12-23T08:30:00+07:00"))
        );
    }

    #[test]
    fn iso_8601_and_rfc_3339() {
        for (input, want) in [
            ("2025-12-23T08:30:00+07:00", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23T01:30:00Z", "2025-12-23T01:30:00+00:00"),
            ("2025-12-23T08:30:00", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23 08:30:00", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23", "2025-12-23T00:00:00+07:00"),
            (
                "2025-12-23T08:30:00.123+07:00",
                "2025-12-23T08:30:00.123+07:00",
            ),
            (
                "2025-12-23T08:30:00.123456789Z",
                "2025-12-23T08:30:00.123456789+00:00",
            ),
            ("2025-12-23T08:30:00,5", "2025-12-23T08:30:00.5+07:00"),
            ("2025-12-23T08:30+0700", "2025-12-23T08:30:00+07:00"),
            ("2025-12-23T08:30:00-05:00", "2025-12-23T08:30:00-05:00"),
            ("2025-12-23 08:30:00 -05:00", "2025-12-23T08:30:00-05:00"),
            ("2025/12/23 08:30", "2025-12-23T08:30:00+07:00"),
        ] {
            check(input, None, want);
        }
    }

    #[test]
    fn rfc_2822() {
        for (input, want) in [
            (
                "Tue, 23 Dec 2025 08:30:00 +0700",
                "2025-12-23T08:30:00+07:00",
            ),
            ("Tue, 23 Dec 2025 01:30:00 GMT", "2025-12-23T01:30:00+00:00"),
            ("23 Dec 2025 08:30:00 +0700", "2025-12-23T08:30:00+07:00"),
            ("23 Dec 2025 08:30 +0700", "2025-12-23T08:30:00+07:00"),
            ("Tue, 23 Dec 2025 01:30:00 UT", "2025-12-23T01:30:00+00:00"),
            ("Tue, 23 Dec 2025 03:30:00 EST", "2025-12-23T03:30:00-05:00"),
            ("Tue, 23 Dec 2025 08:30:00 ICT", "2025-12-23T08:30:00+07:00"),
            // A wrong weekday does not lose the date.
            (
                "Mon, 23 Dec 2025 08:30:00 +0700",
                "2025-12-23T08:30:00+07:00",
            ),
            ("Tue, 23 Dec 2025 08:30:00", "2025-12-23T08:30:00+07:00"),
            ("December 23, 2025", "2025-12-23T00:00:00+07:00"),
        ] {
            check(input, None, want);
        }
    }

    #[test]
    fn vietnamese_long_form() {
        for input in [
            "Ngày 23 tháng 12 năm 2025",
            "ngày 23 tháng 12 năm 2025",
            "NGÀY 23 THÁNG 12 NĂM 2025",
            "23 tháng 12, 2025",
            // NFD and without diacritics.
            "Nga\u{300}y 23 tha\u{301}ng 12 na\u{306}m 2025",
            "Ngay 23 thang 12 nam 2025",
        ] {
            check(input, None, "2025-12-23T00:00:00+07:00");
        }
        check_find(
            "Hải Phòng, ngày 23 tháng 12 năm 2025",
            "2025-12-23T00:00:00+07:00",
            "ngày 23 tháng 12 năm 2025",
        );
    }

    #[test]
    fn nonsense_is_rejected() {
        for input in [
            "",
            "   ",
            "32/13/2025",
            "29/02/2025",
            "31/04/2025",
            "23/12/1899",
            "23/12/2101",
            "số 211/KH-UBND",
            "Kết luận số 49-KL/TW",
            "0225.3842.111",
            "v1.2.3",
            "1.2.3.2025",
            "23.12.2025.1",
            "1/2",
            "23/12",
            "123/12/20255",
            "023/12/2025",
            "23/12/20255",
            "23/12-2025",
            "99 Dec 2025",
            "2025-13-01",
            "tháng 12 năm 2025",
            "\u{301}\u{301}",
        ] {
            check_none(input);
        }
    }

    #[test]
    fn find_date_in_free_text() {
        for (input, want, span) in [
            (
                "Headline về giáo dục … 23/12/2025",
                "2025-12-23T00:00:00+07:00",
                "23/12/2025",
            ),
            (
                "Headline - 23/12/2025",
                "2025-12-23T00:00:00+07:00",
                "- 23/12/2025",
            ),
            (
                "Hội nghị tổng kết (23/12/2025 08:30)",
                "2025-12-23T08:30:00+07:00",
                "(23/12/2025 08:30)",
            ),
            (
                "12:47 | 07/07/2025 Hải Phòng khai giảng",
                "2025-07-07T12:47:00+07:00",
                "12:47 | 07/07/2025",
            ),
            (
                "Tin mới Thứ Ba, 23/12/2025, 08:30 (GMT+7) nội dung",
                "2025-12-23T08:30:00+07:00",
                "Thứ Ba, 23/12/2025, 08:30 (GMT+7)",
            ),
            (
                "Quyết định số 489/QĐ-TTg ngày 08/4/2020",
                "2020-04-08T00:00:00+07:00",
                "08/4/2020",
            ),
            (
                "Bài viết. Cập nhật: 23/12/2025 08:30",
                "2025-12-23T08:30:00+07:00",
                "Cập nhật: 23/12/2025 08:30",
            ),
            (
                "23/12/2025 - Hải Phòng tổ chức",
                "2025-12-23T00:00:00+07:00",
                "23/12/2025 -",
            ),
            (
                "Tin A | 08:00-10:00 ngày 23/12/2025",
                "2025-12-23T00:00:00+07:00",
                "23/12/2025",
            ),
            (
                "Lịch 23/12/2025 08:00-10:00",
                "2025-12-23T08:00:00+07:00",
                "23/12/2025 08:00",
            ),
            (
                "Liên hệ 0225.3842.111, hạn 31/12/2025.",
                "2025-12-31T00:00:00+07:00",
                "31/12/2025",
            ),
            (
                "Bỏ 32/12/2025 lấy 1/1/2026",
                "2026-01-01T00:00:00+07:00",
                "1/1/2026",
            ),
            (
                "Thứ Bảy, 26/01/2019 19:26",
                "2019-01-26T19:26:00+07:00",
                "Thứ Bảy, 26/01/2019 19:26",
            ),
            ("[23/12/2025]", "2025-12-23T00:00:00+07:00", "[23/12/2025]"),
            (
                "9/9/2025 - 10/9/2025",
                "2025-09-09T00:00:00+07:00",
                "9/9/2025",
            ),
            (
                "Năm học 2025-2026, khai giảng 5/9/2025",
                "2025-09-05T00:00:00+07:00",
                "5/9/2025",
            ),
            (
                "Đăng lúc 23/12/2025 8h30hàng",
                "2025-12-23T00:00:00+07:00",
                "23/12/2025",
            ),
            // Vietnamese words in NFD, without diacritics, or inside a word.
            (
                "Thu\u{31b}\u{301} Ba, 23/12/2025",
                "2025-12-23T00:00:00+07:00",
                "Thu\u{31b}\u{301} Ba, 23/12/2025",
            ),
            (
                "Thu Tu - 24/12/2025",
                "2025-12-24T00:00:00+07:00",
                "Thu Tu - 24/12/2025",
            ),
            (
                "xThứ Ba, 23/12/2025",
                "2025-12-23T00:00:00+07:00",
                "23/12/2025",
            ),
            (
                "Báo xngày 23 tháng 12 năm 2025",
                "2025-12-23T00:00:00+07:00",
                "23 tháng 12 năm 2025",
            ),
            (
                "Published on 23rd December, 2025 by staff",
                "2025-12-23T00:00:00+07:00",
                "23rd December, 2025",
            ),
        ] {
            check_find(input, want, span);
        }
    }

    #[test]
    fn earliest_date_wins() {
        check_find(
            "Từ 2025-01-02 đến 23/12/2025",
            "2025-01-02T00:00:00+07:00",
            "2025-01-02",
        );
        check_find(
            "Từ 02/01/2025 đến 2025-12-23",
            "2025-01-02T00:00:00+07:00",
            "02/01/2025",
        );
    }

    #[test]
    fn admin_format_first() {
        // The US-order site: the format decides an ambiguous date.
        check("03/04/2025", Some("%m/%d/%Y"), "2025-03-04T00:00:00+07:00");
        check(
            "03/04/2025 08:30",
            Some("%m/%d/%Y %H:%M"),
            "2025-03-04T08:30:00+07:00",
        );
        // Substring; a time next to a date-only format is kept.
        check(
            "Đăng: 03/04/2025 08:30",
            Some("%m/%d/%Y"),
            "2025-03-04T08:30:00+07:00",
        );
        // An ISO date format keeps the offset written after it.
        check(
            "2025-12-23T01:30:00-05:00",
            Some("%Y-%m-%d"),
            "2025-12-23T01:30:00-05:00",
        );
        // US order with an AM/PM time after it.
        check(
            "12/23/2025 8:30 PM",
            Some("%m/%d/%Y"),
            "2025-12-23T20:30:00+07:00",
        );
        // Formats with an offset.
        check(
            "2025-12-23 01:30 +0000",
            Some("%Y-%m-%d %H:%M %z"),
            "2025-12-23T01:30:00+00:00",
        );
        // A format that does not fit falls back to the built-in forms.
        check("23/12/2025", Some("%m/%d/%Y"), "2025-12-23T00:00:00+07:00");
        check("23/12/2025", Some("%Q"), "2025-12-23T00:00:00+07:00");
        check("23/12/2025", Some(""), "2025-12-23T00:00:00+07:00");
        // Digit runs are not split by a format either.
        assert_eq!(parse_date("123/12/20255", vn(), Some("%d/%m/%Y")), None);
        // Implausible years from a format are refused too.
        assert_eq!(parse_date("01/01/1234", vn(), Some("%d/%m/%Y")), None);
    }

    #[test]
    fn ranges_lie_on_char_boundaries_and_nothing_panics() {
        let samples = [
            "Thứ Ba, 23/12/2025, 08:30 (GMT+7) – Tin khác… 12:47 | 07/07/2025",
            "ố23/12/2025ố 1/2 ₫0225.3842.111 (GMT+7) 2025-12-23T08:30:00.1+07:00",
            "\u{301}2\u{301}3/1\u{301}2/2025 Nga\u{300}y 2 tha\u{301}ng 3 na\u{306}m 2021 \u{a0}CH",
            "Tue, 23 Dec 2025 01:30:00 GMT [8h30 ngày 5/9/2025] Cập nhật: 12/23/2025 SA",
            "١٢/١٢/٢٠٢٥ １２/１２/２０２５ 23/12/2025 ٣",
        ];
        for s in samples {
            let bounds: Vec<usize> = s
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(s.len()))
                .collect();
            for (k, &i) in bounds.iter().enumerate() {
                for &j in &bounds[k..] {
                    let slice = &s[i..j];
                    if let Some((_, r)) = find_date(slice, vn()) {
                        assert!(r.start < r.end && r.end <= slice.len(), "{slice:?} {r:?}");
                        assert!(slice.is_char_boundary(r.start), "{slice:?} {r:?}");
                        assert!(slice.is_char_boundary(r.end), "{slice:?} {r:?}");
                    }
                    let _ = parse_date(slice, vn(), None);
                    let _ = parse_date(slice, vn(), Some("%d/%m/%Y %H:%M"));
                }
            }
        }
    }

    #[test]
    fn huge_input_is_fine() {
        let mut s = "x".repeat(200_000);
        s.push_str(&" 1.2.3".repeat(20_000));
        s.push_str(&" ".repeat(10_000));
        s.push_str("Thứ Ba, 23/12/2025 08:30");
        let (got, range) = find_date(&s, vn()).expect("date at the end");
        assert_eq!(got, at("2025-12-23T08:30:00+07:00"));
        assert_eq!(&s[range], "Thứ Ba, 23/12/2025 08:30");
        assert_eq!(
            parse_date(&"9".repeat(100_000), vn(), Some("%d/%m/%Y")),
            None
        );
    }

    fn ctx_2012() -> Context {
        Context::page(
            at("2012-12-21T09:00:00+07:00"),
            at("2026-12-01T08:00:00+07:00"),
        )
    }

    #[test]
    fn day_and_month_take_the_year_of_the_page() {
        let c = ctx_2012();
        let find = |s: &str| {
            find_date_in(s, vn(), Some(&c)).map(|(d, r)| (d.to_rfc3339(), s[r].to_string()))
        };
        for (input, want, span) in [
            (
                "Tiêu đề bài (26/12)",
                "2012-12-26T00:00:00+07:00",
                "(26/12)",
            ),
            ("(20/12)", "2012-12-20T00:00:00+07:00", "(20/12)"),
            ("Tiêu đề - 02/01", "2013-01-02T00:00:00+07:00", "- 02/01"),
            ("Tin cũ - 03/05", "2012-05-03T00:00:00+07:00", "- 03/05"),
            ("10:30 26/12", "2012-12-26T10:30:00+07:00", "10:30 26/12"),
            ("26/12 10:30", "2012-12-26T10:30:00+07:00", "26/12 10:30"),
            (
                "Cập nhật: 15/11",
                "2012-11-15T00:00:00+07:00",
                "Cập nhật: 15/11",
            ),
            // The full forms are unchanged and need no context.
            (
                "08:15 , 20/12/2012",
                "2012-12-20T08:15:00+07:00",
                "08:15 , 20/12/2012",
            ),
        ] {
            assert_eq!(
                find(input),
                Some((want.to_string(), span.to_string())),
                "{input}"
            );
        }
        // Fractions, scores and numbers in running text are not dates.
        for input in [
            "Giảm 1/2 học phí cho học sinh",
            "Đội nhà thắng 3-1 trên sân khách",
            "Lớp 10/3 đạt giải nhất",
            "Điểm thi 7/10 là bình thường",
            "Quyết định 12/12/QĐ-UBND",
            "31/2",
        ] {
            assert_eq!(find(input), None, "{input}");
        }
        // Without a context no short form is read.
        assert_eq!(find_date_in("Tiêu đề (26/12)", vn(), None), None);
    }

    #[test]
    fn the_fetch_time_rolls_over_the_year() {
        let c = Context::at(at("2026-01-03T08:00:00+07:00"));
        let (d, _) = find_date_in("(30/12)", vn(), Some(&c)).unwrap();
        assert_eq!(d.to_rfc3339(), "2025-12-30T00:00:00+07:00");
        let (d, _) = find_date_in("(02/01)", vn(), Some(&c)).unwrap();
        assert_eq!(d.to_rfc3339(), "2026-01-02T00:00:00+07:00");
    }

    #[test]
    fn relative_times_count_back_from_the_fetch() {
        let c = Context::at(at("2026-12-01T10:00:00+07:00"));
        let find = |s: &str| {
            find_date_in(s, vn(), Some(&c)).map(|(d, r)| (d.to_rfc3339(), s[r].to_string()))
        };
        for (input, want, span) in [
            (
                "Tiêu đề (3 giờ trước)",
                "2026-12-01T07:00:00+07:00",
                "(3 giờ trước)",
            ),
            (
                "Tiêu đề 5 phút trước",
                "2026-12-01T09:55:00+07:00",
                "5 phút trước",
            ),
            (
                "Tiêu đề - 1 ngày trước",
                "2026-11-30T10:00:00+07:00",
                "- 1 ngày trước",
            ),
            (
                "Tiêu đề (hôm qua)",
                "2026-11-30T00:00:00+07:00",
                "(hôm qua)",
            ),
            (
                "Tiêu đề · Vừa xong",
                "2026-12-01T10:00:00+07:00",
                "· Vừa xong",
            ),
            (
                "2 TIENG TRUOC",
                "2026-12-01T08:00:00+07:00",
                "2 TIENG TRUOC",
            ),
        ] {
            assert_eq!(
                find(input),
                Some((want.to_string(), span.to_string())),
                "{input}"
            );
        }
        assert_eq!(find("Họp 2 ngày trước khi khai giảng năm học"), None);
    }

    #[test]
    fn a_trailing_date_is_found_after_earlier_ones() {
        let c = ctx_2012();
        let t = "Ngày 2/9/2012: lễ kỷ niệm (26/12)";
        let (d, start) = trailing_date(t, vn(), Some(&c)).unwrap();
        assert_eq!(d.to_rfc3339(), "2012-12-26T00:00:00+07:00");
        assert_eq!(t[..start].trim_end(), "Ngày 2/9/2012: lễ kỷ niệm");
        let t = "Học sinh giỏi cấp thành phố - 26/12/2012";
        let (_, start) = trailing_date(t, vn(), None).unwrap();
        assert_eq!(&t[..start], "Học sinh giỏi cấp thành phố ");
        assert_eq!(trailing_date("(26/12)", vn(), Some(&c)), None);
        assert_eq!(
            trailing_date("Ngày 26/12/2012 trời rét", vn(), Some(&c)),
            None
        );
        assert_eq!(
            trailing_date("Áp dụng quy định mới từ ngày 01/01/2026", vn(), Some(&c)),
            None
        );
    }
}

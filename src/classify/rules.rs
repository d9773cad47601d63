//! The rules of a topic as an admin writes them: [`TopicRules`], the `phrase:N` weights,
//! `#` number slots and `^` anchors, and the errors that refuse a rule at load time.

use std::fmt;

use super::fold::NUM_SPAN;

/// Weight of a keyword written without a `:N` suffix.
pub const DEFAULT_WEIGHT: i32 = 2;
/// Threshold of a topic whose rules leave it unset: one default-weight keyword in the title.
pub const DEFAULT_THRESHOLD: u32 = 4;
/// Largest weight, either way, accepted in a `"phrase:N"` or `"phrase:-N"` keyword; bigger
/// numbers are most likely typos.
pub const MAX_WEIGHT: i32 = 100;

/// The rules of one topic, as an admin writes them in `feeds.toml`.
///
/// `keywords` and `exclude` are phrases in ordinary Vietnamese; case, Unicode form and
/// tone-mark placement do not matter (see [`fold`]). A keyword may end in `:N` to give it
/// weight `N` instead of [`DEFAULT_WEIGHT`]. `threshold` defaults to [`DEFAULT_THRESHOLD`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicRules {
    /// Stable identifier, reported by [`Classifier::classify`] (e.g. `giao-duc`).
    pub id: String,
    /// Human-readable name, for logs and messages.
    pub name: String,
    /// Phrases that earn points, optionally suffixed `:N` for a weight.
    pub keywords: Vec<String>,
    /// Phrases that mask the keyword occurrences they overlap.
    pub exclude: Vec<String>,
    /// Points needed to match; `None` means [`DEFAULT_THRESHOLD`].
    pub threshold: Option<u32>,
}

/// Which of the two rule lists a phrase came from, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhraseList {
    /// `keywords`
    Keywords,
    /// `exclude`
    Exclude,
}

impl fmt::Display for PhraseList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhraseList::Keywords => "keywords",
            PhraseList::Exclude => "exclude",
        })
    }
}

/// Why a set of topic rules cannot be compiled. Every variant names the topic (by id, or by
/// position when the id is missing), so an admin can find the entry in `feeds.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// A topic has an empty (or blank) `id`.
    EmptyTopicId {
        /// Position of the topic in the list, from 0.
        index: usize,
    },
    /// Two topics share an `id`: results could not tell them apart.
    DuplicateTopicId {
        /// The repeated id.
        topic: String,
    },
    /// A topic has no keyword, so it could never match.
    NoKeywords {
        /// The topic id.
        topic: String,
    },
    /// A phrase has no syllable to match once folded (empty, blank or only punctuation).
    EmptyPhrase {
        /// The topic id.
        topic: String,
        /// The list holding the phrase.
        list: PhraseList,
        /// The phrase as written.
        phrase: String,
    },
    /// A `:N` weight is 0, above [`MAX_WEIGHT`], or written on an exclude phrase.
    BadWeight {
        /// The topic id.
        topic: String,
        /// The list holding the phrase.
        list: PhraseList,
        /// The phrase as written.
        phrase: String,
    },
    /// The same phrase (after folding) appears twice in a topic, or both as keyword and
    /// exclude: almost certainly a mistake, and it would make scores surprising.
    DuplicatePhrase {
        /// The topic id.
        topic: String,
        /// The second spelling met.
        phrase: String,
    },
    /// A phrase uses `^` or `#` wrongly: `^` only opens a phrase, and a number slot is `#`,
    /// `#N` or `#LOW-HIGH` with LOW ≤ HIGH.
    BadPattern {
        /// The topic id.
        topic: String,
        /// The list holding the phrase.
        list: PhraseList,
        /// The phrase as written.
        phrase: String,
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// A threshold of 0 would match every item.
    ZeroThreshold {
        /// The topic id.
        topic: String,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::EmptyTopicId { index } => write!(f, "topic #{} has an empty id", index + 1),
            RuleError::DuplicateTopicId { topic } => {
                write!(f, "topic id {topic:?} is used by more than one topic")
            }
            RuleError::NoKeywords { topic } => {
                write!(f, "topic {topic:?} has no keywords, so it can never match")
            }
            RuleError::EmptyPhrase {
                topic,
                list,
                phrase,
            } => write!(
                f,
                "topic {topic:?}: {list} entry {phrase:?} has no word to match"
            ),
            RuleError::BadWeight {
                topic,
                list: PhraseList::Exclude,
                phrase,
            } => write!(
                f,
                "topic {topic:?}: exclude entry {phrase:?} has a weight, but only keywords take one"
            ),
            RuleError::BadWeight {
                topic,
                list: PhraseList::Keywords,
                phrase,
            } => write!(
                f,
                "topic {topic:?}: keyword {phrase:?} has a weight outside 1..={MAX_WEIGHT}"
            ),
            RuleError::DuplicatePhrase { topic, phrase } => write!(
                f,
                "topic {topic:?}: phrase {phrase:?} is listed twice (once case, Unicode form and tone placement are folded)"
            ),
            RuleError::BadPattern {
                topic,
                list,
                phrase,
                reason,
            } => write!(f, "topic {topic:?}: {list} entry {phrase:?}: {reason}"),
            RuleError::ZeroThreshold { topic } => {
                write!(f, "topic {topic:?} has threshold 0, which would match everything")
            }
        }
    }
}

impl std::error::Error for RuleError {}

/// Splits a trailing `:N` or `:-N` weight off a keyword: `:` directly followed by an optional
/// minus and 1–9 ASCII digits that end the entry. Anything else is part of the phrase
/// (`"Thông tư: 29"` is a phrase, its colon punctuation like any other).
pub(super) fn split_weight(entry: &str) -> (&str, Option<i32>) {
    let trimmed = entry.trim_end();
    if let Some((phrase, weight)) = trimmed.rsplit_once(':') {
        let digits = weight.strip_prefix('-').unwrap_or(weight);
        if !digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return (phrase, weight.parse().ok());
        }
    }
    (trimmed, None)
}

/// A stretch of a phrase as written: ordinary words, or a number slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    Words(&'a str),
    /// `#` (any number) or `#LOW-HIGH`: the inclusive range of values accepted.
    Slot(u32, u32),
}

/// Splits a phrase (its weight already removed) into words and number slots, and says whether
/// it opens with `^`. A slot is a whitespace-separated piece starting with `#`.
pub(super) fn pattern_pieces(text: &str) -> Result<(bool, Vec<Piece<'_>>), &'static str> {
    let trimmed = text.trim_start();
    let (anchored, rest) = match trimmed.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut pieces = Vec::new();
    let mut words_from: Option<usize> = None;
    let mut at = 0;
    for piece in rest.split_whitespace() {
        // `split_whitespace` yields sub-slices of `rest` in order: find each one's offset.
        let off = rest[at..].find(piece).map_or(at, |i| at + i);
        at = off + piece.len();
        if piece.contains('^') {
            return Err("^ may only open a phrase");
        }
        if let Some(spec) = piece.strip_prefix('#') {
            if let Some(from) = words_from.take() {
                pieces.push(Piece::Words(&rest[from..off]));
            }
            pieces.push(parse_slot(spec)?);
        } else {
            words_from.get_or_insert(off);
        }
    }
    if let Some(from) = words_from {
        pieces.push(Piece::Words(&rest[from..]));
    }
    Ok((anchored, pieces))
}

/// `""` (any number), `"N"` (exactly N) or `"LOW-HIGH"`.
pub(super) fn parse_slot(spec: &str) -> Result<Piece<'static>, &'static str> {
    const HOW: &str = "a number slot is # (any number) or #LOW-HIGH, e.g. #1-12";
    let num = |s: &str| {
        (!s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|&n| n < NUM_SPAN)
            .ok_or(HOW)
    };
    if spec.is_empty() {
        return Ok(Piece::Slot(0, NUM_SPAN - 1));
    }
    let (lo, hi) = match spec.split_once('-') {
        Some((lo, hi)) => (num(lo)?, num(hi)?),
        None => (num(spec)?, num(spec)?),
    };
    if lo > hi {
        return Err(HOW);
    }
    Ok(Piece::Slot(lo, hi))
}

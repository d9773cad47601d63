//! Topic classification of headlines: pure text in, topic ids out.
//!
//! This module owns the matching rules for topics (`[[topic]]` in `feeds.toml`) and the
//! Vietnamese text folding they rely on. It must never do IO, logging or config parsing: the
//! caller hands it [`TopicRules`] already read from the config, and then asks [`Classifier`]
//! about one item at a time (a title and, when there is one, a summary).
//!
//! # Text folding
//! Both the rules and the items go through [`fold`]: NFC (after putting Vietnamese shape marks
//! before tone marks), lowercase, `Ð`/`ð` folded into `đ`, and one tone-placement convention
//! (the tone on the first vowel of a final `oa`, `oe`, `uy`: `hòa`, `khỏe`, `thủy`; `qu-` and
//! closed syllables are left alone). Accents are never stripped: `trưởng` is not `trường`,
//! `giao` is not `giáo`. Folded text is then cut into syllables at whitespace and punctuation;
//! matching compares whole syllables, never substrings.
//!
//! # Rule semantics
//! - A keyword or exclude phrase is a sequence of syllables. It may cross whitespace and the
//!   joiners `& - / +` (so `GD&ĐT`, `GD-ĐT`, `GD/ĐT` are one phrase `gd đt`), but not other
//!   punctuation: a comma, a period, a quote or a bracket ends any phrase. `GDĐT` written as
//!   one word is another syllable, so the rules list it separately.
//! - An exclude occurrence **masks** every keyword occurrence it overlaps by at least one
//!   syllable (`giáo dục pháp luật` cancels the `giáo dục` inside it; `khoa học` cancels the
//!   `học sinh` in `khoa học sinh thái`), unless the keyword occurrence is longer and contains
//!   the whole exclude occurrence (a more specific keyword wins). Keyword occurrences elsewhere
//!   in the same text still count.
//! - A keyword occurrence lying inside a longer counted keyword occurrence is not counted
//!   again (`giáo dục và đào tạo` counts once, not also as `giáo dục`).
//! - Points: each keyword found in the title earns `2 × weight`, in the summary `1 × weight`,
//!   once per field however often it repeats. The default weight is 2; a keyword written
//!   `"phrase:1"` has weight 1 (a weak hint that needs company), any `:N` from 1 to 100 works.
//! - A topic matches when its points reach its threshold (default 4): one ordinary keyword in
//!   the title is enough, in the summary it takes two different ones, and a weak keyword alone
//!   never decides.
//!
//! # Speed
//! Rules are compiled once: every syllable of every phrase is interned to a `u32`, and phrases
//! are indexed by their first syllable. Classifying folds the text once, looks each syllable up
//! once, and compares short id slices; no regex and a few reused buffers per call.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Weight of a keyword written without a `:N` suffix.
pub const DEFAULT_WEIGHT: u32 = 2;
/// Threshold of a topic whose rules leave it unset: one default-weight keyword in the title.
pub const DEFAULT_THRESHOLD: u32 = 4;
/// Largest weight accepted in a `"phrase:N"` keyword; bigger numbers are most likely typos.
pub const MAX_WEIGHT: u32 = 100;

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

/// Why a set of topic rules cannot be compiled. Every variant names the topic, so an admin
/// can find the line in `feeds.toml`.
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
                "topic {topic:?}: phrase {phrase:?} is listed twice (case, accents placement and punctuation aside)"
            ),
            RuleError::ZeroThreshold { topic } => {
                write!(f, "topic {topic:?} has threshold 0, which would match everything")
            }
        }
    }
}

impl std::error::Error for RuleError {}

/// Where in an item a keyword was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The headline: worth twice the keyword's weight.
    Title,
    /// The teaser or summary: worth the keyword's weight.
    Summary,
}

impl Field {
    fn factor(self) -> u32 {
        match self {
            Field::Title => 2,
            Field::Summary => 1,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Title => "title",
            Field::Summary => "summary",
        })
    }
}

/// One keyword occurrence found in an item, as reported by [`Classifier::explain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The keyword as written in the rules, without its `:N` weight.
    pub keyword: String,
    /// Where it was found.
    pub field: Field,
    /// Points it earned: 0 when masked, or when the same keyword already counted in this field.
    pub points: u32,
    /// The exclude phrase (as written) that masked this occurrence, if any.
    pub masked_by: Option<String>,
}

/// Why an item did or did not match one topic; its `Display` is one line for
/// `tinkhac classify --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The topic id.
    pub topic: String,
    /// Whether `score >= threshold`.
    pub matched: bool,
    /// Points earned by the item.
    pub score: u32,
    /// Points needed.
    pub threshold: u32,
    /// Keyword occurrences, counted or masked, in title-then-summary, left-to-right order.
    /// Occurrences swallowed by a longer keyword occurrence are left out.
    pub hits: Vec<Hit>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (verdict, cmp) = if self.matched {
            ("match", '≥')
        } else {
            ("no match", '<')
        };
        write!(
            f,
            "{}: {verdict} (score {} {cmp} {})",
            self.topic, self.score, self.threshold
        )?;
        if self.hits.is_empty() {
            return f.write_str(" — no keyword found");
        }
        let mut sep = " — ";
        for hit in &self.hits {
            write!(f, "{sep}{} {:?}", hit.field, hit.keyword)?;
            match &hit.masked_by {
                Some(by) => write!(f, " masked by {by:?}")?,
                None if hit.points == 0 => f.write_str(" +0 (repeat)")?,
                None => write!(f, " +{}", hit.points)?,
            }
            sep = ", ";
        }
        Ok(())
    }
}

/// Topic rules compiled for fast matching. Build once with [`Classifier::new`], share freely
/// (it is `Send + Sync` and never changes).
#[derive(Debug, Clone)]
pub struct Classifier {
    topics: Vec<CompiledTopic>,
    /// Folded syllable -> id. Only syllables that occur in some phrase are interned; every
    /// other syllable of an item maps to [`UNKNOWN`].
    vocab: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
    phrases: Vec<Phrase>,
    /// Indexed by syllable id: the phrases starting with that syllable.
    starts: Vec<Vec<u32>>,
}

#[derive(Debug, Clone)]
struct CompiledTopic {
    id: String,
    threshold: u32,
}

#[derive(Debug, Clone)]
struct Phrase {
    /// Syllable ids; may hold [`BREAK`] inside, never at either end, never [`UNKNOWN`].
    ids: Box<[u32]>,
    topic: usize,
    /// `None` for an exclude phrase.
    weight: Option<u32>,
    /// As written in the rules (weight suffix removed), for explanations.
    text: Box<str>,
}

/// Token standing for punctuation that ends a phrase.
const BREAK: u32 = u32::MAX;
/// Token standing for a syllable no rule mentions.
const UNKNOWN: u32 = u32::MAX - 1;

/// One phrase found in one field of an item: tokens `start..end`.
#[derive(Debug, Clone, Copy)]
struct Occ {
    phrase: u32,
    field: Field,
    start: usize,
    end: usize,
    state: OccState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OccState {
    /// Keyword occurrence that earns points.
    Counted(u32),
    /// Keyword occurrence masked by an occurrence of this exclude phrase.
    Masked(u32),
    /// Keyword occurrence inside a longer counted keyword occurrence.
    Subsumed,
    /// An exclude occurrence.
    Exclude,
}

/// Buffers reused across calls on one thread, so classifying allocates nothing once warm.
#[derive(Default)]
struct Scratch {
    folded: String,
    tokens: Vec<u32>,
    occs: Vec<Occ>,
    scores: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Classifier {
    /// Compiles the topics, in order. Fails on rules that are certainly mistakes (see
    /// [`RuleError`]) rather than silently never matching.
    pub fn new(topics: &[TopicRules]) -> Result<Classifier, RuleError> {
        let mut c = Classifier {
            topics: Vec::with_capacity(topics.len()),
            vocab: HashMap::default(),
            phrases: Vec::new(),
            starts: Vec::new(),
        };
        let mut syllables = Vec::new();
        for (index, rules) in topics.iter().enumerate() {
            let id = rules.id.trim();
            if id.is_empty() {
                return Err(RuleError::EmptyTopicId { index });
            }
            if c.topics.iter().any(|t| t.id == id) {
                return Err(RuleError::DuplicateTopicId {
                    topic: id.to_owned(),
                });
            }
            let threshold = rules.threshold.unwrap_or(DEFAULT_THRESHOLD);
            if threshold == 0 {
                return Err(RuleError::ZeroThreshold {
                    topic: id.to_owned(),
                });
            }
            if rules.keywords.is_empty() {
                return Err(RuleError::NoKeywords {
                    topic: id.to_owned(),
                });
            }
            let topic = c.topics.len();
            let first_phrase = c.phrases.len();
            let lists = [
                (PhraseList::Keywords, &rules.keywords),
                (PhraseList::Exclude, &rules.exclude),
            ];
            for (list, entries) in lists {
                for entry in entries {
                    let (text, weight) = split_weight(entry);
                    let bad_weight = || RuleError::BadWeight {
                        topic: id.to_owned(),
                        list,
                        phrase: entry.clone(),
                    };
                    let weight = match (list, weight) {
                        (PhraseList::Keywords, None) => Some(DEFAULT_WEIGHT),
                        (PhraseList::Keywords, Some(w)) if (1..=MAX_WEIGHT).contains(&w) => Some(w),
                        (PhraseList::Exclude, None) => None,
                        _ => return Err(bad_weight()),
                    };
                    syllables.clear();
                    split_syllables(&fold(text), |s| syllables.push(s.map(str::to_owned)));
                    while syllables.last().is_some_and(Option::is_none) {
                        syllables.pop();
                    }
                    let lead = syllables.iter().take_while(|s| s.is_none()).count();
                    if lead == syllables.len() {
                        return Err(RuleError::EmptyPhrase {
                            topic: id.to_owned(),
                            list,
                            phrase: entry.clone(),
                        });
                    }
                    let ids: Box<[u32]> = syllables[lead..]
                        .iter()
                        .map(|s| s.as_deref().map_or(BREAK, |s| c.intern(s)))
                        .collect();
                    if c.phrases[first_phrase..].iter().any(|p| p.ids == ids) {
                        return Err(RuleError::DuplicatePhrase {
                            topic: id.to_owned(),
                            phrase: entry.clone(),
                        });
                    }
                    c.phrases.push(Phrase {
                        ids,
                        topic,
                        weight,
                        text: text.trim().into(),
                    });
                }
            }
            c.topics.push(CompiledTopic {
                id: id.to_owned(),
                threshold,
            });
        }
        c.starts = vec![Vec::new(); c.vocab.len()];
        for (i, p) in c.phrases.iter().enumerate() {
            // Ids are < 2^32 - 2 because `intern` refuses to go further, and phrases number
            // fewer than their syllables, so both conversions are lossless.
            c.starts[p.ids[0] as usize].push(i as u32);
        }
        Ok(c)
    }

    fn intern(&mut self, syllable: &str) -> u32 {
        if let Some(&id) = self.vocab.get(syllable) {
            return id;
        }
        // A vocabulary of four billion syllables cannot come from a config file; saturate
        // into UNKNOWN (which matches nothing) rather than wrap into BREAK.
        let id = u32::try_from(self.vocab.len()).map_or(UNKNOWN, |n| n.min(UNKNOWN));
        if id != UNKNOWN {
            self.vocab.insert(syllable.into(), id);
        }
        id
    }

    /// Ids of the topics the item belongs to, in config order.
    ///
    /// The title weighs twice as much as the summary; see the module docs for the rules.
    /// Never panics, whatever the text.
    pub fn classify(&self, title: &str, summary: Option<&str>) -> Vec<String> {
        self.with_scan(title, summary, |occs, scores| {
            let _ = occs;
            self.topics
                .iter()
                .zip(scores)
                .filter(|(t, &s)| s >= t.threshold)
                .map(|(t, _)| t.id.clone())
                .collect()
        })
    }

    /// Like [`Classifier::classify`], but reports every topic with its score and the keyword
    /// occurrences that counted or were masked, for admins tuning their rules.
    pub fn explain(&self, title: &str, summary: Option<&str>) -> Vec<Explanation> {
        self.with_scan(title, summary, |occs, scores| {
            let mut out: Vec<Explanation> = self
                .topics
                .iter()
                .zip(scores)
                .map(|(t, &score)| Explanation {
                    topic: t.id.clone(),
                    matched: score >= t.threshold,
                    score,
                    threshold: t.threshold,
                    hits: Vec::new(),
                })
                .collect();
            for o in occs {
                let p = &self.phrases[o.phrase as usize];
                let (points, masked_by) = match o.state {
                    OccState::Counted(points) => (points, None),
                    OccState::Masked(by) => (0, Some(self.phrases[by as usize].text.to_string())),
                    OccState::Subsumed | OccState::Exclude => continue,
                };
                out[p.topic].hits.push(Hit {
                    keyword: p.text.to_string(),
                    field: o.field,
                    points,
                    masked_by,
                });
            }
            out
        })
    }

    /// Folds, tokenises and scores both fields, then hands the occurrences (title first, in
    /// text order) and the per-topic scores to `finish`.
    fn with_scan<R>(
        &self,
        title: &str,
        summary: Option<&str>,
        finish: impl FnOnce(&[Occ], &[u32]) -> R,
    ) -> R {
        let run = |s: &mut Scratch| {
            s.occs.clear();
            s.scores.clear();
            s.scores.resize(self.topics.len(), 0);
            for (field, text) in [(Field::Title, Some(title)), (Field::Summary, summary)] {
                let Some(text) = text else { continue };
                fold_into(text, &mut s.folded);
                s.tokens.clear();
                split_syllables(&s.folded, |syl| {
                    let id = match syl {
                        Some(syl) => self.vocab.get(syl).copied().unwrap_or(UNKNOWN),
                        None => BREAK,
                    };
                    s.tokens.push(id);
                });
                let from = s.occs.len();
                self.find(&s.tokens, field, &mut s.occs);
                self.judge(&mut s.occs[from..], &mut s.scores);
            }
            finish(&s.occs, &s.scores)
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => run(&mut s),
            // Only reachable if `finish` re-entered the classifier; stay correct anyway.
            Err(_) => run(&mut Scratch::default()),
        })
    }

    /// Appends every phrase occurrence in `tokens`, ordered by start then phrase.
    fn find(&self, tokens: &[u32], field: Field, occs: &mut Vec<Occ>) {
        for (start, &id) in tokens.iter().enumerate() {
            let Some(candidates) = self.starts.get(id as usize) else {
                continue;
            };
            for &pi in candidates {
                let p = &self.phrases[pi as usize];
                if tokens[start..].starts_with(&p.ids) {
                    occs.push(Occ {
                        phrase: pi,
                        field,
                        start,
                        end: start + p.ids.len(),
                        state: if p.weight.is_some() {
                            OccState::Counted(0)
                        } else {
                            OccState::Exclude
                        },
                    });
                }
            }
        }
    }

    /// Masks, subsumes and prices the occurrences of one field, adding to `scores`.
    fn judge(&self, occs: &mut [Occ], scores: &mut [u32]) {
        let topic = |o: &Occ| self.phrases[o.phrase as usize].topic;
        // Masking: an exclude masks overlapping keyword occurrences of its own topic, unless
        // the keyword occurrence is longer and contains it.
        for k in 0..occs.len() {
            if occs[k].state == OccState::Exclude {
                continue;
            }
            let kw = occs[k];
            let masker = occs.iter().find(|e| {
                e.state == OccState::Exclude
                    && topic(e) == topic(&kw)
                    && e.start < kw.end
                    && kw.start < e.end
                    && !(kw.start <= e.start
                        && e.end <= kw.end
                        && kw.end - kw.start > e.end - e.start)
            });
            if let Some(m) = masker {
                occs[k].state = OccState::Masked(m.phrase);
            }
        }
        // Subsumption: a counted occurrence inside a longer counted one of the same topic.
        for k in 0..occs.len() {
            let kw = occs[k];
            if !matches!(kw.state, OccState::Counted(_)) {
                continue;
            }
            let inside_longer = occs.iter().any(|o| {
                matches!(o.state, OccState::Counted(_))
                    && topic(o) == topic(&kw)
                    && o.start <= kw.start
                    && kw.end <= o.end
                    && o.end - o.start > kw.end - kw.start
            });
            if inside_longer {
                occs[k].state = OccState::Subsumed;
            }
        }
        // Points: once per keyword per field.
        for k in 0..occs.len() {
            let kw = occs[k];
            if !matches!(kw.state, OccState::Counted(_)) {
                continue;
            }
            let repeat = occs[..k]
                .iter()
                .any(|o| o.phrase == kw.phrase && matches!(o.state, OccState::Counted(_)));
            let p = &self.phrases[kw.phrase as usize];
            let points = if repeat {
                0
            } else {
                p.weight.unwrap_or(0).saturating_mul(kw.field.factor())
            };
            occs[k].state = OccState::Counted(points);
            if let Some(s) = scores.get_mut(p.topic) {
                *s = s.saturating_add(points);
            }
        }
    }
}

/// Splits a trailing `:N` weight off a keyword. Anything that is not `:` plus 1–9 ASCII digits
/// at the very end is part of the phrase (and `:` there is punctuation like any other).
fn split_weight(entry: &str) -> (&str, Option<u32>) {
    let trimmed = entry.trim_end();
    if let Some((phrase, digits)) = trimmed.rsplit_once(':') {
        let digits = digits.trim();
        if !digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return (phrase, digits.parse().ok());
        }
    }
    (trimmed, None)
}

/// The normalised form used for matching: NFC, lowercase, `đ` for every D-with-stroke look-alike,
/// one tone-mark placement, invisible format characters removed. Everything else (spaces,
/// punctuation, digits) is kept as is, so `fold` is safe to show to people and idempotent.
///
/// Invariants, relied on by the tests and by other modules:
/// - `fold(fold(s)) == fold(s)`;
/// - `fold` of the NFD form of `s` equals `fold(s)`;
/// - `hòa`/`hoà`, `khỏe`/`khoẻ`, `thủy`/`thuỷ` fold to the same string (the first of each);
/// - accents are never removed: `fold("trưởng") != fold("trường")`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// [`fold`] into a reused buffer (cleared first).
fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        fold_chars(text.chars(), out);
    } else {
        let mut chars: Vec<char> = text.nfd().collect();
        shape_marks_first(&mut chars);
        fold_chars(chars.into_iter().nfc(), out);
    }
}

/// In decomposed text, a tone mark typed before the circumflex or breve (both are combining
/// class 230, so canonical ordering keeps whatever order they came in) blocks composition to
/// the single Vietnamese letter. Put the shape mark first, as NFD of a real letter has it.
fn shape_marks_first(chars: &mut [char]) {
    for i in 1..chars.len() {
        let mut j = i;
        while j > 0 && is_shape_mark(chars[j]) && is_tone_mark_230(chars[j - 1]) {
            chars.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn is_shape_mark(c: char) -> bool {
    matches!(c, '\u{0302}' | '\u{0306}')
}

fn is_tone_mark_230(c: char) -> bool {
    matches!(c, '\u{0300}' | '\u{0301}' | '\u{0303}' | '\u{0309}')
}

fn fold_chars(chars: impl Iterator<Item = char>, out: &mut String) {
    let mut word_start: Option<usize> = None;
    let mut push = |c: char, out: &mut String| {
        let c = match c {
            // Đ lowercases to đ already; Ð (U+00D0, windows-1258 read as windows-1252)
            // lowercases to ð, and Ɖ (African D) to ɖ.
            'ð' | 'ɖ' => 'đ',
            // Invisible joiners and soft hyphens sit inside words: drop them.
            '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}' => return,
            // Zero-width space and a stray BOM separate words.
            '\u{200B}' | '\u{FEFF}' => ' ',
            c => c,
        };
        if is_syllable_char(c) {
            word_start.get_or_insert(out.len());
        } else if let Some(start) = word_start.take() {
            place_tone(out, start);
        }
        out.push(c);
    };
    for c in chars {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), out);
        } else {
            for lc in c.to_lowercase() {
                push(lc, out);
            }
        }
    }
    if let Some(start) = word_start {
        place_tone(out, start);
    }
}

/// Characters that make up a syllable: letters, digits, and combining marks that NFC could not
/// merge into the letter before them.
fn is_syllable_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Characters that separate syllables without ending a phrase: `GD&ĐT`, `GD-ĐT`, `GD/ĐT`.
fn is_joiner(c: char) -> bool {
    c.is_whitespace() || matches!(c, '&' | '-' | '/' | '+' | '\u{2010}' | '\u{2011}')
}

/// Calls `emit` with each syllable of folded text, in order, and `None` once for each run of
/// phrase-ending punctuation between syllables (never two `None` in a row, never first).
fn split_syllables<'a>(folded: &'a str, mut emit: impl FnMut(Option<&'a str>)) {
    let mut start: Option<usize> = None;
    let mut pending_break = false;
    let mut any = false;
    for (i, c) in folded.char_indices() {
        if is_syllable_char(c) {
            if start.is_none() {
                if pending_break && any {
                    emit(None);
                }
                pending_break = false;
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            emit(Some(&folded[s..i]));
            any = true;
        }
        if !is_joiner(c) {
            pending_break = true;
        }
    }
    if let Some(s) = start {
        if pending_break && any {
            emit(None);
        }
        emit(Some(&folded[s..]));
    }
}

/// Moves the tone of a word-final `oa`, `oe`, `uy` to the first vowel (`hoà` → `hòa`,
/// `khoẻ` → `khỏe`, `thuỷ` → `thủy`), except after `q` (`quý` is written one way only).
/// Closed syllables (`hoàn`) and triphthongs (`ngoài`, `khuya`) do not end in these pairs and
/// are left alone.
fn place_tone(out: &mut String, word_start: usize) {
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
const TONED_A: [char; 5] = ['à', 'á', 'ả', 'ã', 'ạ'];
const TONED_E: [char; 5] = ['è', 'é', 'ẻ', 'ẽ', 'ẹ'];
const TONED_Y: [char; 5] = ['ỳ', 'ý', 'ỷ', 'ỹ', 'ỵ'];
const TONED_O: [char; 5] = ['ò', 'ó', 'ỏ', 'õ', 'ọ'];
const TONED_U: [char; 5] = ['ù', 'ú', 'ủ', 'ũ', 'ụ'];

fn split_tone(c: char) -> Option<(char, usize)> {
    [('a', &TONED_A), ('e', &TONED_E), ('y', &TONED_Y)]
        .into_iter()
        .find_map(|(base, toned)| toned.iter().position(|&t| t == c).map(|i| (base, i)))
}

fn with_tone(c: char, tone: usize) -> Option<char> {
    match c {
        'o' => TONED_O.get(tone).copied(),
        'u' => TONED_U.get(tone).copied(),
        _ => None,
    }
}

/// FxHash (rustc's hasher): the vocabulary is tiny and not attacker-chosen, and syllable
/// lookups dominate classification time, so SipHash's DoS resistance buys nothing here.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut rest = 0u64;
        for (i, &b) in chunks.remainder().iter().enumerate() {
            rest |= u64::from(b) << (8 * i);
        }
        self.add(rest);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Keywords of the shipped `giao-duc` topic; kept equal to `giao_duc.toml` (the `feeds.toml`
/// snippet) by a test on each side.
const GIAO_DUC_KEYWORDS: &[&str] = &[
    "giáo dục",
    "giáo dục và đào tạo",
    "GD&ĐT",
    "GDĐT",
    "học sinh",
    "sinh viên",
    "giáo viên",
    "nhà giáo",
    "giảng viên",
    "hiệu trưởng",
    "thí sinh",
    "mầm non",
    "mẫu giáo",
    "tiểu học",
    "trung học",
    "THCS",
    "THPT",
    "đại học",
    "cao đẳng",
    "trung cấp:1",
    "ĐH:1",
    "CĐ:1",
    "trường:1",
    "trường học",
    "nhà trường",
    "lớp học",
    "phòng học",
    "tuyển sinh",
    "kỳ thi",
    "kì thi",
    "thi tốt nghiệp",
    "điểm chuẩn",
    "năm học",
    "học phí",
    "học bổng",
    "khuyến học",
    "khuyến tài",
    "xã hội học tập",
    "học tập suốt đời",
    "mù chữ",
    "sách giáo khoa",
    "trường chuẩn quốc gia",
    "đạt chuẩn quốc gia:1",
    "bán trú",
    "khai giảng:1",
    "tựu trường",
    "học đường",
    "dạy thêm",
    "học thêm",
    "đào tạo nghề",
    "sư phạm",
    "dạy học",
];

/// Exclude phrases of the shipped `giao-duc` topic; see [`GIAO_DUC_KEYWORDS`].
const GIAO_DUC_EXCLUDE: &[&str] = &[
    "thị trường",
    "môi trường",
    "trường hợp",
    "quảng trường",
    "chiến trường",
    "hiện trường",
    "lập trường",
    "công trường",
    "thương trường",
    "ngư trường",
    "nông trường",
    "lâm trường",
    "trường phái",
    "Trường Sa",
    "Trường Sơn",
    "Trường Chinh",
    "khoa học",
    "hóa học",
    "văn học",
    "giáo dục pháp luật",
    "giáo dục chính trị",
    "cơ sở giáo dục bắt buộc",
    "thi tuyển công chức",
    "ĐH CĐ",
];

/// The rules shipped for the teachers' channel (`giao-duc`), identical to the snippet in
/// `giao_duc.toml` that admins paste into `feeds.toml`. Exposed so the project can test that
/// its config still says the same thing, and as a fallback for a config without topics.
pub fn giao_duc_default() -> TopicRules {
    TopicRules {
        id: "giao-duc".to_owned(),
        name: "Giáo dục – chính sách".to_owned(),
        keywords: GIAO_DUC_KEYWORDS.iter().map(|s| (*s).to_owned()).collect(),
        exclude: GIAO_DUC_EXCLUDE.iter().map(|s| (*s).to_owned()).collect(),
        threshold: None,
    }
}

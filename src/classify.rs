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
//!   `"phrase:N"` has weight N, from 1 to 100: 1 is a weak hint that needs company even in the
//!   title, 4 a word that decides even from the summary alone. `"phrase:-N"` is
//!   counter-evidence: its points are taken away (a TV show's words next to `thí sinh`).
//! - A topic matches when its points reach its threshold (default 4): one ordinary keyword in
//!   the title is enough, in the summary it takes a weight-4 one or two ordinary ones, and a
//!   weak keyword alone never decides.
//!
//! # Patterns
//! - Numbers: a syllable of digits (`1.200` and `8,5` included: a `.` or `,` between digits
//!   does not split them) is one number token. In a phrase, `#` stands for any number and
//!   `#LOW-HIGH` for a number in that range (`"lớp #1-12"` finds `lớp 10`, not `lớp 15`);
//!   a number written in a phrase matches that number (`"20/11"`).
//! - Position: a phrase opening with `^` counts only at the start of the field or right after
//!   punctuation, where a noun is the subject of the headline (`"^trường"`).
//!
//! Every decision is explainable: [`Classifier::explain`] lists each phrase that scored, with
//! its points, and each one an exclude masked, with the exclude.
//!
//! # Speed
//! Rules are compiled once: every syllable of every phrase is interned to a `u32`, and phrases
//! are indexed by their first syllable. Classifying folds the text once, looks each syllable up
//! once, and compares short id slices; no regex and a few reused buffers per call.

pub mod eval;

use std::cell::RefCell;
use std::fmt;

use rustc_hash::FxHashMap;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

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

/// Where in an item a keyword was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The headline: worth twice the keyword's weight.
    Title,
    /// The teaser or summary: worth the keyword's weight.
    Summary,
}

impl Field {
    fn factor(self) -> i32 {
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
    /// Points it earned (negative for counter-evidence): 0 when masked, or when the same
    /// keyword already counted in this field.
    pub points: i32,
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
    /// Points earned by the item (negative when counter-evidence outweighs the rest).
    pub score: i32,
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
                None => write!(f, " {:+}", hit.points)?,
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
    /// FxHash (`rustc-hash`): the vocabulary is tiny and not attacker-chosen, and syllable
    /// lookups dominate classification time, so SipHash's DoS resistance buys nothing here.
    vocab: FxHashMap<Box<str>, u32>,
    phrases: Vec<Phrase>,
    /// Indexed by syllable id: the phrases starting with that syllable.
    starts: Vec<Starts>,
    /// The phrases starting with a number or a number slot, tried at every number of a text.
    num_starts: Starts,
    /// Number slots, indexed by `id - CLASS_BASE`: the inclusive range of values each accepts.
    slots: Vec<(u32, u32)>,
    /// Length in syllables of the longest phrase: occurrences further apart cannot overlap.
    max_len: usize,
}

#[derive(Debug, Clone)]
struct CompiledTopic {
    id: String,
    threshold: u32,
}

#[derive(Debug, Clone)]
struct Phrase {
    /// Syllable ids, number tokens and number slots; may hold [`BREAK`] inside, never at either
    /// end, never [`UNKNOWN`].
    ids: Box<[u32]>,
    /// Whether `ids` holds a number slot (`CLASS_BASE + k`), which needs the slow comparison.
    has_slot: bool,
    /// Written `^phrase`: it only counts at the start of a field or right after punctuation.
    anchored: bool,
    topic: usize,
    /// `None` for an exclude phrase.
    weight: Option<i32>,
    /// As written in the rules (weight suffix removed), for explanations.
    text: Box<str>,
}

/// Token standing for punctuation that ends a phrase.
const BREAK: u32 = u32::MAX;
/// Token standing for a syllable no rule mentions.
const UNKNOWN: u32 = u32::MAX - 1;
/// A number (a syllable of digits, `1.200` and `8,5` included) is the token `NUM_BASE + value`,
/// in the text and in phrases alike; values from [`NUM_SPAN`] up share the last token.
const NUM_BASE: u32 = 0xC000_0000;
/// How many number values have a token of their own.
const NUM_SPAN: u32 = 0x1000_0000;
/// In a phrase, `CLASS_BASE + k` is the number slot `Classifier::classes[k]` (`#`, `#1-12`).
/// Slots never occur in a text's tokens.
const CLASS_BASE: u32 = 0xE000_0000;

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
    Counted(i32),
    /// Keyword occurrence masked by an occurrence of this exclude phrase.
    Masked(u32),
    /// Keyword occurrence inside a longer counted keyword occurrence.
    Subsumed,
    /// An exclude occurrence.
    Exclude,
}

/// The phrases that start with one syllable (or with a number), split for a fast lookup.
#[derive(Debug, Clone, Default)]
struct Starts {
    /// One-token phrases and phrases whose second token is a number slot: always tried.
    any: Vec<u32>,
    /// The others as (second token, phrase), sorted: only the run whose second token is the
    /// text's next one is tried.
    by_next: Vec<(u32, u32)>,
}

/// Buffers reused across calls on one thread, so classifying allocates nothing once warm.
#[derive(Default)]
struct Scratch {
    syllable: String,
    tokens: Vec<u32>,
    occs: Vec<Occ>,
    scores: Vec<i32>,
    stamps: Stamps,
}

impl Scratch {
    /// Buffers beyond this many elements are given back after the call: one huge summary
    /// must not pin megabytes on every worker thread for the life of the daemon.
    const KEEP: usize = 1 << 14;

    fn shrink(&mut self) {
        if self.syllable.capacity() > Self::KEEP {
            self.syllable = String::new();
        }
        if self.tokens.capacity() > Self::KEEP {
            self.tokens = Vec::new();
        }
        if self.occs.capacity() > Self::KEEP {
            self.occs = Vec::new();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Classifier {
    /// Compiles the topics, in order.
    ///
    /// # Errors
    /// Fails on rules that are certainly mistakes rather than let them silently never (or
    /// always) match: a blank or repeated topic id, a topic without keywords, a threshold of 0,
    /// a phrase with no syllable, a bad `:N` weight, a phrase listed twice. See [`RuleError`].
    pub fn new(topics: &[TopicRules]) -> Result<Classifier, RuleError> {
        let mut c = Classifier {
            topics: Vec::with_capacity(topics.len()),
            vocab: FxHashMap::default(),
            phrases: Vec::new(),
            starts: Vec::new(),
            num_starts: Starts::default(),
            slots: Vec::new(),
            max_len: 0,
        };
        let mut syllables = Vec::new();
        let mut buf = String::new();
        for (index, rules) in topics.iter().enumerate() {
            let id = rules.id.as_str();
            if id.trim().is_empty() {
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
                        (PhraseList::Keywords, Some(w))
                            if w != 0 && (-MAX_WEIGHT..=MAX_WEIGHT).contains(&w) =>
                        {
                            Some(w)
                        }
                        (PhraseList::Exclude, None) => None,
                        _ => return Err(bad_weight()),
                    };
                    let bad_pattern = |reason: &'static str| RuleError::BadPattern {
                        topic: id.to_owned(),
                        list,
                        phrase: entry.clone(),
                        reason,
                    };
                    let (anchored, pieces) = pattern_pieces(text).map_err(bad_pattern)?;
                    let mut ids: Vec<u32> = Vec::new();
                    for piece in pieces {
                        match piece {
                            Piece::Slot(lo, hi) => {
                                let k = u32::try_from(c.slots.len()).unwrap_or(u32::MAX);
                                if k >= UNKNOWN - CLASS_BASE {
                                    return Err(bad_pattern("too many number slots"));
                                }
                                c.slots.push((lo, hi));
                                ids.push(CLASS_BASE + k);
                            }
                            Piece::Words(words) => {
                                syllables.clear();
                                walk(
                                    words,
                                    &mut Syllables::new(&mut buf, |s| {
                                        syllables.push(s.map(str::to_owned));
                                    }),
                                );
                                // Punctuation at either end of the words still ends the phrase
                                // there ("Thông tư: #" must not match "Thông tư 29").
                                let ends = |ch: Option<char>| {
                                    ch.is_some_and(|ch| !is_syllable_char(ch) && !is_joiner(ch))
                                };
                                if ends(words.chars().next()) {
                                    ids.push(BREAK);
                                }
                                for s in &syllables {
                                    ids.push(s.as_deref().map_or(BREAK, |s| c.token_for(s)));
                                }
                                if ends(words.chars().next_back()) {
                                    ids.push(BREAK);
                                }
                            }
                        }
                    }
                    ids.dedup_by(|a, b| *a == BREAK && *b == BREAK);
                    while ids.last() == Some(&BREAK) {
                        ids.pop();
                    }
                    let lead = ids.iter().take_while(|&&t| t == BREAK).count();
                    let ids: Box<[u32]> = ids[lead..].into();
                    if !ids.iter().any(|&t| t != BREAK && !is_slot(t)) {
                        return Err(RuleError::EmptyPhrase {
                            topic: id.to_owned(),
                            list,
                            phrase: entry.clone(),
                        });
                    }
                    if c.phrases[first_phrase..]
                        .iter()
                        .any(|p| p.anchored == anchored && c.same_tokens(&p.ids, &ids))
                    {
                        return Err(RuleError::DuplicatePhrase {
                            topic: id.to_owned(),
                            phrase: entry.clone(),
                        });
                    }
                    c.phrases.push(Phrase {
                        has_slot: ids.iter().any(|&t| is_slot(t)),
                        anchored,
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
        c.max_len = c.phrases.iter().map(|p| p.ids.len()).max().unwrap_or(0);
        c.starts = vec![Starts::default(); c.vocab.len()];
        for (i, p) in c.phrases.iter().enumerate() {
            // Phrases are non-empty and start with an interned id, a number or a number slot,
            // and number fewer than the u32 ids of their syllables.
            let Ok(i) = u32::try_from(i) else { continue };
            let starts = match p.ids.first() {
                Some(&id) if id >= NUM_BASE => &mut c.num_starts,
                Some(&id) => match c.starts.get_mut(id as usize) {
                    Some(starts) => starts,
                    None => continue,
                },
                None => continue,
            };
            match p.ids.get(1) {
                Some(&next) if !is_slot(next) => starts.by_next.push((next, i)),
                _ => starts.any.push(i),
            }
        }
        for starts in c.starts.iter_mut().chain([&mut c.num_starts]) {
            starts.by_next.sort_unstable();
        }
        Ok(c)
    }

    /// The token of a phrase's syllable: its number token, or its interned id.
    fn token_for(&mut self, syllable: &str) -> u32 {
        if let Some(n) = number_token(syllable) {
            return n;
        }
        if let Some(&id) = self.vocab.get(syllable) {
            return id;
        }
        // A vocabulary of three billion syllables cannot come from a config file; saturate
        // into UNKNOWN (which matches nothing) rather than run into the number tokens.
        let id =
            u32::try_from(self.vocab.len()).map_or(
                UNKNOWN,
                |n| {
                    if n < NUM_BASE {
                        n
                    } else {
                        UNKNOWN
                    }
                },
            );
        if id != UNKNOWN {
            self.vocab.insert(syllable.into(), id);
        }
        id
    }

    /// Whether two phrases' tokens are the same, number slots compared by their ranges.
    fn same_tokens(&self, a: &[u32], b: &[u32]) -> bool {
        let slot = |t: u32| self.slots.get((t - CLASS_BASE) as usize);
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(&x, &y)| x == y || (is_slot(x) && is_slot(y) && slot(x) == slot(y)))
    }

    /// Whether the phrase `p` starts at `tokens[start]`.
    #[inline]
    fn matches_at(&self, p: &Phrase, tokens: &[u32], start: usize) -> bool {
        if p.anchored && start > 0 && tokens[start - 1] != BREAK {
            return false;
        }
        let rest = &tokens[start..];
        if !p.has_slot {
            // Phrases are a few tokens long: a plain loop beats `starts_with`'s call to memcmp.
            return rest.len() >= p.ids.len() && p.ids.iter().zip(rest).all(|(a, b)| a == b);
        }
        rest.len() >= p.ids.len()
            && p.ids.iter().zip(rest).all(|(&want, &got)| {
                want == got
                    || (is_slot(want)
                        && (NUM_BASE..CLASS_BASE).contains(&got)
                        && self
                            .slots
                            .get((want - CLASS_BASE) as usize)
                            .is_some_and(|&(lo, hi)| (lo..=hi).contains(&(got - NUM_BASE))))
            })
    }

    /// Ids of the topics the item belongs to, in config order.
    ///
    /// The title weighs twice as much as the summary; see the module docs for the rules.
    /// Never panics, whatever the text.
    #[must_use]
    pub fn classify(&self, title: &str, summary: Option<&str>) -> Vec<String> {
        self.with_scan(title, summary, |_, scores| {
            self.topics
                .iter()
                .zip(scores)
                .filter(|(t, &s)| reaches(s, t.threshold))
                .map(|(t, _)| t.id.clone())
                .collect()
        })
    }

    /// Like [`Classifier::classify`], but reports every topic with its score and the keyword
    /// occurrences that counted or were masked, for admins tuning their rules.
    #[must_use]
    pub fn explain(&self, title: &str, summary: Option<&str>) -> Vec<Explanation> {
        self.with_scan(title, summary, |occs, scores| {
            let mut out: Vec<Explanation> = self
                .topics
                .iter()
                .zip(scores)
                .map(|(t, &score)| Explanation {
                    topic: t.id.clone(),
                    matched: reaches(score, t.threshold),
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
        finish: impl FnOnce(&[Occ], &[i32]) -> R,
    ) -> R {
        let run = |s: &mut Scratch| {
            s.occs.clear();
            s.scores.clear();
            s.scores.resize(self.topics.len(), 0);
            for (field, text) in [(Field::Title, Some(title)), (Field::Summary, summary)] {
                let Some(text) = text else { continue };
                s.tokens.clear();
                let tokens = &mut s.tokens;
                walk(
                    text,
                    &mut Syllables::new(&mut s.syllable, |syl| {
                        tokens.push(match syl {
                            Some(syl) => number_token(syl)
                                .or_else(|| self.vocab.get(syl).copied())
                                .unwrap_or(UNKNOWN),
                            None => BREAK,
                        });
                    }),
                );
                let from = s.occs.len();
                self.find(&s.tokens, field, &mut s.occs);
                self.judge(&mut s.occs[from..], &mut s.scores, &mut s.stamps);
            }
            let result = finish(&s.occs, &s.scores);
            s.shrink();
            result
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
            let starts = match self.starts.get(id as usize) {
                Some(starts) => starts,
                None if (NUM_BASE..CLASS_BASE).contains(&id) => &self.num_starts,
                None => continue,
            };
            // Phrases of one token or with a slot second, then those whose second token is
            // the text's next one (a sorted run): common first syllables head many phrases.
            let paired = match tokens.get(start + 1) {
                Some(&next) if !starts.by_next.is_empty() => {
                    let list = &starts.by_next;
                    let from = list.partition_point(|&(second, _)| second < next);
                    let len = list[from..].partition_point(|&(second, _)| second == next);
                    &list[from..from + len]
                }
                _ => &[],
            };
            let first = occs.len();
            for pi in starts
                .any
                .iter()
                .copied()
                .chain(paired.iter().map(|&(_, pi)| pi))
            {
                let p = &self.phrases[pi as usize];
                if self.matches_at(p, tokens, start) {
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
            // Keep "ordered by start then phrase" when both lists matched here.
            let here = &mut occs[first..];
            if !here.is_sorted_by_key(|o| o.phrase) {
                here.sort_unstable_by_key(|o| o.phrase);
            }
        }
    }

    /// Masks, subsumes and prices the occurrences of one field (sorted by start), adding to
    /// `scores`. Linear in the number of occurrences: only neighbours closer than the longest
    /// phrase can overlap, and repeats are found through per-phrase stamps.
    fn judge(&self, occs: &mut [Occ], scores: &mut [i32], stamps: &mut Stamps) {
        let topic = |o: &Occ| self.phrases[o.phrase as usize].topic;
        // Masking: an exclude masks overlapping keyword occurrences of its own topic, unless
        // the keyword occurrence is longer and contains it.
        for k in 0..occs.len() {
            let kw = occs[k];
            if kw.state == OccState::Exclude {
                continue;
            }
            let masker = occs[self.around(occs, k)].iter().find(|e| {
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
        // The longest container is never subsumed itself, so the order of this pass does
        // not change the outcome.
        for k in 0..occs.len() {
            let kw = occs[k];
            if !matches!(kw.state, OccState::Counted(_)) {
                continue;
            }
            let inside_longer = occs[self.around(occs, k)].iter().any(|o| {
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
        let stamp = stamps.next_field(self.phrases.len());
        for occ in occs.iter_mut() {
            if !matches!(occ.state, OccState::Counted(_)) {
                continue;
            }
            let p = &self.phrases[occ.phrase as usize];
            let points = match stamps.seen.get_mut(occ.phrase as usize) {
                Some(seen) if *seen != stamp => {
                    *seen = stamp;
                    p.weight.unwrap_or(0).saturating_mul(occ.field.factor())
                }
                _ => 0,
            };
            occ.state = OccState::Counted(points);
            if let Some(s) = scores.get_mut(p.topic) {
                *s = s.saturating_add(points);
            }
        }
    }

    /// Indexes of the occurrences that may overlap `occs[i]`, given that `occs` is sorted by
    /// start and no phrase is longer than `self.max_len`.
    fn around(&self, occs: &[Occ], i: usize) -> std::ops::Range<usize> {
        let o = occs[i];
        let mut lo = i;
        while lo > 0 && occs[lo - 1].start.saturating_add(self.max_len) > o.start {
            lo -= 1;
        }
        let mut hi = i + 1;
        while hi < occs.len() && occs[hi].start < o.end {
            hi += 1;
        }
        lo..hi
    }
}

/// Whether a score reaches a threshold (a negative score never does).
fn reaches(score: i32, threshold: u32) -> bool {
    i64::from(score) >= i64::from(threshold)
}

/// Per-phrase marks telling whether a keyword already earned points in the current field,
/// without clearing anything between fields: a field's stamp is new, so old marks differ.
#[derive(Default)]
struct Stamps {
    seen: Vec<u32>,
    current: u32,
}

impl Stamps {
    /// Starts a field for a classifier with `phrases` phrases; returns the field's stamp.
    fn next_field(&mut self, phrases: usize) -> u32 {
        self.current = self.current.wrapping_add(1);
        if self.current == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.current = 1;
        }
        if self.seen.len() < phrases {
            self.seen.resize(phrases, 0);
        }
        self.current
    }
}

/// Splits a trailing `:N` or `:-N` weight off a keyword: `:` directly followed by an optional
/// minus and 1–9 ASCII digits that end the entry. Anything else is part of the phrase
/// (`"Thông tư: 29"` is a phrase, its colon punctuation like any other).
fn split_weight(entry: &str) -> (&str, Option<i32>) {
    let trimmed = entry.trim_end();
    if let Some((phrase, weight)) = trimmed.rsplit_once(':') {
        let digits = weight.strip_prefix('-').unwrap_or(weight);
        if !digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return (phrase, weight.parse().ok());
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
trait FoldSink {
    /// A letter, digit or leftover combining mark, already lowercased.
    fn syllable_char(&mut self, c: char);
    /// Any other character (it ends the current syllable, if any).
    fn separator(&mut self, c: char);
    /// End of text.
    fn end(&mut self);
}

/// Feeds the folded characters of `text` to `sink`: one pass in the common case of text that
/// is already NFC, a decomposition and recomposition otherwise.
fn walk(text: &str, sink: &mut impl FoldSink) {
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
fn is_plain_nfc(text: &str) -> bool {
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
fn is_plainly_vietnamese(bytes: &[u8]) -> bool {
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
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}')
}

/// Zero-width space and a stray byte-order mark separate words: they become a space.
fn is_zero_width_space(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}')
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

fn walk_chars(chars: impl Iterator<Item = char>, sink: &mut impl FoldSink) {
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
fn feed(c: char, sink: &mut impl FoldSink) {
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
struct FoldedText<'a> {
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
struct Syllables<'a, F> {
    syllable: &'a mut String,
    emit: F,
    pending_break: bool,
    any: bool,
    /// A `.` or `,` met right after a number: part of it if a digit follows.
    held: Option<char>,
}

impl<'a, F: FnMut(Option<&str>)> Syllables<'a, F> {
    fn new(syllable: &'a mut String, emit: F) -> Self {
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
fn is_number_so_far(syllable: &str) -> bool {
    syllable.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && syllable
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// The token of a number syllable, `NUM_BASE + value`, or `None` for any other syllable.
/// `1.200` and `27,000` (groups of three after the first) are thousands; `8,5` and `6.5` are
/// decimals and count as their whole part, 8 and 6.
#[inline]
fn number_token(syllable: &str) -> Option<u32> {
    if !syllable.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    number_value(syllable)
}

/// The slow half of [`number_token`], for syllables that start with a digit.
fn number_value(syllable: &str) -> Option<u32> {
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
fn is_slot(token: u32) -> bool {
    (CLASS_BASE..UNKNOWN).contains(&token)
}

/// A stretch of a phrase as written: ordinary words, or a number slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    Words(&'a str),
    /// `#` (any number) or `#LOW-HIGH`: the inclusive range of values accepted.
    Slot(u32, u32),
}

/// Splits a phrase (its weight already removed) into words and number slots, and says whether
/// it opens with `^`. A slot is a whitespace-separated piece starting with `#`.
fn pattern_pieces(text: &str) -> Result<(bool, Vec<Piece<'_>>), &'static str> {
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
fn parse_slot(spec: &str) -> Result<Piece<'static>, &'static str> {
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

fn char_from(code: u32, fallback: char) -> char {
    char::from_u32(code).unwrap_or(fallback)
}

/// Characters that make up a syllable: letters, digits, and combining marks that NFC could not
/// merge into the letter before them.
fn is_syllable_char(c: char) -> bool {
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

/// Keywords of the shipped `giao-duc` topic, grouped as in `giao_duc.toml`; the project keeps
/// the two equal with a test (see [`giao_duc_default`]).
const GIAO_DUC_KEYWORDS: &[&str] = &[
    // The sector and its authorities. "GD&ĐT" also matches GD-ĐT and GD/ĐT.
    "giáo dục",
    "giáo dục và đào tạo:4",
    "GD&ĐT:4",
    "GDĐT:4",
    "Bộ Giáo dục:4",
    "Sở Giáo dục:4",
    "ngành giáo dục:4",
    "chương trình giáo dục phổ thông:4",
    "giáo dục đại học:4",
    "giáo dục nghề nghiệp",
    "giáo dục hòa nhập",
    "phổ cập giáo dục:4",
    "cơ sở giáo dục",
    // Learners.
    "học sinh:4",
    "sinh viên:4",
    "nam sinh",
    "nữ sinh",
    "học trò",
    "thủ khoa",
    "học viên:1",
    "thí sinh:1",
    "du học sinh:1",
    "phụ huynh",
    "HSSV",
    "nghiên cứu sinh",
    "bảo mẫu:1",
    // Teachers.
    "giáo viên:4",
    "nhà giáo:4",
    "giảng viên:4",
    "hiệu trưởng:4",
    "hiệu phó:4",
    "ban giám hiệu:4",
    "thầy giáo:4",
    "cô giáo:4",
    "thầy cô:4",
    "cô trò",
    "thầy trò:1",
    "người thầy",
    "sư phạm",
    "giáo sư:1",
    "phó giáo sư:1",
    "GS:1",
    "PGS:1",
    "thạc sĩ:1",
    "tiến sĩ:1",
    "dịp 20/11",
    "20/11:1",
    // Levels and kinds of school.
    "mầm non:4",
    "mẫu giáo",
    "nhà trẻ:1",
    "tiểu học:4",
    "trung học",
    "THCS:4",
    "THPT:4",
    "đại học",
    "cao đẳng",
    "trung cấp:1",
    "ĐH:1",
    "CĐ:1",
    "ĐH Quốc gia",
    "ĐHQG",
    "học viện:1",
    "giảng đường",
    // Schools.
    "trường:1",
    "^trường",
    "trường học:4",
    "nhà trường:4",
    "trường lớp:4",
    "trường phổ thông",
    "trường tư",
    "trường công lập",
    "trường chuyên",
    "lớp chuyên",
    "cận chuyên",
    "trường nội trú",
    "nội trú:1",
    "bán trú",
    "trường quốc tế",
    "trường y",
    "trường nghề",
    "trường liên cấp",
    "trường dân lập",
    "thành lập trường",
    "điểm trường",
    "mái trường",
    "tựu trường",
    "hội đồng trường",
    "trường chuẩn quốc gia",
    "đạt chuẩn quốc gia:1",
    "ký túc xá",
    "# trường",
    "các trường",
    "nhiều trường",
    "những trường",
    "một trường",
    "hai trường",
    "ba trường",
    "bốn trường",
    "năm trường",
    "sáu trường",
    "bảy trường",
    "tám trường",
    "chín trường",
    "mười trường",
    "loạt trường",
    "mỗi trường",
    "trăm trường",
    "trường nào",
    "trường này",
    "nghìn trường",
    "ngàn trường",
    "đến trường",
    "tới trường",
    "ở trường",
    "tại trường",
    "trong trường",
    "về trường",
    "ra trường",
    "rời trường",
    "vào trường",
    "cổng trường",
    "sân trường",
    "xây trường",
    "xây mới trường",
    "khởi công trường",
    "mở trường",
    "đóng cửa trường",
    "sáp nhập trường",
    "giải thể trường",
    // Classes and school life.
    "lớp học:4",
    "phòng học",
    "lớp #1-12",
    "cấp #1-3:1",
    "học đường",
    "năm học:4",
    "học kỳ",
    "khai giảng:1",
    "bế giảng:1",
    "tiết học",
    "giờ học",
    "buổi học",
    "học # buổi",
    "nghỉ học",
    "đi học",
    "đến lớp",
    "lên lớp",
    "cùng lớp",
    "môn học",
    "chương trình học",
    "môn Toán",
    "môn Văn",
    "môn Ngữ văn",
    "môn Lịch sử",
    "môn Địa lý",
    "môn Vật lý",
    "môn Hóa",
    "môn Sinh học",
    "môn Tin học",
    "môn tiếng Anh",
    "môn ngoại ngữ",
    "sách giáo khoa:4",
    "SGK",
    "giáo trình",
    "giáo án",
    "luận án",
    "luận văn",
    "giờ ra chơi",
    "đồng phục:1",
    "dạy học",
    "dạy và học",
    "giảng dạy",
    "dạy thêm:4",
    "học thêm:4",
    "học nghề",
    "đào tạo nghề",
    "du học",
    "bài tập về nhà",
    "chương trình đào tạo",
    "chuẩn đầu ra",
    "văn bằng",
    "bằng cấp",
    "cử nhân",
    "học vị",
    "học hàm",
    // Exams and admissions.
    "tuyển sinh:4",
    "kỳ thi",
    "kì thi",
    "thi tốt nghiệp:4",
    "điểm chuẩn:4",
    "điểm sàn",
    "xét tuyển:4",
    "tuyển thẳng",
    "trúng tuyển",
    "nguyện vọng:1",
    "học bạ",
    "đề thi",
    "đề minh họa",
    "đề tham khảo",
    "đáp án:1",
    "thi đánh giá năng lực",
    "đánh giá năng lực:1",
    "đánh giá tư duy",
    "ôn thi",
    "luyện thi",
    "mùa thi",
    "môn thi",
    "bài thi:1",
    "phòng thi",
    "lịch thi",
    "thi cử",
    "IELTS",
    "TOEIC",
    "TOEFL",
    "SAT:1",
    "chứng chỉ:1",
    "chứng chỉ ngoại ngữ",
    "Olympia",
    "Olympic:1",
    "Olympic Toán",
    "Olympic Vật lý",
    "Olympic Hóa học",
    "Olympic Sinh học",
    "Olympic Tin học",
    "Olympic tiếng Anh",
    "học sinh giỏi",
    "chỉ tiêu:1",
    "tốt nghiệp",
    "điểm thi",
    "thi thử",
    "chấm thi",
    "coi thi",
    "bài kiểm tra",
    "sĩ tử",
    "ĐGNL",
    "thi vào #1-12",
    "ôn luyện",
    "ôn tập",
    "tổ hợp môn",
    "quy chế thi",
    // Majors and languages.
    "ngành học",
    "học ngành",
    "chọn ngành",
    "chọn trường",
    "ngành đào tạo",
    "nhập học",
    "học online",
    "học trực tuyến",
    "STEM",
    "ngoại ngữ",
    "tiếng Anh",
    "trong tiếng Anh",
    "học tiếng Anh",
    "dạy tiếng Anh",
    "tiếng Trung:1",
    "tiếng Nhật:1",
    "tiếng Hàn:1",
    "tiếng Pháp:1",
    "tiếng Đức:1",
    "phát âm:1",
    "cách nói:1",
    "cách dùng:1",
    "diễn đạt:1",
    "từ vựng",
    "ngữ pháp",
    "giới từ",
    "đào tạo:1",
    "hướng nghiệp",
    // Counter-evidence: show business, where "thí sinh" is a TV contestant.
    "hoa hậu:-2",
    "á hậu:-2",
    "hoa khôi:-2",
    "người đẹp:-2",
    "người mẫu:-2",
    "ca sĩ:-2",
    "diễn viên:-2",
    "showbiz:-2",
    "gameshow:-2",
    "game show:-2",
    "truyền hình thực tế:-2",
    "ca khúc:-2",
    "rapper:-2",
    // Fees and support.
    "học phí:4",
    "tiền học",
    "học bổng:4",
    "khoản thu:1",
    "thu chi:1",
    // Khuyến học and the learning-society movement; literacy.
    "khuyến học",
    "khuyến tài",
    "xã hội học tập",
    "học tập suốt đời",
    "gia đình học tập",
    "dòng họ học tập",
    "cộng đồng học tập",
    "đơn vị học tập",
    "công dân học tập",
    "trung tâm học tập cộng đồng",
    "mù chữ",
];

/// Exclude phrases of the shipped `giao-duc` topic; see [`GIAO_DUC_KEYWORDS`]. Only phrases
/// that overlap a keyword are needed: tôn giáo, thi công or Bộ trưởng contain no keyword.
const GIAO_DUC_EXCLUDE: &[&str] = &[
    // "trường" that is not a school.
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
    "đấu trường",
    "phi trường",
    "pháp trường",
    "sa trường",
    "tình trường",
    "từ trường",
    "trường phái",
    "trường quay",
    "trường đua",
    "trường bắn",
    "trường tồn",
    "trường thọ",
    "trường kỳ",
    "trường ca",
    "trường độ",
    "hậu trường",
    "Trường Sa",
    "Trường Sơn",
    "Trường Chinh",
    "Trường Giang",
    "Trường Thành",
    // Words ending in "học" that would lend it to "học sinh" (khoa học sinh thái).
    "khoa học",
    "hóa học",
    "văn học",
    // "giáo dục" that is not the school system.
    "giáo dục pháp luật",
    "giáo dục chính trị",
    "cơ sở giáo dục bắt buộc",
    // Learners, teachers and exams outside schools.
    "học viên cai nghiện",
    "học hỏi",
    "học tập kinh nghiệm",
    "bác sĩ nội trú",
    "thầy thuốc",
    "thi tuyển công chức",
    "trung cấp lý luận chính trị",
    // Together the two abbreviations are Đại hội Công đoàn.
    "ĐH CĐ",
];

/// The rules shipped for the teachers' channel (`giao-duc`), identical to the `[[topic]]`
/// snippet shipped for `feeds.toml`. Exposed so the project can test that its config still says
/// the same thing, and so tests and benchmarks here run on the real rules.
#[must_use]
pub fn giao_duc_default() -> TopicRules {
    TopicRules {
        id: "giao-duc".to_owned(),
        name: "Giáo dục – chính sách".to_owned(),
        keywords: GIAO_DUC_KEYWORDS.iter().map(|s| (*s).to_owned()).collect(),
        exclude: GIAO_DUC_EXCLUDE.iter().map(|s| (*s).to_owned()).collect(),
        threshold: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Classifier {
        Classifier::new(&[giao_duc_default()]).expect("shipped rules compile")
    }

    fn is_edu(c: &Classifier, title: &str) -> bool {
        !c.classify(title, None).is_empty()
    }

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    fn topic(id: &str, keywords: &[&str], exclude: &[&str]) -> TopicRules {
        TopicRules {
            id: id.to_owned(),
            name: id.to_owned(),
            keywords: keywords.iter().map(|s| (*s).to_owned()).collect(),
            exclude: exclude.iter().map(|s| (*s).to_owned()).collect(),
            threshold: None,
        }
    }

    fn line(c: &Classifier, title: &str, summary: Option<&str>) -> String {
        c.explain(title, summary)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

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

    // ---- traps ----

    #[test]
    fn traps_are_not_education() {
        let c = shipped();
        let traps = [
            (
                "thị trường",
                "Bình ổn thị trường hàng hóa dịp Tết Nguyên đán",
            ),
            ("thị trường, all caps", "THỊ TRƯỜNG BẤT ĐỘNG SẢN PHỤC HỒI"),
            ("môi trường", "Bảo vệ môi trường biển, đảo Cát Bà"),
            (
                "trường hợp",
                "Xử lý nghiêm các trường hợp vi phạm trật tự xây dựng",
            ),
            (
                "quảng trường",
                "Chương trình nghệ thuật tại Quảng trường Nhà hát lớn",
            ),
            ("chiến trường", "Về thăm chiến trường xưa Quảng Trị"),
            ("hiện trường", "Khám nghiệm hiện trường vụ cháy kho hàng"),
            (
                "lập trường",
                "Giữ vững lập trường tư tưởng của cán bộ, đảng viên",
            ),
            ("Trường Sa", "Thăm quân và dân huyện đảo Trường Sa"),
            ("Trường Sơn", "Gặp mặt cựu chiến binh Trường Sơn"),
            (
                "Trường Chinh",
                "Phân luồng giao thông trên đường Trường Chinh",
            ),
            (
                "a person named Trường",
                "Ông Lê Quang Trường giữ chức Chủ tịch UBND huyện",
            ),
            (
                "khoa học",
                "Hội nghị tổng kết hoạt động khoa học và công nghệ",
            ),
            (
                "khoa học sinh thái",
                "Ứng dụng khoa học sinh thái trong nuôi trồng thủy sản",
            ),
            (
                "hóa học sinh ra",
                "Quản lý chất thải hóa học sinh ra từ công nghiệp",
            ),
            ("văn học", "Trao giải thưởng Văn học nghệ thuật thành phố"),
            (
                "học tập và làm theo",
                "Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
            ),
            (
                "tôn giáo",
                "Thăm, chúc mừng các chức sắc tôn giáo dịp Giáng sinh",
            ),
            (
                "Phật giáo",
                "Giáo hội Phật giáo thành phố tổ chức Đại lễ Phật đản",
            ),
            ("Công giáo", "Đồng bào Công giáo đón Giáng sinh an lành"),
            ("giáo xứ", "Giáo xứ Kẻ Sặt kỷ niệm 100 năm xây dựng nhà thờ"),
            (
                "Tuyên giáo",
                "Ban Tuyên giáo và Dân vận Thành ủy triển khai nhiệm vụ",
            ),
            (
                "giáo dục pháp luật",
                "Phổ biến, giáo dục pháp luật cho người dân vùng biển",
            ),
            (
                "giáo dục chính trị",
                "Nâng cao chất lượng giáo dục chính trị cho chiến sĩ",
            ),
            (
                "cơ sở giáo dục bắt buộc",
                "Quyết định đưa vào cơ sở giáo dục bắt buộc",
            ),
            (
                "học viên cai nghiện",
                "Hỗ trợ học viên cai nghiện tái hòa nhập cộng đồng",
            ),
            ("thi công", "Đẩy nhanh tiến độ thi công cầu Nguyễn Trãi"),
            ("thi hành", "Tăng cường công tác thi hành án dân sự"),
            ("thi đua", "Phát động phong trào thi đua yêu nước"),
            (
                "thực thi",
                "Thực thi quyền sở hữu trí tuệ trên môi trường số",
            ),
            ("trưởng", "Bổ nhiệm Trưởng phòng Tư pháp quận Ngô Quyền"),
            (
                "Bộ trưởng",
                "Bộ trưởng Bộ Công Thương làm việc với thành phố",
            ),
            (
                "tăng trưởng",
                "Hải Phòng tăng trưởng GRDP 11%, dẫn đầu cả nước",
            ),
            (
                "giao thông",
                "Đảm bảo trật tự an toàn giao thông dịp nghỉ lễ",
            ),
            ("Đại hội", "Đại hội Đại biểu Đảng bộ thành phố lần thứ XVII"),
            (
                "ĐH is Đại hội",
                "ĐH Đảng bộ các cấp: chuẩn bị chu đáo văn kiện",
            ),
            (
                "CĐ is Công đoàn",
                "CĐ ngành Giao thông vận tải chăm lo Tết cho đoàn viên",
            ),
            (
                "ĐH CĐ is Đại hội Công đoàn",
                "ĐH CĐ cơ sở Công ty Cảng nhiệm kỳ 2023-2028",
            ),
            (
                "weak ĐH with a masked trường",
                "ĐH Đảng bộ huyện đảo Trường Sa",
            ),
            (
                "kỳ thi tuyển công chức",
                "Kỳ thi tuyển công chức thành phố năm 2025",
            ),
            (
                "trung cấp lý luận",
                "Khai giảng lớp trung cấp lý luận chính trị khóa 45",
            ),
        ];
        for (case, title) in traps {
            assert!(
                !is_edu(&c, title),
                "trap {case:?}: {}",
                line(&c, title, None)
            );
            assert!(
                !is_edu(&c, &nfd(title)),
                "trap {case:?} in NFD: {}",
                line(&c, title, None)
            );
        }
    }

    #[test]
    fn education_signals_are_education() {
        let c = shipped();
        let cases = [
            ("Sở GD&ĐT", "Sở GD&ĐT hướng dẫn nhiệm vụ năm mới"),
            (
                "Sở Giáo dục",
                "Sở Giáo dục và Đào tạo tập huấn cán bộ quản lý",
            ),
            ("học sinh", "Phòng, chống đuối nước cho học sinh dịp hè"),
            ("sinh viên", "Cho vay ưu đãi đối với sinh viên khó khăn"),
            ("giáo viên", "Tuyển dụng 1.200 giáo viên năm 2025"),
            ("nhà giáo", "Tôn vinh nhà giáo tiêu biểu nhân ngày 20/11"),
            ("mầm non", "Thành lập Trường Mầm non Hoa Sen"),
            ("tiểu học", "Khánh thành Trường Tiểu học Đông Hải"),
            ("THCS", "Tỷ lệ tốt nghiệp THCS đạt 99,8%"),
            ("THPT", "Xây thêm 3 trường THPT mới"),
            (
                "đại học",
                "Xét tuyển đại học: lưu ý khi đăng ký nguyện vọng",
            ),
            ("cao đẳng", "Thành lập Trường Cao đẳng Kỹ thuật Công nghiệp"),
            (
                "tuyển sinh",
                "Công bố đáp án các môn thi tuyển sinh vào lớp 10",
            ),
            ("kỳ thi", "Hơn 23.000 thí sinh bước vào kỳ thi năm 2025"),
            ("thi tốt nghiệp THPT", "Kết quả thi tốt nghiệp THPT 2025"),
            ("điểm chuẩn", "Công bố điểm chuẩn vào lớp 10 công lập"),
            ("năm học", "Phụ huynh lo lắng về các khoản thu đầu năm học"),
            ("học phí", "Nghị quyết quy định mức học phí mới"),
            (
                "học bổng",
                "Trao 500 suất học bổng cho trẻ em nghèo vượt khó",
            ),
            ("khuyến học", "Hội Khuyến học thành phố tổng kết năm 2024"),
            ("khuyến tài", "Tôn vinh điển hình khuyến tài năm 2024"),
            ("xã hội học tập", "Triển khai Đề án xây dựng xã hội học tập"),
            (
                "học tập suốt đời",
                "Hưởng ứng Tuần lễ học tập suốt đời năm 2025",
            ),
            ("xóa mù chữ", "Thành phố đạt chuẩn xóa mù chữ mức độ 2"),
            ("xoá mù chữ", "Thành phố đạt chuẩn xoá mù chữ mức độ 2"),
            ("sách giáo khoa", "Lựa chọn sách giáo khoa lớp 5"),
            (
                "chương trình giáo dục phổ thông",
                "Đánh giá 5 năm thực hiện chương trình giáo dục phổ thông",
            ),
            (
                "trường chuẩn quốc gia",
                "Thêm 12 trường chuẩn quốc gia năm 2024",
            ),
            (
                "trường đạt chuẩn quốc gia",
                "Thêm 12 trường đạt chuẩn quốc gia năm 2024",
            ),
            ("bán trú", "Bảo đảm an toàn thực phẩm trong bếp ăn bán trú"),
            (
                "khai giảng with trường",
                "Các trường khai giảng sớm một tuần",
            ),
            ("tựu trường", "Ngày hội tựu trường của trẻ xã Tiên Lãng"),
            ("học đường", "Phòng chống bạo lực học đường"),
            ("dạy thêm", "Tăng cường quản lý dạy thêm, học thêm"),
            (
                "giáo dục hòa nhập",
                "Tập huấn giáo dục hòa nhập cho trẻ khuyết tật",
            ),
            (
                "giáo dục hoà nhập",
                "Tập huấn giáo dục hoà nhập cho trẻ khuyết tật",
            ),
            ("đào tạo nghề", "Hỗ trợ đào tạo nghề cho lao động nông thôn"),
            (
                "giáo dục nghề nghiệp",
                "Phát triển giáo dục nghề nghiệp gắn với doanh nghiệp",
            ),
            (
                "sức khoẻ học sinh",
                "Đảm bảo sức khoẻ cho học sinh mùa nắng nóng",
            ),
            (
                "Trường ĐH: two weak hints",
                "Trường ĐH Hàng hải công bố chỉ tiêu",
            ),
            (
                "Trường CĐ: two weak hints",
                "Trường CĐ Du lịch mở ngành mới",
            ),
            (
                "thành lập trường beats lập trường",
                "Thành lập trường mới tại khu đô thị",
            ),
            (
                "Trường Sơn as a school name",
                "Trường THCS Trường Sơn đạt chuẩn quốc gia",
            ),
            (
                "giao thông near học sinh",
                "An toàn giao thông cho học sinh khi đến trường",
            ),
            (
                "giáo dục pháp luật in schools",
                "Giáo dục pháp luật cho học sinh, sinh viên",
            ),
            (
                "khoa học sinh viên",
                "Ngày hội Khoa học sinh viên Trường Đại học Y Dược",
            ),
            (
                "môi trường học đường",
                "Xây dựng môi trường học đường an toàn",
            ),
            ("all caps", "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÔNG BÁO LỊCH THI"),
            (
                "Ð from windows-1252",
                "Ngành GDÐT triển khai sổ điểm điện tử",
            ),
        ];
        for (case, title) in cases {
            assert!(
                is_edu(&c, title),
                "signal {case:?}: {}",
                line(&c, title, None)
            );
            assert!(
                is_edu(&c, &nfd(title)),
                "signal {case:?} in NFD: {}",
                line(&c, title, None)
            );
        }
    }

    #[test]
    fn gd_dt_abbreviation_in_every_spelling() {
        let c = shipped();
        for title in [
            "Sở GD&ĐT thông báo",
            "Sở GD-ĐT thông báo",
            "Sở GD/ĐT thông báo",
            "Sở GD & ĐT thông báo",
            "Sở GDĐT thông báo",
            "SỞ GD&ĐT THÔNG BÁO",
            "Sở gd&đt thông báo",
        ] {
            assert!(is_edu(&c, title), "{}", line(&c, title, None));
        }
        // A comma ends a phrase: "GD, ĐT" is two separate words.
        assert!(
            !is_edu(&c, "Tăng GD, ĐT giảm"),
            "{}",
            line(&c, "Tăng GD, ĐT giảm", None)
        );
    }

    #[test]
    fn phrases_never_match_part_of_a_syllable() {
        let c = Classifier::new(&[topic("t", &["thi"], &[])]).expect("rules");
        assert!(is_edu(&c, "Kỳ thi năm nay"));
        for title in [
            "Thiết bị mới",
            "Thí điểm mô hình",
            "thị trường",
            "THIÊN TAI",
        ] {
            assert!(!is_edu(&c, title), "{title}");
        }
    }

    #[test]
    fn tone_placement_matches_across_rules_and_text() {
        let c = Classifier::new(&[topic("t", &["sức khoẻ", "thuỷ sản"], &[])]).expect("rules");
        assert!(is_edu(&c, "Chăm lo sức khỏe người cao tuổi"));
        assert!(is_edu(&c, "Phát triển thủy sản bền vững"));
        assert!(is_edu(&c, "PHÁT TRIỂN THUỶ SẢN"));
    }

    // ---- scoring ----

    #[test]
    fn one_keyword_in_the_title_is_enough_but_not_in_the_summary() {
        let c = shipped();
        assert_eq!(c.classify("Lịch thi sắp tới", None), ["giao-duc"]);
        let e = &c.explain("Thông báo mới", Some("Lịch thi sắp tới"))[0];
        assert!(!e.matched);
        assert_eq!(e.score, 2);
        let e = &c.explain("Thông báo mới", Some("Lịch thi và đề thi sắp tới"))[0];
        assert!(e.matched, "{e}");
        assert_eq!(e.score, 4);
    }

    #[test]
    fn a_weight_four_keyword_decides_from_the_summary_alone() {
        let c = shipped();
        let e = &c.explain("Chuyện ở vùng lũ", Some("Các em học sinh được nghỉ"))[0];
        assert!(e.matched, "{e}");
        assert_eq!(e.score, 4);
        assert!(!is_edu(&c, "Chuyện ở vùng lũ"));
        let e = &c.explain("Chuyện ở vùng lũ", Some("Cô giáo bơi qua suối"))[0];
        assert!(e.matched, "teachers decide from the teaser too: {e}");
    }

    #[test]
    fn a_repeated_keyword_counts_once_per_field() {
        let c = shipped();
        let summary = Some("đề thi, đề thi và đề thi");
        let e = &c.explain("Thông báo", summary)[0];
        assert_eq!(e.score, 2, "{e}");
        assert!(!e.matched);
        let e = &c.explain("Đề thi", Some("đề thi"))[0];
        assert_eq!(e.score, 6, "title 4 + summary 2: {e}");
    }

    #[test]
    fn weak_keywords_need_company() {
        let c = shipped();
        let title = "Ông Trường mới về hưu";
        assert!(!is_edu(&c, title), "{}", line(&c, title, None));
        assert!(!is_edu(&c, "ĐH lần thứ nhất"));
        assert!(is_edu(&c, "Trường khai giảng sớm"));
    }

    #[test]
    fn an_exclude_masks_only_what_it_overlaps() {
        let c = shipped();
        let title = "Giáo dục pháp luật cho học sinh";
        assert_eq!(
            line(&c, title, None),
            "giao-duc: match (score 8 ≥ 4) — title \"giáo dục\" masked by \"giáo dục pháp luật\", \
             title \"học sinh\" +8"
        );
        let title = "Giáo dục pháp luật cho người dân";
        assert!(!is_edu(&c, title));
    }

    #[test]
    fn an_exclude_masks_across_syllable_alignment() {
        let c = shipped();
        assert_eq!(
            line(&c, "Khoa học sinh thái", None),
            "giao-duc: no match (score 0 < 4) — title \"học sinh\" masked by \"khoa học\""
        );
    }

    #[test]
    fn a_longer_keyword_containing_the_exclude_wins() {
        let c = shipped();
        assert_eq!(
            line(&c, "Thành lập trường mới", None),
            "giao-duc: match (score 4 ≥ 4) — title \"thành lập trường\" +4, \
             title \"trường\" masked by \"lập trường\""
        );
    }

    #[test]
    fn a_keyword_inside_a_longer_one_is_not_counted_twice() {
        let c = shipped();
        let e = &c.explain("Thông báo", Some("Giáo dục và Đào tạo"))[0];
        assert_eq!(e.score, 4, "{e}");
        assert_eq!(e.hits.len(), 1);
        assert_eq!(e.hits[0].keyword, "giáo dục và đào tạo");
    }

    #[test]
    fn punctuation_ends_a_phrase_but_joiners_do_not() {
        let c = Classifier::new(&[topic("t", &["học sinh"], &[])]).expect("rules");
        assert!(!is_edu(&c, "Bài học. Sinh hoạt hè"));
        assert!(!is_edu(&c, "môn học (sinh học)"));
        assert!(is_edu(&c, "học-sinh"));
        assert!(is_edu(&c, "HỌC\u{00A0}SINH"));
    }

    #[test]
    fn weights_and_thresholds_come_from_the_rules() {
        let mut rules = topic("t", &["trường:1", "lớp:3"], &[]);
        let c = Classifier::new(std::slice::from_ref(&rules)).expect("rules");
        assert_eq!(c.explain("trường", None)[0].score, 2);
        assert_eq!(c.explain("lớp", None)[0].score, 6);
        assert_eq!(c.explain("x", Some("lớp trường"))[0].score, 4);
        rules.threshold = Some(7);
        let c = Classifier::new(&[rules]).expect("rules");
        assert!(c.classify("lớp", None).is_empty());
        assert_eq!(c.classify("lớp trường", None), ["t"]);
    }

    #[test]
    fn a_colon_inside_a_keyword_is_punctuation_not_a_weight() {
        let c = Classifier::new(&[topic("t", &["Thông tư: 29", "x:y"], &[])]).expect("rules");
        assert!(is_edu(&c, "Về Thông tư: 29"));
        assert!(!is_edu(&c, "Về Thông tư 29"), "the colon ends the phrase");
        assert!(is_edu(&c, "x:y"));
    }

    #[test]
    fn topics_come_back_in_config_order_and_excludes_stay_in_their_topic() {
        let a = topic("a", &["học sinh"], &["khoa học"]);
        let b = topic("b", &["khoa học"], &[]);
        let ab = Classifier::new(&[a.clone(), b.clone()]).expect("rules");
        let ba = Classifier::new(&[b, a]).expect("rules");
        assert_eq!(ab.classify("Học sinh yêu khoa học", None), ["a", "b"]);
        assert_eq!(ba.classify("Học sinh yêu khoa học", None), ["b", "a"]);
        assert_eq!(ab.classify("Khoa học sinh thái", None), ["b"]);
        let explained = ab.explain("Thông báo", None);
        assert_eq!(
            explained.len(),
            2,
            "one explanation per topic, matched or not"
        );
        assert_eq!(
            explained[1].to_string(),
            "b: no match (score 0 < 4) — no keyword found"
        );
    }

    #[test]
    fn explain_agrees_with_classify_and_prints_one_line() {
        let c = shipped();
        for title in LABELLED
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(_, t)| t)
        {
            let explained = c.explain(title, Some(title));
            let matched: Vec<String> = explained
                .iter()
                .filter(|e| e.matched)
                .map(|e| e.topic.clone())
                .collect();
            assert_eq!(matched, c.classify(title, Some(title)), "{title}");
            for e in &explained {
                let shown = e.to_string();
                assert!(!shown.contains('\n'), "{shown}");
                assert!(shown.starts_with("giao-duc: "), "{shown}");
            }
        }
    }

    #[test]
    fn explain_reports_repeats_with_zero_points() {
        let c = shipped();
        assert_eq!(
            line(&c, "Học sinh giúp học sinh", None),
            "giao-duc: match (score 8 ≥ 4) — title \"học sinh\" +8, title \"học sinh\" +0 (repeat)"
        );
    }

    #[test]
    fn classifier_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Classifier>();
        let c = std::sync::Arc::new(shipped());
        let worker = {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || c.classify("Học sinh tựu trường", None))
        };
        assert_eq!(worker.join().expect("worker thread"), ["giao-duc"]);
    }

    // ---- the patterns of education news the shipped rules must reach ----

    fn assert_all_edu(c: &Classifier, pattern: &str, titles: &[&str]) {
        for title in titles {
            assert!(is_edu(c, title), "{pattern}: {}", line(c, title, None));
        }
    }

    #[test]
    fn learners_named_other_ways() {
        assert_all_edu(
            &shipped(),
            "learners",
            &[
                "Nam sinh chế tạo máy lọc nước từ vỏ chai",
                "Nữ sinh vùng cao giành giải nhì cuộc thi vẽ",
                "Tuổi học trò bên bờ sông Hồng",
                "Phụ huynh xếp hàng từ sáng sớm nộp hồ sơ vào lớp 1",
                "Trẻ mầm non được ăn sữa miễn phí",
                "Nhiều em lớp 9 áp lực vì thi chuyển cấp",
                "Sĩ tử bước vào môn thi đầu tiên",
            ],
        );
    }

    #[test]
    fn teachers_named_other_ways() {
        assert_all_edu(
            &shipped(),
            "teachers",
            &[
                "Thầy giáo vượt suối mang sách lên bản",
                "Cô giáo trẻ và lớp ghép ba trình độ",
                "Thầy cô gửi gắm lời dặn trước mùa thi",
                "Hiệu trưởng xin lỗi phụ huynh",
                "Giảng viên trẻ nhận giải thưởng nghiên cứu",
                "Quà tặng ý nghĩa dịp 20/11",
                "Người thầy 30 năm gắn bó với điểm trường",
            ],
        );
    }

    #[test]
    fn exams_without_ky_thi() {
        assert_all_edu(
            &shipped(),
            "exams",
            &[
                "Công bố đề minh họa năm 2026",
                "Gợi ý đáp án đề thi môn Toán",
                "Thi đánh giá năng lực đợt hai mở đăng ký",
                "Điểm sàn khối ngành sức khỏe tăng",
                "Xét tuyển bằng học bạ còn phổ biến",
                "Đạt 8.0 IELTS ở tuổi 15",
                "Đội tuyển Olympic Toán học có hai huy chương vàng",
                "Hà Nội dự kiến thi vào 10 ba môn",
            ],
        );
    }

    #[test]
    fn a_school_as_the_subject() {
        assert_all_edu(
            &shipped(),
            "school as subject",
            &[
                "Trường tư cấm học sinh mang điện thoại",
                "Khởi công 4 trường nội trú ở biên giới",
                "Xây mới 1.200 trường trong 5 năm",
                "ĐH Quốc gia mở ngành mới",
                "Đại học vùng tăng chỉ tiêu",
                "Vụ học phí tăng gấp đôi: trường giải thích",
                "Ba trường công bố phương án riêng",
                "Nhiều trường cho nghỉ để tránh bão",
            ],
        );
    }

    #[test]
    fn school_life_and_policy_without_an_obvious_keyword() {
        assert_all_edu(
            &shipped(),
            "school life",
            &[
                "Học 2 buổi/ngày ở xã vùng cao",
                "Siết dạy thêm ngoài giờ",
                "Bữa ăn bán trú có thêm sữa",
                "Học sinh nội trú đón Tết sớm",
                "Bộ sách giáo khoa dùng chung từ năm sau",
                "Các khoản thu đầu năm học gây bức xúc",
                "Bạo lực học đường: cần lắng nghe",
                "Lớp cận chuyên tuyển thêm",
                "Tiền học tăng, phụ huynh lo",
                "Nghỉ học ba ngày tránh rét",
            ],
        );
    }

    #[test]
    fn new_traps_hold() {
        let c = shipped();
        for (case, title) in [
            (
                "du học sinh in a crime story",
                "Du học sinh bị bắt vì buôn hàng cấm ở nước ngoài",
            ),
            (
                "TV contest's thí sinh",
                "Thí sinh gameshow hát tiếng Anh gây sốt",
            ),
            ("beauty contest", "Thí sinh hoa hậu nói tiếng Anh trôi chảy"),
            ("thí sinh alone", "Thí sinh bị loại ở vòng giấu mặt"),
            (
                "bác sĩ nội trú",
                "Bác sĩ nội trú trực đêm ở bệnh viện tuyến cuối",
            ),
            ("hậu trường", "Hậu trường bộ phim cổ trang"),
            ("trường quay", "Ra mắt trường quay mới ở ngoại thành"),
            (
                "đi học tập kinh nghiệm",
                "Đoàn cán bộ đi học tập kinh nghiệm",
            ),
            ("a year then trường hợp", "Năm 2025 trường hợp vi phạm giảm"),
            ("các trường hợp", "Rà soát các trường hợp nợ thuế"),
            ("a person named Trường", "Ông Trường mới về hưu"),
            ("lớp outside 1-12", "Lớp 15 cm bùn phủ kín mặt đường"),
            ("a layer", "Lớp băng dày phủ đỉnh núi"),
            (
                "a name opening the headline",
                "Trường Giang ra mắt phim mới",
            ),
        ] {
            assert!(
                !is_edu(&c, title),
                "trap {case:?}: {}",
                line(&c, title, None)
            );
        }
    }

    // ---- number slots, anchors, counter-evidence ----

    #[test]
    fn number_slots_match_numbers_in_range_only() {
        let c = Classifier::new(&[topic("t", &["lớp #1-12", "# trường", "20/11"], &[])])
            .expect("rules");
        for title in [
            "Vào lớp 10",
            "lớp 1",
            "LỚP 12 chuyên",
            "Có 4 trường",
            "dịp 20/11",
        ] {
            assert!(is_edu(&c, title), "{}", line(&c, title, None));
        }
        for title in ["lớp 13", "lớp 0", "lớp mười", "trường", "20/12", "lớp 1a"] {
            assert!(!is_edu(&c, title), "{}", line(&c, title, None));
        }
        assert!(is_edu(&c, "Xây 1.200 trường"), "thousands stay one number");
        assert!(is_edu(&c, "lớp 10.5"), "a decimal counts as its whole part");
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

    #[test]
    fn numbers_keep_thousands_and_decimals_whole() {
        assert_eq!(number_token("1.200"), Some(NUM_BASE + 1200));
        assert_eq!(number_token("27,000"), Some(NUM_BASE + 27_000));
        assert_eq!(number_token("8,5"), Some(NUM_BASE + 8));
        assert_eq!(number_token("6.5"), Some(NUM_BASE + 6));
        assert_eq!(number_token("05"), Some(NUM_BASE + 5));
        assert_eq!(number_token("99999999999"), Some(NUM_BASE + NUM_SPAN - 1));
        assert_eq!(number_token("10a"), None);
        assert_eq!(number_token("a10"), None);
        // A period after a number still ends a sentence and a phrase.
        let c = Classifier::new(&[topic("t", &["năm 2025 học sinh"], &[])]).expect("rules");
        assert!(!is_edu(&c, "năm 2025. Học sinh"));
        assert!(is_edu(&c, "năm 2025 học sinh"));
    }

    #[test]
    fn an_anchored_phrase_counts_only_at_the_start_or_after_punctuation() {
        let c = Classifier::new(&[topic("t", &["^trường:2"], &["trường hợp"])]).expect("rules");
        assert!(is_edu(&c, "Trường tư tăng học phí"));
        assert!(is_edu(&c, "Vụ bằng giả, trường nói gì"));
        assert!(is_edu(&c, "Hiệu trưởng: \"Trường không có lỗi\""));
        assert!(!is_edu(&c, "Ông Trường nói gì"));
        assert!(!is_edu(&c, "Trường hợp hy hữu"));
        assert_eq!(
            line(&c, "Trường mới", None),
            "t: match (score 4 ≥ 4) — title \"^trường\" +4"
        );
    }

    #[test]
    fn counter_evidence_takes_points_away_and_says_so() {
        let c = Classifier::new(&[topic("t", &["thí sinh:1", "tiếng Anh", "ca sĩ:-2"], &[])])
            .expect("rules");
        assert!(is_edu(&c, "Thí sinh thi tiếng Anh"));
        assert_eq!(
            line(&c, "Ca sĩ là thí sinh hát tiếng Anh", None),
            "t: no match (score 2 < 4) — title \"ca sĩ\" -4, title \"thí sinh\" +2, \
             title \"tiếng Anh\" +4"
        );
        let e = &c.explain("Ca sĩ", None)[0];
        assert_eq!(e.score, -4);
        assert!(!e.matched);
    }

    #[test]
    fn pattern_errors_name_the_phrase() {
        for (bad, reason) in [
            ("lớp #12-1", "slot"),
            ("lớp #x", "slot"),
            ("lớp #1-", "slot"),
            ("a ^b", "^"),
            ("#", "no word"),
            ("^", "no word"),
            ("a:-101", "weight"),
            ("a:-0", "weight"),
        ] {
            let err = Classifier::new(&[topic("t", &[bad], &[])]).expect_err(bad);
            let msg = err.to_string();
            assert!(msg.contains("\"t\""), "{bad}: {msg}");
            let expected = match reason {
                "slot" => "number slot",
                "^" => "^ may only open",
                "no word" => "no word",
                _ => "weight",
            };
            assert!(msg.contains(expected), "{bad}: {msg}");
        }
        let err = Classifier::new(&[topic("t", &["lớp #1-12", "lớp #1-12"], &[])])
            .expect_err("same slot twice");
        assert!(matches!(err, RuleError::DuplicatePhrase { .. }), "{err}");
        Classifier::new(&[topic("t", &["^trường", "trường"], &[])])
            .expect("an anchored phrase differs from the plain one");
    }

    // ---- rule errors ----

    #[test]
    fn bad_rules_are_refused_with_a_message_naming_the_topic() {
        let cases: Vec<(&str, Vec<TopicRules>)> = vec![
            ("empty keyword", vec![topic("t", &[""], &[])]),
            ("blank keyword", vec![topic("t", &["  "], &[])]),
            ("punctuation-only keyword", vec![topic("t", &["!!!"], &[])]),
            ("weight without phrase", vec![topic("t", &[":2"], &[])]),
            ("empty exclude", vec![topic("t", &["a"], &[""])]),
            ("zero weight", vec![topic("t", &["a:0"], &[])]),
            ("huge weight", vec![topic("t", &["a:101"], &[])]),
            ("weighted exclude", vec![topic("t", &["a"], &["b:1"])]),
            (
                "same phrase twice",
                vec![topic("t", &["hòa nhập", "HOÀ NHẬP"], &[])],
            ),
            (
                "keyword also excluded",
                vec![topic("t", &["GD&ĐT"], &["gd-đt"])],
            ),
            ("no keywords", vec![topic("t", &[], &["a"])]),
            ("zero threshold", {
                let mut t = topic("t", &["a"], &[]);
                t.threshold = Some(0);
                vec![t]
            }),
            ("empty id", vec![topic(" ", &["a"], &[])]),
            (
                "duplicate id",
                vec![topic("t", &["a"], &[]), topic("t", &["b"], &[])],
            ),
        ];
        for (case, rules) in cases {
            let err = Classifier::new(&rules).expect_err(case);
            let msg = err.to_string();
            assert!(!msg.contains('\n'), "{case}: {msg}");
            if case != "empty id" {
                assert!(msg.contains("\"t\""), "{case}: {msg}");
            }
            let _: &dyn std::error::Error = &err;
        }
    }

    #[test]
    fn weight_errors_say_which_list() {
        let err = Classifier::new(&[topic("t", &["a"], &["b:1"])]).expect_err("weighted exclude");
        assert!(err.to_string().contains("exclude"), "{err}");
        let err = Classifier::new(&[topic("t", &["a:0"], &[])]).expect_err("zero weight");
        assert_eq!(
            err,
            RuleError::BadWeight {
                topic: "t".into(),
                list: PhraseList::Keywords,
                phrase: "a:0".into()
            }
        );
    }

    // ---- robustness ----

    #[test]
    fn no_input_panics_and_fold_invariants_hold_on_any_input() {
        let c = shipped();
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\0\u{1}\u{7f}\u{9f}\t\r\n",
            "\u{0301}",
            "\u{0301}\u{0302}\u{0323}\u{031B}",
            "a\u{0301}\u{0302}\u{0303}\u{0309}\u{0323}\u{0300}",
            "\u{FEFF}\u{200B}\u{00AD}\u{200D}",
            "İSTANBUL ΣΟΦΊΑ ǅ ß ﬁ",
            "😀 học 😀 sinh",
            "oà uỳ qùy",
            "…“”–—«»",
            "\u{10FFFF}\u{E000}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        inputs.push("học sinh ".repeat(100_000));
        inputs.push("\u{0301}".repeat(100_000));
        inputs.push("Trường Sa, ".repeat(50_000));
        // Deterministic pseudo-random strings over a mix of ranges.
        let mut state: u32 = 0x1234_5678;
        for _ in 0..300 {
            let mut s = String::new();
            for _ in 0..40 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let pick = state >> 8;
                let c = match pick % 4 {
                    0 => char::from_u32(pick % 0x80),
                    1 => char::from_u32(0x300 + pick % 0x70),
                    2 => char::from_u32(0x1E00 + pick % 0x100),
                    _ => char::from_u32(pick % 0x11_0000),
                };
                s.push(c.unwrap_or('\u{FFFD}'));
            }
            inputs.push(s);
        }
        for input in &inputs {
            let _ = c.classify(input, Some(input));
            let _ = c.classify(input, None);
            for e in c.explain(input, Some(input)) {
                let _ = e.to_string();
            }
            let folded = fold(input);
            if input.len() < 1000 {
                assert_eq!(fold(&folded), folded, "fold is idempotent on {input:?}");
                assert_eq!(fold(&nfd(input)), folded, "NFD folds like NFC: {input:?}");
            }
        }
    }

    // ---- shipped rules and labelled set ----

    #[test]
    fn shipped_rules_compile_and_are_what_the_snippet_says() {
        let rules = giao_duc_default();
        assert_eq!(rules.id, "giao-duc");
        assert_eq!(rules.name, "Giáo dục – chính sách");
        assert_eq!(rules.threshold, None);
        assert!(rules.keywords.iter().any(|k| k == "học sinh:4"));
        assert!(rules.exclude.iter().any(|k| k == "thị trường"));
        shipped();
    }

    const LABELLED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/headlines.tsv"
    ));

    #[test]
    fn labelled_set_precision_and_recall() {
        let c = shipped();
        let (mut tp, mut fp, mut fn_, mut wrong) = (0u32, 0u32, 0u32, Vec::new());
        let mut rows = 0;
        for (n, row) in LABELLED.lines().enumerate() {
            let Some((label, title)) = row.split_once('\t') else {
                panic!("line {}: expected LABEL<TAB>HEADLINE, got {row:?}", n + 1);
            };
            rows += 1;
            let want = match label {
                "1" => true,
                "0" => false,
                other => panic!("line {}: label {other:?} is not 0 or 1", n + 1),
            };
            let got = is_edu(&c, title);
            match (want, got) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
            if want != got {
                wrong.push(format!(
                    "line {}: {row}\n    {}",
                    n + 1,
                    line(&c, title, None)
                ));
            }
        }
        assert!(rows >= 150, "the set has only {rows} rows");
        let precision = f64::from(tp) / f64::from((tp + fp).max(1));
        let recall = f64::from(tp) / f64::from((tp + fn_).max(1));
        let report = format!(
            "precision {precision:.3}, recall {recall:.3}; misclassified:\n{}",
            wrong.join("\n")
        );
        println!("{report}");
        assert!(precision >= 0.95 && recall >= 0.95, "{report}");
    }
}

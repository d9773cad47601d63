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

mod engine;
pub mod eval;
mod fold;
mod rules;

pub use engine::{Classifier, Explanation, Field, Hit};
pub use fold::fold;
pub use rules::{PhraseList, RuleError, TopicRules, DEFAULT_THRESHOLD, DEFAULT_WEIGHT, MAX_WEIGHT};

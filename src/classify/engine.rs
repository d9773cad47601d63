//! The matcher: [`TopicRules`] compiled into a [`Classifier`] (interned syllables, phrases
//! indexed by their first token), and the scoring of one item's title and summary.

use std::cell::RefCell;
use std::fmt;

use rustc_hash::FxHashMap;

use super::fold::*;
use super::rules::*;

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

    /// The topic ids, in config order.
    pub fn topic_ids(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.id.as_str())
    }

    /// Ids of the topics the item belongs to, in config order.
    ///
    /// The title weighs twice as much as the summary; see the module docs for the rules.
    /// Never panics, whatever the text.
    #[must_use]
    pub fn classify(&self, title: &str, summary: Option<&str>) -> Vec<String> {
        if self.is_empty() {
            return Vec::new();
        }
        self.with_scan(title, summary, |_, scores| {
            self.topics
                .iter()
                .zip(scores)
                .filter(|(t, &s)| reaches(s, t.threshold))
                .map(|(t, _)| t.id.clone())
                .collect()
        })
    }

    /// True when no topic is configured: every text classifies to nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// The `giao-duc` topic exactly as the shipped `feeds.toml` has it: the one copy of the
    /// rules, read the way an admin's daemon reads it.
    fn shipped() -> Classifier {
        #[derive(serde::Deserialize)]
        struct File {
            topic: Vec<Topic>,
        }
        #[derive(serde::Deserialize)]
        struct Topic {
            id: String,
            name: String,
            keywords: Vec<String>,
            #[serde(default)]
            exclude: Vec<String>,
            threshold: Option<u32>,
        }
        let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml"));
        let file: File = toml::from_str(text).expect("the shipped feeds.toml parses");
        let t = file
            .topic
            .into_iter()
            .find(|t| t.id == "giao-duc")
            .expect("feeds.toml ships a giao-duc topic");
        let rules = TopicRules {
            id: t.id,
            name: t.name,
            keywords: t.keywords,
            exclude: t.exclude,
            threshold: t.threshold,
        };
        Classifier::new(&[rules]).expect("shipped rules compile")
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

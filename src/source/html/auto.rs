//! Auto-detection: an index of the page's headline links, the blocks
//! headed as news lists (cut at each headline), dated listings without a
//! heading, and reading one item from its nodes.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use ego_tree::iter::Edge;
use ego_tree::NodeId;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::signals::{self, heading_kind, is_more_link_text, may_open_heading, Heading, Shape};
use super::text::{
    best_title, clean, has_words, is_ellipsis_cut, is_inline_tag, is_skipped_tag, may_end_in_date,
    may_hold_date, split_title_date, teaser, text_of, text_outside,
};
use super::{attr, resolve_link, Extraction, Outcome};
use crate::item::{canonical_link, Harvested};
use crate::source::date::{find_date_in, Context};

/// The distinct headline links under an element: none, exactly one (which),
/// or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Links {
    None,
    One(usize),
    /// Exactly two (a headline and its section's link, say).
    Two(usize, usize),
    /// Three or more.
    Many,
}

impl Links {
    fn merge(self, other: Links) -> Links {
        match (self, other) {
            (Links::None, x) | (x, Links::None) => x,
            (Links::One(a), Links::One(b)) if a == b => Links::One(a),
            (Links::One(a), Links::One(b)) => Links::Two(a, b),
            (Links::Two(a, b), Links::One(c)) | (Links::One(c), Links::Two(a, b))
                if c == a || c == b =>
            {
                Links::Two(a, b)
            }
            (Links::Two(a, b), Links::Two(c, d)) if (a == c && b == d) || (a == d && b == c) => {
                Links::Two(a, b)
            }
            _ => Links::Many,
        }
    }

    /// Two or more.
    fn is_many(self) -> bool {
        matches!(self, Links::Two(..) | Links::Many)
    }
}

pub(super) struct HeadlineLink {
    pub(super) url: Url,
    /// Its address has the shape of the page's own (an article's).
    shaped: bool,
}

/// An `<a>` that is a headline link, or an image or "more" link to one.
pub(super) struct Anchor {
    link: usize,
    /// Its text (or `title`), with a date at its end cut off.
    title: String,
    /// The date that ended its text: `Tiêu đề (26/12)`.
    pub(super) date: Option<DateTime<FixedOffset>>,
    /// Whether the text is a headline (four words or more).
    headline: bool,
}

/// Why a block was taken or refused, for `preview --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// A short description of the block: its heading or its markup.
    pub block: String,
    /// How many items it gave (0 when refused).
    pub items: usize,
    /// Taken or not.
    pub taken: bool,
    pub reason: String,
}

pub(super) struct Auto<'a> {
    doc: &'a Html,
    tz: FixedOffset,
    pub(super) ctx: Context,
    page_shape: Shape,
    /// Three or more headline links share the page's address shape: the
    /// shape tells articles from sections on this page.
    shape_informative: bool,
    base: Url,
    pub(super) links: Vec<HeadlineLink>,
    /// Headline links under each element that has any.
    under: HashMap<NodeId, Links>,
    pub(super) anchors: HashMap<NodeId, Anchor>,
    /// Elements that are list headings, and their kind, in page order.
    heading_list: Vec<(ElementRef<'a>, Heading)>,
    heading_blocks: HashSet<NodeId>,
    decisions: std::cell::RefCell<Vec<Decision>>,
}

enum Climb<'a> {
    /// What follows the heading, and, for a tab's heading, which tab of
    /// how many it is.
    Block(Vec<ElementRef<'a>>, Option<(usize, usize)>),
    Empty,
    Nothing,
}

/// Add an item (true), or complete the one already read for its link.
fn add_item(
    items: &mut Vec<Harvested>,
    seen: &mut HashMap<usize, usize>,
    link: usize,
    item: Harvested,
) -> bool {
    match seen.get(&link) {
        Some(&i) => {
            let it = &mut items[i];
            if it.published.is_none() {
                it.published = item.published;
            }
            if it.summary.is_none() {
                it.summary = item.summary;
            }
            false
        }
        None => {
            seen.insert(link, items.len());
            items.push(item);
            true
        }
    }
}

/// Two elements of one shape: the same tag and the same class attribute.
fn same_shape(a: ElementRef, b: ElementRef) -> bool {
    a.value().name() == b.value().name() && a.value().attr("class") == b.value().attr("class")
}

/// When `el` is one of two to six siblings of one shape with short text
/// (a row of tab headings), its position and their number.
fn tab_position(el: ElementRef) -> Option<(usize, usize)> {
    let parent = el.parent().and_then(ElementRef::wrap)?;
    let same: Vec<ElementRef> = parent
        .child_elements()
        .filter(|k| same_shape(*k, el))
        .collect();
    if !(2..=6).contains(&same.len()) || same.iter().any(|k| signals::short_text(*k, 120).is_none())
    {
        return None;
    }
    let i = same.iter().position(|k| *k == el)?;
    Some((i, same.len()))
}

/// The links of items already read that have a date: a listing made only
/// of them could add nothing.
fn seen_dated(seen: &HashMap<usize, usize>, items: &[Harvested]) -> HashSet<usize> {
    seen.iter()
        .filter(|(_, &i)| items[i].published.is_some())
        .map(|(&l, _)| l)
        .collect()
}

fn is_heading_tag(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// A parent's child elements that each hold one headline link, by tag:
/// their item links and themselves, in document order.
type SiblingGroups<'a> = HashMap<&'a str, Vec<(usize, ElementRef<'a>)>>;

impl<'a> Auto<'a> {
    pub(super) fn new(
        doc: &'a Html,
        base: &Url,
        tz: FixedOffset,
        now: DateTime<FixedOffset>,
    ) -> Auto<'a> {
        let ctx = match signals::page_date(doc, tz, now) {
            Some(d) => Context::page(d, now),
            None => Context::at(now),
        };
        let mut auto = Auto {
            doc,
            tz,
            ctx,
            page_shape: Shape::of(base),
            shape_informative: false,
            base: base.clone(),
            links: Vec::new(),
            under: HashMap::default(),
            anchors: HashMap::default(),
            heading_list: Vec::new(),
            heading_blocks: HashSet::default(),
            decisions: std::cell::RefCell::new(Vec::new()),
        };
        auto.index_links(base);
        auto.shape_informative = auto.links.iter().filter(|l| l.shaped).count() >= 3;
        auto.heading_list = auto.headings();
        auto.heading_blocks = auto.heading_list.iter().map(|(e, _)| e.id()).collect();
        auto
    }

    /// Read an `<a>`'s headline: its text without a trailing date, or its
    /// `title` when the text is cut short or missing.
    fn anchor_title(&self, el: ElementRef) -> (String, Option<DateTime<FixedOffset>>) {
        let cut = |t: String| {
            if may_end_in_date(&t) {
                split_title_date(&t, self.tz, &self.ctx)
            } else {
                (t, None)
            }
        };
        let (visible, date) = cut(text_of(el));
        let title_attr = attr(el.value(), "title");
        let title = best_title(&visible, title_attr);
        if title == visible {
            (title, date)
        } else {
            let (t, d) = cut(title);
            (t, date.or(d))
        }
    }

    /// One pass over the tree: find headline links and, bottom-up, which of
    /// them each element holds. Iterative, so deep pages cannot overflow the
    /// stack.
    fn index_links(&mut self, base: &Url) {
        let mut keys: HashMap<String, usize> = HashMap::default();
        // Each open element, the links under it so far, and whether it is a
        // navigation block.
        let mut stack: Vec<(NodeId, Links, bool)> = Vec::new();
        let mut nav_depth = 0usize;
        for edge in self.doc.root_element().traverse() {
            match edge {
                Edge::Open(node) => {
                    let Some(el) = ElementRef::wrap(node) else {
                        continue;
                    };
                    let name = el.value().name();
                    let is_nav = name == "nav" || attr(el.value(), "role") == Some("navigation");
                    if is_nav {
                        nav_depth += 1;
                    }
                    let mut links = Links::None;
                    // Most links of a page (menus, tags, "more") are short,
                    // with no `title`: they can be neither a headline nor a
                    // better title for one, so they are not even resolved.
                    if name == "a"
                        && nav_depth == 0
                        && (attr(el.value(), "title").is_some() || has_words(el, 4))
                    {
                        if let Some(url) =
                            attr(el.value(), "href").and_then(|h| resolve_link(base, h))
                        {
                            let (title, date) = self.anchor_title(el);
                            let words = title
                                .split(' ')
                                .filter(|w| w.chars().any(char::is_alphanumeric))
                                .count();
                            let more = is_more_link_text(&title);
                            if words >= 4 && title.chars().count() >= 15 && !more {
                                let key = canonical_link(&url).to_string();
                                let next = self.links.len();
                                let idx = *keys.entry(key).or_insert(next);
                                if idx == next {
                                    let shaped = url.host() == base.host()
                                        && self.page_shape.like(&Shape::of(&url));
                                    self.links.push(HeadlineLink { url, shaped });
                                }
                                self.anchors.insert(
                                    el.id(),
                                    Anchor {
                                        link: idx,
                                        title,
                                        date,
                                        headline: true,
                                    },
                                );
                                links = Links::One(idx);
                            } else if let Some(&idx) = keys.get(&canonical_link(&url).to_string()) {
                                // An image or "more" link to an article already seen.
                                self.anchors.insert(
                                    el.id(),
                                    Anchor {
                                        link: idx,
                                        title,
                                        date,
                                        headline: false,
                                    },
                                );
                            }
                        }
                    }
                    stack.push((el.id(), links, is_nav));
                }
                Edge::Close(node) => {
                    if ElementRef::wrap(node).is_none() {
                        continue;
                    }
                    let (id, links, is_nav) = stack.pop().expect("balanced traversal");
                    if is_nav {
                        nav_depth -= 1;
                    }
                    if links != Links::None {
                        self.under.insert(id, links);
                        if let Some(parent) = stack.last_mut() {
                            parent.1 = parent.1.merge(links);
                        }
                    }
                }
            }
        }
    }

    fn links_under(&self, el: ElementRef) -> Links {
        self.under.get(&el.id()).copied().unwrap_or(Links::None)
    }

    /// The one article an element stands for: its only headline link, or,
    /// when it holds several, the only one shaped like an article address
    /// (a headline next to its section's link).
    fn item_link(&self, el: ElementRef) -> Option<usize> {
        match self.links_under(el) {
            Links::None => None,
            Links::One(l) => Some(l),
            // A headline shaped like an article's address, and one other
            // link (its section's).
            Links::Two(a, b) => match (self.links[a].shaped, self.links[b].shaped) {
                (true, false) => Some(a),
                (false, true) => Some(b),
                _ => None,
            },
            Links::Many => None,
        }
    }

    fn describe(&self, el: ElementRef) -> String {
        if let Some(t) = signals::short_text(el, 120) {
            let t = clean(&t);
            if !t.is_empty() {
                return format!("\"{t}\"");
            }
        }
        let v = el.value();
        let mut s = format!("<{}", v.name());
        if let Some(id) = v.attr("id") {
            s.push_str(&format!(" id=\"{id}\""));
        }
        if let Some(c) = v.attr("class") {
            s.push_str(&format!(" class=\"{c}\""));
        }
        s.push('>');
        s
    }

    fn decide(&self, block: String, items: usize, taken: bool, reason: impl Into<String>) {
        self.decisions.borrow_mut().push(Decision {
            block,
            items,
            taken,
            reason: reason.into(),
        });
    }

    pub(super) fn run(&self) -> Extraction {
        self.run_explained().0
    }

    pub(super) fn run_explained(&self) -> (Extraction, Vec<Decision>) {
        let (e, d, _) = self.run_full();
        (e, d)
    }

    /// The items, the decisions, and each item's element (the node that
    /// holds its headline link).
    pub(super) fn run_full(&self) -> (Extraction, Vec<Decision>, Vec<ElementRef<'a>>) {
        let mut segments: Vec<(usize, Vec<ElementRef<'a>>)> = Vec::new();
        let mut recommended: Vec<(usize, Vec<ElementRef<'a>>)> = Vec::new();
        let mut excluded: HashSet<usize> = HashSet::default();
        let mut saw_empty_block = false;
        for &(heading, kind) in &self.heading_list {
            let name = self.describe(heading);
            if self.in_menu_panel(heading) {
                if kind == Heading::News {
                    self.decide(name, 0, false, "inside a menu's drop-down panel");
                }
                continue;
            }
            match self.climb(heading) {
                Climb::Block(nodes, tab) => {
                    let nodes = match tab.and_then(|t| self.tab_panel(&nodes, t)) {
                        Some(panel) => vec![panel],
                        None => nodes,
                    };
                    let mut got = Vec::new();
                    self.segment(&nodes, &mut got, 0);
                    match kind {
                        Heading::News => {
                            if got.is_empty() {
                                saw_empty_block = true;
                            }
                            self.decide(
                                name,
                                got.len(),
                                !got.is_empty(),
                                "headed as a news list; cut at each headline",
                            );
                            segments.extend(got);
                        }
                        Heading::Recommended => {
                            self.decide(
                                name,
                                got.len(),
                                false,
                                "a recommendation widget: kept only if the page has no other list",
                            );
                            recommended.extend(got);
                        }
                        Heading::Excluded => {
                            self.decide(
                                name,
                                0,
                                false,
                                "a popularity or other-section box: never the page's list",
                            );
                            excluded.extend(got.into_iter().map(|(l, _)| l));
                        }
                    }
                }
                Climb::Empty => {
                    if kind == Heading::News {
                        saw_empty_block = true;
                        self.decide(name, 0, false, "headed as a news list, but empty");
                    }
                }
                Climb::Nothing => {
                    if kind == Heading::News {
                        self.decide(name, 0, false, "a heading with no headline links after it");
                    }
                }
            }
        }
        // An article listed twice (related, then in a dated list) keeps
        // its first place and takes the date the other shows.
        let mut items: Vec<Harvested> = Vec::new();
        let mut elements: Vec<ElementRef<'a>> = Vec::new();
        let mut seen: HashMap<usize, usize> = HashMap::default();
        for (link, nodes) in &segments {
            let item = self.harvest(*link, nodes);
            if add_item(&mut items, &mut seen, *link, item) {
                elements.push(nodes[0]);
            }
        }
        let done: HashSet<usize> = seen_dated(&seen, &items);
        for (link, item, el) in self.listings(&done, &excluded) {
            if add_item(&mut items, &mut seen, link, item) {
                elements.push(el);
            }
        }
        if items.is_empty() {
            for (link, nodes) in &recommended {
                let item = self.harvest(*link, nodes);
                if add_item(&mut items, &mut seen, *link, item) {
                    elements.push(nodes[0]);
                }
            }
        }
        let outcome = if !items.is_empty() {
            Outcome::Found
        } else if saw_empty_block {
            Outcome::EmptyContainer
        } else if self.scripts_hold_articles() {
            Outcome::ScriptLoaded
        } else {
            Outcome::NoContainer
        };
        let decisions = self.decisions.take();
        (Extraction { items, outcome }, decisions, elements)
    }

    /// Whether every headline link under `el` (if any) is off the shape of
    /// the page's own address: a tab's or a section's name, not an article.
    fn off_shape_only(&self, el: ElementRef) -> bool {
        match self.links_under(el) {
            Links::None => true,
            Links::One(l) => !self.links[l].shaped,
            Links::Two(a, b) => !self.links[a].shaped && !self.links[b].shaped,
            Links::Many => el
                .descendants()
                .take(2_000)
                .filter_map(|d| self.anchors.get(&d.id()))
                .filter(|a| a.headline)
                .all(|a| !self.links[a.link].shaped),
        }
    }

    /// Whether `el` sits in a menu's drop-down panel: inside a list item
    /// that opens with a short link (the section's name).
    fn in_menu_panel(&self, el: ElementRef) -> bool {
        el.ancestors()
            .take(10)
            .filter_map(ElementRef::wrap)
            .filter(|a| a.value().name() == "li")
            .any(|li| {
                li.child_elements().next().is_some_and(|first| {
                    first.value().name() == "a"
                        && !self.anchors.get(&first.id()).is_some_and(|a| a.headline)
                        && !has_words(first, 5)
                        && first != el
                })
            })
    }

    /// Whether the page's scripts hold three or more addresses shaped like
    /// the page's own: its lists are built by JavaScript.
    fn scripts_hold_articles(&self) -> bool {
        let mut found: HashSet<String> = HashSet::default();
        for node in self.doc.tree.nodes() {
            let Node::Text(t) = node.value() else {
                continue;
            };
            let in_script = node
                .parent()
                .and_then(ElementRef::wrap)
                .is_some_and(|p| p.value().name() == "script");
            if !in_script {
                continue;
            }
            for token in t.split(|c: char| {
                c.is_whitespace()
                    || matches!(c, '"' | '\'' | '`' | '\\' | '(' | ')' | ',' | '<' | '>')
            }) {
                if !(token.starts_with('/') || token.starts_with("http")) || token.len() < 12 {
                    continue;
                }
                if let Some(url) = resolve_link(&self.base, token) {
                    if url.path() != self.base.path() && self.page_shape.like(&Shape::of(&url)) {
                        found.insert(url.path().to_string());
                        if found.len() >= 3 {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// Elements that head a list: the innermost block (inline elements
    /// climbed over) whose short text is a list heading, whether that text
    /// sits in one element or is split over several ("<a>Tin</a> cùng
    /// mục"), or an image whose `alt` or `title` is one.
    fn headings(&self) -> Vec<(ElementRef<'a>, Heading)> {
        let mut out = Vec::new();
        let mut tried: HashSet<NodeId> = HashSet::default();
        for node in self.doc.tree.nodes() {
            let start = match node.value() {
                Node::Text(t) if t.len() <= 200 && may_open_heading(t) && t.trim().len() >= 3 => {
                    node.parent().and_then(ElementRef::wrap)
                }
                Node::Element(e) if e.name() == "img" => {
                    let alt = attr(e, "alt").or_else(|| attr(e, "title")).unwrap_or("");
                    if heading_kind(alt).is_some() {
                        ElementRef::wrap(node)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            let Some(mut block) = start else {
                continue;
            };
            if is_skipped_tag(block.value().name()) {
                continue;
            }
            let mut in_link = false;
            let mut hrefs: Vec<&str> = Vec::new();
            // The inline element the climb came from: the heading itself
            // when its block also holds the list (`<div><b>Tin mới</b><ul>`).
            let mut inner: Option<ElementRef<'a>> = None;
            while is_inline_tag(block.value().name()) || block.value().name() == "img" {
                if self.anchors.get(&block.id()).is_some_and(|a| a.headline) {
                    // Words of a headline, not a heading.
                    in_link = true;
                    break;
                }
                // Whether a link's address resolves is asked only of a
                // news heading, at the end: resolving is the costly part.
                if block.value().name() == "a" {
                    if let Some(h) = attr(block.value(), "href") {
                        hrefs.push(h);
                    }
                }
                match block.parent().and_then(ElementRef::wrap) {
                    Some(p) => {
                        inner = Some(block);
                        block = p;
                    }
                    None => break,
                }
            }
            if self.anchors.get(&block.id()).is_some_and(|a| a.headline)
                || !tried.insert(block.id())
                || matches!(
                    block.value().name(),
                    "li" | "option" | "body" | "html" | "a"
                )
            {
                continue;
            }
            let kind = if let Node::Element(_) = node.value() {
                let e = ElementRef::wrap(node).expect("an element");
                heading_kind(
                    attr(e.value(), "alt")
                        .or_else(|| attr(e.value(), "title"))
                        .unwrap_or(""),
                )
            } else {
                signals::short_text(block, 240).and_then(|t| heading_kind(&t))
            };
            let (block, kind) = match (kind, inner) {
                (Some(k), _) => (block, k),
                (None, Some(i)) if self.links_under(i) == Links::None => {
                    match signals::short_text(i, 240).and_then(|t| heading_kind(&t)) {
                        Some(k) if tried.insert(i.id()) => (i, k),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            // "Xem thêm »" as a link is a "more" link, not a heading.
            if kind == Heading::News
                && (in_link || hrefs.iter().any(|h| resolve_link(&self.base, h).is_some()))
            {
                let t = signals::short_text(block, 240)
                    .map(|t| signals::fold(&t))
                    .unwrap_or_default();
                if t.starts_with("xem") || t.starts_with("doc") {
                    continue;
                }
            }
            out.push((block, kind));
        }
        out
    }

    /// From a heading, climb until what follows it holds headline links.
    fn climb(&self, heading: ElementRef<'a>) -> Climb<'a> {
        static ANY_LINK: LazyLock<Selector> =
            LazyLock::new(|| Selector::parse("a[href]").expect("valid selector"));
        let mut cur = heading;
        let mut tab = None;
        for _ in 0..6 {
            if tab.is_none() {
                tab = tab_position(cur);
            }
            let following: Vec<ElementRef<'a>> =
                cur.next_siblings().filter_map(ElementRef::wrap).collect();
            if following
                .iter()
                .any(|e| self.links_under(*e) != Links::None)
                && !(self.shape_informative && following.iter().all(|e| self.off_shape_only(*e)))
            {
                return Climb::Block(following, tab);
            }
            if let Some(first) = following.first().filter(|_| tab.is_none()) {
                if matches!(
                    first.value().name(),
                    "ul" | "ol" | "table" | "tbody" | "div" | "dl" | "section"
                ) && first.select(&ANY_LINK).next().is_none()
                {
                    return Climb::Empty;
                }
            }
            match cur.parent().and_then(ElementRef::wrap) {
                Some(p) if !matches!(p.value().name(), "body" | "html") => cur = p,
                _ => break,
            }
        }
        Climb::Nothing
    }

    /// The panel of tab `i` of `n`: the `i`-th of `n` siblings of one shape
    /// (tag and class) under what follows the tabs' headings.
    fn tab_panel(
        &self,
        following: &[ElementRef<'a>],
        (i, n): (usize, usize),
    ) -> Option<ElementRef<'a>> {
        let mut queue: Vec<ElementRef<'a>> = following.to_vec();
        let mut looked = 0;
        while let Some(el) = queue.first().copied() {
            queue.remove(0);
            looked += 1;
            if looked > 200 {
                return None;
            }
            if self.links_under(el) == Links::None {
                continue;
            }
            let kids: Vec<ElementRef<'a>> = el.child_elements().collect();
            if let Some(first) = kids.iter().find(|k| self.links_under(**k) != Links::None) {
                let same: Vec<ElementRef<'a>> = kids
                    .iter()
                    .filter(|k| same_shape(**k, *first))
                    .copied()
                    .collect();
                if same.len() == n {
                    return Some(same[i]);
                }
            }
            queue.extend(kids);
        }
        None
    }

    /// Cut a run of sibling nodes into items: a node holding one headline
    /// link starts an item, nodes without one join the current item, and
    /// nodes with several are cut recursively. A heading without links
    /// ends the block.
    fn segment(
        &self,
        nodes: &[ElementRef<'a>],
        out: &mut Vec<(usize, Vec<ElementRef<'a>>)>,
        depth: usize,
    ) -> bool {
        if depth > 12 {
            return true;
        }
        let mut current: Option<(usize, Vec<ElementRef<'a>>)> = None;
        // The list container read at this level: after it, only another
        // of its shape (the next row of a grid) continues the list.
        let mut container: Option<ElementRef<'a>> = None;
        for n in nodes {
            let links = self.links_under(*n);
            if let Some(c) = container {
                if links != Links::None && !(links.is_many() && same_shape(c, *n)) {
                    out.extend(current.take());
                    return true;
                }
            }
            match links {
                Links::Two(..) | Links::Many => {
                    if let Some(link) = self.item_link(*n) {
                        out.extend(current.take());
                        current = Some((link, vec![*n]));
                        continue;
                    }
                    out.extend(current.take());
                    let before = out.len();
                    let children: Vec<ElementRef<'a>> = n.child_elements().collect();
                    if self.segment(&children, out, depth + 1) {
                        return true;
                    }
                    if out.len() > before {
                        container = Some(*n);
                    }
                }
                Links::One(link) => {
                    out.extend(current.take());
                    current = Some((link, vec![*n]));
                }
                Links::None => {
                    let name = n.value().name();
                    let is_heading = self.heading_blocks.contains(&n.id())
                        || (is_heading_tag(name) && !self.heading_in(*n));
                    if is_heading && (current.is_some() || !out.is_empty()) {
                        out.extend(current.take());
                        return true;
                    }
                    if let Some((_, c)) = current.as_mut() {
                        c.push(*n);
                    }
                }
            }
        }
        out.extend(current);
        false
    }

    /// Whether an `h1`–`h6` is only a part of an item (a dated line): it
    /// then does not end the block. Any heading ends it otherwise.
    fn heading_in(&self, _el: ElementRef) -> bool {
        false
    }

    /// Every element holding many links, with its child elements that each
    /// hold one headline link (its item link), grouped by tag, in document
    /// order within a group. A run of bare links is a ticker or a tag cloud:
    /// list items wrap their headline, so `<a>` children are left out.
    fn sibling_groups(&self) -> impl Iterator<Item = (ElementRef<'a>, SiblingGroups<'a>)> + '_ {
        self.under
            .iter()
            .filter(|(_, links)| links.is_many())
            .filter_map(|(&id, _)| self.doc.tree.get(id).and_then(ElementRef::wrap))
            .map(|parent| {
                let mut groups = SiblingGroups::default();
                for child in parent.child_elements() {
                    if child.value().name() == "a" {
                        continue;
                    }
                    if let Some(link) = self.item_link(child) {
                        groups
                            .entry(child.value().name())
                            .or_default()
                            .push((link, child));
                    }
                }
                (parent, groups)
            })
    }

    /// Listings: groups of at least three same-tag siblings that each hold
    /// one headline link, most of them with a date.
    /// Groups whose links were all `seen` in news blocks are passed over:
    /// they could add nothing; so are those under a popularity heading.
    fn listings(
        &self,
        seen: &HashSet<usize>,
        excluded: &HashSet<usize>,
    ) -> Vec<(usize, Harvested, ElementRef<'a>)> {
        let mut out = Vec::new();
        for (parent, groups) in self.sibling_groups() {
            for (_, members) in groups {
                // Reading an item costs far more than these checks: a group
                // needs three members that could hold a date at all.
                let could_be_dated = members.iter().filter(|(_, el)| may_hold_date(*el)).count();
                if members.len() < 3
                    || members.iter().all(|(link, _)| seen.contains(link))
                    || members.iter().filter(|(l, _)| excluded.contains(l)).count() * 2
                        > members.len()
                {
                    continue;
                }
                // Undated groups of article-shaped links are everywhere on
                // a portal (popular, advertised, other sections' boxes):
                // without a list heading, a group needs dates.
                if could_be_dated < 3 || could_be_dated * 5 < members.len() * 3 {
                    continue;
                }
                let harvested: Vec<(usize, Harvested, ElementRef<'a>)> = members
                    .iter()
                    .map(|(link, el)| (*link, self.harvest(*link, &[*el]), *el))
                    .collect();
                let dated = harvested
                    .iter()
                    .filter(|(_, h, _)| h.published.is_some())
                    .count();
                if dated >= 3 && dated * 5 >= harvested.len() * 3 {
                    self.decide(
                        self.describe(parent),
                        harvested.len(),
                        true,
                        format!(
                            "a listing: {} siblings with one headline link each, {dated} dated",
                            harvested.len()
                        ),
                    );
                    out.push((parent.id(), harvested));
                } else {
                    self.decide(
                        self.describe(parent),
                        0,
                        false,
                        format!("{} siblings with one headline link each, but only {dated} dated and no list heading", harvested.len()),
                    );
                }
            }
        }
        // Document order of listings is not known from a HashMap: order by the
        // position of their first link, which the index pass numbered in order.
        out.sort_by_key(|(_, h)| h.first().map(|(l, _, _)| *l));
        out.into_iter().flat_map(|(_, h)| h).collect()
    }

    /// Runs of three or more sibling elements of one tag that each stand
    /// for one article (one headline link, each a different one), dated or
    /// not: the shape of a listing, for `suggest_repeated` to offer when
    /// nothing was taken. Largest first, then in page order.
    pub(super) fn repeated_groups(&self) -> Vec<Vec<(usize, ElementRef<'a>)>> {
        let mut out: Vec<Vec<(usize, ElementRef<'a>)>> = Vec::new();
        for (_, groups) in self.sibling_groups() {
            for (_, members) in groups {
                let distinct: HashSet<usize> = members.iter().map(|(l, _)| *l).collect();
                if members.len() >= 3 && distinct.len() == members.len() {
                    out.push(members);
                }
            }
        }
        out.sort_by_key(|m| (std::cmp::Reverse(m.len()), m.first().map(|(l, _)| *l)));
        out
    }

    /// Read one item from its nodes. Its title is the headline-like one of
    /// the links to its article: in a heading or bold element, else the
    /// shortest whole one (a teaser linked to the same article is longer,
    /// and becomes the summary).
    fn harvest(&self, link: usize, nodes: &[ElementRef<'a>]) -> Harvested {
        self.harvest_at(link, nodes).0
    }

    /// [`Auto::harvest`], and the `<a>` its title came from.
    pub(super) fn harvest_at(
        &self,
        link: usize,
        nodes: &[ElementRef<'a>],
    ) -> (Harvested, Option<ElementRef<'a>>) {
        let mut candidates: Vec<(ElementRef<'a>, &Anchor)> = Vec::new();
        for n in nodes {
            for a in std::iter::once(*n).chain(n.descendent_elements()) {
                if let Some(anchor) = self.anchors.get(&a.id()).filter(|x| x.link == link) {
                    candidates.push((a, anchor));
                }
            }
        }
        let headlines: Vec<&(ElementRef<'a>, &Anchor)> =
            candidates.iter().filter(|(_, a)| a.headline).collect();
        let whole: Vec<&&(ElementRef<'a>, &Anchor)> = headlines
            .iter()
            .filter(|(_, a)| !is_ellipsis_cut(&a.title))
            .collect();
        let emphasised = |el: ElementRef| {
            el.ancestors()
                .take(3)
                .filter_map(ElementRef::wrap)
                .any(|p| {
                    is_heading_tag(p.value().name()) || matches!(p.value().name(), "b" | "strong")
                })
                || el
                    .child_elements()
                    .any(|c| matches!(c.value().name(), "b" | "strong"))
        };
        let chosen = whole
            .iter()
            .find(|(el, _)| emphasised(*el))
            .or_else(|| whole.iter().min_by_key(|(_, a)| a.title.chars().count()))
            .map(|c| ***c)
            .or_else(|| {
                headlines
                    .iter()
                    .max_by_key(|(_, a)| a.title.chars().count())
                    .map(|c| **c)
            })
            .or_else(|| {
                candidates
                    .iter()
                    .max_by_key(|(_, a)| a.title.chars().count())
                    .copied()
            });
        let title = chosen.map(|(_, a)| a.title.clone()).unwrap_or_default();
        let title_date = chosen
            .and_then(|(_, a)| a.date)
            .or_else(|| candidates.iter().find_map(|(_, a)| a.date));
        // The longest other headline link is a teaser when clearly longer.
        let linked_teaser = headlines
            .iter()
            .map(|(_, a)| &a.title)
            .filter(|t| t.chars().count() > title.chars().count() * 3 / 2 + 10)
            .max_by_key(|t| t.chars().count())
            .cloned();
        // Leave out the headline itself and short links ("Xem tiếp »",
        // "Chi tiết"): neither is teaser text.
        let skip = |el: ElementRef| {
            self.anchors
                .get(&el.id())
                .is_some_and(|a| a.link == link || a.headline)
                || (el.value().name() == "a"
                    && (!has_words(el, 4) || is_more_link_text(&text_of(el))))
        };
        let (text, machine_date) = text_outside(nodes, &skip, self.tz);
        let found = find_date_in(&text, self.tz, Some(&self.ctx));
        let published = machine_date
            .or(found.as_ref().map(|(d, _)| *d))
            .or(title_date);
        let summary = teaser(text, found.map(|(_, r)| r), &title).or(linked_teaser);
        let item = Harvested {
            title,
            link: Some(self.links[link].url.clone()),
            guid: None,
            summary,
            published,
        };
        (item, chosen.map(|(el, _)| el))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::html::tests::auto;

    #[test]
    fn a_flat_tin_khac_block_is_cut_at_each_headline() {
        let html = r#"<html><body><div class="x">
          <h2>Tin khác</h2>
          <h3><a href="/a-1">Tăng tốc thực hiện các dự án tại Cảng Hàng không</a></h3>
          <p>Trước yêu cầu nâng cao năng lực hạ tầng hàng không…</p><span>23/12/2025</span>
          <h3><a href="https://haiphong.gov.vn/b-2">Giải bài toán trường lớp THPT khi số học sinh tăng</a></h3>
          <p>Số học sinh lớp 9 trên địa bàn thành phố được dự báo…</p><span>22/12/2025</span>
          <h3>Tin đọc nhiều</h3>
          <h4><a href="/c-3">Một tin khác không thuộc khối tin khác này đâu</a></h4>
        </div></body></html>"#;
        let e = auto(html);
        assert_eq!(e.outcome, Outcome::Found);
        assert_eq!(e.items.len(), 2, "{:#?}", e.items);
        assert_eq!(
            e.items[0].link.as_ref().unwrap().as_str(),
            "https://haiphong.gov.vn/a-1"
        );
        assert_eq!(
            e.items[0].summary.as_deref(),
            Some("Trước yêu cầu nâng cao năng lực hạ tầng hàng không…")
        );
        assert_eq!(
            e.items[1].published.unwrap().to_rfc3339(),
            "2025-12-22T00:00:00+07:00"
        );
    }

    #[test]
    fn cut_headlines_take_the_title_attribute() {
        let html = r#"<div class="tin-khac"><a href="javascript: void(0)"><p>TIN KHÁC</p></a><div><ul>
          <li><a class="shape" href="/x-1" title="Hải Phòng tuyển sinh lớp 10 năm học 2026 – 2027 theo phương thức xét tuyển">Hải Phòng tuyển sinh lớp 10 năm học…</a><small>- 22/12/2025</small></li>
        </ul></div></div>"#;
        let e = auto(html);
        assert_eq!(e.items.len(), 1);
        assert_eq!(
            e.items[0].title,
            "Hải Phòng tuyển sinh lớp 10 năm học 2026 – 2027 theo phương thức xét tuyển"
        );
        assert!(e.items[0].published.is_some());
        assert_eq!(e.items[0].summary, None);
    }

    #[test]
    fn an_empty_block_and_a_missing_block_are_told_apart() {
        let empty = r#"<div><h3>Tin khác</h3><ul></ul></div><footer><a href="/lien-he">Liên hệ với ban biên tập cổng thông tin</a></footer>"#;
        assert_eq!(auto(empty).outcome, Outcome::EmptyContainer);
        let none = r#"<div><p>Bài viết không có danh sách nào.</p><a href="/lien-he">Liên hệ với ban biên tập cổng</a></div>"#;
        let e = auto(none);
        assert_eq!(e.outcome, Outcome::NoContainer);
        assert!(e.items.is_empty());
    }

    #[test]
    fn menus_pagination_and_attachments_are_not_items() {
        let html = r#"<nav><ul><li><a href="/gioi-thieu">Giới thiệu chung về thành phố Hải Phòng</a> 01/01/2025</li>
            <li><a href="/tin-tuc">Tin tức sự kiện của thành phố</a> 01/01/2025</li>
            <li><a href="/van-ban">Văn bản chỉ đạo điều hành mới</a> 01/01/2025</li></ul></nav>
          <div><ul>
            <li><a href="/f.pdf">Tài liệu đính kèm kế hoạch số 211</a> 02/01/2025</li>
            <li><a href="/g.pdf">Tài liệu đính kèm kế hoạch số 212</a> 02/01/2025</li>
            <li><a href="/h.pdf">Tài liệu đính kèm kế hoạch số 213</a> 02/01/2025</li>
          </ul><div class="pages"><a href="?p=1">1</a><a href="?p=2">2</a><a href="?p=2">Trang sau</a></div></div>"#;
        let e = auto(html);
        assert!(e.items.is_empty(), "{:#?}", e.items);
    }

    #[test]
    fn a_listing_of_dated_rows_is_found_without_a_heading() {
        let html = r#"<table><tbody>
          <tr><td><a href="/tin-1.html">Khai giảng năm học mới tại các trường tiểu học</a> (2/3/2021)</td></tr>
          <tr><td><a href="/tin-2.html">Hội nghị tổng kết công tác khuyến học năm 2020</a> (1/3/2021)</td></tr>
          <tr><td><a href="/tin-3.html">Thành phố kiểm tra công tác phòng chống dịch bệnh</a> (28/2/2021)</td></tr>
        </tbody></table>"#;
        let e = auto(html);
        assert_eq!(e.items.len(), 3);
        assert_eq!(
            e.items[0].published.unwrap().to_rfc3339(),
            "2021-03-02T00:00:00+07:00"
        );
        assert_eq!(
            e.items[2].link.as_ref().unwrap().as_str(),
            "https://haiphong.gov.vn/tin-3.html"
        );
    }

    #[test]
    fn deep_malformed_pages_do_not_overflow() {
        // html5ever is quadratic in nesting depth (8,000 levels: ~0.1 s release);
        // this guards the extractor's own walks, which must stay iterative.
        let html = "<div>".repeat(5_000) + "Tin khác";
        let e = auto(&html);
        assert!(e.items.is_empty());
    }
}

#[cfg(test)]
mod real_page_patterns {
    //! One small invented page per pattern met on real portals.

    use super::*;
    use crate::source::html::tests::{now, tz};
    use crate::source::html::{explain, extract_at};

    fn page(body: &str) -> Extraction {
        extract_at(
            body,
            &Url::parse("https://tintuc.example.vn/giao-duc/bai-viet-mot-100001.html").unwrap(),
            None,
            tz(),
            now(),
        )
    }

    fn titles(e: &Extraction) -> Vec<&str> {
        e.items.iter().map(|i| i.title.as_str()).collect()
    }

    fn dates(e: &Extraction) -> Vec<String> {
        e.items
            .iter()
            .map(|i| i.published.map(|d| d.to_rfc3339()).unwrap_or_default())
            .collect()
    }

    const ARTICLE_HEAD: &str = r#"<html><head><meta property="article:published_time" content="2024-12-20T08:00:00+07:00"></head><body><h1>Bài viết chính của trang</h1>"#;

    #[test]
    fn a_date_inside_the_link_leaves_the_title_and_takes_the_pages_year() {
        let html = format!(
            r#"{ARTICLE_HEAD}<ul>
              <li><h3><a href="/xa-hoi/hoc-sinh-gioi-thanh-pho-200001.html">Học sinh giỏi thành phố nhận thưởng <span>(26/12)</span></a></h3></li>
              <li><h3><a href="/xa-hoi/truong-moi-khanh-thanh-200002.html">Trường mới khánh thành ở ngoại ô (21/12)</a></h3></li>
              <li><h3><a href="/xa-hoi/thu-vien-so-mo-cua-200003.html">Thư viện số mở cửa cho học sinh - 02/01/2025</a></h3></li>
            </ul></body></html>"#
        );
        let e = page(&html);
        assert_eq!(
            titles(&e),
            [
                "Học sinh giỏi thành phố nhận thưởng",
                "Trường mới khánh thành ở ngoại ô",
                "Thư viện số mở cửa cho học sinh"
            ]
        );
        // The page is of 20/12/2024: 26/12 is of 2024, and a later list
        // date stays in that year while near it.
        assert_eq!(
            dates(&e),
            [
                "2024-12-26T00:00:00+07:00",
                "2024-12-21T00:00:00+07:00",
                "2025-01-02T00:00:00+07:00"
            ]
        );
    }

    #[test]
    fn day_and_month_roll_over_the_fetch_year_and_times_attach() {
        // No page date: the fetch time (3 January 2026) is the reference.
        let html = r#"<html><body><h2>Tin mới</h2><ul>
          <li><a href="/a/bai-hai-300001.html">Khai giảng lớp học tình thương mới</a> <i>10:15 30/12</i></li>
          <li><a href="/a/bai-ba-300002.html">Hội thi giáo viên dạy giỏi cấp quận</a> <i>02/01 08:30</i></li>
          <li><a href="/a/bai-bon-300003.html">Tổng kết học kỳ một ở các trường</a> <i>16:45 , 28/12/2025</i></li>
        </ul></body></html>"#;
        let e = page(html);
        assert_eq!(
            dates(&e),
            [
                "2025-12-30T10:15:00+07:00",
                "2026-01-02T08:30:00+07:00",
                "2025-12-28T16:45:00+07:00"
            ]
        );
        assert!(
            e.items.iter().all(|i| i.summary.is_none()),
            "{:#?}",
            e.items
        );
    }

    #[test]
    fn relative_times_become_instants_and_leave_the_title() {
        let html = r#"<html><body><div><h4>Các tin khác</h4><ul>
          <li><a href="/b/tin-mot-400001.html">Phường tổ chức ngày hội đọc sách <span>(3 giờ trước)</span></a></li>
          <li><a href="/b/tin-hai-400002.html">Thành phố trồng thêm cây xanh ven sông (hôm qua)</a></li>
          <li><a href="/b/tin-ba-400003.html">Chợ phiên cuối tuần đông khách trở lại (vừa xong)</a></li>
        </ul></div></body></html>"#;
        let e = page(html);
        assert_eq!(
            titles(&e),
            [
                "Phường tổ chức ngày hội đọc sách",
                "Thành phố trồng thêm cây xanh ven sông",
                "Chợ phiên cuối tuần đông khách trở lại"
            ]
        );
        assert_eq!(
            dates(&e),
            [
                "2026-01-03T07:00:00+07:00",
                "2026-01-02T00:00:00+07:00",
                "2026-01-03T10:00:00+07:00"
            ]
        );
    }

    #[test]
    fn of_two_links_to_one_article_the_headline_is_the_title_and_the_teaser_the_summary() {
        let html = r#"<html><body><div><div><a href="/">Tin khác</a></div></div><div>
          <div><p><a href="/c/bai-500001.html">Mẹ kể chuyện nuôi con học đại học</a></p>
               <p><a href="/c/bai-500001.html">Suốt bốn năm con học xa nhà, mỗi tháng tôi gửi một thùng đồ ăn và một lá thư viết tay cho con ...</a></p></div>
          <div><p><a href="/c/bai-500002.html">Cậu bé bán vé số mơ làm kỹ sư</a></p>
               <p><a href="/c/bai-500002.html">Mỗi sáng em dậy từ bốn giờ để đi bán vé số, chiều lại đến lớp học tình thương của phường ...</a></p></div>
        </div></body></html>"#;
        let e = page(html);
        assert_eq!(
            titles(&e),
            [
                "Mẹ kể chuyện nuôi con học đại học",
                "Cậu bé bán vé số mơ làm kỹ sư"
            ]
        );
        assert!(e.items[0]
            .summary
            .as_deref()
            .is_some_and(|s| s.starts_with("Suốt bốn năm")));
    }

    #[test]
    fn headings_without_accents_split_over_links_or_in_an_image_are_read() {
        let item = |i: u32| {
            format!(
                r#"<li><a href="/d/bai-so-{i}-60000{i}.html">Bài viết số {i} của chuyên mục giáo dục</a></li>"#
            )
        };
        let ul = |from: u32| (from..from + 2).map(item).collect::<String>();
        let html = format!(
            r#"<html><body>
            <div><h3><a href="/">Tin</a> cùng mục <a href="/giao-duc-dao-tao.html">Giáo dục đào tạo</a></h3></div>
            <div><ul>{}</ul></div>
            <div><b>TIN MOI CAP NHAT</b><ul>{}</ul></div>
            <div><div><img src="/tieu-de.png" alt="Tin liên quan"></div><ul>{}</ul></div>
            </body></html>"#,
            ul(1),
            ul(3),
            ul(5)
        );
        let e = page(&html);
        assert_eq!(e.items.len(), 6, "{:#?}", titles(&e));
        // The section link in the heading is not an item.
        assert!(titles(&e).iter().all(|t| t.starts_with("Bài viết số")));
    }

    #[test]
    fn a_recommendation_widget_counts_only_when_the_page_has_no_other_list() {
        let rec = r#"<div><h3>Có thể bạn quan tâm</h3><ul>
          <li><a href="/e/goi-y-700001.html">Gợi ý món ăn ngon cho ngày đông</a></li>
          <li><a href="/e/goi-y-700002.html">Gợi ý điểm du lịch gần thành phố</a></li></ul></div>"#;
        let other = r#"<div><h3>Tin liên quan</h3><ul>
          <li><a href="/e/lien-quan-700003.html">Học sinh tình nguyện dọn rác bãi biển</a></li></ul></div>"#;
        let alone = page(&format!("<html><body>{rec}</body></html>"));
        assert_eq!(alone.items.len(), 2);
        let both = page(&format!("<html><body>{other}{rec}</body></html>"));
        assert_eq!(titles(&both), ["Học sinh tình nguyện dọn rác bãi biển"]);
    }

    #[test]
    fn rows_of_one_shape_are_one_list_and_a_tab_takes_its_own_panel() {
        let card = |i: u32| {
            format!(
                r#"<div class="o"><a href="/f/the-{i}-80000{i}.html">Câu chuyện thứ {i} về thầy cô giáo</a></div>"#
            )
        };
        let row = |a: u32| {
            format!(
                r#"<div class="hang">{}{}{}</div>"#,
                card(a),
                card(a + 1),
                card(a + 2)
            )
        };
        let html = format!(
            r#"<html><body><h2>Tin cùng chuyên mục</h2>{}{}<div class="quangcao"><a href="/f/quang-cao-899999.html">Khuyến mãi lớn cuối năm cho mọi nhà</a></div></body></html>"#,
            row(1),
            row(4)
        );
        let e = page(&html);
        assert_eq!(e.items.len(), 6, "{:#?}", titles(&e));

        let li = |i: u32| {
            format!(
                r#"<li><a href="/g/bai-{i}-90000{i}.html">Tin tức của mục thứ {i} trong ngày</a></li>"#
            )
        };
        let tabs = format!(
            r#"<html><body><div class="tabs"><div class="tab"><h3>Tin cùng mục</h3></div><div class="tab"><span>Mục khác</span></div></div>
            <div class="panels"><div class="panel"><ul>{}{}</ul></div><div class="panel"><ul>{}{}</ul></div></div></body></html>"#,
            li(1),
            li(2),
            li(3),
            li(4)
        );
        let e = page(&tabs);
        assert_eq!(
            titles(&e),
            [
                "Tin tức của mục thứ 1 trong ngày",
                "Tin tức của mục thứ 2 trong ngày"
            ]
        );
    }

    #[test]
    fn an_items_section_link_is_not_its_title_and_more_links_are_never_items() {
        let html = r#"<html><body><h3>Tin khác</h3><ul>
          <li><a href="/the-thao-trong-nuoc.html">Thể thao trong nước hôm nay</a> <a href="/the-thao/doi-tuyen-thang-100001.html">Đội tuyển trường thắng giải bóng đá</a></li>
          <li><a href="/van-hoa-nghe-thuat.html">Văn hóa nghệ thuật trong tuần</a> <a href="/van-hoa/trien-lam-tranh-100002.html">Triển lãm tranh của học sinh tiểu học</a></li>
          <li><a href="/the-thao-trong-nuoc.html">Xem tiếp các tin bài khác »</a></li>
        </ul><a href="/tin-khac.html">Các tin bài khác</a></body></html>"#;
        let e = page(html);
        assert_eq!(
            titles(&e),
            [
                "Đội tuyển trường thắng giải bóng đá",
                "Triển lãm tranh của học sinh tiểu học"
            ]
        );
    }

    #[test]
    fn an_undated_unheaded_box_is_not_a_list() {
        // Popular, advertised and other sections' boxes look the same: no
        // heading, no date, article addresses. None of them is taken.
        let html = r#"<html><body><div><ul>
          <li><a href="/h/bai-110001.html">Bài được đọc nhiều thứ nhất trong tuần</a></li>
          <li><a href="/h/bai-110002.html">Bài được đọc nhiều thứ hai trong tuần</a></li>
          <li><a href="/h/bai-110003.html">Bài được đọc nhiều thứ ba trong tuần</a></li>
        </ul></div></body></html>"#;
        assert!(page(html).items.is_empty());
    }

    #[test]
    fn a_list_built_by_script_is_told_apart_from_a_missing_one() {
        let html = r#"<html><body><div id="tin-khac"></div><script>
          var tin = [{"url": "/giao-duc/bai-khac-120001.html"}, {"url": "/giao-duc/bai-nua-120002.html"},
                     {"url": "https://tintuc.example.vn/giao-duc/bai-cuoi-120003.html"}];
        </script></body></html>"#;
        assert_eq!(page(html).outcome, Outcome::ScriptLoaded);
        let plain = r#"<html><body><p>Trang không có danh sách tin.</p></body></html>"#;
        assert_eq!(page(plain).outcome, Outcome::NoContainer);
    }

    #[test]
    fn explain_says_which_blocks_were_taken_and_refused() {
        let html = r#"<html><body>
          <div><h3>Đọc nhiều nhất</h3><ul>
            <li><a href="/k/bai-140001.html">Bài được nhiều người đọc nhất tuần này</a></li></ul></div>
          <div><h3>Tin khác</h3><ul>
            <li><a href="/k/bai-140002.html">Trường học xanh sạch đẹp ở vùng ven</a></li></ul></div>
          <div><h3>Tin liên quan</h3><ul></ul></div>
        </body></html>"#;
        let base =
            Url::parse("https://tintuc.example.vn/giao-duc/bai-viet-mot-100001.html").unwrap();
        let (e, decisions) = explain(html, &base, tz(), now());
        assert_eq!(titles(&e), ["Trường học xanh sạch đẹp ở vùng ven"]);
        let find = |b: &str| {
            decisions
                .iter()
                .find(|d| d.block.contains(b))
                .unwrap_or_else(|| panic!("{b}: {decisions:#?}"))
        };
        assert!(find("Tin khác").taken);
        assert_eq!(find("Tin khác").items, 1);
        assert!(!find("Đọc nhiều").taken);
        assert!(find("Đọc nhiều").reason.contains("popularity"));
        assert!(find("Tin liên quan").reason.contains("empty"));
    }
}

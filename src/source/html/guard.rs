//! The guard before parsing: one linear scan of a page's tags that tells
//! how much work its nesting asks of the HTML parser, and the limits a page
//! must stay under to be parsed at all.

/// How much work a page's element nesting asks of the HTML parser, found by
/// one linear scan of its tags, before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nesting {
    /// The deepest open element, roughly (end tags HTML lets pages leave
    /// out, void elements and raw text are allowed for).
    pub depth: usize,
    /// The sum over start tags of the depth they open at: html5ever looks
    /// through the open elements for many start tags, so its time grows
    /// with this, not with the page's size (40,000 nested `<div>`s take 4 s,
    /// and a 10 MiB page could nest 2 million).
    pub cost: u64,
    /// Start tags: the parser builds a node for each (and one for the text
    /// beside it), so this bounds the memory a parse takes.
    pub elements: usize,
}

/// Limit on [`Nesting::elements`]: real article and listing pages hold a few
/// hundred to a few thousand elements (the seeds 57–324; news pages of other
/// sites up to about 2,000); a 10 MiB page of 165,000 links would take the
/// parser and the extractor over 200 MiB.
pub const MAX_ELEMENTS: usize = 50_000;

/// Limits for [`nesting`]: far above real portal pages (the seed pages nest
/// 3–15 deep at a cost of 79–1,494), far below what would stall a parse
/// thread (pages at the limits parse in under 0.1 s).
pub const MAX_DEPTH: usize = 2_000;
pub const MAX_NESTING_COST: u64 = 20_000_000;

/// Elements that never hold others or whose end tag may be left out (the
/// parser closes them by itself): they do not deepen the rough count.
fn is_flat_tag(name: &[u8]) -> bool {
    const FLAT: &[&[u8]] = &[
        b"area",
        b"base",
        b"br",
        b"col",
        b"embed",
        b"hr",
        b"img",
        b"input",
        b"link",
        b"meta",
        b"param",
        b"source",
        b"track",
        b"wbr",
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"tr",
        b"td",
        b"th",
        b"option",
        b"optgroup",
        b"rt",
        b"rp",
        b"tbody",
        b"thead",
        b"tfoot",
        b"colgroup",
        b"caption",
        b"html",
        b"head",
        b"body",
    ];
    FLAT.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// One linear pass over the tags of `html` (no parsing): see [`Nesting`].
pub fn nesting(html: &str) -> Nesting {
    let b = html.as_bytes();
    let find = |from: usize, pat: &[u8]| {
        b.get(from..)
            .and_then(|rest| {
                rest.windows(pat.len())
                    .position(|w| w.eq_ignore_ascii_case(pat))
            })
            .map(|p| from + p)
    };
    let (mut depth, mut max, mut cost, mut elements) = (0usize, 0usize, 0u64, 0usize);
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let at = i + p;
        let next = b.get(at + 1).copied().unwrap_or(b' ');
        if b[at..].starts_with(b"<!--") {
            i = find(at + 4, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        if matches!(next, b'!' | b'?') {
            // <!doctype>, <![CDATA[…]]>, <?xml?>
            i = find(at, b">").map_or(b.len(), |e| e + 1);
            continue;
        }
        let closing = next == b'/';
        let start = at + 1 + usize::from(closing);
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            i = at + 1; // a "<" in text
            continue;
        }
        let len = b[start..]
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(b.len() - start);
        let end = find(start, b">").map_or(b.len(), |e| e + 1);
        i = end;
        let name = &b[start..start + len];
        if closing {
            if !is_flat_tag(name) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        // Raw text: nothing inside is a tag.
        if [&b"script"[..], b"style", b"textarea", b"title", b"xmp"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(name))
        {
            let mut close = b"</".to_vec();
            close.extend_from_slice(name);
            i = find(i, &close).unwrap_or(b.len());
            continue;
        }
        if is_flat_tag(name) || b[..end].ends_with(b"/>") {
            continue;
        }
        depth += 1;
        max = max.max(depth);
        cost += depth as u64;
    }
    Nesting {
        depth: max,
        cost,
        elements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::html::decode;

    #[test]
    fn nesting_of_real_pages_is_far_below_the_limits() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut pages = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "html") {
                let text = decode(&std::fs::read(&path).unwrap(), None);
                let n = nesting(&text);
                assert!(n.depth >= 2 && n.depth < 60, "{}: {n:?}", path.display());
                assert!(n.cost < 20_000, "{}: {n:?}", path.display());
                pages += 1;
            }
        }
        assert!(pages >= 5);
    }

    #[test]
    fn nesting_counts_what_the_parser_will_nest() {
        let n = |s: &str| nesting(s);
        assert_eq!(n("<div><div><span>x</span></div></div>").depth, 3);
        // Deep nesting, and moderate nesting with very many tags inside.
        let deep = "<div>".repeat(100_000);
        assert_eq!(n(&deep).depth, 100_000);
        let wide = format!("{}{}", "<div>".repeat(1_000), "<b>x</b>".repeat(30_000));
        assert!(n(&wide).cost > MAX_NESTING_COST, "{:?}", n(&wide));
        assert!(n(&wide).depth <= MAX_DEPTH);
        // End tags pages may leave out, void and self-closed elements,
        // comments, raw text and stray "<" do not deepen it.
        let list = format!(
            "<ul>{}</ul>",
            "<li><a href=x>tin</a><br><img src=y>".repeat(5_000)
        );
        assert_eq!(n(&list).depth, 2);
        let p = "<p>một<p>hai<td>ba<svg/><x-y/>".repeat(3_000);
        assert_eq!(n(&p).depth, 0);
        let raw = "<script>if (a<b) { '<div><div>' }</script><style>a<b{}</style>";
        assert_eq!(n(raw).depth, 0);
        assert_eq!(n("<!-- <div><div> --> 1 < 2 <DIV></DIV>").depth, 1);
    }
}

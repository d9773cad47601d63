//! The Telegram message builder on any strings: only b/i/a tags, balanced;
//! every `&` an entity; visible text and the plain form within 4096 UTF-16
//! units; the link intact in the href.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinkhac::notify::message::{html, plain, visible_text, Parts, MAX_UTF16};

fn units(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

fn decode(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (ent, c) = [("&lt;", '<'), ("&gt;", '>'), ("&amp;", '&'), ("&quot;", '"')]
            .into_iter()
            .find(|(e, _)| rest.starts_with(e))
            .unwrap_or_else(|| panic!("bare & in {s:?}"));
        out.push(c);
        rest = &rest[ent.len()..];
    }
    out + rest
}

fn check(m: &str, link: Option<&str>) {
    let mut stack = Vec::new();
    let mut hrefs = Vec::new();
    let mut visible = String::new();
    let mut rest = m;
    loop {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        assert!(!text.contains('>') && !text.contains('"'), "{m:?}");
        visible += &decode(text);
        if lt == rest.len() {
            break;
        }
        rest = &rest[lt + 1..];
        let gt = rest.find('>').expect("closed tag");
        let tag = &rest[..gt];
        rest = &rest[gt + 1..];
        match tag {
            "b" | "i" => stack.push(tag.to_string()),
            "/b" | "/i" | "/a" => assert_eq!(stack.pop().as_deref(), Some(&tag[1..]), "{m:?}"),
            _ => {
                let href = tag
                    .strip_prefix("a href=\"")
                    .and_then(|t| t.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("tag <{tag}> in {m:?}"));
                assert!(!href.contains('"') && !href.contains('<'));
                hrefs.push(decode(href));
                stack.push("a".to_string());
            }
        }
    }
    assert!(stack.is_empty(), "{m:?}");
    assert_eq!(visible, visible_text(m));
    assert!(units(&visible) <= MAX_UTF16, "{} units", units(&visible));
    assert_eq!(hrefs, link.into_iter().map(str::to_string).collect::<Vec<_>>());
}

fuzz_target!(|data: &[u8]| {
    // Fields separated by NUL; a short input stretched by repetition so
    // the length limits are reached.
    let s = String::from_utf8_lossy(data);
    let mut f = s.split('\0');
    let mut field = || f.next().map(str::to_string);
    let repeat = data.first().map_or(1, |b| 1 + usize::from(*b % 16) * 64);
    let title = field().unwrap_or_default();
    let teaser = field().map(|t| t.repeat(repeat));
    let byline = field().unwrap_or_default();
    let link = field();
    let parts = Parts {
        title,
        teaser,
        byline,
        link,
    };
    check(&html(&parts), parts.link.as_deref());
    let p = plain(&parts);
    assert!(units(&p) <= MAX_UTF16, "{} units", units(&p));
});

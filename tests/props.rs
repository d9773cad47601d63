//! Property tests: canonical links and the Telegram message builder.
//!
//! Case counts are kept modest so `cargo test` stays fast; raise them for a
//! long run with `PROPTEST_CASES=100000 cargo test --test props`.

use proptest::prelude::*;
use tinkhac::item::canonical_link;
use tinkhac::notify::message::{html, plain, visible_text, Attachment, Parts, MAX_UTF16};
use url::Url;

// The message validator shared with the fuzz target.
#[path = "../fuzz/checks.rs"]
#[allow(dead_code)] // the fuzz checks themselves run in tests/fuzz_corpus.rs
mod checks;
use checks::validate;

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The case count: `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Canonical links

const TRACKING: &[&str] = &[
    "utm_source",
    "utm_medium",
    "UTM_Campaign",
    "utm_",
    "fbclid",
    "FBCLID",
    "gclid",
    "zalo_share",
    "zarsrc",
    "Zalo",
];

const KEPT: &[&str] = &[
    "id",
    "p",
    "q",
    "page",
    "ID",
    "cat",
    "utm",
    "fb",
    "x_utm_source",
];

/// The rule itself: random keys such as `_gl` or `yclid` are tracking too.
/// `the_named_tracking_parameters_are_tracking` pins the names this file
/// relies on, so the oracle cannot drift from them.
fn is_tracking(name: &str) -> bool {
    tinkhac::item::is_tracking_param(name)
}

#[test]
fn the_named_tracking_parameters_are_tracking() {
    for k in TRACKING {
        assert!(is_tracking(k), "{k}");
    }
    for k in KEPT {
        assert!(!is_tracking(k), "{k}");
    }
    for k in ["_gl", "_ga", "yclid", "msclkid", "zarsrc", "zalo_share"] {
        assert!(is_tracking(k), "{k}");
    }
}

/// Query values: article ids, Vietnamese text, and characters that need
/// encoding (`&`, `=`, `#`, `+`, `%`, space).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,8}",
        "[a-zđêôơư &=#+%/?]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

fn param() -> impl Strategy<Value = (String, String)> {
    (
        prop_oneof![
            prop::sample::select(TRACKING).prop_map(str::to_string),
            prop::sample::select(KEPT).prop_map(str::to_string),
            "[a-z_]{1,6}",
        ],
        value(),
    )
}

fn article_url() -> impl Strategy<Value = Url> {
    (
        prop::sample::select(&["http", "https", "HTTPS"][..]),
        prop::sample::select(
            &[
                "haiphong.gov.vn",
                "HaiPhong.GOV.vn:443",
                "x.vn:8080",
                "danang.gov.vn",
            ][..],
        ),
        "/([a-z0-9-]{1,12}/){0,3}([a-z0-9-]{1,12}\\.html)?",
        prop::collection::vec(param(), 0..6),
        prop::option::of("[a-z0-9-]{0,10}"),
    )
        .prop_map(|(scheme, host, path, params, fragment)| {
            let mut u = Url::parse(&format!("{scheme}://{host}{path}")).unwrap();
            if !params.is_empty() {
                u.query_pairs_mut().extend_pairs(params);
            }
            u.set_fragment(fragment.as_deref());
            u
        })
}

/// Links as portals write them, raw: odd queries (`?123`, `?a&&b`, `;`,
/// stray `%`) that were never form-encoded.
fn raw_url() -> impl Strategy<Value = Url> {
    (
        "(/[a-zA-Z0-9._~%-]{0,10}){0,3}",
        "[a-zA-Z0-9_=&;%+.~ -]{0,30}",
        prop::option::of("[a-z0-9#?&=-]{0,10}"),
    )
        .prop_filter_map("parses", |(path, query, fragment)| {
            let mut s = format!("https://x.vn{path}?{query}");
            if let Some(f) = fragment {
                s += "#";
                s += &f;
            }
            Url::parse(&s).ok()
        })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn canonical_links_are_idempotent(u in prop_oneof![article_url(), raw_url()]) {
        let once = canonical_link(&u);
        prop_assert_eq!(canonical_link(&once), once.clone());
        // And a round trip through the stored text changes nothing.
        let reparsed = Url::parse(once.as_str()).unwrap();
        prop_assert_eq!(canonical_link(&reparsed), once);
    }

    #[test]
    fn tracking_parameters_and_fragments_go_other_parameters_stay_in_order(u in article_url()) {
        let c = canonical_link(&u);
        prop_assert_eq!(c.fragment(), None);
        let want: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let got: Vec<(String, String)> = c
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        prop_assert!(got.iter().all(|(k, _)| !is_tracking(k)), "{}", c);
        prop_assert_eq!(&got, &want, "{} -> {}", u, c);
        if want.is_empty() {
            prop_assert_eq!(c.query(), None, "no dangling '?': {}", c);
        }
        // Scheme, host, port and path are the parser's own.
        prop_assert_eq!(c.scheme(), u.scheme());
        prop_assert_eq!(c.host_str(), u.host_str());
        prop_assert_eq!(c.port(), u.port());
        prop_assert_eq!(c.path(), u.path());
    }
}

// ---------------------------------------------------------------------------
// The message builder

/// Text with plenty of what breaks HTML and UTF-16 arithmetic.
fn text(max: usize) -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => prop::char::range('a', 'z'),
        2 => Just(' '),
        1 => prop::sample::select(&['<', '>', '&', '"', '\'', ';', '\n', '\u{a0}'][..]),
        1 => prop::sample::select(&['Đ', 'ữ', '😀', '👩', '\u{200d}', '\u{301}', '…', '#'][..]),
        1 => any::<char>(),
    ];
    prop_oneof![
        4 => prop::collection::vec(c.clone(), 0..40),
        1 => prop::collection::vec(c, 0..max),
    ]
    .prop_map(|v| v.into_iter().collect())
}

/// Entity-like text: literal "&lt;", "&amp;amp;" must survive as text.
fn entityish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(
            &[
                "&lt;", "&amp;", "&quot;", "&#39;", "&", "<b>", "</a>", "x", " ",
            ][..],
        ),
        0..20,
    )
    .prop_map(|v| v.concat())
}

fn link() -> impl Strategy<Value = String> {
    prop_oneof![
        "https://haiphong\\.gov\\.vn/[a-z0-9-]{1,40}\\?id=[0-9]{1,6}&b=[<>\"&a-z]{0,4}",
        text(3000).prop_map(|t| format!("https://x.vn/{t}")),
    ]
}

/// A followed item's attachments: hostile names, long or hostile URLs.
fn attachments() -> impl Strategy<Value = Vec<Attachment>> {
    prop_oneof![
        2 => Just(vec![]),
        1 => prop::collection::vec(
            (prop_oneof![3 => text(300), 1 => entityish()], link())
                .prop_map(|(name, url)| Attachment { name, url }),
            0..12,
        ),
    ]
}

fn documents() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        2 => Just(vec![]),
        1 => prop::collection::vec(prop_oneof![3 => text(200), 1 => entityish()], 0..40),
    ]
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        prop_oneof![4 => text(9000), 1 => entityish()],
        prop::option::of(prop_oneof![4 => text(12000), 1 => entityish()]),
        prop_oneof![4 => text(80), 1 => text(5000), 1 => entityish()],
        prop::option::of(link()),
        attachments(),
        documents(),
    )
        .prop_map(
            |(title, teaser, byline, link, attachments, documents)| Parts {
                title,
                teaser,
                byline,
                link,
                attachments,
                documents,
            },
        )
}

#[test]
fn the_validator_rejects_what_it_must() {
    assert!(validate("<b>a &amp; b</b>\n<i>x</i>\n<a href=\"h?a=1&amp;b\">y</a>").is_ok());
    for bad in [
        "<b>x",
        "<b><i>x</b></i>",
        "a & b",
        "a > b",
        "<u>x</u>",
        "<a href=\"x&y\">z</a>",
        "&lt",
        "<a href=x>y</a>",
    ] {
        assert!(validate(bad).is_err(), "{bad}");
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn html_messages_are_valid_and_fit(p in parts()) {
        let m = html(&p);
        let parsed = validate(&m).map_err(|e| TestCaseError::fail(format!("{e}\n{m}")))?;
        prop_assert_eq!(&parsed.visible, &visible_text(&m), "visible_text agrees");
        let units = utf16_len(&parsed.visible);
        prop_assert!(units <= MAX_UTF16, "{} units", units);
        // The first attachments' links, whole and in order, then the link.
        let mut hrefs = parsed.hrefs.clone();
        if let Some(l) = &p.link {
            let last = hrefs.pop();
            prop_assert_eq!(last.as_ref(), Some(l), "the link is intact");
        }
        let urls: Vec<String> = p.attachments.iter().map(|a| a.url.clone()).collect();
        prop_assert!(hrefs.len() <= 5 && urls.starts_with(&hrefs), "{:?}", hrefs);
        let inputs = format!(
            "{}{}{}{}{:?}{:?}",
            p.title,
            p.byline,
            p.teaser.as_deref().unwrap_or(""),
            p.link.as_deref().unwrap_or(""),
            p.attachments,
            p.documents,
        );
        prop_assert!(!m.contains('\u{fffd}') || inputs.contains('\u{fffd}'), "no split character");
    }

    #[test]
    fn plain_messages_fit(p in parts()) {
        let m = plain(&p);
        prop_assert!(utf16_len(&m) <= MAX_UTF16, "{} units", utf16_len(&m));
        if let Some(l) = p.link.as_deref().filter(|l| utf16_len(l) <= 2048) {
            prop_assert!(m.ends_with(&format!("\n{l}")), "the link is intact");
        }
    }
}

// ---------------------------------------------------------------------------
// Article pages: document numbers and the sanitised text

fn issuer() -> impl Strategy<Value = String> {
    prop::sample::select(&["UBND", "TTg", "BGDĐT", "SGDĐT", "HĐND", "CP", "VP"][..])
        .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(cases(256))]

    /// Prose and a file name spell one document with one key.
    #[test]
    fn a_document_has_one_key_in_prose_and_in_file_names(
        n in 1u32..99_999,
        abbr in prop::sample::select(&["KH", "QĐ", "TB", "HD", "NQ"][..]),
        issuer in issuer(),
        spaced in any::<bool>(),
    ) {
        use tinkhac::article::docnum;
        let sep = if spaced { " / " } else { "/" };
        let prose = docnum::find(&format!("ban hành văn bản số {n}{sep}{abbr}-{issuer} ngày 2/3/2025"));
        let mut file = Vec::new();
        docnum::find_in_file_name(&format!("{n}-{abbr}-{issuer}_{}.pdf", "van-ban"), &mut file);
        prop_assert_eq!(prose.len(), 1, "{:?}", prose);
        prop_assert_eq!(file.len(), 1, "{:?}", file);
        prop_assert_eq!(&prose[0].key, &file[0].key);
        prop_assert_eq!(&prose[0].number, &format!("{n}/{abbr}-{issuer}"));
    }

    /// Any text: no panic, and the main text never carries markup that runs.
    #[test]
    fn any_page_reads_without_panic_and_its_text_is_clean(body in text(400), title in text(60)) {
        let page = format!(
            "<html><head><title>{title}</title></head><body><h1>{title}</h1>\
             <p>{body}</p><p>{body}<script>alert(1)</script><a href=\"javascript:x()\" onclick=\"y()\">a</a></p>\
             <p>{}</p></body></html>",
            "Nội dung bài viết về giáo dục của thành phố. ".repeat(4)
        );
        let _ = tinkhac::article::docnum::find(&body);
        let a = tinkhac::article::extract_html(
            &page,
            &Url::parse("https://example.vn/a").unwrap(),
            chrono::Utc::now(),
            chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
            &tinkhac::item::Limits::default(),
        );
        if let Some(t) = a.text {
            let lower = t.html.to_lowercase();
            prop_assert!(!lower.contains("<script") && !lower.contains("javascript:") && !lower.contains("onclick"), "{}", t.html);
        }
    }
}

//! What a followed item (one whose article page the follow-up has read)
//! shows subscribers, through the daemon's own HTTP server: the article's
//! text, its attachments and its document numbers in RSS (checked with
//! feedparser and feed-rs), Atom and JSON Feed (feed-rs), and on the status
//! page, and the Telegram message (accepted by the Bot API stand-in, its
//! preview the article's); hostile text from the article stays inert
//! everywhere. Items that were never followed render as before (`golden.rs`
//! pins their bytes).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tinkhac::item::{AttachmentRef, DocumentRef, Followed, Item};
use tinkhac::publish::http::{self, AppState};
use tinkhac::store::Store;
use tokio_util::sync::CancellationToken;

use crate::support;

/// Text no renderer may let through as markup, or let end a CDATA section.
const HOSTILE: &str = "<script>alert(\"x&y\")</script> ]]> 'q' &amp;";

/// The article of a plan with two attachments and three document numbers.
fn plan_article() -> Followed {
    Followed {
        text_html: Some(
            "<p>Ủy ban nhân dân thành phố ban hành <a href=\"https://haiphong.gov.vn/vb/211\" \
             title=\"Kế hoạch ]]> số 211\">Kế hoạch số 211/KH-UBND</a> về tuyển sinh lớp 10.</p>\
             <p>Điểm chuẩn ]]&gt; năm trước &amp; &lt;script&gt; không đổi.</p>"
                .into(),
        ),
        image: Some("https://haiphong.gov.vn/anh/tuyen-sinh.jpg".into()),
        byline: Some("Minh Anh".into()),
        attachments: vec![
            AttachmentRef {
                url: "https://haiphong.gov.vn/files/211-KH-UBND.pdf".into(),
                name: "Kế hoạch 211/KH-UBND".into(),
                file_name: "211-KH-UBND.pdf".into(),
                content_type: Some("application/pdf; charset=binary".into()),
                length: Some(182_344),
            },
            AttachmentRef {
                url: "https://haiphong.gov.vn/files/phu-luc.xlsx?v=2&t=1".into(),
                name: "phu-luc.xlsx".into(),
                file_name: "phu-luc.xlsx".into(),
                content_type: None,
                length: None,
            },
        ],
        documents: vec![
            doc("Kế hoạch", "211/KH-UBND", "211-KH-UBND"),
            doc("Quyết định", "489/QĐ-TTg", "489-QĐ-TTG"),
            doc("Thông tư", "29/2024/TT-BGDĐT", "29-2024-TT-BGDĐT"),
        ],
    }
}

fn doc(kind: &str, number: &str, key: &str) -> DocumentRef {
    DocumentRef {
        kind: kind.into(),
        number: number.into(),
        key: key.into(),
    }
}

/// An article whose every field is hostile, and one attachment whose URL
/// is not http(s).
fn hostile_article() -> Followed {
    Followed {
        text_html: Some(format!("<p>{}</p>", HOSTILE.replace('<', "&lt;"))),
        image: Some("javascript:alert(1)".into()),
        byline: Some(HOSTILE.into()),
        attachments: vec![
            AttachmentRef {
                url: "javascript:alert(2)".into(),
                name: "độc.pdf".into(),
                file_name: "doc.pdf".into(),
                content_type: None,
                length: None,
            },
            AttachmentRef {
                url: "https://so.example.vn/f/a.docx?x=1&y=%22".into(),
                name: HOSTILE.into(),
                file_name: "a.docx".into(),
                content_type: Some("not a type".into()),
                length: Some(7),
            },
        ],
        documents: vec![doc(HOSTILE, "1/KH-UBND", "1-KH-UBND")],
    }
}

fn item(n: i64, title: &str, article: Option<Followed>) -> Item {
    let published = chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, 30, 8, 0, 0)
        .unwrap()
        + chrono::Duration::minutes(n);
    let link = format!("https://haiphong.gov.vn/tin/{n}");
    Item {
        id: link.clone(),
        title: title.into(),
        link: Some(link),
        guid: None,
        summary: Some(format!("Tóm tắt của tin {n}…")),
        published,
        date_estimated: false,
        first_seen: Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap(),
        sources: vec!["hp".into()],
        topics: vec![],
        article,
    }
}

/// A store holding, newest first: the plan, the hostile article, and an
/// item never followed; and the daemon's server on it.
struct Served {
    _cfg: support::TestConfig,
    base: String,
    stop: CancellationToken,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn served() -> Served {
    let cfg = support::config(
        "[[source]]\nid = \"hp\"\nname = \"Cổng TTĐT Hải Phòng\"\nurl = \"https://haiphong.gov.vn/tin-tuc\"\n",
    );
    let store = Store::open(&cfg.config.storage.path, 1 << 20).unwrap();
    for i in [
        item(
            3,
            "Kế hoạch tuyển sinh lớp 10 năm học 2026–2027",
            Some(plan_article()),
        ),
        item(2, "Thông báo của Sở", Some(hostile_article())),
        item(1, "Tin chưa theo dõi", None),
    ] {
        assert!(store.import_item(&i).unwrap());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let state = AppState::new(Arc::new(cfg.config.clone()), store);
    tokio::spawn(http::serve(listener, state, stop.clone()));
    Served {
        _cfg: cfg,
        base: format!("http://{addr}"),
        stop,
    }
}

/// GET `path` as a feed reader does (a browser would get the HTML page).
async fn get(s: &Served, path: &str, accept: &str) -> String {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

fn parse(text: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn content(entry: &feed_rs::model::Entry) -> &str {
    entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .unwrap_or("")
}

fn categories(entry: &feed_rs::model::Entry) -> Vec<(&str, Option<&str>, Option<&str>)> {
    entry
        .categories
        .iter()
        .map(|c| (c.term.as_str(), c.scheme.as_deref(), c.label.as_deref()))
        .collect()
}

fn authors(entry: &feed_rs::model::Entry) -> Vec<&str> {
    entry.authors.iter().map(|p| p.name.as_str()).collect()
}

const PDF: &str = "https://haiphong.gov.vn/files/211-KH-UBND.pdf";
const XLSX: &str = "https://haiphong.gov.vn/files/phu-luc.xlsx?v=2&t=1";
const SCHEME: &str = "urn:tinkhac:so-hieu-van-ban";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rss_carries_the_text_the_first_attachment_and_the_document_numbers() {
    let s = served().await;
    let xml = get(&s, "/feed.xml", "application/rss+xml").await;
    assert!(!xml.contains("<script"), "{xml}");
    let feed = parse(&xml);
    assert_eq!(feed.entries.len(), 3);
    let plan = &feed.entries[0];
    assert!(
        content(plan).contains("Kế hoạch số 211/KH-UBND</a> về tuyển sinh"),
        "{plan:?}"
    );
    assert!(content(plan).contains("Điểm chuẩn ]]&gt; năm trước &amp; &lt;script&gt;"));
    assert!(
        content(plan).contains("title=\"Kế hoạch ]]> số 211\""),
        "a ]]> in the text does not end its CDATA section early"
    );
    assert_eq!(plan.media.len(), 1, "RSS has one enclosure");
    let enclosure = &plan.media[0].content[0];
    assert_eq!(enclosure.url.as_ref().map(|u| u.as_str()), Some(PDF));
    assert_eq!(enclosure.size, Some(182_344));
    assert_eq!(
        enclosure.content_type.as_ref().map(|t| t.to_string()),
        Some("application/pdf".to_string())
    );
    assert_eq!(
        categories(plan),
        [
            ("Kế hoạch 211/KH-UBND", Some(SCHEME), None),
            ("Quyết định 489/QĐ-TTg", Some(SCHEME), None),
            ("Thông tư 29/2024/TT-BGDĐT", Some(SCHEME), None),
        ]
    );
    assert_eq!(authors(plan), ["Minh Anh"], "the byline is the author");

    let hostile = &feed.entries[1];
    assert_eq!(authors(hostile), [HOSTILE]);
    assert_eq!(
        categories(hostile),
        [(format!("{HOSTILE} 1/KH-UBND").as_str(), Some(SCHEME), None)]
    );
    // The javascript: attachment is never written; the next one is.
    let enclosure = &hostile.media[0].content[0];
    assert_eq!(
        enclosure.url.as_ref().map(|u| u.as_str()),
        Some("https://so.example.vn/f/a.docx?x=1&y=%22")
    );
    assert_eq!(
        enclosure.content_type.as_ref().map(|t| t.to_string()),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document".into()),
        "a type the server gave wrong is guessed from the file name"
    );
    assert!(!xml.contains("javascript:"));

    let plain = &feed.entries[2];
    assert!(plain.content.is_none() && plain.media.is_empty() && plain.categories.is_empty());
    assert_eq!(
        authors(plain),
        ["Cổng TTĐT Hải Phòng"],
        "no byline: the source"
    );
}

/// feedparser, the reference liberal parser, reads the followed RSS with
/// bozo 0 and finds the text, the enclosure and the categories.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedparser_reads_the_followed_rss_without_bozo() {
    let available = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        support::tool_missing(
            "feedparser_reads_the_followed_rss_without_bozo",
            "python3 with feedparser is not installed (apt-get install python3-feedparser)",
        );
        return;
    }
    let s = served().await;
    let xml = get(&s, "/feed.xml", "application/rss+xml").await;
    let path = s._cfg.path.with_file_name("followed.xml");
    std::fs::write(&path, &xml).unwrap();
    let script = "import sys, json, feedparser\n\
        d = feedparser.parse(sys.argv[1])\n\
        print(json.dumps({'bozo': int(d.bozo), 'exc': str(d.get('bozo_exception', '')),\n\
        'entries': [{'content': [c.value for c in e.get('content', [])],\n\
        'enclosures': [[x.get('href'), x.get('length'), x.get('type')] for x in e.get('enclosures', [])],\n\
        'tags': [[t.get('term'), t.get('scheme')] for t in e.get('tags', [])],\n\
        'author': e.get('author')} for e in d.entries]}))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["bozo"], 0, "feedparser: {}", got["exc"]);
    let plan = &got["entries"][0];
    let text = plan["content"][0].as_str().unwrap();
    assert!(text.contains("Kế hoạch số 211/KH-UBND"), "{text}");
    assert!(text.contains("]]&gt;"), "the CDATA held: {text}");
    assert_eq!(
        plan["enclosures"],
        serde_json::json!([[PDF, "182344", "application/pdf"]])
    );
    assert_eq!(
        plan["tags"],
        serde_json::json!([
            ["Kế hoạch 211/KH-UBND", SCHEME],
            ["Quyết định 489/QĐ-TTg", SCHEME],
            ["Thông tư 29/2024/TT-BGDĐT", SCHEME]
        ])
    );
    assert_eq!(plan["author"], "Minh Anh");
    let hostile = &got["entries"][1];
    assert_eq!(hostile["author"], HOSTILE);
    let text = hostile["content"][0].as_str().unwrap();
    assert!(!text.contains("<script"), "{text}");
    assert!(got["entries"][2]["enclosures"] == serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_and_json_feed_carry_the_text_every_attachment_and_the_documents() {
    let s = served().await;
    let atom = get(&s, "/feed.atom", "application/atom+xml").await;
    assert!(
        !atom.contains("<script") && !atom.contains("javascript:"),
        "{atom}"
    );
    let feed = parse(&atom);
    let plan = &feed.entries[0];
    let c = plan.content.as_ref().unwrap();
    assert_eq!(c.content_type.to_string(), "text/html");
    assert!(content(plan).contains("Kế hoạch số 211/KH-UBND</a> về tuyển sinh"));
    assert!(content(plan).contains("]]&gt;"));
    type Enclosure<'a> = (&'a str, Option<&'a str>, Option<u64>, Option<&'a str>);
    let enclosures: Vec<Enclosure> = plan
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("enclosure"))
        .map(|l| {
            (
                l.href.as_str(),
                l.media_type.as_deref(),
                l.length,
                l.title.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        enclosures,
        [
            (
                PDF,
                Some("application/pdf"),
                Some(182_344),
                Some("Kế hoạch 211/KH-UBND")
            ),
            (
                XLSX,
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                None,
                Some("phu-luc.xlsx")
            ),
        ]
    );
    assert_eq!(
        categories(plan),
        [
            ("211-KH-UBND", Some(SCHEME), Some("Kế hoạch 211/KH-UBND")),
            ("489-QĐ-TTG", Some(SCHEME), Some("Quyết định 489/QĐ-TTg")),
            (
                "29-2024-TT-BGDĐT",
                Some(SCHEME),
                Some("Thông tư 29/2024/TT-BGDĐT")
            ),
        ]
    );
    assert_eq!(authors(plan), ["Minh Anh"]);
    assert_eq!(authors(&feed.entries[1]), [HOSTILE]);
    assert!(feed.entries[2].content.is_none());

    let json = get(&s, "/feed.json", "application/feed+json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let item = &v["items"][0];
    assert_eq!(item["image"], "https://haiphong.gov.vn/anh/tuyen-sinh.jpg");
    assert_eq!(
        item["attachments"],
        serde_json::json!([
            {"url": PDF, "mime_type": "application/pdf", "title": "Kế hoạch 211/KH-UBND",
             "size_in_bytes": 182344},
            {"url": XLSX,
             "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "title": "phu-luc.xlsx"}
        ])
    );
    assert_eq!(
        item["tags"],
        serde_json::json!([
            "Kế hoạch 211/KH-UBND",
            "Quyết định 489/QĐ-TTg",
            "Thông tư 29/2024/TT-BGDĐT"
        ])
    );
    assert!(
        v["items"][1].get("image").is_none(),
        "javascript: is no image"
    );
    assert_eq!(v["items"][1]["attachments"].as_array().unwrap().len(), 1);
    let plain = &v["items"][2];
    for key in ["content_html", "image", "attachments"] {
        assert!(plain.get(key).is_none(), "{key}");
    }
    let feed = parse(&json);
    let plan = &feed.entries[0];
    assert!(content(plan).contains("Kế hoạch số 211/KH-UBND</a>"));
    let attachments: Vec<(&str, Option<u64>)> = plan
        .links
        .iter()
        .skip(1)
        .map(|l| (l.href.as_str(), l.length))
        .collect();
    assert_eq!(attachments, [(PDF, Some(182_344)), (XLSX, None)]);
    assert_eq!(plan.categories.len(), 3);
    assert_eq!(authors(plan), ["Minh Anh"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_attachments_and_document_numbers() {
    let s = served().await;
    let html = get(&s, "/", "text/html").await;
    assert!(
        html.contains(&format!("<a href=\"{}\">Kế hoạch 211/KH-UBND</a>", PDF)),
        "{html}"
    );
    assert!(html.contains(
        "<a href=\"https://haiphong.gov.vn/files/phu-luc.xlsx?v=2&amp;t=1\">phu-luc.xlsx</a>"
    ));
    assert!(html.contains(
        "<ul class=\"tags docs\" aria-label=\"Văn bản\"><li>Kế hoạch 211/KH-UBND</li>\
         <li>Quyết định 489/QĐ-TTg</li><li>Thông tư 29/2024/TT-BGDĐT</li></ul>"
    ));
    // Hostile names are text; a javascript: attachment is not a link.
    assert!(!html.contains("<script"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(html.contains("<span>độc.pdf</span>"));
    assert!(html
        .contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; ]]&gt; 'q' &amp;amp;"));
    assert_eq!(html.matches("📎").count(), 4, "one per attachment");
    // The item never followed has neither.
    let plain = &html[html.find("Tin chưa theo dõi").unwrap()..];
    let plain = &plain[..plain.find("</li>").unwrap()];
    assert!(!plain.contains("📎"));
}

/// A followed item's Telegram message, from the item as stored: the lines
/// it adds, and the 4096-unit limit kept with a long article.
#[test]
fn the_telegram_message_of_a_followed_item_links_its_attachments() {
    use tinkhac::notify::message::{html, plain, visible_text, Parts, MAX_UTF16};
    let mut plan = item(3, "Kế hoạch tuyển sinh lớp 10", Some(plan_article()));
    let m = html(&Parts::from_item(&plan, "Cổng TTĐT Hải Phòng"));
    assert!(
        m.contains(&format!("\n📎 <a href=\"{PDF}\">211-KH-UBND.pdf</a>\n")),
        "{m}"
    );
    assert!(m.contains(
        "\n📎 <a href=\"https://haiphong.gov.vn/files/phu-luc.xlsx?v=2&amp;t=1\">phu-luc.xlsx</a>\n"
    ));
    assert!(m.contains(
        "\nVăn bản: Kế hoạch 211/KH-UBND, Quyết định 489/QĐ-TTg, Thông tư 29/2024/TT-BGDĐT\n"
    ));
    plan.summary = Some("Theo kế hoạch của thành phố, ".repeat(400));
    let parts = Parts::from_item(&plan, "Cổng TTĐT Hải Phòng");
    let units = |s: &str| s.encode_utf16().count();
    let m = html(&parts);
    assert!(units(&visible_text(&m)) <= MAX_UTF16);
    assert!(
        m.contains("phu-luc.xlsx</a>"),
        "the teaser is cut, not the attachments"
    );
    assert!(units(&plain(&parts)) <= MAX_UTF16);

    let hostile = item(2, HOSTILE, Some(hostile_article()));
    let m = html(&Parts::from_item(&hostile, HOSTILE));
    assert!(!m.contains("<script") && !m.contains("javascript:"), "{m}");
    assert_eq!(
        m.matches("<a href=").count(),
        2,
        "one attachment and the link"
    );
}

/// Sent to a stand-in of the Bot API, which parses HTML as Telegram does:
/// the followed messages are accepted whole, and their preview is the
/// article's link, not the first attachment's (Telegram's default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_accepts_the_followed_message_and_previews_the_article() {
    use tinkhac::notify::message::{html, plain, Parts};
    use tinkhac::notify::telegram::{Patience, Secret, Telegram};
    const TOKEN: &str = "123456:TEST-token_abc";
    let bot = crate::standin::BotStandIn::start(TOKEN).await;
    // Six messages at once: the channel's pace is not what is tested here.
    bot.set_limits(std::time::Duration::ZERO, 1000);
    let cfg = support::config(&format!(
        "{}\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"{}\"\ntimeout = \"3s\"\n",
        support::shipped_topics_toml(),
        bot.api_url()
    ));
    let telegram =
        Telegram::new(cfg.config.telegram.as_ref().unwrap(), Secret::new(TOKEN)).unwrap();
    let mut long = item(4, "Kế hoạch dài", Some(plan_article()));
    long.summary = Some("Theo kế hoạch của thành phố, ".repeat(400));
    let items = [
        item(3, "Kế hoạch tuyển sinh lớp 10", Some(plan_article())),
        item(2, HOSTILE, Some(hostile_article())),
        long,
    ];
    let mut want = Vec::new();
    for i in &items {
        let parts = Parts::from_item(i, "Cổng TTĐT Hải Phòng");
        for (text, is_html) in [(html(&parts), true), (plain(&parts), false)] {
            telegram
                .send(&text, is_html, Patience::Normal)
                .await
                .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
            want.push((text, i.link.clone()));
        }
    }
    let got: Vec<(String, Option<String>)> = bot
        .sent()
        .into_iter()
        .map(|s| (s.text, s.preview_url))
        .collect();
    assert_eq!(got, want);
}

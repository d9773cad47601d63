//! Hostile input meets the caps and the cleaning on the way in: huge lists,
//! huge titles, markup in teasers, control and bidi characters, and
//! backups that were tampered with.

use axum::routing::get;
use axum::Router;

use crate::support::{config, stand_in, tinkhac, tinkhac_async};

/// Serve `body` as `text/html` at `/p` on 127.0.0.1:0.
async fn serve(routes: Vec<(&'static str, &'static str, String)>) -> String {
    let mut app = Router::new();
    for (path, ctype, body) in routes {
        app = app.route(
            path,
            get(move || {
                let body = body.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, ctype)], body) }
            }),
        );
    }
    format!("http://{}", stand_in(app).await)
}

fn channel(rss: &str) -> rss::Channel {
    rss::Channel::read_from(rss.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{rss}"))
}

/// Before: a page of 165,000 headline links stored 165,000 items in one
/// poll, and a 10 MB title was stored whole and weighed down every feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_lists_and_huge_titles_are_capped_before_the_store() {
    let mut page = String::from("<html><body><h2>Tin khác</h2><ul>");
    for i in 0..3000 {
        page += &format!(
            "<li><a href=\"/tin/bai-so-{i}.html\">Thông báo của thành phố về việc số {i}</a> 23/12/2025</li>"
        );
    }
    page += "</ul></body></html>";
    let title = "Tiêu đề rất dài ".repeat(60_000); // ~1 MB
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>http://x.test/</link>\
         <description>d</description><item><title>{title}</title><link>http://x.test/dai</link>\
         <description>{}</description></item></channel></rss>",
        "Tóm tắt dài. ".repeat(10_000)
    );
    let base = serve(vec![
        ("/p", "text/html; charset=utf-8", page),
        ("/f", "application/rss+xml", feed),
    ])
    .await;
    let cfg = config(&format!(
        "[limits]\nitems_per_poll = 100\n\n\
         [[source]]\nid = \"dai\"\nurl = \"{base}/p\"\n\n\
         [[source]]\nid = \"tieu-de\"\nurl = \"{base}/f\"\n"
    ));
    let out = tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("over the [limits] caps"), "{log}");

    let out = tinkhac(&cfg.path, &["feed", "--source", "dai"]);
    let listing = channel(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(listing.items().len(), 100, "items_per_poll keeps 100");

    let out = tinkhac(&cfg.path, &["feed", "--source", "tieu-de"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(xml.len() < 20_000, "the feed weighs {} bytes", xml.len());
    let c = channel(&xml);
    let item = &c.items()[0];
    let t = item.title().unwrap();
    assert!(t.chars().count() <= 500 && t.ends_with('…'), "{t}");
    let d = item.description().unwrap();
    assert!(d.chars().count() <= 2000 && d.ends_with('…'), "{d}");
}

/// Before: RSS carried the teaser raw in CDATA, so a teaser reading
/// `"><a href="javascript:…">` was a live link in feed readers; bidi
/// overrides and control characters reached every format.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_text_is_text_in_every_feed() {
    let teaser = "\"><a href=\"javascript:alert(10)\">x</a><img src=x onerror=alert(1)>";
    let page = format!(
        "<html><body><h2>Tin khác</h2><ul>{}</ul></body></html>",
        (0..4)
            .map(|i| format!(
                "<li><a href=\"/tin/{i}.html\">Tin \u{202E}ngược chiều\u{202C} về giao thông số {i}</a>\
                 <p>{}</p> 23/12/2025</li>",
                teaser.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
            ))
            .collect::<String>()
    );
    let base = serve(vec![("/p", "text/html; charset=utf-8", page)]).await;
    let cfg = config(&format!("[[source]]\nid = \"p\"\nurl = \"{base}/p\"\n"));
    let out = tinkhac_async(cfg.path.clone(), vec!["once"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(tinkhac(&cfg.path, &["feed"]).stdout).unwrap();
    assert!(
        !xml.contains('\u{202E}') && !xml.contains('\u{202C}'),
        "{xml}"
    );
    let c = channel(&xml);
    assert_eq!(c.items().len(), 4, "{xml}");
    for item in c.items() {
        // What a reader renders as HTML: the teaser, escaped, so no element.
        let html = item.description().expect("the teaser");
        assert!(!html.contains('<'), "markup in the description: {html}");
        assert!(html.contains("&lt;a href=&quot;javascript:"), "{html}");
    }
}

/// Before: `import` stored whatever a backup said: control characters made
/// `/feed.xml` invalid XML and a `javascript:` link was published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_backup_is_held_to_the_same_rules() {
    let cfg = config("");
    let item = |id: &str, link: &str, title: &str| {
        serde_json::json!({
            "id": id, "title": title, "link": link, "guid": null,
            "summary": "Tóm\u{1b}[2J tắt\u{0}", "published": "2025-12-23T08:00:00+07:00",
            "first_seen": "2025-12-23T01:00:00Z", "sources": ["cu"], "topics": []
        })
        .to_string()
    };
    let backup = [
        item("javascript:alert(1)", "javascript:alert(1)", "Bấm vào đây"),
        item(
            "https://x.test/a",
            "https://x.test/a",
            "Tin\u{7} hợp lệ\u{202E} số một",
        ),
    ]
    .join("\n");
    let file = cfg.path.with_file_name("backup.jsonl");
    std::fs::write(&file, backup).unwrap();
    let out = tinkhac(&cfg.path, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 items added"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 refused"));
    let xml = String::from_utf8(tinkhac(&cfg.path, &["feed"]).stdout).unwrap();
    let c = channel(&xml);
    assert!(!xml.contains("javascript:"), "{xml}");
    assert_eq!(c.items().len(), 1);
    assert_eq!(c.items()[0].title(), Some("Tin hợp lệ số một"));
    assert_eq!(c.items()[0].description(), Some("Tóm[2J tắt"));
}

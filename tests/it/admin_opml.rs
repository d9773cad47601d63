//! The web admin's OPML page (`/admin/opml`) against the real daemon: the
//! download is what `tinkhac feeds export` writes; an import is shown
//! outline by outline, then written as `tinkhac feeds import` writes it
//! (comments kept, duplicates skipped), and the daemon reloads. Malformed
//! lists, forms without their CSRF token and stale forms change nothing.

use std::time::Duration;

use reqwest::header;
use reqwest::StatusCode;
use tinkhac::config::Config;

use crate::admin_web::{client, get_page, hidden, login, one_source_daemon, page_with, post_form};
use crate::support::{self, TestPortal};

const TOKEN: &str = "mật-khẩu-opml-3";
/// What a browser puts between the parts of a file upload.
const BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

/// The document without its `dateCreated` line (the time it was written).
fn undated(opml: &str) -> String {
    opml.lines()
        .filter(|l| !l.trim_start().starts_with("<dateCreated>"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_download_is_what_feeds_export_writes() {
    let portal = TestPortal::start().await;
    let (cfg, _, _d, base) = one_source_daemon(&portal, TOKEN).await;
    let c = client();
    let r = c
        .get(format!("{base}/admin/opml/tai-xuong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "no session, no list");
    assert_eq!(r.headers()[header::LOCATION], "/admin/login");

    let (_, cookie) = login(&c, &base, TOKEN).await;
    let (status, page) = get_page(&c, &format!("{base}/admin/opml"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/admin/opml/tai-xuong\""), "{page}");
    let r = c
        .get(format!("{base}/admin/opml/tai-xuong"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"tinkhac-nguon-tin-")
            && disposition.ends_with(".opml\""),
        "{disposition}"
    );
    assert!(r.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/x-opml"));
    let downloaded = r.text().await.unwrap();
    let out = support::tinkhac_async(cfg.path.clone(), vec!["feeds", "export"]).await;
    assert!(out.status.success(), "{out:?}");
    let exported = String::from_utf8(out.stdout).unwrap();
    assert!(
        exported.contains("tinkhac:id=\"thuy-nguyen\""),
        "{exported}"
    );
    assert_eq!(undated(&downloaded), undated(&exported));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opml_list_is_shown_then_imported_and_bad_forms_change_nothing() {
    let portal = TestPortal::start().await;
    let (cfg, original, mut d, base) = one_source_daemon(&portal, TOKEN).await;
    let listed = cfg.config.source("thuy-nguyen").unwrap().url.to_string();
    let new_url = portal.url("/gen/giao-duc.rss").to_string();
    let opml = format!(
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>Từ máy khác</title></head><body>\n\
         <outline text=\"Sở GD&amp;ĐT &lt;script&gt;alert(1)&lt;/script&gt;\" type=\"rss\" xmlUrl=\"{new_url}\"/>\n\
         <outline text=\"Thuỷ Nguyên (bản cũ)\" type=\"rss\" xmlUrl=\"{listed}\"/>\n\
         <outline text=\"Hỏng\" type=\"rss\" xmlUrl=\"ftp://tep.example.vn/tin\"/>\n\
         </body></opml>\n"
    );
    let c = client();
    let (_, cookie) = login(&c, &base, TOKEN).await;
    let (_, form_page) = get_page(&c, &format!("{base}/admin/opml"), &cookie).await;
    let csrf = hidden(&form_page, "csrf");
    let post = async |path: &str, fields: Vec<(&str, String)>| {
        post_form(&c, &format!("{base}{path}"), &cookie, &fields).await
    };
    let unchanged = || assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);

    // Without the CSRF token: refused, nothing read.
    let r = post("/admin/opml/xem-truoc", vec![("opml", opml.clone())]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    unchanged();

    // Malformed: a Vietnamese error and the text back in the form.
    let broken = "<opml version=\"2.0\"><body><outline text=\"x\"></body></opml>";
    let r = post(
        "/admin/opml/xem-truoc",
        vec![("csrf", csrf.clone()), ("opml", broken.into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("Tệp OPML không đọc được"), "{page}");
    assert!(page.contains("line 1"), "the place is named: {page}");
    unchanged();

    // Over the size cap: refused, nothing read.
    let r = post(
        "/admin/opml/xem-truoc",
        vec![("csrf", csrf.clone()), ("opml", "x".repeat(1024 * 1024))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("Tệp OPML quá lớn"));
    unchanged();

    // A file that is not text: refused, nothing read.
    let upload = |file: &[u8]| {
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                 --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"tep\"; filename=\"ds.opml\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(
            format!(
                "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"opml\"\r\n\r\n\r\n--{BOUNDARY}--\r\n"
            )
            .as_bytes(),
        );
        c.post(format!("{base}/admin/opml/xem-truoc"))
            .header(header::COOKIE, &cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };
    let r = upload(b"\xff\xfe<\x00o\x00").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Không đọc được tệp tải lên"));
    unchanged();

    // The preview of the uploaded file: each outline and what becomes of
    // it; the file untouched.
    let r = upload(opml.as_bytes()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let preview = r.text().await.unwrap();
    assert!(!preview.contains("<script>"), "inert: {preview}");
    assert!(
        preview.contains("Sở GD&amp;ĐT &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{preview}"
    );
    assert!(
        preview.contains("Thêm</span> với mã <code>so-gd-dt-script-alert-1-script</code>"),
        "{preview}"
    );
    assert!(
        preview.contains("Đã có</span> địa chỉ này đã có trong feeds.toml (nguồn «thuy-nguyen»)"),
        "{preview}"
    );
    assert!(
        preview.contains("Không thêm</span> không dùng được"),
        "{preview}"
    );
    assert!(
        preview.contains("<strong>1 sẽ được thêm</strong>, 2 bỏ qua"),
        "{preview}"
    );
    assert!(
        preview.contains("name=\"opml\" value=\""),
        "the list rides along: {preview}"
    );
    unchanged();
    let version = hidden(&preview, "version");

    // Confirming without the token, or with a malformed list: nothing.
    let r = post(
        "/admin/opml",
        vec![("version", version.clone()), ("opml", opml.clone())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        "/admin/opml",
        vec![
            ("csrf", csrf.clone()),
            ("version", version.clone()),
            ("opml", broken.into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    unchanged();

    // Confirmed: written as `feeds import` writes it.
    let confirm = vec![
        ("csrf", csrf.clone()),
        ("version", version.clone()),
        ("opml", opml.clone()),
    ];
    let r = post("/admin/opml", confirm.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/admin/opml?them=1");
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    let config = Config::load(&cfg.path).unwrap();
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["thuy-nguyen", "so-gd-dt-script-alert-1-script"]);
    let added = config.source("so-gd-dt-script-alert-1-script").unwrap();
    assert_eq!(added.name, "Sở GD&ĐT <script>alert(1)</script>");
    assert_eq!(added.url.as_str(), new_url);
    assert!(text.starts_with(&original[..original.find("# --- chủ đề ---").unwrap()]));
    assert!(text.contains("# Thuỷ Nguyên: thử một tháng.") && text.contains("# --- chủ đề ---"));
    let line = d
        .log_line(
            "web admin: sources imported from an OPML list",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        line.contains("added=1") && line.contains("skipped=2"),
        "{line}"
    );
    let (_, done) = get_page(&c, &format!("{base}/admin/opml?them=1"), &cookie).await;
    assert!(done.contains("Đã thêm 1 nguồn vào feeds.toml"), "{done}");

    // The daemon reloaded: the sources page lists it, its name inert.
    let page = page_with(
        &c,
        &format!("{base}/admin/"),
        &cookie,
        "id=\"nguon-so-gd-dt-script-alert-1-script\"",
        Duration::from_secs(20),
    )
    .await;
    assert!(!page.contains("<script>"), "{page}");

    // The same confirmation again: the file changed since, refused.
    let r = post("/admin/opml", confirm).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), text);
    assert!(
        d.log.iter().all(|l| !l.contains(TOKEN)),
        "no secret in the log"
    );
}

//! The web admin's pages about one source: «Sửa» (`/admin/source/{id}/edit`)
//! writes only what changed, under the CSRF and file-version checks, and
//! the running daemon takes it.

use std::time::Duration;

use reqwest::header;
use reqwest::StatusCode;

use crate::admin_web::{client, feeds_toml, get_page, hidden, login, server, TOKEN};
use crate::support::TestPortal;

/// The fields of `page`'s edit form with `changes` applied, as a browser
/// would post them.
fn edit_body(page: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut body: Vec<(String, String)> = ["csrf", "version", "name", "interval"]
        .iter()
        .map(|k| (k.to_string(), hidden(page, k)))
        .collect();
    for k in ["items", "title", "link", "date", "summary", "date_format"] {
        body.push((format!("scrape_{k}"), hidden(page, &format!("scrape_{k}"))));
    }
    body.push(("follow".into(), String::new()));
    for (k, v) in changes {
        match body.iter_mut().find(|(n, _)| n == k) {
            Some(field) => field.1 = v.to_string(),
            None => body.push((k.to_string(), v.to_string())),
        }
    }
    body
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    body: &[(String, String)],
) -> reqwest::Response {
    client
        .post(url)
        .header(header::COOKIE, cookie)
        .form(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_writes_only_what_changed_and_the_daemon_takes_it() {
    let portal = TestPortal::start().await;
    let (cfg, original, mut d, base) = crate::admin_web::one_source_daemon(&portal, TOKEN).await;
    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let (_, sources) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    assert!(
        sources.contains("href=\"/admin/source/thuy-nguyen/edit\""),
        "a «Sửa» link per source:\n{sources}"
    );
    let url = format!("{base}/admin/source/thuy-nguyen/edit");
    let (status, page) = get_page(&client, &url, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hidden(&page, "interval"), "", "no interval written yet");

    let name = "Thuỷ Nguyên – tin tức";
    let body = edit_body(&page, &[("interval", "30m"), ("name", name)]);
    let r = post(&client, &url, &cookie, &body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, "/admin/?da=sua&nguon=thuy-nguyen");

    // Exactly that change: two keys under the source's last one.
    let source_url = format!(
        "url = \"{}\"\n",
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html"))
    );
    let want = original.replacen(
        &source_url,
        &format!("{source_url}name = \"{name}\"\ninterval = \"30m\"\n"),
        1,
    );
    assert_ne!(want, original);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), want);

    d.wait_log("configuration reloaded", 1, Duration::from_secs(60))
        .await;
    d.wait_log(
        "web admin: source fields changed",
        1,
        Duration::from_secs(60),
    )
    .await;
    let logged = d
        .log
        .iter()
        .find(|l| l.contains("web admin: source fields changed"))
        .expect("the edit is logged");
    assert!(
        logged.contains("thuy-nguyen") && logged.contains("name, interval"),
        "{logged}"
    );
    assert!(d.log.iter().all(|l| !l.contains(TOKEN)), "no secret logged");
    let st: serde_json::Value = reqwest::get(format!("{base}/status.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["sources"][0]["interval"], "30m", "{st}");
    assert_eq!(st["sources"][0]["name"], name, "{st}");
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(
        page.contains("Đã sửa nguồn") && page.contains("30 phút"),
        "{page}"
    );

    // The same form again changes nothing more.
    let (_, page) = get_page(&client, &url, &cookie).await;
    assert_eq!(hidden(&page, "interval"), "30m");
    let r = post(&client, &url, &cookie, &edit_body(&page, &[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), want);
}

#[tokio::test]
async fn an_edit_without_its_csrf_token_or_from_a_stale_form_changes_nothing() {
    let mut s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let url = format!("{}/admin/source/so-gddt/edit", s.base);
    let (status, page) = get_page(&s.client, &url, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let before = std::fs::read(&s.path).unwrap();

    let mut body = edit_body(&page, &[("interval", "45m")]);
    body.retain(|(k, _)| k != "csrf");
    let r = post(&s.client, &url, &cookie, &body).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Biểu mẫu không hợp lệ"));
    assert_eq!(std::fs::read(&s.path).unwrap(), before);

    // Someone edits the file by hand after the form was shown.
    let mut text = std::fs::read_to_string(&s.path).unwrap();
    text.push_str("# ghi chú viết tay\n");
    std::fs::write(&s.path, &text).unwrap();
    let body = edit_body(&page, &[("interval", "45m")]);
    let r = post(&s.client, &url, &cookie, &body).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("feeds.toml đã thay đổi"));
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), text);
    assert!(s.reloads.try_recv().is_err(), "no reload was asked for");

    // An unknown source is a 404, not a new one.
    let (status, _) = get_page(
        &s.client,
        &format!("{}/admin/source/khong-co/edit", s.base),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_interval_is_refused_in_vietnamese_and_nothing_is_written() {
    let mut s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let url = format!("{}/admin/source/so-gddt/edit", s.base);
    let (_, page) = get_page(&s.client, &url, &cookie).await;
    let before = std::fs::read(&s.path).unwrap();
    for (field, bad, says) in [
        ("interval", "nửa giờ", "Chu kỳ không hợp lệ"),
        ("scrape_title", "h3 > a", "Thiếu bộ chọn «Mỗi tin»"),
        ("scrape_items", "li[[", "Bộ chọn CSS không hợp lệ"),
    ] {
        let body = edit_body(&page, &[(field, bad)]);
        let r = post(&s.client, &url, &cookie, &body).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{field}");
        let again = r.text().await.unwrap();
        assert!(again.contains(says), "{field}: {again}");
        // The form comes back with what was typed, to fix it.
        assert_eq!(hidden(&again, field).replace("&gt;", ">"), bad);
        assert_eq!(std::fs::read(&s.path).unwrap(), before, "{field}");
    }
    assert!(s.reloads.try_recv().is_err());
}

#[tokio::test]
async fn a_script_in_a_source_name_is_inert_on_the_edit_page() {
    // `feeds add` names a source by its page's <title>.
    let hostile = r#"<script>alert(\"x\")</script><img src=x onerror=alert(1)>"#;
    let s = server(&feeds_toml("http://127.0.0.1/", hostile), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let (status, page) = get_page(
        &s.client,
        &format!("{}/admin/source/so-gddt/edit", s.base),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("<script") && !page.contains("<img"),
        "{page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert("),
        "shown as text:\n{page}"
    );
}

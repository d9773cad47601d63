//! The web admin's pages about one source: «Sửa» (`/admin/source/{id}/edit`)
//! writes only what changed, under the CSRF and file-version checks, and
//! the running daemon takes it.

use std::time::Duration;

use reqwest::header;
use reqwest::StatusCode;

use crate::admin_web::{client, feeds_toml, get_page, hidden, login, post_form, server, TOKEN};
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
    let r = post_form(&client, &url, &cookie, &body).await;
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
    let logged = d
        .log_line("web admin: source fields changed", Duration::from_secs(60))
        .await;
    assert!(
        logged.contains("thuy-nguyen") && logged.contains("name, interval"),
        "{logged}"
    );
    assert!(d.log.iter().all(|l| !l.contains(TOKEN)), "no secret logged");
    let st = crate::admin::status_json(&base).await;
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
    let r = post_form(&client, &url, &cookie, &edit_body(&page, &[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, "/admin/?da=khong-doi&nguon=thuy-nguyen");
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), want);
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(page.contains("Không có gì thay đổi"), "{page}");
    d.wait_log("web admin: nothing to change", 1, Duration::from_secs(60))
        .await;
    let reloads = d
        .log
        .iter()
        .filter(|l| l.contains("configuration reloaded"))
        .count();
    assert_eq!(reloads, 1, "nothing written, nothing reloaded");
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
    let r = post_form(&s.client, &url, &cookie, &body).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Biểu mẫu không hợp lệ"));
    assert_eq!(std::fs::read(&s.path).unwrap(), before);

    // Someone edits the file by hand after the form was shown.
    let mut text = std::fs::read_to_string(&s.path).unwrap();
    text.push_str("# ghi chú viết tay\n");
    std::fs::write(&s.path, &text).unwrap();
    let body = edit_body(&page, &[("interval", "45m")]);
    let r = post_form(&s.client, &url, &cookie, &body).await;
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
        let r = post_form(&s.client, &url, &cookie, &body).await;
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

/// A city portal's news page that auto-detection reads: a list of dated
/// rows.
const LISTING: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Tin tức – Phường Hồng Bàng</title></head><body>
<nav><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></nav>
<div id="tin"><ul>
<li><a href="/tin-tuc/hop-bao-quy-ba-3001.html">Họp báo thông tin kinh tế xã hội quý ba</a> <span>12/09/2026</span></li>
<li><a href="/tin-tuc/trao-hoc-bong-3002.html">Trao học bổng cho học sinh vượt khó học giỏi</a> <span>10/09/2026</span></li>
<li><a href="/tin-tuc/nha-van-hoa-3003.html">Khánh thành nhà văn hoá tổ dân phố số bảy</a> <span>08/09/2026</span></li>
</ul></div></body></html>"#;

/// A ward's page whose news sit in repeated blocks, one of them dated: no
/// list auto-detection takes, but one `suggest_repeated` pins.
const BLOCKS: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Phường An Biên</title></head><body>
<div id="danh-sach">
<div><h4><a href="/bai/khai-giang-4001.html">Lễ khai giảng năm học mới tại trường tiểu học An Biên</a></h4><p>Không khí tưng bừng của ngày hội đến trường.</p><i>05/09/2026</i></div>
<div><h4><a href="/bai/ve-sinh-4002.html">Ra quân dọn vệ sinh môi trường khu dân cư</a></h4><p>Đoàn viên thanh niên cùng người dân tham gia.</p></div>
<div><h4><a href="/bai/phong-chay-4003.html">Tập huấn phòng cháy chữa cháy cho hộ kinh doanh</a></h4><p>Hướng dẫn sử dụng bình chữa cháy.</p></div>
<div><h4><a href="/bai/cu-tri-4004.html">Hội nghị tiếp xúc cử tri của phường An Biên</a></h4><p>Cử tri nêu nhiều kiến nghị.</p></div>
</div></body></html>"#;

/// A page with no news at all.
const NOTHING: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Liên hệ</title></head><body><p>Mọi thắc mắc xin gửi về bộ phận một cửa.</p></body></html>"#;

/// The portal stand-in on 127.0.0.1: the pages above.
async fn portal() -> String {
    let html = |body: &'static str| {
        move || async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) }
    };
    let app = axum::Router::new()
        .route("/tin-tuc", axum::routing::get(html(LISTING)))
        .route("/an-bien", axum::routing::get(html(BLOCKS)))
        .route("/an-bien-2", axum::routing::get(html(BLOCKS)))
        .route("/khong-co", axum::routing::get(html(NOTHING)));
    format!("http://{}", crate::support::stand_in(app).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_sao_explains_a_page_and_pins_one_it_cannot_read() {
    let site = portal().await;
    let body = format!(
        "[[source]]\nid = \"hong-bang\"\nurl = \"{site}/tin-tuc\"\n\n\
         # Phường An Biên: trang cũ.\n[[source]]\nid = \"an-bien\"\nname = \"An Biên\"\n\
         url = \"{site}/an-bien\"\n\n# --- chủ đề ---\n{}",
        crate::support::shipped_topics_toml()
    );
    let cfg = crate::support::config(&body);
    let original = std::fs::read_to_string(&cfg.path).unwrap();
    let mut d = crate::support::Daemon::start(&cfg.path, &[("TINKHAC_ADMIN_TOKEN", TOKEN)]);
    d.wait_log("polled source=hong-bang", 1, Duration::from_secs(60))
        .await;
    let base = format!("http://127.0.0.1:{}", crate::admin::port_of(&d));
    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let (_, sources) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    assert!(
        sources.contains("href=\"/admin/source/an-bien/why\""),
        "{sources}"
    );

    // (a) A page auto-detection reads: its items, and why.
    let (status, why) = get_page(
        &client,
        &format!("{base}/admin/source/hong-bang/why"),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for want in [
        "Họp báo thông tin kinh tế xã hội quý ba",
        "Khánh thành nhà văn hoá tổ dân phố số bảy",
        "12/09/2026",
        "3 tin",
        "Khối được dùng (1)",
        "một danh sách: 3 phần tử cùng loại, mỗi phần tử một liên kết bài viết, 3 có ngày",
    ] {
        assert!(why.contains(want), "{want} in\n{why}");
    }
    assert!(!why.contains("Dùng bộ chọn này"), "nothing to pin:\n{why}");
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);

    // (b) A page it cannot read: selectors offered, with what they give.
    let (status, why) = get_page(
        &client,
        &format!("{base}/admin/source/an-bien/why"),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for want in [
        "Không lấy được tin nào",
        "Bộ chọn gợi ý",
        "items = &quot;#danh-sach &gt; div&quot;",
        "Ra quân dọn vệ sinh môi trường khu dân cư",
        "Dùng bộ chọn này",
    ] {
        assert!(why.contains(want), "{want} in\n{why}");
    }
    assert_eq!(
        hidden(&why, "scrape_items").replace("&gt;", ">"),
        "#danh-sach > div"
    );
    let form: Vec<(String, String)> = ["csrf", "version", "scrape_items", "scrape_title"]
        .iter()
        .map(|k| (k.to_string(), hidden(&why, k).replace("&gt;", ">")))
        .collect();
    let r = post_form(
        &client,
        &format!("{base}/admin/source/an-bien/scrape"),
        &cookie,
        &form,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        "/admin/?da=bo-chon&nguon=an-bien"
    );
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    let anchor = format!("url = \"{site}/an-bien\"\n");
    assert_eq!(
        text,
        original.replacen(
            &anchor,
            &format!(
                "{anchor}\n[source.scrape]\nitems = \"#danh-sach > div\"\ntitle = \"h4 > a\"\n"
            ),
            1
        ),
        "only the rules are added"
    );
    d.wait_log(
        "web admin: source fields changed",
        1,
        Duration::from_secs(60),
    )
    .await;
    assert!(d
        .log
        .iter()
        .any(|l| l.contains("source fields changed") && l.contains("scrape")));

    // «Vì sao» now shows the rules in force and what they match.
    let (_, why) = get_page(
        &client,
        &format!("{base}/admin/source/an-bien/why"),
        &cookie,
    )
    .await;
    for want in [
        "items = &quot;#danh-sach &gt; div&quot;",
        "Lần lấy tin sẽ được <strong>4 tin</strong>",
        "theo các bộ chọn ở trên",
        "Hội nghị tiếp xúc cử tri của phường An Biên",
    ] {
        assert!(why.contains(want), "{want} in\n{why}");
    }
    assert!(!why.contains("Dùng bộ chọn này"), "{why}");

    // The daemon reads the page with them: «Lấy ngay» harvests its items.
    let (_, sources) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    let form: Vec<(String, String)> = ["csrf", "version"]
        .iter()
        .map(|k| (k.to_string(), hidden(&sources, k)))
        .collect();
    let r = post_form(
        &client,
        &format!("{base}/admin/source/an-bien/poll"),
        &cookie,
        &form,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let polled = d
        .log_line("polled source=an-bien", Duration::from_secs(60))
        .await;
    assert!(polled.contains("found=4"), "{polled}");
}

#[tokio::test]
async fn a_previewed_page_without_a_list_is_added_with_the_suggested_selectors() {
    let site = portal().await;
    let mut s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let (_, form) = get_page(&s.client, &format!("{}/admin/add", s.base), &cookie).await;
    let url = format!("{site}/an-bien-2");
    let r = post_form(
        &s.client,
        &format!("{}/admin/add/preview", s.base),
        &cookie,
        &[("csrf", hidden(&form, "csrf")), ("url", url)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview = r.text().await.unwrap();
    for want in [
        "Bộ chọn gợi ý",
        "Tập huấn phòng cháy chữa cháy cho hộ kinh doanh",
        "Thêm nguồn này",
    ] {
        assert!(preview.contains(want), "{want} in\n{preview}");
    }
    let mut body: Vec<(String, String)> =
        ["csrf", "version", "url", "scrape_items", "scrape_title"]
            .iter()
            .map(|k| (k.to_string(), hidden(&preview, k).replace("&gt;", ">")))
            .collect();
    body.push(("id".into(), "an-bien".into()));
    body.push(("name".into(), "Phường An Biên".into()));
    let r = post_form(&s.client, &format!("{}/admin/add", s.base), &cookie, &body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let config = tinkhac::config::Config::load(&s.path).unwrap();
    let scrape = config
        .source("an-bien")
        .and_then(|s| s.scrape.as_ref())
        .expect("added with its rules");
    assert_eq!(scrape.items.0, "#danh-sach > div");
    assert_eq!(scrape.title.as_ref().unwrap().0, "h4 > a");
    assert!(s.reloads.try_recv().is_ok());
}

/// `preview --suggest` offers what «Vì sao» offers for a page of repeated
/// blocks, and says it is not auto-detection's list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_suggest_offers_the_repeated_blocks_vi_sao_offers() {
    let site = portal().await;
    let cfg = crate::support::config(&format!(
        "[[source]]\nid = \"an-bien\"\nurl = \"{site}/an-bien\"\n"
    ));
    let out =
        crate::support::tinkhac_async(cfg.path.clone(), vec!["preview", "--suggest", "an-bien"])
            .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("auto-detection found no list"), "{stdout}");
    assert!(
        stdout.ends_with("[source.scrape]\nitems = \"#danh-sach > div\"\ntitle = \"h4 > a\"\n\n"),
        "{stdout:?}"
    );

    // A page with neither is still an error that says where to look.
    let cfg = crate::support::config(&format!(
        "[[source]]\nid = \"trong\"\nurl = \"{site}/khong-co\"\n"
    ));
    let out =
        crate::support::tinkhac_async(cfg.path.clone(), vec!["preview", "--suggest", "trong"])
            .await;
    assert!(!out.status.success());
}

/// A source read as a feed is offered no CSS selectors (it has nothing for
/// them to pick from); a page is.
#[tokio::test]
async fn a_feed_s_edit_form_offers_no_selectors() {
    let text = feeds_toml("http://127.0.0.1/", "Sở GD").replacen(
        "url = \"https://so-gddt.example.vn/tin\"\n",
        "url = \"https://so-gddt.example.vn/tin\"\nkind = \"feed\"\n",
        1,
    );
    let s = server(&text, Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let edit = |id: &str| format!("{}/admin/source/{id}/edit", s.base);
    let (status, feed) = get_page(&s.client, &edit("so-gddt"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!feed.contains("name=\"scrape_items\""), "{feed}");
    assert!(feed.contains("RSS, Atom hoặc JSON"), "{feed}");
    let (_, page) = get_page(&s.client, &edit("thuy-nguyen"), &cookie).await;
    assert!(page.contains("name=\"scrape_items\""), "{page}");
}

//! The web admin (`/admin/`), as a browser without JavaScript uses it: plain
//! requests with the session cookie and the forms' hidden fields. Security
//! first (no token, no page; no session, no page; wrong tokens limited; no
//! CSRF token, no change; a stale form, no change), then an edit that the
//! running daemon picks up.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header;
use reqwest::StatusCode;
use tinkhac::config::Config;
use tinkhac::publish::http::{self, AppState};
use tinkhac::store::Store;
use tokio_util::sync::CancellationToken;

use crate::admin::{port_of, status_json};
use crate::support::{self, Daemon, TestPortal};

pub(crate) const TOKEN: &str = "mật-khẩu-quản-trị-42";

/// `feeds.toml` with two sources and the admin's comments around them.
pub(crate) fn feeds_toml(base_url: &str, first_name: &str) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ntitle = \"Tin thử\"\nbase_url = \"{base_url}\"\n\n\
         [storage]\npath = \"store\"\n\n[fetch]\ninterval = \"10m\"\ntimeout = \"2s\"\n\n\
         # Sở Giáo dục: hỏi chị Lan trước khi đổi.\n\
         [[source]]\nid = \"so-gddt\"\nname = \"{first_name}\"\nurl = \"https://so-gddt.example.vn/tin\"\n\n\
         # Huyện Thuỷ Nguyên: trang tin chính.\n\
         [[source]]\nid = \"thuy-nguyen\"\nname = \"Thuỷ Nguyên\"\nurl = \"https://thuynguyen.example.vn/tin\"\n\
         # cuối tệp: ghi chú của quản trị\n"
    )
}

/// The server over a store alone, as the daemon wires it, on 127.0.0.1:0.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) path: std::path::PathBuf,
    pub(crate) client: reqwest::Client,
    stop: CancellationToken,
    pub(crate) reloads: tokio::sync::mpsc::Receiver<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub(crate) async fn server(text: &str, token: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let store = Store::open(&config.storage.path, 1 << 20).unwrap();
    let (tx, reloads) = tokio::sync::mpsc::channel(8);
    let state = AppState::new(Arc::new(config), store)
        .with_reload(tx)
        .with_admin_token(token.map(str::to_string));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(http::serve(listener, state, stop.clone()));
    Server {
        base,
        path,
        client: client(),
        stop,
        reloads,
        _dir: dir,
    }
}

/// A client that shows redirects instead of following them.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Log in; returns the `Set-Cookie` header and the `name=value` to send back.
pub(crate) async fn login(client: &reqwest::Client, base: &str, token: &str) -> (String, String) {
    let r = client
        .post(format!("{base}/admin/login"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the right token logs in");
    assert_eq!(r.headers()[header::LOCATION], "/admin/");
    let set = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    let pair = set.split(';').next().unwrap().to_string();
    (set, pair)
}

pub(crate) async fn get_page(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
) -> (StatusCode, String) {
    let r = client
        .get(url)
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The admin page at `url` once it holds `needle`, asked for every 100 ms
/// (each answer a 200); the test fails after `within` with the page as it
/// is.
pub(crate) async fn page_with(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    needle: &str,
    within: Duration,
) -> String {
    let deadline = std::time::Instant::now() + within;
    loop {
        let (status, page) = get_page(client, url, cookie).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        if page.contains(needle) {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{url} never showed {needle:?}:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A daemon with the web admin on (`token`), polling one source of `portal`
/// under comments that every edit must keep, once it has polled it: its
/// configuration, the file as written, the daemon and its address.
pub(super) async fn one_source_daemon(
    portal: &TestPortal,
    token: &str,
) -> (support::TestConfig, String, Daemon, String) {
    let body = format!(
        "# Thuỷ Nguyên: thử một tháng.\n[[source]]\nid = \"thuy-nguyen\"\nurl = \"{}\"\n\n\
         # --- chủ đề ---\n{}",
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html")),
        support::shipped_topics_toml()
    );
    let cfg = support::config(&body);
    let original = std::fs::read_to_string(&cfg.path).unwrap();
    let mut d = Daemon::start(&cfg.path, &[("TINKHAC_ADMIN_TOKEN", token)]);
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    (cfg, original, d, base)
}

/// Post `form`'s fields to `url` with the session `cookie`, as a browser
/// submits a form.
pub(crate) async fn post_form<F: serde::Serialize + ?Sized>(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    form: &F,
) -> reqwest::Response {
    client
        .post(url)
        .header(header::COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Post to `url` the CSRF token and the file version that `page`'s form
/// carries, as a browser submitting it would.
async fn submit(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    page: &str,
) -> reqwest::Response {
    let form = [
        ("csrf", hidden(page, "csrf")),
        ("version", hidden(page, "version")),
    ];
    post_form(client, url, cookie, &form).await
}

/// A hidden field's value in a page's form.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} field in:\n{html}"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn without_an_admin_token_there_is_no_admin() {
    let s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), None).await;
    for path in [
        "/admin/",
        "/admin/login",
        "/admin",
        "/admin/source/so-gddt/remove",
    ] {
        let r = s
            .client
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = s
        .client
        .post(format!("{}/admin/login", s.base))
        .form(&[("token", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The public pages are there: it is the admin that is missing.
    let r = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn without_a_session_every_admin_page_sends_to_the_login() {
    let s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    for path in [
        "/admin/",
        "/admin/add",
        "/admin/source/so-gddt/remove",
        "/admin/source/so-gddt/edit",
        "/admin/source/so-gddt/why",
        "/admin/opml",
        "/admin/opml/tai-xuong",
        "/admin/chu-de",
        "/admin/kenh",
        "/admin/kenh/bo?tin=0",
    ] {
        for cookie in ["", "tinkhac_admin=0123456789abcdef"] {
            let r = s
                .client
                .get(format!("{}{path}", s.base))
                .header(header::COOKIE, cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path} {cookie:?}");
            assert_eq!(r.headers()[header::LOCATION], "/admin/login");
        }
    }
    // Every form's POST, without a session: to the login, nothing changed.
    let before = std::fs::read(&s.path).unwrap();
    for path in [
        "/admin/add",
        "/admin/add/preview",
        "/admin/source/so-gddt/remove",
        "/admin/source/so-gddt/pause",
        "/admin/source/so-gddt/resume",
        "/admin/source/so-gddt/poll",
        "/admin/source/so-gddt/edit",
        "/admin/source/so-gddt/scrape",
        "/admin/opml",
        "/admin/opml/xem-truoc",
        "/admin/chu-de/thu",
        "/admin/chu-de/giao-duc",
        "/admin/chu-de/giao-duc/xem-truoc",
        "/admin/chu-de/giao-duc/ap-dung",
        "/admin/kenh/gui-lai",
        "/admin/kenh/bo",
        "/admin/kenh/thu",
    ] {
        let r = s
            .client
            .post(format!("{}{path}", s.base))
            .form(&[("csrf", "x"), ("version", "y"), ("interval", "1m")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[header::LOCATION], "/admin/login", "{path}");
    }
    assert_eq!(std::fs::read(&s.path).unwrap(), before);
    let (status, page) = get_page(&s.client, &format!("{}/admin/login", s.base), "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Mã quản trị") && page.contains("type=\"password\""));
}

#[tokio::test]
async fn wrong_tokens_are_refused_then_rate_limited() {
    let s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let try_token = |token: &'static str| {
        let (client, base) = (s.client.clone(), s.base.clone());
        async move {
            client
                .post(format!("{base}/admin/login"))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
        }
    };
    for wrong in [
        "",
        "mật-khẩu",
        "MẬT-KHẨU-QUẢN-TRỊ-42",
        "x",
        "mật-khẩu-quản-trị-4",
    ] {
        let r = try_token(wrong).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{wrong:?}");
        assert!(r.headers().get(header::SET_COOKIE).is_none());
        assert!(r.text().await.unwrap().contains("Sai mã quản trị"));
    }
    // Over the limit even the right token waits.
    let r = try_token(TOKEN).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()[header::RETRY_AFTER], "60");
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains("Quá nhiều lần đăng nhập sai"), "{page}");
}

#[tokio::test]
async fn the_right_token_opens_a_session_in_a_strict_cookie() {
    let s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (set, cookie) = login(&s.client, &s.base, TOKEN).await;
    let attrs: Vec<&str> = set.split(';').map(str::trim).collect();
    for want in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=43200",
    ] {
        assert!(attrs.contains(&want), "{want} in {set}");
    }
    assert!(!attrs.contains(&"Secure"), "plain http base_url: {set}");
    let id = cookie.strip_prefix("tinkhac_admin=").unwrap();
    assert!(
        id.len() >= 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );

    let (status, page) = get_page(&s.client, &format!("{}/admin/", s.base), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    for want in [
        "Quản lý nguồn tin",
        "Sở GD",
        "so-gddt",
        "Thuỷ Nguyên",
        "10 phút",
        "Xoá",
    ] {
        assert!(page.contains(want), "{want} in\n{page}");
    }
    // A second login is another session; logging out ends only its own.
    let (_, other) = login(&s.client, &s.base, TOKEN).await;
    assert_ne!(other, cookie);
    let r = post_form(
        &s.client,
        &format!("{}/admin/logout", s.base),
        &cookie,
        &[("csrf", hidden(&page, "csrf"))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let (status, _) = get_page(&s.client, &format!("{}/admin/", s.base), &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "logged out");
    let (status, _) = get_page(&s.client, &format!("{}/admin/", s.base), &other).await;
    assert_eq!(status, StatusCode::OK, "the other session lives on");

    // Behind https the cookie is Secure.
    let s = server(&feeds_toml("https://tin.example.vn/", "Sở GD"), Some(TOKEN)).await;
    let (set, _) = login(&s.client, &s.base, TOKEN).await;
    assert!(set.split(';').any(|a| a.trim() == "Secure"), "{set}");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let mut s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let url = format!("{}/admin/source/so-gddt/remove", s.base);
    let (status, form) = get_page(&s.client, &url, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let version = hidden(&form, "version");
    let csrf = hidden(&form, "csrf");
    let before = std::fs::read(&s.path).unwrap();
    // The right token but its last digit.
    let last = if csrf.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &csrf[..csrf.len() - 1]);
    assert_ne!(wrong, csrf);
    let bodies: [Vec<(&str, &str)>; 3] = [
        vec![("version", &version)],
        vec![("csrf", ""), ("version", &version)],
        vec![("csrf", &wrong), ("version", &version)],
    ];
    for body in bodies {
        let r = post_form(&s.client, &url, &cookie, &body).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{body:?}");
        assert!(r.text().await.unwrap().contains("Biểu mẫu không hợp lệ"));
        assert_eq!(std::fs::read(&s.path).unwrap(), before, "{body:?}");
    }
    // Another session's token is no better.
    let (_, other) = login(&s.client, &s.base, TOKEN).await;
    let r = post_form(
        &s.client,
        &url,
        &other,
        &[("csrf", csrf.as_str()), ("version", &version)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read(&s.path).unwrap(), before);
    // Every other form of the admin too.
    for (path, body) in [
        (
            "/admin/source/so-gddt/pause",
            vec![("version", version.as_str())],
        ),
        (
            "/admin/add",
            vec![
                ("version", version.as_str()),
                ("url", "https://moi.example.vn/tin"),
                ("id", "moi"),
                ("name", "Mới"),
            ],
        ),
        (
            "/admin/add/preview",
            vec![("url", "https://moi.example.vn/tin")],
        ),
        ("/admin/logout", vec![]),
        (
            "/admin/source/so-gddt/edit",
            vec![
                ("version", version.as_str()),
                ("name", "Đổi tên"),
                ("interval", "1m"),
            ],
        ),
        (
            "/admin/source/so-gddt/scrape",
            vec![("version", version.as_str()), ("items", "li")],
        ),
        (
            "/admin/opml",
            vec![
                ("version", version.as_str()),
                (
                    "opml",
                    "<opml version=\"2.0\"><body><outline xmlUrl=\"https://moi.example.vn/rss\"/></body></opml>",
                ),
            ],
        ),
        (
            "/admin/chu-de/giao-duc",
            vec![("version", version.as_str()), ("keywords", "học sinh")],
        ),
        ("/admin/kenh/gui-lai", vec![("tin", "0")]),
        ("/admin/kenh/bo", vec![("tin", "0")]),
        ("/admin/kenh/thu", vec![]),
    ] {
        let r = post_form(&s.client, &format!("{}{path}", s.base), &cookie, &body).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(std::fs::read(&s.path).unwrap(), before, "{path}");
    }
    let (status, _) = get_page(&s.client, &format!("{}/admin/", s.base), &cookie).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a logout without its token does not log out"
    );
    assert!(s.reloads.try_recv().is_err(), "no reload was asked for");
}

#[tokio::test]
async fn a_form_rendered_before_another_edit_is_refused() {
    let mut s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let url = format!("{}/admin/source/so-gddt/remove", s.base);
    let (_, form) = get_page(&s.client, &url, &cookie).await;
    // Someone edits the file by hand meanwhile.
    let mut text = std::fs::read_to_string(&s.path).unwrap();
    text.push_str("# một ghi chú mới, viết tay\n");
    std::fs::write(&s.path, &text).unwrap();
    let r = submit(&s.client, &url, &cookie, &form).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("feeds.toml đã thay đổi"));
    assert_eq!(
        std::fs::read_to_string(&s.path).unwrap(),
        text,
        "the hand edit stays"
    );
    assert!(s.reloads.try_recv().is_err());

    // A form rendered from the file as it is now goes through.
    let (_, form) = get_page(&s.client, &url, &cookie).await;
    let r = submit(&s.client, &url, &cookie, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = std::fs::read_to_string(&s.path).unwrap();
    assert!(!after.contains("so-gddt") && after.contains("# một ghi chú mới, viết tay"));
    assert!(
        s.reloads.try_recv().is_ok(),
        "the daemon is asked to reload"
    );
}

#[tokio::test]
async fn a_script_in_a_portal_title_is_inert_on_the_admin_pages() {
    // `feeds add` names a source by its page's <title>.
    let hostile = r#"<script>alert(\"x\")</script><img src=x onerror=alert(1)>"#;
    let s = server(&feeds_toml("http://127.0.0.1/", hostile), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    for path in [
        "/admin/",
        "/admin/source/so-gddt/remove",
        "/admin/source/so-gddt/edit",
        "/admin/source/so-gddt/why",
    ] {
        let (status, page) = get_page(&s.client, &format!("{}{path}", s.base), &cookie).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !page.contains("<script") && !page.contains("<img"),
            "{path}:\n{page}"
        );
        assert!(
            page.contains("&lt;script&gt;alert(\"x\")&lt;/script&gt;&lt;img")
                || page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img"),
            "{path}: shown as text:\n{page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_removed_through_the_form_leaves_the_file_and_the_daemon() {
    let portal = TestPortal::start().await;
    let body = format!(
        "# Nguồn chính của phòng, đừng xoá.\n[[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\n\n\
         # Thuỷ Nguyên: thử một tháng.\n[[source]]\nid = \"thuy-nguyen\"\nurl = \"{}\"\n\n\
         # ghi chú cuối tệp\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html")),
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html"))
    );
    let cfg = support::config(&body);
    let mut d = Daemon::start(&cfg.path, &[("TINKHAC_ADMIN_TOKEN", TOKEN)]);
    d.wait_log(" polled ", 2, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let (status, page) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("thuy-nguyen") && page.contains("/admin/source/thuy-nguyen/remove"));

    let url = format!("{base}/admin/source/thuy-nguyen/remove");
    let (status, form) = get_page(&client, &url, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Xoá nguồn này"), "{form}");
    let r = submit(&client, &url, &cookie, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, "/admin/?da=xoa&nguon=thuy-nguyen");

    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert!(!text.contains("id = \"thuy-nguyen\""), "{text}");
    for kept in [
        "# Nguồn chính của phòng, đừng xoá.",
        "id = \"hp-giao-duc\"",
        "# ghi chú cuối tệp",
    ] {
        assert!(text.contains(kept), "{kept} in\n{text}");
    }
    d.wait_log("configuration reloaded", 1, Duration::from_secs(60))
        .await;
    let removed = d
        .log_line("web admin: source removed", Duration::from_secs(60))
        .await;
    assert!(
        removed.contains("thuy-nguyen") && !removed.contains(TOKEN),
        "{removed}"
    );
    let st = status_json(&base).await;
    let ids: Vec<&str> = st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hp-giao-duc"]);
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(page.contains("Đã xoá nguồn"), "{page}");
    assert!(!page.contains("/admin/source/thuy-nguyen/remove"), "{page}");
    assert!(
        d.log.iter().all(|l| !l.contains(TOKEN)),
        "no secret in the log"
    );
}

/// Each source's `next_poll` in `/status.json` (null: not scheduled).
async fn next_polls(base: &str) -> Vec<(String, serde_json::Value)> {
    let st = status_json(base).await;
    st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["next_poll"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_source_is_not_scheduled_until_resumed() {
    let portal = TestPortal::start().await;
    let body = format!(
        "[[source]]\nid = \"hp-giao-duc\"\nurl = \"{}\"\n\n\
         # Thuỷ Nguyên: thử một tháng.\n[[source]]\nid = \"thuy-nguyen\"\nurl = \"{}\"\n",
        portal.url(&portal.path_of("hp-danh-muc-giao-duc.html")),
        portal.url(&portal.path_of("thuynguyen-tin-tuc.html"))
    );
    let cfg = support::config(&body);
    let original = std::fs::read_to_string(&cfg.path).unwrap();
    let mut d = Daemon::start(&cfg.path, &[("TINKHAC_ADMIN_TOKEN", TOKEN)]);
    d.wait_log(" polled ", 2, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let post = |action: &'static str, page: String| {
        let (client, base, cookie) = (client.clone(), base.clone(), cookie.clone());
        async move {
            let url = format!("{base}/admin/source/thuy-nguyen/{action}");
            submit(&client, &url, &cookie, &page).await
        }
    };

    let (_, page) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    assert!(page.contains("/admin/source/thuy-nguyen/pause"), "{page}");
    let r = post("pause", page).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert_eq!(
        text,
        original.replace(
            "[[source]]\nid = \"thuy-nguyen\"",
            "[[source]]\npaused = true\nid = \"thuy-nguyen\""
        )
    );
    d.wait_log(
        "paused: not polled until resumed",
        1,
        Duration::from_secs(60),
    )
    .await;
    let polls = next_polls(&base).await;
    assert!(polls[0].1.is_string(), "{polls:?}");
    assert_eq!(polls[1].0, "thuy-nguyen");
    assert!(polls[1].1.is_null(), "paused: not scheduled: {polls:?}");
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(page.contains("Đã tạm dừng nguồn"), "{page}");
    assert!(page.contains("/admin/source/thuy-nguyen/resume"), "{page}");

    let r = post("resume", page).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);
    d.wait_log("configuration reloaded", 2, Duration::from_secs(60))
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let polls = next_polls(&base).await;
        if polls[1].1.is_string() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never rescheduled: {polls:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_added_from_its_url_is_previewed_written_and_polled() {
    let portal = TestPortal::start().await;
    let (cfg, original, mut d, base) = one_source_daemon(&portal, TOKEN).await;
    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let (status, form) = get_page(&client, &format!("{base}/admin/add"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden(&form, "csrf");

    // A URL already listed is refused before anything is read.
    let listed = portal.url(&portal.path_of("thuynguyen-tin-tuc.html"));
    let r = post_form(
        &client,
        &format!("{base}/admin/add/preview"),
        &cookie,
        &[("csrf", csrf.as_str()), ("url", listed.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("thuy-nguyen"));

    let url = portal.url(&portal.path_of("hp-danh-muc-giao-duc.html"));
    let r = post_form(
        &client,
        &format!("{base}/admin/add/preview"),
        &cookie,
        &[("csrf", csrf.as_str()), ("url", url.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview = r.text().await.unwrap();
    for want in [
        "Hải Phòng tổ chức kỳ thi chọn học sinh giỏi cấp thành phố lớp 12",
        "Đọc được",
        "12 tin",
        "Giáo dục – chính sách",
        "Thêm nguồn này",
    ] {
        assert!(preview.contains(want), "{want} in\n{preview}");
    }
    assert_eq!(
        std::fs::read_to_string(&cfg.path).unwrap(),
        original,
        "a preview writes nothing"
    );
    assert_eq!(hidden(&preview, "url"), url.as_str());
    let name = hidden(&preview, "name");
    assert!(name.starts_with("Giáo dục"), "named from its title: {name}");

    let r = post_form(
        &client,
        &format!("{base}/admin/add"),
        &cookie,
        &[
            ("csrf", hidden(&preview, "csrf").as_str()),
            ("version", &hidden(&preview, "version")),
            ("url", &hidden(&preview, "url")),
            ("id", "hp-giao-duc"),
            ("name", "Hải Phòng – Giáo dục"),
            ("interval", "20m"),
            ("topic", "giao-duc"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        "/admin/?da=them&nguon=hp-giao-duc"
    );
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    let config = Config::load(&cfg.path).unwrap();
    let added = config.source("hp-giao-duc").expect("written");
    assert_eq!(added.name, "Hải Phòng – Giáo dục");
    assert_eq!(added.interval, Duration::from_secs(20 * 60));
    assert_eq!(added.topics, ["giao-duc"]);
    assert_eq!(added.url.as_str(), url.as_str());
    assert!(
        text.starts_with(&original[..original.find("# --- chủ đề ---").unwrap()]),
        "what was there stays:\n{text}"
    );
    assert!(text.contains("# --- chủ đề ---") && text.contains("# Thuỷ Nguyên: thử một tháng."));
    // The running daemon picks it up and polls it.
    d.wait_log("configuration reloaded", 1, Duration::from_secs(60))
        .await;
    d.wait_log(" polled ", 2, Duration::from_secs(60)).await;
    assert!(
        d.log
            .iter()
            .any(|l| l.contains(" polled ") && l.contains("hp-giao-duc")),
        "{:?}",
        d.log
    );
    assert!(d
        .log
        .iter()
        .any(|l| l.contains("web admin: source added") && l.contains("hp-giao-duc")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_a_previewed_item_is_inert() {
    let portal = TestPortal::start().await;
    portal.publish([support::GenItem {
        title: "<script>alert(1)</script> Thông báo tuyển sinh".into(),
        summary: "<img src=x onerror=alert(2)> lịch thi".into(),
    }]);
    let s = server(&feeds_toml("http://127.0.0.1/", "Sở GD"), Some(TOKEN)).await;
    let (_, cookie) = login(&s.client, &s.base, TOKEN).await;
    let (_, form) = get_page(&s.client, &format!("{}/admin/add", s.base), &cookie).await;
    let url = portal.url("/gen/giao-duc.rss");
    let r = post_form(
        &s.client,
        &format!("{}/admin/add/preview", s.base),
        &cookie,
        &[("csrf", hidden(&form, "csrf")), ("url", url.to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("Thông báo tuyển sinh"), "{page}");
    assert!(
        !page.contains("<script") && !page.contains("<img"),
        "{page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lay_ngay_polls_a_source_at_once_with_its_interval_far_off() {
    // A portal that counts the GETs of its listing page.
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let page = std::fs::read(support::seeds_dir().join("hp-danh-muc-giao-duc.html")).unwrap();
    let counted = hits.clone();
    let app = axum::Router::new().route(
        "/tin",
        axum::routing::get(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let page = page.clone();
            async move {
                (
                    [(header::CONTENT_TYPE.as_str(), "text/html; charset=utf-8")],
                    page,
                )
            }
        }),
    );
    let addr = support::stand_in(app).await;
    // An hour between polls: only the click can cause a second one.
    let body = format!(
        "[[source]]\nid = \"hp-giao-duc\"\nurl = \"http://{addr}/tin\"\ninterval = \"1h\"\n\n\
         [[source]]\nid = \"nghi\"\nurl = \"http://{addr}/nghi\"\ninterval = \"1h\"\npaused = true\n"
    );
    let cfg = support::config(&body);
    let original = std::fs::read_to_string(&cfg.path).unwrap();
    let mut d = Daemon::start(&cfg.path, &[("TINKHAC_ADMIN_TOKEN", TOKEN)]);
    d.wait_log("polled source=hp-giao-duc", 1, Duration::from_secs(60))
        .await;
    let count = || hits.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(count(), 1, "the first poll");
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let (_, page) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    assert!(page.contains("/admin/source/hp-giao-duc/poll"), "{page}");
    assert!(page.contains("Lấy ngay"), "{page}");
    assert!(
        !page.contains("/admin/source/nghi/poll"),
        "a paused source has no «Lấy ngay»: {page}"
    );
    let csrf = hidden(&page, "csrf");
    let post = |id: &'static str, csrf: String| {
        let (client, base, cookie) = (client.clone(), base.clone(), cookie.clone());
        async move {
            let url = format!("{base}/admin/source/{id}/poll");
            post_form(&client, &url, &cookie, &[("csrf", csrf)]).await
        }
    };

    // Without the CSRF token nothing is polled.
    let r = post("hp-giao-duc", "sai".into()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A paused source is not woken, and the page says why.
    let r = post("nghi", csrf.clone()).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("đang tạm dừng"));
    assert_eq!(count(), 1);

    let r = post("hp-giao-duc", csrf.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, "/admin/?da=lay-ngay&nguon=hp-giao-duc");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while count() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no second GET after «Lấy ngay»"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    d.wait_log("polled source=hp-giao-duc", 2, Duration::from_secs(60))
        .await;
    let (_, page) = get_page(&client, &format!("{base}{to}"), &cookie).await;
    assert!(page.contains("Đang lấy tin"), "{page}");
    let logged = d
        .log
        .iter()
        .find(|l| l.contains("web admin: poll now requested"))
        .expect("the click is logged");
    assert!(
        logged.contains("hp-giao-duc") && !logged.contains(TOKEN),
        "{logged}"
    );
    assert_eq!(
        std::fs::read_to_string(&cfg.path).unwrap(),
        original,
        "nothing written"
    );
    assert_eq!(count(), 2, "one click, one poll");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_telegram_page_shows_why_the_channel_is_paused_and_its_queue() {
    const BOT: &str = "123456:ADMIN-web_bot";
    let portal = TestPortal::start().await;
    let bot = crate::standin::BotStandIn::start(BOT).await;
    bot.set_forbidden(true);
    let body = format!(
        "[[source]]\nid = \"gen\"\nname = \"Sở GD&ĐT\"\nurl = \"{}\"\ninterval = \"1s\"\n\n{}\n\
         [telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"{}\"\n\
         timeout = \"3s\"\nmin_interval = \"100ms\"\n",
        portal.url("/gen/giao-duc.rss"),
        support::shipped_topics_toml(),
        bot.api_url(),
    );
    let cfg = support::config(&body);
    portal.publish([support::edu(0)]);
    let mut d = Daemon::start(
        &cfg.path,
        &[("TINKHAC_ADMIN_TOKEN", TOKEN), ("TELEGRAM_BOT_TOKEN", BOT)],
    );
    // The first poll is the backlog (not pushed); what comes after is.
    d.wait_log("polled source=gen", 1, Duration::from_secs(60))
        .await;
    let hostile = support::GenItem {
        title: format!("<script>alert(1)</script> {}", support::edu(1).title),
        summary: support::edu(1).summary,
    };
    portal.publish([hostile, support::edu(2)]);
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    let client = client();
    let (status, _) = get_page(&client, &format!("{base}/admin/kenh"), "").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no session, no page");
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let page = loop {
        let (status, page) = get_page(&client, &format!("{base}/admin/kenh"), &cookie).await;
        assert_eq!(status, StatusCode::OK);
        if page.contains("Kênh đang tạm dừng gửi tin.") && page.contains("đợt 2") {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never shown paused with its queue:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for want in [
        "@kenh_thu",
        "Lý do: ",
        "Hàng đợi",
        "&lt;script&gt;alert(1)&lt;/script&gt; Thông báo tuyển sinh",
        "href=\"/admin/kenh\"",
    ] {
        assert!(page.contains(want), "{want} in\n{page}");
    }
    assert!(!page.contains("<script"), "{page}");
    assert!(bot.sent().is_empty());
    // Oldest first: the channel sends them in that order.
    assert!(page.find("đợt 1").unwrap() < page.find("đợt 2").unwrap());
}

/// `demo` with `TINKHAC_ADMIN_TOKEN` serves the web admin over its own
/// `feeds.toml`, in its throw-away directory: an edit lands there, and the
/// shipped file stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_s_web_admin_edits_the_demo_s_own_feed_list() {
    use std::io::BufRead;
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml");
    let before = std::fs::read(&shipped).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tinkhac"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .env("TMPDIR", tmp.path())
        .env("TINKHAC_ADMIN_TOKEN", TOKEN)
        .env_remove("TELEGRAM_BOT_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let _child = Kill(child);
    let line = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.contains("web admin:"))
            .expect("the demo names its web admin")
    })
    .await
    .unwrap();
    // "  web admin:     http://127.0.0.1:PORT/admin/  (… edits go to PATH)"
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches("/admin/")
        .to_string();
    let demo_toml = std::path::PathBuf::from(
        line.rsplit("edits go to ")
            .next()
            .unwrap()
            .trim_end_matches(')'),
    );
    assert!(demo_toml.starts_with(tmp.path()), "{line}");

    let client = client();
    let (_, cookie) = login(&client, &base, TOKEN).await;
    let (status, page) = get_page(&client, &format!("{base}/admin/"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/admin/source/hp-tin-tuc/pause"), "{page}");
    let r = submit(
        &client,
        &format!("{base}/admin/source/hp-tin-tuc/pause"),
        &cookie,
        &page,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let text = std::fs::read_to_string(&demo_toml).unwrap();
    assert!(
        text.contains("paused = true\nid = \"hp-tin-tuc\""),
        "{text}"
    );
    assert!(text.contains("[[topic]]"), "the shipped topics: {text}");
    assert_eq!(
        std::fs::read(&shipped).unwrap(),
        before,
        "the shipped feeds.toml is untouched"
    );
}

/// The scripts' bearer API takes the same token as the login form, letters
/// with diacritics included (they travel as UTF-8 bytes in the header).
#[tokio::test]
async fn the_bearer_api_takes_a_token_with_vietnamese_letters() {
    assert!(!TOKEN.is_ascii());
    let mut s = server(&feeds_toml("http://127.0.0.1/", "Sở GD&ĐT"), Some(TOKEN)).await;
    let reload = |token: &str| {
        s.client
            .post(format!("{}/admin/reload", s.base))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(reload(TOKEN).await.unwrap().status(), StatusCode::ACCEPTED);
    assert_eq!(
        reload("mật-khẩu-khác").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(s.reloads.try_recv().is_ok(), "the right token reloads");
    assert!(s.reloads.try_recv().is_err(), "the wrong one does not");
}

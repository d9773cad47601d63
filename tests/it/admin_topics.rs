//! The web admin's topics page (`/admin/chu-de`) against the real daemon,
//! its store holding what it polled from a test portal: headlines explained
//! as `classify --explain` explains them, an edit of a topic's lists
//! previewed on the stored items, then saved into `feeds.toml` (comments
//! kept) and put in force, or saved and applied to the stored items (the
//! topic's feed follows, the channel sends nothing); stale, invalid and
//! unprotected forms change nothing.

use std::time::Duration;

use reqwest::header;
use reqwest::StatusCode;
use tinkhac::config::Config;

use crate::admin::port_of;
use crate::admin_web::{client, get_page, hidden, login, page_with, post_form};
use crate::support::{self, Daemon, GenItem, TestPortal};

const TOKEN: &str = "mật-khẩu-chủ-đề-5";

const JOINS: &str = "Khánh thành trường mầm non Hoa Sen ở Thuỷ Nguyên";
const LEAVES: &str = "Học sinh Thuỷ Nguyên đạt giải Toán quốc gia";
const MASKED: &str = "Tuyên truyền giáo dục pháp luật cho thanh niên";
const STAYS: &str = "Ngành giáo dục chuẩn bị năm học mới";

fn topics_toml() -> &'static str {
    "# --- chủ đề ---\n\
     # Giáo dục: hỏi chị Lan trước khi đổi.\n\
     [[topic]]\n\
     id = \"giao-duc\"\n\
     name = \"Giáo dục\"\n\
     keywords = [\n  # ngành\n  \"giáo dục\",\n  # người học\n  \"học sinh\",\n]\n\
     exclude = [\"giáo dục pháp luật\"] # tuyên truyền pháp luật không phải tin ngành\n\n\
     [[topic]]\n\
     id = \"y-te\"\n\
     name = \"Y tế\"\n\
     keywords = [\"bệnh viện\"]\n"
}

/// A daemon polling one generated feed with the four headlines above, once
/// it has stored them.
async fn daemon(portal: &TestPortal) -> (support::TestConfig, String, Daemon, String) {
    daemon_with(portal, "", &[]).await
}

/// The same, `tail` added to the file and `env` to the daemon's.
async fn daemon_with(
    portal: &TestPortal,
    tail: &str,
    env: &[(&str, &str)],
) -> (support::TestConfig, String, Daemon, String) {
    portal.publish([JOINS, LEAVES, MASKED, STAYS].map(|t| GenItem {
        title: t.to_string(),
        summary: "Tin trong tuần.".to_string(),
    }));
    let body = format!(
        "[[source]]\nid = \"so-gddt\"\nurl = \"{}\"\n\n{}{tail}",
        portal.url("/gen/giao-duc.rss"),
        topics_toml()
    );
    let cfg = support::config(&body);
    let original = std::fs::read_to_string(&cfg.path).unwrap();
    let mut all_env = vec![("TINKHAC_ADMIN_TOKEN", TOKEN)];
    all_env.extend_from_slice(env);
    let mut d = Daemon::start(&cfg.path, &all_env);
    d.wait_log(" polled ", 1, Duration::from_secs(60)).await;
    let base = format!("http://127.0.0.1:{}", port_of(&d));
    (cfg, original, d, base)
}

/// The part of `page` from `from` to `to`.
fn between<'p>(page: &'p str, from: &str, to: &str) -> &'p str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in {page}"));
    let end = page[start..].find(to).map_or(page.len(), |e| start + e);
    &page[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headlines_are_explained_and_a_topic_edit_is_previewed_then_saved() {
    let portal = TestPortal::start().await;
    let (cfg, original, mut d, base) = daemon(&portal).await;
    let c = client();
    let (_, cookie) = login(&c, &base, TOKEN).await;
    let (status, page) = get_page(&c, &format!("{base}/admin/chu-de"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("giáo dục\nhọc sinh</textarea>"), "{page}");
    let csrf = hidden(&page, "csrf");
    let version = hidden(&page, "version");
    let post = async |path: &str, fields: Vec<(&str, &str)>| {
        post_form(&c, &format!("{base}{path}"), &cookie, &fields).await
    };

    // Pasted headlines: which topics, and why.
    let r = post(
        "/admin/chu-de/thu",
        vec![
            ("csrf", &csrf),
            (
                "tieu-de",
                "Học sinh giỏi được khen thưởng\n\nTuyên truyền giáo dục pháp luật <b>x</b>",
            ),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let first = between(
        &page,
        "<h3>Học sinh giỏi được khen thưởng</h3>",
        "</article>",
    );
    assert!(
        first.contains("Thuộc chủ đề: <strong>Giáo dục</strong>"),
        "{first}"
    );
    assert!(
        first.contains("«học sinh» (tiêu đề) <strong>+4 điểm</strong>"),
        "{first}"
    );
    let second = between(
        &page,
        "<h3>Tuyên truyền giáo dục pháp luật &lt;b&gt;x&lt;/b&gt;</h3>",
        "</article>",
    );
    assert!(second.contains("Không thuộc chủ đề nào."), "{second}");
    assert!(
        second.contains("«giáo dục» (tiêu đề) <span class=\"bad\">bị cụm loại trừ «giáo dục pháp luật» huỷ</span>"),
        "{second}"
    );
    assert!(!page.contains("<b>x</b>"), "escaped");
    // A long paste is tried in part, and says so.
    let many: Vec<String> = (0..101).map(|n| format!("Học sinh số {n}")).collect();
    let r = post(
        "/admin/chu-de/thu",
        vec![("csrf", &csrf), ("tieu-de", &many.join("\n"))],
    )
    .await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Đã dán 101 tiêu đề; trang này thử 100 tiêu đề đầu tiên."),
        "{page}"
    );
    assert!(page.contains("<h3>Học sinh số 99</h3>") && !page.contains("<h3>Học sinh số 100</h3>"));

    // The preview: "mầm non" added, "học sinh" dropped, on the stored items.
    let keywords = "giáo dục\nmầm non";
    let exclude = "giáo dục pháp luật";
    let r = post(
        "/admin/chu-de/giao-duc/xem-truoc",
        vec![
            ("csrf", &csrf),
            ("version", &version),
            ("keywords", keywords),
            ("exclude", exclude),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview = r.text().await.unwrap();
    assert!(preview.contains("Trong 4 tin lưu gần nhất"), "{preview}");
    let joining = between(&preview, "Sẽ vào chủ đề (1)", "Sẽ rời chủ đề");
    assert!(joining.contains(JOINS), "{joining}");
    assert!(joining.contains("2025"), "with its date: {joining}");
    let leaving = between(&preview, "Sẽ rời chủ đề (1)", "</section>");
    assert!(leaving.contains(LEAVES), "{leaving}");
    for other in [MASKED, STAYS] {
        assert!(
            !preview.contains(other),
            "{other} does not change: {preview}"
        );
    }
    assert!(preview.contains("1 tin vẫn thuộc chủ đề"), "{preview}");
    assert!(
        preview.contains("+«mầm non»") && preview.contains("−«học sinh»"),
        "{preview}"
    );
    assert!(
        preview.contains("formaction=\"/admin/chu-de/giao-duc\""),
        "{preview}"
    );
    assert_eq!(
        std::fs::read_to_string(&cfg.path).unwrap(),
        original,
        "a preview writes nothing"
    );

    // Refused, the file unchanged: no token, no keyword, a bad weight.
    let r = post(
        "/admin/chu-de/giao-duc",
        vec![("version", &version), ("keywords", keywords)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for (bad, says) in [
        ("\n  \n", "Chủ đề cần ít nhất một từ khoá"),
        ("giáo dục:0", "Trọng số của «giáo dục:0»"),
    ] {
        let r = post(
            "/admin/chu-de/giao-duc",
            vec![("csrf", &csrf), ("version", &version), ("keywords", bad)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains(says), "{page}");
    }
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);

    // Saved: the lists in the file, its comments kept, the daemon reloaded.
    let save = vec![
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("keywords", keywords),
        ("exclude", exclude),
    ];
    let r = post("/admin/chu-de/giao-duc", save.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        "/admin/chu-de?da=luu&chu-de=giao-duc#chu-de-giao-duc"
    );
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    let config = Config::load(&cfg.path).unwrap();
    let t = &config.topics[0];
    assert_eq!(t.keywords, ["giáo dục", "mầm non"]);
    assert_eq!(t.exclude, ["giáo dục pháp luật"]);
    assert_eq!(config.topics[1].keywords, ["bệnh viện"]);
    assert!(
        text.contains("# Giáo dục: hỏi chị Lan trước khi đổi.\n")
            && text.contains("  # ngành\n  \"giáo dục\",\n  # người học\n  \"mầm non\",\n]\n")
            && text.contains("] # tuyên truyền pháp luật không phải tin ngành\n"),
        "{text}"
    );
    let line = d
        .log_line("web admin: topic phrases edited", Duration::from_secs(10))
        .await;
    assert!(
        line.contains("giao-duc") && line.contains("mầm non") && line.contains("học sinh"),
        "{line}"
    );
    let page = page_with(
        &c,
        &format!("{base}/admin/chu-de?da=luu&chu-de=giao-duc"),
        &cookie,
        "giáo dục\nmầm non</textarea>",
        Duration::from_secs(20),
    )
    .await;
    assert!(page.contains("Đã lưu chủ đề"), "{page}");

    // The same form again: the file changed since it was shown.
    let r = post("/admin/chu-de/giao-duc", save).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), text);
    assert!(
        d.log.iter().all(|l| !l.contains(TOKEN)),
        "no secret in the log"
    );
}

/// The titles `/topics/giao-duc.xml` lists.
async fn topic_feed(c: &reqwest::Client, base: &str) -> Vec<String> {
    let r = c
        .get(format!("{base}/topics/giao-duc.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let feed = feed_rs::parser::parse(&r.bytes().await.unwrap()[..]).unwrap();
    feed.entries
        .into_iter()
        .map(|e| e.title.map(|t| t.content).unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_edit_saved_and_applied_retags_the_stored_items_and_sends_nothing() {
    const BOT: &str = "123456:RETAG-web_bot";
    let bot = crate::standin::BotStandIn::start(BOT).await;
    let portal = TestPortal::start().await;
    let tail = format!(
        "\n[telegram]\nchat_id = \"@kenh_thu\"\ntopics = [\"giao-duc\"]\napi_url = \"{}\"\n\
         timeout = \"3s\"\nmin_interval = \"100ms\"\n",
        bot.api_url()
    );
    // The first poll is the backlog: stored, not sent.
    let (cfg, original, mut d, base) =
        daemon_with(&portal, &tail, &[("TELEGRAM_BOT_TOKEN", BOT)]).await;
    let c = client();
    let (_, cookie) = login(&c, &base, TOKEN).await;
    let before = topic_feed(&c, &base).await;
    assert!(
        before.iter().any(|t| t == LEAVES) && !before.iter().any(|t| t == JOINS),
        "{before:?}"
    );
    let (_, page) = get_page(&c, &format!("{base}/admin/chu-de"), &cookie).await;
    let csrf = hidden(&page, "csrf");
    let version = hidden(&page, "version");
    let keywords = "giáo dục\nmầm non";
    let exclude = "giáo dục pháp luật";
    let form = |csrf: &str, version: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("version", version),
            ("keywords", keywords),
            ("exclude", exclude),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };

    // The preview offers both buttons, and says what applying does.
    let r = post_form(
        &c,
        &format!("{base}/admin/chu-de/giao-duc/xem-truoc"),
        &cookie,
        &form(&csrf, &version),
    )
    .await;
    let preview = r.text().await.unwrap();
    assert!(
        preview.contains("formaction=\"/admin/chu-de/giao-duc/ap-dung\"")
            && preview.contains("Lưu và áp dụng cho tin đã lưu")
            && preview.contains("Kênh Telegram không gửi lại tin cũ"),
        "{preview}"
    );

    // No CSRF token: refused, nothing changed (file and store).
    let r = post_form(
        &c,
        &format!("{base}/admin/chu-de/giao-duc/ap-dung"),
        &cookie,
        &form("", &version),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), original);
    assert_eq!(topic_feed(&c, &base).await, before);

    // Plain «Lưu»: the file changes, the stored items keep their topics.
    let r = post_form(
        &c,
        &format!("{base}/admin/chu-de/giao-duc"),
        &cookie,
        &form(&csrf, &version),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = std::fs::read_to_string(&cfg.path).unwrap();
    assert_ne!(saved, original);
    let page = page_with(
        &c,
        &format!("{base}/admin/chu-de"),
        &cookie,
        "giáo dục\nmầm non</textarea>",
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(
        topic_feed(&c, &base).await,
        before,
        "stored items unchanged"
    );
    // The form shown before that save is stale: refused, nothing applied.
    let r = post_form(
        &c,
        &format!("{base}/admin/chu-de/giao-duc/ap-dung"),
        &cookie,
        &form(&csrf, &version),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), saved);
    assert_eq!(topic_feed(&c, &base).await, before, "nothing applied");

    // «Lưu và áp dụng…» (the same lists: the file stays as it is): the
    // stored items follow the new lists.
    let version = hidden(&page, "version");
    let r = post_form(
        &c,
        &format!("{base}/admin/chu-de/giao-duc/ap-dung"),
        &cookie,
        &form(&csrf, &version),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(
        location,
        "/admin/chu-de?da=ap-dung&xet=4&vao=1&roi=1&chu-de=giao-duc#chu-de-giao-duc"
    );
    assert_eq!(std::fs::read_to_string(&cfg.path).unwrap(), saved);
    let after = topic_feed(&c, &base).await;
    assert!(after.iter().any(|t| t == JOINS), "{after:?}");
    assert!(!after.iter().any(|t| t == LEAVES), "{after:?}");
    assert!(after.iter().any(|t| t == STAYS), "{after:?}");
    assert!(!after.iter().any(|t| t == MASKED), "{after:?}");
    let line = d
        .log_line(
            "web admin: topic phrases applied to the stored items",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        line.contains("giao-duc") && line.contains("joined=1") && line.contains("left=1"),
        "{line}"
    );
    let (status, page) = get_page(&c, &format!("{base}{location}"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Trong 4 tin lưu gần nhất, 1 tin đã vào chủ đề và 1 tin đã rời chủ đề.")
            && page.contains("Kênh Telegram không gửi lại tin cũ."),
        "{page}"
    );

    // Nothing was queued for the channel, nor sent.
    let st = crate::admin::status_json(&base).await;
    assert_eq!(st["telegram"]["queue"], 0, "{st}");
    assert!(bot.sent().is_empty(), "{:?}", bot.sent().len());
}

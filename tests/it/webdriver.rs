//! A small WebDriver client: the W3C protocol's plain HTTP and JSON, over
//! the project's own reqwest, driving `chromedriver` with headless Chromium.
//! Just what the browser tests use: open a session, go to a URL, find an
//! element by CSS, type, click, read the page; the driver (and its browser)
//! end when the [`WebDriver`] is dropped. [`Tools::find`] finds Chromium and
//! `chromedriver`, or says which one is missing (a failure in CI).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The key under which WebDriver names an element.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `chromedriver`: `CHROMEDRIVER` if set, else Debian's, else on `PATH`.
fn find_chromedriver() -> Option<PathBuf> {
    if let Some(chosen) = std::env::var_os("CHROMEDRIVER") {
        let chosen = PathBuf::from(chosen);
        return chosen.is_file().then_some(chosen);
    }
    let fixed = PathBuf::from("/usr/bin/chromedriver");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromedriver"))
        .find(|p| p.is_file())
}

/// Chromium and `chromedriver`, both installed.
pub struct Tools {
    chromium: PathBuf,
    driver: PathBuf,
}

impl Tools {
    /// Both tools; else `None`, after [`crate::support::tool_missing`] has
    /// said which one `test` lacks (which fails the test in CI).
    pub fn find(test: &str) -> Option<Tools> {
        let Some(chromium) = crate::browser::find_chromium() else {
            crate::support::tool_missing(
                test,
                "chromium is not installed (apt-get install chromium)",
            );
            return None;
        };
        let Some(driver) = find_chromedriver() else {
            crate::support::tool_missing(
                test,
                "chromedriver is not installed (apt-get install chromium-driver)",
            );
            return None;
        };
        Some(Tools { chromium, driver })
    }

    /// A headless browser session.
    pub async fn start(&self) -> WebDriver {
        WebDriver::start(&self.driver, &self.chromium).await
    }
}

/// A running `chromedriver` with one browser session.
pub struct WebDriver {
    child: Child,
    port: u16,
    base: String,
    session: String,
    client: reqwest::Client,
}

/// An element of the current page.
pub struct Element {
    id: String,
}

impl WebDriver {
    /// Start `driver` on a free port and open a headless session of
    /// `chromium`.
    async fn start(driver: &std::path::Path, chromium: &std::path::Path) -> WebDriver {
        let port = crate::support::free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut d = WebDriver {
            child,
            port,
            base,
            session: String::new(),
            client,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = match d.client.get(format!("{}/status", d.base)).send().await {
                Ok(r) => r
                    .bytes()
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .is_some_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver never became ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--no-proxy-server",
                         "--window-size=390,844"],
            },
        }}});
        let v = d.call(reqwest::Method::POST, "/session", Some(caps)).await;
        d.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d
    }

    /// One command; its `value`. A WebDriver error fails the test.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let r = req.send().await.expect("chromedriver answers");
        let status = r.status();
        let bytes = r.bytes().await.unwrap();
        let v: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {bytes:?}"));
        assert!(status.is_success(), "{path}: {status} {v}");
        v["value"].clone()
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Go to `url` and wait for it to load.
    pub async fn goto(&self, url: &str) {
        self.call(
            reqwest::Method::POST,
            &self.at("/url"),
            Some(json!({ "url": url })),
        )
        .await;
    }

    pub async fn current_url(&self) -> String {
        let v = self
            .call(reqwest::Method::GET, &self.at("/url"), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    pub async fn title(&self) -> String {
        let v = self
            .call(reqwest::Method::GET, &self.at("/title"), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// The current DOM, serialised.
    pub async fn source(&self) -> String {
        let v = self
            .call(reqwest::Method::GET, &self.at("/source"), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// The first element matching `css`; fails the test if there is none.
    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .call(
                reqwest::Method::POST,
                &self.at("/element"),
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        Element {
            id: v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("{css}: {v}"))
                .to_string(),
        }
    }

    /// Type `text` into `e` (after what it holds, unless cleared first).
    pub async fn send_keys(&self, e: &Element, text: &str) {
        self.call(
            reqwest::Method::POST,
            &self.at(&format!("/element/{}/value", e.id)),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn clear(&self, e: &Element) {
        self.call(
            reqwest::Method::POST,
            &self.at(&format!("/element/{}/clear", e.id)),
            Some(json!({})),
        )
        .await;
    }

    pub async fn click(&self, e: &Element) {
        self.call(
            reqwest::Method::POST,
            &self.at(&format!("/element/{}/click", e.id)),
            Some(json!({})),
        )
        .await;
    }

    /// Wait until the page at `url`, where the browser is, holds `needle`,
    /// loading it again every 200 ms; the page then. Fails the test after
    /// `within`.
    pub async fn reload_until(&self, url: &str, needle: &str, within: Duration) -> String {
        let pause = Duration::from_millis(200);
        self.poll(needle, within, pause, Some(url)).await
    }

    /// Wait until the page holds `needle`; the page then.
    pub async fn wait_for(&self, needle: &str) -> String {
        let (within, pause) = (Duration::from_secs(30), Duration::from_millis(50));
        self.poll(needle, within, pause, None).await
    }

    /// Look at the page every `pause` (loading `reload` again first, if
    /// given) until it holds `needle`; the page then. Fails the test after
    /// `within`.
    async fn poll(
        &self,
        needle: &str,
        within: Duration,
        pause: Duration,
        reload: Option<&str>,
    ) -> String {
        let deadline = Instant::now() + within;
        loop {
            let page = self.source().await;
            if page.contains(needle) {
                return page;
            }
            assert!(
                Instant::now() < deadline,
                "{} never showed {needle:?}:\n{page}",
                reload.unwrap_or("the page")
            );
            tokio::time::sleep(pause).await;
            if let Some(url) = reload {
                self.goto(url).await;
            }
        }
    }
}

impl Drop for WebDriver {
    /// End the session (which closes the browser), then the driver. Plain
    /// blocking HTTP: a drop cannot wait on the async client.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    s,
                    "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session, self.port
                );
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

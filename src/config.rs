//! `feeds.toml`: raw serde types, validated once at start into a [`Config`].
//!
//! Everything that can be wrong in the file (unknown keys, duplicate ids, bad
//! selectors, durations, URLs, time zones) is found here, with the file, line
//! and column, so the daemon never meets a bad setting mid-run. This module
//! never reads secrets from the file: the bot token comes from the environment
//! or a token file named here.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::FixedOffset;
use scraper::Selector;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// A configuration that loaded and validated. Paths in it are absolute or
/// relative to the directory of the file it came from.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub fetch: FetchConfig,
    /// Caps on what a poll or an import may store (`[limits]`).
    pub limits: crate::item::Limits,
    pub sources: Vec<SourceConfig>,
    pub topics: Vec<TopicConfig>,
    pub telegram: Option<TelegramConfig>,
    /// How new items are followed to their article pages (`[follow]`).
    pub follow: FollowConfig,
}

/// `[follow]`: the follow-up of each new item to its article page
/// (`crate::daemon::follow`). Which sources are followed is each source's `follow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowConfig {
    /// Follow-up requests (the article's GET and its attachments' HEADs)
    /// per host and minute, over every source of that host; polls do not
    /// count against it.
    pub per_host_per_minute: usize,
    /// How long the channel holds a new item's message for its follow-up,
    /// counted from when the item was stored; then it goes with the teaser
    /// alone. At most [`FollowConfig::MAX_TELEGRAM_WAIT`].
    pub telegram_wait: Duration,
    /// Failed attempts after which a follow-up is given up (the item keeps
    /// its teaser). A 404 or 410 gives up at once.
    pub max_attempts: u32,
}

impl FollowConfig {
    /// A longer wait would hold the whole channel behind one slow portal.
    pub const MAX_TELEGRAM_WAIT: Duration = Duration::from_secs(30 * 60);
    /// Attempts beyond this would only go on asking a portal for a page
    /// it has not given for most of a day (the wait doubles each time, up to
    /// six hours).
    pub const MAX_ATTEMPTS: u32 = 12;
}

impl Default for FollowConfig {
    fn default() -> FollowConfig {
        FollowConfig {
            per_host_per_minute: 6,
            telegram_wait: Duration::from_secs(120),
            max_attempts: 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Public address of the server, used for self links in the feeds.
    pub base_url: Url,
    pub title: String,
    pub description: String,
    pub max_items: usize,
    /// Connections served at once; more wait in the accept queue. Capped
    /// further at half the descriptor limit (`publish::server`).
    pub max_connections: usize,
    /// A connection that sends no complete request for this long (idle
    /// between requests, or sending its headers too slowly), or stops
    /// reading a response for this long, is closed.
    pub idle_timeout: Duration,
    /// Where the admin token is read from when `TINKHAC_ADMIN_TOKEN` is
    /// unset (`admin_token_file`, relative to this file). The token itself
    /// never goes in `feeds.toml`.
    pub admin_token_file: Option<PathBuf>,
}

/// Why a secret named in the configuration could not be read from its
/// file. It names the file, never what the file holds.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the {what} file {}: {source}", path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the {what} file {} is empty", path.display())]
    Empty { what: &'static str, path: PathBuf },
}

/// A secret (the bot token, the admin token): `env`, the environment
/// variable's value, when it holds more than blanks; else the text of
/// `file`, trimmed, which must not be empty; None without either. `what`
/// names the secret in errors.
pub fn read_secret(
    what: &'static str,
    env: Option<String>,
    file: Option<&Path>,
) -> Result<Option<String>, SecretError> {
    if let Some(t) = env.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
        return Ok(Some(t));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|source| SecretError::File {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    match text.trim() {
        "" => Err(SecretError::Empty {
            what,
            path: path.to_path_buf(),
        }),
        t => Ok(Some(t.to_string())),
    }
}

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub path: PathBuf,
    /// sled's page cache. sled defaults to 1 GiB, far more than a news store
    /// of a few hundred thousand items needs. sled counts pages at their
    /// on-disk size and holds them decoded, several times larger: 2 MiB
    /// (the default) already held ~11 MiB of nodes at the peak of the 1,000
    /// source benchmark, 8 MiB ~14 MiB, for no measurable gain in speed
    /// (BENCHMARKS.md, memory and harvest).
    pub cache_bytes: u64,
    /// Items published longer ago than this leave the store and the feeds
    /// (their ids stay as tombstones). None keeps everything.
    pub retention: Option<Duration>,
}

/// Defaults for every source, and the fetcher's global limits.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    pub interval: Duration,
    pub timeout: Duration,
    pub timezone: FixedOffset,
    pub max_body_bytes: u64,
    pub per_host: usize,
    /// Polls in progress at once, over all sources: each holds a body, then
    /// a parsed page, so this bounds the memory a poll cycle takes.
    pub concurrency: usize,
    pub user_agent: String,
    /// Host names answered from this table instead of the system resolver,
    /// their answers checked like any other (`fetch::reach`). Set by code
    /// (tests point public-looking names at loopback stand-ins); never read
    /// from the file.
    pub dns: std::collections::BTreeMap<String, Vec<std::net::IpAddr>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Look at the response: feeds by content type or first bytes, else HTML.
    Auto,
    Feed,
    Html,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub id: String,
    pub name: String,
    pub url: Url,
    pub kind: SourceKind,
    pub interval: Duration,
    pub timeout: Duration,
    pub scrape: Option<ScrapeConfig>,
    /// Topics every item of this source belongs to, whatever its text says.
    pub topics: Vec<String>,
    /// Not polled until resumed (`paused = true`, written by the web admin's
    /// "Tạm dừng"); its items stay in the feeds.
    pub paused: bool,
    /// The source is on the local network and known by a name: it may reach
    /// loopback, private and link-local addresses (`fetch::reach`).
    pub intranet: bool,
    /// `follow = true|false`: whether its new items are followed to their
    /// article pages. None (not written): decided by what the source turns
    /// out to be at each poll, see [`SourceConfig::follows`].
    pub follow: Option<bool>,
}

impl SourceConfig {
    /// Whether this source's new items are followed, given whether its
    /// body was a feed. The default (no `follow` key) is yes for a page and
    /// no for a feed: a page's "Tin khác" item is a headline and a cut
    /// teaser, so its article is the only place its text, attachments and
    /// document numbers are; a feed usually carries its items' text
    /// already, and a follow-up would only ask its site again for what it
    /// sent. A feed whose items carry only a teaser says `follow = true`.
    pub fn follows(&self, is_feed: bool) -> bool {
        self.follow.unwrap_or(!is_feed)
    }
}

/// Explicit CSS selectors for an HTML source. The strings are kept to show
/// them back to the admin.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeConfig {
    pub items: (String, Selector),
    pub title: Option<(String, Selector)>,
    pub link: Option<(String, Selector)>,
    pub date: Option<(String, Selector)>,
    pub summary: Option<(String, Selector)>,
    pub date_format: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TopicConfig {
    pub id: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub exclude: Vec<String>,
    /// Points a text needs to match (see `classify`); None: the default.
    pub threshold: Option<u32>,
}

impl TopicConfig {
    /// Its rules, as [`crate::classify::Classifier`] takes them.
    pub fn rules(&self) -> crate::classify::TopicRules {
        crate::classify::TopicRules {
            id: self.id.clone(),
            name: self.name.clone(),
            keywords: self.keywords.clone(),
            exclude: self.exclude.clone(),
            threshold: self.threshold,
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct TelegramConfig {
    pub chat_id: String,
    pub topics: Vec<String>,
    pub api_url: Url,
    /// Where the token is read from when it is not in `TELEGRAM_BOT_TOKEN`.
    pub token_file: Option<PathBuf>,
    pub admin_chat_id: Option<String>,
    /// Telegram's limits for a channel: about one message a second and 20 a
    /// minute. Lower values only make Telegram answer 429.
    pub min_interval: Duration,
    pub per_minute: usize,
    /// Timeout of one Bot API request.
    pub timeout: Duration,
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("chat_id", &self.chat_id)
            .field("topics", &self.topics)
            .field("api_url", &self.api_url.as_str())
            .field("token_file", &self.token_file)
            .field("min_interval", &self.min_interval)
            .field("per_minute", &self.per_minute)
            .finish()
    }
}

/// Why a configuration did not load. Shown to the admin as
/// `feeds.toml:12:5: message`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

// ---------------------------------------------------------------------------
// Raw shapes, as written in the file.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
    #[serde(default, rename = "topic")]
    topics: Vec<RawTopic>,
    telegram: Option<RawTelegram>,
    #[serde(default)]
    follow: RawFollow,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFollow {
    per_host_per_minute: Option<Spanned<i64>>,
    telegram_wait: Option<Spanned<String>>,
    max_attempts: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    title: Option<String>,
    description: Option<String>,
    max_items: Option<Spanned<i64>>,
    max_connections: Option<Spanned<i64>>,
    idle_timeout: Option<Spanned<String>>,
    admin_token_file: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    path: Option<String>,
    cache_mib: Option<Spanned<i64>>,
    retention: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    max_body_mib: Option<Spanned<i64>>,
    per_host: Option<Spanned<i64>>,
    concurrency: Option<Spanned<i64>>,
    user_agent: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    items_per_poll: Option<Spanned<i64>>,
    title_chars: Option<Spanned<i64>>,
    summary_chars: Option<Spanned<i64>>,
    link_bytes: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    name: Option<String>,
    url: Spanned<String>,
    kind: Option<Spanned<String>>,
    interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    scrape: Option<RawScrape>,
    #[serde(default)]
    topics: Vec<Spanned<String>>,
    #[serde(default)]
    paused: bool,
    #[serde(default)]
    intranet: bool,
    follow: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScrape {
    items: Spanned<String>,
    title: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    date_format: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    threshold: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTelegram {
    chat_id: Spanned<String>,
    #[serde(default)]
    topics: Vec<Spanned<String>>,
    api_url: Option<Spanned<String>>,
    token_file: Option<String>,
    admin_chat_id: Option<String>,
    min_interval: Option<Spanned<String>>,
    per_minute: Option<Spanned<i64>>,
    timeout: Option<Spanned<String>>,
    /// Refused with a clear message: the token never lives in this file.
    token: Option<Spanned<toml::Value>>,
}

pub const DEFAULT_CONFIG: &str = "feeds.toml";
pub const USER_AGENT: &str = concat!(
    "tinkhac/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/tinkhac/tinkhac; news feed builder)"
);

impl Config {
    /// Read and validate a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let column =
                good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: "the file is not UTF-8 text (an editor saved it in another encoding); \
                          save it as UTF-8 and try again"
                    .into(),
            }
        })?;
        Config::parse(&text, path)
    }

    /// What is valid but probably not meant: said by `check` and logged
    /// when the daemon starts or reloads.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.sources.is_empty() {
            out.push(format!(
                "{} has no [[source]]: nothing will be polled; add one with \
                 `tinkhac feeds add URL` (the status page and /healthz say so too)",
                self.path.display()
            ));
        }
        for s in &self.sources {
            if s.interval < Duration::from_secs(60) {
                out.push(format!(
                    "source {:?} has interval {}: under a minute is more than a city \
                     portal should be asked (and it publishes a few times a day); 10m or more \
                     is polite",
                    s.id,
                    humantime::format_duration(s.interval)
                ));
            }
        }
        out
    }

    /// Validate a configuration held in memory; `path` names it in errors and
    /// anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let cx = Cx { text, path };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            cx.err(span, e.message().trim_end().to_string())
        })?;
        cx.validate(raw)
    }

    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// How an item listed by `ids` (its sources, first one first) names its
    /// source: the first source's name, or its id once it left the file.
    pub fn source_name<'a>(&'a self, ids: &'a [String]) -> &'a str {
        match ids.first() {
            Some(id) => self.source(id).map_or(id.as_str(), |s| s.name.as_str()),
            None => "",
        }
    }

    /// A topic's display name, or its id when no topic has that id.
    pub fn topic_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.topics
            .iter()
            .find(|t| t.id == id)
            .map_or(id, |t| t.name.as_str())
    }
}

/// Parse durations written like `15m`, `30s`, `1h 30m`, `400d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| {
        format!(
            "bad duration {s:?} ({e}): write a number and an English unit, \
             e.g. \"30s\", \"15m\", \"1h 30m\", \"2d\" (s, m, h, d)"
        )
    })
}

/// Parse an http(s) URL as an admin writes it; one without a scheme is
/// answered with the `https://` form to write.
pub fn parse_source_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        let hint = match e {
            url::ParseError::RelativeUrlWithoutBase => format!(
                "it has no scheme; write \"https://{}\"",
                raw.trim().trim_start_matches('/')
            ),
            e => e.to_string(),
        };
        format!("bad URL {raw:?}: {hint}")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("bad URL {raw:?}: only http and https URLs"));
    }
    Ok(url)
}

/// Parse `[server] listen`: an address and port, or `localhost:PORT` (the
/// loopback address). Other host names are refused rather than looked up:
/// which address a name means is for the admin to say, not for DNS at start.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let t = s.trim();
    if let Ok(a) = t.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Some(port) = t.strip_prefix("localhost:") {
        if let Ok(port) = port.parse::<u16>() {
            return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
        }
    }
    Err(format!(
        "bad listen address {s:?}: write an IP address and a port, e.g. \"127.0.0.1:8080\" \
         (this machine only, behind a proxy) or \"0.0.0.0:8080\" (every interface)"
    ))
}

/// Parse `+07:00`, `UTC+7`, `Asia/Ho_Chi_Minh` (the one named zone a
/// Vietnamese portal needs; it has had no daylight saving since 1975).
pub fn parse_timezone(s: &str) -> Result<FixedOffset, String> {
    let t = s.trim();
    if matches!(t, "Asia/Ho_Chi_Minh" | "Asia/Saigon" | "ICT") {
        return Ok(FixedOffset::east_opt(7 * 3600).expect("valid offset"));
    }
    if matches!(t, "UTC" | "Z" | "GMT") {
        return Ok(FixedOffset::east_opt(0).expect("valid offset"));
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    let bad = || format!("bad timezone {s:?}: write an offset like \"+07:00\"");
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if h > 14 || m > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

struct Cx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Cx<'_> {
    fn err(&self, span: Range<usize>, message: String) -> ConfigError {
        let (line, column) = line_col(self.text, span.start);
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    fn duration(&self, v: &Spanned<String>) -> Result<Duration, ConfigError> {
        let d = parse_duration(v.get_ref()).map_err(|m| self.err(v.span(), m))?;
        if d < Duration::from_millis(100) {
            return Err(self.err(v.span(), format!("duration {:?} is too short", v.get_ref())));
        }
        Ok(d)
    }

    fn positive(&self, v: &Spanned<i64>, what: &str) -> Result<u64, ConfigError> {
        match u64::try_from(*v.get_ref()) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self.err(v.span(), format!("{what} must be a positive number"))),
        }
    }

    fn url(&self, v: &Spanned<String>) -> Result<Url, ConfigError> {
        parse_source_url(v.get_ref()).map_err(|m| self.err(v.span(), m))
    }

    fn selector(&self, v: &Spanned<String>) -> Result<(String, Selector), ConfigError> {
        let sel = Selector::parse(v.get_ref()).map_err(|e| {
            // The parser's text for some errors asks to report them to its
            // developers; an admin needs to know the selector is wrong.
            let why = e.to_string().replace(
                "Unexpected error occurred. Please report this to the developer\n",
                "",
            );
            self.err(
                v.span(),
                format!(
                    "bad CSS selector {:?}: {} (check brackets and quotes; \
                     `tinkhac preview --suggest URL` writes selectors that work)",
                    v.get_ref(),
                    match why.trim() {
                        // A bare error name: say it in words first.
                        w if !w.contains(' ') => format!("not valid CSS ({w})"),
                        w => w.to_string(),
                    }
                ),
            )
        })?;
        Ok((v.get_ref().clone(), sel))
    }

    fn validate(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let base_dir = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();

        // [server]
        let listen = match &raw.server.listen {
            Some(v) => parse_listen(v.get_ref()).map_err(|m| self.err(v.span(), m))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let base_url = match &raw.server.base_url {
            Some(v) => self.url(v)?,
            None => Url::parse(&format!("http://{listen}/")).expect("socket address is a URL"),
        };
        let max_items = match &raw.server.max_items {
            Some(v) => self.positive(v, "max_items")? as usize,
            None => 200,
        };
        let title = raw
            .server
            .title
            .unwrap_or_else(|| "Tin tổng hợp".to_string());
        let server = ServerConfig {
            listen,
            base_url,
            description: raw
                .server
                .description
                .unwrap_or_else(|| format!("{title}: tin từ các cổng thông tin, gộp và lọc trùng")),
            title,
            max_items,
            max_connections: match &raw.server.max_connections {
                Some(v) => self.positive(v, "max_connections")? as usize,
                None => 1024,
            },
            idle_timeout: match &raw.server.idle_timeout {
                Some(v) => self.duration(v)?,
                None => Duration::from_secs(20),
            },
            admin_token_file: raw.server.admin_token_file.map(|p| base_dir.join(p)),
        };

        // [storage]
        let storage_path =
            PathBuf::from(raw.storage.path.as_deref().unwrap_or("data/tinkhac.sled"));
        let storage = StorageConfig {
            path: if storage_path.is_absolute() {
                storage_path
            } else {
                base_dir.join(storage_path)
            },
            cache_bytes: match &raw.storage.cache_mib {
                Some(v) => self.positive(v, "cache_mib")? * 1024 * 1024,
                None => 2 * 1024 * 1024,
            },
            retention: match &raw.storage.retention {
                Some(v) => Some(self.duration(v)?),
                None => None,
            },
        };

        // [fetch]
        let f = &raw.fetch;
        let fetch = FetchConfig {
            interval: match &f.interval {
                Some(v) => self.duration(v)?,
                None => Duration::from_secs(15 * 60),
            },
            timeout: match &f.timeout {
                Some(v) => self.duration(v)?,
                None => Duration::from_secs(30),
            },
            timezone: match &f.timezone {
                Some(v) => parse_timezone(v.get_ref()).map_err(|m| self.err(v.span(), m))?,
                None => FixedOffset::east_opt(7 * 3600).expect("valid offset"),
            },
            max_body_bytes: match &f.max_body_mib {
                Some(v) => self.positive(v, "max_body_mib")? * 1024 * 1024,
                None => 10 * 1024 * 1024,
            },
            per_host: match &f.per_host {
                Some(v) => self.positive(v, "per_host")? as usize,
                None => 2,
            },
            concurrency: match &f.concurrency {
                Some(v) => self.positive(v, "concurrency")? as usize,
                None => 16,
            },
            user_agent: f
                .user_agent
                .clone()
                .unwrap_or_else(|| USER_AGENT.to_string()),
            dns: Default::default(),
        };

        // [limits]
        let defaults = crate::item::Limits::default();
        let l = &raw.limits;
        let limit = |v: &Option<Spanned<i64>>, name: &str, default: usize| match v {
            Some(v) => self.positive(v, name).map(|n| n as usize),
            None => Ok(default),
        };
        let limits = crate::item::Limits {
            items_per_poll: limit(&l.items_per_poll, "items_per_poll", defaults.items_per_poll)?,
            title_chars: limit(&l.title_chars, "title_chars", defaults.title_chars)?,
            summary_chars: limit(&l.summary_chars, "summary_chars", defaults.summary_chars)?,
            link_bytes: limit(&l.link_bytes, "link_bytes", defaults.link_bytes)?,
        };

        // [[topic]]
        let mut topics = Vec::new();
        let mut topic_ids = HashSet::new();
        for t in raw.topics {
            let id = t.id.get_ref().clone();
            check_id(&id).map_err(|m| self.err(t.id.span(), m))?;
            if !topic_ids.insert(id.clone()) {
                return Err(self.err(t.id.span(), format!("duplicate topic id {id:?}")));
            }
            if t.keywords.iter().all(|k| k.trim().is_empty()) {
                return Err(self.err(t.id.span(), format!("topic {id:?} has no keywords")));
            }
            let topic_rules = crate::classify::TopicRules {
                id: id.clone(),
                name: t.name.clone().unwrap_or_else(|| id.clone()),
                keywords: t.keywords.clone(),
                exclude: t.exclude.clone(),
                threshold: t.threshold.as_ref().map(|v| *v.get_ref() as u32),
            };
            if let Err(e) = crate::classify::Classifier::new(std::slice::from_ref(&topic_rules)) {
                return Err(self.err(t.id.span(), format!("topic {id:?}: {e}")));
            }
            topics.push(TopicConfig {
                name: t.name.unwrap_or_else(|| id.clone()),
                id,
                keywords: t.keywords,
                exclude: t.exclude,
                threshold: match &t.threshold {
                    Some(v) => Some(self.positive(v, "threshold")? as u32),
                    None => None,
                },
            });
        }
        let known_topic = |v: &Spanned<String>| -> Result<String, ConfigError> {
            if topic_ids.contains(v.get_ref()) {
                Ok(v.get_ref().clone())
            } else {
                let mut all: Vec<&str> = topic_ids.iter().map(String::as_str).collect();
                all.sort_unstable();
                Err(self.err(
                    v.span(),
                    format!(
                        "unknown topic {:?}: add a [[topic]] with that id (the topics are: {})",
                        v.get_ref(),
                        if all.is_empty() {
                            "none yet".to_string()
                        } else {
                            all.join(", ")
                        }
                    ),
                ))
            }
        };

        // [[source]]
        let mut sources = Vec::new();
        let mut ids = HashSet::new();
        let mut urls = HashSet::new();
        for s in raw.sources {
            let id = s.id.get_ref().clone();
            check_id(&id).map_err(|m| self.err(s.id.span(), m))?;
            if !ids.insert(id.clone()) {
                return Err(self.err(s.id.span(), format!("duplicate source id {id:?}")));
            }
            let url = self.url(&s.url)?;
            if !urls.insert(url_key(url.as_str())) {
                return Err(self.err(
                    s.url.span(),
                    format!("source {id:?}: URL {url} is already listed by another source"),
                ));
            }
            let kind = match &s.kind {
                None => SourceKind::Auto,
                Some(v) => match v.get_ref().as_str() {
                    "auto" => SourceKind::Auto,
                    "feed" => SourceKind::Feed,
                    "html" => SourceKind::Html,
                    other => {
                        return Err(self.err(
                            v.span(),
                            format!("bad kind {other:?}: write \"auto\", \"feed\" or \"html\""),
                        ))
                    }
                },
            };
            let scrape = match s.scrape {
                None => None,
                Some(sc) => Some(ScrapeConfig {
                    items: self.selector(&sc.items)?,
                    title: sc.title.as_ref().map(|v| self.selector(v)).transpose()?,
                    link: sc.link.as_ref().map(|v| self.selector(v)).transpose()?,
                    date: sc.date.as_ref().map(|v| self.selector(v)).transpose()?,
                    summary: sc.summary.as_ref().map(|v| self.selector(v)).transpose()?,
                    date_format: match sc.date_format {
                        None => None,
                        Some(v) => {
                            check_date_format(v.get_ref()).map_err(|m| self.err(v.span(), m))?;
                            Some(v.into_inner())
                        }
                    },
                }),
            };
            if scrape.is_some() && kind == SourceKind::Feed {
                return Err(self.err(
                    s.id.span(),
                    format!(
                        "source {id:?}: [source.scrape] needs an HTML source, not kind = \"feed\""
                    ),
                ));
            }
            sources.push(SourceConfig {
                name: s.name.unwrap_or_else(|| id.clone()),
                id,
                url,
                kind,
                interval: match &s.interval {
                    Some(v) => self.duration(v)?,
                    None => fetch.interval,
                },
                timeout: match &s.timeout {
                    Some(v) => self.duration(v)?,
                    None => fetch.timeout,
                },
                scrape,
                topics: s.topics.iter().map(known_topic).collect::<Result<_, _>>()?,
                paused: s.paused,
                intranet: s.intranet,
                follow: s.follow,
            });
        }

        // [telegram]
        let telegram = match raw.telegram {
            None => None,
            Some(t) => {
                if let Some(v) = &t.token {
                    return Err(self.err(
                        v.span(),
                        "the bot token never goes in this file: set TELEGRAM_BOT_TOKEN or token_file".into(),
                    ));
                }
                let chat = t.chat_id.get_ref().trim();
                if !(chat.starts_with('@') && chat.len() > 1 || chat.parse::<i64>().is_ok()) {
                    return Err(self.err(
                        t.chat_id.span(),
                        format!("bad chat_id {chat:?}: write \"@channel_name\" or a numeric id"),
                    ));
                }
                Some(TelegramConfig {
                    chat_id: chat.to_string(),
                    topics: t.topics.iter().map(known_topic).collect::<Result<_, _>>()?,
                    api_url: match &t.api_url {
                        Some(v) => self.url(v)?,
                        None => Url::parse("https://api.telegram.org").expect("valid URL"),
                    },
                    token_file: t.token_file.map(|p| base_dir.join(p)),
                    admin_chat_id: t.admin_chat_id,
                    min_interval: match &t.min_interval {
                        Some(v) => self.duration(v)?,
                        None => Duration::from_secs(1),
                    },
                    per_minute: match &t.per_minute {
                        Some(v) => self.positive(v, "per_minute")? as usize,
                        None => 20,
                    },
                    // Generous: a timeout may hide a delivered message, and
                    // is followed by one re-send (see `notify`).
                    timeout: match &t.timeout {
                        Some(v) => self.duration(v)?,
                        None => Duration::from_secs(30),
                    },
                })
            }
        };

        // [follow]
        let f = &raw.follow;
        let defaults = FollowConfig::default();
        let follow = FollowConfig {
            per_host_per_minute: match &f.per_host_per_minute {
                Some(v) => self.positive(v, "per_host_per_minute")? as usize,
                None => defaults.per_host_per_minute,
            },
            telegram_wait: match &f.telegram_wait {
                // "0s" is allowed: the channel does not wait at all.
                Some(v) => {
                    let d = parse_duration(v.get_ref()).map_err(|m| self.err(v.span(), m))?;
                    if d > FollowConfig::MAX_TELEGRAM_WAIT {
                        return Err(self.err(
                            v.span(),
                            format!(
                                "telegram_wait {:?} is too long: the channel would wait that long \
                                 behind one slow portal; at most {}",
                                v.get_ref(),
                                humantime::format_duration(FollowConfig::MAX_TELEGRAM_WAIT)
                            ),
                        ));
                    }
                    d
                }
                None => defaults.telegram_wait,
            },
            max_attempts: match &f.max_attempts {
                Some(v) => {
                    let n = self.positive(v, "max_attempts")?;
                    if n > u64::from(FollowConfig::MAX_ATTEMPTS) {
                        return Err(self.err(
                            v.span(),
                            format!(
                                "max_attempts {n} is too many: after {} attempts (hours apart, \
                                 the wait doubling each time) the page is not coming back",
                                FollowConfig::MAX_ATTEMPTS
                            ),
                        ));
                    }
                    n as u32
                }
                None => defaults.max_attempts,
            },
        };

        Ok(Config {
            path: self.path.to_path_buf(),
            server,
            storage,
            fetch,
            limits,
            sources,
            topics,
            telegram,
            follow,
        })
    }
}

/// The one id rule, for topics and sources, in the file and in the editors.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad id {id:?}: use 1 to 64 of a-z, 0-9 and '-' (it appears in URLs)"
        ))
    }
}

fn check_date_format(fmt: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
        Err(format!(
            "bad date_format {fmt:?}: use strftime fields like \"%d/%m/%Y\""
        ))
    } else {
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset, as every
/// error about `feeds.toml` reports them (the loader's and the editors').
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The key that makes two URLs "the same source", for the loader and the
/// editors alike: trimmed, no trailing slash, scheme and host lowercased (the
/// `url` crate also drops a default port and normalises percent-encoding),
/// no fragment and no tracking parameters (`utm_*` and the like: the same
/// rule as an item's link, [`crate::item::canonical_link`]). Unparsable text is compared as
/// written, trimmed and without a trailing slash, its scheme and host
/// lowercased by hand.
pub fn url_key(raw: &str) -> String {
    let raw = raw.trim();
    let s = match url::Url::parse(raw) {
        Ok(u) => crate::item::canonical_link(&u).to_string(),
        Err(_) => match raw.find("://") {
            Some(i) => {
                let host_end = raw[i + 3..].find('/').map_or(raw.len(), |j| i + 3 + j);
                format!(
                    "{}{}",
                    raw[..host_end].to_ascii_lowercase(),
                    &raw[host_end..]
                )
            }
            None => raw.to_string(),
        },
    };
    s.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/tinkhac/feeds.toml"))
    }

    fn error_of(text: &str) -> (usize, usize, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an invalid config, got {other:?}"),
        }
    }

    const GOOD: &str = r#"
[server]
listen = "127.0.0.1:9000"
title = "Tin"

[fetch]
interval = "15m"

[[topic]]
id = "giao-duc"
keywords = ["giáo dục"]

[[source]]
id = "hp-chinh-sach"
url = "https://haiphong.gov.vn/chinh-sach"
interval = "10m"
topics = ["giao-duc"]
[source.scrape]
items = ".tin-khac li"
date_format = "%d/%m/%Y"
"#;

    /// Two rules for "the same URL": the loader compared exact text while
    /// `feeds add` normalised, so a file could list one portal twice.
    #[test]
    fn the_same_url_in_another_case_or_with_a_slash_is_a_duplicate() {
        let twice = "[[source]]\nid = \"a\"\nurl = \"https://Portal.vn/tin\"\n\n\
                     [[source]]\nid = \"b\"\nurl = \"https://portal.vn/tin/\"\n";
        let (line, _, msg) = error_of(twice);
        assert_eq!(line, 7, "{msg}");
        assert!(msg.contains("already listed"), "{msg}");
        assert_eq!(
            url_key("https://Portal.vn/tin/"),
            url_key(" https://portal.vn/tin")
        );
        assert_ne!(
            url_key("https://portal.vn/tin"),
            url_key("https://portal.vn/tin-khac")
        );
    }

    #[test]
    fn line_col_counts_characters_and_stays_on_a_char_boundary() {
        let text = "a = 1\nnăm = \"x\"";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // Inside the two bytes of 'ă': the column of 'ă' itself.
        assert_eq!(line_col(text, 8), (2, 2));
        assert_eq!(line_col(text, text.len() + 10), (2, 10));
    }

    #[test]
    fn a_good_file_loads_with_defaults_and_overrides() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.server.listen.port(), 9000);
        assert_eq!(c.server.base_url.as_str(), "http://127.0.0.1:9000/");
        assert_eq!(c.server.max_items, 200);
        assert_eq!(c.fetch.timezone.local_minus_utc(), 7 * 3600);
        assert_eq!((c.fetch.per_host, c.fetch.concurrency), (2, 16));
        let s = &c.sources[0];
        assert_eq!(s.interval, Duration::from_secs(600));
        assert_eq!(s.timeout, Duration::from_secs(30));
        assert_eq!(s.name, "hp-chinh-sach");
        assert_eq!(s.topics, vec!["giao-duc"]);
        assert_eq!(c.storage.path, Path::new("/etc/tinkhac/data/tinkhac.sled"));
        assert_eq!(c.storage.cache_bytes, 2 << 20);
        let c = parse(&format!("[storage]\ncache_mib = 16\n{GOOD}")).unwrap();
        assert_eq!(c.storage.cache_bytes, 16 << 20);
    }

    #[test]
    fn an_item_is_named_after_its_first_source_or_that_source_id() {
        let c = parse(GOOD).unwrap();
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let named = ids(&["hp-chinh-sach", "gone"]);
        assert_eq!(c.source_name(&named), c.sources[0].name);
        let removed = ids(&["gone", "hp-chinh-sach"]);
        assert_eq!(c.source_name(&removed), "gone");
        assert_eq!(c.source_name(&[]), "");
    }

    #[test]
    fn unknown_keys_are_errors_with_line_and_column() {
        let (line, col, msg) = error_of("[fetch]\nintervall = \"1m\"\n");
        assert_eq!((line, col), (2, 1));
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let text = "[[source]]\nid = \"a\"\nurl = \"http://x.vn/1\"\n[[source]]\nid = \"a\"\nurl = \"http://x.vn/2\"\n";
        let (line, _, msg) = error_of(text);
        assert_eq!(line, 5);
        assert!(msg.contains("duplicate source id"), "{msg}");
    }

    #[test]
    fn bad_selectors_durations_urls_and_ids_are_errors() {
        let (l, _, m) = error_of(
            "[[source]]\nid = \"a\"\nurl = \"http://x.vn/\"\n[source.scrape]\nitems = \"li[[\"\n",
        );
        assert_eq!(l, 5);
        assert!(m.contains("bad CSS selector"), "{m}");
        let (l, _, m) = error_of(
            "[[source]]\nid = \"a\"\nurl = \"http://x.vn/\"\ninterval = \"ten minutes\"\n",
        );
        assert_eq!(l, 4);
        assert!(m.contains("bad duration"), "{m}");
        let (l, c, m) = error_of("[[source]]\nid = \"a\"\nurl = \"ftp://x.vn/\"\n");
        assert_eq!((l, c), (3, 7));
        assert!(m.contains("bad URL"), "{m}");
        let (_, _, m) = error_of("[[source]]\nid = \"Hải Phòng\"\nurl = \"http://x.vn/\"\n");
        assert!(m.contains("bad id"), "{m}");
        let (_, _, m) = error_of("[fetch]\ntimezone = \"Mars\"\n");
        assert!(m.contains("bad timezone"), "{m}");
        let (l, _, m) = error_of("[fetch]\nconcurrency = 0\n");
        assert_eq!(l, 2);
        assert!(m.contains("concurrency"), "{m}");
    }

    #[test]
    fn a_token_in_the_file_is_refused_without_echoing_it() {
        let text = "[telegram]\nchat_id = \"@kenh\"\ntoken = \"123:SECRET\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("never goes in this file"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn unknown_topics_on_sources_are_errors() {
        let (_, _, m) =
            error_of("[[source]]\nid = \"a\"\nurl = \"http://x.vn/\"\ntopics = [\"nope\"]\n");
        assert!(m.contains("unknown topic"), "{m}");
    }

    #[test]
    fn timezones_parse_in_the_usual_forms() {
        for (s, secs) in [
            ("+07:00", 25200),
            ("+0700", 25200),
            ("UTC+7", 25200),
            ("Asia/Ho_Chi_Minh", 25200),
            ("-05:30", -19800),
            ("UTC", 0),
        ] {
            assert_eq!(parse_timezone(s).unwrap().local_minus_utc(), secs, "{s}");
        }
    }

    #[test]
    fn server_connection_limits_have_defaults_and_are_checked() {
        let p = Path::new("feeds.toml");
        let c = Config::parse("", p).unwrap();
        assert_eq!(c.server.max_connections, 1024);
        assert_eq!(c.server.idle_timeout, Duration::from_secs(20));
        let c =
            Config::parse("[server]\nmax_connections = 64\nidle_timeout = \"5s\"\n", p).unwrap();
        assert_eq!(c.server.max_connections, 64);
        assert_eq!(c.server.idle_timeout, Duration::from_secs(5));
        let (_, _, m) = error_of("[server]\nmax_connections = 0\n");
        assert!(
            m.contains("max_connections must be a positive number"),
            "{m}"
        );
    }

    #[test]
    fn follow_defaults_by_kind_and_its_table_is_checked() {
        let c = parse("[[source]]\nid = \"a\"\nurl = \"http://x.vn/\"\n\n[[source]]\nid = \"b\"\nurl = \"http://x.vn/rss\"\nfollow = false\n\n[[source]]\nid = \"c\"\nurl = \"http://x.vn/atom\"\nfollow = true\n").unwrap();
        let [a, b, cc] = [&c.sources[0], &c.sources[1], &c.sources[2]];
        assert_eq!(
            (a.follows(false), a.follows(true)),
            (true, false),
            "a page yes, a feed no"
        );
        assert_eq!((b.follows(false), b.follows(true)), (false, false));
        assert_eq!((cc.follows(false), cc.follows(true)), (true, true));
        assert_eq!(c.follow, FollowConfig::default());
        assert_eq!(c.follow.telegram_wait, Duration::from_secs(120));
        let c =
            parse("[follow]\nper_host_per_minute = 2\ntelegram_wait = \"0s\"\nmax_attempts = 3\n")
                .unwrap();
        assert_eq!(
            (
                c.follow.per_host_per_minute,
                c.follow.telegram_wait,
                c.follow.max_attempts
            ),
            (2, Duration::ZERO, 3)
        );
        let (l, col, m) = error_of("[follow]\ntelegram_wait = \"2h\"\n");
        assert_eq!((l, col), (2, 17));
        assert!(
            m.contains("telegram_wait \"2h\" is too long") && m.contains("30m"),
            "{m}"
        );
        let (l, _, m) = error_of("[follow]\nper_host_per_minute = 0\n");
        assert_eq!(l, 2);
        assert!(
            m.contains("per_host_per_minute must be a positive number"),
            "{m}"
        );
        let (_, _, m) = error_of("[follow]\nmax_attempts = 99\n");
        assert!(m.contains("max_attempts 99 is too many"), "{m}");
        let (l, _, m) = error_of("[follow]\nper_minute = 3\n");
        assert_eq!(l, 2);
        assert!(m.contains("unknown field"), "{m}");
        let (l, _, m) =
            error_of("[[source]]\nid = \"a\"\nurl = \"http://x.vn/\"\nfollow = \"yes\"\n");
        assert_eq!(l, 4);
        assert!(m.contains("bool"), "{m}");
    }

    #[test]
    fn the_shipped_feeds_toml_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml");
        let c = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!c.sources.is_empty());
    }
}

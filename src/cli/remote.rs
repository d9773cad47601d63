//! The running daemon, seen from the command line: found on the configured
//! address, believed only when it serves this configuration and store (its
//! `/status.json` fingerprint, [`crate::status::instance_of`]), and asked
//! through its admin API with `TINKHAC_ADMIN_TOKEN` when a command needs the
//! store it holds.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::status::{self, StatusReport};

/// A daemon of this configuration and store, answering on loopback.
pub struct Remote {
    base: String,
    client: reqwest::Client,
    token: Option<String>,
    pub report: StatusReport,
}

fn client(timeout: Option<Duration>) -> Option<reqwest::Client> {
    let b = reqwest::Client::builder().no_proxy();
    let b = match timeout {
        Some(t) => b.timeout(t),
        None => b.connect_timeout(Duration::from_secs(3)),
    };
    b.build().ok()
}

fn base_of(config: &Config) -> Option<String> {
    if config.server.listen.port() == 0 {
        return None;
    }
    let mut addr = config.server.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    Some(format!("http://{addr}"))
}

/// The report of whatever tinkhac answers on the configured address.
pub async fn any_report(config: &Config) -> Option<StatusReport> {
    let base = base_of(config)?;
    let resp = client(Some(Duration::from_secs(3)))?
        .get(format!("{base}/status.json"))
        .send()
        .await
        .ok()?;
    resp.json::<StatusReport>().await.ok()
}

/// The daemon of this configuration and store, if it runs. Another tinkhac
/// on the port is said once on stderr and otherwise ignored.
pub async fn find(config: &Config) -> Option<Remote> {
    let report = any_report(config).await?;
    if report.instance != status::instance_of(config) {
        eprintln!(
            "note: the tinkhac answering on {} serves another configuration or store; \
             reading this one's store instead",
            config.server.listen
        );
        return None;
    }
    Some(Remote {
        base: base_of(config)?,
        // Exports and imports may be long: no overall timeout.
        client: client(None)?,
        token: super::admin_token(config).unwrap_or_else(|e| {
            eprintln!("warning: {e:#}");
            None
        }),
        report,
    })
}

impl Remote {
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        let token = self.token.as_deref().context(
            "the running daemon holds the store: set TINKHAC_ADMIN_TOKEN (or [server] \
             admin_token_file) to the daemon's admin token to do this through it, or stop \
             the daemon",
        )?;
        Ok(self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token))
    }

    async fn checked(resp: reqwest::Response) -> anyhow::Result<reqwest::Response> {
        let code = resp.status();
        if code.is_success() {
            return Ok(resp);
        }
        let text = resp.text().await.unwrap_or_default();
        match code {
            reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::NOT_FOUND => anyhow::bail!(
                "the running daemon refused: TINKHAC_ADMIN_TOKEN is not its admin token \
                 (or it runs without one)"
            ),
            _ => anyhow::bail!("{}", text.trim()),
        }
    }

    /// GET an admin path and return its text.
    pub async fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let resp = self.request(reqwest::Method::GET, path)?.send().await?;
        Ok(Self::checked(resp).await?.text().await?)
    }

    /// POST `body` to an admin path and return the answer's text.
    pub async fn post_text(&self, path: &str, body: String) -> anyhow::Result<String> {
        let resp = self
            .request(reqwest::Method::POST, path)?
            .body(body)
            .send()
            .await?;
        Ok(Self::checked(resp).await?.text().await?)
    }

    /// GET an admin path and copy the answer to `out` as it arrives.
    pub async fn get_to(&self, path: &str, out: &mut dyn Write) -> anyhow::Result<u64> {
        let mut resp =
            Self::checked(self.request(reqwest::Method::GET, path)?.send().await?).await?;
        let mut n = 0;
        while let Some(chunk) = resp.chunk().await? {
            out.write_all(&chunk)?;
            n += chunk.len() as u64;
        }
        out.flush()?;
        Ok(n)
    }

    /// GET a public path (a feed) and return its text.
    pub async fn get_public(&self, path: &str) -> anyhow::Result<String> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/rss+xml")
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "the running daemon answered {} for {path} (its configuration may not have been \
             reloaded yet)",
            resp.status()
        );
        Ok(resp.text().await?)
    }
}

//! The app wired once: [`App::build`] makes the poller, the Telegram worker
//! and the state the HTTP server reads from one configuration and one store,
//! for `run`, `once` and `demo` alike, so a change to how they fit together
//! is made here and nowhere else. [`App::run`] is the daemon: every task
//! until the shutdown token trips, then the store is flushed.
//!
//! `preview` and `feeds add` do not build an `App`: they fetch and harvest
//! through the same [`crate::pipeline::Harvester`] the poller holds (same
//! reach, caps, decoding, extraction and admission), but they must work
//! while a daemon holds the store, and an `App` owns the store. So the one
//! function every command shares is the harvester's, and `App::build` is the
//! one function for every command that stores.
//!
//! It owns the wiring and the task set, never a policy: polling and
//! scheduling live in [`crate::daemon`], sending in [`crate::notify`],
//! serving in [`crate::publish`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::daemon::{self, PollReport, Poller};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::notify::telegram::Secret;
use crate::notify::Outbox;
use crate::publish::http;
use crate::store::Store;

/// What the daemon is given from the environment, never from `feeds.toml`.
#[derive(Debug, Default)]
pub struct Secrets {
    /// None: Telegram dry run.
    pub bot_token: Option<Secret>,
    /// `TINKHAC_ADMIN_TOKEN`; None: no endpoint that changes state.
    pub admin_token: Option<String>,
}

/// Everything a command needs to poll, send and serve.
pub struct App {
    /// The configuration the app started with; [`Live::config`] is the one
    /// in force after reloads.
    pub config: Arc<Config>,
    pub store: Store,
    pub poller: Arc<Poller>,
    /// The channel's worker; None without `[telegram]`.
    pub outbox: Option<Outbox>,
    /// The configuration in force, the channel's status, metrics and
    /// schedule, as the HTTP server and the reloader share them.
    pub live: Arc<Live>,
    /// Health notes for the admin chat (the outbox forwards them).
    notes: UnboundedSender<String>,
    /// None: no endpoint that changes state.
    admin_token: Option<String>,
}

impl App {
    /// Wire the app. Without a bot token the channel runs dry.
    pub fn build(config: Arc<Config>, store: Store, secrets: Secrets) -> anyhow::Result<App> {
        let Secrets {
            bot_token,
            admin_token,
        } = secrets;
        let metrics = Arc::new(Metrics::default());
        let (notes, notes_rx) = tokio::sync::mpsc::unbounded_channel();
        let poller = Arc::new(
            Poller::new(config.clone(), store.clone())?
                .with_admin(notes.clone())
                .with_metrics(metrics.clone()),
        );
        let mut live = Live::new(config.clone(), None, metrics.clone()).with_clock(poller.clock());
        // The outbox reads the sources' names from the configuration in
        // force, so a reload reaches the next message's byline.
        let outbox = Outbox::new(live.subscribe_config(), store.clone(), bot_token)?
            .map(|o| o.with_admin_notes(notes_rx).with_metrics(metrics));
        live.channel = outbox.as_ref().map(Outbox::status);
        live.telegram = outbox.as_ref().and_then(Outbox::sender);
        Ok(App {
            config,
            store,
            poller,
            outbox,
            live: Arc::new(live),
            notes,
            admin_token,
        })
    }

    /// Poll every source once, in parallel (`once`).
    pub async fn poll_all(&self) -> Vec<PollReport> {
        daemon::poll_all(self.poller.clone()).await
    }

    /// Poll every source once, one after the other in configuration order
    /// (the demo's two days: the same "new" counts every run).
    pub async fn poll_in_order(&self) -> Vec<PollReport> {
        daemon::poll_in_order(self.poller.clone()).await
    }

    /// Run the follow-ups the polls queued, within the same limits (`once`
    /// and the demo, after their polls and before the channel's queue).
    pub async fn follow_all(
        &self,
        shutdown: &CancellationToken,
    ) -> Vec<daemon::follow::FollowReport> {
        daemon::follow::follow_all(self.poller.clone(), shutdown).await
    }

    /// Send what the channel's queue holds, within its limits; None without
    /// `[telegram]`. The texts sent (or, dry, that would have been).
    pub async fn drain(
        &mut self,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Option<Vec<String>>> {
        match self.outbox.as_mut() {
            Some(o) => o.drain(shutdown).await.map(Some),
            None => Ok(None),
        }
    }

    /// The daemon: the scheduler, the Telegram worker, retention, the
    /// source-state batches, the store watch and the HTTP server, until
    /// `shutdown`; then the store is flushed (the last batch of source
    /// states with it).
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let App {
            config,
            store,
            poller,
            outbox,
            live,
            notes,
            admin_token,
        } = self;
        let clock = poller.clock();
        let addr = listener.local_addr()?;
        tracing::info!(
            %addr,
            sources = config.sources.len(),
            feed = %format!("{}feed.xml", config.server.base_url),
            "tinkhac running"
        );
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
        let reload_admin = reload_tx.clone();
        let _watcher = daemon::watch_config(&config.path, reload_tx, shutdown.clone());
        let mut tasks = JoinSet::new();
        tasks.spawn({
            let (poller, live, shutdown) = (poller.clone(), live.clone(), shutdown.clone());
            async move {
                daemon::run_scheduler(poller, live, reload_rx, shutdown).await;
                ("scheduler", Ok::<(), std::io::Error>(()))
            }
        });
        if let Some(outbox) = outbox {
            let shutdown = shutdown.clone();
            tasks.spawn(async move {
                let r = outbox.run(shutdown).await.map_err(std::io::Error::other);
                ("telegram", r)
            });
        }
        tasks.spawn({
            let (live, store, shutdown) = (live.clone(), store.clone(), shutdown.clone());
            async move {
                daemon::retention_loop(live, store, clock, shutdown).await;
                ("retention", Ok(()))
            }
        });
        tasks.spawn({
            let (store, shutdown) = (store.clone(), shutdown.clone());
            async move {
                daemon::state_writer(store, crate::store::STATE_BATCH, shutdown).await;
                ("source states", Ok(()))
            }
        });
        tasks.spawn({
            let (store, shutdown) = (store.clone(), shutdown.clone());
            async move {
                daemon::store_watch(store, Some(notes), shutdown).await;
                ("store watch", Ok(()))
            }
        });
        tasks.spawn({
            let shutdown = shutdown.clone();
            async move {
                // Every 30 s: cheap (one walk of the free lists), and the freed
                // pages of a cycle's parsed pages go back to the system.
                let mut every = tokio::time::interval(Duration::from_secs(30));
                loop {
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = every.tick() => crate::malloc::trim(),
                    }
                }
                ("trim", Ok(()))
            }
        });
        let state = http::AppState::with_live(live, store.clone())
            .with_reload(reload_admin)
            .with_admin_token(admin_token);
        tasks.spawn({
            let shutdown = shutdown.clone();
            async move { ("http", http::serve(listener, state, shutdown).await) }
        });
        let mut result = Ok(());
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((name, Ok(()))) => tracing::info!(task = name, "stopped"),
                Ok((name, Err(e))) => {
                    tracing::error!(task = name, error = %e, "task failed; stopping");
                    shutdown.cancel();
                    result = Err(anyhow::anyhow!("{name}: {e}"));
                }
                Err(e) => {
                    tracing::error!(error = %e, "task panicked; stopping");
                    shutdown.cancel();
                    result = Err(anyhow::anyhow!("a task panicked: {e}"));
                }
            }
        }
        store.flush().await.context("flushing the store")?;
        tracing::info!("store flushed; bye");
        result
    }
}

/// One token, tripped by SIGINT or SIGTERM, that every task of a command
/// watches.
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        t.cancel();
    });
    token
}

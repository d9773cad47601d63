//! Accepting HTTP connections within bounds: a cap on open connections, a
//! deadline for each request's head, and one for a stalled response.
//!
//! `axum::serve` keeps an idle connection open for ever and accepts until
//! the process runs out of descriptors, when every poll starts failing with
//! "Too many open files". Here each connection holds one of `cap` permits
//! (sized from the descriptor limit, so polls keep room), a connection that
//! sends no complete request head within `idle_timeout` is closed (hyper's
//! header-read timer starts as soon as a connection waits for a request, so
//! it bounds idle keep-alive and slowly sent headers alike), and a response
//! whose client stops reading for as long is dropped.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// How a server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// For a request's head to arrive, counted from when the connection
    /// starts waiting for it; and for a stalled response to move again.
    pub idle_timeout: Duration,
}

/// How many connections to serve at once: `max_connections`, but never more
/// than half the descriptor limit `nofile`, nor so many that fewer than 64
/// descriptors are left for everything else: polls (one connection each,
/// plus the client's idle pool), the store's files, the Telegram client, the
/// config watcher.
pub fn connection_cap(max_connections: usize, nofile: Option<u64>) -> usize {
    let room = nofile.map_or(u64::MAX, |n| (n / 2).min(n.saturating_sub(64)).max(1));
    max_connections.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Raise the soft limit on open descriptors to the hard one (systemd's
/// default soft limit is 1,024, its hard limit far higher) and return the
/// soft limit in force. None where it cannot be read.
pub fn raise_nofile_limit() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write `lim`.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        Some(lim.rlim_cur)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// The soft limit on open descriptors, where it can be read.
pub fn nofile_limit() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes `lim`.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
        ok.then_some(lim.rlim_cur)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// Serve `router` on `listener` until `shutdown`; then stop accepting, let
/// requests in flight finish (closing idle connections at once) and return
/// once every connection is closed, or after `idle_timeout` more.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let cap = limits.max_connections.clamp(1, u32::MAX as usize);
    let permits = Arc::new(Semaphore::new(cap));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout);
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            p = permits.clone().acquire_owned() => p.expect("never closed"),
        };
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before it
                    // was accepted: neither ends the server. Pause a moment
                    // so that a full table is not spun on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(StallGuard::new(stream, limits.idle_timeout));
        // Each request carries its peer's address (`ConnectInfo`), which
        // the web admin's login rate limit keys on.
        let app = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower_service::Service::call(&mut app.clone(), req)
        });
        let conn = http.serve_connection(io, service);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let r = tokio::select! {
                r = conn.as_mut() => r,
                _ = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    // Every permit back means every connection closed.
    let all = u32::try_from(cap).expect("clamped to u32");
    let _ = tokio::time::timeout(limits.idle_timeout, permits.acquire_many(all)).await;
    Ok(())
}

/// A connection whose writes fail once the peer has read nothing for
/// `stall`: a client that asks for a feed and never reads it would
/// otherwise hold its connection for ever.
struct StallGuard<S> {
    inner: S,
    stall: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> StallGuard<S> {
    fn new(inner: S, stall: Duration) -> StallGuard<S> {
        StallGuard {
            inner,
            stall,
            deadline: None,
        }
    }

    /// On a pending write: fail once the stall lasted `stall`.
    fn check<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.deadline = None;
            return r;
        }
        let stall = self.stall;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        ready!(deadline.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading the response",
        )))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for StallGuard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StallGuard<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.check(cx, r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.check(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        self.check(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_half_the_descriptors_to_polls() {
        assert_eq!(connection_cap(1024, Some(1024)), 512);
        assert_eq!(connection_cap(1024, Some(524_288)), 1024);
        assert_eq!(connection_cap(1024, None), 1024);
        assert_eq!(connection_cap(50, Some(20_000)), 50);
        // A tiny limit still serves, and keeps 64 for the rest.
        assert_eq!(connection_cap(1024, Some(100)), 36);
        assert!(connection_cap(1024, Some(10)) >= 1);
    }

    #[tokio::test]
    async fn a_write_the_peer_never_reads_fails_after_the_stall_timeout() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let stall = Duration::from_secs(1);
        let (ours, mut peer) = tokio::io::duplex(64);
        let mut guarded = StallGuard::new(ours, stall);
        // A peer that reads slowly but steadily: 64 bytes every 100 ms.
        let reader = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            for _ in 0..20 {
                tick.tick().await;
                peer.read_exact(&mut [0; 64]).await.unwrap();
            }
            peer
        });
        let started = tokio::time::Instant::now();
        guarded.write_all(&[b'a'; 20 * 64]).await.unwrap();
        assert!(started.elapsed() > stall, "longer than the stall in all");
        let _peer = reader.await.unwrap();
        // Now it reads nothing.
        let started = tokio::time::Instant::now();
        let err = guarded.write_all(&[b'b'; 1024]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= stall);
    }
}

//! Connections: what a client may hold and for how long.
//!
//! Each connection is served by hyper's HTTP/1 state machine under three
//! clocks and two caps:
//!
//! - the **header timeout** bounds the time from waiting for a request to
//!   having its whole header, so a silent or trickling client (slowloris)
//!   and an idle keep-alive connection are closed after it;
//! - the **idle timeout** closes a connection on which no byte moved either
//!   way for that long: a stalled request body, a client that stops reading
//!   its response;
//! - past **max_connections** open at once, a new connection is answered
//!   `503` with `Retry-After` and closed, so file descriptors never run out
//!   and the clients already connected keep being served;
//! - past **max_in_flight** requests at once, and when no store connection
//!   frees up within **pool_wait**, requests are answered `503` with
//!   `Retry-After` (see `limit_in_flight` and `AppState::with_store`).

use crate::{router, AppState};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

/// What clients may hold. The defaults suit a workstation or a small
/// server: 512 connections stay well under the usual limit of 1024 open
/// files, and 8 store connections with 16 MiB of page cache each bound the
/// store's memory to 128 MiB whatever the load.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Requests being answered at once; more are answered 503.
    pub max_in_flight: usize,
    /// From waiting for a request (the first, or the next on a kept-alive
    /// connection) to having its whole header.
    pub header_timeout: Duration,
    /// No byte read or written for this long closes the connection.
    pub idle_timeout: Duration,
    /// Store connections open at once.
    pub pool: usize,
    /// How long a request waits for a store connection before a 503.
    pub pool_wait: Duration,
    /// Page cache of each store connection, in KiB.
    pub cache_kib: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            max_in_flight: 128,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            pool: 8,
            pool_wait: Duration::from_secs(5),
            cache_kib: 16 * 1024,
        }
    }
}

/// The answer to a connection past the cap, written before closing it.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 65\r\n\r\n{\"error\":\"too many connections: try again shortly\",\"status\":503}\n";

/// Shed connections being answered at once; past this they are closed
/// without an answer (a flood must not cost more than the cap saves).
const MAX_SHEDDING: usize = 64;

/// Serves the store at `db` on `listener` within `limits` until `shutdown`
/// completes.
pub async fn serve_on(
    listener: TcpListener,
    db: PathBuf,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let bound = listener.local_addr()?;
    let app = router(AppState::with_limits(db, limits.clone(), Some(bound)));
    let service = hyper_util::service::TowerToHyperService::new(app);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let shedding = Arc::new(Semaphore::new(MAX_SHEDDING));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it
                // was accepted: wait a little, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        match connections.clone().try_acquire_owned() {
            Ok(permit) => {
                let conn = http.serve_connection(
                    TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout)),
                    service.clone(),
                );
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
            Err(_) => {
                if let Ok(permit) = shedding.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        shed(stream).await;
                        drop(permit);
                    });
                }
            }
        }
    }
}

/// Answers 503 and closes, reading what the client sent for a moment so
/// that it gets the answer rather than a reset.
async fn shed(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(SHED).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

/// A stream that fails with `TimedOut` once no byte has moved either way
/// for `idle`.
struct IdleTimeout<S> {
    inner: S,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, idle: Duration) -> Self {
        IdleTimeout {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    /// After an I/O poll: progress moves the deadline, waiting checks it.
    fn watch<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Ready(v) => {
                let next = Instant::now() + self.idle;
                self.deadline.as_mut().reset(next);
                Poll::Ready(v)
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle too long",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.watch(cx, r)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, r)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A server on a free loopback port over an empty store, within
    /// `limits`; stopped when the guard is dropped.
    struct Running {
        addr: std::net::SocketAddr,
        _dir: tempfile::TempDir,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
    }

    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.stop.take().map(|s| s.send(()));
        }
    }

    async fn start(limits: Limits) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        drop(wiretrace_store::SqliteStore::open(&db).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve_on(listener, db, limits, async {
            let _ = rx.await;
        }));
        Running {
            addr,
            _dir: dir,
            stop: Some(tx),
        }
    }

    /// Everything the server sends until it closes the connection; a
    /// server that never closes fails the test (after a minute).
    async fn read_until_closed(s: &mut TcpStream) -> String {
        let mut out = Vec::new();
        let r = tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut out)).await;
        assert!(r.is_ok(), "the server kept the connection open");
        String::from_utf8_lossy(&out).into_owned()
    }

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        read_until_closed(&mut s).await
    }

    #[test]
    fn the_shed_answer_is_well_formed() {
        let text = std::str::from_utf8(SHED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 503);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_connection_cap_a_client_gets_503_and_the_others_go_on() {
        let server = start(Limits {
            max_connections: 3,
            ..Limits::default()
        })
        .await;
        // Three idle clients hold every slot...
        let mut idle = Vec::new();
        for _ in 0..3 {
            idle.push(TcpStream::connect(server.addr).await.unwrap());
        }
        // ... (the server has accepted them once one of them is answered)
        let mut first = idle.pop().unwrap();
        first
            .write_all(
                format!("GET /api/health HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes(),
            )
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = first.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        idle.push(first);
        // ... so the next is told to come back, not left hanging.
        let shed = get(server.addr, "/api/health").await;
        assert!(shed.starts_with("HTTP/1.1 503"), "{shed}");
        assert!(shed.contains("retry-after: 1"), "{shed}");
        // One leaves: its slot serves the next client.
        drop(idle.pop());
        let mut answer = String::new();
        for _ in 0..200 {
            answer = get(server.addr, "/api/health").await;
            if answer.starts_with("HTTP/1.1 200") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn silent_trickling_and_idle_clients_are_disconnected() {
        let server = start(Limits {
            header_timeout: Duration::from_millis(300),
            idle_timeout: Duration::from_millis(600),
            ..Limits::default()
        })
        .await;
        // Connects and says nothing.
        let mut silent = TcpStream::connect(server.addr).await.unwrap();
        read_until_closed(&mut silent).await;
        // Sends its header a byte at a time, slower than the timeout.
        let mut trickle = TcpStream::connect(server.addr).await.unwrap();
        let header = format!("GET /api/health HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr);
        let mut closed = false;
        for b in header.bytes() {
            if trickle.write_all(&[b]).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rest = if closed {
            String::new()
        } else {
            read_until_closed(&mut trickle).await
        };
        assert!(
            !rest.contains("200 OK"),
            "a trickled header was served: {rest}"
        );
        // Kept alive after an answer, then idle.
        let mut kept = TcpStream::connect(server.addr).await.unwrap();
        kept.write_all(header.as_bytes()).await.unwrap();
        let answer = read_until_closed(&mut kept).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // Meanwhile the server serves others.
        assert!(get(server.addr, "/api/health")
            .await
            .starts_with("HTTP/1.1 200"));
    }

    /// A client that stops sending mid-request, or stops reading its
    /// answer, leaves hyper waiting on the stream: the stream gives up.
    #[tokio::test]
    async fn a_stream_on_which_nothing_moves_times_out_both_ways() {
        let idle = Duration::from_millis(200);
        let (client, server) = tokio::io::duplex(16);
        let mut stream = IdleTimeout::new(server, idle);
        let mut client = client;
        // Bytes arriving keep it open past the idle time...
        let mut buf = [0u8; 8];
        for _ in 0..4 {
            client.write_all(b"x").await.unwrap();
            assert_eq!(stream.read(&mut buf).await.unwrap(), 1);
            tokio::time::sleep(idle / 2).await;
        }
        // ... then nothing comes.
        let err = stream.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        // A reader that never reads: writes stall once its buffer is full.
        let (_reader, server) = tokio::io::duplex(16);
        let mut stream = IdleTimeout::new(server, idle);
        let err = stream.write_all(&[0u8; 1024]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}

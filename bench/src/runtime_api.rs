//! A minimal Lambda Runtime API on loopback: serves one event, then holds every further
//! `next` open, and reports what the runtime did and when.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::{BenchError, Result};

/// What the runtime did.
#[derive(Debug)]
pub enum Seen {
    /// `GET /runtime/invocation/next`.
    Next,
    /// `POST /runtime/invocation/{id}/response`.
    Response,
    /// `POST /runtime/invocation/{id}/error`, with its body.
    Error(String),
    /// `POST /runtime/init/error`, with its body.
    InitError(String),
}

struct Inner {
    event: Bytes,
    request_id: String,
    function_arn: String,
    served: AtomicBool,
    seen: mpsc::UnboundedSender<(Instant, Seen)>,
}

/// A running Runtime API; stops when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    task: JoinHandle<()>,
    /// What the runtime did, with the instant the request arrived.
    pub seen: mpsc::UnboundedReceiver<(Instant, Seen)>,
}

impl RuntimeApi {
    /// Listens on an ephemeral loopback port, ready to serve `event` to `function_name`.
    pub async fn start(function_name: &str, event: &serde_json::Value) -> Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(BenchError::io("binding the Runtime API"))?;
        let addr = listener.local_addr().map_err(BenchError::io("binding the Runtime API"))?;
        let (tx, seen) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            event: Bytes::from(serde_json::to_vec(event).map_err(BenchError::step)?),
            request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd".into(),
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
            served: AtomicBool::new(false),
            seen: tx,
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(inner);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, task, seen })
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> (StatusCode, HeaderMap, Bytes) {
    let _ = inner.seen.send((Instant::now(), Seen::Next));
    if inner.served.swap(true, Ordering::SeqCst) {
        // One event per process: the runtime waits here until it is killed, as it would wait
        // for the next invocation.
        std::future::pending::<()>().await;
    }
    let deadline = SystemTime::now().checked_add(Duration::from_secs(60)).unwrap_or_else(SystemTime::now);
    let deadline_ms = deadline.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    let mut headers = HeaderMap::new();
    let pairs = [
        ("lambda-runtime-aws-request-id", inner.request_id.clone()),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", inner.function_arn.clone()),
        (
            "lambda-runtime-trace-id",
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".into(),
        ),
        ("content-type", "application/json".into()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    (StatusCode::OK, headers, inner.event.clone())
}

async fn response(State(inner): State<Arc<Inner>>, _body: Bytes) -> StatusCode {
    let _ = inner.seen.send((Instant::now(), Seen::Response));
    StatusCode::ACCEPTED
}

async fn error(State(inner): State<Arc<Inner>>, body: Bytes) -> StatusCode {
    let _ = inner.seen.send((Instant::now(), Seen::Error(String::from_utf8_lossy(&body).into_owned())));
    StatusCode::ACCEPTED
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> StatusCode {
    let _ = inner.seen.send((Instant::now(), Seen::InitError(String::from_utf8_lossy(&body).into_owned())));
    StatusCode::ACCEPTED
}

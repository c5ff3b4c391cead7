//! Serves a [`Fake`] on a lean axum server, as `load` does: nothing is kept per request, so
//! memory stays flat over a long run (wiremock keeps every matched request, ~6 KB each).

use super::fake::Fake;
use super::wire::{FakeReply, FakeRequest};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, Uri};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running axum server answering as one fake PG. Stops when dropped.
pub struct LeanServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl LeanServer {
    /// Starts on `listener`; bind it to loopback (port 0 for a free port).
    pub fn start(fake: Arc<Fake>, listener: TcpListener) -> std::io::Result<LeanServer> {
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(answer).with_state(fake);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(LeanServer { addr, task })
    }

    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for LeanServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let req = FakeRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers.iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect(),
        body: body.to_vec(),
    };
    let reply = fake.respond(&req);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    response(reply)
}

fn response(reply: FakeReply) -> Response<Body> {
    let mut builder = Response::builder().status(reply.status).header("content-type", reply.content_type);
    if reply.reset {
        // Promise more body than is sent: hyper aborts the connection mid-answer.
        builder = builder.header("content-length", reply.body.len() + 4096);
    }
    builder.body(Body::from(reply.body)).unwrap_or_else(|_| Response::new(Body::empty()))
}

//! Serves a [`Fake`] on a wiremock `MockServer`, as `run` does: wiremock's request journal is
//! kept as evidence. The fake's logic runs under wiremock's server lock, so it stays short and
//! every delay goes through `set_delay`.

use super::fake::Fake;
use super::wire::{FakeReply, FakeRequest};
use std::net::TcpListener;
use std::sync::Arc;
use wiremock::{matchers::any, Mock, MockServer, Request, Respond, ResponseTemplate};

/// A running wiremock server answering as one fake PG.
pub struct MockPgServer {
    server: MockServer,
}

struct FakeResponder(Arc<Fake>);

impl Respond for FakeResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let req = FakeRequest {
            method: request.method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().unwrap_or_default().to_string(),
            headers: request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            body: request.body.clone(),
        };
        template(self.0.respond(&req))
    }
}

fn template(reply: FakeReply) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(reply.status).set_delay(reply.delay);
    if reply.reset {
        // Promise more body than is sent: the server aborts the connection mid-answer,
        // which the client sees as a dropped connection.
        let len = reply.body.len() + 4096;
        template = template.insert_header("content-length", len.to_string().as_str());
    }
    template.set_body_raw(reply.body.into_bytes(), reply.content_type)
}

impl MockPgServer {
    /// Starts on `listener` (a fixed port), or on a free loopback port when `None`.
    pub async fn start(fake: Arc<Fake>, listener: Option<TcpListener>) -> MockPgServer {
        let mut builder = MockServer::builder();
        if let Some(listener) = listener {
            builder = builder.listener(listener);
        }
        let server = builder.start().await;
        Mock::given(any()).respond_with(FakeResponder(fake)).mount(&server).await;
        MockPgServer { server }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every request the server received, in order: method, path and body.
    pub async fn journal(&self) -> Vec<FakeRequest> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| FakeRequest {
                method: r.method.to_string(),
                path: r.url.path().to_string(),
                query: r.url.query().unwrap_or_default().to_string(),
                headers: Vec::new(),
                body: r.body,
            })
            .collect()
    }
}

//! A goose user as a [`Transport`]: each op of an order is one named request in goose's
//! metrics, and a refusal (4xx) counts as an answer, not a failed request.

use crate::spec::Op;
use crate::target::{net, Transport};
use goose::prelude::*;

/// Sends requests through the goose user running this order.
pub struct GooseTransport<'u> {
    user: tokio::sync::Mutex<&'u mut GooseUser>,
}

impl<'u> GooseTransport<'u> {
    pub fn new(user: &'u mut GooseUser) -> Self {
        GooseTransport { user: tokio::sync::Mutex::new(user) }
    }
}

impl Transport for GooseTransport<'_> {
    fn send(
        &self,
        op: Op,
        request: reqwest::RequestBuilder,
    ) -> futures::future::BoxFuture<'_, Result<reqwest::Response, String>> {
        Box::pin(async move {
            let mut user = self.user.lock().await;
            let goose_request = GooseRequest::builder().set_request_builder(request).name(op.as_str()).build();
            match user.request(goose_request).await {
                Ok(mut answer) => {
                    // A refusal (4xx) is a definite answer, not a failed request.
                    let refused = answer.response.as_ref().is_ok_and(|r| r.status().is_client_error());
                    if refused {
                        let _ = user.set_success(&mut answer.request);
                    }
                    answer.response.map_err(|e| net::describe_error(&e))
                }
                Err(e) => Err(format!("goose could not send the request: {e}")),
            }
        })
    }
}

//! [`PgClient`]: sends a wire codec's calls over HTTP and sorts transport failures into
//! error categories. The only place in the PG layer that does I/O.

use super::canonical::{
    ApproveRequest, CancelRequest, ErrorCategory, Krw, PaymentRef, PgCancel, PgError, PgPayment, Rejection,
};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpBody, HttpCall, HttpReply, RawExchange};
use super::name::PgName;
use super::redact::redact;
use std::time::{Duration, Instant};

/// The answer to one PG operation, with every HTTP exchange it took (secrets redacted).
#[derive(Debug, Clone)]
pub struct PgCall<T> {
    pub result: Result<T, PgError>,
    pub exchanges: Vec<RawExchange>,
    /// The PG payment id the call was about, when known (an approval that timed out still
    /// has one: it is what an inquiry needs).
    pub pg_payment_id: Option<String>,
}

/// A client for one PG: base URL, keys, and the codec for its wire format.
///
/// ```no_run
/// # async fn demo() {
/// use paydrill::pg::{ApproveRequest, Credentials, PgClient, PgName};
/// let toss = PgClient::new(PgName::Toss, "http://127.0.0.1:18101", Credentials {
///     merchant_id: String::new(),
///     secret: "test_sk_paydrill".into(),
/// });
/// let call = toss
///     .approve(&ApproveRequest {
///         merchant_order_id: "ord_1".into(),
///         amount: 10_000,
///         idempotency_key: None,
///         customer_key: Some("tgen_20261201000000000001".into()),
///     })
///     .await;
/// println!("{:?}", call.result);
/// # }
/// ```
pub struct PgClient {
    pg: PgName,
    base_url: String,
    creds: Credentials,
    codec: Box<dyn WireCodec>,
    http: reqwest::Client,
    timeout: Duration,
    /// The access token the PG's calls carry, where it issues one (header name, value).
    token: std::sync::Mutex<Option<(String, String)>>,
}

impl PgClient {
    pub fn new(pg: PgName, base_url: &str, creds: Credentials) -> Self {
        PgClient {
            pg,
            base_url: base_url.trim_end_matches('/').to_string(),
            creds,
            codec: pg.codec(),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .pool_max_idle_per_host(64)
                .build()
                .expect("reqwest client with static settings"),
            timeout: Duration::from_secs(10),
            token: std::sync::Mutex::new(None),
        }
    }

    /// How long to wait for the PG's answer before the call counts as a timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn pg(&self) -> PgName {
        self.pg
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The wire format this client speaks (for what arrives from the PG unasked: webhooks).
    pub fn codec(&self) -> &dyn WireCodec {
        self.codec.as_ref()
    }

    /// Approves a payment: the PG's prepare step where it has one, then the approval itself.
    pub async fn approve(&self, req: &ApproveRequest) -> PgCall<PgPayment> {
        let prepared = self.prepare(req).await;
        let mut exchanges = prepared.exchanges;
        let id = match prepared.result {
            Ok(id) => id,
            Err(e) => return PgCall { result: Err(e), exchanges, pg_payment_id: None },
        };
        let approved = self.approve_prepared(&id, req).await;
        exchanges.extend(approved.exchanges);
        PgCall { result: approved.result, exchanges, pg_payment_id: approved.pg_payment_id }
    }

    /// The PG's payment id for an order: from the PG's prepare step (KakaoPay `ready`, Naver
    /// Pay `reserve`), or the id the customer's widget authentication stands for.
    pub async fn prepare(&self, req: &ApproveRequest) -> PgCall<String> {
        let mut exchanges = Vec::new();
        let result = match (req.customer_key.as_deref(), self.codec.customer_key_names_payment()) {
            // The customer's approval already named the payment.
            (Some(key), true) => Ok(key.to_string()),
            _ => match self.codec.prepare(&self.creds, req) {
                Some(call) => self.send(&call, &mut exchanges).await.and_then(|r| self.codec.read_prepared(&r)),
                None => Ok(self.codec.payment_id_for(&req.merchant_order_id)),
            },
        };
        let pg_payment_id = result.as_ref().ok().cloned();
        PgCall { result, exchanges, pg_payment_id }
    }

    /// Approves a prepared payment.
    pub async fn approve_prepared(&self, pg_payment_id: &str, req: &ApproveRequest) -> PgCall<PgPayment> {
        let mut exchanges = Vec::new();
        let call = self.codec.approve(&self.creds, pg_payment_id, req);
        let result = match self.send(&call, &mut exchanges).await.and_then(|r| self.codec.read_approve(&r)) {
            Ok(Some(paid)) => Ok(paid),
            // A summary answer: the approval went through; read what the PG now holds.
            Ok(None) => {
                let payment = PaymentRef {
                    pg_payment_id: pg_payment_id.to_string(),
                    merchant_order_id: req.merchant_order_id.clone(),
                };
                let read = self.codec.inquire(&self.creds, &payment);
                self.send(&read, &mut exchanges).await.and_then(|r| self.codec.read_inquire(&r)).map_err(|e| {
                    // The approval went through: the outcome is known at the PG, not failed.
                    PgError {
                        category: ErrorCategory::Unexpected,
                        rejection: None,
                        message: format!("approved, but reading the payment after it failed: {}", e.message),
                        ..e
                    }
                })
            }
            Err(e) => Err(e),
        };
        PgCall {
            result: result.and_then(|paid| self.as_ordered(paid, req)),
            exchanges,
            pg_payment_id: Some(pg_payment_id.to_string()),
        }
    }

    /// An approved payment the merchant may take: for its order and its amount. A PG whose
    /// payment completes in the customer's window (PortOne V1) is where this catches a payment
    /// for another order or a changed amount; the merchant must then cancel it.
    fn as_ordered(&self, paid: PgPayment, req: &ApproveRequest) -> Result<PgPayment, PgError> {
        if paid.total != req.amount {
            let message = format!("the PG holds {} won for an order of {}", paid.total, req.amount);
            return Err(PgError::business(self.pg, Rejection::AmountMismatch, "AMOUNT_MISMATCH", message));
        }
        if !paid.merchant_order_id.is_empty() && paid.merchant_order_id != req.merchant_order_id {
            let message =
                format!("the PG's payment is for order {}, not {}", paid.merchant_order_id, req.merchant_order_id);
            return Err(PgError::business(self.pg, Rejection::Other, "ORDER_MISMATCH", message));
        }
        Ok(paid)
    }

    /// Cancels `req.amount`, or everything left when it is `None`.
    pub async fn cancel(&self, payment: &PaymentRef, req: &CancelRequest) -> PgCall<PgCancel> {
        let mut exchanges = Vec::new();
        let mut req = req.clone();
        if req.expected_balance.is_none() && self.codec.cancel_needs_balance(&req) {
            let call = self.codec.inquire(&self.creds, payment);
            let read = self.send(&call, &mut exchanges).await.and_then(|r| self.codec.read_inquire(&r));
            match read {
                Ok(p) => req.expected_balance = Some(p.balance),
                Err(e) => {
                    return PgCall { result: Err(e), exchanges, pg_payment_id: Some(payment.pg_payment_id.clone()) }
                }
            }
        }
        let req = &req;
        let call = self.codec.cancel(&self.creds, payment, req);
        let result = self.send(&call, &mut exchanges).await.and_then(|r| self.codec.read_cancel(payment, req, &r));
        PgCall { result, exchanges, pg_payment_id: Some(payment.pg_payment_id.clone()) }
    }

    /// Cancels part of the payment.
    pub async fn partial_cancel(
        &self,
        payment: &PaymentRef,
        amount: Krw,
        expected_balance: Option<Krw>,
        idempotency_key: Option<String>,
    ) -> PgCall<PgCancel> {
        let req =
            CancelRequest { amount: Some(amount), expected_balance, reason: "partial cancel".into(), idempotency_key };
        self.cancel(payment, &req).await
    }

    /// Reads the payment as the PG has it.
    pub async fn inquire(&self, payment: &PaymentRef) -> PgCall<PgPayment> {
        let mut exchanges = Vec::new();
        let call = self.codec.inquire(&self.creds, payment);
        let result = self.send(&call, &mut exchanges).await.and_then(|r| self.codec.read_inquire(&r));
        PgCall { result, exchanges, pg_payment_id: Some(payment.pg_payment_id.clone()) }
    }

    /// Sends `call`, with the PG's access token where it issues one (fetched once and again
    /// when the PG refuses it with 401).
    async fn send(&self, call: &HttpCall, exchanges: &mut Vec<RawExchange>) -> Result<HttpReply, PgError> {
        let Some(token_call) = self.codec.token_call(&self.creds) else {
            return self.send_as_is(call, exchanges).await;
        };
        let mut fresh = false;
        loop {
            let cached = if fresh { None } else { crate::locks::lock(&self.token).clone() };
            let header = match cached {
                Some(header) => header,
                None => {
                    let reply = self.send_as_is(&token_call, exchanges).await?;
                    let header = self.codec.read_token(&reply)?;
                    *crate::locks::lock(&self.token) = Some(header.clone());
                    header
                }
            };
            let mut with_token = call.clone();
            with_token.headers.push(header);
            let reply = self.send_as_is(&with_token, exchanges).await?;
            if reply.status != 401 || fresh {
                return Ok(reply);
            }
            fresh = true;
        }
    }

    async fn send_as_is(&self, call: &HttpCall, exchanges: &mut Vec<RawExchange>) -> Result<HttpReply, PgError> {
        let url = format!("{}{}", self.base_url, call.path);
        let method = reqwest::Method::from_bytes(call.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut builder = self.http.request(method, &url).timeout(self.timeout);
        for (name, value) in &call.headers {
            builder = builder.header(name, value);
        }
        builder = match &call.body {
            HttpBody::Empty => builder,
            HttpBody::Json(v) => builder.json(v),
            HttpBody::Form(fields) => builder.form(fields),
            HttpBody::Xml(text) => builder.header("Content-Type", "text/xml; charset=utf-8").body(text.clone()),
        };
        let started = Instant::now();
        let outcome = match builder.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                resp.text().await.map(|body| HttpReply { status, body })
            }
            Err(e) => Err(e),
        };
        let mut exchange = RawExchange {
            method: call.method.clone(),
            url,
            request_body: self.redact(&call.body_text()),
            status: None,
            response_body: None,
            error: None,
            elapsed_ms: started.elapsed().as_millis() as u64,
        };
        let result = match outcome {
            Ok(reply) => {
                exchange.status = Some(reply.status);
                exchange.response_body = Some(self.redact(&reply.body));
                Ok(reply)
            }
            Err(e) => {
                let error = self.transport_error(&e);
                exchange.error = Some(error.message.clone());
                Err(error)
            }
        };
        exchanges.push(exchange);
        result
    }

    fn transport_error(&self, e: &reqwest::Error) -> PgError {
        let (category, code) =
            if e.is_timeout() { (ErrorCategory::Timeout, "TIMEOUT") } else { (ErrorCategory::Network, "CONNECTION") };
        PgError {
            pg: self.pg,
            category,
            rejection: None,
            code: code.into(),
            message: format!("{}: {}", code.to_lowercase(), error_chain(e)),
        }
    }

    fn redact(&self, text: &str) -> String {
        redact(text, &self.creds.secret)
    }
}

/// An error and all its sources, joined with `: `.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

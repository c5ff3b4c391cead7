//! What every fake's wire format shares: the request as a fake sees it, its reply, the PG call
//! in canonical terms, and the [`WireServer`] trait each PG's server side implements, plus the
//! small readers and writers the wire formats have in common.

use super::ledger::{LedgerError, Settled};
use super::report::SettlementRow;
use super::webhook::{WebhookEvent, WebhookMessage};
use crate::pg::{Credentials, Krw, PgName, PgOp};
use std::collections::HashMap;
use std::time::Duration;

/// An HTTP request as a fake sees it, whichever server received it.
#[derive(Debug, Clone, Default)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
    /// The query string, without the `?` (empty when there is none).
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FakeRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// A query-string parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as form fields, if it is a form.
    pub fn form(&self) -> Option<HashMap<String, String>> {
        serde_urlencoded::from_bytes(&self.body).ok()
    }

    /// The path split on `/`, without empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A fake's answer, plus how the server should deliver it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Hold the answer this long before sending it.
    pub delay: Duration,
    /// Drop the connection instead of sending a complete answer.
    pub reset: bool,
}

impl FakeReply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        FakeReply {
            status,
            content_type: "application/json",
            body: body.to_string(),
            delay: Duration::ZERO,
            reset: false,
        }
    }

    /// An XML answer (SOAP).
    pub fn xml(status: u16, body: impl Into<String>) -> Self {
        FakeReply {
            status,
            content_type: "text/xml; charset=utf-8",
            body: body.into(),
            delay: Duration::ZERO,
            reset: false,
        }
    }
}

/// A PG call in canonical terms, as a wire server parsed it from the HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireCall {
    /// A server-side payment preparation (KakaoPay `ready`): creates a READY payment.
    Ready { pg_payment_id: String, merchant_order_id: String, amount: Krw },
    /// Approve (confirm). Missing fields are taken from the authenticated payment; `token` is the
    /// one-time proof of the customer's approval where the PG issues one apart from the payment
    /// id (PortOne `paymentToken`, KakaoPay `pg_token`).
    Approve { pg_payment_id: String, merchant_order_id: Option<String>, amount: Option<Krw>, token: Option<String> },
    /// Cancel `amount`, or all that is left when `None`.
    Cancel { pg_payment_id: String, amount: Option<Krw>, expected_balance: Option<Krw>, reason: String },
    /// Read a payment by the PG's id or by the merchant order id.
    Inquire { pg_payment_id: Option<String>, merchant_order_id: Option<String> },
}

impl WireCall {
    /// The PG payment id the call names, if it names one.
    pub fn pg_payment_id(&self) -> Option<&str> {
        match self {
            WireCall::Ready { pg_payment_id, .. }
            | WireCall::Approve { pg_payment_id, .. }
            | WireCall::Cancel { pg_payment_id, .. } => Some(pg_payment_id),
            WireCall::Inquire { pg_payment_id, .. } => pg_payment_id.as_deref(),
        }
    }

    pub fn op(&self) -> PgOp {
        match self {
            WireCall::Ready { .. } | WireCall::Approve { .. } => PgOp::Approve,
            WireCall::Cancel { .. } => PgOp::Cancel,
            WireCall::Inquire { .. } => PgOp::Inquire,
        }
    }
}

/// What the customer's approval in the PG's window hands the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerStep {
    /// The payment's own id (Toss `paymentKey`, NicePay `tid`...): the payment is READY under it.
    PaymentKey,
    /// A one-time token apart from the payment id, which the confirm must carry. `payment`:
    /// whether the approval also makes the READY payment (PortOne; KakaoPay's `ready` makes it).
    Token { payment: bool },
    /// The payment completes in the PG's window (PortOne V1): it is PAID under the key, and the
    /// merchant only reads it back.
    Pays,
}

/// One PG wire format, server side, without I/O: parse an HTTP request into a [`WireCall`]
/// (or refuse it in the PG's own way), and render the ledger's outcome in the PG's envelope.
pub trait WireServer: Send + Sync {
    fn pg(&self) -> PgName;

    /// The idempotency header this PG honours, if it has one (Toss, PortOne).
    fn idempotency_header(&self) -> Option<&'static str> {
        None
    }

    /// Checks auth and reads the call. `Err` is the PG's own refusal (bad key, unknown path,
    /// malformed body), sent as it is.
    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply>;

    /// The PG's answer to `call`, given what the ledger did.
    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply;

    /// The PG's internal-error answer (used by the `error` fault).
    fn internal_error(&self) -> FakeReply;

    /// The key this PG issues when a customer authorises `merchant_order_id` (the `seq`-th
    /// authorisation at this fake). By default the id paydrill's own PG client assumes.
    fn customer_key(&self, merchant_order_id: &str, _seq: u64) -> String {
        format!("{}_{merchant_order_id}", self.pg())
    }

    /// What the customer's approval gives the merchant at this PG.
    fn customer_step(&self) -> CustomerStep {
        CustomerStep::PaymentKey
    }

    /// This PG's webhook for `event`, signed with `secret` where the PG signs; `None` where
    /// the PG sends none.
    fn webhook(&self, _event: &WebhookEvent, _secret: &str) -> Option<WebhookMessage> {
        None
    }

    /// The answer to a request sent again under an idempotency key while the first one is
    /// still being worked on, where the PG documents one (`None`: the stored answer waits).
    fn in_progress(&self) -> Option<FakeReply> {
        None
    }

    /// The PG's own settlement listing, where it has one (Toss `GET /v1/settlements`): `rows`
    /// are every approval and cancel of the ledger. `None`: not such a request.
    fn settlements(
        &self,
        _req: &FakeRequest,
        _creds: &Credentials,
        _rows: &dyn Fn() -> Vec<SettlementRow>,
    ) -> Option<FakeReply> {
        None
    }

    /// Whether this PG signs its webhooks.
    fn webhooks_signed(&self) -> bool {
        true
    }

    /// A forged copy of `message`: its signature (a header or a body field named so) broken.
    fn forge(&self, message: &WebhookMessage) -> WebhookMessage {
        let mut forged = message.clone();
        for (name, value) in forged.headers.iter_mut() {
            if name.to_ascii_lowercase().contains("signature") {
                *value = "v1,Zm9yZ2VkIGJ5IHNvbWVvbmUgZWxzZQ==".into();
            }
        }
        if let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&forged.body) {
            if body.get("signature").is_some() {
                body["signature"] = serde_json::json!("0".repeat(64));
                forged.body = body.to_string();
            }
        }
        forged
    }

    /// After how many retry units a refused webhook is sent again, once per entry.
    fn webhook_retries(&self) -> &'static [u32] {
        &[]
    }
}

/// The merchant order id in a payment id made by the PG client's stand-in for the customer's
/// widget authentication (`<pg>_<merchant order id>`), for PGs whose approve body has no order id.
pub fn order_in_payment_id(pg: PgName, pg_payment_id: &str) -> Option<String> {
    pg_payment_id
        .strip_prefix(pg.as_str())
        .and_then(|rest| rest.strip_prefix('_'))
        .filter(|rest| !rest.is_empty())
        .map(str::to_string)
}

/// A JSON field as text (strings as they are, numbers written out).
pub fn text_field(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON field as whole won (numbers, or strings of digits).
pub fn krw_field(v: &serde_json::Value, key: &str) -> Option<Krw> {
    match v.get(key)? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// KST (UTC+9) RFC 3339 time, the way Korean PGs write it.
pub fn kst(t: time::OffsetDateTime) -> String {
    let offset = time::UtcOffset::from_hms(9, 0, 0).expect("valid offset");
    t.to_offset(offset).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// How many idempotency keys a fake remembers (at 15,000 orders/min, the last ~20 seconds of
/// one PG's keys: far longer than any scenario's replays).
pub const REPLAY_WINDOW: usize = 2_000;

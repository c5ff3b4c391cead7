//! PG fakes: a stateful [`Ledger`] per PG, the server side of each PG's wire format
//! ([`WireServer`]), scripted and rate-drawn [`Fault`]s, and the two servers that host the same
//! [`Fake`]: wiremock for `run` (its journal is evidence) and a lean axum server for `load`.

mod config;
mod fault;
mod fleet;
mod lean_server;
mod ledger;
mod mock_server;

pub mod easypay;
pub mod inicis;
pub mod kakaopay;
pub mod kcp;
pub mod naverpay;
pub mod nicepay;
pub mod portone;
pub mod toss;

pub use config::{MockConfig, Quirks};
pub use fault::{Fault, FaultBook, FaultRates};
pub use fleet::{FakeEndpoint, FakeFleet, FleetError, ServerKind};
pub use lean_server::LeanServer;
pub use ledger::{belongs_to, Ledger, LedgerCancel, LedgerError, LedgerPayment, Settled};
pub use mock_server::MockPgServer;

use crate::pg::{Credentials, Krw, PgName, PgOp};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An HTTP request as a fake sees it, whichever server received it.
#[derive(Debug, Clone, Default)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
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
}

/// A PG call in canonical terms, as a wire server parsed it from the HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireCall {
    /// A server-side payment preparation (KakaoPay `ready`): creates a READY payment.
    Ready { pg_payment_id: String, merchant_order_id: String, amount: Krw },
    /// Approve (confirm). Missing fields are taken from the authenticated payment.
    Approve { pg_payment_id: String, merchant_order_id: Option<String>, amount: Option<Krw> },
    /// Cancel `amount`, or all that is left when `None`.
    Cancel { pg_payment_id: String, amount: Option<Krw>, expected_balance: Option<Krw>, reason: String },
    /// Read a payment by the PG's id or by the merchant order id.
    Inquire { pg_payment_id: Option<String>, merchant_order_id: Option<String> },
}

impl WireCall {
    pub fn op(&self) -> PgOp {
        match self {
            WireCall::Ready { .. } | WireCall::Approve { .. } => PgOp::Approve,
            WireCall::Cancel { .. } => PgOp::Cancel,
            WireCall::Inquire { .. } => PgOp::Inquire,
        }
    }
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
}

/// The wire server for a PG.
pub fn wire_server(pg: PgName) -> Box<dyn WireServer> {
    match pg {
        PgName::Toss => Box::new(toss::TossServer),
        PgName::Kakaopay => Box::new(kakaopay::KakaopayServer::default()),
        PgName::Nicepay => Box::new(nicepay::NicepayServer::default()),
        PgName::Kcp => Box::new(kcp::KcpServer),
        PgName::Naverpay => Box::new(naverpay::NaverpayServer::default()),
        PgName::Inicis => Box::new(inicis::InicisServer),
        PgName::Easypay => Box::new(easypay::EasypayServer),
        PgName::Portone => Box::new(portone::PortoneServer),
    }
}

/// A fake PG: its settings, ledger, faults and wire format. Cheap to share (`Arc`); both
/// servers call [`Fake::respond`].
pub struct Fake {
    config: MockConfig,
    ledger: Ledger,
    faults: FaultBook,
    wire: Box<dyn WireServer>,
    replays: Mutex<Replays>,
    /// Added to the balance in every cancel answer: a deliberately wrong PG, for tests.
    misreport: AtomicI64,
}

impl Fake {
    pub fn new(config: MockConfig) -> Arc<Fake> {
        let pg = config.pg;
        let seed = 0x5EED_0000 + pg as u64;
        Arc::new(Fake {
            ledger: Ledger::new(pg.as_str()),
            faults: FaultBook::new(config.faults.clone(), seed),
            wire: wire_server(pg),
            replays: Mutex::new(Replays::default()),
            misreport: AtomicI64::new(config.quirks.cancel_balance_offset),
            config,
        })
    }

    pub fn pg(&self) -> PgName {
        self.config.pg
    }

    pub fn config(&self) -> &MockConfig {
        &self.config
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn faults(&self) -> &FaultBook {
        &self.faults
    }

    /// Makes every cancel answer report a balance `offset` won away from the truth.
    pub fn misreport_balance(&self, offset: Krw) {
        self.misreport.store(offset, Ordering::Relaxed);
    }

    /// Answers one request: auth and parse, idempotent replay, fault, ledger, render.
    pub fn respond(&self, req: &FakeRequest) -> FakeReply {
        // Auth comes first: a stored answer is never handed to a caller with the wrong key.
        let call = match self.wire.parse(req, &self.config.credentials) {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        let replay_key = self.replay_key(req);
        if let Some(key) = &replay_key {
            if let Some(stored) = lock(&self.replays).answers.get(key) {
                let mut reply = stored.clone();
                reply.delay = self.faults.latency();
                return reply;
            }
        }
        let order = self.order_of(&call);
        if let Some(code) = req.header("TossPayments-Test-Code").filter(|_| self.pg() == PgName::Toss) {
            return toss::test_code_reply(code);
        }
        // A prepare call is part of the customer's authentication, not the PG call a fault targets.
        let fault = match call {
            WireCall::Ready { .. } => None,
            _ => self.faults.take(order.as_deref(), call.op()),
        };
        let mut reply = match fault {
            Some(Fault::Error) => self.wire.internal_error(),
            Some(Fault::Reset) => FakeReply { reset: true, ..self.wire.internal_error() },
            _ => {
                let outcome = self.apply(&call);
                self.wire.render(&call, &outcome)
            }
        };
        reply.delay = self.faults.latency();
        match fault {
            Some(Fault::Timeout) => reply.delay += self.faults.timeout_delay(),
            Some(Fault::Slow(d)) => reply.delay += d,
            Some(Fault::Malformed) => {
                reply.body.truncate(reply.body.len() / 2);
                reply.body.push_str("<html>502 Bad Gateway");
            }
            _ => {}
        }
        if let (Some(key), true) = (replay_key, fault.is_none_or(Fault::applies_call)) {
            let mut stored = reply.clone();
            stored.delay = Duration::ZERO;
            lock(&self.replays).insert(key, stored);
        }
        reply
    }

    fn replay_key(&self, req: &FakeRequest) -> Option<(String, String, String)> {
        let header = self.wire.idempotency_header()?;
        if req.method != "POST" {
            return None;
        }
        let key = req.header(header)?;
        Some((key.to_string(), req.method.clone(), req.path.clone()))
    }

    fn order_of(&self, call: &WireCall) -> Option<String> {
        match call {
            WireCall::Ready { merchant_order_id, .. } => Some(merchant_order_id.clone()),
            WireCall::Approve { pg_payment_id, merchant_order_id, .. } => {
                merchant_order_id.clone().or_else(|| self.ledger.order_of(pg_payment_id))
            }
            WireCall::Cancel { pg_payment_id, .. } => self.ledger.order_of(pg_payment_id),
            WireCall::Inquire { pg_payment_id, merchant_order_id } => {
                merchant_order_id.clone().or_else(|| pg_payment_id.as_deref().and_then(|id| self.ledger.order_of(id)))
            }
        }
    }

    fn apply(&self, call: &WireCall) -> Result<Settled, LedgerError> {
        match call {
            WireCall::Ready { pg_payment_id, merchant_order_id, amount } => self
                .ledger
                .authenticate(pg_payment_id, merchant_order_id, *amount)
                .map(|payment| Settled { payment, cancel: None }),
            WireCall::Approve { pg_payment_id, merchant_order_id, amount } => {
                self.ledger.approve(pg_payment_id, merchant_order_id.as_deref(), *amount)
            }
            WireCall::Cancel { pg_payment_id, amount, expected_balance, reason } => {
                let mut settled = self.ledger.cancel(pg_payment_id, *amount, *expected_balance, reason)?;
                let offset = self.misreport.load(Ordering::Relaxed);
                if offset != 0 {
                    settled.payment.balance += offset;
                    if let Some(c) = settled.cancel.as_mut() {
                        c.balance_after += offset;
                    }
                }
                Ok(settled)
            }
            WireCall::Inquire { pg_payment_id, merchant_order_id } => {
                let payment = match (pg_payment_id, merchant_order_id) {
                    (Some(id), _) => self.ledger.payment(id),
                    (None, Some(order)) => self.ledger.payment_by_order(order),
                    (None, None) => None,
                };
                payment.map(|payment| Settled { payment, cancel: None }).ok_or(LedgerError::NotFound)
            }
        }
    }
}

/// Stored answers for idempotency keys, the oldest forgotten past [`REPLAY_WINDOW`] so a long
/// load run keeps flat memory (the real PGs keep keys for days; a fake's window is a count).
#[derive(Default)]
struct Replays {
    answers: HashMap<(String, String, String), FakeReply>,
    order: std::collections::VecDeque<(String, String, String)>,
}

/// How many idempotency keys a fake remembers (at 15,000 orders/min, the last ~20 seconds of
/// one PG's keys: far longer than any scenario's replays).
pub const REPLAY_WINDOW: usize = 2_000;

impl Replays {
    fn insert(&mut self, key: (String, String, String), reply: FakeReply) {
        if self.answers.insert(key.clone(), reply).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > REPLAY_WINDOW {
            if let Some(old) = self.order.pop_front() {
                self.answers.remove(&old);
            }
        }
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

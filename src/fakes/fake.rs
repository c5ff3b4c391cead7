//! A fake PG: its settings, ledger, faults, webhooks and wire format, and [`Fake::respond`], the
//! one answer path both servers call — auth and parse, idempotent replay, fault, ledger, webhook,
//! render.

use super::customer::CustomerDesk;
use super::fault::{CallIdentity, FaultBook};
use super::ledger::{Ledger, LedgerError, Settled};
use super::report::{settlement_rows, to_csv, SETTLEMENTS_CSV_PATH};
use super::webhook::{WebhookDesk, WebhookEvent, WebhookKind, BEFORE_ANSWER};
use super::wire::{CustomerStep, FakeReply, FakeRequest, WireCall, WireServer, REPLAY_WINDOW};
use super::{
    bluewalnut, easypay, iamport, inicis, kakaolegacy, kakaopay, kcp, naverorder, naverpay, niceepay, nicepay, portone,
    toss,
};
use crate::locks::lock;
use crate::pg::{pg_table, Krw, PgName, PgStatus};
use crate::spec::{Fault, MockConfig, WebhookScript};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

macro_rules! server_table {
    ($($variant:ident $module:ident $name:literal $codec:ident $server:ident,)*) => {
        /// The wire server for a PG.
        pub fn wire_server(pg: PgName) -> Box<dyn WireServer> {
            match pg {
                $(PgName::$variant => Box::new(<$module::$server>::default()),)*
            }
        }
    };
}
pg_table!(server_table);

/// A fake PG: its settings, ledger, faults and wire format. Cheap to share (`Arc`); both
/// servers call [`Fake::respond`].
pub struct Fake {
    config: MockConfig,
    ledger: Ledger,
    faults: FaultBook,
    wire: Box<dyn WireServer>,
    replays: Mutex<Replays>,
    customers: CustomerDesk,
    webhooks: WebhookDesk,
    /// Added to the balance in every cancel answer: a deliberately wrong PG, for tests.
    misreport: AtomicI64,
}

impl Fake {
    pub fn new(config: MockConfig) -> Arc<Fake> {
        let pg = config.pg;
        let seed = 0x5EED_0000 + pg as u64;
        let wire = wire_server(pg);
        Arc::new(Fake {
            ledger: Ledger::new(pg.as_str()),
            faults: FaultBook::new(config.faults.clone(), seed),
            webhooks: WebhookDesk::new(pg, config.webhooks.clone(), wire.webhook_retries()),
            wire,
            replays: Mutex::new(Replays::default()),
            customers: CustomerDesk::default(),
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

    pub fn webhooks(&self) -> &WebhookDesk {
        &self.webhooks
    }

    /// Makes every cancel answer report a balance `offset` won away from the truth.
    pub fn misreport_balance(&self, offset: Krw) {
        self.misreport.store(offset, Ordering::Relaxed);
    }

    /// The PG's settlement report so far, as CSV in Toss's columns (what
    /// `GET /__paydrill/settlements.csv` answers).
    pub fn settlement_report(&self) -> Result<String, csv::Error> {
        to_csv(&settlement_rows(&self.ledger, &self.config.credentials.merchant_id))
    }

    /// Answers one request: auth and parse, idempotent replay, fault, ledger, render.
    pub fn respond(&self, req: &FakeRequest) -> FakeReply {
        if CustomerDesk::handles(req) {
            return self.customers.authorize(req, self.wire.as_ref(), &self.ledger);
        }
        let mid = &self.config.credentials.merchant_id;
        if req.method == "GET" && req.path == SETTLEMENTS_CSV_PATH {
            return match self.settlement_report() {
                Ok(body) => FakeReply {
                    content_type: "text/csv; charset=utf-8",
                    body,
                    ..FakeReply::json(200, Default::default())
                },
                Err(e) => FakeReply::json(
                    500,
                    serde_json::json!({ "error": format!("the report could not be written: {e}") }),
                ),
            };
        }
        if let Some(listing) =
            self.wire.settlements(req, &self.config.credentials, &|| settlement_rows(&self.ledger, mid))
        {
            return listing;
        }
        // Auth comes first: a stored answer is never handed to a caller with the wrong key.
        let call = match self.wire.parse(req, &self.config.credentials) {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        let replay_key = self.replay_key(req);
        if let Some(key) = &replay_key {
            if let Some((stored, ready_at)) = lock(&self.replays).answers.get(key) {
                // The first request is still being held (a slow or timeout fault): its answer
                // does not exist yet for the caller.
                // A PG that documents no such answer hands over the stored one (chosen).
                if Instant::now() < *ready_at {
                    if let Some(busy) = self.wire.in_progress() {
                        return busy;
                    }
                }
                let mut reply = stored.clone();
                reply.delay = self.faults.latency();
                return reply;
            }
        }
        let order = self.order_of(&call);
        let identity = CallIdentity { merchant_order_id: order.as_deref(), pg_payment_id: call.pg_payment_id() };
        if let Some(code) = req.header("TossPayments-Test-Code").filter(|_| self.pg() == PgName::Toss) {
            return toss::test_code_reply(code);
        }
        // A prepare call is part of the customer's authentication, not the PG call a fault targets.
        let fault = match call {
            WireCall::Ready { .. } => None,
            _ => self.faults.take(&identity, call.op()),
        };
        let mut before_answer = false;
        let mut reply = match fault {
            Some(Fault::Error) => self.wire.internal_error(),
            Some(Fault::Reset) => FakeReply { reset: true, ..self.wire.internal_error() },
            _ => {
                let outcome = self.apply(&call);
                before_answer = self.announce(&call, &outcome, &identity);
                self.wire.render(&call, &outcome)
            }
        };
        reply.delay = self.faults.latency();
        if before_answer {
            reply.delay += BEFORE_ANSWER;
        }
        match fault {
            Some(Fault::Timeout) => reply.delay += self.faults.timeout_delay(),
            Some(Fault::TimeoutFor(hold)) => reply.delay += hold,
            Some(Fault::Slow(d)) => reply.delay += d,
            Some(Fault::Malformed) => {
                let mut half = reply.body.len() / 2;
                while !reply.body.is_char_boundary(half) {
                    half -= 1;
                }
                reply.body.truncate(half);
                reply.body.push_str("<html>502 Bad Gateway");
            }
            _ => {}
        }
        if let (Some(key), true) = (replay_key, fault.is_none_or(Fault::applies_call)) {
            let mut stored = reply.clone();
            stored.delay = Duration::ZERO;
            lock(&self.replays).insert(key, stored, Instant::now() + reply.delay);
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

    /// Sends the webhook a successful approve or cancel makes the PG send, scripted or not;
    /// says whether it is to arrive before the answer.
    fn announce(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>, identity: &CallIdentity) -> bool {
        let Ok(settled) = outcome else { return false };
        let kind = match call {
            WireCall::Approve { .. } => WebhookKind::Paid,
            WireCall::Cancel { .. } if settled.payment.status == PgStatus::Canceled => WebhookKind::Cancelled,
            WireCall::Cancel { .. } => WebhookKind::PartialCancelled,
            _ => return false,
        };
        if self.webhooks.url().is_none() {
            return false;
        }
        let event = WebhookEvent {
            id: self.webhooks.next_event_id(),
            kind,
            payment: settled.payment.clone(),
            cancel: settled.cancel.clone(),
            at: time::OffsetDateTime::now_utc(),
        };
        // A PG without a webhook secret of its own signs with the merchant's key (NICEPAY).
        let secret = Some(self.webhooks.secret()).filter(|s| !s.is_empty());
        let secret = secret.unwrap_or_else(|| self.config.credentials.secret.clone());
        let Some(message) = self.wire.webhook(&event, &secret) else { return false };
        let script = self.webhooks.take_script(identity, call.op()).unwrap_or(WebhookScript::ONCE);
        let forged = self.wire.forge(&message);
        self.webhooks.send(&event, (message, Some(forged), self.wire.webhooks_signed()), script);
        script.before_confirm
    }

    fn apply(&self, call: &WireCall) -> Result<Settled, LedgerError> {
        match call {
            WireCall::Ready { pg_payment_id, merchant_order_id, amount } => self
                .ledger
                .authenticate(pg_payment_id, merchant_order_id, *amount)
                .map(|payment| Settled { payment, cancel: None }),
            WireCall::Approve { pg_payment_id, merchant_order_id, amount, token } => {
                let ready = self.ledger.payment(pg_payment_id).filter(|p| p.status == PgStatus::Ready);
                if let (CustomerStep::Token { .. }, Some(payment)) = (self.wire.customer_step(), ready) {
                    // A READY payment's confirm must carry the token the customer's approval gave
                    // for its order (a paid one is refused as already approved, token or not).
                    let Some(token) = token else { return Err(LedgerError::InvalidToken) };
                    let grant = self.customers.grant(token, &payment.merchant_order_id)?;
                    if payment.total != grant.amount {
                        return Err(LedgerError::AmountMismatch { expected: grant.amount });
                    }
                }
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

/// Stored answers for idempotency keys, each with when it is sent to the first caller, the
/// oldest forgotten past [`REPLAY_WINDOW`] so a long load run keeps flat memory (the real PGs
/// keep keys for days; a fake's window is a count).
#[derive(Default)]
struct Replays {
    answers: HashMap<(String, String, String), (FakeReply, Instant)>,
    order: std::collections::VecDeque<(String, String, String)>,
}

impl Replays {
    fn insert(&mut self, key: (String, String, String), reply: FakeReply, ready_at: Instant) {
        if self.answers.insert(key.clone(), (reply, ready_at)).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > REPLAY_WINDOW {
            if let Some(old) = self.order.pop_front() {
                self.answers.remove(&old);
            }
        }
    }
}

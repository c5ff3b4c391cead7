//! The reference platform's business logic, one file per op: create an order (stored first,
//! answered at once, idempotent by a UNIQUE key), approve through the order's PG (idempotent; a
//! timeout leaves `UNKNOWN`, resolved by inquiry), serialised cancels that never exceed the
//! balance, reads, and PG webhooks; the planted defects' paths apart in `defective`.
//!
//! This file holds what they share: the answer, the PG link, loading an order and showing it. HTTP
//! lives in `api`, SQL in `store`.

mod approve;
mod cancel;
mod create;
mod defective;
mod export;
mod read;
mod webhook;

use super::breaker::Breaker;
use super::defect::Defect;
use crate::locks::KeyedLocks;
use crate::pg::{Krw, PgClient, PgError, PgName};
use crate::platform::store::{self, OrderRow, PaymentRow, StoreResult, StoredAnswer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::AtomicI64;

/// An answer to one API call: HTTP status, JSON body, and whether it replays an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

impl Answer {
    pub(super) fn new(status: u16, body: Value) -> Self {
        Answer { status, body, replayed: false }
    }

    pub(super) fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        Answer::new(status, json!({ "code": code, "message": message.into() }))
    }

    pub(super) fn with(mut self, key: &str, value: Value) -> Self {
        self.body[key] = value;
        self
    }

    pub(super) fn replayed(mut self) -> Self {
        self.replayed = true;
        self
    }

    pub(super) fn stored(&self, request_hash: &str) -> StoredAnswer {
        StoredAnswer { request_hash: request_hash.to_string(), status: self.status, body: self.body.to_string() }
    }
}

/// The answer to an idempotency key sent again with another request.
fn key_reused(key: &str) -> Answer {
    Answer::error(422, "IDEMPOTENCY_KEY_REUSED", format!("key `{key}` was used for another request"))
}

fn store_failed(e: rusqlite::Error) -> Answer {
    Answer::error(500, "STORE_ERROR", format!("the order store failed: {e}"))
}

/// A PG as the platform uses it: its client and its circuit breaker.
pub struct PgLink {
    pub client: PgClient,
    pub breaker: Breaker,
    /// What the PG's webhooks are signed with.
    pub webhook_secret: String,
}

/// Everything the platform's handlers share.
pub struct Payments {
    pub(super) store: store::Store,
    pgs: HashMap<PgName, PgLink>,
    locks: KeyedLocks,
    next_seq: AtomicI64,
    id_prefix: String,
    defects: Vec<Defect>,
}

/// Body of `POST /orders`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    pub pg: String,
    pub amount: Krw,
}

const PAID_STATES: [&str; 3] = ["APPROVED", "PARTIAL_CANCELED", "CANCELED"];

impl Payments {
    /// Orders whose payment has been in doubt since before `since` (for the background inquiry).
    pub fn in_doubt(&self, since: &str, limit: usize) -> StoreResult<Vec<String>> {
        self.store.in_doubt(since, limit)
    }

    pub fn new(
        store: store::Store,
        pgs: HashMap<PgName, PgLink>,
        id_prefix: &str,
        defects: Vec<Defect>,
    ) -> StoreResult<Self> {
        let last = store.last_seq()?;
        Ok(Payments {
            store,
            pgs,
            locks: KeyedLocks::default(),
            next_seq: AtomicI64::new(last + 1),
            id_prefix: id_prefix.to_string(),
            defects,
        })
    }

    pub(super) fn has(&self, defect: Defect) -> bool {
        self.defects.contains(&defect)
    }

    pub(super) fn mark(&self, payment: &mut PaymentRow, status: &str, e: Option<&PgError>) {
        payment.status = status.to_string();
        payment.failure = e.map(|e| format!("{} {}: {}", e.category, e.code, e.message));
        if let Err(err) = self.store.upsert_payment(payment) {
            tracing::error!("could not mark payment {} {status}: {err}", payment.payment_id);
        }
    }

    pub(super) fn load(&self, order_id: &str) -> Result<(OrderRow, &PgLink, Option<PaymentRow>), Answer> {
        let order = match self.store.order(order_id) {
            Ok(Some(order)) => order,
            Ok(None) => return Err(Answer::error(404, "ORDER_NOT_FOUND", format!("no order {order_id}"))),
            Err(e) => return Err(store_failed(e)),
        };
        let link = order
            .pg
            .parse::<PgName>()
            .ok()
            .and_then(|pg| self.pgs.get(&pg))
            .ok_or_else(|| Answer::error(503, "PG_NOT_CONFIGURED", format!("no {} connection", order.pg)))?;
        let payment = self.store.payment_of_order(order_id).map_err(store_failed)?;
        Ok((order, link, payment))
    }

    /// The order as the API shows it.
    pub(super) fn order_answer(&self, order: &OrderRow, payment: Option<&PaymentRow>, status: u16) -> Answer {
        let payment = match payment {
            Some(p) => Some(p.clone()),
            None => match self.store.payment_of_order(&order.order_id) {
                Ok(p) => p,
                Err(e) => return store_failed(e),
            },
        };
        let (balance, transactions) = match &payment {
            Some(p) => match (self.store.balance(&p.payment_id), self.store.transactions(&p.payment_id)) {
                (Ok(b), Ok(t)) => (b, t),
                (Err(e), _) | (_, Err(e)) => return store_failed(e),
            },
            None => (0, Vec::new()),
        };
        Answer::new(
            status,
            json!({
                "order_id": order.order_id,
                "pg": order.pg,
                "amount": order.amount,
                "status": payment.as_ref().map(|p| p.status.as_str()).unwrap_or("CREATED"),
                "balance": balance,
                "payment_id": payment.as_ref().map(|p| p.payment_id.clone()),
                "pg_payment_key": payment.as_ref().and_then(|p| p.pg_payment_key.clone()),
                "failure": payment.as_ref().and_then(|p| p.failure.clone()),
                "created_at": order.created_at,
                "transactions": transactions,
            }),
        )
    }
}

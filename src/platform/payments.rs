//! The reference platform's business logic: create an order (stored first, answered at once,
//! idempotent by a UNIQUE key), approve through the order's PG (idempotent: a second approve
//! never calls the PG again; a timeout leaves `UNKNOWN`, resolved by inquiry), serialised
//! cancels that never exceed the balance, and reads. HTTP lives in `api`, SQL in `store`.

use super::breaker::Breaker;
use super::defect::Defect;
use super::store::{self, Inserted, OrderRow, PaymentRow, StoreResult, StoredAnswer, TransactionRow};
use crate::locks::KeyedLocks;
use crate::pg::{
    ApproveRequest, CancelRequest, ErrorCategory, Krw, PaymentRef, PgClient, PgError, PgName, PgStatus, Rejection,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

/// An answer to one API call: HTTP status, JSON body, and whether it replays an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

impl Answer {
    fn new(status: u16, body: Value) -> Self {
        Answer { status, body, replayed: false }
    }

    fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        Answer::new(status, json!({ "code": code, "message": message.into() }))
    }

    fn with(mut self, key: &str, value: Value) -> Self {
        self.body[key] = value;
        self
    }

    fn replayed(mut self) -> Self {
        self.replayed = true;
        self
    }

    fn stored(&self, request_hash: &str) -> StoredAnswer {
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

    fn has(&self, defect: Defect) -> bool {
        self.defects.contains(&defect)
    }

    /// `POST /orders`: stores the order and answers at once. The idempotency key is a UNIQUE
    /// column, so a duplicate is refused by the database and answered with the first order.
    pub async fn create_order(&self, key: Option<&str>, req: CreateOrder) -> Answer {
        let Some(key) = key.filter(|k| !k.is_empty()) else {
            return Answer::error(400, "IDEMPOTENCY_KEY_REQUIRED", "send an Idempotency-Key header");
        };
        let Ok(pg) = req.pg.parse::<PgName>() else {
            return Answer::error(400, "UNKNOWN_PG", format!("unknown PG `{}`", req.pg));
        };
        if !self.pgs.contains_key(&pg) {
            return Answer::error(400, "PG_NOT_CONFIGURED", format!("this platform has no {pg} connection"));
        }
        if req.amount <= 0 {
            return Answer::error(400, "INVALID_AMOUNT", format!("amount must be positive, got {}", req.amount));
        }
        let hash = format!("{pg}|{}", req.amount);
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let order = OrderRow {
            order_id: format!("{}_{seq:07}", self.id_prefix),
            idempotency_key: key.to_string(),
            request_hash: hash.clone(),
            pg: pg.as_str().to_string(),
            amount: req.amount,
            created_at: store::now(),
        };
        if self.has(Defect::NoIdempotency) || self.has(Defect::RacyCreate) {
            return self.create_order_defective(seq, order).await;
        }
        if self.has(Defect::AckBeforeCommit) && seq % 4 == 0 {
            // Answer first; the write that should follow never happens.
            return self.order_answer(&order, None, 201);
        }
        match self.store.insert_order(seq, &order) {
            Ok(Inserted::New(order)) => self.order_answer(&order, None, 201),
            Ok(Inserted::Existing(first)) if first.request_hash == hash && self.has(Defect::StaleReplay) => {
                let other = self
                    .store
                    .order_before(&first.order_id)
                    .ok()
                    .flatten()
                    .unwrap_or(OrderRow { order_id: format!("{}_{:07}", self.id_prefix, seq), ..first.clone() });
                self.order_answer(&other, None, 201).replayed()
            }
            Ok(Inserted::Existing(first)) if first.request_hash == hash => {
                self.order_answer(&first, None, 201).replayed()
            }
            Ok(Inserted::Existing(first)) => Answer::error(
                422,
                "IDEMPOTENCY_KEY_REUSED",
                format!("key `{key}` was used for another request (order {})", first.order_id),
            )
            .with("order_id", json!(first.order_id)),
            Err(e) => store_failed(e),
        }
    }

    /// The create path of `no-idempotency` and `racy-create`: no UNIQUE key in the way.
    async fn create_order_defective(&self, seq: i64, mut order: OrderRow) -> Answer {
        let key = order.idempotency_key.clone();
        if self.has(Defect::RacyCreate) {
            match self.store.order_by_key(&key) {
                Ok(Some(first)) if first.request_hash == order.request_hash => {
                    return self.order_answer(&first, None, 201).replayed()
                }
                Ok(Some(_)) => return key_reused(&key),
                Ok(None) => {}
                Err(e) => return store_failed(e),
            }
            // The window between the check and the insert.
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        order.idempotency_key = format!("{key}#{seq}");
        match self.store.insert_order(seq, &order) {
            Ok(_) => {
                order.idempotency_key = key;
                self.order_answer(&order, None, 201)
            }
            Err(e) => store_failed(e),
        }
    }

    /// `POST /orders/{id}/approve`.
    pub async fn approve(&self, order_id: &str) -> Answer {
        let _serial = self.locks.lock(format!("approve:{order_id}")).await;
        let (order, link, existing) = match self.load(order_id) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        if let Some(p) = &existing {
            if PAID_STATES.contains(&p.status.as_str()) {
                return self.order_answer(&order, Some(p), 200).replayed();
            }
            if (p.status == "UNKNOWN" || p.status == "APPROVING") && !self.has(Defect::DoubleChargeOnRetry) {
                if let Some(answer) = self.resolve_approval(&order, p, link).await {
                    return answer;
                }
            }
        }
        let retry = existing.as_ref().is_some_and(|p| p.status == "UNKNOWN") && self.has(Defect::DoubleChargeOnRetry);
        if !link.breaker.allows() {
            return Answer::error(503, "PG_CIRCUIT_OPEN", format!("{} is failing; not called for now", order.pg));
        }
        let mut payment = existing.unwrap_or_else(|| PaymentRow {
            payment_id: format!("pay_{order_id}"),
            order_id: order_id.to_string(),
            pg: order.pg.clone(),
            pg_payment_key: None,
            status: "APPROVING".into(),
            amount: order.amount,
            failure: None,
            version: 0,
        });
        payment.status = "APPROVING".into();
        payment.failure = None;
        if let Err(e) = self.store.upsert_payment(&payment) {
            return store_failed(e);
        }
        // The defect re-submits the order under a fresh merchant order id (and so a fresh key).
        let merchant_order_id =
            if retry { format!("{order_id}-r{}", payment.version + 2) } else { order_id.to_string() };
        let req = ApproveRequest {
            idempotency_key: Some(format!("approve-{merchant_order_id}")),
            merchant_order_id,
            amount: order.amount,
        };
        let call = link.client.approve(&req).await;
        payment.pg_payment_key = call.pg_payment_id.clone().or(payment.pg_payment_key);
        match call.result {
            Ok(paid) => {
                link.breaker.succeeded();
                payment.pg_payment_key = Some(paid.pg_payment_id.clone());
                self.record_approval(&order, payment, paid.total, &paid.transaction_id)
            }
            Err(e) if matches!(e.rejection, Some(Rejection::AlreadyApproved | Rejection::DuplicateOrderId)) => {
                // The PG already holds this order: find out what it has.
                self.mark(&mut payment, "UNKNOWN", Some(&e));
                match self.resolve_approval(&order, &payment, link).await {
                    Some(answer) => answer,
                    None => self.pg_failure(&order, &mut payment, e),
                }
            }
            Err(e) => {
                if e.category != ErrorCategory::Business {
                    link.breaker.failed();
                }
                self.pg_failure(&order, &mut payment, e)
            }
        }
    }

    /// Sorts a failed approval: refused → FAILED (422), PG fault → FAILED (502), outcome not
    /// known → UNKNOWN (202), to be resolved by an inquiry.
    fn pg_failure(&self, order: &OrderRow, payment: &mut PaymentRow, e: PgError) -> Answer {
        let (status, http, code) = match e.category {
            ErrorCategory::Business => ("FAILED", 422, "PG_REJECTED"),
            ErrorCategory::System => ("FAILED", 502, "PG_ERROR"),
            _ => ("UNKNOWN", 202, "PG_OUTCOME_UNKNOWN"),
        };
        self.mark(payment, status, Some(&e));
        self.order_answer(order, Some(payment), http)
            .with("code", json!(code))
            .with("pg_code", json!(e.code))
            .with("error_category", json!(e.category.as_str()))
            .with("message", json!(e.message))
    }

    fn mark(&self, payment: &mut PaymentRow, status: &str, e: Option<&PgError>) {
        payment.status = status.to_string();
        payment.failure = e.map(|e| format!("{} {}: {}", e.category, e.code, e.message));
        if let Err(err) = self.store.upsert_payment(payment) {
            tracing::error!("could not mark payment {} {status}: {err}", payment.payment_id);
        }
    }

    /// Asks the PG what became of an approval whose outcome is unknown. `None`: the PG never
    /// approved it, so approving again is safe.
    async fn resolve_approval(&self, order: &OrderRow, payment: &PaymentRow, link: &PgLink) -> Option<Answer> {
        let key = payment.pg_payment_key.clone()?;
        let call =
            link.client.inquire(&PaymentRef { pg_payment_id: key, merchant_order_id: order.order_id.clone() }).await;
        match call.result {
            Ok(seen) if matches!(seen.status, PgStatus::Paid | PgStatus::PartialCanceled | PgStatus::Canceled) => {
                let mut payment = payment.clone();
                payment.pg_payment_key = Some(seen.pg_payment_id.clone());
                Some(self.record_approval(order, payment, seen.total, &seen.transaction_id))
            }
            Ok(_) => None,
            Err(e) if e.rejection == Some(Rejection::NotFound) => None,
            Err(e) => Some(
                self.order_answer(order, Some(payment), 202)
                    .with("code", json!("PG_OUTCOME_UNKNOWN"))
                    .with("message", json!(format!("inquiry failed: {e}"))),
            ),
        }
    }

    fn record_approval(&self, order: &OrderRow, mut payment: PaymentRow, amount: Krw, pg_tx: &str) -> Answer {
        let result = self.store.upsert_payment(&payment).and_then(|_| {
            let current = self.store.payment_of_order(&order.order_id)?.map(|p| p.version).unwrap_or(0);
            let tx = TransactionRow {
                transaction_id: format!("txn_{}_1", payment.payment_id),
                kind: "APPROVAL".into(),
                amount,
                balance_after: amount,
                pg_transaction_id: Some(pg_tx.to_string()),
                created_at: store::now(),
            };
            self.store.record_movement(&payment.payment_id, "APPROVED", current, &tx)
        });
        match result {
            Ok(_) => {
                payment.status = "APPROVED".into();
                payment.failure = None;
                self.order_answer(order, Some(&payment), 200)
            }
            Err(e) => store_failed(e),
        }
    }

    /// `POST /orders/{id}/cancel`: `amount = None` cancels all that is left. Cancels of one
    /// payment are serialised, and the balance check sits inside that serialisation.
    pub async fn cancel(&self, order_id: &str, key: Option<&str>, amount: Option<Krw>) -> Answer {
        let Some(key) = key.filter(|k| !k.is_empty()) else {
            return Answer::error(400, "IDEMPOTENCY_KEY_REQUIRED", "send an Idempotency-Key header");
        };
        if let Some(a) = amount.filter(|a| *a <= 0) {
            return Answer::error(400, "INVALID_AMOUNT", format!("cancel amount must be positive, got {a}"));
        }
        let hash = format!("cancel|{order_id}|{amount:?}");
        let _key_serial = self.locks.lock(format!("cancel-key:{key}")).await;
        match self.store.answer("cancel", key) {
            Ok(Some(stored)) if stored.request_hash == hash => {
                let body = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
                return Answer::new(stored.status, body).replayed();
            }
            Ok(Some(_)) => return key_reused(key),
            Ok(None) => {}
            Err(e) => return store_failed(e),
        }
        let answer = if self.has(Defect::RacyCancel) {
            self.cancel_racy(order_id, key, amount).await
        } else {
            let _payment_serial = self.locks.lock(format!("payment:{order_id}")).await;
            self.cancel_serialised(order_id, key, amount).await
        };
        if answer.status < 500 && answer.status != 202 {
            if let Err(e) = self.store.save_answer("cancel", key, &answer.stored(&hash)) {
                return store_failed(e);
            }
        }
        answer
    }

    async fn cancel_serialised(&self, order_id: &str, key: &str, amount: Option<Krw>) -> Answer {
        let (order, link, mut payment) = match self.load(order_id) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        if let Some(p) = &payment {
            match self.settle_pending_cancels(&order, p, link).await {
                Ok(Some(updated)) => payment = Some(updated),
                Ok(None) => {}
                Err(answer) => return answer,
            }
        }
        let Some(payment) = payment.filter(|p| matches!(p.status.as_str(), "APPROVED" | "PARTIAL_CANCELED")) else {
            let answer = self.order_answer(&order, None, 422);
            let status = answer.body["status"].clone();
            return answer
                .with("code", json!("NOT_CANCELABLE"))
                .with("message", json!(format!("a payment in status {status} cannot be cancelled")));
        };
        let balance = match self.store.balance(&payment.payment_id) {
            Ok(b) => b,
            Err(e) => return store_failed(e),
        };
        let wanted = amount.unwrap_or(balance);
        if wanted > balance {
            return self
                .order_answer(&order, Some(&payment), 422)
                .with("code", json!("CANCEL_EXCEEDS_BALANCE"))
                .with("requested", json!(wanted))
                .with("message", json!(format!("cannot cancel {wanted}: the balance is {balance}")));
        }
        if !link.breaker.allows() {
            return Answer::error(503, "PG_CIRCUIT_OPEN", format!("{} is failing; not called for now", order.pg));
        }
        let payment_ref = PaymentRef {
            pg_payment_id: payment.pg_payment_key.clone().unwrap_or_default(),
            merchant_order_id: order_id.to_string(),
        };
        let req = CancelRequest {
            amount,
            expected_balance: Some(balance),
            reason: if amount.is_some() { "partial cancel" } else { "cancel" }.into(),
            idempotency_key: Some(key.to_string()),
        };
        if self.has(Defect::SkipPgCancel) {
            return self.record_cancel(&order, payment, balance, wanted, amount.is_some(), None);
        }
        let call = link.client.cancel(&payment_ref, &req).await;
        let pg_tx = match call.result {
            Ok(c) => {
                link.breaker.succeeded();
                Some(c.transaction_id)
            }
            Err(e) if e.category == ErrorCategory::Business => {
                return self
                    .order_answer(&order, Some(&payment), 422)
                    .with("code", json!("PG_REJECTED"))
                    .with("pg_code", json!(e.code))
                    .with("message", json!(e.message));
            }
            Err(e) => {
                link.breaker.failed();
                // Did the PG carry it out? Ask before answering.
                let seen = link.client.inquire(&payment_ref).await.result;
                match seen {
                    Ok(p) if e.category.outcome_unknown() && p.balance == balance - wanted => None,
                    Ok(p) if p.balance == balance => {
                        return self
                            .order_answer(&order, Some(&payment), 502)
                            .with("code", json!("PG_ERROR"))
                            .with("pg_code", json!(e.code))
                            .with("message", json!(format!("the PG did not cancel: {}", e.message)))
                    }
                    _ => {
                        // Settled later: by the next cancel or inquiry of this payment.
                        if let Err(err) = self.store.add_pending_cancel(&payment.payment_id, wanted, amount.is_some()) {
                            return store_failed(err);
                        }
                        return self
                            .order_answer(&order, Some(&payment), 504)
                            .with("code", json!("PG_OUTCOME_UNKNOWN"))
                            .with("message", json!(format!("cancel outcome unknown: {e}")));
                    }
                }
            }
        };
        self.record_cancel(&order, payment, balance, wanted, amount.is_some(), pg_tx)
    }

    /// A cancel transaction: negative amount (unless `wrong-cancel-sign`), new status.
    fn cancel_row(
        &self,
        payment: &PaymentRow,
        balance: Krw,
        wanted: Krw,
        partial: bool,
        pg_tx: Option<String>,
    ) -> (TransactionRow, &'static str) {
        let signed = if self.has(Defect::WrongCancelSign) { wanted } else { -wanted };
        let count = self.store.transactions(&payment.payment_id).map(|t| t.len()).unwrap_or(0);
        let after = balance - wanted;
        let tx = TransactionRow {
            transaction_id: format!("txn_{}_{}", payment.payment_id, count + 1),
            kind: if partial { "PARTIAL_CANCEL" } else { "FULL_CANCEL" }.into(),
            amount: signed,
            balance_after: balance + signed,
            pg_transaction_id: pg_tx,
            created_at: store::now(),
        };
        (tx, if after <= 0 { "CANCELED" } else { "PARTIAL_CANCELED" })
    }

    fn record_cancel(
        &self,
        order: &OrderRow,
        payment: PaymentRow,
        balance: Krw,
        wanted: Krw,
        partial: bool,
        pg_tx: Option<String>,
    ) -> Answer {
        let (tx, status) = self.cancel_row(&payment, balance, wanted, partial, pg_tx);
        match self.store.record_movement(&payment.payment_id, status, payment.version, &tx) {
            Ok(true) => {
                let mut payment = payment;
                payment.status = status.into();
                self.order_answer(order, Some(&payment), 200)
            }
            Ok(false) => Answer::error(409, "CONCURRENT_UPDATE", "the payment changed while cancelling; retry"),
            Err(e) => store_failed(e),
        }
    }

    /// The cancel path of `racy-cancel`: the balance is checked outside the per-payment
    /// serialisation and the cancel is written before the PG is asked; a refusal is retried once
    /// and only then undone.
    async fn cancel_racy(&self, order_id: &str, key: &str, amount: Option<Krw>) -> Answer {
        let (order, link, payment) = match self.load(order_id) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        let Some(payment) = payment.filter(|p| matches!(p.status.as_str(), "APPROVED" | "PARTIAL_CANCELED")) else {
            return self.order_answer(&order, None, 422).with("code", json!("NOT_CANCELABLE"));
        };
        let balance = self.store.balance(&payment.payment_id).unwrap_or(0);
        let wanted = amount.unwrap_or(balance);
        if wanted > balance {
            return self.order_answer(&order, Some(&payment), 422).with("code", json!("CANCEL_EXCEEDS_BALANCE"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let (tx, status) = {
            let _serial = self.locks.lock(format!("payment:{order_id}")).await;
            let current = self.store.payment_of_order(order_id).ok().flatten().unwrap_or(payment.clone());
            let (tx, status) = self.cancel_row(&current, balance, wanted, amount.is_some(), None);
            if let Err(e) = self.store.record_movement(&current.payment_id, status, current.version, &tx) {
                return store_failed(e);
            }
            (tx, status)
        };
        let payment_ref = PaymentRef {
            pg_payment_id: payment.pg_payment_key.clone().unwrap_or_default(),
            merchant_order_id: order_id.to_string(),
        };
        let req = CancelRequest {
            amount,
            expected_balance: None,
            reason: "cancel".into(),
            idempotency_key: Some(key.to_string()),
        };
        let mut result = link.client.cancel(&payment_ref, &req).await.result;
        if result.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(40)).await;
            result = link.client.cancel(&payment_ref, &req).await.result;
        }
        let current = self.store.payment_of_order(order_id).ok().flatten();
        match result {
            Ok(_) => self.order_answer(&order, current.as_ref(), 200),
            Err(e) => {
                let _ = self.store.delete_transaction(&tx.transaction_id);
                let _ = status;
                self.order_answer(&order, current.as_ref(), 422)
                    .with("code", json!("PG_REJECTED"))
                    .with("pg_code", json!(e.code))
            }
        }
    }

    /// Settles cancels whose outcome was unknown by asking the PG: each one the PG's balance
    /// shows is recorded, the others are dropped. Returns the payment as it now stands, or an
    /// answer when the PG cannot be asked yet.
    async fn settle_pending_cancels(
        &self,
        order: &OrderRow,
        payment: &PaymentRow,
        link: &PgLink,
    ) -> Result<Option<PaymentRow>, Answer> {
        let pending = self.store.pending_cancels(&payment.payment_id).map_err(store_failed)?;
        if pending.is_empty() {
            return Ok(None);
        }
        let payment_ref = PaymentRef {
            pg_payment_id: payment.pg_payment_key.clone().unwrap_or_default(),
            merchant_order_id: order.order_id.clone(),
        };
        let seen = link.client.inquire(&payment_ref).await.result.map_err(|e| {
            self.order_answer(order, Some(payment), 504)
                .with("code", json!("PG_OUTCOME_UNKNOWN"))
                .with("message", json!(format!("an earlier cancel is still unknown and the PG cannot be asked: {e}")))
        })?;
        let mut current = payment.clone();
        for (seq, amount, partial) in pending {
            let balance = self.store.balance(&current.payment_id).map_err(store_failed)?;
            if balance - amount >= seen.balance && balance > seen.balance {
                let answer = self.record_cancel(order, current.clone(), balance, amount, partial, None);
                if answer.status != 200 {
                    return Err(answer);
                }
            }
            self.store.drop_pending_cancel(seq).map_err(store_failed)?;
            current = self.store.payment_of_order(&order.order_id).map_err(store_failed)?.unwrap_or(current);
        }
        Ok(Some(current))
    }

    /// `GET /orders/{id}`: the order as stored; an approval in doubt is first resolved with the PG.
    pub async fn inquire(&self, order_id: &str) -> Answer {
        let (order, link, payment) = match self.load(order_id) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        if payment.is_some_and(|p| p.status == "UNKNOWN" || p.status == "APPROVING") {
            let _serial = self.locks.lock(format!("approve:{order_id}")).await;
            if let Ok(Some(p)) = self.store.payment_of_order(order_id) {
                if p.status == "UNKNOWN" || p.status == "APPROVING" {
                    if let Some(answer) = self.resolve_approval(&order, &p, link).await {
                        return answer;
                    }
                    let mut p = p;
                    if p.status == "UNKNOWN" {
                        self.mark(&mut p, "FAILED", None);
                    }
                }
            }
        }
        if let Ok(Some(p)) = self.store.payment_of_order(order_id) {
            let _serial = self.locks.lock(format!("payment:{order_id}")).await;
            if let Err(answer) = self.settle_pending_cancels(&order, &p, link).await {
                return answer;
            }
        }
        let payment = self.store.payment_of_order(order_id).ok().flatten();
        self.order_answer(&order, payment.as_ref(), 200)
    }

    fn load(&self, order_id: &str) -> Result<(OrderRow, &PgLink, Option<PaymentRow>), Answer> {
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
    fn order_answer(&self, order: &OrderRow, payment: Option<&PaymentRow>, status: u16) -> Answer {
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

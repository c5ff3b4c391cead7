//! `POST /orders/{id}/cancel`: partial and full cancels, serialised per payment with the
//! balance check inside; a cancel whose outcome is unknown is parked and settled against the
//! PG on the next cancel or read.

use super::{key_reused, store_failed, Answer, Payments, PgLink};
use crate::pg::{CancelRequest, ErrorCategory, Krw, PaymentRef};
use crate::platform::defect::Defect;
use crate::platform::store::{self, OrderRow, PaymentRow, PendingCancel, TransactionRow};
use serde_json::{json, Value};

/// What a cancel request is, for telling a replay from another request under the same key.
fn cancel_hash(order_id: &str, amount: Option<Krw>) -> String {
    format!("cancel|{order_id}|{amount:?}")
}

impl Payments {
    /// `POST /orders/{id}/cancel`: `amount = None` cancels all that is left. Cancels of one
    /// payment are serialised, and the balance check sits inside that serialisation.
    pub async fn cancel(&self, order_id: &str, key: Option<&str>, amount: Option<Krw>) -> Answer {
        let Some(key) = key.filter(|k| !k.is_empty()) else {
            return Answer::error(400, "IDEMPOTENCY_KEY_REQUIRED", "send an Idempotency-Key header");
        };
        if let Some(a) = amount.filter(|a| *a <= 0) {
            return Answer::error(400, "INVALID_AMOUNT", format!("cancel amount must be positive, got {a}"));
        }
        let hash = cancel_hash(order_id, amount);
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

    pub(super) async fn cancel_serialised(&self, order_id: &str, key: &str, amount: Option<Krw>) -> Answer {
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
        // An earlier try with this key whose outcome was unknown may have been settled since
        // (just now, or by a webhook while this one waited): its answer stands.
        match self.store.answer("cancel", key) {
            Ok(Some(stored)) => {
                let body = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
                return Answer::new(stored.status, body).replayed();
            }
            Ok(None) => {}
            Err(e) => return store_failed(e),
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
            Err(e) if self.has(Defect::CancelLost) => {
                link.breaker.failed();
                return self
                    .order_answer(&order, Some(&payment), 504)
                    .with("code", json!("PG_OUTCOME_UNKNOWN"))
                    .with("message", json!(format!("cancel outcome unknown: {e}")));
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
                        let pending =
                            PendingCancel { seq: 0, amount: wanted, partial: amount.is_some(), key: Some(key.into()) };
                        if let Err(err) = self.store.add_pending_cancel(&payment.payment_id, &pending) {
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
    pub(super) fn cancel_row(
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

    pub(super) fn record_cancel(
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

    /// Settles cancels whose outcome was unknown by asking the PG: each one the PG's balance
    /// shows is recorded, the others are dropped. Returns the payment as it now stands, or an
    /// answer when the PG cannot be asked yet.
    pub(super) async fn settle_pending_cancels(
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
        for p in pending {
            let balance = self.store.balance(&current.payment_id).map_err(store_failed)?;
            if balance - p.amount >= seen.balance && balance > seen.balance {
                let answer = self.record_cancel(order, current.clone(), balance, p.amount, p.partial, None);
                if answer.status != 200 {
                    return Err(answer);
                }
                self.answer_settled(order, &p, answer).map_err(store_failed)?;
            }
            self.store.drop_pending_cancel(p.seq).map_err(store_failed)?;
            current = self.store.payment_of_order(&order.order_id).map_err(store_failed)?.unwrap_or(current);
        }
        Ok(Some(current))
    }

    /// A pending cancel the PG turned out to have carried out: its key's answer is now the
    /// payment as it stands, so the cancel sent again with that key is not carried out twice.
    pub(super) fn answer_settled(&self, order: &OrderRow, p: &PendingCancel, answer: Answer) -> rusqlite::Result<()> {
        let Some(key) = &p.key else { return Ok(()) };
        let amount = if p.partial { Some(p.amount) } else { None };
        self.store.save_answer("cancel", key, &answer.stored(&cancel_hash(&order.order_id, amount)))
    }
}

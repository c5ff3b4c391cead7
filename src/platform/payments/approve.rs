//! `POST /orders/{id}/approve {"pg_payment_key"}`: confirm, with the key the PG's payment window
//! gave the customer, through the order's PG once; a second approve never calls the PG again, and
//! an approval whose outcome is unknown is asked about before any retry.

use super::{store_failed, Answer, Payments, PgLink, PAID_STATES};
use crate::pg::{ApproveRequest, ErrorCategory, Krw, PaymentRef, PgError, PgStatus, Rejection};
use crate::platform::defect::Defect;
use crate::platform::store::{self, OrderRow, PaymentRow, TransactionRow};
use serde_json::json;

impl Payments {
    /// `POST /orders/{id}/approve`; `customer_key` is what the PG's window gave the customer.
    pub async fn approve(&self, order_id: &str, customer_key: Option<String>) -> Answer {
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
        let Some(mut customer_key) = customer_key.filter(|k| !k.is_empty()) else {
            return Answer::error(
                400,
                "PG_PAYMENT_KEY_REQUIRED",
                "send {\"pg_payment_key\": ...}: the key the PG's payment window gave the customer",
            );
        };
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
        if retry {
            // ...and the customer, shown the PG's window again, pays a second time.
            match self.pay_again(link, &merchant_order_id, order.amount).await {
                Some(key) => customer_key = key,
                None => return Answer::error(502, "PG_ERROR", "the PG's window did not open again"),
            }
        }
        let req = ApproveRequest {
            idempotency_key: Some(format!("approve-{merchant_order_id}")),
            merchant_order_id,
            amount: order.amount,
            customer_key: Some(customer_key),
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
    pub(super) fn pg_failure(&self, order: &OrderRow, payment: &mut PaymentRow, e: PgError) -> Answer {
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

    /// Asks the PG what became of an approval whose outcome is unknown. `None`: the PG never
    /// approved it, so approving again is safe.
    pub(super) async fn resolve_approval(
        &self,
        order: &OrderRow,
        payment: &PaymentRow,
        link: &PgLink,
    ) -> Option<Answer> {
        if self.has(Defect::NoInquiry) {
            return Some(
                self.order_answer(order, Some(payment), 202)
                    .with("code", json!("PG_OUTCOME_UNKNOWN"))
                    .with("message", json!("the outcome is unknown (this platform does not ask the PG)")),
            );
        }
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

    pub(super) fn record_approval(
        &self,
        order: &OrderRow,
        mut payment: PaymentRow,
        amount: Krw,
        pg_tx: &str,
    ) -> Answer {
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
}

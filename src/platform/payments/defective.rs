//! The code paths of the planted defects that change how an op works, not just a value: a
//! create without the UNIQUE key in the way (`no-idempotency`, `racy-create`) and a cancel
//! whose balance check sits outside the serialisation (`racy-cancel`). The correct paths never
//! come here.

use super::{key_reused, store_failed, Answer, Payments, PgLink};
use crate::pg::{CancelRequest, Krw, PaymentRef};
use crate::platform::defect::Defect;
use crate::platform::store::OrderRow;
use serde_json::json;

impl Payments {
    /// The create path of `no-idempotency` and `racy-create`: no UNIQUE key in the way.
    pub(super) async fn create_order_defective(&self, seq: i64, mut order: OrderRow) -> Answer {
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

    /// The cancel path of `racy-cancel`: the balance is checked outside the per-payment
    /// serialisation and the cancel is written before the PG is asked; a refusal is retried once
    /// and only then undone.
    pub(super) async fn cancel_racy(&self, order_id: &str, key: &str, amount: Option<Krw>) -> Answer {
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
}

impl Payments {
    /// `double-charge-on-retry`'s second payment: the customer, shown the PG's window again for
    /// the new merchant order id, authorises once more (at the fake's customer step).
    pub(super) async fn pay_again(&self, link: &PgLink, merchant_order_id: &str, amount: Krw) -> Option<String> {
        let url = format!("{}{}", link.client.base_url(), crate::fakes::AUTHORIZE_PATH);
        let body = json!({ "order_id": merchant_order_id, "amount": amount });
        let answer = reqwest::Client::new().post(url).json(&body).send().await.ok()?;
        let granted: serde_json::Value = answer.json().await.ok()?;
        granted["payment_key"].as_str().map(str::to_string)
    }
}

//! `POST /webhooks/{pg}`: a PG's webhook, its signature checked where the PG signs, taken once
//! per event id, and applied by reading the payment back from the PG and bringing the platform
//! to what the PG holds. A copy, a late one or one out of order then changes nothing.

use super::{store_failed, Answer, Payments, PgLink, PAID_STATES};
use crate::pg::{PaymentRef, PgName, PgStatus, WebhookNotice, WebhookRefusal};
use crate::platform::defect::Defect;
use crate::platform::store::{OrderRow, PaymentRow};
use serde_json::json;

impl Payments {
    /// `POST /webhooks/{pg}`: 200 when taken (or already taken), 401 for a bad signature, 5xx
    /// when the PG cannot be read back (the PG sends it again).
    pub async fn webhook(&self, pg: &str, headers: &[(String, String)], body: &str) -> Answer {
        let Some((pg, link)) = pg.parse::<PgName>().ok().and_then(|pg| self.pgs.get(&pg).map(|l| (pg, l))) else {
            return Answer::error(404, "UNKNOWN_PG", format!("no PG `{pg}` here"));
        };
        let notice = match link.client.codec().read_webhook(headers, body, &link.webhook_secret) {
            Ok(notice) => notice,
            Err(e @ WebhookRefusal::BadSignature(_)) => return Answer::error(401, "BAD_SIGNATURE", e.to_string()),
            Err(e @ WebhookRefusal::Unreadable(_)) => return Answer::error(400, "INVALID_WEBHOOK", e.to_string()),
            Err(e @ WebhookRefusal::NotSupported) => return Answer::error(404, "NO_WEBHOOKS", e.to_string()),
        };
        let Some(order_id) = self.order_of(&notice) else {
            // Not ours (or not yet stored): nothing to apply, and nothing to send again.
            return Answer::new(200, json!({ "taken": false, "reason": "no such order" }));
        };
        let double_apply = self.has(Defect::WebhookDoubleApply);
        match self.store.webhook_taken(pg.as_str(), &notice.event_id) {
            Ok(true) if !double_apply => return Answer::new(200, json!({ "taken": true, "duplicate": true })),
            Ok(_) => {}
            Err(e) => return store_failed(e),
        }
        // The same serialisation as approve and cancel: the webhook waits for a call in flight.
        let _approving = self.locks.lock(format!("approve:{order_id}")).await;
        let _cancelling = self.locks.lock(format!("payment:{order_id}")).await;
        let (order, _, payment) = match self.load(&order_id) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        let Some(payment) = payment else {
            return Answer::new(200, json!({ "taken": false, "reason": "no payment yet" }));
        };
        let answer = if double_apply {
            self.apply_webhook_twice(&order, payment)
        } else {
            match self.bring_to_pg(&order, payment, link, &notice).await {
                Ok(answer) => answer,
                Err(answer) => return answer,
            }
        };
        if answer.status >= 500 {
            return answer;
        }
        if let Err(e) = self.store.take_webhook(pg.as_str(), &notice.event_id, &order_id) {
            return store_failed(e);
        }
        Answer::new(200, json!({ "taken": true, "status": answer.body["status"], "balance": answer.body["balance"] }))
    }

    /// The platform order a webhook is about: by the PG's key, else by the merchant order id
    /// (a retry's `-rN` id belongs to its order).
    fn order_of(&self, notice: &WebhookNotice) -> Option<String> {
        if let Some(order) = notice.pg_payment_id.as_deref().and_then(|k| self.store.order_of_pg_key(k).ok().flatten())
        {
            return Some(order);
        }
        let merchant = notice.merchant_order_id.as_deref()?;
        let candidates = [Some(merchant), merchant.rsplit_once("-r").map(|(order, _)| order)];
        candidates.into_iter().flatten().find(|o| self.store.order(o).ok().flatten().is_some()).map(str::to_string)
    }

    /// Reads the payment from the PG and records what the platform lacks: the approval, and
    /// the money cancelled beyond what the platform holds. Nothing when they already agree.
    async fn bring_to_pg(
        &self,
        order: &OrderRow,
        payment: PaymentRow,
        link: &PgLink,
        notice: &WebhookNotice,
    ) -> Result<Answer, Answer> {
        let key = payment.pg_payment_key.clone().or_else(|| notice.pg_payment_id.clone()).unwrap_or_default();
        let payment_ref = PaymentRef { pg_payment_id: key, merchant_order_id: order.order_id.clone() };
        let seen = link.client.inquire(&payment_ref).await.result.map_err(|e| {
            Answer::error(503, "PG_UNREADABLE", format!("the webhook's payment cannot be read back from the PG: {e}"))
        })?;
        let mut payment = payment;
        let paid_at_pg = matches!(seen.status, PgStatus::Paid | PgStatus::PartialCanceled | PgStatus::Canceled);
        if paid_at_pg && !PAID_STATES.contains(&payment.status.as_str()) {
            payment.pg_payment_key = Some(seen.pg_payment_id.clone());
            let answer = self.record_approval(order, payment, seen.total, &seen.transaction_id);
            if answer.status != 200 {
                return Err(answer);
            }
            payment = self.store.payment_of_order(&order.order_id).map_err(store_failed)?.ok_or_else(|| {
                Answer::error(500, "STORE_ERROR", "the payment vanished after its approval was recorded")
            })?;
        }
        let balance = self.store.balance(&payment.payment_id).map_err(store_failed)?;
        if paid_at_pg && seen.balance < balance {
            let cancelled = balance - seen.balance;
            let answer = self.record_cancel(order, payment.clone(), balance, cancelled, seen.balance > 0, None);
            if answer.status == 200 {
                // The cancels whose outcome was unknown that this one accounts for are done.
                let mut left = cancelled;
                for p in self.store.pending_cancels(&payment.payment_id).map_err(store_failed)? {
                    if p.amount <= left {
                        left -= p.amount;
                        self.answer_settled(order, &p, answer.clone()).map_err(store_failed)?;
                        self.store.drop_pending_cancel(p.seq).map_err(store_failed)?;
                    }
                }
            }
            return Ok(answer);
        }
        Ok(self.order_answer(order, Some(&payment), 200))
    }

    /// `webhook-double-apply`: every copy of a cancel webhook cancels again what the last
    /// cancel did, with no look at what is already recorded.
    fn apply_webhook_twice(&self, order: &OrderRow, payment: PaymentRow) -> Answer {
        let transactions = self.store.transactions(&payment.payment_id).unwrap_or_default();
        let balance = self.store.balance(&payment.payment_id).unwrap_or(0);
        match transactions.iter().rev().find(|t| t.kind != "APPROVAL") {
            Some(last) if balance > 0 => {
                let again = last.amount.abs().min(balance);
                self.record_cancel(order, payment, balance, again, balance > again, None)
            }
            _ => self.order_answer(order, Some(&payment), 200),
        }
    }
}

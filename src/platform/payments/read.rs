//! `GET /orders/{id}`: the order as stored; an approval in doubt is first resolved with the PG
//! and parked cancels are settled.

use super::{Answer, Payments};

impl Payments {
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
}

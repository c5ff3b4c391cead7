//! `POST /orders`: store the order first and answer at once; the idempotency key is a UNIQUE
//! column, so a duplicate is refused by the database and answered with the first order.

use super::{store_failed, Answer, CreateOrder, Payments};
use crate::pg::{PgName, MAX_ORDER_AMOUNT};
use crate::platform::defect::Defect;
use crate::platform::store::{self, Inserted, OrderRow};
use serde_json::json;
use std::sync::atomic::Ordering;

impl Payments {
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
        if !(1..=MAX_ORDER_AMOUNT).contains(&req.amount) {
            return Answer::error(
                400,
                "INVALID_AMOUNT",
                format!("amount must be 1 to {MAX_ORDER_AMOUNT} won, got {}", req.amount),
            );
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
}

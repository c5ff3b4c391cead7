//! The customer's step at a PG, as the PG's browser window would take it: a test-only endpoint
//! (`POST /__paydrill/authorize`) that authorises a payment for a merchant order and amount and
//! issues the PG's own key for it, which the merchant then confirms. Not part of any PG's API.

use super::ledger::{Ledger, LedgerError};
use super::wire::{FakeReply, FakeRequest, WireServer};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// The path of the authorise endpoint on every fake.
pub const AUTHORIZE_PATH: &str = "/__paydrill/authorize";

/// Issues keys: one sequence per fake, so every key is new.
#[derive(Default)]
pub struct CustomerDesk {
    seq: AtomicU64,
}

impl CustomerDesk {
    /// Whether `req` is the customer's step rather than a PG call.
    pub fn handles(req: &FakeRequest) -> bool {
        req.method == "POST" && req.path == AUTHORIZE_PATH
    }

    /// Authorises `{order_id, amount[, payment_id]}`: a READY payment under the PG's key, which
    /// a confirm must then name with the same amount. `payment_id` is for PGs where the merchant
    /// chooses the payment's id (PortOne).
    pub fn authorize(&self, req: &FakeRequest, wire: &dyn WireServer, ledger: &Ledger) -> FakeReply {
        let Some(body) = req.json() else {
            return refuse(400, "send a JSON body {\"order_id\": ..., \"amount\": ...}");
        };
        let (Some(order), Some(amount)) = (body["order_id"].as_str(), body["amount"].as_i64()) else {
            return refuse(400, "`order_id` (a string) and `amount` (whole won) are required");
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let key = match body["payment_id"].as_str() {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => wire.customer_key(order, seq),
        };
        match ledger.authenticate(&key, order, amount) {
            Ok(p) => FakeReply::json(
                200,
                json!({ "payment_key": p.pg_payment_id, "order_id": p.merchant_order_id, "amount": p.total, "pg": wire.pg() }),
            ),
            Err(LedgerError::InvalidAmount) => refuse(400, "`amount` must be positive"),
            Err(e) => refuse(409, &e.to_string()),
        }
    }
}

fn refuse(status: u16, message: &str) -> FakeReply {
    FakeReply::json(status, json!({ "error": message }))
}

//! The customer's step at a PG, as the PG's browser window would take it: a test-only endpoint
//! (`POST /__paydrill/authorize`) that authorises a payment for a merchant order and amount and
//! issues the PG's own key for it, which the merchant then confirms. Not part of any PG's API.

use super::ledger::{Ledger, LedgerError};
use super::wire::{CustomerStep, FakeReply, FakeRequest, WireServer};
use crate::locks::lock;
use crate::pg::Krw;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The path of the authorise endpoint on every fake.
pub const AUTHORIZE_PATH: &str = "/__paydrill/authorize";

/// Issues keys (one sequence per fake, so every key is new) and remembers the tokens it gave.
#[derive(Default)]
pub struct CustomerDesk {
    seq: AtomicU64,
    tokens: Mutex<HashMap<String, Grant>>,
}

/// What one token was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub merchant_order_id: String,
    pub amount: Krw,
}

/// How many tokens a fake remembers (the oldest are forgotten past it: flat memory under load).
const TOKENS_KEPT: usize = 20_000;

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
        let payment_id = match body["payment_id"].as_str() {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => wire.customer_key(order, seq),
        };
        let step = wire.customer_step();
        let (key, makes_payment) = match step {
            CustomerStep::PaymentKey | CustomerStep::Pays => (payment_id.clone(), true),
            CustomerStep::Token { payment } => {
                (format!("{}tok_{seq:08}_{:08x}", wire.pg(), fastrand::u32(..)), payment)
            }
        };
        if makes_payment {
            let made = ledger.authenticate(&payment_id, order, amount).and_then(|payment| match step {
                CustomerStep::Pays => ledger.approve(&payment_id, Some(order), Some(amount)).map(|s| s.payment),
                _ => Ok(payment),
            });
            match made {
                Ok(_) => {}
                Err(LedgerError::InvalidAmount) => return refuse(400, "`amount` must be positive"),
                Err(e) => return refuse(409, &e.to_string()),
            }
        } else if amount <= 0 {
            return refuse(400, "`amount` must be positive");
        }
        if key != payment_id {
            let mut tokens = lock(&self.tokens);
            if tokens.len() >= TOKENS_KEPT {
                tokens.clear();
            }
            tokens.insert(key.clone(), Grant { merchant_order_id: order.to_string(), amount });
        }
        FakeReply::json(
            200,
            json!({ "payment_key": key, "payment_id": payment_id, "order_id": order, "amount": amount, "pg": wire.pg() }),
        )
    }

    /// What a token was granted for, when it was granted for `merchant_order_id`: a token no
    /// customer got, or got for another order, is refused. (A token stays good for its READY
    /// payment until a confirm succeeds; after that the payment is no longer READY.)
    pub fn grant(&self, token: &str, merchant_order_id: &str) -> Result<Grant, LedgerError> {
        match lock(&self.tokens).get(token) {
            Some(g) if g.merchant_order_id == merchant_order_id => Ok(g.clone()),
            Some(_) => Err(LedgerError::KeyForAnotherOrder),
            None => Err(LedgerError::InvalidToken),
        }
    }
}

fn refuse(status: u16, message: &str) -> FakeReply {
    FakeReply::json(status, json!({ "error": message }))
}

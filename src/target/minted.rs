//! Orders paydrill makes itself, where no platform makes them: in direct mode, and on platforms
//! without a create route (the customer's browser mints the order id, as PGs' sample merchant
//! servers expect). One id per idempotency key; the same key with another amount is refused, as
//! a merchant's own idempotency check would.

use super::answer::TargetAnswer;
use crate::locks::lock;
use crate::pg::Krw;
use crate::record::{AnswerFields, Phase, RequestRecord, ResponseRecord};
use crate::spec::Vars;
use std::collections::HashMap;
use std::sync::Mutex;

/// The minted orders of one run.
pub struct MintedOrders {
    prefix: String,
    state: Mutex<Minted>,
}

#[derive(Default)]
struct Minted {
    seq: u64,
    /// Idempotency key → (order id, amount).
    keys: HashMap<String, (String, Krw)>,
}

/// An order just minted.
pub struct NewOrder {
    pub order_id: String,
    pub amount: Krw,
}

impl MintedOrders {
    /// Order ids will be `<prefix>-00001`, ...
    pub fn new(prefix: &str) -> MintedOrders {
        MintedOrders { prefix: prefix.to_string(), state: Mutex::new(Minted::default()) }
    }

    /// `create_order` answered by paydrill: a new id for a new key (returned as [`NewOrder`]),
    /// the same id again for the same key and amount, a refusal for the same key and another.
    pub fn mint(&self, request: RequestRecord, vars: &Vars<'_>) -> (TargetAnswer, Option<NewOrder>) {
        let amount = vars.amount.unwrap_or(0);
        let key = vars.idempotency_key.unwrap_or("").to_string();
        let mut st = lock(&self.state);
        if let Some((order, first_amount)) = st.keys.get(&key).cloned() {
            drop(st);
            let seen = created(&order, first_amount);
            if first_amount != amount {
                let message = format!("idempotency key {key} was used for order {order} of {first_amount}");
                let refused = AnswerFields { status: None, balance: None, ..seen };
                return (local(request, 422, Phase::Fail, message, refused), None);
            }
            let mut answer = local(request, 200, Phase::Ok, String::new(), seen);
            if let Some(r) = answer.response.as_mut() {
                r.replayed = true;
            }
            return (answer, None);
        }
        st.seq += 1;
        let order = format!("{}-{:05}", self.prefix, st.seq);
        st.keys.insert(key, (order.clone(), amount));
        drop(st);
        let answer = local(request, 201, Phase::Ok, String::new(), created(&order, amount));
        (answer, Some(NewOrder { order_id: order, amount }))
    }
}

fn created(order: &str, amount: Krw) -> AnswerFields {
    AnswerFields {
        order_id: Some(order.to_string()),
        status: Some("CREATED".into()),
        balance: Some(0),
        amount: Some(amount),
        ..AnswerFields::default()
    }
}

/// An answer paydrill gives itself (no platform or PG involved).
pub fn local(request: RequestRecord, status: u16, phase: Phase, message: String, seen: AnswerFields) -> TargetAnswer {
    let body = serde_json::json!({ "merchant_order_id": seen.order_id, "amount": seen.amount, "message": message })
        .to_string();
    TargetAnswer {
        request,
        response: Some(ResponseRecord { status, body, replayed: false }),
        seen,
        phase,
        error: if phase == Phase::Ok { None } else { Some(message) },
        raw: Vec::new(),
        released_ns: None,
        arrived_ns: None,
    }
}

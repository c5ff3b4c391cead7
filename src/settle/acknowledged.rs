//! What the platform acknowledged, per order, read from the answers clients got: the approval,
//! each cancel once per idempotency key, and the final status and balance.

use crate::pg::{Krw, PgName};
use crate::record::{Call, Phase, Purpose};
use crate::spec::Op;
use std::collections::{BTreeMap, HashMap};

/// What the platform acknowledged for one order.
#[derive(Debug, Clone, Default)]
pub struct Acknowledged {
    pub pg: Option<PgName>,
    pub scenario: String,
    pub payment_id: Option<String>,
    pub approved: Option<Krw>,
    /// Cancel amounts, in the order acknowledged.
    pub cancels: Vec<Krw>,
    pub final_balance: Option<Krw>,
    pub final_status: Option<String>,
    /// The final state came from the PG ledger (the platform has no read of its own).
    pub final_from_ledger: bool,
    /// What the order was created for: what an approval learnt only from a later read was for.
    pub order_amount: Option<Krw>,
}

/// Per platform order, what its answers acknowledged (approvals, cancels, final state).
pub fn acknowledged<'a>(calls: impl IntoIterator<Item = &'a Call>) -> BTreeMap<String, Acknowledged> {
    let mut orders: BTreeMap<String, Acknowledged> = BTreeMap::new();
    let mut last_balance: HashMap<String, Krw> = HashMap::new();
    let mut counted_keys: std::collections::HashSet<(String, String)> = Default::default();
    // Final reads count whenever the platform answered (an UNKNOWN there is a finding);
    // everything else only when accepted.
    let counts = |c: &&Call| match c.purpose {
        Purpose::Final => c.answered(),
        _ => c.phase == Phase::Ok,
    };
    for call in calls.into_iter().filter(counts) {
        let Some(order) = call.order().map(str::to_string) else { continue };
        let entry = orders.entry(order.clone()).or_default();
        entry.pg.get_or_insert(call.cell.pg);
        if entry.scenario.is_empty() {
            entry.scenario = call.cell.scenario.clone();
        }
        if call.seen.payment_id.is_some() {
            entry.payment_id = call.seen.payment_id.clone();
        }
        let before = last_balance.get(&order).copied();
        let fresh = match &call.idempotency_key {
            Some(key) => counted_keys.insert((format!("{:?}", call.op), key.clone())),
            None => true,
        };
        match call.op {
            Op::CreateOrder if entry.order_amount.is_none() => entry.order_amount = call.amount,
            Op::Approve if fresh && call.purpose == Purpose::Step && entry.approved.is_none() => {
                entry.approved = call.seen.balance.filter(|b| *b > 0);
            }
            Op::PartialCancel if fresh => {
                if let Some(a) = call.amount {
                    entry.cancels.push(a);
                }
            }
            Op::Cancel if fresh => {
                if let (Some(b), Some(after)) = (before, call.seen.balance) {
                    if b > after {
                        entry.cancels.push(b - after);
                    }
                }
            }
            _ => {}
        }
        if call.purpose == Purpose::Final {
            entry.final_balance = call.seen.balance;
            entry.final_status = call.seen.status.clone();
            entry.final_from_ledger = call.from_pg_ledger();
            if entry.approved.is_none()
                && matches!(call.seen.status.as_deref(), Some("APPROVED" | "PARTIAL_CANCELED" | "CANCELED"))
            {
                // Approved for the order's amount (the cancels it has since may not all have
                // been acknowledged); without one, what the read and the cancels add up to.
                let read = call.seen.balance.unwrap_or(0) + entry.cancels.iter().sum::<Krw>();
                entry.approved = Some(entry.order_amount.unwrap_or(read).max(read));
            }
        }
        if let Some(b) = call.seen.balance {
            last_balance.insert(order, b);
        }
    }
    // A final balance lower than the acknowledged cancels explain (a cancel whose answer was
    // lost, then settled) is a cancel the platform did record.
    for ack in orders.values_mut() {
        if let (Some(approved), Some(final_balance)) = (ack.approved, ack.final_balance) {
            let unexplained = approved - ack.cancels.iter().sum::<Krw>() - final_balance;
            if unexplained > 0 && final_balance >= 0 {
                ack.cancels.push(unexplained);
            }
        }
    }
    orders
}

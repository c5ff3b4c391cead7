//! The settlement rows: every movement in the PG ledgers, matched to what the platform
//! acknowledged (`reconciled` = `Y`), then what the platform acknowledged that no PG holds.

use super::acknowledged::{acknowledged, Acknowledged};
use super::columns::SettlementRow;
use crate::pg::{Krw, LedgerPayment, PgName};
use crate::record::{Call, History};
use std::collections::{BTreeMap, HashMap};

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The platform order a PG payment belongs to, among the acknowledged ones.
fn order_for<'a>(
    payment: &LedgerPayment,
    orders: &'a BTreeMap<String, Acknowledged>,
) -> Option<(&'a String, &'a Acknowledged)> {
    if let Some(found) = orders.get_key_value(&payment.merchant_order_id) {
        return Some(found);
    }
    orders.iter().find(|(order, _)| payment.belongs_to(order))
}

/// Every money movement of the run, sorted by PG, merchant order id, and time.
pub fn rows(history: &History) -> Vec<SettlementRow> {
    rows_of(history, &history.calls())
}

/// [`rows`] over the history's calls, already joined.
pub fn rows_of(history: &History, calls: &[Call]) -> Vec<SettlementRow> {
    let run_id = history.run().map(|r| r.run_id.clone()).unwrap_or_default();
    let orders = acknowledged(calls);
    let ledgers = history.ledger_payments();
    let ledgers: Vec<(PgName, &[LedgerPayment])> = ledgers.iter().map(|(pg, ps)| (*pg, ps.as_slice())).collect();
    rows_from(&run_id, &orders, &ledgers)
}

/// Which of a PG payment's cancels (`ledger`, in time order) the platform acknowledged, using up
/// acknowledged amounts (`acked`, marked in `used`): first one for one by amount, then a run of
/// the PG's cancels that together make one acknowledged amount — a cancel whose answer was lost
/// (the outcome unknown) and then settled shows on the platform inside the next cancel's drop
/// in balance, while the PG holds it as a movement of its own.
fn match_cancels(ledger: &[Krw], acked: &[Krw], used: &mut [bool]) -> Vec<bool> {
    let mut matched = vec![false; ledger.len()];
    for (j, amount) in ledger.iter().enumerate() {
        if let Some(i) = (0..acked.len()).find(|&i| !used[i] && acked[i] == *amount) {
            used[i] = true;
            matched[j] = true;
        }
    }
    for i in 0..acked.len() {
        if used[i] {
            continue;
        }
        'runs: for start in 0..ledger.len() {
            let mut sum = 0;
            for end in start..ledger.len() {
                if matched[end] {
                    break;
                }
                sum += ledger[end];
                if sum == acked[i] && end > start {
                    used[i] = true;
                    matched[start..=end].iter_mut().for_each(|m| *m = true);
                    break 'runs;
                }
                if sum > acked[i] {
                    break;
                }
            }
        }
    }
    matched
}

/// The rows from what the platform acknowledged and each PG's payments (in PG order).
pub fn rows_from(
    run_id: &str,
    orders: &BTreeMap<String, Acknowledged>,
    ledgers: &[(PgName, &[LedgerPayment])],
) -> Vec<SettlementRow> {
    let mut rows = Vec::new();
    let mut matched_cancels: HashMap<String, Vec<bool>> = HashMap::new();
    let mut matched_approval: HashMap<String, bool> = HashMap::new();
    for (pg, payments) in ledgers {
        for payment in payments.iter() {
            let (Some(approval_id), Some(approved_at)) = (&payment.approval_id, payment.approved_at) else { continue };
            let owner = order_for(payment, orders);
            let order_id = owner.map(|(o, _)| o.clone()).unwrap_or_default();
            let ack = owner.map(|(_, a)| a);
            let row = |tx_id: &str, kind: &str, amount: Krw, balance_after: Krw, at: String, reconciled: bool| {
                SettlementRow {
                    settlement_date: crate::units::kst_day(&at),
                    pg: pg.as_str().to_string(),
                    merchant_order_id: payment.merchant_order_id.clone(),
                    order_id: order_id.clone(),
                    payment_id: ack.and_then(|a| a.payment_id.clone()).unwrap_or_default(),
                    pg_payment_key: payment.pg_payment_id.clone(),
                    pg_transaction_id: tx_id.to_string(),
                    transaction_type: kind.to_string(),
                    amount,
                    balance_after,
                    occurred_at: at,
                    scenario: ack.map(|a| a.scenario.clone()).unwrap_or_default(),
                    run_id: run_id.to_string(),
                    reconciled: if reconciled { "Y" } else { "N" }.to_string(),
                }
            };
            // An approval reconciles once per platform order: a second charge stays unmatched.
            let approval_matched = ack.is_some_and(|a| a.approved == Some(payment.total))
                && !matched_approval.get(&order_id).copied().unwrap_or(false);
            if approval_matched {
                matched_approval.insert(order_id.clone(), true);
            }
            rows.push(row(
                approval_id,
                "APPROVAL",
                payment.total,
                payment.total,
                rfc3339(approved_at),
                approval_matched,
            ));
            let used = matched_cancels
                .entry(order_id.clone())
                .or_insert_with(|| vec![false; ack.map_or(0, |a| a.cancels.len())]);
            let amounts: Vec<Krw> = payment.cancels.iter().map(|c| c.amount).collect();
            let reconciled = match_cancels(&amounts, ack.map_or(&[][..], |a| &a.cancels), used);
            for (cancel, reconciled) in payment.cancels.iter().zip(reconciled) {
                let kind = if cancel.amount == payment.total { "FULL_CANCEL" } else { "PARTIAL_CANCEL" };
                rows.push(row(
                    &cancel.cancel_id,
                    kind,
                    -cancel.amount,
                    cancel.balance_after,
                    rfc3339(cancel.canceled_at),
                    reconciled,
                ));
            }
        }
    }
    // Movements the platform acknowledged that no PG ledger holds.
    for (order_id, ack) in orders {
        let unmatched_approval = ack.approved.is_some() && !matched_approval.get(order_id).copied().unwrap_or(false);
        let used = matched_cancels.get(order_id).cloned().unwrap_or_else(|| vec![false; ack.cancels.len()]);
        let base = SettlementRow {
            settlement_date: String::new(),
            pg: ack.pg.map(|p| p.as_str().to_string()).unwrap_or_default(),
            merchant_order_id: String::new(),
            order_id: order_id.clone(),
            payment_id: ack.payment_id.clone().unwrap_or_default(),
            pg_payment_key: String::new(),
            pg_transaction_id: String::new(),
            transaction_type: String::new(),
            amount: 0,
            balance_after: 0,
            occurred_at: String::new(),
            scenario: ack.scenario.clone(),
            run_id: run_id.to_string(),
            reconciled: "N".into(),
        };
        let mut balance = ack.approved.unwrap_or(0);
        if let Some(total) = ack.approved.filter(|_| unmatched_approval) {
            rows.push(SettlementRow {
                transaction_type: "APPROVAL".into(),
                amount: total,
                balance_after: total,
                ..base.clone()
            });
        }
        for (i, amount) in ack.cancels.iter().enumerate() {
            balance -= amount;
            if !used.get(i).copied().unwrap_or(false) {
                rows.push(SettlementRow {
                    transaction_type: if *amount == ack.approved.unwrap_or(-1) {
                        "FULL_CANCEL"
                    } else {
                        "PARTIAL_CANCEL"
                    }
                    .into(),
                    amount: -amount,
                    balance_after: balance,
                    ..base.clone()
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        (&a.pg, &a.merchant_order_id, &a.order_id, &a.occurred_at, &a.pg_transaction_id).cmp(&(
            &b.pg,
            &b.merchant_order_id,
            &b.order_id,
            &b.occurred_at,
            &b.pg_transaction_id,
        ))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::match_cancels;

    #[test]
    fn cancels_match_one_for_one_then_as_a_run() {
        let mut used = vec![false; 2];
        assert_eq!(match_cancels(&[3_000, 7_000], &[7_000, 3_000], &mut used), [true, true]);
        // A partial cancel whose answer was lost, settled inside the full cancel that followed.
        let mut used = vec![false];
        assert_eq!(match_cancels(&[3_000, 7_000], &[10_000], &mut used), [true, true]);
        assert_eq!(used, [true]);
        // Money the PG moved that no acknowledged amount explains stays unmatched.
        let mut used = vec![false];
        assert_eq!(match_cancels(&[3_000, 3_000, 7_000], &[10_000], &mut used), [false, true, true]);
        let mut used = vec![false];
        assert_eq!(match_cancels(&[6_000, 6_000], &[10_000], &mut used), [false, false]);
    }
}

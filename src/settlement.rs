//! The settlement view of a run: one row per money movement the PGs' ledgers hold, each
//! reconciled against what the platform acknowledged, plus platform movements no PG holds.
//! Built only from the history, so `paydrill settle history.jsonl` rebuilds it exactly.

use crate::fakes::{belongs_to, LedgerPayment};
use crate::history::{Call, History, Phase, Purpose};
use crate::pg::{Krw, PgName};
use crate::spec::Op;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One row of `settlement.csv`, columns in DESIGN's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettlementRow {
    pub settlement_date: String,
    pub pg: String,
    pub merchant_order_id: String,
    pub order_id: String,
    pub payment_id: String,
    pub pg_payment_key: String,
    pub pg_transaction_id: String,
    pub transaction_type: String,
    pub amount: Krw,
    pub balance_after: Krw,
    pub occurred_at: String,
    pub scenario: String,
    pub run_id: String,
    pub reconciled: String,
}

/// One row of `settlement-summary.csv`: per PG and settlement date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryRow {
    pub pg: String,
    pub settlement_date: String,
    pub approvals_count: u64,
    pub approvals_sum: Krw,
    pub cancels_count: u64,
    pub cancels_sum: Krw,
    pub net: Krw,
}

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
}

/// Per platform order, what its answers acknowledged (approvals, cancels, final state).
pub fn acknowledged(calls: &[Call]) -> BTreeMap<String, Acknowledged> {
    let mut orders: BTreeMap<String, Acknowledged> = BTreeMap::new();
    let mut last_balance: HashMap<String, Krw> = HashMap::new();
    let mut counted_keys: std::collections::HashSet<(String, String)> = Default::default();
    // Final reads count whenever the platform answered (an UNKNOWN there is a finding);
    // everything else only when accepted.
    let counts = |c: &&Call| match c.purpose {
        Purpose::Final => c.answered(),
        _ => c.phase == Phase::Ok,
    };
    for call in calls.iter().filter(counts) {
        let Some(order) = call.seen.order_id.clone() else { continue };
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
            if entry.approved.is_none()
                && matches!(call.seen.status.as_deref(), Some("APPROVED" | "PARTIAL_CANCELED" | "CANCELED"))
            {
                entry.approved = Some(call.seen.balance.unwrap_or(0) + entry.cancels.iter().sum::<Krw>());
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

/// KST calendar date of an RFC 3339 time.
fn kst_date(at: &str) -> String {
    let parsed = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339);
    match parsed {
        Ok(t) => {
            let kst = t.to_offset(time::UtcOffset::from_hms(9, 0, 0).expect("valid offset"));
            format!("{:04}-{:02}-{:02}", kst.year(), kst.month() as u8, kst.day())
        }
        Err(_) => String::new(),
    }
}

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
    orders.iter().find(|(order, _)| belongs_to(&payment.merchant_order_id, order))
}

/// Every money movement of the run, sorted by PG, merchant order id, and time.
pub fn rows(history: &History) -> Vec<SettlementRow> {
    let run_id = history.run().map(|r| r.run_id.clone()).unwrap_or_default();
    let orders = acknowledged(&history.calls());
    let ledgers = history.ledger_payments();
    let ledgers: Vec<(PgName, &[LedgerPayment])> = ledgers.iter().map(|(pg, ps)| (*pg, ps.as_slice())).collect();
    rows_from(&run_id, &orders, &ledgers)
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
                    settlement_date: kst_date(&at),
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
            for cancel in &payment.cancels {
                let slot = ack
                    .and_then(|a| a.cancels.iter().enumerate().position(|(i, amt)| *amt == cancel.amount && !used[i]));
                if let Some(i) = slot {
                    used[i] = true;
                }
                let kind = if cancel.amount == payment.total { "FULL_CANCEL" } else { "PARTIAL_CANCEL" };
                rows.push(row(
                    &cancel.cancel_id,
                    kind,
                    -cancel.amount,
                    cancel.balance_after,
                    rfc3339(cancel.canceled_at),
                    slot.is_some(),
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

/// Per PG and settlement date: approvals, cancels, net.
pub fn summary(rows: &[SettlementRow]) -> Vec<SummaryRow> {
    let mut by: BTreeMap<(String, String), SummaryRow> = BTreeMap::new();
    for r in rows {
        let s = by.entry((r.pg.clone(), r.settlement_date.clone())).or_insert_with(|| SummaryRow {
            pg: r.pg.clone(),
            settlement_date: r.settlement_date.clone(),
            approvals_count: 0,
            approvals_sum: 0,
            cancels_count: 0,
            cancels_sum: 0,
            net: 0,
        });
        if r.amount >= 0 {
            s.approvals_count += 1;
            s.approvals_sum += r.amount;
        } else {
            s.cancels_count += 1;
            s.cancels_sum += -r.amount;
        }
        s.net += r.amount;
    }
    by.into_values().collect()
}

/// Net per PG over rows.
pub fn net_by_pg(rows: &[SettlementRow]) -> BTreeMap<String, Krw> {
    let mut net = BTreeMap::new();
    for r in rows {
        *net.entry(r.pg.clone()).or_insert(0) += r.amount;
    }
    net
}

/// Serialises rows as RFC 4180 CSV with a header row.
pub fn to_csv<T: Serialize>(rows: &[T], header: &[&str]) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new().has_headers(!rows.is_empty()).from_writer(Vec::new());
    if rows.is_empty() {
        writer.write_record(header)?;
    }
    for r in rows {
        writer.serialize(r)?;
    }
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

pub const ROW_HEADER: [&str; 14] = [
    "settlement_date",
    "pg",
    "merchant_order_id",
    "order_id",
    "payment_id",
    "pg_payment_key",
    "pg_transaction_id",
    "transaction_type",
    "amount",
    "balance_after",
    "occurred_at",
    "scenario",
    "run_id",
    "reconciled",
];

pub const SUMMARY_HEADER: [&str; 7] =
    ["pg", "settlement_date", "approvals_count", "approvals_sum", "cancels_count", "cancels_sum", "net"];

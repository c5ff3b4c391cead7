//! The settlement files' rows, in DESIGN's column order (`settlement.csv`,
//! `settlement-summary.csv`), and their RFC 4180 encoding with a header row.

use crate::pg::Krw;
use serde::Serialize;

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

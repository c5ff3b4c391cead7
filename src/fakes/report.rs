//! The PG's settlement report from a fake's ledger: one row per approval and per cancel with the
//! PG's fee and what it pays out, in Toss's settlement columns. Toss serves them as its
//! `GET /v1/settlements` JSON; every fake also serves them as CSV at `GET /__paydrill/settlements.csv`.

use super::ledger::Ledger;
use crate::pg::{Krw, LedgerPayment};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// The path of the CSV report on every fake.
pub const SETTLEMENTS_CSV_PATH: &str = "/__paydrill/settlements.csv";

/// The fee a fake charges: 3% of every amount, in whole won (chosen; Toss's fees differ by
/// contract and method). A cancel gives its share of the fee back.
pub fn fee_of(amount: Krw) -> Krw {
    amount * 3 / 100
}

/// Settlement is paid out this many days after the sale (chosen).
const PAYOUT_DAYS: i64 = 2;

/// One settlement row, in Toss's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementRow {
    pub m_id: String,
    pub payment_key: String,
    pub transaction_key: String,
    pub order_id: String,
    pub method: String,
    /// Positive for an approval, negative for a cancel.
    pub amount: Krw,
    pub interest_fee: Krw,
    pub fee: Krw,
    pub supply_amount: Krw,
    pub vat: Krw,
    /// `amount − fee`.
    pub pay_out_amount: Krw,
    pub approved_at: String,
    /// The sale's date (KST), `YYYY-MM-DD`.
    pub sold_date: String,
    pub paid_out_date: String,
    /// For a cancel row: how much was cancelled (positive), else empty.
    pub cancel_amount: Option<Krw>,
}

fn kst_date(t: OffsetDateTime) -> Date {
    t.to_offset(UtcOffset::from_hms(9, 0, 0).expect("a valid offset")).date()
}

/// `2026-12-01T09:30:00+09:00`, as Toss writes a time.
fn kst_seconds(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t).to_offset(UtcOffset::from_hms(9, 0, 0).expect("a valid offset"));
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn row(p: &LedgerPayment, mid: &str, tx: &str, amount: Krw, at: OffsetDateTime, cancel: Option<Krw>) -> SettlementRow {
    let vat = (amount * 10 + if amount < 0 { -55 } else { 55 }) / 110;
    let fee = fee_of(amount);
    let sold = kst_date(at);
    SettlementRow {
        m_id: mid.to_string(),
        payment_key: p.pg_payment_id.clone(),
        transaction_key: tx.to_string(),
        order_id: p.merchant_order_id.clone(),
        method: "카드".into(),
        amount,
        interest_fee: 0,
        fee,
        supply_amount: amount - vat,
        vat,
        pay_out_amount: amount - fee,
        approved_at: kst_seconds(p.approved_at.unwrap_or(at)),
        sold_date: day(sold),
        paid_out_date: day(sold + Duration::days(PAYOUT_DAYS)),
        cancel_amount: cancel,
    }
}

/// Every approval and cancel in `ledger`, oldest first.
pub fn settlement_rows(ledger: &Ledger, mid: &str) -> Vec<SettlementRow> {
    let mut rows = Vec::new();
    for p in ledger.payments() {
        let (Some(tx), Some(at)) = (p.approval_id.as_deref(), p.approved_at) else { continue };
        rows.push((at, row(&p, mid, tx, p.total, at, None)));
        for c in &p.cancels {
            rows.push((c.canceled_at, row(&p, mid, &c.cancel_id, -c.amount, c.canceled_at, Some(c.amount))));
        }
    }
    rows.sort_by_key(|(at, _)| *at);
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The rows as CSV, Toss's column names as the header.
pub fn to_csv(rows: &[SettlementRow]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for r in rows {
        out.serialize(r)?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_and_its_cancel_pay_out_the_net_less_the_fee() {
        let ledger = Ledger::new("t");
        ledger.authenticate("p1", "o1", 10_000).unwrap();
        ledger.approve("p1", Some("o1"), Some(10_000)).unwrap();
        ledger.cancel("p1", Some(4_000), None, "r").unwrap();
        let rows = settlement_rows(&ledger, "mid");
        let amounts: Vec<(Krw, Krw, Krw)> = rows.iter().map(|r| (r.amount, r.fee, r.pay_out_amount)).collect();
        assert_eq!(amounts, vec![(10_000, 300, 9_700), (-4_000, -120, -3_880)]);
        assert_eq!(rows[1].cancel_amount, Some(4_000));
        let csv = to_csv(&rows).unwrap();
        assert!(csv.starts_with("mId,paymentKey,transactionKey,orderId,method,amount,"), "{csv}");
    }
}

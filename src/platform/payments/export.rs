//! The reference platform's own settlement export (`GET /settlements/export.csv`): one row per
//! money movement from its books, with the fee it expects under its PG contracts, in the
//! columns `scenarios/profiles/reference.toml` maps for `paydrill reconcile`.

use super::Payments;
use crate::pg::Krw;
use serde::Serialize;

/// The fee the platform's PG contracts charge: 3% of every amount, in whole won (the fakes
/// charge the same; a cancel gives its share back).
pub fn contract_fee(amount: Krw) -> Krw {
    amount * 3 / 100
}

#[derive(Serialize)]
struct ExportRow<'a> {
    settlement_date: String,
    pg: &'a str,
    order_id: &'a str,
    pg_payment_key: &'a str,
    pg_transaction_id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    amount: Krw,
    fee: Krw,
    status: &'a str,
}

impl Payments {
    /// Every money movement the platform booked, as CSV.
    pub fn settlement_export(&self) -> Result<String, String> {
        let movements = self.store.movements().map_err(|e| format!("cannot read the books: {e}"))?;
        let mut out = csv::Writer::from_writer(Vec::new());
        for m in &movements {
            let row = ExportRow {
                settlement_date: crate::units::kst_day(&m.created_at),
                pg: &m.pg,
                order_id: &m.order_id,
                pg_payment_key: m.pg_payment_key.as_deref().unwrap_or(""),
                pg_transaction_id: m.pg_transaction_id.as_deref().unwrap_or(""),
                kind: &m.kind,
                amount: m.amount,
                fee: contract_fee(m.amount),
                status: &m.status,
            };
            out.serialize(row).map_err(|e| e.to_string())?;
        }
        if movements.is_empty() {
            out.write_record(HEADER).map_err(|e| e.to_string())?;
        }
        let bytes = out.into_inner().map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

const HEADER: [&str; 9] =
    ["settlement_date", "pg", "order_id", "pg_payment_key", "pg_transaction_id", "type", "amount", "fee", "status"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settlement_is_dated_in_korea() {
        use crate::units::kst_day;
        assert_eq!(kst_day("2026-12-01T23:30:00Z"), "2026-12-02");
        assert_eq!(kst_day("2026-12-01T14:59:59Z"), "2026-12-01");
        assert_eq!(contract_fee(-3000), -90);
    }
}

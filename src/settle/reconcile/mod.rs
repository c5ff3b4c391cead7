//! Reconciliation: a platform's own settlement export against the PGs' settlement reports, per
//! PG and date. Movements are matched by the PG's transaction id where the export has one, else
//! by order, kind and amount; every difference is a [`Mismatch`] of one [`MismatchKind`]. Reads
//! plain rows ([`read`]), formats nothing.

pub mod read;

use crate::pg::{Krw, PgName};
use crate::spec::Movement;
use std::collections::BTreeMap;

/// One movement in the platform's export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRow {
    /// 1-based line in the export (the header is line 1).
    pub line: usize,
    pub pg: PgName,
    pub date: String,
    pub order_id: String,
    pub payment_key: Option<String>,
    pub transaction_id: Option<String>,
    pub movement: Movement,
    /// Signed: a cancel is negative.
    pub amount: Krw,
    pub fee: Option<Krw>,
    /// The payment's status, as a canonical state when the profile maps the word.
    pub status: Option<String>,
}

/// One movement in a PG's settlement report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgRow {
    /// `file:line` (or `url:line`) it was read from.
    pub source: String,
    pub pg: PgName,
    pub date: String,
    pub order_id: String,
    pub payment_key: String,
    pub transaction_id: String,
    pub movement: Movement,
    pub amount: Krw,
    pub fee: Krw,
}

/// How a platform movement and the PG's differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MismatchKind {
    /// The platform booked it; no PG report holds it.
    MissingAtPg,
    /// A PG settled it; the platform's export does not hold it.
    MissingAtPlatform,
    AmountDiffers,
    /// The movement's kind, or the payment's status, says otherwise than the PG's settlement.
    StatusDiffers,
    FeeDiffers,
}

impl MismatchKind {
    pub const ALL: [MismatchKind; 5] = [
        MismatchKind::MissingAtPg,
        MismatchKind::MissingAtPlatform,
        MismatchKind::AmountDiffers,
        MismatchKind::StatusDiffers,
        MismatchKind::FeeDiffers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MismatchKind::MissingAtPg => "missing_at_pg",
            MismatchKind::MissingAtPlatform => "missing_at_platform",
            MismatchKind::AmountDiffers => "amount_differs",
            MismatchKind::StatusDiffers => "status_differs",
            MismatchKind::FeeDiffers => "fee_differs",
        }
    }
}

/// One difference, with both sides where there are two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub kind: MismatchKind,
    pub platform: Option<PlatformRow>,
    pub pg: Option<PgRow>,
    /// In words: what differs.
    pub detail: String,
}

impl Mismatch {
    pub fn pg_name(&self) -> PgName {
        self.pg.as_ref().map(|r| r.pg).or(self.platform.as_ref().map(|r| r.pg)).expect("a mismatch has a side")
    }

    /// The PG's date where the PG holds it, else the platform's.
    pub fn date(&self) -> &str {
        self.pg.as_ref().map(|r| r.date.as_str()).or(self.platform.as_ref().map(|r| r.date.as_str())).unwrap_or("")
    }
}

/// One side's movements on one PG and date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideTotals {
    pub rows: u64,
    pub net: Krw,
    pub fees: Krw,
}

/// Both sides on one PG and date, and the mismatches found there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    pub platform: SideTotals,
    pub pg: SideTotals,
    pub mismatches: u64,
}

/// What a reconciliation found.
#[derive(Debug, Clone, Default)]
pub struct Reconciliation {
    pub mismatches: Vec<Mismatch>,
    /// Per (PG, date).
    pub days: BTreeMap<(PgName, String), DayTotals>,
    /// Movement pairs found on both sides.
    pub matched: u64,
}

impl Reconciliation {
    /// Whether both sides agree, on evidence: something was compared.
    pub fn clean(&self) -> bool {
        self.mismatches.is_empty() && self.matched > 0
    }

    pub fn count(&self, kind: MismatchKind) -> usize {
        self.mismatches.iter().filter(|m| m.kind == kind).count()
    }
}

/// States a payment may be in once the PG has settled a movement of `movement`.
fn settled(movement: Movement, status: &str) -> bool {
    match movement {
        Movement::Approval => matches!(status, "APPROVED" | "PARTIAL_CANCELED" | "CANCELED"),
        Movement::Cancel => matches!(status, "PARTIAL_CANCELED" | "CANCELED"),
    }
}

/// Compares one matched pair.
fn compare(p: &PlatformRow, g: &PgRow, found: &mut Vec<Mismatch>) {
    let mut add = |kind, detail: String| {
        found.push(Mismatch { kind, platform: Some(p.clone()), pg: Some(g.clone()), detail });
    };
    if p.amount != g.amount {
        add(MismatchKind::AmountDiffers, format!("platform {} vs {} {}", p.amount, g.pg, g.amount));
    }
    if p.movement != g.movement {
        add(
            MismatchKind::StatusDiffers,
            format!("platform booked a {} where {} settled a {}", p.movement.as_str(), g.pg, g.movement.as_str()),
        );
    } else if let Some(status) = p.status.as_deref().filter(|s| !settled(g.movement, s)) {
        add(
            MismatchKind::StatusDiffers,
            format!("the platform's payment is {status} though {} settled its {}", g.pg, g.movement.as_str()),
        );
    }
    if let Some(fee) = p.fee.filter(|fee| *fee != g.fee) {
        add(MismatchKind::FeeDiffers, format!("platform expects fee {fee} vs {} charged {}", g.pg, g.fee));
    }
}

/// Matches the platform's movements with the PGs' and lists every difference.
pub fn reconcile(platform: Vec<PlatformRow>, pg: Vec<PgRow>) -> Reconciliation {
    let mut out = Reconciliation::default();
    for p in &platform {
        let day = out.days.entry((p.pg, p.date.clone())).or_default();
        day.platform.rows += 1;
        day.platform.net += p.amount;
        day.platform.fees += p.fee.unwrap_or(0);
    }
    for g in &pg {
        let day = out.days.entry((g.pg, g.date.clone())).or_default();
        day.pg.rows += 1;
        day.pg.net += g.amount;
        day.pg.fees += g.fee;
    }
    let mut unmatched_pg: Vec<Option<PgRow>> = pg.into_iter().map(Some).collect();
    // Each PG row by its transaction id, and by order and kind for an export without ids.
    let mut by_tx: BTreeMap<(PgName, String), Vec<usize>> = BTreeMap::new();
    let mut by_order: BTreeMap<(PgName, String, Movement), Vec<usize>> = BTreeMap::new();
    for (i, g) in unmatched_pg.iter().flatten().enumerate() {
        if !g.transaction_id.is_empty() {
            by_tx.entry((g.pg, g.transaction_id.clone())).or_default().push(i);
        }
        by_order.entry((g.pg, g.order_id.clone(), g.movement)).or_default().push(i);
    }
    let mut leftover = Vec::new();
    for p in platform {
        let tx = p.transaction_id.clone().filter(|t| !t.is_empty());
        let candidates = tx.and_then(|t| by_tx.get(&(p.pg, t)));
        match candidates.and_then(|list| list.iter().find_map(|&i| unmatched_pg[i].take())) {
            Some(g) => {
                out.matched += 1;
                compare(&p, &g, &mut out.mismatches);
            }
            None => leftover.push(p),
        }
    }
    // Without a transaction id: the same order, kind and amount, else the same order and kind
    // (an amount that differs).
    for p in leftover {
        let list = by_order.get(&(p.pg, p.order_id.clone(), p.movement)).map(Vec::as_slice).unwrap_or(&[]);
        let open = |i: &&usize| unmatched_pg[**i].is_some();
        let same_amount =
            list.iter().filter(open).find(|&&i| unmatched_pg[i].as_ref().is_some_and(|g| g.amount == p.amount));
        let slot = same_amount.or_else(|| list.iter().find(open)).copied();
        match slot.and_then(|i| unmatched_pg[i].take()) {
            Some(g) => {
                out.matched += 1;
                compare(&p, &g, &mut out.mismatches);
            }
            None => out.mismatches.push(Mismatch {
                kind: MismatchKind::MissingAtPg,
                detail: format!(
                    "no {} settlement row holds the platform's {} of {}",
                    p.pg,
                    p.movement.as_str(),
                    p.amount
                ),
                platform: Some(p),
                pg: None,
            }),
        }
    }
    for g in unmatched_pg.into_iter().flatten() {
        out.mismatches.push(Mismatch {
            kind: MismatchKind::MissingAtPlatform,
            detail: format!(
                "{} settled a {} of {} the platform's export does not hold",
                g.pg,
                g.movement.as_str(),
                g.amount
            ),
            platform: None,
            pg: Some(g),
        });
    }
    for m in &out.mismatches {
        out.days.entry((m.pg_name(), m.date().to_string())).or_default().mismatches += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SettlementExport;
    use std::path::Path;

    const TOSS_JSON: &str = r#"[
      {"mId":"m","paymentKey":"pk1","transactionKey":"tx1","orderId":"o1","method":"카드","amount":10000,
       "interestFee":0,"fee":300,"supplyAmount":9091,"vat":909,"payOutAmount":9700,
       "approvedAt":"2026-12-02T10:00:00+09:00","soldDate":"2026-12-02","paidOutDate":"2026-12-04","cancel":null},
      {"mId":"m","paymentKey":"pk1","transactionKey":"tx2","orderId":"o1","method":"카드","amount":-3000,
       "interestFee":0,"fee":-90,"supplyAmount":-2727,"vat":-273,"payOutAmount":-2910,
       "approvedAt":"2026-12-02T10:00:00+09:00","soldDate":"2026-12-02","paidOutDate":"2026-12-04","cancelAmount":3000}
    ]"#;

    fn export(text: &str, columns: &SettlementExport) -> Vec<PlatformRow> {
        read::platform_export(Path::new("export.csv"), text, columns, &|s| s.to_string()).unwrap()
    }

    #[test]
    fn tosss_json_listing_reads_as_an_approval_and_a_cancel() {
        let rows = read::pg_report("toss.json", PgName::Toss, TOSS_JSON).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].movement, rows[0].amount, rows[0].fee), (Movement::Approval, 10000, 300));
        assert_eq!((rows[1].movement, rows[1].amount, rows[1].fee), (Movement::Cancel, -3000, -90));
        assert_eq!(rows[1].source, "toss.json:2");
        let bad =
            read::pg_report("toss.json", PgName::Toss, &TOSS_JSON.replace("\"orderId\":\"o1\",", "")).unwrap_err();
        assert!(bad.to_string().contains("toss.json:1: no `orderId`"), "{bad}");
    }

    #[test]
    fn without_transaction_ids_movements_match_by_order_kind_and_amount() {
        // paydrill's own settlement.csv columns, but no transaction id column at all, and
        // positive amounts with the type telling the cancels.
        let columns =
            SettlementExport { transaction_id: None, payment_key: None, signed: false, ..SettlementExport::default() };
        let text = "settlement_date,pg,merchant_order_id,transaction_type,amount\n\
                    2026-12-02,toss,o1,APPROVAL,10000\n\
                    2026-12-02,toss,o1,PARTIAL_CANCEL,3000\n";
        let pg = read::pg_report("toss.json", PgName::Toss, TOSS_JSON).unwrap();
        let clean = reconcile(export(text, &columns), pg.clone());
        assert!(clean.clean(), "{:?}", clean.mismatches);
        assert_eq!(clean.matched, 2);
        let off = reconcile(export(&text.replace(",3000", ",2000"), &columns), pg);
        assert_eq!(off.mismatches.iter().map(|m| m.kind).collect::<Vec<_>>(), vec![MismatchKind::AmountDiffers]);
        assert_eq!(off.days[&(PgName::Toss, "2026-12-02".to_string())].mismatches, 1);
    }

    #[test]
    fn nothing_on_either_side_is_not_clean() {
        let nothing = reconcile(Vec::new(), Vec::new());
        assert!(!nothing.clean() && nothing.mismatches.is_empty());
    }
}

//! Totals over settlement rows: per PG and settlement date (`settlement-summary.csv`), per PG
//! (the summaries' settlement table), and net per PG (the settlement-balances check). One
//! accumulator, [`SummaryBook`], serves rows that arrive all at once or one order at a time.

use super::columns::{SettlementRow, SummaryRow};
use crate::pg::Krw;
use std::collections::BTreeMap;

/// Approvals, cancels and net per PG and settlement date, added to row by row.
#[derive(Debug, Clone, Default)]
pub struct SummaryBook {
    by: BTreeMap<(String, String), SummaryRow>,
}

impl SummaryBook {
    pub fn add(&mut self, row: &SettlementRow) {
        let s = self.by.entry((row.pg.clone(), row.settlement_date.clone())).or_insert_with(|| SummaryRow {
            pg: row.pg.clone(),
            settlement_date: row.settlement_date.clone(),
            approvals_count: 0,
            approvals_sum: 0,
            cancels_count: 0,
            cancels_sum: 0,
            net: 0,
        });
        if row.amount >= 0 {
            s.approvals_count += 1;
            s.approvals_sum += row.amount;
        } else {
            s.cancels_count += 1;
            s.cancels_sum += -row.amount;
        }
        s.net += row.amount;
    }

    pub fn add_all<'a>(&mut self, rows: impl IntoIterator<Item = &'a SettlementRow>) {
        for r in rows {
            self.add(r);
        }
    }

    /// One row per PG and settlement date, sorted.
    pub fn rows(&self) -> Vec<SummaryRow> {
        self.by.values().cloned().collect()
    }

    /// One row per PG over every date (`settlement_date` left empty).
    pub fn per_pg(&self) -> Vec<SummaryRow> {
        let mut per_pg: BTreeMap<&str, SummaryRow> = BTreeMap::new();
        for s in self.by.values() {
            let e = per_pg.entry(&s.pg).or_insert_with(|| SummaryRow {
                pg: s.pg.clone(),
                settlement_date: String::new(),
                approvals_count: 0,
                approvals_sum: 0,
                cancels_count: 0,
                cancels_sum: 0,
                net: 0,
            });
            e.approvals_count += s.approvals_count;
            e.approvals_sum += s.approvals_sum;
            e.cancels_count += s.cancels_count;
            e.cancels_sum += s.cancels_sum;
            e.net += s.net;
        }
        per_pg.into_values().collect()
    }
}

/// Per PG and settlement date: approvals, cancels, net.
pub fn summary(rows: &[SettlementRow]) -> Vec<SummaryRow> {
    let mut book = SummaryBook::default();
    book.add_all(rows);
    book.rows()
}

/// Net per PG over rows.
pub fn net_by_pg(rows: &[SettlementRow]) -> BTreeMap<String, Krw> {
    let mut net = BTreeMap::new();
    for r in rows {
        *net.entry(r.pg.clone()).or_insert(0) += r.amount;
    }
    net
}

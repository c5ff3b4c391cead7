//! The settlement view of a run: one row per money movement the PGs' ledgers hold, each
//! reconciled against what the platform acknowledged, plus platform movements no PG holds, and
//! per-PG totals. Built only from the history, so `paydrill settle history.jsonl` rebuilds it.
//! [`reconcile`] holds a platform's own settlement export against the PGs' reports.

mod acknowledged;
mod columns;
pub mod reconcile;
mod rows;
mod summary;

pub use acknowledged::{acknowledged, Acknowledged};
pub use columns::{to_csv, SettlementRow, SummaryRow, ROW_HEADER, SUMMARY_HEADER};
pub use rows::{rows, rows_from, rows_of};
pub use summary::{net_by_pg, summary, SummaryBook};

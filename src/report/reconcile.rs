//! The reconciliation's files: `reconcile.csv`, one row per mismatch with both sides and where
//! each was read, and `reconcile-summary.md` (also printed): the verdict, per PG and date both
//! sides' rows, net and fees with the mismatches there, and the count of each kind.

use super::write_atomic;
use crate::settle::reconcile::{MismatchKind, Reconciliation};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// Where the two sides were read from.
pub struct Sources<'a> {
    pub export: &'a Path,
    pub pg_reports: &'a [String],
    pub date: Option<&'a str>,
}

#[derive(Serialize)]
struct Row<'a> {
    kind: &'a str,
    pg: &'a str,
    date: &'a str,
    order_id: &'a str,
    pg_payment_key: &'a str,
    transaction_id: &'a str,
    platform_amount: Option<i64>,
    pg_amount: Option<i64>,
    platform_fee: Option<i64>,
    pg_fee: Option<i64>,
    platform_status: &'a str,
    platform_line: Option<usize>,
    pg_source: &'a str,
    detail: &'a str,
}

const HEADER: [&str; 14] = [
    "kind",
    "pg",
    "date",
    "order_id",
    "pg_payment_key",
    "transaction_id",
    "platform_amount",
    "pg_amount",
    "platform_fee",
    "pg_fee",
    "platform_status",
    "platform_line",
    "pg_source",
    "detail",
];

fn csv_of(found: &Reconciliation) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    out.write_record(HEADER)?;
    for m in &found.mismatches {
        let (p, g) = (m.platform.as_ref(), m.pg.as_ref());
        out.serialize(Row {
            kind: m.kind.as_str(),
            pg: m.pg_name().as_str(),
            date: m.date(),
            order_id: g.map(|g| g.order_id.as_str()).or(p.map(|p| p.order_id.as_str())).unwrap_or(""),
            pg_payment_key: g
                .map(|g| g.payment_key.as_str())
                .or(p.and_then(|p| p.payment_key.as_deref()))
                .unwrap_or(""),
            transaction_id: g
                .map(|g| g.transaction_id.as_str())
                .or(p.and_then(|p| p.transaction_id.as_deref()))
                .unwrap_or(""),
            platform_amount: p.map(|p| p.amount),
            pg_amount: g.map(|g| g.amount),
            platform_fee: p.and_then(|p| p.fee),
            pg_fee: g.map(|g| g.fee),
            platform_status: p.and_then(|p| p.status.as_deref()).unwrap_or(""),
            platform_line: p.map(|p| p.line),
            pg_source: g.map(|g| g.source.as_str()).unwrap_or(""),
            detail: &m.detail,
        })?;
    }
    out.into_inner().map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// The summary in Markdown.
pub fn summary(found: &Reconciliation, sources: &Sources) -> String {
    let mut md = String::new();
    let verdict = if found.clean() {
        "CLEAN".to_string()
    } else if found.mismatches.is_empty() {
        "NOTHING COMPARED".to_string()
    } else {
        format!("{} MISMATCH(ES)", found.mismatches.len())
    };
    let _ = writeln!(md, "# paydrill reconcile: {verdict}\n");
    let _ = writeln!(md, "Platform export: {}", sources.export.display());
    let _ = writeln!(md, "PG reports: {}", sources.pg_reports.join(", "));
    if let Some(date) = sources.date {
        let _ = writeln!(md, "Date: {date}");
    }
    let _ = writeln!(md, "\n{} movement(s) found on both sides.", found.matched);
    if found.matched == 0 && found.mismatches.is_empty() {
        let _ = writeln!(md, "\nNeither side holds a movement: nothing was compared, so this is no pass.");
    }
    let _ = writeln!(
        md,
        "\n| pg | date | platform rows | platform net | platform fees | PG rows | PG net | PG fees | mismatches |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|"
    );
    for ((pg, date), d) in &found.days {
        let _ = writeln!(
            md,
            "| {pg} | {date} | {} | {} | {} | {} | {} | {} | {} |",
            d.platform.rows, d.platform.net, d.platform.fees, d.pg.rows, d.pg.net, d.pg.fees, d.mismatches
        );
    }
    let _ = writeln!(md, "\n| mismatch | count |\n|---|--:|");
    for kind in MismatchKind::ALL {
        let _ = writeln!(md, "| {} | {} |", kind.as_str(), found.count(kind));
    }
    for (i, m) in found.mismatches.iter().enumerate().take(20) {
        let at = m.platform.as_ref().map(|p| format!(" (export line {})", p.line)).unwrap_or_default();
        let _ = writeln!(md, "{}. {} {} {}{at}: {}", i + 1, m.kind.as_str(), m.pg_name(), m.date(), m.detail);
    }
    if found.mismatches.len() > 20 {
        let _ = writeln!(md, "… {} more in reconcile.csv", found.mismatches.len() - 20);
    }
    md
}

/// Writes `reconcile.csv` and `reconcile-summary.md` into `out`; returns the summary.
pub fn write(out: &Path, found: &Reconciliation, sources: &Sources) -> std::io::Result<String> {
    std::fs::create_dir_all(out)?;
    let rows = csv_of(found).map_err(std::io::Error::other)?;
    write_atomic(out, "reconcile.csv", &rows)?;
    let md = summary(found, sources);
    write_atomic(out, "reconcile-summary.md", md.as_bytes())?;
    Ok(md)
}

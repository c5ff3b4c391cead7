//! Per-op latency figures as text: calls, errors and percentiles, as a load summary,
//! `latency.csv` and a merge show them per op.

use crate::measure::LatencyBook;
use crate::spec::Op;

/// A latency in ms with one decimal, or `–`.
pub fn ms(us: Option<u64>) -> String {
    us.map_or("–".into(), |u| format!("{:.1}", u as f64 / 1000.0))
}

/// One op's figures: name, calls, errors, p50, p95, p99 and max in ms.
pub fn op_figures(b: &LatencyBook, op: Op) -> [String; 7] {
    [
        op.as_str().to_string(),
        b.calls.get(&op).copied().unwrap_or(0).to_string(),
        b.errors.get(&op).copied().unwrap_or(0).to_string(),
        ms(b.percentile_us(Some(op), 50.0)),
        ms(b.percentile_us(Some(op), 95.0)),
        ms(b.percentile_us(Some(op), 99.0)),
        ms(b.max_us(Some(op))),
    ]
}

/// The ops a book has figures for, in vocabulary order.
pub fn ops_of(book: &LatencyBook) -> Vec<Op> {
    Op::ALL.into_iter().filter(|op| book.per_op.contains_key(op)).collect()
}

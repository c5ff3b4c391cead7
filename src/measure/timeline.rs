//! A load step second by second: orders started and started late, calls refused and calls
//! whose outcome stayed unknown, and the p50/p99 of each op and of whole orders in that second — what the load
//! report draws over time.

use super::latency::LatencyBook;
use crate::spec::Op;
use std::collections::BTreeMap;

/// One second of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePoint {
    /// Seconds since the first arrival was due (the warm-up included).
    pub second: u32,
    /// Orders started, and of those started late, in this second.
    pub started: u64,
    pub late: u64,
    /// Calls whose outcome stayed unknown (a timeout, a 5xx, a reset), in this second.
    pub unknown: u64,
    /// Calls refused (a 4xx, a PG decline), in this second.
    pub refused: u64,
    /// p50 and p99 in microseconds of each op's calls that finished in this second.
    pub per_op: BTreeMap<Op, (u64, u64)>,
    /// p50 and p99 of whole orders (from their scheduled start) finished in this second.
    pub order: Option<(u64, u64)>,
}

impl TimelinePoint {
    /// The point for `second`, from what that second's book (`window`) holds and the counts
    /// started, late and refused since the last point.
    pub fn of(second: u32, window: &LatencyBook, started: u64, late: u64, refused: u64) -> TimelinePoint {
        let pair = |h: &hdrhistogram::Histogram<u64>| (h.value_at_quantile(0.50), h.value_at_quantile(0.99));
        TimelinePoint {
            second,
            started,
            late,
            unknown: window.errors.values().sum(),
            refused,
            per_op: window.per_op.iter().filter(|(_, h)| !h.is_empty()).map(|(op, h)| (*op, pair(h))).collect(),
            order: (!window.order.is_empty()).then(|| pair(&window.order)),
        }
    }
}

//! Time-to-converge per PG: how many unknown outcomes each PG's orders had, how many the
//! platform settled before the deadline, and how long that took (an HDR histogram of the ones
//! that converged, in ms), added up from convergence events as they come — a run's all at once,
//! a load step's order by order.

use crate::pg::PgName;
use crate::record::Convergence;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;

/// One PG's convergence figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgConvergence {
    pub pg: PgName,
    pub unknown_outcomes: u64,
    pub converged: u64,
    pub p50_ms: Option<u64>,
    pub p99_ms: Option<u64>,
    pub max_ms: Option<u64>,
}

/// Convergence events added up per PG.
#[derive(Debug, Clone, Default)]
pub struct ConvergenceBook {
    by: BTreeMap<PgName, (u64, Histogram<u64>)>,
}

impl ConvergenceBook {
    /// A book of `events`.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a Convergence>) -> ConvergenceBook {
        let mut book = ConvergenceBook::default();
        for e in events {
            book.add(e);
        }
        book
    }

    pub fn add(&mut self, e: &Convergence) {
        let (unknown, ms) = self
            .by
            .entry(e.cell.pg)
            .or_insert_with(|| (0, Histogram::new_with_bounds(1, 3_600_000, 3).expect("static histogram bounds")));
        *unknown += 1;
        if e.converged {
            let _ = ms.record(e.after_ms.max(1));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by.is_empty()
    }

    /// Per PG, in PG order.
    pub fn per_pg(&self) -> Vec<PgConvergence> {
        self.by
            .iter()
            .map(|(pg, (unknown, ms))| {
                let at = |q: f64| (!ms.is_empty()).then(|| ms.value_at_quantile(q));
                PgConvergence {
                    pg: *pg,
                    unknown_outcomes: *unknown,
                    converged: ms.len(),
                    p50_ms: at(0.5),
                    p99_ms: at(0.99),
                    max_ms: (!ms.is_empty()).then(|| ms.max()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Cell;

    #[test]
    fn percentiles_count_only_what_converged() {
        let ev = |pg, ms, ok| Convergence {
            cell: Cell { scenario: "S".into(), pg, repeat: 1 },
            order_id: "o".into(),
            after_ms: ms,
            converged: ok,
            reads: 1,
            within_ms: 30_000,
            pg: String::new(),
            platform: String::new(),
        };
        let events = [ev(PgName::Toss, 10, true), ev(PgName::Toss, 30, true), ev(PgName::Toss, 30_000, false)];
        let book = ConvergenceBook::of(events.iter().chain([&ev(PgName::Kcp, 5, true)]));
        let f = book.per_pg();
        assert_eq!(
            (f[0].pg, f[0].unknown_outcomes, f[0].converged, f[0].p50_ms, f[0].max_ms),
            (PgName::Toss, 3, 2, Some(10), Some(30))
        );
        assert_eq!(f[1].p99_ms, Some(5));
    }
}

//! Time-to-converge per PG, from a history's convergence events: how many unknown outcomes
//! each PG's orders had, how many the platform settled before the deadline, and how long that
//! took (nearest-rank percentiles over the ones that converged).

use crate::pg::PgName;
use crate::record::Convergence;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One PG's convergence figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgConvergence {
    pub pg: PgName,
    pub unknown_outcomes: usize,
    pub converged: usize,
    pub p50_ms: Option<u64>,
    pub p99_ms: Option<u64>,
    pub max_ms: Option<u64>,
}

fn rank(sorted: &[u64], q: f64) -> Option<u64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
}

/// Per PG, in PG order.
pub fn per_pg<'a>(events: impl IntoIterator<Item = &'a Convergence>) -> Vec<PgConvergence> {
    let mut by: BTreeMap<PgName, (usize, Vec<u64>)> = BTreeMap::new();
    for c in events {
        let e = by.entry(c.cell.pg).or_default();
        e.0 += 1;
        if c.converged {
            e.1.push(c.after_ms);
        }
    }
    by.into_iter()
        .map(|(pg, (unknown, mut ms))| {
            ms.sort_unstable();
            PgConvergence {
                pg,
                unknown_outcomes: unknown,
                converged: ms.len(),
                p50_ms: rank(&ms, 0.5),
                p99_ms: rank(&ms, 0.99),
                max_ms: ms.last().copied(),
            }
        })
        .collect()
}

/// The Markdown table (nothing when no outcome came back unknown).
pub fn table(md: &mut String, figures: &[PgConvergence]) {
    if figures.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Convergence after unknown outcomes\n\n| pg | unknown outcomes | converged | p50 ms | p99 ms | max ms |\n|---|--:|--:|--:|--:|--:|"
    );
    let ms = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    for f in figures {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            f.pg,
            f.unknown_outcomes,
            f.converged,
            ms(f.p50_ms),
            ms(f.p99_ms),
            ms(f.max_ms)
        );
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
        let events = [
            ev(PgName::Toss, 10, true),
            ev(PgName::Toss, 30, true),
            ev(PgName::Toss, 30_000, false),
            ev(PgName::Kcp, 5, true),
        ];
        let f = per_pg(&events);
        assert_eq!(
            (f[0].pg, f[0].unknown_outcomes, f[0].converged, f[0].p50_ms, f[0].max_ms),
            (PgName::Toss, 3, 2, Some(10), Some(30))
        );
        assert_eq!(f[1].p99_ms, Some(5));
    }
}

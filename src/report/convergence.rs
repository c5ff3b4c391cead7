//! The convergence table: per PG the unknown outcomes, how many converged and how long they
//! took (p50, p99, max ms), for the run and load summaries.

use crate::measure::PgConvergence;
use std::fmt::Write;

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

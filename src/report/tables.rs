//! Markdown tables both a run's and a load test's summaries show: the invariants with what
//! each checked, and the settlement totals per PG.

use crate::check::InvariantResult;
use crate::settle::SummaryBook;
use std::fmt::Write;

/// The invariants table: state, what was checked, violations, and why where not checked.
pub fn invariants_table<'a>(md: &mut String, results: impl IntoIterator<Item = &'a InvariantResult>) {
    let _ =
        writeln!(md, "\n## Invariants\n\n| invariant | state | checked | violations | note |\n|---|---|--:|--:|---|");
    for r in results {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            r.id,
            r.state.word(),
            r.checked_text(),
            r.violations,
            r.note()
        );
    }
}

/// Approvals, cancels and net per PG.
pub fn settlement_table(md: &mut String, book: &SummaryBook) {
    let _ = writeln!(
        md,
        "\n## Settlement\n\n| pg | approvals | approved | cancels | cancelled | net |\n|---|--:|--:|--:|--:|--:|"
    );
    for s in book.per_pg() {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            s.pg, s.approvals_count, s.approvals_sum, s.cancels_count, s.cancels_sum, s.net
        );
    }
}

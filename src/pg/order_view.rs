//! What a PG's ledger says about one platform order — the state of its last approved payment
//! (or that none was approved) and the balance its payments still hold — and whether the
//! platform's view of the order agrees: the one rule `platform-matches-pg` and the convergence
//! reads after an unknown outcome share.

use super::{Krw, LedgerPayment};

/// One order as its PG's ledger holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderAtPg {
    /// The canonical state of the last approved payment; `None` when none was approved.
    pub state: Option<&'static str>,
    /// What the approved payments still hold.
    pub balance: Krw,
}

impl OrderAtPg {
    /// The order's payments at the PG (every attempt, in the ledger's order).
    pub fn of<'a>(payments: impl IntoIterator<Item = &'a LedgerPayment>) -> OrderAtPg {
        let approved: Vec<_> = payments.into_iter().filter(|p| p.approval_id.is_some()).collect();
        OrderAtPg {
            state: approved.last().map(|p| p.status.canonical_state()),
            balance: approved.iter().map(|p| p.balance).sum(),
        }
    }

    /// Whether a platform showing `status` (canonical) and `balance` (when it shows one)
    /// agrees. An order never approved is still CREATED, or FAILED after a refused attempt.
    pub fn agrees(&self, status: &str, balance: Option<Krw>) -> bool {
        let state = match self.state {
            Some(state) => state == status,
            None => matches!(status, "CREATED" | "FAILED"),
        };
        state && balance.is_none_or(|b| b == self.balance)
    }

    /// `APPROVED balance 10000`, as evidence reads it.
    pub fn describe(&self) -> String {
        format!("{} balance {}", self.state.unwrap_or("CREATED or FAILED (no approved payment)"), self.balance)
    }
}

//! What the checkers judge, gathered once: the calls clients made (only finished cells when the
//! run was interrupted), joined with the PG ledgers and the webhooks the PGs sent, with each
//! order's owning cell, the calls about it, and what the platform acknowledged for it.

use super::verdict::Violation;
use crate::pg::{LedgerPayment, PgName, WebhookDelivery};
use crate::record::{Call, Cell, CellNoteKind, Convergence, History, Mode, Phase};
use crate::settle::{self, Acknowledged};
use crate::spec::Op;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The history as the checkers see it.
pub struct Evidence<'a> {
    pub calls: Vec<&'a Call>,
    /// Every PG payment each ledger held (only those of finished cells when interrupted).
    pub ledgers: BTreeMap<PgName, Vec<LedgerPayment>>,
    /// Whether the PGs are paydrill's fakes, whose ledgers the history holds.
    pub observable: bool,
    pub mode: Mode,
    /// Interrupted before every cell finished.
    pub partial: bool,
    /// PG faults were drawn at random rates.
    pub random_faults: bool,
    pub run_id: String,
    /// Order id → the cell whose create made it.
    pub owners: BTreeMap<String, Cell>,
    /// Order id → ids of the calls about it.
    pub calls_by_order: HashMap<String, Vec<u64>>,
    /// Order id → what the platform acknowledged for it.
    pub acks: BTreeMap<String, Acknowledged>,
    /// Every webhook delivery attempt the fakes logged (only finished cells' when interrupted).
    pub webhooks: Vec<WebhookDelivery>,
    /// Cells that ran without what they exist to test (a scripted fault that never reached the PG).
    pub not_exercised: BTreeSet<Cell>,
    /// Cells one of whose PG calls met a fault drawn at random (so their course is the dice's).
    pub drawn_fault_cells: BTreeSet<Cell>,
    /// How each order's unknown outcome converged (only finished cells' when interrupted).
    pub convergences: Vec<Convergence>,
}

impl<'a> Evidence<'a> {
    pub fn new(history: &History, all_calls: &'a [Call]) -> Evidence<'a> {
        let run = history.run();
        let partial = history.partial();
        let finished = history.finished_cells();
        let calls: Vec<&Call> = all_calls.iter().filter(|c| !partial || finished.contains(&c.cell)).collect();
        let mut owners = BTreeMap::new();
        let mut calls_by_order: HashMap<String, Vec<u64>> = HashMap::new();
        for c in &calls {
            if let Some(o) = &c.seen.order_id {
                if c.op == Op::CreateOrder && c.phase == Phase::Ok {
                    owners.entry(o.clone()).or_insert_with(|| c.cell.clone());
                }
            }
            if let Some(o) = c.order() {
                calls_by_order.entry(o.to_string()).or_default().push(c.id);
            }
        }
        // An interrupted run is judged on the cells that finished, and on their PG payments only.
        let mut ledgers = history.ledger_payments();
        if partial {
            for payments in ledgers.values_mut() {
                payments.retain(|p| owners.keys().any(|o| p.belongs_to(o)));
            }
        }
        let webhooks = history
            .webhooks()
            .filter(|w| !partial || owners.keys().any(|o| crate::pg::belongs_to(&w.merchant_order_id, o)))
            .cloned()
            .collect();
        let drawn_fault_cells = drawn_fault_cells(history, &owners, &ledgers);
        let convergences = history.convergences().filter(|c| !partial || finished.contains(&c.cell)).cloned().collect();
        Evidence {
            convergences,
            webhooks,
            drawn_fault_cells,
            not_exercised: history
                .notes()
                .filter(|n| n.kind == CellNoteKind::NotExercised)
                .map(|n| n.cell.clone())
                .collect(),
            acks: settle::acknowledged(calls.iter().copied()),
            calls,
            ledgers,
            observable: run.is_some_and(|r| r.pg_observable),
            mode: run.map_or(crate::record::Mode::Platform, |r| r.mode),
            partial,
            random_faults: run.is_some_and(|r| r.random_faults),
            run_id: run.map(|r| r.run_id.clone()).unwrap_or_default(),
            owners,
            calls_by_order,
        }
    }

    /// The payments `pg`'s ledger holds for the platform order `order`.
    pub fn ledger_payments(&self, pg: PgName, order: &str) -> Vec<&LedgerPayment> {
        self.ledgers.get(&pg).map(|ps| ps.iter().filter(|p| p.belongs_to(order)).collect()).unwrap_or_default()
    }

    /// A violation about `order` (or the whole run), with its cell, steps, payment and calls.
    pub fn violation(&self, invariant: &str, order: Option<&str>, expected: String, seen: String) -> Violation {
        let cell = order.and_then(|o| self.owners.get(o)).cloned();
        let steps: BTreeSet<usize> = order
            .map(|o| self.calls.iter().filter(|c| c.order() == Some(o) && c.step > 0).map(|c| c.step).collect())
            .unwrap_or_default();
        let payment_id = order.and_then(|o| {
            self.calls
                .iter()
                .rev()
                .find(|c| c.order() == Some(o) && c.seen.payment_id.is_some())
                .and_then(|c| c.seen.payment_id.clone())
        });
        Violation {
            invariant: invariant.to_string(),
            scenario: cell.as_ref().map(|c| c.scenario.clone()).unwrap_or_default(),
            pg: cell.as_ref().map(|c| c.pg),
            cell,
            order_id: order.map(str::to_string),
            payment_id,
            steps: steps.into_iter().collect(),
            expected,
            seen,
            evidence: order.and_then(|o| self.calls_by_order.get(o).cloned()).unwrap_or_default(),
        }
    }
}

/// The cells whose PG calls met a fault drawn at random: found by the merchant order id the
/// call named (the platform order id, or it with a retry suffix), or by the PG payment id.
fn drawn_fault_cells(
    history: &History,
    owners: &BTreeMap<String, Cell>,
    ledgers: &BTreeMap<PgName, Vec<LedgerPayment>>,
) -> BTreeSet<Cell> {
    let merchant_of: HashMap<&str, &str> =
        ledgers.values().flatten().map(|p| (p.pg_payment_id.as_str(), p.merchant_order_id.as_str())).collect();
    let owner_of = |merchant: &str| -> Option<Cell> {
        // The order id itself, or a prefix of it ending before a `-` (a retry suffix).
        std::iter::once(merchant.len())
            .chain(merchant.rmatch_indices('-').map(|(i, _)| i))
            .find_map(|end| owners.get(&merchant[..end]))
            .cloned()
    };
    history
        .drawn_faults()
        .filter_map(|f| {
            let merchant = f
                .merchant_order_id
                .as_deref()
                .or_else(|| f.pg_payment_id.as_deref().and_then(|id| merchant_of.get(id).copied()))?;
            owner_of(merchant)
        })
        .collect()
}

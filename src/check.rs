//! The checkers: the seven money invariants over the history (what clients saw) joined with the
//! PG ledgers (what the PGs did), and each step's `expect`. A timed-out call is indeterminate
//! and is resolved against the ledger, never counted as simply failed. Produces violations;
//! formats nothing.

use crate::fakes::LedgerPayment;
use crate::history::{Call, Cell, History, Phase, Purpose};
use crate::pg::{Krw, PgName, PgStatus};
use crate::settlement;
use crate::spec::{Op, Outcome, Scenario};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The invariants, by id.
pub const INVARIANTS: [(&str, &str); 7] = [
    ("unique-order", "one idempotency key → at most one order; every click got the same order id"),
    ("single-charge", "one order → at most one successful PG approval"),
    ("non-negative-balance", "no balance ever went below zero; cancels never exceed the approval"),
    ("platform-matches-pg", "at the end, each payment's status and balance on the platform equal the PG ledger"),
    ("no-lost-ack", "every order the platform acknowledged can still be read at the end"),
    ("identical-replay", "a replayed request got the original answer (same order id and amount)"),
    ("settlement-balances", "per PG, settlement net = approvals − cancels = PG ledger net"),
];

/// Direct mode's extra check: every PG answers a scenario's steps the same way.
pub const PGS_AGREE: (&str, &str) =
    ("pgs-agree", "direct mode: at every step, each PG's status and balance agree with the other PGs'");

/// Invariants that need the PGs' ledgers.
const PG_SIDE: [&str; 3] = ["single-charge", "platform-matches-pg", "settlement-balances"];

/// One broken invariant or expectation, with what a reader needs to find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// An invariant id, or `expectation`.
    pub invariant: String,
    pub scenario: String,
    pub pg: Option<PgName>,
    pub cell: Option<Cell>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    /// The scenario steps involved (1-based).
    pub steps: Vec<usize>,
    pub expected: String,
    pub seen: String,
    /// Ids of the calls that show it (see the history / report evidence).
    pub evidence: Vec<u64>,
}

impl Violation {
    /// One line for a terminal or a JUnit message.
    pub fn headline(&self) -> String {
        let mut where_ = Vec::new();
        if let Some(cell) = &self.cell {
            where_.push(cell.to_string());
        } else if let Some(pg) = self.pg {
            where_.push(pg.to_string());
        }
        if let Some(o) = &self.order_id {
            where_.push(format!("order {o}"));
        }
        if !self.steps.is_empty() {
            let steps: Vec<_> = self.steps.iter().map(|s| s.to_string()).collect();
            where_.push(format!("step {}", steps.join(",")));
        }
        format!("{} [{}]: expected {}; saw {}", self.invariant, where_.join(", "), self.expected, self.seen)
    }
}

/// How one invariant fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvariantResult {
    pub id: String,
    pub description: String,
    /// `held`, `violated` or `not observable`.
    pub state: String,
    pub violations: usize,
}

/// Everything the checkers found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verdict {
    pub violations: Vec<Violation>,
    pub invariants: Vec<InvariantResult>,
    /// Every cell that ran, and whether it passed.
    pub cells: BTreeMap<Cell, bool>,
    pub partial: bool,
    /// False when random PG faults made step expectations meaningless.
    pub expectations_checked: bool,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.violations.is_empty() && !self.partial
    }

    pub fn violations_in(&self, cell: &Cell) -> impl Iterator<Item = &Violation> {
        let cell = cell.clone();
        self.violations.iter().filter(move |v| v.cell.as_ref() == Some(&cell))
    }
}

/// Facts shared by the checkers.
struct Facts<'a> {
    calls: &'a [Call],
    ledgers: HashMap<PgName, &'a [LedgerPayment]>,
    observable: bool,
    /// Order id → the cell that created it.
    owners: BTreeMap<String, Cell>,
    /// Order id → ids of the calls about it.
    evidence: HashMap<String, Vec<u64>>,
    /// Order id → what the platform acknowledged for it.
    acks: BTreeMap<String, settlement::Acknowledged>,
}

impl Facts<'_> {
    fn ledger_payments(&self, pg: PgName, order: &str) -> Vec<&LedgerPayment> {
        self.ledgers
            .get(&pg)
            .map(|ps| ps.iter().filter(|p| crate::fakes::belongs_to(&p.merchant_order_id, order)).collect())
            .unwrap_or_default()
    }

    fn violation(&self, invariant: &str, order: Option<&str>, expected: String, seen: String) -> Violation {
        let cell = order.and_then(|o| self.owners.get(o)).cloned();
        let steps: BTreeSet<usize> = order
            .map(|o| {
                self.calls
                    .iter()
                    .filter(|c| c.seen.order_id.as_deref() == Some(o) && c.step > 0)
                    .map(|c| c.step)
                    .collect()
            })
            .unwrap_or_default();
        let payment_id = order.and_then(|o| {
            self.calls
                .iter()
                .rev()
                .find(|c| c.seen.order_id.as_deref() == Some(o))
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
            evidence: order.and_then(|o| self.evidence.get(o).cloned()).unwrap_or_default(),
        }
    }
}

/// Checks every invariant and expectation over `history`.
pub fn check(history: &History, scenarios: &[Scenario]) -> Verdict {
    let finished = history.finished_cells();
    let calls: Vec<Call> =
        history.calls().into_iter().filter(|c| !history.partial() || finished.contains(&c.cell)).collect();
    let observable = history.run().is_some_and(|r| r.pg_observable);
    let mut owners = BTreeMap::new();
    let mut evidence: HashMap<String, Vec<u64>> = HashMap::new();
    for c in &calls {
        if let Some(o) = &c.seen.order_id {
            if c.op == Op::CreateOrder && c.phase == Phase::Ok {
                owners.entry(o.clone()).or_insert_with(|| c.cell.clone());
            }
            evidence.entry(o.clone()).or_default().push(c.id);
        }
    }
    // An interrupted run is judged on the cells that finished, and on their PG payments only.
    let partial = history.partial();
    let mut ledger_payments = history.ledger_payments();
    if partial {
        for payments in ledger_payments.values_mut() {
            payments.retain(|p| owners.keys().any(|o| crate::fakes::belongs_to(&p.merchant_order_id, o)));
        }
    }
    let facts = Facts {
        calls: &calls,
        ledgers: ledger_payments.iter().map(|(pg, payments)| (*pg, payments.as_slice())).collect(),
        observable,
        owners,
        evidence,
        acks: settlement::acknowledged(&calls),
    };
    let mut violations = Vec::new();
    unique_order(&facts, &mut violations);
    identical_replay(&facts, &mut violations);
    no_lost_ack(&facts, &mut violations);
    non_negative_balance(&facts, &mut violations);
    if observable {
        single_charge(&facts, &mut violations);
        platform_matches_pg(&facts, &mut violations);
        if !partial {
            settlement_balances(history, &facts, &mut violations);
        }
    }
    if history.run().is_some_and(|r| r.mode == "direct") {
        pgs_agree(&facts, &mut violations);
    }
    let random_faults = history.run().is_some_and(|r| r.random_faults);
    if !random_faults {
        expectations(history, &facts, scenarios, &mut violations);
    }

    let mut cells: BTreeMap<Cell, bool> = calls.iter().map(|c| (c.cell.clone(), true)).collect();
    for v in &violations {
        if let Some(cell) = &v.cell {
            cells.insert(cell.clone(), false);
        }
    }
    let direct = history.run().is_some_and(|r| r.mode == "direct");
    let invariants = INVARIANTS
        .iter()
        .chain(if direct { Some(&PGS_AGREE) } else { None })
        .map(|(id, description)| {
            let count = violations.iter().filter(|v| v.invariant == *id).count();
            let state = if count > 0 {
                "violated"
            } else if !observable && PG_SIDE.contains(id) {
                "not observable"
            } else if partial && *id == "settlement-balances" {
                "not checked (interrupted)"
            } else {
                "held"
            };
            InvariantResult {
                id: id.to_string(),
                description: description.to_string(),
                state: state.into(),
                violations: count,
            }
        })
        .collect();
    Verdict { violations, invariants, cells, partial, expectations_checked: !random_faults }
}

/// Step calls of one op grouped by (cell, idempotency key).
fn by_key(calls: &[Call], op: Op) -> BTreeMap<(Cell, String), Vec<&Call>> {
    let mut groups: BTreeMap<(Cell, String), Vec<&Call>> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.op == op && c.purpose == Purpose::Step) {
        if let Some(key) = &c.idempotency_key {
            groups.entry((c.cell.clone(), key.clone())).or_default().push(c);
        }
    }
    groups
}

fn unique_order(f: &Facts, out: &mut Vec<Violation>) {
    for ((_, key), group) in by_key(f.calls, Op::CreateOrder) {
        let fresh: BTreeSet<&str> = group
            .iter()
            .filter(|c| c.phase == Phase::Ok && !c.response.as_ref().is_some_and(|r| r.replayed))
            .filter_map(|c| c.seen.order_id.as_deref())
            .collect();
        if fresh.len() > 1 {
            let orders: Vec<_> = fresh.iter().copied().collect();
            let mut v = f.violation(
                "unique-order",
                Some(orders[0]),
                format!("one order for idempotency key {key}"),
                format!("{} orders created: {}", orders.len(), orders.join(", ")),
            );
            v.evidence = group.iter().map(|c| c.id).collect();
            out.push(v);
        }
    }
}

fn identical_replay(f: &Facts, out: &mut Vec<Violation>) {
    for op in [Op::CreateOrder, Op::Approve] {
        for ((_, key), group) in by_key(f.calls, op) {
            let oks: Vec<&&Call> = group.iter().filter(|c| c.phase == Phase::Ok).collect();
            let Some(first) = oks.iter().find(|c| !c.response.as_ref().is_some_and(|r| r.replayed)).or(oks.first())
            else {
                continue;
            };
            for c in oks.iter().filter(|c| c.response.as_ref().is_some_and(|r| r.replayed)) {
                let same_order = c.seen.order_id == first.seen.order_id;
                let same_amount = op != Op::CreateOrder || c.seen.amount == first.seen.amount;
                if !(same_order && same_amount) {
                    let mut v = f.violation(
                        "identical-replay",
                        first.seen.order_id.as_deref(),
                        format!(
                            "the replay of {} (key {key}) to answer order {} amount {}",
                            op.as_str(),
                            first.seen.order_id.as_deref().unwrap_or("?"),
                            first.seen.amount.map_or("?".into(), |a| a.to_string())
                        ),
                        format!(
                            "order {} amount {}",
                            c.seen.order_id.as_deref().unwrap_or("?"),
                            c.seen.amount.map_or("?".into(), |a| a.to_string())
                        ),
                    );
                    v.evidence = vec![first.id, c.id];
                    v.steps = vec![c.step];
                    out.push(v);
                }
            }
        }
    }
}

fn no_lost_ack(f: &Facts, out: &mut Vec<Violation>) {
    for order in f.owners.keys() {
        let finals: Vec<&Call> = f
            .calls
            .iter()
            .filter(|c| c.purpose == Purpose::Final && c.order_id.as_deref() == Some(order.as_str()))
            .collect();
        let Some(last) = finals.last() else { continue };
        let readable = last.answered() && last.seen.order_id.as_deref() == Some(order.as_str());
        if !readable {
            let seen = match (&last.response, &last.error) {
                (Some(r), _) => format!("HTTP {} {}", r.status, crate::target::cap(r.body.chars().take(120).collect())),
                (None, Some(e)) => e.clone(),
                (None, None) => "no answer".into(),
            };
            let mut v = f.violation(
                "no-lost-ack",
                Some(order),
                format!("acknowledged order {order} readable at the end"),
                seen,
            );
            v.evidence.push(last.id);
            out.push(v);
        }
    }
}

fn non_negative_balance(f: &Facts, out: &mut Vec<Violation>) {
    let mut flagged = BTreeSet::new();
    for c in f.calls {
        if let (Some(b), Some(order)) = (c.seen.balance, &c.seen.order_id) {
            if b < 0 && flagged.insert(order.clone()) {
                let mut v = f.violation(
                    "non-negative-balance",
                    Some(order),
                    "a balance of 0 or more".into(),
                    format!("the platform reported balance {b} ({} step {})", c.op.as_str(), c.step),
                );
                v.evidence = vec![c.id];
                out.push(v);
            }
        }
    }
    for (order, ack) in &f.acks {
        let cancelled: Krw = ack.cancels.iter().sum();
        if let Some(approved) = ack.approved {
            if cancelled > approved && flagged.insert(order.clone()) {
                out.push(f.violation(
                    "non-negative-balance",
                    Some(order),
                    format!("acknowledged cancels of at most the approved {approved}"),
                    format!("cancels of {cancelled} acknowledged ({:?})", ack.cancels),
                ));
            }
        }
    }
    for (pg, payments) in &f.ledgers {
        for p in payments.iter() {
            if (p.balance < 0 || p.cancelled > p.total) && flagged.insert(p.merchant_order_id.clone()) {
                let mut v = f.violation(
                    "non-negative-balance",
                    Some(&p.merchant_order_id),
                    "a PG balance of 0 or more".into(),
                    format!("{pg} ledger: balance {}, cancelled {} of {}", p.balance, p.cancelled, p.total),
                );
                v.pg.get_or_insert(*pg);
                out.push(v);
            }
        }
    }
}

fn single_charge(f: &Facts, out: &mut Vec<Violation>) {
    for (order, cell) in &f.owners {
        let approved: Vec<_> =
            f.ledger_payments(cell.pg, order).into_iter().filter(|p| p.approval_id.is_some()).collect();
        if approved.len() > 1 {
            let list: Vec<_> = approved.iter().map(|p| format!("{} ({} won)", p.pg_payment_id, p.total)).collect();
            out.push(f.violation(
                "single-charge",
                Some(order),
                "at most one PG approval".into(),
                format!("{} approvals at {}: {}", approved.len(), cell.pg, list.join(", ")),
            ));
        }
    }
}

fn platform_state(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Paid => "APPROVED",
        PgStatus::PartialCanceled => "PARTIAL_CANCELED",
        PgStatus::Canceled => "CANCELED",
        PgStatus::Ready | PgStatus::Failed => "FAILED",
    }
}

fn platform_matches_pg(f: &Facts, out: &mut Vec<Violation>) {
    for (order, ack) in &f.acks {
        let Some(cell) = f.owners.get(order) else { continue };
        let (Some(status), Some(balance)) = (ack.final_status.as_deref(), ack.final_balance) else { continue };
        let approved: Vec<_> =
            f.ledger_payments(cell.pg, order).into_iter().filter(|p| p.approval_id.is_some()).collect();
        let pg_balance: Krw = approved.iter().map(|p| p.balance).sum();
        let pg_status = approved.last().map(|p| platform_state(p.status));
        let status_matches = match pg_status {
            Some(s) => s == status,
            None => matches!(status, "CREATED" | "FAILED"),
        };
        if !status_matches || balance != pg_balance {
            out.push(f.violation(
                "platform-matches-pg",
                Some(order),
                format!(
                    "the platform to show the {} ledger: {} balance {pg_balance}",
                    cell.pg,
                    pg_status.unwrap_or("no approved payment (CREATED or FAILED)")
                ),
                format!("platform {status} balance {balance}"),
            ));
        }
    }
}

fn settlement_balances(history: &History, f: &Facts, out: &mut Vec<Violation>) {
    let run_id = history.run().map(|r| r.run_id.as_str()).unwrap_or("");
    let mut ledgers: Vec<(PgName, &[LedgerPayment])> = f.ledgers.iter().map(|(pg, ps)| (*pg, *ps)).collect();
    ledgers.sort_by_key(|(pg, _)| *pg);
    let rows = settlement::rows_from(run_id, &f.acks, &ledgers);
    let settled = settlement::net_by_pg(&rows);
    let acks = &f.acks;
    let mut pgs: BTreeSet<PgName> = f.ledgers.keys().copied().collect();
    pgs.extend(f.owners.values().map(|c| c.pg));
    for pg in pgs {
        let ledger_net: Krw = f
            .ledgers
            .get(&pg)
            .map(|ps| ps.iter().filter(|p| p.approval_id.is_some()).map(|p| p.total - p.cancelled).sum())
            .unwrap_or(0);
        let platform_net: Krw = acks
            .iter()
            .filter(|(order, _)| f.owners.get(*order).is_some_and(|c| c.pg == pg))
            .map(|(_, a)| a.final_balance.unwrap_or_else(|| a.approved.unwrap_or(0) - a.cancels.iter().sum::<Krw>()))
            .sum();
        let settlement_net = settled.get(pg.as_str()).copied().unwrap_or(0);
        if ledger_net != platform_net || settlement_net != ledger_net {
            let mut v = f.violation(
                "settlement-balances",
                None,
                format!("{pg}: platform balances = settlement net = PG ledger net"),
                format!("platform {platform_net}, settlement {settlement_net}, {pg} ledger {ledger_net}"),
            );
            v.pg = Some(pg);
            out.push(v);
        }
    }
}

/// Where in a run an answer was given: scenario, repeat, step, and 0 step / 1 after-step /
/// 2 final read.
pub type AnswerSlot = (String, u32, usize, u8);

/// One PG's canonical answer: PG, status, balance, call id.
pub type PgAnswer = (PgName, String, Krw, u64);

/// One step's canonical answer per PG, for comparing PGs.
pub fn step_answers(calls: &[Call]) -> BTreeMap<AnswerSlot, Vec<PgAnswer>> {
    let mut groups: BTreeMap<AnswerSlot, Vec<PgAnswer>> = BTreeMap::new();
    for c in calls {
        let slot = match c.purpose {
            Purpose::Step if c.click == 1 && c.op != Op::CreateOrder => 0,
            Purpose::AfterStep => 1,
            Purpose::Final => 2,
            _ => continue,
        };
        if let (Some(status), Some(balance)) = (&c.seen.status, c.seen.balance) {
            groups.entry((c.cell.scenario.clone(), c.cell.repeat, c.step, slot)).or_default().push((
                c.cell.pg,
                status.clone(),
                balance,
                c.id,
            ));
        }
    }
    groups
}

fn pgs_agree(f: &Facts, out: &mut Vec<Violation>) {
    let mut reported = BTreeSet::new();
    for ((scenario, repeat, step, _), answers) in step_answers(f.calls) {
        if answers.len() < 3 {
            continue;
        }
        let mut tally: BTreeMap<(&str, Krw), usize> = BTreeMap::new();
        for (_, status, balance, _) in &answers {
            *tally.entry((status.as_str(), *balance)).or_default() += 1;
        }
        let Some(((status, balance), votes)) = tally.iter().max_by_key(|(_, n)| **n).map(|(k, n)| (*k, *n)) else {
            continue;
        };
        if votes * 2 <= answers.len() {
            continue;
        }
        for (pg, s, b, id) in &answers {
            if (s.as_str(), *b) != (status, balance) && reported.insert((scenario.clone(), *pg)) {
                let cell = Cell { scenario: scenario.clone(), pg: *pg, repeat };
                out.push(Violation {
                    invariant: PGS_AGREE.0.into(),
                    scenario: scenario.clone(),
                    pg: Some(*pg),
                    cell: Some(cell),
                    order_id: f.calls.iter().find(|c| c.id == *id).and_then(|c| c.seen.order_id.clone()),
                    payment_id: None,
                    steps: if step > 0 { vec![step] } else { vec![] },
                    expected: format!("{status} balance {balance}, as {votes} of {} PGs answered", answers.len()),
                    seen: format!("{pg} answered {s} balance {b}"),
                    evidence: vec![*id],
                });
            }
        }
    }
}

fn expectations(history: &History, f: &Facts, scenarios: &[Scenario], out: &mut Vec<Violation>) {
    let by_name: HashMap<&str, &Scenario> = scenarios.iter().map(|s| (s.name.as_str(), s)).collect();
    let cells: BTreeSet<Cell> = f.calls.iter().map(|c| c.cell.clone()).collect();
    for cell in cells {
        let Some(scenario) = by_name.get(cell.scenario.as_str()) else { continue };
        let cell_calls: Vec<&Call> = f.calls.iter().filter(|c| c.cell == cell).collect();
        let order = cell_calls
            .iter()
            .find(|c| c.op == Op::CreateOrder && c.phase == Phase::Ok)
            .and_then(|c| c.seen.order_id.clone());
        for step in &scenario.steps {
            let clicks: Vec<&&Call> =
                cell_calls.iter().filter(|c| c.step == step.index && c.purpose == Purpose::Step).collect();
            let mut fail = |expected: String, seen: String, ids: Vec<u64>| {
                let mut v = f.violation("expectation", order.as_deref(), expected, seen);
                v.cell = Some(cell.clone());
                v.scenario = cell.scenario.clone();
                v.pg = Some(cell.pg);
                v.steps = vec![step.index];
                v.evidence = ids;
                out.push(v);
            };
            if clicks.is_empty() {
                if !step.expect.is_empty() || step.index == 1 {
                    fail(
                        format!("step {} ({}) to run", step.index, step.op.as_str()),
                        "it never ran: an earlier step left no order".into(),
                        vec![],
                    );
                }
                continue;
            }
            let ids: Vec<u64> = clicks.iter().map(|c| c.id).collect();
            let e = &step.expect;
            let outcome = e.outcome.unwrap_or(if step.index == 1 { Outcome::Ok } else { Outcome::Any });
            let describe = |c: &Call| match (&c.response, &c.error) {
                (Some(r), _) => format!("HTTP {} {}", r.status, c.seen.status.as_deref().unwrap_or("")),
                (None, Some(e)) => e.clone(),
                _ => "no answer".into(),
            };
            match outcome {
                Outcome::Ok => {
                    if let Some(bad) = clicks.iter().find(|c| c.phase != Phase::Ok) {
                        fail(format!("{} accepted", step.op.as_str()), describe(bad), ids.clone());
                    }
                }
                Outcome::Rejected => {
                    // Refused: a 4xx/5xx answer, or (PGs that answer HTTP 200 with an error code) a definite failure.
                    let refused =
                        |c: &Call| c.phase == Phase::Fail || c.response.as_ref().is_some_and(|r| r.status >= 400);
                    if let Some(bad) = clicks.iter().find(|c| !refused(c)) {
                        fail(format!("{} rejected", step.op.as_str()), describe(bad), ids.clone());
                    }
                }
                Outcome::Any => {}
            }
            let state = if step.clicks > 1 {
                cell_calls
                    .iter()
                    .find(|c| c.step == step.index && c.purpose == Purpose::AfterStep)
                    .map(|c| (**c).clone())
            } else {
                clicks.first().map(|c| (**c).clone())
            };
            if let Some(state) = state {
                if let Some(want) = &e.status {
                    if state.seen.status.as_deref() != Some(want.as_str()) {
                        fail(
                            format!("status {want}"),
                            format!("status {}", state.seen.status.as_deref().unwrap_or("(none)")),
                            vec![state.id],
                        );
                    }
                }
                if let Some(want) = e.balance {
                    if state.seen.balance != Some(want) {
                        fail(
                            format!("balance {want}"),
                            format!("balance {}", state.seen.balance.map_or("(none)".into(), |b| b.to_string())),
                            vec![state.id],
                        );
                    }
                }
            }
            if let Some(want) = e.distinct_orders {
                let orders: BTreeSet<_> =
                    clicks.iter().filter(|c| c.phase == Phase::Ok).filter_map(|c| c.seen.order_id.clone()).collect();
                if orders.len() as u32 != want {
                    fail(
                        format!("{want} distinct order id(s)"),
                        format!("{} ({})", orders.len(), orders.into_iter().collect::<Vec<_>>().join(", ")),
                        ids.clone(),
                    );
                }
            }
            if e.pg_approvals.is_some() || e.pg_cancels.is_some() {
                let seen = history.observations().find(|o| o.cell == cell && o.step == step.index);
                match seen {
                    Some(o) => {
                        if let Some(want) = e.pg_approvals.filter(|w| *w != o.pg_approvals) {
                            fail(
                                format!("{want} approval(s) in the {} ledger", cell.pg),
                                format!("{}", o.pg_approvals),
                                ids.clone(),
                            );
                        }
                        if let Some(want) = e.pg_cancels.filter(|w| *w != o.pg_cancels) {
                            fail(
                                format!("{want} cancel(s) in the {} ledger", cell.pg),
                                format!("{}", o.pg_cancels),
                                ids.clone(),
                            );
                        }
                    }
                    None if f.observable => fail("a PG ledger observation".into(), "none recorded".into(), ids.clone()),
                    None => {}
                }
            }
        }
    }
}

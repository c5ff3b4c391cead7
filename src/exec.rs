//! Runs one scenario instance (one cell): its steps in order through the target, clicks
//! released together at a barrier where asked, faults scripted on the order's PG call, and
//! every call recorded as invoke + completion. Judges nothing; the checkers do.

use crate::fakes::{FakeFleet, Ledger};
use crate::pg::PgOp;
use crate::record::{self, AnswerFields, CallEvent, Cell, Event, Observation, Phase, Purpose, Recorder};
use crate::spec::{Op, Scenario, Step, Vars};
use crate::target::{Target, TargetAnswer, Transport};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Barrier;

/// How often the final read of an order is tried while its outcome is unknown.
const FINAL_READ_ATTEMPTS: usize = 5;

/// What one cell needs to run.
pub struct ExecContext<'a> {
    pub run_id: &'a str,
    pub target: &'a Target,
    /// The PG fakes, when the PGs are paydrill's (faults and ledger observations need them).
    pub fleet: Option<&'a FakeFleet>,
    pub recorder: &'a Recorder,
    /// Carries single requests (under load: a goose user); clicks released together always
    /// go through paydrill's own client, since one goose user sends one request at a time.
    pub transport: Option<&'a dyn Transport>,
}

/// How a cell's run ended.
#[derive(Debug, Clone, Default)]
pub struct CellEnd {
    /// Orders the platform acknowledged.
    pub orders: Vec<String>,
    /// Why the scenario stopped early, if it did.
    pub aborted: Option<String>,
}

struct Click<'a> {
    step: &'a Step,
    click: u32,
    purpose: Purpose,
    op: Op,
    key: Option<String>,
    order_id: Option<String>,
    payment_id: Option<String>,
}

impl ExecContext<'_> {
    /// Runs `scenario` as `cell`.
    pub async fn run_cell(&self, scenario: &Scenario, cell: &Cell) -> CellEnd {
        let mut keys: HashMap<usize, String> = HashMap::new();
        let mut order_id: Option<String> = None;
        let mut payment_id: Option<String> = None;
        let mut acked = BTreeSet::new();
        let mut end = CellEnd::default();
        for step in &scenario.steps {
            let key = match step.reuse_key {
                Some(earlier) => keys.get(&earlier).cloned().unwrap_or_default(),
                None => format!("{}-{}-{}-{}-s{}", self.run_id, cell.scenario, cell.pg, cell.repeat, step.index),
            };
            keys.insert(step.index, key.clone());
            if step.op != Op::CreateOrder && order_id.is_none() {
                end.aborted =
                    Some(format!("step {} ({}) has no order: step 1 was not accepted", step.index, step.op.as_str()));
                break;
            }
            if let (Some(fault), Some(fleet), Some(order)) = (step.fault, self.fleet, &order_id) {
                if let Some(endpoint) = fleet.endpoint(cell.pg) {
                    endpoint.fake.faults().script(order, Some(pg_op(step.op)), fault.fault, fault.times);
                }
            }
            let clicks: Vec<Click> = (0..step.clicks)
                .map(|n| Click {
                    step,
                    click: n + 1,
                    purpose: Purpose::Step,
                    op: step.op,
                    key: Some(if step.distinct_keys { format!("{key}-k{}", n + 1) } else { key.clone() }),
                    order_id: order_id.clone(),
                    payment_id: payment_id.clone(),
                })
                .collect();
            let answers = if step.together {
                let barrier = Arc::new(Barrier::new(clicks.len()));
                let sends = clicks.iter().map(|c| {
                    let barrier = barrier.clone();
                    async move {
                        barrier.wait().await;
                        self.send(cell, c, None).await
                    }
                });
                futures::future::join_all(sends).await
            } else {
                let mut answers = Vec::new();
                for c in &clicks {
                    answers.push(self.send(cell, c, self.transport).await);
                }
                answers
            };
            for a in answers.iter().filter(|a| a.phase == Phase::Ok) {
                if step.op == Op::CreateOrder {
                    if let Some(o) = &a.seen.order_id {
                        acked.insert(o.clone());
                        if order_id.is_none() {
                            order_id = Some(o.clone());
                        }
                    }
                }
                if a.seen.payment_id.is_some() {
                    payment_id = a.seen.payment_id.clone();
                }
            }
            let Some(order) = order_id.clone() else { continue };
            if step.clicks > 1 && (step.expect.status.is_some() || step.expect.balance.is_some()) {
                let read = Click {
                    step,
                    click: 0,
                    purpose: Purpose::AfterStep,
                    op: Op::Inquire,
                    key: None,
                    order_id: Some(order.clone()),
                    payment_id: payment_id.clone(),
                };
                self.send(cell, &read, self.transport).await;
            }
            if step.expect.pg_approvals.is_some() || step.expect.pg_cancels.is_some() {
                if let Some(endpoint) = self.fleet.and_then(|f| f.endpoint(cell.pg)) {
                    let (pg_approvals, pg_cancels) = activity(endpoint.fake.ledger(), &order);
                    self.recorder.record(Event::Observe(Observation {
                        cell: cell.clone(),
                        step: step.index,
                        order_id: order,
                        pg_approvals,
                        pg_cancels,
                    }));
                }
            }
        }
        for order in &acked {
            let read = Click {
                step: &scenario.steps[0],
                click: 0,
                purpose: Purpose::Final,
                op: Op::Inquire,
                key: None,
                order_id: Some(order.clone()),
                payment_id: None,
            };
            // An outcome still unknown (a PG inquiry that itself failed) is asked again: the
            // checkers need the platform's settled view, not a passing fault.
            for attempt in 0..FINAL_READ_ATTEMPTS {
                let answer = self.send(cell, &read, self.transport).await;
                if answer.phase != Phase::Info || attempt + 1 == FINAL_READ_ATTEMPTS {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
        end.orders = acked.into_iter().collect();
        end
    }

    async fn send(&self, cell: &Cell, c: &Click<'_>, via: Option<&dyn Transport>) -> TargetAnswer {
        let pg = cell.pg.as_str();
        let amount = if c.purpose == Purpose::Step { c.step.amount } else { None };
        let vars = Vars {
            idempotency_key: c.key.as_deref(),
            pg: Some(pg),
            amount,
            order_id: c.order_id.as_deref(),
            payment_id: c.payment_id.as_deref(),
        };
        let id = self.recorder.next_id();
        let step = if c.purpose == Purpose::Final { 0 } else { c.step.index };
        let prepared = self.target.prepare(cell.pg, c.op, &vars);
        let base = CallEvent {
            id,
            phase: Phase::Invoke,
            at: record::now(),
            cell: cell.clone(),
            step,
            click: c.click,
            purpose: c.purpose,
            op: c.op,
            order_id: c.order_id.clone(),
            idempotency_key: c.key.clone(),
            amount,
            request: Some(prepared.record.clone()),
            response: None,
            seen: None,
            error: None,
            latency_us: None,
            pg_exchanges: Vec::new(),
        };
        self.recorder.record(Event::Call(Box::new(base.clone())));
        let started = Instant::now();
        let exchange = self.target.call(cell.pg, c.op, &vars, prepared, via).await;
        self.recorder.record(Event::Call(Box::new(CallEvent {
            phase: exchange.phase,
            at: record::now(),
            request: None,
            response: exchange.response.clone(),
            seen: Some(exchange.seen.clone()).filter(|s| *s != AnswerFields::default()),
            error: exchange.error.clone(),
            latency_us: Some(started.elapsed().as_micros() as u64),
            pg_exchanges: exchange.raw.clone(),
            ..base
        })));
        exchange
    }
}

/// The PG call a step's op makes.
pub fn pg_op(op: Op) -> PgOp {
    match op {
        Op::CreateOrder | Op::Approve => PgOp::Approve,
        Op::PartialCancel | Op::Cancel => PgOp::Cancel,
        Op::Inquire => PgOp::Inquire,
    }
}

/// Approvals and cancels a PG ledger holds for a platform order.
pub fn activity(ledger: &Ledger, order_id: &str) -> (u32, u32) {
    let payments = ledger.payments_of_order(order_id);
    let approvals = payments.iter().filter(|p| p.approval_id.is_some()).count() as u32;
    let cancels = payments.iter().map(|p| p.cancels.len()).sum::<usize>() as u32;
    (approvals, cancels)
}

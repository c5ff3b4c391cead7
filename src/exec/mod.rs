//! Runs one scenario instance (one cell): its steps in order through the target, clicks
//! released together at a barrier where asked, faults and webhooks scripted on the order's PG
//! call, and every call recorded as invoke + completion. Judges nothing; the checkers do.

mod at_fakes;
mod context;

pub use at_fakes::{activity, pg_op};
pub use context::ExecContext;

use crate::pg::{Krw, OrderAtPg};
use crate::record::{
    self, AnswerFields, CallEvent, Cell, Convergence, Event, Observation, Phase, Purpose, RequestRecord, LEDGER_READ,
};
use crate::spec::{Op, Scenario, Step, Vars};
use crate::target::{Prepared, TargetAnswer, Transport};
use context::CellState;
use std::time::Instant;

/// How often the final read of an order is tried until it is answered (backing off from 50 ms
/// to 800 ms: about 3 s in all for an order that never answers).
const FINAL_READ_ATTEMPTS: u32 = 8;

/// One request to send: which step, click and purpose, and what it is about.
struct Click<'a> {
    step: &'a Step,
    click: u32,
    purpose: Purpose,
    op: Op,
    key: Option<String>,
    /// The amount the request carries: a create's or a cancel's own, an approval's order amount.
    amount: Option<Krw>,
    order_id: Option<String>,
    payment_id: Option<String>,
    pg_payment_key: Option<String>,
}

impl Click<'_> {
    /// The values this click fills the profile's templates with.
    fn vars<'c>(&'c self, cell: &'c Cell) -> Vars<'c> {
        Vars {
            idempotency_key: self.key.as_deref(),
            pg: Some(cell.pg.as_str()),
            amount: self.amount,
            order_id: self.order_id.as_deref(),
            payment_id: self.payment_id.as_deref(),
            pg_payment_key: self.pg_payment_key.as_deref(),
            env: None,
        }
    }
}

impl ExecContext<'_> {
    /// Runs `scenario` as `cell`: its steps in order, then a read of every order it made.
    pub async fn run_cell(&self, scenario: &Scenario, cell: &Cell) {
        let mut state = CellState::default();
        for step in &scenario.steps {
            if step.op != Op::CreateOrder && state.order_id.is_none() {
                // Step 1 was not accepted: the later steps have no order to act on (the
                // expectations checker reports the steps that never ran).
                break;
            }
            self.run_step(cell, step, &mut state).await;
        }
        for order in &state.acked {
            self.settle_webhooks(cell, order).await;
            let payment =
                if state.order_id.as_deref() == Some(order.as_str()) { state.payment_id.clone() } else { None };
            let unknown_since = state.unknown_since.get(order).copied();
            self.final_read(cell, &scenario.steps[0], order, payment, unknown_since).await;
        }
    }

    /// One step: its fault scripted at the PG, its clicks sent, what they answered kept, and
    /// the read or ledger observation its expectations need.
    async fn run_step(&self, cell: &Cell, step: &Step, state: &mut CellState) {
        if let Some(pause) = step.wait {
            tokio::time::sleep(pause).await;
        }
        let key = match step.reuse_key {
            Some(earlier) => state.keys.get(&earlier).cloned().unwrap_or_default(),
            None => format!("{}-{}-{}-{}-s{}", self.run_id, cell.scenario, cell.pg, cell.repeat, step.index),
        };
        state.keys.insert(step.index, key.clone());
        if step.op == Op::CreateOrder && state.order_amount.is_none() {
            state.order_amount = step.amount;
        }
        if self.target.wants_pg_payment_key(step.op) && state.pg_payment_key.is_none() {
            if let (Some(order), Some(amount)) = (state.order_id.clone(), state.order_amount) {
                state.pg_payment_key = self.authorize(cell, step, &order, amount).await;
            }
        }
        let fault = self.script_fault(cell, step, state);
        let webhook = self.script_webhook(cell, step, state);
        let amount = match step.op {
            Op::Approve => state.order_amount,
            _ => step.amount,
        };
        let clicks: Vec<Click> = (0..step.clicks)
            .map(|n| Click {
                step,
                click: n + 1,
                purpose: Purpose::Step,
                op: step.op,
                key: match (step.no_key, step.distinct_keys) {
                    (true, _) => None,
                    (false, true) => Some(format!("{key}-k{}", n + 1)),
                    (false, false) => Some(key.clone()),
                },
                amount,
                order_id: state.order_id.clone(),
                payment_id: state.payment_id.clone(),
                pg_payment_key: state.pg_payment_key.clone(),
            })
            .collect();
        let answers = self.send_clicks(cell, &clicks, step.together, step.stagger).await;
        if let (Some(order), true) = (&state.order_id, matches!(step.op, Op::Approve | Op::PartialCancel | Op::Cancel))
        {
            if answers.iter().any(|a| a.phase == Phase::Info) {
                state.unknown_since.entry(order.clone()).or_insert_with(Instant::now);
            }
        }
        for a in answers.iter().filter(|a| a.phase == Phase::Ok) {
            if step.op == Op::CreateOrder {
                if let Some(o) = &a.seen.order_id {
                    state.acked.insert(o.clone());
                    state.order_id.get_or_insert_with(|| o.clone());
                }
            }
            if a.seen.payment_id.is_some() {
                state.payment_id = a.seen.payment_id.clone();
            }
        }
        self.note_unreached(cell, step, fault, webhook);
        let Some(order) = state.order_id.clone() else { return };
        if step.clicks > 1 && (step.expect.status.is_some() || step.expect.balance.is_some()) {
            let read = Click {
                step,
                click: 0,
                purpose: Purpose::AfterStep,
                op: Op::Inquire,
                key: None,
                amount: None,
                order_id: Some(order.clone()),
                payment_id: state.payment_id.clone(),
                pg_payment_key: state.pg_payment_key.clone(),
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

    /// Sends a step's clicks: one after another through the transport; or, through paydrill's
    /// own client, released together (last-byte synchronised) or `stagger` apart.
    async fn send_clicks(
        &self,
        cell: &Cell,
        clicks: &[Click<'_>],
        together: bool,
        stagger: Option<std::time::Duration>,
    ) -> Vec<TargetAnswer> {
        if let Some(gap) = stagger {
            // Each click leaves `gap` after the one before, whether or not it was answered.
            let sends = clicks.iter().enumerate().map(|(n, c)| async move {
                tokio::time::sleep(gap * n as u32).await;
                self.send(cell, c, None).await
            });
            return futures::future::join_all(sends).await;
        }
        if together && clicks.len() > 1 {
            let mut invoked = Vec::new();
            let mut sends = Vec::new();
            for c in clicks {
                let vars = c.vars(cell);
                let (base, prepared) = self.invoke(cell, c, &vars);
                invoked.push(base);
                sends.push((prepared, vars));
            }
            let started = Instant::now();
            let answers = self.target.send_together(cell.pg, clicks[0].op, sends).await;
            for (base, answer) in invoked.into_iter().zip(&answers) {
                self.complete(base, answer, started);
            }
            return answers;
        }
        let mut answers = Vec::new();
        for c in clicks {
            answers.push(self.send(cell, c, self.transport).await);
        }
        answers
    }

    /// Reads an acknowledged order at the end. An outcome still unknown (a PG inquiry that
    /// itself failed) is asked again: the checkers need the platform's settled view, not a
    /// passing fault. An order whose outcome came back unknown (`unknown_since`) is read until
    /// the platform shows what its PG's ledger holds, or `converge_within` has passed since.
    async fn final_read(
        &self,
        cell: &Cell,
        first_step: &Step,
        order: &str,
        payment_id: Option<String>,
        unknown_since: Option<Instant>,
    ) {
        let read = Click {
            step: first_step,
            click: 0,
            purpose: Purpose::Final,
            op: Op::Inquire,
            key: None,
            amount: None,
            order_id: Some(order.to_string()),
            payment_id,
            pg_payment_key: None,
        };
        if !self.target.supports(Op::Inquire) {
            self.ledger_read(cell, &read);
            return;
        }
        let ledger = self.fleet.and_then(|f| f.endpoint(cell.pg)).map(|e| e.fake.ledger());
        let converging = unknown_since.zip(ledger);
        for attempt in 0u32.. {
            let answer = self.send(cell, &read, self.transport).await;
            if let Some((since, ledger)) = converging {
                let at_pg = OrderAtPg::of(&ledger.payments_of_order(order));
                let agrees = answer.phase == Phase::Ok
                    && answer.seen.status.as_deref().is_some_and(|s| at_pg.agrees(s, answer.seen.balance));
                let waited = since.elapsed();
                if agrees || waited >= self.converge_within {
                    let platform = match (&answer.seen.status, answer.seen.balance) {
                        (Some(s), Some(b)) => format!("{s} balance {b}"),
                        (Some(s), None) => s.clone(),
                        _ => answer.error.clone().unwrap_or_else(|| "no readable status".into()),
                    };
                    self.recorder.record(Event::Converge(Convergence {
                        cell: cell.clone(),
                        order_id: order.to_string(),
                        after_ms: waited.as_millis() as u64,
                        converged: agrees,
                        reads: attempt + 1,
                        within_ms: self.converge_within.as_millis() as u64,
                        pg: at_pg.describe(),
                        platform,
                    }));
                    break;
                }
                // Back off from 50 ms to 800 ms, never past the deadline.
                let pause = std::time::Duration::from_millis(50 << attempt.min(4)).min(self.converge_within - waited);
                tokio::time::sleep(pause).await;
                continue;
            }
            // A read is safe to send again: until it is answered with the order's state (an
            // unknown outcome, a server error, a PG's system error in a 200 body, no answer at
            // all), it is asked again.
            if answer.phase == Phase::Ok || attempt + 1 >= FINAL_READ_ATTEMPTS {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(4))).await;
        }
    }

    /// The final read where the platform has none: what the order's PG ledger holds, recorded
    /// as a read of the ledger (the checkers that compare the platform with the PG skip it).
    fn ledger_read(&self, cell: &Cell, read: &Click<'_>) {
        let (Some(endpoint), Some(order)) = (self.fleet.and_then(|f| f.endpoint(cell.pg)), read.order_id.as_deref())
        else {
            return;
        };
        let ledger = endpoint.fake.ledger();
        let mut payments = ledger.payments_of_order(order);
        payments
            .extend(read.pg_payment_key.as_deref().and_then(|k| ledger.payment(k)).filter(|p| !payments.contains(p)));
        let at_pg = OrderAtPg::of(&payments);
        let seen = AnswerFields {
            order_id: Some(order.to_string()),
            payment_id: read.payment_id.clone(),
            status: Some(at_pg.state.unwrap_or("CREATED").to_string()),
            balance: Some(at_pg.balance),
            ..AnswerFields::default()
        };
        let request =
            RequestRecord { method: LEDGER_READ.into(), url: format!("{} ledger", cell.pg), body: String::new() };
        let (base, _) = self.invoke_prepared(cell, read, Prepared::record_only(request.clone()));
        let answer = TargetAnswer {
            request,
            response: None,
            seen,
            phase: Phase::Ok,
            error: None,
            raw: Vec::new(),
            released_ns: None,
            arrived_ns: None,
        };
        self.complete(base, &answer, Instant::now());
    }

    /// Sends one request and records it as an invoke and a completion.
    async fn send(&self, cell: &Cell, c: &Click<'_>, via: Option<&dyn Transport>) -> TargetAnswer {
        let vars = c.vars(cell);
        let (base, prepared) = self.invoke(cell, c, &vars);
        let started = Instant::now();
        let answer = match c.purpose {
            Purpose::Final => self.target.final_read(cell.pg, &vars, via).await,
            _ => self.target.call(cell.pg, c.op, &vars, prepared, via).await,
        };
        self.complete(base, &answer, started);
        answer
    }

    /// Builds a click's request and records its invoke event.
    fn invoke(&self, cell: &Cell, c: &Click<'_>, vars: &Vars<'_>) -> (CallEvent, Prepared) {
        self.invoke_prepared(cell, c, self.target.prepare(cell.pg, c.op, vars))
    }

    /// Records the invoke event of a click whose request is already built.
    fn invoke_prepared(&self, cell: &Cell, c: &Click<'_>, prepared: Prepared) -> (CallEvent, Prepared) {
        let base = CallEvent {
            id: self.recorder.next_id(),
            phase: Phase::Invoke,
            at: record::now(),
            cell: cell.clone(),
            step: if c.purpose == Purpose::Final { 0 } else { c.step.index },
            click: c.click,
            purpose: c.purpose,
            op: c.op,
            order_id: c.order_id.clone(),
            idempotency_key: c.key.clone(),
            amount: c.amount,
            form: prepared.form(),
            request: Some(prepared.record.clone()),
            response: None,
            seen: None,
            error: None,
            latency_us: None,
            exchanges: Vec::new(),
            released_ns: None,
            arrived_ns: None,
        };
        self.recorder.record(Event::Call(Box::new(base.clone())));
        (base, prepared)
    }

    /// Records a call's completion.
    fn complete(&self, base: CallEvent, answer: &TargetAnswer, started: Instant) {
        self.recorder.record(Event::Call(Box::new(CallEvent {
            phase: answer.phase,
            at: record::now(),
            request: None,
            response: answer.response.clone(),
            seen: Some(answer.seen.clone()).filter(|s| *s != AnswerFields::default()),
            error: answer.error.clone(),
            latency_us: Some(started.elapsed().as_micros() as u64),
            exchanges: answer.raw.clone(),
            released_ns: answer.released_ns,
            arrived_ns: answer.arrived_ns,
            ..base
        })));
    }
}

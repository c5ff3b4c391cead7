//! Hand-built histories for the checkers' unit tests: calls described by a [`Spec`] with
//! defaults, PG ledgers, and one call to get a verdict or one invariant's result.

use super::check;
use super::verdict::{InvariantResult, Verdict};
use crate::pg::{LedgerCancel, LedgerPayment, PgName, PgStatus};
use crate::record::{
    self, AnswerFields, CallEvent, Cell, CellNote, CellNoteKind, Event, LedgerSnapshot, Mode, Observation, Phase,
    Purpose,
};
use crate::record::{ResponseRecord, RunEnd, RunInfo};
use crate::spec::{Op, Scenario};
use std::collections::BTreeSet;

/// A cell of `scenario` on toss, repeat 1.
pub fn cell(scenario: &str) -> Cell {
    cell_on(scenario, PgName::Toss)
}

pub fn cell_on(scenario: &str, pg: PgName) -> Cell {
    Cell { scenario: scenario.to_string(), pg, repeat: 1 }
}

/// One call: its invoke and its completion.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    pub cell: Cell,
    pub step: usize,
    pub click: u32,
    pub purpose: Purpose,
    pub op: Op,
    pub phase: Phase,
    /// HTTP status of the answer; 0 for no answer at all.
    pub status_code: u16,
    pub key: Option<&'a str>,
    /// The order the call is about (known before sending).
    pub about: Option<&'a str>,
    /// What the answer said.
    pub order: Option<&'a str>,
    pub payment: Option<&'a str>,
    pub status: Option<&'a str>,
    pub balance: Option<i64>,
    /// The request's amount, also read back as the answer's.
    pub amount: Option<i64>,
    pub replayed: bool,
}

impl<'a> Spec<'a> {
    /// An accepted step call (HTTP 200).
    pub fn ok(cell: &Cell, step: usize, op: Op) -> Spec<'a> {
        Spec {
            cell: cell.clone(),
            step,
            click: 1,
            purpose: Purpose::Step,
            op,
            phase: Phase::Ok,
            status_code: 200,
            key: None,
            about: None,
            order: None,
            payment: None,
            status: None,
            balance: None,
            amount: None,
            replayed: false,
        }
    }

    /// A refused step call (HTTP 422).
    pub fn fail(cell: &Cell, step: usize, op: Op) -> Spec<'a> {
        Spec { phase: Phase::Fail, status_code: 422, ..Spec::ok(cell, step, op) }
    }

    /// The final read of `order`, answering `status` and `balance`.
    pub fn final_read(cell: &Cell, order: &'a str, status: &'a str, balance: i64) -> Spec<'a> {
        Spec {
            purpose: Purpose::Final,
            about: Some(order),
            order: Some(order),
            status: Some(status),
            balance: Some(balance),
            ..Spec::ok(cell, 0, Op::Inquire)
        }
    }
}

/// A history under construction.
pub struct History {
    events: Vec<Event>,
    next_id: u64,
    mode: Mode,
    observable: bool,
    random_faults: bool,
    partial: bool,
}

impl History {
    /// A platform run whose PGs are paydrill's fakes.
    pub fn platform() -> History {
        History {
            events: Vec::new(),
            next_id: 1,
            mode: Mode::Platform,
            observable: true,
            random_faults: false,
            partial: false,
        }
    }

    pub fn direct() -> History {
        History { mode: Mode::Direct, ..History::platform() }
    }

    /// A platform run whose PGs are not paydrill's: no ledgers to read.
    pub fn unobservable() -> History {
        History { observable: false, ..History::platform() }
    }

    /// Adds an event as it stands.
    pub fn event(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn with_random_faults(mut self) -> History {
        self.random_faults = true;
        self
    }

    /// Interrupted: only the cells in `finished` ran to their end.
    pub fn interrupted(mut self) -> History {
        self.partial = true;
        self
    }

    /// Adds a call; returns its id.
    pub fn add(&mut self, s: Spec) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let invoke = CallEvent {
            id,
            phase: Phase::Invoke,
            at: "2026-12-01T00:00:00Z".into(),
            cell: s.cell.clone(),
            step: s.step,
            click: s.click,
            purpose: s.purpose,
            op: s.op,
            order_id: s.about.map(str::to_string),
            idempotency_key: s.key.map(str::to_string),
            amount: s.amount,
            form: None,
            request: None,
            response: None,
            seen: None,
            error: None,
            latency_us: None,
            exchanges: Vec::new(),
            released_ns: None,
            arrived_ns: None,
        };
        let seen = AnswerFields {
            order_id: s.order.map(str::to_string),
            payment_id: s.payment.map(str::to_string),
            status: s.status.map(str::to_string),
            balance: s.balance,
            amount: s.amount,
            ..AnswerFields::default()
        };
        let done = CallEvent {
            phase: s.phase,
            at: "2026-12-01T00:00:01Z".into(),
            response: (s.status_code > 0).then(|| ResponseRecord {
                status: s.status_code,
                body: "{}".into(),
                replayed: s.replayed,
            }),
            seen: Some(seen),
            error: (s.status_code == 0).then(|| "no answer before the client timeout".to_string()),
            latency_us: Some(1_000),
            ..invoke.clone()
        };
        self.events.push(Event::Call(Box::new(invoke)));
        self.events.push(Event::Call(Box::new(done)));
        id
    }

    /// Notes a cell as not exercised (a scripted fault that never reached the PG).
    pub fn not_exercised(&mut self, cell: &Cell, why: &str) {
        self.events.push(Event::Note(CellNote {
            cell: cell.clone(),
            kind: CellNoteKind::NotExercised,
            why: why.into(),
        }));
    }

    /// What `pg`'s ledger held at the end.
    pub fn ledger(&mut self, pg: PgName, payments: Vec<LedgerPayment>) {
        self.events.push(Event::Ledger(LedgerSnapshot { pg, payments }));
    }

    /// What `pg`'s ledger held for `order` right after `step`.
    pub fn observe(&mut self, cell: &Cell, step: usize, order: &str, pg_approvals: u32, pg_cancels: u32) {
        self.events.push(Event::Observe(Observation {
            cell: cell.clone(),
            step,
            order_id: order.to_string(),
            pg_approvals,
            pg_cancels,
        }));
    }

    /// The history as a run would have written it; every cell finished unless interrupted.
    pub fn build(&self) -> record::History {
        let cells: BTreeSet<Cell> = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Call(c) => Some(c.cell.clone()),
                _ => None,
            })
            .collect();
        let mut events = vec![Event::Run(RunInfo {
            run_id: "test".into(),
            started_at: "2026-12-01T00:00:00Z".into(),
            mode: self.mode,
            target: "hand-built".into(),
            profile: "reference".into(),
            scenarios: cells.iter().map(|c| c.scenario.clone()).collect::<BTreeSet<_>>().into_iter().collect(),
            pgs: cells.iter().map(|c| c.pg).collect::<BTreeSet<_>>().into_iter().collect(),
            repeat: 1,
            pg_observable: self.observable,
            random_faults: self.random_faults,
        })];
        events.extend(self.events.iter().cloned());
        if !self.partial {
            events.extend(cells.into_iter().map(Event::CellEnd));
        }
        events.push(Event::End(RunEnd { finished_at: "2026-12-01T00:00:02Z".into(), partial: self.partial }));
        record::History { events }
    }

    pub fn verdict(&self, scenarios: &[Scenario]) -> Verdict {
        check(&self.build(), scenarios)
    }

    /// One invariant's (or `expectation`'s) result, over no scenario files.
    pub fn result(&self, id: &str) -> InvariantResult {
        let verdict = self.verdict(&[]);
        verdict.invariant(id).cloned().unwrap_or_else(|| panic!("no result for {id}: {verdict:?}"))
    }
}

/// A payment `pg_payment_id` of `total` for `order`, approved, then cancelled by `cancels`.
pub fn paid(pg_payment_id: &str, order: &str, total: i64, cancels: &[i64]) -> LedgerPayment {
    let mut balance = total;
    let cancels: Vec<LedgerCancel> = cancels
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            balance -= amount;
            LedgerCancel {
                cancel_id: format!("{pg_payment_id}_cx{i}"),
                amount: *amount,
                balance_after: balance,
                reason: "test".into(),
                canceled_at: time::OffsetDateTime::UNIX_EPOCH,
            }
        })
        .collect();
    LedgerPayment {
        pg_payment_id: pg_payment_id.to_string(),
        merchant_order_id: order.to_string(),
        status: PgStatus::after_cancel(total, balance),
        total,
        balance,
        cancelled: total - balance,
        authorized_at: Some(time::OffsetDateTime::UNIX_EPOCH),
        approval_id: Some(format!("{pg_payment_id}_tx")),
        approved_at: Some(time::OffsetDateTime::UNIX_EPOCH),
        cancels,
    }
}

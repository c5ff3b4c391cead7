//! A history read back into memory: its events, and every call with its invoke and
//! completion joined, which is what the checkers, the settlement view and the reports read.

use super::event::{
    AnswerFields, Cell, CellNote, Convergence, Event, LedgerSnapshot, Observation, PgRequest, Phase, Purpose,
    RequestRecord, ResponseRecord, RunInfo,
};
use crate::pg::{DrawnFault, Krw, LedgerPayment, PgName, RawExchange, WebhookDelivery};
use crate::spec::Op;

/// A completed call: its invoke and completion joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: u64,
    pub phase: Phase,
    pub invoked_at: String,
    pub completed_at: Option<String>,
    pub cell: Cell,
    pub step: usize,
    pub click: u32,
    pub purpose: Purpose,
    pub op: Op,
    pub order_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub amount: Option<Krw>,
    /// Which of the op's profile forms sent it.
    pub form: Option<usize>,
    pub request: Option<RequestRecord>,
    pub response: Option<ResponseRecord>,
    pub seen: AnswerFields,
    pub error: Option<String>,
    pub latency_us: Option<u64>,
    pub exchanges: Vec<RawExchange>,
    pub released_ns: Option<u64>,
    pub arrived_ns: Option<u64>,
}

impl Call {
    /// Whether this is a read of the PG ledger standing in for a platform without a read.
    pub fn from_pg_ledger(&self) -> bool {
        self.request.as_ref().is_some_and(|r| r.method == super::event::LEDGER_READ)
    }

    /// The order this call is about: the one its answer names, else the one it was sent for.
    pub fn order(&self) -> Option<&str> {
        self.seen.order_id.as_deref().or(self.order_id.as_deref())
    }

    /// Whether the target answered with its view of things: accepted, or a 2xx that still says
    /// the outcome is unknown.
    pub fn answered(&self) -> bool {
        self.phase == Phase::Ok || self.response.as_ref().is_some_and(|r| (200..300).contains(&r.status))
    }
}

/// A whole history in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub events: Vec<Event>,
}

impl History {
    pub fn run(&self) -> Option<&RunInfo> {
        self.events.iter().find_map(|e| match e {
            Event::Run(r) => Some(r),
            _ => None,
        })
    }

    pub fn partial(&self) -> bool {
        !self.events.iter().any(|e| matches!(e, Event::End(end) if !end.partial))
    }

    /// Every call, invoke joined with completion, in invoke order. A call with no completion
    /// (an interrupted run) is `info`: its outcome is unknown.
    pub fn calls(&self) -> Vec<Call> {
        let mut calls: Vec<Call> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for event in &self.events {
            let Event::Call(c) = event else { continue };
            if c.phase == Phase::Invoke {
                index.insert(c.id, calls.len());
                calls.push(Call {
                    id: c.id,
                    phase: Phase::Info,
                    invoked_at: c.at.clone(),
                    completed_at: None,
                    cell: c.cell.clone(),
                    step: c.step,
                    click: c.click,
                    purpose: c.purpose,
                    op: c.op,
                    order_id: c.order_id.clone(),
                    idempotency_key: c.idempotency_key.clone(),
                    amount: c.amount,
                    form: c.form,
                    request: c.request.clone(),
                    response: None,
                    seen: AnswerFields::default(),
                    error: Some("no completion recorded (interrupted)".into()),
                    latency_us: None,
                    exchanges: Vec::new(),
                    released_ns: None,
                    arrived_ns: None,
                });
            } else if let Some(&i) = index.get(&c.id) {
                let call = &mut calls[i];
                call.phase = c.phase;
                call.completed_at = Some(c.at.clone());
                call.response = c.response.clone();
                call.seen = c.seen.clone().unwrap_or_default();
                call.error = c.error.clone();
                call.latency_us = c.latency_us;
                call.exchanges = c.exchanges.clone();
                call.released_ns = c.released_ns;
                call.arrived_ns = c.arrived_ns;
            }
        }
        calls
    }

    /// The cells that ran to their end.
    pub fn finished_cells(&self) -> std::collections::BTreeSet<Cell> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::CellEnd(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    /// The cells noted as not supported or not exercised.
    pub fn notes(&self) -> impl Iterator<Item = &CellNote> {
        self.events.iter().filter_map(|e| match e {
            Event::Note(n) => Some(n),
            _ => None,
        })
    }

    /// How each order's unknown outcome converged.
    pub fn convergences(&self) -> impl Iterator<Item = &Convergence> {
        self.events.iter().filter_map(|e| match e {
            Event::Converge(c) => Some(c),
            _ => None,
        })
    }

    pub fn observations(&self) -> impl Iterator<Item = &Observation> {
        self.events.iter().filter_map(|e| match e {
            Event::Observe(o) => Some(o),
            _ => None,
        })
    }

    /// Every PG payment the history's ledger snapshots hold, per PG, each once (the latest
    /// snapshot of a payment wins), sorted by merchant order id.
    pub fn ledger_payments(&self) -> std::collections::BTreeMap<PgName, Vec<LedgerPayment>> {
        let mut by_pg: std::collections::BTreeMap<PgName, std::collections::BTreeMap<String, LedgerPayment>> =
            Default::default();
        for l in self.ledgers() {
            let payments = by_pg.entry(l.pg).or_default();
            for p in &l.payments {
                payments.insert(p.pg_payment_id.clone(), p.clone());
            }
        }
        by_pg
            .into_iter()
            .map(|(pg, payments)| {
                let mut list: Vec<_> = payments.into_values().collect();
                list.sort_by(|a, b| {
                    (&a.merchant_order_id, &a.pg_payment_id).cmp(&(&b.merchant_order_id, &b.pg_payment_id))
                });
                (pg, list)
            })
            .collect()
    }

    pub fn ledgers(&self) -> impl Iterator<Item = &LedgerSnapshot> {
        self.events.iter().filter_map(|e| match e {
            Event::Ledger(l) => Some(l),
            _ => None,
        })
    }

    /// Every webhook delivery attempt the fakes logged.
    pub fn webhooks(&self) -> impl Iterator<Item = &WebhookDelivery> {
        self.events.iter().filter_map(|e| match e {
            Event::Webhook(w) => Some(w),
            _ => None,
        })
    }

    /// Every fault the fakes drew at their random rates.
    pub fn drawn_faults(&self) -> impl Iterator<Item = &DrawnFault> {
        self.events.iter().filter_map(|e| match e {
            Event::FaultDrawn(f) => Some(f),
            _ => None,
        })
    }

    pub fn pg_requests(&self) -> impl Iterator<Item = &PgRequest> {
        self.events.iter().filter_map(|e| match e {
            Event::PgRequest(r) => Some(r),
            _ => None,
        })
    }
}

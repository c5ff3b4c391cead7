//! The faults one fake will inject: scripted for the calls that name what paydrill knows of an
//! order (its merchant order id, the PG key paydrill got as the customer) and one op (a scenario
//! step's `fault`), or drawn at the mock's rates for load (`error_rate`, `timeout_rate`, latency).

use crate::locks::lock;
use crate::pg::{belongs_to, DrawnFault, PgName, PgOp};
use crate::spec::{Fault, FaultRates};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// What a fake knows of a call, to find the faults scripted for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallIdentity<'a> {
    /// The merchant's order id, from the call or from the PG's own record of the payment.
    pub merchant_order_id: Option<&'a str>,
    /// The PG's payment id (`paymentKey`, `tid`...), when the call names one.
    pub pg_payment_id: Option<&'a str>,
}

/// A scripted fault, until it has hit its calls.
#[derive(Debug, Clone)]
struct Scripted {
    ticket: u64,
    /// It hits a call that names any of these (a merchant order id, or the PG key paydrill
    /// got as the customer), or a merchant order id made from one (`<id>-r2`).
    ids: Vec<String>,
    op: Option<PgOp>,
    fault: Fault,
    times: u32,
}

impl Scripted {
    fn hits(&self, call: &CallIdentity, op: PgOp) -> bool {
        self.op.is_none_or(|o| o == op)
            && self.ids.iter().any(|id| {
                call.merchant_order_id.is_some_and(|m| belongs_to(m, id)) || call.pg_payment_id == Some(id.as_str())
            })
    }
}

/// The faults one fake will inject: scripted ones first, then rates.
#[derive(Debug)]
pub struct FaultBook {
    scripted: Mutex<Vec<Scripted>>,
    next_ticket: AtomicU64,
    rates: Mutex<FaultRates>,
    rng: Mutex<fastrand::Rng>,
    /// The faults drawn at the rates, with what their calls named (the first [`DRAWN_KEPT`]).
    drawn: Mutex<Vec<Drawn>>,
}

/// One fault drawn at the rates, and what its call named.
#[derive(Debug)]
struct Drawn {
    merchant_order_id: Option<String>,
    pg_payment_id: Option<String>,
    fault: Fault,
}

/// How many drawn faults a fake remembers (a long load run draws far more than a check needs).
const DRAWN_KEPT: usize = 100_000;

impl FaultBook {
    pub fn new(rates: FaultRates, seed: u64) -> Self {
        FaultBook {
            scripted: Mutex::new(Vec::new()),
            next_ticket: AtomicU64::new(1),
            rates: Mutex::new(rates),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            drawn: Mutex::new(Vec::new()),
        }
    }

    /// Scripts `fault` for the next `times` calls (of `op`, or any op) that name one of `ids`;
    /// returns a ticket to ask later whether it hit ([`FaultBook::unspent`]).
    pub fn script(&self, ids: &[&str], op: Option<PgOp>, fault: Fault, times: u32) -> u64 {
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        let ids = ids.iter().filter(|i| !i.is_empty()).map(|i| i.to_string()).collect();
        lock(&self.scripted).push(Scripted { ticket, ids, op, fault, times });
        ticket
    }

    /// How many of the ticket's calls it has not hit yet (0 once it has hit them all).
    pub fn unspent(&self, ticket: u64) -> u32 {
        lock(&self.scripted).iter().find(|s| s.ticket == ticket).map_or(0, |s| s.times)
    }

    /// Forgets a scripted fault that is no longer wanted.
    pub fn cancel(&self, ticket: u64) {
        lock(&self.scripted).retain(|s| s.ticket != ticket);
    }

    pub fn set_rates(&self, rates: FaultRates) {
        *lock(&self.rates) = rates;
    }

    pub fn rates(&self) -> FaultRates {
        lock(&self.rates).clone()
    }

    /// The fault for this call, if any: a scripted one that names it, else a draw at the rates.
    pub fn take(&self, call: &CallIdentity, op: PgOp) -> Option<Fault> {
        {
            let mut scripted = lock(&self.scripted);
            if let Some(pos) = scripted.iter().position(|s| s.hits(call, op)) {
                let fault = scripted[pos].fault;
                scripted[pos].times -= 1;
                if scripted[pos].times == 0 {
                    scripted.remove(pos);
                }
                return Some(fault);
            }
        }
        let rates = lock(&self.rates);
        if rates.error_rate <= 0.0 && rates.timeout_rate <= 0.0 {
            return None;
        }
        let draw = lock(&self.rng).f64();
        let fault = if draw < rates.timeout_rate {
            Fault::Timeout
        } else if draw < rates.timeout_rate + rates.error_rate {
            Fault::Error
        } else {
            return None;
        };
        let mut drawn = lock(&self.drawn);
        if drawn.len() < DRAWN_KEPT {
            drawn.push(Drawn {
                merchant_order_id: call.merchant_order_id.map(str::to_string),
                pg_payment_id: call.pg_payment_id.map(str::to_string),
                fault,
            });
        }
        Some(fault)
    }

    /// The faults drawn at the rates so far, as `pg`'s log of them.
    pub fn drawn(&self, pg: PgName) -> Vec<DrawnFault> {
        lock(&self.drawn)
            .iter()
            .map(|d| DrawnFault {
                pg,
                merchant_order_id: d.merchant_order_id.clone(),
                pg_payment_id: d.pg_payment_id.clone(),
                fault: d.fault.name().to_string(),
            })
            .collect()
    }

    /// Base latency for an answer, drawn from the configured range.
    pub fn latency(&self) -> Duration {
        let rates = lock(&self.rates);
        if rates.latency_max <= rates.latency_min {
            return rates.latency_min;
        }
        let span = (rates.latency_max - rates.latency_min).as_micros() as u64;
        rates.latency_min + Duration::from_micros(lock(&self.rng).u64(0..=span))
    }

    pub fn timeout_delay(&self) -> Duration {
        lock(&self.rates).timeout_delay
    }
}

//! The faults one fake will inject: scripted for one merchant order and one call (a scenario
//! step's `fault`), or drawn at the mock's rates for load (`error_rate`, `timeout_rate`, latency).

use crate::locks::lock;
use crate::pg::PgOp;
use crate::spec::{Fault, FaultRates};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone)]
struct Scripted {
    op: Option<PgOp>,
    fault: Fault,
    times: u32,
}

/// The faults one fake will inject: scripted ones first, then rates.
#[derive(Debug)]
pub struct FaultBook {
    scripted: Mutex<HashMap<String, Vec<Scripted>>>,
    rates: Mutex<FaultRates>,
    rng: Mutex<fastrand::Rng>,
}

impl FaultBook {
    pub fn new(rates: FaultRates, seed: u64) -> Self {
        FaultBook {
            scripted: Mutex::new(HashMap::new()),
            rates: Mutex::new(rates),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        }
    }

    /// Scripts `fault` for the next `times` calls about `merchant_order_id` (of `op`, or any op).
    pub fn script(&self, merchant_order_id: &str, op: Option<PgOp>, fault: Fault, times: u32) {
        lock(&self.scripted).entry(merchant_order_id.to_string()).or_default().push(Scripted { op, fault, times });
    }

    pub fn set_rates(&self, rates: FaultRates) {
        *lock(&self.rates) = rates;
    }

    pub fn rates(&self) -> FaultRates {
        lock(&self.rates).clone()
    }

    /// The fault for this call, if any: a scripted one for this order, else a draw at the rates.
    pub fn take(&self, merchant_order_id: Option<&str>, op: PgOp) -> Option<Fault> {
        if let Some(order) = merchant_order_id {
            let mut scripted = lock(&self.scripted);
            if let Some(list) = scripted.get_mut(order) {
                if let Some(pos) = list.iter().position(|s| s.op.is_none_or(|o| o == op)) {
                    let fault = list[pos].fault;
                    list[pos].times -= 1;
                    if list[pos].times == 0 {
                        list.remove(pos);
                    }
                    if list.is_empty() {
                        scripted.remove(order);
                    }
                    return Some(fault);
                }
            }
        }
        let rates = lock(&self.rates);
        if rates.error_rate <= 0.0 && rates.timeout_rate <= 0.0 {
            return None;
        }
        let draw = lock(&self.rng).f64();
        if draw < rates.timeout_rate {
            Some(Fault::Timeout)
        } else if draw < rates.timeout_rate + rates.error_rate {
            Some(Fault::Error)
        } else {
            None
        }
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

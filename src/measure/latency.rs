//! Latency and error figures per op, in HDR histograms (microseconds) that merge exactly across
//! processes: what `load` prints, gates on, and saves for `merge`.

use crate::spec::Op;
use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static histogram bounds")
}

/// Figures of one load step (or a merge of several).
#[derive(Debug, Clone)]
pub struct LatencyBook {
    pub per_op: BTreeMap<Op, Histogram<u64>>,
    /// Every op together.
    pub all: Histogram<u64>,
    /// A whole order: from its scheduled start to its last answer.
    pub order: Histogram<u64>,
    pub calls: BTreeMap<Op, u64>,
    pub errors: BTreeMap<Op, u64>,
}

impl Default for LatencyBook {
    fn default() -> Self {
        LatencyBook {
            per_op: BTreeMap::new(),
            all: histogram(),
            order: histogram(),
            calls: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }
}

impl LatencyBook {
    pub fn record(&mut self, op: Op, micros: u64, error: bool) {
        let v = micros.max(1);
        let _ = self.per_op.entry(op).or_insert_with(histogram).record(v);
        let _ = self.all.record(v);
        *self.calls.entry(op).or_default() += 1;
        if error {
            *self.errors.entry(op).or_default() += 1;
        }
    }

    pub fn record_order(&mut self, micros: u64) {
        let _ = self.order.record(micros.max(1));
    }

    pub fn merge(&mut self, other: &LatencyBook) {
        for (op, h) in &other.per_op {
            let _ = self.per_op.entry(*op).or_insert_with(histogram).add(h);
        }
        let _ = self.all.add(&other.all);
        let _ = self.order.add(&other.order);
        for (op, n) in &other.calls {
            *self.calls.entry(*op).or_default() += n;
        }
        for (op, n) in &other.errors {
            *self.errors.entry(*op).or_default() += n;
        }
    }

    fn histogram_for(&self, op: Option<Op>) -> Option<&Histogram<u64>> {
        match op {
            Some(op) => self.per_op.get(&op),
            None => Some(&self.all),
        }
        .filter(|h| !h.is_empty())
    }

    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Serialises for `merge` (HDR V2, base64).
    pub fn to_saved(&self) -> SavedBook {
        let encode = |h: &Histogram<u64>| {
            let mut bytes = Vec::new();
            let _ = V2Serializer::new().serialize(h, &mut bytes);
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        SavedBook {
            per_op: self.per_op.iter().map(|(op, h)| (*op, encode(h))).collect(),
            all: encode(&self.all),
            order: encode(&self.order),
            calls: self.calls.clone(),
            errors: self.errors.clone(),
        }
    }

    pub fn from_saved(saved: &SavedBook) -> Result<LatencyBook, String> {
        let decode = |text: &str| -> Result<Histogram<u64>, String> {
            let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| e.to_string())?;
            Deserializer::new().deserialize(&mut bytes.as_slice()).map_err(|e| format!("{e:?}"))
        };
        let mut per_op = BTreeMap::new();
        for (op, text) in &saved.per_op {
            per_op.insert(*op, decode(text)?);
        }
        Ok(LatencyBook {
            per_op,
            all: decode(&saved.all)?,
            order: decode(&saved.order)?,
            calls: saved.calls.clone(),
            errors: saved.errors.clone(),
        })
    }
}

impl LatencyBook {
    /// Latency at percentile `q` (0–100) in microseconds, for one op or every op.
    pub fn percentile_us(&self, op: Option<Op>, q: f64) -> Option<u64> {
        self.histogram_for(op).map(|h| h.value_at_quantile(q / 100.0))
    }

    /// A whole order's latency (from its scheduled start) at percentile `q` (0–100), in
    /// microseconds, once any order was measured.
    pub fn order_percentile_us(&self, q: f64) -> Option<u64> {
        (!self.order.is_empty()).then(|| self.order.value_at_quantile(q / 100.0))
    }

    pub fn max_us(&self, op: Option<Op>) -> Option<u64> {
        self.histogram_for(op).map(|h| h.max())
    }

    /// Share of calls whose outcome stayed unknown, for one op or every op.
    pub fn error_share(&self, op: Option<Op>) -> f64 {
        let (errors, calls) = match op {
            Some(op) => (self.errors.get(&op).copied().unwrap_or(0), self.calls.get(&op).copied().unwrap_or(0)),
            None => (self.errors.values().sum(), self.total_calls()),
        };
        if calls == 0 {
            0.0
        } else {
            errors as f64 / calls as f64
        }
    }
}

/// A [`LatencyBook`] as written to `load.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedBook {
    pub per_op: BTreeMap<Op, String>,
    pub all: String,
    pub order: String,
    pub calls: BTreeMap<Op, u64>,
    pub errors: BTreeMap<Op, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_books_equal_one_book_of_everything() {
        let mut a = LatencyBook::default();
        let mut b = LatencyBook::default();
        let mut both = LatencyBook::default();
        for i in 1..=1000u64 {
            let book = if i % 2 == 0 { &mut a } else { &mut b };
            book.record(Op::Approve, i * 100, i % 100 == 0);
            both.record(Op::Approve, i * 100, i % 100 == 0);
        }
        let restored = LatencyBook::from_saved(&b.to_saved()).unwrap();
        a.merge(&restored);
        assert_eq!(a.percentile_us(Some(Op::Approve), 99.0), both.percentile_us(Some(Op::Approve), 99.0));
        assert_eq!(a.calls, both.calls);
        assert_eq!(a.error_share(None), 0.01);
    }
}

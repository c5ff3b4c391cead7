//! Service-level objectives for `load --slo "p99<200ms,errors<0.1%"`: latency percentiles and
//! error rate, overall or per op (`approve.p99<300ms`), judged against the measured figures.

use super::latency::LatencyBook;
use crate::spec::Op;
use crate::units::{parse_duration, parse_share};
use std::time::Duration;

/// What a term measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// A latency percentile (0–100).
    Percentile(f64),
    Max,
    /// Share of calls whose outcome was unknown (no answer, 5xx, UNKNOWN).
    Errors,
}

/// One `[op.]measure<limit` term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub op: Option<Op>,
    pub measure: Measure,
    /// A latency limit, or for `errors` a share (0.001 = 0.1%).
    pub limit_us: u64,
    pub limit_share: f64,
    pub text: String,
}

/// The whole objective.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slo {
    pub terms: Vec<Term>,
}

impl Slo {
    pub fn parse(text: &str) -> Result<Slo, String> {
        let mut terms = Vec::new();
        for raw in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (left, limit) = raw
                .split_once('<')
                .ok_or_else(|| format!("--slo term `{raw}`: write it as p99<200ms or errors<0.1%"))?;
            let (op, measure) = match left.trim().split_once('.') {
                Some((op, m)) => {
                    let op = Op::ALL
                        .into_iter()
                        .find(|o| o.as_str() == op)
                        .ok_or_else(|| format!("--slo term `{raw}`: unknown op `{op}`"))?;
                    (Some(op), m)
                }
                None => (None, left.trim()),
            };
            let measure = match measure {
                "errors" => Measure::Errors,
                "max" => Measure::Max,
                "p999" => Measure::Percentile(99.9),
                p if p.starts_with('p') => {
                    Measure::Percentile(p[1..].parse::<f64>().ok().filter(|q| *q > 0.0 && *q < 100.0).ok_or_else(
                        || format!("--slo term `{raw}`: `{p}` is not a percentile (p50, p95, p99, p999)"),
                    )?)
                }
                other => return Err(format!("--slo term `{raw}`: unknown measure `{other}` (p50, p99, max, errors)")),
            };
            let (limit_us, limit_share) = match measure {
                Measure::Errors => {
                    let share = parse_share(limit.trim()).map_err(|e| format!("--slo term `{raw}`: {e}"))?;
                    (0, share)
                }
                _ => {
                    let d: Duration = parse_duration(limit).map_err(|e| format!("--slo term `{raw}`: {e}"))?;
                    (d.as_micros() as u64, 0.0)
                }
            };
            terms.push(Term { op, measure, limit_us, limit_share, text: raw.to_string() });
        }
        Ok(Slo { terms })
    }

    /// Each broken term with what was measured.
    pub fn broken(&self, figures: &LatencyBook) -> Vec<String> {
        let mut broken = Vec::new();
        for t in &self.terms {
            let (ok, seen) = match t.measure {
                Measure::Errors => {
                    let share = figures.error_share(t.op);
                    (share < t.limit_share, format!("{:.3}%", share * 100.0))
                }
                Measure::Percentile(q) => match figures.percentile_us(t.op, q) {
                    Some(us) => (us < t.limit_us, format!("{:.1}ms", us as f64 / 1000.0)),
                    None => (true, "no data".into()),
                },
                Measure::Max => match figures.max_us(t.op) {
                    Some(us) => (us < t.limit_us, format!("{:.1}ms", us as f64 / 1000.0)),
                    None => (true, "no data".into()),
                },
            };
            if !ok {
                broken.push(format!("{} (measured {seen})", t.text));
            }
        }
        broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_judges_terms() {
        let mut book = LatencyBook::default();
        for i in 0..1000 {
            book.record(Op::CreateOrder, 120_000, i < 1);
            book.record(Op::Approve, 350_000, false);
        }
        let slo = Slo::parse("p99<200ms, errors<0.1%, approve.p99<300ms").unwrap();
        assert_eq!(slo.terms.len(), 3);
        let broken = slo.broken(&book);
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken[0].starts_with("p99<200ms"), "{broken:?}");
        assert!(broken[1].starts_with("approve.p99<300ms"), "{broken:?}");
        assert!(Slo::parse("p99<400ms,errors<0.2%").unwrap().broken(&book).is_empty());
        assert!(Slo::parse("p99>200ms").is_err());
        assert!(Slo::parse("refund.p99<1s").is_err());
        assert!(Slo::parse("p99<fast").is_err());
    }
}

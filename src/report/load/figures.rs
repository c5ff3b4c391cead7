//! `latency.csv` (p50/p95/p99 per op per step) and `capacity.csv` (one row per capacity step,
//! with whether the SLO was met).

use super::ops::{ms, op_figures, ops_of};
use crate::measure::StepFigures;
use crate::spec::Op;
use std::fmt::Write;

pub fn latency_csv(steps: &[StepFigures]) -> String {
    let mut out = String::from("step,scheduled_per_min,op,calls,errors,p50_ms,p95_ms,p99_ms,max_ms\n");
    for s in steps {
        for op in ops_of(&s.book) {
            let _ = writeln!(out, "{},{:.0},{}", s.index, s.scheduled_per_min, op_figures(&s.book, op).join(","));
        }
    }
    out
}

pub fn capacity_csv(steps: &[StepFigures]) -> String {
    let mut out = String::from("step,scheduled_per_min,achieved_per_min,error_rate,late_starts,violations,slo_met");
    for op in Op::ALL {
        let _ = write!(out, ",{0}_p50_ms,{0}_p95_ms,{0}_p99_ms", op.as_str());
    }
    out.push('\n');
    for s in steps {
        let _ = write!(
            out,
            "{},{:.0},{:.0},{:.5},{},{},{}",
            s.index,
            s.scheduled_per_min,
            s.achieved_per_min,
            s.book.error_share(None),
            s.late,
            s.found.violations,
            if s.slo_broken.is_empty() { "Y" } else { "N" }
        );
        for op in Op::ALL {
            for q in [50.0, 95.0, 99.0] {
                let _ = write!(out, ",{}", ms(s.book.percentile_us(Some(op), q)));
            }
        }
        out.push('\n');
    }
    out
}

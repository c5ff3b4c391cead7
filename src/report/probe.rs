//! The probe's table for a person writing a profile: each call of the FULL_FLOW it drove, the
//! request sent, the answer, and what each pointer read or missed (with its profile line), then
//! the pointers that read nothing at all.

use crate::pg::PgName;
use crate::record::{Phase, Purpose};
use crate::spec::Op;
use std::fmt::Write;
use std::path::PathBuf;

/// What one pointer read from one answer.
#[derive(Debug, Clone)]
pub struct FieldRead {
    pub field: &'static str,
    pub pointers: Vec<String>,
    /// The profile line the pointers were written on.
    pub line: Option<usize>,
    /// What they found, as text; `None` when none found anything.
    pub found: Option<String>,
    /// For `status`: the canonical state the word maps to.
    pub canonical: Option<String>,
}

/// One call of the probe and what its answer gave.
#[derive(Debug, Clone)]
pub struct ProbeCall {
    pub step: usize,
    pub op: Op,
    pub purpose: Purpose,
    /// Which form of the op (1-based) was sent.
    pub form: Option<usize>,
    pub request: String,
    pub answer: String,
    pub phase: Phase,
    pub reads: Vec<FieldRead>,
}

/// A profile line whose pointers read nothing from any answer they were tried on.
#[derive(Debug, Clone)]
pub struct MissedPointer {
    /// The ops whose answers it was tried on.
    pub ops: Vec<Op>,
    pub field: &'static str,
    pub pointers: Vec<String>,
    pub line: Option<usize>,
    /// How many answers it was tried on.
    pub answers: usize,
}

/// What a probe found.
pub struct ProbeOutcome {
    pub profile: PathBuf,
    pub target: String,
    pub pg: PgName,
    pub calls: Vec<ProbeCall>,
    pub missed: Vec<MissedPointer>,
    /// Lines worth showing first (the fakes' URLs).
    pub notes: Vec<String>,
}

/// The probe's findings as text for a terminal.
pub fn probe_text(p: &ProbeOutcome) -> String {
    let mut out = String::new();
    let file = p.profile.display();
    let _ = writeln!(out, "paydrill check: {} through {file}, FULL_FLOW on {}\n", p.target, p.pg);
    for c in &p.calls {
        let place = if c.step == 0 { "final read".to_string() } else { format!("step {}", c.step) };
        let form = c.form.map_or(String::new(), |f| format!(" (form {f})"));
        let _ = writeln!(out, "{place} {}{form}: {:?}", c.op.as_str(), c.phase);
        let _ = writeln!(out, "  → {}", clip(&c.request, 160));
        let _ = writeln!(out, "  ← {}", clip(&c.answer, 240));
        for r in &c.reads {
            // An accepted answer carries no error: say nothing of the error pointers there.
            if r.found.is_none() && r.field.starts_with("error_") && c.phase == crate::record::Phase::Ok {
                continue;
            }
            let pointers = r.pointers.join(" | ");
            let line = r.line.map_or(String::new(), |l| format!(" ({file}:{l})"));
            match (&r.found, &r.canonical) {
                (Some(v), Some(state)) => {
                    let _ = writeln!(out, "    {:<14} {pointers:<34} = {v} → {state}", r.field);
                }
                (Some(v), None) => {
                    let _ = writeln!(out, "    {:<14} {pointers:<34} = {}", r.field, clip(v, 60));
                }
                (None, _) => {
                    let _ = writeln!(out, "    {:<14} {pointers:<34}   missing{line}", r.field);
                }
            }
        }
        out.push('\n');
    }
    if p.missed.is_empty() {
        let _ = writeln!(out, "Every order_id, payment_id, status and balance pointer read a value at least once.");
    } else {
        let _ = writeln!(out, "Pointers that read nothing from any answer:");
        for m in &p.missed {
            let line = m.line.map_or(String::new(), |l| format!("{file}:{l}: "));
            let ops: Vec<_> = m.ops.iter().map(|o| o.as_str()).collect();
            let _ = writeln!(
                out,
                "  {line}{} = {} found nothing in {} answer(s) ({})",
                m.field,
                m.pointers.join(" | "),
                m.answers,
                ops.join(", ")
            );
        }
    }
    out
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

//! A scenario written back as a scenario file: one inline table per step, every key in the
//! words the parser reads, so what the shrinker makes can be replayed with
//! `paydrill run --scenario-file` and parses to the same scenario.

use super::{Scenario, Step};
use crate::spec::fault::Fault;
use crate::spec::webhook::WebhookScript;
use std::fmt::Write;
use std::time::Duration;

impl Scenario {
    /// The scenario as the text of a scenario file.
    pub fn to_toml(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "name = {}", quoted(&self.name));
        if !self.description.is_empty() {
            let _ = writeln!(t, "description = {}", quoted(&self.description));
        }
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|tag| quoted(tag)).collect();
            let _ = writeln!(t, "tags = [{}]", tags.join(", "));
        }
        if let Some(pg) = self.pg {
            let _ = writeln!(t, "pg = {}", quoted(pg.as_str()));
        }
        t.push_str("steps = [\n");
        for step in &self.steps {
            let _ = writeln!(t, "  {{ {} }},", step_keys(step).join(", "));
        }
        t.push_str("]\n");
        if let Some(note) = &self.repro {
            let table = toml::to_string(note).unwrap_or_default();
            let _ = write!(t, "\n[repro]\n{table}");
        }
        t
    }
}

/// A step's keys, only those that differ from what an unwritten key means.
fn step_keys(step: &Step) -> Vec<String> {
    let mut keys = vec![format!("op = {}", quoted(step.op.as_str()))];
    if let Some(amount) = step.amount {
        keys.push(format!("amount = {amount}"));
    }
    if step.clicks != 1 {
        keys.push(format!("clicks = {}", step.clicks));
    }
    for (on, key) in [(step.together, "together"), (step.distinct_keys, "distinct_keys"), (step.no_key, "no_key")] {
        if on {
            keys.push(format!("{key} = true"));
        }
    }
    if let Some(stagger) = step.stagger {
        keys.push(format!("stagger = {}", quoted(&duration(stagger))));
    }
    if let Some(wait) = step.wait {
        keys.push(format!("wait = {}", quoted(&duration(wait))));
    }
    if let Some(f) = step.fault {
        let kind = match f.fault {
            Fault::Timeout => "timeout = true".to_string(),
            Fault::TimeoutFor(hold) => format!("timeout = {}", quoted(&duration(hold))),
            Fault::Error => "error = true".into(),
            Fault::Reset => "reset = true".into(),
            Fault::Malformed => "malformed = true".into(),
            Fault::Slow(after) => format!("slow = {}", quoted(&duration(after))),
        };
        let times = if f.times == 1 { String::new() } else { format!(", times = {}", f.times) };
        keys.push(format!("fault = {{ {kind}{times} }}"));
    }
    if let Some(w) = step.webhook {
        keys.push(format!("webhook = {{ {} }}", webhook_keys(&w).join(", ")));
    }
    if let Some(earlier) = step.reuse_key {
        keys.push(format!("reuse_key = {earlier}"));
    }
    if !step.expect.is_empty() {
        let e = &step.expect;
        let mut fields = Vec::new();
        if let Some(status) = &e.status {
            fields.push(format!("status = {}", quoted(status)));
        }
        if let Some(balance) = e.balance {
            fields.push(format!("balance = {balance}"));
        }
        if let Some(outcome) = e.outcome {
            let word = match outcome {
                super::Outcome::Ok => "ok",
                super::Outcome::Rejected => "rejected",
                super::Outcome::Any => "any",
            };
            fields.push(format!("outcome = {}", quoted(word)));
        }
        for (count, key) in
            [(e.distinct_orders, "distinct_orders"), (e.pg_approvals, "pg_approvals"), (e.pg_cancels, "pg_cancels")]
        {
            if let Some(n) = count {
                fields.push(format!("{key} = {n}"));
            }
        }
        keys.push(format!("expect = {{ {} }}", fields.join(", ")));
    }
    keys
}

/// A webhook script's table keys (an empty table is one delivery on time).
fn webhook_keys(w: &WebhookScript) -> Vec<String> {
    let mut keys = Vec::new();
    if w.copies != 1 {
        keys.push(format!("duplicate = {}", w.copies));
    }
    if let Some(late) = w.late {
        keys.push(format!("late = {}", quoted(&duration(late))));
    }
    for (on, key) in
        [(w.out_of_order, "out_of_order"), (w.bad_signature, "bad_signature"), (w.before_confirm, "before_confirm")]
    {
        if on {
            keys.push(format!("{key} = true"));
        }
    }
    keys
}

/// A duration in the words `parse_duration` reads: whole seconds as `2s`, else milliseconds.
fn duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos % 1_000_000_000 == 0 {
        format!("{}s", d.as_secs())
    } else if nanos % 1_000_000 == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}ms", d.as_secs_f64() * 1000.0)
    }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::embedded_scenarios;
    use std::path::Path;

    /// What a written scenario must keep: everything but where its lines were.
    fn without_lines(s: &Scenario) -> Scenario {
        let mut s = s.clone();
        s.file = Path::new("-").into();
        for step in &mut s.steps {
            step.line = 0;
        }
        s
    }

    #[test]
    fn every_shipped_scenario_reads_back_the_same() {
        for shipped in embedded_scenarios() {
            let text = shipped.to_toml();
            let again = Scenario::parse(Path::new("again.toml"), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(without_lines(&again), without_lines(&shipped), "{text}");
        }
    }

    #[test]
    fn faults_webhooks_durations_pg_and_the_repro_note_read_back() {
        let text = "name = \"X\"\npg = \"kcp\"\n[[steps]]\nop = \"create_order\"\namount = 100\n\
             [[steps]]\nop = \"approve\"\nfault = { timeout = \"1500ms\", times = 2 }\nwebhook = { duplicate = 3, late = \"250ms\", bad_signature = true }\nwait = \"2s\"\n\
             [[steps]]\nop = \"cancel\"\nclicks = 3\nstagger = \"10ms\"\nfault = { slow = \"1s\" }\n\
             [[steps]]\nop = \"create_order\"\namount = 100\nreuse_key = 1\nexpect = { outcome = \"ok\", distinct_orders = 1 }\n\
             [repro]\ninvariant = \"single-charge\"\nfrom = \"FULL_FLOW/kcp\"\ndefects = [\"racy-cancel\"]\nrepeat = 4\nreproduces = \"3/5\"\nshrink_runs = 12\nreplay = \"paydrill run --scenario-file X.toml\"\n";
        let s = Scenario::parse(Path::new("x.toml"), text).unwrap();
        assert_eq!(s.pg, Some(crate::pg::PgName::Kcp));
        assert_eq!(s.repro.as_ref().map(|r| r.repeat), Some(4));
        let written = s.to_toml();
        let again = Scenario::parse(Path::new("x.toml"), &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(without_lines(&again), without_lines(&s), "{written}");
        assert_eq!(written.lines().filter(|l| l.trim_start().starts_with("{ op")).count(), 4, "{written}");
    }

    #[test]
    fn an_unknown_pg_names_its_line() {
        let e = Scenario::parse(
            Path::new("x.toml"),
            "name = \"X\"\npg = \"paypal\"\n[[steps]]\nop = \"create_order\"\namount = 1\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("unknown PG `paypal`"), "{e}");
    }
}

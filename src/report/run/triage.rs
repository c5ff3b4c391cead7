//! The failures of a run, sorted for the person who must fix them: violations grouped by
//! invariant, one card per distinct failure (an invariant broken in one scenario, on however
//! many PGs and repetitions), with the failing step and its scripted fault marked and the
//! evidence folded (the platform calls, the PG ledger entries, the requests the PG received);
//! a filter by scenario, PG and invariant done in CSS alone; matrix cells link to their cards.

use super::input::RunReport;
use crate::check::Violation;
use crate::record::Call;
use crate::report::escape;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

/// The CSS the cards and the filter need (the filter's rules are written per value).
pub const STYLE: &str = ".card{border-left:4px solid #c33;padding:.2em 1em;margin:.8em 0;background:#fff8f8}\
.card h3{margin:.3em 0;font-size:1.05em}.card .count{color:#c33;font-weight:600}.card .step{background:#fff0c2;padding:0 .3em}\
.card .fault{background:#ffd8a8;padding:0 .3em;font-weight:600}.triage>.dim{display:inline-block;width:6em;color:#555}\
.triage>label{display:inline-block;margin:.15em .4em .15em 0;cursor:pointer;padding:.1em .4em;border:1px solid #ccc;\
border-radius:3px}.triage>input{display:none}.triage>input:checked+label{background:#1f6fb2;color:#fff}\
.group h2{font-size:1.15em;margin-top:1.2em}";

/// One distinct failure: an invariant broken in one scenario, on the PGs it names.
struct Card<'a> {
    invariant: &'a str,
    scenario: &'a str,
    pgs: BTreeSet<String>,
    /// Every violation of it (one per PG, repetition or order).
    found: Vec<&'a Violation>,
}

/// The id a card (or the first card of a matrix cell) is linked by.
pub fn card_anchor(scenario: &str, pg: &str) -> String {
    format!("card-{}-{pg}", class_word(scenario))
}

/// `text` as a class name or id part: every character but a letter or digit made `_`.
fn class_word(text: &str) -> String {
    text.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}

/// The violations section: the filter, then a group per invariant, a card per failure.
pub fn violations_html(input: &RunReport) -> String {
    let v = input.verdict;
    if v.violations.is_empty() {
        return String::new();
    }
    let mut cards: BTreeMap<(&str, &str), Card> = BTreeMap::new();
    for violation in &v.violations {
        let pg = violation.pg.map(|p| p.to_string()).unwrap_or_else(|| "run".into());
        let card = cards.entry((violation.invariant.as_str(), violation.scenario.as_str())).or_insert_with(|| Card {
            invariant: &violation.invariant,
            scenario: &violation.scenario,
            pgs: BTreeSet::new(),
            found: vec![],
        });
        card.pgs.insert(pg);
        card.found.push(violation);
    }
    let mut h = String::new();
    let _ = write!(
        h,
        "<h2 id=\"violations\">Violations: {} in {} distinct failure(s)</h2>",
        v.violations.len(),
        cards.len()
    );
    // The filter: one group of radio buttons per dimension, each hiding the cards that do not
    // match (CSS only: the page has no script).
    let dims: [(&str, &str, BTreeSet<String>); 3] = [
        ("invariant", "i", cards.values().map(|c| c.invariant.to_string()).collect()),
        ("scenario", "s", cards.values().map(|c| c.scenario.to_string()).collect()),
        ("PG", "p", cards.values().flat_map(|c| c.pgs.iter().cloned()).collect()),
    ];
    let mut rules = String::new();
    let mut inputs = String::new();
    for (name, prefix, values) in &dims {
        let _ = write!(inputs, "<span class=\"dim\">{name}</span>");
        let _ = write!(
            inputs,
            "<input type=\"radio\" name=\"f{prefix}\" id=\"f{prefix}-all\" checked><label for=\"f{prefix}-all\">all</label>"
        );
        for value in values {
            let id = format!("f{prefix}-{}", class_word(value));
            let _ = write!(
                inputs,
                "<input type=\"radio\" name=\"f{prefix}\" id=\"{id}\"><label for=\"{id}\">{}</label>",
                escape(if value.is_empty() { "whole run" } else { value })
            );
            let _ = write!(rules, "#{id}:checked~.cards .card:not(.{prefix}-{}){{display:none}}", class_word(value));
        }
        inputs.push_str("<br>");
    }
    // The radios must precede the cards as siblings for the rules to reach them.
    let _ = write!(h, "<style>{rules}</style><div class=\"triage\">");
    h.push_str(&inputs);
    h.push_str("<div class=\"cards\">");
    let by_id: HashMap<u64, &Call> = input.calls.iter().map(|c| (c.id, c)).collect();
    let mut anchored = BTreeSet::new();
    let mut group = "";
    for card in cards.values() {
        if card.invariant != group {
            if !group.is_empty() {
                h.push_str("</div>");
            }
            group = card.invariant;
            let n = cards.values().filter(|c| c.invariant == group).count();
            let _ = write!(h, "<div class=\"group\"><h2><code>{}</code> — {n} failure(s)</h2>", escape(group));
        }
        let pgs: Vec<String> = card.pgs.iter().map(|pg| format!("p-{}", class_word(pg))).collect();
        let _ = write!(
            h,
            "<div class=\"card i-{} s-{} {}\">",
            class_word(card.invariant),
            class_word(card.scenario),
            pgs.join(" ")
        );
        // A matrix cell links to the first card of its scenario and PG.
        for pg in &card.pgs {
            let anchor = card_anchor(card.scenario, pg);
            if anchored.insert(anchor.clone()) {
                let _ = write!(h, "<a id=\"{anchor}\"></a>");
            }
        }
        card_html(&mut h, input, card, &by_id);
        h.push_str("</div>");
    }
    h.push_str("</div></div></div>");
    h
}

fn card_html(h: &mut String, input: &RunReport, card: &Card, by_id: &HashMap<u64, &Call>) {
    let first = card.found[0];
    let times = if card.found.len() > 1 {
        format!(" <span class=\"count\">×{}</span>", card.found.len())
    } else {
        String::new()
    };
    let pgs: Vec<&str> = card.pgs.iter().map(String::as_str).collect();
    let on = if pgs.len() > 3 { format!("{} PGs ({})", pgs.len(), pgs.join(", ")) } else { pgs.join(", ") };
    let _ = write!(
        h,
        "<h3>{} on {}{times}</h3>",
        escape(if card.scenario.is_empty() { "The whole run" } else { card.scenario }),
        escape(&on)
    );
    if let Some(r) = input.repros.iter().find(|r| r.covers(card.invariant)) {
        match &r.file {
            Some(file) => {
                let _ = write!(
                    h,
                    "<p>Minimal repro: <a href=\"{0}\"><code>{0}</code></a> ({1} → {2} steps in {3} runs, {4}). \
                     Replay: <code>{5}</code></p>",
                    escape(file),
                    r.steps_before,
                    r.steps_after,
                    r.runs,
                    escape(&r.reproduces_text()),
                    escape(&r.replay)
                );
            }
            None => {
                let _ = write!(h, "<p>{}</p>", escape(&r.reproduces_text()));
            }
        }
    }
    // The failing step, and the fault the scenario scripted on it.
    let scenario = input.scenarios.iter().find(|s| s.name == card.scenario);
    if let Some(&n) = first.steps.first() {
        let step = scenario.and_then(|s| s.steps.iter().find(|st| st.index == n));
        let op = step.map(|s| s.op.as_str()).unwrap_or("");
        let _ = write!(h, "<p>Failing step: <span class=\"step\">step {n} {op}</span>");
        let faults: Vec<String> = scenario
            .into_iter()
            .flat_map(|s| s.steps.iter())
            .filter(|st| first.steps.contains(&st.index))
            .filter_map(|st| {
                st.fault.map(|f| format!("step {} {}: {} ×{}", st.index, st.op.as_str(), f.fault.name(), f.times))
            })
            .collect();
        if !faults.is_empty() {
            let _ = write!(h, " · scripted fault <span class=\"fault\">{}</span>", escape(&faults.join("; ")));
        }
        h.push_str("</p>");
    }
    let on_pg = first.pg.map(|p| format!(" (on {p}, the first)")).unwrap_or_default();
    let _ = write!(
        h,
        "<p><b>Expected:</b> {}<br><b>Saw:</b> {}{}</p>",
        escape(&first.expected),
        escape(&first.seen),
        escape(&on_pg)
    );
    if card.found.len() > 1 {
        h.push_str("<details><summary>every occurrence</summary><ul>");
        for v in &card.found {
            let _ = write!(h, "<li>{}</li>", escape(&v.headline()));
        }
        h.push_str("</ul></details>");
    }
    let evidence: Vec<&&Call> = first.evidence.iter().filter_map(|id| by_id.get(id)).collect();
    if !evidence.is_empty() {
        let _ = write!(h, "<details><summary>platform calls ({})</summary><pre>", evidence.len());
        for c in evidence.iter().take(20) {
            h.push_str(&call_block(c, &first.steps));
            h.push('\n');
        }
        h.push_str("</pre></details>");
    }
    if let (Some(order), Some(pg)) = (&first.order_id, first.pg) {
        let ledgers = input.history.ledger_payments();
        let payments: Vec<_> = ledgers.get(&pg).into_iter().flatten().filter(|p| p.belongs_to(order)).collect();
        if !payments.is_empty() {
            h.push_str("<details><summary>PG ledger</summary><pre>");
            for p in &payments {
                let _ = writeln!(h, "{}", escape(&serde_json::to_string(p).unwrap_or_default()));
            }
            h.push_str("</pre></details>");
        }
        let keys: Vec<String> =
            std::iter::once(order.clone()).chain(payments.iter().map(|p| p.pg_payment_id.clone())).collect();
        let requests: Vec<_> = input
            .history
            .pg_requests()
            .filter(|r| r.pg == pg && keys.iter().any(|k| r.path.contains(k.as_str()) || r.body.contains(k.as_str())))
            .collect();
        if !requests.is_empty() {
            let _ = write!(h, "<details><summary>requests the PG received ({})</summary><pre>", requests.len());
            for r in requests.iter().take(20) {
                let _ = writeln!(h, "{} {}\n  {}", escape(&r.method), escape(&r.path), escape(&r.body));
            }
            h.push_str("</pre></details>");
        }
    }
}

/// One call as evidence; the failing steps' calls are marked.
fn call_block(c: &Call, failing: &[usize]) -> String {
    let mark = if failing.contains(&c.step) { " ◀ failing step" } else { "" };
    let mut s = format!(
        "<b>#{} {} {}</b> step {} click {} — {:?}{mark}\n",
        c.id,
        escape(&c.cell.to_string()),
        c.op.as_str(),
        c.step,
        c.click,
        c.phase
    );
    if let Some(r) = &c.request {
        let _ = writeln!(s, "→ {} {}\n  {}", escape(&r.method), escape(&r.url), escape(&r.body));
    }
    match (&c.response, &c.error) {
        (Some(r), _) => {
            let replayed = if r.replayed { " (replayed)" } else { "" };
            let _ = writeln!(s, "← HTTP {}{replayed}\n  {}", r.status, escape(&r.body));
        }
        (None, Some(e)) => {
            let _ = writeln!(s, "← {}", escape(e));
        }
        _ => {}
    }
    s
}

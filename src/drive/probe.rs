//! `paydrill check --profile F --target URL`: one FULL_FLOW through a live platform, with the
//! fakes on their fixed ports, and for every call what each of the profile's pointers read out
//! of the answer — so a person writing a profile sees at once which line is wrong.

use super::setup::{self, FaultOverrides, TargetChoice, TargetSetup};
use crate::exec::ExecContext;
use crate::exit::Fatal;
use crate::fakes::ServerKind;
use crate::pg::PgName;
use crate::record::{Cell, Recorder};
use crate::report::probe::{FieldRead, MissedPointer, ProbeCall, ProbeOutcome};
use crate::spec::{self, Op, Profile};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// The scenario a probe drives.
pub const PROBE_SCENARIO: &str = "FULL_FLOW";

/// The fields a probe insists on: a pointer for one of these that never reads anything is wrong.
const NEEDED: [&str; 4] = ["order_id", "payment_id", "status", "balance"];

/// Probes the platform at `url` through the profile at `profile_path`, on `pg` (default: the
/// profile's first PG, else toss).
pub async fn probe(
    profile_path: &Path,
    url: &str,
    pg: Option<PgName>,
    allow_remote: bool,
    mocks_dir: Option<&Path>,
) -> Result<ProbeOutcome, Fatal> {
    let choice = TargetChoice::from_flags(Some(url), Some(profile_path), false, &[], allow_remote, false)?;
    let profile: Profile = match &choice {
        TargetChoice::Outside { profile, .. } => (**profile).clone(),
        _ => unreachable!("from_flags with a target and a profile is an outside platform"),
    };
    let pg = pg.or_else(|| profile.pgs.as_ref().and_then(|p| p.first().copied())).unwrap_or(PgName::Toss);
    let scenarios = spec::resolve_scenarios(None)?;
    let scenario = setup::select_scenarios(scenarios, &[PROBE_SCENARIO.to_string()], "--scenario")?.remove(0);
    let mocks = setup::select_mocks(mocks_dir, &[pg], choice.pgs(), &FaultOverrides::default())?;
    let run_id = setup::new_run_id(Some("probe"), None);
    let target_setup = TargetSetup {
        choice,
        server: ServerKind::Lean,
        pg_timeout: Duration::from_secs(1),
        client_timeout: Duration::from_secs(15),
        id_prefix: "ord".into(),
    };
    let target = setup::start_target(&target_setup, mocks, &run_id).await?;
    let recorder = Recorder::new(None, true).map_err(|e| Fatal::bad_input(format!("cannot record: {e}")))?;
    let ctx = ExecContext {
        run_id: &run_id,
        target: &target.target,
        fleet: target.fleet(),
        recorder: &recorder,
        transport: None,
        converge_within: Duration::from_secs(5),
    };
    let cell = Cell { scenario: scenario.name.clone(), pg, repeat: 1 };
    ctx.run_cell(&scenario, &cell).await;
    let history = recorder.finish().map_err(Fatal::bad_input)?;

    let mut calls = Vec::new();
    // (field, profile line) → (pointers, ops tried on, answers tried, answers found)
    type Tally = (Vec<String>, Vec<Op>, usize, usize);
    let mut tally: std::collections::BTreeMap<(&'static str, Option<usize>), Tally> = Default::default();
    for c in history.calls() {
        let form_index = c.form;
        let form = form_index.and_then(|i| profile.forms(c.op).get(i));
        let body: Option<Value> = c.response.as_ref().and_then(|r| serde_json::from_str(&r.body).ok());
        let mut reads = Vec::new();
        if let (Some(form), Some(body)) = (form, &body) {
            for (field, pointers) in form.extract.fields() {
                if pointers.is_empty() {
                    continue;
                }
                let found = pointers.find(body).map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                let canonical =
                    (field == "status").then(|| found.as_ref().map(|w| profile.canonical_status(w))).flatten();
                let entry = tally.entry((field, pointers.line)).or_default();
                entry.0.clone_from(&pointers.list);
                if !entry.1.contains(&c.op) {
                    entry.1.push(c.op);
                }
                entry.2 += 1;
                entry.3 += found.is_some() as usize;
                reads.push(FieldRead { field, pointers: pointers.list.clone(), line: pointers.line, found, canonical });
            }
        }
        let request = c.request.as_ref().map(|r| format!("{} {} {}", r.method, r.url, r.body)).unwrap_or_default();
        let answer = match (&c.response, &c.error) {
            (Some(r), _) => format!("{} {}", r.status, r.body),
            (None, Some(e)) => e.clone(),
            (None, None) => "no answer".into(),
        };
        calls.push(ProbeCall {
            step: c.step,
            op: c.op,
            purpose: c.purpose,
            form: form_index.map(|i| i + 1),
            request: request.trim_end().to_string(),
            answer,
            phase: c.phase,
            reads,
        });
    }
    let missed = tally
        .into_iter()
        .filter(|((field, _), (.., found))| *found == 0 && NEEDED.contains(field))
        .map(|((field, line), (pointers, ops, tried, _))| MissedPointer { ops, field, pointers, line, answers: tried })
        .collect();
    Ok(ProbeOutcome {
        profile: profile.file.clone(),
        target: url.to_string(),
        pg,
        calls,
        missed,
        notes: target.notes.clone(),
    })
}

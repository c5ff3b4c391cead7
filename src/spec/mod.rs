//! What to run, read from files: scenarios (steps and expectations), profiles (how ops map
//! onto a platform's HTTP API) and mocks (a fake PG's keys, port, fault rates and webhooks). Parsed and
//! validated here, with file:line on every error; depends on no fake.

mod fault;
mod mock;
mod op;
pub mod profile;
pub mod scenario;
mod webhook;

pub use fault::{Fault, FaultRates};
pub use mock::{MockConfig, Quirks};
pub use op::{Op, STATES};
pub use profile::{Means, Movement, OpForm, Profile, SettlementExport, Vars, FIELDS};
pub use scenario::{Expect, Outcome, ReproNote, Scenario, Step, StepFault};
pub use webhook::{WebhookScript, WebhookSettings};

use crate::input::InputError;
use std::path::Path;

/// The scenario files shipped in `scenarios/`, built into the binary so paydrill runs anywhere.
const EMBEDDED: [(&str, &str); 14] = [
    ("scenarios/APPROVE_TIMEOUT_NO_RETRY.toml", include_str!("../../scenarios/APPROVE_TIMEOUT_NO_RETRY.toml")),
    ("scenarios/APPROVE_TIMEOUT_RETRY.toml", include_str!("../../scenarios/APPROVE_TIMEOUT_RETRY.toml")),
    ("scenarios/CANCEL_TIMEOUT_RESOLVED.toml", include_str!("../../scenarios/CANCEL_TIMEOUT_RESOLVED.toml")),
    ("scenarios/CONCURRENT_PARTIAL_CANCEL.toml", include_str!("../../scenarios/CONCURRENT_PARTIAL_CANCEL.toml")),
    ("scenarios/DUPLICATE_CLICK.toml", include_str!("../../scenarios/DUPLICATE_CLICK.toml")),
    ("scenarios/FULL_FLOW.toml", include_str!("../../scenarios/FULL_FLOW.toml")),
    ("scenarios/IDEMPOTENCY_KEY_REUSE.toml", include_str!("../../scenarios/IDEMPOTENCY_KEY_REUSE.toml")),
    ("scenarios/MISSING_IDEMPOTENCY_KEY.toml", include_str!("../../scenarios/MISSING_IDEMPOTENCY_KEY.toml")),
    ("scenarios/ONLY_CREATE_APPROVE.toml", include_str!("../../scenarios/ONLY_CREATE_APPROVE.toml")),
    ("scenarios/PARTIAL_CANCEL.toml", include_str!("../../scenarios/PARTIAL_CANCEL.toml")),
    ("scenarios/PG_ERROR_ON_CANCEL.toml", include_str!("../../scenarios/PG_ERROR_ON_CANCEL.toml")),
    ("scenarios/REPLAY_AFTER_COMPLETION.toml", include_str!("../../scenarios/REPLAY_AFTER_COMPLETION.toml")),
    ("scenarios/RETRY_IN_FLIGHT.toml", include_str!("../../scenarios/RETRY_IN_FLIGHT.toml")),
    ("scenarios/WEBHOOK_STORM.toml", include_str!("../../scenarios/WEBHOOK_STORM.toml")),
];

/// The shipped scenario files: name and text.
pub fn shipped_scenario_files() -> &'static [(&'static str, &'static str)] {
    &EMBEDDED
}

/// The shipped scenarios.
pub fn embedded_scenarios() -> Vec<Scenario> {
    EMBEDDED
        .iter()
        .map(|(name, text)| Scenario::parse(Path::new(name), text).expect("shipped scenarios are valid"))
        .collect()
}

/// Every `*.toml` scenario directly in `dir`, sorted by file name.
pub fn load_scenario_dir(dir: &Path) -> Result<Vec<Scenario>, InputError> {
    let files = crate::input::toml_files(dir, "scenarios")?;
    let scenarios = files.iter().map(|f| Scenario::load(f)).collect::<Result<Vec<_>, _>>()?;
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(first) = scenarios[..i].iter().find(|o| o.name == s.name) {
            return Err(InputError::new(
                &s.file,
                None,
                format!("scenario name {} is already used by {}", s.name, first.file.display()),
            ));
        }
    }
    if scenarios.is_empty() {
        return Err(InputError::new(dir, None, "no scenario files (*.toml) in this folder"));
    }
    Ok(scenarios)
}

/// The scenarios to use: `dir` if given, else `./scenarios` when it exists, else the shipped ones.
pub fn resolve_scenarios(dir: Option<&Path>) -> Result<Vec<Scenario>, InputError> {
    match dir {
        Some(dir) => load_scenario_dir(dir),
        None if Path::new("scenarios").is_dir() => load_scenario_dir(Path::new("scenarios")),
        None => Ok(embedded_scenarios()),
    }
}

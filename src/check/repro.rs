//! What the shrinker made of a violation: the repro file it wrote (or why none), how far it
//! cut the scenario, how many runs that took and how often the result breaks the invariant —
//! plain data for the reports, which link each violation to it.

use crate::pg::PgName;
use serde::Serialize;

/// One repro, for every violation of one invariant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repro {
    pub invariant: String,
    pub pg: PgName,
    /// The file, relative to the run folder (`repro/single-charge-1.toml`); none when no
    /// repro could be made, and `why` says so.
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The scenario it was shrunk from (empty when none broke it again).
    pub from: String,
    pub steps_before: usize,
    pub steps_after: usize,
    /// Repetitions a replay needs to show it.
    pub repeat: u32,
    /// Candidate runs the shrink took.
    pub runs: u32,
    /// Of `tried` runs of the final repro, how many broke the invariant.
    pub reproduced: u32,
    pub tried: u32,
    /// The command that replays it.
    pub replay: String,
}

impl Repro {
    /// Whether `self` is the repro for a violation of `invariant`.
    pub fn covers(&self, invariant: &str) -> bool {
        self.invariant == invariant
    }

    /// "reproduces 4/5", or what became of it.
    pub fn reproduces_text(&self) -> String {
        match (&self.file, &self.why) {
            (Some(_), _) => format!("reproduces {}/{}", self.reproduced, self.tried),
            (None, Some(why)) => format!("no repro: {why}"),
            (None, None) => "no repro".into(),
        }
    }
}
